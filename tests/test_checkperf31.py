"""checkperf31: xmlsafe.parse_xml skips its walk for crowded elements when the document's '=' bytes
cannot write that many attributes; the refusal holds in every encoding it reads, at the limit."""
import pytest

from samlscan.errors import InputError
from samlscan.xmlsafe import MAX_ATTRIBUTES, parse_xml


def _doc(attributes: int, encoding: str, text_equals: int = 0) -> bytes:
    attrs = " ".join(f'a{i}="1"' for i in range(attributes))
    body = "=" * text_equals  # '=' in text content writes no attribute
    return f'<?xml version="1.0" encoding="{encoding.upper()}"?><r {attrs}>{body}</r>'.encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32", "iso-8859-1"])
def test_one_attribute_over_the_limit_is_refused_in_any_encoding(encoding):
    with pytest.raises(InputError) as exc:
        parse_xml(_doc(MAX_ATTRIBUTES + 1, encoding))
    assert exc.value.code == "input-too-large"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_the_limit_itself_is_read(encoding):
    assert len(parse_xml(_doc(MAX_ATTRIBUTES, encoding)).attrib) == MAX_ATTRIBUTES


def test_many_equals_signs_in_text_still_read():
    """Over MAX_ATTRIBUTES '=' bytes (base64 padding, URLs in values) send it to the walk, which finds
    no crowded element."""
    root = parse_xml(_doc(3, "utf-8", text_equals=5 * MAX_ATTRIBUTES))
    assert len(root.attrib) == 3


def test_crowded_elements_spread_over_the_document_are_each_allowed():
    """The bound is per element: 600 attributes on each of two elements are fine."""
    a = " ".join(f'a{i}="1"' for i in range(600))
    root = parse_xml(f"<r><x {a}/><y {a}/></r>".encode())
    assert [len(c.attrib) for c in root] == [600, 600]


def test_analyze_pauses_the_cyclic_collector_and_restores_it():
    """Fails on the old code (collector running during analyze: a tenth of its time on 2,000 responses)."""
    import gc
    from pathlib import Path

    from samlscan.config import build
    from samlscan.engine import analyze

    root = Path(__file__).resolve().parent.parent
    okta = str(root / "fixtures" / "responses" / "valid" / "okta.xml")
    seen = []
    for was in (True, False):
        (gc.enable if was else gc.disable)()
        try:
            report = analyze([okta], build({}, root / "fixtures" / "config" / "default.toml"),
                             progress=lambda _path: seen.append(gc.isenabled()))
            assert gc.isenabled() is was
        finally:
            gc.enable()
        assert len(report.messages) == 1
    assert seen == [False, False]
