"""corr30: correlation gaps from the last sessions' notes.

Rotated logs that overlap (copytruncate: lines written between the copy and the truncation sit in
both files; or one file given twice under two names) counted their shared lines twice among the
report's events: each is kept once now, as the first input's, with a note naming the two files
(samlscan/overlap.py). Generated SonarQube web.log lines (tests/test_replayuser28.py's shape); the
overlap tests fail on the old code (6 events, both files in the evidence, no note).

Many POSTs of one response (fuzz22's Burp export): see below.
"""
from __future__ import annotations

import base64
import copy
import json
import sys
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.correlate.link_keys import KEY_FANOUT

T0 = datetime(2026, 3, 3, 9, 0, 23, tzinfo=timezone.utc)


def _sonar(at: datetime, req: str, what: str, login: str, ip: str = "203.0.113.64") -> list[str]:
    stamp = f"{at:%Y.%m.%d %H:%M:%S}"
    return [f"{stamp} DEBUG web[{req}][o.s.a.s.SonarqubeSaml2ResponseValidator] Saml validation errors: []",
            f"{stamp} DEBUG web[{req}][auth.event] login {what}[method|OAUTH2][provider|EXTERNAL|Duo SSO]"
            f"[IP|10.40.1.5|{ip}][login|{login}]"]


LINES = (_sonar(T0, "r1", "success ", "hugo")
         + _sonar(T0 + timedelta(seconds=67), "r2", "failure [cause|Signature validation failed. SAML Response rejected]", "")
         + _sonar(T0 + timedelta(seconds=300), "r3", "success ", "ivan"))


def _doc(tmp_path, files: dict[str, list[str]]) -> tuple[dict, str]:
    paths = []
    for name, lines in files.items():
        (tmp_path / name).write_text("\n".join(lines) + "\n")
        paths.append(str(tmp_path / name))
    res = CliRunner().invoke(main, ["scan", *paths, "--timezone", "UTC", "--format", "json"])
    assert res.exit_code in (0, 1) and isinstance(res.exception, (SystemExit, type(None))), res.output
    return json.loads(res.stdout), str(tmp_path)


def test_one_log_given_twice_counts_each_line_once_and_says_so(tmp_path):
    doc, d = _doc(tmp_path, {"web.log": LINES, "web.log.1": LINES})
    assert doc["summary"]["events"] == 12 - 3  # 3 successes and failures kept once (the 3 'info' lines counted per file)
    assert [i["events"] for i in doc["inputs"]] == [6, 3]
    assert len(doc["attempts"]) == 3
    assert all(len(a["evidence"]) == 1 and a["evidence"][0]["input"].endswith("web.log") for a in doc["attempts"])
    note = next(n for n in doc["summary"]["notes"] if "overlap" in n)
    assert f"{d}/web.log and {d}/web.log.1 overlap: 3 log line(s)" in note


def test_copytruncate_overlap_of_one_login_and_no_note_without_one(tmp_path):
    older, newer = LINES[:4], LINES[2:]  # the refusal's two lines in both
    doc, d = _doc(tmp_path, {"web.log": newer, "web.log.1": older})
    assert [i["events"] for i in doc["inputs"]] == [4, 3]  # web.log.1's refusal is web.log's
    assert [a["outcome"] for a in doc["attempts"]].count("failure") == 1
    assert any(f"{d}/web.log and {d}/web.log.1 overlap: 1 log line(s)" in n for n in doc["summary"]["notes"])
    apart, _ = _doc(tmp_path, {"web.log": LINES[4:], "web.log.1": LINES[:4]})
    assert not any("overlap" in n for n in apart["summary"].get("notes", ()))


def test_a_line_one_log_holds_twice_stays_twice(tmp_path):
    twice = LINES[:2] + LINES[1:2]  # one success logged twice in one file: the file's own words
    doc, _ = _doc(tmp_path, {"web.log": twice, "web.log.1": LINES[:2]})
    assert [i["events"] for i in doc["inputs"]] == [3, 1]


# fuzz22: one response posted again and again before its NotBefore (okta.xml's 08:36:00, posted at
# 08:11), the SP answering each POST with its refusal page. Beyond link_keys.KEY_FANOUT posts, each
# POST's exchange step was compared with the last 8 messages of that response ID only, none its own:
# a user-less sp-refused-callback beside each assertion-not-yet-valid (2N attempts), in a HAR and in
# Burp's 'Save items' export of the same exchanges alike.
FIX = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIX))
import gen_captures as gc  # noqa: E402
from test_paste_shapes import _BURP_HEAD  # noqa: E402
from test_real_har_shapes_2 import _raw  # noqa: E402

REQ = (b'<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_req30" '
       b'Version="2.0" IssueInstant="2025-03-11T08:40:57Z"/>')


def _posts(n: int) -> list[dict]:
    """`n` POSTs of okta.xml to the ACS a second apart, 30 minutes before its NotBefore."""
    post = gc.attempt(REQ, (FIX / "responses/valid/okta.xml").read_bytes(), "k3v9q2m0t7a1b2c3", -1800,
                      result="/sessions/unauthorized")[2]
    out = []
    for k in range(n):
        e = copy.deepcopy(post)
        e["startedDateTime"] = gc._t(-1797 + k)
        out.append(e)
    return out


def _burp_items(entries: list[dict]) -> str:
    """Burp's 'Save items' XML of the same exchanges (whole seconds, base64 raw HTTP)."""
    from samlscan.inputs import har

    b64 = lambda t: base64.b64encode(t.encode()).decode()  # noqa: E731
    items = []
    for e in entries:
        u = urlsplit(e["request"]["url"])
        req = _raw(e["request"], f"POST {u.path} HTTP/1.1\r\nHost: {u.netloc}")
        resp = _raw(e["response"], f"HTTP/1.1 {e['response']['status']} X")
        items.append(f"""  <item>
    <time>{har.parse_time(e['startedDateTime']).strftime("%a %b %d %H:%M:%S UTC %Y")}</time>
    <url><![CDATA[{e['request']['url']}]]></url>
    <method><![CDATA[POST]]></method>
    <request base64="true"><![CDATA[{b64(req)}]]></request>
    <status>{e['response']['status']}</status>
    <response base64="true"><![CDATA[{b64(resp)}]]></response>
  </item>
""")
    return _BURP_HEAD + '<items burpVersion="2025.1.1">\n' + "".join(items) + "</items>\n"


@pytest.mark.parametrize("n", [3, KEY_FANOUT + 4])
@pytest.mark.parametrize("kind", ["har", "burp"])
def test_many_posts_of_one_response_before_its_notbefore_are_one_attempt_each(tmp_path, n, kind):
    entries = _posts(n)
    path = tmp_path / ("c.har" if kind == "har" else "burp.xml")
    path.write_text(json.dumps(gc.har(entries)) if kind == "har" else _burp_items(entries))
    res = CliRunner().invoke(main, ["scan", str(path), "--format", "json"])
    doc = json.loads(res.stdout)
    assert doc["inputs"][0]["kind"] == kind and len(doc["messages"]) == n
    assert Counter((a["user"], a["root_cause"]) for a in doc["attempts"]) == {
        ("dev.user1@example.com", "assertion-not-yet-valid"): n}
    assert all(len(a["evidence"]) == 1 or {e["ref"] for e in a["evidence"]} == {a["evidence"][0]["ref"]}
               for a in doc["attempts"])


# An SP refusal without a user that is no replay (SonarQube's `[login|]` auth.event) after its client's
# login the IdP passed and no SP line finished: that login's end, its user the IdP's (link_client.py).
# Within MOMENT link_user joins the two; later (a slow browser, an MFA prompt) it stayed 'unknown'.
from test_correlate_idp_user import _auth0, _refusal  # noqa: E402

HANA, IVAN = "hana.sato@example.com", "ivan.petrov@example.com"


def _refused_user(tmp_path, refused_at: str, *idp: tuple, sp_lines: str = "") -> dict:
    _auth0(tmp_path / "auth0.json", *idp)
    (tmp_path / "web.log").write_text(sp_lines + _refusal(refused_at, "rq9"))
    res = CliRunner().invoke(main, ["scan", str(tmp_path / "auth0.json"), str(tmp_path / "web.log"),
                                    "--format", "json", "--timezone", "UTC", "--jobs", "1"])
    doc = json.loads(res.stdout)
    return next(a for a in doc["attempts"] if a["time"].endswith(refused_at + "Z"))


def _signed_in(at: str, user: str, kind: str = "s", ip: str = "203.0.113.63") -> tuple:
    return (f"2025-03-18T{at}.000Z", kind, "Success Login" if kind == "s" else "Wrong password",
            "SonarQube", ip, user)


@pytest.mark.parametrize("refused_at", ["14:31:12", "14:33:40"])
def test_a_refusal_without_a_user_after_its_clients_idp_login_is_that_users(tmp_path, refused_at):
    got = _refused_user(tmp_path, refused_at, _signed_in("14:31:00", HANA))
    assert got["user"] == HANA and got["outcome"] == "failure"
    assert any(n.startswith("user from the same client's login at 14:31:00") for n in got["notes"])


def test_two_users_from_the_refusals_ip_keep_it_unknown(tmp_path):
    got = _refused_user(tmp_path, "14:31:40", _signed_in("14:31:00", HANA), _signed_in("14:31:20", IVAN))
    assert got["user"] is None
    assert any(n.startswith("no user:") and "2 users logged in from its client IP" in n for n in got["notes"])


@pytest.mark.parametrize("why", ["another-ip", "idp-refused", "too-long-ago", "sp-finished"])
def test_no_user_from_another_client_a_failed_or_a_finished_login(tmp_path, why):
    ip = "198.51.100.9" if why == "another-ip" else "203.0.113.63"
    at = "14:20:00" if why == "too-long-ago" else "14:31:00"
    sp = ("2025.03.18 14:31:02 DEBUG web[rq1][auth.event] login success [method|OAUTH2][provider|EXTERNAL|Corp SSO]"
          f"[IP|10.20.0.5|203.0.113.63][login|{HANA}]\n") if why == "sp-finished" else ""
    got = _refused_user(tmp_path, "14:31:40", _signed_in(at, HANA, "f" if why == "idp-refused" else "s", ip),
                        sp_lines=sp)
    assert got["user"] is None and not any("client's login" in n for n in got["notes"])


def test_shared_spans_are_the_times_two_inputs_both_span():
    from types import SimpleNamespace as NS

    from samlscan.overlap import _shared_spans

    def r(*seconds):
        return NS(events=[NS(time=None)] + [NS(time=T0 + timedelta(seconds=s)) for s in seconds])

    at = lambda *s: tuple(T0 + timedelta(seconds=x) for x in s)  # noqa: E731
    assert _shared_spans([r(0, 10), r(20, 30)]) == []  # rotated without overlap
    assert _shared_spans([r(0, 10), r(5, 30), r(25, 40)]) == [at(5, 10), at(25, 30)]
    assert _shared_spans([r(0, 100), r(5, 10), r(8, 20), r()]) == [at(5, 20)]


def test_only_one_folders_rotations_of_one_log_are_compared(tmp_path):
    from samlscan.overlap import rotation_of

    assert {rotation_of(f"/l/{n}") for n in ("web.log", "web.log.1", "web.log.2026-03-03.gz", "web.2026-03-03.log",
                                             "web.log.10.gz")} == {("/l", "web.log")}
    assert len({rotation_of(p) for p in ("/l/web.log", "/m/web.log", "/l/other-web.log", "a.zip!web.log")}) == 4
    (tmp_path / "node2").mkdir()
    doc, _ = _doc(tmp_path, {"web.log": LINES, "node2/web.log": LINES})  # two servers (or exports): their own
    assert [i["events"] for i in doc["inputs"]] == [6, 6]
    assert not any("overlap" in n for n in doc["summary"].get("notes", ()))
