"""Small terminal fixes of the seventeenth session: no progress bar under TERM=dumb (its erase
code would stay on screen), and the flows table wrapped by display columns, each message of a
step on its own line."""
from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys
import textwrap
import urllib.parse
from pathlib import Path

import pytest

from samlscan.progress import shown_on
from samlscan.report.cells import width, wrap
from tests.tty_util import on_a_terminal

ROOT = Path(__file__).resolve().parent.parent
CAPTURE = ROOT / "fixtures" / "captures" / "chrome-sp-clock-behind.har"


def test_the_bar_is_drawn_on_a_terminal_only(monkeypatch):
    main, child = pty.openpty()
    try:
        with open(child, "w", closefd=False) as tty:
            monkeypatch.setenv("TERM", "xterm-256color")
            assert shown_on(tty, quiet=False)
            assert not shown_on(tty, quiet=True)
            monkeypatch.setenv("TERM", "dumb")
            assert not shown_on(tty, quiet=False)
        monkeypatch.setenv("TERM", "xterm-256color")
        assert not shown_on(io.StringIO(), quiet=False)
    finally:
        os.close(main)
        os.close(child)


@pytest.mark.parametrize("term, erased", [("xterm", True), ("dumb", False)])
def test_a_dumb_terminal_gets_no_cursor_control(term, erased):
    """The 'correlating...' status is drawn and erased with CSI K: under TERM=dumb neither."""
    out = on_a_terminal("scan", ROOT / "fixtures" / "logs" / "sonarqube", env={"TERM": term})
    assert "attempt" in out.lower()
    assert ("\x1b[K" in out) is erased


def test_long_words_fill_the_line_as_textwrap_does():
    for text, columns in [("GET https://idp.example.org/idp/profile/SAML2/Redirect/SSO?SAMLRequest=abc", 20),
                          ("a bb " + "c" * 45 + " dd", 7), ("x" * 10, 1)]:
        assert wrap(text, columns, break_long=True).split("\n") == textwrap.wrap(
            text, columns, break_on_hyphens=False)
    assert wrap("x" * 30, 10) == "x" * 30  # (without break_long an ID stays whole)


def test_long_words_are_cut_by_display_columns():
    lines = wrap("ユーザーはアクセスできません:" + "山" * 50 + "https://例え.example/ログイン", 11, break_long=True).split("\n")
    assert all(width(line) <= 11 for line in lines) and len(lines) > 10


def _flows(tmp_path, error_text):
    har = CAPTURE.read_text(encoding="utf-8").replace(
        "You%27re%20not%20authorized%20to%20access%20this%20page.%20Please%20contact%20the%20administrator.",
        urllib.parse.quote(error_text))
    path = tmp_path / "capture.har"
    path.write_text(har, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "samlscan", "flows", path], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


def test_the_flows_table_wraps_by_display_columns(tmp_path):
    """A result in Japanese is two columns a character: wrapped at 60 code points it was 120
    columns wide and pushed the table past every terminal."""
    out = _flows(tmp_path, "ログインできません。" * 12)
    head = next(line for line in out.splitlines() if line.startswith("time (UTC)"))
    rule = out.splitlines()[out.splitlines().index(head) + 1]
    assert rule.split()[-1] == "-" * 60  # the result column
    assert all(width(line) <= width(rule) for line in out.splitlines()[out.splitlines().index(head):]
               if line.strip() and not line.startswith(("Flow", "  !")))


def test_each_message_of_a_step_keeps_its_own_line(tmp_path):
    """The IdP's step carries the AuthnRequest and the Response: tabulate's wrapping joined the
    cell's lines, 'AuthnRequest _req_.. Response' on one line."""
    out = _flows(tmp_path, "denied")
    step = next(line for line in out.splitlines() if "authn-request" in line)
    assert "AuthnRequest _req_7f3a9c1e5b2d4f60" in step and "Response" not in step


@pytest.mark.parametrize("fmt", ["json", "sarif", "jsonl"])
def test_a_json_report_on_a_terminal_stays_json(tmp_path, fmt):
    """A C1 control or a bidi override in a value is escaped on a terminal as JSON's '\\u009b'
    ('\\x9b', the CSV's and the table's escape, made the document invalid JSON)."""
    xml = (ROOT / "fixtures" / "responses" / "valid" / "okta.xml").read_text(encoding="utf-8")
    path = tmp_path / "tampered.xml"
    path.write_text(xml.replace("dev.user1@example.com", "dev\u009b.user1\u202e@example.com"), encoding="utf-8")
    out = on_a_terminal("check", "--quiet", "--format", fmt, path, columns=200).replace("\r\n", "\n")
    assert "\x9b" not in out and "\u202e" not in out
    docs = [json.loads(line) for line in out.splitlines() if line.strip()] if fmt == "jsonl" else [json.loads(out)]
    if fmt != "jsonl":  # (its rows are findings, none quotes the NameID)
        assert "dev\u009b.user1\u202e@example.com" in json.dumps(docs, ensure_ascii=False)


def test_a_posted_response_the_capture_kept_no_body_of_is_the_sps_answer():
    """A sanitized HAR (the SAMLResponse body redacted) of a refused login: the POST to the ACS
    answered with /sessions/unauthorized ends the request's flow as a failure; it was 'unknown',
    the IdP's page guessed an error page, and the POST a flow of no login."""
    done = subprocess.run([sys.executable, "-m", "samlscan", "flows", "--format", "json",
                           ROOT / "fixtures" / "captures" / "sanitized-redacted.har"], capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    flows = [f for d in json.loads(done.stdout)["inputs"] for f in d["flows"]]
    assert [f["outcome"] for f in flows] == ["failure"], flows
    assert "no body of the POST" in flows[0]["reason"] and flows[0]["request_id"] == "_req_7f3a9c1e5b2d4f60"


def test_a_bodiless_re_post_is_an_attempt_of_its_own():
    """Safari's HAR of a Back-button re-post (no request before it, no body): a failed attempt."""
    done = subprocess.run([sys.executable, "-m", "samlscan", "check", "--format", "json",
                           ROOT / "tests" / "data" / "case23" / "safari-mia.har"], capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    late = [a for a in json.loads(done.stdout)["attempts"] if a["time"] == "2026-11-24T10:08:41Z"]
    assert [a["outcome"] for a in late] == ["failure"] and "no body of the POST" in late[0]["notes"][0]


@pytest.mark.parametrize("extra, said", [((), "judged at the 'at' of fixtures/config/default.toml"),
                                         (("--at", "2025-03-11T08:41:02Z"), "judged at --at")])
def test_the_evaluation_time_names_where_it_came_from(extra, said):
    """A config file's `at` was reported as '--at', an option the user never typed (review24)."""
    done = subprocess.run([sys.executable, "-m", "samlscan", "check", "--config", "fixtures/config/default.toml",
                           *extra, "fixtures/responses/valid/okta.xml"], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert said in done.stdout, done.stdout


def test_a_proxy_line_witnesses_an_sp_clock_ahead_as_well_as_behind():
    """A proxy's failed callback of the refusal's client is its witness: within LEAD after the quoted
    NotBefore for a 'not yet valid' refusal, within LEAD before the NotOnOrAfter for an 'expired' one
    (the two readings, case23's and clocks24's, met after both were merged)."""
    from datetime import datetime, timedelta, timezone

    from samlscan.correlate.clocks import _proxy_witness
    from samlscan.model import LogEvent, Source

    bound = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
    refusal = LogEvent(Source("sonar.log", "line 9"), bound + timedelta(minutes=9), "sonarqube", "sp", "failure",
                       "expired", ip="198.51.100.7")
    proxied = ({"198.51.100.7": {"ingress.log": ([bound - timedelta(minutes=1)], [None])}}, {})
    assert _proxy_witness(refusal, "after", bound, proxied) == (bound - timedelta(minutes=1), "ingress.log")
    assert _proxy_witness(refusal, "before", bound, proxied) is None
    later = ({"198.51.100.7": {"ingress.log": ([bound + timedelta(minutes=1)], [None])}}, {})
    assert _proxy_witness(refusal, "before", bound, later) == (bound + timedelta(minutes=1), "ingress.log")
    assert _proxy_witness(refusal, "after", bound, later) is None


def test_a_small_damaged_zhar_is_still_a_damaged_stream():
    """mitmproxy's .zhar of a small HAR, damaged: it inflates to less than 16 KiB before its error,
    and was judged text ('no SAML message found'); what it inflated is a HAR's text (fuzz18)."""
    import zlib

    from samlscan import batch

    stream = zlib.compress((ROOT / "fixtures" / "captures" / "sanitized-redacted.har").read_bytes(), 9)
    damaged = bytearray(stream)
    damaged[len(stream) // 2] ^= 0xFF
    assert len(stream) < 16 * 1024 and batch.container_kind(bytes(damaged)) == "zlib"
    looks = b"HK" + b" the saml login error user response INFO 2025-01-01 12:00:00 [main]" * 8
    assert batch.container_kind(looks) is None


def test_a_long_line_at_a_cut_point_does_not_stop_the_splitting(tmp_path, monkeypatch):
    """A line longer than the window looked in for a record start, at a cut point: the ranges went
    on no further and the rest of the log was one range for one worker (sniff24's report)."""
    from samlscan import batch
    from samlscan.prefilter import prefilters

    monkeypatch.setattr(batch, "SPLIT_BYTES", 2 * 1024 * 1024)
    monkeypatch.setattr(batch, "CUT_WINDOW", 512 * 1024)
    record = b"2025.03.11 08:41:02 INFO  web[AZt3][o.s.s.p.Platform] SonarQube is operational\n"
    path = tmp_path / "web.log"
    path.write_bytes(record * 25_000 + record[:60] + b"x" * 1_500_000 + b"\n" + record * 150_000)
    ranges = batch._ranges(str(path), path.stat().st_size, prefilters()["sonarqube"])
    assert ranges[0][0] == 0 and ranges[-1][1] == path.stat().st_size and len(ranges) > 5
    assert all(a < b for a, b in ranges) and all(b == c for (_, b), (c, _) in zip(ranges, ranges[1:]))


def test_a_damaged_archive_says_to_ask_for_it_again(tmp_path):
    """input-unreadable's fix was only 'Check the path and its permissions' for corrupt data."""
    import zlib

    stream = bytearray(zlib.compress((ROOT / "fixtures" / "captures" / "sanitized-redacted.har").read_bytes(), 9))
    stream[len(stream) // 2] ^= 0xFF
    path = tmp_path / "capture.zhar"
    path.write_bytes(bytes(stream))
    done = subprocess.run([sys.executable, "-m", "samlscan", "scan", "--format", "json", path], capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    found = json.loads(done.stdout)["input_findings"]
    assert any("corrupt compressed data" in f["message_text"] and "ask for it again" in f["hint"] for f in found)


def test_another_sps_fix_keeps_the_spacing_of_its_parentheses():
    """'IssuerSigningKey(s)' became 'IssuerSigningKey (s)' when SonarQube's clauses were taken out of
    a fix for another SP (review25)."""
    from samlscan.correlate.attempts import _without_sonarqube

    said = _without_sonarqube("Set IssuerSigningKey(s) to the IdP certificate (SonarQube: "
                              "sonar.auth.saml.certificate.secured; other SPs: theirs).")
    assert said == "Set IssuerSigningKey(s) to the IdP certificate (other SPs: theirs)."


def test_option_values_are_read_whatever_their_case():
    """'--format JSON' and '--fail-on Error' were refused (exit 2) for their case alone (review24)."""
    done = subprocess.run([sys.executable, "-m", "samlscan", "check", "--format", "JSON", "--fail-on", "Warning",
                           "--profile", "SonarQube", "--config", "fixtures/config/default.toml",
                           "fixtures/responses/valid/okta.xml"], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0 and json.loads(done.stdout)["schema"] == "samlscan/1", done.stderr
    wrong = subprocess.run([sys.executable, "-m", "samlscan", "check", "--format", "XML",
                            "fixtures/responses/valid/okta.xml"], capture_output=True, text=True, cwd=ROOT,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert wrong.returncode == 2 and "'XML' is not one of" in wrong.stderr
