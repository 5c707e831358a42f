"""`samlscan explain`: a finding code, or a pasted error text matched against the catalog."""
from __future__ import annotations

import re
import textwrap

from samlscan.codes import SPECS, WHO_ACTS, CodeSpec
from samlscan.errorpages import SONAR_UNAUTHORIZED


def _fill(text: str, width: int, **kw) -> str:
    """textwrap.fill, breaking lines only at spaces: a product ('php-saml'), a setting or a URL is
    copied whole from the terminal, never split at its hyphen or in its middle."""
    return textwrap.fill(text, width, break_on_hyphens=False, break_long_words=False, **kw)


def describe(s: CodeSpec, side: str | None = None, fix: bool = True) -> str:
    """A code's text; `side`, a catalog entry's own word on who acts (a disabled account is the
    IdP admin's to enable, not the user's to retry), over the code's; `fix`: with the code's fix
    (not under a pasted text's own: a second 'Fix:', the code's general one, left the reader to choose)."""
    lines = [f"{s.code} ({s.severity.value}, {s.group})", "", _fill(s.summary, 90)]
    if fix:
        lines += ["", "Fix: " + _fill(s.fix, 85, subsequent_indent="     ")]
    side = side or s.side
    if side:
        lines.append(f"Usually fixed by: the {WHO_ACTS[side]}")
    if s.attack:
        lines += ["", "Attack: " + _fill(s.attack, 85, subsequent_indent="        ")]
    if s.aliases:
        lines.append("Also known as: " + ", ".join(s.aliases))
    return "\n".join(lines)


_UNAUTHORIZED_PAGE = ("SonarQube's unauthorized page (/sessions/unauthorized): the login reached SonarQube "
                      "and failed there. The page adds the failure's public message after 'Reason:'.")
_NO_REASON = ("This page shows no reason: SonarQube gives one only when the failure has a public "
              "message (its AUTHENTICATION-ERROR cookie, kept 5 minutes). A frequent cause without one "
              "is \"Cookie 'OAUTHSTATE' is missing\" (a login started at the IdP, or the state cookie "
              "lost on the IdP's cross-site POST).")
_WHERE = ("The cause is in SonarQube's web.log: the auth.event line 'login failure [cause|...]' "
          "(logged at DEBUG: set sonar.log.level.web=DEBUG) and the WARN/ERROR lines just before it. "
          "Run 'samlscan scan' on web.log with a HAR capture of the login to find it.")


def explain_text(query: str) -> tuple[str, bool]:
    q = query.strip()
    page = SONAR_UNAUTHORIZED.match(q)
    if page:
        return _explain_unauthorized_page(q[page.end():].strip())
    return _explain(q)


def _explain_unauthorized_page(reason: str) -> tuple[str, bool]:
    """The pasted page of SonarQube: explain what follows 'Reason:', or say where the cause is."""
    head = _fill(_UNAUTHORIZED_PAGE, 90)
    where = _fill(_WHERE, 90)
    if not reason:
        return "\n\n".join((head, _fill(_NO_REASON, 90), where)), True
    text, found = _explain(reason)
    return "\n\n".join((head, f"Reason: {reason}", text) + (() if found else (where,))), found


def _as_code(q: str) -> str:
    """A code as typed in any case, with '_' or spaces for '-' ('AUDIENCE_MISMATCH'), in one form."""
    return re.sub(r"[\s_-]+", "-", q.strip().lower())


def _code_of(q: str) -> str | None:
    """The finding code `q` names ('encryption-rsa1_5' has a '_' of its own)."""
    if q in SPECS:
        return q
    code = _as_code(q)  # (once: a 100 KB paste was folded again for each of 440 codes, 4 s)
    return next((c for c in SPECS if _as_code(c) == code), None)


def _explain(q: str) -> tuple[str, bool]:
    if not q:
        return ("samlscan: give a finding code (such as audience-mismatch) or the error text another "
                "product showed. 'samlscan codes' lists every code."), False
    if _code_of(q):
        return describe(SPECS[_code_of(q)]), True
    from samlscan.catalog import explanation_of, fix_of, lookup_pasted, own_entries, writers_said
    from samlscan.logs.applog import library

    ran = library(q)  # (as check reads a pasted error: the library its context names picks its own entry)
    entry = lookup_pasted(q, ran)
    if entry is None:
        code = _as_code(q)
        near = [c for c in SPECS if code in _as_code(c)]
        hint = f" Did you mean: {', '.join(near[:5])}?" if near else ""
        return (f"samlscan: no finding code or known error text matches {q[:80]!r}.{hint} "
                "'samlscan codes' lists every code."), False
    spec = SPECS.get(entry.code)
    # the product's own id (java-saml's RESPONSE_EXPIRED, IDX10214, Duo's user_mistake) unless
    # the pattern starts with it: 'identitymodel IDX10214: IDX10214: Audience ...' said it twice
    named = f" {entry.id}" if entry.id and not entry.pattern.startswith(entry.id) else ""
    # a text several libraries throw alike: all of them, and what each means by it (as check says)
    own = own_entries(entry, ran)
    fix = fix_of(own)
    out = [f"{writers_said(own)}{named}: {entry.pattern}", "",
           _fill(explanation_of(own), 90)]
    if fix:
        out += ["", "Fix: " + _fill(fix, 85, subsequent_indent="     ")]
    if spec:
        out += ["", "samlscan code:", describe(spec, entry.side, fix=not fix)]
    return "\n".join(out + _also(q, entry)), True


def _also(q: str, shown) -> list[str]:
    """What the other products whose code `q` also is mean by it: a bare code is explained as the
    first product's, which may not be the one the user runs (Spring's invalid_signature is the
    IdP's response failing at the SP, Keycloak's an AuthnRequest failing at the IdP)."""
    from samlscan.catalog import named

    others = {e.product: e for e in reversed(named(q)) if e.product != shown.product}
    return (["", f"{q} is also a code of:"]
            + [_fill(f"{p}: {e.explanation}", 90, initial_indent="  ", subsequent_indent="    ")
               for p, e in reversed(others.items())] if others else [])
