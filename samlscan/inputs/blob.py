"""Pasted evidence: raw XML, base64, a form body, or a redirect-binding URL / query string."""
from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import unquote, unquote_plus

from samlscan import lazyre
from samlscan.decode import may_be_encoded_message, unquote_bounded
from samlscan.inputs import base
from samlscan.inputs.base import BINDING_PARAMS, PARAM_AHEAD, InputProblem, RawMessage
from samlscan.config import SERVER_SONAR_LINE, SETTINGS_KINDS, SONAR_IN_DATABASE, SONAR_SAML_LINE, settings_kind
from samlscan.model import Source

_PARAMS = ("SAMLResponse", "SAMLRequest")
# A value ends at whitespace too: a raw query value holds none, and a pasted URL is often followed
# by more text (' HTTP/1.1' in an access log, a note) that would change RelayState or the signature;
# only a sanitizer's bracketed placeholder ('[SAMLResponse redacted]') keeps its spaces. A name
# starts anywhere but inside a longer word: after '?', '&' or a space, and after the quote of a
# pasted command (curl --data-raw 'SAMLResponse=...', PowerShell -Body "SAMLResponse=...").
_ANGLED = r"<[A-Za-z][\w .:-]{0,38}>(?=[&;\s#\"']|$)"
"""A value someone replaced by a name in angle brackets before sharing it ('SAMLRequest=<samlrequest>',
a forum's redaction): kept whole, read as a placeholder (decode.is_redacted), not as an empty value."""
_QUERY_PARAM = lazyre.compile(r"(?<![\w.-])(" + "|".join(BINDING_PARAMS) + ")="
                          r"(\[[^\]\r\n&]*\]|" + _ANGLED + r"|(?:[^&;\s#\"'<>]+|;(?!" + PARAM_AHEAD + r"))*+)")
_AMP_QUERY_PARAM = lazyre.compile(r"(?<![\w.-])(" + "|".join(BINDING_PARAMS) + r")=(\[[^\]\r\n&]*\]|"
                                  + _ANGLED + r"|[^&\s#\"'<>]*)")
"""The same, in a query with '&': its ';' are part of the values (base.PARAM_AHEAD)."""
_ARTIFACT = lazyre.compile(r"(?<![\w.-])SAMLart=([A-Za-z0-9+/=%]{1,400})")
"""The HTTP-Artifact binding's parameter (SAML bindings 3.6.3): a 44-byte artifact, base64."""
_WRESULT = lazyre.compile(r"(?<![\w.-])wresult=([^&\s\"'<>]+)")
"""A WS-Federation sign-in response's form field (wa=wsignin1.0): a WS-Trust RequestSecurityTokenResponse
holding a SAML assertion (WS-Federation 1.2 13.2.3), form-encoded XML."""
_B64ISH = lazyre.compile(r"^[A-Za-z0-9+/=_\-\s%]+$")


def sniff_kind(text: str) -> str | None:
    """'xml', 'query' (form body, URL or query string) or 'base64'; None when none fits."""
    body = text.lstrip("\ufeff \t\r\n")
    if body.startswith("<"):
        return "xml"
    named = [at for at in (body.find("SAMLResponse="), body.find("SAMLRequest=")) if at >= 0]
    if named and _QUERY_PARAM.search(body, min(named)):  # (from the first name: a URL of 10,000
        return "query"  # parameters names its SAMLRequest past the first 64 KB)
    if "SAMLart=" in body and _ARTIFACT.search(body):  # (the HTTP-Artifact binding's: read_text says so)
        return "query"
    if "wresult=" in body and _WRESULT.search(body):  # (a WS-Federation sign-in's: from_query reads it)
        return "query"
    token = body.strip()
    if token.startswith("-----BEGIN "):
        return None  # a PEM certificate or key: read_text says which
    if token and len(token) >= 16 and _B64ISH.match(token) and not _words(token[:65536]):
        return "base64"
    sample = token[:65536]  # a bounded look: a 60 MB file of zeros took 6 s to count
    if len(token) >= 40 and " " not in sample and sum(c.isalnum() or c in "+/=\n\r" for c in sample) >= 0.9 * len(sample):
        return "base64"  # one pasted blob with a few bad characters: say so, don't call it 'not SAML'
    return None


def _words(token: str) -> bool:
    """Whether whitespace cuts `token` into words (a note: 'see the SAML logs'), not a value wrapped
    into lines or chunks of tens of characters: most pieces before the last are short."""
    pieces = token.split()[:-1]
    return sum(len(p) < 16 for p in pieces) * 2 > len(pieces) > 0


def saml_params(text: str) -> int:
    """How many SAMLResponse/SAMLRequest parameters the text names."""
    return sum(name in _PARAMS for name, _ in _QUERY_PARAM.findall(text))


def _query_params(text: str) -> dict[str, str]:
    """Raw (still percent-encoded) values of the SAML parameters, first occurrence wins."""
    if "&amp;" in text:  # copied from an HTML page source or a log that escaped it
        text = text.replace("&amp;", "&")
    found: dict[str, str] = {}
    for query in _query_runs(text):  # each query decides on its own (a Referer with '&' beside it)
        for name, value in (_AMP_QUERY_PARAM if "&" in query else _QUERY_PARAM).findall(query):
            found.setdefault(name, _value_end(name, value.strip()))
    return found


_BASE64_VALUES = ("SAMLResponse", "SAMLRequest", "Signature")
_PROSE_END = ".,;:!?)]}\u2019\u201d"
"""What prose puts after a value ('... posted SAMLResponse=PHNh...%3D.', '(body: SAMLResponse=...)'):
never the end of a base64 value, percent-encoded or not (RFC 4648 4)."""


def _value_end(name: str, value: str) -> str:
    """A base64 value without the punctuation of the sentence it ends (a RelayState, which may end
    so, is kept as written; a sanitizer's '[...]' too)."""
    return value.rstrip(_PROSE_END) if name in _BASE64_VALUES and not value.startswith(("[", "<")) else value


_PARAM_NAME = lazyre.compile(PARAM_AHEAD)
_RUN = lazyre.compile(r"(?:[^\s\"'<>\[]+|\[[^\[\]\r\n]{0,200}\]|<[A-Za-z][\w .:-]{0,38}>|\[)*+")
"""The rest of a run without spaces or quotes (a sanitizer's '[SAMLResponse redacted]' and an angled
placeholder kept whole). Its characters a stretch at a time and possessive (*+): the engine keeps no
backtracking state per repetition, which for one character at a time was ~120 bytes each (a 10 MB
value's run: 1.2 GB). A placeholder holds no '[' (a run of them was each read 200 characters ahead)."""
_DELIMITERS = " \t\r\n\"'<>"


def _query_runs(text: str):
    """Each run without spaces or quotes that names a binding parameter: one query string or form
    body."""
    return (text[start:end] for start, end in query_run_spans(text))


def query_run_spans(text: str):
    """(start, end) of each run without spaces or quotes that names a binding parameter. Found from
    the names (a run found by a pattern tried from every character of a long word before it was
    quadratic: a 30 KB token in a paste took 46 s)."""
    end = 0
    for m in _PARAM_NAME.finditer(text):
        if m.start() < end:
            continue  # (a later parameter of the run already taken)
        # the run's start: the last delimiter since the previous run (which ended at one), so that
        # every character is looked at once however many parameters the text names
        start = max(max(text.rfind(c, end, m.start()) for c in _DELIMITERS) + 1, end)
        end = _RUN.match(text, m.start()).end()
        yield start, end


def _in_url_query(text: str) -> bool:
    """The SAML parameter is in a URL's query ('GET /sso?SAMLRequest=', '...?x=1&SAMLRequest='),
    not in a request body that follows a URL with a query of its own (curl 'https://sp/acs?x=1'
    --data-raw 'SAMLResponse=...')."""
    m = next((m for m in _QUERY_PARAM.finditer(text) if m.group(1) in _PARAMS), None)
    if m is None:
        return False
    token = re.split(r"[\s\"'`]", text[:m.start()])[-1]
    return "?" in token


def signed_octets(text: str) -> str | None:
    """SAML bindings 3.4.4.1: 'SAMLRequest=value&RelayState=value&SigAlg=value', raw encoded values
    exactly as they appear in the URL, in that order, RelayState only when present (base.signed_octets)."""
    params = _query_params(text)
    kind = "SAMLRequest" if "SAMLRequest" in params else "SAMLResponse"
    return base.signed_octets(params, kind)


def from_query(text: str, source: Source, captured_at: datetime | None = None,
               binding: str | None = None) -> list[RawMessage]:
    """SAML messages in a form body, URL or query string.

    A URL (or text with SigAlg or Signature: the POST binding signs inside the XML, never beside
    it) is the redirect binding; a bare `SAMLResponse=...` body is POST.
    """
    params = _query_params(text)
    stripped = text.strip()
    signed_apart = ("SigAlg" in params or "Signature" in params) and not _plain_xml(params)
    redirect = binding == "redirect" or (
        binding is None and (signed_apart or stripped.lower().startswith(("http://", "https://"))
                             or _in_url_query(text)))
    relay = params.get("RelayState")
    out = []
    if not any(name in params for name in _PARAMS) and (ws := _WRESULT.search(text)) is not None:
        # (xmlsafe reads the assertion out of the token response)
        return [RawMessage(source=source, param="XML", value=unquote_bounded(ws[1], plus=True), binding="xml",
                           captured_at=captured_at)]
    for name in _PARAMS:
        if name not in params:
            continue
        value = unquote_bounded(params[name], plus=not redirect)  # (urllib's: 77x the value in memory)
        out.append(RawMessage(
            source=source, param=name, value=value, binding="redirect" if redirect else "post",
            relay_state=unquote_plus(relay) if relay is not None else None, captured_at=captured_at,
            signed_query=signed_octets(text) if redirect else None,
            sig_alg=unquote(params["SigAlg"]) if "SigAlg" in params else None,
            signature=unquote(params["Signature"]) if "Signature" in params else None,
            url=stripped.split("?", 1)[0] if stripped.startswith("http") else None))
    return out


_JWT = lazyre.compile(r"(?:Bearer\s+)?(eyJ[\w-]{2,2000})\.(eyJ[\w-]{2,20000})\.[\w-]*")
"""A JSON Web Token (RFC 7519: base64url header, claims, signature, dot-separated), as an OpenID Connect
or OAuth 2.0 login carries it: its header and claims each start with '{"' (base64url 'eyJ')."""


def _jwt_said(text: str) -> str | None:
    """What a pasted JWT is, in a finding's words (None: not one): people paste the token of an OpenID
    Connect login where the SAML message was asked for."""
    m = _JWT.fullmatch(text.strip())
    if m is None:
        return None
    import base64
    import json

    try:
        claims = json.loads(base64.urlsafe_b64decode(m[2] + "=" * (-len(m[2]) % 4)))
    except (ValueError, UnicodeDecodeError):
        claims = None
    named = ", ".join(f"{k} {claims[k]!r}" for k in ("iss", "aud") if isinstance(claims, dict) and claims.get(k))
    return ("a JSON Web Token (an OpenID Connect or OAuth 2.0 login's token" + (f": {named}" if named else "")
            + "), not a SAML message: this login did not use SAML; give the SAMLResponse of a SAML login, or "
            "check the application's OpenID Connect settings instead")


def _plain_xml(params: dict[str, str]) -> bool:
    """The message is base64 of XML as it is, not of DEFLATE data: a form body signed beside the
    message is then the HTTP-POST-SimpleSign binding's (SAML 2.0 SimpleSign binding 3.1: a POST,
    plain base64; the redirect binding deflates), read as a POST."""
    from samlscan.decode import InputError, b64decode_lenient

    head = next((params[n] for n in _PARAMS if n in params), "").split("%", 1)[0][:60]
    try:  # (its first whole base64 quanta: an XML declaration or element starts within them)
        return b64decode_lenient(head[:len(head) // 4 * 4] or "=").lstrip()[:1] == b"<"
    except InputError:
        return False


def read_text(text: str, path: str, captured_at: datetime | None = None
              ) -> tuple[list[RawMessage], list[InputProblem]]:
    """All SAML messages in a pasted blob, and the problems that stopped decoding."""
    source = Source(path)
    text = text.lstrip("\ufeff")  # a BOM the file's decoding left (UTF-8 with a BOM, UTF-16)
    kind = sniff_kind(text)
    if kind in ("base64", None) and (jwt := _jwt_said(text)) is not None:
        return [], [InputProblem(source, "input-not-saml", jwt)]
    if kind == "xml" and _html_not_saml(text):
        # a web page's error box pasted from its source (Moodle's 'errormessage'): its words, not its XML
        from samlscan.errorpages import page_lines

        said = _error_text("\n".join(page_lines(text[:ERROR_TEXT_MAX])))
        why = said or "an HTML page (or a part of one), not a SAML message: copy the SAML message, or give the whole page"
        return [], [InputProblem(source, "input-not-saml", why)]
    if kind == "xml" and not SAML_WORD.search(text) and (unread := _unread_markup(text)):
        return [], [InputProblem(source, *unread)]
    if kind == "xml":
        return [RawMessage(source, "XML", text.lstrip("\ufeff \t\r\n"), "xml", captured_at=captured_at)], []
    if kind == "base64" and not may_be_encoded_message(text):
        return [], [InputProblem(source, "input-not-saml", "a token written in base64's letters whose start decodes "
                                 "to no XML, gzip or DEFLATE data (a setting, a hash, a path?)" + NO_SAML_IN_IT)]
    if kind == "base64":
        return [RawMessage(source, "SAMLResponse", text, "post", captured_at=captured_at)], []
    if kind == "query":  # (a JSON line pasted or a small JSON log: Go writes its query's '&' as \u0026)
        from samlscan.logs.embedded import html_unescaped

        text = html_unescaped(text)
    found = from_query(text, source, captured_at) if kind == "query" else []
    if found:
        return found, []
    if kind == "query" and (art := _ARTIFACT.search(text)) is not None:
        # the HTTP-Artifact binding's URL or form body: a reference to the Response, no message
        from samlscan.artifact import artifact_problem

        before = text[:art.start()].split()
        url = before[-1] if before and "://" in before[-1] else None
        return [], [artifact_problem(source, url, unquote_bounded(art[1], plus=False))]
    if kind == "query":
        why = ("a SAMLResponse/SAMLRequest parameter is named but no value follows it: copy the "
               "whole request body or URL again")
    elif not text.strip():  # (scan skips such a file; named to check, it is a failed input that says so)
        why = EMPTY + (" (nothing but white space)" if text else "") + EMPTY_FIX
    elif "-----BEGIN CERTIFICATE-----" in text:
        why = "this is a certificate, not a SAML message: give it with --idp-cert"
    elif "PRIVATE KEY-----" in text:
        why = "this is a private key, not a SAML message: give it with --sp-key (never share it)"
    elif SONAR_SAML_LINE.search(text):
        why = "these are SonarQube's SAML settings, not a SAML message: give them with --sonar-settings"
    elif text.lstrip()[:1] == "{" and (kind := settings_kind(text[:ERROR_TEXT_MAX * 4].encode())):
        # (SonarQube's api/settings/values JSON, python3-saml's settings.json)
        why = f"these are {SETTINGS_KINDS[kind][0]}, not a SAML message: give them with {SETTINGS_KINDS[kind][1]}"
    elif len(SERVER_SONAR_LINE.findall(text, 0, ERROR_TEXT_MAX * 4)) >= 3:
        why = ("this is SonarQube's sonar.properties without a sonar.auth.saml. setting, not a SAML "
               f"message: {SONAR_IN_DATABASE}, give them with --sonar-settings as the JSON of "
               "api/settings/values (or --idp-cert, --idp-entity-id and --sp-entity-id)")
    else:
        why = _error_text(text) or "no SAML message found (expected XML, base64, a form body or a URL)"
    return [], [InputProblem(source, "input-not-saml", why)]


SAML_WORD = lazyre.compile(r"saml|RequestSecurityTokenResponse", re.IGNORECASE)
"""What any SAML message's text holds (its namespace, its prefix, WS-Federation's wrapper of an assertion;
not OASIS's other namespaces: an XML catalog's urn:oasis:names:tc:entity)."""
NO_SAML_IN_IT = ": no SAML message in it; give the SAML message, the capture or the log"
"""How the reason that a text is no SAML evidence ends (said_no_saml: a folder's scan skips such a file)."""


def said_no_saml(text: str) -> bool:
    """Whether a finding's text says its input holds no SAML (read_text's words for a token or markup)."""
    return text.endswith(NO_SAML_IN_IT)


_READ_ENCODING = lazyre.compile(r"(?:utf-?(?:8|16|32)|ucs-?[24]|(?:us-)?ascii|iso-?8859|latin|windows-125|cp125)",
                               re.IGNORECASE)
"""Declared encodings whose text samlscan holds decoded (engine._text): another's (UTF-7, EBCDIC) hides the
words SAML_WORD looks for, and the XML reader's own refusal is said (an attack can hide in UTF-7)."""


def _unread_markup(text: str) -> tuple[str, str] | None:
    """(code, text) of the finding for markup naming no SAML that the XML reader refuses: input-not-saml when
    it is not well-formed, its own input-dtd-forbidden for a DOCTYPE (an attack is one whatever it names; a
    folder's scan skips a configuration file's: batch._not_evidence); None when the reader takes it, or when
    it declares an encoding whose words are not seen."""
    from samlscan.decode import declared_encoding, xml_text_bytes
    from samlscan.errors import InputError
    from samlscan.xmlsafe import parse_xml

    text = text.lstrip("\ufeff \t\r\n")
    declared = declared_encoding(text)
    if declared is not None and not _READ_ENCODING.match(declared):
        return None
    try:
        parse_xml(xml_text_bytes(text))
    except InputError as exc:
        if exc.code == "input-xml-malformed":
            return "input-not-saml", ("markup that is not well-formed XML, naming no SAML element or namespace (a "
                                      "README, a note?)" + NO_SAML_IN_IT)
        if exc.code == "input-dtd-forbidden":
            return exc.code, f"{exc.detail}; it names no SAML element or namespace (a configuration file?)" + NO_SAML_IN_IT
    return None


_HTML_START = lazyre.compile(r"\s*(?:<!--(?:[^-]+|-(?!->))*+-->\s*)*+<(?:html|head|body|div|p|span|table|section|main)[\s>]",
                             re.IGNORECASE)
"""What an HTML page or a part of one starts with (after comments): no SAML message's element. Not a
DOCTYPE: one may declare entities, which the XML reader refuses as such. A comment ends at its first
'-->', and the loop gives nothing back (*+): a lazy comment body could span the next comments, and a
head of 2,000 comments and no page was tried every way of grouping them (it never ended)."""


def _html_not_saml(text: str) -> bool:
    """An HTML page or fragment naming no SAML message (no SAML namespace, no SAMLResponse form field):
    read as XML it is only 'not well-formed'."""
    head = text[:ERROR_TEXT_MAX]
    return bool(_HTML_START.match(head)) and not any(
        name in head for name in ("urn:oasis:names:tc:SAML", "SAMLResponse", "SAMLRequest"))


EMPTY, EMPTY_FIX = "the file is empty", ": save the capture, or copy the SAML message or log, into it again"
"""An input with nothing in it (a HAR saved before the page loaded, a paste that never happened)."""


ERROR_TEXT_MAX = 16384
"""A pasted error message or page is short; a longer text without SAML is no error to explain."""


def _error_text(text: str) -> str | None:
    """What a pasted error of an IdP or SP (an AADSTS page, a java-saml exception) means, when
    the catalog knows it: people paste the error they saw where a SAML message was expected."""
    if len(text) > ERROR_TEXT_MAX:
        return None
    from samlscan.catalog import explanation_of, fix_of, lookup_error, own_entries, writers_said
    from samlscan.codes import SPECS
    from samlscan.logs.applog import library

    ran = library(text[:ERROR_TEXT_MAX])  # (the library the text's context names: a path, a namespace)
    entry = lookup_error(text, ran)
    if entry is None:
        return None
    # a text several libraries throw alike names them all, and what each means by it, unless its
    # context told which one ran
    own = own_entries(entry, ran)
    said = writers_said(own)
    name = f"{said} error {entry.id}" if entry.id else f"an error text of {said}"
    fix = fix_of(own) or (SPECS[entry.code].fix if entry.code in SPECS else None)
    fix = f" Fix: {fix}" if fix else ""
    return (f"no SAML message here, but this is {name} ({entry.code}): {explanation_of(own)}{fix} "
            "('samlscan explain' with the text says more)")
