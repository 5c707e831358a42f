"""review26: today's findings and notes read as a support engineer reads them.

- sp-refused-callback says 'an access log saw its answer, no log of the SP's says why': a failure in
  SonarQube's own web.log whose text samlscan does not know (an ERROR line, auth.event's 'login
  failure' with an unknown cause, a 'Fail to callback' of an unknown exception) is the SP's own word,
  so it is unknown-failure, never that finding (fixed on main by 4694f40 while this review found it);
  an access log's refusal beside no web.log stays sp-refused-callback.
- a signed IdP metadata file without --idp-cert is tried with the signing certificates it lists: the
  note says it is intact, or that it does not verify even with them (an edited copy, or a
  federation's key), instead of the same 'not checked' on every run of Entra's metadata.
- what correlate/ had to change (fixed since, but the last strict xfail): a second 'Duo: ...' clause after
  Duo's own catalog fix; 'the captured response passes that check' beside the capture's own
  warning of it; one login in two HARs judged twice.
Logs are written here; metadata is built around the TEST-ONLY keys of fixtures/keys.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from test_metadata25 import ATTACKER, ENTRA_FILE, IDP, _signed  # noqa: E402  (the metadata25 signer)
from test_proxycode25 import access_log

from samlscan.cli import main
from samlscan.config import build

REFUSED = "sp-refused-callback"
WEB = [
    # an ERROR of the SAML callback whose text no catalog entry knows
    "2025.03.11 09:11:13 ERROR web[AZWEd1kLm9Qz000004B3][o.s.s.a.AuthenticationError] SAML login went wrong "
    "for user alice@corp.example",
    # AuthenticationEventImpl's login failure with a cause of its own words
    "2025.03.11 09:12:13 DEBUG web[AZWEd1kLm9Qz000004B4][auth.event] login failure [cause|Frobnicator exploded]"
    "[method|OAUTH2][provider|EXTERNAL|Corp SSO][IP|10.20.0.5|198.51.100.162][login|alice@corp.example]",
    # a wrapped exception of no known cause
    "2025.03.11 09:13:13 WARN  web[AZWEd1kLm9Qz000004B5][o.s.s.a.AuthenticationError] Fail to callback",
    "org.sonar.server.authentication.event.AuthenticationException: Fail to callback",
    "\tat org.sonar.auth.saml.SamlIdentityProvider.callback(SamlIdentityProvider.java:101)",
    "Caused by: java.lang.IllegalStateException: Frobnicator exploded",
]


def _scan(*args) -> dict:
    res = CliRunner().invoke(main, ["scan", *map(str, args), "--jobs", "1", "--fail-on", "never",
                                    "--format", "json"])
    assert res.exit_code == 0, res.output[-2000:]
    return json.loads(res.stdout)


def _causes(doc: dict) -> list:
    return [a.get("root_cause") for a in doc["attempts"] if a.get("outcome") == "failure"]


@pytest.mark.parametrize("line", range(3))
def test_an_unknown_failure_in_the_sps_own_log_is_not_an_access_logs_refusal(tmp_path, line):
    lines = WEB[line:line + 1] if line < 2 else WEB[2:]
    path = tmp_path / "web.log"
    path.write_text("\n".join(lines) + "\n")
    assert _causes(_scan(path)) == ["unknown-failure"]


def test_an_access_logs_refusal_alone_stays_sp_refused_callback(tmp_path):
    path = access_log(tmp_path, ("203.0.113.7", "05", 500, None))
    assert REFUSED in _causes(_scan(path))


def test_metadata_signed_by_its_own_key_is_said_intact_without_idp_cert(tmp_path):
    md = str(_signed(tmp_path, IDP))
    (note,) = [n for n in build({"idp_metadata": [md]}, None).contradictions if "is signed" in n]
    assert "intact" in note and "does not verify" not in note


def test_metadata_signed_by_another_key_is_said_so_without_idp_cert(tmp_path):
    md = str(_signed(tmp_path, ATTACKER))  # lists IDP's key, signed with another
    (note,) = [n for n in build({"idp_metadata": [md]}, None).contradictions if "is signed" in n]
    assert "does not verify with the signing certificates it lists itself" in note and "intact" not in note


def test_entras_metadata_is_intact_as_downloaded():
    (note,) = [n for n in build({"idp_metadata": [str(ENTRA_FILE)]}, None).contradictions if "is signed" in n]
    assert "intact" in note


def test_a_fix_says_where_in_the_idps_console_once():
    """case25's carl: Duo's log says user_not_in_permitted_group, whose catalog fix is a 'Duo: ...'
    clause; the code's own Duo clause (codes.IDP_WHERE) was added after it, the same setting twice."""
    doc = _scan(Path(__file__).parent / "data" / "case25")
    (fix,) = [a["fix"] for a in doc["attempts"] if a.get("root_cause") == "user-not-assigned"]
    assert fix.count("Duo:") == 1, fix


def test_a_refusal_the_capture_shows_as_a_warning_is_not_said_to_pass():
    """case25's erin on Monday: web.log says 'Did not decrypt response .. since it is not signed'
    (response-signature-required) and her HAR's response carries that very finding (a warning, since
    java-saml takes it): a note that 'the captured response passes that check here' contradicts it."""
    doc = _scan(Path(__file__).parent / "data" / "case25")
    (erin,) = [a for a in doc["attempts"] if a.get("root_cause") == "response-signature-required"
               and a["time"].startswith("2026-11-30")]
    assert "response-signature-required" in erin["findings"]
    assert not [n for n in erin["notes"] if "passes that check" in n], erin["notes"]


def test_one_login_in_two_hars_is_one_failed_attempt():
    """clocks25: frank.har and servicedesk.har's flow 2 are frank's one login at 09:15 (the same
    AuthnRequest ID); the folder judged it sp-clock-skew and, again, its sp-result page (unknown-failure,
    sp-refused-callback since main's 4694f40)."""
    doc = _scan(Path(__file__).parent / "data" / "clocks25")
    failed = [a["root_cause"] for a in doc["attempts"] if a["outcome"] == "failure"]
    assert failed == ["sp-clock-skew"], failed
