"""Re-create the recorded SimpleSAMLphp evidence in this folder (see SOURCES.md).

Runs Debian's simplesamlphp (1.19) under `php -S` with a config copied to a temporary folder,
the TEST-ONLY key pair fixtures/keys/idp.key/.crt, an exampleauth:UserPass source and a
saml20-sp-remote entry for SonarQube (`sonarqube`) that is rewritten before each login to
reproduce one misconfiguration; drives each login with urllib and stores what SSP produced:
<variant>.b64 (the SAMLResponse as posted), <variant>.html (SSP's error page), metadata.xml
(saml2/idp/metadata.php) and simplesamlphp.log (its file log). Nothing is edited afterwards.

    python tests/data/livessp/record.py   # needs php-cli and simplesamlphp; takes ~15 s
"""
from __future__ import annotations

import base64
import html
import http.cookiejar
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import zlib
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
KEYS = HERE.parents[2] / "fixtures" / "keys"
SSP = Path("/usr/share/simplesamlphp")
PORT = 8765
BASE = f"http://127.0.0.1:{PORT}/"
ACS = "https://sonar.example.com/oauth2/callback/saml"
USERS = """
        'alice:alice-pass' => ['login' => ['alice'], 'name' => ['Alice Example'],
            'email' => ['alice@example.com'], 'mail' => ['alice@example.com'],
            'groups' => ['sonar-users', 'devs']],
"""
# One saml20-sp-remote entry for 'sonarqube' per variant (what the IdP admin configured).
_SP = """<?php
$metadata['sonarqube'] = [
    'AssertionConsumerService' => '%s',
    %s
];
"""
VARIANTS = {
    # name: (sp-remote body, AuthnRequest Issuer, AuthnRequest ACS URL or None, password)
    "good": ("'NameIDFormat' => 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',\n"
             "    'simplesaml.nameidattribute' => 'login',\n"
             "    'attributes' => ['login', 'name', 'email', 'groups'],", "sonarqube", None, "alice-pass"),
    "mail-not-email": ("'NameIDFormat' => 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',\n"
                       "    'simplesaml.nameidattribute' => 'login',\n"
                       "    'attributes' => ['login', 'name', 'mail'],", "sonarqube", None, "alice-pass"),
    "transient": ("'NameIDFormat' => 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',\n"
                  "    'attributes' => ['name', 'email'],", "sonarqube", None, "alice-pass"),
    "unknown-sp": ("'attributes' => ['login', 'name', 'email', 'groups'],",
                   "https://sonar.example.com/saml2/metadata", None, "alice-pass"),
    "acs-not-in-metadata": ("'attributes' => ['login', 'name', 'email', 'groups'],", "sonarqube",
                            "https://sonar.example.com:9000/oauth2/callback/saml", "alice-pass"),
    "encrypted": ("'NameIDFormat' => 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',\n"
                  "    'simplesaml.nameidattribute' => 'login',\n"
                  "    'attributes' => ['login', 'name', 'email', 'groups'],\n"
                  "    'assertion.encryption' => true,\n"
                  "    'certificate' => 'sp.crt',", "sonarqube", None, "alice-pass"),
    "wrong-password": ("'attributes' => ['login', 'name', 'email', 'groups'],", "sonarqube", None,
                       "not-the-password"),
}


def configure(root: Path) -> Path:
    conf = root / "config"
    shutil.copytree("/etc/simplesamlphp", conf)
    for d in ("cert", "log", "data", "tmp", "sessions"):
        (root / d).mkdir()
    shutil.copy(KEYS / "idp.key", root / "cert" / "idp.key")
    shutil.copy(KEYS / "idp.crt", root / "cert" / "idp.crt")
    shutil.copy(KEYS / "sp.crt", root / "cert" / "sp.crt")
    text = (conf / "config.php").read_text()
    text = text.replace("require_once('/var/lib/simplesamlphp/secrets.inc.php');", "")
    settings = {
        "baseurlpath": repr(BASE), "certdir": repr(f"{root}/cert/"),
        "loggingdir": repr(f"{root}/log/"), "datadir": repr(f"{root}/data/"),
        "tempdir": repr(f"{root}/tmp"), "timezone": "'UTC'",
        "logging.handler": "'file'", "logging.level": "SimpleSAML\\Logger::NOTICE",
        "enable.saml20-idp": "true", "session.cookie.secure": "false",
        "secretsalt": "'TEST-ONLY-livessp-salt'", "auth.adminpassword": "'TEST-ONLY'",
        "statistics.out": "[['class' => 'core:Log', 'level' => 'notice']]",
        "metadata.sources": f"[['type' => 'flatfile', 'directory' => '{conf}/metadata']]",
        "module.enable": "['exampleauth' => true, 'core' => true, 'saml' => true]",
    }
    # a later key wins in a PHP array literal: ours go last, before the closing '];'
    ours = "".join(f"    '{k}' => {v},\n" for k, v in settings.items())
    head, sep, tail = text.rpartition("\n];")
    text = head + "\n" + ours + sep.lstrip("\n") + tail
    (conf / "config.php").write_text(text)
    (conf / "authsources.php").write_text(
        "<?php\n$config = [\n    'admin' => ['core:AdminPassword'],\n"
        "    'example-userpass' => ['exampleauth:UserPass',%s    ],\n];\n" % USERS)
    (conf / "metadata" / "saml20-idp-hosted.php").write_text(
        "<?php\n$metadata['__DYNAMIC:1__'] = ['host' => '__DEFAULT__', 'privatekey' => 'idp.key',\n"
        "    'certificate' => 'idp.crt', 'auth' => 'example-userpass'];\n")
    return conf


def authn_request(issuer: str, acs: str | None) -> str:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    rid = "_livessp" + os.urandom(8).hex()
    acs_attr = f' AssertionConsumerServiceURL="{acs}"' if acs else ""
    xml = (f'<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
           f'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{rid}" Version="2.0" '
           f'IssueInstant="{now}" Destination="{BASE}saml2/idp/SSOService.php"{acs_attr} '
           f'ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST">'
           f'<saml:Issuer>{issuer}</saml:Issuer></samlp:AuthnRequest>')
    deflated = zlib.compress(xml.encode())[2:-4]
    return base64.b64encode(deflated).decode()


def login(name: str, issuer: str, acs: str | None, password: str) -> str:
    """SSP's answer to one login: the page that posts the SAMLResponse, or its error page."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    query = urllib.parse.urlencode({"SAMLRequest": authn_request(issuer, acs), "RelayState": name})
    try:
        page = opener.open(f"{BASE}saml2/idp/SSOService.php?{query}")
    except urllib.error.HTTPError as err:
        return err.read().decode()
    body = page.read().decode()
    state = re.search(r'name="AuthState" value="([^"]+)"', body)
    if state is None:
        return body
    form = urllib.parse.urlencode({"username": "alice", "password": password,
                                   "AuthState": html.unescape(state[1])}).encode()
    try:
        return opener.open(page.geturl().split("?")[0], form).read().decode()
    except urllib.error.HTTPError as err:
        return err.read().decode()


def main() -> int:
    root = Path(tempfile.mkdtemp(prefix="livessp-"))
    conf = configure(root)
    env = dict(os.environ, SIMPLESAMLPHP_CONFIG_DIR=str(conf))
    server = subprocess.Popen(["php", "-d", f"session.save_path={root}/sessions", "-S",
                               f"127.0.0.1:{PORT}", "-t", str(SSP / "www")], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.5)
        for name, (sp, issuer, acs, password) in VARIANTS.items():
            (conf / "metadata" / "saml20-sp-remote.php").write_text(_SP % (ACS, sp))
            page = login(name, issuer, acs, password)
            found = re.search(r'name="SAMLResponse" value="([^"]+)"', page)
            if found:
                (HERE / f"{name}.b64").write_text(html.unescape(found[1]) + "\n")
            else:
                (HERE / f"{name}.html").write_text(page)
            print(name, "response" if found else "error page", file=sys.stderr)
            time.sleep(1)
        (HERE / "metadata.xml").write_bytes(urllib.request.urlopen(f"{BASE}saml2/idp/metadata.php").read())
    finally:
        server.terminate()
        server.wait()
    shutil.copy(root / "log" / "simplesamlphp.log", HERE / "simplesamlphp.log")
    shutil.rmtree(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
