"""Review of the commits bb35477..main (review10): each test failed on the code as it landed."""
from __future__ import annotations

import json
import re
import tracemalloc
from datetime import timezone
from pathlib import Path

import pytest

from samlscan.logs.embedded import find_embedded
from samlscan.logs.sonarqube import SonarQubeParser

ROOT = Path(__file__).resolve().parents[1]
CASE8_WEB = (ROOT / "tests" / "data" / "case8" / "web.log").read_text().split("\n")
_LINE = re.compile(r"^(\S+) (\S+) (\S+)\s+web\[([^\]]*)\]\[([^\]]*)\] ?(.*)$")


def _request(first_line: str) -> tuple[list[str], str]:
    """The XML dump (its first line and the lines it goes on over) and the base64 dump of the
    request whose XML dump starts at `first_line` in case 8's web.log."""
    start = CASE8_WEB.index(next(line for line in CASE8_WEB if line.startswith(first_line)))
    end = next(i for i in range(start + 1, len(CASE8_WEB)) if _LINE.match(CASE8_WEB[i]))
    assert "processResponse success -->" in CASE8_WEB[end]
    return CASE8_WEB[start:end], CASE8_WEB[end]


A = _request("2025.03.18 11:05:39 DEBUG web[AZWunQP4de91NWYBumdc][c.o.s.a.SamlResponse]")
B = _request("2025.03.18 11:10:30 DEBUG web[AZWUBXyw82YfDxDauNxy][c.o.s.a.SamlResponse]")


def _messages(lines: list[str]) -> list[tuple[str | None, str]]:
    got = SonarQubeParser().parse(list(enumerate(lines, 1)), "web.log", timezone.utc)
    return [(r.request_id, r.value[:30]) for r in got if type(r).__name__ == "EmbeddedSaml"]


def test_interleaved_callbacks_dump_one_message_each():
    """Two callbacks at once: their lines interleave (A's XML dump, B's, then A's base64 and B's).
    Each request's second copy was a second message, because only the last request's dumps were
    remembered."""
    got = _messages([*A[0], *B[0], A[1], B[1]])
    assert [rid for rid, _ in got] == ["AZWunQP4de91NWYBumdc", "AZWUBXyw82YfDxDauNxy"]


def _json_record(first: str, more: list[str]) -> str:
    d, t, level, rid, logger, msg = _LINE.match(first).groups()
    return json.dumps({"process": "web", "HTTP_REQUEST_ID": rid, "severity": level, "logger": logger,
                       "date": d.replace(".", "-") + "T" + t + ".000+01:00",
                       "message": "\n".join([msg, *more])})


def test_json_layout_dumps_one_message_per_request():
    """sonar.log.jsonOutput=true: the same two dumps per callback (the XML one with its line breaks
    inside 'message'); the text layout kept one, the JSON layout two."""
    lines = [_json_record(A[0][0], A[0][1:]), _json_record(A[1], [])]
    assert [rid for rid, _ in _messages(lines)] == ["AZWunQP4de91NWYBumdc"]


def test_a_line_of_opening_tags_takes_no_copy_per_tag():
    """A log line of opening tags without their closing tag (MAX_TEXT_LINE is 16 MiB): each tag's
    value ran to the end of the line and was copied before the overlaps were dropped; a 16 MiB
    web.log line of '<samlp:Response ' took over 23 GB and was killed."""
    for text in ("SAMLResponse invalid --> " + "<samlp:Response " * 8192,
                 "SAMLResponse invalid --> " + "<?xml " * 16384 + "</Response>"):
        tracemalloc.start()
        try:
            got = find_embedded(text)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert len(got) <= 1 and peak < 20 * len(text), f"{peak / 1e6:.0f} MB for {len(text) / 1e6:.2f} MB"


def test_a_run_of_percent_encoded_base64_keeps_no_backtracking_state():
    """'%2B' and '%2F' are matched one at a time: a greedy run kept a backtracking frame for each
    (150 MB for a 3 MB run; a 16 MiB line is read now)."""
    text = "SAMLResponse --> PHNhbWxw" + "%2B" * 200_000 + "%3D"
    tracemalloc.start()
    try:
        (got,) = find_embedded(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert got == text[len("SAMLResponse --> "):] and peak < 20 * len(text), f"{peak / 1e6:.0f} MB"



@pytest.mark.parametrize("host", ["sonarcloud.io", "sonarqube.us"])
def test_a_response_to_sonarqube_clouds_acs_is_not_judged_as_sonarqube_server(host):
    """Without --profile, a response sent to /oauth2/callback/saml was judged by SonarQube Server's
    rules whatever the host: on SonarQube Cloud a missing email became a warning ('SonarQube Server
    creates or updates the user without an email') with a hint naming sonar.auth.saml.user.email, a
    setting Cloud does not have; Cloud needs the email (logformats.md 1.6)."""
    import sys

    sys.path.insert(0, str(ROOT / "tests"))
    from test_profile_inference import _email_finding, _without_email

    acs = f"https://{host}/oauth2/callback/saml"
    f = _email_finding(_without_email(acs, recipient=acs))
    assert f.severity.value == "error" and "SonarQube Server" not in f.message_text
    assert "sonar.auth.saml" not in f.hint


# --- found, not fixed here (the fix belongs in files another engineer is changing) --------------

def _aggregate_of_two(tmp_path: Path) -> tuple[Path, str]:
    import sys

    sys.path.insert(0, str(ROOT / "fixtures"))
    from samlgen import keys as K
    from samlgen import messages

    def entity(xml: bytes, entity_id: str) -> str:
        text = re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", xml.decode())
        return re.sub(r'entityID="[^"]*"', f'entityID="{entity_id}"', text, count=1)

    a = "https://idp-a.example.org"
    path = tmp_path / "aggregate.xml"
    path.write_text('<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">'
                    + entity(messages.idp_metadata((K.load("idp"),)), a)
                    + entity(messages.idp_metadata((K.load("idp-new"),)), "https://idp-b.example.org")
                    + "</md:EntitiesDescriptor>", encoding="utf-8")
    return path, a


def test_an_encrypted_assertion_without_a_response_issuer_is_verified_with_its_idps_keys(tmp_path):
    """An aggregate without --idp-entity-id, a Response without its own Issuer (optional in SAML
    core 3.2.2) whose assertion is encrypted: the IdP was picked from the plaintext only, so no key
    verified the signature, and an attacker's signature passed without a word (with one IdP's
    metadata it is signature-cert-mismatch)."""
    import sys

    sys.path.insert(0, str(ROOT / "fixtures"))
    import generate as GEN
    from samlgen import keys as K
    from samlgen.render import Encryption, render
    from test_external_shapes import analyze

    from samlscan.config import build

    agg, a = _aggregate_of_two(tmp_path)
    expect = build({"idp_metadata": [str(agg)], "at": "2025-03-11T08:41:02Z",
                    "sp_key": str(ROOT / "fixtures" / "keys" / "sp.key")}, None)
    style = GEN.OKTA_ASSERTION_ONLY
    assertion = GEN.assertion("review10-enc", style, issuer=a)
    data = render(GEN.response("review10-enc", style, (assertion,), issuer=None), style, K.load("attacker"),
                  encryption=Encryption(K.load("sp")), seed="review10-enc")
    res = analyze(data, expect)
    assert [s.verified for s in res.message.signatures] == [False]
    assert "signature-cert-mismatch" in [f.code for f in res.findings]


def test_two_soap_envelopes_pasted_are_two_messages():
    """paste._xml_documents takes a text that opens with a SOAP Envelope and ends with its end tag
    for one SOAP message; two envelopes pasted one after the other (an artifact resolution, two
    ECP responses) went to the XML reader whole: 'not well-formed XML: Extra content' (2 messages
    before the ECP change)."""
    from click.testing import CliRunner

    from samlscan.cli import main

    def body(name: str) -> str:
        return re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", (ROOT / "fixtures/responses/valid" / name).read_text())

    def envelope(xml: str) -> str:
        return ('<soap11:Envelope xmlns:soap11="http://schemas.xmlsoap.org/soap/envelope/"><soap11:Body>'
                + xml + "</soap11:Body></soap11:Envelope>")

    text = envelope(body("okta.xml")) + "\n\n" + envelope(body("adfs.xml")) + "\n"
    res = CliRunner().invoke(main, ["check", "-", "--format", "json", "--fail-on", "never"], input=text)
    assert len(json.loads(res.stdout)["messages"]) == 2


def test_a_response_sent_to_another_sp_is_not_placed_by_its_recipient():
    """engine._receivers said a Recipient places 'a Response without Destination', but read it
    whatever the Destination: a response whose Destination is another SP's ACS and whose Recipient
    is SonarQube's was judged by SonarQube's rules (missing email a warning, the hint naming
    sonar.auth.saml.user.email)."""
    import sys

    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT / "fixtures"))
    from samlgen import scenario as S
    from test_profile_inference import OTHER_ACS, _email_finding, _without_email

    f = _email_finding(_without_email(OTHER_ACS, recipient=S.ACS_URL))
    assert f.severity.value == "error" and "sonar.auth.saml" not in f.hint
