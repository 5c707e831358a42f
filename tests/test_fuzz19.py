"""Fuzzing round 19: what the last merges of the day do under hostile and look-alike input: the sniff of
a file's lines after an over-long first line (engine.sniff_file, short_lines), the planning of big logs
(batch._ranges), zlib heads, IIS's W3C logs, clock readings and scoped identifiers. Every input ends with
a finding or a skip, no traceback; growth is compared between two sizes (tests/growth_util.py), never an
absolute time.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from samlscan import batch
from samlscan.config import Expectations

IIS_HEAD = ("#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Date: 2026-11-25 09:00:00\n"
            "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) "
            "cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n")
IIS_LINE = ("2026-11-25 09:14:03 10.0.0.5 GET /sessions/init/saml return_to=%2F 443 - 203.0.113.7 Mozilla/5.0 - "
            "302 0 0 12\n")


def _read(path: Path):
    """(kind, finding codes, events counted) of each result of one input, as the scan reads it."""
    return [(r.input.kind, [f.code for f in r.findings], r.input.events)
            for r in batch._analyze_any(str(path), str(path), Expectations(), None)]


# --- prefilter: UTF-16 logs -------------------------------------------------------------------------

@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("first", [0, 40000, 70000])
def test_a_utf16_log_is_read_whole_with_or_without_its_bom(tmp_path, codec, first):
    """Fails on the old code: a UTF-16 log without a BOM (iconv -t UTF-16LE, .NET's Encoding.Unicode), or
    with one before a first line longer than the sniff's head (its lines after it sniffed, past the BOM),
    was read through the byte prefilter, whose ASCII keys no UTF-16 line holds: 0 of its 1,000 requests."""
    path = tmp_path / "u_ex261125.log"
    path.write_bytes(("x" * first + "\n" * bool(first) + IIS_HEAD + IIS_LINE * 1000).encode(codec))
    got = _read(path)
    assert got == [("log:iis-w3c", [], 1000)], got


# --- batch._ranges: cut points at a window's end ------------------------------------------------------

_SQ_RECORD = b"2026.11.25 09:14:03 INFO  web[][o.s.s.p.Platform] "


def _sq_line(size: int) -> bytes:
    return _SQ_RECORD + b"a" * (size - len(_SQ_RECORD) - 1) + b"\n"


@pytest.fixture
def small_cuts(monkeypatch):
    """The planning's sizes scaled down 64 times (the same arithmetic on files of a few MB)."""
    monkeypatch.setattr(batch, "SPLIT_BYTES", 512 * 1024)
    monkeypatch.setattr(batch, "CUT_WINDOW", 64 * 1024)
    monkeypatch.setattr(batch, "CUT_LOOKAHEAD", 4096, raising=False)


@pytest.mark.parametrize("back", [1, 2, 5, 10, 11, 200])
def test_a_record_starting_at_a_windows_end_is_a_cut_point(tmp_path, small_cuts, back):
    """Fails on the old code (back 1 to 10): a line ending `back` bytes before the first window's end, the
    next record longer than every retry window: its start (11 bytes of SonarQube's time needed) was cut off
    by the window and never tried again, the next window starting past it: the rest of the log one range."""
    from samlscan.prefilter import prefilters

    path = tmp_path / "sonar.log"
    first = _sq_line(batch.SPLIT_BYTES + batch.CUT_WINDOW - back)
    path.write_bytes(first + _sq_line(30 * batch.CUT_WINDOW) + _sq_line(40 * batch.CUT_WINDOW))
    size = path.stat().st_size
    assert batch._ranges(str(path), size, prefilters()["sonarqube"]) == [(0, len(first)), (len(first), size)]


def test_lines_longer_than_every_retry_leave_one_range(tmp_path, small_cuts):
    """Every line longer than the windows tried at a cut point: one range; lines three windows long: cut at
    line starts only (ranges of the old code: 3, its first cut point, at a window's end, missed)."""
    from samlscan.prefilter import prefilters

    path = tmp_path / "sonar.log"
    path.write_bytes(_sq_line(7 * batch.CUT_WINDOW) * 30)
    size = path.stat().st_size
    assert batch._ranges(str(path), size, prefilters()["sonarqube"]) == [(0, size)]
    path.write_bytes(_sq_line(3 * batch.CUT_WINDOW) * 30)
    ranges = batch._ranges(str(path), path.stat().st_size, prefilters()["sonarqube"])
    assert len(ranges) > 2 and all(a % (3 * batch.CUT_WINDOW) == 0 for a, _ in ranges), ranges


# --- batch._zlib_stream / _texty: damaged small streams of real text ----------------------------------

_TEXTS = {"colours": "\x1b[32m2026-11-25 09:14:03 INFO\x1b[0m [main] SAML login of user{} started\n",
          "nbsp": "2026-11-25 09:14:03 INFO [main] SAML\u00a0login of user{} started\n",
          "form-feeds": "2026-11-25 09:14:03 INFO [main] SAML login of user{} started\r\n\f",
          "bom": "\ufeff2026-11-25 09:14:03 INFO [main] SAML login of user{} started\n"}


@pytest.mark.parametrize("name", sorted(_TEXTS))
def test_a_damaged_small_stream_of_a_coloured_or_spaced_log_is_said_damaged(tmp_path, name):
    """Fails on the old code: a zlib stream of a console capture (colour codes), or of a log with NBSPs,
    form feeds or a BOM, damaged before 16 KiB of output, was text to _texty's printable-only rule: read
    as a paste of binary ('no SAML message found'), its damage unsaid."""
    import zlib

    data = bytearray(zlib.compress("".join(_TEXTS[name].format(i) for i in range(200)).encode(), 9))
    data[-20] ^= 0x55
    path = tmp_path / "console.log.zz"
    path.write_bytes(bytes(data))
    assert batch.container_kind(bytes(data)) == "zlib"
    got = _read(path)
    assert len(got) == 1 and "input-unreadable" in got[0][1], got


@pytest.mark.parametrize("seed", range(3))
def test_text_with_colours_and_spaces_that_starts_like_zlib_is_text(seed):
    """(Guard: this held.) 2,000 texts after an RFC 1950 header pair, of words, colour codes, NBSPs and
    form feeds: none is called a zlib stream (60,000 of them tried while fixing the rule above)."""
    import random

    words = ("the saml login error user response INFO WARN 2025-01-01 12:00:00 [main] org.opensaml id=_a1 "
             "( ) { } : ; , . / - 0 1 2 3 ok at com.example \x1b[0m \x1b[31m \u00a0 \f").split(" ")
    rng = random.Random(seed)
    for _ in range(2000):
        text = rng.choice([b"(S", b"HK", b"8O", b"XG", b"hC", b"x^"]) + " ".join(
            rng.choice(words) for _ in range(600)).encode()
        assert batch.container_kind(text) is None, text[:80]


# --- checks/attributes.py: the eduPersonPrincipalName note ----------------------------------------------

@pytest.mark.parametrize("values", [("", "jdoe@example.org"), ("   ", "jdoe@example.org"),
                                    ("jdoe", "jdoe@example.org"), ("jdoe@example.org",)])
def test_the_eppn_note_quotes_the_value_of_an_addresss_shape(values):
    """Fails on the old code: a principal name sent with another value first (an empty one, a bare login)
    was quoted by that first value: "= '' has an address's shape"."""
    from types import SimpleNamespace

    from samlscan.checks.attributes import _eppn_note
    from samlscan.model import Attribute

    eppn = Attribute("urn:oid:1.3.6.1.4.1.5923.1.1.1.6", "eduPersonPrincipalName", None, values)
    note = _eppn_note(SimpleNamespace(attributes=(eppn,)))
    assert "(eduPersonPrincipalName) = 'jdoe@example.org' has an address's shape" in note, note
    assert _eppn_note(SimpleNamespace(attributes=(Attribute(eppn.name, None, None, ("", "jdoe")),))) == ""
