"""build_flows: every login try of a capture rebuilt from its exchanges and messages, in time order."""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from samlscan.config.urls import on_sonarqube_acs_path, saml_post_only
from samlscan.flows.exchange import REFUSAL_PAGE, STAND_INS, Exchange, Flow
from samlscan.flows.hops import REPLAY_STATUSES, _reposts, endpoint, same_endpoint
from samlscan.flows.outcome import _sp_outcome, sso_unreached
from samlscan.flows.pairing import _digest_key, _entry_of, _pair, _root, message_ids
from samlscan.flows.unanswered import unanswered
from samlscan.inputs.base import RawMessage
from samlscan.model import Source

if TYPE_CHECKING:  # Capture lives with its readers (inputs/har/capture.py); only its fields are used here
    from samlscan.inputs.har import Capture


REFUSAL_ALONE = ("SonarQube's refusal page with the reason its AUTHENTICATION-ERROR cookie holds; the POST to its ACS "
                 "is not in the capture: ask for a HAR recorded with DevTools' 'Preserve log' on, from the start of "
                 "the login")
"""What a flow of SonarQube's refusal page alone says (a HAR saved after the callback's redirect cleared it)."""

def _chain(exchanges: list[Exchange], start: int, bodiless: set[int]) -> list[int]:
    """The positions of the exchange at `start` and of the SP result redirects that follow it (with
    the browser's re-POST of the body to the page a 307/308 names), up to the next SAML exchange or
    bodiless ACS POST (another send: each chain of 50,000 bodiless POSTs ran to the capture's end)."""
    out = [start]
    for i in range(start + 1, len(exchanges)):
        ex = exchanges[i]
        if ex.leg == "sp-result" or _reposts(exchanges[out[-1]], ex):
            out.append(i)
        elif ex.leg != "other" or i in bodiless:
            break
    return out


def _then(exchanges: list[Exchange], after: int, bodiless: set[int]) -> Exchange | None:
    """The SAML exchange that comes next after position `after`; None when a bodiless ACS POST (a
    send of its own) or nothing comes first."""
    for i in range(after + 1, len(exchanges)):
        if i in bodiless:
            return None
        if exchanges[i].leg != "other":
            return exchanges[i]
    return None


def build_flows(capture: "Capture") -> tuple[Flow, ...]:
    """Rebuild every login try of a capture, in time order."""
    exchanges = list(capture.exchanges)
    by_entry = {ex.entry: i for i, ex in enumerate(exchanges)}
    decoded = [(m, message_ids(m)) for m in capture.messages]
    requests = [(m, ids) for m, ids in decoded
                if m.param == "SAMLRequest" and ids[0] in ("AuthnRequest", None)]
    responses = [(m, ids) for m, ids in decoded
                 if m.param == "SAMLResponse" and ids[0] in ("Response", None)]
    pairs = _pair(responses, requests, by_entry)
    tokens = {_digest_key(m): m for m in capture.messages if m.param == "XML"}  # (a wresult: inputs/har/messages.wsfed_seen)
    kinds = {_digest_key(m): ids[0] for m, ids in decoded if m.param == "SAMLRequest" and ids[0]}
    flows: list[Flow] = []
    used_ex: set[int] = set()
    carried = _Carried(exchanges)
    bodiless = _bodiless_posts(exchanges)
    for ri, (resp, ids) in enumerate(responses):
        req = requests[pairs[ri]] if ri in pairs else None
        key = _digest_key(resp)
        acs_i = by_entry.get(_entry_of(resp))
        if acs_i is not None and exchanges[acs_i].leg not in ("acs-post", "response-redirect"):
            acs_i = None
        again = acs_i is not None and _posted_before(exchanges, carried, acs_i, key)
        # a response posted again (Back then Forward, a reload: SAML profiles 4.1.4.5's replay) is a
        # try of its own from that POST on: its request and IdP page were the first post's
        mine = _request_exchanges(exchanges, req[0], by_entry, carried) if req and not again else []
        page = None if again else carried.last(key, ("idp-page",), len(exchanges) if acs_i is None else acs_i)
        mine += [] if page is None else [page]
        test = (resp.relay_state or "").startswith("validation-query/")
        err = None
        if acs_i is None:
            outcome, reason = "unknown", "the response was not posted to the SP in the capture"
        else:
            at = _chain(exchanges, acs_i, bodiless)
            chain = [exchanges[i] for i in at]
            then = _then(exchanges, at[-1], bodiless)
            mine += at + _replayed(exchanges, acs_i, key)
            root = _root(resp) if chain[0].folded else None
            outcome, reason, test = _sp_outcome(chain, test, root.get("Destination") if root is not None else None,
                                                then, kinds)
            err = chain[0].idp_error  # the receiver is an IdP broker (Auth0 at /login/callback) that
            if err is not None:       # refused the upstream IdP's response on its error page
                outcome, reason = "failure", err.said
        used_ex.update(mine)
        flows.append(_flow(req[0] if req else None, resp, outcome, reason, err, exchanges, mine,
                           req[1][1] if req else None, ids[2], test, timed_by_request=not again, acs_i=acs_i))
    paired = set(pairs.values())
    bodiless -= used_ex
    for qi, (req, ids) in enumerate(requests):
        if qi in paired:
            continue
        mine = _request_exchanges(exchanges, req, by_entry, carried)
        err_i = _idp_error_after(exchanges, mine)
        posted = _next_bodiless(exchanges, mine, bodiless, used_ex) if err_i is None else None
        art_i = _next_artifact(exchanges, mine, used_ex) if err_i is None and posted is None else None
        ask, test, token = None, False, None
        if err_i is not None:
            mine.append(err_i)
            err = exchanges[err_i].idp_error
            outcome, reason = "failure", err.said
        elif art_i is not None:
            err, (outcome, reason, test, at) = None, _artifact_outcome(exchanges, art_i, kinds, bodiless)
            mine += at
            token = _token(exchanges[art_i], tokens)
        elif posted is not None:  # the IdP's answer was posted, its body not captured: the SP's word
            err, (outcome, reason, test, at) = None, _bodiless_outcome(exchanges, posted, kinds, bodiless)
            mine += at
        else:
            err = None
            reason, ask = unanswered(exchanges, mine)
            # (the browser reached no server at the IdP's SSO URL: the login failed there, not unknown)
            outcome = "failure" if _sso_unreached(exchanges, mine) is not None else "unknown"
        used_ex.update(mine)
        flows.append(_flow(req, token, outcome, reason, err, exchanges, mine, ids[1], None, test, ask, acs_i=posted))
    for i, ex in enumerate(exchanges):  # IdP errors with no request in the capture
        if ex.leg == "idp-error" and i not in used_ex:
            err = ex.idp_error
            flows.append(_flow(None, None, "failure", err.said, err, exchanges, [i], None, None, False))
    for i, ex in enumerate(exchanges):  # an artifact or WS-Fed sign-in with no request before it (IdP-initiated)
        if ex.leg in STAND_INS and i not in used_ex:
            outcome, reason, test, at = _artifact_outcome(exchanges, i, kinds, bodiless)
            used_ex.update(at)
            flows.append(_flow(None, _token(ex, tokens), outcome, reason, None, exchanges, at, None, None, test))
    for i in sorted(bodiless - used_ex):  # a response posted with no request before it (a re-post by the
        outcome, reason, test, at = _bodiless_outcome(exchanges, i, kinds, bodiless)  # Back button, a bookmark)
        used_ex.update(at)
        flows.append(_flow(None, None, outcome, reason, None, exchanges, at, None, None, test, acs_i=i))
    for i, ex in enumerate(exchanges):  # the SP refused to start a login (wrong login URL or key)
        if i not in used_ex and ex.status >= 400 and "/sessions/init/" in urlsplit(ex.url).path:
            flows.append(_flow(None, None, "failure", f"HTTP {ex.status} at {ex.url} before any "
                               "AuthnRequest was sent", None, exchanges, [i], None, None, False))
    for i, ex in enumerate(exchanges):  # SonarQube's refusal page alone: the POST it follows was not captured
        if i not in used_ex and ex.leg == "sp-result" and ex.auth_error and \
                urlsplit(ex.url).path.rstrip("/").endswith(REFUSAL_PAGE):
            flows.append(_flow(None, None, "failure", f"{ex.auth_error} ({ex.ref}: {REFUSAL_ALONE})", None, exchanges,
                               [i], None, None, False))
    flows.sort(key=lambda f: by_entry.get(f.exchanges[0].entry, 1 << 30) if f.exchanges else 1 << 30)
    where = next((m.source for m in capture.messages), None)
    return tuple(replace(f, capture=Source(where.input, "")) for f in flows) if where else tuple(flows)


def _bodiless_posts(exchanges: list[Exchange]) -> set[int]:
    """The POSTs to the ACS (SonarQube's callback path, or the endpoint of a response posted in the
    capture) whose body the capture left out: Safari's Web Inspector writes no form body into its
    HAR, a sanitising tool removes it."""
    acs = {endpoint(ex.url) for ex in exchanges if ex.leg == "acs-post"}  # (a set: each POST was
    # compared with every ACS exchange's URL, 25,000 of each 625 million times)
    return {i for i, ex in enumerate(exchanges) if ex.method == "POST" and not ex.saml
            and (on_sonarqube_acs_path(ex.url) or endpoint(ex.url) in acs)}


def _next_bodiless(exchanges: list[Exchange], mine: list[int], bodiless: set[int], used: set[int]) -> int | None:
    """The bodiless ACS POST not yet in a flow that comes next after a request's exchanges, when no
    other SAML exchange comes between: the IdP's answer to that request."""
    for i in range(max(mine, default=-1) + 1, len(exchanges)):
        if i in bodiless and i not in used:
            return i
        if exchanges[i].leg != "other":
            return None
    return None


def _sso_unreached(exchanges: list[Exchange], mine: list[int]) -> Exchange | None:
    """The request's last AuthnRequest exchange when the browser reached no server with it (flows.unreached:
    a net error, not a navigation away), else None."""
    sent = [exchanges[i] for i in mine if exchanges[i].leg == "authn-request"]
    return sent[-1] if sent and sso_unreached(sent[-1]) else None


def _next_artifact(exchanges: list[Exchange], mine: list[int], used: set[int]) -> int | None:
    """The artifact or WS-Federation sign-in (STAND_INS) not yet in a flow that the browser brought
    to the SP next after a request's exchanges, before the next login starts: the IdP's answer to
    that request."""
    for i in range(max(mine, default=-1) + 1, len(exchanges)) if mine else ():
        leg = exchanges[i].leg
        if leg in STAND_INS and i not in used:
            return i
        if leg in ("sp-init", "authn-request", "acs-post", "idp-error"):
            return None
    return None


def _artifact_outcome(exchanges: list[Exchange], art_i: int, kinds: dict, bodiless: set[int]
                      ) -> tuple[str, str, bool, list[int]]:
    """(outcome, reason, test configuration, exchanges) of an artifact (SAML bindings 3.6) or a
    WS-Federation sign-in (WS-Federation 1.2 13.2.3) brought to the SP at `art_i` in place of a
    SAMLResponse: the SP's answer decides, as for a POST without its body; SonarQube's ACS takes
    neither (sonarqube.flow_cause: artifact-unsupported, wsfed-unsupported)."""
    at = _chain(exchanges, art_i, bodiless)
    ex = exchanges[art_i]
    outcome, reason, test = _sp_outcome([exchanges[i] for i in at], False, None, _then(exchanges, at[-1], bodiless),
                                        kinds)
    where = f"{ex.url.split('?', 1)[0]} ({ex.ref})"
    if ex.leg == "wsfed":
        said = (f"the IdP posted a WS-Federation sign-in (wa=wsignin1.0, its token in wresult) to {where} instead "
                "of a SAML 2.0 Response")
        refused = "SonarQube reads only a SAMLResponse posted to its ACS, and WS-Federation carries none"
        elsewhere = "the SP must take WS-Federation at this URL"
    else:
        said = f"the IdP sent a SAML artifact to {where} instead of the Response (HTTP-Artifact binding)"
        refused = "SonarQube resolves no artifact: it reads only a SAMLResponse posted to its ACS"
        elsewhere = "the SP fetches the Response from the IdP server to server, out of the capture"
    if saml_post_only(ex.url):
        return "failure", f"{said}; {refused}", test, at
    return outcome, f"{said}: {elsewhere}; {reason}", test, at


def _token(ex: Exchange, tokens: dict[str, RawMessage]) -> RawMessage | None:
    """The token a WS-Federation sign-in exchange carried (its wresult): the flow's response, as an ACS
    POST's flow carries its Response (WS-Federation 1.2 13.2.3: the token stands where the Response would)."""
    return next((tokens[k] for k in ex.saml if k in tokens), None) if ex.leg == "wsfed" else None


def _bodiless_outcome(exchanges: list[Exchange], acs_i: int, kinds: dict, bodiless: set[int]
                      ) -> tuple[str, str, bool, list[int]]:
    """(outcome, reason, test configuration, exchanges) of a response posted to the ACS at `acs_i`
    without its body in the capture: what the SP answered decides; the response cannot be checked."""
    at = _chain(exchanges, acs_i, bodiless)
    then = _then(exchanges, at[-1], bodiless)
    outcome, reason, test = _sp_outcome([exchanges[i] for i in at], False, None, then, kinds)
    return outcome, (f"{reason}; the capture holds no body of the POST to {exchanges[acs_i].url}, so the "
                     "response itself cannot be checked"), test, at


def _posted_before(exchanges: list[Exchange], carried: "_Carried", acs_i: int, key: str) -> bool:
    """The response at exchange `acs_i` went to this ACS before, other than as the 307/308 resend of
    this very POST (_replayed), and no IdP page handed it to the browser again since: this POST is
    that response's second use (a page that posts it anew starts a try of its own)."""
    resent = set(_replayed(exchanges, acs_i, key))
    earlier = carried.last(key, ("acs-post",), acs_i, lambda i: i not in resent and  # (to another endpoint:
                           same_endpoint(exchanges[i].url, exchanges[acs_i].url))  # a broker's hop, whose page holds it)
    page = carried.last(key, ("idp-page", "authn-request"), acs_i)  # (the IdP's answer to the request is the page)
    return earlier is not None and not (page is not None and page > earlier)


def _replayed(exchanges: list[Exchange], acs_i: int, key: str) -> list[int]:
    """The POSTs of the same response just before the ACS exchange that a 307/308 sent on to it
    (the browser's repeat of the body is the message's send; inputs/har.resends_body)."""
    out = []
    for i in range(acs_i - 1, -1, -1):
        ex = exchanges[i]
        if ex.leg == "other":
            continue
        if key not in ex.saml or ex.leg != "acs-post" or ex.status not in REPLAY_STATUSES:
            break
        out.append(i)
    return out


class _Carried:
    """The positions of the exchanges that carried each SAML value, by value and leg (each flow
    searched every exchange: quadratic in a capture's logins)."""

    def __init__(self, exchanges: list[Exchange]):
        self._at: dict[tuple[str, str], list[int]] = {}
        for i, ex in enumerate(exchanges):
            for key in dict.fromkeys(ex.saml):
                self._at.setdefault((key, ex.leg), []).append(i)

    def last(self, key: str, legs: tuple[str, ...], before: int, also=lambda i: True) -> int | None:
        """The last position below `before` of an exchange of these legs that carried `key` and that
        `also` accepts, or None: each leg's positions read back from `before` (a response posted 2,000
        times made each POST list every earlier one)."""
        found = [-1]
        for leg in legs:
            at = self._at.get((key, leg), [])
            found.append(next((at[j] for j in range(bisect_left(at, before) - 1, -1, -1) if also(at[j])), -1))
        return max(found) if max(found) >= 0 else None


def _request_exchanges(exchanges: list[Exchange], req: RawMessage, order: dict[int, int],
                       carried: _Carried) -> list[int]:
    """The exchange that carried the request and the SP redirect just before it (a value
    re-sent in a later attempt belongs to that attempt)."""
    key, entry = _digest_key(req), _entry_of(req)
    at = order.get(entry) if entry is not None else None
    legs = ("sp-init", "authn-request", "idp-error")
    last = carried.last(key, legs, len(exchanges) if at is None else at + 1)
    if last is not None and last == at:  # (the request's own exchange: one an entry)
        before = carried.last(key, legs, at)
        return ([] if before is None else [before]) + [at]
    return [] if last is None else [last]


def _idp_error_after(exchanges: list[Exchange], mine: list[int]) -> int | None:
    """The first IdP error page after a request's exchanges, before the next login starts."""
    if not mine:
        return None
    own = [i for i in mine if exchanges[i].leg == "idp-error"]
    if own:
        return own[0]
    for i in range(max(mine) + 1, len(exchanges)):
        leg = exchanges[i].leg
        if leg == "idp-error":
            return i
        if leg in ("sp-init", "authn-request", "acs-post"):
            return None
    return None


def _flow(req, resp, outcome, reason, err, exchanges, idx, req_id, irt, test, ask=None,
          timed_by_request: bool = True, acs_i: int | None = None) -> Flow:
    """`timed_by_request`: the request's capture time may start the flow (not for a response posted
    again, whose request started the first post's flow); `acs_i`: the POST to the ACS its outcome reads."""
    at = tuple(sorted(set(idx)))
    mine = tuple(exchanges[i] for i in at)
    times = [ex.time for ex in mine if ex.time] + [m.captured_at for m in (req if timed_by_request else None, resp)
                                                   if m is not None and m.captured_at]
    relay = (resp.relay_state if resp is not None else None) or (req.relay_state if req else None)
    return Flow(req, resp, relay, outcome, reason, err, mine, min(times) if times else None,
                req_id, irt, test, ask, acs_post=exchanges[acs_i].url if acs_i is not None else None, at=at)

