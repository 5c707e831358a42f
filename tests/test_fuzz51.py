"""Fuzzing round 51: module patterns that went quadratic on one long run of a character.

Every module-level pattern of samlscan was matched, the way its module uses it, against 4,000 and
16,000 repetitions of short pieces (a letter, a space, '<input', the pattern's own literals); those
whose time grew more than 8-fold were rewritten. Each test below holds one input that took seconds
before (16 times longer for 4 times the text) and checks what it reads off a normal one.
"""
from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).parent))

from growth_util import assert_linear  # noqa: E402

CEF_HEAD = "CEF:0|Ping Identity|PingFederate|12.1|SSO|SSO|5|"


def test_a_cef_extension_of_one_long_word_is_read_in_linear_time():
    """40,000 letters after the header took 5.5 s: each start in the word was tried as a key again."""
    from samlscan.logs.pingfederate import _cef_fields

    assert_linear(_cef_fields, lambda n: CEF_HEAD + "a" * n, 20_000)
    assert_linear(_cef_fields, lambda n: CEF_HEAD + "msg=" + "b " * n, 20_000)


def test_a_cef_extension_reads_its_keys_values_and_escapes():
    from samlscan.logs.pingfederate import _cef_extension, _cef_fields

    ext = r"rt=Jan 02 2025 10:00:00.123 duid=joe src=10.0.0.1 msg=failure reason a\=b cs1=Sonar Qube  "
    assert _cef_extension(ext) == {"rt": "Jan 02 2025 10:00:00.123", "duid": "joe", "src": "10.0.0.1",
                                   "msg": "failure reason a=b", "cs1": "Sonar Qube"}
    got = _cef_fields(CEF_HEAD + ext)
    assert (got["subject"], got["ip"], got["status"], got["app"]) == ("joe", "10.0.0.1", "failure reason a=b",
                                                                      "Sonar Qube")
    assert got["time"] == "2025-01-02 10:00:00.123"
    assert _cef_extension("x.y=1 z=2") == {"z": "2"}  # (a key starts after a space, or the extension's start)
    assert _cef_extension("") == {}


def test_an_adfs_event_of_unclosed_audit_documents_is_read_in_linear_time():
    from samlscan.logs.adfs import _audit

    assert_linear(lambda data: _audit([data]), lambda n: "<AuditBase " * n, 4_000)


def test_an_adfs_audit_document_is_read_up_to_its_first_end():
    from samlscan.logs.adfs import _audit

    data = ("<EventData><Data>x</Data><Data><?xml version=\"1.0\"?><AuditBase xmlns=\"urn:x\">"
            "<AuditType>FreshCredentials</AuditType><AuditResult>Failure</AuditResult></AuditBase>"
            "<AuditBase><AuditType>Other</AuditType></AuditBase></Data></EventData>")
    assert _audit(["no audit here", data]) == {"AuditType": "FreshCredentials", "AuditResult": "Failure"}
    assert _audit(["<AuditBase><AuditType>cut"]) == {}


def test_an_entra_header_cell_of_spaces_is_read_in_linear_time():
    from samlscan.logs.entra import _header_offset

    assert_linear(lambda cell: _header_offset(cell, "date"), lambda n: "Date" + " " * n + "x", 8_000)


def test_an_entra_header_names_its_zone_after_spaces():
    from samlscan.logs.entra import _header_offset

    assert _header_offset("Date   (UTC+01:30)", "date") == 90
    assert _header_offset("Date (UTC-05:00)  ", "date") == -300


def test_a_loki_line_of_one_long_word_is_read_in_linear_time():
    from samlscan.logs.loki import labels_of

    assert_linear(labels_of, lambda n: "{" + "a" * n + "}", 20_000)
    assert labels_of('{app="sonar", pod_name="web-1", x.y="a \\"q\\""}') == {"app": "sonar", "pod_name": "web-1",
                                                                             "x.y": 'a "q"'}


def test_shibboleth_xml_values_after_a_long_run_of_spaces_are_read_in_linear_time():
    from samlscan.logs.shibboleth import _values_of_xml

    assert_linear(_values_of_xml, lambda n: "x" + " " * n + "</", 8_000)
    assert _values_of_xml("status <samlp:StatusCode Value=\"x\"/>  <m>no user</m> (end)") == "status no user (end)"


def test_a_page_of_unclosed_input_tags_is_read_in_linear_time():
    from samlscan.flows.sppages import answer_page

    assert_linear(answer_page, lambda n: "<p>x</p>" + "<input " * n, 4_000)


def test_a_login_form_is_still_told_by_its_password_field():
    from samlscan.flows.sppages import answer_page

    assert answer_page('<form><input name="u"><input id=p type="password" name="pw"></form>').kind == "login"
    assert answer_page("<p>type=password</p><input name=q>").kind == "page"


def test_a_root_of_a_long_name_is_matched_in_linear_time():
    from samlscan.report.regions import _names_root

    msg = SimpleNamespace(kind="Response", id="_1")
    assert_linear(lambda xml: _names_root(msg, xml), lambda n: b"<" + b"a" * n + b">", 8_000)
    assert _names_root(msg, b"<?xml version='1.0'?>\n<samlp:Response xmlns:samlp='urn:p' ID=\"_1\">")
    assert not _names_root(msg, b"<samlp:Response ID='_2'>")


def test_a_cas_single_line_record_of_a_long_run_of_spaces_is_split_in_linear_time():
    from samlscan.logs.cas import _Open

    assert_linear(lambda rest: _Open(1, None).inline(rest), lambda n: "WHO: ana" + " " * n + "x", 8_000)
    record = _Open(1, None)
    record.inline("WHO: ana  |  WHAT: ST-1 ;ACTION: SERVICE_TICKET_CREATED|APPLICATION: CAS")
    assert record.fields == {"who": "ana", "what": "ST-1", "action": "SERVICE_TICKET_CREATED",
                             "application": "CAS"}


def test_a_run_of_opening_brackets_is_matched_at_the_cost_of_any_run():
    """Each '[' of a run of them was tried as a placeholder 200 characters ahead (blob._RUN: 2 MB of
    '[' took ~170 times a run of letters); a placeholder holds no '[' now."""
    from growth_util import FLOOR, best_seconds

    from samlscan.inputs.blob import _RUN

    letters, brackets = "SAMLResponse=" + "A" * 2_000_000, "SAMLResponse=" + "[" * 2_000_000
    assert _RUN.match(brackets).end() == len(brackets)
    assert best_seconds(_RUN.match, brackets) <= 20 * best_seconds(_RUN.match, letters) + FLOOR


def test_the_xmlsec_keys_of_many_certificates_are_remembered_within_a_bound(monkeypatch):
    """sigverify._key remembered every certificate it made a key of, KeyInfo's too: a scan of responses
    each carrying its own certificate grew without end. It keeps KEYS_KEPT, and still gives each key."""
    from samlscan import sigverify
    from samlscan.certs import load_certs

    keys = Path(__file__).resolve().parents[1] / "fixtures" / "keys"
    certs = [c for p in sorted(keys.glob("*.crt")) for c in load_certs(p.read_bytes(), str(p))]
    assert len({c.der for c in certs}) == len(certs) >= 6
    monkeypatch.setattr(sigverify, "KEYS_KEPT", 3)
    monkeypatch.setattr(sigverify, "_KEYS", {})
    for cert in certs:
        assert sigverify._key(cert) is not None
        assert 1 <= len(sigverify._KEYS) <= 3
    assert sigverify._key(certs[0]) is not None
