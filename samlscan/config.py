"""What the SP expects: from flags, a TOML file, IdP metadata and SonarQube's own settings.

Precedence (highest first): command-line flags, the TOML file, SonarQube settings, IdP metadata.
"""
from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timezone
from pathlib import Path

from samlscan.certs import TrustedCert, load_certs
from samlscan.errors import ConfigError, InputError

SONAR_ACS_PATH = "/oauth2/callback/saml"
DEFAULT_SKEW = 180  # SonarQube's java-saml (Constants.ALOWED_CLOCK_DRIFT)


@dataclass(frozen=True)
class Expectations:
    """The SP's side of the contract; None means 'not configured' (the check is skipped)."""

    sp_entity_id: str | None = None
    acs_url: str | None = None
    idp_entity_id: str | None = None
    idp_certs: tuple[TrustedCert, ...] = ()
    sp_keys: tuple = field(default=(), repr=False)
    sp_certs: tuple[TrustedCert, ...] = ()
    """The SP's own certificates: they verify the SP's signed AuthnRequests."""
    email_attribute: str | None = None
    login_attribute: str | None = None
    name_attribute: str | None = None
    group_attribute: str | None = None
    clock_skew: int = DEFAULT_SKEW
    at: datetime | None = None
    request_id: str | None = None
    profile: str | None = None
    idp_sso_urls: tuple[str, ...] = ()
    expiry_window_days: int = 30
    sources: tuple[str, ...] = ()
    """Where the settings came from, for the report header."""
    apps: tuple[str, ...] = ()
    """The SP's names in IdP logs (Entra appDisplayName, Okta app label...): IdP sign-ins to other
    applications are left out of the attempts (the SP entity ID counts too)."""
    keep_xml: bool = True
    """Not a setting of the SP: whether each message keeps its decoded bytes (only the HTML report
    and `decode` show them; a scan to another format leaves them out of what workers send back)."""

    def setting_name(self, what: str) -> str:
        """The name of the setting to change, in the profile's own words."""
        if self.profile == "sonarqube":
            return SONAR_SETTING_NAMES.get(what, what)
        return "--" + what.replace("_", "-")


SONAR_SETTING_NAMES = {
    "sp_entity_id": "sonar.auth.saml.applicationId",
    "idp_entity_id": "sonar.auth.saml.providerId",
    "idp_cert": "sonar.auth.saml.certificate.secured",
    "login_attribute": "sonar.auth.saml.user.login",
    "name_attribute": "sonar.auth.saml.user.name",
    "email_attribute": "sonar.auth.saml.user.email",
    "group_attribute": "sonar.auth.saml.group.name",
    "acs_url": "sonar.core.serverBaseURL (ACS = serverBaseURL + /oauth2/callback/saml)",
    "sp_key": "sonar.auth.saml.sp.privateKey.secured",
}

_SCALARS = ("sp_entity_id", "acs_url", "idp_entity_id", "email_attribute", "login_attribute",
            "name_attribute", "group_attribute", "request_id", "profile")


def parse_at(text: str, origin: str = "--at") -> datetime:
    """An ISO-8601 time; a time without a zone is UTC."""
    from samlscan.saml import parse_time

    value = parse_time(text)
    if value is None:
        raise ConfigError(f"{origin}: {text!r} is not an ISO-8601 time (example: 2025-03-11T08:41:02Z)")
    return value


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what}: {exc.strerror}") from None


def load_idp_metadata(path: Path) -> dict:
    """entityID, signing certificates and SSO URLs of the IdP in a metadata file (SAML metadata 2.4.1).

    A KeyDescriptor without `use` serves both signing and encryption; `use="encryption"` is skipped.
    """
    from samlscan.xmlsafe import DS, MD, parse_xml

    try:
        root = parse_xml(_read(path, "IdP metadata"))
    except InputError as exc:
        raise ConfigError(f"{path}: unusable IdP metadata: {exc.detail}") from None
    descriptors = [root] if root.tag == MD + "EntityDescriptor" else list(root.iter(MD + "EntityDescriptor"))
    for ed in descriptors:
        idp = ed.find(MD + "IDPSSODescriptor")
        if idp is None:
            continue
        certs: list[TrustedCert] = []
        for kd in idp.findall(MD + "KeyDescriptor"):
            if kd.get("use") not in (None, "signing"):
                continue
            for x in kd.iter(DS + "X509Certificate"):
                certs.extend(load_certs((x.text or "").encode(), f"metadata:{path}"))
        urls = tuple(s.get("Location") for s in idp.findall(MD + "SingleSignOnService") if s.get("Location"))
        return {"idp_entity_id": ed.get("entityID"), "idp_certs": tuple(certs), "idp_sso_urls": urls}
    raise ConfigError(f"{path}: no IDPSSODescriptor in this metadata (is it the SP's metadata?)")


def _sonar_pairs(path: Path) -> dict[str, str]:
    data = _read(path, "SonarQube settings")
    text = data.decode("utf-8", "replace")
    if text.lstrip().startswith("{"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}: not valid JSON ({exc}); expected the output of "
                              "api/settings/values") from None
        pairs = {}
        for item in doc.get("settings", []) if isinstance(doc, dict) else []:
            if isinstance(item, dict) and "key" in item:
                value = item.get("value", item.get("values"))
                pairs[item["key"]] = ",".join(value) if isinstance(value, list) else str(value or "")
        return pairs
    pairs = {}
    lines = iter(text.splitlines())
    for line in lines:
        while line.endswith("\\"):  # java .properties continuation lines
            line = line[:-1] + next(lines, "").lstrip()
        line = line.strip()
        if not line or line[0] in "#!" or ("=" not in line and ":" not in line):
            continue
        sep = min(i for i in (line.find("="), line.find(":")) if i >= 0)
        pairs[line[:sep].strip()] = line[sep + 1:].strip()
    return pairs


def load_sonar_settings(path: Path) -> dict:
    """Expectations from sonar.properties or api/settings/values JSON (logformats.md §1.2)."""
    pairs = _sonar_pairs(path)
    out: dict = {"profile": "sonarqube"}
    mapping = {"sonar.auth.saml.applicationId": "sp_entity_id",
               "sonar.auth.saml.providerId": "idp_entity_id",
               "sonar.auth.saml.user.login": "login_attribute",
               "sonar.auth.saml.user.name": "name_attribute",
               "sonar.auth.saml.user.email": "email_attribute",
               "sonar.auth.saml.group.name": "group_attribute"}
    for key, name in mapping.items():
        if pairs.get(key):
            out[name] = pairs[key]
    out.setdefault("sp_entity_id", "sonarqube")  # SonarQube's default applicationId
    cert = pairs.get("sonar.auth.saml.certificate.secured")
    if cert:
        out["idp_certs"] = tuple(load_certs(cert.encode(), f"{path}:sonar.auth.saml.certificate.secured"))
    base = pairs.get("sonar.core.serverBaseURL")
    if base:
        out["acs_url"] = base.rstrip("/") + SONAR_ACS_PATH
    if pairs.get("sonar.auth.saml.loginUrl"):
        out["idp_sso_urls"] = (pairs["sonar.auth.saml.loginUrl"],)
    return out


def load_python3_saml_settings(path: Path) -> dict:
    """Expectations from a python3-saml / php-saml settings.json ('sp' and 'idp' objects)."""
    try:
        doc = json.loads(_read(path, "python3-saml settings"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid JSON: {exc}") from None
    sp, idp = doc.get("sp") or {}, doc.get("idp") or {}
    out: dict = {"sp_entity_id": sp.get("entityId"), "idp_entity_id": idp.get("entityId"),
                 "acs_url": (sp.get("assertionConsumerService") or {}).get("url")}
    bodies = [idp.get("x509cert")] + list((idp.get("x509certMulti") or {}).get("signing") or [])
    certs: list[TrustedCert] = []
    for body in filter(None, bodies):
        certs.extend(load_certs(body.encode(), f"{path}:idp.x509cert"))
    out["idp_certs"] = tuple(certs)
    key = sp.get("privateKey")
    if key:
        from samlscan.decrypt import load_sp_key

        pem = key if "-----BEGIN" in key else (
            "-----BEGIN PRIVATE KEY-----\n" + key.strip() + "\n-----END PRIVATE KEY-----\n")
        try:
            out["sp_keys"] = (load_sp_key(pem.encode(), f"{path}:sp.privateKey"),)
        except ConfigError:
            pem = pem.replace("PRIVATE KEY", "RSA PRIVATE KEY")
            out["sp_keys"] = (load_sp_key(pem.encode(), f"{path}:sp.privateKey"),)
    return {k: v for k, v in out.items() if v}


def _toml_values(path: Path) -> dict:
    try:
        doc = tomllib.loads(_read(path, "config").decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    flat: dict = {}
    for key, value in doc.items():  # accept [sp]/[idp] tables as well as flat keys
        if isinstance(value, dict):
            flat.update({k.replace("-", "_"): v for k, v in value.items()})
        else:
            flat[key.replace("-", "_")] = value
    known = set(_SCALARS) | {"idp_cert", "idp_metadata", "sp_key", "sp_cert", "clock_skew", "at", "sonar_settings",
                             "expiry_window_days"}
    unknown = sorted(set(flat) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    base = path.parent
    for key in ("idp_cert", "idp_metadata", "sp_key", "sp_cert", "sonar_settings"):
        if key in flat:
            items = flat[key] if isinstance(flat[key], list) else [flat[key]]
            flat[key] = [str(base / str(p)) for p in items]
    return flat


def find_config(start_dirs: list[Path]) -> Path | None:
    """samlscan.toml in a scanned directory, else in the working directory."""
    for d in [*start_dirs, Path.cwd()]:
        candidate = d / "samlscan.toml"
        if candidate.is_file():
            return candidate
    return None


def build(flags: dict, config_path: Path | None) -> Expectations:
    """Merge flags over the TOML file over SonarQube settings over metadata."""
    layers: list[tuple[str, dict]] = []
    settings_json = config_path is not None and config_path.suffix.lower() == ".json"
    file_values = _toml_values(config_path) if config_path and not settings_json else {}
    merged = {**file_values, **{k: v for k, v in flags.items() if v not in (None, (), [])}}
    sources = [str(config_path)] if config_path and not settings_json else []
    values: dict = {}
    for meta in _as_list(merged.get("idp_metadata")):
        layers.append((meta, load_idp_metadata(Path(meta))))
    for settings in _as_list(merged.get("sonar_settings")):
        layers.append((settings, load_sonar_settings(Path(settings))))
    if settings_json:
        layers.append((str(config_path), load_python3_saml_settings(config_path)))
    for origin, layer in layers:
        sources.append(origin)
        for k, v in layer.items():
            if k in ("idp_certs", "sp_keys"):
                values[k] = values.get(k, ()) + v
            elif v:
                values[k] = v
    for k in _SCALARS:
        if merged.get(k):
            values[k] = str(merged[k])
    certs = []
    for p in _as_list(merged.get("idp_cert")):
        certs.extend(load_certs(_read(Path(p), "IdP certificate"), p))
    if certs:  # explicit certificates are added to those from metadata/settings (rollover)
        values["idp_certs"] = tuple(certs) + tuple(values.get("idp_certs", ()))
    values["idp_certs"] = _unique(values.get("idp_certs", ()))
    keys = []
    for p in _as_list(merged.get("sp_key")):
        from samlscan.decrypt import load_sp_key

        keys.append(load_sp_key(_read(Path(p), "SP private key"), p))
    values["sp_keys"] = tuple(keys) + tuple(values.get("sp_keys", ()))
    values["apps"] = tuple(_as_list(merged.get("app")))
    values["sp_certs"] = _unique(tuple(c for p in _as_list(merged.get("sp_cert"))
                                       for c in load_certs(_read(Path(p), "SP certificate"), p)))
    if merged.get("clock_skew") is not None:
        try:
            values["clock_skew"] = int(merged["clock_skew"])
        except (TypeError, ValueError):
            raise ConfigError(f"clock_skew must be a number of seconds, not {merged['clock_skew']!r}") from None
    if merged.get("expiry_window_days") is not None:
        values["expiry_window_days"] = int(merged["expiry_window_days"])
    if merged.get("at"):
        at = merged["at"]
        values["at"] = at.astimezone(timezone.utc) if isinstance(at, datetime) and at.tzinfo else (
            at.replace(tzinfo=timezone.utc) if isinstance(at, datetime) else parse_at(str(at)))
    if values.get("profile") not in (None, "sonarqube"):
        raise ConfigError(f"unknown profile {values['profile']!r}; known: sonarqube")
    values["sources"] = tuple(sources)
    allowed = {f.name for f in fields(Expectations)}
    return replace(Expectations(), **{k: v for k, v in values.items() if k in allowed})


def _as_list(value) -> list[str]:
    if value in (None, "", ()):
        return []
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


def _unique(certs) -> tuple[TrustedCert, ...]:
    seen, out = set(), []
    for c in certs:
        if c.der not in seen:
            seen.add(c.der)
            out.append(c)
    return tuple(out)


def env_config_path() -> Path | None:
    value = os.environ.get("SAMLSCAN_CONFIG")
    return Path(value) if value else None
