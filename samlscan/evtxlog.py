"""Windows event logs (.evtx) read in place, as AD FS admins export them (Event Viewer's 'Save All
Events As' .evtx, `wevtutil epl`, the log file itself).

The binary format (chunks of BinXML records) is read by pyevtx-rs (the `evtx` package: omerbenamram's
Rust parser, the library behind evtx_dump, chainsaw and hayabusa), whose JSON of each record is what
`evtx_dump -o jsonl` writes: the stream below is that JSONL text, one event a line, which
logs/adfs.py reads. An event's 'line N' is the file's Nth event.
"""
from __future__ import annotations

import io
from importlib.util import find_spec

MAGIC = b"ElfFile\x00"
"""The file header's signature ([MS-EVEN6] / libevtx: 'ElfFile' and a NUL)."""

DAMAGED = ("The event log is cut short or damaged (a copy of a log still being written, an attachment's "
           "size limit): export it again (Event Viewer: Save All Events As, or wevtutil epl), or as XML "
           "(wevtutil qe LOG /f:xml > events.xml).")


NO_SIGN_IN = "a Windows event log (.evtx) without an AD FS sign-in event"
NO_SIGN_IN_FIX = ("samlscan reads AD FS's events from its AD FS/Admin log (364, 342, 321) and the Security log's "
                  "'AD FS Auditing' ones (1200-1203, 411, 516): export one of those logs from the AD FS server "
                  "(wevtutil epl \"AD FS/Admin\" adfs-admin.evtx).")


def readable() -> bool:
    """Whether the parser is installed (without it an .evtx is named, not read: binaryfiles)."""
    return find_spec("evtx") is not None


class EvtxJsonLines(io.RawIOBase):
    """The events of an .evtx file as UTF-8 JSON lines, parsed as they are read. `events`: how many
    were read so far. A file whose header cannot be read raises OSError when opened."""

    def __init__(self, path: str):
        super().__init__()
        from evtx import PyEvtxParser

        # one thread: the batch already runs one process per core
        self._records = iter(PyEvtxParser(path, number_of_threads=1).records_json())
        self._pending = b""
        self.events = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        lines = [self._pending]
        size = len(self._pending)
        while size < len(b):  # (whole events up to the buffer's size: one call, not one an event)
            try:
                record = next(self._records)
            except StopIteration:
                break
            except RuntimeError as exc:  # (pyevtx-rs raises it for a record it cannot parse)
                if size:
                    break  # (what was read first is delivered; the error comes again on the next call)
                raise OSError(str(exc)) from exc
            self.events += 1
            line = record["data"].replace("\n", " ").encode("utf-8") + b"\n"  # (a JSON text's
            lines.append(line)  # newlines are whitespace: one event, one line)
            size += len(line)
        data = b"".join(lines)
        n = min(len(b), len(data))
        b[:n] = data[:n]
        self._pending = data[n:]
        return n


def evtx_open(path: str, mode: str = "rb") -> io.BufferedReader:
    """An opener as archives.OPENERS' are: the JSON lines of an .evtx."""
    return io.BufferedReader(EvtxJsonLines(path))
