"""SARIF: every result whose evidence has a place in a file points at it (report.regions.Places): a
log line, a capture's entry, a whole XML file's root; a line of a compressed file or an archive
member is named by its nested artifact (SARIF 3.24.3) as a related location, never as a line of the
compressed bytes. None where no place is known. Same with --jobs 1 and 2 and with --redact, and the
fingerprints never depend on the region. Runs on the committed data only."""
from __future__ import annotations

import gzip
import json
import tarfile
import zipfile
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from samlscan.batch import run_scan
from samlscan.cli import main
from samlscan.config import build
from samlscan.correlate import correlate
from samlscan.report import sarifout
from samlscan.report.regions import root_start
from samlscan.report.sarifout import sarif_log

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
SHIBD = DATA / "case21" / "shibd.log"  # assertion-replayed at line 4, recipient-mismatch at line 7
ENTRA = ROOT / "fixtures" / "scenarios" / "entra-proxy-spring"


def _log(paths, jobs=1, cwd=None):
    expect = build({}, ROOT / "fixtures" / "config" / "default.toml")
    log = sarif_log(correlate(run_scan([str(p) for p in paths], expect, jobs=jobs)), cwd=cwd)
    assert list(jsonschema.Draft4Validator(SCHEMA).iter_errors(log)) == []
    return log


def _results(log, code, name):
    return [r for r in log["runs"][0]["results"]
            if r["ruleId"] == code and Path(r["properties"]["input"].split("!")[-1]).name == name]


def _where(result):
    return result["locations"][0]["physicalLocation"]


def _line(path: Path, number: int) -> str:
    return path.read_text(encoding="utf-8").split("\n")[number - 1]


def test_a_log_line_cause_is_placed_at_its_line():
    """An attempt's cause read from an IdP export's row (Entra's AADSTS50011): that very line."""
    log = _log(sorted(p for p in ENTRA.iterdir() if p.is_file()))
    causes = _results(log, "reply-url-mismatch", "InteractiveSignIns_2025-10-07_2025-10-07.csv")
    assert causes
    for r in causes:
        line = _where(r)["region"]["startLine"]
        assert "50011" in _line(ENTRA / "InteractiveSignIns_2025-10-07_2025-10-07.csv", line)


def test_an_access_log_line_is_placed_at_its_line():
    log = _log([DATA / "nginx33" / "ingress" / "access.log"])
    answered = _results(log, "sp-refused-callback", "access.log") + _results(log, "proxy-answered-callback", "access.log")
    assert answered
    for r in answered:
        text = _line(DATA / "nginx33" / "ingress" / "access.log", _where(r)["region"]["startLine"])
        assert "/oauth2/callback/saml" in text


def _entry_at(path: Path, region: dict, word: str = "entries"):
    """The JSON value that starts at `region` (1-based line and code-point column)."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    offset = sum(len(x) + 1 for x in lines[:region["startLine"] - 1]) + region["startColumn"] - 1
    return json.JSONDecoder().raw_decode(text, offset)[0]


@pytest.mark.parametrize("har,code,entry", [
    (ROOT / "fixtures" / "captures" / "sanitized-redacted.har", "input-redacted", 2),  # a sanitizer's value
    (DATA / "captures2" / "acs-308-replay-without-body.har", "input-body-from-page", 5),  # a body not exported
])
def test_a_har_entry_finding_without_a_message_is_placed_at_its_entry(har, code, entry):
    found = [r for r in _results(_log([har]), code, har.name) if r["properties"].get("ref", "").startswith("entry ")]
    assert found
    for r in found:
        assert "message" not in r["properties"]
        number = int(r["properties"]["ref"].split()[1].split("/")[0])
        assert number == entry
        assert _entry_at(har, _where(r)["region"]) == json.loads(har.read_text())["log"]["entries"][number]


def test_a_loop_step_is_placed_at_its_entry():
    har = DATA / "captures2" / "session-loop.har"
    loop = _results(_log([har]), "login-loop", "session-loop.har")
    assert loop
    number = int(loop[0]["properties"]["ref"].split()[1])
    assert _entry_at(har, _where(loop[0])["region"]) == json.loads(har.read_text())["log"]["entries"][number]


def test_a_whole_metadata_file_finding_is_placed_at_its_root_element():
    meta = DATA / "case9" / "GoogleIDPMetadata.xml"
    found = _results(_log([meta]), "input-not-saml", meta.name)
    assert found
    line, column = root_start(meta.read_bytes())
    assert _where(found[0])["region"] == {"startLine": line + 1, "startColumn": column}
    assert _line(meta, line + 1)[column - 1:].startswith("<")


def test_no_region_where_no_place_is_known():
    """A capture-level finding (a clock of the whole capture, a HAR without cookies): the file, no
    region. (An error page saved as text has one: the line stating its error, test_runtogether34b.)"""
    log = _log([DATA / "case20" / "chrome-lena.har", DATA / "case21" / "firefox-ana.har"])
    none = (_results(log, "browser-clock-off", "chrome-lena.har")
            + [r for r in _results(log, "input-redacted", "firefox-ana.har") if "ref" not in r["properties"]])
    assert len(none) >= 2
    for r in none:
        assert "region" not in _where(r) and "relatedLocations" not in r


def _containers(tmp_path):
    gz = tmp_path / "shibd.log.gz"
    gz.write_bytes(gzip.compress(SHIBD.read_bytes(), mtime=0))
    with zipfile.ZipFile(tmp_path / "logs.zip", "w") as zf:
        zf.write(SHIBD, "node 1/shibd.log")
    with tarfile.open(tmp_path / "logs.tgz", "w:gz") as tf:
        tf.add(SHIBD, "shibd.log")
    return [gz, tmp_path / "logs.zip", tmp_path / "logs.tgz"]


def test_a_compressed_log_gives_no_line_of_its_compressed_bytes(tmp_path):
    """shibd.log.gz's line 4 is a line of its inflated text: the result is the .gz file, without a
    region (the old code said line 4 of the gzip bytes); the inflated text is a nested artifact
    ('shibd.log', parentIndex the .gz) and line 4 of it the related location."""
    gz = _containers(tmp_path)[0]
    log = _log([gz, SHIBD], cwd=str(tmp_path))
    run = log["runs"][0]
    plain = {r["ruleId"]: _where(r)["region"] for r in _results(log, "assertion-replayed", SHIBD.name)
             + _results(log, "recipient-mismatch", SHIBD.name) if not r["properties"]["input"].endswith(".gz")}
    assert plain == {"assertion-replayed": {"startLine": 4}, "recipient-mismatch": {"startLine": 7}}
    packed = [r for r in run["results"] if r["properties"]["input"].endswith(".gz")]
    assert {r["ruleId"] for r in packed} == {"assertion-replayed", "recipient-mismatch"}
    for r in packed:
        where = _where(r)
        assert where["artifactLocation"]["uri"] == "shibd.log.gz" and "region" not in where
        (related,) = r["relatedLocations"]
        target = related["physicalLocation"]
        nested = run["artifacts"][target["artifactLocation"]["index"]]
        assert nested["location"]["uri"] == target["artifactLocation"]["uri"] == "shibd.log"
        assert nested["parentIndex"] == where["artifactLocation"]["index"]
        assert target["region"] == plain[r["ruleId"]]


def test_an_archive_member_line_is_named_by_its_nested_artifact(tmp_path):
    log = _log(_containers(tmp_path)[1:], cwd=str(tmp_path))
    run = log["runs"][0]
    members = [r for r in run["results"] if "!" in r["properties"]["input"]]
    assert len(members) == 4
    for r in members:
        archive = _where(r)["artifactLocation"]
        assert archive["uri"] in ("logs.zip", "logs.tgz") and "region" not in _where(r)
        target = r["relatedLocations"][0]["physicalLocation"]
        nested = run["artifacts"][target["artifactLocation"]["index"]]
        assert nested["parentIndex"] == archive["index"]
        assert nested["location"]["uri"] == target["artifactLocation"]["uri"]
        assert target["region"]["startLine"] == (4 if r["ruleId"] == "assertion-replayed" else 7)
    assert {"node%201/shibd.log", "shibd.log"} == {run["artifacts"][r["relatedLocations"][0]["physicalLocation"]
                                                   ["artifactLocation"]["index"]]["location"]["uri"] for r in members}


def _places(log):
    return [(r["ruleId"], r["properties"].get("input"), r["properties"].get("ref"), r.get("locations"),
             r.get("relatedLocations"), r["partialFingerprints"]) for r in log["runs"][0]["results"]]


def test_jobs_one_and_two_give_the_same_places(tmp_path):
    paths = _containers(tmp_path) + [SHIBD, ROOT / "fixtures" / "captures" / "sanitized-redacted.har",
                                     DATA / "captures2" / "session-loop.har"]
    assert _places(_log(paths, jobs=1, cwd=str(tmp_path))) == _places(_log(paths, jobs=2, cwd=str(tmp_path)))


def test_redact_keeps_regions_and_fingerprints(tmp_path):
    har = ROOT / "fixtures" / "captures" / "sanitized-redacted.har"
    outs = []
    for extra in ([], ["--redact"]):
        out = tmp_path / f"out{len(extra)}.sarif"
        got = CliRunner().invoke(main, ["scan", str(har), str(SHIBD), "--format", "sarif", "-o", str(out),
                                        "--fail-on", "never", *extra])
        assert got.exit_code == 0, got.output
        outs.append(json.loads(out.read_text()))
    plain, masked = ([(r["ruleId"], (r.get("locations") or [{}])[0].get("physicalLocation", {}).get("region"),
                       r["partialFingerprints"]) for r in log["runs"][0]["results"]] for log in outs)
    assert plain == masked
    assert any(region for _, region, _ in masked)


def test_fingerprints_do_not_move_with_the_line(tmp_path):
    """Lines added before a log's findings move their regions, not their fingerprints."""
    log = tmp_path / "shibd.log"
    log.write_bytes(SHIBD.read_bytes())
    before = _log([log], cwd=str(tmp_path))["runs"][0]["results"]
    log.write_bytes(b"\n\n\n" + SHIBD.read_bytes())
    after = _log([log], cwd=str(tmp_path))["runs"][0]["results"]
    assert [_where(r)["region"]["startLine"] + 3 for r in before] == [_where(r)["region"]["startLine"] for r in after]
    assert [r["partialFingerprints"] for r in before] == [r["partialFingerprints"] for r in after]


def test_results_past_githubs_limit_keep_the_most_severe(monkeypatch):
    """GitHub rejects a run of more than 25,000 results: past MAX_RESULTS the errors are kept first,
    in order, and a notification counts the rest (here with a limit of 3)."""
    log = _log(sorted(p for p in ENTRA.iterdir() if p.is_file()))
    every = log["runs"][0]["results"]
    monkeypatch.setattr(sarifout, "MAX_RESULTS", 3)
    cut = _log(sorted(p for p in ENTRA.iterdir() if p.is_file()))
    kept = cut["runs"][0]["results"]
    errors = [r for r in every if r["level"] == "error"]
    assert len(errors) >= 3 and kept == errors[:3]
    notes = [n["message"]["text"] for n in cut["runs"][0]["invocations"][0]["toolExecutionNotifications"]]
    assert any(t.startswith(f"{len(every) - 3} less severe result(s) left out") for t in notes)


@pytest.mark.parametrize("shape", ["bare list", "log object"])
def test_an_entry_is_found_in_every_har_shape(tmp_path, shape):
    """A dump of log.entries alone ([...]) or of the log object ({"entries": [...]}): the entry's
    '{' is counted in that shape's array (inputs.har.writer.entries_path), not in a 'log.entries'."""
    entries = json.loads((ROOT / "fixtures" / "captures" / "sanitized-redacted.har").read_text())["log"]["entries"]
    har = tmp_path / "dump.har"
    har.write_text(json.dumps(entries if shape == "bare list" else {"entries": entries}, indent=1))
    found = [r for r in _results(_log([har]), "input-redacted", har.name) if "ref" in r["properties"]]
    assert found
    for r in found:
        assert _entry_at(har, _where(r)["region"]) == entries[int(r["properties"]["ref"].split()[1])]
