"""Record real browser HARs of SAML logins against a local SonarQube + IdP rig.

    NODE_PATH=/tmp/livehar-npm/node_modules python tests/data/livehar/record.py

Two http.server threads on the loopback play SonarQube (SP, http://127.0.0.1:18080) and an IdP
(http://localhost:18081, another host so each keeps its own cookies); record.mjs drives
/usr/bin/chromium through the login and writes the HAR with a real HAR writer. The SAML messages
come from fixtures/samlgen with the TEST-ONLY keys in fixtures/keys, built when the browser asks
for them, so their times are valid at capture time. Nothing here touches a signed message after
signing. Re-recording changes every file (times, IDs): update the tests' expectations if needed.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import os
import secrets
import subprocess
import sys
import threading
import zlib
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from lxml import etree

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT / "fixtures"))

from gen_scenarios import OKTA_STYLE  # noqa: E402
from samlgen import keys as K  # noqa: E402
from samlgen import scenario as S  # noqa: E402
from samlgen.content import AssertionContent, NameId, ResponseContent, Status, okta_attributes  # noqa: E402
from samlgen.render import render  # noqa: E402

SP = "http://127.0.0.1:18080"
IDP = "http://localhost:18081"
ACS = SP + "/oauth2/callback/saml"
SSO = IDP + "/app/sonarqube/sso/saml"
USER = "dev.user1@example.com"
JWT_SECRET = b"TEST-ONLY livehar rig secret"

# name -> (IdP signing key, Audience, IdP Status, SonarQube's java-saml message (docs/logformats.md 2.1))
SCENARIOS = {
    "good": ("idp", S.SP_ENTITY_ID, None, None),
    "wrongkey": ("idp-new", S.SP_ENTITY_ID, None, "Signature validation failed. SAML Response rejected"),
    "audience": ("idp", "https://sonar.example.com/saml2", None,
                 "sonarqube is not a valid audience for this Response"),
    "status": ("idp", S.SP_ENTITY_ID, Status(S.STATUS_RESPONDER, S.STATUS_REQUEST_DENIED, "User is not assigned to this application"),
               "The status code of the Response was not Success, was urn:oasis:names:tc:SAML:2.0:status:Responder"
               " -> User is not assigned to this application"),
}
TOOLS = {"pw-embed": ".har", "pw-minimal": ".har", "pw-zip": ".zip", "chrome-har": ".har"}
CURRENT = {"scenario": "good"}


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def authn_request(rid: str, now: datetime) -> bytes:
    """SonarQube's AuthnRequest (java-saml layout), issued now."""
    p, a = S.NS_P, S.NS_A
    root = etree.Element(f"{{{p}}}AuthnRequest", nsmap={"samlp": p, "saml": a})
    for k, v in (("ID", rid), ("Version", "2.0"), ("IssueInstant", iso(now)), ("Destination", SSO),
                 ("ProtocolBinding", S.BINDING_POST), ("AssertionConsumerServiceURL", ACS)):
        root.set(k, v)
    etree.SubElement(root, f"{{{a}}}Issuer").text = S.SP_ENTITY_ID
    etree.SubElement(root, f"{{{p}}}NameIDPolicy", Format=S.NAMEID_UNSPECIFIED, AllowCreate="true")
    return etree.tostring(root)


def response(in_response_to: str, now: datetime, scenario: str) -> bytes:
    """The IdP's signed Response, windows around now (Okta's: 5 minutes either side)."""
    key, audience, status, _ = SCENARIOS[scenario]
    n = now.replace(microsecond=0)
    times = S.Times(issue_instant=n, not_before=n - timedelta(minutes=5), not_on_or_after=n + timedelta(minutes=5),
                    scd_not_on_or_after=n + timedelta(minutes=5), authn_instant=n - timedelta(seconds=3),
                    session_not_on_or_after=n + timedelta(hours=8))
    a = AssertionContent(id="_a" + secrets.token_hex(16), name_id=NameId(USER), recipient=ACS,
                         in_response_to=in_response_to, audiences=(audience,),
                         attributes=okta_attributes(USER), times=times)
    r = ResponseContent(id="_r" + secrets.token_hex(16), assertions=() if status else (a,), destination=ACS,
                        in_response_to=in_response_to, issue_instant=n, status=status or Status())
    return render(r, OKTA_STYLE, K.load(key))


def inflate(b64: str) -> bytes:
    return zlib.decompress(base64.b64decode(b64), -15)


def deflate(xml: bytes) -> str:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return base64.b64encode(c.compress(xml) + c.flush()).decode()


def page(title: str, body: str) -> bytes:
    return f"<!DOCTYPE html><html><head><title>{title}</title></head><body>{body}</body></html>".encode()


def jwt(login: str) -> str:
    enc = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()  # noqa: E731
    body = enc({"alg": "HS256", "typ": "JWT"}) + "." + enc({"sub": login, "iat": int(datetime.now().timestamp())})
    sig = hmac.new(JWT_SECRET, body.encode(), hashlib.sha256).digest()
    return body + "." + base64.urlsafe_b64encode(sig).rstrip(b"=").decode()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a) -> None:  # quiet
        pass

    def send(self, status: int, body: bytes = b"", headers=(), ctype: str = "text/html;charset=utf-8") -> None:
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if body or status == 200:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class SonarQube(Handler):
    """/sessions/init/saml, the ACS, and the two pages a login ends on (docs/logformats.md 1.3)."""

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/sessions/init/saml":
            rid = "ONELOGIN_" + secrets.token_hex(20)
            state = secrets.token_hex(16)
            xml = authn_request(rid, datetime.now(timezone.utc))
            loc = SSO + "?" + urlencode({"SAMLRequest": deflate(xml), "RelayState": state})
            oauth = hashlib.sha256(state.encode()).hexdigest()
            self.send(302, headers=[("Location", loc),
                                    ("Set-Cookie", f"OAUTHSTATE={oauth}; Path=/; Max-Age=300; HttpOnly")])
        elif url.path == "/":
            self.send(200, page("SonarQube", "<h1>Projects</h1>"))
        elif url.path == "/sessions/unauthorized":
            self.send(200, page("SonarQube", "<h1>You're not authorized to access this page. "
                                             "Please contact the administrator.</h1>"))
        else:
            self.send(404, page("Not found", "Not found"))

    def do_POST(self) -> None:
        form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode())
        message = SCENARIOS[CURRENT["scenario"]][3]
        clear = "OAUTHSTATE=; Path=/; Max-Age=0; HttpOnly"
        if "SAMLResponse" not in form:
            self.send(400, page("Bad request", "no SAMLResponse"))
        elif message is None:
            self.send(302, headers=[("Location", "/"), ("Set-Cookie", clear),
                                    ("Set-Cookie", f"JWT-SESSION={jwt('devuser1')}; Path=/; HttpOnly; SameSite=Lax"),
                                    ("Set-Cookie", f"XSRF-TOKEN={secrets.token_hex(16)}; Path=/")])
        else:
            self.send(302, headers=[("Location", "/sessions/unauthorized"), ("Set-Cookie", clear),
                                    ("Set-Cookie", f"AUTHENTICATION-ERROR={quote(message)}; Path=/; Max-Age=300")])


class Idp(Handler):
    """The SSO URL: an auto-submitting form that POSTs the Response to the ACS (as Okta does)."""

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path != urlsplit(SSO).path or "SAMLRequest" not in q:
            return self.send(404, page("Not found", "Not found"))
        rid = etree.fromstring(inflate(q["SAMLRequest"])).get("ID")
        xml = response(rid, datetime.now(timezone.utc), CURRENT["scenario"])
        fields = "".join(f'<input type="hidden" name="{k}" value="{html.escape(v)}"/>' for k, v in
                         (("SAMLResponse", base64.b64encode(xml).decode()), ("RelayState", q.get("RelayState", ""))))
        body = page("Signing in", f'<form id="appForm" method="POST" action="{html.escape(ACS)}">{fields}'
                                  '<noscript><input type="submit" value="Continue"/></noscript></form>'
                                  '<script>document.getElementById("appForm").submit();</script>')
        self.send(200, body, headers=[("Cache-Control", "no-cache, no-store")])


def serve(handler, port: int) -> ThreadingHTTPServer:
    srv = ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def main() -> int:
    servers = [serve(SonarQube, 18080), serve(Idp, 18081)]
    env = dict(os.environ, NODE_PATH=os.environ.get("NODE_PATH", "/tmp/livehar-npm/node_modules"))
    try:
        for scenario in SCENARIOS:
            CURRENT["scenario"] = scenario
            for tool, ext in TOOLS.items():
                out = HERE / f"{scenario}.{tool}{ext}"
                subprocess.run(["node", str(HERE / "record.mjs"), tool, SP + "/sessions/init/saml?return_to=%2F",
                                str(out)], check=True, env=env, timeout=120)
                print(out.name, out.stat().st_size)
    finally:
        for s in servers:
            s.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
