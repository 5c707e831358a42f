"""signature-weak-algorithm names the algorithms as people say them; their URIs are its 'actual' only."""
from __future__ import annotations

from pathlib import Path

from samlscan.config import build
from samlscan.engine import analyze

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_the_message_names_each_weak_algorithm_once_and_its_role():
    config = build({}, FIXTURES / "config" / "default.toml")
    report = analyze([str(FIXTURES / "responses" / "defects" / "signature-weak-algorithm.xml")], config)
    weak = [f for f in report.all_findings() if f.code == "signature-weak-algorithm"]
    assert weak and all(f.message_text.endswith("use rsa-sha1 (signature) and sha1 (digest)") for f in weak)
    assert all("http://" not in f.message_text and "xmldsig#rsa-sha1" in f.actual for f in weak)


def test_signatures_of_the_same_weak_algorithms_are_one_finding():
    """The Response and the Assertion signed alike: one warning naming both (as signature-cert-mismatch
    names every signature of one foreign key), not the same words twice."""
    config = build({}, FIXTURES / "config" / "default.toml")
    report = analyze([str(FIXTURES / "responses" / "defects" / "signature-weak-algorithm.xml")], config)
    (weak,) = [f for f in report.all_findings() if f.code == "signature-weak-algorithm"]
    assert weak.message_text.startswith("the Response signature (Reference ") and " and Assertion signature (" in \
        weak.message_text


def test_a_strong_signature_says_nothing():
    config = build({}, FIXTURES / "config" / "default.toml")
    report = analyze([str(FIXTURES / "responses" / "valid" / "okta.xml")], config)
    assert not [f for f in report.all_findings() if f.code == "signature-weak-algorithm"]


def test_a_redirect_signature_names_its_sigalg_as_people_say_it():
    query = Path(__file__).resolve().parent / "data" / "external8" / "crewjam-signed-authnrequest.query"
    report = analyze([str(query)], build({}, None, certless=True))
    (weak,) = [f for f in report.all_findings() if f.code == "signature-weak-algorithm"]
    assert weak.message_text.endswith("(over the query string) uses rsa-sha1")
    assert weak.actual == "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
