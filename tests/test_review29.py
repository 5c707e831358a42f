"""review29: the shared reports (HTML, SARIF) read as a support engineer and a security engineer.

Found, each test below failing on the code before it:
- the HTML's first screen named the failed logins' causes as bare codes: not who must act nor the
  fix (the table's first block said both); it now has a table of cause, count, users, who fixes, fix;
- a scan of thousands of attempts listed the first 500 by time, mostly successes: the failed ones
  beyond them were not on the page; the cut list now keeps the failed ones first;
- the note under a cut list of attempts or messages sent the reader to 'the JSON or CSV report',
  but the CSV holds findings only;
- the SARIF rules had no help.markdown, which GitHub code scanning shows (not help.text).
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from samlscan.engine import Report
from samlscan.model import Attempt
from samlscan.report import htmlout, render
from samlscan.report.sarifout import rules

ROOT = Path(__file__).resolve().parents[1]
CASE26 = ROOT / "tests" / "data" / "case26"


def _scan(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "samlscan", "scan", *args, "--jobs", "1"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    return done.stdout


class _Causes(HTMLParser):
    """The rows of the summary's table.causes, each a list of its cells' text."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self._in_table = self._in_cell = False

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "table" and "causes" in classes:
            self._in_table = True
        elif self._in_table and tag == "tr":
            self.rows.append([])
        elif self._in_table and tag in ("td", "th"):
            self._in_cell = True
            self.rows[-1].append("")

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_table = False
        elif tag in ("td", "th"):
            self._in_cell = False

    def handle_data(self, data):
        if self._in_cell:
            self.rows[-1][-1] += data


def _cause_rows(page: str) -> list[list[str]]:
    p = _Causes()
    p.feed(page)
    return [r for r in p.rows if r and r[0] != "Root cause"]


@pytest.fixture(scope="module")
def case26():
    doc = json.loads(_scan(str(CASE26), "--format", "json"))
    return doc, _scan(str(CASE26), "--format", "html"), _scan(str(CASE26), "--format", "html", "--redact")


def test_the_first_screen_says_each_cause_who_fixes_it_and_how(case26):
    doc, page, _ = case26
    rows = _cause_rows(page)
    causes = doc["summary"]["failures_by_cause"]
    assert [r[0] for r in rows] == list(causes) and [int(r[1]) for r in rows] == list(causes.values())
    who = {r[0]: r[3] for r in rows}
    assert who["signature-cert-mismatch"] == "SP admin" and who["user-not-assigned"] == "IdP admin"
    assert who["proxy-answered-callback"] == "network/proxy admin"
    # each fix is its latest failed attempt's whole fix, as the JSON has it
    for cause, _n, users, _who, fix in rows:
        failed = [a for a in doc["attempts"] if a["outcome"] == "failure" and a["root_cause"] == cause]
        latest = max(failed, key=lambda a: a["time"])
        assert fix == latest["fix"]
        assert set(users.split(", ")) == {a["user"] for a in failed}
    # before the timeline: on the first screen
    assert page.index('class="grid causes"') < page.index('id="timeline"')


def test_the_causes_table_is_redacted(case26):
    doc, _, redacted = case26
    rows = _cause_rows(redacted)
    assert len(rows) == len(doc["summary"]["failures_by_cause"])
    names = {a["user"] for a in doc["attempts"] if a["user"]}
    for row in rows:
        assert all(u.startswith("<pii:") or u.startswith("<email:") for u in row[2].split(", ")), row
        assert not any(re.search(rf"\b{re.escape(n)}\b", " ".join(row)) for n in names), row


def test_no_failed_login_no_causes_table():
    page = _scan("fixtures/responses/valid/okta.xml", "--config", "fixtures/config/default.toml", "--format", "html")
    assert 'class="grid causes"' not in page and "No errors found." in page


def test_many_causes_fold_after_the_first_ones():
    attempts = [_attempt(i, "failure", f"cause-{i:02}") for i in range(htmlout.CAUSES_SHOWN + 3)]
    page = render(_report(attempts), "html")
    assert len(_cause_rows(page)) == htmlout.CAUSES_SHOWN + 3
    start = page.index('<details class="causes-more">')
    folded = page[start:page.index("</details>", start)]
    assert "3 more root cause(s)" in folded and f"cause-{htmlout.CAUSES_SHOWN:02}" in folded
    assert f"cause-{htmlout.CAUSES_SHOWN - 1:02}" not in folded


def _attempt(i: int, outcome: str, cause: str | None = None) -> Attempt:
    return Attempt(time=datetime(2026, 1, 1) + timedelta(seconds=i), user=f"user{i}", outcome=outcome,
                   root_cause=cause, side="idp" if cause else None, fix=f"fix of {cause}" if cause else None,
                   findings=(), evidence=())


def _report(attempts) -> Report:
    return Report(inputs=(), messages=(), input_findings=(), attempts=tuple(attempts))


def test_a_big_scan_keeps_its_failed_logins_on_the_page():
    # 2,000 attempts: the successes first in time, the failures after the 500th
    n = 2000
    attempts = [_attempt(i, "success") for i in range(1500)]
    attempts += [_attempt(i, "failure", "user-not-assigned") for i in range(1500, 1700)]
    attempts += [_attempt(i, "success") for i in range(1700, n)]
    page = render(_report(attempts), "html")
    assert page.count('<li class="attempt out-failure"') == 200
    assert page.count('<li class="attempt') == htmlout.MAX_ATTEMPTS_SHOWN
    times = re.findall(r'<div class="when">([^<]+)</div>', page)
    assert times == sorted(times)  # still a timeline
    note = page[page.index('id="timeline"'):]
    assert f"{n - htmlout.MAX_ATTEMPTS_SHOWN} more not listed here: the JSON report (--format json)" in note
    assert "failed ones first" in note


def test_cut_lists_name_the_report_that_holds_them(monkeypatch):
    from samlscan.config import build
    from samlscan.correlate import correlate
    from samlscan.engine import analyze

    paths = sorted(str(p) for p in (ROOT / "fixtures" / "responses" / "defects").glob("*.xml"))[:6]
    report = correlate(analyze(paths, build({}, ROOT / "fixtures" / "config" / "default.toml")))
    monkeypatch.setattr(htmlout, "MAX_MESSAGES_SHOWN", 2)
    monkeypatch.setattr(htmlout, "SHOWN_PER_CODE", 1)
    big = replace(report, messages=report.messages * 4)
    page = render(big, "html")
    messages = page[page.index('id="messages"'):page.index('id="inputs"')]
    assert "more not listed here: the JSON report (--format json) has every one." in messages
    assert "CSV" not in messages  # the CSV has one row per finding: no message, no attempt


def test_sarif_rules_have_markdown_help_for_code_scanning():
    by_id = {r["id"]: r for r in rules()}
    for rule in by_id.values():
        md = rule["help"]["markdown"]
        assert md.startswith("**") and "**Fix:**" in md and f"samlscan explain {rule['id']}" in md
    wrapping = by_id["signature-wrapping"]["help"]["markdown"]
    assert "**Attack:**" in wrapping and "**Who acts:** the SP admin" in wrapping
    # catalog text stays literal: '<name>' is no HTML tag to GitHub, '_' and '*' no emphasis
    assert not [r for r in by_id.values() if re.search(r"(?<!\\)[<_*]", r["help"]["markdown"].replace("**", "").rsplit("Run `", 1)[0])]
    traefik = [r["help"]["markdown"] for r in by_id.values() if "entryPoints" in r["help"]["text"]]
    assert all("\\<name\\>" in md for md in traefik)


BUNDLE = ROOT / "tests" / "data" / "bundle28"


def test_a_hint_that_repeats_its_groups_fix_is_not_shown_again():
    page = _scan(str(BUNDLE), "--format", "html")
    findings = page[page.index('id="findings"'):page.index('id="messages"')]
    groups = re.findall(r'<details class="group[^>]*id="code-([^"]+)".*?</details>', findings)
    assert "response-signature-required" in groups and "input-capture-empty" in groups
    from samlscan.codes import SPECS

    for code in ("response-signature-required", "input-capture-empty"):
        start = findings.index(f'id="code-{code}"')
        group = findings[start:findings.index('<details class="group', start + 1)]
        fix = htmlout.esc(SPECS[code].fix)
        assert group.count(fix) == 1, code  # the group's Fix, not each finding's hint again
    # a hint that says more than the code's fix stays (the measured skew, Duo's own menu path)
    assert "The SP&#x27;s clock was 9 min behind" in findings
    assert "Duo: Admin Panel &gt; Applications" in findings
    # the JSON keeps every hint
    doc = json.loads(_scan(str(BUNDLE), "--format", "json"))
    hints = [f["hint"] for m in doc["messages"] for f in m["findings"] if f["code"] == "response-signature-required"]
    assert hints and all(h == SPECS["response-signature-required"].fix for h in hints)


def test_hints_wrap_at_words_not_inside_them():
    # 'break-all' cut 'SAML2' and 'JumpCloud' in two at the end of a line
    rule = re.search(r"dl\.ea dd\{([^}]*)\}", htmlout.STYLE).group(1)
    assert "break-all" not in rule and "overflow-wrap:anywhere" in rule


def test_an_unknown_party_is_said_in_words():
    a = replace(_attempt(0, "failure", "assertion-replayed"), idp=None, sp="sonarqube")
    page = render(_report([a]), "html")
    assert "unknown IdP &rarr; sonarqube" in page and "? &rarr;" not in page


def test_security_rules_carry_a_security_severity_for_code_scanning():
    from samlscan.codes import SPECS

    by_id = {r["id"]: r for r in rules()}
    secure = {c for c, r in by_id.items() if "security" in r["properties"]["tags"]}
    assert "signature-wrapping" in secure and "nameid-comment-injection" in secure
    for code, rule in by_id.items():
        score = rule["properties"].get("security-severity")
        if code not in secure:
            assert score is None, code
            continue
        assert isinstance(score, str) and 0.1 <= float(score) <= 10.0, code
    assert float(by_id["signature-wrapping"]["properties"]["security-severity"]) >= 7.0  # high
    assert float(by_id["cert-expired"]["properties"]["security-severity"]) < 7.0  # a warning: medium
    assert SPECS["cert-expired"].attack and SPECS["cert-expired"].severity.value == "warning"
