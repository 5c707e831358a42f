"""A federation's metadata aggregate as --idp-metadata: seconds and peak RSS of reading it.

    python benchmarks/bench_metadata.py [--size 100] [--dir /tmp] [--runs 3]

Writes an aggregate like InCommon's or eduGAIN's (an EntitiesDescriptor of IdP and SP
EntityDescriptors, about half each, every one with its signing certificate, UIInfo, contacts and
endpoints: ~9 KB an entity) of --size MiB, then times, each in a fresh process:
  all IdPs     `samlscan check RESPONSE --idp-metadata AGG` (no IdP chosen: every IdP kept for
               each message's Issuer to pick)
  one IdP      the same with --idp-entity-id naming one IdP of the aggregate
Peak RSS is the process's (getrusage in a wrapper, bench_logs.measure).
"""
from __future__ import annotations

import argparse
import base64
import os
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
ROOT = HERE.parent
PY = sys.executable

_ENTITY = """<md:EntityDescriptor entityID="{eid}">
 <md:Extensions><mdrpi:RegistrationInfo registrationAuthority="https://federation.example.org" registrationInstant="2019-03-01T00:00:00Z"/>
  <mdattr:EntityAttributes><saml:Attribute Name="http://macedir.org/entity-category" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"><saml:AttributeValue>http://refeds.org/category/research-and-scholarship</saml:AttributeValue></saml:Attribute></mdattr:EntityAttributes></md:Extensions>
 <md:{role} protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
  <md:Extensions><mdui:UIInfo><mdui:DisplayName xml:lang="en">{name}</mdui:DisplayName><mdui:Description xml:lang="en">{desc}</mdui:Description><mdui:Logo height="60" width="80">https://{host}/logo.png</mdui:Logo></mdui:UIInfo></md:Extensions>
  <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
  <md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
  {endpoints}
 </md:{role}>
 <md:Organization><md:OrganizationName xml:lang="en">{name}</md:OrganizationName><md:OrganizationDisplayName xml:lang="en">{name}</md:OrganizationDisplayName><md:OrganizationURL xml:lang="en">https://{host}/</md:OrganizationURL></md:Organization>
 <md:ContactPerson contactType="technical"><md:GivenName>IT</md:GivenName><md:EmailAddress>mailto:it@{host}</md:EmailAddress></md:ContactPerson>
</md:EntityDescriptor>
"""
_IDP_ENDPOINTS = ('<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
                  'Location="https://{host}/idp/profile/SAML2/Redirect/SSO"/>'
                  '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
                  'Location="https://{host}/idp/profile/SAML2/POST/SSO"/>')
_SP_ENDPOINTS = ('<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
                 'Location="https://{host}/Shibboleth.sso/SAML2/POST" index="1"/>')


def write(path: Path, mib: float, idp_cert_b64: str) -> str:
    """The aggregate; returns the entityID of one IdP in it (the configured IdP's certificate)."""
    rng = random.Random(5)
    filler = base64.b64encode(bytes(rng.getrandbits(8) for _ in range(900))).decode()
    chosen = "https://idp.university-0004.example.edu/idp/shibboleth"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n<md:EntitiesDescriptor '
                 'xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" '
                 'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" '
                 'xmlns:mdrpi="urn:oasis:names:tc:SAML:metadata:rpi" xmlns:mdui="urn:oasis:names:tc:SAML:metadata:ui" '
                 'xmlns:mdattr="urn:oasis:names:tc:SAML:metadata:attribute" Name="urn:example:federation">\n')
        n = 0
        while fh.tell() < mib * 1024 * 1024:
            idp = n % 2 == 0
            host = f"{'idp' if idp else 'sp'}.university-{n:04d}.example.edu"
            eid = f"https://{host}/idp/shibboleth" if idp else f"https://{host}/shibboleth"
            fh.write(_ENTITY.format(
                eid=eid, role="IDPSSODescriptor" if idp else "SPSSODescriptor", name=f"University {n}",
                desc="A university " * 20, host=host, cert=idp_cert_b64 if eid == chosen else filler,
                endpoints=(_IDP_ENDPOINTS if idp else _SP_ENDPOINTS).format(host=host)))
            n += 1
        fh.write("</md:EntitiesDescriptor>\n")
    return chosen


def main() -> None:
    from bench_logs import measure

    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=float, default=100, help="MiB")
    ap.add_argument("--dir", default="/tmp")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    cert = (ROOT / "fixtures" / "keys" / "idp.crt").read_text()
    cert_b64 = "".join(line for line in cert.splitlines() if "-----" not in line)
    agg = Path(a.dir) / f"samlscan-bench-aggregate-{int(a.size)}MB.xml"
    chosen = write(agg, a.size, cert_b64)
    response = ROOT / "fixtures" / "responses" / "valid" / "okta.xml"
    runs = {"all IdPs": [], "one IdP": []}
    for _ in range(a.runs):
        base = [PY, "-m", "samlscan", "check", str(response), "--idp-metadata", str(agg), "--format", "json",
                "-o", os.devnull, "--fail-on", "never"]
        runs["all IdPs"].append(measure(base))
        runs["one IdP"].append(measure(base + ["--idp-entity-id", chosen]))
    print(f"bench_metadata: aggregate of {agg.stat().st_size / 1e6:.0f} MB, best of {a.runs} runs")
    for what, got in runs.items():
        best = min(got)
        print(f"  {what:9}  {best[0]:6.2f} s  peak RSS {max(r[1] for r in got)} MB   "
              f"(runs: {' '.join(f'{r[0]:.2f}' for r in got)})")


if __name__ == "__main__":
    main()
