"""Log lines and error texts as real products print them, fourth audit: each excerpt is quoted
from a public source named above it (users, hosts, IDs and addresses replaced), and the test says
what samlscan must report for it: read at all, the product, the cause and the side."""
from __future__ import annotations

import json

import pytest

from samlscan.catalog import lookup
from test_real_log_shapes import _events  # (parser name, events) of a text read by its reader alone
from test_real_log_shapes_2 import _attempts, _check  # `samlscan check --format json`, its attempts


def _read_as(tmp_path, text: str, name: str = "x.log", kind: str = "log:sp-app") -> dict:
    """`samlscan check` of `text` as a file, which it must read as a log of `kind`."""
    doc = _check(tmp_path, text, name)
    assert doc["inputs"][0]["kind"] == kind
    return doc


# --- GitLab and other Rails apps: ruby-saml through omniauth-saml -----------------------------

# casdoor/casdoor PR 797: GitLab's application.log (Gitlab::AppLogger: '<UTC time>: <message>', no
# level) with OmniAuth's failure line; ruby-saml (soft = false) raised libxml2's schema error for a
# Response whose ds:Signature stood before its Issuer (the IdP's fault: the PR moved the Signature).
GITLAB_SCHEMA = (
    "2022-06-16T02:49:34.152Z: (saml) Authentication failure! invalid_ticket: OneLogin::RubySaml::ValidationError, "
    "1:0: ERROR: Element '{http://www.w3.org/2000/09/xmldsig#}Signature': This element is not expected.\n"
)

# department-of-veterans-affairs/caseflow-efolder issue 382: Ruby's Logger layout (omniauth's own
# logger), omniauth-saml's callback reached by a GET without a SAMLResponse; Sentry's lines after it.
RUBY_LOGGER = (
    '[VBAUSERNAME first.last@example.gov 376] Started GET "/auth/saml_callback" for 192.0.2.133 at 2017-02-09 12:00:03 -0500\n'
    "I, [2017-02-09T12:00:03.719976 #2693]  INFO -- omniauth: (samlva) Callback phase initiated.\n"
    "E, [2017-02-09T12:00:03.720242 #2693] ERROR -- omniauth: (samlva) Authentication failure! invalid_ticket: "
    "OmniAuth::Strategies::SAML::ValidationError, SAML response missing\n"
    "I, [2017-02-09T12:00:03.732732 #2693]  INFO -- sentry: ** [Raven] Sending event ea6ac3afef3e4494abfc56454b73fdbb to Sentry\n"
    "E, [2017-02-09T12:00:05.031711 #2693] ERROR -- sentry: ** [Raven] Unable to record event with remote Sentry "
    "server (NoMethodError - undefined method `[]' for nil:NilClass)\n"
)


def test_gitlab_application_log_is_read(tmp_path):
    doc = _read_as(tmp_path, GITLAB_SCHEMA)  # was input-not-saml
    assert _attempts(doc) == [("failure", "idp-configuration-error", "idp")]
    assert "Signature follows the Issuer" in doc["attempts"][0]["fix"]
    _, evs = _events(tmp_path, GITLAB_SCHEMA)
    assert [(e.product, e.time.hour, e.time.minute) for e in evs] == [("ruby-saml", 2, 49)]


def test_ruby_logger_layout_is_read(tmp_path):
    name, evs = _events(tmp_path, RUBY_LOGGER)
    assert name == "sp-app"
    assert [(e.product, e.outcome, e.time.hour, e.source.ref) for e in evs] == [
        ("ruby-saml", "failure", 12, "line 3")]  # Sentry's ERRORs are no SAML events
    doc = _read_as(tmp_path, RUBY_LOGGER)
    assert [a["outcome"] for a in doc["attempts"]] == ["failure"]
    assert "HTTP-POST" in doc["attempts"][0]["fix"]


# GitLab's application_json.log (doc/administration/logs.md: severity, time, correlation_id,
# message) with OmniAuth's line as GitLab logs it for a wrong idp_cert_fingerprint; GitLab's SAML
# troubleshooting page: 'If you use a idp_cert_fingerprint, it must be a SHA1 fingerprint'.
GITLAB_JSON = json.dumps({
    "severity": "ERROR", "time": "2024-03-05T10:11:12.345Z", "correlation_id": "01HR2ABCDEF0123456789",
    "message": "(saml) Authentication failure! invalid_ticket: OneLogin::RubySaml::ValidationError, Fingerprint mismatch",
}) + "\n"


def test_gitlab_json_log_names_the_fingerprint(tmp_path):
    doc = _read_as(tmp_path, GITLAB_JSON, "application_json.log")
    assert _attempts(doc) == [("failure", "signature-cert-mismatch", "sp")]
    assert "idp_cert_fingerprint" in doc["attempts"][0]["fix"] and "-sha1" in doc["attempts"][0]["fix"]
    assert doc["attempts"][0]["time"].startswith("2024-03-05T10:11:12")


def test_an_unknown_ruby_saml_text_is_still_a_failure(tmp_path):
    text = ("2024-03-05T10:11:12.345Z: (saml) Callback phase initiated.\n"
            "2024-03-05T10:11:12.350Z: (saml) Authentication failure! invalid_ticket: "
            "OneLogin::RubySaml::ValidationError, Something no release has said\n"
            "2024-03-05T10:11:13.000Z: User \"root\" (admin@example.com) was created\n")
    assert [(e.outcome, e.code) for e in _events(tmp_path, text)[1]] == [("failure", "unknown-failure")]


def test_a_gitlab_log_without_saml_is_not_claimed(tmp_path):
    name, _ = _events(tmp_path, "2024-03-05T10:11:13.000Z: User \"root\" (admin@example.com) was created\n"
                                "2024-03-05T10:11:14.000Z: (github) Callback phase initiated.\n")
    assert name != "sp-app"


# ruby-saml's texts (SAML-Toolkits/ruby-saml lib/onelogin/ruby-saml/response.rb, lib/xml_security.rb)
@pytest.mark.parametrize("text,code", [
    ("Fingerprint mismatch", "signature-cert-mismatch"),
    ("Key validation error", "signature-invalid"),
    ("Digest mismatch", "signature-invalid"),
    ("Invalid Signature on SAML Response", "signature-invalid"),
    ("Current time is on or after NotOnOrAfter condition (2024-03-05 10:11:12 UTC >= 2024-03-05 10:06:12 UTC)",
     "assertion-expired"),
    ("Current time is earlier than NotBefore condition (2024-03-05 10:11:12 UTC < 2024-03-05 10:16:12 UTC)",
     "assertion-not-yet-valid"),
    ("Invalid Audience. The audience https://sts.example.net/app, did not match the expected audience "
     "https://gitlab.example.com", "audience-mismatch"),
    ("Doesn't match the issuer, expected: <https://idp.example.org/idp>, but was: <https://idp2.example.org/idp>",
     "issuer-mismatch"),
    ("Certificate element missing in response (ds:X509Certificate) and not cert provided at settings",
     "sp-configuration-error"),
    ("SAML Response must contain 1 assertion", "assertion-multiple"),  # python3-saml's wording too
])
def test_ruby_saml_texts(text, code):
    line = f"(saml) Authentication failure! invalid_ticket: OneLogin::RubySaml::ValidationError, {text}"
    entry = lookup(line, "ruby-saml")
    assert entry is not None and entry.code == code


def test_ruby_saml_names_the_destination_first():
    """ruby-saml's 'received at X instead of Y' names the Destination first (java-saml names the URL
    the request arrived on first): its entry says so, and its fix names GitLab's callback."""
    entry = lookup("The response was received at https://gitlab.example.com/users/auth/saml/callback "
                   "instead of https://gitlab.internal:8080/users/auth/saml/callback", "ruby-saml")
    assert entry.product == "ruby-saml" and entry.code == "destination-mismatch"
    assert "Destination (first URL" in entry.explanation and "/users/auth/saml/callback" in entry.fix
