"""polish36: rough edges a support engineer meets (the HTML report's fix per cause, ...)."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from case_util import ROOT, scan_case
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.codes import SPECS
from samlscan.report.htmlout import esc

CASE29 = ROOT / "tests" / "data" / "case29"


@pytest.fixture(scope="module")
def case29_html() -> str:
    res = CliRunner().invoke(main, ["scan", str(CASE29), "--format", "html", "--timezone", "UTC", "--jobs", "1",
                                    "--fail-on", "never", "--exclude", "truth.json", "--exclude", "*.md",
                                    "--idp-cert", str(CASE29 / "sonarcloud-idp-certificate.pem")])
    assert res.exit_code == 0, res.output[-2000:]
    return res.stdout


def _group_fixes(page: str, code: str) -> list[str]:
    """The Fix paragraphs of one code's group in 'Findings by cause'."""
    group = re.search(rf'<details class="group[^"]*" id="code-{re.escape(code)}".*?</summary>(.*?)<ul', page, re.S)
    assert group, code
    return re.findall(r'<div class="fix"><span class="fixlbl">Fix</span> (.*?)</div>', group.group(1), re.S)


@pytest.mark.parametrize("code", ["wrong-login-url", "signature-cert-mismatch"])
def test_a_cloud_cause_shows_the_fix_its_attempts_carry_not_servers_settings(case29_html, code):
    fixes = _group_fixes(case29_html, code)
    assert len(fixes) == 1, fixes  # two signature-cert-mismatch attempts carry one fix: shown once
    assert "SonarQube Cloud" in fixes[0]
    assert "sonar.auth.saml" not in fixes[0] and fixes[0] != SPECS[code].fix


def test_a_code_no_attempt_was_failed_for_keeps_its_general_fix(case29_html):
    shown = set(re.findall(r'id="code-([a-z0-9-]+)"', case29_html))
    causes = {"wrong-login-url", "signature-cert-mismatch", "user-not-assigned", "multiple-sign-on-urls"}
    other = sorted(c for c in shown - causes if SPECS.get(c) and SPECS[c].fix)
    assert other
    for code in other:
        assert _group_fixes(case29_html, code) == [esc(SPECS[code].fix)], code


# -- proxy-answered-callback names the proxy the evidence shows --------------------------------------------

CASE28 = ROOT / "tests" / "data" / "case28"
PROXIES29 = ROOT / "tests" / "data" / "proxies29"
_USUAL = ("Traefik", "nginx", "HAProxy", "AWS ALB")


def _proxy_fix(*args: str) -> str:
    res = CliRunner().invoke(main, ["scan", *args, "--format", "json", "--timezone", "UTC", "--jobs", "1",
                                    "--fail-on", "never", "--exclude", "truth.json", "--exclude", "*.md"])
    assert res.exit_code == 0, res.output[-2000:]
    (fix,) = [a["fix"] for a in json.loads(res.stdout)["attempts"] if a["root_cause"] == "proxy-answered-callback"]
    return fix


def _acs_answer(tmp_path, headers: list, text: str) -> str:
    """Case 28's Chrome HAR with its ACS POST's answer (HTTP headers and page only: the signed SAMLResponse
    it carried is untouched) made `headers` and `text`."""
    har = json.loads((CASE28 / "dave-chrome.har").read_text(encoding="utf-8"))
    post = next(e for e in har["log"]["entries"] if e["request"]["method"] == "POST")
    post["response"]["headers"] = headers
    post["response"]["content"]["text"] = text
    path = tmp_path / "acs.har"
    path.write_text(json.dumps(har), encoding="utf-8")
    return str(path)


def _names_only(fix: str, proxy: str) -> bool:
    return proxy in fix and not any(other in fix for other in _USUAL if other not in proxy)


def test_a_capture_whose_server_header_names_the_proxy_gets_its_fix_alone():
    fix = _proxy_fix(str(CASE28 / "dave-chrome.har"))  # (Server: awselb/2.0 answered the POST 504)
    assert _names_only(fix, "AWS ALB") and "idle timeout" in fix and "proxy" in fix, fix


def test_an_error_page_names_the_proxy_when_no_server_header_does(tmp_path):
    page = "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway " \
           "Time-out</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    fix = _proxy_fix(_acs_answer(tmp_path, [{"name": "Content-Type", "value": "text/html"}], page))
    assert _names_only(fix, "nginx") and "proxy_read_timeout" in fix, fix


def test_an_answer_naming_no_proxy_keeps_the_general_fix(tmp_path):
    page = "<html><body><h1>504 Gateway Time-out</h1></body></html>"
    fix = _proxy_fix(_acs_answer(tmp_path, [{"name": "Content-Type", "value": "text/html"}], page))
    assert fix.startswith(SPECS["proxy-answered-callback"].fix.rstrip(".")), fix


@pytest.mark.parametrize("log,proxy", [("haproxy/haproxy.log", "HAProxy"), ("caddy/caddy-access.log", "Caddy"),
                                       ("appgw/PT1H.json", "Azure Application Gateway")])
def test_a_proxys_own_log_names_it_in_the_fix(log, proxy):
    assert _names_only(_proxy_fix(str(PROXIES29 / log)), proxy)


def test_logs_of_several_proxies_keep_the_general_fix():
    assert _proxy_fix(str(PROXIES29)).startswith(SPECS["proxy-answered-callback"].fix.rstrip("."))


# -- the support cases' ground truth lists group-values-are-ids where the GUID groups show --------------------

def test_case15_carlas_guid_groups_are_said_beside_her_refusal_as_the_story_says():
    """fixtures/gen_case15.py's story: carla's 10:11 response carries Entra's group object IDs; anna's
    (no response in the evidence) and dan's (groups.link) do not."""
    doc = scan_case(ROOT / "tests" / "data" / "case15", "UTC")
    found = {a["time"]: a["findings"] for a in doc["attempts"]}
    assert "group-values-are-ids" in found["2026-02-03T10:11:18Z"]
    assert not any("group-values-are-ids" in f for t, f in found.items() if t != "2026-02-03T10:11:18Z"), found
    assert "group-values-are-ids" in (ROOT / "fixtures" / "gen_case15.py").read_text()


def test_case27s_truth_lists_the_guid_groups_of_alice_and_carol():
    truth = json.loads((ROOT / "tests" / "data" / "case27" / "truth.json").read_text())["attempts"]
    ids = {t["login"] for t in truth if "group-values-are-ids" in t["warnings"]}
    assert ids == {"alice", "carol"}


# -- input-redacted names the HAR creator's own export option -----------------------------------------------

HAR35 = ROOT / "tests" / "data" / "har35"


def _redacted_hint(name: str) -> str:
    res = CliRunner().invoke(main, ["check", str(HAR35 / name), "--format", "json", "--fail-on", "never"])
    doc = json.JSONDecoder().raw_decode(res.stdout)[0]
    (hint,) = [f["hint"] for f in doc["input_findings"] if f["code"] == "input-redacted"]
    return hint


def test_a_chrome_har_is_told_chromes_option():
    hint = _redacted_hint("chrome-sanitized.har")
    assert "'Export HAR (with sensitive data)'" in hint and "Firefox" not in hint and "Safari" not in hint


def test_a_firefox_har_is_told_firefoxs_not_chromes():
    hint = _redacted_hint("firefox-stripped.har")
    assert "'Save All As HAR'" in hint and "Chrome" not in hint


def test_a_har_of_an_unknown_writer_is_told_each_browsers():
    hint = _redacted_hint("unknown-sanitized.har")
    assert all(w in hint for w in ("'Export HAR (with sensitive data)'", "'Save All As HAR'", "Safari")), hint


# -- a HAR whose startedDateTime has no zone is read as a zone-less log is ------------------------------------

def _naive_har(tmp_path, hours: int) -> Path:
    """Case 28's Chrome HAR with its startedDateTimes written as a third-party exporter may: local time at
    UTC+`hours`, no offset (the entries' times only: the signed SAMLResponse it carried is untouched)."""
    har = json.loads((CASE28 / "dave-chrome.har").read_text(encoding="utf-8"))
    for e in har["log"]["entries"]:
        t = datetime.fromisoformat(e["startedDateTime"].replace("Z", "+00:00")) + timedelta(hours=hours)
        e["startedDateTime"] = t.replace(tzinfo=None).isoformat(timespec="milliseconds")
    path = tmp_path / "exported.har"
    path.write_text(json.dumps(har), encoding="utf-8")
    return path


def _check(path, *extra: str) -> dict:
    res = CliRunner().invoke(main, ["check", str(path), "--format", "json", "--fail-on", "never",
                                    "--sonar-settings", str(CASE28 / "sonar.properties"), *extra])
    assert res.exit_code == 0, res.output[-2000:]
    return json.JSONDecoder().raw_decode(res.stdout)[0]


def _response(doc: dict) -> dict:
    (m,) = [m for m in doc["messages"] if m["type"] == "Response"]
    return m


def test_a_zoneless_har_is_read_as_utc_and_says_how_to_pass_its_zone(tmp_path):
    doc = _check(_naive_har(tmp_path, 0))
    assert _response(doc)["captured_at"] == _response(_check(CASE28 / "dave-chrome.har"))["captured_at"]
    (note,) = [n for n in doc["summary"]["notes"] if "exported.har" in n]
    assert "read as UTC" in note and "--timezone 'exported.har=<its zone>'" in note


def test_a_zoneless_har_in_local_time_is_judged_in_the_zone_given_for_it(tmp_path):
    path = _naive_har(tmp_path, 5)  # (local time at UTC+5: read as UTC it is 5 h late, the response expired)
    late = _response(_check(path))
    assert {f["code"] for f in late["findings"]} & {"subject-confirmation-expired", "assertion-expired"}
    doc = _check(path, "--timezone", "exported.har=+05:00")
    right = _response(doc)
    assert right["captured_at"] == _response(_check(CASE28 / "dave-chrome.har"))["captured_at"]
    assert not {f["code"] for f in right["findings"]} & {"subject-confirmation-expired", "assertion-expired"}
    assert not [n for n in doc["summary"]["notes"] if "exported.har" in n]


def test_a_har_with_zones_has_no_zone_note():
    assert not [n for n in _check(CASE28 / "dave-chrome.har")["summary"]["notes"] if "without a zone" in n]


# -- samlscan flows wraps a URL at its delimiters, never mid-word -----------------------------------------------

def _blocks(text: str, label: str) -> list[list[str]]:
    """The lines of each step's `label` cell in flows' block layout (its label, then its indented lines)."""
    lines, out = text.splitlines(), []
    for i, line in enumerate(lines):
        if line.startswith(label + " "):
            pad = len(line) - len(line[len(label):].lstrip())
            cell = [line[pad:]]
            for more in lines[i + 1:]:
                if not more.startswith(" " * pad) or not more.strip():
                    break
                cell.append(more[pad:])
            out.append(cell)
    return out


def test_flows_on_a_narrow_terminal_wraps_urls_at_their_delimiters():
    from tty_util import on_a_terminal

    text = on_a_terminal("flows", CASE28 / "dave-chrome.har", columns=60)
    requests = _blocks(text, "request")
    # (the room beside the labels is 25 columns: each URL breaks after a delimiter, none inside a name)
    assert ["GET https://", "sonar.acme.example/", "sessions/init/saml?", "return_to=%2F"] in requests, requests
    assert ["POST https://", "sonar.acme.example/", "oauth2/callback/saml"] in requests, requests
    results = [line for cell in _blocks(text, "result") for line in cell]
    assert "cas.acme.example/cas/idp/" in results and "profile/SAML2/Redirect/" in results, results


@pytest.mark.parametrize("columns", range(20, 60))
def test_flows_never_splits_a_values_length_placeholder(columns):
    from samlscan.flows_report import _wrap_url

    cell = "GET https://cas.acme.example/cas/idp/profile/SAML2/Redirect/SSO?SAMLRequest=<492 chars>&RelayState=3ab0"
    lines = _wrap_url(cell, columns).splitlines()
    assert not [line for line in lines if line.endswith("<492") or line.startswith("chars>")], lines
    assert "".join(lines).replace(" ", "") == cell.replace(" ", "")


def test_flows_of_a_long_url_argument_names_it_by_its_values_length(tmp_path):
    url = "https://idp.example/sso?SAMLRequest=" + "fZJNT8MwDIbvSPyHKvetSdd1a9RWGuyARGEaEweO" * 60 + "&RelayState=x"
    res = CliRunner().invoke(main, ["flows", url])
    assert max(map(len, res.stdout.splitlines())) < 200, res.stdout[:300]
    assert "SAMLRequest=<2400 chars>" in res.stdout
