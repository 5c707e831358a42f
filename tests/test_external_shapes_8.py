"""An eighth audit with real third-party SAML, the SP side and logout (tests/data/external8, sources,
commits and licenses in its SOURCES.md): redirect-binding signatures over the query string as
received (SAML bindings 3.4.4.1), AuthnRequests signed both ways, LogoutRequest/LogoutResponse in
both directions and by SOAP. Each sample is read as a file, pasted on stdin and inside a HAR whose
URL holds its exact bytes, and judged as its source's own test judges it:
- python3-saml's tests: a SimpleSAMLphp IdP's (pitbulk.no-ip.org, 2014) signed redirect
  LogoutRequest and LogoutResponse: valid; without their RelayState, or with SigAlg dsa-sha1: invalid;
- instructure/ruby-saml2: AD FS's (Ivy Tech, 2017) LogoutResponse as logged, lower-case %2f and
  the Signature between SAMLResponse and SigAlg: valid; its SigAlg made 'rsa-sha10': unsupported;
- Lasso's tests: an SP's signed AuthnRequest query: valid; reordered with ';' separators: valid;
  one Signature character changed: invalid;
- crewjam/saml: its SP's AuthnRequest signed by redirect and by POST (1024-bit key, RSA-SHA1);
- pysaml2: an SP's LogoutRequest in a SOAP envelope (back channel); login.gov's documented
  LogoutRequest (signed, pretty-printed, KeyInfo certificate cut short by the page);
- zitadel's redirect tests of crewjam's requests: valid; SigAlg changed to rsa-sha256: invalid;
- saml2-js's LogoutRequest without Issuer, which Okta answered with AuthnFailed.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote_plus

from click.testing import CliRunner

from samlscan.cli import main
from samlscan.config import build
from samlscan.engine import analyze

DATA = Path(__file__).resolve().parent / "data" / "external8"
FILES = ("idp_cert", "sp_cert")


def _expect(**flags):
    return build({k: ([str(DATA / v)] if k in FILES else v) for k, v in flags.items()}, None)


def _only(report):
    (m,) = report.messages
    return m


def _read(path: Path, **flags):
    return _only(analyze([str(path)], _expect(**flags)))


def _codes(res) -> set[str]:
    return {f.code for f in res.findings} - {"checks-skipped"}


def _text(path: Path, text: str, **flags):
    """The message of `text` written to `path` (a variant of a stored sample, made by code)."""
    path.write_text(text, encoding="utf-8")
    return _read(path, **flags)


def _har(tmp_path: Path, url: str, started: str, **flags):
    """The message of a HAR whose one GET request has exactly `url` (Chrome keeps a URL's bytes)."""
    entry = {"startedDateTime": started, "time": 1, "cache": {}, "timings": {"send": 0, "wait": 0, "receive": 0},
             "request": {"method": "GET", "url": url, "httpVersion": "HTTP/1.1", "headers": [],
                         "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
             "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [],
                          "cookies": [], "content": {"size": 0, "mimeType": "text/html"}, "redirectURL": "",
                          "headersSize": -1, "bodySize": 0}}
    path = tmp_path / "capture.har"
    path.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"},
                                        "entries": [entry]}}), encoding="utf-8")
    return _read(path, **flags)


def _stdin(text: str, *flags: str) -> dict:
    """`samlscan check -` with the text pasted: the JSON message."""
    r = CliRunner().invoke(main, ["check", "-", "--format", "json", *flags], input=text, catch_exceptions=False)
    (m,) = json.loads(r.stdout)["messages"]
    return m


# --- a SimpleSAMLphp IdP's redirect logout messages, python3-saml's tests ------------------------------

def _python3_saml_url(name: str) -> str:
    """The URL python3-saml verifies: its test's decoded parameters encoded as it encodes them
    (quote_plus, upper-case escapes), SAMLRequest|SAMLResponse, RelayState, SigAlg, Signature."""
    params = json.loads((DATA / f"{name}.params.json").read_text(encoding="utf-8"))
    return "http://stuff.com/endpoints/endpoints/sls.php?" + "&".join(f"{k}={quote_plus(v)}" for k, v in params.items())


SSP = {"idp_cert": "onelogin-python3-saml-idp.crt"}


def test_simplesamlphp_redirect_logout_messages_verify_as_python3_saml_verifies_them(tmp_path):
    for name, kind, at in (("simplesamlphp-logout-response", "LogoutResponse", "2014-03-20T16:17:40Z"),
                           ("simplesamlphp-logout-request", "LogoutRequest", "2014-03-20T16:26:55Z")):
        url = _python3_saml_url(name)
        assert (DATA / f"{name}.url").read_text(encoding="utf-8").strip() == url
        res = _read(DATA / f"{name}.url", at=at, **SSP)
        m = res.message
        assert (m.kind, m.binding, m.issuer) == (kind, "redirect", "https://pitbulk.no-ip.org/simplesaml/saml2/idp/metadata.php")
        assert m.redirect_signature.verified is True
        assert "CN=feide.erlang.no" in m.redirect_signature.matched_cert.subject
        assert "redirect-signature-invalid" not in _codes(res)
        har = _har(tmp_path, url, at.replace("Z", ".000Z"), **SSP)
        assert (har.message.kind, har.message.redirect_signature.verified) == (kind, True)
        pasted = _stdin(url + "\n", "--idp-cert", str(DATA / SSP["idp_cert"]), "--at", at)
        assert pasted["redirect_signature"]["verified"] is True
        # the parameters in another order: the signed octets are rebuilt in the binding's order
        base, query = url.split("?")
        reordered = _text(tmp_path / "reordered.url", base + "?" + "&".join(reversed(query.split("&"))), **SSP)
        assert reordered.message.redirect_signature.verified is True
        # python3-saml: 'invalid_logout_..._signature' once RelayState is gone
        dropped = _text(tmp_path / "no-relaystate.url", re.sub(r"&RelayState=[^&]*", "", url), **SSP)
        assert dropped.message.redirect_signature.verified is False
        assert "redirect-signature-invalid" in _codes(dropped)
        # re-encoded with lower-case escapes it is another query string than the one signed
        lower = _text(tmp_path / "lower.url", re.sub(r"%[0-9A-F]{2}", lambda x: x.group().lower(), url), **SSP)
        assert lower.message.redirect_signature.verified is False


def test_a_sha1_redirect_signature_is_as_weak_as_a_sha1_xml_signature():
    """SigAlg rsa-sha1 over the query string said nothing, where rsa-sha1 in an XML signature is
    signature-weak-algorithm (Shibboleth IdP 4 excludes SHA-1 by default): 'no findings'."""
    res = _read(DATA / "simplesamlphp-logout-response.url", at="2014-03-20T16:17:40Z", **SSP)
    (weak,) = [f for f in res.findings if f.code == "signature-weak-algorithm"]
    assert "redirect-binding Signature" in weak.message_text
    assert weak.actual == "http://www.w3.org/2000/09/xmldsig#rsa-sha1"


def test_a_dsa_sigalg_over_an_rsa_signature_is_invalid(tmp_path):
    """python3-saml's test sets SigAlg dsa-sha1 (which SAML bindings 3.4.4.1 names) on the RSA
    signature: invalid. samlscan knew no DSA and said 'not verified: no certificate of its sender
    configured', with the IdP's certificate given."""
    url = _python3_saml_url("simplesamlphp-logout-response").replace("rsa-sha1", "dsa-sha1")
    res = _text(tmp_path / "dsa.url", url, at="2014-03-20T16:17:40Z", **SSP)
    assert res.message.redirect_signature.verified is False
    assert "redirect-signature-invalid" in _codes(res)


# --- AD FS's LogoutResponse as logged, instructure/ruby-saml2 ------------------------------------------

ADFS = {"idp_cert": "adfs-ivytech-idp.crt"}


def test_adfs_logout_response_with_lower_case_escapes_and_signature_in_the_middle_verifies(tmp_path):
    path = DATA / "adfs-ivytech-logout-response.url"
    url = path.read_text(encoding="utf-8").strip()
    for res in (_read(path, **ADFS), _har(tmp_path, "https://ivytech.instructure.com" + url,
                                          "2017-04-13T14:49:10.000Z", **ADFS)):
        m = res.message
        assert (m.kind, m.issuer, m.status.code.rsplit(":", 1)[-1]) == (
            "LogoutResponse", "http://adfs.ivytech.edu/adfs/services/trust", "Success")
        assert m.redirect_signature.verified is True
        assert "CN=adfs.ivytech.edu" in m.redirect_signature.matched_cert.subject
    assert _stdin(url, "--idp-cert", str(DATA / ADFS["idp_cert"]))["redirect_signature"]["verified"] is True
    # ruby-saml2 'raises on invalid signature' with another certificate
    other = _read(path, idp_cert="onelogin-python3-saml-idp.crt")
    assert other.message.redirect_signature.verified is False and "redirect-signature-invalid" in _codes(other)
    # its Issuer is no configured party: the text names the certificates given, not 'SP and IdP'
    (f,) = [f for f in other.findings if f.code == "redirect-signature-invalid"]
    assert f.message_text.endswith("with the configured IdP certificates")


def test_an_unsupported_sigalg_is_said_unverifiable_not_unconfigured(tmp_path):
    """ruby-saml2 'raises on unsupported signature algorithm' (SigAlg ...rsa-sha10):
    UnsupportedSignatureAlgorithm. samlscan said 'not verified: no certificate of its sender
    configured' with the certificate given, and no finding."""
    url = (DATA / "adfs-ivytech-logout-response.url").read_text(encoding="utf-8").strip() + "0"
    res = _text(tmp_path / "sha10.url", url, **ADFS)
    r = res.message.redirect_signature
    assert r.verified is None and "rsa-sha10" in r.unverifiable
    (f,) = [f for f in res.findings if f.code == "redirect-signature-invalid"]
    assert "cannot be verified" in f.message_text and "Issuer http://adfs.ivytech.edu" in f.hint
    pasted = _stdin(url, "--idp-cert", str(DATA / ADFS["idp_cert"]))
    assert pasted["redirect_signature"]["unverifiable"] and any(
        x["code"] == "redirect-signature-invalid" for x in pasted["findings"])
    # the rsa-sha256 name under the rsa-sha1 namespace: the right URI is named
    wrong_ns = _text(tmp_path / "ns.url", url[:-1].replace("rsa-sha1", "rsa-sha256"), **ADFS)
    assert "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" in wrong_ns.message.redirect_signature.unverifiable


def test_a_signature_without_sigalg_is_not_nothing_signed(tmp_path):
    """A Signature parameter without SigAlg was 'nothing is signed' (and a bare query string of it
    the HTTP-POST binding): SAML bindings 3.4.4.1 requires SigAlg with it, receivers cannot verify it."""
    from samlscan.report.table import header_rows

    url = (DATA / "adfs-ivytech-logout-response.url").read_text(encoding="utf-8").strip()
    res = _text(tmp_path / "nosigalg.url", re.sub(r"&SigAlg=[^&]*", "", url), **ADFS)
    assert "no SigAlg" in res.message.redirect_signature.unverifiable
    assert "UNVERIFIABLE" in dict(header_rows(res))["Signed"]
    assert "redirect-signature-invalid" in _codes(res)
    query = (DATA / "lasso-query1.txt").read_text(encoding="utf-8").strip()
    bare = _text(tmp_path / "bare.txt", re.sub(r"&SigAlg=[^&]*", "", query), sp_cert="lasso-sp5-saml2.crt")
    assert bare.message.binding == "redirect"
    assert "request-signature-invalid" in _codes(bare)  # the SP's AuthnRequest: the SP's to fix


# --- Lasso's query-string verification tests -----------------------------------------------------------

LASSO = {"sp_cert": "lasso-sp5-saml2.crt"}


def test_lasso_queries_verify_as_lasso_verifies_them(tmp_path):
    good = _read(DATA / "lasso-query1.txt", **LASSO)
    m = good.message
    assert (m.kind, m.issuer, m.redirect_signature.verified) == ("AuthnRequest", "http://sp5/metadata", True)
    assert "request-signature-invalid" not in _codes(good)
    altered = _read(DATA / "lasso-query3-altered.txt", **LASSO)
    assert altered.message.redirect_signature.verified is False
    assert "request-signature-invalid" in _codes(altered)
    query = (DATA / "lasso-query1.txt").read_text(encoding="utf-8").strip()
    assert _har(tmp_path, "https://idp.example/sso?" + query, "2010-02-10T00:18:25.000Z",
                **LASSO).message.redirect_signature.verified is True


def test_a_query_separated_by_semicolons_is_read_as_lasso_reads_it(tmp_path):
    """Lasso validates its query reordered with ';' between the parameters (HTML 4.01 B.2.2);
    samlscan read the Signature value up to the end and said 'a SAMLResponse/SAMLRequest parameter
    is named but no value follows it'."""
    path = DATA / "lasso-query2-semicolons.txt"
    assert _read(path, **LASSO).message.redirect_signature.verified is True
    text = path.read_text(encoding="utf-8").strip()
    assert _har(tmp_path, "https://idp.example/sso?" + text, "2010-02-10T00:18:25.000Z",
                **LASSO).message.redirect_signature.verified is True
    # a ';' inside a value that names no parameter stays in it (RelayState '/app;jsessionid=1')
    from samlscan.inputs.blob import from_query
    from samlscan.model import Source

    (raw,) = from_query("https://sp/sso?SAMLRequest=abc&RelayState=%2Fapp;jsessionid=1&SigAlg=x&Signature=y",
                        Source("t"))
    assert raw.signed_query == "SAMLRequest=abc&RelayState=%2Fapp;jsessionid=1&SigAlg=x"


# --- crewjam/saml's SP requests ------------------------------------------------------------------------

CREWJAM = {"sp_cert": "crewjam-sp.crt"}


def test_crewjam_signed_redirect_request_verifies_and_its_1024_bit_key_is_weak(tmp_path):
    """A 1024-bit key signing the query string said nothing; the same key in the POST binding's XML
    signature is signature-weak-key."""
    res = _read(DATA / "crewjam-signed-authnrequest.query", **CREWJAM)
    m = res.message
    assert (m.kind, m.issuer, m.redirect_signature.verified) == (
        "AuthnRequest", "https://15661444.ngrok.io/saml2/metadata", True)
    (key,) = [f for f in res.findings if f.code == "signature-weak-key"]
    assert "redirect-binding" in key.message_text and key.actual == "1024 bits" and key.side == "sp"
    post = _read(DATA / "crewjam-signed-authnrequest-post.xml", **CREWJAM)
    assert [s.verified for s in post.message.signatures] == [True]
    assert {"signature-weak-key", "signature-weak-algorithm"} <= _codes(post)
    assert not {"request-signature-invalid", "xml-reformatted"} & _codes(post)


def test_a_pretty_printed_signed_request_is_said_reformatted_not_changed(tmp_path):
    """The SP's signed AuthnRequest pretty-printed after signing verifies once whitespace is
    normalised (sigverify knew: reformatted), yet was 'the AuthnRequest was changed after signing'
    where a Response says xml-reformatted."""
    from lxml import etree

    root = etree.fromstring((DATA / "crewjam-signed-authnrequest-post.xml").read_bytes())
    etree.indent(root)
    res = _text(tmp_path / "pretty.xml", etree.tostring(root).decode(), **CREWJAM)
    assert "xml-reformatted" in _codes(res)
    assert "request-signature-invalid" not in _codes(res)


# --- back channel and documentation --------------------------------------------------------------------

def test_pysaml2_soap_logout_request_is_read_inside_its_envelope():
    res = _read(DATA / "pysaml2-soap-logout-request.xml", sp_entity_id="http://lingon.ladok.umu.se:8087/sp.xml")
    m = res.message
    assert (m.kind, m.id, m.logout_name_id, m.session_indexes) == (
        "LogoutRequest", "id-29c2924575e4868be784e75f90cc4cc0", "id-914783631df0102d24fed9904d0b1738", ())
    assert not m.signatures and _codes(res) == set()


def test_logingov_documented_logout_request_with_a_cut_certificate():
    """login.gov's page shows an SP's signed LogoutRequest pretty-printed, its KeyInfo certificate
    cut short: nothing verifies it; with a certificate given, the changed content is said."""
    res = _read(DATA / "logingov-docs-logout-request.xml")
    (sig,) = res.message.signatures
    assert sig.verified is None and _codes(res) == set()
    other = _read(DATA / "logingov-docs-logout-request.xml", sp_cert="crewjam-sp.crt",
                  sp_entity_id="urn:gov:gsa:SAML:2.0.profiles:sp:sso:rails-int")
    (f,) = [f for f in other.findings if f.code == "request-signature-invalid"]
    assert "changed after signing" in f.message_text


# --- zitadel's redirect tests with crewjam's requests; saml2-js's LogoutRequest to Okta ----------------

def _zitadel_url() -> str:
    """zitadel's `element` (the signed octets) with its `sig` as the Signature parameter."""
    case = json.loads((DATA / "zitadel-crewjam-redirect.json").read_text(encoding="utf-8"))
    return "http://localhost:50002/saml/SSO?" + case["element"] + "&Signature=" + quote_plus(case["sig"])


def test_zitadel_crewjam_redirect_request_verifies_and_a_changed_sigalg_does_not(tmp_path):
    sp = {"sp_cert": "zitadel-crewjam-sp.crt"}
    res = _text(tmp_path / "z.url", _zitadel_url(), **sp)
    m = res.message
    assert (m.kind, m.issuer, m.redirect_signature.verified) == (
        "AuthnRequest", "http://localhost:8000/saml/metadata", True)
    # zitadel's 'crewjam wrong sigalg': SigAlg rsa-sha256 over a signature made with rsa-sha1
    wrong = _text(tmp_path / "w.url", _zitadel_url().replace("xmldsig%23rsa-sha1", "xmldsig-more%23rsa-sha256")
                  .replace("2000%2F09", "2001%2F04"), **sp)
    assert wrong.message.redirect_signature.verified is False
    assert "request-signature-invalid" in _codes(wrong)


def test_a_logout_request_without_issuer_is_said_so():
    """saml2-js (Clever/saml2 #138) sent Okta a LogoutRequest without Issuer; Okta answered
    AuthnFailed. SAML profiles 4.4.4.1 require the Issuer; samlscan said 'no findings'."""
    res = _read(DATA / "saml2js-okta-logout-request-no-issuer.xml")
    assert res.message.issuer is None
    (f,) = [f for f in res.findings if f.code == "request-issuer-missing"]
    assert "LogoutRequest has no Issuer" in f.message_text
    # the same SP-side messages with their Issuer have none of it
    assert "request-issuer-missing" not in _codes(_read(DATA / "pysaml2-soap-logout-request.xml"))
    assert "request-issuer-missing" not in _codes(_read(DATA / "crewjam-signed-authnrequest-post.xml"))


def test_a_semicolon_separates_parameters_only_in_a_query_without_ampersands():
    """Lasso's query has no '&': its ';' separate. In a query with '&' every ';' is part of a value,
    as SPs splitting on '&' read it: a raw RelayState '/a;RelayState=b' stays one value (it was cut,
    and the signature over the query no longer verified)."""
    from samlscan.inputs import blob, har

    assert [(n, r) for n, r, _ in har.split_query("SAMLRequest=x&RelayState=/a;RelayState=b&SigAlg=y")] == [
        ("SAMLRequest", "x"), ("RelayState", "/a;RelayState=b"), ("SigAlg", "y")]
    assert [n for n, _, _ in har.split_query("SAMLRequest=x;RelayState=r;SigAlg=y")] == [
        "SAMLRequest", "RelayState", "SigAlg"]
    assert blob.signed_octets("https://sp/slo?SAMLRequest=x&RelayState=/a;RelayState=b&SigAlg=y&Signature=s") == \
        "SAMLRequest=x&RelayState=/a;RelayState=b&SigAlg=y"


def test_each_query_of_a_paste_decides_its_own_separator(tmp_path):
    """Lasso's ';' query pasted with a Referer line holding '&': the '&' elsewhere made the whole
    paste split on '&' only (input-not-saml); each query string decides for itself."""
    from samlscan.inputs import blob

    text = ("GET https://idp.example/sso?SAMLRequest=abc;RelayState=r;SigAlg=s;Signature=t HTTP/1.1\n"
            "Referer: https://sp5/login?a=1&b=2\n")
    assert blob.signed_octets(text) == "SAMLRequest=abc&RelayState=r&SigAlg=s"


def test_an_ecdsa_query_signature_in_der_verifies():
    """Java's and OpenSSL's ECDSA signing APIs write the signature as DER (a SEQUENCE of r and s);
    XML Signature, and xmlsec, take r||s: a DER one 'did not verify' with the right key."""
    import base64
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from samlscan.certs import load_certs
    from samlscan.inputs.base import RawMessage
    from samlscan.model import Source
    from samlscan.redirectsig import verify_redirect

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idp.example.org")])
    start = datetime.datetime(2025, 1, 1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(start).not_valid_after(start + datetime.timedelta(days=3650))
            .sign(key, hashes.SHA256()))
    trusted = tuple(load_certs(cert.public_bytes(serialization.Encoding.PEM), "ec.crt"))
    alg = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
    query = "SAMLRequest=abc&SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23ecdsa-sha256"

    def verified(signature: bytes):
        raw = RawMessage(Source("x"), "SAMLRequest", "abc", "redirect", signed_query=query, sig_alg=alg,
                         signature=base64.b64encode(signature).decode())
        return verify_redirect(raw, trusted).verified

    der = key.sign(query.encode(), ec.ECDSA(hashes.SHA256()))
    assert verified(der) is True
    assert verified(key.sign(b"another query", ec.ECDSA(hashes.SHA256()))) is False
