"""SonarQube's settings: sonar.properties (as java.util.Properties reads it), api/settings/values JSON and
the System Info file (config/sysinfo.py)."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterator

from samlscan import lazyre
from samlscan.certs import TrustedCert, load_certs
from samlscan.config.envvalue import env_entries
from samlscan.config.files import NODES_APART, NO_CERT, NOTES, _read, _settings_text
from samlscan.config.model import SPRING_SKEW
from samlscan.config.sysinfo import (is_system_info, node_disagreements, server_facts, spring_engine,
                                      system_info_pairs)
from samlscan.config.urls import SONAR_ACS_PATH
from samlscan.errors import ConfigError, OtherKind


def _properties_unescape(text: str) -> str:
    r"""java.util.Properties escapes: \t \n \r \f, \uXXXX, and \x for any other x. The text between
    two escapes is kept as one slice (a list of its characters took 80 bytes each: 500 MB for a
    6,000,000-character line)."""
    out, i = [], 0
    while (j := text.find("\\", i)) >= 0 and j + 1 < len(text):
        out.append(text[i:j])
        n = text[j + 1]
        if n == "u":  # (Properties.loadConvert: four ASCII hex digits, or IllegalArgumentException;
            if not _HEX4.fullmatch(text, j + 2, j + 6):  # int(.., 16) took '+041', ' 41', '١٢٣٤')
                raise ConfigError(f"malformed \\uxxxx escape '{text[j:j + 6]}': java.util.Properties refuses "
                                  "the file ('Malformed \\uxxxx encoding'), SonarQube does not start with it; "
                                  "write a backslash as \\\\")
            out.append(chr(int(text[j + 2:j + 6], 16)))
            i = j + 6
            continue
        out.append({"t": "\t", "n": "\n", "r": "\r", "f": "\f"}.get(n, n))
        i = j + 2
    out.append(text[i:])
    return "".join(out)


_HEX4 = lazyre.compile(r"[0-9A-Fa-f]{4}")


def parse_properties(text: str) -> dict[str, str]:
    """A .properties file read as java.util.Properties.load reads it (what SonarQube does with
    sonar.properties): `#`/`!` comments, a line ending in an odd number of backslashes continues on
    the next (its leading blanks dropped), the key ends at the first unescaped `=`, `:` or blank."""
    pairs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        line = line.lstrip(" \t\f")
        if not line or line[0] in "#!":
            continue
        m = _PROPERTIES_KEY.match(line := _logical_line(line, lines))
        key, value = m.group(1), line[m.end():]
        try:
            pairs[_properties_unescape(key)] = _properties_unescape(value)
        except ConfigError as exc:
            raise ConfigError(f"{key[:80]}: {exc}") from None  # (the key as written: it may hold the escape)
    return pairs


_PROPERTIES_KEY = lazyre.compile(r"((?:[^\\=: \t\f]|\\.)*+)[ \t\f]*[=:]?[ \t\f]*")
"""A key and its separator. The repeat is possessive (nothing after it needs it to give back): a
plain one kept a backtracking entry per character, 400 MB for a 3,000,000-character key."""


def _logical_line(line: str, lines: Iterator[str]) -> str:
    """`line` and the lines it continues on (each ending in an odd number of backslashes, one
    dropped; the next one's leading blanks dropped), joined once: adding each to the text so far
    took time quadratic in their number."""
    parts: list[str] = []
    tail = len(line) - len(line.rstrip("\\"))  # the backslashes ending the logical line so far
    while tail & 1:
        parts.append(line[:-1])
        line = next(lines, "").lstrip(" \t\f")
        own = len(line) - len(line.rstrip("\\"))
        tail = own + tail - 1 if own == len(line) else own
    return "".join(parts) + line


def _sonar_pairs(path: Path) -> tuple[dict[str, str], list[str], bool, dict | None]:
    """The settings, the secured keys SonarQube says are set but does not return, whether they
    were given as environment variables, and the System Info document they came from (or None)."""
    data = _read(path, "SonarQube settings")
    text = _settings_text(data, "replace")
    if text.lstrip().startswith("{"):
        try:
            doc = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:  # (nested past the parser's limit)
            raise ConfigError(f"{path}: not valid JSON ({exc}); expected the output of "
                              "api/settings/values or SonarQube's System Info file") from None
        doc = doc if isinstance(doc, dict) else {}
        if is_system_info(doc):
            return *system_info_pairs(doc), False, doc
        pairs = {}
        for item in doc.get("settings") or []:
            if isinstance(item, dict) and isinstance(item.get("key"), str):
                value = item.get("value", item.get("values"))
                pairs[item["key"]] = ",".join(map(str, value)) if isinstance(value, list) else str(value or "")
        # SonarQube 9.1+: "secured settings values are no longer returned ... keys that have a value
        # are now returned in setSecuredSettings" (ValuesAction changelog): 9.9 LTS and 2025 alike.
        hidden = [k for k in doc.get("setSecuredSettings") or [] if isinstance(k, str) and not pairs.get(k)]
        return pairs, hidden, False, None
    if SONAR_SAML_ENV.search(text):
        return env_settings(text), [], True, None
    try:
        return parse_properties(text), [], False, None
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


SONAR_SAML_ENV = lazyre.compile(r"^[ \t]*(?:-[ \t]*)?(?:(?:export[ \t]+)?[\"']?SONAR_AUTH_SAML_[A-Z0-9_]+[\"']?[ \t]*[:=]"
                            r"|name:[ \t]*[\"']?SONAR_AUTH_SAML_[A-Z0-9_]+[\"']?[ \t]*(?:#.*)?$)", re.MULTILINE)
"""A line that sets a SAML setting as an environment variable: docker-compose.yml's `environment:` map
(`SONAR_AUTH_SAML_ENABLED: "true"`) or list (`- SONAR_AUTH_SAML_ENABLED=true`), an env_file, a shell's
`export`, a Kubernetes `env` item (`- name: SONAR_AUTH_SAML_ENABLED`, its `value:` on the next line:
a Helm chart's values, a pod spec). The Docker images' documented form: the key upper-cased, '.' and '-' as '_'."""
_ENV_KEYS = ("sonar.core.serverBaseURL", "sonar.auth.saml.enabled", "sonar.auth.saml.applicationId",
             "sonar.auth.saml.providerName", "sonar.auth.saml.providerId", "sonar.auth.saml.loginUrl",
             "sonar.auth.saml.certificate.secured", "sonar.auth.saml.user.login", "sonar.auth.saml.user.name",
             "sonar.auth.saml.user.email", "sonar.auth.saml.group.name", "sonar.auth.saml.sp.certificate.secured",
             "sonar.auth.saml.sp.privateKey.secured", "sonar.auth.saml.signature.enabled")
_BY_ENV = {k.upper().replace(".", "_").replace("-", "_"): k for k in _ENV_KEYS}
"""The settings samlscan reads, by their environment variable's name (the name loses the key's case,
so the key is found by name, not rebuilt from it)."""


def env_settings(text: str) -> dict[str, str]:
    """SonarQube's settings given as environment variables (docker-compose.yml, an env_file): each
    SONAR_* variable of a known setting, its value as the container gets it (config/envvalue.py)."""
    return {_BY_ENV[name]: value for name, value in env_entries(text) if name in _BY_ENV}


LINE_START = r"(?:^|(?<=\r))"
"""Where a .properties line starts (with re.MULTILINE): java.util.Properties.load ends a line at LF,
CR LF or a lone CR (a file saved with classic Mac line ends), as the loader's splitlines does."""
SONAR_SAML_LINE = lazyre.compile(LINE_START + r"[ \t\f]*sonar\.auth\.saml\.", re.MULTILINE)
"""A sonar.properties line that sets a SAML setting (a '#' line does not: SonarQube ignores it)."""


SERVER_SONAR_LINE = lazyre.compile(
    LINE_START + r"[ \t]*(?:[#!][ \t]*)?sonar\.(?:jdbc|web|ce|search|path|log|auth)\.[\w.-]+[ \t]*[=:]", re.MULTILINE)
"""A line of the server's sonar.properties, set or commented out ('#sonar.web.port=9000', the stock
file; 'sonar.jdbc.url=...', one in use): its sections (conf/sonar.properties: DATABASE, WEB SERVER,
COMPUTE ENGINE, ELASTICSEARCH, PATHS, LOGGING; a SAML line commented out). A scanner's sonar-project.properties has none
(sonar.projectKey, sonar.sources)."""
SONAR_IN_DATABASE = "SonarQube keeps the SAML settings made in its UI in its database"
"""Why a sonar.properties without SAML lines is no sign that SAML is off (Administration >
Authentication > SAML writes them to the database; api/settings/values gives them)."""


SONAR_CERT = "sonar.auth.saml.certificate.secured"
_SONAR_UI_NAMES = ("Application ID", "Provider ID", "SAML login url", "Identity provider certificate")
"""Labels of SonarQube's SAML settings page (the 'UI Name' column of its SAML overview docs)."""


def _not_settings_hint(path: Path) -> str:
    """Why a file given as SonarQube settings holds none, and what to give instead: read as
    'all defaults' it would silently skip the certificate and entity checks."""
    text = _settings_text(_read(path, "SonarQube settings"), "replace")
    server = SERVER_SONAR_LINE.search(text)
    page = "sonar.auth.saml." in text or sum(n.lower() in text.lower() for n in _SONAR_UI_NAMES) >= 2
    what = (f"; no sonar.auth.saml. setting is set in it ({SONAR_IN_DATABASE}, not in this file)" if server else
            "; this looks like SonarQube's SAML settings page copied as text, whose values cannot be told "
            "from its labels" if page else "")
    return (f"{what}: give sonar.properties ('sonar.auth.saml.providerId=...' lines), the JSON of "
            "api/settings/values, or the values with --idp-cert, --idp-entity-id and --sp-entity-id")


def _sonar_cert(value: str, path: Path) -> TrustedCert:
    """The IdP certificate as SonarQube reads it: java-saml's Util.loadCert takes one certificate,
    the first (a chain pasted there is not a list of trusted keys)."""
    if "BEGIN CERTIFICATE" in value and "END CERTIFICATE" not in value:
        raise ConfigError(f"{path}: {SONAR_CERT} stops after its first line (a .properties value is one "
                          "line): put the certificate body on one line, or end each line with a backslash")
    return _sp_setting_certs(value, f"{path}: {SONAR_CERT}")[0]


def _sp_setting_certs(value: str, origin: str) -> list[TrustedCert]:
    """The certificates of an SP setting that holds certificate text: a PKCS #7 bundle pasted there
    is refused, as the SP refuses it, instead of trusting what it holds."""
    from samlscan.certs import is_pkcs7

    if is_pkcs7(value.encode()):
        raise ConfigError(f"{origin}: this is a PKCS #7 bundle (.p7b), which the SP cannot read from this "
                          "setting: paste the IdP's signing certificate itself (PEM, or its base64 body)")
    return load_certs(value.encode(), origin)


_SONAR_SAML = "sonar.auth.saml."
"""What a file of SonarQube's SAML settings sets: sonar.core.serverBaseURL alone is no such file (a
server's sonar.properties may set it beside its database, the SAML settings in that database)."""


def load_sonar_settings(path: Path) -> dict:
    """Expectations from sonar.properties, api/settings/values JSON (logformats.md §1.2) or a System Info file."""
    pairs, hidden, from_env, info = _sonar_pairs(path)
    if info is not None and not any(k.startswith(_SONAR_SAML) for k in (*pairs, *hidden)):
        raise OtherKind(f"{path}: SonarQube's System Info file, whose Settings section has no "
                        f"'{_SONAR_SAML}' setting: SAML is not set up on that server")
    if not hidden and not any(k.startswith(_SONAR_SAML) for k in pairs):
        # (an install's sonar.properties sets its database and perhaps its base URL: read as all
        # defaults, the SP's entity ID would be 'sonarqube' and no certificate would be checked)
        raise OtherKind(f"{path}: no SonarQube setting in this file that samlscan reads (no "
                          f"'sonar.auth.saml.' key){_not_settings_hint(path)}")
    out: dict = {"profile": "sonarqube"}
    mapping = {"sonar.auth.saml.applicationId": "sp_entity_id",
               "sonar.auth.saml.providerId": "idp_entity_id",
               "sonar.auth.saml.user.login": "login_attribute",
               "sonar.auth.saml.user.name": "name_attribute",
               "sonar.auth.saml.user.email": "email_attribute",
               "sonar.auth.saml.group.name": "group_attribute"}
    for key, name in mapping.items():
        if pairs.get(key):
            out[name] = pairs[key].strip()
    out.setdefault("sp_entity_id", "sonarqube")  # SonarQube's default applicationId
    cert = pairs.get(SONAR_CERT, "").strip()
    if cert:
        out["idp_certs"] = (_sonar_cert(cert, path),)
    elif SONAR_CERT in hidden or info is not None:
        out[NO_CERT] = (f"{path}: {SYSINFO_NO_CERT if info is not None else _VALUES_NO_CERT}: give the same "
                        "certificate with --idp-cert or --idp-metadata")
    sp_cert = pairs.get("sonar.auth.saml.sp.certificate.secured", "").strip()
    if sp_cert:
        out["sp_certs"] = tuple(_sp_setting_certs(sp_cert, f"{path}: sonar.auth.saml.sp.certificate.secured"))
    sp_key = pairs.get("sonar.auth.saml.sp.privateKey.secured", "").strip()
    if sp_key:
        out["sp_keys"] = (_pem_private_key(sp_key, f"{path}: sonar.auth.saml.sp.privateKey.secured"),)
    base = pairs.get("sonar.core.serverBaseURL", "").strip()
    if base:
        out["acs_url"] = base.rstrip("/") + SONAR_ACS_PATH
    if pairs.get("sonar.auth.saml.loginUrl"):
        out["idp_sso_urls"] = (pairs["sonar.auth.saml.loginUrl"].strip(),)
    if from_env:
        out[NOTES] = (ENV_NOTE.format(path=path),)
    return out | system_info_values(info, pairs, path) if info is not None else out


_VALUES_NO_CERT = (f"SonarQube does not return {SONAR_CERT} in api/settings/values (9.1+ only lists it in "
                   "setSecuredSettings)")
SYSINFO_NO_CERT = (f"SonarQube's System Info file does not hold the IdP certificate: its Settings section "
                   f"masks {SONAR_CERT} when it is set, as every *.secured setting, and leaves it out when not")
"""Why a System Info file gives no certificate (SettingsSection.obfuscateValue)."""


def system_info_values(info: dict, pairs: dict[str, str], path: Path) -> dict:
    """What a System Info file adds to its settings: the SAML engine's clock skew by its version
    (Spring Security's 5 minutes from 2025.1, java-saml's 180 s before: model.DEFAULT_SKEW), a note
    naming the server, and the SAML settings a cluster's application nodes hold apart."""
    versions, edition, force = server_facts(info)
    engines = {spring_engine(v) for v in versions}
    spring = engines.pop() if len(engines) == 1 else None  # (nodes of two releases: no one engine)
    engine = None if spring is None else "SAML by Spring Security SAML2" if spring else "SAML by java-saml"
    said = ", ".join(filter(None, (f"SonarQube {' and '.join(versions) or '(no version given)'}",
                                   edition and f"{edition} edition", engine,
                                   force is not None and f"Force authentication {'on' if force else 'off'}")))
    out: dict = {NOTES: (f"{path}: SonarQube's System Info file read as its settings: {said}",)}
    if spring:
        out["clock_skew"] = SPRING_SKEW
    if apart := node_disagreements(info, pairs):
        out[NODES_APART] = tuple((key, tuple(held.items())) for key, held in apart)
    return out


ENV_NOTE = ("{path}: SonarQube takes a SONAR_AUTH_SAML_* environment variable only for a setting its "
            "conf/sonar.properties also sets (the environment overrides system properties and the file's own "
            "keys); otherwise it uses the values saved in Administration > Authentication > SAML: samlscan "
            "judged with these values, check that page holds the same")
"""Said of settings read from environment variables. SonarQube's AppSettingsLoaderImpl.load() makes
overridable from the environment only ProcessProperties' keys and the keys sonar.properties sets
(loadPropertiesFromEnvironment); the SAML settings are no system properties: they live in the database."""


def _pem_private_key(key: str, origin: str):
    """An SP private key given as PEM or as a bare PKCS#8/PKCS#1 base64 body (SonarQube's
    sp.privateKey.secured and python3-saml's sp.privateKey are usually stored without header)."""
    from samlscan.decrypt import load_sp_key

    if "-----BEGIN" in key:
        return load_sp_key(key.encode(), origin)
    body = "".join(key.split())
    try:
        return load_sp_key(f"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n".encode(), origin)
    except ConfigError:
        return load_sp_key(f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\n".encode(),
                           origin)
