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
