"""console20: console captures as people paste them.

1. ANSI colours (Spring Boot's %clr, Quarkus/Keycloak's coloured console, python's colorlog, a
   terminal copy that kept them, its caret form '^[[32m') are stripped once at read time, so every
   reader claims a coloured log as it claims the plain one, with the same times and findings.
2. A text in no known layout whose first SAML comes after the sniffed head is a log read by the
   embedded reader (its lines' times kept), not a paste read whole without times.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from samlscan import engine
from datetime import timezone

from samlscan.config import build
from samlscan.engine import SNIFF_BYTES, analyze, collect
from samlscan.prefilter import unknown_text_log

ROOT = Path(__file__).resolve().parent.parent
OKTA = ROOT / "fixtures" / "responses" / "valid" / "okta.xml"


def _unknown_layout(n: int) -> list[str]:
    return [f"2025-03-11 08:{i // 60 % 60:02d}:{i % 60:02d}.123 [worker-{i % 7}] myapp.web - handled GET "
            f"/health in {i % 17} ms status=200" for i in range(n)]


def _late(tmp_path: Path, dump: str, n: int = 1500) -> Path:
    path = tmp_path / "app.log"
    path.write_text("\n".join(_unknown_layout(n)) + "\n" + dump
                    + "\n2025-03-11 08:41:02.000 [worker-2] myapp.sso - done\n")
    return path


def _base64_line() -> str:
    import base64

    return "2025-03-11 08:41:01.500 [worker-2] myapp.sso - received SAMLResponse=" + \
        base64.b64encode(OKTA.read_bytes()).decode()


def _xml_dump() -> str:
    return "2025-03-11 08:41:01.500 [worker-2] myapp.sso - received response:\n" + OKTA.read_text()


@pytest.mark.parametrize("dump", [_base64_line, _xml_dump], ids=["base64-line", "xml-lines"])
def test_late_saml_in_unknown_layout_is_a_log_with_times(tmp_path, dump):
    path = _late(tmp_path, dump())
    assert path.stat().st_size > SNIFF_BYTES
    found = engine.sniff(engine.read_head(str(path)))
    assert (found.kind, found.name) == ("log", "embedded")
    got = collect(str(path), timezone.utc)
    assert got.kind == "log:embedded"
    (raw,) = got.raws
    # the message's time is its line's (08:41:01.5), not none as for a paste read whole
    assert raw.source.ref.split()[-1] in ("1501", "1502")
    assert raw.captured_at is not None and raw.captured_at.isoformat().startswith("2025-03-11T08:41:01.5")
    codes = {f.code for f in analyze([str(path)], build({}, None)).all_findings()}
    assert "evaluation-time" not in codes and "xml-reformatted" not in codes


def test_the_same_lines_small_are_still_read_as_a_log(tmp_path):
    path = _late(tmp_path, _base64_line(), n=30)
    assert path.stat().st_size < SNIFF_BYTES
    got = collect(str(path), timezone.utc)
    assert got.kind == "log:embedded" and got.raws[0].captured_at is not None


def test_a_big_text_with_no_layout_streams_through_the_embedded_reader(tmp_path):
    """batch reads a big such text in prefiltered ranges (prefilter.unknown_text_log) as before."""
    path = _late(tmp_path, _base64_line())
    log = unknown_text_log(engine.read_head(str(path)))
    assert log is not None and log[0].name == "embedded"


@pytest.mark.parametrize("head", [
    "<?xml version='1.0'?>\n<md:EntityDescriptor>\n" + "<x/>\n" * 20000,  # a big XML document
    "{\n" + '  "a": 1,\n' * 20000 + "}\n",  # a JSON document
    "PHNhbWxwOlJlc3BvbnNl" * 5000,  # one base64 value
])
def test_a_big_single_document_stays_one_blob(tmp_path, head):
    path = tmp_path / "big.txt"
    path.write_text(head)
    assert engine.sniff(engine.read_head(str(path))).name != "embedded"


# --- 1. colours ---------------------------------------------------------------------------------

import functools  # noqa: E402
import importlib.util  # noqa: E402
import sys  # noqa: E402

from samlscan import logs  # noqa: E402
from samlscan.ansi import as_read, console, plain  # noqa: E402
from samlscan.logs.base import EmbeddedSaml, Malformed  # noqa: E402
from samlscan.model import LogEvent  # noqa: E402

LOGS = ROOT / "fixtures" / "logs"
DATA = Path(__file__).resolve().parent / "data" / "console20"
ESC = "\x1b"
TWINS = {  # (tests/data/console20/make.py) coloured capture -> the plain log it colours, its reader
    "spring-boot3-ansi.log": "sp-app/spring-boot3.log",
    "spring-boot3-caret.log": "sp-app/spring-boot3.log",
    "keycloak-quarkus-ansi.log": "keycloak/keycloak-quarkus.log",
    "python3-saml-flask-colorlog.log": "sp-app/python3-saml-flask.log",
}


def _read(path: Path) -> list[tuple]:
    """What a reader makes of a log, its file's name aside: (reader, records)."""
    parser = logs.detect(logs.read_head(str(path)))
    out = []
    for r in logs.parse_file(str(path), timezone.utc):
        if isinstance(r, LogEvent):
            out.append(("event", r.source.ref, r.time, r.outcome, r.user, r.ip, r.saml_ids, r.text, r.raw_code))
        elif isinstance(r, Malformed):
            out.append(("malformed", r.source.ref))
        elif isinstance(r, EmbeddedSaml):
            out.append(("saml", r.source.ref, r.value))
        else:
            out.append((type(r).__name__, getattr(r, "source", None) and r.source.ref))
    return [parser.name if parser else None, out]


def _findings(path: Path) -> tuple:
    report = analyze([str(path)], build({}, None))
    return (sorted((f.code, f.message_text) for f in report.all_findings()),
            sorted(e.time.isoformat() for e in report.events if e.time),
            len(report.attempts))


def test_strip_csi_osc_charset_and_caret_forms():
    assert plain(f"{ESC}[2m2025-03-11{ESC}[0;39m {ESC}[38;2;129;192;66mINFO {ESC}[39m x{ESC}[K") == \
        "2025-03-11 INFO  x"
    assert plain(f"{ESC}]0;title{ESC}\\a{ESC}]8;;https://x{ESC}\\b{ESC}(B{ESC}[m") == "ab"
    assert plain("^[[32m INFO^[[0;39m a^[[1;31mb^[[0m") == " INFO ab"
    text = "no colour: a^[x] regex, [[32m] and ^[[ alone stay"
    assert plain(text) is text or plain(text) == text


def test_only_a_console_capture_is_stripped():
    """Colours that start lines are a console's; a sequence inside a line alone is evidence (an
    attacker's 'ESC[31m' in a NameID), shown escaped by the reports (test_report_html_security)."""
    assert console(f"x\n  {ESC}[32mINFO{ESC}[0m a\n") and console(b"^[[2m2025") and console(f"{ESC}[2m")
    value = f"2025-03-11 08:41:02 user=bob\x00{ESC}[31m\n2025-03-11 08:41:03 ok\n"
    assert not console(value) and as_read(value) == value
    assert as_read(f"{ESC}[2m2025-03-11{ESC}[0m a{ESC}[31mb\n") == "2025-03-11 ab\n"


@pytest.mark.parametrize("coloured", sorted(TWINS))
def test_coloured_capture_reads_as_its_plain_twin(coloured):
    path, twin = DATA / coloured, LOGS / TWINS[coloured]
    assert ESC in path.read_text() or "^[[" in path.read_text()
    got, want = _read(path), _read(twin)
    assert got[0] == want[0] == TWINS[coloured].split("/")[0]
    assert got[1] == want[1] and any(r[0] == "event" and r[2] for r in got[1])
    assert _findings(path) == _findings(twin)


def _colour(line: str, caret: bool) -> str:
    """A line as a coloured console writes it: its first fields each in a colour, a reset at its end."""
    esc = "^[" if caret else ESC
    parts = line.split(" ", 3)
    coloured_ = [f"{esc}[{31 + i}m{p}{esc}[0;39m" if p else p for i, p in enumerate(parts[:3])] + parts[3:]
    return f"{esc}[2m" + " ".join(coloured_) + (f"{esc}[0m" if line else "")


def _plain_fixtures() -> list[Path]:
    """Every reader's fixtures (as a SIEM or container tool wraps them too) not coloured already."""
    return sorted(p for p in LOGS.rglob("*") if p.is_file() and b"\x1b[" not in p.read_bytes()
                  and b"^[[" not in p.read_bytes())


@pytest.mark.parametrize("caret", [False, True], ids=["esc", "caret"])
@pytest.mark.parametrize("path", _plain_fixtures(), ids=lambda p: "/".join(p.relative_to(LOGS).parts))
def test_every_reader_claims_its_log_coloured(tmp_path, path, caret):
    """Each reader's own fixtures, every line coloured: the same reader, the same records."""
    with logs._open_text(str(path)) as fh:
        text = fh.read()
    coloured = tmp_path / path.name
    coloured.write_text("\n".join(_colour(line, caret) for line in text.split("\n")), encoding="utf-8")
    assert _read(coloured) == _read_plain(path)


@functools.lru_cache(maxsize=1)
def _read_plain(path: Path) -> list[tuple]:
    """_read of a committed fixture, once for its two colourings (the parameters' order puts them
    one after the other)."""
    return _read(path)


def test_generator_is_current():
    sys.path.insert(0, str(DATA))
    try:
        import make
    finally:
        sys.path.remove(str(DATA))
    assert make.main(["--check"]) == 0  # (byte for byte: the Spring capture's CRLF)


@pytest.mark.skipif(importlib.util.find_spec("colorlog") is None, reason="colorlog not installed")
def test_colorlog_writes_the_bytes_of_the_fixture():  # pragma: no cover - optional tool
    import calendar
    import io
    import logging
    import time

    import colorlog

    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    fmt = colorlog.ColoredFormatter("%(log_color)s[%(asctime)s] %(levelname)s in %(module)s:%(reset)s %(message)s",
                                    force_color=True)
    fmt.converter = time.gmtime
    handler.setFormatter(fmt)
    rec = logging.LogRecord("app", logging.ERROR, "app.py", 1, "SAML errors: ['invalid_response'] reason: "
                            "Signature validation failed. SAML Response rejected", None, None)
    rec.created, rec.msecs = calendar.timegm((2025, 3, 11, 9, 41, 5)) + 0.456, 456
    handler.emit(rec)
    lines = (DATA / "python3-saml-flask-colorlog.log").read_text().split("\n")
    assert buf.getvalue().rstrip("\n") == lines[1]


def test_a_big_coloured_log_is_prefiltered_on_its_stripped_bytes():
    """The byte prefilter finds record starts by their first bytes (a time), which colours hide: a
    coloured log's prefilter strips them from each block first (Prefilter.coloured; prefilter25,
    which made a big capture read in ranges: tests/test_prefilter25.py), never cuts the raw bytes."""
    from samlscan.prefilter import _log_with_prefilter

    head = (DATA / "spring-boot3-ansi.log").read_bytes()
    bare = _log_with_prefilter((LOGS / "sp-app" / "spring-boot3.log").read_bytes())
    assert bare is not None and not bare[1].coloured
    assert _log_with_prefilter(head)[1].coloured and unknown_text_log(head) is None
