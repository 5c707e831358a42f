"""pysaml2 as a live IdP, python3-saml as a live SP (tests/data/livepy, made by its make.py).

Each Response is as pysaml2 7.5 produced it (ns0:/ns1: prefixes, encas* prefixes inside the
encrypted assertion, 3DES + RSA-OAEP encryption); samlscan decrypts and verifies it for real and
must agree with python3-saml 1.16's recorded verdict, or the disagreement is explained here.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.catalog import lookup
from samlscan.cli import main

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "livepy"
KEYS = ROOT / "fixtures" / "keys"
VERDICTS = json.loads((DATA / "verdicts.json").read_text())
ACS = "https://sonar.example.com/oauth2/callback/saml"

# python3-saml's settings (make.py SETTINGS) as samlscan flags; want*Signed / rejectDeprecated
# have no samlscan flag (we always report an unsigned or SHA-1 message, at our own severity).
FLAGS = {
    "right": [],
    "other-idp-cert": ["--idp-cert", str(KEYS / "idp-new.crt")],
    "other-sp-entity": ["--sp-entity-id", "sonarqube-prod"],
    "other-sp-key": ["--sp-key", str(KEYS / "sp-other.key")],
    # judged at python3-saml's recorded clock ("now") instead of 5 s after the IssueInstant
    "early-4m": ["--at"], "early-6m": ["--at"], "late-19m": ["--at"], "late-21m": ["--at"],
}

# python3-saml rejects, samlscan verifies: python3-saml replaces the EncryptedAssertion by the
# decrypted Assertion with lxml (response.py _decrypt_assertion: xml.replace(...)), which re-binds
# the plaintext's own prefix (encas2:) to the Response's prefix for the same namespace (ns1:).
# Exclusive C14N keeps prefixes (xml-exc-c14n section 3), so the digest no longer matches; the
# plaintext as decrypted verifies (xmlsec1 --decrypt then --verify agrees: SOURCES.md).
PREFIX_REBOUND = {"enc-assert-signed", "enc-both-signed"}

# python3-saml's wantAttributeStatement (on by default) rejects an assertion without attributes;
# samlscan reports that only against the SP's attribute settings (test_attributes below).
NO_ATTRIBUTES = {"attrs-none"}


def _check(case: str, settings: str, extra: tuple = ()) -> set[tuple[str, str]]:
    """(severity, code) of every finding of `samlscan check` on one recorded Response, judged at
    python3-saml's clock with its tolerance (constants.py ALLOWED_CLOCK_DRIFT = 300 s)."""
    at = VERDICTS[case]["python3_saml"][settings]["now"]
    args = ["check", str(DATA / VERDICTS[case]["file"]), "--idp-cert", str(KEYS / "idp.crt"),
            "--sp-key", str(KEYS / "sp.key"), "--sp-entity-id", "sonarqube", "--acs-url", ACS,
            "--idp-entity-id", "https://idp.example.com/idp", "--request-id", "id-sonar-0123456789abcdef",
            "--at", at, "--clock-skew", "300", "--format", "json", "-q", "--fail-on", "never", *extra]
    swap = FLAGS[settings]
    if len(swap) == 2:  # replace the right value (--idp-cert and --sp-key repeat: a rollover, several keys)
        args[args.index(swap[0]) + 1] = swap[1]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    found: set[tuple[str, str]] = set()

    def walk(o):
        if isinstance(o, dict):
            if "code" in o and "severity" in o:
                found.add((o["severity"], o["code"]))
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)
    walk(json.loads(res.output))
    return found


def _errors(found) -> set[str]:
    return {code for sev, code in found if sev == "error"}


PAIRS = [(c, s) for c in sorted(VERDICTS) for s in FLAGS]


@pytest.mark.parametrize("case,settings", PAIRS, ids=[f"{c}/{s}" for c, s in PAIRS])
def test_verdict_agrees_or_is_explained(case, settings):
    verdict = VERDICTS[case]["python3_saml"][settings]
    errors = _errors(_check(case, settings))
    if verdict["valid"]:
        assert not errors, f"python3-saml accepts {case} with {settings}; samlscan: {sorted(errors)}"
    elif errors:
        return
    elif case in PREFIX_REBOUND and verdict["error"].startswith("Signature validation failed"):
        assert ("warning", "decrypted-prefix-rebound") in _check(case, settings)
    elif verdict["error"] == "A valid SubjectConfirmation was not found on this Response":
        # python3-saml allows no clock drift on SubjectConfirmationData (300 s on Conditions)
        assert ("warning", "subject-confirmation-drift") in _check(case, settings)
    elif case in NO_ATTRIBUTES:
        assert verdict["error"] == "There is no AttributeStatement on the Response"
    else:
        pytest.fail(f"python3-saml rejects {case} with {settings} ({verdict['error']}); samlscan accepts")


# What samlscan must say for each rejection python3-saml recorded with the right settings
EXPECTED = {
    "unsigned": "signature-missing",
    "other-key": "signature-cert-mismatch",
    "wrong-audience": "audience-mismatch",
    "error-status": "status-not-success",
    # pysaml2's PEFIM layout: the attributes in an EncryptedAssertion inside saml:Advice; python3-saml
    # counts every (Encrypted)Assertion of the document (validate_num_assertions), as we do
    "advice-attrs": "assertion-multiple",
}


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_rejection_named(case):
    assert not VERDICTS[case]["python3_saml"]["right"]["valid"]
    assert EXPECTED[case] in _errors(_check(case, "right"))


@pytest.mark.parametrize("case", sorted(PREFIX_REBOUND))
def test_encrypted_signed_assertion_verifies(case):
    """The disagreement above: samlscan decrypts and verifies the assertion signature, and the
    same message judged with the wrong SP key cannot be decrypted (so the verdict is real)."""
    assert not _errors(_check(case, "right"))
    assert "decryption-failed" in _errors(_check(case, "other-sp-key"))


def test_prefix_rebound_only_where_python3_saml_failed_a_good_signature():
    """The warning names exactly the Responses python3-saml rejected for a signature samlscan
    verifies: a signed Response around an encrypted, unsigned assertion is not flagged."""
    flagged = {c for c in VERDICTS if ("warning", "decrypted-prefix-rebound") in _check(c, "right")}
    assert flagged == PREFIX_REBOUND


def test_weak_algorithm_warned_where_python3_saml_refuses_sha1():
    for case, v in VERDICTS.items():
        refused = (v["python3_saml"]["reject-sha1"]["error"] or "").startswith("Deprecated signature")
        warned = ("warning", "signature-weak-algorithm") in _check(case, "right")
        assert refused == warned, case


ATTRS = ["--login-attribute", "login", "--name-attribute", "name", "--email-attribute", "email"]


def test_attributes():
    """pysaml2's attribute maps rename 'name'/'email' (urn:mace:dir:attribute-def:*) and drop
    nothing else; no attributes or mis-named ones fail SonarQube's login mapping."""
    assert "login-attribute-missing" in _errors(_check("attrs-none", "right", tuple(ATTRS)))
    assert "login-attribute-missing" in _errors(_check("attrs-misnamed", "right", tuple(ATTRS)))
    good = _errors(_check("both-sha256", "right", tuple(ATTRS)))
    assert "login-attribute-missing" not in good and "name-attribute-missing" in good


# python3-saml's error texts recorded here -> the samlscan code `samlscan explain` gives
TEXT_CODES = {
    "Signature validation failed": "signature-invalid",
    "No Signature found": "signature-missing",
    "is not a valid audience": "audience-mismatch",
    "Deprecated signature algorithm": "signature-weak-algorithm",
    "The Message of the Response is not signed": "signature-missing",
    "The Assertion of the Response is not signed": "signature-missing",
    "There is no AttributeStatement": "login-attribute-missing",  # no attributes released (small16)
    "The status code of the Response was not Success": "status-not-success",
    "failed to decrypt": "decryption-failed",
    "A valid SubjectConfirmation was not found": "recipient-mismatch",   # its usual cause; see below
    "SAML Response must contain 1 assertion": "assertion-multiple",
    "Could not validate timestamp: expired": "assertion-expired",
    "Could not validate timestamp: not yet valid": "assertion-not-yet-valid",
}
TEXTS = sorted({j["error"] for v in VERDICTS.values() for j in v["python3_saml"].values() if j["error"]})


@pytest.mark.parametrize("text", TEXTS)
def test_error_text_explained(text):
    want = [code for part, code in TEXT_CODES.items() if part in text]
    assert len(want) == 1, text
    entry = lookup(text, "python3-saml")
    assert entry is not None and entry.code == want[0], (text, entry)
    res = CliRunner().invoke(main, ["explain", text])
    assert res.exit_code == 0 and want[0] in res.output


def test_subject_confirmation_text_names_the_drift():
    """python3-saml's one SubjectConfirmation text covers the time window it judges without drift
    (late-19m above): its catalog entry says so and points at the warning."""
    entry = lookup("A valid SubjectConfirmation was not found on this Response", "python3-saml")
    assert entry.product == "python3-saml" and "subject-confirmation-drift" in entry.explanation


def test_drift_warning_only_within_the_skew():
    drift = ("warning", "subject-confirmation-drift")
    assert drift not in _check("both-sha256", "right")
    assert drift in _check("both-sha256", "late-19m")
    late = _check("both-sha256", "late-21m")
    assert drift not in late and "subject-confirmation-expired" in _errors(late)
    assert drift not in _check("both-sha256", "early-4m")   # pysaml2 writes no NotBefore there
