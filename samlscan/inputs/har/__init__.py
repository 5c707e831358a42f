"""HAR 1.2 captures: every SAMLRequest/SAMLResponse, in capture order, in bounded memory.

Where SAML sits in a HAR (docs/logformats.md section 4): request query strings (redirect binding),
postData text/params (POST binding), Location headers of SP redirects, and auto-submit forms in
response bodies. Chrome writes queryString/params values still percent-encoded (devtools-frontend
NetworkRequest.parseParameters does not decode) while Firefox decodes them, so values are always
re-derived from the raw URL and from postData.text; params are only a fallback.

The file is streamed (see `stream.ArrayStream`): only one entry is held at a time and any string
longer than MAX_STRING (a JS bundle, a video) is dropped while scanning, so a 300 MB HAR costs a few MB.

What is where (lowest first; each module imports only those above it):
- stream: a JSON array streamed element by element (ArrayStream, MAX_STRING, DROPPED, json_items).
- writer: is it a HAR (sniff), and who wrote it (log.creator / log.browser from the file's head).
- values: capture times (parse_time), sanitizer placeholders (is_redacted), a value's digest.
- forms: query strings and request bodies: form values, query pairs, signed octets, JSON/multipart.
- headers: an entry's headers and cookies arrays: cookies sent and set (set_cookie_values), SameSite, the status.
- bodies: body text (base64, charset) and side files (`_file`, in a folder or an archive: ARCHIVED).
- capture: Capture, one entry's values (_Found) and their order across entries (Collector).
- clock: the servers' Date samples (date_sample) and times put on the servers' clock (on_server_time).
- messages: SAML values of one entry: URL query, POST body, a page's auto-submit forms.
- entry: one entry read into values and an Exchange (read_entry), bodies left out, 307/308 re-sends.
- entries: entries read in order into a Capture (read_entries, next_pages, capture_of).
- harfile: the file read (read), and read again in time order when its login's entries are not.
This package re-exports the names the rest of samlscan imports (`from samlscan.inputs.har import
read`); private helpers are reached at their module (`har.headers._cookie_names`).
"""
from __future__ import annotations

from urllib.parse import unquote_plus  # (read as har.unquote_plus by tests)

from samlscan.inputs.har.stream import MAX_STRING, CHUNK, DROPPED, ArrayStream, json_items, stream_problems
from samlscan.inputs.har.writer import sniff, entries_path, HEAD_OBJECT, head_objects, creator
from samlscan.inputs.har.values import parse_time, is_redacted, digest
from samlscan.inputs.har.headers import set_cookie_values
from samlscan.inputs.har.forms import (form_value, split_query, signed_query, MAX_JSON_BODY, json_fields,
                                       multipart_fields)
from samlscan.inputs.har.bodies import ARCHIVED, body_text
from samlscan.inputs.har.capture import Capture, Collector
from samlscan.inputs.har.clock import date_sample, on_server_time
from samlscan.inputs.har.messages import query_messages, post_messages, body_messages
from samlscan.inputs.har.entry import FORM_WINDOW, resends_body, note_sent_on, redirect_target, read_entry
from samlscan.inputs.har.entries import read_entries, next_pages, capture_of, bodiless_post
from samlscan.inputs.har.harfile import read

__all__ = ['unquote_plus', 'MAX_STRING', 'CHUNK', 'DROPPED', 'ArrayStream', 'json_items', 'stream_problems',
           'sniff', 'entries_path', 'HEAD_OBJECT', 'head_objects', 'creator', 'parse_time', 'is_redacted', 'digest',
           'set_cookie_values',
           'form_value', 'split_query', 'signed_query', 'MAX_JSON_BODY', 'json_fields', 'multipart_fields',
           'ARCHIVED', 'body_text', 'Capture', 'Collector', 'date_sample', 'on_server_time', 'query_messages',
           'post_messages', 'body_messages', 'FORM_WINDOW', 'resends_body', 'note_sent_on', 'redirect_target',
           'read_entry', 'read_entries', 'next_pages', 'capture_of', 'bodiless_post', 'read']
