"""IdP and SP logs as they reach support through a SIEM, a log platform or a container tool: each
record re-wrapped, the original text unchanged inside (fixtures/logs/<reader>/wrapped/, made by
fixtures/gen_wrapped.py from the plain fixtures).

Shapes, as confirmed (search of public docs and code):
* Splunk search export / Export > JSON: `{"preview":false,"offset":N,"result":{"_raw":..,
  "_time":..,..}}` a line, `{"messages":[..]}` and `"lastrow":true` lines (SDK tests, Grafana
  plugin, Splunk docs); CSV with `_raw`/`_time` columns; raw mode = the `_raw` texts;
* Elasticsearch `hits.hits[]._source` / elasticdump lines; Filebeat/Elastic Agent keep the
  original in `event.original` (okta module: `keep_original_message`), container input documents
  hold the line in `message` with `@timestamp`; Kibana CSV uses 'Mar 11, 2025 @ 09:41:02.123';
* Sumo Logic search job `messages[].map` with `_raw`, `_messagetime` (epoch ms text);
  Datadog `/api/v2/logs/events` `data[].attributes.{message,timestamp}` with `type:"log"`;
  Graylog search `messages[].message.{message,timestamp}`;
* CloudWatch `filter-log-events` `events[].{timestamp(ms),message,ingestionTime,eventId,
  logStreamName}`; Logs Insights CSV `@timestamp,@message`;
* `docker logs -t`: RFC3339Nano zero-padded to 9 digits (docker docs); compose `name-1  | `;
  Docker json-file `{"log","stream","time"}`;
* Log Analytics / Sentinel SigninLogs: PascalCase columns (Azure Monitor table reference),
  CSV `TimeGenerated [UTC]` with '2/25/2025, 9:19:25.391 AM', dynamic Status as JSON text.
* columnar JSON: Log Analytics query API `{"tables":[{"name","columns":[{"name","type"}],"rows"}]}`
  (learn.microsoft.com azure-monitor/logs/api/response-format); `az monitor log-analytics query`
  prints rows as objects of str(value) with `TableName` (azure-cli-extensions src/log-analytics
  custom.py); Splunk `output_mode=json_rows` `{"fields":[..],"rows":[[..]]}` (splunk-sdk-javascript
  examples read `results.fields.indexOf("_raw")`), fields as `{"name":..}` in newer JSON output.
"""
from __future__ import annotations

import json
import re
import time as clock
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.logs import detect, parse_file, read_head
from samlscan.logs.base import EmbeddedSaml, Malformed
from samlscan.logs.wrapped import CONTAINER, wrapper_time
from samlscan.model import LogEvent
from samlscan.prefilter import _log_with_prefilter
from tests.test_logs_common import FIXTURES, PARIS

NOT_SAML = FIXTURES.parent / "not-saml"

PAIRS = {
    "okta/wrapped/splunk-export.json": "okta/system-log.jsonl",
    "okta/wrapped/elasticdump-okta-module.ndjson": "okta/system-log.jsonl",
    "sonarqube/wrapped/splunk-export.json": "sonarqube/web-spring.log",
    "sonarqube/wrapped/datadog-logs.json": "sonarqube/web-javasaml.log",
    "sonarqube/wrapped/cloudwatch-filter-log-events.json": "sonarqube/web-spring.log",
    "sonarqube/wrapped/docker-logs-timestamps.log": "sonarqube/web-spring.log",
    "sonarqube/wrapped/docker-compose-logs-timestamps.log": "sonarqube/web-javasaml.log",
    "keycloak/wrapped/splunk-export.csv": "keycloak/keycloak-quarkus.log",
    "keycloak/wrapped/splunk-export-wildfly.json": "keycloak/server.log.2025-03-11",
    "keycloak/wrapped/kibana-discover.csv": "keycloak/keycloak-quarkus.log",
    "keycloak/wrapped/cloudwatch-insights.csv": "keycloak/keycloak-quarkus.log",
    "keycloak/wrapped/kubectl-logs-timestamps.log": "keycloak/keycloak-quarkus.log",
    "keycloak/wrapped/docker-json-file.log": "keycloak/keycloak-quarkus.log",
    "entra/wrapped/elasticsearch-azure-signinlogs.json": "entra/signins-azmon.json",
    "authentik/wrapped/filebeat-container.ndjson": "authentik/server.log",
    "authentik/wrapped/docker-compose-logs.log": "authentik/server.log",
    "shibboleth/wrapped/graylog-search.json": "shibboleth/idp-process.log",
    "shibboleth/wrapped/sumo-search-job.json": "shibboleth/idp-audit.log",
    "shibboleth/wrapped/rsyslog-rfc3164.log": "shibboleth/idp-process.log",
}
"""Wrapped sample -> the plain fixture it wraps."""
DATED_BY_WRAPPER = {"keycloak/wrapped/splunk-export-wildfly.json"}


def _key(rec, ms: bool = False) -> tuple:
    """What must come out the same: every field of an event, the dump of a SAML message, the
    reason of a malformed line (not the line number: see test_line_refs_point_at_the_record)."""
    if isinstance(rec, LogEvent):
        t = rec.time.replace(microsecond=rec.time.microsecond // 1000 * 1000) if ms and rec.time else rec.time
        return ("event", t, rec.outcome, rec.user, rec.code, rec.raw_code, rec.ip, rec.request_id,
                rec.correlation_id, rec.app, rec.text, rec.saml_ids, rec.local_time)
    if isinstance(rec, EmbeddedSaml):
        return ("saml", rec.time, rec.value, rec.product, rec.request_id)
    return ("malformed", rec.reason)


def _records(rel: str) -> list:
    return list(parse_file(str(FIXTURES / rel), PARIS))


@pytest.mark.parametrize("wrapped", PAIRS, ids=lambda p: p)
def test_wrapped_log_reads_as_the_original(wrapped):
    original = PAIRS[wrapped]
    want = [_key(r) for r in _records(original)]
    got = [_key(r) for r in _records(wrapped)]
    if wrapped in DATED_BY_WRAPPER:  # the same instant, now from a zoned time: no longer local
        want = [k[:-1] if k[0] == "event" else k for k in want]
        got = [k[:-1] if k[0] == "event" else k for k in got]
    assert any(k[0] == "event" for k in want)
    assert got == want
    assert detect(read_head(str(FIXTURES / wrapped))).name == original.split("/")[0]


def _unquoted(text: str) -> str:
    return re.sub(r'[\\"]', "", text)


@pytest.mark.parametrize("wrapped", PAIRS, ids=lambda p: p)
def test_line_refs_point_at_the_record(wrapped):
    """An event's line is where its wrapper record starts in the file read: the original line's
    text is in that record (JSON-escaped, CSV-quoted or after a prefix)."""
    original = PAIRS[wrapped]
    orig_lines = (FIXTURES / original).read_text(encoding="utf-8").split("\n")
    wrapped_lines = (FIXTURES / wrapped).read_text(encoding="utf-8").split("\n")
    pairs = list(zip(_records(original), _records(wrapped)))
    assert pairs
    for a, b in pairs:
        if a.source.ref is None:
            continue
        orig = orig_lines[int(a.source.ref.split()[-1]) - 1]
        no = int(b.source.ref.split()[-1])
        record = _unquoted("\n".join(wrapped_lines[no - 1:no + 40]))
        first_line = _unquoted(wrapped_lines[no - 1])
        token = _unquoted(orig)[:40]
        assert token in record, (b.source.ref, orig)
        if wrapped_lines[no - 1].lstrip().startswith(("{", "[")) is False and not wrapped.endswith(".csv"):
            assert token in first_line  # a prefixed line: the very line


# --- times -----------------------------------------------------------------------------------

def test_wrapper_time_fills_a_line_without_date():
    """WildFly console lines carry no date (the original takes it from server.log.2025-03-11):
    in a Splunk export the file name is the export's, so `_time` dates them."""
    plain = [r for r in _records("keycloak/server.log.2025-03-11") if isinstance(r, LogEvent)]
    wrapped = [r for r in _records("keycloak/wrapped/splunk-export-wildfly.json") if isinstance(r, LogEvent)]
    assert [e.time for e in wrapped] == [e.time for e in plain]
    assert wrapped[0].time == datetime(2025, 3, 11, 8, 12, 44, 503000, tzinfo=timezone.utc)
    assert not wrapped[0].local_time


def test_inner_time_wins_over_the_wrapper_time(tmp_path):
    """Splunk's `_time` may be an indexing time minutes later: the record's own time is kept."""
    line = (FIXTURES / "okta/system-log.jsonl").read_text(encoding="utf-8").split("\n")[2]
    row = {"preview": False, "offset": 0, "result": {"_raw": line, "_time": "2025-03-11T10:55:00.000+01:00"}}
    path = tmp_path / "export.json"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    ev, = [r for r in parse_file(str(path), PARIS) if isinstance(r, LogEvent)]
    assert ev.time == datetime(2025, 3, 11, 8, 45, 14, 730000, tzinfo=timezone.utc)


@pytest.mark.parametrize("text,want", [
    ("2025-03-11T09:41:02.117+01:00", datetime(2025, 3, 11, 8, 41, 2, 117000, tzinfo=timezone.utc)),
    ("2026-10-08 13:48:34.000 GMT", datetime(2026, 10, 8, 13, 48, 34, tzinfo=timezone.utc)),
    ("1741682462117", datetime(2025, 3, 11, 8, 41, 2, 117000, tzinfo=timezone.utc)),
    (1741682462117, datetime(2025, 3, 11, 8, 41, 2, 117000, tzinfo=timezone.utc)),
    ("Mar 11, 2025 @ 09:41:02.117", datetime(2025, 3, 11, 8, 41, 2, 117000, tzinfo=timezone.utc)),
    ("3/11/2025, 8:41:02.117 AM", datetime(2025, 3, 11, 8, 41, 2, 117000, tzinfo=timezone.utc)),
    ("yesterday", None),
])
def test_wrapper_time_forms(text, want):
    assert wrapper_time(text, PARIS) == want


# --- Splunk raw export, order --------------------------------------------------------------------

def test_splunk_raw_export_newest_first_reads_the_same_events(tmp_path):
    """output_mode=raw is the `_raw` texts, newest first (Splunk's default order)."""
    lines = (FIXTURES / "okta/system-log.jsonl").read_text(encoding="utf-8").split("\n")[:-1]
    path = tmp_path / "raw.log"
    path.write_text("\n".join(reversed(lines)) + "\n", encoding="utf-8")
    got = sorted(_key(r) for r in parse_file(str(path), PARIS) if isinstance(r, LogEvent))
    want = sorted(_key(r) for r in _records("okta/system-log.jsonl") if isinstance(r, LogEvent))
    assert got == want


# --- Log Analytics / Microsoft Sentinel ------------------------------------------------------------

@pytest.mark.parametrize("name", ["sentinel-signinlogs.csv", "sentinel-signinlogs.json"])
def test_sentinel_signinlogs_read_as_the_azure_monitor_records(name):
    """The same sign-ins as KQL rows: Status as JSON text, ResultType as text, TimeGenerated for
    a row without CreatedDateTime; the CSV shows milliseconds only."""
    want = [_key(r, ms=True) for r in _records("entra/signins-azmon.json")]
    got = [_key(r, ms=True) for r in _records(f"entra/{name}")
           if getattr(r, "raw_code", None) != "timeline-note"]  # (the CSV's '3/11/2025' order: a note)
    assert got == want and want[0][2] == "failure" and want[0][5] == "AADSTS700016"


# --- not SAML ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["splunk-export-spring-boot-app.json", "filebeat-spring-boot-app.ndjson"])
def test_generic_siem_export_without_saml_stays_not_saml(name):
    path = NOT_SAML / name
    assert detect(read_head(str(path))) is None
    out = json.loads(CliRunner().invoke(main, ["check", str(path), "--format", "json"]).stdout)
    assert [f["code"] for f in out["input_findings"]] == ["input-not-saml"]


# --- the CLI, batch and the prefilter ------------------------------------------------------------

def _attempts(path: Path) -> list:
    res = CliRunner().invoke(main, ["check", str(path), "--format", "json", "--timezone", "Europe/Paris"])
    out = json.loads(res.stdout)
    return [(a["time"], a["user"], a["outcome"], a["root_cause"], a["idp"], a["sp"]) for a in out["attempts"]], \
        out["inputs"][0]


@pytest.mark.parametrize("wrapped", ["keycloak/wrapped/splunk-export.csv", "okta/wrapped/splunk-export.json",
                                     "sonarqube/wrapped/docker-compose-logs-timestamps.log"])
def test_check_reports_the_same_attempts(wrapped):
    got, inp = _attempts(FIXTURES / wrapped)
    want, orig = _attempts(FIXTURES / PAIRS[wrapped])
    assert got == want and got
    assert inp["kind"] == orig["kind"] and inp["events"] == orig["events"]


def test_scan_of_a_folder_of_exports_reads_every_one(tmp_path):
    res = CliRunner().invoke(main, ["scan", str(FIXTURES / "keycloak" / "wrapped"), "--format", "json",
                                    "--timezone", "Europe/Paris"])
    out = json.loads(res.stdout)
    kinds = {Path(i["path"]).name: i["kind"] for i in out["inputs"]}
    assert set(kinds.values()) == {"log:keycloak"} and len(kinds) == 6


def test_wrapped_logs_are_not_prefiltered():
    """The byte-level prefilters know the bare layouts: a SonarQube log in an envelope or behind
    compose names is read in full (the bare one is prefiltered); behind a container's timestamp
    (docker -t) the bare prefilter applies with the prefix allowed (tests/test_batch.py)."""
    head = (FIXTURES / "sonarqube/web-spring.log").read_bytes()
    assert _log_with_prefilter(head) is not None
    assert _log_with_prefilter((FIXTURES / "sonarqube/wrapped/docker-logs-timestamps.log").read_bytes()) is not None
    for rel in ("sonarqube/wrapped/splunk-export.json", "sonarqube/wrapped/docker-compose-logs-timestamps.log"):
        assert _log_with_prefilter((FIXTURES / rel).read_bytes()) is None


def test_big_export_is_streamed_in_bounded_time(tmp_path):
    """40,000 Splunk export lines (8 MB): read in a few seconds, every SAML event found."""
    line = (FIXTURES / "okta/system-log.jsonl").read_text(encoding="utf-8").split("\n")[2]
    t0 = datetime(2025, 3, 11, 8, 0, tzinfo=timezone.utc)
    rows = []
    for i in range(40_000):
        raw = line if i % 1000 == 0 else f"203.0.113.{i % 250} - - GET /static/{i}.js 200"
        when = (t0 + timedelta(seconds=i)).isoformat()
        rows.append(json.dumps({"preview": False, "offset": i, "result": {"_raw": raw, "_time": when}}))
    path = tmp_path / "big.json"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    start = clock.process_time()
    recs = list(parse_file(str(path), PARIS))
    assert clock.process_time() - start < 20
    assert sum(isinstance(r, LogEvent) for r in recs) == 40
    assert [r.source.ref for r in recs if isinstance(r, LogEvent)][:2] == ["line 1", "line 1001"]


# --- prefixes --------------------------------------------------------------------------------------

@pytest.mark.parametrize("line,prefixed", [
    ("2025-03-11T08:41:02.123456789Z 2025.03.11 09:41:02 INFO web[][o.s.s.p.Platform] up", True),
    ("2025-03-11T08:41:02.1234567Z x", True),  # kubectl: RFC3339Nano, trailing zeros trimmed
    ("2025-03-11T08:41:02.123456789Z stdout F 2025-03-11 09:41:02,117 WARN x", True),  # CRI file
    ("sonarqube-1  | 2025.03.11 09:41:02 INFO web[]", True),
    ("\x1b[36msonarqube-1  |\x1b[0m 2025.03.11 09:41:02 INFO web[]", True),
    ("[pod/keycloak-0/keycloak] 2025-03-11 09:41:02,117 WARN x", True),
    ("2025-03-11T08:41:02.117Z  INFO 1 --- [main] o.s.Application : Spring Boot in UTC", False),
    ("198.51.100.23|2025-03-11T08:40:59.102Z|2025-03-11T08:41:01.377Z|devuser1|https://sp", False),
])
def test_container_prefixes(line, prefixed):
    assert bool(CONTAINER.match(line)) is prefixed


def test_plain_fixtures_are_not_unwrapped():
    """No plain fixture is read through a wrapper (a Keycloak/SonarQube JSON log has a `message`
    and a time: its own reader comes first)."""
    from samlscan.logs.wrapped import Enveloped, LinePrefixed

    for path in sorted(p for p in FIXTURES.rglob("*") if p.is_file() and "wrapped" not in p.parts):
        parser = detect(read_head(str(path)))
        assert not isinstance(parser, (Enveloped, LinePrefixed)), path
    for path in sorted(p for p in FIXTURES.rglob("*") if p.is_file() and "wrapped" in p.parts):
        assert isinstance(detect(read_head(str(path))), (Enveloped, LinePrefixed)), path


def test_malformed_wrapper_records_are_reported_not_raised(tmp_path):
    line = (FIXTURES / "okta/system-log.jsonl").read_text(encoding="utf-8").split("\n")[2]
    good = json.dumps({"preview": False, "result": {"_raw": line, "_time": "2025-03-11T08:45:14Z"}})
    path = tmp_path / "export.json"
    path.write_text(good + "\n" + '{"preview":false,"result":{"_raw":"x\n' + good + "\n", encoding="utf-8")
    recs = list(parse_file(str(path), PARIS))
    assert sum(isinstance(r, LogEvent) for r in recs) >= 1
    assert any(isinstance(r, Malformed) for r in recs)


def test_container_time_dates_records_without_their_own(tmp_path):
    """WildFly console lines carry no date (the bare file takes it from its rotated name): behind
    `docker logs -t` the container's time of each line dates them."""
    bare = FIXTURES / "keycloak" / "server.log.2025-03-11"
    wrapped = tmp_path / "kc.log"  # no date in this name
    wrapped.write_text("".join(f"2025-03-11T08:12:44.503000000Z {line}\n"
                               for line in bare.read_text().splitlines()))
    events = [r for r in parse_file(str(wrapped), timezone.utc) if isinstance(r, LogEvent)]
    assert events and all(e.time == datetime(2025, 3, 11, 8, 12, 44, 503000, tzinfo=timezone.utc)
                          for e in events)
    assert not any(e.local_time for e in events)
    # a record with its own time keeps it (a Quarkus line has its date)
    quarkus = FIXTURES / "keycloak" / "keycloak-quarkus.log"
    late = tmp_path / "late.log"
    late.write_text("".join(f"2030-01-01T00:00:00.000000000Z {line}\n" for line in quarkus.read_text().splitlines()))
    own = [e.time for e in parse_file(str(quarkus), timezone.utc) if isinstance(e, LogEvent)]
    assert own and [e.time for e in parse_file(str(late), timezone.utc) if isinstance(e, LogEvent)] == own


# --- columnar JSON: Log Analytics / Sentinel query API, Splunk json_rows / json_cols ---------------

def _sentinel_rows() -> tuple[list[str], list[list]]:
    rows = json.loads((FIXTURES / "entra/sentinel-signinlogs.json").read_text(encoding="utf-8"))
    columns = list(rows[0])
    return columns, [[r.get(c) for c in columns] for r in rows]


@pytest.mark.parametrize("indent", [None, 2], ids=["one-line", "pretty"])
def test_log_analytics_query_api_tables_read_row_by_row(tmp_path, indent):
    """`{"tables":[{"name","columns":[{"name","type"}],"rows":[[..]]}]}` (Log Analytics query API
    response format) gave no event: the Entra reader took the table for one record."""
    columns, rows = _sentinel_rows()
    doc = {"tables": [{"name": "PrimaryResult", "columns": [{"name": c, "type": "string"} for c in columns],
                       "rows": rows}]}
    path = tmp_path / "query.json"
    path.write_text(json.dumps(doc, indent=indent), encoding="utf-8")
    want = [_key(r, ms=True) for r in _records("entra/sentinel-signinlogs.json")]
    assert [_key(r, ms=True) for r in parse_file(str(path), PARIS)] == want and want
    assert detect(read_head(str(path))).name == "entra"
    refs = [r.source.ref for r in parse_file(str(path), PARIS)]
    assert refs == (["line 1"] * len(rows) if indent is None else sorted(set(refs), key=lambda r: int(r[5:])))


def test_az_cli_query_output_with_empty_cells(tmp_path):
    """`az monitor log-analytics query` prints rows as objects of str(value) with a `TableName`:
    an empty CreatedDateTime is 'None', which left the sign-in without a time."""
    columns, rows = _sentinel_rows()
    out = [{"TableName": "PrimaryResult", **{c: str(v) for c, v in zip(columns, row)}} for row in rows]
    out[0]["CreatedDateTime"] = "None"
    path = tmp_path / "az.json"
    path.write_text(json.dumps(out, indent=2), encoding="utf-8")
    got = [r for r in parse_file(str(path), PARIS) if isinstance(r, LogEvent)]
    assert got[0].time == datetime(2025, 3, 11, 8, 41, 3, 123456, tzinfo=timezone.utc)
    assert [_key(r, ms=True) for r in got] == [_key(r, ms=True) for r in _records("entra/sentinel-signinlogs.json")]


_SPLUNK_FIELDS = ["_bkt", "_cd", "_raw", "_serial", "_si", "_time", "host", "source", "sourcetype"]


def _splunk_rows(rel: str) -> list[list]:
    lines = (FIXTURES / rel).read_text(encoding="utf-8").split("\n")[:-1]
    return [["main~1~X", f"1:{i}", line, str(i), ["splunk1", "main"], "2025-03-11T10:55:00.000+01:00",
             "sonar", "/opt/sonarqube/logs/web.log", "sonarqube"] for i, line in enumerate(lines)]


@pytest.mark.parametrize("shape", ["json_rows", "json_rows-named-fields", "json_cols", "export-chunks"])
def test_splunk_columnar_results_read_as_the_original(tmp_path, shape):
    """Splunk search results in output_mode=json_rows (fields as names or {"name":..}), json_cols
    (column-major) and the export endpoint's one object per chunk: each `_raw` goes to its reader."""
    rows = _splunk_rows("sonarqube/web-spring.log")
    head = {"preview": False, "init_offset": 0, "messages": []}
    if shape == "json_cols":
        docs = [{**head, "fields": _SPLUNK_FIELDS, "columns": [list(c) for c in zip(*rows)]}]
    elif shape == "export-chunks":
        docs = [{**head, "fields": _SPLUNK_FIELDS, "rows": rows[:3]},
                {**head, "init_offset": 3, "fields": _SPLUNK_FIELDS, "rows": rows[3:]}]
    else:
        fields = [{"name": f} for f in _SPLUNK_FIELDS] if shape.endswith("named-fields") else _SPLUNK_FIELDS
        docs = [{**head, "fields": fields, "rows": rows, "highlighted": {}}]
    path = tmp_path / "results.json"
    path.write_text("\n".join(json.dumps(d) for d in docs), encoding="utf-8")
    want = [_key(r) for r in _records("sonarqube/web-spring.log")]
    assert [_key(r) for r in parse_file(str(path), PARIS)] == want
    assert detect(read_head(str(path))).name == "sonarqube"


def test_splunk_json_rows_in_the_cli(tmp_path):
    rows = _splunk_rows("okta/system-log.jsonl")
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"preview": False, "fields": _SPLUNK_FIELDS, "rows": rows}), encoding="utf-8")
    got, inp = _attempts(path)
    want, orig = _attempts(FIXTURES / "okta/system-log.jsonl")
    assert got == want and got and inp["kind"] == "log:okta" and inp["events"] == orig["events"]


def test_big_one_line_query_result_is_streamed(tmp_path):
    """A query API response is one line: 10,000 rows (30 MB) read row by row, in a few seconds
    and a bounded memory, every sign-in found. (The bytes make the memory bound: a reader holding
    the line or its rows would need more than 30 MB; the streaming one's peak is about 5 MB at any
    row count. 40,000 rows of 600 bytes took 4 times the CPU under tracemalloc for the same bytes.)"""
    import tracemalloc

    columns, rows = _sentinel_rows()
    filler = [None if c != "TimeGenerated" else "2025-03-11T08:00:00Z" for c in columns]
    filler[columns.index("ResultDescription")] = "x" * 3000
    body = [rows[0] if i % 1000 == 0 else filler for i in range(10_000)]
    doc = {"tables": [{"name": "PrimaryResult", "columns": [{"name": c, "type": "string"} for c in columns],
                       "rows": body}]}
    path = tmp_path / "big.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    def signins() -> int:
        return sum(isinstance(r, LogEvent) and r.user == "dev.user1@example.com" for r in parse_file(str(path), PARIS))

    start = clock.process_time()  # (timed untraced: tracemalloc makes it 4x slower, near the bound on a slow core)
    assert path.stat().st_size > 30e6  # (more than the memory bound below: a whole read cannot pass)
    assert signins() == 10 and clock.process_time() - start < 15
    tracemalloc.start()
    try:
        assert signins() == 10
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 25e6, f"{peak / 1e6:.0f} MB for a {path.stat().st_size / 1e6:.0f} MB file"
