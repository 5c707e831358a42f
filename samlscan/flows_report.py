"""`samlscan flows`: the ordered timeline of every login flow in HAR / SAML-tracer captures.

One block per flow (samlscan.flows.build_flows): each SAML-relevant exchange with its time (UTC),
leg, method + URL, the SAML message it carried (type, ID, InResponseTo) and what the browser was
told (status, Location, AUTHENTICATION-ERROR, IdP error page), then the flow's outcome and reason.
"""
from __future__ import annotations

import json
import os
import re
from datetime import datetime, timezone
from samlscan.flows import Exchange, Flow, build_flows, message_ids
from samlscan.inputs.base import RawMessage
from samlscan.report import shown_path
from samlscan.report.cells import width as text_width, wrap
from samlscan.report.columns import layout
from samlscan.report.redact import Redactor

SCHEMA = "samlscan-flows/1"
_BIG_PARAMS = ("SAMLRequest=", "SAMLResponse=", "Signature=")


def _read_capture(path: str, zone=None):
    """(kind, Capture) for a HAR, SAML-tracer, SAML Chrome Panel or Burp Suite export, raw HTTP
    messages or a Fiddler .saz; (None, reason) else. `zone`: the zone of its times written without one
    (--timezone's for the file; else UTC), as check reads them. '-': standard input, read as a file
    (engine.collect spools it so for check and scan), its sources named '-' as theirs."""
    if path != "-":
        return _read_capture_file(path, zone)
    from samlscan.engine import spooled_stdin
    from samlscan.errors import InputError
    from samlscan.rewrite import rewrite

    try:
        with spooled_stdin() as (spooled, as_stdin):
            if spooled is None:
                return None, "stdin is empty: nothing was piped in (pipe the capture: samlscan flows - < login.har)"
            kind, cap = _read_capture_file(spooled, zone)
    except InputError as exc:
        return None, str(exc)
    return kind, cap if kind is None else rewrite(cap, as_stdin)


def _read_capture_file(path: str, zone=None):
    """_read_capture of a file."""
    from samlscan.engine import read_head, sniff

    if os.path.isdir(path):  # (check and scan read a folder; flows takes the capture files themselves)
        return None, "a directory: give flows the capture files in it (samlscan flows DIR/*.har)"
    try:
        head = read_head(path)
    except OSError as exc:
        return None, f"cannot read: {exc.strerror or exc}"
    found = sniff(head)  # (the captures check and scan read, in their sniffing order)
    if found.kind == "capture":
        return found.name, found.reader.read(path, zone)
    if head.startswith(b"PK\x03\x04"):
        import zipfile

        from samlscan.archives import fiddler_capture, inflate_budget, zipped_har_capture
        from samlscan.inputs import httpraw

        try:
            with zipfile.ZipFile(path) as zf:
                if httpraw.is_saz(zf.namelist()):
                    cap = fiddler_capture(path, zf, inflate_budget(os.path.getsize(path)))
                    return ("fiddler-saz", cap) if not isinstance(cap, tuple) else (None, cap[1])
                cap = zipped_har_capture(path, zf, inflate_budget(os.path.getsize(path)))
                if cap is not None:
                    return ("har", cap) if not isinstance(cap, tuple) else (None, cap[1])
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
            return None, f"corrupt zip: {exc}"
    return None, ("not a HAR, SAML-tracer, SAML Chrome Panel or Burp Suite capture, a Chrome net-export, a Charles JSON or XML session, "
                  "a Fiddler .saz, a zip holding one HAR, nor raw HTTP messages (flows need the HTTP exchanges)")


def _iso(t: datetime | None) -> str | None:
    if t is None:
        return None
    return t.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def short_url(url: str) -> str:
    """The URL with bulky SAML values (SAMLRequest, Signature) shortened to their length, so a
    timeline line stays readable; everything else is kept."""
    if "?" not in url:
        return url
    base, _, query = url.partition("?")
    parts = []
    for p in query.split("&"):
        if p.startswith(_BIG_PARAMS) and len(p) > 40:
            name, _, value = p.partition("=")
            p = f"{name}=<{len(value)} chars>"
        parts.append(p)
    return base + "?" + "&".join(parts)


def _messages_by_key(messages: tuple[RawMessage, ...]) -> dict[str, tuple]:
    """'<param>:<digest>' (as Exchange.saml) -> (type, ID, InResponseTo)."""
    from samlscan.inputs.har import digest

    out: dict[str, tuple] = {}
    for m in messages:
        key = m.param + ":" + digest(m.value)
        if key not in out:
            out[key] = message_ids(m)
    return out


def _step(ex: Exchange, ids: dict[str, tuple]) -> dict:
    msgs = [ids[k] for k in ex.saml if k in ids]
    notes = []
    if ex.location:
        notes.append("-> " + short_url(ex.location))
    if ex.auth_error:
        notes.append(f"AUTHENTICATION-ERROR: {ex.auth_error}")
    if ex.idp_error:
        e = ex.idp_error
        notes.append(f"{e.product} error {e.said if e.code else e.message or 'page'}")
    notes += list(ex.page_errors)
    return {"time": _iso(ex.time), "entry": ex.entry, "ref": ex.ref, "leg": ex.leg, "method": ex.method,
            "url": short_url(ex.url), "status": ex.status,
            "messages": [{"type": t, "id": i, "in_response_to": r} for t, i, r in msgs],
            "cookies_set": list(ex.set_cookies), "cookies_sent": list(ex.request_cookies),
            "notes": notes}


def _flow_dict(n: int, f: Flow, ids: dict[str, tuple], findings: dict[tuple, list[dict]]) -> dict:
    err = f.idp_error
    return {"flow": n, "time": _iso(f.time), "outcome": f.outcome, "reason": f.reason, "ask": f.ask,
            "findings": [x for m in (f.request, f.response) if m is not None
                         for x in findings.get((m.source.input, m.source.ref), ())],
            "relay_state": f.relay_state, "request_id": f.request_id,
            "in_response_to": f.in_response_to, "test_configuration": f.test_configuration,
            "idp_error": None if err is None else {
                "product": err.product, "code": err.code, "message": err.message,
                "request_id": err.request_id, "correlation_id": err.correlation_id},
            "steps": [_step(ex, ids) for ex in f.exchanges]}


_SHOWN = ("warning", "error")
"""The findings a flow lists: those that say something is wrong (the checks' info lines are `check`'s)."""


def _analyzed(messages: tuple[RawMessage, ...], expect) -> tuple[set[str], dict[tuple, list[dict]]]:
    """The personal values --redact must hide in the captured messages (the same values as in every
    report) and, by (input, ref), each message's warnings and errors against `expect` (the SP's
    settings given to `flows`: a request's Issuer against --sp-entity-id, checks/request.py)."""
    from samlscan.engine import MessageResult, analyze_raw
    from samlscan.report.redact import personal_values_of

    personal: set[str] = set()
    found: dict[tuple, list[dict]] = {}
    for i, m in enumerate(messages):
        result = analyze_raw(m, i, expect)
        if isinstance(result, MessageResult):  # undecodable evidence has nothing to redact
            personal |= personal_values_of(result.message)
            found.setdefault((m.source.input, m.source.ref), []).extend(
                {"code": f.code, "severity": f.severity.value, "message": f.message_text}
                for f in result.findings if f.severity.value in _SHOWN)
    return personal, found


def collect(paths: list[str], expect=None) -> tuple[list[dict], set[str]]:
    """One dict per input (its flows or why it has none) and the personal values seen; `expect`:
    the SP's settings the messages are checked against (none by default)."""
    from samlscan.config import Expectations
    from samlscan.logzones import zone_note
    from samlscan.zones import parse_zones

    expect = expect or Expectations()
    zones = parse_zones(expect.timezones)
    docs, personal = [], set()
    for path in paths:
        kind, cap = _read_capture(path, zones.of(path))
        if kind is None:
            docs.append({"path": shown_path(path), "kind": None, "error": cap, "flows": [], "problems": []})
            continue
        ids = _messages_by_key(cap.messages)
        seen, findings = _analyzed(cap.messages, expect)
        personal |= seen
        # (its times had no zone and no --timezone named it: read as UTC, as check says: batch._zoneless_captures)
        local = any(m.local_time for m in cap.messages) and not zones.given(path)
        docs.append({"path": shown_path(path), "kind": kind, "entries": cap.entries, "error": None,
                     "notes": [zone_note(shown_path(path), kind)] if local else [],
                     "problems": [{"code": p.code, "ref": p.source.ref, "detail": p.detail}
                                  for p in cap.problems],
                     "flows": [_flow_dict(n, f, ids, findings) for n, f in enumerate(build_flows(cap), 1)]})
    return docs, personal


def _message_cell(step: dict) -> str:
    out = []
    for m in step["messages"]:
        s = f"{m['type'] or '?'} {m['id'] or '(no ID)'}"
        if m["in_response_to"]:
            s += f" -> {m['in_response_to']}"
        out.append(s)
    return "\n".join(out)


_STEP_HEADERS = ("time (UTC)", "leg", "request", "status", "SAML message (ID -> InResponseTo)", "result")
_STEP_WIDTHS = (None, None, 70, None, 60, 60)
"""The widest a step column gets (display columns): longer values wrap inside it, a URL too."""


_BREAKS = re.compile(r"(?<=[/?&=])|(?<=\s)(?!chars>)")
"""Where a cell may wrap: after a space, and in a URL after each '/', '?', '&' and '=' (RFC 3986's
delimiters of its path and query), never inside a host name or a value while one of these fits, nor
inside a big value's '<492 chars>' (short_url)."""


def _wrap_url(cell, columns: int) -> str:
    """A cell wrapped to `columns` at its spaces and its URLs' delimiters (_BREAKS); a piece wider than
    the column alone is broken where it must."""
    lines: list[str] = []
    for para in str(cell).splitlines() or [""]:
        current = ""
        for piece in _BREAKS.split(para):
            if current.strip() and text_width((current + piece).rstrip()) > columns:
                lines.append(current.rstrip())
                current = piece.lstrip()
            else:
                current += piece
            if text_width(current.rstrip()) > columns:
                *full, current = wrap(current, columns, break_long=True).splitlines()
                lines += full
        lines.append(current.rstrip())
    return "\n".join(lines)


def _step_row(cells: list[str], width: int | None) -> tuple:
    """The cells wrapped to their column's widest; on a terminal, to what its blocks leave beside
    their labels (fitted); a URL at its delimiters (_wrap_url)."""
    if width:
        room = max(width - max(map(len, _STEP_HEADERS)) - 2, 20)
        return tuple(_wrap_url(c, room) for c in cells)
    return tuple(c if w is None else _wrap_url(c, w) for c, w in zip(cells, _STEP_WIDTHS))


def _said(line: str, width: int | None) -> str:
    """A line of text; on a terminal wrapped to it, its next lines indented under its first."""
    if not width:
        return line
    first, *rest = wrap(line, width).splitlines() or [""]
    return "\n".join([first, *wrap(" ".join(rest), width - 4).splitlines()]).replace("\n", "\n    ")


def _table(docs: list[dict], width: int | None = None) -> str:
    """`width`: the terminal's columns (None: a file or a pipe, no limit), which the steps and the
    long lines fit (report.table.fitted: a table too wide becomes blocks)."""
    from samlscan.report.table import fitted

    lines: list[str] = []
    for d in docs:
        path = short_url(d["path"])  # (a URL given as the argument: its SAML values by their length)
        if d["error"]:
            lines += [_said(f"{path}: {d['error']}", width), ""]
            continue
        lines.append(_said(f"{path} ({d['kind']}, {d['entries']} entries, {len(d['flows'])} flow(s))", width))
        for p in d["problems"]:
            lines.append(_said(f"  ! {p['code']}" + (f" [{p['ref']}]" if p["ref"] else "") + f": {p['detail']}",
                               width))
        lines += [_said(f"  note: {n}", width) for n in d["notes"]]
        for f in d["flows"]:
            head = f"Flow {f['flow']}: {f['outcome'].upper()} - {f['reason']}"
            extra = [f"{k} {f[k]}" for k in ("relay_state", "request_id", "in_response_to") if f[k]]
            if f["test_configuration"]:
                extra.append("SonarQube Test Configuration")
            lines += ["", _said(head + (f" ({', '.join(extra)})" if extra else ""), width)]
            lines += [_said(f"  ! {x['code']} ({x['severity']}): {x['message']}", width) for x in f["findings"]]
            if f["ask"]:
                lines.append(_said(f"  Ask the user for {f['ask']}.", width))
            rows = [_step_row([s["time"] or "-", s["leg"], f"{s['method']} {s['url']}", s["status"] or "-",
                               _message_cell(s), "\n".join(s["notes"])], width) for s in f["steps"]]
            lines.append(fitted(rows, _STEP_HEADERS, width))
        lines.append("")
    return "\n".join(lines) + "\n"


def render_flows(paths: list[str], fmt: str, redact: bool, expect=None,
                 width: int | None = None) -> tuple[str, bool]:
    """The timeline of each capture as a table or one JSON document, and whether any input was
    a capture (the CLI exits 2 otherwise); never raises for bad input. `expect`: the SP's settings
    the flows' messages are checked against (collect); `width`: the terminal's columns."""
    docs, personal = collect(paths, expect)
    readable = any(d["kind"] is not None for d in docs)
    if redact:
        docs = Redactor(personal).walk(docs)
    if fmt == "json":
        from samlscan.report.jsonout import one_line

        return one_line(json.dumps({"schema": SCHEMA, "inputs": docs}, indent=2, ensure_ascii=False)) + "\n", readable
    from samlscan.report.visible import ON_TERMINAL, visible

    return visible(_table(docs, width), ON_TERMINAL), readable  # (for a terminal: a control is shown, not obeyed)
