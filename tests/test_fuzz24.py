"""Fuzzing round 24: hostile input on the day's new code (the HAProxy, AWS ALB, Azure Application
Gateway and Caddy access-log readers, SIEM exports put back in each host's order: wrapped._in_order,
_host_of). Every input ends with a finding or a skip, no traceback; time is judged by growth between
two sizes (tests/growth_util.py), never as an absolute time."""
from __future__ import annotations

import json
from datetime import timezone
from pathlib import Path

import pytest

from growth_util import assert_linear

from samlscan.logs import caddy, detect, haproxy, parse_file, read_head, traefik
from samlscan.logs import wrapped
from samlscan.model import LogEvent

DATA = Path(__file__).parent / "data" / "proxies29"
HAPROXY = ('203.0.113.20:51000 [03/Mar/2026:10:00:00.000] fe_https~ be_sonar/sonar1 0/0/1/25/26 302 512 - - '
           '---- 1/1/0/0/0 0/0 "GET /sessions/init/saml?return_to=%2F HTTP/1.1"')
ALB = ('https 2026-03-03T10:00:03.120000Z app/sonar-alb/50dc6c495c0c9188 203.0.113.20:51000 10.0.0.5:9000 '
       '0.001 0.025 0.000 302 302 1840 340 "POST https://sonar.example.com:443/oauth2/callback/saml HTTP/1.1" '
       '"Mozilla/5.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:x "Root=1-abc" '
       '"sonar.example.com" "arn:aws:acm:x" 0 2026-03-03T10:00:03.095000Z "forward" "-" "-" "10.0.0.5:9000" '
       '"302" "-" "-"')
CADDY = (DATA / "caddy" / "caddy-access.log").read_text().splitlines()[0]
TRAEFIK = json.dumps({"ClientHost": "203.0.113.20", "RequestMethod": "POST", "RequestPath": "/oauth2/callback/saml",
                      "DownstreamStatus": 302, "OriginStatus": 302, "RouterName": "sonar@docker",
                      "time": "2026-03-03T10:00:03Z", "StartUTC": "2026-03-03T10:00:03Z"})


def _records(tmp_path: Path, text: str | bytes, name: str = "in.log"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    parser = detect(read_head(str(path)))
    return parser, list(parse_file(str(path), timezone.utc, parser)) if parser else []


def _events(records) -> list:
    return [r for r in records if isinstance(r, LogEvent)]


# --- JSON lines nested past json's limit: the next line is still read ----------------------------------------

def _deep(mark: str, depth: int = 10_000) -> str:
    return '{"logger":"http.log.access.x",' + mark + ',"x":' + '{"a":' * depth + "1" + "}" * depth + "}"


@pytest.mark.parametrize("reader, good, mark", [
    (caddy, CADDY, '"request":{"uri":"/oauth2/callback/saml"},"status":302'),
    (traefik, TRAEFIK, '"RequestPath":"/oauth2/callback/saml","DownstreamStatus":302'),
], ids=["caddy", "traefik"])
def test_a_line_nested_10000_deep_is_no_crash_and_the_next_line_is_read(tmp_path, reader, good, mark):
    """Fails on the old code: json.loads raised RecursionError (no ValueError) out of the reader, the
    whole file an internal error and its good lines lost."""
    parser, records = _records(tmp_path, _deep(mark) + "\n" + good + "\n")
    assert parser is reader.PARSER
    assert len(_events(records)) == 1, records


# --- SIEM records nested in themselves: no exponential unwrapping -------------------------------------------

def _splunk_nested(depth: int) -> str:
    """Splunk export records whose `result` holds `result` `depth` deep beside its `_raw`."""
    inner = '{"result":' * depth + "{}" + "}" * depth
    raw = json.dumps(HAPROXY)
    return "".join('{"preview":false,"result":{"_raw":%s,"_time":"2026-03-03T10:00:0%d.000+00:00","host":"n1",'
                   '"result":%s}}\n' % (raw, i, inner) for i in range(2))


def test_a_splunk_record_nested_500_deep_is_read(tmp_path):
    """Fails (hangs) on the old code: _inner_of asked each nested `result` twice (strongly, then
    weakly): 2**500 calls for an 11 kB file."""
    parser, records = _records(tmp_path, _splunk_nested(500))
    assert parser is not None
    assert len(_events(records)) == 2, records


def test_unwrapping_nested_records_grows_linearly():
    """Fails on the old code (2**24 calls against 2**6)."""
    def make(depth):
        obj: dict = {"_raw": "x", "_time": "2026-03-03T10:00:00Z"}
        for _ in range(depth):
            obj = {"result": obj}
        return obj

    assert_linear(lambda obj: wrapped._inner_of(obj, True), make, 6)
    assert wrapped._inner_of(make(3), True) == ("x", "2026-03-03T10:00:00Z")


def test_a_host_nested_past_the_limit_is_no_host():
    obj: dict = {"host": "n1"}
    for _ in range(5_000):
        obj = {"result": obj}
    assert wrapped._host_of(obj) is None
    assert wrapped._host_of({"result": {"_source": {"host": {"name": "n1"}}}}) == "n1"


# --- wrapped._in_order: memory bounded by records too --------------------------------------------------------

def test_an_export_of_many_tiny_records_is_not_all_held(monkeypatch):
    """Fails on the old code: only the characters counted, so a million one-character records (no
    more than 1 MB of text) were all held, some 650 MB. Past the bound the records pass as listed."""
    monkeypatch.setattr(wrapped, "MAX_ORDERED_RECORDS", 1000, raising=False)
    held = []

    def records(n):
        for i in range(n):
            held.append(i)
            yield i, "x", f"2026-03-03T10:00:{59 - i % 60:02d}Z", (("host", f"h{i % 2}"), False)

    out = wrapped._in_order(records(5000), timezone.utc)
    first = next(out)
    assert len(held) <= 1002, len(held)  # (not the whole export before its first record)
    assert [first[0]] + [got[0] for got in out] == list(range(5000))


def test_times_out_of_range_keep_an_export_in_order():
    """Year 0 and 9999, negative epochs, NaN, a 100,000-digit number, a bool: no crash, each record once."""
    values = [float("nan"), float("inf"), 1e400, -1e20, 10 ** 400, -62135596801, "0000-01-01T00:00:00Z",
              "9999-12-31T23:59:59Z", "9999-12-31T23:59:59-14:00", True, [1], {"a": 1}, "", "NaN", -1, "1" * 100_000]
    records = [(i, "line", v, (("host", f"h{i % 3}"), False)) for i, v in enumerate(values)]
    got = list(wrapped._in_order(iter(records), timezone.utc))
    assert sorted(r[0] for r in got) == list(range(len(values)))


# --- HAProxy: a line cut at its `log ... len` (1024 bytes by default) -----------------------------------------

def test_a_haproxy_line_cut_in_its_request_is_still_read(tmp_path):
    """Fails on the old code: a line cut by HAProxy's `log <target> len <length>` (1024 by default) or
    syslog's limit has no closing quote, and the whole request (a long redirect URL's) was lost."""
    long = HAPROXY.replace("?return_to=%2F", "?return_to=%2F" + "%2Fx" * 400)
    syslog = "Mar  3 10:00:05 lb1 haproxy[1234]: "
    parser, records = _records(tmp_path, syslog + HAPROXY + "\n" + (syslog + long)[:1024] + "\n")
    assert parser is not None and parser.name.endswith("haproxy-http"), parser
    assert len(_events(records)) == 2, records
    cut_in_method = HAPROXY.replace('"GET /sessions/init/saml?return_to=%2F HTTP/1.1"', '"GE')
    assert haproxy.read(1, cut_in_method) is None
