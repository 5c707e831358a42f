"""Write a realistic SonarQube web.log of a given size (text layout, as sonar-process LogbackHelper).

Mostly INFO noise from many loggers, some WARN/ERROR with Java stack traces, and a few SAML login
failures and successes of both engines (java-saml texts and Spring Security SAML2 texts),
including java-saml 'SAMLResponse invalid -->' dumps. Deterministic for a given seed.

    python benchmarks/gen_weblog.py OUT SIZE_MB [--seed N]
"""
from __future__ import annotations

import argparse
import base64
import random
from datetime import datetime, timedelta

NOISE = [
    ("o.s.s.w.WebServiceEngine", "Request {path} took {ms} ms"),
    ("o.s.s.e.EsClient", "cluster health {health}"),
    ("o.s.s.c.q.CeQueueImpl", "Task {task} submitted for component {proj}"),
    ("o.s.s.p.ServerFileSystemImpl", "SonarQube home: /opt/sonarqube"),
    ("o.s.s.e.IndexCreator", "Create type issues/issue"),
    ("o.s.s.q.ProjectsInWarningDaemon", "Counting number of projects in warning is not started"),
    ("o.s.s.i.i.IssueIndexer", "Indexing {ms} issues of {proj}"),
    ("o.s.s.n.NotificationDaemon", "Notification service started (delay 60 sec.)"),
    ("o.s.s.p.UpdateCenterClient", "Update center: https://downloads.sonarsource.com/sonarqube/update/update-center.properties"),
    ("o.s.s.p.w.MasterServletFilter", "Initializing servlet filter {proj}"),
    ("o.s.s.c.t.CeProcessingSchedulerImpl", "Executed task | project={proj} | type=REPORT | status=SUCCESS | time={ms}ms"),
    ("o.s.s.u.ws.SearchAction", "search users page {ms} of {ms}"),
]
PATHS = ["/api/system/status", "/api/issues/search", "/api/measures/component", "/api/ce/activity",
         "/api/qualitygates/project_status", "/api/navigation/global", "/api/components/show"]
TRACE = ["java.lang.IllegalStateException: Unable to blame file {f}",
         "\tat org.sonar.server.source.ws.ShowAction.handle(ShowAction.java:93)",
         "\tat org.sonar.server.ws.WebServiceEngine.execute(WebServiceEngine.java:111)",
         "\tat org.sonar.server.ws.WebServiceFilter.doFilter(WebServiceFilter.java:84)",
         "\tat org.sonar.server.platform.web.MasterServletFilter$GodFilterChain.doFilter(MasterServletFilter.java:153)",
         "\tat org.apache.catalina.core.ApplicationFilterChain.internalDoFilter(ApplicationFilterChain.java:178)",
         "\tat org.apache.catalina.core.StandardWrapperValve.invoke(StandardWrapperValve.java:168)",
         "\tat java.base/java.lang.Thread.run(Thread.java:840)",
         "Caused by: java.io.IOException: Broken pipe",
         "\t... 42 common frames omitted"]
SAML_FAIL = [
    ("ERROR", "c.o.s.a.SamlResponse", "https://sonar.example.com/saml2 is not a valid audience for this Response"),
    ("ERROR", "c.o.s.a.SamlResponse", "Could not validate timestamp: expired. Check system clock."),
    ("ERROR", "c.o.saml2.Auth", "processResponse error. invalid_response"),
    ("ERROR", "c.o.s.a.SamlResponse", "Signature validation failed. SAML Response rejected"),
    ("WARN", "o.s.s.a.AuthenticationError", "Fail to callback"),
    ("ERROR", "o.s.s.s.SamlAuthenticator", "Invalid signature for object [{id}]: Signature cryptographic validation not successful"),
]
DUMP = base64.b64encode(b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
                        b'ID="_9d41c2a7e0" Version="2.0" IssueInstant="2025-03-11T08:40:59Z"/>').decode()


SAML_SHARE = 0.01
"""Share of lines that start a SAML login (1%: far denser than a real server's web.log, where
logins are a few per hour among thousands of requests; the benchmark's default stays this dense)."""


def lines(rng: random.Random, start: datetime, saml_share: float = SAML_SHARE):
    saml = 1 - saml_share  # bands below it: WARN traces 1%, DEBUG requests 2.5%, INFO noise
    t = start
    n = 0
    while True:
        n += 1
        t += timedelta(milliseconds=rng.randint(5, 900))
        ts = t.strftime("%Y.%m.%d %H:%M:%S")
        rid = "AZWEd1kLm9Qz" + format(n % 0xFFFFFFF, "08X")
        r = rng.random()
        if r < 0.005:  # rare startup/servlet lines that name auth/Response (prefilter hits, no event)
            yield f"{ts} INFO  web[{rid}][o.s.s.p.w.MasterServletFilter] Response header filter for {rng.choice(PATHS)}\n"
        elif r < saml - 0.035:
            logger, tmpl = rng.choice(NOISE)
            msg = tmpl.format(path=rng.choice(PATHS), ms=rng.randint(1, 900), health=rng.choice(("GREEN", "YELLOW")),
                              task="AZ" + format(rng.getrandbits(40), "x"), proj=f"proj-{rng.randint(1, 400)}")
            yield f"{ts} INFO  web[{rid}][{logger}] {msg}\n"
        elif r < saml - 0.01:
            yield f"{ts} DEBUG web[{rid}][o.s.s.w.WebServiceEngine] Request {rng.choice(PATHS)} took {rng.randint(1, 90)} ms\n"
        elif r < saml:
            yield f"{ts} WARN  web[{rid}][o.s.s.w.WebServiceEngine] Fail to process request {rng.choice(PATHS)}\n"
            for tl in TRACE[:rng.randint(3, len(TRACE))]:
                yield tl.format(f=f"src/main/java/F{rng.randint(1, 999)}.java") + "\n"
        else:
            user = f"user{rng.randint(1, 5000)}"
            if rng.random() < 0.3:
                yield (f"{ts} DEBUG web[{rid}][o.s.s.a.UserRegistrarImpl] Adding user '{user}' to group 'sonar-users'\n")
                yield (f"{ts} DEBUG web[{rid}][auth.event] login success [method|OAUTH2][provider|EXTERNAL|Corp SSO]"
                       f"[IP|10.20.0.5|203.0.113.{rng.randint(1, 254)}][login|{user}]\n")
                continue
            if rng.random() < 0.2:
                yield f"{ts} DEBUG web[{rid}][c.o.saml2.Auth] SAMLResponse invalid --> {DUMP}\n"
            level, logger, msg = rng.choice(SAML_FAIL)
            msg = msg.format(id="_" + format(rng.getrandbits(64), "x"))
            yield f"{ts} {level:5} web[{rid}][{logger}] {msg}\n"
            if level == "WARN":
                yield "org.sonar.server.authentication.event.AuthenticationException: Fail to callback\n"
                yield "\tat org.sonar.auth.saml.SamlIdentityProvider.callback(SamlIdentityProvider.java:101)\n"
                yield "Caused by: org.opensaml.core.xml.io.UnmarshallingException: SAML response is not signed\n"
            yield (f"{ts} DEBUG web[{rid}][auth.event] login failure [cause|{msg}][method|OAUTH2]"
                   f"[provider|EXTERNAL|Corp SSO][IP|10.20.0.5|198.51.100.{rng.randint(1, 254)}][login|]\n")


def _odd_lines(rng: random.Random, ts: str, rid: str) -> list[str]:
    """Lines the benchmark mix lacks, for tests of the prefilter: each kind of record the
    SonarQube parser reads or skips, keep literals on continuation lines of skipped records,
    SAML dumps in unrelated loggers, malformed and blank lines, CRLF endings."""
    xml = '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x' + format(
        rng.getrandbits(32), "x") + '" Version="2.0"></samlp:Response>'
    b64 = base64.b64encode(xml.encode()).decode()
    plain = base64.b64encode(b'<Response ID="_p" Version="2.0"><Status/></Response>').decode()
    return rng.choice([
        [f"{ts} INFO  web[{rid}][o.s.s.w.WebServiceEngine] Request /api/x took 3 ms\n",
         "Caused by: java.lang.IllegalStateException: SAML Response rejected at WARN level\n"],
        [f"{ts} INFO  web[{rid}][o.s.s.p.Foo] posted SAMLResponse={b64}&RelayState=x\n"],
        [f"{ts} DEBUG web[{rid}][o.s.s.p.Bar] body {xml}\n"],
        [f"{ts} INFO  web[{rid}][o.s.s.p.Bar] payload {plain} end\n"],
        [f"{ts} INFO  web[{rid}][org.sonar.server.authentication.OAuth2CallbackFilter] callback\r\n"],
        [f"{ts} ERROR web[{rid}][o.s.s.a.AuthenticationError] Fail to callback\r\n",
         "org.sonar.server.authentication.event.AuthenticationException: Fail to callback\r\n",
         "\tat org.sonar.auth.saml.SamlIdentityProvider.callback(SamlIdentityProvider.java:101)\r\n",
         "Caused by: java.lang.IllegalArgumentException: Invalid assertion [_a1] for SAML response [_r1]\r\n"],
        [f"{ts} WARN  web[{rid}][o.s.s.w.WebServiceEngine] saml metadata refresh failed\n", "\n",
         "  [1] SubjectConfirmationData NotOnOrAfter is in the past\n"],
        [f"{ts} garbage without level or logger that mentions SAML\n"],
        [f"{ts} INFO  web[{rid}][auth.event] login failure [cause|bad][login|x]\n"],
        [f"{ts} DEBUG web[{rid}][auth.event] logout success [IP|10.0.0.1|][login|u]\n"],
        [f"{ts} DEBUG web[{rid}][auth.event] logout failure [error|Token expired][IP|10.0.0.1|]\n"],
        [f"{ts} DEBUG web[{rid}][auth.event] login failure [cause|first half\n",
         "second half][method|OAUTH2][provider|EXTERNAL|SAML][IP|10.0.0.1|][login|u]\n"],
        [f"{ts} DEBUG web[{rid}][o.s.a.s.SonarqubeSaml2ResponseValidator] Saml validation errors: []\n"],
        [f"{ts} INFO  web[{rid}][o.s.s.a.UserRegistrarImpl] Removing group 'admins' from user 'u9'\n"],
        [f"{ts} DEBUG web[{rid}][c.o.saml2.Auth] SAMLResponse --> {b64}\n"],
        [f"{ts} INFO  web[{rid}][o.s.s.p.Big] {'Response ' * 5} {'x' * 3000}\n"],
        [f"{ts} WARN  web[{rid}][o.s.s.p.Odd] the sAmL handshake stalled\n", "\tat x.Y.z(Y.java:1)\n"],
        [f"{ts} ERROR web[{rid}][o.s.s.p.Odd] unrelated failure\n", "\tat x.Y.z(Y.java:1)\n"],
        [f'{ts} INFO  web[{rid}][o.s.s.p.Baz] got <Response ID="_q{rid}" Version="2.0"><Status/></Response>\n'],
        [f'{ts} INFO  web[{rid}][o.s.s.p.Baz] got <x:Assertion xmlns:x="urn:oasis:names:tc:SAML:2.0:assertion" '
         f'ID="_a{rid}" Version="2.0"></x:Assertion>\n'],
        [f'{ts} INFO  web[{rid}][o.s.s.p.Baz] got <LogoutRequest ID="_l{rid}" Version="2.0"></LogoutRequest>\n'],
        ["\n", "   \n"],
    ])


def write_every_kind(path: str, size_mb: float, seed: int = 7, odd: float = 0.05) -> int:
    """The benchmark mix with a share `odd` of _odd_lines records in between (for tests)."""
    rng = random.Random(seed)
    target = int(size_mb * 1024 * 1024)
    written = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        for n, line in enumerate(lines(rng, datetime(2025, 3, 11, 8, 0, 0))):
            chunk = [line]
            if rng.random() < odd and line[:4].isdigit():
                chunk = _odd_lines(rng, line[:19], f"AZodd{n:08X}") + chunk
            text = "".join(chunk)
            fh.write(text)
            written += len(text)
            if written >= target:
                break
    return written


def write(path: str, size_mb: float, seed: int = 7, saml_share: float = SAML_SHARE) -> int:
    """Write about size_mb MiB; returns the byte count."""
    rng = random.Random(seed)
    target = int(size_mb * 1024 * 1024)
    written = 0
    buf: list[str] = []
    with open(path, "w", encoding="utf-8", newline="") as fh:
        for line in lines(rng, datetime(2025, 3, 11, 8, 0, 0), saml_share):
            buf.append(line)
            written += len(line)
            if len(buf) >= 20000:
                fh.write("".join(buf))
                buf.clear()
            if written >= target:
                break
        fh.write("".join(buf))
    return written


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("size_mb", type=float)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--saml-share", type=float, default=SAML_SHARE, help="share of lines starting a login")
    a = ap.parse_args()
    print(write(a.out, a.size_mb, a.seed, a.saml_share))
