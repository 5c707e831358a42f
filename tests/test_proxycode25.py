"""A failed SAML callback only an access log saw (SonarQube's access.log, a proxy's: ingress-nginx,
IIS) is a finding, sp-refused-callback, in every format, and --fail-on error fails on it; a log
that explains the failure (SonarQube's web.log) keeps its own code as the cause, with no second
finding; a capture's 'refused without saying why' gives way to it."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from samlscan.cli import main

DATA = Path(__file__).parent / "data"
IIS = DATA / "case24" / "u_ex261125.log"
CASE24_HAR, CASE24_WEB = DATA / "case24" / "edge-servicedesk.har", DATA / "case24" / "web.log"
INGRESS = DATA / "case23" / "ingress-nginx-controller.log"
SQ_ACCESS, SQ_WEB = DATA / "sqaccess" / "access.log", DATA / "sqaccess" / "web.log"
SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
CODE = "sp-refused-callback"
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:136.0) Gecko/20100101 Firefox/136.0"


def run(*args: str, fail_on: str = "never"):
    return CliRunner().invoke(main, ["scan", *map(str, args), "--jobs", "1", "--fail-on", fail_on])


def jsonl(*paths, extra: tuple[str, ...] = ()) -> list[dict]:
    res = run(*paths, "--format", "jsonl", *extra)
    assert res.exit_code == 0, res.output[-2000:]
    return [json.loads(line) for line in res.stdout.splitlines() if line.strip()]


def doc(*paths, extra: tuple[str, ...] = ()) -> dict:
    res = run(*paths, "--format", "json", *extra)
    assert res.exit_code == 0, res.output[-2000:]
    return json.loads(res.stdout)


def refused(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r["code"] == CODE]


def access_log(tmp_path: Path, *callbacks: tuple[str, str, int, str | None]) -> Path:
    """SonarQube's access.log (logback-access's default layout) of logins: (client, minute, the
    callback's status, the path its client asked for next or None)."""
    lines = []
    for ip, minute, status, nxt in callbacks:
        t = f"11/Mar/2025:09:{minute}"
        lines.append(f'{ip} - - [{t}:01 +0000] "GET /sessions/init/saml?return_to=%2F HTTP/1.1" 302 0 "-" "{UA}"')
        lines.append(f'{ip} - - [{t}:04 +0000] "POST /oauth2/callback/saml HTTP/1.1" {status} 0 '
                     f'"https://idp.example.org/" "{UA}"')
        if nxt:
            lines.append(f'{ip} - - [{t}:04 +0000] "GET {nxt} HTTP/1.1" 200 9 "https://idp.example.org/" "{UA}"')
    lines.append(f'192.0.2.99 - - [11/Mar/2025:10:30:00 +0000] "GET /sessions/init/saml HTTP/1.1" 302 0 "-" "{UA}"')
    path = tmp_path / "access.log"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_an_iis_log_alone_lists_each_failed_callback_with_status_path_time_and_client():
    rows = refused(jsonl(IIS))
    assert [r["ref"] for r in rows] == ["line 10", "line 17", "line 27"]
    first = rows[0]
    assert first["severity"] == "error"
    for said in ("2026-11-25 09:10:14 UTC", "10.30.4.21", "POST /oauth2/callback/saml", "answered 302",
                 "/sessions/unauthorized"):
        assert said in first["message_text"], first["message_text"]
    assert "web.log" in first["hint"] and "sonar.log.level.web=DEBUG" in first["hint"]


def test_fail_on_error_fails_on_a_failure_only_an_access_log_saw_and_passes_successes(tmp_path):
    assert run(IIS, "--format", "jsonl", fail_on="error").exit_code == 1
    path = access_log(tmp_path, ("203.0.113.5", "00", 302, "/projects"))
    res = run(path, "--format", "jsonl", fail_on="error")
    assert res.exit_code == 0, res.output
    assert not refused([json.loads(x) for x in res.stdout.splitlines() if x.strip()])


@pytest.mark.parametrize("status", [500, 401, 403])  # (502-504 are a proxy's own: test_gateway_answer32)
def test_an_http_error_answer_is_a_refused_callback(tmp_path, status):
    path = access_log(tmp_path, ("203.0.113.5", "00", status, None), ("198.51.100.7", "05", 302, "/projects"))
    rows = refused(jsonl(path))
    assert len(rows) == 1 and rows[0]["ref"] == "line 2", rows
    assert f"answered {status}" in rows[0]["message_text"] and "203.0.113.5" in rows[0]["message_text"]


def test_an_ingress_nginx_log_alone_gives_every_failed_attempt_the_code():
    report = doc(INGRESS)
    failed = [a for a in report["attempts"] if a["outcome"] == "failure"]
    assert failed and all(a["root_cause"] == CODE and a["side"] == "sp" for a in failed), failed
    assert len(refused(report["cause_findings"])) == len(failed)


def test_sonarqube_access_log_names_the_request_id_web_log_prints():
    rows = refused(jsonl(SQ_ACCESS))
    assert [r["ref"] for r in rows] == ["line 6", "line 13"]
    assert "web[AZWa7nq1Xk3pQm0AAAB6]" in rows[0]["hint"]


def test_web_log_beside_it_stays_the_cause_and_no_second_finding():
    assert [f["ref"] for f in refused(doc(SQ_ACCESS)["cause_findings"])] == ["line 6", "line 13"]
    report = doc(SQ_ACCESS, SQ_WEB)
    failed = [a for a in report["attempts"] if a["outcome"] == "failure"]
    assert [a["root_cause"] for a in failed] == ["audience-mismatch", "signature-invalid"]
    assert len(report["attempts"]) == 3
    assert not refused(report["cause_findings"])
    assert [f["code"] for f in report["cause_findings"]] == ["audience-mismatch", "signature-invalid"]


def test_case24_iis_beside_web_log_keeps_web_logs_causes():
    """dana's, frank's and bob's callbacks (lines 10, 17, 27) join web.log's refusals, whose codes stay
    the cause (bob's since web.log's clock step is read as set right at 09:58: clocks25), so no access
    line is a failure of its own."""
    report = doc(IIS, CASE24_WEB, extra=("--sonar-settings", str(DATA / "case24" / "sonar-settings.json")))
    assert refused(report["cause_findings"]) == []
    joined = [a for a in report["attempts"] if a["outcome"] == "failure"
              and {("u_ex261125.log", r) for r in ("line 10", "line 17", "line 27")}
              & {(Path(e["input"]).name, e["ref"]) for e in a["evidence"]}]
    assert len(joined) == 3 and all(a["root_cause"] != CODE for a in joined), joined
    assert "destination-mismatch" in {a["root_cause"] for a in joined}


def test_beside_a_sanitized_har_the_access_logs_refusal_is_the_one_finding():
    """The HAR alone says unknown-failure (a warning: the cookie with SonarQube's reason was left
    out); the access log's answer is the SP's own word that it refused: one error, the user named."""
    rows = jsonl(IIS, CASE24_HAR, extra=("--sonar-settings", str(DATA / "case24" / "sonar-settings.json")))
    mine = refused(rows)
    assert [r["ref"] for r in mine] == ["line 10", "line 17", "line 27"]
    assert "dana@corp.example.com" in mine[0]["message_text"]
    assert not [r for r in rows if r["code"] == "unknown-failure"], rows


def test_csv_lists_it():
    res = run(IIS, "--format", "csv")
    rows = [r for r in csv.DictReader(io.StringIO(res.stdout)) if r["code"] == CODE]
    assert [r["ref"] for r in rows] == ["line 10", "line 17", "line 27"]


def test_sarif_lists_it_and_is_valid():
    log = json.loads(run(IIS, "--format", "sarif").stdout)
    jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER).validate(log)
    results = [r for r in log["runs"][0]["results"] if r["ruleId"] == CODE]
    assert len(results) == 3 and all(r["level"] == "error" for r in results)
    assert {r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results} == {10, 17, 27}
    assert any(rule["id"] == CODE for rule in log["runs"][0]["tool"]["driver"]["rules"])


def test_table_and_html_name_it():
    assert CODE in run(IIS).stdout
    assert CODE in run(IIS, "--format", "html").stdout


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "sarif", "json", "html", "table"])
def test_redact_masks_the_client_ip(fmt):
    res = run(IIS, "--format", fmt, "--redact")
    assert CODE in res.stdout
    assert "10.30.4.21" not in res.stdout and ("&lt;ip:" if fmt == "html" else "<ip:") in res.stdout
