"""Grafana Loki exports read by samlscan/logs/lokiexport.py (tests/data/loki34, fixtures/gen_loki34.py):
logcli's raw output newest first, its default output with --no-labels, Grafana Explore's CSV download,
logcli jsonl records of a java-saml dump over the JSON scanner's 4 MiB, and a Grafana .txt of two pods
(said in a note). Each scan gives the attempts and findings of a scan of the plain logs (tests/data/
loki32's web.logs), with --jobs 1 and 2.

On the code before this branch: the raw export of web-0 read its messages out of order, the --no-labels
ones were an app log (wrong causes, a cut XML), the CSV one message, the huge jsonl none (dropped
unsaid), the two-pod .txt no note: the comparisons below fail there."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from samlscan import batch
from samlscan.logs import detect, loki, lokiexport, wrapped

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_loki32 import BOTH, CONFIG, EXPECT, ROOT, _scan, plain, summary  # noqa: E402

DATA = ROOT / "tests" / "data" / "loki34"
EXPORTS = {  # export -> (the loki32 plain logs it holds, the records' kind)
    "logcli-raw-0.log": (("web-0.log",), "raw"),
    "logcli-raw-1.log": (("web-1.log",), "raw"),
    "logcli-nolabels-0.txt": (("web-0.log",), "bare"),
    "logcli-nolabels-1.txt": (("web-1.log",), "bare"),
    "grafana.csv": (BOTH, "grafana-csv"),
}


def _head(path: Path) -> str:
    return path.read_text()[:65536]


def test_the_files_are_the_generators_output():
    sys.path.insert(0, str(ROOT / "fixtures"))
    try:
        import gen_loki34  # noqa: PLC0415
    finally:
        sys.path.remove(str(ROOT / "fixtures"))
    assert gen_loki34.main(["--check"]) == 0


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_an_export_is_read_as_the_plain_logs(name, jobs):
    """Read through its records (lokiexport.Export around SonarQube's reader), it gives the plain logs'
    attempts and findings."""
    parser = detect(_head(DATA / name))
    assert (type(parser), parser.name, parser.records.kind) == (lokiexport.Export, "sonarqube", EXPORTS[name][1])
    assert summary(_scan([DATA / name], jobs)) == plain(EXPORTS[name][0])


def test_a_syslog_file_is_no_logcli_output():
    """rsyslog's RFC 3339 time, a host and a tag on each line: the syslog file's reader's, not --no-labels."""
    head = "".join(f"2026-11-25T08:30:0{s}Z web01 java[2231]: 2026.11.25 08:30:0{s} INFO  web[][o.s.s.p.Platform] x\n"
                   for s in range(5))
    assert loki.is_bare(head) and lokiexport.envelope(head, "bare") is None


def test_the_csv_rows_have_their_pods_host():
    report = batch.run_scan([str(DATA / "grafana.csv")], EXPECT, jobs=1)
    assert {e.host for e in report.events} == {"sonarqube-0", "sonarqube-1"}


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_huge_dump_in_logcli_jsonl_is_read(jobs):
    """Its base64 line's record is 4.9 MB (over the JSON scanner's MAX_ENVELOPE): read, as the plain log."""
    got = summary(_scan([DATA / "huge-logcli.jsonl.gz"], jobs))
    assert got["messages"] and got == summary(_scan([DATA / "huge-web.log.gz"], jobs))


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_huge_dump_in_grafana_json_is_read(jobs):
    """Grafana's .json is one array on one line: an element over MAX_RECORD (1 MiB) was a malformed record
    (wrapped's JSON scanner); an export's element is bounded as a text line is (siem34): read, as the plain log."""
    doc = _scan([DATA / "huge-grafana.json.gz"], jobs)
    assert not doc["inputs"][0].get("malformed_lines") and doc["inputs"][0]["events"] == 2
    assert summary(doc) == summary(_scan([DATA / "huge-web.log.gz"], jobs))


@pytest.mark.parametrize("jobs", [1, 2])
def test_two_pods_in_one_grafana_txt_are_said_not_guessed(jobs):
    doc = _scan([DATA / "grafana-two-pods.txt"], jobs)
    notes = [n for n in doc["summary"]["notes"] if "names no labels per line" in n]
    assert len(notes) == 1 and "grafana-two-pods.txt" in notes[0]
    one = _scan([ROOT / "tests" / "data" / "loki32" / "grafana.txt"], jobs)  # its common labels name the pod
    assert not [n for n in one["summary"].get("notes", []) if "names no labels per line" in n]


# --- the shapes, small -----------------------------------------------------------------------

def test_a_log_in_order_is_its_readers_not_an_export():
    """web-0.log as written (oldest first) is SonarQube's log itself; only its reversal is an export."""
    plain_log = _head(ROOT / "tests" / "data" / "loki32" / "web-0.log")
    assert not isinstance(detect(plain_log), wrapped.Enveloped)
    assert loki.newest_first(plain_log) is False
    assert loki.newest_first(_head(DATA / "logcli-raw-0.log")) is True


def test_one_step_back_is_no_newest_first_log():
    """A clock stepped back once (two lines out of order) leaves a log in order."""
    lines = ["2026-11-25 08:00:0%d INFO a" % s for s in (1, 2, 3, 0, 4, 5)]
    assert loki.newest_first("\n".join(lines)) is False
    assert loki.newest_first("\n".join(reversed(lines))) is True


def test_line_times_of_several_layouts():
    assert loki.line_time("2026.11.25 08:30:07 DEBUG web[x]") == "2026-11-25T08:30:07"
    assert loki.line_time("[2026-11-25 08:30:07,123] INFO x") == "2026-11-25T08:30:07.123"
    assert loki.line_time("\tat org.sonar.Foo(Foo.java:12)") is None
    assert loki.line_time('    "createdDateTime": "2026-02-03T10:11:22Z",') is None  # (at the start only)


def test_a_pretty_json_export_newest_first_is_no_raw_log():
    """Entra's sign-ins (tests/data/case15), newest first, pretty-printed: the JSON reader's, not reversed."""
    head = _head(ROOT / "tests" / "data" / "case15" / "SignIns_2026-02-03.json")
    assert loki.newest_first(head) is False and not isinstance(detect(head), lokiexport.Export)


def test_bare_lines_are_logcli_no_labels_only():
    row = "2026-11-25T08:30:06Z 2026.11.25 08:30:06 INFO  web[][o.s.s.p.Platform] up"
    assert loki.is_bare(f"{row}\n{row}\n")
    assert not loki.is_bare(f'2026-11-25T08:30:06Z {{pod="a"}} x\n{row}\n')  # labelled: logcli default
    assert not loki.is_bare("2026-11-25T08:30:06.123456789Z x\n2026-11-25T08:30:06.2Z y\n")  # (a fraction)
    assert not loki.is_bare(f"{row}\nnot a row\nnot a row\n")


def test_grafana_csv_header():
    assert loki.csv_columns(["labels", "Time", "Line", "tsNs", "id"]) == {
        "labels": 0, "Time": 1, "Line": 2, "tsNs": 3, "id": 4}
    assert loki.csv_columns(["Time", "Line"]) is None  # (a table's columns, no Loki frame)
    assert loki.csv_columns(["labels", "Time", "message"]) is None


def test_grafana_csv_in_excel_header_and_without_tsns(tmp_path):
    """useExcelHeader's 'sep=,' line first; a frame without tsNs dates its rows by Time."""
    text = (DATA / "grafana.csv").read_bytes().decode()
    rows = [line.rsplit(",", 2)[0] for line in text.split("\r\n")]  # (tsNs and id dropped)
    rows[0] = '"labels","Time","Line"'
    (tmp_path / "excel.csv").write_text("sep=,\r\n" + "\r\n".join(rows), newline="")
    assert summary(_scan([tmp_path / "excel.csv"])) == plain(BOTH)


def test_common_host_of_grafanas_meta():
    assert loki.common_host(['Common labels: {"app":"sq","pod":"sq-0"}']) == "sq-0"
    assert loki.common_host(['Common labels: {"app":"sq"}']) is None
    assert loki.common_host(["Common labels: {not json"]) is None
    assert loki.common_host([]) is None


def test_an_export_over_the_ordering_bound_is_said():
    """wrapped._in_order holds MAX_ORDERED characters at most, then reads as listed: said once."""
    line = "2026-11-25 08:30:07 INFO " + "x" * (1024 * 1024)
    got = list(lokiexport.Records("raw").read(((i, line) for i in range(1, 19)), "big.log"))
    said = [g for g in got if not isinstance(g, tuple)]
    assert len(said) == 1 and "not put back in order" in said[0].reason
    assert len(got) == 19


# --- hostile ----------------------------------------------------------------------------------

def _hostile() -> dict[str, str]:
    row = "2026-11-25T08:30:06Z 2026.11.25 08:30:06 INFO  web[][o.s.s.p.Platform] x\n"
    over = json.dumps({"labels": {"pod": "a"}, "line": "y" * (lokiexport.MAX_JSONL + 10),
                       "timestamp": "2026-11-25T08:30:06Z"})
    return {
        "digits.log": ("2026.11.25 08:30:07 INFO  web[][o.s.s.p.Platform] " + "1" * 200_000 + "\n") * 3 +
                      "2026.11.25 08:30:06 INFO  web[][o.s.s.p.Platform] a\n" * 3,
        "bare-long.txt": row * 2 + "2026-11-25T08:30:05Z " + "2026-" * 400_000 + "\n",
        "bare-cut.txt": row * 3 + "2026-11-25T08:3",
        "csv-cut.csv": (DATA / "grafana.csv").read_bytes().decode()[:20_000] + '"unterminated',
        "csv-quotes.csv": '"labels","Time","Line","tsNs"\r\n' + '"{""a"":1}",x,"' + '""' * 300_000 + '",1\r\n',
        "jsonl-over.jsonl": json.dumps({"labels": {"pod": "a"}, "line": "2026.11.25 08:30:06 INFO  web[][o.s.s.p.Platform] "
                                        "a", "timestamp": "2026-11-25T08:30:06Z"}) + "\n" + over + "\n",
        "jsonl-bad.jsonl": json.dumps({"labels": {"pod": "a"}, "line": "2026.11.25 08:30:06 INFO  web[][o.s.s.p.Platform] "
                                       "a", "timestamp": "2026-11-25T08:30:06Z"}) + "\n" + "{" * 100_000 + "\n",
    }


def test_hostile_heads_are_told_in_bounded_time():
    for name, text in _hostile().items():
        start = time.process_time()  # (CPU seconds: wall time is other processes' too, under xdist)
        head = text[:65536]
        for kind in lokiexport.FIRST + lokiexport.REVERSED + lokiexport.LATE:
            lokiexport.envelope(head, kind)
        assert time.process_time() - start < 1, name


@pytest.mark.parametrize("jobs", [1, 2])
def test_hostile_exports_say_one_clear_thing(tmp_path, jobs):
    """All in one scan (in a process of its own: a traceback would show on its stderr), each an input of
    its own in the report, scanned or failed with a reason."""
    files = _hostile()
    paths = [tmp_path / name for name in files]
    for path, text in zip(paths, files.values()):
        path.write_text(text, newline="")
    run = subprocess.run([sys.executable, "-m", "samlscan", "scan", *map(str, paths), "--config", CONFIG, "--format",
                          "json", "--jobs", str(jobs)], capture_output=True, text=True, timeout=300, cwd=ROOT,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert run.returncode in (0, 1) and "Traceback" not in run.stderr, run.stderr[-2000:]
    inputs = json.loads(run.stdout)["inputs"]
    assert sorted(Path(i["path"]).name for i in inputs) == sorted(files)
    assert all(i["status"] in ("scanned", "skipped") or i.get("reason") for i in inputs), inputs


def test_a_jsonl_record_over_the_bound_is_skipped_and_said():
    """As parse_file hands a long line over: in chunks of CHUNK_CHARS sharing its number."""
    from samlscan.logs import CHUNK_CHARS

    lines = [(no, line[at:at + CHUNK_CHARS]) for no, line in enumerate(_hostile()["jsonl-over.jsonl"].split("\n"), 1)
             for at in range(0, max(len(line), 1), CHUNK_CHARS)]
    got = list(lokiexport.Records("json").read(lines, "x"))
    assert [type(g).__name__ for g in got] == ["tuple", "Malformed"]
    assert "longer than" in got[1].reason
