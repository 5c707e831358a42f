"""Fuzzing round 16: the code merged in the last hours under hostile and look-alike input: shibd.log's
held per-thread failed checks (logs/shibboleth.py _Detail), XML inside JSON strings
(logs/embedded.py json_unescaped, flattened), the 'line-breaks' signature variant (sigverify.py
_line_breaks_copy) and the Reference to an 'Id' attribute (_other_id_path). Growth is compared
between two sizes (tests/growth_util.py), never an absolute time.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from samlscan import engine, logs
from samlscan.model import LogEvent
from tests.growth_util import assert_linear

_T0 = datetime(2025, 3, 11, 8, 0, 0)
_CHECK = "ERROR OpenSAML.SecurityPolicyRule.BearerConfirmation {ndc}: bearer confirmation has expired"
_PROBLEM = ("WARN Shibboleth.SSO.SAML2 {ndc}: detected a problem with assertion: Unable to locate "
            "satisfiable bearer SubjectConfirmation in assertion.")
_REFUSAL = "WARN Shibboleth.SSO.SAML2 {ndc}: error processing incoming assertion: {text}"
_START = "DEBUG Shibboleth.SSO.SAML2 {ndc}: processing message against SAML 2.0 SSO profile"
_GENERIC = "Unable to locate satisfiable bearer SubjectConfirmation in assertion."
_NO_ASSERTION = "Incoming message contained no SAML assertions."


def _sp(at: datetime, template: str, thread: int | None, text: str = "") -> str:
    ndc = f"[{thread}] [default]" if thread is not None else ""
    line = f"{at:%Y-%m-%d %H:%M:%S} " + template.format(ndc=ndc, text=text)
    return line.replace(" :", ":")  # (no NDC: 'Category: message')


def _failures(tmp_path: Path, lines: list[str], name: str = "shibd.log") -> list[LogEvent]:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    found = engine.sniff(engine.read_head(str(path)))
    assert found.parser is not None and found.parser.name == "shibboleth"
    return [r for r in logs.parse_file(str(path), timezone.utc, found.parser)
            if isinstance(r, LogEvent) and r.outcome == "failure"]


# --- shibboleth.py: a thread's failed check held for its refusal --------------------------------

def test_a_settled_check_of_an_earlier_message_is_not_a_later_refusals_cause(tmp_path):
    """Fails on the old code (the later refusal was subject-confirmation-expired). At shibd.logger's
    default INFO level no 'processing message against' line (DEBUG) ends the first message, so the
    settled check stayed held for the thread, and the next refusal of that thread, an hour later,
    took its cause."""
    later = _T0 + timedelta(hours=1)
    got = _failures(tmp_path, [_sp(_T0, _CHECK, 8), _sp(_T0, _PROBLEM, 8),
                               _sp(later, _REFUSAL, 8, _NO_ASSERTION)])
    assert [(e.time.replace(tzinfo=None), e.code) for e in got] == [(later, "assertion-missing")]


def test_a_stale_unsettled_check_is_its_own_failure_and_the_refusal_its_own(tmp_path):
    later = _T0 + timedelta(minutes=5)
    got = _failures(tmp_path, [_sp(_T0, _CHECK, 8), _sp(later, _REFUSAL, 8, _NO_ASSERTION)])
    assert sorted(e.code for e in got) == ["assertion-missing", "subject-confirmation-expired"]


@pytest.mark.parametrize("gap", [0, 1, 5])
def test_the_check_just_before_its_refusal_is_its_cause(tmp_path, gap):
    """The rule logs and throws, the ACS refuses in the same moment (shibd.log: whole seconds)."""
    got = _failures(tmp_path, [_sp(_T0, _CHECK, 8), _sp(_T0 + timedelta(seconds=gap), _REFUSAL, 8, _GENERIC)])
    assert [e.code for e in got] == ["subject-confirmation-expired"]


def test_impossible_dates_never_raise(tmp_path):
    """_SP_LINE takes any digits: a month 13 has no time; the held check then cannot go stale."""
    lines = [_sp(_T0, _CHECK, 8).replace("2025-03-11", "2025-13-45"),
             _sp(_T0, _REFUSAL, 8, _GENERIC).replace("2025-03-11", "2025-99-99"),
             _sp(_T0, _CHECK, 9), _sp(_T0, _REFUSAL, 9, _GENERIC).replace("08:00:00", "99:99:99")]
    got = _failures(tmp_path, lines)
    assert [e.code for e in got] == ["subject-confirmation-expired", "subject-confirmation-expired"]


def test_interleaved_threads_each_take_their_own_check(tmp_path):
    """n threads log their checks, then refuse in the reverse order: each refusal takes its own
    thread's cause; a thread whose message ended well (settled, no refusal) adds nothing."""
    n = 50
    checks = [_sp(_T0, _CHECK if i % 2 else _CHECK.replace("has expired", "failed with recipient mismatch"), i)
              for i in range(n)]
    refusals = [_sp(_T0, _REFUSAL, i, _GENERIC) for i in reversed(range(n)) if i % 5]
    settled = [_sp(_T0, _PROBLEM, i) for i in range(n) if not i % 5]
    got = _failures(tmp_path, checks + settled + refusals)
    want = ["subject-confirmation-expired" if i % 2 else "recipient-mismatch" for i in reversed(range(n)) if i % 5]
    assert [e.code for e in got] == want


def _threads(n: int, refused: bool) -> list[str]:
    """n threads each with a failed check: refused a second later, or never (a log cut short), after
    a storm of 'processing message against' lines of other threads."""
    lines = []
    for i in range(n):
        at = _T0 + timedelta(seconds=i // 10)
        lines += [_sp(at, _START, i), _sp(at, _CHECK, i), _sp(at, _START, n + i), _sp(at, _START, n + i)]
        if refused:
            lines.append(_sp(at, _REFUSAL, i, _GENERIC))
    return lines


@pytest.mark.parametrize("refused", [True, False])
def test_thousands_of_threads_in_linear_time(tmp_path, refused):
    got = _failures(tmp_path, _threads(3000, refused))
    assert len(got) == 3000 and {e.code for e in got} == {"subject-confirmation-expired"}
    assert_linear(lambda lines: _failures(tmp_path, lines, "grow.log"), lambda n: _threads(n, refused), 2000)


# --- sigverify.py: References to an 'Id'/'id' attribute, many signatures ---------------------------

def _signed_by_others(n: int) -> bytes:
    """A Response of n Assertions, each with a Signature whose Reference names an 'Id' (even ones),
    an 'id' (every third) or nothing in the document."""
    parts = []
    for i in range(n):
        ref = f"#other{i}" if i % 2 == 0 else f"#lower{i}" if i % 3 == 0 else f"#nothing{i}"
        parts.append(f'<saml:Assertion ID="a{i}"><saml:Issuer Id="other{i}">i</saml:Issuer>'
                     f'<saml:Subject id="lower{i}"/><ds:Signature><ds:SignedInfo>'
                     f'<ds:Reference URI="{ref}"/></ds:SignedInfo></ds:Signature></saml:Assertion>')
    return (b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
            b'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" '
            b'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" ID="r" Id="other0">'
            + "".join(parts).encode() + b"</samlp:Response>")


def _other_paths(doc: bytes) -> list:
    from lxml import etree

    from samlscan import sigverify
    result = sigverify.verify_document(etree.fromstring(doc), ())
    return [info.other_id_path for _sig, info in result.signatures]


def test_a_reference_to_an_id_attribute_names_the_first_element_carrying_it():
    paths = _other_paths(_signed_by_others(7))
    assert paths[0] is not None and "Assertion" not in paths[0]  # the Response carries Id="other0" first
    assert "Issuer" in paths[2] and "Issuer" in paths[4] and "Issuer" in paths[6]
    assert "Subject" in paths[3]
    assert paths[1] is None and paths[5] is None


def test_many_references_to_no_id_in_linear_time():
    """Each such signature walked the whole document (_other_id_path): 100 Assertions 0.4 s, 400
    took 5 s. The Id/id index is built once per document."""
    assert_linear(_other_paths, _signed_by_others, 300)


# --- sigverify.py: the 'line-breaks' variant never lets a changed value verify ----------------------

def _flat_response():
    import sys

    from lxml import etree
    root_dir = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root_dir / "fixtures"))
    import gen_monolog20
    text = (root_dir / "fixtures" / "responses" / "valid" / "okta-pretty-signed.xml").read_text()
    return etree.fromstring(gen_monolog20.one_line(text).encode())


def _changes(root):
    """(where, change) for each value a signature covers: a space put into (or, where it holds one, a
    line break put for the first space of) each non-blank text and attribute value, the spaces a
    flattening log writes and the variant rewrites."""
    from samlscan.sigverify import DS
    for n, el in enumerate(root.iter("*")):
        if el.tag.startswith(DS):  # (SignedInfo and its values: a change there is a changed signature)
            continue
        if el.text and el.text.strip():
            yield n, "text", None
        for name in el.attrib:
            yield n, "attr", name


def _changed(root, n: int, kind: str, name, how: str):
    import copy as _copy
    doc = _copy.deepcopy(root)
    el = list(doc.iter("*"))[n]
    value = el.text if kind == "text" else el.get(name)
    half = len(value) // 2
    new = (value[:half] + " " + value[half:]) if how == "space" else (
        value.replace(" ", "\n", 1) if " " in value else value + "\n")
    if kind == "text":
        el.text = new
    else:
        el.set(name, new)
    return doc


@pytest.mark.parametrize("how", ["space", "line-break"])
def test_a_changed_value_never_verifies_under_any_variant(how):
    """The flattened copy of a valid response is 'reformatted' (it verifies once the line breaks are
    back); the same copy with a space, or a line break for a space, in any covered value verifies
    under no variant."""
    from samlscan import sigverify
    from samlscan.xmlsafe import element_path
    root = _flat_response()
    base = sigverify.verify_document(root, ())
    assert [info.reformatted for _s, info in base.signatures] == [True, True]
    tried = 0
    for n, kind, name in _changes(root):
        if kind == "attr" and name in ("ID",):
            continue  # (an ID changed is a Reference to nothing: no variant is tried)
        doc = _changed(root, n, kind, name, how)
        where = element_path(list(doc.iter("*"))[n])
        covering = [info for _s, info in sigverify.verify_document(doc, ()).signatures
                    if (where + "/").startswith(info.signed_path + "/")]
        assert covering and not any(info.verified or info.reformatted for info in covering), (where, kind, name)
        tried += 1
    assert tried > 20


def _signed_with_value(value: str) -> bytes:
    """A pretty-printed Assertion whose AttributeValue is `value`, signed (fixtures/samlgen, the
    TEST-ONLY key idp) as an IdP signs it."""
    import sys

    from lxml import etree
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
    from samlgen import keys, signer
    from samlgen.content import Style
    root = etree.fromstring(
        '<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1" Version="2.0" '
        'IssueInstant="2025-03-11T08:41:00Z">\n  <saml:Issuer>https://idp.example.org</saml:Issuer>\n'
        '  <saml:AttributeStatement>\n    <saml:Attribute Name="postalAddress">\n'
        f'      <saml:AttributeValue>{value}</saml:AttributeValue>\n    </saml:Attribute>\n'
        '  </saml:AttributeStatement>\n</saml:Assertion>')
    signer.add_template(root, Style("fuzz16", "samlp", "saml"))
    signer.sign_all(root, keys.load("idp"))
    return etree.tostring(root)


@pytest.mark.parametrize("value,verifies", [
    ("1 Main St", True),         # its own spaces: the flattened copy verifies once the line breaks are back
    ("1 Main St\nSpringfield", False),  # a line break inside the value, a space in the copy: another value
    ("\n  1 Main St\n", False),  # (leading and trailing ones too)
])
def test_a_space_where_a_signed_value_had_a_line_break_never_verifies(value, verifies):
    """Only whitespace between tags and inside base64 values is put back: a value whose line break
    a log turned into a space is a different value, which no variant makes verify."""
    from lxml import etree

    from samlscan import sigverify
    from samlscan.certs import load_certs
    trusted = tuple(load_certs((Path(__file__).resolve().parents[1] / "fixtures" / "keys" / "idp.crt").read_bytes(),
                               "idp.crt", from_file=True))
    signed = _signed_with_value(value)
    assert [i.verified for _s, i in sigverify.verify_document(etree.fromstring(signed), trusted).signatures] == [True]
    flat = etree.fromstring(signed.replace(b"\r\n", b" ").replace(b"\n", b" "))
    (info,), = [[i for _s, i in sigverify.verify_document(flat, trusted).signatures]]
    assert info.verified is False and info.reformatted is verifies


def _padded_flat(n: int):
    """The flattened signed response with n more Attributes in its Assertion (changed: both
    signatures fail and are diagnosed, each variant a copy of the whole one-line document)."""
    from lxml import etree
    root = _flat_response()
    statement = next(el for el in root.iter("*") if el.tag.endswith("}AttributeStatement"))
    for i in range(n):
        extra = etree.SubElement(statement, statement.tag.replace("AttributeStatement", "Attribute"), Name=f"a{i}")
        extra.tail = " "
    return root


def test_a_long_one_line_response_is_diagnosed_in_linear_time():
    from samlscan import sigverify

    def verify(root):
        result = sigverify.verify_document(root, ())
        assert not any(i.verified or i.reformatted for _s, i in result.signatures)
    assert_linear(verify, _padded_flat, 3000)


# --- embedded.py / paste: XML inside a JSON string -------------------------------------------------

_ROOT_DIR = Path(__file__).resolve().parents[1]
_CONTEXT_LOG = _ROOT_DIR / "tests" / "data" / "monolog20" / "symfony-context.log"
_IDP_CERT = _ROOT_DIR / "fixtures" / "keys" / "idp.crt"


def _scan_doc(path: Path, *more: str) -> dict:
    import json

    from click.testing import CliRunner

    from samlscan.cli import main
    result = CliRunner().invoke(main, ["scan", str(path), "--format", "json", "--fail-on", "never", *more])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_one_monolog_context_line_alone_is_the_response_it_logged(tmp_path):
    """Fails on the old code (input-xml-malformed): a single line of a Monolog log is read as a
    paste, whose XML in prose was taken with its JSON escapes; unescaped as the log reader does, it
    is the response byte for byte and verifies."""
    path = tmp_path / "one.log"
    path.write_text(_CONTEXT_LOG.read_text().splitlines()[0] + "\n")
    doc = _scan_doc(path, "--idp-cert", str(_IDP_CERT))
    assert [i["status"] for i in doc["inputs"]] == ["scanned"]
    assert [[s["verified"] for s in m["signatures"]] for m in doc["messages"]] == [[True, True]]


_R = '<saml2p:Response xmlns:saml2p=\\"urn:oasis:names:tc:SAML:2.0:protocol\\" ID=\\"_a{x}\\" Version=\\"2.0\\">{body}</saml2p:Response>'


@pytest.mark.parametrize("x,body", [
    ("\\u0000", ""),                     # an escaped NUL: no XML character
    ("\\ud800", ""),                     # a lone high surrogate
    ("\\udfff\\ud800", "\\ud83d"),       # surrogate halves in the wrong order, one in text
    ("\\q", ""),                         # no JSON escape: left as it is
    ("\\u12", ""),                       # a \\u cut short
    ("\\\\\\\"", ""),                    # nested escaping: a quote escaped twice
    ("\\u0001\\u001f\\ufffe", ""),       # control and non-characters
])
@pytest.mark.parametrize("lines", [1, 2])
def test_broken_json_escapes_end_in_one_clear_finding(tmp_path, x, body, lines):
    """As a paste (one line) or a log (two): never a traceback; a message read, or the input failed
    with one line saying why."""
    rows = [f'[2025-03-11T08:40:5{i}+00:00] app.DEBUG: SAML response {{"xml":"{_R.format(x=x, body=body)}"}} []'
            for i in range(lines)]
    path = tmp_path / "bad.log"
    path.write_text("\n".join(rows) + "\n")
    doc = _scan_doc(path)
    (inp,) = doc["inputs"]
    assert inp["status"] == "scanned" or (inp["status"] == "failed" and "\n" not in inp["reason"])


def _huge_context(n: int) -> str:
    value = "\\n".join(f"<saml2p:Extensions><x a=\\\"{i}\\\">\\u00e9\\t</x></saml2p:Extensions>" for i in range(n))
    return ("[2025-03-11T08:40:58+00:00] app.DEBUG: SAML response {\"xml\":\"<?xml version=\\\"1.0\\\"?>\\n"
            + _R.format(x="1", body=value) + "\"} []\n")


def test_a_huge_json_escaped_value_is_read_in_linear_time(tmp_path):
    from samlscan.logs.embedded import find_embedded
    (value,) = find_embedded(_huge_context(50))
    assert value.startswith("<?xml version=\"1.0\"?>\n<saml2p:Response") and '\\"' not in value and "\u00e9\t" in value
    assert_linear(find_embedded, _huge_context, 4000)


# --- catalog.json: the texts added in round 20 ------------------------------------------------------

_ADDED = Path(__file__).with_name("data") / "fuzz16" / "added-patterns.json"


def _added() -> list:
    import json
    return json.loads(_ADDED.read_text())


def test_explain_names_each_added_text_with_its_product():
    from click.testing import CliRunner

    from samlscan import catalog
    from samlscan.cli import main
    by_pattern = {(e.product, e.pattern): e for e in catalog.entries()}
    for product, pattern in _added():
        entry = by_pattern[(product, pattern)]
        text = re.sub(r"<[A-Za-z][A-Za-z0-9_ .:/-]{0,40}>", "X123", pattern)
        result = CliRunner().invoke(main, ["explain", text])
        assert result.exit_code == 0 and result.output.startswith(f"{product}: "), (text, result.output[:200])
        assert entry.code in result.output


@pytest.mark.parametrize("line", [
    "Failed to find issuer in metadata for https://idp.example.org",
    "Failed to find issuer in trusted IdPs list",
    "Failed to find destination in request headers, using the default",
])
def test_a_spring_logout_text_does_not_catch_other_lines(line):
    """Fails on the old code: 'Failed to find issuer in <message>' ended in a placeholder, which a
    search drops, so any line starting so was Spring's missing Issuer of a logout message (its
    <message> is LogoutRequest or LogoutResponse only: BaseOpenSamlLogout*Validator.java)."""
    from samlscan import catalog
    for product in (None, "keycloak", "spring"):
        entry = catalog.lookup(line, product)
        assert entry is None or entry.code not in ("issuer-missing", "logout-destination-mismatch"), (product, entry)


@pytest.mark.parametrize("kind", ["LogoutRequest", "LogoutResponse"])
@pytest.mark.parametrize("what,code", [("issuer", "issuer-missing"), ("destination", "logout-destination-mismatch")])
def test_spring_logout_texts_still_match(kind, what, code):
    from samlscan import catalog
    line = f"Failed to find {what} in {kind}"
    assert catalog.lookup(line, "spring").code == code
    assert catalog.lookup(f"o.s.s.s.p.s.w.a.l.Saml2LogoutResponseFilter : {line}.", None).code == code


# --- checks/signature.py: a detached signature, a Reference beside its holder -----------------------

def _without_response_id(tmp_path: Path) -> Path:
    """samlify's response_signed (a Response whose Signature covers the Assertion from outside it)
    with the Response's ID removed: nothing signed changes (the signature covers the Assertion)."""
    text = (_ROOT_DIR / "tests" / "data" / "corpus18" / "samlify-response_signed-66a629c.xml").read_text()
    start = text.index("<samlp:Response")
    tag = text[start:text.index(">", start)]
    path = tmp_path / "noid.xml"
    path.write_text(text.replace(tag, re.sub(r'\sID="[^"]*"', "", tag, count=1), 1))
    return path


@pytest.mark.parametrize("uri,code,expected", [
    (None, "signature-wrapping", "the Signature inside /Response/Assertion"),
    ("#nothing", "signature-reference-invalid", "'#' + the ID of the Response, which has none"),
])
def test_a_signature_held_by_an_element_without_id_names_no_id(tmp_path, uri, code, expected):
    """Fails on the old code: the expected Reference was '#None'."""
    path = _without_response_id(tmp_path)
    if uri:
        path.write_text(re.sub(r'URI="#[^"]*"', f'URI="{uri}"', path.read_text(), count=1))
    doc = _scan_doc(path, "--idp-cert", str(_ROOT_DIR / "tests" / "data" / "corpus18" / "samlify-idp-cert.crt"))
    (found,) = [f for m in doc["messages"] for f in m["findings"] if f["code"] == code]
    assert found["expected"] == expected


def test_a_run_of_spaces_after_a_pattern_prefix_is_searched_in_linear_time():
    """ruby-saml's 'Encoded SAML Message exceeds <n> bytes, so was rejected' over its prefix and a
    run of spaces: 300 spaces 0.13 s, 600 0.94 s, 1,200 4.4 s (7,500 spaces: 100 s)."""
    from samlscan import catalog

    def look(text):
        catalog._lookup_cached.cache_clear()  # (memoised on the text: each run must search)
        return catalog.lookup(text, "ruby-saml")
    assert look("Encoded SAML Message exceeds 300000 bytes, so was rejected").code == "input-too-large"
    assert_linear(look, lambda n: "Encoded SAML Message exceeds " + " " * n + "x", 150, repeat=1)
