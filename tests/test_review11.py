"""Eleventh review: what landed with review9, fuzz3 and case 9, tried with hostile and real-shaped
inputs (raw HTTP bodies inflated, AD FS 342/411/516 read)."""
from __future__ import annotations

import base64
import gzip
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from samlscan.inputs import httpraw

from test_adfs_events import AUDIT, UPN_DATA, copied, event_xml, one, saved
from test_review9 import PAGE, _REQUEST, _dump_read, _run, docker_records

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


# --- container logs: a line cut into parts, the other stream's lines between them -------------

def test_a_docker_json_file_line_cut_into_records_keeps_its_stream(tmp_path):
    """Docker copies stdout and stderr apart (moby's copier, one per stream): a stderr record came
    between the parts of a stdout line cut at 16 KiB, and was joined into it (fuzz3/review9 joined any
    next record): the dump's XML was 'not well-formed'. A line's parts are joined per stream now,
    as the CRI reader does."""
    out = docker_records()
    out.insert(2, json.dumps({"log": "a line of the other stream between the parts\n", "stream": "stderr",
                              "time": "2025-03-11T08:41:02.611500000Z"}))
    path = tmp_path / "0123abcd-json.log"
    path.write_text("\n".join(out) + "\n")
    _dump_read(path)


def test_endless_partial_records_are_read_in_linear_time(tmp_path):
    """Records of one character that never end their line are held to MAX_ENVELOPE, then read."""
    rec = json.dumps({"log": "A", "stream": "stdout", "time": "2025-03-11T08:41:02Z"})
    path = tmp_path / "0123abcd-json.log"
    path.write_text("\n".join([rec] * 300_000) + "\n")
    start = time.process_time()
    _run(path)
    assert time.process_time() - start < 20


# --- AD FS 342/411/516: their new patterns in linear time ----------------------------------------
# (each took seconds for 40,000 characters and grew with their square: a 1 MiB event, MAX_EVENT,
# an hour of CPU)

_N = 40_000


def _timed(path) -> tuple:
    start = time.process_time()
    ev = one(path)
    return ev, time.process_time() - start


def test_411_data_with_a_reason_of_many_words_then_a_line_break_is_read_at_once(tmp_path):
    """_USER_ERROR ('<user>-<reason>' in a Data of a wevtutil export) tried every split of the
    reason's words when a line break followed them: a Data of 40,000 words took 184 s,
    13,333 here some 20 s."""
    datas = ["0d23868f-2ad0-4ff2-a774-511ef7b36a04", UPN_DATA,
             "bob@corp.example.com-The user" + " name" * (_N // 3) + "\n   at x", "203.0.113.9"]
    ev, spent = _timed(saved(tmp_path / "a.xml", event_xml(AUDIT, 411, datas, None)))
    assert spent < 3, spent
    assert (ev.outcome, ev.ip) == ("failure", "203.0.113.9")


def test_516_data_of_dots_is_no_address_list_at_once(tmp_path):
    """_IP_LIST tried each '.' of a long run as the one its first address needs: a Data of 40,000
    dots took 30 s."""
    datas = ["0d23868f-2ad0-4ff2-a774-511ef7b36a04", "carol@corp.example.com", "." * _N + "x", "15"]
    ev, spent = _timed(saved(tmp_path / "a.xml", event_xml(AUDIT, 516, datas, None)))
    assert spent < 3, spent
    assert (ev.outcome, ev.user, ev.ip) == ("failure", "carol@corp.example.com", None)


def test_516_copied_with_a_run_of_spaces_in_a_label_is_read_at_once(tmp_path):
    """_LABEL's lazy value before '[ \\t]*$' tried the rest of a run of spaces from each of them:
    'User: carol' and 40,000 spaces before more text took 13 s."""
    message = ("The following user account has been locked out due to too many bad password attempts. \n\n"
               "Additional Data \n\nActivity ID: 0d23868f-2ad0-4ff2-a774-511ef7b36a04 \n\nUser: \ncarol"
               + " " * _N + "@corp.example.com \n\nClient IP: \n198.51.100.7 \n")
    ev, spent = _timed(copied(tmp_path / "a.txt", AUDIT, 516, message))
    assert spent < 3, spent
    assert (ev.outcome, ev.ip) == ("failure", "198.51.100.7")
    assert ev.user.startswith("carol") and ev.user.endswith("@corp.example.com")


# --- private keys: a key whose lines are indented deeper than they are long --------------------

def test_a_private_key_indented_deeper_than_its_lines_is_removed_whole():
    """fuzz3 read a bare key's base64 only to twice what its DER length needs: a key pasted into an
    XML value with its 64-character lines indented by 120 spaces (a deeply nested element) kept
    its last 7 lines in every report."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from samlscan.privatekeys import without_private_keys

    der = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    b64 = base64.b64encode(der).decode()
    lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
    text = "<samlp:StatusMessage>\n" + "".join(" " * 120 + ln + "\n" for ln in lines) + "</samlp:StatusMessage>"
    out = without_private_keys(text)
    assert [ln for ln in lines if ln in out] == []
    assert out.endswith("</samlp:StatusMessage>")


def test_a_request_of_many_dumps_keeps_a_bounded_memory_of_them():
    """One request's digests grew with its dumps (review11: 64 requests were the only bound); each
    different dump is still a message of its own."""
    import base64
    from types import SimpleNamespace

    from samlscan.logs.sonarqube import _DUMPED_REQUESTS, _Dumped

    dumped = _Dumped()
    recs = [SimpleNamespace(value=base64.b64encode(f"<x id='{i}'/>".encode()).decode(), request_id="A")
            for i in range(5000)]
    assert sum(1 for _ in dumped.once(recs)) == 5000
    assert len(dumped.seen["A"]) <= _DUMPED_REQUESTS
