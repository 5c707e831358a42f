"""A WS-Federation sign-in explains java-saml's 'SAML Response not found, Only supported HTTP_POST Binding'
(samlscan/correlate/causes.py _EXPLAINED_BY): java-saml logs it of any POST to the ACS without a
SAMLResponse, which the catalog puts down to a wrong binding (idp-configuration-error); a capture of the
same POST showing wa=wsignin1.0 and wresult names the real cause (case 31's bob, tests/data/case31)."""
from __future__ import annotations

import shutil

from case_util import ROOT, scan_case

CASE = ROOT / "tests" / "data" / "case31"
LOG, CAPTURE = "web-sonar-app-2.log", "bob-netexport.json"


def _failures(folder) -> list[dict]:
    return [a for a in scan_case(folder, "Europe/Paris")["attempts"] if a["outcome"] == "failure"]


def test_the_captured_wsfed_sign_in_is_the_cause_of_the_logged_refusal(tmp_path):
    for name in (LOG, CAPTURE):
        shutil.copy(CASE / name, tmp_path / name)
    (got,) = _failures(tmp_path)
    assert (got["root_cause"], got["side"]) == ("wsfed-unsupported", "idp"), got
    assert "WS-Federation Passive Endpoint" in got["fix"]
    assert any(n.startswith("the SP log says idp-configuration-error") for n in got["notes"]), got["notes"]


def test_the_log_alone_keeps_its_catalogs_cause(tmp_path):
    """Without the capture nothing tells a WS-Federation sign-in from a wrong binding: the catalog's word."""
    shutil.copy(CASE / LOG, tmp_path / LOG)
    (got,) = _failures(tmp_path)
    assert got["root_cause"] == "idp-configuration-error" and "HTTP-POST binding" in got["fix"], got
