"""Joins the auth0-javasaml case needed: an SP line that names no user but the client's IP, the
SP's replay refusal over samlscan's findings with other settings, and a second SP of the tenant."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from samlscan.cli import main

CASE = Path(__file__).resolve().parents[1] / "fixtures" / "scenarios" / "auth0-javasaml"


def _attempts(*args) -> list[dict]:
    res = CliRunner().invoke(main, ["scan", *map(str, args), "--format", "json", "--jobs", "1",
                                    "--fail-on", "never"])
    assert res.exit_code == 0, res.output[-2000:]
    return json.loads(res.stdout)["attempts"]


def _auth0(path: Path, *entries: tuple) -> None:
    path.write_text(json.dumps([
        {"log_id": f"90020250318{n:045d}", "date": date, "type": ltype, "description": desc,
         "client_name": client, "ip": ip, "user_name": user}
        for n, (date, ltype, desc, client, ip, user) in enumerate(entries)]))


def _refusal(time: str, request: str) -> str:
    """SonarQube's auth.event of a refused login: no user ([login|]), the client's address."""
    return (f"2025.03.18 {time} DEBUG web[{request}][auth.event] login failure [cause|Access denied by policy]"
            "[method|OAUTH2][provider|EXTERNAL|Corp SSO][IP|10.20.0.5|203.0.113.63][login|]\n")


def test_an_sp_failure_naming_only_the_ip_joins_the_idp_line_of_that_ip(tmp_path):
    """SonarQube's auth.event of a refused login has [login|] but the client's IP; Auth0's 'f' a
    second before names the user and that IP: one attempt (they were two, one without a user)."""
    _auth0(tmp_path / "auth0.json",
           ("2025-03-18T14:31:00.000Z", "f", "Access denied by policy", "SonarQube", "203.0.113.63",
            "hana.sato@example.com"))
    (tmp_path / "web.log").write_text(_refusal("14:31:01", "AZWq1") + _refusal("14:33:40", "AZWq2"))
    got = [(a["time"][:19], a["user"], len(a["evidence"])) for a in _attempts(tmp_path)]
    # the second refusal, 160 s later, is not put down to her: an IP is shared behind NAT
    assert got == [("2025-03-18T14:31:00", "hana.sato@example.com", 2), ("2025-03-18T14:33:40", None, 1)]


def test_the_sp_replay_refusal_is_the_cause_whatever_samlscan_finds_with_other_settings():
    """dana's double POST: the response is signed by Auth0's new key, samlscan is given the old
    certificate; SonarQube validated it and refused the second POST as already processed."""
    got = {(a["time"][:19], a["outcome"], a["root_cause"])
           for a in _attempts(CASE / "chrome-dana.har", CASE / "web.log", "--config", CASE / "samlscan.toml",
                              "--timezone", "America/New_York")}
    assert ("2025-03-18T14:20:00", "failure", "assertion-replayed") in got


def test_a_second_sp_log_pairs_with_the_idp_line_of_its_application(tmp_path):
    """Auth0 serves SonarQube and a Spring Boot app; the app's failure names neither user nor IP.
    Auth0's sign-in to that app, alone 1 s before, is its login (it was left out as another
    application's, and the app's failure had no user)."""
    _auth0(tmp_path / "auth0.json",
           ("2025-03-18T14:09:00.000Z", "s", "", "SonarQube", "198.51.100.71", "chris.lee@example.com"),
           ("2025-03-18T14:16:00.000Z", "s", "", "Release Portal", "198.51.100.72", "eli.cohen@example.com"))
    (tmp_path / "web.log").write_text(
        "2025.03.18 14:09:02 DEBUG web[AZWq3][auth.event] login success [method|OAUTH2][provider|EXTERNAL|"
        "Corp SSO][IP|10.20.0.5|198.51.100.71][login|chris.lee@example.com]\n")
    (tmp_path / "portal.log").write_text(
        "2025-03-18 14:16:01.100 ERROR 2231 --- [nio-8443-exec-3] .portal.security.SamlLoginFailureHandler : "
        "SAML login failed: org.springframework.security.saml2.provider.service.authentication."
        "Saml2AuthenticationException: Invalid destination [https://portal.example.com/x] for SAML "
        "response [_dcd3185d9ba06242]\n")
    got = [(a["user"], a["outcome"], sorted(Path(e["input"]).name for e in a["evidence"]))
           for a in _attempts(tmp_path)]
    assert ("eli.cohen@example.com", "failure", ["auth0.json", "portal.log"]) in got


def test_an_sp_failure_naming_only_an_ip_two_users_share_joins_neither(tmp_path):
    """Behind an office NAT two users sign in at the IdP within a second; SonarQube's refusal
    naming only that IP is not put down to either of them (it went to the last one)."""
    _auth0(tmp_path / "auth0.json",
           ("2025-03-18T14:31:00.000Z", "s", "", "SonarQube", "203.0.113.63", "hana.sato@example.com"),
           ("2025-03-18T14:31:00.500Z", "s", "", "SonarQube", "203.0.113.63", "ivan.petrov@example.com"))
    (tmp_path / "web.log").write_text(_refusal("14:31:01", "AZWq1"))
    got = sorted((a["user"] or "", len(a["evidence"])) for a in _attempts(tmp_path))
    assert got == [("", 1), ("hana.sato@example.com", 1), ("ivan.petrov@example.com", 1)]


def test_a_saved_copy_of_another_response_stays_its_own_attempt(tmp_path):
    """A HAR's successful login, the IdP's line for it, and a saved response of a later try (other
    IDs): the copy joined the success through the IdP line, and its failure vanished under 'the SP
    accepted this login'."""
    import base64

    from test_replay import FIXTURES as FIX
    from test_replay import _chrome_har

    (tmp_path / "login.har").write_text(json.dumps(_chrome_har()))
    _auth0(tmp_path / "auth0.json",
           ("2025-03-11T08:41:03.000Z", "s", "", "SonarQube", "203.0.113.77", "dev.user1@example.com"))
    retry = (FIX / "responses/valid/okta.xml").read_text().replace('ID="', 'ID="retry').replace(
        'IssueInstant="2025-03-11T08:41:00Z"', 'IssueInstant="2025-03-11T08:41:10Z"')
    (tmp_path / "retry.b64").write_text(base64.b64encode(retry.encode()).decode())
    got = _attempts(tmp_path, "--config", FIX / "config/default.toml")
    assert len(got) == 2
    (copy,) = [a for a in got if any(e["input"].endswith("retry.b64") for e in a["evidence"])]
    assert copy["outcome"] == "failure" and not any(e["input"].endswith("login.har") for e in copy["evidence"])


def test_one_login_naming_its_user_two_ways_is_one_user_behind_its_ip(tmp_path):
    """AD FS names a user by UPN in one event and as DOMAIN\\\\user in the next of the same
    ActivityID: that is one login, not two users behind one NAT (the IP guard kept SonarQube's
    refusal, naming only the IP, out of it)."""
    first = (Path(__file__).resolve().parents[1] / "fixtures/logs/adfs/adfs-security-wevtutil.xml"
             ).read_text().split("\n", 1)[0]
    upn = (first.replace(">1201<", ">1202<").replace("CORP\\devuser1", "dev.user1@example.com")
           .replace("08:41:02.551234500Z", "08:41:01.551234500Z"))
    (tmp_path / "adfs.xml").write_text(upn + "\n" + first + "\n")
    (tmp_path / "web.log").write_text(
        "2025.03.11 08:41:04 DEBUG web[AZWq9][auth.event] login failure [cause|Login failed]"
        "[method|OAUTH2][provider|EXTERNAL|Corp SSO][IP|10.20.0.5|198.51.100.23][login|]\n")
    got = _attempts(tmp_path)
    (refusal,) = [a for a in got if any(e["input"].endswith("web.log") for e in a["evidence"])]
    assert refusal["user"] is not None and len(refusal["evidence"]) == 3
