"""Review of the sixteenth round: settings members of ticket archives (found.py,
archives.settings_members), cookies read precisely (flows), SP families and clock offsets on logs
alone (correlate)."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

from click.testing import CliRunner

from samlscan.cli import main

from case_util import folder_said

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "fixtures" / "scenarios" / "entra-proxy-spring"
METADATA, SETTINGS = "SonarQube.xml", "sonar-saml-settings.properties"


def _zip(path: Path, files: list[Path], method=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as zf:
        for f in files:
            zf.write(f, f.name)
    return path


def _ticket(folder: Path, method=zipfile.ZIP_DEFLATED) -> tuple[Path, Path]:
    """The case's attachments in `folder`, its IdP metadata and SP settings each zipped alone."""
    folder.mkdir()
    for f in CASE.iterdir():
        if f.name not in (METADATA, SETTINGS, "expected.json"):
            (folder / f.name).write_bytes(f.read_bytes())
    return (_zip(folder / "metadata.zip", [CASE / METADATA], method),
            _zip(folder / "settings.zip", [CASE / SETTINGS], method))


def _scan(target: Path) -> dict:
    res = CliRunner().invoke(main, ["scan", str(target), "--format", "json", "--timezone", "Europe/Amsterdam",
                                    "--jobs", "1", "--fail-on", "never"])
    assert res.exit_code == 0, res.output[-2000:]
    return json.loads(res.stdout)


def _emil(doc: dict) -> dict:
    (a,) = [a for a in doc["attempts"] if (a["user"] or "").startswith("emil") and a["outcome"] == "failure"]
    return a


def test_settings_members_of_two_archives_are_each_read_from_their_own_file(tmp_path):
    """Each archive inflated its settings members to 's0', 's1'... of the one temporary folder: the
    second archive's SP settings overwrote the first's IdP metadata, which was then refused as
    'not well-formed XML' under the metadata's label, and emil's failure was signature-invalid."""
    metadata, settings = _ticket(tmp_path / "ticket")
    doc = _scan(tmp_path / "ticket")
    notes = folder_said(doc)
    assert f"read {metadata}!{METADATA} as the IdP metadata (found in the scanned folder; --idp-metadata " \
           "chooses another)" in notes
    assert any(n.startswith(f"read {settings}!{SETTINGS} as the SonarQube settings") for n in notes)
    assert _emil(doc)["root_cause"] == "signature-cert-mismatch"


def test_a_zip_that_stores_a_settings_file_is_an_archive_not_that_file(tmp_path):
    """A zip stored without compression begins with its first member's text: its head named
    sonar.auth.saml. lines, so the zip itself was read as the settings ('read settings.zip as the
    SonarQube settings') and skipped as evidence, its members never listed."""
    _, settings = _ticket(tmp_path / "ticket", zipfile.ZIP_STORED)
    doc = _scan(tmp_path / "ticket")
    notes = folder_said(doc)
    assert not any(n.startswith(f"read {settings} as") for n in notes)
    assert any(n.startswith(f"read {settings}!{SETTINGS} as the SonarQube settings") for n in notes)
    kinds = {i["path"]: i.get("kind") for i in doc["inputs"]}
    assert kinds[str(settings)] == "archive:zip"


SONAR_HAR = ROOT / "tests" / "data" / "case11" / "chrome-sonar.har"


def test_a_load_balancer_cookie_at_the_acs_is_no_kept_login(tmp_path):
    """An AWS load balancer with stickiness sets AWSALB and AWSALBCORS on every answer: the ACS
    answering the POST with a page of its own and only those cookies was 'success: the SP kept the
    login' (set AWSALB, AWSALBCORS), whatever the SP did."""
    from samlscan.flows import build_flows
    from samlscan.inputs import har

    doc = json.loads(SONAR_HAR.read_text(encoding="utf-8"))
    entry = doc["log"]["entries"][2]
    resp = entry["response"]
    resp["status"], resp["redirectURL"] = 200, ""
    resp["headers"] = [h for h in resp["headers"] if h["name"].lower() not in ("location", "set-cookie")] + [
        {"name": "Set-Cookie", "value": "AWSALB=3nXq; Expires=Tue, 25 Nov 2025 09:00:18 GMT; Path=/"},
        {"name": "Set-Cookie", "value": "AWSALBCORS=3nXq; Expires=Tue, 25 Nov 2025 09:00:18 GMT; Path=/; "
                                        "SameSite=None; Secure"}]
    resp["content"] = {"mimeType": "text/html", "text": "<html><title>Dashboard</title><p>hi</p></html>"}
    path = tmp_path / "derived.har"
    path.write_text(json.dumps(doc), encoding="utf-8")
    (flow,) = [f for f in build_flows(har.read(str(path))) if any(ex.entry == 2 for ex in f.exchanges)]
    assert flow.outcome == "unknown" and "without setting a session cookie" in flow.reason


# --- review 16 (second pass): the morning's IdP advice, joins and pages -----------------------------

import sys  # noqa: E402
from dataclasses import replace  # noqa: E402

sys.path.insert(0, str(ROOT / "fixtures"))
import generate as GEN  # noqa: E402
from samlgen import scenario as S  # noqa: E402
from samlgen.render import render  # noqa: E402

from samlscan.checks.base import issuer_product  # noqa: E402
from samlscan.config import build  # noqa: E402
from samlscan.correlate import correlate  # noqa: E402
from samlscan.engine import analyze as analyze_files  # noqa: E402

ENTRA_CFG = ROOT / "fixtures" / "config" / "entra.toml"
WRONG_ACS = "https://sonar.example.com/oauth2/callback"  # the SP's callback, not its SAML ACS


# --- IDP_WHERE: the two most common IdPs of SonarQube tickets had no clause -------------------------

def _hints(tmp_path, style, issuer: str, config: str | None = None) -> tuple[dict, list]:
    """The hints by code of a response signed with RSA-SHA1 by `issuer` and sent to WRONG_ACS, and
    its attempts' fixes."""
    sha1 = replace(style, signature_method="rsa-sha1", digest_method="sha1")
    a = GEN.assertion("review16-" + style.name, sha1, issuer=issuer)
    r = GEN.response("review16-" + style.name, sha1, (a,), issuer=issuer, destination=WRONG_ACS)
    path = tmp_path / "response.xml"
    path.write_bytes(render(r, sha1, GEN.IDP))
    flags = {"at": "2025-03-11T08:41:02Z"}
    if config is None:
        flags.update(idp_entity_id=issuer, sp_entity_id="sonarqube",
                     acs_url="https://sonar.example.com/oauth2/callback/saml")
    rep = correlate(analyze_files([str(path)], build(flags, config)))
    (res,) = rep.messages
    return {f.code: f.hint for f in res.findings}, [a.fix for a in rep.attempts]


def test_entra_issuer_names_its_product():
    """Entra ID's SAML Issuer, https://sts.windows.net/<tenant>/, and Google Workspace's,
    https://accounts.google.com/o/saml2?idpid=<id>, are default Issuers as Okta's is."""
    assert issuer_product(S.ENTRA_ISSUER) == "entra"
    assert issuer_product("https://accounts.google.com/o/saml2?idpid=C01abcd2e") == "google"
    assert issuer_product("https://sts.windows.net.evil.example/x/") is None
    assert issuer_product("https://accounts.google.com/o/oauth2/auth") is None


def test_entra_sha1_and_wrong_reply_url_say_where_in_entra(tmp_path):
    """Entra lets an enterprise app sign with SHA-1 (SAML Certificates > Signing Algorithm) and
    posts to its default Reply URL: the hints named SimpleSAMLphp's, AD FS's... settings for other
    IdPs but nothing for Entra, the check said only 'the IdP'."""
    hints, fixes = _hints(tmp_path, GEN.ENTRA, S.ENTRA_ISSUER, ENTRA_CFG)
    assert "Entra ID: Enterprise applications > the app > Single sign-on > SAML Certificates" \
        in hints["signature-weak-algorithm"]
    assert "Basic SAML Configuration > Reply URL" in hints["destination-mismatch"]
    assert not any("SimpleSAMLphp" in h or "Okta" in h for h in hints.values() if h)
    assert any("Entra ID: Enterprise applications" in (f or "") for f in fixes)


def test_google_wrong_acs_says_where_in_google(tmp_path):
    hints, _ = _hints(tmp_path, GEN.OKTA, "https://accounts.google.com/o/saml2?idpid=C01abcd2e")
    assert "Google Workspace: Admin console > Apps > Web and mobile apps" in hints["destination-mismatch"]


def test_auth0_sha1_and_wrong_acs_say_where_in_its_addon(tmp_path):
    hints, _ = _hints(tmp_path, GEN.OKTA, "urn:dev-abc123.eu.auth0.com")
    assert '"signatureAlgorithm" = "rsa-sha256"' in hints["signature-weak-algorithm"]
    assert "SAML2 Web App > Application Callback URL" in hints["destination-mismatch"]


# --- Google's error page saved as HTML ---------------------------------------------------------------

GOOGLE_HTML = ("<!DOCTYPE html><html lang=en><meta charset=utf-8><title>Error 403 (Forbidden)!!1</title>"
               "<a href=//www.google.com/><span id=logo aria-label=Google></span></a>"
               "<p><b>403.</b> <ins>That&#8217;s an error.</ins><p>Error: app_not_configured_for_user<ins></ins>"
               "<p>Service is not configured for this user.<ins>That&#8217;s all we know.</ins></html>")
"""Google's error page as it serves it (the layout fixtures/gen_case9.py and test_case9 use): the
status split over <b> and <ins>, which became two lines once the tags were dropped."""


def test_google_page_saved_as_html_is_read(tmp_path):
    from samlscan.errorpages import read_page

    page = read_page(GOOGLE_HTML)
    assert page is not None and (page.product, page.raw_code) == ("google", "app_not_configured_for_user")
    path = tmp_path / "google-error.html"
    path.write_text(GOOGLE_HTML, encoding="utf-8")
    res = CliRunner().invoke(main, ["check", str(path), "--format", "json"])
    assert res.exit_code == 1, res.output  # before: input-not-saml, exit 0
    (attempt,) = json.loads(res.stdout)["attempts"]
    assert attempt["outcome"] == "failure" and attempt["side"] == "idp"


def test_google_status_in_prose_is_no_page():
    from samlscan.errorpages import read_page

    assert read_page("We saw 403.\nThen: Error: app_not_configured_for_user in a chat") is None


# --- SimpleSAMLphp's tracking-number line read in one pass -------------------------------------------

def test_tracking_number_lines_are_read_in_linear_time():
    """Every input no reader claimed is tried as an error page; a 128 KB line of 'tracking
    number:' took 40 s (the lazy '.*?:' tried each colon from each occurrence): now one pass."""
    from growth_util import assert_linear
    from samlscan.errorpages import read_page

    assert read_page("tracking number:" * 8000 + "x") is None
    assert_linear(read_page, lambda n: "tracking number:" * n + "x", 2000)


def test_simplesamlphp_track_id_on_its_line_or_the_next():
    from samlscan.errorpages import read_page

    head = "SimpleSAMLphp\nState information lost\nState information lost, and no way to restart the request\n"
    said = ("If you report this error, please also report this tracking number which makes it possible "
            "to locate your session in the logs available to the system administrator:")
    assert read_page(head + said + " 3a5f0c9e1b\n").request_id == "3a5f0c9e1b"
    assert read_page(head + said + "\n3a5f0c9e1b\n").request_id == "3a5f0c9e1b"
    assert read_page(head + said + " see: the log\n3a5f0c9e1b\n") is None
