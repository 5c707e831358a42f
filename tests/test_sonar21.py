"""SonarQube's own SAML texts and its AUTHENTICATION-ERROR cookie, checked against SonarQube's source
(tests/data/sonar21/SOURCES.md names the files and commits)."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import gen_captures as gc  # noqa: E402

from samlscan.autherror import auth_error_text  # noqa: E402
from samlscan.flows import build_flows  # noqa: E402
from samlscan.inputs import har, tracer  # noqa: E402
from samlscan.logs.sonarqube import PARSER  # noqa: E402
from samlscan.sonarqube import flow_cause  # noqa: E402
from test_har import REQ, RESP  # noqa: E402

from datetime import timezone  # noqa: E402

# AuthenticationError.addErrorCookie (commit 009a5fcf): Gson's JSON of {"error_message": <text>},
# Gson escaping ' as \u0027, then AuthenticationRedirection.encodeMessage (URLEncoder, '+' -> %20)
_GSON = '{"error_message":"Cookie \\u0027OAUTHSTATE\\u0027 is missing"}'
_COOKIE = quote(_GSON, safe="")


def _flow(tmp_path, doc, reader):
    p = tmp_path / "c.json"
    p.write_text(json.dumps(doc))
    (f,) = build_flows(reader.read(str(p)))
    return f


def _refused_post(headers_of, set_header):
    """The POST to the ACS answered with SonarQube's refusal and the given cookie value."""
    return [{"name": "Location", "value": gc.SP + "/sessions/unauthorized"},
            {"name": "Set-Cookie", "value": f"AUTHENTICATION-ERROR={set_header}; Path=/"}]


@pytest.mark.parametrize("value, text", [
    (_GSON, "Cookie 'OAUTHSTATE' is missing"),  # SonarQube 2024+ (JSON)
    ('{"error":"access_denied","error_message":"Email \\u0027a@example.com\\u0027 is already used"}',
     "Email 'a@example.com' is already used"),
    ("Cookie 'OAUTHSTATE' is missing", "Cookie 'OAUTHSTATE' is missing"),  # older: the text itself
    ("{not json", "{not json"),
    ('{"error":"x"}', '{"error":"x"}'),
])
def test_the_cookie_value_is_read_as_the_text_sonarqube_shows(value, text):
    assert auth_error_text(value) == text


def test_a_har_with_the_json_cookie_names_sonarqubes_cause(tmp_path):
    # before: the exchange's auth_error was the raw JSON with \u0027, which no catalog text matched
    doc = gc.har(gc.attempt(REQ, RESP, "k3v9q2m0t7a1b2c3", 0, result="/sessions/unauthorized", auth_error=_GSON))
    f = _flow(tmp_path, doc, har)
    assert [ex.auth_error for ex in f.exchanges if ex.auth_error] == ["Cookie 'OAUTHSTATE' is missing"]
    assert flow_cause(f)[0] == "relaystate-cookie-missing"


def test_a_tracer_capture_with_the_json_cookie_names_sonarqubes_cause(tmp_path):
    doc = gc.tracer_export(REQ, RESP)
    doc["requests"][2]["responseHeaders"] = _refused_post(None, _COOKIE)
    del doc["requests"][3:]
    f = _flow(tmp_path, doc, tracer)
    assert [ex.auth_error for ex in f.exchanges if ex.auth_error] == ["Cookie 'OAUTHSTATE' is missing"]


# Exception texts of server/sonar-auth-saml that the catalog did not know (each version's file and
# commit in SOURCES.md), as web.log's AuthenticationError WARN shows them with their stack trace.
@pytest.mark.parametrize("exc, code", [
    ("java.lang.IllegalStateException: Fail to process response", "input-xml-malformed"),  # <= 8.x
    ("java.lang.IllegalStateException: Invalid certificate", "sp-configuration-error"),  # 2025.x
    ("java.lang.IllegalArgumentException: Error while loading PKCS8 private key, please check the format",
     "sp-configuration-error"),
    ("java.lang.IllegalStateException: Sign requests is enabled but SonarQube private key and/or SonarQube "
     "certificate is missing", "sp-configuration-error"),
    ("java.lang.IllegalArgumentException: Service provider private key is missing", "sp-configuration-error"),
    ("java.lang.IllegalArgumentException: Provider ID is missing", "sp-configuration-error"),
    ("java.lang.IllegalArgumentException: Provider Name is missing", "sp-configuration-error"),
    ("java.lang.IllegalArgumentException: Application ID is missing", "sp-configuration-error"),
    ("java.lang.IllegalArgumentException: Login URL is missing", "sp-configuration-error"),
    ("java.lang.IllegalArgumentException: User login attribute is missing", "sp-configuration-error"),
    ("java.lang.IllegalArgumentException: User name attribute is missing", "sp-configuration-error"),
    ("java.lang.IllegalStateException: Failed to create a SAML Auth", "sp-configuration-error"),  # 9.9-10.x
    ("java.lang.IllegalStateException: Fail to create Auth", "sp-configuration-error"),  # <= 8.x
    ("java.lang.IllegalStateException: Failed to initialize SAML authentication plugin", "sp-configuration-error"),
    ("java.lang.IllegalStateException: Fail to intialize SAML authentication plugin", "sp-configuration-error"),
    # unchanged: a missing attribute stays the attribute's cause, not a setting's
    ("java.lang.IllegalStateException: login is missing", "login-attribute-missing"),
])
def test_sonarqubes_own_exception_texts_have_their_code(exc, code):
    lines = [
        "2025.03.11 09:41:07 WARN  web[7c1e2a90-4b7d-4c11-9d0e-2f6a5b3c8e01][o.s.s.a.AuthenticationError] "
        "Fail to callback authentication with 'saml'",
        exc,
        "\tat org.sonar.auth.saml.SamlAuthenticator.onCallback(SamlAuthenticator.java:71)",
    ]
    (ev,) = list(PARSER.parse(enumerate(lines, 1), "web.log", timezone.utc))
    assert (ev.side, ev.outcome, ev.code) == ("sp", "failure", code), ev.text
    assert ev.request_id == "7c1e2a90-4b7d-4c11-9d0e-2f6a5b3c8e01"


def test_the_layout_is_sonarqubes_with_the_logger_in_brackets():
    """AbstractLogHelper.LOG_FORMAT: '%d{yyyy.MM.dd HH:mm:ss} %-5level XXXX[ZZZZ][YYYY] %msg%n'; the
    logger is bracketed (a line without the brackets is not SonarQube's)."""
    ok = "2025.03.11 09:41:07 DEBUG web[][o.s.a.s.SamlMessageIdChecker] x"
    assert PARSER.sniff(ok)
    assert not PARSER.sniff("2025.03.11 09:41:07 DEBUG web[] o.s.a.s.SamlMessageIdChecker x")
