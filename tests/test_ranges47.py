"""ranges47: a big log reads the same in ranges as whole.

A log bigger than batch.SPLIT_BYTES is cut into byte ranges read apart (batch._ranges, _context,
_with_context, _own). The JSON report must not depend on where it was cut: for every log reader with a
real sample in the suite (fixtures/logs/**, tests/data/case*/), and for hostile variants of them
(test_fuzz44's light mutations, CRLF, no final newline, quoted lines), the report of the whole reading
equals that of readings cut into ranges at many places: SPLIT_BYTES small enough to cut inside records,
dumps and traces, its first cut just before a line (a structural boundary) or in the middle of one;
with --jobs 1, and --jobs 2 for each reader's biggest sample.
The samples and variants are a seeded sample, so that the sweep stays within a minute of CPU."""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan import batch, engine, prefilter
from samlscan.cli import main

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from test_fuzz44 import variants  # noqa: E402

CONFIG = str(ROOT / "fixtures" / "config" / "default.toml")
PER_READER = 6
"""Samples of a reader swept as they are: its three biggest (the most lines to cut between) and a seeded
three of the others (a reader of many samples: the sweep's time)."""
RANGES = (16, 5)
"""About how many ranges of SPLIT_BYTES the cut readings make of a log (and its last two cut in quarters:
batch._ranges)..."""
MIN_SPLIT = 300
"""...of this many bytes at least: ranges of a few lines, so that cuts fall inside dumps, traces and a
thread's flow. (Each range reads up to CONTEXT_BYTES beside it: a reading of more ranges costs more.)"""


def _small_splits(size: int) -> list[int]:
    return [s for s in (max(MIN_SPLIT, size // n) for n in RANGES) if s < size]


def _small_pieces(monkeypatch) -> None:
    """Every text a log (BIG_TEXT), windows that find a cut a few lines on. The prefilter's block stays
    bigger than any sample: a range is read in the same blocks as the whole file."""
    monkeypatch.setattr(batch, "BIG_TEXT", 1024)
    monkeypatch.setattr(batch, "CUT_WINDOW", 2048)
    monkeypatch.setattr(batch, "CUT_LOOKAHEAD", 256)
    monkeypatch.setattr(prefilter, "BLOCK", 256 * 1024)
    monkeypatch.setattr(prefilter, "_FREE_BUFFERS", [])  # (its buffers of that size go with it)


def _report(path: Path, jobs: int = 1) -> dict:
    r = CliRunner().invoke(main, ["scan", str(path), "--format", "json", "--jobs", str(jobs), "--config", CONFIG,
                                  "--fail-on", "never", "-q"])
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    return json.loads(r.stdout)


def _differences(whole, cut, at: str = "") -> dict:
    """{where: (whole's, cut's)} of the first few places where two JSON reports differ."""
    if isinstance(whole, dict) and isinstance(cut, dict):
        pairs = [(f"{at}.{k}", whole.get(k), cut.get(k)) for k in sorted(whole.keys() | cut.keys())]
    elif isinstance(whole, list) and isinstance(cut, list) and len(whole) == len(cut):
        pairs = [(f"{at}[{i}]", a, b) for i, (a, b) in enumerate(zip(whole, cut))]
    else:
        return {at: (str(whole)[:500], str(cut)[:500])}
    out: dict = {}
    for where, a, b in pairs:
        if a != b and len(out) < 4:
            out.update(_differences(a, b, where))
    return out


def _reader(path: Path) -> str | None:
    """The name of the reader that reads this file in ranges when it is big, or None."""
    head = engine.read_head(str(path))
    if not head or batch.container_kind(head):
        return None
    log = batch._log_reader(str(path), head, size=1 << 40)
    return None if log is None else log[0].name


def _samples() -> dict[str, list[str]]:
    """{reader: its samples that it reads in ranges, biggest first}."""
    from _pytest.monkeypatch import MonkeyPatch

    found: dict[str, list[Path]] = {}
    with MonkeyPatch.context() as mp:
        mp.setattr(batch, "BIG_TEXT", 1024)
        candidates = [*(ROOT / "fixtures" / "logs").rglob("*"), *(ROOT / "tests" / "data").glob("case*/**/*")]
        for p in sorted(candidates):
            if p.is_file() and not p.is_symlink() and 600 < p.stat().st_size < 200_000:
                name = _reader(p)
                if name is not None:
                    found.setdefault(name, []).append(p)
    return {name: [str(p.relative_to(ROOT)) for p in sorted(paths, key=lambda p: (-p.stat().st_size, str(p)))]
            for name, paths in sorted(found.items())}


SAMPLES = _samples()


KNOWN = {("simplesamlphp", "bad-utf8")}
"""(reader, variant) whose cut reading still differs, left out of the sweep: the dump left open by a damaged
closing line is indexed after the message below it when read whole (test_messages_are_indexed_...)."""


def _hostile(rel: str, data: bytes) -> dict[str, bytes]:
    """The sample and a seeded few of its hostile variants (a cut, a lone NUL, bad UTF-8, ...), and always
    the line-end ones: CRLF, no final newline, each line quoted (a CSV export's column of lines)."""
    rng = random.Random(f"ranges47:{rel}")
    light = {k: v for k, v in variants(rel, data, rng).items()
             if k not in ("gzip-cut", "zip-in-zip") and not k.startswith("utf16") and k != "utf8-in-utf16"}
    out = {}
    out.update((k, light[k]) for k in rng.sample(sorted(light), min(3, len(light))))
    lines = data.replace(b"\r\n", b"\n").split(b"\n")
    out["crlf"] = b"\r\n".join(lines)
    out["no-final-newline"] = data.rstrip(b"\r\n")
    out["quoted"] = b"\n".join(b'"' + line.replace(b'"', b'""') + b'"' for line in lines if line) + b"\n"
    return out


def _splits(data: bytes, rng: random.Random) -> list[int]:
    """SPLIT_BYTES values: _small_splits, one just before a line in the log's first half (its first cut at
    that line: a structural boundary) and one in the middle of a line."""
    starts = [i + 1 for i in range(len(data) // 2) if data[i] == 0x0A and i > 64]
    out = _small_splits(len(data))
    if starts:
        out.append(rng.choice(starts) - 1)
    out.append(rng.randrange(64, max(65, len(data) // 2)))
    return [s for s in out if s < len(data)]


def _cut_readings_differ(log: Path, splits: list[int], monkeypatch, jobs: int = 1) -> dict:
    """What differs between the whole reading of a log and its readings cut at each of `splits`
    (the first that differs), else {}."""
    monkeypatch.setattr(batch, "SPLIT_BYTES", 32 * 1024 * 1024)
    whole = _report(log)  # (one range)
    for n, split in enumerate(splits):
        monkeypatch.setattr(batch, "SPLIT_BYTES", split)
        if len(batch.plan([str(log)])) < 2:
            continue
        got = _report(log, jobs=jobs if n == 0 else 1)
        if got != whole:
            return {f"{log.name} SPLIT_BYTES={split}": _differences(whole, got)}
    return {}


@pytest.mark.parametrize("reader", sorted(SAMPLES))
def test_every_sample_cut_into_ranges_reads_as_the_whole(reader, tmp_path, monkeypatch):
    """Each real sample of the reader, cut at _small_splits (the first, its biggest, with --jobs 2 too)."""
    _small_pieces(monkeypatch)
    failures: dict = {}
    paths = SAMPLES[reader]
    rest = paths[PER_READER // 2:]
    picked = paths[:PER_READER // 2] + random.Random(f"ranges47:{reader}").sample(rest, min(len(rest), PER_READER // 2))
    for n, rel in enumerate(picked):
        log = tmp_path / rel.replace("/", "_")
        log.write_bytes((ROOT / rel).read_bytes())
        splits = _small_splits(log.stat().st_size)
        failures.update(_cut_readings_differ(log, splits, monkeypatch))
        if n == 0:
            failures.update(_cut_readings_differ(log, splits[:1], monkeypatch, jobs=2))
    assert not failures, json.dumps(failures, indent=1)[:6000]


@pytest.mark.parametrize("reader", sorted(SAMPLES))
def test_hostile_variants_cut_into_ranges_read_as_the_whole(reader, tmp_path, monkeypatch):
    """The hostile variants of the reader's biggest sample, cut at a line start and mid-line too."""
    _small_pieces(monkeypatch)
    rel = SAMPLES[reader][0]
    rng = random.Random(f"splits:{rel}")
    failures: dict = {}
    for label, data in _hostile(rel, (ROOT / rel).read_bytes()).items():
        if (reader, label) in KNOWN:
            continue
        log = tmp_path / f"{label}-{Path(rel).name}"
        log.write_bytes(data)
        failures.update(_cut_readings_differ(log, _splits(data, rng), monkeypatch))
    assert not failures, json.dumps(failures, indent=1)[:6000]


# --- each difference the sweep found, cut at the line that showed it -------------------------------

def _whole_and_cut_at(tmp_path, monkeypatch, name: str, data: bytes, line: int) -> tuple[dict, dict]:
    """The JSON reports of a log read whole and read in ranges, one of them starting at `line` (1-based)."""
    _small_pieces(monkeypatch)
    log = tmp_path / name
    log.write_bytes(data)
    whole = _report(log)
    at = sum(len(x) for x in data.splitlines(keepends=True)[:line - 1])
    monkeypatch.setattr(batch, "SPLIT_BYTES", at - 1)  # (the cut: the first record start after it)
    assert at in {u.start for u in batch.plan([str(log)])}, "no range starts at that line"
    return whole, _report(log)


def test_a_shibd_check_and_its_refusal_over_a_cut_are_one_attempt(tmp_path, monkeypatch):
    """shibd.log: OpenSAML's failed check (line 4) and the refusal naming it (line 6) are one attempt; a cut
    between them made two, the check's alone with another fix (ShibbolethParser.range_context)."""
    data = (ROOT / "fixtures/logs/shibboleth/shibd-refusals.log").read_bytes()
    whole, cut = _whole_and_cut_at(tmp_path, monkeypatch, "shibd.log", data, 5)
    assert whole["summary"]["attempts"] == 3
    assert cut == whole, _differences(whole, cut)


def test_a_keycloak_error_and_its_events_line_over_a_cut_are_one_attempt(tmp_path, monkeypatch):
    """Keycloak: SAMLEndpoint's 'Invalid signature' (line 7) and its thread's IDENTITY_PROVIDER_RESPONSE_ERROR
    (line 8) are one attempt (keycloak._ThreadJoin); a cut between them made two (range_context)."""
    data = (ROOT / "tests/data/case18/keycloak-server.log").read_bytes()
    whole, cut = _whole_and_cut_at(tmp_path, monkeypatch, "keycloak-server.log", data, 8)
    assert cut == whole, _differences(whole, cut)


def test_a_message_printed_over_many_lines_is_read_whole_over_a_cut(tmp_path, monkeypatch):
    """A console capture's response printed over lines 4-132 (the embedded reader, Prefilter.documents), cut at
    line 60: each range lost it ('Premature end of data'). The ranges beside a cut read on over it, and the
    prefilter keeps the document in one pass over the range's end (batch._with_context)."""
    data = (ROOT / "fixtures/logs/embedded/console-printed.log").read_bytes()
    whole, cut = _whole_and_cut_at(tmp_path, monkeypatch, "console-printed.log", data, 60)
    assert whole["summary"]["messages"] == 3
    assert cut == whole, _differences(whole, cut)


def test_the_last_line_without_its_newline_is_read_beside_the_range_before(tmp_path, monkeypatch):
    """IIS's log without a final newline: the last callback (line 27) is decided by its client's next request,
    the last line, which ends with no newline; the range before read its context up to the last newline,
    without that line, and said the callback undecided (batch._context)."""
    data = (ROOT / "tests/data/case24/u_ex261125.log").read_bytes().rstrip(b"\r\n")
    whole, cut = _whole_and_cut_at(tmp_path, monkeypatch, "u_ex261125.log", data, 28)
    assert "sp-refused-callback" in whole["summary"]["by_code"]
    assert cut == whole, _differences(whole, cut)


@pytest.mark.xfail(strict=True, reason="known, not fixed: messages are indexed in the order the reader yields them")
def test_messages_are_indexed_in_line_order_whatever_the_cut(tmp_path, monkeypatch):
    """SimpleSAMLphp: a dump whose closing line is damaged (bad UTF-8: not a record) stays open and is yielded
    after the message printed below it; the whole reading indexes them in that order, ranges in file order
    (message '#1' against '#0'). Not fixed: indexing a log's messages in line order (engine) reversed a Loki
    export's, whose reader yields its lines in time order (tests/test_loki32.py); see KNOWN."""
    data = (ROOT / "fixtures/logs/simplesamlphp/simplesamlphp-debug-saml.log").read_bytes()
    close = data.index(b"DEBUG [a91c3e07f2] </saml2p:Response>")
    data = data[:close + 5] + b"\xff\xfe\xc3\x28\xed\xa0\x80" + data[close + 5:]
    line = data[:close].count(b"\n") + 3  # (the next session's message)
    whole, cut = _whole_and_cut_at(tmp_path, monkeypatch, "simplesamlphp.log", data, line)
    assert whole["summary"]["messages"] == 1 and whole["messages"][0]["index"] == 1
    assert cut == whole, _differences(whole, cut)
