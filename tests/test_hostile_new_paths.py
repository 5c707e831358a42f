"""Hostile inputs for the paste, raw HTTP/Burp/Fiddler, SIEM-wrapped log, SP app log and console
CSV readers: each input here took seconds to hours, or hundreds of MB, before its fix (the size
is picked so that the old code would blow the time bound by 10x or more), and must now end fast,
without a traceback, with the input accounted for."""
from __future__ import annotations

import io
import json
import time
import zipfile
from datetime import timezone
from pathlib import Path
from urllib.parse import unquote, unquote_plus

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.config import build
from samlscan.decode import b64decode_lenient, unquote_bounded
from samlscan.engine import analyze
from samlscan.errors import InputError
from samlscan.inputs import httpraw, paste
from samlscan.logs import applog, google, wrapped
from samlscan.logs._common import parse_iso

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CONFIG = FIXTURES / "config" / "default.toml"
EXPECT = build({}, CONFIG)
KC_LINE = ('2025-03-11 09:40:58,117 WARN  [org.keycloak.events] (executor-thread-14) type="LOGIN_ERROR", '
           'realmId="r", clientId="https://sonar.example.com", userId="null", ipAddress="203.0.113.77", '
           'error="user_not_found", username="x"')


def timed(fn, *args):
    start = time.process_time()
    out = fn(*args)
    return out, time.process_time() - start


def analyzed(path: Path):
    report, seconds = timed(analyze, [str(path)], EXPECT)
    assert len(report.inputs) == 1 and report.inputs[0].status in ("scanned", "failed", "skipped")
    if report.inputs[0].status == "failed":
        assert report.all_findings(), "a failed input carries a finding"
    return report, seconds


# --- paste ---------------------------------------------------------------------------------------

def test_xml_spans_one_search_per_close():
    text = "x <Response " * 40_000 + ">"  # each tag searched to the one '>' at the end: 5 s
    spans, seconds = timed(paste.xml_spans, text)
    assert spans == [] and seconds < 0.5


def test_multipart_name_search_is_bounded():
    text = "content-disposition: form-data; " * 8_000 + "x"  # from each start to the line end: 16 s
    got, seconds = timed(paste._multipart, text)
    assert got is None and seconds < 0.5


def test_multipart_name_still_found_after_other_parameters():
    body = ('--b\r\nContent-Disposition: form-data; filename="a.txt"; name="SAMLResponse"\r\n\r\n'
            "PHNhbWxwOlJlc3BvbnNlLz4=\r\n--b--\r\n")
    pieces, what = paste._multipart(body)
    assert what == "a multipart/form-data body" and pieces and pieces[0].startswith("SAMLResponse=")


@pytest.mark.parametrize("text", [
    'fetch("https://sp/acs", {"body": "' + "\\u0041" * 300_000 + '"})',  # 680 MB per 6 MB before
    "curl $'" + "\\\\" * 600_000,
])
def test_escape_patterns_keep_no_backtracking_state(text):
    import tracemalloc

    tracemalloc.start()
    try:
        paste._json_body(text), paste._ansi_c(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * len(text), f"{peak / 1e6:.0f} MB for {len(text) / 1e6:.1f} MB"


def test_escape_patterns_still_decode():
    got = paste._json_body('fetch("u", {"body": "SAMLResponse=a\\r\\nb\\"c"})')
    assert "'SAMLResponse=a\r\nb\"c'" in got
    assert paste._ansi_c("--data-raw $'a\\nb\\'c'") == "--data-raw \"a\nb'c\""


def test_json_document_with_millions_of_records_is_refused_before_parsing(tmp_path):
    path = tmp_path / "paste.json"
    path.write_text("[" + ",".join(['{"a":1}'] * 250_000) + ',{"SAMLResponse":"PHNhbWxw"}]')
    report, seconds = analyzed(path)
    codes = {f.code for f in report.all_findings()}
    assert "input-too-large" in codes and seconds < 3
    assert any("objects and arrays" in f.message_text for f in report.all_findings())


# --- decoding of values ----------------------------------------------------------------------------

def test_bad_base64_character_found_in_one_search():
    value = "A" * 4_000_000 + "!"  # a re.match per character: 2.5 s
    start = time.process_time()
    with pytest.raises(InputError, match="'!' is not base64"):
        b64decode_lenient(value)
    seconds = time.process_time() - start
    assert seconds < 0.5


def test_unquote_bounded_is_unquote_in_bounded_memory():
    import random
    import tracemalloc

    rng = random.Random(7)
    parts = ["%2B", "%E4%B8%AD", "%C3%A9", "a", "+", "%", "%%", "%4", "x y", "%F0%9F%98%80", "%zz"]
    for _ in range(40):
        text = "".join(rng.choice(parts) for _ in range(rng.randint(0, 70_000)))
        assert unquote_bounded(text) == unquote(text)
        assert unquote_bounded(text, plus=True) == unquote_plus(text)
    text = "%2B" * 1_000_000
    tracemalloc.start()
    try:
        assert unquote_bounded(text) == "+" * 1_000_000
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 30e6, f"{peak / 1e6:.0f} MB (urllib's unquote: ~230 MB)"


# --- wrapped logs, app logs, console CSVs ------------------------------------------------------------

def test_kubectl_prefix_of_slashes_is_linear():
    line = "[pod/" + "a/" * 100_000  # the two runs traded '/' back and forth: 60 s
    got, seconds = timed(wrapped.strip_prefixes, line)
    assert got == line and seconds < 0.2
    assert wrapped.strip_prefixes("[pod/kc-0/keycloak] x") == "x"


def test_wrapper_time_of_a_long_cell():
    got, seconds = timed(wrapped.wrapper_time, "x" + " " * 200_000 + "GMT!", timezone.utc)
    assert got is None and seconds < 0.2
    assert wrapped.wrapper_time("2025-03-11T08:41:02.123 GMT", None).isoformat() == "2025-03-11T08:41:02.123000+00:00"


@pytest.mark.parametrize("cell", ["x" + " " * 50_000 + "!", "x" + "a" * 50_000 + "!",
                                  "2025-03-11 09:41" + " " * 50_000 + "!"])
def test_console_time_of_a_long_cell(cell):
    (got, local), seconds = timed(google.console_time, cell, timezone.utc)  # spaces: hours before
    assert got is None and seconds < 0.2


def test_console_and_iso_times_still_read():
    assert google.console_time("Mar 11, 2025, 9:41:02 AM GMT+1", None)[0].isoformat() == "2025-03-11T08:41:02+00:00"
    assert parse_iso("  2025-03-11T09:41:02.123456789+01:00  ")[0].isoformat() == "2025-03-11T08:41:02.123456+00:00"
    assert parse_iso("2025-03-11T09:41" + " " * 100_000 + "!") == (None, False)


def test_spring_header_of_bracket_groups_is_linear():
    line = "2025-03-11T09:40:01.101+01:00 ERROR 4711 --- " + "[a]" * 30_000  # 20 s before
    got, seconds = timed(applog.parse_header, line)
    assert seconds < 0.2
    real = ("2025-03-11T09:40:01.101+01:00 ERROR 4711 --- [demo] [nio-8080-exec-3] "
            ".s.p.s.a.OpenSaml4AuthenticationProvider : Found 1 validation errors in SAML response [id1]")
    h = applog.parse_header(real)
    assert (h.layout, h.logger, h.thread) == ("spring-boot", ".s.p.s.a.OpenSaml4AuthenticationProvider",
                                              "[demo] [nio-8080-exec-3] ")


def test_java_saml_dump_arrow_after_long_spaces(tmp_path):
    sp = (FIXTURES / "logs" / "sp-app" / "java-saml-logback.log").read_text()
    path = tmp_path / "sp.log"
    path.write_text(sp + "2025-03-11 09:40:01.101 [http-nio-8080-exec-1] DEBUG com.onelogin.saml2.Auth - x"
                    + " " * 200_000 + "-->\n")  # ' ' * 200k before a '-->': 40 s
    report, seconds = analyzed(path)
    assert report.inputs[0].status == "scanned" and seconds < 5


def test_google_csv_with_padded_date_cells(tmp_path):
    header = (FIXTURES / "logs" / "google" / "saml-log-events-export.csv").read_text().split("\n", 1)[0]
    path = tmp_path / "google.csv"
    path.write_text(header + "\n" + ('"x' + " " * 20_000 + '!",Failed login,a,b,c,d,e,f,g,h,i,j\n') * 2)
    report, seconds = analyzed(path)
    assert report.inputs[0].status == "failed" and report.inputs[0].malformed_lines == 2 and seconds < 5


# --- raw HTTP and Fiddler ------------------------------------------------------------------------------

def test_raw_http_beyond_the_message_limit_says_so(monkeypatch):
    monkeypatch.setattr(httpraw, "MAX_MESSAGES", 3)
    text = "GET /a HTTP/1.1\nHost: x\n\n" * 5
    got = httpraw.messages_of(text, "p.txt")
    cut = [p for p in got if getattr(p, "code", None) == "input-too-large"]
    assert cut and "first 3" in cut[0].detail
    entries = httpraw.entries_of(text)
    assert len(entries) == 3 and "GET" not in (entries[-1]["request"].get("postData") or {}).get("text", "")


def test_saz_member_with_a_huge_session_number(tmp_path):
    post = (FIXTURES / "attacks").parent / "responses" / "valid" / "okta.xml"
    import base64

    body = "SAMLResponse=" + base64.b64encode(post.read_bytes()).decode().replace("+", "%2B").replace("=", "%3D")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("raw/01_c.txt", "POST /acs HTTP/1.1\r\nHost: sp\r\n\r\n" + body)
        zf.writestr("raw/" + "9" * 5000 + "_c.txt", "x")
    path = tmp_path / "capture.saz"
    path.write_bytes(buf.getvalue())
    result = CliRunner().invoke(main, ["check", str(path), "--format", "json", "--config", str(CONFIG)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    doc = json.loads(result.stdout)
    assert [i["status"] for i in doc["inputs"]] == ["scanned"] and len(doc["messages"]) == 1
    assert "corrupt" not in result.output


# --- columnar JSON exports (Log Analytics query API, Splunk json_rows) ------------------------------

_RAW_LINE = KC_LINE


def _columnar(rows_text: str) -> str:
    return '{"preview":false,"fields":["_time","_raw"],"rows":[' + rows_text + "]}"


def _read(path):
    from samlscan.logs import parse_file
    from samlscan.logs.base import Malformed
    from samlscan.model import LogEvent

    recs, seconds = timed(lambda: list(parse_file(str(path), timezone.utc)))
    return ([r for r in recs if isinstance(r, LogEvent)], [r.reason for r in recs if isinstance(r, Malformed)],
            seconds)


GOOD_ROW = json.dumps(["2025-03-11T08:40:58Z", _RAW_LINE])


@pytest.mark.parametrize("bad,reason", [
    ('["x", "' + "a" * 3_000_000 + '"]', "larger than"),  # skipped, never buffered whole
    ("[" * 400_000 + "]" * 400_000, "invalid JSON"),  # within the size bound: json's recursion limit
    ('["x", ' + "1" * 2_000_000 + "]", "larger than"),
])
def test_a_hostile_row_is_reported_and_the_next_row_read(tmp_path, bad, reason):
    path = tmp_path / "results.json"
    path.write_text(_columnar(",".join([GOOD_ROW, bad, GOOD_ROW])))
    events, bad_reasons, seconds = _read(path)
    assert len(events) == 2 and len(bad_reasons) == 1 and reason in bad_reasons[0] and seconds < 3


@pytest.mark.parametrize("tail", [
    '{"' + "k" * 5_000_000 + '":1}',  # a member name of 5 MB
    '{"preview":' + "1" * 5_000_000 + "}",  # a number of 5 MB
    '{"messages":"' + "\\\\" * 3_000_000 + '"}',  # an escaped string of 6 MB
    _columnar(GOOD_ROW + "," + " " * 5_000_000 + GOOD_ROW),  # 5 MB of spaces between rows
    _columnar(GOOD_ROW + "," + "\n" * 1_000_000 + GOOD_ROW),  # a million lines between rows
    _columnar(GOOD_ROW + ',["x","' + "y" * 3_000_000),  # unterminated
])
def test_hostile_columnar_exports_end_fast(tmp_path, tail):
    """After a first result, a member name, a number or an escaped string of MBs, MBs of spaces
    or newlines, a cut file: read in linear time, every row around them found."""
    path = tmp_path / "results.json"
    path.write_text(_columnar(GOOD_ROW) + "\n" + tail)
    events, bad_reasons, seconds = _read(path)
    assert seconds < 5, seconds
    assert len(events) == 1 + tail.count(GOOD_ROW)


@pytest.mark.parametrize("columns", ["null", "1", '"x"', "{}"])
def test_columns_that_are_no_list_do_not_stop_a_scan(tmp_path, columns):
    """`"columns": null` beside Splunk's fields raised TypeError in the sniffer: an internal error
    that ended the whole scan with no report."""
    (tmp_path / "splunk.json").write_text('{"fields":["_raw"],"rows":[["x"]],"columns":' + columns + '}\n')
    (tmp_path / "okta.xml").write_bytes((FIXTURES / "responses" / "valid" / "okta.xml").read_bytes())
    res = CliRunner().invoke(main, ["scan", str(tmp_path), "--format", "json", "--fail-on", "never", "--jobs", "1"])
    assert res.exit_code == 0, res.output[-500:]
    assert len(json.loads(res.stdout)["inputs"]) == 2


def test_thousands_of_nil_attribute_values_are_read_in_linear_time(tmp_path):
    """Each attribute looked its xsi:nil count up among all the message's facts: 10,000 nil
    attributes took 13 s (20,000: 50 s)."""
    xml = (FIXTURES / "responses" / "valid" / "okta.xml").read_text()
    nil = ('<saml2:Attribute Name="a{}"><saml2:AttributeValue xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xsi:nil="true"/></saml2:Attribute>')
    at = xml.index("</saml2:AttributeStatement>")

    def seconds(n: int) -> float:
        path = tmp_path / f"nil{n}.xml"
        path.write_text(xml[:at] + "".join(nil.format(i) for i in range(n)) + xml[at:])
        t = time.process_time()
        res = CliRunner().invoke(main, ["check", str(path), "--config", str(FIXTURES / "config/default.toml"),
                                        "--fail-on", "never", "-q"])
        assert res.exit_code == 0
        return time.process_time() - t

    small, big = seconds(2_000), seconds(8_000)
    assert big < 7 * small, (small, big)  # 4x the attributes: ~4x the time (quadratic: ~16x)
