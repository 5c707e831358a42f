"""Fuzzing round 22: the catalog matcher on lines of one pattern's prefix repeated and on every entry's
pieces shuffled with long gaps, and captures at scale. Every input ends with a finding or a skip, no
traceback; time is judged relative to another input of the same size or by growth between two sizes
(tests/growth_util.py), never as an absolute time."""
from __future__ import annotations

import functools
import json
import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from growth_util import FLOOR, assert_linear, best_seconds

from samlscan import catalog
from samlscan.catalog import _PLACEHOLDER, _index, _lookup_cached


def _compiled():
    return [c for c in _index().compiled if c.keyword]


# --- catalog: a pattern's prefix repeated, its next piece never written ------------------------------------

@pytest.mark.parametrize("prefix, product", [("The response was received at ", "java-saml"),
                                             ("Invalid Signature Element ", "python3-saml"),
                                             ("Signed element id #", "ruby-saml")])
def test_a_line_of_one_prefix_repeated_costs_what_a_line_of_it_once_costs(prefix, product):
    """Fails on the old code: re tried the whole pattern at each of the 20,000 starts of a 600 KB line of
    'The response was received at ' and scanned each placeholder to its 2,048-character bound for the
    next piece (2.5 s; 8 s on a loaded machine; 53 s for one such line per catalog entry): now the pieces'
    occurrences are found first (samlscan/gapsearch.py) and re tries from the first start that can match.
    Compared with a line of the same size holding the prefix once."""
    size = 600_000 // len(prefix)
    repeated = prefix * size
    once = "x" * (len(prefix) * (size - 1)) + " " + prefix
    look = lambda text: _lookup_cached.__wrapped__(text, product)  # noqa: E731 (not the memo)
    look(once)
    t_once, t_repeated = best_seconds(look, once), best_seconds(look, repeated)
    assert t_repeated <= 4 * t_once + FLOOR, (t_once, t_repeated)


def test_a_repeated_prefix_still_matches_when_its_text_follows_at_the_end():
    """(Guard.) The whole text after 20,000 starts that cannot match: the match is the last start's."""
    prefix = "The response was received at "
    text = prefix * 20_000 + "https://a.example/acs instead of https://b.example/acs"
    got = catalog.lookup(text, "java-saml")
    assert got is not None and got.product == "java-saml" and got.code == "destination-mismatch", got


def _hostile(rnd: random.Random, pattern: str) -> str:
    """The pattern's literal pieces in any order and number, with runs of spaces, gaps about the
    placeholder bound (2,048) and word characters at the edges."""
    lits = _PLACEHOLDER.split(pattern)
    parts = []
    for _ in range(rnd.randint(1, 8)):
        r = rnd.random()
        parts.append(rnd.choice(lits) if r < 0.5 else " " * rnd.randint(0, 5) if r < 0.7
                     else "x" * rnd.choice([1, 10, 2040, 2049, 3000]) if r < 0.85
                     else rnd.choice(["_", "a", "\n", "'", "\u2019", "Z"]))
    return "".join(parts)


def test_the_pieces_first_search_finds_what_the_whole_pattern_finds():
    """The search through the pieces' occurrences gives the same span as the pattern's own regex on
    4,000 texts of an entry's pieces shuffled (a start it skips is one no match can have)."""
    rnd = random.Random(22)
    comps = _compiled()
    differ = []
    for _ in range(4000):
        comp = rnd.choice(comps)
        text = _hostile(rnd, comp.entry.pattern)
        fast, whole = comp.regex.search(text), comp.regex.whole.search(text)
        if (fast and fast.span()) != (whole and whole.span()):
            differ.append((comp.entry.pattern, text[:200]))
    assert not differ, differ[:3]


def test_a_whitespace_only_piece_between_placeholders_still_matches():
    """(Guard.) Keycloak's 'User with <attribute> <value> already exists': the blank piece between two
    placeholders joins their gaps."""
    (comp,) = [c for c in _compiled() if c.entry.pattern.startswith("User with <attribute> <value> already")]
    text = "User with email " + "a" * 2000 + " already exists. Please login to account management to link the account."
    assert comp.regex.search(text) is not None and comp.regex.whole.search(text) is not None
    assert comp.regex.search("User with email " + "a" * 5000 + " already exists. Please login to account management to link the account.") is None


# --- captures: one login's messages posted by thousands of tabs --------------------------------------------

CAPTURES = Path(__file__).resolve().parents[1] / "fixtures" / "captures"


def _tabs_har(folder: Path, tabs: int) -> Path:
    """firefox-unauthorized.har's login (SP redirect, IdP page, POST to the ACS, the SP's refusal) opened
    in `tabs` tabs at once: every tab's SP redirect, then every IdP page, every POST, every refusal
    (the same AuthnRequest and signed Response each time, 3 ms apart)."""
    har = json.loads((CAPTURES / "firefox-unauthorized.har").read_text())
    first = datetime.fromisoformat(har["log"]["entries"][0]["startedDateTime"])
    har["log"]["entries"] = [
        {**entry, "startedDateTime": (first + timedelta(seconds=leg, milliseconds=3 * tab)).isoformat(timespec="milliseconds")}
        for leg, entry in enumerate(har["log"]["entries"]) for tab in range(tabs)]
    path = folder / f"tabs-{tabs}.har"
    path.write_text(json.dumps(har))
    return path


@pytest.fixture(scope="module")
def tabs_capture(tmp_path_factory):
    """har.read of _tabs_har's capture of `tabs` tabs, read once for the module: reading them is nearly all
    of these tests' time (300 and 1,200 tabs: 94% of the growth test's; its 300 is the guard's too)."""
    from samlscan.inputs import har

    folder = tmp_path_factory.mktemp("tabs")
    return functools.cache(lambda tabs: har.read(str(_tabs_har(folder, tabs))))


def test_a_response_posted_by_thousands_of_tabs_rebuilds_its_flows_linearly(tabs_capture):
    """Fails on the old code: each POST of the response listed every earlier POST and IdP page of it
    (_posted_before, and each request every earlier exchange of its value): 500 tabs 0.3 s, 2,000 tabs
    5 s of build_flows; now each leg's positions are read back from the POST to the first that fits."""
    from samlscan.flows import build_flows

    assert_linear(build_flows, tabs_capture, 300)


def test_thousands_of_tabs_give_one_flow_a_tab(tabs_capture):
    """(Guard.) Each tab's POST is a flow of its own, the first refused by the SP, the later ones the same
    response posted again."""
    from samlscan.flows import build_flows

    flows = build_flows(tabs_capture(300))
    assert len([f for f in flows if f.response is not None]) == 300
    assert {f.outcome for f in flows} <= {"failure", "unknown"}, {f.outcome for f in flows}


# --- decode: a redirect URL of 10,000 parameters ------------------------------------------------------------

def _authn_request_value() -> str:
    """The SAMLRequest (deflated, base64, percent-encoded) of firefox-unauthorized.har's IdP redirect."""
    from urllib.parse import parse_qs, quote, urlsplit

    url = json.loads((CAPTURES / "firefox-unauthorized.har").read_text())["log"]["entries"][1]["request"]["url"]
    return quote(parse_qs(urlsplit(url).query)["SAMLRequest"][0], safe="")


@pytest.mark.parametrize("params", [10, 10_000])
def test_a_saml_request_after_thousands_of_url_parameters_is_read(params):
    """Fails on the old code (10,000): the query was sniffed in the text's first 64 KB only, so a URL
    naming SAMLRequest after 1 MB of other parameters was read as one base64 value ('input-bad-base64:
    character ':' is not base64')."""
    from samlscan.inputs import blob

    text = ("https://idp.example.org/sso?" + "&".join(f"p{i}={'a' * 90}" for i in range(params))
            + "&SAMLRequest=" + _authn_request_value())
    raws, problems = blob.read_text(text, "url.txt")
    assert not problems and [(r.param, r.binding) for r in raws] == [("SAMLRequest", "redirect")], (raws, problems)


def test_a_paste_of_megabytes_naming_saml_request_inside_words_is_no_query():
    """(Guard.) 'xSAMLRequest=' in a long paste names no parameter: the look from the first name finds none."""
    from samlscan.inputs import blob

    assert blob.sniff_kind("note: " + "xSAMLRequest=abc! " * 200_000) is None


# --- explain: a long pasted text -----------------------------------------------------------------------------

def test_explaining_a_long_paste_costs_about_one_catalog_lookup_of_it():
    """Fails on the old code: the text was folded to a code's form ('AUDIENCE_MISMATCH' as
    audience-mismatch) again for each of the ~440 codes, twice: 100 KB took 4 s where the catalog's
    look at it takes a tenth of one."""
    from samlscan.explain import explain_text

    text = "ab " * 33_000
    look = lambda t: _lookup_cached.__wrapped__(t, None)  # noqa: E731 (not the memo)
    explain_text(text)
    t_look, t_explain = best_seconds(look, text), best_seconds(explain_text, text)
    assert t_explain <= 3 * t_look + FLOOR, (t_look, t_explain)
    assert "no finding code or known error text matches" in explain_text(text)[0]


# --- sonar.properties: \\uxxxx escapes java.util.Properties refuses ---------------------------------------------

@pytest.mark.parametrize("escape", ["\\u+041", "\\u 041", "\\u\u0661\u0662\u0663\u0664", "\\u1_23", "\\u12", "\\u"])
def test_a_malformed_unicode_escape_in_sonar_properties_is_refused(tmp_path, escape):
    """Fails on the old code: the four characters after '\\u' were read with int(.., 16), which takes a
    sign, blanks, '_' and any script's digits ('\\u+041' was 'A'), and a short one was kept as 'u12';
    Properties.loadConvert throws 'Malformed \\uxxxx encoding' for anything but four ASCII hex digits,
    so SonarQube does not start with the file: one clear line (ConfigError, exit 2)."""
    from samlscan.config import load_sonar_settings
    from samlscan.errors import ConfigError

    path = tmp_path / "sonar.properties"
    path.write_text(f"sonar.auth.saml.enabled=true\nsonar.auth.saml.applicationId=sonar{escape}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sonar\.auth\.saml\.applicationId: malformed \\uxxxx escape"):
        load_sonar_settings(path)


def test_unicode_escapes_and_continuations_ten_thousand_deep_are_read():
    """(Guard.) 10,000 escapes in a value and 10,000 continued lines."""
    from samlscan.config import parse_properties

    text = ("sonar.auth.saml.applicationId=\\u0073" + "\\u006F" * 10_000 + "\nsonar.auth.saml.providerId=a\\\n"
            + "  b\\\n" * 10_000 + "  c\n")
    assert parse_properties(text) == {"sonar.auth.saml.applicationId": "s" + "o" * 10_000,
                                      "sonar.auth.saml.providerId": "a" + "b" * 10_000 + "c"}


def test_a_blank_between_two_placeholders_costs_no_square_of_their_bound():
    """Fails on the old code: Keycloak's 'User with <attribute> <value> already exists' was two lazy
    gaps around '\\s*', which re split every way at each start that fails (2,048 x 2,048 steps): a
    4.6 KB line of 'User with ' repeated before the rest took 12 s, 6 KB a minute. The two gaps are
    one of twice the bound now. Compared with a line of the same size holding 'User with ' once."""
    rest = " already exists. Please login to account management to link the account."
    repeated = "User with " * 460 + rest
    once = "x" * (len(repeated) - len(rest) - 11) + " User with " + rest
    look = lambda text: _lookup_cached.__wrapped__(text, None)  # noqa: E731 (not the memo)
    assert look(once).id == look(repeated).id == "federatedIdentityExistsMessage"
    t_once, t_repeated = best_seconds(look, once), best_seconds(look, repeated)
    assert t_repeated <= 4 * t_once + FLOOR, (t_once, t_repeated)
