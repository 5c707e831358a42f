"""python3-saml / php-saml settings.json: the 'sp' and 'idp' objects."""
from __future__ import annotations

import json
from pathlib import Path

from samlscan.certs import TrustedCert
from samlscan.config.files import NO_CERT, PINNED, _read, _settings_text
from samlscan.config.sonar import _pem_private_key, _sp_setting_certs
from samlscan.errors import ConfigError, OtherKind


def load_python3_saml_settings(path: Path) -> dict:
    """Expectations from a python3-saml / php-saml settings.json ('sp' and 'idp' objects)."""
    try:
        doc = json.loads(_settings_text(_read(path, "python3-saml settings")))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ConfigError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or not (isinstance(doc.get("sp"), dict) or isinstance(doc.get("idp"), dict)):
        keys = ", ".join(sorted(doc)[:6]) if isinstance(doc, dict) else type(doc).__name__
        hint = ("SonarQube's api/settings/values goes to --sonar-settings" if isinstance(doc, dict)
                and "settings" in doc else "advanced_settings.json holds no IdP or SP: give settings.json")
        raise OtherKind(f"{path}: no 'sp' or 'idp' object in this python3-saml settings file "
                          f"(found: {keys}); {hint}")
    sp, idp = _json_member(doc, "sp", dict, path), _json_member(doc, "idp", dict, path)
    acs = _json_member(sp, "assertionConsumerService", dict, path, "sp.")
    out: dict = {"sp_entity_id": _json_member(sp, "entityId", str, path, "sp."),
                 "idp_entity_id": _json_member(idp, "entityId", str, path, "idp."),
                 "acs_url": _json_member(acs, "url", str, path, "sp.assertionConsumerService.")}
    # python3-saml verifies with x509certMulti's signing certificates when there are any, and
    # then ignores x509cert (OneLogin_Saml2_Response.is_valid passes them as multicerts)
    signing = _json_member(_json_member(idp, "x509certMulti", dict, path, "idp."), "signing", list, path,
                           "idp.x509certMulti.")
    multi = [b for b in signing or [] if isinstance(b, str) and b.strip()]
    certs: list[TrustedCert] = []
    for body in multi or [idp.get("x509cert")]:
        if isinstance(body, str) and body.strip():
            origin = f"{path}: idp.x509cert" + ("Multi.signing" if multi else "")
            if not body.isascii():  # (format_cert removes only line breaks and spaces: OpenSSL then
                raise ConfigError(  # refuses the PEM; java-saml's MIME decoder would skip them)
                    f"{origin}: the certificate holds characters that are not base64 (no-break or zero-width "
                    "spaces, curly quotes: copied from a web page or a mail), which python3-saml cannot "
                    "read: paste the certificate's base64 alone")
            certs.extend(_sp_setting_certs(body, origin))
    out["idp_certs"] = tuple(certs)
    fingerprint = idp.get("certFingerprint")
    if not certs and isinstance(fingerprint, str) and fingerprint.strip():
        # it trusts the certificate of that fingerprint (the one --idp-cert or the metadata gives),
        # the algorithm read as python3-saml reads it (utils.calculate_x509_fingerprint): exactly
        # sha256, sha384 or sha512, anything else is sha1
        alg = idp.get("certFingerprintAlgorithm") if idp.get("certFingerprintAlgorithm") in (
            "sha256", "sha384", "sha512") else "sha1"
        out[PINNED] = (alg, fingerprint.replace(":", "").strip().lower())
        out[NO_CERT] = (f"{path}: idp.certFingerprint names a certificate ({alg} {fingerprint.strip()}) that "
                        "neither --idp-cert nor --idp-metadata gives: a fingerprint alone cannot verify a "
                        "signature, give the IdP's certificate")
    key = sp.get("privateKey")
    if isinstance(key, str) and key.strip():
        out["sp_keys"] = (_pem_private_key(key, f"{path}: sp.privateKey"),)
    return {k: v for k, v in out.items() if v}


_JSON_TYPES = {dict: "an object", list: "an array", str: "a string"}


def _json_member(obj: dict, key: str, kind: type, path: Path, where: str = ""):
    """obj[key] when it is of the JSON type python3-saml reads there (None when absent or null);
    a ConfigError naming the member otherwise (python3-saml itself fails on it at login)."""
    value = obj.get(key)
    if value is None or isinstance(value, kind):
        return value if value is not None or kind is str else kind()
    found = next((name for t, name in _JSON_TYPES.items() if isinstance(value, t)), type(value).__name__)
    raise ConfigError(f"{path}: {where}{key} must be {_JSON_TYPES[kind]}, not {found} ({str(value)[:40]!r}); "
                      "fix it in settings.json as python3-saml's settings documentation shows")
