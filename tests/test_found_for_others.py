"""correlate.findings._found_for_others: an IdP's app-not-found becomes user-not-assigned only on evidence
that the application answered OTHER users at the same SP entity ID before and after it."""
from __future__ import annotations

from datetime import datetime, timezone

from samlscan.correlate.findings import _found_for_others
from samlscan.model import Attempt

ISSUER = "https://accounts.google.com/o/saml2?idpid=C02x7sq99"


def _at(hour: int, minute: int, user: str, outcome: str, cause: str | None = None, idp: str = ISSUER) -> Attempt:
    return Attempt(time=datetime(2024, 12, 31, hour, minute, tzinfo=timezone.utc), user=user, outcome=outcome,
                   root_cause=cause, side="idp" if cause else None, fix="make the Entity ID exactly the Issuer"
                   if cause else None, findings=(), evidence=(), idp=idp, sp="sonarqube")


def test_answered_for_other_users_is_user_not_assigned():
    done = _found_for_others([_at(9, 0, "lisa", "success"), _at(9, 20, "tom", "failure", "app-not-found", "google"),
                              _at(10, 0, "jan", "success")])
    assert done[1].root_cause == "user-not-assigned"


def test_the_same_users_own_successes_do_not_say_the_app_is_off_for_him():
    """tom logged in before and after: the app is enabled for him (Google gives
    app_not_configured_for_user too when the browser is signed in to another Google account);
    'it is not enabled for this user', citing tom's own login, was false."""
    done = _found_for_others([_at(9, 0, "tom", "success"), _at(9, 20, "tom", "failure", "app-not-found", "google"),
                              _at(10, 0, "tom", "success")])
    assert done[1].root_cause == "app-not-found"
