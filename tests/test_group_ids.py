"""group-values-are-ids: a group attribute whose every value is an object ID (Entra's default 'Group ID'
source, a SID) gives SonarQube, which syncs a group only by its name, no group (support case 30). Responses
are built with samlgen and signed for real (the test IdP key)."""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import pytest
from test_external_shapes import FIXTURES, analyze, by_code

import generate as GEN  # noqa: E402  (fixtures/ is on the path: test_external_shapes puts it there)
from samlgen import scenario as S  # noqa: E402
from samlgen.content import entra_attributes, okta_attributes  # noqa: E402
from samlgen.render import render  # noqa: E402
from samlscan.config import build
from samlscan.model import Severity

CODE = "group-values-are-ids"
ENTRA_CFG = build({}, FIXTURES / "config" / "entra.toml")
SONAR = replace(ENTRA_CFG, profile="sonarqube")
GUIDS = ("2c8287a1-5018-4781-983a-8d195bb344a9", "7f1c0b9e-33d4-4c5a-a1b2-0e9d8c7b6a51")


def _entra(groups: tuple[str, ...] | None, link: str | None = None) -> bytes:
    seed = "group-ids-" + "-".join(groups or ("none",))
    a = GEN.assertion(seed, GEN.ENTRA, attributes=entra_attributes(groups=groups, groups_link=link))
    return render(GEN.response(seed, GEN.ENTRA, (a,)), GEN.ENTRA, GEN.IDP)


def _okta(groups: tuple[str, ...]) -> bytes:
    """Okta's layout ('groups' as a plain attribute name): the check is not Entra's alone."""
    attrs = tuple(replace(x, values=groups) if x.name == "groups" else x for x in okta_attributes())
    seed = "group-ids-okta-" + "-".join(groups)
    return render(GEN.response(seed, GEN.OKTA, (GEN.assertion(seed, GEN.OKTA, attributes=attrs),)), GEN.OKTA,
                  GEN.IDP)


def _ids(data: bytes, expect=SONAR) -> list:
    res = analyze(data, expect)
    assert all(s.verified for s in res.message.signatures)  # a real, valid response: only the groups differ
    return by_code(res, CODE)


@pytest.mark.parametrize("groups", [GUIDS, GUIDS[:1], tuple(g.upper() for g in GUIDS),
                                    tuple("{" + g.upper() + "}" for g in GUIDS)],
                         ids=["guids", "one-guid", "uppercase", "braced-uppercase"])
def test_groups_that_are_all_object_ids_are_a_warning_for_sonarqube(groups):
    (f,) = _ids(_entra(groups))
    assert f.severity is Severity.WARNING and f.side is None
    assert "object IDs (GUIDs)" in f.message_text and groups[0] in f.message_text
    assert "SonarQube synchronises a group only when one of its groups has that name" in f.message_text
    assert "sAMAccountName" in f.hint and "Emit group name for cloud-only groups" in f.hint
    assert "name its groups by those object IDs" in f.hint


def test_security_identifiers_are_ids_too():
    """Entra's 'On Premises Group Security Identifier' source, AD FS's group SIDs."""
    (f,) = _ids(_entra(("S-1-5-21-3623811015-3361044348-30300820-1013", "S-1-5-32-544")))
    assert "security identifiers (SIDs)" in f.message_text


@pytest.mark.parametrize("groups", [S.USER_GROUPS, ("sonar-users", GUIDS[0]), ("developers",),
                                    ("2c8287a1-5018-4781-983a",), ("{" + GUIDS[0],), (GUIDS[0] + "}",)],
                         ids=["names", "mixed", "one-name", "guid-prefix", "unclosed-brace", "unopened-brace"])
def test_names_or_a_mix_with_names_are_no_finding(groups):
    """A list with a name in it is an IdP sending names (Entra's cloud-only display names beside IDs)."""
    assert _ids(_entra(groups)) == []


def test_the_overage_claim_is_said_as_overage_alone():
    res = analyze(_entra(None, "https://graph.windows.net/9a8b/users/3f2e/getMemberObjects"), SONAR)
    assert by_code(res, "groups-overage-claim") and not by_code(res, CODE)


def test_no_group_claim_is_no_finding_of_ids():
    res = analyze(_entra(None), SONAR)
    assert by_code(res, "group-attribute-missing") and not by_code(res, CODE)


def test_another_sp_or_sonarqube_without_group_sync_is_told_as_info():
    """An SP that is not known to match groups by name, or SonarQube whose group setting is unset (it reads
    no group): the IDs lose nothing there, so information only."""
    (generic,) = _ids(_entra(GUIDS), replace(ENTRA_CFG, profile="generic"))
    assert generic.severity is Severity.INFO and "an SP that matches groups by name" in generic.message_text
    (unset,) = _ids(_entra(GUIDS), replace(SONAR, group_attribute=None))
    assert unset.severity is Severity.INFO


def test_the_configured_group_attribute_is_judged_whatever_its_name():
    okta = replace(build({}, FIXTURES / "config" / "default.toml"), profile="sonarqube")
    assert okta.group_attribute == "groups"
    (f,) = _ids(_okta(GUIDS), okta)
    assert f.severity is Severity.WARNING and "'groups' names the user's groups" in f.message_text
    assert "Token-Groups - Unqualified Names" in f.hint and "Entra" not in f.hint  # not Entra's screens
    assert _ids(_okta(S.USER_GROUPS), okta) == []


def test_explain_and_codes_know_it_and_sarif_has_its_rule(tmp_path):
    run = [sys.executable, "-m", "samlscan"]
    said = subprocess.run([*run, "explain", CODE], capture_output=True, text=True, check=False)
    assert said.returncode == 0 and "object IDs" in said.stdout and "sAMAccountName" in said.stdout
    codes = subprocess.run([*run, "codes"], capture_output=True, text=True, check=False)
    assert codes.returncode == 0 and CODE in codes.stdout
    msg = tmp_path / "response.xml"
    msg.write_bytes(_entra(GUIDS))
    sarif = subprocess.run([*run, "check", str(msg), "--config", str(FIXTURES / "config" / "entra.toml"),
                            "--format", "sarif"], capture_output=True, text=True, check=False)
    doc = json.loads(sarif.stdout)
    rules = {r["id"] for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert CODE in rules and any(r["ruleId"] == CODE for r in doc["runs"][0]["results"]), sarif.stderr
