"""ux45: what ux43's and ux44's reviews left, ranked (redaction of samlscan's own section numbers,
`check --details`, `flows -`, help widths, AD FS's MSIS7042)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "fixtures"
sys.path.insert(0, str(FIX))
import gen_captures as gc  # noqa: E402

from samlscan.cli import main  # noqa: E402

CONFIG = str(FIX / "config/default.toml")


def _run(args: list[str], stdin: str | bytes | None = None):
    return CliRunner().invoke(main, args, input=stdin, catch_exceptions=False)


# 1. --redact keeps samlscan's own section numbers, masks an address of the input


def _logout_sent_to(tmp_path, url: str) -> Path:
    """A capture of an SP's LogoutRequest (Destination https://idp.example.org/slo) sent to `url`."""
    from urllib.parse import quote

    xml = (FIX / "requests/logoutrequest.xml").read_bytes()
    entry = gc._entry(gc._t(1), "GET", f"{url}?SAMLRequest={quote(gc.deflate_b64(xml), safe='')}", 302,
                      resp_headers=[("Location", "https://idp.example.org/loggedout")])
    path = tmp_path / "logout.har"
    path.write_text(json.dumps(gc.har([entry])))
    return path


def _captures_address_masked_in_every_format(tmp_path) -> None:
    """The same number as a capture's address is masked in every format; the code's own words keep it."""
    from samlscan.codes import spec

    summary = spec("logout-destination-mismatch").summary
    assert "SAML bindings 3.4.5.2/3.5.5.2" in summary  # (the text this test is about)
    har = str(_logout_sent_to(tmp_path, "https://3.5.5.2/slo"))  # the same number, an address here
    sarif = _run(["check", har, "--config", CONFIG, "--format", "sarif", "--redact"]).stdout
    rules = json.loads(sarif)["runs"][0]["tool"]["driver"]["rules"]
    assert [r["shortDescription"]["text"] for r in rules if r["id"] == "logout-destination-mismatch"] == [summary]
    for fmt in ("table", "json", "jsonl", "csv", "html", "sarif"):
        out = _run(["check", har, "--config", CONFIG, "--format", fmt, "--redact"]).stdout
        assert "logout-destination-mismatch" in out and "3.5.5.2/slo" not in out, fmt
        assert out.replace("3.4.5.2/3.5.5.2", "").count("3.5.5.2") == 0, fmt


def test_redact_keeps_every_own_text_with_a_section_number_but_masks_the_number_in_a_log_line(tmp_path):
    import re

    from samlscan.catalog import entries
    from samlscan.codes import all_specs
    from samlscan.report.redact import Redactor

    red = Redactor(set())
    texts = [t for s in all_specs() for t in (s.summary, s.fix)]
    texts += [t for e in entries() for t in (e.explanation, e.fix) if t]
    shaped = [t for t in texts if re.search(r"\b\d+\.\d+\.\d+\.\d+\b", t)]
    assert shaped and [t for t in shaped if red.text(t) != t] == []
    for line in ("client 3.5.5.2 failed", "from 3.5.5.2/3.5.5.2", "bindings 3.4.5.2 3.5.5.2", "ip=3.5.5.2"):
        assert "3.5.5.2" not in red.text(line) and "<ip:" in red.text(line), line
    _captures_address_masked_in_every_format(tmp_path)


# 2. `check --details`: scan's flag, accepted; check shows every detail anyway


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_check_accepts_details_and_shows_what_it_shows_without(fmt):
    defect = str(FIX / "responses/defects/signature-cert-mismatch.xml")
    plain = _run(["check", defect, "--config", CONFIG, "--format", fmt])
    detailed = _run(["check", defect, "--config", CONFIG, "--format", fmt, "--details"])
    assert plain.exit_code == detailed.exit_code == 1, detailed.output
    assert detailed.stdout == plain.stdout and "signature" in detailed.stdout
    assert "--details" in _run(["check", "--help"]).stdout  # (said in the help's text, as a no-op)
    unknown = _run(["check", defect, "--detail-level", "2"])  # (still: an option check does not know)
    assert unknown.exit_code == 2 and "No such option" in unknown.output



# 3. `samlscan flows -`: a capture piped on standard input, named '<stdin>'


def test_flows_reads_a_capture_on_stdin_as_from_its_file_named_stdin():
    har = FIX / "captures/entra-aadsts50011.har"
    from_file = json.loads(_run(["flows", str(har), "--format", "json"]).stdout)["inputs"][0]
    piped = _run(["flows", "-", "--format", "json"], stdin=har.read_bytes())
    assert piped.exit_code == 0, piped.output
    doc = json.loads(piped.stdout)["inputs"][0]
    assert doc["path"] == "<stdin>" and doc["kind"] == "har" and doc["flows"]
    assert {**doc, "path": str(har)} == from_file
    table = _run(["flows", "-"], stdin=har.read_bytes()).stdout
    assert table.startswith("<stdin> (har, ") and "- (" not in table.splitlines()[0]


@pytest.mark.parametrize("piped,said", [(b"no capture here\n", "<stdin>: not a HAR"),
                                         (b"", "<stdin>: stdin is empty")])
def test_flows_says_what_is_wrong_with_stdin_in_one_line(piped, said):
    r = _run(["flows", "-"], stdin=piped)
    assert r.exit_code == 2 and r.stdout.startswith(said) and "Traceback" not in r.output


# 4. every line of every command's --help within 80 columns


def _helps() -> list[tuple[str, str]]:
    """(command, its --help on an 80-column terminal) for samlscan and each of its commands."""
    return [(name, CliRunner().invoke(main, [*args, "--help"], env={"COLUMNS": "80"}, terminal_width=80).stdout)
            for name, args in [("samlscan", []), *((c, [c]) for c in sorted(main.commands))]]


def test_every_help_line_fits_80_columns():
    from samlscan.report.cells import width

    helps = _helps()
    assert len(helps) >= 8 and all(text.startswith("Usage:") for _, text in helps)
    wide = [(name, line) for name, text in helps for line in text.splitlines() if width(line) > 80]
    assert wide == []


# 5. AD FS's MSIS7042 (its loop detection) is a login loop, ranked below the reason the SP refused


MSIS7042 = ("MSIS7042: The same client browser session has made '6' requests in the last '11' seconds. "
            "Contact your administrator for details.")  # (learn.microsoft.com: AD FS Troubleshooting - Loop Detection)


def _adfs_line(at):
    from samlscan.catalog import lookup
    from samlscan.correlate.pieces import _Piece

    return _Piece(at, "log", "adfs-admin.csv", "line 2", outcome="failure", log_code=lookup(MSIS7042, "adfs").code,
                  side="idp", product="adfs", text=MSIS7042)


def test_msis7042_is_a_login_loop_and_the_responses_own_fault_stays_the_cause():
    from datetime import datetime

    from samlscan.correlate.causes import _cause
    from samlscan.correlate.pieces import _Piece
    from samlscan.explain import explain_text

    at = datetime(2025, 3, 11, 9, 15)
    posted = _Piece(at, "capture", "login.har", "entry 3", codes=("audience-mismatch",),
                    response=("_r1", "login.har", "entry 3"))
    assert _cause([posted, _adfs_line(at)])[0] == "audience-mismatch"  # (main: sp-configuration-error)
    assert _cause([_adfs_line(at)])[0] == "login-loop"  # nothing else known: the loop AD FS saw
    out, found = explain_text(MSIS7042)
    assert found and "samlscan code:\nlogin-loop" in out and out.count("Fix:") == 1
