"""correlate's pieces: a log line's is lean (a big scan holds one per event), a message's carries the rest."""
from __future__ import annotations

from dataclasses import fields
from datetime import datetime, timedelta, timezone

from samlscan.correlate.pieces import _event_piece, _MessagePiece, _Piece
from samlscan.model import LogEvent, Source


def test_a_log_lines_piece_reads_every_message_field_as_its_default():
    lean = _Piece(None, "log", "web.log", "line 1")
    own = [f for f in fields(_MessagePiece) if f.name not in _Piece.__slots__]
    assert own and len(_Piece.__slots__) < len(fields(_MessagePiece))
    for f in own:
        assert getattr(lean, f.name) == f.default, f.name


def test_an_events_piece_is_the_lean_one():
    e = LogEvent(source=Source("web.log", "line 3"), time=datetime(2025, 3, 11, 8, 41, tzinfo=timezone.utc),
                 product="sonarqube", side="sp", outcome="success", text="login success", user="anna")
    p = _event_piece(e, timedelta(0), {})
    assert type(p) is _Piece and p.user == "anna" and not p.copy and p.aka == ()
