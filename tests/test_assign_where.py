"""A user not assigned to the app: the fix says where in the attempt's IdP to assign them."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from test_errorpages import ENTRA_PAGE, OKTA_PAGE


@pytest.mark.parametrize("page,where", [
    (ENTRA_PAGE, "Entra ID: Microsoft Entra admin center > Enterprise applications > the app > Users and groups"),
    # (Okta's own catalog fix names its screen: IDP_WHERE's clause is not added to say it twice)
    (OKTA_PAGE, "Okta (Applications > the app > Assignments)"),
])
def test_the_fix_names_the_idps_assignment_screen(tmp_path, page, where):
    path = tmp_path / "page.txt"
    path.write_text(page, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path), "--format", "json"])
    (attempt,) = json.loads(result.stdout)["attempts"]
    assert attempt["root_cause"] == "user-not-assigned"
    assert attempt["fix"].startswith("Assign the user") and where in attempt["fix"]
    assert attempt["fix"].count("> the app >") == 1  # the screen said once
    other = "Okta:" if "Entra" in where else "Entra ID:"
    assert other not in attempt["fix"]  # only the attempt's own IdP's clause
