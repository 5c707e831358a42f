"""Outlook messages (.msg, a compound file) read as archives of their parts (samlscan/outlookmsg.py, fixtures
from fixtures/gen_msg52.py, written by fixtures/samlgen/cfb.py), and a SAMLResponse pasted into an HTML page's
text (an Outlook HTML body, a ticket saved as a page): both were 'no SAML message' or 'not well-formed XML'."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import olefile
import pytest
from click.testing import CliRunner
from generated_util import assert_generator_writes

from samlscan.cli import main
from samlscan.mailparts import MailError
from samlscan.outlookmsg import _Reader, is_message_file, parts

ROOT = Path(__file__).resolve().parents[1]
MSG = ROOT / "fixtures" / "msg52"
CAPTURE = ROOT / "fixtures" / "captures" / "chrome-success.har"
WEB_LOG = ROOT / "fixtures" / "logs" / "sonarqube" / "web-javasaml.log"
CONFIG = ROOT / "fixtures" / "config" / "default.toml"
sys.path.insert(0, str(ROOT / "fixtures"))


def _report(*args: str) -> dict:
    got = CliRunner().invoke(main, [*args, "--format", "json", "--fail-on", "never"])
    assert got.exit_code == 0, got.output
    return json.loads(got.stdout)


def _inputs(report: dict) -> dict:
    return {Path(i["path"]).name: (i["status"], i.get("kind")) for i in report["inputs"]}


def test_the_fixtures_are_what_the_generator_writes(tmp_path, monkeypatch):
    assert_generator_writes("gen_msg52", tmp_path, monkeypatch)


def test_the_writer_makes_compound_files_olefile_reads_without_a_defect():
    from samlgen.cfb import write_cfb

    streams = {"a": b"", "b": b"x" * 63, "s/c": b"y" * 4095, "s/d": b"z" * 4096, "s/t/e": bytes(range(256)) * 4000}
    ole = olefile.OleFileIO(write_cfb(streams), raise_defects=olefile.DEFECT_INCORRECT)
    assert sorted("/".join(p) for p in ole.listdir()) == sorted(streams)
    assert all(ole.openstream(path).read() == data for path, data in streams.items())


def test_parts_are_the_bodies_and_attachments_in_order():
    got, left_out = parts(str(MSG / "ticket-with-har.msg"))
    assert left_out == 0
    assert [name for name, _ in got] == ["body-1.txt", "login.har"]
    assert got[0][1].decode().startswith("Bonjour, the login fails since 08:40 (heure de Paris)")
    assert got[1][1] == CAPTURE.read_bytes()


def test_a_forward_is_taken_apart_with_the_message_inside():
    got, _ = parts(str(MSG / "forwarded-log.msg"))
    assert [name for name, _ in got] == ["body-1.txt", "body-2.txt", "web.log"]
    assert got[1][1].decode().startswith("Our web.log")
    assert got[2][1] == WEB_LOG.read_bytes()


def test_a_har_attached_to_a_msg_is_read_as_its_member():
    report = _report("check", str(MSG / "ticket-with-har.msg"), "--config", str(CONFIG))
    alone = _report("check", str(CAPTURE), "--config", str(CONFIG))
    assert _inputs(report) == {"ticket-with-har.msg": ("scanned", "archive:msg"),
                               "ticket-with-har.msg!body-1.txt": ("skipped", None),
                               "ticket-with-har.msg!login.har": ("scanned", "har")}
    assert [a["outcome"] for a in report["attempts"]] == [a["outcome"] for a in alone["attempts"]] == ["success"]
    assert len(report["messages"]) == len(alone["messages"]) > 0


def test_a_pasted_response_and_the_attached_metadata_are_read_once():
    """Outlook keeps the text of an HTML message twice (PidTagBody, PidTagHtml): one is read, not the same
    response as two messages; the attached metadata is the settings of a scan given none."""
    report = _report("scan", str(MSG / "pasted-response.msg"))
    found = [f for f in report["input_findings"] if f["code"] == "settings-found"]
    assert len(found) == 1 and "pasted-response.msg!idp-metadata.xml as the IdP metadata" in found[0]["message_text"]
    assert len(report["messages"]) == 1
    assert [(a["outcome"], a["root_cause"]) for a in report["attempts"]] == [("failure", "signature-cert-mismatch")]


def test_an_html_body_alone_is_read_as_the_text_it_shows():
    report = _report("scan", str(MSG / "html-only.msg"), "--config", str(CONFIG))
    assert _inputs(report)["html-only.msg!body-1.html"] == ("scanned", "paste")
    assert [m["type"] for m in report["messages"]] == ["Response"]


def test_a_forwarded_log_is_read_as_the_log_alone_is():
    report = _report("scan", str(MSG / "forwarded-log.msg"))
    alone = _report("scan", str(WEB_LOG))
    assert _inputs(report)["forwarded-log.msg!web.log"] == ("scanned", "log:sonarqube")
    assert report["summary"]["events"] == alone["summary"]["events"] > 0
    assert sorted(a["root_cause"] or "" for a in report["attempts"]) == sorted(a["root_cause"] or "" for a in alone["attempts"])


def test_a_message_cut_short_fails_in_one_line():
    report = _report("check", str(MSG / "cut-short.msg"))
    (failed,) = [f for f in report["input_findings"]]
    assert failed["code"] == "input-unreadable"
    assert "an Outlook message samlscan cannot take apart" in failed["message_text"]


def test_an_office_document_is_named_not_opened():
    assert not is_message_file(str(MSG / "notes.doc"))
    report = _report("check", str(MSG / "notes.doc"))
    (said,) = report["input_findings"]
    assert said["code"] == "input-not-saml" and "a compound file that is no Outlook message" in said["message_text"]


@pytest.mark.parametrize("head", [b"", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
                                  b"PK\x03\x04" + bytes(600)])
def test_no_message_in_other_bytes(tmp_path, head):
    (tmp_path / "x.msg").write_bytes(head)
    assert not is_message_file(str(tmp_path / "x.msg"))


def test_streams_are_read_within_the_files_size():
    """A crafted file whose attachments share one big stream's sectors would be read many times over: the
    bytes read stop at twice the file's size."""
    ole = olefile.OleFileIO(str(MSG / "ticket-with-har.msg"))
    try:
        reader = _Reader(ole, CAPTURE.stat().st_size - 1)
        with pytest.raises(MailError, match="claim more bytes than the file holds"):
            reader.message((), 0)
        reader = _Reader(ole, (MSG / "ticket-with-har.msg").stat().st_size)
        reader.message((), 0)
        assert [n for n, _ in reader.out] == ["body-1.txt", "login.har"]
    finally:
        ole.close()


def test_every_cut_of_a_message_is_accounted_for(tmp_path):
    """Cut anywhere (a download stopped), a message is read or fails as unreadable: never a samlscan bug."""
    data = (MSG / "forwarded-log.msg").read_bytes()
    for at in range(0, len(data), 509):
        (tmp_path / f"cut-{at:05d}.msg").write_bytes(data[:at])
    report = _report("scan", str(tmp_path))
    assert len([i for i in report["inputs"] if "!" not in i["path"]]) == len(range(0, len(data), 509))
    assert not [f for f in report["input_findings"] if f["code"] == "internal-error"]


R = "SAMLResponse={}"


@pytest.fixture(scope="module")
def pasted() -> str:
    import base64

    return R.format(base64.b64encode((ROOT / "fixtures" / "responses" / "defects" /
                                      "signature-cert-mismatch.xml").read_bytes()).decode())


@pytest.mark.parametrize("page", [
    "<html><body><p>The browser posted this:</p><p>{}</p></body></html>",
    "<!DOCTYPE html>\n<html lang=en><head><title>SAMLResponse=none</title><style>p {{x: 1}}</style></head>"
    "<body><div class=x>{}</div><script>var SAMLResponse='x';</script></body></html>",
    '<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta http-equiv=Content-Type '
    'content="text/html; charset=utf-8"></head><body lang=EN-US><p class=MsoNormal>{}<o:p></o:p></p></body></html>',
    "<html><head><meta charset=utf-8><body><p>{}</p></body></html>",  # (a head left open)
])
def test_a_response_pasted_into_an_html_page_is_read(tmp_path, pasted, page):
    (tmp_path / "ticket.html").write_text(page.format(pasted))
    report = _report("check", str(tmp_path / "ticket.html"))
    assert [m["type"] for m in report["messages"]] == ["Response"]
    assert report["inputs"][0]["status"] == "scanned"


def test_an_html_page_without_saml_is_no_malformed_saml(tmp_path):
    (tmp_path / "page.html").write_text('<html><head><meta charset=utf-8></head><body><p>Hello</p></body></html>')
    report = _report("check", str(tmp_path / "page.html"))
    assert [f["code"] for f in report["input_findings"]] == ["input-not-saml"]


def test_a_page_with_a_form_or_a_saml_document_stays_its_readers(pasted):
    from samlscan.inputs.paste import _markup_text

    assert _markup_text(f'<html><body><form method="post"><input name="{pasted}"></form></body></html>') is None
    assert _markup_text(f'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><!-- {pasted} -->'
                        '</samlp:Response>') is None
    assert _markup_text("<html><body><p>Incorrect username or password</p></body></html>") is None  # (blob's)


@pytest.mark.parametrize("markup", [
    '<div class="ticket"><p>Customer wrote:</p><p>{}</p></div>',  # a fragment of a ticket's page
    '<?xml version="1.0"?><rss version="0.92"><channel><item><title>SSO</title><description>'
    '&lt;p&gt;The response:&lt;/p&gt;&lt;p&gt;{}&lt;/p&gt;</description></item></channel></rss>',  # Jira's RSS export
    '<export><comment><![CDATA[<p>{}</p>]]></comment></export>',
])
def test_a_response_in_the_text_of_other_markup_is_read(tmp_path, pasted, markup):
    (tmp_path / "ticket.xml").write_text(markup.format(pasted))
    report = _report("check", str(tmp_path / "ticket.xml"))
    assert [m["type"] for m in report["messages"]] == ["Response"]


def test_an_alternative_emails_html_twin_is_not_read_twice():
    report = _report("scan", str(ROOT / "fixtures" / "mail51" / "alternative.eml"))
    assert _inputs(report) == {"alternative.eml": ("scanned", "archive:mail"),
                               "alternative.eml!body-1.txt": ("scanned", "query")}
    assert len(report["messages"]) == 1


def test_property_streams_named_in_lower_case_are_read(tmp_path):
    """[MS-CFB] compares names in capitals: a writer spelling the hex digits in lower case writes the same names."""
    from samlgen.cfb import write_cfb

    (tmp_path / "lower.msg").write_bytes(write_cfb({
        "__substg1.0_1000001f": "see attached".encode("utf-16-le"),
        "__attach_version1.0_#00000000/__substg1.0_3707001f": "login.har".encode("utf-16-le"),
        "__attach_version1.0_#00000000/__substg1.0_37010102": CAPTURE.read_bytes()}))
    got, _ = parts(str(tmp_path / "lower.msg"))
    assert [(name, len(data)) for name, data in got] == [("body-1.txt", 12), ("login.har", CAPTURE.stat().st_size)]


def test_markup_past_its_bound_is_not_taken_apart():
    """html.parser takes ~1 us a character of a flood of '<': a document over MARKUP_MAX is read as it is."""
    from samlscan.inputs.paste import MARKUP_MAX, _markup_text

    assert _markup_text("<p>SAMLResponse=x</p>" + "<" * MARKUP_MAX) is None
    assert _markup_text("<p>SAMLResponse=x</p>" + "<" * 1000) is not None


def test_a_link_carrying_a_request_in_a_page_is_read_as_its_url(tmp_path):
    url = (ROOT / "fixtures" / "requests" / "authnrequest-redirect-signed.txt").read_text().strip()
    page = f'<!DOCTYPE html><html><body><p>The login link <a href="{url.replace("&", "&amp;")}">Sign in</a></p></body></html>'
    (tmp_path / "mail.html").write_text(page)
    report = _report("check", str(tmp_path / "mail.html"), "--sp-cert", str(ROOT / "fixtures" / "keys" / "sp.crt"))
    assert [(m["type"], m["redirect_signature"]["verified"]) for m in report["messages"]] == [("AuthnRequest", True)]


def test_decode_sends_an_outlook_message_to_check():
    got = CliRunner().invoke(main, ["decode", str(MSG / "pasted-response.msg")])
    assert got.exit_code == 2
    assert "an Outlook message; decode reads one plain message file: run 'samlscan check" in got.output


def test_an_html_body_written_as_a_string_is_read(tmp_path, pasted):
    """PidTagHtml is binary in Outlook's files; some writers store it as a string property (1013001F)."""
    from samlgen.cfb import write_cfb

    (tmp_path / "html.msg").write_bytes(write_cfb({
        "__substg1.0_0037001F": "login error".encode("utf-16-le"),
        "__substg1.0_1013001F": f"<html><body><p>{pasted}</p></body></html>".encode("utf-16-le")}))
    got, _ = parts(str(tmp_path / "html.msg"))
    assert [name for name, _ in got] == ["body-1.html"] and pasted.encode() in got[0][1]
