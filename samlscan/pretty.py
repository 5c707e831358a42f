"""`samlscan decode`: every message of an input as pretty XML under a one-line summary."""
from __future__ import annotations

from samlscan.config import Expectations


def decode_listing(path: str, expect: Expectations, redact: bool) -> tuple[str, bool]:
    from lxml import etree

    from samlscan.decode import decode_raw
    from samlscan.engine import collect
    from samlscan.errors import InputError
    from samlscan.report.redact import Redactor

    from datetime import timezone

    got = collect(path, timezone.utc)
    red = Redactor() if redact else None
    out, ok = [], False
    for i, raw in enumerate(got.raws):
        where = raw.source.input + (f" [{raw.source.ref}]" if raw.source.ref else "")
        try:
            root = decode_raw(raw)
        except InputError as exc:
            out.append(f"== {where} #{i}: {exc.code}: {exc.detail}\n")
            continue
        ok = True
        from samlscan.xmlsafe import local
        head = f"== {where} #{i}: {local(root.tag)} ID={root.get('ID')} ({raw.binding} binding)"
        if raw.relay_state:
            head += f" RelayState={raw.relay_state}"
        body = etree.tostring(root, pretty_print=True, encoding="unicode")
        out.append(head + "\n" + (red.text(body) if red else body))
    for p in got.problems:
        out.append(f"== {p.source.input}: {p.code}: {p.detail}\n")
    if not out:
        out.append(f"== {path}: no SAML message found\n")
    return "\n".join(out), ok
