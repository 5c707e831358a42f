"""An access log read alone decides its last callback by the lines it ends with (samlscan/logs/sqaccess.py
decide(), the prefilter's kept tail: samlscan/prefilter.py Prefilter.tail): its client's next request is
the return_to page (success) or /sessions/unauthorized (failure); a log that ends right after it says
nothing (info). The same whole or in ranges, and the middle of a big log still read by its SAML-path lines
only. Traefik's kept request_X-Forwarded-For is an X-Forwarded-For, not a proxy's client."""
from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from samlscan import batch, prefilter
from samlscan.config import Expectations
from samlscan.logs import sqaccess, traefik
from samlscan.model import IP_FORWARDED, IP_PROXY

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from gen_proxies29 import _alb, _haproxy  # noqa: E402
from gen_sqaccess import access_line  # noqa: E402

T0 = datetime(2026, 3, 3, 10, 0, tzinfo=timezone.utc)
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:136.0) Gecko/20100101 Firefox/136.0"
ME, OTHER = "203.0.113.20", "198.51.100.9"


def _sonarqube(t, ip, method, target, status):
    return access_line(ip, t, f"{method} {target}", status, 0, "", UA, f"AZWb{int(t.timestamp()):016X}")


def _nginx(t, ip, method, target, status):
    return access_line(ip, t, f"{method} {target}", status, 0, "", UA, None)


LAYOUTS = {
    "sonarqube": _sonarqube,
    "nginx": _nginx,
    "haproxy": lambda t, ip, method, target, status: _haproxy(t, ip, method, target, status, False),
    "alb": lambda t, ip, method, target, status: _alb(t, ip, method, target, status, False),
}


def _log(layout: str, then: list[tuple[float, str, str, str]], noise: int = 0, start: datetime = T0) -> str:
    """Another client's `noise` page requests, a login (start, callback 302), then `then`: (seconds after
    the callback, client, method, target) of each request after it."""
    line = LAYOUTS[layout]
    rows = [line(start + timedelta(seconds=k * 0.5), OTHER, "GET", f"/api/issues/search?p={k}", 200) for k in range(noise)]
    t = start + timedelta(seconds=noise * 0.5 + 1)
    rows += [line(t, ME, "GET", "/sessions/init/saml?return_to=%2Fprojects", 302),
             line(t + timedelta(seconds=3), ME, "POST", "/oauth2/callback/saml", 302)]
    rows += [line(t + timedelta(seconds=3 + s), ip, method, target, 200) for s, ip, method, target in then]
    return "".join(rows)


def _callbacks(tmp_path, text: str, name: str = "access.log"):
    log = tmp_path / name
    log.write_text(text)
    r = batch.run_scan([str(log)], Expectations(), jobs=1)
    return [(e.source.ref, e.outcome) for e in r.events]  # (a decided one: an 'info' event is no attempt's)


PAGE = [(0.2, ME, "GET", "/projects")]
REFUSED = [(0.2, ME, "GET", "/sessions/unauthorized")]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_last_callback_is_decided_by_its_clients_next_request(tmp_path, layout):
    # another client's page and this client's web service call (another tab) are not the redirect's target
    busy = [(0.1, OTHER, "GET", "/dashboard?id=x"), (0.15, ME, "GET", "/api/ce/activity_status")]
    assert _callbacks(tmp_path, _log(layout, busy + PAGE)) == [("line 2", "success")]
    assert _callbacks(tmp_path, _log(layout, busy + REFUSED)) == [("line 2", "failure")]
    assert _callbacks(tmp_path, _log(layout, busy)) == []  # the log ends first
    assert _callbacks(tmp_path, _log(layout, [])) == []  # right after the callback


@pytest.mark.parametrize("layout", ["sonarqube", "haproxy"])
def test_a_later_line_past_the_window_of_any_path_makes_the_last_callback_a_success(tmp_path, layout):
    later = [(12, OTHER, "GET", "/api/system/status")]
    assert _callbacks(tmp_path, _log(layout, later)) == [("line 2", "success")]
    assert _callbacks(tmp_path, _log(layout, REFUSED + later)) == [("line 2", "failure")]
    assert _callbacks(tmp_path, _log(layout, [(8, OTHER, "GET", "/api/system/status")])) == []


def test_the_prefilter_keeps_the_saml_lines_and_the_logs_last_lines_only(tmp_path):
    n = 3 * sqaccess.TAIL_LINES
    text = _log("sonarqube", PAGE, noise=n) + _log("sonarqube", [], noise=n, start=T0 + timedelta(hours=1))
    log = tmp_path / "access.log"
    log.write_text(text)
    pf = prefilter.prefilters()[sqaccess.NAME]
    with open(log, "rb") as fh:
        kept = [no for no, _ in prefilter.prefiltered_lines(fh, 0, log.stat().st_size, pf, [0])]
    total = text.count("\n")
    tail = list(range(total - sqaccess.TAIL_LINES + 1, total + 1))
    assert kept == [n + 1, n + 2] + tail  # (not the first login's page, n + 3, nor the noise)
    # the first callback decided by the SAML lines past its window, as before; the last, with no request
    # after it, is no attempt's
    assert _callbacks(tmp_path, text) == [(f"line {n + 2}", "success")]


@pytest.mark.parametrize("cut_back", [1, 2, 5])
def test_a_log_read_in_ranges_decides_its_last_callback_as_the_whole(tmp_path, monkeypatch, cut_back):
    text = _log("nginx", [(0.1, OTHER, "GET", "/x"), (0.2, OTHER, "GET", "/y")] + PAGE
                + [(0.3, OTHER, "GET", "/z")], noise=40)
    log = tmp_path / "access.log"
    log.write_text(text)
    whole = _callbacks(tmp_path, text)
    assert whole == [("line 42", "success")]
    lines = text.splitlines(keepends=True)
    at = sum(len(x) for x in lines[:len(lines) - cut_back])
    monkeypatch.setattr(batch, "SPLIT_BYTES", at - 1)  # (the cut: the first line start after it)
    units = batch.plan([str(log)])
    assert len(units) >= 2 and units[1].start == at
    assert _callbacks(tmp_path, text) == whole


def _traefik(xff: str | None) -> str:
    row = {"ClientHost": "10.42.0.1", "ClientAddr": "10.42.0.1:41822", "DownstreamStatus": 302, "OriginStatus": 302,
           "RequestMethod": "POST", "RequestPath": "/oauth2/callback/saml", "RequestScheme": "https",
           "StartUTC": "2026-03-03T10:00:03.120000000Z", "entryPointName": "websecure",
           "request_User-Agent": UA}
    if xff is not None:
        row["request_X-Forwarded-For"] = xff
    return json.dumps(row)


def test_traefiks_kept_x_forwarded_for_ranks_as_one():
    r = traefik.read_json(1, _traefik("203.0.113.7, 10.0.0.1"))
    assert (r.ip, r.ip_view) == ("203.0.113.7", IP_FORWARDED)
    r = traefik.read_json(1, _traefik(None))
    assert (r.ip, r.ip_view) == ("10.42.0.1", IP_PROXY)
    r = traefik.read_json(1, _traefik(""))
    assert (r.ip, r.ip_view) == ("10.42.0.1", IP_PROXY)
    event = next(iter(traefik.PARSER.parse([(1, _traefik("203.0.113.7"))], "traefik.json", None)))
    assert (event.ip, event.ip_from) == ("203.0.113.7", IP_FORWARDED)
