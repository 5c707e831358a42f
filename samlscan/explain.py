"""`samlscan explain`: a finding code, or a pasted error text matched against the catalog."""
from __future__ import annotations

import textwrap

from samlscan.codes import SPECS, CodeSpec


def describe(s: CodeSpec) -> str:
    lines = [f"{s.code} ({s.severity.value}, {s.group})", "", textwrap.fill(s.summary, 90), "",
             "Fix: " + textwrap.fill(s.fix, 85, subsequent_indent="     ")]
    if s.side:
        lines.append(f"Usually fixed by: the {dict(idp='IdP admin', sp='SP admin', user='user', network='network/proxy admin')[s.side]}")
    if s.attack:
        lines += ["", "Attack: " + textwrap.fill(s.attack, 85, subsequent_indent="        ")]
    if s.aliases:
        lines.append("Also known as: " + ", ".join(s.aliases))
    return "\n".join(lines)


def explain_text(query: str) -> tuple[str, bool]:
    q = query.strip()
    if q in SPECS:
        return describe(SPECS[q]), True
    try:
        from samlscan.catalog import lookup
    except ImportError:
        lookup = None
    entry = lookup(q) if lookup else None
    if entry is None:
        near = [c for c in SPECS if q.lower() in c]
        hint = f" Did you mean: {', '.join(near[:5])}?" if near else ""
        return (f"samlscan: no finding code or known error text matches {q[:80]!r}.{hint} "
                "'samlscan codes' lists every code."), False
    spec = SPECS.get(entry.code)
    out = [f"{entry.product}" + (f" {entry.id}" if entry.id else "") + f": {entry.pattern}", "",
           textwrap.fill(entry.explanation, 90)]
    if entry.fix:
        out += ["", "Fix: " + textwrap.fill(entry.fix, 85, subsequent_indent="     ")]
    if spec:
        out += ["", "samlscan code:", describe(spec)]
    return "\n".join(out), True
