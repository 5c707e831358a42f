"""The table lists an assertion's attributes up to SHOWN_ATTRIBUTES and counts the others (an IdP sending every
directory attribute printed 40,000 lines)."""
from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from samlscan.cli import main
from samlscan.report.table import SHOWN_ATTRIBUTES

ROOT = Path(__file__).resolve().parents[1]
OKTA = ROOT / "fixtures" / "responses" / "valid" / "okta.xml"
CONFIG = ROOT / "fixtures" / "config" / "default.toml"


def _table(path: Path) -> str:
    got = CliRunner().invoke(main, ["check", str(path), "--config", str(CONFIG), "--fail-on", "never"])
    assert got.exit_code == 0, got.output
    return got.stdout


def _with_attributes(tmp_path: Path, n: int) -> Path:
    xml = OKTA.read_text()
    head = re.search(r"<(\w+:)?AttributeStatement[^>]*>", xml)
    prefix = head.group(1) or ""
    extra = "".join(f"<{prefix}Attribute Name=\"extra{i}\"><{prefix}AttributeValue>v{i}</{prefix}AttributeValue>"
                    f"</{prefix}Attribute>" for i in range(n))
    path = tmp_path / "many.xml"
    path.write_text(xml[:head.end()] + extra + xml[head.end():])
    return path


def test_a_few_attributes_are_all_listed():
    out = _table(OKTA)
    assert "email = dev.user1@example.com" in out and "groups = sonar-users, developers" in out
    assert "more: --format json lists each)" not in out


def test_many_attributes_are_listed_up_to_the_bound_and_counted(tmp_path):
    out = _table(_with_attributes(tmp_path, SHOWN_ATTRIBUTES + 6))
    shown = re.findall(r"^(?:Attributes)?\s+extra\d+ = v\d+$", out, re.M)
    assert len(shown) == SHOWN_ATTRIBUTES
    assert f"(+{4 + 6} more: --format json lists each)" in out  # (the fixture's own 4 come after the first 50)
