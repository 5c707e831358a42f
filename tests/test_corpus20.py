"""samlscan on real messages of products not read before (tests/data/corpus20; sources and every verdict in
its SOURCES.md and verdicts.json): two real Okta responses that dex's SAML connector tests accept, and
authentik's XSW3 test response, which authentik's SAML source must refuse.

Each sample is checked with the settings of the project's own test (verdicts.json); then the failing sides:
a changed Okta assertion, a moved signature, and SonarQube's default mapping against Okta's statements.
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
from test_corpus19 import SONAR, _one

DATA = Path(__file__).resolve().parent / "data" / "corpus20"
TABLE = json.loads((DATA / "verdicts.json").read_text())
SAMPLES = TABLE["samples"]
OKTA, OKTA_2016 = "dex-okta-resp-2017.xml", "dex-okta-resp-2016.xml"
XSW3 = "authentik-response_signed_assertion_xsw3.xml"


def _flags(name: str, **more) -> dict:
    return dict(table_flags(TABLE, SAMPLES[name]), **more)


def _beside_certs(tmp_path: Path, name: str, text: str) -> str:
    """`text` saved as sample `name` in tmp_path, with every certificate of the corpus beside it."""
    (tmp_path / name).write_text(text)
    for cert in DATA.glob("*.crt"):
        (tmp_path / cert.name).write_bytes(cert.read_bytes())
    return name


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_errors_are_the_tables_and_agree_with_the_project_or_say_why(name):
    errors = _errors(analyze_sample(DATA, name, **_flags(name)))
    assert (sorted(errors), _agrees_or_says_why(SAMPLES[name], errors)) == (sorted(SAMPLES[name]["samlscan_errors"]), True)


@pytest.mark.parametrize("fmt, trusted", list(itertools.product(("json", "table", "csv"), (False, True))))
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_sample_runs_through_the_cli(name, fmt, trusted):
    """No traceback, no internal error, in every format, with and without the sample's certificate."""
    res = CliRunner().invoke(main, check_args(DATA, name, _flags(name) if trusted else {}, fmt) + ["--fail-on", "never"])
    assert (res.exit_code, "Traceback" in res.output, "internal-error" in res.output) == (0, False, False), res.output


@pytest.mark.parametrize("name", [OKTA, OKTA_2016])
def test_dex_okta_responses_are_exact_both_signatures_verify_and_okta_is_named(name):
    res = analyze_sample(DATA, name, **_flags(name))
    assert [(s.parent, s.verified) for s in res.message.signatures] == [("Response", True), ("Assertion", True)]
    assert issuer_product(res.message.issuer) == "okta"


def test_dex_mapping_reads_okta_statements_and_groups():
    """dex's TestOkta/TestGroups: username 'Name' = Eric, email, groups Everyone and Admins: no mapping finding."""
    res = analyze_sample(DATA, OKTA, **_flags(OKTA))
    assert not [f for f in res.findings if "attribute" in f.code or "email" in f.code or "group" in f.code]


def test_a_changed_okta_attribute_fails_both_signatures(tmp_path):
    """The failing side: the email statement changed after signing (both signatures cover it)."""
    old = ">eric.chiang+okta@coreos.com</saml2:AttributeValue>"
    text = (DATA / OKTA).read_text()
    assert text.count(old) == 1
    name = _beside_certs(tmp_path, OKTA, text.replace(old, ">mallory@coreos.com</saml2:AttributeValue>"))
    res = analyze_sample(tmp_path, name, **_flags(OKTA))
    assert [s.verified for s in res.message.signatures] == [False, False]
    assert "signature-invalid" in _errors(res)


def test_the_okta_response_outside_its_window_is_expired_as_dex_would_say():
    res = analyze_sample(DATA, OKTA, **_flags(OKTA, at="2017-04-04T05:00:00Z"))
    assert "assertion-expired" in _errors(res)


def test_sonarqube_default_mapping_against_oktas_statements():
    """SonarQube reads 'login', 'name', 'email': Okta's 'Name' differs in case only, 'login' is absent and
    the advice names Okta's Attribute Statements; the email is where SonarQube looks."""
    res = analyze_sample(DATA, OKTA, **_flags(OKTA, **SONAR))
    assert _errors(res) == {"login-attribute-missing", "name-attribute-missing"}
    assert _one(res, "name-attribute-missing").actual == "Name"
    assert "Okta: Admin Console > Applications" in _one(res, "login-attribute-missing").hint


def test_authentik_xsw3_is_wrapping_the_forged_assertion_is_the_one_consumed():
    res = analyze_sample(DATA, XSW3, **_flags(XSW3))
    (sig,) = res.message.signatures
    assert sig.verified is True
    f = _one(res, "signature-wrapping")
    assert "'_evil'" in f.message_text
    assert "cert-not-yet-valid" in {g.code for g in res.findings}


def test_the_legitimate_assertion_alone_first_is_not_wrapping(tmp_path):
    """The other side: the forged assertion renamed to an element SAML does not read leaves the signed
    assertion as the only one: no signature-wrapping, no assertion-multiple."""
    text = (DATA / XSW3).read_text()
    start = text.index('  <saml:Assertion xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema" ID="_evil"')
    end = text.index("</saml:Assertion>", start) + len("</saml:Assertion>")
    sig_start = text.index("<ds:Signature", start)
    sig_end = text.index("</ds:Signature>", sig_start) + len("</ds:Signature>")
    signed_at = text.index('ID="pfxa06693ef-cec7-f4a6-cb7f-ad074445a1a3"')
    issuer_end = text.index("</saml:Issuer>", signed_at) + len("</saml:Issuer>")
    # the signature back where its IdP put it (enveloped in the assertion it signs), the forgery dropped
    fixed = text[:start] + text[end:issuer_end] + text[sig_start:sig_end] + text[issuer_end:]
    res = analyze_sample(tmp_path, _beside_certs(tmp_path, XSW3, fixed), **_flags(XSW3))
    assert [s.verified for s in res.message.signatures] == [True]
    assert _errors(res) == set()
