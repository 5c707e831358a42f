"""review28: `samlscan scan` of a messy support bundle (tests/data/bundle28, fixtures/gen_bundle28.py),
read as a support engineer reads it: every input accounted for, the same file counted once, the
skipped files named under their reason, the attempts of case25 in order with their causes.

Fixed here (each test below failed on the old code):
- the same HAR attached twice under two names was read twice (its messages and findings counted
  twice); now the later copy of a capture is skipped, naming the first (walkpaths.same_bytes);
- beyond 10 skipped inputs none was named, and the names never said which reason was whose: they
  are named under their reason (report/table.skipped_names);
- a known log with no SAML line (SonarQube's ce.log) was 'no ... known log format in it': its
  reader's words stay ('read as sonarqube log lines, but none of them is about a SAML login');
- findings by code counted copies of one response (a HAR, the mail it was pasted into, the SP's
  log) as that many: the count says how many distinct messages.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from samlscan.walkpaths import same_bytes, walk

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "tests" / "data" / "bundle28" / "ticket-4711"
TRUTH = ROOT / "tests" / "data" / "case25" / "truth.json"
FORMATS = ("table", "json", "jsonl", "csv", "sarif", "html")


def _scan(folder: Path, *args: str, prefix=(), cwd=None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="200")
    return subprocess.run([*prefix, sys.executable, "-m", "samlscan", "scan", str(folder), *args],
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """The committed bundle, copied with its links (git keeps them; a checkout without them: made)."""
    out = tmp_path_factory.mktemp("b28") / "ticket-4711"
    shutil.copytree(BUNDLE, out, symlinks=True)
    sys.path.insert(0, str(ROOT / "fixtures"))
    import gen_bundle28

    gen_bundle28.make_links(out)
    return out


@pytest.fixture(scope="module")
def report(bundle) -> dict:
    r = _scan(bundle, "--format", "json", "--jobs", "1")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    return json.loads(r.stdout)


def test_the_generator_writes_the_committed_bundle():
    r = subprocess.run([sys.executable, str(ROOT / "fixtures" / "gen_bundle28.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_every_input_is_accounted_for_and_the_counts_reconcile(bundle, report):
    s = report["summary"]
    inputs = report["inputs"]
    assert s["inputs"] == len(inputs) == s["scanned"] + s["skipped"] + s["failed"]
    paths = [i["path"] for i in inputs]
    assert len(paths) == len(set(paths))
    on_disk = {str(bundle / e) for e in os.listdir(bundle)}
    assert on_disk <= set(paths)  # every entry of the folder, links included
    for member in ("attachments.zip!chrome-erin-friday.har", "duo-logs.tar.gz!duo/duo-authentication-log.json"):
        assert str(bundle / member) in paths
    assert not any("upgrade-notes.docx!" in p for p in paths)  # one input (inputs28), not its parts
    for i in inputs:
        if i["status"] == "skipped":
            assert i["reason"], i
    failed = {i["path"] for i in inputs if i["status"] == "failed"}
    assert failed <= {f["input"] for f in report["input_findings"]}


def test_the_same_har_attached_twice_is_read_once(report):
    by_path = {Path(i["path"]).name: i for i in report["inputs"]}
    first, copy = by_path["HAR_erin_monday(1).har"], by_path["chrome-erin-monday.har"]
    assert first["status"] == "scanned" and first["messages"] == 4
    assert copy["status"] == "skipped" and "a copy of" in copy["reason"] and first["path"] in copy["reason"]
    assert report["summary"]["messages"] == 10  # 14 when the copy was read too
    erin = next(a for a in report["attempts"] if a["time"].startswith("2026-11-30T07:50"))
    assert first["path"] in {e["input"] for e in erin["evidence"]}
    assert not any(e["input"] == copy["path"] for a in report["attempts"] for e in a["evidence"])


def test_same_bytes_reads_each_content_once_and_names_the_first(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for p, data in (("a/x.har", b"{1}"), ("b/y.har", b"{1}"), ("b/z.har", b"{2}"), ("a/w.log", b"{1}\n")):
        (tmp_path / p).write_bytes(data)
    files, _ = walk([str(tmp_path)])
    kept, copies = same_bytes(files)
    assert sorted(os.path.relpath(f, tmp_path) for f in kept) == ["a/w.log", "a/x.har", "b/z.har"]
    assert [(c.input.path, c.input.status) for c in copies] == [(str(tmp_path / "b/y.har"), "skipped")]
    assert str(tmp_path / "a/x.har") in copies[0].input.reason
    assert same_bytes([str(tmp_path / "a/x.har")] * 2)[0] == [str(tmp_path / "a/x.har")] * 2  # one file, named twice
    assert same_bytes(files, only=lambda path: not path.endswith("y.har"))[1] == []


def test_only_a_capture_copied_is_read_once(tmp_path):
    """Two copies of a HAR are one session; two copies of a log or a pasted response stay two
    inputs (tests/test_zones.py reads one log in two zones, test_case17 two pasted pages alike)."""
    har = BUNDLE / "chrome-erin-monday.har"
    log = BUNDLE / "web.log"
    for name, src in (("a.har", har), ("b.har", har), ("a.log", log), ("b.log", log)):
        (tmp_path / name).write_bytes(src.read_bytes())
    doc = json.loads(_scan(tmp_path, "--format", "json", "--fail-on", "never").stdout)
    status = {Path(i["path"]).name: i["status"] for i in doc["inputs"]}
    assert status == {"a.har": "scanned", "b.har": "skipped", "a.log": "scanned", "b.log": "scanned"}


def test_the_skipped_inputs_are_named_under_their_reason(bundle):
    out = _scan(bundle, "-q").stdout
    part = out.split("== skipped", 1)[1].split("\n\n", 1)[0]
    lines = part.splitlines()
    assert "   empty file:" in lines
    empty = lines.index("   empty file:")
    assert lines[empty + 1] == f"      {bundle}/notes.txt"  # (the empty HAR has a finding: inputs28)
    for name in ("login-error.png", "ce.log", "again", "chrome-erin-monday.har", "sonar.properties"):
        assert f"      {bundle}/{name}" in lines  # 11 skipped: the old table named none past 10


def test_skipped_names_past_the_limit_say_how_many_more(tmp_path):
    for n in range(13):
        (tmp_path / f"readme{n:02d}.txt").write_text(f"nothing {n} here\n")
    out = _scan(tmp_path, "-q").stdout
    part = out.split("== skipped", 1)[1]
    assert f"   {tmp_path}/readme09.txt" in part and f"{tmp_path}/readme10.txt" not in part
    assert "(+3 more: --format json lists each input)" in part


def test_a_known_log_without_saml_keeps_its_readers_words(report):
    ce = next(i for i in report["inputs"] if i["path"].endswith("/ce.log"))
    assert ce["status"] == "skipped" and ce["kind"] == "log:sonarqube"
    assert ce["reason"] == "read as sonarqube log lines, but none of them is about a SAML login"


def test_the_links_are_accounted_for(report):
    by_name = {Path(i["path"]).name: i for i in report["inputs"]}
    assert by_name["again"]["status"] == "skipped" and "symbolic link loop" in by_name["again"]["reason"]
    assert by_name["self.log"]["status"] == "failed"  # (tests/test_batch.py's hostile tree: a failure)
    assert any(f["code"] == "input-unreadable" and f["input"].endswith("/self.log") for f in report["input_findings"])


def test_findings_by_code_say_how_many_distinct_messages(bundle):
    out = _scan(bundle, "-q").stdout
    head = out.split("== findings by code", 1)[1].split("== inputs", 1)[0]  # (the failed logins come first)
    row = next(line for line in head.splitlines() if "response-signature-required" in line)
    assert " 6 " in row and "(3 distinct)" in head  # erin's Friday and Monday responses, frank's Friday one


def test_an_unreadable_file_fails_with_a_finding(bundle, tmp_path):
    copy = tmp_path / "t"
    shutil.copytree(bundle, copy, symlinks=True)
    (copy / "ce.log").chmod(0)
    prefix = ()
    if os.geteuid() == 0:  # root reads any file: run without the capabilities that let it
        if not shutil.which("setpriv"):
            pytest.skip("root, and no setpriv to drop CAP_DAC_OVERRIDE")
        prefix = ("setpriv", "--bounding-set=-dac_override,-dac_read_search")
    r = _scan(copy, "--format", "json", prefix=prefix)
    doc = json.loads(r.stdout)
    ce = next(i for i in doc["inputs"] if i["path"].endswith("/ce.log"))
    assert ce["status"] == "failed"
    assert any(f["code"] == "input-unreadable" and f["input"] == ce["path"] and "Permission denied" in f["message_text"]
               for f in doc["input_findings"])
    s = doc["summary"]
    assert s["inputs"] == s["scanned"] + s["skipped"] + s["failed"]


def test_the_attempts_are_case25s_in_order_with_their_causes(report):
    truth = json.loads(TRUTH.read_text())["attempts"]
    got = report["attempts"]
    assert [a["time"] for a in got] == sorted(a["time"] for a in got)
    assert [(a["time"][:16], a["root_cause"]) for a in got] == [(t["time"][:16], t["root_cause"]) for t in truth]


def test_each_attempt_names_the_truths_user(report):
    """The 09:01:30 replay's lines name no user ([login|]): its client's login at 09:00:22 (hugo,
    Duo and SonarQube) names him (replayuser28: None on the old code, 'failures by user: unknown 1')."""
    truth = json.loads(TRUTH.read_text())["attempts"]
    assert [a["user"] for a in report["attempts"]] == [t["user"] for t in truth]
    hugo = next(a for a in report["attempts"] if a["time"].startswith("2026-11-30T09:01"))
    assert any(n.startswith("user from the same client's login at 09:00:2") for n in hugo["notes"])


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_with_one_or_two_jobs_says_the_same(bundle, fmt):
    one = _scan(bundle, "--format", fmt, "--jobs", "1", cwd=bundle.parent)
    two = _scan(bundle, "--format", fmt, "--jobs", "2", cwd=bundle.parent)
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout and one.stderr == two.stderr
    *notes, summary = one.stderr.splitlines()  # (notes first: web.log's times read as UTC)
    assert "Traceback" not in one.stderr and all(n.startswith("samlscan: note: ") for n in notes)
    # (inputs28: the .docx one skipped input, not a zip and its two members; the empty HAR failed)
    assert "21 input(s): 10 scanned, 9 skipped, 2 failed; 10 message(s)" in summary
    assert "9 attempt(s)" in summary


@pytest.mark.parametrize("fmt", FORMATS)
def test_redact_masks_the_users_in_every_format(bundle, fmt):
    r = _scan(bundle, "--format", fmt, "--redact")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    for user in ("erin@", "greta@", "carl@", "frank@", "hugo@", "203.0.113."):
        assert user not in r.stdout, (fmt, user)


def test_with_a_terminal_the_bar_counts_the_files_read_and_the_summary_ends_it(bundle):
    import pty

    master, slave = pty.openpty()
    env = dict(os.environ, PYTHONPATH=str(ROOT), TERM="xterm")
    proc = subprocess.run([sys.executable, "-m", "samlscan", "scan", str(bundle), "--jobs", "2", "-o", os.devnull],
                          stderr=slave, stdout=subprocess.DEVNULL, env=env, timeout=300)
    os.close(slave)
    said = b""
    try:
        while chunk := os.read(master, 65536):
            said += chunk
    except OSError:  # (Linux: EIO once the writer is gone)
        pass
    os.close(master)
    text = said.decode()
    assert proc.returncode == 1
    lines = [ln.lstrip("\x1b[K") for ln in text.replace("\r", "\n").strip().splitlines() if ln]
    start = max(i for i, ln in enumerate(lines) if ln.startswith("samlscan: "))
    assert lines[start].startswith("samlscan: 21 input(s): 10 scanned, 9 skipped, 2 failed")
    assert all(ln.startswith(" " * len("samlscan: ")) for ln in lines[start + 1:])  # (wrapped to the terminal)
