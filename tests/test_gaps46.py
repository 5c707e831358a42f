"""Verdicts the last session found wrong or unsaid (gaps46): an ACS URL a base path apart (SonarQube behind
a proxy with a context path) is the SP's base URL, not a stale ACS at the IdP; one apart only in
percent-encoding says so; a bearer SubjectConfirmationData NotBefore (SAML profiles 4.1.4.2). Responses
are signed for real by samlgen with the committed test keys."""
from __future__ import annotations

import base64
import sys
from dataclasses import replace
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIXTURES))
import generate as GEN  # noqa: E402
from samlgen import scenario as S  # noqa: E402
from samlgen.render import render  # noqa: E402

import gen_nextcloud45 as NC  # noqa: E402

from samlscan.catalog import lookup  # noqa: E402
from samlscan.codes import spec  # noqa: E402
from samlscan.config import build  # noqa: E402
from samlscan.engine import analyze  # noqa: E402
from tests.excerpt_util import run_json  # noqa: E402

AT = "2025-03-11T08:41:02Z"
HOST = "https://h.example.com"


def _findings(tmp_path, acs_url: str, destination: str, recipient: str | None = None, seed: str = "gaps46",
              **assertion_changes):
    """The findings of a signed Okta-style response whose Destination and bearer Recipient are given,
    checked against --acs-url `acs_url`."""
    a = GEN.assertion(seed, GEN.OKTA, recipient=recipient or destination, **assertion_changes)
    path = tmp_path / f"{seed}.xml"
    path.write_bytes(render(GEN.response(seed, GEN.OKTA, (a,), destination=destination), GEN.OKTA, GEN.IDP))
    (res,) = analyze([str(path)], build({"at": AT, "acs_url": acs_url}, FIXTURES / GEN.DEFAULT)).messages
    return res.findings


def _one(findings, code):
    found = [f for f in findings if f.code == code]
    assert len(found) == 1, [(f.code, f.message_text) for f in findings]
    return found[0]


# --- 1. a base path apart: the SP's base URL, not the IdP's stale entry ----------------------------

def test_a_destination_under_the_sps_context_path_is_the_sps_base_url_to_fix(tmp_path):
    got = _one(_findings(tmp_path, f"{HOST}/oauth2/callback/saml", f"{HOST}/sonar/oauth2/callback/saml"),
               "destination-mismatch")
    assert "only a base path differs" in got.message_text and "the path differs" not in got.message_text
    # (the code's own side, the SP's: an SP's AuthnRequest in the same capture may still say otherwise)
    assert (got.side or spec(got.code).side) == "sp" and "stale" not in got.hint
    assert got.hint.startswith(f"The IdP posts to {HOST}/sonar/oauth2/callback/saml, the SP's route under a base "
                               "path /sonar") and f"so that its ACS URL is {HOST}/sonar/oauth2/callback/saml" in got.hint
    # a truly other route stays the IdP's stale entry
    other = _one(_findings(tmp_path, f"{HOST}/oauth2/callback/saml", f"{HOST}/saml/acs", seed="other"),
                 "destination-mismatch")
    assert "the path differs" in other.message_text and "base path" not in other.message_text
    assert other.side == "idp" and "stale or misspelt ACS endpoint" in other.hint
    # gen_case14, 08:52: SonarQube's AuthnRequest asks for /oauth2/callback/saml and SimpleSAMLphp posts to
    # its old /sonarqube/oauth2/callback/saml: the SP says which URL it serves, so the IdP's entry is stale
    # and the attempt's fix says so, not the lone response's 'the SP's base URL'
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from case_util import ROOT, scan_case

    (a,) = [x for x in scan_case(ROOT / "tests" / "data" / "case14", "UTC")["attempts"]
            if x["time"] == "2025-12-09T08:52:03Z"]
    assert (a["root_cause"], a["side"]) == ("destination-mismatch", "idp")
    assert "stale or misspelt ACS endpoint" in a["fix"] and "sonar.core.serverBaseURL" not in a["fix"]


def test_a_destination_short_of_the_sps_context_path_is_the_idps_entry(tmp_path):
    got = _one(_findings(tmp_path, f"{HOST}/sonar/oauth2/callback/saml", f"{HOST}/oauth2/callback/saml"),
               "destination-mismatch")
    assert "only a base path differs" in got.message_text
    assert got.side == "idp" and f"ACS (Reply) URL for this SP to {HOST}/sonar/oauth2/callback/saml" in got.hint
    assert "without the base path /sonar" in got.hint


def test_a_recipient_alone_under_the_context_path_is_the_sps_base_url_too(tmp_path):
    want = f"{HOST}/oauth2/callback/saml"
    got = _one(_findings(tmp_path, want, want, recipient=f"{HOST}/sonar/oauth2/callback/saml"),
               "recipient-mismatch")
    assert "only a base path differs" in got.message_text and got.side == "sp" and "base path /sonar" in got.hint


# --- 2. percent-encoding apart ------------------------------------------------------------------

@pytest.mark.parametrize("want, sent, words", [
    (f"{HOST}/acs/x", f"{HOST}/acs%2Fx", "not even equivalent under RFC 3986 2.2"),
    (f"{HOST}/~sp/acs", f"{HOST}/%7Esp/acs", "RFC 3986 6.2.2.2"),
    (f"{HOST}/a%2Fb/acs", f"{HOST}/a%2fb/acs", "letter case of a percent-encoding's hex digits"),
])
def test_a_url_apart_only_in_percent_encoding_says_so(tmp_path, want, sent, words):
    got = _one(_findings(tmp_path, want, sent), "destination-mismatch")
    assert words in got.message_text and "the path differs" not in got.message_text
    assert "letter case of the path" not in got.message_text
    assert got.severity.value == "error" and got.side == "idp"  # the SP compares strings: still refused
    assert f"exactly {want}" in got.hint


def test_a_recipient_apart_only_in_percent_encoding_says_so(tmp_path):
    want = f"{HOST}/~sp/acs"
    got = _one(_findings(tmp_path, want, want, recipient=f"{HOST}/%7esp/acs"), "recipient-mismatch")
    assert "only in percent-encoding" in got.message_text and f"exactly {want}" in got.hint


# --- 3. a bearer SubjectConfirmationData NotBefore (SAML profiles 4.1.4.2: MUST NOT) -------------

def test_a_bearer_not_before_already_reached_is_a_profile_warning(tmp_path):
    f = _findings(tmp_path, S.ACS_URL, S.ACS_URL, scd_not_before=S.utc(8, 40, 0))
    got = _one(f, "subject-confirmation-not-before")
    assert got.severity.value == "warning" and "4.1.4.2" in got.message_text and got.side is None
    assert not [x for x in f if x.severity.value == "error"], [(x.code, x.message_text) for x in f]
    # none without a NotBefore; one still ahead is check_subject_confirmation's timing error alone
    assert "subject-confirmation-not-before" not in {x.code for x in _findings(tmp_path, S.ACS_URL, S.ACS_URL)}
    ahead = {x.code for x in _findings(tmp_path, S.ACS_URL, S.ACS_URL, seed="ahead", scd_not_before=S.utc(8, 50, 0))}
    assert "assertion-not-yet-valid" in ahead and "subject-confirmation-not-before" not in ahead




# --- 4. python3-saml's settings refusal and Nextcloud's group filter, catalogued ----------------

@pytest.mark.parametrize("text, product", [
    ("OneLogin_Saml2_Error: Invalid dict settings: idp_sso_not_found", None),  # (Open Forms' docs quote it)
    ("Invalid dict settings: sp_entityId_not_found", "python3-saml"),
    ("Invalid dict settings at the file: sp_acs_url_invalid,sp_sls_url_invalid", None),  # (Canopsis' docs)
])
def test_python3_saml_settings_invalid_is_the_sps_configuration(text, product):
    entry = lookup(text, product)
    assert entry is not None and (entry.product, entry.code, entry.side) == (
        "python3-saml", "sp-configuration-error", "sp")
    assert "absolute" in entry.fix


@pytest.mark.parametrize("text", ["User is member of a rejection group.", "User is not member of a required group."])
def test_nextclouds_group_filter_refusal_is_the_sps_access_rule(text):
    entry = lookup(text, "nextcloud")
    assert entry is not None and (entry.product, entry.code, entry.side) == ("nextcloud", "user-not-assigned", "sp")
    assert "User filtering" in entry.fix


def test_a_nextcloud_log_of_a_group_filter_refusal_names_it(tmp_path):
    """user_saml logs the UserFilterViolationException's message at error on the ACS request
    (SAMLController::assertionConsumerService), with no 'Auth failed': php-saml had accepted the response."""
    at = NC.DAY + NC.timedelta(minutes=40)
    (tmp_path / "nextcloud.log").write_text(
        NC.record("Gr0upF1lt3rR3q000001", NC.ERROR, at, "203.0.113.20", "User is not member of a required group."))
    doc = run_json("check", tmp_path / "nextcloud.log")
    assert [(a["outcome"], a["root_cause"]) for a in doc["attempts"]] == [("failure", "user-not-assigned")]


# --- 5. Nextcloud's log: a short log quoting a SAMLResponse=, and a byte prefilter ----------------

def test_a_three_line_nextcloud_log_quoting_a_saml_response_is_a_log_joined_by_req_id(tmp_path):
    """(engine._log_of read up to three lines with one SAMLResponse= as a pasted request: a JSON record a
    log reader claims is a log.) php-saml's failure names no user ('--'); the request's reqId joins the
    quoted response and the failure into one attempt, with the record's remoteAddr."""
    value = base64.b64encode((FIXTURES / "responses" / "valid" / "okta.xml").read_bytes()).decode()
    at, ip = NC.DAY + NC.timedelta(minutes=50), "203.0.113.21"
    (tmp_path / "nextcloud.log").write_text(
        NC.record("Sh0rtL0gR3q000000001", NC.DEBUG, at, ip, f"SAMLResponse={value}")
        + NC.record("Sh0rtL0gR3q000000001", NC.ERROR, at, ip, "invalid_response")
        + NC.record("Sh0rtL0gR3q000000001", NC.INFO, at, ip, "Auth failed"))
    doc = run_json("check", tmp_path / "nextcloud.log")
    assert [(i["kind"], i["status"]) for i in doc["inputs"]] == [("log:nextcloud", "scanned")]
    (attempt,) = doc["attempts"]
    assert attempt["outcome"] == "failure" and attempt["ip"] == ip


def test_a_nextcloud_log_has_a_byte_prefilter_that_keeps_every_line_it_reads():
    """Every line the reader takes (the fixtures' user_saml and php-saml lines) holds a keep literal; other
    apps' lines do not, and are skipped unread (50 MB of them: 1.9 s CPU before, 0.5 s after, measured)."""
    from samlscan.logs import parse_file
    from samlscan.model import LogEvent
    from samlscan.logs.nextcloud import PARSER
    from samlscan.prefilter import _prefilter_for

    pf = _prefilter_for(PARSER)
    assert pf is not None and pf.json_lines
    here = FIXTURES / "logs" / "nextcloud"
    for path in sorted(here.glob("*.log")):
        lines = path.read_bytes().splitlines()
        read = {int(r.source.ref.split()[-1]) for r in parse_file(str(path), NC.timezone.utc)
                if isinstance(r, LogEvent)}
        kept = {no for no, line in enumerate(lines, 1) if any(k in line for k in pf.keep)}
        assert read <= kept, (path.name, read - kept)
    other = (here / "other-apps.log").read_bytes().splitlines()
    assert not [line for line in other if any(k in line for k in pf.keep)]
