"""Fuzzing round 18: what the last session merged under hostile and look-alike input: the JumpCloud,
Duo and CloudTrail readers, the new SP libraries' catalog texts, bodiless ACS POSTs in HARs,
ingress-nginx's upstreaminfo, metadata endpoints, zlib heads, email masking, cell wrapping. Every
input ends with a finding or a skip, no traceback; growth is compared between two sizes
(tests/growth_util.py), never an absolute time.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from samlscan import batch
from samlscan.config import Expectations
from tests.growth_util import assert_linear

ROOT = Path(__file__).resolve().parent.parent


# --- flows/build.py: bodiless ACS POSTs -------------------------------------------------------

def _redacted_har() -> dict:
    return json.loads((ROOT / "fixtures" / "captures" / "sanitized-redacted.har").read_text())


def _bodiless_har(tmp_path: Path, n: int, body: bool = False, answered: bool = False) -> str:
    """The sanitised HAR's login, then n more POSTs to its ACS (SonarQube's callback) a second apart,
    without their form body (Safari) or with the redacted one; each answered by the GET of the SP's
    page it redirects to when `answered`."""
    har = _redacted_har()
    entries = har["log"]["entries"]
    post, page = entries[2], entries[3]
    out = entries[:4]
    for i in range(n):
        again = copy.deepcopy(post)
        again["startedDateTime"] = f"2025-03-12T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}.000Z"
        if not body:
            again["request"].pop("postData", None)
        out.append(again)
        if answered:
            then = copy.deepcopy(page)
            then["startedDateTime"] = again["startedDateTime"].replace(".000Z", ".200Z")
            out.append(then)
    har["log"]["entries"] = out
    path = tmp_path / f"posts-{n}-{body}-{answered}.har"
    path.write_text(json.dumps(har))
    return str(path)


@pytest.mark.parametrize("answered", [False, True])
def test_many_bodiless_acs_posts_are_built_in_linear_time(tmp_path, answered):
    """Fails on the old code: each bodiless POST's chain (and the exchange after it) was searched up to
    the capture's end over every later bodiless POST (an 'other' leg): 4,000 POSTs 3.7 s, 1,000 0.46 s."""
    from samlscan.flows import build_flows
    from samlscan.inputs.har.harfile import read

    caps = {}

    def make(n):
        caps[n] = read(_bodiless_har(tmp_path, n, answered=answered))
        return caps[n]

    assert_linear(build_flows, make, 1000)
    flows = build_flows(caps[4000])
    assert len(flows) == 4001 and all("no body of the POST" in f.reason for f in flows), flows[:3]


def test_bodiless_tries_keep_their_own_answers(tmp_path):
    """(Guard: this held.) Two bodiless tries: the first refused (/sessions/unauthorized), the second let in (/projects):
    each flow is judged by its own POST's answer, never by a later try's."""
    har = _redacted_har()
    entries = har["log"]["entries"]
    second, page = copy.deepcopy(entries[2]), copy.deepcopy(entries[3])
    second["startedDateTime"], page["startedDateTime"] = "2025-03-11T08:42:02.000Z", "2025-03-11T08:42:02.200Z"
    for header in second["response"]["headers"]:
        if header["name"].lower() == "location":
            header["value"] = "https://sonar.example.com/projects"
    second["response"]["redirectURL"] = page["request"]["url"] = "https://sonar.example.com/projects"
    har["log"]["entries"] = entries[:4] + [second, page]
    for entry in har["log"]["entries"]:
        entry["request"].pop("postData", None)
    path = tmp_path / "two.har"
    path.write_text(json.dumps(har))
    from samlscan.flows import build_flows
    from samlscan.inputs.har.harfile import read

    flows = build_flows(read(str(path)))
    assert [f.outcome for f in flows] == ["failure", "success"], [(f.outcome, f.reason) for f in flows]
    assert "/sessions/unauthorized" in flows[0].reason and "/projects" in flows[1].reason


# --- correlate/clocks.py: the proxy witness of many refusals of one client ---------------------------

def _refusals_and_callbacks(n: int, spacing: int = 30):
    """n time refusals of one client in the SP's log (each quoting a NotBefore 6 min ahead), n failed
    callbacks of that client in a proxy's access log 9 min after each refusal, `spacing` s apart."""
    from datetime import datetime, timedelta, timezone

    from samlscan.model import LogEvent, Source

    start = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)
    refusals, callbacks = [], []
    for i in range(n):
        t = start + timedelta(seconds=spacing * i)
        refusals.append((LogEvent(Source("sonarqube-0.log", f"line {i}"), t, "sonarqube", "sp", "failure",
                                  "not yet valid", ip="198.51.100.47", request_id=f"r{i}"),
                         t + timedelta(minutes=6)))
        callbacks.append(LogEvent(Source("ingress.log", f"line {i}"), t + timedelta(minutes=9), "sonarqube-access",
                                  "sp", "failure", "POST /oauth2/callback/saml 302", ip="198.51.100.47"))
    return refusals, [e for e, _ in refusals] + callbacks


def _witnesses(made):
    from samlscan.correlate import clocks

    readings, events = made
    proxied = clocks._proxy_callbacks(readings, events, {})
    return [clocks._proxy_witness(e, "before", instant, proxied) for e, instant in readings]


def test_the_proxy_witness_of_many_refusals_of_one_client_is_linear():
    """Fails on the old code: each refusal compared every failed callback of its client (8,000
    refusals and callbacks of one address: 25 s of a 48 s scan)."""
    assert_linear(_witnesses, _refusals_and_callbacks, 1000)


def test_the_proxy_witness_is_the_one_callback_in_its_window():
    """(Guard.) One callback of the client within LEAD after the quoted NotBefore: it is the witness; two
    (callbacks 30 s apart): none; the refusal's own log never witnesses."""
    from datetime import timedelta

    alone = _witnesses(_refusals_and_callbacks(3, spacing=3600))
    assert [w[1] for w in alone] == ["ingress.log"] * 3
    assert [w[0] for w in alone] == [e.time + timedelta(minutes=9) for e, _ in _refusals_and_callbacks(3, 3600)[0]]
    assert _witnesses(_refusals_and_callbacks(40)) == [None] * 40
    readings, events = _refusals_and_callbacks(3, spacing=3600)
    assert _witnesses((readings, events[:3])) == [None] * 3


# --- report/cells.py: wrap(break_long=True) of a long token --------------------------------------

@pytest.mark.parametrize("unit", ["a", "e\u0301", "\u4e00b"])  # (the last: a guard, wide clusters are chunks)
def test_a_long_token_is_broken_in_linear_time(unit):
    """Fails on the old code: each line's head was cut off the rest, the rest measured and split
    again (a 20,000-character token in 40 columns 6 s, with combining marks 29 s; 80,000: 85 s)."""
    from samlscan.report.cells import wrap

    assert_linear(lambda text: wrap(text, 40, break_long=True), lambda n: "x " + unit * n, 5000)


def test_a_broken_token_keeps_every_cluster_and_no_empty_line():
    """Fails on the old code at one column: a wide character cut from a word left an empty piece
    behind, printed as an empty line ('\u4e00\\n\\n\u4e00')."""
    from samlscan.report.cells import width, wrap

    for text, columns in (("\u4e00\u4e00 \u4e00b", 1), ("ab" * 50 + " e\u0301" * 7, 7), ("x" * 95, 10)):
        lines = wrap(text, columns, break_long=True).split("\n")
        assert all(lines) and "".join(lines).replace(" ", "") == text.replace(" ", ""), lines
        assert all(width(line) <= max(columns, 2) for line in lines), lines


# --- logs: JumpCloud, Duo and CloudTrail records of wrong types ----------------------------------

_JUMPCLOUD = {"event_type": "sso_auth", "initiated_by": {"id": "1", "type": "user", "username": "bob"},
              "organization": "o", "success": False, "error_message": "not authorized", "client_ip": "192.0.2.1",
              "timestamp": "2024-01-01T00:00:00.123456789Z", "id": "e1",
              "application": {"name": "a", "display_label": "A", "sso_type": "saml"}}
_DUO = {"txid": "t", "access_device": {"ip": "192.0.2.1:22"}, "isotimestamp": "2024-01-01T00:00:00+00:00",
        "timestamp": 1700000000, "event_type": "authentication", "result": "denied", "reason": "user_disabled",
        "application": {"name": "A"}, "user": {"name": "bob"}}
_CLOUDTRAIL = {"eventSource": "signin.amazonaws.com", "eventName": "ExternalIdPDirectoryLogin",
               "eventTime": "2024-01-01T00:00:00Z", "errorMessage": "Response contains invalid name id policy format",
               "responseElements": {"ExternalIdPDirectoryLogin": "Failure"}, "userIdentity": {"type": "Unknown"},
               "sourceIPAddress": "192.0.2.1", "requestID": "r", "eventID": "e",
               "additionalEventData": {"UserName": "u"}}
_ODD = [None, True, 0, -1, 1.5, 10 ** 30, "", "x", [], {}, [1, {"a": 2}], {"a": [None]}, "2024-13-45T99:99:99Z",
        "\u202e", [[[[[]]]]]]


def _mutants(record: dict, seed: int) -> list[dict]:
    """The record with each field (and each nested field) in turn replaced by a value of another type."""
    import random

    rng = random.Random(seed)
    out = []
    for key in record:
        for value in rng.sample(_ODD, 4):
            bad = copy.deepcopy(record)
            bad[key] = value
            out.append(bad)
        if isinstance(record[key], dict):
            for inner in record[key]:
                bad = copy.deepcopy(record)
                bad[key][inner] = rng.choice(_ODD)
                out.append(bad)
    return out


@pytest.mark.parametrize("record,reader,shape", [
    (record, reader, shape) for record, reader in ((_JUMPCLOUD, "log:jumpcloud"), (_DUO, "log:duo"),
                                                   (_CLOUDTRAIL, "log:cloudtrail"))
    for shape in ("array", "lines", "records", "authlogs") if shape != "authlogs" or reader == "log:duo"])
def test_records_of_wrong_types_are_read_or_skipped(tmp_path, record, reader, shape):
    """(Guard: these held.) Every field of a JumpCloud, Duo or CloudTrail record of another JSON type,
    in an array, JSON lines, CloudTrail's Records or Duo's response.authlogs: the file stays its
    reader's (the intact first record decides), no input fails, the intact record is read."""
    records = [record] + _mutants(record, len(shape))
    text = {"array": lambda: json.dumps(records), "lines": lambda: "\n".join(map(json.dumps, records)),
            "records": lambda: json.dumps({"Records": records}),
            "authlogs": lambda: json.dumps({"stat": "OK", "response": {"authlogs": records}})}[shape]()
    path = tmp_path / "export.json"
    path.write_text(text)
    report = batch.run_scan([str(path)], Expectations(), jobs=1)
    assert [(r.status, r.kind) for r in report.inputs] == [("scanned", reader)], report.inputs
    assert "internal-error" not in str(report.input_findings)
    assert any(e.source.ref in ("line 1", "line 2") and e.outcome == "failure" for e in report.events), report.events[:3]
