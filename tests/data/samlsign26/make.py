"""C++ OpenSAML's samlsign (Debian opensaml-tools) signs our generator's unsigned Responses and verifies
each signed one and its tampered copies: an oracle independent of xmlsec. Run from the repo root with
the project's venv (lxml) and samlsign on PATH: `python tests/data/samlsign26/make.py` (see SOURCES.md).
Writes unsigned/<style>.xml (fixtures/samlgen, unsigned), messages/<style>-<alg>.xml (samlsign's output,
unedited), messages/<style>-<alg>-<tamper>.xml (made here from a signed one) and verdicts.json."""
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from lxml import etree

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
sys.path.insert(0, str(ROOT / "fixtures"))

from generate import ADFS, ENTRA, KEYCLOAK, OKTA, SHIBBOLETH, response  # noqa: E402
from samlgen import build  # noqa: E402

KEYS = ROOT / "fixtures" / "keys"
STYLES = {s.name: replace(s, sign_response=False, sign_assertion=False) for s in (OKTA, ENTRA, ADFS, KEYCLOAK,
                                                                                    SHIBBOLETH)}
ALGS = {"default": [],  # samlsign's own default: rsa-sha1 SignatureMethod (xmltooling), sha256 digest
        "rsa-sha256": ["-alg", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                       "-dig", "http://www.w3.org/2001/04/xmlenc#sha256"],
        "rsa-sha512": ["-alg", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
                       "-dig", "http://www.w3.org/2001/04/xmlenc#sha512"]}
TAMPERS = {  # what an attacker changes after signing; every one must break the Response's signature
    "nameid": (b"dev.user1@example.com</", b"admin@example.com</"),
    "audience": (b">sonarqube</", b">sonarqube-other</"),
}
CERTS = ("idp.crt", "attacker.crt")


def verify(path: Path, cert: str) -> dict:
    """samlsign's verdict on `path` with `cert` (exit 0 = verified), its stderr verbatim."""
    run = subprocess.run(["samlsign", "-c", str(KEYS / cert), "-f", str(path)], capture_output=True, text=True)
    err = " ".join(line.split(" ", 1)[1] if line[:1].isdigit() else line for line in run.stderr.splitlines())
    return {"valid": run.returncode == 0, "exit": run.returncode, "error": err or None}


def main():
    version = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "opensaml-tools"],
                             capture_output=True, text=True).stdout
    out = {"about": "generator Responses signed by C++ OpenSAML's samlsign and its verdicts; see SOURCES.md",
           "versions": {"opensaml-tools": version}, "samples": {}}
    for name, style in STYLES.items():
        unsigned = HERE / "unsigned" / f"{name}.xml"
        unsigned.parent.mkdir(exist_ok=True)
        unsigned.write_bytes(etree.tostring(build.build_response(response(f"samlsign26-{name}", style), style)))
        for alg, flags in ALGS.items():
            signed = HERE / "messages" / f"{name}-{alg}.xml"
            run = subprocess.run(["samlsign", "-s", "-k", str(KEYS / "idp.key"), "-c", str(KEYS / "idp.crt"),
                                  "-f", str(unsigned), *flags], capture_output=True, check=True)
            signed.write_bytes(run.stdout)
            copies = {signed: None}
            for tamper, (old, new) in TAMPERS.items():
                if old in run.stdout:
                    copy = HERE / "messages" / f"{name}-{alg}-{tamper}.xml"
                    copy.write_bytes(run.stdout.replace(old, new, 1))
                    copies[copy] = tamper
            for path, tamper in copies.items():
                out["samples"][str(path.relative_to(HERE))] = {
                    "style": name, "alg": alg, "tampered": tamper,
                    "samlsign": {cert: verify(path, cert) for cert in CERTS}}
    (HERE / "verdicts.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
