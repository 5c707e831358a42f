"""One log file, several servers' clocks (node30): a SIEM export's lines name their host (Splunk `host`,
Elastic `host.name`: LogEvent.host) and samlscan/correlate/clocks.py measures a clock per host, so a node
running ahead is told apart from the node beside it in the same file. The exports are written here from
text (no signed content): SonarQube auth.event lines of six logins, Entra's sign-ins of the same users."""
from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.correlate.clocks import HostClock, clock_offsets
from samlscan.model import LogEvent, Source

START = datetime(2026, 12, 3, 9, 0, tzinfo=timezone.utc)
USERS = ("alice", "bob", "carol", "dave", "erin", "frank")
ENTRA_HEAD = ("TenantId,TimeGenerated [UTC],OperationName,Category,ResultType,ResultDescription,CorrelationId,Identity,"
              "AppDisplayName,AppId,IPAddress,Id,IsInteractive,Status,UserAgent,UserDisplayName,UserPrincipalName,"
              "AuthenticationProtocol,Type")


def _logins(ahead: timedelta) -> list[tuple[str, str, datetime, datetime]]:
    """(user, host, Entra's time, the node's stamp): every other login lands on sq-b, `ahead` of Entra."""
    out = []
    for k, user in enumerate(USERS):
        t = START + timedelta(minutes=20 * k)
        host = "sq-a" if k % 2 == 0 else "sq-b"
        out.append((user, host, t, t + (ahead if host == "sq-b" else timedelta(0))))
    return out


def _sonar(user: str, at: datetime, k: int) -> str:
    return (f"{at:%Y.%m.%d %H:%M:%S} DEBUG web[0000000{k}-b2f9-436d-28e2-f8c785947f27][auth.event] login success "
            f"[method|OAUTH2][provider|EXTERNAL|Microsoft Entra ID][IP|10.40.0.10|203.0.113.{40 + k}][login|{user}]")


def _entra(logins) -> str:
    rows = [ENTRA_HEAD]
    for k, (user, _, t, _) in enumerate(logins):
        when = f"{t.month}/{t.day}/{t.year}, {t.hour % 12 or 12}:{t:%M:%S}.000 {'AM' if t.hour < 12 else 'PM'}"
        rows.append(f'9a8b7c6d-5e4f-4a3b-9c2d-1e0f2a3b4c5d,"{when}",Sign-in activity,SignInLogs,0,,'
                    f'605eb87f-9902-e1d8-ef33-956d7d4bc8{k:02d},{user.title()},SonarQube,'
                    f'7a1c2e3f-4b5d-4e6f-8a9b-0c1d2e3f4a5b,203.0.113.{40 + k},06e62587-4ed0-66e0-1521-1a6ddd3c60{k:02d},'
                    f'true,"{{""errorCode"":0}}",Mozilla/5.0,{user.title()},{user}@fabrikam.example,saml20,SigninLogs')
    return "\n".join(rows) + "\n"


def _splunk_csv(path: Path, logins) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["_raw", "_time", "host", "source", "sourcetype"])
        for k, (user, host, _, at) in reversed(list(enumerate(logins))):  # (Splunk lists the newest first)
            w.writerow([_sonar(user, at, k), f"{at.timestamp():.3f}", host, "/opt/sonarqube/logs/web.log",
                        "sonarqube:web"])


def _elastic(path: Path, logins) -> None:
    rows = [{"_index": "logs-sonarqube", "_id": f"id{k}", "_source": {
        "@timestamp": f"{at:%Y-%m-%dT%H:%M:%S}.000Z", "message": _sonar(user, at, k), "host": {"name": host},
        "log": {"file": {"path": "/opt/sonarqube/logs/web.log"}}}} for k, (user, host, _, at) in enumerate(logins)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def _plain(path: Path, logins) -> None:
    path.write_text("".join(_sonar(user, at, k) + "\n" for k, (user, _, _, at) in enumerate(logins)))


def _scan(folder: Path, jobs: str = "1") -> dict:
    res = CliRunner().invoke(main, ["scan", str(folder), "--format", "json", "--timezone", "UTC", "--jobs", jobs,
                                    "--fail-on", "never"])
    assert res.exit_code == 0, res.output[-2000:]
    return json.loads(res.stdout)


def _case(tmp_path: Path, write, ahead: timedelta, name: str) -> Path:
    logins = _logins(ahead)
    (tmp_path / "entra-signinlogs.csv").write_text(_entra(logins))
    write(tmp_path / name, logins)
    return tmp_path


EXPORTS = [pytest.param(_splunk_csv, "splunk.csv", id="splunk-csv"),
           pytest.param(_elastic, "hits.ndjson", id="elastic-ndjson")]


@pytest.mark.parametrize("write, name", EXPORTS)
def test_a_host_ahead_in_an_export_is_told_apart(tmp_path, write, name):
    got = _scan(_case(tmp_path, write, timedelta(minutes=7), name))
    notes = got["summary"]["notes"]
    assert any("clock offset of host sq-b: +420 s" in n and "sq-b's clock is 7 min ahead of" in n
               for n in notes), notes
    assert not any("sq-a" in n for n in notes), notes  # (sq-a keeps Entra's time: no offset to tell)
    # each login joined Entra's sign-in: sq-b's lines dated by sq-b's clock
    for a in got["attempts"]:
        assert {Path(e["input"]).name for e in a["evidence"]} == {name, "entra-signinlogs.csv"}, a


@pytest.mark.parametrize("write, name", EXPORTS)
def test_hosts_on_one_clock_have_no_offset(tmp_path, write, name):
    got = _scan(_case(tmp_path, write, timedelta(0), name))
    assert not any("clock offset" in n for n in got["summary"]["notes"]), got["summary"]["notes"]
    assert len(got["attempts"]) == len(USERS)


def test_a_log_without_hosts_has_one_offset_as_before(tmp_path):
    """web.log itself, every line 7 min ahead: one clock for the file, no host named."""
    logins = [(u, h, t, t + timedelta(minutes=7)) for u, h, t, _ in _logins(timedelta(0))]
    (tmp_path / "entra-signinlogs.csv").write_text(_entra(logins))
    _plain(tmp_path / "web.log", logins)
    got = _scan(tmp_path)
    notes = [n for n in got["summary"]["notes"] if "clock offset" in n]
    assert len(notes) == 1 and "web.log: +420 s" in notes[0] and "sq-" not in notes[0], notes


def test_two_clocks_in_a_log_without_hosts_set_no_offset_by_a_guessed_name(tmp_path):
    """The two nodes' lines in one web.log, no host to tell them apart: its 'alice' is Entra's
    'alice@fabrikam.example' by the local part only, and those guessed pairs disagree (0 and 7 min):
    no offset is measured on them (a median, +210 s, was a clock neither node has)."""
    got = _scan(_case(tmp_path, _plain, timedelta(minutes=7), "web.log"))
    assert not any("clock offset" in n for n in got["summary"]["notes"]), got["summary"]["notes"]
    # sq-a's logins (on Entra's clock) still join Entra's sign-ins; sq-b's stand apart
    joined = [a for a in got["attempts"] if len({Path(e["input"]).name for e in a["evidence"]}) == 2]
    assert sorted(a["user"].partition("@")[0] for a in joined) == ["alice", "carol", "erin"], got["attempts"]


@pytest.mark.parametrize("write, name", EXPORTS)
def test_jobs_one_and_two_agree(tmp_path, write, name):
    folder = _case(tmp_path, write, timedelta(minutes=7), name)
    assert _scan(folder, "1") == _scan(folder, "2")


def _event(src: str, t: datetime, user: str, side: str, host: str | None = None) -> LogEvent:
    return LogEvent(Source(src, f"line {t.minute}{t.hour}"), t, "sonarqube" if side == "sp" else "entra", side,
                    "success", "login", user=user, host=host)


def test_offsets_are_keyed_by_host_only_where_a_record_names_one():
    logins = _logins(timedelta(minutes=7))
    idp = [_event("entra.csv", t, f"{u}@fabrikam.example", "idp") for u, _, t, _ in logins]
    hosted = clock_offsets([], idp + [_event("x.csv", at, u, "sp", h) for u, h, _, at in logins])
    assert hosted == {"x.csv": timedelta(0), "host sq-b": timedelta(minutes=7)}
    assert sorted(k.host for k in hosted if isinstance(k, HostClock)) == ["sq-a", "sq-b"]
    # sq-b's records carry its offset (run.py reads a record's own offset there)
    assert {ref: off for ref, (off, _) in hosted.steps["x.csv"].items()} == {
        f"line {at.minute}{at.hour}": timedelta(minutes=7) for _, h, _, at in logins if h == "sq-b"}
    # a log naming the IdP's own names: its median, one offset for the file, as before
    plain = clock_offsets([], idp + [_event("x.log", at, f"{u}@fabrikam.example", "sp") for u, _, _, at in logins])
    assert plain == {"x.log": timedelta(seconds=210)} and not any(isinstance(k, HostClock) for k in plain)
    assert not plain.steps
    # named by the local part only, its pairs a guess: they disagree, nothing is measured on them
    assert clock_offsets([], idp + [_event("x.log", at, u, "sp") for u, _, _, at in logins]) == {}


def _ahead(user_of, at_sp=timedelta(minutes=7)) -> dict:
    """The offset measured of one SP log whose every login is `at_sp` after the IdP's, its users named
    `user_of(user)` in the IdP's log."""
    logins = _logins(timedelta(0))
    idp = [_event("entra.csv", t, user_of(u), "idp") for u, _, t, _ in logins]
    return clock_offsets([], idp + [_event("x.log", t + at_sp, u, "sp") for u, _, t, _ in logins])


def test_a_local_part_pairs_with_the_one_mail_it_names():
    assert _ahead(lambda u: f"{u}@fabrikam.example") == {"x.log": timedelta(minutes=7)}
    assert _ahead(lambda u: u) == {"x.log": timedelta(minutes=7)}  # (the same names: no guess needed)


def test_a_local_part_of_two_mails_pairs_with_neither():
    """Each local part the mail of two users at the IdP (fabrikam's alice logs in at 09:00, contoso's
    three hours later): the SP's 'alice' may be either: no pairing, nothing measured (paired with both,
    the SP's 09:07 was read as fabrikam's alice 7 min late); no guess either beside a user's whole name."""
    logins = _logins(timedelta(0))
    idp = [_event("entra.csv", t + timedelta(hours=h), f"{u}@{d}", "idp") for u, _, t, _ in logins
           for h, d in ((0, "fabrikam.example"), (3, "contoso.example"))]
    assert clock_offsets([], idp + [_event("x.log", t + timedelta(minutes=7), u, "sp") for u, _, t, _ in logins]) == {}
    from samlscan.correlate.clocks import _by_local_part

    assert set(_by_local_part({"alice@a.example": [], "bob@b.example": [], "bob": [], "@c": [], "d@": []})) == {
        "alice"}


def test_a_host_is_kept_through_pickling():
    import pickle

    e = _event("x.csv", START, "alice", "sp", "sq-a")
    assert pickle.loads(pickle.dumps(e)).host == "sq-a"
    key = HostClock("x.csv", "sq-a")
    back = pickle.loads(pickle.dumps(key))
    assert back == "x.csv" and back.host == "sq-a"
