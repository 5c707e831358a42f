"""Run samlscan over the python3-saml interop corpus the way its verdicts.json was made."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from samlscan.config import build, parse_at
from samlscan.engine import analyze

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "python3-saml"


def corpus_dir() -> Path:
    """The corpus beside the repository (../shared), as laid out for sessions and CI."""
    for candidate in (CORPUS, Path("/work/shared/corpus/python3-saml")):
        if (candidate / "verdicts.json").is_file():
            return candidate
    return CORPUS


def verdicts() -> dict:
    return json.loads((corpus_dir() / "verdicts.json").read_text())


def judge(rel: str, verdict: dict):
    """samlscan's report for one corpus file, with settings1.json minus the ACS URL (python3-saml
    took the request URL from each response's Destination)."""
    base = corpus_dir()
    expect = build({}, base / "settings" / "settings1.json")
    at = verdict.get("evaluated_at")
    expect = replace(expect, acs_url=None,
                     at=parse_at(at.split(" + ")[0]) if at else None)
    if at:
        from datetime import timedelta
        expect = replace(expect, at=expect.at + timedelta(seconds=60))
    return analyze([str(base / rel)], expect)
