"""How a flow's reason words a request that no response answered: where the login stopped, what to
ask for."""
from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from samlscan.errorpages import ask_for
from samlscan.flows.idppages import idp_at

if TYPE_CHECKING:  # (annotations only: flows/__init__ imports this module for every check)
    from samlscan.flows.exchange import Exchange


NO_RESPONSE = "no SAML response in the capture"


def unanswered(exchanges: list[Exchange], mine: list[int]) -> tuple[str, str | None]:
    """(reason, what to ask the user for) of a request no response and no readable error page
    answered: where the flow stopped (the IdP's answer to the request: its status, its page when
    the capture keeps it), what came after it, and the page to ask for, as the IdP writes it."""
    sent = [i for i in mine if exchanges[i].leg == "authn-request"]
    if not sent:
        to = next((exchanges[i].location for i in mine if exchanges[i].location), None)
        where = urlsplit(to).netloc if to else "the IdP"
        return (f"{NO_RESPONSE}: the SP sent the browser to {where}, but the browser's request there is not "
                "in the capture", None)
    from samlscan.flows.outcome import unreached  # (here: a capture's module, not loaded for every check)

    ex = exchanges[sent[-1]]
    said = f"{NO_RESPONSE}: the IdP's SSO URL ({urlsplit(ex.url).netloc}, {ex.ref}) " + _idp_answer(ex)
    # no server answered (a name that does not resolve, a refused connection): the browser showed its own
    # error page, not the IdP's, so there is no IdP page to ask for; the URL the SP sent it to is the lead
    return said + _after(exchanges, sent[-1]), None if unreached(ex) else ask_for(idp_at(ex.url))


def _idp_answer(ex: Exchange) -> str:
    """What the IdP answered the AuthnRequest with (no SAML response, no error page samlscan reads)."""
    from samlscan.flows.outcome import UNREACHED, unreached

    if not ex.status and unreached(ex):
        return (f"was not reached: {UNREACHED} it ({ex.net_error}), so no IdP saw the request; check the "
                "SSO URL the SP sends browsers to (SonarQube: sonar.auth.saml.loginUrl, on every node of a "
                "cluster) against the IdP metadata's SingleSignOnService Location")
    if not ex.status:
        return "got no answer in the capture (blocked, cancelled, or still loading when it was saved)"
    if 300 <= ex.status < 400 and ex.location:
        parts = urlsplit(ex.location)
        return f"redirected to {parts.netloc}{parts.path} (its sign-in or error page) and the login stopped there"
    head = f"answered HTTP {ex.status}"
    if ex.page is None:  # the exchange keeps no body: what the page said is not known
        likely = "an error page" if ex.status >= 400 else "likely an error page"
        return f"{head} with a page ({likely}) that the capture does not keep: {_no_body(ex)}"
    if ex.page.kind == "login":
        return f"{head} with its sign-in form: the user did not finish signing in (or the capture was stopped first)"
    if ex.page.kind == "auto-post":
        return f"{head} with a form its page submits by itself; where it went is not in the capture"
    if ex.page.kind == "error":
        return f"{head} with a page titled {ex.page.said!r}: an error page samlscan cannot read"
    return f"{head} with a page samlscan does not know as an error page"


def _no_body(ex: Exchange) -> str:
    """Why the capture has no page for `ex`, by the kind of capture (Exchange.word)."""
    if ex.word == "request":  # SAML-tracer records headers and SAML values, never a body (SAMLTrace.js)
        return "SAML-tracer exports keep no page"
    if ex.client and "WebKit" in ex.client:
        return f"Safari's Web Inspector kept no body for {ex.ref}"
    if ex.client and ex.client.startswith("Chrome net-export"):  # (inputs.netlog.CLIENT)
        # (URL_REQUEST_JOB_FILTERED_BYTES_READ carries bytes only in the 'Everything' capture mode:
        # net/log/net_log_capture_mode.h NetLogCaptureIncludesSocketBytes)
        return f"Chrome's net-export keeps a page's bytes only when 'Include raw bytes' is selected ({ex.ref})"
    return f"{ex.ref} holds no response body (a HAR saved without content keeps none)"


def _after(exchanges: list[Exchange], at: int) -> str:
    """What the capture holds after the IdP's answer: nothing of SAML, or the next login."""
    then = next((ex for ex in exchanges[at + 1:] if ex.leg != "other"), None)
    if then is None:
        return "; nothing of the login followed in the capture"
    if then.leg in ("sp-init", "authn-request"):
        return f"; the next SAML exchange starts a new login ({then.ref}): the user tried again"
    return ""

