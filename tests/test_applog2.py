"""SP application logs of crewjam/saml and ASP.NET SAML apps (samlscan/logs/applog.py): Grafana's
logfmt log (its authn service's 'Failed to authenticate request' of the SAML client, crewjam's
error text in `error=`) and ASP.NET Core's default console logger ('fail: <category>[<id>]', the
exception indented six spaces: Sustainsys.Saml2 and ITfoxtec failures). Samples and their origin:
tests/data/applog2/SOURCES.md."""
from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest
from test_logs_common import detected, events, records, utc

from samlscan import prefilter
from samlscan.logs import PARSERS, applog, detect

DIR = Path(__file__).resolve().parent / "data" / "applog2"
GRAFANA = DIR / "grafana.log"
DOTNET = DIR / "aspnetcore-console.log"


def summary(path, tz=UTC):
    return [(int(e.source.ref.split()[-1]), e.product, e.outcome, e.code, e.time)
            for e in events(records(path, tz)) if e.outcome != "info"]


@pytest.mark.parametrize("path", [GRAFANA, DOTNET], ids=lambda p: p.name)
def test_samples_are_sp_app_logs_and_no_other_readers(path):
    head = path.read_text()
    assert detected(path) == "sp-app"
    assert [p.name for p in PARSERS if p.name not in ("sp-app", "embedded") and p.sniff(head)] == []


def test_grafana_logfmt_failures_are_crewjam_with_their_causes():
    """Grafana's authn service logs the SAML client's error (pkg/services/authn/authnimpl
    'Failed to authenticate request', client=auth.client.saml); Grafana's SAML runs on crewjam."""
    assert summary(GRAFANA) == [
        (4, "crewjam", "failure", "signature-invalid", utc(2024, 5, 14, 9, 12, 45, 123456)),
        (6, "crewjam", "failure", "audience-mismatch", utc(2024, 5, 14, 9, 20, 11, 502317)),
        # crewjam's public error alone (InvalidResponseError.Error()): a failure, cause unknown
        (7, "crewjam", "failure", "unknown-failure", utc(2024, 5, 14, 9, 31, 40, 4201)),
    ]
    audience = events(records(GRAFANA))[1]
    assert 'does not contain "https://grafana.example.com/saml/metadata"' in audience.text  # (\" unquoted)


def test_logfmt_of_other_go_apps_and_log15_levels(tmp_path):
    """Any key order, go-kit's `ts`, log15's `lvl=eror` (Grafana before 8), crewjam named by its
    module path in the error; a non-SAML error line is no event."""
    log = tmp_path / "app.log"
    log.write_text(
        'level=info ts=2024-05-14T09:12:40Z caller=main.go:80 msg="listening" addr=:8080\n'
        'ts=2024-05-14T09:12:44+02:00 level=error caller=db.go:12 msg="query failed" err="connection refused"\n'
        'ts=2024-05-14T09:12:45.5+02:00 caller=sso.go:91 level=error msg="saml: acs" '
        'err="github.com/crewjam/saml: response IssueInstant expired at 2024-05-14T07:10:00Z"\n'
        't=2019-05-14T09:12:45+0200 lvl=eror msg="SAML login failed" logger=saml.auth '
        'error="cannot validate signature on Assertion: Cert is not valid at this time"\n')
    assert detected(log) == "sp-app"
    assert summary(log) == [
        (3, "crewjam", "failure", "sp-clock-skew", utc(2024, 5, 14, 7, 12, 45, 500000)),
        (4, "crewjam", "failure", "cert-expired", utc(2019, 5, 14, 7, 12, 45)),
    ]


def test_aspnet_core_console_exceptions_are_the_libraries_failures():
    assert summary(DOTNET) == [
        (7, "sustainsys", "failure", "signature-cert-mismatch", None),
        (18, "itfoxtec", "failure", "signature-invalid", None),
    ]
    first = events(records(DOTNET))[0]
    assert first.text.startswith("An unhandled exception has occurred while executing the request.: "
                                 "The signature verified correctly")


def test_aspnet_core_console_with_timestamps(tmp_path):
    """SimpleConsoleFormatter's TimestampFormat ('yyyy-MM-ddTHH:mm:ss.fffZ ') puts the time first."""
    log = tmp_path / "console.log"
    log.write_text(
        "2024-05-14T09:12:44.001Z info: Microsoft.AspNetCore.Hosting.Diagnostics[1]\n"
        "      Request starting HTTP/1.1 POST http://app.example.com/Saml2/Acs\n"
        "2024-05-14T09:12:45.250Z fail: Sustainsys.Saml2.AspNetCore2.Saml2Handler[0]\n"
        "      Saml2 response validation failed\n"
        "      Sustainsys.Saml2.Exceptions.UnexpectedInResponseToException: Received message "
        "_4a6d contains unexpected InResponseTo \"id7f3c\". No cookie preserving state from the request was "
        "found so the message was not expected to have an InResponseTo attribute.\n"
        "         at Sustainsys.Saml2.WebSso.AcsCommand.Run(HttpRequestData request, IOptions options)\n")
    assert summary(log) == [(3, "sustainsys", "failure", "relaystate-cookie-missing", utc(2024, 5, 14, 9, 12, 45, 250000))]


@pytest.mark.parametrize("sample", [GRAFANA, DOTNET], ids=lambda p: p.name)
def test_prefiltered_read_gives_the_same_events(tmp_path, sample):
    """The byte prefilter keeps these records: a console 'fail: ' line names no SAML library (its
    exception does, on the lines below), a logfmt line is a record of its own."""
    noise = "".join(f"info: Microsoft.AspNetCore.Hosting.Diagnostics[2]\n      Request finished {i}\n"
                    if sample is DOTNET else
                    f'logger=context t=2024-05-14T09:00:{i % 60:02d}Z level=info msg="Request Completed" path=/{i}\n'
                    for i in range(200))
    big = tmp_path / sample.name
    big.write_text(noise[:len(noise) // 4] + sample.read_text() + noise)  # (the sniff reads 400 lines)
    parser, pf = prefilter._log_with_prefilter(big.read_bytes())
    assert parser.name == "sp-app" and pf is prefilter.prefilters()["sp-app"]
    counter = [0]
    with open(big, "rb") as fh:
        kept = list(prefilter.prefiltered_lines(fh, 0, big.stat().st_size, pf, counter))
    assert len(kept) < counter[0]
    key = [(e.source, e.time, e.outcome, e.code) for e in events(records(big))]
    fast = [(e.source, e.time, e.outcome, e.code) for e in events(parser.parse(kept, str(big), UTC))]
    assert fast == key and [k for k in key if k[2] == "failure"]


def test_logfmt_unterminated_quotes_are_read_in_linear_time():
    from growth_util import assert_linear

    fields = applog._logfmt('level=error msg="x" ' + 'a="\\" ' * 200_000)
    assert fields is not None and fields["msg"] == "x"
    assert_linear(applog._logfmt, lambda n: 'level=error msg="x" ' + 'a="\\" ' * n, 50_000)


def test_plain_grafana_and_aspnet_logs_are_not_claimed(tmp_path):
    """Logs that name no SAML library stay unclaimed (as any app log's)."""
    plain = tmp_path / "plain.log"
    plain.write_text('logger=authn.service t=2024-05-14T09:12:45Z level=warn msg="Failed to authenticate request" '
                     'client=auth.client.session error="user token not found"\n'
                     "fail: Microsoft.AspNetCore.Diagnostics.ExceptionHandlerMiddleware[1]\n"
                     "      An unhandled exception has occurred while executing the request.\n"
                     "      System.InvalidOperationException: Sequence contains no elements\n")
    assert detect(plain.read_text()) is None


def test_crewjam_texts_name_only_apps_that_run_crewjam():
    """Gitea's SAML source (services/auth/source/saml/source.go) and Mattermost (mattermost/gosaml2)
    run gosaml2, as Teleport's SP did (lib/auth/saml.go, RetrieveAssertionInfo): an explanation
    that calls them crewjam apps sends their admins to the wrong library's settings."""
    from samlscan import catalog

    texts = [e.explanation for e in catalog._entries_and_flags()[0] if e.product == "crewjam"]
    assert texts and not [t for t in texts if any(app in t for app in ("Gitea", "Mattermost", "Teleport"))]
