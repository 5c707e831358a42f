"""A big log read in ranges says what the whole reading says where a reader's state spans a cut
(batch._context: a range is read with its neighbours' lines, their records dropped): java-saml's
second dump of one request in the next range (sonarqube._Dumped), an access log's callback decided by
its client's next request in the next range (sqaccess.decide), a Spring thread's flow going on over a
cut (applog._flow). Each log is a slice of a real sample of the suite, cut at a chosen line."""
from __future__ import annotations

from pathlib import Path

import pytest

from samlscan import batch
from samlscan.config import Expectations

ROOT = Path(__file__).resolve().parents[1]


def _slice(src: str, first: int, last: int) -> bytes:
    """Lines first..last (1-based) of a sample."""
    return b"".join((ROOT / src).read_bytes().splitlines(keepends=True)[first - 1:last])


def _read(log: Path):
    r = batch.run_scan([str(log)], Expectations(), jobs=1)
    return (r.inputs, [(m.message.source, m.message.id) for m in r.messages], r.input_findings,
            [(e.source, e.outcome, e.request_id, e.text) for e in r.events])


def _whole_and_cut(tmp_path, monkeypatch, data: bytes, name: str, cut_line: int):
    """The log's reading whole, and in ranges, the second starting at line `cut_line` (its 1-based number)."""
    log = tmp_path / name
    log.write_bytes(data)
    whole = _read(log)
    at = sum(len(x) for x in data.splitlines(keepends=True)[:cut_line - 1])
    monkeypatch.setattr(batch, "SPLIT_BYTES", at - 1)  # (the cut: the first record start after it)
    units = batch.plan([str(log)])
    assert len(units) >= 2 and units[1].start == at, [(u.start, u.end) for u in units]
    return whole, _read(log)


def test_java_saml_second_dump_of_a_request_in_the_next_range_is_the_same_message(tmp_path, monkeypatch):
    data = _slice("tests/data/case13/web.log", 60, 86)  # SamlResponse's XML dump, then Auth's base64 (line 26)
    whole, split = _whole_and_cut(tmp_path, monkeypatch, data, "web.log", 26)
    assert whole[0][0].messages == 1
    assert split == whole


def test_a_callback_at_a_range_end_is_decided_by_its_clients_request_in_the_next(tmp_path, monkeypatch):
    data = _slice("tests/data/sqaccess/access.log", 1, 12)  # line 6: the callback; 7: /sessions/unauthorized
    whole, split = _whole_and_cut(tmp_path, monkeypatch, data, "access.log", 7)
    assert ("failure", "line 6") in [(o, s.ref) for s, o, _rid, _t in whole[3]]
    assert split == whole


def test_a_callback_after_a_cut_waits_behind_one_before_it_as_in_the_whole(tmp_path, monkeypatch):
    """decide() passes WINDOW in its callbacks' order, and an access log's times need not grow (%t is
    when a request came): a callback after the cut waits behind one from before it, so a line 11 s
    later does not make it a success before its client's /sessions/unauthorized."""
    lines = _slice("tests/data/sqaccess/access.log", 1, 12).splitlines(keepends=True)
    data = b"".join([lines[8].replace(b"09:45:15", b"09:41:27"),  # another client's callback, later
                     lines[5],  # 09:41:07: the callback after the cut
                     lines[11].replace(b"09:50:31", b"09:41:18"),  # a third client's login, 11 s on
                     lines[6].replace(b"09:41:07", b"09:41:19")])  # the callback's client: unauthorized
    whole, split = _whole_and_cut(tmp_path, monkeypatch, data, "access.log", 2)
    assert ("failure", "line 2") in [(o, s.ref) for s, o, _rid, _t in whole[3]]
    assert split == whole


def test_a_spring_threads_flow_goes_on_over_a_cut(tmp_path, monkeypatch):
    data = _slice("tests/data/docker27/spring.log", 1, 12)  # line 8: the request's record; 9: its success
    whole, split = _whole_and_cut(tmp_path, monkeypatch, data, "spring.log", 9)
    assert [rid for s, _o, rid, _t in whole[3] if s.ref == "line 9"] == ["[demo] [nio-8080-exec-4]@8"]
    assert split == whole


@pytest.mark.parametrize("crlf", [False, True])
def test_the_context_read_before_a_range_is_bounded_and_starts_a_record(tmp_path, monkeypatch, crlf):
    data = _slice("tests/data/docker27/spring.log", 1, 40)
    data = data.replace(b"\n", b"\r\n") if crlf else data
    log = tmp_path / "spring.log"
    log.write_bytes(data)
    parser, pf = batch._log_reader(str(log), data[:4096])
    starts = [i for i in range(len(data)) if (i == 0 or data[i - 1:i] == b"\n") and batch._starts(pf, data, i)]
    start = starts[-3]
    monkeypatch.setattr(batch, "CONTEXT_BYTES", 2000)
    with open(log, "rb") as fh:
        lo, hi, before = batch._context(fh, pf, parser.range_context, start, starts[-1])
    assert hi == starts[-1] and start - 2000 <= lo < start and lo in starts
    assert before == data.count(b"\n", lo, start)
