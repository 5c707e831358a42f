"""What samlscan says about one message, read as an SSO admin reads it: texts that misled on real
IdP output. Responses are built with samlgen and signed for real (the test IdP key).
"""
from __future__ import annotations

import sys
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import generate as GEN  # noqa: E402
from samlgen import build as B  # noqa: E402
from samlgen import scenario as S  # noqa: E402
from samlgen import signer  # noqa: E402
from test_external_shapes import DEFAULT, A, analyze, by_code  # noqa: E402

from samlscan.report.table import header_rows  # noqa: E402

XSI_NIL = f"{{{S.NS_XSI}}}nil"


def _with_values(changes: dict[str, str], style=GEN.OKTA) -> bytes:
    """A signed response whose attributes named in `changes` get: 'nil' (one AttributeValue
    xsi:nil="true", SAML core 2.7.3.1.1), 'empty' (one empty AttributeValue) or 'none' (no
    AttributeValue at all)."""
    root = B.build_response(GEN.response("values-" + "-".join(sorted(changes)), style), style)
    for attr in root.iter(A + "Attribute"):
        how = changes.get(attr.get("Name"))
        if how is None:
            continue
        values = attr.findall(A + "AttributeValue")
        for extra in values[1:]:
            attr.remove(extra)
        if how == "none":
            attr.remove(values[0])
            continue
        values[0].text = None
        if how == "nil":
            values[0].attrib.pop(f"{{{S.NS_XSI}}}type", None)
            values[0].set(XSI_NIL, "true")
    signer.template_for(root, style)
    signer.sign_all(root, GEN.IDP)
    return etree.tostring(root)


def _plain():
    """The default expectations of any SP, not SonarQube (its email findings are warnings)."""
    from dataclasses import replace

    return replace(DEFAULT, profile="generic")


# --- xsi:nil attribute values (item: 'present but empty') -------------------------------------------

def test_a_nil_email_is_said_nil_not_empty():
    res = analyze(_with_values({"email": "nil"}), _plain())
    assert all(s.verified for s in res.message.signatures)
    (f,) = by_code(res, "email-empty")
    assert 'xsi:nil="true"' in f.message_text and "2.7.3.1.1" in f.message_text
    assert f.actual == 'xsi:nil="true"'
    assert "email = (xsi:nil)" in dict(header_rows(res))["Attributes"]


def test_an_empty_email_keeps_empty_and_a_valueless_one_says_so():
    (f,) = by_code(analyze(_with_values({"email": "empty"}), _plain()), "email-empty")
    assert f.message_text == "attribute 'email' is present but empty" and f.actual == "''"
    (g,) = by_code(analyze(_with_values({"email": "none"}), _plain()), "email-empty")
    assert "has no AttributeValue element" in g.message_text


def test_a_nil_login_or_group_is_a_finding_naming_xsi_nil():
    """A login or group attribute present with no value passed silently: the SP reads nothing."""
    res = analyze(_with_values({"login": "nil", "groups": "nil"}), _plain())
    (login,) = by_code(res, "login-attribute-missing")
    assert "'login' (the login) is present but has no value" in login.message_text
    assert login.actual == 'xsi:nil="true"'
    (groups,) = by_code(res, "group-attribute-missing")
    assert 'xsi:nil="true"' in groups.message_text
    rows = dict(header_rows(res))["Attributes"]
    assert "login = (xsi:nil)" in rows and "groups = (xsi:nil)" in rows


def test_present_login_and_groups_have_no_finding():
    res = analyze(GEN.okta("values-ok"), _plain())
    assert not by_code(res, "login-attribute-missing") and not by_code(res, "group-attribute-missing")


# --- a message issued days after the evaluation time, or days before it ---------------------------

def test_an_issue_instant_days_after_the_evaluation_time_is_not_ntp_drift():
    """A wrong --at (or a capture clock far behind): clock-skew said 'Sync the IdP and SP clocks
    with NTP', and assertion-not-yet-valid 'the IdP clock is ahead'."""
    from test_time_audit import judged, response_xml, utc

    codes, _ = judged(response_xml(), utc(2025, 1, 1))  # --at 69 days before the IssueInstant
    skew = codes["clock-skew"]
    assert " after the capture time 2025-01-01T00:00:00Z (--at)" in skew.message_text
    assert "evaluation time is wrong" in skew.message_text
    assert "NTP" not in skew.message_text and skew.hint.startswith("Check the --at given first")
    early = codes["assertion-not-yet-valid"]
    assert "the IdP clock is ahead" not in early.message_text and early.hint == skew.hint


def test_minutes_ahead_still_blame_the_idp_clock():
    from test_time_audit import judged, response_xml, utc

    codes, _ = judged(response_xml(), utc(2025, 3, 11, 8, 30))
    assert "NTP" in codes["clock-skew"].hint
    assert "the IdP clock is ahead" in codes["assertion-not-yet-valid"].message_text


def test_expiry_findings_of_an_old_message_agree_with_clock_skew():
    """A response posted months after it was issued: clock-skew said 'kept and posted again',
    assertion-expired and subject-confirmation-expired told to sync the clocks."""
    from test_time_audit import judged, response_xml, utc

    codes, _ = judged(response_xml(), None, captured_at=utc(2025, 9, 1, 12, 0))
    for code in ("clock-skew", "assertion-expired", "subject-confirmation-expired"):
        assert "posted again" in codes[code].message_text, code
        assert "Sync" not in codes[code].hint and "NTP" not in codes[code].hint, code
    codes, _ = judged(response_xml(), None, captured_at=utc(2025, 3, 11, 9, 0))  # 14 min late: a clock
    assert "posted again" not in codes["assertion-expired"].message_text


# --- findings of one message that blamed different sides for one cause ---------------------------------

DEFECTS = Path(__file__).resolve().parents[1] / "fixtures" / "responses" / "defects"
FIXTURES_KEYS = DEFECTS.parents[1] / "keys"


def test_a_signature_by_an_expired_unconfigured_certificate_is_the_idp_still_on_its_old_one():
    """cert-expired.xml: the IdP signs with its expired certificate, the SP has the valid new one.
    'The IdP most likely rotated: download its current certificate into the SP' would pin the old one."""
    res = analyze((DEFECTS / "cert-expired.xml").read_bytes())
    (f,) = by_code(res, "signature-cert-mismatch")
    assert "expired 2025-01-01T00:00:00Z" in f.message_text and "still signs with its old" in f.message_text
    assert "rotated" not in f.message_text and "download" not in f.hint
    assert "is already right" in f.hint and f.side == "idp"  # the IdP's to switch (the code says sp)
    (g,) = by_code(analyze((DEFECTS / "signature-cert-mismatch.xml").read_bytes()), "signature-cert-mismatch")
    assert "rotated its signing certificate" in g.message_text and g.side is None  # a newer key: the SP updates


def test_a_signature_by_an_older_unconfigured_certificate_says_the_sp_switched_first():
    from dataclasses import replace

    from samlgen import keys as K
    from samlgen.render import render

    from samlscan.certs import load_certs

    new = FIXTURES_KEYS / "idp-new.crt"
    only_new = replace(DEFAULT, idp_certs=tuple(load_certs(new.read_bytes(), str(new))))
    res = analyze(render(GEN.response("older-key", GEN.OKTA), GEN.OKTA, K.load("idp")), only_new)
    (f,) = by_code(res, "signature-cert-mismatch")
    assert "older than the configured one" in f.message_text and "Activate the new certificate" in f.hint
    # with a rollover pair configured (old and new), a foreign older key is no 'switched first':
    # the old certificate is configured too (second review: the IdP signed with its encryption key)
    enc = FIXTURES_KEYS / "idp-enc.crt"
    pair = replace(DEFAULT, idp_certs=tuple(load_certs((FIXTURES_KEYS / "idp.crt").read_bytes(), "idp.crt"))
                   + only_new.idp_certs)
    (g,) = by_code(analyze(render(GEN.response("enc-key", GEN.OKTA), GEN.OKTA, K.load("idp-enc")), pair),
                   "signature-cert-mismatch")
    assert enc.exists() and "switched" not in g.message_text


def test_assertion_multiple_of_a_wrapped_response_does_not_send_the_admin_to_the_idp():
    res = analyze((DEFECTS / "signature-wrapping-sibling.xml").read_bytes())
    assert by_code(res, "signature-wrapping")
    (f,) = by_code(res, "assertion-multiple")
    assert "forged" in f.message_text and "configure the IdP" not in f.hint
    (plain,) = by_code(analyze((DEFECTS / "assertion-multiple.xml").read_bytes()), "assertion-multiple")
    assert "forged" not in plain.message_text


def test_an_email_that_is_no_address_is_not_also_a_nameid_mismatch():
    res = analyze((DEFECTS / "email-invalid-format.xml").read_bytes())
    assert by_code(res, "email-invalid-format") and not by_code(res, "email-nameid-mismatch")
    (f,) = by_code(analyze((DEFECTS / "email-nameid-mismatch.xml").read_bytes()), "email-nameid-mismatch")
    assert "only in letter case" in f.message_text and f.hint.startswith("Case-only")


def test_a_years_old_message_is_not_said_signed_by_an_expired_certificate():
    """python3-saml's 2014 samples judged at --at 2025 were 'signed by an expired certificate, the
    IdP still uses its old one': their certificate expired in 2015, after they were issued."""
    from dataclasses import replace

    from samlgen import keys as K
    from samlgen.render import render
    from test_time_audit import judged, response_xml, utc

    data = render(GEN.response("expiring-later", GEN.OKTA), GEN.OKTA, K.load("idp-expiring"))  # to 2025-03-25
    (f,) = by_code(analyze(data, replace(DEFAULT, at=utc(2031, 1, 1))), "signature-cert-mismatch")
    assert "expired" not in f.message_text and "rotated" in f.message_text
    codes, _ = judged(response_xml(), None, captured_at=utc(2025, 9, 1, 12, 0))
    assert "posted again" in codes["session-expired"].message_text


def test_an_old_response_posted_again_is_the_users_to_fix_not_the_idps():
    """okta.xml judged nine days after it was issued: its attempt's fix said 'start a new login'
    while its side said idp (the window findings' usual side)."""
    import json

    from click.testing import CliRunner

    from samlscan.cli import main

    def attempt_at(at: str) -> dict:
        res = CliRunner().invoke(main, ["check", str(DEFECTS.parent / "valid" / "okta.xml"), "--config",
                                        str(DEFECTS.parents[1] / "config" / "default.toml"), "--at", at,
                                        "--format", "json", "--fail-on", "never"])
        (attempt,) = json.loads(res.stdout)["attempts"]
        return attempt

    old = attempt_at("2025-03-20T08:00:00Z")
    assert old["outcome"] == "failure" and old["side"] == "user" and "new login" in old["fix"]
    late = attempt_at("2025-03-11T08:50:00Z")  # minutes late: the usual side
    assert late["outcome"] == "failure" and late["side"] != "user"
