"""The engine: inputs -> decoded messages and log events -> findings -> (attempts). Never prints."""
from __future__ import annotations

import os
import re
import sys
from contextlib import contextmanager
from datetime import timedelta, timezone
from dataclasses import dataclass, field, replace
from pathlib import Path

from samlscan import lazyre
from samlscan import logzones
from samlscan.checks import run_checks
from samlscan.checks.base import CheckContext
from samlscan.codes import spec
from samlscan.config import Expectations, is_sonarqube_acs, made_for_cloud
from samlscan.ansi import as_read
from samlscan.textcodec import utf16_codec
from samlscan.errors import InputError
from samlscan.inputs.base import InputProblem, RawMessage
from samlscan.model import (Attempt, Finding, InputResult, LogEvent, SamlMessage, Source, packed_events,
                            unpacked_events, usable_time)
from samlscan.privatekeys import without_private_keys

MAX_PASTE_BYTES = 64 * 1024 * 1024
SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class MessageResult:
    message: SamlMessage
    findings: tuple[Finding, ...]
    at_source: str


@dataclass(frozen=True)
class Report:
    inputs: tuple[InputResult, ...]
    messages: tuple[MessageResult, ...]
    input_findings: tuple[Finding, ...]
    """Findings about inputs that yielded no message (input-* codes) and run-wide ones (replays)."""
    events: tuple[LogEvent, ...] = ()
    """The logs' successes and failures (their 'info' events are counted in `inputs`, not kept)."""
    attempts: tuple[Attempt, ...] = ()
    flows: tuple = field(default=(), compare=False)
    notes: tuple[str, ...] = ()
    """Run-wide observations (measured clock offsets between sources, ...)."""
    cause_findings: tuple[Finding, ...] = ()
    """One per failed attempt whose root cause only its evidence states (correlate.cause_findings)."""
    people: frozenset = frozenset()
    """Users and addresses named by the 'info' events not kept (--redact masks them too)."""

    def all_findings(self) -> list[Finding]:
        return [f for m in self.messages for f in m.findings] + list(self.input_findings)

    def reported_findings(self) -> list[Finding]:
        """The findings, then the causes of failed logins that no finding states: what the formats
        of one row per finding (JSONL, CSV, SARIF), the summary counts and --fail-on count."""
        return self.all_findings() + list(self.cause_findings)


@dataclass
class _Collected:
    raws: list[RawMessage] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)
    events: list[LogEvent] = field(default_factory=list)
    flows: list = field(default_factory=list)
    kind: str | None = None
    malformed: int = 0
    first_malformed: object = None
    """The first Malformed record: what a log none of whose records could be read is failed for."""
    info_events: int = 0
    people: set = field(default_factory=set)
    empty_reason: str | None = None
    """Why an input that yields nothing is skipped rather than failed (its reader's `empty_reason`:
    an app log claimed by its layout alone, applog.LateAppLogParser)."""
    program: bool = False
    """Program source (_program): when no message of it decodes, that is what it is said to be."""
    apps: list = field(default_factory=list)
    """An IdP's configuration of the SP (idpapps: a Keycloak, Entra or Okta export), compared with the settings."""


PROGRAM = "program source code: it may quote SAML or a page's words, but it is neither"


_GIVE_WITH = lazyre.compile(r"give (?:it|them) with (--(?:idp-cert|idp-metadata|sonar-settings|sp-key|sp-cert|config))\b"
                            r"(?! (?:and|as)\b)")
"""A settings file given as evidence: its reader says which option takes this very file ('give it with
--idp-cert'; not 'with --sonar-settings as the JSON of ...', another file, nor an SP metadata's values)."""


def _problem_finding(p: InputProblem) -> Finding:
    s = spec(p.code)
    give = _GIVE_WITH.search(p.detail) if p.code == "input-not-saml" else None
    # (a settings file: the code's generic 'pass a SAMLResponse...' would contradict the detail's option)
    hint = (p.fix or s.fix) if give is None else (f"Give this file with {give[1]}, and as the input the failed login's "
                                       "capture (HAR), SAML message or log.")
    return Finding(code=s.code, severity=s.severity, message_text=p.detail, hint=hint, source=p.source)


WRAPPED_SNIFF_BYTES = 4 * SNIFF_BYTES
"""How far a wrapped log's sniff may read (sniff_file): a wrapper doubles or triples each line
(journald's fields, JSON escapes), so its 64 KiB head holds a third of a bare log's."""


def read_head(path: str, limit: int = SNIFF_BYTES) -> bytes:
    """The first `limit` bytes of a file (fewer when it is shorter), read without a buffered file
    object: half the cost of open().read() for the small file of a message (4 us of 8)."""
    if path == "-":
        return b""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))  # (Windows: no newline translation)
    try:
        parts, size = [], 0
        while size < limit:  # (a pipe or FIFO may hand over less than asked)
            part = os.read(fd, limit - size)
            if not part:
                break
            parts.append(part)
            size += len(part)
        return parts[0] if len(parts) == 1 else b"".join(parts)
    finally:
        os.close(fd)


def _read_all(path: str) -> bytes:
    if path == "-":
        data = sys.stdin.buffer.read(MAX_PASTE_BYTES + 1)
    else:
        with open(path, "rb") as fh:
            data = fh.read(MAX_PASTE_BYTES + 1)
    if len(data) > MAX_PASTE_BYTES:
        raise InputError("input-too-large", f"over {MAX_PASTE_BYTES} bytes for one message or paste (XML, JSON, "
                         "base64 or a form body: no log layout in it)")
    return data


def _text(data: bytes) -> str:
    """Decode evidence text: UTF-16 (textcodec.utf16_codec), else UTF-8, or the single-byte encoding an
    XML document declares when its bytes are not UTF-8."""
    return as_read(_decoded(data))  # (a console capture's colours: samlscan/ansi.py)


def _decoded(data: bytes) -> str:
    if codec := utf16_codec(data):
        return data.decode(codec, "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:  # an XML file in the single-byte encoding it declares (ISO-8859-2...)
        from samlscan.xmlsafe import declared_single_byte_encoding

        return data.decode(declared_single_byte_encoding(data) or "utf-8", "replace")


def collect(path: str, tz, head: bytes | None = None, sniffed: Sniffed | None = None) -> _Collected:
    """Sniff one input by content and gather its raw SAML messages, problems and log events.
    Standard input is spooled to a temporary file so that it is read like any file. `head`: the
    first SNIFF_BYTES of the file when the caller has read them already, `sniffed` what they are."""
    if path != "-":
        return _collect_file(path, tz, head, sniffed)
    from samlscan.rewrite import rewrite

    with spooled_stdin() as (spooled, as_stdin):
        if spooled is None:  # (nothing piped in: the file's words would name a temporary file)
            return _Collected(problems=[InputProblem(Source("-"), "input-not-saml", "stdin is empty: nothing was "
                                                     "piped in (pipe the message, URL or file: pbpaste | samlscan check -)")])
        got = _collect_file(spooled, tz)
    return _Collected(*(rewrite(getattr(got, f), as_stdin) for f in ("raws", "problems", "events", "flows")),
                      kind=got.kind, malformed=got.malformed, info_events=got.info_events, people=got.people,
                      first_malformed=got.first_malformed and replace(got.first_malformed,
                                                                      source=as_stdin(got.first_malformed.source)),
                      empty_reason=got.empty_reason)


@contextmanager
def spooled_stdin():
    """(path, as_stdin): standard input (bounded as a paste: _read_all) written to a temporary file, read
    like any file while the block runs, and the function that names that file's Sources '-' again;
    (None, None) when nothing was piped in."""
    import tempfile

    data = _read_all("-")
    if not data.strip():
        yield None, None
        return
    with tempfile.TemporaryDirectory(prefix="samlscan-") as tmp:
        spooled = os.path.join(tmp, "stdin")
        with open(spooled, "wb") as fh:
            fh.write(data)
        yield spooled, lambda x: replace(x, input="-") if isinstance(x, Source) and x.input == spooled else x


@dataclass(frozen=True)
class Sniffed:
    """What the first bytes of an input say it is."""

    kind: str
    """'capture' (HAR, SAML-tracer), 'log' or 'blob' (XML, base64, form body, URL, HTML page)."""
    name: str | None = None
    reader: object = None
    parser: object = None
    text: str | None = None
    """A blob's first bytes as text (the whole input when it is shorter than SNIFF_BYTES); also a
    cut text of lines in no known layout, which the embedded reader reads as a log (unknown_lines)."""
    head: bytes | None = None
    """The bytes sniffed when they are not the file's first SNIFF_BYTES: its lines without the
    over-long ones (sniff_file), which a prefilter is chosen by too (prefilter._log_with_prefilter)."""


def sniff(head: bytes) -> Sniffed:
    """Recognise an input by content (never by its file name)."""
    from samlscan import logs

    capture = _capture_reader(head)
    if capture is not None:
        return Sniffed("capture", name=capture[0], reader=capture[1])
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<?xml") and b"<!DOCTYPE items [" in head[:300]:
        from samlscan.inputs import httpraw

        if httpraw.sniff_burp(head):  # its DTD would be refused by the XML reader
            return Sniffed("capture", name="burp", reader=_BurpReader)
    text_head = _text(head)
    if text_head.lstrip("\ufeff \t\r\n")[:1].isupper():  # (a BOM: Notepad's UTF-8, as is_conversation skips it)
        from samlscan.inputs import httpraw

        if httpraw.is_conversation(text_head):
            return Sniffed("capture", name="http", reader=_HttpReader)
    small = len(head) < SNIFF_BYTES
    found = _log_of(text_head, text_head, small)
    clean = logs.undamaged(text_head)
    if clean is not text_head:  # a line or block of NULs, controls or binary: the layout of the rest
        other = _log_of(clean, text_head, small)
        if other is not None and (found is None or other.name != "embedded" or found.name == "embedded"):
            found = other  # (a journal export's binary fields are its own: no reader of the rest, the head's)
    return found or Sniffed("blob", text=text_head)


def _log_of(text_head: str, whole: str, small: bool) -> Sniffed | None:
    """The log `text_head` is the head of (its reader), or None (a blob). `whole`: the text sniffed,
    when `text_head` is it without its damaged lines (logs.undamaged)."""
    from samlscan import logs
    from samlscan.inputs import blob

    blob_kind = blob.sniff_kind(text_head)
    if blob_kind == "xml" and "urn:oasis:names:tc:SAML" not in text_head[:4096]:
        # an XML log export (AD FS events) before an XML message (a SAML message names its
        # namespace at once: the readers are not asked for one)
        parser = next((p for p in logs.PARSERS if getattr(p, "reads_xml", False) and p.sniff(text_head)), None)
        if parser is not None:
            return Sniffed("log", name=parser.name, parser=parser)
    short_query = blob_kind == "query" and small and not timestamped(text_head) and text_head.strip().count("\n") < 3
    # a JSON record a reader claims (Nextcloud's {reqId, app, message, ...} line quoting a SAMLResponse=) is a
    # log of a few lines, not a pasted request whose query names the message
    claimed = logs.detect(text_head) if short_query and text_head.lstrip("\ufeff \t\r\n")[:1] == "{" else None
    one_blob = (blob_kind == "xml" and not logs.looks_like_syslog(text_head)) or blob_kind == "base64" or (
        short_query and claimed is None)
    parser = claimed or (None if one_blob else logs.detect(text_head))
    if parser is None and not one_blob:
        parser = logs.detect_late(text_head)  # (not for a paste the embedded reader gave up below)
    late = parser is None and not small and unknown_lines(text_head, blob_kind)
    if late:  # its SAML, if any, is below the head: a log in a layout of its own, not a paste
        parser = logs.embedded.PARSER
    # (timestamped, asked only here: lines that start with times are a log, however small)
    if parser is not None and parser.name == "embedded" and small and not timestamped(text_head) \
            and not _wrapper(parser):  # (a container's or forwarder's records: a log)
        from samlscan.inputs import paste

        if (blob_kind == "query" and blob.saml_params(text_head) == 1) or paste.claims(text_head):
            # one request pasted on several lines (curl, PowerShell, fetch, raw HTTP), or a
            # decorated or multi-message paste: not a log with SAML in its lines
            parser = None
    if parser is not None and parser.name == "embedded" and _program(text_head):
        parser = None  # a program's SAML templates: read as a paste, then told for what it is
    return Sniffed("log", name=parser.name, parser=parser, text=whole if late else None) \
        if parser is not None else None


def _wrapper(parser) -> bool:
    """wrapped.is_wrapper, imported when a reader was found: an XML message, the common input,
    needs none of the wrapped-log readers (their import is a tenth of a check's start-up)."""
    from samlscan.logs.wrapped import is_wrapper

    return is_wrapper(parser)


def sniff_file(path: str, head: bytes) -> Sniffed:
    """sniff(head) of a file whose `head` read_head gave, looking further into it when the head
    says too little: a wrapped log's (_wrapped_wider), and one whose head is cut inside a line
    longer than itself (a Spring Boot app's configuration at start-up, a JSON record carrying a big
    message): no reader but the generic ones claims it, so the lines after that line are sniffed
    (short_lines), as the same log without it would be. Any other file: sniff(head), read once."""
    found = sniff(head)
    if len(head) < SNIFF_BYTES:  # (the whole file: the common small one, read once)
        return found
    found = _wrapped_wider(found, head, lambda size: read_head(path, size))
    if not (found.kind == "blob" or found.name == "embedded") \
            or len(head) - head.rfind(b"\n") <= LONG_LINE // 2:  # (no over-long line cut the head)
        return found
    short = short_lines(path, SNIFF_BYTES)
    if short is None:
        return found
    other = _wrapped_wider(sniff(short), short, lambda size: short_lines(path, size) or short)
    if other.kind != "log" or (found.kind == "log" and other.name == "embedded"):
        return found  # (a message on one long line, a note or two after it: the paste it was)
    return replace(other, head=short)


def _wrapped_wider(found: Sniffed, head: bytes, read_more) -> Sniffed:
    """`found` (sniff(head)), or sniff asked again of up to WRAPPED_SNIFF_BYTES (`read_more(size)`)
    when the head was cut and a wrapper's inner text is claimed only by the generic embedded reader
    (the wrapper's reader then sees at most the inner head a bare log's sniff sees:
    logs.wrapped.unwrap), so a php-saml line 40 KB into a journald export is found as it is in the
    bare log."""
    from samlscan.logs.wrapped import is_wrapper

    if len(head) < SNIFF_BYTES or found.name != "embedded" or not is_wrapper(found.parser):
        return found
    wider = sniff(read_more(WRAPPED_SNIFF_BYTES))
    return wider if wider.kind == "log" and wider.name != "embedded" else found


LONG_LINE = SNIFF_BYTES
"""A line longer than the sniff's head: no sniff can see it whole, nor the lines after it."""
LONG_LINE_SKIP = 16 * 1024 * 1024
"""How far past what it keeps short_lines reads (logs._common.MAX_TEXT_LINE: a longer line is cut
by the readers too): a file whose start is one line of gigabytes is not read whole to sniff it."""
_BLOCK = 1024 * 1024


def short_lines(path: str, limit: int) -> bytes | None:
    """The first `limit` bytes of a file's lines without those longer than LONG_LINE, read in
    blocks (at most limit + LONG_LINE_SKIP bytes; memory: limit + LONG_LINE + a block); None when
    no line was left out."""
    kept, line, skipping, dropped, read = bytearray(), bytearray(), False, False, 0
    with open(path, "rb") as fh:
        while len(kept) < limit and read < limit + LONG_LINE_SKIP:
            block = fh.read(_BLOCK)
            if not block:
                kept += line  # (a last line without its newline)
                break
            read += len(block)
            pos = 0
            while pos < len(block) and len(kept) < limit:
                nl = block.find(b"\n", pos)
                end = len(block) if nl < 0 else nl + 1
                if not skipping:
                    line += block[pos:end]
                    skipping = len(line) > LONG_LINE
                    dropped = dropped or skipping
                    if skipping:
                        line = bytearray()
                if nl >= 0:
                    kept += line
                    line, skipping = bytearray(), False
                pos = end
    return bytes(kept[:limit]) if dropped else None


def unknown_lines(text: str, kind=...) -> bool:
    """Text of lines in no known layout: not XML, JSON, a form body, base64 or a saved page (MIME),
    which are read whole as one message or page; a log whose lines may carry SAML (an access log,
    a console capture). `kind`: blob.sniff_kind(text), when the caller has it."""
    from samlscan.errorpages import is_mime
    from samlscan.inputs import blob

    if kind is ...:
        kind = blob.sniff_kind(text)
    return kind is None and text.lstrip("\ufeff \t\r\n")[:1] not in ("{", "[") \
        and text.count("\n") >= 2 and not is_mime(text)


_LOG_TIME = lazyre.compile(r"\W{0,2}(?:\d{4}[-./]\d\d[-./]\d\d[T ]\d\d:\d\d|\d\d:\d\d:\d\d[,.]\d{3}\s|"
                           r"[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d )")


def _program(text: str) -> bool:
    """Program source (errorpages.source_code: lines that start as code), not a page (its own
    scripts are not counted) nor a log (a traceback's source lines come under timed lines)."""
    if text.lstrip("\ufeff \t\r\n").startswith("<") or timestamped(text):
        return False  # (before the import: an XML message, the common input, needs no page reader)
    from samlscan.errorpages import source_code, without_blocks

    return source_code(without_blocks(text))


def timestamped(text: str) -> bool:
    """Two of the first lines start with a time: a log (its lines' times date the messages in
    them), not a paste, whatever else it holds."""
    lines = [line for line in text.split("\n", 40)[:40] if line.strip()]
    return sum(1 for line in lines if _LOG_TIME.match(line)) >= 2


class _HttpReader:
    """Raw HTTP messages, one after the other, read as a capture (httpraw.read_conversation)."""

    @staticmethod
    def read(path: str, zone=None):  # (raw HTTP messages carry no times: no zone to read them in)
        from samlscan.inputs import httpraw

        return httpraw.read_conversation(path)


class _BurpReader:
    """Burp Suite's XML export, read as a capture (httpraw.read_burp)."""

    @staticmethod
    def read(path: str, zone=None):
        from samlscan.inputs import httpraw

        return httpraw.read_burp(path, zone)


def _collect_file(path: str, tz, head: bytes | None = None, sniffed: Sniffed | None = None) -> _Collected:
    from samlscan import logs

    out = _Collected()
    head = read_head(path) if head is None else head
    found = sniffed or sniff_file(path, head)
    if found.kind == "capture":
        # (a capture's zone-less times are read as a zone-less log's: in --timezone's zone for it)
        cap = found.reader.read(path, tz)
        out.kind, out.raws, out.problems = found.name, list(cap.messages), list(cap.problems)
        out.flows = _flows_of(cap, path)
        return out
    if (found.kind == "blob" or found.name == "embedded") and (binary := _binary(head, path)) is not None:
        return binary  # (only the generic readers claim a PNG or a PDF: say what it is, not 'no SAML found')
    if found.kind == "log":
        out.kind, out.empty_reason = f"log:{found.name}", empty_reason(found.parser)
        _consume_records(logs.parse_file(path, tz, parser=found.parser), out)
        return out
    small = len(head) < SNIFF_BYTES  # read once
    text = found.text if small and found.text is not None else _text(head if small else _read_all(path))
    if not small and _late_page(text):  # (its text past the sniff's 64 KB: scripts and styles first)
        from samlscan.logs.errorpage import PARSER as PAGE

        out.kind = f"log:{PAGE.name}"
        _consume_records(logs.parse_file(path, tz, parser=PAGE), out)
        return out
    _read_blob(text, path, out)
    out.program = _program(text)  # (judged once its values are decoded: a ticket's snippet beside a message)
    return out


def _binary(head: bytes, path: str) -> _Collected | None:
    """A binary file's input-not-saml, saying what it is and what to give instead (binaryfiles), else None."""
    from samlscan.binaryfiles import binary_kind, said

    kind = binary_kind(head)
    if kind is None:
        return None
    return _Collected(problems=[InputProblem(Source(path), "input-not-saml", said(kind), kind[1])])


def _read_blob(text: str, path: str, out: _Collected) -> None:
    """A text no reader claimed: a paste (decorated, several messages), a page's forms, or one
    XML document or base64 value."""
    from samlscan.inputs import blob, paste

    if text.lstrip("\ufeff \t\r\n")[:1] == "{" and _idp_export(text, out):
        return
    if not paste.plain(text):  # (one XML document or base64 value, the common file: no other reader)
        pasted = paste.read(text, path)
        if pasted is not None:
            out.raws, out.problems, _ = pasted
            out.kind = "paste"
            return
        html = paste.page_messages(text, path)
        if html is not None:
            out.kind, out.raws = "html-form", html
            return
    out.raws, out.problems = blob.read_text(text, path)
    out.kind = blob.sniff_kind(text)


def _idp_export(text: str, out: _Collected) -> bool:
    """An IdP's configuration of the SP (idpapps), read into `out`; False for any other JSON."""
    from samlscan import idpapps

    apps = idpapps.read_exports(text) if idpapps.may_be_export(text[:SNIFF_BYTES]) else None
    if apps:
        out.kind, out.apps = f"idp-config:{apps[0].product}", apps
    return bool(apps)


def _compared_apps(path: str, got: _Collected, expect: Expectations) -> FileResult:
    """An IdP configuration's input: what it contradicts in the SP's settings, or skipped when none are given."""
    from samlscan import idpapps

    bad = tuple(_problem_finding(p) for p in idpapps.compared(got.apps, expect, idpapps.source_in(path)))
    if not bad and not any(getattr(expect, what) for what in idpapps.COMPARED):
        labels = ", ".join(app.label for app in got.apps[:3]) + (", ..." if len(got.apps) > 3 else "")
        reason = (f"an IdP's configuration of the SP ({labels}): no SP settings to compare it with (give the SP's "
                  "settings, --sonar-settings, or --sp-entity-id, --acs-url and the attribute options)")
        return FileResult(InputResult(path, "skipped", kind=got.kind, reason=reason), (), (), ())
    return FileResult(InputResult(path, "scanned", kind=got.kind), (), bad, ())


def empty_reason(parser) -> str | None:
    """Why a log its `parser` yields nothing from is skipped (None: it failed, input-not-saml)."""
    return getattr(parser, "empty_reason", None)


def _late_page(text: str) -> bool:
    """A saved error page (HTML, .mhtml) whose words come after the first SNIFF_BYTES (160 KB of
    inline scripts before Entra's Request Id): no SAML message, and the page reader finds a page."""
    if "urn:oasis:names:tc:SAML" in text[:4096]:
        return False
    from samlscan.errorpages import PAGE_MAX, is_mime
    from samlscan.logs.errorpage import PARSER as PAGE

    return (text.lstrip()[:1] == "<" or is_mime(text)) and PAGE.sniff(text[:PAGE_MAX - 1])


def _capture_reader(head: bytes):
    """The reader of a JSON capture (HAR, SAML-tracer, SAML Chrome Panel, net-export, Charles) or of a
    Charles XML session; None for anything else."""
    from samlscan.inputs import charlesxml  # (its sniff alone: the readers it needs are imported to read)

    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")) and not charlesxml.sniff(head):
        return None  # no capture format's head: skip importing their readers
    from samlscan.inputs import capture_readers

    return next(((kind, reader) for kind, reader in capture_readers() if reader.sniff(head)), None)


def _flows_of(cap, path: str) -> list:
    """The capture's login flows, each named by its file (a flow of a page alone has no message to name it)."""
    from samlscan.flows import build_flows

    return [f if f.capture is not None else replace(f, capture=Source(path, "")) for f in build_flows(cap)]


SHARED_VALUES = 65536
"""Distinct users, addresses, applications and codes shared per input: a log repeats them on
every line (beyond this many, new ones are kept as they come)."""


def _compact(e: LogEvent, shared: dict) -> LogEvent:
    """A success or failure (or a note) as later steps use it, in less memory (a big log keeps
    100,000s).

    Correlation quotes the text of a failure only (the line naming its cause), so a success keeps
    no text, and repeated values (users, addresses, applications, codes) are one shared string.
    The record is fresh from its reader and not yet seen by anyone: it is slimmed in place (a
    frozen dataclass rebuilt costs 2 us an event)."""
    put = object.__setattr__
    if e.time is not None and usable_time(e.time) is None:
        put(e, "time", None)
    # quoted in attempts and findings (an info event kept is a note): never a key
    text = "" if e.outcome == "success" else without_private_keys(e.text)
    for name in ("user", "ip", "app", "raw_code", "code"):
        v = getattr(e, name)
        if v is not None:
            got = shared.get(v)
            if got is None and len(shared) < SHARED_VALUES:
                shared[v] = v
            elif got is not None and got is not v:
                put(e, name, got)
    got = shared.get(text)
    if got is None and len(shared) < SHARED_VALUES:
        shared[text] = got = text
    put(e, "text", text if got is None else got)
    return e


def _consume_records(records, out: _Collected) -> None:
    from samlscan.logs.base import ATTEMPT_NOTE, TIMELINE_NOTE, EmbeddedSaml, Malformed

    shared: dict = {}
    for rec in records:
        if isinstance(rec, LogEvent):
            if rec.outcome != "info" or rec.raw_code in (TIMELINE_NOTE, ATTEMPT_NOTE):  # (a note: kept)
                out.events.append(_compact(rec, shared))
                continue
            # an 'info' event (a token refresh, another client's logout) is counted and its user
            # and address remembered for --redact; correlation reads only successes and failures
            # (72% of a Keycloak log is info: 100 bytes or more each, kept, and sent between
            # processes)
            out.info_events += 1
            if len(out.people) < SHARED_VALUES:
                out.people.update(v for v in (rec.user, rec.ip) if v)
        elif isinstance(rec, EmbeddedSaml):
            if rec.binding == "xml" and rec.value.startswith("<?xml") and not _names_saml(rec.value):
                continue  # another document's declaration (a README's example, a program's string): no message
            out.raws.append(_embedded_raw(rec))
        elif isinstance(rec, Malformed):
            out.malformed += 1
            out.first_malformed = out.first_malformed or rec


def _names_saml(text: str) -> bool:
    from samlscan.inputs.blob import SAML_WORD

    return SAML_WORD.search(text) is not None


def _embedded_raw(rec) -> RawMessage:
    """The raw message of a value a log line holds, with its parameter and binding; a redirect's
    RelayState, SigAlg and Signature read from its query on the line as a pasted URL's are
    (blob.from_query), so that its query signature is verified (SAML bindings 3.4.4.1)."""
    from samlscan.inputs.blob import from_query

    logged_by = f"{rec.product}:{rec.request_id}" if rec.request_id else (rec.product or "log")
    if rec.binding == "redirect" and rec.query:
        sent = [r for r in from_query(rec.query, rec.source, rec.time, binding="redirect") if r.param == rec.param]
        if sent:
            return replace(sent[0], logged_by=logged_by, printed=rec.printed, local_time=rec.local_time)
    return RawMessage(rec.source, rec.param, rec.value, rec.binding, captured_at=rec.time,
                      logged_by=logged_by, printed=rec.printed, local_time=rec.local_time)


def _evaluation(expect: Expectations, msg: SamlMessage) -> tuple:
    if expect.at is not None:
        return expect.at, expect.at_source
    if msg.captured_at is not None:
        return msg.captured_at, "capture"
    if msg.issue_instant is not None:
        return msg.issue_instant, "issue-instant"
    return None, "none"


def _as_receiver(expect: Expectations, msg: SamlMessage) -> Expectations:
    """The expectations with SonarQube's profile when, without --profile, the evidence shows
    SonarQube took the message: its own log holds it, or it went to (or asks for) SonarQube's
    ACS path. Its rules then apply (an email is optional, InResponseTo is not checked, settings
    are named as SonarQube names them), as they do to the attempts its log is part of."""
    if not expect.on_cloud and made_for_cloud(msg):  # (Cloud's setting names without --acs-url)
        expect = _derived(expect, "cloud", lambda e: replace(e, cloud=True))
    if expect.profile is not None:
        return expect
    if not (msg.logged_by or "").startswith("sonarqube") and (
            expect.on_cloud or not any(map(is_sonarqube_acs, _receivers(msg)))):
        # (the configured SP is SonarQube Cloud: a Destination on a Server's ACS path is a stale
        # ACS URL at the IdP, not a Server that took the message; Cloud needs the email)
        return expect
    return _derived(expect, "profile:sonarqube", lambda e: replace(e, profile="sonarqube"))


def _with_issuers_idp(expect: Expectations, issuer: str | None) -> Expectations:
    """The expectations of the IdP a metadata aggregate lists under the message's Issuer, when no
    IdP was chosen by its entity ID (config.for_issuer); unchanged when none is listed (the issuer
    and signature checks then say so)."""
    if not expect.idp_aggregates or not issuer:
        return expect
    from samlscan.config import for_issuer

    return _derived(expect, "issuer:" + issuer, lambda e: for_issuer(e, issuer) or e)


_DERIVED: dict = {}


def _derived(expect: Expectations, key: str, make) -> Expectations:
    """make(expect), made once per run's expectations and key (a big log holds thousands of
    messages; a replace() of the expectations costs more than a check)."""
    hit = _DERIVED.get((id(expect), key))
    if hit is None or hit[0] is not expect:  # (the value holds `expect`: its id is not reused)
        if len(_DERIVED) >= 1024:
            _DERIVED.clear()
        hit = _DERIVED[id(expect), key] = (expect, make(expect))
    return hit[1]


def _receivers(msg: SamlMessage):
    """The URLs that say where a message went or is to go: the capture's, its Destination, an
    AuthnRequest's ACS, the Recipients of its assertions (a Response without Destination)."""
    yield from (msg.url, msg.destination, msg.acs_url)
    if msg.url or msg.destination:
        return
    for a in msg.assertions:
        for c in a.subject_confirmations:
            yield c.recipient


def _issuer_of(msg: SamlMessage) -> str | None:
    """Who sent a message: its own Issuer, else its first assertion's (a Response may omit its own)."""
    return msg.issuer or next((a.issuer for a in msg.assertions if a.issuer), None)


def _awaited_request(expect: Expectations, msg: SamlMessage, requests) -> Expectations:
    """Without --request-id, the capture's own AuthnRequest says what the SP was waiting for: the
    one the response names, else the last one sent before the response. A LogoutResponse answers
    the input's LogoutRequests alone (SAML core 3.7.2; --request-id names an AuthnRequest)."""
    if msg.kind == "LogoutResponse":
        logouts = getattr(requests, "logouts", None)
        if not logouts or expect.profile == "sonarqube":
            return replace(expect, request_id=None) if expect.request_id else expect
        return replace(expect, request_id=msg.in_response_to if msg.in_response_to in logouts.ids
                       else logouts.last_before(msg.captured_at))
    if expect.request_id or not requests or msg.kind != "Response" or expect.profile == "sonarqube":
        return expect  # SonarQube does not check InResponseTo (logformats.md 1.3): neither do we
    if msg.in_response_to in requests.ids:
        return replace(expect, request_id=msg.in_response_to)
    return replace(expect, request_id=requests.last_before(msg.captured_at))


def _sent_requests(messages) -> SentRequests | tuple:
    """The AuthnRequests and LogoutRequests among one input's messages, (capture time, ID) in input
    order; () when it has none (most inputs: _awaited_request asks no more)."""
    sent = [(m.captured_at, m.id) for m in messages if m.kind == "AuthnRequest" and m.id]
    logouts = [(m.captured_at, m.id) for m in messages if m.kind == "LogoutRequest" and m.id]
    return SentRequests(sent, logouts) if sent or logouts else ()


class SentRequests:
    """The AuthnRequests of one input, (capture time, ID) in input order, asked for by every
    response of the input: each answer in log time (a HAR of 4,000 logins rebuilt the lists for
    each response: 1 s, growing with the square)."""

    logouts: SentRequests | None = None
    """The input's LogoutRequests, for its LogoutResponses (_awaited_request)."""

    def __init__(self, requests: list[tuple], logouts: list[tuple] = ()):
        self.requests = requests
        self.logouts = SentRequests(list(logouts)) if logouts else None
        self.ids = {i for _, i in requests}
        timed = sorted((t, n) for n, (t, _) in enumerate(requests) if t is not None)
        self.times = [t for t, _ in timed]
        self.latest: list[int] = []  # latest input position among the first k timed requests
        for _, n in timed:
            self.latest.append(max(n, self.latest[-1]) if self.latest else n)
        self.untimed = max((n for n, (t, _) in enumerate(requests) if t is None), default=-1)

    def __len__(self) -> int:
        return len(self.requests)

    def last_before(self, at) -> str:
        """The ID of the last request (in input order) sent at or before `at`, or without a time;
        the last of all when none is (or `at` is unknown)."""
        from bisect import bisect_right

        if at is None:
            return self.requests[-1][1]
        k = bisect_right(self.times, at)
        n = max(self.untimed, self.latest[k - 1] if k else -1)
        return self.requests[n if n >= 0 else -1][1]


def _metadata_hint(root) -> str:
    """What to do with SAML metadata given as evidence: an IdP's goes to --idp-metadata; an SP's
    (SPSSODescriptor only) names what the IdP must hold of the SP."""
    from samlscan.xmlsafe import MD

    if root.find(f".//{MD}IDPSSODescriptor") is not None:
        return ": this is SAML metadata, give it with --idp-metadata"
    if root.find(f".//{MD}SPSSODescriptor") is not None:
        return (": this is a service provider's SAML metadata, not the IdP's: its entityID and "
                "AssertionConsumerService are what the IdP must hold for the SP: give them with --sp-entity-id "
                "and --acs-url")
    return ": this is SAML metadata that describes no IdP"


def _read(raw: RawMessage, index: int, expect: Expectations) -> SamlMessage | Finding:
    """Decode, parse, decrypt and verify one raw message (no checks): the costly part."""
    from samlscan.decode import decode_bytes
    from samlscan.saml import (IDP_SENT, PROTOCOL_KINDS, is_saml_root, read_message, saml1_name,
                               trusted_for)
    from samlscan.wsfed import FACT, SAML1_NOTE
    from samlscan.xmlsafe import MD, SAML, carried_message, is_ws_trust_response, local, parse_xml

    try:
        data = decode_bytes(raw)
        outer = parse_xml(data, soap_payload=False)
    except InputError as exc:
        return _problem_finding(InputProblem(raw.source, exc.code, exc.detail))
    root = carried_message(outer)
    wsfed = root is not outer and is_ws_trust_response(outer)  # (a wresult: WS-Federation 1.2 13.2.3)
    tag = root.tag if len(root.tag) <= 200 else root.tag[:200] + "..."  # (a namespace of any length)
    if root.tag.startswith("{urn:oasis:names:tc:SAML:1."):
        return _problem_finding(InputProblem(raw.source, "version-unsupported",
                                             f"this is {saml1_name(root)}, not SAML 2.0 (<{tag}>); samlscan "
                                             "and SAML 2.0 SPs read SAML 2.0 only" + (SAML1_NOTE if wsfed else "")))
    if not is_saml_root(root):
        hint = _metadata_hint(root) if root.tag in (MD + "EntityDescriptor", MD + "EntitiesDescriptor") else ""
        if "}" not in root.tag and root.tag in (*PROTOCOL_KINDS, "Assertion") and root.get("Version") == "2.0" \
                and root.get("ID") and root.get("IssueInstant"):  # (SAML core 3.2.1, 2.3.3; not TwiML's <Response>)
            return _problem_finding(InputProblem(raw.source, "input-xml-malformed", (
                f"the XML root <{tag}> is in no namespace: its SAML namespace declaration (xmlns=\"urn:oasis:"
                "names:tc:SAML:2.0:protocol\" or a prefix's) was lost when the message was copied or "
                "redacted, and an SP refuses it too")))
        if is_ws_trust_response(root):  # (xmlsafe gives the token of one that holds exactly one)
            hint = (": a WS-Federation sign-in's token response (wresult) whose RequestedSecurityToken holds no "
                    "one token to read (WS-Federation 1.2 13.2.3)")
        return _problem_finding(InputProblem(raw.source, "input-not-saml",
                                             f"the XML root is <{tag}>, not a SAML protocol message{hint}"))
    kind = local(root.tag)
    if expect.idp_aggregates and kind in IDP_SENT:
        found = root.findtext(SAML + "Issuer") or root.findtext(f"{SAML}Assertion/{SAML}Issuer")
        if not found and expect.sp_keys and root.find(SAML + "EncryptedAssertion") is not None:
            # (the Issuer is inside the encrypted assertion: read once without keys to trust, to learn it)
            found = _issuer_of(read_message(parse_xml(data), raw, index, (), expect.sp_keys))
        expect = _with_issuers_idp(expect, found and found.strip())
    issuer = None if kind in IDP_SENT else root.findtext(SAML + "Issuer")  # (only others' sender varies)
    trusted = trusted_for(kind, issuer and issuer.strip(), expect)
    published = expect.metadata_certs("signing") if kind in IDP_SENT and expect.idp_metadata_certs else ()
    # (read_message sets what the log tells: logged_by, printed, local_time)
    msg = read_message(root, raw, index, trusted, expect.sp_keys, data if expect.keep_xml else b"", published)
    return _with_redirect_signature(replace(msg, structure=msg.structure + (FACT,)) if wsfed else msg, raw, expect)


READ_CACHE_SIZE = 256
"""Distinct messages remembered per input: logs repeat the same message (java-saml dumps each
response twice at DEBUG), and verifying it again would give the same answer."""


def _read_cached(raw: RawMessage, index: int, expect: Expectations, cache: dict | None):
    """_read, reusing the result for a value already read in this input; only where the value
    came from (source, index, time, relay state) differs between copies."""
    if cache is None or raw.signature:  # redirect signatures cover the whole query: not shared
        return _read(raw, index, expect)
    key = (raw.value, raw.binding, raw.param)
    hit = cache.get(key)
    if hit is None:
        hit = _read(raw, index, expect)
        if len(cache) < READ_CACHE_SIZE:
            cache[key] = hit
        return hit
    if isinstance(hit, Finding):
        return replace(hit, source=raw.source)
    return replace(hit, source=raw.source, index=index, captured_at=raw.captured_at,
                   relay_state=raw.relay_state, logged_by=raw.logged_by, printed=raw.printed,
                   local_time=raw.local_time)


def analyze_raw(raw: RawMessage, index: int, expect: Expectations) -> MessageResult | Finding:
    """Decode, decrypt, verify and check one raw message; an input-* Finding when it can't be read."""
    msg = _read(raw, index, expect)
    return msg if isinstance(msg, Finding) else _check(msg, raw, expect, ())


def _check(msg: SamlMessage, raw: RawMessage | None, expect: Expectations, requests: SentRequests | tuple,
           evaluation: tuple | None = None) -> MessageResult:
    """Every check on one read message, judged at its evaluation time (or at `evaluation`:
    (time, how it was chosen))."""
    expect = _with_issuers_idp(expect, _issuer_of(msg))
    expect = _awaited_request(_as_receiver(expect, msg), msg, requests)
    at, at_source = evaluation or _evaluation(expect, msg)
    ctx = CheckContext(expect=expect, at=at, at_source=at_source)
    findings = run_checks(msg, ctx)
    if msg.redirect_signature is not None and msg.redirect_signature.verified is False:
        from samlscan.checks.base import finding
        from samlscan.saml import sender

        who = sender(msg.kind, msg.issuer, expect)
        given = [name for name, have in (("SP certificate", expect.sp_certs), ("SP key", expect.sp_keys and
                 not expect.sp_certs), ("IdP certificates", expect.idp_certs)) if have]
        tried = {"sp": "SP certificate or key", "idp": "IdP certificates"}.get(who) or " and ".join(given)
        # (a sender it cannot tell: what was given of each side)
        findings.append(finding(msg, "request-signature-invalid" if who == "sp" else "redirect-signature-invalid",
                                f"the redirect-binding Signature ({msg.redirect_signature.sig_alg}) does "
                                f"not verify over the query string with the configured {tried}"))
    if at_source == "issue-instant" and msg.kind in ("Response", "Assertion"):
        from samlscan.checks.base import finding

        findings.append(finding(msg, "evaluation-time",
                                "no capture time is known: time windows are judged at the response's "
                                "own IssueInstant (pass --at to judge at another time)"))
    return MessageResult(msg, tuple(findings), at_source)


def rejudged(report: Report, expect: Expectations, zones: dict) -> Report:
    """The SAML copies in logs whose times read a time zone off (correlate.zone_offsets: the log
    was written in local time and read as UTC) judged again at their line time moved by that zone:
    judged an hour off, a response the SP accepted was called expired. --at wins over any of it."""
    if not zones or expect.at is not None:
        return report
    by_input: dict[str, list] = {}
    for r in report.messages:
        by_input.setdefault(r.message.source.input, []).append(r.message)
    requests = {path: _sent_requests(msgs) for path, msgs in by_input.items()}
    out = []
    for r in report.messages:
        m, zone = r.message, zones.get(r.message.source.input)
        if zone is None or not m.logged_by or m.captured_at is None:
            out.append(r)
            continue
        how = f"log time {logzones.span(zone, signed=True)}: the log reads as another time zone (pass --timezone)"
        out.append(_check(m, None, expect, requests.get(m.source.input, ()), (m.captured_at - zone, how)))
    return replace(report, messages=tuple(out))


def _with_redirect_signature(msg: SamlMessage, raw: RawMessage, expect: Expectations) -> SamlMessage:
    if raw.binding != "redirect" or not raw.signature or not raw.signed_query:
        return msg
    from samlscan.redirectsig import verify_redirect
    from samlscan.saml import sender, trusted_for

    signature = verify_redirect(raw, trusted_for(msg.kind, msg.issuer, expect),
                                () if sender(msg.kind, msg.issuer, expect) == "idp" else expect.sp_keys)
    return replace(msg, redirect_signature=signature)


@dataclass(frozen=True)
class FileResult:
    """What one input produced (before the run-wide replay check)."""

    input: InputResult
    messages: tuple[MessageResult, ...]
    findings: tuple[Finding, ...]
    events: tuple[LogEvent, ...]
    """Successes and failures; `input.events` counts the 'info' events too (Report.events)."""
    flows: tuple = ()
    people: frozenset = frozenset()
    """Report.people of this input."""

    def __reduce__(self):
        """A worker's result is pickled to the parent: its events as rows of values (model.packed_events)."""
        return _file_result, (self.input, self.messages, self.findings, packed_events(self.events),
                              self.flows, self.people)


def _file_result(input, messages, findings, rows, flows, people) -> FileResult:
    """FileResult.__reduce__'s counterpart."""
    return FileResult(input, messages, findings, unpacked_events(rows), flows, people)


def analyze_collected(path: str, got: _Collected, expect: Expectations) -> FileResult:
    """Check the raw messages gathered from one input and account for it."""
    if got.apps:
        return _compared_apps(path, got, expect)
    cache: dict = {}
    read = [_read_cached(raw, i, expect, cache) for i, raw in enumerate(got.raws)]
    # the input's own AuthnRequests (LogoutRequests) tell what a Response (LogoutResponse) answers
    requests = _sent_requests([m for m in read if isinstance(m, SamlMessage)])
    results = [m if isinstance(m, Finding) else _check(m, raw, expect, requests)
               for m, raw in zip(read, got.raws)]
    ok = [r for r in results if isinstance(r, MessageResult)]
    bad = [r for r in results if isinstance(r, Finding)] + [_problem_finding(_judged(p, expect)) for p in got.problems]
    kind = got.kind
    if got.program and not ok:  # its templates' and examples' values are no evidence
        kind, bad = "source", [_problem_finding(InputProblem(Source(path), "input-not-saml", PROGRAM))]
    # (a capture's failed login with no SAML message in it: SonarQube's refusal page alone, an IdP's error page)
    failed_flows = any(f.outcome == "failure" for f in got.flows)
    status = "scanned" if ok or got.events or got.info_events or failed_flows else "failed"
    if status == "failed" and not bad and got.first_malformed is not None:
        # every record it has is broken (a JSON export with a syntax error): say where and why,
        # not that nothing in it is about a login
        bad = [_problem_finding(InputProblem(got.first_malformed.source, "input-log-malformed", (
            f"read as {kind[4:] if kind and kind.startswith('log:') else kind} log, but no record of it "
            f"could be read: {got.first_malformed.reason}"), got.first_malformed.fix))]
    if status == "failed" and not bad and got.empty_reason:  # (nothing wrong with it: no SAML in it)
        skipped = InputResult(path, "skipped", kind=kind, reason=got.empty_reason, malformed_lines=got.malformed)
        return FileResult(skipped, (), (), ())
    if status == "failed" and not bad:  # a failed input always has a finding that says why
        why = ("read line by line (no known log layout), but no line holds a SAML message"
               if kind == "log:embedded" else
               f"read as {kind[4:]} log lines, but none of them is about a SAML login"
               if kind and kind.startswith("log:") else
               "no SAML message found (expected XML, base64, a form body or a URL)")
        bad = [_problem_finding(InputProblem(Source(path), "input-not-saml", why))]
    reason = None if status == "scanned" else bad[0].message_text
    res = InputResult(path, status, kind=kind, reason=reason, messages=len(ok),
                      events=_lines_read(got.events) + got.info_events, malformed_lines=got.malformed,
                      malformed_first=_where_unread(got.first_malformed) if got.malformed else None)
    return FileResult(res, tuple(ok), tuple(bad), tuple(got.events), tuple(got.flows), frozenset(got.people))


def _judged(p: InputProblem, expect: Expectations) -> InputProblem:
    """An input problem with what the settings tell of it: whose artifact a SAMLart is."""
    if p.code.startswith("artifact-") and expect.idp_entity_id:
        from samlscan.artifact import with_issuer

        return replace(p, detail=with_issuer(p.detail, expect.idp_entity_id))
    return p


def _where_unread(rec) -> str | None:
    """'line 6: <why>' of a Malformed record (None without one)."""
    if rec is None:
        return None
    return f"{rec.source.ref}: {rec.reason}" if rec.source.ref else rec.reason


def _lines_read(events) -> int:
    """The events read from the input's records: a note its reader wrote of the whole file (Entra's
    day/month order, a TIMELINE_NOTE with no time) is none of them (a 2-row CSV said 3 events)."""
    if not events:  # (a message file: no import, no walk)
        return 0
    from samlscan.logs.base import TIMELINE_NOTE

    return sum(1 for e in events if not (e.raw_code == TIMELINE_NOTE and e.time is None))


def failed_input(path: str, code: str, detail: str, fix: str | None = None) -> FileResult:
    """An input that could not be read: a failed entry and its input-* finding (`fix`: this
    situation's own, instead of the code's general one)."""
    finding = _problem_finding(InputProblem(Source(path), code, detail, fix))
    return FileResult(InputResult(path, "failed", reason=detail), (), (finding,), ())


def analyze_file(path: str, expect: Expectations, tz, head: bytes | None = None,
                 sniffed: Sniffed | None = None) -> FileResult:
    """One input, whatever happens to it (batch workers call this per file)."""
    try:
        if path != "-" and not os.path.isfile(path):
            raise InputError("input-unreadable", "no such file" if not Path(path).exists()
                             else "not a regular file")
        got = collect(path, tz, head, sniffed)
    except InputError as exc:
        return failed_input(path, exc.code, exc.detail)
    except OSError as exc:
        from samlscan.unreadable import fix_for

        r = failed_input(path, "input-unreadable", f"cannot read: {exc.strerror or exc}", fix_for(exc))
        return replace(r, input=replace(r.input, reason=str(exc.strerror or exc)))
    return analyze_collected(path, got, expect)


def analyze(paths: list[str], expect: Expectations, tz=None, progress=None) -> Report:
    """Run every input; every input ends up in `inputs`, whatever happens to it. The cyclic
    collector is paused meanwhile, as batch.run_scan does (gcpause: the messages, findings and
    results are acyclic; its collections walking them took a tenth of 2,000 responses' analysis)."""
    from samlscan.gcpause import no_cyclic_gc

    with no_cyclic_gc():
        return _analyze(paths, expect, tz, progress)


def _analyze(paths: list[str], expect: Expectations, tz, progress) -> Report:
    tz = tz or timezone.utc
    inputs, messages, input_findings, events, flows, people = [], [], [], [], [], set()
    for path in paths:
        r = analyze_file(path, expect, tz)
        inputs.append(r.input)
        messages.extend(r.messages)
        input_findings.extend(r.findings)
        events.extend(r.events)
        flows.extend(r.flows)
        people |= r.people
        if progress:
            progress(path)
    input_findings.extend(replay_findings(messages))
    return Report(tuple(inputs), tuple(messages), tuple(input_findings), tuple(events), flows=tuple(flows),
                  people=frozenset(people))


def replay_findings(messages: list[MessageResult]) -> list[Finding]:
    """assertion-replayed: one Assertion (or Response) ID used twice in this run: posted twice in
    the captures, or received under two SP requests according to one log. Copies are one use:
    the dumps an SP wrote while handling one request (java-saml writes each response twice at
    DEBUG), the captured POST they copy, and the same message saved in several files or pasted
    as several parts of one file (see capture_uses). Uses are counted per origin (the captures,
    each log) and the ID was used as often as the origin that saw it most says. One finding per
    ID, listing its places in every origin; its source is the last use of that origin (the
    captures first on a tie), the replayed POST the attempts are told of."""
    uses: dict[str, dict[str, dict]] = {}  # ID -> origin -> use -> its first message
    captured: dict[str, list] = {}  # ID -> its captured messages
    for r in messages:
        m = r.message
        if m.kind != "Response":
            continue
        for i in {a.id for a in m.assertions if a.id} or ({m.id} if m.id else set()):
            if m.logged_by:
                use = m.logged_by if ":" in m.logged_by else None
                uses.setdefault(i, {}).setdefault(f"log:{m.source.input}", {}).setdefault(use, m)
            else:
                captured.setdefault(i, []).append(m)
    shifts = _shifts_if_shared(captured.values(), messages)
    for i, ms in captured.items():
        by_use = uses.setdefault(i, {}).setdefault("capture", {})
        for use, m in capture_uses(ms, shifts):
            by_use.setdefault(use, m)
    out = []
    s = spec("assertion-replayed")
    for ident, by_origin in uses.items():
        most = max(by_origin.items(), key=lambda kv: (len(kv[1]), kv[0] == "capture"))[1]
        if len(most) < 2:
            continue
        places = sorted({(m.source.input, m.source.ref or "") for by_use in by_origin.values()
                         for m in by_use.values()}, key=_place_order)
        where = "; ".join(f"{i} {r}".rstrip() for i, r in places[:REPLAY_PLACES])
        if len(places) > REPLAY_PLACES:
            where += f"; and {len(places) - REPLAY_PLACES} more"
        out.append(Finding(code=s.code, severity=s.severity, hint=s.fix, source=list(most.values())[-1].source,
                           message_text=f"ID {ident!r} was used {len(most)} times",
                           message_ref=ident, actual=where))
    return out


def exchange_of(ref: str | None) -> str | None:
    """The exchange of a capture a message came in ('entry 4' of 'entry 4/Location'); None for a
    saved or pasted message (its parts are copies, not exchanges)."""
    if ref is None or ref.startswith("part "):
        return None
    return ref.split("/", 1)[0]


SAME_POST_SECONDS = 2
"""Exchanges of two captures this close in time are one POST captured twice (a HAR and a
SAML-tracer export of one login: their clocks are the same browser's, a few ms apart)."""


def _shifts_if_shared(copies, messages) -> dict:
    """capture_clocks.capture_shifts, measured only when a response was captured in two captures."""
    if not any(len({m.source.input for m in ms}) > 1 for ms in copies):
        return {}
    from samlscan.capture_clocks import capture_shifts

    return capture_shifts(messages)


def capture_uses(ms: list, shifts: dict | None = None) -> list[tuple]:
    """(use, message) for the captured copies of one ID. Within a capture, each exchange is a use
    (the browser posted it again: Back, reload, a double click); across captures, exchanges at the
    same moment are one POST captured twice and exchanges apart in time are two posts (one HAR
    per try). Copies without an exchange or a time (a pasted value, the decoded XML) are none.
    An untimed capture (SAML-tracer, raw HTTP) is matched by order: its n-th exchange is the n-th
    use, so a tracer export of a second post beside a HAR of the first is not told from a copy
    (the trade-off for the far commoner HAR and tracer export of one login). `shifts`: capture ->
    its clock's lead on the others' (capture_clocks.capture_shifts: two machines, or one capture set
    right by its Date headers), taken off its times first: one POST on two clocks is one use."""
    shifts = shifts or {}
    zero = timedelta(0)

    def at(m):
        return m.captured_at - shifts.get(m.source.input, zero)

    timed = sorted((m for m in ms if exchange_of(m.source.ref) and m.captured_at),
                   key=lambda m: (at(m), m.source.input, m.source.ref))
    out: list[tuple] = []
    current = None  # (time, {capture: exchange}) of the current use, use n
    n = 0
    for m in timed:
        exchange = exchange_of(m.source.ref)
        if current is None or (at(m) - current[0]).total_seconds() > SAME_POST_SECONDS or \
                current[1].setdefault(m.source.input, exchange) != exchange:
            current, n = (at(m), {m.source.input: exchange}), n + 1
        out.append((n, m))
    # exchanges without a time (a SAML-tracer export, raw HTTP) tell uses apart only within their
    # capture: its n-th exchange is the n-th use (the same post saved in a timed capture too is
    # one use, two exchanges of that capture two)
    untimed: dict[str, dict] = {}
    for m in ms:
        exchange = exchange_of(m.source.ref)
        if exchange and not m.captured_at:
            seen = untimed.setdefault(m.source.input, {})
            out.append((seen.setdefault(exchange, len(seen) + 1), m))
    return out + [(1, m) for m in ms if not exchange_of(m.source.ref)]  # copies: no use of their own


REPLAY_PLACES = 10
"""Places of one replayed ID listed in its finding (a replay storm can have thousands)."""


def _place_order(place: tuple[str, str]) -> tuple:
    """Input, then 'line 9' before 'line 10' (numbers compared as numbers)."""
    return place[0], [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", place[1])]
