"""Write big IdP logs of realistic shape, one per format samlscan reads (deterministic, seeded).

Mostly noise (other applications' sign-ins and tokens, server chatter, stack traces) and a share
of SAML logins to the SP (https://sonar.example.com/saml2), successes and failures, in the exact
shapes the readers of samlscan/logs/ take (see the samples in fixtures/logs/).

    python benchmarks/gen_idplogs.py FORMAT OUT SIZE_MB [--seed N] [--saml-share F]
    python benchmarks/gen_idplogs.py --list
"""
from __future__ import annotations

import argparse
import base64
import json
import random
from datetime import datetime, timedelta, timezone

SP = "https://sonar.example.com/saml2"
ACS = "https://sonar.example.com/oauth2/callback/saml"
OTHER_APPS = ["Microsoft Teams", "Office 365 Exchange Online", "Salesforce", "Jira", "GitHub Enterprise",
              "Workday", "Zoom", "Slack"]
OTHER_CLIENTS = ["account-console", "admin-cli", "grafana", "jenkins", "portal-web", "mobile-app"]
SAML_SHARE = 0.05
"""Share of records that are the SP's SAML logins (the rest: noise); half of those fail."""
START = datetime(2025, 3, 11, 0, 0, tzinfo=timezone.utc)
DUMP = base64.b64encode(b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
                        b'ID="_9d41c2a7e0" Version="2.0" IssueInstant="2025-03-11T08:40:59Z"/>').decode()
"""A SAML message some lines dump (the readers hand it to the checks)..."""
DUMP_SHARE = 0.002
"""...in this share of records (Keycloak, Shibboleth process log, SimpleSAMLphp)."""


def _uuid(rng: random.Random) -> str:
    h = format(rng.getrandbits(128), "032x")
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def _user(rng: random.Random) -> str:
    return f"user{rng.randint(1, 20000)}"


def _ip(rng: random.Random) -> str:
    return f"{rng.choice(('198.51.100', '203.0.113', '192.0.2'))}.{rng.randint(1, 254)}"


class _Clock:
    def __init__(self, rng: random.Random) -> None:
        self.rng, self.t = rng, START

    def tick(self) -> datetime:
        self.t += timedelta(microseconds=self.rng.randint(1000, 400_000))
        return self.t


# --- Keycloak ---------------------------------------------------------------------------------

_KC_ERRORS = ["invalid_user_credentials", "invalid_redirect_uri", "client_not_found", "invalid_signature",
              "user_not_found", "expired_code", "invalid_saml_document", "user_disabled"]
_KC_NOISE = [
    ("INFO", "io.quarkus.http.access-log", "{ip} - - \"GET /realms/corp/protocol/openid-connect/certs HTTP/1.1\" 200 {n}"),
    ("INFO", "org.keycloak.services", "KC-SERVICES0009: Added user 'admin' to realm 'master'"),
    ("DEBUG", "org.hibernate.SQL", "select u1_0.id,u1_0.username from user_entity u1_0 where u1_0.realm_id=? and u1_0.username=?"),
    ("INFO", "org.infinispan.CLUSTER", "ISPN000094: Received new cluster view for channel ISPN: [kc-1-{n}|3] (2)"),
    ("WARN", "org.keycloak.services", "KC-SERVICES0013: Failed authentication: org.keycloak.authentication.AuthenticationFlowException"),
    ("INFO", "org.keycloak.storage.ldap", "Sync of federation provider 'ldap' finished: {n} users updated"),
]
_KC_TRACE = ["\tat org.keycloak.authentication.AuthenticationProcessor.authenticateOnly(AuthenticationProcessor.java:1019)",
             "\tat org.keycloak.services.resources.LoginActionsService.processFlow(LoginActionsService.java:312)",
             "\tat io.vertx.core.impl.ContextBase.lambda$executeBlocking$0(ContextBase.java:180)",
             "\tat java.base/java.lang.Thread.run(Thread.java:1583)"]


def _kc_event(rng: random.Random, saml: bool, fail: bool) -> tuple[str, str]:
    """(level, body) of one org.keycloak.events line (new quoted layout)."""
    user, ip = _user(rng), _ip(rng)
    sid = _uuid(rng)
    if saml:
        etype = "LOGIN_ERROR" if fail else "LOGIN"
        client = SP
    else:  # the realm's OIDC clients: token refreshes and code exchanges ('info' events)
        etype = rng.choice(("REFRESH_TOKEN", "CODE_TO_TOKEN", "LOGOUT", "LOGIN", "INTROSPECT_TOKEN"))
        client = rng.choice(OTHER_CLIENTS)
    parts = [f'type="{etype}"', 'realmId="3c1f9e2a-7b6d-4e5f-9a8b-1c2d3e4f5a6b"', 'realmName="corp"',
             f'clientId="{client}"', f'userId="{_uuid(rng) if not fail else "null"}"',
             f'sessionId="{sid if not fail else "null"}"', f'ipAddress="{ip}"']
    if fail:
        parts.append(f'error="{rng.choice(_KC_ERRORS)}"')
    parts.append(f'auth_method="{"saml" if saml else "openid-connect"}"')
    if saml:
        code = _uuid(rng)
        parts += [f'redirect_uri="{ACS}"', f'code_id="{code}"', f'username="{user}"',
                  f'authSessionParentId="{code}"', f'authSessionTabId="{format(rng.getrandbits(40), "x")}"']
    else:
        parts += [f'token_id="{_uuid(rng)}"', f'username="{user}"']
    return ("WARN" if fail else "DEBUG"), ", ".join(parts)


def _keycloak_records(rng: random.Random, share: float):
    """(time, level, category, thread, body, continuation lines) of a Keycloak server log."""
    clock = _Clock(rng)
    while True:
        t = clock.tick()
        thread = f"executor-thread-{rng.randint(1, 40)}"
        r = rng.random()
        if r < share:
            fail = rng.random() < 0.5
            if fail and rng.random() < 0.2:
                yield t, "WARN", "org.keycloak.protocol.saml.SamlService", thread, \
                    "request validation failed: org.keycloak.common.VerificationException: Invalid signature on document", ()
            level, body = _kc_event(rng, True, fail)
            yield t, level, "org.keycloak.events", thread, body, ()
        elif r < share + DUMP_SHARE:
            yield t, "DEBUG", "org.keycloak.protocol.saml.SamlProtocol", thread, "SAML POST response: " + DUMP, ()
        elif r < share + 0.45:
            level, body = _kc_event(rng, False, rng.random() < 0.03)
            yield t, level, "org.keycloak.events", thread, body, ()
        else:
            level, cat, tmpl = rng.choice(_KC_NOISE)
            trace = _KC_TRACE[:rng.randint(1, 4)] if level == "WARN" else ()
            yield t, level, cat, thread, tmpl.format(ip=_ip(rng), n=rng.randint(1, 99999)), trace


def keycloak(rng, share):
    for t, level, cat, thread, body, trace in _keycloak_records(rng, share):
        yield f"{t:%Y-%m-%d %H:%M:%S},{t.microsecond // 1000:03d} {level:<5} [{cat}] ({thread}) {body}\n"
        for line in trace:
            yield line + "\n"


def keycloak_docker(rng, share):
    """The Quarkus text log as `docker logs -t` prints it: each line behind the container's time."""
    for t, level, cat, thread, body, trace in _keycloak_records(rng, share):
        stamp = f"{t:%Y-%m-%dT%H:%M:%S}.{t.microsecond:06d}000Z "
        yield f"{stamp}{t:%Y-%m-%d %H:%M:%S},{t.microsecond // 1000:03d} {level:<5} [{cat}] ({thread}) {body}\n"
        for line in trace:
            yield stamp + line + "\n"


def keycloak_json(rng, share):
    n = 0
    for t, level, cat, thread, body, trace in _keycloak_records(rng, share):
        n += 1
        rec = {"timestamp": f"{t:%Y-%m-%dT%H:%M:%S}.{t.microsecond // 1000:03d}+01:00", "sequence": n,
               "loggerClassName": "org.jboss.logging.Logger", "loggerName": cat, "level": level,
               "message": body, "threadName": thread, "threadId": 100 + n % 40, "mdc": {}, "ndc": "",
               "hostName": "kc-1.example.com", "processName": "QuarkusEntryPoint", "processId": 1}
        if trace:
            rec["stackTrace"] = "\n".join(trace)
        yield json.dumps(rec, separators=(",", ":")) + "\n"


# --- Okta -------------------------------------------------------------------------------------

_OKTA_NOISE = [("user.session.access_admin_app", "User accessing Okta admin app", "SUCCESS", None),
               ("app.oauth2.as.token.grant.access_token", "OAuth2 access token is granted", "SUCCESS", None),
               ("system.org.rate_limit.warning", "Rate limit warning", "SUCCESS", None),
               ("policy.evaluate_sign_on", "Evaluation of sign-on policy", "CHALLENGE", "Sign-on policy evaluation resulted in CHALLENGE"),
               ("user.session.start", "User login to Okta", "SUCCESS", None),
               ("user.authentication.sso", "User single sign on to app", "SUCCESS", None)]
_OKTA_FAIL = [("user.session.start", "User login to Okta", "FAILURE", "INVALID_CREDENTIALS"),
              ("app.generic.unauth_app_access_attempt", "User attempted unauthorized access to app", "FAILURE", None),
              ("user.authentication.sso", "User single sign on to app", "FAILURE", "User is not assigned to this application")]


def _okta_record(rng: random.Random, t: datetime, share: float) -> dict:
    r = rng.random()
    if r < share:
        etype, display, result, reason = (rng.choice(_OKTA_FAIL) if rng.random() < 0.5 else
                                          ("user.authentication.sso", "User single sign on to app", "SUCCESS", None))
        app = "SonarQube"
    else:
        etype, display, result, reason = rng.choice(_OKTA_NOISE)
        app = rng.choice(OTHER_APPS)
    user = _user(rng) + "@example.com"
    tx = format(rng.getrandbits(96), "x")
    return {
        "uuid": _uuid(rng), "published": f"{t:%Y-%m-%dT%H:%M:%S}.{t.microsecond // 1000:03d}Z",
        "eventType": etype, "version": "0", "severity": "INFO" if result != "FAILURE" else "WARN",
        "legacyEventType": "app.auth.sso" if etype == "user.authentication.sso" else None,
        "displayMessage": display,
        "actor": {"id": "00u" + format(rng.getrandbits(48), "x"), "type": "User", "alternateId": user,
                  "displayName": user.split("@")[0].title(), "detailEntry": None},
        "client": {"userAgent": {"rawUserAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                                 "(KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36", "os": "Windows 10",
                                 "browser": "CHROME"},
                   "zone": "null", "device": "Computer", "id": None, "ipAddress": _ip(rng),
                   "geographicalContext": {"city": "Paris", "state": "Ile-de-France", "country": "France",
                                           "postalCode": "75001", "geolocation": {"lat": 48.86, "lon": 2.35}}},
        "outcome": {"result": result, "reason": reason},
        "target": [{"id": "0oa" + format(rng.getrandbits(48), "x"), "type": "AppInstance", "alternateId": app,
                    "displayName": app, "detailEntry": {"signOnModeType": "SAML_2_0"}}],
        "transaction": {"type": "WEB", "id": tx, "detail": {}},
        "debugContext": {"debugData": {"requestId": tx, "requestUri": "/app/sonarqube/exk1/sso/saml",
                                       "url": "/app/sonarqube/exk1/sso/saml?"}},
        "authenticationContext": {"authenticationStep": 0, "externalSessionId": "102" + format(rng.getrandbits(60), "x")},
        "securityContext": {"asNumber": 64496, "asOrg": "example", "isp": "example", "domain": "example.com",
                            "isProxy": False},
    }


def okta_ndjson(rng, share):
    clock = _Clock(rng)
    while True:
        yield json.dumps(_okta_record(rng, clock.tick(), share), separators=(",", ":")) + "\n"


def _json_array(opening: str, record, rng, share):
    """`opening`, then records one a line, comma-separated (write() adds the closing)."""
    clock = _Clock(rng)
    yield opening
    sep = ""
    while True:
        yield sep + json.dumps(record(rng, clock.tick(), share), separators=(",", ":"))
        sep = ",\n"


def okta_array(rng, share):
    """/api/v1/logs saved as one JSON array, one event a line."""
    return _json_array("[\n", _okta_record, rng, share)


# --- Entra ------------------------------------------------------------------------------------

_ENTRA_FAIL = [(50011, "The reply URL specified in the request does not match the reply URLs configured for the application."),
               (50105, "Your administrator has configured the application SonarQube to block users unless they are specifically granted access."),
               (50126, "Error validating credentials due to invalid username or password."),
               (700016, "Application with identifier 'https://sonar.example.com/saml2' was not found in the directory.")]


def _entra_record(rng: random.Random, t: datetime, share: float) -> dict:
    if rng.random() < share:
        app = "SonarQube"
        code, reason = rng.choice(_ENTRA_FAIL) if rng.random() < 0.5 else (0, "Other.")
    else:
        app = rng.choice(OTHER_APPS)
        code, reason = (50074, "Strong Authentication is required.") if rng.random() < 0.05 else (0, "Other.")
    user = _user(rng) + "@example.com"
    return {"id": _uuid(rng), "createdDateTime": f"{t:%Y-%m-%dT%H:%M:%S}Z", "userDisplayName": user.split("@")[0].title(),
            "userPrincipalName": user, "userId": _uuid(rng), "appId": _uuid(rng), "appDisplayName": app,
            "ipAddress": _ip(rng), "clientAppUsed": "Browser", "correlationId": _uuid(rng),
            "conditionalAccessStatus": "notApplied", "isInteractive": True, "riskDetail": "none",
            "riskLevelAggregated": "none", "riskState": "none", "resourceDisplayName": app,
            "resourceId": _uuid(rng), "status": {"errorCode": code, "failureReason": reason, "additionalDetails": None},
            "deviceDetail": {"deviceId": "", "displayName": "", "operatingSystem": "Windows 10", "browser": "Edge 122.0.0"},
            "location": {"city": "Paris", "state": "Ile-de-France", "countryOrRegion": "FR",
                         "geoCoordinates": {"latitude": 48.86, "longitude": 2.35}},
            "appliedConditionalAccessPolicies": []}


def entra_json(rng, share):
    """A Graph signIns export: {"value": [...]} with one sign-in a line."""
    return _json_array('{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns",'
                       '"value":[\n', _entra_record, rng, share)


_ENTRA_CSV_HEADER = ("Date (UTC),Request ID,User agent,Correlation ID,User ID,User,Username,User type,Cross tenant "
                     "access type,Incoming token type,Authentication Protocol,Unique token identifier,Client credential "
                     "type,Application,Application ID ,Resource,Resource ID ,IP address,Location,Status,Sign-in error "
                     "code,Failure reason,Client app,Multifactor authentication result,Sign-in identifier,Session ID,"
                     "Conditional Access\n")


def entra_csv(rng, share):
    """The portal's InteractiveSignIns CSV."""
    import csv
    import io

    clock = _Clock(rng)
    yield _ENTRA_CSV_HEADER
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    while True:
        r = _entra_record(rng, clock.tick(), share)
        code = r["status"]["errorCode"]
        status = "Success" if code == 0 else ("Interrupted" if code == 50074 else "Failure")
        w.writerow([r["createdDateTime"], r["id"], "Mozilla/5.0 (Windows NT 10.0; Win64; x64)", r["correlationId"],
                    r["userId"], r["userDisplayName"], r["userPrincipalName"], "Member", "none", "none",
                    "SAML 2.0" if r["appDisplayName"] == "SonarQube" else "", format(rng.getrandbits(64), "x"), "",
                    r["appDisplayName"], r["appId"], r["appDisplayName"], r["resourceId"], r["ipAddress"],
                    "Paris, Ile-de-France, FR", status, code or "", r["status"]["failureReason"] if code else "",
                    "Browser", "", r["userPrincipalName"], "", "Not Applied"])
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()


# --- AD FS ------------------------------------------------------------------------------------

def _adfs_audit(rng, result: str, failure: str, rp: str, user: str, ip: str) -> str:
    return ('<?xml version="1.0" encoding="utf-16"?><AuditBase xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="AppTokenAudit"><AuditType>AppToken'
            f'</AuditType><AuditResult>{result}</AuditResult><FailureType>{failure}</FailureType><ErrorCode>N/A'
            '</ErrorCode><ContextComponents><Component xsi:type="ResourceAuditComponent"><RelyingParty>'
            f'{rp}</RelyingParty><ClaimsProvider>AD AUTHORITY</ClaimsProvider><UserId>CORP\\{user}</UserId>'
            '</Component><Component xsi:type="AuthNAuditComponent"><PrimaryAuth>N/A</PrimaryAuth><DeviceAuth>'
            'false</DeviceAuth><MfaPerformed>false</MfaPerformed></Component><Component '
            'xsi:type="RequestAuditComponent"><Server>http://adfs.example.com/adfs/services/trust</Server>'
            f'<AuthProtocol>SAMLP</AuthProtocol><NetworkLocation>Extranet</NetworkLocation><IpAddress>{ip}'
            f'</IpAddress><ForwardedIpAddress>{ip}</ForwardedIpAddress><ProxyServer>wap1.example.com</ProxyServer>'
            '<UserAgentString>Mozilla/5.0</UserAgentString><Endpoint>/adfs/ls/</Endpoint></Component>'
            '</ContextComponents></AuditBase>')


def adfs_xml(rng, share):
    """wevtutil qe Security /f:xml: one <Event> a line (noise: other Security events, other RPs)."""
    from xml.sax.saxutils import escape

    clock = _Clock(rng)
    n = 12011234
    while True:
        t = clock.tick()
        n += 1
        act = _uuid(rng)
        r = rng.random()
        if r < share:
            ok = rng.random() < 0.5
            eid, provider = (1200 if ok else 1201), "AD FS Auditing"
            data = [act, escape(_adfs_audit(rng, "Success" if ok else "Failure", "None" if ok else "GenericError",
                                            SP, _user(rng), _ip(rng)))]
        elif r < share + 0.3:
            eid, provider = 1200, "AD FS Auditing"
            data = [act, escape(_adfs_audit(rng, "Success", "None", "urn:federation:" + rng.choice(OTHER_APPS).replace(" ", ""),
                                            _user(rng), _ip(rng)))]
        else:
            eid, provider = rng.choice(((4624, "Microsoft-Windows-Security-Auditing"),
                                        (4634, "Microsoft-Windows-Security-Auditing"),
                                        (411, "AD FS Auditing")))
            data = [f"S-1-5-21-1111111111-2222222222-3333333333-{rng.randint(1000, 9999)}", _user(rng), "CORP", _ip(rng)]
        datas = "".join(f"<Data>{d}</Data>" for d in data)
        yield (f"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='{provider}'/>"
               f"<EventID Qualifiers='0'>{eid}</EventID><Version>0</Version><Level>4</Level><Task>3</Task><Opcode>0"
               f"</Opcode><Keywords>0x80a0000000000000</Keywords><TimeCreated SystemTime='{t:%Y-%m-%dT%H:%M:%S}."
               f"{t.microsecond:06d}0Z'/><EventRecordID>{n}</EventRecordID><Correlation ActivityID='{{{act}}}'/>"
               f"<Execution ProcessID='2844' ThreadID='3380'/><Channel>Security</Channel><Computer>adfs1.corp.example.com"
               f"</Computer><Security UserID='S-1-5-21-1111111111-2222222222-3333333333-1105'/></System><EventData>"
               f"{datas}</EventData></Event>\n")


# --- Shibboleth -------------------------------------------------------------------------------

def shibboleth_audit(rng, share):
    """idp-audit.log, v4/v5 default format; noise: other SPs' logins."""
    clock = _Clock(rng)
    while True:
        t = clock.tick()
        stamp = f"{t:%Y-%m-%dT%H:%M:%S}.{t.microsecond // 1000:03d}Z"
        saml = rng.random() < share
        sp = SP if saml else f"https://{rng.choice(OTHER_APPS).split()[0].lower()}.example.com/sp"
        fail = saml and rng.random() < 0.5
        user = "" if fail else _user(rng)
        aid = "" if fail else "_" + format(rng.getrandbits(128), "x")
        status = ("urn:oasis:names:tc:SAML:2.0:status:Requester|urn:oasis:names:tc:SAML:2.0:status:RequestDenied"
                  if fail else "urn:oasis:names:tc:SAML:2.0:status:Success|")
        yield (f"{_ip(rng)}|{stamp}|{stamp}|{user}|{sp}|{aid}|urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
               f"|{stamp}|uid,mail,eduPersonAffiliation|AAdzZWNyZXQx{format(rng.getrandbits(64), 'x')}|"
               "urn:oasis:names:tc:SAML:2.0:nameid-format:transient|false|false||"
               "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect|urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST|"
               f"{'InvalidProfileConfiguration' if fail else 'Proceed'}|{status}|_{format(rng.getrandbits(64), 'x')}|"
               "Mozilla/5.0 (X11; Linux x86_64)\n")


_SHIB_NOISE = [
    ("INFO", "net.shibboleth.idp.saml.profile.impl.PopulateBindingAndEndpointContexts:125", "Profile Action PopulateBindingAndEndpointContexts: Resolved endpoint"),
    ("DEBUG", "org.opensaml.saml.metadata.resolver.impl.FileBackedHTTPMetadataResolver:301", "Metadata refreshed"),
    ("INFO", "Shibboleth-Access:101", "{ip}|/idp/profile/SAML2/Redirect/SSO|200"),
    ("INFO", "net.shibboleth.idp.attribute.resolver.impl.AttributeResolverImpl:300", "Attribute Resolver 'ShibbolethAttributeResolver': resolved 5 attributes"),
    ("WARN", "org.ldaptive.pool.BlockingConnectionPool:187", "pool is exhausted, waiting for a connection"),
]


def shibboleth_process(rng, share):
    """idp-process.log (stock logback pattern)."""
    clock = _Clock(rng)
    while True:
        t = clock.tick()
        stamp = f"{t:%Y-%m-%d %H:%M:%S},{t.microsecond // 1000:03d}"
        ip = _ip(rng)
        if rng.random() < share:
            if rng.random() < 0.5:
                yield (f"{stamp} - {ip} - INFO [net.shibboleth.idp.authn.impl.ValidateUsernamePasswordAgainstLDAP:152] - "
                       f"Profile Action ValidateUsernamePasswordAgainstLDAP: Login by '{_user(rng)}' "
                       f"{rng.choice(('succeeded', 'failed'))}\n")
            else:
                yield (f"{stamp} - {ip} - WARN [org.opensaml.saml.common.binding.security.impl.ReceivedEndpointSecurityHandler:188]"
                       " - Message Handler:  SAML message intended destination endpoint 'https://idp.example.org/idp/profile/SAML2/"
                       "Redirect/SSO' did not match the recipient endpoint 'https://idp-old.example.org/idp/profile/SAML2/Redirect/SSO'\n")
                yield "org.opensaml.messaging.handler.MessageHandlerException: destination mismatch\n"
                # OpenSAML's LogEvent action ends the failed request (WARN, as it logs it)
                yield (f"{stamp} - {ip} - WARN [org.opensaml.profile.action.impl.LogEvent:101] - A non-proceed event occurred "
                       "while processing the request: MessageAuthenticationError\n")
        elif rng.random() < DUMP_SHARE:
            yield f"{stamp} - {ip} - DEBUG [PROTOCOL_MESSAGE:96] - SAML message: {DUMP}\n"
        else:
            level, logger, msg = rng.choice(_SHIB_NOISE)
            yield f"{stamp} - {ip} - {level} [{logger}] - {msg.format(ip=ip)}\n"


# --- SimpleSAMLphp ----------------------------------------------------------------------------

_SSP_NOISE = [
    ("INFO", "SAML2.0 - IdP.SSOService: incoming authentication request: [{sp}]"),
    ("DEBUG", "Session: Valid session found with 'default-sp'."),
    ("NOTICE", "Loading state: '_{h}'"),
    ("INFO", "Saved state: '_{h}'"),
    ("DEBUG", "Sending message to {sp}"),
]


def simplesamlphp(rng, share):
    clock = _Clock(rng)
    while True:
        t = clock.tick()
        stamp = f"{t:%b} {t.day} {t:%H:%M:%S}"
        track = format(rng.getrandbits(40), "010x")
        if rng.random() < share:
            if rng.random() < 0.5:
                yield (f"{stamp} simplesamlphp NOTICE STAT [{track}] saml20-idp-SSO {SP} "
                       f"https://idp.example.org/saml2/idp/metadata.php {_user(rng)}\n")
            else:
                yield (f"{stamp} simplesamlphp ERROR [{track}] SimpleSAML\\Error\\Error: "
                       f"METADATANOTFOUND('%ENTITYID%' => '{SP}')\n")
                yield f"{stamp} simplesamlphp ERROR [{track}] Backtrace:\n"
                yield (f"{stamp} simplesamlphp ERROR [{track}] 1 src/SimpleSAML/Metadata/MetaDataStorageHandler.php:298 "
                       "(SimpleSAML\\Metadata\\MetaDataStorageHandler::getMetaData)\n")
        elif rng.random() < DUMP_SHARE:
            yield f"{stamp} simplesamlphp DEBUG [{track}] Received SAMLResponse {DUMP}\n"
        else:
            level, msg = rng.choice(_SSP_NOISE)
            sp = f"https://{rng.choice(OTHER_APPS).split()[0].lower()}.example.com/sp"
            yield f"{stamp} simplesamlphp {level} [{track}] {msg.format(sp=sp, h=format(rng.getrandbits(64), 'x'))}\n"


FORMATS = {
    "keycloak": keycloak, "keycloak-docker": keycloak_docker, "keycloak-json": keycloak_json,
    "okta-ndjson": okta_ndjson, "okta-array": okta_array, "entra-json": entra_json, "entra-csv": entra_csv,
    "adfs-xml": adfs_xml, "shibboleth-audit": shibboleth_audit, "shibboleth-process": shibboleth_process,
    "simplesamlphp": simplesamlphp,
}
_CLOSE = {"okta-array": "\n]\n", "entra-json": "\n]}\n"}
"""What ends a document format once enough records are written."""


def write(fmt: str, path: str, size_mb: float, seed: int = 7, saml_share: float = SAML_SHARE) -> None:
    """Write about size_mb MiB of `fmt` to `path` (whole records; same seed, same bytes)."""
    rng = random.Random(seed)
    limit = int(size_mb * 1024 * 1024)
    written = 0
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        buf: list[str] = []
        blen = 0
        for text in FORMATS[fmt](rng, saml_share):
            buf.append(text)
            blen += len(text)
            if blen >= 1 << 20 or written + blen >= limit:
                fh.write("".join(buf))
                written += blen
                buf, blen = [], 0
                if written >= limit:
                    break
        fh.write(_CLOSE.get(fmt, ""))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("format", nargs="?", choices=sorted(FORMATS))
    ap.add_argument("out", nargs="?")
    ap.add_argument("size_mb", nargs="?", type=float)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--saml-share", type=float, default=SAML_SHARE)
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    if a.list or not a.format:
        print("\n".join(sorted(FORMATS)))
        return
    write(a.format, a.out, a.size_mb, a.seed, a.saml_share)


if __name__ == "__main__":
    main()
