"""SP application logs of apps built on a SAML library: Spring Security SAML2 / OpenSAML,
OneLogin java-saml, python3-saml, php-saml (and pysaml2), in the common logging layouts.

Layouts (the first that matches a line; the time is a prefix in all but Django's):
- Spring Boot 3 (`defaults.xml` FILE/CONSOLE_LOG_PATTERN): `%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %5p
  <pid> --- [app] [%t] %-40.40logger{39} : %m` (the logger is cut to its last 40 characters:
  `.s.p.s.a.OpenSaml4AuthenticationProvider`); Spring Boot 2: `yyyy-MM-dd HH:mm:ss.SSS`, local time;
- logback / log4j2 patterns: `<time> [thread] LEVEL logger - msg`, `<time> LEVEL [thread] logger -
  msg`, `<time> LEVEL logger [thread] msg`, ...;
- Python logging: Flask's default handler `[%(asctime)s] %(levelname)s in %(module)s: %(message)s`,
  Django's documented verbose `{levelname} {asctime} {module} {process:d} {thread:d} {message}`,
  `%(asctime)s - %(name)s - %(levelname)s - %(message)s`, gunicorn `[time +0000] [pid] [LEVEL] msg`,
  `[%(asctime)s] [%(levelname)s] [%(name)s.%(funcName)s] %(message)s` (django-saml2-auth setups),
  pysaml2's examples `%(asctime)s %(name)s:%(levelname)s %(message)s`, and logging.basicConfig's
  default `%(levelname)s:%(name)s:%(message)s` (no time at all: such records have none);
- .NET: Serilog's file sink default `{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {Message:lj}
  {NewLine}{Exception}` (levels VRB DBG INF WRN ERR FTL; the exception's type and message on the next
  line, its `   at ...` frames indented), NLog's default `${longdate}|${level:uppercase=true}|${logger}|
  ${message}`;
- ASP.NET Core's console logger (SimpleConsoleFormatter, the default): `fail: <category>[<event id>]`,
  the message and the exception on the next lines, indented six spaces;
- logfmt, one record a line (Grafana's `logger=authn.service t=<time> level=error msg="Failed to
  authenticate request" client=auth.client.saml error="<crewjam's text>"`, go-kit/log, logrus),
  read as a JSON log's record;
- PHP's error log (`error_log`, php-fpm's, Apache's with PHP's own prefix): `[d-M-Y H:i:s e] PHP
  Fatal error:  Uncaught <Class>: <message> in <file>:<line>` (main/main.c php_log_err; `e` is the
  time zone's name, `UTC` by default), where an app's uncaught SimpleSAMLphp or php-saml exception lands;
- Monolog's LineFormatter (Laravel, Symfony): `[%datetime%] %channel%.%level_name%: %message% %context%
  %extra%` (PHP: a toolkit text found in it is php-saml's);
- any other line that starts with a time: time, level word, rest as the message.

What the libraries themselves write (checked against their sources):
- Spring Security (BaseOpenSamlAuthenticationProvider, OpenSaml4/5AuthenticationProvider): DEBUG
  `Found <n> validation errors in SAML response [<id>]` (TRACE adds `: [[<code>] <text>, ...]`) and
  DEBUG `Successfully processed SAML Response [<id>]`; the exception itself
  (`Saml2AuthenticationException: <first error>`) reaches the log through
  AbstractAuthenticationProcessingFilter's TRACE `Failed to process authentication request` (with its
  stack trace) or through the app's own handler; DEBUG `Set SecurityContextHolder to
  Saml2Authentication [..., Details=WebAuthenticationDetails [RemoteIpAddress=<ip>, ...]]` on success.
- java-saml (SamlResponse, Auth): ERROR `<validation error text>`, ERROR `processResponse error.
  invalid_response`, DEBUG dumps `SAMLResponse invalid --> <xml>`, ` --> <base64>`,
  `processResponse success --> <base64>`, `SAMLResponse validated --> <xml>`, DEBUG `SAMLResponse has
  NameID --> <value>`.
- python3-saml logs nothing: the app logs `auth.get_errors()` / `auth.get_last_error_reason()`, or a
  traceback ending in `onelogin.saml2.errors.OneLogin_Saml2_Error: <text>`.
- php-saml logs nothing either: the app logs `$auth->getErrors()` / `getLastErrorReason()`, or the
  `OneLogin\\Saml2\\Error` / `ValidationError` it threw (2.x: `OneLogin_Saml2_Error`).
- pysaml2 logs under its module names (`saml2.entity`, `saml2.response`, `saml2.sigver`, ...):
  ERROR `Signature Error: <cause>` (entity), `XML parse error: <cause>` (client_base), `check_sig:
  ...` for each certificate xmlsec1 could not verify with (not yet a failure: another may verify);
  its exceptions are `saml2.sigver.SignatureError: Signature missing for response`, ...
- crewjam/saml (Go) logs nothing: the app logs the error, whose text is crewjam's PrivateErr
  ('cannot validate signature on Response: ...') or only its public 'Authentication failed'.
- Sustainsys.Saml2 and ITfoxtec.Identity.Saml2 (ASP.NET) log nothing of their own: their exception
  (`Sustainsys.Saml2.Exceptions.InvalidSignatureException: <text>`, `ITfoxtec.Identity.Saml2.
  Cryptography.InvalidSignatureException: Signature is invalid.`) reaches the app's log through
  ASP.NET Core's 'An unhandled exception has occurred while executing the request.' or its handler.
"""
from __future__ import annotations

import json
import math
import re
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo
from functools import cache
from itertools import islice
from typing import Iterable, Iterator

from samlscan import lazyre
from samlscan.logs._common import (
    MAX_TEXT_LINE, first_ip, from_epoch, json_or_none, line_of, malformed, parse_iso, src, unwrap,
    whole_lines,
)
from samlscan.logs.base import Record
from samlscan.logs.embedded import _HINT, XmlDump, cut_xml, embedded_records, opens_xml
from samlscan.model import LogEvent

NAME = "sp-app"

_TS = (r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?"
       r"(?:\s?(?:Z|UTC|[+-]\d{2}:?\d{2}))?")
_LEVEL = r"TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|SEVERE|FATAL|CRITICAL"
_LOGGER = r"[\w$\[\]/-]*\.[\w$.\[\]/-]*[\w$\]]"
"""A logger name with at least one dot (full, shortened, or cut from the left by Spring Boot)."""

# (layout, language, regex): each names ts, level, logger (optional) and msg.
_OMNIAUTH = r"Authentication failure!|Request phase initiated|Callback phase initiated|Setup endpoint detected"
"""What OmniAuth itself logs after '(<provider>) ' (omniauth/strategy.rb)."""
_SERILOG_LEVELS = {"VRB": "TRACE", "DBG": "DEBUG", "INF": "INFO", "WRN": "WARN", "ERR": "ERROR", "FTL": "ERROR"}
"""Serilog's `{Level:u3}` names (Serilog's LevelOutputFormat)."""
_DOTNET_LEVEL = r"trce|dbug|info|warn|fail|crit"
"""ASP.NET Core console logger's level names (Microsoft.Extensions.Logging.Console
SimpleConsoleFormatter.GetLogLevelString)."""
_LAYOUTS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    # ASP.NET Core's console logger (SimpleConsoleFormatter, the default of `dotnet run` and of the
    # aspnet container images): '<level>: <category>[<event id>]', then the message and the
    # exception on lines indented six spaces (its frames nine); a time first only when
    # TimestampFormat is set
    ("dotnet-console", "dotnet", lazyre.compile(
        rf"^(?:(?P<ts>{_TS})\s+)?(?P<level>{_DOTNET_LEVEL}): (?P<logger>[^\s\[]+)\[\d+\](?P<msg>)\s*$")),
    ("spring-boot", "java", lazyre.compile(
        rf"^(?P<ts>{_TS})\s+(?P<level>{_LEVEL})\s+(?:\d+\s+)?---\s+(?P<thread>(?:\[[^\]]*\]\s*)*)"
        rf"(?P<logger>[^\s\[]\S*+)\s+:\s(?P<msg>.*)$")),  # ('[a][a]...': linear)
    ("serilog", "dotnet", lazyre.compile(
        rf"^(?P<ts>{_TS}) \[(?P<level>{'|'.join(_SERILOG_LEVELS)})\] (?P<msg>.*)$")),
    ("nlog", "dotnet", lazyre.compile(rf"^(?P<ts>{_TS})\|(?P<level>{_LEVEL})\|(?P<logger>[^|\s]*)\|(?P<msg>.*)$")),
    ("flask", "python", lazyre.compile(
        rf"^\[(?P<ts>{_TS})\] (?P<level>{_LEVEL}) in (?P<logger>[\w.]+): (?P<msg>.*)$")),
    ("django", "python", lazyre.compile(
        rf"^(?P<level>{_LEVEL}) (?P<ts>{_TS}) (?P<logger>[\w.]+) (?:(?P<thread>\d+ \d+) )?(?P<msg>.*)$")),
    ("gunicorn", "python", lazyre.compile(
        rf"^\[(?P<ts>{_TS})\] \[\d+\] \[(?P<level>{_LEVEL})\] (?P<msg>.*)$")),
    # '[time] [LEVEL] [logger.function] msg': a dotted name in the third brackets is the logger
    ("bracketed", "", lazyre.compile(
        rf"^\[(?P<ts>{_TS})\]\s+\[(?P<level>{_LEVEL})\]\s+\[(?P<logger>{_LOGGER})\]\s+(?P<msg>.*)$")),
    ("python-colon", "python", lazyre.compile(
        rf"^(?P<ts>{_TS}) (?P<logger>[\w.]+):(?P<level>{_LEVEL}) (?P<msg>.*)$")),
    ("python-basic", "python", lazyre.compile(rf"^(?P<level>{_LEVEL}):(?P<logger>[\w.]+):(?P<msg>.*)$")),
    ("python", "python", lazyre.compile(
        rf"^(?P<ts>{_TS}) - (?P<logger>[\w.]+) - (?P<level>{_LEVEL}) - (?P<msg>.*)$")),
    # Monolog's LineFormatter (PHP apps: Laravel, Symfony): '[%datetime%] %channel%.%level_name%:
    # %message% %context% %extra%' (Monolog\Formatter\LineFormatter::SIMPLE_FORMAT)
    ("monolog", "php", lazyre.compile(
        rf"^\[(?P<ts>{_TS})\] (?P<logger>[\w-]+(?:\.[\w-]+)*)\.(?P<level>{_LEVEL}|ALERT|EMERGENCY): (?P<msg>.*)$")),
    # the level first, log4j2's '[%-5level] %d [%t] %c{1} - %m' (structurizr/onpremises issues 8, 138)
    ("level-first", "", lazyre.compile(
        rf"^\[(?P<level>{_LEVEL})\s*\]\s+(?P<ts>{_TS})\s+(?:\[(?P<thread>[^\]]*)\]\s+)?"
        rf"(?P<logger>[\w$.]+)\s+-\s(?P<msg>.*)$")),
    # Ruby's Logger, as omniauth logs by default: 'E, [2017-02-09T12:00:03.720242 #2693] ERROR --
    # omniauth: (saml) Authentication failure! ...'
    ("ruby", "ruby", lazyre.compile(
        rf"^[DIWEFAU], \[(?P<ts>{_TS}) #\d+\]\s+(?P<level>{_LEVEL}|ANY) -- (?P<logger>[^:]*): (?P<msg>.*)$")),
    # Python's '%(asctime)s: %(levelname)s: %(name)s: %(message)s' first: GitLab's lines have no level
    ("python-colons", "python", lazyre.compile(
        rf"^(?P<ts>{_TS}): (?P<level>{_LEVEL}): (?:(?P<logger>[\w.]+): )?(?P<msg>.*)$")),
    # GitLab's application.log (Gitlab::AppLogger, where OmniAuth logs): '<UTC time>: message', no
    # level (casdoor/casdoor PR 797 quotes one)
    ("gitlab", "ruby", lazyre.compile(rf"^(?P<ts>{_TS}): (?P<msg>.*)$")),
    # OmniAuth's message alone, '(<provider>) <text>': GitLab's application_json.log 'message'
    # (samlscan/logs/wrapped.py hands it over, with the record's time); only OmniAuth's own texts
    # (omniauth/strategy.rb), or any note's '(1) ...' line would start a record
    ("omniauth", "ruby", lazyre.compile(rf"^\((?P<logger>[\w.-]{{1,40}})\) (?P<msg>(?:{_OMNIAUTH}).*)$")),
    # a dotted logger may stand without a separator ('%d %p %c{1.} [%t] %m'); a plain word is a
    # logger only before ' - ' or ': ' (else it is the message's first word)
    ("logback", "", lazyre.compile(
        rf"^\[?(?P<ts>{_TS})\]?\s+(?:\[(?P<thread>[^\]]*)\]\s+)?\[?(?P<level>{_LEVEL})\]?:?\s+"
        rf"(?:\[(?P<thread2>[^\]]*)\]\s+)?"
        rf"(?:(?P<logger>{_LOGGER})(?:\s+\[(?P<thread3>[^\]]*)\])?(?:\s+-|:)?\s+|(?P<word>\w+)(?:\s+-|:)\s+)?"
        rf"(?P<msg>.*)$")),
)
_PHP_ERROR = lazyre.compile(
    r"^\[(?P<d>\d{2})-(?P<mon>[A-Z][a-z]{2})-(?P<y>\d{4}) (?P<t>\d{2}:\d{2}:\d{2})(?: (?P<zone>[^\]\s]+))?\] "
    r"PHP (?P<level>[A-Z][a-z]+(?: [a-z]+){0,2}):\s+(?P<msg>.*)$")
"""PHP's error log line (main/main.c php_log_err_with_severity: '[%d-%b-%Y %H:%M:%S %e] ', then
'PHP <error type>:  <message>')."""
_APACHE_ERROR = lazyre.compile(
    r"^\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?P<mon>[A-Z][a-z]{2}) {1,2}(?P<d>\d{1,2}) "
    r"(?P<t>\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?) (?P<y>\d{4})\] \[(?:(?P<module>[\w.-]+):)?(?P<level>[a-z]+\d?)\]"
    r"(?P<pid> \[pid [^\]]*\])?(?: \[client (?P<client>[^\]]*)\])? (?P<msg>.*)$")
"""Apache httpd's error log (2.4's default ErrorLogFormat '[%{u}t] [%-m:%l] [pid %P:tid %T] [client %a] %M';
2.2's '[%t] [%l] [client %a] %M'), where mod_auth_mellon logs: '[auth_mellon:error]'. Local time."""
_APACHE_LEVELS = {"emerg": "ERROR", "alert": "ERROR", "crit": "ERROR", "error": "ERROR", "warn": "WARN"}
_PHP_LEVELS = {"Fatal error": "ERROR", "Catchable fatal error": "ERROR", "Recoverable fatal error": "ERROR",
               "Parse error": "ERROR", "Warning": "WARN"}
_SHORT_LEVELS = {"TRCE": "TRACE", "DBUG": "DEBUG", "EROR": "ERROR", "FAIL": "ERROR", "CRIT": "ERROR"}
"""Four-letter level names: ASP.NET Core's console logger's (fail, crit, ...), log15's (`lvl=eror`:
Grafana before 8.x)."""
_MONTH = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                                      "Nov", "Dec"), 1)}
_STAMPED = lazyre.compile(rf"^\[?(?P<ts>{_TS})\]?\s+(?P<rest>.*)$")
_LEVEL_WORD = lazyre.compile(rf"\b({_LEVEL})\b")
_TEXT_RECORD_START = (rb"(?:" + _DOTNET_LEVEL.encode() + rb"): [^\s\[]+\[\d+\][ \t\r]*(?:\n|$)|"
                      rb"(?:logger|t|ts|time|level|lvl)=[^\s=]|\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:|\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [ \d]\d |\[\d{2}-[A-Z][a-z]{2}-\d{4} \d{2}:|[DIWEFAU], \[\d{4}-|\([\w.-]{1,40}\) (?:" + _OMNIAUTH.encode()
                      + rb")|\[?(?:" + _LEVEL.encode() + rb")(?: \d{4}-\d{2}-\d{2} |:[\w.]+:|\s*\] \d{4}-)")
RECORD_START = _TEXT_RECORD_START + rb"|\{"
"""A line that begins a record, in any layout above or a JSON log's line (the prefilter splits
records by it)."""
_RECORD_START = lazyre.compile(_TEXT_RECORD_START.decode())

_ERRORS_LIST = r"\[['\"]invalid_(?:response|logout_response|logout_request)['\"]"
"""python3-saml's get_errors() as Python prints the list: ['invalid_response']."""
_ERRORS_LIST_RE = lazyre.compile(_ERRORS_LIST)
# Which library a logger, class or exception belongs to (full or logback-shortened names).
_LIBS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # (and the Spring Security SAML extension 1.x, org.springframework.security.saml: its
    # SAMLDefaultLogger, SAMLProcessingFilter, WebSSOProfileConsumerImpl)
    ("spring", lazyre.compile(
        r"org\.springframework\.security\.saml2|\bo\.s\.s\.s\.p\.|(?:^|\.)s\.p\.s\.[aw]\.|"
        r"\borg\.springframework\.security\.saml\.|\bo\.s\.(?:security|s)\.saml\.|"
        r"\b(?:SAMLProcessingFilter|SAMLAuthenticationProvider|WebSSOProfileConsumerImpl|SAMLDefaultLogger)\b|"
        r"OpenSaml[45]?AuthenticationProvider|BaseOpenSamlAuthenticationProvider|"
        r"Saml2(?:WebSso\w*|AuthenticationException|Exception|LoginConfigurer)\b")),
    # (a log4j %c{n} layout cuts the logger to its last n parts: Atlassian's %c{4} writes
    # com.onelogin.saml2.authn.SamlResponse as onelogin.saml2.authn.SamlResponse, which its class
    # name tells from python3-saml's lowercase modules, onelogin.saml2.response)
    ("java-saml", lazyre.compile(
        r"com\.onelogin\.saml2|(?:\bc(?:om)?\.o(?:nelogin)?\.s(?:aml2)?|(?<![\w.])onelogin\.saml2)\.(?:\w+\.)*"
        r"(?:SamlResponse|Auth|AuthnRequest|LogoutRequest|LogoutResponse|Util|ValidationError|"
        r"SettingsBuilder|Saml2Settings)\b|\bc\.o\.saml2\.")),
    # php-saml (the OneLogin toolkits' PHP sibling) by its namespace, OneLogin\Saml2\ (3.x/4.x;
    # '\\' in Monolog's JSON context), its Composer path, or 2.x's OneLogin_Saml2_ classes as PHP
    # names them in a stack frame ('OneLogin_Saml2_Response->isValid()', '::'); a bare
    # OneLogin_Saml2_Error in a PHP log is php-saml's too (_in_language)
    # Nextcloud's user_saml app runs on php-saml: its app name in nextcloud.log's "app" and its URLs
    ("php-saml", lazyre.compile(r"\bOneLogin\\{1,2}Saml2\\|\bonelogin/php-saml\b|\bOneLogin_Saml2_\w+(?:->|::)|"
                             r"\buser_saml\b")),
    # (or its get_errors() list as apps print it: python-social-auth's 'SAML login failed:
    # ['invalid_response'] (<get_last_error_reason()>)', Zulip issue python3-saml 83)
    ("python3-saml", lazyre.compile(r"(?<!com\.)(?<!c\.o\.)\bonelogin\.saml2\b|OneLogin_Saml2|"
                                r"\bSAML\b.{0,80}" + _ERRORS_LIST)),
    # ruby-saml (GitLab, Rails apps) through omniauth-saml: OmniAuth logs '(<provider>)
    # Authentication failure! invalid_ticket: OneLogin::RubySaml::ValidationError, <ruby-saml's text>'
    ("ruby-saml", lazyre.compile(r"\bOneLogin::RubySaml::|\bOmniAuth::Strategies::SAML\b|\bOnelogin::Saml::")),
    # node-saml / passport-saml (Node apps: OpenCTI, Overleaf, ...): its package path in a stack
    # frame, or its SAML class's methods (a bundled app keeps the class name: OpenCTI's
    # 'at SAML.validatePostResponseAsync (/opt/opencti/build/back.js:..)')
    ("node-saml", lazyre.compile(r"@node-saml/|\bnode-saml\b|\bpassport-saml\b|"
                             r"\bSAML\.(?:validatePostResponseAsync|validateRedirectAsync|validatePostRequestAsync|"
                             r"processValidlySignedAssertionAsync|checkTimestampsValidityError)\b")),
    # (OpenSAML 2's decoder also under shortened loggers: 'decoding.BaseSAMLMessageDecoder', used by
    # Spring Security SAML 1.x and other OpenSAML 2 SPs)
    ("opensaml", lazyre.compile(r"\borg\.opensaml\.|\bo\.o\.(?:s|x|c|m|se)\.\w|\bBaseSAML2?MessageDecoder\b")),
    # pysaml2's package is the top-level 'saml2' (not org.springframework.security.saml2, nor
    # python3-saml's onelogin.saml2): its module loggers, '.function' suffixes, exception classes
    # crewjam/saml (Go) by its module path (grafana/saml: Grafana's fork, its go.mod `replace`), or
    # Grafana's SAML client ('client=auth.client.saml': pkg/services/authn/authn.go ClientSAML) and
    # logger ('saml.auth': its docs' `filters = saml.auth:debug`): Grafana's SAML runs on crewjam
    ("crewjam", lazyre.compile(r"\b(?:crewjam|grafana)/saml\b|\bauth\.client\.saml\b|"
                           r"(?:^|\blogger=|\"logger\": ?\")saml\.auth(?![\w.])")),
    # gosaml2 (Go) by its module path, or its ValidateEncodedResponse wrapper (decode_response.go);
    # Gitea, Mattermost and Teleport have their own reader (samlscan/logs/goapps.py)
    ("gosaml2", lazyre.compile(r"\b(?:russellhaering|mattermost)/gosaml2\b|\berror validating response: ")),
    # ASP.NET SAML2 libraries, by their namespaces (exception types, stack frames, loggers)
    ("sustainsys", lazyre.compile(r"\bSustainsys\.Saml2\b")),
    ("itfoxtec", lazyre.compile(r"\bITfoxtec\.Identity\.Saml2\b")),
    # Microsoft.IdentityModel's SAML token handlers (after Sustainsys and ITfoxtec, which run on them),
    # or ASP.NET Core's WS-Federation handler, whose category names the handler
    ("identitymodel", lazyre.compile(r"\bMicrosoft\.IdentityModel\.Tokens\.Saml2?\b|\bSaml2?SecurityTokenHandler\b|"
                                 r"\bMicrosoft\.AspNetCore\.Authentication\.WsFederation\b")),
    # pac4j-saml by its packages (full or logback-shortened: o.p.s.s.i.SAML2AuthnResponseValidator) or
    # the Jenkins saml-plugin's (org.jenkinsci.plugins.saml, which runs on pac4j)
    ("pac4j", lazyre.compile(r"\borg\.pac4j\.saml\b|\bo\.p\.s\.(?:\w\.)*SAML2|\borg\.jenkinsci\.plugins\.saml\b|"
                         r"\bo\.j\.p\.saml\.")),
    # mod_auth_mellon: its Apache module name in the error log's '[auth_mellon:error]'
    ("mellon", lazyre.compile(r"^auth_mellon$|\[auth_mellon:|\bmod_auth_mellon\b")),
    # samlify (Node) by its package path in a stack frame
    ("samlify", lazyre.compile(r"\bnode_modules/samlify/|\bsamlify/build/")),
    ("saml2-js", lazyre.compile(r"\bnode_modules/saml2-js/")),
    # SimpleSAMLphp's PHP namespaces (SimpleSAML\Module\saml, SimpleSAML\SAML2, SimpleSAML\XMLSecurity)
    # in an app's PHP error log (its own log is read by samlscan/logs/simplesamlphp.py)
    ("simplesamlphp", lazyre.compile(r"\bSimpleSAML\\|\bsspmod_saml_")),
    ("pysaml2", lazyre.compile(
        r"^saml2(?:\.\w+)*$|(?<![\w.])saml2\.(?:sigver|response|validate|s_utils|client_base|client|"
        r"entity|assertion|saml|samlp|mdstore|request|cert)\b")),
)
_IDP_LOG = lazyre.compile(r"\bnet\.shibboleth\.idp\b|\[Shibboleth-Audit|\borg\.keycloak\.|\bedu\.internet2\.")
"""Loggers of IdPs whose logs name OpenSAML classes as well: their readers read them."""
_JAVA_LIBS = {"spring": "spring", "java-saml": "java-saml", "opensaml": "opensaml"}

# Spring, OpenSAML and java-saml texts that name Response/Assertion/AuthnRequest IDs.
_SAML_IDS = lazyre.compile(
    r"(?:SAML [Rr]esponse|Invalid assertion|for object|decrypt response|Assertion|InResponseTo "
    r"attribute|authentication request) \[([^\]\s]+)\]|[Aa]ssertion(?: with ID)? '([^'\s]+)'|"
    r"InResponseTo of the Response: ([^,\s]+),|sent by the SP: (\S+)|"
    r"InResponseTo attribute: (\S+) while")
_IP = lazyre.compile(r"RemoteIpAddress=([0-9A-Fa-f.:]+)")
_RAW_CODE = lazyre.compile(r"processResponse error\. ?(\w+)|\[\[(\w+)\]|\['(\w+)'")
# A record is a validation failure even when the catalog names no cause.
_FAILURE_MARK = lazyre.compile(
    r"Saml2AuthenticationException|OneLogin_Saml2_(?:Validation)?Error|onelogin\.saml2\.exception\.|"
    r"ValidationError|processResponse error|Found \d+ validation errors|SAML errors?\b|"
    r"\binvalid_response\b|"  # java-saml's and python3-saml's get_errors() token for a refused response
    r"saml2\.(?:sigver|response|validate)\.[A-Z]\w*(?:Error|Exceed|Response|Early)")
_CREWJAM_PUBLIC = "Authentication failed"
"""All that crewjam/saml's InvalidResponseError says of a refused response (Error(); the cause stays
in its PrivateErr, crewjam/saml service_provider.go): a failure whose cause the app did not log."""
_SUCCESS = lazyre.compile(r"^Successfully processed SAML Response \[|^processResponse success\b")
"""Spring's 'Set SecurityContextHolder to Saml2Authentication [...]' follows the first of one login
(with the client's address): an info event, not a second successful login."""
_USER = lazyre.compile(r"SAMLResponse has NameID --> (\S+)")
_SAML_LOGGER = lazyre.compile(
    r"^(?P<op>[A-Za-z]+);(?P<result>SUCCESS|FAILURE);(?P<ip>[^;]*);(?P<sp>[^;]*);[^;]*;(?P<user>[^;]*);")
"""The Spring Security SAML extension's SAMLDefaultLogger (INFO, one line a message it handled):
'<operation>;<SUCCESS|FAILURE>;<client address>;<SP entity ID>;<IdP entity ID>;<NameID>;[message];
[stack trace]' (spring-attic/spring-security-saml log/SAMLDefaultLogger.java): a failed
'AuthNResponse' is a failed login, its stack trace's first line the cause."""
_DUMP = lazyre.compile(r"-->\s")
"""java-saml's dump arrow: the message ends before it (the spaces before it stripped in Python:
a leading \\s* searched from every space of a long run was quadratic)."""
_EXC = lazyre.compile(r"^(?:Caused by: )?(?P<cls>(?:[A-Za-z_$][\w$]*\.)*[A-Za-z_$][\w$]*)(?::\s*(?P<msg>.*))?$")
_EXC_SUFFIX = lazyre.compile(r"(?:Exception|Error|Throwable)$")
_SP_FAMILY = ("java-saml", "python3-saml", "php-saml", "spring", "opensaml", "pysaml2", "ruby-saml", "node-saml",
              "sustainsys", "itfoxtec", "simplesamlphp", "crewjam", "gosaml2", "pac4j", "mellon", "identitymodel",
              "samlify", "saml2-js")
_MAYBE_FAILED = ("WARN", "ERROR", "")
"""Levels of a line that may report a failure ('': a layout without levels)."""
_MAX_EXTRA = 20


@dataclass(frozen=True, slots=True)
class _Header:
    layout: str
    language: str
    time_text: str | None
    """None in a layout without a time (logging.basicConfig's default)."""
    level: str
    """'' in a layout without a level (GitLab's application.log): any level."""
    logger: str
    msg: str
    thread: str | None = None
    """The thread (with Spring Boot: every [..] group before the logger: app, thread, trace)."""
    client: str | None = None
    """The client's address the line names (Apache's '[client <ip>:<port>]')."""


def parse_header(line: str) -> _Header | None:
    """The parts of a line that begins a record, or None for a continuation line."""
    if not line or not (line[0].isdigit() or line[0] in "[(" or line[0].isupper() or line[4:6] == ": "):
        return None
    php = _PHP_ERROR.match(line) if line[0] == "[" else None
    if php:
        return _php_header(php)
    apache = _APACHE_ERROR.match(line) if line[0] == "[" else None
    if apache:
        return _apache_header(apache)
    for layout, language, rx in _LAYOUTS:
        m = rx.match(line)
        if m:
            d = m.groupdict()
            thread = d.get("thread") or d.get("thread2") or d.get("thread3")
            return _Header(layout, language, d.get("ts"), _norm_level(d.get("level") or ""),
                           d.get("logger") or d.get("word") or "", d["msg"], thread or None)
    m = _STAMPED.match(line)
    if m:  # another layout: time first, then the first level word, the rest is the message
        rest = m["rest"]
        lv = _LEVEL_WORD.search(rest[:60])
        return _Header("other", "", m["ts"], _norm_level(lv.group(1)) if lv else "INFO", "", rest)
    return None


def _php_header(m: re.Match) -> _Header | None:
    """A PHP error log line: its time as ISO text (UTC when PHP says so, else local), its error
    type as a level."""
    month = _MONTH.get(m["mon"])
    if month is None:
        return None
    time_text = f"{m['y']}-{month:02d}-{m['d']}T{m['t']}"
    return _Header("php-error", "php", time_text + _php_offset(time_text, m["zone"]),
                   _PHP_LEVELS.get(m["level"], "INFO"), "", m["msg"])


def _apache_header(m: re.Match) -> _Header | None:
    """An Apache error log line: its local time as ISO text, its module as the logger."""
    month = _MONTH.get(m["mon"])
    if month is None:
        return None
    return _Header("apache-error", "c", f"{m['y']}-{month:02d}-{int(m['d']):02d}T{m['t']}",
                   _APACHE_LEVELS.get(m["level"], "DEBUG" if m["level"].startswith(("debug", "trace")) else "INFO"),
                   m["module"] or "", m["msg"], client=_without_port(m["client"]) if m["pid"] else m["client"])


def _without_port(client: str | None) -> str | None:
    """2.4's '%a' is the address and the port ('203.0.113.7:51234', '2001:db8::7:51234'); 2.2 (no pid
    field) writes the address alone."""
    return client.rsplit(":", 1)[0].strip("[]") if client and ":" in client else client


def _php_offset(local: str, zone: str | None) -> str:
    """The UTC offset of PHP's `e` (date.timezone's name: 'UTC', 'Europe/Paris') at `local`, as ISO
    writes it; '' (local time, read in --timezone's zone) for no zone or one Python does not know."""
    if zone in ("UTC", "GMT", "Z"):
        return "Z"
    from datetime import datetime
    from zoneinfo import ZoneInfo

    try:
        offset = datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(zone or "")).utcoffset()
    except (ValueError, KeyError, OSError):  # (not a zone name; ZoneInfo raises ZoneInfoNotFoundError, a KeyError)
        return ""
    minutes = int(offset.total_seconds() // 60)
    return f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _norm_level(level: str) -> str:
    level = _SERILOG_LEVELS.get(level, level.upper())
    level = _SHORT_LEVELS.get(level, level)
    if level == "WARNING":
        return "WARN"
    if level in ("SEVERE", "FATAL", "CRITICAL", "ALERT", "EMERGENCY"):
        return "ERROR"
    return "INFO" if level == "NOTICE" else level


def library(text: str) -> str | None:
    """The SAML library a logger name, class name or exception line belongs to."""
    if "aml" not in text and "AML" not in text and "mellon" not in text and "WsFederation" not in text:
        return None  # every pattern names saml/Saml/SAML, mod_auth_mellon or ASP.NET's WsFederation
    for lib, rx in _LIBS:
        if rx.search(text):
            return lib
    return None


@cache
def _catalog():
    from samlscan import catalog

    return catalog


def _entry(text: str, product: str | None):
    """The catalog entry of a SAML-library text, or None (other products' entries are ignored:
    Spring's `invalid_response` status code must not explain python3-saml's `invalid_response`)."""
    try:
        catalog = _catalog()
        entry = catalog.lookup(text, product)
    except (ImportError, OSError):
        return None
    if entry is None or entry.product not in _SP_FAMILY:
        return None
    if product in _SP_FAMILY:
        family = {product, *catalog._FAMILY.get(product, ())}
        if entry.product not in family:
            return None
    return entry


def _literal_match(text: str) -> bool:
    """Sniffing: a catalog text of a SAML library occurs literally in `text` (a snake_case token
    such as `invalid_signature` alone is not evidence: OAuth and JWT logs use it too)."""
    entry = _entry(text, None)
    if entry is None or entry.code == "unknown-failure" or entry.product in _ANY_TOKEN:
        return False
    keyword = _catalog().pattern_parts(entry.pattern)[1]
    return len(keyword) >= 20 and keyword in _catalog()._norm(text)


_ANY_TOKEN = ("identitymodel",)
"""Libraries whose texts are any token's (Microsoft.IdentityModel's IDX10214 fails a JWT bearer token as
well): evidence of SAML only where the record or its file names a SAML handler (_entry keeps them to
their family)."""


@dataclass(slots=True)
class _Pending:
    no: int
    header: _Header
    lib: str | None
    when: tuple[datetime | None, bool]
    flow: str | None
    excs: list[str] = field(default_factory=list)
    """Exception lines of the record's stack trace, in order ('Caused by: ' removed)."""
    extra: list[str] = field(default_factory=list)
    """Other continuation lines (a message that goes on, java-saml's '[1] ...' issue lines)."""


class AppLogParser:
    """Spring/OpenSAML, java-saml, python3-saml and pysaml2 SP application logs."""

    name = NAME
    range_context = frozenset({"before"})
    """A range of a big log is read after the lines before it (batch.CONTEXT_BYTES): a thread's flow
    goes on over a cut (_flow)."""

    def sniff(self, head: str) -> bool:
        """Log lines in a known layout, and a SAML library in them: its logger or class names, or
        one of its catalog texts. An app log that never names a SAML library is not claimed."""
        if _IDP_LOG.search(head):
            return False  # an IdP's own log (Shibboleth, Keycloak run on OpenSAML too)
        from samlscan.logs import nextcloud

        if nextcloud.PARSER.sniff(head):
            return False  # Nextcloud's log, its user_saml app's lines php-saml's: its reader's
        lines = head.splitlines()[:400]
        if any(_json_failure(line) or _logfmt_named(line) for line in lines):
            return True  # (a Node app's `docker logs` begin with npm's '> app@1.0 start' banner)
        stamped = evidence = False
        for line in lines:
            h = parse_header(line)
            stamped = stamped or h is not None
            evidence = evidence or library(line) is not None or (
                h is not None and h.level in ("WARN", "ERROR") and _literal_match(h.msg))
            if stamped and evidence:
                return True
        return False

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo) -> Iterator[Record]:
        return _echoes(self._parse(lines, path, tz))

    def reaches_back(self, lines: Iterable[tuple[int, str]], edges: tuple[str, str], path: str,
                     tz: tzinfo) -> bool:
        """Whether the lines read before a range (batch's context; `edges`: the raw lines at their
        start and at the range's) may miss the start of a thread's flow open at the cut: they span
        no more than FLOW_GAP (a thread first seen in the range may go on with a flow begun before
        them), or a flow open at their end began within FLOW_GAP of their start. The whole reading
        gave it another flow ID (one response dumped on each side of the cut was two uses:
        assertion-replayed): batch reads further back."""
        flows: dict[str, list] = {}
        for _ in self._parse(lines, path, tz, flows):
            pass
        first, last = (_time_of(line, tz) for line in edges)
        if first is None or last is None:
            return False  # (no text layout's time at the cut: no thread flows)
        return last - first <= FLOW_GAP or any(
            f[4] is not None and f[4] - first <= FLOW_GAP and f[0] is not None and last - f[0] <= FLOW_GAP
            for f in flows.values())

    def _parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo,
               flows: dict | None = None) -> Iterator[Record]:
        """Each line on its own: a JSON log record (Node loggers), else a text layout's line (a
        Node app's log may hold both: npm's banner, a crash's stack trace between its records)."""
        pending: _Pending | None = None
        file_lib: str | None = None
        stamp, when = None, (None, False)
        # thread -> [last time, flow ID, SAML IDs named, outcome, start of the thread's first flow here]
        flows = {} if flows is None else flows
        head = None  # (line, time, library) of the text record the lines continue
        printed: XmlDump | None = None  # a message printed under that record's line
        for no, whole, cut in whole_lines(lines, MAX_TEXT_LINE):
            if printed is not None:
                if not _RECORD_START.match(whole):
                    printed.add(whole)
                    continue
                yield from _logged_by(None, printed.records(path))
                printed = None
            objs = _json_line(whole, cut)
            if objs is not None:
                if pending is not None:
                    yield from _logged_by(pending, _finish(pending, path, file_lib, flows))
                    pending = None
                if isinstance(objs, str):
                    yield malformed(path, no, objs), None
                for obj in objs if isinstance(objs, list) else ():
                    yield from _json_records(obj, no, path, tz)
                continue
            fields = _logfmt(whole) if not cut else None
            if fields is not None:  # (one record a line, as a JSON log's)
                if pending is not None:
                    yield from _logged_by(pending, _finish(pending, path, file_lib, flows))
                    pending = None
                yield from _json_records(fields, no, path, tz)
                continue
            line = whole
            if not _RECORD_START.match(line):
                if head is not None and opens_xml(line):  # (OpenSAML's decoders at DEBUG)
                    printed = XmlDump(head[0], head[1], head[2] or file_lib or NAME, None, [line], printed=True,
                                      local_time=head[3])
                elif pending is not None and line.strip():
                    _add_continuation(pending, line)
                continue
            if pending is not None:
                yield from _logged_by(pending, _finish(pending, path, file_lib, flows))
                pending = None
            h = parse_header(line)
            head = None
            if h is None:
                continue  # a time, then nothing this reader knows: no record (it is no SAML line)
            if h.time_text != stamp:  # consecutive lines often share their time: parse it once
                stamp, when = h.time_text, parse_iso(h.time_text, tz)
            lib = _in_language(library(h.logger), h.language)
            named = None if lib else _in_language(library(h.msg), h.language)  # (only where the logger names none)
            head = (no, when[0], lib or named, when[1])
            if lib is None and (h.level in _MAYBE_FAILED or _ERRORS_LIST_RE.search(h.msg)):
                lib = named  # (python3-saml's errors list is a failure at any level:
                # python-social-auth apps such as Zulip log 'SAML login failed: [...]' at INFO)
            file_lib = _file_lib(file_lib, lib or named)
            dump = _HINT.search(h.msg) is not None
            if lib is None and h.level not in ("WARN", "ERROR") and not dump:
                continue  # INFO/DEBUG chatter of other loggers, and their stack traces
            flow = _flow(flows, h.thread, when[0], no, h.msg)
            if dump and cut_xml(h.msg):  # the message goes on over the lines up to the next record
                printed = XmlDump(no, when[0], lib or file_lib or NAME, flow, [h.msg], local_time=when[1])
            elif dump:
                yield from _logged_by(None, embedded_records(path, no, h.msg, when[0], lib or file_lib or NAME, flow,
                                                             local_time=when[1]))
            if lib is None and h.level not in ("WARN", "ERROR"):
                continue
            pending = _Pending(no, h, lib, when, flow)
        if pending is not None:
            yield from _logged_by(pending, _finish(pending, path, file_lib, flows))
        if printed is not None:
            yield from _logged_by(None, printed.records(path))


LAYOUT_RECORDS = 5
"""Records in a layout this reader knows that make a head an application log (in_layout)."""


def in_layout(head: str) -> bool:
    """Sniffing an app log whose head names no SAML library (an hour of start-up and requests before
    its first SAML failure): LAYOUT_RECORDS of its first 400 lines begin records in a layout of this
    reader that is more than a time before a message (a level beside it, a logger, logfmt's `level=`
    and `msg=`, a JSON record's message and level). Asked only when no reader claims the file."""
    if _IDP_LOG.search(head):
        return False  # an IdP's own log (Shibboleth, Keycloak): its reader's to claim, not ours
    found = 0
    for line in head.splitlines()[:400]:
        if _known_record(line.lstrip("\ufeff")):
            found += 1
            if found >= LAYOUT_RECORDS:
                return True
    return False


def _known_record(line: str) -> bool:
    if line[:1] == "{":
        obj = json_or_none(line)
        return isinstance(obj, dict) and _json_message(obj) is not None and (
            "level" in obj or "severity" in obj or "levelname" in obj)
    if not _RECORD_START.match(line):  # (one anchored match rejects a line of prose or data)
        return False
    if _LOGFMT_START.match(line) and _logfmt(line) is not None:
        return True
    h = parse_header(line)
    return h is not None and h.layout not in ("other", "gitlab")  # (a time, then any text: no layout)


class LateAppLogParser(AppLogParser):
    """An app log in a layout this reader knows whose head names no SAML library (in_layout): asked
    after every reader, read as any app log; a log in which no SAML line turns up is skipped with
    `empty_reason` (engine.analyze_collected), not a failed input."""

    empty_reason = "an application log without a SAML line"

    def sniff(self, head: str) -> bool:
        return in_layout(head)


def _logged_by(pending: _Pending | None, records: Iterator[Record]) -> Iterator[tuple[Record, str | None]]:
    logger = pending.header.logger if pending is not None else None
    return ((rec, logger) for rec in records)


ECHO_LINES = 3
"""Untimed records (logging.basicConfig's layout) this few lines apart may be one failure's."""


def _echoes(records: Iterator[tuple[Record, str | None]]) -> Iterator[Record]:
    """A failure logged again by the caller that re-raised it, in a layout with no thread to join
    the two (pysaml2: entity's 'Signature Error: <cause>', then client_base's 'XML parse error:
    <cause>' a millisecond later) is one failure: the second becomes info (counted). Only another
    logger echoes: two lines of one logger are two failures (two users a second apart)."""
    last: LogEvent | None = None
    last_logger = None
    for rec, logger in records:
        if isinstance(rec, LogEvent) and rec.outcome == "failure" and rec.request_id is None:
            if last is not None and logger != last_logger and _same_failure(last, rec):
                rec = replace(rec, outcome="info", code=None)
            else:
                last, last_logger = rec, logger
        yield rec


def _same_failure(a: LogEvent, b: LogEvent) -> bool:
    if a.product != b.product or a.code != b.code or _cause(a.text) != _cause(b.text):
        return False
    if a.user and b.user and a.user != b.user:
        return False
    if a.time is not None and b.time is not None:
        return abs(b.time - a.time) <= FLOW_GAP
    lines = [line_of(e.source.ref) for e in (a, b)]
    return a.time is None and b.time is None and None not in lines and 0 < lines[1] - lines[0] <= ECHO_LINES


def _cause(text: str) -> str:
    """The cause a wrapper line names after its own words ('XML parse error: <cause>')."""
    return text.split(": ", 1)[-1].strip()



def _finish(p: _Pending, path: str, file_lib: str | None, flows: dict) -> Iterator[Record]:
    """The event of one record (header line and continuation lines), if it is about SAML."""
    h = p.header
    exc_lib = next((lib for lib in (_in_language(library(e), h.language) for e in p.excs) if lib), None)
    lib = p.lib or exc_lib
    dump = _DUMP.search(h.msg) if "-->" in h.msg else None
    msg = h.msg[:dump.start()].rstrip() if dump else h.msg
    if msg != h.msg and not _SUCCESS.search(msg) and not _USER.search(h.msg) and not p.excs:
        return  # a java-saml DEBUG dump ('SAMLResponse invalid --> <xml>', ' --> <base64>'): the
        # message is read from it as EmbeddedSaml; the ERROR lines around it say what failed
    causes = [_exc_text(e) for e in reversed(p.excs)]  # the root cause first
    candidates = [c for c in causes if c] + [msg] + ([" ".join([msg, *p.extra])] if p.extra else [])
    product = _product(lib, file_lib, h.language)
    entry, used = None, None
    for cand in candidates:
        got = _entry(cand, product)
        if got is not None and (entry is None or entry.code == "unknown-failure"):
            entry, used = got, cand
            if got.code != "unknown-failure":
                break
    if lib is None and entry is None:
        return  # a WARN/ERROR of the app that names no SAML library or text
    if lib is None:
        product = _product(_JAVA_LIBS.get(entry.product) if h.language == "java" else
                           (_TOOLKIT[h.language] if h.language in _TOOLKIT and entry.product in
                            _TOOLKIT.values() else entry.product), file_lib, h.language)
    whole = " ".join([msg, *p.excs, *p.extra])
    raw = _RAW_CODE.search(whole)
    raw_code = next((g for g in raw.groups() if g), None) if raw else None
    if (entry is None or entry.code == "unknown-failure") and raw_code:
        try:
            coded = _catalog().lookup_code(product, raw_code)
        except (ImportError, OSError):
            coded = None
        if coded is not None and coded.product in _SP_FAMILY:
            entry = coded
    # (a stack trace whose exception states a SAML library's failure text is that failure, at
    # any level: the Spring SAML extension logs 'Incoming SAML message is invalid' at DEBUG)
    failed_mark = bool(p.excs and (exc_lib or used in causes)) or bool(_FAILURE_MARK.search(whole)) or (
        lib == "crewjam" and _CREWJAM_PUBLIC in causes)
    logged = _SAML_LOGGER.match(msg)
    if logged:
        outcome, code = _logged_outcome(logged, entry)
    elif _SUCCESS.search(msg):
        outcome, code = "success", None
    elif entry is not None and (h.level in ("WARN", "ERROR") or failed_mark):
        outcome, code = "failure", entry.code
    elif failed_mark and (h.level in _MAYBE_FAILED or p.excs or msg.startswith("Found ")):
        outcome, code = "failure", "unknown-failure"
    else:
        outcome, code = "info", None
    text = msg
    if used is not None and used != msg and used.startswith(msg):
        text = used  # the message went on over the next lines (java-saml's SubjectConfirmation issues)
    else:
        cause = used if used is not None and used != msg else (
            causes[0] if causes and outcome == "failure" else None)
        if cause:
            text = f"{msg}: {cause}" if msg else cause
    ids = tuple(dict.fromkeys(next(g for g in m if g) for m in _SAML_IDS.findall(whole)))
    if logged:
        user = logged["user"] if logged["user"] not in _NO_USER else None
        ip, app = first_ip(logged["ip"]), logged["sp"] or None
    else:
        named, address = _USER.search(h.msg), _IP.search(whole)
        address = address.group(1) if address else h.client
        user, ip, app = named.group(1) if named else None, first_ip(address) if address else None, None
    time, local = p.when
    yield LogEvent(source=src(path, p.no), time=time, product=product, side="sp", outcome=outcome,
                   text=text, code=code, user=user, ip=ip,
                   request_id=_closed(flows, h.thread, p.flow, outcome, p.no), saml_ids=ids,
                   app=app, raw_code=raw_code, local_time=local,
                   guessed=_named_engine(lib, file_lib) is None)


_NO_USER = ("", "anonymousUser")
"""SAMLDefaultLogger's principal field when no user is logged in (Spring's anonymous principal)."""


def _logged_outcome(logged: re.Match, entry) -> tuple[str, str | None]:
    """(outcome, code) of a SAMLDefaultLogger line: a FAILURE is one whatever its level (INFO), a
    successful AuthNResponse a login; the rest (an AuthNRequest sent) is info."""
    if logged["op"] not in ("AuthNRequest", "AuthNResponse"):
        return "info", None  # a logout (LogoutRequest;FAILURE: the IdP has no SLO endpoint) is no login
    if logged["result"] == "FAILURE":
        return "failure", entry.code if entry is not None else "unknown-failure"
    return ("success" if logged["op"] == "AuthNResponse" else "info"), None


FLOW_GAP = timedelta(seconds=1)
"""Records of one thread at most this far apart are one request's (java-saml's ERROR, its
'processResponse error.' and the app's own line come within milliseconds)."""
_MAX_THREADS = 4096


def _flow(flows: dict, thread: str | None, time: datetime | None, no: int, msg: str) -> str | None:
    """A flow ID for the record: the thread's current one while its records follow each other
    closely and name no other SAML message, else a new one (a thread serves many requests, one at
    a time; two logins on one worker thread within the gap name two Response IDs)."""
    if not thread or time is None:
        return None
    ids = {next(g for g in m if g) for m in _SAML_IDS.findall(msg)}
    last = flows.get(thread)
    if last is not None and last[0] is not None and abs(time - last[0]) <= FLOW_GAP \
            and not (ids and last[2] and ids.isdisjoint(last[2])):
        last[0] = time
        last[2] |= ids
        return last[1]
    if len(flows) >= _MAX_THREADS and thread not in flows:
        del flows[next(iter(flows))]  # the thread seen longest ago
    flows.pop(thread, None)
    flows[thread] = [time, f"{thread.strip()}@{no}", ids, None, time if last is None else None]
    return flows[thread][1]


def _time_of(line: str, tz: tzinfo) -> datetime | None:
    """The time of a text layout's line (None: not one)."""
    h = parse_header(line)
    return parse_iso(h.time_text, tz)[0] if h is not None else None


def _closed(flows: dict, thread: str | None, flow: str | None, outcome: str, no: int) -> str | None:
    """The flow of a record that decides a login: a thread's flow that already succeeded (or
    failed) and now says the other is the thread's next login (java-saml's 'processResponse
    success' and, 0.7 s later, another user's audience error)."""
    last = flows.get(thread) if thread else None
    if last is None or last[1] != flow or outcome not in ("success", "failure"):
        return flow
    if last[3] is not None and last[3] != outcome:
        last[1] = f"{thread.strip()}@{no}"
        last[2] = set()
    last[3] = outcome
    return last[1]


def _file_lib(current: str | None, seen: str | None) -> str | None:
    """The library the file is about: Spring wins over the OpenSAML it runs on."""
    if seen is None or current == "spring":
        return current
    return seen


def _named_engine(lib: str | None, file_lib: str | None) -> str | None:
    """The SAML library the record or its file names (its logger, class or catalog text)."""
    if lib == "opensaml" and file_lib == "spring":
        return "spring"
    return lib if lib is not None else file_lib


def _product(lib: str | None, file_lib: str | None, language: str) -> str:
    """The named library, else the language's usual one: a guess, whose texts are looked up (a
    text found so names no engine: the lookup preferred the guess's texts)."""
    return _named_engine(lib, file_lib) or _TOOLKIT.get(language, "java-saml")


_TOOLKIT = {"java": "java-saml", "python": "python3-saml", "php": "php-saml"}
"""The OneLogin toolkit of each language (they share their texts: catalog._FAMILY): an app log's
usual SAML library when it names none, and the one a toolkit's text found in it stands for."""


def _in_language(lib: str | None, language: str) -> str | None:
    """The library, told by the log's language where a name is both toolkits': OneLogin_Saml2_Error
    is python3-saml's class and php-saml 2.x's, its own in a PHP log (PHP's error log, Monolog)."""
    return "php-saml" if lib == "python3-saml" and language == "php" else lib


def _add_continuation(p: _Pending, line: str) -> None:
    """Keep what the event needs from a stack trace: exception lines (Java's first line and its
    'Caused by:'s, Python's 'module.Class: message' lines), and a few other unindented lines."""
    text = line.rstrip()
    if p.header.layout == "dotnet-console" and line.startswith(_DOTNET_INDENT):
        line = text = text[len(_DOTNET_INDENT):]  # its message and exception lines; frames stay indented
        if not p.header.msg:
            p.header = replace(p.header, msg=text)
            return
    if line[:1] in " \t":  # '\tat ...', '    ... 42 more', '  File "...", line 3', code lines
        return
    if text.startswith(("Traceback (most recent call last)", "During handling of the above",
                        "The above exception was the direct cause")):
        return
    m = _EXC.match(text)
    if m and (_EXC_SUFFIX.search(m["cls"]) or library(m["cls"])) and ("." in m["cls"] or m["msg"]):
        if len(p.excs) < _MAX_EXTRA:
            p.excs.append(text.removeprefix("Caused by: "))
        return
    if len(p.extra) < _MAX_EXTRA:
        p.extra.append(text)


_DOTNET_INDENT = " " * 6
"""ASP.NET Core's console logger indents a record's message and exception lines by six spaces
(SimpleConsoleFormatter: _messagePadding, the width of 'fail: ')."""


def _exc_text(exc: str) -> str:
    """The message of an exception line ('a.b.Saml2AuthenticationException: Invalid ...')."""
    m = _EXC.match(exc)
    return (m["msg"] or "").strip() if m else exc


# --- JSON app logs (Node: winston, pino, bunyan; any logger writing one object a line) ----------

_JSON_MESSAGE = ("message", "msg")
_JSON_TIME = ("timestamp", "time", "@timestamp", "date", "asctime")
"""(`asctime`: python-json-logger's name for logging's time, local and without a zone.)"""
_JSON_ERRORS = ("err", "error", "cause", "exception", "errors")
"""Where Node loggers put the error beside the message: pino/bunyan's `err` (serialized:
message, name, stack), winston's `error`/`cause` (OpenCTI: `cause`, older `errors[]`)."""
_NUMERIC_LEVEL = {10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "ERROR"}
"""pino's and bunyan's numeric levels."""
_JSON_IP = ("remoteAddress", "remote_addr", "ip", "clientIp", "client_ip")


def _json_failure(line: str) -> bool:
    """Sniffing: a JSON log line with a message, an error object beside it (Node loggers' `err`,
    `error`, `cause`) and a SAML library named in it. (Products' own JSON logs name their errors
    otherwise: SonarQube's `stacktrace`, Keycloak's `exception` is read by the Keycloak reader.)"""
    line = line.lstrip("\ufeff \t")
    if not line.startswith("{") or library(line) is None:
        return False
    obj = json_or_none(line)
    return isinstance(obj, dict) and any(isinstance(obj.get(k), str) for k in _JSON_MESSAGE) and (
        any(isinstance(obj.get(k), (dict, list)) for k in _JSON_ERRORS) or bool(_stack_text(obj)))


def _json_line(line: str, cut: bool) -> list[dict] | str | None:
    """The records of a JSON log line (an export wrapper's too) that have a message; an error text
    for a JSON line too long to read; None for a line of text (npm's banner, a stack trace, a text
    record's continuation)."""
    line = line.lstrip("\ufeff \t")
    if not line.startswith("{"):
        return None
    if cut:
        return f"JSON record larger than {MAX_TEXT_LINE} characters"
    obj = json_or_none(line)
    if obj is None:
        return None
    listed = unwrap(obj)
    records = [rec for rec in (listed if listed is not None else [obj])
               if isinstance(rec, dict) and _json_message(rec) is not None]
    return records or None


def _json_message(obj: dict) -> str | None:
    return next((obj[k] for k in _JSON_MESSAGE if isinstance(obj.get(k), str)), None)


def _json_records(obj: dict, no: int, path: str, tz: tzinfo) -> Iterator[tuple[Record, str | None]]:
    """The events of a JSON log record: its message, its error objects' messages as the exception
    lines of a stack trace, the library named anywhere in the record; the SAML messages in any of
    its fields (pino-http's `req.body.SAMLResponse`)."""
    message = _json_message(obj)
    when = _json_time(obj, tz)
    text = json.dumps(obj, ensure_ascii=False)
    lib = library(text)
    if _HINT.search(text):
        yield from _logged_by(None, _json_embedded(obj, path, no, when, lib or NAME))
    level = _json_level(obj)
    if lib is None and level not in ("WARN", "ERROR"):
        return
    logger = obj.get("name") or obj.get("category") or obj.get("logger_name") or obj.get("logger")
    header = _Header("json", "node", None, level, logger if isinstance(logger, str) else "", message)
    pending = _Pending(no, header, lib, when, None, excs=_json_errors(obj))
    for line in (_stack_text(obj) or "").strip().split("\n"):  # read as a text log's stack trace
        _add_continuation(pending, line)
    ip = _json_ip(obj)
    for rec, logger in _logged_by(pending, _finish(pending, path, lib, {})):
        if ip and isinstance(rec, LogEvent) and rec.ip is None:
            rec = replace(rec, ip=ip)
        yield rec, logger


_MAX_JSON_NODES = 1000
"""Values of one record visited for its errors or SAML messages: a record's `errors` array may
hold hundreds of thousands of items (each visited once: walking all was seconds a record)."""


def _json_values(roots: Iterable, descend) -> Iterator:
    """The values under `roots`, breadth first, lists opened (at most _MAX_JSON_NODES visited);
    `descend(dict)` names a dict's values to visit next."""
    todo = deque(roots)
    for left in range(_MAX_JSON_NODES, 0, -1):
        if not todo:
            return
        value = todo.popleft()
        if isinstance(value, (list, dict)):
            todo.extend(islice(value if isinstance(value, list) else descend(value), left))
            while len(todo) > left:  # (never visited)
                todo.pop()
        if not isinstance(value, list):
            yield value


def _json_embedded(obj: dict, path: str, no: int, when: tuple, product: str) -> Iterator[Record]:
    """The SAML messages in the record's string fields (its message first), each once (`when`:
    the record's (time, written without a zone))."""
    seen: set[str] = set()
    message = _json_message(obj)
    strings = (v for v in _json_values([message, obj], dict.values) if isinstance(v, str))
    for value in strings:
        if not _HINT.search(value):
            continue
        for rec in embedded_records(path, no, value, when[0], product, None, local_time=when[1]):
            if rec.value not in seen:
                seen.add(rec.value)
                yield rec


def _json_time(obj: dict, tz: tzinfo) -> tuple[datetime | None, bool]:
    for key in _JSON_TIME:
        value = obj.get(key)
        if isinstance(value, str):
            return parse_iso(value, tz)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return from_epoch(value), False  # pino: epoch milliseconds, or seconds (unixTime)
    return None, False


def _json_level(obj: dict) -> str:
    """The record's level word; pino's and bunyan's numbers; a level not a finite number or
    word (JSON parsers take NaN, Infinity and 1e400) is unknown: INFO."""
    value = obj.get("level", obj.get("severity", obj.get("levelname")))  # (levelname: python-json-logger)
    if isinstance(value, float) and not math.isfinite(value):
        return "INFO"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _NUMERIC_LEVEL.get(int(value) // 10 * 10, "ERROR" if value >= 50 else "INFO")
    return _norm_level(str(value or "INFO"))


_JSON_STACK = ("stack_trace", "exception", "exc_info")
"""A stack trace as one string beside the message: logstash-logback-encoder's `stack_trace`
(LogstashEncoder, the JSON layout of most Spring apps shipped to ELK), log4j2 JsonLayout's
`exception`, python-json-logger's `exc_info` (a Python traceback)."""


def _stack_text(obj: dict) -> str | None:
    return next((v for k in _JSON_STACK if isinstance(v := obj.get(k), str) and "\n" in v.strip()), None)


def _json_errors(obj: dict) -> list[str]:
    """The exception lines of the record's errors, outermost first: a stack's first line
    ('Error: Invalid document signature'), else '<name>: <message>'."""
    found: list[str] = []
    for err in _json_values([obj.get(k) for k in _JSON_ERRORS], _nested_errors):
        if len(found) >= _MAX_EXTRA:
            break
        if not isinstance(err, dict):
            continue
        stack, message = err.get("stack"), err.get("message")
        if isinstance(stack, str) and stack.strip():
            found.append(stack.strip().split("\n", 1)[0].strip())
        elif isinstance(message, str) and message.strip():
            found.append(f"{err.get('name') or 'Error'}: {message.strip()}")
    return found


def _nested_errors(err: dict) -> Iterator:
    return (err.get(k) for k in ("cause", "err", "error"))


def _json_ip(obj: dict) -> str | None:
    """The client address a request logger puts beside the error (pino-http/bunyan `req`)."""
    for holder in (obj, obj.get("req") if isinstance(obj.get("req"), dict) else {}):
        for key in _JSON_IP:
            value = holder.get(key)
            if isinstance(value, str) and first_ip(value):
                return first_ip(value)
    return None


# --- logfmt app logs (Go: Grafana's console/file log, go-kit/log, logrus' text formatter) -----

_LOGFMT_START = lazyre.compile(r"(?:logger|t|ts|time|level|lvl)=[^\s=]")
_LOGFMT_KEY = lazyre.compile(r"[ \t]*([\w.@-]+)=")
_LOGFMT_QUOTED = lazyre.compile(r'"((?:[^"\\]|\\.)*+)"')
_LOGFMT_BARE = lazyre.compile(r'[^\s"]*+')
_LOGFMT_NAMES = {"t": "time", "ts": "time", "lvl": "level", "err": "error"}
"""logfmt keys as the JSON records' reader names them: Grafana's `t`, go-kit's `ts`, log15's
`lvl` (Grafana before 8.x), `err`."""
_MAX_LOGFMT_FIELDS = 200


def _logfmt(line: str) -> dict | None:
    """A logfmt line (`logger=authn.service t=2024-05-14T09:12:45.12Z level=error msg="Failed to
    authenticate request" client=auth.client.saml error="..."`) as a JSON log's record: its
    message, time, level, logger, its `error` as an error object; None for any other line."""
    if not _LOGFMT_START.match(line):
        return None
    fields: dict = {}
    pos = 0
    while len(fields) < _MAX_LOGFMT_FIELDS:
        key = _LOGFMT_KEY.match(line, pos)
        if key is None:
            break
        pos = key.end()
        quoted = _LOGFMT_QUOTED.match(line, pos) if line.startswith('"', pos) else None
        if quoted is None and line.startswith('"', pos):
            fields.setdefault(key[1], line[pos + 1:])  # unterminated: the rest of the line (linear)
            break
        value = _unquote(quoted[1]) if quoted else _LOGFMT_BARE.match(line, pos)[0]
        pos = quoted.end() if quoted else pos + len(value)
        fields.setdefault(_LOGFMT_NAMES.get(key[1], key[1]), value)
    if not isinstance(fields.get("msg"), str) or "level" not in fields:
        return None
    if fields.get("error"):
        fields["error"] = {"message": fields["error"]}  # (Go's error text: no class, no stack)
    return fields


def _unquote(text: str) -> str:
    """A quoted logfmt value's text (go-logfmt escapes as Go's strconv.Quote: \\", \\\\, \\n, \\u...)."""
    if "\\" not in text:
        return text
    try:
        return json.loads(f'"{text}"')
    except ValueError:
        return text.replace('\\"', '"')


def _logfmt_named(line: str) -> bool:
    """Sniffing: a logfmt line that names a SAML library (Grafana's `client=auth.client.saml`)."""
    return library(line) is not None and _logfmt(line) is not None


PARSER = AppLogParser()
LATE = LateAppLogParser()
