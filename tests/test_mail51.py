"""E-mails with attachments read as archives of their parts (samlscan/mailparts.py, fixtures from
fixtures/gen_mail51.py): a support ticket forwarded with the HAR, the IdP's metadata or a pasted SAMLResponse
in it was 'no SAML message found'."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from generated_util import assert_generator_writes

from samlscan.cli import main
from samlscan.mailparts import is_mail

ROOT = Path(__file__).resolve().parents[1]
MAIL = ROOT / "fixtures" / "mail51"
CONFIG = ROOT / "fixtures" / "config" / "default.toml"


def _report(*args: str) -> dict:
    got = CliRunner().invoke(main, [*args, "--format", "json", "--fail-on", "never"])
    return json.loads(got.stdout)


def _inputs(report: dict) -> dict:
    return {Path(i["path"]).name: (i["status"], i.get("kind")) for i in report["inputs"]}


def test_the_fixtures_are_what_the_generator_writes(tmp_path, monkeypatch):
    assert_generator_writes("gen_mail51", tmp_path, monkeypatch)


def test_a_har_attached_to_an_email_is_read_as_its_member():
    report = _report("check", str(MAIL / "ticket-with-har.eml"), "--config", str(CONFIG))
    assert _inputs(report) == {"ticket-with-har.eml": ("scanned", "archive:mail"),
                               "ticket-with-har.eml!body-1.txt": ("skipped", None),
                               "ticket-with-har.eml!login.har": ("scanned", "har")}
    assert [a["outcome"] for a in report["attempts"]] == ["success"]
    assert {e["input"].rsplit("!", 1)[-1] for a in report["attempts"] for e in a["evidence"]} == {"login.har"}


def test_a_forwarded_emails_pasted_response_and_metadata_are_read():
    """The inner message (message/rfc822) is walked; its quoted-printable body ('=3D' for the base64 padding)
    decoded; its IdP metadata found as the settings of a scan given none."""
    report = _report("scan", str(MAIL / "forwarded-with-metadata.eml"))
    found = [f for f in report["input_findings"] if f["code"] == "settings-found"]
    assert len(found) == 1 and "forwarded-with-metadata.eml!idp-metadata.xml as the IdP metadata" in found[0]["message_text"]
    assert [(a["outcome"], a["root_cause"]) for a in report["attempts"]] == [("failure", "signature-cert-mismatch")]


def test_a_page_saved_as_mhtml_stays_the_error_page_readers():
    """MIME too, but the page reader's (errorpages reads MHTML whole): one input, not an archive."""
    report = _report("check", str(MAIL / "unauthorized.mhtml"))
    assert _inputs(report) == {"unauthorized.mhtml": ("scanned", "log:error-page")}
    assert [a["root_cause"] for a in report["attempts"]] == ["email-already-used"]


@pytest.mark.parametrize("head, mail", [
    ((MAIL / "ticket-with-har.eml").read_bytes()[:4096], True),
    ((MAIL / "forwarded-with-metadata.eml").read_bytes()[:4096], True),
    ((MAIL / "unauthorized.mhtml").read_bytes(), False),
    # one text part: read as the paste it is (bundle28's forwarded SAMLResponse)
    (b"From: a@b.c\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nSAMLResponse=PHNh\r\n", False),
    # a raw HTTP exchange: its request line first
    (b"POST /acs HTTP/1.1\r\nHost: sp\r\nMIME-Version: 1.0\r\nContent-Type: multipart/form-data; boundary=x\r\n"
     b"From: a@b.c\r\n\r\n--x\r\n", False),
    # a log whose lines look like fields, with no blank line ending them
    (b"From: 10.0.0.1\nSubject: login\nMIME-Version: 1.0\nContent-Type: multipart/mixed\nINFO started\n", False),
])
def test_what_is_read_as_an_email(head, mail):
    assert is_mail(head) is mail


HEAD = "From: a@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\n"


def _nested(levels: int) -> str:
    text = HEAD + 'Content-Type: multipart/mixed; boundary="b0"\r\n\r\n'
    for i in range(1, levels):
        text += f'--b{i - 1}\r\nContent-Type: multipart/mixed; boundary="b{i}"\r\n\r\n'
    text += f"--b{levels - 1}\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
    return text + "".join(f"--b{i}--\r\n" for i in range(levels - 1, -1, -1))


def test_an_email_of_thousands_of_nested_parts_is_an_unreadable_input_not_a_crash(tmp_path):
    """3,000 levels: the parser's own recursion ran out (internal-error); said now, with what to do."""
    (tmp_path / "deep.eml").write_text(_nested(3000))
    report = _report("scan", str(tmp_path / "deep.eml"))
    (finding,) = report["input_findings"]
    assert finding["code"] == "input-unreadable" and "nested deeper" in finding["message_text"]
    assert "Save its attachments" in finding["hint"]


def test_an_email_of_many_parts_is_read_up_to_a_bound_and_says_so(tmp_path):
    """20,000 parts took 15 s and 920 MB (the default policy's header objects, every part read); MAX_PARTS now."""
    from samlscan.mailparts import MAX_PARTS

    parts = "".join(f'--B\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename="f{i}.txt"\r\n'
                    f"\r\nline {i}\r\n" for i in range(MAX_PARTS + 5))
    (tmp_path / "many.eml").write_text(HEAD + 'Content-Type: multipart/mixed; boundary="B"\r\n\r\n' + parts + "--B--\r\n")
    inputs = _report("scan", str(tmp_path / "many.eml"))["inputs"]
    assert len(inputs) == 1 + MAX_PARTS + 1
    (rest,) = [i for i in inputs if i["path"].endswith("many.eml!...")]
    assert rest["status"] == "skipped" and f"after the first {MAX_PARTS}" in rest["reason"]


def test_a_forward_a_few_levels_deep_is_walked_and_an_encoded_file_name_read(tmp_path):
    from email.message import EmailMessage

    inner = EmailMessage()
    inner["From"], inner["Subject"] = "a@example.com", "inner"
    inner.set_content("see attached")
    inner.add_attachment((ROOT / "fixtures" / "captures" / "chrome-success.har").read_bytes(), maintype="application",
                         subtype="json", filename="=?utf-8?b?" + __import__("base64").b64encode("connexion é.har".encode()).decode() + "?=")
    msg = inner
    for level in range(3):
        outer = EmailMessage()
        outer["From"], outer["Subject"] = "b@example.com", f"Fwd {level}"
        outer.set_content("fwd")
        outer.add_attachment(msg)
        msg = outer
    (tmp_path / "fwd.eml").write_bytes(bytes(msg))
    names = _inputs(_report("scan", str(tmp_path / "fwd.eml")))
    assert names["fwd.eml!connexion é.har"] == ("scanned", "har")


def test_a_one_part_quoted_printable_message_is_decoded(tmp_path):
    """A mail client sends a body with long lines quoted-printable: the pasted SAMLResponse's '=' padding is '=3D'
    and its lines are cut by soft breaks ('=' at a line's end); read as a paste it was no message."""
    import base64
    from email.message import EmailMessage

    response = base64.b64encode((ROOT / "fixtures" / "responses" / "valid" / "okta.xml").read_bytes()).decode()
    m = EmailMessage()
    m["From"], m["Subject"] = "a@example.com", "login"
    m.set_content(f"SAMLResponse={response}\n", cte="quoted-printable")
    raw = bytes(m)
    assert b"=3D" in raw and is_mail(raw)
    (tmp_path / "qp.eml").write_bytes(raw)
    report = _report("check", str(tmp_path / "qp.eml"), "--config", str(CONFIG))
    assert _inputs(report)["qp.eml!body-1.txt"] == ("scanned", "query")
    assert len(report["messages"]) == 1 and report["messages"][0]["type"] == "Response"
