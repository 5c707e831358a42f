"""AuthnRequest: what the SP asked for, compared with what it is configured to expect."""
from __future__ import annotations

from samlscan.checks.base import CheckContext, finding
from samlscan.model import SamlMessage


def check_authn_request(msg: SamlMessage, ctx: CheckContext):
    if msg.kind != "AuthnRequest":
        return
    parts = [f"ID {msg.id!r}", f"Issuer {msg.issuer!r}", f"ACS {msg.acs_url or '(IdP default)'}"]
    if msg.destination:
        parts.append(f"Destination {msg.destination}")
    if msg.nameid_policy_format:
        parts.append(f"NameIDPolicy {msg.nameid_policy_format.rsplit(':', 1)[-1]}")
    if msg.force_authn or msg.is_passive:
        parts.append(f"ForceAuthn={msg.force_authn} IsPassive={msg.is_passive}")
    notes = []
    e = ctx.expect
    if e.sp_entity_id and msg.issuer and msg.issuer != e.sp_entity_id:
        notes.append(f"its Issuer differs from the SP entity ID {e.sp_entity_id!r}: the IdP will look up "
                     "another application (Entra: AADSTS700016)")
    if e.acs_url and msg.acs_url and msg.acs_url != e.acs_url:
        notes.append(f"it asks for ACS {msg.acs_url}, not the configured {e.acs_url}: the IdP may refuse "
                     "it (Entra: AADSTS50011) or post to the wrong place")
    text = "AuthnRequest: " + ", ".join(parts) + (". Note: " + "; ".join(notes) if notes else "")
    yield finding(msg, "request-issued", text, hint="; ".join(notes) or "nothing to fix")


CHECKS = (check_authn_request,)
