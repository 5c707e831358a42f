"""A bare zlib stream as a container: mitmproxy's `hardump` writes a '.zhar' as
zlib.compress(har, 9) (mitmproxy/addons/savehar.py, done()). It is read like a .har.gz: inflated as
it is read, under the same bomb bound, a cut stream reported with what came before it."""
from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.archives import OPENERS
from samlscan.batch import container_kind
from samlscan.cli import main

HAR = Path(__file__).resolve().parents[1] / "tests" / "data" / "har20" / "mitmproxy.har"


def _report(*paths) -> dict:
    result = CliRunner().invoke(main, ["check", "--format", "json", *map(str, paths)])
    assert "Traceback" not in result.output
    return json.loads(result.stdout)


def _digest(report: dict) -> tuple:
    return ([(m["type"], m["id"], m["captured_at"]) for m in report["messages"]],
            [(a["outcome"], a["time"]) for a in report["attempts"]])


def test_a_mitmproxy_zhar_reads_as_its_har(tmp_path):
    zhar = tmp_path / "dump.zhar"
    zhar.write_bytes(zlib.compress(HAR.read_bytes(), 9))
    got, plain = _report(zhar), _report(HAR)
    assert [i["kind"] for i in got["inputs"]] == ["zlib:har"]
    assert _digest(got) == _digest(plain) and got["messages"]


@pytest.mark.parametrize("level", [1, 6, 9])
def test_every_compression_level_is_a_zlib_container(level):
    assert container_kind(zlib.compress(b'{"log": {"entries": []}}' * 40, level)[:512]) == "zlib"


@pytest.mark.parametrize("head", [b"HK some text\n" * 8, b"x^2 + y^2 = z^2\n" * 8, b"(Sorry, no SAML)\n" * 8,
                                  b"x\x9c" + b"not a deflate stream at all" * 4])
def test_text_with_a_zlib_looking_start_is_no_container(head):
    """'HK', 'x^' and '(S' pass RFC 1950's header check (CMF*256+FLG % 31 == 0, no FDICT); the
    stream after them must inflate too."""
    assert (head[0] << 8 | head[1]) % 31 == 0 and not head[1] & 0x20
    assert container_kind(head) is None


def test_a_cut_zhar_keeps_what_came_before_and_says_where_it_breaks(tmp_path):
    zhar = tmp_path / "cut.zhar"
    zhar.write_bytes(zlib.compress(HAR.read_bytes(), 9)[:3000])
    lines = CliRunner().invoke(main, ["check", "--format", "jsonl", str(zhar)]).stdout
    assert "the compressed data breaks off" in lines and "zlib stream cut short" in lines
    assert [m["type"] for m in _report(zhar)["messages"]] == ["AuthnRequest"]  # what came before the cut


def test_a_zlib_bomb_is_refused_by_the_inflate_bound(tmp_path):
    bomb = tmp_path / "bomb.zhar"
    bomb.write_bytes(zlib.compress(b"A" * (300 << 20), 9))  # 300 MiB in ~300 KB
    (entry,) = _report(bomb)["inputs"]
    assert entry["status"] == "failed" and "decompression bomb" in entry["reason"]


def test_the_zlib_opener_reads_in_small_pieces(tmp_path):
    data = bytes(range(256)) * 4000
    path = tmp_path / "d.z"
    path.write_bytes(zlib.compress(data))
    with OPENERS["zlib"](str(path)) as fh:
        pieces = iter(lambda: fh.read(777), b"")
        assert b"".join(pieces) == data
