"""`samlscan explain` of SonarQube's unauthorized page pasted whole: the reason is explained."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.explain import explain_text

# The page's fixed sentence (core.properties unauthorized.message), as users paste it.
PAGE = "You're not authorized to access this page. Please contact the administrator."
EMAIL_USED = "Email 'dev.user1@example.com' is already used"


def run(*args):
    return CliRunner().invoke(main, ["explain", *args], catch_exceptions=False)


@pytest.mark.parametrize("pasted", [
    f"{PAGE} Reason: {EMAIL_USED}",
    f"{PAGE}\nReason:\n{EMAIL_USED}",  # newer pages break the line after 'Reason:'
    f"  {PAGE.replace(chr(39), chr(0x2019))} reason: {EMAIL_USED}\n",  # typographic apostrophe
])
def test_wrapper_with_a_known_reason_explains_the_reason(pasted):
    text, found = explain_text(pasted)
    assert found
    assert text.startswith("SonarQube's unauthorized page (/sessions/unauthorized)")
    assert f"Reason: {EMAIL_USED}" in text
    assert explain_text(EMAIL_USED)[0] in text  # the reason's own explanation, whole
    assert "email-already-used" in text


def test_wrapper_reason_is_matched_without_the_wrapper():
    text, found = explain_text(f"{PAGE} Reason: Cookie 'OAUTHSTATE' is missing")
    assert found and "relaystate-cookie-missing" in text


def test_wrapper_without_a_reason_says_where_the_cause_is():
    for pasted in (PAGE, PAGE + " Reason:", "You're not authorized to access this page"):
        text, found = explain_text(pasted)
        assert found, pasted
        assert "unauthorized page" in text and "no reason" in text
        assert "web.log" in text and "auth.event" in text and "OAUTHSTATE" in text
    r = run(PAGE)
    assert r.exit_code == 0 and "AUTHENTICATION-ERROR" in r.output


def test_wrapper_with_an_unknown_reason_still_names_the_page():
    r = run(PAGE, "Reason:", "frobnicated widget")
    assert r.exit_code == 2
    assert "SonarQube's unauthorized page" in r.output
    assert "no finding code or known error text matches 'frobnicated widget'" in r.output
    assert "web.log" in r.output


def test_a_bare_reason_is_explained_as_before():
    text, found = explain_text(EMAIL_USED)
    assert found and "unauthorized page" not in text
