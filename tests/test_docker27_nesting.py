"""Docker's json-file records nested deeper than wrapped.MAX_DEPTH (docker-in-docker in a CI runner,
fuzz20): giving up costs as many sniffs as the levels read, not two for each level below
(logs.detect asked unwrap strong, then weak, of the same Docker records: 2**MAX_DEPTH detects)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from samlscan import logs
from samlscan.logs import wrapped
from growth_util import FLOOR, best_seconds

ROOT = Path(__file__).resolve().parent.parent


def _head(levels: int) -> str:
    lines = (ROOT / "fixtures" / "logs" / "sp-app" / "spring-boot3.log").read_text().splitlines()
    for _ in range(levels):
        lines = [json.dumps({"log": line + "\n", "stream": "stdout", "time": "2025-03-11T08:41:02.123456789Z"})
                 for line in lines]
    return "\n".join(lines)[:logs.HEAD_CHARS]


def _detects(monkeypatch, head: str):
    calls = []
    real = logs.detect

    def counted(h, _depth=0):
        calls.append(_depth)
        return real(h, _depth)

    monkeypatch.setattr(logs, "detect", counted)
    return logs.detect(head), len(calls)


@pytest.mark.parametrize("levels", [3, 5, 6, 9])
def test_each_level_of_docker_nesting_is_sniffed_once(monkeypatch, levels):
    """Fails on the old code for 6 and 9 levels: 63 detects to give up (6 now)."""
    parser, calls = _detects(monkeypatch, _head(levels))
    assert (parser is not None and parser.name == "sp-app") == (levels <= wrapped.MAX_DEPTH)
    assert calls == min(levels, wrapped.MAX_DEPTH) + 1


def test_giving_up_on_nine_levels_costs_what_giving_up_on_six_does():
    """Growth, not time: past MAX_DEPTH, sniffing 9 levels takes about as long as sniffing 6 (the old
    code: 2**3 times as long, each level doubling the sniffs of the levels below). Both heads are cut
    at the sniff's 64 KiB and given up, so both run the generic sniffers over the same amount of
    escaped text (0.1 s on a quiet machine; the 5 levels it reads cost 2 ms, a ratio a loaded machine
    broke when t5 was the yardstick)."""
    six, nine = _head(wrapped.MAX_DEPTH + 1), _head(9)
    logs.detect(six)
    t6, t9 = best_seconds(logs.detect, six, 3), best_seconds(logs.detect, nine, 3)
    assert t9 <= 2 * t6 + FLOOR, (t6, t9)


def test_a_weak_record_below_docker_is_still_asked_for():
    """The weak pass still reads what the strong one did not: a `message`-and-time record (any JSON
    export) is unwrapped after the product readers, inside Docker's records too."""
    head = "\n".join(json.dumps({"message": line, "time": "2025-03-11T08:41:02Z"}) for line in
                     (ROOT / "fixtures" / "logs" / "sp-app" / "spring-boot3.log").read_text().splitlines())
    assert wrapped._envelope(head, True) is None and wrapped._envelope(head, False) is not None
    parser = logs.detect(head)
    assert isinstance(parser, wrapped.Enveloped) and parser.name == "sp-app"
