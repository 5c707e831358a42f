"""Fuzzing round 16: the code merged in the last hours under hostile and look-alike input: shibd.log's
held per-thread failed checks (logs/shibboleth.py _Detail), XML inside JSON strings
(logs/embedded.py _unescaped, flattened), the 'line-breaks' signature variant (sigverify.py
_line_breaks_copy) and the Reference to an 'Id' attribute (_other_id_path). Growth is compared
between two sizes (tests/growth_util.py), never an absolute time.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from samlscan import engine, logs
from samlscan.model import LogEvent
from tests.growth_util import assert_linear

_T0 = datetime(2025, 3, 11, 8, 0, 0)
_CHECK = "ERROR OpenSAML.SecurityPolicyRule.BearerConfirmation {ndc}: bearer confirmation has expired"
_PROBLEM = ("WARN Shibboleth.SSO.SAML2 {ndc}: detected a problem with assertion: Unable to locate "
            "satisfiable bearer SubjectConfirmation in assertion.")
_REFUSAL = "WARN Shibboleth.SSO.SAML2 {ndc}: error processing incoming assertion: {text}"
_START = "DEBUG Shibboleth.SSO.SAML2 {ndc}: processing message against SAML 2.0 SSO profile"
_GENERIC = "Unable to locate satisfiable bearer SubjectConfirmation in assertion."
_NO_ASSERTION = "Incoming message contained no SAML assertions."


def _sp(at: datetime, template: str, thread: int | None, text: str = "") -> str:
    ndc = f"[{thread}] [default]" if thread is not None else ""
    line = f"{at:%Y-%m-%d %H:%M:%S} " + template.format(ndc=ndc, text=text)
    return line.replace(" :", ":")  # (no NDC: 'Category: message')


def _failures(tmp_path: Path, lines: list[str], name: str = "shibd.log") -> list[LogEvent]:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    found = engine.sniff(engine.read_head(str(path)))
    assert found.parser is not None and found.parser.name == "shibboleth"
    return [r for r in logs.parse_file(str(path), timezone.utc, found.parser)
            if isinstance(r, LogEvent) and r.outcome == "failure"]


# --- shibboleth.py: a thread's failed check held for its refusal --------------------------------

def test_a_settled_check_of_an_earlier_message_is_not_a_later_refusals_cause(tmp_path):
    """Fails on the old code (the later refusal was subject-confirmation-expired). At shibd.logger's
    default INFO level no 'processing message against' line (DEBUG) ends the first message, so the
    settled check stayed held for the thread, and the next refusal of that thread, an hour later,
    took its cause."""
    later = _T0 + timedelta(hours=1)
    got = _failures(tmp_path, [_sp(_T0, _CHECK, 8), _sp(_T0, _PROBLEM, 8),
                               _sp(later, _REFUSAL, 8, _NO_ASSERTION)])
    assert [(e.time.replace(tzinfo=None), e.code) for e in got] == [(later, "assertion-missing")]


def test_a_stale_unsettled_check_is_its_own_failure_and_the_refusal_its_own(tmp_path):
    later = _T0 + timedelta(minutes=5)
    got = _failures(tmp_path, [_sp(_T0, _CHECK, 8), _sp(later, _REFUSAL, 8, _NO_ASSERTION)])
    assert sorted(e.code for e in got) == ["assertion-missing", "subject-confirmation-expired"]


@pytest.mark.parametrize("gap", [0, 1, 5])
def test_the_check_just_before_its_refusal_is_its_cause(tmp_path, gap):
    """The rule logs and throws, the ACS refuses in the same moment (shibd.log: whole seconds)."""
    got = _failures(tmp_path, [_sp(_T0, _CHECK, 8), _sp(_T0 + timedelta(seconds=gap), _REFUSAL, 8, _GENERIC)])
    assert [e.code for e in got] == ["subject-confirmation-expired"]


def test_impossible_dates_never_raise(tmp_path):
    """_SP_LINE takes any digits: a month 13 has no time; the held check then cannot go stale."""
    lines = [_sp(_T0, _CHECK, 8).replace("2025-03-11", "2025-13-45"),
             _sp(_T0, _REFUSAL, 8, _GENERIC).replace("2025-03-11", "2025-99-99"),
             _sp(_T0, _CHECK, 9), _sp(_T0, _REFUSAL, 9, _GENERIC).replace("08:00:00", "99:99:99")]
    got = _failures(tmp_path, lines)
    assert [e.code for e in got] == ["subject-confirmation-expired", "subject-confirmation-expired"]


def test_interleaved_threads_each_take_their_own_check(tmp_path):
    """n threads log their checks, then refuse in the reverse order: each refusal takes its own
    thread's cause; a thread whose message ended well (settled, no refusal) adds nothing."""
    n = 50
    checks = [_sp(_T0, _CHECK if i % 2 else _CHECK.replace("has expired", "failed with recipient mismatch"), i)
              for i in range(n)]
    refusals = [_sp(_T0, _REFUSAL, i, _GENERIC) for i in reversed(range(n)) if i % 5]
    settled = [_sp(_T0, _PROBLEM, i) for i in range(n) if not i % 5]
    got = _failures(tmp_path, checks + settled + refusals)
    want = ["subject-confirmation-expired" if i % 2 else "recipient-mismatch" for i in reversed(range(n)) if i % 5]
    assert [e.code for e in got] == want


def _threads(n: int, refused: bool) -> list[str]:
    """n threads each with a failed check: refused a second later, or never (a log cut short), after
    a storm of 'processing message against' lines of other threads."""
    lines = []
    for i in range(n):
        at = _T0 + timedelta(seconds=i // 10)
        lines += [_sp(at, _START, i), _sp(at, _CHECK, i), _sp(at, _START, n + i), _sp(at, _START, n + i)]
        if refused:
            lines.append(_sp(at, _REFUSAL, i, _GENERIC))
    return lines


@pytest.mark.parametrize("refused", [True, False])
def test_thousands_of_threads_in_linear_time(tmp_path, refused):
    got = _failures(tmp_path, _threads(3000, refused))
    assert len(got) == 3000 and {e.code for e in got} == {"subject-confirmation-expired"}
    assert_linear(lambda lines: _failures(tmp_path, lines, "grow.log"), lambda n: _threads(n, refused), 2000)


# --- sigverify.py: References to an 'Id'/'id' attribute, many signatures ---------------------------

def _signed_by_others(n: int) -> bytes:
    """A Response of n Assertions, each with a Signature whose Reference names an 'Id' (even ones),
    an 'id' (every third) or nothing in the document."""
    parts = []
    for i in range(n):
        ref = f"#other{i}" if i % 2 == 0 else f"#lower{i}" if i % 3 == 0 else f"#nothing{i}"
        parts.append(f'<saml:Assertion ID="a{i}"><saml:Issuer Id="other{i}">i</saml:Issuer>'
                     f'<saml:Subject id="lower{i}"/><ds:Signature><ds:SignedInfo>'
                     f'<ds:Reference URI="{ref}"/></ds:SignedInfo></ds:Signature></saml:Assertion>')
    return (b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
            b'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" '
            b'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" ID="r" Id="other0">'
            + "".join(parts).encode() + b"</samlp:Response>")


def _other_paths(doc: bytes) -> list:
    from lxml import etree

    from samlscan import sigverify
    result = sigverify.verify_document(etree.fromstring(doc), ())
    return [info.other_id_path for _sig, info in result.signatures]


def test_a_reference_to_an_id_attribute_names_the_first_element_carrying_it():
    paths = _other_paths(_signed_by_others(7))
    assert paths[0] is not None and "Assertion" not in paths[0]  # the Response carries Id="other0" first
    assert "Issuer" in paths[2] and "Issuer" in paths[4] and "Issuer" in paths[6]
    assert "Subject" in paths[3]
    assert paths[1] is None and paths[5] is None


def test_many_references_to_no_id_in_linear_time():
    """Each such signature walked the whole document (_other_id_path): 100 Assertions 0.4 s, 400
    took 5 s. The Id/id index is built once per document."""
    assert_linear(_other_paths, _signed_by_others, 300)
