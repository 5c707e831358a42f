"""replayuser28: a replay whose pieces name no user (SonarQube's refusal of a re-posted response,
'This message has already been processed', logs `[login|]`) takes the user of its client IP's login
in the CLIENT_WINDOW before it, when that IP logged in one user then; several users behind one IP
(a NAT, a proxy) keep it unknown, with a note why (samlscan/correlate/link_client.py).

Generated SonarQube web.log lines (the shape of tests/data/case25/web.log's); the first test and
review28's bundle (tests/test_review28.py) fail on the old code (user None, 'failures by user: unknown 1').
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.correlate.link_client import CLIENT_WINDOW, users_by_client
from samlscan.model import Attempt

T0 = datetime(2026, 11, 30, 9, 0, 23, tzinfo=timezone.utc)
PROXY = "10.40.1.5"


def _line(at: datetime, req: str, what: str, ip: str, login: str) -> str:
    stamp = at.strftime("%Y.%m.%d %H:%M:%S")
    return (f"{stamp} DEBUG web[{req}][auth.event] login {what}[method|OAUTH2][provider|EXTERNAL|Duo SSO]"
            f"[IP|{PROXY}|{ip}][login|{login}]")


def _login(at: datetime, req: str, ip: str, login: str) -> list[str]:
    return [f"{at:%Y.%m.%d %H:%M:%S} DEBUG web[{req}][o.s.a.s.SonarqubeSaml2ResponseValidator] Saml validation errors: []",
            _line(at, req, "success ", ip, login)]


def _replay(at: datetime, req: str, ip: str) -> list[str]:
    stamp = f"{at:%Y.%m.%d %H:%M:%S}"
    return [f"{stamp} DEBUG web[{req}][o.s.a.s.SonarqubeSaml2ResponseValidator] Saml validation errors: []",
            f"{stamp} WARN  web[{req}][o.s.s.a.AuthenticationError] Fail to callback authentication with 'saml'",
            "java.lang.IllegalArgumentException: This message has already been processed",
            "\tat org.sonar.auth.saml.SamlMessageIdChecker.check(SamlMessageIdChecker.java:54)",
            _line(at, req, "failure [cause|This message has already been processed]", ip, "")]


def _scan(tmp_path, lines: list[str], *args: str):
    log = tmp_path / "web.log"
    log.write_text("\n".join(lines) + "\n")
    res = CliRunner().invoke(main, ["scan", str(log), "--timezone", "UTC", *args])
    assert res.exit_code in (0, 1) and res.exception is None, res.output
    return res.stdout


def _replayed(tmp_path, lines: list[str]) -> dict:
    doc = json.loads(_scan(tmp_path, lines, "--format", "json"))
    return next(a for a in doc["attempts"] if a["root_cause"] == "assertion-replayed")


def test_a_replay_takes_the_user_of_its_clients_login_a_minute_before(tmp_path):
    lines = _login(T0, "r1", "203.0.113.64", "hugo") + _replay(T0 + timedelta(seconds=67), "r2", "203.0.113.64")
    got = _replayed(tmp_path, lines)
    assert got["user"] == "hugo" and got["ip"] == "203.0.113.64"
    assert "user from the same client's login at 09:00:23" in " ".join(got["notes"])
    table = _scan(tmp_path, lines)
    assert "failures by user:  hugo 1" in table and "unknown" not in table.split("failures by user:")[1].splitlines()[0]


def test_two_users_behind_one_ip_keep_the_replay_unknown_and_say_why(tmp_path):
    lines = (_login(T0, "r1", "203.0.113.64", "hugo") + _login(T0 + timedelta(seconds=20), "r3", "203.0.113.64", "ivan")
             + _replay(T0 + timedelta(seconds=67), "r2", "203.0.113.64"))
    got = _replayed(tmp_path, lines)
    assert got["user"] is None
    note = next(n for n in got["notes"] if n.startswith("no user:"))
    assert "2 users logged in from its client IP" in note and "09:00:23, 09:00:43" in note and "NAT" in note


@pytest.mark.parametrize("ip, gap", [("203.0.113.99", 67), ("203.0.113.64", 6 * 60)], ids=["other-ip", "too-long-ago"])
def test_another_clients_login_or_one_long_before_gives_no_user(tmp_path, ip, gap):
    lines = _login(T0, "r1", ip, "hugo") + _replay(T0 + timedelta(seconds=gap), "r2", "203.0.113.64")
    got = _replayed(tmp_path, lines)
    assert got["user"] is None and not any("client's login" in n or n.startswith("no user") for n in got["notes"])


def test_another_refusal_without_a_user_is_not_put_down_to_the_clients_login(tmp_path):
    """Not a replay: a new login, maybe another user's behind the same NAT (test_correlate_idp_user)."""
    lines = _login(T0, "r1", "203.0.113.64", "hugo") + [_line(T0 + timedelta(seconds=67), "r2",
                                                              "failure [cause|Access denied by policy]", "203.0.113.64", "")]
    doc = json.loads(_scan(tmp_path, lines, "--format", "json"))
    refused = next(a for a in doc["attempts"] if a["outcome"] == "failure")
    assert refused["user"] is None and not any("client's login" in n for n in refused["notes"])


def test_a_login_after_the_replay_is_not_its_user(tmp_path):
    lines = _replay(T0, "r2", "203.0.113.64") + _login(T0 + timedelta(seconds=30), "r1", "203.0.113.64", "hugo")
    assert _replayed(tmp_path, lines)["user"] is None


def test_redact_masks_the_user_taken_from_the_client(tmp_path):
    lines = _login(T0, "r1", "203.0.113.64", "hugo") + _replay(T0 + timedelta(seconds=67), "r2", "203.0.113.64")
    doc = json.loads(_scan(tmp_path, lines, "--format", "json", "--redact"))
    assert "hugo" not in json.dumps(doc)
    replayed = next(a for a in doc["attempts"] if a["root_cause"] == "assertion-replayed")
    assert replayed["user"] and replayed["user"] != "hugo"


def _a(seconds: float, user: str | None, ip: str | None = "192.0.2.7") -> Attempt:
    replayed = user is None
    return Attempt(T0 + timedelta(seconds=seconds), user, "failure" if replayed else "success",
                   "assertion-replayed" if replayed else None, None, None,
                   ("assertion-replayed",) if replayed else (), (), ip=ip)


@pytest.mark.parametrize("users, want", [
    (["hugo", "Hugo@northwind.example"], "Hugo@northwind.example"),  # a login and its address: one person
    (["hugo", "HUGO"], "HUGO"),
    (["olga.berg@a.example", "olga.berg@b.example"], None),  # one local part, two domains: two people
    (["hugo", "ivan@northwind.example"], None),
])
def test_one_person_by_name_and_address_two_by_two_addresses(users, want):
    got = users_by_client([*(_a(k, u) for k, u in enumerate(users)), _a(30, None)])
    assert got[-1].user == want
    assert any(n.startswith("no user" if want is None else "user from") for n in got[-1].notes)


def test_the_window_moves_and_only_named_attempts_count():
    attempts = [_a(0, "ivan"), _a(10, None, None), _a(CLIENT_WINDOW.total_seconds() + 5, "hugo"),
                _a(CLIENT_WINDOW.total_seconds() + 20, None), _a(CLIENT_WINDOW.total_seconds() + 30, None, "198.51.100.1")]
    got = users_by_client(attempts)
    assert [a.user for a in got] == ["ivan", None, "hugo", "hugo", None]  # ivan left the window; no IP: nothing
    assert got[1].notes == () and got[4].notes == ()
    assert users_by_client(attempts[:3]) == attempts[:3]


def test_a_user_taken_is_not_passed_on():
    """Only an attempt's own user counts: a chain of refusals does not carry it past the window."""
    step = CLIENT_WINDOW.total_seconds() * 0.75
    got = users_by_client([_a(0, "hugo"), _a(step, None), _a(2 * step, None)])
    assert [a.user for a in got] == ["hugo", "hugo", None]
