"""A worker's results reach the parent pickled (scan --jobs N): every field of what it sends must
come back, including those left out of equality (Source.at and .order, LogEvent.text_entry), and a
log's events travel as rows of values, with no __reduce__ call (nor REDUCE) for each event."""
from __future__ import annotations

import pickle
import pickletools
from dataclasses import fields
from datetime import datetime, timedelta, timezone

import pytest

from samlscan.engine import FileResult
from samlscan.model import Finding, InputResult, LogEvent, Severity, Source

PROTOCOLS = sorted({pickle.DEFAULT_PROTOCOL, pickle.HIGHEST_PROTOCOL})


def _distinct(cls, n: int = 0, **fixed) -> object:
    """A `cls` with every field set to a value no other field of it has (`fixed` where a str won't do)."""
    return cls(**{f.name: fixed.get(f.name, f"{cls.__name__}-{f.name}-{n}") for f in fields(cls)})


T0 = datetime(2025, 3, 11, tzinfo=timezone.utc)


def _event(n: int, time: datetime | None = None) -> LogEvent:
    source = Source(f"web-{n}.log", f"line {n}", (n, n + 1), n + 2)
    return _distinct(LogEvent, n, source=source, time=time or T0 + timedelta(seconds=n),
                     saml_ids=(f"id-{n}", f"id2-{n}"), local_time=bool(n % 2), guessed=not n % 2, text_entry=n + 3)


def _all_fields(o) -> dict:
    """Every field's value, nested dataclasses' too (compare=False ones included)."""
    if isinstance(o, tuple):
        return tuple(_all_fields(x) for x in o)
    if hasattr(o, "__dataclass_fields__"):
        return {f.name: _all_fields(getattr(o, f.name)) for f in fields(o)}
    return o


def _file_result(events: int, time: datetime | None = None) -> FileResult:
    finding = Finding("clock-skew", Severity.WARNING, "text", "e", "a", "h", Source("x.xml", "r", (1, 2), 3), "m", "sp")
    return FileResult(_distinct(InputResult, messages=1, events=events, malformed_lines=2), (), (finding,),
                      tuple(_event(n, time) for n in range(events)), ("flow",), frozenset({"user"}))


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_every_field_of_an_event_and_its_source_comes_back(protocol):
    event = _event(7)
    back = pickle.loads(pickle.dumps(event, protocol))
    assert type(back) is LogEvent and type(back.source) is Source
    assert back == event and hash(back) == hash(event)
    assert _all_fields(back) == _all_fields(event)
    assert back.source.at == (7, 8) and back.source.order == 9 and back.text_entry == 10


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_every_field_of_a_file_result_comes_back(protocol):
    result = _file_result(5)
    back = pickle.loads(pickle.dumps(result, protocol))
    assert type(back) is FileResult and all(type(e) is LogEvent for e in back.events)
    assert back == result
    assert _all_fields(back) == _all_fields(result)
    assert [e.source.order for e in back.events] == [2, 3, 4, 5, 6]


def test_a_file_result_without_events_comes_back():
    result = _file_result(0)
    assert _all_fields(pickle.loads(pickle.dumps(result))) == _all_fields(result)


def _reduces(obj) -> int:
    return sum(op.name == "REDUCE" for op, _, _ in pickletools.genops(pickle.dumps(obj, pickle.DEFAULT_PROTOCOL)))


def test_a_logs_events_are_sent_as_rows_not_one_object_each():
    """The parent unpickles a big log's 100,000s of events: their count must not add REDUCE calls
    (a constructor or _make_* call per event and per Source, and a __reduce__ per each in the worker).
    One time for all: each distinct datetime is a REDUCE of its own."""
    assert _reduces(_file_result(40, T0)) == _reduces(_file_result(2, T0))
