"""AWS CloudTrail records of sign-ins (eventSource signin.amazonaws.com): a CloudTrail log file
(`{"Records": [...]}`), Event history's JSON export, JSON lines, and Elastic's wrappings.

IAM Identity Center records a sign-in through its external IdP as `ExternalIdPDirectoryLogin`:
`responseElements.ExternalIdPDirectoryLogin` Success or Failure, `errorMessage` saying why
('Response contains invalid name id policy format'), `userIdentity.type` Unknown (the user is
not known yet), `sourceIPAddress` the browser's. Identity Center is the SAML SP of that
exchange (it consumes the external IdP's response), so its events are the SP side; the reason
names the side to fix (the catalog entry's). Other sign-in events (`ConsoleLogin` of an IAM user
or root with a password, Identity Center's own directory `UserAuthentication`,
`CredentialVerification`, `CheckMfa`) and API calls are no SAML attempt: 'info'.
Source: AWS IAM Identity Center user guide, troubleshooting ('filtering on the event name
ExternalIdPDirectoryLogin'); the event as goauthentik/authentik issue 4554 quotes it.
"""
from __future__ import annotations

from datetime import tzinfo
from typing import Iterable, Iterator

from samlscan.logs._common import classify, dig, json_events, parse_iso, src, text_or_none
from samlscan.logs.base import Record
from samlscan.model import LogEvent

PRODUCT = "aws-identity-center"
_SAML_SIGN_IN = "ExternalIdPDirectoryLogin"
_OUTCOMES = {"success": "success", "failure": "failure"}


class CloudTrailParser:
    name = "cloudtrail"
    empty_reason = "a CloudTrail log with no sign-in event"

    def sniff(self, head: str) -> bool:
        return '"eventSource"' in head and '"eventName"' in head and '"eventTime"' in head

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo) -> Iterator[Record]:
        yield from json_events(lines, path, lambda obj, no: _event(obj, no, path))


def _user(obj: dict) -> str | None:
    """The signing-in user when the record names one (an IAM user, an assumed role's session);
    an ExternalIdPDirectoryLogin names none (userIdentity.type Unknown, its principalId the account)."""
    identity = obj.get("userIdentity") if isinstance(obj.get("userIdentity"), dict) else {}
    if identity.get("type") == "Unknown":
        return text_or_none(dig(obj, "additionalEventData", "UserName"))
    name = text_or_none(identity.get("userName"))
    arn = text_or_none(identity.get("arn"))
    return name or (arn.rsplit("/", 1)[-1] if arn and "/" in arn else None)


def _event(obj: dict, no: int, path: str) -> Iterator[Record]:
    name, source = text_or_none(obj.get("eventName")), text_or_none(obj.get("eventSource"))
    if name is None or source is None:
        return
    error = text_or_none(obj.get("errorMessage"))
    result = str(dig(obj, "responseElements", name) or "").lower()
    saml = source == "signin.amazonaws.com" and name == _SAML_SIGN_IN
    outcome = _OUTCOMES.get(result, "failure" if error else "info") if saml else "info"
    text = f"{name}: {error}" if error else f"{name}: {result.title()}" if result else name
    time, _ = parse_iso(obj.get("eventTime"))
    code = None
    if outcome == "failure":  # the errorMessage says why; the event's name alone is the generic entry
        code = classify(PRODUCT, name, error)
    yield LogEvent(
        source=src(path, no), time=time, product=PRODUCT, side="sp", outcome=outcome, text=text,
        code=code, user=_user(obj), ip=text_or_none(obj.get("sourceIPAddress")),
        request_id=text_or_none(obj.get("requestID")), correlation_id=text_or_none(obj.get("eventID")),
        raw_code=name)


PARSER = CloudTrailParser()
