"""WSO2 Identity Server: carbon's wso2carbon.log, its SAML SSO error lines.

Layout: log4j2's `[%d] [%X{Correlation-ID}] %5p {%c} - %m` (IS 5.9 and later; earlier releases
without the correlation ID: `[%d] %5p {%c} - %m`), e.g. '[2026-03-03 10:00:01,123] [9f1c...]  WARN
{org.wso2.carbon.identity.sso.saml.processors.SPInitSSOAuthnRequestProcessor} - ...'. `%d` is the
server's local time without a zone. A WARN or ERROR of an org.wso2.carbon.identity.sso.saml /
identity.saml logger whose message the catalog knows is a failure; the texts are those of
wso2-extensions/identity-inbound-auth-saml (SAMLSSOService, SPInitSSOAuthnRequestValidator,
SAMLSSOUtil): 'A Service Provider with the Issuer '<sp>' is not registered. Service Provider should
be registered in advance', 'Signature validation for Authentication Request failed',
'ALERT: Invalid Assertion Consumer URL value '<acs>' in the AuthnRequest message from  the issuer
'<sp>''. These lines name no user: a login is found by its time and SP only.
"""
from __future__ import annotations

import re
from datetime import tzinfo
from typing import Iterable, Iterator

from samlscan.logs._common import known_failure, text_lines
from samlscan.logs.base import Record

PRODUCT = "wso2"
_LINE = re.compile(r"^\[(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:[,.]\d{1,9})?)\]\s+(?:\[([^\]]*)\]\s+)?"
                   r"(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\s+\{(org\.wso2\.[^}]*)\}\s+-\s?(.*)$")
_SAML_LOGGER = re.compile(r"^org\.wso2\.carbon\.identity\.(?:sso\.saml|saml|application\.authentication\.framework)")
_ISSUER = re.compile(r"[Ii]ssuer\s*(?:'|:\s*)([^'\s]+)")


class Wso2Parser:
    name = PRODUCT
    empty_reason = "a WSO2 carbon log with no SAML SSO error"

    def sniff(self, head: str) -> bool:
        return any(_LINE.match(line) for line in head.splitlines()[:50])

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo) -> Iterator[Record]:
        for no, line in text_lines(lines):
            m = _LINE.match(line)
            if m is None:
                continue  # (a stack trace line, a multi-line message's rest)
            when, corr, level, logger, msg = m.groups()
            if _SAML_LOGGER.match(logger):
                sp = _ISSUER.search(msg)
                yield from known_failure(PRODUCT, path, no, "wso2carbon.log", when, level, msg, tz,
                                         correlation_id=corr or None, app=sp[1] if sp else None)


PARSER = Wso2Parser()
