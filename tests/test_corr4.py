"""One user, two names: a login name of one product ('olga.berg', SonarQube's auth.event login,
Keycloak's username) and the email of another whose local part it is ('olga.berg@example.com',
Auth0's user_name, Okta's login, Entra's UPN) are one login within the window, when nothing makes
the name ambiguous. Evidence: tests/data/case12 (web.log and auth0-logs.json, without the HAR that
joins them by SAML IDs)."""
from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta

from case_util import ROOT, refs, scan_case

from samlscan.correlate.groups import _Groups
from samlscan.correlate.link_user import _link_name_to_email
from samlscan.correlate.pieces import _Piece

CASE = ROOT / "tests" / "data" / "case12"
OLGA_AUTH0 = ("auth0-logs.json", "line 71")
OLGA_SONAR = ("web.log", "line 2")


def _logs(tmp_path, extra: list[dict] = ()):
    """case 12's two logs, the Auth0 export with `extra` entries (newest first, as Auth0 sorts)."""
    shutil.copy(CASE / "web.log", tmp_path / "web.log")
    entries = json.loads((CASE / "auth0-logs.json").read_text())
    entries = sorted([*entries, *extra], key=lambda e: e["date"], reverse=True)
    (tmp_path / "auth0-logs.json").write_text(json.dumps(entries, indent=1))
    return scan_case(tmp_path, "UTC")["attempts"]


def _holding(attempts: list[dict], ref: tuple) -> dict:
    return next(a for a in attempts if ref in refs(a))


def _olga_elsewhere(date: str, user: str) -> dict:
    """Olga's Auth0 success moved to `date` and naming `user` (another login of the tenant)."""
    entry = next(e for e in json.loads((CASE / "auth0-logs.json").read_text()) if e["user_name"].startswith("olga"))
    return {**entry, "date": date, "user_name": user, "log_id": "9" * 56, "_id": "9" * 56, "ip": "198.51.100.9"}


def test_sonarqubes_login_joins_auth0s_email_of_the_same_user(tmp_path):
    """SonarQube logged olga's success as 'olga.berg', Auth0 as 'olga.berg@example.com' a second
    before: two attempts, each half of one login."""
    attempts = _logs(tmp_path)
    assert {OLGA_AUTH0, OLGA_SONAR} <= refs(_holding(attempts, OLGA_SONAR))
    assert len(attempts) == 4


def test_two_domains_with_that_local_part_leave_the_name_alone(tmp_path):
    """Another tenant user 'olga.berg@other.example' signs in within the window: whose login is
    SonarQube's 'olga.berg'? Neither is guessed."""
    attempts = _logs(tmp_path, [_olga_elsewhere("2025-12-09T08:06:30.000Z", "olga.berg@other.example")])
    assert refs(_holding(attempts, OLGA_SONAR)) == {OLGA_SONAR}


def test_the_other_domain_outside_the_window_does_not_make_it_ambiguous(tmp_path):
    attempts = _logs(tmp_path, [_olga_elsewhere("2025-12-09T07:30:00.000Z", "olga.berg@other.example")])
    assert {OLGA_AUTH0, OLGA_SONAR} <= refs(_holding(attempts, OLGA_SONAR))


def test_the_same_address_twice_is_still_one_user(tmp_path):
    """Two Auth0 lines of one address (case aside) within the window are one person."""
    attempts = _logs(tmp_path, [_olga_elsewhere("2025-12-09T08:03:00.000Z", "Olga.Berg@Example.com")])
    assert OLGA_AUTH0 in refs(_holding(attempts, OLGA_SONAR))


def _piece(second: int, user: str, product: str, side: str, outcome: str = "success") -> _Piece:
    return _Piece(time=datetime(2025, 12, 9, 8, 5) + timedelta(seconds=second), kind="log", input=product,
                  ref=f"line {second}", user=user, outcome=outcome, side=side, product=product)


def test_one_products_name_and_email_are_not_joined_by_the_local_part():
    """Within one product a name and an address are what it logged them as: two accounts."""
    pieces = [_piece(0, "olga.berg@example.com", "keycloak", "idp"),
              _piece(2, "olga.berg", "keycloak", "idp", outcome="unknown")]
    groups = _Groups(pieces)
    _link_name_to_email(pieces, groups)
    assert groups.find(0) != groups.find(1)


def test_an_sps_email_joins_an_idps_username():
    """sonar.auth.saml.user.login mapped to the email, Keycloak's events naming the username."""
    pieces = [_piece(0, "olga.berg", "keycloak", "idp"), _piece(1, "OLGA.BERG@example.com", "sonarqube", "sp")]
    groups = _Groups(pieces)
    _link_name_to_email(pieces, groups)
    assert groups.find(0) == groups.find(1)
