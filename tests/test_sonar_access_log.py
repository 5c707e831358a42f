"""SonarQube's access.log (and a proxy's combined log) as evidence: samlscan/logs/sqaccess.py.

The files are fixtures/gen_sqaccess.py's (tests/data/sqaccess): access.log and web.log of the same
requests, the same request IDs, and nginx's combined log of them.
"""
from __future__ import annotations

import json
import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.logs import detect, parse_file, sqaccess
from samlscan.logs.base import EmbeddedSaml
from samlscan.model import LogEvent

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "sqaccess"
sys.path.insert(0, str(ROOT / "fixtures"))
from gen_sqaccess import access_line, main as generate  # noqa: E402  (the generator's layout)


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def _events(path: Path) -> list[LogEvent]:
    return sorted((r for r in parse_file(str(path), timezone.utc) if isinstance(r, LogEvent)),
                  key=lambda e: int(e.source.ref.split()[1]))


def _scan(*args: str) -> dict:
    result = CliRunner().invoke(main, ["scan", "--format", "json", *args], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def _line(text: str, host: str = "203.0.113.77", when: str = "11/Mar/2025:09:41:07 +0100", rid: str | None = "AZWa7nq1Xk3pQm0AAAB6",
          status: int = 302, agent: str = "Firefox") -> str:
    stamp = datetime.strptime(when, "%d/%b/%Y:%H:%M:%S %z")
    return access_line(host, stamp, text, status, 0, "", agent, rid)


def _parse(*lines: str) -> list:
    numbered = [(k, line.rstrip("\n")) for k, line in enumerate(lines, 1)]
    return list(sqaccess.PARSER.parse(numbered, "access.log", timezone.utc))


def test_generated_files_are_current():
    assert generate(["--check", str(DATA)]) == 0


def test_detected_as_sonarqube_access_log_and_not_as_web_log():
    assert detect((DATA / "access.log").read_text()).name == "sonarqube-access"
    assert detect((DATA / "proxy-access.log").read_text()).name == "sonarqube-access"
    assert detect((DATA / "web.log").read_text()).name == "sonarqube"


def test_callbacks_starts_and_outcomes_of_sonarqube_layout():
    got = [(int(e.source.ref.split()[1]), e.time, e.outcome, e.ip, e.request_id) for e in _events(DATA / "access.log")]
    assert got == [
        (3, _utc(2025, 3, 11, 8, 41, 2), "info", "203.0.113.77", "AZWa7nq1Xk3pQm0AAAB3"),  # login start
        (6, _utc(2025, 3, 11, 8, 41, 7), "failure", "203.0.113.77", "AZWa7nq1Xk3pQm0AAAB6"),
        (8, _utc(2025, 3, 11, 8, 45, 10), "info", "198.51.100.23", "AZWa7nq1Xk3pQm0AAAB8"),
        (9, _utc(2025, 3, 11, 8, 45, 15), "success", "198.51.100.23", "AZWa7nq1Xk3pQm0AAAB9"),
        (12, _utc(2025, 3, 11, 8, 50, 31), "info", "192.0.2.10", "AZWa7nq1Xk3pQm0AAACC"),  # X-Forwarded-For first
        (13, _utc(2025, 3, 11, 8, 50, 36), "failure", "192.0.2.10", "AZWa7nq1Xk3pQm0AAACD"),
    ]
    events = _events(DATA / "access.log")
    assert all(e.product == "sonarqube" and e.side == "sp" for e in events)
    assert "return_to /dashboard?id=core" in events[2].text and "198.51.100.23" in events[3].text


def test_proxy_combined_layout_has_time_and_client_only():
    got = [(e.time, e.outcome, e.ip, e.request_id) for e in _events(DATA / "proxy-access.log")]
    assert got == [
        (_utc(2025, 3, 11, 8, 41, 2), "info", "203.0.113.77", None),
        (_utc(2025, 3, 11, 8, 41, 7), "failure", "203.0.113.77", None),
        (_utc(2025, 3, 11, 8, 45, 10), "info", "198.51.100.23", None),
        (_utc(2025, 3, 11, 8, 45, 15), "success", "198.51.100.23", None),
        (_utc(2025, 3, 11, 8, 50, 31), "info", "192.0.2.10", None),
        (_utc(2025, 3, 11, 8, 50, 36), "failure", "192.0.2.10", None),
    ]


def test_unrelated_lines_are_no_events():
    assert _parse(_line("GET /admin/settings?category=saml"), _line("GET /api/settings/values?keys=sonar.auth.saml.enabled"),
                  _line("GET /sessions/new?return_to=%2F"), _line("POST /oauth2/callback/github")) == []


def test_outcome_rules():
    callback = _line("POST /oauth2/callback/saml")
    later = _line("GET /sessions/init/saml", host="10.9.9.9", when="11/Mar/2025:09:41:30 +0100", rid="AZWa7nq1Xk3pQm0AAAZZ")
    # the log ends before the client's next request: unknown
    assert [e.outcome for e in _parse(callback) if "callback" in e.text] == ["info"]
    # a later line past the window, nothing from the client: success
    assert [e.outcome for e in _parse(callback, later) if "callback" in e.text] == ["success"]
    # /sessions/unauthorized from another client (other address, or other browser on the same address): not its failure
    other = _line("GET /sessions/unauthorized", host="10.9.9.9", rid="AZWa7nq1Xk3pQm0AAAB7")
    other_ua = _line("GET /sessions/unauthorized", agent="Chrome", rid="AZWa7nq1Xk3pQm0AAAB7")
    assert [e.outcome for e in _parse(callback, other, other_ua, later) if "callback" in e.text] == ["success"]
    # ... from the same client but after the window: not its failure either
    late = _line("GET /sessions/unauthorized", when="11/Mar/2025:09:41:30 +0100", rid="AZWa7nq1Xk3pQm0AAAB7")
    assert [e.outcome for e in _parse(callback, late) if "callback" in e.text] == ["success"]
    # an HTTP error answering the callback itself
    assert [e.outcome for e in _parse(_line("POST /oauth2/callback/saml", status=500))] == ["failure"]
    # under a context path (sonar.web.context)
    # the admin's Test Configuration: a start, then a callback that renders the validation page (200)
    test = _parse(_line("GET /api/saml/validation_init", rid="AZWa7nq1Xk3pQm0AAAT1"), _line("POST /oauth2/callback/saml", status=200))
    assert [(e.outcome, "Test Configuration" in e.text or "validation page" in e.text) for e in test] == [
        ("info", True), ("info", True)]
    ctx = _parse(_line("POST /sonarqube/oauth2/callback/saml"), _line("GET /sonarqube/sessions/unauthorized"))
    assert [e.outcome for e in ctx] == ["failure"]


def test_request_id_field_is_never_an_address():
    """A proxy layout with "$http_x_forwarded_for" after the User-Agent: no request ID."""
    line = _line("POST /oauth2/callback/saml", rid="198.51.100.7, 10.0.0.1")
    assert [e.request_id for e in _parse(line)] == [None]


def test_time_of_line_offset_and_bad_times():
    assert sqaccess.parse_time("11/Mar/2025:09:41:07 -0530") == _utc(2025, 3, 11, 15, 11, 7)
    assert sqaccess.parse_time("31/Apr/2025:09:41:07 +0000") is None
    assert sqaccess.parse_time("11/Mrz/2025:09:41:07 +0000") is None
    assert sqaccess.parse_time("11/Mar/2025:09:41:07 +2500") is None
    good = _line("POST /oauth2/callback/saml", status=500)
    assert len(_parse(good)) == 1
    assert _parse(good.replace("11/Mar/2025:09:41:07 +0100", "31/Apr/2025:09:41:07 +0000")) == []


def test_redirect_binding_message_in_a_url_is_read_as_before():
    url = (ROOT / "fixtures" / "requests" / "authnrequest-redirect.txt").read_text().strip()
    query = url[url.index("?"):]
    got = _parse(_line(f"GET /sso{query}", rid="AZWa7nq1Xk3pQm0AAAQ1"))
    (rec,) = got
    assert isinstance(rec, EmbeddedSaml) and rec.time == _utc(2025, 3, 11, 8, 41, 7)
    assert rec.value.startswith(query.split("SAMLRequest=")[1][:20])


def test_scan_joins_callbacks_to_web_log_by_request_id():
    """web.log read in UTC while it is in Paris time: an hour from the access log's callbacks, so
    only the request ID can join them (the same attempt, its cause from web.log)."""
    report = _scan(str(DATA / "access.log"), str(DATA / "web.log"))
    rows = [(a["time"], a["outcome"], a["root_cause"], sorted((Path(e["input"]).name, e["ref"]) for e in a["evidence"]))
            for a in report["attempts"]]
    assert ("2025-03-11T08:41:07Z", "failure", "audience-mismatch",
            [("access.log", "line 6"), ("web.log", "line 3")]) in rows
    assert ("2025-03-11T08:50:36Z", "failure", "signature-invalid",
            [("access.log", "line 13"), ("web.log", "line 9")]) in rows


def test_scan_dates_a_login_web_log_at_info_does_not_show(tmp_path):
    folder = tmp_path / "logs"
    folder.mkdir()
    shutil.copy(DATA / "web.log", folder)
    without = _scan("--timezone", "Europe/Paris", str(folder))["attempts"]
    assert [a["outcome"] for a in without] == ["failure", "failure"]
    shutil.copy(DATA / "access.log", folder)
    report = _scan("--timezone", "Europe/Paris", str(folder))
    assert [(a["time"], a["outcome"]) for a in report["attempts"]] == [
        ("2025-03-11T08:41:07Z", "failure"), ("2025-03-11T08:45:15Z", "success"), ("2025-03-11T08:50:36Z", "failure")]
    assert [i["kind"] for i in sorted(report["inputs"], key=lambda i: i["path"])] == ["log:sonarqube-access", "log:sonarqube"]


def test_redact_masks_the_client_addresses():
    from samlscan.config import build
    from samlscan.engine import analyze
    from samlscan.report.redact import Redactor, personal_values

    report = analyze([str(DATA / "access.log")], build({}, None))
    values = personal_values(report)
    assert {"203.0.113.77", "198.51.100.23", "192.0.2.10"} <= values
    red = Redactor(values)
    for e in report.events:
        assert e.ip not in red.text(e.text)
    result = CliRunner().invoke(main, ["scan", "--redact", "--format", "json", str(DATA)], catch_exceptions=False)
    assert not any(ip in result.stdout for ip in ("203.0.113.77", "198.51.100.23", "192.0.2.10"))


def test_big_access_log_keeps_only_saml_lines(tmp_path):
    """The prefilter hands the reader the SAML-path lines alone (the rest is never decoded), and the
    log's last lines (sqaccess.TAIL_LINES: they decide its last callback)."""
    from samlscan.prefilter import _prefilter_for, prefiltered_lines

    path = tmp_path / "access.log"
    noise = _line("GET /api/issues/search?ps=1", host="10.1.4.20", rid="AZWa7nq1Xk3pQm0AAAN1")
    path.write_text(noise * 5000 + (DATA / "access.log").read_text() + noise * 5000)
    pf = _prefilter_for(sqaccess.PARSER)
    counter = [0]
    with open(path, "rb") as fh:
        kept = list(prefiltered_lines(fh, 0, path.stat().st_size, pf, counter))
    tail = [(no, text) for no, text in kept if no > counter[0] - sqaccess.TAIL_LINES]
    assert counter[0] == 10015 and len(tail) == sqaccess.TAIL_LINES and len(kept) == 8 + len(tail)
    assert all(any(p in text for p in sqaccess.PATHS) for _, text in kept[:8])
    outcomes = [e.outcome for e in sqaccess.PARSER.parse(kept, str(path), timezone.utc) if "callback" in e.text]
    assert outcomes == ["failure", "success", "failure"]


@pytest.mark.parametrize("bad", ["", "\x00\x01garbage", '1.2.3.4 - - [x] "GET /oauth2/callback/saml HTTP/1.1" 302 0',
                                 '1.2.3.4 - - [11/Mar/2025:09:41:07 +0100] "POST /oauth2/callback/saml" 302 0 "a" "b" "' + "x" * 5000 + '"'])
def test_bad_lines_never_raise(bad):
    assert all(not isinstance(r, LogEvent) or r.request_id is None for r in _parse(bad))
