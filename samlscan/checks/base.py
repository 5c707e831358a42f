"""What every check receives, and the one way to build a Finding."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from samlscan import lazyre
from samlscan.catalog import with_idp_part
from samlscan.codes import IDP_WHERE, as_sentence, spec
from samlscan.config import Expectations
from samlscan.model import Assertion, Finding, SamlMessage


@dataclass(frozen=True)
class CheckContext:
    expect: Expectations
    at: datetime | None
    """Evaluation time: --at, else the capture time, else the message's IssueInstant."""
    at_source: str
    """'--at', 'capture' or 'issue-instant' (or 'none' when nothing is known)."""


def finding(msg: SamlMessage, code: str, text: str, expected=None, actual=None, hint=None,
            side: str | None = None) -> Finding:
    """A finding for `msg`; severity comes from the code's spec, the hint defaults to its fix."""
    s = spec(code)
    return Finding(code=s.code, severity=s.severity, message_text=text,
                   expected=None if expected is None else str(expected),
                   actual=None if actual is None else str(actual),
                   hint=s.fix if hint is None else as_sentence(hint), source=msg.source,
                   message_ref=msg.id or f"#{msg.index}", side=side)


def consumed_assertion(msg: SamlMessage) -> Assertion | None:
    """The assertion an SP would use: the first one directly under the Response (decrypted or not)."""
    return msg.assertions[0] if msg.assertions else None


def fmt_time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else "-"


_IDP_ISSUER_FORMS = (
    # Entra ID: https://sts.windows.net/<tenant id>/ in every SAML token, the Response's and the
    # Assertion's (the US Government cloud too; 21Vianet: sts.chinacloudapi.cn), learn.microsoft.com
    # 'Single sign-on SAML protocol'
    ("entra", (r"https://sts\.(?:windows\.net|chinacloudapi\.cn)/[0-9a-fA-F-]{36}/?\Z")),
    # Entra's v2.0 token issuer, https://login.microsoftonline.com/<tenant id>/v2.0 (the tenant's
    # OpenID configuration 'issuer'; US Government: login.microsoftonline.us): an SP configured from
    # the tenant's OIDC metadata expects it as the IdP entity ID, while SAML tokens say sts.windows.net
    ("entra", (r"https://login\.microsoftonline\.(?:com|us)/[0-9a-fA-F-]{36}/v2\.0/?\Z")),
    # Google Workspace's SAML apps: https://accounts.google.com/o/saml2?idpid=<customer ID>
    ("google", (r"https://accounts\.google\.com/o/saml2(?:\?idpid=[\w-]+)?\Z")),
    # Okta: http://www.okta.com/<app key> by default, the org's URL for a custom Issuer
    ("okta", (r"https?://(?:www\.okta\.com/|[\w-]+\.okta(?:preview|-emea|-gov)?\.(?:com|mil)(?:/|\Z))")),
    # Auth0's SAML2 Web App addon: urn:<tenant>.<region>.auth0.com
    ("auth0", (r"urn:[\w.-]+\.auth0\.com\Z")),
    # OneLogin: an app's Issuer URL, https://app.onelogin.com/saml/metadata/<app id> (the app's SSO tab;
    # its metadata's entityID in samlify.js.org 'Work with OneLogin' and published OneLogin metadata)
    ("onelogin", (r"https://app\.onelogin\.com/saml/metadata/[\w-]+/?\Z")),
    # AWS IAM Identity Center: an application's IAM Identity Center SAML issuer URL,
    # https://portal.sso.<region>.amazonaws.com/saml/assertion/<id> (the console's application
    # integration guide, static.global.sso.amazonaws.com/.../instructions: issuer_url = the sign-in URL)
    ("aws-identity-center", (r"https://portal\.sso\.[a-z]{2}(?:-[a-z]+)+-\d\.amazonaws\.com/saml/"
                                       r"assertion/[\w=+-]+\Z")),
    # PingOne: the environment's issuer, https://auth.pingone.<com|eu>/<environment id>: its SAML
    # endpoints are {{authPath}}/{{envID}}/saml20/idp/... (developer.pingidentity.com 'SAML 2.0')
    # (its regions' hosts: auth.pingone.com, .eu, .ca, .asia, .com.au, .sg)
    ("pingone", (r"https://auth\.pingone\.(?:com|eu|ca|asia|com\.au|sg)/[0-9a-fA-F-]{36}/?\Z")),
    # Duo SSO: https://sso-<host id>.sso.duosecurity.com/saml2/sp/<integration key>/metadata, the
    # application's Entity ID and metadata URL (Duo 'Generic SAML Service Providers'; real apps' URLs)
    ("duo", (r"https://sso-[0-9a-z]+\.sso\.duosecurity\.com/saml2/sp/[A-Z0-9]+/metadata\Z")),
    # Salesforce as IdP: its My Domain URL, https://<domain>.my.salesforce.com (Setup > Identity
    # Provider: Issuer; sandboxes <domain>--<name>.sandbox.my.salesforce.com), a host's length bounded
    # (RFC 1035 2.3.4): a repeated label group backtracked over each label of a long non-match (5x slower)
    ("salesforce", (r"https://[\w-][\w.-]{0,250}\.my\.salesforce\.com/?\Z")),
    # Zoho Directory: its Identity Provider Entity ID https://accounts.zoho.com (its app's Metadata tab)
    ("zoho", (r"https://accounts\.zoho\.com/?\Z")),
    # SPID (Italy): the accredited IdPs' entity IDs in AgID's registry (registry.spid.gov.it; italia/
    # spid-laravel config/spid-idps.php), AgID's demo and validator IdPs, and spid-testenv2's default
    # base_url https://spid-testenv2:8088 (its conf's host:port): before Shibboleth (Lepida runs one)
    ("spid", (r"https://(?:identity\.infocert\.it|posteid\.poste\.it|loginspid\.aruba\.it|spid\.register\.it|"
              r"identity\.sieltecloud\.it|spid\.intesa\.it|idp\.namirialtsp\.com/idp|id\.lepida\.it/idp/shibboleth|"
              r"login\.id\.tim\.it/affwebservices/public/saml2sso|loginspid\.infocamere\.it|id\.eht\.eu|"
              r"spid\.teamsystem\.com/idp|(?:demo|validator)\.spid\.gov\.it|spid-testenv2?:\d{1,5})/?\Z")),
    # Shibboleth IdP: its installer's idp.entityID, https://<host>/idp/shibboleth (idp.properties), on
    # any port, http:// on test installs, a trailing '/' typed into idp.properties
    ("shibboleth", (r"https?://[^/\s]+/idp/shibboleth/?\Z")),
    # SimpleSAMLphp IdP: its metadata URL under the install's baseurlpath (1.x
    # saml2/idp/metadata.php, 2.x module.php/saml/idp/metadata)
    ("simplesamlphp", (r"https?://[^/\s]+/(?:\S*/)?(?:saml2/idp/metadata\.php|"
                                 r"module\.php/saml/idp/metadata(?:\.php)?)\Z")),
    # Keycloak: the realm's URL, https://<host>/realms/<realm> (before Keycloak 17: /auth/realms/)
    ("keycloak", (r"https?://[^/\s]+/(?:\S*/)?realms/[^/\s]+/?\Z")),
    # AD FS: its Federation Service Identifier, http://<federation service name>/adfs/services/trust
    ("adfs", r"(?i)https?://[^/\s]+/adfs/services/trust/?\Z"),
    # Oracle Access Manager: its Identity Federation provider ID, http(s)://<host>:<port>/oam/fed
    # (real responses' NameQualifier, and IdP metadata at /oamfed/idp/metadata)
    ("oracle-oam", r"https?://[^/\s]+/oam/fed/?\Z"),
    # authentik: a SAML provider's Issuer field, 'authentik' unless changed (real responses say it)
    ("authentik", r"authentik\Z"),
    # ForgeRock AM / PingAM (and OpenAM): the hosted IdP's entity ID defaults to the deployment URL,
    # http(s)://<host>:<port>/openam (OpenAM, AM 6) or /am (AM 7+)
    ("forgerock", r"https?://[^/\s]+/(?:openam|am)/?\Z"),
    # WSO2 Identity Server: the resident IdP's Identity Provider Entity ID, 'localhost' by default
    # (real responses' <saml2:Issuer>localhost</saml2:Issuer>)
    ("wso2", r"localhost\Z"),
    # Cloudflare Access as IdP of a SaaS application: its 'Access Entity ID or Issuer', the app's SSO
    # endpoint https://<team>.cloudflareaccess.com/cdn-cgi/access/sso/saml/<app id> (or the team's URL)
    ("cloudflare", r"https://[\w-]{1,63}\.cloudflareaccess\.com(?:/cdn-cgi/access/sso/saml/[0-9a-f]+)?/?\Z"),
)
"""Each IdP product's default Issuer, as its documentation or its real metadata shows it (matched whole)."""
_IDP_ISSUERS = tuple((name, lazyre.compile(form)) for name, form in _IDP_ISSUER_FORMS)


@lru_cache(maxsize=256)
def issuer_product(issuer: str | None) -> str | None:
    """The IdP product a default Issuer names ('okta', 'auth0'), else None (one place for both
    the checks' IdP-specific advice and correlation's, when no log line names the IdP). Memoised:
    a batch asks it of every message, of the few Issuers of its IdPs (a few us each)."""
    return next((name for name, form in _IDP_ISSUERS if issuer and form.match(issuer)), None)


def in_idp(hint: str, code: str, issuer: str | None) -> str:
    """`hint` and, when the Issuer names the IdP product, where in it to act (codes.IDP_WHERE: the
    clause for that product), the way a scan's attempt says it."""
    return with_idp_part(hint, IDP_WHERE.get(code, ""), issuer_product(issuer))
