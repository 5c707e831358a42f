"""An IdP's or SP's error page, its text copied from the browser or the page saved as HTML: one
failure event, as a log line of that product would give it (samlscan.errorpages.read_page).

The page's own time (Entra's Timestamp, AD FS's Error time) dates it; a page without one is an
event at no time, never 'now'. Its IDs (Entra Request Id and Correlation Id, AD FS Activity ID,
SimpleSAMLphp track ID) are the fields the product's log reader fills with them, so that a scan
holding that log joins the page to the log's event.
"""
from __future__ import annotations

from datetime import tzinfo
from typing import Iterable, Iterator

from samlscan.errorpages import MIME_MAX, PAGE_MAX, is_mime, page_ref, read_page
from samlscan.logs._common import classify
from samlscan.logs.base import Record
from samlscan.model import LogEvent, Source

PRODUCT = "error-page"


class ErrorPageParser:
    name = PRODUCT
    reads_xml = True
    """A saved page is HTML: asked before the reader of one XML message (engine.sniff)."""

    def sniff(self, head: str) -> bool:
        # lines that start with times are a log, whatever they quote (an app's log of Entra's
        # error_description: AADSTS..., Trace ID, Correlation ID, Timestamp on lines of their own)
        from samlscan.engine import timestamped

        return len(head) < PAGE_MAX and not timestamped(head) and read_page(head) is not None

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo) -> Iterator[Record]:
        text, size, limit = [], 0, PAGE_MAX
        for _, line in lines:
            size += len(line) + 1
            if size > limit:
                if limit == MIME_MAX or not is_mime("\n".join(text)):
                    # what the sniff found a page in is kept: a page saved whole (its scripts and
                    # styles past PAGE_MAX), a .mhtml's images after the page, are not needed
                    break
                limit = MIME_MAX
            text.append(line)
        page = read_page("\n".join(text))
        if page is None:
            return
        yield LogEvent(source=Source(path, page_ref(page.product)), time=page.time, product=page.product,
                       side=page.side, outcome="failure", text=page.text,
                       # a page is a failure the user saw, whatever its text: one of unknown cause still counts
                       code=classify(page.product, page.raw_code, page.text) or "unknown-failure", user=page.user,
                       request_id=page.request_id, correlation_id=page.correlation_id, raw_code=page.raw_code)


PARSER = ErrorPageParser()
