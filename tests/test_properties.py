"""Property tests (hypothesis): mutate signed fixtures anywhere; samlscan never raises, and never
reports mutated content as covered by a valid signature."""
from __future__ import annotations

import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from samlscan.config import build
from samlscan.engine import MessageResult, analyze_raw
from samlscan.inputs.base import RawMessage
from samlscan.model import Finding, Source

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXPECT = build({}, FIXTURES / "config" / "default.toml")
SIGNED = {name: (FIXTURES / "responses" / "valid" / name).read_bytes()
          for name in ("okta.xml", "keycloak.xml", "entra.xml", "adfs.xml")}
"""Assertion signed (okta, entra, adfs), Response signed (keycloak), both (okta)."""
SAML_A = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"
CHARS = "aZ09 .@_-:/#<>&\"'\u00e9\u200b"
PROFILE = settings(max_examples=150, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.too_slow])


def run(data: bytes):
    res = analyze_raw(RawMessage(Source("prop"), "XML", data.decode("utf-8", "replace"), "xml"), 0, EXPECT)
    assert isinstance(res, (MessageResult, Finding))
    return res


def assertion_key(a):
    """What an SP acts on, independent of where the Assertion sits and of signature status."""
    return (a.id, a.version, a.issue_instant, a.issuer, a.name_id, a.subject_confirmations,
            a.not_before, a.not_on_or_after, a.audience_restrictions, a.authn_instant,
            a.session_not_on_or_after, a.authn_context, a.attributes)


def message_key(m):
    return (m.id, m.in_response_to, m.destination, m.issuer, m.issue_instant, m.status,
            tuple(assertion_key(a) for a in m.assertions))


ORIGINAL = {name: run(data) for name, data in SIGNED.items()}


def test_originals_verify():
    """The passing counterpart: unmutated fixtures are signed where their IdP signs."""
    for name, res in ORIGINAL.items():
        assert isinstance(res, MessageResult), name
        assert res.message.assertions[0].signed, name
    assert ORIGINAL["keycloak.xml"].message.signed


def assert_no_forgery(name: str, res) -> None:
    if not isinstance(res, MessageResult):
        return  # refused as input: nothing is reported as signed
    orig = ORIGINAL[name].message
    genuine = {assertion_key(a) for a in orig.assertions}
    for a in res.message.assertions:
        if a.signed:
            assert assertion_key(a) in genuine, f"mutated assertion {a.path} reported signed"
    if res.message.signed:
        assert message_key(res.message) == message_key(orig), "mutated Response reported signed"


# --- Structured mutations (lxml) -----------------------------------------------------------------

def _elements(root):
    """Every element outside ds:Signature (signature bytes are mutated by the byte test)."""
    return [el for el in root.iter() if isinstance(el.tag, str)
            and not any(x.tag == f"{{{DS}}}Signature" for x in el.iterancestors())
            and el.tag != f"{{{DS}}}Signature"]


def _edit(text: str, rnd: random.Random, ch: str) -> str:
    i = rnd.randrange(len(text) + 1)
    op = rnd.choice(("flip", "insert", "delete"))
    if op == "insert" or not text:
        return text[:i] + ch + text[i:]
    i = min(i, len(text) - 1)
    return text[:i] + (ch if op == "flip" else "") + text[i + 1:]


def mutate(data: bytes, kind: str, seed: int, ch: str) -> bytes:
    rnd = random.Random(seed)
    root = etree.fromstring(data)
    els = _elements(root)
    if kind == "text":
        with_text = [el for el in els if el.text and el.text.strip()] or els
        el = rnd.choice(with_text)
        el.text = _edit(el.text or "", rnd, ch)
    elif kind in ("attribute", "id"):
        cands = [(el, k) for el in els for k in el.attrib if kind == "attribute" or k == "ID"]
        el, k = rnd.choice(cands)
        el.set(k, _edit(el.get(k), rnd, ch))
    elif kind == "move":
        movable = [el for el in els if el is not root]
        el = rnd.choice(movable)
        targets = [t for t in els if t is not el and el not in t.iterancestors() and t is not el]
        target = rnd.choice(targets)
        target.insert(rnd.randrange(len(target) + 1), el)
    elif kind == "duplicate":
        el = rnd.choice([e for e in els if e.tag == f"{{{SAML_A}}}Assertion"])
        clone = etree.fromstring(etree.tostring(el))
        for nid in clone.iter(f"{{{SAML_A}}}NameID"):
            nid.text = "admin@example.com"
        el.addprevious(clone) if rnd.random() < 0.5 else el.addnext(clone)
    return etree.tostring(root)


@PROFILE
@given(name=st.sampled_from(sorted(SIGNED)), kind=st.sampled_from(("text", "attribute", "id", "duplicate")),
       seed=st.integers(0, 2**32 - 1), ch=st.sampled_from(CHARS))
def test_structured_mutation_never_validly_signed(name, kind, seed, ch):
    assert_no_forgery(name, run(mutate(SIGNED[name], kind, seed, ch)))



@settings(max_examples=100, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(SIGNED)), seed=st.integers(0, 2**32 - 1))
def test_moved_element_never_validly_signed(name, seed):
    assert_no_forgery(name, run(mutate(SIGNED[name], "move", seed, "a")))


def test_empty_audience_restriction_does_not_crash():
    """Deterministic reproduction of the crash the 'move' property found (adfs.xml, seed 871)."""
    run(mutate(SIGNED["adfs.xml"], "move", 871, "a"))


# --- Raw byte mutations ----------------------------------------------------------------------------

@settings(max_examples=100, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(SIGNED)), data=st.data())
def test_byte_mutation_never_raises(name, data):
    raw = bytearray(SIGNED[name])
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(raw) - 1))
        op = data.draw(st.sampled_from(("flip", "insert", "delete")))
        b = data.draw(st.integers(0, 255))
        if op == "flip":
            raw[i] = b
        elif op == "insert":
            raw[i:i] = bytes([b])
        else:
            del raw[i]
    res = run(bytes(raw))
    assert_no_forgery(name, res)


def test_property_can_fail():
    """The failing counterpart: the forgery check notices a changed signed assertion."""
    import dataclasses

    res = ORIGINAL["okta.xml"]
    a = res.message.assertions[0]
    forged = dataclasses.replace(a, name_id=dataclasses.replace(a.name_id, value="admin@example.com"))
    bad = dataclasses.replace(res, message=dataclasses.replace(res.message, assertions=(forged,)))
    try:
        assert_no_forgery("okta.xml", bad)
    except AssertionError:
        return
    raise AssertionError("assert_no_forgery accepted a forged signed assertion")
