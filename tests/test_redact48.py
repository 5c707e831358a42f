"""--redact masks the user names a log's prose introduces (report/redact.py _PROSE_USER): SonarQube's
"Adding user 'x' to group", Shibboleth's "Login by 'x' failed", "Login failed for user x", a Windows
"User: CORP\\x". Each phrasing masks its name and has a near-miss that must stay; a scan of
fixtures/redact48 (fixtures/gen_redact48.py) leaks none of its users in any format, and one user keeps
one mask in the table and in json."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from case_util import generator_check
from samlscan.cli import main
from samlscan.report.redact import Redactor, mask, prose_users

ROOT = Path(__file__).resolve().parents[1] / "fixtures"
FORMATS = ("table", "json", "jsonl", "csv", "sarif", "html")
USERS = ("ann.lee", "bo.chen", "cy.diaz", "dana.ito", "eve.fox", "fay.gold", "gus.hall", "CORP\\hal.iver",
         "ivy.jones", "jon.kim", "CORP\\kim.lund", "192.0.2.48", "cyd@corp.example", "4d8e1c20-7a6b-4c48-9e2f-0a1b2c3d4e48",
         "198.51.100.48", "198.51.100.49", "203.0.113.48", "203.0.113.49")


def test_the_fixtures_are_current():
    done = generator_check("gen_redact48.py")
    assert done.returncode == 0, done.stdout + done.stderr


def _m(v: str) -> str:
    return mask(v, "email" if "@" in v else "pii")


@pytest.mark.parametrize("text, name", [
    ("[o.s.s.a.UserRegistrarImpl] Adding user 'ann.lee' to group 'sonar-devs'", "ann.lee"),
    ("Removing group 'sonar-admins' from user 'bo.chen'", "bo.chen"),
    ("User with login 'cy.diaz' tried to login with email 'x@corp.example'", "cy.diaz"),
    ("login failure [cause|Failed to authenticate with login 'dana.ito'][method|OAUTH2]", "dana.ito"),
    ("Profile Action ValidateUsernamePasswordAgainstLDAP: Login by 'eve.fox' failed", "eve.fox"),
    ("Login by 'CORP\\hal.iver' failed", "CORP\\hal.iver"),
    ("Checking for existing, active, stored ID for principal 'gus.hall'", "gus.hall"),
    ("Login failed for user 'jdoe'.", "jdoe"),
    ("Login failed for user jdoe", "jdoe"),
    ("authentication failed for user CORP\\jdoe.", "CORP\\jdoe"),
    ("Activity ID: 0d4f User: CORP\\jdoe Client IP: x", "CORP\\jdoe"),
    ("Account Name:\tCORP\\jdoe", "CORP\\jdoe"),
    ("User \u2018jdoe\u2019 is disabled in realm 'corp'", "jdoe"),
])
def test_a_phrasing_masks_the_name_after_it(text, name):
    out = Redactor().text(text)
    assert name not in out and _m(name) in out, out
    assert prose_users(text) == {name}


@pytest.mark.parametrize("text", [
    "user not found",                                  # an outcome, no name
    "Login failed for user not found",
    "login failed for user null",                       # Keycloak's placeholder
    "User '%s' is disabled in realm '%s'",              # a format string quoted
    "User signup disabled for provider 'saml'",         # a provider, not a user
    "user= error=invalid_user_credentials",            # an empty 'user=': 'error=...' is the next key
    "the username 'x' is",                              # one character: no one's
    "Attribute Resolver: resolving attribute 'uid'",
    "authentication failed for user account CORP",    # a word, not a name, after 'for user'
])
def test_a_near_miss_keeps_its_words(text):
    assert Redactor().text(text) == text
    assert not prose_users(text)


def test_a_prose_user_is_masked_elsewhere_as_the_known_value():
    """A name found in prose is a known value: bare in another text it gets the same mask."""
    text = "Login by 'eve.fox' failed"
    red = Redactor(prose_users(text))
    assert red.text("attempt of eve.fox") == f"attempt of {_m('eve.fox')}"


def test_a_long_line_of_phrasings_takes_linear_time():
    import time

    line = ("user 'a " * 20_000) + ("for user " * 20_000) + ("User: " + "a" * 50_000)
    t = time.perf_counter()
    Redactor().text(line)
    assert time.perf_counter() - t < 2.0


def _scan(fmt: str, redact: bool = True, details: bool = True) -> str:
    r = CliRunner().invoke(main, ["scan", str(ROOT / "redact48"), "--format", fmt, "-j", "1", "--fail-on", "never",
                                  *(["--details"] if details else []), *(["--redact"] if redact else [])],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r.stdout


@pytest.fixture(scope="module")
def reports() -> dict[str, str]:
    return {fmt: _scan(fmt) for fmt in FORMATS}


def test_the_fixture_names_its_users_unredacted():
    """The audit can fail: unredacted, the report shows the prose users (dana.ito only in its cause)."""
    plain = _scan("table", redact=False)
    for v in ("dana.ito", "eve.fox", "CORP\\hal.iver"):
        assert v in plain, v


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_user_of_the_fixture_leaks(reports, fmt):
    out = reports[fmt]
    for v in USERS:
        for form in {v, v.replace("\\", "\\\\")}:
            assert not re.search(r"(?<![\w.])" + re.escape(form) + r"(?![\w])", out), (fmt, v)


def test_one_user_keeps_one_mask_in_table_and_json(reports):
    doc = json.loads(reports["json"])
    users = {a["user"] for a in doc["attempts"] if a["user"]}
    assert _m("dana.ito") in reports["table"] and _m("dana.ito") in reports["json"]
    for v in ("eve.fox", "CORP\\hal.iver", "ivy.jones"):
        assert _m(v) in users and _m(v) in reports["table"], v
