"""SP libraries whose errors samlscan did not know: pac4j-saml (Jenkins' saml-plugin, Apereo CAS),
mod_auth_mellon and its Lasso error codes, Microsoft.IdentityModel (ASP.NET Core's WS-Federation
handler, Saml2SecurityTokenHandler) and samlify. Each text's source is its catalog entry's; the logs
under tests/data/splibs23/ (SOURCES.md) are read as the failures they record, with the side and a fix
naming the product's own setting."""
from __future__ import annotations

from datetime import timezone
from pathlib import Path

import pytest

from samlscan.catalog import entries, lookup, lookup_code
from samlscan.explain import explain_text
from samlscan.logs import applog
from test_real_log_shapes import _events
from test_real_log_shapes_2 import _check

DATA = Path(__file__).resolve().parent / "data" / "splibs23"
NEW = ("pac4j", "mellon", "identitymodel", "samlify", "dex", "saml2-js")

TEXTS = [
    # (log line prefix, text as the product writes it, product, samlscan code)
    ("org.pac4j.saml.exceptions.SAMLAuthnInstantException: ",
     "Authentication issue instant is too old or in the future", "pac4j", "session-expired"),
    # pac4j 1.x's wording of the IssueInstant check; 3.x+ writes 'Issue instant is too old ...'
    ("org.pac4j.saml.exceptions.SAMLIssueInstantException: ",
     "Response issue instant is too old or in the future", "pac4j", "clock-skew"),
    ("org.pac4j.saml.exceptions.SAMLAssertionAudienceException: ",
     "Assertion audience [https://jenkins.example.com/] does not match SP configuration "
     "https://jenkins.example.com/securityRealm/finishLogin", "pac4j", "audience-mismatch"),
    ("org.pac4j.saml.exceptions.SAMLIssuerException: ",
     "Issuer https://idp.example.com/new does not match idp entityId https://idp.example.com/old", "pac4j",
     "issuer-mismatch"),
    ("org.pac4j.saml.exceptions.SAMLEndpointMismatchException: ",
     "Intended destination https://jenkins.example.com/securityRealm/finishLogin doesn't match any of the endpoint "
     "URLs on endpoint http://10.0.0.5:8080/securityRealm/finishLogin", "pac4j", "destination-mismatch"),
    ("org.pac4j.saml.exceptions.SAMLSignatureValidationException: ", "Signature is not trusted", "pac4j",
     "signature-cert-mismatch"),
    ("org.pac4j.saml.exceptions.SAMLException: ",
     "Response is not success ; actual urn:oasis:names:tc:SAML:2.0:status:Responder", "pac4j", "status-not-success"),
    ("[auth_mellon:error] ", "Error processing authn response. Lasso error: [-432] Status code is not success",
     "mellon", "status-not-success"),
    ("[auth_mellon:error] ", "Error processing authn response. Lasso error: [101] Signature element not found.",
     "mellon", "signature-missing"),
    ("[auth_mellon:error] ", "Error processing authn response. Lasso error: [-437] Assertion issuer is not the "
     "same as the requested issuer", "mellon", "issuer-mismatch"),
    ("[auth_mellon:error] ", "Error processing authn response. Lasso error: [120] Could not decrypt because the "
     "private key is not present.", "mellon", "sp-configuration-error"),
    ("[auth_mellon:error] ", "Wrong Recipient in SubjectConfirmationData. Current URL is: "
     "http://wiki.example.com/mellon/postResponse, Recipient is https://wiki.example.com/mellon/postResponse",
     "mellon", "recipient-mismatch"),
    ("[auth_mellon:error] ", "NotOnOrAfter in Condition was in the past.", "mellon", "assertion-expired"),
    ("Microsoft.IdentityModel.Tokens.SecurityTokenInvalidAudienceException: ",
     "IDX10214: Audience validation failed. Audiences: '[PII of type 'System.String' is hidden.]'. Did not match: "
     "validationParameters.ValidAudience: 'null' or validationParameters.ValidAudiences: 'null'.",
     "identitymodel", "audience-mismatch"),
    ("Microsoft.IdentityModel.Tokens.SecurityTokenExpiredException: ",
     "IDX10223: Lifetime validation failed. The token is expired. ValidTo (UTC): '3/11/2025 8:40:00 AM', "
     "Current time (UTC): '3/11/2025 8:47:02 AM'.", "identitymodel", "assertion-expired"),
    ("Microsoft.IdentityModel.Tokens.SecurityTokenSignatureKeyNotFoundException: ",
     "IDX10501: Signature validation failed. Unable to match key: \nkid: 'MnC_VZcATfM5pOYiJHMba9goEKY'.",
     "identitymodel", "signature-cert-mismatch"),
    ("Microsoft.IdentityModel.Tokens.Saml2.Saml2SecurityTokenReadException: ",
     "IDX13102: Exception thrown while reading 'AuthnContext' for Saml2SecurityToken. Inner exception: "
     "'System.ArgumentException'.", "identitymodel", "idp-configuration-error"),
    ("SAML login failed: ", "ERR_FAIL_TO_VERIFY_ETS_SIGNATURE", "samlify", "signature-invalid"),
    ("Error: ", "ERR_FAILED_STATUS with top tier code: urn:oasis:names:tc:SAML:2.0:status:Requester, second tier "
     "code: urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy", "samlify", "status-not-success"),
    ("Error: ", "SAML Assertion signature check failed! (checked 1 certificate(s))", "saml2-js",
     "signature-cert-mismatch"),
    ("Error: ", "Expected 1 EncryptedAssertion; found 0.", "saml2-js", "sp-configuration-error"),
    ("authentik.common.saml.exceptions.MismatchedRequestID: ",
     "Missing InResponseTo and IdP-initiated Logins are not allowed", "authentik", "unsolicited-response"),
    ("authentik.common.saml.exceptions.UnsupportedNameIDFormat: ", "Assertion contains NameID with unsupported "
     "format urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified.", "authentik", "idp-configuration-error"),
    # Dex's slog line: level=ERROR msg="failed to authenticate" err="<the connector's error>"
    ('level=ERROR msg="failed to authenticate" err="', "required audience https://dex.example.com/callback was not "
     "in Response audiences [https://dex.example.com/]", "dex", "audience-mismatch"),
    ('level=ERROR msg="failed to authenticate" err="', 'failed to validate subject confirmation: expected Recipient '
     '"https://dex.example.com/callback" got "http://dex:5556/callback"', "dex", "recipient-mismatch"),
    ('level=ERROR msg="failed to authenticate" err="', 'no attribute with name "email": [uid cn mail]', "dex",
     "login-attribute-missing"),
    ('level=ERROR msg="failed to authenticate" err="', "failed to validate subject confirmation: at "
     "2025-03-11 08:47:02 +0000 UTC got response that cannot be processed because it expired at "
     "2025-03-11 08:46:02 +0000 UTC", "dex", "assertion-expired"),
]


SHARED = ("Intended destination ",)
"""pac4j took this text from the Spring Security SAML extension (SAML2ResponseValidator): both write it,
the log's library decides whose (without one, Spring's, first in catalog.PRODUCTS)."""


@pytest.mark.parametrize("prefix, text, product, code", TEXTS)
def test_texts_read_in_the_products_source(prefix, text, product, code):
    entry = lookup("2025-03-11 08:41:02,551 ERROR " + prefix + text, product)
    assert entry is not None and (entry.product, entry.code) == (product, code), entry
    if not text.startswith(SHARED):
        assert lookup("2025-03-11 08:41:02,551 ERROR " + prefix + text) == entry


def test_a_text_pac4j_shares_with_spring_is_the_logs_librarys():
    text = next(t for _, t, _, _ in TEXTS if t.startswith(SHARED))
    assert lookup(text).product == "spring" and lookup(text, "pac4j").product == "pac4j"


@pytest.mark.parametrize("prefix, text, product, code", [t for t in TEXTS if not t[1].startswith(SHARED)])
def test_explain_names_the_product_and_the_cause(prefix, text, product, code):
    out, found = explain_text(text)
    assert found and out.startswith(product) and code in out, out


def test_every_new_entry_cites_its_source_and_says_what_to_change():
    import json

    raw = json.loads((Path(__file__).resolve().parents[1] / "samlscan" / "data" / "catalog.json").read_text())
    new = [e for e in raw["entries"] if e["product"] in NEW or e["explanation"].startswith("authentik as SP")]
    assert len({e["product"] for e in new}) == len(NEW) + 1 and len(new) >= 90
    for e in new:
        assert e.get("source") and "unverified" not in e["source"], e["pattern"]
        assert e.get("fix") and len(e["fix"]) > 30, e["pattern"]


@pytest.mark.parametrize("product, code, want", [
    ("mellon", "-432", "LASSO_PROFILE_ERROR_STATUS_NOT_SUCCESS"), ("mellon", "101", "LASSO_DS_ERROR_SIGNATURE_NOT_FOUND"),
    ("mellon", "LASSO_LOGIN_ERROR_ASSERTION_REPLAY", "LASSO_LOGIN_ERROR_ASSERTION_REPLAY"),
    ("identitymodel", "IDX10214", "IDX10214"), ("samlify", "ERR_ZERO_SIGNATURE", "ERR_ZERO_SIGNATURE"),
    ("pac4j", "SAMLAuthnInstantException", "SAMLAuthnInstantException"),
])
def test_a_products_own_code_names_its_entry(product, code, want):
    entry = lookup_code(product, code)
    assert entry is not None and entry.id == want


def test_an_idx_code_inside_free_text_names_its_entry():
    """(a message reworded by another version or hidden by PII: the numbered code still says it)"""
    entry = lookup("Authentication failed for WsFederation: IDX10223 (token expired)")
    assert (entry.product, entry.code) == ("identitymodel", "assertion-expired")


def test_the_longer_pac4j_text_wins_over_the_shorter_it_contains():
    """'Authentication issue instant ...' (AuthnInstant vs the maximum authentication lifetime) holds
    'issue instant is too old ...' (IssueInstant vs the skew): two causes, two fixes."""
    assert lookup("Authentication issue instant is too old or in the future").code == "session-expired"
    assert lookup("Assertion issue instant is too old or in the future").code == "clock-skew"
    assert "Maximum Authentication Lifetime" in lookup("Authentication issue instant is too old or in the future").fix


# --- the products' logs ------------------------------------------------------------------------------

LOGS = [
    # (file, [(outcome, cause, side)], words of the product's setting in the first failure's fix)
    ("jenkins.log", [("failure", "session-expired", "sp"), ("failure", "audience-mismatch", "sp")],
     "Maximum Authentication Lifetime"),
    ("apache_error.log", [("failure", "status-not-success", "idp"), ("failure", "audience-mismatch", "sp"),
                          ("failure", "signature-missing", "idp")], "MellonNameIDPolicy"),
    ("aspnet_wsfed.log", [("failure", "audience-mismatch", "sp")], "WsFederationOptions.Wtrealm"),
    ("node_samlify.log", [("failure", "status-not-success", "idp")], "nameIDFormat"),
]


@pytest.mark.parametrize("name, attempts, words", LOGS)
def test_a_products_log_is_read_as_its_failures(tmp_path, name, attempts, words):
    doc = _check(tmp_path, (DATA / name).read_text(encoding="utf-8"), name)
    assert doc["inputs"][0]["kind"] == "log:sp-app"
    assert [(a["outcome"], a["root_cause"], a["side"]) for a in doc["attempts"]] == attempts
    assert words in doc["attempts"][0]["fix"]


@pytest.mark.parametrize("name, product", [("jenkins.log", "pac4j"), ("apache_error.log", "mellon"),
                                           ("aspnet_wsfed.log", "identitymodel"), ("node_samlify.log", "samlify")])
def test_each_failure_names_its_library(tmp_path, name, product):
    parser, evs = _events(tmp_path, (DATA / name).read_text(encoding="utf-8"), name)
    failures = [e for e in evs if e.outcome == "failure"]
    assert parser == "sp-app" and failures and {(e.product, e.side) for e in failures} == {(product, "sp")}


def test_a_jwt_bearer_failure_is_no_saml_login(tmp_path):
    """IDX10214 fails any token: an API's JwtBearer log names no SAML handler, so it is no SP log."""
    text = (DATA / "aspnet_jwt.log").read_text(encoding="utf-8")
    assert "IDX10214" in text
    parser, evs = _events(tmp_path, text)
    assert parser != "sp-app" and not [e for e in evs if e.outcome == "failure"]
    assert not applog._literal_match(text.splitlines()[4])


def test_apache_error_log_lines():
    h = applog.parse_header("[Wed Mar 11 08:45:33.870012 2025] [auth_mellon:error] [pid 4713:tid 139902] "
                            "[client 2001:db8::9:40022] Invalid Audience in Conditions.")
    assert (h.layout, h.time_text, h.level, h.logger, h.client, h.msg) == (
        "apache-error", "2025-03-11T08:45:33.870012", "ERROR", "auth_mellon", "2001:db8::9",
        "Invalid Audience in Conditions.")
    old = applog.parse_header("[Wed Mar  4 08:45:33 2009] [error] [client 192.0.2.4] File does not exist: /var/www/x")
    assert (old.time_text, old.level, old.logger, old.client) == ("2009-03-04T08:45:33", "ERROR", "", "192.0.2.4")
    assert applog.parse_header("[Wed Mar 11 08:45:33 2025] [auth_mellon:debug] [pid 1] am_check_uid").level == "DEBUG"


def test_an_apache_log_of_other_modules_is_no_saml_log(tmp_path):
    text = "".join(line + "\n" for line in (DATA / "apache_error.log").read_text().splitlines()[:2])
    parser, evs = _events(tmp_path, text)
    assert not [e for e in evs if e.outcome == "failure"]


def test_new_entries_stay_out_of_other_products_texts():
    """No new pattern catches another product's own text (each entry's text, looked up as it is)."""
    for e in entries():
        if e.product in NEW or e.pattern.strip() == e.id:
            continue
        found = lookup(e.pattern.replace("<", "x").replace(">", "x"), e.product)
        assert found is None or found.product not in NEW, (e.product, e.pattern, found.product)


def test_sample_times_are_read(tmp_path):
    _, evs = _events(tmp_path, (DATA / "apache_error.log").read_text(encoding="utf-8"), "apache_error.log")
    first = next(e for e in evs if e.outcome == "failure")
    assert first.time.astimezone(timezone.utc).isoformat().startswith("2025-03-11T08:42:10")


def test_the_new_libraries_are_sps_in_correlation():
    """What pac4j, mellon, identitymodel, samlify and saml2-js log or dump is the SP's side."""
    from samlscan.correlate.pieces import _LOG_SIDE

    new = ("pac4j", "mellon", "identitymodel", "samlify", "saml2-js")
    assert set(new) <= set(applog._SP_FAMILY) and all(_LOG_SIDE.get(lib) == "sp" for lib in new)
