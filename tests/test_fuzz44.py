"""fuzz44: a deterministic mutation sweep over the readers the last sessions added (HTML error boxes,
Docker json-file and journal logs, compose/goreman prefixes, app logs, CSV exports in UTF-16 and with
Excel's 'sep=', Office documents, rsa-1_5 encryption, SAML 1.x and Liberty ID-FF refusals, HAR, SIEM
JSON exports). Each real sample is cut at structural boundaries, given NULs, bad UTF-8, UTF-16 with and
without a BOM, lone surrogates in its JSON escapes, unbalanced quotes, years 0 and 99999 and 40-digit
epochs, zones that do not exist, and packed into a zip in a zip; one heavy variant a sample (a 5 MB line,
100,000 prefixed lines, deep nesting, a deflate bomb) is timed by its growth. Every variant goes through
`samlscan scan` (json and html) and a sample of them through `samlscan check`: no traceback, no internal
error, the exit codes of the CLI contract, every input accounted for."""
from __future__ import annotations

import base64
import gzip
import io
import json
import random
import re
import tarfile
import zipfile
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from growth_util import assert_not_superlinear

ROOT = Path(__file__).resolve().parent.parent
SP_KEY = str(ROOT / "fixtures" / "keys" / "sp.key")
SEEDS = (  # one real sample of each reader the sweeps before this one predate
    "tests/data/errorpages/keycloak-redirect-uri.txt", "tests/data/docker27/web-json.log",
    "tests/data/docker27/web.journal", "tests/data/wrapped21/colorlog.compose.log", "tests/data/applog2/grafana.log",
    "fixtures/csvdelim36/okta/tab-utf16/system-log-download.csv",
    "fixtures/csvmore36/sep/okta/sep-semicolon/system-log-download.csv",
    "tests/data/bundle28/ticket-4711/upgrade-notes.docx", "fixtures/responses/valid/shibboleth-cbc-rsa15.xml",
    "tests/data/corpus26/opensaml2-saml11-TestResponse.xml", "tests/data/corpus27/lasso-sourceid-login-response.xml",
    "tests/data/har35/firefox.har", "tests/data/case27/elastic-hits.ndjson", "tests/data/loki32/query_range.json",
)
_BOUNDARY = re.compile(rb'[\n{}\[\]<>";,\t=|]')
_FORTY_DIGITS = b"1234567890" * 4


def _text(data: bytes) -> str | None:
    for codec in ("utf-8", "utf-16"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    return None


def _zipped(name: str, data: bytes) -> bytes:
    """`data` as `name` in a zip, and again in a tar, both inside an outer zip."""
    inner, tar, outer = io.BytesIO(), io.BytesIO(), io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    with tarfile.open(fileobj=tar, mode="w") as t:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    with zipfile.ZipFile(outer, "w") as z:
        z.writestr("inner.zip", inner.getvalue())
        z.writestr("inner.tar", tar.getvalue())
    return outer.getvalue()


def variants(name: str, data: bytes, rng: random.Random) -> dict[str, bytes]:
    """The light hostile variants of one sample (all of them are swept)."""
    data = data[:40_000]
    out = {}
    bounds = sorted({m.end() for m in _BOUNDARY.finditer(data)})
    for i in rng.sample(bounds, min(6, len(bounds))):
        out[f"cut{i}"] = data[:i]
    half = len(data) // 2
    out["nul"] = data[:half] + b"\x00" * 5 + data[half:]
    out["nul-lines"] = data.replace(b"\n", b"\x00\n")
    out["bad-utf8"] = data[:half] + b"\xff\xfe\xc3\x28\xed\xa0\x80" + data[half:]
    text = _text(data)
    if text is not None:
        out["utf16le"] = text.encode("utf-16-le")
        out["utf16bom"] = text.encode("utf-16")
        out["utf16be-odd"] = text.encode("utf-16-be")[:-1]
        out["utf8-in-utf16"] = b"\xff\xfe" + text.encode("utf-8")
    # a lone surrogate in every JSON string that has escapes: before each escaped quote and escaped newline
    out["surrogates"] = data.replace(b'\\"', b'\\udfff\\"').replace(b'\\n"', b'\\ud800\\n"').replace(b'":"', b'":"\\udc80', 3)
    out["quotes"] = data.replace(b'"', b"", 1).replace(b",", b',,"', 3).replace(b"'", b"", 1)
    out["dates"] = (data.replace(b"2025", b"0000", 2).replace(b"2026", b"99999", 2).replace(b"20", _FORTY_DIGITS, 1))
    out["epoch"] = b'{"time":' + _FORTY_DIGITS + b',"log":"x\\n","stream":"stdout"}\n' + data
    out["zones"] = data.replace(b"Z", b" Mars/Olympus", 3).replace(b"+00:00", b"+99:99", 3).replace(b"UTC", b"XYZ/Nowhere", 2)
    out["gzip-cut"] = gzip.compress(data, mtime=0)[:max(12, len(data) // 3)]
    out["zip-in-zip"] = _zipped("inner" + Path(name).suffix, data)
    return out


def _bomb(n: int) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(b"<" * n) + c.flush()


HEAVY = {  # one of these a sample (by its index), each made at a size for its growth to be timed
    "long-line": lambda line: line + b"A" * 5_000_000 + b"\n",
    "prefixed-lines": lambda line: (line[:40] + b"\n") * 100_000,
    "deep-json": lambda line: b'{"a":' * 50_000 + b"1" + b"}" * 50_000 + b"\n",
    "deep-json-in-line": lambda line: line[:60] + b' {"log":' + b"[" * 100_000 + b"\n",
    "deep-xml": lambda line: b"<a>" * 100_000 + b"</a>" * 100_000,
    "deep-html": lambda line: b"<html><body>" + b"<div>" * 100_000 + b"error</body></html>",
    "deflate-bomb": lambda line: b"SAMLResponse=" + base64.b64encode(_bomb(100_000_000)) + b"\n" + line + b"\n",
    "deflate-bomb-get": lambda line: (b"GET /saml?SAMLRequest=" + base64.b64encode(_bomb(100_000_000)).replace(b"+", b"%2B")
                                      + b" HTTP/1.1\n"),
}


def _run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, [*args, "--sp-key", SP_KEY])
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    # (stderr only for a traceback: a report may quote a log's own 'Traceback' line as evidence)
    assert "Traceback" not in res.stderr and "internal error" not in res.stderr, res.stderr[-3000:]
    assert '"internal-error"' not in res.stdout, res.stdout[-3000:]
    return res.exit_code, res.stdout


def _scan_json(folder: Path) -> dict:
    code, stdout = _run("scan", str(folder), "--format", "json", "--jobs", "1")
    assert code in (0, 1), stdout[-2000:]
    return json.loads(stdout)


@pytest.mark.parametrize("index", range(len(SEEDS)), ids=[s.rsplit("/", 1)[-1] for s in SEEDS])
def test_every_hostile_variant_is_accounted_for_without_a_traceback(tmp_path, index):
    seed = ROOT / SEEDS[index]
    rng = random.Random(44 + index)
    made = variants(seed.name, seed.read_bytes(), rng)
    folder = tmp_path / "in"
    folder.mkdir()
    for label, data in made.items():
        (folder / f"{label}-{seed.name}").write_bytes(data)
    doc = _scan_json(folder)
    paths = {Path(i["path"]).name for i in doc["inputs"]}
    assert {f"{label}-{seed.name}" for label in made} <= paths, sorted(paths)
    code, _ = _run("scan", str(folder), "--format", "html", "--jobs", "1", "-o", str(tmp_path / "r.html"))
    assert code in (0, 1) and 'data-code="internal-error"' not in (tmp_path / "r.html").read_text(encoding="utf-8")
    for label in rng.sample(sorted(made), 4):
        code, stdout = _run("check", str(folder / f"{label}-{seed.name}"), "--format", "json")
        assert code in (0, 1, 2), stdout[-2000:]
        if code != 2:
            assert json.loads(stdout)["inputs"], label


@pytest.mark.parametrize("index", range(len(SEEDS)), ids=[s.rsplit("/", 1)[-1] for s in SEEDS])
def test_one_heavy_variant_a_sample_takes_time_in_proportion_to_its_size(tmp_path, index):
    seed = ROOT / SEEDS[index]
    label = sorted(HEAVY)[index % len(HEAVY)]
    line = seed.read_bytes()[:200].split(b"\n", 1)[0] or b"x"
    path = tmp_path / f"{label}-{seed.stem}.log"

    def scan(data: bytes) -> dict:
        path.write_bytes(data)
        return _scan_json(tmp_path)

    doc = assert_not_superlinear(scan, HEAVY[label](line), suspect=2.0)
    assert [Path(i["path"]).name for i in doc["inputs"]] == [path.name]


def test_a_lone_surrogate_in_a_json_logs_saml_dump_is_read_not_a_crash(tmp_path):
    """JSON's '\\udfff' decodes to a lone surrogate, which UTF-8 cannot encode: the SonarQube reader's
    digest of a dumped message (logs/sonarqube._dump_key) failed the whole Docker log with internal-error."""
    data = (ROOT / "tests/data/docker27/web-json.log").read_bytes()
    bad = data.replace(b"idp.example.org/saml2/idp\\u003c", b"idp.example.org/\\udfffsaml2/idp\\u003c")
    assert bad != data
    (tmp_path / "web-json.log").write_bytes(bad)
    doc = _scan_json(tmp_path)
    assert [i["status"] for i in doc["inputs"]] == ["scanned"]
    assert [m["type"] for m in doc["messages"]] == ["Response"]
