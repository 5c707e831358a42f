"""Inputs a deterministic mutation fuzzer (fixtures and the python3-saml corpus, truncated, flipped,
re-encoded, inflated) made samlscan misbehave with; each is minimised here and must now end fast,
without a traceback, with every input accounted for."""
from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpus_util import corpus_dir
from samlscan.cli import main
from samlscan.report.redact import Redactor
from samlscan.sanitize import _mask_emails


def timed(fn, *args):
    start = time.process_time()  # (this process's CPU: a shared machine's load does not count)
    out = fn(*args)
    return out, time.process_time() - start


# --- --redact's email pattern was quadratic in a run without an '@' -------------------------------

@pytest.mark.parametrize("run", ["A" * 60_000, "%41" * 20_000, "a-" * 30_000])
def test_redacting_a_long_run_without_an_email_is_linear(run):
    """A base64 message in a logged line, a URL-encoded blob: 60,000 characters took ~6 s per
    string redacted (every finding's text, every format's copy of it)."""
    text = f"user dev.user1@example.com sent {run} to x%40y.org"
    out, seconds = timed(Redactor().text, text)
    assert seconds < 0.5
    assert "dev.user1@example.com" not in out and "x%40y.org" not in out and run in out
    _, seconds = timed(_mask_emails, text)
    assert seconds < 0.5


@pytest.mark.parametrize("text, masked", [
    ("a@b.com.x@c.org", ["a@b.com", "x@c.org"]),  # the second starts inside the first's run
    ("a%40b%40example.com", ["a%40b%40example.com"]),
    ("first.last+tag@corp.example.com,other@corp.example.com", ["first.last+tag@corp.example.com",
                                                                  "other@corp.example.com"]),
])
def test_redacted_emails_are_the_ones_found_before(text, masked):
    out = Redactor().text(text)
    assert out.count("<email:") == len(masked) and not any(m in out for m in masked)


def test_check_redact_of_a_huge_namespace_ends(tmp_path):
    """A Response whose namespace URI is 50,000 characters: the input-not-saml finding quotes it,
    and every --redact format took minutes."""
    path = tmp_path / "ns.xml"
    path.write_text('<saml2p:Response xmlns:saml2p="' + "A" * 50_000 + '" ID="x"/>')
    for fmt in ("csv", "json", "sarif"):
        r, seconds = timed(CliRunner().invoke, main, ["check", str(path), "--redact", "--format", fmt, "-q"])
        assert r.exit_code in (0, 1) and seconds < 5, (fmt, seconds, r.output[-300:])
        if fmt != "csv":
            json.loads(r.stdout)


# --- wrong JSON types in a HAR, impossible zones in a log, wrong types in settings.json ---------

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CONFIG = FIXTURES / "config" / "default.toml"


def _check(*args):
    r = CliRunner().invoke(main, ["check", *map(str, args), "--format", "json", "-q"])
    return r, (json.loads(r.stdout) if r.stdout.strip() else None)


@pytest.mark.parametrize("value", [1e308, 7, "JSESSIONID=1", {"name": "x"}, True])
@pytest.mark.parametrize("member", ["cookies", "headers"])
def test_a_har_array_of_another_type_is_read_as_empty(tmp_path, member, value):
    """HAR 1.2 says 'cookies' and 'headers' are arrays; a number there was a TypeError
    (an internal-error finding): the entry is read without them."""
    har = json.loads((FIXTURES / "captures" / "firefox-unauthorized.har").read_text())
    for entry in har["log"]["entries"]:
        entry["response"][member] = value
        entry["request"][member] = value
    path = tmp_path / "capture.har"
    path.write_text(json.dumps(har))
    r, doc = _check("--config", CONFIG, path)
    assert r.exit_code in (0, 1), r.output
    assert "internal-error" not in r.stdout and doc["inputs"][0]["status"] == "scanned"
    assert doc["messages"]


@pytest.mark.parametrize("stamp", ["2025-03-11T08:40:59.102-99:99", "2025-03-11T08:40:59.102+25:00",
                                   "0001-01-01T00:00:00.000+01:00", "9999-12-31T23:59:59.000-01:00"])
def test_a_log_time_with_an_impossible_offset_is_no_internal_error(tmp_path, stamp):
    """An offset beyond +-14:00 was a ValueError of Python's timezone, a year-1 time with an offset
    an OverflowError: both made the whole log an internal-error finding."""
    doc = json.loads((FIXTURES / "logs" / "shibboleth" / "wrapped" / "sumo-search-job.json").read_text())
    first = doc["messages"][0]["map"]
    first["_raw"] = first["_raw"].replace("2025-03-11T08:41:01.377Z", stamp)
    path = tmp_path / "sumo-search-job.json"
    path.write_text(json.dumps(doc))
    r, doc = _check("--config", CONFIG, path)
    assert r.exit_code in (0, 1), r.output
    assert "internal-error" not in r.stdout and doc["inputs"][0]["status"] == "scanned"
    assert doc["summary"]["events"] >= 1  # the others still read


def test_a_zone_less_year_one_time_in_a_zone_is_kept(tmp_path):
    from zoneinfo import ZoneInfo

    from samlscan.logs._common import parse_iso

    assert parse_iso("2025-03-11T08:00:00+25:00") == (None, False)
    assert parse_iso("0001-01-01T00:10:00", ZoneInfo("Asia/Tokyo"))[0].year == 1


@pytest.mark.parametrize("edit, named", [
    (lambda d: d.update(idp=[d["idp"]]), "idp must be an object, not an array"),
    (lambda d: d.update(sp=7), "sp must be an object"),
    (lambda d: d["sp"].update(assertionConsumerService=1), "sp.assertionConsumerService must be an object"),
    (lambda d: d["sp"]["assertionConsumerService"].update(url=-1), "sp.assertionConsumerService.url must be a string"),
    (lambda d: d["idp"].update(entityId=["x"]), "idp.entityId must be a string, not an array"),
    (lambda d: d["idp"].update(x509certMulti={"signing": 5}), "idp.x509certMulti.signing must be an array"),
])
def test_python3_saml_settings_of_the_wrong_type_are_one_config_error(tmp_path, edit, named):
    """A settings.json member of another JSON type was an AttributeError (exit 2 'internal error')
    or, for a number as the ACS URL, an internal-error finding of check_destination."""
    doc = json.loads((corpus_dir() / "settings" / "settings1.json").read_text())
    edit(doc)
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(doc))
    r = CliRunner().invoke(main, ["check", "--config", str(path), str(FIXTURES / "responses" / "valid" / "okta.xml")])
    assert r.exit_code == 2 and "internal" not in r.output
    (line,) = r.stderr.strip().splitlines()
    assert str(path) in line and named in line, line



# --- a private key inside a log line ---------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv", "sarif", "html"])
def test_a_private_key_in_a_failing_log_line_reaches_no_output(tmp_path, fmt):
    """An app that logs its settings: the failing line, quoted in the attempt's notes and its
    cause finding, printed the key in every format (with --redact too). Raw, JSON-escaped, and cut
    off before its END line: all removed."""
    key = (Path(__file__).resolve().parents[1] / "fixtures" / "keys" / "sp.key").read_text()
    body = key.splitlines()[1]
    head = ("2025.03.11 09:41:07 ERROR web[7c1e2a9{n}][c.o.s.a.SamlResponse] Signature validation failed. "
            "SAML Response rejected (settings: privateKey=")
    log = tmp_path / "web.log"
    log.write_text(head.format(n=1) + json.dumps(key)[1:-1] + "\n"
                   + head.format(n=2) + key.replace("\n", " ") + "\n"
                   + head.format(n=3) + key[:600].replace("\n", "\\n") + "\n")
    for extra in ([], ["--redact"]):
        out = CliRunner().invoke(main, ["check", str(log), "--format", fmt, *extra]).output
        assert "Signature validation failed" in out
        assert "PRIVATE KEY" not in out and body[:40] not in out


def test_a_root_of_a_huge_namespace_is_quoted_short(tmp_path):
    """The input-not-saml finding quoted a 100 KB namespace URI whole, in every format."""
    path = tmp_path / "x.xml"
    path.write_text('<r:Response xmlns:r="urn:' + "A" * 100_000 + '"/>')
    doc = json.loads(CliRunner().invoke(main, ["check", str(path), "--format", "json"]).stdout)
    (finding,) = doc["input_findings"]
    assert finding["code"] == "input-not-saml" and len(finding["message_text"]) < 400


def test_sanitize_drops_an_entry_nested_past_the_parsers_limit(tmp_path):
    """A HAR entry nested past the JSON parser's limit was an internal error of `samlscan sanitize`."""
    src = tmp_path / "deep.har"
    src.write_text('{"log": {"version": "1.2", "entries": [' + '{"a":' * 200_000 + "1" + "}" * 200_000 + "]}}")
    result = CliRunner().invoke(main, ["sanitize", str(src), "-o", str(tmp_path / "out.har")])
    assert result.exit_code == 0 and "dropped 1 entry" in result.output
    assert json.loads((tmp_path / "out.har").read_text())["log"]["entries"] == []


@pytest.mark.parametrize("shape", ["bare", "pgp", "putty"])
def test_private_keys_of_other_shapes_reach_no_output(tmp_path, shape):
    """A python3-saml 'privateKey' (base64 without PEM lines), an OpenPGP key block and a PuTTY key's
    private lines were printed whole (the remover knew only '... PRIVATE KEY-----' blocks)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    der = rsa.generate_private_key(65537, 1024).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    body = base64.b64encode(der).decode()
    key = {"bare": f'"privateKey": "{body}"',
           "pgp": "-----BEGIN PGP PRIVATE KEY BLOCK-----\\n\\n" + body[:300] + "\\n=AbCd\\n-----END PGP PRIVATE KEY BLOCK-----",
           "putty": "PuTTY-User-Key-File-2: ssh-rsa\\nPrivate-Lines: 4\\n" + body[:256] + "\\nPrivate-MAC: 00ff"}[shape]
    log = tmp_path / "web.log"
    log.write_text("2025.03.11 09:41:07 ERROR web[7c1e2a91][c.o.s.a.SamlResponse] Signature validation failed. "
                   f"SAML Response rejected (settings: {key})\n")
    out = CliRunner().invoke(main, ["check", str(log), "--format", "json"]).stdout
    assert "Signature validation failed" in out and body[40:80] not in out


def test_a_text_that_names_the_pem_format_keeps_its_words():
    """'expected -----BEGIN PRIVATE KEY----- header' names a format, holds no key: the remover cut
    the line there, the cause after it lost."""
    from samlscan.privatekeys import without_private_keys

    text = "sp key is not PEM: expected -----BEGIN PRIVATE KEY----- header) ; cause: Signature validation failed"
    assert without_private_keys(text) == text


def test_a_long_word_before_a_pasted_query_is_read_in_linear_time():
    """A query run was found by a pattern tried from every character of a long word before it: a
    30 KB token in a paste (an Authorization header) took 46 s."""
    from samlscan.inputs import blob

    start = time.process_time()
    params = blob._query_params("x" * 200_000 + " https://sp.example.com/acs?SAMLResponse=abc&RelayState=r")
    assert params == {"SAMLResponse": "abc", "RelayState": "r"} and time.process_time() - start < 0.5
    # many queries: each looks back only to the previous one (a delimiter the text lacks made each
    # look back to the text's start)
    start = time.process_time()
    assert blob._query_params("SAMLResponse=a " * 150_000) == {"SAMLResponse": "a"}
    assert time.process_time() - start < 3


@pytest.mark.parametrize("escape", [lambda k: k, lambda k: json.dumps(k)[1:-1],
                                    lambda k: json.dumps(k)[1:-1].replace("/", "\\/")],
                         ids=["raw", "json", "php-json"])
def test_an_encrypted_pem_key_with_headers_is_removed(escape):
    """An encrypted traditional key ('Proc-Type: 4,ENCRYPTED', 'DEK-Info: ...' before its body) was
    not seen as a key, and PHP's json_encode ('\\/') stopped the removal at its first slash."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from samlscan.privatekeys import without_private_keys

    key = rsa.generate_private_key(65537, 1024).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.BestAvailableEncryption(b"pw")).decode()
    out = without_private_keys("settings: " + escape(key) + " ; cause: x")
    assert "PRIVATE KEY" not in out and key.splitlines()[-2][:20] not in out and out.endswith(" ; cause: x")


@pytest.mark.parametrize("kind", ["rsa-pkcs8", "rsa-pkcs1", "ec-pkcs8", "ec-sec1"])
def test_a_bare_key_is_removed_exactly_with_or_without_padding(kind):
    """A bare base64 key is taken as long as its DER says: a key without '=' padding ran on into
    the words after it and was kept whole (they did not decode as a key), a padded one took the
    cause after it away; EC keys ('MH...', 'MG...') were not looked at."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    from samlscan.privatekeys import without_private_keys

    key = rsa.generate_private_key(65537, 2048) if kind.startswith("rsa") else ec.generate_private_key(ec.SECP256R1())
    fmt = serialization.PrivateFormat.PKCS8 if kind.endswith("pkcs8") else serialization.PrivateFormat.TraditionalOpenSSL
    body = base64.b64encode(key.private_bytes(serialization.Encoding.DER, fmt, serialization.NoEncryption())).decode()
    for text in (f"privateKey {body} is not valid for sp sonar", f"privateKey {body.rstrip('=')} is not valid for sp sonar"):
        out = without_private_keys(text)
        assert body[20:60] not in out and out.endswith(" is not valid for sp sonar")


def test_every_bare_key_of_a_text_is_removed_whatever_comes_before_it():
    """A run of base64 and spaces was judged by its first object only: a word such as 'MHz' or
    'MIGRATION', a certificate or a first key before a key hid it (and a second key after a first)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    from samlscan.privatekeys import without_private_keys

    def body(key, fmt=serialization.PrivateFormat.PKCS8):
        return base64.b64encode(key.private_bytes(serialization.Encoding.DER, fmt, serialization.NoEncryption())).decode()

    rsa_key, ec_key = body(rsa.generate_private_key(65537, 2048)), body(ec.generate_private_key(ec.SECP256R1()),
                                                                        serialization.PrivateFormat.TraditionalOpenSSL)
    cert = "".join((Path(__file__).resolve().parents[1] / "fixtures" / "keys" / "idp.crt").read_text().splitlines()[1:-1])
    for text in ("Set to 5 MHz and key " + rsa_key, "MIGRATION done with privateKey " + rsa_key,
                 cert + "\n" + rsa_key, rsa_key + " " + ec_key, "ID " + "MIab" * 100 + " " + rsa_key):
        out = without_private_keys(text)
        assert rsa_key[30:70] not in out and ec_key[30:70] not in out
    assert cert in without_private_keys(cert + "\n" + rsa_key)


def test_bare_keys_in_their_remaining_shapes_are_removed():
    """A sixth review: a 3072-bit key JSON-escaped by PHP ('MIIG\\/...': the start needed ten plain
    characters), the 65th key of a text (removed keys counted against the budget), a key cut short
    (it still holds its secrets), and a key right after a JSON '\\n' or a letter leaked."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    from samlscan.privatekeys import without_private_keys

    def body(key):
        return base64.b64encode(key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption())).decode()

    big = body(rsa.generate_private_key(65537, 3072))
    small = body(ec.generate_private_key(ec.SECP256R1()))
    cases = {
        "php": ("error: settings " + json.dumps({"sp": {"privateKey": big}}).replace("/", "\\/"), big),
        "many": ("error: tenants " + json.dumps({f"t{i}": {"privateKey": small} for i in range(70)}), small),
        "cut": ('error: settings {"privateKey": "' + big[: len(big) * 9 // 10], big),
        "newline": (json.dumps({"sp": {"privateKey": "\n" + small + "\n"}}), small),
        "letter": ("privateKey" + small + " end", small),
    }
    for name, (text, key) in cases.items():
        assert key[40:80] not in without_private_keys(text), name
