"""The IdP certificates the SP holds, and the IdP of an aggregate a message's Issuer names."""
from __future__ import annotations

from dataclasses import replace

from samlscan.certs import TrustedCert
from samlscan.config.metadata import aggregate_idp
from samlscan.config.model import Expectations


def listed_certs(certs) -> str:
    """Certificates named for a message: subject and SHA-1 of the first three."""
    return ", ".join(f"{c.info.subject} SHA-1 {c.info.sha1}" for c in certs[:3]) + (" ..." if len(certs) > 3 else "")


def for_issuer(expect: Expectations, issuer: str | None) -> Expectations | None:
    """`expect` with the IdP of a metadata aggregate whose entityID is `issuer`, as if it had been
    chosen by its entity ID; None when no aggregate given lists it. (The SP's own settings always
    name their IdP, SonarQube's providerId and python3-saml's idp.entityId: an aggregate is left
    unchosen only beside flags, so --idp-cert is all the SP-side trust there is to keep.)"""
    for path in expect.idp_aggregates:
        found = aggregate_idp(path, issuer) if issuer else None
        if found is not None:
            given = list(expect.idp_certs)
            listed = expect.idp_metadata_certs + found["idp_metadata_certs"]
            trusted = _as_the_sp_holds(_unique(tuple(given) + found["idp_certs"]), given, [], listed)
            return replace(expect, idp_entity_id=issuer, idp_certs=trusted, idp_metadata_certs=listed,
                           idp_sso_urls=found["idp_sso_urls"],
                           idp_sso_endpoints=found["idp_sso_endpoints"])
    return None


def _as_the_sp_holds(trusted: tuple[TrustedCert, ...], given: list[TrustedCert], settings: list[TrustedCert],
                     listed: tuple[tuple[str, TrustedCert], ...]) -> tuple[TrustedCert, ...]:
    """The certificates to verify with: those the SP holds. Its own settings (SonarQube's
    certificate.secured, python3-saml's x509cert) are exactly what it trusts: beside them the IdP
    metadata only names the right certificate (checks.signature), since trusting the metadata's
    signing certificate would hide the most common failure of all, an IdP that rotated and
    published its new certificate while the SP still holds the old one. Without the SP's settings,
    the metadata's signing certificates are trusted beside --idp-cert (a rollover), except when a
    certificate given is one the metadata publishes for encryption only: the SP then holds it where
    the signing certificate belongs and rejects every response."""
    encryption = {c.der for c in Expectations(idp_metadata_certs=listed).metadata_certs("encryption")}
    mine: dict = {}
    for c in given + settings:  # (a certificate given twice: under the first of its origins)
        mine.setdefault(c.der, c)
    if not settings and not mine.keys() & encryption:
        return trusted
    # (each under its own origin: the metadata listing the same certificate is not where the SP holds it)
    return tuple(mine[c.der] for c in trusted if c.der in mine)


def _unique(certs) -> tuple[TrustedCert, ...]:
    seen, out = set(), []
    for c in certs:
        if c.der not in seen:
            seen.add(c.der)
            out.append(c)
    return tuple(out)
