"""Fuzzing round 7: the newest readers under hostile input, and what it found. The readers of error
pages (samlscan.errorpages, the sniff of logs.errorpage that runs on every input not claimed before
it), the streamed metadata aggregate (xmlsafe.iter_complete, config.metadata._chosen_idp) and the jsonl line
ends, fed real pages, metadata and logs (tests/data/errorpages, the pages of test_errorpages*.py,
bench_metadata's aggregate, tests/data/case13 and case14) mutated by a seeded generator.

Time: growth, never one input's absolute time (tests/growth_util.py; CI is a loaded 2-core machine).
A page is read only up to PAGE_MAX (256 KB; a MIME document up to 16 MB, of which 4 text parts of
the first 32 are read) and every pattern is meant to be linear with at most ~2000 characters looked
at from each position (TAG, _BLOCK_OPEN: 0.75 s on 256 KB of '<', the slowest measured); a pattern
that backtracks over the whole line from each position is quadratic and takes minutes there. Growth:
the time of 4n stays under 8 times n's (plus a fixed allowance for timer noise): linear passes,
quadratic (16x) does not. A fuzzed input slower than SUSPECT is judged so against its first quarter.
"""
from __future__ import annotations

import base64
import quopri
import random
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.engine import sniff
from samlscan.errorpages import read_page
from samlscan.logs.errorpage import PARSER
from growth_util import assert_linear, assert_not_superlinear, cpu_seconds
from test_errorpages import ADFS_PAGE, ENTRA_HTML, ENTRA_PAGE, GOOGLE_PAGE, OKTA_PAGE, SONAR_PAGE, SSP_PAGE
from test_errorpages2 import _mhtml

DATA = Path(__file__).parent / "data"
SUSPECT = 1.0
HEAD = 64 * 1024


def _pages() -> list[str]:
    files = [p.read_text(encoding="utf-8") for p in sorted((DATA / "errorpages").glob("*.txt"))
             if not p.name.startswith("ticket")]
    return files + [ENTRA_PAGE, ENTRA_HTML, ADFS_PAGE, GOOGLE_PAGE, OKTA_PAGE, SONAR_PAGE, SSP_PAGE]


def _timed(fn, *args):
    """fn(*args) and the CPU seconds it took (growth_util: other processes' load does not count)."""
    start = cpu_seconds()
    out = fn(*args)
    return out, cpu_seconds() - start


def _read(text: str):
    """read_page and the sniff of the same text: no exception; either, when slower than SUSPECT,
    grows no faster than linearly from the text's first quarter."""
    page = assert_not_superlinear(read_page, text, SUSPECT)
    claimed = assert_not_superlinear(PARSER.sniff, text[:HEAD], SUSPECT)
    return page, claimed


def _linear(make, n: int) -> None:
    """read_page of make(4n) takes no more than 8 times make(n)'s."""
    assert_linear(read_page, make, n)


# --- what the round found ------------------------------------------------------------------------

def test_an_unclosed_quote_after_user_in_an_entra_page_is_read_in_linear_time():
    """Entra's reader looked for the user ('The signed in user 'x@y' is blocked') with
    '([^'\\s]+@[^'\\s]+)'': a quote with many '@' and no closing one backtracked over every '@' from
    every one (23 s for 62 KB, 7.5 minutes for 250 KB). Now the quote is taken whole and the '@'
    checked apart: the page is read in milliseconds, its user still found."""
    head = f"Request Id: {'7f3e9a2b-1c4d-4e5f-8a6b-9c0d1e2f3a4b'}\nMessage: AADSTS50105: blocked\n"
    page = read_page(head + "user '" + "a@" * 16_000)
    assert page is not None and page.product == "entra" and page.user is None
    _linear(lambda n: head + "user '" + "a@" * n, 4_000)  # (16,000: 23 s before)
    assert read_page(ENTRA_PAGE).user == "jdoe@example.com"
    assert read_page(head + "The signed in user 'bob' and user 'ann@example.com' x").user == "ann@example.com"


def test_many_tracking_numbers_on_one_line_are_read_in_linear_time():
    """SimpleSAMLphp's reader searched each line with 'tracking number\\b.*?:\\s*([0-9a-f]{10})?\\s*$':
    from every 'tracking number' it tried every colon to the line's end, quadratic (31 s for 250 KB
    of 'tracking number: a'). Now the line's last colon is found once; the page is read as before."""
    line = "tracking number: a " * 3_300  # 62 KB: 3 s before
    assert read_page(line) is None
    _linear(lambda n: "tracking number: a " * n, 3_000)
    assert read_page(SSP_PAGE).request_id == "3a5f0c9e1b"
    one = SSP_PAGE.replace(":\n3a5f0c9e1b", ": 3A5F0C9E1B")
    assert read_page(one).request_id == "3A5F0C9E1B"
    assert read_page(SSP_PAGE.replace("3a5f0c9e1b", "not-an-id")) is None


def test_a_boundary_in_rfc2231_form_is_the_boundary():
    """A MIME header may give its boundary as an RFC 2231 parameter ('boundary*=utf-8''x'); read with
    get_param it was a (charset, language, value) tuple whose str() never delimits a part: the page in
    the .eml was lost. get_boundary decodes it."""
    page = (DATA / "errorpages" / "keycloak-unknown-requester.txt").read_text(encoding="utf-8")
    eml = ("MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary*=utf-8''b0und\n\n--b0und\n"
           f"Content-Type: text/plain; charset=utf-8\n\n{page}\n--b0und--\n")
    found = read_page(eml)
    assert found is not None and found.product == "keycloak"



@pytest.mark.parametrize("charset", ["idna", "punycode"])
def test_a_part_in_a_codec_that_is_no_charset_is_read_as_utf8(charset):
    """A part whose charset names one of Python's codecs that are no charset: 'idna' refuses the
    'replace' handler (UnicodeError), 'punycode' non-ASCII bytes (UnicodeDecodeError): the sniff
    took the exception for 'not a page' and the .eml's page was lost (input-not-saml). Such a part
    is read as UTF-8, as one in a charset Python does not know."""
    page = (DATA / "errorpages" / "keycloak-redirect-uri.txt").read_text(encoding="utf-8")
    eml = ("MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n--B\n"
           f"Content-Type: text/html; charset={charset}\nContent-Transfer-Encoding: quoted-printable\n\n"
           + quopri.encodestring(page.encode("utf-8")).decode() + "\n--B--\n")
    found = read_page(eml)
    assert found is not None and found.product == "keycloak" and PARSER.sniff(eml)

# --- the fuzzer: pages ---------------------------------------------------------------------------

def _mime(body: str, rng: random.Random) -> str:
    """`body` as one part of a MIME document, in an encoding, a charset and a nesting chosen by rng;
    sometimes damaged (quoted-printable or base64 broken, an unknown charset, the boundary never closed)."""
    encoding = rng.choice(["quoted-printable", "base64", "8bit"])
    data = body.encode("utf-8")
    text = (quopri.encodestring(data).decode() if encoding == "quoted-printable"
            else base64.encodebytes(data).decode() if encoding == "base64" else body)
    if rng.random() < 0.3:  # broken: a stray '=', a cut base64 quantum, garbage
        at = rng.randrange(len(text) + 1)
        text = text[:at] + rng.choice(["=", "=Z", "!!!", "====", "=\n=\n"]) + text[at:]
    charset = rng.choice(["utf-8", "x-unknown-charset", "utf-7", "utf-16", "iso-8859-2", '"', "utf-8'en'",
                          "idna", "punycode", "unicode_escape", "hex", "utf-32"])
    part = (f"Content-Type: text/{rng.choice(['html', 'plain'])}; charset={charset}\n"
            f"Content-Transfer-Encoding: {encoding}\n\n{text}")
    for depth in range(rng.choice([0, 1, 2, 3, 5])):
        b = f"b{depth}-{rng.randrange(10**6)}"
        close = "" if rng.random() < 0.2 else f"\n--{b}--\n"
        part = f"Content-Type: multipart/{rng.choice(['mixed', 'related', 'alternative'])}; boundary=\"{b}\"\n\n" \
               f"--{b}\n{part}{close}"
    return "MIME-Version: 1.0\n" + part


def _mutant(page: str, rng: random.Random) -> str:
    lines = page.splitlines()
    kind = rng.randrange(10)
    if kind == 0:  # cut short
        return page[:rng.randrange(len(page) + 1)]
    if kind == 1:  # a line many times
        i = rng.randrange(len(lines))
        return "\n".join(lines[:i] + [lines[i]] * rng.choice([10, 1000, 10_000]) + lines[i:])[:300_000]
    if kind == 2:  # unclosed tags, comments, scripts
        junk = rng.choice(["<", "<script>", "<style ", "<!--", "<div class='", "&#", "&#x"]) * rng.choice([10, 5000])
        at = rng.randrange(len(page) + 1)
        return page[:at] + junk + page[at:]
    if kind == 3:  # one line, no breaks
        return " ".join(lines)
    if kind == 4:  # CRs, NULs, odd spaces
        return page.replace("\n", rng.choice(["\r\n", "\r", "\x00\n", "\u2028", "\x85"]))
    if kind == 5:
        return _mime(page, rng)
    if kind == 6:  # a huge header before the page
        return "Content-Type: multipart/mixed; boundary=B\nX-Big: " + "h" * rng.choice([100, 70_000]) \
            + "\n\n--B\nContent-Type: text/plain\n\n" + page
    if kind == 7:  # lines shuffled
        return "\n".join(rng.sample(lines, len(lines)))
    if kind == 8:  # 10,000 boundaries, the page in the last part
        parts = "".join("--B\nContent-Type: text/plain\n\nx\n" for _ in range(10_000))
        return f"Content-Type: multipart/mixed; boundary=B\n\n{parts}--B\nContent-Type: text/plain\n\n{page}"
    return page.upper() if rng.random() < 0.5 else page.lower()


def test_mutated_pages_are_read_without_error_within_the_bound():
    rng = random.Random(7)
    pages = _pages()
    for page in pages:
        assert _read(page)[0] is not None
    for _ in range(400):
        _read(_mutant(rng.choice(pages), rng))


ANCHORS = ["We are sorry", "AADSTS50105", "Activity ID:", "Sorry, you can't access", "not assigned",
           "403. That's an error.", "Error: app_not_configured", "Web Login Service - x", "Error Message:",
           "tracking number:", "You're not authorized to access this page", "Request Id:", "Oops!",
           "There could be a misconfiguration in the system or a service outage", "TECHNICAL DETAILS:",
           "user 'a@", "MSIS7000", "<script>", "Message: AADSTS", "Timestamp:", "Reason:"]


@pytest.mark.parametrize("sep", [" ", "\n"])
def test_near_matches_of_every_anchor_read_in_linear_time(sep):
    """250 KB of each anchor of the readers, on one line or on many ('We are sorry' x 10,000...)."""
    for anchor in ANCHORS:
        text = (anchor + sep) * (250_000 // (len(anchor) + 1))
        _read(text[:250_000])
        _linear(lambda n, a=anchor: ((a + sep) * n)[:n * (len(a) + 1)], 1_500)


def test_prose_and_logs_are_never_read_as_a_page():
    """A sentence quoting each page's lines, the support case's logs (whole, cut, lines reordered):
    none is a page, neither for read_page nor for the sniff of a folder's files."""
    rng = random.Random(77)
    for page in _pages():
        for line in (ln for ln in page.splitlines() if ln.strip() and "<" not in ln):
            prose = f'The customer says the login fails: "{line.strip()}". Could you look into it?\n'
            assert read_page(prose) is None, prose
    logs = [p for case in ("case13", "case14") for p in sorted((DATA / case).glob("*.log"))]
    assert logs
    for path in logs:
        text = path.read_text(encoding="utf-8", errors="replace")
        lines = text.splitlines()
        for variant in (text, text[:rng.randrange(len(text))], "\n".join(rng.sample(lines, len(lines)))):
            head = variant[:HEAD]
            assert sniff(head.encode("utf-8")).name != PARSER.name, path
            assert not PARSER.sniff(head), path


# --- the fuzzer: MIME documents through the CLI -----------------------------------------------------

def test_hostile_mime_documents_end_in_a_report(tmp_path):
    """Each hostile document is an input of the report (scanned, skipped or failed: accounted for),
    with no traceback."""
    rng = random.Random(70)
    page = (DATA / "errorpages" / "keycloak-redirect-uri.txt").read_text(encoding="utf-8")
    docs = {"never-closed.eml": "Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/html\n\n" + page,
            "deep.eml": _mime(page, random.Random(1)),
            "mhtml-cut.mhtml": _mhtml(page)[:900],
            "mhtml.mhtml": _mhtml(page.replace("\n", "<br>\n"), "base64", 4096)}
    for n in range(6):
        docs[f"fuzz{n}.eml"] = _mime(page, rng)
    for name, text in docs.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["scan", str(tmp_path), "--format", "json", "-j", "1"])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1), result.output[-800:]
    import json

    inputs = json.loads(result.stdout)["inputs"]
    assert {Path(i["path"]).name for i in inputs} == set(docs)


# --- the streamed metadata aggregate ------------------------------------------------------------

def _aggregate(path: Path, entities: int, extra: bytes = b"") -> Path:
    head = (b'<?xml version="1.0" encoding="UTF-8"?>\n<md:EntitiesDescriptor '
            b'xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" Name="urn:example:federation">\n')
    with open(path, "wb") as fh:
        fh.write(head)
        for n in range(entities):
            fh.write(b'<md:EntityDescriptor entityID="https://idp%d.example.org/idp"><md:IDPSSODescriptor '
                     b'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>\n' % n)
            if n == entities - 2:
                fh.write(extra)
        fh.write(b"</md:EntitiesDescriptor>\n")
    return path


def _load(path: Path):
    from samlscan import config

    return _timed(config.load_idp_metadata, path)


def test_an_aggregate_of_tiny_entities_is_read_in_linear_time(tmp_path):
    """56,000 and 4 x 56,000 entities of 150 bytes (over 8 MiB: streamed): every IdP is held."""
    from samlscan import config

    small, big = _aggregate(tmp_path / "a.xml", 56_000), _aggregate(tmp_path / "b.xml", 224_000)
    (held, t_small), (_, t_big) = _load(small), _load(big)
    assert held == {"idp_aggregates": (str(small),)} and config.aggregate_size(str(small)) == 56_000
    assert config.aggregate_size(str(big)) == 224_000
    assert t_big < 8 * t_small + 0.25, (t_small, t_big)  # (growth: 4x the entities, linear)


@pytest.mark.parametrize("extra, said", [
    (b"<!DOCTYPE x [<!ENTITY a 'b'>]>", "DOCTYPE"),
    (b'<md:EntityDescriptor entityID="https://big.example.org/idp" x="' + b"a" * (20 * 1024 * 1024) + b'"/>',
     "too large"),
    (b"<md:EntityDescriptor", "not well-formed"),
])
def test_a_hostile_aggregate_ends_in_one_clear_line(tmp_path, extra, said):
    """A DOCTYPE after the first 8 MiB, one 20 MB attribute, a cut element: exit 2, one line."""
    meta = _aggregate(tmp_path / "agg.xml", 56_000, extra)
    response = DATA / "case14" / "paul-response.xml"
    result = CliRunner().invoke(main, ["check", str(response), "--idp-metadata", str(meta)])
    assert result.exit_code == 2 and not isinstance(result.exception, (KeyError, TypeError, ValueError))
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and said in lines[0] and "Traceback" not in result.output, result.output[-500:]



@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_a_doctype_after_4_kb_of_a_utf16_aggregate_is_refused(tmp_path, encoding):
    """The DOCTYPE scan read only the first 4 KB of a UTF-16 document (its NULs dropped) and the
    rest as bytes, where '<!DOCTYPE' is '<\\0!\\0...': a comment of 5,000 characters before the DOCTYPE
    hid it, and the streamed aggregate (over 8 MiB, iter_complete), which has no after-parse check,
    took the entities it declares and expanded them into the entityIDs. Now the whole of a UTF-16
    document is scanned, and iter_complete checks the parsed prolog as parse_xml does."""
    from samlscan import config
    from samlscan.errors import ConfigError

    meta = _aggregate(tmp_path / "utf8.xml", 56_000).read_text(encoding="utf-8")
    head, _, rest = meta.partition("\n")
    hidden = (head.replace("UTF-8", encoding.upper()) + "\n<!--" + "c" * 5000 + "-->\n"
              "<!DOCTYPE md:EntitiesDescriptor [<!ENTITY a \"EXPANDED\">]>\n"
              + rest.replace("https://idp0.example.org/idp", "https://idp0.example.org/&a;"))
    path = tmp_path / "agg.xml"
    path.write_bytes(hidden.encode(encoding))
    with pytest.raises(ConfigError, match="DOCTYPE"):
        config.load_idp_metadata(path)

# --- IdP logs of many users, one in UTC and one in local time -----------------------------------------

def _zoned_logs(folder: Path, users: int, zone_hours: int) -> Path:
    """case13's two Shibboleth IdP logs for `users` users: the audit log in UTC (its own line, the
    time, user and IDs changed), the process log in local time `zone_hours` ahead, each login 2 s before."""
    from datetime import datetime, timedelta

    template = (DATA / "case13" / "idp-audit.log").read_text(encoding="utf-8").splitlines()[0].split("|")
    rng, audit, process = random.Random(users), [], []
    for i in range(users):
        at = datetime(2026, 1, 20, 6) + timedelta(seconds=37 * i + rng.randrange(30))
        user = f"user{i:05d}"
        fields = list(template)  # (its times, user and both IDs: one login each)
        fields[1:4] = f"{at:%Y-%m-%dT%H:%M:%S}.200Z", f"{at + timedelta(seconds=6):%Y-%m-%dT%H:%M:%S}.200Z", user
        fields[5], fields[17] = f"_{i:032x}", f"_a{i:031x}"
        audit.append("|".join(fields))
        local = at + timedelta(hours=zone_hours, seconds=-2)
        process.append(f"{local:%Y-%m-%d %H:%M:%S},200 - 145.100.12.21 - INFO [net.shibboleth.idp.authn.impl."
                       f"LDAPCredentialValidator:200] - Credential Validator ldap: Login by '{user}' succeeded")
    folder.mkdir()
    (folder / "idp-audit.log").write_text("\n".join(audit) + "\n", encoding="utf-8")
    (folder / "idp-process.log").write_text("\n".join(process) + "\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("zone_hours", [-11, 5, 13])
def test_many_users_at_a_zone_are_measured_in_linear_time(tmp_path, zone_hours):
    """500 and 2,000 users' logins in two IdP logs, one in UTC and one in local time: both logs read,
    the time of 4n under 8 times n's."""
    took = []
    for users in (500, 2000):
        folder = _zoned_logs(tmp_path / f"u{users}", users, zone_hours)
        (result, seconds) = _timed(CliRunner().invoke, main, ["scan", str(folder), "--format", "jsonl", "-j", "1"])
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert result.exit_code in (0, 1) and "2 scanned" in result.stderr, result.stderr[-500:]
        took.append(seconds)
    assert took[1] < 8 * took[0] + 0.5, took


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
