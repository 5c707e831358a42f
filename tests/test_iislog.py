"""IIS's W3C extended access log (samlscan/logs/iislog.py): every '#Fields' layout, passing and
failing lines, several blocks a file, sniffing by content, and the prefilter on a big file."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from samlscan.logs import detect, iislog, sqaccess
from samlscan.model import LogEvent
from samlscan.prefilter import _prefilter_for, prefiltered_lines
from growth_util import FLOOR, cpu_seconds

EDGE = "Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)+AppleWebKit/537.36+(KHTML,+like+Gecko)+Chrome/131.0.0.0+Safari/537.36+Edg/131.0.0.0"
HEAD = ("#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Date: 2026-11-25 08:00:00\n")
DEFAULT = "#Fields: " + " ".join(iislog.DEFAULT_FIELDS)
VALUES = {"date": "2026-11-25", "s-ip": "10.20.0.4", "s-port": "443", "cs-username": "-",
          "cs(Referer)": "https://adfs.corp.example/", "sc-substatus": "0", "sc-win32-status": "0",
          "time-taken": "31", "cs(User-Agent)": EDGE, "cs-uri-query": "-", "s-sitename": "W3SVC2",
          "s-computername": "WEB01", "cs-host": "sonar.corp.example", "cs-version": "HTTP/2",
          "sc-bytes": "412", "cs-bytes": "9120", "X-Forwarded-For": "-"}


def entry(fields: tuple[str, ...], t: str, ip: str, method: str, stem: str, status: int, **more: str) -> str:
    own = {"time": t, "c-ip": ip, "cs-method": method, "cs-uri-stem": stem, "sc-status": str(status), **more}
    return " ".join(own.get(f, VALUES.get(f, "-")) for f in fields)


def login(fields: tuple[str, ...], ip: str, ok: bool, at: str = "08:01") -> list[str]:
    lines = [entry(fields, at + ":02", ip, "GET", "/sessions/init/saml", 302, **{"cs-uri-query": "return_to=%2F"}),
             entry(fields, at + ":05", ip, "POST", "/oauth2/callback/saml", 302),
             entry(fields, at + ":05", ip, "GET", "/" if ok else "/sessions/unauthorized", 200)]
    return lines


def events(text: str) -> list[LogEvent]:
    numbered = list(enumerate(text.splitlines(), 1))
    return [e for e in iislog.PARSER.parse(numbered, "u_ex261125.log", timezone.utc) if isinstance(e, LogEvent)]


def callbacks(text: str) -> list[tuple[str, str, str]]:
    return [(e.time.strftime("%H:%M:%S"), e.ip, e.outcome) for e in events(text) if "callback" in e.text]


LAYOUTS = [
    iislog.DEFAULT_FIELDS,
    # IIS 6/7's older default (no sc-substatus first, no time-taken)
    ("date", "time", "s-sitename", "s-ip", "cs-method", "cs-uri-stem", "cs-uri-query", "s-port", "cs-username",
     "c-ip", "cs(User-Agent)", "sc-status", "sc-substatus", "sc-win32-status"),
    # every field ticked, in IIS Manager's order, plus a custom X-Forwarded-For (unset: '-')
    ("date", "time", "s-sitename", "s-computername", "s-ip", "cs-method", "cs-uri-stem", "cs-uri-query", "s-port",
     "cs-username", "c-ip", "cs-version", "cs(User-Agent)", "cs(Referer)", "cs-host", "sc-status", "sc-substatus",
     "sc-win32-status", "sc-bytes", "cs-bytes", "time-taken", "X-Forwarded-For"),
    # the bare minimum, in another order
    ("time", "c-ip", "sc-status", "date", "cs-uri-stem"),
]


@pytest.mark.parametrize("fields", LAYOUTS, ids=["default", "iis7", "all", "minimum"])
def test_each_fields_layout_reads_a_failed_and_a_good_login(fields):
    text = HEAD + "#Fields: " + " ".join(fields) + "\n" + "\n".join(
        login(fields, "198.51.100.7", ok=False) + login(fields, "198.51.100.8", ok=True, at="08:03")
        + [entry(fields, "08:09:00", "198.51.100.9", "GET", "/sessions/init/saml", 302)]) + "\n"
    assert iislog.PARSER.sniff(text)
    assert callbacks(text) == [("08:01:05", "198.51.100.7", "failure"), ("08:03:05", "198.51.100.8", "success")]
    starts = [e for e in events(text) if "started" in e.text]
    assert [e.time for e in starts][:2] == [datetime(2026, 11, 25, 8, 1, 2, tzinfo=timezone.utc),
                                             datetime(2026, 11, 25, 8, 3, 2, tzinfo=timezone.utc)]


def test_the_times_are_utc_whatever_zone_the_scan_is_given():
    from zoneinfo import ZoneInfo

    fields = iislog.DEFAULT_FIELDS
    text = HEAD + DEFAULT + "\n" + "\n".join(login(fields, "198.51.100.7", ok=False)) + "\n"
    numbered = list(enumerate(text.splitlines(), 1))
    got = [e for e in iislog.PARSER.parse(numbered, "u.log", ZoneInfo("Europe/Paris")) if isinstance(e, LogEvent)]
    assert got[0].time == datetime(2026, 11, 25, 8, 1, 2, tzinfo=timezone.utc)


def test_a_second_fields_block_decides_the_lines_below_it():
    """IIS writes its directives again after a restart or a change of the logged fields."""
    other = ("time", "date", "cs-method", "c-ip", "cs-uri-stem", "sc-status", "cs(User-Agent)")
    text = (HEAD + DEFAULT + "\n" + "\n".join(login(iislog.DEFAULT_FIELDS, "198.51.100.7", ok=True)) + "\n"
            + HEAD.replace("08:00:00", "09:00:00") + "#Fields: " + " ".join(other) + "\n"
            + "\n".join(login(other, "198.51.100.8", ok=False, at="09:01")) + "\n")
    assert callbacks(text) == [("08:01:05", "198.51.100.7", "success"), ("09:01:05", "198.51.100.8", "failure")]


def test_a_logged_x_forwarded_for_names_the_browser_behind_another_proxy():
    fields = LAYOUTS[2]
    lines = [entry(fields, "08:01:05", "10.20.0.1", "POST", "/oauth2/callback/saml", 302,
                   **{"X-Forwarded-For": "203.0.113.50,10.20.0.1"}),
             entry(fields, "08:01:05", "10.20.0.1", "GET", "/sessions/unauthorized", 200,
                   **{"X-Forwarded-For": "203.0.113.50,10.20.0.1"})]
    text = HEAD + "#Fields: " + " ".join(fields) + "\n" + "\n".join(lines) + "\n"
    assert callbacks(text) == [("08:01:05", "203.0.113.50", "failure")]


def test_the_user_agent_tells_two_browsers_behind_one_address_apart():
    fields = iislog.DEFAULT_FIELDS
    firefox = "Mozilla/5.0+(Windows+NT+10.0;+rv:133.0)+Gecko/20100101+Firefox/133.0"
    lines = [entry(fields, "08:01:05", "198.51.100.7", "POST", "/oauth2/callback/saml", 302),
             entry(fields, "08:01:05", "198.51.100.7", "GET", "/sessions/unauthorized", 200,
                   **{"cs(User-Agent)": firefox}),
             entry(fields, "08:01:30", "198.51.100.9", "GET", "/sessions/init/saml", 302)]
    text = HEAD + DEFAULT + "\n" + "\n".join(lines) + "\n"
    assert callbacks(text) == [("08:01:05", "198.51.100.7", "success")]


@pytest.mark.parametrize("line", [
    # one field short, one too many
    "2026-11-25 08:01:05 10.20.0.4 POST /oauth2/callback/saml - 443 - 198.51.100.7 - 302 0 0 31",
    "2026-11-25 08:01:05 10.20.0.4 POST /oauth2/callback/saml - 443 - 198.51.100.7 UA - 302 0 0 31 9",
    # a date that is none, a status that is none, no client
    "2026-11-31 08:01:05 10.20.0.4 POST /oauth2/callback/saml - 443 - 198.51.100.7 UA - 302 0 0 31",
    "2026-11-25 08:01:05 10.20.0.4 POST /oauth2/callback/saml - 443 - 198.51.100.7 UA - 3o2 0 0 31",
    "2026-11-25 08:01:05 10.20.0.4 POST /oauth2/callback/saml - 443 - - UA - 302 0 0 31",
    "",
    "\x00\x01 garbage",
])
def test_a_line_that_does_not_fit_its_fields_is_no_request(line):
    assert iislog.read_entry(5, line, iislog.DEFAULT_FIELDS) is None
    assert callbacks(HEAD + DEFAULT + "\n" + line + "\n") == []


def test_fields_without_a_time_or_a_client_read_no_request():
    fields = ("date", "cs-uri-stem", "sc-status", "c-ip")
    assert iislog.read_entry(5, "2026-11-25 /oauth2/callback/saml 302 198.51.100.7", fields) is None


@pytest.mark.parametrize("head, ok", [
    (HEAD + DEFAULT + "\n", True),
    ("\ufeff" + DEFAULT + "\n", True),
    ("#Fields: date time c-ip cs-uri-stem sc-status\n", True),
    # not W3C's access log: the Fields of another log (HTTP.sys's error log has no URI stem), or a
    # text that quotes a directive after other lines
    ("#Software: Microsoft HTTP API 2.0\n#Version: 1.0\n#Fields: date time c-ip c-port s-ip s-port cs-version "
     "cs-method cs-uri streamid sc-status s-siteid s-reason s-queuename\n", False),
    ("How to read IIS logs:\n" + DEFAULT + "\n", False),
    ('198.51.100.7 - - [25/Nov/2026:08:01:05 +0000] "POST /oauth2/callback/saml HTTP/1.1" 302 0\n', False),
])
def test_it_is_sniffed_by_its_directives(head, ok):
    assert iislog.PARSER.sniff(head) is ok


def test_detect_picks_it_for_an_iis_log():
    assert detect(HEAD + DEFAULT + "\n" + "\n".join(login(iislog.DEFAULT_FIELDS, "198.51.100.7", True))) \
        is iislog.PARSER


def _big(tmp_path, n: int):
    fields = iislog.DEFAULT_FIELDS
    noise = entry(fields, "08:00:30", "10.1.4.20", "GET", "/api/issues/search", 200,
                  **{"cs-uri-query": "ps=1"}) + "\n"
    path = tmp_path / "u_ex261125.log"
    with open(path, "w") as fh:
        fh.write(HEAD + DEFAULT + "\n")
        fh.write(noise * n)
        fh.write("\n".join(login(fields, "198.51.100.7", ok=False)) + "\n")
        fh.write(noise.replace("08:00:30", "08:05:00") * n)
    return path


def _prefiltered(path):
    pf = _prefilter_for(iislog.PARSER)
    counter = [0]
    with open(path, "rb") as fh:
        kept = list(prefiltered_lines(fh, 0, path.stat().st_size, pf, counter))
    return kept, counter[0]


def test_a_big_file_hands_the_reader_only_its_fields_and_saml_lines(tmp_path):
    path = _big(tmp_path, 5000)
    kept, lines = _prefiltered(path)
    # (and the log's last lines, whatever they hold: they decide its last callback, sqaccess.TAIL_LINES)
    tail = list(range(lines - sqaccess.TAIL_LINES + 1, lines + 1))
    assert lines == 10007 and [no for no, _ in kept] == [4, 5005, 5006, 5007] + tail
    assert [e.outcome for e in iislog.PARSER.parse(kept, str(path), timezone.utc) if "callback" in e.text] \
        == ["failure"]


def test_the_prefilter_takes_linear_time(tmp_path):
    """Four times the lines cost about four times as long (never the square: 16). Sizes past the
    CPU caches: 10,000 lines (5 MB) took 2 ms where 100,000 took 60 (28x) and 400,000 240 (4x)."""
    def took(n: int) -> float:
        path = _big(tmp_path, n)
        best = float("inf")
        for _ in range(3):
            t0 = cpu_seconds()
            kept, _ = _prefiltered(path)
            best = min(best, cpu_seconds() - t0)
        assert len(kept) == 4 + sqaccess.TAIL_LINES
        return best

    small, large = took(40_000), took(160_000)
    assert large < small * 10 + FLOOR, (small, large)


def test_a_range_cut_past_its_fields_line_reads_iis_default_layout_only():
    """A big file's later range (batch._ranges) starts after the '#Fields' line: lines with as
    many fields as IIS's default are read so; others wait for the next '#Fields'."""
    default = "\n".join(login(iislog.DEFAULT_FIELDS, "198.51.100.7", ok=False))
    other = ("time", "date", "c-ip", "cs-uri-stem", "sc-status")
    assert callbacks(default + "\n") == [("08:01:05", "198.51.100.7", "failure")]
    assert callbacks("\n".join(login(other, "198.51.100.7", ok=False)) + "\n") == []
