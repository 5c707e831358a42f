"""--redact, second audit: every input under fixtures/ and tests/data/ (and the excerpts of the
real-log and real-HAR tests) was run through `check` and `scan` in all six formats against the
personal values its unredacted report shows; these are the leaks found, each pinned in every
format, and what must stay readable."""
from __future__ import annotations

import base64
import datetime as dt
import sys
import zlib
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from samlscan.cli import main
from samlscan.report.redact import Redactor, mask

ROOT = Path(__file__).resolve().parents[1]
CONFIG = str(ROOT / "fixtures" / "config" / "default.toml")
FORMATS = ("table", "json", "jsonl", "csv", "sarif", "html")


def _check(*args: str, redact: bool = True) -> str:
    r = CliRunner().invoke(main, ["check", *args, "--config", CONFIG, "--fail-on", "never", "-q",
                                  *(["--redact"] if redact else [])], catch_exceptions=False)
    assert r.exit_code in (0, 1), r.output
    return r.stdout


def _no_leak(out: str, values, where: str) -> None:
    for v in values:
        assert v not in out, f"{where}: {v!r} survived --redact"


# --- a person's name in a certificate's subject ---------------------------------------------------

def _person_cert(tmp_path: Path):
    """A key and a self-signed certificate an admin made with their own name and address (as
    `openssl req -subj "/CN=Jane Roe/emailAddress=..."` does)."""
    sys.path.insert(0, str(ROOT / "fixtures"))
    from samlgen import keys as K

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Jane Roe"),
                      x509.NameAttribute(NameOID.EMAIL_ADDRESS, "jane.roe@corp.example"),
                      x509.NameAttribute(NameOID.GIVEN_NAME, "Jane"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Corp")])
    now = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(7).not_valid_before(now).not_valid_after(now + dt.timedelta(days=3650))
            .sign(key, hashes.SHA256()))
    pair = K.KeyPair("person", key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()),
                     cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "person.crt").write_bytes(pair.cert_pem)
    return pair


@pytest.fixture(scope="module")
def signed_by_a_person(tmp_path_factory):
    sys.path.insert(0, str(ROOT / "fixtures"))
    import generate

    d = tmp_path_factory.mktemp("person-cert")
    pair = _person_cert(d)
    (d / "response.xml").write_bytes(generate.okta("person-cert", key=pair))
    return d


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("trusted", [True, False])
def test_a_persons_name_in_a_certificate_subject_is_masked(signed_by_a_person, fmt, trusted):
    """Before: 'verified with O=Corp,1.2.840.113549.1.9.1=<email:...>,2.5.4.42=Jane,CN=Jane Roe' and
    a signature-cert-mismatch's 'actual: ...CN=Jane Roe' printed the owner's name in every format
    (only the email was masked, and the OID of givenName as an IP address)."""
    d = signed_by_a_person
    cert = str(d / "person.crt") if trusted else str(ROOT / "fixtures" / "keys" / "idp.crt")
    args = (str(d / "response.xml"), "--idp-cert", cert, "--format", fmt)
    plain = _check(*args, redact=False)
    if fmt in ("table", "json") or not trusted:
        assert "CN=Jane" in plain  # (the table wraps it: 'CN=Jane\n   Roe')
    out = _check(*args)
    _no_leak(out, ("CN=Jane", "Roe (", "jane.roe@corp.example", "=Jane,", "=Jane\""), fmt)
    if fmt in ("table", "json") or not trusted:
        assert mask("Jane Roe", "pii")[1:-1] in out and "2.5.4.42=" in out  # the attribute type stays readable


def test_a_service_or_host_in_a_subject_stays_readable():
    from samlscan.report.redact import names_a_person

    red = Redactor()
    for text in ("verified with O=samlscan test fixtures (NOT A REAL KEY),CN=idp.example.org (SHA-256 D8:47)",
                 "CN=Microsoft Azure Federated SSO Certificate", "CN=ADFS Signing - adfs.corp.example",
                 "CN=SimpleSAMLphp Test IdP", "CN=Okta,OU=SSOProvider", "CN=accounts.google.com"):
        assert red.text(text) == text
    assert all(names_a_person(n) for n in ("Jane Roe", "Jérôme van Dijk", "Seán O'Brien", "J. R. Smith-Jones"))
    assert red.text("subject 'CN=Seán O'Brien,OU=IT'") == f"subject 'CN={mask('Seán O' + chr(39) + 'Brien', 'pii')},OU=IT'"


# --- a Keycloak broker event naming the user at the IdP --------------------------------------------

KC_BROKER = ('2025-03-11 09:41:02,615 WARN  [org.keycloak.events] (executor-thread-1) '
             'type="IDENTITY_PROVIDER_LOGIN_ERROR", realmId="r1", realmName="corp", clientId="null", userId="null", '
             'sessionId="null", ipAddress="198.51.100.99", error="invalid_saml_response", identity_provider="okta", '
             'identity_provider_identity="qlopez", first_name="Quinn", last_name="Lopez", auth_method="saml"\n')


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_keycloak_broker_events_identity_and_names_are_masked(tmp_path, fmt):
    """Before: identity_provider_identity, first_name and last_name of a Keycloak event (quoted in
    the attempt's note) came through: only 'user'/'username'-like keys were masked."""
    path = tmp_path / "server.log"
    path.write_text(KC_BROKER)
    assert "qlopez" in _check(str(path), "--format", "json", redact=False)
    out = _check(str(path), "--format", fmt)
    _no_leak(out, ('"qlopez', '"Quinn', '"Lopez', "198.51.100.99"), fmt)
    if fmt in ("table", "json"):
        assert 'identity_provider="okta"' in out.replace('\\"', '"')  # the IdP's alias is no person


# --- the SessionIndex of a redirect-binding LogoutRequest ----------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_the_session_index_of_a_logout_request_is_masked(tmp_path, fmt):
    """Before: the NameID was masked but the SessionIndex (the user's session at the IdP) printed
    in the table's summary and the json's logout_request."""
    xml = ('<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
           'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_lr1" Version="2.0" '
           'IssueInstant="2025-03-11T08:41:00Z" Destination="https://idp.example.org/slo">'
           '<saml:Issuer>https://sonar.example.com</saml:Issuer>'
           '<saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">vperez.persist.99</saml:NameID>'
           '<samlp:SessionIndex>_sessidx_7731abc</samlp:SessionIndex></samlp:LogoutRequest>')
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = c.compress(xml.encode()) + c.flush()
    path = tmp_path / "logout.url"
    path.write_text("https://idp.example.org/slo?SAMLRequest=" + quote(base64.b64encode(raw).decode(), safe="") + "\n")
    assert "_sessidx_7731abc" in _check(str(path), "--format", "json", redact=False)
    out = _check(str(path), "--format", fmt)
    _no_leak(out, ("_sessidx_7731abc", "vperez.persist.99"), fmt)


# --- a quoted value with line breaks, and a table's wrapping -------------------------------------

CRLF = str(ROOT / "tests" / "data" / "external4" / "auth0-entra-shaped-response-cr.xml")


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_attribute_value_quoted_with_escapes_is_masked(fmt):
    """Before: a login-attribute finding quotes the values as a Python list
    ("postal_address = ['Street 1\\r\\nLine 2...']"): a value with a line break (an address) was not
    the known value in that spelling, and came through in csv, html and the table."""
    assert "Street 1" in _check(CRLF, "--format", fmt, redact=False)
    _no_leak(_check(CRLF, "--format", fmt), ("Street 1", "Some more address", "zip goes here"), fmt)


def test_the_table_masks_before_it_wraps_and_cuts():
    """Before: the table wrapped a finding's text, and cut a message's attribute line at 80
    characters, before masking it: a known value of several words split over two lines, or cut
    ('dev.user1@exam'), was printed as it was."""
    from samlscan.report.table import findings_table
    from samlscan.model import Finding, Severity
    from tabulate import tabulate

    value = "Anna Maria Katharina von Hohenberg-Eschenbach"
    f = Finding(code="login-attribute-missing", severity=Severity.ERROR,
                message_text="x " * 25 + f"the received attributes are displayname = ['{value}']")
    red = Redactor([value])
    assert "Eschenbach" in findings_table([f])  # the value is wrapped over two lines
    out = findings_table([f], red.text)
    assert "Eschenbach" not in out and "Anna" not in out and mask(value, "pii") in out


# --- a log line quoted cut short -----------------------------------------------------------------

SPRING_LINE = ("2025-03-11T09:47:33.118+01:00 ERROR 4711 --- [demo] [nio-8080-exec-7] "
               "p.s.a.BaseOpenSamlAuthenticationProvider : Found 1 validation errors in SAML response "
               "[_5c0ffee1d2]: [[invalid_signature] Invalid signature for object [_a7c1e0f9b2d34e5f]] ")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("pad, cut", [(144, "rachel.yeats@corp"), (120, "198.51.100")])
def test_a_value_cut_where_a_note_quotes_the_line_short_is_masked(tmp_path, fmt, pad, cut):
    """Before: an attempt's note quotes the first 300 characters of the deciding log line; an email
    or an address that the cut splits ('for user rachel.yeats@corp', 'from 198.51.100') was no
    longer shaped like one, and came through --redact."""
    path = tmp_path / "app.log"
    path.write_text(SPRING_LINE + "x" * pad + " for user rachel.yeats@corp.example from 198.51.100.123 and more\n")
    assert ' ..."' in _check(str(path), "--format", "json", redact=False)  # the note is cut (now between words)
    out = _check(str(path), "--format", fmt)
    _no_leak(out, ("rachel", "198.51.10"), fmt)


def test_a_cut_tail_is_masked_only_as_a_known_values_start():
    red = Redactor(["rachel.yeats@corp.example", "198.51.100.123"])
    assert red.text("for user rachel.yeats@co") == "for user " + mask("rachel.yeats@corp.example", "email")
    assert red.text("from 198.51.100") == "from " + mask("198.51.100.123", "ip")
    for text in ("from 198", "Signature is not valid", "for user bob"):
        assert red.text(text) == text


# --- what a reader needs ---------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_the_idps_entity_id_stays_readable_when_an_attribute_repeats_its_tenant(fmt):
    """Before: Entra's tenantid claim is the GUID in its Issuer; as an attribute value it was
    masked inside the entity ID too ('set sonar.auth.saml.providerId to
    https://sts.windows.net/<pii:...>/', useless as a fix), except in the table's 'failures by
    IdP' line, which printed it whole. The people in the response are still masked."""
    entra = str(ROOT / "fixtures" / "responses" / "valid" / "entra.xml")
    issuer = "https://sts.windows.net/9a8b7c6d-5e4f-4a3b-9c2d-1e0f2a3b4c5d/"
    assert issuer in _check(entra, "--format", fmt, redact=False)
    out = _check(entra, "--format", fmt)
    assert issuer in out
    plain = _check(entra, "--format", "json", redact=False)
    assert "dev.user1@example.com" in plain
    _no_leak(out, ("dev.user1@example.com", "Dev User One"), fmt)


# --- a URL that is a parameter of another -------------------------------------------------------

RETURN_TO = "%2Fprojects%3Fowner%3Dwbaker%2540corp.example%26login%3Djroe.smith%26token%3Dtok998877"


def test_a_query_encoded_inside_another_is_masked_with_the_plain_values_masks():
    """Before: in 'return_to=%2Fprojects%3Fowner%3Dwbaker%2540corp.example%26login%3Djroe.smith'
    (a login loop's URL, the SP sending the browser back to where it was) the twice-encoded email
    and the encoded 'login=' and 'token=' came through, or the whole parameter was taken for one
    email's local part and masked under a hash of its own."""
    out = Redactor().text(f"https://sonar.example.com/sessions/init/saml?return_to={RETURN_TO}&x=1")
    assert out == ("https://sonar.example.com/sessions/init/saml?return_to=%2Fprojects%3Fowner%3D"
                   + mask("wbaker@corp.example", "email") + "%26login%3D" + mask("jroe.smith", "pii")
                   + "%26token%3D" + mask("tok998877", "secret") + "&x=1")
    assert Redactor().text("hint=wbaker%40corp.example") == "hint=" + mask("wbaker@corp.example", "email")


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_flows_mask_a_login_loops_return_to(tmp_path, fmt):
    import json

    har = json.loads((ROOT / "tests" / "data" / "captures2" / "session-loop.har").read_text())
    for e in har["log"]["entries"]:
        e["request"]["url"] = e["request"]["url"].replace("return_to=%2Fprojects", "return_to=" + RETURN_TO)
        for h in e["response"]["headers"]:
            if h["name"].lower() == "location":
                h["value"] = h["value"].replace("return_to=%2Fprojects", "return_to=" + RETURN_TO)
    path = tmp_path / "loop.har"
    path.write_text(json.dumps(har))

    def flows(*extra):
        r = CliRunner().invoke(main, ["flows", str(path), "--format", fmt, *extra], catch_exceptions=False)
        return r.stdout

    assert "wbaker%2540corp.example" in flows() and "jroe.smith" in flows()
    _no_leak(flows("--redact"), ("wbaker", "jroe.smith", "tok998877"), f"flows {fmt}")


def test_a_whole_field_or_word_is_no_cut_value():
    """A first version of the cut-tail rule masked a whole field ('sp': 'SonarQube') as the group
    'SonarQube-admins' it starts."""
    red = Redactor(["SonarQube-admins", "sonar.dev@corp.example", "10.0.0.5"])
    for text in ("SonarQube", "failed login to SonarQube", "use version 10.0 or later", "sonar"):
        assert red.text(text) == text
    assert red.text("for user sonar.de") == "for user " + mask("sonar.dev@corp.example", "email")


def test_redacting_a_long_run_of_tildes_is_linear():
    """URL user info's second pattern was tried from every '~' of a run (80,000: 6.5 s); a user
    part is at most 128 characters now, and '/~alice:pw@host' is still masked."""
    import time

    from samlscan.report.redact import Redactor

    start = time.process_time()
    Redactor().text("~" * 40_000)
    assert time.process_time() - start < 0.5
    assert "alice" not in Redactor().text("https://host/~alice:pw@corp.example.com/x")


def test_a_cut_value_before_the_cut_mark_is_masked():
    """Notes now end a cut line with ' ...': the cut-tail rule looked only at the text's last word."""
    assert "rachel" not in Redactor(["rachel.yeats@corp.example"]).text("a|b|for rachel.yeats@co ...")


@pytest.mark.parametrize("text, masked", [
    ("CN=Apple Inc.,O=Apple Inc.", False), ("CN=Red Hat,O=Red Hat\\, Inc.", False),
    ("CN=Mozilla Corporation", False), ("certificate SN=4D3F0A12 expired", False),
    ("attribute mapping: GN=firstName, SN=lastName", False),
    ("CN=Jane Roe,SN=Roe,GN=Jane", True),
    # (a fifth review: the names in their other usual forms stay masked)
    ("subject=SN=Roe,GN=Jane", True), ("Subject:\n\tSN=Roe", True), ("(SN=Roe)", True), ("SN=DUPONT", True),
    ("subject CN=Jane Roe,O=Example; other cert O=Jane Roe Holdings", True),
    ("issuer CN=Jane Roe,OU=IT,O=Jane Roe", True),
])
def test_companies_serial_numbers_and_attribute_names_are_no_persons(text, masked):
    """Company certificates ('Inc.' with its dot), a serial number after 'SN=' and attribute names
    after 'GN='/'SN=' were masked as persons' names."""
    assert ("<pii:" in Redactor().text(text)) is masked


@pytest.mark.parametrize("text, kept", [
    ("O=Acme,SN=van Dijk,GN=Jan", "Dijk"), ("O=Acme,SN=de la Cruz", "Cruz"), ("SN=d'Alembert", "Alembert"),
    ("SN=Roe GN=Jane", "Jane"), ("CN=Ann Lee,O=Ann Leeds Ltd", "CN=Ann Lee"),
])
def test_names_in_their_other_forms_are_masked(text, kept):
    """A sixth review: surnames with particles, a subject written with spaces (the GN was eaten by
    the SN's value and shown) and a CN that only begins the O= of another company stayed visible."""
    assert kept not in Redactor().text(text)


def test_a_company_in_openssls_one_line_form_is_no_person():
    assert Redactor().text("/CN=Red Hat/O=Red Hat, Inc.") == "/CN=Red Hat/O=Red Hat, Inc."
