"""samlscan on real messages of products not read before (tests/data/corpus21; sources and every verdict in
its SOURCES.md and verdicts.json): pac4j-saml's test responses of a SPID test IdP, of Topicus KeyHub, and of
AD FS and the UK federation's Shibboleth IdP (those two redacted before pac4j committed them).

Each sample is checked with the settings of the project's test (verdicts.json); then the failing sides: the
redacted values said without a certificate, a scoped identifier not taken for the email, SonarQube's mapping.
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

DATA = Path(__file__).resolve().parent / "data" / "corpus21"
TABLE = json.loads((DATA / "verdicts.json").read_text())
SAMPLES = TABLE["samples"]
SPID, SPID_EDITED = "pac4j-spid-testenv-response-d1c1024.xml", "pac4j-spid-testenv-response-edited.xml"
KEYHUB = "pac4j-keyhub-response-multivalued-groups.xml"
ADFS, UKAMF = "pac4j-adfs-response-redacted.xml", "pac4j-ukamf-shibboleth-response-redacted.xml"


def _flags(name: str, **more) -> dict:
    return dict(table_flags(TABLE, SAMPLES[name]), **more)


def _attrs(res) -> dict:
    (a, *_) = [a for a in res.message.assertions if not a.was_encrypted]
    return {x.name: tuple(v.strip() for v in x.values) for x in a.attributes}


def _edited(tmp_path: Path, name: str, old: str, new: str) -> str:
    """A copy of sample `name` in tmp_path with `old` (found once) replaced, the corpus's certificates beside it."""
    text = (DATA / name).read_text()
    assert text.count(old) == 1
    (tmp_path / name).write_text(text.replace(old, new))
    for cert in DATA.glob("*.crt"):
        (tmp_path / cert.name).write_bytes(cert.read_bytes())
    return name


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_samples_errors_are_its_rows_which_agree_with_the_project_or_say_why(name):
    row = SAMPLES[name]
    found = sorted(_errors(analyze_sample(DATA, name, **_flags(name))))
    assert found == sorted(row["samlscan_errors"]) and _agrees_or_says_why(row, set(found))


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_sample_runs_clean_through_the_cli_in_every_format(name):
    """No traceback, no internal error, in json, table and csv, with and without the sample's settings."""
    for fmt, flags in itertools.product(("json", "table", "csv"), ({}, _flags(name))):
        out = CliRunner().invoke(main, check_args(DATA, name, flags, fmt) + ["--fail-on", "never"])
        assert out.exit_code == 0 and not any(w in out.output for w in ("Traceback", "internal-error")), (fmt, out.output)


def test_the_spid_test_idps_response_verifies_both_signatures_with_an_expired_certificate():
    res = analyze_sample(DATA, SPID, **_flags(SPID))
    assert [(s.parent, s.verified) for s in res.message.signatures] == [("Response", True), ("Assertion", True)]
    assert "cert-expired" in {f.code for f in res.findings}


def test_pac4js_later_edit_of_the_signed_spid_response_fails_both_digests():
    """pac4j added FriendlyName friendlyGender and two attributes after the IdP signed: both digests fail."""
    res = analyze_sample(DATA, SPID_EDITED, **_flags(SPID_EDITED))
    assert [(s.verified, s.failure) for s in res.message.signatures] == [(False, "digest"), (False, "digest")]
    attrs = _attrs(res)
    assert (len(attrs), attrs["anInteger"], attrs["aBoolean"], attrs["mobilePhone"]) == (14, ("42",), ("true",), ("",))


def test_a_changed_spid_attribute_is_said_for_the_untouched_response_too(tmp_path):
    name = _edited(tmp_path, SPID, ">longosibilla@libero.it<", ">mallory@libero.it<")
    res = analyze_sample(tmp_path, name, **_flags(SPID))
    assert [s.verified for s in res.message.signatures] == [False, False]


def test_sonarqube_mapping_of_the_spid_attributes():
    """SPID's 'name' is the given name and 'email' the address: only the login is missing for SonarQube."""
    res = analyze_sample(DATA, SPID, **_flags(SPID, **SONAR))
    assert _errors(res) == {"login-attribute-missing"}
    assert not [f for f in res.findings if f.code.startswith(("email-", "name-"))]


def test_keyhub_was_pretty_printed_after_signing_and_its_groups_are_read():
    res = analyze_sample(DATA, KEYHUB, **_flags(KEYHUB))
    (sig,) = res.message.signatures
    assert (sig.verified, sig.reformatted) == (False, True)
    assert _attrs(res)["groups"] == ("Product-X Dev", "Product-X Test")
    assert not [f for f in res.findings if f.code.startswith("group")]


def test_keyhub_with_another_key_is_not_called_reformatted(tmp_path):
    """The failing side: a changed group fails the digest even once whitespace is normalised."""
    name = _edited(tmp_path, KEYHUB, ">Product-X Test<", ">Product-X Admin<")
    (sig,) = analyze_sample(tmp_path, name, **_flags(KEYHUB)).message.signatures
    assert (sig.verified, sig.reformatted, sig.failure) == (False, False, "digest")


@pytest.mark.parametrize("name", [ADFS, UKAMF])
def test_redacted_signatures_are_said_without_any_certificate(name):
    """'...', 'XXX' or empty values: the redaction is seen without a key (it was 'no IdP certificate configured')."""
    res = analyze_sample(DATA, name, at=SAMPLES[name]["at"])
    assert {(s.verified, s.failure) for s in res.message.signatures} == {(False, "placeholder")}
    found = [f for f in res.findings if f.code == "signature-invalid"]
    assert len(found) == len(res.message.signatures)
    assert all("redacted" in f.message_text and f.side == "user" for f in found)


def test_a_real_signature_value_without_a_certificate_is_still_unchecked_not_redacted(tmp_path):
    """The other side: a base64 value of a real length is not a placeholder; without a key nothing is said of it."""
    sig_value = "A" * 342 + "=="
    name = _edited(tmp_path, ADFS, "<ds:SignatureValue>...</ds:SignatureValue>", f"<ds:SignatureValue>{sig_value}</ds:SignatureValue>")
    text = (tmp_path / name).read_text().replace("<ds:DigestValue>...</ds:DigestValue>", "<ds:DigestValue>" + "B" * 43 + "=</ds:DigestValue>")
    (tmp_path / name).write_text(text)
    (sig,) = analyze_sample(tmp_path, name, at=SAMPLES[ADFS]["at"]).message.signatures
    assert (sig.verified, sig.failure) == (None, "no-key")


def test_adfs_is_named_and_its_claims_are_read():
    res = analyze_sample(DATA, ADFS, **_flags(ADFS, **SONAR))
    assert issuer_product(res.message.issuer) == "adfs"
    assert _attrs(res)["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"] == ("jdoe@company",)
    assert _errors(res) == {"signature-invalid", "login-attribute-missing", "name-attribute-missing"}


def test_ukamf_eduperson_attributes_and_the_targeted_id_inside_its_nameid():
    attrs = _attrs(analyze_sample(DATA, UKAMF, **_flags(UKAMF)))
    assert attrs["urn:oid:1.3.6.1.4.1.5923.1.1.1.10"] == ("o8WNXY3pMlSjaLHi6nOMzB+6NNA=",)
    assert attrs["urn:oid:1.3.6.1.4.1.5923.1.1.1.9"] == ("student@test.ukfederation.org.uk", "member@test.ukfederation.org.uk")
    assert issuer_product("https://test-idp.ukfederation.org.uk/idp/shibboleth") == "shibboleth"


def test_a_scoped_affiliation_is_not_offered_as_the_email():
    """eduPersonScopedAffiliation (member@scope) has an address's shape and is no mailbox: it was offered as
    sonar.auth.saml.user.email; now email-missing, which names the principal name as a maybe."""
    res = analyze_sample(DATA, UKAMF, **_flags(UKAMF, **SONAR))
    assert "email-under-other-name" not in {f.code for f in res.findings}
    f = _one(res, "email-missing")
    assert "urn:oid:1.3.6.1.4.1.5923.1.1.1.6 (eduPersonPrincipalName) = 'craig@test.ukfederation.org.uk'" in f.message_text


def test_a_mail_attribute_under_another_name_is_still_offered(tmp_path):
    """The other side: an ordinary attribute holding an address is still offered as the email."""
    old = 'FriendlyName="eduPersonEntitlement"\n\t\t\t\tName="urn:oid:1.3.6.1.4.1.5923.1.1.1.7"'
    name = _edited(tmp_path, UKAMF, old, 'Name="contactAddress"')
    text = (tmp_path / name).read_text().replace("http://ukfederation.org.uk/entitlements/example", "craig@example.ac.uk")
    (tmp_path / name).write_text(text)
    res = analyze_sample(tmp_path, name, **_flags(UKAMF, **SONAR))
    assert _one(res, "email-under-other-name").actual == "contactAddress"
