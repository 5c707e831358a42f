"""Error pages of IdPs and SPs, as a browser showed them: their patterns (shared with the capture
readers, flows.find_idp_error) and a pasted or saved page read as one event (read_page).

A page is known by its layout, never by a code alone: a ticket or a chat that mentions
'AADSTS50105' or quotes a sentence of a page is no page (no attempt with a made-up time).
"""
from __future__ import annotations

import html
import itertools
import re
from dataclasses import dataclass
from functools import cache, partial
from datetime import datetime, timezone
from typing import Iterator

from samlscan import lazyre

GUID = r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
AADSTS = lazyre.compile(r"AADSTS(\d{4,})(?::\s*([^\"<\r\n\\]{0,400}))?")
# The Entra error page shows 'Request Id: <guid>' and 'Correlation Id: <guid>' (its $Config
# JSON carries them too; key names there are not verified, so several spellings are accepted;
# an OAuth error_description writes 'Trace ID:', learn.microsoft.com 'reference-error-codes').
REQ_ID = lazyre.compile(r"(?:Request\s*Id|requestId|Trace\s*ID|trace_id|\"sessionId\")\W{1,6}" + GUID, re.IGNORECASE)
CORR_ID = lazyre.compile(r"(?:Correlation\s*Id|correlation_?Id)\W{1,6}" + GUID, re.IGNORECASE)
OKTA_CODE = lazyre.compile(r"\b(E\d{7})\b")
OKTA_TEXT = lazyre.compile(r"(You are not allowed to access this app[^<\"]{0,200}|"
                       r"Sorry, you can(?:'|&#39;|&#x27;|\u2019)t access [^<\"]{0,200}|"
                       r"not assigned (?:to )?this app[^<\"]{0,200})", re.IGNORECASE)
# AD FS's error page: 'An error occurred' and, for the admin, the Activity ID of its events
# (event 364 and the audits carry it); the exception text only if the admin turned it on.
ADFS_ACTIVITY = lazyre.compile(r"Activity\s*ID\s*:?(?:\s|&nbsp;|<[^>]{0,80}>){0,6}" + GUID, re.IGNORECASE)
ADFS_MSIS = lazyre.compile(r"\b(MSIS\d{4})\b:?\s*([^<\r\n]{0,300})")
# Google's SAML runtime errors (support.google.com/a/answer/6301076): its error page at the SSO URL
# ('403. That's an error. Error: app_not_configured_for_user ...'), the error's name in snake case.
GOOGLE_ERROR = lazyre.compile(r"\bError:\s*(?:<[^>]{0,80}>\s*)*([a-z]+(?:_[a-z]+)+)\b")
_BLOCK_OPEN = lazyre.compile(r"<(script|style)\b[^>]{0,2000}>", re.IGNORECASE)
_BLOCK_CLOSE = {name: lazyre.compile(rf"</{name}\s*>", re.IGNORECASE) for name in ("script", "style")}


def without_blocks(text: str) -> str:
    """`text` with a page's <script> and <style> elements replaced by a space, as re.sub would replace
    '<(script|style)\\b[^>]*>.*?</\\1\\s*>' but in one pass: that pattern looks for the closing tag
    from every opening one, minutes on a 256 KB text of unclosed '<script>' (a hostile 'page')."""
    out, pos, scan, unclosed = [], 0, 0, set()
    while (m := _BLOCK_OPEN.search(text, scan)) is not None:
        name = m.group(1).lower()
        end = None if name in unclosed else _BLOCK_CLOSE[name].search(text, m.end())
        if end is None:  # none after this one: none after any later one either
            unclosed.add(name)
            scan = m.start() + 1
            continue
        out.append(text[pos:m.start()] + " ")
        pos = scan = end.end()
    return "".join(out) + text[pos:]


_PAGE_PARTS = {
    "entra": "its message (AADSTS code) and Troubleshooting details (Request Id, Correlation Id, Timestamp)",
    "adfs": "'An error occurred' and its Activity ID and Error time (AD FS's event 364 carries that Activity ID)",
    "okta": "its message ('Sorry, you can't access ...') and any error code (E0000...)",
    "keycloak": "its 'We are sorry...' message",
    "google": "its 'Error:' name (app_not_configured_for_user, ...) and sentence",
    "auth0": "its TECHNICAL DETAILS ('invalid_request: ...') and tracking ID",
    "shibboleth": "its 'Web Login Service - ...' title and message",
    "simplesamlphp": "its message and tracking number",
}
"""What each IdP's error page shows that read_page reads (the readers below)."""


def ask_for(product: str | None) -> str:
    """What to ask a user whose login stopped at `product`'s pages (None: an IdP not known) when the
    capture keeps no page: the error page's text, which samlscan reads as that failure (read_page)."""
    parts = _PAGE_PARTS.get(product or "")
    page = f"the error page's text, with {parts}" if parts else "the text of the page the IdP showed"
    return (f"{page}, copied from the browser (or the page saved as HTML); samlscan check or scan reads it "
            "with the capture")


TAG = lazyre.compile(r"<[^>]{0,2000}>")
# SonarQube's /sessions/unauthorized page (sonar-web apps/sessions/components/Unauthorized.tsx,
# core.properties unauthorized.message and unauthorized.reason): its fixed sentence, then
# 'Reason:' and the failure's public message (the AUTHENTICATION-ERROR cookie) when there is one.
SONAR_UNAUTHORIZED = lazyre.compile(
    r"\s*you['\u2019]re\s+not\s+authorized\s+to\s+access\s+this\s+page\b\.?"
    r"(?:\s*please\s+contact\s+(?:the|your)\s+administrator\b\.?)?"
    r"(?:\s*reason\s*:)?", re.IGNORECASE)

# Auth0 renders its generic error page in place, at the URL that failed, when a SAML login breaks at
# Auth0: /samlp/<client_id> (Auth0 the IdP: the SP's AuthnRequest, or the addon's answer after the
# login) and /login/callback (Auth0 the SP of an upstream IdP's response). Its stable texts: the
# heading and sentence of Auth0's generic error page ("Oops!, something went wrong", "There could be
# a misconfiguration in the system or a service outage", quoted on community.auth0.com and in
# third-party troubleshooting tables; Universal Login writes "Oops! Something went wrong" and a
# TECHNICAL DETAILS block), the error as '<error>: <description>' (community.auth0.com 129294:
# "invalid_request: No attribute was found to generate the nameIdentifier. We tried with: ...") or as
# the JSON of Auth0's 'Troubleshoot SAML errors' page ({"error": "invalid_request",
# "error_description": "the connection was disabled"}, {"invalid_request": "Default App for
# IdP-Initiated is not configured. ..."}), a "See details" link carrying error/error_description/
# tracking (the generic error page's parameters), and a tracking ID.
AUTH0_SENTENCE = lazyre.compile(r"There could be a misconfiguration in the system or a service outage", re.IGNORECASE)
"""Auth0's own sentence; its heading ('Oops! Something went wrong') is any site's."""
AUTH0_HEADING = lazyre.compile(r"Oops!?,?\s+something went wrong", re.IGNORECASE)
AUTH0_PAGE_TEXT = lazyre.compile(AUTH0_HEADING.pattern + "|" + AUTH0_SENTENCE.pattern, re.IGNORECASE)
AUTH0_CODE = r"([a-z]+(?:_[a-z]+)+)"
AUTH0_LINE = lazyre.compile(r"^(?i:technical details\s*:?\s*)?" + AUTH0_CODE + r"\s*(?:[:.]\s*(.{0,400}))?$")
AUTH0_TRACKING = lazyre.compile(r"\btracking(?:[ _]?id)?\b[\s:#=]{0,6}([0-9A-Za-z][0-9A-Za-z-]{5,79})\b", re.IGNORECASE)
AUTH0_BOILERPLATE = lazyre.compile(r"misconfiguration in the system|track these errors|try again|technical details|"
                               r"tracking|see details|^\w{3} \w{3} \d|^(?:back|go back|error)$", re.IGNORECASE)
AUTH0_LINK = lazyre.compile(r"\?([^\s\"'<>?]{0,4000}?\berror_description=[^\s\"'<>]{0,4000})", re.IGNORECASE)
_AUTH0_DETAILS = lazyre.compile(r"\b(?i:technical details)\s*:?\s*" + AUTH0_CODE + r"\b\s*(?:[:.]\s*(.{0,400}))?")
"""The error after TECHNICAL DETAILS inside a longer line: a page pasted as one line ('... There could
be a misconfiguration ... TECHNICAL DETAILS: invalid_request. You may have pressed the back button...')."""


def tracking_id(text: str) -> str | None:
    """Auth0's tracking ID on a page: an identifier (8 characters or more, digits among them), not
    a word after 'tracking' ('tracking cookies', an order-tracking page)."""
    return next((v for v in (m.group(1) for m in AUTH0_TRACKING.finditer(text))
                 if len(v) >= 8 and any(c.isdigit() for c in v)), None)


PAGE_MAX = 256 * 1024
"""A saved error page is small; a longer text is a log or a document, not a page."""


PAGE_REF = " error page"
"""How an event read off a page cites its place ('entra error page'): an event, not a line."""


def page_ref(product: str) -> str:
    return product + PAGE_REF


@dataclass(frozen=True)
class ErrorPage:
    """What an error page shows: as a log line would say it (LogEvent's fields)."""

    product: str
    side: str
    """'idp' or 'sp': whose page it is."""
    raw_code: str | None
    text: str
    time: datetime | None = None
    request_id: str | None = None
    correlation_id: str | None = None
    user: str | None = None


_SHOWN_TAG = lazyre.compile(r"<[^<>]{0,2000}>")
"""A tag on one line of a page's source (ended by the next '<': linear on a line of '<')."""


def page_line(text: str, page: ErrorPage) -> int | None:
    """The 1-based line of `text` that says the page's error (its text's first words on it, tags and
    entities aside), else the line the page's text starts on: where a SARIF result of it points. None for
    a page in a MIME document (its lines are those of an encoded part, not of the file)."""
    if is_mime(text):
        return None
    words = " ".join(page.text.split()[:4])
    start = None
    for no, raw in enumerate(text.split("\n"), 1):  # (the reader's lines: no other line break counts)
        shown = " ".join(html.unescape(_SHOWN_TAG.sub(" ", raw)).replace("\ufeff", " ").split())
        if shown and start is None:
            start = no
        if words and words in shown:
            return no
    return start


def page_place(path: str) -> int | None:
    """The line of the error page saved at `path` that says its error (page_line), for a SARIF region of an
    event whose ref names the page (page_ref): None when the file is no page of ours or cannot be read."""
    from samlscan.textcodec import utf16_codec

    try:
        with open(path, "rb") as fh:
            data = fh.read(PAGE_MAX + 1)
    except OSError:
        return None
    text = data.decode(utf16_codec(data) or "utf-8", "replace").replace("\r\n", "\n")
    if len(data) > PAGE_MAX:  # (as its reader, the page's lines within PAGE_MAX)
        text = text[:text.rfind("\n", 0, PAGE_MAX) + 1]
    page = read_page(text)
    return None if page is None else page_line(text, page)


def page_lines(text: str) -> list[str]:
    """The lines a browser shows of a page (HTML: tags and scripts dropped, entities decoded;
    plain text as it is), each with its spaces collapsed, empty ones dropped."""
    if "<" in text and TAG.search(text):
        text = TAG.sub("\n", without_blocks(text))
    # (a BOM is no space to str.split: a page saved with one, Notepad's UTF-8, began '\ufeffWe are sorry')
    return [line for line in (" ".join(html.unescape(raw).replace("\ufeff", " ").split()) for raw in text.splitlines())
            if line]


def _labelled(lines: list[str], label: str) -> str | None:
    """The value after 'label:' on a line of its own ('Activity ID: <guid>'); on the next line when
    the page put it in a cell of its own."""
    pattern = re.compile(rf"^{label}\s*:\s*(.*)$", re.IGNORECASE)
    for i, line in enumerate(lines):
        m = pattern.match(line)
        if m:
            return m.group(1).strip() or (lines[i + 1] if i + 1 < len(lines) else None)
    return None


def _guid(value: str | None) -> str | None:
    m = re.fullmatch(GUID, value or "")
    return m.group(1).lower() if m else None


def _time(value: str | None) -> datetime | None:
    """A page's own time: ISO 8601 ('2026-11-20T10:15:32Z', '2016-01-09 02:02:12Z', Entra) or an
    HTTP date ('Fri, 20 Nov 2026 10:15:32 GMT', AD FS); None without a zone (no guessing)."""
    if not value:
        return None
    iso = re.match(r"(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:\.\d+)?\s*(Z|[+-]\d\d:?\d\d)\b", value)
    if iso:
        zone = "+00:00" if iso.group(3) == "Z" else iso.group(3)
        return datetime.fromisoformat(f"{iso.group(1)}T{iso.group(2)}{zone}").astimezone(timezone.utc)
    from email.utils import parsedate_to_datetime

    try:
        at = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return at.astimezone(timezone.utc) if at.tzinfo else None


_ENTRA_USER = lazyre.compile(r"\buser (?:account )?'([^'\s]+)'")
"""The user some AADSTS messages name ('The signed in user 'x@y' is blocked', AADSTS50105), an address
checked apart: a pattern of two runs around an '@' tries every '@' of a quote with no closing one, from
each (minutes on 250 KB)."""


def _entra_user(lines: list[str]) -> str | None:
    return next((v for ln in lines for v in _ENTRA_USER.findall(ln) if "@" in v[1:-1]), None)


def _entra(lines: list[str]) -> ErrorPage | None:
    """Entra's sign-in error page: the AADSTS message and its 'Troubleshooting details' (Request Id,
    Correlation Id, Timestamp, Message, each on its own line)."""
    request, correlation = _guid(_labelled(lines, r"Request\s*Id")), _guid(_labelled(lines, r"Correlation\s*Id"))
    if request is None and correlation is None:
        return None
    said = _labelled(lines, "Message") or next((ln for ln in lines if AADSTS.match(ln)), None)
    m = AADSTS.match(said or "")
    if m is None:
        return None
    return ErrorPage("entra", "idp", "AADSTS" + m.group(1), said, _time(_labelled(lines, "Timestamp")),
                     request, correlation, _entra_user(lines))


def _adfs(lines: list[str]) -> ErrorPage | None:
    """AD FS's error page: 'An error occurred' and its error details (Activity ID, Relying party,
    Error time; the MSIS text only when the admin shows it: Set-AdfsProperties -CustomErrorPages)."""
    activity = _guid(_labelled(lines, r"Activity\s*ID"))
    if activity is None or not any(ln.lower().startswith("an error occurred") for ln in lines) \
            and _labelled(lines, "Error time") is None:
        return None
    msis = next((m for m in map(ADFS_MSIS.search, lines) if m), None)
    rp = _labelled(lines, "Relying party")
    said = (msis.string[msis.start():] if msis else "An error occurred") + (f" (relying party: {rp})" if rp else "")
    return ErrorPage("adfs", "idp", msis.group(1) if msis else None, said if msis else said + _adfs_where(activity),
                     _time(_labelled(lines, "Error time")), None, activity)


def _adfs_where(activity: str) -> str:
    """What AD FS's page without an MSIS code should say. Its cause stays unknown (no code is made
    up from 'An error occurred': unknown-failure), but it is a failure the user saw, and AD FS wrote
    its cause where the admin finds it: event 364 ('Encountered error during federation passive
    request', its exception's MSIS code) in the AD FS/Admin log, under the Activity ID the page shows
    (the page hides the exception from users unless the farm shows error details)."""
    return (f": the page shows no cause; AD FS wrote it in event 364 of its AD FS/Admin log under Activity ID "
            f"{activity} (Event Viewer: Applications and Services Logs > AD FS > Admin; scan that export "
            "with this page)")


def _okta(lines: list[str]) -> ErrorPage | None:
    """Okta's 403 page: 'Sorry, you can't access <app> because you are not assigned this app in
    Okta.' as a line of its own (not quoted in a sentence)."""
    line = next((ln for ln in lines if OKTA_TEXT.match(ln)), None)
    if line is None:
        return None
    code = next((m.group(1) for m in map(OKTA_CODE.search, lines) if m), None)
    return ErrorPage("okta", "idp", code, line)


def _keycloak(lines: list[str]) -> ErrorPage | None:
    """Keycloak's error page (theme error.ftl): 'We are sorry...', the message, and '« Back to
    Application' when the client is known; another site's 'We are sorry...' has neither that link
    nor a message of Keycloak's own (messages_en: 'Unknown login requester.')."""
    at = next((i for i, ln in enumerate(lines) if ln.lower().startswith("we are sorry")), None)
    if at is None or at + 1 >= len(lines):
        return None
    said = lines[at + 1]
    if not any("back to application" in ln.lower() for ln in lines[at:]) and not _keycloak_message(said):
        return None
    return ErrorPage("keycloak", "idp", None, said)


def _keycloak_message(said: str) -> bool:
    from samlscan.catalog import lookup_error

    entry = lookup_error(said)
    return entry is not None and entry.product == "keycloak"


_GOOGLE_STATUS = lazyre.compile(r"\d{3}\.\s*That(?:'|\u2019)s an error")


def _google(lines: list[str]) -> ErrorPage | None:
    """Google's error page: '403. That's an error.' then 'Error: <name>' and its sentence. Its HTML
    writes the status as '<b>403.</b> <ins>That's an error.</ins>', two lines once tags are dropped."""
    if not any(_GOOGLE_STATUS.match(" ".join(lines[i:i + 2])) for i in range(len(lines))):
        return None
    at = next((i for i, ln in enumerate(lines) if GOOGLE_ERROR.match(ln)), None)
    if at is None:
        return None
    name = GOOGLE_ERROR.match(lines[at]).group(1)
    rest = lines[at][GOOGLE_ERROR.match(lines[at]).end():].strip() or (lines[at + 1] if at + 1 < len(lines) else "")
    return ErrorPage("google", "idp", name, f"{name}: {rest}" if rest else name)


def _shibboleth(lines: list[str]) -> ErrorPage | None:
    """Shibboleth IdP's error views: the title 'Web Login Service - <title>' (idp.title, the
    event's <key>.title of messages.properties) and its message; IdP v2's 'Error Message: ...'."""
    at = next((i for i, ln in enumerate(lines) if re.match(r"Web Login Service - \S", ln)), None)
    if at is not None:
        title = lines[at]
        said = next((ln for ln in lines[at + 1:at + 4] if ln != title and len(ln) > 20), None)
        return ErrorPage("shibboleth", "idp", None, f"{title}: {said}" if said else title)
    v2 = _labelled(lines, "Error Message")
    if v2 and any("shibboleth" in ln.lower() or "an error occurred while processing your request" in ln.lower()
                  for ln in lines):
        return ErrorPage("shibboleth", "idp", None, v2)
    return None


_SSP_TRACK = lazyre.compile(r"tracking number\b", re.IGNORECASE)
_SSP_ID = lazyre.compile(r"[0-9a-f]{10}", re.IGNORECASE)
_SSP_THROWN = lazyre.compile(r"^(?:SimpleSAML[\\_]Error[\\_]|sspmod_\w{1,64}_Error|SimpleSAML\\Module\\\w+\\Error)\w*: (.{1,400})")
"""The exception under the page's 'Debug information' (shown unless the IdP turned showerrors off),
its message in the words of the IdP's log line: 'SimpleSAML\\Error\\MetadataNotFound:
METADATANOTFOUND(...)' (SimpleSAMLphp 1.x: 'SimpleSAML_Error_...'; its saml module's 'sspmod_saml_Error').
The module name's run is bounded: 'sspmod_\\w+_Error' tried every '_Error' of a long word against
its end (quadratic)."""


def _ssp_tail(line: str) -> str | None:
    """What follows the last colon of a line that says 'tracking number' before it (stripped), or None.
    Found with rfind: the pattern 'tracking number\\b.*?:\\s*([0-9a-f]{10})?\\s*$' ran from every colon
    to the line's end (half a minute on 250 KB of 'tracking number: a')."""
    m = _SSP_TRACK.search(line)
    colon = -1 if m is None else line.rfind(":", m.end())
    return None if colon < 0 else line[colon + 1:].strip()


_SSP_WRONGUSERPASS = ("Incorrect username or password",
                      "Either no user with the given username could be found, or the password you gave was wrong")
"""SimpleSAMLphp's login form shown again with its error (modules/core loginuserpass template):
errors:title_WRONGUSERPASS and the start of errors:descr_WRONGUSERPASS, on lines of their own."""


def _ssp_login(lines: list[str]) -> ErrorPage | None:
    """SimpleSAMLphp's login form come back with 'Incorrect username or password': the page a user
    sees after a wrong password (the log's 'Unsuccessful login attempt')."""
    title, descr = _SSP_WRONGUSERPASS
    at = next((i for i, ln in enumerate(lines[:-1]) if ln == title and lines[i + 1].startswith(descr)), None)
    return None if at is None else ErrorPage("simplesamlphp", "idp", "WRONGUSERPASS", f"{title}: {lines[at + 1]}")


def _simplesamlphp(lines: list[str]) -> ErrorPage | None:
    """SimpleSAMLphp's error page (templates/error.twig): its title, its description, then
    '{errors:report_trackid}' ('... please also report this tracking number ...:') and the track ID
    (a session's 10 hex digits, the [trackid] of its log lines); or its login form showing an error."""
    for i, line in enumerate(lines):
        tail = _ssp_tail(line)
        if tail is None or tail and not _SSP_ID.fullmatch(tail):
            continue
        track = tail or (lines[i + 1] if i + 1 < len(lines) and _SSP_ID.fullmatch(lines[i + 1]) else None)
        if track is None:
            return None
        # (the message escaped twice: MetadataNotFound's var_export-ed entity ID shows as '&#039;https://..&#039;')
        thrown = next((html.unescape(m.group(1)) for ln in lines[i + 1:i + 12] for m in [_SSP_THROWN.search(ln)] if m),
                      None)
        said = [_ssp_cause(lines[i + 1:]) or thrown] if thrown else [
            ln for ln in lines[:i] if not re.match(r"(?:SimpleSAMLphp|Enter your|Language|Help)\b", ln)][-2:]
        return ErrorPage("simplesamlphp", _ssp_side(lines[i + 1:], said), None,
                         ": ".join(said) or "SimpleSAMLphp error page", None, track)
    return _ssp_login(lines)


def _ssp_cause(debug: list[str]) -> str | None:
    """The last 'Caused by: <class>: <message>' line of the debug information, as SimpleSAMLphp's
    log writes it (logs.simplesamlphp.CAUSED_BY): the wrapper's UNHANDLEDEXCEPTION says nothing
    of its own, its cause does ('Unable to validate Signature')."""
    from samlscan.logs.simplesamlphp import CAUSED_BY

    return next((ln for ln in reversed(debug) if ln.startswith(CAUSED_BY)), None)


def _ssp_side(debug: list[str], said: list[str]) -> str:
    """'sp' when the exception's frames or its words are the SP's (SimpleSAMLphp is an IdP or an
    SP: its ACS's page names the SP's code, as its log does), else 'idp'."""
    from samlscan.logs.simplesamlphp import _SP_FRAME, _SP_TEXT

    sp = any(_SP_FRAME.search(ln) for ln in debug) or any(_SP_TEXT.search(ln) for ln in said)
    return "sp" if sp else "idp"


def _sonar_line(line: str) -> bool:
    """The page's own line: its sentence alone, or followed by 'Reason: ...' (a source file or a
    note quoting the sentence goes on after it: `page("You're not authorized ... page. ")`)."""
    m = SONAR_UNAUTHORIZED.match(line)
    return m is not None and m.end() > 0 and (m.end() == len(line) or line[:m.end()].rstrip().endswith(":"))


def _sonarqube(lines: list[str]) -> ErrorPage | None:
    """SonarQube's /sessions/unauthorized page, from its line on (what follows 'Reason:')."""
    at = next((i for i, ln in enumerate(lines) if _sonar_line(ln)), None)
    if at is None:
        return None
    rest = " ".join(lines[at:at + 3])
    reason = rest[SONAR_UNAUTHORIZED.match(rest).end():].strip() if "reason" in rest.lower() else ""
    # (no reason: the page's own sentence, whose catalog entry says where the cause is)
    return ErrorPage("sonarqube", "sp", None, reason or _SONAR_NO_REASON)


_SONAR_NO_REASON = "You're not authorized to access this page. Please contact the administrator. (no reason shown)"


def _auth0(lines: list[str]) -> ErrorPage | None:
    """Auth0's generic error page pasted or saved (in a capture, flows.idppages._auth0_page reads it with its
    URL): known by Auth0's own sentence at the start of a line, or right after the heading when the
    page was pasted as one line; the error under TECHNICAL DETAILS ('invalid_request: ...'), or the
    description the page shows alone; its tracking ID."""
    at = next((i for i, ln in enumerate(lines) for m in [AUTH0_SENTENCE.search(ln)]
               if m and _after_heading(ln[:m.start()], lines[max(0, i - 3):i])), None)
    if at is None:
        return None
    rest = lines[at:]
    m = next((m for ln in rest for m in [AUTH0_LINE.match(ln) or _AUTH0_DETAILS.search(ln)] if m), None)
    code, description = (m.group(1), m.group(2)) if m else (None, None)
    if code is None:  # the description alone, in the lines after the sentence
        description = next((ln for ln in rest[1:8] if len(ln) >= 12 and not AUTH0_BOILERPLATE.search(ln)), None)
    said = f"{code}: {description}" if code and description else code or description or \
        "Oops!, something went wrong (the page names no error)"
    return ErrorPage("auth0", "idp", code, said.strip()[:400], None, tracking_id("\n".join(rest)))


def _after_heading(before: str, previous: list[str]) -> bool:
    """Auth0's sentence is the page's when it starts its line or follows the heading on it ('Oops!
    Something went wrong. There could be ...'), and the heading is there: a table or a ticket that
    quotes the sentence ('| There could be a misconfiguration ... |') is no page."""
    before = before.strip()
    if before:
        heading = AUTH0_HEADING.search(before)
        return heading is not None and not re.search(r"[|'\"\u201c]\s*$", before) \
            and not _quoted(before[:heading.start()])
    return any(AUTH0_HEADING.search(ln) for ln in previous)


def _quoted(before: str) -> bool:
    """A quotation opened before this point of the line and not closed: prose that quotes the page
    ('The customer says: "Oops! Something went wrong. There could be ..."')."""
    return before.count('"') % 2 == 1 or before.count("\u201c") > before.count("\u201d")


CATALOG_PAGE_IDPS = ("onelogin", "aws-identity-center", "pingone", "duo", "jumpcloud")
"""IdPs whose error pages have no layout or code of their own that samlscan reads: a page is theirs
when one of its lines is a text of theirs in the catalog (samlscan/data/catalog.json)."""
LEAD_WORDS = 2
"""Words a page's line may hold before an IdP's catalog text for the page to be theirs ('Error:',
'Oops!'): more are another page's sentence that ends in it."""
_JSON_KEY = lazyre.compile(r'^\s*[{\[]|^\s*"[^"]{1,80}"\s*:')
"""A JSON document's first line or a key's line: a log record (CloudTrail's errorMessage), no page."""


def _catalog_page(product: str, lines: list[str]) -> ErrorPage | None:
    """The first line of the page that is one of `product`'s catalog texts, as that product's error."""
    from samlscan.catalog import lookup, span_of

    if lines and _JSON_KEY.match(lines[0]):
        return None
    for line in lines:
        if len(line) > 400 or _JSON_KEY.match(line):
            continue
        entry = lookup(line, product)
        # the line opens with their text, not with another page's sentence ('alice is missing the
        # Overall/Read permission. You do not have access to this application': Jenkins)
        span = span_of(entry, line) if entry is not None and entry.product == product else None
        if span is not None and len(line[:span[0]].split()) <= LEAD_WORDS:
            return ErrorPage(product, "idp", entry.id, line)
    return None


@cache
def _catalog_anchor() -> re.Pattern[str]:
    """The longest literal piece of each page IdP's catalog text: read_page's prefilter for them."""
    from samlscan.catalog import entries

    pieces = {max(re.split(r"<[^>]{1,40}>", e.pattern), key=len).strip()
              for e in entries() if e.product in CATALOG_PAGE_IDPS}
    words = (r"\s+".join(map(re.escape, piece.split())) for piece in sorted(pieces) if piece)
    return re.compile("|".join(words) or r"(?!)", re.IGNORECASE)


_READERS = {"entra": _entra, "adfs": _adfs, "okta": _okta, "keycloak": _keycloak, "google": _google,
            "shibboleth": _shibboleth, "simplesamlphp": _simplesamlphp, "sonarqube": _sonarqube, "auth0": _auth0,
            **{product: partial(_catalog_page, product) for product in CATALOG_PAGE_IDPS}}


_ANCHORS = lazyre.compile(r"AADSTS|Activity\s*ID|Sorry,\s+you\s+can|not\s+allowed\s+to\s+access|not\s+assigned|"
                      r"We\s+are\s+sorry|s\s+an\s+error|Web\s+Login\s+Service|Error\s+Message|tracking\s+number|"
                      r"not\s+authorized|misconfiguration\s+in\s+the\s+system|Incorrect\s+username\s+or\s+password", re.IGNORECASE)
"""What one of the readers needs to find (at C speed, before any line is made: a capture asks of
every page it holds)."""


_CODE_LINE = lazyre.compile(r"^[ \t]*(?:def |class |import |from [\w.]+ import |return |async def |function |"
                        r"const |let |var |module\.exports|package |public (?:static |final )?class )",
                        re.MULTILINE)


_TRACEBACK_FRAME = lazyre.compile(r'[ \t]*File "[^"\n]*", line \d+')
"""A Python traceback's frame line: the source line under it is the program's, quoted by a log
(Django's and Flask's 'Internal Server Error' before their request lines), not the text itself."""


def _quoted_frame(text: str, start: int) -> bool:
    """The line at `start` comes right under a traceback frame line."""
    if start == 0:
        return False
    before = text.rfind("\n", 0, start - 1) + 1
    return _TRACEBACK_FRAME.match(text, before, start - 1) is not None


def source_code(text: str) -> bool:
    """A program that quotes a page's words or a SAML message (a test, a generator writing the page
    from a template: 'Web Login Service - {title}') is neither: three lines that start as code say
    so (a page's own scripts are taken out first: without_blocks)."""
    found = 0
    for m in _CODE_LINE.finditer(text):
        if _quoted_frame(text, m.start()):
            continue
        found += 1
        if found >= 3:
            return True
    return False


def read_page(text: str, products: tuple[str, ...] | None = None) -> ErrorPage | None:
    """The error page `text` is (its text copied from the browser, its HTML saved, or either in a
    MIME document: the page saved as .mhtml, an .eml), or None; `products`: read only those
    products' pages (a capture's reader knows the others its own way)."""
    if not text:
        return None
    if is_mime(text):
        parts = itertools.islice(_mime_texts(text[:MIME_MAX]), _MIME_TEXTS)
        return next((page for page in (read_page(part, products) for part in parts) if page is not None), None)
    # (the catalog's anchor only for its own pages' readers: 250 ms a MB, and a capture asks of each body)
    asks_catalog = products is None or any(p in CATALOG_PAGE_IDPS for p in products)
    if len(text) > PAGE_MAX or not (_ANCHORS.search(text) or (asks_catalog and _catalog_anchor().search(text))):
        return None
    bare = without_blocks(text)  # (once: page_lines finds no script or style left to take out)
    if source_code(bare):
        return None
    lines = page_lines(bare)
    readers = _READERS.values() if products is None else (_READERS[p] for p in products)
    return next((page for page in map(lambda read: read(lines), readers) if page is not None), None)


# --- a page in a MIME document ------------------------------------------------------------------
# Chrome's 'Save page as... > Webpage, Single File' (.mhtml; Blink MHTMLArchive::GenerateMHTMLHeader)
# writes 'From: <Saved by Blink>', Subject, Date, MIME-Version and 'Content-Type: multipart/related;
# type="text/html"; boundary="----MultipartBoundary--<id>----"', then the page as its first part
# (Content-Type: text/html, Content-Transfer-Encoding: quoted-printable, Content-Location: its URL),
# then its styles and images (base64). An .eml (an error page mailed, or forwarded) is the same
# MIME: its text/html or text/plain part, quoted-printable or base64, in a multipart of any kind.

MIME_MAX = 16 * 1024 * 1024
"""A saved page's archive carries its images after the page: this much of it is read, at most."""
_MIME_PARTS = 32
_MIME_TEXTS = 4
"""The page is the archive's first part, an e-mail's body its first or second: a few are read."""
_MIME_DEPTH = 3
_HEADER = lazyre.compile(r"[A-Za-z][A-Za-z0-9-]{0,75}:")
_MIME_TYPE = lazyre.compile(r"^content-type:\s*multipart/", re.IGNORECASE | re.MULTILINE)


def is_mime(text: str) -> bool:
    """A MIME document: header lines first, a multipart Content-Type among them; or, pasted without
    its headers, a '--boundary' line followed by a part's headers."""
    head = _head(text[:16400].lstrip("\ufeff\r\n")[:16384])
    if head is None:
        return False
    first, headers, _ = head
    return bool(_MIME_TYPE.search(headers)) or (first.startswith("--") and len(first) > 2)


def _head(text: str) -> tuple[str, str, str] | None:
    """(first line, header block, body) of a MIME entity or of a part pasted from its boundary on;
    None when its lines are not headers (a page's own text: 'Request Id: ...' lines need a
    multipart Content-Type among them to be taken for one)."""
    text = text.replace("\r\n", "\n")
    first, _, rest = text.partition("\n")
    start = 0
    if first.startswith("--") and _HEADER.match(rest):  # pasted from its first boundary on
        start = len(first) + 1
    elif not _HEADER.match(first):
        return None
    end = text.find("\n\n", start)
    block = text[start:] if end < 0 else text[start:end]
    if not all(_HEADER.match(ln) or ln[:1] in " \t" for ln in block.split("\n")):
        return None
    return first, block, "" if end < 0 else text[end + 2:]


def _mime_texts(text: str, depth: int = 0) -> Iterator[str]:
    """The decoded text/html and text/plain parts of a MIME document, in their order."""
    from email.parser import HeaderParser

    head = _head(text.lstrip("\ufeff\r\n"))
    if head is None or depth > _MIME_DEPTH:
        return
    first, block, body = head
    entity = HeaderParser().parsestr(block + "\n\n")
    # (get_boundary, not get_param: an RFC 2231 'boundary*=utf-8''x' is a (charset, language, value) there)
    boundary = entity.get_boundary() if entity.get_content_maintype() == "multipart" else None
    if boundary is None and depth == 0 and first.startswith("--") and not block.startswith("--"):
        # a paste that begins at the first boundary: the part's headers are the block
        boundary, body = first[2:].strip(), text.lstrip("\ufeff\r\n").replace("\r\n", "\n")
        yield from _parts(body, str(boundary), depth)
        return
    if boundary:
        yield from _parts(body, str(boundary), depth)
    elif entity.get_content_type() in ("text/html", "text/plain") and depth:
        decoded = _decoded(body, entity)
        if decoded:
            yield decoded


def _parts(body: str, boundary: str, depth: int) -> Iterator[str]:
    delimiter = "--" + boundary
    parts = [p for p in re.split(r"(?m)^" + re.escape(delimiter) + r"(?:--)?[ \t]*$", body)[1:_MIME_PARTS + 1]]
    for part in parts:
        yield from _mime_texts(part.lstrip("\n") if part.startswith("\n") else part, depth + 1)


def _decoded(body: str, entity) -> str | None:
    """A part's text: quoted-printable or base64 undone, in its charset (UTF-8 when it names none,
    one Python does not know, or a codec that is no charset: 'idna' and 'punycode' refuse the
    'replace' handler or non-ASCII bytes; Chrome saves the page's DOM as UTF-8)."""
    import base64
    import binascii
    import quopri

    encoding = (entity.get("Content-Transfer-Encoding") or "").strip().lower()
    try:
        if encoding == "quoted-printable":
            data = quopri.decodestring(body.encode("utf-8", "replace"))
        elif encoding == "base64":
            data = base64.b64decode("".join(body.split()), validate=False)
        else:
            return body
    except (binascii.Error, ValueError):
        return None
    charset = entity.get_content_charset() or "utf-8"
    try:
        return data.decode(charset, "replace")
    except (LookupError, UnicodeError):
        return data.decode("utf-8", "replace")
