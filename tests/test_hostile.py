"""Hostile inputs (fixtures/attacks/, built by fixtures/gen_attacks.py) are refused with an input-*
finding, through the engine and the CLI, fast, in bounded memory, reading nothing from disk or
network beyond the input itself."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.config import build
from samlscan.engine import analyze
from samlscan.errors import InputError
from samlscan.xmlsafe import MAX_XML_BYTES, parse_xml

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ATTACKS = FIXTURES / "attacks"
CONFIG = FIXTURES / "config" / "default.toml"
MANIFEST = json.loads((ATTACKS / "manifest.json").read_text())
REFUSED = [e for e in MANIFEST if e["expect_any"]]
INERT = [e for e in MANIFEST if not e["expect_any"]]
EXPECT = build({}, CONFIG)

sys.path.insert(0, str(FIXTURES))
import gen_attacks as G  # noqa: E402

# Known defects outside this suite's files (reported to the lead): the engine's finding is an
# input-* refusal, but not the precise code. strict=True: the marker must go once they are fixed.
IMPRECISE: dict[str, str] = {}  # corpus files whose code is knowingly imprecise (none left)


def _codes(report) -> set[str]:
    return {f.code for f in report.all_findings()}


def _timed_analyze(path: Path):
    start = time.process_time()
    report = analyze([str(path)], EXPECT)
    return report, time.process_time() - start


# --- Engine ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("entry", REFUSED, ids=lambda e: e["file"])
def test_engine_refuses_with_input_code(entry):
    report, seconds = _timed_analyze(ATTACKS / entry["file"])
    codes = _codes(report)
    allowed = set(entry["expect_any"])
    assert codes, "a hostile input must not disappear silently"
    assert codes & allowed or all(c.startswith("input-") for c in codes), (codes, entry["note"])
    if all(c.startswith("input-") for c in allowed):
        assert not report.messages, "a refused input yields no message"
        assert all(c.startswith("input-") for c in codes), codes
        assert report.inputs[0].status == "failed"
    else:  # invalid UTF-8: read as text with U+FFFD, then the signature cannot verify
        assert not any(a.signed for m in report.messages for a in m.message.assertions)
    assert seconds < 2.0, f"{entry['file']} took {seconds:.2f} s"


@pytest.mark.parametrize("entry", REFUSED, ids=lambda e: e["file"])
def test_engine_gives_the_precise_code(entry, request):
    if entry["file"] in IMPRECISE:
        request.applymarker(pytest.mark.xfail(reason=IMPRECISE[entry["file"]], strict=True))
    codes = _codes(analyze([str(ATTACKS / entry["file"])], EXPECT))
    assert codes & set(entry["expect_any"]), (codes, entry["note"])


def test_corpus_is_what_the_generator_makes():
    files = G.build_all()
    assert sorted(files) == sorted(p.name for p in ATTACKS.iterdir())
    assert all((ATTACKS / n).read_bytes() == b for n, b in files.items())
    assert all(len(b) < 200_000 for b in files.values()), "committed attack files stay small"


@pytest.mark.parametrize("entry", INERT, ids=lambda e: e["file"])
def test_inert_constructs_are_not_resolved(entry):
    """XInclude and xml-stylesheet are legal XML: parsed, never processed."""
    report = analyze([str(ATTACKS / entry["file"])], EXPECT)
    [result] = report.messages
    values = [v for a in result.message.assertions for at in a.attributes for v in at.values]
    assert not any("root:" in v for v in values)
    if entry["file"] == "xinclude.xml":  # the signed content changed: the digest must fail
        assert not result.message.assertions[0].signed
        assert "signature-invalid" in _codes(report)


# --- The one parser, directly (every encoding libxml2 can read) ---------------------------------

@pytest.mark.parametrize("name", ["utf16le-bom-doctype.xml", "utf16be-nobom-doctype.xml",
                                  "utf32-doctype.xml", "utf7-xxe-file.xml", "xxe-file.xml",
                                  "billion-laughs.xml", "quadratic-blowup.xml"])
def test_parse_xml_refuses_doctype_in_any_encoding(name):
    with pytest.raises(InputError) as err:
        parse_xml((ATTACKS / name).read_bytes())
    assert err.value.code == "input-dtd-forbidden"


def test_parse_xml_refuses_utf7_billion_laughs_as_dtd():
    with pytest.raises(InputError) as err:
        parse_xml((ATTACKS / "utf7-billion-laughs.xml").read_bytes())
    assert err.value.code == "input-dtd-forbidden"


@pytest.mark.parametrize("name,code", [("ebcdic-doctype.xml", "input-xml-malformed"),
                                       ("invalid-utf8.xml", "input-xml-malformed"),
                                       ("utf7-billion-laughs.xml", "input-dtd-forbidden"),
                                       ("deep-nesting.xml", "input-too-large"),
                                       ("truncated.xml", "input-xml-malformed")])
def test_parse_xml_refuses(name, code):
    with pytest.raises(InputError) as err:
        parse_xml((ATTACKS / name).read_bytes())
    assert err.value.code == code


def test_parse_xml_accepts_the_valid_response():
    """The passing counterpart: the graft base is itself accepted."""
    assert parse_xml(G.VALID.read_bytes()).tag.endswith("}Response")


def test_size_cap_boundary(tmp_path):
    under = G.big_attribute(MAX_XML_BYTES - 8000)
    assert len(under) <= MAX_XML_BYTES
    assert parse_xml(under) is not None
    with pytest.raises(InputError) as err:
        parse_xml(G.big_attribute(MAX_XML_BYTES + 1))
    assert err.value.code == "input-too-large"


# --- CLI ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("entry", REFUSED, ids=lambda e: e["file"])
def test_cli_one_clear_line_no_traceback(entry):
    result = CliRunner().invoke(main, ["check", str(ATTACKS / entry["file"]), "--config", str(CONFIG),
                                       "--format", "jsonl", "--fail-on", "warning"])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    refused = [r for r in rows if r["code"].startswith("input-")]
    if all(c.startswith("input-") for c in entry["expect_any"]):
        assert len(refused) == 1, rows
        text = refused[0]["message_text"]
        assert "\n" not in text and 10 < len(text) < 300, text


def test_cli_exit_code_follows_fail_on():
    """The passing counterpart: a valid response exits 0; a refused one 1."""
    ok = CliRunner().invoke(main, ["check", str(G.VALID), "--config", str(CONFIG), "-q"])
    bad = CliRunner().invoke(main, ["check", str(ATTACKS / "xxe-file.xml"), "--config", str(CONFIG), "-q"])
    assert (ok.exit_code, bad.exit_code) == (0, 1), (ok.output, bad.output)


# --- Nothing read from disk or network -----------------------------------------------------------

@pytest.fixture()
def secret(tmp_path, monkeypatch):
    marker = f"SAMLSCAN-SECRET-{os.getpid()}-{time.time_ns()}"
    path = tmp_path / "secret.txt"
    path.write_text(marker + "\n")
    monkeypatch.setattr(G, "SECRET_FILE", str(path))
    return path, marker


@pytest.fixture()
def listener():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)
    yield sock, sock.getsockname()[1]
    sock.close()


def _exfiltration_docs(port: int) -> dict[str, bytes]:
    """Every attack that names a file or URL, pointed at the test's secret file and listener."""
    here = f"127.0.0.1:{port}/".encode()

    def at(data: bytes) -> bytes:
        return data.replace(f"127.0.0.1:{G.CLOSED_PORT}/".encode(), here)

    return {
        "xxe-file.xml": G.xxe_file(), "xxe-http.xml": G.xxe_http(port=port),
        "xxe-parameter.xml": G.xxe_parameter(port=port), "external-dtd.xml": G.external_dtd(port=port),
        "utf16.xml": G.utf16_doctype(), "utf7.xml": G.utf7(G.xxe_file),
        "utf7-param.xml": G.utf7(lambda: G.xxe_parameter(port=port)),
        "xinclude.xml": at(G.xinclude()), "stylesheet.xml": at(G.xml_stylesheet()),
    }


def test_nothing_fetched(tmp_path, secret, listener):
    path, marker = secret
    sock, port = listener
    docs = _exfiltration_docs(port)
    for name, data in docs.items():
        f = tmp_path / name
        f.write_bytes(data)
        report = analyze([str(f)], EXPECT)
        result = CliRunner().invoke(main, ["check", str(f), "--config", str(CONFIG), "--format", "json"])
        assert marker not in result.output, name
        assert marker not in repr(report), name
    with pytest.raises(BlockingIOError):
        sock.accept()  # no connection was ever attempted to the listener


def test_listener_would_notice_a_connection(listener):
    """The failing counterpart of test_nothing_fetched: a real connect is seen."""
    sock, port = listener
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        time.sleep(0.05)
        conn, _ = sock.accept()
        conn.close()


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace not installed")
def test_no_open_or_connect_syscalls(tmp_path, secret, listener):
    """Stronger than looking at the output: the process never opens the entity targets."""
    path, _ = secret
    _, port = listener
    files = []
    for name, data in _exfiltration_docs(port).items():
        (tmp_path / name).write_bytes(data)
        files.append(str(tmp_path / name))
    script = ("import sys; from samlscan.config import build; from samlscan.engine import analyze; "
              f"analyze(sys.argv[1:], build({{}}, __import__('pathlib').Path({str(CONFIG)!r})))")
    proc = subprocess.run(["strace", "-f", "-e", "trace=open,openat,connect", sys.executable, "-c",
                           script, *files], capture_output=True, text=True, timeout=60)
    if proc.returncode != 0 and "ptrace" in proc.stderr:
        pytest.skip("ptrace not permitted here")
    assert proc.returncode == 0, proc.stderr[-2000:]
    trace = proc.stderr
    assert files[0] in trace, "strace saw the inputs being opened (the probe works)"
    assert str(path) not in trace
    assert f"sin_port=htons({port})" not in trace


# --- Bounded time and memory (each in a fresh process) -------------------------------------------

RSS_BOUND_MB = 200
TIME_BOUND_S = 2.0

_MEASURE = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from samlscan.config import build
    from samlscan.engine import analyze

    def peak_kb():
        # VmHWM of this mm, reset below through clear_refs (Linux >= 4.0). getrusage's ru_maxrss
        # is useless here: Linux carries the parent's (pytest's) peak across fork and execve.
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])

    expect = build({}, Path(sys.argv[1]))
    analyze([sys.argv[3]], expect)  # warm up: imports, xmlsec, keys
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # reset the peak to the current RSS
    before = peak_kb()
    start = time.process_time()
    report = analyze([sys.argv[2]], expect)
    seconds = time.process_time() - start
    after = peak_kb()
    print(json.dumps({"seconds": round(seconds, 3), "rss_growth_mb": round((after - before) / 1024, 1),
                      "codes": sorted({f.code for f in report.all_findings()})}))
""")

BOMBS = {
    # name: (builder of bytes, what it would become without the limits)
    "deflate-1g-redirect.txt": lambda: G.deflate_bomb_url(1 << 30),
    "deflate-1g-post.b64": lambda: G.deflate_bomb_post(1 << 30),
    "gzip-1g.xml.gz": lambda: G.gzip_bomb(1 << 30),
    "gzip-log-1g.log.gz": lambda: G.gzip_log_bomb(1 << 30),
    "attribute-20m.xml": lambda: G.big_attribute(20 * 1024 * 1024),
    "attribute-7m.xml": lambda: G.big_attribute(7 * 1024 * 1024),
    "billion-laughs.xml": G.billion_laughs,
    "quadratic-blowup.xml": G.quadratic_blowup,
    "utf7-billion-laughs.xml": lambda: G.utf7(G.billion_laughs),
    "deep-nesting.xml": G.deep_nesting,
}


needs_proc = pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(),
                                reason="peak RSS reset needs Linux /proc/self/clear_refs")


def measure(path: Path) -> dict:
    """Time and peak-RSS growth of analyzing `path` in a fresh interpreter."""
    proc = subprocess.run([sys.executable, "-c", _MEASURE, str(CONFIG), str(path),
                           str(ATTACKS / "empty.xml")], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@needs_proc
@pytest.mark.parametrize("name", sorted(BOMBS))
def test_bomb_bounded(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(BOMBS[name]())
    got = measure(path)
    print(f"{name}: {path.stat().st_size} bytes on disk, {got}")
    assert got["seconds"] < TIME_BOUND_S, got
    assert got["rss_growth_mb"] < RSS_BOUND_MB, got
    if name != "attribute-7m.xml":  # under the 8 MB cap: parsed, verified, its digest fails
        assert all(c.startswith("input-") for c in got["codes"]), got


@needs_proc
def test_measure_sees_memory_growth(tmp_path):
    """The failing counterpart: an input that does use memory shows up in the probe."""
    path = tmp_path / "big.xml"
    path.write_bytes(G.big_attribute(7 * 1024 * 1024))
    assert measure(path)["rss_growth_mb"] > 10
