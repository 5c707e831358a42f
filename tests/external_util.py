"""Reading a stored third-party sample the way the external-shape audits do (tests/data/external*)."""
from __future__ import annotations

import base64
from pathlib import Path

from samlscan.config import build
from samlscan.engine import analyze_raw
from samlscan.inputs.base import RawMessage
from samlscan.model import Source

FILES = ("idp_cert", "idp_metadata", "sp_key", "sp_cert")
"""Flags whose values are file names in the sample's folder."""


def analyze_sample(data: Path, name: str, **flags):
    """The MessageResult of sample `name` (XML, or base64 of it in a .b64 or .base64 file) with `flags` as
    the CLI would give them; a sample refused as input fails the test."""
    raw = (data / name).read_text(encoding="utf-8")
    if name.endswith((".b64", ".base64")):
        raw = base64.b64decode(raw).decode("utf-8")
    expect = build({k: (str(data / v) if k in FILES else v) for k, v in flags.items()}, None)
    res = analyze_raw(RawMessage(Source(name), "XML", raw, "xml"), 0, expect)
    assert not hasattr(res, "code"), f"refused as input: {res}"
    return res
