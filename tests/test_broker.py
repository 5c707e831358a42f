"""A login Keycloak brokers to another IdP is one attempt: two SAML exchanges in one browser capture
(SonarQube -> Keycloak's realm, the realm's broker -> Entra ID and back, then Keycloak -> SonarQube),
joined on the capture's own order (samlscan/correlate/broker.py _link_broker_hops), decided by the hop
where the login broke. Samples: tests/data/case18 (fixtures/gen_case18.py); the HARs below are its
entries recombined (whole entries, the signed messages untouched), as a browser would record
other orders: concurrent logins in two tabs, a login of another user, a Keycloak login that did
not broker.
"""
from __future__ import annotations

import json

import pytest
from case_util import ROOT, refs, scan_case

CASE = ROOT / "tests" / "data" / "case18"
HAR = json.loads((CASE / "chrome-sonar.har").read_text())
ENTRIES = HAR["log"]["entries"]
# case18's HAR, by login: SonarQube's redirect to Keycloak, the realm's SAML endpoint (AuthnRequest A),
# the broker's redirect to Entra, Entra (AuthnRequest B; its page posts Entra's response), the broker
# endpoint (its page posts Keycloak's response), SonarQube's ACS
ANNA, DAN = range(0, 6), range(16, 22)
CARLA_HOP = range(12, 15)  # the broker's redirect, Entra, the broker endpoint (no response to SonarQube)
EVE_HOP = range(24, 27)


@pytest.fixture(scope="module")
def scan() -> dict:
    return scan_case(CASE, "UTC")


def _scan_of(tmp_path, order) -> dict:
    """A scan of a HAR holding case18's entries `order` (numbered anew in that order)."""
    har = {"log": {**HAR["log"], "entries": [ENTRIES[i] for i in order]}}
    (tmp_path / "recombined.har").write_text(json.dumps(har))
    return scan_case(tmp_path, "UTC")


def _urls(attempt: dict, order) -> list[str]:
    """The URLs of an attempt's captured entries, by their place in the recombined HAR."""
    return [ENTRIES[order[int(e["ref"].split()[1])]]["request"]["url"]
            for e in attempt["evidence"] if e["kind"] == "capture"]


def _of(found: dict, user_part: str) -> list[dict]:
    return [a for a in found["attempts"] if user_part in (a["user"] or "")]


def test_one_brokered_login_is_one_attempt_with_both_hops(scan):
    """Each login was 2 attempts (the Entra hop's response with the logs; Keycloak's response to
    SonarQube with SonarQube's request), bob's, carla's and eve's a third of unknown outcome
    ('no SAML response in the capture') beside their failure: 10 attempts for 5 logins."""
    assert len(scan["attempts"]) == 5
    assert not [a for a in scan["attempts"] if a["outcome"] == "unknown"]
    (anna,) = [a for a in scan["attempts"] if a["time"].startswith("2026-03-10T09:02")]
    assert {("chrome-sonar.har", f"entry {n}") for n in (1, 4, 5)} <= refs(anna)  # A, Entra's response, Keycloak's
    assert anna["outcome"] == "success"
    assert anna["user"] == "anna.keller"  # the name SonarQube knows the user by (Keycloak's)


def test_a_login_that_broke_at_hop_1_holds_the_sps_request_as_evidence(scan):
    """bob: Entra refused Keycloak's AuthnRequest (AADSTS700016); SonarQube's request to Keycloak
    was an attempt of its own, 'no SAML response'. Its fix stays Keycloak's and Entra's."""
    (bob,) = [a for a in scan["attempts"] if a["time"].startswith("2026-03-10T09:12")]
    assert bob["root_cause"] == "app-not-found" and bob["outcome"] == "failure"
    assert {("chrome-sonar.har", "entry 7"), ("chrome-sonar.har", "entry 9")} <= refs(bob)
    assert bob["sp"] == "https://sso.example.com/realms/corp/broker/entra"  # the SP of the hop that broke
    assert "sonar.auth.saml" not in bob["fix"]
    assert any(n.startswith("hop 2 of 2: sonarqube -> Keycloak") and "stopped at hop 1, Keycloak -> Entra ID" in n
               for n in bob["notes"])
    (eve,) = [a for a in scan["attempts"] if a["time"].startswith("2026-03-10T10:09")]
    assert eve["root_cause"] == "signature-cert-mismatch" and ("chrome-sonar.har", "entry 23") in refs(eve)


def test_a_login_that_broke_at_hop_2_keeps_hop_1_as_evidence(scan):
    """dan: both hops passed, SonarQube refused Keycloak's response ('login is missing'): the
    attempt is Keycloak's login at SonarQube (its IdP the realm), Entra's hop a note."""
    (dan,) = [a for a in scan["attempts"] if a["time"].startswith("2026-03-10T09:40")]
    assert dan["root_cause"] == "login-attribute-missing"
    assert {("chrome-sonar.har", "entry 20"), ("chrome-sonar.har", "entry 21"), ("web.log", "line 5")} <= refs(dan)
    assert dan["idp"] == "https://sso.example.com/realms/corp" and dan["sp"] == "sonarqube"
    assert any(n.startswith("hop 1 of 2: Keycloak -> Entra ID (") and "[entry 20]" in n for n in dan["notes"])


def test_concurrent_brokered_logins_in_one_har_are_joined_by_their_users(tmp_path):
    """Two tabs: anna's and dan's logins interleaved. Each hop lies inside both SP logins' span;
    the users tell them apart (anna.keller@example.com at Entra is Keycloak's 'anna.keller')."""
    order = [0, 1, 16, 17, 2, 3, 4, 18, 19, 20, 5, 21]
    found = _scan_of(tmp_path, order)
    (anna,) = _of(found, "anna")
    (dan,) = _of(found, "dan")
    # (no web.log here: SonarQube's answer to Keycloak's POST refused it, unexplained)
    assert anna["outcome"] == "success" and dan["root_cause"] == "sp-refused-callback"
    assert any("/broker/entra/endpoint" in u for u in _urls(anna, order))
    assert any("/broker/entra/endpoint" in u for u in _urls(dan, order))
    assert len(found["attempts"]) == 2


def test_another_users_hop_is_not_joined(tmp_path):
    """dan's SP login holds carla's hop in its span (recombined): two users, two logins; anna's
    brokered login before them is one attempt."""
    order = [*ANNA, 16, 17, *CARLA_HOP, 21]
    found = _scan_of(tmp_path, order)
    assert len(_of(found, "anna")) == 1
    (dan,) = _of(found, "dan")
    assert not any("/broker/" in u for u in _urls(dan, order))
    assert _of(found, "carla")


def test_a_keycloak_login_that_did_not_broker_takes_no_later_hop(tmp_path):
    """anna's login answered by Keycloak without a broker hop, then dan's brokered login, then eve's
    hop alone: dan's is one attempt; anna's keeps no hop, eve's hop is its own attempt."""
    order = [0, 1, 5, *DAN, *EVE_HOP]
    found = _scan_of(tmp_path, order)
    (anna,) = _of(found, "anna")
    assert not any("/broker/" in u for u in _urls(anna, order))
    (dan,) = _of(found, "dan")
    assert any("/broker/entra/endpoint" in u for u in _urls(dan, order))
    assert any("sonar.example.com/oauth2" in u for u in _urls(dan, order))
    (eve,) = _of(found, "eve")
    assert all("sonar.example.com" not in u for u in _urls(eve, order))


@pytest.mark.parametrize("url, realm", [
    ("https://SSO.example.com/realms/corp/protocol/saml?SAMLRequest=x", "sso.example.com/realms/corp"),
    ("https://sso.example.com/realms/corp/broker/entra/endpoint", "sso.example.com/realms/corp"),
    ("https://kc.example/auth/realms/corp/broker/adfs-1/endpoint/clients/sonar", "kc.example/auth/realms/corp"),
    ("https://kc.example/realms/corp/protocol/saml/clients/sonar", "kc.example/realms/corp"),
    ("https://kc.example/realms/corp/broker/entra/login", None),
    ("https://kc.example/realms/other/protocol/openid-connect/auth", None),
    (None, None),
])
def test_keycloak_realm_of_its_saml_and_broker_endpoints(url, realm):
    from samlscan.config import keycloak_realm

    assert keycloak_realm(url) == realm
