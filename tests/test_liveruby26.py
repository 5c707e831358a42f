"""ruby-saml's own verdicts on samlscan's generated Responses (tests/data/liveruby26, SOURCES.md there).

ruby-saml 1.13 (GitLab's, Discourse's, Mastodon's SAML library, through omniauth-saml) judged every case
live (judge.rb: Response#is_valid? soft and hard, Time.now frozen); here samlscan judges the same files
with the same settings (from the recorded files only: CI has no Ruby) and must agree: ruby-saml's
rejection text names (through the catalog, product 'ruby-saml') one of samlscan's errors, ruby-saml's
acceptance meets no samlscan error, or the disagreement is explained below.
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from external_util import assert_text_maps
from samlscan.catalog import lookup
from samlscan.config import build
from samlscan.engine import analyze_raw
from samlscan.inputs.base import RawMessage
from samlscan.model import Source
from samlscan.cli import main

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "liveruby26"
CASES = json.loads((DATA / "cases.json").read_text())
SETTINGS, INPUTS = CASES["settings"], CASES["cases"]
VERDICTS = json.loads((DATA / "verdicts.json").read_text())["verdicts"]

# ruby-saml's settings (cases.json) as samlscan's: an idp_cert_fingerprint pins the certificate whose
# SHA-1 it is, so samlscan is given that certificate; allowed_clock_drift is our clock skew.
RENAMED = {"idp_cert_fingerprint_of": "idp_cert", "clock_drift": "clock_skew"}
PATHS = {"idp_cert", "idp_cert_fingerprint_of", "idp_metadata", "sp_key"}


def _findings(case: str) -> set[tuple[str, str]]:
    """(severity, code) of every finding samlscan has on one case with ruby-saml's settings and clock,
    the generic profile (ruby-saml checks no SonarQube attribute mapping)."""
    spec = INPUTS[case]
    flags = {RENAMED.get(k, k): (str(ROOT / v) if k in PATHS else v) for k, v in SETTINGS[spec["settings"]].items()}
    xml = (ROOT / spec["file"]).read_text(encoding="utf-8")
    res = analyze_raw(RawMessage(Source(spec["file"]), "XML", xml, "xml"), 0,
                      build(dict(flags, at=spec["at"], profile="generic"), None))
    # a message refused as input (a DOCTYPE, not well-formed) is one finding, not a result
    return {(f.severity.value, f.code) for f in ([res] if hasattr(res, "code") else res.findings)}


def _errors(case: str) -> set[str]:
    return {code for sev, code in _findings(case) if sev == "error"}


# ruby-saml accepts, samlscan has an error: ruby-saml checks only what its settings and code ask.
ACCEPTED_ONLY_BY_RUBY = {
    # ruby-saml >= 1.7 (CVE-2017-11428) reads every text node of the NameID (utils.rb element_text): it
    # logs in 'dev.user1@example.com.evil.test', the signed value, so the login is safe; samlscan reports
    # the comment inside a NameID as the attack attempt it is (no IdP writes one).
    "nameid-comment-injection": "nameid-comment-injection",
    # SubjectConfirmationData without Recipient: ruby-saml compares Recipient only when present
    # (response.rb:783); SAML profiles 4.1.4.2 requires it on a bearer confirmation.
    "subject-confirmation-missing": "subject-confirmation-missing",
}

# ruby-saml rejects, samlscan warns only: what ruby-saml refuses is a setting or a rule of its own.
REFUSED_ONLY_BY_RUBY = {
    # No private_key in ruby-saml's settings: it cannot decrypt (and raises even in soft mode). Without
    # --sp-key samlscan was not given the key, which says nothing of whether the SP has one.
    "assertion-encrypted-no-key": "assertion-encrypted-no-key",
    "shibboleth-gcm-oaep@no-sp-key": "assertion-encrypted-no-key",
    "okta-encrypted-both-signed@no-sp-key": "assertion-encrypted-no-key",
    # The signature verifies with idp_cert, but KeyInfo carries another certificate: ruby-saml compares
    # the KeyInfo certificate's fingerprint with idp_cert's (xml_security.rb:224, 'Fingerprint
    # mismatch') and refuses; SPs that verify with the configured key accept it (a warning for us).
    "cert-keyinfo-differs": "cert-keyinfo-differs",
    # ds:Signature before saml:Issuer: ruby-saml validates against the protocol XSD (response.rb:424);
    # java-saml 2.x and others read such a message, so samlscan warns.
    "schema-order-invalid": "schema-order-invalid",
}

# One ruby-saml text covers several causes; samlscan names the one it is (text's code -> samlscan's).
NARROWER = {
    "assertion-multiple": {"assertion-missing"},          # 'must contain 1 assertion': none or several
    "signature-invalid": {"signature-cert-mismatch", "xml-reformatted"},  # soft mode's one signature text
    "recipient-mismatch": {"subject-confirmation-expired"},  # one SubjectConfirmation text for all its checks
    "idp-configuration-error": {"input-dtd-forbidden", "issuer-missing"},  # the XSD: what breaks it
    # ruby-saml quotes the IdP's StatusMessage: Okta's text names the refusal (catalog product okta)
    "user-not-assigned": {"status-not-success"},
}


def _texts(verdict: dict) -> list[str]:
    """ruby-saml's decisive texts: the first error collected in soft mode, the one raised in hard mode
    (omniauth-saml's), an exception that escaped is_valid?."""
    return [t for t in ((verdict["errors"] or [None])[0], verdict["raised"], verdict.get("exception")) if t]


@pytest.mark.parametrize("case", sorted(INPUTS))
def test_verdict_agrees_or_is_explained(case):
    verdict, errors = VERDICTS[case], _errors(case)
    if verdict["valid"]:
        assert not verdict["errors"] and not verdict["raised"]
        want = ACCEPTED_ONLY_BY_RUBY.get(case)
        assert errors == ({want} if want else set()), sorted(errors)
        return
    if case in REFUSED_ONLY_BY_RUBY:
        assert not errors and ("warning", REFUSED_ONLY_BY_RUBY[case]) in _findings(case)
        return
    assert errors, f"ruby-saml rejects {case} ({_texts(verdict)}); samlscan accepts"
    for text in _texts(verdict):
        entry = lookup(text, "ruby-saml")
        assert entry is not None, text
        assert entry.code in errors or errors & NARROWER.get(entry.code, set()), (text, entry.code, errors)


def test_the_disagreements_are_still_disagreements():
    """Each explained case is one: a stale explanation fails here."""
    for case in ACCEPTED_ONLY_BY_RUBY:
        assert VERDICTS[case]["valid"], case
    for case in REFUSED_ONLY_BY_RUBY:
        assert not VERDICTS[case]["valid"], case


def test_the_recording_covers_every_generated_response():
    """Every XML response the fixtures' manifest lists (valid layouts and defects) was judged."""
    manifest = json.loads((ROOT / "fixtures" / "manifest.json").read_text())
    judged = {INPUTS[c]["file"] for c in INPUTS}
    listed = {"fixtures/" + e["file"] for e in manifest
              if e["file"].startswith(("responses/valid/", "responses/defects/")) and e["file"].endswith(".xml")}
    assert listed <= judged and set(INPUTS) == set(VERDICTS)


def test_messages_are_the_generator_s():
    """messages/ is what make.py writes (deterministic generator): the judged bytes are reproducible."""
    spec = importlib.util.spec_from_file_location("liveruby26_make", DATA / "make.py")
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    for name, build in make.GENERATED.items():
        assert (DATA / "messages" / name).read_bytes() == build(), name
    assert make.cases() == INPUTS and make.SETTINGS == SETTINGS


def test_clock_drift_boundaries_agree():
    """ruby-saml: now >= NotOnOrAfter + drift is expired (response.rb:701), now < NotBefore - drift is
    early (response.rb:696); samlscan's window is the same to the second."""
    for case in [c for c in INPUTS if c.startswith("okta@") and ("drift" in c)]:
        assert VERDICTS[case]["valid"] == (not _errors(case)), case
    assert VERDICTS["okta@late-in-drift"]["valid"] and not VERDICTS["okta@late-at-drift"]["valid"]


# ruby-saml's texts met live that the catalog knew only as java-saml's or python3-saml's, or not at all
# (source: ruby-saml 1.13.0's file and line, in each catalog entry).
OWN_TEXTS = [
    ("Found an invalid Signed Element. SAML Response rejected", "signature-reference-invalid"),
    ("Issuer of the Assertion not found or multiple.", "issuer-missing"),
    ("SAML Response must contain 1 assertion", "assertion-multiple"),
    ("The InResponseTo of the Response: _req_0b1c2d3e4f5a6b7c, does not match the ID of the AuthNRequest "
     "sent by the SP: _req_7f3a9c1e5b2d4f60", "inresponseto-mismatch"),
    ("Unsupported SAML version", "version-unsupported"),
    ("49:0: ERROR: Internal error: xmlSchemaVDocWalk, there is at least one entity reference in the node-tree "
     "currently being validated. Processing of entities with this XML Schema processor is not supported (yet). "
     "Please substitute entities before validation..", "input-dtd-forbidden"),
    ("OpenSSL::PKey::RSAError: EVP_PKEY_decrypt: oaep decoding error", "decryption-failed"),
    ("REXML::ParseException: No close tag for /saml2p:Response/saml2:Assertion", "input-xml-malformed"),
]


@pytest.mark.parametrize("text, code", OWN_TEXTS)
def test_ruby_saml_s_own_text(text, code):
    assert_text_maps(text, "ruby-saml", code)


def test_every_recorded_text_is_read_as_ruby_saml_s():
    """Every text ruby-saml produced here is explained by a ruby-saml entry, except an IdP's own
    StatusMessage that ruby-saml quotes (the IdP's entry names the refusal)."""
    texts = {t for v in VERDICTS.values() for t in [*v["errors"], *_texts(v)]}
    for text in texts:
        entry = lookup(text, "ruby-saml")
        assert entry is not None, text
        assert entry.product == "ruby-saml" or "The status code of the Response was not Success, was" in text, \
            (text, entry.product)


def test_fingerprint_mismatch_says_idp_cert_too():
    """ruby-saml 1.13 says 'Fingerprint mismatch' with idp_cert configured (cert-keyinfo-differs and
    other-idp-cert, hard mode): the entry must not send a GitLab admin to a fingerprint setting only."""
    assert VERDICTS["cert-keyinfo-differs"]["raised"] == "Fingerprint mismatch"
    assert "idp_cert" in SETTINGS[INPUTS["cert-keyinfo-differs"]["settings"]]
    entry = lookup("Fingerprint mismatch", "ruby-saml")
    assert "idp_cert configured" in entry.explanation and "cert-keyinfo-differs" in entry.explanation


def test_explain_reads_a_gitlab_log_line():
    """A GitLab/omniauth-saml log line quoting ruby-saml's exception is explained as its cause."""
    line = ('{"severity":"ERROR","time":"2025-03-11T08:41:03.120Z","exception.class":"OpenSSL::PKey::RSAError",'
            '"exception.message":"EVP_PKEY_decrypt: oaep decoding error"}')
    res = CliRunner().invoke(main, ["explain", line])
    assert res.exit_code == 0 and "decryption-failed" in res.output and "ruby-saml" in res.output
