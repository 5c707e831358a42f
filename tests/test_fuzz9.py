"""Fuzzing round 9: hostile and large input to this session's new code. PingFederate's audit.log and
server.log (odd field counts, pipes in values, CR-only line ends, huge lines) through the CLI in every
format; the streamed metadata aggregate with character references, comments and PIs cut by the 64 KB
chunk at every byte; correlation's join of an app-not-found beside others' successes at scale.
"""
from __future__ import annotations

import json
import random
import time
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner
from lxml import etree

from samlscan import xmlsafe
from samlscan.cli import main
from samlscan.xmlsafe import MD, iter_complete

FORMATS = ("table", "json", "jsonl", "csv", "sarif", "html")


def _check(*args: str):
    return CliRunner().invoke(main, ["check", "--fail-on", "never", *args])


# --- PingFederate ------------------------------------------------------------------------------------

_AUDIT = ("2025-03-11 09:40:{s:02d},117| tid:T{n}| {event}| user{n}| 203.0.113.{n} | App| https://sp.example/{n}| "
          "SAML20| sso.example.org| IdP| {status}| HTMLFormAdapter| {desc}| 87")
_SERVER = ("2025-03-11 09:41:{s:02d},940 tid:T{n} ERROR [org.sourceid.servlet.ErrorServlet] Top level error: "
           "Incoming binding urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect is not enabled for (SP) ::: {desc}")


def _mutate(rng: random.Random, line: str) -> str:
    """One of the ways a real audit.log line goes odd: a field added or lost, pipes or control
    characters in a value, a time no calendar has, a huge value, the line cut anywhere."""
    cells = line.split("|")
    kind = rng.randrange(7)
    if kind == 0:
        cells.insert(rng.randrange(1, len(cells) + 1), " extra")
    elif kind == 1 and len(cells) > 3:
        del cells[rng.randrange(1, len(cells))]
    elif kind == 2:
        return line.replace("desc", "a|b||c" * rng.randrange(1, 50))
    elif kind == 3:
        return line.replace("2025-03-11", rng.choice(["2025-13-45", "0000-00-00", "9999-99-99"]))
    elif kind == 4:
        return line.replace("desc", "\x00\u202e<script>&amp;" + "x" * rng.randrange(10_000, 200_000))
    elif kind == 5:
        return line[:rng.randrange(len(line))]
    return "|".join(cells)


def _pingfederate_log(seed: int) -> str:
    rng = random.Random(seed)
    lines = []
    for n in range(rng.randrange(5, 30)):
        pattern = rng.choice([_AUDIT, _AUDIT, _SERVER])
        line = pattern.format(s=n % 60, n=n, event=rng.choice(["SSO", "AUTHN_ATTEMPT", "SLO", "OAuth"]),
                              status=rng.choice(["success", "failure", "inprogress", "FAILURE"]),
                              desc=rng.choice(["", "desc", "Incoming binding x is not enabled for (SP)"]))
        lines.append(_mutate(rng, line) if rng.random() < 0.5 else line)
    return rng.choice(["\n", "\r", "\r\n"]).join(lines) + rng.choice(["", "\n", "\r"])


@pytest.mark.parametrize("seed", range(12))
def test_a_mutated_pingfederate_log_reads_in_every_format_with_redaction(tmp_path, seed):
    path = tmp_path / "audit.log"
    path.write_bytes(_pingfederate_log(seed).encode("utf-8", "surrogatepass"))
    for fmt in FORMATS:
        res = _check("--format", fmt, "--redact", str(path))
        assert res.exit_code == 0, (fmt, res.output[-2000:])
        assert "Traceback" not in res.output
    doc = json.loads(_check("--format", "json", str(path)).stdout)
    assert doc["attempts"] or doc["inputs"]  # (read, or said why not)


# --- the streamed aggregate -------------------------------------------------------------------------

@pytest.mark.parametrize("middle", ["&amp;", "&#x41;", "&#65;", "é", "😀", "&quot;&lt;"])
def test_a_reference_or_character_cut_by_the_chunk_at_any_byte_reads_whole(middle):
    """The pull parser is fed _CHUNK bytes at a time: the entity ID's reference or multi-byte
    character lies across the cut at every offset, and reads as lxml reads the whole document."""
    def doc(pad: int) -> bytes:
        ent = (f'<md:EntityDescriptor entityID="https://a.example/{middle}x"><md:IDPSSODescriptor/>'
               '</md:EntityDescriptor>')
        return (f'<md:EntitiesDescriptor xmlns:md="{MD[1:-1]}"><!--{"p" * pad}-->{ent}'
                f'{ent.replace("a.example", "b.example")}</md:EntitiesDescriptor>').encode()

    at = doc(0).index(b"https://a.example/") + len("https://a.example/")
    for off in range(len(middle.encode()) + 2):
        data = doc(xmlsafe._CHUNK - at - off)
        want = [e.get("entityID") for e in etree.fromstring(data).iter(f"{MD}EntityDescriptor")]
        assert [e.get("entityID") for e in iter_complete(data, f"{MD}EntityDescriptor")] == want


@pytest.mark.parametrize("node", ["<!-- c -->", "<?pi x?>", '<f:y xmlns:f="urn:x"/>', "<![CDATA[z]]>"])
def test_a_node_between_entities_cut_by_the_chunk_is_passed_over(node):
    head = f'<EntitiesDescriptor xmlns="{MD[1:-1]}">'
    for off in range(len(node) + 1):
        data = (head + " " * (xmlsafe._CHUNK - len(head) - off) + node + '<EntityDescriptor entityID="e1"/>'
                + node + "</EntitiesDescriptor>").encode()
        assert [e.get("entityID") for e in iter_complete(data, f"{MD}EntityDescriptor")] == ["e1"]


# --- correlation at scale ----------------------------------------------------------------------------

_GOOGLE = ("Date,Event,Description,Actor,Application name,Initiated by,Failure type,Response status,"
           "Second level status,IP address,Actor organizational unit\n")


def _google_events(rng: random.Random, n: int) -> str:
    """Google's SAML log events: n users, about half refused with 'App not configured for user'
    between others' successes to the same app (newest first, as the console exports them)."""
    rows, start = [], datetime(2024, 12, 31, 9, 0, 0)
    for i in range(n):
        at = (start + timedelta(seconds=7 * i)).strftime("%b %-d, %Y, %-I:%M:%S %p") + " GMT+1"
        user = f"user{i}@example.com"
        if 0 < i < n - 1 and rng.random() < 0.5:
            rows.append(f'"{at}",Failed login,{user} failed to login because of the following error: App not '
                        f"configured for user,{user},SonarQube,SP,App not configured for user,,,198.51.100.42,/C\n")
        else:
            rows.append(f'"{at}",Successful login,{user} logged in,{user},SonarQube,SP,,'
                        "urn:oasis:names:tc:SAML:2.0:status:Success,,198.51.100.41,/\n")
    return _GOOGLE + "".join(reversed(rows))


def _timed_check(path) -> tuple[dict, float]:
    start = time.process_time()  # (this process's CPU: a shared machine's load does not count)
    res = _check("--format", "json", str(path))
    assert res.exit_code == 0, res.output[-2000:]
    return json.loads(res.stdout), time.process_time() - start


def test_app_not_found_beside_others_successes_is_judged_in_linear_time(tmp_path):
    """_found_for_others compared every refused user with every success to the same app: 32k rows
    took 44 s. Each refusal between others' successes is user-not-assigned, and 16x the rows take
    about 16x the time (the pairwise join: far more)."""
    rng = random.Random(9)
    small, big = tmp_path / "small.csv", tmp_path / "big.csv"
    small.write_text(_google_events(rng, 1000))
    big.write_text(_google_events(rng, 16_000))
    _timed_check(small)  # (warm: the readers' imports)
    (_, t_small), (doc, t_big) = _timed_check(small), _timed_check(big)
    causes = {a["root_cause"] for a in doc["attempts"] if a["outcome"] == "failure"}
    assert causes == {"user-not-assigned"}
    assert t_big < 25 * t_small + 0.3, (t_small, t_big)
