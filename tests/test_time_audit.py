"""Time audit: every place a time enters samlscan (captures, SAML times, logs, --at), the verdicts
at the window's edges, and capture-time judging end to end (design.md, Evaluation time)."""
from __future__ import annotations

import base64
import json
import re
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.config import build
from samlscan.engine import analyze_raw
from samlscan.inputs import har
from samlscan.inputs.base import RawMessage
from samlscan.logs import embedded, parse_file
from samlscan.logs import simplesamlphp
from samlscan.logs.base import EmbeddedSaml
from samlscan.model import LogEvent, Source
from samlscan.saml import parse_saml_time, parse_time

FIX = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIX))
import gen_captures as GC  # noqa: E402

UTC = timezone.utc
PARIS = ZoneInfo("Europe/Paris")
DEFAULT = build({}, FIX / "config" / "default.toml")


def utc(*a) -> datetime:
    return datetime(*a, tzinfo=UTC)


# --- SAML time values (saml.py) -------------------------------------------------------------

@pytest.mark.parametrize("text,want", [
    ("2025-03-11T08:41:02Z", utc(2025, 3, 11, 8, 41, 2)),
    ("2025-03-11T08:41:02.123Z", utc(2025, 3, 11, 8, 41, 2, 123000)),
    ("2025-03-11T08:41:02.123456Z", utc(2025, 3, 11, 8, 41, 2, 123456)),
    ("2025-03-11T08:41:02.1234567Z", utc(2025, 3, 11, 8, 41, 2, 123456)),  # .NET / AD FS
    ("2025-03-11T08:41:02.123456789Z", utc(2025, 3, 11, 8, 41, 2, 123456)),
    ("2025-03-11T09:41:02+01:00", utc(2025, 3, 11, 8, 41, 2)),
    ("2025-03-11T03:41:02.5-05:00", utc(2025, 3, 11, 8, 41, 2, 500000)),
    ("2025-03-11T08:41:02", utc(2025, 3, 11, 8, 41, 2)),  # no zone: UTC (and said, see below)
    ("2025-03-11T24:00:00Z", utc(2025, 3, 12)),  # XML Schema 2 3.2.7: end of day
    ("9999-12-31T23:59:59Z", utc(9999, 12, 31, 23, 59, 59)),
    ("9999-12-31T23:59:59-01:00", datetime.max.replace(tzinfo=UTC)),  # clamped, no OverflowError
    ("0001-01-01T00:00:00+01:00", datetime.min.replace(tzinfo=UTC)),
])
def test_saml_time_values_are_read_right(text, want):
    assert parse_saml_time(text) == want


@pytest.mark.parametrize("text", [
    "2025-12-31T23:59:60Z",  # leap second: SAML core 1.3.3 forbids generating one
    "garbage", "", "2025-03-11", "2025-03-11 08:41:02Z", "2025-03-11T08:41Z", "20250311T084102Z",
    "2025-W11-2T08:41:02Z", "2025-03-11T08:41:02+15:00", "2025-02-30T08:41:02Z", "-0001-01-01T00:00:00Z",
])
def test_not_an_xs_datetime(text):
    assert parse_saml_time(text) is None


def test_lenient_parse_time_never_raises_on_range():
    """parse_time (also --at's) raised OverflowError out of the parser for a valid xs:dateTime."""
    assert parse_time("9999-12-31T23:59:59-01:00") == datetime.max.replace(tzinfo=UTC)
    assert parse_time("2025-03-11") == utc(2025, 3, 11)  # --at with a date only stays accepted


# --- verdicts of checks/timing.py ----------------------------------------------------------

def response_xml(nb="2025-03-11T08:36:00Z", nooa="2025-03-11T08:46:00Z", scd="2025-03-11T08:46:00Z",
                 ii="2025-03-11T08:41:00Z", session="2025-03-11T16:41:00Z") -> str:
    """A small unsigned Response with the given time values (the time checks need no signature)."""
    return f"""<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
 xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0" IssueInstant="{ii}"
 Destination="https://sonar.example.com/oauth2/callback/saml">
 <saml:Issuer>https://idp.example.org/saml2/idp</saml:Issuer>
 <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
 <saml:Assertion ID="_a1" Version="2.0" IssueInstant="{ii}">
  <saml:Issuer>https://idp.example.org/saml2/idp</saml:Issuer>
  <saml:Subject><saml:NameID>dev.user1@example.com</saml:NameID>
   <saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
    <saml:SubjectConfirmationData NotOnOrAfter="{scd}" Recipient="https://sonar.example.com/oauth2/callback/saml"/>
   </saml:SubjectConfirmation></saml:Subject>
  <saml:Conditions NotBefore="{nb}" NotOnOrAfter="{nooa}">
   <saml:AudienceRestriction><saml:Audience>sonarqube</saml:Audience></saml:AudienceRestriction>
  </saml:Conditions>
  <saml:AuthnStatement AuthnInstant="{ii}" SessionNotOnOrAfter="{session}"/>
 </saml:Assertion></samlp:Response>"""


def judged(xml: str, at: datetime | None, skew: int = 0, captured_at=None):
    expect = replace(DEFAULT, at=at, at_source="--at", clock_skew=skew)  # (as --at gives it)
    res = analyze_raw(RawMessage(Source("t.xml"), "XML", xml, "xml", captured_at=captured_at), 0, expect)
    return {f.code: f for f in res.findings}, res


EDGE = utc(2025, 3, 11, 8, 46)


def test_not_on_or_after_is_exclusive():
    """SAML core 2.5.1.2: NotOnOrAfter equal to the evaluation time is expired."""
    assert "assertion-expired" in judged(response_xml(scd="2025-03-11T09:00:00Z"), EDGE)[0]
    assert "assertion-expired" not in judged(response_xml(scd="2025-03-11T09:00:00Z"),
                                             EDGE - timedelta(microseconds=1))[0]
    assert "subject-confirmation-expired" in judged(response_xml(nooa="2025-03-11T09:00:00Z"), EDGE)[0]


def test_not_before_is_inclusive():
    nb = utc(2025, 3, 11, 8, 36)
    assert "assertion-not-yet-valid" not in judged(response_xml(), nb)[0]
    assert "assertion-not-yet-valid" in judged(response_xml(), nb - timedelta(seconds=1))[0]


def test_clock_skew_moves_both_edges():
    x = response_xml(scd="2025-03-11T09:00:00Z")
    assert "assertion-expired" not in judged(x, EDGE + timedelta(seconds=179), 180)[0]
    assert "assertion-expired" in judged(x, EDGE + timedelta(seconds=180), 180)[0]
    nb = utc(2025, 3, 11, 8, 36)
    assert "assertion-not-yet-valid" not in judged(x, nb - timedelta(seconds=180), 180)[0]
    assert "assertion-not-yet-valid" in judged(x, nb - timedelta(seconds=181), 180)[0]


def test_year_9999_with_skew_does_not_crash():
    """NotOnOrAfter + skew left datetime's range (OverflowError out of the checks)."""
    far = "9999-12-31T23:59:59Z"
    codes, _ = judged(response_xml(nooa=far, scd=far, session=far), utc(2025, 3, 11, 8, 41), 180)
    assert not {"assertion-expired", "subject-confirmation-expired", "session-expired", "internal-error"} & set(codes)
    codes, _ = judged(response_xml(nb="0001-01-01T00:00:00Z"), utc(2025, 3, 11, 8, 41), 180)
    assert not {"assertion-not-yet-valid", "internal-error"} & set(codes)


def test_offset_times_read_right_and_said():
    x = response_xml(nooa="2025-03-11T09:46:00+01:00", scd="2025-03-11T09:46:00+01:00")
    codes, _ = judged(x, EDGE - timedelta(seconds=1))
    assert "assertion-expired" not in codes and "input-xml-malformed" not in codes
    note = codes["time-not-utc"].message_text
    assert codes["time-not-utc"].severity.value == "warning"
    assert "UTC offset" in note and "2025-03-11T08:46:00Z" in note and "python3-saml" in note
    assert "assertion-expired" in judged(x, EDGE)[0]
    assert "time-not-utc" not in judged(response_xml(), EDGE - timedelta(seconds=1))[0]


def test_zone_less_times_read_as_utc_and_said():
    codes, _ = judged(response_xml(nooa="2025-03-11T08:46:00"), EDGE)
    assert "assertion-expired" in codes
    assert "without a zone, read as UTC" in codes["time-not-utc"].message_text


@pytest.mark.parametrize("field,kw", [
    ("SubjectConfirmationData NotOnOrAfter", {"scd": "soon"}),
    ("SessionNotOnOrAfter", {"session": "2025-03-11"}),
    ("NotOnOrAfter", {"nooa": "2025-12-31T23:59:60Z"}),
])
def test_unreadable_times_are_reported_not_taken_as_absent(field, kw):
    codes, res = judged(response_xml(**kw), EDGE - timedelta(minutes=1))
    texts = [f.message_text for f in res.findings if f.code == "input-xml-malformed"]
    assert f"Assertion {field} is not an xs:dateTime" in texts


def test_pasted_response_is_judged_at_its_issue_instant_and_says_so():
    codes, res = judged(response_xml(), None)
    assert res.at_source == "issue-instant" and "evaluation-time" in codes
    assert "clock-skew" not in codes  # never measured against the IssueInstant itself


def test_capture_time_wins_over_issue_instant():
    codes, res = judged(response_xml(), None, captured_at=EDGE)
    assert res.at_source == "capture" and "(capture)" in codes["assertion-expired"].message_text


# --- capture times (har.py, tracer.py) --------------------------------------------------------

@pytest.mark.parametrize("text,want", [
    ("2025-03-11T08:41:02.500Z", utc(2025, 3, 11, 8, 41, 2, 500000)),  # Chrome
    ("2025-03-11T09:41:02.500+01:00", utc(2025, 3, 11, 8, 41, 2, 500000)),  # Firefox, local + offset
    ("2025-03-11T10:41:02.123456+02:00", utc(2025, 3, 11, 8, 41, 2, 123456)),
    ("2025-03-11T08:41:02.1234567Z", utc(2025, 3, 11, 8, 41, 2, 123456)),  # Charles / .NET
    ("2025-03-11T03:41:02.5-0500", utc(2025, 3, 11, 8, 41, 2, 500000)),  # offset without colon
    ("2025-03-11T08:41:02.5", utc(2025, 3, 11, 8, 41, 2, 500000)),  # no zone (HAR 1.2 requires one): read as a
    # zone-less log's time, in --timezone's zone for the file, else UTC (values.read_in; test_polish36)
    ("", None), (None, None), (1741682462000, None), ("yesterday", None),
    ("9999-12-31T23:59:59-01:00", None), ("0001-01-01T00:00:00+01:00", None),
])
def test_har_started_date_time(text, want):
    assert har.parse_time(text) == want


def test_tracer_without_request_times_is_judged_at_issue_instant(tmp_path):
    req = (FIX / "requests" / "authnrequest.xml").read_bytes()
    resp = (FIX / "responses" / "valid" / "okta.xml").read_bytes()
    doc = GC.tracer_export(req, resp)
    for r in doc["requests"]:
        for k in ("timestamp", "time", "startedDateTime"):
            r.pop(k, None)
    p = tmp_path / "trace.json"
    p.write_text(json.dumps(doc))
    out = check_json(p)
    resp_msgs = [m for m in out["messages"] if m["type"] == "Response"]
    assert resp_msgs and all(m["evaluation_time_source"] == "issue-instant" for m in resp_msgs)
    assert any(f["code"] == "evaluation-time" for m in resp_msgs for f in m["findings"])


# --- logs: zones and --timezone ----------------------------------------------------------------

ZONED = ["okta/system-log.jsonl", "okta/system-log.json", "entra/signins-graph.json",
         "auth0/tenant-logs.json", "google/saml-activities.json", "keycloak/admin-events.json",
         "adfs/adfs-security-wevtutil.xml", "authentik/events.json"]
ZONE_LESS = ["shibboleth/idp-process.log", "keycloak/keycloak-quarkus.log",
             "simplesamlphp/simplesamlphp.log", "sonarqube/web-javasaml.log", "adfs/adfs-eventviewer.csv"]


def times(path: Path, tz) -> list:
    return [(type(r).__name__, r.time, getattr(r, "local_time", None))
            for r in parse_file(str(path), tz) if isinstance(r, (LogEvent, EmbeddedSaml))]


@pytest.mark.parametrize("name", ZONED)
def test_zoned_log_times_ignore_timezone(name):
    base, paris = times(FIX / "logs" / name, UTC), times(FIX / "logs" / name, PARIS)
    assert base and base == paris
    assert not any(local for _, _, local in base)


@pytest.mark.parametrize("name", ZONE_LESS)
def test_zone_less_log_times_shift_exactly_with_timezone(name):
    base, paris = times(FIX / "logs" / name, UTC), times(FIX / "logs" / name, PARIS)
    events = [(b, p) for b, p in zip(base, paris) if b[0] == "LogEvent" and b[1] is not None]
    assert events and len(base) == len(paris)
    for (_, tb, _), (_, tp, local) in events:
        naive = tb.replace(tzinfo=None)
        assert tp == naive.replace(tzinfo=PARIS).astimezone(UTC) and local is True


@pytest.mark.parametrize("wall,want", [
    # 2025-03-30 02:30 does not exist in Paris: read with the offset before the jump (+01:00)
    ("2025-03-30 02:30:00,000", utc(2025, 3, 30, 1, 30)),
    # 2025-10-26 02:30 happens twice: the first (summer time, +02:00) is taken
    ("2025-10-26 02:30:00,000", utc(2025, 10, 26, 0, 30)),
    ("2025-10-26 03:30:00,000", utc(2025, 10, 26, 2, 30)),
])
def test_dst_edges_of_zone_less_logs(tmp_path, wall, want):
    p = tmp_path / "idp-process.log"
    p.write_text(f"{wall} - 198.51.100.23 - WARN [net.shibboleth.idp.authn.impl.X:1] - failed\n")
    (ev,) = [r for r in parse_file(str(p), PARIS) if isinstance(r, LogEvent)]
    assert ev.time == want and ev.local_time


SAML_B64 = base64.b64encode(response_xml().encode()).decode()


def test_generic_log_zone_less_time_read_in_timezone(tmp_path):
    """The generic finder ignored zone-less line times (no capture time at all)."""
    lines = [(1, f"2025-03-11 09:41:02 app: SAMLResponse={SAML_B64}"),
             (2, f"2025-03-11T08:41:02Z app: SAMLResponse={SAML_B64}"),
             (3, f"2025-03-11 09:41:02.250+01:00 app: SAMLResponse={SAML_B64}")]
    recs = list(embedded.PARSER.parse(lines, "app.log", PARIS))
    assert [r.time for r in recs] == [utc(2025, 3, 11, 8, 41, 2), utc(2025, 3, 11, 8, 41, 2),
                                      utc(2025, 3, 11, 8, 41, 2, 250000)]


def test_simplesamlphp_feb_29_without_year():
    """A line 'Feb 29' later than the file's time went back to a common year (ValueError raised)."""
    t, local = simplesamlphp._time("Feb 29 10:00:00", datetime(2024, 2, 1), PARIS)
    assert t == utc(2020, 2, 29, 9) and local
    assert simplesamlphp._time("Feb 29 10:00:00", datetime(2025, 6, 1), UTC)[0] == utc(2024, 2, 29, 10)
    assert simplesamlphp._time("Mar 10 10:00:00", datetime(2025, 3, 10, 9), UTC)[0] == utc(2025, 3, 10, 10)
    assert simplesamlphp._time("Dec 31 23:00:00", datetime(2025, 1, 2), UTC)[0] == utc(2024, 12, 31, 23)
    assert simplesamlphp._time("Apr 31 10:00:00", datetime(2025, 6, 1), UTC)[0] is None
    assert simplesamlphp._time("Jan 01 25:00:00", datetime(2025, 6, 1), UTC)[0] is None


# --- CLI: --at, HAR capture time, SonarQube local time ------------------------------------------

def noat_config(tmp: Path) -> Path:
    text = (FIX / "config" / "default.toml").read_text()
    text = re.sub(r"(?m)^at\s*=.*$", "", text)
    text = text.replace('"../', f'"{FIX.as_posix()}/').replace(
        '"sonar-settings.json"', f'"{(FIX / "config" / "sonar-settings.json").as_posix()}"')
    p = tmp / "noat.toml"
    p.write_text(text)
    return p


def check_json(*args, config: Path | None = None) -> dict:
    cfg = config or noat_config(Path(args[0]).parent)
    res = CliRunner().invoke(main, ["check", "--config", str(cfg), "--format", "json", "--fail-on",
                                    "never", "-q", *map(str, args)])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def codes_of(doc: dict, kind: str = "Response") -> dict:
    return {f["code"]: f for m in doc["messages"] if m["type"] == kind for f in m["findings"]}


NO_ZONE = "--at, no zone given: read as UTC"


@pytest.mark.parametrize("at,judged_at,source", [
    ("2025-03-11T08:50:00Z", "2025-03-11T08:50:00Z", "--at"),
    ("2025-03-11T09:50:00+01:00", "2025-03-11T08:50:00Z", "--at"),
    ("2025-03-11T03:50:00-0500", "2025-03-11T08:50:00Z", "--at"),
    ("2025-03-11T08:50:00", "2025-03-11T08:50:00Z", NO_ZONE),  # no zone: UTC, and said
    ("2025-03-12", "2025-03-12T00:00:00Z", NO_ZONE),  # date only: midnight UTC (not a '-12' zone)
])
def test_at_option(tmp_path, at, judged_at, source):
    resp = tmp_path / "r.xml"
    resp.write_bytes((FIX / "responses" / "valid" / "okta.xml").read_bytes())
    doc = check_json(resp, "--at", at, config=noat_config(tmp_path))
    (m,) = doc["messages"]
    assert m["evaluation_time_source"] == source
    exp = codes_of(doc)["assertion-expired"]
    assert exp["actual"] == judged_at and f"({source})" in exp["message_text"]


def har_of(resp: bytes, t: float, tz=UTC) -> dict:
    req = (FIX / "requests" / "authnrequest.xml").read_bytes()
    return GC.har(GC.attempt(req, resp, "k3v9q2m0t7a1b2c3", t, tz=tz))


@pytest.mark.parametrize("tz", [UTC, timezone(timedelta(hours=-7)), timezone(timedelta(hours=5, minutes=30))])
def test_har_is_judged_at_entry_time_not_now(tmp_path, tz):
    """okta.xml is valid 08:36-08:46Z on 2025-03-11; 'now' is far outside that window."""
    resp = (FIX / "responses" / "valid" / "okta.xml").read_bytes()
    inside, after = tmp_path / "inside.har", tmp_path / "after.har"
    inside.write_text(json.dumps(har_of(resp, 0, tz)))   # POST at ~08:41:02Z
    after.write_text(json.dumps(har_of(resp, 600, tz)))  # POST at ~08:51:02Z (skew 180 s)
    ok = check_json(inside)
    assert not {"assertion-expired", "subject-confirmation-expired"} & set(codes_of(ok))
    assert {m["evaluation_time_source"] for m in ok["messages"] if m["type"] == "Response"} == {"capture"}
    late = codes_of(check_json(after))
    assert "(capture)" in late["assertion-expired"]["message_text"]
    assert late["assertion-expired"]["actual"].startswith("2025-03-11T08:51:")


def test_sonarqube_local_time_log_with_and_without_timezone(tmp_path):
    """A web.log in Paris local time (09:41:02 = 08:41:02Z) dumping okta.xml (valid 08:36-08:46Z):
    read as UTC the dump is judged at 09:41:02Z (expired); with --timezone, at 08:41:02Z."""
    b64 = base64.b64encode((FIX / "responses" / "valid" / "okta.xml").read_bytes()).decode()
    log = tmp_path / "web.log"
    log.write_text("2025.03.11 09:41:02 DEBUG web[AZWEd1kLm9QzR2xP0wAB][c.o.saml2.Auth] "
                   f"SAMLResponse invalid --> {b64}\n")
    plain, paris = check_json(log), check_json(log, "--timezone", "Europe/Paris")
    assert [m["captured_at"] for m in plain["messages"]] == ["2025-03-11T09:41:02Z"]
    assert [m["captured_at"] for m in paris["messages"]] == ["2025-03-11T08:41:02Z"]
    assert "(capture)" in codes_of(plain)["assertion-expired"]["message_text"]
    assert not {"assertion-expired", "subject-confirmation-expired", "clock-skew"} & set(codes_of(paris))


def test_unreadable_response_issue_instant_is_reported_not_taken_as_absent():
    """python3-saml's schema check and OpenSAML reject it; it also removes the fallback evaluation
    time without saying so (review finding)."""
    x = response_xml().replace('Version="2.0" IssueInstant="2025-03-11T08:41:00Z"\n',
                               'Version="2.0" IssueInstant="2025-03-11 08:41:00"\n', 1)
    codes, res = judged(x, EDGE - timedelta(seconds=1))
    assert res.message.issue_instant is None
    assert "Response IssueInstant is not an xs:dateTime" in codes["input-xml-malformed"].message_text
    assert "input-xml-malformed" not in judged(response_xml(), EDGE - timedelta(seconds=1))[0]


def test_local_times_in_the_hour_a_dst_change_repeats_are_said(tmp_path):
    """2025-10-26 02:30 happens twice in Europe/Paris: read as the first (UTC+02:00), and said."""
    from samlscan.batch import run_scan

    line = ('2025-10-26 {t},004 WARN  [org.keycloak.events] (executor-thread-9) type="LOGIN_ERROR", realmId="3c", '
            'clientId="https://sonar.example.com/saml2", userId="9a8b", ipAddress="203.0.113.77", '
            'error="invalid_user_credentials", auth_method="saml", username="dev.user1"\n')
    log = tmp_path / "server.log"
    log.write_text(line.format(t="02:30:12") + line.format(t="04:30:12"))
    notes = run_scan([str(log)], DEFAULT, jobs=1, tz=ZoneInfo("Europe/Paris")).notes
    assert len(notes) == 1 and "1 log line(s)" in notes[0] and "2025-10-26 02:00-03:00" in notes[0]
    assert "UTC+02:00" in notes[0]
    log.write_text(line.format(t="04:30:12"))
    assert run_scan([str(log)], DEFAULT, jobs=1, tz=ZoneInfo("Europe/Paris")).notes == ()


def test_a_message_days_older_than_its_capture_is_old_not_a_slow_clock():
    """A HAR posting a response issued months before (browser history, a re-posted sample): the
    clock-skew warning said to sync the IdP's clock with NTP, and quoted the offset in seconds."""
    codes, _ = judged(response_xml(), None, captured_at=utc(2025, 9, 1, 12, 0))
    skew = codes["clock-skew"]
    assert "a message this old" in skew.message_text and "NTP" not in skew.hint
    assert "assertion-expired" in codes  # what the SP refuses it for
    codes, _ = judged(response_xml(), None, captured_at=utc(2025, 3, 11, 8, 51))  # 10 min: a clock
    assert "NTP" in codes["clock-skew"].hint and "this old" not in codes["clock-skew"].message_text
