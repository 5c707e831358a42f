"""Reading a stored third-party sample the way the external-shape audits do (tests/data/external*)."""
from __future__ import annotations

import base64
import itertools
from pathlib import Path

from click.testing import CliRunner

from samlscan.catalog import lookup
from samlscan.cli import main
from samlscan.config import build
from samlscan.engine import analyze_raw
from samlscan.inputs.base import RawMessage
from samlscan.model import Source

FILES = ("idp_cert", "idp_metadata", "sp_key", "sp_cert")
"""Flags whose values are file names in the sample's folder."""


def analyze_sample(data: Path, name: str, **flags):
    """The MessageResult of sample `name` (XML, or base64 of it in a .b64 or .base64 file) with `flags` as
    the CLI would give them; a sample refused as input fails the test."""
    raw = (data / name).read_text(encoding="utf-8")
    if name.endswith((".b64", ".base64")):
        raw = base64.b64decode(raw).decode("utf-8")
    expect = build({k: (str(data / v) if k in FILES else v) for k, v in flags.items()}, None)
    res = analyze_raw(RawMessage(Source(name), "XML", raw, "xml"), 0, expect)
    assert not hasattr(res, "code"), f"refused as input: {res}"
    return res


def table_flags(table: dict, verdict: dict) -> dict:
    """The flags of one row of a third-party verdict table (tests/data/*/verdicts.json): its named
    settings, their 'config' note dropped, and the time the row judges it at."""
    settings = {k: v for k, v in table["settings"][verdict["settings"]].items() if k != "config"}
    return dict(settings, at=verdict["at"])


def check_args(data: Path, name: str, flags: dict, fmt: str = "json") -> list[str]:
    """`samlscan check` arguments for sample `name` with `flags`, file flags resolved in `data`."""
    args = ["check", str(data / name), "--format", fmt]
    for key, value in flags.items():
        args += ["--" + key.replace("_", "-"), str(data / value) if key in FILES else value]
    return args


def run_check(data: Path, name: str, flags: dict, fmt: str = "json"):
    """`samlscan check` run in-process through the CLI entry on sample `name`; a traceback or an
    internal error fails the test."""
    result = CliRunner().invoke(main, check_args(data, name, flags, fmt), catch_exceptions=False)
    assert "Traceback" not in result.output and "internal-error" not in result.output
    return result


def edited_copy(data: Path, tmp_path: Path, name: str, old: str, new: str) -> Path:
    """A copy of the corpus `data` in tmp_path with `old` (found once) replaced in sample `name`."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    for f in data.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    text = (data / name).read_text()
    assert text.count(old) == 1
    (tmp_path / name).write_text(text.replace(old, new))
    return tmp_path


def assert_clean_in_every_format(data: Path, name: str, flags: dict) -> None:
    """`samlscan check` of sample `name` exits 0 with no traceback nor internal error, in json, table and
    csv, with and without its settings `flags`."""
    for fmt, given in itertools.product(("json", "table", "csv"), ({}, flags)):
        out = CliRunner().invoke(main, check_args(data, name, given, fmt) + ["--fail-on", "never"])
        assert out.exit_code == 0 and not any(w in out.output for w in ("Traceback", "internal-error")), (fmt, out.output)


def error_codes(data: Path, name: str, **flags) -> set[str]:
    """The codes of the errors samlscan finds in sample `name` with `flags`."""
    return {f.code for f in analyze_sample(data, name, **flags).findings if f.severity.value == "error"}


def analyze_row(table: dict, row_name: str, data: Path, **more):
    """analyze_sample of row `row_name`'s sample in `data` with the row's settings and `more`."""
    row = table["samples"][row_name]
    return analyze_sample(data, row.get("file", row_name), **dict(table_flags(table, row), **more))


def assert_table_row(data: Path, table: dict, row_name: str, agrees) -> None:
    """Row `row_name` of a verdict table (tests/data/*/verdicts.json): samlscan's errors with the row's
    settings are the row's, `agrees(row, errors)` holds, and the CLI runs clean in every format."""
    row = table["samples"][row_name]
    name, flags = row.get("file", row_name), table_flags(table, row)
    found = error_codes(data, name, **flags)
    assert sorted(found) == sorted(row["samlscan_errors"]) and agrees(row, found)
    assert_clean_in_every_format(data, name, flags)


def assert_cause_or_explained(cause_code: str, errors: set[str], verdict: dict) -> None:
    """samlscan's errors hold the cause the library's text names, and every other error is listed under
    'also' with a reason; or the verdict's 'disagreement' names the finding samlscan raises instead, and
    why (the shape of verdicts.json in tests/data/javasaml and tests/data/pysaml2)."""
    other = verdict.get("disagreement")
    if other:
        assert cause_code not in errors and other["finding"] in errors and other["why"]
    else:
        assert cause_code in errors
        assert set(verdict.get("also", {})) == errors - {cause_code}
        assert all(verdict.get("also", {}).values())


def assert_library_verdict(verdict: dict, errors: set[str], library: str, product: str) -> None:
    """samlscan's `errors` of a sample are its verdicts.json row's, and agree with the library's own
    verdict (`<library>_valid`: True, False, or None when no test of the library judges it, then
    'unjudged' says why; `<library>_error`: its text, which the catalog maps to the cause) or the
    row explains the disagreement (java-saml's and pysaml2's tables)."""
    assert errors == set(verdict["samlscan_errors"]), sorted(errors)
    valid = verdict[f"{library}_valid"]
    if valid is None:
        assert verdict["unjudged"]
        return
    if valid:
        other = verdict.get("disagreement")
        assert not errors or other and other["finding"] in errors and other["why"]
        return
    cause = lookup(verdict[f"{library}_error"], product)
    assert cause is not None and cause.product == product, verdict[f"{library}_error"]
    assert_cause_or_explained(cause.code, errors, verdict)


def assert_attack_refused(data: Path, name: str, flags: dict) -> None:
    """An attack sample (wrapping, concealed, doubled, spoofed signatures) has errors and never a
    signature that covers its Response: never a verified, valid login."""
    res = analyze_sample(data, name, **flags)
    assert {f.code for f in res.findings if f.severity.value == "error"}
    assert not res.message.signed


def assert_text_maps(text: str, product: str, code: str) -> None:
    """The catalog explains a library's error `text` as `product`'s entry for `code`."""
    cause = lookup(text, product)
    assert cause is not None and cause.product == product and cause.code == code, (text, cause)
