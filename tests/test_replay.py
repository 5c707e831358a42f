"""assertion-replayed: a second use of one response, not a second copy of one use."""
from __future__ import annotations

import base64
import json
from pathlib import Path

from samlscan.config import build
from samlscan.correlate import correlate
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
    """java-saml writes the response twice while handling one callback (Auth.java): one message
    (the web.log reader keeps the first copy of a request's dump: tests/test_case8.py)."""
    codes, report = _codes(tmp_path, [_line(2, "AZWEd1kLm9QzR2xP0wAB", "processResponse success"),
                                      _line(2, "AZWEd1kLm9QzR2xP0wAB", "")])
    assert len(report.messages) == 1 and codes == []


def test_the_same_response_under_two_requests_is_a_replay(tmp_path):
    codes, _ = _codes(tmp_path, [_line(2, "AZWEd1kLm9QzR2xP0wAB", "processResponse success"),
                                 _line(9, "AZWEd1kLm9QzR2xP0wAC", "processResponse success")])
    assert codes == ["assertion-replayed"]


def test_posted_twice_in_a_capture_is_a_replay(tmp_path):
    report = analyze([_har_posting_twice(tmp_path)], build({}, FIXTURES / "config/default.toml"))
    assert [f.code for f in report.all_findings()].count("assertion-replayed") == 1


def test_a_post_sent_again_in_another_capture_is_a_replay_and_the_same_post_saved_twice_is_not(tmp_path):
    """Back and reload with each try captured in its own HAR: two posts (the replay was lost when
    uses were counted per capture); the same HAR saved twice, or a HAR and a SAML-tracer export
    of one login, are one post captured twice (the same moment)."""
    import datetime

    first = _chrome_har()
    again = json.loads(json.dumps(first))
    # the POST sent again 40 s later (Back: the browser re-sends the form, no new AuthnRequest; a
    # whole session 40 s later, its AuthnRequest too, is one login on a clock 40 s off: test_sameposts27)
    again["log"]["entries"] = again["log"]["entries"][4:]
    for e in again["log"]["entries"]:
        t = datetime.datetime.fromisoformat(e["startedDateTime"].replace("Z", "+00:00"))
        e["startedDateTime"] = (t + datetime.timedelta(seconds=40)).isoformat().replace("+00:00", "Z")
    config = build({}, FIXTURES / "config/default.toml")
    (tmp_path / "first.har").write_text(json.dumps(first))
    (tmp_path / "copy.har").write_text(json.dumps(first))
    assert not [f for f in analyze([str(tmp_path / "first.har"), str(tmp_path / "copy.har")], config).all_findings()
                if f.code == "assertion-replayed"]
    (tmp_path / "second.har").write_text(json.dumps(again))
    report = analyze([str(tmp_path / "first.har"), str(tmp_path / "copy.har"), str(tmp_path / "second.har")], config)
    (finding,) = [f for f in report.all_findings() if f.code == "assertion-replayed"]
    assert finding.message_text.endswith("was used 2 times") and finding.source.input.endswith("second.har")


def test_a_har_and_a_saml_tracer_export_of_one_login_are_one_post(tmp_path):
    """SAML-tracer writes no time per request: its POST was a use of its own beside the HAR's (a
    false replay); a tracer export posting the response twice is still a replay."""
    import sys

    sys.path.insert(0, str(FIXTURES))
    import gen_captures as gc

    req = (b'<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_req1" '
           b'Version="2.0" IssueInstant="2025-03-11T08:40:57Z"/>')
    okta = (FIXTURES / "responses/valid/okta.xml").read_bytes()
    (tmp_path / "login.har").write_text(json.dumps(_chrome_har()))
    tracer = gc.tracer_export(req, okta)
    (tmp_path / "tracer.json").write_text(json.dumps(tracer))
    config = build({}, FIXTURES / "config/default.toml")
    report = analyze([str(tmp_path / "login.har"), str(tmp_path / "tracer.json")], config)
    assert len(report.messages) >= 4
    assert [f for f in report.all_findings() if f.code == "assertion-replayed"] == []
    posts = [r for r in tracer["requests"] if r.get("post")]
    tracer["requests"].append(json.loads(json.dumps(posts[-1])))  # posted again
    (tmp_path / "twice.json").write_text(json.dumps(tracer))
    report = analyze([str(tmp_path / "login.har"), str(tmp_path / "twice.json")], config)
    assert [f.code for f in report.all_findings()].count("assertion-replayed") == 1


def test_one_message_saved_in_several_files_is_not_a_replay(tmp_path):
    """A support case's attachments: the HAR, the value copied out of it, the decoded XML, and a
    paste holding both the value and its XML: four copies of one POST (each was a use: a false
    assertion-replayed)."""
    xml = (FIXTURES / "responses/valid/okta.xml").read_text()
    (tmp_path / "value.b64").write_text(B64)
    (tmp_path / "decoded.xml").write_text(xml)
    (tmp_path / "both.txt").write_text(f"SAMLResponse:\n{B64}\n\ndecoded:\n{xml}\n")
    har = tmp_path / "once.har"
    har.write_text(json.dumps(_chrome_har()))
    report = analyze(sorted(str(p) for p in tmp_path.iterdir()), build({}, FIXTURES / "config/default.toml"))
    assert len(report.messages) >= 4
    assert [f for f in report.all_findings() if f.code == "assertion-replayed"] == []
    # and one login: the copies join the HAR's attempt (each copy was an attempt of its own)
    (attempt,) = correlate(report).attempts
    assert {e.input.rsplit("/", 1)[-1] for e in attempt.evidence} == {"once.har", "value.b64", "decoded.xml",
                                                                     "both.txt"}


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


def _chrome_har() -> dict:
    """A Chrome HAR (fixtures/gen_captures.py) of one login posting the signed okta.xml."""
    import sys

    sys.path.insert(0, str(FIXTURES))
    import gen_captures as gc

    req = (b'<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_req1" '
           b'Version="2.0" IssueInstant="2025-03-11T08:40:57Z"/>')
    return gc.chrome_har(req, (FIXTURES / "responses/valid/okta.xml").read_bytes())


def _har_posting_twice(tmp_path) -> str:
    """The HAR's POST sent again (double click, as tests/test_flows.py builds it)."""
    doc = _chrome_har()
    entries = doc["log"]["entries"]
    assert entries[4]["request"]["method"] == "POST"
    again = json.loads(json.dumps(entries[4]))
    again["response"]["headers"] = [{"name": "Location", "value": "/sessions/unauthorized"}]
    again["response"]["redirectURL"] = "/sessions/unauthorized"
    entries.insert(5, again)
    har = tmp_path / "c.har"
    har.write_text(json.dumps(doc))
    return str(har)


def test_a_replay_seen_in_a_capture_and_a_log_is_one_finding_naming_both(tmp_path):
    """The HAR posts the response twice and web.log received it under two requests: one ID, one
    finding (it was two, one per origin), its places in both inputs."""
    har = _har_posting_twice(tmp_path)
    _codes(tmp_path, [_line(2, "AZWEd1kLm9QzR2xP0wAB", "processResponse success"),  # line 2
                      _line(2, "AZWEd1kLm9QzR2xP0wAB", ""),  # java-saml's second dump: same use
                      _line(3, "AZWEd1kLm9QzR2xP0wAC", "processResponse success")])  # line 4
    log = str(tmp_path / "web.log")
    report = analyze([har, log], build({}, FIXTURES / "config/default.toml"))
    (finding,) = [f for f in report.all_findings() if f.code == "assertion-replayed"]
    assert finding.message_text.endswith("was used 2 times")
    assert finding.actual == f"{har} entry 4; {har} entry 5; {log} line 2; {log} line 4"
    assert (finding.source.input, finding.source.ref) == (har, "entry 5")  # the second POST
    # whatever order the inputs come in
    again = analyze([log, har], build({}, FIXTURES / "config/default.toml"))
    assert [(f.source, f.actual) for f in again.all_findings() if f.code == "assertion-replayed"] == [
        (finding.source, finding.actual)]


def test_a_captured_post_and_its_logged_copy_are_one_use(tmp_path):
    (tmp_path / "a.b64").write_text(B64)
    codes, _ = _codes(tmp_path, [_line(2, "AZWEd1kLm9QzR2xP0wAB", "processResponse success"),
                                 _line(2, "AZWEd1kLm9QzR2xP0wAB", "")])
    report = analyze([str(tmp_path / "a.b64"), str(tmp_path / "web.log")], build({}, FIXTURES / "config/default.toml"))
    assert codes == [] and [f for f in report.all_findings() if f.code == "assertion-replayed"] == []


def test_a_replay_only_the_log_saw_is_one_finding_at_the_log(tmp_path):
    """Captured once, logged under two requests: the second request's copy is the replay."""
    (tmp_path / "a.b64").write_text(B64)
    _codes(tmp_path, [_line(2, "AZWEd1kLm9QzR2xP0wAB", "processResponse success"),
                      _line(9, "AZWEd1kLm9QzR2xP0wAC", "processResponse success")])
    log = str(tmp_path / "web.log")
    report = analyze([str(tmp_path / "a.b64"), log], build({}, FIXTURES / "config/default.toml"))
    (finding,) = [f for f in report.all_findings() if f.code == "assertion-replayed"]
    assert (finding.source.input, finding.source.ref) == (log, "line 3")
    assert finding.actual == f"{tmp_path / 'a.b64'}; {log} line 2; {log} line 3"
