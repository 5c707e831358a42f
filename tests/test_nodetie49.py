"""A login tied to the cluster node that sent it (samlscan/correlate/nodetie.py): when a capture's AuthnRequest
reached no server (idp-sso-unreachable) at a URL that is one application node's own sonar.auth.saml.loginUrl
in the System Info (sonar-nodes-disagree), that node's setting is the cause. Evidence: case 31's erin (a HAR
with node 2's redirect to the retired adfs-old.corp.example.com, net::ERR_NAME_NOT_RESOLVED) and its System
Info (fixtures/gen_case31.py); variants of the System Info's node value are written by each test."""
from __future__ import annotations

import json

import pytest
from case_util import ROOT, scan_case

from samlscan.correlate.nodetie import login_url_nodes, url_key

CASE = ROOT / "tests" / "data" / "case31"
HAR = CASE / "erin-chrome.har"
SYSINFO = CASE / "sonarqube-system-info.json"
METADATA = CASE / "FederationMetadata.xml"
OLD = "https://adfs-old.corp.example.com/adfs/ls/"


def _erin(*settings) -> dict:
    """erin's attempt, with SonarQube's settings from `settings` (a System Info file) if given."""
    extra = ("--sonar-settings", str(settings[0]), "--idp-metadata", str(METADATA)) if settings else ()
    doc = scan_case(HAR, "Europe/Paris", *extra)
    (a,) = doc["attempts"]
    return a


def _with_node_value(tmp_path, value: str):
    """The System Info with sonar-app-2's own loginUrl (its Web JVM Properties) set to `value`."""
    doc = json.loads(SYSINFO.read_text())
    (node,) = [n for n in doc["Application Nodes"] if n["Name"] == "sonar-app-2"]
    assert node["Web JVM Properties"]["sonar.auth.saml.loginUrl"] == OLD
    node["Web JVM Properties"]["sonar.auth.saml.loginUrl"] = value
    out = tmp_path / "sonarqube-system-info.json"
    out.write_text(json.dumps(doc))
    return out


def test_the_node_whose_login_url_was_unreached_is_the_cause():
    a = _erin(SYSINFO)
    assert (a["outcome"], a["root_cause"], a["side"]) == ("failure", "sonar-nodes-disagree", "sp"), a
    assert "sonar-app-2" in a["fix"] and "sonar.web.javaAdditionalOpts" in a["fix"] and "sonar-app-1" not in a["fix"]
    (note,) = [n for n in a["notes"] if "erin-chrome.har" in n]
    assert OLD in note and "net::ERR_NAME_NOT_RESOLVED" in note and "https://adfs.example.com/adfs/ls/" in note


def test_without_a_system_info_the_url_is_only_unreached():
    a = _erin()
    assert (a["root_cause"], a["side"]) == ("idp-sso-unreachable", "sp"), a
    assert "sonar-app-2" not in a["fix"]


@pytest.mark.parametrize("value", ["https://ADFS-OLD.corp.example.com/adfs/ls", "https://adfs-old.corp.example.com:443/adfs/ls/"])
def test_a_node_value_written_otherwise_still_ties(tmp_path, value):
    a = _erin(_with_node_value(tmp_path, value))
    assert a["root_cause"] == "sonar-nodes-disagree" and "sonar-app-2" in a["fix"], a


@pytest.mark.parametrize("value", ["https://adfs-old.corp.example.com/adfs/oauth2/",
                                   "https://adfs-new.corp.example.com/adfs/ls/"])
def test_no_node_holding_the_unreached_url_makes_no_tie(tmp_path, value):
    a = _erin(_with_node_value(tmp_path, value))
    assert a["root_cause"] == "idp-sso-unreachable", a


def test_url_keys_and_node_values():
    assert url_key("https://ADFS.example.com/adfs/ls/?SAMLRequest=x") == url_key("https://adfs.example.com:443/adfs/ls")
    assert url_key("https://adfs.example.com/adfs/ls/") != url_key("https://adfs.example.com/ADFS/ls/")
    assert url_key("http://adfs.example.com/adfs/ls/") != url_key("https://adfs.example.com/adfs/ls/")
    assert url_key("https://[x") is None and url_key("") is None and url_key("not a url") is None

    class Expect:
        nodes_apart = (("si.json", "sonar.auth.saml.certificate.secured", (("a", "x"), ("b", "y"))),
                       ("si.json", "sonar.auth.saml.loginUrl", (("a", OLD), ("b", OLD), ("c", ""))))
    (hit,) = login_url_nodes(Expect()).values()
    assert hit[1] == ("a", "b") and hit[2] == OLD
    assert login_url_nodes(None) == {}
