"""Two facts that travelled as strings in SamlMessage.structure are model fields now, written where
the XML is read and read by their check: SignatureInfo.keyinfo_key (a KeyInfo holding a bare key,
XML-DSig 4.5.2, or nothing usable) and Attribute.nil_count (xsi:nil values, SAML core 2.7.3.1.1).

As strings they were keyed by where they sat, not by what they belonged to: the nil count by
assertion path and attribute Name, so a second attribute of the same Name (attribute-duplicate-name)
took the first one's count and its plain empty value was shown as '(xsi:nil)'.
Responses are built with samlgen and signed for real (the test IdP key).
"""
from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import generate as GEN  # noqa: E402
from samlgen import build as B  # noqa: E402
from samlgen import scenario as S  # noqa: E402
from samlgen import signer  # noqa: E402
from samlgen.render import render  # noqa: E402
from test_external_shapes import DEFAULT, NO_KEY, A, analyze, by_code  # noqa: E402
from test_keyinfo_keys import _signed  # noqa: E402

from samlscan.report.table import header_rows  # noqa: E402

XSI_NIL = f"{{{S.NS_XSI}}}nil"


def _email_twice(second_nil: bool) -> bytes:
    """A signed response whose email attribute is xsi:nil, followed by a second attribute of the
    same Name whose one value is empty text (or xsi:nil too)."""
    style = GEN.OKTA
    root = B.build_response(GEN.response(f"email-twice-{second_nil}", style), style)
    email = next(a for a in root.iter(A + "Attribute") if a.get("Name") == "email")
    value = email.find(A + "AttributeValue")
    value.text = None
    value.attrib.pop(f"{{{S.NS_XSI}}}type", None)
    value.set(XSI_NIL, "true")
    twin = copy.deepcopy(email)
    if not second_nil:
        del twin.find(A + "AttributeValue").attrib[XSI_NIL]
    email.addnext(twin)
    signer.template_for(root, style)
    signer.sign_all(root, GEN.IDP)
    return etree.tostring(root)


# --- Attribute.nil_count ----------------------------------------------------------------------

def test_nil_count_is_the_attributes_own():
    res = analyze(_email_twice(second_nil=False))
    first, second = [x for x in res.message.assertions[0].attributes if x.name == "email"]
    assert (first.nil_count, second.nil_count) == (1, 0)
    assert not any(f.startswith("attribute-nil:") for f in res.message.structure)
    rows = dict(header_rows(res))["Attributes"]
    assert "email = (xsi:nil)\nemail = \n" in rows + "\n"  # the second is empty, not nil
    assert by_code(res, "attribute-duplicate-name")


def test_two_nil_values_of_one_name_are_both_shown_nil():
    res = analyze(_email_twice(second_nil=True))
    assert [x.nil_count for x in res.message.assertions[0].attributes if x.name == "email"] == [1, 1]
    assert dict(header_rows(res))["Attributes"].count("email = (xsi:nil)") == 2


# --- SignatureInfo.keyinfo_key ----------------------------------------------------------------

def test_a_bare_key_value_is_a_field_of_its_signature():
    (sig,) = analyze(_signed("rsa"), DEFAULT).message.signatures
    assert sig.keyinfo_key.holds.startswith("RSAKeyValue (RSA 2048-bit public key, SHA-256 of the key ")
    assert sig.keyinfo_key.configured.startswith("the same key as the configured certificate ")
    unconfigured = analyze(_signed("rsa"), NO_KEY)
    assert unconfigured.message.signatures[0].keyinfo_key.configured == ""
    assert not any(f.startswith("keyinfo:") for f in unconfigured.message.structure)


def test_a_certificate_in_keyinfo_leaves_the_field_empty():
    res = analyze(render(GEN.response("keyinfo-cert", GEN.OKTA), GEN.OKTA, GEN.IDP))
    assert res.message.signatures and all(s.keyinfo_key is None for s in res.message.signatures)


def test_the_json_report_shows_the_field_as_before(tmp_path):
    """The JSON report's keyinfo_key is the field, as the structure fact showed it before."""
    from click.testing import CliRunner

    from samlscan.cli import main

    path = tmp_path / "keyvalue.xml"
    path.write_bytes(_signed("rsa"))
    out = CliRunner().invoke(main, ["check", str(path), "--format", "json", "--fail-on", "never",
                                    "--at", "2025-03-11T08:41:02Z"])
    (msg,) = json.loads(out.stdout)["messages"]
    key = msg["signatures"][0]["keyinfo_key"]
    assert key["holds"].startswith("RSAKeyValue (RSA 2048-bit") and key["configured"] is None
