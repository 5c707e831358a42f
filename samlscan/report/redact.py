"""--redact: mask emails, NameIDs, IPs and attribute values with stable hashes, in every format.

One user stays one user (the same value always gets the same mask), so correlation still reads.
"""
from __future__ import annotations

import hashlib
import re

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
# Eight groups, or fewer around one '::' (RFC 4291 2.2); a time of day (08:40:59) is neither.
_IPV6 = re.compile(r"(?<![\w:])(?=[0-9a-fA-F:]*[0-9a-fA-F])"
                   r"(?:(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}"
                   r"|(?:[0-9a-fA-F]{1,4}:){0,6}[0-9a-fA-F]{0,4}::(?:[0-9a-fA-F]{1,4}:){0,6}[0-9a-fA-F]{0,4})"
                   r"(?![\w:])")


def _xml_escaped(value: str, quotes: bool = False) -> str:
    """As an XML serializer writes text (and attribute values, with quotes): xml.sax.saxutils'
    escape, without its import of urllib and http.client (10 ms of every start-up)."""
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value.replace('"', "&quot;").replace("'", "&apos;") if quotes else value


def mask(value: str, kind: str = "v") -> str:
    return f"<{kind}:{hashlib.sha256(value.encode('utf-8')).hexdigest()[:10]}>"


class Redactor:
    """Replaces known personal values, then anything shaped like an email or an IP address."""

    def __init__(self, values=()):
        items = {v for v in values if v and len(v.strip()) >= 3}
        # as the decoded XML shows them too ('R&D' is 'R&amp;D' in `decode`'s listing)
        items |= {_xml_escaped(v, quotes=True) for v in items} | {_xml_escaped(v) for v in items}
        self._known = sorted(items, key=len, reverse=True)
        alternatives = "|".join(re.escape(v) for v in self._known)
        # whole values only, so that a value such as 'dev' does not mask the word 'developer'
        self._pattern = re.compile(rf"(?<![\w.@-])(?:{alternatives})(?![\w.@-])") if self._known else None

    def text(self, s):
        if not isinstance(s, str) or not s:
            return s
        if self._pattern is not None:
            s = self._pattern.sub(lambda m: mask(m.group(0), "pii"), s)
        s = _EMAIL.sub(lambda m: mask(m.group(0), "email"), s)
        s = _IPV4.sub(lambda m: mask(m.group(0), "ip"), s)
        return _IPV6.sub(lambda m: mask(m.group(0), "ip"), s)

    def walk(self, obj):
        """A copy of a JSON-able structure with every string redacted, keys included (summary
        tables are keyed by user); structural keys hold no personal data and stay as they are."""
        if isinstance(obj, dict):
            return {self.text(k): self.walk(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [self.walk(v) for v in obj]
        return self.text(obj)


def personal_values_of(m) -> set[str]:
    """NameIDs, attribute values and addresses in one SamlMessage."""
    out: set[str] = set()
    for a in m.assertions:
        if a.name_id and a.name_id.value:
            out.add(a.name_id.value)
        if a.name_id and a.name_id.naive_value:
            out.add(a.name_id.naive_value)
        for attr in a.attributes:
            out.update(v for v in attr.values if v)
        for sc in a.subject_confirmations:
            if sc.address:
                out.add(sc.address)
    return out


def personal_values(report) -> set[str]:
    """NameIDs, attribute values, users and IPs found anywhere in the report."""
    out: set[str] = set()
    for r in report.messages:
        out |= personal_values_of(r.message)
    for e in report.events:
        out.update(v for v in (e.user, e.ip) if v)
    for at in report.attempts:
        if at.user:
            out.add(at.user)
    return out


def redactor_for(report, enabled: bool):
    return Redactor(personal_values(report)) if enabled else None
