"""The HTML report as a support engineer reads it: the summary's causes table kept each user's
address whole. Its cells broke anywhere (overflow-wrap:anywhere), so the table gave the Users column
its narrowest width and cut 'bob@fabrikam.example' into 'bob@fabrik / am.exampl / e' (case27 in
headless Chromium). Measured in Chromium when it is installed; the rule itself always."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from samlscan.config import build
from samlscan.correlate import correlate
from samlscan.engine import analyze
from samlscan.report import render

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
# the number of line boxes each Users cell's text takes, written into the page's title
MEASURE = """<script>
const out = [...document.querySelectorAll('table.causes td.users')].map(td => {
  const r = document.createRange(); r.selectNodeContents(td);
  return {text: td.textContent, lines: new Set([...r.getClientRects()].map(x => Math.round(x.top))).size};
});
document.title = 'M' + JSON.stringify(out);
</script>"""


@pytest.fixture(scope="module")
def page():
    expect = build({}, ROOT / "fixtures" / "config" / "default.toml")
    report = correlate(analyze(sorted(str(p) for p in (ROOT / "tests" / "data" / "case27").iterdir()
                                      if p.suffix != ".md"), expect))
    return render(report, "html")


def test_the_users_cell_does_not_break_anywhere(page):
    style = page[page.index("<style>"):page.index("</style>")]
    assert "table.causes td.users{overflow-wrap:break-word}" in style
    assert "table.causes th{white-space:nowrap}" in style  # ('Who fixes' on one line)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium is not installed")
def test_chromium_lays_out_each_user_on_one_line(page, tmp_path):
    measured = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page)
    measured = measured.replace("</body>", MEASURE + "</body>")
    html = tmp_path / "r.html"
    html.write_text(measured, encoding="utf-8")
    dom = subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
                          "--virtual-time-budget=3000", "--dump-dom", html.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    title = re.search(r"<title>M(.*?)</title>", dom, re.S)
    assert title, dom[:300]
    cells = json.loads(title.group(1).replace("&amp;", "&").replace("&quot;", '"'))
    assert [c["text"] for c in cells] and all("@fabrikam.example" in c["text"] for c in cells)
    assert all(c["lines"] == 1 for c in cells), cells
