"""Login flows rebuilt from a capture: AuthnRequest -> IdP -> POST to the ACS -> SP result.

A flow pairs an AuthnRequest with the Response that answers it (ID <-> InResponseTo, then
RelayState), keeps retries and double clicks apart (one flow per POST to the ACS), and records
what the SP did next (SonarQube: 302 to '/' or the requested page = success;
/sessions/unauthorized and the AUTHENTICATION-ERROR cookie = failure, docs/logformats.md 1.3; a page
answered at the ACS itself: its refusal text or a session cookie, outcome._answered) or the IdP error
page shown instead of a response (Entra AADSTS page, Okta error page).

What is where (each module imports only those above it):

exchange.py: The records of a capture's login flows: exchanges (and the leg each plays), IdP error
    pages, SP pages, flows.
hops.py: Where a request goes next: 307/308 repeats of a POST, re-POSTs to another page, URL
    comparison.
cookies.py: Set-Cookie headers: what they set, delete and what browsers refuse; session and balancer
    cookies.
idppages.py: IdP error pages in a capture (Entra, Okta, Keycloak, AD FS, Auth0, Google, page-only
    IdPs) and the IdP of an SSO URL.
sppages.py: What an SP's page says: SonarQube's refusal page, an auto-post or login form, an error
    title; /saml/validation errors.
outcome.py: What the SP did with a POST to its ACS (SonarQube's answers: redirects, pages, loops) and
    how a flow's reason words it.
unanswered.py: How a flow's reason words a request that no response answered: where the login stopped,
    what to ask for.
pairing.py: Message identifiers and the pairing of Responses with AuthnRequests (InResponseTo, then
    RelayState).
build.py: build_flows: every login try of a capture rebuilt from its exchanges and messages, in time
    order.
"""
import importlib

# (eager: the function `unanswered` has its module's name, and a submodule's first import binds the
# module to that name on the package, which __getattr__ below would then never be asked for)
from samlscan.flows.unanswered import NO_RESPONSE, unanswered

_WHERE = {name: module for module, names in (
    ("exchange", ("REFUSAL_PAGE", "Exchange", "Flow", "IdpError", "Page", "classify_leg")),
    ("hops", ("REPLAY_STATUSES", "reposted_to", "same_endpoint", "same_url", "sends_on")),
    ("cookies", ("BALANCER_COOKIES", "SESSION_COOKIES", "SP_SESSION_COOKIES", "SetCookie", "deletes",
                 "is_session_cookie", "parse_set_cookie", "refusal", "same_site_of", "set_names")),
    ("idppages", ("PAGE_ONLY_IDPS", "find_idp_error", "idp_at")),
    ("sppages", ("answer_page", "validation_result")),
    ("outcome", ("LOGIN_LOOP", "LOOP_WINDOW", "REPOSTED", "UNREACHED", "sso_unreached", "unreached")),
    ("pairing", ("message_ids",)),
    ("build", ("build_flows",)),
) for name in names}
"""Which module holds each name of the package. A name is imported when first asked for (PEP 562):
a check that only places an SSO URL (idp_at) imports idppages alone, not the capture's flow
builder, cookies, hops, pages, outcomes and pairing."""


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # (later uses: a plain module attribute)
    return value


def __dir__() -> list[str]:  # (the lazy names too, for dir() and help())
    return sorted(set(globals()) | set(_WHERE))


__all__ = ["BALANCER_COOKIES", "Exchange", "Flow", "IdpError", "LOGIN_LOOP", "LOOP_WINDOW",
           "NO_RESPONSE", "PAGE_ONLY_IDPS", "Page", "REPLAY_STATUSES", "REPOSTED",
           "SESSION_COOKIES", "SP_SESSION_COOKIES", "SetCookie", "UNREACHED", "answer_page",
           "build_flows", "classify_leg", "deletes", "find_idp_error", "idp_at",
           "is_session_cookie", "message_ids", "parse_set_cookie", "refusal", "reposted_to",
           "same_endpoint", "same_site_of", "same_url", "sends_on", "set_names", "sso_unreached", "unanswered",
           "unreached", "validation_result"]
