"""Messages of three generators samlscan had never seen, judged from the recorded files only.

- tests/data/auth0gen26: Auth0's own IdP code (npm samlp 8 + saml 4) with the addon's options and the
  misconfigurations support sees; the verdict is the fault each was made with (samlp has no SP side).
- tests/data/lasso26: Lasso 2.8 (mod_auth_mellon's and Authentic2's library) as IdP, judged by Lasso as SP.
- tests/data/samlsign26: our generator's unsigned Responses signed by C++ OpenSAML's samlsign, and
  samlsign's verdict on each and on tampered copies with the right and a wrong certificate.
No tool runs here (CI has none); every disagreement with a generator's verdict is in DISAGREE with why.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from external_util import analyze_sample, assert_text_maps, run_check
from samlscan.catalog import lookup
from samlscan.checks.base import issuer_product
from samlscan.codes import ENTITY_AS_DESTINATION_FIX

DATA = Path(__file__).resolve().parent / "data"
KEYS = Path(__file__).resolve().parent.parent / "fixtures" / "keys"


def _codes(res, severity: str = "error") -> set[str]:
    return {f.code for f in res.findings if f.severity.value == severity}


# --- Auth0 (samlp / saml) -------------------------------------------------------------------------

AUTH0 = DATA / "auth0gen26"
AUTH0_TABLE = json.loads((AUTH0 / "verdicts.json").read_text())
AUTH0_FLAGS = {"idp_cert": str(KEYS / "idp.crt"), "sp_key": str(KEYS / "sp.key"),
               "sp_entity_id": AUTH0_TABLE["sp"]["entity"], "acs_url": AUTH0_TABLE["sp"]["acs"],
               "idp_entity_id": AUTH0_TABLE["issuer"], "at": "2026-01-15T10:02:00Z"}
AUTH0_LATE = "2026-01-15T10:05:00Z"
"""'expired' lives 60 s (lifetimeInSeconds): past its 10:01 end and samlscan's 180 s of skew."""
AUTH0_FAULT = {None: set(), "sha1": set(), "decryption": {"decryption-failed"},
               "audience": {"audience-mismatch"}, "recipient": {"destination-mismatch"},
               "destination": {"destination-mismatch"}, "wrong-key": {"signature-cert-mismatch"},
               "unsigned": {"signature-missing"}, "expired": {"assertion-expired", "subject-confirmation-expired"}}
"""The errors each fault samlp was given must bring. 'recipient': samlp writes Destination and
SubjectConfirmationData/@Recipient from one setting; samlscan reports one destination-mismatch that says
the Recipient names the same URL. 'destination': samlp's buildSamlResponse writes
`options.destination || options.audience`, so an addon without "destination" posts a Destination that is
the SP's entity ID, not its ACS URL (SAML core 3.2.2: the address the message was sent to)."""


@pytest.mark.parametrize("name", sorted(AUTH0_TABLE["samples"]))
def test_auth0_fault_is_the_error(name):
    fault = AUTH0_TABLE["samples"][name]["fault"]
    flags = dict(AUTH0_FLAGS, at=AUTH0_LATE) if fault == "expired" else AUTH0_FLAGS
    assert _codes(analyze_sample(AUTH0, name, **flags)) == AUTH0_FAULT[fault]


@pytest.mark.parametrize("name", sorted(AUTH0_TABLE["samples"]))
def test_auth0_no_traceback_and_the_exit_code_follows_the_errors(name):
    errors = _codes(analyze_sample(AUTH0, name, **AUTH0_FLAGS))
    assert run_check(AUTH0, name, AUTH0_FLAGS).exit_code == (1 if errors else 0)


def test_auth0_issuer_is_auth0_and_the_fix_says_where_in_auth0():
    """urn:<tenant>.<region>.auth0.com names Auth0: the fixes point into the SAML2 Web App addon."""
    assert issuer_product(AUTH0_TABLE["issuer"]) == "auth0"
    for name, code in (("messages/sha1.xml", "signature-weak-algorithm"),
                       ("messages/wrong-recipient.xml", "destination-mismatch"),
                       ("messages/destination-defaults-to-audience.xml", "destination-mismatch")):
        hints = [f.hint for f in analyze_sample(AUTH0, name, **AUTH0_FLAGS).findings if f.code == code]
        assert hints and all("Auth0: Applications > the app > Addons > SAML2 Web App" in h for h in hints), hints


def test_auth0_sha1_and_signatures_verify_for_real():
    """rsa-sha1 is one warning naming both signatures samlp made; every signature verifies with idp.crt."""
    res = analyze_sample(AUTH0, "messages/sha1-sign-response.xml", **AUTH0_FLAGS)
    (weak,) = [f for f in res.findings if f.code == "signature-weak-algorithm"]
    assert "Response signature" in weak.message_text and "Assertion signature" in weak.message_text
    for name in ("default-assertion-signed", "sign-response-true", "response-only-signed", "encrypted"):
        sigs = analyze_sample(AUTH0, f"messages/{name}.xml", **AUTH0_FLAGS).message.signatures
        assert sigs and all(s.verified for s in sigs), name


def test_auth0_encrypted_assertion_decrypts_and_wants_a_response_signature():
    """samlp signs the Assertion inside the EncryptedAssertion and, by default, not the Response:
    Spring-based SPs refuse that (response-signature-required, a warning); xmlsec opens the assertion."""
    res = analyze_sample(AUTH0, "messages/encrypted.xml", **AUTH0_FLAGS)
    assert res.message.assertions and all(a.was_encrypted for a in res.message.assertions)
    assert _codes(res, "warning") == {"response-signature-required"}


def test_auth0_short_lifetime_is_only_a_drift_warning_at_its_edge():
    """lifetimeInSeconds 120 ends at 10:02: judged at 10:02 it is within skew, a warning, not an error."""
    res = analyze_sample(AUTH0, "messages/short-lifetime.xml", **AUTH0_FLAGS)
    assert not _codes(res) and _codes(res, "warning") == {"subject-confirmation-drift"}


# --- Lasso ------------------------------------------------------------------------------------------

LASSO = DATA / "lasso26"
LASSO_TABLE = json.loads((LASSO / "verdicts.json").read_text())
STRERROR = json.loads((LASSO / "strerror.json").read_text())["texts"]
MELLON_LINE = "Error processing authn response. Lasso error: [{code}] {text}"
"""mod_auth_mellon's am_handle_post_reply line around a Lasso error (its code and lasso_strerror)."""


def _lasso_flags(row: dict) -> dict:
    at = datetime.strptime(row["made_at"], "%Y-%m-%dT%H:%M:%SZ") + timedelta(seconds=30)
    return {"idp_cert": str(KEYS / "idp.crt"), "sp_key": str(KEYS / "sp.key"), "sp_entity_id": LASSO_TABLE["sp"],
            "acs_url": LASSO_TABLE["acs"], "idp_entity_id": LASSO_TABLE["idp"], "at": at.strftime("%Y-%m-%dT%H:%M:%SZ")}


LASSO_DISAGREE = {
    "messages/wrong-audience.b64": (
        {"audience-mismatch"}, "Invalid Audience in Conditions. Should be '<spEntityId>', but was '<audience>'",
        "Lasso's processAuthnResponseMsg/acceptSso leave the AudienceRestriction to the caller; "
        "mod_auth_mellon checks it itself (am_validate_conditions) and refuses with this text"),
    "messages/expired.b64": (
        {"assertion-expired", "subject-confirmation-expired"}, "NotOnOrAfter in Condition was in the past.",
        "Lasso leaves the Conditions' and SubjectConfirmationData's windows to the caller; mod_auth_mellon "
        "checks both (am_validate_conditions, am_validate_subject)"),
    "messages/wrong-acs.b64": (
        {"destination-mismatch"}, "Wrong Recipient in SubjectConfirmationData. Current URL is: <url>, Recipient is "
        "<recipient>",
        "Lasso does not compare Destination or Recipient with the SP's ACS; mod_auth_mellon compares the "
        "Recipient (am_validate_subject: recipient-mismatch); samlscan reports the one ACS setting as "
        "destination-mismatch, saying the Recipient names the same URL"),
}
"""Lasso as SP accepts these; the SP built on it (mod_auth_mellon) refuses them with the catalog's text."""
LASSO_SAME_CAUSE = {"signature-invalid": {"signature-cert-mismatch"}, "assertion-missing": {"decryption-failed"}}
"""Lasso's -111 when the KeyInfo certificate is not the metadata's: samlscan tells which key signed.
Lasso 2.8's -427 when the SP key cannot open the EncryptedAssertion: samlscan says it could not decrypt."""


@pytest.mark.parametrize("name", sorted(LASSO_TABLE["samples"]))
def test_lasso_verdict_agrees_or_is_explained(name):
    row = LASSO_TABLE["samples"][name]
    verdict = row["lasso_sp"]
    errors = _codes(analyze_sample(LASSO, name, **_lasso_flags(row)))
    if name in LASSO_DISAGREE:
        want, mellon_text, why = LASSO_DISAGREE[name]
        assert verdict["valid"] and why and errors == want, sorted(errors)
        assert lookup(mellon_text, "mellon").product == "mellon"
        return
    if verdict["valid"]:
        assert not errors, sorted(errors)
        return
    cause = lookup(MELLON_LINE.format(code=verdict["code"], text=STRERROR[str(verdict["code"])]), "mellon")
    assert cause is not None and str(verdict["code"]) in cause.aliases, verdict
    assert errors == {cause.code} or errors == LASSO_SAME_CAUSE.get(cause.code), (cause.code, sorted(errors))


@pytest.mark.parametrize("name", sorted(LASSO_TABLE["samples"]))
def test_lasso_no_traceback(name):
    flags = _lasso_flags(LASSO_TABLE["samples"][name])
    errors = _codes(analyze_sample(LASSO, name, **flags))
    assert run_check(LASSO, name, flags).exit_code == (1 if errors else 0)


@pytest.mark.parametrize("code", sorted(STRERROR))
def test_every_lasso_text_as_mellon_logs_it_maps_to_its_own_entry(code):
    """Lasso 2.8.1's own lasso_strerror texts (recorded) in mellon's line reach the entry of that code,
    not the generic 'Lasso error: [<n>] <reason>': the catalog had '[605] unknown key.',
    '[-427] Missing assertion' and '[439] The issuer ...' (Lasso writes '@Deprecated: Since 2.2.3 ' first),
    and no RequestDenied (450)."""
    cause = lookup(MELLON_LINE.format(code=code, text=STRERROR[code]), "mellon")
    assert cause is not None and code in cause.aliases, cause


def test_lasso_signs_response_and_assertion_and_both_verify():
    """Lasso signs the Response and the Assertion (RSA-SHA256 by default, SHA-1 when asked: one warning
    naming both signatures)."""
    for name, weak in (("default-rsa-sha256", 0), ("rsa-sha1", 1), ("rsa-sha512", 0), ("encrypted-assertion", 0)):
        res = analyze_sample(LASSO, f"messages/{name}.b64", **_lasso_flags(LASSO_TABLE["samples"][f"messages/{name}.b64"]))
        assert len(res.message.signatures) == 2 and all(s.verified for s in res.message.signatures), name
        assert sum(f.code == "signature-weak-algorithm" for f in res.findings) == weak, name


def test_lasso_request_denied_maps_to_its_status():
    assert_text_maps(MELLON_LINE.format(code=450, text=STRERROR["450"]), "mellon", "status-not-success")


# --- C++ OpenSAML samlsign ---------------------------------------------------------------------------

SIGN = DATA / "samlsign26"
SIGN_TABLE = json.loads((SIGN / "verdicts.json").read_text())
SIGN_FLAGS = {"sp_entity_id": "sonarqube", "acs_url": "https://sonar.example.com/oauth2/callback/saml",
              "at": "2025-03-11T08:41:02Z"}
SAMLSIGN_TEXT = {"CredentialResolver did not supply a successful verification key.": "signature-invalid",
                 "CredentialResolver did not supply any verification keys.": "signature-cert-mismatch"}
"""samlsign's own texts (samlsign.cpp, not an SP's log): the certificate's key did not verify the
signature; no key of the given certificate matches the signature's KeyInfo."""
SIGN_CASES = [(n, c) for n in sorted(SIGN_TABLE["samples"]) for c in ("idp.crt", "attacker.crt")]


@pytest.mark.parametrize("name,cert", SIGN_CASES)
def test_samlscan_agrees_with_samlsign(name, cert):
    row = SIGN_TABLE["samples"][name]
    verdict = row["samlsign"][cert]
    res = analyze_sample(SIGN, name, idp_cert=str(KEYS / cert), **SIGN_FLAGS)
    errors = _codes(res)
    sigs = res.message.signatures
    assert len(sigs) == 1 and sigs[0].verified == verdict["valid"]
    if verdict["valid"]:
        assert not errors, sorted(errors)
    else:
        text = verdict["error"].split("caught an exception: ", 1)[1]
        want = SAMLSIGN_TEXT[text] if not row["tampered"] else "signature-invalid"
        assert want in errors, (text, sorted(errors))
        # a tampered Audience is also a wrong audience for samlscan; nothing else is reported
        assert errors - {want} == ({"audience-mismatch"} if row["tampered"] == "audience" else set())
    weak = "signature-weak-algorithm" in _codes(res, "warning")
    assert weak == (row["alg"] == "default"), "samlsign's default SignatureMethod is rsa-sha1"


@pytest.mark.parametrize("style", sorted({r["style"] for r in SIGN_TABLE["samples"].values()}))
def test_samlsign_inputs_are_unsigned_and_say_so(style):
    name = f"unsigned/{style}.xml"
    flags = dict(SIGN_FLAGS, idp_cert=str(KEYS / "idp.crt"))
    assert _codes(analyze_sample(SIGN, name, **flags)) == {"signature-missing"}
    assert run_check(SIGN, name, flags).exit_code == 1


def test_a_destination_that_is_the_sp_entity_id_says_so():
    """samlp writes `destination || audience`: the fix names the entity ID in the ACS's place, not a stale
    ACS path; a Destination that is merely another path keeps the stale-ACS fix."""
    f = next(f for f in analyze_sample(AUTH0, "messages/destination-defaults-to-audience.xml", **AUTH0_FLAGS).findings
             if f.code == "destination-mismatch")
    assert "is the SP's entity ID" in f.message_text and f.hint.startswith(
        ENTITY_AS_DESTINATION_FIX.format(want=AUTH0_FLAGS["acs_url"], got=AUTH0_FLAGS["sp_entity_id"]).rstrip("."))
    assert f.side == "idp"
    other = next(f for f in analyze_sample(AUTH0, "messages/wrong-recipient.xml", **AUTH0_FLAGS).findings
                 if f.code == "destination-mismatch")
    assert "entity ID" not in other.message_text and other.hint.startswith("Set the IdP's ACS (Reply) URL")
    # the SP entity ID given only as the Audience (no --sp-entity-id) is recognised too
    flags = {k: v for k, v in AUTH0_FLAGS.items() if k != "sp_entity_id"}
    f = next(f for f in analyze_sample(AUTH0, "messages/destination-defaults-to-audience.xml", **flags).findings
             if f.code == "destination-mismatch")
    assert "is the SP's entity ID" in f.message_text
