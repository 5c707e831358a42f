"""Inputs the sixth fuzzing round made samlscan misbehave with, each minimised here, and the round's
own fuzzer (seeded, so deterministic): the support-case folders (tests/data/case*) mutated (cut
short, records duplicated and reordered, huge values, deep nesting, BOMs and other encodings, NULs
and control characters, times at the edges of datetime's range and in odd zones, candidate settings
files that contradict each other), each scanned in several formats with and without --redact."""
from __future__ import annotations

import base64
import json
import random
import re
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from case_util import ROOT, folder_said
from samlscan.cli import main

DATA = ROOT / "tests" / "data"


def _scan(target: Path, fmt: str = "json", *more: str):
    result = CliRunner().invoke(main, ["scan", str(target), "--format", fmt, "-j", "1", "--fail-on", "never", *more])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1), result.output[-1500:]
    return result


def _internal_errors(result, fmt: str) -> list[str]:
    """The internal errors a report names (SARIF lists every rule, internal-error too: its results)."""
    if fmt == "sarif":
        return [r["message"]["text"] for r in json.loads(result.stdout)["runs"][0]["results"]
                if r["ruleId"] == "internal-error"]
    # (not the finding sp-internal-error: the SP's own failure, a log line samlscan read; line by line:
    # a findall of '[^\n]*internal-error' retries each start of a 200,000-character line, quadratic)
    return [line for line in result.stdout.split("\n") if re.search(r"(?<![\w-])internal-error", line)]


# --- a capture dated at the end of time ------------------------------------------------------------

def _dated(text: str, date: str) -> str:
    return re.sub(r'("startedDateTime": ")\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d', rf"\g<1>{date}", text)


@pytest.mark.parametrize("date", ["9999-12-31T23:59:59", "9999-12-31T23:59:55"])
def test_a_capture_dated_at_the_end_of_time_ends_in_no_internal_error(tmp_path, date):
    """A HAR whose startedDateTime is a '9999-12-31' placeholder (a tool's or a hand-edited
    capture's): Safari's POST to SonarQube's ACS answered in place asked for its refusal page
    within the next 10 s, past datetime's range (OverflowError: internal error, the capture lost).
    Such a time is no usable time, as a log's (model.USABLE_TIMES): the capture is read, untimed."""
    case = tmp_path / "case12"
    shutil.copytree(DATA / "case12", case)
    har = case / "safari-sonar.har"
    har.write_text(_dated(har.read_text(), date))
    for fmt in ("json", "sarif"):
        assert not _internal_errors(_scan(case, fmt), fmt)
    doc = json.loads(_scan(case).stdout)
    assert {i["status"] for i in doc["inputs"] if i["path"].endswith(".har")} == {"scanned"}
    assert not [m for m in doc["messages"] if m["input"].endswith(".har") and m.get("captured_at")]


def test_a_burp_item_dated_at_the_end_of_time_ends_in_no_internal_error(tmp_path):
    """The same in Burp's XML export ('Fri Dec 31 23:59:55 UTC 9999', its <time>)."""
    from test_paste_shapes import RAW_POST, burp_export

    page = base64.b64encode(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html></html>").decode()
    path = tmp_path / "burp.xml"
    path.write_text(burp_export("Fri Dec 31 23:59:55 UTC 9999", RAW_POST, False, 200, page))
    result = CliRunner().invoke(main, ["check", str(path), "--format", "json", "--fail-on", "never"])
    assert result.exit_code == 0, result.output[-1500:]
    doc = json.loads(result.stdout)
    assert doc["inputs"][0]["kind"] == "burp" and not _internal_errors(result, "json")


# --- the fuzzer ------------------------------------------------------------------------------------

# folders of plain files: one input each, and their emails readable for the --redact check (case 17's
# one zip expands to many inputs, its text compressed)
CASES = sorted(p for p in DATA.iterdir() if p.is_dir() and p.name.startswith("case")
               and not any(f.suffix == ".zip" for f in p.iterdir()))
_EMAIL = re.compile(rb"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# (four numbers, not a piece of an OID: urn:oid:1.3.6.1.4.1.5923... names an attribute, no address)
_IPV4 = re.compile(rb"(?<![\w.])(?<!oid:)(?:\d{1,3}\.){3}\d{1,3}(?![\w=]|\.\d)")
_EDGE_TIMES = [b"0001-01-01T00:00:00", b"9999-12-31T23:59:59", b"2016-12-31T23:59:60", b"2025-03-30T02:30:00",
               b"1970-01-01T00:00:00"]
_ODD_VALUES = [None, True, -1, 1e308, 10 ** 30, "", "x" * 100_000, [], {}, "\u0000", "\udcff", "9999-12-31T23:59:59Z",
               "0001-01-01T00:00:00Z", "2016-12-31T23:59:60Z", "2025-03-30T02:30:00+14:00", "2025-03-30T02:30:00-12:00",
               253402300800000, -62135596800000, "OAUTHSTATE=x; SameSite=None; Expires=Thu, 01-Jan-69 00:00:00 GMT",
               "JSESSIONID=; Max-Age=-1; Secure; SameSite=Strict\n OAUTHSTATE=; SameSite=None"]


def _mutate_json(value, rng: random.Random, depth: int = 0) -> None:
    """One value somewhere in `value` made odd, a record duplicated, or a list reversed, in place."""
    if isinstance(value, dict) and value:
        key = rng.choice(sorted(value))
        if rng.random() < 0.3 or depth > 6:
            value[key] = rng.choice(_ODD_VALUES)
        else:
            _mutate_json(value[key], rng, depth + 1)
    elif isinstance(value, list) and value:
        i, roll = rng.randrange(len(value)), rng.random()
        if roll < 0.15:
            value.insert(i, value[i])
        elif roll < 0.25:
            value.reverse()
        elif roll < 0.3:
            value[i] = rng.choice(_ODD_VALUES)
        else:
            _mutate_json(value[i], rng, depth + 1)


def _mutate(data: bytes, rng: random.Random) -> bytes:
    if data.lstrip()[:1] in (b"{", b"[") and rng.random() < 0.5:
        try:
            value = json.loads(data)
        except ValueError:
            pass
        else:
            for _ in range(rng.randint(1, 4)):
                _mutate_json(value, rng)
            return json.dumps(value).encode()
    if not data:
        return data
    at, lines = rng.randrange(len(data)), data.split(b"\n")
    edge = rng.choice(_EDGE_TIMES)
    zone = rng.choice([b"+14:00", b"-12:00", b"+23:59"])
    return rng.choice([
        lambda: data[:at],
        lambda: data + data,
        lambda: b"\xef\xbb\xbf" + data,
        lambda: data.decode("utf-8", "replace").encode("utf-16"),
        lambda: data.replace(b"e", b"\xe9", 3),
        lambda: data[:at] + rng.choice([b"\x00", b"\x01", b"\x1b", b"\x7f", b"\r"]) + data[at:],
        lambda: data[:at] + b"A" * 200_000 + data[at:],
        lambda: b"\n".join(rng.sample(lines, len(lines))),
        lambda: b"\n".join(lines[:at % len(lines)] + [lines[at % len(lines)]] * 3 + lines[at % len(lines):]),
        lambda: data.replace(b"\n", b"\r\n"),
        lambda: re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", lambda m: edge if rng.random() < 0.5 else m[0], data),
        lambda: re.sub(rb"(T\d\d:\d\d:\d\d(?:\.\d+)?)Z", rb"\1" + zone, data),
        lambda: (b"[" * 3000 + data + b"]" * 3000) if data.lstrip()[:1] in (b"{", b"[")
        else b"<a>" * 3000 + data + b"</a>" * 3000,
    ])()


def _mutant(seed: int, tmp_path: Path) -> tuple[Path, set[bytes]]:
    """A support case's folder, copied and mutated by `seed`, with the emails and IPv4 addresses its
    evidence held (SOURCES.md aside): --redact must hide them."""
    rng = random.Random(seed)
    case = tmp_path / "case"
    shutil.copytree(rng.choice(CASES), case)
    files = sorted(p for p in case.iterdir() if p.is_file())
    known = {v for p in files if p.name != "SOURCES.md" for v in (*_EMAIL.findall(p.read_bytes()),
                                                                  *_IPV4.findall(p.read_bytes()))}
    for _ in range(rng.randint(1, 3)):
        victim = rng.choice(files)
        victim.write_bytes(_mutate(victim.read_bytes(), rng))
    if rng.random() < 0.3:  # (a second settings file or capture: two candidates, or the same one twice)
        twin = rng.choice(files)
        (case / f"copy-{twin.name}").write_bytes(_mutate(twin.read_bytes(), rng) if rng.random() < 0.5
                                                 else twin.read_bytes())
    return case, {v for v in known if not v.startswith((b"0.", b"127."))}


@pytest.mark.parametrize("seed", range(24))
def test_a_mutated_case_folder_is_scanned_without_internal_error(tmp_path, seed):
    """Every input accounted for (scanned, skipped or failed with a reason; none an internal error),
    and --redact hides every email and address the folder held, in JSON and another format."""
    case, known = _mutant(seed, tmp_path)
    fmt = ["jsonl", "csv", "sarif", "html", "table"][seed % 5]
    result = _scan(case, "json", "--redact")
    assert not _internal_errors(result, "json")
    doc = json.loads(result.stdout)
    summary = doc["summary"]
    walked = sum(1 for p in case.iterdir() if p.is_file())
    assert summary["inputs"] == len(doc["inputs"]) == walked
    assert summary["scanned"] + summary["skipped"] + summary["failed"] == walked
    assert all(i["status"] == "scanned" or i.get("reason") for i in doc["inputs"])
    other = _scan(case, fmt, "--redact")
    assert not _internal_errors(other, fmt)
    for out in (json.dumps(doc, ensure_ascii=False), other.stdout):
        leaked = [v for v in known if v.decode() in out]
        assert not leaked, (fmt, leaked)


# --- growth: n inputs against 4n ------------------------------------------------------------------

def _settings_files(folder: Path, n: int) -> None:
    """n SonarQube settings and n IdP metadata files, each another (the folder's candidates)."""
    shutil.copytree(DATA / "case10", folder)
    props = (folder / "sonar.properties").read_text()
    metadata = (DATA / "case9" / "GoogleIDPMetadata.xml").read_text()
    for i in range(n):
        (folder / f"sonar-{i}.properties").write_text(props.replace("=sonarqube", f"=sonarqube-{i}"))
        (folder / f"idp-{i}.xml").write_text(metadata.replace("idpid=", f"idpid={i}"))


def _admin_events(folder: Path, n: int) -> None:
    """n Keycloak admin events (timeline notes), each by another admin on another client."""
    shutil.copytree(DATA / "case11", folder)
    (event,) = json.loads((folder / "keycloak-admin-events.json").read_text())
    events = []
    for i in range(n):
        e = json.loads(json.dumps(event))
        e.update(id=f"e{i}", time=event["time"] + 1000 * i, resourcePath=f"clients/{i}")
        e["authDetails"]["userId"] = f"admin-{i}"
        events.append(e)
    (folder / "keycloak-admin-events.json").write_text(json.dumps(events))


def _cookies(folder: Path, n: int) -> None:
    """n cookies set (deleted, SameSite=None without Secure) and sent on every exchange."""
    shutil.copytree(DATA / "case12", folder)
    har = json.loads((folder / "safari-sonar.har").read_text())
    for entry in har["log"]["entries"]:
        entry["response"]["headers"] += [{"name": "Set-Cookie", "value": f"c{i}=v; SameSite=None; Path=/; "
                                          f"Expires=Thu, 01 Jan 1970 00:00:{i % 60:02d} GMT"} for i in range(n)]
        entry["request"]["headers"].append({"name": "Cookie", "value": "; ".join(f"c{i}=v" for i in range(n))})
    (folder / "safari-sonar.har").write_text(json.dumps(har))


def _users(folder: Path, n: int) -> None:
    """The case's Auth0 log and SP log, each user's logins repeated for n users (clock offsets by user)."""
    shutil.copytree(DATA / "case12", folder)
    for name in ("auth0-logs.json", "web.log"):
        text = (folder / name).read_text()
        if name.endswith(".json"):
            records = json.loads(text)
            copies = [json.loads(json.dumps(r).replace("@example.com", f"{i}@example.com")
                                 .replace(r["_id"], f"{r['_id']}-{i}")) for i in range(n) for r in records]
            text = json.dumps(copies)
        else:
            text = "".join(text.replace("@example.com", f"{i}@example.com") for i in range(n))
        (folder / name).write_text(text)


@pytest.mark.parametrize("build, n", [(_settings_files, 30), (_admin_events, 600), (_cookies, 150), (_users, 20)],
                         ids=["settings-files", "admin-events", "cookies", "users"])
def test_a_scan_grows_no_worse_than_linearly(tmp_path, build, n):
    seconds = []
    for size in (n, 4 * n):
        build(tmp_path / str(size), size)
        start = time.process_time()  # (this process's CPU: a shared machine's load does not count)
        for fmt in ("json", "html"):
            _scan(tmp_path / str(size), fmt, "--redact")
        seconds.append(time.process_time() - start)
    assert seconds[1] < 8 * seconds[0] + 0.5, seconds  # (quadratic: 16 times)


# --- a sonar.properties saved with classic Mac line ends -------------------------------------------

def test_a_sonar_properties_with_lone_cr_line_ends_is_found_as_settings(tmp_path):
    """java.util.Properties.load ends a line at a lone CR too, and --sonar-settings read such a file,
    but the scan's recogniser sought 'sonar.auth.saml.' at a line start after LF only: the folder's
    settings went unread (skipped as 'no SAML message or known log format'), and `check` of the file
    said it is no SAML message instead of what it is."""
    case = tmp_path / "case10"
    shutil.copytree(DATA / "case10", case)
    props = case / "sonar.properties"
    props.write_bytes(props.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    doc = json.loads(_scan(case).stdout)
    assert any(s.startswith(f"read {props} as the SonarQube settings") for s in folder_said(doc))
    checked = CliRunner().invoke(main, ["check", str(props), "--format", "json"])
    assert "these are SonarQube's SAML settings" in checked.stdout, checked.output[-800:]
