"""The names of the SP's settings in each product's own words (SonarQube Server and Cloud, other SPs)."""
from __future__ import annotations


SONAR_SETTING_NAMES = {
    "sp_entity_id": "sonar.auth.saml.applicationId",
    "idp_entity_id": "sonar.auth.saml.providerId",
    "idp_cert": "sonar.auth.saml.certificate.secured",
    "login_attribute": "sonar.auth.saml.user.login",
    "name_attribute": "sonar.auth.saml.user.name",
    "email_attribute": "sonar.auth.saml.user.email",
    "group_attribute": "sonar.auth.saml.group.name",
    "acs_url": "sonar.core.serverBaseURL (ACS = serverBaseURL + /oauth2/callback/saml)",
    "sp_key": "sonar.auth.saml.sp.privateKey.secured",
}


_CLOUD_SSO = "SonarQube Cloud's SSO configuration (the enterprise's Administration > SSO & Provisioning > Edit configuration)"
CLOUD_SETTING_NAMES = {
    # docs.sonarsource.com/sonarqube-cloud, 'Set up SSO': the Custom SAML setup assistant gives the
    # Service Provider Identity ID and Single Sign-On URL to paste into the IdP, takes the IdP's
    # metadata (or its login URL and certificate) and maps the name, login, email and groups attributes
    "sp_entity_id": "the Service Provider Identity ID of " + _CLOUD_SSO,
    "acs_url": "the Single Sign-On URL of " + _CLOUD_SSO,
    "idp_entity_id": "the IdP entity ID in " + _CLOUD_SSO,
    "idp_cert": "the IdP certificate in " + _CLOUD_SSO,
    **{f"{what}_attribute": f"the {what} attribute in the attribute mapping of {_CLOUD_SSO}"
       for what in ("login", "name", "email", "group")},
}
"""The settings of SonarQube Cloud's SSO that samlscan's expectations stand for."""
CLOUD_GIVEN = frozenset({"sp_entity_id", "acs_url"})
"""Cloud's values its setup assistant gives to paste into the IdP ('Using the setup assistant',
step 1: copy the Service Provider Identity ID and Single Sign-On URL): no customer sets them."""

_SPRING = "spring.security.saml2.relyingparty.registration.<id>."
OTHER_SP_SETTING_NAMES = {
    # Spring Boot's Saml2RelyingPartyProperties ('assertingparty' since Boot 2.7, 'identityprovider' before)
    "spring": ("Spring Security", {
        "sp_entity_id": _SPRING + "entity-id", "acs_url": _SPRING + "acs.location",
        "idp_entity_id": _SPRING + "assertingparty.entity-id",
        "idp_cert": _SPRING + "assertingparty.verification.credentials[0].certificate-location"}),
    # onelogin.saml.properties
    "java-saml": ("java-saml", {
        "sp_entity_id": "onelogin.saml2.sp.entityid", "acs_url": "onelogin.saml2.sp.assertion_consumer_service.url",
        "idp_entity_id": "onelogin.saml2.idp.entityid", "idp_cert": "onelogin.saml2.idp.x509cert"}),
    # settings.json
    "python3-saml": ("python3-saml settings.json", {
        "sp_entity_id": "sp.entityId", "acs_url": "sp.assertionConsumerService.url",
        "idp_entity_id": "idp.entityId", "idp_cert": "idp.x509cert"}),
    # php-saml's settings array (settings.php, or what the app passes to OneLogin\Saml2\Auth)
    "php-saml": ("php-saml settings", {
        "sp_entity_id": "sp.entityId", "acs_url": "sp.assertionConsumerService.url",
        "idp_entity_id": "idp.entityId", "idp_cert": "idp.x509cert (or idp.x509certMulti)"}),
    # the Shibboleth SP (shibd): its shibboleth2.xml; the ACS is the handler URL plus the SAML2 POST
    # AssertionConsumerService's Location (/Shibboleth.sso/SAML2/POST by default)
    "shibboleth": ("Shibboleth SP's shibboleth2.xml", {
        "sp_entity_id": "the entityID of <ApplicationDefaults>",
        "acs_url": "the <Sessions> handlerURL and its SAML2 POST AssertionConsumerService "
                   "(https://<host>/Shibboleth.sso/SAML2/POST by default; handlerSSL, and the host the "
                   "SP sees behind a proxy)",
        "idp_entity_id": "the entityID of <SSO>",
        "idp_cert": "the <MetadataProvider> that loads the IdP's metadata, with its current signing certificate"}),
    # Keycloak brokering a SAML IdP: the identity provider's settings (SAMLIdentityProviderConfig)
    # in the admin console's words; the ACS is the broker endpoint Keycloak computes, no setting
    "keycloak-broker": ("Keycloak's admin console, Identity Providers > the SAML provider > Settings", {
        "sp_entity_id": "Service provider entity ID (what the IdP's application must name as its Identifier)",
        "acs_url": "Redirect URI, https://<keycloak>/realms/<realm>/broker/<alias>/endpoint (set Keycloak's "
                   "public hostname if the IdP is given another)",
        "idp_entity_id": "Identity provider entity ID",
        "idp_cert": "Validating X509 certificates (or re-import the IdP's metadata)"}),
    # the SAML libraries read today (splibs23), in the words of each one's own settings:
    # mod_auth_mellon's directives (the ACS is <MellonEndpointPath>/postResponse); pac4j-saml's
    # SAML2Configuration (Jenkins saml-plugin, CAS; Jenkins' ACS is .../securityRealm/finishLogin);
    # ASP.NET Core's WsFederationOptions and TokenValidationParameters; samlify's and saml2-js's
    # ServiceProvider/IdentityProvider options (words, not call syntax: another SP's fix rewrites
    # a parenthesis, attempts._without_sonarqube); Dex's SAML connector (connectors[].config)
    **{product: (label, {what: name for what, name in zip(("sp_entity_id", "acs_url", "idp_entity_id", "idp_cert"),
                                                          names) if name})
       for product, label, names in (
           ("mellon", "Apache mod_auth_mellon", ("the entityID of MellonSPMetadataFile",
            "<MellonEndpointPath>/postResponse", "MellonIdPMetadataFile", "MellonIdPMetadataFile")),
           ("pac4j", "pac4j", ("SAML2Configuration.serviceProviderEntityId", "JENKINS_URL/securityRealm/finishLogin",
            "SAML2Configuration.identityProviderMetadataResource",
            "SAML2Configuration.identityProviderMetadataResource")),
           ("identitymodel", "Microsoft.IdentityModel", ("TokenValidationParameters.ValidAudience",
            "WsFederationOptions.Wreply", "TokenValidationParameters.ValidIssuer",
            "WsFederationOptions.MetadataAddress")),
           ("samlify", "samlify", ("the entityID option of samlify.ServiceProvider",
            "the assertionConsumerService option of samlify.ServiceProvider",
            "the metadata option of samlify.IdentityProvider", "the metadata option of samlify.IdentityProvider")),
           ("saml2-js", "saml2-js", ("the entity_id option of saml2-js's ServiceProvider",
            "the assert_endpoint option of saml2-js's ServiceProvider", None,
            "the certificates option of saml2-js's IdentityProvider")),
           ("dex", "Dex's SAML connector config", ("entityIssuer", "redirectURI", "ssoIssuer", "ca (or caData)")),
           # (idps25) OpenSAML 4's assertion validation: the static parameters of its ValidationContext
           # (SAML2AssertionValidationParameters; Spring's OpenSaml4AuthenticationProvider fills them the same
           # way) and the signature trust engine's credentials
           ("opensaml", "OpenSAML", ("SAML2AssertionValidationParameters.COND_VALID_AUDIENCES",
            "SAML2AssertionValidationParameters.SC_VALID_RECIPIENTS", "SAML2AssertionValidationParameters.VALID_ISSUERS",
            "the SignatureTrustEngine's credential (the IdP metadata's signing KeyDescriptor)")),
           # ruby-saml's OneLogin::RubySaml::Settings (OmniAuth SAML takes the same names as options)
           ("ruby-saml", "ruby-saml's settings or OmniAuth SAML's options", ("sp_entity_id (issuer in older versions)",
            "assertion_consumer_service_url", "idp_entity_id", "idp_cert")),
           # crewjam/saml's samlsp.Options: the ACS is URL + /saml/acs; the IdP's entity ID and
           # certificate come from IDPMetadata
           ("crewjam", "crewjam/saml samlsp.Options", ("EntityID (the metadata URL, URL + /saml/metadata, when "
            "empty)", "URL (its ACS is URL + /saml/acs)", "IDPMetadata's entityID", "IDPMetadata's signing KeyDescriptor")),
           # gosaml2's SAMLServiceProvider fields
           ("gosaml2", "gosaml2 SAMLServiceProvider", ("AudienceURI (and ServiceProviderIssuer)",
            "AssertionConsumerServiceURL", "IdentityProviderIssuer", "IDPCertificateStore")),
           # pysaml2's SP configuration: the IdP's entity ID and certificate come from its metadata
           ("pysaml2", "pysaml2 SP config", ("entityid", "service.sp.endpoints.assertion_consumer_service",
            "the IdP entity in metadata (local or remote), its entityID",
            "the IdP metadata's signing certificate (metadata local or remote)")),
           # node-saml / passport-saml SamlConfig (idpCert: 'cert' before node-saml 5)
           ("node-saml", "node-saml options", ("issuer (and audience when set)", "callbackUrl",
            "idpIssuer", "idpCert (cert before node-saml 5)")),
           # Sustainsys.Saml2: SPOptions and its IdentityProvider; the ACS is <ModulePath>/Acs
           ("sustainsys", "Sustainsys.Saml2", ("SPOptions.EntityId", "SPOptions.ModulePath + /Acs "
            "(/Saml2/Acs by default; SPOptions.PublicOrigin behind a proxy)", "the IdentityProvider's EntityId",
            "the IdentityProvider's SigningKeys")),
           # ITfoxtec.Identity.Saml2's Saml2Configuration (its Configuration/Saml2Configuration.cs properties)
           ("itfoxtec", "ITfoxtec.Identity.Saml2", ("Saml2Configuration.AllowedAudienceUris (and its Issuer)",
            "the URL of the app's action that reads the response, Saml2PostBinding.ReadSamlResponse "
            "(AssertionConsumerService in its samples)",
            "Saml2Configuration.AllowedIssuer", "Saml2Configuration.SignatureValidationCertificates")),
           # Salesforce as SP: Setup > Single Sign-On Settings > the SAML Single Sign-On setting; its Login URL
           # (the ACS) is Salesforce's own, shown on the setting
           ("salesforce", "Salesforce Setup > Single Sign-On Settings > the SAML Single Sign-On setting", (
            "Entity ID", "Login URL (the ACS Salesforce gives: set it in the IdP)", "Issuer",
            "Identity Provider Certificate")))},
}
"""The same settings as SONAR_SETTING_NAMES in another SP's own words, by the product its log is
read as (samlscan/logs/applog.py): an attempt of that SP is told to change these, not SonarQube's."""
GENERIC_SETTING_NAMES = {"sp_entity_id": "the SP's entity ID", "acs_url": "the SP's ACS URL",
                         "idp_entity_id": "the SP's IdP entity ID setting",
                         "idp_cert": "the SP's IdP signing certificate setting",
                         "sp_key": "the SP's private key setting"}
"""The settings of an SP whose product samlscan does not know."""


def other_sp_setting(product: str | None, what: str) -> str:
    """'Spring Security: spring.security...entity-id': the setting `what` of an SP that is not
    SonarQube, in its product's words when samlscan knows them, else generic words. A Keycloak
    broker's product names its provider's alias ('keycloak-broker:entra')."""
    base, _, alias = (product or "").partition(":")
    label, names = OTHER_SP_SETTING_NAMES.get(base, (None, {}))
    if what in names:
        return f"{label.replace('the SAML provider', alias) if alias else label}: {names[what]}"
    return GENERIC_SETTING_NAMES.get(what, what)
