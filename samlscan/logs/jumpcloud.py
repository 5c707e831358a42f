"""JumpCloud Directory Insights events (POST /insights/directory/v1/events): JSON array, JSON
lines or a stream of pretty-printed objects, and Elastic's `message` wrapping.

Schema (Directory Insights API; Elastic's jumpcloud package, Sekoia's samples): `event_type`,
`service`, `success`, `error_message`, `timestamp` (UTC, up to 9 fraction digits), `client_ip`,
`initiated_by{id,type,username|email}`, and for SSO `application{name,display_label,sso_type,
sso_url}`, `idp_initiated`, `sso_token_success`. An `sso_auth` of sso_type 'saml' is a SAML
sign-on; every other event (admin_login_attempt, user_login_attempt to the User Portal,
radius_auth_attempt, ldap_bind, OIDC sso_auth) is no SAML attempt and stays 'info'.
"""
from __future__ import annotations

from datetime import tzinfo
from typing import Iterable, Iterator

from samlscan.logs._common import classify, dig, json_events, parse_iso, src, text_or_none
from samlscan.logs.base import Record
from samlscan.model import LogEvent

PRODUCT = "jumpcloud"
_SSO = "sso_auth"


class JumpCloudParser:
    name = PRODUCT
    empty_reason = "a JumpCloud Directory Insights export with no SSO event"

    def sniff(self, head: str) -> bool:
        # every Directory Insights event names its event_type, initiated_by and organization
        return '"event_type"' in head and '"initiated_by"' in head and '"organization"' in head

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo) -> Iterator[Record]:
        yield from json_events(lines, path, lambda obj, no: _event(obj, no, path))


def _is_saml(obj: dict) -> bool:
    sso_type = text_or_none(dig(obj, "application", "sso_type"))
    return obj.get("event_type") == _SSO and (sso_type is None or sso_type.lower() == "saml")


def _event(obj: dict, no: int, path: str) -> Iterator[Record]:
    etype = text_or_none(obj.get("event_type"))
    if etype is None:
        return
    success = obj.get("success")
    if success is None and etype == _SSO:  # some sso_auth events carry only sso_token_success
        success = obj.get("sso_token_success")
    saml = _is_saml(obj)
    outcome = "info" if not saml or not isinstance(success, bool) else "success" if success else "failure"
    error = text_or_none(obj.get("error_message"))
    text = f"{etype}: {error}" if error else etype
    time, _ = parse_iso(obj.get("timestamp"))
    code = None
    if outcome == "failure":  # the error_message alone says why (the API has no error code); the
        # catalog's patterns quote it after its event type ('sso_auth: not authorized'), as plain
        # words it would match any product's text
        code = (classify(PRODUCT, None, text) if error else None) or "unknown-failure"
    by = obj.get("initiated_by") if isinstance(obj.get("initiated_by"), dict) else {}
    user = text_or_none(by.get("username")) or text_or_none(by.get("email"))
    if user is None and isinstance(obj.get("initiated_by"), str):  # a flattened export
        user = text_or_none(obj["initiated_by"])
    app = (text_or_none(dig(obj, "application", "display_label")) or text_or_none(dig(obj, "application", "name"))
           or text_or_none(dig(obj, "application", "sso_url")))
    yield LogEvent(
        source=src(path, no), time=time, product=PRODUCT, side="idp", outcome=outcome, text=text,
        code=code, user=user or text_or_none(obj.get("username")), ip=text_or_none(obj.get("client_ip")),
        correlation_id=text_or_none(obj.get("id")), app=app if saml else None, raw_code=etype)


PARSER = JumpCloudParser()
