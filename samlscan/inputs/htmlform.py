"""SAML values inside HTML auto-submit forms (HTTP-POST binding, SAML bindings 3.5.4).

An IdP (or an SP sending a POST-binding AuthnRequest) answers with a page holding a form whose
hidden inputs carry SAMLResponse/SAMLRequest and RelayState, HTML-entity escaped. The stdlib
HTMLParser un-escapes attribute values for us and never fetches anything.
"""
from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin

from samlscan.inputs.base import RawMessage
from samlscan.model import Source

SAML_FIELDS = ("SAMLResponse", "SAMLRequest")
_FIELDS = SAML_FIELDS + ("RelayState",)


@dataclass(frozen=True)
class HtmlForm:
    """One <form> that carries a SAML value."""

    action: str | None
    """The form action resolved against the page URL; None when the form has none."""
    method: str
    fields: tuple[tuple[str, str], ...]
    """(name, value) of the SAML-related inputs, in document order, entities decoded."""

    def get(self, name: str) -> str | None:
        """First value of an input, or None."""
        return next((v for n, v in self.fields if n == name), None)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[list] = []  # [action, method, fields]
        self._current: list | None = None
        self._text: tuple[str, list[str]] | None = None  # an open <textarea>: its name, its text

    def handle_starttag(self, tag, attrs):
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "form":
            self._current = [a.get("action"), (a.get("method") or "get").upper(), []]
            self.forms.append(self._current)
        elif tag == "input" and a.get("name") in _FIELDS:
            self._field(a["name"], a.get("value", ""))
        elif tag == "textarea" and a.get("name") in _FIELDS:
            # a textarea's value is its text, not an attribute (Google's SAML SSO reference IdP and
            # others post the response from a hidden <textarea name="SAMLResponse">)
            self._text = (a["name"], [])

    def handle_data(self, data):
        if self._text is not None:
            self._text[1].append(data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._text is not None:
            name, parts = self._text
            self._text = None
            text = "".join(parts)
            # HTML: a newline right after the start tag is not part of the value
            self._field(name, text[2:] if text.startswith("\r\n") else text[1:] if text.startswith("\n") else text)
        elif tag == "form":
            self._current = None

    def _field(self, name: str, value: str) -> None:
        # Inputs outside any <form> are still evidence; keep them in an anonymous form.
        if self._current is None:
            self._current = [None, "POST", []]
            self.forms.append(self._current)
        self._current[2].append((name, value))


def find_saml_forms(html: str, page_url: str | None = None) -> tuple[HtmlForm, ...]:
    """Every form in `html` that carries SAMLResponse or SAMLRequest; never raises."""
    if not any(f in html for f in SAML_FIELDS):
        return ()
    parser = _FormParser()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # HTMLParser is lenient; this guards against odd inputs only
        pass
    out = []
    for action, method, fields in parser.forms:
        if not any(n in SAML_FIELDS for n, _ in fields):
            continue
        if action is not None and page_url:
            action = urljoin(page_url, action)
        out.append(HtmlForm(action or page_url, method, tuple(fields)))
    return tuple(out)


def extract(html: str, source: Source, page_url: str | None = None) -> tuple[RawMessage, ...]:
    """RawMessages (POST binding) for every SAML value in the page's forms, in order.

    A pasted/saved HTML page; `source.ref` is kept when given, else 'form N' (0-based).
    """
    out = []
    for i, form in enumerate(find_saml_forms(html, page_url)):
        relay = form.get("RelayState")
        for name, value in form.fields:
            if name in SAML_FIELDS and value.strip():
                out.append(RawMessage(source=Source(source.input, source.ref or f"form {i}"),
                                      param=name, value=value, binding="post",
                                      relay_state=relay, url=form.action))
    return tuple(out)
