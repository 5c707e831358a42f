"""SonarQube's SAML Authentication Test page, saved from the browser: what the admin's 'Test Configuration'
button showed (sonar-auth-saml SamlAuthStatusPageGenerator, SamlStatusChecker). SonarQube fills the page's
template with the test's SamlAuthenticationStatus: its status ('success' or 'error'), its errors (the
engine's exception, or 'Mapping not found for the property <setting>, the field <attribute> is not available
in the SAML response.'), its warnings, the attributes the response held and the values of the mapped ones.
Since 10.x the page carries them as base64 JSON in `<div id="response" data-response="...">`; before, as the
script's constants (`const status = '...'; const attributes = {...}; const errors = ['...'];`).

Read as SonarQube's own log would say it: an error page is a failure event of the test's errors, quoting the
attributes the response held when a mapping failed (the attribute to name in the setting is among them); a
success is a success of the mapped login, each warning a line of the report's notes. The page shows no time.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import tzinfo
from typing import Iterable, Iterator

from samlscan import lazyre
from samlscan.logs._common import classified, src
from samlscan.logs.base import TIMELINE_NOTE, Record
from samlscan.model import LogEvent, Source

PRODUCT = "sonarqube"
REF = "SAML test page"
"""How an event read off the page cites its place when no line holds the start of its data (its line, else)."""
PAGE_MAX = 8 * 1024 * 1024
"""A saved test page is a few KB, and its data the attributes of one response (thousands of groups at most)."""
TITLE = "SAML Authentication Test"
_DATA = lazyre.compile(r"""\bdata-response\s*=\s*["']([A-Za-z0-9+/=\s]{4,})["']""")
_CONST = lazyre.compile(r"\bconst\s+(status|attributes|mappings|errors|warnings)\s*=\s*")
_JS_QUOTED = lazyre.compile(r"""'((?:[^'\\]|\\.)*+)'""", re.DOTALL)
"""A text of the template's script: toJsString quotes it in '...' with its ' escaped."""
_JS_STRING = lazyre.compile(r"\s*" + _JS_QUOTED.pattern + r"\s*([,\]])", re.DOTALL)
"""One element of its JS arrays, and what follows it."""
SHOWN_ATTRIBUTES = 20
"""Attribute names quoted with a failure, at most (the rest counted)."""


class SonarTestPageParser:
    name = "sonarqube-test-page"
    reads_xml = True
    """A saved page is HTML: asked before the reader of one XML message (engine.sniff)."""

    def sniff(self, head: str) -> bool:
        return TITLE in head and (_DATA.search(head) is not None or "const status" in head)

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo) -> Iterator[Record]:
        text, size, at = [], 0, None
        for no, line in lines:
            size += len(line) + 1
            if size > PAGE_MAX:
                break
            text.append(line)
            if at is None and (_DATA.search(line) or _CONST.search(line)):
                at = no  # (the line its data starts on: where the events point, a SARIF result's region)
        status = page_status("\n".join(text))
        if status is not None:
            yield from _events(status, src(path, at) if at is not None else Source(path, REF))


def page_status(text: str) -> dict | None:
    """The SamlAuthenticationStatus a saved test page carries (its JSON's keys, as the page script reads
    them), or None when the page holds none that can be read."""
    m = _DATA.search(text)
    if m is not None:
        try:
            got = json.loads(base64.b64decode("".join(m.group(1).split()), validate=True))
        except (binascii.Error, ValueError):  # (UnicodeDecodeError and JSONDecodeError are ValueErrors)
            return None
        return got if isinstance(got, dict) else None
    found: dict = {}
    for c in _CONST.finditer(text):
        name, at = c.group(1), c.end()
        if name in found:
            continue
        if name == "status":
            q = _JS_QUOTED.match(text, at)
            found[name] = _js_text(q.group(1)) if q else None
        elif name in ("errors", "warnings") and text.startswith("[", at):
            found[name] = _js_array(text, at + 1)
        elif name in ("attributes", "mappings") and text.startswith("{", at):
            try:
                found[name] = json.JSONDecoder().raw_decode(text, at)[0]
            except ValueError:
                found[name] = {}
    if "status" not in found:
        return None
    return {"status": found.get("status"), "errors": found.get("errors") or [], "warnings": found.get("warnings") or [],
            "availableAttributes": found.get("attributes") or {}, "mappedAttributes": found.get("mappings") or {}}


def page_result(text: str) -> tuple[tuple[str, ...], bool] | None:
    """(errors, passed) of a test page (a captured one: flows.validation_result), None when it carries no status."""
    status = page_status(text)
    if status is None:
        return None
    errors = tuple(dict.fromkeys(_texts(status.get("errors"))))
    return errors, not errors and status.get("status") == "success"


def _js_array(text: str, at: int) -> list[str]:
    """The texts of the template's JS array starting at `at` (after its '[')."""
    out: list[str] = []
    if re.match(r"\s*\]", text[at:at + 64]):
        return out
    while (m := _JS_STRING.match(text, at)) is not None:
        out.append(_js_text(m.group(1)))
        at = m.end()
        if m.group(2) == "]":
            break
    return out


def _js_text(quoted: str) -> str:
    """A JS string's text: toJsString escapes only its quotes (any other backslash is the text's own)."""
    return quoted.replace("\\'", "'")


def _events(status: dict, source: Source) -> Iterator[LogEvent]:
    path = source.input
    errors, warnings = _texts(status.get("errors")), _texts(status.get("warnings"))
    attributes = status.get("availableAttributes") if isinstance(status.get("availableAttributes"), dict) else {}
    login = _first(status.get("mappedAttributes"), "User login value")
    held = _attribute_names(attributes)
    if errors or status.get("status") == "error":
        said = " | ".join(errors) or f"{TITLE}: error (the page names no error)"
        if held and any("Mapping " in e for e in errors):  # (which attribute to name in the setting)
            said += f" (the response's attributes: {held})"
        code, entry = classified(PRODUCT, None, errors[0]) if errors else (None, None)
        yield LogEvent(source=source, time=None, product=PRODUCT, side="sp", outcome="failure", text=said,
                       code=code or "unknown-failure", user=login, text_entry=entry)
        return
    if status.get("status") != "success":
        return
    yield LogEvent(source=source, time=None, product=PRODUCT, side="sp", outcome="success",
                   text=f"{TITLE}: success", user=login)
    for warning in warnings:
        note = f"{path}: SonarQube's {TITLE} warns: {warning}"
        if held and "Mapping " in warning:
            note += f" (the response's attributes: {held})"
        yield LogEvent(source=source, time=None, product=PRODUCT, side="sp", outcome="info", text=note,
                       raw_code=TIMELINE_NOTE, user=login)


def _texts(value) -> list[str]:
    """The texts of a list of the page's data (a null or a number in it is no message)."""
    return [t.strip() for t in value if isinstance(t, str) and t.strip()] if isinstance(value, list) else []


def _first(mapped, key: str) -> str | None:
    """The first value of a mapped attribute (SonarQube lists each mapping's values), None for none."""
    values = mapped.get(key) if isinstance(mapped, dict) else None
    value = values[0] if isinstance(values, list) and values else values
    return str(value) if isinstance(value, (str, int)) and str(value).strip() else None


def _attribute_names(attributes: dict) -> str:
    names = sorted(str(k) for k in attributes)
    shown = ", ".join(names[:SHOWN_ATTRIBUTES])
    return shown + (f" and {len(names) - SHOWN_ATTRIBUTES} more" if len(names) > SHOWN_ATTRIBUTES else "")


PARSER = SonarTestPageParser()
