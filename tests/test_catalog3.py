"""SP toolkits' error texts `samlscan explain` did not know (Sustainsys.Saml2, ITfoxtec.Identity.Saml2,
SimpleSAMLphp 2.x, node-saml), and the app logs that carry them (.NET Serilog/NLog logs, PHP's error
log). Every text is quoted from the source that raises it (named beside it and in the catalog's
`source`); the log layouts are the loggers' documented defaults."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from samlscan.catalog import lookup
from samlscan.cli import main
from samlscan.explain import explain_text

SUS = "Sustainsys.Saml2.Exceptions."

TEXTS = [
    # Sustainsys/Saml2 Sustainsys.Saml2/XmlHelpers.cs VerifySignature / ValidateCertificate / ValidateReference
    (SUS + "InvalidSignatureException: The signature verified correctly with the key contained in the "
     "signature, but that key is not trusted.", None, "sustainsys", "signature-cert-mismatch"),
    (SUS + "InvalidSignatureException: Signature didn't verify. Have the contents been tampered with?",
     None, "sustainsys", "signature-invalid"),
    (SUS + "InvalidSignatureException: The signature was valid, but the verification of the certificate "
     "failed. Is it expired or revoked? Are you sure you really want to enable ValidateCertificates (it's "
     "normally not needed)?", None, "sustainsys", "sp-configuration-error"),
    (SUS + "InvalidSignatureException: Incorrect reference on Xml signature. The reference must be to the "
     "root element of the element containing the signature.", None, "sustainsys", "signature-reference-invalid"),
    (SUS + 'InvalidSignatureException: Transform "http://www.w3.org/TR/1999/REC-xpath-19991116" found in Xml '
     "signature SHOULD NOT be used with SAML2.", None, "sustainsys", "signature-reference-invalid"),
    # Sustainsys.Saml2/SAML2P/Saml2Response.cs
    (SUS + "Saml2ResponseFailedValidationException: The SAML Response is not signed and contains unsigned "
     "Assertions. Response cannot be trusted.", None, "sustainsys", "signature-missing"),
    (SUS + 'Saml2ResponseFailedValidationException: Unsolicited responses are not allowed for idp '
     '"https://sts.windows.net/0f1e2d3c-aaaa-bbbb-cccc-9a8b7c6d5e4f/".', None, "sustainsys", "unsolicited-response"),
    (SUS + 'Saml2ResponseFailedValidationException: InResponseTo Id "id5e1c" in received response does not '
     'match Id "id9a2b" of the sent request.', None, "sustainsys", "inresponseto-mismatch"),
    (SUS + 'Saml2ResponseFailedValidationException: Expected message to contain InResponseTo "id9a2b", but '
     "found none. If this error occurs due to the Idp not setting InResponseTo according to the SAML2 "
     "specification, this check can be disabled by setting the IgnoreMissingInResponseTo compatibility flag "
     "to true.", None, "sustainsys", "inresponseto-mismatch"),
    (SUS + 'UnexpectedInResponseToException: Received message _7d1e contains unexpected InResponseTo "id9a2b". '
     "No cookie preserving state from the request was found so the message was not expected to have an "
     "InResponseTo attribute. This error typically occurs if the cookie set when doing SP-initiated sign on "
     "have been lost.", None, "sustainsys", "relaystate-cookie-missing"),
    (SUS + "UnsuccessfulSamlOperationException: The Saml2Response must have status success to extract claims.",
     None, "sustainsys", "status-not-success"),
    ("UnsuccessfulSamlOperationException", None, "sustainsys", "status-not-success"),
    (SUS + "Saml2ResponseFailedValidationException: Encrypted Assertion(s) could not be decrypted using the "
     "configured Service Certificate(s).", None, "sustainsys", "decryption-failed"),
    # Sustainsys.Saml2/Configuration/IdentityProviderDictionary.cs
    ('System.Collections.Generic.KeyNotFoundException: No Idp with entity id "https://sts.windows.net/'
     '0f1e2d3c-aaaa-bbbb-cccc-9a8b7c6d5e4f/" found.', None, "sustainsys", "issuer-mismatch"),
    # ITfoxtec/ITfoxtec.Identity.Saml2 src/ITfoxtec.Identity.Saml2/Request/Saml2Request.cs, Saml2AuthnResponse.cs
    ("ITfoxtec.Identity.Saml2.Cryptography.InvalidSignatureException: Signature is invalid.", None, "itfoxtec",
     "signature-invalid"),
    ("Signature is invalid.", "itfoxtec", "itfoxtec", "signature-invalid"),
    ("ITfoxtec.Identity.Saml2.Saml2RequestException: There is not exactly one Assertion element.", None,
     "itfoxtec", "assertion-multiple"),
    ("ITfoxtec.Identity.Saml2.Saml2RequestException: Assertion has expired. Assertion valid NotOnOrAfter "
     "05/14/2024 07:10:45 +00:00.", None, "itfoxtec", "subject-confirmation-expired"),
    # simplesamlphp/xml-security src/XML/SignedElementTrait.php: pysaml2's entry took it, even for SimpleSAMLphp
    ("Failed to verify signature.", "simplesamlphp", "simplesamlphp", "signature-invalid"),
    ("SimpleSAML\\XMLSecurity\\Exception\\SignatureVerificationFailedException: Failed to verify signature.",
     None, "simplesamlphp", "signature-invalid"),
    # simplesamlphp/simplesamlphp modules/saml/src/Controller/ServiceProvider.php
    ("Could not load state specified by InResponseTo: NOSTATE Processing response as "
     "unsolicited.", None, "simplesamlphp", "relaystate-cookie-missing"),
    ("SimpleSAML\\Error\\BadRequest: BADREQUEST('%REASON%' => 'Unsolicited responses are denied by "
     "configuration.')", None, "simplesamlphp", "unsolicited-response"),
    # node-saml/node-saml src/saml.ts validatePostRequestAsync, src/xml.ts getVerifiedXml: the generic
    # 'Invalid signature' entry took both
    ("Error: Invalid signature on documentElement", None, "node-saml", "signature-missing"),
    ("Error: Invalid signature, too many transforms", "node-saml", "node-saml", "signature-transform-invalid"),
]


@pytest.mark.parametrize("text, product, want_product, want_code", TEXTS)
def test_explain_names_the_product_and_cause(text, product, want_product, want_code):
    entry = lookup(text, product)
    assert entry is not None and (entry.product, entry.code) == (want_product, want_code), entry
    out, found = explain_text(text)
    assert found and want_code in out


def test_pysaml2_keeps_its_own_failed_to_verify_text():
    """pysaml2's SignatureError has no full stop: it stays pysaml2's."""
    entry = lookup("saml2.sigver.SignatureError: Failed to verify signature", "pysaml2")
    assert (entry.product, entry.code) == ("pysaml2", "signature-invalid")


def _attempts(tmp_path, text: str) -> list[tuple]:
    path = tmp_path / "app.log"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path), "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    doc = json.loads(result.stdout)
    return [(a["outcome"], a["root_cause"]) for a in doc["attempts"]]


# Serilog.Sinks.File's default outputTemplate '{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}]
# {Message:lj}{NewLine}{Exception}': ASP.NET Core's ExceptionHandlerMiddleware line, then the exception
SERILOG = (
    "2024-05-14 09:12:44.913 +02:00 [INF] Request starting HTTP/1.1 POST https://app.example.com/Saml2/Acs "
    "application/x-www-form-urlencoded 7812\n"
    "2024-05-14 09:12:45.120 +02:00 [ERR] An unhandled exception has occurred while executing the request.\n"
    "Sustainsys.Saml2.Exceptions.InvalidSignatureException: The signature verified correctly with the key "
    "contained in the signature, but that key is not trusted.\n"
    "   at Sustainsys.Saml2.XmlHelpers.VerifySignature(IEnumerable`1 signingKeys, SignedXml signedXml, "
    "XmlElement signatureElement, Boolean validateCertificate)\n"
    "   at Sustainsys.Saml2.Saml2P.Saml2Response.ValidateSignature(IOptions options, IdentityProvider idp)\n"
    "   at Sustainsys.Saml2.WebSso.AcsCommand.Run(HttpRequestData request, IOptions options)\n"
    "   at Sustainsys.Saml2.AspNetCore2.Saml2Handler.HandleRequestAsync()\n"
    "2024-05-14 09:12:45.131 +02:00 [INF] Request finished HTTP/1.1 POST https://app.example.com/Saml2/Acs - 500\n"
)
# NLog's default layout '${longdate}|${level:uppercase=true}|${logger}|${message}' (exception appended)
NLOG = (
    "2024-05-14 09:12:44.9130|INFO|Microsoft.AspNetCore.Hosting.Diagnostics|Request starting HTTP/1.1 POST "
    "https://app.example.com/Saml2/Acs\n"
    "2024-05-14 09:12:45.1200|ERROR|Microsoft.AspNetCore.Diagnostics.ExceptionHandlerMiddleware|An unhandled "
    "exception has occurred while executing the request. ITfoxtec.Identity.Saml2.Cryptography."
    "InvalidSignatureException: Signature is invalid.\n"
)
# PHP's error log (main/main.c: '[d-M-Y H:i:s e] PHP Fatal error:  Uncaught ...')
PHP = (
    "[14-May-2024 09:12:45 UTC] PHP Fatal error:  Uncaught SimpleSAML\\XMLSecurity\\Exception\\"
    "SignatureVerificationFailedException: Failed to verify signature. in /var/www/simplesamlphp/vendor/"
    "simplesamlphp/xml-security/src/XML/SignedElementTrait.php:140\n"
    "Stack trace:\n"
    "#0 /var/www/simplesamlphp/modules/saml/src/Message.php(640): SimpleSAML\\SAML2\\XML\\samlp\\Response->"
    "verifySignature()\n"
    "#1 {main}\n"
    "  thrown in /var/www/simplesamlphp/vendor/simplesamlphp/xml-security/src/XML/SignedElementTrait.php on line 140\n"
)


@pytest.mark.parametrize("text, cause", [
    (SERILOG, "signature-cert-mismatch"),
    (NLOG, "signature-invalid"),
    (PHP, "signature-invalid"),
], ids=["serilog-sustainsys", "nlog-itfoxtec", "php-error-simplesamlphp"])
def test_an_app_log_with_the_exception_is_a_failed_login_with_its_cause(tmp_path, text, cause):
    assert _attempts(tmp_path, text) == [("failure", cause)]


def test_a_php_error_log_in_a_named_zone_is_read_in_that_zone(tmp_path):
    """PHP writes date.timezone's name in each line ('Europe/Paris'): only UTC was honoured, any
    other zone read as --timezone's local time (two hours off here)."""
    path = tmp_path / "php_errors.log"
    path.write_text("[14-Apr-2026 08:14:40 Europe/Paris] PHP Fatal error:  Uncaught SimpleSAML\\Error\\Exception: "
                    "Unsolicited responses are denied by configuration. in /var/www/x.php:12\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path), "--format", "json", "--timezone", "UTC"])
    assert [a["time"] for a in json.loads(result.stdout)["attempts"]] == ["2026-04-14T06:14:40Z"]
