"""Turn a found SAML parameter value into XML: percent-decoding, base64, bounded inflate, parse."""
from __future__ import annotations

import base64
import binascii
import re
import zlib
from urllib.parse import unquote, unquote_plus

from samlscan import lazyre
from samlscan.errors import InputError
from samlscan.inputs.base import RawMessage
from samlscan.xmlsafe import MAX_XML_BYTES, parse_xml

_REDACTED = re.compile(r"^\s*(\[[^\]]*redact[^\]]*\]|<?redacted>?|<[a-z][\w .:-]{0,38}>|\*{3,}|x{6,}|REDACTED.*)\s*$",
                       re.IGNORECASE)
"""A placeholder: a sanitizer's, or a name in angle brackets ('<samlrequest>': a lone start tag is
never an XML document, XML 1.0 section 2.1)."""
_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-"
_NOT_B64 = lazyre.compile(r"[^A-Za-z0-9+/=_\-\s]")
_UNQUOTE_CHUNK = 64 * 1024


def unquote_bounded(text: str, plus: bool = False) -> str:
    """urllib's unquote (unquote_plus with `plus`), a chunk at a time: urllib splits the whole
    text at every '%' (9 MB of '%2B' took 700 MB). A chunk ends outside any %XX escape and not
    before one that continues a UTF-8 sequence (%80-%BF), so valid text decodes the same."""
    fn = unquote_plus if plus else unquote
    if len(text) <= _UNQUOTE_CHUNK or "%" not in text:
        return fn(text)
    out, start = [], 0
    while start < len(text):
        end = min(start + _UNQUOTE_CHUNK, len(text))
        if end < len(text):
            end = next((c for c in range(end, end - 16, -1) if _cut_ok(text, c)), end)
        out.append(fn(text[start:end]))
        start = end
    return "".join(out)


_HEX = frozenset("0123456789abcdefABCDEF")


def _cut_ok(text: str, c: int) -> bool:
    """Splitting `text` at `c` splits no %XX escape and no UTF-8 sequence of escapes."""
    def escape_at(i: int) -> bool:
        return i >= 0 and text[i:i + 1] == "%" and len(text[i + 1:i + 3]) == 2 and set(text[i + 1:i + 3]) <= _HEX

    return not escape_at(c - 1) and not escape_at(c - 2) and not (escape_at(c) and text[c + 1] in "89abAB")


def is_redacted(value: str) -> bool:
    """A placeholder such as '[SAMLResponse redacted]' (Cloudflare har-sanitizer) or '<samlresponse>'."""
    return bool(_REDACTED.match(value))


def b64decode_lenient(value: str) -> bytes:
    """base64, standard or URL-safe, with wrapped lines, stray whitespace and missing padding."""
    text = value.strip()
    for _ in range(3):  # still percent-encoded (copied from a URL or a raw form body), even twice
        if "%" not in text:
            break
        text = unquote_bounded(text)
    if not text:
        raise InputError("input-bad-base64", "the value is empty: nothing was copied after the parameter name")
    # whitespace as re's \s finds it, then C-speed checks (a 10 KB value: 250 -> 30 us; a
    # per-character match took 5 s on 8 MB)
    text = "".join(text.split())
    if not text.isascii() or text.encode("ascii").translate(None, _B64_ALPHABET):
        found = _NOT_B64.search(text)
        bad = found.group() if found else "?"
        raise InputError("input-bad-base64", f"character {bad!r} is not base64")
    text = text.rstrip("=")
    text = text.replace("-", "+").replace("_", "/")
    if len(text) % 4 == 1:
        raise InputError("input-bad-base64", "base64 value has an impossible length (truncated?)")
    text += "=" * (-len(text) % 4)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InputError("input-bad-base64", f"not valid base64: {exc}") from None


_B64_TEXT = frozenset(_B64_ALPHABET.decode().replace("=", ""))


def may_be_encoded_message(value: str) -> bool:
    """Whether a base64-like text can be an encoded SAML message, judged by its start: its first bytes
    decode to XML, to gzip or zlib data, to raw DEFLATE data that inflates to XML (the redirect binding,
    SAML bindings 3.4.4.1) or to base64 of XML again. A token, a hash or a path written in base64's
    letters ('QT_ACCESSIBILITY=1') is none of these: no message, cut short or not. Characters outside
    the alphabet are left out (a damaged paste's first stray one does not hide the rest)."""
    head = value[:2048]
    if "%" in head:
        head = unquote_bounded(head)
    if "+" not in head and " " in head.strip():  # (a form value unquoted with '+' as a space: decode_bytes)
        head = head.strip().replace(" ", "+")
    chars = "".join(c for c in head if c in _B64_TEXT)[:1024].replace("-", "+").replace("_", "/")
    data = base64.b64decode(chars[:len(chars) // 4 * 4])
    body = data.lstrip(b"\x00\xff\xfe\xef\xbb\xbf \t\r\n")  # (UTF-16 and UTF-8 byte order marks, UTF-16's NULs)
    if body[:1] == b"<" or body[:2] in (b"PD", b"PH"):  # (PD, PH: base64 of '<?', '<s', twice encoded)
        return True
    if data[:2] == b"\x1f\x8b" or len(data) > 1 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0:
        return True  # gzip (RFC 1952 2.3.1) or zlib (RFC 1950 2.2: CM 8, the check bits)
    try:
        return zlib.decompressobj(-15).decompress(data, 64).lstrip()[:1] == b"<"
    except zlib.error:
        return False


def inflate_bounded(data: bytes, limit: int = MAX_XML_BYTES) -> bytes:
    """Inflate raw DEFLATE (redirect binding, SAML bindings 3.4.4.1), or zlib/gzip as some SPs
    send, never producing more than `limit` bytes (a deflate bomb stops here)."""
    last = None
    for wbits in (-15, 47):  # raw deflate, then zlib/gzip auto-detect
        inflater = zlib.decompressobj(wbits)
        try:
            out = inflater.decompress(data, limit + 1)
        except zlib.error as exc:
            last = exc
            continue
        if len(out) > limit or inflater.unconsumed_tail:
            raise InputError("input-too-large",
                             f"inflated value exceeds {limit} bytes (refused: deflate bomb?)")
        return out
    raise InputError("input-bad-deflate", f"redirect-binding value does not inflate: {last}")


def _looks_like_xml(data: bytes) -> bool:
    head = data.lstrip()[:5]
    return head.startswith(b"<") or head.startswith(b"\xef\xbb\xbf<") or head[:2] in (
        b"\xff\xfe", b"\xfe\xff")


_HEAD_CHARS = 512
"""How much of a value value_encoding reads: the first bytes of XML, or of its DEFLATE stream."""
_PARTIAL_ESCAPE = lazyre.compile(r"%[0-9A-Fa-f]?$")


def value_encoding(value: str) -> str | None:
    """'deflate' when a (percent-encoded) base64 value holds raw DEFLATE of XML (the HTTP-Redirect
    binding's encoding, SAML bindings 3.4.4.1; zlib-wrapped too, as some SPs send it), 'base64' when
    it holds the XML itself (HTTP-POST, 3.5.4); None when its first bytes tell neither (cut short,
    not base64). Reads only the head of the value: a log line's megabyte dump costs nothing more."""
    head = value[:_HEAD_CHARS]
    for _ in range(3):  # (percent-encoded, even twice: b64decode_lenient)
        if "%" not in head:
            break
        head = unquote(_PARTIAL_ESCAPE.sub("", head))
    head = "".join(head.split()).rstrip("=")
    head = head[:len(head) - len(head) % 4]
    try:
        data = b64decode_lenient(head) if head else b""
    except InputError:
        return None
    if _looks_like_xml(data):
        return "base64"
    for wbits in (-zlib.MAX_WBITS, zlib.MAX_WBITS):
        try:
            if _looks_like_xml(zlib.decompressobj(wbits).decompress(data, 64)):
                return "deflate"
        except zlib.error:
            continue
    return None


_DECLARED_ENCODING = re.compile(r"""^(\ufeff?\s*<\?xml\b[^>]*?\bencoding\s*=\s*)(["'])([^"']*)\2""")


def declared_encoding(text: str) -> str | None:
    """The encoding an XML declaration at the start of `text` names, or None."""
    m = _DECLARED_ENCODING.match(text)
    return m.group(3) if m else None


def xml_text_bytes(text: str) -> bytes:
    """XML already decoded to text, as UTF-8 bytes whose declaration says UTF-8.

    Encoding the text to UTF-8 while it still declares encoding="ISO-8859-2" (Keycloak,
    KEYCLOAK-3971) made libxml2 read the UTF-8 bytes as Latin-2: every non-ASCII character of the
    NameID and attributes came out garbled. The declaration is not part of what a signature covers
    (C14N drops it), so rewriting it changes no digest. A lone surrogate (a JSON log's '\\udcff')
    is kept as the bytes Python holds for it, which no XML parser takes: the message is reported
    as not well-formed, not as a failure of samlscan."""
    m = _DECLARED_ENCODING.match(text)
    if m and m.group(3).lower().replace("_", "-") not in ("utf-8", "utf8"):
        text = text[:m.start(3)] + "UTF-8" + text[m.end(3):]
    return text.encode("utf-8", "surrogatepass")


def decode_bytes(raw: RawMessage) -> bytes:
    """The XML bytes of a raw message, or InputError."""
    value = raw.value
    if is_redacted(value):
        raise InputError("input-redacted", f"{raw.param} was replaced by a placeholder before it was shared: {value.strip()[:60]!r}")
    if raw.binding == "xml":
        return xml_text_bytes(value) if isinstance(value, str) else value
    stripped = value.strip()
    if stripped.startswith("<"):  # some tracers export the decoded XML
        return xml_text_bytes(stripped)
    unpadded = value.strip("\r\n\t\f\v")
    if raw.binding != "redirect" and "+" not in unpadded and " " in unpadded:
        # a form value that went through unquote_plus: '+' became ' ' (base64 has no spaces), a
        # last '+' too ('...U+' lost its last character when the value was stripped first)
        stripped = unpadded.replace(" ", "+")
    data = b64decode_lenient(stripped)
    if raw.binding == "redirect" or not _looks_like_xml(data):
        try:
            return inflate_bounded(data)
        except InputError as exc:
            if raw.binding == "redirect" and exc.code == "input-bad-deflate" and _looks_like_xml(data):
                # base64 of the bare XML, as some hand-made SPs send it: the receiver inflates first
                # (SAML bindings 3.4.4.1) and fails; zlib's 'incorrect header check' said nothing
                raise InputError("input-bad-deflate", "the redirect-binding value is base64 of plain XML, "
                                 "not DEFLATE-compressed: SAML bindings 3.4.4.1 requires DEFLATE before "
                                 "base64 on HTTP-Redirect, and receivers that follow it fail to inflate "
                                 "it; the sender must compress it (or post it with HTTP-POST, which "
                                 "takes plain base64)") from None
            if raw.binding == "redirect" or not data or exc.code == "input-too-large":
                raise
            raise InputError("input-not-saml", "decoded value is neither XML nor DEFLATE data") from None
    return data


def decode_raw(raw: RawMessage):
    """Decode and parse a raw message: returns the lxml root element, or raises InputError."""
    return parse_xml(decode_bytes(raw))


def form_unquote(value: str) -> str:
    """application/x-www-form-urlencoded decoding ('+' is a space, then %XX)."""
    return unquote_bounded(value, plus=True)
