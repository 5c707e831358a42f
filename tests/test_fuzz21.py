"""Fuzzing round 21: hostile input on the day's new code: the IdP metadata's validUntil, cacheDuration,
signature and SingleSignOnService values, request-binding-unlisted and destination-mismatch with URLs
urlsplit cannot read, the clocks' votes and jumps, refused callbacks by the thousand, prefiltered
coloured and Docker json-file captures. Every input ends with a finding or a skip, no traceback (no
internal-error either); growth is compared between two sizes (tests/growth_util.py), never an
absolute time. Metadata is built around the TEST-ONLY keys of fixtures/keys (tests/test_metadata25.py)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from growth_util import assert_linear
from test_metadata25 import AT, MD, S, _metadata, _redirect_to, _write
from test_othergen26 import AUTH0, AUTH0_FLAGS

from samlscan.config import build, load_idp_metadata
from samlscan.config.metadata import VALID_UNTIL
from samlscan.engine import analyze as analyze_files

DATA = Path(__file__).resolve().parent / "data"


def _codes(report) -> list[str]:
    return [f.code for m in report.messages for f in m.findings]


# --- metadata: validUntil and cacheDuration no SP reads --------------------------------------------------

@pytest.mark.parametrize("value", ["1" * 10_000, "11111111", "20200101", "\uff12\uff10\uff12\uff10-01-01T00:00:00Z",
                                   "2020-01-01T\uff10\uff10:00:00Z"],
                         ids=["ones", "basic-date", "basic", "fullwidth-date", "fullwidth-time"])
def test_a_valid_until_of_other_digits_or_iso_basic_form_is_unreadable(tmp_path, value):
    """Fails on the old code: validUntil '1' * 10,000 was read (fromisoformat, the lenient --at reader) as
    1111-11-11T11:11:11 and the metadata said 333,000 days expired; full-width digits as 2020. xs:dateTime
    (XML Schema 2 3.2.7) is ASCII digits in its extended form: an SP's parser refuses the file."""
    root = _metadata()
    root.set("validUntil", value)
    path = str(_write(tmp_path, root))
    assert load_idp_metadata(Path(path)).get(VALID_UNTIL) is None
    notes = build({"idp_metadata": [path], "at": AT}, None).contradictions
    assert [n for n in notes if "is no xs:dateTime" in n] and not [n for n in notes if "expired" in n]


@pytest.mark.parametrize("value, instant", [
    ("2020-01-01", datetime(2020, 1, 1, tzinfo=timezone.utc)),
    ("2020-01-01T24:00:00Z", datetime(2020, 1, 2, tzinfo=timezone.utc)),
    ("99999-01-01T00:00:00Z", datetime.max.replace(tzinfo=timezone.utc)),
    ("9999-12-31T24:00:00-14:00", datetime.max.replace(tzinfo=timezone.utc))])
def test_a_readable_valid_until_is_still_read(tmp_path, value, instant):
    """(Guard.) A date alone, '24:00:00', and years past Python's 9999 (clamped: they never expire)."""
    root = _metadata()
    root.set("validUntil", value)
    assert load_idp_metadata(_write(tmp_path, root))[VALID_UNTIL][0] == instant


@pytest.mark.parametrize("value, said", [("P\u0661D", True), ("PT\u0663\u0660M", True), ("P1D", False),
                                         ("P" + "9" * 10_000 + "Y", False), ("-P1D", False)])
def test_a_cache_duration_of_other_digits_is_said(tmp_path, value, said):
    """Fails on the old code (Arabic-Indic digits): the xs:duration pattern's \\d took any Unicode digit."""
    root = _metadata()
    root.find(MD + "IDPSSODescriptor").set("cacheDuration", value)
    notes = build({"idp_metadata": [str(_write(tmp_path, root))], "at": AT}, None).contradictions
    assert any("cacheDuration" in n for n in notes) is said


# --- URLs urlsplit cannot read (an unclosed '[': 'Invalid IPv6 URL') ---------------------------------------

UNREADABLE = "https://[idp.example.org/sso"


@pytest.mark.parametrize("listed, sent, flagged", [(UNREADABLE, S.IDP_SSO_POST, False), (UNREADABLE, UNREADABLE, True),
                                                   (None, UNREADABLE, False)], ids=["metadata", "both", "request"])
def test_an_unreadable_sso_url_is_judged_not_an_internal_error(tmp_path, listed, sent, flagged):
    """Fails on the old code: a SingleSignOnService Location (or a request URL) of an unclosed '[' made
    check_authn_request and check_request_binding fail (internal-error) and lost request-issued. The
    unreadable URL is compared as written: redirected to the URL listed for HTTP-POST only, it is flagged."""
    root = _metadata()
    if listed:
        [s for s in root.iter(MD + "SingleSignOnService") if s.get("Binding").endswith("HTTP-POST")][0].set("Location", listed)
    report = analyze_files([str(_redirect_to(tmp_path, sent))],
                           build({"idp_metadata": [str(_write(tmp_path, root))], "at": AT}, None))
    codes = _codes(report)
    assert "internal-error" not in codes and "request-issued" in codes, codes
    assert ("request-binding-unlisted" in codes) is flagged


def test_a_binding_uri_without_its_name_is_named_whole(tmp_path):
    """Fails on the old code: 'urn:oasis:names:tc:SAML:2.0:bindings:' (no name after it) was said as
    'the IdP metadata lists it for  only'."""
    root = _metadata()
    for s in root.iter(MD + "SingleSignOnService"):
        if s.get("Binding").endswith("HTTP-Redirect"):
            s.set("Binding", "urn:oasis:names:tc:SAML:2.0:bindings:")
    report = analyze_files([str(_redirect_to(tmp_path, S.IDP_SSO_REDIRECT))],
                           build({"idp_metadata": [str(_write(tmp_path, root))], "at": AT}, None))
    (f,) = [f for m in report.messages for f in m.findings if f.code == "request-binding-unlisted"]
    assert "lists it for urn:oasis:names:tc:SAML:2.0:bindings: only" in f.message_text


@pytest.mark.parametrize("destination", ["https://[x", "https://[app.example.com/saml/acs"])
def test_an_unreadable_destination_is_a_mismatch_not_an_internal_error(destination):
    """Fails on the old code: check_destination's URL comparison raised ValueError (internal-error).
    Auth0's stored message with its Destination changed (its signature no longer verifies: not judged)."""
    from samlscan.engine import analyze_raw
    from samlscan.inputs.base import RawMessage
    from samlscan.model import Source

    raw = (AUTH0 / "messages" / "destination-defaults-to-audience.xml").read_text()
    changed = raw.replace('Destination="https://app.example.com/saml/metadata"', f'Destination="{destination}"')
    assert changed != raw
    res = analyze_raw(RawMessage(Source("x.xml"), "XML", changed, "xml"), 0, build(dict(AUTH0_FLAGS), None))
    assert "internal-error" not in {f.code for f in res.findings}
    (f,) = [f for f in res.findings if f.code == "destination-mismatch"]
    assert "is no URL the SP can read" in f.message_text


# --- clocks: an IdP log of thousands of logins of one client ---------------------------------------------

def _one_client_logs(tmp_path: Path, n: int) -> list:
    """web.log (SonarQube 2025.1): n logins of greta's client on Friday, her refusal read 9 min behind on
    Monday and one login of her client near Duo's n logins of it (Duo's authentication log): every IdP
    login in the refusal's window is seen by the SP (test_clocks26's writers)."""
    import json
    from datetime import timedelta

    import test_clocks26 as C
    from samlscan import logs
    from samlscan.model import LogEvent

    duo_at, start = C._at(30, 8, 6, 3.2), C._at(27, 9, 0, 0)
    sp = [line for i in range(n) for line in C._success(start + timedelta(seconds=i), "greta")]
    sp += C._not_yet_valid(duo_at + timedelta(seconds=1) - C.BEHIND, "greta", duo_at - timedelta(minutes=2))
    sp += C._success(duo_at + timedelta(minutes=2), "greta")
    duo = [C._duo(duo_at + timedelta(minutes=2, seconds=(i % 50) / 100), "greta") for i in range(n)]
    folder = tmp_path / str(n)
    folder.mkdir()
    (folder / "web.log").write_text("\n".join(sp) + "\n")
    (folder / "duo-authentication-log.json").write_text(json.dumps(duo))
    return [e for name in ("web.log", "duo-authentication-log.json")
            for e in logs.parse_file(str(folder / name), timezone.utc) if isinstance(e, LogEvent)]


def test_a_refusals_window_of_thousands_of_idp_logins_of_one_client_grows_linearly(tmp_path):
    """Fails on the old code: each IdP login in the refusal's window read every SP line of its client
    (_seen_by_sp: 'few'): 2,000 logins 0.6 s, 8,000 logins 8 s; now counted by bisection."""
    from samlscan.correlate.clocks import clock_offsets

    assert_linear(lambda events: clock_offsets([], events), lambda n: _one_client_logs(tmp_path, n), 2000)


# --- prefilter and ansi: coloured captures ----------------------------------------------------------------

def _coloured_log(tmp_path: Path) -> Path:
    """benchmarks/bench_readers.py's coloured Spring Boot console (1.5 MB), as test_prefilter25 writes it."""
    from test_prefilter25 import _log

    return Path(_log(tmp_path, "coloured"))


def test_a_big_capture_coloured_with_the_8bit_csi_reads_in_ranges_as_whole(tmp_path, monkeypatch):
    """Fails on the old code: the prefilter stripped colours only from a block holding an ESC, so a big
    console coloured with the one-byte CSI (U+009B, 'C2 9B' in UTF-8: round 20's fix read it whole) had
    no record start seen: 0 of its 110 events read in ranges."""
    from test_prefilter25 import _no_flow, _split, _whole

    path = tmp_path / "c1.log"
    path.write_bytes(_coloured_log(tmp_path).read_bytes().replace(b"\x1b[", "\u009b".encode()))
    whole = _no_flow(_whole(str(path), monkeypatch).events)
    assert len(whole) > 100 and _no_flow(_split(str(path), monkeypatch, "sp-app").events) == whole


@pytest.mark.parametrize("raw, plain", [
    ("\x1b[0mV\u011bra\n".encode(), "V\u011bra\n".encode()),  # (C4 9B: '\u011b' continues, no CSI)
    ("\x1b[0m\u201bquoted\u201b\n".encode(), "\u201bquoted\u201b\n".encode()),  # (E2 80 9B)
    ("\u009b31mred\u009b0m\n".encode(), b"red\n"),  # (C2 9B: the CSI as UTF-8 writes it, both bytes)
    (b"x \x9b31mred\n", b"x red\n")])  # (a raw 0x9B after ASCII: a Latin-1 capture's CSI)
def test_the_8bit_csi_in_bytes_is_u009b_not_a_byte_of_another_character(raw, plain):
    """Fails on the old code: prefilter.decoloured took any 0x9B byte for the CSI: 'V\u011bra' (C4 9B 72)
    lost its 0x9B and the 'r' after it ('V\\xc4a'), 'C2 9B' kept its C2."""
    from samlscan.prefilter import decoloured

    assert decoloured(raw) == plain


def test_an_unterminated_osc_takes_no_line_with_it():
    """Fails on the old code: an OSC (ESC ']') without its BEL or ST took every line up to the next BEL,
    in the whole reading (ansi.plain) and the prefilter's alike: the lines between were never read."""
    from samlscan.ansi import plain
    from samlscan.prefilter import decoloured

    text = "\x1b]0;title\n2025-01-01 10:00:00 ERROR one\n2025-01-01 10:00:01 ERROR two\x07 three\n"
    assert plain(text).split("\n")[1:3] == ["2025-01-01 10:00:00 ERROR one", "2025-01-01 10:00:01 ERROR two\x07 three"]
    assert decoloured(text.encode()).decode() == plain(text)
    assert plain("\x1b]0;title\x07line\n") == "line\n"  # (a terminated one is stripped still)


def test_a_control_sequence_cut_by_a_block_edge_is_stripped_whole(tmp_path, monkeypatch):
    """Fails on the old code (118 of 200 block sizes): each block read was stripped alone, so a sequence
    the block's edge cut ('ESC[0;3' | '9m') stayed in the line, hiding a record start or a keep word."""
    import io

    from samlscan import batch, prefilter

    data = _coloured_log(tmp_path).read_bytes()[:100_000]
    _, pf = batch._log_reader(str(tmp_path / "coloured.log"), data[:65536])

    def kept(block: int) -> list[str]:
        monkeypatch.setattr(prefilter, "BLOCK", block)
        monkeypatch.setattr(prefilter, "_FREE_BUFFERS", [])
        return [line for _, line in prefilter.prefiltered_lines(io.BytesIO(data), 0, len(data), pf, [0])]

    whole = kept(len(data) + 1)
    assert whole and all("\x1b" not in line for line in whole)
    assert [block for block in range(4000, 4100) if kept(block) != whole] == []


# --- Docker json-file: a record longer than a line is read -----------------------------------------------

def test_a_json_line_cut_at_its_length_limit_takes_no_next_record():
    """Fails on the old code: a JSON line cut inside a string (the prefilter keeps LONG_LINE of a line) left
    the scanner in that string, and the next line, a record of its own, was read as its rest."""
    from samlscan.logs._common import iter_json

    got = list(iter_json([(1, '{"log": "AAAA'), (2, '{"log": "x\\n", "stream": "stdout"}'), (3, '{"a": 1}')]))
    assert [(no, obj) for no, obj, err in got if err is None] == [(2, {"log": "x\n", "stream": "stdout"}), (3, {"a": 1})]
    assert [no for no, _, err in got if err is not None] == [1]
    # (an over-long line handed in chunks of one number, as parse_file does, is still one record)
    assert [obj for _, obj, _ in iter_json([(1, '{"log": "AA'), (1, 'AA"}')])] == [{"log": "AAAA"}]


def test_the_record_after_a_17_mb_docker_record_is_read(tmp_path):
    """Fails on the old code: Keycloak's login errors in Docker's json-file log around one record of
    17 MB (over the 16 MiB a line is read to): the one right after it was lost (199 of 200 read)."""
    import json

    from click.testing import CliRunner

    from samlscan.cli import main

    record = ('2025-03-11 09:41:{s:02d},123 WARN [org.keycloak.events] (executor-thread-1) type="LOGIN_ERROR", '
              'realmId="x", clientId="sonarqube", userId="null", ipAddress="203.0.113.{n}", '
              'error="invalid_user_credentials"\n')
    lines = [json.dumps({"log": record.format(s=n % 60, n=n), "stream": "stdout",
                         "time": "2025-03-11T08:41:00.000000000Z"}) for n in range(200)]
    lines.insert(100, json.dumps({"log": "A" * 17_000_000 + "\n", "stream": "stdout",
                                  "time": "2025-03-11T08:41:00.000000000Z"}))
    path = tmp_path / "keycloak-json.log"
    path.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(main, ["scan", str(path), "--format", "json", "--fail-on", "never"])
    assert result.exit_code == 0, result.output[-500:]
    assert len(json.loads(result.stdout)["attempts"]) == 200
