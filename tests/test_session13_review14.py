"""Review of the later changes (review14): serverclock's clocks told apart by their Dates alone
(samlscan/inputs/serverclock.py _split) against a browser clock that steps mid-capture; paste's
roots read one after the other (paste._leaning_roots); the late app-log claim (logs.detect_late)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.inputs.serverclock import DateSample, reading

T = datetime(2025, 3, 11, 8, 41, tzinfo=timezone.utc)
IDP, SP, CDN = "idp.example.com", "sonar.example.com", "cdn.example.com"


def _capture(hosts: list[str], step_at: int, step: timedelta, server_off: dict | None = None) -> list[DateSample]:
    """One sample a second, every server on time (but `server_off`'s); the browser's clock set back
    by `step` from entry `step_at` on (NTP stepping it, or its user): its times jump, the Dates not."""
    out = []
    for i, host in enumerate(hosts):
        real = T + timedelta(seconds=i)
        seen = real - step if i >= step_at else real
        date = real + (server_off or {}).get(host, timedelta(0))
        out.append(DateSample(host, seen, 0.2, date.replace(microsecond=0), "", i))
    return out


def test_a_browser_clock_stepped_mid_capture_names_no_server_off():
    """Every host answered before and after the browser's clock was set back 10 min: each host's
    Dates fall in two groups 10 min apart, which _split took for two nodes, and the later side of
    the IdP and of the SP was named 'one of the servers behind' it, 10 min ahead."""
    samples = _capture([IDP, SP, CDN, IDP, SP, CDN, IDP, SP, IDP], 6, timedelta(minutes=10))
    r = reading(samples)
    assert r is None or not r.off_hosts, r


def test_a_node_off_alone_is_still_told_by_its_dates():
    """The ACS POST answered by the SP's node 11 min behind, between on-time answers of the IdP and
    the SP's other node: its Date disagrees with its neighbours, no browser step explains it."""
    samples = _capture([IDP, SP, IDP, SP, CDN, SP, CDN], 99, timedelta(0))
    samples[3] = DateSample(SP, samples[3].sent, 0.2, samples[3].date - timedelta(minutes=11), "", 3)
    r = reading(samples)
    assert r is not None and [h for h, _ in r.off_hosts] == ["one of the servers behind sonar.example.com"]


def test_two_hosts_of_one_off_clock_stay_off_side_by_side():
    """The SP and its static host on one machine, 9 min behind, answering in turn: they agree with
    each other, but neither has Dates on the trusted side, so no browser step explains them."""
    static = "static.sonar.example.com"
    off = {SP: timedelta(minutes=-9), static: timedelta(minutes=-9)}
    samples = _capture([IDP, CDN, IDP, SP, static, SP, static, CDN, "fonts.example.net"], 99, timedelta(0), off)
    r = reading(samples)
    assert r is not None and sorted(h for h, _ in r.off_hosts) == sorted([SP, static])


_ROOT = ('<samlp:Response xmlns:samlp=\\"urn:oasis:names:tc:SAML:2.0:protocol\\" ID=\\"_{}\\" Version=\\"2.0\\" '
         'IssueInstant=\\"2025-03-11T08:41:00Z\\">{}<\\/samlp:Response>')


def test_json_escaped_roots_with_a_lone_surrogate_are_no_internal_error(tmp_path):
    """XML copied out of a JSON string, two roots one after the other, the second holding '\\udcff'
    (a lone surrogate JSON allows): paste._leaning_roots encoded it as strict UTF-8 and samlscan
    failed with internal-error (UnicodeEncodeError); the bytes are not well-formed XML."""
    path = tmp_path / "copied.txt"
    path.write_text(_ROOT.format("a", "") + "\\n" + _ROOT.format("b", "\\udcff"))
    got = CliRunner().invoke(main, ["check", str(path), "--format", "json"])
    codes = {f["code"] for f in json.loads(got.stdout)["input_findings"]}
    assert "internal-error" not in codes and "input-xml-malformed" in codes


PF_SERVER = Path(__file__).resolve().parent / "data" / "pingfederate" / "server.log"
_JETTY = ("2025-03-11 08:30:{:02d},{:03d}  INFO [org.eclipse.jetty.server.handler.ContextHandler] Started "
          "o.e.j.w.WebAppContext@{:x}{{/pf,file:///opt/pingfederate/server/default/deploy2/pf-runtime.war}}")


@pytest.mark.parametrize("command", ["check", "scan"])
def test_an_idp_log_whose_start_up_fills_the_head_is_not_an_sp_app_log(tmp_path, command):
    """PingFederate's server.log after 60 lines of Jetty's start-up: its reader's sniff looks at the
    first 50 lines, the late app-log claim (applog.LATE) at 400, and it took the IdP's log for an SP
    app log without a SAML line: skipped, its two IdP errors lost. Now the reader that knows a later
    window of the head reads it."""
    log = tmp_path / "server.log"
    jetty = [_JETTY.format(i % 60, i, i * 7919) for i in range(60)]
    log.write_text("\n".join(jetty) + "\n" + PF_SERVER.read_text())
    got = CliRunner().invoke(main, [command, str(log if command == "check" else tmp_path), "--format", "json"])
    (inp,) = json.loads(got.stdout)["inputs"]
    assert (inp["status"], inp["kind"], inp["events"]) == ("scanned", "log:pingfederate", 2)
