// Auth0's own SAML IdP code (npm samlp + saml) makes login responses as Auth0's 'SAML2 Web App' addon does.
// Re-run: see SOURCES.md. Writes messages/<name>.xml (the SAMLResponse XML samlp returned, unedited) and
// verdicts.json (how each was made and the fault it was made with).
'use strict';
const fs = require('fs');
const path = require('path');
const samlp = require('samlp/lib/samlp');

const HERE = __dirname;
const KEYS = path.join(HERE, '..', '..', '..', 'fixtures', 'keys');
const read = (n) => fs.readFileSync(path.join(KEYS, n), 'utf8');
const ISSUED = Date.parse('2026-01-15T10:00:00Z');
const RealDate = Date; // moment.utc() and samlp's IssueInstant read the clock: frozen so the tests can use --at
global.Date = class extends RealDate { constructor(...a) { super(...(a.length ? a : [ISSUED])); } static now() { return ISSUED; } };

const SP = { entity: 'https://app.example.com/saml/metadata', acs: 'https://app.example.com/saml/acs' };
const ISSUER = 'urn:acme-prod.eu.auth0.com'; // Auth0's IdP entity: urn:<tenant>.<region>.auth0.com
const USER = { id: 'auth0|64b0c0ffee1234567890abcd', displayName: 'Jane Doe',
  name: { givenName: 'Jane', familyName: 'Doe' }, emails: [{ value: 'jane.doe@example.com' }] };
const BASE = { issuer: ISSUER, cert: read('idp.crt'), key: read('idp.key'), audience: SP.entity,
  recipient: SP.acs, destination: SP.acs, inResponseTo: '_req-4f1d2c3b', signatureAlgorithm: 'rsa-sha256',
  digestAlgorithm: 'sha256', lifetimeInSeconds: 3600 };

const SAMPLES = {
  'default-assertion-signed': [{}, null],
  'sign-response-true': [{ signResponse: true }, null],
  'response-only-signed': [{ signResponse: true, signAssertion: false }, null],
  'sha1': [{ signatureAlgorithm: 'rsa-sha1', digestAlgorithm: 'sha1' }, 'sha1'],
  'sha1-sign-response': [{ signatureAlgorithm: 'rsa-sha1', digestAlgorithm: 'sha1', signResponse: true }, 'sha1'],
  'email-nameid': [{ nameIdentifierFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    profileMapper: (u) => ({ getClaims: () => ({ 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress': u.emails[0].value }),
      getNameIdentifier: () => ({ nameIdentifier: u.emails[0].value }) }) }, null],
  'untyped-no-nameformat': [{ typedAttributes: false, includeAttributeNameFormat: false }, null],
  'short-lifetime': [{ lifetimeInSeconds: 120 }, null],
  'encrypted': [{ encryptionCert: read('sp.crt'), encryptionPublicKey: read('sp.crt') }, null],
  'encrypted-other-sp-cert': [{ encryptionCert: read('sp-other.crt'), encryptionPublicKey: read('sp-other.crt') }, 'decryption'],
  'wrong-audience': [{ audience: 'urn:app.example.com' }, 'audience'],
  'wrong-recipient': [{ recipient: 'https://app.example.com/login/callback', destination: 'https://app.example.com/login/callback' }, 'recipient'],
  'destination-defaults-to-audience': [{ destination: undefined }, 'destination'],
  'wrong-key': [{ cert: read('attacker.crt'), key: read('attacker.key') }, 'wrong-key'],
  'unsigned': [{ signAssertion: false }, 'unsigned'],
  'expired': [{ lifetimeInSeconds: 60 }, 'expired'],
};

const out = { about: 'Auth0 (samlp/saml) login responses for an SP with entity ' + SP.entity + ' and ACS ' + SP.acs,
  versions: { node: process.version, samlp: require('samlp/package.json').version,
    saml: require('saml/package.json').version, 'xml-crypto': require('xml-crypto/package.json').version, 'xml-encryption': require('xml-encryption/package.json').version },
  issued: new Date(ISSUED).toISOString(), sp: SP, issuer: ISSUER, samples: {} };

(async () => {
  for (const [name, [opts, fault]] of Object.entries(SAMPLES)) {
    const cfg = Object.assign({}, BASE, opts);
    const xml = await new Promise((ok, ko) => samlp.getSamlResponse(cfg, USER, (e, r) => e ? ko(e) : ok(r)));
    fs.writeFileSync(path.join(HERE, 'messages', name + '.xml'), xml);
    const made = {};
    for (const [k, v] of Object.entries(opts)) made[k] = typeof v === 'function' ? 'custom' : (typeof v === 'string' && v.includes('BEGIN') ? 'pem' : (v === undefined ? 'unset' : v));
    out.samples['messages/' + name + '.xml'] = { made_with: made, fault };
  }
  fs.writeFileSync(path.join(HERE, 'verdicts.json'), JSON.stringify(out, null, 1) + '\n');
})().catch((e) => { console.error(e); process.exit(1); });
