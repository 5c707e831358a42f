"""Fuzzing round 13: the code added late today under hostile and look-alike input: SonarQube's
access.log reader (quotes in the User-Agent, long X-Forwarded-For lists, 100,000 callbacks of one
client, long lines), the program-source heuristic on logs that quote code (a Python traceback above
the request lines), and SimpleSAMLphp's state-lost warning decided by its own session's next event
(other sessions between, warnings in a row, thousands of sessions). Growth is compared between two
sizes, never an absolute time.
"""
from __future__ import annotations

import json
from datetime import timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.logs import sqaccess
from samlscan.logs.simplesamlphp import SimpleSamlPhpParser
from samlscan.model import LogEvent
from test_fuzz12 import _linear

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"


# --- SonarQube access.log ----------------------------------------------------------------------------

def _sq(lines: list[str]) -> list[LogEvent]:
    return [e for e in sqaccess.PARSER.parse(list(enumerate(lines, 1)), "access.log", timezone.utc)
            if isinstance(e, LogEvent)]


def _callback(ua: str = "Mozilla/5.0", host: str = "203.0.113.7", sec: int = 7) -> str:
    return (f'{host} - - [11/Mar/2025:09:41:{sec:02d} +0100] "POST /oauth2/callback/saml HTTP/1.1" 302 0 '
            f'"https://idp.example.com/" "{ua}" "AZX3nNqjzcxyp1ZbAAAA" 12')


def _unauthorized(ua: str = "Mozilla/5.0", host: str = "203.0.113.7", sec: int = 8) -> str:
    return (f'{host} - - [11/Mar/2025:09:41:{sec:02d} +0100] "GET /sessions/unauthorized HTTP/1.1" 200 0 '
            f'"-" "{ua}" "AZX3nNqjzcxyp1ZbAAAB" 3')


@pytest.mark.parametrize("ua", ['Mozilla/5.0 (X11) \\"quoted\\" build', 'Mozilla/5.0 "raw" quotes',
                                'ends with a quote"', 'Mozilla \\x22nginx\\x22', 'a\\\\'])
def test_a_quote_in_the_user_agent_keeps_the_callback_and_its_verdict(ua):
    """Apache writes a quote in a header '\\"', logback-access as it came: the line was no access line
    at all (the User-Agent ran to its first quote), the failed login lost."""
    got = _sq([_callback(ua), _unauthorized(ua)])
    assert [e.outcome for e in got] == ["failure"] and got[0].request_id == "AZX3nNqjzcxyp1ZbAAAA"


def test_a_long_x_forwarded_for_list_keeps_the_line_and_its_first_address():
    hops = ", ".join(["198.51.100.9"] + [f"10.0.{i // 250}.{i % 250}" for i in range(40)])
    got = _sq([_callback(host=hops), _unauthorized(host=hops)])
    assert [(e.outcome, e.ip) for e in got] == [("failure", "198.51.100.9")]


def test_clients_of_other_user_agents_stay_apart_with_quotes_in_them():
    a, b = 'Mozilla "A"', 'Mozilla "B"'
    got = _sq([_callback(a), _callback(b), _unauthorized(b, sec=8), _unauthorized(a, sec=30)])
    assert sorted(e.outcome for e in got) == ["failure", "success"]


def _sq_text(text: str) -> None:
    _sq(text.split("\n"))


@pytest.mark.parametrize("make", [
    lambda n: _callback('" "' * n),  # quotes in a User-Agent: each one a place the line could end
    lambda n: _callback('x' * 10).replace('"AZX3nNqjzcxyp1ZbAAAA" 12', '" "x' * n),
    lambda n: ", ".join(["10.0.0.1"] * n) + " - - [",
    lambda n: "a," * n + "a",
    lambda n: "\n".join([_callback(sec=7)] * n),  # 100,000 callbacks of one client, in the test's scale
])
def test_hostile_access_lines_are_read_in_linear_time(make):
    _linear(_sq_text, make, 2000)


def test_many_callbacks_of_one_client_each_get_a_verdict():
    got = _sq([_callback()] * 100_000 + [_unauthorized()])
    assert len(got) == 100_000 and got[-1].outcome == "failure"
    assert {e.outcome for e in got[:-1]} == {"info"}


# --- program source and logs that quote code ---------------------------------------------------------

_TRACEBACK = ('Internal Server Error: /saml/acs/\nTraceback (most recent call last):\n'
              '  File "/app/views.py", line 12, in acs\n    return process(request)\n'
              '  File "/app/saml.py", line 40, in process\n    from onelogin.saml2.auth import OneLogin_Saml2_Auth\n'
              '  File "/app/saml.py", line 41, in process\n    import base64\nValueError: bad\n')


def _requests() -> list[str]:
    out = []
    for name in ("authnrequest-redirect.txt", "authnrequest-redirect-signed.txt"):
        url = (FIXTURES / "requests" / name).read_text().strip()
        out.append(url[url.index("/", 8):])
    return out


def _scan(path: Path) -> dict:
    res = CliRunner().invoke(main, ["scan", str(path), "--format", "json", "--fail-on", "never"])
    assert res.exception is None and "Traceback" not in res.stderr, res.output[-1500:]
    return json.loads(res.stdout)


@pytest.mark.parametrize("copies", [1, 200])  # (small, and past the sniff's 64 KB)
def test_a_django_log_with_a_traceback_keeps_every_request_line(tmp_path, copies):
    """Django's runserver log: a traceback's source lines ('return ...', 'import ...') were counted as
    program source, so the log was read as one pasted value: one message of 400."""
    one, two = _requests()
    body = (f'[11/Mar/2025 09:41:07] "GET {one} HTTP/1.1" 302 0\n'
            f'[11/Mar/2025 09:41:09] "GET {two} HTTP/1.1" 302 0\n' + "x" * 200 + "\n") * copies
    log = tmp_path / "django.log"
    log.write_text(_TRACEBACK + body)
    doc = _scan(log)
    assert len(doc["messages"]) == 2 * copies and doc["inputs"][0]["kind"] == "log:embedded"


def test_program_source_is_still_told_beside_a_traceback():
    from samlscan.engine import _program

    code = "def acs(request):\n    import base64\n    return process(request)\n"
    assert _program(_TRACEBACK + code)
    assert not _program(_TRACEBACK)


def test_the_traceback_rule_is_linear_on_long_lines():
    from samlscan.errorpages import source_code

    _linear(source_code, lambda n: ('  File "' + "x" * n + '", line 1\n    return x\n') * 3, 20000)
    _linear(source_code, lambda n: "return x\n" * n, 20000)


# --- SimpleSAMLphp: the state-lost warning -----------------------------------------------------------

_WARN = ("Feb 2 11:{m:02d}:{s:02d} simplesamlphp WARNING [{t}] Could not load state specified by InResponseTo: "
         "_abc Processing response as unsolicited.")
_DENY = ("Feb 2 11:{m:02d}:{s:02d} simplesamlphp ERROR [{t}] SimpleSAML\\Error\\Exception: Unsolicited responses "
         "are denied by configuration.")
_OTHER = "Feb 2 11:{m:02d}:{s:02d} simplesamlphp ERROR [{t}] SimpleSAML\\Error\\Exception: Something else"


def _ssp(lines: list[str]) -> list[tuple[str, str]]:
    parsed = SimpleSamlPhpParser(2025).parse(list(enumerate(lines, 1)), "ssp.log", timezone.utc)
    return [(e.outcome, e.request_id, e.text[:20]) for e in parsed if isinstance(e, LogEvent)]


def test_a_state_lost_warning_is_decided_by_its_own_session_not_another():
    got = _ssp([_WARN.format(m=37, s=1, t="aaaaaaaaaa"), _OTHER.format(m=37, s=1, t="bbbbbbbbbb"),
                _DENY.format(m=37, s=2, t="aaaaaaaaaa")])
    assert [g[:2] for g in got] == [("failure", "aaaaaaaaaa"), ("failure", "bbbbbbbbbb"), ("failure", "aaaaaaaaaa")]


def test_two_sessions_losing_their_state_at_once_are_both_failures():
    got = _ssp([_WARN.format(m=37, s=1, t="aaaaaaaaaa"), _WARN.format(m=37, s=1, t="bbbbbbbbbb"),
                _DENY.format(m=37, s=2, t="aaaaaaaaaa"), _DENY.format(m=37, s=2, t="bbbbbbbbbb")])
    assert [g[0] for g in got] == ["failure"] * 4 and [g[1] for g in got] == ["aaaaaaaaaa", "bbbbbbbbbb"] * 2


def test_a_warning_followed_by_another_warning_is_no_refusal():
    """The next warning of the session is another response processed as unsolicited, not a refusal."""
    got = _ssp([_WARN.format(m=37, s=1, t="aaaaaaaaaa"), _WARN.format(m=37, s=2, t="aaaaaaaaaa")])
    assert [g[0] for g in got] == ["info", "info"]


def test_a_warning_whose_session_answers_too_late_or_never_is_a_note():
    got = _ssp([_WARN.format(m=37, s=1, t="aaaaaaaaaa"), _OTHER.format(m=38, s=0, t="bbbbbbbbbb"),
                _DENY.format(m=39, s=0, t="aaaaaaaaaa"), _WARN.format(m=40, s=0, t="cccccccccc")])
    assert [g[0] for g in got] == ["info", "failure", "failure", "info"]


def test_thousands_of_warnings_in_a_row_keep_line_order_and_linear_time():
    def log(n: int) -> list[str]:
        return [_WARN.format(m=(i // 60) % 60, s=i % 60, t=f"{i:010d}") for i in range(n)]

    got = _ssp(log(5000))
    assert len(got) == 5000 and {g[0] for g in got} == {"info"}
    assert [g[1] for g in got] == [f"{i:010d}" for i in range(5000)]
    _linear(_ssp, log, 2000)
    same_second = [_WARN.format(m=1, s=1, t=f"{i:010d}") for i in range(10000)]
    _linear(_ssp, lambda n: same_second[:n], 2000)  # (none expires by time: the bound does)
