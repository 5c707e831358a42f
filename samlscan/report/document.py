"""The report as plain JSON-able data (design.md: schema samlscan/1). Other formats derive from it."""
from __future__ import annotations

from collections import Counter
from datetime import datetime

from samlscan.checks.base import issuer_product
from samlscan.model import Attempt, Finding, SamlMessage, Severity

SCHEMA = "samlscan/1"


def iso(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def finding_dict(f: Finding) -> dict:
    return {"input": f.source.input if f.source else None,
            "ref": f.source.ref if f.source else None,
            "message": f.message_ref, "code": f.code, "severity": f.severity.value,
            "message_text": f.message_text, "expected": f.expected, "actual": f.actual, "hint": f.hint}


def _signature(s) -> dict:
    key = s.keyinfo_key
    return {"element": s.parent, "element_id": s.parent_id, "reference": s.reference_uri,
            "covers_element": s.covers_parent, "signed_path": s.signed_path,
            "verified": s.verified, "failure": s.failure,
            "signature_algorithm": s.signature_algorithm, "digest_algorithm": s.digest_algorithm,
            "matched_certificate": {"subject": s.matched_cert.subject, "sha1": s.matched_cert.sha1,
                                    "sha256": s.matched_cert.sha256, "origin": s.matched_cert.origin}
            if s.matched_cert else None,
            "keyinfo_certificates": [{"subject": c.subject, "sha1": c.sha1, "sha256": c.sha256,
                                      "not_after": iso(c.not_after)} for c in s.embedded_certs],
            # a KeyInfo without a certificate: its bare key (RSAKeyValue...) or what it holds instead
            "keyinfo_key": {"holds": key.holds, "configured": key.configured or None} if key else None}


def _assertion(a) -> dict:
    return {"id": a.id, "path": a.path, "issuer": a.issuer,
            "name_id": a.name_id.value if a.name_id else None,
            "name_id_format": a.name_id.format if a.name_id else None,
            "not_before": iso(a.not_before), "not_on_or_after": iso(a.not_on_or_after),
            "audiences": [list(r) for r in a.audience_restrictions],
            "recipients": [sc.recipient for sc in a.subject_confirmations],
            "authn_instant": iso(a.authn_instant), "session_not_on_or_after": iso(a.session_not_on_or_after),
            "attributes": [{"name": x.name, "friendly_name": x.friendly_name, "values": list(x.values)}
                           for x in a.attributes],
            "signed": a.signed, "signed_by": list(a.signed_by), "was_encrypted": a.was_encrypted}


def message_dict(r) -> dict:
    m: SamlMessage = r.message
    return {
        "input": m.source.input, "ref": m.source.ref, "index": m.index, "type": m.kind, "id": m.id,
        "in_response_to": m.in_response_to, "issuer": m.issuer, "destination": m.destination,
        "issue_instant": iso(m.issue_instant), "captured_at": iso(m.captured_at),
        "evaluation_time_source": r.at_source, "binding": m.binding, "relay_state": m.relay_state,
        "status": {"code": m.status.code, "sub_codes": list(m.status.sub_codes), "message": m.status.message}
        if m.status else None,
        "signed": m.signed,
        "signatures": [_signature(s) for s in m.signatures],
        "redirect_signature": {"sig_alg": m.redirect_signature.sig_alg,
                               "verified": m.redirect_signature.verified,
                               "unverifiable": m.redirect_signature.unverifiable} if m.redirect_signature else None,
        "assertions": [_assertion(a) for a in m.assertions],
        "encrypted_assertions": m.encrypted_assertion_count,
        "authn_request": {"acs_url": m.acs_url, "acs_index": m.acs_index, "protocol_binding": m.protocol_binding,
                          "nameid_policy": m.nameid_policy_format, "force_authn": m.force_authn,
                          "is_passive": m.is_passive} if m.kind == "AuthnRequest" else None,
        "logout_request": {"name_id": m.logout_name_id, "session_indexes": list(m.session_indexes)}
        if m.kind == "LogoutRequest" else None,
        "findings": [finding_dict(f) for f in r.findings],
    }


def attempt_dict(a: Attempt) -> dict:
    return {"time": iso(a.time), "user": a.user, "ip": a.ip, "outcome": a.outcome, "root_cause": a.root_cause,
            "side": a.side, "fix": a.fix, "findings": list(a.findings), "idp": a.idp, "sp": a.sp,
            "idp_name": a.idp_name or a.idp, "sp_name": a.sp_name or a.sp, "notes": list(a.notes),
            "evidence": [{"input": e.input, "kind": e.kind, "ref": e.ref} for e in a.evidence]}


def input_dict(i) -> dict:
    d = {"path": i.path, "status": i.status, "kind": i.kind, "messages": i.messages, "events": i.events}
    if i.reason:
        d["reason"] = i.reason
    if i.malformed_lines:
        d["malformed_lines"] = i.malformed_lines
    return d


def counts(report, findings=None) -> dict:
    """The summary's counts (the CLI's closing line on stderr): inputs by status, messages, events,
    attempts and findings by severity."""
    findings = report.reported_findings() if findings is None else findings
    by_sev = Counter(f.severity for f in findings)
    status = Counter(i.status for i in report.inputs)
    return {
        "inputs": len(report.inputs), "scanned": status.get("scanned", 0),
        "skipped": status.get("skipped", 0), "failed": status.get("failed", 0),
        "messages": len(report.messages), "events": event_count(report),
        "findings": {s.value: by_sev.get(s, 0) for s in Severity},
        "attempts": len(report.attempts),
    }


ORIGINS = (("messages", "in a message", "in messages"), ("inputs", "input", "inputs"),
           ("failed logins", "failed-login cause", "failed-login causes"))
"""Where a reported finding comes from, as the table's sections say it: a message's findings (the
findings by code), the inputs' and run-wide ones (== inputs), the causes of failed logins that only
their evidence states (the failed logins: 'causes', since '2 failed logins' beside a report saying
3 failed read as a count of logins)."""


def origins(report, severity: Severity) -> dict[str, int]:
    """The findings of `severity` by origin (ORIGINS), as counts() counts them."""
    def n(findings) -> int:
        return sum(1 for f in findings if f.severity == severity)
    return {"messages": n(f for r in report.messages for f in r.findings), "inputs": n(report.input_findings),
            "failed logins": n(report.cause_findings)}


def tally(report, severity: Severity) -> str:
    """'4 error(s) (1 input, 3 failed-login causes)': the count of `severity` and where those findings
    are, so that the closing line and the report's first screen say the same thing."""
    by = origins(report, severity)
    total = sum(by.values())
    parts = [f"{by[key]} {one if by[key] == 1 else many}" for key, one, many in ORIGINS if by[key]]
    return f"{total} {severity.value}" + ("" if severity == Severity.INFO else "(s)") + (
        f" ({', '.join(parts)})" if parts and severity != Severity.INFO else "")


def event_count(report) -> int:
    """Log events read, the 'info' events (counted, not kept) with the successes and failures."""
    return sum(i.events for i in report.inputs)


def summary(report) -> dict:
    findings = report.reported_findings()
    failures = [a for a in report.attempts if a.outcome == "failure"]
    tally = counts(report, findings)
    return {
        **{k: v for k, v in tally.items() if k != "attempts"},  # (the schema's order)
        "by_code": dict(sorted(Counter(f.code for f in findings).items())),
        "attempts": tally["attempts"],
        "failures_by_cause": failures_by_cause(failures),
        "failures_by_user": dict(Counter(a.user or "unknown" for a in failures).most_common()),
        "failures_by_idp": party_counts(report, "idp"),
        "failures_by_sp": party_counts(report, "sp"),
        "notes": list(report.notes),
    }


def failures_by_cause(failures) -> dict[str, int]:
    """Failed attempts per root cause ('unknown' without one), most first, ties in the order they
    first failed: the JSON summary's, the table's first block's and its closing line's order."""
    return dict(Counter(a.root_cause or "unknown" for a in failures).most_common())


def party_counts(report, side: str) -> dict[str, int]:
    """Failed attempts per IdP (`side` 'idp') or SP ('sp'), one row per party, most first: the
    one tally the JSON summary, the text table and the HTML report show.

    One party has several names across attempts: its entity ID, its product in logs ('okta'),
    its name in an IdP log ('SonarQube'), in any letter case. Names are compared case-
    insensitively, and a party is keyed by its entity ID (a name some SAML message of the run
    gives it, as Issuer or Audience) whenever the attempt knows one: that ID is unique per party
    and the same in every input, where a product name is shared by every tenant of the product
    and a display name is a label an admin edits. A name alone (an attempt only an IdP log saw)
    counts under the one key it appears beside in other attempts; beside several (two Okta
    tenants), it keeps its own row rather than be guessed. An IdP's product name beside no key
    counts under the run's one entity ID that is that product's default Issuer (_product_id)."""
    ids = _entity_ids(report, side)
    # attempts name a party in a handful of ways: each distinct set of names is resolved once
    spellings = Counter((getattr(a, side), getattr(a, side + "_aka")) for a in report.attempts)
    failed = Counter((getattr(a, side), getattr(a, side + "_aka")) for a in report.attempts
                     if a.outcome == "failure")
    beside: dict[str, set] = {}  # a name -> the keys of the attempts it appears in
    spelled: dict[str, str] = {}  # a key -> its spelling as first seen
    key_of: dict[tuple, str | None] = {}
    for first, aka in spellings:
        names = [n for n in (first, *aka) if n]
        key = next((n.casefold() for n in names if n.casefold() in ids), names[0].casefold() if names else None)
        key_of[first, aka] = key
        for n in names:
            folded = n.casefold()
            spelled.setdefault(folded, n)
            if folded != key:
                beside.setdefault(folded, set()).add(key)
    counts: Counter = Counter()
    resolved: dict[str | None, str] = {None: "unknown"}
    for names, n in failed.items():
        key = key_of[names]
        if key not in resolved:
            seen, k = {key}, key
            while k not in ids and len(beside.get(k, ())) == 1:
                (k,) = beside[k]
                if k in seen:
                    break
                seen.add(k)
            if side == "idp" and k not in ids:
                k = _product_id(k, ids)
            resolved[key] = spelled.get(k, k)
        counts[resolved[key]] += n
    return dict(counts.most_common())


def _product_id(name: str | None, ids: set[str]) -> str | None:
    """The one IdP entity ID of the run that is the default Issuer of the product `name` ('adfs':
    http://<service>/adfs/services/trust), else `name`: an IdP log names its product only, and
    with one such ID in the scan that is its IdP (two tenants of the product: not guessed)."""
    if name is None:
        return None
    of = [i for i in ids if issuer_product(i) == name]
    return of[0] if len(of) == 1 else name


def _entity_ids(report, side: str) -> set[str]:
    """The casefolded entity IDs the run's SAML messages give the IdP (Issuer of a response or
    assertion) or the SP (Audience, Issuer of a request)."""
    out = set()
    for r in report.messages:
        m = r.message
        if side == "idp" and m.kind == "Response":
            out.update(i.casefold() for i in (m.issuer, *(x.issuer for x in m.assertions)) if i)
        elif side == "sp" and m.kind == "Response":
            out.update(v.casefold() for x in m.assertions for aud in x.audience_restrictions for v in aud)
        elif side == "sp" and m.kind == "AuthnRequest" and m.issuer:
            out.add(m.issuer.casefold())
    return out


def document(report) -> dict:
    return {key: list(value) if isinstance(value, map) else value for key, value in document_parts(report)}


def document_parts(report):
    """(key, value) of document(report), in its order; each list as a map, made as it is read (a big
    scan's report is written one attempt at a time: report.jsonout.json_chunks)."""
    yield "schema", SCHEMA
    yield "inputs", map(input_dict, report.inputs)
    yield "messages", map(message_dict, report.messages)
    yield "input_findings", map(finding_dict, report.input_findings)
    yield "attempts", map(attempt_dict, report.attempts)
    # failed logins whose cause only a log line states, as findings at that line
    yield "cause_findings", map(finding_dict, report.cause_findings)
    yield "summary", summary(report)
