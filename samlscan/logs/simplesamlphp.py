"""SimpleSAMLphp log (file handler `%date{M j H:i:s} %process %level %stat[%trackid] %msg`, or the
syslog handler: `<date> <host> simplesamlphp[pid]: <level-number> [trackid] msg`).

PHP's `j` is the day without a leading zero: the file handler writes `Feb 2 11:37:03` (one space,
src/SimpleSAML/Logger.php $format; seen in simplesamlphp issue 1936), syslog pads it (`Feb  2`).

The date has no year: it is taken from `year`, else from the file's modification time (a line
later than that moment belongs to the previous year, as syslog rotation implies).
"""
from __future__ import annotations

import dataclasses
import os
import re
from collections import deque
from datetime import datetime, timedelta, tzinfo
from typing import Iterable, Iterator

from samlscan import lazyre
from samlscan.logs._common import classify, local_to_utc, malformed, src, text_lines
from samlscan.logs.base import ATTEMPT_NOTE, Record
from samlscan.logs.embedded import SAML_ROOT, XmlDump, embedded_records
from samlscan.model import LogEvent

PRODUCT = "simplesamlphp"
# (the process name's runs are bounded: '[\\w.-]*saml[\\w.-]*' tried every 'saml' of a long token
# against every end of it, 9 s for a 32 KB line, in the sniff of every log)
_LINE = lazyre.compile(
    r"^(?P<date>[A-Z][a-z]{2} (?: ?\d|\d\d) \d{2}:\d{2}:\d{2}) (?:(?P<host>\S+) )?"
    r"(?P<proc>simplesamlphp|[\w.-]{0,64}saml[\w.-]{0,64})(?:\[(?P<pid>\d+)\])?:? (?P<level>[A-Z]+|\d) "
    r"(?P<stat>STAT )?\[(?P<track>[^\]]*)\] (?P<msg>.*)$", re.IGNORECASE)
_LOOKS_LIKE = lazyre.compile(r"^[A-Z][a-z]{2} (?: ?\d|\d\d) \d{2}:\d")
# Exception backtrace lines (SimpleSAML\Error\Exception::logBacktrace): part of the error above.
# The error report line only says a report was written (SimpleSAML\Error\Error::logReport): the
# failure itself is the error line before it.
_BACKTRACE = lazyre.compile(r"^Backtrace:$|^\d+ (?:\S+:\d+ |\[builtin\])|^Error report with id \S+ generated\.?$")
# An exception is logged as its class and message, then (SimpleSAML\Error\Exception::
# formatBacktrace) 'Backtrace:' and its frames, then for each cause 'Caused by: <class>: <message>'
# and the cause's frames: UNHANDLEDEXCEPTION, a wrapper's code, is the echo of the cause below it.
CAUSED_BY = "Caused by: "
# SimpleSAMLphp is an IdP or an SP (or both, a proxy): an exception's frames say which role threw
# it. The SP's code: its ACS/logout/metadata endpoints (1.x modules/saml/www/sp/, 2.x
# modules/saml/src/Controller/ServiceProvider.php), the response checks (Module\saml\Message::
# processResponse/processAssertion) and the saml:SP auth source (Module\saml\Auth\Source\SP).
_SP_FRAME = lazyre.compile(r"modules/saml/www/sp/|Controller/ServiceProvider\.php|Controller\\ServiceProvider"
                       r"|Module\\saml\\Message::process(?:Response|Assertion)|Module\\saml\\Auth\\Source\\SP")
# What only an SP says, of a response it received (modules/saml/lib/Message.php processResponse
# and processAssertion, www/sp/saml2-acs.php), with or without a backtrace under it: 'Could not
# load state specified by InResponseTo' is a WARNING with none.
_SP_TEXT = lazyre.compile(r"specified by InResponseTo|[Uu]nsolicited response|Received an assertion|SubjectConfirmation"
                      r"|is not a valid audience|(?:Destination|Recipient) in (?:response|assertion)")
# Warnings after which SimpleSAMLphp goes on: an AuthnRequest whose ACS is not in the SP's
# saml20-sp-remote entry is answered at that entry's default AssertionConsumerService
# (modules/saml/src/IdP/SAML2.php getAssertionConsumerService: 'Authentication request specifies
# invalid AssertionConsumerService:' and the requested URL, binding, index, then "our last resort
# is to just use the default endpoint"). They explain a Destination the SP refuses; they are no
# failure of their own: notes its login's attempt quotes (ATTEMPT_NOTE).
_CARRIED_ON = lazyre.compile(r"^(?:Authentication request specifies invalid AssertionConsumerService:"
                         r"|AssertionConsumerService(?:URL|Index): |ProtocolBinding: )")
# Statistics lines of the user/password auth sources (modules/core/lib/Auth/UserPassBase.php
# and UserPassOrgBase.php, Logger::stats): who logged in, or that a login failed (no user named).
_AUTHENTICATED = lazyre.compile(r"^User '(?P<user>[^']+)' successfully authenticated from ")
_STAT_FAILURE = lazyre.compile(r"^Unsuccessful login attempt from ")
_STATE_LOST = "Could not load state specified by InResponseTo"
_SESSIONS_KEPT = 4096
"""Sessions whose authenticated user is remembered (the SSO line follows its login within seconds)."""
NO_TRACK = ("", "N/A", "_NOTRACKIDYET_")
"""Track IDs that name no session: Logger::NO_TRACKID ('_NOTRACKIDYET_') while the session is
being read, none at all."""
ECHO_WINDOW = timedelta(seconds=5)
_HELD_MAX = 65536
"""Lines held behind a waiting warning (bounded: a session that never logs again, lines with no time)."""
_LEVELS = {"0": "EMERG", "1": "ALERT", "2": "CRITICAL", "3": "ERROR", "4": "WARNING",
           "5": "NOTICE", "6": "INFO", "7": "DEBUG"}
_FAIL_LEVELS = {"EMERG", "ALERT", "CRITICAL", "CRIT", "ERR", "ERROR", "WARNING", "WARN"}
# SimpleSAML\Utils\XML::debugSAMLMessage (config 'debug' => ['saml' => true]) logs one of these at
# DEBUG, then the message re-indented by XML::formatXMLString ONE RECORD PER LINE, each with its own
# header (`foreach (explode("\n", $str) as $line) Logger::debug($line)`): read as one message.
DUMP_HEADS = frozenset(("Received message:", "Sending message:", "Decrypted message:", "Encrypted message:"))
_DUMPS_OPEN = 64
"""Sessions whose message is being joined at once (bounded: headers never followed by a message)."""
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}


class SimpleSamlPhpParser:
    name = PRODUCT
    yearless = True
    """Its dates carry no year: a wrapper's full time (docker, CRI, journald, RFC 5424) gives it
    (logs.wrapped._wrapper_dated)."""
    range_context = frozenset({"before", "after"})
    """A dump is one record a line (Utils/XML::debugSAMLMessage logs formatXMLString's lines one by one):
    a range cut inside one reads on to its end, and the next range its start (batch._context)."""

    def __init__(self, year: int | None = None) -> None:
        self.year = year

    def sniff(self, head: str) -> bool:
        return any(_LINE.match(line) for line in head.splitlines()[:50])

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo) -> Iterator[Record]:
        """Events in line order; a failure is held back until the next line of an event says
        whether it was the wrapper of a cause ('Caused by:' of the same request, moments later):
        then it is that cause's echo (counted, not a failure) and the cause the failure, with the
        wrapper's code when its own text has none."""
        held: tuple[LogEvent, tuple] | None = None
        for rec, key in _went_on(self._records(lines, path, tz)):
            if held is not None and isinstance(rec, LogEvent) and rec.text.startswith(CAUSED_BY) \
                    and key == held[1] and _soon(held[0].time, rec.time):
                outer = held[0]
                yield dataclasses.replace(outer, outcome="info", code=None)
                rec = dataclasses.replace(rec, code=rec.code or outer.code)
                held = None
            if held is not None:
                yield held[0]
                held = None
            if isinstance(rec, LogEvent) and rec.outcome == "failure":
                held = rec, key
            else:
                yield rec
        if held is not None:
            yield held[0]

    def _records(self, lines, path: str, tz: tzinfo) -> Iterator[tuple[Record, tuple | None]]:
        """(record, (track ID, process ID)) for each record, in line order; an event waits for
        the backtrace lines after it, whose frames may say it was the SP's (_SP_FRAME)."""
        pending: tuple[LogEvent, tuple] | None = None
        for rec, key, frame in self._lines(lines, path, tz):
            if frame is not None:
                if pending is not None and key == pending[1] and _SP_FRAME.search(frame):
                    pending = dataclasses.replace(pending[0], side="sp"), pending[1]
                continue
            if pending is not None:
                yield pending
                pending = None
            if isinstance(rec, LogEvent):
                pending = rec, key
            else:
                yield rec, key
        if pending is not None:
            yield pending

    def _lines(self, lines, path: str, tz: tzinfo) -> Iterator[tuple[Record | None, tuple | None, str | None]]:
        """(record, key, None) for each record, (None, key, frame) for each backtrace line."""
        ref = _reference(path, self.year)
        users: dict[str, str] = {}  # track ID -> user the auth source accepted in that session
        dumps: dict[tuple, XmlDump] = {}  # (track ID, process ID) -> the message its records print
        for no, line in text_lines(lines):
            m = _LINE.match(line)
            if m is None:
                if _LOOKS_LIKE.match(line) and "saml" in line.lower():
                    yield malformed(path, no, "SimpleSAMLphp line without level/[trackid]"), None, None
                continue
            time, local = _time(m["date"], ref, tz)
            msg = m["msg"]
            key = (m["track"], m["pid"])
            dump = dumps.pop(key, None)
            if dump is not None:
                # its message's lines: from its root (formatXMLString's first line, not indented)
                # up to the root's closing tag; any other record of the session ends it unread
                took = m["level"].upper() in ("DEBUG", "7") and not m["stat"] and bool(
                    dump.parts or SAML_ROOT.match(msg))
                if took:
                    dump.add(msg)
                    if not dump.closed:
                        dumps[key] = dump
                        continue
                for rec in dump.records(path):
                    yield rec, None, None
                if took:
                    continue
            if msg in DUMP_HEADS and m["level"].upper() in ("DEBUG", "7"):
                if len(dumps) >= _DUMPS_OPEN:  # (the oldest is done with: what it holds is read)
                    for rec in dumps.pop(next(iter(dumps))).records(path):
                        yield rec, None, None
                dumps[key] = XmlDump(no, time, PRODUCT, printed=True, local_time=local)
                continue
            for rec in embedded_records(path, no, msg, time, "simplesamlphp", local_time=local):
                yield rec, None, None
            level = _LEVELS.get(m["level"], m["level"].upper())
            track = m["track"] if m["track"] not in NO_TRACK else None
            if m["stat"]:
                outcome = _stat_outcome(msg)
            elif _BACKTRACE.match(msg):
                yield None, (m["track"], m["pid"]), msg
                continue
            elif _CARRIED_ON.match(msg):
                outcome = "note"
            elif level in _FAIL_LEVELS:
                outcome = "failure"
            else:
                continue  # NOTICE/INFO/DEBUG chatter
            app, user = _stat_sp(msg) if m["stat"] else (None, None)
            authenticated = _AUTHENTICATED.match(msg) if m["stat"] else None
            if authenticated and track:
                users.pop(track, None)  # (to the back: the sessions kept are the last to log in)
                users[track] = authenticated["user"]
                if len(users) > _SESSIONS_KEPT:  # (bounded: a big log's every session would stay)
                    del users[next(iter(users))]
            user = user or (authenticated["user"] if authenticated else users.get(track) if app else None)
            code = classify(PRODUCT, None, msg) if outcome == "failure" else None
            yield LogEvent(source=src(path, no), time=time, product=PRODUCT,
                           side="sp" if _SP_TEXT.search(msg) else "idp",
                           outcome="info" if outcome == "note" else outcome, text=msg, code=code,
                           request_id=track, app=app, user=user, local_time=local,
                           raw_code=ATTEMPT_NOTE if outcome == "note" else None), (m["track"], m["pid"]), None
        for dump in dumps.values():
            for rec in dump.records(path):
                yield rec, None, None


def _went_on(records: Iterator[tuple[Record, tuple | None]]) -> Iterator[tuple[Record, tuple | None]]:
    """The SP's 'Could not load state specified by InResponseTo: ... Processing response as
    unsolicited.' is a warning after which SimpleSAMLphp goes on: a failure only when the same
    session's next event, moments later, is one (2.x with unsolicited responses off: 'Unsolicited
    responses are denied by configuration.', the lost state its cause); else the response was
    processed as unsolicited (1.19 accepts it: tests/data/livesspsp, state-lost), a note. Other
    sessions' lines may come between (a busy SP); another such warning is no refusal."""
    out: deque = deque()  # [record, key, decided] in line order: a warning waits for its session
    waiting: dict = {}  # key -> the `out` entry of its session's warning, oldest first
    for rec, key in records:
        if isinstance(rec, LogEvent):
            entry = waiting.pop(key, None)
            if entry is not None:
                _decide(entry, rec.outcome == "failure" and not rec.text.startswith(_STATE_LOST)
                        and _soon(entry[0].time, rec.time))
        while waiting and (len(waiting) >= _SESSIONS_KEPT or len(out) >= _HELD_MAX
                           or not _soon(next(iter(waiting.values()))[0].time, getattr(rec, "time", None))):
            _decide(waiting.pop(next(iter(waiting))), False)  # (its session's next event is too late)
        entry = [rec, key, True]
        if isinstance(rec, LogEvent) and rec.outcome == "failure" and rec.text.startswith(_STATE_LOST):
            entry[2] = False
            waiting[key] = entry
        out.append(entry)
        while out and out[0][2]:
            yield tuple(out.popleft()[:2])
    for entry in waiting.values():
        _decide(entry, False)
    yield from (tuple(entry[:2]) for entry in out)


def _decide(entry: list, failed: bool) -> None:
    """A waiting state-lost warning's verdict: the failure it was, or the note its attempt quotes
    (the SP lost the login's state: its session cookie was gone, and it went on as unsolicited)."""
    if not failed:
        entry[0] = dataclasses.replace(entry[0], outcome="info", raw_code=ATTEMPT_NOTE)
    entry[2] = True


def _stat_outcome(msg: str) -> str:
    """A statistics line: the response sent (`saml20-idp-SSO`, not its `-first` twin that marks the
    SP's first login of the session, modules/saml/lib/IdP/SAML2.php), a failure the catalog knows
    (the auth source's 'Unsuccessful login attempt from <ip>.'), else a note."""
    if re.match(r"saml20-(?:idp|sp)-SSO(?:\s|$)", msg):
        return "success"
    return "failure" if _STAT_FAILURE.match(msg) else "info"


def _soon(before: datetime | None, after: datetime | None) -> bool:
    return before is None or after is None or timedelta(0) <= after - before <= ECHO_WINDOW


def _stat_sp(msg: str) -> tuple[str | None, str | None]:
    """SP and NameID of `saml20-idp-SSO <sp entityID> <idp entityID> <nameid|NA>` lines."""
    parts = msg.split()
    if len(parts) < 2 or parts[0] != "saml20-idp-SSO":
        return None, None
    user = parts[3] if len(parts) > 3 and parts[3] != "NA" else None
    return parts[1], user


def _reference(path: str, year: int | None) -> datetime:
    if year is not None:
        return datetime(year, 12, 31, 23, 59, 59)
    try:
        return datetime.fromtimestamp(os.path.getmtime(path))
    except (OSError, OverflowError, ValueError):  # (a modification time past year 9999)
        return datetime.now()


def _time(text: str, ref: datetime, tz: tzinfo) -> tuple[datetime | None, bool]:
    """The line's date in the year that puts it less than two days after `ref` (syslog dates have no
    year); 'Feb 29' goes back to the last leap year at or before that year."""
    try:
        mon, day, hms = text.split()
        h, mi, s = (int(x) for x in hms.split(":"))
        month, day = _MONTHS[mon.lower()], int(day)
        if not (0 <= h < 24 and 0 <= mi < 60 and 0 <= s < 60 and 1 <= day <= 31):
            return None, False
    except (ValueError, KeyError):
        return None, False
    # (a file dated in the last days of year 9999, as tmpfs and btrfs keep it, left no room for the
    # two days ahead: OverflowError, the whole log lost)
    last = min(ref.replace(tzinfo=None), datetime.max - timedelta(days=2)) + timedelta(days=2)
    for year in range(last.year, last.year - 9, -1):
        try:
            naive = datetime(year, month, day, h, mi, s)
        except ValueError:  # Feb 29 in a common year, Apr 31: try the year before
            continue
        if naive <= last:
            return local_to_utc(naive, tz)
    return None, False


PARSER = SimpleSamlPhpParser()
