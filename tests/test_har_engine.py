"""End to end: `samlscan check` on the HAR captures judges each response at its capture time,
counts messages and flows right, and a sanitized HAR diagnoses identically."""
from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.inputs import har
from samlscan.sanitize import sanitize_har

FIX = Path(__file__).resolve().parents[1] / "fixtures"
CAPTURES = FIX / "captures"
# file -> (SAML messages decoded, flows)
EXPECTED = {
    "chrome-success.har": (2, 1),
    "chrome-with-secrets.har": (2, 1),
    "firefox-unauthorized.har": (2, 1),
    "multi-flow-retry.har": (4, 2),
    "entra-aadsts50011.har": (1, 1),
    "sanitized-redacted.har": (1, 1),
    "chrome-browser-clock-ahead.har": (2, 1),  # (test_serverclock.py: the clocks)
    "chrome-sp-clock-behind.har": (2, 1),
}


@pytest.fixture(scope="module")
def config(tmp_path_factory) -> str:
    """fixtures/config/default.toml without `at` (paths made absolute), so captures are judged
    at their own capture time."""
    text = (FIX / "config" / "default.toml").read_text()
    assert re.search(r"(?m)^at\s*=", text)
    text = re.sub(r"(?m)^at\s*=.*$", "", text)
    text = text.replace('"../', f'"{FIX.as_posix()}/').replace(
        '"sonar-settings.json"', f'"{(FIX / "config" / "sonar-settings.json").as_posix()}"')
    p = tmp_path_factory.mktemp("cfg") / "noat.toml"
    p.write_text(text)
    return str(p)


def check_json(config: str, *args: str) -> dict:
    res = CliRunner().invoke(main, ["check", "--config", config, "--format", "json", "--fail-on",
                                    "never", "-q", *args])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def key(f: dict) -> tuple:
    """What a finding says, without where it was read or which clock name it cites."""
    return (f["code"], f["severity"], f["expected"], f["actual"])


def findings_by_ref(doc: dict) -> dict:
    out: dict = {}
    for m in doc["messages"]:
        out.setdefault(m["ref"], []).extend(sorted(key(f) for f in m["findings"]))
    for f in doc["input_findings"]:
        out.setdefault(f["ref"], []).append(key(f))
    return {k: sorted(v, key=str) for k, v in out.items()}


def test_captures_exist():
    assert sorted(p.name for p in CAPTURES.glob("*.har")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_message_and_flow_counts(config, name):
    doc = check_json(config, str(CAPTURES / name))
    assert len(doc["messages"]) == EXPECTED[name][0]
    assert doc["inputs"][0]["kind"] == "har"
    res = CliRunner().invoke(main, ["flows", "--format", "json", str(CAPTURES / name)])
    assert res.exit_code == 0, res.output
    assert len(json.loads(res.stdout)["inputs"][0]["flows"]) == EXPECTED[name][1]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_response_judged_at_its_capture_time(config, name, tmp_path):
    doc = check_json(config, str(CAPTURES / name))
    raws = {m.source.ref: m for m in har.read(str(CAPTURES / name)).messages}
    responses = [m for m in doc["messages"] if m["type"] == "Response"]
    for m in responses:
        assert m["evaluation_time_source"] == "capture"
        raw = raws[m["ref"]]
        alone = tmp_path / "alone.b64"
        alone.write_text(raw.value)
        at = raw.captured_at.isoformat().replace("+00:00", "Z")
        (single,) = check_json(config, "--at", at, str(alone))["messages"]
        assert sorted(map(key, m["findings"])) == sorted(map(key, single["findings"]))


def test_capture_time_changes_the_verdict(config, tmp_path):
    """The retry capture's first response carries a stale IdP session: expired at capture time,
    and judged an hour earlier it is not (so the comparison above can fail)."""
    doc = check_json(config, str(CAPTURES / "multi-flow-retry.har"))
    codes = [[f["code"] for f in m["findings"]] for m in doc["messages"] if m["type"] == "Response"]
    assert "session-expired" in codes[0] and "session-expired" not in codes[1]
    raw = [m for m in har.read(str(CAPTURES / "multi-flow-retry.har")).messages
           if m.param == "SAMLResponse"][0]
    (tmp_path / "r.b64").write_text(raw.value)
    early = (raw.captured_at - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    (single,) = check_json(config, "--at", early, str(tmp_path / "r.b64"))["messages"]
    assert "session-expired" not in [f["code"] for f in single["findings"]]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sanitized_har_diagnoses_identically(config, name, tmp_path):
    out = tmp_path / name
    sanitize_har(str(CAPTURES / name), str(out), redact=False)
    before = findings_by_ref(check_json(config, str(CAPTURES / name)))
    after = findings_by_ref(check_json(config, str(out)))
    assert before == after and before


def test_redacted_har_differs_only_where_expected(config, tmp_path):
    """--redact changes the signed XML: the signature no longer verifies (documented)."""
    out = tmp_path / "r.har"
    lines = sanitize_har(str(CAPTURES / "chrome-success.har"), str(out), redact=True)
    assert any("no longer verify" in line for line in lines)
    codes = {c for fs in findings_by_ref(check_json(config, str(out))).values() for c, *_ in fs}
    assert "signature-invalid" in codes
    assert "dev.user1@example.com" not in out.read_text()
