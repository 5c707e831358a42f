"""Reader gaps of container logs and unlabelled dumps (readers29): a container's stderr record between two
lines of a multi-line XML dump on its stdout (Docker's json-file, read whole) is read apart and leaves the
dump whole; a CRI line in 'P' parts past its cap is said, as Docker's joined-line cap is; a base64 or XML
dump without a parameter name is named by its root. The logs are built from fixtures/gen_docker27.py's
response (signed by the test IdP key, verified against fixtures/keys/idp.crt)."""
from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import pytest

from samlscan import batch, dockerparts
from samlscan.logs import embedded, wrapped

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "fixtures"))
sys.path.insert(0, str(ROOT / "tests"))
import gen_docker27 as GEN  # noqa: E402
from test_docker27 import DATA as DOCKER27, EXPECT, _said, _whole  # noqa: E402


def _dump_lines() -> list[str]:
    """A Spring Boot app's DEBUG dump of the response over many lines (its XML's line breaks), between
    ordinary lines."""
    resp = GEN.response().decode()
    head = [GEN.spring_line(i, "INFO", "c.e.demo.web.HomeController", f"GET /home {i:08x}") for i in range(6)]
    dump = GEN.spring_line(7, "DEBUG", "o.s.s.s.p.s.a.OpenSaml4AuthenticationProvider",
                           "Received SAML response: " + resp).split("\n")
    assert len(dump) > 10
    return head + dump + [GEN.spring_line(9, "INFO", "c.e.demo.web.HomeController", "GET /home done")]


def _json_file(records: list[tuple[str, str]]) -> str:
    return "".join(f'{{"log":{GEN._go_json(text + chr(10))},"stream":"{stream}",'
                   f'"time":"2025-03-11T08:41:07.{i:06d}Z"}}\n' for i, (stream, text) in enumerate(records))


def test_a_stderr_record_between_lines_of_a_stdout_dump_leaves_it_whole(tmp_path, monkeypatch):
    """Fails on the old code: the stderr record joined the dump (input-xml-malformed, no message)."""
    lines = _dump_lines()
    bare = tmp_path / "app.log"
    bare.write_text("\n".join(lines) + "\n")
    records = [("stdout", line) for line in lines]
    at = 10  # (inside the XML)
    records[at:at] = [("stderr", GEN.spring_line(7, "INFO", "o.h.engine.jdbc", "pool stats 3/10")),
                      ("stderr", "OpenJDK 64-Bit Server VM warning: Sharing is only supported for boot loader classes")]
    path = tmp_path / "app-json.log"
    path.write_text(_json_file(records))
    want = _said(batch.run_scan([str(bare)], EXPECT, jobs=1))
    assert want[0] == [[]] and want[1] == []
    assert _said(_whole(path, monkeypatch)) == want


def test_the_other_streams_lines_keep_their_references(tmp_path, monkeypatch):
    """A dump on stderr between stdout lines is read (after stdout's) with its own file line."""
    resp = GEN.response().decode()
    dump = GEN.spring_line(7, "DEBUG", "o.s.s.s.p.s.a.OpenSaml4AuthenticationProvider",
                           "Received SAML response: " + resp).split("\n")
    records = [("stdout", GEN.spring_line(i, "INFO", "c.e.demo.web.HomeController", f"GET /home {i}"))
               for i in range(4)]
    for k, line in enumerate(dump):
        records.append(("stderr", line))
        records.append(("stdout", GEN.spring_line(8, "INFO", "c.e.demo.web.HomeController", f"tick {k}")))
    path = tmp_path / "err-json.log"
    path.write_text(_json_file(records))
    report = _whole(path, monkeypatch)
    assert _said(report)[:2] == ([[]], [])
    assert report.messages[0].message.source.ref == "line 5"


def _cri(lines: list[tuple[str, str, str]]) -> str:
    return "".join(f"2026-03-03T10:00:{i // 1000:02d}.{i % 1000:03d}456789Z {stream} {tag} {text}\n"
                   for i, (stream, tag, text) in enumerate(lines))


def test_a_cri_line_past_its_cap_is_said(tmp_path, monkeypatch):
    """Fails on the old code: the line was cut at the cap without a word, its further parts read as a
    line of their own."""
    monkeypatch.setattr(wrapped, "MAX_ENVELOPE", 64 * 1024)
    ok = [("stdout", "F", GEN.spring_line(i, "INFO", "c.e.demo.web.HomeController", f"GET /home {i:08x}"))
          for i in range(5)]
    big = GEN.spring_line(7, "DEBUG", "c.e.demo.web.RequestLog", "After request [cookies=" + "x" * 200_000 + "]")
    parts = [big[i:i + 16 * 1024] for i in range(0, len(big), 16 * 1024)]
    cut = [("stdout", "P", p) for p in parts[:-1]] + [("stdout", "F", parts[-1])]
    cut[2:2] = [("stderr", "F", "OpenJDK 64-Bit Server VM warning: Sharing is only supported")]
    path = tmp_path / "app.cri.log"
    path.write_text(_cri(ok + cut + ok))
    said = [f for f in _whole(path, monkeypatch).input_findings]
    assert [f.source.ref for f in said] == ["line 6"]
    assert "longer than 65536 characters" in str(said[0])
    monkeypatch.setattr(wrapped, "MAX_ENVELOPE", 4 * 1024 * 1024)
    assert not [f for f in _whole(path, monkeypatch).input_findings if "longer than" in str(f)]


ROOTS = [("samlp:AuthnRequest", "SAMLRequest"), ("LogoutRequest", "SAMLRequest"),
         ("saml2p:LogoutResponse", "SAMLResponse"), ("samlp:Response", "SAMLResponse"),
         ("samlp:ArtifactResolve", "SAMLRequest"), ("saml:Assertion", "SAMLResponse")]


@pytest.mark.parametrize("root,param", ROOTS)
def test_a_dump_without_a_name_is_named_by_its_root(root, param):
    """Fails on the old code for the requests: every unnamed dump was a SAMLResponse."""
    xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
           f'ID="_a1b2c3d4e5f6a7b8c9d0" Version="2.0" IssueInstant="2026-03-03T10:00:01Z"></{root}>')
    b64 = base64.b64encode(xml.encode()).decode()
    for text in (b64, b64.replace("+", "%2B").replace("/", "%2F"), xml.replace("\n", "")):
        got = embedded.find_values(f"2026-03-03 10:00:01 DEBUG o.e.Saml : saml message: {text}")
        assert [f.param for f in got] == [param], text[:40]


def test_a_log_dump_of_a_request_is_read_as_a_request(tmp_path):
    """The embedded reader's records carry the name (the decoder reads the value by it)."""
    xml = ('<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_a1b2c3d4e5f6a7b8c9d0" '
           'Version="2.0" IssueInstant="2026-03-03T10:00:01Z" AssertionConsumerServiceURL="https://sp/acs">'
           '<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">https://sp</saml:Issuer>'
           '</samlp:AuthnRequest>')
    line = "2026-03-03 10:00:01 DEBUG saml message: " + base64.b64encode(xml.encode()).decode()
    recs = list(embedded.EmbeddedParser().parse([(1, line)], "x.log", None))
    assert [r.param for r in recs] == ["SAMLRequest"]


def _interleaved(tmp_path, filler: int) -> tuple[Path, bytes, tuple[int, int]]:
    """`filler` app lines, the dump with stderr records (each a record start) between its XML lines,
    `filler` lines again: the path, its bytes and the dump's (first line start, last line end)."""
    lines = _dump_lines()
    head = [GEN.spring_line(i % 60, "INFO", "c.e.demo.web.HomeController", f"GET /home {i:08x}") for i in range(filler)]
    records = [("stdout", line) for line in head]
    for k, line in enumerate(lines[6:-1]):
        records.append(("stdout", line))
        if k >= 2 and k % 3 == 0:
            records.append(("stderr", GEN.spring_line(7, "INFO", "o.h.engine.jdbc", f"pool stats {k}/10")))
    records += [("stdout", line) for line in head]
    path = tmp_path / "ranged-json.log"
    path.write_text(_json_file(records))
    data = path.read_bytes()
    first = data.index(b"Received SAML response")
    first = data.rfind(b"\n", 0, first) + 1
    last = data.index(b"Response\\u003e")
    return path, data, (first, data.index(b"\n", last) + 1)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_dump_cut_by_the_other_streams_records_is_read_whole_in_ranges(tmp_path, monkeypatch, jobs):
    """Fails on the old code: the prefilter ended the dump's record at the first stderr record start
    (the rest of its XML dropped: input-xml-malformed) and a range was cut at one."""
    path, data, (first, last) = _interleaved(tmp_path, 400)
    whole = _said(_whole(path, monkeypatch))
    assert whole[:2] == ([[]], [])
    assert _said(batch.run_scan([str(path)], EXPECT, jobs=jobs)) == whole  # (prefiltered, one range)
    monkeypatch.setattr(batch, "SPLIT_BYTES", 8 * 1024)
    cuts = [u.start for u in batch.plan([str(path)])]
    assert len(cuts) > 8 and not [c for c in cuts if first < c < last]
    assert [c for c in cuts if abs(c - first) < 16 * 1024]  # (a cut was looked for around it)
    assert _said(batch.run_scan([str(path)], EXPECT, jobs=jobs)) == whole


def _fluentd(text: str) -> str:
    """Docker's records as Fluentd / Fluent Bit forward them: `stream` first, extra keys, the same
    text (Go's escapes kept: '<', '>', '&' as \\u003c..)."""
    rows = []
    for line in text.splitlines():
        obj = json.loads(line)
        row = {"stream": obj["stream"], "log": obj["log"], "time": obj["time"], "container_name": "/demo",
               "source": obj["stream"]}
        rows.append(json.dumps(row).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize("jobs", [1, 2])
def test_fluentd_records_are_joined_in_ranges_as_in_the_whole_reading(tmp_path, monkeypatch, jobs):
    """Fails on the old code: a record not starting '{"log":"' was no part (dockerparts found no
    line in parts): the prefiltered and ranged readings lost the message."""
    path = tmp_path / "fluent.log"
    path.write_text(_fluentd(GEN.json_file(GEN.time_at_part((DOCKER27 / "response.xml").read_bytes(), 3000))))
    data = path.read_bytes()
    assert len(dockerparts.groups(data, 0, len(data))) == 1
    whole = _said(_whole(path, monkeypatch))
    assert whole == ([[]], [], ["success"])
    assert _said(batch.run_scan([str(path)], EXPECT, jobs=jobs)) == whole
    monkeypatch.setattr(batch, "SPLIT_BYTES", 96 * 1024)
    assert len(batch.plan([str(path)])) > 8
    assert _said(batch.run_scan([str(path)], EXPECT, jobs=jobs)) == whole


@pytest.mark.parametrize("record,state", [
    ('{"log":"a\\n","stream":"stdout","time":"t"}', (b"stdout", False)),
    ('{"stream":"stderr","log":"a part"}', (b"stderr", True)),
    ('{"time": "t", "stream": "stdout", "log": "ends in a backslash\\\\\\\\", "source": "stdout"}', (b"stdout", True)),
    ('{"log": "a \\"quoted\\" \\\\n", "stream": "stdout"}', (b"stdout", True)),
    ('{"log": "the \\"stream\\":\\"stderr\\" key", "stream": "stdout"}', (b"stdout", True)),
    ('{"message":"no log key","stream":"stdout"}', None),
])
def test_a_records_stream_and_part_in_any_key_order(record, state):
    data = record.encode()
    assert dockerparts._state(data, 0, len(data)) == state


def _go_log(tmp_path, rows: list[dict], name: str) -> dict:
    from test_embedded27 import SP_CERT, _check
    from test_goescape28 import go_json

    return _check(tmp_path, "".join(go_json(row) + "\n" for row in rows), "--sp-cert", SP_CERT, name=name)


@pytest.mark.parametrize("field", ["msg", "url", "location"])
@pytest.mark.parametrize("filler", [5, 900])
def test_a_go_json_logs_redirect_url_keeps_its_query_and_verifies(tmp_path, field, filler):
    """A Go app's JSON lines (encoding/json: '&' as \\u0026) with the signed redirect URL of
    fixtures/requests (sp.key, TEST-ONLY) in its message or a field of its own: every parameter kept,
    the query's signature verified. Fails on the old code for the small log (read as one pasted
    query: its value ran on past '\\u0026RelayState=': input-bad-base64); the big one is read by the
    embedded reader (tests/test_goescape28.py's path)."""
    from test_goescape28 import SIGNED_URL

    def row(i: int) -> dict:
        text = f"Redirecting to {SIGNED_URL}" if field == "msg" else "redirecting to the IdP"
        out = {"level": "debug", "ts": f"2025-10-10T13:{i // 60 % 60:02d}:{i % 60:02d}Z", "msg": text}
        if field != "msg":
            out[field] = SIGNED_URL
        return out

    rows = [{"level": "info", "ts": f"2025-10-10T13:{i // 60 % 60:02d}:{i % 60:02d}Z", "msg": f"GET /home?a=1&b={i}"}
            for i in range(filler)]
    doc = _go_log(tmp_path, rows[:filler // 2] + [row(filler // 2)] + rows[filler // 2:], f"{field}.log")
    (msg,) = doc["messages"]
    assert msg["type"] == "AuthnRequest" and msg["binding"] == "redirect"
    assert msg["redirect_signature"]["verified"] is True


def _cri_file(path: Path, records: list[tuple[str, str]]) -> bytes:
    """CRI lines (containerd, CRI-O): each line cut into 16 KiB 'P' parts ended by an 'F' one."""
    rows = []
    for stream, line in records:
        raw = line.encode()
        parts = [raw[i:i + GEN.PART].decode() for i in range(0, len(raw), GEN.PART)] or [""]
        rows += [(stream, "P" if k < len(parts) - 1 else "F", part) for k, part in enumerate(parts)]
        if len(parts) > 2:  # (the other stream between two parts)
            rows[-2:-2] = [("stderr", "F", GEN.STDERR)]
    path.write_text(_cri([(s, t, x) for s, t, x in rows]))
    return path.read_bytes()


def test_a_cri_files_stderr_between_lines_of_a_dump_leaves_it_whole(tmp_path, monkeypatch):
    """Fails on the old code, whole and prefiltered: the stderr line joined the XML (malformed)."""
    lines = _dump_lines()
    records = [("stdout", line) for line in lines]
    records[10:10] = [("stderr", GEN.spring_line(7, "INFO", "o.h.engine.jdbc", "pool stats 3/10"))]
    path = tmp_path / "app.cri.log"
    _cri_file(path, records)
    bare = tmp_path / "app.log"
    bare.write_text("\n".join(lines) + "\n")
    want = _said(batch.run_scan([str(bare)], EXPECT, jobs=1))
    assert _said(_whole(path, monkeypatch)) == want
    assert _said(batch.run_scan([str(path)], EXPECT, jobs=1)) == want


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_cri_line_in_parts_is_read_whole_in_ranges(tmp_path, monkeypatch, jobs):
    """The CRI file's 'P' parts are kept and never cut apart as Docker's are (fails on the old code: a
    range was cut at the part that starts with a time; its message lost)."""
    path = tmp_path / "ranged.cri.log"
    lines = GEN.time_at_part((DOCKER27 / "response.xml").read_bytes(), 1500)
    data = _cri_file(path, [("stdout", line) for line in lines])
    (start, end, ended), = dockerparts.groups(data, 0, len(data))
    whole = _said(_whole(path, monkeypatch))
    assert whole == ([[]], [], ["success"])
    monkeypatch.setattr(batch, "SPLIT_BYTES", 16 * 1024)
    cuts = [u.start for u in batch.plan([str(path)])]
    assert len(cuts) > 8 and not [c for c in cuts if start < c < end]
    assert _said(batch.run_scan([str(path)], EXPECT, jobs=jobs)) == whole
