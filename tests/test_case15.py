"""Support case 15: Entra ID + SonarQube Server 2025.x (Spring Security SAML2), a SAML-tracer export
and a pasted Entra error page (tests/data/case15, made by fixtures/gen_case15.py; sources in
tests/data/case15/SOURCES.md)."""
from __future__ import annotations

from case_util import ROOT, generator_check, refs, scan_case

from samlscan.checks.base import issuer_product

CASE = ROOT / "tests" / "data" / "case15"


def _attempts() -> dict[str, dict]:
    return {a["time"]: a for a in scan_case(CASE, "UTC")["attempts"]}


def test_generator_is_current():
    done = generator_check("gen_case15.py")
    assert done.returncode == 0, done.stderr


def test_request_with_another_entity_id_to_entra_is_a_failed_attempt():
    """carla's first login: SonarQube sent Issuer 'https://sonar.contoso.example' to Entra's tenant
    endpoint while its settings (and Entra's Identifier) say 'sonarqube': Entra answered AADSTS700016
    and the tracer (no bodies) shows the flow ending there. The mismatch was an INFO note only, and
    the attempt was missing from the scan."""
    a = _attempts()["2026-02-03T09:34:02Z"]
    assert (a["outcome"], a["root_cause"], a["side"]) == ("failure", "app-not-found", "idp")
    assert ("saml-tracer-carla.json", "request 2") in refs(a)
    assert "sonar.auth.saml.applicationId" in a["fix"] and "Basic SAML Configuration > Identifier" in a["fix"]


def test_request_issuer_is_no_cause_for_an_idp_with_per_app_urls():
    """Okta's SSO URL names the application: its AuthnRequest Issuer chooses nothing, so a
    different one is no app-not-found."""
    from samlscan.checks.request import issuer_lookup_idp

    assert issuer_lookup_idp("https://contoso.okta.com/app/contoso_sonar_1/exk1abc/sso/saml?SAMLRequest=x") is None
    assert issuer_lookup_idp("https://login.microsoftonline.com/9a8b7c6d-5e4f-4a3b-9c2d-1e0f2a3b4c5d/saml2") == "entra"


def test_rolled_entra_certificate_fix_names_where_to_get_it():
    """carla's second login: signed with Entra's newly active certificate; the fix said only
    'download the IdP's current signing certificate (its metadata or admin console)'."""
    a = _attempts()["2026-02-03T10:11:18Z"]
    assert (a["outcome"], a["root_cause"], a["side"]) == ("failure", "signature-cert-mismatch", "sp")
    assert "sonar.auth.saml.certificate.secured" in a["fix"]
    assert "Single sign-on > SAML Certificates" in a["fix"]
    assert {("web.log", "line 16"), ("saml-tracer-carla.json", "request 5")} <= refs(a)


def test_entra_issuer_names_the_product():
    """A response alone (no sign-in log) from https://sts.windows.net/<tenant>/ was from no known IdP
    product, so no Entra-specific advice was added to its findings."""
    assert issuer_product("https://sts.windows.net/9a8b7c6d-5e4f-4a3b-9c2d-1e0f2a3b4c5d/") == "entra"
    assert issuer_product("https://sts.windows.net/not-a-tenant/") is None


def test_groups_overage_fix_names_the_entra_setting():
    """dan (more than 150 groups): the login works, groups.link instead of groups; the fix said
    'in Entra, emit only groups assigned to the application' without where."""
    doc = scan_case(CASE, "UTC")
    overage = [f for m in doc["messages"] for f in m["findings"] if f["code"] == "groups-overage-claim"]
    assert overage and "Attributes & Claims" in overage[0]["hint"]
    a = {x["time"]: x for x in doc["attempts"]}["2026-02-03T09:52:35Z"]
    assert a["outcome"] == "success" and ("dan-response.xml", "_c81207e3-167e-488f-847b-6bbea86ce27f") in refs(a)


def test_unassigned_user_page_joins_its_sign_in_event():
    a = _attempts()["2026-02-03T09:15:40Z"]
    assert (a["outcome"], a["root_cause"], a["side"]) == ("failure", "user-not-assigned", "idp")
    assert {n for n, _ in refs(a)} == {"bob-error-page.txt", "SignIns_2026-02-03.json"}
    assert "Users and groups" in a["fix"]


def test_no_noise_attempts():
    assert sorted(_attempts()) == ["2026-02-03T09:02:20Z", "2026-02-03T09:15:40Z", "2026-02-03T09:34:02Z",
                                   "2026-02-03T09:52:35Z", "2026-02-03T10:11:18Z"]


def test_answered_request_is_no_app_not_found():
    """Given another SP entity ID than the one SonarQube sent, carla's second request still got a
    response from Entra: the IdP found the application, so app-not-found is no finding of it."""
    doc = scan_case(CASE, "UTC", "--sp-entity-id", "https://sonar.contoso.example")
    a = {x["time"]: x for x in doc["attempts"]}
    # carla's first try stopped at Entra (the tracer keeps no page): nothing says why, no prediction
    # of app-not-found; what to ask her for
    first = a["2026-02-03T09:34:02Z"]
    assert (first["outcome"], first["root_cause"], first["findings"]) == ("unknown", None, [])
    assert "AADSTS code" in first["notes"][0] and "request 2" in first["notes"][0]
    assert "app-not-found" not in a["2026-02-03T10:11:18Z"]["findings"]
    assert a["2026-02-03T10:11:18Z"]["root_cause"] == "signature-cert-mismatch"


def test_a_sign_in_log_alone_says_its_successes_are_the_idps_word():
    """Entra's sign-in log alone called carla's 10:11 login a success (errorCode 0: Entra issued the
    token; SonarQube refused it, which only its log or a capture says): the report now says that its
    successes are the IdP's word; with the SP's log beside it, it does not."""
    import json

    from click.testing import CliRunner

    from samlscan.cli import main
    from samlscan.correlate import IDP_ONLY

    def notes(*paths):
        res = CliRunner().invoke(main, ["scan", *map(str, paths), "--format", "json", "--fail-on", "never"])
        return json.loads(res.stdout)["summary"].get("notes", [])

    assert IDP_ONLY in notes(CASE / "SignIns_2026-02-03.json")
    assert IDP_ONLY not in notes(CASE / "SignIns_2026-02-03.json", CASE / "web.log")
