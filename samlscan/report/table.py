"""`--format table`: for people. A summary header per message, then its findings with fixes."""
from __future__ import annotations

from itertools import zip_longest

from samlscan.codes import cause_rank
from samlscan.config.model import CONFIG_AT
from samlscan.model import Finding, Severity
from samlscan.report.cells import clip, line_width, pad
from samlscan.report.cells import wrap as wrap_columns
from samlscan.report.columns import layout
from samlscan.report.document import event_count, iso
from samlscan.report.visible import ON_TERMINAL, visible
from samlscan.saml import IDP_SENT, displayed_values
from samlscan.sigverify import KEY_FAILURES, SIGNED_BY_OTHER

WIDTH = 72
NAMED_SKIPS = 10
"""Up to this many skipped inputs of a reason are named one by one under it."""
SHOWN_ATTRIBUTES = 50
"""Up to this many attributes of an assertion are listed (an IdP that sends every directory attribute, or a
group per attribute, would fill the terminal); the others are counted."""
_BINDINGS = {"xml": "raw XML", "post": "HTTP-POST binding", "redirect": "HTTP-Redirect binding"}


def wrap(text: str, width: int = WIDTH) -> str:
    """Wrapped for the table by display width; URLs and IDs are never cut at their hyphens."""
    return wrap_columns(text, width)


def fitted(rows: list[tuple], headers: tuple, width: int | None, wraps: tuple = ()) -> str:
    """The rows as a table, or as blocks ('header  value' lines, a blank line between rows) when
    the table is wider than `width`. `wraps`: the columns each column's lines are wrapped to in the
    table (None or left out: as they are); the blocks wrap the same unwrapped lines to the terminal,
    so that no line of the table's wrapping is cut again into a stub ('and', '(it')."""
    table = layout([tuple(wrap(c, w) if w and isinstance(c, str) else c for c, w in zip_longest(row, wraps))
                    for row in rows], headers)
    if not width or line_width(table) <= width:
        return table
    label = max(map(line_width, headers)) + 2
    blocks = []
    for row in rows:
        lines = []
        for head, cell in zip(headers, row):
            values = _wrapped(str(cell) or "-", width - label).splitlines()
            lines += [pad(head if i == 0 else "", label) + v for i, v in enumerate(values)]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _wrapped(cell: str, width: int) -> str:
    """Each line of a cell wrapped to `width` columns (at least 20)."""
    return "\n".join(w for line in cell.splitlines() or [""] for w in wrap(line, max(width, 20)).splitlines())


def skipped_names(skipped, reasons, red, width: int | None) -> list[str]:
    """The skipped inputs named under their reason (a count alone does not say whether the file
    that mattered was read, nor which of them was empty and which of no known layout); past
    NAMED_SKIPS of a reason, how many more."""
    grouped = len(reasons) > 1
    lines: list[str] = []
    for reason, n in reasons.most_common():
        if grouped:
            head = red(f"   {reason}:")
            lines.append(_wrapped(head, width) if width else head)
        paths = [i.path for i in skipped if (i.reason or "no reason given") == reason]
        indent = "      " if grouped else "   "
        lines += [red(f"{indent}{p}") for p in paths[:NAMED_SKIPS]]
        if n > NAMED_SKIPS:
            lines.append(f"{indent}(+{n - NAMED_SKIPS} more: --format json lists each input)")
    return lines


def header_block(rows: list[tuple[str, str]], width: int | None) -> str:
    """A message's 'label  value' header; on a terminal its values wrapped to what is left of its
    columns (a signature's certificate line alone is some 140 columns)."""
    if width and rows:
        label = max(line_width(k) for k, _ in rows) + 2
        rows = [(k, _wrapped(v, width - label) if isinstance(v, str) else v) for k, v in rows]
    return layout(rows)


def _signed_line(m) -> str:
    parts = [_redirect_signed(m.redirect_signature)] if m.redirect_signature else []
    if not m.signatures:
        return "\n".join(parts) or "nothing is signed"
    consumed = {f"/{m.kind}", *(a.path for a in m.assertions)}  # the elements the block above shows
    for s in m.signatures:
        # a KeyInfo without a certificate: a bare key value, or nothing usable
        holds, relation = (s.keyinfo_key.holds, s.keyinfo_key.configured) if s.keyinfo_key else (None, "")
        if s.verified:
            state = f"verified with {s.matched_cert.subject} (SHA-256 {s.matched_cert.sha256[:23]}...)"
            if holds:
                state += f"; KeyInfo holds {holds}: {relation}"
        elif s.verified is None:
            whose = "IdP certificate" if m.kind in IDP_SENT else "certificate of its sender (--sp-cert, --idp-cert)"
            if s.failure is None and holds and not s.embedded_certs:
                state = (f"intact (verifies with the key in its own KeyInfo); trust not checked: no {whose} "
                         f"configured; KeyInfo holds {holds}")
            elif s.failure is None:
                state = f"intact (verifies with its own KeyInfo certificate); trust not checked: no {whose} configured"
            else:
                state = (f"not verified: no {whose} configured; KeyInfo: {holds}" if holds else
                         f"not verified: no {whose} configured and none in KeyInfo")
        elif m.kind not in IDP_SENT and s.failure in KEY_FAILURES:
            # requests and LogoutResponses are signed by whichever side sends them (SAML core 3.2,
            # 3.7): an SP's key fails against the IdP certificate without anything being wrong
            state = (f"not verified: it does not verify with the configured certificates; this {m.kind} "
                     f"is signed by its sender (Issuer {m.issuer or '-'}): give the SP's with --sp-cert, "
                     "the IdP's with --idp-cert")
        elif m.printed and s.reformatted and s.failure not in SIGNED_BY_OTHER:
            state = "verifies once whitespace is normalised (the log printed the message re-indented or on one line)"
        else:
            state = f"INVALID ({s.failure})" + (f"; KeyInfo holds {holds}: {relation}" if holds and relation else "")
        alg = (s.signature_algorithm or "?").rsplit("#", 1)[-1]
        if s.verified and s.signed_path:
            state += _coverage(m, s, consumed)
        parts.append(f"{s.parent} [{alg}]: {state}")
    return "\n".join(parts)


def _coverage(m, s, consumed: set[str]) -> str:
    """What a verified signature covers, when that is not the element holding it, the one an SP reads."""
    if f"advice-assertion:{s.signed_path}" in m.structure:
        # SAML core 2.6.1: an Advice assertion is evidence the IdP passes along (a proxied IdP's
        # assertion), signed by its own issuer; an SP reads the assertion that holds the Advice
        return (f"; it covers the Advice assertion {s.signed_path} (evidence the IdP passes along), "
                "not the assertion an SP reads")
    if s.signed_path not in consumed:  # (a wrapped response)
        return f"; it covers {s.signed_path}, not what an SP reads above (see signature-wrapping)"
    if not s.covers_parent:
        # SAML core 5.4.1: an enveloped signature, the child of the element it signs; SPs look there
        return (f"; it covers {s.signed_path}, not the {s.parent} that holds it: SPs look for a signature "
                "as the child of what it signs")
    return ""


def _redirect_signed(r) -> str:
    """The query string's signature (SAML bindings 3.4.4.1)."""
    alg = r.sig_alg.rsplit("#", 1)[-1] or "no SigAlg"
    if r.verified:
        state = f"verified with {r.matched_cert.subject}" if r.matched_cert else "verified"
    elif r.unverifiable:
        state = f"UNVERIFIABLE: {r.unverifiable}"
    elif r.verified is None:
        state = "not verified: no certificate of its sender configured (--sp-cert, --idp-cert)"
    else:
        state = "INVALID (does not verify over the query string)"
    return f"query string [{alg}]: {state}"


def _same(text: str) -> str:
    return text


def _flags(*values: bool | None) -> str:
    """An AuthnRequest's ForceAuthn/IsPassive as the XML says them ('true'/'false'), an absent one as
    '-': both default to false (SAML core 3.4.1), never Python's 'None'."""
    shown = "/".join("-" if v is None else str(v).lower() for v in values)
    return shown + (" (- = not set: false)" if None in values else "")


def header_rows(r, red=_same) -> list[tuple[str, str]]:
    """The summary of one message: who sent it, about whom, for whom, when, what is signed.
    `red` (--redact) masks attribute values before they are cut to the column: a cut value
    ('dev.user1@exam') is no longer the value or an email, and would be printed as it is."""
    m = r.message
    via = "".join(f", in ArtifactResponse {f.partition(':')[2]}" for f in m.structure
                  if f.startswith("artifact-response:"))
    rows = [("Type", f"{m.kind} {m.id or ''} ({_BINDINGS.get(m.binding, m.binding)}{via})".strip())]
    if m.issuer:
        rows.append(("Issuer", m.issuer))
    if m.kind == "AuthnRequest":
        rows += [("ACS URL", m.acs_url or (f"index {m.acs_index}" if m.acs_index is not None else "-")),
                 ("Destination", m.destination or "-"),
                 ("NameIDPolicy", m.nameid_policy_format or "-"),
                 ("ForceAuthn/IsPassive", _flags(m.force_authn, m.is_passive)),
                 ("IssueInstant", iso(m.issue_instant) or "-")]
        if m.signatures or m.redirect_signature:
            rows.append(("Signed", _signed_line(m)))
        return rows
    if m.status:
        rows.append(("Status", " / ".join([m.status.code or "-", *m.status.sub_codes]).replace(
            "urn:oasis:names:tc:SAML:2.0:status:", "")))
    if m.destination:
        rows.append(("Destination", m.destination))
    if m.in_response_to:
        rows.append(("InResponseTo", m.in_response_to))
    if m.kind == "LogoutRequest":
        rows += [("Subject", m.logout_name_id or "- (EncryptedID or none)"),
                 ("SessionIndex", ", ".join(m.session_indexes) or "- (every session of the subject)")]
    for a in m.assertions:
        rows.append(("Subject", (a.name_id.value if a.name_id else "-") +
                     (f"  [{a.name_id.format.rsplit(':', 1)[-1]}]" if a.name_id and a.name_id.format else "")))
        rows.append(("Audience", ", ".join(x for r_ in a.audience_restrictions for x in r_) or "-"))
        rows.append(("Valid", f"{iso(a.not_before) or '-'} .. {iso(a.not_on_or_after) or '-'}"))
        if a.attributes:
            more = len(a.attributes) - SHOWN_ATTRIBUTES
            rows.append(("Attributes", "\n".join(
                [f"{x.name} = {clip(red(', '.join(displayed_values(x))), 80)}" for x in a.attributes[:SHOWN_ATTRIBUTES]]
                + ([f"(+{more} more: --format json lists each)"] if more > 0 else []))))
        if a.was_encrypted:
            rows.append(("Encrypted", "yes (decrypted with the SP key)"))
    if m.encrypted_assertion_count and not any(a.was_encrypted for a in m.assertions):
        rows.append(("Encrypted", f"{m.encrypted_assertion_count} assertion(s), not decrypted"))
    rows.append(("Signed", _signed_line(m)))
    # at_source is one of these, or the words of a special case ('--at, no zone given: read as
    # UTC', a log rejudged in another zone: engine.rejudged), shown as they are
    judged = {"--at": "at --at", "capture": "at capture time", "issue-instant": "at its own IssueInstant "
              "(no capture time known)", "none": "no time known"}.get(r.at_source, f"at {r.at_source}")
    if r.at_source.endswith(CONFIG_AT):  # ('<config file>: at', config.merge)
        judged = f"at the 'at' of {r.at_source.removesuffix(CONFIG_AT)}"
    rows.append(("IssueInstant", f"{iso(m.issue_instant) or '-'}; judged {judged}"
                 + (f" {iso(m.captured_at)}" if r.at_source == "capture" else "")))
    return rows


def _finding_cell(f: Finding, red=_same) -> str:
    """The finding's texts, each masked (--redact) before it is wrapped: a value of several words
    ('Jane Roe', "['Street 1\\r\\nLine 2']") wrapped onto two lines no longer matches its mask."""
    lines = [red(f.message_text)]
    if f.expected is not None:
        lines.append(red(f"expected: {f.expected}"))
    if f.actual is not None:
        lines.append(red(f"actual:   {f.actual}"))
    if f.hint:
        lines.append(red(f"fix:      {f.hint}"))
    return "\n".join(lines)  # (wrapped by `fitted`: WIDTH in the table, the terminal's in blocks)


def findings_table(findings, red=_same, width: int | None = None) -> str:
    order = sorted(findings, key=lambda f: (-f.severity.rank, cause_rank(f.code)))  # the cause first
    rows = [(f.severity.value.upper(), f.code, _finding_cell(f, red)) for f in order]
    return fitted(rows, ("severity", "code", "finding"), width, (None, None, WIDTH))


def _message_key(f: Finding) -> tuple:
    """The message a finding is about, the same in every copy of it (a HAR attached twice, the
    response pasted into a mail and logged by the SP): its ID; an index (an ID is an NCName, never
    a digit first: XML Schema 3.3.8) is its input's own."""
    ref = f.message_ref or ""
    return (ref,) if ref[:1] and not ref[:1].isdigit() else (ref, f.source.input if f.source else None)


def findings_by_code(report, red, width: int | None = None) -> str:
    """One row per finding code: how often, where first, and what to do (the batch overview)."""
    from collections import Counter

    findings = [f for m in report.messages for f in m.findings if f.severity != Severity.INFO]
    if not findings:
        return "no error or warning in the messages"
    counts = Counter(f.code for f in findings)
    distinct = Counter(code for code, _ in {(f.code, _message_key(f)) for f in findings})
    first = {}
    for f in findings:
        first.setdefault(f.code, f)
    rows = []
    for code in sorted(counts, key=lambda c: (-first[c].severity.rank, cause_rank(c), c)):
        f = first[code]
        where = f.source.input + (f" [{f.source.ref}]" if f.source and f.source.ref else "")
        count = counts[code] if distinct[code] == counts[code] else f"{counts[code]}\n({distinct[code]} distinct)"
        rows.append((f.severity.value.upper(), code, count, red(where), red(f.hint or "-")))
    return fitted(rows, ("severity", "code", "count", "first seen in", "fix"), width, (None, None, None, 40, 60))


def _on_terminal(red):
    """`red`, then a control character shown as its escape: before the cells are wrapped and laid
    out (tabulate splits a cell's lines at a CR, a VT, U+2028, which would cut a file name)."""
    return lambda s: s if s is None else visible(red(s), ON_TERMINAL)


def render_table(report, redactor=None, min_severity: Severity = Severity.INFO, detail: bool = True,
                 width: int | None = None) -> str:
    """`detail`: every message with its findings (check); otherwise one row per finding code
    (scan: a directory's worth of messages would bury the attempts). `width`: the terminal's
    columns (None: no limit), which the attempts fit."""
    red = _on_terminal(redactor.text if redactor else _same)
    from samlscan.report.failed_first import failed_logins_block

    out = failed_logins_block(report, red, width)  # what failed and its fix: the first screen
    if not detail and report.messages:
        out += [f"== findings by code ({len(report.messages)} message(s); "
                "`samlscan scan --details` lists each message)",
                findings_by_code(report, red, width), ""]
    for r in report.messages if detail else ():
        m = r.message
        where = m.source.input + (f" [{m.source.ref}]" if m.source.ref else "")
        out.append(f"== {where}: {m.kind} #{m.index}")
        out.append(header_block([(k, red(v)) for k, v in header_rows(r, red)], width))
        shown = [f for f in r.findings if f.severity.rank >= min_severity.rank]
        if shown:
            out.append("")
            out.append(findings_table(shown, red, width))
        else:
            out.append("\nno findings")
        out.append("")
    if report.input_findings:
        out.append("== inputs")
        rows = [(f.severity.value.upper(), f.code,
                 red(f"{f.source.input if f.source else '-'}" + (f" [{f.source.ref}]" if f.source and f.source.ref else ""))
                 + "\n" + _finding_cell(f, red)) for f in report.input_findings]
        out.append(fitted(rows, ("severity", "code", "input / finding"), width, (None, None, WIDTH)))
        out.append("")
    skipped = [i for i in report.inputs if i.status == "skipped"]
    if skipped:
        from collections import Counter

        reasons = Counter(i.reason or "no reason given" for i in skipped)
        heading = (f"== skipped {len(skipped)} input(s): "
                   + "; ".join(f"{reason} ({n})" for reason, n in reasons.most_common()))
        heading = red(heading)  # (a reason may name a file: a copy's first)
        out.append(_wrapped(heading, width) if width else heading)
        out += skipped_names(skipped, reasons, red, width)
        out.append("")
    if report.attempts:
        from samlscan.report.attempts_table import render_attempts

        out.append(render_attempts(report, red, detail, width))
    elif report.notes:  # (with attempts, their table begins with these notes)
        out += [f"note: {red(n)}" for n in report.notes] + [""]
    if not out and not report.inputs:  # (a folder with no file: '0 log event(s) read' told nothing)
        out.append("nothing to report: no file was found in the folder(s) given (empty, or holding only "
                   "empty folders): nothing was read; check the path")
    elif not out:  # an empty page would read as a crash
        out.append(f"nothing to report: no SAML message and no login attempt ({event_count(report)} log "
                   "event(s) read, none of them a login's success or failure)")
    # the table goes to a terminal: a control character of a file name or a log's value is shown,
    # never obeyed (samlscan.report.visible)
    return visible("\n".join(out).rstrip(), ON_TERMINAL) + "\n"
