"""The IdP metadata's signing certificates the SP's own settings lack (a logged key refusal's cause)."""
from __future__ import annotations

from dataclasses import dataclass, replace

from samlscan.config import METADATA_KEY
from samlscan.correlate.pieces import _cert_name


@dataclass(frozen=True)
class Unheld:
    """The IdP metadata's signing certificates an SP's settings lack (unheld_signers)."""

    certs: tuple[str, ...]
    """As fixes name them: 'CN=... (SHA-1 ...)' (_cert_name)."""
    sonarqube: bool
    """The settings are SonarQube's: its log's refusals are judged by them, another app's are not."""
    signing: bool = True
    """The IdP signs with them: the metadata no longer lists the one the SP holds, or a message of
    the scan verifies with one of them. A rollover publishes the next certificate beside the
    current one before the IdP signs with it (Shibboleth's IdPKeyRollover, AD FS's secondary
    certificate): listed alone, it is no cause, only a note (_signing_seen)."""

    @property
    def names(self) -> str:
        return ", ".join(self.certs)


def unheld_signers(expect) -> Unheld | None:
    """The IdP metadata's signing certificates that the SP's own settings do not hold. Only when
    the certificates samlscan verifies with are the SP's own: beside its settings
    config.trust._as_the_sp_holds keeps just those; without them the metadata's are trusted and
    nothing tells what the SP holds. When the metadata lists a held one too (a rollover publishes
    both), only those newer than it: an IdP rolls forward, and an SP holding the newest is fine."""
    if expect is None or not expect.idp_certs or any(METADATA_KEY in c.info.origin for c in expect.idp_certs):
        return None
    held = {c.der for c in expect.idp_certs}
    signing = expect.metadata_certs("signing")
    listed = [c.info.not_before for c in signing if c.der in held]
    lacking = [c.info for c in signing if c.der not in held and (not listed or c.info.not_before > max(listed))]
    certs = tuple(_cert_name(i) for i in lacking)
    return Unheld(certs, expect.profile == "sonarqube", signing=not listed) if certs else None


def _signing_seen(unheld: Unheld | None, pieces) -> Unheld | None:
    """`unheld`, signing when a message of the scan verifies with one of its certificates (trusted
    from the metadata, or named by its signature-cert-mismatch finding as the one to configure)."""
    if unheld is None or unheld.signing:
        return unheld
    seen = any(p.metadata_signer in unheld.certs or p.hints and any(
        c in hint for hint in p.hints.values() if hint for c in unheld.certs) for p in pieces)
    return replace(unheld, signing=True) if seen else unheld
