"""--redact over the input paths added for pasted evidence, proxy exports and wrapped logs: pasted
shapes (Markdown fences, e-mail quoting, cURL/PowerShell/fetch copies, raw HTTP, several messages
in one paste), Burp Suite XML and Fiddler .saz captures, SIEM/container-wrapped logs, SP
application logs, Okta/Google console CSV, authentik server logs and AD FS exports.

Each leak found is pinned in every format; then every format runs over one sample of each input
path and no personal value of that sample (from its unredacted report, the values planted in it,
and the emails and addresses of its raw text) may survive."""
from __future__ import annotations

import base64
import json
import re
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from samlscan.cli import main

ROOT = Path(__file__).resolve().parents[1] / "fixtures"
CONFIG = str(ROOT / "config" / "default.toml")
FORMATS = ("table", "json", "jsonl", "csv", "sarif", "html")
XML = (ROOT / "responses" / "valid" / "okta.xml").read_text()
B64 = base64.b64encode(XML.encode()).decode()
BODY = f"SAMLResponse={quote(B64, safe='')}&RelayState=abc"
ACS = "https://sonar.example.com/oauth2/callback/saml"
REDIRECT = (ROOT / "requests" / "authnrequest-redirect-signed.txt").read_text().strip()
PAGE = (f'<html><body onload="document.forms[0].submit()"><form method="post" action="{ACS}">'
        f'<input type="hidden" name="SAMLResponse" value="{B64}"/>'
        '<input type="hidden" name="RelayState" value="abc"/></form></body></html>')

# what a copied request carries besides the SAML: never in a report, redacted or not
COOKIE, TOKEN, CLIENT_V4, CLIENT_V6 = "SESSCOOKIE1A2B3C", "squ_bearertoken4f3e2d1c", "198.51.100.23", "2001:db8:85a3::8a2e:370:7334"
HEADERS = (f"Cookie: JSESSIONID={COOKIE}; XSRF-TOKEN=xsrftoken998877\r\nAuthorization: Bearer {TOKEN}\r\n"
           f"X-Forwarded-For: {CLIENT_V4}, {CLIENT_V6}, 10.1.2.3\r\n")
RAW_GET = f"GET {REDIRECT[len('https://idp.example.org'):]} HTTP/1.1\r\nHost: idp.example.org\r\n{HEADERS}\r\n"
RAW_PAGE = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nSet-Cookie: KEYCLOAK_SESSION=kcsess556677; Path=/\r\n\r\n" + PAGE
RAW_POST = (f"POST /oauth2/callback/saml HTTP/1.1\r\nHost: sonar.example.com\r\n{HEADERS}"
            f"Content-Type: application/x-www-form-urlencoded\r\n\r\n{BODY}")
PLANTED = (COOKIE, TOKEN, CLIENT_V4, CLIENT_V6, "xsrftoken998877", "kcsess556677", "alice.jones", "hunter2")

# the personal values of the standard scenario (fixtures/README.md)
SCENARIO = ("dev.user1@example.com", "devuser1", "Dev User One")


def _run(*args: str, codes=(0, 1)) -> str:
    r = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert r.exit_code in codes, r.output
    return r.stdout


def _check(path, fmt: str, redact: bool = True, command: str = "check") -> str:
    return _run(command, str(path), "--config", CONFIG, "--format", fmt, "--fail-on", "never", "-q",
                *(["--redact"] if redact else []))


def _assert_masked(text: str, values, where: str) -> None:
    for v in values:
        for form in {v, quote(v, safe=""), v.replace("&", "&amp;")}:
            assert form not in text, f"{where}: {form!r} survived --redact"


# --- the leaks found ---------------------------------------------------------------------------

APP_LINE = ("2025-03-11 09:41:02.615 ERROR [http-nio-8080-exec-3] com.example.sso.AcsServlet - SAML login of "
            "user=alice.jones from 198.51.100.23 (session JSESSIONID=8F2A1BC0DE99, "
            "https://alice.jones:hunter2@sonar.example.com/acs?login_hint=alice.jones%40example.com) failed: "
            "sonarqube is not a valid audience for this Response")
APP_LOG = (APP_LINE + "\ncom.onelogin.saml2.exception.ValidationError: sonarqube is not a valid audience for "
           "this Response\n\tat com.onelogin.saml2.authn.SamlResponse.isValid(SamlResponse.java:353)\n")
APP_PERSONAL = ("alice.jones", "8F2A1BC0DE99", "hunter2", "alice.jones%40example.com", "198.51.100.23")


def _splunk(lines: str) -> str:
    return "".join(json.dumps({"preview": False, "result": {"_raw": line, "_time": "2025-03-11T09:41:02.615+01:00",
                                                           "host": "web-7"}}) + "\n"
                   for line in lines.rstrip("\n").split("\n"))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("shape", ["sp-app-log", "splunk-wrapped"])
def test_a_logged_user_session_and_url_are_masked(tmp_path, shape, fmt):
    """Before: an SP log line's 'user=alice.jones' (no reader takes it as the event's user), its
    JSESSIONID, the user part of a URL ('alice.jones:hunter2@') and a URL-encoded email
    ('alice.jones%40example.com') came through in every format."""
    path = tmp_path / ("app.log" if shape == "sp-app-log" else "splunk.json")
    path.write_text(APP_LOG if shape == "sp-app-log" else _splunk(APP_LOG))
    plain = _check(path, fmt, redact=False)
    assert "alice.jones" in plain and "8F2A1BC0DE99" in plain  # the line is in the report
    _assert_masked(_check(path, fmt), APP_PERSONAL, f"{shape} {fmt}")


def test_one_user_keeps_one_mask_in_every_spelling(tmp_path):
    """A user named in a line ('user=alice.jones') is masked wherever else the report names them,
    and a known value URL-encoded ('Dev%20User%20One', 'dev.user1%40example.com') gets the mask
    of the value itself."""
    from samlscan.report.redact import Redactor, mask

    red = Redactor(["Dev User One", "dev.user1@example.com"])
    out = red.text("name=Dev%20User%20One&n2=Dev+User+One&hint=dev.user1%40example.com, Dev User One")
    assert out.count(mask("Dev User One", "pii")) == 3 and out.count(mask("dev.user1@example.com", "email")) == 1
    path = tmp_path / "app.log"
    path.write_text(APP_LOG.replace("failed: sonarqube", "failed for alice.jones: sonarqube"))
    doc = _check(path, "json")
    assert "alice.jones" not in doc and doc.count(mask("alice.jones", "pii")) >= 2


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_flows_mask_users_and_tokens_in_captured_urls(tmp_path, fmt):
    """Before: `flows --redact` printed a URL-encoded login_hint, a username parameter, the user
    part of a redirect URL and an access token from the capture's URLs."""
    har = json.loads((ROOT / "captures" / "chrome-success.har").read_text())
    entries = har["log"]["entries"]
    extra = "&login_hint=alice.jones%40example.com&username=alice.jones"
    entries[3]["request"]["url"] += extra
    for h in entries[2]["response"]["headers"]:
        if h["name"].lower() == "location":
            h["value"] += extra
    entries[4]["response"]["headers"] = [{"name": "Location", "value":
                                          "https://bob.smith:hunter2@sonar.example.com/projects?token=squ_tok123"}]
    path = tmp_path / "login.har"
    path.write_text(json.dumps(har))
    plain = _run("flows", str(path), "--format", fmt)
    assert "alice.jones%40example.com" in plain and "squ_tok123" in plain
    _assert_masked(_run("flows", str(path), "--format", fmt, "--redact"),
                   ("alice.jones", "bob.smith", "hunter2", "squ_tok123"), f"flows {fmt}")


def test_decode_masks_the_nameid_of_a_logout_request_and_of_a_request_subject(tmp_path):
    """Before: `decode --redact` of a paste holding a LogoutRequest with a persistent NameID and an
    AuthnRequest with a Subject printed both NameIDs (only assertions' values were collected)."""
    logout = re.sub(r"(<saml:NameID[^>]*>)[^<]+", r"\1jdoe.persistent.7781",
                    (ROOT / "requests" / "logoutrequest.xml").read_text())
    request = (ROOT / "requests" / "authnrequest.xml").read_text().replace(
        "</saml:Issuer>", "</saml:Issuer><saml:Subject><saml:NameID>carol.hint</saml:NameID></saml:Subject>", 1)
    path = tmp_path / "pasted.md"
    path.write_text(f"LogoutRequest:\n```xml\n{logout}\n```\nand the request:\n```xml\n{request}\n```\n")
    plain = _run("decode", str(path))
    assert "[part 1]" in plain and "[part 2]" in plain and "jdoe.persistent.7781" in plain and "carol.hint" in plain
    _assert_masked(_run("decode", str(path), "--redact"), ("jdoe.persistent.7781", "carol.hint"), "decode")
    for fmt in FORMATS:
        _assert_masked(_check(path, fmt), ("jdoe.persistent.7781", "carol.hint"), fmt)


def test_what_is_not_personal_stays_readable():
    """A certificate fingerprint as the table cuts it is not an IPv6 address (it was masked as
    one), and SAML attributes named Session*, a 'Login by' or 'Cookie ... missing' text, a
    placeholder ('sessionId="null"') and the key names themselves are left as they are."""
    from samlscan.report.redact import Redactor, mask

    red = Redactor(["dev.user1"])
    for text in ("verified with CN=idp.example.org (SHA-256 D8:47:5B:00:09:04:BB:99...)",
                 '<AuthnStatement SessionIndex="_sess_4c9e2a7b1d3f" SessionNotOnOrAfter="2025-03-11T16:41:00Z">',
                 "Profile Action ValidateUsernamePasswordAgainstLDAP: Login by 'x' failed",
                 "login failure [cause|Cookie 'OAUTHSTATE' is missing][login|]",
                 'userId="null", sessionId="null", auth_method="saml", Credentials=[PROTECTED]'):
        assert red.text(text) == text
    assert "<ip:" in red.text("from 2001:db8::1 and fe80:0:0:0:0:0:0:1")
    out = red.text("Cookie: JSESSIONID=abc123; X-XSRF-TOKEN: t0k3n, Authorization: Basic YWxpY2U6aHVudGVy, "
                   "[login|dev.user1] {\"userName\":\"carol\"}")
    assert not any(v in out for v in ("abc123", "t0k3n", "YWxpY2U6aHVudGVy", "dev.user1", "carol"))
    uuid = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"  # a user's ID is personal data too
    out = red.text(f'type="LOGIN", userId="{uuid}", {{"userId": "{uuid}"}} user_id={uuid}')
    assert uuid not in out and out.count(mask(uuid, "pii")) == 3


# --- every format over one sample of each new input path ---------------------------------------

def _pastes(d: Path) -> dict[str, Path]:
    out = {
        "paste-markdown-fence.md": f"Hi, alice.jones ({CLIENT_V4}) sent this:\n\n```xml\n{XML}\n```\n",
        "paste-email-quoted.txt": ("On Tue, Mar 11, 2025 Alice <alice.jones@example.com> wrote:\n"
                                   + "".join("> " + B64[i:i + 76] + "\n" for i in range(0, len(B64), 76))),
        "paste-curl.txt": (f"curl 'https://alice.jones:hunter2@sonar.example.com/oauth2/callback/saml' \\\n"
                           f"  -H 'cookie: JSESSIONID={COOKIE}' -H 'authorization: Bearer {TOKEN}' \\\n"
                           f"  -H 'x-forwarded-for: {CLIENT_V4}' --data-raw '{BODY}'\n"),
        "paste-powershell.txt": (f'Invoke-WebRequest -UseBasicParsing -Uri "{ACS}" `\n-Method "POST" `\n'
                                 f'-Headers @{{"Cookie"="JSESSIONID={COOKIE}"; "X-Forwarded-For"="{CLIENT_V4}"}} `\n'
                                 f'-ContentType "application/x-www-form-urlencoded" `\n-Body "{BODY}"\n'),
        "paste-fetch.txt": (f'fetch("{ACS}", {{\n  "headers": {{"cookie": "JSESSIONID={COOKIE}"}},\n'
                            f'  "body": "{BODY}",\n  "method": "POST"\n}});\n'),
        "paste-http-conversation.txt": RAW_GET + "\r\n" + RAW_PAGE + "\r\n\r\n" + RAW_POST + "\r\n",
        "paste-two-parts.txt": REDIRECT + "\n\n" + BODY + "\n",
    }
    paths = {}
    for name, text in out.items():
        (d / name).write_text(text, newline="")
        paths[name] = d / name
    item = ("  <item>\n    <time>{t}</time>\n    <url><![CDATA[{url}]]></url>\n    <host ip=\"" + CLIENT_V4
            + "\">sonar.example.com</host>\n    <method><![CDATA[{m}]]></method>\n"
            "    <request base64=\"true\"><![CDATA[{req}]]></request>\n    <status>200</status>\n"
            "    <response base64=\"true\"><![CDATA[{resp}]]></response>\n  </item>\n")
    b = lambda s: base64.b64encode(s.encode()).decode()
    (d / "burp.xml").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE items [\n<!ELEMENT items (item*)>\n]>\n'
        '<items burpVersion="2024.1.1.4" exportTime="Tue Mar 11 09:45:00 CET 2025">\n'
        + item.format(t="Tue Mar 11 09:41:00 CET 2025", url=REDIRECT, m="GET", req=b(RAW_GET), resp=b(RAW_PAGE))
        + item.format(t="Tue Mar 11 09:41:02 CET 2025", url=ACS, m="POST", req=b(RAW_POST),
                      resp=b("HTTP/1.1 302 Found\r\nLocation: /projects\r\nSet-Cookie: JWT-SESSION=jwtpayload99\r\n\r\n"))
        + "</items>\n")
    paths["burp.xml"] = d / "burp.xml"
    with zipfile.ZipFile(d / "login.saz", "w") as z:
        z.writestr("raw/01_c.txt", RAW_GET.replace("GET /", "GET https://idp.example.org/"))
        z.writestr("raw/01_s.txt", RAW_PAGE)
        z.writestr("raw/01_m.xml", '<Session SID="1"><SessionTimers ClientBeginRequest="2025-03-11T08:41:00.1234567'
                                   f'+00:00"/><SessionFlags><SessionFlag N="x-clientip" V="{CLIENT_V4}"/></SessionFlags></Session>')
        z.writestr("raw/02_c.txt", RAW_POST.replace("POST /oauth2/callback/saml", f"POST {ACS}"))
        z.writestr("raw/02_s.txt", "HTTP/1.1 302 Found\r\nLocation: /projects\r\n\r\n")
    paths["login.saz"] = d / "login.saz"
    (d / "sp-app-in-splunk.json").write_text(_splunk(APP_LOG))
    paths["sp-app-in-splunk.json"] = d / "sp-app-in-splunk.json"
    return paths


LOG_SAMPLES = (
    "keycloak/wrapped/splunk-export.csv", "keycloak/wrapped/splunk-export-wildfly.json",
    "keycloak/wrapped/kubectl-logs-timestamps.log", "sonarqube/wrapped/docker-logs-timestamps.log",
    "sonarqube/wrapped/cloudwatch-filter-log-events.json", "sonarqube/wrapped/datadog-logs.json",
    "okta/wrapped/elasticdump-okta-module.ndjson", "shibboleth/wrapped/graylog-search.json",
    "shibboleth/wrapped/sumo-search-job.json", "entra/wrapped/elasticsearch-azure-signinlogs.json",
    "authentik/wrapped/docker-compose-logs.log", "sp-app/java-saml-logback.log", "sp-app/spring-boot3.log",
    "sp-app/python3-saml-flask.log", "okta/system-log-download.csv", "google/saml-log-events-export.csv",
    "authentik/server.log", "adfs/adfs-eventviewer.csv", "adfs/adfs-security-wevtutil.xml",
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")


def _raw_text(path: Path) -> str:
    if path.suffix == ".saz":
        with zipfile.ZipFile(path) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return path.read_text(errors="replace")


def _personal(path: Path) -> set[str]:
    """The sample's personal values: users and the SAML's NameIDs and attribute values from its
    unredacted report, the planted ones it holds, and the emails and IPv4 addresses of its text."""
    doc = json.loads(_check(path, "json", redact=False))
    out = {a["user"] for a in doc["attempts"] if a["user"]}
    for m in doc["messages"]:
        for a in m.get("assertions") or []:
            out |= {a["name_id"]} if a.get("name_id") else set()
            out |= {v for attr in a.get("attributes") or [] for v in attr["values"]}
    raw = _raw_text(path)
    out |= {v for v in PLANTED if v in raw} | set(_EMAIL.findall(raw)) | set(_IPV4.findall(raw))
    return {v for v in out if len(v) >= 3}


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    d = tmp_path_factory.mktemp("new-inputs")
    paths = _pastes(d)
    paths.update({name: ROOT / "logs" / name for name in LOG_SAMPLES})
    return paths


@pytest.mark.parametrize("name", sorted(["paste-markdown-fence.md", "paste-email-quoted.txt", "paste-curl.txt", "paste-powershell.txt",
                                         "paste-fetch.txt", "paste-http-conversation.txt", "paste-two-parts.txt",
                                         "burp.xml", "login.saz", "sp-app-in-splunk.json", *LOG_SAMPLES]))
def test_no_personal_value_survives_any_format(samples, name):
    path = samples[name]
    personal = _personal(path)
    assert personal, name  # every sample names someone
    for fmt in FORMATS:
        _assert_masked(_check(path, fmt), personal, f"{name} --format {fmt}")
    # decode lists the SAML messages (a log with none exits 2 and says so)
    _assert_masked(_run("decode", str(path), "--redact", codes=(0, 2)), personal, f"{name} decode")


def test_a_scanned_directory_of_every_new_input_is_redacted(samples, tmp_path):
    """`scan DIR --redact` over all samples at once, in every format: the values of each sample are
    masked whatever else the batch taught the redactor."""
    import shutil

    d = tmp_path / "evidence"
    d.mkdir()
    personal: set[str] = set()
    for i, (name, path) in enumerate(sorted(samples.items())):
        shutil.copy(path, d / f"{i:02d}-{Path(name).name}")
        personal |= _personal(path)
    for fmt in FORMATS:
        out = _run("scan", str(d), "--config", CONFIG, "--format", fmt, "--fail-on", "never", "-q", "--redact")
        _assert_masked(out, personal, f"scan --format {fmt}")


def test_refs_of_new_inputs_agree_across_formats(samples):
    """The same messages, refs and attempts in json, jsonl, csv and sarif for a two-part paste, a
    Burp export and a Fiddler archive; each counts as its user finds the exchange (a paste's parts
    and a Burp export's items from 1, as Fiddler numbers its sessions: item 0 was the first)."""
    for name, refs in (("paste-two-parts.txt", ["part 1", "part 2"]), ("burp.xml", ["item 1", "item 2"]),
                       ("login.saz", ["session 1", "session 2"])):
        path = samples[name]
        doc = json.loads(_check(path, "json"))
        assert [m["ref"] for m in doc["messages"]] == refs
        assert sorted(e["ref"] for a in doc["attempts"] for e in a["evidence"]) == refs
        lines = [json.loads(x) for x in _check(path, "jsonl").splitlines() if x.strip()]
        finding_refs = sorted({x["ref"] for x in lines})
        assert finding_refs and set(finding_refs) <= set(refs)
        assert all(f"{path},{r}," in _check(path, "csv") for r in finding_refs)
        sarif = json.loads(_check(path, "sarif"))
        names = {loc["name"] for r in sarif["runs"][0]["results"] for x in r.get("locations", [])
                 for loc in x.get("logicalLocations", [])}
        assert set(finding_refs) <= names
        html = _check(path, "html")
        assert all(f"[{r}]" in html for r in refs) and html.count("Decoded messages") == 1


def test_a_known_email_or_address_has_the_mask_its_pattern_gives():
    """Known (a NameID) or found by its shape, one email or IP address gets one mask: reports of
    different inputs still correlate on it."""
    from samlscan.report.redact import Redactor

    known = Redactor(["dev.user1@example.com", "203.0.113.77"])
    unknown = Redactor([])
    for value in ("dev.user1@example.com", "203.0.113.77"):
        assert known.text(f"user {value} here") == unknown.text(f"user {value} here")
        assert value not in known.text(f"user {value} here")
