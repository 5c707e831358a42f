"""A log written in cp1252 (SonarQube's JDK 17 on a Western Windows server writes web.log in the ANSI code
page, JEP 400): its bytes of no UTF-8 are read as cp1252, so an accented user name matches the NameID it
logged in with; they were U+FFFD."""
from __future__ import annotations

import json
from datetime import timezone
from pathlib import Path

from click.testing import CliRunner

from samlscan import logs
from samlscan.cli import main
from samlscan.model import LogEvent

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "fixtures" / "logs" / "sonarqube" / "web-javasaml.log"
CONFIG = ROOT / "fixtures" / "config" / "default.toml"


def _written(tmp_path: Path, codec: str) -> Path:
    path = tmp_path / f"web-{codec}.log"
    path.write_bytes(WEB.read_text().replace("dev.user1", "dév.usér1").replace("\n", "\r\n").encode(codec))
    return path


def _users(path: Path) -> list:
    got = CliRunner().invoke(main, ["check", str(path), "--config", str(CONFIG), "--format", "json",
                                    "--fail-on", "never"])
    return [a["user"] for a in json.loads(got.stdout)["attempts"] if a["user"]]


def test_a_cp1252_log_reads_its_accented_user_as_written(tmp_path):
    assert _users(_written(tmp_path, "cp1252")) == ["dév.usér1"]
    assert _users(_written(tmp_path, "utf-8")) == ["dév.usér1"]


def test_the_records_of_a_cp1252_log_hold_no_replacement_character(tmp_path):
    path = _written(tmp_path, "cp1252")
    events = [r for r in logs.parse_file(str(path), timezone.utc) if isinstance(r, LogEvent)]
    assert events and not any("\ufffd" in (e.text or "") + (e.user or "") for e in events)
    assert any(e.user == "dév.usér1" for e in events) or any("dév.usér1" in (e.text or "") for e in events)


def test_the_head_a_reader_is_chosen_by_keeps_its_replacement_characters(tmp_path):
    """The sniff's head keeps U+FFFD for bytes of no UTF-8: logs.damaged tells binary by it."""
    from samlscan.logs import damaged, read_head

    path = tmp_path / "blob.log"
    path.write_bytes(b"2025.03.11 08:41:00 INFO web[][o.s.s.p.Platform] up\n\x89\xff\xfe\x01\x02\n")
    head = read_head(str(path))
    assert "\ufffd" in head and damaged(head.splitlines()[1])
