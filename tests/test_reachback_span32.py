"""A SonarQube range reads further back only while its context spans less than a request can last
(sonarqube.REQUEST_SPAN): a sparse log's ranges do not read 4 MB back each."""
from datetime import timezone

from samlscan.logs.sonarqube import REQUEST_SPAN, SonarQubeParser


def _line(minute: int, second: int, n: int) -> str:
    return f"2025.03.11 08:{minute:02d}:{second:02d} INFO  web[AZreq{n:08d}][o.s.s.e.EsClient] cluster health GREEN"


def _asks(first_minute: int) -> bool:
    lines = [_line(first_minute, 0, 1), _line(first_minute, 1, 2), _line(20, 0, 3)]
    return SonarQubeParser().reaches_back(list(enumerate(lines, 1)), (lines[0], lines[-1]), "web.log", timezone.utc)


def test_a_context_of_a_few_seconds_naming_few_requests_reaches_back():
    assert _asks(19)  # 60 s: a request dumping in the range may have dumped before it


def test_a_context_spanning_longer_than_a_request_lasts_does_not():
    assert REQUEST_SPAN < 20 * 60
    assert not _asks(0)  # 20 min: every request dumping in the range began inside it
