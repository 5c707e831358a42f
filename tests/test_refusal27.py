"""A HAR of SonarQube's refusal page alone (saved without 'Preserve log': no SAML message, the
AUTHENTICATION-ERROR cookie its request sends) is a failed login with the reason that cookie names;
the same page without the cookie is no login (tests/data/refusal27, fixtures/gen_refusal27.py)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from case_util import ROOT, generator_check

from samlscan.cli import main

DATA = ROOT / "tests" / "data" / "refusal27"


def _check(name: str) -> dict:
    res = CliRunner().invoke(main, ["check", str(DATA / name), "--format", "json", "--fail-on", "never"])
    assert res.exit_code == 0, res.output[-2000:]
    return json.loads(res.stdout)


def test_generator_is_current():
    done = generator_check("gen_refusal27.py")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("name, cause", [("signup-disabled.har", "signup-disabled"),
                                         ("generic.har", "unknown-failure")])
def test_the_refusal_page_alone_is_a_failed_login_with_its_cookie_reason(name, cause):
    doc = _check(name)
    assert [(i["status"], i["kind"]) for i in doc["inputs"]] == [("scanned", "har")]
    [attempt] = doc["attempts"]
    assert [attempt["outcome"], attempt["root_cause"], attempt["side"]] == ["failure", cause, "sp"]
    said = " ".join(attempt["notes"])
    assert "Preserve log" in said and "not in the capture" in said
    assert attempt["evidence"][0]["input"].endswith(name)


def test_the_refusal_page_without_its_cookie_is_no_login():
    doc = _check("no-cookie.har")
    assert doc["attempts"] == [] and doc["inputs"][0]["status"] == "failed"
