"""The HAR file: streamed once, and read again in time order when its login's entries are not."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone, tzinfo

from samlscan.flows import Exchange
from samlscan.inputs.base import InputProblem
from samlscan.inputs.har.capture import Capture, Collector
from samlscan.inputs.har.entries import read_entries, next_pages, capture_of
from samlscan.inputs.har.places import entry_places, placed, with_places
from samlscan.inputs.har.stream import ArrayStream, json_items, stream_problems
from samlscan.inputs.har.values import parse_time
from samlscan.inputs.har.writer import creator, entries_path
from samlscan.inputs.serverclock import DateSample
from samlscan.model import Source


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def read(path: str, zone: tzinfo | None = None) -> Capture:
    """A HAR file's capture, its zone-less times read in `zone` (UTC when None: values.read_in); its
    messages then say their time was written without a zone (RawMessage.local_time)."""
    from samlscan.inputs.zoneless import read_in_zone

    return read_in_zone(_read, path, zone)


def _read(path: str) -> Capture:
    """Stream a HAR file; never raises for bad content (problems are returned as data).

    The login's entries are read in time order (HAR 1.2 prefers entries sorted by
    startedDateTime, but merged captures and some proxies are not): when the SAML exchanges of the
    file are not in that order, the entries that matter are read again from the file and replayed
    sorted (entry numbers stay those of the file). Unrelated entries out of order cost nothing."""
    col = Collector()
    count = [0]
    places: dict[int, dict] = {}  # entry number -> where it and its request's values are (places)
    try:
        with open(path, "rb") as f:
            head = f.read(1 << 16)
            client, where = creator(head), entries_path(head)
            where = ("log", "entries") if where is None else where  # (() is a bare list's: no key)
            f.seek(0)
            stream = ArrayStream(f, where)
            items = json_items(stream, path, "entry", col.problems, count)
            exchanges, cookies_seen = read_entries(placed(items, stream, col, places), path, col, client)
        times = [ex.time for ex in exchanges if ex.time is not None]
        if any(later < earlier for earlier, later in zip(times, times[1:])):
            return _read_in_time_order(path, exchanges, cookies_seen, count[0], client, col.dates, where)
    except OSError as exc:
        return Capture((), (), (InputProblem(Source(path), "input-unreadable", str(exc)),), 0)
    col.problems.extend(stream_problems(stream, path, "log.entries"))
    if not count[0] and not col.problems:  # (a whole HAR without entries: its export failed)
        col.problems.append(InputProblem(Source(path), "input-capture-empty",
                                         "the HAR holds no entries (its log.entries is empty): its export failed"))
    return _placed(capture_of(col, exchanges, cookies_seen, path, count[0], client), places, path)


def _placed(cap: Capture, places: dict, path: str) -> Capture:
    return replace(cap, messages=with_places(cap.messages, places, path)) if places else cap


def _read_in_time_order(path: str, exchanges: list[Exchange], cookies_seen: bool, entries: int,
                        client: str | None = None, dates: list[DateSample] | None = None,
                        where: tuple[str, ...] = ("log", "entries")) -> Capture:
    """Second pass for a file whose entries are not in time order: keep only the entries that
    carried SAML or an exchange in the first pass, or that a redirect of one leads to (the SP's
    result page may come before its POST in the file), sort them by time and replay them."""
    wanted = {ex.entry for ex in exchanges}  # every entry that carried SAML has an exchange
    targets = {url for ex in exchanges for url in next_pages(ex)}
    kept: list[tuple[tuple, int, dict]] = []
    problems: list[InputProblem] = []
    places: dict[int, dict] = {}
    with open(path, "rb") as f:
        stream = ArrayStream(f, where)
        for index, entry in json_items(stream, path, "entry", problems, [0]):
            req = entry.get("request") if isinstance(entry.get("request"), dict) else {}
            if index in wanted or str(req.get("url") or "") in targets:
                at = parse_time(entry.get("startedDateTime"))
                kept.append(((at is None, at or _EPOCH, index), index, entry))
                places[index] = entry_places(stream.raw, stream.start)
    kept.sort(key=lambda k: k[0])
    col = Collector()
    col.problems.extend(problems)
    replayed, _ = read_entries(((index, entry) for _, index, entry in kept), path, col, client)
    col.problems.extend(stream_problems(stream, path, "log.entries"))
    if dates is not None:  # every entry's Date, from the first pass: the replay keeps only the login's
        col.dates = dates
    return _placed(capture_of(col, replayed, cookies_seen, path, entries, client), places, path)
