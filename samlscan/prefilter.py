"""A cheap byte-level prefilter for big logs: only records that can matter reach the parser."""
from __future__ import annotations

import itertools
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Iterator

from samlscan import dockerparts, engine, lazyre
from samlscan.ansi import console
from samlscan.ansi import plain_bytes as decoloured
from samlscan.logs._common import MAX_TEXT_LINE as LONG_LINE  # over-long lines are cut there
from samlscan.logs._common import WholeLines
from samlscan.logs.base import DUMP_MARKERS, EMBED_HINTS, SAML_ROOTS
from samlscan.logs import LEGACY_ERRORS
from samlscan.logs.coloured import Decoloured

BLOCK = 8 * 1024 * 1024
AC_WINDOW = 256 * 1024
"""The Aho-Corasick pass of a block goes this many bytes at a time (to the next line's start): its
hits are a Python tuple each, and a block's all at once were tens of MB (_hit_finder)."""


EVERY_LINE = lazyre.compile(rb"")
"""A record_start for logs whose every line is a record of its own."""
JSON_LINE = lazyre.compile(rb"[ \t]*\{")
"""A record_start for JSON lines (one object a line)."""


@dataclass(frozen=True)
class Prefilter:
    """Which records of a log format can matter, decided on bytes before any parsing.

    `record_start` matches at the start of a line that begins a record (a record is that line and
    the continuation lines up to the next start). A record is handed to the parser only when its
    first line contains one of `keep` (a superset of what the parser looks at); others are
    skipped without being decoded. Records skipped this way are not checked for malformation.
    """

    record_start: re.Pattern
    keep: tuple[bytes, ...]
    orphans: bool = False
    """A keep literal on a line that continues a record not kept keeps that line and the rest of
    its record: for a reader whose record starts exist to hold lines together, not to tell a record
    from its trace (a range never starts at a Shibboleth non-proceed line, yet one may follow a
    skipped line)."""
    json_lines: bool = False
    """Its records are JSON lines (one object a line): a head that does not start with one (a CSV
    export of the same reader, a JSON array) is read whole."""
    coloured: bool = False
    """A console capture's: terminal control sequences are stripped from each block before the
    record starts and keep literals are looked for (they hide a line's time: samlscan/ansi.py)."""
    parts: bool = False
    """Docker's json-file records (and a CRI file's lines): a line longer than its copier's buffer is
    several records, kept or skipped together (samlscan/dockerparts.py: a keep literal in any part
    keeps them all, with the other stream's records between them), never cut apart by a block's or a
    range's edge; a record the other stream's record start cut is kept to its own stream's next one."""
    documents: bool = False
    """A kept line that opens an XML document without closing it keeps the lines up to its root's
    closing tag (LONG_LINE at most) and, when it is a line of its own, the line before it (the
    record that announced it, with its time): a message printed over many lines, whose base64 lines
    hold no keep literal (logs.embedded reads it whole)."""
    tail: int = 0
    """The file's last `tail` lines are kept whatever they hold (TAIL_BYTES of them at most; a log whose
    every line is a record): a reader whose last records wait for the lines after them (an access log's
    last callback, decided by its client's next request: samlscan/logs/sqaccess.py). The same lines in
    any reading that reaches them, the whole file's or a range's."""


TAIL_BYTES = 256 * 1024
"""How far back from a file's end its kept tail (Prefilter.tail) may start."""


# SonarQube web.log (samlscan/logs/sonarqube.py): a record is relevant when its logger matches
# _RELEVANT_LOGGER (auth.event, Authentication*, OAuth*, saml/Saml/SAML, c.o.*, onelogin,
# UserRegistrar, o.s.s.a.*), when it is WARN/ERROR and its first line names SAML in any case
# ("saml" in msg.lower()), or when the line carries a SAML dump (samlscan/logs/embedded.py:
# base64 of '<?xml', '<saml', '<Response', '<Authn', '<Logout'; SAMLResponse=/SAMLRequest=; XML
# from '<?xml' or an opening '<Response', '<x:Response', ... tag). 'uth' covers auth/Auth/OAuth/
# AuthnRequest and the every-case 'aml' covers saml/SAML/SAMLResponse, so a WARN/ERROR line that
# names nothing of this (a failed web service request and its stack trace: most WARNs of a busy
# server) is skipped here rather than read and dropped by the parser.
_AML = tuple(bytes(c) for c in itertools.product(b"aA", b"mM", b"lL"))
_DUMPS = tuple(m.encode() for m in DUMP_MARKERS) + (
    b"<Response", b":Response", b"<Logout", b":Logout", b"<Assertion", b":Assertion")
"""What a line carrying a SAML dump holds (samlscan/logs/embedded.py)."""
_SONAR = Prefilter(
    # (or a line pasted without its date, or with it cut: sonarqube._BARE)
    record_start=lazyre.compile(rb"\d{4}\.\d{2}\.\d{2} |\{|"
                            rb"(?:[\d.]* ?\d\d:\d\d:\d\d )?(?:TRACE|DEBUG|INFO|WARN|ERROR) +(?:web|ce|app|es)\["),
    keep=_AML + (b"uth", b"onelogin", b"c.o.", b"o.s.s.a.", b"Registrar") + _DUMPS,
)


@cache
def prefilters() -> dict[str, Prefilter]:
    """The prefilter of each log format that has one, by reader name (built on first use: the
    readers are imported only when a log is read)."""
    from samlscan.logs import applog, sonarqube

    # SP application logs (samlscan/logs/applog.py): a record starts with a time (or Django's
    # level then time); it matters when its logger or message names a SAML library (every
    # library name, logger and class holds saml/Saml/SAML: org.opensaml, com.onelogin.saml2,
    # c.o.s.a.SamlResponse, OneLogin_Saml2, OpenSaml4AuthenticationProvider,
    # Saml2WebSsoAuthenticationFilter), when it is a WARN/ERROR (its stack trace may name the
    # library only on a later line), or when it carries a SAML dump. Levels are the reader's
    # (Serilog writes them as '[WRN]', '[ERR]', '[FTL]', its exception on the next line; ASP.NET
    # Core's console logger 'fail: ', 'crit: ', its exception on the lines below). Apache's error log
    # names mod_auth_mellon's lines '[auth_mellon:<level>]', whose texts need not name SAML.
    app = Prefilter(record_start=re.compile(applog.RECORD_START),
                    keep=_AML + (b"WARN", b"ERROR", b"SEVERE", b"FATAL", b"CRITICAL", b"ALERT", b"EMERGENCY",
                                 b"[WRN]", b"[ERR]", b"[FTL]",
                                 b"fail: ", b"crit: ", b"[auth_mellon:")
                    + _DUMPS)
    return {sonarqube.PARSER.name: _SONAR, applog.NAME: app, **_idp_prefilters(), **_go_prefilters(),
            **_access_prefilters(), **_export_prefilters()}


def _export_prefilters() -> dict[str, Prefilter]:
    from samlscan.logs import okta

    # Okta's System Log as JSON lines (samlscan/logs/okta.py): every event is a record the reader
    # counts (an 'info' one too: the input's event count), so every line naming an event type is
    # kept; the prefilter is what lets a big export be read in ranges. Its CSV and array: whole.
    return {okta.PRODUCT: Prefilter(record_start=JSON_LINE, keep=(b'"eventType"',), json_lines=True)}


_EMBEDDED = tuple(h.encode() for h in EMBED_HINTS)
"""What a line must hold for logs.embedded to find a SAML message in it: the IdP readers below
look for one in every line they read."""


def _idp_prefilters() -> dict[str, Prefilter]:
    from samlscan.logs import keycloak, shibboleth, simplesamlphp

    # Keycloak (samlscan/logs/keycloak.py) reads each line (or JSON line) on its own: the lines of
    # category org.keycloak.events (every event, whatever its type: the reports count them), the
    # WARN/ERRORs of its SAML categories, admin-API events (JSON with "realmId"), and dumps. Its
    # stack traces and other categories (access log, Hibernate, Infinispan) are skipped here.
    # (a line pasted without its time, or indented: keycloak._PREFIX)
    kc = Prefilter(record_start=re.compile(rb"[ \t]*(?:\d{4}-\d\d-\d\d[ T]\d\d:\d\d|\d\d:\d\d:\d\d[,.]\d{3}\s|"
                                           rb"(?:TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL)\s+\[)|\{"),
                   keep=(b"org.keycloak.events", b'"realmId"') +
                   tuple(c.encode() for c in keycloak._SAML_CATEGORY) + _EMBEDDED)
    # Shibboleth (samlscan/logs/shibboleth.py): every idp-audit.log line is a record ('|'
    # separated); idp-process.log lines matter at WARN/ERROR, when they say 'Login by', or at INFO
    # when they say that the SP has no metadata (v3's SAMLMetadataLookupHandler). The
    # reader takes a non-proceed line for the echo of the failure its request logged just before,
    # so a range starts at neither that line nor the stack trace between them: only at a line that
    # starts with a time, an address or '|' (an audit record without %a).
    # (A time, or an audit record's first field and its '|': a line of a message's base64 printed
    # under its record, wrapped at 76 characters, may start with a digit too.)
    shib = Prefilter(record_start=re.compile(rb"(?=\d{4}-\d\d-\d\d[ T]\d\d:|[\w.:\[\]-]{0,64}\|)(?![^\n]*"
                                             + re.escape(shibboleth.NON_PROCEED_TEXT) + rb")"),
                     keep=(b"|", b"WARN", b"ERROR", b"Login by '", b"No metadata returned for ") + _EMBEDDED,
                     orphans=True)
    # SimpleSAMLphp (samlscan/logs/simplesamlphp.py): statistics lines ('STAT [') and failure
    # levels, by name (matched in any case) or by syslog number (0-4). The reader takes an
    # exception logged above a 'Caused by:' for that cause's echo, so a range starts at neither
    # the cause nor the backtrace between them. A message its debugSAMLMessage logs one line a
    # DEBUG record ('Received message:', then the message re-indented): the heads and the lines of
    # XML ('] <', indented ']   ') are kept; a line of a base64 value wrapped inside it (a
    # SignatureValue's) holds neither, and starts no record: it goes with the line above it.
    levels = tuple(w.encode() for name in ("ERR", "WARN", "CRIT", "EMERG", "ALERT", "STAT [")
                   for w in {name, name.lower(), name.title()})
    ssp = Prefilter(record_start=re.compile(rb"(?![^\n]*\] (?:" + re.escape(simplesamlphp.CAUSED_BY.encode())
                                            + rb"|Backtrace:|\d+ (?:\S+:\d+ |\[builtin\])))"
                                            rb"(?![^\n]* (?:DEBUG|[Dd]ebug|7) \[[^\]\n]*\] [A-Za-z0-9+/=]+(?:</[\w.:-]+>)?\r?(?:\n|\Z))"),
                    keep=levels + tuple(f" {n} [".encode() for n in range(5)) + _EMBEDDED
                    + tuple(h.encode() for h in simplesamlphp.DUMP_HEADS) + (b"] <", b"]  "))
    return {keycloak.PRODUCT: kc, shibboleth.PRODUCT: shib, simplesamlphp.PRODUCT: ssp}


def _go_prefilters() -> dict[str, Prefilter]:
    from samlscan.logs import goapps

    # Gitea/Forgejo, Mattermost, Teleport (samlscan/logs/goapps.py): one line a record; the reader
    # reads only lines holding one of its MARKERS, so the prefilter keeps exactly those.
    go = Prefilter(record_start=EVERY_LINE, keep=tuple(m.encode() for m in goapps.MARKERS))
    return {goapps.NAME: go}


def _access_prefilters() -> dict[str, Prefilter]:
    from samlscan.logs import iislog, sqaccess

    # SonarQube's access.log, or a proxy's before it (samlscan/logs/sqaccess.py): one line a record;
    # the reader reads the lines of the SAML login paths and any SAML value in a URL. IIS's W3C log
    # (samlscan/logs/iislog.py) the same, and its '#Fields' lines, which say what the next ones hold.
    # Its last lines too, whatever their path (sqaccess.TAIL_LINES): they decide its last callbacks.
    paths = tuple(p.encode() for p in sqaccess.PATHS) + _EMBEDDED
    return {sqaccess.NAME: Prefilter(record_start=EVERY_LINE, keep=paths, tail=sqaccess.TAIL_LINES),
            iislog.NAME: Prefilter(record_start=EVERY_LINE, keep=paths + (b"#Fields:",), tail=sqaccess.TAIL_LINES)}


def _prefilter_for(parser) -> Prefilter | None:
    own = getattr(parser, "prefilter", False)  # a parser may publish its own, or None for none
    if own is None or isinstance(own, Prefilter):
        return own
    return prefilters().get(getattr(parser, "name", None))


def _log_with_prefilter(head: bytes, found=None):
    """(parser, prefilter) when the engine would read this file as a log we can prefilter
    (`found`: engine.sniff(head), when the caller has it; its own head when it sniffed other bytes:
    a file's lines after an over-long first line, engine.sniff_file)."""
    found = found or engine.sniff(head)
    if _wide(head, found.head):
        return None  # the byte-level prefilter reads ASCII-compatible logs only
    head = found.head or head
    if found.kind != "log":
        return None
    parser = found.parser
    if console(head) and not isinstance(parser, Decoloured):  # (sniffed stripped: engine._text)
        parser = Decoloured(parser)
    pf = _prefilter_for(parser)
    if pf is None or _json_document(head):
        return None
    if pf.json_lines and not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return None
    return parser, pf


def _wide(head: bytes, sniffed: bytes | None) -> bool:
    """A UTF-16 text (textcodec.utf16_codec: by a BOM or by its NULs, as logs._open_text reads it):
    judged by the file's own head, not only by the lines sniffed after an over-long first one, which
    start past its BOM (a log with neither read through the prefilter had no line kept: fuzz19)."""
    from samlscan.textcodec import utf16_codec

    return utf16_codec(head[:64]) is not None or (sniffed is not None and utf16_codec(sniffed) is not None)


_ANY_LINE = Prefilter(record_start=EVERY_LINE, keep=_EMBEDDED, documents=True)
"""Text in no known layout, read by the embedded reader: every line a record, kept when it holds
what a SAML value in a line holds."""


def unknown_text_log(head: bytes, found=None):
    """(the embedded reader, its prefilter) for a text no reader claims whose lines may carry SAML
    (an access log, a console capture): not XML, JSON, a form body or base64 (a pasted message,
    which the paste path reads whole), but lines; None otherwise. The caller decides by size: the
    paste path holds a whole input, this one streams it."""
    from samlscan.binaryfiles import binary_kind
    from samlscan.logs import embedded

    found = found or engine.sniff(head)
    if _wide(head, found.head) or binary_kind(head) is not None:  # (a program's strings are no log: its
        return None  # input-not-saml says what it is)
    head = found.head or head  # (the lines it sniffed: engine.sniff_file)
    if console(head):  # (a console capture: read whole)
        return None
    if found.kind == "log":  # a cut head of such lines, or a head with SAML in it (a Monolog log's
        # dumps): the embedded reader reads every line on its own either way
        return (embedded.PARSER, _ANY_LINE) if found.parser is embedded.PARSER else None
    text = found.text if found.kind == "blob" else None
    return (embedded.PARSER, _ANY_LINE) if text and engine.unknown_lines(text) else None


_JSON_ARRAY = lazyre.compile(rb"\[\s*(?:\{\s*[\"}]|[\[\"\]]|\Z)")
"""The start of a JSON array of objects (a key or '}' after '{'), arrays or strings (or an empty one):
Flask's, gunicorn's and PHP's log lines start with '[' and a time, log4j2's level-first layout with
'[' and a level, its '[%X]' with '[{key=value, ...}]'."""


def _json_document(head: bytes) -> bool:
    """A JSON array, or an object over several lines (an export, an admin-API dump): its records
    cannot be told apart at line starts, unlike JSON lines (one object a line)."""
    s = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if s[:1] == b"[":  # (an array of records, not a log line's '[2025-03-11 08:41:02,117] ERROR in ...')
        return _JSON_ARRAY.match(s) is not None
    return s[:1] == b"{" and not s.split(b"\n", 1)[0].rstrip().endswith(b"}")


USE_AC = True
"""Find the keep literals with ahocorasick_rs when it is installed (tests turn it off to run the
regex path on the same input)."""

_COMPILED: dict[tuple, tuple] = {}


def _ac_finder(lits: list[bytes]):
    """ahocorasick_rs's byte automaton for `lits`, or None (not installed, or literals it cannot
    take). Leftmost-first matching lets it use its SIMD prefilter: ~3 GB/s here, against ~130 MB/s
    for the regex alternation below, whose first-byte set (a, o, u, c, E...) is most of any log."""
    if not USE_AC or not lits or not all(lits):
        return None
    try:
        import ahocorasick_rs
    except ImportError:
        return None
    try:
        return ahocorasick_rs.BytesAhoCorasick(lits, matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_FIRST)
    except Exception:  # an old or odd build: the regex does the same job, slower
        return None


def _compiled(pf: Prefilter) -> tuple[re.Pattern, re.Pattern, object]:
    """(next record start, any keep literal, Aho-Corasick automaton or None): built once."""
    key = (pf.record_start.pattern, pf.keep, USE_AC)
    got = _COMPILED.get(key)
    if got is None:
        # Longest literals first: an alternation tries its branches in order, and which literal
        # of a line matched does not matter (the whole record is kept either way).
        lits = sorted(set(pf.keep), key=lambda b: (-len(b), b))
        got = (re.compile(b"\n(?=" + pf.record_start.pattern + b")"),
               re.compile(b"|".join(re.escape(lit) for lit in lits)), _ac_finder(lits))
        _COMPILED[key] = got
    return got


def _hit_finder(data, keep: re.Pattern, ac, lo: int = 0, hi: int | None = None):
    """next_hit(pos) -> (start, end) of the first keep literal starting at or after pos in
    data[lo:hi], or None.

    With the automaton, every non-overlapping leftmost hit of the block is found in one C pass
    and walked in order. The first of them starting at or after a line start `pos` lies on the
    same line as the regex's first hit from `pos`: literals hold no newline, so a hit before
    `pos` ends before it, and a line holding a literal holds a reported hit."""
    hi = len(data) if hi is None else hi
    if ac is None:
        search = keep.search

        def next_hit(pos: int):
            m = search(data, pos, hi)
            return m.span() if m else None

        return next_hit
    hits: list = []
    n = at = 0
    base = end = lo

    def window() -> None:
        """The hits of the next AC_WINDOW bytes after `end`, cut after a newline: no hit crosses one,
        so a window's hits are the block's there. A block's at once held a tuple per hit, 24 MB for
        the 8 MB block of an audit log whose every line holds several literals."""
        nonlocal hits, n, at, base, end
        base, end = end, min(hi, end + AC_WINDOW)
        if end < hi:
            cut = data.find(b"\n", end, hi)
            end = hi if cut < 0 else cut + 1
        with memoryview(data) as view:
            hits = ac.find_matches_as_indexes(view[base:end])
        n, at = len(hits), 0

    def next_hit_ac(pos: int):
        nonlocal at
        while True:
            while at < n and hits[at][1] + base < pos:
                at += 1
            if at < n:
                return hits[at][1] + base, hits[at][2] + base
            if end >= hi:
                return None
            window()

    return next_hit_ac


def _kept_spans(data, pf: Prefilter, carry_open: bool, lo: int = 0,
                hi: int | None = None) -> list[tuple[int, int]]:
    """Byte spans of data[lo:hi] (whole lines) holding the records to parse.

    The keep literals are found at C speed (one Aho-Corasick pass, or one regex alternation);
    each hit costs a little Python work, then the walk resumes after the kept record (or after
    the hit's line when that line only continues a record). `carry_open`: the last record of the
    previous block was kept and goes on here.
    """
    hi = len(data) if hi is None else hi
    nxt, keep, ac = _compiled(pf)
    start_at = pf.record_start.match

    def record_end(line_start: int) -> int:
        m = nxt.search(data, line_start, hi)
        return m.start() + 1 if m else hi

    spans = []
    pos = lo
    if carry_open and hi > lo and pf.documents:  # the rest of a document the block before opened
        pos = _document_rest(data, lo, hi)
        spans.append((lo, pos))
    elif carry_open and hi > lo and not start_at(data, lo, hi):
        pos = record_end(lo)
        spans.append((lo, pos))
    next_hit = _hit_finder(data, keep, ac, lo, hi)
    rfind, find = data.rfind, data.find
    walked = lo  # record starts are looked for back to here at most (each line walked once)
    while True:
        hit = next_hit(pos)
        if hit is None:
            break
        ls = rfind(b"\n", lo, hit[0]) + 1 or lo
        first = ls if start_at(data, ls, hi) else None
        if first is None and _XML_LINE.match(data, ls, hi):
            # XML printed under its record's first line (Shibboleth's PROTOCOL_MESSAGE logger,
            # OpenSAML's decoders): the record is kept from that line, which holds its time
            first = _record_start(data, ls, max(walked, spans[-1][1] if spans else lo), start_at, hi)
            walked = ls
        if first is not None:
            pos = record_end(ls)
            if pf.documents:
                first, pos = _with_document(data, first, pos, spans[-1][1] if spans else lo, hi)
            if spans and spans[-1][1] == first:  # kept records in a row: one span (fewer slices)
                spans[-1] = (spans[-1][0], pos)
            else:
                spans.append((first, pos))
        elif pf.orphans:  # kept from this line on: the line before it was not
            pos = record_end(ls)
            spans.append((ls, pos))
        else:  # a hit on a continuation line: the record it belongs to was not kept
            nl = find(b"\n", hit[1], hi)
            if nl < 0:
                break
            pos = nl + 1
    return spans


_XML_LINE = lazyre.compile(rb"[ \t]*<")
_ROOTS = SAML_ROOTS.encode()
_ROOT_OPEN = lazyre.compile(rb"<([\w.-]+:)?(" + _ROOTS + rb")\b")
_DOC_OPEN = lazyre.compile(rb"<\?xml\b[^>]{0,200}\?>\s*$|" + _ROOT_OPEN.pattern, re.M)
_ROOT_CLOSE = lazyre.compile(rb"</(?:[\w.-]+:)?(?:" + _ROOTS.replace(b"|Assertion", b"") + rb")>|"
                         rb"^</(?:[\w.-]+:)?Assertion>", re.M)
"""A root's closing tag where the opening one is in the block before (an Assertion's at a line's
start only: a Response's own Assertion closes indented)."""


def _with_document(data, first: int, end: int, floor: int, hi: int) -> tuple[int, int]:
    """(start, end) of a kept line's span grown to the XML document it opens (Prefilter.documents)."""
    m = _DOC_OPEN.search(data, first, end)
    limit = min(hi, first + LONG_LINE)
    root = m if m is None or m.group(2) else _ROOT_OPEN.search(data, m.end(), limit)
    if root is None:
        return first, end
    opened = data.find(b">", root.end(), limit)
    if opened > 0 and data[opened - 1] == 0x2F and data.find(b"<", root.end(), opened) < 0:
        return first, end  # (a root closed at once: '<Response .../>')
    at = data.find(b"</" + (root.group(1) or b"") + root.group(2) + b">", root.end(), limit)
    if 0 <= at < end or (at < 0 and limit < hi):
        return first, end  # closed on its line, or never within reach (read as cut)
    nl = data.find(b"\n", at, hi) if at >= 0 else -1
    if _XML_LINE.match(data, first, hi) and first > floor:  # the line announcing it, with its time
        first = data.rfind(b"\n", floor, first - 1) + 1 or floor
    return first, (nl + 1 if nl >= 0 else hi)


def _document_rest(data, lo: int, hi: int) -> int:
    """The end of the line closing a document opened in the block before; cut at the last line of
    this block when none does (a document spans two blocks at most: LONG_LINE > BLOCK)."""
    m = _ROOT_CLOSE.search(data, lo, hi)
    if m is not None:
        nl = data.find(b"\n", m.end(), hi)
        return nl + 1 if nl >= 0 else hi
    return data.rfind(b"\n", lo, hi - 1) + 1 or hi


def _with_parts(data, pf: Prefilter, spans: list[tuple[int, int]], found, hi: int) -> list[tuple[int, int]]:
    """`spans` with each line written in several records (Prefilter.parts) kept whole when a span
    touches it or a keep literal is in any of its parts and its first part starts a record; a kept
    line's record goes on to the next record start after its last part."""
    nxt, keep, _ = _compiled(pf)
    out = list(spans)
    for start, end, _ in found:
        touched = any(s < end and start < e for s, e in spans)
        if touched or (pf.record_start.match(data, start, hi) and keep.search(data, start, end)):
            m = nxt.search(data, end - 1, hi)
            out.append((start, m.start() + 1 if m else hi))
    out.sort()
    merged: list[tuple[int, int]] = []
    for s, e in out:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _record_start(data, ls: int, floor: int, start_at, hi: int) -> int | None:
    """The start of the record whose continuation line starts at `ls`: the nearest line before it,
    back to `floor`, where a record starts; None when none does."""
    while ls > floor:
        ls = data.rfind(b"\n", floor, ls - 1) + 1 or floor
        if start_at(data, ls, hi):
            return ls
    return None


CARRY = 1024 * 1024
"""How far back from a block's end the start of its last record is looked for (_unkept_tail)."""


def _unkept_tail(data, spans: list[tuple[int, int]], lo: int, cut: int, start_at) -> int:
    """Where a block's lines end: at the start of its last record when that record was not kept
    and starts within CARRY of the end, else `cut`. The record is read again at the front of the
    next block, whole: a message printed under it there keeps it from its first line (its time;
    _kept_spans), where that line was in the block before and the message lost."""
    if spans and spans[-1][1] == cut:  # kept, and carried on as an open record
        return cut
    floor = max(lo, spans[-1][1] if spans else lo)
    if cut - CARRY > floor:  # (a line start: a record start is matched at one)
        floor = data.find(b"\n", cut - CARRY, cut) + 1 or cut
    first = _record_start(data, cut, floor, start_at, cut)
    return first if first is not None and first > lo else cut


_FREE_BUFFERS: list[bytearray] = []
"""Read buffers of BLOCK bytes free for the next range: a new 8 MiB bytes object for every block
(and its copies: the carried line prepended, the cut at the last newline) cost a page fault per
4 KiB, the kernel zeroing each new page: 1.2 s of system time per GB, more than the Aho-Corasick
pass."""


@contextmanager
def read_buffer() -> Iterator[bytearray]:
    """A BLOCK-sized buffer to read into, taken from and given back to this process's free ones."""
    buf = _FREE_BUFFERS.pop() if _FREE_BUFFERS else bytearray(BLOCK)
    try:
        yield buf
    finally:
        if len(buf) == BLOCK:  # (one grown for a long line is not kept)
            _FREE_BUFFERS.append(buf)


def release_buffers() -> None:
    """Give the free read buffers back (the reading is over)."""
    _FREE_BUFFERS.clear()


def prefiltered_lines(fh, start: int, end: int, pf: Prefilter, counter: list,
                      first_line: int = 0) -> WholeLines:
    """Numbered lines of the kept records in [start, end) of a binary file: the line at `start`
    is number first_line + 1 (first_line: lines of the file before `start`, when known).

    Memory stays bounded by BLOCK + LONG_LINE; counter[0] ends as the number of lines in range.
    """
    return WholeLines(_prefiltered(fh, start, end, pf, counter, first_line))


def _prefiltered(fh, start: int, end: int, pf: Prefilter, counter: list,
                 first_line: int) -> Iterator[tuple[int, str]]:
    with read_buffer() as buf:
        yield from _lines_in(fh, start, end, pf, counter, first_line, buf, _tail_start(fh, end, pf))


def _tail_start(fh, end: int, pf: Prefilter) -> int | None:
    """Where the file's kept tail (Prefilter.tail) starts, a line start; None when it keeps none or the
    reading ends before it (a console capture's and Docker's records are not lines of their own)."""
    if not pf.tail or pf.coloured or pf.parts:
        return None
    size = os.fstat(fh.fileno()).st_size
    floor = max(0, size - TAIL_BYTES)
    if end <= floor:
        return None
    fh.seek(floor)
    data = fh.read(size - floor)
    at = len(data) - 1 if data.endswith(b"\n") else len(data)  # (the last line's own newline)
    for _ in range(pf.tail):
        at = data.rfind(b"\n", 0, at)
        if at < 0:
            break
    if at >= 0:
        return floor + at + 1
    if floor == 0:
        return 0
    nl = data.find(b"\n")  # (more lines than TAIL_BYTES hold: from the first whole one)
    return floor + nl + 1 if nl >= 0 else None


def _with_tail(spans: list[tuple[int, int]], at: int, lo: int, cut: int) -> list[tuple[int, int]]:
    """`spans` (of data[lo:cut]) with the lines from `at` (a line start, or before lo) to `cut` kept."""
    at = max(lo, at)
    if at >= cut:
        return spans
    first = min([at] + [s for s, e in spans if e > at])
    return [(s, e) for s, e in spans if e <= at] + [(first, cut)]


def _lines_in(fh, start: int, end: int, pf: Prefilter, counter: list, first_line: int,
              buf: bytearray, tail: int | None = None) -> Iterator[tuple[int, str]]:
    """prefiltered_lines, reading into `buf`: an unfinished last line is moved to its front and the
    next block read in after it."""
    fh.seek(start)
    pos = start
    line_no = first_line  # lines wholly before the current block
    have = 0  # bytes of an unfinished line at buf[:have]
    open_record = skipping = False
    first = True
    raw = 0  # of them, the last not yet stripped of control sequences (_decolour_lines)
    cr_only = None  # lines ended by a lone CR (classic Mac OS): decided on the first block read
    while True:
        want = min(BLOCK, end - pos) if pos < end else 0
        if have + want > len(buf):  # a line longer than a block: room for it (LONG_LINE at most)
            buf.extend(bytes(have + want - len(buf)))
        got = read = 0
        if want:
            with memoryview(buf) as view:
                got = read = fh.readinto(view[have:have + want]) or 0
            if pf.coloured:  # (shorter: the stripped bytes at the same place, the file's position kept)
                got, raw = _decolour_lines(buf, have - raw, have + got, pos + got >= end or not got)
                pos, got, read = pos + read - (got - have), got - have, read
            if cr_only is None:
                cr_only = buf.find(b"\n", have, have + got) < 0 and buf.find(b"\r", have, have + got) >= 0
            if cr_only:  # (same length: the text readers' universal newlines read such a file so)
                buf[have:have + got] = buf[have:have + got].replace(b"\r", b"\n")
        pos += got
        if read and not got and pos < end:  # (a block of control sequences alone)
            continue
        lo, hi = 0, have + got
        if skipping:  # the tail of an over-long line: dropped up to its newline
            nl = buf.find(b"\n", 0, hi)
            if nl < 0 and read:
                continue
            lo = nl + 1 if nl >= 0 else lo
            skipping = False
        if hi <= lo:
            break
        at_end = pos >= end or not read
        have = 0
        data, cut = buf, hi  # the lines to read: data[lo:cut]; buf[cut:hi] is carried on
        if not at_end:
            cut = buf.rfind(b"\n", lo, hi) + 1
            if cut == 0:
                if hi - lo <= LONG_LINE:
                    buf[:hi - lo] = buf[lo:hi]
                    have = hi - lo
                    continue
                data = bytes(buf[lo:lo + LONG_LINE]) + b"\n"  # its start; the rest is skipped
                data = decoloured(data) if pf.coloured else data
                lo, cut, skipping = 0, LONG_LINE + 1, True
        if first and start == 0 and data[lo:lo + 3] == b"\xef\xbb\xbf":
            lo += 3  # a UTF-8 BOM (a log written on Windows): the first record starts after it
        first = False
        found = dockerparts.groups(data, lo, cut) if pf.parts else ()
        if found and not found[-1][2] and not at_end and found[-1][0] > lo and data is buf:
            cut = found[-1][0]  # (a line whose last part is in the next block: read whole with it)
            found.pop()
        spans = _kept_spans(data, pf, open_record, lo, cut)
        if found:
            spans = _with_parts(data, pf, spans, found, cut)
        if pf.parts and spans:  # (a record the other stream's record cut: kept to its own end)
            spans = dockerparts.stream_spans(data, spans, cut, pf.record_start.match)
        if tail is not None and data is buf:  # (buf[0] is the file's byte pos - hi)
            spans = _with_tail(spans, tail - (pos - hi), lo, cut)
        if not at_end and data is buf and pf.record_start is not EVERY_LINE:
            cut = _unkept_tail(data, spans, lo, cut, pf.record_start.match)
            inner = dockerparts.inside(found, cut) if found else None
            cut = inner if inner is not None and inner > lo else cut
        cnt_pos, cnt = lo, 0
        for s, e in spans:
            cnt += data.count(b"\n", cnt_pos, s)
            if e - s <= LONG_LINE:  # no line to cut: one decode per span (a UTF-8 sequence
                # never holds a newline byte, so this equals decoding line by line)
                parts = data[s:e].decode("utf-8", LEGACY_ERRORS).split("\n")
            else:
                parts = [raw[:LONG_LINE].decode("utf-8", LEGACY_ERRORS) for raw in data[s:e].split(b"\n")]
            newlines = len(parts) - 1
            if not parts[-1]:  # the span ends with its newline (all but a last unterminated line)
                parts.pop()
            base = line_no + cnt + 1
            for k, line in enumerate(parts):
                yield base + k, line.rstrip("\r")
            cnt += newlines
            cnt_pos = e
        open_record = bool(spans) and spans[-1][1] == cut
        # newlines after the last span; those before it are counted already (one pass in all)
        unterminated = cut == lo or data[cut - 1] != 10  # ("\n")
        line_no += cnt + data.count(b"\n", cnt_pos, cut) + unterminated
        if at_end:
            break
        if data is buf and cut < hi:
            buf[:hi - cut] = buf[cut:hi]
            have = hi - cut
        raw = min(raw, have)
    counter[0] = line_no - first_line


def _decolour_lines(buf: bytearray, lo: int, hi: int, last: bool) -> tuple[int, int]:
    """Strip buf[lo:hi]'s control sequences in place up to its last line end (all of it when `last`):
    a sequence the block's edge cut ('ESC[0;3' | '9m') is stripped whole with the next block, as
    the whole file's reading does. Returns the new end of the bytes and how many at its end are
    left as read (a sequence holds no line end: samlscan/ansi.py)."""
    stop = hi if last else max(buf.rfind(b"\n", lo, hi), buf.rfind(b"\r", lo, hi), lo - 1) + 1
    plain = decoloured(buf[lo:stop]) + bytes(buf[stop:hi])
    buf[lo:lo + len(plain)] = plain
    return lo + len(plain), hi - stop

