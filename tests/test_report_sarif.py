"""--format sarif: valid against the official SARIF 2.1.0 schema, rules from codes.py, stable output."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest

from samlscan.codes import all_specs
from samlscan.config import build
from samlscan.correlate import correlate
from samlscan.engine import Report, analyze
from samlscan.model import Finding, InputResult, Severity, Source
from samlscan.report import render
from samlscan.report.document import attempt_dict
from samlscan.report.redact import Redactor
from samlscan.report.sarifout import fingerprint, sarif_log

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
DEFECTS = FIXTURES / "responses" / "defects"
FILES = ["status-not-success.xml", "audience-mismatch.xml", "input-dtd-forbidden.xml", "input-bad-base64.b64"]


@pytest.fixture(scope="module")
def report():
    expect = build({}, FIXTURES / "config" / "default.toml")
    paths = [str(DEFECTS / f) for f in FILES] + [str(DEFECTS / "no-such-file.xml")]
    return correlate(analyze(paths, expect))


def _validator():
    return jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def test_sarif_is_valid_against_the_official_schema(report):
    log = json.loads(render(report, "sarif"))
    errors = list(_validator().iter_errors(log))
    assert errors == [], [e.message for e in errors[:3]]


def test_schema_rejects_a_broken_log(report):
    log = copy.deepcopy(sarif_log(report))
    log["runs"][0]["results"][0]["level"] = "fatal"
    del log["runs"][0]["tool"]["driver"]["name"]
    assert len(list(_validator().iter_errors(log))) >= 2


def test_rules_come_from_the_code_catalog(report):
    rules = sarif_log(report)["runs"][0]["tool"]["driver"]["rules"]
    specs = all_specs()
    assert [r["id"] for r in rules] == [s.code for s in specs]
    levels = {"error": "error", "warning": "warning", "info": "note"}
    for rule, spec in zip(rules, specs):
        assert rule["shortDescription"]["text"] == spec.summary
        assert rule["help"]["text"] == spec.fix
        assert rule["defaultConfiguration"]["level"] == levels[spec.severity.value]
        assert rule["properties"]["group"] == spec.group
        assert rule["properties"].get("side") == spec.side


def test_results_cover_every_finding_with_input_problems_and_attempts(report):
    run = sarif_log(report)["runs"][0]
    findings = report.all_findings()
    assert [r["ruleId"] for r in run["results"]] == [f.code for f in findings]
    ids = {r["ruleId"] for r in run["results"]}
    assert {"input-dtd-forbidden", "input-bad-base64", "input-unreadable", "status-not-success",
            "audience-mismatch"} <= ids
    rules = run["tool"]["driver"]["rules"]
    for r in run["results"]:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    assert report.attempts, "the fixtures should correlate into at least one attempt"
    assert run["properties"]["attempts"] == [attempt_dict(a) for a in report.attempts]
    assert run["invocations"][0]["executionSuccessful"] is True
    failed = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert any("input-dtd-forbidden.xml" in t for t in failed)


def test_message_carries_expected_and_actual(report):
    run = sarif_log(report)["runs"][0]
    f = next(f for f in report.all_findings() if f.code == "audience-mismatch")
    r = next(r for r in run["results"] if r["ruleId"] == "audience-mismatch")
    assert f.expected and f.expected in r["message"]["text"]
    assert f.actual and f.actual in r["message"]["text"]


def test_output_is_deterministic(report):
    assert render(report, "sarif") == render(report, "sarif")
    assert "TimeUtc" not in render(report, "sarif")  # no startTimeUtc/endTimeUtc: same bytes every run


def test_artifact_uri_relative_under_cwd_and_absolute_outside(report, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    run = sarif_log(report)["runs"][0]
    uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("fixtures/responses/defects/")
    elsewhere = sarif_log(report, cwd=str(tmp_path))["runs"][0]
    uri = elsewhere["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("file:///")


def _one(f: Finding) -> Report:
    return Report(inputs=(InputResult("logs/sso.log", "scanned", kind="log:okta", events=1),), messages=(),
                  input_findings=(f,))


def test_line_ref_becomes_a_region_and_har_entry_a_logical_location():
    line = Finding("audience-mismatch", Severity.ERROR, "x", source=Source("logs/sso.log", "line 42"))
    res = sarif_log(_one(line), cwd="/")["runs"][0]["results"][0]
    assert res["locations"][0]["physicalLocation"]["region"] == {"startLine": 42}
    entry = Finding("audience-mismatch", Severity.ERROR, "x", source=Source("logs/sso.log", "entry 3/body"),
                    message_ref="_abc")
    res = sarif_log(_one(entry), cwd="/")["runs"][0]["results"][0]
    loc = res["locations"][0]
    assert "region" not in loc["physicalLocation"]
    assert [x["name"] for x in loc["logicalLocations"]] == ["entry 3/body", "_abc"]
    assert list(_validator().iter_errors(sarif_log(_one(entry), cwd="/"))) == []


def test_fingerprint_ignores_line_numbers_but_not_code_or_message():
    a = Finding("audience-mismatch", Severity.ERROR, "x", source=Source("l.log", "line 3"), message_ref="_id1")
    moved = Finding("audience-mismatch", Severity.ERROR, "x", source=Source("l.log", "line 900"), message_ref="_id1")
    other_code = Finding("issuer-mismatch", Severity.ERROR, "x", source=Source("l.log", "line 3"), message_ref="_id1")
    other_msg = Finding("audience-mismatch", Severity.ERROR, "x", source=Source("l.log", "line 3"), message_ref="_id2")
    assert fingerprint(a, "l.log", 0) == fingerprint(moved, "l.log", 0)
    assert fingerprint(a, "l.log", 0) != fingerprint(other_code, "l.log", 0)
    assert fingerprint(a, "l.log", 0) != fingerprint(other_msg, "l.log", 0)
    assert fingerprint(a, "l.log", 0) != fingerprint(a, "other.log", 0)


def test_redaction_holds_in_sarif():
    f = Finding("email-invalid-format", Severity.WARNING, "email is dev.user@example.com",
                actual="dev.user@example.com", source=Source("x.xml"))
    plain = json.dumps(sarif_log(_one(f)))
    redacted = json.dumps(sarif_log(_one(f), Redactor({"dev.user@example.com"})))
    assert "dev.user@example.com" in plain
    assert "dev.user@example.com" not in redacted


def test_a_cause_only_a_log_states_is_a_result_at_its_line():
    """A log-only scan: the failed logins' causes are results located at the log line that says
    them, and the log still validates against the schema."""
    expect = build({}, FIXTURES / "config" / "default.toml")
    logs = FIXTURES / "logs" / "sonarqube"
    report = correlate(analyze(sorted(str(p) for p in logs.iterdir()), expect))
    log = sarif_log(report)
    _validator().validate(log)
    run = log["runs"][0]
    assert [r["ruleId"] for r in run["results"]] == [f.code for f in report.reported_findings()]
    cookie = next(r for r in run["results"] if r["ruleId"] == "relaystate-cookie-missing")
    where = cookie["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"].endswith("web-spring.log") and where["region"]["startLine"] == 14
    assert cookie["level"] == "error" and "OAUTHSTATE" in cookie["message"]["text"]


def test_archive_members_point_at_the_archive_and_are_nested_in_it(tmp_path):
    """'logs.zip!a b.xml' was a uri of a file that does not exist (review finding): results point
    at the archive with the member as a logical location; the member's artifact has parentIndex."""
    import zipfile

    z = tmp_path / "logs.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(DEFECTS / "audience-mismatch.xml", "in dir/a b.xml")
    expect = build({}, FIXTURES / "config" / "default.toml")
    from samlscan.batch import run_scan

    log = sarif_log(correlate(run_scan([str(z)], expect, jobs=1)), cwd=str(tmp_path))
    _validator().validate(log)
    run = log["runs"][0]
    result = next(r for r in run["results"] if r["ruleId"] == "audience-mismatch")
    where = result["locations"][0]
    assert where["physicalLocation"]["artifactLocation"]["uri"] == "logs.zip"
    assert {"name": "in dir/a b.xml", "fullyQualifiedName": f"{z}!in dir/a b.xml", "kind": "resource"} \
        in where["logicalLocations"]
    archive = next(i for i, a in enumerate(run["artifacts"]) if a["location"]["uri"] == "logs.zip")
    member = next(a for a in run["artifacts"] if a.get("parentIndex") == archive)
    assert member["location"]["uri"] == "in%20dir/a%20b.xml"
