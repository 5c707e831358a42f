"""corr30: correlation gaps from the last sessions' notes.

Rotated logs that overlap (copytruncate: lines written between the copy and the truncation sit in
both files; or one file given twice under two names) counted their shared lines twice among the
report's events: each is kept once now, as the first input's, with a note naming the two files
(samlscan/overlap.py). Generated SonarQube web.log lines (tests/test_replayuser28.py's shape); the
overlap tests fail on the old code (6 events, both files in the evidence, no note).
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from click.testing import CliRunner

from samlscan.cli import main

T0 = datetime(2026, 3, 3, 9, 0, 23, tzinfo=timezone.utc)


def _sonar(at: datetime, req: str, what: str, login: str, ip: str = "203.0.113.64") -> list[str]:
    stamp = f"{at:%Y.%m.%d %H:%M:%S}"
    return [f"{stamp} DEBUG web[{req}][o.s.a.s.SonarqubeSaml2ResponseValidator] Saml validation errors: []",
            f"{stamp} DEBUG web[{req}][auth.event] login {what}[method|OAUTH2][provider|EXTERNAL|Duo SSO]"
            f"[IP|10.40.1.5|{ip}][login|{login}]"]


LINES = (_sonar(T0, "r1", "success ", "hugo")
         + _sonar(T0 + timedelta(seconds=67), "r2", "failure [cause|Signature validation failed. SAML Response rejected]", "")
         + _sonar(T0 + timedelta(seconds=300), "r3", "success ", "ivan"))


def _doc(tmp_path, files: dict[str, list[str]]) -> tuple[dict, str]:
    paths = []
    for name, lines in files.items():
        (tmp_path / name).write_text("\n".join(lines) + "\n")
        paths.append(str(tmp_path / name))
    res = CliRunner().invoke(main, ["scan", *paths, "--timezone", "UTC", "--format", "json"])
    assert res.exit_code in (0, 1) and isinstance(res.exception, (SystemExit, type(None))), res.output
    return json.loads(res.stdout), str(tmp_path)


def test_one_log_given_twice_counts_each_line_once_and_says_so(tmp_path):
    doc, d = _doc(tmp_path, {"web.log": LINES, "web.log.1": LINES})
    assert doc["summary"]["events"] == 12 - 3  # 3 successes and failures kept once (the 3 'info' lines counted per file)
    assert [i["events"] for i in doc["inputs"]] == [6, 3]
    assert len(doc["attempts"]) == 3
    assert all(len(a["evidence"]) == 1 and a["evidence"][0]["input"].endswith("web.log") for a in doc["attempts"])
    note = next(n for n in doc["summary"]["notes"] if "overlap" in n)
    assert f"{d}/web.log and {d}/web.log.1 overlap: 3 log line(s)" in note


def test_copytruncate_overlap_of_one_login_and_no_note_without_one(tmp_path):
    older, newer = LINES[:4], LINES[2:]  # the refusal's two lines in both
    doc, d = _doc(tmp_path, {"web.log": newer, "web.log.1": older})
    assert [i["events"] for i in doc["inputs"]] == [4, 3]  # web.log.1's refusal is web.log's
    assert [a["outcome"] for a in doc["attempts"]].count("failure") == 1
    assert any(f"{d}/web.log and {d}/web.log.1 overlap: 1 log line(s)" in n for n in doc["summary"]["notes"])
    apart, _ = _doc(tmp_path, {"web.log": LINES[4:], "web.log.1": LINES[:4]})
    assert not any("overlap" in n for n in apart["summary"].get("notes", ()))


def test_a_line_one_log_holds_twice_stays_twice(tmp_path):
    twice = LINES[:2] + LINES[1:2]  # one success logged twice in one file: the file's own words
    doc, _ = _doc(tmp_path, {"web.log": twice, "web.log.1": LINES[:2]})
    assert [i["events"] for i in doc["inputs"]] == [3, 1]
