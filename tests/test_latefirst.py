"""App logs whose first SAML line comes after the readers' sniff (400 lines, 64 KB): an hour of
start-up and request lines before it. Claimed by their layout, read (scan: through the prefilter),
and skipped with a reason when no SAML line turns up; other files are still not claimed."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan import batch, engine
from samlscan.cli import main
from samlscan.config import Expectations

GRAFANA = Path(__file__).resolve().parent / "data" / "applog2" / "grafana.log"
HEAD = engine.SNIFF_BYTES


def _grafana_chatter(n: int) -> str:
    """Grafana's request log lines (logger=context, level=info), as in grafana.log's own."""
    return "".join(
        f"logger=context userId=0 orgId=1 uname=admin t=2024-05-14T08:{i // 60 % 60:02d}:{i % 60:02d}."
        f"{i:09d}Z level=info msg=\"Request Completed\" method=GET path=/api/dashboards/uid/d{i} status=200 "
        f"remote_addr=10.0.0.{i % 250} time_ms=4 duration=4.1ms size={800 + i} referer= handler=/api/\n"
        for i in range(n))


def _spring_chatter(n: int) -> str:
    """Spring Boot 3 start-up and request lines of Tomcat and Hibernate (no SAML logger)."""
    loggers = ("o.apache.catalina.core.StandardService", "o.h.e.t.j.p.i.JtaPlatformInitiator",
               "o.s.b.w.embedded.tomcat.TomcatWebServer", "o.a.c.c.C.[Tomcat].[localhost].[/]")
    return "".join(
        f"2025-03-11T09:{i // 60 % 60:02d}:{i % 60:02d}.{i % 1000:03d}+01:00  INFO 4711 --- [demo] "
        f"[nio-8080-exec-{i % 9 + 1}] {loggers[i % 4]:>40} : Completed initialization in {i % 7} ms\n"
        for i in range(n))


def _flask_chatter(n: int) -> str:
    """Flask's default handler's lines: '[time] LEVEL in module: message'."""
    return "".join(f"[2025-03-11 08:{i // 60 % 60:02d}:{i % 60:02d},{i % 1000:03d}] INFO in app: "
                   f"GET /dashboard/{i} served to 10.1.2.{i % 250} in {i % 50} ms\n" for i in range(n))


SPRING_FAILURE = ("2025-03-11T10:41:05.950+01:00 DEBUG 4711 --- [demo] [nio-8080-exec-4] "
                  "o.s.s.s.p.s.a.OpenSaml4AuthenticationProvider : Found 1 validation errors in SAML response "
                  "[_resp_bob_0002]: [[invalid_signature] Invalid signature for object [_resp_bob_0002]]\n")
FLASK_FAILURE = ("[2025-03-11 09:41:02,117] ERROR in views: SAML errors ['invalid_response'], reason: "
                 "Signature validation failed. SAML Response rejected\n")


def _late(tmp_path: Path, name: str, chatter: str, saml: str) -> Path:
    assert chatter.count("\n") > 400 and len(chatter.encode()) > HEAD  # past both sniff bounds
    path = tmp_path / name
    path.write_text(chatter + saml)
    return path


def _failures(report) -> list[tuple[str, str, str | None]]:
    return [(e.source.ref, e.product, e.code) for e in report.events if e.outcome == "failure"]


CASES = {
    "grafana": (lambda: _grafana_chatter(500), lambda: GRAFANA.read_text(),
                [("line 504", "crewjam", "signature-invalid"), ("line 506", "crewjam", "audience-mismatch"),
                 ("line 507", "crewjam", "unknown-failure")]),
    "spring": (lambda: _spring_chatter(3000), lambda: SPRING_FAILURE, [("line 3001", "spring", "signature-invalid")]),
    "flask": (lambda: _flask_chatter(1000), lambda: FLASK_FAILURE,
              [("line 1001", "python3-saml", "signature-invalid")]),
}


@pytest.mark.parametrize("case", CASES)
def test_check_reads_an_app_log_whose_first_saml_line_is_late(tmp_path, case):
    chatter, saml, want = CASES[case]
    path = _late(tmp_path, f"{case}.log", chatter(), saml())
    report = engine.analyze([str(path)], Expectations())
    assert report.inputs[0].status == "scanned" and report.inputs[0].kind == "log:sp-app"
    got = _failures(report)
    assert [(ref, product) for ref, product, _ in got] == [(ref, product) for ref, product, _ in want]
    assert [c for _, _, c in got] == [c for _, _, c in want]


@pytest.mark.parametrize("jobs", [1, 2])
def test_scan_reads_late_logs_through_the_prefilter_and_skips_the_rest(tmp_path, jobs):
    """A folder: a late Grafana log (read), a big Spring Boot log with no SAML line (skipped with its
    reason, not failed), a README and a CSV with times (not claimed: skipped as before)."""
    _late(tmp_path, "grafana.log", _grafana_chatter(500), GRAFANA.read_text())
    (tmp_path / "app.log").write_text(_spring_chatter(3000))
    (tmp_path / "README.txt").write_text("Notes\n\n2024-05-14 09:10 restarted the server\n" * 20)
    (tmp_path / "data.csv").write_text("".join(f"2024-05-14 09:10:{i % 60:02d},{i},ok\n" for i in range(500)))
    path = str(tmp_path)
    report = batch.run_scan([path], Expectations(), jobs=jobs)
    by_name = {Path(i.path).name: (i.status, i.reason) for i in report.inputs}
    assert by_name == {
        "grafana.log": ("scanned", None),
        "app.log": ("skipped", "an application log without a SAML line"),
        "README.txt": ("skipped", "no SAML message or known log format in it"),
        "data.csv": ("skipped", "no SAML message or known log format in it"),
    }
    assert [(Path(e.source.input).name, e.source.ref) for e in report.events if e.outcome == "failure"] == [
        ("grafana.log", "line 504"), ("grafana.log", "line 506"), ("grafana.log", "line 507")]
    assert not report.all_findings()


def test_a_big_app_log_read_in_ranges_without_a_saml_line_is_skipped(tmp_path, monkeypatch):
    """Split into ranges (each read through the prefilter), every range empty: one skipped input;
    a SAML line in the last range only: the log is scanned and the line found, numbered file-wide."""
    monkeypatch.setattr(batch, "SPLIT_BYTES", 64 * 1024)
    quiet = tmp_path / "quiet" / "app.log"
    quiet.parent.mkdir()
    quiet.write_text(_spring_chatter(6000))
    assert len(batch.plan([str(quiet)])) > 2
    for jobs in (1, 2):
        report = batch.run_scan([str(quiet)], Expectations(), jobs=jobs)
        assert [(i.status, i.reason) for i in report.inputs] == [("skipped", "an application log without a SAML line")]
        assert not report.all_findings()
    late = _late(tmp_path, "late.log", _spring_chatter(6000), SPRING_FAILURE)
    report = batch.run_scan([str(late)], Expectations(), jobs=2)
    assert report.inputs[0].status == "scanned"
    assert _failures(report) == [("line 6001", "spring", "signature-invalid")]


def test_check_of_a_named_app_log_without_saml_says_why(tmp_path):
    path = tmp_path / "app.log"
    path.write_text(_flask_chatter(50))
    r = CliRunner().invoke(main, ["check", str(path), "--format", "json"])
    got = json.loads(r.stdout)
    assert [(i["status"], i["reason"]) for i in got["inputs"]] == [
        ("skipped", "an application log without a SAML line")]


@pytest.mark.parametrize("text", [
    "Notes\n2024-05-14 09:10:00 restarted\n" * 50,  # a time before prose: no layout
    "".join(f"2024-05-14T09:10:{i % 60:02d}Z,{i},ok\n" for i in range(500)),  # a CSV export
    "".join(f"10.0.0.1 - - [14/May/2024:09:10:{i % 60:02d} +0000] \"GET / HTTP/1.1\" 200 5\n" for i in range(500)),
    "".join(f"{{\"id\": {i}, \"name\": \"row {i}\"}}\n" for i in range(500)),  # JSON lines of data
    "2024-05-14 09:10:00,123 INFO [main] org.keycloak.services : KC-SERVICES0001: Loading config\n" * 50,
])
def test_files_not_in_an_app_log_layout_are_not_claimed(text):
    assert engine.sniff(text.encode()).kind != "log"


@pytest.mark.parametrize("head", [
    _flask_chatter(20) + FLASK_FAILURE,  # '[time] LEVEL in module: ...'
    "[2024-05-02 10:11:12 +0000] [7] [INFO] Booting worker with pid: 7\n" * 5 + FLASK_FAILURE,  # gunicorn
])
def test_a_log_whose_lines_start_with_a_bracket_is_prefiltered(head):
    """Its lines start with '[': not a JSON array (which is read in full: its records are not lines),
    so a big Flask or gunicorn log is prefiltered and split like any other (50 MB: 9 s read in full)."""
    from samlscan import prefilter

    got = prefilter._log_with_prefilter(head.encode())
    assert got is not None and got[0].name == "sp-app"
    assert prefilter._json_document(b'[\n  {"id": 1}\n]') and prefilter._json_document(b"[]")


def test_log4j2s_mdc_in_brackets_is_no_json_array():
    """log4j2's '[%X]' prints the MDC as '[{key=value, ...}]' at the start of a line: read as a JSON
    array it went unprefiltered, the whole file read line by line (review 14)."""
    from samlscan.prefilter import _json_document

    assert not _json_document(b"[{user=anna, requestId=7f3a}] 2025-03-11 08:41:02,117 ERROR o.s.s.saml2 refused\n")
    assert _json_document(b'[\n  {\n    "timestamp": "2025-03-11T08:41:02Z"')  # (an export of records stays one)
    assert _json_document(b"[{}, {}]")
