"""php-saml as a product of its own, Laravel's Monolog context copies, and OpenSAML's TRACE dump.

Changed behaviour (the tests marked so fail on the code before it):
- a php-saml app's log named its SP python3-saml (a php-saml text found) or java-saml (any other
  PHP line): it is php-saml, by its namespace (OneLogin\\Saml2\\, onelogin/php-saml, 2.x's
  OneLogin_Saml2_ classes in a PHP log) or by the toolkit text a PHP log holds;
- php-saml's own wordings (tests/data/logsrc20/SOURCES.md) are catalogued under php-saml;
- a response a Laravel app logs as context (LineFormatter with allowInlineLineBreaks: the JSON's
  '\\n' escapes turned back into line breaks, '\\"' left) was input-xml-malformed: it is the
  response byte for byte (fixtures/gen_phpsaml20.py writes tests/data/phpsaml20/).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_dumps19 import _scan
from test_real_log_shapes import _events

from samlscan import catalog
from samlscan.cli import main
from samlscan.logs.applog import library
from samlscan.logs.embedded import find_embedded

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "phpsaml20"
PRINTED = ROOT / "fixtures" / "logs"
sys.path.insert(0, str(ROOT / "fixtures"))
import gen_monolog20  # noqa: E402
import gen_phpsaml20  # noqa: E402
import gen_printed  # noqa: E402

AUDIENCE = "Invalid audience for this Response (expected 'sonarqube', got 'https://sonar.example.com/saml2')"
NOT_SUPPORTED = ("Unsigned SAML Response that contains a signed and encrypted Assertion with encrypted nameId "
                 "is not supported.")
LARAVEL = "[2025-03-11 08:40:59] production.ERROR: {} [] \n"


# --- the catalog --------------------------------------------------------------------------------

def test_php_saml_is_a_product_sharing_the_onelogin_toolkits_texts():
    assert "php-saml" in catalog.PRODUCTS
    assert catalog.own_texts("php-saml") == {"php-saml", "python3-saml", "java-saml"}


@pytest.mark.parametrize("text, code", [(AUDIENCE, "audience-mismatch"), (NOT_SUPPORTED, "idp-configuration-error")])
def test_php_saml_wordings_are_its_own_entries(text, code):
    """Fails on the old code: they stood under python3-saml."""
    entry = catalog.lookup(text, "php-saml")
    assert (entry.product, entry.code) == ("php-saml", code)


def test_a_shared_toolkit_text_is_found_for_php_saml():
    entry = catalog.lookup("Signature validation failed. SAML Response rejected", "php-saml")
    # (php-saml's own entry of the shared text since audit41, before: its siblings')
    assert entry.product == "php-saml" and entry.code == "signature-invalid"


# --- which library a line names ------------------------------------------------------------------

@pytest.mark.parametrize("text, lib", [
    ("OneLogin\\Saml2\\ValidationError: Signature validation failed.", "php-saml"),
    ('{"exception":"[object] (OneLogin\\\\Saml2\\\\Error(code: 0): x at /a.php:1)"}', "php-saml"),
    ("#0 /var/www/vendor/onelogin/php-saml/src/Saml2/Auth.php(127): isValid()", "php-saml"),
    ("#0 /var/www/lib/Saml2/Auth.php(127): OneLogin_Saml2_Response->isValid(NULL)", "php-saml"),
    ("onelogin.saml2.errors.OneLogin_Saml2_Error: SAML Response not found", "python3-saml"),
    ("com.onelogin.saml2.Auth - processResponse error. invalid_response", "java-saml"),
])
def test_library_tells_php_saml_by_its_namespace(text, lib):
    """Fails on the old code for the php-saml lines (python3-saml, or nothing)."""
    assert library(text) == lib


def _products(tmp_path, text: str) -> list[tuple]:
    _, evs = _events(tmp_path, text)
    return [(e.outcome, e.code, e.product) for e in evs]


def test_a_laravel_line_with_php_samls_text_is_php_saml(tmp_path):
    """Fails on the old code: python3-saml (the entry's product)."""
    text = LARAVEL.format("SAML login failed: invalid_response") + LARAVEL.format(AUDIENCE)
    assert _products(tmp_path, text) == [("failure", "audience-mismatch", "php-saml")]


def test_a_laravel_exception_context_naming_the_namespace_is_php_saml(tmp_path):
    """Fails on the old code: java-saml (the guess for a line naming no library it knew)."""
    text = LARAVEL.format(
        'Signature validation failed. SAML Response rejected {"exception":"[object] (OneLogin\\\\Saml2\\\\'
        'ValidationError(code: 42): Signature validation failed. SAML Response rejected at '
        '/var/www/html/vendor/onelogin/php-saml/src/Saml2/Response.php:411)"}').replace(" [] \n", " \n")
    assert _products(tmp_path, text) == [("failure", "signature-invalid", "php-saml")]


def test_php_saml_2_uncaught_in_phps_error_log_is_php_saml(tmp_path):
    """php-saml 2.x's OneLogin_Saml2_ValidationError is python3-saml's class name too: in PHP's error
    log it is php-saml's. Fails on the old code (python3-saml)."""
    text = ("[11-Mar-2025 08:41:00 UTC] PHP Fatal error:  Uncaught OneLogin_Saml2_ValidationError: " + AUDIENCE
            + " in /var/www/html/lib/Saml2/Response.php:380\nStack trace:\n"
            "#0 /var/www/html/lib/Saml2/Auth.php(127): OneLogin_Saml2_Response->isValid(NULL)\n#1 {main}\n")
    assert _products(tmp_path, text) == [("failure", "audience-mismatch", "php-saml")]


def test_a_python_traceback_stays_python3_saml(tmp_path):
    text = ("2025-03-11 08:41:00,120 - django.request - ERROR - Internal Server Error: /saml/acs\n"
            "Traceback (most recent call last):\n  File \"/app/views.py\", line 3, in acs\n"
            "onelogin.saml2.errors.OneLogin_Saml2_ValidationError: Signature validation failed. SAML Response rejected\n")
    assert _products(tmp_path, text) == [("failure", "signature-invalid", "python3-saml")]


def test_reports_name_php_saml_among_failures_by_sp(tmp_path):
    log = tmp_path / "laravel.log"
    log.write_text(LARAVEL.format(AUDIENCE))
    doc = json.loads(CliRunner().invoke(main, ["check", str(log), "--format", "json"]).stdout)
    assert doc["summary"]["failures_by_sp"] == {"php-saml": 1}
    table = CliRunner().invoke(main, ["check", str(log)]).stdout
    assert "failures by SP:    php-saml 1" in table


# --- Laravel's context copies ----------------------------------------------------------------------

def test_the_laravel_log_is_the_generators_output():
    assert gen_phpsaml20.main(["--check", str(DATA)]) == 0


def test_laravel_keeps_the_context_jsons_line_breaks_and_its_escaped_quotes():
    text = (DATA / "laravel-context.log").read_text()
    assert 'SAML response {"xml":"<?xml version=\\"1.0\\"?>\n<saml2p:Response xmlns:saml2p=\\"urn:' in text
    assert "\\n" not in text.replace("\\\\", "")


def test_a_response_logged_as_laravel_context_is_the_response_byte_for_byte():
    """Fails on the old code: each copy was input-xml-malformed (the JSON string held real line
    breaks, which json.loads refuses by default), and no message was read."""
    doc = _scan(DATA / "laravel-context.log")
    assert doc["input_findings"] == []
    assert [(m["captured_at"], [s["verified"] for s in m["signatures"]],
             sorted(f["code"] for f in m["findings"])) for m in doc["messages"]] == [
        ("2025-03-11T08:40:58Z", [True, True], []),  # signed indented: no re-indented copy
        ("2025-03-11T08:40:58Z", [True, True], []),  # compact, wrapped base64
        ("2025-03-11T08:40:58Z", [False, False], ["signature-invalid", "signature-invalid"]),  # changed after signing
        ("2025-03-11T08:40:59Z", [True, True], ["audience-mismatch"]),
    ]
    assert doc["summary"]["failures_by_sp"]["php-saml"] == 1


def test_the_unescaped_value_is_the_saved_response():
    record = gen_phpsaml20._record("58", "DEBUG", "SAML response", {"xml": gen_monolog20.saved("valid/okta.xml")})
    (value,) = find_embedded(record)
    assert value == gen_monolog20.saved("valid/okta.xml").rstrip("\n")


def test_a_changed_copy_is_not_unescaped_into_a_valid_one():
    """An escape JSON does not know ('\\q') leaves the value as it was: the copy stays malformed."""
    line = ('x {"xml":"<samlp:Response xmlns:samlp=\\"urn:oasis:names:tc:SAML:2.0:protocol\\" ID=\\"a\\q\\">\n'
            '</samlp:Response>"}')
    (value,) = find_embedded(line)
    assert value.startswith('<samlp:Response xmlns:samlp=\\"urn')


# --- OpenSAML's HTTPPostDecoder at TRACE -----------------------------------------------------------

def test_the_printed_logs_are_the_generators_output():
    assert gen_printed.main(["--check", str(PRINTED)]) == 0


def test_the_spring_log_prints_the_message_as_the_post_decoder_does():
    """HTTPPostDecoder logs the XML at TRACE ('Decoded SAML message:\\n{}'), then DEBUG 'Decoded SAML
    message' with no XML once unmarshalled. Fails on the old fixture (a DEBUG header over the XML)."""
    lines = (PRINTED / "sp-app" / "spring-boot3-printed.log").read_text().splitlines()
    said = [(line.split()[1], line.split(" : ", 1)[1]) for line in lines if "HTTPPostDecoder" in line]
    assert said == [("DEBUG", "Decoded SAML relay state of: /dashboard"),
                    ("DEBUG", "Getting Base64 encoded message from request"),
                    ("TRACE", "Base64 decoding SAML message:"), ("TRACE", "Decoded SAML message:"),
                    ("DEBUG", "Decoded SAML message")]
    at = lines.index(next(line for line in lines if line.endswith(": Decoded SAML message:")))
    assert lines[at + 1].startswith("<?xml")


def test_the_trace_record_is_read_once_at_its_time():
    doc = _scan(PRINTED / "sp-app" / "spring-boot3-printed.log")
    assert [(m["type"], m["captured_at"]) for m in doc["messages"]] == [("Response", "2025-03-11T08:40:58Z")]
    assert [a["outcome"] for a in doc["attempts"]] == ["success"]


def test_every_sp_library_the_app_reader_names_is_an_sp_in_correlation():
    """A message an SP app's log dumps takes its side from the library the reader names
    (correlate.pieces._LOG_SIDE): php-saml had none, so its copies had no side."""
    from samlscan.correlate.pieces import _LOG_SIDE
    from samlscan.logs.applog import _SP_FAMILY

    assert {lib: _LOG_SIDE.get(lib) for lib in _SP_FAMILY} == {lib: "sp" for lib in _SP_FAMILY}
