"""--redact: mask emails, NameIDs, IPs and attribute values with stable hashes, in every format.

One user stays one user (the same value always gets the same mask), so correlation still reads.
"""
from __future__ import annotations

import hashlib
import re
from bisect import bisect_left
from functools import cache, partial

from samlscan import lazyre
from samlscan.report.cells import width
from samlscan.retrie import alternation

# also URL-encoded ('login_hint=dev.user1%40example.com' in a logged or captured URL), and twice
# where a URL is a parameter of another ('return_to=%2Fprojects%3Fowner%3Dann%2540corp.example')
_LOCAL_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._%+-")
_EMAIL = lazyre.compile(r"[A-Za-z0-9._%+\-]+(?:@|%40|%2540)[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
# a URL-encoded '/', '?', '=', '&', ':', ',' or ';': the end of a parameter or path, no part of an
# email's local part ('%3Dann%2540corp.example' is '=ann@corp.example')
_ENCODED_DELIM = lazyre.compile(r"(?i)(%(?:2[6CF]|3[ABDF]))")


def email_parts(match: str) -> list[tuple[str, str | None]]:
    """An _EMAIL match split at URL-encoded delimiters (a whole encoded query looks like one local
    part): each piece with the address it is, written unencoded, or None. One address gets one mask
    however often it was URL-encoded."""
    out = []
    for piece in _ENCODED_DELIM.split(match):
        is_email = piece and not _ENCODED_DELIM.fullmatch(piece) and _EMAIL.fullmatch(piece)
        out.append((piece, piece.replace("%2540", "@").replace("%40", "@") if is_email else None))
    return out
# _EMAIL starting only where a run of local-part characters starts: tried from every position of a
# long run without an '@' (a base64 message in a logged line), _EMAIL takes time quadratic in its length
_EMAIL_AT_RUN = lazyre.compile(r"(?<![A-Za-z0-9._%+\-])" + _EMAIL.pattern)


def sub_emails(text: str, repl, email: re.Pattern = _EMAIL, at_run: re.Pattern = _EMAIL_AT_RUN) -> str:
    """email.sub(repl, text) in linear time. An address that starts inside a run of local-part
    characters also matches from the run's start (a longer local part), which a left-to-right search
    tries first; so a match is sought only at runs' starts, and where the previous match ended
    inside a run ('a@b.com.x@c.org')."""
    out, pos = [], 0
    while True:
        m = None
        if 0 < pos < len(text) and text[pos - 1] in _LOCAL_CHARS and text[pos] in _LOCAL_CHARS:
            m = email.match(text, pos)
        m = m or at_run.search(text, pos)
        if m is None:
            out.append(text[pos:])
            return "".join(out)
        out += (text[pos:m.start()], repl(m))
        pos = m.end()
# Four numbers only: not a part of a longer dotted number, nor an OID ('urn:oid:2.5.4.42' is givenName,
# 'urn:oid:1.3.6.1.4.1.5923.1.1.1.7' eduPersonEntitlement: attribute names, not addresses), nor an
# attribute type of an X.509 subject ('2.5.4.42=Jane' is RFC 4514's givenName).
# ('_' may touch an address: AWS writes an ALB node's into its log objects' names,
# '..._20261204T1010Z_10.0.2.41_960384a0.log.gz')
_IPV4 = lazyre.compile(r"(?<![^\W_]|\.)(?<!oid:)(?:\d{1,3}\.){3}\d{1,3}(?![^\W_]|=|\.\d)")
# a section of a spec, as the catalog cites one: 'SAML profiles 4.1.4.2', '(SAML profiles 4.1.4.1,
# 4.4.4.1, 4.4.4.2)', 'XML-DSig 1.1 4.5.2.3'; the text before a four-number match, reversed
_SPEC_BEFORE = lazyre.compile(r"(?i)\s*(?:(?:,|dna\s)\s*\d+(?:\.\d+)*\s*)*"
                          r"(?:(?:eroc|selifor?p|sgnidnib|ecnamrofnoc)\s+LMAS|atadatem|noitces|\.tces|\xa7|(?:1\.1 )?giSD-LMX)"
                          r"(?![\w-])")


def ipv4s(text: str):
    """The IPv4 addresses in a text, by their shape, less a spec's section numbers."""
    return (m for m in _IPV4.finditer(text)
            if not _SPEC_BEFORE.match(text[max(0, m.start() - 80):m.start()][::-1]))
# Eight groups, or fewer around one '::' (RFC 4291 2.2); a time of day (08:40:59) is neither.
_IPV6 = lazyre.compile(r"(?<![\w:])(?=[0-9a-fA-F:]*[0-9a-fA-F])"
                   r"(?:(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}"
                   r"|(?:[0-9a-fA-F]{1,4}:){0,6}[0-9a-fA-F]{0,4}::(?:[0-9a-fA-F]{1,4}:){0,6}[0-9a-fA-F]{0,4})"
                   r"(?![\w:])")
# eight two-digit groups: a certificate fingerprint as the table cuts it ('D8:47:5B:00:09:04:BB:99...')
# the last word of a text, as far as an email or an address could reach, matched on the text reversed
# (searched for with '\Z', it was tried from every character of a long last word: quadratic)
_TAIL_REVERSED = lazyre.compile(r"[\w.@%+\-:]+")
_FINGERPRINT = lazyre.compile(r"[0-9A-F]{2}(?::[0-9A-F]{2}){7}")
# the user part of a URL ('https://alice:secret@host/'), masked whole before it is taken for an email
# (also 'alice:secret@host/path' where a URL is shown without its scheme)
# (a scheme of at most 64 characters: tried at every '-' or '.' of a long token, an unbounded one
# took time quadratic in the token's length)
_USERINFO = lazyre.compile(r"(?i)\b([a-z][a-z0-9+.\-]{0,63}://)([^\s/?#@\[\]<>\"'\\]+)@"
                       r"|(?<![\w.%+\-:/])()([\w.%+\-~]{1,128}:[^\s/?#@\[\]<>\"'\\]{0,256})@(?=[\w\-]+\.)")
"""(The second user part is bounded, its password too: tried from each '~' of a long run ('~a:~a:...'),
unbounded either was quadratic.)"""
# A value after a key that names a user or carries a secret, as logs, copied requests and URLs write
# them: 'user=alice', 'username="alice"', '"login":"alice"', SonarQube's '[login|alice]',
# 'login_hint=alice', 'JSESSIONID=...', 'sessionId: ...', 'Authorization: Bearer ...'.
# A user's ID is personal data too (GDPR: it singles one person out): Keycloak's 'userId=<UUID>',
# Entra's "userId", Auth0's "user_id".
# Keycloak's broker and registration events name the user at the IdP and the person
# ('identity_provider_identity="jdoe", first_name="Jane", last_name="Doe"': keycloak
# services/.../IdentityBrokerService, events/Details.java).
_USER_KEYS = (r"user|user_?name|user_?id|login|login_?name|login_?hint|upn|user_?principal_?name|principal|"
              r"principal_?name|account|account_?name|name_?id|uid|sam_?account_?name|identity_provider_identity|"
              r"first_?name|last_?name|given_?name|family_?name|sur_?name")
# a cookie or header named for a session or a secret: 'JSESSIONID', 'PHPSESSID', 'KEYCLOAK_SESSION',
# 'X-XSRF-TOKEN', 'access_token', 'sessionToken' (not 'SessionIndex' or 'SessionNotOnOrAfter')
_SECRET_KEYS = (r"(?:[\w\-.]*[_\-.])?(?:session|session_?id|session_?token|sessid|jsessionid|phpsessid|"
                r"token|access_?token|id_?token|refresh_?token|secret|client_?secret|password|passwd|pwd|"
                r"cookie|set-cookie|authorization|proxy-authorization|jwt|jwt-session|sid|saml_?session)")
_KEYED = lazyre.compile(
    r"(?i)(?<![\w\-<.])(?:(?P<user>" + _USER_KEYS + r")|(?P<secret>" + _SECRET_KEYS + r"))"
    r"(?P<sep>\\?[\"']?(?:\s*=(?:\s+(?![\w.\-]+=))?|\||:\s*)(?:(?:Bearer|Basic|Negotiate|Digest)\s+)?\\?[\"']?)"
    r"(?P<value>[^\s\"'\\,;&|()\[\]<>{}]{2,})")
# the same keys in a query that is itself URL-encoded, a parameter of another URL
# ('return_to=%2Fprojects%3Fid%3Dx%26login%3Djdoe'): the value runs to the next encoded '&'
_KEYED_ENCODED = lazyre.compile(
    r"(?i)(?:%26|%3F)(?:(?P<user>" + _USER_KEYS + r")|(?P<secret>" + _SECRET_KEYS + r"))"
    r"(?P<sep>%3D)(?P<value>(?:(?!%26)[^&\s\"'\\<>#])+)")
"""(A space after '=' is a separator only where no 'key=' follows: 'user= error=x' has an empty user.)"""
# Phrasings that introduce a user in a log's prose, with the name after them quoted:
# SonarQube's UserRegistrarImpl "Adding user '{}' to group '{}'", "Removing group '{}' from user '{}'",
# "User with login '{}' tried to login with email '{}'..." and its AuthenticationException "Failed to
# authenticate with login '%s'" (SonarSource/sonarqube server/sonar-webserver-auth/.../UserRegistrarImpl.java);
# Shibboleth IdP's "Login by '{}' failed" (net.shibboleth.idp.authn.impl.ValidateUsernamePasswordAgainstLDAP)
# and "... stored ID for principal '{}'" (StoredPersistentIdGenerationStrategy); Keycloak's "User '%s' is
# disabled in realm '%s'"; SQL Server's "Login failed for user 'jdoe'". The name may be 'CORP\\jdoe'.
_QUOTED_USER = (r"user(?:\s+with\s+login)?|login(?:\s+by)?|principal|account|user_?name|subject|name_?id")
# ... or bare, where only a name can follow: "Login failed for user jdoe", "authentication failed for
# user CORP\\jdoe", and a Windows event's "User: CORP\\jdoe" / "Account Name: jdoe" (AD FS audit
# events; Security 4625), whose DOMAIN\\name _KEYED would cut at the backslash.
_BARE_USER = (r"(?:failed|failure|denied|succeeded|successful|rejected)\s+for\s+(?:user|login|account|principal)\s+"
              r"|(?:user|account\s+name|user\s+name):[ \t]+(?=[\w.\-]{1,64}\\)")
_NAME = r"[^\s'\"`<>()\[\]{},;|]{1,256}"
_PROSE_USER = lazyre.compile(
    r"(?i)(?<![\w\-.])(?:(?:" + _QUOTED_USER + r")\s+(?P<q>['\"`\u2018\u201c])(?P<quoted>" + _NAME + r")"
    r"(?=['\"`\u2019\u201d])|(?:" + _BARE_USER + r")(?P<bare>" + _NAME + r"))")
_NOT_NAMES = frozenset("""not is was has had does did the a an with in on at from to for and or by of no none
    found unknown exists existing disabled enabled locked invalid account name id session null""".split())


def prose_users(text: str) -> set[str]:
    """User names a log line's prose introduces ("Login by 'jdoe' failed", "for user CORP\\jdoe")."""
    return {v for m in _PROSE_USER.finditer(text) if (v := _prose_name(m))}


def _prose_name(m: re.Match) -> str | None:
    value = (m["quoted"] or m["bare"] or "").rstrip(".:")
    if len(value) < 2 or value.lower() in _NOT_NAMES or value.lower() in _PLACEHOLDERS or value.startswith("%"):
        return None  # "user not found", "for user null", a format's "%s"
    return value


def _prose_sub(m: re.Match) -> str:
    value = _prose_name(m)
    if value is None:
        return m.group(0)
    at = m.start("quoted") if m["quoted"] else m.start("bare")
    head = m.group(0)[:at - m.start()]
    return head + mask(value, _kind(value)) + m.group(0)[at - m.start() + len(value):]


_PLACEHOLDERS = frozenset({"null", "none", "nil", "undefined", "unknown", "n/a", "na", "true", "false",
                           "anonymous", "empty", "redacted", "protected", "masked", "omitted", "saml"})


def keyed_users(text: str) -> set[str]:
    """User names a log line writes after a key that names a user ('user=alice', '[login|alice]')."""
    return {m["value"] for m in _KEYED.finditer(text)
            if m["user"] and m["value"].lower() not in _PLACEHOLDERS and not m["value"].startswith("<")} \
        | prose_users(text)


# A name in an X.509 subject, as RFC 4514 writes it ('O=Corp,1.2.840.113549.1.9.1=...,CN=Jane Roe':
# cryptography's rfc4514_string, the OID where the attribute has no short name) or OpenSSL's one-line
# form ('/CN=Jane Roe/emailAddress=...'): an SP's self-signed certificate made by an admin, or a
# user's, names its owner (X.520 givenName 2.5.4.42, surname 2.5.4.4, commonName).
_DN_NAME = lazyre.compile(r"(?<![\w.])(?:(?P<cn>CN)|(?P<short>GN|SN)|givenName|surname|2\.5\.4\.42|2\.5\.4\.4)="
                      r"(?P<value>(?:(?!(?<!\s)\s+[A-Za-z][\w.]*=)(?:\\.|'(?=[^\W\d_])|[^,+/\\\n()<>\"';=]))+)")
# (a value ends before the next 'TYPE=' of a subject written with spaces: 'SN=Roe GN=Jane'; that is
# looked for at a run of spaces' first one only: from each of a long run's, it was quadratic)
# words of a common name that name a service, a product or an organisation, not a person
_NOT_NAME_WORDS = frozenset("""certificate cert signing signer signature encryption encrypting sso saml saml2 idp sp
    federation federated service services server token test testing key keys root ca authority issuing intermediate
    realm identity provider login portal application app metadata default demo example production staging development
    dev prod self signed trust secure security authentication auth access management directory cloud azure microsoft
    google okta keycloak adfs shibboleth onelogin auth0 ping global corporate corp inc ltd llc gmbh university college
    school institute company group department team system systems platform web online network public private internal
    external enterprise connect gateway proxy client user users sonarqube sonar fixtures tenant corporation
    controller foundation software solutions technologies labs""".split())
_NAME_PARTICLES = frozenset("van von de der den da di du la le del dos bin al".split())


def _name_word(word: str) -> bool:
    """'Roe', 'O'Brien', 'Smith-Jones', 'J.', 'van': a word as a person's name writes it (not an
    acronym such as 'SSO', not a word in lower case)."""
    if word in _NAME_PARTICLES:
        return True
    core = word.rstrip(".")
    letters = core.replace("-", "").replace("'", "").replace("\u2019", "")
    return (letters.isalpha() and core[0].isupper() and (len(core) == 1 or not core.isupper())
            and core.lower() not in _NOT_NAME_WORDS)


def names_a_person(common_name: str) -> bool:
    """A certificate's CN written as a person's name ('Jane Roe', 'Jérôme van Dijk'); a host name,
    a URL or a product's name ('Microsoft Azure Federated SSO Certificate') is not one."""
    words = common_name.split()
    return 2 <= len(words) <= 5 and all(_name_word(w) for w in words) and not all(w in _NAME_PARTICLES for w in words)


def _dn_name_sub(subjects: _Subjects, m: re.Match) -> str:
    value = m["value"].strip()
    if not value or (m["cn"] and not names_a_person(value)) or (m["cn"] and subjects.company(m.start(), value)):
        return m.group(0)
    if m["short"] and not _surname_like(value):
        return m.group(0)  # 'SN=4D3F0A12' (a serial number), 'SN=lastName' (an attribute name): no name
    return m.group(0)[:m.start("value") - m.start()] + m["value"].replace(value, mask(value, "pii"), 1)


def _surname_like(value: str) -> bool:
    """'Roe', 'DUPONT' (LDAP writes surnames in capitals), "O'Brien", 'van Dijk', 'de la Cruz',
    "d'Alembert", 'al-Hassan': a name after 'SN='/'GN=' (not '4D3F0A12', not 'lastName')."""
    words = value.split()
    return bool(words) and any(_name_token(w) for w in words) and all(
        w in _NAME_PARTICLES or _name_token(w) for w in words)


def _name_token(word: str) -> bool:
    core = re.sub(r"^[a-z]{1,3}['\u2019-](?=[^\W\d_])", "", word.rstrip("."))  # d'Alembert, al-Hassan
    letters = core.replace("-", "").replace("'", "").replace("\u2019", "")
    return bool(letters) and letters.isalpha() and core[0].isupper()


_COMPANY_WORDS = frozenset("inc ltd llc gmbh corp corporation co ag sa sas bv plc limited srl spa oy ab kk pty "
                           "nv se".split())
_O_VALUE = lazyre.compile(r"(?<![\w.])O=((?:\\.|,\s*(?=(?:Inc|Ltd|LLC|GmbH|Corp|Co)\b)|[^,+/;\n])+)")


_SUBJECT_END = lazyre.compile(r"[\n;|]")


class _Subjects:
    """The subjects of one text (its pieces between line breaks, ';' and '|'), each read once for
    its O= values: asked at every CN=, each read of the subject (to the text's ends when it has no
    such separator) made 20,000 'CN=Jane Roe,' take minutes."""

    def __init__(self, text: str):
        self._text, self._ends, self._orgs, self._answers = text, None, {}, {}

    def company(self, start: int, common_name: str) -> bool:
        """The subject around `start` has an O= that is a company named after its CN ('CN=Red
        Hat,O=Red Hat\\, Inc.'): a company's certificate, not a person's (an O= equal to the CN, a
        person's own, is no company)."""
        if self._ends is None:
            self._ends = [m.start() for m in _SUBJECT_END.finditer(self._text)]
        k = bisect_left(self._ends, start)
        if (k, common_name) not in self._answers:
            if k not in self._orgs:
                first = self._ends[k - 1] + 1 if k else 0
                self._orgs[k] = _company_orgs(self._text[first:self._ends[k] if k < len(self._ends) else None])
            orgs, cuts = self._orgs[k]
            i, found = bisect_left(orgs, common_name), False
            while not found and i < len(orgs) and orgs[i].startswith(common_name):  # (sorted: those
                found, i = len(common_name) in cuts[orgs[i]], i + 1               # that start with it)
            self._answers[k, common_name] = found
        return self._answers[k, common_name]


def _company_orgs(subject: str) -> tuple[list[str], dict[str, set[int]]]:
    """The O= values of a subject that name a company, sorted, and for each where it may be cut to
    leave a common name it continues as a company ('Red Hat' of 'Red Hat, Inc.': a cut at a ' ' or
    ',' with a company word among the words after it)."""
    cuts = {}
    for m in _O_VALUE.finditer(subject):
        org = m.group(1).replace("\\", "").strip()
        if org not in cuts:
            cuts[org] = _company_cuts(org)
    named = {org: at for org, at in cuts.items() if at}
    return sorted(named), named


def _company_cuts(org: str) -> set[int]:
    """The ends of the common names `org` is a company's name after: the words after the cut (split
    at spaces, '.' and ',' stripped) hold a company word. Read right to left, once."""
    out: set[int] = set()
    tokens = [(t.start(), t.end()) for t in re.finditer(r"\S+", org)]
    after = False  # a company word among the tokens right of the one read
    for n in range(len(tokens) - 1, -1, -1):
        start, end = tokens[n]
        word = org[start:end]
        kept = len(word.rstrip(".,"))
        for run in re.finditer(r"[.,]+", word):  # a cut at a ',' inside the token: its rest is a word
            rest = word[run.end():kept] if kept - run.end() <= 12 else ""
            if after or rest.lower() in _COMPANY_WORDS:
                out.update(start + j for j in range(run.start(), run.end()) if word[j] == ",")
        stripped = word.strip(".,").lower()
        if n and org[tokens[n - 1][1]] == " " and (after or stripped in _COMPANY_WORDS):
            out.add(tokens[n - 1][1])
        after = after or stripped in _COMPANY_WORDS
    return out


def _email_sub(m: re.Match) -> str:
    return "".join(mask(address, "email") if address else piece for piece, address in email_parts(m.group(0)))


def _keyed_sub(m: re.Match) -> str:
    value = m["value"]
    if value.lower() in _PLACEHOLDERS or _PROSE_SEP.fullmatch(m["sep"]) and m.group(0) in _own_keyed():
        return m.group(0)
    return m.group(0)[:m.start("value") - m.start()] + mask(value, "pii" if m["user"] else "secret")


_PROSE_SEP = lazyre.compile(r":\s+")
"""A key's separator as prose writes it ('for the login: the SP'): only such a value is looked up in
_own_keyed ('user=alice' and '[login|alice]' never are, so a log's values cost no look-up)."""


@cache
def _own_texts() -> tuple[str, ...]:
    """samlscan's own words that reports quote: the codes' and the catalog's fixes and explanations
    (read once, at the first value met that may be one of theirs)."""
    from samlscan.catalog import entries
    from samlscan.codes import all_specs

    return (*(t for s in all_specs() for t in (s.summary, s.fix)),
            *(t for e in entries() for t in (e.explanation, e.fix) if t))


@cache
def _own_keyed() -> frozenset[str]:
    """What _KEYED takes for a keyed value in samlscan's own words ('Nothing to fix for the login: the
    SP and the IdP ...', 'after each token: read the SP's log'): prose, not a user or a secret."""
    return frozenset(m.group(0) for t in _own_texts() for m in _KEYED.finditer(t))


@cache
def _own_cited() -> dict[str, frozenset[str]]:
    """The IPv4-shaped section numbers of samlscan's own words -> each with the word before it
    (_cited: 'bindings 3.4.5.2/3.5.5.2' of 'SAML bindings 3.4.5.2/3.5.5.2'): a citation, not an address."""
    found: dict[str, set[str]] = {}
    for t in _own_texts():
        for m in _IPV4.finditer(t):
            if cited := _cited(t, m):
                found.setdefault(m.group(0), set()).add(cited)
    return {number: frozenset(c) for number, c in found.items()}


_WORD_BEFORE = lazyre.compile(r"\S+\s+\S*\Z")


def _cited(text: str, m: re.Match) -> str | None:
    """An IPv4-shaped match with the word before it, spaces folded ('bindings 3.4.5.2/3.5.5.2'):
    how _own_cited knows a section number of samlscan's words, not a bare number any log could hold."""
    lead = _WORD_BEFORE.search(text[max(0, m.start() - 80):m.start()])
    return " ".join(lead.group(0).split()) + (" " if lead.group(0)[-1].isspace() else "") + m.group(0) \
        if lead else None


def _ipv6_sub(m: re.Match) -> str:
    return m.group(0) if _FINGERPRINT.fullmatch(m.group(0)) else mask(m.group(0), "ip")


def _xml_escaped(value: str, quotes: bool = False) -> str:
    """As an XML serializer writes text (and attribute values, with quotes): xml.sax.saxutils'
    escape, without its import of urllib and http.client (10 ms of every start-up)."""
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value.replace('"', "&quot;").replace("'", "&apos;") if quotes else value


def _kind(value: str) -> str:
    """The mask's label of a known value by its shape: the same email or address gets the same
    mask whether the report knew it (a NameID, an event's user) or its pattern found it."""
    if _EMAIL.fullmatch(value):
        return "email"
    if _IPV4.fullmatch(value) or _IPV6.fullmatch(value):
        return "ip"
    return "pii"


def mask(value: str, kind: str = "v") -> str:
    return f"<{kind}:{hashlib.sha256(value.encode('utf-8')).hexdigest()[:10]}>"


def _sub_ipv4s(text: str) -> str:
    out, pos = [], 0
    for m in ipv4s(text):
        if (ours := _own_cited().get(m.group(0))) and _cited(text, m) in ours:  # (an address: one dict look-up)
            continue
        out += (text[pos:m.start()], mask(m.group(0), "ip"))
        pos = m.end()
    return "".join(out) + text[pos:]


_WIDE = ("\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3"
         "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\U00020000-\U0003fffd")
"""East Asian Wide and Fullwidth letters (UAX #11 'W', 'F': CJK ideographs, kana, Hangul)."""
_GLUED = rf"[^\W{_WIDE}]"
"""A letter or digit that makes a value part of a longer word (so do '.', '@', '-'); not a wide one, as
Chinese and Japanese write no space between words ('用户张伟登录失败' names 张伟)."""


_BEHIND = lazyre.compile(rf"(?<![.@-])(?<!{_GLUED})")
_AHEAD = lazyre.compile(rf"(?![.@-]|{_GLUED})")
"""Where a known value may start and end: not inside a longer word, name, email or host."""


def _known_finder(known: list[str]):
    """ahocorasick_rs's automaton of the known forms, or None (not installed, or an odd build: the
    regex alternation does the same job). A report of 36,000 group DNs made a pattern that re took
    24-61 CPU-s and 1.2 GB to compile; their automaton takes 4-6 s and 316 MB."""
    if not USE_AC:
        return None
    try:
        import ahocorasick_rs

        return ahocorasick_rs.AhoCorasick(known)
    except Exception:
        return None


AC_CHARS = 250_000
"""Known forms of more characters than this are found by the automaton: re compiles their alternation
as fast up to about this size (20,000 group names: 0.25 s either way), far slower past it."""
_SURROGATE = lazyre.compile("[\ud800-\udfff]")


def _longest_first(hit: tuple) -> tuple:
    return hit[1], -hit[2]


USE_AC = True
"""Find the known forms with ahocorasick_rs when it is installed (tests turn it off to run the regex
path on the same input, as prefilter.USE_AC)."""


class Redactor:
    """Replaces known personal values, then anything shaped like an email or an IP address."""

    def __init__(self, values=()):
        # a value of three columns or more: 'en', '1' or 'no' is no one's, but a CJK name is
        # mostly two ideographs or syllables (张伟, 王芳), four columns on a terminal (UAX #11 'W')
        items = {v for v in values if v and width(v.strip()) >= 3}
        # each value also as the decoded XML shows it ('R&D' is 'R&amp;D' in `decode`'s listing) and
        # as a URL carries it ('dev.user1%40example.com', 'Dev+User+One'); every form is masked as
        # the value itself, so one user stays one mask
        canon = {v: v for v in items}
        if items:
            from urllib.parse import quote, quote_plus

            for v in items:
                # and as a finding quotes it in a Python list ("postal_address = ['Street 1\\r\\nLine 2']")
                for form in (_xml_escaped(v, quotes=True), _xml_escaped(v), quote(v, safe=""), quote_plus(v),
                             repr(v)[1:-1]):
                    canon.setdefault(form, v)
        self._canon = canon
        self._values = sorted(items)
        self._known = sorted(canon, key=len, reverse=True)
        self._finder = _known_finder(self._known) if sum(map(len, self._known)) > AC_CHARS else None
        # whole values only, so that a value such as 'dev' does not mask the word 'developer'
        self._pattern = re.compile(rf"{_BEHIND.pattern}(?:{alternation(self._known)}){_AHEAD.pattern}") \
            if self._known and self._finder is None else None

    def _known_sub(self, m: re.Match) -> str:
        return self._masked(m.group(0))

    def _masked(self, form: str) -> str:
        value = self._canon.get(form, form)
        return mask(value, _kind(value))

    def _known_found(self, s: str) -> str:
        """`s` with each known form masked as self._pattern.sub would: left to right, at a start
        no word goes on from, the longest form at it that no word goes on after."""
        try:
            hits = self._finder.find_matches_as_indexes(s, overlapping=True)
        except UnicodeEncodeError:  # a lone surrogate (no form has one): searched as U+FFFD, hits checked
            hits = [h for h in self._finder.find_matches_as_indexes(_SURROGATE.sub("\ufffd", s), overlapping=True)
                    if s[h[1]:h[2]] == self._known[h[0]]]
        if not hits:
            return s
        hits.sort(key=_longest_first)
        out, at, decided = [], 0, -1
        for _, start, end in hits:  # (each start's forms longest first)
            if start < at or start == decided:
                continue
            if not _BEHIND.match(s, start):
                decided = start
            elif _AHEAD.match(s, end):
                out += (s[at:start], self._masked(s[start:end]))
                at = end
        return "".join(out) + s[at:] if out else s

    def _cut_tail(self, s: str) -> str:
        """A text cut short (a note quotes the first 300 characters of a log line, marked ' ...')
        may end in the first part of a known value ('for user rachel.yeats@corp', 'from
        198.51.100'): neither the value nor shaped like an email or address, it is masked as the
        value it starts."""
        if s.endswith(" ..."):
            return self._cut_tail(s[:-4]) + " ..."
        m = _TAIL_REVERSED.match(s[::-1])
        # (only an email's or an address's start, past its first '.' or '@', after other words:
        # a whole field 'SonarQube', or a note ending in a word, is no cut 'SonarQube-admins')
        if m is None or m.end() == len(s) or m.end() < 4 or not {".", "@"} & set(m.group(0)):
            return s
        run = m.group(0)[::-1]
        i = bisect_left(self._values, run)
        value = self._values[i] if i < len(self._values) else ""
        if value.startswith(run) and value != run and _kind(value) in ("email", "ip"):
            return s[:len(s) - m.end()] + mask(value, _kind(value))
        return s

    def text(self, s):
        if not isinstance(s, str) or not s:
            return s
        if self._finder is not None:
            s = self._cut_tail(self._known_found(s))
        elif self._pattern is not None:
            s = self._cut_tail(self._pattern.sub(self._known_sub, s))
        s = _DN_NAME.sub(partial(_dn_name_sub, _Subjects(s)), s)
        s = _USERINFO.sub(lambda m: (m.group(1) or "") + mask(m.group(2) or m.group(4), "user") + "@", s)
        s = _PROSE_USER.sub(_prose_sub, s)
        s = sub_emails(s, _email_sub)
        s = _KEYED_ENCODED.sub(_keyed_sub, _KEYED.sub(_keyed_sub, s))
        s = _sub_ipv4s(s)
        return _IPV6.sub(_ipv6_sub, s)

    def walk(self, obj):
        """A copy of a JSON-able structure with every string redacted, keys included (summary
        tables are keyed by user); structural keys hold no personal data and stay as they are."""
        if isinstance(obj, dict):
            return {self.text(k): self.walk(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [self.walk(v) for v in obj]
        return self.text(obj)


_NAMEID = lazyre.compile(rb"<(?:[\w.-]+:)?NameID\b[^>]*>([^<]+)</")


def personal_values_of(m) -> set[str]:
    """NameIDs, attribute values and addresses in one SamlMessage (the NameID of a LogoutRequest,
    or of an AuthnRequest's Subject, is read from its XML: the model keeps assertions' only)."""
    out: set[str] = {m.logout_name_id} if m.logout_name_id else set()
    out.update(m.session_indexes)  # the user's session at the IdP, as a LogoutRequest names it
    if m.kind != "Response" and m.xml:
        from html import unescape

        out.update(unescape(v.decode("utf-8", "replace")).strip() for v in _NAMEID.findall(m.xml[:1_000_000]))
    for a in m.assertions:
        if a.name_id and a.name_id.value:
            out.add(a.name_id.value)
        if a.name_id and a.name_id.naive_value:
            out.add(a.name_id.naive_value)
        for attr in a.attributes:
            out.update(v for v in attr.values if v)
        for sc in a.subject_confirmations:
            if sc.address:
                out.add(sc.address)
    return out


def addresses_in(text: str) -> set[str]:
    """The emails and IP addresses a text holds, by their shape (known, they are masked also where
    a quote of the text cuts them)."""
    out = {m.group(0) for m in ipv4s(text)}
    out.update(m.group(0) for m in _IPV6.finditer(text) if not _FINGERPRINT.fullmatch(m.group(0)))
    sub_emails(text, lambda m: out.update(a for _, a in email_parts(m.group(0)) if a) or "")
    return out


_SEGMENTS = lazyre.compile(r"[/:?#=&]+")


def entity_parts(report) -> set[str]:
    """The entity IDs the messages name (Issuer, Audience) and their segments: configuration, not
    personal data, even where an attribute carries one (Entra's tenantid claim is the GUID in
    its Issuer 'https://sts.windows.net/<tenant>/': masked, the issuer-mismatch fix printed
    'set sonar.auth.saml.providerId to https://sts.windows.net/<pii:...>/')."""
    out: set[str] = set()
    for r in report.messages:
        m = r.message
        names = [m.issuer, *(a.issuer for a in m.assertions),
                 *(x for a in m.assertions for group in a.audience_restrictions for x in group)]
        for name in filter(None, names):
            out.add(name)
            out.update(_SEGMENTS.split(name))
    return out


def personal_values(report) -> set[str]:
    """NameIDs, attribute values, users and IPs found anywhere in the report (not its entity IDs)."""
    out: set[str] = set()
    for r in report.messages:
        out |= personal_values_of(r.message)
    for e in report.events:
        out.update(v for v in (e.user, e.ip) if v)
        if e.text:  # a user the reader did not take as the event's ('login failed for user=alice')
            out |= keyed_users(e.text) | addresses_in(e.text)
    for at in report.attempts:
        out.update(v for v in (at.user, at.ip) if v)
    out |= report.people
    return out - entity_parts(report)
