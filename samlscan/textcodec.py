"""Which codec a text file was saved in, when it is not UTF-8: one place for every reader of
settings, certificates and evidence."""
from __future__ import annotations

import codecs

_UTF16_PROBE = 64
"""How many bytes of a file tell UTF-16 without a BOM: 32 characters of ASCII text."""


def utf16_codec(data: bytes) -> str | None:
    """The codec of a text saved as UTF-16: by its BOM (Windows PowerShell 5.1's `>` and Out-File),
    or without one by the NUL of each ASCII character's other byte (XML 1.0 appendix F's
    '3C 00 3F 00', and any text: .NET's Encoding.Unicode bytes written as they are, iconv -t
    UTF-16LE, Java's UnicodeLittleUnmarked); None for any other text. UTF-32 by its BOM too (PowerShell's
    Out-File -Encoding UTF32), whose LE BOM starts as UTF-16's: FF FE then U+0000, no text's."""
    if data[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
        return "utf-32"
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    if data[:2] in (b"<\x00", b"\x00<"):  # (an XML document whose first lines are not ASCII)
        return "utf-16-le" if data[0] else "utf-16-be"
    probe = data[:min(len(data), _UTF16_PROBE) & ~1]
    if len(probe) < 4 or b"\x00" not in probe:  # (no NUL: no ASCII character of UTF-16 in it)
        return None
    for codec, chars, others in (("utf-16-le", probe[::2], probe[1::2]), ("utf-16-be", probe[1::2], probe[::2])):
        # (mostly ASCII, not all: a page's title 'Authentication Error \u2014 Oops!' has its dash's 0x20
        # where the NULs are; no NUL character, which UTF-32 and binary data have)
        ascii_ = [c for c, o in zip(chars, others) if o == 0]
        if 4 * len(ascii_) >= 3 * len(chars) and all(c in _ASCII_TEXT for c in ascii_):
            return codec
    return None


_ASCII_TEXT = frozenset(range(0x20, 0x7F)) | frozenset(b"\t\n\r\f")


def export_codec(head: bytes) -> tuple[str, str]:
    """(codec, errors) of an export a spreadsheet may have saved again, from its first bytes: UTF-16 by
    its BOM or NULs (Excel's 'Unicode text'), else UTF-8 with or without a BOM, each byte of no UTF-8
    read as cp1252 (Excel's 'CSV (Comma delimited)' on a Western Windows writes the ANSI code page:
    an accented header cell 'Événement' is 0xC9, no UTF-8). Byte by byte, not the whole file: a UTF-8
    export with one damaged byte keeps its accents."""
    codec = utf16_codec(head)  # (a lone surrogate of UTF-16 is U+FFFD, as the sniff read it: no cp1252 bytes)
    return (codec, "replace") if codec else ("utf-8-sig", CP1252_FALLBACK)


CP1252_FALLBACK = "samlscan-cp1252"
"""The decoding error handler that reads a byte of no UTF-8 as cp1252 (its five unassigned bytes as U+FFFD)."""


def _cp1252(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return bytes(exc.object[exc.start:exc.end]).decode("cp1252", "replace"), exc.end


codecs.register_error(CP1252_FALLBACK, _cp1252)
