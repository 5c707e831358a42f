"""ForgeRock AM's audit files and OneLogin's events, read in ranges (ranges31 item 2): their JSON
arrays (an export; OneLogin's API envelope {"data": [..]}) through jsonsplit (READERS), their JSON
lines through a prefilter cut at lines (json_lines_prefilter). Each is grown from a real sample of the
suite by test_jobsdiff29's generator and read whole, in ranges with --jobs 1 and 2, in every format:
the same bytes. Both readers convert each record on its own (no state spans two: item 3 needs no
context for them)."""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from samlscan import batch, engine, jsonsplit
from samlscan.logs import _common
from test_jobsdiff29 import _differential, _reader_of, grow_array, grow_lines

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests/data/idplogs30"


def _as_lines(path: Path) -> bytes:
    """The sample's records one a line (an array's, or the lines as they are)."""
    text = path.read_text(encoding="utf-8-sig")
    if text.lstrip()[:1] not in "[{" or "\n{" in text.strip():
        return text.encode()
    doc = json.loads(text)
    items = doc if isinstance(doc, list) else doc["data"]
    return "".join(json.dumps(e) + "\n" for e in items).encode()


def _as_array(path: Path) -> bytes:
    text = path.read_text(encoding="utf-8-sig")
    if text.lstrip().startswith(("[", '{\n')) and not text.lstrip().startswith('{"'):
        return text.encode()
    return json.dumps([json.loads(line) for line in text.splitlines() if line.strip()]).encode()


ARRAYS = {"forgerock": ("access.audit.json", "authentication.audit.json"), "onelogin": ("onelogin-events.json",)}


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(("kind", "sample"), [(k, s) for k, names in ARRAYS.items() for s in names])
def test_a_json_export_reads_the_same_in_ranges(tmp_path, monkeypatch, kind, sample, seed):
    """OneLogin's envelope is cut past what the whole reading buffers of it (MAX_ENVELOPE, made small
    here, and ENVELOPE_SPLIT with it, as tests/test_jsonarr27.py does)."""
    monkeypatch.setattr(_common, "MAX_ENVELOPE", 16 * 1024)
    monkeypatch.setattr(jsonsplit, "ENVELOPE_SPLIT", 4 * 16 * 1024 + 4)
    rng = random.Random(f"{sample}/array/{seed}")
    data = grow_array(_as_array(DATA / sample), rng, 150_000)
    name = Path(sample).stem + ".json"
    probe = tmp_path / "probe" / name
    probe.parent.mkdir()
    probe.write_bytes(data)
    assert _reader_of(probe) == kind
    assert batch._log_reader(str(probe), engine.read_head(str(probe)))[1].__class__.__name__ == "JsonArray"
    _differential(tmp_path, monkeypatch, name, data, kind, rng)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(("kind", "sample"), [(k, s) for k, names in ARRAYS.items() for s in names])
def test_json_lines_read_the_same_in_ranges(tmp_path, monkeypatch, kind, sample, seed):
    rng = random.Random(f"{sample}/lines/{seed}")
    src = tmp_path / "src" / (Path(sample).stem + ".jsonl")
    src.parent.mkdir()
    src.write_bytes(_as_lines(DATA / sample))
    reader, pf = batch._log_reader(str(src), engine.read_head(str(src)), size=1 << 30)
    assert reader.name == kind and pf.json_lines
    data = grow_lines(src.read_bytes(), pf, rng, 60_000)
    _differential(tmp_path, monkeypatch, src.name, data, kind, rng)


@pytest.mark.parametrize("kind", sorted(ARRAYS))
def test_a_big_export_is_cut_into_ranges(tmp_path, monkeypatch, kind):
    """Before: forgerock and onelogin were in no range reader: one unit, read whole in one process
    (and OneLogin's envelope, its "status" and "pagination" closed before its "data", was no array:
    jsonsplit.opening)."""
    monkeypatch.setattr(_common, "MAX_ENVELOPE", 16 * 1024)
    monkeypatch.setattr(jsonsplit, "ENVELOPE_SPLIT", 4 * 16 * 1024 + 4)
    monkeypatch.setattr(batch, "SPLIT_BYTES", 50_000)
    sample = DATA / ARRAYS[kind][0]
    src = tmp_path / "src.jsonl"
    src.write_bytes(_as_lines(sample))
    pf = batch._log_reader(str(src), engine.read_head(str(src)), size=1 << 30)[1]
    for name, data in (("a.json", grow_array(_as_array(sample), random.Random(1), 200_000)),
                       ("b.jsonl", grow_lines(src.read_bytes(), pf, random.Random(1), 200_000))):
        log = tmp_path / name
        log.write_bytes(data)
        units = batch.plan([str(log)])
        assert len(units) >= 3 and {u.parser_name for u in units} == {kind}, (name, units[:2])


@pytest.mark.parametrize(("text", "got"), [
    ('{"s": {"a": 1}, "p": {"b": []}, "data": [{"x": 1}]}', (41, "{[", 1)),  # values closed before the array
    ('{"value": [{"x": 1}]}', (11, "{[", 1)),
    ('[{"a": 1}]', (1, "[", 0)),
    ('[[1, 2], {"a": 1}]', None),  # an array of arrays
    ('{"a": 1}\n{"b": [{"c": 1}]}', None),  # JSON lines: the first document ends before any array
    ('{"a": {"b": 1]]', None),  # a bracket not matching
])
def test_an_envelopes_values_before_its_array_leave_it_an_export(text, got):
    assert jsonsplit.opening(text) == got


@pytest.mark.parametrize("block", [4096, 32768, 65536])
def test_a_crlf_export_whose_block_ends_after_a_crlf_is_still_cut(tmp_path, monkeypatch, block):
    """fuzz25: ranges() looked for a lone CR with an end position one byte short of the block, which hides
    a CRLF's LF from the look-ahead: a block ending in CRLF was taken for a lone CR and the export read
    whole. A lone CR anywhere (one ending a block too) still reads it whole."""
    monkeypatch.setattr(jsonsplit, "BLOCK", block)
    items = json.loads(_as_array(DATA / "access.audit.json"))
    body = json.dumps(items * 60, indent=4).replace("\n", "\r\n").encode()
    head = body[:block]
    cut = head.rfind(b"\r\n") + 2  # a line end at the first block's end: pad the head to put it there
    data = body[:cut - 2] + b" " * (block - cut) + body[cut - 2:]
    assert data[block - 2:block] == b"\r\n"
    log = tmp_path / "access.audit.json"
    log.write_bytes(data)
    arr = batch._log_reader(str(log), engine.read_head(str(log)))[1]
    got = jsonsplit.ranges(str(log), len(data), arr, 20_000)
    assert got is not None and len(got) > 3
    lone = data[:block - 1] + b"\r" + data[block:].replace(b"\r\n", b"\n", 1)
    log.write_bytes(lone)
    assert lone[block - 1:block + 1] != b"\r\n" and jsonsplit.ranges(str(log), len(lone), arr, 20_000) is None
