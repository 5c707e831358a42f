"""`samlscan explain` wraps its paragraphs at spaces only: a hyphenated product, setting or code
('php-saml', 'sonar.auth.saml-...', 'signature-cert-mismatch') and a URL stay whole on one line, so
they can be copied from the terminal."""
import pytest

from samlscan.catalog import entries
from samlscan.codes import SPECS
from samlscan.explain import explain_text


def _unbroken(said: str, source: str) -> list[str]:
    """The hyphenated or long words of `source` that `said` does not hold whole on one line."""
    words = {w for line in said.splitlines() for w in line.split()}
    return [w for w in source.split() if ("-" in w.strip("-") or len(w) > 60) and w not in words]


@pytest.mark.parametrize("code", sorted(SPECS))
def test_a_codes_text_keeps_each_word_whole(code):
    spec = SPECS[code]
    said, found = explain_text(code)
    assert found
    assert _unbroken(said, " ".join(t for t in (spec.summary, spec.fix, spec.attack) if t)) == []


def test_a_pasted_texts_explanation_keeps_each_word_whole():
    """Every catalog entry with a product of several words ('php-saml', 'aws-iam') explained from its pattern."""
    checked = 0
    for e in entries():
        if "-" not in e.product or "<" in e.pattern or len(e.pattern) < 20:
            continue
        said, found = explain_text(e.pattern)
        if found:
            checked += 1
            assert _unbroken(said, e.explanation + " " + (e.fix or "")) == [], e.pattern
    assert checked > 50
