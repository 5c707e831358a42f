"""SAML evidence pasted with decoration, or several messages in one paste.

Support tickets carry the message the way it was copied: inside a Markdown code fence, quoted
by an e-mail client ('> ' on each line), with line numbers, as quoted-printable, in angle
brackets or smart quotes, inside a command copied from developer tools (Windows cmd caret
escapes, bash $'...' quoting, a fetch() body as a JSON string, PowerShell's $([char]13)), as a
JSON string ('<Response ID=\\"x\\">', '\\/'), HTML-escaped from a page's source ('&lt;samlp:...'),
as the browser's form-data view ('SAMLResponse: PHNh...', or the name and its value on two
lines), in a JSON document, as a multipart/form-data body, or a redirect URL an e-mail client
broke over several lines. Several messages may share one paste (the AuthnRequest, then the
Response); one message pasted twice (its base64 value and the XML a decoder showed) is read once.

`read` takes the decoration off (only what a copy adds: the message bytes themselves are never
changed, so signatures still verify) and reads each message; it returns None when the text has
none of these shapes, so that plain evidence is read as before. Every step is one linear pass
(regexes without nested repetition), and the number of messages read from one paste is bounded.
Repetitions of alternatives are possessive ('*+': Python's re otherwise keeps one backtracking
point per character: 680 MB for a 6 MB fetch body) and lazy runs bounded (a header searched for
its name= from each of 20,000 starts on one line took minutes).
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import fields, replace
from urllib.parse import quote, unquote

from samlscan import lazyre
from samlscan.decode import decode_bytes, xml_text_bytes
from samlscan.errors import InputError
from samlscan.inputs import blob
from samlscan.inputs.base import InputProblem, RawMessage
from samlscan.logs.base import DUMP_MARKERS
from samlscan.logs.embedded import json_unescaped
from samlscan.model import Source

MAX_PIECES = 64
"""Messages read from one paste at most (a paste is a handful; the rest is reported)."""
MAX_JSON_NODES = 200_000
"""Values walked in a pasted JSON document at most."""

_FIELDS = ("SAMLResponse", "SAMLRequest", "RelayState", "SigAlg", "Signature")
_ROOTS = ("Response", "AuthnRequest", "LogoutRequest", "LogoutResponse", "ArtifactResponse",
          "ArtifactResolve", "EncryptedAssertion", "Assertion")
_ROOT = lazyre.compile(r"<(?:[\w.-]+:)?(?:%s)(?=[\s>/])" % "|".join(_ROOTS))
_ESCAPED_ROOT = lazyre.compile(r"&lt;(?:[\w.-]+:)?(?:%s)(?=[\s&/])" % "|".join(_ROOTS))
_JSON_ESCAPED_XML = lazyre.compile(r"<(?:[\w.-]+:)?(?:%s)\s[^<>]*?=\\\"" % "|".join(_ROOTS))
_B64_SAML = tuple(m for m in DUMP_MARKERS if not m.startswith("<")) + ("PEFzc2VydGlvb",)
"""How a base64 SAML message starts (logs.base.DUMP_MARKERS), and a bare '<Assertion' pasted alone."""

_FENCE = lazyre.compile(r"^[ \t]*(```|~~~)[^\n]*$", re.MULTILINE)
_QUOTE_PREFIX = lazyre.compile(r"^[ \t]*(?:>[ \t]?)+", re.MULTILINE)
_LINE_NO = lazyre.compile(r"^[ \t]*(\d{1,7})(?:[ \t]*[:|.)\]][ \t]?|[ \t])")
"""A line number and one separator after it (cat -n and nl: a tab): the text's own indentation,
signed in a pretty-printed message, is kept."""
_QUOTES = {'"': '"', "'": "'", "\u201c": "\u201d", "\u201d": "\u201d", "\u201e": "\u201c",
           "\u2018": "\u2019", "\u2019": "\u2019", "\u00ab": "\u00bb", "`": "`"}
_SMART = "\u201c\u201d\u201e\u2018\u2019\u00ab\u00bb"
_SMART_AROUND = lazyre.compile("(?<=[=:\\s])[%s]([A-Za-z0-9+/=%%_.~-]{16,})[%s](?![\\w])" % (_SMART, _SMART))
_CMD_CARET = lazyre.compile(r"\^([\s\S])")
_ANSI_C = lazyre.compile(r"\$'([^'\\]*+(?:\\[\s\S][^'\\]*+)*+)'")
_ANSI_ESC = lazyre.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{1,2}|[\s\S])")
_JSON_BODY = lazyre.compile(r'"body"\s*:\s*("[^"\\\n]*+(?:\\.[^"\\\n]*+)*+")')
_PS_CHAR = lazyre.compile(r"\$\(\[char\](\d{1,3})\)", re.IGNORECASE)
_LABEL = lazyre.compile(r'^[ \t]*"?(%s)"?[ \t]*(?::[ \t]*|\t[ \t]*|=(?=[ \t]*$)|$)' % "|".join(_FIELDS))
_HTTP_START = lazyre.compile(r"^(?:[A-Z]{3,7} \S+ HTTP/\d(?:\.\d)?|HTTP/\d(?:\.\d)? \d{3}\b)", re.MULTILINE)
_MULTIPART_NAME = lazyre.compile(r'content-disposition:[ \t]*form-data;[^\n]{0,1000}?\bname="(SAMLResponse|SAMLRequest)"',
                             re.IGNORECASE)
_URL_CHARS = lazyre.compile(r"^[A-Za-z0-9%+/=_.~:?&;#@!$'()*,\-]+$")


def read(text: str, path: str) -> tuple[list[RawMessage], list[InputProblem], str] | None:
    """(messages, problems, what was unwrapped) of a decorated or multi-message paste; None when
    the text is none of these (read it as plain XML, base64, form body or URL)."""
    got = _pieces(text)
    if got is None:
        return None
    pieces, how = got
    raws: list[RawMessage] = []  # read already (raw HTTP: each exchange a post, not a copy)
    pasted: list[RawMessage] = []
    problems: list[InputProblem] = []
    many = len(pieces) > 1
    for i, piece in enumerate(pieces[:MAX_PIECES]):
        src = Source(path, f"part {i + 1}") if many else Source(path)
        if isinstance(piece, (RawMessage, InputProblem)):  # keep its ref
            moved = replace(piece, source=Source(path, piece.source.ref))
            (raws if isinstance(piece, RawMessage) else problems).append(moved)
            continue
        found, bad = _read_piece(piece, path)
        pasted += [replace(r, source=src) for r in found]
        problems += [replace(p, source=src, detail=f"{p.detail} (read as {how})") for p in bad]
    if len(pieces) > MAX_PIECES:
        problems.append(InputProblem(Source(path), "input-too-large",
                                     f"{len(pieces)} messages in one paste: the first {MAX_PIECES} were "
                                     "read; use 'samlscan scan' on a log or capture"))
    return raws + _first_copies(pasted), problems, how


def _first_copies(raws: list[RawMessage]) -> list[RawMessage]:
    """Each message once: a later part that decodes to the same document as an earlier one (the
    base64 value the browser posted and the XML a decoder showed of it, a URL pasted twice, a JSON
    document's two fields) and carries nothing that part does not (a RelayState, a redirect
    signature) is left out, and the first part's ref names it ('part 1 (also pasted as part 3)');
    a later part that carries more than an earlier bare copy (its RelayState) replaces it. A copy
    that differs (re-indented, so that its signature no longer verifies; another
    RelayState) stays a message of its own, for the user to see."""
    if len(raws) < 2:
        return raws
    out: list[RawMessage] = []
    firsts: dict[bytes, list[int]] = {}  # document -> the places in `out` of its first copies
    also: dict[int, list[str]] = {}
    for raw in raws:
        doc = _document(raw)
        places = firsts.get(doc, ())
        at = next((j for j in places if _adds_nothing(raw, out[j])), None)
        if at is None:
            fuller = next((j for j in places if _adds_nothing(out[j], raw)), None)
            if fuller is not None:  # the earlier part is the bare copy (the XML before its form body
                # with a RelayState): this one is the message, in the earlier one's place
                if out[fuller].source.ref not in (None, raw.source.ref):
                    also.setdefault(fuller, []).insert(0, out[fuller].source.ref)
                out[fuller] = raw
                continue
            firsts.setdefault(doc, []).append(len(out))
            out.append(raw)
        elif raw.source.ref not in (None, out[at].source.ref, *also.get(at, ())):
            also.setdefault(at, []).append(raw.source.ref)
    for j, refs in also.items():
        first = out[j].source
        out[j] = replace(out[j], source=Source(first.input, f"{first.ref} (also pasted as {', '.join(refs)})"))
    return out


_DECLARATION = lazyre.compile(rb"<\?xml\b[^>]{0,200}?\?>")
_DECLARED = lazyre.compile(rb"""\bencoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']""")
_CARRIED = tuple(f.name for f in fields(RawMessage) if f.name not in ("source", "param", "value", "binding"))
"""What a copy carries beside its document (RelayState, the redirect signature, its URL...)."""


def _document(raw: RawMessage) -> bytes:
    """A digest of the document a raw message decodes to as the XML parser reads it: its text
    after the XML declaration (in the encoding that declares: a decoder shows Latin-1 bytes as
    text), line ends as XML 1.0 2.11 normalizes them, without the whitespace around it. A value
    that does not decode is its text without whitespace (pasted twice, its problem is reported
    once). (A digest: 64 parts may each inflate to 8 MB.)"""
    try:
        data = decode_bytes(raw)
    except (InputError, ValueError):
        return b"value:" + _digest("".join(raw.value.split()).encode("utf-8", "replace"))
    data = data.removeprefix(b"\xef\xbb\xbf")
    declaration = _DECLARATION.match(data)
    encoding = _DECLARED.search(declaration.group()) if declaration else None
    try:
        text = data[declaration.end() if declaration else 0:].decode(
            encoding.group(1).decode() if encoding else "utf-8")
    except (LookupError, ValueError):
        return b"bytes:" + _digest(data)  # (UTF-16, an unknown encoding: the same bytes are the same)
    return b"xml:" + _digest(text.replace("\r\n", "\n").replace("\r", "\n").strip(" \t\n").encode())


def _digest(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _adds_nothing(copy: RawMessage, first: RawMessage) -> bool:
    return all(getattr(copy, name) in (None, getattr(first, name)) for name in _CARRIED)


def claims(text: str) -> bool:
    """The text is a paste `read` unwraps (engine.sniff: not a log of the embedded reader)."""
    try:
        return _pieces(text) is not None
    except (ValueError, RecursionError):
        return False


def _read_piece(piece: str, path: str) -> tuple[list[RawMessage], list[InputProblem]]:
    forms = page_messages(piece, path) if _ROOT.search(piece) is None else None
    return (forms, []) if forms else blob.read_text(piece, path)


def page_messages(text: str, path: str) -> list[RawMessage] | None:
    """The SAML values of a page's auto-post forms (an IdP's page saved or pasted); None when
    the text holds no form."""
    if not _has_form(text):
        return None
    from samlscan.inputs import htmlform

    return list(htmlform.extract(text, Source(path))) or None


def _names_param(text: str) -> bool:
    """Whether the text names a SAMLRequest or SAMLResponse parameter with its value's '='."""
    return "SAMLRequest=" in text or "SAMLResponse=" in text


def _has_form(text: str) -> bool:
    return "<form" in text[:200000].lower()  # (one lowered copy beats 2-3 case-wise searches)


# --- the decoration -------------------------------------------------------------------------

def plain(text: str) -> bool:
    """One SAML document or one base64 value and nothing around it: no paste to unwrap, no page."""
    text = text.lstrip("\ufeff")
    return _plain_xml(text) or _plain_base64(text)


def _pieces(text: str) -> tuple[list, str] | None:
    """The messages of a paste and a few words on what was taken off; None for plain text."""
    if plain(text):
        return None
    text = text.lstrip("\ufeff")
    done: list[str] = []
    for name, step in _STEPS:
        out = step(text)
        if out is not None and out != text:
            text = out
            done.append(name)
    split = _split(text)
    if split is None:
        if not done:
            return None
        split = ([text], None)
    pieces, what = split
    if what:
        done.append(what)
    if not pieces:
        return None
    return pieces, ", ".join(done)


_PROLOG = lazyre.compile(r"<\?xml[^>]{0,200}\?>")
_BASE64_LINE = lazyre.compile(r"[A-Za-z0-9+/_-]+")


def _plain_xml(text: str) -> bool:
    """One SAML document and nothing around it: the common case, with nothing to take off (the
    steps must not touch a message whose bytes are signed; and they cost 0.3 ms per file)."""
    s = text.strip()
    if not (s.startswith("<") and s.endswith(">")) or ("\\" in s and '=\\"' in s) or "=3D" in s:
        return False  # JSON-escaped or quoted-printable XML: unwrapped by the steps
    root = _ROOT.search(s)
    if root is None or _PROLOG.sub("", s[:root.start()]).strip():
        return False
    qname = root.group()[1:]  # its end tag ends the text, and it starts only once
    return s.endswith(f"</{qname}>") and s.count(f"<{qname}") == 1


def _plain_base64(text: str) -> bool:
    """One base64 value, on one line or wrapped at one width: no blank line, padding only at its
    end (two values one after the other, and a browser's payload view with the field names on
    their own lines, are for the steps)."""
    s = text.strip()
    if 0 <= s.find("\n") < 16:
        return False  # a short first line: no need to split a long paste to say so
    lines = [line.rstrip("\r") for line in s.split("\n")]
    widths = [len(line) for line in lines]
    if widths[0] < 16 or any(w != widths[0] for w in widths[:-1]) or widths[-1] > widths[0]:
        return False
    lines[-1] = lines[-1].rstrip("=")
    return len(s) - len(s.rstrip("=")) <= 2 and all(map(_BASE64_LINE.fullmatch, lines))


_QUOTED_LINE = lazyre.compile(r"\n[ \t]*>")
"""A quoted line, after its line break (a search led by a literal: sre skips to each '\n' in C)."""


def _email_quoted(text: str) -> str | None:
    probe = "\n" + (text if "\n" in text else text.replace("\r", "\n"))
    first = _QUOTED_LINE.search(probe)
    if first is None or _QUOTED_LINE.search(probe, first.end()) is None:
        return None  # not two quoted lines: no need to split a long paste into lines to say so
    lines = [ln for ln in text.splitlines() if ln.strip()]
    quoted = [ln for ln in lines if ln.lstrip().startswith(">")]
    if len(quoted) < 2 or len(quoted) < 0.8 * len(lines):
        return None
    if text.lstrip().startswith("<") and not text.lstrip().startswith("> "):
        return None  # XML whose lines end in '>' can start the next with it: not a quote
    return _QUOTE_PREFIX.sub("", text)


def _fenced(text: str) -> str | None:
    """The contents of Markdown code fences (joined by blank lines), when they hold SAML."""
    if "```" not in text and "~~~" not in text:
        return None
    marks = list(_FENCE.finditer(text))
    if len(marks) < 2:
        return None
    pairs = list(zip(marks[::2], marks[1::2]))
    blocks = [text[a.end():b.start()].strip("\r\n") for a, b in pairs]
    if not any(_has_saml(b) for b in blocks):
        return None
    # the text around the fences keeps its URLs and values ('Request: https://...?SAMLRequest='
    # above a fenced response), not its prose (a '<Response>' named there is no document)
    around = [text[e:s] for e, s in zip([0] + [b.end() for _, b in pairs], [a.start() for a, _ in pairs] + [len(text)])]
    kept = []
    for out, block in zip(around, blocks + [""]):
        if _has_value(out) and _ROOT.search(out) is None:
            kept.append(out.strip("\r\n"))
        if _has_saml(block):
            kept.append(block)
    return "\n\n".join(kept)


def _numbered(text: str) -> str | None:
    """Lines numbered 1, 2, 3... (an editor's or a ticket tool's copy)."""
    if _LINE_NO.match(text.lstrip()) is None:
        return None  # the first line is not numbered: no need to split the paste
    lines = text.splitlines()
    out, expected = [], None
    for line in lines:
        if not line.strip():
            out.append("")
            continue
        m = _LINE_NO.match(line)
        if m is None or (expected is not None and int(m.group(1)) != expected):
            return None
        expected = int(m.group(1)) + 1
        out.append(line[m.end():])
    return "\n".join(out) if expected is not None and len([x for x in out if x]) >= 2 else None


def _quoted_printable(text: str) -> str | None:
    """An e-mail's quoted-printable source: '=3D' for '=' and '=' ending a broken line. Neither
    occurs in base64, a percent-encoded URL or XML text ('=3D' would be '%3D' or '="'). A base64 value
    without padding has no '=' to escape: its soft breaks alone say it (_soft_broken)."""
    if "=3D" not in text or not re.search(r"=\r?\n", text):
        return _soft_broken(text)
    import quopri

    return quopri.decodestring(text.encode("utf-8", "replace")).decode("utf-8", "replace")


QP_WIDTHS = range(60, 77)
"""Widths quoted-printable encoders break lines at, the '=' included (RFC 2045 6.7 (5): at most 76)."""


def _soft_broken(text: str) -> str | None:
    """A value broken by quoted-printable soft line breaks only: every line but the last of one width
    (QP_WIDTHS) ending in '='. Base64 values that end in their padding '=', one a line, differ in length."""
    lines = text.strip().splitlines()
    broken = lines[:-1]
    if len(broken) < 2 or len({len(line) for line in broken}) != 1 or len(broken[0]) not in QP_WIDTHS \
            or not all(line.endswith("=") for line in broken) or lines[-1].endswith("="):
        return None
    return "".join(line[:-1] for line in broken) + lines[-1]


def _unquoted(text: str) -> str | None:
    """One value or URL in quotes (smart quotes from a word processor) or angle brackets."""
    s = text.strip()
    if len(s) >= 3 and s[0] == "<" and s[-1] == ">" and s[1:5].lower() == "http" and "<" not in s[1:]:
        return s[1:-1]
    if len(s) >= 3 and s[0] in _QUOTES and s[-1] == _QUOTES[s[0]]:
        inner = s[1:-1]
        if inner.lstrip().startswith("<") or not any(q in inner for q in _QUOTES):
            return inner  # XML keeps the quotes of its own attributes and text
    if any(q in s for q in _SMART):  # SAMLResponse=“PHNh...”: only around a value (a name
        # such as O’Brien inside a message, escaped or not, is part of its signed bytes)
        out = _SMART_AROUND.sub(r"\1", s)
        return out if out != s else None
    return None


def _cmd_escapes(text: str) -> str | None:
    """A command copied for Windows cmd.exe (Chrome/Firefox 'Copy as cURL (cmd)'): '^' escapes
    the next character ('^"', '^&', '^%^2B', '^' and a line break), then MS CRT's '\\"' and '\\\\';
    older versions closed the quote around each '%' ('"%"2B')."""
    s = text.lstrip()
    if not re.match(r"curl(?:\.exe)?\s", s):
        return None
    if re.search(r"\^[\"%&<>|^\\]", s):
        s = re.sub(r"\^\r?\n\r?\n", "\n", s)  # a line break inside a value: '^' and two breaks
        s = _CMD_CARET.sub(r"\1", s)
        return s.replace('\\"', '"').replace("\\\\", "\\")
    if '"%"' in s:
        return s.replace('"%"', "%")
    return None


def _ansi_c(text: str) -> str | None:
    """bash $'...' quoting (Chrome/Firefox 'Copy as cURL (bash)' of a body with line breaks or
    quotes: a multipart/form-data body): its escapes decoded, the quotes kept."""
    if "$'" not in text:
        return None

    def one(m: re.Match) -> str:
        inner = _ANSI_ESC.sub(_ansi_char, m.group(1))
        q = '"' if "'" in inner and '"' not in inner else "'"
        return q + inner + q
    return _ANSI_C.sub(one, text)


def _ansi_char(m: re.Match) -> str:
    e = m.group(1)
    if e[0] in "ux" and len(e) > 1:
        return chr(int(e[1:], 16))
    return {"n": "\n", "r": "\r", "t": "\t", "0": "\0"}.get(e, e)


def _json_body(text: str) -> str | None:
    """fetch(url, {"body": "..."}): the body is a JSON string (its CRLFs written '\\r\\n')."""
    if "fetch(" not in text:
        return None
    m = _JSON_BODY.search(text)
    if m is None or "\\" not in m.group(1):
        return None
    try:
        body = json.loads(m.group(1))
    except ValueError:
        return None
    return text[:m.start(1)] + "'" + body + "'" + text[m.end(1):]


def _powershell(text: str) -> str | None:
    """PowerShell strings: `" for a quote, $([char]13)$([char]10) for a line break."""
    if "Invoke-WebRequest" not in text and "Invoke-RestMethod" not in text:
        return None
    if "[char]" not in text.lower() and '`"' not in text:
        return None
    return _PS_CHAR.sub(lambda m: chr(int(m.group(1)) & 0xFF), text).replace('`"', '"')


def _json_escaped_xml(text: str) -> str | None:
    """XML copied out of a JSON string: '\\"' for quotes, '\\n', '\\/', '\\u003c'."""
    s = text.strip()
    if s.startswith(("{", "[")):
        return None  # a JSON document: _split reads its values
    if _JSON_ESCAPED_XML.search(s) is None and not s.startswith(("\\u003c", "\\u003C")):
        return None
    if s.startswith('"') and s.endswith('"') and len(s) > 1:
        s = s[1:-1]
    try:
        return json.loads('"' + s.replace("\r", "").replace("\n", "\\n").replace("\t", "\\t") + '"')
    except ValueError:
        return None


def _html_escaped(text: str) -> str | None:
    """A SAML message HTML-escaped ('&lt;samlp:Response ...&gt;', a page's source or a web log
    viewer), with no unescaped copy beside it."""
    if _ESCAPED_ROOT.search(text) is None or _ROOT.search(text) is not None:
        return None
    import html

    return html.unescape(text)


def _markup_text(text: str) -> str | None:
    """The text a page or another markup document shows, its tags dropped and its entities read, when that
    text names a SAML value (a SAMLResponse pasted into an Outlook HTML body, a ticket saved as a page or
    exported as XML with its HTML escaped inside, read again): it had been read as XML, 'not well-formed'
    or 'whose root is <html>'. A page with a form is the form reader's (page_messages), one holding a SAML
    message unescaped is that message's, and one naming no SAML value blob's (what an error box says)."""
    shown = text
    for _ in range(MARKUP_LEVELS):
        if not _markup_around_a_value(shown):
            break
        shown = _shown_text(shown)
    return shown if shown != text else None


def _markup_around_a_value(text: str) -> bool:
    """Markup (within MARKUP_MAX) that names a SAML value, holds no SAML message unescaped and no form."""
    return len(text) <= MARKUP_MAX and text.lstrip("\ufeff \t\r\n").startswith("<") and _ROOT.search(text) is None \
        and not _has_form(text) and (
            _names_param(text) or any(m in text for m in _B64_SAML))


MARKUP_LEVELS = 3
"""Markup read inside markup at most: a ticket system's XML export holds its HTML escaped (Jira's RSS)."""
MARKUP_MAX = 2 * 1024 * 1024
"""Characters of markup read as text at most: a page around a pasted response is far smaller, and html.parser
takes ~1 us a character of a flood of '<' (a bigger document is read as the XML or text it is)."""


def _shown_text(markup: str) -> str:
    """Text outside scripts, styles and the head (a body's start ends a head left open), a CDATA section's as
    it is, the URL of a link that carries a SAML parameter; a line break for each block's end and <br>.
    (html.parser reads XML's tags too: a markup document's text. Imported here: 6 ms of the start of every
    check otherwise.)"""
    from html.parser import HTMLParser

    hidden_tags = frozenset({"script", "style", "title", "head"})
    blocks = frozenset({"p", "div", "pre", "li", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"})
    out: list[str] = []
    hidden = [0]

    class Shown(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag in hidden_tags:
                hidden[0] += 1
            elif tag == "body":
                hidden[0] = 0
            elif tag == "br":
                out.append("\n")
            elif tag == "a" and not hidden[0]:  # (a link carrying a SAML parameter: its URL, '&amp;' read as '&')
                href = next((v for k, v in attrs if k == "href" and v), "")
                if _names_param(href):
                    out.append(f" {href} ")

        def handle_endtag(self, tag):
            if tag in hidden_tags:
                hidden[0] = max(0, hidden[0] - 1)
            elif tag in blocks:
                out.append("\n")

        def handle_data(self, data):
            if not hidden[0]:
                out.append(data)

        def unknown_decl(self, data):
            if data.startswith("CDATA[") and not hidden[0]:
                out.append(data[6:])

    parser = Shown(convert_charrefs=True)
    parser.feed(markup)
    parser.close()
    return "".join(out).strip()


_NEW_VALUE = lazyre.compile(r"(?:https?://|[/?]|(?:SAMLRequest|SAMLResponse|RelayState)=)", re.IGNORECASE)
"""A line that starts another URL, path or form body, not the rest of a wrapped one."""


_URL_LINE = lazyre.compile(r"\n[^\S\n]*(?=[A-Za-z0-9%+/=_.~:?&;#@!$'()*,\-]{60})(?=[^\n]*?SAMLRe(?:quest|sponse)=)")
"""A line that a URL broken over lines starts on (the condition of _joined_url, in one search of
'\n' + the text: led by a literal, and a short line fails at once)."""


def _joined_url(text: str) -> str | None:
    """A URL or form body broken over lines (an e-mail client wraps long lines): the lines after
    a long line that holds a SAML parameter are joined to it while they hold URL characters only."""
    if _URL_LINE.search("\n" + text) is None:
        return None  # no line a wrapped URL could start on: no need to walk every line
    lines = text.splitlines()
    out: list[list[str]] = []
    joining = False
    changed = False
    for line in lines:
        s = line.strip()
        if joining and s and _URL_CHARS.match(s) and "=" not in s[:1] and not _NEW_VALUE.match(s):
            out[-1].append(s)
            changed = True
            joining = len(s) >= 60
            continue
        out.append([line])
        joining = (_names_param(s) and len(s) >= 60
                   and bool(_URL_CHARS.match(s)))
    return "\n".join("".join(parts) for parts in out) if changed else None


_HTML_LINK = lazyre.compile(r"<a\b[^<>]{0,200}?\bhref\s*=\s*([\"'])([^\"'<>]{1,4194304}+)\1[^<>]{0,2000}+>", re.IGNORECASE)
_TAG = lazyre.compile(r"</?[A-Za-z][^<>]{0,2000}>")


def _html_links(text: str) -> str | None:
    """An HTML fragment with a link that carries a SAML parameter (a mail's or a page's source
    pasted: '<p>The link <a href="...?SAMLRequest=...&amp;RelayState=...">'): each such link as its
    URL, '&amp;' read as '&', the markup dropped (it was read as XML whose root is <p>)."""
    if "SAMLRe" not in text or "href" not in text.lower():
        return None
    import html

    def one(m: re.Match) -> str:
        url = html.unescape(m.group(2))
        return f" {url} " if _names_param(url) else m.group()
    out = _HTML_LINK.sub(one, text)
    return _TAG.sub(" ", out) if out != text else None


_SAFE_LINK = lazyre.compile(r"https?://(?:[\w-]{1,63}\.)?safelinks\.protection\.outlook\.com/?\?url=([^\s&]+)"
                        r"[^\s\"'<>]*", re.IGNORECASE)
"""A link Microsoft Defender for Office 365 Safe Links rewrote in an e-mail: the original URL is its
`url` parameter, percent-encoded once (learn.microsoft.com, 'Safe Links in Microsoft Defender for
Office 365'); `data`, `sdata` and `reserved` are the service's own."""


def _safe_links(text: str) -> str | None:
    """The original URL of each Safe Links link that carries a SAML parameter, decoded once: its
    own percent-encoding (the redirect signature covers it) is as the browser sent it."""
    if "safelinks.protection.outlook.com" not in text.lower():
        return None

    def one(m: re.Match) -> str:
        url = unquote(m.group(1))
        return url if _names_param(url) else m.group()
    out = _SAFE_LINK.sub(one, text)
    return out if out != text else None


_URL_DEFENSE = lazyre.compile(r"https?://urldefense(?:\.proofpoint)?\.com/(v[123])/[^\s\"'<>]+", re.IGNORECASE)
"""A link Proofpoint URL Defense rewrote in an e-mail (v1 and v2: the URL in its `u` parameter; v3:
between '__' and '__;', its special characters moved into the token after it). The decoding is
Proofpoint's own URLDefenseDecode.py's, as open-source clients repeat it."""
_V3_LENGTHS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _url_defense(text: str) -> str | None:
    """The original URL of each URL Defense link that carries a SAML parameter."""
    if "urldefense" not in text.lower():
        return None

    def one(m: re.Match) -> str:
        url = _url_defense_target(m.group(1).lower(), m.group())
        return url if url and _names_param(url) else m.group()
    out = _URL_DEFENSE.sub(one, text)
    return out if out != text else None


def _url_defense_target(version: str, link: str) -> str | None:
    """The URL a link `_URL_DEFENSE` matched wraps. Its parts are read from where the link's own
    start puts them, never searched for: a search from each '?u=' or '/v3/__' of a link made of
    them read it to its end from each (a 280 kB line took 80 s)."""
    if version in ("v1", "v2"):
        params = re.split(r"&(?:amp;)?", link.partition("?")[2])
        at = next((i for i, p in enumerate(params) if p.startswith("u=")), None)
        if at is None or not any(p[:2] in (("k=", "d=", "c=") if version == "v2" else ("k=",))
                                 for p in params[at + 1:]):
            return None
        u = params[at][2:]
        return unquote(u if version == "v1" else u.replace("-", "%").replace("_", "/"))
    m = re.match(r"[^/]*//[^/]*/v3/__(.+?)__;([^!]*)", link)
    if m is None:
        return None
    try:
        token = m.group(2)
        moved = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    at = 0

    def back(star: re.Match) -> str:  # '*' is one moved character, '**X' a run of X's length code
        nonlocal at
        n = _V3_LENGTHS.find(star.group()[2]) + 2 if len(star.group()) > 1 else 1
        at += n
        return moved[at - n:at]
    return re.sub(r"\*(?:\*.)?", back, m.group(1))


_STEPS = (
    ("e-mail quoting", _email_quoted),
    ("code fence", _fenced),
    ("line numbers", _numbered),
    ("quoted-printable", _quoted_printable),
    ("quotes", _unquoted),
    ("cmd escapes", _cmd_escapes),
    ("bash $'...' quoting", _ansi_c),
    ("fetch body", _json_body),
    ("PowerShell escapes", _powershell),
    ("JSON string escapes", _json_escaped_xml),
    ("the text of its markup", _markup_text),
    ("HTML entities", _html_escaped),
    ("a URL broken over lines", _joined_url),
    ("HTML links", _html_links),
    ("Outlook Safe Links", _safe_links),
    ("Proofpoint URL Defense", _url_defense),
)


# --- several messages, and shapes the plain reader does not know -----------------------------

def _split(text: str) -> tuple[list, str | None] | None:
    """The messages of a paste that holds several, or holds one in a shape read_text does not
    know; None when the text is one plain message."""
    for split in (_json_document, _http_messages, _multipart, _labelled, _xml_documents,
                  _base64_blocks, _query_lines, _values_in_prose):
        got = split(text)
        if got is not None:
            return got
    return None


def _has_saml(text: str) -> bool:
    return bool(_ROOT.search(text) or _ESCAPED_ROOT.search(text) or "SAMLRe" in text
                or any(p in text for p in _B64_SAML) or _JSON_ESCAPED_XML.search(text))


def _json_document(text: str):
    s = text.strip()
    if not (s.startswith("{") and s.endswith("}")) and not (s.startswith("[") and s.endswith("]")):
        return None
    if not _has_saml(s):
        return None
    containers = s.count("{") + s.count("[")
    if containers > MAX_JSON_NODES:  # json.loads would build them all (2M '{}': 450 MB)
        return [InputProblem(Source("-"), "input-too-large",
                             f"a JSON document of {containers} objects and arrays (over {MAX_JSON_NODES}): "
                             "not read; paste the SAML value alone, or give the capture to 'samlscan scan'")], \
            "a JSON document"
    try:
        doc = json.loads(s)
    except (ValueError, RecursionError):
        return None
    found: list = []
    stack, seen = [doc], 0
    while stack and seen < MAX_JSON_NODES and len(found) <= MAX_PIECES:
        node = stack.pop()
        seen += 1
        if isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, dict):
            keys = {str(k).lower(): v for k, v in node.items()}
            relay = keys.get("relaystate") if isinstance(keys.get("relaystate"), str) else None
            for k, v in node.items():
                name = next((f for f in ("SAMLResponse", "SAMLRequest") if str(k).lower() == f.lower()), None)
                if name and isinstance(v, str) and v.strip():
                    found.append(_form_piece(name, v, relay))
                elif isinstance(v, str):
                    if _value_is_saml(v):
                        found.append(v)
                else:
                    stack.append(v)
        elif isinstance(node, str) and _value_is_saml(node):
            found.append(node)
    return (found, "a JSON document") if found else None


def _value_is_saml(v: str) -> bool:
    s = v.strip()
    return bool(s.startswith("<") and _ROOT.search(s[:4096])) or (
        s.startswith(_B64_SAML) and len(s) > 40 and " " not in s)


def _form_piece(name: str, value: str, relay: str | None) -> str:
    value = value.strip()
    if value.startswith("<"):
        return value
    body = f"{name}={_quote(value, '')}"
    return body + (f"&RelayState={_quote(relay, '')}" if relay is not None else "")


def _quote(value: str, safe: str) -> str:
    """URL-encoded; a lone surrogate (a JSON document's '\\udcff') as the bytes Python keeps for it,
    not a UnicodeEncodeError: the value is then read as the undecodable message it is."""
    return quote(value, safe=safe, errors="surrogatepass")


def _labelled(text: str):
    """Field names each on their line with the value after ':' or a tab, or on the next lines
    (the browser's form-data and payload views): 'SAMLResponse: PHNh...' / 'SAMLResponse\\nPHNh'; a
    line of prose before them ('Form Data', as the view is titled) or after a blank line that ends
    them is not theirs."""
    if not any(f in text for f in _FIELDS):
        return None
    lines = text.splitlines()
    first = next((i for i, ln in enumerate(lines[:2000]) if _LABEL.match(ln)), None)
    if first is None:
        return None
    groups: list[dict[str, list[str]]] = []
    current: dict[str, list[str]] = {}
    name = None
    outside = lines[:first]  # the prose around the fields ('Form Data', 'Thanks, Bob')
    for at, line in enumerate(lines[first:], first):
        m = _LABEL.match(line)
        if m:
            name = m.group(1)
            if name in ("SAMLResponse", "SAMLRequest") and any(k in current for k in ("SAMLResponse", "SAMLRequest")):
                groups.append(current)
                current = {}
            current[name] = [line[m.end():].strip().strip('",')]
            continue
        s = line.strip()
        if not s:
            if name and any(current.get(name, ())):
                name = None  # a blank line ends a value
            continue
        if name is None or not _goes_on(name, s):  # the fields end: what follows is prose
            outside += lines[at:]
            break
        current.setdefault(name, []).append(s)
    if _carries_message("\n".join(outside)):
        return None  # other messages around the fields: not one form view
    groups.append(current)
    pieces = []
    for g in ({k: "".join(v) for k, v in group.items()} for group in groups):
        for param in ("SAMLResponse", "SAMLRequest"):
            if param not in g:
                continue
            parts = [f"{param}={_quote(g[param], '%')}"]
            parts += [f"{k}={_quote(g[k], '%')}" for k in ("RelayState", "SigAlg", "Signature") if k in g]
            pieces.append("&".join(parts))
    return (pieces, "form fields") if pieces else None


_VALUE_LINE = lazyre.compile(r"[^\s]+")
_BASE64_VALUE_LINE = lazyre.compile(r"[A-Za-z0-9+/_%-]+=*(?:%3D)*", re.IGNORECASE)


def _goes_on(name: str, line: str) -> bool:
    """The line is more of the field's value (a wrapped one, or the value under its name): no
    spaces, and base64 (raw or percent-encoded) in a SAML value; 'Thanks, Bob' is not."""
    return bool((_BASE64_VALUE_LINE if name in ("SAMLResponse", "SAMLRequest", "Signature")
                 else _VALUE_LINE).fullmatch(line))


def _carries_message(text: str) -> bool:
    """A SAML message or parameter value in the text (a name in prose, 'the SAMLResponse', is none)."""
    return bool(_ROOT.search(text) or _ESCAPED_ROOT.search(text) or _SAML_PARAM.search(text)
                or any(p in text for p in _B64_SAML))


def _multipart(text: str):
    """A multipart/form-data body (an HTML form posted with enctype=multipart/form-data), alone
    or inside a copied command: each part named SAMLResponse/SAMLRequest is one value."""
    if _MULTIPART_NAME.search(text) is None:
        return None
    from samlscan.inputs.har import multipart_fields

    m = re.search(r'boundary=(?:"([^"\r\n]+)"|([^\s;"\'^]+))', text)
    boundary = (m.group(1) or m.group(2)) if m else None
    start = text.find("--" + boundary) if boundary else -1
    if start < 0:
        first = re.search(r"^[ \t'\"]*(--\S+)", text, re.MULTILINE)
        if first is None:
            return None
        boundary, start = first.group(1)[2:], first.start(1)
    fields = multipart_fields(text[start:], f"multipart/form-data; boundary={boundary}")
    relay = next((v.strip() for n, v in fields if n == "RelayState"), None)
    pieces = [_form_piece(n, v.strip(), relay) for n, v in fields if n in ("SAMLResponse", "SAMLRequest")]
    return (pieces, "a multipart/form-data body") if pieces else None


def _http_messages(text: str):
    """Raw HTTP requests and responses (Burp 'Copy to file', Fiddler, ZAP, a whole exchange):
    read as a capture when there is more than one message or a response among them."""
    if "HTTP/" not in text:
        return None
    starts = list(_HTTP_START.finditer(text))
    if not starts or not (len(starts) > 1 or text.lstrip().startswith("HTTP/")):
        return None
    from samlscan.inputs import httpraw

    found = httpraw.messages_of(text)
    return (found, "raw HTTP messages") if found else None


def _xml_documents(text: str):
    """SAML elements with other text around them: several documents one after the other, or one
    in the middle of prose, with the URLs, form bodies and base64 values in that prose (the
    AuthnRequest's URL, then the decoded Response). A single document (the whole text) is left
    to read_text."""
    spans = xml_spans(text)
    if not spans:
        return None
    before = _PROLOG.sub("", text[:spans[0][0]]).strip()
    after = text[spans[-1][1]:].strip()
    if len(spans) == 1 and not before and not after:
        return None
    if len(spans) == 1 and text.lstrip().startswith("<") and before and not _HTML_TAG.search(before):
        return None  # a SAML element inside another XML document (SOAP): the XML reader's business
    if len(spans) > 1 and not before and not after and _leaning_roots(text, spans):
        return None  # one document with a second root (XML 1.0 2.1: one root), not a paste of two messages
    envelope = _SOAP_ENVELOPE.match(before)
    close = f"</{envelope.group()[1:]}>" if envelope else ""
    if envelope and after.endswith(close) and text.count(close) == 1:
        return None  # one SOAP message: its header blocks are no messages (ECP's <ecp:Response> header,
        # SAML ECP profile 4.2.4.5, beside the <samlp:Response> in the Body); the XML reader takes the Body's
    found = [(a, json_unescaped(text[a:b])) for a, b in spans]  # (a one-line log's JSON context)
    if len(spans) <= MAX_PIECES:  # (more were not all found: the paste is cut at MAX_PIECES anyway)
        for lo, hi in zip([0] + [b for _, b in spans], [a for a, _ in spans] + [len(text)]):
            if _has_value(text[lo:hi]):
                found += [(lo + at, value) for at, value, _ in _loose_values(text[lo:hi])]
    if len(found) == len(spans):
        return [v for _, v in found], None
    return [v for _, v in sorted(found, key=lambda f: f[0])], "XML with values between other text"


def _leaning_roots(text: str, spans: list[tuple[int, int]]) -> bool:
    """Root elements one after the other with nothing but white space between them, of which a later
    one is no document on its own (it uses a prefix the first one declares): one malformed document,
    as every XML parser an SP runs reads it ('Extra content at the end of the document'), not several
    messages. node-saml's CVE-2022-39299 sample: a signed Response, then a second root whose Assertion
    an SP built on a lax parser took for the signed one's."""
    from samlscan.xmlsafe import parse_xml

    if any(text[b:a].strip() for (_, b), (a, _) in zip(spans, spans[1:])):
        return False
    for a, b in spans[1:]:
        try:  # (xml_text_bytes: a lone surrogate, '\udcff' of JSON-escaped XML, is no crash but not well-formed)
            parse_xml(xml_text_bytes(text[a:b]), soap_payload=False)
        except InputError:
            return True
    return False


def _has_value(text: str) -> bool:
    """A SAML parameter or a base64 SAML value may be in the text (a cheap look before a scan)."""
    return "SAMLRe" in text or any(p in text for p in _B64_SAML)


_SOAP_ENVELOPE = lazyre.compile(r"<(?:[\w.-]+:)?Envelope(?=[\s>])")
"""A SOAP envelope's start tag (SOAP 1.1 or 1.2, any prefix) opening the text."""
_HTML_TAG = lazyre.compile(r"<(?:html|body|pre|code|div|p|td|textarea|span)\b", re.IGNORECASE)


def xml_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each top-level SAML element: from its start tag to its matching end tag
    (elements of the same name inside it counted), in one pass per element."""
    out: list[tuple[int, int]] = []
    pos = 0
    while len(out) <= MAX_PIECES:
        m = _ROOT.search(text, pos)
        if m is None:
            break
        qname = m.group()[1:]
        tags = re.compile(r"<(/?)%s(?=[\s>/])" % re.escape(qname))
        depth, end, close = 0, None, -1
        for t in tags.finditer(text, m.start()):
            if close < t.end():  # the '>' found for an earlier tag may close this one too: one
                close = text.find(">", t.end())  # search per '>' ('<Response ' x 300,000: 10 s)
            if close < 0:
                break
            if t.group(1):
                depth -= 1
            elif text[close - 1] != "/":
                depth += 1
            if depth == 0:
                end = close + 1
                break
        if end is None:
            break  # cut short: read_text reports it
        out.append((m.start(), end))
        pos = end
    return out


def _base64_blocks(text: str):
    """Base64 values one after the other: separated by a blank line, or a padded value ('=' at
    the end of a line) followed by another."""
    if blob.sniff_kind(text) != "base64":
        return None
    blocks = [b for b in re.split(r"\n[ \t\r]*\n|(?<==)[ \t]*\r?\n", text.strip()) if b.strip()]
    if len(blocks) < 2 or any(len(b.strip()) < 16 for b in blocks):
        return None
    return blocks, "several base64 values"


_BARE_QUERY = lazyre.compile(r"^[ \t]*(?:https?://|[/?]|SAMLRe)\S*[ \t]*$")


def _query_lines(text: str):
    """Several URLs or form bodies, one per line or paragraph."""
    if blob.saml_params(text) < 2:
        return None
    lines = [ln for ln in text.splitlines() if _names_param(ln)]
    if len(lines) < 2 or any(blob.saml_params(ln) != 1 or not _BARE_QUERY.match(ln) for ln in lines):
        return None  # log lines with a parameter each are the log readers' business
    return lines, "several URLs or form bodies"


_B64_LINE = lazyre.compile(r"[ \t]*([A-Za-z0-9+/_-]{16,}={0,2}|[A-Za-z0-9+/_-]{1,15}={0,2})[ \t\r]*$")
_RUN_START = lazyre.compile("(?:" + "|".join(
    # each marker led by itself (sre skips to a literal in C) and then looked behind, not after
    # a base64 letter: a message starts there, not in the middle of another value
    rf"{m}(?<![^\s:(\"'\[]{m})(?=[A-Za-z0-9+/_-]{{{max(0, 16 - len(m))}}})" for m in _B64_SAML)
    + r")[A-Za-z0-9+/_-]*={0,2}[ \t\"')\],;.]*\r?$", re.MULTILINE)
"""A base64 SAML value starting a line, or ending one after a label ('Response (base64): PHNh...',
'SAMLResponse: PHNh...'): it runs on over the base64 lines that follow."""
_SAML_PARAM = lazyre.compile(r"SAMLRe(?:sponse|quest)=(?<![\w.-]SAMLResponse=)(?<![\w.-]SAMLRequest=)[^&\s#\"'<>]{16}")
"""A SAML parameter with a value (a name alone is prose: 'the SAMLResponse= field')."""
_SPACE = lazyre.compile(r"\s")
_URL_START = lazyre.compile(r"https?://", re.IGNORECASE)
_TOKEN_STRIP = "<>()[]\"'`\u201c\u201d\u2018\u2019"


def _values_in_prose(text: str):
    """Values between lines of prose ('Here is the response:', 'AuthnRequest URL: https://...'):
    base64 SAML values ('PHNhbWw' is '<saml'), each run of base64 lines one value, and beside one
    the URLs and form bodies. One URL or form body alone is read_text's (a copied command)."""
    if blob.sniff_kind(text) not in (None, "query") or not any(p in text for p in _B64_SAML):
        return None
    found = _loose_values(text)
    if all(is_query for _, _, is_query in found):
        return None  # URLs and form bodies without a base64 value: read_text's, or _query_lines'
    return [v for _, v, _ in found], "values between other text"


def _loose_values(text: str) -> list[tuple[int, str, bool]]:
    """(position, value, is a URL or form body) of each SAML value in prose, in paste order: the
    whitespace-delimited token around a SAMLRequest=/SAMLResponse= with a value, and each run of
    base64 lines that starts as a SAML message does (16 characters at least, as a line of one).
    One pass of each search; at most MAX_PIECES + 1."""
    out: list[tuple[int, str, bool]] = []
    if "SAMLRe" in text:
        end = 0
        for m in _SAML_PARAM.finditer(text):
            if m.start() < end:
                continue  # another parameter of the same URL
            start = max(end, *(text.rfind(c, end, m.start()) + 1 for c in " \t\r\n"))
            space = _SPACE.search(text, m.end())
            end = space.start() if space else len(text)
            token = text[start:end]
            url = _URL_START.search(token, 0, m.start() - start)
            if url:  # 'URL:https://...': from the scheme
                token = token[url.start():]
            elif not any(c in token[:m.start() - start] for c in "?/"):
                token = token[m.start() - start:]  # 'body:SAMLResponse=...': from the name
            out.append((start, token.strip(_TOKEN_STRIP).rstrip(".,;:"), True))
            if len(out) > MAX_PIECES:
                return out
    urls = [(p, p + len(v)) for p, v, _ in out]
    pos = 0
    while len(out) <= MAX_PIECES:
        m = _RUN_START.search(text, pos)
        if m is None:
            break
        line_end = m.end() - (text[m.end() - 1:m.end()] == "\r")
        pos = m.end()
        if any(a <= m.start() < b for a, b in urls) or _continues(text, m):
            continue
        value = [text[m.start():line_end].strip(_TOKEN_STRIP + " \t,;.")]
        while not value[-1].endswith("=") and pos < len(text):  # the lines it was wrapped to
            nxt = text.find("\n", pos + 1)
            nxt = len(text) if nxt < 0 else nxt
            line = _B64_LINE.match(text[pos + 1:nxt])
            if line is None or _LABEL.match(line.string):
                break
            value.append(line.group(1))
            pos = nxt
        out.append((m.start(), "".join(value), False))
    return sorted(out)


def _continues(text: str, start: re.Match) -> bool:
    """The run's first line continues a base64 value of the line before it (a wrapped value
    whose later line happens to start like a message: it is not a value of its own)."""
    line = text.rfind("\n", 0, start.start())
    if line < 0 or text[line + 1:start.start()].strip():
        return False
    prev = _B64_LINE.match(text[text.rfind("\n", 0, line) + 1:line])
    return prev is not None and len(prev.group(1)) >= 16 and not prev.group(1).endswith("=")
