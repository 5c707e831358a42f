"""Expectations: the SP's side of the contract, and the SP profiles."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from samlscan.certs import TrustedCert
from samlscan.config.names import CLOUD_GIVEN, CLOUD_SETTING_NAMES, GENERIC_SETTING_NAMES, SONAR_SETTING_NAMES
from samlscan.config.urls import is_cloud


DEFAULT_SKEW = 180  # SonarQube's java-saml (Constants.ALOWED_CLOCK_DRIFT)
SPRING_SKEW = 300  # SonarQube 2025.1+: Spring Security's OpenSaml4AuthenticationProvider (5 minutes)


CONFIG_AT = ": at"
"""The end of an evaluation time's source when a config file's `at` gave it ('<file>: at')."""


@dataclass(frozen=True)
class Expectations:
    """The SP's side of the contract; None means 'not configured' (the check is skipped)."""

    sp_entity_id: str | None = None
    acs_url: str | None = None
    idp_entity_id: str | None = None
    idp_certs: tuple[TrustedCert, ...] = ()
    idp_metadata_certs: tuple[tuple[str, TrustedCert], ...] = ()
    """Every certificate of the IdP metadata with its KeyDescriptor use: 'signing', 'encryption', or
    '' (both, metadata 2.4.1.1). Only the signing ones can be in `idp_certs`; all of them let the
    checks tell a configured encryption certificate, or an IdP signing with it, from a rotation."""
    idp_aggregates: tuple[str, ...] = ()
    """Metadata files of several IdPs (a federation's aggregate) when no IdP entity ID chose one:
    each message is judged against the IdP its Issuer names (for_issuer)."""
    sp_keys: tuple = field(default=(), repr=False)
    sp_certs: tuple[TrustedCert, ...] = ()
    """The SP's own certificates: they verify the SP's signed AuthnRequests."""
    email_attribute: str | None = None
    login_attribute: str | None = None
    name_attribute: str | None = None
    group_attribute: str | None = None
    clock_skew: int = DEFAULT_SKEW
    at: datetime | None = None
    at_source: str = "--at"
    """How the report names `at`: '--at', or that it was given without a zone and read as UTC."""
    request_id: str | None = None
    profile: str | None = None
    idp_sso_urls: tuple[str, ...] = ()
    idp_sso_endpoints: tuple[tuple[str, str], ...] = ()
    """(Binding, Location) of each SingleSignOnService of the IdP metadata: the binding each URL takes."""
    expiry_window_days: int = 30
    sources: tuple[str, ...] = ()
    """Where the settings came from, for the report header."""
    apps: tuple[str, ...] = ()
    """The SP's names in IdP logs (Entra appDisplayName, Okta app label...): IdP sign-ins to other
    applications are left out of the attempts (the SP entity ID counts too)."""
    timezones: tuple[str, ...] = ()
    """--timezone values ('Europe/Paris', 'web.log=+01:00'): the zone of zone-less log times
    (samlscan.zones); the workers read them, the checks do not."""
    contradictions: tuple[str, ...] = ()
    """Where the settings given say two things of one fact (--idp-entity-id against the entityID of
    --idp-metadata), or say they are out of date (IdP metadata past its validUntil): a note each in
    the report, said once, not a finding at every message."""
    nodes_apart: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = ()
    """(settings file, setting, ((node, value), ...)) of each SAML setting a SonarQube cluster's
    application nodes hold apart (its System Info file): a finding of its own, sonar-nodes-disagree."""
    cloud: bool = False
    """The SP is SonarQube Cloud by the message judged (made_for_cloud: its Destination or Audience on
    Cloud's hosts) when no --acs-url said so: its settings are named as Cloud names them."""
    keep_xml: bool = True
    """Not a setting of the SP: whether each message keeps its decoded bytes (only the HTML report
    and `decode` show them; a scan to another format leaves them out of what workers send back)."""

    @property
    def on_cloud(self) -> bool:
        """The SP is SonarQube Cloud: its ACS (--acs-url) or the message judged says so."""
        return self.cloud or is_cloud(self.acs_url)

    def settable(self, what: str) -> bool:
        """Whether the SP's side may change `what` (SonarQube Cloud gives its SP entity ID and ACS URL)."""
        return not (self.on_cloud and what in CLOUD_GIVEN)

    def setting_name(self, what: str) -> str:
        """The name of the setting to change, in the profile's own words; SonarQube Cloud's (its ACS
        is on sonarcloud.io) has none of Server's sonar.* settings nor samlscan's flags."""
        if self.on_cloud and what in CLOUD_SETTING_NAMES:
            return CLOUD_SETTING_NAMES[what]
        if self.profile == "sonarqube":
            return SONAR_SETTING_NAMES.get(what, what)
        # an SP samlscan does not know: its setting in general words, with the flag that told
        # samlscan the value (a report sent to a customer named only samlscan's own option)
        words = GENERIC_SETTING_NAMES.get(what) or f"the SP's {what.replace('_', ' ')} setting"
        return f"{words} (samlscan's --{what.replace('_', '-')})"

    def metadata_certs(self, use: str) -> tuple[TrustedCert, ...]:
        """The IdP metadata's certificates for signing (use 'signing' or none), or for encryption
        only ('encryption': those it never lists for signing as well)."""
        signing = tuple(c for u, c in self.idp_metadata_certs if u != "encryption")
        if use == "signing":
            return signing
        return tuple(c for u, c in self.idp_metadata_certs
                     if u == "encryption" and all(c.der != s.der for s in signing))


PROFILES = ("sonarqube", "generic")
"""--profile values. Without one, a message SonarQube took (its log holds it, or it went to its
ACS path) is judged by SonarQube's rules (engine._as_receiver); 'generic' judges every message as
any SP would."""
