"""Support case 19: AD FS 2019 + SonarQube Server 2025 (Spring, JSON web.log), a Fiddler trace
(tests/data/case19, made by fixtures/gen_case19.py; sources in tests/data/case19/SOURCES.md)."""
from __future__ import annotations

import sys
from functools import lru_cache

from case_util import ROOT, generator_check, refs, scan_case
from click.testing import CliRunner

from samlscan.cli import main

CASE = ROOT / "tests" / "data" / "case19"
sys.path.insert(0, str(ROOT / "fixtures"))


@lru_cache(maxsize=1)
def _attempts() -> dict[str, dict]:
    """The Security log's CSV is in the AD FS server's time (Paris); the rest carry their offset."""
    return {a["time"]: a for a in scan_case(CASE, "Europe/Paris")["attempts"]}


def test_generator_is_current():
    done = generator_check("gen_case19.py")
    assert done.returncode == 0, done.stderr


def test_msis0038_wrong_request_signature_is_the_trusts_signature_certificate():
    """ben: SonarQube's SP key was renewed, the relying party trust's Signature tab kept the old
    certificate: event 364 'MSIS0038: SAML Message has wrong signature'. samlscan had no entry for
    it: unknown-failure, 'Read the evidence lines', no side."""
    a = _attempts()["2026-04-14T08:14:40Z"]
    assert (a["outcome"], a["root_cause"], a["side"]) == ("failure", "request-signature-invalid", "idp")
    assert "Relying Party Trusts > <the trust> > Properties > Signature" in a["fix"]
    assert {("adfs-admin.xml", "line 3"), ("service-desk.saz", "session 6")} <= refs(a)


def test_explain_knows_msis0038():
    text = ("Microsoft.IdentityModel.Protocols.XmlSignature.SignatureVerificationFailedException: MSIS0038: "
            "SAML Message has wrong signature. Issuer: 'sonarqube'.")
    res = CliRunner().invoke(main, ["explain", text])
    assert res.exit_code == 0 and "request-signature-invalid" in res.output, res.output


def test_missing_login_claim_fix_names_the_trusts_issuance_transform_rules():
    """carla: the rewritten Issuance Transform Rules emit no windowsaccountname (SonarQube's login
    attribute): the fix named Shibboleth and PingFederate places and Entra's claim URIs, never
    where AD FS issues a claim."""
    a = _attempts()["2026-04-14T08:47:03Z"]
    assert (a["outcome"], a["root_cause"], a["side"]) == ("failure", "login-attribute-missing", "idp")
    assert "AD FS: AD FS Management > Relying Party Trusts > the trust > Edit Claim Issuance Policy > " \
           "Issuance Transform Rules" in a["fix"]


def test_rolled_over_token_signing_certificate_fix_names_ad_fs_certificates(tmp_path):
    """dave's response, signed with the token-signing certificate AutoCertificateRollover made
    Primary, checked against the old one: signature-cert-mismatch's fix named Entra's and
    PingFederate's places, not AD FS's Service > Certificates."""
    import gen_case19 as C
    from samlgen import keys as K

    resp, _ = C.adfs_response("dave", "dave", C.utc(9, 36, 20.5), K.load("idp-new"))
    path = tmp_path / "dave.xml"
    path.write_bytes(resp)
    res = CliRunner().invoke(main, ["check", str(path), "--idp-cert", str(ROOT / "fixtures" / "keys" / "idp.crt"),
                                    "--at", "2026-04-14T09:36:21Z", "--format", "json", "--fail-on", "never"])
    assert res.exit_code == 0, res.output
    assert "AD FS: AD FS Management > Service > Certificates > Token-signing, the Primary certificate" in res.output


def test_a_fix_that_names_ad_fs_management_gets_no_second_ad_fs_clause():
    """emma: the catalog's MSIS5007 fix says 'In AD FS Management, relying party trust > Edit Access
    Control Policy ...'; IDP_WHERE's 'AD FS: the relying party trust's access control policy' was
    appended to it all the same, saying the place twice."""
    a = _attempts()["2026-04-14T09:52:07Z"]
    assert (a["root_cause"], a["side"]) == ("user-not-assigned", "idp")
    assert a["fix"].startswith("In AD FS Management") and "AD FS:" not in a["fix"]


def test_a_refused_signature_of_a_response_the_metadata_verifies_is_the_sps_old_certificate():
    """dave: SonarQube's 'Invalid signature for object [...]' of a response that verifies with the
    token-signing certificate of AD FS's metadata (AutoCertificateRollover made it Primary): the SP
    holds another one. The cause stayed the log's signature-invalid, whose fix names no IdP's
    place; it is signature-cert-mismatch, with the certificate and AD FS's Service > Certificates."""
    a = _attempts()["2026-04-14T09:36:20Z"]
    assert (a["outcome"], a["root_cause"], a["side"]) == ("failure", "signature-cert-mismatch", "sp")
    assert "The response verifies with the IdP metadata's signing certificate" in a["fix"]
    assert "AD FS: AD FS Management > Service > Certificates > Token-signing" in a["fix"]
    assert any("web.log [line 7]: " in n and "Invalid signature" in n for n in a["notes"])


def test_the_sps_success_naming_the_user_by_another_attribute_joins_the_captured_login():
    """anna: SonarQube logs her in as 'anna' (its login attribute, the windowsaccountname claim
    CORP\\anna), the capture names her anna.keller@corp.example.com (NameID, UPN): the web.log
    success a second after the POST stood as a second login."""
    (anna,) = [a for a in _attempts().values() if a["time"].startswith("2026-04-14T08:02")]
    assert anna["outcome"] == "success"
    assert {("service-desk.saz", "session 3"), ("web.log", "line 3")} <= refs(anna)


def _with_web_log(tmp_path, seconds_after: float) -> dict:
    """The attempt holding the one success of a web.log that names 'anna' `seconds_after` the
    capture's POST of her login."""
    import json
    import shutil
    from datetime import datetime, timedelta, timezone

    at = datetime(2026, 4, 14, 8, 2, 11, 500000, tzinfo=timezone.utc) + timedelta(seconds=seconds_after)
    shutil.copy(CASE / "service-desk.saz", tmp_path / "service-desk.saz")
    line = {"process": "web", "instant": int(at.timestamp() * 1000), "date": at.isoformat(), "severity": "DEBUG",
            "logger": "auth.event", "message": "login success [method|OAUTH2][provider|EXTERNAL|AD FS]"
                                               "[IP|10.40.12.21|][login|anna]"}
    (tmp_path / "web.log").write_text(json.dumps(line) + "\n")
    (logged,) = [a for a in scan_case(tmp_path, "UTC")["attempts"] if ("web.log", "line 1") in refs(a)]
    return logged


def test_another_name_of_the_captured_user_joins_only_at_the_same_moment(tmp_path):
    """The other names of a response's user (its attributes' values) are weaker than its NameID:
    they join an SP log line of the same moment (MOMENT), not one minutes later."""
    assert ("service-desk.saz", "session 3") in refs(_with_web_log(tmp_path, 1.0))
    later = tmp_path / "later"
    later.mkdir()
    assert ("service-desk.saz", "session 3") not in refs(_with_web_log(later, 120.0))


def test_another_name_of_the_captured_user_joins_no_idp_log_line(tmp_path):
    """A response's other names (its attribute values: a manager, a group 'CORP\\\\sonar-users') join
    only the SP's log line, which names the user by its login attribute: an IdP's line naming 'anna'
    (as another user's manager, or a group) a second after her POST is not her login."""
    import shutil

    shutil.copy(CASE / "service-desk.saz", tmp_path / "service-desk.saz")
    # Keycloak's event line (an IdP log) for a user called 'anna' at the same moment
    (tmp_path / "keycloak.log").write_text(
        '2026-04-14 08:02:12,400 WARN  [org.keycloak.events] (executor-thread-1) type="LOGIN_ERROR", '
        'realmId="corp", clientId="sonarqube", userId="null", ipAddress="10.40.12.99", error="user_not_found", '
        'username="anna"\n')
    attempts = scan_case(tmp_path, "UTC")["attempts"]
    (kc,) = [a for a in attempts if ("keycloak.log", "line 1") in refs(a)]
    assert ("service-desk.saz", "session 3") not in refs(kc)
