"""Review of the day's work (review14): inferences that fired where they should not, on real shapes.
Responses are built with samlgen and signed for real (the test IdP key)."""
from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import generate as GEN  # noqa: E402
from samlgen import build as B  # noqa: E402
from samlgen import signer  # noqa: E402
from test_external_shapes import DEFAULT, A, analyze, by_code  # noqa: E402


def _renamed(names: dict[str, str], style=GEN.OKTA) -> bytes:
    """A signed response whose attributes are renamed as `names` says (old Name -> new Name) and
    listed in that order, before the others."""
    root = B.build_response(GEN.response("renamed-" + "-".join(sorted(names)), style), style)
    attrs = {a.get("Name"): a for a in root.iter(A + "Attribute")}
    for i, (old, new) in enumerate(names.items()):
        attr = attrs[old]
        attr.set("Name", new)
        attr.getparent().insert(i, attr)
    signer.template_for(root, style)
    signer.sign_all(root, GEN.IDP)
    return etree.tostring(root)


# --- sonar.auth.saml.user.login=email: the email under another name is the one to point at -----------

def test_an_email_login_setting_points_at_the_mail_attribute_not_the_uid_before_it():
    """Shibboleth's attribute-resolver sends uid and mail (eduPerson / inetOrgPerson OIDs), in
    whatever order its attribute filter lists them. With the SP's login attribute 'email', the
    attribute to point it at is mail (the same information under another name), not uid: samlscan
    took the first alias in the assertion's order, so a uid before mail was named."""
    data = _renamed({"login": "urn:oid:0.9.2342.19200300.100.1.1",  # uid, first in the assertion
                     "email": "urn:oid:0.9.2342.19200300.100.1.3"})  # mail
    expect = replace(DEFAULT, profile="generic", login_attribute="email", email_attribute="email")
    res = analyze(data, expect)
    assert all(s.verified for s in res.message.signatures)
    (f,) = by_code(res, "login-attribute-missing")
    assert f.actual == "urn:oid:0.9.2342.19200300.100.1.3", f.message_text
