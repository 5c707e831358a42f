"""Fuzzing round 23: hostile input on the day's new code (SONAR_* environment variables of a
docker-compose.yml or env_file, the clocks of many captures sharing an AuthnRequest, Traefik's access
log, Docker's 16 KiB parts). Every input ends with a finding or a skip, no traceback; time is judged by
growth between two sizes (tests/growth_util.py), never as an absolute time."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from growth_util import assert_linear

from samlscan.config.sonar import env_settings


# --- config/sonar.py env_settings: values as the container gets them (config/envvalue.py) -------------------

@pytest.mark.parametrize("text, key, want", [
    # a quoted YAML value with a comment after it (the old reader kept the quotes: '"true"')
    ('environment:\n  SONAR_AUTH_SAML_ENABLED: "true" # SAML on\n', "sonar.auth.saml.enabled", "true"),
    ("environment:\n  SONAR_AUTH_SAML_ENABLED: 'true'  # on\n", "sonar.auth.saml.enabled", "true"),
    # a list item quoted whole (the old reader kept the closing quote: 'true"')
    ('environment:\n  - "SONAR_AUTH_SAML_ENABLED=true"\n', "sonar.auth.saml.enabled", "true"),
    ("environment:\n  - 'SONAR_AUTH_SAML_APPLICATIONID=sonar # qube'\n", "sonar.auth.saml.applicationId",
     "sonar # qube"),
    # YAML escapes in double quotes, '' in single quotes
    ('SONAR_AUTH_SAML_PROVIDERNAME: "Okta \\"prod\\""\n', "sonar.auth.saml.providerName", 'Okta "prod"'),
    ("SONAR_AUTH_SAML_PROVIDERNAME: 'Bob''s IdP'\n", "sonar.auth.saml.providerName", "Bob's IdP"),
    # an anchor and its alias (YAML 1.2.2 7.1; the old reader gave '&on true' and '*on')
    ("x:\n  SONAR_AUTH_SAML_ENABLED: &on true\n  SONAR_AUTH_SAML_SIGNATURE_ENABLED: *on\n",
     "sonar.auth.saml.signature.enabled", "true"),
    ("x:\n  SONAR_AUTH_SAML_ENABLED: &on true\n  SONAR_AUTH_SAML_SIGNATURE_ENABLED: *on\n",
     "sonar.auth.saml.enabled", "true"),
    # a '#' inside a value is no comment; ' #' after an unquoted one is
    ("SONAR_AUTH_SAML_LOGINURL=https://idp.example/sso#saml\n", "sonar.auth.saml.loginUrl",
     "https://idp.example/sso#saml"),
    ("SONAR_AUTH_SAML_LOGINURL: https://idp.example/sso # the IdP\n", "sonar.auth.saml.loginUrl",
     "https://idp.example/sso"),
    # CRLF, export, a list item
    ("export SONAR_AUTH_SAML_PROVIDERID=https://idp.example\r\nexport FOO\r\n", "sonar.auth.saml.providerId",
     "https://idp.example"),
    ("    - SONAR_AUTH_SAML_PROVIDERID=https://idp.example\n", "sonar.auth.saml.providerId", "https://idp.example"),
])
def test_an_environment_value_is_what_the_container_gets(text, key, want):
    assert env_settings(text).get(key) == want, env_settings(text)


def test_a_block_scalar_value_is_its_lines_not_its_indicator():
    """Fails on the old code: `SONAR_AUTH_SAML_CERTIFICATE_SECURED: |` gave the certificate '|' (YAML
    1.2.2 8.1: the value is the more indented lines below); '>' folds them, '-' drops the last line end."""
    body = ["MIIBszCCARygAwIBAgIUTEST", "ONLYabcdef0123456789"]
    for style, want in (("|", "\n".join(body) + "\n"), ("|-", "\n".join(body)), (">-", " ".join(body))):
        text = ("services:\n  sonarqube:\n    environment:\n"
                f"      SONAR_AUTH_SAML_CERTIFICATE_SECURED: {style}\n"
                + "".join(f"        {b}\n" for b in body)
                + "\n      SONAR_AUTH_SAML_ENABLED: \"true\"\n")
        got = env_settings(text)
        assert got.get("sonar.auth.saml.certificate.secured") == want, (style, got)
        assert got.get("sonar.auth.saml.enabled") == "true", got


def test_an_alias_of_no_anchor_and_a_variable_without_value_set_nothing():
    assert env_settings("SONAR_AUTH_SAML_ENABLED: *nowhere\nexport SONAR_AUTH_SAML_PROVIDERID\n") == {}


def test_env_settings_grow_linearly_with_hostile_lines():
    """100,000 lines of every shape above (block scalars, anchors, quotes, unicode keys, '#')."""
    shapes = ['SONAR_AUTH_SAML_ENABLED: "tr#ue" # c', "- 'SONAR_AUTH_SAML_APPLICATIONID=a''b'",
              "SONAR_AUTH_SAML_CERTIFICATE_SECURED: >+\n  a\n\n  b", "ÜSONAR_AUTH_SAML_ENABLED: x",
              "SONAR_AUTH_SAML_USER_LOGIN: &a" + " x" * 20, "SONAR_AUTH_SAML_USER_NAME: *a",
              'SONAR_AUTH_SAML_USER_EMAIL: "' + "\\" * 41, "export SONAR_AUTH_SAML_GROUP_NAME"]
    make = lambda n: "\r\n".join(shapes[i % len(shapes)] for i in range(n))  # noqa: E731
    assert_linear(env_settings, make, 25_000)


# --- capture_clocks.capture_shifts: many captures, cycles ------------------------------------------------------

_T0 = datetime(2026, 11, 30, 12, 0, 0)


def _sent(ident: str, capture: str, seconds: float, ref: str = "entry 1"):
    """A captured AuthnRequest (what capture_shifts reads of a ParsedMessage's message)."""
    return SimpleNamespace(message=SimpleNamespace(
        kind="AuthnRequest", id=ident, logged_by=None, captured_at=_T0 + timedelta(seconds=seconds),
        source=SimpleNamespace(input=capture, ref=ref), assertions=[]))


def test_captures_sharing_one_authnrequest_are_measured_linearly():
    """Fails on the old code: every pair of the captures sharing an AuthnRequest was measured (1,000
    captures: 500,000 pairs, 1.6 s; 4,000: half a minute); each against the first now (the others'
    differences follow from those). Each capture's clock 10 s ahead of the one before."""
    from samlscan.capture_clocks import capture_shifts

    make = lambda n: [_sent("_req", f"cap{i:05d}.har", 10 * i) for i in range(n)]  # noqa: E731
    got = capture_shifts(make(1000))
    assert len(got) == 999 and got["cap00999.har"] == timedelta(seconds=9990), len(got)
    assert_linear(capture_shifts, make, 500)


def test_captures_in_a_cycle_of_differences_that_disagree_are_not_shifted():
    """Fails on the old code: A is 10 s behind B, B behind C, C behind A (three AuthnRequests, each
    shared by two captures): no clock difference fits all three, yet B was shifted +10 s and C -10 s
    (whichever edge the walk met first), re-timing posts against what another shared request says."""
    from samlscan.capture_clocks import capture_shifts

    cycle = [_sent("r1", "A", 0), _sent("r1", "B", 10), _sent("r2", "B", 0, "entry 2"),
             _sent("r2", "C", 10, "entry 2"), _sent("r3", "C", 0, "entry 3"), _sent("r3", "A", 10, "entry 3")]
    assert capture_shifts(cycle) == {}
    consistent = [_sent("r1", "A", 0), _sent("r1", "B", 10), _sent("r2", "B", 0, "entry 2"),
                  _sent("r2", "C", 10, "entry 2"), _sent("r3", "A", 0, "entry 3"), _sent("r3", "C", 20, "entry 3")]
    assert capture_shifts(consistent) == {"B": timedelta(seconds=10), "C": timedelta(seconds=20)}


def test_a_response_posted_10000_times_is_10000_minus_one_replays_linearly():
    from samlscan.correlate.posts import replayed_posts

    def make(n):
        return [SimpleNamespace(message=SimpleNamespace(
            kind="Response", id="_r", logged_by=None, captured_at=_T0 + timedelta(seconds=5 * i),
            source=SimpleNamespace(input="one.har", ref=f"entry {i}"), assertions=[SimpleNamespace(id="_a")]))
            for i in range(n)]
    assert len(replayed_posts(make(10_000), {"_a"})) == 9_999
    assert_linear(lambda ms: replayed_posts(ms, {"_a"}), make, 2_500)


# --- dockerparts.groups: a long record that is not a line's first part --------------------------------------

_ROOT = Path(__file__).resolve().parent.parent
_DOCKER27 = _ROOT / "tests" / "data" / "docker27"


def _with_long_whole_line(tmp_path: Path) -> Path:
    """docker27's json-file log with a whole line (its record ends its line) of over 16 KiB of bytes
    after its first record: a DEBUG line of 3,000 '<', each written '\\u003c' by Go's encoder."""
    lines = (_DOCKER27 / "web-json.log").read_text().splitlines(True)
    first = json.loads(lines[0])
    long = json.dumps({"log": first["log"].rstrip("\n") + " " + "<" * 3000 + "\n", "stream": "stdout",
                       "time": first["time"]}, separators=(",", ":")).replace("<", "\\u003c")
    path = tmp_path / "web-long.log"
    path.write_text(lines[0] + long + "\n" + "".join(lines[1:]))
    return path


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_whole_line_over_16_kib_is_no_part_and_no_hang(tmp_path, jobs):
    """Fails on the old code (hangs: killed after 120 s): groups() looked for the next long line from
    the same place after a long record that starts no group (a whole line, or no Docker record), and
    found that record again, forever: any Docker log of a SAML DEBUG line whose escapes make its record
    over 16 KiB. The file says what docker27's own log says (its message verified, one success)."""
    path = _with_long_whole_line(tmp_path)
    got = subprocess.run([sys.executable, "-m", "samlscan", "scan", "--jobs", jobs, str(path)],
                         capture_output=True, text=True, timeout=120, cwd=_ROOT,
                         env={**os.environ, "PYTHONPATH": str(_ROOT)})
    assert got.returncode in (0, 1) and "Traceback" not in got.stderr, got.stderr[-2000:]
    assert "1 scanned, 0 skipped, 0 failed; 1 message(s), 2 log event(s), 1 attempt(s); 0 error(s)" \
        in got.stdout + got.stderr, (got.stdout + got.stderr)[-1000:]


def test_groups_pass_each_long_record_once():
    from samlscan import dockerparts

    def rec(text: str) -> bytes:
        return json.dumps({"log": text, "stream": "stdout"}, separators=(",", ":")).encode() + b"\n"
    make = lambda n: b"".join(rec("x") + rec("y" * dockerparts.PART + "\n") for _ in range(n))  # noqa: E731
    data = make(10)
    assert dockerparts.groups(data, 0, len(data)) == []
    assert_linear(lambda d: dockerparts.groups(d, 0, len(d)), make, 500)


# --- logs/traefik.py: a common line's router and service of any length ----------------------------------------

def test_a_common_line_with_a_long_router_name_is_read():
    """Fails on the old code: a router name over 1,024 characters (or a service URL over 2,048) made
    the line no Traefik line at all: the callback was lost."""
    from samlscan.logs import traefik

    for router, server in (("r" * 10_000, "http://sonar:9000"), ("sonar@docker", "http://s/" + "p" * 5000)):
        line = ('10.0.0.1 - - [30/Nov/2026:12:00:00 +0000] "POST /oauth2/callback/saml HTTP/1.1" 0 0 "-" '
                f'"Mozilla/5.0" 1 "{router}" "{server}" 5ms')
        got = traefik.read_common(1, line)
        assert got is not None and got.path == "/oauth2/callback/saml" and got.proxy, got
