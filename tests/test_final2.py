"""final2: the support cases' fixtures set SonarQube's cookies as SonarQube sets them, and a
setting found in a scanned folder is said once."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
HARS = [DATA / "case11" / "chrome-sonar.har", DATA / "case12" / "safari-sonar.har"]


def _set_cookies(har: Path) -> list[str]:
    doc = json.loads(har.read_text())
    return [h["value"] for e in doc["log"]["entries"] for h in e["response"]["headers"]
            if h["name"].lower() == "set-cookie"]


@pytest.mark.parametrize("har", HARS, ids=lambda p: p.parent.name)
def test_oauthstate_is_set_without_samesite(har):
    # OAuthCsrfVerifier.generateState: a servlet cookie with Path, HttpOnly, Secure behind https,
    # no SameSite; the fixtures wrote 'SameSite=Lax', which no SonarQube writes
    states = [c for c in _set_cookies(har) if c.startswith("OAUTHSTATE=") and "Max-Age=0" not in c]
    assert states and all("samesite" not in c.lower() and "; HttpOnly" in c for c in states)


@pytest.mark.parametrize("har", HARS, ids=lambda p: p.parent.name)
def test_the_session_cookies_have_sonarqubes_layout(har):
    # CookieBuilder.toValueString: 'NAME=v; Path=/; SameSite=<Lax, or a proxy's rewrite>; Max-Age=n'
    jwt = [c for c in _set_cookies(har) if c.startswith(("JWT-SESSION=", "XSRF-TOKEN="))]
    assert jwt
    for c in jwt:
        attrs = [a.split("=")[0] for a in c.split("; ")[1:]]
        assert attrs[:3] == ["Path", "SameSite", "Max-Age"], c


# --- a setting found in a scanned folder, said once -------------------------------------------------

READ = "read {} as the SonarQube settings"


def _scan(fmt: str, *extra: str):
    from click.testing import CliRunner

    from samlscan.cli import main

    return CliRunner().invoke(main, ["scan", str(DATA / "case12"), "--format", fmt, "--fail-on", "never",
                                     *extra])


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv", "sarif", "html"])
def test_a_setting_found_in_the_folder_is_said_once(fmt):
    # the table printed it as a report note and as its settings-found row; JSON, SARIF and HTML too
    # had it in their notes and their findings: now it is the finding alone, which every format
    # shows and --fail-on counts
    res = _scan(fmt)
    said = READ.format(DATA / "case12" / "sonar.properties")
    out = " ".join((res.stdout + res.stderr).split())  # (the table wraps its rows)
    assert out.count(said) == 1, fmt


def test_the_settings_found_finding_stays_and_counts():
    doc = json.loads(_scan("json").stdout)
    assert "settings-found" in json.dumps(doc)
    assert _scan("table", "--fail-on", "info").exit_code != 0
