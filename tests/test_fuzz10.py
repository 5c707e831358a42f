"""Fuzzing round 10: the browser-capture readers and the containers under hostile input. SAML-tracer
exports whose fields hold the wrong JSON type; HARs nested deep; archives of every kind made by a
seeded generator (cut short, nested, duplicate, absolute and '../' names, links and special entries
in tar, zip64, encrypted members, a .saz that is no zip) in a folder with symlink loops, a
FIFO and a name in bad UTF-8, scanned in every format with and without --redact, with one and two
jobs (the same bytes); and the growth of a HAR's reading with its entries.
"""
from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import os
import random
import tarfile
import time
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.inputs.har import ArrayStream
from test_jobsdiff29 import _scan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RESPONSE = (FIXTURES / "responses" / "defects" / "assertion-expired.xml").read_bytes()
HAR = (FIXTURES / "captures" / "chrome-success.har").read_bytes()
TRACER = FIXTURES / "captures" / "saml-tracer.json"
FORMATS = ("table", "json", "jsonl", "csv", "sarif", "html")


def _json(*args: str) -> dict:
    result = CliRunner().invoke(main, [*args, "--format", "json", "--fail-on", "never", "-q"])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1), result.output[-1500:]
    return json.loads(result.stdout)


def _internal(doc: dict) -> list[str]:
    return [f["message_text"] for f in doc["input_findings"] if f["code"] == "internal-error"]


def _by_path(doc: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for i in doc["inputs"]:
        out.setdefault(i["path"], []).append(i)
    return out


# --- SAML-tracer: a list field holding another JSON type ---------------------------------------------

_NOT_A_LIST = (0, 7, -1.5, True, False, {"name": "Location"}, "Location: /x", None)


@pytest.mark.parametrize("seed", range(6))
def test_a_tracer_export_whose_lists_hold_other_types_is_read(tmp_path, seed):
    """`requestHeaders`, `responseHeaders`, `get` and `post` are lists in every SAML-tracer version;
    a number or true in their place (an export edited by hand, another tool's JSON) raised
    TypeError in tracer._pairs (internal error, the whole export lost). Such a field holds nothing."""
    rng = random.Random(seed)
    doc = json.loads(TRACER.read_text())
    for req in doc["requests"]:
        for field in rng.sample(["requestHeaders", "responseHeaders", "get", "post"], rng.randint(1, 4)):
            req[field] = rng.choice(_NOT_A_LIST)
    doc["requests"][0]["requestHeaders"] = rng.choice((3, True, 2.5))  # (at least one number or bool)
    path = tmp_path / "trace.json"
    path.write_text(json.dumps(doc))
    out = _json("check", str(path))
    assert not _internal(out)
    assert [i["kind"] for i in out["inputs"]] == ["saml-tracer"]


# --- a HAR's streaming: nesting outside the entries -------------------------------------------------

def _nested_after_log(depth: int) -> bytes:
    doc = json.dumps(json.loads(HAR))
    return (doc[:-1] + ', "_x": ' + '{"a":' * depth + "[" * depth + "1" + "]" * depth + "}" * depth + "}").encode()


def _stream_time(data: bytes) -> tuple[int, float]:
    start = time.process_time()
    items = list(ArrayStream(io.BytesIO(data), ("log", "entries")))
    return len(items), time.process_time() - start


def test_a_har_nested_deep_outside_its_entries_is_streamed_in_linear_time():
    """A custom member nested 100,000 deep beside 'log' (a tool's own '_' field, a JSON bomb):
    ArrayStream compared the whole stack of open brackets with the entries' path at every bracket,
    quadratic (10 s on 10,000 levels; `check` ran past 120 s on 200,000). Compared at the path's depth only."""
    n = 5_000
    entries, small = _stream_time(_nested_after_log(n))
    assert entries == len(json.loads(HAR)["log"]["entries"])
    assert small < 0.5, small  # (2 s before)
    _, large = _stream_time(_nested_after_log(4 * n))
    assert large < 1.5, large
    assert large < 8 * small + 0.3, (small, large)


def test_a_deeply_nested_har_is_one_clear_result_from_the_cli(tmp_path):
    path = tmp_path / "deep.har"
    path.write_bytes(_nested_after_log(20_000))
    out = _json("check", str(path))
    assert not _internal(out)
    assert out["inputs"][0]["kind"] == "har" and out["messages"]


# --- archives: what a cut tar held before the cut, and how many members an archive has --------------

def _tar(members: list[tuple[str, bytes]], **kinds) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tf:
        for name, data in members:
            info = tarfile.TarInfo(name)
            if name in kinds:
                info.type, info.linkname = kinds[name]
                tf.addfile(info)
                continue
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _zip(members: list[tuple[str, bytes]], **kw) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, **kw) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return buf.getvalue()


def _distinct(n: int, seed: int = 0) -> list[tuple[str, bytes]]:
    """n responses padded with noise (so a compressed tar's bytes follow its members)."""
    rng = random.Random(seed)
    return [(f"r{i}.xml", RESPONSE + b"<!--" + rng.randbytes(6000).hex().encode() + b"-->") for i in range(n)]


@pytest.mark.parametrize("compress", [None, gzip.compress, lzma.compress])  # (bzip2: one 900 KB block)
def test_a_tar_cut_short_keeps_the_members_before_the_cut(tmp_path, compress):
    """A support bundle whose download was cut off: the tar reader's error at the cut left
    _analyze_tar and its members' results were dropped with it (one 'corrupt tar data' line, no
    message of the whole archive). They are listed with their own results, the archive as failed."""
    raw = _tar(_distinct(6))
    data = compress(raw) if compress else raw
    path = tmp_path / "bundle.tar"
    path.write_bytes(data[: int(len(data) * 0.75)])
    out = _json("check", str(path))
    rows = _by_path(out)
    read = [p for p, r in rows.items() if "!" in p and r[0]["status"] == "scanned"]
    assert len(read) >= 3, rows
    assert len(out["messages"]) == len(read)
    (own,) = rows[str(path)]
    assert own["status"] == "failed" and "cut short" in own["reason"]


def test_an_archive_counts_its_own_members_not_those_of_an_archive_inside(tmp_path):
    """A zip in a zip in a tar: each archive's line said '<n> member(s)' with n every result below
    it (a zip holding one zip of three said 4)."""
    inner = _zip([("a.xml", RESPONSE), ("b.xml", RESPONSE), ("c.xml", b"<x/>")])
    middle = _zip([("inner.zip", inner)])
    (tmp_path / "outer.tar").write_bytes(_tar([("middle.zip", middle), ("d.xml", RESPONSE)]))
    rows = _by_path(_json("check", str(tmp_path / "outer.tar")))
    counts = {p.rsplit("/", 1)[-1]: r[0]["reason"].split(" ", 1)[0] for p, r in rows.items()
              if r[0]["kind"] and r[0]["kind"].startswith("archive:")}
    assert counts == {"outer.tar": "2", "outer.tar!middle.zip": "1", "outer.tar!middle.zip!inner.zip": "3"}


# --- the generator: a folder of hostile containers, scanned every way ------------------------------

def _nested(rng: random.Random, levels: int) -> bytes:
    data = RESPONSE
    for i in range(levels):
        data = rng.choice([lambda d, i=i: _zip([(f"l{i}.zip", d)]), lambda d, i=i: _tar([(f"l{i}.tar", d)]),
                           gzip.compress])(data)
    return data


def _encrypted(data: bytes) -> bytes:
    """A zip whose members carry the 'encrypted' flag (a password-protected export)."""
    out = bytearray(data)
    for sig, flag in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = out.find(sig)
        while at >= 0:
            out[at + flag] |= 1
            at = out.find(sig, at + 4)
    return bytes(out)


def _hostile(rng: random.Random) -> dict[str, bytes]:
    """Containers as users hand them over, each drawn by rng."""
    members = [(n, RESPONSE) for n in rng.sample(["/etc/abs.xml", "../../up.xml", "C:\\x\\w.xml", "dup.xml",
                                                   "dup.xml", "a\nb.xml", "\u202eRLO.xml", "x" * 200 + ".xml",
                                                   "har.har"], 5)]
    members = [(n, HAR if n.endswith(".har") else d) for n, d in members]
    tar = _tar(members + [("sym.xml", b""), ("hard.xml", b""), ("fifo", b"")],
               **{"sym.xml": (tarfile.SYMTYPE, "/etc/passwd"), "hard.xml": (tarfile.LNKTYPE, "dup.xml"),
                  "fifo": (tarfile.FIFOTYPE, "")})
    zipped = _zip(members, allowZip64=True)
    saz = _zip([("raw/01_c.txt", b"POST /acs HTTP/1.1\r\nHost: sp\r\n\r\nSAMLResponse=" + b"A" * rng.randrange(1, 99)),
                ("raw/01_s.txt", b"HTTP/1.1 302 Found\r\nLocation: /acs\r\n\r\n"),
                ("raw/01_m.xml", b"<Session><SessionTimers ClientBeginRequest='9999-12-31T23:59:59.9999999-14:00'/></Session>")])
    cut = rng.uniform(0.2, 0.9)
    return {
        "names.tar": tar, "names.zip": zipped,
        "links.tar.gz": gzip.compress(tar), "links.tar.xz": lzma.compress(tar), "links.tar.bz2": bz2.compress(tar),
        "cut.tar.gz": gzip.compress(tar)[: int(len(tar) * cut) or 1],
        "cut.zip": zipped[: int(len(zipped) * cut)], "cut.xz": lzma.compress(RESPONSE)[:rng.randrange(20, 200)],
        "nested.bin": _nested(rng, rng.randint(4, 10)),
        "locked.zip": _encrypted(zipped),
        "login.saz": saz, "cut.saz": saz[: int(len(saz) * cut)], "not-a-zip.saz": b"Fiddler? no.\r\n" * rng.randint(1, 9),
        "empty.zip": _zip([]), "empty.gz": gzip.compress(b""),
        "junk-after.gz": gzip.compress(RESPONSE) + rng.randbytes(rng.randint(1, 50)),
    }


def _hostile_folder(root: Path, seed: int) -> set[str]:
    """The hostile containers, a symlink loop, a FIFO, a broken link and a name in bad UTF-8 in
    `root`; the paths a scan must account for (what the walk meets at the top)."""
    for name, data in _hostile(random.Random(seed)).items():
        (root / name).write_bytes(data)
    (root / "sub").mkdir()
    os.symlink("..", root / "sub" / "up")
    os.symlink("loop-b", root / "loop-a")
    os.symlink("loop-a", root / "loop-b")
    os.symlink("nowhere", root / "broken")
    os.mkfifo(root / "fifo")
    bad = os.path.join(os.fsencode(root), b"caf\xe9\xff.xml")
    with open(bad, "wb") as fh:
        fh.write(RESPONSE)
    return {os.fsdecode(os.path.join(os.fsencode(root), n)) for n in os.listdir(os.fsencode(root))
            if n != b"sub"} | {str(root / "sub" / "up")}


@pytest.mark.parametrize("seed, redact", [(0, ()), (1, ("--redact",))])
def test_a_folder_of_hostile_containers_is_accounted_for_in_every_format(tmp_path, monkeypatch, seed, redact):
    """Every path of the folder is listed (read, skipped or failed, with why), no internal error,
    the same bytes with one job or two, in every format (with --redact for one seed, without for
    the other). Each --jobs scans the folder twice, not once a format: HTML's scan (it keeps the XML),
    and JSON's, whose report is rendered in every other format as the CLI renders it
    (test_jobsdiff29._scan: it checks that the rendering is the bytes the CLI printed, and no traceback)."""
    expected = _hostile_folder(tmp_path, seed)
    outputs = {}
    for jobs in (1, 2):
        outputs["html", jobs] = _scan(tmp_path, "html", jobs, monkeypatch, *redact)[0]
        plain, printed = _scan(tmp_path, "json", jobs, monkeypatch)
        outputs.update({(fmt, jobs): printed[fmt, bool(redact)] for fmt in FORMATS if fmt != "html"})
    doc = json.loads(plain)
    assert not _internal(doc)
    listed = {i["path"] for i in doc["inputs"]}
    assert expected <= listed, expected - listed
    assert all(i["reason"] for i in doc["inputs"] if i["status"] != "scanned")
    for fmt in FORMATS:
        assert outputs[fmt, 1] == outputs[fmt, 2], fmt


# --- growth: a HAR's entries and its redirect chains -------------------------------------------------

def _redirects(n: int, shape: str) -> str:
    t0 = datetime(2025, 3, 11, 8, 41, tzinfo=timezone.utc)
    rng = random.Random(n)
    entries = []
    for i in range(n):
        at = t0 + timedelta(milliseconds=10 * i)
        url, to = {"chain": (f"https://sp.example/a{i}", f"https://sp.example/a{i + 1}"),
                   "self": ("https://sp.example/loop", "https://sp.example/loop"),
                   "pingpong": (("https://sp.example/x", "https://idp.example/y"),
                                ("https://idp.example/y", "https://sp.example/x"))[i % 2]}[shape]
        stamp = rng.choice([at.isoformat().replace("+00:00", "Z"), at.astimezone(timezone(timedelta(hours=-7))).isoformat(),
                            at.astimezone(timezone(timedelta(hours=5, minutes=45))).isoformat(timespec="milliseconds")])
        entries.append({"startedDateTime": stamp, "request": {"method": "GET", "url": url, "headers": [
            {"name": "Cookie", "value": f"JSESSIONID=s{i % 7}"}]}, "response": {
            "status": 302, "headers": [{"name": "Location", "value": to}, {"name": "Set-Cookie", "value": f"c{i % 5}=v"}],
            "content": {"size": 0}, "redirectURL": to}})
    rng.shuffle(entries)  # (entries out of time order: a HAR merged from two tabs)
    return json.dumps({"log": {"version": "1.2", "creator": {"name": "Fuzz"}, "entries": entries}})


@pytest.mark.parametrize("shape", ["chain", "self", "pingpong"])
def test_a_har_of_many_redirects_is_read_in_linear_time(tmp_path, shape):
    times = []
    for n in (1_000, 4_000):
        path = tmp_path / f"{shape}-{n}.har"
        path.write_text(_redirects(n, shape))
        start = time.process_time()
        out = _json("check", str(path))
        times.append(time.process_time() - start)
        assert not _internal(out)
    assert times[1] < 8 * times[0] + 0.5, times


@pytest.mark.parametrize("command", ["check", "scan"])
def test_a_saz_that_is_no_zip_says_so(tmp_path, command):
    """A .saz cut short or renamed was sniffed as a paste: 'input-bad-base64: base64 value has an
    impossible length (truncated?)', which sends the user after a value that is not there."""
    (tmp_path / "trace.saz").write_bytes(b"Fiddler? no.\r\n")
    target = tmp_path / "trace.saz" if command == "check" else tmp_path
    res = CliRunner().invoke(main, [command, str(target), "--format", "json", "--fail-on", "never"])
    assert res.exit_code == 0, res.output
    (f,) = json.loads(res.stdout)["input_findings"]
    assert f["code"] == "input-unreadable" and "Fiddler .saz is a zip archive" in f["message_text"]


def _check_json(path) -> dict:
    res = CliRunner().invoke(main, ["check", str(path), "--format", "json", "--fail-on", "never"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_a_gzip_followed_by_junk_is_read_as_gzip_d_reads_it(tmp_path):
    """'gzip -d' inflates the member and ignores the junk after it ('trailing garbage ignored');
    samlscan failed the whole file: 'corrupt compressed data: Not a gzipped file (b'ju')'."""
    xml = (FIXTURES / "responses" / "defects" / "assertion-expired.xml").read_bytes()
    path = tmp_path / "response.xml.gz"
    path.write_bytes(gzip.compress(xml) + b"junk\n")
    doc = _check_json(path)
    assert doc["inputs"][0]["status"] == "scanned" and len(doc["messages"]) == 1
    (said,) = doc["input_findings"]
    assert said["code"] == "input-unreadable" and "breaks off (or junk follows it)" in said["message_text"]


def test_a_log_gz_cut_short_keeps_the_lines_before_the_cut(tmp_path):
    """A rotated web.log.gz copied while it was written: the lines inflated before the cut are events."""
    log = (FIXTURES / "logs" / "sonarqube" / "web-javasaml.log").read_bytes()
    whole = gzip.compress(log * 40)
    path = tmp_path / "web.log.gz"
    path.write_bytes(whole[: len(whole) // 2])
    doc = _check_json(path)
    assert doc["attempts"] and any(f["code"] == "input-unreadable" for f in doc["input_findings"])
