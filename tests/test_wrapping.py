"""Held-out XML Signature Wrapping layouts (Somorovsky et al., 'On Breaking SAML', 2012) and other
attacks on signed content, built here with samlgen (real xmlsec signatures), never committed.

The invariant for every layout: no assertion carrying the attacker's content is reported as covered
by a valid signature, and the response gets the attack's code.
"""
from __future__ import annotations

import copy
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from samlscan.checks.base import consumed_assertion
from samlscan.config import build
from samlscan.engine import analyze_raw
from samlscan.inputs.base import RawMessage
from samlscan.model import Source

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIXTURES))
import generate as GEN  # noqa: E402
from samlgen import keys as K, tamper  # noqa: E402
from samlgen import scenario as S  # noqa: E402
from samlgen.content import NameId  # noqa: E402
from samlgen.render import render, render_assertion  # noqa: E402

EXPECT = build({}, FIXTURES / "config" / "default.toml")
EVIL = GEN.EVIL_EMAIL
A = f"{{{S.NS_A}}}"
P = f"{{{S.NS_P}}}"
DS = f"{{{S.NS_DS}}}"
STYLE = GEN.OKTA_ASSERTION_ONLY  # the Assertion is signed, the Response is not (XSW's target)


def analyze_bytes(data: bytes):
    res = analyze_raw(RawMessage(Source("test"), "XML", data.decode(), "xml"), 0, EXPECT)
    assert not hasattr(res, "code"), f"refused as input: {res}"
    return res


def codes(res) -> set[str]:
    return {f.code for f in res.findings}


def _evil_value(a) -> bool:
    vals = [a.name_id.value if a.name_id else ""] + [v for at in a.attributes for v in at.values]
    return any(EVIL in v or "admin" == v for v in vals)


def assert_no_forgery_signed(res):
    """The core property: no forged assertion is reported as validly signed."""
    for a in res.message.assertions:
        assert not (a.signed and _evil_value(a)), f"forged assertion {a.path} reported signed"
    a = consumed_assertion(res.message)
    if a is not None and a.signed:
        assert a.name_id is not None and a.name_id.value == S.USER_EMAIL


# --- Builders -----------------------------------------------------------------------------------

def signed(seed: str) -> bytes:
    return render(GEN.response(seed, STYLE), STYLE, GEN.IDP)


def evil(seed: str) -> bytes:
    return render_assertion(GEN.evil_assertion(seed, STYLE), STYLE)


def parse(data: bytes):
    return tamper.parse(data)


def _assertion(root):
    return root.find(A + "Assertion")


def xsw_wrapper(s: bytes, e: bytes) -> bytes:
    """The signed Assertion inside an unknown wrapper element; the evil one where SAML puts it."""
    root, ev = parse(s), parse(e)
    orig = _assertion(root)
    wrapper = etree.Element("{urn:example:wrap}Wrapper")
    orig.addprevious(ev)
    root.append(wrapper)
    wrapper.append(orig)
    return etree.tostring(root)


def evil_after(s: bytes, e: bytes) -> bytes:
    root, ev = parse(s), parse(e)
    _assertion(root).addnext(ev)
    return etree.tostring(root)


def evil_around(s: bytes, e: bytes) -> bytes:
    """The evil Assertion contains the signed one (inside its Subject's... anywhere: as a child)."""
    root, ev = parse(s), parse(e)
    orig = _assertion(root)
    orig.addprevious(ev)
    ev.append(orig)
    return etree.tostring(root)


def duplicate_id(s: bytes, e: bytes) -> bytes:
    """The evil Assertion takes the signed one's ID and goes first."""
    root, ev = parse(s), parse(e)
    orig = _assertion(root)
    ev.set("ID", orig.get("ID"))
    orig.addprevious(ev)
    return etree.tostring(root)


def duplicate_id_after(s: bytes, e: bytes) -> bytes:
    root, ev = parse(s), parse(e)
    orig = _assertion(root)
    ev.set("ID", orig.get("ID"))
    orig.addnext(ev)
    return etree.tostring(root)


def several_assertions(s: bytes, e: bytes) -> bytes:
    """Two evil assertions and the signed one, signed one last."""
    root, ev = parse(s), parse(e)
    orig = _assertion(root)
    ev2 = copy.deepcopy(ev)
    ev2.set("ID", ev.get("ID") + "b")
    orig.addprevious(ev)
    orig.addprevious(ev2)
    return etree.tostring(root)


def reference_elsewhere(s: bytes, e: bytes) -> bytes:
    """The consumed (evil) Assertion carries the original Signature, whose Reference points at the
    original Assertion, kept in samlp:Extensions."""
    root, ev = parse(s), parse(e)
    orig = _assertion(root)
    sig = copy.deepcopy(orig.find(DS + "Signature"))
    ev.find(A + "Issuer").addnext(sig)
    ext = etree.Element(P + "Extensions")
    root.find(P + "Status").addprevious(ext)
    orig.addprevious(ev)
    ext.append(orig)
    return etree.tostring(root)


def reference_elsewhere_nested(s: bytes, e: bytes) -> bytes:
    """Same, but the original Assertion hides in an unknown element inside the evil one's Subject."""
    root, ev = parse(s), parse(e)
    orig = _assertion(root)
    sig = copy.deepcopy(orig.find(DS + "Signature"))
    ev.find(A + "Issuer").addnext(sig)
    hide = etree.SubElement(ev.find(A + "Subject"), "{urn:example:x}Kept")
    orig.addprevious(ev)
    hide.append(orig)
    return etree.tostring(root)


LAYOUTS = {
    "extensions": tamper.xsw_extensions,
    "object": tamper.xsw_object,
    "sibling-before": tamper.xsw_sibling,
    "wrapper": xsw_wrapper,
    "evil-after": evil_after,
    "evil-around": evil_around,
    "duplicate-id-before": duplicate_id,
    "duplicate-id-after": duplicate_id_after,
    "several-assertions": several_assertions,
    "reference-elsewhere": reference_elsewhere,
    "reference-elsewhere-nested": reference_elsewhere_nested,
}
# The consumed assertion is the genuine signed one in these (the evil one is elsewhere): the SP is
# safe, the finding is the shape (assertion-multiple is itself an attack indicator in codes.py).
SHAPE_ONLY = {"evil-after", "duplicate-id-after"}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_xsw_layout_flagged_and_never_validly_signed(layout):
    seed = f"heldout-xsw-{layout}"
    res = analyze_bytes(LAYOUTS[layout](signed(seed), evil(seed)))
    found = codes(res)
    assert_no_forgery_signed(res)
    if layout in SHAPE_ONLY:
        assert found & {"signature-wrapping", "assertion-multiple"}, found
    else:
        assert "signature-wrapping" in found, found


def test_xsw_response_level():
    """XSW1: an evil Response carries the original Response signature in a ds:Object."""
    style = GEN.KEYCLOAK
    unsigned = replace(style, sign_response=False)
    s = render(GEN.response("heldout-xsw1", style), style, GEN.IDP)
    e = render(GEN.response("heldout-xsw1|evil", unsigned, (GEN.evil_assertion("heldout-xsw1", style),)),
               unsigned, GEN.IDP)
    res = analyze_bytes(tamper.xsw_response(s, e))
    assert_no_forgery_signed(res)
    assert "signature-wrapping" in codes(res)


def test_untouched_response_is_signed_and_clean():
    """The passing counterpart: the same builder without an attack verifies and is not flagged."""
    res = analyze_bytes(signed("heldout-clean"))
    a = consumed_assertion(res.message)
    assert a.signed and a.name_id.value == S.USER_EMAIL
    assert not codes(res) & {"signature-wrapping", "signature-invalid", "assertion-multiple"}


def test_evil_in_signed_response_breaks_the_digest():
    """Response signed (Keycloak): adding an evil assertion changes the signed content."""
    s = render(GEN.response("heldout-resp", GEN.KEYCLOAK), GEN.KEYCLOAK, GEN.IDP)
    res = analyze_bytes(tamper.xsw_sibling(s, evil("heldout-resp")))
    assert_no_forgery_signed(res)
    assert codes(res) & {"signature-wrapping", "signature-invalid"}


# --- Comment injection ---------------------------------------------------------------------------

def test_nameid_comment_injection():
    victim = S.USER_EMAIL + ".evil.test"
    data = GEN.okta("heldout-cmt", name_id=NameId(victim, comment_after=S.USER_EMAIL))
    res = analyze_bytes(data)
    assert "nameid-comment-injection" in codes(res)
    a = consumed_assertion(res.message)
    assert a.name_id.value == victim and a.name_id.naive_value == S.USER_EMAIL


def test_nameid_without_comment_not_flagged():
    assert "nameid-comment-injection" not in codes(analyze_bytes(GEN.okta("heldout-nocmt")))


def _comment_in_email(seed: str) -> bytes:
    """Email attribute 'dev.user1@example.com<!---->.evil.test', signed after the comment."""
    style = GEN.OKTA
    root = tamper.parse(etree.tostring(__import__("samlgen.build", fromlist=["x"]).build_response(
        GEN.response(seed, style), style)))
    for attr in root.iter(A + "Attribute"):
        if attr.get("Name") == "email":
            v = attr.find(A + "AttributeValue")
            v.text = S.USER_EMAIL
            c = etree.Comment("")
            c.tail = ".evil.test"
            v.append(c)
    from samlgen import signer

    signer.template_for(root, style)
    signer.sign_all(root, GEN.IDP)
    return etree.tostring(root)


def test_email_attribute_comment_injection():
    res = analyze_bytes(_comment_in_email("heldout-cmt-email"))
    assert consumed_assertion(res.message).signed  # exc-c14n drops comments: it verifies
    assert "nameid-comment-injection" in codes(res)


def test_email_attribute_comment_full_value_is_read():
    """What does hold today: the careful (full text) value, never the truncated one."""
    res = analyze_bytes(_comment_in_email("heldout-cmt-email2"))
    email = [v for at in consumed_assertion(res.message).attributes if at.name == "email"
             for v in at.values]
    assert email == [S.USER_EMAIL + ".evil.test"]


# --- Tampered, re-signed, reformatted ----------------------------------------------------------

def test_tampered_after_signing():
    data = tamper.replace_once(GEN.okta("heldout-tamper"), f">{S.USER_LOGIN}<", ">admin<")
    res = analyze_bytes(data)
    assert "signature-invalid" in codes(res)
    assert not any(a.signed for a in res.message.assertions)
    assert not res.message.signed


def test_tampered_nameid_after_signing():
    data = tamper.replace_once(GEN.okta("heldout-tamper2"), f">{S.USER_EMAIL}</saml2:NameID>",
                                f">{EVIL}</saml2:NameID>")
    res = analyze_bytes(data)
    assert_no_forgery_signed(res)
    assert "signature-invalid" in codes(res)


def test_resigned_by_attacker_key():
    res = analyze_bytes(GEN.okta("heldout-attacker", key=K.load("attacker")))
    assert codes(res) & {"signature-cert-mismatch", "signature-invalid"}
    assert not any(a.signed for a in res.message.assertions)
    assert all(s.verified is False for s in res.message.signatures)


def test_forged_by_attacker_key():
    """An attacker signs an evil assertion with their own key and cert in KeyInfo."""
    data = GEN.okta("heldout-attacker-evil", key=K.load("attacker"), name_id=NameId(EVIL))
    res = analyze_bytes(data)
    assert_no_forgery_signed(res)
    assert "signature-cert-mismatch" in codes(res)


def test_reformatted_after_signing():
    res = analyze_bytes(tamper.pretty(GEN.okta("heldout-pretty")))
    assert "xml-reformatted" in codes(res)
    assert not any(a.signed for a in res.message.assertions)


def test_reformatted_and_tampered_is_not_called_reformatted():
    """Whitespace normalisation must not excuse a real change."""
    data = tamper.pretty(tamper.replace_once(GEN.okta("heldout-pretty2"), f">{S.USER_LOGIN}<",
                                             ">admin<"))
    res = analyze_bytes(data)
    assert "xml-reformatted" not in codes(res)
    assert "signature-invalid" in codes(res)


def _only_in_extensions(data: bytes) -> bytes:
    """The signed Assertion moved into samlp:Extensions: nothing left where SAML puts it."""
    root = parse(data)
    orig = _assertion(root)
    ext = etree.Element(P + "Extensions")
    root.find(A + "Issuer").addnext(ext)
    ext.append(orig)
    return etree.tostring(root)


@pytest.mark.parametrize("tampered", [False, True])
def test_assertion_only_in_extensions_is_missing_and_wrapping(tampered):
    """java-saml ('must contain 1 assertion') and Spring ('No assertions found') reject it; it gave
    no finding at all (the count took the misplaced one, and the wrapping check needed a consumed
    assertion while it silenced signature-invalid)."""
    data = signed("heldout-extensions")
    if tampered:
        data = tamper.replace_once(data, f">{S.USER_LOGIN}<", ">admin<")
    res = analyze_bytes(_only_in_extensions(data))
    assert {"assertion-missing", "signature-wrapping"} <= codes(res)
    assert any("elsewhere in the document" in f.message_text for f in res.findings if f.code == "assertion-missing")
    assert consumed_assertion(res.message) is None


def test_bare_assertion_with_duplicate_id_and_broken_signature_is_reported():
    """A pasted Assertion (no Response): duplicate IDs silenced signature-invalid, and the
    wrapping check looked at Responses only."""
    lone = etree.tostring(_assertion(parse(signed("heldout-bare"))))  # signed on its own (exc-c14n)
    root = parse(tamper.replace_once(lone, f">{S.USER_LOGIN}<", ">admin<"))
    twin = etree.SubElement(root, A + "Advice")
    twin.set("ID", root.get("ID"))
    res = analyze_bytes(etree.tostring(root))
    assert "signature-wrapping" in codes(res) or "signature-invalid" in codes(res)
    assert not any(a.signed for a in res.message.assertions)


def test_many_signatures_are_bounded_and_said():
    """Each verification canonicalises what it covers: 800 copies of a signature took minutes.
    Past sigverify's bounds signatures are not verified (one finding says how many) or not
    diagnosed further; the first ones get the full diagnosis."""
    from samlscan import sigverify

    root = parse(tamper.replace_once(signed("heldout-many-sigs"), f">{S.USER_LOGIN}<", ">admin<"))
    sig = next(root.iter(DS + "Signature"))
    ext = etree.Element(P + "Extensions")
    root.find(A + "Issuer").addnext(ext)
    for _ in range(40):
        ext.append(copy.deepcopy(sig))
    res = analyze_bytes(etree.tostring(root))
    failures = [s.failure for s in res.message.signatures]
    assert len(failures) == 41
    assert failures.count("not-checked") == 41 - sigverify.MAX_CHECKED
    assert failures.count("undiagnosed") == sigverify.MAX_CHECKED - sigverify.MAX_DIAGNOSED
    assert failures.count("digest") == sigverify.MAX_DIAGNOSED
    said = [f.message_text for f in res.findings if f.code == "signature-invalid"]
    assert any(f"{41 - sigverify.MAX_CHECKED} more signatures were not verified" in t for t in said)


def test_duplicate_ids_found_in_one_pass():
    from samlscan import sigverify

    root = etree.fromstring(b'<r><a ID="x"/><b ID="y"/><c ID="x"/><d ID="x"/><!-- c --><e ID="z"/></r>')
    ids, dups = sigverify._ids(root)
    assert dups == ("x", "x") and ids["x"].tag == "a" and set(ids) == {"x", "y", "z"}
