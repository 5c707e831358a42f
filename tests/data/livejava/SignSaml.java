// Signs (and encrypts) SAML 2.0 login Responses for a SonarQube SP with the JDK's own XML security
// (javax.xml.crypto.dsig "DOM"; XML Encryption with javax.crypto), in the layouts of Keycloak
// and OpenSAML/Shibboleth IdP, then has the JDK validate every signature; see SOURCES.md.
// TEST-ONLY keys from fixtures/keys. Usage: java SignSaml <repo root> tests/data/livejava [suffix]
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.security.*;
import java.security.cert.*;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.*;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.xml.crypto.KeySelector;
import javax.xml.crypto.XMLStructure;
import javax.xml.crypto.dsig.*;
import javax.xml.crypto.dsig.dom.*;
import javax.xml.crypto.dsig.keyinfo.*;
import javax.xml.crypto.dsig.spec.*;
import javax.xml.parsers.*;
import javax.xml.transform.*;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.*;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

public class SignSaml {
    static final String DS = XMLSignature.XMLNS;
    static final String P = "urn:oasis:names:tc:SAML:2.0:protocol";
    static final String A = "urn:oasis:names:tc:SAML:2.0:assertion";
    static final String ISSUED = "2026-01-15T10:00:00Z", EXPIRES = "2026-01-15T10:05:00Z";
    static final String ACS = "https://sonar.example.com/oauth2/callback/saml";
    static final String IDP = "https://idp.example.com/realms/sonar";
    static final String XENC = "http://www.w3.org/2001/04/xmlenc#", XENC11 = "http://www.w3.org/2009/xmlenc11#";
    static final String SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
    static final String SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";

    static Path keys;
    static XMLSignatureFactory fac = XMLSignatureFactory.getInstance("DOM");

    /** One message to make: its layout, what it signs, with which key and algorithm. */
    record Spec(String name, String layout, boolean signResponse, boolean signAssertion, String alg,
                String key, String enc, boolean tamper) {}

    public static void main(String[] args) throws Exception {
        keys = Paths.get(args[0], "fixtures", "keys");
        Path out = Paths.get(args[1]), msgs = out.resolve("messages");
        String suffix = args.length > 2 ? args[2] : "";
        Files.createDirectories(msgs);
        List<Spec> specs = new ArrayList<>();
        if (suffix.isEmpty()) {
            specs.add(new Spec("keycloak-response-signed-sha256", "keycloak", true, false, SHA256, "idp", null, false));
            specs.add(new Spec("keycloak-assertion-signed-sha256", "keycloak", false, true, SHA256, "idp", null, false));
            specs.add(new Spec("keycloak-both-signed-sha256", "keycloak", true, true, SHA256, "idp", null, false));
            specs.add(new Spec("keycloak-both-signed-sha1", "keycloak", true, true, SHA1, "idp", null, false));
            specs.add(new Spec("keycloak-both-signed-encrypted-aes128-cbc-oaep", "keycloak", true, true, SHA256, "idp",
                    XENC + "aes128-cbc", false));
            specs.add(new Spec("keycloak-both-signed-encrypted-aes256-gcm-oaep", "keycloak", true, true, SHA256, "idp",
                    XENC11 + "aes256-gcm", false));
            specs.add(new Spec("keycloak-both-signed-attacker-key", "keycloak", true, true, SHA256, "attacker", null, false));
            specs.add(new Spec("keycloak-response-signed-tampered", "keycloak", true, false, SHA256, "idp", null, true));
            specs.add(new Spec("shibboleth-assertion-signed-sha256", "shibboleth", false, true, SHA256, "idp", null, false));
            specs.add(new Spec("shibboleth-assertion-signed-sha1", "shibboleth", false, true, SHA1, "idp", null, false));
            specs.add(new Spec("shibboleth-assertion-signed-encrypted-aes256-gcm-oaep", "shibboleth", false, true, SHA256,
                    "idp", XENC11 + "aes256-gcm", false));
            specs.add(new Spec("shibboleth-assertion-signed-idp-new-key", "shibboleth", false, true, SHA256, "idp-new", null,
                    false));
            specs.add(new Spec("shibboleth-assertion-signed-tampered", "shibboleth", false, true, SHA256, "idp", null, true));
        } else {
            // Run with -Dcom.sun.org.apache.xml.internal.security.ignoreLineBreaks=false|true: the base64 wrapping.
            specs.add(new Spec("keycloak-both-signed-sha256" + suffix, "keycloak", true, true, SHA256, "idp", null, false));
            specs.add(new Spec("shibboleth-assertion-signed-sha256" + suffix, "shibboleth", false, true, SHA256, "idp",
                    null, false));
        }
        StringBuilder json = new StringBuilder("{\"java\": \"" + System.getProperty("java.vm.vendor") + " "
            + System.getProperty("java.runtime.version") + "\", \"samples\": {\n");
        for (int i = 0; i < specs.size(); i++) {
            Spec s = specs.get(i);
            String xml = make(s);
            Files.write(msgs.resolve(s.name + ".xml"), xml.getBytes(StandardCharsets.UTF_8));
            json.append("  \"messages/").append(s.name).append(".xml\": ").append(judge(s, xml))
                .append(i + 1 < specs.size() ? ",\n" : "\n");
        }
        json.append("}}\n");
        Files.write(out.resolve("verdicts" + suffix + ".json"), json.toString().getBytes(StandardCharsets.UTF_8));
    }

    // ---- keys (PKCS#8 PEM and X.509 PEM, TEST-ONLY fixtures) ----
    static PrivateKey privateKey(String name) throws Exception {
        String pem = Files.readString(keys.resolve(name + ".key"));
        String b64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64)));
    }

    static X509Certificate cert(String name) throws Exception {
        try (InputStream in = Files.newInputStream(keys.resolve(name + ".crt"))) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    // ---- the unsigned message ----
    static String template(String layout) {
        if (layout.equals("keycloak")) {  // Keycloak 2x: saml/samlp prefixes, ID_<uuid>, no xsi:type on values
            return "<samlp:Response xmlns:samlp=\"" + P + "\" xmlns:saml=\"" + A + "\" Destination=\"" + ACS + "\""
                + " ID=\"ID_4f1c2a7e-0b9d-4c55-9d1e-7a3b2f6c8e01\" InResponseTo=\"ONELOGIN_5a2f0c1b9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b\""
                + " IssueInstant=\"" + ISSUED + "\" Version=\"2.0\"><saml:Issuer>" + IDP + "</saml:Issuer>"
                + "<samlp:Status><samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"/></samlp:Status>"
                + "<saml:Assertion xmlns=\"" + A + "\" ID=\"ID_9c3e5b1d-2f4a-4e6b-8c7d-0a1b2c3d4e5f\" IssueInstant=\"" + ISSUED
                + "\" Version=\"2.0\"><saml:Issuer>" + IDP + "</saml:Issuer>"
                + "<saml:Subject><saml:NameID Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified\">jane.doe</saml:NameID>"
                + "<saml:SubjectConfirmation Method=\"urn:oasis:names:tc:SAML:2.0:cm:bearer\"><saml:SubjectConfirmationData"
                + " InResponseTo=\"ONELOGIN_5a2f0c1b9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b\" NotOnOrAfter=\"" + EXPIRES + "\" Recipient=\""
                + ACS + "\"/></saml:SubjectConfirmation></saml:Subject>"
                + "<saml:Conditions NotBefore=\"" + ISSUED + "\" NotOnOrAfter=\"" + EXPIRES + "\"><saml:AudienceRestriction>"
                + "<saml:Audience>sonarqube</saml:Audience></saml:AudienceRestriction></saml:Conditions>"
                + "<saml:AuthnStatement AuthnInstant=\"" + ISSUED + "\" SessionIndex=\"9f8e7d6c-5b4a-3c2d-1e0f-a1b2c3d4e5f6::0a1b2c3d\""
                + " SessionNotOnOrAfter=\"2026-01-15T20:00:00Z\"><saml:AuthnContext><saml:AuthnContextClassRef>"
                + "urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>"
                + "<saml:AttributeStatement>" + kcAttr("login", "jane.doe") + kcAttr("name", "Jane Doe")
                + kcAttr("email", "jane.doe@example.com") + kcAttr("groups", "sonar-users", "developers")
                + "</saml:AttributeStatement></saml:Assertion></samlp:Response>";
        }
        // Shibboleth IdP 4/5 (OpenSAML): saml2p/saml2 prefixes, _<hex> IDs, xsi:type="xsd:string" declared on each value
        String shibIdp = "https://idp.example.com/idp/shibboleth";
        return "<saml2p:Response xmlns:saml2p=\"" + P + "\" Destination=\"" + ACS + "\" ID=\"_0f6c1e4b8a2d9c7e5f3a1b0d8c6e4a2f\""
            + " InResponseTo=\"ONELOGIN_5a2f0c1b9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b\" IssueInstant=\"" + ISSUED + "\" Version=\"2.0\">"
            + "<saml2:Issuer xmlns:saml2=\"" + A + "\">" + shibIdp + "</saml2:Issuer>"
            + "<saml2p:Status><saml2p:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"/></saml2p:Status>"
            + "<saml2:Assertion xmlns:saml2=\"" + A + "\" ID=\"_7d2b9e4f1a6c3e8b5d0f2a7c9e1b4d6f\" IssueInstant=\"" + ISSUED
            + "\" Version=\"2.0\"><saml2:Issuer>" + shibIdp + "</saml2:Issuer>"
            + "<saml2:Subject><saml2:NameID Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:transient\" NameQualifier=\""
            + shibIdp + "\" SPNameQualifier=\"sonarqube\">AAdzZWNyZXQxMjM0NTY3OA==</saml2:NameID>"
            + "<saml2:SubjectConfirmation Method=\"urn:oasis:names:tc:SAML:2.0:cm:bearer\"><saml2:SubjectConfirmationData"
            + " Address=\"192.0.2.10\" InResponseTo=\"ONELOGIN_5a2f0c1b9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b\" NotOnOrAfter=\"" + EXPIRES
            + "\" Recipient=\"" + ACS + "\"/></saml2:SubjectConfirmation></saml2:Subject>"
            + "<saml2:Conditions NotBefore=\"" + ISSUED + "\" NotOnOrAfter=\"" + EXPIRES + "\"><saml2:AudienceRestriction>"
            + "<saml2:Audience>sonarqube</saml2:Audience></saml2:AudienceRestriction></saml2:Conditions>"
            + "<saml2:AuthnStatement AuthnInstant=\"" + ISSUED + "\" SessionIndex=\"_3a5c7e9b1d2f4a6c8e0b2d4f6a8c0e2b\">"
            + "<saml2:SubjectLocality Address=\"192.0.2.10\"/><saml2:AuthnContext><saml2:AuthnContextClassRef>"
            + "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml2:AuthnContextClassRef></saml2:AuthnContext>"
            + "</saml2:AuthnStatement><saml2:AttributeStatement>" + shibAttr("login", "jane.doe") + shibAttr("name", "Jane Doe")
            + shibAttr("email", "jane.doe@example.com") + shibAttr("groups", "sonar-users", "developers")
            + "</saml2:AttributeStatement></saml2:Assertion></saml2p:Response>";
    }

    static String kcAttr(String name, String... values) {
        StringBuilder b = new StringBuilder("<saml:Attribute Name=\"" + name
            + "\" NameFormat=\"urn:oasis:names:tc:SAML:2.0:attrname-format:basic\">");
        for (String v : values) b.append("<saml:AttributeValue xmlns:xs=\"http://www.w3.org/2001/XMLSchema\""
            + " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"xs:string\">").append(v)
            .append("</saml:AttributeValue>");
        return b.append("</saml:Attribute>").toString();
    }

    static String shibAttr(String name, String... values) {
        StringBuilder b = new StringBuilder("<saml2:Attribute FriendlyName=\"" + name + "\" Name=\"" + name
            + "\" NameFormat=\"urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified\">");
        for (String v : values) b.append("<saml2:AttributeValue xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\""
            + " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"xsd:string\">").append(v)
            .append("</saml2:AttributeValue>");
        return b.append("</saml2:Attribute>").toString();
    }

    static Document parse(String xml) throws Exception {
        DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
        dbf.setNamespaceAware(true);
        dbf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document doc = dbf.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        registerIds(doc);
        return doc;
    }

    /** The JDK resolves "#id" only to attributes registered as IDs (no schema): both IdPs do this. */
    static void registerIds(Document doc) {
        for (String ns : new String[] {P, A}) {
            for (String local : new String[] {"Response", "Assertion"}) {
                NodeList l = doc.getElementsByTagNameNS(ns, local);
                for (int i = 0; i < l.getLength(); i++) {
                    Element e = (Element) l.item(i);
                    if (e.hasAttribute("ID")) e.setIdAttribute("ID", true);
                }
            }
        }
    }

    static Element first(Node root, String ns, String local) {
        NodeList l = root instanceof Document ? ((Document) root).getElementsByTagNameNS(ns, local)
            : ((Element) root).getElementsByTagNameNS(ns, local);
        return (Element) l.item(0);
    }

    static Element issuerOf(Element e) {
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling())
            if (n instanceof Element && "Issuer".equals(n.getLocalName())) return (Element) n;
        throw new IllegalStateException("no Issuer");
    }

    // ---- signing (javax.xml.crypto.dsig) ----
    static void sign(Element target, String layout, String alg, String keyName) throws Exception {
        String id = target.getAttribute("ID");
        String digest = alg.equals(SHA1) ? DigestMethod.SHA1 : DigestMethod.SHA256;
        boolean shib = layout.equals("shibboleth");
        // Shibboleth (OpenSAML SAMLObjectContentReference) lists "xsd" as an inclusive prefix of the
        // Reference's exc-c14n, since xsi:type="xsd:string" uses it only in content (xml-exc-c14n 3).
        ExcC14NParameterSpec refC14n = shib ? new ExcC14NParameterSpec(List.of("xsd")) : null;
        List<Transform> transforms = List.of(
            fac.newTransform(Transform.ENVELOPED, (TransformParameterSpec) null),
            fac.newTransform(CanonicalizationMethod.EXCLUSIVE, refC14n));
        Reference ref = fac.newReference("#" + id, fac.newDigestMethod(digest, null), transforms, null, null);
        SignedInfo si = fac.newSignedInfo(
            fac.newCanonicalizationMethod(CanonicalizationMethod.EXCLUSIVE, (C14NMethodParameterSpec) null),
            fac.newSignatureMethod(alg, null), List.of(ref));
        X509Certificate c = cert(keyName);
        KeyInfoFactory kif = fac.getKeyInfoFactory();
        List<XMLStructure> content = new ArrayList<>();
        if (!shib) content.add(kif.newKeyName("kid-" + keyName));  // Keycloak: KeyName = the realm key's kid
        content.add(kif.newX509Data(List.of(c)));
        KeyInfo ki = kif.newKeyInfo(content);
        // Both IdPs put the Signature right after the Issuer (saml-core 5.3 schema order).
        DOMSignContext ctx = new DOMSignContext(privateKey(keyName), target, issuerOf(target).getNextSibling());
        ctx.setDefaultNamespacePrefix(shib ? "ds" : "dsig");
        ctx.setIdAttributeNS(target, null, "ID");
        fac.newXMLSignature(si, ki).sign(ctx);
    }

    // ---- encryption: the JDK ships no XMLCipher (its java.xml.crypto holds only Santuario's dsig part),
    // so this writes XML Encryption 1.1 by hand with javax.crypto, in the shape Keycloak's
    // XMLEncryptionUtil (Santuario XMLCipher) writes: EncryptedData > KeyInfo > EncryptedKey (rsa-oaep-mgf1p).
    static void encrypt(Document doc, Element assertion, String algo, String layout) throws Exception {
        boolean gcm = algo.endsWith("gcm");
        KeyGenerator kg = KeyGenerator.getInstance("AES");
        kg.init(algo.contains("aes256") ? 256 : 128);
        SecretKey secret = kg.generateKey();
        Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPWithSHA-1AndMGF1Padding");  // xmlenc 5.4.2 rsa-oaep-mgf1p, SHA-1
        rsa.init(Cipher.ENCRYPT_MODE, cert("sp").getPublicKey());
        byte[] wrapped = rsa.doFinal(secret.getEncoded());
        byte[] iv = new byte[gcm ? 12 : 16];
        new SecureRandom().nextBytes(iv);
        Cipher aes = Cipher.getInstance(gcm ? "AES/GCM/NoPadding" : "AES/CBC/PKCS5Padding");
        aes.init(Cipher.ENCRYPT_MODE, secret, gcm ? new GCMParameterSpec(128, iv) : new IvParameterSpec(iv));
        byte[] body = aes.doFinal(serializeNode(assertion).getBytes(StandardCharsets.UTF_8));
        byte[] data = new byte[iv.length + body.length];  // xmlenc 5.2: the IV is prepended to the cipher text
        System.arraycopy(iv, 0, data, 0, iv.length);
        System.arraycopy(body, 0, data, iv.length, body.length);
        Element ed = doc.createElementNS(XENC, "xenc:EncryptedData");
        ed.setAttributeNS("http://www.w3.org/2000/xmlns/", "xmlns:xenc", XENC);
        ed.setAttribute("Type", XENC + "Element");
        Element em = (Element) ed.appendChild(doc.createElementNS(XENC, "xenc:EncryptionMethod"));
        em.setAttribute("Algorithm", algo);
        Element ki = (Element) ed.appendChild(doc.createElementNS(DS, "ds:KeyInfo"));
        ki.setAttributeNS("http://www.w3.org/2000/xmlns/", "xmlns:ds", DS);
        Element ek = (Element) ki.appendChild(doc.createElementNS(XENC, "xenc:EncryptedKey"));
        Element km = (Element) ek.appendChild(doc.createElementNS(XENC, "xenc:EncryptionMethod"));
        km.setAttribute("Algorithm", XENC + "rsa-oaep-mgf1p");
        Element dm = (Element) km.appendChild(doc.createElementNS(DS, "ds:DigestMethod"));
        dm.setAttribute("Algorithm", DigestMethod.SHA1);
        Element kcd = (Element) ek.appendChild(doc.createElementNS(XENC, "xenc:CipherData"));
        kcd.appendChild(doc.createElementNS(XENC, "xenc:CipherValue"))
            .setTextContent(Base64.getMimeEncoder().encodeToString(wrapped));
        Element cd = (Element) ed.appendChild(doc.createElementNS(XENC, "xenc:CipherData"));
        cd.appendChild(doc.createElementNS(XENC, "xenc:CipherValue"))
            .setTextContent(Base64.getMimeEncoder().encodeToString(data));
        Element wrapper = doc.createElementNS(A, layout.equals("keycloak") ? "saml:EncryptedAssertion" : "saml2:EncryptedAssertion");
        assertion.getParentNode().replaceChild(wrapper, assertion);
        wrapper.appendChild(ed);
    }

    /** The SP's side (xmlenc 4.3): unwrap the key with sp.key, decrypt, parse the Assertion back in. */
    static void decrypt(Document doc) throws Exception {
        Element ed = first(doc, XENC, "EncryptedData");
        String algo = first(ed, XENC, "EncryptionMethod").getAttribute("Algorithm");
        NodeList values = ed.getElementsByTagNameNS(XENC, "CipherValue");
        Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPWithSHA-1AndMGF1Padding");
        rsa.init(Cipher.DECRYPT_MODE, privateKey("sp"));
        SecretKey secret = new SecretKeySpec(rsa.doFinal(Base64.getMimeDecoder().decode(values.item(0).getTextContent())), "AES");
        byte[] data = Base64.getMimeDecoder().decode(values.item(1).getTextContent());
        boolean gcm = algo.endsWith("gcm");
        int n = gcm ? 12 : 16;
        Cipher aes = Cipher.getInstance(gcm ? "AES/GCM/NoPadding" : "AES/CBC/PKCS5Padding");
        aes.init(Cipher.DECRYPT_MODE, secret, gcm ? new GCMParameterSpec(128, data, 0, n) : new IvParameterSpec(data, 0, n));
        String plain = new String(aes.doFinal(data, n, data.length - n), StandardCharsets.UTF_8);
        Node assertion = doc.importNode(parse(plain).getDocumentElement(), true);
        Node wrapper = ed.getParentNode();
        wrapper.getParentNode().replaceChild(assertion, wrapper);
        registerIds(doc);
    }

    static String serializeNode(Node node) throws Exception {
        Transformer t = TransformerFactory.newInstance().newTransformer();
        t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
        StringWriter w = new StringWriter();
        t.transform(new DOMSource(node), new StreamResult(w));
        return w.toString();
    }

    static String make(Spec s) throws Exception {
        Document doc = parse(template(s.layout));
        Element response = doc.getDocumentElement();
        Element assertion = first(doc, A, "Assertion");
        if (s.signAssertion) sign(assertion, s.layout, s.alg, s.key);
        if (s.enc != null) encrypt(doc, assertion, s.enc, s.layout);
        if (s.signResponse) sign(response, s.layout, s.alg, s.key);
        if (s.tamper) {  // after signing: the IdP's (or a proxy's) change of one group value
            NodeList values = doc.getElementsByTagNameNS(A, "AttributeValue");
            for (int i = 0; i < values.getLength(); i++)
                if ("sonar-users".equals(values.item(i).getTextContent())) values.item(i).setTextContent("sonar-administrators");
        }
        return serialize(doc);
    }

    static String serialize(Document doc) throws Exception {
        Transformer t = TransformerFactory.newInstance().newTransformer();
        t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "no");
        t.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
        StringWriter w = new StringWriter();
        t.transform(new DOMSource(doc), new StreamResult(w));
        return w.toString();
    }

    // ---- the JDK's verdicts ----
    static String judge(Spec s, String xml) throws Exception {
        StringBuilder b = new StringBuilder("{\"made_with\": {\"layout\": \"" + s.layout + "\", \"sign_response\": "
            + s.signResponse + ", \"sign_assertion\": " + s.signAssertion + ", \"alg\": \"" + s.alg + "\", \"key\": \""
            + s.key + "\", \"enc\": " + (s.enc == null ? "null" : "\"" + s.enc + "\"") + ", \"tampered\": " + s.tamper
            + "}, \"jdk\": {");
        Document doc = parse(xml);
        List<String> parts = new ArrayList<>();
        if (s.signResponse) parts.add("\"Response\": " + validateAll(doc, doc.getDocumentElement()));
        if (s.signAssertion) {
            if (s.enc != null) decrypt(doc);  // the SP's view: then the Assertion's own signature
            parts.add("\"Assertion\": " + validateAll(doc, first(doc, A, "Assertion")));
        }
        return b.append(String.join(", ", parts)).append("}}").toString();
    }

    static String validateAll(Document doc, Element signed) throws Exception {
        Element sig = null;
        for (Node n = signed.getFirstChild(); n != null; n = n.getNextSibling())
            if (n instanceof Element && DS.equals(n.getNamespaceURI()) && "Signature".equals(n.getLocalName())) sig = (Element) n;
        List<String> rows = new ArrayList<>();
        for (String keyName : new String[] {"idp", "attacker"})
            for (boolean secure : new boolean[] {false, true})
                rows.add("\"" + keyName + ".crt/secureValidation=" + (secure ? "on" : "off") + "\": "
                    + validate(sig, cert(keyName).getPublicKey(), secure));
        return "{" + String.join(", ", rows) + "}";
    }

    static String validate(Element sig, PublicKey key, boolean secure) {
        try {
            DOMValidateContext ctx = new DOMValidateContext(KeySelector.singletonKeySelector(key), sig);
            ctx.setProperty("org.jcp.xml.dsig.secureValidation", secure);
            XMLSignature xs = fac.unmarshalXMLSignature(ctx);
            boolean ok = xs.validate(ctx);
            String why = "";
            if (!ok) {
                boolean sv = xs.getSignatureValue().validate(ctx);
                boolean refs = true;
                for (Object r : xs.getSignedInfo().getReferences()) refs &= ((Reference) r).validate(ctx);
                why = ", \"signature_value\": " + sv + ", \"references\": " + refs;
            }
            return "{\"valid\": " + ok + why + "}";
        } catch (Exception e) {
            return "{\"valid\": false, \"error\": \"" + String.valueOf(e).replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
        }
    }
}
