"""`--format html`: one self-contained page (inline CSS, no script, no external asset).

Everything that comes from the evidence is hostile (an attacker writes the SAML): every string goes
through html.escape, and a Content-Security-Policy with default-src 'none' stops any script or
remote load even if something slipped through.
"""
from __future__ import annotations

import base64
import hashlib
import html
import re
from collections import defaultdict

from samlscan import __version__
from samlscan.codes import SPECS, WHO_ACTS
from samlscan.model import Finding, Severity
from samlscan.report.document import iso, summary, tally
from samlscan.report.failed_first import causes, users_named
from samlscan.report.visible import visible
from samlscan.privatekeys import without_private_keys

SHOWN_PER_CODE = 3
"""Occurrences listed before a "N more" fold, so one noisy code does not bury the others."""
FOLDED_PER_CODE = 200
MAX_ATTEMPTS_SHOWN = 500
MAX_MESSAGES_SHOWN = 100
"""Bounds for a scan of a month of logs (100,000s of findings and attempts): the page lists this
many (and, of the messages, also every one a visible finding links to) and says how many more
the JSON report holds; a page of 100 MB would help nobody."""
CAUSES_SHOWN = 8
"""Root causes in the summary's table; the rest fold under it (the fixtures' 22 would bury the page)."""
NOTES_SHOWN = 8
"""The notes the summary shows before '<n> more note(s)', folded as the causes past CAUSES_SHOWN are."""
MAX_XML_SHOWN = 1024 * 1024
"""Messages larger than this are not pretty-printed (a page of megabytes helps nobody)."""


def csp(style: str) -> str:
    """default-src 'none' (no script, no remote load, no image) and only the page's own <style>
    by its hash (CSP3 'hash-source'): a style attribute or element that slipped into the page would
    be refused, so it cannot lay a forged text over the report either."""
    digest = base64.b64encode(hashlib.sha256(style.encode("utf-8")).digest()).decode("ascii")
    return f"default-src 'none'; style-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"


# Where each code points in the XML, by local name (any prefix): 'El' an element, '@A' attribute A
# on any element, 'El@A' attribute A on El, '/' the root element's start tag.
TARGETS: dict[str, tuple[str, ...]] = {
    "status-not-success": ("Status",),
    "issuer-mismatch": ("Issuer",),
    "issuer-missing": ("Assertion",),
    "issuer-inconsistent": ("Issuer",),
    "request-issuer-missing": ("/",),
    "app-not-found": ("Issuer",),
    "destination-mismatch": ("/@Destination",),
    "logout-destination-mismatch": ("/@Destination",),
    "recipient-mismatch": ("SubjectConfirmationData@Recipient",),
    "audience-mismatch": ("Audience",),
    "audience-missing": ("Conditions", "Assertion"),
    "inresponseto-mismatch": ("@InResponseTo",),
    "unsolicited-response": ("/",),
    "assertion-missing": ("/",),
    "assertion-multiple": ("Assertion", "EncryptedAssertion"),
    "version-unsupported": ("@Version", "@MajorVersion"),
    "id-missing": ("/", "Assertion"),
    "assertion-expired": ("Conditions@NotOnOrAfter",),
    "assertion-not-yet-valid": ("Conditions@NotBefore",),
    "subject-confirmation-expired": ("SubjectConfirmationData@NotOnOrAfter",),
    "subject-confirmation-drift": ("SubjectConfirmationData",),  # its window: NotBefore or NotOnOrAfter
    "request-expired": ("/@NotOnOrAfter",),
    "session-expired": ("AuthnStatement@SessionNotOnOrAfter",),
    "clock-skew": ("@IssueInstant", "Conditions@NotBefore"),
    "signature-missing": ("/", "Assertion"),
    "signature-invalid": ("DigestValue", "SignatureValue"),
    "request-signature-invalid": ("DigestValue", "SignatureValue"),
    "signature-misplaced": ("Signature",),
    "signature-transform-invalid": ("Transform@Algorithm",),
    "signature-cert-mismatch": ("X509Certificate",),
    "signature-wrapping": ("Signature", "Reference@URI", "Assertion"),
    "signature-weak-algorithm": ("SignatureMethod@Algorithm", "DigestMethod@Algorithm"),
    "signature-weak-key": ("X509Certificate",),
    "signature-reference-invalid": ("Reference",),
    "cert-expired": ("X509Certificate",),
    "cert-expiring-soon": ("X509Certificate",),
    "cert-not-yet-valid": ("X509Certificate",),
    "cert-keyinfo-differs": ("X509Certificate",),
    "xml-reformatted": ("DigestValue",),
    "nameid-comment-injection": ("NameID",),
    "assertion-replayed": ("Assertion@ID",),
    "assertion-encrypted-no-key": ("EncryptedAssertion",),
    "decryption-failed": ("EncryptedAssertion",),
    # what the SP splices back in place of the EncryptedAssertion (the page shows the XML as sent)
    "decrypted-prefix-rebound": ("EncryptedAssertion",),
    "encryption-rsa1_5": ("EncryptedKey", "EncryptedAssertion"),
    "email-missing": ("AttributeStatement",),
    "email-under-other-name": ("Attribute",),
    "email-empty": ("AttributeValue",),
    "email-multivalued": ("Attribute",),
    "email-invalid-format": ("AttributeValue",),
    "email-nameid-mismatch": ("NameID",),
    "login-attribute-missing": ("AttributeStatement",),
    "name-attribute-missing": ("AttributeStatement",),
    "group-attribute-missing": ("AttributeStatement",),
    "groups-overage-claim": ("Attribute",),
    "group-values-are-ids": ("AttributeValue",),
    "attribute-duplicate-name": ("Attribute@Name",),
    "attribute-encrypted": ("EncryptedAttribute",),
    "nameid-missing": ("Subject",),
    "nameid-encrypted": ("EncryptedID",),
    "subject-confirmation-missing": ("SubjectConfirmation", "Subject"),
    "response-signature-required": ("/", "EncryptedAssertion"),
    "schema-order-invalid": ("Signature", "Issuer"),
}

_XML_NS = "http://www.w3.org/XML/1998/namespace"


def esc(value) -> str:
    return visible(html.escape("" if value is None else str(value), quote=True))


# --- highlighting ---------------------------------------------------------------------------------

def _local(name: str) -> str:
    return name.rpartition("}")[2]


def _rules_for(findings) -> list[tuple[str, str | None, str | None, bool]]:
    """(code, element local name or None, attribute or None, root only) for each target."""
    out = []
    for f in findings:
        for t in _targets(f):
            root_only = t.startswith("/")
            t = t.lstrip("/")
            el, _, attr = t.partition("@")
            out.append((f.code, el or None, attr or None, root_only))
    return out


def _targets(f) -> tuple[str, ...]:
    """TARGETS of the finding's code; a schema-order finding names its own two elements in its
    `expected` ('Issuer, then Signature'; 'EncryptedID, then SubjectConfirmation')."""
    if f.code == "schema-order-invalid" and f.expected and ", then " in f.expected:
        return tuple(name.strip() for name in f.expected.split(", then "))
    return TARGETS.get(f.code, ())


def highlights(root, findings) -> tuple[dict, dict]:
    """Which elements and attributes the findings point at: ({element: codes}, {(element, attr): codes}).

    By local name, so any prefix works; plus any node whose text or attribute value equals a
    finding's `actual` value exactly.
    """
    rules = _rules_for(findings)
    actuals = [(f.code, f.actual.strip()) for f in findings if f.actual and f.actual.strip()]
    elements: dict = defaultdict(set)
    attrs: dict = defaultdict(set)
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        name = _local(el.tag)
        keys = {_local(k): k for k in el.attrib}
        for code, want_el, want_attr, root_only in rules:
            if root_only and el is not root:
                continue
            if want_el and want_el != name:
                continue
            if want_attr:
                if want_attr in keys:
                    attrs[(el, keys[want_attr])].add(code)
            else:
                elements[el].add(code)
        for code, value in actuals:
            if len(el) == 0 and (el.text or "").strip() == value:
                elements[el].add(code)
            for k, v in el.attrib.items():
                if v.strip() == value:
                    attrs[(el, k)].add(code)
    return elements, attrs


# --- XML as highlighted HTML ---------------------------------------------------------------------

def _attr_name(el, key: str) -> str:
    if not key.startswith("{"):
        return key
    ns, _, name = key[1:].partition("}")
    if ns == _XML_NS:
        return "xml:" + name
    prefix = next((p for p, u in el.nsmap.items() if u == ns and p), None)
    return f"{prefix}:{name}" if prefix else name


def _tag_name(el) -> str:
    return f"{el.prefix}:{_local(el.tag)}" if el.prefix else _local(el.tag)


def _mark(content: str, codes) -> str:
    if not codes:
        return content
    return f'<mark class="hl" title="{esc(", ".join(sorted(codes)))}">{content}</mark>'


def _start_tag(el, marks, red, close: str) -> str:
    parent = el.getparent()
    inherited = parent.nsmap if parent is not None else {}
    parts = [f'<span class="t">&lt;{esc(_tag_name(el))}</span>']
    for prefix, uri in sorted(el.nsmap.items(), key=lambda kv: kv[0] or ""):
        if inherited.get(prefix) != uri:
            name = f"xmlns:{prefix}" if prefix else "xmlns"
            parts.append(f' <span class="ns">{esc(name)}="{esc(uri)}"</span>')
    _, attr_marks = marks
    for key, value in el.attrib.items():
        pair = f'<span class="an">{esc(_attr_name(el, key))}</span>=<span class="av">"{esc(red(value))}"</span>'
        parts.append(" " + _mark(pair, attr_marks.get((el, key))))
    parts.append(f'<span class="t">{close}</span>')
    return "".join(parts)


def _text(value: str, red) -> str:
    return f'<span class="tx">{esc(red(value))}</span>'


def _node_lines(node, depth: int, marks, red, out: list[str]) -> None:
    pad = "  " * depth
    if not isinstance(node.tag, str):  # comment, processing instruction (entities are never resolved)
        from lxml import etree

        if isinstance(node, etree._ProcessingInstruction):
            out.append(f'{pad}<span class="cm">&lt;?{esc(node.target)} {esc(red(node.text or ""))}?&gt;</span>')
        else:
            out.append(f'{pad}<span class="cm">&lt;!--{esc(red(node.text or ""))}--&gt;</span>')
        return
    codes = marks[0].get(node)
    end = f'<span class="t">&lt;/{esc(_tag_name(node))}&gt;</span>'
    text = node.text or ""
    if len(node) == 0:
        if text:
            out.append(pad + _mark(_start_tag(node, marks, red, "&gt;") + _text(text, red) + end, codes))
        else:
            out.append(pad + _mark(_start_tag(node, marks, red, "/&gt;"), codes))
        return
    out.append(pad + _mark(_start_tag(node, marks, red, "&gt;"), codes))
    if text.strip():
        out.append(pad + "  " + _text(text.strip(), red))
    for child in node:
        _node_lines(child, depth + 1, marks, red, out)
        if child.tail and child.tail.strip():
            out.append(pad + "  " + _text(child.tail.strip(), red))
    out.append(pad + _mark(end, codes))


def xml_html(data: bytes, findings, red) -> str:
    """The decoded message, re-indented, escaped, with the nodes the findings point at marked."""
    if not data:
        return ""
    if len(data) > MAX_XML_SHOWN:
        return f'<p class="muted">The message is {len(data)} bytes; too large to show here.</p>'
    from samlscan.errors import InputError
    from samlscan.xmlsafe import parse_xml

    def shown(value: str) -> str:  # a private key pasted into a certificate's text is not shown
        return red(without_private_keys(value))

    try:
        root = parse_xml(data)
        lines: list[str] = []
        _node_lines(root, 0, highlights(root, findings), shown, lines)
    except InputError as exc:
        return f'<p class="muted">The XML cannot be shown: {esc(exc.code)}: {esc(red(exc.detail))}</p>'
    except (RecursionError, ValueError) as exc:  # hostile nesting or an lxml oddity: no page crash
        return f'<p class="muted">The XML cannot be shown: {esc(type(exc).__name__)}</p>'
    return '<pre class="xml">' + "\n".join(lines) + "</pre>"


# --- page sections ---------------------------------------------------------------------------------

def _sev_badge(sev: str) -> str:
    return f'<span class="badge sev-{esc(sev)}">{esc(sev)}</span>'


def _where(f: Finding, red) -> str:
    if not f.source:
        return "run"
    return red(f.source.input) + (f" [{red(f.source.ref)}]" if f.source.ref else "")


def _summary_section(report, s, red) -> str:
    f = s["findings"]
    failures = sum(1 for a in report.attempts if a.outcome == "failure")
    cards = [("Errors", f["error"], "sev-error"), ("Warnings", f["warning"], "sev-warning"),
             ("Info", f["info"], "sev-info"), ("Messages", s["messages"], ""),
             ("Inputs", f'{s["scanned"]}/{s["inputs"]}', ""), ("Log events", s["events"], ""),
             ("Attempts", s["attempts"], ""), ("Failed logins", failures, "sev-error" if failures else "")]
    body = "".join(f'<div class="card {cls}"><div class="num">{esc(n)}</div><div class="lbl">{esc(label)}'
                   "</div></div>" for label, n, cls in cards)
    verdict = _verdict(report, s) + _causes_table(report, red)
    return (f'<section id="summary"><h2>Summary</h2>{verdict}<div class="cards">{body}</div>{_notes(report, red)}'
            "</section>")


def _verdict(report, s) -> str:
    if s["failures_by_cause"]:
        failed = sum(s["failures_by_cause"].values())
        return f'<p class="verdict bad">{failed} of {s["attempts"]} login attempt(s) failed; by root cause:</p>'
    if s["findings"]["error"]:  # (said as the CLI's closing line says it: where they are)
        return f'<p class="verdict bad">{esc(tally(report, Severity.ERROR))} found in the evidence.</p>'
    return '<p class="verdict good">No errors found.</p>'


def _causes_table(report, red) -> str:
    """What failed, who must fix it and how, on the first screen: the table's first block as a
    table (report/failed_first.py), each cause with its latest failure's whole fix."""
    rows = [f'<tr><td><code>{esc(c.cause)}</code></td><td class="n">{c.count}</td>'
            f'<td class="users">{esc(users_named(c.users, red))}</td>'
            f'<td class="who">{esc(", ".join(WHO_ACTS.get(side, side) for side in c.sides))}</td>'
            f'<td class="fixtext">{esc(red(c.fix or ""))}</td></tr>' for c in causes(report)]
    if not rows:
        return ""
    head = ('<thead><tr><th>Root cause</th><th>Failed</th><th>Users</th><th>Who fixes</th><th>Fix</th>'
            "</tr></thead>")
    table = f'<table class="grid causes">{head}<tbody>{"".join(rows[:CAUSES_SHOWN])}</tbody></table>'
    if len(rows) > CAUSES_SHOWN:
        table += (f'<details class="causes-more"><summary>{len(rows) - CAUSES_SHOWN} more root cause(s)</summary>'
                  f'<table class="grid causes">{head}<tbody>{"".join(rows[CAUSES_SHOWN:])}</tbody></table></details>')
    return table


def _notes(report, red) -> str:
    """The run's notes: the first NOTES_SHOWN, the rest folded (a folder of 200 exports, each with a
    line left unread, gave 200 notes between the summary and its findings)."""
    items = [f"<li>{esc(red(n))}</li>" for n in report.notes]
    if not items:
        return ""
    out = f'<ul class="notes">{"".join(items[:NOTES_SHOWN])}</ul>'
    if len(items) > NOTES_SHOWN:
        out += (f'<details class="notes-more"><summary>{len(items) - NOTES_SHOWN} more note(s)</summary>'
                f'<ul class="notes">{"".join(items[NOTES_SHOWN:])}</ul></details>')
    return out


def _attempt_item(a, red) -> str:
    when = iso(a.time) or "time unknown"
    head = (f'<div class="when">{esc(when)}</div><div class="what"><span class="badge out-{esc(a.outcome)}">'
            f'{esc(a.outcome)}</span> <strong>{esc(red(a.user) or "unknown user")}</strong>')
    if a.ip:
        head += f' <span class="muted">from {esc(red(a.ip))}</span>'
    if a.idp or a.sp:
        head += f' <span class="muted">{esc(red(a.idp_name or a.idp) or "unknown IdP")} &rarr; {esc(red(a.sp_name or a.sp) or "unknown SP")}</span>'
    head += "</div>"
    body = ""
    if a.root_cause:
        side = f' <span class="muted">({esc(a.side)} side)</span>' if a.side else ""
        body += f'<div class="cause">Root cause: <code>{esc(a.root_cause)}</code>{side}</div>'
    if a.fix:
        body += f'<div class="fix"><span class="fixlbl">Fix</span> {esc(red(a.fix))}</div>'
    if a.findings:
        body += '<div class="chips">' + "".join(f'<span class="chip">{esc(c)}</span>' for c in a.findings) + "</div>"
    for n in a.notes:
        body += f'<div class="muted">{esc(red(n))}</div>'
    if a.evidence:
        ev = "".join(f"<li>{esc(e.kind)}: {esc(red(e.input))}" + (f" [{esc(red(e.ref))}]" if e.ref else "")
                     + "</li>" for e in a.evidence)
        body += f"<details><summary>{len(a.evidence)} piece(s) of evidence</summary><ul>{ev}</ul></details>"
    return f'<li class="attempt out-{esc(a.outcome)}">{head}{body}</li>'


def _timeline_section(report, red) -> str:
    if not report.attempts:
        return ('<section id="timeline"><h2>Login attempts</h2><p class="muted">No login attempt could be '
                "reconstructed (pass captures and logs together to correlate them).</p></section>")
    shown = _shown_attempts(report.attempts)
    items = "".join(_attempt_item(a, red) for a in shown)
    left = len(report.attempts) - len(shown)
    more = (f'<p class="muted">{_not_listed(left, "the JSON report (--format json)")} The {len(shown)} '
            "shown are the failed ones first, then the others, earliest first.</p>" if left else "")
    return f'<section id="timeline"><h2>Login attempts</h2><ol class="timeline">{items}</ol>{more}</section>'


def _by_time(a) -> tuple:
    return (a.time is None, a.time.timestamp() if a.time else 0)


def _shown_attempts(attempts) -> list:
    """The attempts in time order; beyond MAX_ATTEMPTS_SHOWN, the failed ones before the others (a
    month of logins is mostly successes: the first 500 by time could hold none of the failures)."""
    if len(attempts) <= MAX_ATTEMPTS_SHOWN:
        return sorted(attempts, key=_by_time)
    rank = {"failure": 0, "unknown": 1}
    kept = sorted(attempts, key=lambda a: (rank.get(a.outcome, 2), *_by_time(a)))[:MAX_ATTEMPTS_SHOWN]
    return sorted(kept, key=_by_time)


def _not_listed(n: int, where: str = "the JSON or CSV report (--format json / csv)") -> str:
    """The note under a cut list; the CSV holds findings only, not the attempts or messages."""
    return f"{n} more not listed here: {where} has every one."


def _finding_item(f: Finding, anchor: str | None, red, group_fixes: tuple[str, ...] = ()) -> str:
    """One finding; its hint only where it says more than its group's fix (most repeat it word for
    word: a group of 7 showed the same paragraph 4 times)."""
    where = esc(_where(f, red))
    if f.message_ref:
        where += f' &middot; message <code>{esc(f.message_ref)}</code>'
    if anchor:
        where += f' &middot; <a href="#{anchor}">show XML</a>'
    rows = ""
    if f.expected is not None:
        rows += f'<dt>expected</dt><dd>{esc(red(f.expected))}</dd>'
    if f.actual is not None:
        rows += f'<dt>actual</dt><dd>{esc(red(f.actual))}</dd>'
    if f.hint and f.hint.strip() not in {g.strip() for g in group_fixes}:
        rows += f'<dt>hint</dt><dd>{esc(red(f.hint))}</dd>'
    detail = f'<dl class="ea">{rows}</dl>' if rows else ""
    return (f'<li class="finding sev-{esc(f.severity.value)}" data-code="{esc(f.code)}">'
            f'<div class="loc">{where}</div><div class="msg">{esc(red(f.message_text))}</div>{detail}</li>')


def _fixes_of(code: str, attempts) -> tuple[str, ...]:
    """The fixes the attempts this code caused carry (correlate made them for their SP and IdP: SonarQube
    Cloud's screens, not Server's settings), each distinct one once, in the attempts' order."""
    return tuple(dict.fromkeys(a.fix for a in attempts if a.root_cause == code and a.fix))


def _group(code: str, items: list, red, attempts=()) -> str:
    spec = SPECS.get(code)
    sev = items[0][0].severity.value
    title = spec.summary if spec else code
    own = _fixes_of(code, attempts)
    group_fixes = own or ((spec.fix,) if spec else ())
    fix = "".join(f'<div class="fix"><span class="fixlbl">Fix</span> {esc(red(g) if own else g)}</div>'
                  for g in group_fixes)
    attack = f'<div class="attack"><span class="fixlbl">Attack</span> {esc(spec.attack)}</div>' \
        if spec and spec.attack else ""
    meta = f'<span class="chip">{esc(spec.group)}</span>' if spec else ""
    if spec and spec.side:
        meta += f'<span class="chip">{esc(spec.side)}</span>'
    lis = "".join(_finding_item(f, anchor, red, group_fixes) for f, anchor in items[:SHOWN_PER_CODE])
    rest = items[SHOWN_PER_CODE:]
    if rest:
        more = "".join(_finding_item(f, anchor, red, group_fixes) for f, anchor in rest[:FOLDED_PER_CODE])
        if len(rest) > FOLDED_PER_CODE:
            more += f'<li class="muted">{_not_listed(len(rest) - FOLDED_PER_CODE)}</li>'
        lis += (f'<li class="more"><details><summary>{len(rest)} more</summary><ul class="findings">{more}</ul>'
                "</details></li>")
    opened = " open" if sev != "info" else ""
    return (f'<details class="group sev-{esc(sev)}" id="code-{esc(code)}"{opened}><summary>{_sev_badge(sev)} '
            f'<code class="code">{esc(code)}</code> <span class="title">{esc(title)}</span> {meta}'
            f'<span class="count">{len(items)}</span></summary>{fix}{attack}<ul class="findings">{lis}</ul>'
            "</details>")


def _findings_section(report, anchors: dict, red) -> str:
    groups: dict[str, list] = defaultdict(list)
    for f in report.reported_findings():
        groups[f.code].append((f, anchors.get(id(f))))
    if not groups:
        return '<section id="findings"><h2>Findings</h2><p class="muted">No findings.</p></section>'
    order = sorted(groups, key=lambda c: (-max(f.severity.rank for f, _ in groups[c]), -len(groups[c]), c))
    body = "".join(_group(c, sorted(groups[c], key=lambda x: -x[0].severity.rank), red, report.attempts)
                   for c in order)
    return f'<section id="findings"><h2>Findings by cause</h2>{body}</section>'


def _message_block(i: int, r, red, opened: bool = False) -> str:
    m = r.message
    counts = defaultdict(int)
    for f in r.findings:
        counts[f.severity.value] += 1
    tally = " ".join(f'<span class="badge sev-{s.value}">{counts[s.value]} {s.value}</span>'
                     for s in Severity if counts[s.value])
    where = esc(red(m.source.input)) + (f" [{esc(red(m.source.ref))}]" if m.source.ref else "")
    rows = [("Type", f"{m.kind} ({m.binding} binding)"), ("ID", m.id), ("Issuer", m.issuer),
            ("Destination", m.destination), ("InResponseTo", m.in_response_to),
            ("IssueInstant", iso(m.issue_instant)), ("Captured", iso(m.captured_at)),
            ("Status", m.status.code.rsplit(":", 1)[-1] if m.status and m.status.code else None),
            ("Signed", "yes" if m.signed else "no")]
    table = "".join(f"<tr><th>{esc(k)}</th><td>{esc(red(v))}</td></tr>" for k, v in rows if v)
    chips = "".join(f'<span class="chip sev-{esc(f.severity.value)}">{esc(f.code)}</span>' for f in r.findings)
    xml = xml_html(m.xml, r.findings, red)
    return (f'<details class="message" id="msg-{i}"{" open" if opened else ""}><summary><code>{esc(m.kind)}</code> {where} {tally}</summary>'
            f'<table class="kv">{table}</table><div class="chips">{chips}</div>{xml}</details>')


def _messages_section(report, shown: list[int], red) -> str:
    if not report.messages:
        return ""
    # the first message with an error starts open, so its marked XML is in view
    first = next((i for i in shown if report.messages[i].message.xml
                  and any(f.severity is Severity.ERROR for f in report.messages[i].findings)), None)
    blocks = "".join(_message_block(i, report.messages[i], red, i == first) for i in shown)
    more = len(report.messages) - len(shown)
    note = f'<p class="muted">{_not_listed(more, "the JSON report (--format json)")}</p>' if more else ""
    return (f'<section id="messages"><h2>Decoded messages</h2><p class="muted">Marked nodes are what a '
            f"finding points at (hover for its code).</p>{blocks}{note}</section>")


def _shown_messages(report) -> list[int]:
    """The first MAX_MESSAGES_SHOWN messages and every one a visible finding of a code links to."""
    shown = set(range(min(len(report.messages), MAX_MESSAGES_SHOWN)))
    seen: dict[str, int] = defaultdict(int)
    for i, r in enumerate(report.messages):
        for f in r.findings:
            seen[f.code] += 1
            if seen[f.code] <= SHOWN_PER_CODE:
                shown.add(i)
    return sorted(shown)


def _inputs_section(report, red) -> str:
    rows = "".join(
        f'<tr><td>{esc(red(i.path))}</td><td><span class="badge st-{esc(i.status)}">{esc(i.status)}</span></td>'
        f"<td>{esc(i.kind or '')}</td><td>{i.messages}</td><td>{i.events}</td><td>{esc(red(i.reason or ''))}</td></tr>"
        for i in report.inputs)
    return ('<section id="inputs"><h2>Inputs</h2><table class="grid"><thead><tr><th>Input</th><th>Status</th>'
            f"<th>Kind</th><th>Messages</th><th>Events</th><th>Reason</th></tr></thead><tbody>{rows}</tbody>"
            "</table></section>")


def render(report, redactor=None) -> str:
    red = redactor.text if redactor else (lambda s: s)
    shown = _shown_messages(report)
    anchors = {id(f): f"msg-{i}" for i in shown if report.messages[i].message.xml
               for f in report.messages[i].findings}
    s = summary(report)
    parts = [_summary_section(report, s, red), _timeline_section(report, red),
             _findings_section(report, anchors, red), _messages_section(report, shown, red),
             _inputs_section(report, red)]
    nav = ('<nav><a href="#summary">Summary</a><a href="#timeline">Attempts</a><a href="#findings">Findings</a>'
           '<a href="#messages">Messages</a><a href="#inputs">Inputs</a></nav>')
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{csp(STYLE)}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>samlscan report</title><style>{STYLE}</style></head><body>"
            f'<header class="top"><div class="brand">samlscan <span>SAML login report</span></div>'
            f'<div class="meta">version {esc(__version__)} &middot; {s["inputs"]} input(s) &middot; '
            f'{s["messages"]} message(s)</div>{nav}</header><main>' + "".join(parts) +
            '</main><footer>Generated by samlscan, offline. Values from the evidence are shown escaped'
            + (" and redacted" if redactor else "") + ".</footer></body></html>\n")


STYLE = """
:root{--fg:#1f2933;--muted:#616e7c;--line:#e4e7eb;--bg:#f5f7fa;--card:#fff;--err:#c62828;--errbg:#fdecea;
--warn:#9a5b00;--warnbg:#fff4e0;--info:#1d5fa8;--infobg:#e8f1fb;--ok:#2e7d32;--okbg:#e8f5e9;--accent:#3e4c59}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 -apple-system,"Segoe UI",Roboto,
"Helvetica Neue",Arial,"DejaVu Sans",sans-serif}
code,pre,.code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:12.5px}
header.top{background:#1f2933;color:#fff;padding:14px 32px;display:flex;flex-wrap:wrap;align-items:center;gap:8px 24px}
.brand{font-size:20px;font-weight:700;letter-spacing:.3px}.brand span{font-weight:400;color:#cbd2d9;font-size:15px;margin-left:8px}
.meta{color:#cbd2d9;font-size:13px}
nav{margin-left:auto;display:flex;gap:16px}nav a{color:#e4e7eb;text-decoration:none;font-size:13px}
nav a:hover{text-decoration:underline}
main{max-width:1180px;margin:0 auto;padding:8px 32px 32px}
h2{font-size:17px;margin:28px 0 12px;padding-bottom:6px;border-bottom:1px solid var(--line);color:var(--accent)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(128px,1fr));gap:12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px;border-top:3px solid #9aa5b1}
.card .num{font-size:24px;font-weight:700}.card .lbl{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.5px}
.card.sev-error{border-top-color:var(--err)}.card.sev-error .num{color:var(--err)}
.card.sev-warning{border-top-color:#e0a100}.card.sev-warning .num{color:var(--warn)}
.card.sev-info{border-top-color:var(--info)}.card.sev-info .num{color:var(--info)}
.verdict{padding:10px 14px;border-radius:8px;margin:0 0 12px;font-weight:600}
.verdict.bad{background:var(--errbg);color:var(--err)}.verdict.good{background:var(--okbg);color:var(--ok)}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:11.5px;font-weight:600;text-transform:uppercase;letter-spacing:.3px}
.sev-error.badge,.badge.out-failure,.badge.st-failed{background:var(--errbg);color:var(--err)}
.sev-warning.badge,.badge.st-skipped{background:var(--warnbg);color:var(--warn)}
.sev-info.badge,.badge.out-unknown{background:var(--infobg);color:var(--info)}
.badge.out-success,.badge.st-scanned{background:var(--okbg);color:var(--ok)}
.chip{display:inline-block;margin:2px 4px 2px 0;padding:0 7px;border:1px solid var(--line);border-radius:10px;
font-size:11.5px;color:var(--muted);background:#fff}
.chip.sev-error{border-color:#f3b8b3;color:var(--err)}.chip.sev-warning{border-color:#f0cf8f;color:var(--warn)}
.muted{color:var(--muted)}
ol.timeline{list-style:none;margin:0;padding:0 0 0 18px;border-left:2px solid var(--line)}
.attempt{position:relative;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 14px;margin:0 0 12px}
.attempt:before{content:"";position:absolute;left:-26px;top:14px;width:12px;height:12px;border-radius:50%;
background:#9aa5b1;border:2px solid var(--bg)}
.attempt.out-failure:before{background:var(--err)}.attempt.out-success:before{background:var(--ok)}
.attempt .when{font-family:ui-monospace,Menlo,Consolas,"DejaVu Sans Mono",monospace;color:var(--muted);font-size:12px}
.cause{margin-top:4px}.fix,.attack{margin:6px 0;padding:6px 10px;background:#f0f4f8;border-radius:6px}
.attack{background:#fff4e0}
.fixlbl{font-weight:700;font-size:11px;text-transform:uppercase;color:var(--accent);margin-right:6px}
details summary{cursor:pointer}
.group{background:var(--card);border:1px solid var(--line);border-left:4px solid #9aa5b1;border-radius:8px;margin:0 0 10px;padding:8px 14px}
.group.sev-error{border-left-color:var(--err)}.group.sev-warning{border-left-color:#e0a100}.group.sev-info{border-left-color:var(--info)}
.group summary{display:flex;align-items:center;gap:8px;flex-wrap:wrap}
.group .code{font-weight:700}.group .title{flex:1 1 300px}
.count{background:#e4e7eb;border-radius:10px;padding:0 8px;font-size:12px;font-weight:700}
ul.findings{list-style:none;margin:6px 0 0;padding:0}
.finding{border-top:1px solid var(--line);padding:8px 0}
.finding .loc{font-size:12px;color:var(--muted);word-break:break-all}.finding .msg{margin:2px 0}
.finding a{color:var(--info)}
li.more{padding:6px 0;border-top:1px solid var(--line);color:var(--info);font-size:13px}
dl.ea{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:4px 0 0;font-size:13px}
dl.ea dt{color:var(--muted);font-weight:600}dl.ea dd{margin:0;overflow-wrap:anywhere}
.message{background:var(--card);border:1px solid var(--line);border-radius:8px;margin:0 0 10px;padding:8px 14px}
.message summary{word-break:break-all}
table.kv{border-collapse:collapse;margin:8px 0}table.kv th{text-align:left;color:var(--muted);font-weight:600;padding:2px 16px 2px 0;vertical-align:top}
table.kv td{word-break:break-all}
pre.xml{background:#fbfcfd;border:1px solid var(--line);border-radius:6px;padding:10px 12px;white-space:pre-wrap;
word-break:break-all;max-height:560px;overflow:auto;line-height:1.45}
.xml .t{color:#1d5fa8}.xml .an{color:#8a3ffc}.xml .av{color:#2e7d32}.xml .ns{color:#9aa5b1}.xml .tx{color:#1f2933}
.xml .cm{color:#9a5b00;font-style:italic}
mark.hl{background:#ffe9a8;outline:1px solid #e0a100;border-radius:2px;color:inherit}
table.grid{width:100%;border-collapse:collapse;background:var(--card);border:1px solid var(--line);border-radius:8px;overflow:hidden}
table.grid th{background:#f0f4f8;text-align:left;font-size:12px;text-transform:uppercase;color:var(--muted);padding:8px 10px}
table.grid td{border-top:1px solid var(--line);padding:6px 10px;word-break:break-all;vertical-align:top}
table.causes{margin:0 0 12px}table.causes td.n{text-align:right;font-weight:700;color:var(--err)}
table.causes td{word-break:normal;overflow-wrap:anywhere}table.causes td.users{overflow-wrap:break-word}table.causes td:first-child,table.causes td.who,table.causes th{white-space:nowrap}details.causes-more,details.notes-more{margin:0 0 12px}
@media (max-width:700px){table.causes thead{display:none}table.causes tr,table.causes td{display:block}
table.causes td:first-child,table.causes td.who{white-space:normal}table.causes td{border-top:0;padding:2px 10px}table.causes td.n{text-align:left}
table.causes td:before{color:var(--muted);font-weight:600}table.causes td.n:before{content:"Failed: "}
table.causes td.users:before{content:"Users: "}table.causes td.who:before{content:"Who fixes: "}table.causes td.fixtext:before{content:"Fix: "}
table.causes tr{border-top:1px solid var(--line);padding:4px 0}}
footer{max-width:1180px;margin:0 auto;padding:16px 32px 40px;color:var(--muted);font-size:12px}
"""
