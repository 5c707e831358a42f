"""Every later POST of one response is a replay, not only the last one the finding points at."""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from samlscan.config import build  # noqa: E402
from samlscan.correlate import correlate  # noqa: E402
from samlscan.engine import analyze  # noqa: E402
from test_replay import FIXTURES, _chrome_har  # noqa: E402


def _har_posting(tmp_path, times: int) -> str:
    """The HAR's POST sent `times` times (Back or reload after the first), each refused."""
    doc = _chrome_har()
    entries = doc["log"]["entries"]
    assert entries[4]["request"]["method"] == "POST"
    for k in range(1, times):
        again = json.loads(json.dumps(entries[4]))
        again["response"]["headers"] = [{"name": "Location", "value": "/sessions/unauthorized"}]
        again["response"]["redirectURL"] = "/sessions/unauthorized"
        entries.insert(4 + k, again)
    har = tmp_path / f"posted{times}.har"
    har.write_text(json.dumps(doc))
    return str(har)


def _causes(tmp_path, times: int) -> list:
    config = build({}, FIXTURES / "config/default.toml")
    done = correlate(analyze([_har_posting(tmp_path, times)], config), config)
    return [a.root_cause for a in done.attempts]


def test_each_post_after_the_first_is_a_replay(tmp_path):
    causes = _causes(tmp_path, 4)
    assert len(causes) == 4 and causes[1:] == ["assertion-replayed"] * 3, causes


def test_one_post_sent_again_once_is_one_replay(tmp_path):
    causes = _causes(tmp_path, 2)
    assert causes[1:] == ["assertion-replayed"] and causes[0] != "assertion-replayed", causes

