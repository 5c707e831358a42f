"""Container and forwarder wrappers around each inner log format, as support bundles hold them
(tests/data/wrapped16/make.py builds them from fixtures/logs): each is read as the bare log is, its
first SAML line at the head or after LATE unrelated lines; CRI 'P' parts and Docker's cut records
join; broken wrapper lines are malformed records, never a traceback."""
from __future__ import annotations

import importlib.util
import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from samlscan import engine, logs
from samlscan.logs.base import Malformed

HERE = Path(__file__).resolve().parent / "data" / "wrapped16"
_spec = importlib.util.spec_from_file_location("wrapped16_make", HERE / "make.py")
MAKE = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(MAKE)

READER = {"sonarqube": "sonarqube", "keycloak": "keycloak", "simplesamlphp": "simplesamlphp",
          "java-saml": "sp-app", "spring": "sp-app", "shibboleth": "shibboleth", "python3-saml": "sp-app"}


def read(path: Path):
    """(reader name, events, malformed) as the engine claims the file and reads it."""
    found = engine.sniff(engine.read_head(str(path)))
    assert found.kind == "log", f"{path.name}: claimed as {found.kind}"
    recs = list(logs.parse_file(str(path), timezone.utc, found.parser))
    events = [r for r in recs if not isinstance(r, Malformed)]
    return found.parser.name, events, [r for r in recs if isinstance(r, Malformed)]


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


LATE = 5_000
"""Filler lines before the first SAML line: bare, more bytes than any sniff reads (the widest,
engine.WRAPPED_SNIFF_BYTES: 256 KiB; the shortest filler, python3-saml's, is 64 bytes: 320 KB), a
wrapper only adding bytes. (It was 10,000: up to 2.8 MB a file, the same property at twice the cost.)"""


@pytest.mark.parametrize("inner", sorted(MAKE.INNER))
def test_the_late_filler_passes_the_widest_sniff(inner):
    """The late cases test what they say: their SAML is past the bytes any sniff reads."""
    filler = "\n".join(MAKE.inner_lines(inner, LATE)) + "\n"
    assert len(filler) - len("\n".join(MAKE.inner_lines(inner)) + "\n") > engine.WRAPPED_SNIFF_BYTES


_BARE: dict[str, list] = {}
FIXTURE_DAY = datetime(2025, 3, 12, tzinfo=timezone.utc).timestamp()
"""The day after the fixtures' lines (fixtures/logs: 2025-03-11)."""


def bare_events(tmp_path: Path, inner: str) -> list:
    """The bare log's events, its file dated the day after its lines (as a real one would be: a
    SimpleSAMLphp line's year is its file's, where no wrapper gives one)."""
    if inner not in _BARE:
        path = write(tmp_path, f"{inner}.bare.log", "\n".join(MAKE.inner_lines(inner)) + "\n")
        os.utime(path, (FIXTURE_DAY, FIXTURE_DAY))
        _BARE[inner] = read(path)[1]
    return _BARE[inner]


def _key(ev):
    return (type(ev).__name__, getattr(ev, "time", None), getattr(ev, "code", None) or getattr(ev, "kind", None))


@pytest.mark.parametrize("late", [0, LATE], ids=["head", "late"])
@pytest.mark.parametrize("wrapper", sorted(MAKE.WRAPPERS))
@pytest.mark.parametrize("inner", sorted(MAKE.INNER))
def test_each_wrapper_reads_each_inner_format(tmp_path, inner, wrapper, late):
    """The wrapped log is its inner reader's, with the bare log's events at the same times (the
    inner line's own time: the wrapper's differs by the fixtures' one hour of CET). Before: a late
    java-saml, Keycloak or python3-saml log in any wrapper went unclaimed or read as a paste, and
    journald's copy of a Keycloak or Shibboleth log was claimed bare (every line malformed)."""
    path = write(tmp_path, f"{inner}.{wrapper}.log", MAKE.WRAPPERS[wrapper](MAKE.inner_lines(inner, late)))
    os.utime(path, (FIXTURE_DAY, FIXTURE_DAY))  # (docker logs without -t: a year only from the file)
    name, events, _ = read(path)
    assert name == READER[inner]
    want = bare_events(tmp_path, inner)
    assert want and [_key(e) for e in events] == [_key(e) for e in want]


@pytest.mark.parametrize("inner", ["java-saml", "sonarqube", "python3-saml"])
@pytest.mark.parametrize("wrapper", ["cri", "docker-json"])
def test_long_lines_cut_by_the_runtime_join(tmp_path, inner, wrapper):
    """A line cut into CRI 'P' parts or Docker records without a newline (here every 97 characters,
    a base64 SAMLResponse among them) is one line again: the same events and messages as bare."""
    wrap = MAKE.cri if wrapper == "cri" else MAKE.docker_json
    text = wrap(MAKE.inner_lines(inner, 2_000), cut=97)
    cut = (" stdout P " in text) if wrapper == "cri" else any(
        not json.loads(ln)["log"].endswith("\n") for ln in text.splitlines())
    assert cut
    _, events, _ = read(write(tmp_path, "cut.log", text))
    assert [_key(e) for e in events] == [_key(e) for e in bare_events(tmp_path, inner)]


def test_kubectl_prefix_of_several_pods_interleaved(tmp_path):
    """`kubectl logs -l app=sso --prefix` of two pods: both pods' events, each once (before: one line
    stream for all pods, so two pods' stack-trace lines at the same instant mixed into one record:
    15 events of 16)."""
    lines = MAKE.inner_lines("java-saml", 3_000)
    text = MAKE.kubectl_prefix({"sso-7d9f-a/app": lines, "sso-7d9f-b/app": lines})
    assert "[pod/sso-7d9f-a/app]" in text and "[pod/sso-7d9f-b/app]" in text
    name, events, _ = read(write(tmp_path, "two-pods.log", text))
    assert name == "sp-app"
    assert len(events) == 2 * len(bare_events(tmp_path, "java-saml"))


def test_docker_json_stack_trace_lines_are_escaped_and_read(tmp_path):
    """Docker's `log` holds each stack-trace line escaped ('\\tat com.onelogin...'): the trace belongs
    to its record as in the bare log."""
    text = MAKE.docker_json(MAKE.inner_lines("java-saml", 500))
    assert '"log": "\\tat com.onelogin.saml2' in text
    _, events, _ = read(write(tmp_path, "trace.json.log", text))
    assert [_key(e) for e in events] == [_key(e) for e in bare_events(tmp_path, "java-saml")]


@pytest.mark.parametrize("wrapper,breakage", [
    ("docker-json", lambda t: t.replace('"stream": "stdout", "time"', '"stream": "std', 1)),  # truncated JSON line
    ("cri", lambda t: t.replace(" stdout F ", " ", 1)),  # a CRI line without its stream and tag
    ("cri", lambda t: t + "2025-03-11T09:00:00.1Z stdout P half a line and the file ends"),
])
def test_broken_wrappers_never_raise(tmp_path, wrapper, breakage):
    text = breakage(MAKE.WRAPPERS[wrapper](MAKE.inner_lines("java-saml", 200)))
    name, events, malformed = read(write(tmp_path, "broken.log", text))
    assert name == "sp-app"
    assert len(events) >= len(bare_events(tmp_path, "java-saml")) - 1
