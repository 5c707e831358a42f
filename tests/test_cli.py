"""The CLI contract (design.md): commands, exit codes, formats, golden outputs."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
CONFIG = "fixtures/config/default.toml"


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def run(*args, input=None):
    result = CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)
    return result


def golden(name: str, text: str):
    path = GOLDEN / name
    if os.environ.get("SAMLSCAN_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), f"output differs from {path} (SAMLSCAN_UPDATE_GOLDEN=1 to refresh)"


def test_valid_response_exits_0_with_no_error():
    r = run("check", "--config", CONFIG, "fixtures/responses/valid/okta.xml", "-q")
    assert r.exit_code == 0, r.output
    assert "ERROR" not in r.output and "verified with" in r.output


def test_defect_exits_1_and_says_expected_actual_fix():
    r = run("check", "--config", CONFIG, "fixtures/responses/defects/audience-mismatch.xml", "-q")
    assert r.exit_code == 1
    assert "audience-mismatch" in r.output and "expected: sonarqube" in r.output
    assert "sonar.auth.saml.applicationId" in r.output


def test_fail_on_never_and_warning():
    args = ["check", "--config", CONFIG, "fixtures/responses/defects/email-multivalued.xml", "-q"]
    assert run(*args).exit_code == 0  # a warning only
    assert run(*args, "--fail-on", "warning").exit_code == 1
    assert run("check", "--config", CONFIG, "fixtures/responses/defects/audience-mismatch.xml", "-q",
               "--fail-on", "never").exit_code == 0


def test_table_golden():
    r = run("check", "--config", CONFIG, "fixtures/responses/defects/audience-mismatch.xml", "-q")
    golden("check-audience-mismatch.txt", r.output)


def test_json_golden_and_schema():
    r = run("check", "--config", CONFIG, "fixtures/responses/defects/audience-mismatch.xml",
            "fixtures/responses/defects/input-bad-base64.b64", "--format", "json", "-q")
    doc = json.loads(r.output)
    assert doc["schema"] == "samlscan/1"
    assert [i["status"] for i in doc["inputs"]] == ["scanned", "failed"]
    m = doc["messages"][0]
    for key in ("input", "index", "type", "id", "in_response_to", "issuer", "captured_at", "findings"):
        assert key in m
    assert {f["code"] for f in doc["input_findings"]} == {"input-bad-base64"}
    golden("check-audience-mismatch.json", r.output)


def test_jsonl_one_object_per_finding():
    r = run("check", "--config", CONFIG, "fixtures/responses/defects/audience-mismatch.xml",
            "--format", "jsonl", "-q")
    rows = [json.loads(line) for line in r.output.splitlines()]
    assert rows and all({"input", "message", "code", "severity", "message_text", "expected", "actual",
                         "hint"} <= set(row) for row in rows)
    assert "audience-mismatch" in {row["code"] for row in rows}


def test_stdin_base64():
    data = Path("fixtures/responses/encodings/okta.b64").read_text()
    r = run("check", "--config", CONFIG, "-", "-q", input=data)
    assert r.exit_code == 0, r.output
    assert "Response" in r.output


def test_redact_masks_personal_data_in_json():
    r = run("check", "--config", CONFIG, "fixtures/responses/valid/okta.xml", "--format", "json", "--redact", "-q")
    assert "dev.user1@example.com" not in r.output and "devuser1" not in r.output
    assert "<pii:" in r.output or "<email:" in r.output


@pytest.mark.parametrize("args,needle", [
    (["check", "--config", "nope.toml", "x"], "no such file"),
    (["check", "--idp-cert", "fixtures/keys/sp.key", "fixtures/responses/valid/okta.xml"], "private key"),
    (["check", "--at", "yesterday", "fixtures/responses/valid/okta.xml"], "ISO-8601"),
    (["check", "--timezone", "Mars/Olympus", "fixtures/responses/valid/okta.xml"], "time zone"),
])
def test_usage_and_config_errors_exit_2_with_one_line(args, needle):
    r = run(*args)
    assert r.exit_code == 2
    assert needle in r.output and "Traceback" not in r.output


def test_missing_input_is_a_finding_not_a_crash():
    r = run("check", "does-not-exist.xml", "--format", "jsonl", "-q")
    assert r.exit_code == 2  # a path named that does not exist: a usage error, after the report (small16)
    assert json.loads(r.output.splitlines()[0])["code"] == "input-unreadable"


def test_explain_code_and_unknown():
    r = run("explain", "signature-wrapping")
    assert r.exit_code == 0 and "Attack:" in r.output
    assert run("explain", "no-such-code-xyz").exit_code == 2


def test_explain_pasted_error_text():
    r = run("explain", "AADSTS50011: The redirect URI 'https://sonar.example.com/oauth2/callback/saml' "
                       "specified in the request does not match the redirect URIs configured")
    assert r.exit_code == 0 and "reply-url-mismatch" in r.output


def test_decode_prints_pretty_xml():
    r = run("decode", "fixtures/responses/encodings/okta-wrapped76.b64")
    assert r.exit_code == 0 and "<saml2p:Response" in r.output


def test_codes_lists_every_design_code():
    out = run("codes").output
    for code in ("input-dtd-forbidden", "signature-wrapping", "groups-overage-claim", "sp-clock-skew"):
        assert code in out


def test_sonar_settings_profile_gives_expectations():
    r = run("check", "--sonar-settings", "fixtures/config/sonar.properties", "--at", "2025-03-11T08:41:02Z",
            "fixtures/responses/defects/email-under-other-name.xml", "-q")
    assert "sonar.auth.saml.user.email" in r.output


FORENSIC_CODES = ("signature-wrapping", "nameid-comment-injection", "xml-reformatted", "signature-cert-mismatch",
                  "cert-keyinfo-differs", "redirect-signature-invalid", "assertion-replayed",
                  "input-dtd-forbidden", "input-too-large", "signature-invalid", "signature-reference-invalid")


@pytest.mark.parametrize("code", FORENSIC_CODES)
def test_explain_says_how_an_attacker_uses_a_forensic_code_and_what_to_do(code):
    out = run("explain", code).output
    assert "Attack:" in out and "Fix:" in out, out


def test_explain_of_an_ordinary_code_has_no_attack_section():
    assert "Attack:" not in run("explain", "email-missing").output


def test_an_internal_error_is_one_line_and_exit_2(monkeypatch):
    import samlscan.batch

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(samlscan.batch, "run_scan", broken)
    r = run("check", "fixtures/responses/valid/okta.xml")
    assert r.exit_code == 2
    assert "internal error: RuntimeError: boom" in r.output and "Traceback" not in r.output


def test_table_lists_the_finding_that_explains_the_failure_first():
    r = run("check", "--config", CONFIG, "fixtures/responses/defects/signature-wrapping-extensions.xml", "-q")
    rows = [line.split()[1] for line in r.output.splitlines() if line.startswith(("ERROR ", "WARNING "))]
    assert rows[0] == "signature-wrapping", rows


@pytest.mark.parametrize("cert,expect_invalid", [("fixtures/keys/sp.crt", False), ("fixtures/keys/idp.crt", True)],
                         ids=["right-sp-cert", "wrong-cert"])
def test_signed_authnrequest_is_verified_with_the_sp_certificate(cert, expect_invalid):
    r = run("check", "fixtures/requests/authnrequest-redirect-signed.txt", "--sp-cert", cert,
            "--format", "jsonl", "-q")
    codes = [json.loads(line)["code"] for line in r.output.splitlines()]
    # the SP signed it: a failure is the SP's to fix (redirect-signature-invalid blamed the IdP)
    assert ("request-signature-invalid" in codes) == expect_invalid, codes
    assert "redirect-signature-invalid" not in codes
    table = run("check", "fixtures/requests/authnrequest-redirect-signed.txt", "--sp-cert", cert).output
    signed = next(line for line in table.splitlines() if line.startswith("Signed"))
    assert ("INVALID" in signed) == expect_invalid and ("verified with" in signed) != expect_invalid


@pytest.mark.parametrize("fmt", ["json", "jsonl", "sarif", "csv", "html", "table"])
def test_redact_holds_in_every_format_including_summary_keys(fmt, tmp_path):
    """The summary's failures-by-user table is keyed by user: keys are personal data too."""
    out = tmp_path / f"report.{fmt}"
    run("scan", "fixtures/scenarios/okta-spring", "--timezone", "Europe/Paris", "--format", fmt,
        "-o", str(out), "-q", "--redact")
    text = out.read_text()
    assert "@example.com" not in text and "203.0.113." not in text and "198.51.100." not in text
    unredacted = tmp_path / f"plain.{fmt}"
    run("scan", "fixtures/scenarios/okta-spring", "--timezone", "Europe/Paris", "--format", fmt,
        "-o", str(unredacted), "-q")
    if fmt not in ("jsonl", "csv"):  # per-finding formats: this case's findings name no user
        assert "@example.com" in unredacted.read_text()  # the evidence does hold personal data


def test_scan_table_gives_one_row_per_code_and_details_on_request():
    brief = run("scan", "fixtures/responses/defects", "--config", CONFIG, "-q").output
    assert "== findings by code" in brief and "== fixtures/responses/defects/" not in brief
    detailed = run("scan", "fixtures/responses/defects", "--config", CONFIG, "-q", "--details").output
    assert "== fixtures/responses/defects/audience-mismatch.xml" in detailed


def test_many_attempts_are_grouped_by_cause_and_listed_on_request():
    from datetime import datetime, timedelta, timezone

    from samlscan.engine import Report
    from samlscan.model import Attempt, Evidence
    from samlscan.report.attempts_table import LISTED_ATTEMPTS, render_attempts

    t0 = datetime(2025, 3, 11, tzinfo=timezone.utc)
    causes = ["audience-mismatch"] * 30 + ["assertion-expired"] * 20 + [None] * 5

    def attempt(i, cause):
        return Attempt(time=t0 + timedelta(minutes=i), user=f"user{i}", outcome="failure" if cause else "success",
                       root_cause=cause, side="idp" if cause else None, fix="the fix" if cause else None,
                       findings=(), evidence=(Evidence("web.log", "log", f"line {i}"),))

    report = Report((), (), (), attempts=tuple(attempt(i, c) for i, c in enumerate(causes)))
    assert len(causes) > LISTED_ATTEMPTS
    grouped = render_attempts(report, detail=False)
    rows = {line.split()[1]: line.split()[3] for line in grouped.splitlines()
            if line.startswith(("failure ", "success "))}
    assert rows == {"audience-mismatch": "30", "assertion-expired": "20", "-": "5"}
    assert "2025-03-11T00:00:00Z  2025-03-11T00:29:00Z" in grouped  # first and last of the 30
    listed = render_attempts(report, detail=True)
    assert sum(line.startswith("2025-03-11T") for line in listed.splitlines()) == len(causes)
    assert "failures by user:  " in listed and "... (40 more)" in listed  # 50 users, top 10 shown


def test_log_only_failures_reach_jsonl_csv_and_fail_on(tmp_path):
    """Failed logins whose cause only a log states are findings in the formats of one row per
    finding, and --fail-on counts them; a log of successful logins gives none."""
    log = tmp_path / "web.log"
    log.write_text("2025.03.11 09:50:40 DEBUG web[0b9d8e6f][auth.event] login failure [cause|Cookie "
                   "'OAUTHSTATE' is missing][method|OAUTH2][provider|EXTERNAL|SAML][IP|10.20.0.5|203.0.113.77][login|]\n")
    r = run("scan", str(log), "--format", "jsonl", "-q")
    assert r.exit_code == 1
    (rec,) = [json.loads(line) for line in r.output.splitlines()]
    assert rec["code"] == "relaystate-cookie-missing" and rec["ref"] == "line 1" and rec["severity"] == "error"
    assert rec["message"] is None and "OAUTHSTATE" in rec["message_text"] and rec["hint"]
    doc = json.loads(run("scan", str(log), "--format", "json", "-q", "--fail-on", "never").output)
    assert [f["code"] for f in doc["cause_findings"]] == ["relaystate-cookie-missing"]
    assert doc["summary"]["by_code"] == {"relaystate-cookie-missing": 1}  # counted where it is listed
    csv_out = run("scan", str(log), "--format", "csv", "-q", "--fail-on", "never").output
    assert "relaystate-cookie-missing" in csv_out and len(csv_out.splitlines()) == 2
    ok = tmp_path / "ok" / "web.log"
    ok.parent.mkdir()
    ok.write_text("2025.03.11 09:50:40 DEBUG web[0b9d8e6f][auth.event] login success [method|OAUTH2]"
                  "[provider|EXTERNAL|SAML][IP|10.20.0.5|203.0.113.77][login|dev1]\n")
    r = run("scan", str(ok), "--format", "jsonl", "-q")
    assert r.exit_code == 0 and r.output == ""


@pytest.mark.parametrize("around", ["{url} (copied from the browser)", "GET /sso?{query} HTTP/1.1",
                                    "{url}\n"], ids=["note-after", "access-log-line", "plain"])
def test_a_pasted_url_ends_at_whitespace(around, tmp_path):
    """The last parameter took the text after the URL: a valid signature became invalid and
    RelayState grew (review finding)."""
    url = (ROOT / "fixtures/requests/authnrequest-redirect-signed.txt").read_text().strip()
    base, query = url.split("?", 1)
    params = dict(p.split("=", 1) for p in query.split("&"))
    # the swallowing parameter last: RelayState after a note, SAMLRequest in an access-log line
    last = "SAMLRequest" if "HTTP" in around else "RelayState"
    query = "&".join(f"{k}={v}" for k, v in params.items() if k != last) + f"&{last}={params[last]}"
    pasted = tmp_path / "pasted.txt"
    pasted.write_text(around.format(url=f"{base}?{query}", query=query))
    r = run("check", str(pasted), "--sp-cert", "fixtures/keys/sp.crt", "--format", "json", "-q",
            "--fail-on", "never")
    (m,) = json.loads(r.output)["messages"]
    assert m["redirect_signature"]["verified"] is True and m["relay_state"] == params["RelayState"]
    assert not any(f["code"].startswith("input-") for f in m["findings"])


@pytest.mark.parametrize("target", ["no-such-file.xml", "fixtures"])
def test_decode_of_a_missing_file_or_a_directory_is_one_line_and_exit_2(target):
    """It printed 'internal error ... a samlscan bug' (review finding)."""
    r = run("decode", target)
    assert r.exit_code == 2
    assert "internal error" not in r.output and len(r.output.strip().splitlines()) == 1
    assert ("no such file" if "no-such" in target else "not a regular file") in r.output


def test_stdin_without_saml_keeps_its_finding():
    """Standard input is an input the user named: what is not SAML there is said, as for a named
    file (it was listed as a skipped input, and --fail-on warning passed)."""
    r = run("check", "-", "--format", "json", "--fail-on", "warning", input="hello, nothing here\n")
    assert r.exit_code == 1
    doc = json.loads(r.stdout)
    assert [(i["path"], i["status"]) for i in doc["inputs"]] == [("<stdin>", "failed")]
    assert [f["code"] for f in doc["input_findings"]] == ["input-not-saml"]
