"""Write cases.json (what judge.rb judges, with which settings and at what time) and the few
Responses the committed fixtures lack (messages/, from the deterministic generator fixtures/samlgen).

    /work/venv/bin/python tests/data/liveruby26/make.py      # then: ruby tests/data/liveruby26/judge.rb
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT / "fixtures"))

import generate as G  # noqa: E402
from samlgen import keys as K  # noqa: E402
from samlgen.render import Encryption, render  # noqa: E402

AT = "2025-03-11T08:41:02Z"  # the standard scenario's capture time (fixtures/README.md)
ACS = "https://sonar.example.com/oauth2/callback/saml"
IDP_ID = "https://idp.example.org/saml2/idp"
KEYS = "fixtures/keys/"

# ruby-saml Settings as GitLab's omniauth-saml sets them; paths are relative to the repository.
BASE = {"idp_cert": KEYS + "idp.crt", "sp_entity_id": "sonarqube", "acs_url": ACS, "idp_entity_id": IDP_ID,
        "clock_drift": 180}
SETTINGS = {
    "default": BASE,
    "sp-key": dict(BASE, sp_key=KEYS + "sp.key"),
    "request-id": dict(BASE, request_id="_req_7f3a9c1e5b2d4f60"),
    "entra": dict(BASE, idp_entity_id="https://sts.windows.net/9a8b7c6d-5e4f-4a3b-9c2d-1e0f2a3b4c5d/"),
    "rollover": {k: v for k, v in dict(BASE, idp_metadata="fixtures/metadata/idp-metadata-rollover.xml").items()
                 if k != "idp_cert"},
    "expired-cert": dict(BASE, idp_cert=KEYS + "idp-expired.crt"),
    "expiring-cert": dict(BASE, idp_cert=KEYS + "idp-expiring.crt"),
    "weak-key": dict(BASE, idp_cert=KEYS + "idp-weak.crt"),
    # variants: one setting changed
    "fingerprint": {k: v for k, v in dict(BASE, idp_cert_fingerprint_of=KEYS + "idp.crt").items()
                    if k != "idp_cert"},
    "other-idp-cert": dict(BASE, idp_cert=KEYS + "idp-new.crt"),
    "other-sp-entity": dict(BASE, sp_entity_id="sonarqube-prod"),
    "other-acs": dict(BASE, acs_url="https://sonar2.example.com/oauth2/callback/saml"),
    "other-request-id": dict(BASE, request_id="_req_other"),
    "other-sp-key": dict(BASE, sp_key=KEYS + "sp-other.key"),
    "other-idp-entity": dict(BASE, idp_entity_id="https://idp.example.org/other"),
    "no-drift": dict(BASE, clock_drift=0),
}
CONFIGS = {"config/default.toml": "default", "config/with-sp-key.toml": "sp-key",
           "config/request-id.toml": "request-id", "config/entra.toml": "entra",
           "config/rollover.toml": "rollover", "config/expired-cert.toml": "expired-cert",
           "config/expiring-cert.toml": "expiring-cert", "config/weak-key.toml": "weak-key"}

# Times around the standard window (NotBefore 08:36:00, NotOnOrAfter 08:46:00, 180 s drift).
TIMES = {"early-in-drift": "2025-03-11T08:33:01Z", "early-past-drift": "2025-03-11T08:32:59Z",
         "late-in-drift": "2025-03-11T08:48:59Z", "late-at-drift": "2025-03-11T08:49:00Z",
         "late-past-drift": "2025-03-11T08:49:01Z"}

# Responses the fixtures lack: both signed with the assertion encrypted (SAML core 6.2: sign, encrypt,
# then sign the Response), and an SHA-1 signed Okta layout.
GENERATED = {
    "okta-encrypted-both-signed.xml": lambda: render(
        G.response("liveruby26-enc-both", G.OKTA), G.OKTA, G.IDP,
        encryption=Encryption(K.load("sp")), seed="liveruby26-enc-both"),
    "okta-sha1.xml": lambda: render(G.response("liveruby26-sha1", G.OKTA_SHA1), G.OKTA_SHA1, G.IDP),
}


def cases() -> dict:
    manifest = json.loads((ROOT / "fixtures" / "manifest.json").read_text())
    out = {}
    for entry in manifest:
        path = entry["file"]
        if path.startswith(("responses/valid/", "responses/defects/")) and path.endswith(".xml"):
            out[Path(path).stem] = {"file": "fixtures/" + path, "settings": CONFIGS[entry["config"]], "at": AT}
    for name in GENERATED:
        sets = "sp-key" if "encrypted" in name else "default"
        out[Path(name).stem] = {"file": f"tests/data/liveruby26/messages/{name}", "settings": sets, "at": AT}
    okta = "fixtures/responses/valid/okta.xml"
    for sets in ("fingerprint", "other-idp-cert", "other-sp-entity", "other-acs", "other-idp-entity"):
        out[f"okta@{sets}"] = {"file": okta, "settings": sets, "at": AT}
    out["okta@request-id"] = {"file": okta, "settings": "request-id", "at": AT}
    out["okta@other-request-id"] = {"file": okta, "settings": "other-request-id", "at": AT}
    for name, at in TIMES.items():
        out[f"okta@{name}"] = {"file": okta, "settings": "default", "at": at}
        out[f"okta@{name}/no-drift"] = {"file": okta, "settings": "no-drift", "at": at}
    for stem in ("shibboleth-gcm-oaep", "okta-encrypted-both-signed"):
        out[f"{stem}@other-sp-key"] = dict(out[stem], settings="other-sp-key")
        out[f"{stem}@no-sp-key"] = dict(out[stem], settings="default")
    return out


def main() -> None:
    for name, make in GENERATED.items():
        (HERE / "messages" / name).write_bytes(make())
    doc = {"settings": SETTINGS, "cases": cases()}
    (HERE / "cases.json").write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
