// Makes samlify IdP login responses for a SonarQube SP and has node-saml's SP judge each one.
// Run from a folder where `npm install samlify@2.13.1 @node-saml/node-saml@5.1.0` was done:
//   NODE_PATH=/tmp/livenode/node_modules node tests/data/livenode/make.js
// Writes messages/*.b64 (the SAMLResponse as samlify returns it, unedited) and verdicts.json.
// Keys: fixtures/keys (TEST-ONLY). Encryption and signatures use fresh randomness, so a re-run makes
// other bytes with the same meaning; the verdicts stay the same.
"use strict";
const fs = require("fs");
const path = require("path");
const saml = require("samlify");
const { SAML } = require("@node-saml/node-saml");

const HERE = __dirname;
const KEYS = path.join(HERE, "..", "..", "..", "fixtures", "keys");
const key = (n) => fs.readFileSync(path.join(KEYS, n), "utf8");
const ACS = "https://sonar.example.com/oauth2/callback/saml";
const IDP_ENTITY = "https://idp.example.org/samlify";
const ISSUED = "2026-01-15T10:00:00.000Z";
const EXPIRES = "2026-01-15T10:05:00.000Z";
const JUDGED = "2026-01-15T10:01:00.000Z";
const LATE = "2026-01-15T10:10:00.000Z";

saml.setSchemaValidator({ validate: () => Promise.resolve("skipped") });

const ALG = saml.Constants.algorithms;
const SIG = { sha1: ALG.signature.RSA_SHA1, sha256: ALG.signature.RSA_SHA256, sha512: ALG.signature.RSA_SHA512,
  "sha256-mgf1": ALG.signature.RSA_SHA256_MGF1 };
const DATA = { "aes128-cbc": "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
  "aes256-cbc": "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
  "aes128-gcm": "http://www.w3.org/2009/xmlenc11#aes128-gcm",
  "aes256-gcm": "http://www.w3.org/2009/xmlenc11#aes256-gcm",
  "tripledes-cbc": "http://www.w3.org/2001/04/xmlenc#tripledes-cbc" };
const KEYT = { oaep: "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p", "rsa1_5": "http://www.w3.org/2001/04/xmlenc#rsa-1_5" };

const ATTRS = [["login", "jdoe"], ["name", "Jane Doe"], ["email", "jane.doe@example.com"], ["groups", "sonar-users"]];
const BASIC = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic";

function idp(c) {
  return saml.IdentityProvider({
    entityID: IDP_ENTITY,
    privateKey: key(c.signKey || "idp.key"),
    signingCert: key("idp.crt"),
    singleSignOnService: [{ Binding: saml.Constants.namespace.binding.redirect, Location: "https://idp.example.org/sso" }],
    nameIDFormat: ["urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"],
    requestSignatureAlgorithm: SIG[c.sig || "sha256"],
    isAssertionEncrypted: Boolean(c.data),
    dataEncryptionAlgorithm: DATA[c.data],
    keyEncryptionAlgorithm: KEYT[c.keyt || "oaep"],
    loginResponseTemplate: {
      context: saml.SamlLib.defaultLoginResponseTemplate.context,
      attributes: ATTRS.map(([n]) => ({ name: n, valueTag: n, nameFormat: BASIC, valueXsiType: "xs:string" })),
    },
  });
}

function sp(c) {
  return saml.ServiceProvider({
    entityID: c.spEntity || "sonarqube",
    assertionConsumerService: [{ Binding: saml.Constants.namespace.binding.post, Location: c.acs || ACS }],
    wantAssertionsSigned: c.sign !== "response",
    wantMessageSigned: c.sign !== "assertion",
    encryptCert: key("sp.crt"),
  });
}

// The template filled as samlify does (binding-post.js tvalue), with fixed times so that the messages
// can be judged at a known instant.
function replacement(i, s, n) {
  return (template) => {
    const lib = saml.SamlLib;
    const t = i.entitySetting.loginResponseTemplate;
    const attrs = lib.attributeStatementBuilder(t.attributes);
    const values = {
      ID: `_samlify_resp_${n}`, AssertionID: `_samlify_assert_${n}`, Destination: s.entityMeta.getAssertionConsumerService("post"),
      Audience: s.entityMeta.getEntityID(), EntityID: s.entityMeta.getEntityID(),
      SubjectRecipient: s.entityMeta.getAssertionConsumerService("post"), Issuer: IDP_ENTITY, IssueInstant: ISSUED,
      StatusCode: saml.Constants.StatusCode.Success, ConditionsNotBefore: ISSUED, ConditionsNotOnOrAfter: EXPIRES,
      SubjectConfirmationDataNotOnOrAfter: EXPIRES, NameIDFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
      NameID: "jane.doe@example.com", InResponseTo: `_sonar_req_${n}`,
      AuthnStatement: `<saml:AuthnStatement AuthnInstant="${ISSUED}" SessionIndex="_session_${n}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`,
      AttributeStatement: attrs,
    };
    for (const [name, value] of ATTRS) values[`attr${name[0].toUpperCase()}${name.slice(1)}`] = value;
    return { id: values.ID, context: lib.replaceTagsByValue(template, values) };
  };
}

// What samlify makes, by name: sign = response | assertion | both; sig = the signature algorithm;
// data/keyt = the encryption algorithms; encryptThenSign = sign the Response after encrypting.
const CASES = {};
for (const sig of ["sha1", "sha256", "sha512"]) {
  for (const sign of ["response", "assertion", "both"]) CASES[`${sign}-signed-${sig}`] = { sign, sig };
}
CASES["both-signed-sha256-mgf1"] = { sign: "both", sig: "sha256-mgf1" };
for (const data of Object.keys(DATA)) {
  CASES[`assertion-signed-encrypted-${data}-oaep`] = { sign: "assertion", data };
}
CASES["assertion-signed-encrypted-aes256-cbc-rsa1_5"] = { sign: "assertion", data: "aes256-cbc", keyt: "rsa1_5" };
CASES["response-signed-encrypted-aes256-gcm-oaep-encrypt-then-sign"] = { sign: "response", data: "aes256-gcm", encryptThenSign: true };
CASES["both-signed-encrypted-aes128-gcm-oaep-encrypt-then-sign"] = { sign: "both", data: "aes128-gcm", encryptThenSign: true };
// Misconfigurations.
CASES["response-signed-encrypted-aes256-cbc-oaep-sign-then-encrypt"] = { sign: "response", data: "aes256-cbc" };
CASES["both-signed-wrong-audience"] = { sign: "both", spEntity: "https://sonar.example.com" };
CASES["both-signed-wrong-acs"] = { sign: "both", acs: "https://sonar.example.com/saml/acs" };
CASES["both-signed-attacker-key"] = { sign: "both", signKey: "attacker.key" };
CASES["assertion-signed-idp-new-key"] = { sign: "assertion", signKey: "idp-new.key" };

// node-saml's SP settings; `clock` is the SP's time when it judges.
const BASE = { callbackUrl: ACS, issuer: "sonarqube", audience: "sonarqube", idpCert: key("idp.crt"),
  decryptionPvk: key("sp.key"), wantAuthnResponseSigned: false, wantAssertionsSigned: false,
  validateInResponseTo: "never" };
const SETTINGS = {
  right: { config: {}, clock: JUDGED,
    about: "idpCert idp.crt, audience sonarqube, decryptionPvk sp.key, wantAuthnResponseSigned and wantAssertionsSigned false (a valid signature over the Response or the Assertion suffices), clock at 10:01" },
  defaults: { config: { wantAuthnResponseSigned: true, wantAssertionsSigned: true }, clock: JUDGED,
    about: "as right, with node-saml's defaults wantAuthnResponseSigned and wantAssertionsSigned true" },
  wrong_cert: { config: { idpCert: key("attacker.crt") }, clock: JUDGED, about: "as right, idpCert attacker.crt" },
  wrong_audience: { config: { audience: "https://sonar.example.com" }, clock: JUDGED,
    about: "as right, audience https://sonar.example.com" },
  expired: { config: {}, clock: LATE, about: "as right, the clock at 10:10 (acceptedClockSkewMs 0, the default)" },
};

const RealDate = Date;
function atClock(iso) {
  const t = RealDate.parse(iso);
  global.Date = class extends RealDate {
    constructor(...a) { if (a.length === 0) super(t); else super(...a); }
    static now() { return t; }
  };
}

async function judge(b64, setting) {
  atClock(setting.clock);
  try {
    const s = new SAML({ ...BASE, ...setting.config });
    const { profile } = await s.validatePostResponseAsync({ SAMLResponse: b64 });
    return { valid: true, error: null, nameID: profile && profile.nameID };
  } catch (e) {
    return { valid: false, error: String(e && e.message) };
  } finally {
    global.Date = RealDate;
  }
}

async function main() {
  const out = path.join(HERE, "messages");
  fs.mkdirSync(out, { recursive: true });
  const samples = {};
  let n = 0;
  for (const [name, c] of Object.entries(CASES)) {
    n += 1;
    const i = idp(c), s = sp(c);
    const { context } = await i.createLoginResponse(s, null, "post", {},
      { customTagReplacement: replacement(i, s, n), encryptThenSign: Boolean(c.encryptThenSign) });
    fs.writeFileSync(path.join(out, `${name}.b64`), context + "\n");
    const verdicts = {};
    for (const [sname, setting] of Object.entries(SETTINGS)) verdicts[sname] = await judge(context, setting);
    samples[`messages/${name}.b64`] = { made_with: c, node_saml: verdicts };
  }
  const about = {
    about: "samlify IdP login responses for a SonarQube SP (entity sonarqube), judged by node-saml's SAML#validatePostResponseAsync under each setting; see SOURCES.md",
    versions: { node: process.version, samlify: require("samlify/package.json").version,
      "@node-saml/node-saml": require("@node-saml/node-saml/package.json").version,
      "xml-crypto": require("xml-crypto/package.json").version },
    issued: ISSUED, expires: EXPIRES,
    settings: Object.fromEntries(Object.entries(SETTINGS).map(([k, v]) => [k, { about: v.about, clock: v.clock }])),
    samples,
  };
  fs.writeFileSync(path.join(HERE, "verdicts.json"), JSON.stringify(about, null, 1) + "\n");
}

main().catch((e) => { console.error(e); process.exit(1); });
