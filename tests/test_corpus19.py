"""samlscan on real responses of the big IdPs (tests/data/corpus19; sources and every verdict in its
SOURCES.md and verdicts.json): two Okta responses of goxmldsig's tests and an AD FS response of a write-up.

Each sample is checked with the settings verdicts.json names; then with SonarQube's attribute mapping, the
advice each IdP's attributes get: where in Okta's console a statement is added, an AD FS UPN in a '.local'
domain not taken for an email address, a name sent in two halves (Okta's FirstName and LastName).
"""
from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from external_util import analyze_sample, check_args, table_flags
from samlscan.checks.base import issuer_product
from samlscan.cli import main
from test_corpus17 import _agrees_or_says_why, _errors

DATA = Path(__file__).resolve().parent / "data" / "corpus19"
TABLE = json.loads((DATA / "verdicts.json").read_text())
SAMPLES = TABLE["samples"]
SONAR = {"profile": "sonarqube", "login_attribute": "login", "name_attribute": "name", "email_attribute": "email"}
"""SonarQube's login, name and email attribute settings, set to the names 'login', 'name' and 'email'."""
OKTA = "goxmldsig-okta-canonical-response.xml"
OKTA_ATTRS = "goxmldsig-okta-raw-response.xml"
ADFS = "adfs-cerberus-htb-response.xml"


def _flags(name: str, **more) -> dict:
    return dict(table_flags(TABLE, SAMPLES[name]), **more)


def _sonar(name: str, folder: Path = DATA):
    """The sample as SonarQube's default mapping (login, name, email) reads it."""
    return analyze_sample(folder, name, **_flags(name, **SONAR))


def _copy(tmp_path: Path, name: str, old: str, new: str) -> str:
    """A copy of sample `name` in tmp_path with `old` replaced (its signature no longer matters here)."""
    text = (DATA / name).read_text()
    assert old in text
    (tmp_path / name).write_text(text.replace(old, new))
    for cert in DATA.glob("*.crt"):
        (tmp_path / cert.name).write_bytes(cert.read_bytes())
    return name


def _one(res, code: str):
    (f,) = [f for f in res.findings if f.code == code]
    return f


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_errors_are_the_tables_and_agree_with_the_project_or_say_why(name):
    errors = _errors(analyze_sample(DATA, name, **_flags(name)))
    want = sorted(SAMPLES[name]["samlscan_errors"])
    assert (sorted(errors), _agrees_or_says_why(SAMPLES[name], errors)) == (want, True)


@pytest.mark.parametrize("fmt, trusted", list(itertools.product(("json", "table", "csv"), (False, True))))
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_sample_runs_through_the_cli(name, fmt, trusted):
    """No traceback, no internal error, in every format, with and without the sample's certificate."""
    res = CliRunner().invoke(main, check_args(DATA, name, _flags(name) if trusted else {}, fmt) + ["--fail-on", "never"])
    assert (res.exit_code, "Traceback" in res.output, "internal-error" in res.output) == (0, False, False), res.output


@pytest.mark.parametrize("name, product", [(OKTA, "okta"), (OKTA_ATTRS, "okta"), (ADFS, "adfs")])
def test_the_issuer_names_the_idp_product(name, product):
    res = analyze_sample(DATA, name, **_flags(name))
    assert issuer_product(res.message.issuer) == product


def test_the_okta_copies_are_exact_every_signature_verifies_with_oktas_certificate():
    assert [(s.parent, s.verified) for s in analyze_sample(DATA, OKTA, **_flags(OKTA)).message.signatures] == [
        ("Assertion", True)]
    signed = analyze_sample(DATA, OKTA_ATTRS, **_flags(OKTA_ATTRS)).message.signatures
    assert [(s.parent, s.verified) for s in signed] == [("Response", True), ("Assertion", True)]


def test_a_changed_okta_assertion_fails_its_signature(tmp_path):
    """The failing side: the same response, the NameID changed after signing."""
    name = _copy(tmp_path, OKTA, "russell.haering@scaleft.com", "mallory@scaleft.com")
    res = analyze_sample(tmp_path, name, **_flags(OKTA))
    assert [s.verified for s in res.message.signatures] == [False]
    assert "signature-invalid" in _errors(res)


def test_the_pretty_printed_adfs_response_is_said_reformatted_not_signed_by_another_key():
    res = analyze_sample(DATA, ADFS, **_flags(ADFS))
    assert _errors(res) == {"xml-reformatted"}
    assert [(s.verified, s.failure) for s in res.message.signatures] == [(False, "digest")]


@pytest.mark.parametrize("code", ["login-attribute-missing", "name-attribute-missing", "email-missing"])
def test_an_okta_response_without_the_attribute_says_where_okta_adds_a_statement(code):
    """The release advice named Shibboleth, PingFederate and AD FS only: an Okta response with no attribute
    got no word of Okta's Attribute Statements."""
    f = _one(_sonar(OKTA), code)
    assert "Okta: Admin Console > Applications > Applications > the app > General > SAML Settings > Edit > " \
           "Attribute Statements" in f.hint
    assert "AD FS:" not in f.hint and "Shibboleth:" not in f.hint


def test_an_adfs_response_gets_the_adfs_clause_not_oktas():
    f = _one(_sonar(ADFS), "login-attribute-missing")
    assert "AD FS: AD FS Management > Relying Party Trusts" in f.hint and "Okta:" not in f.hint


def test_an_adfs_upn_in_a_local_domain_is_not_taken_for_the_email():
    """AD FS sends only the UPN claim, matthew@cerberus.local: '.local' (RFC 6762) reaches no mailbox, yet
    samlscan said 'the email address is sent as .../upn' and advised it as sonar.auth.saml.user.email."""
    res = _sonar(ADFS)
    assert not [f for f in res.findings if f.code == "email-under-other-name"]
    f = _one(res, "email-missing")
    assert "'matthew@cerberus.local'" in f.message_text and "'.local'" in f.message_text
    assert "not a mailbox" in f.message_text


def test_a_upn_in_a_public_domain_is_still_offered_as_the_email(tmp_path):
    """The other side: the same claim in a routable domain is an address SonarQube can take."""
    name = _copy(tmp_path, ADFS, "matthew@cerberus.local", "matthew@cerberus.com")
    f = _one(_sonar(name, tmp_path), "email-under-other-name")
    assert f.actual == "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"


def test_a_name_sent_in_two_halves_is_said_so():
    """Okta's usual statements FirstName and LastName: SonarQube reads one name attribute."""
    f = _one(_sonar(OKTA_ATTRS), "name-attribute-missing")
    assert "two halves, 'FirstName' and 'LastName'" in f.message_text
    assert "sonar.auth.saml.user.name to FirstName" in f.hint and "whole name" in f.hint


def test_a_given_name_alone_is_not_a_name_in_two_halves(tmp_path):
    """The other side: without the surname the plain 'no attribute' text stays."""
    name = _copy(tmp_path, OKTA_ATTRS, 'Name="LastName"', 'Name="Department"')
    f = _one(_sonar(name, tmp_path), "name-attribute-missing")
    assert "two halves" not in f.message_text and "one of the attributes received" in f.hint
