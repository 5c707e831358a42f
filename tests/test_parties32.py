"""One name per party in a run's attempts (correlate.parties): a log's product ('duo', 'okta') and a
capture's Issuer of one IdP are one name; an IdP log's app label ('Wiki') and the SP's entity ID too."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.correlate.parties import named_parties
from samlscan.model import Attempt, Evidence


def _attempts(case: str) -> list[dict]:
    res = CliRunner().invoke(main, ["scan", f"tests/data/{case}", "--format", "json", "--fail-on", "never"])
    assert res.exit_code == 0, res.output[-2000:]
    return json.loads(res.stdout)["attempts"]


DUO = "https://sso-7f3c2a1b.sso.duosecurity.com/saml2/sp/DIXJ4Q8ZP3RT5W7Y9A1C/metadata"
ENTRA = "https://sts.windows.net/9a8b7c6d-5e4f-4a3b-9c2d-1e0f2a3b4c5d/"


@pytest.mark.parametrize("case, idp, name", [("case25", DUO, f"Duo ({DUO})"), ("case27", ENTRA, f"Entra ID ({ENTRA})")])
def test_a_log_only_attempt_names_the_idp_as_the_captures_do(case, idp, name):
    """Duo's and Entra's log-only attempts named 'duo'/'entra' -> 'SonarQube' beside the captures'
    Issuer -> 'sonarqube': two IdPs to a reader."""
    got = [a for a in _attempts(case) if a["idp"]]
    assert {a["idp"] for a in got} == {idp}
    assert {a["idp_name"] for a in got} == {name}
    assert {a["sp"].casefold() for a in got} == {"sonarqube"} and len({a["sp_name"] for a in got}) == 1


def test_an_app_label_joined_to_an_entity_id_is_that_sp_everywhere():
    """case21: hana's attempt (Okta's log alone) said 'okta -> Wiki', ana's joined Okta's 'Wiki' to the
    capture's https://wiki.example.com/saml/metadata; ben's response went to Billing's entity ID and
    keeps it (an app label beside an attempt's own entity ID is not its SP)."""
    by_user = {}
    for a in _attempts("case21"):
        by_user.setdefault(a["user"], set()).add((a["idp"], a["sp"], a["idp_name"], a["sp_name"]))
    okta = "http://www.okta.com/exk21EXAMPLE"
    assert by_user["hana@example.com"] == by_user["ana@example.com"] == {
        (okta, "https://wiki.example.com/saml/metadata", f"Okta ({okta})", "Wiki (https://wiki.example.com/saml/metadata)")}
    assert {sp for _, sp, _, _ in by_user["ben@example.com"]} == {"https://billing.example.com/metadata.php"}
    # an app no message names keeps its label, not its SP's product ('spring')
    assert {(sp, n) for _, sp, _, n in by_user["carl@example.com"]} == {("Ops", "Ops")}


def _logged(i: int, idp: str, sp: str, kind: str = "log", **kw) -> Attempt:
    return Attempt(time=datetime(2026, 12, 3, 9, i, tzinfo=timezone.utc), user=f"u{i}", outcome="success",
                   root_cause=None, side=None, fix=None, findings=(), evidence=(Evidence("x", kind, f"line {i}"),),
                   idp=idp, sp=sp, **kw)


def test_the_settings_say_which_entity_a_logged_product_is():
    """Entra's sign-in log alone (no capture): the SP's settings name the IdP's entity ID
    (--idp-entity-id, its metadata), whose product is Entra: the log's 'entra' is that entity."""
    (a,) = named_parties([_logged(0, "entra", "SonarQube")], ("entra", ENTRA))
    assert (a.idp, a.idp_name, a.idp_aka) == (ENTRA, f"Entra ID ({ENTRA})", ("entra",))
    # another product's settings say nothing of it
    (b,) = named_parties([_logged(0, "entra", "SonarQube")], ("okta", "http://www.okta.com/exk1"))
    assert (b.idp, b.idp_name) == ("entra", "Entra ID")


def test_two_tenants_of_one_product_are_not_guessed():
    """Two Okta orgs captured, a log-only attempt naming 'okta': either could be its IdP."""
    one, two = "http://www.okta.com/exkONE", "http://www.okta.com/exkTWO"
    got = named_parties([_logged(0, one, "a", "capture"), _logged(1, two, "b", "capture"), _logged(2, "okta", "c")])
    assert [a.idp for a in got] == [one, two, "okta"]
    assert got[2].idp_name == "Okta"
