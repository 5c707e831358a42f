"""Fuzzing round 17: the readers added last session under hostile and look-alike input: the bare
zlib container (archives.py, mitmproxy's .zhar), journalctl's export format, coloured consoles,
display width (report/cells.py), the wrappers, HAR shapes, the newest catalog texts. Every input
ends with a finding or a skip, no traceback; growth is compared between two sizes
(tests/growth_util.py), never an absolute time.
"""
from __future__ import annotations

import random
import zlib

import pytest

from samlscan import batch
from samlscan.config import Expectations
from samlscan.report import cells
from tests.growth_util import assert_linear

_SPRING = ("2024-12-23T10:14:00.000Z ERROR 1 --- [main] o.s.s.s.p.s.OpenSaml4AuthenticationProvider : "
           "Invalid signature for object [id124]\n")
_WORDS = ("the saml login error user response INFO WARN 2025-01-01 12:00:00 [main] org.opensaml "
          "id=_a1 ( ) { } : ; , . / - 0 1 2 3 4 5 6 7 8 9 ok at com.example").split()


def _inflates_64_bytes(text: bytes) -> bool:
    """The old check of a zlib head: its first 64 bytes of output inflate without error."""
    try:
        return bool(zlib.decompressobj().decompress(text, 64))
    except zlib.error:
        return False


def _looks_like_zlib(seed: int) -> bytes:
    """A Spring log after a first line of text that the old batch.container_kind called a zlib
    stream: an RFC 1950 header pair ('(S', 'HK', '8O', 'XG', 'hC', 'x^') whose next bytes inflate
    64 bytes as a fixed-Huffman block (about one text in 50 with such a start, fuzz17)."""
    rng = random.Random(seed)
    for _ in range(100_000):
        first = rng.choice([b"(S", b"HK", b"8O", b"XG", b"hC", b"x^"]) + " ".join(
            rng.choice(_WORDS) for _ in range(30)).encode() + b"\n"
        text = first + _SPRING.encode()
        if _inflates_64_bytes(text):
            return text
    raise AssertionError("no look-alike found")


@pytest.mark.parametrize("seed", range(4))
def test_text_that_starts_like_a_zlib_stream_is_read_as_text(tmp_path, seed):
    """Fails on the old code: the log was 'corrupt compressed data: invalid distance too far back'
    (input-unreadable) and its refusal lost."""
    log = tmp_path / "app.log"
    log.write_bytes(_looks_like_zlib(seed))
    assert batch.container_kind(log.read_bytes()) is None
    report = batch.run_scan([str(log)], Expectations(), jobs=1)
    assert [r.status for r in report.inputs] != ["failed"], report.inputs
    assert [e.source.ref for e in report.events] == ["line 2"]


def test_a_real_zlib_stream_still_opens_whole_cut_and_nested(tmp_path):
    """The stricter look at the head keeps what is one: whole, cut short (read up to the cut and
    said), a zlib stream of a zlib stream (each level opened)."""
    text = (_SPRING * 3).encode()
    whole, cut, nested = tmp_path / "a.zhar", tmp_path / "b.zhar", tmp_path / "c.zhar"
    whole.write_bytes(zlib.compress(text, 9))
    cut.write_bytes(zlib.compress(text * 400, 9)[:-40])
    nested.write_bytes(zlib.compress(zlib.compress(text, 9), 9))
    for path, events in ((whole, 3), (nested, 3)):
        report = batch.run_scan([str(path)], Expectations(), jobs=1)
        assert len(report.events) == events and report.inputs[0].kind.startswith("zlib:"), report.inputs
    report = batch.run_scan([str(cut)], Expectations(), jobs=1)
    assert report.events and "breaks off" in str(report.inputs) + str(report.input_findings)


def test_a_zlib_bomb_stops_at_its_bound(tmp_path, monkeypatch):
    from samlscan import archives

    monkeypatch.setattr(archives, "INFLATE_MIN", 1 << 20)
    bomb = tmp_path / "bomb.zhar"
    c = zlib.compressobj(9)
    bomb.write_bytes(c.compress(b"\0" * (64 << 20)) + c.flush())
    report = batch.run_scan([str(bomb)], Expectations(), jobs=1)
    assert [r.status for r in report.inputs] == ["failed"]
    assert "decompression bomb" in str(report.input_findings) + str(report.inputs)


# --- report/cells.py: display width of hostile cells ---------------------------------------------

def test_graphemes_keep_their_clusters():
    assert cells.graphemes("e\u0301\U0001F1E6\U0001F1E8\U0001F1E6x\U0001F468\u200d\U0001F469ab") == [
        "e\u0301", "\U0001F1E6\U0001F1E8", "\U0001F1E6", "x", "\U0001F468\u200d\U0001F469", "a", "b"]
    assert cells.width("\U0001F468\u200d\U0001F469\u200d\U0001F467") == 2
    assert cells.width("a" + "\u0301" * 1000) == 1


@pytest.mark.parametrize("unit", ["\U0001F468\u200d", "\u0301", "\U0001F1E6"])
def test_a_long_cluster_is_measured_in_linear_time(unit):
    """Fails on the old code: each cluster grew by a copy of itself a character at a time (50,000
    joined emoji 4 s, 200,000 took 55 s)."""
    assert_linear(cells.width, lambda n: "a" + unit * n, 50_000)


# --- logs/journalexport.py: lying and huge sizes --------------------------------------------------

def _export(messages) -> bytes:
    """A journalctl -o export of one entry a message: text (bytes) or binary (its size, its bytes)."""
    import struct

    out = b""
    for i, msg in enumerate(messages):
        out += b"__CURSOR=s=abc;i=%d\n__REALTIME_TIMESTAMP=17416800%08d\n" % (i, i)
        if isinstance(msg, tuple):
            out += b"MESSAGE\n" + struct.pack("<Q", msg[0]) + msg[1] + b"\n"
        else:
            out += b"MESSAGE=" + msg + b"\n"
        out += b"_SYSTEMD_UNIT=app.service\n\n"
    return out


def _events(tmp_path, data: bytes, name: str = "journal.export") -> int:
    path = tmp_path / name
    path.write_bytes(data)
    report = batch.run_scan([str(path)], Expectations(), jobs=1)
    assert [r.status for r in report.inputs] == ["scanned"], report.inputs
    return len(report.events)


_LINE = _SPRING.strip().encode()


@pytest.mark.parametrize("size", [1 << 40, (1 << 56) - 1, 5000])
def test_a_binary_size_that_lies_past_the_end_loses_no_later_entry(tmp_path, size):
    """Fails on the old code (2 of 5): a size beyond what follows swallowed every later entry
    into the value. Over MAX_VALUE it is not trusted; under it, what it swallowed is read again."""
    assert _events(tmp_path, _export([_LINE, (size, _LINE), _LINE, _LINE, _LINE])) == 5


def test_a_value_longer_than_max_value_ends_at_its_size(monkeypatch):
    """Fails on the old code (the later entries were lost): the bytes of a value over MAX_VALUE
    were no longer counted, so it never reached its size and swallowed the rest of the log (a
    20 MB MESSAGE: 1 event of 4). The chunks of one long line (logs.CHUNK_CHARS) share its number:
    no break between them."""
    import struct

    from samlscan.logs import journalexport

    monkeypatch.setattr(journalexport, "MAX_VALUE", 1000)
    value = "x" * 3000 + "\n" + "y" * 919  # (3920 bytes: 0x0f50, its prefix is text)
    lines = [(1, "__CURSOR=a"), (2, "MESSAGE"), (3, struct.pack("<Q", 3920).decode() + value[:1500]),
             (3, value[1500:3000]), (4, value[3001:]), (5, "A=1"), (6, ""), (7, "__CURSOR=b"),
             (8, "MESSAGE=" + _SPRING.strip()), (9, "")]
    got = list(journalexport.entries(lines))
    assert [no for no, _ in got] == [1, 7] and got[0][1]["A"] == "1"
    assert got[0][1]["MESSAGE"] == "x" * 1500 and got[1][1]["MESSAGE"] == _SPRING.strip()


def test_a_binary_value_of_many_lines_is_whole():
    from samlscan.logs import journalexport

    import struct

    value = "a\nb\n\nCD=efg"  # (11 bytes: a size of 10 or 13 holds a line end, unreadable)
    text = "__CURSOR=x\nMESSAGE\n" + struct.pack("<Q", len(value)).decode() + value + "\nX=1\n\n"
    got = list(journalexport.entries(enumerate(text.split("\n"), 1)))
    assert got == [(1, {"__CURSOR": "x", "MESSAGE": value, "X": "1"})]


# --- what reaches a terminal: no bidi override or isolate raw (trojan source) -------------------

_TROJAN = "id\u202egnp.exe\u2066x\u2069\u200f"


def _pty_output(args: list[str]) -> str:
    """stdout of `samlscan args` on a pseudo-terminal (isatty: true), as a user sees it."""
    import os
    import pty
    import subprocess
    import sys
    from pathlib import Path

    main, sub = pty.openpty()
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    proc = subprocess.Popen([sys.executable, "-m", "samlscan", *args], stdout=sub, stderr=subprocess.DEVNULL,
                            env=env)
    os.close(sub)
    out = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # (EIO: the child closed its side)
            break
        if not chunk:
            break
        out += chunk
    proc.wait(timeout=60)
    os.close(main)
    return out.decode("utf-8", "replace")


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_a_report_on_a_terminal_shows_bidi_controls_escaped(tmp_path, fmt):
    """Fails on the old code for csv and json: U+202E, U+2066-2069 and U+200F reached the terminal
    raw ('id' RLO 'gnp.exe' drawn as 'idexe.png' where the terminal does bidi); table escaped them."""
    log = tmp_path / "app.log"
    log.write_text(_SPRING.replace("id124", _TROJAN), encoding="utf-8")
    out = _pty_output(["check", str(log), "--format", fmt, "-q"])
    assert "gnp.exe" in out
    assert not set(out) & set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def test_controls_keep_layout_and_other_text():
    from samlscan.report.visible import CONTROLS, visible

    assert visible("a\tb\r\nc \u00e9\u4e2d\U0001F468\u200d\U0001F469", CONTROLS) == "a\tb\r\nc \u00e9\u4e2d\U0001F468\u200d\U0001F469"
    assert visible("\x1b[2J\x9b\u202e", CONTROLS) == "\\x1b[2J\\x9b\\u202e"


# --- errorpages.py: another product's page that ends in an IdP's generic sentence ---------------

def _html(body: str) -> str:
    return (f"<!DOCTYPE html>\n<html><head><title>Access Denied</title></head><body><h2>Access Denied</h2>"
            f"<p>{body}</p><a href=\"/\">Back</a></body></html>\n")


@pytest.mark.parametrize("line", [
    "alice is missing the Overall/Read permission. You do not have access to this application",
    "Your request to the build server failed. Something went wrong. Please report this error to your "
    "IT support team.",
    "Your second factor was reset by the Jira administrator. The multi-factor authentication was not "
    "successful.",
])
def test_a_sentence_inside_another_products_line_is_no_idps_page(line):
    """Fails on the old code: each was OneLogin's, Duo's or PingOne's error (the catalog text only
    had to stand somewhere in a line of the page); now it must open its line (errorpages.LEAD_WORDS)."""
    from samlscan.errorpages import read_page

    assert read_page(_html(line)) is None


@pytest.mark.parametrize("line,product", [
    ("You do not have access to this application.", "onelogin"),
    ("Error: You do not have access to this application. Contact your administrator.", "onelogin"),
    ("ExternalIdPDirectoryLogin", "aws-identity-center"),
    ("User not bound to application", "jumpcloud"),
])
def test_the_idps_own_line_is_still_its_page(line, product):
    from samlscan.errorpages import read_page

    page = read_page(_html(line))
    assert page is not None and page.product == product


def test_catalog_page_lines_in_linear_time():
    from samlscan.errorpages import read_page

    assert_linear(read_page, lambda n: _html("You do not have access to " * n), 20_000)


def test_a_stream_damaged_after_its_first_kilobytes_stays_a_stream(tmp_path):
    """The look-alike rule keeps a real .zhar whose bytes break well after its start: read up to
    the damage, and the damage said."""
    rng = random.Random(3)
    text = "".join(_SPRING.replace("id124", f"id{rng.randrange(10**9)}") for _ in range(3000)).encode()
    data = bytearray(zlib.compress(text, 9))
    data[len(data) // 2:len(data) // 2 + 64] = b"\xff" * 64
    path = tmp_path / "damaged.zhar"
    path.write_bytes(bytes(data))
    report = batch.run_scan([str(path)], Expectations(), jobs=1)
    assert report.events and "breaks off" in str(report.inputs) + str(report.input_findings)


# --- ansi.py: escape storms and unterminated sequences --------------------------------------------

@pytest.mark.parametrize("unit", ["\x1b[1;", "\x1b]", "^[[", "\x1b", "\x1b]0;a"])
def test_escape_storms_are_stripped_in_linear_time(unit):
    from samlscan import ansi

    assert_linear(lambda s: (ansi.plain(s), ansi.console(s)), lambda n: "\x1b[31mERROR " + unit * n + "\n", 50_000)


def test_a_coloured_line_with_unterminated_sequences_keeps_its_refusal(tmp_path):
    """An OSC never ended and a CSI cut short inside a value: the line's time and level (coloured)
    are read, its refusal kept; the stray ESC stays evidence, shown escaped."""
    e = "\x1b"
    head = f"{e}[2m2024-12-23T10:14:00.000Z{e}[0;39m {e}[31mERROR{e}[0;39m"
    rest = _SPRING[len("2024-12-23T10:14:00.000Z ERROR"):].strip("\n")
    lines = [head + rest.replace("id124", f"id{e}]8;;http://x{e}[31"), head + rest]
    log = tmp_path / "console.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = batch.run_scan([str(log)], Expectations(), jobs=1)
    assert [e.source.ref for e in report.events] == ["line 1", "line 2"]


# --- inputs/har: the shapes of a capture --------------------------------------------------------

def _har_entries(n: int) -> list[dict]:
    entry = {"startedDateTime": "2024-12-23T10:14:00.000Z", "time": 1, "timings": {},
             "request": {"method": "GET", "url": "https://sp.example/x", "headers": [], "queryString": [],
                         "cookies": [], "httpVersion": "HTTP/1.1", "headersSize": -1, "bodySize": 0},
             "response": {"status": 200, "statusText": "", "headers": [], "cookies": [], "redirectURL": "",
                          "content": {"size": 0, "mimeType": "text/html"}, "httpVersion": "HTTP/1.1",
                          "headersSize": -1, "bodySize": 0}}
    return [entry] * n


@pytest.mark.parametrize("shape", ["bare", "log", "har"])
def test_har_shapes_without_saml_end_in_one_finding(tmp_path, shape):
    import json

    log = {"version": "1.2", "creator": {"name": "x", "version": "1"}, "entries": _har_entries(50)}
    doc = {"bare": log["entries"], "log": log, "har": {"log": log}}[shape]
    path = tmp_path / "capture.har"
    path.write_text(json.dumps(doc))
    report = batch.run_scan([str(path)], Expectations(), jobs=1)
    assert [(r.kind, r.status) for r in report.inputs] == [("har", "failed")]
    assert [f.code for f in report.input_findings] == ["input-not-saml"]
