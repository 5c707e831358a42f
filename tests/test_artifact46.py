"""A login answered by the HTTP-Artifact binding (SAML bindings 3.6): the browser carries a SAMLart,
never the Response. At SonarQube's ACS it is the failure's cause (artifact-unsupported: java-saml's
'SAML Response not found, Only supported HTTP_POST Binding', spring-security#10831), elsewhere a fact
(artifact-binding); the artifact's SourceID is compared with the configured IdP's entity ID.
Fixtures: fixtures/gen_artifact46.py (fixtures/artifact46)."""
from __future__ import annotations

import base64
import hashlib
import json

from case_util import ROOT, generator_check
from click.testing import CliRunner

from samlscan.artifact import read_artifact, with_issuer, described
from samlscan.cli import main

FIX = ROOT / "fixtures" / "artifact46"
CONFIG = ROOT / "fixtures" / "config" / "default.toml"
IDP = "https://idp.example.org/saml2/idp"  # (default.toml's idp_entity_id: the artifacts' SourceID)


def _json(args: list[str], code: int = 0) -> dict:
    res = CliRunner().invoke(main, [*args, "--format", "json", "-q"])
    assert res.exit_code == code, res.output[-2000:]
    return json.JSONDecoder().raw_decode(res.stdout)[0]


def _raw(type_code: int = 4, index: int = 3, source: bytes = b"\x01" * 20, size: int = 44) -> str:
    body = type_code.to_bytes(2, "big") + index.to_bytes(2, "big") + source + b"\x02" * 20
    return base64.b64encode(body[:size]).decode()


def test_the_fixtures_are_current():
    done = generator_check("gen_artifact46.py")
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_type_0004_artifact_is_read_and_others_are_not():
    art = read_artifact(_raw())
    assert (art.endpoint_index, art.source_id) == (3, b"\x01" * 20)
    assert read_artifact(_raw().replace("+", " ")) == art  # (a form decoding's '+' made a space)
    for other in (_raw(type_code=1), _raw(size=42), "not base64!", ""):  # SAML 1.1's type, its 42 bytes
        assert read_artifact(other) is None
    assert described(_raw(type_code=1)).startswith("its value is no SAML 2.0 artifact")


def test_the_source_id_is_matched_with_the_configured_idp():
    said = described(_raw(source=hashlib.sha1(IDP.encode()).digest()))
    assert f"(the SHA-1 of the configured IdP's entity ID, {IDP})" in with_issuer(said, IDP)
    assert f"not the SHA-1 of the configured IdP's entity ID {IDP}/" in with_issuer(said, IDP + "/")
    assert with_issuer(said, None) == said


def test_a_pasted_acs_url_with_an_artifact_is_sonarqubes_refusal_not_bad_base64():
    doc = _json(["check", str(FIX / "pasted-url.txt"), "--config", str(CONFIG)], code=1)
    (f,) = doc["input_findings"]
    assert (f["code"], f["severity"]) == ("artifact-unsupported", "error")
    assert f"configured IdP's entity ID, {IDP}" in f["message_text"]
    assert "ArtifactResolutionService index 0" in f["message_text"]


def test_a_pasted_form_body_with_an_artifact_alone_is_a_fact_for_any_sp(tmp_path):
    body = tmp_path / "body.txt"
    body.write_text(f"SAMLart={_raw()}&RelayState=x\n")
    doc = _json(["check", str(body), "--idp-entity-id", IDP])
    (f,) = doc["input_findings"]
    assert (f["code"], f["severity"]) == ("artifact-binding", "info")
    assert f"not the SHA-1 of the configured IdP's entity ID {IDP}" in f["message_text"]


def test_an_artifact_at_sonarqubes_acs_is_the_failed_logins_cause():
    for name in ("sonarqube-redirect.har", "sonarqube-post.har", "sonarqube-tracer.json"):
        doc = _json(["check", str(FIX / name), "--config", str(CONFIG)], code=1)
        (a,) = doc["attempts"]
        assert (a["outcome"], a["root_cause"], a["side"]) == ("failure", "artifact-unsupported", "idp"), name
        assert "HTTP-POST" in a["fix"]


def test_an_sp_that_resolves_artifacts_is_not_judged_for_it():
    doc = _json(["check", str(FIX / "other-sp.har"), "--config", str(CONFIG)])
    assert [f["code"] for f in doc["input_findings"] if f["code"].startswith("artifact-")] == ["artifact-binding"]
    (a,) = doc["attempts"]
    assert a["outcome"] == "success" and a["root_cause"] is None
