"""assertion-replayed: a second use of one response, not a second copy of one use."""
from __future__ import annotations

import base64
from pathlib import Path

from samlscan.config import build
from samlscan.engine import analyze

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
B64 = base64.b64encode((FIXTURES / "responses/valid/okta.xml").read_bytes()).decode()


def _line(second: int, request_id: str, prefix: str) -> str:
    return (f"2025.03.11 09:41:{second:02d} DEBUG web[{request_id}][c.o.saml2.Auth] "
            f"{prefix} --> {B64}")


def _codes(tmp_path, lines):
    log = tmp_path / "web.log"
    log.write_text("2025.03.11 09:40:01 INFO  web[][o.s.s.a.SamlAuthenticator] SAML authentication is enabled\n"
                   + "\n".join(lines) + "\n")
    report = analyze([str(log)], build({}, FIXTURES / "config/default.toml"))
    return [f.code for f in report.all_findings() if f.code == "assertion-replayed"], report


def test_two_dumps_of_one_request_are_one_use(tmp_path):
    """java-saml writes the response twice while handling one callback (Auth.java)."""
    codes, report = _codes(tmp_path, [_line(2, "AZWEd1kLm9QzR2xP0wAB", "processResponse success"),
                                      _line(2, "AZWEd1kLm9QzR2xP0wAB", "")])
    assert len(report.messages) == 2 and codes == []


def test_the_same_response_under_two_requests_is_a_replay(tmp_path):
    codes, _ = _codes(tmp_path, [_line(2, "AZWEd1kLm9QzR2xP0wAB", "processResponse success"),
                                 _line(9, "AZWEd1kLm9QzR2xP0wAC", "processResponse success")])
    assert codes == ["assertion-replayed"]


def test_posted_twice_in_captures_is_a_replay(tmp_path):
    for name in ("a.b64", "b.b64"):
        (tmp_path / name).write_text(B64)
    report = analyze(sorted(str(p) for p in tmp_path.iterdir()), build({}, FIXTURES / "config/default.toml"))
    assert [f.code for f in report.all_findings()].count("assertion-replayed") == 1


def test_a_replay_storm_lists_its_first_places_in_line_order():
    from samlscan.engine import REPLAY_PLACES, replay_findings
    from samlscan.model import Source

    class Msg:  # just what replay_findings reads
        def __init__(self, line):
            self.kind, self.logged_by, self.id, self.assertions = "Response", "sonarqube:req%d" % line, "R1", ()
            self.source = Source("web.log", f"line {line}")

    class Result:
        def __init__(self, line):
            self.message = Msg(line)

    lines = [100, 9, 1000, 10, *range(2000, 2020)]
    (finding,) = replay_findings([Result(n) for n in lines])
    places = finding.actual.split("; ")
    assert places[:4] == ["web.log line 9", "web.log line 10", "web.log line 100", "web.log line 1000"]
    assert len(places) == REPLAY_PLACES + 1 and places[-1] == f"and {len(lines) - REPLAY_PLACES} more"
