"""Inputs the fifth fuzzing round (`scan DIR` over folders of mutated evidence, settings files and
archives, in every format, with and without --redact; inputs grown n -> 4n) made samlscan
misbehave with; each minimised here."""
from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from case_util import ROOT
from samlscan.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RESPONSE = FIXTURES / "responses" / "defects" / "assertion-expired.xml"


# --- SARIF: a file name that is not UTF-8 ---------------------------------------------------------

def _tar_with(name: str) -> bytes:
    buf = io.BytesIO()
    data = RESPONSE.read_bytes()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tf:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _sarif_uris(args: list[str]) -> list[str]:
    result = CliRunner().invoke(main, [*args, "--format", "sarif", "-q"])
    assert result.exit_code in (0, 1), result.output
    run = json.loads(result.stdout)["runs"][0]
    return [a["location"]["uri"] for a in run["artifacts"]]


def test_sarif_percent_encodes_a_non_utf8_file_name(tmp_path, monkeypatch):
    """A Latin-1 file name saved on Linux ('caf\\xe9.xml') reaches the report as a lone surrogate:
    SARIF's relative artifact URI quoted it as text and failed (internal error, exit 2); it is the
    byte percent-encoded, as Path.as_uri writes an absolute one (RFC 3986 2.1)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / os.fsdecode(b"caf\xe9.xml")).write_bytes(RESPONSE.read_bytes())
    assert "caf%E9.xml" in _sarif_uris(["scan", ".", "-j", "1"])
    assert "caf%E9.xml" in _sarif_uris(["check", os.fsdecode(b"caf\xe9.xml")])


def test_sarif_percent_encodes_a_non_utf8_tar_member_name(tmp_path):
    """tarfile decodes a member name that is not UTF-8 with surrogateescape: the member's artifact
    URI (nested in its archive, SARIF 3.24.3) failed the same way."""
    (tmp_path / "logs.tar").write_bytes(_tar_with(os.fsdecode(b"caf\xe9.xml")))
    assert "caf%E9.xml" in _sarif_uris(["scan", str(tmp_path / "logs.tar"), "-j", "1"])


# --- SARIF --redact: the file name ------------------------------------------------------------------

def test_sarif_redact_hides_the_email_and_ip_a_file_name_holds(tmp_path, monkeypatch):
    """A ticket's attachment named after its user and client ('jane.doe@corp.com-10.20.30.40.xml'):
    every format's --redact hid them but SARIF's artifact and location URIs, which were built from
    the path before redaction (the email percent-encoded as jane.doe%40corp.com, still readable).
    The fingerprints stay those of the input's own URI."""
    name = "jane.doe@corp.com-10.20.30.40.xml"
    (tmp_path / name).write_bytes(RESPONSE.read_bytes())
    monkeypatch.chdir(tmp_path)
    outs = {}
    for redact in ((), ("--redact",)):
        for target in ([str(tmp_path)], [name]):
            result = CliRunner().invoke(main, ["scan", *target, "-j", "1", "--format", "sarif", "-q", *redact])
            assert result.exit_code in (0, 1), result.output
            outs[redact, target[0] == name] = result.stdout
    for relative in (False, True):
        redacted = outs[("--redact",), relative]
        assert "jane.doe" not in redacted and "10.20.30.40" not in redacted
        assert "jane.doe" in outs[(), relative]
        prints = [[r["partialFingerprints"] for r in json.loads(o)["runs"][0]["results"]]
                  for o in (redacted, outs[(), relative])]
        assert prints[0] and prints[0] == prints[1]


# --- the table on a terminal: control characters of a file name -----------------------------------

@pytest.mark.parametrize("hidden, shown", [("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"),  # retitles a terminal
                                           ("\u202e", "\\u202e"),  # Trojan Source, CVE-2021-42574
                                           ("\r", "\\x0d")])  # returns the cursor over its own row
def test_table_shows_a_file_names_control_characters_as_escapes(tmp_path, hidden, shown):
    """The table (the default format, for a terminal) wrote a file name's terminal escapes, bidi
    overrides and CR raw: the terminal obeyed them (an attachment 'a<ESC>]0;...<BEL>b.xml' retitled
    it, 'x<RLO>lmx.exe' showed as 'xexe.xml'). Shown as escapes, as the HTML report does."""
    (tmp_path / f"a{hidden}b.xml").write_bytes(RESPONSE.read_bytes())
    for args in (["scan", str(tmp_path), "-j", "1"], ["check", str(tmp_path / f"a{hidden}b.xml")]):
        result = CliRunner().invoke(main, [*args, "--format", "table", "-q"])
        assert result.exit_code in (0, 1), result.output
        assert hidden not in result.stdout
        assert f"a{shown}b.xml" in result.stdout


@pytest.mark.parametrize("date", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z"])
def test_a_log_line_dated_at_the_edge_of_time_ends_in_no_internal_error(tmp_path, date):
    # a placeholder date in a log line beside a capture: correlation's minute around it overflowed
    # datetime's range (OverflowError, exit 2 in every format); such a time is no usable time
    shutil.copy(ROOT / "fixtures/scenarios/keycloak-spring/chrome-nina.har", tmp_path)
    (tmp_path / "web.log").write_text(json.dumps(
        {"process": "web", "HTTP_REQUEST_ID": "AZWS19rR3qXB8TjB4lIC", "instant": 1758012453200, "date": date,
         "severity": "ERROR", "logger": "com.onelogin.saml2.Auth",
         "message": "processResponse error. invalid_response"}) + "\n")
    res = CliRunner().invoke(main, ["scan", str(tmp_path), "--format", "json", "--fail-on", "never", "-j", "1"])
    assert res.exit_code == 0, res.output[-1500:]
    doc = json.loads(res.stdout)
    assert not [f for f in doc["input_findings"] if f["code"] == "internal-error"]
    assert {i["status"] for i in doc["inputs"]} == {"scanned"}
