"""One name per party across a run's attempts: an IdP log names its product ('duo'), an SP's
its label ('SonarQube'), a capture the entity ID: one party, several names (Attempt.idp_name)."""
from __future__ import annotations

from dataclasses import replace

from samlscan.catalog import IDP_NAMES
from samlscan.checks.base import issuer_product
from samlscan.correlate.pieces import _LOG_SIDE


def _is_entity(a, side: str) -> bool:
    """The attempt's name of its party is an entity ID: a URI (SAML core 8.3.6: a URL or a URN, as
    an SP's log gives it too), or a name from a SAML message (an Issuer, an Audience: the attempt
    holds a capture; SonarQube's default 'sonarqube'), for the IdP no product key (a log's 'okta')."""
    name = getattr(a, side)
    return bool(name) and (_uri(name) or any(e.kind == "capture" for e in a.evidence)
                           and not (side == "idp" and name in IDP_NAMES))


def _uri(name: str) -> bool:
    return "://" in name or name.casefold().startswith("urn:")


def _resolver(attempts, side: str, given: tuple[str | None, str | None]):
    """Name (casefolded) -> the party's entity ID: a name beside exactly one entity ID in the run's
    attempts (the same attempt joined them), the ID itself in any letter case, an IdP product named
    beside none whose one entity ID in the run is its default Issuer, or the settings' IdP entity ID
    (--idp-entity-id, metadata: `given`, (its product, its ID)). Two IDs beside one name (two Okta
    tenants): not guessed."""
    ids: dict[str, str] = {}
    for a in attempts:
        if _is_entity(a, side):
            ids.setdefault(getattr(a, side).casefold(), getattr(a, side))
    product, entity = given
    if side == "idp" and entity:
        ids.setdefault(entity.casefold(), entity)
    beside: dict[str, set[str]] = {}
    for a in attempts:
        names = [n for n in (getattr(a, side), *getattr(a, side + "_aka")) if n]
        keys = {n.casefold() for n in names if n.casefold() in ids}
        for n in names:
            beside.setdefault(n.casefold(), set()).update(keys)
    out = {k: v for k, v in ids.items()}
    for name, keys in beside.items():
        if name in out:
            continue
        if len(keys) == 1:
            out[name] = ids[next(iter(keys))]
        elif not keys and side == "idp":
            of = sorted(v for k, v in ids.items() if issuer_product(v) == name)
            if len(of) == 1:
                out[name] = of[0]
            elif product == name and entity:
                out[name] = entity
    return out


def _label(side: str, key: str, names: list[str]) -> str:
    """What a reader calls the party: an IdP's product ('Entra ID'), an SP's label in an IdP log
    ('SonarQube'), with its entity ID once beside it; the ID alone without one."""
    if side == "idp":
        product = next((n for n in names if n in IDP_NAMES), None) or issuer_product(key)
        label = IDP_NAMES.get(product or "")
    elif _uri(key):  # (an SP's product, 'spring', is no name of this SP: its label in an IdP log is)
        label = next((n for n in names if not _uri(n) and n.casefold() not in _LOG_SIDE), None)
    else:
        label = None
    if not label or label.casefold() == key.casefold() or key in IDP_NAMES:  # (a product's key: 'okta' is Okta)
        return label or key
    return f"{label} ({key})"


def _signature(a) -> tuple:
    """What an attempt's party names depend on (its names, whether it holds a capture)."""
    return a.idp, a.idp_aka, a.sp, a.sp_aka, "capture" in [e.kind for e in a.evidence]  # (no generator per attempt)


def named_parties(attempts, given: tuple[str | None, str | None] = (None, None)) -> list:
    """The attempts with each party under one name: `idp`/`sp` its entity ID wherever the run ties
    the attempt's names to one (else the name as before), `idp_name`/`sp_name` the label the reports
    show ('Duo (https://sso-...duosecurity.com/...)'), the same for every attempt of that party (None
    when the label is the name itself: readers show `idp_name or idp`). An attempt is replaced only
    when one of these changes (dataclasses.replace of 80,000 attempts took a big log's 0.3 s)."""
    if not attempts:
        return attempts
    first: dict[tuple, object] = {}
    sigs = [_signature(a) for a in attempts]  # (each attempt's, once)
    for sig, a in zip(sigs, attempts):  # (one attempt of each signature, first seen first)
        first.setdefault(sig, a)
    firsts = list(first.values())
    done: dict[str, dict] = {}
    for side in ("idp", "sp"):
        of = _resolver(firsts, side, given if side == "idp" else (None, None))
        names: dict[str, list[str]] = {}  # key -> every name its attempts give it, first seen first
        keys = {}
        for a in firsts:
            own = [n for n in (getattr(a, side), *getattr(a, side + "_aka")) if n]
            # (its own entity ID first: an IdP log's app name beside it may be another SP's, a response
            # sent to the wrong one)
            key = next((of[n.casefold()] for n in own if n.casefold() in of), own[0] if own else None)
            keys[_signature(a)] = key
            if key is not None:
                got = names.setdefault(key, [])
                got += [n for n in own if n not in got]
        labels = {k: _label(side, k, v) for k, v in names.items()}
        done[side] = {sig: (k, None if labels.get(k) == k else labels.get(k)) for sig, k in keys.items()}
    changes = {}
    for a in firsts:
        sig = _signature(a)
        (idp, idp_name), (sp, sp_name) = done["idp"][sig], done["sp"][sig]
        new = dict(idp=idp, sp=sp, idp_aka=_aka(a, "idp", idp), sp_aka=_aka(a, "sp", sp),
                   idp_name=idp_name, sp_name=sp_name)
        changes[sig] = new if any(getattr(a, k) != v for k, v in new.items()) else None
    return [replace(a, **new) if (new := changes[sig]) else a for sig, a in zip(sigs, attempts)]


def _aka(a, side: str, key: str | None) -> tuple[str, ...]:
    """The attempt's other names of its party (not `key`, the one it is shown by)."""
    return tuple(dict.fromkeys(n for n in (getattr(a, side), *getattr(a, side + "_aka")) if n and n != key))
