"""`samlscan sanitize`: a HAR that is safe to share and still diagnoses the same.

Removed: cookies (request/response `cookies` arrays, Cookie / Set-Cookie headers),
Authorization / Proxy-Authorization headers, bearer/basic credentials and token-like headers,
password / OTP / OAuth token fields in query strings, form bodies, JSON bodies and params.
Kept: every SAML value (SAMLRequest, SAMLResponse, RelayState, SigAlg, Signature) byte for byte,
URLs, times, statuses, Location headers and pages, so `samlscan check` finds the same things.
The names of the cookies the diagnosis reads stay, with their value replaced (OAUTHSTATE: its
presence tells a RelayState/state problem apart; docs/logformats.md 1.3). SonarQube's
AUTHENTICATION-ERROR keeps its value: it is the public error text the SP showed the user (not a
credential) and it is the failure reason of the flow.
With `redact`, personal data inside the SAML XML (NameID, attribute values, emails, addresses) is
masked too; the XML then differs from what the IdP signed, so its signatures no longer verify.

The input is streamed entry by entry (samlscan.inputs.har.ArrayStream), so memory stays bounded
by the largest entry; strings over har.MAX_STRING (videos, bundles) are left out of the output.
A Charles JSON session (.chlsj) is written out as a HAR: each transaction made a HAR entry
(inputs.charles.entry_of), then cleaned as any entry is.
"""
from __future__ import annotations

import base64
import binascii
import html
import json
import os
import re
import shutil
import sys
import tempfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote_plus

from samlscan import lazyre
from samlscan.errors import InputError
from samlscan.inputs.har import (DROPPED, HEAD_OBJECT, MAX_STRING, ArrayStream, entries_path, form_value,
                                 head_objects, set_cookie_values)
from samlscan.inputs import charles, charlesxml
from samlscan.inputs.htmlform import SAML_FIELDS, find_saml_forms
from samlscan.report.redact import mask, sub_emails

PLACEHOLDER = "[redacted]"
KEEP_COOKIES = lazyre.compile(r"^(OAUTHSTATE|AUTHENTICATION-ERROR|_shibstate_\w*|_opensaml_req_\w*)$",
                          re.IGNORECASE)
"""Cookies whose presence the diagnosis reads: SonarQube's OAuth state and error cookies,
Shibboleth SP's relay-state / request cookies."""
KEEP_COOKIE_VALUES = {"authentication-error"}
_SAML_NAMES = set(SAML_FIELDS) | {"RelayState", "SigAlg", "Signature"}
_SECRET_EXACT = {"pwd", "pass", "passcode", "pin", "otp", "totp", "mfa", "mfa_code", "code",
                 "client_secret", "access_token", "id_token", "refresh_token", "token", "secret",
                 "apikey", "api_key", "key", "session", "sessionid", "sid", "auth", "assertion_token"}
_SECRET_PART = ("password", "passwd", "passphrase", "secret", "token", "apikey", "api_key",
                "api-key", "credential", "private_key")
_SECRET_HEADER = lazyre.compile(r"token|secret|api-?key|auth|csrf|xsrf|session|credential", re.I)
_DROP_HEADERS = {"authorization", "proxy-authorization"}
_CREDENTIAL_VALUE = lazyre.compile(r"^\s*(Bearer|Basic|Digest|Negotiate|NTLM|token)\s+\S", re.I)
_EMAIL = lazyre.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_EMAIL_AT_RUN = lazyre.compile(r"(?<![A-Za-z0-9._%+\-])" + _EMAIL.pattern)
_JSON_PAIR = lazyre.compile(r'"([^"\\]{1,100})"(\s*:\s*)"(?:[^"\\]+|\\.)*+"')  # (blob._RUN: no state per character)
_PCT = lazyre.compile(r"%[0-9A-Fa-f]{2}")


def mask_email(value: str) -> str:
    """An email-shaped stable mask, so email-format and NameID/email comparisons still read."""
    import hashlib

    return "u" + hashlib.sha256(value.lower().encode()).hexdigest()[:10] + "@redacted.invalid"


def _mask_emails(text: str) -> str:
    return sub_emails(text, lambda m: mask_email(m.group(0)), _EMAIL, _EMAIL_AT_RUN)


def is_secret_name(name: str) -> bool:
    """A form/query/JSON field that carries a credential (never a SAML parameter)."""
    if name in _SAML_NAMES:
        return False
    n = name.strip().lower()
    return n in _SECRET_EXACT or any(p in n for p in _SECRET_PART)


@dataclass
class Tally:
    """What was removed or replaced, for the summary printed on stderr."""

    counts: Counter = field(default_factory=Counter)
    fields: set = field(default_factory=set)
    kept_cookies: Counter = field(default_factory=Counter)
    saml_masked: int = 0
    saml_unmasked: int = 0


# --- SAML redaction ----------------------------------------------------------------------------

class SamlMasker:
    """Masks personal data inside SAML values; the same value always gets the same result, so a
    message seen in a Location header, a page and a POST stays one message (same digest)."""

    def __init__(self, tally: Tally):
        self.tally = tally
        self.cache: dict[tuple[str, str], str] = {}

    def value(self, value: str, binding: str) -> str:
        key = (value, binding)
        if key not in self.cache:
            self.cache[key] = self._mask(value, binding)
        return self.cache[key]

    def _mask(self, value: str, binding: str) -> str:
        from lxml import etree

        from samlscan.decode import decode_bytes
        from samlscan.inputs.base import RawMessage
        from samlscan.model import Source
        from samlscan.xmlsafe import parse_xml

        try:
            root = parse_xml(decode_bytes(RawMessage(Source("sanitize"), "SAMLResponse", value, binding)),
                             soap_payload=False)  # a SOAP-wrapped message keeps its envelope
        except InputError:  # undecodable or a placeholder: nothing personal can be found in it
            self.tally.saml_unmasked += 1
            return value
        for el in root.iter():
            if not isinstance(el.tag, str):
                continue
            local = el.tag.rsplit("}", 1)[-1]
            if local in ("NameID", "AttributeValue") and el.text and el.text.strip():
                t = el.text.strip()
                el.text = mask_email(t) if _EMAIL.fullmatch(t) else mask(t, "pii")
            elif el.text:
                el.text = _mask_emails(el.text)
            for name, v in el.attrib.items():
                if name == "Address":  # SubjectConfirmationData/@Address: the user's IP
                    el.set(name, mask(v, "ip"))
                elif "@" in v:
                    el.set(name, _mask_emails(v))
        self.tally.saml_masked += 1
        xml = etree.tostring(root)
        if value.lstrip().startswith("<"):
            return xml.decode("utf-8")
        if binding == "redirect":  # SAML bindings 3.4.4.1: raw DEFLATE, then base64
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            xml = c.compress(xml) + c.flush()
        return base64.b64encode(xml).decode("ascii")


# --- pieces of an entry ------------------------------------------------------------------------

def _encode_like(raw: str, new: str) -> str:
    """Re-encode a replaced form/query value the way the original was written."""
    return quote(new, safe="") if _PCT.search(raw) or raw != unquote_plus(raw) else new


def clean_pairs(text: str, tally: Tally, masker: SamlMasker | None, binding: str) -> str:
    """An '&'-separated query or form body with secret values replaced; every other pair is kept
    byte for byte (a redirect signature covers the raw encoded SAML parameters)."""
    out = []
    for part in text.split("&"):
        name_raw, eq, raw = part.partition("=")
        name = unquote_plus(name_raw)
        if eq and is_secret_name(name):
            tally.counts["fields"] += 1
            tally.fields.add(name)
            part = f"{name_raw}={quote(PLACEHOLDER, safe='')}"
        elif eq and masker is not None:
            if name in SAML_FIELDS:
                new = masker.value(form_value(raw), binding)
                part = f"{name_raw}={_encode_like(raw, new)}" if new != form_value(raw) else part
            elif "@" in unquote_plus(raw):
                new = _mask_emails(unquote_plus(raw))
                part = f"{name_raw}={quote(new, safe='')}"
        out.append(part)
    return "&".join(out)


_USERINFO = lazyre.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)([^/?#@]*@)")


def clean_url(url: str, tally: Tally, masker: SamlMasker | None) -> str:
    if _USERINFO.match(url):  # https://user:password@host/ (RFC 3986 3.2.1): the password goes
        url = _USERINFO.sub(r"\1", url, count=1)
        tally.counts["url-credentials"] += 1
    if "?" not in url:
        return url
    base, _, rest = url.partition("?")
    query, hash_, frag = rest.partition("#")
    if "=" in frag:  # OAuth implicit flow puts tokens in the fragment
        frag = clean_pairs(frag, tally, None, "redirect")
    return base + "?" + clean_pairs(query, tally, masker, "redirect") + hash_ + frag


def clean_json_text(text: str, tally: Tally) -> str:
    """"password": "..." style members of a JSON body, without parsing (bodies may be cut)."""
    def sub(m):
        if not is_secret_name(m.group(1)):
            return m.group(0)
        tally.counts["fields"] += 1
        tally.fields.add(m.group(1))
        return f'"{m.group(1)}"{m.group(2)}"{PLACEHOLDER}"'
    return _JSON_PAIR.sub(sub, text)


def _cookie_pair(pair: str, tally: Tally) -> str | None:
    name, eq, value = pair.strip().partition("=")
    if not eq or not KEEP_COOKIES.match(name.strip()):
        tally.counts["cookies"] += 1
        return None
    tally.kept_cookies[name.strip()] += 1
    keep = name.strip().lower() in KEEP_COOKIE_VALUES
    return f"{name.strip()}={value if keep else PLACEHOLDER}"


def clean_headers(headers, tally: Tally, masker: SamlMasker | None, base_url: str) -> list:
    out = []
    for h in headers if isinstance(headers, list) else []:
        if not isinstance(h, dict):
            continue
        name, value = str(h.get("name", "")), str(h.get("value", ""))
        low = name.lower()
        if low in _DROP_HEADERS:
            tally.counts["auth-headers"] += 1
            continue
        if low == "cookie":
            kept = [p for p in (_cookie_pair(x, tally) for x in value.split(";")) if p]
            if not kept:
                continue
            value = "; ".join(kept)
        elif low == "set-cookie":  # several cookies in one value: joined by '\n', or ', ' (Safari)
            lines = []
            for line in set_cookie_values(value):
                first, sep, attrs = line.partition(";")
                p = _cookie_pair(first, tally)
                if p:
                    lines.append(p + sep + attrs)
            if not lines:
                continue
            value = "\n".join(lines)
        elif low in ("location", "referer"):
            value = clean_url(value, tally, masker)
        elif _CREDENTIAL_VALUE.match(value) or _SECRET_HEADER.search(name):
            tally.counts["token-headers"] += 1
            value = PLACEHOLDER
        out.append({**h, "name": name, "value": value})
    return out


def clean_cookie_array(cookies, tally: Tally) -> list:
    out = []
    for c in cookies if isinstance(cookies, list) else []:
        name = str(c.get("name", "")) if isinstance(c, dict) else ""
        if not KEEP_COOKIES.match(name):
            tally.counts["cookies"] += 1
            continue
        tally.kept_cookies[name] += 1
        keep = name.lower() in KEEP_COOKIE_VALUES
        out.append({**c, "value": c.get("value") if keep else PLACEHOLDER})
    return out


def clean_params(params, tally: Tally, masker: SamlMasker | None) -> list:
    out = []
    for p in params if isinstance(params, list) else []:
        if not isinstance(p, dict):
            continue
        name, value = str(p.get("name", "")), p.get("value")
        if isinstance(value, str) and is_secret_name(unquote_plus(name)):
            tally.counts["fields"] += 1
            tally.fields.add(unquote_plus(name))
            p = {**p, "value": PLACEHOLDER}
        elif isinstance(value, str) and masker is not None and name in SAML_FIELDS:
            new = masker.value(form_value(value), "post")
            p = {**p, "value": _encode_like(value, new) if new != form_value(value) else value}
        elif isinstance(value, str) and masker is not None and "@" in unquote_plus(value):
            p = {**p, "value": _encode_like(value, _mask_emails(unquote_plus(value)))}
        out.append(p)
    return out


def clean_post(post, tally: Tally, masker: SamlMasker | None):
    if not isinstance(post, dict):
        return post
    post = dict(post)
    text = post.get("text")
    if text == DROPPED:
        tally.counts["big-bodies"] += 1
        post.pop("text")
        post["comment"] = f"body over {MAX_STRING >> 20} MiB left out by samlscan sanitize"
    elif isinstance(text, str) and text.strip():
        t = text.lstrip()
        if t.startswith(("{", "[")):
            post["text"] = clean_json_text(text, tally)
        elif "=" in text and not t.startswith(("<", "--")):
            post["text"] = clean_pairs(text, tally, masker, "post")
    if "params" in post:
        post["params"] = clean_params(post["params"], tally, masker)
    return post


def _mask_page(text: str, masker: SamlMasker) -> str:
    """SAML values in an auto-submit page, replaced where they are written (HTML-escaped)."""
    for form in find_saml_forms(text, None):
        for name, value in form.fields:
            if name in SAML_FIELDS:
                new = masker.value(value, "post")
                text = text.replace(html.escape(value), html.escape(new)).replace(value, new)
    return text


def clean_content(content, tally: Tally, masker: SamlMasker | None):
    """Response body: over-long ones left out, token members of JSON bodies and (redact) SAML
    values in pages and (redact) every email of a text body replaced (an IdP's error page names the
    user: Keycloak's 'User with email ... already exists'), base64 bodies re-encoded as they came."""
    if not isinstance(content, dict) or not isinstance(content.get("text"), str):
        return content
    content = dict(content)
    if content["text"] == DROPPED:
        tally.counts["big-bodies"] += 1
        content.pop("text")
        content["comment"] = f"body over {MAX_STRING >> 20} MiB left out by samlscan sanitize"
        return content
    b64 = content.get("encoding") == "base64"
    try:
        text = base64.b64decode(content["text"]).decode("utf-8") if b64 else content["text"]
    except (binascii.Error, ValueError):  # binary (images, fonts): nothing to clean in it
        return content
    mime = str(content.get("mimeType", "")).lower()
    new = text
    if "json" in mime:
        new = clean_json_text(new, tally)
    if masker is not None and "<form" in new.lower():
        new = _mask_page(new, masker)
    if masker is not None:
        new = _mask_emails(new)
    if new != text:
        content["text"] = base64.b64encode(new.encode("utf-8")).decode() if b64 else new
    return content


def clean_entry(entry: dict, tally: Tally, masker: SamlMasker | None) -> dict:
    req = entry.get("request") if isinstance(entry.get("request"), dict) else None
    resp = entry.get("response") if isinstance(entry.get("response"), dict) else None
    if req is not None:
        req = dict(req)
        url = str(req.get("url") or "")
        req["url"] = clean_url(url, tally, masker)
        req["headers"] = clean_headers(req.get("headers"), tally, masker, url)
        req["cookies"] = clean_cookie_array(req.get("cookies"), tally)
        if "queryString" in req:
            req["queryString"] = clean_params(req["queryString"], tally, masker)
        if "postData" in req:
            req["postData"] = clean_post(req["postData"], tally, masker)
        entry = {**entry, "request": req}
    if resp is not None:
        resp = dict(resp)
        resp["headers"] = clean_headers(resp.get("headers"), tally, masker, "")
        resp["cookies"] = clean_cookie_array(resp.get("cookies"), tally)
        if isinstance(resp.get("redirectURL"), str):
            resp["redirectURL"] = clean_url(resp["redirectURL"], tally, masker)
        resp["content"] = clean_content(resp.get("content"), tally, masker)
        entry = {**entry, "response": resp}
    return entry


# --- the file ----------------------------------------------------------------------------------

_VERSION = lazyre.compile(r'"version"\s*:\s*("[^"]{0,20}")')


def _head_members(path: str | None) -> dict:
    """log.version, log.creator and log.browser (flat objects, HAR 1.2), from the file head
    (None: a bare entries array, which names none of them)."""
    head = ""
    if path is not None:
        with open(path, "rb") as fh:
            head = fh.read(64 * 1024).decode("utf-8", "replace")
    out: dict = {"version": "1.2", **head_objects(head)}
    m = _VERSION.search(HEAD_OBJECT.sub("", head))
    if m:
        out["version"] = json.loads(m.group(1))
    out.setdefault("creator", {"name": "unknown", "version": ""})
    return out


def _pages(path: str, where: tuple[str, ...]) -> list:
    with open(path, "rb") as fh:
        pages = []
        for raw in ArrayStream(fh, where):
            try:
                pages.append(json.loads(raw))
            except (ValueError, RecursionError):  # (RecursionError: nested past the parser's limit)
                continue
        return pages


def summary(tally: Tally, entries: int, out_path: str, redact: bool) -> list[str]:
    c = tally.counts
    lines = [f"sanitize: wrote {out_path} ({entries} entries)" if out_path != "-" else
             f"sanitize: wrote {entries} entries to stdout"]
    lines.append(f"removed {c['cookies']} cookie(s) (cookies arrays, Cookie and Set-Cookie headers)")
    if tally.kept_cookies:
        names = ", ".join(f"{n} x{k}" for n, k in sorted(tally.kept_cookies.items()))
        lines.append(f"kept the names of SAML-relevant cookies ({names}) so the diagnosis that "
                     f"depends on their presence still works; values replaced by {PLACEHOLDER} "
                     "except AUTHENTICATION-ERROR (SonarQube's public error text, the failure reason)")
    lines.append(f"removed {c['auth-headers']} Authorization/Proxy-Authorization header(s)")
    if c["url-credentials"]:
        lines.append(f"removed the user:password part of {c['url-credentials']} URL(s)")
    lines.append(f"replaced {c['token-headers']} token/credential header value(s)")
    lines.append(f"replaced {c['fields']} password/token field(s) in URLs and bodies"
                 + (f": {', '.join(sorted(tally.fields))}" if tally.fields else ""))
    if c["big-bodies"]:
        lines.append(f"left out {c['big-bodies']} body(ies) over {MAX_STRING >> 20} MiB")
    lines.append("kept every SAMLRequest/SAMLResponse/RelayState/SigAlg/Signature value")
    if redact:
        lines.append(f"redacted personal data (NameID, attribute values, emails, addresses) in "
                     f"{tally.saml_masked} SAML message value(s): their XML signatures (and "
                     "redirect-binding signatures) no longer verify - expected; check signatures "
                     "on the original HAR")
        if tally.saml_unmasked:
            lines.append(f"{tally.saml_unmasked} SAML value(s) could not be decoded and were left as is")
    return lines


def sanitize_har(in_path: str, out_path: str, redact: bool) -> list[str]:
    """Write a sanitized copy of a HAR; lines saying what was removed. InputError when the input
    cannot be read or is not a HAR (nothing is written then)."""
    src, dst = Path(in_path), Path(out_path)
    try:
        if src.is_dir():
            raise InputError("input-unreadable", f"{in_path} is a directory: sanitize takes one HAR file "
                             "(run it once per HAR)")
        if not src.is_file():
            raise InputError("input-unreadable", f"{in_path}: no such file")
        if dst.exists() and dst.resolve() == src.resolve():
            raise InputError("input-unreadable", "the output must not overwrite the input")
        with open(src, "rb") as fh:
            head = fh.read(64 * 1024)
        where, convert = entries_path(head), None
        if where is None and charles.sniff(head):  # (written out as a HAR: its transactions as HAR entries)
            where, convert = (), charles.entry_of
        if where is None and charlesxml.sniff(head):
            raise InputError("input-not-saml", f"{in_path} is a Charles XML session: sanitize takes a HAR or a "
                             "Charles JSON session; in Charles, File > Export Session... as 'JSON Session File "
                             "(.chlsj)' and sanitize that (samlscan check reads the .chlsx as it is)")
        if where is None:
            raise InputError("input-not-saml", f"{in_path} is not a HAR (no log.entries): "
                             "sanitize takes a browser's HAR export or a Charles JSON session")
        # (a bare log object or entries array is written back as a whole HAR: {"log": ...})
        meta = _head_members(in_path) if where else _head_members(None)
        if convert is not None:
            meta["creator"] = {"name": charles.CLIENT, "version": ""}
        pages = _pages(in_path, where[:-1] + ("pages",)) if where else []
    except OSError as exc:
        raise InputError("input-unreadable", f"{in_path}: {exc.strerror or exc}") from None
    tally = Tally()
    masker = SamlMasker(tally) if redact else None
    to_stdout = out_path == "-"  # (as '-' for an input is stdin; a file named '-' surprised)
    tmp = Path(tempfile.mkstemp(suffix=".har")[1]) if to_stdout else dst.with_name(dst.name + ".part")
    entries, bad, error = _write(src, tmp, meta, pages, tally, masker, where, out_path, convert)
    if to_stdout:
        with open(tmp, "rb") as fh:
            shutil.copyfileobj(fh, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        tmp.unlink()
    else:
        try:
            os.replace(tmp, dst)
        except OSError as exc:
            _discard(tmp)
            raise _unwritable(out_path, exc) from None
    lines = summary(tally, entries, out_path, redact)
    if bad:
        lines.append(f"dropped {bad} entry(ies) that were not valid JSON")
    if error:
        lines.append(f"input problem: {error}; the entries read were written")
    return lines


def _unwritable(out_path: str, exc: OSError) -> InputError:
    """The output that cannot be written, named as it was given (not its temporary '.part'), in
    the words `check -o` uses."""
    return InputError("input-unreadable", f"--output {out_path}: cannot write: {exc.strerror or exc}")


def _discard(tmp: Path) -> None:
    """The partial output removed if it can be: on a read-only file system, or where a folder has
    its name, removing it fails too, and the first failure is the one to tell."""
    try:
        tmp.unlink(missing_ok=True)
    except OSError:
        pass


def _write(src: Path, tmp: Path, meta: dict, pages: list, tally: Tally, masker, where: tuple[str, ...],
           out_path: str, convert=None):
    """Stream the entries at `where` into `tmp` as a HAR, each cleaned (first made a HAR entry by
    `convert`, for another capture format: None where it cannot be one)."""
    entries = bad = 0
    try:
        with open(src, "rb") as fin, open(tmp, "w", encoding="utf-8") as out:
            log = {**meta, "pages": pages}
            out.write('{"log": ' + json.dumps(log, ensure_ascii=False)[:-1] + ', "entries": [\n')
            stream = ArrayStream(fin, where)
            for raw in stream:
                try:
                    entry = json.loads(raw)
                except (ValueError, RecursionError):  # (an entry nested past the parser's limit)
                    bad += 1
                    continue
                if isinstance(entry, dict) and convert is not None:
                    entry = convert(entry)
                if not isinstance(entry, dict):
                    bad += 1
                    continue
                out.write((",\n" if entries else "") +
                          json.dumps(clean_entry(entry, tally, masker), ensure_ascii=False))
                entries += 1
            out.write("\n]}}\n")
    except OSError as exc:
        _discard(tmp)
        raise _unwritable(out_path, exc) from None
    return entries, bad, stream.error
