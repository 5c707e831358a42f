"""samlscan on real messages of generators not read before (tests/data/corpus28; sources and every verdict in its
SOURCES.md and verdicts.json): institutional IdPs' Responses that OpenConext EngineBlock keeps re-signed with its
published test key (Onegini, Feide, a 'gatekeeper' IdP, the Max Planck Institute's Shibboleth, Avans' and Zuyd's
refusals), lite-idp's (Go) signed SOAP ArtifactResolve and AttributeQuery, and a ZXID SP's ArtifactResolve.

Each sample is checked with the settings of its project's test (verdicts.json); then both sides of what the rows
rest on: each signature verifies with the certificate its project ships and not with another one, a request changed
after signing is named so, a time with a zone offset is warned and read in UTC, a nested status code is named.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from external_util import analyze_row, analyze_sample, assert_table_row, edited_copy, table_flags
from test_corpus17 import _agrees_or_says_why
from test_corpus26 import _finding

DATA = Path(__file__).resolve().parent / "data" / "corpus28"
TABLE = json.loads((DATA / "verdicts.json").read_text())
SAMPLES = TABLE["samples"]
ENGINEBLOCK = sorted(n for n in SAMPLES if n.startswith("engineblock-"))
LITEIDP = sorted(n for n in SAMPLES if n.startswith("liteidp-"))
ZXID = "netsaml2-zxid-artifact-resolve.xml"
WRONG_CERT = "liteidp-sp-dex.crt"
"""A real certificate of another project in this folder: the one that must not verify EngineBlock's files."""


def _codes(res, severity=None) -> set[str]:
    return {f.code for f in res.findings if severity is None or f.severity.value == severity}


@pytest.mark.parametrize("row_name", sorted(SAMPLES))
def test_each_rows_errors_agree_with_the_project_or_say_why_and_the_cli_runs_clean_in_every_format(row_name):
    assert_table_row(DATA, TABLE, row_name, _agrees_or_says_why)


@pytest.mark.parametrize("name", ENGINEBLOCK)
def test_engineblock_files_verify_with_its_default_cert_and_not_with_another(name):
    """EngineBlock re-signed every file with the key of its tests/resources/saml/responses/defaultCert."""
    res = analyze_row(TABLE, name, DATA)
    assert res.message.signatures and all(s.verified for s in res.message.signatures)
    assert not _codes(res) & {"signature-invalid", "signature-cert-mismatch", "signature-missing"}
    other = analyze_row(TABLE, name, DATA, idp_cert=WRONG_CERT)
    assert not any(s.verified for s in other.message.signatures)
    assert "signature-cert-mismatch" in _codes(other, "error")


@pytest.mark.parametrize("name", LITEIDP)
def test_lite_idp_requests_verify_with_the_sp_certificate_of_its_metadata(name):
    res = analyze_row(TABLE, name, DATA)
    (sig,) = res.message.signatures
    assert sig.verified and res.message.kind in ("ArtifactResolve", "AttributeQuery")


def test_a_lite_idp_request_changed_after_signing_is_named_so(tmp_path):
    """The failing side of the row: another artifact in the signed ArtifactResolve breaks its digest."""
    name = "liteidp-artifact-resolve-request.xml"
    data = edited_copy(DATA, tmp_path, name, ">123456</Artifact>", ">654321</Artifact>")
    res = analyze_sample(data, name, **table_flags(TABLE, SAMPLES[name]))
    (sig,) = res.message.signatures
    assert sig.failure == "digest" and not sig.verified
    assert any("changed after signing" in f.message_text for f in res.findings if f.severity.value == "error")


@pytest.mark.parametrize("name", LITEIDP)
def test_a_time_with_a_zone_offset_is_warned_and_read_in_utc(name):
    """Go's time.Time marshalled with the local zone (-04:00); SAML core 1.3.3 wants UTC without a zone."""
    res = analyze_row(TABLE, name, DATA)
    f = _finding(res, "time-not-utc")
    assert "-04:00" in f.message_text and f.severity.value == "warning"
    assert res.message.issue_instant.utcoffset().total_seconds() == 0 and res.message.issue_instant.hour in (19, 20)


def test_a_utc_time_is_not_warned():
    assert "time-not-utc" not in _codes(analyze_row(TABLE, ZXID, DATA))


def test_avans_refusal_names_its_nested_request_denied_and_zuyd_has_none():
    avans = _finding(analyze_row(TABLE, "engineblock-avans.denied.xml", DATA), "status-not-success")
    assert "RequestDenied" in avans.message_text and avans.actual.endswith("status:RequestDenied")
    zuyd = _finding(analyze_row(TABLE, "engineblock-zuyd.responder.xml", DATA), "status-not-success")
    assert "RequestDenied" not in zuyd.message_text and zuyd.actual.endswith("status:Responder")
