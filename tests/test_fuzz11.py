"""Fuzzing round 11: the code added with the captures' HTTP Date headers (serverclock, har.date_sample
and on_server_time, httpraw.saz_timings, the balancers' sticky cookies) and the new log readers, under
seeded hostile input: Dates of every form and of years 0001-9999, timings of every type, F5 cookies of
every shape, one host's Dates scattered over thousands of groups; gosaml2 apps' and app logs' lines
cut, quoted and long; gzip/bz2/xz members cut at every offset; pastes of many roots side by side.
Every input is one result (never internal-error), in linear time, in every format with --redact, and
`scan` writes the same bytes with one and two jobs.
"""
from __future__ import annotations

import bz2
import copy
import gzip
import json
import lzma
import random
import re
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.inputs import har
from samlscan.inputs.httpraw import saz_timings
from samlscan.inputs.serverclock import BEHIND, f5_member, http_date, sticky_node
from test_jobsdiff29 import _scan
from growth_util import cpu_seconds

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
AHEAD = FIXTURES / "captures" / "chrome-browser-clock-ahead.har"
GOAPPS = Path(__file__).resolve().parent / "data" / "goapps"
FORMATS = ("table", "json", "jsonl", "csv", "sarif", "html")
T0 = datetime(2025, 3, 11, 8, 40, 59, tzinfo=timezone.utc)


def _json(*args: str) -> dict:
    res = CliRunner().invoke(main, [*args, "--format", "json", "--fail-on", "never"])
    assert res.exit_code == 0, res.output[-1500:]
    return json.loads(res.stdout)


def _internal(doc: dict) -> list[str]:
    return [f["message_text"] for f in doc["input_findings"] if f["code"] == "internal-error"]


def _with_dates(dates) -> dict:
    """The browser-clock-ahead capture with each entry's Date set by dates(index, entry)."""
    doc = json.loads(AHEAD.read_text())
    for i, entry in enumerate(doc["log"]["entries"]):
        for h in entry["response"]["headers"]:
            if h["name"].lower() == "date":
                h["value"] = dates(i, entry)
    return doc


# --- HTTP Dates ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("date", ["Fri, 31 Dec 9999 23:59:59 GMT", "Fri, 31 Dec 9999 23:59:59 -2359",
                                  "Thu, 30 Dec 9999 00:00:00 +0000"])
def test_a_capture_whose_servers_say_year_9999_is_read(tmp_path, date):
    """Servers agreeing on a Date of 9999 moved the browser's times by 7,974 years: OverflowError in
    on_server_time, internal-error and the whole capture lost. Such a Date is a placeholder
    (model.USABLE_TIMES), no clock."""
    path = tmp_path / "c.har"
    path.write_text(json.dumps(_with_dates(lambda i, e: date)))
    doc = _json("check", str(path))
    assert not _internal(doc) and doc["messages"]
    assert "browser-clock-off" not in {f["code"] for f in doc["input_findings"]}


def test_times_the_servers_clock_would_move_out_of_range_are_no_times(tmp_path):
    """Dates in range, but entries centuries apart: the offset the agreeing hosts set moves another
    entry's time past year 1. That time is no usable time, not a crash."""
    doc = _with_dates(lambda i, e: "Mon, 01 Jan 1001 00:00:00 GMT")
    for e in doc["log"]["entries"]:
        e["startedDateTime"] = "8999-01-01T00:00:00.000Z" if "static" in e["request"]["url"] else \
            "1001-01-01T00:00:00.000Z"
        if "static" not in e["request"]["url"]:
            e["response"]["headers"] = [h for h in e["response"]["headers"] if h["name"].lower() != "date"]
    doc["log"]["entries"].append(copy.deepcopy(doc["log"]["entries"][-1]))
    doc["log"]["entries"][-1]["request"]["url"] = "https://cdn.example.org/x.js"
    path = tmp_path / "c.har"
    path.write_text(json.dumps(doc))
    cap = har.read(str(path))
    assert "browser-clock-off" in {p.code for p in cap.problems}
    assert not _internal(_json("check", str(path)))


_DATE_SHAPES = (
    lambda t, r: format_datetime(t, usegmt=True),
    lambda t, r: t.strftime("%A, %d-%b-%y %H:%M:%S GMT"),
    lambda t, r: t.strftime("%a %b %e %H:%M:%S %Y"),
    lambda t, r: t.strftime("%a, %d %b %Y %H:%M:%S ") + r.choice(["+2359", "-2359", "+9999", "EST", "XYZ", "", "-0000"]),
    lambda t, r: t.strftime("%a, %d %b ") + r.choice(["0001", "0000", "9999", "10000", "-5", "99999999999"]) + " 00:00:00 GMT",
    lambda t, r: r.choice(["", " ", "0", "GMT", "Mon, 32 Jan 2020 00:00:00 GMT", "Mon, 01 Jan 2020 24:61:61 GMT",
                           "\x00", "Mon," * 40, "1" * 200, "Mon, 01 Foo 2020 00:00:00 GMT"]),
)
_TIMES = (-1, -1e300, 1e300, 0, 0.5, 10, 1e9, "12", "NaN", None, True, [], {}, -0.0)


def _hostile_capture(rng: random.Random, entries: int = 40) -> dict:
    doc = json.loads(AHEAD.read_text())
    pool = doc["log"]["entries"]
    out = []
    for i in range(entries):
        e = copy.deepcopy(rng.choice(pool))
        t = T0 + timedelta(seconds=rng.randrange(-10 ** 7, 10 ** 7))
        for h in e["response"]["headers"]:
            if h["name"].lower() == "date":
                h["value"] = rng.choice(_DATE_SHAPES)(t, rng)
        e["time"] = rng.choice(_TIMES)
        e["timings"] = rng.choice([{k: rng.choice(_TIMES) for k in ("blocked", "dns", "connect", "send", "wait")},
                                   None, 3, "x", {"send": 1e308, "wait": 1e308}])
        e["response"]["headers"].append({"name": "Set-Cookie", "value": _sticky(rng) + "; Path=/"})
        e["request"]["headers"].append({"name": "Cookie", "value": _sticky(rng)})
        e["request"]["url"] = e["request"]["url"].replace(".example", f"{rng.randrange(3)}.example", 1)
        out.append(e)
    doc["log"]["entries"] = pool + out
    return doc


def _sticky(rng: random.Random) -> str:
    name = rng.choice(["SERVERID", "ROUTEID", "route", "BIGipServerpool", "BIGipServer~Common~p", "AWSALB"])
    value = rng.choice([
        f"{rng.randrange(2 ** 33)}.{rng.randrange(2 ** 17)}.0000", f"{rng.randrange(2 ** 32)}.{rng.randrange(2 ** 16)}.0000",
        f"rd{rng.randrange(10 ** 6)}o{rng.randbytes(16).hex()}o{rng.randrange(10 ** 6)}",
        f"vi{rng.randbytes(16).hex()}.{rng.randrange(10 ** 6)}", f"vi{rng.randbytes(15).hex()}.1",
        "!" + rng.randbytes(30).hex(), "", '""', "|||", ".", "a" * 500, "s1|" + "x" * 90])
    return f"{name}={value}"


@pytest.mark.parametrize("seed", range(8))
def test_a_capture_of_hostile_dates_timings_and_cookies_is_read(tmp_path, seed):
    rng = random.Random(seed)
    path = tmp_path / "c.har"
    path.write_text(json.dumps(_hostile_capture(rng)))
    cap = har.read(str(path))
    assert all(len(p.detail) < 2000 for p in cap.problems)


@pytest.mark.parametrize("seed", range(4))
def test_f5_cookies_and_sticky_nodes_of_every_shape(seed):
    rng = random.Random(seed)
    for _ in range(500):
        value = _sticky(rng).split("=", 1)[1]
        member = f5_member(value)
        assert member == "" or ":" in member
        assert len(sticky_node([("SERVERID", value), ("BIGipServerp", value)])) <= 80


@pytest.mark.parametrize("seed", range(4))
def test_saz_timers_of_every_shape_are_timings_or_none(seed):
    """SessionTimers of a hand-edited or foreign .saz: years 0001/9999, zones past a day, 20 digits
    of fraction, out of order: timings or {} (har.clock._server_window then ignores them)."""
    rng = random.Random(seed)
    names = ("ClientBeginRequest", "FiddlerBeginRequest", "ServerGotRequest", "ServerBeginResponse", "ClientDoneResponse")
    shapes = ("0001-01-01T00:00:00", "9999-12-31T23:59:59.9999999+14:00", "2025-03-11T08:00:00.1234567890123456789-05:00",
              "2025-03-11T08:00:00Z", "2025-13-11T08:00:00+01:00", "", "x", "2025-03-11T08:00:00+24:00",
              "0001-01-01T00:00:00-01:00")
    for _ in range(300):
        meta = "<SessionTimers " + " ".join(f'{n}="{rng.choice(shapes)}"' for n in names) + " />"
        got = saz_timings(meta)
        assert got == {} or (got["time"] >= 0 and all(v >= 0 for v in got["timings"].values()))


# --- one host's Dates in many groups -----------------------------------------------------------------

def _scattered(n: int, seed: int = 0) -> dict:
    """The SP's login page answered n times, each Date days away from the last: as many groups of
    Dates behind sonar.example.com, each one 'off'."""
    rng = random.Random(seed)
    doc = json.loads(AHEAD.read_text())
    init = next(e for e in doc["log"]["entries"] if "sessions/init" in e["request"]["url"])
    for i in range(n):
        e = copy.deepcopy(init)
        e["request"]["url"] += f"&i={i}"
        for h in e["response"]["headers"]:
            if h["name"].lower() == "date":
                h["value"] = format_datetime(T0 + timedelta(seconds=rng.randrange(-10 ** 6, 10 ** 6)), usegmt=True)
        doc["log"]["entries"].append(e)
    return doc


def test_a_host_of_thousands_of_clocks_is_one_bounded_finding_in_linear_time(tmp_path):
    """server-clock-off said 'the clock of one of the servers behind sonar.example.com is ...' once for
    each group of Dates (936 KB for 5,000), and on_server_time compared each group with every
    exchange (quadratic). The finding names each server once, with the range of its nodes' offsets."""
    took = {}
    for n in (500, 5000):
        path = tmp_path / f"c{n}.har"
        path.write_text(json.dumps(_scattered(n)))
        start = cpu_seconds()
        cap = har.read(str(path))
        took[n] = cpu_seconds() - start
        (said,) = [p.detail for p in cap.problems if p.code == "server-clock-off"]
        assert len(said) < 400 and said.count("sonar.example.com") == 2, said
        assert re.search(r"^the clocks of \d+ of the servers behind sonar\.example\.com are .+ behind to .+ ahead of", said)
    assert took[5000] < 25 * took[500] + 0.5, took


def test_each_node_behind_a_host_keeps_its_own_offset(tmp_path):
    """Two nodes behind the SP off differently (no cookie names them): both are 'one of the servers
    behind sonar.example.com', and the ACS POST took the offset of whichever came last (3 h), not
    its own (5 min) -- sp-clock-skew would have said the wrong amount."""
    def dates(i, e):
        url = e["request"]["url"]
        shift = timedelta(hours=3) if "/js/" in url else timedelta(minutes=-5) if ("callback" in url or "init" in url) \
            else timedelta(0)
        return format_datetime(har.parse_time(e["startedDateTime"]) - timedelta(minutes=12) + shift, usegmt=True)
    path = tmp_path / "c.har"
    path.write_text(json.dumps(_with_dates(dates)))
    cap = har.read(str(path))
    (acs,) = [ex for ex in cap.exchanges if ex.leg == "acs-post"]
    assert acs.server == BEHIND + "sonar.example.com"
    assert abs(acs.clock_off - timedelta(minutes=-5)) < timedelta(seconds=5), acs.clock_off


# --- logs, archives, pastes: a folder of hostile files -----------------------------------------------

def _logfmt(rng: random.Random) -> str:
    value = rng.choice(['"unclosed', '"esc \\" \\\\ \\', "x" * 1_000_000, '"' + "\\\"" * 2000, "=", '""', "a=b=c"])
    return (f"logger=authn.service t=2025-03-11T08:41:02Z level=error msg=\"Failed to verify SAML\" "
            f"error=\"error validating response: {rng.choice(['Could not verify certificate against trusted certs', 'x'])}\" "
            f"k={value}\n")


def _hostile_folder(tmp: Path, seed: int) -> Path:
    rng = random.Random(seed)
    d = tmp / "in"
    d.mkdir()
    (d / "dates.har").write_text(json.dumps(_hostile_capture(rng, 20)))
    (d / "y9999.har").write_text(json.dumps(_with_dates(lambda i, e: "Fri, 31 Dec 9999 23:59:59 GMT")))
    (d / "grafana.log").write_text("".join(_logfmt(rng) for _ in range(3)))
    (d / "aspnet.log").write_text("fail: Sustainsys.Saml2.AspNetCore2.Saml2Handler[0]\n" + "      at x\n" * 5000)
    (d / "php.log").write_text("".join(
        f"[14-Apr-2026 08:14:40 {z}] PHP Fatal error:  Uncaught SimpleSAML\\Error\\Exception: Reference validation failed\n"
        for z in ("Europe/Paris", "Mars/Olympus", "UTC", "+99:99", "", "Etc/GMT+14")))
    (d / "serilog.log").write_text("2026-04-14 08:14:40.123 +99:00 [ERR] Saml2 response validation failed\n" * 3)
    for f in sorted(GOAPPS.glob("*.log")):
        text = f.read_bytes()
        (d / f"cut-{f.name}").write_bytes(text[: rng.randrange(1, len(text))])
    log = (FIXTURES / "logs" / "sonarqube" / "web-javasaml.log").read_bytes()
    for name, pack in (("gz", gzip.compress), ("bz2", bz2.compress), ("xz", lzma.compress)):
        whole = pack(log)
        (d / f"web-cut.log.{name}").write_bytes(whole[: rng.randrange(1, len(whole))])
    (d / "multi.log.gz").write_bytes(gzip.compress(log) + gzip.compress(log) + rng.randbytes(rng.randrange(1, 64)))
    resp = (FIXTURES / "responses" / "defects" / "assertion-expired.xml").read_text()
    body = resp[resp.index("<samlp:Response"):] if "<samlp:Response" in resp else resp
    (d / "roots.xml").write_text((body + "\n") * 300)
    (d / "undefined.xml").write_text(body + "<saml:Assertion ID='x'/>" * 300)
    return d


@pytest.mark.parametrize("seed", range(2))
def test_a_folder_of_hostile_inputs_is_accounted_for_in_every_format(tmp_path, monkeypatch, seed):
    """Each --jobs scans the folder twice, not once a format: HTML's scan (it keeps the XML), and JSON's,
    whose report is rendered with --redact in every other format as the CLI renders it
    (test_jobsdiff29._scan: it checks that the rendering is the bytes the CLI printed, and no traceback)."""
    folder = _hostile_folder(tmp_path, seed)
    names = sorted(p.name for p in folder.iterdir())
    outputs = {}
    for jobs in (1, 2):
        at = ("--at", "2025-03-11T08:45:00Z")
        html, _ = _scan(folder, "html", jobs, monkeypatch, "--redact", *at)
        _, printed = _scan(folder, "json", jobs, monkeypatch, *at)
        outputs.update({(fmt, jobs): printed[fmt, True] for fmt in FORMATS if fmt != "html"})
        outputs["html", jobs] = html
    for fmt in FORMATS:
        assert outputs[fmt, 1] == outputs[fmt, 2], fmt
    doc = json.loads(outputs["json", 1])
    assert not _internal(doc), _internal(doc)
    seen = {Path(i["path"]).name.split("!")[0] for i in doc["inputs"]}
    assert set(names) <= seen, set(names) - seen
