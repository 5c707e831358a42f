"""Log lines longer than a megabyte: a SAML response dumped whole by the SP.

java-saml's DEBUG line 'SAMLResponse invalid --> <base64>' of a response with thousands of groups
runs to megabytes. Lines were cut at 1 MiB, and the cut response was reported as 'not well-formed
XML ... it was truncated or altered: copy the message again from its source', blaming the log.
Any message samlscan reads (8 MiB of XML) now fits in a line (MAX_TEXT_LINE), read through the
prefilter of big logs and through a compressed log's line reader alike; a longer line is still
cut, and the lines after it are read. The response is signed for real by samlgen.
"""
from __future__ import annotations

import base64
import gzip
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import generate as GEN  # noqa: E402

from samlscan.batch import run_scan  # noqa: E402
from samlscan.config import build  # noqa: E402

GROUPS = 12_000
PREFIX = "2025.03.11 08:41:02 DEBUG web[AZWEd1kLm9Qz000001AD][c.o.saml2.Auth] SAMLResponse invalid --> "
REFUSAL = ("2025.03.11 08:41:02 ERROR web[AZWEd1kLm9Qz000001AD][c.o.s.a.SamlResponse] Signature validation "
           "failed. SAML Response rejected")


@pytest.fixture(scope="module")
def big_dump() -> str:
    groups = tuple(f"group-{i:05d}-{'x' * 40}" for i in range(GROUPS))
    a = GEN.assertion("many-groups", GEN.OKTA, attributes=GEN.with_attrs(GEN.okta_attributes(), groups=groups))
    data = GEN.render(GEN.response("many-groups", GEN.OKTA, (a,)), GEN.OKTA, GEN.IDP)
    line = PREFIX + base64.b64encode(data).decode()
    assert len(line) > 3 * 1024 * 1024
    return line


def _scan(path: Path):
    return run_scan([str(path)], build({"at": "2025-03-11T08:41:02Z"}, None), jobs=1)


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
def test_a_response_dumped_on_a_line_of_megabytes_is_read_whole(tmp_path, big_dump, compressed):
    text = f"2025.03.11 08:41:01 INFO web[][o.s.s.p.ServerImpl] started\n{big_dump}\n{REFUSAL}\n"
    path = tmp_path / ("web.log.gz" if compressed else "web.log")
    path.write_bytes(gzip.compress(text.encode()) if compressed else text.encode())
    report = _scan(path)
    (m,) = report.messages
    (groups,) = [x for x in m.message.assertions[0].attributes if x.name == "groups"]
    assert len(groups.values) == GROUPS
    assert m.message.source.ref == "line 2"
    assert not [f for f in report.input_findings if f.code == "input-xml-malformed"]
    assert [e.source.ref for e in report.events] == ["line 3"]


def test_a_line_over_the_limit_is_cut_and_the_next_lines_are_read(tmp_path, big_dump, monkeypatch):
    import samlscan.logs._common
    import samlscan.prefilter

    monkeypatch.setattr(samlscan.logs._common, "MAX_TEXT_LINE", 1024 * 1024)
    monkeypatch.setattr(samlscan.prefilter, "LONG_LINE", 1024 * 1024)
    path = tmp_path / "web.log"
    path.write_text(f"{big_dump}\n{REFUSAL}\n{REFUSAL.replace('08:41:02', '08:41:09')}\n")
    report = _scan(path)
    assert [e.source.ref for e in report.events] == ["line 2", "line 3"]


def test_finding_a_megabytes_long_dump_in_a_line_is_quick(big_dump):
    """The base64 run was matched one character at a time: 0.4 s of CPU per MB of dump."""
    import time

    from samlscan.logs.embedded import find_embedded

    start = time.process_time()
    (value,) = find_embedded(big_dump)
    assert time.process_time() - start < 0.15 and big_dump.endswith(value)
