"""Office documents (Word, Excel, PowerPoint, OpenDocument): one input, its text read as a paste.

A .docx is a zip of XML parts (ECMA-376 Part 2, Open Packaging Conventions: '[Content_Types].xml'
at its root); an .odt a zip whose first member 'mimetype' names its type (ODF 1.2 Part 3, 3.3).
A customer pastes the SAMLResponse or the error they saw into their notes: the document's
paragraphs are that paste, its other members (styles, settings, themes) no evidence.
"""
from __future__ import annotations

import re
import zipfile
import zlib

from samlscan.xmlsafe import local

MAIN_PARTS = {
    "docx": re.compile(r"word/document\.xml"),
    "xlsx": re.compile(r"xl/sharedStrings\.xml"),
    "pptx": re.compile(r"ppt/slides/slide\d+\.xml"),
    "odf": re.compile(r"content\.xml"),
}
"""Where each kind keeps its text: Word's body (ECMA-376 Part 1, 11.3.10), Excel's shared strings
(18.4.9: a cell's text lives there, not in its sheet), PowerPoint's slides (13.3.8), OpenDocument's
content.xml (ODF 1.2 Part 3, 2.2)."""

_PARAGRAPHS = {"p", "h", "si"}
"""Elements ending a line of text: w:p, a:p, text:p and text:h, a shared string (x:si)."""

OFFICE_MIMETYPE = b"application/vnd.oasis.opendocument."


def office_kind(zf: zipfile.ZipFile) -> str | None:
    """'docx', 'xlsx', 'pptx' or 'odf' when the zip is an Office document; None otherwise (a zip
    with '[Content_Types].xml' and no document part, a NuGet package, is none)."""
    names = set(zf.namelist())
    if "[Content_Types].xml" in names:
        for kind in ("docx", "xlsx", "pptx"):
            if any(MAIN_PARTS[kind].fullmatch(n) for n in names):
                return kind
        return None
    if "mimetype" in names and "content.xml" in names:
        try:
            with zf.open("mimetype") as fh:
                head = fh.read(len(OFFICE_MIMETYPE))
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError, zlib.error):
            return None
        return "odf" if head == OFFICE_MIMETYPE else None
    return None


def text_parts(zf: zipfile.ZipFile, kind: str) -> list[zipfile.ZipInfo]:
    """The members holding the document's text, in reading order (slide 2 before slide 10)."""
    parts = [i for i in zf.infolist() if MAIN_PARTS[kind].fullmatch(i.filename)]
    return sorted(parts, key=lambda i: [int(d) if d.isdigit() else d for d in re.split(r"(\d+)", i.filename)])


def paragraphs(parser, chunks) -> list[str]:
    """The text of each paragraph of one XML part, fed to `parser` (a hardened pull parser with
    'end' events) in `chunks`: its runs (w:t, a:t, x:t) when it has any, else all its text (an
    ODF paragraph's text and spans). Finished paragraphs are dropped from the tree as they come."""
    out: list[str] = []
    for chunk in [*chunks, None]:
        if chunk is None:
            parser.close()
        else:
            parser.feed(chunk)
        for _, el in parser.read_events():
            if local(el.tag) not in _PARAGRAPHS:
                continue
            runs = [t.text or "" for t in el.iter() if local(t.tag) == "t"]
            out.append("".join(runs) if runs else "".join(el.itertext()))
            el.clear(keep_tail=False)
            while el.getprevious() is not None:
                del el.getparent()[0]
    return out
