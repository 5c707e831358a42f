"""Fuzzing round 12: the code paths added with today's live recordings, under seeded hostile input:
SimpleSAMLphp log lines (process names, backtraces, statistics lines, sessions by the hundred
thousand), its error page's exception line, web server access-log times of years 0001-9999, HTML
pages with a DOCTYPE (entities, SAML roots and long comments behind it), Playwright HAR zips,
rsa-1_5 key transport, and the nearest-first pairing of many responses and lines of one user.
Every input ends in a clear finding or none (never internal-error, never a traceback), and growth
is linear: two sizes are compared, never an absolute time.
"""
from __future__ import annotations

import json
import random
from datetime import timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from growth_util import assert_linear
from test_fuzz11 import _internal, _json  # noqa: F401  (one place for the JSON run)

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"


def _linear(fn, make, small: int, factor: int = 4, slack: float = 3.0) -> None:
    """fn on make(factor * small) takes no more than slack * factor times fn on make(small), each the
    best of two runs (tests/growth_util.py: a load spike on one run of the big size failed it)."""
    assert_linear(fn, make, small, factor, slack)


# --- SimpleSAMLphp log lines and error page ----------------------------------------------------------

def _ssp_sniff(line: str) -> bool:
    from samlscan.logs.simplesamlphp import PARSER

    return PARSER.sniff(line)


@pytest.mark.parametrize("token", ["saml", "xsaml.", "saml-saml_"])
def test_a_long_token_of_saml_after_a_syslog_date_is_sniffed_in_linear_time(token):
    """'[\\w.-]*saml[\\w.-]*', the process name of _LINE, tried every 'saml' of one long token against
    every end of it: 9 s for a 32 KB line, in the sniff every log goes through."""
    _linear(_ssp_sniff, lambda n: f"Feb 2 11:37:03 {token * n}!", 4000)
    _linear(_ssp_sniff, lambda n: f"Feb 2 11:37:03 host {token * n} x", 4000)


def test_a_long_process_name_is_still_read_up_to_its_bound():
    from samlscan.logs.simplesamlphp import PARSER

    line = "Feb 2 11:37:03 idp1 {} 3 [abc0123456] SimpleSAML\\Error\\Error: UNHANDLEDEXCEPTION"
    assert PARSER.sniff(line.format("simplesamlphp-idp.prod_eu"))
    assert PARSER.sniff(line.format("x" * 64 + "saml" + "y" * 64))
    assert not PARSER.sniff(line.format("x" * 65 + "saml"))


@pytest.mark.parametrize("word", ["a_Error", "_Error", "sspmod_Error"])
def test_an_error_page_exception_line_of_a_long_word_is_read_in_linear_time(word):
    """_SSP_THROWN's 'sspmod_\\w+_Error' tried every '_Error' of a long word against its end."""
    from samlscan.errorpages import read_page

    def page(n: int) -> str:
        return ("SimpleSAMLphp\nUnhandled exception\nplease also report this tracking number: 0123456789\n"
                f"sspmod_{word * n}!\n")

    _linear(read_page, page, 3000)
    got = read_page(page(10))
    assert got is not None and got.request_id == "0123456789"


def test_the_error_page_exception_line_still_names_a_module_error():
    from samlscan.errorpages import read_page

    got = read_page("SimpleSAMLphp\nError\nplease also report this tracking number: 0123456789\n"
                    "sspmod_saml_Error: Requester/InvalidNameIDPolicy\n")
    assert got is not None and got.text == "Requester/InvalidNameIDPolicy"


# --- access-log times --------------------------------------------------------------------------------

def _access_log(path: Path, stamps: list[str]) -> None:
    url = (FIXTURES / "requests" / "authnrequest-redirect.txt").read_text().strip()
    query = url[url.index("?"):]
    with open(path, "w") as fh:
        for i, stamp in enumerate(stamps):
            fh.write(f'192.0.2.{i % 250} - - [{stamp}] "GET /sso{query} HTTP/1.1" 302 0 "-" "Mozilla/5.0"\n')


@pytest.mark.parametrize("fmt", ["json", "table", "html", "sarif", "csv", "jsonl"])
def test_access_log_times_at_the_ends_of_the_calendar_are_read(tmp_path, fmt):
    """Year 0001 at +1400 and 9999 at -2359 are valid '%t' stamps whose UTC time is out of range;
    day 31 of April, month names of another locale and year 0000 are no times."""
    log = tmp_path / "access.log"
    _access_log(log, ["11/Mar/2025:08:00:00 +0000", "01/Jan/0001:00:00:00 +1400", "31/Dec/9999:23:59:59 -2359",
                      "31/Apr/2025:00:00:00 +0000", "01/Mär/2025:00:00:00 +0000", "01/Jan/0000:00:00:00 +0000",
                      "11/Mar/2025:08:00:01 +9999"])
    res = CliRunner().invoke(main, ["scan", str(log), "--format", fmt, "--fail-on", "never", "--redact"])
    assert res.exit_code == 0 and res.exception is None and "Traceback" not in res.output, res.output[-1500:]
    if fmt == "json":
        doc = json.loads(res.stdout)
        assert not _internal(doc) and len(doc["messages"]) == 7


def test_access_log_line_time_is_linear_in_hostile_heads():
    from samlscan.logs.embedded import _line_time

    _linear(lambda s: _line_time(s, timezone.utc), lambda n: "a " * n + "[", 20000)
    _linear(lambda s: _line_time(s, timezone.utc), lambda n: ("x" * 255 + " ") * 2 + "x" * n, 20000)


# --- HTML pages with a DOCTYPE ------------------------------------------------------------------------

def _refused(data: bytes) -> str | None:
    from samlscan.xmlsafe import InputError, parse_xml

    try:
        parse_xml(data)
    except InputError as exc:
        return exc.code
    return None


@pytest.mark.parametrize("head", [
    b'<!DOCTYPE html [<!ENTITY x "y">]><html>&x;</html>',
    b'<!DOCTYPE html><!DOCTYPE x [<!ENTITY x "y">]><html>&x;</html>',
    b'<!DOCTYPE html SYSTEM "file:///etc/passwd"><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>',
    b'<!DOCTYPE html><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>',
    b'<!DOCTYPE html><htmlx/>',
    b'<!DOCTYPE html>\n<!-- -- --><!DOCTYPE y [<!ENTITY z SYSTEM "file:///etc/passwd">]><html>&z;</html>',
    b'<!-- <!DOCTYPE html><html> --><!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>',
    '<!DOCTYPE html [<!ENTITY x "y">]><html/>'.encode("utf-16"),
    b'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN" "[x]"><html/>',
])
def test_an_entity_or_a_saml_root_is_not_smuggled_past_the_html_page_probe(head):
    """Only a DOCTYPE with no internal subset right before an <html> root is a page; anything else
    that declares a DOCTYPE is refused, never parsed."""
    assert _refused(head) == "input-dtd-forbidden"


@pytest.mark.parametrize("page", [
    b"<!DOCTYPE html><html><body>login</body></html>",
    b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- a -- b --><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
    b'"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n<!-- c --><html xmlns="http://www.w3.org/1999/xhtml">',
])
def test_a_web_page_with_its_doctype_is_not_saml(page):
    assert _refused(page) == "input-not-saml"


@pytest.mark.parametrize("make", [
    lambda n: b"<!--" + b"-" * n,
    lambda n: b"<!--" + b"- " * n,
    lambda n: b"<!---->" * n + b"<!DOCTYPE html>",
    lambda n: b"<!DOCTYPE html>" + b"<!-- - -->" * n + b"<x",
    lambda n: b" " * n + b"<!DOCTYPE html" + b" " * n,
])
def test_the_html_page_probe_is_linear_on_long_comments(make):
    from samlscan.xmlsafe import refuse_doctype, InputError

    def probe(data: bytes) -> None:
        try:
            refuse_doctype(data)
        except InputError:
            pass

    _linear(probe, make, 50000)


# --- Playwright HAR zips ------------------------------------------------------------------------------

def _entry(body_file: str) -> dict:
    return {"startedDateTime": "2025-01-01T00:00:00Z",
            "request": {"method": "POST", "url": "https://sp.example.com/acs", "headers": [],
                        "postData": {"mimeType": "application/x-www-form-urlencoded", "_file": body_file}},
            "response": {"status": 200, "headers": [], "content": {"_file": body_file}}}


@pytest.mark.parametrize("members", [
    [("har.har", b'{"log":{"entries":[' + b" " * (64 * 1024 * 1024) + b"]}}")],  # a bomb: 1000:1
    [("har.har", json.dumps({"log": {"entries": [_entry("b.dat")]}}).encode()), ("b.dat", b"A" * (64 << 20))],
    [("har.har", json.dumps({"log": {"entries": [_entry("../../etc/passwd"), _entry("/etc/passwd"),
                                                 _entry("nope.dat"), _entry("har.har")]}}).encode())],
    [("har.har", b"\x00" * 100000)],
    [("har.har", b"[" * 100000 + b"]" * 100000)],
    [("har.har", json.dumps({"log": {"entries": []}}).encode("utf-16"))],
    [("har.har", b'{"log": {"entries": [{"startedDateTime": 7, "request": [], "response": null}]}}')],
    [("a.har", b"{}"), ("B.HAR", b"{}")],
])
@pytest.mark.parametrize("command", ["check", "scan", "flows"])
def test_a_hostile_playwright_har_zip_is_one_clear_result(tmp_path, members, command):
    """Bombs within the inflate budget, side files that are too big, outside the zip or missing,
    NULs, deep nesting, UTF-16, wrong types, two HARs: a finding or a skip, in check, scan and flows."""
    import zipfile

    path = tmp_path / "capture.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    args = [command, str(path), "--format", "json"] + ([] if command == "flows" else ["--fail-on", "never"])
    res = CliRunner().invoke(main, args)
    assert res.exit_code in (0, 2) and (res.exception is None or isinstance(res.exception, SystemExit)), res.output
    assert "Traceback" not in res.output and "internal-error" not in res.output, res.output[-1500:]


# --- one SimpleSAMLphp user, many sessions, all in one second -------------------------------------------

def _busy_user(folder: Path, sessions: int) -> Path:
    """The live IdP's responses (tests/data/livessp) beside a log of `sessions` logins of their user,
    all at one second: statistics lines, SSO lines, SP exceptions with backtraces."""
    import shutil

    folder.mkdir()
    for b64 in (ROOT / "tests" / "data" / "livessp").glob("*.b64"):
        shutil.copy(b64, folder / b64.name)
    rnd = random.Random(12)
    with open(folder / "simplesamlphp.log", "w") as fh:
        for i in range(sessions):
            t, head = f"{i:010x}", "Nov 29 13:16:54 simplesamlphp"
            fh.write(f"{head} NOTICE STAT [{t}] User 'alice' successfully authenticated from 127.0.0.1\n")
            fh.write(f"{head} NOTICE STAT [{t}] saml20-idp-SSO sonarqube http://127.0.0.1:8765/idp NA\n")
            if rnd.random() < 0.3:
                fh.write(f"{head} ERROR [{t}] SimpleSAML\\Error\\Error: UNHANDLEDEXCEPTION\n")
                fh.write(f"{head} ERROR [{t}] Backtrace:\n")
                fh.write(f"{head} ERROR [{t}] 0 /var/www/modules/saml/www/sp/saml2-acs.php:{i} (N/A)\n")
            if rnd.random() < 0.1:
                fh.write(f"{head} NOTICE STAT [{t}] Unsuccessful login attempt from 127.0.0.1.\n")
    return folder


def test_many_sessions_of_one_user_at_one_second_scan_in_linear_time(tmp_path):
    """_pair_nearest with ties: every line of the user at the second of the responses; the
    authenticated-user memory over its 4,096 sessions."""
    made = iter(range(10))

    def scan(folder: Path) -> None:
        doc = _json("scan", str(folder))
        assert not _internal(doc) and doc["inputs"][0]["status"] != "failed"

    _linear(scan, lambda n: _busy_user(tmp_path / f"f{next(made)}", n), 2500)


def test_a_simplesamlphp_log_dated_in_year_9999_is_read(tmp_path):
    """The year of a syslog date comes from the file's modification time; one in the last days of
    9999 (tmpfs and btrfs keep it) left no room for the two days _time looks ahead: OverflowError,
    internal-error and the whole log lost."""
    import os

    from samlscan.logs.simplesamlphp import SimpleSamlPhpParser

    lines = (ROOT / "tests" / "data" / "livessp" / "simplesamlphp.log").read_text().splitlines()[:40]
    got = list(SimpleSamlPhpParser(year=9999).parse(enumerate(lines, 1), "x.log", timezone.utc))
    assert got
    log = tmp_path / "simplesamlphp.log"
    log.write_text("\n".join(lines) + "\n")
    os.utime(log, (253402300799, 253402300799))  # 9999-12-31T23:59:59Z
    if os.path.getmtime(log) != 253402300799:
        pytest.skip("this file system keeps no modification time in year 9999")
    doc = _json("scan", str(log))
    assert not _internal(doc) and doc["inputs"][0]["kind"] == "log:simplesamlphp"
