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
from samlscan.report import STDIN, is_stdin
from samlscan.report.document import attempt_dict, summary
from samlscan.report.regions import LINE_REF, Places, inflated

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "samlscanFinding/v1"
# SARIF 3.27.10 result.level: error, warning, note (none is for results that are not problems)
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# GitHub code scanning ranks a rule tagged 'security' by its properties' "security-severity" (a
# CVSS-like score: 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low); without one its alerts have no
# security severity to sort and filter by. The score follows the code's own severity.
SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.0", Severity.INFO: "2.0"}
MAX_RESULTS = 25_000
"""GitHub code scanning rejects a run of more results ('SARIF results exceed hard limit': results per
run 25,000; of those it shows the top 5,000, prioritized by severity). Beyond it the results kept
are the most severe, in the scan's order, and a notification says how many were left out. (Each
result has one location and at most one related location: far below the 1,000 locations a result
may have.)"""


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
    member = "!" in f.source.input  # inside an archive: the location is the archive file
    if uri is not None:
        physical: dict = {"artifactLocation": {"uri": uri}}
        if artifact_index is not None:
            physical["artifactLocation"]["index"] = artifact_index
        if region:
            physical["region"] = dict(region)
        loc["physicalLocation"] = physical
    logical = []
    if member:
        logical.append({"name": red(f.source.input.split("!", 1)[1]), "fullyQualifiedName": red(f.source.input),
                        "kind": "resource"})
    if ref and (region is None or not LINE_REF.match(ref)):
        # a HAR entry, a SAML-tracer request, a form or a parameter; a line of a member's text
        logical.append({"name": red(ref), "fullyQualifiedName": red(f"{f.source.input}#{ref}"),
                        "kind": "resource"})
    if f.message_ref:
        logical.append({"name": f.message_ref, "kind": "element"})
    if is_stdin(f.source.input):
        logical.insert(0, {"name": STDIN, "kind": "resource"})
    if logical:
        loc["logicalLocations"] = logical
    return loc or None


def _inner_line(f: Finding, texts: dict, red) -> list[dict] | None:
    """A log line of a file read out of an archive or a compressor: the line of that text, named as
    its nested artifact (SARIF 3.24.3 parentIndex), as a related location. The result's own location
    stays the file that exists (GitHub code scanning reads a relative uri as a path in the
    repository: a member's name is none)."""
    line = LINE_REF.match(f.source.ref) if f.source and f.source.ref else None
    nested = texts.get(f.source.input) if line and int(line[1]) >= 1 else None
    if nested is None:
        return None
    index, uri = nested
    outer, sep, inner = f.source.input.rpartition("!")
    where = f"{red(inner)} in {red(os.path.basename(outer))}" if sep else f"{red(os.path.basename(inner))}, inflated"
    return [{"id": 0, "physicalLocation": {"artifactLocation": {"uri": uri, "index": index},
                                           "region": {"startLine": int(line[1])}},
             "message": {"text": f"line {line[1]} of {where}"}}]


def _result(f: Finding, uris: dict, shown: dict, artifacts: dict, index: dict, seen: dict, red,
            places: Places, texts: dict) -> dict:
    """`uris`: each input's URI, the finding's identity; `shown`: the URI written (redacted);
    `places`: where its evidence is in its file's own text (report.regions); `texts`: the nested
    artifact (index, uri) of each input read out of an archive or a compressor."""
    path = f.source.input if f.source else None
    uri = uris.get(path)
    occurrence = seen.setdefault((f.code, uri, f.message_ref), 0)
    seen[(f.code, uri, f.message_ref)] += 1
    result = {"ruleId": f.code, "level": LEVELS[f.severity],
              "message": {"text": _message_text(f, red)}}
    if f.code in index:
        result["ruleIndex"] = index[f.code]
    location = _location(f, shown.get(path), artifacts.get(path.split("!", 1)[0] if path else path), red,
                         places.region(f))
    if location:
        result["locations"] = [location]
        related = _inner_line(f, texts, red)
        if related:
            result["relatedLocations"] = related
    result["partialFingerprints"] = {FINGERPRINT_KEY: fingerprint(f, uri or path or "", occurrence)}
    props = {"severity": f.severity.value, "input": red(path), "ref": red(f.source.ref if f.source else None),
             "message": f.message_ref, "expected": red(f.expected), "actual": red(f.actual),
             "hint": red(f.hint)}
    result["properties"] = {k: v for k, v in props.items() if v is not None}
    return result


def _artifacts(report, shown: dict, red) -> tuple[list, dict, dict]:
    """One artifact per input; an archive member ('a.zip!dir/x.log') is nested in its archive
    (SARIF 3.24.3 parentIndex, its uri the path inside the archive): no file of that name exists.
    A compressed file's inflated text is nested in it too, named as `gzip -d` names it ('web.log'
    in 'web.log.gz'). Also {input: (index, uri)} of the nested artifact whose lines its refs count."""
    out, index, texts = [], {}, {}
    for i in sorted(report.inputs, key=lambda i: i.path.count("!")):  # archives before members
        if is_stdin(i.path) or i.path in index:
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
        if not inflated(i.kind):
            if sep and parent in index:
                texts[i.path] = (index[i.path], entry["location"]["uri"])
            continue
        name = _inflated_name(member if sep else os.path.basename(i.path), i.kind)
        if name is not None and not sep:
            texts[i.path] = (len(out), _quoted(red(name)))
            out.append({"location": {"uri": texts[i.path][1]}, "parentIndex": index[i.path],
                        "roles": ["analysisTarget"]})
    return out, index, texts


def _inflated_name(name: str, kind: str) -> str | None:
    """What a compressor's inflated text is called: the file's name without its suffix ('web.log.gz'
    -> 'web.log'); None for an Office document's text or a name with no suffix to drop."""
    from samlscan.archives import OPENERS  # (imported only when a compressed file was read)

    stem, dot, _ = name.rpartition(".")
    return stem if kind.partition(":")[0] in OPENERS and dot and stem else None


def _most_severe(results: list[dict]) -> tuple[list[dict], int]:
    """The MAX_RESULTS most severe results, in their order, and how many were left out."""
    rank = {"error": 0, "warning": 1, "note": 2, "none": 3}
    kept = sorted(sorted(range(len(results)), key=lambda i: rank[results[i]["level"]])[:MAX_RESULTS])
    return [results[i] for i in kept], len(results) - len(kept)


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
    uris = {p: artifact_uri(p.split("!", 1)[0], cwd) for p in sorted(paths) if not is_stdin(p)}
    # --redact: a file name holds what the files do (a ticket's 'jane.doe@corp.com-10.1.2.3.har');
    # the fingerprints keep the input's own URI, stable with and without --redact
    shown = {p: artifact_uri(red(p.split("!", 1)[0]), cwd) for p in uris}
    artifacts, art_index, texts = _artifacts(report, shown, red)
    index, seen, places = _rule_index(), {}, Places(report)
    results = [_result(f, uris, shown, art_index, index, seen, red, places, texts) for f in report.reported_findings()]
    invocation = {"executionSuccessful": True}
    notes = _notifications(report, red)
    if len(results) > MAX_RESULTS:
        results, left = _most_severe(results)
        notes.append({"level": "warning", "message": {"text": (
            f"{left} less severe result(s) left out: GitHub code scanning takes at most {MAX_RESULTS} results "
            "a run (--format json lists every finding)")}})
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
