"""SimpleSAMLphp log parser: file handler and syslog handler layouts."""
from __future__ import annotations

from test_logs_common import FIXTURES, PARIS, events, malformed_lines, summary, utc

DIR = FIXTURES / "simplesamlphp"


def _parse(year):
    from samlscan.logs import iter_lines, _open_text
    from samlscan.logs.simplesamlphp import SimpleSamlPhpParser
    path = DIR / "simplesamlphp.log"
    with _open_text(str(path)) as fh:
        return list(SimpleSamlPhpParser(year=year).parse(iter_lines(fh), str(path), PARIS))


def test_file_and_syslog_layouts():
    recs = _parse(2025)
    evs = events(recs)
    assert [summary(e) for e in evs] == [
        (2, utc(2025, 3, 11, 8, 41, 2), "failure", None, None),
        (5, utc(2025, 3, 11, 8, 44, 31), "success", None, None),
        (6, utc(2025, 3, 11, 8, 45, 0), "failure", None, None),
    ]
    assert [e.request_id for e in evs] == ["a91c3e07f2", "b72d4f18e3", "c83e5a29f4"]
    assert evs[1].app == "https://sonar.example.com/saml2"
    assert malformed_lines(recs) == ["line 7"]  # backtrace lines are not events


def test_year_comes_from_parameter():
    assert events(_parse(2024))[0].time == utc(2024, 3, 11, 8, 41, 2)


def test_the_error_report_line_is_not_a_second_failure(tmp_path):
    from samlscan.logs.simplesamlphp import SimpleSamlPhpParser

    lines = ["Feb 2 11:37:03 simplesamlphp ERROR [c1b0b3c5d9] SimpleSAML\\Error\\Error: UNHANDLEDEXCEPTION",
             "Feb 2 11:37:03 simplesamlphp ERROR [c1b0b3c5d9] Backtrace:",
             "Feb 2 11:37:03 simplesamlphp ERROR [c1b0b3c5d9] 0 [builtin] (N/A)",
             "Feb 2 11:37:03 simplesamlphp ERROR [c1b0b3c5d9] Caused by: SimpleSAML\\Error\\Exception: "
             "Invalid issuer",
             "Feb 2 11:37:03 simplesamlphp ERROR [c1b0b3c5d9] Error report with id 3bc4a2e8 generated."]
    recs = list(SimpleSamlPhpParser(year=2025).parse(enumerate(lines, 1), "x.log", PARIS))
    assert [(e.outcome, e.text.split(":")[0]) for e in events(recs)] == [
        ("info", "SimpleSAML\\Error\\Error"), ("failure", "Caused by")]  # the wrapper: its cause's echo
    assert all(e.request_id == "c1b0b3c5d9" for e in events(recs))


def test_metadata_not_found_has_a_root_cause():
    """SimpleSAML\\Error\\MetadataNotFound got no cause (gap): its message is the error code then
    the var_export-ed entity ID, quoted twice by older releases, HTML-escaped by some."""
    from samlscan.logs.simplesamlphp import SimpleSamlPhpParser

    lines = [
        "Jun 14 01:24:56 idp simplesamlphp[11176]: 3 [879d1c0fa8] SimpleSAML_Error_MetadataNotFound: "
        "METADATANOTFOUND('%ENTITYID%' => '\\'https://sp.example.org/metadata/\\'')",
        "Jun 14 01:24:56 idp simplesamlphp[11176]: 3 [879d1c0fa8] Backtrace:",
        "Feb 2 11:37:03 simplesamlphp ERR [c1b0b3c5d9] SimpleSAML\\Error\\MetadataNotFound: "
        "METADATANOTFOUND('%ENTITYID%' => 'https://sp.example.org/sp')",
        "Feb 2 11:38:03 simplesamlphp ERR [d2c1c4d6e0] Caused by: SimpleSAML\\Error\\Exception: "
        "Could not find the metadata of an IdP with entity ID 'https://idp.example.org/'",
    ]
    recs = list(SimpleSamlPhpParser(year=2025).parse(enumerate(lines, 1), "x.log", PARIS))
    assert [(e.outcome, e.code) for e in events(recs)] == [
        ("failure", "app-not-found"), ("failure", "app-not-found"),
        ("failure", "sp-configuration-error")]


_UNHANDLED = "SimpleSAML\\Error\\Error: UNHANDLEDEXCEPTION"
_NO_METADATA = ("SimpleSAML\\Error\\Exception: Could not find the metadata of an IdP with entity ID "
                "'https://idp.example.org/'")


def test_an_unhandled_exception_is_the_echo_of_its_cause(tmp_path):
    """SimpleSAML\\Error\\Exception::formatBacktrace logs the exception, its backtrace, then
    'Caused by: <class>: <message>' for each cause: UNHANDLEDEXCEPTION and its cause were two failed
    attempts when the track ID names no session ('_NOTRACKIDYET_', Logger::NO_TRACKID), and two
    failures of one attempt otherwise. The innermost cause is the failure; it keeps the code of an
    outer line when its own text has none."""
    import json

    from click.testing import CliRunner

    from samlscan.cli import main
    from samlscan.logs.simplesamlphp import SimpleSamlPhpParser

    lines = [
        f"Mar 11 09:41:02 simplesamlphp ERROR [_NOTRACKIDYET_] {_UNHANDLED}",
        "Mar 11 09:41:02 simplesamlphp ERROR [_NOTRACKIDYET_] Backtrace:",
        "Mar 11 09:41:02 simplesamlphp ERROR [_NOTRACKIDYET_] 1 www/module.php:201 (N/A)",
        "Mar 11 09:41:02 simplesamlphp ERROR [_NOTRACKIDYET_] 0 [builtin] (N/A)",
        f"Mar 11 09:41:02 simplesamlphp ERROR [_NOTRACKIDYET_] Caused by: {_NO_METADATA}",
        "Mar 11 09:41:02 simplesamlphp ERROR [_NOTRACKIDYET_] Backtrace:",
        "Mar 11 09:41:02 simplesamlphp ERROR [_NOTRACKIDYET_] Error report with id 3bc4a2e8 generated.",
        # syslog handler, a session's track ID, two causes: the second (no code of its own) is the root
        f"Mar 11 09:45:02 idp simplesamlphp[4711]: 3 [c1b0b3c5d9] {_UNHANDLED}",
        f"Mar 11 09:45:02 idp simplesamlphp[4711]: 3 [c1b0b3c5d9] Caused by: {_NO_METADATA}",
        "Mar 11 09:45:02 idp simplesamlphp[4711]: 3 [c1b0b3c5d9] Caused by: Exception: fopen failed",
        # another request's exception without a cause stays a failure of its own
        f"Mar 11 09:47:00 idp simplesamlphp[4712]: 3 [d2c1c4d6e0] {_UNHANDLED}",
        "Mar 11 09:47:00 idp simplesamlphp[4713]: 3 [e3d2d5e7f1] Caused by: Exception: other process",
    ]
    recs = list(SimpleSamlPhpParser(year=2025).parse(enumerate(lines, 1), "x.log", PARIS))
    assert [(e.source.ref, e.outcome, e.code) for e in events(recs)] == [
        ("line 1", "info", None), ("line 5", "failure", "sp-configuration-error"),
        ("line 8", "info", None), ("line 9", "info", None), ("line 10", "failure", "sp-configuration-error"),
        ("line 11", "failure", None), ("line 12", "failure", None)]
    path = tmp_path / "simplesamlphp.log"
    path.write_text("\n".join(lines) + "\n")
    out = json.loads(CliRunner().invoke(main, ["scan", str(tmp_path), "--format", "json",
                                               "--timezone", "Europe/Paris"]).stdout)
    assert [(a["outcome"], a["root_cause"]) for a in out["attempts"]] == [
        ("failure", "sp-configuration-error"), ("failure", "sp-configuration-error"),
        ("failure", "unknown-failure"), ("failure", "unknown-failure")]  # (said, in words no catalog knows)


def test_the_prefilter_never_starts_a_range_inside_an_exception():
    """A range starting at a 'Caused by:' line (or the backtrace before it) would read the cause
    without the exception it follows."""
    from samlscan import prefilter

    start = prefilter.prefilters()["simplesamlphp"].record_start
    lines = [f"Mar 11 09:41:02 simplesamlphp ERROR [c1] {_UNHANDLED}", "Mar 11 09:41:02 simplesamlphp ERROR [c1] Backtrace:",
             "Mar 11 09:41:02 simplesamlphp ERROR [c1] 0 [builtin] (N/A)",
             "Feb 2 11:37:03 idp simplesamlphp[1]: 3 [c1] 1 www/module.php:201 (N/A)",
             f"Mar 11 09:41:02 simplesamlphp ERROR [c1] Caused by: {_NO_METADATA}",
             "Mar 11 09:41:02 simplesamlphp NOTICE STAT [c1] saml20-idp-SSO https://sp https://idp NA"]
    assert [bool(start.match(line.encode())) for line in lines] == [True, False, False, False, False, True]
