"""Which settings file a file is, by its first bytes: IdP metadata, SonarQube settings, python3-saml settings."""
from __future__ import annotations


from samlscan import lazyre
from samlscan.config.files import _settings_text
from samlscan.config.sonar import SONAR_SAML_ENV, SONAR_SAML_LINE
from samlscan.config.sysinfo import SYSTEM_INFO_HEAD


_METADATA_ROOT = lazyre.compile(r"(?:\s+|<\?(?:[^?]+|\?(?!>))*+\?>|<!--(?:[^-]+|-(?!->))*+-->|"
                            r"<!DOCTYPE[^>\[]*(?:\[[^\]]*\][^>]*)?>)*+"
                            r"<(?:[A-Za-z_][\w.-]*:)?Entit(?:y|ies)Descriptor[\s/>]")
r"""SAML metadata's root (metadata 2.3.1, 2.3.2) under any prefix, after the XML prolog. Each part
of the prolog matches one way only (a comment up to its first '-->') and the loop is possessive
(*+): with `\s+` and lazy `.*?` in a loop that gave back, a file that is not metadata was tried
every way of splitting its spaces and comments, exponential in their number (24 spaces: 0.7 s).
Stretches, not characters, per repetition: the engine's state per repetition of a loop that can
give back was ~120 bytes a character (a 2 MB comment: 240 MB)."""
_SONAR_JSON_KEY = lazyre.compile(r'(?<!\\)"key"\s*:\s*"sonar\.auth\.saml\.')
"""api/settings/values: {"settings": [{"key": "sonar.auth.saml.applicationId", ...}] (not an escaped copy
inside a HAR's response text)."""
_PYTHON3_SAML_KEY = lazyre.compile(r'(?<!\\)"(?:sp|idp)"\s*:\s*\{')
"""python3-saml / php-saml settings.json: its "sp" and "idp" objects."""

SETTINGS_KINDS = {"idp_metadata": ("the IdP metadata", "--idp-metadata"),
                  "sonar_settings": ("the SonarQube settings", "--sonar-settings"),
                  "python3_saml_settings": ("the python3-saml settings", "--config")}
"""The kinds of settings file settings_kind tells, with what they are and the option that gives one."""


def settings_kind(head: bytes) -> str | None:
    """Which settings file a file's first bytes begin (a key of SETTINGS_KINDS), by content as the
    readers tell them; None for anything else. A guess: its loader has the last word."""
    text = _settings_text(head, "replace").lstrip("\ufeff")
    start = text.lstrip()[:1]
    if start == "<":
        return "idp_metadata" if _METADATA_ROOT.match(text) else None
    if start == "{":
        return ("sonar_settings" if _SONAR_JSON_KEY.search(text) or SYSTEM_INFO_HEAD.search(text) else
                "python3_saml_settings" if _PYTHON3_SAML_KEY.search(text) else None)
    return "sonar_settings" if SONAR_SAML_LINE.search(text) or SONAR_SAML_ENV.search(text) else None
