"""Ninth review of the input readers: defects found by trying the shapes real tools write."""
from __future__ import annotations

import base64
import gzip
import json
import zipfile
from pathlib import Path

from click.testing import CliRunner

from samlscan.cli import main

ROOT = Path(__file__).resolve().parents[1] / "fixtures"
CONFIG = str(ROOT / "config" / "default.toml")
XML = (ROOT / "responses" / "valid" / "okta.xml").read_text()
B64 = base64.b64encode(XML.encode()).decode()
ACS = "https://sonar.example.com/oauth2/callback/saml"
PAGE = ("<html>\r\n<body onload=\"document.forms[0].submit()\">\r\n"
        f"<form method=\"post\" action=\"{ACS}\">\r\n"
        f"<input type=\"hidden\" name=\"SAMLResponse\" value=\"{B64}\"/>\r\n"
        "<input type=\"hidden\" name=\"RelayState\" value=\"abc\"/>\r\n</form>\r\n</body>\r\n</html>\r\n")


def _run(path: Path, *extra: str) -> dict:
    r = CliRunner().invoke(main, ["check", str(path), "--config", CONFIG, "--at", "2025-03-11T08:41:00Z",
                                  "--format", "json", *extra], catch_exceptions=False)
    assert r.exit_code in (0, 1), r.output
    return json.loads(r.stdout)


def _verified(msg: dict) -> bool:
    return bool(msg["signatures"]) and all(s["verified"] for s in msg["signatures"])


def _chunked(data: bytes, size: int = 1000) -> bytes:
    """RFC 9112 7.1: each chunk's size in hex, its data, CRLF; a zero-size chunk ends the body."""
    parts = [data[i:i + size] for i in range(0, len(data), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


_REQUEST = "GET /app/sso HTTP/1.1\r\nHost: idp.example.org\r\n\r\n"
_CHUNKED_HEAD = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n"


# --- raw HTTP: bodies as Burp and Fiddler save them ----------------------------------------

def test_a_chunked_response_saved_raw_is_read_through_its_chunk_sizes(tmp_path):
    """Burp's and Fiddler's raw response keeps 'Transfer-Encoding: chunked': the chunk-size lines
    fell inside the auto-post form's SAMLResponse value (the value did not decode: 'Invalid bytes
    in character encoding'); also when the paste turned every CRLF into LF."""
    raw = _REQUEST + _CHUNKED_HEAD + _chunked(PAGE.encode()).decode()
    for name, text in (("crlf.txt", raw), ("lf.txt", raw.replace("\r\n", "\n"))):
        path = tmp_path / name
        path.write_bytes(text.encode())
        doc = _run(path)
        assert [(m["type"], m["ref"]) for m in doc["messages"]] == [("Response", "message 1/body")], name
        assert _verified(doc["messages"][0]) and not doc["input_findings"], name


def _saz(path: Path, response: bytes) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("raw/01_c.txt", _REQUEST)
        z.writestr("raw/01_s.txt", response)
        z.writestr("raw/01_m.xml", '<Session SID="1"><SessionTimers '
                   'ClientBeginRequest="2025-03-11T08:40:50.1234567+00:00"/></Session>')


def test_a_fiddler_session_with_a_gzip_and_chunked_page_is_read(tmp_path):
    """Fiddler saves the body as it came ('Response body is encoded. Click to decode.'): gzip
    inside chunks. It was decoded as UTF-8 text: the page's form was lost."""
    path = tmp_path / "login.saz"
    _saz(path, _CHUNKED_HEAD.replace("\r\n\r\n", "\r\nContent-Encoding: gzip\r\n\r\n").encode()
         + _chunked(gzip.compress(PAGE.encode()), 700))
    doc = _run(path)
    assert [(m["type"], m["ref"]) for m in doc["messages"]] == [("Response", "session 1/body")]
    assert _verified(doc["messages"][0])


def test_a_burp_item_with_a_gzip_response_is_read(tmp_path):
    """Burp's 'Save items' (base64) keeps a compressed response compressed."""
    resp = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n\r\n"
            + gzip.compress(PAGE.encode()))
    item = (f"<item><time>Tue Mar 11 08:40:50 UTC 2025</time><url><![CDATA[https://idp.example.org/app/sso]]></url>"
            f"<request base64=\"true\"><![CDATA[{base64.b64encode(_REQUEST.encode()).decode()}]]></request>"
            f"<response base64=\"true\"><![CDATA[{base64.b64encode(resp).decode()}]]></response></item>")
    path = tmp_path / "burp.xml"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE items [\n<!ELEMENT items (item*)>\n'
                    '<!ATTLIST items burpVersion CDATA "">\n]>\n'
                    f'<items burpVersion="2024.1.1" exportTime="Tue Mar 11 08:45:00 UTC 2025">\n{item}\n</items>\n')
    doc = _run(path)
    assert [(m["type"], m["ref"]) for m in doc["messages"]] == [("Response", "item 1/body")]
    assert _verified(doc["messages"][0])


# --- container logs: one line written in parts ----------------------------------------------

_APP = [
    "2025-03-11 08:41:02,611 INFO c.e.s.AcsServlet [http-nio-8080-exec-3] SAML response received",
    "2025-03-11 08:41:02,612 DEBUG c.o.s.a.SamlResponse [http-nio-8080-exec-3] SAMLResponse invalid --> " + B64,
    "2025-03-11 08:41:02,613 ERROR c.o.s.a.SamlResponse [http-nio-8080-exec-3] sonarqube is not a valid audience for this Response",
]
PART = 4096


def _parts(line: str) -> list[str]:
    return [line[i:i + PART] for i in range(0, len(line), PART)]


def _dump_read(path: Path) -> None:
    doc = _run(path)
    assert [(m["type"], m["ref"]) for m in doc["messages"]] == [("Response", "line 2")]
    assert _verified(doc["messages"][0])
    assert not [f for f in doc["input_findings"] if f["code"].startswith("input-")]


def test_a_cri_log_line_cut_into_partial_parts_is_one_line(tmp_path):
    """containerd and CRI-O cut a line over 16 KiB into 'P' parts and an 'F' last part (here at 4
    KiB); each part was read as a line of its own: the dump's base64 did not decode."""
    out = []
    for n, line in enumerate(_APP):
        parts = _parts(line)
        for i, part in enumerate(parts):
            tag = "F" if i == len(parts) - 1 else "P"
            out.append(f"2025-03-11T08:41:02.61{n}000000Z stdout {tag} {part}")
    out.insert(2, "2025-03-11T08:41:02.612500000Z stderr F a line of the other stream between the parts")
    path = tmp_path / "sp_default_sp-7d9f_0123.log"
    path.write_text("\n".join(out) + "\n")
    _dump_read(path)


def test_a_docker_json_file_line_cut_into_records_is_one_line(tmp_path):
    """Docker's json-file driver cuts a line over 16 KiB into records whose `log` does not end in
    '\\n'; they were read as lines of their own."""
    path = tmp_path / "0123abcd-json.log"
    path.write_text("\n".join(docker_records()) + "\n")
    _dump_read(path)


def docker_records() -> list[str]:
    """_APP's lines as json-file records of 4 KiB parts."""
    out = []
    for n, line in enumerate(_APP):
        parts = _parts(line)
        for i, part in enumerate(parts):
            end = "\n" if i == len(parts) - 1 else ""
            out.append(json.dumps({"log": part + end, "stream": "stdout",
                                   "time": f"2025-03-11T08:41:02.61{n}{i:06d}Z"}))
    return out


# --- syslog files and the journal -----------------------------------------------------------

_JAVA = [
    "2025-03-11 09:41:02,611 INFO [http-nio-8080-exec-3] c.e.s.AcsController - SAML response received",
    "2025-03-11 09:41:02,613 ERROR [http-nio-8080-exec-3] c.e.s.AcsController - SAML login failed",
    "com.onelogin.saml2.exception.ValidationError: sonarqube is not a valid audience for this Response",
    "\tat com.onelogin.saml2.authn.SamlResponse.isValid(SamlResponse.java:310)",
    "\tat com.onelogin.saml2.Auth.processResponse(Auth.java:1071)",
]


def _events(path: Path) -> list[tuple]:
    r = CliRunner().invoke(main, ["check", str(path), "--config", CONFIG, "--format", "json"],
                           catch_exceptions=False)
    doc = json.loads(r.stdout)
    return [(a["outcome"], a["root_cause"], [e["ref"] for e in a["evidence"]]) for a in doc["attempts"]]


def test_a_syslog_file_without_pri_is_unwrapped(tmp_path):
    """rsyslog's and syslog-ng's files and journalctl's default output have no '<PRI>' before
    the header: the app log inside was not recognised (no event at all), and journalctl's
    further lines of a message (indented under the first: the exception) were read with their
    padding (an indented line is a stack frame: the cause was lost)."""
    header = "Mar 11 09:41:02 web01 java[2231]: "
    lines = [header + _JAVA[0], header + _JAVA[1]] + [" " * len(header) + ln for ln in _JAVA[2:]]
    path = tmp_path / "journal.txt"
    path.write_text("\n".join(lines) + "\n")
    assert _events(path) == [("failure", "audience-mismatch", ["line 2"])]


def test_an_rfc3339_syslog_file_is_unwrapped(tmp_path):
    """RSYSLOG_FileFormat and journalctl -o short-iso: the app log reader took the syslog time for
    the record's ('web01 java[2231]: 2025-...' its message) and joined no stack trace."""
    for n, stamp in enumerate(("2025-03-11T09:41:02.613427+01:00", "2025-03-11T09:41:02+0100")):
        path = tmp_path / f"messages{n}"
        path.write_text("".join(f"{stamp} web01 java[2231]: {ln}\n" for ln in _JAVA))
        assert _events(path) == [("failure", "audience-mismatch", ["line 2"])], stamp


def test_journalctl_json_is_unwrapped(tmp_path):
    """journalctl -o json: MESSAGE (an array of bytes when not printable UTF-8) and
    __REALTIME_TIMESTAMP (epoch microseconds) were not known."""
    out = []
    for n, line in enumerate(_JAVA[:2] + ["\n".join(_JAVA[2:])]):
        message = list(line.encode()) if "\t" in line else line
        out.append(json.dumps({"__CURSOR": f"s=1;i={n}", "__REALTIME_TIMESTAMP": f"17416824626{n}0000",
                               "_HOSTNAME": "web01", "SYSLOG_IDENTIFIER": "java", "_PID": "2231",
                               "PRIORITY": "6", "MESSAGE": message}))
    path = tmp_path / "journal.json"
    path.write_text("\n".join(out) + "\n")
    assert _events(path) == [("failure", "audience-mismatch", ["line 2"])]


# --- a value at the end of a sentence ------------------------------------------------------

def test_a_form_body_in_prose_does_not_take_the_sentences_punctuation(tmp_path):
    """'... posted SAMLResponse=PHNh...%3D.' (or ',' or ')'): the punctuation was read as part
    of the base64 value, which then did not decode (input-bad-base64)."""
    from urllib.parse import quote

    body = f"SAMLResponse={quote(B64, safe='')}"
    for n, text in enumerate((f"The browser posted {body}.\n", f"The browser posted {body}, then got a 500.\n",
                              f"(the body was {body})\n", f"The value was SAMLResponse={B64}.\n")):
        path = tmp_path / f"ticket{n}.txt"
        path.write_text(text)
        doc = _run(path)
        assert [m["type"] for m in doc["messages"]] == ["Response"], text[:30]
        assert _verified(doc["messages"][0]), text[:30]


# --- JSON app logs: the time a logger writes -------------------------------------------------

def test_a_pino_time_in_epoch_seconds_is_not_read_as_milliseconds(tmp_path):
    """pino's stdTimeFunctions.unixTime writes `time` in epoch seconds: it was read as
    milliseconds (1970-01-21)."""
    err = {"type": "Error", "message": "Invalid signature",
           "stack": "Error: Invalid signature\n    at SAML.validatePostResponseAsync "
                    "(/app/node_modules/@node-saml/node-saml/lib/saml.js:700:13)"}
    path = tmp_path / "app.log"
    path.write_text(json.dumps({"level": 50, "time": 1741686062, "pid": 1, "hostname": "sp", "err": err,
                                "msg": "SAML login failed"}) + "\n")
    r = CliRunner().invoke(main, ["check", str(path), "--config", CONFIG, "--format", "json"],
                           catch_exceptions=False)
    (attempt,) = json.loads(r.stdout)["attempts"]
    assert (attempt["outcome"], attempt["time"]) == ("failure", "2025-03-11T09:41:02Z")


# --- a log platform's envelope ---------------------------------------------------------------

def test_a_datadog_v1_logs_list_is_unwrapped(tmp_path):
    """Datadog's logs API v1 (POST /api/v1/logs-queries/list, its pagination guide's loop) answers
    {"logs": [{"id", "content": {"timestamp", "host", "service", "message", "attributes"}}],
    "nextLogId", "status"}: it was not recognised (no event)."""
    logs = [{"id": f"AQAAAZWx{n}", "content": {"timestamp": f"2025-03-11T08:41:02.61{n}Z", "tags": ["env:prod"],
                                               "host": "sp01", "service": "sp", "message": line,
                                               "attributes": {"status": "info"}}}
            for n, line in enumerate(_JAVA[:2] + ["\n".join(_JAVA[2:])])]
    path = tmp_path / "datadog.json"
    path.write_text(json.dumps({"logs": logs, "nextLogId": None, "status": "done", "requestId": "cDdW"}, indent=2))
    assert [a[:2] for a in _events(path)] == [("failure", "audience-mismatch")]


# --- the browser's form-data view with a line of prose around it -----------------------------

def test_form_fields_with_prose_around_them_keep_their_relay_state(tmp_path):
    """The payload view copied with its title ('Form Data'), or with the ticket's words before or
    after it: the title made the whole paste one bad base64 value; prose after the fields was
    swallowed into the last value ('abcThanks, Bob', or the SAMLResponse's base64); prose before
    them lost the RelayState."""
    texts = {
        "title": f"Form Data\nSAMLResponse\t{B64}\nRelayState\tabc\n",
        "after-blank": f"SAMLResponse: {B64}\nRelayState: abc\n\nThanks,\nBob\n",
        "after": f"SAMLResponse: {B64}\nRelayState: abc\nThanks, Bob\n",
        "before": f"Hi,\nhere is the payload:\n\nSAMLResponse: {B64}\nRelayState: abc\n",
        "after-value": f"RelayState: abc\nSAMLResponse: {B64}\nThat is all I have.\n",
    }
    for name, text in texts.items():
        path = tmp_path / f"{name}.txt"
        path.write_text(text)
        doc = _run(path)
        assert [(m["type"], m["relay_state"]) for m in doc["messages"]] == [("Response", "abc")], name
        assert _verified(doc["messages"][0]), name


def test_form_fields_beside_another_message_are_not_one_form_view(tmp_path):
    """Prose around the fields is left out only when it carries no message of its own."""
    url = (ROOT / "requests" / "authnrequest-redirect-signed.txt").read_text().strip()
    path = tmp_path / "two.txt"
    path.write_text(f"Request:\n{url}\n\nSAMLResponse: {B64}\nRelayState: abc\n")
    doc = _run(path)
    assert sorted(m["type"] for m in doc["messages"]) == ["AuthnRequest", "Response"]


# --- a link an e-mail security gateway rewrote ---------------------------------------------

def test_a_redirect_url_wrapped_by_outlook_safe_links_is_read_and_verifies(tmp_path):
    """Microsoft 365 Safe Links rewrites a mailed link as
    'https://<region>.safelinks.protection.outlook.com/?url=<the URL, percent-encoded>&data=..&sdata=..&reserved=0':
    the paste was read as base64 ('character ':' is not base64')."""
    from urllib.parse import quote

    url = (ROOT / "requests" / "authnrequest-redirect-signed.txt").read_text().strip()
    wrapped = ("https://eur01.safelinks.protection.outlook.com/?url=" + quote(url, safe="")
               + "&data=05%7C02%7Cbob%40example.com%7C1a2b3c%7C0%7C0%7C638772%7CUnknown%7CTWFpbGZsb3d8%3D%7C0%7C%7C%7C"
               "&sdata=oQY%2BD%2FHdElO%2BsWIKPxSh%2FCZhqVnOlqnemz9ocQlkDGY%3D&reserved=0")
    for n, text in enumerate((wrapped + "\n", f"The login link <{wrapped}> fails for me.\n")):
        path = tmp_path / f"mail{n}.txt"
        path.write_text(text)
        r = CliRunner().invoke(main, ["check", str(path), "--sp-cert", str(ROOT / "keys" / "sp.crt"),
                                      "--format", "json"], catch_exceptions=False)
        doc = json.loads(r.stdout)
        assert [(m["type"], m["binding"]) for m in doc["messages"]] == [("AuthnRequest", "redirect")], text[:20]
        assert doc["messages"][0]["redirect_signature"]["verified"] is True


def test_google_cloud_logging_entries_are_unwrapped(tmp_path):
    """`gcloud logging read --format=json` (LogEntry: textPayload for a text line, jsonPayload for a
    JSON one) was not recognised."""
    text = [{"insertId": f"1x{n}", "logName": "projects/p/logs/stdout", "receiveTimestamp": "2025-03-11T08:41:03Z",
             "resource": {"type": "k8s_container", "labels": {"pod_name": "sp-0"}}, "severity": "INFO",
             "textPayload": line, "timestamp": f"2025-03-11T08:41:02.61{n}Z"}
            for n, line in enumerate(_JAVA[:2] + ["\n".join(_JAVA[2:])])]
    path = tmp_path / "gcloud.json"
    path.write_text(json.dumps(text, indent=2))
    assert [a[:2] for a in _events(path)] == [("failure", "audience-mismatch")]
    err = {"type": "Error", "message": "Invalid signature",
           "stack": "Error: Invalid signature\n    at SAML.validatePostResponseAsync "
                    "(/app/node_modules/@node-saml/node-saml/lib/saml.js:700:13)"}
    entry = {"insertId": "2y", "logName": "projects/p/logs/stdout", "timestamp": "2025-03-11T08:41:02.613Z",
             "jsonPayload": {"level": 50, "time": 1741682462613, "err": err, "msg": "SAML login failed"}}
    path = tmp_path / "gcloud-json.json"
    path.write_text(json.dumps([entry]))
    assert [a[:2] for a in _events(path)] == [("failure", "signature-invalid")]


def test_aks_container_insights_exports_are_unwrapped(tmp_path):
    """ContainerLogV2 (`LogMessage`, `TimeGenerated`), as the Log Analytics query API answers it and
    as the portal's CSV export writes it, was not recognised (no event)."""
    rows = [[f"2025-03-11T08:41:02.61{n}Z", "sp-0", line, "stdout"]
            for n, line in enumerate(_JAVA[:2] + ["\n".join(_JAVA[2:])])]
    api = {"tables": [{"name": "PrimaryResult", "columns": [
        {"name": "TimeGenerated", "type": "datetime"}, {"name": "PodName", "type": "string"},
        {"name": "LogMessage", "type": "dynamic"}, {"name": "LogSource", "type": "string"}], "rows": rows}]}
    path = tmp_path / "query.json"
    path.write_text(json.dumps(api))
    assert [a[:2] for a in _events(path)] == [("failure", "audience-mismatch")]
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["TimeGenerated [UTC]", "PodName", "LogMessage", "LogSource"])
    writer.writerows([[f"3/11/2025, 8:41:02.61{n} AM", *row[1:]] for n, row in enumerate(rows)])
    path = tmp_path / "query_data.csv"
    path.write_text(out.getvalue())
    assert [a[:2] for a in _events(path)] == [("failure", "audience-mismatch")]


def test_a_burp_item_keeps_the_scheme_and_port_it_was_sent_to(tmp_path):
    """A Burp item's request line and Host name no scheme: the URL was always 'https://<Host>',
    though the item's <url> (and <protocol>, <port>) say http on port 8080 (an SP reached over
    plain http, as behind a TLS-terminating proxy: what its Destination check compares)."""
    from urllib.parse import quote

    req = ("POST /oauth2/callback/saml HTTP/1.1\r\nHost: sonar.example.com:8080\r\n"
           "Content-Type: application/x-www-form-urlencoded\r\n\r\n"
           f"SAMLResponse={quote(B64, safe='')}&RelayState=abc")
    resp = b"HTTP/1.1 302 Found\r\nLocation: /projects\r\n\r\n"
    item = ("<item><time>Tue Mar 11 08:41:02 UTC 2025</time>"
            "<url><![CDATA[http://sonar.example.com:8080/oauth2/callback/saml]]></url>"
            '<host ip="192.0.2.10">sonar.example.com</host><port>8080</port><protocol>http</protocol>'
            "<method><![CDATA[POST]]></method><path><![CDATA[/oauth2/callback/saml]]></path>"
            f"<request base64=\"true\"><![CDATA[{base64.b64encode(req.encode()).decode()}]]></request>"
            f"<status>302</status><response base64=\"true\"><![CDATA[{base64.b64encode(resp).decode()}]]></response>"
            "</item>")
    path = tmp_path / "burp.xml"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE items [\n<!ELEMENT items (item*)>\n]>\n'
                    f'<items burpVersion="2024.1.1" exportTime="Tue Mar 11 08:45:00 UTC 2025">\n{item}\n</items>\n')
    r = CliRunner().invoke(main, ["flows", str(path), "--format", "json"], catch_exceptions=False)
    (flow,) = json.loads(r.stdout)["inputs"][0]["flows"]
    assert [(s["method"], s["url"]) for s in flow["steps"]] == [
        ("POST", "http://sonar.example.com:8080/oauth2/callback/saml")]


def test_a_logstash_encoder_record_with_its_stack_trace_is_read(tmp_path):
    """logstash-logback-encoder (LogstashEncoder: @timestamp, message, logger_name, thread_name,
    level, stack_trace as one string) was not recognised: the SAML library is named only in the
    stack trace, which was never read."""
    exc = "org.springframework.security.saml2.provider.service.authentication.Saml2AuthenticationException"
    text = ("Invalid assertion [a1b2] for SAML response [r1]: None of the audiences within Assertion 'a1b2' "
            "matched the list of valid audiances")
    stack = (f"java.lang.IllegalStateException: login failed\n\tat com.example.sp.Acs.post(Acs.java:42)\n"
             f"Caused by: {exc}: {text}\n\tat org.springframework.security.saml2.provider.service."
             "authentication.OpenSaml4AuthenticationProvider.authenticate(OpenSaml4AuthenticationProvider.java:500)")
    record = {"@timestamp": "2025-03-11T09:41:02.613+01:00", "@version": "1", "message": "SAML login failed",
              "logger_name": "com.example.sp.SamlFailureHandler", "thread_name": "http-nio-8080-exec-3",
              "level": "ERROR", "level_value": 40000, "stack_trace": stack}
    path = tmp_path / "sp.json.log"
    path.write_text(json.dumps(record) + "\n")
    assert _events(path) == [("failure", "audience-mismatch", ["line 1"])]


def test_a_python_json_logger_record_is_read(tmp_path):
    """python-json-logger ('%(asctime)s %(levelname)s %(name)s %(message)s': asctime, levelname, name,
    message; a traceback in exc_info, its exception on its last line) was not recognised."""
    trace = ("Traceback (most recent call last):\n  File \"/app/views.py\", line 40, in acs\n"
             "    auth.process_response()\nonelogin.saml2.errors.OneLogin_Saml2_ValidationError: "
             "sonarqube is not a valid audience for this Response")
    records = [{"asctime": "2025-03-11 08:41:02,611", "levelname": "INFO", "name": "app.views",
                "message": "SAML ACS called"},
               {"asctime": "2025-03-11 08:41:02,613", "levelname": "ERROR", "name": "app.views",
                "message": "SAML login failed", "exc_info": trace}]
    path = tmp_path / "app.json"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    r = CliRunner().invoke(main, ["check", str(path), "--config", CONFIG, "--format", "json"],
                           catch_exceptions=False)
    (attempt,) = json.loads(r.stdout)["attempts"]
    assert (attempt["outcome"], attempt["root_cause"], attempt["time"]) == (
        "failure", "audience-mismatch", "2025-03-11T08:41:02Z")


def _v2(url: str) -> str:
    """Proofpoint URL Defense v2's 'u' value: '/' as '_', other specials as '-XX'."""
    return "".join("_" if c == "/" else c if c.isalnum() or c in "._" else f"-{ord(c):02X}" for c in url)


def _v3(url: str) -> tuple[str, str]:
    """v3's URL with '%' and '&' moved out as '*', and the token holding them (urlsafe base64)."""
    import base64

    moved = "".join(c for c in url if c in "%&")
    kept = "".join("*" if c in "%&" else c for c in url)
    return kept, base64.urlsafe_b64encode(moved.encode()).decode().rstrip("=")


def test_a_redirect_url_wrapped_by_proofpoint_url_defense_is_read_and_verifies(tmp_path):
    """Proofpoint URL Defense rewrites a mailed link (v2 'urldefense.proofpoint.com/v2/url?u=...',
    v3 'urldefense.com/v3/__<url>__;<token>!!...$'): the paste was read as bad base64."""
    url = (ROOT / "requests" / "authnrequest-redirect-signed.txt").read_text().strip()
    kept, token = _v3(url)
    links = ("https://urldefense.proofpoint.com/v2/url?u=" + _v2(url)
             + "&d=DwMFaQ&c=euGZstcaTDllvimEN8b7jXrwqOf-v5A_CdpgnVfiiMM&r=abc&m=def&s=ghi&e=",
             f"https://urldefense.com/v3/__{kept}__;{token}!!ACWV5N9M2RV99hQ!Jkl$")
    for n, link in enumerate(links):
        path = tmp_path / f"mail{n}.txt"
        path.write_text(f"The login link {link} fails for me.\n")
        r = CliRunner().invoke(main, ["check", str(path), "--sp-cert", str(ROOT / "keys" / "sp.crt"),
                                      "--format", "json"], catch_exceptions=False)
        doc = json.loads(r.stdout)
        assert [(m["type"], m["binding"]) for m in doc["messages"]] == [("AuthnRequest", "redirect")], link[:40]
        assert doc["messages"][0]["redirect_signature"]["verified"] is True


def test_url_defense_v3_puts_runs_of_moved_characters_back():
    import base64

    from samlscan.inputs.paste import _url_defense_target

    # '**C' is a run of 4 moved characters (length code 'C': 2 + 2), '*' one
    token = base64.urlsafe_b64encode(b"%3D%&").decode().rstrip("=")
    link = f"https://urldefense.com/v3/__https://sp.example/acs?SAMLResponse=abc**Cxy*z__;{token}!!x$"
    assert _url_defense_target("v3", link) == "https://sp.example/acs?SAMLResponse=abc%3D%xy&z"
