"""IdP console CSV exports saved again by Excel in a European locale (';' between cells, cp1252 or
UTF-8 with a BOM) or as Excel's 'Unicode Text' (UTF-16LE with a BOM, TAB between cells): each reader
of a console's CSV (Okta, Entra ID, OneLogin, Google Workspace, AD FS, Azure Application Gateway) gives
the same events and the same attempts as of the comma original (fixtures/csvdelim36, written by
fixtures/gen_csvdelim36.py); a log whose lines merely hold ';' or a tab is no CSV export."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from case_util import ROOT, generator_check, scan_case
from test_logs_common import detected, events, malformed_lines, records

from samlscan import logs
from samlscan.logs import adfs, azureagw, entra, google, okta, onelogin
from samlscan.logs._common import csv_rows

DATA = ROOT / "fixtures" / "csvdelim36"
READERS = {"okta": okta.PARSER, "entra": entra.PARSER, "onelogin": onelogin.PARSER, "google": google.PARSER,
           "adfs": adfs.PARSER, "azureagw": azureagw.PARSER}
VARIANTS = ("semicolon-cp1252", "semicolon-utf8bom", "tab-utf16")


def _file(reader: str, variant: str) -> Path:
    (path,) = (DATA / reader / variant).iterdir()
    return path


def _attempts(reader: str, variant: str) -> list:
    """The JSON report's attempts of one copy, its folder's name spelled as the comma original's."""
    doc = scan_case(DATA / reader / variant, "UTC")
    return json.loads(json.dumps(doc["attempts"]).replace(f"/{variant}/", "/comma/"))


def _events(path: Path) -> list[tuple]:
    recs = records(path)
    return [(e.time, e.outcome, e.code, e.user, e.ip, e.app, e.raw_code, e.source.ref) for e in events(recs)], \
        malformed_lines(recs)


def test_generator_is_current():
    done = generator_check("gen_csvdelim36.py")
    assert done.returncode == 0, done.stdout


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("reader", READERS)
def test_a_copy_saved_again_is_read_as_the_comma_original(reader, variant):
    """Detected as its reader, the same events (lines included) and the same attempts."""
    original, copy = _file(reader, "comma"), _file(reader, variant)
    assert detected(copy) == detected(original) == READERS[reader].name
    if reader != "azureagw":  # (its records are requests, judged into attempts below)
        want = _events(original)
        assert want[0] and _events(copy) == want
    want = _attempts(reader, "comma")
    assert want and _attempts(reader, variant) == want


# --- the header test still names the export's columns ---------------------------------------------

def _header(reader: str, delimiter: str) -> str:
    """The comma original's header line, spelled with `delimiter`."""
    rows = csv_rows(enumerate(_file(reader, "comma").read_text().splitlines(), 1), "x")
    return delimiter.join(next(rows)[1])


NOT_CSV = {
    # a SonarQube web.log line (its layout: fixtures/logs/sonarqube) whose message is ';'-separated
    "sonarqube-web": ("2026.03.03 10:05:03 WARN  web[AZ1x][o.s.s.a.AuthenticationError] login;user=ben;"
                      "published=2026-03-03;eventType=user.authentication.sso;outcome.result=FAILURE;"
                      "client.ipAddress=203.0.113.21;Date (UTC)=2026-03-03;Request ID=1;Application=sonar\n"),
    # a Java (logback) line whose message holds a OneLogin header's names, ';'-separated
    "java": ("10:00:01.123 [http-nio-8080-exec-1] ERROR c.e.saml.Export - created_at;event_type;user_name;"
             "ipaddr;Event ID;Date and Time;RequestUri;HttpStatus\n"),
    # an nginx combined line: the user agent's ';'
    "nginx": ('203.0.113.30 - - [03/Mar/2026:10:10:01 +0000] "GET /sessions/init/saml HTTP/1.1" 302 150 '
              '"-" "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"\n'),
    # a tab-separated text whose cells are not an export's header
    "tsv": "time\tuser\tip\tresult\n2026-03-03T10:00:01Z\tann\t203.0.113.20\tok\n",
}


@pytest.mark.parametrize("name", NOT_CSV)
@pytest.mark.parametrize("reader", READERS)
def test_a_semicolon_rich_log_is_no_csv_export_and_a_header_is(reader, name):
    """The reader claims its header with ';' and with a tab, never a text that merely holds them."""
    parser = READERS[reader]
    for variant in VARIANTS:
        assert parser.sniff(logs.read_head(str(_file(reader, variant))))
    assert not parser.sniff(NOT_CSV[name])
    found = logs.detect(NOT_CSV[name])
    assert found is None or found.name not in {p.name for p in READERS.values()}


def test_a_semicolon_log_stays_what_it_was(tmp_path):
    """A SonarQube web.log with a ';'-rich line first is still read as SonarQube's, and an Okta
    header spelled with ';' is read as Okta's (on the old code: no log)."""
    web = tmp_path / "web.log"
    web.write_text(NOT_CSV["sonarqube-web"] + (ROOT / "fixtures/logs/sonarqube/web-javasaml.log").read_text())
    assert detected(web) == "sonarqube"
    assert detected(_file("okta", "semicolon-cp1252")) == "okta"


def test_csv_dialect_takes_the_delimiter_that_makes_the_header():
    """The first delimiter whose cells the reader's columns read; a ',' inside a ';' header's cell
    does not make it a comma header; a JSON or XML line is none."""
    from samlscan.logs._common import csv_dialect  # (new: the other tests run on the old code too)

    def columns(cells):
        return cells if cells[:2] == ["a,b", "c"] or cells[:2] == ["x", "y"] else None

    assert csv_dialect('"a,b";c;d', columns) == (";", ["a,b", "c", "d"])
    assert csv_dialect("\ufeffx\ty\r", columns) == ("\t", ["x", "y"])
    assert csv_dialect("x,y", columns) == (",", ["x", "y"])
    assert csv_dialect("x;z", columns) is None
    assert csv_dialect('{"x";"y"}', columns) is None


def test_an_embedded_delimiter_and_line_break_in_quotes(tmp_path):
    """A ';' copy's quoted cells holding ';', ',' and a line break, and a tab copy's holding a
    tab: one cell each, the row's line its first."""
    header = _header("adfs", ";")
    body = ('Error;3/11/2025 9:43:12 AM;AD FS Auditing;364;None;"Encountered error; during, federation\n'
            'Relying Party: urn:sp\nActivity ID: 3a7c9da1-8e5f-4b4c-9233-9f6e5d4a2baa\nMSIS7012: An error occurred"\n')
    for delimiter, codec in ((";", "cp1252"), ("\t", "utf-16")):
        path = tmp_path / f"adfs-{ord(delimiter)}.csv"
        text = header.replace(";", delimiter) + "\n" + body.replace(";", delimiter, 5)
        path.write_bytes(text.replace("\n", "\r\n").encode(codec))
        got = [(e.raw_code, e.app, e.source.ref) for e in events(records(path))]
        assert got == [("MSIS7012", "urn:sp", "line 2")], got
