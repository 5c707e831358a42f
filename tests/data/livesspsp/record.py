"""Re-create the recorded SimpleSAMLphp SP evidence in this folder (see SOURCES.md).

Runs Debian's simplesamlphp (1.19) under `php -S` as a service provider (a saml:SP auth source
`default-sp`, entity ID SP_ENTITY) that trusts our test IdP (https://idp.example.org/saml2/idp,
TEST-ONLY fixtures/keys/idp.crt). For each variant it starts a login (core/authenticate.php, which
redirects to the IdP with an AuthnRequest), builds a response to that request with our generator
(fixtures/samlgen, at the current time, one defect per variant), POSTs it to SSP's ACS and keeps
<variant>.b64 (the SAMLResponse posted), <variant>.html (the page SSP ends on) and simplesamlphp.log (its
file log, as written). Nothing is edited afterwards.

    python tests/data/livesspsp/record.py   # needs php-cli, php-xml and simplesamlphp; ~15 s
"""
from __future__ import annotations

import base64
import http.cookiejar
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parents[2] / "fixtures"
sys.path.insert(0, str(FIXTURES))

from samlgen import keys as K  # noqa: E402
from samlgen import scenario as S  # noqa: E402
from samlgen.content import AssertionContent, NameId, ResponseContent, Status, Style, okta_attributes  # noqa: E402
from samlgen.ids import make_id  # noqa: E402
from samlgen.render import render  # noqa: E402

SSP = Path("/usr/share/simplesamlphp")
PORT = 8766
BASE = f"http://127.0.0.1:{PORT}/"
SOURCE = "default-sp"
SP_ENTITY = "https://sp.example.net/ssp-sp"
ACS = f"{BASE}module.php/saml/sp/saml2-acs.php/{SOURCE}"
OKTA = Style("okta", "saml2p", "saml2", inclusive_prefixes=("xs",))
UNSIGNED = replace(OKTA, sign_response=False, sign_assertion=False)
IDP = K.load("idp")
ATTACKER = K.load("attacker")
# name: (what changes, solicited?) -- each a one-line defect of the standard response
VARIANTS = ("good", "wrong-key", "wrong-audience", "wrong-recipient", "wrong-destination",
            "expired", "unsigned", "status-responder", "unsolicited", "state-lost")


def times(now: datetime) -> S.Times:
    return S.Times(issue_instant=now, not_before=now - timedelta(minutes=5),
                   not_on_or_after=now + timedelta(minutes=5),
                   scd_not_on_or_after=now + timedelta(minutes=5),
                   authn_instant=now - timedelta(seconds=5),
                   session_not_on_or_after=now + timedelta(hours=8))


def make_response(name: str, request_id: str | None, now: datetime) -> bytes:
    """Our generator's response for one variant, made now (times are what the variant intends)."""
    seed = f"livesspsp|{name}|{now.isoformat()}"
    t = times(now)
    a = AssertionContent(id=make_id("okta", seed + "|assertion"), name_id=NameId(S.USER_EMAIL),
                         recipient=ACS, in_response_to=request_id, audiences=(SP_ENTITY,),
                         attributes=okta_attributes(), times=t)
    r = dict(destination=ACS, in_response_to=request_id)
    key, style = IDP, OKTA
    if name == "wrong-key":
        key = ATTACKER
    elif name == "wrong-audience":
        a = replace(a, audiences=("https://other-sp.example.net/",))
    elif name == "wrong-recipient":
        a = replace(a, recipient="https://sp.example.net/wrong/acs")
    elif name == "wrong-destination":
        r["destination"] = "https://sp.example.net/wrong/acs"
    elif name == "expired":
        a = replace(a, times=t.shifted(timedelta(hours=-1)))
    elif name == "unsigned":
        style = UNSIGNED
    elif name == "status-responder":
        r["status"] = Status(S.STATUS_RESPONDER, "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed",
                             "User account is disabled")
    assertions = () if name == "status-responder" else (a,)
    content = ResponseContent(id=make_id("okta", seed + "|response"), assertions=assertions,
                              issue_instant=now, **r)
    return render(content, style, key)


def configure(root: Path) -> Path:
    conf = root / "config"
    shutil.copytree("/etc/simplesamlphp", conf)
    for d in ("cert", "log", "data", "tmp", "sessions"):
        (root / d).mkdir()
    shutil.copy(FIXTURES / "keys" / "idp.crt", root / "cert" / "idp.crt")
    text = (conf / "config.php").read_text()
    text = text.replace("require_once('/var/lib/simplesamlphp/secrets.inc.php');", "")
    settings = {
        "baseurlpath": repr(BASE), "certdir": repr(f"{root}/cert/"),
        "loggingdir": repr(f"{root}/log/"), "datadir": repr(f"{root}/data/"),
        "tempdir": repr(f"{root}/tmp"), "timezone": "'UTC'",
        "logging.handler": "'file'", "logging.level": "SimpleSAML\\Logger::NOTICE",
        "session.cookie.secure": "false", "trusted.url.domains": "['127.0.0.1']",
        "secretsalt": "'TEST-ONLY-livesspsp-salt'", "auth.adminpassword": "'TEST-ONLY'",
        "statistics.out": "[['class' => 'core:Log', 'level' => 'notice']]",
        "metadata.sources": f"[['type' => 'flatfile', 'directory' => '{conf}/metadata']]",
        "module.enable": "['core' => true, 'saml' => true]",
    }
    # a later key wins in a PHP array literal: ours go last, before the closing '];'
    ours = "".join(f"    '{k}' => {v},\n" for k, v in settings.items())
    head, sep, tail = text.rpartition("\n];")
    (conf / "config.php").write_text(head + "\n" + ours + sep.lstrip("\n") + tail)
    (conf / "authsources.php").write_text(
        "<?php\n$config = [\n    'admin' => ['core:AdminPassword'],\n"
        f"    '{SOURCE}' => ['saml:SP', 'entityID' => '{SP_ENTITY}', 'idp' => '{S.IDP_ENTITY_ID}'],\n];\n")
    (conf / "metadata" / "saml20-idp-remote.php").write_text(
        f"<?php\n$metadata['{S.IDP_ENTITY_ID}'] = [\n"
        f"    'SingleSignOnService' => '{S.IDP_SSO_REDIRECT}',\n"
        "    'certificate' => 'idp.crt',\n];\n")
    return conf


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def start_login(opener) -> str:
    """Start a login at the SP; the ID of the AuthnRequest it redirects to the IdP with."""
    try:
        opener.open(f"{BASE}module.php/core/authenticate.php?as={SOURCE}")
    except urllib.error.HTTPError as err:
        location = err.headers["Location"]
    else:
        raise RuntimeError("the SP did not redirect to the IdP")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    xml = zlib.decompress(base64.b64decode(query["SAMLRequest"][0]), -15).decode()
    return re.search(r'\bID="([^"]+)"', xml)[1]


def post(jar, b64: str) -> str:
    """POST the response to the ACS as a browser would (following SSP's redirects): its last page."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    data = urllib.parse.urlencode({"SAMLResponse": b64}).encode()
    try:
        return opener.open(ACS, data).read().decode()
    except urllib.error.HTTPError as err:
        return err.read().decode()


def main() -> int:
    root = Path(tempfile.mkdtemp(prefix="livesspsp-"))
    conf = configure(root)
    env = dict(os.environ, SIMPLESAMLPHP_CONFIG_DIR=str(conf))
    server = subprocess.Popen(["php", "-d", f"session.save_path={root}/sessions", "-S",
                               f"127.0.0.1:{PORT}", "-t", str(SSP / "www")], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.5)
        for name in VARIANTS:
            jar = http.cookiejar.CookieJar()
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
            request_id = None if name == "unsolicited" else start_login(opener)
            if name == "state-lost":  # the browser lost the SP's session cookie on the way back
                jar.clear()
            now = datetime.now(timezone.utc).replace(microsecond=0)
            b64 = base64.b64encode(make_response(name, request_id, now)).decode()
            (HERE / f"{name}.b64").write_text(b64 + "\n")
            (HERE / f"{name}.html").write_text(post(jar, b64))
            print(name, request_id, file=sys.stderr)
            time.sleep(1)
    finally:
        server.terminate()
        server.wait()
    shutil.copy(root / "log" / "simplesamlphp.log", HERE / "simplesamlphp.log")
    shutil.rmtree(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
