"""A container's line longer than Docker's 16 KiB copier buffer, stored in several records (json-file:
every part but the last without the final '\\n'; journald: CONTAINER_PARTIAL_MESSAGE=true), is joined
before it is judged on every path: the whole file, the prefiltered reading (a keep literal in any part
keeps them all), ranges read by one or two processes (never cut between two parts), with the other
stream's records between the parts; a joined line is bounded (MAX_JOINED, said). The logs are
fixtures/gen_docker27.py's (tests/data/docker27/SOURCES.md): a SonarQube and a Spring Boot DEBUG dump
of a response signed by the test IdP key, verified against fixtures/keys/idp.crt."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from samlscan import batch, dockerparts, prefilter
from samlscan.config import build
from samlscan.logs import wrapped

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "docker27"
sys.path.insert(0, str(ROOT / "fixtures"))
import gen_docker27 as GEN  # noqa: E402

EXPECT = build({}, ROOT / "fixtures" / "config" / "default.toml")


def _whole(path: Path, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(batch, "_log_reader", lambda *a, **k: None)
        return batch.run_scan([str(path)], EXPECT, jobs=1)


def _said(report):
    """What a reading says: each message's findings, the inputs' findings, the events' outcomes."""
    return ([sorted(f.code for f in m.findings) for m in report.messages],
            sorted(f.code for f in report.input_findings), [e.outcome for e in report.events])


def test_the_recorded_logs_are_the_generators():
    assert GEN.main(["--check", str(DATA)]) == 0


def test_the_bare_logs_hold_a_verified_response_longer_than_a_part():
    """The evidence itself: each bare log's response verifies (no finding at all with the IdP's
    certificate: signature and every other check pass) and its dump line is over 16 KiB."""
    for name in ("web.log", "spring.log"):
        report = batch.run_scan([str(DATA / name)], EXPECT, jobs=1)
        assert _said(report) == ([[]], [], ["success"])
        assert max(len(line) for line in (DATA / name).read_bytes().splitlines()) > 2 * GEN.PART


@pytest.mark.parametrize("name", ["web-json.log", "web.journal", "spring-json.log", "spring.journal"])
def test_a_wrapped_dump_says_what_the_bare_log_says(name, monkeypatch):
    """Fails on the old code for web.journal and spring.journal (the journald driver's parts were
    lines of their own: the XML malformed, the form's base64 cut) and for spring-json.log prefiltered
    (its first part holds no keep literal: the line was dropped, no message)."""
    bare = _said(batch.run_scan([str(DATA / name.split("-")[0].split(".")[0]) + ".log"], EXPECT, jobs=1))
    assert _said(_whole(DATA / name, monkeypatch)) == bare
    assert _said(batch.run_scan([str(DATA / name)], EXPECT, jobs=1)) == bare


def test_journalctl_json_parts_are_joined(tmp_path, monkeypatch):
    """`journalctl -o json` of the same entries (every field a string): joined as the export's are
    (fails on the old code: the XML's parts were lines of their own)."""
    from samlscan.logs import journalexport

    for name in ("web", "spring"):
        lines = enumerate((DATA / f"{name}.journal").read_text().split("\n"), 1)
        path = tmp_path / f"{name}.json"
        path.write_text("".join(json.dumps(entry) + "\n" for _, entry in journalexport.entries(lines)))
        bare = _said(batch.run_scan([str(DATA / f"{name}.log")], EXPECT, jobs=1))
        assert _said(batch.run_scan([str(path)], EXPECT, jobs=1)) == bare == _said(_whole(path, monkeypatch))


def test_a_keep_literal_in_a_later_part_keeps_every_part():
    """The prefilter's own output: the request line's three parts and the stderr record between them
    (the old code kept none of them: 'SAMLResponse=' is in the second part)."""
    path = DATA / "spring-json.log"
    data = path.read_bytes()
    parser, pf = batch._log_reader(str(path), data[:65536])
    assert pf.parts and parser.name == "sp-app"
    with open(path, "rb") as fh:
        kept = [no for no, _ in prefilter.prefiltered_lines(fh, 0, len(data), pf, [0])]
    long = [i for i, line in enumerate(data.splitlines(), 1) if len(line) > GEN.PART]
    assert len(long) == 3 and set(range(long[0], long[-1] + 1)) <= set(kept)


def _ranged_log(tmp_path) -> Path:
    path = tmp_path / "app-json.log"
    path.write_text(GEN.json_file(GEN.time_at_part((DATA / "response.xml").read_bytes(), 3000)))
    return path


def test_a_range_never_starts_between_two_parts_of_a_line(tmp_path, monkeypatch):
    """Fails on the old code: the line's second part starts with a time, as a record of the app's log
    does, and a range was cut there."""
    path = _ranged_log(tmp_path)
    data = path.read_bytes()
    monkeypatch.setattr(batch, "SPLIT_BYTES", 96 * 1024)
    cuts = [u.start for u in batch.plan([str(path)])]
    found = dockerparts.groups(data, 0, len(data))
    assert len(found) == 1 and len(cuts) > 8
    start, end, ended = found[0]
    assert ended and data[start:end].count(b"\n") >= 4  # (its parts, one stderr record between)
    assert not [c for c in cuts if start < c < end]
    assert [c for c in cuts if abs(c - start) < 4 * GEN.PART + 1024]  # (a cut was looked for around it)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_log_read_in_ranges_says_what_its_whole_reading_says(tmp_path, monkeypatch, jobs):
    """Fails on the old code: the message was lost in the prefiltered and ranged readings."""
    path = _ranged_log(tmp_path)
    whole = _said(_whole(path, monkeypatch))
    assert whole == ([[]], [], ["success"])
    assert _said(batch.run_scan([str(path)], EXPECT, jobs=jobs)) == whole  # (one range)
    monkeypatch.setattr(batch, "SPLIT_BYTES", 96 * 1024)
    assert len(batch.plan([str(path)])) > 8
    assert _said(batch.run_scan([str(path)], EXPECT, jobs=jobs)) == whole


def test_a_line_cut_at_a_block_edge_is_read_whole_with_the_next_block(tmp_path, monkeypatch):
    """A line whose last part is in the next block of the prefilter's reading is read with that block:
    blocks of every size from 40 KB on say what the whole reading says."""
    path = _ranged_log(tmp_path)
    whole = _said(_whole(path, monkeypatch))
    data = path.read_bytes()
    start = dockerparts.groups(data, 0, len(data))[0][0]
    for block in (start + 100, start + GEN.PART + 50, start + 2 * GEN.PART + 200, 40_000, 300_000):
        monkeypatch.setattr(prefilter, "BLOCK", block)
        prefilter.release_buffers()
        assert _said(batch.run_scan([str(path)], EXPECT, jobs=1)) == whole, block
    prefilter.release_buffers()


def _record(text: str, stream: str = "stdout") -> str:
    return json.dumps({"log": text, "stream": stream, "time": "2025-03-11T08:41:02.1Z"}, separators=(",", ":"))


def test_parts_are_told_by_the_newline_their_log_ends_with():
    long = "a" * (GEN.PART + 10)
    lines = [_record(long + "\\"), _record("x\n", "stderr"), _record("b\\n"), _record("end\n"), _record("c\n")]
    data = ("\n".join(lines) + "\n").encode()
    found = dockerparts.groups(data, 0, len(data))
    # an escaped backslash then 'n' is no line end: the stdout line goes on to 'end'
    assert [(data[s:e].count(b"\n"), ended) for s, e, ended in found] == [(4, True)]
    open_line = ("\n".join(lines[:3]) + "\n").encode()
    assert dockerparts.groups(open_line, 0, len(open_line)) == [(0, len(open_line), False)]
    assert dockerparts.inside(dockerparts.groups(data, 0, len(data)), data.index(b'{"log":"c')) is None
    assert dockerparts.inside(found, data.index(b'{"log":"x')) == 0


def test_a_joined_line_is_bounded_and_said(tmp_path):
    """A line of parts longer than MAX_JOINED: read cut there with a malformed-line note, its further
    parts dropped to its end, the next line read (bounded memory: not joined without end)."""
    from samlscan import logs
    from samlscan.logs.base import Malformed
    from datetime import timezone

    part = "Q" * GEN.PART
    n = wrapped.MAX_JOINED // GEN.PART + 8
    rows = (DATA / "spring-json.log").read_text().splitlines()
    first = len(rows) + 1
    rows += [_record(GEN.spring_line(2, "DEBUG", "c.e.demo.web.RequestLog", "SAMLResponse=") if i == 0 else part)
             for i in range(n)]
    rows += [_record("tail\n")] + (DATA / "spring-json.log").read_text().splitlines()  # (then the log again)
    path = tmp_path / "long-json.log"
    path.write_text("\n".join(rows) + "\n")
    parser = logs.detect(logs.read_head(str(path)))
    assert isinstance(parser, wrapped.Enveloped)
    seen = list(logs.parse_file(str(path), timezone.utc))
    bad = [r for r in seen if isinstance(r, Malformed)]
    assert len(bad) == 1 and str(wrapped.MAX_JOINED) in bad[0].reason
    assert bad[0].source.ref == f"line {first}"
    after = [r for r in seen if type(r).__name__ == "EmbeddedSaml" and int(r.source.ref.split()[1]) > first + n]
    assert len(after) == 1  # (the lines after it: read)
