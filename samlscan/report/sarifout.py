"""`--format sarif`: one SARIF 2.1.0 log (OASIS SARIF v2.1.0, errata 01) for code-scanning tools.

Rules come from samlscan.codes (one per code), results from every finding, input-* problems
included. The output is deterministic: no timestamps, no absolute paths when a path is under the
working directory, fingerprints that do not depend on line numbers.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from urllib.parse import quote

from samlscan import __version__
from samlscan.codes import WHO_ACTS, all_specs
from samlscan.model import Finding, Severity
from samlscan.report.document import attempt_dict, summary
from samlscan.report.regions import message_regions

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "samlscanFinding/v1"
# SARIF 3.27.10 result.level: error, warning, note (none is for results that are not problems)
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_LINE_REF = re.compile(r"^line (\d+)$")
# GitHub code scanning ranks a rule tagged 'security' by its properties' "security-severity" (a
# CVSS-like score: 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low); without one its alerts have no
# security severity to sort and filter by. The score follows the code's own severity.
SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.0", Severity.INFO: "2.0"}


def _quoted(path: str) -> str:
    """A path as a URI's percent-encoded path: a byte of a file name that is not UTF-8 (a lone
    surrogate, as os.listdir and tarfile decode it) is encoded as that byte, as Path.as_uri does."""
    return quote(path.encode("utf-8", "surrogateescape"), safe="/")


def artifact_uri(path: str, cwd: str | None = None) -> str:
    """The input as a URI reference: relative to `cwd` when the file is under it, else file:// absolute."""
    cwd = os.path.abspath(cwd or os.getcwd())
    absolute = os.path.abspath(path)
    try:
        rel = os.path.relpath(absolute, cwd)
    except ValueError:  # another drive (Windows)
        rel = None
    if rel is not None and not rel.startswith(os.pardir):
        return _quoted(Path(rel).as_posix())
    return Path(absolute).as_uri()


def _rule(spec) -> dict:
    props = {"group": spec.group, "tags": ["saml", spec.group]}
    if spec.side:
        props["side"] = spec.side
    if spec.attack:
        props["attack"] = spec.attack
        props["tags"].append("security")
        props["security-severity"] = SECURITY_SEVERITY[spec.severity]
    rule = {"id": spec.code, "name": _camel(spec.code),
            "shortDescription": {"text": spec.summary},
            "fullDescription": {"text": spec.summary + (f" Attack: {spec.attack}" if spec.attack else "")},
            "help": {"text": spec.fix, "markdown": _help_markdown(spec)},
            "defaultConfiguration": {"level": LEVELS[spec.severity]},
            "properties": props}
    if spec.aliases:
        rule["deprecatedIds"] = list(spec.aliases)
    return rule


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def _md(text: str) -> str:
    """Catalog text as literal Markdown: 'entryPoints.<name>.forwardedHeaders' keeps its '<name>'
    (GitHub drops what reads as an HTML tag), 'SONAR_AUTH_SAML_*' its underscores and star."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _help_markdown(spec) -> str:
    """The rule's help as a code-scanning viewer shows it (GitHub renders help.markdown, not text):
    what is wrong, the fix, who acts and, for a security code, the attack."""
    parts = [f"**{_md(spec.summary)}**", f"**Fix:** {_md(spec.fix)}"]
    if spec.side:
        parts.append(f"**Who acts:** the {WHO_ACTS[spec.side]}")
    if spec.attack:
        parts.append(f"**Attack:** {_md(spec.attack)}")
    parts.append(f"Run `samlscan explain {spec.code}` for more.")
    return "\n\n".join(parts)


def _camel(code: str) -> str:
    """SARIF 3.49.7 recommends a readable name distinct from the id: 'audience-mismatch' -> 'AudienceMismatch'."""
    return "".join(part[:1].upper() + part[1:] for part in code.split("-"))


def rules() -> list[dict]:
    return [_rule(s) for s in all_specs()]


def _rule_index() -> dict[str, int]:
    """Index of each code and alias in rules[] (an alias points at its current rule)."""
    out = {}
    for i, s in enumerate(all_specs()):
        for name in (s.code, *s.aliases):
            out[name] = i
    return out


def fingerprint(f: Finding, uri: str, occurrence: int) -> str:
    """Stable identity of a finding: code, input and SAML message ID (never a line number, which
    moves when a log grows); `occurrence` tells apart repeats of one code on one message."""
    key = "\0".join([f.code, uri, f.message_ref or "", str(occurrence)])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _message_text(f: Finding, red) -> str:
    text = red(f.message_text) or f.code
    parts = []
    if f.expected is not None:
        parts.append(f"expected: {red(f.expected)}")
    if f.actual is not None:
        parts.append(f"actual: {red(f.actual)}")
    return text + (f" ({'; '.join(parts)})" if parts else "")


def _location(f: Finding, uri: str | None, artifact_index: int | None, red, region: dict | None = None) -> dict | None:
    if f.source is None:
        return None
    loc: dict = {}
    ref = f.source.ref
    line = _LINE_REF.match(ref) if ref else None
    member = "!" in f.source.input  # inside an archive: the location is the archive file
    if member:
        line = None  # a line of the member, not of the archive
    if uri is not None:
        physical: dict = {"artifactLocation": {"uri": uri}}
        if artifact_index is not None:
            physical["artifactLocation"]["index"] = artifact_index
        if line and int(line.group(1)) >= 1:
            physical["region"] = {"startLine": int(line.group(1))}
        elif region and not member:
            physical["region"] = dict(region)
        loc["physicalLocation"] = physical
    logical = []
    if member:
        logical.append({"name": red(f.source.input.split("!", 1)[1]), "fullyQualifiedName": red(f.source.input),
                        "kind": "resource"})
    if ref and not line:
        # a HAR entry, a SAML-tracer request, a form or a parameter: no line to point at
        logical.append({"name": red(ref), "fullyQualifiedName": red(f"{f.source.input}#{ref}"),
                        "kind": "resource"})
    if f.message_ref:
        logical.append({"name": f.message_ref, "kind": "element"})
    if f.source.input == "-":
        logical.insert(0, {"name": "stdin", "kind": "resource"})
    if logical:
        loc["logicalLocations"] = logical
    return loc or None


def _result(f: Finding, uris: dict, shown: dict, artifacts: dict, index: dict, seen: dict, red,
            regions: dict) -> dict:
    """`uris`: each input's URI, the finding's identity; `shown`: the URI written (redacted);
    `regions`: where a message read from a file's own text starts (report.regions)."""
    path = f.source.input if f.source else None
    uri = uris.get(path)
    occurrence = seen.setdefault((f.code, uri, f.message_ref), 0)
    seen[(f.code, uri, f.message_ref)] += 1
    result = {"ruleId": f.code, "level": LEVELS[f.severity],
              "message": {"text": _message_text(f, red)}}
    if f.code in index:
        result["ruleIndex"] = index[f.code]
    region = regions.get((path, f.source.ref, f.message_ref)) if f.source else None
    location = _location(f, shown.get(path), artifacts.get(path.split("!", 1)[0] if path else path), red, region)
    if location:
        result["locations"] = [location]
    result["partialFingerprints"] = {FINGERPRINT_KEY: fingerprint(f, uri or path or "", occurrence)}
    props = {"severity": f.severity.value, "input": red(path), "ref": red(f.source.ref if f.source else None),
             "message": f.message_ref, "expected": red(f.expected), "actual": red(f.actual),
             "hint": red(f.hint)}
    result["properties"] = {k: v for k, v in props.items() if v is not None}
    return result


def _artifacts(report, shown: dict, red) -> tuple[list, dict]:
    """One artifact per input; an archive member ('a.zip!dir/x.log') is nested in its archive
    (SARIF 3.24.3 parentIndex, its uri the path inside the archive): no file of that name exists."""
    out, index = [], {}
    for i in sorted(report.inputs, key=lambda i: i.path.count("!")):  # archives before members
        if i.path == "-" or i.path in index:
            continue
        props = {"status": i.status, "kind": i.kind, "reason": red(i.reason), "messages": i.messages,
                 "events": i.events}
        entry = {"location": {"uri": shown[i.path]}, "roles": ["analysisTarget"]}
        parent, sep, member = i.path.rpartition("!")
        if sep and parent in index:
            entry = {"location": {"uri": _quoted(red(member))}, "parentIndex": index[parent],
                     "roles": ["analysisTarget"]}
        index[i.path] = len(out)
        out.append({**entry, "properties": {k: v for k, v in props.items() if v is not None}})
    return out, index


def _notifications(report, red) -> list[dict]:
    """The report's notes (the settings read from a scanned folder...), then the inputs that were
    skipped or failed, as tool notifications (their findings are results too)."""
    out = [{"level": "note", "message": {"text": red(n)}} for n in report.notes]
    for i in report.inputs:
        if i.status == "scanned":
            continue
        text = f"{i.status}: {red(i.path)}" + (f": {red(i.reason)}" if i.reason else "")
        out.append({"level": "warning" if i.status == "failed" else "note", "message": {"text": text}})
    return out


def sarif_log(report, redactor=None, cwd: str | None = None) -> dict:
    """The SARIF log as a dict (one run)."""
    red = redactor.text if redactor else (lambda s: s)
    paths = {i.path for i in report.inputs} | {f.source.input for f in report.reported_findings() if f.source}
    uris = {p: artifact_uri(p.split("!", 1)[0], cwd) for p in sorted(paths) if p != "-"}
    # --redact: a file name holds what the files do (a ticket's 'jane.doe@corp.com-10.1.2.3.har');
    # the fingerprints keep the input's own URI, stable with and without --redact
    shown = {p: artifact_uri(red(p.split("!", 1)[0]), cwd) for p in uris}
    artifacts, art_index = _artifacts(report, shown, red)
    index, seen, regions = _rule_index(), {}, message_regions(report)
    results = [_result(f, uris, shown, art_index, index, seen, red, regions) for f in report.reported_findings()]
    invocation = {"executionSuccessful": True}
    notes = _notifications(report, red)
    if notes:
        invocation["toolExecutionNotifications"] = notes
    attempts = [attempt_dict(a) for a in report.attempts]
    run_props = {"summary": summary(report), "attempts": attempts}
    run = {"tool": {"driver": {"name": "samlscan", "version": __version__, "semanticVersion": __version__,
                               "rules": rules()}},
           "invocations": [invocation],
           "artifacts": artifacts,
           "columnKind": "unicodeCodePoints",
           "results": results,
           "properties": redactor.walk(run_props) if redactor else run_props}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report, redactor=None) -> str:
    from samlscan.report.jsonout import one_line

    return one_line(json.dumps(sarif_log(report, redactor), indent=2, ensure_ascii=False)) + "\n"
