"""review25: today's evidence (JumpCloud, Duo, CloudTrail, IIS, ingress-nginx, pac4j/Jenkins,
mod_auth_mellon, Microsoft.IdentityModel, samlify, saml2-js, Dex, clocks24, metadata23) scanned
with every --format and --redact. What was wrong:

- an SP library's own fix, which names its own setting, ended with the words of an SP samlscan
  does not know: mellon's audience fix '... the entityID of MellonSPMetadataFile (or set that
  entityID to what the IdP sends) (the SP's entity ID).', Jenkins' '... (the SP's IdP signing
  certificate setting).', and so for Microsoft.IdentityModel, samlify, saml2-js and Dex: these
  SPs' settings are now named in their own words (config.OTHER_SP_SETTING_NAMES), so a fix that
  names one is left as it is and one that does not names the product's;
- IdentityModel's certificate fix read 'IssuerSigningKey (s)' in an attempt (an aside's
  parentheses are rewritten for another SP): the catalog says 'IssuerSigningKey or
  IssuerSigningKeys'.
- `samlscan explain` said a product's id twice when its text starts with it ('identitymodel
  IDX10214: IDX10214: Audience ...', 'duo user_mistake: user_mistake'; 126 entries).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.catalog import entries
from samlscan.cli import main
from samlscan.config.names import GENERIC_SETTING_NAMES, OTHER_SP_SETTING_NAMES
from samlscan.correlate.attempts import _CAUSE_SETTING, _other_sp_fix

ROOT = Path(__file__).resolve().parents[1]
SPLIBS = ROOT / "tests" / "data" / "splibs23"
TODAYS_SPS = ("mellon", "pac4j", "identitymodel", "samlify", "saml2-js", "dex")
_GENERIC_ENDS = tuple(f"({words})." for words in GENERIC_SETTING_NAMES.values())


def _attempts(path: Path) -> list[dict]:
    r = CliRunner().invoke(main, ["scan", "-q", "-j", "1", "--fail-on", "never", "--format", "json", str(path)])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)["attempts"]


@pytest.mark.parametrize("name, cause", [
    ("apache_error.log", "audience-mismatch"),  # mellon
    ("jenkins.log", "audience-mismatch"),  # pac4j
    ("aspnet_wsfed.log", "audience-mismatch"),  # Microsoft.IdentityModel
])
def test_a_librarys_own_fix_is_not_followed_by_an_unknown_sps_words(name, cause):
    (a,) = [a for a in _attempts(SPLIBS / name) if a["root_cause"] == cause]
    assert a["fix"] and not a["fix"].endswith(_GENERIC_ENDS), a["fix"]


def _entries_of(product: str):
    return [e for e in entries() if e.product == product and e.code in _CAUSE_SETTING and e.fix]


@pytest.mark.parametrize("product", TODAYS_SPS)
def test_each_fix_of_todays_sps_names_their_own_setting(product):
    assert product in OTHER_SP_SETTING_NAMES
    label, names = OTHER_SP_SETTING_NAMES[product]
    for e in _entries_of(product):
        fixed = _other_sp_fix(e.fix, e.code, product)
        assert not fixed.endswith(_GENERIC_ENDS), (e.code, fixed)
        # the catalog's own words are kept whole (no setting named twice, no aside rewritten)
        assert fixed == e.fix, (e.code, fixed)
    # a fix naming no setting of theirs (a check's hint) is told the product's own
    fixed = _other_sp_fix("Make the IdP's Audience equal the SP entity ID.", "audience-mismatch", product)
    if "sp_entity_id" in names:
        assert fixed.endswith(f"({label}: {names['sp_entity_id']}).")


def test_every_such_product_has_entries_to_name():
    assert all(_entries_of(p) for p in TODAYS_SPS)


@pytest.mark.parametrize("text, head", [
    ("IDX10214: Audience validation failed.", "identitymodel: IDX10214: Audience validation failed."),
    ("user_mistake", "duo: user_mistake"),
    ("ExternalIdPDirectoryLogin", "aws-identity-center: ExternalIdPDirectoryLogin"),
    # an id the pattern does not start with is still said
    ("Authentication issue instant is too old or in the future",
     "pac4j SAMLAuthnInstantException: Authentication issue instant is too old or in the future"),
])
def test_explain_says_a_products_id_once(text, head):
    r = CliRunner().invoke(main, ["explain", text])
    assert r.exit_code == 0 and r.stdout.splitlines()[0] == head, r.stdout
