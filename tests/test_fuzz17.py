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


def _looks_like_zlib(seed: int) -> bytes:
    """A Spring log after a first line of text that batch.container_kind calls a zlib stream: an
    RFC 1950 header pair ('(S', 'HK', '8O', 'XG', 'hC', 'x^') whose next bytes inflate 64 bytes as
    a fixed-Huffman block (about one text in 50 with such a start, fuzz17)."""
    rng = random.Random(seed)
    for _ in range(100_000):
        first = rng.choice([b"(S", b"HK", b"8O", b"XG", b"hC", b"x^"]) + " ".join(
            rng.choice(_WORDS) for _ in range(30)).encode() + b"\n"
        text = first + _SPRING.encode()
        if batch.container_kind(text) == "zlib":
            return text
    raise AssertionError("no look-alike found")


@pytest.mark.parametrize("seed", range(4))
def test_text_that_starts_like_a_zlib_stream_is_read_as_text(tmp_path, seed):
    """Fails on the old code: the log was 'corrupt compressed data: invalid distance too far back'
    (input-unreadable) and its refusal lost."""
    log = tmp_path / "app.log"
    log.write_bytes(_looks_like_zlib(seed))
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
