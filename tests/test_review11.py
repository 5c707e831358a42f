"""Eleventh review: what landed with review9, fuzz3 and case 9, tried with hostile and real-shaped
inputs (raw HTTP bodies inflated, AD FS 342/411/516 read)."""
from __future__ import annotations

import base64
import gzip
import os
import subprocess
import sys
from pathlib import Path

from samlscan.inputs import httpraw

from test_review9 import PAGE, _REQUEST, _run

# --- raw HTTP: the compressed bodies of one capture inflate within one budget ------------------

_BIG = gzip.compress(b"A" * (4 << 20), 9)  # 4 KiB of gzip, 4 MiB of one letter (a JS bundle's size)
_GZIP_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n\r\n"


def _burp(path, bodies: list[bytes]):
    items = "".join(
        f"<item><time>Tue Mar 11 08:40:{50 + n % 10:02d} UTC 2025</time>"
        f"<url><![CDATA[https://idp.example.org/app/sso/{n}]]></url>"
        f"<request base64=\"true\"><![CDATA[{base64.b64encode(_REQUEST.encode()).decode()}]]></request>"
        f"<response base64=\"true\"><![CDATA[{base64.b64encode(_GZIP_HEAD + body).decode()}]]></response></item>\n"
        for n, body in enumerate(bodies))
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE items [\n<!ELEMENT items (item*)>\n]>\n'
                    f'<items burpVersion="2024.1.1">\n{items}</items>\n')
    return path


def test_a_burp_exports_gzip_bodies_inflate_within_one_budget(tmp_path):
    """Each gzip body of a Burp export (fuzz3's inflation) was inflated up to 4 MiB, and all of them
    were held together: a 1.2 MB export of 200 such items took 860 MB, 10,000 (58 MB) would take
    40 GB. The bodies of one capture now inflate to MAX_INFLATED in all (here 8 MiB: 40 items, 160
    MiB inflated, read in a process of its own whose peak memory is measured)."""
    path = _burp(tmp_path / "burp.xml", [_BIG] * 40)
    code = ("import re, sys\nfrom samlscan.inputs import httpraw\nhttpraw.MAX_INFLATED = 8 << 20\n"
            "cap = httpraw.read_burp(sys.argv[1])\n"  # (VmHWM: ru_maxrss keeps the forking parent's peak)
            "print(cap.entries, re.search(r'VmHWM:\\s*(\\d+)', open('/proc/self/status').read())[1])")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(Path(httpraw.__file__).parents[2])})
    entries, peak_kb = map(int, out.stdout.split())
    assert entries == 40
    assert peak_kb < 120_000, peak_kb


def test_a_saml_page_in_gzip_is_still_read_within_the_budget(tmp_path):
    path = _burp(tmp_path / "burp.xml", [_BIG, gzip.compress(PAGE.encode())])
    doc = _run(path)
    assert [(m["type"], m["ref"]) for m in doc["messages"]] == [("Response", "item 2/body")]


def test_one_budget_bounds_every_message_of_a_capture():
    inflating = httpraw.Inflating(6 << 20)
    texts = [httpraw.message_text(_GZIP_HEAD + _BIG, inflating) for _ in range(3)]
    assert texts[0].endswith("A" * (4 << 20))  # the first one inflated whole, the rest within 2 MiB
    assert sum(map(len, texts)) < 7 << 20
