"""fuzz46: hostile input through every output format, and the same bytes whatever --jobs is (issue 6).

One folder of about 60 inputs: a seeded sample of test_fuzz44's light variants and of fixtures/attacks
(truncated, NULs, bad UTF-8/16, bombs, XXE, archives in archives), the file-system oddities (an empty
file, a folder named like a file, link loops, a dangling link, a file without read rights, a line of a
megabyte), and valid signed responses and logs carrying distinctive personal values. It is scanned with
--jobs 1 and --jobs 2 in json, jsonl, csv, sarif and html, with and without --redact: no traceback, the
exit codes of the CLI contract, the same bytes whatever --jobs is, a stderr summary reconciling with the
inputs, every input named (by path), a SARIF log valid against the official schema, a CSV that parses
and guards formula cells, and with --redact none of the planted values. A sample of the same files goes
through `samlscan check` one by one."""
from __future__ import annotations

import base64
import csv
import html
import io
import json
import os
import random
import re
import shutil
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from samlscan.cli import main

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "fixtures"))
sys.path.insert(0, str(ROOT / "tests"))
import generate as GEN  # noqa: E402
from samlgen import scenario as S  # noqa: E402
from samlgen.content import NameId  # noqa: E402
from test_fuzz44 import SEEDS, variants  # noqa: E402

SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
FORMATS = ("json", "jsonl", "csv", "sarif", "html")
CONFIG = str(ROOT / "fixtures" / "config" / "default.toml")

# distinctive personal values, each planted in a valid input: --redact must leave none of them
NAMEID = "fz46.nameid.planted@fuzz46-corp.example"
PERSISTENT = "FZ46plantedPersistentId7781"
EMAIL = "fz46.mail.planted@fuzz46-corp.example"
LOGIN = "fz46plantedlogin"
NAME = "Fz46 Plantedname Roe"
GROUP = "fz46-planted-group"
IP = "192.0.2.146"
FORMULA = "=HYPERLINK(\"http://evil.example/\",\"fz46\")"
PLANTED = (NAMEID, PERSISTENT, EMAIL, LOGIN, NAME, GROUP, IP)
SONAR_PREFIX = "2025.03.11 08:41:02 DEBUG web[AZWEd1kLm9Qz000001AD][c.o.saml2.Auth] SAMLResponse invalid --> "
SONAR_REFUSAL = ("2025.03.11 08:41:02 ERROR web[AZWEd1kLm9Qz000001AD][c.o.s.a.SamlResponse] Signature "
                 "validation failed. SAML Response rejected")


def _planted_responses() -> dict[str, bytes]:
    attrs = GEN.with_attrs(GEN.okta_attributes(EMAIL), login=(LOGIN,), name=(NAME,), groups=(GROUP, FORMULA))
    return {
        "okta-planted.xml": GEN.okta("fz46-planted", name_id=NameId(NAMEID), attributes=attrs),
        "okta-persistent.xml": GEN.okta("fz46-persistent", name_id=NameId(PERSISTENT, S.NAMEID_PERSISTENT),
                                        attributes=attrs),
        "okta-formula-email.xml": GEN.okta("fz46-formula", attributes=GEN.with_attrs(
            GEN.okta_attributes(EMAIL), email=("@SUM(1+1)*cmd|' /C calc'!A0",))),
    }


def _build(root: Path) -> list[str]:
    """The hostile folder; returns the inputs samlscan must account for (paths as it walks them)."""
    rng = random.Random(46)
    made: dict[str, bytes] = {}
    for index in rng.sample(range(len(SEEDS)), 4):
        seed = ROOT / SEEDS[index]
        light = variants(seed.name, seed.read_bytes(), random.Random(46 + index))
        for label in rng.sample(sorted(light), 7):
            made[f"{label}-{seed.name}"] = light[label]
    attacks = sorted(p for p in (ROOT / "fixtures" / "attacks").iterdir() if p.name != "manifest.json")
    for p in rng.sample(attacks, 14):
        made[f"attack-{p.name}"] = p.read_bytes()
    planted = _planted_responses()
    made.update(planted)
    made["sonar-web.log"] = (f"{SONAR_PREFIX}{base64.b64encode(planted['okta-planted.xml']).decode()}\n"
                             f"{SONAR_REFUSAL}\n").encode()
    access = (ROOT / "tests/data/traefik27/access-common.log").read_bytes()
    made["traefik-access.log"] = access.replace(b"203.0.113.10", IP.encode())
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("captures/okta-persistent.xml", planted["okta-persistent.xml"])
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w") as z:
        z.writestr("ticket.zip", inner.getvalue())
    made["ticket-nested.zip"] = outer.getvalue()
    made["empty.log"] = b""
    made["nul-only.xml"] = b"\x00" * 4096
    made["huge-line.log"] = SONAR_PREFIX.encode() + b"A" * 1_000_000 + b"\n" + SONAR_REFUSAL.encode() + b"\n"
    made["bad-utf16.xml"] = b"\xff\xfe" + "<samlp:Response>".encode("utf-16-le")[:-1] + b"\xd8"
    for name, data in made.items():
        (root / name).write_bytes(data)
    inputs = sorted(made)
    (root / "locked.xml").write_bytes(planted["okta-planted.xml"])
    os.chmod(root / "locked.xml", 0)
    inputs.append("locked.xml")
    (root / "named-like-a-file.xml").mkdir()  # a folder named like a file: its file is an input
    (root / "named-like-a-file.xml" / "inside.log").write_bytes(b"nothing SAML here\n")
    inputs.append("named-like-a-file.xml/inside.log")
    os.symlink("loop-b", root / "loop-a")
    os.symlink("loop-a", root / "loop-b")
    os.symlink("self", root / "self")
    os.symlink("missing-target", root / "dangling")
    inputs += ["loop-a", "loop-b", "self", "dangling"]
    return inputs


def _run(*args: str) -> tuple[int, bytes, str]:
    res = CliRunner().invoke(main, [*args, "--config", CONFIG])
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in res.stderr and "internal error" not in res.stderr, res.stderr[-3000:]
    return res.exit_code, res.stdout_bytes, res.stderr


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz46") / "in"
    root.mkdir()
    inputs = _build(root)
    yield root, inputs
    os.chmod(root / "locked.xml", 0o600)
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def runs(folder):
    """(format, redact) -> {jobs: (exit code, stdout bytes, stderr)}."""
    root, _ = folder
    out = {}
    for fmt in FORMATS:
        for redact in (False, True):
            out[fmt, redact] = {jobs: _run("scan", str(root), "--format", fmt, "--jobs", str(jobs), "--fail-on",
                                           "error", *(["--redact"] if redact else []))
                                for jobs in (1, 2)}
    return out


CASES = [(fmt, redact) for fmt in FORMATS for redact in (False, True)]
IDS = [f"{fmt}{'-redact' if redact else ''}" for fmt, redact in CASES]


@pytest.mark.parametrize("fmt,redact", CASES, ids=IDS)
def test_the_same_bytes_and_exit_code_whatever_jobs_is(runs, fmt, redact):
    (c1, out1, err1), (c2, out2, err2) = runs[fmt, redact][1], runs[fmt, redact][2]
    # the planted responses have errors at --fail-on error (the formula email, the unsigned dumps): 1
    assert c1 == c2 == 1, (err1[-2000:], err2[-2000:])
    assert out1 == out2
    assert _summary(err1) == _summary(err2)


def _summary(stderr: str) -> tuple[int, int, int, int]:
    m = re.search(r"samlscan: (\d+) input\(s\): (\d+) scanned, (\d+) skipped, (\d+) failed", stderr)
    assert m, stderr[-2000:]
    return tuple(int(x) for x in m.groups())


@pytest.mark.parametrize("fmt,redact", CASES, ids=IDS)
def test_the_stderr_summary_reconciles_with_the_inputs(folder, runs, fmt, redact):
    root, inputs = folder
    total, scanned, skipped, failed = _summary(runs[fmt, redact][1][2])
    assert total == scanned + skipped + failed
    doc = json.loads(runs["json", redact][1][1])
    assert total == len(doc["inputs"])
    walked = {str(Path(i["path"]).relative_to(root)) for i in doc["inputs"] if "!" not in i["path"]}
    assert set(inputs) <= walked, sorted(set(inputs) - walked)


FINDINGS_ONLY = ("jsonl", "csv")
"""Formats of one record per finding (the CLI contract): they name the inputs that have one, which
every failed input has (its input-* finding); a skipped or clean input is named in json, sarif, html."""


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_input_is_named_in_every_format(folder, runs, fmt):
    root, inputs = folder
    doc = json.loads(runs["json", False][1][1])
    status = {i["path"]: i["status"] for i in doc["inputs"]}
    text = runs[fmt, False][1][1].decode("utf-8")
    if fmt in ("json", "sarif"):
        text = json.dumps(json.loads(text), ensure_ascii=False)  # one spelling of each path
    for path, state in status.items():
        if fmt in FINDINGS_ONLY and state != "failed":
            continue
        shown = html.escape(path, quote=True) if fmt == "html" else path
        assert shown in text, (fmt, state, path)


def test_the_sarif_log_is_valid_against_the_official_schema(runs):
    validator = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    for redact in (False, True):
        errors = sorted(validator.iter_errors(json.loads(runs["sarif", redact][1][1])), key=str)
        assert not errors, [e.message for e in errors[:5]]


@pytest.mark.parametrize("redact", [False, True], ids=["plain", "redact"])
def test_the_csv_parses_and_guards_formula_cells(runs, redact):
    text = runs["csv", redact][1][1].decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) > 1 and len({len(r) for r in rows}) == 1
    for row in rows:
        for cell in row:
            # (a lone minus and a signed number are text and a number to a spreadsheet, not a formula)
            if cell != "-" and not re.fullmatch(r"[+-]?\d+(\.\d+)?", cell):
                assert not cell.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r", "\n")), cell


@pytest.mark.parametrize("fmt", FORMATS)
def test_redact_masks_every_planted_value_in_every_format(runs, fmt):
    plain = runs[fmt, False][1][1].decode("utf-8")
    # the values are read at all (else their absence under --redact would prove nothing)
    assert any(v in plain for v in PLANTED), fmt
    redacted = runs[fmt, True][1][1].decode("utf-8")
    for v in PLANTED:
        assert v not in redacted, (fmt, v)


def test_check_of_each_hostile_file_one_by_one_is_clear(folder):
    root, inputs = folder
    rng = random.Random(4646)
    sample = rng.sample(inputs[:-7], 10) + inputs[-7:]
    for name in sample:
        code, out, err = _run("check", str(root / name), "--format", "json", "--fail-on", "error")
        assert code in (0, 1, 2), (name, code)
        if code == 2:
            lines = [line for line in err.splitlines() if line.strip()]
            assert len(lines) == 1, (name, err)
        else:
            assert json.loads(out)["inputs"], name


def test_a_simplesamlphp_dump_a_range_cut_crosses_is_read_whole(tmp_path, monkeypatch):
    """SimpleSAMLphp's debug log prints a message over many lines, each one a record start: a log
    over SPLIT_BYTES cut inside a dump lost that message ('failed: not well-formed XML: Premature
    end of data' in both ranges) where the whole reading found it: its reader now reads the lines
    before and after its range (range_context), as the other readers whose state spans records do."""
    from samlscan import batch
    from samlscan.config import Expectations

    log = tmp_path / "simplesamlphp.log"
    shutil.copy(ROOT / "fixtures/logs/simplesamlphp/simplesamlphp-debug-saml.log", log)
    whole = batch.run_scan([str(log)], Expectations(), jobs=1)
    assert len(whole.messages) == 2
    monkeypatch.setattr(batch, "SPLIT_BYTES", 4096)
    units = batch.plan([str(log)])
    data = log.read_bytes()
    assert len(units) > 2 and any(b"DEBUG [" in data[u.start:u.start + 80] and b"</" in data[u.start:u.start + 80]
                                  for u in units), "no cut inside a dump"
    for jobs in (1, 2):
        split = batch.run_scan([str(log)], Expectations(), jobs=jobs)
        assert split.inputs == whole.inputs, jobs
        assert split.messages == whole.messages and split.input_findings == whole.input_findings, jobs


NOTES = ("nothing SAML here", "see the SAML logs", "SAML login broken since monday see attached",
         "Please check the SAML config")


def test_a_note_about_saml_beside_the_evidence_is_skipped_not_a_bad_base64_value(tmp_path):
    """A ticket's short note of letters and spaces ('nothing SAML here') matched the base64 alphabet
    with its spaces: read as one pasted value, it failed as input-bad-base64 (an error: exit 1) or
    undecodable DEFLATE. Words are no base64 value; a value wrapped into long lines still is."""
    for i, note in enumerate(NOTES):
        (tmp_path / f"note{i}.txt").write_text(note + "\n")
    value = base64.b64encode(_planted_responses()["okta-planted.xml"]).decode()
    (tmp_path / "wrapped.b64").write_text("\n".join(value[i:i + 76] for i in range(0, len(value), 76)))
    (tmp_path / "spaced.b64").write_text(" ".join(value[i:i + 64] for i in range(0, len(value), 64)))
    code, out, _ = _run("scan", str(tmp_path), "--format", "json", "--jobs", "1", "--fail-on", "error")
    doc = json.loads(out)
    status = {Path(i["path"]).name: (i["status"], i.get("reason")) for i in doc["inputs"]}
    for i in range(len(NOTES)):
        assert status[f"note{i}.txt"][0] == "skipped", status
    assert status["wrapped.b64"][0] == status["spaced.b64"][0] == "scanned", status
    assert {Path(m["input"]).name for m in doc["messages"]} == {"wrapped.b64", "spaced.b64"}
    assert not [f for f in doc.get("input_findings", ()) if f["code"] == "input-bad-base64"]
