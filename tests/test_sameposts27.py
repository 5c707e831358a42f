"""clocks27: one POST captured twice on two clocks is one use; a POST sent again is a replay.

Two captures of one login are one POST when their exchanges are at the same moment (engine.
SAME_POST_SECONDS); on two clocks (a laptop 40 s off beside a capture on a right one, or one HAR set
right by its HTTP Date headers beside its sanitized copy that was not) the shared AuthnRequest measures
the difference (capture_clocks.capture_shifts), and the POST at that same difference is the same POST
(before: two uses, a false assertion-replayed, two attempts). A POST sent again (Back) minutes later,
or at another difference than the AuthnRequest's, stays a replay. Captures are built here with
fixtures/gen_captures.py around the signed okta.xml fixture (nothing signed or changed)."""
from __future__ import annotations

import copy
import json
import sys
from datetime import datetime, timedelta
from pathlib import Path

from samlscan.capture_clocks import capture_shifts
from samlscan.config import build
from samlscan.correlate import correlate
from samlscan.engine import analyze

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIXTURES))
import gen_captures as gc  # noqa: E402

REQ = (b'<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_req27" '
       b'Version="2.0" IssueInstant="2025-03-11T08:40:57Z"/>')
OKTA = (FIXTURES / "responses/valid/okta.xml").read_bytes()
POST = 4  # the POST's index in gen_captures.chrome_har's entries (two assets, init, IdP, POST, result)


def _login() -> dict:
    doc = gc.chrome_har(REQ, OKTA)
    assert doc["log"]["entries"][POST]["request"]["method"] == "POST"
    return doc


def _moved(doc: dict, seconds: float, start: int = 0) -> dict:
    """`doc` with its entries from `start` on stamped `seconds` later (its clock, or the user's delay)."""
    out = copy.deepcopy(doc)
    for e in out["log"]["entries"][start:]:
        t = datetime.fromisoformat(e["startedDateTime"].replace("Z", "+00:00")) + timedelta(seconds=seconds)
        e["startedDateTime"] = t.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return out


def _run(tmp_path, **docs: dict):
    for name, doc in docs.items():
        (tmp_path / f"{name}.har").write_text(json.dumps(doc))
    report = analyze([str(tmp_path / f"{n}.har") for n in docs], build({}, FIXTURES / "config/default.toml"))
    replays = [f for f in report.all_findings() if f.code == "assertion-replayed"]
    return report, replays


def test_one_login_captured_on_a_clock_40_s_off_is_one_post_and_one_attempt(tmp_path):
    report, replays = _run(tmp_path, user=_login(), desk=_moved(_login(), 40))
    assert replays == []
    assert len(correlate(report).attempts) == 1
    shifts = capture_shifts(report.messages)
    lead = shifts.get(str(tmp_path / "desk.har"), timedelta(0)) - shifts.get(str(tmp_path / "user.har"), timedelta(0))
    assert lead == timedelta(seconds=40)


def test_a_har_set_right_by_its_dates_and_its_sanitized_copy_are_one_post(tmp_path):
    """The browser 40 s ahead: the whole HAR is moved onto the servers' clock (browser-clock-off),
    its copy without Date headers keeps the browser's times."""
    entries = gc.noise(-1, 2) + gc.attempt(REQ, OKTA, "b10c4a4e12345678", 0, result="/projects") + gc.cdn_assets(0.3, 3)
    whole = gc.har(gc.with_server_dates(entries, browser_ahead=timedelta(seconds=40)))
    bare = copy.deepcopy(whole)
    for e in bare["log"]["entries"]:
        e["response"]["headers"] = [h for h in e["response"]["headers"] if h["name"] != "Date"]
    report, replays = _run(tmp_path, whole=whole, bare=bare)
    assert "browser-clock-off" in {f.code for f in report.all_findings()}
    assert replays == []
    assert len(correlate(report).attempts) == 1


def test_a_back_button_re_post_minutes_later_stays_a_replay(tmp_path):
    """The second capture holds the POST sent again 5 min later, and no AuthnRequest: nothing says
    its clock is off, so the 5 min are the user's."""
    again = _moved(_login(), 300, POST)
    again["log"]["entries"] = again["log"]["entries"][POST:]
    report, replays = _run(tmp_path, first=_login(), again=again)
    assert len(replays) == 1 and replays[0].source.input.endswith("again.har")
    assert len(correlate(report).attempts) == 2


def test_a_post_at_another_difference_than_the_authnrequests_stays_a_replay(tmp_path):
    """The desk's capture runs 40 s ahead (its AuthnRequest says so) but its POST of the response
    is 3 min after the user's: a POST of its own (a re-post), not the user's seen on another clock."""
    desk = _moved(_moved(_login(), 40), 140, POST)
    report, replays = _run(tmp_path, user=_login(), desk=desk)
    assert len(replays) == 1
    assert len(correlate(report).attempts) == 2


def test_captures_sharing_no_authnrequest_or_disagreeing_give_no_shift(tmp_path):
    report, _ = _run(tmp_path, user=_login(), copy=_login())
    assert capture_shifts(report.messages) == {}
