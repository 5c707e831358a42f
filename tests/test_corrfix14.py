"""Correlation fixes found by live recordings: a log line joins the response nearest in time, one
to one (tests/data/livessp: a real SimpleSAMLphp IdP's log and responses), and an attempt whose
cause refines the SP's own code quotes the SP's text (tests/data/livehar: SonarQube's
AUTHENTICATION-ERROR of a response signed with a key it does not hold)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.correlate.causes import _refines
from samlscan.correlate.groups import _Groups
from samlscan.correlate.link_user import _link_by_user_time
from samlscan.correlate.pieces import _MessagePiece, _Piece

DATA = Path(__file__).parent / "data"
SSP = DATA / "livessp"
KEY = Path(__file__).parents[1] / "fixtures" / "keys" / "sp.key"
# each response SSP posted -> the line of its log that says it was sent (same second, same track ID)
OWN_LINE = {"good.b64": "line 4", "mail-not-email.b64": "line 9", "transient.b64": "line 14",
            "acs-not-in-metadata.b64": "line 29", "encrypted.b64": "line 34"}


def _json(*args: str) -> dict:
    result = CliRunner().invoke(main, [*args, "--format", "json", "--fail-on", "never", "-q"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _joins(report: dict) -> dict[str, list[str]]:
    """Response file -> the SSP log lines of its attempt."""
    joins = {}
    for a in report["attempts"]:
        files = [Path(e["input"]).name for e in a["evidence"] if e["input"].endswith(".b64")]
        lines = [e["ref"] for e in a["evidence"] if e["input"].endswith(".log")]
        for f in files:
            joins[f] = lines
    return joins


@pytest.mark.parametrize("settings", [(), ("--login-attribute", "login", "--sp-entity-id", "sonarqube")])
def test_each_live_ssp_response_joins_its_own_second_log_line(settings):
    """Old code: encrypted.b64 (13:16:58) took the 13:16:57 line of acs-not-in-metadata.b64, its
    own 13:16:58 line stayed alone, and the transient NameIDs got none."""
    report = _json("scan", str(SSP), "--exclude", "record.py", "--sp-key", str(KEY), *settings)
    assert _joins(report) == {f: [line] for f, line in OWN_LINE.items()}
    alone = [a for a in report["attempts"] if a["outcome"] == "success"
             and not any(e["input"].endswith(".b64") for e in a["evidence"])]
    assert alone == []


def _line(t: datetime, user: str) -> _Piece:
    return _Piece(time=t, kind="log", input="idp.log", ref=f"at {t:%S}", user=user, outcome="success",
                  side="idp", product="simplesamlphp", sp="sonarqube",
                  flow_keys=(f"simplesamlphp:req:{t:%S}",), identity=(("request-id", f"{t:%S}"),))


def _response(t: datetime, user: str, **kw) -> _Piece:
    ref = f"r{t:%S}"
    return _MessagePiece(time=t, kind="capture", input="c.har", ref=ref, user=user, outcome="success",
                         response=(ref, "c.har", ref), identity=(("response-id", ref),), **kw)


T = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("order", [(0, 1, 2), (1, 2, 0), (2, 1, 0)])
def test_nearest_line_wins_and_a_same_second_line_is_not_taken(order):
    """A line at T (another login's, its response not captured) and a response at T+1 with its own
    line at T+1: the response joins the T+1 line, whatever the pieces' order (old code: the response
    listed before its line took the T line, and its own stayed alone)."""
    made = [_line(T, "Alice"), _response(T + timedelta(seconds=1), "alice"), _line(T + timedelta(seconds=1), "alice")]
    pieces = [made[k] for k in order]
    groups = _Groups(pieces)
    _link_by_user_time(pieces, groups)
    at = {id(p): groups.find(k) for k, p in enumerate(pieces)}
    assert at[id(made[1])] == at[id(made[2])] != at[id(made[0])]


def test_opaque_nameid_joins_by_an_attribute_name_within_a_moment_only():
    """A transient NameID is no name a log knows: the IdP's line names the account, one of the
    response's attribute values (or an address's local part); not when a minute apart."""
    near = [_line(T, "alice"), _response(T, "_f145a66", opaque=True, aka=("alice@example.com",))]
    far = [_line(T, "alice"), _response(T + timedelta(seconds=60), "_f145a66", opaque=True, aka=("alice",))]
    for pieces, joined in ((near, True), (far, False)):
        groups = _Groups(pieces)
        _link_by_user_time(pieces, groups)
        assert (groups.find(0) == groups.find(1)) is joined


def test_refines_knows_the_generic_codes_specific_reasons():
    assert _refines("signature-cert-mismatch", "signature-invalid")
    assert _refines("destination-mismatch", "recipient-mismatch")
    assert not _refines("signature-invalid", "signature-invalid")  # the same code is `named`, not refined
    assert not _refines("audience-mismatch", "signature-invalid")
    assert not _refines("signature-cert-mismatch", None)


@pytest.mark.parametrize("recorder", ["pw-embed.har", "pw-minimal.har", "pw-zip.zip", "chrome-har.har"])
def test_refined_cause_quotes_the_sps_own_text(recorder):
    """The cause is the response's signature-cert-mismatch, SonarQube's cookie says signature-invalid
    (old code quoted nothing)."""
    har = DATA / "livehar"
    report = _json("check", "--config", str(har / "samlscan.toml"), str(har / f"wrongkey.{recorder}"))
    (attempt,) = report["attempts"]
    assert attempt["root_cause"] == "signature-cert-mismatch"
    assert any(n.endswith(": Signature validation failed. SAML Response rejected") for n in attempt["notes"])
