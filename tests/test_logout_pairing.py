"""A LogoutResponse answers the LogoutRequest its capture holds (SAML core 3.7.2: InResponseTo is that
request's ID). The SP libraries refuse another answer (ruby-saml, java-saml: 'The InResponseTo of the
Logout Response: ..., does not match the ID of the Logout request sent by the SP: ...'); samlscan paired
only Responses with AuthnRequests, so such a logout passed unremarked."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from test_logout_destination import CONFIG, IDP_SLO, LOGOUT_RESPONSE, SP_SLO, _post, _redirect, gc

REQUEST_ID = "_logout_2b7d9e4f1a3c5e60"  # fixtures/requests/logoutrequest.xml's ID, which LOGOUT_RESPONSE answers


def _mismatches(tmp_path, entries, *more) -> list[dict]:
    path = tmp_path / "logout.har"
    path.write_text(json.dumps(gc.har(entries)))
    r = CliRunner().invoke(main, ["check", str(path), "--format", "json", *more], catch_exceptions=False)
    assert r.exit_code in (0, 1), r.output
    return [f for m in json.loads(r.stdout)["messages"] for f in m["findings"] if f["code"] == "inresponseto-mismatch"]


def _answer(in_response_to: str) -> bytes:
    return LOGOUT_RESPONSE.replace(f'InResponseTo="{REQUEST_ID}"'.encode(), f'InResponseTo="{in_response_to}"'.encode())


@pytest.mark.parametrize("more", [(), ("--request-id", "_authn_request_of_the_login")])
def test_the_answer_to_the_captured_logout_request_is_fine(tmp_path, more):
    """(--request-id names the login's AuthnRequest: a LogoutResponse is not held to it.)"""
    assert _mismatches(tmp_path, [_redirect(IDP_SLO), _post(SP_SLO)], *more) == []


def test_an_answer_to_another_logout_request_names_both_ids(tmp_path):
    (f,) = _mismatches(tmp_path, [_redirect(IDP_SLO), _post(SP_SLO, _answer("_an_older_logout"))])
    assert (f["expected"], f["actual"]) == (REQUEST_ID, "_an_older_logout") and f["severity"] == "error"
    assert f["message_text"].startswith("the LogoutResponse's InResponseTo is '_an_older_logout', but the last "
                                        f"LogoutRequest before it is '{REQUEST_ID}'")


def test_a_logout_response_without_its_request_in_the_capture_is_not_judged(tmp_path):
    assert _mismatches(tmp_path, [_post(SP_SLO, _answer("_an_older_logout"))]) == []
    assert _mismatches(tmp_path, [_post(SP_SLO, _answer("_x"))], "--request-id", REQUEST_ID) == []


def test_sonarqube_which_does_no_single_logout_is_not_held_to_it(tmp_path):
    """(SonarQube checks no InResponseTo, logformats.md 1.3, and has no SAML single logout.)"""
    entries = [_redirect(IDP_SLO), _post(SP_SLO, _answer("_an_older_logout"))]
    assert _mismatches(tmp_path, entries, "--config", CONFIG) == []
