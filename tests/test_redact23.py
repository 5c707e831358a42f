"""--redact, a systematic audit: every input under fixtures/ and tests/data/ (git ls-files) that
names someone is reported in all six formats with --redact, and no personal value it holds may
show in clear. The values are found independently of the redactor: emails and IP addresses by
their shape in the input's own text, users after a key that names one (JSON members and key=value
pairs of every log format), and the NameIDs, attribute values, users and addresses the unredacted
report read. What the audit found in clear and judged not personal is KEPT below, with why.
Also: one value gets one mask in every format, masking keeps each format's syntax, and SARIF's
fingerprints carry no personal value."""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import ipaddress
import json
import re
import subprocess
import zipfile
from contextlib import contextmanager
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

import pytest

from samlscan import cli
from samlscan.batch import run_scan
from samlscan.config import build
from samlscan import report as report_pkg
from samlscan.report import render
from samlscan.report import redact as redact_module

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "fixtures" / "config" / "default.toml"
FORMATS = ("table", "json", "jsonl", "csv", "sarif", "html")
# sources, keys, certificates and settings: no evidence of a login
NOT_EVIDENCE = {".py", ".md", ".key", ".crt", ".pem", ".toml", ".properties", ".js", ".mjs", ".java", ".cert"}
STRIDE = 12
"""Every input of a log reader (fixtures/logs, and the folders of IdP logs, error pages, consoles)
is audited; of the rest (SAML messages and HARs: the same shapes again and again) every STRIDE-th,
to keep the file near a minute (a full walk, as the audit was run: STRIDE = 1)."""
READERS = ("fixtures/logs/", "tests/data/redact23/", "tests/data/pingfederate/", "tests/data/idplogs",
           "tests/data/errorpages/", "tests/data/console20/", "tests/data/monolog20/", "tests/data/sqaccess/")

# Found in clear by the audit and judged not personal (each occurrence was read):
KEPT_WHY = (
    (("null",), "Keycloak's placeholder for no user (userId=\"null\")"),
    (("SonarQube", "Slack", "Wiki", "Ops", "Portal", "Billing", "Jira Software", "Jira"),
     "app labels of Okta's and PingFederate's logs (target displayName): applications, which --app takes"),
    (("admin", "Admin", "user", "users", "member", "unknown"),
     "role and outcome words (eduPersonAffiliation, groups) also in the report's own text: 'Entra admin center', column 'user'"),
    (("true", "false"), "JSON literals read as a boolean attribute's value"),
    (("None",), "an attribute value 'None' (samltest.id's), a word of the report's own text: SARIF's rule help "
                "says 'SameSite=None cookies'"),
    (("value",), "ruby-saml's test responses' placeholder attribute value, a word of the report's own text "
                 "('The value is not valid base64.')"),
    (("SAML",), "prose of a corpus's verdict notes read as a NameID ('NameID: SAML core 3.7.1's schema', "
                "tests/data/corpus22/verdicts.json), a word of the report's own text ('no SAML message found')"),
    (("java-saml's",), "prose of a corpus's verdict notes read as a NameID ('the NameID: java-saml's "
                       "Auth.processResponse', tests/data/corpus17/verdicts.json), words of the report's own text "
                       "(wsfed-unsupported's help in SARIF's rules: java-saml's 'SAML Response not found')"),
    (("sonarqube",), "the service account a SonarQube System Info names ('Username': 'sonarqube', its JDBC user), "
                     "a word of the report's own text (wsfed-unsupported's help in SARIF's rules: "
                     "'https://<sonarqube>/oauth2/callback/saml'); reached once fixtures/mail51 moved the sample"),
)
KEPT = {v for values, _ in KEPT_WHY for v in values}
# the tenant of an Entra or test IdP: a segment of the IdP's entity ID, configuration (redact.entity_parts)
_TENANT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|aaaabbbb-0000-cccc-1111-dddd2222eeee")

# from a run's start only (the leftmost match starts there anyway): tried at every position of a long
# run without an '@' (loki34's 4 MB logcli record), it took time quadratic in the run's length
_EMAIL = re.compile(r"(?<![A-Za-z0-9._+\-])[A-Za-z0-9._+\-]+(?:@|%40)[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_IPV4 = re.compile(r"(?<![\w.:])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{1,4}(?![\w:])")
_KEYS = (r"(?:user(?:_?name|_?id|_?principal_?name)?|login(?:_?name)?|e?mail(?:_?address)?|upn|alternate_?id|"
         r"display_?name|name_?id|principal|client_?ip|ip_?address|ip|remote_?addr|source_?ip|first_?name|"
         r"last_?name|given_?name|family_?name|surname)")
_JSON_KEYED = re.compile(r'(?i)"' + _KEYS + r'"\s*:\s*"([^"\\]{3,80})"')
_KEYED = re.compile(r"(?i)(?<![\w.-])" + _KEYS + r"\s*[=:]\s*\"?([^\s\",;&\]\[)(]{3,80})")
# a spec's section ('SAML bindings 3.4.4.1') or a browser's version ('Chrome/133.0.0.0'): no address
_NOT_AN_ADDRESS = re.compile(r"(?i)(?:bindings|profiles|core|metadata|section|/)\s*$")


def _inputs() -> list[str]:
    files = subprocess.run(["git", "ls-files", "-z", "fixtures", "tests/data"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split("\0")[:-1]  # (a name may hold spaces)
    evidence = [f for f in files if Path(f).suffix not in NOT_EVIDENCE]
    readers = [f for f in evidence if f.startswith(READERS)]
    return readers + [f for f in evidence if not f.startswith(READERS)][::STRIDE]


def _raw(path: Path) -> str:
    data = path.read_bytes()
    try:
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        elif path.suffix in (".zip", ".saz", ".zhar"):
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                data = b"\n".join(z.read(n) for n in z.namelist())
    except (OSError, zipfile.BadZipFile, EOFError):
        pass
    return data.decode("utf-8", "replace")


def _ip(value: str) -> bool:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    return address.version == 4 or "::" in value or bool(re.search("[a-fA-F]", value))


def personal(path: Path, doc: dict) -> set[str]:
    """The personal values of one input: by shape and key in its text, and as its report read them."""
    text = _raw(path)
    out = {m.group(1) for rx in (_JSON_KEYED, _KEYED) for m in rx.finditer(text)}
    out |= {m.group(0) for m in _EMAIL.finditer(text)}
    out |= {m.group(0) for rx in (_IPV4, _IPV6) for m in rx.finditer(text)
            if _ip(m.group(0)) and not _NOT_AN_ADDRESS.search(text[max(0, m.start() - 20):m.start()])
            and not (text[m.start() - 1:m.start()] == "(" and text[m.end():m.end() + 2] == ": ")}  # '(4.1.4.2: 
    out -= {v for v in out if _KEYED.fullmatch(v)}  # 'user=x' read as its own value
    for a in doc["attempts"]:
        out |= {a[k] for k in ("user", "ip") if a.get(k)}
    for m in doc["messages"]:
        for a in m.get("assertions") or []:
            out |= {a["name_id"]} if a.get("name_id") else set()
            out |= {v for attr in a.get("attributes") or [] for v in attr["values"]}
    # (a value of no letter or digit is a sanitizer's mask, '...': nobody's)
    return {v for v in out if len(v.strip()) >= 3 and v not in KEPT and not _TENANT.fullmatch(v)
            and any(c.isalnum() for c in v)
            and not _TENANT.search(v.rsplit("/", 2)[-2] if v.count("/") >= 2 else "")}


def _in_clear(value: str, text: str) -> re.Match | None:
    """`value` as a whole word of `text` (not a part of a longer word, address or URL)."""
    return re.search(r"(?<![\w@.%-])" + re.escape(value) + r"(?![\w@%-]|\.\w)", text)


@lru_cache(maxsize=None)
def _report(rel: str):
    expect = build(*cli._flags({"config_path": str(CONFIG)}, [(ROOT / rel).parent]))
    return cli._correlated(run_scan([str(ROOT / rel)], expect, jobs=1), expect)


@contextmanager
def _one_redactor(report):
    """Within: render(report, fmt, redact=True) masks with one Redactor for every format, built once.
    A Redactor is built from the report alone and never changes after (redact.Redactor), so each
    format prints what it prints alone; built per format, it cost loki34's 4 MB record (36,000
    values) about 10 s of CPU each time."""
    real = report_pkg.redactor
    red = real(report)
    report_pkg.redactor = lambda r: red if r is report else real(r)
    try:
        yield
    finally:
        report_pkg.redactor = real


def leaks(rel: str) -> list[str]:
    """Every personal value of `rel` that one of the six redacted formats shows in clear."""
    report = _report(rel)
    values = personal(ROOT / rel, json.loads(render(report, "json")))
    found = []
    with _one_redactor(report):
        outs = {fmt: render(report, fmt, redact=True) for fmt in FORMATS}
    for fmt, out in outs.items():
        for v in sorted(values):
            m = _in_clear(v, out) if v in out else None  # (a substring test first: most values are masked)
            if m:
                found.append(f"{rel} --format {fmt}: {v!r} in clear: ...{out[max(0, m.start() - 50):m.end() + 30]!r}")
    return found


INPUTS = _inputs()


def test_the_audit_walks_every_reader():
    """The walk reaches each reader's inputs (not just SAML messages), and the selection is not empty."""
    kinds = {Path(f).suffix for f in INPUTS}
    assert {".har", ".log", ".json", ".csv", ".xml", ".b64", ".txt"} <= kinds
    assert len(INPUTS) > 100


@pytest.mark.parametrize("chunk", range(8))
def test_no_personal_value_shows_in_clear_in_any_format(chunk):
    found = [x for rel in INPUTS[chunk::8] for x in leaks(rel)]
    assert not found, "\n".join(found[:20])


def test_a_planted_leak_is_reported(monkeypatch):
    """The audit can fail: with emails no longer masked by their shape and the report's values
    forgotten, the okta scenario's users show in clear and the audit names them."""
    rel = "fixtures/scenarios/okta-spring/okta-system-log.jsonl"
    assert not leaks(rel)
    _report.cache_clear()
    monkeypatch.setattr(redact_module, "sub_emails", lambda text, repl, *a: text)
    monkeypatch.setattr(redact_module, "personal_values", lambda report: set())
    found = leaks(rel)
    _report.cache_clear()
    assert found and all("in clear" in x for x in found)
    assert {fmt for fmt in FORMATS if any(f"--format {fmt}:" in x for x in found)} == set(FORMATS)


# --- one value, one mask; the syntax of every format ---------------------------------------------

SUBSET = ("fixtures/scenarios/okta-spring/okta-system-log.jsonl", "fixtures/scenarios/okta-spring/chrome-morning.har",
          "fixtures/logs/keycloak/keycloak-quarkus.log", "fixtures/logs/entra/InteractiveSignIns_2025-03-11_2025-03-12.csv",
          "fixtures/logs/authentik/events.json", "fixtures/responses/valid/adfs.xml", "tests/data/pingfederate/audit-pf11.log",
          "tests/data/redact23/pingfederate-cef.log")


def _masks_of(values) -> dict[str, str]:
    return {v: hashlib.sha256(v.encode()).hexdigest()[:10] for v in values}


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.bad = [], []

    def handle_starttag(self, tag, attrs):
        if tag not in ("meta", "br", "link", "input", "img", "hr", "wbr"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.bad.append(tag)


def _syntax_ok(fmt: str, out: str) -> None:
    if fmt in ("json", "sarif"):
        json.loads(out)
    elif fmt == "jsonl":
        for line in filter(str.strip, out.splitlines()):
            json.loads(line)
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(out)))
        assert rows and {len(r) for r in rows} == {len(rows[0])}
    elif fmt == "html":
        tags = _Tags()
        tags.feed(out)
        assert not tags.bad and not tags.stack, (tags.bad, tags.stack)
        assert "<pii:" not in out and "<email:" not in out and "<ip:" not in out  # masks are escaped


@pytest.mark.parametrize("rel", SUBSET)
def test_one_value_one_mask_in_every_format_and_the_syntax_holds(rel):
    report = _report(rel)
    values = personal(ROOT / rel, json.loads(render(report, "json")))
    assert values, rel
    masks = _masks_of(values)
    for fmt in FORMATS:
        clear, out = render(report, fmt), render(report, fmt, redact=True)
        _syntax_ok(fmt, out)
        for v, digest in masks.items():
            if _in_clear(v, clear) and not _in_clear(v, out):
                # shown unredacted, the value is a mask redacted: the same one in every format
                assert digest in out or _EMAIL.search(v), f"{rel} {fmt}: {v!r} is not masked as <...:{digest}>"


def test_one_user_keeps_one_mask_across_the_inputs_of_a_scan():
    """The okta log and the HAR of one scenario name the same user: one scan masks them alike, as
    each input's own report does."""
    rels = ("fixtures/scenarios/okta-spring/okta-system-log.jsonl", "fixtures/scenarios/okta-spring/chrome-morning.har")
    expect = build(*cli._flags({"config_path": str(CONFIG)}, []))
    both = cli._correlated(run_scan([str(ROOT / r) for r in rels], expect, jobs=1), expect)
    pairs = [(render(x, "json"), render(x, "json", redact=True)) for x in (both, *map(_report, rels))]
    shared = set.intersection(*(personal(ROOT / r, json.loads(render(_report(r), "json"))) for r in rels))
    assert shared
    for v, digest in _masks_of(shared).items():
        assert all(digest in red for clear, red in pairs if _in_clear(v, clear)), v


@pytest.mark.parametrize("rel", SUBSET[:6])
def test_sarif_fingerprints_carry_no_personal_value(rel):
    report = _report(rel)
    values = personal(ROOT / rel, json.loads(render(report, "json")))
    sarif = json.loads(render(report, "sarif", redact=True))
    prints = [p for r in sarif["runs"][0]["results"] for p in (r.get("partialFingerprints") or {}).values()]
    assert all(re.fullmatch("[0-9a-f]{64}", p) for p in prints)
    assert not [v for v in values for p in prints if v in p]


# --- the other commands that take --redact --------------------------------------------------------

HARS = ("fixtures/scenarios/okta-spring/chrome-morning.har", "tests/data/case18/chrome-sonar.har")
"""(unredacted, decode shows the first's users, flows the second's email: each run can fail)"""


@pytest.mark.parametrize("rel", HARS)
def test_decode_flows_and_sanitize_show_no_personal_value(rel, tmp_path):
    from click.testing import CliRunner

    values = personal(ROOT / rel, json.loads(render(_report(rel), "json")))
    assert values
    runs = {"decode": ["decode", rel, "--redact"], "flows table": ["flows", rel, "--redact"],
            "flows json": ["flows", rel, "--redact", "--format", "json"],
            "sanitize": ["sanitize", rel, "--redact", "-o", str(tmp_path / "out.har")]}
    for what, args in runs.items():
        r = CliRunner().invoke(cli.main, [a if a != rel else str(ROOT / rel) for a in args], catch_exceptions=False)
        assert r.exit_code == 0, r.output
        out = (tmp_path / "out.har").read_text() if what == "sanitize" else r.stdout
        if what == "flows json":
            json.loads(out)
        shown = [v for v in values if _in_clear(v, out)]
        assert not shown, f"{rel} {what}: {shown}"
