"""Shared helpers for the log parser tests (parse a fixture, summarise records)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from samlscan.logs import detect, parse_file, read_head
from samlscan.logs.base import EmbeddedSaml, Malformed
from samlscan.model import LogEvent

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "logs"
PARIS = ZoneInfo("Europe/Paris")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def records(path: Path, tz=timezone.utc) -> list:
    return list(parse_file(str(path), tz))


def events(recs) -> list[LogEvent]:
    return [r for r in recs if isinstance(r, LogEvent)]


def malformed_lines(recs) -> list[str]:
    return [r.source.ref for r in recs if isinstance(r, Malformed)]


def embedded(recs) -> list[EmbeddedSaml]:
    return [r for r in recs if isinstance(r, EmbeddedSaml)]


def line(ev) -> int:
    return int(ev.source.ref.split()[-1])


def summary(ev: LogEvent) -> tuple:
    """The fields every parser must get right, in one comparable tuple."""
    return (line(ev), ev.time, ev.outcome, ev.user, ev.ip)


def detected(path: Path) -> str | None:
    parser = detect(read_head(str(path)))
    return parser.name if parser else None


def catalog_ready() -> bool:
    """The error catalog is written by another helper; code assertions need it loaded."""
    try:
        from samlscan import catalog

        catalog.lookup("x", None)
        return True
    except Exception:  # noqa: BLE001 - any failure means the catalog is not usable yet
        return False


def all_fixtures() -> list[Path]:
    return sorted(p for p in FIXTURES.rglob("*") if p.is_file())


# --- tests of the shared machinery --------------------------------------------------------

import gzip  # noqa: E402

import pytest  # noqa: E402

from samlscan.logs import PARSERS  # noqa: E402
from samlscan.logs._common import iter_json, parse_iso  # noqa: E402

_PRODUCT_PARSERS = [p for p in PARSERS if p.name != "embedded"]


def owner(path: Path) -> str:
    """The reader a fixture belongs to: its folder under fixtures/logs (`<reader>/wrapped/`
    holds that reader's logs as a SIEM or container tool re-wraps them)."""
    return path.relative_to(FIXTURES).parts[0]


def is_wrapped(path: Path) -> bool:
    return "wrapped" in path.relative_to(FIXTURES).parts[1:-1]


def _id(p: Path) -> str:
    return "/".join(p.relative_to(FIXTURES).parts)


@pytest.mark.parametrize("parser", _PRODUCT_PARSERS, ids=lambda p: p.name)
@pytest.mark.parametrize("path", all_fixtures(), ids=_id)
def test_sniff_true_for_own_samples_only(parser, path):
    head = read_head(str(path))
    if is_wrapped(path):
        # the original text shows through the wrapper (a prefixed Keycloak line still names its
        # category, a one-line JSON export has every '|' of its SonarQube lines): bare sniffs
        # are not asked; detect unwraps before them (test_detect_picks_the_owner), and the
        # wrapping reader it returns recognises the file
        assert detect(head).sniff(head) is True
        return
    assert parser.sniff(head) is (owner(path) == parser.name)


@pytest.mark.parametrize("path", all_fixtures(), ids=_id)
def test_detect_picks_the_owner(path):
    assert detected(path) == owner(path)


def test_detect_none_for_plain_text():
    assert detect("hello\nworld\n") is None


def _numbered(text: str):
    return list(enumerate(text.splitlines(), 1))


def test_iter_json_lines_array_and_wrappers():
    lines = '{"a": 1}\n{"a": 2}\n'
    assert [(n, o) for n, o, _ in iter_json(_numbered(lines))] == [(1, {"a": 1}), (2, {"a": 2})]
    pretty = '[\n  {\n    "a": "x]}{\\"",\n    "t": [{"b": 1}]\n  },\n  {"a": 2}\n]\n'
    assert [(n, o["a"]) for n, o, _ in iter_json(_numbered(pretty))] == [(2, 'x]}{"'), (6, 2)]
    graph = '{\n "@odata.context": "x",\n "value": [\n  {"id": "1"},\n  {"id": "2"}\n ]\n}\n'
    assert [(n, o["id"]) for n, o, _ in iter_json(_numbered(graph))] == [(4, "1"), (5, "2")]
    hook = '{"eventType": "com.okta.event_hook", "data": {"events": [{"uuid": "u1"}]}}'
    assert [o["uuid"] for _, o, _ in iter_json(_numbered(hook))] == ["u1"]
    single = '{\n "uuid": "u2",\n "target": [{"id": "t"}]\n}\n'
    assert [o["uuid"] for _, o, _ in iter_json(_numbered(single))] == ["u2"]


def test_iter_json_errors_are_reported_not_raised():
    out = list(iter_json(_numbered('{"a": 1}\n{"a": \nnot json\n')))
    assert out == [(1, {"a": 1}, None), (2, None, "unterminated JSON at end of file")]
    assert list(iter_json(_numbered("plain text"))) == [(1, None, "not JSON: plain text")]
    assert list(iter_json(_numbered('{"a": 1,}')))[0][2].startswith("invalid JSON")


def test_iter_json_chunked_single_line_array():
    text = "[" + ",".join('{"i": %d}' % i for i in range(50)) + "]"
    chunks = [(1, text[i:i + 7]) for i in range(0, len(text), 7)]  # one line in many chunks
    assert [o["i"] for _, o, _ in iter_json(chunks)] == list(range(50))


def test_parse_iso_variants():
    assert parse_iso("2025-03-11T08:41:03Z")[0] == utc(2025, 3, 11, 8, 41, 3)
    assert parse_iso("2025-03-11T09:41:03.1234567+01:00") == (
        utc(2025, 3, 11, 8, 41, 3, 123456), False)
    assert parse_iso("2025-03-11 09:41:03,117", PARIS) == (utc(2025, 3, 11, 8, 41, 3, 117000), True)
    assert parse_iso("11/03/2025") == (None, False)


def test_parse_file_gzip_and_utf16(tmp_path):
    src = FIXTURES / "sonarqube" / "web-json.log"
    gz = tmp_path / "web.log.gz"
    gz.write_bytes(gzip.compress(src.read_bytes()))
    u16 = tmp_path / "web16.log"
    u16.write_bytes(src.read_text(encoding="utf-8").encode("utf-16"))
    expected = [e.time for e in events(records(src))]
    assert expected and [e.time for e in events(records(gz))] == expected
    assert [e.time for e in events(records(u16))] == expected


def test_parse_file_truncated_gzip_is_malformed(tmp_path):
    gz = tmp_path / "web.log.gz"
    gz.write_bytes(gzip.compress((FIXTURES / "sonarqube" / "web-json.log").read_bytes())[:200])
    from samlscan.logs import sonarqube
    recs = list(parse_file(str(gz), PARIS, sonarqube.PARSER))
    assert isinstance(recs[-1], Malformed)


def test_find_embedded_forms():
    from samlscan.logs.embedded import find_embedded
    b64 = "PHNhbWxwOlJlc3BvbnNlIHhtbG5zOnNhbWxwPSJ1cm46b2FzaXM6bmFtZXM6dGM6U0FNTDoyLjA6cHJvdG9jb2wiPg=="
    assert find_embedded(f"DEBUG SAMLResponse invalid --> {b64}") == [b64]
    assert find_embedded(f"POST body SAMLResponse={b64[:-2]}%3D%3D&RelayState=x") == [
        b64[:-2] + "%3D%3D"]
    assert find_embedded("GET /sso?SAMLRequest=fZJNb9swDIbv%2BRWC7o4sN0NaIU6RtRgWoNuCJtth") == [
        "fZJNb9swDIbv%2BRWC7o4sN0NaIU6RtRgWoNuCJtth"]
    xml = '<saml2p:Response ID="_1" Version="2.0"><x/></saml2p:Response>'
    assert find_embedded(f"got {xml} end") == [xml]
    assert find_embedded("logger c.o.s.a.SamlResponse said nothing") == []
