"""Review of the lead's commits since 850a088 (review12): what each still got wrong."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main

KEY = (Path(__file__).resolve().parents[1] / "fixtures" / "keys" / "sp.key").read_text()
BODY = "".join(line for line in KEY.splitlines() if not line.startswith("-----"))
NS = ('xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
      'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"')


def _check(path: Path, fmt: str) -> str:
    out = CliRunner().invoke(main, ["check", str(path), "--format", fmt, "--fail-on", "never"])
    assert out.exit_code == 0, out.output[-500:]
    return out.output


@pytest.mark.parametrize("fmt", ["table", "json", "html"])
def test_a_key_split_by_a_comment_is_not_printed_as_a_naive_sp_reads_it(tmp_path, fmt):
    """c2580e6 removed a key from a NameID's and an attribute value's text, not from the first text
    node a naive SP reads (CVE-2017-11427's finding prints both): a comment after the key printed it."""
    path = tmp_path / "naive.xml"
    path.write_text(
        f'<samlp:Response {NS} ID="_r1" Version="2.0" IssueInstant="2025-03-11T08:41:00Z">'
        '<saml:Issuer>https://idp.example.org</saml:Issuer><samlp:Status><samlp:StatusCode '
        'Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
        '<saml:Assertion ID="_a1" Version="2.0" IssueInstant="2025-03-11T08:41:00Z">'
        f'<saml:Issuer>https://idp.example.org</saml:Issuer><saml:Subject><saml:NameID>{BODY}<!---->'
        '@example.org</saml:NameID></saml:Subject><saml:AttributeStatement><saml:Attribute Name="note">'
        f'<saml:AttributeValue>settings: {KEY}<!---->tail</saml:AttributeValue></saml:Attribute>'
        '</saml:AttributeStatement></saml:Assertion></samlp:Response>')
    output = _check(path, fmt)
    assert BODY[100:140] not in output and BODY[-60:-20] not in output


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_a_key_in_a_logout_requests_name_id_is_not_printed(tmp_path, fmt):
    """c2580e6 covered the NameID of an assertion, not the one of a LogoutRequest (its Subject row)."""
    path = tmp_path / "logout.xml"
    path.write_text(
        f'<samlp:LogoutRequest {NS} ID="_l1" Version="2.0" IssueInstant="2025-03-11T08:41:00Z" '
        'Destination="https://sp.example.org/slo"><saml:Issuer>https://idp.example.org</saml:Issuer>'
        f'<saml:NameID>{BODY}</saml:NameID><samlp:SessionIndex>_s1</samlp:SessionIndex>'
        '</samlp:LogoutRequest>')
    output = _check(path, fmt)
    assert BODY[100:140] not in output
    assert "[private key removed by samlscan]" in output


@pytest.mark.parametrize("head, start", [
    ("https://urldefense.com/v3/__", "/v3/__x"),
    ("https://urldefense.proofpoint.com/v2/url", "?u=x"),
])
def test_a_hostile_url_defense_link_is_read_in_linear_time(head, start):
    """a697ef6 searched a link for its '/v3/__...__;' or '?u=...&d=' from each place it could start:
    a 140 kB link made of such starts took 18 s (80 s at twice the length); a paste may be 64 MiB."""
    from growth_util import assert_linear
    from samlscan.inputs.paste import _url_defense

    assert _url_defense(f"the link: {head}{start * 20000}\n") is None
    assert_linear(_url_defense, lambda n: f"the link: {head}{start * n}\n", 5000)


def test_url_defense_links_of_each_version_are_still_read():
    """Proofpoint's own examples' shapes: v3 with a moved '+', v2 in an HTML mail's '&amp;'."""
    from samlscan.inputs.paste import _url_defense_target

    assert _url_defense_target("v3", "https://urldefense.com/v3/__https://google.com:443/search?q=a*test&gs=ps"
                               "__;Kw!-612Flbf0JvQ3kNJkRi5Jg!Ue6tQudNKaShHg93trcdjqDP8$") == \
        "https://google.com:443/search?q=a+test&gs=ps"
    assert _url_defense_target("v2", "https://urldefense.proofpoint.com/v2/url?u=http-3A__www.example.com_"
                               "path-3Fq-3D1&amp;d=DwMFaQ&amp;c=x&amp;r=y&amp;m=z&amp;s=w&amp;e=") == \
        "http://www.example.com/path?q=1"
    assert _url_defense_target("v1", "https://urldefense.proofpoint.com/v1/url?u=http://www.example.com/"
                               "a%3Fb%3D1&k=abc&r=x") == "http://www.example.com/a?b=1"
    assert _url_defense_target("v2", "https://urldefense.proofpoint.com/v2/url?u=http-3A__x&r=y") is None


_KC = ('{time} WARN  [org.keycloak.events] (executor-thread-9) type="LOGIN", realmId="r1", realmName="corp", '
       'clientId="https://sonar.example.com/saml2", userId="9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", '
       'sessionId="{session}", ipAddress="203.0.113.77", auth_method="saml", username="ana"\n')


def _notes(directory: Path) -> list[str]:
    out = CliRunner().invoke(main, ["scan", str(directory), "--format", "json", "--jobs", "1", "--fail-on", "never"])
    return json.loads(out.stdout)["summary"]["notes"]


def test_a_session_id_logged_again_hours_later_in_a_rotated_log_is_no_zone_mixup(tmp_path):
    """df5b6d5 took one ID two logs share about whole hours apart (within 5 min) for one record copied
    in another zone: Keycloak logs a user's SSO session ID on each login, so the same session's logins
    in server.log.1 and server.log two hours apart were said to be 'written in local time and read
    as UTC'. Copies of one record are apart by the zone to the second, for most shared IDs."""
    session = "7e6d5c4b-3a29-4180-b7a6-958473625140"
    (tmp_path / "server.log.1").write_text(_KC.format(time="2025-03-11 09:41:35,901", session=session))
    (tmp_path / "server.log").write_text(_KC.format(time="2025-03-11 11:41:02,101", session=session))
    assert not [n for n in _notes(tmp_path) if "apart" in n]


def test_one_of_many_shared_sessions_whole_hours_apart_is_no_zone_mixup(tmp_path):
    sessions = [f"7e6d5c4b-3a29-4180-b7a6-95847362514{i}" for i in range(3)]
    (tmp_path / "server.log.1").write_text("".join(
        _KC.format(time=f"2025-03-11 09:4{i}:35,000", session=s) for i, s in enumerate(sessions)))
    (tmp_path / "server.log").write_text("".join(
        _KC.format(time=t, session=s) for t, s in zip(
            ("2025-03-11 11:40:35,000", "2025-03-11 10:17:09,000", "2025-03-11 12:58:51,000"), sessions)))
    assert not [n for n in _notes(tmp_path) if "apart" in n]


def test_a_logs_time_zone_is_not_said_to_be_its_clock_running_ahead():
    """d56b3b4 said of web.log, written in Paris time and 80 s slow, 'the clock that wrote it runs
    3520 s ahead of the capture's' before calling the hour a time zone: its clock runs 80 s behind."""
    out = CliRunner().invoke(main, ["scan", str(Path(__file__).resolve().parents[1] / "fixtures" / "scenarios"
                                                 / "entra-javasaml"), "--format", "json", "--jobs", "1",
                                    "--fail-on", "never"])
    (note,) = [n for n in json.loads(out.stdout)["summary"]["notes"] if n.startswith("clock offset")]
    assert "+3520 s" in note and "its time zone aside, the clock that wrote it runs 80 s behind the capture's" in note
    assert "3520 s ahead" not in note


def test_a_replay_the_sp_refused_is_not_said_to_be_another_certificate():
    """08a4ab6 kept any SP refusal of the signature group as the cause when the response verifies
    and samlscan finds another fault, noting 'it held another IdP certificate then': a replay is in
    that group, so ivan's second use of his response ('This message has already been processed'),
    checked with an SP entity ID the response does not name, was said to be a certificate change."""
    scenario = Path(__file__).resolve().parents[1] / "fixtures" / "scenarios" / "entra-javasaml"
    out = CliRunner().invoke(main, ["scan", str(scenario), "--config", str(scenario / "samlscan.toml"),
                                    "--sp-entity-id", "another-sp", "--format", "json", "--jobs", "1",
                                    "--fail-on", "never"])
    (ivan,) = [a for a in json.loads(out.stdout)["attempts"]
               if a["user"].startswith("ivan.") and a["outcome"] == "failure"]
    assert ivan["root_cause"] == "assertion-replayed"
    assert not [n for n in ivan["notes"] if "certificate" in n or "signature passes" in n]


def test_an_html_fragment_with_a_saml_link_is_read_as_its_link(tmp_path):
    """'<p>The login link <a href="...?SAMLRequest=...&amp;RelayState=...">' (a mail's or a page's
    source) was read as XML whose root is <p> ('not a SAML protocol message'); the link is read, its
    '&amp;' as '&', and its redirect signature verifies. Hostile markup stays linear."""
    from click.testing import CliRunner

    from samlscan.cli import main
    from samlscan.inputs.paste import _html_links

    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    url = (fixtures / "requests" / "authnrequest-redirect-signed.txt").read_text().strip()
    path = tmp_path / "mail.html"
    path.write_text(f'<p>The login link <a class="x" href="{url.replace("&", "&amp;")}">Sign in</a> fails.</p>\n')
    out = CliRunner().invoke(main, ["check", str(path), "--sp-cert", str(fixtures / "keys" / "sp.crt"),
                                    "--format", "json"])
    doc = json.loads(out.stdout)
    assert [(m["type"], m["redirect_signature"]["verified"]) for m in doc["messages"]] == [("AuthnRequest", True)]
    from growth_util import assert_linear

    assert_linear(_html_links, lambda n: "<p>SAMLRequest= href " + '<a href="x" ' * n, 25000)
