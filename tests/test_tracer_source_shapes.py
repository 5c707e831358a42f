"""SAML-tracer exports in the shapes its own source writes (simplesamlphp/SAML-tracer).

Shapes, from the source read: current 2.x src/SAMLTraceIO.js (exportRequests: `timestamp` is
`new Date().toISOString()`, headers {name, value}, `postData` the webRequest formData object
{name: [values]}), src/filters.js (profile '2' '{hash:..}', '3' '{obf:alternative_<n>}', both
'{overwritten}' for postData and masked cookie values); the legacy Firefox add-on
chrome/samltrace/content/SAMLTraceIO.js (`timestamp` is `Date.now()`, epoch milliseconds; no
`requestId`; headers [name, value]; `postData` the raw form body; `saml` from atob, i.e. UTF-8 bytes
as Latin-1 characters).
"""
from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import gen_captures as gc  # noqa: E402

from samlscan.flows import build_flows  # noqa: E402
from samlscan.flows_report import _messages_by_key  # noqa: E402
from samlscan.inputs import tracer  # noqa: E402
from test_har import REQ, RESP  # noqa: E402


def write(tmp_path, doc, indent=2) -> str:
    p = tmp_path / "trace.json"
    p.write_text(json.dumps(doc, indent=indent))
    return str(p)


def current(profile: str = "1") -> dict:
    """2.x export of our login, with the masking of export profile 1, 2 or 3."""
    doc = gc.tracer_export(REQ, RESP)
    acs = doc["requests"][2]
    acs["postData"] = {n: [v] for n, v in acs["post"]}
    if profile != "1":
        acs["post"] = [[n, "{hash:%064x}" % (i + 7) if profile == "2" else
                        "{obf:alternative_%d}" % i] for i, (n, _) in enumerate(acs["post"])]
        acs["postData"] = "{overwritten}"
    return doc


def legacy() -> dict:
    """The legacy Firefox add-on's export of the same login."""
    doc = gc.tracer_export(REQ, RESP)
    for r in doc["requests"]:
        r.pop("requestId")
        r.pop("protocol", None)
        r["requestHeaders"] = [[h["name"], h["value"]] for h in r["requestHeaders"]]
        r["responseHeaders"] = [[h["name"], h["value"]] for h in r["responseHeaders"]]
    acs = doc["requests"][2]
    acs["postData"] = urlencode([tuple(p) for p in acs["post"]])
    acs["saml"] = RESP.decode("latin-1")
    doc["timestamp"] = 1741682712345
    return doc


def _flow_messages(cap):
    """The (type, ID) of each flow's exchanges' SAML messages, as `samlscan flows` shows them."""
    ids = _messages_by_key(cap.messages)
    return [[ids[k][:2] for ex in cap.exchanges for k in ex.saml if k in ids]]


def test_masked_profiles_keep_the_response_on_its_exchange(tmp_path):
    plain = tracer.read(write(tmp_path, current("1")))
    for profile in ("2", "3"):
        cap = tracer.read(write(tmp_path, current(profile)))
        acs = next(ex for ex in cap.exchanges if ex.leg == "acs-post")
        assert _flow_messages(cap) == _flow_messages(plain)
        assert any(k.startswith("SAMLResponse:") for k in acs.saml)
        assert [m.binding for m in cap.messages] == ["redirect", "xml"]
        flow = list(build_flows(cap))[0]
        assert flow.outcome == list(build_flows(plain))[0].outcome == "success"


def test_masked_response_without_xml_stays_off_the_flow(tmp_path):
    doc = current("3")
    del doc["requests"][2]["saml"]
    cap = tracer.read(write(tmp_path, doc))
    assert [p.code for p in cap.problems] == ["input-redacted"]
    assert [m.param for m in cap.messages] == ["SAMLRequest"]


def test_legacy_export_reads_like_current(tmp_path):
    cur = tracer.read(write(tmp_path, current("1")))
    old = tracer.read(write(tmp_path, legacy(), indent=None))
    assert [(m.param, m.binding, m.value, m.relay_state) for m in old.messages] == \
        [(m.param, m.binding, m.value, m.relay_state) for m in cur.messages]
    assert [(ex.leg, ex.set_cookies, ex.request_cookies) for ex in old.exchanges] == \
        [(ex.leg, ex.set_cookies, ex.request_cookies) for ex in cur.exchanges]


def test_legacy_epoch_millisecond_export_time(tmp_path):
    cap = tracer.read(write(tmp_path, legacy(), indent=None))
    assert cap.exported_at == datetime(2025, 3, 11, 8, 45, 12, 345000, tzinfo=timezone.utc)
    doc = legacy()
    doc["timestamp"] = "no time"
    assert tracer.read(write(tmp_path, doc)).exported_at is None


def test_firefox_joined_set_cookie_headers(tmp_path):
    """Firefox's webRequest gives several Set-Cookie headers as one value joined by newlines."""
    doc = current("1")
    doc["requests"][2]["responseHeaders"].append(
        {"name": "Set-Cookie", "value": "JWT-SESSION=abc; Path=/\n"
         "AUTHENTICATION-ERROR=Invalid%20signature; Path=/"})
    cap = tracer.read(write(tmp_path, doc))
    acs = next(ex for ex in cap.exchanges if ex.leg == "acs-post")
    assert acs.set_cookies == ("JWT-SESSION", "AUTHENTICATION-ERROR")
    assert acs.auth_error == "Invalid signature"


def test_separate_set_cookie_headers(tmp_path):
    doc = current("1")
    doc["requests"][2]["responseHeaders"] += [
        {"name": "Set-Cookie", "value": "JWT-SESSION=abc; Path=/"},
        {"name": "set-cookie", "value": "AUTHENTICATION-ERROR=Bad; Path=/"}]
    acs = next(ex for ex in tracer.read(write(tmp_path, doc)).exchanges if ex.leg == "acs-post")
    assert acs.set_cookies == ("JWT-SESSION", "AUTHENTICATION-ERROR")
    assert acs.auth_error == "Bad"


def test_masked_cookie_values_are_not_errors(tmp_path):
    """Profile '2' hashes each cookie sub-value: the SP's error cookie is masked, not read."""
    doc = current("2")
    doc["requests"][2]["responseHeaders"].append(
        {"name": "Set-Cookie",
         "value": "AUTHENTICATION-ERROR={hash:%064x}; Path={hash:%064x}" % (1, 2)})
    acs = next(ex for ex in tracer.read(write(tmp_path, doc)).exchanges if ex.leg == "acs-post")
    assert acs.set_cookies == ("AUTHENTICATION-ERROR",) and acs.auth_error is None


def test_no_response_and_bad_shapes_are_data(tmp_path):
    doc = current("1")
    doc["requests"][1].update(responseStatus="", responseHeaders=None, requestHeaders=None)
    doc["requests"][2]["post"] = [["SAMLResponse"], "x", None, {"name": "RelayState"}]
    doc["requests"][0]["responseHeaders"] = [["Location"], ["Set-Cookie"], 5, {"value": "x"}]
    doc["requests"].append("not a request")
    cap = tracer.read(write(tmp_path, doc))
    assert [ex.status for ex in cap.exchanges if ex.leg == "authn-request"] == [0]
    assert [m.param for m in cap.messages] == ["SAMLRequest"]
