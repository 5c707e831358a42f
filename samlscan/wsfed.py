"""A WS-Federation sign-in (wa=wsignin1.0) at a SAML 2.0 SP: its wresult, a WS-Trust
RequestSecurityTokenResponse, carries the IdP's token (a SAML 1.1 or 2.0 assertion) and no SAML
Response (WS-Federation 1.2 13.2.3), so an SP that reads only a posted SAMLResponse refuses it."""
from __future__ import annotations

from samlscan.config.urls import saml_post_only

FACT = "ws-federation"
"""The structure fact of a message read out of a WS-Trust token response (engine._read)."""


def is_token(msg) -> bool:
    """A SamlMessage that is a WS-Fed sign-in's token (its wresult's assertion): what the SP gets in
    place of a Response, so its login's user, IdP (Issuer) and SP (Audience) as a Response's are."""
    return msg.kind == "Assertion" and FACT in msg.structure


def answers(msg) -> bool:
    """The IdP's answer an SP consumes: a Response, or a WS-Fed sign-in's token (is_token)."""
    return msg.kind == "Response" or is_token(msg)

NOT_CHECKED = ("what a SAML 2.0 Response would carry (status, Destination, InResponseTo, a Response "
               "signature): a WS-Federation sign-in carries the assertion in a WS-Trust token response, "
               "with no Response around it (WS-Federation 1.2 13.2.3)")
"""checks-skipped's words for a WS-Fed token, in place of 'the Response around this bare Assertion'."""

SAML1_NOTE = ("; it came in a WS-Federation sign-in (wresult): AD FS issues SAML 1.1 tokens to a "
              "WS-Federation relying party trust by default")


def verdict(url: str | None) -> tuple[str, str]:
    """(code, text) of a WS-Fed sign-in sent to `url` (None: not known): wsfed-unsupported where the
    SP reads only a posted SAMLResponse (config.urls.saml_post_only), else wsfed-signin."""
    where = url.split("?", 1)[0].split("#", 1)[0] if url else None
    said = f"a WS-Federation sign-in (wresult){f' posted to {where}' if where else ''}"
    if saml_post_only(where):
        return "wsfed-unsupported", (f"{said}: SonarQube reads only a SAMLResponse posted to its ACS, and "
                                     "WS-Federation carries none, so it refuses this login")
    return "wsfed-signin", (f"{said}, not a SAML 2.0 Response: a SAML 2.0 SP (SonarQube) refuses it "
                            "('SAML Response not found'); only an SP that takes WS-Federation at "
                            f"{'this URL' if where else 'the URL it was posted to'} can use it")
