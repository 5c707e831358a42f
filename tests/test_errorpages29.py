"""SimpleSAMLphp's error page escapes the thrown message twice (MetadataNotFound's entity ID shows as
'&#039;https://..&#039;' in the browser): the page's words are quoted with the entity ID as it was."""
from __future__ import annotations

from pathlib import Path

from samlscan.errorpages import read_page

DATA = Path(__file__).resolve().parent / "data"


def test_metadata_not_found_page_quotes_the_entity_id_unescaped():
    page = read_page((DATA / "livessp" / "unknown-sp.html").read_text(encoding="utf-8"))
    assert "https://sonar.example.com/saml2/metadata" in page.text
    assert "&#039;" not in page.text and "&amp;" not in page.text


def test_a_message_with_a_literal_ampersand_is_unescaped_once_only():
    """'&amp;lt;' on the page (the thrown text said '&lt;' itself) becomes '&lt;', never '<'."""
    html = (DATA / "livessp" / "unknown-sp.html").read_text(encoding="utf-8")
    page = read_page(html.replace("sonar.example.com/saml2/metadata&amp;#039;&#039;)",
                                  "sonar.example.com/a&amp;amp;lt;b&amp;#039;&#039;)"))
    assert page is not None and "a&lt;b" in page.text
