"""Nextcloud's log (data/nextcloud.log, the admin UI's download, `occ log:file`) as evidence of its
user_saml app's SAML logins (php-saml inside).

One JSON object a line (lib/private/Log/LogDetails.php): reqId, level (0 debug .. 4 fatal), time
(logdateformat, ATOM by default, in logtimezone), remoteAddr, user ('--' before a login), app,
method, url, message, userAgent, version; newer releases add `exception` ({Exception, Message,
Code, Trace, File, Line, Previous, CustomMessage}) and `data`; older ones log an exception as the
`message` object itself. One request's lines share its reqId: an attempt.

Only user_saml's and php-saml's lines are a login's: the app 'user_saml', a request under
/apps/user_saml/ (its debug lines without an app), or a php-saml exception (OneLogin\\Saml2\\). What
user_saml's SAMLController::assertionConsumerService logs (nextcloud/user_saml): php-saml's
getErrors() ('invalid_response') and getLastErrorReason() at error, 'Auth failed' at info, the
NoUserFoundException / UserFilterViolationException text at error, 'User found, last login
timestamp updated' at debug once the login succeeded.
"""
from __future__ import annotations

from datetime import datetime, tzinfo
from functools import cache
from typing import Any, Iterable, Iterator

from samlscan import lazyre
from samlscan.logs._common import (
    MAX_TEXT_LINE, classify, json_events, local_to_utc, parse_iso, src, text_or_none,
)
from samlscan.logs.base import Record
from samlscan.logs.embedded import embedded_records
from samlscan.model import LogEvent

PRODUCT = "nextcloud"
APP = "user_saml"
PHP_SAML = "php-saml"

_FIELDS = ('"reqId"', '"remoteAddr"', '"app"', '"level"')
"""Every record of Nextcloud's JSON log has these keys (LogDetails::logDetails)."""
_ACS_PATH = "/apps/user_saml/"
_LOGOUT_PATH = "/apps/user_saml/saml/sls"
"""user_saml's single logout service: php-saml's errors there are a logout's, not a login's."""
_PHP_SAML_CLASS = lazyre.compile(r"\bOneLogin\\{1,2}Saml2\\|\bOneLogin_Saml2_")
_SUCCESS = ("User found, last login timestamp updated",)
"""user_saml's debug line once a login's user is known (SAMLController, 5.x and later)."""
_NO_USER = lazyre.compile(r"^Auto provisioning not allowed and user (.+) does not exist$")
_FAIL_LEVEL = 2
"""Nextcloud's ILogger::WARN; ERROR 3 and FATAL 4 above it."""
_MAX_CAUSES = 8
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S",
                 "%B %d, %Y %H:%M:%S", "%Y-%m-%dT%H:%M:%S")
"""Zone-less logdateformat values admins set (Nextcloud's admin manual's example 'd.m.Y H:i:s', 'F d,
Y H:i:s' in its older logging docs): read in --timezone, as the log's logtimezone is not in it."""


class NextcloudParser:
    name = PRODUCT
    empty_reason = "a Nextcloud log with no user_saml login line"

    @property
    def prefilter(self):
        """A line matters only when _saml_line can hold for it, which needs 'user_saml' (the app, or its
        URL, '\\/apps\\/user_saml\\/' as json_encode escapes it) or php-saml's class ('OneLogin\\\\Saml2'
        escaped, 'OneLogin_Saml2_'): a big log's cron, files and other apps' lines are skipped unread,
        and it is read in ranges cut at its lines."""
        return _prefilter()

    def sniff(self, head: str) -> bool:
        start = head.lstrip("\ufeff \t\r\n")[:1]
        return start in "{[" and all(key in head for key in _FIELDS) and '"message"' in head

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo) -> Iterator[Record]:
        # (a debug line may hold a big SAMLResponse: records up to a text line's size)
        yield from json_events(lines, path, lambda obj, no: _records(obj, no, path, tz), MAX_TEXT_LINE)


@cache
def _prefilter():
    from samlscan.prefilter import JSON_LINE, Prefilter  # (when asked: the prefilter module imports the readers)

    return Prefilter(record_start=JSON_LINE, keep=(APP.encode(), b"OneLogin"), json_lines=True)


def _records(obj: dict, no: int, path: str, tz: tzinfo) -> Iterator[Record]:
    url = text_or_none(obj.get("url")) or ""
    text = _text(obj)
    if not _saml_line(obj, url, text):
        return  # cron, files, another app's line: no login's evidence
    time, local = _time(obj.get("time"), tz)
    req = text_or_none(obj.get("reqId"))
    yield from embedded_records(path, no, f"{text} {url}", time, PRODUCT, req, local_time=local)
    outcome, code, user = _outcome(text, _level(obj.get("level")), url)
    yield LogEvent(source=src(path, no), time=time, product=PRODUCT, side="sp", outcome=outcome,
                   text=text[:2000], code=code, user=user or _user(obj.get("user")),
                   ip=text_or_none(obj.get("remoteAddr")), request_id=req, local_time=local)


def _saml_line(obj: dict, url: str, text: str) -> bool:
    return obj.get("app") == APP or _ACS_PATH in url or _PHP_SAML_CLASS.search(text) is not None


def _outcome(text: str, level: int, url: str) -> tuple[str, str | None, str | None]:
    """(outcome, code, user named by the text) of a user_saml or php-saml line."""
    if any(text.startswith(s) for s in _SUCCESS):
        return "success", None, None
    if level < _FAIL_LEVEL or _LOGOUT_PATH in url:
        return "info", None, None
    no_user = _NO_USER.match(text)
    code = classify(PRODUCT, None, text) or "unknown-failure"
    return "failure", code, no_user[1] if no_user else None


def _text(obj: dict) -> str:
    """The message, with the exception's causes as `Class: message` after it (an old release logs
    the exception object as the message itself)."""
    message = obj.get("message")
    exc = obj.get("exception")
    if isinstance(message, dict):
        exc, message = message, message.get("CustomMessage")
        if message in (None, "--"):
            message = exc.get("Message")
    parts = [str(message)] if message not in (None, "") else []
    while isinstance(exc, dict) and len(parts) < _MAX_CAUSES:
        etype, emsg = text_or_none(exc.get("Exception")), text_or_none(exc.get("Message"))
        said = f"{etype}: {emsg}" if etype and emsg else etype or emsg
        if said and said not in parts and emsg not in parts:
            parts.append(said)
        exc = exc.get("Previous")
    return ": ".join(parts)


def _level(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _user(value: Any) -> str | None:
    user = text_or_none(value)
    return None if user in (None, "--") else user


def _time(value: Any, tz: tzinfo) -> tuple[datetime | None, bool]:
    """The record's time: ISO with its zone (the default ATOM format, in logtimezone), or a zone-less
    custom logdateformat read in `tz`."""
    time, local = parse_iso(value, tz)
    if time is not None or not isinstance(value, str) or len(value) > 64:
        return time, local
    for fmt in _TIME_FORMATS:
        try:
            return local_to_utc(datetime.strptime(value.strip(), fmt), tz)
        except ValueError:
            continue
    return None, False


PARSER = NextcloudParser()
