"""Real excerpts of SP and IdP SAML failures samlscan had not seen (Nextcloud user_saml's nextcloud.log
JSON, php-saml through WordPress, ruby-saml through vets-api, Sentry, GitLab group SAML, Cloudflare
Access, AWS IAM, Salesforce, Zoom, Sourcegraph, Teleport, PowerDNS-Admin), quoted verbatim from public
pages (fixtures/audit41/SOURCES.md names each one's page), and what `samlscan check` makes of each."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.excerpt_util import assert_accounted_for, assert_checked_and_scanned, assert_error_named, error_named

HERE = Path(__file__).resolve().parent.parent / "fixtures" / "audit41"

# file -> (input kind, attempts); None for the kind: not read (the input 'failed')
VERDICTS = {
    # two records of Nextcloud's JSON log, one request (reqId): read since nextcloud45 (logs/nextcloud.py),
    # php-saml's destination check as user_saml logs it
    "nextcloud-json-received-at.log": ("log:nextcloud", [("failure", "destination-mismatch", "sp")]),
    "wp-saml-auth-could-not-be-processed.txt": (None, []),
    "vets-api-ruby-saml-xsd.txt": (None, []),
    # texts of SaaS SPs and apps: no SAML message, their error named (EXPLAINED)
    "sentry-map-attributes.txt": (None, []),
    "gitlab-group-saml-extern-uid.txt": (None, []),
    "cloudflare-saml-verify-no-cert.txt": (None, []),
    "aws-invalid-saml-response.txt": (None, []),
    "aws-rolesessionname-required.txt": (None, []),
    "salesforce-unable-map-subject.txt": (None, []),
    "zoom-1020-not-sso-user.txt": (None, []),
    # Sourcegraph's log15 line behind goreman's prefix (its single-container server's process manager):
    # read since audit42, goxmldsig's transforms check through gosaml2
    "sourcegraph-log15-transforms.log": ("log:sp-app", [("failure", "signature-transform-invalid", "idp")]),
    # Teleport's logrus text layout: its IdP-initiated refusal (lib/auth/saml.go's two texts, catalogued in
    # audit42), one failed attempt; no attempt before
    "teleport-idp-initiated.log": ("log:goapps", [("failure", "unsolicited-response", "user")]),
    # gunicorn's access-style debug lines: no failure in them
    "powerdns-admin-gunicorn.log": (None, []),
    "powerdns-admin-page.txt": (None, []),
}


def test_every_fixture_has_a_verdict_and_a_source():
    assert_accounted_for(HERE, VERDICTS)


@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_check_verdict_and_scan(name):
    assert_checked_and_scanned(HERE / name, *VERDICTS[name])


# an error text that is no SAML message, named by its product(s) and code; all three were named as
# java-saml's before audit41
EXPLAINED = {
    # php-saml's text, its Composer path and namespace in the PHP fatal error
    "wp-saml-auth-could-not-be-processed.txt": ("php-saml error INVALID_XML_FORMAT", "input-xml-malformed"),
    # the schema text every OneLogin toolkit throws, alone: no one library claimed
    "vets-api-ruby-saml-xsd.txt": ("java-saml, python3-saml, ruby-saml or php-saml (the text alone does not tell which)",
                                   "idp-configuration-error"),
    # the texts of SaaS SPs, each its product's own entry (audit42), named by nothing before
    "cloudflare-saml-verify-no-cert.txt": ("an error text of cloudflare", "idp-configuration-error"),
    "aws-invalid-saml-response.txt": ("an error text of aws-iam", "idp-configuration-error"),
    "aws-rolesessionname-required.txt": ("an error text of aws-iam", "login-attribute-missing"),
    "sentry-map-attributes.txt": ("an error text of sentry", "login-attribute-missing"),
    "gitlab-group-saml-extern-uid.txt": ("an error text of gitlab", "email-already-used"),
    "zoom-1020-not-sso-user.txt": ("zoom error 1020", "user-not-provisioned"),
    "salesforce-unable-map-subject.txt": ("an error text of salesforce", "signup-disabled"),
}


@pytest.mark.parametrize("name", sorted(EXPLAINED))
def test_the_error_is_named(name):
    assert_error_named(HERE / name, *EXPLAINED[name])


@pytest.mark.parametrize("name", ["powerdns-admin-page.txt", "powerdns-admin-gunicorn.log"])
def test_an_unknown_text_is_not_named(name):
    assert "but this is" not in error_named(HERE / name)


def test_a_shared_text_names_every_writer_unless_its_context_tells():
    """The OneLogin toolkits throw 'Signature validation failed. SAML Response rejected' alike: alone
    it names them all; a php-saml namespace or Nextcloud's user_saml app beside it names php-saml,
    a java-saml class java-saml."""
    from samlscan.inputs.blob import _error_text

    said = "Signature validation failed. SAML Response rejected"
    alone = _error_text(said)
    assert "(the text alone does not tell which) error INVALID_SIGNATURE" in alone
    assert all(p in alone for p in ("java-saml", "python3-saml", "php-saml"))
    for context in (f"Uncaught OneLogin\\Saml2\\ValidationError: {said}", f"Error | user_saml | {said}"):
        text = _error_text(context)
        assert "but this is php-saml error INVALID_SIGNATURE" in text and "does not tell" not in text
    java = _error_text(f"com.onelogin.saml2.exception.ValidationError: {said}")
    assert "but this is java-saml error INVALID_SIGNATURE" in java


def _writers(entry) -> tuple[str, ...]:
    from samlscan.catalog import own_entries

    return tuple(e.product for e in own_entries(entry))


def test_writers_of_a_text_and_of_one_products_own():
    from samlscan.catalog import lookup

    shared = lookup("Signature validation failed. SAML Response rejected")
    assert set(_writers(shared)) >= {"java-saml", "python3-saml", "php-saml"}
    assert _writers(shared)[0] == shared.product
    own = lookup("Found an Attribute element with duplicated Name", "java-saml")
    assert _writers(own) == ("java-saml",)


@pytest.mark.parametrize("text, product, code", [
    # Cloudflare's page quotes both lines; the second names the cause
    ("SAML Verify: Invalid SAML response, SAML Verify: No certificate selected to verify", "cloudflare",
     "idp-configuration-error"),
    ("Error: RoleSessionName is required in AuthnResponse (Service: AWSSecurityTokenService; Status Code: 400; "
     "Error Code: InvalidIdentityToken)", "aws-iam", "login-attribute-missing"),
    ("Failed to map SAML attributes. Assertion returned the following attribute keys: 'uid', 'mail'", "sentry",
     "login-attribute-missing"),
    ("Unable to map the subject to a Salesforce.com user", "salesforce", "signup-disabled"),
])
def test_saas_texts_are_their_products_own(text, product, code):
    """Each SaaS SP's text is its own entry, its fix naming that product's own setting."""
    from samlscan.catalog import lookup_error

    entry = lookup_error(text)
    assert entry is not None and (entry.product, entry.code) == (product, code) and entry.fix


def test_goxmldsig_transforms_text_is_both_go_libraries():
    """goxmldsig's 'Expected Enveloped and C14N transforms' is crewjam's and gosaml2's alike: alone it names
    both; each library's own entry when the context names it."""
    from samlscan.catalog import lookup_error

    said = "Expected Enveloped and C14N transforms"
    entry = lookup_error(said)
    assert entry.code == "signature-transform-invalid" and set(_writers(entry)) == {"crewjam", "gosaml2"}
    assert lookup_error(said, "gosaml2").product == "gosaml2"
    assert lookup_error("Expected Enveloped transforms") is None


def test_a_shared_text_is_explained_as_each_writers_own():
    """The schema text alone was explained in java-saml's words ('java-saml (SonarQube up to 10.x) ...'),
    which are not ruby-saml's: each writer's own explanation now, each naming its product; with a
    context that names one library, that one's alone."""
    text = error_named(HERE / "vets-api-ruby-saml-xsd.txt")
    said = text.split("(idp-configuration-error): ", 1)[1]
    assert all(f"{p} (" in said for p in ("java-saml", "python3-saml", "ruby-saml", "php-saml"))
    from samlscan.inputs.blob import _error_text

    php = _error_text("Uncaught OneLogin\\Saml2\\ValidationError: Invalid SAML Response. Not match the "
                      "saml-schema-protocol-2.0.xsd")
    assert "but this is php-saml error" in php and "java-saml" not in php and "SonarQube" not in php


@pytest.mark.parametrize("text, named, not_named", [
    ("Invalid SAML Response. Not match the saml-schema-protocol-2.0.xsd",
     "java-saml, python3-saml, ruby-saml or php-saml (the text alone does not tell which)", None),
    ("Signature validation failed. SAML Response rejected", "(the text alone does not tell which)", None),
    ("Uncaught OneLogin\\Saml2\\ValidationError: Signature validation failed. SAML Response rejected",
     "php-saml INVALID_SIGNATURE:", "java-saml"),
    ("Cert is not valid at this time", "crewjam or gosaml2 (the text alone does not tell which)", None),
])
def test_explain_says_what_check_says(text, named, not_named):
    """`samlscan explain` names a shared text's writers as check does (it named java-saml alone), and the
    one library a context names."""
    from click.testing import CliRunner

    from samlscan.cli import main

    out = CliRunner().invoke(main, ["explain", text]).output
    head = out.split("\n\n", 1)[0]
    assert named in head
    assert not_named is None or not_named not in out.split("samlscan code:")[0]


def test_a_procfile_supervisors_prefix_is_read_through():
    """goreman writes '%s %*s | ' (the time, the process's name padded on the left) before each line of
    its processes (mattn/goreman log.go); the line behind it is read as it would be alone, and a line
    without the prefix is not taken for one."""
    from samlscan.logs.wrapped import strip_prefixes

    line = "19:35:05                          frontend | t=2020-08-17T19:35:05+0000 lvl=eror msg=x"
    assert strip_prefixes(line) == "t=2020-08-17T19:35:05+0000 lvl=eror msg=x"
    assert strip_prefixes("\x1b[36m09:01:02 web | \x1b[0mstarted") == "started"
    assert strip_prefixes("19:35:05 frontend started | x") == "19:35:05 frontend started | x"


def test_an_html_error_box_is_read_for_its_words():
    """Moodle's error box pasted from the page's source (audit40's excerpt) was 'not well-formed XML': an
    HTML page or fragment naming no SAML message is read for the error its words name, else said to be a
    page; a SAML message is still XML."""
    from samlscan.inputs.blob import read_text

    box = (HERE.parent / "audit40" / "moodle-failure-signing-data.html").read_text(encoding="utf-8")
    (problem,) = read_text(box, "box.html")[1]
    assert "but this is an error text of simplesamlphp" in problem.detail
    (other,) = read_text("<div class='x'><p>Something went wrong</p>", "p.html")[1]
    assert other.detail.startswith("an HTML page")
    raws, problems = read_text('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>', "r.xml")
    assert len(raws) == 1 and not problems
