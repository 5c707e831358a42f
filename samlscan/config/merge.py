"""build: the Expectations from flags over the TOML file over the SP's settings over IdP metadata."""
from __future__ import annotations

import math

from dataclasses import fields, replace
from datetime import datetime, timezone
from pathlib import Path

from samlscan.certs import SP_CERT, UNSUPPORTED_KEY, TrustedCert, load_certs
from samlscan.config.files import NODES_APART, NO_CERT, NOTES, PINNED, _as_list, _read
from samlscan.config.mdsign import metadata_signature_note
from samlscan.config.metadata import SIGNED, VALID_UNTIL, expired_entities, expired_note, load_idp_metadata
from samlscan.config.model import CONFIG_AT, PROFILES, Expectations
from samlscan.config.python3saml import load_python3_saml_settings
from samlscan.config.sonar import load_sonar_settings
from samlscan.config.times import _ZONE_AT_END, _merged_zones, parse_at
from samlscan.config.tomlfile import _SCALARS, _toml_values
from samlscan.config.trust import _as_the_sp_holds, _unique, listed_certs
from samlscan.errors import ConfigError


def _count(value, origin: str, unit: str) -> int:
    """A whole, non-negative number of `unit` (a TOML true is not one; 1.5 is not whole)."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or not math.isfinite(value) or value != int(value):
        raise ConfigError(f"{origin} must be a whole number of {unit}, 0 or more, not {value!r}")
    return int(value)


def build(flags: dict, config_path: Path | None, certless: bool = False) -> Expectations:
    """Merge flags over the TOML file over SonarQube settings over metadata. A settings file meant to
    give the IdP certificate and giving none is an error, unless `certless` (the files a scan found:
    a note says so, found.py)."""
    layers: list[tuple[str, dict]] = []
    settings_json = config_path is not None and config_path.suffix.lower() == ".json"
    file_values = _toml_values(config_path) if config_path and not settings_json else {}
    merged = {**file_values, **{k: v for k, v in flags.items() if v not in (None, (), [])}}
    sources = [str(config_path)] if config_path and not settings_json else []
    values: dict = {}
    for settings in _as_list(merged.get("sonar_settings")):
        layers.append((settings, load_sonar_settings(Path(settings))))
    # python3-saml's settings.json: given with --config (a .json), or found in a scanned folder (found.py)
    for settings in _as_list(merged.get("python3_saml_settings")) + ([str(config_path)] if settings_json else []):
        layers.append((settings, load_python3_saml_settings(Path(settings))))
    # the IdP to pick in an aggregate: the configured one (flags, TOML, then the SP's own settings)
    wanted = merged.get("idp_entity_id") or next(
        (layer["idp_entity_id"] for _, layer in reversed(layers) if layer.get("idp_entity_id")), None)
    metadata = [(meta, load_idp_metadata(Path(meta), wanted and str(wanted)))
                for meta in _as_list(merged.get("idp_metadata"))]
    held = [c for _, layer in layers for c in layer.get("idp_certs", ())]  # the SP's own settings
    pinned = [layer[PINNED] for _, layer in layers if PINNED in layer]
    layers[:0] = metadata
    missing = []
    for origin, layer in layers:
        sources.append(origin)
        for k, v in layer.items():
            if k == NO_CERT:
                missing.append(v)
            elif k in (PINNED, NOTES, SIGNED):
                continue
            elif k == NODES_APART:
                values["nodes_apart"] = values.get("nodes_apart", ()) + tuple((origin, *v) for v in layer[k])
            elif k in ("idp_certs", "sp_keys", "sp_certs", "idp_metadata_certs", "idp_aggregates"):
                values[k] = values.get(k, ()) + v
            elif v:
                values[k] = v
    for k in _SCALARS:
        if merged.get(k):
            values[k] = str(merged[k])
    certs = []
    for p in _as_list(merged.get("idp_cert")):
        certs.extend(load_certs(_read(Path(p), "IdP certificate"), p, from_file=True))
    if certs:  # explicit certificates are added to those from metadata/settings (rollover)
        values["idp_certs"] = tuple(certs) + tuple(values.get("idp_certs", ()))
    if pinned:  # the SP holds the certificate of that fingerprint, whoever gives it (the
        # metadata's encryption certificate too: python3-saml trusts what the fingerprint names)
        given = _unique(values.get("idp_certs", ()) + tuple(c for _, c in values.get("idp_metadata_certs", ())))
        values["idp_certs"] = tuple(c for c in given if _fingerprint_of(c, pinned))
        held += list(values["idp_certs"])
        if given and not values["idp_certs"]:
            alg, hexdigest = pinned[0]
            raise ConfigError(f"idp.certFingerprint ({alg} {hexdigest}) matches none of the IdP certificates "
                              f"given ({listed_certs(given)}): python3-saml rejects every response they sign; put "
                              "the IdP's current certificate (or its fingerprint) in settings.json")
    values["idp_certs"] = _as_the_sp_holds(_unique(values.get("idp_certs", ())), certs, held,
                                           values.get("idp_metadata_certs", ()))
    if missing and not values["idp_certs"] and not certless:
        raise ConfigError(missing[0])
    keys = []
    for p in _as_list(merged.get("sp_key")):
        from samlscan.decrypt import load_sp_key

        keys.append(load_sp_key(_read(Path(p), "SP private key"), p))
    values["sp_keys"] = tuple(keys) + tuple(values.get("sp_keys", ()))
    values["apps"] = tuple(_as_list(merged.get("app")))
    values["timezones"] = _merged_zones(flags.get("timezone"), file_values.get("timezone"))
    values["sp_certs"] = _unique(tuple(c for p in _as_list(merged.get("sp_cert"))
                                       for c in load_certs(_read(Path(p), "SP certificate"), p, from_file=True,
                                                          what=SP_CERT))
                                 + values.get("sp_certs", ()))
    for key, unit in (("clock_skew", "seconds"), ("expiry_window_days", "days")):
        if merged.get(key) is not None:
            origin = f"--{key.replace('_', '-')}" if flags.get(key) is not None else f"{config_path}: {key}"
            values[key] = _count(merged[key], origin, unit)
    if merged.get("at"):
        at = merged["at"]
        origin = "--at" if flags.get("at") else f"{config_path}{CONFIG_AT}"
        values["at"] = at.astimezone(timezone.utc) if isinstance(at, datetime) and at.tzinfo else (
            at.replace(tzinfo=timezone.utc) if isinstance(at, datetime) else parse_at(str(at), origin))
        # (said as given: a config file's 'at' is no --at the user typed)
        values["at_source"] = origin if (at.tzinfo if isinstance(at, datetime) else _ZONE_AT_END.search(str(at))) \
            else f"{origin}, no zone given: read as UTC"
    if values.get("profile") not in (None, *PROFILES):
        origin = f"{config_path}: " if file_values.get("profile") == values["profile"] else ""  # (--profile: click's Choice)
        raise ConfigError(f"{origin}unknown profile {values['profile']!r}; known: {', '.join(PROFILES)}")
    values["sources"] = tuple(sources)
    values["contradictions"] = (_entity_contradictions(flags, file_values, config_path, metadata)
                                + _expired_metadata(metadata, values.get("at"))
                                + _unusable_certs(values["idp_certs"])
                                + tuple(n for _, layer in layers for n in layer.get(NOTES, ()))
                                + tuple(n for meta, layer in metadata
                                        if (signed := layer.get(SIGNED)) is not None and (n := metadata_signature_note(
                                            meta, tuple(certs), layer.get("idp_certs", ()),
                                            None if signed is True else signed))))
    allowed = {f.name for f in fields(Expectations)}
    return replace(Expectations(), **{k: v for k, v in values.items() if k in allowed})


def _entity_contradictions(flags: dict, file_values: dict, config_path: Path | None,
                           metadata: list[tuple[str, dict]]) -> tuple[str, ...]:
    """The IdP entity ID given (a flag, else the TOML file) against the entityID of each one-IdP
    metadata file given: the given one wins (flags over metadata) and every response of the
    metadata's IdP then has an Issuer other than the expected one (SAML core 2.2.5, 3.2.2)."""
    given, origin = flags.get("idp_entity_id"), "--idp-entity-id"
    if not given:
        given, origin = file_values.get("idp_entity_id"), f"{config_path}: idp_entity_id"
    if not given:
        return ()
    return tuple(f"the configuration contradicts itself: {origin} is {str(given)!r} but the IdP metadata {meta} "
                 f"is that of entityID {layer['idp_entity_id']!r}; samlscan uses {str(given)!r} ({origin} wins "
                 f"over the metadata), so responses issued by {layer['idp_entity_id']!r} are reported as "
                 "issuer-mismatch: give the entity ID and the metadata of the same IdP"
                 for meta, layer in metadata
                 if layer.get("idp_entity_id") and layer["idp_entity_id"] != str(given))


def _unusable_certs(certs: tuple[TrustedCert, ...]) -> tuple[str, ...]:
    """A note for each IdP certificate given whose key samlscan cannot verify with (GOST, SM2, a damaged
    OID: certs._key_of), said when it is read rather than first at a signature that fails against it."""
    return tuple(f"{c.info.origin}: the IdP certificate {c.info.subject or '(no subject)'} holds a key samlscan cannot "
                 f"verify signatures with ({c.info.key_type}): every signature checked against it fails; give the "
                 "IdP's RSA or EC signing certificate, which every SAML SP supports"
                 for c in certs if c.info.key_type.startswith(UNSUPPORTED_KEY))


def _expired_metadata(metadata: list[tuple[str, dict]], at: datetime | None) -> tuple[str, ...]:
    """A note for each IdP metadata file past its validUntil at --at (the evidence's time), else now:
    said, not refused (the certificates in it are still what the IdP signs with, or were)."""
    now, what = (at, "--at") if at else (datetime.now(timezone.utc), "now")
    return tuple(note for meta, layer in metadata if VALID_UNTIL in layer
                 and (note := expired_note(meta, layer[VALID_UNTIL], now, what))) + tuple(
        note for meta, layer in metadata for path in layer.get("idp_aggregates", ())
        if (note := expired_entities(path, now, what)))


def _fingerprint_of(cert: TrustedCert, pinned: list[tuple[str, str]]) -> bool:
    import hashlib

    for alg, hexdigest in pinned:
        try:
            if hashlib.new(alg, cert.der).hexdigest() == hexdigest:
                return True
        except ValueError:  # an algorithm hashlib does not know: python3-saml knows sha1..sha512
            continue
    return False
