"""Round 20's new log shapes (Monolog one-line and context, Laravel's php-saml log, coloured console
captures, shibd.log refusals, OpenSAML's TRACE dump) inside every container and forwarder wrapper
(fixtures/gen_wrapped21.py -> tests/data/wrapped21/): each gives its bare twin's messages, verdicts,
times and attempts, its SAML at the head or after LATE unrelated lines (past every sniff's reach).

Changed behaviour (the tests marked so fail on the code before it):
- a Monolog log in Docker's json-file, kubectl --prefix, compose, journald JSON or syslog was a paste
  (the fuzz round's blob: a json-file of context lines failed);
- a tty container's coloured console inside a wrapper (colour codes after the prefix or in the
  record) was no log, an XML blob or a log with no events;
- journald's CR at the end of a MESSAGE stayed in the text (an attempt's note ended in '\\r');
- `journalctl -o export` was read as a paste or not at all.
"""
from __future__ import annotations

import functools
import json
import struct
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.engine import WRAPPED_SNIFF_BYTES

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "wrapped21"
CONFIG = str(ROOT / "fixtures" / "config" / "default.toml")
sys.path.insert(0, str(ROOT / "fixtures"))
import gen_wrapped21 as GEN  # noqa: E402

KNOWN: dict = {
    # (inner, wrapper, late): why it still differs (see the branch's report). None now: a Laravel log in
    # journald JSON or export, whose 64 KB head held 28 KB of the inner log, is sniffed further
    # (engine.sniff_file, branch laravelhead22).
}


def _scan(path: Path) -> dict:
    result = CliRunner().invoke(main, ["scan", str(path), "--config", CONFIG, "--format", "json"],
                                catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def _note(text: str) -> str:
    return text.split("]: ", 1)[-1]  # (without '<file> [line n]': the wrapper's lines are others)


def summary(doc: dict) -> dict:
    """What must not change with the wrapper: the reader, each message's time, signatures and
    findings, each attempt (its evidence's line numbers aside)."""
    return {
        "kind": [i["kind"] for i in doc["inputs"]],
        "messages": [(m["captured_at"], [s["verified"] for s in m["signatures"]], sorted(f["code"] for f in m["findings"]))
                     for m in doc["messages"]],
        "attempts": [{k: ([_note(n) for n in v] if k == "notes" else v) for k, v in a.items() if k != "evidence"}
                     for a in doc["attempts"]],
    }


_BARE: dict[tuple[str, int], dict] = {}


def bare(tmp_path_factory, inner: str, late: int) -> dict:
    if (inner, late) not in _BARE:
        path = tmp_path_factory.mktemp("bare") / f"{inner}.log"
        path.write_bytes(GEN.bare_text(inner, late).encode())
        _BARE[inner, late] = summary(_scan(path))
    return _BARE[inner, late]


def test_the_files_are_the_generators_output():
    assert GEN.main(["--check", str(DATA)]) == 0


def test_the_bare_twins_hold_what_the_matrix_compares(tmp_path_factory):
    """Each bare twin the head matrix compares with gives messages or attempts (a matrix of empty
    results proves nothing). (Its own summary, cached for test_head: not the committed bare log's,
    which two tty twins' CR line ends make another file, scanned once more for nothing.)"""
    for inner in GEN.INNER:
        doc = bare(tmp_path_factory, inner, 0)
        assert doc["kind"][0].startswith("log:") and (doc["messages"] or doc["attempts"]), inner


HEAD_CASES = [pytest.param(inner, wrapper, id=f"{inner}-{wrapper}", marks=[pytest.mark.xfail(
    strict=True, reason=KNOWN[inner, wrapper, 0])] if (inner, wrapper, 0) in KNOWN else [])
    for inner in GEN.INNER for wrapper in GEN.WRAPPERS]


@pytest.mark.parametrize("inner, wrapper", HEAD_CASES)
def test_head(tmp_path_factory, inner, wrapper):
    """SAML at the head: the committed file reads as its bare twin."""
    assert summary(_scan(DATA / f"{inner}.{wrapper}.log")) == bare(tmp_path_factory, inner, 0)


LATE = 4_000
"""Filler lines before the first SAML line: enough that, bare, they pass the widest sniff
(WRAPPED_SNIFF_BYTES, 256 KiB; the shortest filler, Laravel's, is 75 bytes: 299 KB), a wrapper only
adding bytes to each. (It was 10,000: 1 to 14 MB a file, 190 MB for the matrix, the same property.)"""


@functools.lru_cache(maxsize=1)
def _late_lines(inner: str) -> list[str]:
    return GEN.inner_lines(inner, LATE)


@pytest.mark.parametrize("inner", list(GEN.INNER))
def test_the_late_filler_passes_the_widest_sniff(inner):
    """The late matrix tests what it says: its SAML is past the bytes any sniff reads."""
    assert len(GEN.bare_text(inner, LATE)) - len(GEN.bare_text(inner)) > WRAPPED_SNIFF_BYTES


@pytest.mark.parametrize("wrapper", list(GEN.WRAPPERS))
@pytest.mark.parametrize("inner", list(GEN.INNER))
def test_late(tmp_path_factory, tmp_path, inner, wrapper):
    """The first SAML line after LATE unrelated lines of the inner layout (each file up to 6 MB:
    written, read and removed)."""
    path = tmp_path / f"{inner}.{wrapper}.late.log"
    data = GEN.WRAPPERS[wrapper](inner, _late_lines(inner))
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    try:
        assert summary(_scan(path)) == bare(tmp_path_factory, inner, LATE)
    finally:
        path.unlink()


# --- what changed, one case each --------------------------------------------------------------

def test_monolog_context_in_docker_json_file_is_a_log_not_a_blob():
    """The fuzz round's case. Fails on the old code: a paste whose messages had no time."""
    doc = _scan(DATA / "monolog-context.docker-json.log")
    assert [i["kind"] for i in doc["inputs"]] == ["log:embedded"]
    assert [m["captured_at"] for m in doc["messages"]] == ["2025-03-11T08:40:58Z"] * 2


@pytest.mark.parametrize("wrapper", ["docker-json", "cri", "kubectl-prefix", "journal-json", "syslog5424"])
def test_a_tty_containers_colours_inside_the_wrapper_are_stripped(wrapper):
    """Fails on the old code: no log, an XML blob, or Spring's refusal unread."""
    path = DATA / f"spring-ansi.{wrapper}.log"
    data = path.read_bytes()
    assert any(esc in data for esc in (b"\x1b[", b"\\u001b[", b"27, 91, "))  # (journald: MESSAGE's bytes)
    doc = _scan(path)
    assert [i["kind"] for i in doc["inputs"]] == ["log:sp-app"]
    assert ("failure", "signature-invalid") in [(a["outcome"], a["root_cause"]) for a in doc["attempts"]]


def test_journald_json_messages_lose_the_ttys_cr():
    """Fails on the old code: the note of the attempt ended in '\\r'."""
    doc = _scan(DATA / "spring-ansi.journal-json.log")
    notes = [n for a in doc["attempts"] for n in a["notes"]]
    assert notes and not any(n.endswith("\r") for n in notes)


def test_journal_export_is_read_as_its_messages():
    """Fails on the old code: a paste (its one-line Monolog messages without times)."""
    doc = _scan(DATA / "monolog-oneline.journal-export.log")
    assert [i["kind"] for i in doc["inputs"]] == ["log:embedded"]
    assert [m["captured_at"] for m in doc["messages"]] == ["2025-03-11T08:40:58Z"] * 3 + ["2025-03-11T08:40:59Z"]


def _export(*messages: bytes) -> list[tuple[int, str]]:
    """An export of one entry a message, binary when it holds a control character, decoded as the
    readers get a file (UTF-8, bad bytes replaced, universal newlines)."""
    out = b""
    for k, msg in enumerate(messages):
        out += f"__CURSOR=s=0;i={k}\n__REALTIME_TIMESTAMP={1741682398204000 + k}\n".encode()
        if any(b < 32 and b != 9 for b in msg):
            out += b"MESSAGE\n" + struct.pack("<Q", len(msg)) + msg + b"\n"
        else:
            out += b"MESSAGE=" + msg + b"\n"
        out += b"_PID=1\n\n"
    text = out.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
    return list(enumerate(text.split("\n")[:-1], 1))


@pytest.mark.parametrize("size", [10, 13, 200, 2573, 33219, 70_000])
def test_a_binary_value_of_any_size_reads_whole(size):
    """Sizes whose bytes are a line feed (10), a CR (13), no UTF-8 (200), CR LF (2573: 0d 0a) or a
    valid UTF-8 pair (33219: c3 81): the value is the message, the entry's next field kept."""
    body = ("x" * (size - 12) + "\r\nline two\r")[:size] if size >= 12 else "a\nb\r"[:size]
    msg = body.encode()[:size].ljust(size, b"y")
    from samlscan.logs import journalexport
    (_, entry), (_, after) = journalexport.entries(_export(msg, b"plain text"))
    want = msg.decode().replace("\r\n", "\n").replace("\r", "\n")
    assert entry["MESSAGE"] == want and entry["_PID"] == "1"
    assert after["MESSAGE"] == "plain text"


def test_a_broken_export_never_raises():
    from samlscan.logs import journalexport

    lines = _export(b"\x1b[32mINFO\x1b[0m one", b"two")
    for cut in range(len(lines)):
        got = list(journalexport.entries(lines[:cut]))
        assert all(isinstance(e, dict) for _, e in got)
