"""Review 18: samlscan's answers judged against the stories of the cases and the live recordings.

Each test here failed on the code before its fix (or guards the other half of that fix)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from case_util import ROOT, refs, scan_case

CASE9 = ROOT / "tests" / "data" / "case9"


# --- case 9: Google's refusal, captured and logged, is one login ------------------------------------

def _case9(tmp_path: Path, extra_rows: tuple[str, ...] = ()) -> dict:
    """carl's tracer export and the Admin console's audit export alone (with `extra_rows` added)."""
    shutil.copy(CASE9 / "saml-tracer-carl.json", tmp_path)
    lines = (CASE9 / "saml-log-events.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "saml-log-events.csv").write_text("\n".join([lines[0], *extra_rows, *lines[1:]]) + "\n",
                                                  encoding="utf-8")
    return scan_case(tmp_path, "Europe/Berlin")


def _carl(scan: dict) -> list[dict]:
    return [a for a in scan["attempts"]
            if a["user"] == "carl.braun@example.com" or any("carl" in e["input"] for e in a["evidence"])]


def test_the_captured_refusal_and_the_idps_audit_row_are_one_login(tmp_path):
    """Google answered carl's AuthnRequest with Requester/RequestDenied, posted to the misspelt ACS
    (tracer requests 2-3), and logged 'Request denied' for carl a second later (audit row line 6):
    two attempts, one without a user, because the captured response counted only as SP-side
    evidence and the refusal-to-status linker took SP log lines alone."""
    (a,) = _carl(_case9(tmp_path))
    assert {("saml-tracer-carl.json", "request 3"), ("saml-log-events.csv", "line 6")} <= refs(a)
    assert a["user"] == "carl.braun@example.com" and a["side"] == "idp"
    assert a["root_cause"] == "acs-path-wrong"


def test_a_captured_refusal_with_two_idp_refusals_that_second_stays_apart(tmp_path):
    """Which of two IdP refusals within the moment was the captured one is not known: none is joined."""
    other = ('"Sep 16, 2025, 10:21:44 AM GMT+2",Failed login,dan.roth@example.com failed to login because '
             'of the following error: Request denied,dan.roth@example.com,SonarQube,SP,Request denied,'
             'urn:oasis:names:tc:SAML:2.0:status:Requester,urn:oasis:names:tc:SAML:2.0:status:RequestDenied,'
             '198.51.100.26,/')
    scan = _case9(tmp_path, (other,))
    assert len(_carl(scan)) == 2
    (captured,) = [a for a in _carl(scan) if any("tracer" in e["input"] for e in a["evidence"])]
    assert captured["user"] is None


def test_the_audit_row_alone_is_googles_refusal_of_the_request():
    scan = scan_case(CASE9, "Europe/Berlin", "--include", "saml-log-events.csv")
    (a,) = [x for x in scan["attempts"] if x["user"] == "carl.braun@example.com"]
    assert a["root_cause"] == "request-invalid" and a["side"] == "idp"


# --- livessp: the encrypted response and the IdP's STAT line of it -----------------------------------

LIVESSP = ROOT / "tests" / "data" / "livessp"


def test_an_encrypted_response_joins_the_idps_issue_line_though_only_its_destination_names_the_sp():
    """SimpleSAMLphp issued alice's encrypted response (STAT line 34, SP 'sonarqube', its entity ID)
    and the response names only its Destination (the Audience is encrypted): the two were compared as
    names of two SPs and left apart, one attempt without a user beside one without a response."""
    scan = scan_case(LIVESSP, "UTC", "--exclude", "record.py")
    (a,) = [x for x in scan["attempts"] if ("encrypted.b64", x["evidence"][0]["ref"]) in refs(x)
            or any(Path(e["input"]).name == "encrypted.b64" for e in x["evidence"])]
    assert ("simplesamlphp.log", "line 34") in refs(a)
    assert a["user"] == "alice"
    assert not [x for x in scan["attempts"] if refs(x) == {("simplesamlphp.log", "line 34")}]


def test_an_encrypted_response_with_two_issue_lines_that_moment_stays_apart(tmp_path):
    """Which of two issued responses within the moment the encrypted one is, nothing tells."""
    shutil.copy(LIVESSP / "encrypted.b64", tmp_path)
    line = (LIVESSP / "simplesamlphp.log").read_text(encoding="utf-8").splitlines()[33]
    other = line.replace("13:16:58", "13:17:01").replace("[cf4b5a6a19]", "[0a1b2c3d4e]")
    (tmp_path / "simplesamlphp.log").write_text(f"{line}\n{other}\n", encoding="utf-8")
    scan = scan_case(tmp_path, "UTC")
    assert not any(len(refs(x)) > 1 for x in scan["attempts"]), [refs(x) for x in scan["attempts"]]


# --- livesspsp: a refusal samlscan could not check is not said to pass --------------------------------

LIVESSPSP = ROOT / "tests" / "data" / "livesspsp"


def _refused(scan: dict, code: str) -> dict:
    """The attempt of the variant SimpleSAMLphp refused with `code` (wrong-audience.b64 for audience-mismatch)."""
    variant = "wrong-" + code.removesuffix("-mismatch") + ".b64"
    (a,) = [x for x in scan["attempts"] if any(Path(e["input"]).name == variant for e in x["evidence"])]
    return a


@pytest.mark.parametrize("code, flag", [("audience-mismatch", "--sp-entity-id"),
                                        ("recipient-mismatch", "--acs-url"),
                                        ("destination-mismatch", "--acs-url")])
def test_a_logged_refusal_without_the_setting_its_check_needs_is_not_said_to_pass(code, flag):
    """Scanned without SP settings, SimpleSAMLphp's refusals of the wrong Audience, Recipient and
    Destination came with 'the captured response passes that check here (does the SP run with
    other settings...?)': samlscan never ran the check, for want of the SP's entity ID or ACS URL."""
    notes = _refused(scan_case(LIVESSPSP, "UTC", "--exclude", "record.py"), code)["notes"]
    assert any("could not check it" in n and flag in n for n in notes), notes
    assert not any("passes that check here" in n for n in notes), notes


def test_a_logged_refusal_the_settings_given_do_not_find_still_says_so():
    """Given an SP entity ID the response does match (not the SP's own), the disagreement stays."""
    notes = _refused(scan_case(LIVESSPSP, "UTC", "--exclude", "record.py", "--sp-entity-id",
                               "https://other-sp.example.net/"), "audience-mismatch")["notes"]
    assert any("passes that check here" in n for n in notes), notes
    assert not any("could not check it" in n for n in notes), notes


# --- sqaccess: a proxy's access log beside SonarQube's own ------------------------------------------

SQACCESS = ROOT / "tests" / "data" / "sqaccess"


def test_a_proxys_line_and_the_sps_own_line_of_one_callback_are_one_login():
    """gen_sqaccess.py: three SAML logins, logged by SonarQube (access.log, web.log) and by the proxy
    in front of it (proxy-access.log, the same requests, no request ID): the folder's scan told six,
    each proxy line an attempt of its own beside the one SonarQube's lines made."""
    scan = scan_case(SQACCESS, "Europe/Paris")
    got = [(a["time"], a["outcome"], a["root_cause"], a["ip"],
            {name for name, _ in refs(a)}) for a in scan["attempts"]]
    assert got == [
        ("2025-03-11T08:41:07Z", "failure", "audience-mismatch", "203.0.113.77",
         {"access.log", "proxy-access.log", "web.log"}),
        ("2025-03-11T08:45:15Z", "success", None, "198.51.100.23", {"access.log", "proxy-access.log"}),
        ("2025-03-11T08:50:36Z", "failure", "signature-invalid", "192.0.2.10",
         {"access.log", "proxy-access.log", "web.log"})]


def test_a_double_click_in_the_proxys_log_stays_apart(tmp_path):
    """Two proxy lines of one client in that second: which one SonarQube logged is not known."""
    shutil.copy(SQACCESS / "access.log", tmp_path)
    lines = (SQACCESS / "proxy-access.log").read_text(encoding="utf-8").splitlines(keepends=True)
    (callback,) = [x for x in lines if x.startswith("203.0.113.77") and "POST /oauth2/callback/saml" in x]
    at = lines.index(callback)  # the callback and its refusal page, again a second later
    lines[at + 2:at + 2] = [x.replace("08:41:07", "08:41:08") for x in lines[at:at + 2]]
    (tmp_path / "proxy-access.log").write_text("".join(lines), encoding="utf-8")
    scan = scan_case(tmp_path, "Europe/Paris")
    mixed = [a for a in scan["attempts"] if a["ip"] == "203.0.113.77" and len({n for n, _ in refs(a)}) > 1]
    assert not mixed, [refs(a) for a in scan["attempts"]]
    assert len([a for a in scan["attempts"] if a["ip"] == "203.0.113.77"]) == 3  # (one SP line, two proxy lines)
    joined = [a for a in scan["attempts"] if a["ip"] == "192.0.2.10"]
    assert len(joined) == 1 and {n for n, _ in refs(joined[0])} == {"access.log", "proxy-access.log"}


# --- case 12 and the catalog: an account an administrator disabled is the IdP admin's to fix ---------

def test_a_blocked_user_is_the_idp_admins_to_unblock_not_the_users():
    """gen_case12.py, 10:02: sven, blocked in Auth0 (Dashboard > Users > Block): the attempt said side
    'user' (the user must sign in correctly), while its fix is the Auth0 admin's 'Unblock'."""
    scan = scan_case(ROOT / "tests" / "data" / "case12", "UTC")
    (a,) = [x for x in scan["attempts"] if x["user"] == "sven.lund@example.com"]
    assert (a["root_cause"], a["side"]) == ("idp-authentication-failed", "idp")
    assert "Unblock" in a["fix"]


@pytest.mark.parametrize("product, text", [("entra", "AADSTS50057: The user account is disabled."),
                                           ("keycloak", "user_disabled"),
                                           ("keycloak", "Account is disabled, contact your administrator."),
                                           ("auth0", "user is blocked")])
def test_a_disabled_account_is_the_idps_side(product, text):
    from samlscan import catalog

    hit = catalog.lookup(text, product)
    assert (hit.code, hit.side) == ("idp-authentication-failed", "idp")


@pytest.mark.parametrize("product, text", [("auth0", "Wrong email or password."),
                                           ("keycloak", "invalid_user_credentials")])
def test_a_wrong_password_stays_the_users(product, text):
    from samlscan import catalog

    hit = catalog.lookup(text, product)
    assert hit.code == "idp-authentication-failed" and hit.side in (None, "user")


# --- case 14: the IdP posted to a stale ACS path, not the one the SP asked for ------------------------

def test_a_destination_on_another_path_than_the_sp_asked_for_is_the_idps():
    """gen_case14.py, 08:52: SimpleSAMLphp's restored saml20-sp-remote.php holds the old
    /sonarqube/oauth2/callback/saml; SonarQube's AuthnRequest (lena's HAR) asks for
    /oauth2/callback/saml, SimpleSAMLphp warns and posts to its stale one, Spring refuses the
    Destination. The attempt said side 'sp' (a proxy's scheme or host, the code's usual case)."""
    scan = scan_case(ROOT / "tests" / "data" / "case14", "UTC")
    (a,) = [x for x in scan["attempts"] if x["time"] == "2025-12-09T08:52:03Z"]
    assert (a["root_cause"], a["side"]) == ("destination-mismatch", "idp")
    assert "saml20-sp-remote.php" in a["fix"]


def test_a_destination_that_differs_in_scheme_only_stays_the_sps():
    """gen_case10.py, 13:21: the AuthnRequest asked for http:// (serverBaseURL), Okta posted to its
    https:// ACS: the proxy's and the SP's base URL, the SP's side."""
    scan = scan_case(ROOT / "tests" / "data" / "case10", "UTC")
    (a,) = [x for x in scan["attempts"] if x["user"] == "carol.singh@corp.example"]
    assert (a["root_cause"], a["side"]) == ("destination-mismatch", "sp")


def _dan(*args: str) -> dict:
    (a,) = [x for x in scan_case(ROOT / "tests" / "data" / "case18", "UTC", *args)["attempts"]
            if x["user"] == "dan.weber"]
    return a


def test_a_logged_missing_login_without_the_login_attribute_given_is_not_said_to_pass():
    """gen_case18.py, 09:40: SonarQube's 'login is missing' for dan, scanned without the login
    attribute: samlscan said the captured response 'passes that check here'; it never ran it."""
    notes = _dan()["notes"]
    assert any("could not check it" in n and "--login-attribute" in n for n in notes), notes
    assert not any("passes that check here" in n for n in notes), notes


def test_the_login_attribute_given_checks_it():
    a = _dan("--login-attribute", "login")
    assert a["root_cause"] == "login-attribute-missing"
    assert not any("could not check it" in n or "passes that check here" in n for n in a["notes"]), a["notes"]
