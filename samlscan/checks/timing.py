"""Time checks, judged at the evaluation time with the SP's clock skew (design.md, Evaluation time)."""
from __future__ import annotations

from datetime import timedelta

from samlscan.checks.base import CheckContext, consumed_assertion, finding, fmt_time
from samlscan.checks.bearer import bearers as bearers_of, confirmation_problems, one_confirms
from samlscan.checks.bearer import early as _early, passed as _passed
from samlscan.model import SamlMessage

# Allowed clock drift of the common SP stacks (seconds).
STALE_SECONDS = 86400
"""An IssueInstant more than a day before the capture time is an old message, not a slow clock;
one more than a day after it is a wrong evaluation time (or a clock days off), not NTP drift."""
STACK_SKEWS = (("java-saml/SonarQube<25.1", 180), ("python3-saml", 300),
               ("Spring/OpenSAML/SonarQube 25.1+", 300), ("pysaml2 default", 0))


def _window_verdicts(not_before, not_on_or_after, at) -> str:
    """Which stacks would accept the window at `at`, e.g. 'java-saml (180 s) rejects, ...'."""
    out = []
    for name, skew in STACK_SKEWS:
        d = timedelta(seconds=skew)
        ok = (not_before is None or not _early(at, not_before, d)) and (
            not_on_or_after is None or not _passed(at, not_on_or_after, d))
        out.append(f"{name} ({skew} s) {'accepts' if ok else 'rejects'}")
    return "; ".join(out)


def _seconds(delta: timedelta) -> str:
    """A readable duration: '42 s', '5 min 3 s', '2 h 5 min', '773 d 4 h' (years of drift in
    copied test data or a wrong --at are common; '1113660 min' reads as noise)."""
    s = int(abs(delta.total_seconds()))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60} s"
    if s < 86400:
        return f"{s // 3600} h {s % 3600 // 60} min"
    return f"{s // 86400} d {s % 86400 // 3600} h"


def _days_ahead(ctx: CheckContext) -> tuple[str, str]:
    """(why, hint) for a time more than a day after the evaluation time: IdP clocks drift by
    seconds or minutes, so days mean the evaluation time is wrong or a clock was set days off."""
    source = {"--at": "the --at given", "capture": "the capture time (the clock of the machine that "
              "recorded it)"}.get(ctx.at_source, f"the evaluation time ({ctx.at_source})")
    return ("no clock drifts that far: the evaluation time is wrong (a wrong --at, a capture machine whose "
            "clock is days behind) or one clock was set days off",
            f"Check {source} first; if it is right, check the IdP server's date and time (then sync "
            "it with NTP).")


OLD_MESSAGE = ("a message this old was kept and posted again (browser history, a saved sample), or the "
               "evaluation time is wrong; clocks are not that far apart")
OLD_MESSAGE_SIDE = "user"
"""Who acts on an old response posted again: the user starts a new login (the IdP did nothing wrong)."""
OLD_MESSAGE_HINT = ("Start a new login from the SP; to judge a saved message as it was received, pass --at "
                    "with that time.")


def _days_off(msg: SamlMessage, ctx: CheckContext) -> int:
    """-1 when the message was issued more than a day before a real evaluation time (an old message),
    +1 more than a day after it (a wrong evaluation time), else 0: what check_clock_skew measures,
    so that the window findings say the same about the same message."""
    if ctx.at is None or ctx.at_source == "issue-instant" or msg.issue_instant is None:
        return 0
    offset = (msg.issue_instant - ctx.at).total_seconds()
    return -1 if offset < -STALE_SECONDS else 1 if offset > STALE_SECONDS else 0


def check_conditions_window(msg: SamlMessage, ctx: CheckContext):
    a = consumed_assertion(msg)
    if a is None or ctx.at is None:
        return
    skew = timedelta(seconds=ctx.expect.clock_skew)
    at = ctx.at
    expired = a.not_on_or_after is not None and _passed(at, a.not_on_or_after, skew)
    early = a.not_before is not None and _early(at, a.not_before, skew)
    if not (expired or early):
        return
    when = f"{fmt_time(at)} ({ctx.at_source}), allowing {ctx.expect.clock_skew} s of clock skew"
    verdicts = _window_verdicts(a.not_before, a.not_on_or_after, at)
    if expired:
        old = _days_off(msg, ctx) < 0
        yield finding(msg, "assertion-expired",
                      f"Conditions NotOnOrAfter {fmt_time(a.not_on_or_after)} passed "
                      f"{_seconds(at - a.not_on_or_after)} before {when}"
                      + (f": {OLD_MESSAGE}. " if old else ". ") + verdicts,
                      expected=f"before {fmt_time(a.not_on_or_after)}", actual=fmt_time(at),
                      hint=OLD_MESSAGE_HINT if old else None, side=OLD_MESSAGE_SIDE if old else None)
    if early:
        why, hint = _days_ahead(ctx) if _days_off(msg, ctx) > 0 else ("the IdP clock is ahead", None)
        yield finding(msg, "assertion-not-yet-valid",
                      f"Conditions NotBefore {fmt_time(a.not_before)} is {_seconds(a.not_before - at)} "
                      f"after {when}: {why}. {verdicts}",
                      expected=f"not before {fmt_time(a.not_before)}", actual=fmt_time(at), hint=hint)


def check_subject_confirmation(msg: SamlMessage, ctx: CheckContext):
    a = consumed_assertion(msg)
    if a is None or ctx.at is None:
        return
    skew = timedelta(seconds=ctx.expect.clock_skew)
    bearers = bearers_of(a)
    if one_confirms(a, msg.in_response_to, ctx.at, skew, ctx.expect.acs_url):
        return  # SAML profiles 4.1.4.3: one usable bearer confirmation is enough (java-saml too)
    problems = [confirmation_problems(sc, msg.in_response_to, ctx.at, skew, ctx.expect.acs_url) for sc in bearers]
    why = ("; none of the " + str(len(bearers)) + " bearer SubjectConfirmations is usable: "
           + "; ".join(f"#{i + 1} {', '.join(p)}" for i, p in enumerate(problems))) if len(bearers) > 1 else ""
    for sc in bearers:
        if sc.not_on_or_after and _passed(ctx.at, sc.not_on_or_after, skew):
            old = _days_off(msg, ctx) < 0
            yield finding(msg, "subject-confirmation-expired",
                          f"bearer SubjectConfirmationData NotOnOrAfter {fmt_time(sc.not_on_or_after)} "
                          f"passed {_seconds(ctx.at - sc.not_on_or_after)} before {fmt_time(ctx.at)} "
                          f"({ctx.at_source}){why}" + (f": {OLD_MESSAGE}" if old else ""),
                          expected=f"before {fmt_time(sc.not_on_or_after)}", actual=fmt_time(ctx.at),
                          hint=OLD_MESSAGE_HINT if old else None, side=OLD_MESSAGE_SIDE if old else None)
        if sc.not_before and _early(ctx.at, sc.not_before, skew):
            ahead, hint = _days_ahead(ctx) if _days_off(msg, ctx) > 0 else (None, None)
            yield finding(msg, "assertion-not-yet-valid",
                          f"bearer SubjectConfirmationData NotBefore {fmt_time(sc.not_before)} is after "
                          f"{fmt_time(ctx.at)} ({ctx.at_source})" + (f": {ahead}" if ahead else ""),
                          expected=f"not before {fmt_time(sc.not_before)}", actual=fmt_time(ctx.at), hint=hint)
    yield from _incomplete_bearers(msg, bearers, why)


def check_confirmation_drift(msg: SamlMessage, ctx: CheckContext):
    """A bearer confirmation usable at the evaluation time only within the clock skew: python3-saml
    (response.py is_valid: `parsed_nooa <= now()`, `parsed_nb > now()`, no ALLOWED_CLOCK_DRIFT there,
    unlike Conditions) and php-saml 2.x/3.x (`$noa <= time()`) reject what java-saml and ruby-saml
    accept. Expired or early beyond the skew is check_subject_confirmation's error."""
    a = consumed_assertion(msg)
    if a is None or ctx.at is None or ctx.expect.clock_skew <= 0:
        return
    skew, exact = timedelta(seconds=ctx.expect.clock_skew), timedelta(0)
    bearers = bearers_of(a)
    usable = [sc for sc in bearers if not confirmation_problems(sc, msg.in_response_to, ctx.at, skew, ctx.expect.acs_url)]
    if not usable or any(not confirmation_problems(sc, msg.in_response_to, ctx.at, exact, ctx.expect.acs_url)
                         for sc in usable):
        return
    sc = usable[0]
    if sc.not_on_or_after and _passed(ctx.at, sc.not_on_or_after, exact):
        said = f"NotOnOrAfter {fmt_time(sc.not_on_or_after)} passed {_seconds(ctx.at - sc.not_on_or_after)} before"
    else:
        said = f"NotBefore {fmt_time(sc.not_before)} is {_seconds(sc.not_before - ctx.at)} after"
    yield finding(msg, "subject-confirmation-drift",
                  f"bearer SubjectConfirmationData {said} {fmt_time(ctx.at)} ({ctx.at_source}), within the "
                  f"{ctx.expect.clock_skew} s of clock skew allowed; python3-saml allows none there and says "
                  "'A valid SubjectConfirmation was not found on this Response'",
                  expected="a SubjectConfirmationData window that holds at the SP's clock",
                  actual=fmt_time(ctx.at))


def _incomplete_bearers(msg: SamlMessage, bearers, why: str):
    """When no bearer confirmation is usable, those lacking Recipient or NotOnOrAfter are a cause
    too (SAML profiles 4.1.4.2), not only the complete one that expired: java-saml lists each
    ('[0] SubjectConfirmationData doesn't contain a NotOnOrAfter attribute, ...'). All of them
    lacking is check_bearer_confirmation's finding, whatever the time."""
    lacking = [(i, [name for name, value in (("Recipient", sc.recipient), ("NotOnOrAfter", sc.not_on_or_after))
                    if value is None]) for i, sc in enumerate(bearers)]
    lacking = [(i, names) for i, names in lacking if names]
    if why and lacking and len(lacking) < len(bearers):
        yield finding(msg, "subject-confirmation-missing",
                      "the bearer SubjectConfirmationData lacks "
                      + "; ".join(f"{', '.join(names)} (#{i + 1})" for i, names in lacking) + why,
                      expected="Recipient and NotOnOrAfter")


def check_session(msg: SamlMessage, ctx: CheckContext):
    a = consumed_assertion(msg)
    if a is None or ctx.at is None or a.session_not_on_or_after is None:
        return
    if _passed(ctx.at, a.session_not_on_or_after, timedelta(seconds=ctx.expect.clock_skew)):
        old = _days_off(msg, ctx) < 0
        yield finding(msg, "session-expired",
                      f"AuthnStatement SessionNotOnOrAfter {fmt_time(a.session_not_on_or_after)} passed "
                      f"before {fmt_time(ctx.at)} ({ctx.at_source})" + (f": {OLD_MESSAGE}" if old else ""),
                      expected=f"before {fmt_time(a.session_not_on_or_after)}", actual=fmt_time(ctx.at),
                      hint=OLD_MESSAGE_HINT if old else None, side=OLD_MESSAGE_SIDE if old else None)


SKEW_EXPECTED = "|offset| <= {} s"
"""A clock-skew finding's `expected`: the skew allowed (skew_allowed reads it back)."""


def skew_allowed(expected: str | None) -> int | None:
    """The seconds of skew a clock-skew finding's `expected` (SKEW_EXPECTED) allowed."""
    head, _, tail = SKEW_EXPECTED.partition("{}")
    text = expected or ""
    digits = text[len(head):len(text) - len(tail)] if text.startswith(head) and text.endswith(tail) else ""
    return int(digits) if digits.isdigit() else None


def check_clock_skew(msg: SamlMessage, ctx: CheckContext):
    """Offset between the IdP's IssueInstant and the capture time (only meaningful for a real
    capture time or --at; never against the IssueInstant itself)."""
    if ctx.at is None or ctx.at_source == "issue-instant" or msg.issue_instant is None:
        return
    if msg.kind not in ("Response",):
        return
    offset = (msg.issue_instant - ctx.at).total_seconds()
    limit = ctx.expect.clock_skew
    if offset > limit or offset < -max(limit, 300):
        direction = "ahead of" if offset > 0 else "behind"
        if offset < -STALE_SECONDS:  # no clock is that far off: the message is old
            yield finding(msg, "clock-skew",
                          f"IssueInstant {fmt_time(msg.issue_instant)} is {_seconds(msg.issue_instant - ctx.at)} "
                          f"before the capture time {fmt_time(ctx.at)} ({ctx.at_source}): {OLD_MESSAGE}",
                          expected=SKEW_EXPECTED.format(limit), actual=f"{offset:+.0f} s", hint=OLD_MESSAGE_HINT,
                          side=OLD_MESSAGE_SIDE)
            return
        if offset > STALE_SECONDS:  # nor does one run days ahead: the evaluation time is wrong
            why, hint = _days_ahead(ctx)
            yield finding(msg, "clock-skew",
                          f"IssueInstant {fmt_time(msg.issue_instant)} is {_seconds(msg.issue_instant - ctx.at)} "
                          f"after the capture time {fmt_time(ctx.at)} ({ctx.at_source}): {why}",
                          expected=SKEW_EXPECTED.format(limit), actual=f"{offset:+.0f} s", hint=hint)
            return
        verdicts = "; ".join(f"{name} ({skew} s) {'accepts' if abs(offset) <= skew else 'rejects'}"
                             for name, skew in STACK_SKEWS)
        yield finding(msg, "clock-skew",
                      f"IssueInstant {fmt_time(msg.issue_instant)} is {_seconds(msg.issue_instant - ctx.at)} "
                      f"{direction} the capture time {fmt_time(ctx.at)} ({ctx.at_source}). "
                      f"Measured offset {offset:+.0f} s: {verdicts}",
                      expected=SKEW_EXPECTED.format(limit), actual=f"{offset:+.0f} s", hint=_zone_fix(msg, ctx, offset))


def _zone_fix(msg: SamlMessage, ctx: CheckContext, offset: float) -> str | None:
    """The fix naming --timezone when the time judged at is a log line's, written without a zone
    (logzones.skew_fix), else None (the code's own)."""
    if not (msg.local_time and ctx.at_source == "capture" and msg.source.input):
        return None
    from samlscan.codes import spec
    from samlscan.logzones import skew_fix

    return skew_fix(msg.source.input, offset, ctx.expect.clock_skew, spec("clock-skew").fix)


def _writer(msg: SamlMessage, ctx: CheckContext) -> tuple[str, str | None]:
    """Who wrote the message's times, for a fix, and the finding's side: a request or logout message
    may come from either side (SAML core 3.2, 3.7), an AuthnRequest from the SP."""
    from samlscan.saml import sender

    who = sender(msg.kind, msg.issuer, ctx.expect)
    if who == "idp":
        return "the IdP", None
    return f"the {msg.kind}'s sender ({msg.issuer or 'its Issuer'})", "sp" if who == "sp" else None


def check_time_format(msg: SamlMessage, ctx: CheckContext):
    """Times that are no xs:dateTime, or not in UTC 'Z' (SAML core 1.3.3, for every SAML time: a
    request's or logout message's IssueInstant too)."""
    names = [f"Assertion {name}" for a in msg.assertions for name in a.unparsed_time_fields]
    names += [fact.partition(":")[2] for fact in msg.structure if fact.startswith("time-unreadable:")]
    if not names and not any(fact.partition(":")[0] in _ZONE_NOTES for fact in msg.structure):
        return  # (most messages: who wrote the times is asked only for a finding)
    writer, side = _writer(msg, ctx)
    for name in names:
        yield finding(msg, "input-xml-malformed", f"{name} is not an xs:dateTime",
                      hint=f"{writer} must write times as xs:dateTime in UTC, e.g. 2025-03-11T08:41:02Z, "
                           "without leap seconds (SAML core 1.3.3)", side=side)
    # the code's own fix speaks to the IdP
    yield from _zone_notes(msg, None if writer == "the IdP" else
                           f"Make {writer} write SAML times in UTC with 'Z' (SAML core 1.3.3)", side)


_ZONE_NOTES = {
    "time-offset": ("written with a UTC offset, read as {utc} (SAML core 1.3.3 wants UTC with 'Z'; "
                    "java-saml and OpenSAML read offsets, python3-saml rejects the response)"),
    "time-no-zone": ("written without a zone, read as UTC (SAML core 1.3.3: UTC; java-saml and "
                     "python3-saml reject a time without a zone, OpenSAML reads it in the SP's own zone)"),
}


def _zone_notes(msg: SamlMessage, hint: str | None = None, side: str | None = None):
    """One finding per message on times not written as UTC 'Z' (saml.time_zone_facts): how samlscan
    read them (a wrong hour blames the IdP's clock for nothing) and which SPs reject them. Each time
    is named by its path: an Assertion in saml:Advice (SAML core 2.6.1) has the same element names
    as the one holding it, and only the path tells them apart."""
    from samlscan.saml import parse_saml_time

    parts = []
    for fact in msg.structure:
        kind, _, rest = fact.partition(":")
        if kind not in _ZONE_NOTES:
            continue
        where, _, raw = rest.rpartition("=")
        utc = parse_saml_time(raw)
        parts.append(f"{where} {raw} is "
                     + _ZONE_NOTES[kind].format(utc=fmt_time(utc) if utc else "?"))
    if parts:
        yield finding(msg, "time-not-utc", "; ".join(parts), hint=hint, side=side)


CHECKS = (check_conditions_window, check_subject_confirmation, check_confirmation_drift, check_session,
          check_clock_skew, check_time_format)
