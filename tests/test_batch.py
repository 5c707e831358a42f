"""samlscan scan at scale: hostile directories, archives, bombs, parallel determinism, prefilter."""
from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import os
import subprocess
import sys
import tarfile
import zipfile
from datetime import timezone
from pathlib import Path

import pytest

from samlscan import archives, batch, logs, prefilter
from samlscan.config import Expectations
from samlscan.logs.base import Malformed
from samlscan.progress import QUIET_SECONDS, Progress, render_line

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
VALID = FIXTURES / "responses" / "valid"
WEBLOG = FIXTURES / "logs" / "sonarqube" / "web-javasaml.log"
SAMLSCAN = [sys.executable, "-m", "samlscan"]


def _valid_xml() -> bytes:
    return sorted(VALID.glob("*.xml"))[0].read_bytes()


def _hostile_tree(root: Path) -> int:
    """~300 broken or hostile inputs; returns how many files/links were created."""
    good = _valid_xml()
    n = 0

    def put(rel: str, data: bytes) -> None:
        nonlocal n
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        n += 1

    for i in range(40):
        put(f"empty/e{i:02d}.xml", b"")
        put(f"binary/b{i:02d}.bin", bytes((i * 7 + k * 13) % 256 for k in range(300 + i)))
        put(f"trunc/t{i:02d}.xml", good[: 50 + i * 20])
        put(f"b64/bad{i:02d}.b64", b"PHNhbWxwOlJlc3BvbnNl" + b"!@#" * i + b"====")
        put(f"deep/a/b/c/d{i:02d}/ok.xml", good)
    for i in range(30):
        put(f"weblogs/web{i:02d}.log", WEBLOG.read_bytes())
    put("gz/bomb.log.gz", gzip.compress(b"\0" * (archives.INFLATE_MIN + 1024 * 1024), 9))
    put("gz/web.log.gz", gzip.compress(WEBLOG.read_bytes()))
    put("gz/truncated.gz", gzip.compress(good)[:40])
    put("bz/web.log.bz2", bz2.compress(WEBLOG.read_bytes()))
    put("xz/resp.xml.xz", lzma.compress(good))
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("inner/resp.xml", good)
        zf.writestr("inner/web.log", WEBLOG.read_bytes())
        zf.writestr("junk.bin", b"\x00\x01\x02" * 50)
    put("zip/bundle.zip", zbuf.getvalue())
    put("zip/corrupt.zip", zbuf.getvalue()[:100])
    tbuf = io.BytesIO()
    with tarfile.open(fileobj=tbuf, mode="w:gz") as tf:
        for name, data in (("a/resp.xml", good), ("a/web.log", WEBLOG.read_bytes())):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))
    put("tar/bundle.tar.gz", tbuf.getvalue())
    (root / "loops").mkdir()
    os.symlink("..", root / "loops" / "up")
    os.symlink("self", root / "loops" / "self")
    os.symlink("missing-target", root / "loops" / "dangling")
    n += 3
    put("locked/secret.xml", good)
    os.chmod(root / "locked" / "secret.xml", 0)
    return n


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    count = _hostile_tree(root)
    yield root, count
    os.chmod(root / "locked" / "secret.xml", 0o600)


def _scan(args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(SAMLSCAN + ["scan", *map(str, args)], capture_output=True, text=True,
                          timeout=120, **kw)


def test_hostile_tree_scans_to_completion_with_every_file_accounted(hostile):
    root, count = hostile
    p1 = _scan([root, "--format", "json", "--fail-on", "never", "--jobs", "1"])
    assert p1.returncode == 0, p1.stderr
    assert "Traceback" not in p1.stderr
    doc = json.loads(p1.stdout)
    paths = {i["path"] for i in doc["inputs"]}
    on_disk = {str(p) for p in root.rglob("*") if p.is_file() or p.is_symlink()}
    assert on_disk - paths == set()
    assert len(paths) >= count
    by = {i["path"]: i for i in doc["inputs"]}
    assert by[str(root / "empty" / "e00.xml")]["status"] == "skipped"
    assert by[str(root / "trunc" / "t00.xml")]["status"] == "failed"
    assert by[str(root / "gz" / "bomb.log.gz")]["status"] == "failed"
    assert "bomb" in by[str(root / "gz" / "bomb.log.gz")]["reason"]
    assert by[str(root / "gz" / "web.log.gz")]["status"] == "scanned"
    assert by[str(root / "gz" / "web.log.gz")]["events"] > 0
    assert by[str(root / "bz" / "web.log.bz2")]["events"] > 0
    assert by[str(root / "xz" / "resp.xml.xz")]["messages"] == 1
    assert by[str(root / "zip" / "bundle.zip") + "!inner/resp.xml"]["messages"] == 1
    assert by[str(root / "zip" / "bundle.zip") + "!inner/web.log"]["events"] > 0
    assert by[str(root / "zip" / "bundle.zip") + "!junk.bin"]["status"] == "skipped"  # not SAML evidence: skipped with a reason
    assert by[str(root / "zip" / "corrupt.zip")]["status"] == "failed"
    assert by[str(root / "tar" / "bundle.tar.gz") + "!a/resp.xml"]["messages"] == 1
    assert by[str(root / "loops" / "self")]["status"] == "failed"
    assert by[str(root / "loops" / "dangling")]["status"] == "skipped"
    assert by[str(root / "loops" / "up")]["status"] == "skipped"
    locked = by[str(root / "locked" / "secret.xml")]
    # root reads a chmod 000 file anyway: then it is simply scanned
    assert locked["status"] == ("scanned" if os.access(root / "locked" / "secret.xml", os.R_OK)
                                else "failed")
    # the stderr summary reconciles with the inputs
    s = doc["summary"]
    assert s["inputs"] == s["scanned"] + s["skipped"] + s["failed"] == len(doc["inputs"])
    assert f"{s['inputs']} input(s)" in p1.stderr
    # a failed input always has its input-* finding (jsonl)
    p3 = _scan([root / "zip", "--format", "jsonl", "--fail-on", "never"])
    codes = {json.loads(line)["input"]: json.loads(line)["code"] for line in p3.stdout.splitlines()}
    assert codes[str(root / "zip" / "corrupt.zip")].startswith("input-")

    p2 = _scan([root, "--format", "json", "--fail-on", "never", "--jobs", "2"])
    assert p2.stdout == p1.stdout


def test_paths_with_findings_in_archive_carry_member_label(hostile):
    root, _ = hostile
    report = batch.run_scan([str(root / "zip")], Expectations(), jobs=1)
    member = str(root / "zip" / "bundle.zip") + "!inner/web.log"
    assert any(e.source.input == member for e in report.events)
    assert not any("samlscan-" in e.source.input for e in report.events)


def test_include_exclude(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.xml").write_bytes(_valid_xml())
    (tmp_path / "a" / "y.log").write_bytes(WEBLOG.read_bytes())
    only_xml = batch.run_scan([str(tmp_path)], Expectations(), include=("*.xml",), jobs=1)
    st = {Path(i.path).name: i.status for i in only_xml.inputs}
    assert st == {"x.xml": "scanned", "y.log": "skipped"}
    no_xml = batch.run_scan([str(tmp_path)], Expectations(), exclude=("a/*.xml",), jobs=1)
    st = {Path(i.path).name: (i.status, i.reason) for i in no_xml.inputs}
    assert st["x.xml"] == ("skipped", "matched by --exclude")
    assert st["y.log"][0] == "scanned"


def test_bomb_in_zip_member_is_too_large_and_scan_goes_on(tmp_path):
    z = tmp_path / "b.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros.txt", b"\0" * (archives.INFLATE_MIN + 2 * 1024 * 1024))
        zf.writestr("ok.xml", _valid_xml())
    report = batch.run_scan([str(z)], Expectations(), jobs=1)
    by = {i.path: i for i in report.inputs}
    assert by[f"{z}!zeros.txt"].status == "failed"
    assert any(f.code == "input-too-large" for f in report.input_findings)
    assert by[f"{z}!ok.xml"].messages == 1


def _records(path: Path, pf_lines=None):
    return [r for r in logs.parse_file(str(path), timezone.utc) if not isinstance(r, Malformed)]


def test_prefilter_keeps_every_record_the_parser_yields(tmp_path):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from gen_weblog import write

    log = tmp_path / "web.log"
    write(str(log), 2, seed=3)
    full = _records(log)
    with open(log, "rb") as fh:
        counter = [0]
        pre = [r for r in logs.sonarqube.PARSER.parse(
            prefilter.prefiltered_lines(fh, 0, log.stat().st_size, prefilter._SONAR, counter),
            str(log), timezone.utc) if not isinstance(r, Malformed)]
    assert pre == full and len(full) > 50
    assert counter[0] == log.read_bytes().count(b"\n")
    # failing case: a prefilter without the SAML keywords loses events
    blind = prefilter.Prefilter(prefilter._SONAR.record_start, (b"WARN ",))
    with open(log, "rb") as fh:
        fewer = list(logs.sonarqube.PARSER.parse(prefilter.prefiltered_lines(
            fh, 0, log.stat().st_size, blind, [0]), str(log), timezone.utc))
    assert len([r for r in fewer if not isinstance(r, Malformed)]) < len(full)


def test_a_log_that_starts_with_a_bom_keeps_its_first_record(tmp_path):
    """A log written on Windows starts with a UTF-8 BOM: the prefilter blanked it to three spaces,
    so the first line no longer began a record and its failure was lost (the parser alone kept it)."""
    line = ("2024-12-23T10:1{m}:00.000Z ERROR 1 --- [main] o.s.s.s.p.s.OpenSaml4AuthenticationProvider : "
            "Invalid signature for object [id12{m}]\n")
    log = tmp_path / "app.log"
    log.write_bytes(b"\xef\xbb\xbf" + (line.format(m=4) + line.format(m=5)).encode())
    report = batch.run_scan([str(log)], Expectations(), jobs=1)
    assert [e.source.ref for e in report.events] == ["line 1", "line 2"]


def test_split_ranges_give_the_same_report(tmp_path, monkeypatch):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from gen_weblog import write

    log = tmp_path / "web.log"
    write(str(log), 3, seed=5)
    whole = batch.run_scan([str(log)], Expectations(), jobs=1)
    monkeypatch.setattr(batch, "SPLIT_BYTES", 256 * 1024)
    units = batch.plan([str(log)])
    assert len(units) > 5 and all(u.parser_name == "sonarqube" for u in units)
    split = batch.run_scan([str(log)], Expectations(), jobs=1)
    assert split == whole
    assert split.events and split.events[-1].source.ref == whole.events[-1].source.ref
    # two split logs in one parallel scan: ranges counted by every process, numbered per log
    other = tmp_path / "copy" / "web.log"
    other.parent.mkdir()
    other.write_bytes(log.read_bytes())
    both = batch.run_scan([str(log), str(other)], Expectations(), jobs=2)
    assert [r for r in both.events if r.source.input == str(log)] == list(whole.events)
    copied = [r for r in both.events if r.source.input == str(other)]
    assert [e.source.ref for e in copied] == [e.source.ref for e in whole.events]


def test_progress_draws_only_when_enabled():
    buf = io.StringIO()
    Progress(3, 300, enabled=False, stream=buf).advance(1, 100)
    assert buf.getvalue() == ""
    quick = Progress(3, 300, enabled=True, stream=buf)
    quick.advance(3, 300)  # done within QUIET_SECONDS: no bar at all
    quick.close()
    assert buf.getvalue() == ""
    p = Progress(3, 300, enabled=True, stream=buf)
    p.start -= QUIET_SECONDS
    p.advance(3, 300)
    p.close()
    assert "3/3 files" in buf.getvalue() and "\r" in buf.getvalue()
    line = render_line(1, 4, 50, 100, 2.0)
    assert "1/4 files" in line and "ETA 0:02" in line and line.count("#") == 12


def _parsed(lines_iter, path):
    return [r for r in logs.sonarqube.PARSER.parse(lines_iter, path, timezone.utc)
            if not isinstance(r, Malformed)]


@pytest.mark.parametrize("block", [prefilter.BLOCK, 4096])
def test_prefiltered_equals_unfiltered_on_every_kind_of_line(tmp_path, monkeypatch, block):
    """The prefilter only saves work: every record the parser yields from the whole file comes
    out the same from the prefiltered lines, also when records straddle small blocks."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from gen_weblog import write_every_kind

    log = tmp_path / "web.log"
    write_every_kind(str(log), 1.5, seed=11, odd=0.2)
    monkeypatch.setattr(prefilter, "BLOCK", block)
    full = _records(log)
    size = log.stat().st_size
    with open(log, "rb") as fh:
        counter = [0]
        pre = _parsed(prefilter.prefiltered_lines(fh, 0, size, prefilter._SONAR, counter), str(log))
    assert pre == full
    assert counter[0] == log.read_bytes().count(b"\n")
    kinds = {type(r).__name__ for r in full}
    assert {"LogEvent", "EmbeddedSaml"} <= kinds and len(full) > 200
    # line numbers given from a range's start: same records as the whole-file reading
    monkeypatch.setattr(batch, "SPLIT_BYTES", 128 * 1024)
    cut = batch._ranges(str(log), size, prefilter._SONAR)
    assert len(cut) > 3
    joined = []
    with open(log, "rb") as fh:
        for a, b in cut:
            first = batch._count_lines(str(log), 0, a)
            joined += _parsed(prefilter.prefiltered_lines(fh, a, b, prefilter._SONAR, [0], first), str(log))
    assert joined == full
    # failing case: without the base64 literals, dumps in unrelated loggers are lost
    blind = prefilter.Prefilter(prefilter._SONAR.record_start,
                            tuple(k for k in prefilter._SONAR.keep if not k.startswith(b"P")))
    with open(log, "rb") as fh:
        fewer = _parsed(prefilter.prefiltered_lines(fh, 0, size, blind, [0]), str(log))
    assert len(fewer) < len(full)


def test_keep_xml_false_drops_message_bytes_only(tmp_path):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from gen_weblog import write_every_kind

    log = tmp_path / "web.log"
    write_every_kind(str(log), 0.3, seed=2, odd=0.2)
    with_xml = batch.run_scan([str(log)], Expectations(), jobs=1)
    without = batch.run_scan([str(log)], Expectations(), jobs=1, keep_xml=False)
    assert with_xml.messages and any(r.message.xml for r in with_xml.messages)
    assert not any(r.message.xml for r in without.messages)
    assert without == with_xml  # xml is compare=False: everything else is identical


def test_log_events_and_sources_survive_the_trip_from_a_worker():
    """LogEvent and Source pickle as constructor arguments (fast): every field must come back."""
    import pickle
    from dataclasses import fields
    from datetime import datetime, timezone

    from samlscan.model import LogEvent, Source

    values = {f.name: f"v-{f.name}" for f in fields(LogEvent)}
    values.update(source=Source("web.log", "line 7"), time=datetime(2025, 3, 11, tzinfo=timezone.utc),
                  saml_ids=("id1", "id2"), local_time=True)
    event = LogEvent(**values)
    back = pickle.loads(pickle.dumps(event, pickle.HIGHEST_PROTOCOL))
    assert back == event and type(back) is LogEvent
    assert {f.name: getattr(back, f.name) for f in fields(LogEvent)} == values


@pytest.mark.parametrize("files,quota", [
    ({"cpu.max": "200000 100000\n"}, 2.0),
    ({"cpu.max": "150000 100000\n"}, 1.5),
    ({"cpu.max": "max 100000\n"}, None),
    ({"cpu/cpu.cfs_quota_us": "300000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 3.0),
    ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
    ({}, None),
])
def test_the_cgroup_cpu_quota_is_read_from_v2_or_v1_files(tmp_path, files, quota):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert batch.cgroup_cpu_quota(str(tmp_path)) == quota


def test_default_jobs_is_capped_by_the_cgroup_quota(monkeypatch):
    monkeypatch.setattr(batch, "cgroup_cpu_quota", lambda: 1.5)
    assert batch._default_jobs() == min(2, len(os.sched_getaffinity(0)))
    monkeypatch.setattr(batch, "cgroup_cpu_quota", lambda: None)
    assert batch._default_jobs() == len(os.sched_getaffinity(0))


def test_configuration_files_met_in_the_walk_are_skipped_as_settings(tmp_path):
    from samlscan.config import build

    (tmp_path / "response.xml").write_bytes((VALID / "okta.xml").read_bytes())
    (tmp_path / "samlscan.toml").write_text('sp_entity_id = "sonarqube"\n')
    expect = build({}, tmp_path / "samlscan.toml")
    report = batch.run_scan([str(tmp_path)], expect, jobs=1)
    status = {Path(i.path).name: (i.status, i.reason) for i in report.inputs}
    assert status["samlscan.toml"][0] == "skipped" and "read as settings" in status["samlscan.toml"][1]
    assert status["response.xml"][0] == "scanned"
    # without that configuration the same file is only a file with nothing SAML in it
    plain = {Path(i.path).name: i.reason for i in batch.run_scan([str(tmp_path)], Expectations(), jobs=1).inputs}
    assert "read as settings" not in (plain["samlscan.toml"] or "")


def test_stage_line_shown_then_erased_only_when_enabled():
    from samlscan.progress import stage

    buf = io.StringIO()
    with stage("correlating 3 log event(s)...", enabled=False, stream=buf):
        pass
    assert buf.getvalue() == ""
    with stage("correlating 3 log event(s)...", enabled=True, stream=buf):
        assert buf.getvalue().endswith("correlating 3 log event(s)...\x1b[K")
    assert buf.getvalue().endswith("\r\x1b[K")


def test_members_of_one_zip_share_one_inflation_budget(tmp_path, monkeypatch):
    """Each member under its own bound, 40 of them passed one by one (2.4 MB in, 2.4 GB out):
    the members of one archive share ARCHIVE_MIN (or the ratio) in all (review finding)."""
    monkeypatch.setattr(archives, "INFLATE_MIN", 1024 * 1024)
    monkeypatch.setattr(archives, "ARCHIVE_MIN", 4 * 1024 * 1024)
    z = tmp_path / "many.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(8):
            zf.writestr(f"zeros{i}.txt", b"\0" * (900 * 1024))
    report = batch.run_scan([str(z)], Expectations(), jobs=1)
    refused = [i for i in report.inputs if i.reason and "in all" in i.reason]
    assert 3 <= len(refused) <= 4 and all(i.status == "failed" for i in refused)
    assert len([i for i in report.inputs if "!" in i.path]) == 8  # every member accounted for


def test_a_docker_timestamped_log_is_prefiltered_and_split_like_the_bare_one(tmp_path, monkeypatch):
    """`docker logs -t` / `kubectl logs --timestamps` put a time before every line: the inner
    format's prefilter still applies (the keep words are in each line), the log is read in
    ranges, and the report is the bare log's (it was read whole, in one process, 5x slower)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from gen_weblog import write

    from samlscan.prefilter import _log_with_prefilter

    bare = tmp_path / "bare" / "web.log"
    bare.parent.mkdir()
    write(str(bare), 3, seed=7)
    prefixed = tmp_path / "docker" / "web.log"
    prefixed.parent.mkdir()
    with bare.open("rb") as src, prefixed.open("wb") as dst:
        for n, line in enumerate(src):
            dst.write(b"2025-03-11T08:%02d:%02d.%09dZ " % (n // 60 % 60, n % 60, n) + line)
    parser, pf = _log_with_prefilter(prefixed.read_bytes()[:65536])
    assert parser.name == "sonarqube" and pf is not None
    monkeypatch.setattr(batch, "SPLIT_BYTES", 256 * 1024)
    units = batch.plan([str(prefixed)])
    assert len(units) > 5 and all(u.parser_name == "sonarqube" for u in units)

    def summary(report):
        return ([(e.source.ref, e.time, e.outcome, e.code, e.user, e.request_id) for e in report.events],
                [(m.message.source.ref, m.message.id) for m in report.messages])

    want = summary(batch.run_scan([str(bare)], Expectations(), jobs=1))
    assert want[0] and summary(batch.run_scan([str(prefixed)], Expectations(), jobs=1)) == want
    assert summary(batch.run_scan([str(prefixed)], Expectations(), jobs=2)) == want


def test_a_bug_on_one_input_does_not_end_the_scan_of_the_others(tmp_path, monkeypatch):
    """Every input is accounted for: one that samlscan itself fails on is a failed input with an
    internal-error finding, and the others are read (an exception ended the whole scan)."""
    from samlscan import engine

    for name in ("a.xml", "b.xml"):
        (tmp_path / name).write_bytes((FIXTURES / "responses" / "valid" / "okta.xml").read_bytes())
    real = engine.analyze_file

    def buggy(path, *args, **kwargs):
        if path.endswith("a.xml"):
            raise TypeError("a bug")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(engine, "analyze_file", buggy)
    report = batch.run_scan([str(tmp_path)], Expectations(), jobs=1)
    assert [(i.path.rsplit("/", 1)[-1], i.status) for i in report.inputs] == [("a.xml", "failed"), ("b.xml", "scanned")]
    (f,) = report.input_findings
    assert f.code == "internal-error" and "TypeError: a bug" in f.message_text


def test_a_bug_in_one_range_or_one_archive_member_leaves_the_rest_reported(tmp_path, monkeypatch):
    """The guard covered whole files only: a bug in one range of a split log, or in one member of
    an archive, still ended the scan or dropped the archive's other members; and a crashed input
    let the scan pass --fail-on error."""
    import zipfile

    from click.testing import CliRunner

    from samlscan import engine
    from samlscan.cli import main

    okta = (FIXTURES / "responses" / "valid" / "okta.xml").read_bytes()
    (tmp_path / "b.xml").write_bytes(okta)
    with zipfile.ZipFile(tmp_path / "case.zip", "w") as z:
        for name in ("bad.xml", "good.xml", "zgood.xml"):
            z.writestr(name, okta)
    real = engine.analyze_file

    def buggy(path, *args, **kwargs):
        if open(path, "rb").read() == okta and buggy.calls == 0:  # the archive's first member
            buggy.calls += 1
            raise IndexError("a bug")
        return real(path, *args, **kwargs)

    buggy.calls = 0
    monkeypatch.setattr(engine, "analyze_file", buggy)
    report = batch.run_scan([str(tmp_path / "case.zip")], Expectations(), jobs=1)
    got = {i.path.rsplit("!", 1)[-1]: i.status for i in report.inputs if "!" in i.path}
    assert got == {"bad.xml": "failed", "good.xml": "scanned", "zgood.xml": "scanned"}
    buggy.calls = 0
    res = CliRunner().invoke(main, ["scan", str(tmp_path / "case.zip"), "--format", "json"])
    assert res.exit_code == 1  # an input samlscan could not read fails --fail-on error

    log = tmp_path / "web.log"  # a split log whose second range hits a bug
    log.write_text("".join(f"2025.03.11 09:41:{i % 60:02d} INFO  web[AZ{i:06d}][o.s.s.a.SamlAuthenticator] "
                           f"login {'x' * 40}\n" for i in range(400)))
    monkeypatch.setattr(batch, "SPLIT_BYTES", 8192)
    real_log = batch._analyze_log

    def buggy_range(label, path, parser, pf, start, end, *args):
        if start > 0 and start < 20000:
            raise TypeError("a range bug")
        return real_log(label, path, parser, pf, start, end, *args)

    monkeypatch.setattr(batch, "_analyze_log", buggy_range)
    report = batch.run_scan([str(log), str(tmp_path / "b.xml")], Expectations(), jobs=1)
    assert [i.status for i in report.inputs] == ["scanned", "scanned"]
    assert any(f.code == "internal-error" and "TypeError: a range bug" in f.message_text for f in report.input_findings)


def test_read_head_reads_a_pipe_that_hands_over_pieces(tmp_path):
    """A FIFO (process substitution, `samlscan check <(pbpaste)`) hands over what its writer
    wrote so far: the head is read until SNIFF_BYTES or the end, as a buffered read does."""
    import threading
    import time as _time

    from samlscan import engine

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    data = b"<samlp:Response/>" * 5000  # more than SNIFF_BYTES, written in pieces

    def write():
        try:
            with open(fifo, "wb", buffering=0) as fh:
                for i in range(0, len(data), 1000):
                    fh.write(data[i:i + 1000])
                    _time.sleep(0.0005)
        except BrokenPipeError:  # the reader stops at SNIFF_BYTES
            pass

    t = threading.Thread(target=write)
    t.start()
    try:
        head = engine.read_head(str(fifo))
    finally:
        t.join(10)
    assert head == data[:engine.SNIFF_BYTES]
    small = tmp_path / "small.xml"
    small.write_bytes(b"<x/>")
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert engine.read_head(str(small)) == b"<x/>" and engine.read_head(str(empty)) == b""
