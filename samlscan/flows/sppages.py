"""What an SP's page says: SonarQube's refusal page, an auto-post or login form, an error title;
/saml/validation errors."""
from __future__ import annotations

import html
import re

from samlscan import lazyre
from samlscan.errorpages import without_blocks
from samlscan.flows.exchange import Page
from samlscan.flows.idppages import _TITLE


_VALIDATION_ERR = lazyre.compile(r"(Mapping not found for the property [^<\n]{1,300}|"
                             r"Mapping found for the property [^<\n]{1,300}is empty[^<\n]{0,100}|"
                             r"[\w.:/-]{1,200} is missing\b[^<\n]{0,100})")


def validation_result(text: str | None) -> tuple[tuple[str, ...], bool]:
    """(error lines, passed) of SonarQube's /saml/validation page (docs/logformats.md 1.5): the status its data
    carries (logs.sonartest: 10.x+'s base64 JSON, 8.x-9.x's script), else the mapping texts shown (passed
    only by a status that says so)."""
    if not text:
        return (), False
    from samlscan.logs.sonartest import page_result

    result = page_result(text)
    if result is not None:
        return result
    return tuple(dict.fromkeys(m.group(1).strip() for m in _VALIDATION_ERR.finditer(text))), False


# SonarQube's refusal page (sonar-web apps/sessions/components/Unauthorized.tsx): <p id="unauthorized">
# 'unauthorized.message' ("You're not authorized to access this page. Please contact the
# administrator.") and, when SonarQube gave one, 'unauthorized.reason' ("Reason:") and the reason;
# other SPs write the same sentence on theirs.
_REFUSED = lazyre.compile(r"\bid=[\"']unauthorized[\"']|\bnot authori[sz]ed to access this (?:page|application)",
                      re.IGNORECASE)
_REASON = lazyre.compile(r"\bReason\s*:\s*(?:<[^>]{0,80}>\s*)*([^<]{1,300}?)\s*<", re.IGNORECASE)
_SUBMITS = lazyre.compile(r"\.submit\s*\(\s*\)")
_PASSWORD = lazyre.compile(r"<input\b[^<>]*\btype\s*=\s*[\"']?password\b", re.IGNORECASE)
_ERROR_TITLE = lazyre.compile(r"\b(?:error|fail(?:ed|ure)|denied|forbidden|unauthori[sz]ed)\b", re.IGNORECASE)


def answer_page(text: str | None) -> Page | None:
    """What a response's page says about a login: a refusal (with its reason), a form it submits by
    itself (an auto-post: the login goes on elsewhere), a login form, an error page (by its title) or
    a plain page; None without a page text."""
    if not text or not text.strip():
        return None
    shown = without_blocks(text)
    if _REFUSED.search(shown):
        reason = _REASON.search(shown)
        return Page("refused", html.unescape(reason.group(1)).strip() if reason else None)
    if "<form" in text.lower() and _SUBMITS.search(text):
        return Page("auto-post")
    if _PASSWORD.search(shown):
        return Page("login")
    title = _TITLE.search(shown)
    if title and _ERROR_TITLE.search(title.group(1)):
        return Page("error", html.unescape(title.group(1)).strip())
    return Page("page")

