"""SARIF regions of HAR inputs: the line and column of the request's URL or POST body value that held
the message (else of its entry's '{'), counted by the HAR reader as the file streams. Every region
a test gets is read back from the HAR's text and must land on the value or entry it claims.

The HARs are fixtures/captures/chrome-success.har (generated, fixtures/gen_captures.py) laid out
again here (indented, minified, reordered, padded): the JSON values are kept as they are, the
signed SAML values inside them untouched."""
from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import pytest

from samlscan.config import build
from samlscan.correlate import correlate
from samlscan.engine import analyze
from samlscan.inputs import har
from samlscan.inputs.har.places import value_offsets
from samlscan.inputs.har.stream import CHUNK, MAX_STRING, ArrayStream, moved
from samlscan.report.sarifout import sarif_log

ROOT = Path(__file__).resolve().parents[1]
CHROME = ROOT / "fixtures" / "captures" / "chrome-success.har"
SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
URL, TEXT = ("request", "url"), ("request", "postData", "text")


def _har():
    return json.loads(CHROME.read_text(encoding="utf-8"))


def _write(tmp_path, doc, name="login.har", bom=False, **dump) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + json.dumps(doc, ensure_ascii=False, **dump).encode())
    return path


def _results(path: Path) -> list[dict]:
    log = sarif_log(correlate(analyze([str(path)], build({}, None))))  # (no config: checks-skipped on each message)
    assert list(jsonschema.Draft4Validator(SCHEMA).iter_errors(log)) == []
    return log["runs"][0]["results"]


def _landed(path: Path, region: dict):
    """The JSON value that starts at `region` in the file's text (lines split at LF only, as
    JSON counts them; columns in code points, a BOM no column)."""
    text = path.read_bytes().decode("utf-8-sig")
    lines = text.split("\n")
    at = sum(len(line) + 1 for line in lines[:region["startLine"] - 1]) + region["startColumn"] - 1
    return json.JSONDecoder().raw_decode(text, at)[0]


def _claims(path: Path) -> dict[tuple[str, str], object]:
    """{(entry ref, message ID): the value its region lands on} for every result with a region,
    each checked against the entry the result names."""
    entries = json.loads(path.read_bytes().decode("utf-8-sig"))["log"]["entries"]
    out = {}
    for r in _results(path):
        loc = r["locations"][0]
        region = loc["physicalLocation"].get("region")
        if region is None:
            continue
        names = [n["name"] for n in loc["logicalLocations"]]
        ref, message = names[0], names[-1]
        entry = entries[int(ref.split()[1].split("/")[0])]
        got = _landed(path, region)
        assert got in (entry, entry["request"]["url"], entry["request"].get("postData", {}).get("text")), (ref, region)
        out[(ref, message)] = "entry" if got == entry else ("url" if got == entry["request"]["url"] else "text")
    return out


REQ, RESP = "_req_7f3a9c1e5b2d4f60", "_0f290949-5f8d-808c-9815-832ae1b11ffc"


@pytest.mark.parametrize("dump", [{"indent": 2}, {"indent": "\t"}, {}, {"separators": (",", ":")}],
                         ids=["indented", "tabs", "one-line", "minified"])
def test_regions_land_on_the_url_and_the_post_body(tmp_path, dump):
    path = _write(tmp_path, _har(), **dump)
    claims = _claims(path)
    assert claims[("entry 3", REQ)] == "url"  # the redirect binding's AuthnRequest
    assert claims[("entry 4", RESP)] == "text"  # the POST binding's Response
    if not dump:
        assert {r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in _results(path)
                if "region" in r["locations"][0]["physicalLocation"]} == {1}


def test_columns_count_code_points_after_a_bom_and_wide_characters(tmp_path):
    doc = _har()
    # before each request, on the same line: 2-, 3- and 4-byte UTF-8
    doc["log"]["entries"] = [{"comment": "caf\u00e9 \u2615 \U0001F600", **e} for e in doc["log"]["entries"]]
    path = _write(tmp_path, doc, bom=True)
    claims = _claims(path)  # (_landed indexes the text by code points: a byte column would miss)
    assert claims[("entry 3", REQ)] == "url" and claims[("entry 4", RESP)] == "text"


def test_a_message_from_a_location_header_or_a_page_points_at_its_entry(tmp_path):
    doc = _har()
    entries = doc["log"]["entries"]
    # without the IdP's GET, the AuthnRequest is the SP's Location; without the POST, the page's form
    doc["log"]["entries"] = entries[:3] + entries[5:]
    located = _claims(_write(tmp_path, doc, indent=1))
    assert located[("entry 2/Location", REQ)] == "entry"
    doc["log"]["entries"] = entries[:4] + entries[5:]
    assert _claims(_write(tmp_path, doc, "page.har", indent=1))[("entry 3/body", RESP)] == "entry"


def test_entries_read_again_in_time_order_keep_their_places(tmp_path):
    doc = _har()
    entries = doc["log"]["entries"]
    doc["log"]["entries"] = [entries[4], *entries[:4], *entries[5:]]  # the POST first: replayed sorted
    claims = _claims(_write(tmp_path, doc, indent=2))
    assert claims[("entry 4", REQ)] == "url" and claims[("entry 0", RESP)] == "text"


def test_places_stay_right_past_chunk_boundaries_and_dropped_strings(tmp_path):
    doc = _har()
    entries = doc["log"]["entries"]
    pad = {**entries[0], "comment": "\u00e9\u20ac" * (CHUNK // 3)}  # non-ASCII across a 1 MiB read
    big = {"_big": "x" * (MAX_STRING + 10), **entries[3]}  # a string dropped while streaming, before the URL
    doc["log"]["entries"] = [pad, pad, entries[2], big, pad, entries[4], entries[5]]
    claims = _claims(_write(tmp_path, doc, indent=2))
    # the dropped string shifted the entry's kept bytes: its URL is not placed, its '{' is
    assert claims[("entry 3", REQ)] == "entry"
    assert claims[("entry 5", RESP)] == "text"


def test_stream_start_is_each_elements_brace(tmp_path):
    text = '\ufeff{"log": {"entries": [\n  {"a": "\u00e9"},\n\t\t{"b": 1}, {"c": ["x"]}\n]}}'
    stream = ArrayStream(io.BytesIO(text.encode()), ("log", "entries"))
    starts = [stream.start for _ in stream]
    assert starts == [(1, 2), (2, 2), (2, 12)]


def test_moved_counts_lines_and_code_points():
    assert moved(0, 0, b"abc") == (0, 3)
    assert moved(3, 5, "\u00e9\U0001F600".encode()) == (3, 7)
    assert moved(3, 5, b"x\n\n  ") == (5, 2)


def test_value_offsets_follow_the_keys_not_their_names():
    raw = (b'{"response": {"url": "r", "postData": {"text": "no"}}, "request": {"headers": [{"url": "h"}], '
           b'"postData": {"text": "SAMLResponse=1", "params": []}, "url": "u\\"", "url": "last"}}')
    got = value_offsets(raw, {"url": URL, "text": TEXT})
    assert json.loads(raw[slice(*got["text"])]) == "SAMLResponse=1"
    assert json.loads(raw[slice(*got["url"])]) == "last"  # a repeated key: json.loads keeps the last
    assert value_offsets(b'{"request": {"url": 5}}', {"url": URL}) == {}  # not a string


def test_no_place_for_a_message_of_an_entry_read_from_elsewhere(tmp_path):
    """A capture read by har.read_entries from parsed JSON (Chrome's panel copy, raw HTTP) has no
    text positions: its messages carry none."""
    cap = har.read(str(_write(tmp_path, _har())))
    assert all(m.source.at is not None for m in cap.messages)
    col = har.Collector()
    har.read_entries(enumerate(_har()["log"]["entries"]), "x.har", col)
    assert col.result() and all(m.source.at is None for m in col.result())


def test_a_saml_tracer_export_points_at_the_url_or_the_request(tmp_path):
    """SAML-tracer's export streams the same way: a redirect's message at its request's "url", a POST's
    (its `post` pairs) at the request's '{'."""
    doc = json.loads((ROOT / "fixtures" / "captures" / "saml-tracer.json").read_text(encoding="utf-8"))
    doc["requests"] = [{"comment": "\u00e9\U0001F600", **r} for r in doc["requests"]]
    path = _write(tmp_path, doc, "trace.json", indent=3)
    requests = doc["requests"]
    landed = {}
    for r in _results(path):
        loc = r["locations"][0]
        if "region" in loc["physicalLocation"]:
            ref = loc["logicalLocations"][0]["name"]
            landed[ref] = _landed(path, loc["physicalLocation"]["region"])
    assert landed == {"request 2": requests[1]["url"], "request 3": requests[2]}


def _crlf(doc, pad_to: int | None = None) -> bytes:
    """The HAR indented with CRLF line breaks; with `pad_to`, its first entry's comment grown so that
    a CR ends the bytes of the reads up to offset `pad_to` (its LF starts the next read)."""
    data = json.dumps(doc, indent=2).replace("\n", "\r\n").encode()
    if pad_to is not None:
        cr = data.index(b"\r\n", data.rindex(b'x"'))  # the first line break after the comment
        doc["log"]["entries"][0]["comment"] += "x" * (pad_to - 1 - cr)
        data = json.dumps(doc, indent=2).replace("\n", "\r\n").encode()
        assert data[pad_to - 1:pad_to + 1] == b"\r\n"
    return data


def test_crlf_line_breaks_even_split_between_reads_keep_the_places(tmp_path):
    doc = _har()
    doc["log"]["entries"][0]["comment"] = "x" * (CHUNK - 200_000)
    for name, data in (("crlf.har", _crlf(_har())), ("split.har", _crlf(doc, pad_to=CHUNK))):
        path = tmp_path / name
        path.write_bytes(data)
        claims = _claims(path)
        assert claims[("entry 3", REQ)] == "url" and claims[("entry 4", RESP)] == "text", name


def test_no_region_after_a_cr_alone(tmp_path):
    """A CR alone breaks a line for a SARIF viewer (3.30.2); lines are counted at LFs: none is given."""
    path = tmp_path / "cr.har"
    path.write_bytes(json.dumps(_har(), indent=2).replace("\n", "\r").encode())
    assert not any("region" in r["locations"][0]["physicalLocation"] for r in _results(path))
    doc = _har()  # before the first CR alone, the places stand
    data = json.dumps(doc, indent=2).encode()
    path.write_bytes(data + b"\r ")
    assert _claims(path)[("entry 3", REQ)] == "url"
    cut = data.index(b'"method": "POST"')  # a CR alone inside the POST's entry, before its body
    path.write_bytes(data[:cut] + b"\r" + data[cut:])
    claims = _claims(path)
    assert claims[("entry 3", REQ)] == "url" and claims[("entry 4", RESP)] == "entry"  # its "{" is before it


def test_no_region_in_a_zhar_whose_places_are_of_the_inflated_text(tmp_path):
    """mitmproxy's .zhar is zlib.compress(har): the reader's places count in the inflated HAR, not in
    the file's bytes that the artifact names."""
    import zlib

    from click.testing import CliRunner

    from samlscan.cli import main

    path = tmp_path / "flows.zhar"
    path.write_bytes(zlib.compress(CHROME.read_bytes(), 9))
    res = CliRunner().invoke(main, ["scan", str(path), "--format", "sarif", "--fail-on", "never"])
    log = json.JSONDecoder().raw_decode(res.output, res.output.index("{"))[0]  # (the summary line follows)
    assert list(jsonschema.Draft4Validator(SCHEMA).iter_errors(log)) == []
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"request-issued"}
    assert not any("region" in r["locations"][0]["physicalLocation"] for r in results)
