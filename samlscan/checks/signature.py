"""Signature and key checks. They read SignatureInfo (samlscan.sigverify); they never call xmlsec."""
from __future__ import annotations

import re

from datetime import timedelta

from samlscan import lazyre
from samlscan.certs import UNSUPPORTED_KEY
from samlscan.checks.base import CheckContext, consumed_assertion, finding, fmt_time, in_idp, issuer_product
from samlscan.codes import NOT_RSA_ONLY_SIGNING, RSA_ONLY_SAML, SIGNED_BY_ANOTHER_KEY_FIX, spec
from samlscan.model import CertInfo, SamlMessage, SignatureInfo
from samlscan.saml import IDP_SENT, sender
from samlscan.sigverify import ENVELOPED, EXC_C14N, KEY_FAILURES, NO_CONFIGURED_KEY, SIGNED_BY_OTHER, WEAK_ALGORITHMS
from samlscan.xmlsafe import NS

SIGNED_INFO_CHANGED = ("the digest of the signed content matches and the SignatureValue was made with this "
                       "very key (its RSA block decodes), but over another SignedInfo: the SignedInfo was "
                       "edited after signing (or the signer canonicalized it its own way), not signed by a "
                       "wrong key")
"""sigverify's 'signed-info-changed': the key is right, the SignedInfo is not the one signed."""
SIGNED_INFO_CHANGED_HINT = ("take the message as its sender sent it (a HAR or SAML-tracer capture, not a copy "
                            "someone edited); if the sender's own output fails this way, its signer "
                            "canonicalizes the SignedInfo unlike XML-DSig: no certificate change helps")

MALFORMED = ("its ds:SignatureValue or ds:DigestValue element is missing or not in the XML-DSig namespace "
             "(XML-DSig 4.1, 4.4.3 require both): the signer wrote a broken signature, which every SP refuses; "
             "no value was redacted and no key is to blame")
"""sigverify's 'malformed'."""
MALFORMED_HINT = ("fix the signer's output (signxml with a default-namespace ds, namespaces={None: ds}, writes "
                  "SignatureValue and KeyInfo in the enclosing namespace: sign with the ds prefix)")
UNCANONICALIZABLE = ("the signed element cannot be canonicalized (a namespace declared with a relative URI, "
                     "such as xmlns:example=\"1\", is in scope: Canonical XML 1.0 section 2 makes that a "
                     "failure), so no verifier can recompute its digest and every SP built on libxml2 "
                     "refuses it; a signature made over it signed something else (CVE-2025-66475: "
                     "simplesamlphp/xml-security digested the empty string)")
"""sigverify's 'uncanonicalizable'."""
UNCANONICALIZABLE_HINT = ("if the IdP sent it, remove the relative namespace declaration from its output; a "
                          "message that only verifies in a toolkit that ignores the failure is forged")

SIGNED_BEFORE_ENCRYPTION = ("the digest fails because the IdP signed the Response before it encrypted the "
                            "Assertion: the signature verifies over the Response with the decrypted Assertion "
                            "in the place of the EncryptedAssertion, so it covers content that was never sent "
                            "and no SP can verify it as received (SAML core 6.2: a receiver verifies and "
                            "decrypts in the reverse order of the sender's operations, so a Response "
                            "signature must be made over the EncryptedAssertion); the content is what the "
                            "IdP signed, no one changed it")
"""A Response signature whose digest fails and that verifies over the decrypted document (saml's
'signed-before-encryption' fact, found by sigverify.verifies_decrypted with xmlsec)."""
SIGNED_BEFORE_ENCRYPTION_HINT = ("make the IdP encrypt the Assertion first and sign the Response after it, "
                                 "over the EncryptedAssertion (samlify: encryptThenSign: true in the "
                                 "IdentityProvider's settings); or have it sign the Assertion itself, before "
                                 "encrypting it, and not the Response")


def _fingerprints(c: CertInfo) -> str:
    return (f"{c.subject} (SHA-1 {c.sha1}; SHA-256 {c.sha256}; valid {fmt_time(c.not_before)} to "
            f"{fmt_time(c.not_after)}; from {c.origin})")


def _received(msg: SamlMessage, sig: SignatureInfo) -> str:
    """The key a signature carries: its KeyInfo certificates, else its bare key value (RSAKeyValue...)."""
    if sig.embedded_certs:
        return "; ".join(_fingerprints(c) for c in sig.embedded_certs)
    if sig.keyinfo_key:
        return f"KeyInfo holds {sig.keyinfo_key.holds}"
    if sig.failure == "cert-mismatch" and sig.key_bits and not sig.published_signer:
        return f"a {sig.key_bits}-bit key (by its SignatureValue's length; none in KeyInfo)"
    return "none in KeyInfo"


def _where(sig: SignatureInfo) -> str:
    return f"{sig.parent} signature" + (f" (Reference {sig.reference_uri!r})" if sig.reference_uri else "")


def check_signature_present(msg: SamlMessage, ctx: CheckContext):
    """SAML profiles 4.1.3.5: the assertion must be signed, directly or through the Response.
    Spring (SonarQube 25.1+) wants the Response or every assertion signed; so do we."""
    if msg.kind != "Response" or not msg.assertions:
        return
    if any(s.parent in ("Response", "Assertion") for s in msg.signatures):
        return
    if any(s.parent == "ArtifactResponse" for s in msg.signatures):
        # SAML profiles 4.1.3.5 asks for signed assertions when the Response travels through the
        # browser (POST); resolved by artifact, the signed ArtifactResponse on the back channel
        # protects it (bindings 3.6.5.2), and SPs that support the binding accept that. Whether
        # that signature verifies is check_signature_valid's to say.
        return
    if msg.signatures:
        # A ds:Signature elsewhere (in samlp:Extensions, Status, Advice...) may even verify: the
        # enveloped transform removes it wherever it sits. But the schema puts the signature of a
        # SAML element as its own child (SAML core 5.4.1), and SPs only look there (java-saml,
        # OpenSAML, node-saml), so for them the message is unsigned. Say where it is.
        where = ", ".join(sorted({f"<{s.parent}>" + (" (verifies)" if s.verified else "")
                                  for s in msg.signatures}))
        yield finding(msg, "signature-missing",
                      f"neither the Response nor the Assertion carries its own signature: the only "
                      f"ds:Signature sits in {where}, not as a child of the element it signs, where "
                      "SPs look for it; they treat the message as unsigned",
                      expected="ds:Signature as a child of the signed Assertion or Response",
                      actual="ds:Signature in " + where)
        return
    foreign = [fact.split(":", 2)[1:] for fact in msg.structure if fact.startswith("foreign-signature:")]
    if foreign:
        # XML-DSig 4: a Signature is one only in its namespace; OpenSAML, xmlsec and signxml look
        # for {http://www.w3.org/2000/09/xmldsig#}Signature and find none, so the SP says unsigned
        where = "; ".join(f"the {holder}'s <Signature> is in " + (f"the namespace {ns!r}" if ns else "no namespace")
                          for holder, ns in foreign)
        yield finding(msg, "signature-missing",
                      f"neither the Response nor the Assertion carries an XML-DSig signature: {where}, not "
                      f"XML-DSig's {DSIG_NS!r} (XML-DSig 4), so no SP sees a signature there"
                      + (" (its http rewritten to https: every Algorithm URI "
                         "inside is then unknown too)" if any(ns == "https" + DSIG_NS[4:] for _, ns in foreign)
                         else ""),
                      expected=f"ds:Signature in {DSIG_NS}", actual=f"<Signature> in {foreign[0][1] or 'no namespace'}")
        return
    yield finding(msg, "signature-missing", "neither the Response nor the Assertion carries a signature",
                  expected="a signed Assertion or Response", actual="no ds:Signature")


DSIG_NS = NS["ds"]

HOLDERS = ("Response", "Assertion")
"""Where a Response's signatures belong (SAML core 5.4.1: the child of the element it signs)."""


def _stray_state(sig: SignatureInfo) -> str:
    """What became of a stray signature's verification: with no configured key, one that verifies with
    its own KeyInfo is 'intact' (as the report's Signed line says), not 'not verified'."""
    if sig.verified:
        return "verifies"
    if sig.failure is None and (sig.embedded_certs or sig.keyinfo_key):
        return "verifies with the key in its own KeyInfo (no configured certificate to trust)"
    return "was not verified (no key to check it)"


def check_signature_placement(msg: SamlMessage, ctx: CheckContext):
    """A ds:Signature beside the Response's or Assertion's own, held by another element (in
    samlp:Extensions, the Subject, an AttributeValue). It may verify (an enveloped signature over its
    own holder, or over the Response), yet no SP uses it, and java-saml, python3-saml and php-saml
    (SonarQube up to 10.x) refuse the whole Response for it: SamlResponse.processSignedElements walks
    every //ds:Signature and throws 'Invalid Signature Element {ns}local SAML Response rejected'. A
    signed element hidden there is the part a wrapping attack moves aside. Without a signature of
    its own the message is unsigned, which check_signature_present says; a stray that fails to
    verify is check_signature_valid's."""
    if msg.kind != "Response" or not any(s.parent in HOLDERS for s in msg.signatures):
        return
    for sig in msg.signatures:
        if sig.parent in HOLDERS or not (sig.verified or sig.failure in (None, "no-key")):
            continue
        state = _stray_state(sig)
        yield finding(msg, "signature-misplaced",
                      f"a ds:Signature held by <{sig.parent}> ("
                      + (f"ID {sig.parent_id!r}, " if sig.parent_id else "")  # Status, Subject: no ID
                      + f"covering {sig.signed_path or 'nothing'}) {state}, beside the message's own signature: "
                      "SAML puts a signature only as the child of the Response or Assertion it signs; "
                      "java-saml (SonarQube up to 10.x) refuses the Response for it ('Invalid Signature "
                      "Element <holder> SAML Response rejected')",
                      expected="ds:Signature only as a child of the Response or an Assertion",
                      actual=f"ds:Signature in <{sig.parent}>")


def check_sender_signature_placement(msg: SamlMessage, ctx: CheckContext):
    """A request's or LogoutResponse's ds:Signature held by another element than the message itself
    (in samlp:Extensions): the enveloped transform removes it wherever it sits, so it may verify over
    the whole message, but SPs and IdPs look for it as the message's own child (SAML core 5.4.1) and
    treat the message as unsigned: node-saml (xml.ts validateSignature, its test sample
    logoutrequest.root-signed.signature-in-extensions.xml) refuses 'Invalid signature on documentElement'."""
    for sig in msg.signatures:
        if sig.parent == msg.kind or not (sig.verified or sig.failure in (None, "no-key")):
            continue
        state = _stray_state(sig)
        yield finding(msg, "signature-misplaced",
                      f"a ds:Signature held by <{sig.parent}> (covering {sig.signed_path or 'nothing'}) "
                      f"{state}, but a {msg.kind}'s signature belongs as its own child (SAML core 5.4.1): "
                      "SPs look for it there and treat the message as unsigned (node-saml: 'Invalid "
                      "signature on documentElement')",
                      expected=f"ds:Signature as a child of the {msg.kind}", actual=f"ds:Signature in <{sig.parent}>")


def check_encrypted_needs_signed_response(msg: SamlMessage, ctx: CheckContext):
    """Spring Security 5.5+ decrypts an EncryptedAssertion only when the Response is signed
    (spring-security issue 10162). 5.5.x then said 'No assertions found in response'; since issue
    10220 (5.8.x, 6.x: OpenSaml4AuthenticationProvider, BaseOpenSamlAuthenticationProvider
    process()) it says 'Did not decrypt response [<id>] since it is not signed' first. SonarQube
    2025.1+ runs on it and its docs require the Response to be signed when assertions are encrypted."""
    if msg.kind != "Response" or not msg.encrypted_assertion_count:
        return
    if any(s.parent == "Response" for s in msg.signatures):
        return
    yield finding(msg, "response-signature-required",
                  f"{msg.encrypted_assertion_count} EncryptedAssertion(s) in a Response that carries no "
                  f"signature of its own: Spring-based SPs (SonarQube 2025.1+) will say 'Did not decrypt "
                  f"response [{msg.id}] since it is not signed' (Spring Security 5.5.x: 'No assertions found "
                  "in response'); java-saml (SonarQube 10.x and older) accepts a signed inner assertion",
                  expected="a signed Response around the encrypted assertion", actual="unsigned Response")


def check_decrypted_prefixes(msg: SamlMessage, ctx: CheckContext):
    """A signed assertion whose plaintext declares its own prefix for a namespace the Response binds
    to another one (saml.rebound_facts): SPs that splice it with lxml (python3-saml) break the
    exclusive C14N of the signed content and reject a signature that is good."""
    moves = [fact.split(":", 3)[1:] for fact in msg.structure if fact.startswith("prefix-rebound:")]
    if not moves:
        return
    said = "; ".join(f"{uri} as '{_shown_prefix(move.partition('>')[0])}' becomes "
                     f"'{_shown_prefix(move.partition('>')[2])}' in assertion {aid}" for aid, move, uri in moves)
    yield finding(msg, "decrypted-prefix-rebound",
                  f"the decrypted assertion's signature verifies as decrypted, but spliced into the Response "
                  f"with lxml (python3-saml) its prefixes change: {said}; python3-saml then says "
                  "'Signature validation failed. SAML Response rejected'",
                  expected="the decrypted assertion keeps its prefixes (or uses the Response's)",
                  actual=said)


def _shown_prefix(prefix: str) -> str:
    return prefix or "(default namespace)"


def _within(path: str, signed_path: str | None) -> bool:
    """`path` is the signed element or inside it: the signed content holds it, wherever the
    signature sits (a misplaced one is check_signature_present's and placement's to name)."""
    return signed_path is not None and (path == signed_path or path.startswith(signed_path + "/"))


def _wrapping_findings(msg: SamlMessage) -> tuple:
    """signature-wrapping findings: duplicate IDs, an Assertion outside the place SAML puts it, a
    verified signature that does not cover the consumed assertion. One function for check_wrapping
    and for the checks that leave a failed or misplaced signature to it, so that they cannot
    disagree (a suppressed signature-invalid with no wrapping finding said nothing at all).
    Four checks ask of each message: the last message's answer is kept (the message is frozen, and
    held here, so its identity cannot be another's)."""
    if _LAST_WRAPPING[0] is not msg:
        _LAST_WRAPPING[:] = [msg, tuple(_wrapping_of(msg))]
    return _LAST_WRAPPING[1]


_LAST_WRAPPING: list = [None, ()]


def _wrapping_of(msg: SamlMessage) -> list:
    a = consumed_assertion(msg)
    # an ArtifactResponse's signature covers the whole Response it carries: not a wrapping. One whose
    # re-indented copy verifies counts as verified here: a signed Assertion moved under an unsigned one
    # after pretty-printing was only 'xml-reformatted', as if the consumed assertion were what it signs
    verified = [s for s in msg.signatures if (s.verified or s.reformatted and s.failure not in SIGNED_BY_OTHER)
                and s.parent != "ArtifactResponse"]
    out = []
    for fact in msg.structure:
        kind, _, where = fact.partition(":")
        if kind == "duplicate-id":
            out.append(finding(msg, "signature-wrapping",
                               f"the ID {where!r} is used by several elements: which one a signature "
                               "covers and which one an SP uses may differ "
                               f"(signed: {_signed_paths(verified)})",
                               expected="unique IDs", actual=f"duplicate ID {where}"))
        elif kind == "assertion-not-child-of-response" and msg.kind == "Response":
            consumed = (f"the SP would consume {a.path} ({'signed' if a.signed else 'NOT signed'})"
                        if a is not None else "an SP finds no assertion where SAML puts it")
            out.append(finding(msg, "signature-wrapping",
                               f"an Assertion sits at {where}, outside the place SAML puts it; "
                               f"{consumed}; verified signatures cover {_signed_paths(verified)}",
                               expected=a.path if a is not None else "/Response/Assertion", actual=where))
    if msg.kind == "Response" and a is not None and verified and not any(_within(a.path, s.signed_path)
                                                                         for s in verified):
        signed_paths = _signed_paths(verified)
        out.append(finding(msg, "signature-wrapping",
                           f"a signature verifies, but it covers {signed_paths}, not the assertion an "
                           f"SP would consume ({a.path}, ID {a.id!r})",
                           expected=f"signed {a.path}", actual=f"signed {signed_paths}"))
    return out


def _signed_paths(verified: list[SignatureInfo]) -> str:
    """What the verified signatures cover, for a wrapping finding's text (built only for one: the
    three checks that ask _wrapping_findings mostly find none)."""
    return ", ".join(sorted({s.signed_path or "?" for s in verified})) or "nothing"


def _reformatted(msg: SamlMessage, sig: SignatureInfo):
    """A signature that verifies once whitespace is normalised: a log's copy (the logger's whitespace, not
    what travelled) or the bytes as given (changed after signing); with a key the SP does not hold, the
    key is the failure and this note must not say 'nothing to fix' beside it (its own finding says which)."""
    code, copy, how = (("xml-reformatted-by-log", "the log's copy", "the log printed the message re-indented "
                        "or on one line") if msg.printed else
                       ("xml-reformatted", "the bytes as given", "the XML was pretty-printed or re-wrapped after "
                        "signing"))
    if sig.failure not in SIGNED_BY_OTHER:
        wrong_key = "" if msg.printed else ", not signed by a wrong key"
        return finding(msg, code, f"the {_where(sig)} fails on {copy} but verifies once whitespace and line "
                                  f"breaks are normalised: {how}{wrong_key}")
    signer = (f"the IdP metadata's certificate {sig.published_signer.subject}" if sig.published_signer else
              "a key its KeyInfo carries")
    said = "signature-cert-mismatch" if sig.failure == "cert-mismatch" else "signature-invalid"
    return finding(msg, code, f"the {_where(sig)} fails on {copy}; once whitespace and line breaks are normalised "
                              f"it verifies, but only with {signer}: {how}, and the key that signed it is not the "
                              "one the SP holds",
                   hint=f"The whitespace is not what fails the login, the key is: this message's {said} finding "
                        "says which key signed it and what to do.")


def _own_uri(sig: SignatureInfo) -> str:
    """The Reference URI that names the signature's own element (SAML core 5.4.2), or what it lacks."""
    return f"#{sig.parent_id}" if sig.parent_id else f"'#' + the ID of the {sig.parent}, which has none"


def _no_reference_target(msg: SamlMessage, sig: SignatureInfo):
    """A signature whose Reference names no element of the message: it signs nothing (a URI without
    '#', an ID no element carries): node-saml refuses it ('signature reference uri not found' or
    'Invalid signature'), whatever the message."""
    return finding(msg, "signature-reference-invalid",
                   f"the {_where(sig)} has no Reference in its SignedInfo: it signs nothing (XML-DSig "
                   "requires one; SAML core 5.4.2 one pointing at the signed element's ID)"
                   if sig.reference_count == 0 else
                   f"the {_where(sig)} points at no element by SAML's ID attribute: {sig.other_id_path} "
                   "carries it as 'Id' or 'id', which xml-crypto (samlify, node-saml) resolves but xmlsec, "
                   "java-saml, python3-saml and OpenSAML do not (SAML core 1.3.4 names it 'ID'); even so it "
                   f"would sign that element, not the {sig.parent}"
                   if sig.other_id_path else
                   f"the {_where(sig)}'s Reference has no URI attribute: XML-DSig 4.4.3.1 leaves the signed "
                   "object for the verifier to know, xmlsec takes the whole document, but SAML core 5.4.2 "
                   "requires a same-document reference to the signed element's ID, so an SP finds no element "
                   "it signs"
                   if sig.reference_uri is None else
                   f"the {_where(sig)} points at no element of this document",
                   expected=_own_uri(sig), actual=sig.reference_uri if sig.reference_uri is not None
                   else "no URI attribute")


def _doubled_holders(msg: SamlMessage) -> dict[tuple[str, str | None], int]:
    """The elements (local name, ID) that hold more than one ds:Signature, with how many."""
    counts: dict[tuple[str, str | None], int] = {}
    for sig in msg.signatures:
        counts[(sig.parent, sig.parent_id)] = counts.get((sig.parent, sig.parent_id), 0) + 1
    return {holder: n for holder, n in counts.items() if n > 1}


def _doubled(msg: SamlMessage, sig: SignatureInfo):
    """One element holding several ds:Signature (SAML core 5.4.1 gives it one): the enveloped-signature
    transform (XML-DSig 6.6.4) removes only the signature being checked, so the others stay in the
    digested content and the digest fails whatever the key; java-saml, python3-saml, php-saml and
    ruby-saml refuse the Response before any digest ('Duplicated ID. SAML Response rejected')."""
    count = sum(1 for s in msg.signatures if (s.parent, s.parent_id) == (sig.parent, sig.parent_id))
    return finding(msg, "signature-invalid",
                   f"the {sig.parent} (ID {sig.parent_id!r}) holds {count} ds:Signature elements, where SAML "
                   "puts one: the enveloped-signature transform removes only the signature being checked, so "
                   "the other stays in the signed content and the digest cannot match, whatever the key; "
                   "java-saml (SonarQube up to 10.x), python3-saml, php-saml and ruby-saml refuse the Response "
                   "('Duplicated ID. SAML Response rejected')",
                   expected=f"one ds:Signature in the {sig.parent}", actual=f"{count} ds:Signature elements",
                   hint="make the IdP sign each element once (its signing step ran twice, or a second "
                        "signature was added on the way)")


def check_signature_valid(msg: SamlMessage, ctx: CheckContext):
    trusted = ctx.expect.idp_certs
    rotated: dict[str, list[SignatureInfo]] = {}  # received certificates -> signatures made with them
    wrapped = bool(_wrapping_findings(msg))
    unchecked = [s for s in msg.signatures if s.failure == "not-checked"]
    if unchecked:
        yield finding(msg, "signature-invalid",
                      f"{len(unchecked)} more signatures were not verified: a SAML message carries one "
                      f"per Response and Assertion, this one {len(msg.signatures)}",
                      expected="a signature per signed element", actual=f"{len(msg.signatures)} signatures")
    doubled = _doubled_holders(msg)
    for sig in msg.signatures:
        if sig.verified or sig.failure in (None, "no-key", "not-checked"):
            continue
        if sig.failure == "no-reference-target":
            yield _no_reference_target(msg, sig)
            continue
        if sig.failure == "placeholder":
            yield finding(msg, "signature-invalid",
                          f"the {_where(sig)} has no real DigestValue or SignatureValue (empty, or not "
                          "base64: a placeholder such as '[omitted]', or too short for any value: 'XXX'): the "
                          "signature was redacted before "
                          "the message was shared, so it cannot be checked",
                          expected="the message as the IdP sent it", actual="redacted signature values",
                          hint="ask for the unmodified SAMLResponse (a HAR or SAML-tracer capture)",
                          side="user")  # (whoever shared it redacted it: not the IdP's to fix)
            continue
        if sig.failure == "malformed":
            yield finding(msg, "signature-invalid", f"the {_where(sig)} is malformed: {MALFORMED}",
                          expected="ds:SignatureValue and ds:DigestValue in the ds namespace",
                          actual="missing", hint=MALFORMED_HINT)
            continue
        if sig.failure == "uncanonicalizable":
            yield finding(msg, "signature-invalid", f"the {_where(sig)} cannot be checked: {UNCANONICALIZABLE}",
                          expected="namespace declarations with absolute URIs",
                          actual="the signed element cannot be canonicalized", hint=UNCANONICALIZABLE_HINT)
            continue
        if sig.reformatted:
            yield _reformatted(msg, sig)
            if sig.failure not in SIGNED_BY_OTHER:
                continue
        if sig.failure in ("cert-mismatch", "cert-mismatch-and-signature-value"):
            rotated.setdefault(_received(msg, sig), []).append(sig)
            if sig.failure == "cert-mismatch":
                continue
        if wrapped:
            continue  # reported as signature-wrapping, which says more
        if sig.failure == "digest" and (sig.parent, sig.parent_id) in doubled:
            if doubled[(sig.parent, sig.parent_id)]:  # one finding per holder, not per signature
                doubled[(sig.parent, sig.parent_id)] = 0
                yield _doubled(msg, sig)
            continue
        if sig.failure == "digest" and sig.parent == msg.kind and \
                f"signed-before-encryption:{sig.parent_id}" in msg.structure:
            yield finding(msg, "signature-invalid", f"the {_where(sig)} is invalid: {SIGNED_BEFORE_ENCRYPTION}",
                          expected="a signature over the EncryptedAssertion as sent",
                          actual="a signature over the Assertion before encryption",
                          hint=SIGNED_BEFORE_ENCRYPTION_HINT, side="idp")
            continue
        if sig.failure == "undiagnosed":
            yield finding(msg, "signature-invalid", f"the {_where(sig)} does not verify (not diagnosed "
                          "further: several signatures of this message failed)")
            continue
        if sig.failure == "foreign-key-beside-configured":
            yield finding(msg, "signature-invalid",
                          f"the {_where(sig)} verifies only with an unconfigured key its KeyInfo carries, while "
                          "that KeyInfo also shows the configured certificate: a forged message dressed as the "
                          "IdP's, or an IdP sending a stale certificate beside its new key",
                          expected="a signature by the configured certificate's key",
                          actual="a signature by another key in KeyInfo")
            continue
        keys = ("the configured key" + ("s" if len(trusted) > 1 else "") if trusted else
                "the key in its own KeyInfo (no IdP certificate configured)")
        detail = ("the digest of the signed content does not match: the content was changed after "
                  "signing" if sig.failure == "digest" else SIGNED_INFO_CHANGED
                  if sig.failure == "signed-info-changed" else
                  f"the SignatureValue does not verify with {keys} and samlscan cannot recompute the "
                  "Reference's digest (a transform it does not implement): wrong key, or the signed content, "
                  "SignedInfo or SignatureValue changed" if sig.failure == "signature-value-unchecked" else
                  f"the digest matches but the SignatureValue does not verify with {keys}: wrong key, or "
                  "SignedInfo/SignatureValue changed")
        unusable = sig.failure != "digest" and _unusable_keys([c.info for c in trusted] if trusted
                                                              else list(sig.embedded_certs))
        if unusable:  # (no key was tried: 'wrong key' would mislead)
            detail = (f"{keys} is of an algorithm samlscan (xmlsec) cannot use ({unusable}), so its "
                      "SignatureValue cannot be checked here; whether the SP's own library can, its log says")
        # an RSA PKCS#1 v1.5 block that does not decode with the configured key was made by another key
        # (sigverify._rsa_signed_by: one that decodes is 'signed-info-changed'); PSS and ECDSA cannot tell
        other_key = sig.failure == "signature-value" and bool(trusted) and "#rsa-" in (sig.signature_algorithm or "")
        if other_key:
            detail = (f"the digest matches (the signed content is intact) but the SignatureValue was not made "
                      f"by {keys}: a wrong key (a rotated or another one) signed it")
        yield finding(msg, "signature-invalid", f"the {_where(sig)} {'does not verify' if unusable else 'is invalid'}: {detail}",
                      expected="valid " + ("digest" if sig.failure == "digest" else "signature value"),
                      actual="digest mismatch" if sig.failure == "digest" else
                      "a key of an unsupported algorithm" if unusable else "signature value mismatch",
                      hint=SIGNED_INFO_CHANGED_HINT if sig.failure == "signed-info-changed" else
                      UNUSABLE_KEY_HINT if unusable else
                      _another_key_hint(sig, [c.info for c in trusted], ctx) if other_key else None,
                      side="sp" if other_key else None)
    configured = "; ".join(_fingerprints(c.info) for c in trusted) if rotated else ""
    for received, sigs in rotated.items():  # one finding per foreign key, naming every signature
        where = " and ".join(_where(s) for s in sigs)
        why, hint, side = _which_side_rotated(sigs, [c.info for c in trusted], msg, ctx)
        yield finding(msg, "signature-cert-mismatch",
                      f"the {where} {'were' if len(sigs) > 1 else 'was'} made by a key that is not "
                      f"configured. {why}", expected=configured, actual=received, hint=hint, side=side)


UNUSABLE_KEY_HINT = ("Check the signature where that key algorithm is supported (the SP's own log says whether "
                     "it verified), or have the IdP sign with an RSA or EC certificate, which every SAML SP "
                     "supports (XML Signature 1.1 section 6.4 requires RSA-SHA256 and ECDSA-SHA256 of all)")


def _unusable_keys(certs: list[CertInfo]) -> str:
    """'<subject>: unsupported key algorithm <OID>' when every one of `certs` holds a key of an algorithm
    xmlsec and cryptography do not know (GOST, SM2: certs._key_of), so that no verification was tried
    with them; '' otherwise."""
    if not certs or not all(c.key_type.startswith(UNSUPPORTED_KEY) for c in certs):
        return ""
    return "; ".join(dict.fromkeys(f"{c.subject or 'a certificate'}: {c.key_type}" for c in certs))


def _another_key_hint(sig: SignatureInfo, configured: list[CertInfo], ctx: CheckContext) -> str:
    """signature-invalid's fix for an intact content signed by an unconfigured key (codes'
    SIGNED_BY_ANOTHER_KEY_FIX), with what this signature's KeyInfo shows and the setting to change."""
    mine = {c.sha256 for c in configured}
    shown = [c for c in sig.embedded_certs if c.sha256 in mine]
    setting = ctx.expect.setting_name("idp_cert")
    if shown:
        return (f"{SIGNED_BY_ANOTHER_KEY_FIX} Here KeyInfo carries the configured certificate itself "
                f"({_named(shown)}), yet its key did not sign: the IdP sends its old certificate beside its new "
                f"key (or someone else signed under its name); put the metadata's current one in {setting}"
                f"{_rollover_pair(ctx)}.")
    keyinfo = (f"KeyInfo carries {_received(None, sig)}" if sig.embedded_certs or sig.keyinfo_key
               else "KeyInfo carries no certificate")
    return (f"{SIGNED_BY_ANOTHER_KEY_FIX} Here {keyinfo}; {setting} holds "
            f"{'; '.join(_fingerprints(c) for c in configured)}{_rollover_pair(ctx)}.")


def _rollover_pair(ctx: CheckContext) -> str:
    """How to bridge a rollover in the SP's setting. SonarQube holds a single IdP certificate
    (SamlCertificateConverter.toX509Certificate decodes the setting as one certificate; java-saml's
    idp.x509cert before it): there is no pair to configure, the new one replaces the old."""
    if ctx.expect.profile == "sonarqube":
        return " (it holds one certificate: replace the old one)"
    return "; during a rollover configure both"


def _which_side_rotated(sigs: list[SignatureInfo], configured: list[CertInfo], msg: SamlMessage,
                        ctx: CheckContext):
    """(why, hint, side) of signatures by an unconfigured certificate. Usually the IdP rotated to a
    new one (the SP updates: the code's side); but when the certificate it signs with is older than
    the configured one, or expired, the SP was switched first and the IdP still signs with its old
    certificate (the IdP's to switch): downloading 'the current' certificate into the SP would pin
    the old, dying one. With the IdP metadata, an encryption certificate on either side is said."""
    # the certificate that made it: its KeyInfo's, else the metadata's that verifies it
    received = sigs[0].embedded_certs or tuple(s.published_signer for s in sigs[:1] if s.published_signer)
    setting = ctx.expect.setting_name("idp_cert")
    rotated = ("The IdP most likely rotated its signing certificate.",
               "download the IdP's current signing certificate (its metadata or admin console) and set it "
               f"in {setting}{_rollover_pair(ctx)}", None)
    # only a signature that verifies with its KeyInfo certificate tells which key made it
    if all(s.failure == "cert-mismatch" for s in sigs):
        encryption = _encryption_certificate(received, configured, ctx, setting)
        if encryption is not None:
            return encryption
    listed = {c.info.sha256 for _, c in ctx.expect.idp_metadata_certs}
    foreign = _foreign_issuer(msg, ctx) if not any(c.sha256 in listed for c in received) else None
    if foreign is not None:
        # another IdP's key is no rotation of the configured one: dates compared across two IdPs
        # made the OneLogin response checked with Google's metadata 'the SP was switched first'
        # (a certificate the configured IdP's metadata lists is its own, whatever the Issuer says)
        return (f"The message's Issuer {foreign!r} is not the configured IdP "
                f"{ctx.expect.idp_entity_id!r}: another IdP (or another tenant or application of it) "
                "signed it with its own certificate, not a rotated certificate of the configured IdP.",
                "if that IdP is the right one, configure its entity ID and its signing certificate "
                f"({setting}) together; otherwise the login went to the wrong IdP", None)
    # judged when the IdP signed (a saved message years old is not signed by an expired certificate)
    when = msg.issue_instant or ctx.at
    configured = [c for c in configured if when is None or c.not_before <= when]  # it could have used
    if not received or not configured:
        return rotated
    valid = [c for c in configured if when is None or when < c.not_after]
    # older than every configured certificate: with a rollover pair configured, older than the
    # newer one says nothing (the old one is configured too)
    oldest = min(c.not_before for c in configured)
    if when is not None and valid and all(c.not_after <= when for c in received):
        return (f"That certificate expired {fmt_time(max(c.not_after for c in received))}, before the "
                f"message was issued, while the configured one is valid: the IdP still signs with its old "
                "certificate.",
                "make the configured certificate the IdP's active signing certificate (AD FS: Set as "
                "Primary; Entra ID: Make certificate active; Okta: activate it on the application); "
                f"{setting} is already right", "idp")
    if all(c.not_before < oldest for c in received):
        return (f"That certificate (issued {fmt_time(max(c.not_before for c in received))}) is older than "
                f"the configured one (issued {fmt_time(oldest)}): the SP was switched to the new "
                "certificate before the IdP was.",
                "activate the new certificate in the IdP (AD FS: Set as Primary; Entra ID: Make certificate "
                f"active; Okta: activate it), or keep both in {setting} until the IdP switches", "idp")
    published = _published_for_signing(sigs, received, ctx)
    if published:
        return (f"The IdP metadata publishes that certificate for signing ({_named(published)}): the IdP "
                "rotated to it, and the SP still holds the old one.",
                f"paste the metadata's signing certificate ({_named(published)}) into {setting}", None)
    return rotated


def _foreign_issuer(msg: SamlMessage, ctx: CheckContext) -> str | None:
    """The message's Issuer when no Issuer it carries names the configured IdP (letter case,
    whitespace, the scheme, a trailing slash and Entra's two issuer forms of one tenant aside:
    those are the same IdP, told by issuer-mismatch)."""
    want = ctx.expect.idp_entity_id
    issuers = [i for i in [msg.issuer, *(a.issuer for a in msg.assertions)] if i]
    if not want or not issuers:
        return None
    if _idp_key(want) in {_idp_key(i) for i in issuers}:
        return None
    return issuers[0]


_ENTRA_TENANT = lazyre.compile(r"^(?:sts\.windows\.net|sts\.chinacloudapi\.cn|login\.windows\.net|login\."
                               r"microsoftonline\.(?:com|us)|login\.chinacloudapi\.cn|login\.partner\.microsoftonline\.cn)"
                               r"/([0-9a-f-]{36})(?:/v2\.0)?$")


def _idp_key(entity_id: str) -> str:
    """An IdP entity ID as compared for 'same IdP': the scheme, a default port and a trailing
    slash aside; Entra's authorities (sts.windows.net/<tenant>/ in SAML tokens,
    login.microsoftonline.com/<tenant>/v2.0, the US and China clouds) name one tenant; Keycloak
    before 17 served its realms under /auth."""
    key = re.sub(r"^https?://", "", entity_id.strip().lower()).rstrip("/")
    key = re.sub(r"^([^/]+):(?:443|80)(?=/|$)", r"\1", key).replace("/auth/realms/", "/realms/")
    m = _ENTRA_TENANT.match(key)
    return f"entra:{m.group(1)}" if m else key


def _published_for_signing(sigs: list[SignatureInfo], received: tuple[CertInfo, ...],
                           ctx: CheckContext) -> list[CertInfo]:
    """The certificates, among those the signatures verify with (their KeyInfo's), that the IdP
    metadata publishes for signing: the SP's own settings are what it trusts (config), so the
    metadata names the certificate to configure."""
    if not all(s.failure == "cert-mismatch" for s in sigs):
        return []
    signing = {c.info.sha256 for c in ctx.expect.metadata_certs("signing")}
    return [c for c in received if c.sha256 in signing]


def _named(certs) -> str:
    return " and ".join(f"{c.subject} (SHA-1 {c.sha1})" for c in certs)


def _encryption_certificate(received: tuple[CertInfo, ...], configured: list[CertInfo],
                            ctx: CheckContext, setting: str):
    """(why, hint, side) when the IdP metadata (KeyDescriptor use, metadata 2.4.1.1) shows an
    encryption certificate where the signing one belongs: the SP holds the IdP's encryption
    certificate while the message verifies with the metadata's signing one (an admin copied the
    wrong KeyDescriptor), or the IdP signs with its encryption certificate. None otherwise."""
    encryption = {c.info.sha256 for c in ctx.expect.metadata_certs("encryption")}
    if not encryption or not received:
        return None
    signing = {c.info.sha256 for c in ctx.expect.metadata_certs("signing")}
    held = [c for c in configured if c.sha256 in encryption]
    signer = [c for c in received if c.sha256 in signing]
    if held and signer:
        return (f"The configured certificate {_named(held)} is the one the IdP metadata publishes for "
                "encryption (KeyDescriptor use=\"encryption\"), not for signing; the message verifies with "
                f"the metadata's signing certificate {_named(signer)}: the SP was given the wrong certificate.",
                f"paste the IdP's signing certificate (the metadata's KeyDescriptor use=\"signing\": "
                f"{_named(signer)}) into {setting}, in place of the encryption certificate", None)
    if any(c.sha256 in encryption for c in received):
        expected = ctx.expect.metadata_certs("signing")
        instead = (f" instead of its signing certificate{'s' if len(expected) > 1 else ''} "
                   f"{_named(c.info for c in expected)}") if expected else ""
        return ("That certificate is the one the IdP metadata publishes for encryption (KeyDescriptor "
                f"use=\"encryption\"): the IdP signs with its encryption certificate{instead}.",
                "make the IdP sign with the certificate its metadata publishes for signing (AD FS: the "
                "token-signing certificate, not the token-decrypting one; Keycloak: an active key of use SIG); "
                f"do not put the encryption certificate into {setting}", "idp")
    return None


def check_sender_signature(msg: SamlMessage, ctx: CheckContext):
    """An AuthnRequest or Logout message the SP sent, checked with the SP's certificate (--sp-cert):
    an IdP that requires signed requests refuses one that does not verify (Keycloak 'Invalid
    requester', AD FS, Entra). A failed digest means the message was changed, whoever sent it."""
    if msg.kind in IDP_SENT:
        return
    from_sp = sender(msg.kind, msg.issuer, ctx.expect) == "sp"
    for sig in msg.signatures:
        if sig.verified is not False:
            continue
        code = "request-signature-invalid" if from_sp else "signature-invalid"
        if sig.reformatted:  # whoever sent it: whitespace changed after signing, not the content
            yield _reformatted(msg, sig)
            if sig.failure not in SIGNED_BY_OTHER:
                continue
        if sig.failure == "no-reference-target":  # (a Logout message signing nothing passed unremarked)
            yield _no_reference_target(msg, sig)
        elif sig.failure == "digest":
            yield finding(msg, code, f"the {_where(sig)} is invalid: the digest of the signed content does "
                          f"not match: the {msg.kind} was changed after signing",
                          expected="valid digest", actual="digest mismatch")
        elif sig.failure == "signed-info-changed":
            yield finding(msg, code, f"the {_where(sig)} is invalid: {SIGNED_INFO_CHANGED}",
                          expected="valid signature value", actual="signature value mismatch",
                          hint=SIGNED_INFO_CHANGED_HINT)
        elif sig.failure == "malformed":  # (its sender's signer wrote it so: every receiver refuses it)
            yield finding(msg, code, f"the {_where(sig)} is malformed: {MALFORMED}",
                          expected="ds:SignatureValue and ds:DigestValue in the ds namespace",
                          actual="missing", hint=MALFORMED_HINT, side="sp" if from_sp else None)
        elif sig.failure in KEY_FAILURES:
            received = _received(msg, sig)
            if from_sp and ctx.expect.sp_certs:
                yield finding(msg, code, f"the {_where(sig)} does not verify with the SP certificate given: "
                              "the SP signs with another key (an IdP holding that certificate refuses the "
                              "request)", expected="; ".join(_fingerprints(c.info) for c in ctx.expect.sp_certs),
                              actual=received)
            elif msg.issuer is not None and msg.issuer == ctx.expect.idp_entity_id and ctx.expect.idp_certs:
                # the IdP's Logout message: the SP verifies it with the IdP certificate it has
                configured = [c.info for c in ctx.expect.idp_certs]
                why, hint, side = _which_side_rotated([sig], configured, msg, ctx)
                yield finding(msg, "signature-cert-mismatch",
                              f"the {_where(sig)} of the IdP's {msg.kind} does not verify with the configured "
                              f"IdP certificates. {why}", expected="; ".join(_fingerprints(c) for c in configured),
                              actual=received, hint=hint, side=side)


_RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
STRONG_COUNTERPART = {
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-md5": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    # XML Signature 1.1 section 6.4.1 (DSAwithSHA256)
    "http://www.w3.org/2000/09/xmldsig#dsa-sha1": "http://www.w3.org/2009/xmldsig11#dsa-sha256",
    # RFC 4051 2.3.6: an EC key stays EC; 'rsa-sha256' would send its owner to another key (samael's P-256 sample)
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1": "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    "http://www.w3.org/2007/05/xmldsig-more#sha1-rsa-MGF1": "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1",
    "http://www.w3.org/2000/09/xmldsig#hmac-sha1": "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256",
    "http://www.w3.org/2000/09/xmldsig#sha1": "http://www.w3.org/2001/04/xmlenc#sha256",
    "http://www.w3.org/2001/04/xmldsig-more#md5": "http://www.w3.org/2001/04/xmlenc#sha256",
}
"""Each weak algorithm's SHA-256 of the same kind and key: what a weak signature should have used, and only
for the part that is weak (an ECDSA-SHA256 signature with a SHA-1 digest needs a SHA-256 digest, no RSA)."""


def _weak_crypto_fixes(msg: SamlMessage, ctx: CheckContext) -> tuple[str | None, str | None, str | None]:
    """The algorithm fix, the key fix and the side for a weakly signed message: the codes' own (the
    IdP's) unless the SP or an unknown side signed it (an SP's AuthnRequest, Salesforce's RSA-SHA1
    one with a 1024-bit key: 'issue a key in the IdP' sent the admin to the wrong product). The fix
    names the SHA-256 algorithm of the key's kind (STRONG_COUNTERPART): ECDSA-SHA256 for an EC key,
    as 'expected' does; 'RSA-SHA256' sent the owner of a P-256 key to make another key."""
    r = msg.redirect_signature
    weak = [s.signature_algorithm for s in msg.signatures
            if s.signature_algorithm in WEAK_ALGORITHMS or s.digest_algorithm in WEAK_ALGORITHMS]
    weak += [r.sig_alg] if r is not None and r.sig_alg in WEAK_ALGORITHMS else []
    # (a signature algorithm outside the table is SHA-256 already: only its digest is weak)
    strong = " or ".join(dict.fromkeys(STRONG_COUNTERPART.get(a, a).rsplit("#", 1)[-1].upper() for a in weak if a))
    who = sender(msg.kind, msg.issuer, ctx.expect)
    if who == "idp":  # and where the IdP product the Issuer names sets its algorithm
        fix = spec("signature-weak-algorithm").fix
        rsa_only = issuer_product(msg.issuer) in RSA_ONLY_SAML
        if strong and strong != "RSA-SHA256" and not rsa_only:
            fix = f"Configure the IdP to sign with {strong} and digest with SHA-256."
        if rsa_only and any("ecdsa" in (a or "") for a in weak):
            fix = NOT_RSA_ONLY_SIGNING + fix
        return in_idp(fix, "signature-weak-algorithm", msg.issuer), None, None
    signer = "the SP" if who == "sp" else f"the sender of this {msg.kind} (Issuer {msg.issuer or '-'})"
    return (f"Configure {signer} to sign its {msg.kind} with {strong or 'RSA-SHA256'} and digest with SHA-256 "
            "(its SAML library's signature algorithm setting).",
            f"Give {signer} a 2048-bit (or larger) signing key and its new certificate to the other side "
            "(metadata).", "sp" if who == "sp" else None)


def check_redirect_unverifiable(msg: SamlMessage, ctx: CheckContext):
    """A redirect-binding Signature no receiver can verify (redirectsig.unverifiable): the receiver
    refuses the message as if the signature were wrong, whatever key it holds. The sender's to fix."""
    r = msg.redirect_signature
    if r is None or not r.unverifiable:
        return
    who = sender(msg.kind, msg.issuer, ctx.expect)
    signer = {"sp": "the SP", "idp": "the IdP"}.get(who, f"the sender of this {msg.kind} (Issuer {msg.issuer or '-'})")
    yield finding(msg, "request-signature-invalid" if who == "sp" else "redirect-signature-invalid",
                  f"the redirect-binding Signature cannot be verified: {r.unverifiable}",
                  expected="SigAlg http://www.w3.org/2001/04/xmldsig-more#rsa-sha256 (or another XML "
                           "Signature algorithm URI) beside the Signature",
                  actual=f"SigAlg {r.sig_alg!r}" if r.sig_alg else "no SigAlg",
                  hint=f"Configure {signer} to send SigAlg with the URI of the algorithm it signs with "
                       "(its SAML library's signature algorithm setting).",
                  side="sp" if who == "sp" else None)


def _redirect_weak_crypto(msg: SamlMessage, alg_fix, key_fix, side):
    """The query string's signature (SAML bindings 3.4.4.1) is as weak as an XML one with its
    SigAlg or its key."""
    r = msg.redirect_signature
    if r is None:
        return
    where = "the redirect-binding Signature (over the query string)"
    if r.sig_alg in WEAK_ALGORITHMS:
        yield finding(msg, "signature-weak-algorithm", f"{where} uses {r.sig_alg.rsplit('#', 1)[-1]}",
                      # (the SigAlg's SHA-256 of the same key kind: ECDSA-SHA256 for an EC key, RFC 4051 2.3.6)
                      expected=STRONG_COUNTERPART.get(r.sig_alg, _RSA_SHA256), actual=r.sig_alg,
                      hint=alg_fix, side=side)
    cert = r.matched_cert
    if r.verified and cert is not None and cert.key_type == "RSA" and cert.key_bits and cert.key_bits < 2048:
        yield finding(msg, "signature-weak-key", f"{where} was made with a {cert.key_bits}-bit RSA key",
                      expected=">= 2048 bits", actual=f"{cert.key_bits} bits", hint=key_fix, side=side)


def _weak_anywhere(msg: SamlMessage) -> bool:
    """Whether any signature of `msg` (XML or redirect-binding) has a weak algorithm or may have a
    short RSA key: the conditions of check_weak_crypto's findings, loosely (it decides)."""
    r = msg.redirect_signature
    return (r is not None and (r.sig_alg in WEAK_ALGORITHMS or r.matched_cert is not None)) or any(
        sig.signature_algorithm in WEAK_ALGORITHMS or sig.digest_algorithm in WEAK_ALGORITHMS
        or (sig.key_bits is not None and sig.key_bits < 2048) for sig in msg.signatures)


def check_weak_crypto(msg: SamlMessage, ctx: CheckContext):
    if not _weak_anywhere(msg):  # (the fixes' texts are built only for a finding: 25 us a message)
        return
    alg_fix, key_fix, side = _weak_crypto_fixes(msg, ctx)
    yield from _redirect_weak_crypto(msg, alg_fix, key_fix, side)
    by_weak: dict[tuple, list] = {}  # one finding per weak (algorithm, role) set, naming every signature
    for sig in msg.signatures:
        weak = tuple((a, role) for a, role in ((sig.signature_algorithm, "signature"),
                                                (sig.digest_algorithm, "digest")) if a in WEAK_ALGORITHMS)
        if weak:
            by_weak.setdefault(weak, []).append(sig)
    for weak, sigs in by_weak.items():
        # (the URIs in 'actual' only: the message names them as people say them, 'rsa-sha1')
        named = " and ".join(f"{a.rsplit('#', 1)[-1]} ({role})" for a, role in weak)
        yield finding(msg, "signature-weak-algorithm",
                      f"the {' and '.join(_where(s) for s in sigs)} use{'' if len(sigs) > 1 else 's'} {named}",
                      expected=" and ".join(STRONG_COUNTERPART[a] for a, _ in weak),
                      actual=", ".join(a for a, _ in weak), hint=alg_fix, side=side)
    for sig in msg.signatures:
        bits = sig.key_bits
        key_type = sig.matched_cert.key_type if sig.matched_cert else (
            sig.embedded_certs[0].key_type if sig.embedded_certs else "RSA")
        if bits is not None and key_type == "RSA" and bits < 2048:
            yield finding(msg, "signature-weak-key", f"the {_where(sig)} uses a {bits}-bit RSA key",
                          expected=">= 2048 bits", actual=f"{bits} bits", hint=key_fix, side=side)


_UNHELD_EXPIRED = ("This is the certificate the IdP signed with, not one the SP holds: the SP does not verify with "
                   "it, so nothing in the SP is to renew. Make the IdP sign with its current certificate, the one "
                   "the SP holds (the signature-cert-mismatch finding of this message says how).")


def check_certificates(msg: SamlMessage, ctx: CheckContext):
    """Expiry of the configured certificates and of those that signed, at evaluation time; the
    start of those that signed (a configured one not yet valid is a rollover prepared ahead)."""
    if ctx.at is None:
        return
    yield from _signed_too_early(msg, ctx.at, ctx.at_source)
    window = timedelta(days=ctx.expect.expiry_window_days)
    seen = set()
    # a certificate its KeyInfo carries that signed with a key the SP does not hold (cert-mismatch):
    # the SP never verifies with it, so 'configure the new one in the SP' and 'the login still works'
    # were wrong of it beside that failed login (case 28's erin)
    unheld = {c.sha256 for s in msg.signatures if s.failure == "cert-mismatch" for c in s.embedded_certs} \
        if ctx.expect.idp_certs else set()
    certs = [c.info for c in ctx.expect.idp_certs] + [s.matched_cert for s in msg.signatures if s.matched_cert]
    certs += [c for s in msg.signatures for c in s.embedded_certs]
    for c in certs:
        if c.sha256 in seen:
            continue
        seen.add(c.sha256)
        if c.not_after <= ctx.at:
            yield finding(msg, "cert-expired",
                          f"certificate {c.subject} ({c.origin}) expired {fmt_time(c.not_after)}, before "
                          f"{fmt_time(ctx.at)} ({ctx.at_source})",
                          expected=f"valid at {fmt_time(ctx.at)}", actual=f"notAfter {fmt_time(c.not_after)}",
                          hint=_UNHELD_EXPIRED if c.sha256 in unheld else None)
        elif c.not_after <= ctx.at + window:
            days = (c.not_after - ctx.at).days
            yield finding(msg, "cert-expiring-soon",
                          f"certificate {c.subject} ({c.origin}) expires {fmt_time(c.not_after)}, "
                          f"{days} days after {fmt_time(ctx.at)}",
                          expected=f"valid beyond {ctx.expect.expiry_window_days} days",
                          actual=f"notAfter {fmt_time(c.not_after)}")


def _signed_too_early(msg: SamlMessage, at, at_source):
    """The verifying certificates whose notBefore is after `at` (RFC 5280 4.1.2.5: the period
    is notBefore..notAfter; gosaml2 checks both ends against the message's time)."""
    seen = set()
    for sig in msg.signatures:
        c = sig.matched_cert
        if sig.verified and c is not None and c.not_before > at and c.sha256 not in seen:
            seen.add(c.sha256)
            yield finding(msg, "cert-not-yet-valid",
                          f"the {_where(sig)} verified with {c.subject} ({c.origin}), valid only from "
                          f"{fmt_time(c.not_before)}, after {fmt_time(at)} ({at_source})",
                          expected=f"valid at {fmt_time(at)}", actual=f"notBefore {fmt_time(c.not_before)}")


def check_keyinfo_matches(msg: SamlMessage, ctx: CheckContext):
    for sig in msg.signatures:
        if sig.verified and sig.matched_cert and sig.embedded_certs and all(
                c.sha256 != sig.matched_cert.sha256 for c in sig.embedded_certs):
            yield finding(msg, "cert-keyinfo-differs",
                          f"the {_where(sig)} verified with the configured certificate, but KeyInfo "
                          "carries another one",
                          expected=sig.matched_cert.sha256, actual=sig.embedded_certs[0].sha256)
        elif sig.verified and sig.matched_cert and not sig.embedded_certs and sig.keyinfo_key is not None \
                and sig.keyinfo_key.configured == NO_CONFIGURED_KEY:  # a bare key value (XML-DSig 4.5.2)
            yield finding(msg, "cert-keyinfo-differs",
                          f"the {_where(sig)} verified with the configured certificate, but its KeyInfo "
                          f"carries another key: {sig.keyinfo_key.holds}",
                          expected=f"the public key of {sig.matched_cert.subject}",
                          actual=sig.keyinfo_key.holds)


SAML_TRANSFORMS = frozenset({ENVELOPED, EXC_C14N, EXC_C14N + "WithComments"})
"""The transforms SAML core 5.4.4 allows in a SAML signature (OpenSAML's SAMLSignatureProfileValidator
refuses any other)."""
INCLUSIVE_C14N = frozenset({"http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
                            "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
                            "http://www.w3.org/2006/12/xml-c14n11",
                            "http://www.w3.org/2006/12/xml-c14n11#WithComments"})
"""Canonicalizations outside 5.4.4 that leave no content out: java-saml, python3-saml and node-saml
verify them (signxml's default c14n_algorithm is C14N 1.1), OpenSAML refuses them."""


def _transforms_outside_profile(msg: SamlMessage, sig: SignatureInfo):
    """SAML core 5.4.4: enveloped-signature and exclusive C14N only. OpenSAML (Spring, SonarQube
    25.1+) refuses another transform or more than two ('Invalid number of transforms'), node-saml
    more than two ('Invalid signature, too many transforms'); XPath and XSLT transforms run the
    sender's expressions in the verifier and can leave content out of the digest. Inclusive C14N
    only canonicalizes: a warning, as only OpenSAML refuses it."""
    others = [t for t in sig.transforms if t not in SAML_TRANSFORMS]
    foreign = [t for t in others if t not in INCLUSIVE_C14N]
    if foreign or len(sig.transforms) > 2:
        said = ", ".join(repr(t) if t else "(no Algorithm)" for t in foreign)
        why = (f"{len(sig.transforms)} Transforms" + (f", among them {said}" if foreign else "")
               + "; SAML core 5.4.4 allows enveloped-signature and exclusive C14N alone (two at most)")
        yield finding(msg, "signature-transform-invalid", f"the {_where(sig)} lists {why}",
                      expected="enveloped-signature, exclusive C14N", actual=", ".join(sig.transforms))
    elif others:
        yield finding(msg, "signature-transform-inclusive",
                      f"the {_where(sig)} canonicalizes its content with {others[0]!r}, not exclusive C14N "
                      "(SAML core 5.4.4)",
                      expected=EXC_C14N, actual=", ".join(others))


def _beside_consumed(msg: SamlMessage, sig: SignatureInfo) -> bool:
    """A verified signature held outside the very assertion the SP consumes, which it signs (a detached
    signature, samlify's test/misc/response_signed): nothing is moved aside, so not a wrapping."""
    a = consumed_assertion(msg)
    return bool(sig.verified) and a is not None and sig.signed_path == a.path


def _detached(msg: SamlMessage, sig: SignatureInfo):
    """SAML core 5.4.1: signatures MUST be enveloped, the child of the element they sign; SPs that hold
    to it take the assertion as unsigned (node-saml's table counts the layout as an attack, hence the
    code), while xml-crypto's checkSignature (samlify) accepts it. The text says what is there."""
    return finding(msg, "signature-wrapping",
                   f"the {_where(sig)} verifies and covers the assertion an SP consumes ({sig.signed_path}), "
                   f"but it sits outside it, in the {sig.parent}: SAML core 5.4.1 wants an enveloped signature, "
                   "the child of the element it signs. java-saml and python3-saml refuse it ('Found an invalid "
                   "Signed Element. SAML Response rejected'), node-saml and OpenSAML too; samlify (xml-crypto) "
                   "accepts it",
                   expected=(f"#{sig.parent_id}, or " if sig.parent_id else "") + f"the Signature inside {sig.signed_path}",
                   actual=sig.reference_uri,
                   hint="have the IdP put the ds:Signature inside the element it signs (after its Issuer), "
                        "with the enveloped-signature transform")


def check_reference(msg: SamlMessage, ctx: CheckContext):
    """SAML core 5.4.2: one Reference, whose URI is '#' + the ID of the signed element; 5.4.4: only
    the enveloped-signature and exclusive C14N transforms."""
    for sig in msg.signatures:
        yield from _transforms_outside_profile(msg, sig)
    if _wrapping_findings(msg):
        return  # check_wrapping says which element is signed and which is consumed
    for sig in msg.signatures:
        if sig.failure == "no-reference-target":
            continue
        if sig.parent in ("Response", "Assertion") and not sig.covers_parent and _beside_consumed(msg, sig):
            yield _detached(msg, sig)
        elif sig.parent in ("Response", "Assertion") and not sig.covers_parent:
            yield finding(msg, "signature-reference-invalid" if not sig.verified else "signature-wrapping",
                          f"the {_where(sig)} covers {sig.signed_path or 'nothing'}, not its own "
                          f"{sig.parent} (ID {sig.parent_id!r}); {sig.reference_count} Reference(s)",
                          expected=_own_uri(sig), actual=sig.reference_uri)
        elif sig.reference_count != 1:
            # It does cover its own element: more References sign more, no wrapping; but SPs refuse it
            # (node-saml 'Only 1 signed references should be present in signature', php-saml 'Unexpected
            # number of Reference nodes found for signature', OpenSAML's SAMLSignatureProfileValidator).
            yield finding(msg, "signature-reference-invalid",
                          f"the {_where(sig)} carries {sig.reference_count} References; SAML core 5.4.2 "
                          f"allows exactly one, '#' + the ID of the signed {sig.parent or 'element'} "
                          "(node-saml: 'Only 1 signed references should be present in signature')",
                          expected="1 Reference", actual=f"{sig.reference_count} References")


def check_wrapping(msg: SamlMessage, ctx: CheckContext):
    """The assertion an SP consumes must be inside a verified signed element."""
    yield from _wrapping_findings(msg)


def check_comment_injection(msg: SamlMessage, ctx: CheckContext):
    for a in msg.assertions:
        nid = a.name_id
        if nid is not None and nid.naive_value is not None and nid.naive_value != nid.value:
            yield finding(msg, "nameid-comment-injection",
                          f"a comment or processing instruction splits the NameID: a careful SP reads "
                          f"'{nid.value}', a naive one '{nid.naive_value}'",  # (as written: --redact finds them)
                          expected=nid.value, actual=nid.naive_value)
        for attr in a.attributes:
            if attr.naive_values is not None and attr.naive_values != attr.values:
                yield finding(msg, "nameid-comment-injection",
                              f"a comment or processing instruction splits the value of attribute "
                              f"'{attr.name}': a careful SP reads '{', '.join(attr.values)}', a naive one "
                              f"'{', '.join(attr.naive_values)}'",
                              expected=", ".join(attr.values), actual=", ".join(attr.naive_values))


CHECKS = (check_signature_present, check_signature_placement, check_encrypted_needs_signed_response,
          check_decrypted_prefixes,
          check_signature_valid, check_redirect_unverifiable, check_weak_crypto, check_certificates,
          check_keyinfo_matches, check_reference, check_wrapping, check_comment_injection)
