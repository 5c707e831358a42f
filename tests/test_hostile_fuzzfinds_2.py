"""Inputs the mutation fuzzer's second round (the readers added since its first: node-saml JSON app
logs, shibd.log, Keycloak's JSON console, GitLab/ruby-saml and Spring SAML logs, the redirect
binding's ';' queries, PKCS #7 files, UTF-16 settings) made samlscan misbehave with; each is
minimised here and must now end fast, without an internal error, with its lines still read."""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner
from test_paste_shapes import _BURP_HEAD, ACS, CONFIG, RAW_POST
from test_real_log_shapes_2 import _check
from test_real_log_shapes_4 import GITLAB_JSON
from test_real_log_shapes_5 import KC_BROKER_NO_DEST

import samlscan
from samlscan.cli import main
from samlscan.config import parse_properties
from samlscan.logs import keycloak


# --- a JSON log line nested past the parser's limit --------------------------------------------

def test_a_json_log_line_nested_past_the_parsers_limit_is_not_an_internal_error(tmp_path):
    """The app-log reader's sniff parsed each line naming a SAML library with json.loads, which
    raises RecursionError (not ValueError) past ~1,000 levels: the whole log was an internal-error
    finding ('samlscan failed on this input (RecursionError ...)') and its other lines unread."""
    deep = json.dumps({"message": "SAML assertion rejected", "library": "node-saml", "err": {}})
    deep = deep[:-1] + ', "stack": ' + "[" * 100_000 + "]" * 100_000 + "}\n"
    doc = _check(tmp_path, GITLAB_JSON + deep + GITLAB_JSON, "application_json.log")
    assert "internal-error" not in json.dumps(doc)
    assert doc["inputs"][0]["malformed_lines"] == 1
    assert [(a["outcome"], a["root_cause"]) for a in doc["attempts"]] == [("failure", "signature-cert-mismatch")] * 2


# --- Keycloak's key=value event line: quadratic in a long word ----------------------------------

def test_a_keycloak_event_with_a_long_word_is_read_in_linear_time(tmp_path):
    """`(\\w+)=` was tried from every character of a 60,000-character word with no '=' after it
    (a base64 value the event line holds): 20 s of CPU for one line, minutes for a log."""
    line = KC_BROKER_NO_DEST.format(error="invalid_saml_response").replace(
        "userId=null", "userId=null, " + "A" * 60_000)
    start = time.process_time()
    fields = dict(keycloak._PAIR.findall(line))
    assert time.process_time() - start < 1
    assert fields["reason"] == "missing_required_destination" and fields["userId"] == "null"
    doc = _check(tmp_path, line)
    assert [(a["outcome"], a["root_cause"]) for a in doc["attempts"]] == [("failure", "destination-mismatch")]


# --- a Burp item's tag with a long word ----------------------------------------------------------

def test_a_burp_item_tag_with_a_long_word_is_read_in_linear_time(tmp_path):
    """A tag's attributes were sought with `(\\w+)="` from every character: a 40,000-character word
    in an item's <request ...> tag (a cut or garbled export) took 40 s; the item is still read."""
    path = tmp_path / "burp.xml"
    path.write_text(_BURP_HEAD + f"""  <item>
    <time>Tue Mar 11 09:41:02 CET 2025</time>
    <url><![CDATA[{ACS}]]></url>
    <method><![CDATA[POST]]></method>
    <request {"A" * 40_000} base64="true"><![CDATA[{base64.b64encode(RAW_POST.encode()).decode()}]]></request>
    <status>302</status>
  </item>
</items>
""")
    start = time.process_time()
    r = CliRunner().invoke(main, ["check", str(path), "--config", CONFIG, "--format", "json"])
    assert time.process_time() - start < 5
    doc = json.loads(r.stdout)
    assert doc["inputs"][0]["kind"] == "burp" and len(doc["messages"]) == 1


# --- sonar.properties: a huge key, many continued lines -----------------------------------------

def test_a_properties_line_continued_many_times_is_read_in_linear_time():
    """Each continued line was added to the text so far (a copy of it): 20,000 continued lines of
    200 characters took 5 s, 100,000 two minutes (a certificate pasted with a backslash per line)."""
    text = "sonar.auth.saml.providerId=" + ("x" * 200 + "\\\n  ") * 30_000 + "end\n"
    start = time.process_time()
    pairs = parse_properties(text)
    assert time.process_time() - start < 2
    assert pairs == {"sonar.auth.saml.providerId": "x" * 200 * 30_000 + "end"}


def test_a_huge_properties_key_is_read_in_little_memory(tmp_path):
    """The key pattern's repeat kept a backtracking entry per character, and unescaping a value a
    list entry per character: a settings file with one 6,000,000-character line (a UTF-32 file
    read as UTF-16) took 600 MB in `check`; 3,000,000 each in a key and a value 400 and 250 MB."""
    path = tmp_path / "sonar.properties"
    path.write_text("sonar.auth.saml.applicationId=sonarqube\n" + "k" * 3_000_000 + "=v\nx=" + "\u5c5c" * 3_000_000,
                    encoding="utf-8")
    code = ("import re, sys; from pathlib import Path; from samlscan.config import parse_properties; "
            "pairs = parse_properties(Path(sys.argv[1]).read_text(encoding='utf-8')); "
            "assert pairs['k' * 3_000_000] == 'v' and pairs['sonar.auth.saml.applicationId'] == 'sonarqube'; "
            "assert pairs['x'] == '\\u5c5c' * 3_000_000; "
            "print(re.search(r'VmHWM:\\s*(\\d+)', Path('/proc/self/status').read_text())[1])")
    env = dict(os.environ, PYTHONPATH=str(Path(samlscan.__file__).parents[1]))
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, env=env, check=True)
    assert int(out.stdout) < 200_000  # KB, this process's peak (the interpreter and the text: ~60 MB)


# --- what the HTML and table reports printed unredacted ------------------------------------------

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_a_private_key_inside_a_message_is_not_shown_by_the_html_report(tmp_path):
    """The HTML report shows the decoded message: a PEM private key pasted into its certificate's
    text (a wrong file given to the IdP) was printed whole, --redact too."""
    key = (FIXTURES / "keys" / "attacker.key").read_text()
    xml = (FIXTURES / "responses" / "valid" / "okta.xml").read_text()
    xml = xml.replace("<ds:X509Certificate>", "<ds:X509Certificate>" + key, 1)
    assert key in xml
    path = tmp_path / "response.xml"
    path.write_text(xml)
    for extra in ([], ["--redact"]):
        r = CliRunner().invoke(main, ["check", str(path), "--config", CONFIG, "--format", "html", *extra])
        assert "PRIVATE KEY" not in r.stdout and key.splitlines()[1] not in r.stdout
        assert "private key removed by samlscan" in r.stdout


def test_the_reports_notes_are_redacted(tmp_path):
    """The note naming the applications an IdP log holds sign-ins to was printed as it was in the
    table and HTML reports, --redact or not: an entity ID holding an email address leaked."""
    text = (FIXTURES / "logs" / "shibboleth" / "idp-audit.log").read_text()
    text = text.replace("https://sonar.example.com/saml2", "https://dev.user1@example.org/saml2", 1)
    path = tmp_path / "idp-audit.log"
    path.write_text(text)
    plain = CliRunner().invoke(main, ["check", str(path), "--format", "table"])
    assert "2 applications" in plain.stdout and "dev.user1@example.org" in plain.stdout
    for fmt in ("table", "html"):
        r = CliRunner().invoke(main, ["check", str(path), "--format", fmt, "--redact"])
        assert "2 applications" in r.stdout and "dev.user1@example.org" not in r.stdout
