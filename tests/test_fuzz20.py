"""Fuzzing round 20: the leftovers of round 19 (8-bit colour codes, redacted signature values of a real
length, a long table cell at one column, impossible zone offsets, a long catalog placeholder) and new
hostile input: HAR exports of other tools, XML with huge attribute counts and deep nesting, a message
spread over many form fields, a repeated query parameter. Every input ends with a finding or a skip, no
traceback; growth is compared between two sizes (tests/growth_util.py), never an absolute time.
"""
from __future__ import annotations

from datetime import timezone
from pathlib import Path

import pytest

from growth_util import FLOOR, assert_linear, best_seconds

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


# --- ansi: the 8-bit CSI -------------------------------------------------------------------------------

@pytest.mark.parametrize("csi", ["\x9b", "\x1b["], ids=["c1", "esc"])
def test_a_console_coloured_with_the_8bit_csi_reads_as_the_plain_log(tmp_path, csi):
    """Fails on the old code (c1): a console coloured with the one-byte CSI (ECMA-48 5.3, 0x9B; U+009B
    in UTF-8 text, as some terminals and a Latin-1 copy write it) kept its codes before every time: no
    line of Spring Boot's log was read."""
    from samlscan import logs
    from samlscan.model import LogEvent

    def events(path):
        return [(e.time, e.text) for e in logs.parse_file(str(path), timezone.utc) if isinstance(e, LogEvent)]

    coloured = (DATA / "console20" / "spring-boot3-ansi.log").read_text()
    path = tmp_path / "console.log"
    path.write_text(coloured.replace("\x1b[", csi))
    plain = events(ROOT / "fixtures" / "logs" / "sp-app" / "spring-boot3.log")
    assert plain and events(path) == plain


# --- report/cells: one long cell at one column ----------------------------------------------------------

@pytest.mark.parametrize("unit", ["a", "\u00e9", "\u65e5", "e\u0301"], ids=["ascii", "latin", "wide", "mark"])
def test_clipping_a_long_cell_reads_only_what_fits(unit):
    """Fails on the old code: clip measured the whole text before cutting it (a 1 MB cell clipped to one
    column: 3 s), its time 64 times as long for a text 64 times as long; now it stops at the first cluster that does not fit."""
    from samlscan.report.cells import clip

    assert clip(unit * 10, 2) == unit * (1 if unit == "\u65e5" else 2)
    short, long = unit * 10_000, unit * 640_000
    clip(short, 1)
    t_short = best_seconds(lambda t: [clip(t, 1) for _ in range(10)], short)
    t_long = best_seconds(lambda t: [clip(t, 1) for _ in range(10)], long)
    assert t_long <= 4 * t_short + FLOOR, (t_short, t_long)  # (the old code: 64 times, seconds)


@pytest.mark.parametrize("unit", ["a", "\u00e9", "e\u0301"], ids=["ascii", "latin", "mark"])
@pytest.mark.parametrize("break_long", [False, True])
def test_wrapping_a_long_word_at_one_column_grows_linearly(unit, break_long):
    """(Guard.) A word of 200,000 clusters wrapped at one column: every cluster on its own line (break_long)
    or the word whole, in time linear in its length."""
    from samlscan.report.cells import wrap

    got = wrap(unit * 1000, 1, break_long).split("\n")
    assert got == ([unit] * 1000 if break_long else [unit * 1000])
    assert_linear(lambda t: wrap(t, 1, break_long), lambda n: unit * n, 50_000)


# --- zones: offsets no zone has -------------------------------------------------------------------------

@pytest.mark.parametrize("offset", ["+00:60", "+24:00", "-14:59", "+15:00", "+0060", "+23:59"])
def test_an_offset_no_zone_has_is_refused_in_every_reader_of_times(offset):
    """Fails on the old code: --at and the logs' ISO times read '+00:60' as +01:00 and '+23:59' as almost a
    day (fromisoformat takes any offset under 24 h); --timezone took '-14:59'. XML Schema 2 3.2.7.3 and
    every zone in use: at most 14:00 either way, minutes below 60 (the SAML reader already said so)."""
    from samlscan.config.times import parse_at
    from samlscan.errors import ConfigError
    from samlscan.saml import parse_saml_time, parse_time
    from samlscan.zones import parse_zone

    assert parse_time("2025-03-11T08:41:02" + offset) is None
    with pytest.raises(ConfigError, match="not an ISO-8601 time"):
        parse_at("2025-03-11T08:41:02" + offset)
    with pytest.raises(ConfigError, match="not a known time zone"):
        parse_zone(offset)
    if ":" in offset:
        assert parse_saml_time("2025-03-11T08:41:02" + offset) is None


@pytest.mark.parametrize("offset", ["+14:00", "-14:00", "+05:45", "-0930", "Z", ""])
def test_every_real_offset_still_reads(offset):
    """(Guard.) The farthest zones, a 45-minute one, a basic-format one, UTC and none."""
    from samlscan.saml import parse_time

    got = parse_time("2025-03-11T08:41:02" + offset)
    assert got is not None and got.utcoffset().total_seconds() == 0


# --- sigverify: placeholders of a real value's length -----------------------------------------------------

def _failures(tmp_path: Path, value: str | None) -> list:
    """The signature failures `check --format json` gives Okta's signed fixture, its SignatureValues
    replaced by `value` (as a redacting sanitizer or a person does), or as signed (None)."""
    import json
    import re

    from click.testing import CliRunner

    from samlscan.cli import main

    text = (ROOT / "fixtures" / "responses" / "valid" / "okta.xml").read_text()
    if value is not None:
        text = re.sub(r"(<(?:\w+:)?SignatureValue[^>]*>)[^<]*", lambda m: m.group(1) + value, text)
    path = tmp_path / "r.xml"
    path.write_text(text)
    out = CliRunner().invoke(main, ["check", str(path), "--format", "json"]).output
    return re.findall(r'"failure": ("[a-z-]+"|null)', out)


@pytest.mark.parametrize("value", ["X" * 20, "X" * 344, "x" * 40, "REDACTED" * 6, "*" * 40,
                                   "XXXX XXXX\nXXXX XXXX XXXX==", "REMOVED" * 3])
def test_a_signature_value_redacted_to_a_real_length_is_said_redacted(tmp_path, value):
    """Fails on the old code (every value but '*'): 20 or more 'X' (or 'REDACTED' again and again) is base64 of a real value's length: 'the content was changed' and 'not signed by
    this key', where the signature was redacted before it was shared and no verifier can say more."""
    got = _failures(tmp_path, value)
    assert got and set(got) == {'"placeholder"'}, got


def test_a_real_signature_value_is_no_placeholder(tmp_path):
    """(Guard.) The fixture as signed verifies; 100,000 random values of 10 to 512 bytes (an HMAC's 80-bit
    floor to RSA-4096) are none repeated."""
    import base64
    import random

    from samlscan.sigverify import _repeated

    assert set(_failures(tmp_path, None)) == {"null"}
    assert not _repeated("A" * 342) and not _repeated("B" * 43) and not _repeated("ABAB" * 10)  # (test_corpus21)
    rng = random.Random(20)
    assert not any(_repeated(base64.b64encode(rng.randbytes(rng.choice((10, 16, 20, 32, 64, 256, 512))))
                             .decode().rstrip("=")) for _ in range(100_000))


# --- catalog: a long placeholder ---------------------------------------------------------------------------

@pytest.mark.parametrize("size", [10, 1000, 2000])
def test_a_long_id_in_springs_signature_error_is_still_springs(size):
    """Fails on the old code (1,000 and 2,000): a placeholder matched at most 400 characters, so Spring's
    'Invalid signature for object [<id>]' with a long ID was node-saml's shorter text."""
    from samlscan.catalog import lookup

    got = lookup("Invalid signature for object [_" + "a" * size + "]")
    assert (got.product, got.id) == ("spring", "invalid_signature")


def test_a_repeated_pattern_prefix_grows_linearly():
    """(Guard.) A line of a pattern's prefix again and again, its closing literal never written: each
    repeat scans at most one placeholder's bound."""
    from samlscan.catalog import lookup

    assert_linear(lambda s: lookup(s, "spring"), lambda n: "Invalid signature for object [" * n, 2000)


# --- xmlsafe: an element crowded with attributes ----------------------------------------------------------

def _okta_with(extra_attributes: str) -> bytes:
    text = (ROOT / "fixtures" / "responses" / "valid" / "okta.xml").read_text()
    return text.replace("<saml2:Attribute ", "<saml2:Attribute " + extra_attributes + " ", 1).encode()


def test_an_element_with_thousands_of_attributes_is_refused_in_linear_time():
    """Fails on the old code: 25,000 attributes on one saml:Attribute took 48 s (100,000: over 5 minutes)
    in xmlsec's canonicalization, quadratic in one element's attributes; now one clear finding."""
    from samlscan.errors import InputError
    from samlscan.xmlsafe import parse_xml

    with pytest.raises(InputError, match="attributes") as got:
        parse_xml(_okta_with(" ".join(f'a{i}="v"' for i in range(1001))))
    assert got.value.code == "input-too-large"
    parse_xml(_okta_with(" ".join(f'a{i}="v"' for i in range(990))))  # (a thousand is read)
    # namespace declarations are no attributes to canonicalization's sort (25,000 read in 1 s)
    parse_xml(_okta_with(" ".join(f'xmlns:p{i}="urn:x:{i}"' for i in range(5000))))


@pytest.mark.parametrize("shape", ["values", "attributes"])
def test_many_attribute_values_or_attributes_grow_linearly(shape):
    """(Guard.) 100,000 AttributeValues in one Attribute, or as many Attributes: read in linear time."""
    from samlscan.engine import analyze
    from samlscan.config import build

    text = (ROOT / "fixtures" / "responses" / "valid" / "okta.xml").read_text()

    def make(n):
        if shape == "values":
            more = "".join(f"<saml2:AttributeValue>v{i}</saml2:AttributeValue>" for i in range(n))
            return text.replace("</saml2:Attribute>", more + "</saml2:Attribute>", 1)
        more = "".join(f'<saml2:Attribute Name="n{i}"><saml2:AttributeValue>v</saml2:AttributeValue>'
                       "</saml2:Attribute>" for i in range(n))
        return text.replace("</saml2:AttributeStatement>", more + "</saml2:AttributeStatement>", 1)

    def run(doc):
        import tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".xml", delete=False) as f:
            f.write(doc)
        return analyze([f.name], build({}, None))

    assert_linear(run, make, 5000)


# --- logs/wrapped: docker-in-docker ------------------------------------------------------------------------

@pytest.mark.parametrize("levels", [1, 4, 5])
def test_docker_json_file_lines_five_levels_deep_are_read(tmp_path, levels):
    """Fails on the old code (4 and 5): docker's json-file records inside docker-in-docker's, four or five
    deep, were unwrapped three levels only: no reader, no line read."""
    import json

    from samlscan import logs
    from samlscan.model import LogEvent

    lines = (ROOT / "fixtures" / "logs" / "sp-app" / "spring-boot3.log").read_text().splitlines()
    for _ in range(levels):
        lines = [json.dumps({"log": line + "\n", "stream": "stdout", "time": "2025-03-11T08:41:02.123456789Z"})
                 for line in lines]
    path = tmp_path / "container.log"
    path.write_text("\n".join(lines) + "\n")
    assert logs.detect(logs.read_head(str(path))).name == "sp-app"
    assert len([e for e in logs.parse_file(str(path), timezone.utc) if isinstance(e, LogEvent)]) == 10
