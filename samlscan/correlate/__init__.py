"""Join captured messages and log events into login attempts, each with a root cause and a fix.

Keys, strongest first (logformats.md §5): SAML IDs (Response, Assertion, AuthnRequest/InResponseTo),
the product's own flow ID (SonarQube HTTP_REQUEST_ID, Okta transaction, Entra correlation ID), then
user (case-insensitive) or client IP within a time window, after correcting each log source's clock
offset measured on the pairs that share a SAML ID.

What is where, lowest layer first (a module imports only from those above it):
- pieces: the pieces (one per message, log event or capture step) and how they are built
- posts: one POST of a response captured in several captures (one response, one attempt)
- clocks: each log source's clock offset (clock_offsets, measured_offsets, zone_offsets)
- unheld: the IdP metadata's signing certificates the SP's settings lack (unheld_signers)
- apps: the applications IdP log lines name (other apps' sign-ins left out)
- groups: the groups pieces are joined into, and the conflicts that keep pieces apart
- link_keys: linking by SAML IDs and flow keys, and saved copies to their POST
- link_user: linking by user and time, and a log's name to a response's email
- link_moment: linking by moment, untimed pages, issue to receipt, unread responses
- link_request: one request in two logs (a proxy's access line and the SP's own)
- broker: linking the two hops of a brokered login
- causes: an attempt's root cause
- attempts: an Attempt built from its group of pieces
- link_client: an attempt naming no user, given the one user its client IP logged in just before
- apart: responses issued apart from their IdP's log line
- notes: the run's notes (clock offsets, zones, timelines, untimed pages)
- findings: run-wide findings and summary (cause_findings, IDP_ONLY)
- run: correlate(), which runs all of the above in order
"""
from samlscan.correlate.attempts import QUOTED
from samlscan.correlate.clocks import (IDP_LAG, PAIR_WINDOW, PAIRS_AGREE, ZONE_REACH, Offsets, clock_offsets,
                                       measured_offsets, zone_offsets, zone_part)
from samlscan.correlate.findings import IDP_ONLY, cause_findings
from samlscan.correlate.link_keys import KEY_FANOUT, WINDOW
from samlscan.correlate.link_user import MOMENT
from samlscan.correlate.notes import TIMELINE_NOTES
from samlscan.correlate.pieces import SP_CLOCK_OFF
from samlscan.correlate.run import correlate
from samlscan.correlate.unheld import Unheld, unheld_signers

__all__ = ["IDP_LAG", "IDP_ONLY", "KEY_FANOUT", "MOMENT", "Offsets", "PAIR_WINDOW", "PAIRS_AGREE", "QUOTED",
           "SP_CLOCK_OFF", "TIMELINE_NOTES", "Unheld", "WINDOW", "ZONE_REACH", "cause_findings", "clock_offsets",
           "correlate", "measured_offsets", "unheld_signers", "zone_offsets", "zone_part"]
