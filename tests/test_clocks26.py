"""An SP clock behind read through the IdP's log (clocks._read_refusals, _set_right, _votes, _idp_lines):
Duo's authentication line comes a second BEFORE the NotBefore of the response it issues (its NotBefore
is its IssueInstant), and the IdP's login lines of the same clients, seconds before the SP's callback
lines, witness where the SP's clock was set right (or went wrong unseen). A SonarQube 2025.1 web.log
and a Duo authentication log are written here (text logs: no signature); case25's recorded HARs of
erin confirm Duo's clock (her three logins in both)."""
from __future__ import annotations

import json
import shutil
import uuid
from datetime import datetime, timedelta, timezone

from case_util import ROOT, refs, scan_case

CASE25 = ROOT / "tests" / "data" / "case25"
BEHIND = timedelta(minutes=9)
IPS = {"alice": "203.0.113.70", "bob": "203.0.113.71", "greta": "203.0.113.62", "dave": "203.0.113.72",
       "frank": "203.0.113.61", "hugo": "203.0.113.64"}


def _at(day: int, h: int, m: int, s: float) -> datetime:
    return datetime(2026, 11, day, h, m, 0, tzinfo=timezone.utc) + timedelta(seconds=s)


def _duo(t: datetime, who: str) -> dict:
    mail = f"{who}@northwind.example"
    return {"access_device": {"browser": "Chrome", "ip": IPS.get(who, "203.0.113.60")},
            "application": {"key": "DIXJ4Q8ZP3RT5W7Y9A1C", "name": "SonarQube"}, "email": mail,
            "event_type": "authentication", "factor": "duo_push", "isotimestamp": t.isoformat(),
            "reason": "user_approved", "result": "success", "timestamp": int(t.timestamp()),
            "txid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{who}{t}")), "user": {"name": mail}}


def _stamp(t: datetime) -> str:
    return f"{t:%Y.%m.%d %H:%M:%S}"


def _success(t: datetime, who: str) -> list[str]:
    rid = uuid.uuid5(uuid.NAMESPACE_URL, f"sp{who}{t}")
    return [f"{_stamp(t)} DEBUG web[{rid}][o.s.a.s.SonarqubeSaml2ResponseValidator] Saml validation errors: []",
            f"{_stamp(t)} DEBUG web[{rid}][auth.event] login success [method|OAUTH2][provider|EXTERNAL|Duo SSO]"
            f"[IP|10.40.1.5|{IPS[who]}][login|{who}]"]


def _not_yet_valid(t: datetime, who: str, not_before: datetime) -> list[str]:
    """Spring's refusal of a response whose NotBefore is after the SP's 'now' (as case25's greta)."""
    rid = uuid.uuid5(uuid.NAMESPACE_URL, f"sp{who}{t}")
    aid, resp = f"_a{rid.hex}", f"_r{rid.hex}"
    why = (f"Invalid assertion [{aid}] for SAML response [{resp}]: Assertion '{aid}' with NotBefore condition of "
           f"'{not_before:%Y-%m-%dT%H:%M:%S}.000Z' is not yet valid")
    return [f"{_stamp(t)} DEBUG web[{rid}][o.s.a.s.SonarqubeSaml2ResponseValidator] Saml validation errors: "
            f"[[invalid_assertion] {why}]",
            f"{_stamp(t)} DEBUG web[{rid}][auth.event] login failure [cause|Invalid assertion [{aid}] for SAML "
            f"response [{resp}]][method|OAUTH2][provider|EXTERNAL|Duo SSO][IP|10.40.1.5|{IPS[who]}][login|]"]


ERIN = [_at(27, 9, 5, 4.4), _at(30, 7, 50, 15.2), _at(30, 9, 10, 9.2)]
"""Duo's lines of erin's three captured logins (case25's HARs): they confirm Duo's clock."""


def _scan(tmp_path, sp: list[tuple[datetime, list[str]]], duo: list[dict]) -> list[dict]:
    for name in ("chrome-erin-friday.har", "chrome-erin-monday.har", "sonar.properties"):
        shutil.copy(CASE25 / name, tmp_path / name)
    lines = [line for _, block in sp for line in block]
    (tmp_path / "web.log").write_text("\n".join(lines) + "\n")
    events = [_duo(t, "erin") for t in ERIN] + duo
    events.sort(key=lambda e: e["isotimestamp"])
    (tmp_path / "duo-authentication-log.json").write_text(json.dumps(events, indent=1))
    return scan_case(tmp_path, "UTC")["attempts"]


def _of(attempts: list[dict], who: str) -> list[dict]:
    """The attempts of a user (Duo names the mail, SonarQube's auth.event the login: both)."""
    return [a for a in attempts if a["user"] in (who, f"{who}@northwind.example")]


def _joined(attempts: list[dict], who: str) -> dict:
    """The user's one attempt, holding both the SP's line and Duo's."""
    got = _of(attempts, who)
    assert len(got) == 1, [(a["time"], a["user"]) for a in got]
    assert {"web.log", "duo-authentication-log.json"} <= {name for name, _ in refs(got[0])}, got[0]
    return got[0]


def _greta_is_the_sps_clock(attempts: list[dict]) -> None:
    (greta,) = [a for a in _of(attempts, "greta") if a["outcome"] == "failure"]
    assert (greta["root_cause"], greta["side"]) == ("sp-clock-skew", "sp"), greta
    assert "The SP's clock was 9 min behind the IdP's" in greta["fix"]


def test_a_log_stepping_back_and_set_right_witnessed_only_by_the_idp_log(tmp_path):
    """web.log steps 9 min back after bob (08:05 -> 07:57), greta's refusal reads it (her NotBefore 2 min
    before Duo's line: an IdP setting NotBefore early), chrony sets it right at 08:20: frank's and hugo's
    lines are stamped right, witnessed only by Duo's lines of their clients a second before (before: read
    9 min behind to the log's end, each apart from its Duo line). dave, inside the run, is moved."""
    greta_duo = _at(30, 8, 6, 3.2)
    sp = [(t, _success(t, w)) for t, w in ((_at(30, 8, 0, 10), "alice"), (_at(30, 8, 5, 10), "bob"))]
    sp.append((greta_duo - BEHIND, _not_yet_valid(greta_duo + timedelta(seconds=1) - BEHIND, "greta",
                                                  greta_duo - timedelta(minutes=2))))
    sp.append((_at(30, 8, 17, 1) - BEHIND, _success(_at(30, 8, 17, 1) - BEHIND, "dave")))
    sp += [(t, _success(t, w)) for t, w in ((_at(30, 8, 30, 42), "frank"), (_at(30, 9, 0, 23), "hugo"))]
    duo = [_duo(t, w) for t, w in ((_at(30, 8, 0, 9.2), "alice"), (_at(30, 8, 5, 9.2), "bob"), (greta_duo, "greta"),
                                   (_at(30, 8, 17, 0.2), "dave"), (_at(30, 8, 30, 41.2), "frank"),
                                   (_at(30, 9, 0, 22.2), "hugo"))]
    attempts = _scan(tmp_path, sp, duo)
    _greta_is_the_sps_clock(attempts)
    for who in ("alice", "bob", "dave", "frank", "hugo"):
        _joined(attempts, who)


def test_an_idp_log_on_the_right_clock_and_an_sp_log_behind_since_a_restart(tmp_path):
    """sonar01 came back from Saturday's restart 9 min behind (no step back to see: the restart's gap hides
    it); Duo's line of greta is a second before her NotBefore (Duo's NotBefore is its IssueInstant): the
    refusal is the SP's clock (before: assertion-not-yet-valid, side idp). Friday's lines, witnessed right
    by Duo's, keep their time; Monday's dave is read 9 min later, with his Duo line."""
    greta_duo = _at(30, 8, 6, 3.2)
    sp = [(t, _success(t, w)) for t, w in ((_at(27, 9, 20, 5), "alice"), (_at(27, 9, 40, 13), "bob"))]
    sp.append((_at(28, 9, 31, 40), [f"{_stamp(_at(28, 9, 31, 40))} INFO  web[][o.s.s.p.Platform] "
                                    "Web Server is operational"]))
    sp.append((greta_duo - BEHIND, _not_yet_valid(greta_duo + timedelta(seconds=1) - BEHIND, "greta",
                                                  greta_duo + timedelta(seconds=0.8))))
    sp.append((_at(30, 8, 17, 1) - BEHIND, _success(_at(30, 8, 17, 1) - BEHIND, "dave")))
    duo = [_duo(t, w) for t, w in ((_at(27, 9, 20, 4.2), "alice"), (_at(27, 9, 40, 12.2), "bob"),
                                   (greta_duo, "greta"), (_at(30, 8, 17, 0.2), "dave"))]
    attempts = _scan(tmp_path, sp, duo)
    _greta_is_the_sps_clock(attempts)
    assert _joined(attempts, "alice")["time"][:16] == "2026-11-27T09:20"
    assert _joined(attempts, "bob")["time"][:16] == "2026-11-27T09:40"
    assert _joined(attempts, "dave")["time"][:16] == "2026-11-30T08:17"


def test_a_quiet_spell_that_is_no_clock_step_stays_behind(tmp_path):
    """The same restart 9 min behind and no chrony: the 20 min quiet spell after greta's refusal is no
    step, Duo's lines of frank and hugo are 9 min after web.log's stamps: those lines stay read 9 min
    later, each with its Duo line (before: greta not read, frank and hugo apart from Duo's lines)."""
    greta_duo = _at(30, 8, 6, 3.2)
    sp = [(_at(27, 9, 20, 5), _success(_at(27, 9, 20, 5), "alice"))]
    sp.append((greta_duo - BEHIND, _not_yet_valid(greta_duo + timedelta(seconds=1) - BEHIND, "greta",
                                                  greta_duo + timedelta(seconds=0.8))))
    sp += [(t - BEHIND, _success(t - BEHIND, w)) for t, w in ((_at(30, 8, 30, 42), "frank"),
                                                             (_at(30, 9, 0, 23), "hugo"))]
    duo = [_duo(t, w) for t, w in ((_at(27, 9, 20, 4.2), "alice"), (greta_duo, "greta"),
                                   (_at(30, 8, 30, 41.2), "frank"), (_at(30, 9, 0, 22.2), "hugo"))]
    attempts = _scan(tmp_path, sp, duo)
    _greta_is_the_sps_clock(attempts)
    assert _joined(attempts, "frank")["time"][:16] == "2026-11-30T08:30"
    assert _joined(attempts, "hugo")["time"][:16] == "2026-11-30T09:00"
    assert _joined(attempts, "alice")["time"][:16] == "2026-11-27T09:20"
