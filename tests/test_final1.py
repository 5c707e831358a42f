"""Final 1: inferences that fired on guesses."""
from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from case_util import ROOT
from samlscan.cli import main

CASE12 = ROOT / "tests" / "data" / "case12"


def test_a_java_line_naming_no_saml_library_is_no_java_saml_engine(tmp_path):
    # A Spring Boot app's own failure handler names neither Spring nor OpenSAML; applog reads its
    # text as java-saml's (the Java guess). The guess is no engine: Spring's stop before decrypting
    # an unsigned Response (correlate.causes._STOPPED_BEFORE) still outranks samlscan's decryption failure.
    for f in CASE12.iterdir():
        shutil.copy(f, tmp_path)
    lines = (CASE12 / "web.log").read_text().splitlines(keepends=True)
    (tmp_path / "web.log").write_text("".join(lines[:2] + lines[11:]))  # paul's SonarQube record gone
    (tmp_path / "app.log").write_text(
        "2025-12-09 08:40:04.120 ERROR 4242 --- [nio-8443-exec-4] c.e.portal.security.SamlFailureHandler"
        "   : SAML login failed for SAML Response [_ea0cf85d06ee6818ca1094b2bd2815ef]: Signature "
        "validation failed. SAML Response rejected\n")
    res = CliRunner().invoke(main, ["scan", str(tmp_path), "--format", "json", "--fail-on", "never"])
    (paul,) = [a for a in json.loads(res.stdout)["attempts"] if a["time"][11:16] == "08:40"]
    assert "app.log" in {e["input"].rsplit("/", 1)[-1] for e in paul["evidence"]}, paul
    assert paul["root_cause"] == "response-signature-required", paul


def test_the_guessed_engine_is_marked_on_the_event(tmp_path):
    from datetime import timezone

    from samlscan.logs.applog import AppLogParser

    text = ("2025-12-09 08:40:04.120 ERROR 4242 --- [exec-4] c.e.portal.SamlFailureHandler : SAML login "
            "failed: Signature validation failed. SAML Response rejected\n"
            "2025-12-09 08:40:05.120 ERROR 4242 --- [exec-5] com.onelogin.saml2.Auth : processResponse "
            "error. invalid_response\n")
    guessed, named = [next(e for e in AppLogParser().parse([(1, line)], "app.log", timezone.utc)
                           if getattr(e, "outcome", None) == "failure") for line in text.splitlines()]
    assert (guessed.product, guessed.guessed) == ("java-saml", True)
    assert (named.product, named.guessed) == ("java-saml", False)
