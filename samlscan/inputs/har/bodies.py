"""Response and request bodies: base64 decoded, side files read (Playwright's `_file`)."""
from __future__ import annotations

import base64
import binascii
import re

from samlscan.inputs.har.stream import MAX_STRING, DROPPED


ARCHIVED: dict = {}
"""Absolute path of a HAR read out of an archive (its member inflated to a temporary file) -> the
reader of its side files among the archive's members (archives.ZipSideFiles): `read(name)` gives
a member's bytes (bounded) or None, `note(name)` is told every name the HAR refers to."""


def _side_bytes(name, har_path: str, read: bool = True) -> bytes | None:
    """The bytes of a side file the HAR names (`_file`: Playwright's recordHar content 'attach',
    '<sha1>.<ext>' beside the .har, or inside the .zip it saved): a relative name that stays in
    the HAR's folder, a regular file, at most MAX_STRING bytes; None otherwise. `read=False`: only
    tell an archive's reader that the HAR names it (a body not read is still the HAR's own)."""
    import os

    if not isinstance(name, str) or not name or "\\" in name or ":" in name or any(
            not part or part.startswith(".") for part in name.split("/")):
        return None
    archived = ARCHIVED.get(os.path.abspath(har_path)) if ARCHIVED else None
    if archived is not None:
        archived.note(name)
        return archived.read(name) if read else None
    side = os.path.join(os.path.dirname(os.path.abspath(har_path)), *name.split("/"))
    if not read or not os.path.isfile(side):  # a FIFO or device named like a page would block the read
        return None
    try:
        with open(side, "rb") as f:
            data = f.read(MAX_STRING + 1)
    except OSError:
        return None
    return None if len(data) > MAX_STRING else data


_TEXT_BODY = re.compile(r"html|json|xml|text/plain", re.IGNORECASE)
"""Bodies worth reading from a side file: pages (auto-submit forms, IdP error pages), JSON and
XML (an error answered as JSON, a SAML message), plain text; not scripts, styles or images."""


def _side_file(content: dict, har_path: str) -> str | None:
    """A body kept as a side file (`content._file`), when it is text that can matter (_TEXT_BODY)."""
    wanted = _TEXT_BODY.search(str(content.get("mimeType", ""))) is not None
    data = _side_bytes(content.get("_file"), har_path, read=wanted)
    return None if data is None else _decoded(data, content)


def _decoded(data: bytes, content: dict) -> str:
    charset = re.search(r"charset=([\w-]+)", str(content.get("mimeType", "")), re.I)
    try:
        return data.decode(charset.group(1) if charset else "utf-8", errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


_NOT_A_PAGE = re.compile(r"javascript|ecmascript|text/css|^\s*(?:image|font|audio|video)/|wasm", re.IGNORECASE)
"""Bodies no page is in: scripts, styles, images, fonts, media. A HAR holds mostly these (a 200 MB
capture is its bundles); an IdP's error page, an auto-submit form or an SP's answer is a document
(HTML, JSON, XML, text, or a type the writer did not know: Chrome's 'x-unknown')."""


def body_text(content, har_path: str | None = None) -> str | None:
    """Response body as text: base64 bodies decoded, an attached side file read (`har_path`);
    None when absent or dropped, or when its mimeType says it is no page (_NOT_A_PAGE)."""
    if not isinstance(content, dict):
        return None
    text = content.get("text")
    if not text and har_path is not None and "_file" in content:
        return _side_file(content, har_path)  # (named to an archive's reader whatever its type)
    if not isinstance(text, str) or text == DROPPED or _NOT_A_PAGE.search(str(content.get("mimeType", ""))):
        return None
    if content.get("encoding") == "base64":
        try:
            data = base64.b64decode(text, validate=False)
        except (binascii.Error, ValueError):
            return None
        return _decoded(data, content)
    return text
