"""A saved e-mail with attachments (.eml, RFC 5322 with MIME parts): a ticket forwarded with the HAR, the
log, the IdP's metadata or the pasted SAMLResponse in it. Read as an archive whose members are its parts:
each attachment under its file name, each text part as body-N.txt/.html (decoded from its transfer encoding
and charset). Python's email package parses it; nothing in it is fetched. A page a browser saved as MHTML
is the error-page reader's (errorpages), not one of these."""
from __future__ import annotations

import re


class MailError(ValueError):
    """A message that cannot be taken apart (the parser records most defects instead; its own recursion runs
    out on thousands of nested parts)."""

_HEADER = re.compile(rb"[!-9;-~]+:[^\r\n]*\r?\n(?:[ \t][^\r\n]*\r?\n)*")
"""One header field and its folded continuation lines (RFC 5322 2.2: a name of printable characters but
':', then ':')."""
_NAMED = re.compile(rb"(?im)^(?:From|To|Subject|Date|Received|Return-Path|Message-ID):")
_SNAPSHOT = re.compile(rb"(?im)^Snapshot-Content-Location:")
"""A browser's saved page (MHTML, RFC 2557): the error-page reader takes it whole (errorpages)."""
_MIME = re.compile(rb"(?im)^MIME-Version:[ \t]*1\.0")
_MULTIPART = re.compile(rb"(?im)^Content-Type:[ \t]*multipart/")
_ENCODED = re.compile(rb"(?im)^Content-Transfer-Encoding:[ \t]*(?:base64|quoted-printable)")
"""A one-part message whose body is encoded on the wire: read as its part, decoded (a paste would see '=3D')."""
HEAD_FIELDS = 200
"""Header fields read before the blank line that ends them, at most."""


def is_mail(head: bytes) -> bool:
    """Whether `head` starts with a header block (fields only, to its blank line) that declares MIME 1.0 of
    several parts and names a message's sender, subject, date or route: an e-mail with attachments, not a
    browser's MHTML page, a raw HTTP exchange (its request or status line comes first) nor a log. A message
    of one plain text part is read as the paste it is (its SAMLResponse pasted into the body); one encoded
    in base64 or quoted-printable is taken apart to be decoded."""
    at = 0
    for _ in range(HEAD_FIELDS):
        m = _HEADER.match(head, at)
        if m is None:
            break
        at = m.end()
    rest = head[at:at + 2]
    if not at or not (rest.startswith(b"\n") or rest == b"\r\n"):
        return False
    block = head[:at]
    return bool(_MIME.search(block) and (_MULTIPART.search(block) or _ENCODED.search(block))
                and _NAMED.search(block) and not _SNAPSHOT.search(block))


_EXTENSIONS = {"text/plain": "txt", "text/html": "html", "application/json": "json", "text/xml": "xml",
               "application/xml": "xml"}


MAX_PARTS = 1000
"""Parts of one message read at most (a ticket has a few; a generated one of 20,000 is cut there, and said)."""
MAX_DEPTH = 20
"""Messages and multiparts inside each other read at most (forwards of forwards: a few levels)."""


def parts(path: str) -> tuple[list[tuple[str, bytes]], int]:
    """((name, bytes) of each leaf part of the message at `path`, in order, at most MAX_PARTS; how many more
    were left out). A name is an attachment's own file name (its directories dropped), else body-N with its
    type's extension; text in UTF-8. Parsed with the compat32 policy (the default one's header objects took
    5.4 s for 20,000 parts, this 0.3 s), walked without recursion to MAX_DEPTH. Raises MailError."""
    from email import policy
    from email.errors import MessageError
    from email.parser import BytesParser

    try:
        with open(path, "rb") as fh:
            msg = BytesParser(policy=policy.compat32).parse(fh)
        return _leaves(msg)
    except RecursionError:
        raise MailError("parts nested deeper than the e-mail parser goes") from None
    except (MessageError, LookupError, UnicodeError) as exc:
        raise MailError(str(exc)) from None


def _leaves(msg) -> tuple[list[tuple[str, bytes]], int]:
    """parts() of a parsed message: its leaves in order, depth first, with an explicit stack."""
    seen: dict[str, int] = {}
    out: list[tuple[str, bytes]] = []
    left_out = 0
    stack = [(msg, 0)]
    while stack:
        part, depth = stack.pop()
        if part.is_multipart():
            if depth < MAX_DEPTH:
                stack.extend((p, depth + 1) for p in reversed(_alternative(part)))
            continue
        if len(out) == MAX_PARTS:
            left_out += 1
            continue
        name = _file_name(part) or f"body-{len(out) + 1}.{_EXTENSIONS.get(part.get_content_type(), 'bin')}"
        out.append((numbered(name, seen), _payload(part)))
    return out, left_out


def _alternative(part) -> list:
    """A multipart's parts; of multipart/alternative (RFC 2046 5.1.4: one content in several forms), the
    plain text alone when it has one (its HTML is the same text: the same response read twice)."""
    inner = part.get_payload()
    if part.get_content_subtype() == "alternative":
        plain = [p for p in inner if not p.is_multipart() and p.get_content_type() == "text/plain"]
        if plain:
            return plain
    return inner


def numbered(name: str, seen: dict[str, int]) -> str:
    """`name`, or the name numbered after it when a part before it had it (two attachments of one name:
    both read, the second as name-2.ext); `seen` remembers the names given."""
    if name in seen:
        seen[name] += 1
        stem, dot, ext = name.rpartition(".")
        name = f"{stem}-{seen[name]}.{ext}" if dot else f"{name}-{seen[name]}"
    seen.setdefault(name, 1)
    return name


def _file_name(part) -> str:
    """An attachment's file name, an RFC 2047 encoded word decoded, its directories dropped; '' for none."""
    from email.header import decode_header, make_header

    name = part.get_filename() or ""
    if "=?" in name:
        try:
            name = str(make_header(decode_header(name)))
        except (ValueError, LookupError, UnicodeError):
            pass
    return file_name(name)


def file_name(name: str) -> str:
    """An attachment's file name without the directories its sender's path gave it."""
    return name.replace("\\", "/").rsplit("/", 1)[-1].strip()


def _payload(part) -> bytes:
    """A part's bytes: text decoded from its charset to UTF-8 (a latin-1 body's accents kept), any other
    part as its transfer encoding gives it (base64, quoted-printable)."""
    data = part.get_payload(decode=True) or b""
    if part.get_content_maintype() == "text":
        charset = part.get_content_charset() or "utf-8"
        try:
            return data.decode(charset, "replace").encode("utf-8")
        except LookupError:  # (a charset Python does not know: its bytes as they are)
            return data
    return data
