"""A wrapped log whose inner head is too short to tell its product (branch laravelhead22).

journald's JSON and export formats triple or double each line of a Laravel (php-saml, Monolog) log:
the file's 64 KiB head held 28 KB of the inner log, php-saml's error line lay beyond it and the
generic embedded reader claimed the file (the attempt's fix lost php-saml's setting name).
engine.sniff_file reads such a cut head further (up to WRAPPED_SNIFF_BYTES), and the wrapper's
inner head is cut where a bare log's sniff stops (HEAD_CHARS), so a wrapped log is claimed as its
bare twin is, in check and in scan (--jobs 1 and 2).

Changed behaviour (fails on the code before): test_check_*, test_scan_*, the late=100 twins and
test_the_wider_inner_head_is_cut_where_a_bare_logs_head_ends (without the cut: sp-app).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan import engine
from samlscan.cli import main

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "wrapped21"
CONFIG = str(ROOT / "fixtures" / "config" / "default.toml")
sys.path.insert(0, str(ROOT / "fixtures"))
import gen_wrapped21 as GEN  # noqa: E402

INNER = "laravel-context"
PHP_SAML_FIX = "php-saml settings: sp.entityId"
"""The audience attempt's fix when the SP app log reader (php-saml's error line) reads the log."""


def _report(*args: str) -> dict:
    result = CliRunner().invoke(main, [*args, "--config", CONFIG, "--format", "json"], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def _write(tmp_path: Path, wrapper: str, lines: list[str]) -> Path:
    data = GEN.WRAPPERS[wrapper](INNER, lines)
    path = tmp_path / f"{INNER}.{wrapper}.log"
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def _bare_kind(lines: list[str]) -> str:
    return engine.sniff("".join(line + "\n" for line in lines).encode()[:engine.SNIFF_BYTES]).name


def _file_kind(path: Path) -> str:
    return engine.sniff_file(str(path), engine.read_head(str(path))).name


@pytest.mark.parametrize("wrapper", ["journal-json", "journal-export"])
def test_check_reads_the_wrapped_laravel_log_as_php_saml_app_log(wrapper):
    doc = _report("check", str(DATA / f"{INNER}.{wrapper}.log"))
    assert [i["kind"] for i in doc["inputs"]] == ["log:sp-app"]
    assert any(PHP_SAML_FIX in (a["fix"] or "") for a in doc["attempts"])


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_scan_reads_the_wrapped_laravel_logs_as_php_saml_app_logs(jobs):
    files = [str(DATA / f"{INNER}.{w}.log") for w in ("journal-json", "journal-export")]
    doc = _report("scan", *files, "--jobs", jobs)
    assert sorted(i["kind"] for i in doc["inputs"]) == ["log:sp-app", "log:sp-app"]
    assert sum(PHP_SAML_FIX in (a["fix"] or "") for a in doc["attempts"]) == 2


@pytest.mark.parametrize("late", [0, 50, 100])
@pytest.mark.parametrize("wrapper", list(GEN.WRAPPERS))
def test_a_wrapped_log_is_claimed_as_its_bare_twin(tmp_path, wrapper, late):
    """php-saml's line 33-41 KB into the bare log: every wrapper's file is the SP app log reader's
    (docker-json at late=100, journald's at every `late` were the embedded reader's)."""
    lines = GEN.inner_lines(INNER, late)
    assert _bare_kind(lines) == "sp-app"
    assert _file_kind(_write(tmp_path, wrapper, lines)) == "sp-app"


@pytest.mark.parametrize("wrapper", ["docker-json", "cri", "journal-json", "journal-export"])
def test_the_wider_inner_head_is_cut_where_a_bare_logs_head_ends(tmp_path, wrapper):
    """php-saml's line past the bare log's 64 KiB head (48 KB of long lines before it): the bare log is
    the embedded reader's, and so is its wrapped twin, although the wider read holds that line."""
    base = GEN.inner_lines(INNER)
    lines = base[:260] + [GEN.filler_line(INNER, i) + "x" * 800 for i in range(60)] + base[260:]
    path = _write(tmp_path, wrapper, lines)
    assert engine.SNIFF_BYTES < path.stat().st_size <= engine.WRAPPED_SNIFF_BYTES  # (all of it read wider)
    assert _bare_kind(lines) == "embedded"
    assert _file_kind(path) == "embedded"


def test_the_wider_sniff_is_capped(tmp_path):
    """read_head's limit: what sniff_file reads at most."""
    path = tmp_path / "big.log"
    path.write_bytes(b"x" * (engine.WRAPPED_SNIFF_BYTES + 10))
    assert len(engine.read_head(str(path), engine.WRAPPED_SNIFF_BYTES)) == engine.WRAPPED_SNIFF_BYTES
    assert len(engine.read_head(str(path))) == engine.SNIFF_BYTES


@pytest.mark.parametrize("name", ["laravel-context.docker-json.log", "laravel-context.journal-iso.log"])
def test_an_ordinary_file_is_not_read_again(name):
    """A head that is whole (a small file), or a wrapper's whose inner reader is a product's: the sniff
    of `head` alone (sniff_file never opens the path: a missing one is no error)."""
    head = (DATA / name).read_bytes()[:engine.SNIFF_BYTES]
    got = engine.sniff_file(str(ROOT / "no-such-file"), head)
    assert got.name == engine.sniff(head).name == "sp-app"


def test_a_bare_log_with_a_full_head_is_not_read_again():
    lines = GEN.inner_lines(INNER, 1000)  # (108 KB: its head is cut)
    head = "".join(line + "\n" for line in lines).encode()[:engine.SNIFF_BYTES]
    assert len(head) == engine.SNIFF_BYTES
    assert engine.sniff_file(str(ROOT / "no-such-file"), head).name == engine.sniff(head).name


def test_a_cut_wrapped_head_is_read_further():
    """The head of a wrapped log claimed by the embedded reader is read again from its file (a missing
    file says so: the wider read is what tells the product)."""
    head = (DATA / f"{INNER}.journal-json.log").read_bytes()[:engine.SNIFF_BYTES]
    assert engine.sniff(head).name == "embedded"
    with pytest.raises(FileNotFoundError):
        engine.sniff_file(str(ROOT / "no-such-file"), head)



@pytest.mark.parametrize("jobs", ["1", "2"])
def test_scan_plans_a_split_wrapped_log_by_its_wider_sniff(tmp_path, monkeypatch, jobs):
    """A log over SPLIT_BYTES (here 64 KiB) is read in ranges whose reader plan() and each range
    choose from the file's head (batch._log_reader): a CRI file (its timestamped prefix: ranges)
    whose php-saml line lies 70 KB in, 55 KB into its bare twin, is the SP app log reader's there too."""
    from samlscan import batch

    monkeypatch.setattr(batch, "SPLIT_BYTES", 64 * 1024)
    base = GEN.inner_lines(INNER)
    lines = base[:260] + [GEN.filler_line(INNER, i) + "x" * 150 for i in range(100)] + base[260:]
    path = _write(tmp_path, "cri", lines + [GEN.filler_line(INNER, i) for i in range(3000)])
    assert [u.parser_name for u in batch.plan([str(path)])][:2] == ["sp-app", "sp-app"]
    doc = _report("scan", str(path), "--jobs", jobs)
    assert [i["kind"] for i in doc["inputs"]] == ["log:sp-app"]
    assert any(PHP_SAML_FIX in (a["fix"] or "") for a in doc["attempts"])
