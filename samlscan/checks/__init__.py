"""All checks, listed explicitly; `run_checks` applies them to one message."""
from __future__ import annotations

from samlscan import wsfed
from samlscan.checks import attributes, protocol, request, signature, timing
from samlscan.checks.base import CheckContext, finding
from samlscan.model import Finding, SamlMessage

ALL_CHECKS = protocol.CHECKS + timing.CHECKS + signature.CHECKS + attributes.CHECKS
RESPONSE_ONLY = {"Response", "Assertion"}
OTHER_CHECKS = request.CHECKS + (protocol.check_version, protocol.check_ids, protocol.check_status,
                                  signature.check_sender_signature, signature.check_sender_signature_placement,
                                  signature.check_redirect_unverifiable, signature.check_weak_crypto,
                                  protocol.check_schema_order, timing.check_time_format)
"""AuthnRequest, LogoutRequest, LogoutResponse: their Version and ID (required on every request and
status response, SAML core 3.2.1 and 3.2.2), their children's schema order, their times' form (SAML
core 1.3.3), what the SP asked for, a
LogoutResponse's status, a Logout message's Issuer against the IdP's (SAML profiles 4.4.4),
their signatures (checked with the SP's certificate when the SP sent them; a query string's that
no one can verify) and algorithms."""


def skipped_for_config(ctx: CheckContext) -> list[str]:
    """Which checks could not run for lack of configuration (said once per message)."""
    e = ctx.expect
    missing = []
    if not e.idp_certs and e.idp_aggregates and not e.idp_entity_id:
        missing.append("signature trust (the Issuer is no IdP of the metadata given)")
    elif not e.idp_certs:
        missing.append("signature trust (no IdP certificate: --idp-cert, --idp-metadata or --sonar-settings)")
    if not e.sp_entity_id:
        missing.append("audience (no --sp-entity-id)")
    if not e.acs_url:
        missing.append("destination/recipient (no --acs-url)")
    if not e.idp_entity_id:
        missing.append("issuer (no --idp-entity-id)")
    if not e.email_attribute:
        missing.append("email mapping (no --email-attribute)")
    if not e.login_attribute and not e.name_attribute:
        missing.append("login/name mapping (no --login-attribute/--name-attribute)")
    if not e.request_id and e.profile != "sonarqube":  # SonarQube does not check it either
        missing.append("InResponseTo (no --request-id and no AuthnRequest in the capture)")
    return missing


def run_checks(msg: SamlMessage, ctx: CheckContext) -> list[Finding]:
    """Every finding for one message, in check order, without exact duplicates (nor a Recipient
    that repeats the Destination's wrong URL: protocol.fold_recipient)."""
    out: list[Finding] = []
    for check in ALL_CHECKS if msg.kind in RESPONSE_ONLY else OTHER_CHECKS:
        try:
            found = list(check(msg, ctx))
        except Exception as exc:  # a check bug must not hide the other findings or crash a batch
            found = [finding(msg, "internal-error", f"check {check.__name__} failed on this message: "
                             f"{type(exc).__name__}: {exc}")]
        for f in found:
            if f not in out:
                out.append(f)
    out = protocol.fold_recipient(out)
    missing = skipped_for_config(ctx) if msg.kind in RESPONSE_ONLY else []
    if wsfed.is_token(msg):  # none was sent: no setting brings it
        out.append(finding(msg, "checks-skipped", "not checked: " + "; ".join([*missing, wsfed.NOT_CHECKED]),
                           hint=None if missing else "Nothing to pass: a WS-Federation sign-in has no Response "
                           "to check; see wsfed-signin or wsfed-unsupported."))
        return out
    if msg.kind == "Assertion":  # pasted or dumped alone: what wraps it is not in the evidence
        missing.append("the Response around this bare Assertion (status, Destination, InResponseTo, "
                       "a Response signature)")
    if missing:
        out.append(finding(msg, "checks-skipped", "not checked: " + "; ".join(missing)))
    return out
