"""Same login, any XML style: a metamorphic test of samlscan's verdicts.

One Response (Okta's content: Response and Assertion signed) and one AuthnRequest are written in
many XML styles, each rendered and signed by samlgen with the real test key (fixtures/samlgen/
variants.py: rewrites before signing, or ones a signature survives), read as a file by the engine
with fixtures/config/default.toml, and must get the canonical style's verdict: the same finding
codes, signature coverage and verified status, attributes, NameID, times, audience and issuer.

Varied: prefixes (default namespaces, saml2p/ns0/a, samlp bound to the assertion namespace, ds as
the default namespace, xs/xsi per value, on the Assertion, on the root, as xsd or .NET's q1/d4p1,
declarations repeated or all on the root), order (attributes, Attributes, AttributeValues,
statements, split AttributeStatements, Extensions, SubjectLocality, OneTimeUse), text (pretty, CRLF,
BOM, declarations, UTF-16, Latin-1, windows-1252, character references, CDATA, comments, single
quotes, end tags), transports (base64 at 64/76 columns, CRLF, URL-safe, form bodies) and redirect
AuthnRequests (prefixes, reformatting; signed with lowercase escapes or reordered parameters), in
each signing layout and encrypted. Orders the schema forbids must be said (schema-order-invalid):
before this test a StatusMessage before the StatusCode and a SubjectLocality after the AuthnContext
were read without a word.
"""
from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote_plus

import pytest

from samlscan.config import build
from samlscan.engine import analyze_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIXTURES))
import generate as GEN  # noqa: E402
from samlgen import encoding as E  # noqa: E402
from samlgen import keys as K  # noqa: E402
from samlgen import messages  # noqa: E402
from samlgen import scenario as S  # noqa: E402
from samlgen import tamper  # noqa: E402
from samlgen import variants as V  # noqa: E402
from samlgen.content import Status  # noqa: E402
from samlgen.render import Encryption, render  # noqa: E402

DEFAULT = build({}, FIXTURES / "config" / "default.toml")
WITH_SP_KEY = build({}, FIXTURES / "config" / "with-sp-key.toml")
"""The SP key: its public half verifies the SP's redirect signatures."""
SP_KEY = K.load("sp")
OKTA = GEN.OKTA
CONTENT = GEN.response("style48", OKTA)
"""One content for every style (its IDs come from the style name 'okta' and this seed)."""


SIGNING = {"both": OKTA, "assertion": replace(OKTA, sign_response=False),
           "response": replace(OKTA, sign_assertion=False)}
"""What is signed (Okta, Entra ID / AD FS, Keycloak / Shibboleth): each variant in each."""


def _signed(base=OKTA, before=None, pretty=False) -> bytes:
    return render(CONTENT, base, GEN.IDP, before_signing=before, pretty_before_signing=pretty)


def _style(**changes):
    return lambda base=OKTA: _signed(replace(base, **changes))


def _before(edit, **changes):
    return lambda base=OKTA: _signed(replace(base, **changes), edit)


def _after(edit, pretty=False):
    return lambda base=OKTA: edit(_signed(base, pretty=pretty))


RESPONSES = {
    "canonical": _signed,
    # prefixes
    "default-ns-on-response": _style(protocol_prefix=None, assertion_prefix=None),
    "default-ns-on-assertion-only": _style(protocol_prefix="samlp", assertion_prefix=None),
    "protocol-default-assertion-prefixed": _style(protocol_prefix=None, assertion_prefix="saml"),
    "samlp-saml": _style(protocol_prefix="samlp", assertion_prefix="saml"),
    "ns0-ns1": _style(protocol_prefix="ns0", assertion_prefix="ns1"),
    "prefix-a": _style(protocol_prefix="p", assertion_prefix="a"),
    "same-prefix-both-levels": _style(protocol_prefix="samlp", assertion_prefix="samlp2"),
    "samlp-bound-to-assertion": _style(protocol_prefix="saml", assertion_prefix="samlp"),
    "ds-default-ns": _style(ds_prefix=None),
    "ds-prefix-dsig": _style(ds_prefix="dsig"),
    "ds-prefix-saml": _style(ds_prefix="saml", assertion_prefix="saml2"),
    "xs-on-assertion": _style(assertion_declares_xs=True),
    "xs-on-root": _before(V.xs_on_root),
    "xs-prefix-xsd": _before(V.xs_prefixes("xsd", "xsi")),
    "xs-prefix-q1-d4p1": _before(V.xs_prefixes("q1", "d4p1")),
    "namespaces-repeated": _before(V.namespaces_repeated),
    "declarations-on-root": _before(V.declarations_on_root),
    "declarations-on-root-default-ns": _before(V.declarations_on_root, protocol_prefix=None,
                                               assertion_prefix="saml"),
    # order
    "attributes-reversed": _before(V.attributes_reversed),
    "attribute-elements-reversed": _before(V.children_reversed("AttributeStatement")),
    "attribute-values-reversed": _before(V.children_reversed("Attribute")),
    "statements-swapped": _before(V.statements_swapped),
    "extensions-in-response": _before(V.extensions_added),
    "attribute-statement-split": _before(V.attribute_statement_split),
    "subject-locality": _before(V.subject_locality(True)),
    # text
    "pretty-before-signing": lambda base=OKTA: _signed(base, pretty=True),
    "crlf": _after(V.crlf, pretty=True),
    "xml-declaration": _after(V.declared),
    "bom-and-declaration": _after(lambda d: V.declared(d, bom=True)),
    "utf16": _after(V.utf16),
    "char-reference": _after(V.char_reference(S.USER_NAME)),
    "cdata": _after(V.cdata(S.USER_LOGIN)),
    "comments-outside": _after(V.comments_outside),
    "whitespace-before-root": _after(lambda d: b"\n\n   \n" + d + b"\n\n"),
    "pi-before-root": _after(lambda d: V.DECL + b'<?xml-stylesheet type="text/xsl" href="saml.xsl"?>\n' + d),
    "comments-between-elements": _after(V.comments_between),
    "utf16-bom-no-declaration": _after(lambda d: d.decode().encode("utf-16")),
    "declaration-single-quoted-lowercase": _after(
        lambda d: b"<?xml version='1.0' encoding='utf-8' standalone='no'?>" + d),
    "attributes-single-quoted": _after(V.single_quotes),
    "end-tags-not-empty-tags": _after(V.end_tags),
    "char-reference-in-issuer": _after(V.char_reference(S.IDP_ENTITY_ID)),
    "char-reference-in-audience": _after(V.char_reference(S.SP_ENTITY_ID)),
    "char-reference-in-nameid": _after(V.char_reference(S.USER_EMAIL)),
    "cdata-in-nameid": _after(V.cdata(S.USER_EMAIL)),
    "cdata-in-issuer": _after(V.cdata(S.IDP_ENTITY_ID)),
    "char-reference-in-destination": _after(V.attribute_char_reference("Destination")),
    "char-reference-in-recipient": _after(V.attribute_char_reference("Recipient")),
    "char-reference-in-ids": _after(V.attribute_char_reference("ID")),
    "char-reference-in-inresponseto": _after(V.attribute_char_reference("InResponseTo")),
}
ILLEGAL = {
    # SAML core 2.3.3 (AssertionType's xs:sequence): Issuer, Signature, Subject, Conditions, Advice,
    # statements; 3.2.2 StatusResponseType: Issuer, Signature, Extensions, Status; 2.4.1: the
    # identifier before the SubjectConfirmations; 3.2.2.1 StatusType: StatusCode, StatusMessage
    "conditions-before-subject": (_before(V.moved_before("Conditions", "Subject")),
                                  "/Response/Assertion", "Conditions"),
    "authnstatement-before-conditions": (_before(V.moved_before("AuthnStatement", "Conditions")),
                                         "/Response/Assertion", "AuthnStatement"),
    "status-before-issuer": (_before(V.moved_before("Status", "Issuer", S.NS_P)), "/Response", "Status"),
    "confirmation-before-nameid": (_before(V.moved_before("SubjectConfirmation", "NameID")),
                                   "/Response/Assertion/Subject", "SubjectConfirmation"),
    "subject-locality-after-context": (_before(V.subject_locality(False)),
                                       "/Response/Assertion/AuthnStatement", "AuthnContext"),
    "status-message-before-code": (lambda: render(
        replace(CONTENT, status=Status(S.STATUS_SUCCESS, message="ok")), OKTA, GEN.IDP,
        before_signing=V.moved_before("StatusMessage", "StatusCode", S.NS_P, S.NS_P)),
        "/Response/Status", "StatusMessage"),
}
TRANSPORT = {
    "base64": lambda d: E.b64(d).encode(),
    "base64-76": lambda d: E.b64_wrapped(d, 76).encode(),
    "base64-64": lambda d: E.b64_wrapped(d, 64).encode(),
    "base64-urlsafe": lambda d: E.b64_urlsafe(d).encode(),
    "base64-76-crlf": lambda d: E.b64_wrapped(d, 76).replace("\n", "\r\n").encode(),
    "form-body-urlsafe": lambda d: f"SAMLResponse={E.b64_urlsafe(d)}&RelayState={S.RELAY_STATE}".encode(),
    "form-body-all-escaped": lambda d: ("SAMLResponse=" + "".join(f"%{b:02X}" for b in E.b64(d).encode())
                                        ).encode(),
    "form-body": lambda d: E.form_body("SAMLResponse", d, S.RELAY_STATE).encode(),
    "form-body-utf16": lambda d: (f"SAMLResponse={quote_plus(E.b64(V.utf16(d)))}"
                                  f"&RelayState={S.RELAY_STATE}").encode(),
}
REQUEST_PREFIXES = {
    "canonical": {},
    "default-ns": {S.NS_P: None, S.NS_A: None},
    "ns0-ns1": {S.NS_P: "ns0", S.NS_A: "ns1"},
    "samlp-bound-to-assertion": {S.NS_P: "saml", S.NS_A: "samlp"},
}
REQUEST_TEXT = {
    "attributes-reversed": V.attributes_reversed,
    "pretty-crlf": lambda d: V.crlf(V.declared(tamper.pretty(d))),
    "bom-declared": lambda d: V.declared(d, bom=True),
    "utf16": V.utf16,
    "single-quoted": V.single_quotes,
    "namespaces-repeated": V.namespaces_repeated,
}


def verdict(result) -> tuple:
    """What a reader of the report acts on, with what must differ (bytes, paths) left out."""
    msgs = []
    for m in result.messages:
        msg = m.message
        sigs = sorted((s.parent, s.parent_id, s.covers_parent, s.signed_path, s.signature_algorithm,
                       s.digest_algorithm, s.verified, s.failure) for s in msg.signatures)
        assertions = tuple(
            (a.id, a.issuer, a.name_id, a.subject_confirmations, a.not_before, a.not_on_or_after,
             a.audience_restrictions, a.authn_instant, a.session_not_on_or_after, a.authn_context,
             sorted((x.name, x.friendly_name, x.name_format, tuple(sorted(x.values)), x.nil_count)
                    for x in a.attributes), a.signed, tuple(sorted(a.signed_by)))
            for a in msg.assertions)
        msgs.append((msg.kind, msg.id, msg.in_response_to, msg.destination, msg.issuer,
                     msg.issue_instant, msg.status, msg.signed, sigs, assertions,
                     sorted(f.code for f in m.findings)))
    return tuple(msgs), sorted(f.code for f in result.findings)


@pytest.fixture(scope="module")
def judged(tmp_path_factory):
    """Each variant signed once and judged once, lazily."""
    folder = tmp_path_factory.mktemp("style48")
    cache: dict = {}

    def judge(name: str, data: bytes, expect=DEFAULT):
        if name not in cache:
            path = folder / name
            path.write_bytes(data)
            cache[name] = analyze_file(str(path), expect, None)
        return cache[name]
    return judge


@pytest.fixture(scope="module")
def documents():
    cache: dict = {}

    def document(name: str, signing: str = "both") -> bytes:
        if (name, signing) not in cache:
            cache[name, signing] = RESPONSES[name](SIGNING[signing])
        return cache[name, signing]
    return document


INTL_NAME = "Dévèlopér Ünïcödé 测试"
INTL = replace(CONTENT, assertions=(replace(CONTENT.assertions[0], attributes=GEN.with_attrs(
    CONTENT.assertions[0].attributes, name=(INTL_NAME,))),))
"""A display name outside ASCII (and outside Latin-1), written in each encoding XML allows."""
INTL_VARIANTS = {
    "utf8-declared": V.declared,
    "ascii-references": V.non_ascii_references,
    "latin1": V.encoded_as("ISO-8859-1"),
    "windows-1252": V.encoded_as("windows-1252"),
    "utf16": V.utf16,
    "us-ascii": V.encoded_as("US-ASCII"),
}


@pytest.mark.parametrize("how", ["file", "base64"])
@pytest.mark.parametrize("name", list(INTL_VARIANTS))
def test_non_ascii_text_in_any_encoding_keeps_the_verdict(name, how, judged):
    signed = render(INTL, OKTA, GEN.IDP)
    want = verdict(judged("intl.canonical.xml", signed))
    assert [a.values for a in judged("intl.canonical.xml", signed).messages[0].message.assertions[0].attributes
            if a.name == "name"] == [(INTL_NAME,)]
    data = INTL_VARIANTS[name](signed)
    data = data if how == "file" else E.b64_wrapped(data).encode()
    assert verdict(judged(f"intl.{name}.{how}.txt", data)) == want


def test_canonical_is_a_clean_signed_login(judged, documents):
    """The reference verdict itself: both signatures verified, the login's content read."""
    res = judged("canonical.xml", documents("canonical"))
    (msg,) = res.messages
    assert msg.message.signed and msg.message.assertions[0].signed
    assert {s.verified for s in msg.message.signatures} == {True}
    assert msg.message.assertions[0].name_id.value == S.USER_EMAIL
    assert not [f for f in msg.findings if f.severity.name in ("ERROR", "WARNING")], msg.findings


@pytest.mark.parametrize("signing", list(SIGNING))
@pytest.mark.parametrize("name", [n for n in RESPONSES if n != "canonical"])
def test_response_style_keeps_the_verdict(name, signing, judged, documents):
    want = verdict(judged(f"canonical.{signing}.xml", documents("canonical", signing)))
    assert verdict(judged(f"{name}.{signing}.xml", documents(name, signing))) == want


TRANSPORTED = ("canonical", "default-ns-on-response", "pretty-before-signing", "crlf", "bom-and-declaration",
               "utf16", "comments-outside", "cdata")


@pytest.mark.parametrize("name,transport", [
    (n, t) for n in TRANSPORTED for t in TRANSPORT
    if not (t == "form-body-utf16" and n in ("bom-and-declaration", "utf16"))])  # (encoded already)
def test_transport_keeps_the_verdict(name, transport, judged, documents):
    want = verdict(judged("canonical.xml", documents("canonical")))
    got = verdict(judged(f"{name}.{transport}.txt", TRANSPORT[transport](documents(name))))
    assert got == want


def test_a_tampered_style_does_diverge(judged, documents):
    """The failing counterpart: a value changed after signing is not the same verdict."""
    data = documents("ns0-ns1").replace(S.USER_LOGIN.encode(), b"admin")
    assert verdict(judged("tampered.xml", data)) != verdict(judged("canonical.xml",
                                                                     documents("canonical")))


@pytest.mark.parametrize("name", list(ILLEGAL))
def test_illegal_order_is_said_and_nothing_else_changes(name, judged, documents):
    """Orders the schema forbids: the signature still verifies, but SPs that validate against the
    schema (java-saml strict, SonarQube) refuse it, so samlscan says schema-order-invalid."""
    make, path, ahead = ILLEGAL[name]
    res = judged(name + ".xml", make())
    (msg,) = res.messages
    said = [f for f in msg.findings if f.code == "schema-order-invalid"]
    assert [(f.message_text.split(" the ")[0], f.actual.split(",")[0]) for f in said] == [
        (f"in {path}", ahead)], msg.findings
    want = verdict(judged("canonical.xml", documents("canonical")))
    got = verdict(res)
    codes = [c for c in got[0][0][-1] if c != "schema-order-invalid"]
    if name != "status-message-before-code":  # (another content: a StatusMessage)
        assert (got[0][0][:-1], codes) == (want[0][0][:-1], want[0][0][-1])


@pytest.mark.parametrize("signing", list(SIGNING))
def test_conditions_in_either_order_keep_the_verdict(signing, judged):
    """OneTimeUse before or after the AudienceRestriction: the same Conditions (SAML core 2.5.1)."""
    def doc(first):
        return render(CONTENT, SIGNING[signing], GEN.IDP, before_signing=V.condition_added("OneTimeUse", first))
    one = verdict(judged(f"onetimeuse-first.{signing}.xml", doc(True)))
    assert one == verdict(judged(f"onetimeuse-last.{signing}.xml", doc(False)))


def _request(prefixes: dict) -> bytes:
    data = messages.authn_request()
    return V.reprefixed(data, prefixes) if prefixes else data


@pytest.mark.parametrize("name", [n for n in REQUEST_PREFIXES if n != "canonical"] + list(REQUEST_TEXT))
def test_redirect_request_style_keeps_the_verdict(name, judged):
    def url(xml):
        return (E.redirect_url(S.IDP_SSO_REDIRECT, "SAMLRequest", xml, S.RELAY_STATE) + "\n").encode()
    want = verdict(judged("request.canonical.txt", url(_request({}))))
    assert want[0] and want[0][0][0] == "AuthnRequest"
    xml = (REQUEST_TEXT[name](_request({})) if name in REQUEST_TEXT else _request(REQUEST_PREFIXES[name]))
    assert verdict(judged(f"request.{name}.txt", url(xml))) == want


SIGNED_REDIRECTS = {
    "canonical": {},
    "lowercase-escapes": {"lower_hex": True},
    "parameters-reversed": {"signature_first": True},
    "lowercase-escapes-reversed": {"lower_hex": True, "signature_first": True},
}


@pytest.mark.parametrize("name", [n for n in SIGNED_REDIRECTS if n != "canonical"])
@pytest.mark.parametrize("prefixes", ["canonical", "default-ns"])
def test_signed_redirect_style_keeps_the_verdict(name, prefixes, judged):
    """A redirect signature is over the encoded octets as sent: verified in every encoder's style."""
    def url(how):
        return (V.signed_redirect(S.IDP_SSO_REDIRECT, _request(REQUEST_PREFIXES[prefixes]), S.RELAY_STATE,
                                  SP_KEY, **how) + "\n").encode()
    canonical = judged("signed.canonical.txt", url({}), WITH_SP_KEY)
    assert canonical.messages[0].message.redirect_signature.verified is True
    want = verdict(canonical)
    res = judged(f"signed.{prefixes}.{name}.txt", url(SIGNED_REDIRECTS[name]), WITH_SP_KEY)
    assert res.messages[0].message.redirect_signature.verified is True
    assert verdict(res) == want


ENCRYPTED_PREFIXES = {
    "xenc-default-ns": {S.NS_XENC: None},
    "xenc-ds-odd-prefixes": {S.NS_XENC: "e", S.NS_DS: "d", S.NS_P: "ns0", S.NS_A: "ns1"},
    "all-default-ns": {S.NS_XENC: None, S.NS_DS: None, S.NS_P: None, S.NS_A: None},
    "samlp-bound-to-assertion": {S.NS_P: "saml", S.NS_A: "samlp"},
}


@pytest.mark.parametrize("name", list(ENCRYPTED_PREFIXES))
def test_encrypted_assertion_style_keeps_the_verdict(name, judged):
    """The Assertion signed, then encrypted for the SP (Entra ID, AD FS): the EncryptedAssertion's
    own prefixes are outside every signature, so any of them is the same message."""
    style = SIGNING["assertion"]
    signed = render(CONTENT, style, GEN.IDP, encryption=Encryption(K.load("sp")), seed="style48")
    canonical = judged("encrypted.canonical.xml", signed, WITH_SP_KEY)
    (msg,) = canonical.messages
    assert msg.message.assertions[0].was_encrypted and msg.message.assertions[0].signed
    got = judged(f"encrypted.{name}.xml", V.reprefixed(signed, ENCRYPTED_PREFIXES[name]), WITH_SP_KEY)
    assert verdict(got) == verdict(canonical)
