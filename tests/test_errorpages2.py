"""Error pages as evidence, part 2: Auth0's page pasted or saved (no URL beside it), a page saved by
the browser as .mhtml or carried in an .eml, the joins of an AD FS page to its event 364 and of a
SimpleSAMLphp page to its log, and pages whose text names the cause (Keycloak's redirect URI) or
says where it is (AD FS). Real texts: tests/data/errorpages/SOURCES.md."""
from __future__ import annotations

import base64
import json
import quopri
import shutil
from pathlib import Path

from click.testing import CliRunner

from samlscan.cli import main
from samlscan.errorpages import read_page
from test_adfs_events import ADMIN, event_xml, saved
from test_errorpages import ADFS_PAGE, ENTRA_HTML, SSP_PAGE

DATA = Path(__file__).parent / "data"
PAGES = DATA / "errorpages"
TRACKING = "4e2f9a81c0b3d7e61a2b"
# Auth0's generic error page as its text is copied from the browser: the tenant's name, the heading,
# Auth0's sentence, TECHNICAL DETAILS with the error and the tracking ID (the error line as
# community.auth0.com 129294 quotes it; the layout as tests/test_capture_gaps.auth0_page has it)
AUTH0_PAGE = f"""corp
Oops!, something went wrong
There could be a misconfiguration in the system or a service outage. We track these errors automatically, but if the problem persists feel free to contact us.
Please try again.
TECHNICAL DETAILS
invalid_request: No attribute was found to generate the nameIdentifier. We tried with: ["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier","http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"]
TRACKING ID: {TRACKING}
"""
AUTH0_HTML = ("<!DOCTYPE html><html><head><title>Error</title><style>.error_box { margin: 0 }</style></head><body>"
              "<div class=\"error_box\"><h2>Oops!, something went wrong</h2><p>There could be a misconfiguration in "
              "the system or a service outage. We track these errors automatically, but if the problem persists "
              "feel free to contact us.</p><p class=\"details\">invalid_request: No attribute was found to generate "
              "the nameIdentifier. We tried with: [&quot;http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
              f"nameidentifier&quot;]</p><p>TRACKING ID: <b>{TRACKING}</b></p><p>Please try again.</p></div>"
              "</body></html>")
ACTIVITY = "00000000-1111-2222-3333-44444444abcd"  # ADFS_PAGE's Activity ID


def _check(path: Path, *extra: str):
    return CliRunner().invoke(main, ["check", str(path), "--format", "json", *extra])


def _scan(folder: Path):
    return CliRunner().invoke(main, ["scan", str(folder), "--format", "json", "--jobs", "1"])


def _write(path: Path, text: str, newline: str | None = None) -> Path:
    with open(path, "w", encoding="utf-8", newline=newline) as fh:
        fh.write(text)
    return path


# --- 1. Auth0's page, pasted or saved ------------------------------------------------------------

def test_auth0_page_pasted_is_an_attempt(tmp_path):
    page = read_page(AUTH0_PAGE)
    assert page is not None and (page.product, page.side, page.raw_code) == ("auth0", "idp", "invalid_request")
    assert page.text.startswith("invalid_request: No attribute was found to generate the nameIdentifier")
    assert page.request_id == TRACKING
    res = _check(_write(tmp_path / "page.txt", AUTH0_PAGE))
    assert res.exit_code == 1, res.output  # before: input-not-saml, a warning, exit 0
    (attempt,) = json.loads(res.stdout)["attempts"]
    assert attempt["outcome"] == "failure" and attempt["root_cause"] == "idp-configuration-error"
    assert "nameIdentifierProbes" in attempt["fix"]


def test_auth0_page_saved_as_html_without_its_url():
    page = read_page(AUTH0_HTML)
    assert page is not None and (page.product, page.raw_code, page.request_id) == ("auth0", "invalid_request", TRACKING)


def test_auth0_page_pasted_as_one_line():
    """Universal Login's page copied as one line (a public note quotes it so: heading, sentence,
    'TECHNICAL DETAILS: invalid_request. You may have pressed the back button...')."""
    page = read_page((PAGES / "auth0-one-line.txt").read_text(encoding="utf-8"))
    assert page is not None and (page.product, page.raw_code) == ("auth0", "invalid_request")
    assert page.text.startswith("invalid_request: You may have pressed the back button")
    # with more of the page after it on the same line (its support links, the tracking ID)
    longer = read_page((PAGES / "auth0-one-line.txt").read_text(encoding="utf-8").strip() + " Support " * 80)
    assert longer is not None and longer.raw_code == "invalid_request"


def test_a_table_or_a_heading_alone_is_no_auth0_page():
    # a vendor's troubleshooting table quotes Auth0's sentence in a cell; any site says 'Oops!'
    table = ("| Error | Cause | Solution |\n|:------|:------|:---------|\n| There could be a misconfiguration in the "
             "system or a service outage | Identity provider initiated login | Use the direct link |\n")
    other = "Oops! Something went wrong\nWe could not load your dashboard.\ninvalid_request: try again later\n"
    assert read_page(table) is None and read_page(other) is None


# --- 2. a page saved as .mhtml, or in an .eml ----------------------------------------------------

BOUNDARY = "----MultipartBoundary--Vn3kQ8pL2xZ7mR4tW9yB1cD6fH0jK5sA----"


def _mhtml(html: str, encoding: str = "quoted-printable", image_bytes: int = 0) -> str:
    """A page as Chrome's 'Save page as... > Webpage, Single File' writes it (Blink's MHTML header,
    the page as the first part, then its images in base64), CRLF line ends."""
    body = (quopri.encodestring(html.encode()).decode() if encoding == "quoted-printable"
            else base64.encodebytes(html.encode()).decode())
    parts = [f"--{BOUNDARY}\nContent-Type: text/html\nContent-ID: <frame-5E1B@mhtml.blink>\n"
             f"Content-Transfer-Encoding: {encoding}\nContent-Location: https://login.microsoftonline.com/"
             f"tenant/saml2\n\n{body}"]
    if image_bytes:
        parts.append(f"--{BOUNDARY}\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n"
                     f"Content-Location: https://aadcdn.msauth.net/logo.png\n\n"
                     + base64.encodebytes(bytes(range(256)) * (image_bytes // 256)).decode())
    text = ("From: <Saved by Blink>\nSnapshot-Content-Location: https://login.microsoftonline.com/tenant/saml2\n"
            "Subject: Sign in to your account\nDate: Fri, 20 Nov 2026 10:16:02 -0000\nMIME-Version: 1.0\n"
            f"Content-Type: multipart/related;\n\ttype=\"text/html\";\n\tboundary=\"{BOUNDARY}\"\n\n\n"
            + "\n".join(parts) + f"\n--{BOUNDARY}--\n")
    return text.replace("\n", "\r\n")


def test_page_saved_as_mhtml_is_read(tmp_path):
    # its images make the file larger than any page: only the page's part is read
    path = _write(tmp_path / "page.mhtml", _mhtml(ENTRA_HTML, image_bytes=512 * 1024), newline="")
    res = _check(path)
    assert res.exit_code == 1, res.output  # before: the archive was input-not-saml, exit 0
    (attempt,) = json.loads(res.stdout)["attempts"]
    assert attempt["root_cause"] == "user-not-assigned" and attempt["time"].startswith("2026-11-20T10:15:32")


def test_mhtml_part_in_base64_and_a_paste_from_its_boundary():
    assert read_page(_mhtml(ENTRA_HTML, "base64")).raw_code == "AADSTS50105"
    pasted = _mhtml(ENTRA_HTML).split("\r\n\r\n\r\n", 1)[1]  # the headers left out: from '--boundary' on
    assert pasted.startswith("--" + BOUNDARY)
    page = read_page(pasted)
    assert page is not None and page.product == "entra" and page.raw_code == "AADSTS50105"


def test_page_forwarded_in_an_eml(tmp_path):
    """An e-mail that carries the page's text (multipart/mixed, then multipart/alternative, its
    text/plain part in base64, in another charset)."""
    plain = base64.encodebytes(ADFS_PAGE.encode("iso-8859-1")).decode()
    eml = ("From: helpdesk@example.com\nTo: iam@example.com\nSubject: Fwd: SSO broken\nMIME-Version: 1.0\n"
           "Content-Type: multipart/mixed; boundary=\"outer\"\n\n--outer\n"
           "Content-Type: multipart/alternative; boundary=\"inner\"\n\n--inner\n"
           "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: base64\n\n"
           f"{plain}\n--inner--\n--outer--\n")
    page = read_page(eml)
    assert page is not None and page.product == "adfs" and page.correlation_id == ACTIVITY
    res = _check(_write(tmp_path / "mail.eml", eml))
    (attempt,) = json.loads(res.stdout)["attempts"]
    assert attempt["outcome"] == "failure" and attempt["time"].startswith("2026-11-20T10:15:32")


def test_an_mhtml_of_another_page_is_no_page():
    assert read_page(_mhtml("<html><body><h1>Welcome</h1><p>Request Id: none</p></body></html>")) is None


# --- 3. end-to-end joins -------------------------------------------------------------------------

def test_adfs_page_joins_its_event_364_by_activity_id(tmp_path):
    """The page's Activity ID is the 364's (Event Viewer 'Save As' XML writes it in capitals in
    braces): one attempt, the 364's MSIS5007 its cause."""
    exc = ("Microsoft.IdentityServer.Service.IssuancePipeline.CallerAuthorizationException: MSIS5007: The caller "
           "authorization failed for caller identity CORP\\dfernandez for relying party trust https://sonar.example.com.\n")
    message = ("Encountered error during federation passive request. \n\nAdditional Data \n\nProtocol Name: \nSaml "
               f"\n\nRelying Party: \nhttps://sonar.example.com \n\nException details: \n{exc}")
    saved(tmp_path / "adfs-admin.xml", event_xml(ADMIN, 364, ["Saml", "https://sonar.example.com", exc], message,
                                                 ACTIVITY))
    _write(tmp_path / "page.txt", ADFS_PAGE)
    res = _scan(tmp_path)
    (attempt,) = json.loads(res.stdout)["attempts"]
    assert {Path(e["input"]).name for e in attempt["evidence"]} == {"adfs-admin.xml", "page.txt"}
    assert attempt["root_cause"] == "user-not-assigned"


def test_simplesamlphp_page_joins_its_log_by_track_id(tmp_path):
    shutil.copy(DATA / "case14" / "simplesamlphp.log", tmp_path)
    _write(tmp_path / "page.txt", SSP_PAGE.replace("3a5f0c9e1b", "5c891fffcf"))  # the log's [5c891fffcf]
    res = _scan(tmp_path)
    joined = [a for a in json.loads(res.stdout)["attempts"] if len(a["evidence"]) > 1]
    (attempt,) = joined
    assert {Path(e["input"]).name for e in attempt["evidence"]} == {"simplesamlphp.log", "page.txt"}
    assert attempt["outcome"] == "failure" and attempt["time"].startswith("2025-12-09T08:52:03")


# --- 4. pages that name their cause, or where it is -----------------------------------------------

def test_keycloak_invalid_redirect_uri_pages_name_the_cause(tmp_path):
    res = _check(PAGES / "keycloak-redirect-uri.txt")
    assert res.exit_code == 1, res.output  # before: unknown-failure, exit 0
    (attempt,) = json.loads(res.stdout)["attempts"]
    assert attempt["root_cause"] == "reply-url-mismatch" and "Valid redirect URIs" in attempt["fix"]
    # a SAML client's refusal of the AuthnRequest's ACS URL (SamlService: Messages.INVALID_REDIRECT_URI)
    res = _check(_write(tmp_path / "kc.txt", "We are sorry...\nInvalid redirect uri\n"))
    (attempt,) = json.loads(res.stdout)["attempts"]
    assert attempt["root_cause"] == "reply-url-mismatch" and "Assertion Consumer Service" in attempt["fix"]


def test_adfs_page_without_cause_says_where_the_cause_is():
    page = read_page(ADFS_PAGE)
    assert page.raw_code is None
    assert "event 364" in page.text and "AD FS/Admin" in page.text and ACTIVITY in page.text


# --- a hostile 'page' ----------------------------------------------------------------------------

def test_unclosed_script_tags_are_read_in_one_pass():
    """Every text that may be a page is read while sniffing: a regex that looks for '</script>' from
    each of thousands of unclosed '<script>' took minutes on a 256 KB text (77 s); one pass now, and
    what it removes is what that regex removed."""
    import re

    from growth_util import assert_linear
    from samlscan.errorpages import without_blocks

    assert read_page("<html>" + "<script>" * 8000 + "x" * (64 * 1024)) is None
    assert_linear(read_page, lambda n: "<html>" + "<script>" * n + "x" * (8 * n), 2000)
    regex = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
    for text in ("<p>a</p><script>var x = '<style>';</script><STYLE>p{}</Style ><script src=x></script>b",
                 "<style</style ></Script><style<SCRIPT>><SCRIPT><scripty>x</script<style> <script></Script> <style",
                 "<script>never closed <style>p{}</style> after"):
        assert without_blocks(text) == regex.sub(" ", text)


def test_a_page_saved_with_more_than_256_kb_after_it_is_read(tmp_path):
    """The sniff found the page in the file's head, then the reader dropped the whole file for being
    longer than a page (a page saved with its scripts): skipped as 'no SAML message or known log
    format'. What the head holds is read (left by the seventh fuzzing round)."""
    from test_errorpages import ENTRA_PAGE

    path = tmp_path / "page.html"
    path.write_text(ENTRA_PAGE + "<script>var x = 1;</script>\n" * 12000, encoding="utf-8")
    res = CliRunner().invoke(main, ["check", str(path), "--format", "json"])
    (attempt,) = json.loads(res.stdout)["attempts"]
    assert res.exit_code == 1 and attempt["root_cause"] == "user-not-assigned"
