"""Readers that a big log reached without a prefilter (read whole, in one process) now stream
through one and are split into ranges: Docker's json-file (any JSON-lines export), a coloured
console capture, Okta's System Log as JSON lines, and a log the embedded reader claims by its head
(Monolog's dumps). Each: the same findings as the whole-file reading on a small generated file, read
in ranges of a monkeypatched SPLIT_BYTES. The logs are benchmarks/bench_readers.py's generators'."""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from samlscan import batch, prefilter
from samlscan.engine import Expectations

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from bench_readers import write  # noqa: E402

READER = {"docker": "keycloak", "monolog": "embedded", "okta-ndjson": "okta", "coloured": "sp-app"}


def _whole(path: str, monkeypatch):
    """The reading without any prefilter: the file whole, as the engine reads a small one."""
    with monkeypatch.context() as m:
        m.setattr(batch, "_log_reader", lambda *a, **k: None)
        assert batch.plan([path])[0].parser_name is None
        return batch.run_scan([path], Expectations(), jobs=1)


def _split(path: str, monkeypatch, name: str):
    monkeypatch.setattr(batch, "SPLIT_BYTES", 128 * 1024)
    monkeypatch.setattr(batch, "BIG_TEXT", 64 * 1024)  # (the embedded reader's logs: above it, streamed)
    units = batch.plan([path])
    assert len(units) > 4 and {u.parser_name for u in units} == {name}
    return batch.run_scan([path], Expectations(), jobs=1)


def _log(tmp_path, kind: str) -> str:
    path = str(tmp_path / f"{kind}.log")
    write(kind, path, 1.5, every=64 * 1024)
    return path


def _no_flow(events):
    return [dataclasses.replace(e, request_id=None) for e in events]


@pytest.mark.parametrize("kind", ["docker", "monolog", "okta-ndjson", "coloured"])
def test_a_big_log_of_each_kind_read_in_ranges_says_what_the_whole_reading_says(tmp_path, monkeypatch, kind):
    path = _log(tmp_path, kind)
    whole = _whole(path, monkeypatch)
    split = _split(path, monkeypatch, READER[kind])
    assert whole.events or whole.messages
    assert split.input_findings == whole.input_findings
    assert [m.message for m in split.messages] == [m.message for m in whole.messages]
    assert [m.findings for m in split.messages] == [m.findings for m in whole.messages]
    # skipped lines are not checked for malformation (prefilter.Prefilter): their count aside
    assert [dataclasses.replace(i, malformed_lines=0) for i in split.inputs] == \
        [dataclasses.replace(i, malformed_lines=0) for i in whole.inputs]
    if kind == "coloured":  # an SP app log's flow IDs start at a thread's first line read (see below)
        assert _no_flow(split.events) == _no_flow(whole.events)
    else:
        assert split.events == whole.events


def test_a_coloured_capture_reads_as_its_bare_twin(tmp_path, monkeypatch):
    """The colours stripped before the prefilter looks: the same records as the same log without
    them (an SP app log's flow IDs aside: '<thread>@<line>' starts at the first line of a thread the
    prefilter keeps, in the range it is in, and the ranges of the two are cut at other lines);
    without the stripping, record starts are unseen."""
    coloured = _log(tmp_path, "coloured")
    bare = tmp_path / "bare.log"
    bare.write_bytes(prefilter.decoloured(Path(coloured).read_bytes()))
    want = [dataclasses.replace(e, source=dataclasses.replace(e.source, input=coloured))
            for e in _no_flow(_split(str(bare), monkeypatch, "sp-app").events)]
    assert want and _no_flow(_split(coloured, monkeypatch, "sp-app").events) == want
    parser, pf = batch._log_reader(coloured, Path(coloured).read_bytes()[:65536])
    blind = dataclasses.replace(pf, coloured=False)
    with open(coloured, "rb") as fh:
        seen = list(parser.parse(prefilter.prefiltered_lines(fh, 0, Path(coloured).stat().st_size, blind, [0]),
                                 coloured, None))
    assert len([r for r in seen if type(r).__name__ == "LogEvent"]) < len(want)


def test_a_wrapped_keep_literal_is_found_as_json_escapes_it(tmp_path):
    """A Keycloak admin event's '"realmId"' and a dump's '<' inside Docker's json-file records
    ('\\"realmId\\"', Go's '\\u003c'): kept by the wrapped prefilter, missed by the bare one."""
    log = tmp_path / "kc.docker.log"
    noise = b'{"log":"2025-03-11 09:00:00,001 INFO  [io.quarkus.http.access-log] (t-1) GET /\\n","stream":"stdout",' \
            b'"time":"2025-03-11T08:00:00.001Z"}\n'
    admin = b'{"log":"{\\"time\\":1741682400000,\\"realmId\\":\\"corp\\",\\"operationType\\":\\"UPDATE\\"}\\n",' \
            b'"stream":"stdout","time":"2025-03-11T08:00:00.002Z"}\n'
    dump = b'{"log":"2025-03-11 09:00:00,003 DEBUG [x.y] (t-2) \\u003c?xml version=\\"1.0\\"?\\u003e\\n",' \
           b'"stream":"stdout","time":"2025-03-11T08:00:00.003Z"}\n'
    data = (fixture := Path(__file__).resolve().parent.parent / "fixtures/logs/keycloak/wrapped/docker-json-file.log"
            ).read_bytes() + noise + admin + noise + dump + noise
    log.write_bytes(data)
    parser, pf = batch._log_reader(str(log), data[:65536])
    assert parser.name == "keycloak" and pf.json_lines and fixture.exists()
    base = len(fixture.read_bytes().splitlines())

    def kept(p):
        with open(log, "rb") as fh:
            return [no - base for no, _ in prefilter.prefiltered_lines(fh, 0, len(data), p, [0]) if no > base]

    assert kept(pf) == [2, 4]
    assert kept(dataclasses.replace(pf, keep=prefilter._prefilter_for(parser.inner).keep)) == []


def test_okta_json_lines_are_prefiltered_its_csv_and_array_are_read_whole(tmp_path):
    lines = _log(tmp_path, "okta-ndjson")
    head = Path(lines).read_bytes()[:65536]
    assert batch._log_reader(lines, head)[1].json_lines
    csv = b"published,eventType,displayMessage,actor.alternateId,outcome.result,client.ipAddress\n" \
          b"2026-06-02T08:05:04.600Z,user.authentication.sso,User single sign on to app,ana@example.com,SUCCESS,198.51.100.10\n"
    array = Path(__file__).resolve().parent / "data/case21/okta-system-log.json"
    for data in (csv, array.read_bytes()):
        found = batch.engine.sniff(data)
        assert found.parser.name == "okta" and prefilter._log_with_prefilter(data, found) is None


def test_a_range_of_malformed_records_alone_says_nothing_of_a_log_others_read(tmp_path, monkeypatch):
    """Fails on the old code: the merged log had an input-log-malformed finding ('no record of it
    could be read') from a range whose only record read was one of Keycloak's broken lines, which
    the whole reading never says of a log with events."""
    path = _log(tmp_path, "docker")
    whole = _whole(path, monkeypatch)
    split = _split(path, monkeypatch, "keycloak")
    assert not [f for f in whole.input_findings if f.code == "input-log-malformed"]
    assert split.input_findings == whole.input_findings and split.inputs[0].status == "scanned"
