"""Generic fallback: SAML messages dumped inside any log line (base64, form/URL parameter, raw XML).

Used as a parser of last resort and by the product parsers on every line they read.
"""
from __future__ import annotations

import base64
import json
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Iterable, Iterator

from samlscan import lazyre
from samlscan.decode import value_encoding
from samlscan.inputs.blob import query_run_spans
from samlscan.logs._common import MAX_TEXT_LINE, parse_iso, src, text_lines
from samlscan.logs.base import EMBED_HINTS, SAML_ROOTS, EmbeddedSaml, Record

# base64 of '<?xml', '<samlp:', '<saml2p:', '<saml2:', '<saml:', '<Response', '<AuthnRequest',
# '<LogoutRequest', '<LogoutResponse' ('PD94bWw' = '<?xml', 'PHNhbWxw' = '<samlp', ...).
_B64_PREFIXES = ("PD94bWw", "PHNhbWxw", "PHNhbWwy", "PHNhbWw6", "PFJlc3BvbnNl",
                 "PEF1dGhuUmVxdWVzd", "PExvZ291dFJlc", "PExvZ291dFJlcXVlc3")
_B64_CHARS = r"(?:[A-Za-z0-9+/_-]|%2[BbFf])"
# (at least 40 characters after the prefix, then the run taken a stretch at a time: one character
# at a time, a megabyte-long dump of a response with thousands of groups took 0.4 s per MB; and
# possessively: the padding after it never needs a character back, and a greedy run kept
# backtracking state for each '%2B', 150 MB for a 3 MB run of them)
_B64 = lazyre.compile(r"(?<![A-Za-z0-9+/])(?:%s)(?=%s{40})(?:[A-Za-z0-9+/_-]++|%%2[BbFf])++(?:=|%%3[Dd]){0,2}"
                  % ("|".join(_B64_PREFIXES), _B64_CHARS))
# A form or query parameter (POST body or redirect URL); redirect values are deflated, so
# they do not start with the prefixes above.
_PARAM = lazyre.compile(r"\b(?:SAMLResponse|SAMLRequest)=([^&\s\"'<>,;]{20,})")
SAML_ROOT = lazyre.compile(rf"<([\w.-]+:)?({SAML_ROOTS})\b")
"""The start tag of a SAML message's root element, any prefix."""
_XML_START = lazyre.compile(rf"<(?:\?xml\b|([\w.-]+:)?({SAML_ROOTS})\b)")
_HINT = lazyre.compile("|".join(map(re.escape, EMBED_HINTS)))
_VALUE_START = lazyre.compile("|".join(map(re.escape, ("<", "SAMLResponse=", "SAMLRequest=") + _B64_PREFIXES))
                          + r"|\\u003[cC]")
"""What each kind of value find_embedded takes holds: '<' (_XML_START), a parameter name (_PARAM)
or a base64 prefix (_B64), or '<' as a JSON escape (_HTML_ESCAPED). Many lines hold a hint
('Response', 'Logout') without any of these ('Signature validation failed. SAML Response
rejected'): they are done with here."""
_HTML_ESCAPED = lazyre.compile(r"\\u00(?:26|3[cCeE]|2[bB]|2[27]|60)")
"""'&', '<', '>', '+', '"', "'" or '`' written as a JSON escape: Go's encoding/json escapes '&',
'<' and '>' in every string (json.Marshal's HTML-safe default), .NET's System.Text.Json also '+',
'"', "'" and '`' (JavaScriptEncoder.Default). A SAML value in such a line is read after the JSON's
escapes are undone (_json_decoded): on the raw line a redirect query ended at its first '\\u0026'
(its Signature lost), an XML dump opened with no '<' and a base64 value ended at its first
'\\u002B'."""
_JSON_ESCAPES = lazyre.compile(r'(?:\\(?:u[0-9a-fA-F]{4}|["\\/bfnrt]))+')
_TIME_HEAD = lazyre.compile(r"^\W{0,2}(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?"
                        r"(?:Z|[+-]\d{2}:?\d{2})?)(?![\d:.,])")  # zone-less: read in --timezone
_CLF_TIME = lazyre.compile(r"^\S{1,255} \S{1,255} \S{1,255} \[(\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\]")
"""The time of a web server's access log line (Apache's and nginx's common and combined formats:
'%h %l %u %t', '[10/Oct/2000:13:55:36 -0700]'): SAML in its request line is a redirect-binding one."""


_RUBY_TIME = lazyre.compile(r"^[DIWEFAU], \[(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?) #\d+\]")
"""Ruby's Logger::Formatter ('%s, [%s #%d] %5s -- %s: %s', the time '%Y-%m-%dT%H:%M:%S.%6N', no
zone): a Rails app's production log, where omniauth-saml's callback logs its SAMLResponse parameter."""


_RUBY_HEAD = r"(?:[DIWEFAU], \[[^\]]*\] +\w+ -- [^:]*: )?"
_RAILS_TAGS = lazyre.compile(_RUBY_HEAD + r"((?:\[[^\]]*\] )*)")
"""A Rails line's tags ('[<request id>] ', config.log_tags), after Ruby Logger's head if any."""
_RAILS_STARTED = lazyre.compile(_RUBY_HEAD + r"((?:\[[^\]]*\] )*)Started [A-Z]+ \"[^\"]*\" for \S+ at "
                            r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4})$")
"""Rails' request line (Rails::Rack::Logger: 'Started POST "/users/auth/saml/callback" for <ip> at
<time>'): the only time in a Rails log written by its default SimpleFormatter; the request's later
lines (the controller's '  Parameters: {"SAMLResponse"=>"..."}') carry its tags and no time."""


RECENT_REQUESTS = 4096
"""Rails requests whose time is remembered for their later lines (a callback's Parameters line
comes within a few lines of its 'Started' line)."""


def _request_time(line: str) -> tuple[str, datetime] | None:
    """(the line's tags, its request's time) of a Rails 'Started ...' line."""
    m = _RAILS_STARTED.match(line)
    return (m.group(1), datetime.strptime(m.group(2), "%Y-%m-%d %H:%M:%S %z")) if m else None


def _timed(line: str):
    return _TIME_HEAD.match(line) or _RUBY_TIME.match(line)


def _line_time(line: str, tz: tzinfo):
    return _line_time_local(line, tz)[0]


def _line_time_local(line: str, tz: tzinfo) -> tuple[datetime | None, bool]:
    """(the line's time, whether it was written without a zone: parse_iso's local_time)."""
    m = _timed(line)
    if m:  # a zone-less line time is read in --timezone like every other log's (it was UTC)
        return parse_iso(m.group(1), tz)
    m = _CLF_TIME.match(line)
    if m:
        try:
            return datetime.strptime(m.group(1), "%d/%b/%Y:%H:%M:%S %z"), False
        except ValueError:  # (a month name of another locale, a day 31 of April)
            return None, False
    return None, False


def may_hold(text: str) -> bool:
    """False when find_embedded finds nothing in `text` for sure: two cheap searches, where its
    three patterns cost 5 us a line. (A value's start first: most lines naming one hold none.)"""
    return _VALUE_START.search(text) is not None and _HINT.search(text) is not None


@dataclass(frozen=True, slots=True)
class Found:
    """One SAML value of a line, with what the line tells of how it travelled."""

    value: str
    """As it appears (base64, %-encoded or XML)."""
    param: str = "SAMLResponse"
    """The parameter that names it ('SAMLRequest', 'SAMLResponse'); a dump without a name is named
    by its root (unnamed_param)."""
    binding: str = "post"
    """'redirect', 'post', 'xml' or 'unknown' (_binding)."""
    query: str | None = None
    """A redirect's query string or form body as on the line (its RelayState, SigAlg and Signature,
    the octets its Signature covers: SAML bindings 3.4.4.1)."""


def find_embedded(text: str) -> list[str]:
    """SAML message values found in one line, as they appear (base64, %-encoded or XML)."""
    return [f.value for f in find_values(text)]


def find_values(text: str) -> list[Found]:
    """The SAML values of one line (find_embedded), each with its parameter and binding."""
    if not may_hold(text):  # cheap pre-filter: most log lines carry nothing
        return []
    text = html_unescaped(text)
    found: list[tuple[int, int, tuple]] = []
    runs = None
    queries: dict = {}  # (a run's facts, for each of its parameters: _named)
    for m in _PARAM.finditer(text):
        if runs is None:
            runs = list(query_run_spans(text))
        found.append((*m.span(1), _named(text, m, runs, queries)))
    for m in _B64.finditer(text):
        found.append((*m.span(), (unnamed_param(_b64_head(m.group())), "post", None)))
    found.extend((start, end, (unnamed_param(text[start:start + _HEAD]), "xml", None))
                 for start, end in _xml_spans(text))
    return [Found(json_unescaped(text[start:end]), *how) for start, end, how in _without_overlaps(text, found)]


_HEAD = 1024
"""Characters of a dump's start read for its root (after a prolog and a comment or two)."""
_ROOT_TAG = lazyre.compile(r"<(?![?!])(?:[\w.-]+:)?([\w.-]+)")


def unnamed_param(head: str) -> str:
    """The parameter a dump without a name stands for, by its root: 'SAMLRequest' for a request
    (its type RequestAbstractType: AuthnRequest, LogoutRequest, ArtifactResolve, the queries; SAML
    core 3.2.1, bindings 3.5.3), 'SAMLResponse' for anything else (a Response, a LogoutResponse, a
    bare Assertion, a start that does not decode)."""
    m = _ROOT_TAG.search(head)
    name = m.group(1) if m else ""
    return "SAMLRequest" if name.endswith(("Request", "Query")) or name == "ArtifactResolve" else "SAMLResponse"


def _b64_head(value: str) -> str:
    """The text a base64 dump's first characters decode to ('' when they do not)."""
    chunk = re.sub(r"%2[Bb]", "+", re.sub(r"%2[Ff]", "/", value[:_HEAD + 64]))[:_HEAD]
    chunk = _unpadded(chunk.replace("-", "+").replace("_", "/"))
    try:
        return base64.b64decode(chunk[:len(chunk) // 4 * 4]).decode("utf-8", "replace")
    except ValueError:
        return ""


def _unpadded(chunk: str) -> str:
    """`chunk` without its trailing padding ('=' or '%3D'), from the end: a regex for it,
    `(?:=|%3[Dd])+$`, was tried at each of up to 1,088 positions (30 us a dump). (A _B64 value
    holds no line feed, before which `$` would match too.)"""
    while True:
        if chunk.endswith("="):
            chunk = chunk[:-1]
        elif chunk.endswith(("%3D", "%3d")):
            chunk = chunk[:-3]
        else:
            return chunk


def html_unescaped(text: str) -> str:
    """`text` with its JSON escapes undone when an encoder wrote '&', '<' or '>' so (_HTML_ESCAPED: a
    query's '\\u0026RelayState=' is its '&'), else as it is."""
    return _json_decoded(text) if "\\u00" in text and _HTML_ESCAPED.search(text) else text


def _json_decoded(text: str) -> str:
    """`text` with each run of JSON string escapes (RFC 8259 section 7) undone, a surrogate pair
    into its character; its other characters as they are (the line's JSON structure, or the text
    around a JSON value a line quotes)."""
    return _JSON_ESCAPES.sub(lambda m: json.loads(f'"{m.group()}"'), text)


_SIGNED = lazyre.compile(r"(?<![\w.-])(?:SigAlg|Signature)=")


def _named(text: str, m: re.Match, runs: list[tuple[int, int]], queries: dict) -> tuple[str, str, str | None]:
    """(parameter, binding, query) of a 'SAMLRequest=' or 'SAMLResponse=' value. Only the redirect
    binding deflates (SAML bindings 3.4.4.1; POST sends the XML's base64, 3.5.4) and signs beside the
    message (SigAlg, Signature); a plain base64 value is a form's (POST) unless it sits in a URL's
    query, where the request line says GET and its encoding says POST: 'unknown', as is a value
    whose first bytes decode to neither. `queries`: each run's (query, signed, its first '?'), read
    once for all its parameters (a 1 MB paste of 8,000 read the run 8,000 times: 150 s)."""
    param = m.group(0).partition("=")[0]
    at = bisect_right(runs, (m.start(), len(text))) - 1
    start, end = runs[at] if at >= 0 and runs[at][1] > m.start() else m.span()
    run = queries.get((start, end))
    if run is None:
        query = text[start:end]
        run = queries[start, end] = (query, _SIGNED.search(query) is not None, query.find("?"))
    query, signed, question = run
    encoding = value_encoding(m.group(1))
    if encoding == "deflate" or signed:
        return param, "redirect", query
    if encoding == "base64" and not -1 < question < m.start() - start:
        return param, "post", None
    return param, "unknown", None


def json_unescaped(value: str) -> str:
    """XML inside a JSON string (Monolog's context or JsonFormatter: quotes as \\", line breaks as
    \\n, RFC 8259 section 7) as it was before the JSON escaped it; other values as they are. Line
    breaks may be real ones: with allowInlineLineBreaks (Laravel's channels) LineFormatter::
    replaceNewlines turns the JSON's '\\n' escapes back into line breaks and leaves '\\"' alone, so
    the string is read with control characters allowed (strict=False)."""
    if value[:1] != "<" or '=\\"' not in value:
        return value
    try:
        return json.loads(f'"{value}"', strict=False)
    except ValueError:
        return value


_PROLOG_CLOSE = lazyre.compile(rf"</([\w.-]+:)?({SAML_ROOTS})>")


_ROOT_AFTER_PROLOG = lazyre.compile(rf"<\?xml\b[^>]{{0,200}}\?>(?:\s|\\[rn])*<([\w.-]+:)?({SAML_ROOTS})\b")
"""An XML prolog and the SAML root element that follows it (after a line break, or its JSON escape)."""


def _xml_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each XML start not inside the span before it: to its closing tag, or to the
    end of the line when cut. Spans only, each closing tag searched once: a 16 MiB line of opening
    tags (MAX_TEXT_LINE) took a copy of the rest of the line per tag, gigabytes before the overlaps
    were dropped. (No base64 or parameter value holds a '<': only an XML span covers a start.)"""
    taken_end = -1
    for start, end in _xml_starts(text):
        if start >= taken_end:
            taken_end = end
            yield start, end


def _xml_starts(text: str) -> Iterator[tuple[int, int]]:
    last_close: dict[str, int] = {}
    prolog_close: re.Match | None = None
    prolog_none_after = len(text) + 1  # no closing tag at or after this position
    for m in _XML_START.finditer(text):
        start, prefix, name = m.start(), m.group(1) or "", m.group(2)
        if name is None:  # '<?xml ...?>' prolog: the document after it, to its root's closing tag
            root = _ROOT_AFTER_PROLOG.match(text, start)
            if root is None:  # (no SAML root right after it) to the first closing tag of one
                if start >= prolog_none_after:
                    yield start, len(text)
                    continue
                if prolog_close is None or prolog_close.start() < start:
                    prolog_close = _PROLOG_CLOSE.search(text, start)
                    if prolog_close is None:
                        prolog_none_after = start
                        yield start, len(text)
                        continue
                yield start, prolog_close.end()
                continue
            # (the first closing tag ended a Response at its Assertion's)
            prefix, name = root.group(1) or "", root.group(2)
        close_tag = f"</{prefix}{name}>"
        idx = last_close.get(close_tag)
        if idx is None:
            idx = last_close[close_tag] = text.rfind(close_tag)
        yield start, (idx + len(close_tag) if idx > start else len(text))


def cut_xml(text: str) -> bool:
    """Does an XML message in `text` open without its root's closing tag, or end with its XML
    declaration? (a logger printing the message as it got it, line breaks and all: pysaml2's
    'XML: %s', Keycloak's TRACE document; the rest on the next lines)"""
    if "<" not in text:
        return False
    if _PROLOG_ALONE.search(text):
        return True
    for start, end in _xml_spans(text):
        m = _ROOT_AFTER_PROLOG.match(text, start) or _XML_START.match(text, start)
        if m is None or m.group(2) is None:
            continue
        if _closed_at_once(text, m.end()):
            continue
        if text.find(f"</{m.group(1) or ''}{m.group(2)}>", start) < 0:
            return True
    return False


def _closed_at_once(text: str, after_name: int) -> bool:
    """A root element whose start tag (its name ending at `after_name`) closes it: '<Response .../>'."""
    opened = text.find(">", after_name)
    return opened >= 0 and text[opened - 1] == "/" and text.find("<", after_name, opened) < 0


def _without_overlaps(text: str, found: list[tuple]) -> Iterator[tuple]:
    """Earliest-starting, longest match wins; values nested in an earlier one are dropped."""
    last_end = -1
    for f in sorted(found, key=lambda f: (f[0], -f[1])):
        start, end = f[0], f[1]
        if start >= last_end:
            last_end = end
            if _looks_like_message(text, start, end):
                yield f


def _looks_like_message(text: str, start: int, end: int) -> bool:
    """An XML value must be a real element, not a class name like 'SamlResponse'."""
    if text.startswith("<", start):
        return end - start > 20 and text.find(">", start, end) >= 0
    return True


_FLATTENED = lazyre.compile(r">[ \t]+<|(?:SignatureValue|X509Certificate)>[A-Za-z0-9+/=]+ [A-Za-z0-9+/=]")
"""A line break a one-line formatter turned into a space: between two tags, or inside a wrapped
base64 value (no base64 character is a space)."""


def flattened(value: str) -> bool:
    """XML a log wrote on one line with spaces where its line breaks were (Monolog's LineFormatter
    without allowInlineLineBreaks, Symfony's default: LineFormatter::replaceNewlines,
    str_replace(["\\r\\n", "\\r", "\\n"], ' ', $str)): the log's copy, not the bytes that travelled."""
    return value[:1] == "<" and "\n" not in value and _FLATTENED.search(value) is not None


def embedded_records(path: str, no: int, text: str, time=None, product: str | None = None,
                     request_id: str | None = None, printed: bool = False,
                     local_time: bool = False) -> Iterator[EmbeddedSaml]:
    """EmbeddedSaml records for one line (with the product's flow ID of that line, if any;
    `local_time`: its time was written without a zone)."""
    for f in find_values(text):
        yield EmbeddedSaml(src(path, no), time, f.value, product, request_id, printed or flattened(f.value),
                           f.param, f.binding, f.query, local_time)


def opens_xml(line: str) -> bool:
    """A line that continues a log record with XML: a message printed under its record's first
    line (Shibboleth's PROTOCOL_MESSAGE logger and OpenSAML's decoders pretty-print it there:
    SerializeSupport.prettyPrintXML), not a stack trace's or a message's own words."""
    return line.lstrip(" \t")[:1] == "<"


@dataclass(slots=True)
class XmlDump:
    """A record's SAML message over the lines that continue it, read as one value of the record
    at the record's time and line (up to MAX_TEXT_LINE characters: any message samlscan reads
    fits). The lines are joined as they were written: a signed message's whitespace is signed.
    `closed` once a line holds the closing tag of the first SAML root the lines open (a reader whose
    records do not end a dump ends it there)."""

    no: int
    time: datetime | None
    product: str | None
    request_id: str | None = None
    parts: list[str] = field(default_factory=list)
    printed: bool = False
    """Its first line is one of its own, not its record's (RawMessage.printed)."""
    size: int = 0
    close: str | None = None
    """The closing tag of its root, once the root is seen (a '<?xml ...?>' line alone names none)."""
    closed: bool = False
    local_time: bool = False
    """`time` was written without a zone (EmbeddedSaml.local_time)."""

    def __post_init__(self) -> None:
        for line in self.parts:
            self._look(line)

    def add(self, line: str) -> None:
        self.size += len(line) + 1
        if self.size <= MAX_TEXT_LINE:
            self.parts.append(line)
        self._look(line)

    def _look(self, line: str) -> None:
        at = 0
        if self.close is None:
            m = SAML_ROOT.search(line)
            if m is None:
                return
            self.close, at = f"</{m.group(1) or ''}{m.group(2)}>", m.end()
            if _closed_at_once(line, at):
                self.closed = True
        self.closed = self.closed or line.find(self.close, at) >= 0

    def records(self, path: str) -> Iterator[EmbeddedSaml]:
        return embedded_records(path, self.no, "\n".join(self.parts), self.time, self.product, self.request_id,
                                self.printed, self.local_time)


class EmbeddedParser:
    """Fallback for any text file with SAML messages in its lines."""

    name = "embedded"
    range_context = frozenset({"before", "after"})
    """A message printed over many lines is one document (prefilter's Prefilter.documents): a range cut
    inside one reads on to its end, and the next range its start (batch._context)."""

    def sniff(self, head: str) -> bool:
        return bool(find_embedded(head))

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo) -> Iterator[Record]:
        doc: XmlDump | None = None  # an XML document going on over the next lines
        prev: tuple[int, str] | None = None
        requests: dict[str, datetime] = {}  # a Rails log's tags -> its request's time
        for no, line in text_lines(lines):
            started = _request_time(line) if "Started " in line else None
            if started is not None:
                requests[started[0]] = started[1]
                if len(requests) > RECENT_REQUESTS:  # (a month of requests, one tag set each)
                    del requests[next(iter(requests))]
            if doc is not None:
                if not _timed(line):  # (a line that starts with a time is a record of its own)
                    doc.add(line)
                    if doc.closed or doc.size > MAX_TEXT_LINE:
                        yield from _document(doc, path)
                        doc = None
                    prev = (no, line)
                    continue
                yield from _document(doc, path)  # (cut: a new timed record began)
                doc = None
            values = find_values(line)
            if values and cut_xml(line):
                time, local = _line_time_local(line, tz)
                if time is None and opens_xml(line) and prev is not None and prev[0] == no - 1:
                    time, local = _line_time_local(prev[1], tz)  # (the record's line that announced it)
                doc = XmlDump(no, time, None, None, [line], local_time=local)
            else:
                time, local = _line_time_local(line, tz) if values else (None, False)
                if time is None and values and requests:  # (a Rails request's line: its time)
                    time = requests.get(_RAILS_TAGS.match(line).group(1))
                for f in values:
                    yield EmbeddedSaml(src(path, no), time, f.value, printed=flattened(f.value), param=f.param,
                                       binding=f.binding, query=f.query, local_time=local)
            prev = (no, line)
        if doc is not None:
            yield from _document(doc, path)


def _document(doc: XmlDump, path: str) -> Iterator[EmbeddedSaml]:
    """The value of an XML document a log line opened and later lines closed (a console or custom
    log printing a message over many lines), marked printed when re-indented on lines of its own
    (RawMessage.printed: not the bytes that travelled)."""
    doc.printed = opens_xml(doc.parts[0]) and any(p[:1] in (" ", "\t") for p in doc.parts[1:])
    return doc.records(path)


_PROLOG_ALONE = lazyre.compile(r"<\?xml\b[^>]{0,200}\?>\s*$")
"""A line that ends with an XML declaration: its document's root is on the lines after it."""


PARSER = EmbeddedParser()
