"""Differential test over gosaml2's provider test corpus (tests/data/gosaml2; sources in its SOURCES.md).

verdicts.json transcribes TestOneLoginCasesLocally and TestPingFedCasesLocally: per scenario, the
error gosaml2 expects (or none), the warning it leaves to its caller, and the time its clock is set to
(the test's AtTime, else the first Assertion's IssueInstant: spAtTime). Every stored scenario is
checked with the test's SP settings at that time: no internal error; gosaml2 rejects -> samlscan
reports the matching finding as an error; gosaml2 accepts -> no error; any other outcome is a
disagreement the table states and explains.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from external_util import analyze_sample
from samlscan.codes import spec

DATA = Path(__file__).resolve().parent / "data" / "gosaml2"
TABLE = json.loads((DATA / "verdicts.json").read_text())
SCENARIOS = TABLE["scenarios"]
RUN = sorted(name for name, v in SCENARIOS.items() if "not_run" not in v)

# gosaml2's error texts (saml2 package, validate.go / decode_response.go) -> our finding.
GOSAML2_ERRORS = {
    "response and/or assertions must be signed": "signature-missing",
    "Signature could not be verified": "signature-invalid",
    "Could not verify certificate against trusted certs": "signature-cert-mismatch",
    "Unrecognized Destination value": "destination-mismatch",
    "Unrecognized Issuer value": "issuer-mismatch",
    "Expired NotOnOrAfter value": "assertion-expired",
    "Cert is not valid at this time": ("cert-not-yet-valid", "cert-expired"),
}
# WarningInfo fields gosaml2 sets without failing -> the finding SAML core requires.
GOSAML2_WARNINGS = {"InvalidTime": "assertion-not-yet-valid", "NotInAudience": "audience-mismatch"}


def _expected(verdict: dict) -> tuple[str, ...]:
    """Our codes for gosaml2's error (or warning); empty when gosaml2 accepts without a word."""
    if verdict["gosaml2_warning"]:
        return (GOSAML2_WARNINGS[verdict["gosaml2_warning"]],)
    if not verdict["gosaml2_error"]:
        return ()
    (codes,) = [c for text, c in GOSAML2_ERRORS.items() if verdict["gosaml2_error"].startswith(text)]
    return codes if isinstance(codes, tuple) else (codes,)


def _judge(name: str):
    verdict = SCENARIOS[name]
    return analyze_sample(DATA, name, at=verdict["at"], **TABLE["settings"][verdict["suite"]])


def _codes(res, severity: str) -> set[str]:
    return {f.code for f in res.findings if f.severity.value == severity}


@pytest.mark.parametrize("name", RUN)
def test_verdict_agrees_or_the_disagreement_is_explained(name):
    verdict = SCENARIOS[name]
    res = _judge(name)
    assert "internal-error" not in {f.code for f in res.findings}
    errors, expected = _codes(res, "error"), _expected(verdict)
    other = verdict.get("disagreement")
    if other:  # samlscan says it differently; the table says what and why
        assert other["finding"] in expected and other["why"]
        assert other["finding"] in _codes(res, other["severity"])
        assert errors <= {other["finding"]}, sorted(errors)
    elif expected:
        assert errors & set(expected), f"gosaml2: {verdict['gosaml2_error']!r}; we: {sorted(errors)}"
    else:
        assert not errors, f"gosaml2 accepts {name}; we report {sorted(errors)}"


BROKEN = {"signature-missing", "signature-invalid", "signature-cert-mismatch"}


@pytest.mark.parametrize("name", [n for n in RUN if not BROKEN & set(_expected(SCENARIOS[n]))])
def test_signatures_verify_where_the_verdict_is_not_about_them(name):
    """Every signature of a scenario whose verdict is not about its signature verifies with the test's
    certificate (for PingFederate the same saml.test.nope certificate: pingfed/idp.signing.cert is
    not stored): the transcribed copy is byte-exact, and signed content is what gosaml2 judged."""
    sigs = _judge(name).message.signatures
    assert sigs and all(s.verified for s in sigs)


def test_every_scenario_is_run_or_says_why_not():
    """The table holds all 68 scenarios of the two Go tests; each not run has its reason."""
    assert len(SCENARIOS) == 68
    assert all(v["not_run"] for v in SCENARIOS.values() if "not_run" in v)
    assert {p.name for p in DATA.glob("*.b64")} == set(RUN)


def test_disagreements_are_only_where_the_table_says():
    """Each disagreement names the scenario's own finding; none is left on a scenario gosaml2 and we
    judge alike (a stale entry would hide a regression)."""
    for name in RUN:
        other = SCENARIOS[name].get("disagreement")
        if other and other["severity"] == "error":
            assert SCENARIOS[name]["gosaml2_warning"]  # gosaml2 only warned
        elif other:
            assert SCENARIOS[name]["gosaml2_error"]  # gosaml2 refused, we warn


def test_every_warning_we_refuse_states_the_disagreement():
    """gosaml2 returns no error for a scenario it only warns about (WarningInfo): where samlscan
    reports an error there, the table must say so and why, as for 25, 53, 58 and 158."""
    for name in RUN:
        if SCENARIOS[name]["gosaml2_warning"] and _codes(_judge(name), "error"):
            assert SCENARIOS[name].get("disagreement"), name


def test_cert_period_hints_name_who_refuses_and_who_does_not():
    """The cert-period disagreements (21, 22, 93, 94) say the finding's hint names gosaml2, which
    refuses ('Cert is not valid at this time'), and rest on SonarQube's java-saml not checking the
    period (it verifies with the certificate's key alone): both hints must say both."""
    for code in GOSAML2_ERRORS["Cert is not valid at this time"]:
        assert "'Cert is not valid at this time'" in spec(code).fix, code
        assert "SonarQube" in spec(code).fix and "ignores its validity period" in spec(code).fix, code
