"""Whether a bearer SubjectConfirmation can confirm an assertion's subject (SAML profiles 4.1.4.2-4.1.4.3):
one that satisfies every condition is enough, whatever the others say."""
from __future__ import annotations

from datetime import datetime, timedelta

from samlscan.checks.base import fmt_time
from samlscan.model import Assertion

BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"


def passed(at, not_on_or_after, skew: timedelta) -> bool:
    """`at` is at or after NotOnOrAfter + skew: the time is exclusive (SAML core 2.5.1.2, 2.4.1.2).
    Differences, never `time + skew`: a NotOnOrAfter of 9999-12-31 plus a skew leaves datetime's range."""
    return at - not_on_or_after >= skew


def early(at, not_before, skew: timedelta) -> bool:
    """`at` is before NotBefore - skew (NotBefore itself is inclusive: valid at that instant)."""
    return not_before - at > skew


def confirmation_problems(sc, in_response_to: str | None, at: datetime | None, skew: timedelta,
                          acs_url: str | None) -> list[str]:
    """Why one bearer SubjectConfirmation cannot confirm the subject: it needs a Recipient (the ACS URL
    when known) and a NotOnOrAfter, both still good at `at` (unknown: not judged), and, in answer to a
    request, the Response's InResponseTo (java-saml SamlResponse.validateSubjectConfirmation, python3-saml
    and node-saml's saml.ts check each of these per SubjectConfirmation and take the first that passes)."""
    out = []
    if sc.not_on_or_after is None:
        out.append("no NotOnOrAfter")
    elif at is not None and passed(at, sc.not_on_or_after, skew):
        out.append(f"expired {fmt_time(sc.not_on_or_after)}")
    if sc.not_before is not None and at is not None and early(at, sc.not_before, skew):
        out.append(f"NotBefore {fmt_time(sc.not_before)} not reached")
    if sc.recipient is None:
        out.append("no Recipient")
    elif acs_url and sc.recipient != acs_url:
        out.append(f"Recipient {sc.recipient}")
    if in_response_to is not None and sc.in_response_to != in_response_to:
        out.append(f"InResponseTo {sc.in_response_to}" if sc.in_response_to else "no InResponseTo")
    return out


def bearers(a: Assertion) -> list:
    return [sc for sc in a.subject_confirmations if sc.method == BEARER]


def one_confirms(a: Assertion, in_response_to: str | None, at: datetime | None, skew: timedelta,
                 acs_url: str | None) -> bool:
    """Among several bearer SubjectConfirmations, one satisfies every condition: the others' faults
    refuse nothing (SAML profiles 4.1.4.3; node-saml's test 'valid xml document with multiple
    SubjectConfirmation should validate')."""
    found = bearers(a)
    return len(found) > 1 and any(not confirmation_problems(sc, in_response_to, at, skew, acs_url) for sc in found)
