"""Logs of the Go apps that run gosaml2 (Gitea/Forgejo, Mattermost, Teleport): samlscan/logs/goapps.py
and the catalog's 'gosaml2' product (tests/data/goapps/SOURCES.md says where each sample comes from)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from samlscan.catalog import lookup
from samlscan.logs import detect, parse_file, read_head
from samlscan.model import LogEvent

DATA = Path(__file__).resolve().parent / "data" / "goapps"
UTC = timezone.utc


def _events(name: str) -> list[LogEvent]:
    path = str(DATA / name)
    parser = detect(read_head(path))
    assert parser is not None and parser.name == "goapps", parser
    return [r for r in parse_file(path, UTC, parser) if isinstance(r, LogEvent)]


def _shape(e: LogEvent) -> tuple:
    return e.source.ref, e.product, e.outcome, e.code, e.time, e.user, e.ip


@pytest.mark.parametrize("name, expected", [
    ("gitea.log", [
        ("line 2", "gosaml2", "failure", "signature-cert-mismatch", datetime(2024, 5, 14, 9, 12, 45, tzinfo=UTC), None, None),
        ("line 4", "gosaml2", "failure", "audience-mismatch", datetime(2024, 5, 14, 9, 20, 11, tzinfo=UTC), None, None)]),
    ("mattermost.log", [
        ("line 2", "gosaml2", "failure", "issuer-mismatch", datetime(2024, 5, 14, 9, 12, 45, 123000, tzinfo=UTC), None,
         "203.0.113.9")]),
    ("teleport.log", [
        ("line 3", "gosaml2", "failure", "login-attribute-missing", datetime(2024, 5, 14, 9, 12, 45, tzinfo=UTC), None,
         None)]),
    ("teleport-audit.log", [
        ("line 1", "gosaml2", "failure", "cert-expired", datetime(2024, 5, 14, 9, 12, 45, 123000, tzinfo=UTC), None,
         "203.0.113.9"),
        ("line 2", "gosaml2", "success", None, datetime(2024, 5, 14, 9, 30, 2, 500000, tzinfo=UTC), "alice@example.com",
         "203.0.113.9")]),
])
def test_each_app_s_saml_failures_become_events(name, expected):
    """Before: no reader claimed these logs (`samlscan scan` found nothing in them)."""
    assert [_shape(e) for e in _events(name)] == expected


def test_gitea_times_are_local_to_the_server():
    """Gitea writes its server's local time without a zone: --timezone decides."""
    from datetime import timedelta

    events = [r for r in parse_file(str(DATA / "gitea.log"), timezone(timedelta(hours=2)))
              if isinstance(r, LogEvent)]
    assert events[0].time == datetime(2024, 5, 14, 7, 12, 45, tzinfo=UTC) and events[0].local_time


@pytest.mark.parametrize("text, code", [
    ("error validating response: Missing signature referencing the top-level element", "signature-missing"),
    ("error validating response: Unrecognized Destination value, Expected: https://git.example.com/user/saml/x/acs, "
     "Actual: http://git.example.com/user/saml/x/acs", "destination-mismatch"),
    ("error validating response: Expired NotOnOrAfter value, Expected: 2024-05-14T09:12:45Z, "
     "Actual: 2024-05-14T09:07:45Z", "subject-confirmation-expired"),
    ("error validating response: crypto/rsa: verification error", "signature-invalid"),
    ("error validating response: Unrecognized StatusCode value, Expected: urn:oasis:names:tc:SAML:2.0:status:Success, "
     "Actual: urn:oasis:names:tc:SAML:2.0:status:Responder", "status-not-success"),
])
def test_gosaml2_texts_have_gosaml2_entries(text, code):
    """gosaml2 reads goxmldsig's ErrMissingSignature as an unsigned assertion (crewjam's entry says
    a Reference to another element): the gosaml2 product names its own meaning."""
    entry = lookup(text, "gosaml2")
    assert entry is not None and entry.product == "gosaml2" and entry.code == code, entry


def test_shared_goxmldsig_text_keeps_crewjam_s_reading_for_crewjam():
    entry = lookup("cannot validate signature on Response: Missing signature referencing the top-level element",
                   "crewjam")
    assert entry.product == "crewjam" and entry.code == "signature-reference-invalid"


def test_other_go_and_json_logs_are_not_claimed(tmp_path):
    """A zap/logrus JSON line or a Grafana logfmt line is no app of these."""
    plain = tmp_path / "other.log"
    plain.write_text('{"level":"info","ts":1715678000.1,"caller":"main.go:12","msg":"listening"}\n'
                     'logger=server t=2024-05-14T09:12:45Z level=info msg="HTTP Server Listen"\n')
    parser = detect(plain.read_text())
    assert parser is None or parser.name != "goapps"


def test_another_go_apps_log_of_gosaml2_is_read_as_an_app_log(tmp_path):
    """A gosaml2 app other than Gitea, Mattermost or Teleport (logrus' logfmt here): applog knew no
    gosaml2, so the line gave nothing ('no SAML message here')."""
    import json

    from click.testing import CliRunner

    from samlscan.cli import main

    path = tmp_path / "app.log"
    path.write_text('time="2024-05-14T09:12:45Z" level=error msg="saml login failed" error="error validating '
                    'response: Could not verify certificate against trusted certs" '
                    'module=github.com/russellhaering/gosaml2\n')
    doc = json.loads(CliRunner().invoke(main, ["check", str(path), "--format", "json"]).stdout)
    assert [(a["outcome"], a["root_cause"]) for a in doc["attempts"]] == [("failure", "signature-cert-mismatch")]


def test_a_json_boolean_is_no_epoch_time(tmp_path):
    """Mattermost's older `ts` field holding true was read as epoch 1 (Python's bools are ints): a
    login dated 1970-01-01T00:00:00.001Z."""
    import json

    from click.testing import CliRunner

    from samlscan.cli import main

    path = tmp_path / "mattermost.log"
    path.write_text('{"ts":true,"level":"error","msg":"An error occurred while parsing the response from the Identity '
                    'Provider. Please contact your System Administrator.","caller":"web/context.go:123","path":'
                    '"/login/sso/saml","err_where":"SamlInterfaceLibImpl.DoLogin","http_code":302,"err_details":'
                    '"err=error validating response: Could not verify certificate against trusted certs"}\n')
    doc = json.loads(CliRunner().invoke(main, ["check", str(path), "--format", "json"]).stdout)
    assert [a["time"] for a in doc["attempts"]] == [None]
