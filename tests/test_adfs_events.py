"""AD FS events against Microsoft's own templates: which event decides a login, who acts, which
fields carry the user, the client IP and the Activity ID.

The events are built here in the three shapes admins hand over (Event Viewer 'Save As' XML with
RenderingInfo, `Get-WinEvent | Export-Csv`, 'Copy Details as Text'), as fixtures/gen_case8.py writes
the AD FS/Admin ones, from the templates and real pastes listed in tests/data/adfsevents/SOURCES.md.
"""
from __future__ import annotations

import html
from datetime import datetime, timezone

import pytest

from test_logs_common import PARIS, catalog_ready, events, records, utc

ADMIN = ("AD FS", "AD FS/Admin", "0x8000000000000001")
AUDIT = ("AD FS Auditing", "Security", "0x8010000000000000")  # Audit Failure
AUDIT_OK = ("AD FS Auditing", "Security", "0x8020000000000000")  # Audit Success
T = datetime(2025, 3, 18, 8, 40, 12, tzinfo=timezone.utc)
UPN_DATA = "http://schemas.microsoft.com/ws/2006/05/identitymodel/tokens/UserName"
NIL = "00000000-0000-0000-0000-000000000000"
LSA_CORRELATION = "f0ae8663-79d1-0001-4787-aef0d179db01"
"""The Security log's own <Correlation ActivityID> on an 'AD FS Auditing' event: not AD FS's
Activity ID (a real 1203, SOURCES.md), which is the event's first Data and its 'Activity ID:' line."""


def event_xml(source: tuple, event_id: int, datas: list[str], message: str | None,
              correlation: str | None = None) -> str:
    """One <Event> as Event Viewer's 'Save As' XML (message given) or wevtutil qe /f:xml writes it."""
    provider, channel, keywords = source
    corr = f"<Correlation ActivityID='{{{correlation.upper()}}}'/>" if correlation else "<Correlation/>"
    data = "".join(f"<Data>{html.escape(d, quote=False)}</Data>" for d in datas)
    rendering = "" if message is None else (
        f"<RenderingInfo Culture='en-US'><Message>{html.escape(message, quote=False)}</Message>"
        "<Level>Information</Level><Task></Task><Opcode>Info</Opcode><Channel></Channel><Provider></Provider>"
        "</RenderingInfo>")
    return ("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
            f"<Provider Name='{provider}'/><EventID>{event_id}</EventID><Version>0</Version><Level>0</Level>"
            f"<Task>3</Task><Opcode>0</Opcode><Keywords>{keywords}</Keywords>"
            f"<TimeCreated SystemTime='{T:%Y-%m-%dT%H:%M:%S}.0552620Z'/><EventRecordID>54955389</EventRecordID>"
            f"{corr}<Execution ProcessID='832' ThreadID='8932'/><Channel>{channel}</Channel>"
            "<Computer>adfs1.corp.example.com</Computer><Security/></System>"
            f"<EventData>{data}</EventData>{rendering}</Event>")


def saved(path, *xml_events: str):
    path.write_text('<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n<Events>\n'
                    + "\n".join(xml_events) + "\n</Events>\n", encoding="utf-8")
    return path


def winevent_csv(path, source: tuple, rows: list[tuple[int, str, str]]):
    """Get-WinEvent | Export-Csv (Windows PowerShell 5.1): rows of (Id, Message, ActivityId)."""
    provider, log, _ = source
    head = ["Message", "Id", "Version", "Qualifiers", "Level", "Task", "Opcode", "Keywords", "RecordId",
            "ProviderName", "ProviderId", "LogName", "ProcessId", "ThreadId", "MachineName", "UserId",
            "TimeCreated", "ActivityId", "RelatedActivityId", "ContainerLog", "MatchedQueryIds", "Bookmark",
            "LevelDisplayName", "OpcodeDisplayName", "TaskDisplayName", "KeywordsDisplayNames", "Properties"]
    q = lambda v: '"' + v.replace('"', '""') + '"'  # noqa: E731
    lines = ["#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord", ",".join(map(q, head))]
    for event_id, message, activity in rows:
        lines.append(",".join(map(q, [
            message.replace("\n", "\r\n"), str(event_id), "0", "", "0", "3", "0", "-9218868437227405312",
            "54955389", provider, "", log, "832", "8932", "adfs1.corp.example.com", "", "3/18/2025 9:40:12 AM",
            activity, "", log, "System.UInt32[]", "System.Diagnostics.Eventing.Reader.EventBookmark",
            "Information", "Info", "", "System.Collections.ObjectModel.ReadOnlyCollection`1[System.String]",
            "System.Collections.Generic.List`1[System.Diagnostics.Eventing.Reader.EventProperty]"])))
    path.write_text("\r\n".join(lines) + "\r\n", encoding="ascii")
    return path


def copied(path, source: tuple, event_id: int, message: str):
    """Event Viewer > Copy > 'Copy Details as Text' (no Event Xml section: the short form)."""
    provider, log, _ = source
    keywords = "AD FS" if log == "AD FS/Admin" else "Audit Failure,Classic"
    path.write_text("\r\n".join([
        f"Log Name:      {log}", f"Source:        {provider}", "Date:          3/18/2025 9:40:12 AM",
        f"Event ID:      {event_id}", "Task Category: None", "Level:         Error",
        f"Keywords:      {keywords}", "User:          CORP\\svc-adfs", "Computer:      adfs1.corp.example.com",
        "Description:", message.replace("\n", "\r\n")]) + "\r\n", encoding="utf-8")
    return path


def one(path, tz=timezone.utc):
    evs = events(records(path, tz))
    assert len(evs) == 1, evs
    return evs[0]


# --- 342 (AD FS/Admin) and 411 (Security): a user name/password token that did not validate -----

def msg_342(user: str, reason: str) -> str:
    """AD FS/Admin 342 as pasted from AD FS 2016/2019 (Microsoft Q&A 50164: 'Token Type:' then the
    UserName token type, '%Error message:' then '<user>-<Windows logon error>')."""
    return ("Token validation failed. \n\nAdditional Data \n\nToken Type: \n" + UPN_DATA + " \n"
            f"%Error message: \n{user}-{reason} \n\nException details: \n"
            f"System.IdentityModel.Tokens.SecurityTokenValidationException: {user} ---> "
            f"System.ComponentModel.Win32Exception: {reason}\n"
            "   at Microsoft.IdentityServer.Service.Tokens.LsaLogonUserHelper.GetLsaLogonUserHandle(SafeHGlobalHandle "
            "pLogonInfo, Int32 logonInfoSize, DateTime& nextPasswordChange, DateTime& lastPasswordChange, String "
            "authenticationType, String issuerName)\n")


def msg_411(activity: str, ip: str, user: str, reason: str) -> str:
    """Security 411 'Token validation failed. See inner exception for more details.' (the 'AD FS
    Research' paste: Activity ID, Token Type, Client IP, Error message '<user>-<reason>', Exception
    details; Microsoft's ADFSBadCredsSearch.ps1 reads the user before '-' in Properties[2])."""
    return ("Token validation failed. See inner exception for more details. \n\nAdditional Data \n\n"
            f"Activity ID: {activity} \n\nToken Type: \n{UPN_DATA} \n\nClient IP: \n{ip} \n\n"
            f"Error message: \n{user}-{reason} \n\nException details: \n"
            f"System.IdentityModel.Tokens.SecurityTokenValidationException: {user} ---> "
            f"System.ComponentModel.Win32Exception: {reason}\n"
            "   at Microsoft.IdentityServer.Service.Tokens.MSISWindowsUserNameSecurityTokenHandler.ValidateToken("
            "SecurityToken token)\n")


WRONG = "The user name or password is incorrect"
LOCKED = "The referenced account is currently locked out and may not be logged on to"


@pytest.mark.skipif(not catalog_ready(), reason="catalog not available")
@pytest.mark.parametrize("shape", ["saved", "copied", "csv"])
def test_342_wrong_password_is_the_users_failed_sign_in(tmp_path, shape):
    """342 was in the catalog but the parser dropped the event: a wrong password at AD FS, the
    reason no SAML response ever reached the SP, was invisible."""
    user = "alice.o-brien@corp.example.com"  # a '-' in the user name: split at the reason, not the first '-'
    message = msg_342(user, WRONG)
    datas = [UPN_DATA, f"{user}-{WRONG}", message.split("Exception details: \n")[1]]
    path = {"saved": lambda: saved(tmp_path / "a.xml", event_xml(ADMIN, 342, datas, message,
                                                                     "dd906b9d-8047-70ae-72b8-5bcde59e4639")),
            "copied": lambda: copied(tmp_path / "a.txt", ADMIN, 342, message),
            "csv": lambda: winevent_csv(tmp_path / "a.csv", ADMIN, [(342, message, "")])}[shape]()
    ev = one(path, PARIS)
    assert (ev.outcome, ev.code, ev.user) == ("failure", "idp-authentication-failed", user)
    assert WRONG in ev.text


@pytest.mark.skipif(not catalog_ready(), reason="catalog not available")
def test_342_data_only_export_reads_the_user(tmp_path):
    """wevtutil qe /f:xml writes no RenderingInfo: the user is read from the Data '<user>-<reason>'."""
    user = "CORP\\alice"
    datas = [UPN_DATA, f"{user}-{WRONG}", "System.IdentityModel.Tokens.SecurityTokenValidationException: x"]
    ev = one(saved(tmp_path / "a.xml", event_xml(ADMIN, 342, datas, None)))
    assert (ev.outcome, ev.code, ev.user, ev.time) == ("failure", "idp-authentication-failed", user,
                                                       utc(2025, 3, 18, 8, 40, 12, 55262))


@pytest.mark.skipif(not catalog_ready(), reason="catalog not available")
@pytest.mark.parametrize("shape", ["saved", "wevtutil", "copied", "csv"])
def test_411_locked_account_user_ip_and_no_nil_activity(tmp_path, shape):
    """411 (Security, AD FS Auditing) was dropped. Its Activity ID is all zeros for legacy (Exchange
    Online basic-auth) requests (Microsoft's ESL FAQ): no correlation key, or every such event would
    be one attempt. Client IP lists the forwarded client first."""
    user, ip = "bob@corp.example.com", "203.0.113.9,172.16.36.42"
    message = msg_411(NIL, ip, user, LOCKED)
    datas = [NIL, UPN_DATA, f"{user}-{LOCKED}", message.split("Exception details: \n")[1], ip]
    path = {"saved": lambda: saved(tmp_path / "a.xml", event_xml(AUDIT, 411, datas, message, LSA_CORRELATION)),
            "wevtutil": lambda: saved(tmp_path / "a.xml", event_xml(AUDIT, 411, datas, None, LSA_CORRELATION)),
            "copied": lambda: copied(tmp_path / "a.txt", AUDIT, 411, message),
            "csv": lambda: winevent_csv(tmp_path / "a.csv", AUDIT, [(411, message, LSA_CORRELATION)])}[shape]()
    ev = one(path, PARIS)
    assert (ev.outcome, ev.code, ev.user, ev.ip) == ("failure", "idp-authentication-failed", user, "203.0.113.9")
    assert ev.correlation_id is None
    assert LOCKED in ev.text


# --- 516 (Security): extranet lockout ------------------------------------------------------------

def msg_516(activity: str, user: str, ip: str) -> str:
    """516 'The following user account has been locked out due to too many bad password attempts.'
    (Configure-AD-FS-Extranet-Smart-Lockout-Protection.md: Activity ID, User, Client IP, Bad Password
    Count, Last Bad Password Attempt; laid out as the real 515 paste of 'AD FS Research')."""
    return ("The following user account has been locked out due to too many bad password attempts. \n\n"
            f"Additional Data \n\nActivity ID: {activity} \n\nUser: \n{user} \n\nClient IP: \n{ip} \n\n"
            "Bad Password Count: \n15 \n\nLast Bad Password Attempt: \n3/18/2025 9:40:12 AM \n")


@pytest.mark.skipif(not catalog_ready(), reason="catalog not available")
@pytest.mark.parametrize("shape", ["saved", "wevtutil", "copied", "csv"])
def test_516_extranet_lockout_blocks_the_sign_in(tmp_path, shape):
    activity = "0d23868f-2ad0-4ff2-a774-511ef7b36a04"
    user, ip = "carol@corp.example.com", "198.51.100.7"
    message = msg_516(activity, user, ip)
    datas = [activity, user, ip, "15", "3/18/2025 9:40:12 AM"]
    path = {"saved": lambda: saved(tmp_path / "a.xml", event_xml(AUDIT, 516, datas, message, LSA_CORRELATION)),
            "wevtutil": lambda: saved(tmp_path / "a.xml", event_xml(AUDIT, 516, datas, None, LSA_CORRELATION)),
            "copied": lambda: copied(tmp_path / "a.txt", AUDIT, 516, message),
            "csv": lambda: winevent_csv(tmp_path / "a.csv", AUDIT, [(516, message, LSA_CORRELATION)])}[shape]()
    ev = one(path, PARIS)
    assert (ev.outcome, ev.code, ev.user, ev.ip) == ("failure", "idp-authentication-failed", user, ip)
    assert ev.correlation_id == activity


# --- 1203 (Security): the Activity ID is AD FS's, not the Security log's correlation -------------

AUDIT_1203 = (
    '<?xml version="1.0" encoding="utf-16"?>\r\n<AuditBase xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="FreshCredentialAudit">\r\n'
    "  <AuditType>FreshCredentials</AuditType>\r\n  <AuditResult>Failure</AuditResult>\r\n"
    "  <FailureType>CredentialValidationError</FailureType>\r\n  <ErrorCode>N/A</ErrorCode>\r\n"
    "  <ContextComponents>\r\n    <Component xsi:type=\"ResourceAuditComponent\">\r\n"
    "      <RelyingParty>http://sts.corp.example.com/adfs/services/trust</RelyingParty>\r\n"
    "      <ClaimsProvider>N/A</ClaimsProvider>\r\n      <UserId>dave@corp.example.com</UserId>\r\n"
    "    </Component>\r\n    <Component xsi:type=\"RequestAuditComponent\">\r\n"
    "      <Server>http://sts.corp.example.com/adfs/services/trust</Server>\r\n"
    "      <AuthProtocol>SAMLP</AuthProtocol>\r\n      <NetworkLocation>Extranet</NetworkLocation>\r\n"
    "      <IpAddress>102.129.235.248</IpAddress>\r\n      <ForwardedIpAddress>102.129.235.248</ForwardedIpAddress>\r\n"
    "      <Endpoint>/adfs/ls/</Endpoint>\r\n    </Component>\r\n  </ContextComponents>\r\n</AuditBase>")


def msg_1203(activity: str) -> str:
    return ("The Federation Service failed to validate a new credential. See XML for failure details. \n\n"
            f"Activity ID: {activity} \n\nAdditional Data \nXML: {AUDIT_1203}\n")


@pytest.mark.skipif(not catalog_ready(), reason="catalog not available")
@pytest.mark.parametrize("shape", ["saved", "wevtutil", "csv"])
def test_1203_activity_id_is_the_message_one_not_the_security_log_correlation(tmp_path, shape):
    """A real 1203 (SOURCES.md) carries <Correlation ActivityID='{f0ae8663-79d1-0001-...}'/>, the
    Security log's, and AD FS's Activity ID (the one on AD FS's error page and in the AD FS/Admin
    events' Correlation) in its first Data and 'Activity ID:' line; Microsoft's adfsToolbox finds
    audits by that Data. samlscan took the Correlation (XML) or the ActivityId column (CSV)."""
    activity = "0d23868f-2ad0-4ff2-a774-511ef7b36a04"
    message = msg_1203(activity)
    path = {"saved": lambda: saved(tmp_path / "a.xml", event_xml(AUDIT, 1203, [activity, AUDIT_1203], message,
                                                                     LSA_CORRELATION)),
            "wevtutil": lambda: saved(tmp_path / "a.xml", event_xml(AUDIT, 1203, [activity, AUDIT_1203], None,
                                                                        LSA_CORRELATION)),
            "csv": lambda: winevent_csv(tmp_path / "a.csv", AUDIT, [(1203, message, LSA_CORRELATION)])}[shape]()
    ev = one(path, PARIS)
    assert (ev.outcome, ev.code, ev.user, ev.ip) == ("failure", "idp-authentication-failed",
                                                     "dave@corp.example.com", "102.129.235.248")
    assert ev.correlation_id == activity
    assert ev.app is None  # the RelyingParty of a fresh-credential audit is the Federation Service itself


def test_admin_events_keep_their_correlation_activity_id(tmp_path):
    """AD FS/Admin events carry AD FS's Activity ID in <Correlation> (adfsToolbox queries the Admin
    log by System/Correlation/@ActivityID): a 364 keeps it."""
    activity = "dd906b9d-8047-70ae-72b8-5bcde59e4639"
    exc = ("Microsoft.IdentityServer.Web.InvalidRequestException: MSIS7065: There are no registered protocol "
           "handlers on path /adfs/ls/ to process the incoming request.")
    message = ("Encountered error during federation passive request. \n\nAdditional Data \n\nProtocol Name: \n"
               f"Saml \n\nRelying Party: \n \n\nException details: \n{exc}\n")
    ev = one(saved(tmp_path / "a.xml", event_xml(ADMIN, 364, ["Saml", "", exc], message, activity)))
    assert ev.correlation_id == activity and ev.outcome == "failure"


# --- 364 with MSIS5007: the relying party's authorization rules refuse the user ----------------

@pytest.mark.skipif(not catalog_ready(), reason="catalog not available")
@pytest.mark.parametrize("shape", ["saved", "copied", "csv"])
def test_364_msis5007_is_the_user_not_permitted_for_the_relying_party(tmp_path, shape):
    """A real 364 (Microsoft Q&A 366211, SAML protocol handler): CallerAuthorizationException
    MSIS5007 names the user and the relying party trust. samlscan had no entry (unknown-failure) and
    did not read the user."""
    exc = ("Microsoft.IdentityServer.Service.IssuancePipeline.CallerAuthorizationException: MSIS5007: The caller "
           "authorization failed for caller identity CORP\\dfernandez for relying party trust "
           "https://sonar.example.com.\n"
           "   at Microsoft.IdentityModel.Threading.AsyncResult.End(IAsyncResult result)\n"
           "   at Microsoft.IdentityServer.Web.Protocols.Saml.SamlProtocolHandler.Process(ProtocolContext context)\n")
    message = ("Encountered error during federation passive request. \n\nAdditional Data \n\nProtocol Name: \nSaml \n\n"
               f"Relying Party: \nhttps://sonar.example.com \n\nException details: \n{exc}")
    activity = "dd906b9d-8047-70ae-72b8-5bcde59e4639"
    path = {"saved": lambda: saved(tmp_path / "a.xml", event_xml(ADMIN, 364, ["Saml", "https://sonar.example.com",
                                                                              exc], message, activity)),
            "copied": lambda: copied(tmp_path / "a.txt", ADMIN, 364, message),
            "csv": lambda: winevent_csv(tmp_path / "a.csv", ADMIN, [(364, message, activity)])}[shape]()
    ev = one(path, PARIS)
    assert (ev.outcome, ev.code, ev.raw_code) == ("failure", "user-not-assigned", "MSIS5007")
    assert (ev.user, ev.app) == ("CORP\\dfernandez", "https://sonar.example.com")


@pytest.mark.skipif(not catalog_ready(), reason="catalog not available")
def test_364_msis5015_token_binding_is_an_idp_configuration_error(tmp_path):
    """Microsoft's AD FS FAQ: 'Event ID 364: Microsoft.IdentityServer.AuthenticationFailedException:
    MSIS5015: ...Token Binding...' is fixed on the farm (Set-AdfsProperties -IgnoreTokenBinding
    $true); samlscan left it unknown-failure."""
    exc = ("Microsoft.IdentityServer.AuthenticationFailedException: MSIS5015: Authentication of the presented token "
           "failed. Token Binding claim in token must match the binding provided by the channel.\n")
    message = ("Encountered error during federation passive request. \n\nAdditional Data \n\nProtocol Name: \nSaml \n\n"
               f"Relying Party: \nhttps://sonar.example.com \n\nException details: \n{exc}")
    ev = one(copied(tmp_path / "a.txt", ADMIN, 364, message))
    assert (ev.outcome, ev.code, ev.raw_code, ev.app) == ("failure", "idp-configuration-error", "MSIS5015",
                                                          "https://sonar.example.com")
