"""The browser's clock and the servers': HTTP Date headers of a capture's responses correct its times
when the browser's clock was off, and name a server of the login whose clock disagrees with the rest
(samlscan/inputs/serverclock.py; fixtures/gen_captures.py builds the captures)."""
from __future__ import annotations

import copy
import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.inputs import har
from samlscan.inputs.serverclock import DateSample, http_date, reading

FIX = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIX))
import gen_captures as gc  # noqa: E402

AHEAD = FIX / "captures" / "chrome-browser-clock-ahead.har"
SP_BEHIND = FIX / "captures" / "chrome-sp-clock-behind.har"
T = datetime(2025, 3, 11, 8, 41, tzinfo=timezone.utc)
SETTINGS = ["--sp-entity-id", "sonarqube", "--acs-url", "https://sonar.example.com/oauth2/callback/saml",
            "--idp-metadata", str(FIX / "metadata" / "idp-metadata.xml")]  # (no --at: judged at capture time)


def _json(args) -> dict:
    got = CliRunner().invoke(main, ["check", *args, *SETTINGS, "--format", "json"])
    assert got.exit_code in (0, 1), got.output
    return json.loads(got.stdout)


def _codes(report: dict) -> set[str]:
    return {f["code"] for m in report["messages"] for f in m["findings"]} | \
        {f["code"] for f in report.get("input_findings", [])}


def _sample(host: str, browser_minus_server: float, took: float = 0.05) -> DateSample:
    return DateSample(host, T, took, T - timedelta(seconds=browser_minus_server))


@pytest.mark.parametrize("value,want", [
    ("Tue, 11 Mar 2025 08:41:02 GMT", datetime(2025, 3, 11, 8, 41, 2, tzinfo=timezone.utc)),
    ("Tuesday, 11-Mar-25 08:41:02 GMT", datetime(2025, 3, 11, 8, 41, 2, tzinfo=timezone.utc)),  # RFC 850
    ("Tue Mar 11 08:41:02 2025", datetime(2025, 3, 11, 8, 41, 2, tzinfo=timezone.utc)),  # asctime: UTC (RFC 9110 5.6.7)
    ("Tue, 11 Mar 2025 08:41:02 -0000", datetime(2025, 3, 11, 8, 41, 2, tzinfo=timezone.utc)),
    ("yesterday", None), ("", None), (None, None), ("Tue, 11 Mar 2025 08:41:02 GMT" + " " * 80, None)])
def test_http_date_forms(value, want):
    assert http_date(value) == want


def test_two_hosts_agreeing_against_the_browser_give_its_offset():
    r = reading([_sample("idp.example.org", 720), _sample("idp.example.org", 721), _sample("sp.example.com", 720.4)])
    assert r is not None and r.browser == timedelta(minutes=12) and not r.off_hosts
    assert set(r.hosts) == {"idp.example.org", "sp.example.com"} and r.samples == 3


def test_a_browser_on_time_or_one_host_alone_says_nothing():
    assert reading([_sample("a.example", 0.5), _sample("b.example", -0.2)]) is None
    assert reading([_sample("a.example", 600), _sample("a.example", 600)]) is None  # its clock or the browser's?
    assert reading([]) is None


def test_a_slow_answer_is_no_clock_offset():
    """The server writes its Date any time before the answer ends: 40 s of waiting is not 40 s off."""
    assert reading([_sample("a.example", -40, took=45), _sample("b.example", -38, took=45)]) is None


def test_the_host_off_from_the_majority_is_named():
    r = reading([_sample("idp.example.org", 0), _sample("cdn.example.net", 1), _sample("sp.example.com", 540)])
    assert r is not None and r.browser is None
    assert r.off_hosts == (("sp.example.com", timedelta(seconds=-540)),)


def test_two_hosts_disagreeing_without_a_majority_say_nothing():
    assert reading([_sample("idp.example.org", 0), _sample("sp.example.com", 540)]) is None


def _entry(**over) -> dict:
    e = {"startedDateTime": "2025-03-11T08:41:00.000Z", "time": 50,
         "request": {"method": "GET", "url": "https://idp.example.org/x", "headers": []},
         "response": {"status": 200, "headers": [{"name": "Date", "value": "Tue, 11 Mar 2025 08:29:00 GMT"}]}}
    e.update(over)
    return e


def test_cached_answers_carry_an_old_date_and_are_left_out():
    assert har.date_sample(_entry()) is not None
    assert har.date_sample(_entry(_fromCache="disk")) is None
    aged = _entry()
    aged["response"]["headers"].append({"name": "Age", "value": "3600"})
    assert har.date_sample(aged) is None
    assert har.date_sample(_entry(response={"status": 200, "headers": [], "_transferSize": 0})) is None
    assert har.date_sample(_entry(startedDateTime="not a time")) is None


def test_a_capture_from_a_machine_twelve_minutes_ahead_is_judged_on_the_servers_clock():
    report = _json([str(AHEAD)])
    codes = _codes(report)
    assert "browser-clock-off" in codes and not codes & {"expired", "assertion-expired", "clock-skew"}
    assert [a["outcome"] for a in report["attempts"]] == ["success"]
    detail = next(f["message_text"] for f in report["input_findings"] if f["code"] == "browser-clock-off")
    assert "12 min ahead" in detail


def test_without_the_date_headers_the_same_capture_reads_expired(tmp_path):
    """What the correction changes: the browser's times alone put the POST after NotOnOrAfter."""
    doc = json.loads(AHEAD.read_text())
    stripped = copy.deepcopy(doc)
    for e in stripped["log"]["entries"]:
        e["response"]["headers"] = [h for h in e["response"]["headers"] if h["name"] != "Date"]
    plain = tmp_path / "no-dates.har"
    plain.write_text(json.dumps(stripped))
    codes = _codes(_json([str(plain)]))
    assert "browser-clock-off" not in codes
    assert codes & {"expired", "assertion-expired", "clock-skew"}


def test_an_sp_clock_behind_the_others_is_the_likely_cause_of_its_silent_refusal():
    report = _json([str(SP_BEHIND)])
    assert "server-clock-off" in _codes(report)
    (attempt,) = report["attempts"]
    assert attempt["outcome"] == "failure" and attempt["root_cause"] == "sp-clock-skew" and attempt["side"] == "sp"
    assert "sonar.example.com" in attempt["fix"]


def test_a_slightly_off_sp_clock_is_not_made_the_cause(tmp_path):
    """20 s apart is within every SP's tolerance: the refusal stays unexplained (the SP's refusal of
    the POST, sp-refused-callback)."""
    req, resp = gc._pick_pair(FIX)
    entries = gc.attempt(req, resp, "5c10c4be12345678", 0, result="/sessions/unauthorized",
                         auth_error="You're not authorized to access this page. Please contact the administrator.")
    doc = gc.har(gc.with_server_dates(entries + gc.cdn_assets(0.3, 3),
                                      server_off={"sonar.example.com": timedelta(seconds=-20)}))
    path = tmp_path / "close.har"
    path.write_text(json.dumps(doc))
    report = _json([str(path)])
    assert "server-clock-off" not in _codes(report)
    assert report["attempts"][0]["root_cause"] == "sp-refused-callback"


def test_a_response_a_cache_may_have_served_is_no_witness():
    """A cached asset keeps the Date of the day it was fetched (RFC 9111): the CDN's scripts of a
    login page, cached hours ago, would read as a clock hours behind."""
    def with_headers(*pairs, method="GET", status=200):
        e = _entry()
        e["request"]["method"], e["response"]["status"] = method, status
        e["response"]["headers"] += [{"name": n, "value": v} for n, v in pairs]
        return e

    assert har.date_sample(with_headers(("Cache-Control", "public, max-age=31536000"))) is None
    assert har.date_sample(with_headers(("Expires", "Wed, 11 Mar 2026 08:29:00 GMT"))) is None
    assert har.date_sample(with_headers(("Last-Modified", "Mon, 10 Mar 2025 08:00:00 GMT"))) is None
    assert har.date_sample(with_headers(("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate"),
                                        ("Expires", "0"))) is not None  # (Spring Security's defaults)
    assert har.date_sample(with_headers(("Cache-Control", "max-age=3600"), method="POST")) is not None
    assert har.date_sample(with_headers(("Last-Modified", "Mon, 10 Mar 2025 08:00:00 GMT"), status=302)) is not None


def test_a_capture_out_of_time_order_keeps_every_entrys_date(tmp_path):
    """A HAR whose entries are not in time order is replayed from its login's entries alone: the
    Dates of the others (the CDN's, the IdP's pages) were dropped, and with them the correction."""
    doc = json.loads(AHEAD.read_text())
    for e in doc["log"]["entries"]:  # (the Dates of the pages and assets only: the witnesses the replay left out)
        if "/js/" not in e["request"]["url"] and "/assets/" not in e["request"]["url"]:
            e["response"]["headers"] = [h for h in e["response"]["headers"] if h["name"] != "Date"]
    doc["log"]["entries"].reverse()
    path = tmp_path / "reversed.har"
    path.write_text(json.dumps(doc))
    codes = _codes(_json([str(path)]))
    assert "browser-clock-off" in codes and not codes & {"expired", "assertion-expired", "clock-skew"}
