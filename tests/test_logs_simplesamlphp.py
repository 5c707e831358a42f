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
    failures = [e for e in events(recs) if e.outcome == "failure"]
    assert [e.text.split(":")[0] for e in failures] == ["SimpleSAML\\Error\\Error", "Caused by"]
    assert all(e.request_id == "c1b0b3c5d9" for e in failures)


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
