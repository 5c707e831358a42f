"""Binary files people attach instead of the evidence (a screenshot, a PDF, an Outlook message, a Windows
event log, a network capture), named by their signature bytes so that the finding says what the file is
and what to give instead, not only that no SAML message is in it. Archives and compressed files are not
here: they are read in place (samlscan/archives.py)."""
from __future__ import annotations

import re

_SCREENSHOT = ("A screenshot holds no message samlscan can read: capture the login as a HAR (the browser's "
               "DevTools > Network > Export HAR) or a SAML-tracer export, or copy the error text into a text file.")

_GIVE_EVIDENCE = "Give the SAML message, the capture or the log the login left."
_EXTRACT = ("samlscan reads zip, tar, gzip, bzip2 and xz in place, not this: extract it (7-Zip opens all of these) "
            "and scan the folder, or pack it again as a zip.")

KINDS = (
    (re.compile(rb"\x89PNG\r\n\x1a\n"), "a PNG image", _SCREENSHOT),
    (re.compile(rb"\xff\xd8\xff"), "a JPEG image", _SCREENSHOT),
    (re.compile(rb"GIF8[79]a"), "a GIF image", _SCREENSHOT),
    (re.compile(rb"RIFF....WEBP", re.S), "a WebP image", _SCREENSHOT),
    (re.compile(rb"%PDF-"), "a PDF document",
     "samlscan does not read PDFs: copy the SAML message or the log lines from it into a text file."),
    (re.compile(rb"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), "a compound file that is no Outlook message samlscan "
     "can read (an old Office document: .doc, .xls, .ppt)", "Save a document as .docx or .xlsx, or its text as a .txt "
     "file; an Outlook message again from Outlook (File > Save As, Outlook Message Format): samlscan reads those."),
    (re.compile(rb"ElfFile\x00"), "a Windows event log (.evtx)",
     "Open it in Event Viewer and 'Save All Events As...' CSV, or export it as XML (wevtutil qe FILE.evtx /lf:true "
     "/f:xml > events.xml): samlscan reads those exports (AD FS events 1200-1203, 364)."),
    (re.compile(rb"\xd4\xc3\xb2\xa1|\xa1\xb2\xc3\xd4|\x4d\x3c\xb2\xa1|\xa1\xb2\x3c\x4d"
                rb"|\x0a\x0d\x0d\x0a.{4}(?:\x1a\x2b\x3c\x4d|\x4d\x3c\x2b\x1a)", re.S),
     "a network capture (pcap)", "HTTPS in it is encrypted: capture the login in the browser as a HAR instead "
     "(DevTools > Network > Export HAR)."),
    (re.compile(rb"\x7fELF|\xca\xfe\xba\xbe|MZ.{0,600}?This program cannot be run", re.S),
     "a program (an executable or a Java class)", _GIVE_EVIDENCE),
    (re.compile(rb"[\x00-\xff][\x0a-\x0e]\r\n[\x00-\x03]\x00\x00\x00"), "compiled Python (.pyc)", _GIVE_EVIDENCE),
    (re.compile(rb"7z\xbc\xaf\x27\x1c"), "a 7-Zip archive", _EXTRACT),
    (re.compile(rb"Rar!\x1a\x07(?:\x00|\x01\x00)"), "a RAR archive", _EXTRACT),
    (re.compile(rb"\x28\xb5\x2f\xfd"), "a Zstandard-compressed file", _EXTRACT),
    (re.compile(rb"MSCF\x00\x00\x00\x00"), "a Windows cabinet (.cab)", _EXTRACT),
    (re.compile(rb"SQLite format 3\x00"), "an SQLite database", "Export the rows that hold the logins as CSV or JSON."),
    (re.compile(rb"\xac\xed\x00\x05"), "a Java serialization stream (a Charles Proxy session, .chls, is one)",
     "In Charles, File > Export Session... as 'JSON Session File (.chlsj)' or 'HTTP Archive (.har)', or run "
     "`charles convert session.chls session.chlsj` (Charles's command-line tool): samlscan reads both."),
)
"""(signature at the file's start, what it is, what to give instead): PNG (ISO 15948 5.2), JPEG's SOI and
first marker, GIF87a/89a, WebP's RIFF container, PDF's header (ISO 32000 7.5.2), OLE2 compound files
([MS-CFB] 2.2: Word 97's .doc; Outlook's .msg is read, outlookmsg), EVTX's file header ('ElfFile'), pcap's magic in either byte
order and its nanosecond variant, pcapng's Section Header Block (and its byte-order magic), ELF, a Java class (0xCAFEBABE), a Windows
PE's MZ stub, archives samlscan does not open (7-Zip's signature header, RAR 1.5-4 and 5's marker, a
Zstandard frame's magic number (RFC 8878 3.1.1), a cabinet's 'MSCF' header), a .pyc's (the 16-byte header of Python 3.7+, PEP 552: a magic number of 3.x ending in
'\\r\\n', then its flags 0 to 3), SQLite's header, Java serialization's STREAM_MAGIC and STREAM_VERSION (0xACED 0x0005: Java
Object Serialization Specification 6.4.2; Charles's binary .chls session; its `convert` command, as
ProxymanApp/docs advanced-features/charles-proxy-converter.md runs it, writes JSON or HAR)."""


_ANY_KIND = re.compile(b"|".join(b"(?:%s)" % sig.pattern for sig, _, _ in KINDS), re.S)
"""Any of KINDS' signatures, in one match: a text file (every message) is told in 0.6 us, not 7 (the
patterns without re.S have no '.' for it to change)."""


def binary_kind(head: bytes) -> tuple[str, str] | None:
    """(what the file is, what to give instead) when its first bytes are a known binary format's, else None."""
    if not _ANY_KIND.match(head):
        return None
    return next(((what, instead) for sig, what, instead in KINDS if sig.match(head)), None)


_SAID = ", not text: no SAML message or log in it"


_UNOPENED = ", which samlscan does not open: extract it and scan the folder"


def said(kind: tuple[str, str]) -> str:
    """The finding's words for a file of `kind` (an archive may hold evidence: not said to hold none)."""
    return f"this is {kind[0]}{_UNOPENED if kind[1] == _EXTRACT else _SAID}"


def is_said(text: str) -> bool:
    """Whether a finding's text is said() of some binary kind (a folder's scan skips the file with it)."""
    return text.startswith("this is ") and text.endswith((_SAID, _UNOPENED))
