"""Attribute checks: the email doctor, login/name/group attributes, Entra's groups overage claim, group
values that are object IDs."""
from __future__ import annotations

from dataclasses import replace

from samlscan import lazyre
from samlscan.checks.base import CheckContext, consumed_assertion, finding, in_idp, issuer_product
from samlscan.codes import GROUP_IDS_ELSEWHERE_FIX, OKTA_STATEMENTS
from samlscan.model import Assertion, Attribute, SamlMessage, Severity
from samlscan.saml import NIL_SHOWN, displayed_values

EMAIL_ALIASES = (
    "email", "mail", "emailaddress", "email_address", "emailAddress", "Email", "EmailAddress",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    "urn:oid:0.9.2342.19200300.100.1.3", "urn:oid:1.2.840.113549.1.9.1",
    "http://schemas.xmlsoap.org/claims/EmailAddress", "user.email", "userPrincipalName",
)
LOGIN_ALIASES = ("login", "uid", "username", "user", "samaccountname", "urn:oid:0.9.2342.19200300.100.1.1",
                 "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
                 "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn", "preferred_username")
NAME_ALIASES = ("name", "displayname", "cn", "fullname", "urn:oid:2.16.840.1.113730.3.1.241",
                "urn:oid:2.5.4.3", "http://schemas.microsoft.com/identity/claims/displayname",
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name")
GROUP_ALIASES = ("groups", "group", "memberof", "roles", "role", "urn:oid:1.3.6.1.4.1.5923.1.5.1.1",
                 "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
                 "http://schemas.microsoft.com/ws/2008/06/identity/claims/role")
GIVEN_NAMES = ("firstname", "first_name", "givenname", "given_name", "urn:oid:2.5.4.42",
               "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname")
SURNAMES = ("lastname", "last_name", "surname", "sn", "familyname", "family_name", "urn:oid:2.5.4.4",
            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname")
"""The names of the two halves of a person's name (Okta's FirstName/LastName statements, Entra's and AD
FS's givenname/surname claims, eduPerson's givenName/sn OIDs): an SP that reads one display-name
attribute finds neither."""
GROUPS_LINK = "http://schemas.microsoft.com/claims/groups.link"
ENTRA_GROUPS = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"
_GUID = lazyre.compile(r"(\{)?[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}(?(1)\})\Z")
"""A group's object ID: Entra's default group claim value (learn.microsoft.com, 'SAML token claims
reference': groups 'Provides object IDs'), in either case, or in braces (.NET's Guid 'B' form, an AD
objectGUID as a claim rule may write it)."""
_SID = lazyre.compile(r"S-1-\d+(?:-\d+)+\Z")
"""A Windows security identifier: Entra's 'On Premises Group Security Identifier' source, AD FS's
group SID claims (MS-DTYP 2.4.2.1, its string form)."""
_OKTA_EXPRESSION = lazyre.compile(r"^user\.[A-Za-z][A-Za-z0-9_]*$")
"""An Okta Expression Language reference to the user's profile (user.email, user.login): what an
attribute statement's Value holds. Sent as an attribute's Name, the statement's Name and Value were
mixed up (Okta's attribute statements: Name is what the SP reads, Value the expression)."""
_EMAIL = lazyre.compile(r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")


_SPECIAL_USE = frozenset({"local", "localhost", "test", "example", "invalid", "internal"})
"""Top-level names no mail is delivered to: RFC 6761 (test, example, invalid, localhost), RFC 6762 (local:
the classic suffix of Active Directory domains, hence of their UPNs) and ICANN's private-use 'internal'."""


def _mailbox(value: str) -> bool:
    """An email address's shape and a domain mail can reach: user@corp.local is a UPN, not a mailbox."""
    v = value.strip()
    return bool(_EMAIL.match(v)) and v.rsplit(".", 1)[-1].lower() not in _SPECIAL_USE and not _guest_upn(v)


def _guest_upn(value: str) -> bool:
    """An Entra ID B2B guest's user principal name: the invited address with '@' as '_', then
    '#EXT#@<tenant>.onmicrosoft.com' (Microsoft Learn, 'B2B collaboration user properties'): no mailbox."""
    return "#EXT#@" in value.upper()


SCOPED_IDS = frozenset(n.lower() for n in (
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.9", "eduPersonScopedAffiliation",
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.6", "eduPersonPrincipalName",
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.13", "eduPersonUniqueId",
    "urn:oasis:names:tc:SAML:attribute:subject-id", "subject-id",
    "urn:oasis:names:tc:SAML:attribute:pairwise-id", "pairwise-id"))
"""Identifiers written value@scope, an address's shape by definition and no mailbox: an affiliation
(member@example.org), a principal name (eduPerson: an email address's syntax, not necessarily one), a
unique or subject identifier (eduPersonUniqueId; the SAML V2.0 Subject Identifier Attributes Profile)."""


def _scoped_id(x: Attribute) -> bool:
    return any(n and n.lower() in SCOPED_IDS for n in (x.name, x.friendly_name))


_EPPN = frozenset(("urn:oid:1.3.6.1.4.1.5923.1.1.1.6", "edupersonprincipalname"))


def _eppn_note(a: Assertion) -> str:
    """What an eduPersonPrincipalName sent instead of a mail attribute is: many IdPs fill it with the mail,
    none has to (an affiliation or an opaque identifier never is one: no word of those)."""
    x = next((x for x in a.attributes if any(n and n.lower() in _EPPN for n in (x.name, x.friendly_name))
              and any(_mailbox(v) for v in x.values)), None)
    if x is None:
        return ""
    label = x.name + (f" ({x.friendly_name})" if x.friendly_name and x.friendly_name != x.name else "")
    value = next(v for v in x.values if _mailbox(v))  # (the one of an address's shape: not an empty first)
    return (f" ({label} = {value.strip()!r} has an address's shape, but eduPerson defines a principal "
            "name as a login identifier that need not be a mailbox: point the email setting at it only if the IdP "
            "fills it with the user's mail)")


def _unreachable(a: Assertion) -> str:
    """What an attribute whose value has an address's shape in a special-use domain is, when one is sent."""
    x, v = next(((x, v.strip()) for x in a.attributes for v in x.values
                 if _EMAIL.match(v.strip()) and not _mailbox(v)), (None, None))
    if x is None:
        return ""
    if _guest_upn(v):
        return (f" ({x.name!r} = {v!r} is an Entra ID B2B guest's user principal name ('#EXT#'), not a mailbox: "
                "the guest's address is the user's 'mail' (user.mail))")
    return (f" ({x.name!r} = {v!r} has an address's shape, but its domain ends in the special-use name "
            f"'.{v.rsplit('.', 1)[-1]}' (RFC 6761/6762), which no mail reaches: a user principal name of a "
            "directory domain, not a mailbox)")


def _received(a: Assertion) -> str:
    if not a.attributes:
        return "no attributes at all"
    return "; ".join(f"{x.name}" + (f" (FriendlyName {x.friendly_name})" if x.friendly_name else "")
                     + f" = {list(displayed_values(x))[:3]!r}" for x in a.attributes)


def _no_value(attr: Attribute) -> tuple[str, str] | None:
    """(what is wrong, as 'actual') when an attribute is there but carries no usable value."""
    if any(v.strip() for v in attr.values):
        return None
    if not attr.values:
        return "has no AttributeValue element", "no AttributeValue"
    if NIL_SHOWN in displayed_values(attr):
        # SAML core 2.7.3.1.1: xsi:nil="true" says the value is explicitly absent, not ''
        return ('has no value: its AttributeValue is xsi:nil="true", which says explicitly that the IdP '
                "holds none for this user (SAML core 2.7.3.1.1)"), 'xsi:nil="true"'
    return "empty", "''"


def _by_name(a: Assertion, name: str) -> Attribute | None:
    return next((x for x in a.attributes if x.name == name), None)


def _alias_hit(a: Assertion, wanted: str, aliases) -> tuple[Attribute, str] | None:
    """An attribute that is probably the wanted one: same name but for case, FriendlyName, or a
    known alias (the reason is said)."""
    for x in a.attributes:
        if x.name.lower() == wanted.lower():
            return x, "the name differs only in case (SPs compare names exactly)"
    for x in a.attributes:
        if x.friendly_name and x.friendly_name.lower() == wanted.lower():
            return x, f"{wanted!r} is its FriendlyName; SPs look attributes up by Name"
    # the first alias the assertion has, not its first attribute that is one: aliases come most
    # specific first (an email login setting: mail before uid), whatever order the IdP lists them in
    by_name: dict[str, Attribute] = {}
    for x in a.attributes:
        for n in (x.name, x.friendly_name):
            if n:
                by_name.setdefault(n.lower(), x)
    x = next((by_name[n.lower()] for n in aliases if n.lower() in by_name), None)
    if x is None:
        return None
    if _okta_expression(a, x.name):
        return x, (f"{x.name!r} is Okta's expression for the value: it was written as the attribute "
                   "statement's Name")
    return x, "a well-known name for the same information"


def _okta_expression(a: Assertion, name: str) -> bool:
    """An attribute Name that is Okta's expression for a value (user.email), in an Okta assertion:
    another IdP may name an attribute so on purpose, and its console has no such screen."""
    return bool(_OKTA_EXPRESSION.match(name) and issuer_product(a.issuer) == "okta")


def _setting_hint(ctx: CheckContext, what: str, actual_name: str, idp_claim: str, a: Assertion) -> str:
    if _okta_expression(a, actual_name):  # the IdP's statement is wrong: fix it there first
        return (f"in Okta's {OKTA_STATEMENTS} name the statement {idp_claim!r} with Value {actual_name}, or "
                f"set {ctx.expect.setting_name(what)} to {actual_name}")
    return (f"set {ctx.expect.setting_name(what)} to {actual_name}, or add the claim {idp_claim!r} in the "
            "IdP")


def _login_aliases(want: str) -> tuple[str, ...]:
    """Names that may carry the login: an SP whose login attribute is an email name (SonarQube's
    sonar.auth.saml.user.login=email) takes the email aliases too, before the others."""
    if want.lower() in _EMAIL_NAMES:
        return EMAIL_ALIASES + LOGIN_ALIASES
    return LOGIN_ALIASES


_EMAIL_NAMES = frozenset(n.lower() for n in EMAIL_ALIASES)


def check_email(msg: SamlMessage, ctx: CheckContext):
    found = list(_email_problems(msg, ctx))
    if ctx.expect.email_attribute == ctx.expect.login_attribute:
        # one attribute is both the login and the email (SonarQube's user.login=email): its absence
        # is the login's, which check_login reports as an error; an email warning beside it would say
        # the same again, and SonarQube's 'the login works' would be false
        found = [f for f in found if f.code not in _ALSO_THE_LOGIN]
    if ctx.expect.profile != "sonarqube":
        yield from found
        return
    for f in found:  # SonarQube takes the email only when it is there
        if f.code in _SONAR_OPTIONAL_EMAIL:
            f = replace(f, severity=Severity.WARNING, message_text=f.message_text + _SONAR_EMAIL_NOTE)
        yield f


_SONAR_OPTIONAL_EMAIL = {"email-missing", "email-under-other-name", "email-empty", "email-invalid-format"}
_ALSO_THE_LOGIN = {"email-missing", "email-under-other-name", "email-empty"}
"""What check_login says of the same attribute (absent, sent under another name, empty)."""
_SONAR_EMAIL_NOTE = (". SonarQube Server creates or updates the user without an email then (it reads the "
                     "email attribute only when present): the login works, the account has no email")


def _email_problems(msg: SamlMessage, ctx: CheckContext):
    a = consumed_assertion(msg)
    want = ctx.expect.email_attribute
    if a is None or not want:
        return
    attr = _by_name(a, want)
    if attr is None:
        hit = _alias_hit(a, want, EMAIL_ALIASES)
        if hit is None:
            hit_value = next(((x, "its value looks like an email address") for x in a.attributes
                              if not _scoped_id(x) and any(_mailbox(v) for v in x.values)), None)
            hit = hit_value
        if hit is not None:
            x, why = hit
            # the attribute it names is the one that matters: the whole list would only repeat
            # every attribute of the message (listed above it) in each finding and report row
            yield finding(msg, "email-under-other-name",
                          f"no attribute named {want!r}; the email address is sent as {x.name!r} ({why})",
                          expected=want, actual=x.name,
                          hint=in_idp(_setting_hint(ctx, "email_attribute", x.name, want, a), "email-under-other-name",
                                      a.issuer))
        else:
            yield finding(msg, "email-missing",
                          f"no attribute named {want!r} and no email address under another name"
                          f"{_unreachable(a) or _eppn_note(a)}. "
                          f"Received: {_received(a)}", expected=want, actual="absent",
                          hint=in_idp(f"add an email claim named {want!r} in the IdP (or point "
                                       f"{ctx.expect.setting_name('email_attribute')} at the attribute that "
                                       "carries the address)", "email-missing", a.issuer))
        return
    values = [v for v in attr.values]
    empty = _no_value(attr)
    if empty is not None:
        yield finding(msg, "email-empty", f"attribute {want!r} is present but {empty[0]}",
                      expected="an email address", actual=empty[1])
        return
    if len(values) > 1:
        yield finding(msg, "email-multivalued", f"attribute {want!r} has {len(values)} values; SPs use the "
                      f"first ({values[0]!r})", expected="1 value", actual=", ".join(values))
    if not _EMAIL.match(values[0].strip()):
        yield finding(msg, "email-invalid-format", f"attribute {want!r} is {values[0]!r}, not an email address",
                      expected="user@domain", actual=values[0])
        return  # comparing it with the NameID would say the same thing again
    nid = a.name_id
    if nid and nid.value and "@" in nid.value and nid.value != values[0]:
        case_only = nid.value.lower() == values[0].lower()
        yield finding(msg, "email-nameid-mismatch",
                      f"NameID {nid.value!r} and email {values[0]!r} differ"
                      + (" only in letter case" if case_only else ""),
                      expected=nid.value, actual=values[0],
                      hint=None if case_only else
                      "they name different addresses (an alias, a former address, a UPN that is not the "
                      "mail): SPs that match accounts by NameID and by email then disagree; send both from "
                      "the same user attribute in the IdP")


def _required(msg, ctx, what: str, code: str, aliases, label: str):
    a = consumed_assertion(msg)
    want = getattr(ctx.expect, what)
    if a is None or not want:
        return
    attr = _by_name(a, want)
    if attr is not None:
        empty = _no_value(attr)
        if empty is not None:  # there, but the SP reads no value from it
            yield finding(msg, code, f"attribute {want!r} (the {label}) is present but {empty[0]}",
                          expected=f"the user's {label}", actual=empty[1],
                          hint=(f"the SP synchronises no group for this user: add the user to the groups the "
                                f"IdP sends as {want!r}, or map that claim to a source that is set"
                                if label == "groups" else
                                f"fill the user's {label} in the IdP directory, or map the claim {want!r} "
                                "to a source attribute that is set for this user"))
        return
    hit = _alias_hit(a, want, aliases)
    if hit:
        x, why = hit
        text = f"no attribute named {want!r}; {x.name!r} probably carries the {label} ({why})"
        hint = _setting_hint(ctx, what, x.name, want, a)
    elif what == "name_attribute" and _name_halves(a):
        given, surname = _name_halves(a)
        text = (f"no attribute named {want!r} (the {label}): the IdP sends the name in two halves, "
                f"{given.name!r} and {surname.name!r}, and the SP reads one attribute")
        hint = (f"add the claim {want!r} in the IdP holding the whole name (the directory's display name, or "
                f"first and last name joined), or set {ctx.expect.setting_name(what)} to {given.name} (the "
                "given name alone)")
    else:
        text = f"no attribute named {want!r} (the {label})"
        hint = (f"add the claim {want!r} in the IdP, or set {ctx.expect.setting_name(what)} to one of the "
                "attributes received")
    received = "" if hit else f". Received: {_received(a)}"  # a named candidate says enough
    yield finding(msg, code, f"{text}{received}", expected=want,
                  actual=x.name if hit else "absent", hint=in_idp(hint, code, a.issuer))


def _name_halves(a: Assertion) -> tuple[Attribute, Attribute] | None:
    """The given-name and surname attributes, when the assertion has both."""
    given = next((x for x in a.attributes if x.name.lower() in GIVEN_NAMES), None)
    surname = next((x for x in a.attributes if x.name.lower() in SURNAMES), None)
    return (given, surname) if given and surname else None


def check_login(msg, ctx):
    aliases = _login_aliases(ctx.expect.login_attribute or "")
    yield from _required(msg, ctx, "login_attribute", "login-attribute-missing", aliases, "login")


def check_name(msg, ctx):
    yield from _required(msg, ctx, "name_attribute", "name-attribute-missing", NAME_ALIASES, "display name")


def check_groups(msg: SamlMessage, ctx: CheckContext):
    a = consumed_assertion(msg)
    if a is None:
        return
    link = _by_name(a, GROUPS_LINK)
    if link is not None:
        yield finding(msg, "groups-overage-claim",
                      f"Entra ID sent {GROUPS_LINK} ({', '.join(link.values) or 'no value'}) instead of the "
                      "group list: the user is in more groups than a token can carry (150 for SAML)",
                      expected=ctx.expect.group_attribute or "a group claim", actual=GROUPS_LINK)
        return
    yield from _required(msg, ctx, "group_attribute", "group-attribute-missing", GROUP_ALIASES, "groups")
    yield from _group_ids(msg, ctx, a)


def _group_ids(msg: SamlMessage, ctx: CheckContext, a: Assertion):
    """The group attribute (the configured one, else Entra's groups claim) holds object IDs only: an SP
    that matches groups by name (SonarQube: 'membership in a group is synched only if a group with the
    same name exists in SonarQube', docs.sonarsource.com, Delegated authentication > Group mapping) finds
    none of them. A list with one name in it is an IdP sending names (Entra's cloud-only display names
    beside synced groups' IDs), not this."""
    attr = (_by_name(a, ctx.expect.group_attribute) if ctx.expect.group_attribute else None) or _by_name(
        a, ENTRA_GROUPS)
    values = [v.strip() for v in attr.values if v.strip()] if attr is not None else []
    if not values or not all(_GUID.match(v) or _SID.match(v) for v in values):
        return
    kind = ("object IDs (GUIDs)" if all(_GUID.match(v) for v in values) else
            "security identifiers (SIDs)" if all(_SID.match(v) for v in values) else "object IDs and SIDs")
    shown = ", ".join(values[:3]) + (f" and {len(values) - 3} more" if len(values) > 3 else "")
    syncs = ctx.expect.profile == "sonarqube" and bool(ctx.expect.group_attribute)
    text = (f"{attr.name!r} names the user's groups by their {kind}, not by their names: {shown}"
            + ("; SonarQube synchronises a group only when one of its groups has that name, so this user is "
               "put in none of them" if syncs else "; an SP that matches groups by name finds none of them"))
    entra = attr.name == ENTRA_GROUPS or issuer_product(a.issuer) == "entra"
    f = finding(msg, "group-values-are-ids", text, expected="group names", actual=shown,
                hint=None if entra else GROUP_IDS_ELSEWHERE_FIX)
    yield f if syncs else replace(f, severity=Severity.INFO)


def check_duplicates(msg: SamlMessage, ctx: CheckContext):
    for a in msg.assertions:
        names = [x.name for x in a.attributes]
        if len(set(names)) == len(names):  # (the common case, without a Counter: 5 us per message)
            counts = {}
        else:
            from collections import Counter

            counts = Counter(names)  # (names.count per name was quadratic)
        for name in sorted(n for n, k in counts.items() if k > 1):
            yield finding(msg, "attribute-duplicate-name", f"{counts[name]} Attribute elements are named {name!r}",
                          expected="1", actual=str(counts[name]))
        if a.encrypted_attribute_count:
            yield finding(msg, "attribute-encrypted",
                          f"{a.encrypted_attribute_count} EncryptedAttribute element(s) in the assertion")


def check_nameid(msg: SamlMessage, ctx: CheckContext):
    a = consumed_assertion(msg)
    if a is not None and a.name_id is None:
        yield finding(msg, "nameid-missing", "the Subject has no NameID")
    elif a is not None and not a.name_id.value and not a.name_id.encrypted:
        # a NameID element with no value identifies no one (SAML core 2.2.2): unlike a NameID left out,
        # the strict toolkits refuse it even when the SP does not ask for a NameID
        yield replace(finding(msg, "nameid-missing", "the NameID is empty: java-saml (SonarQube) and "
                              "python3-saml in strict mode, and ruby-saml, refuse it ('An empty NameID "
                              "value found')"),
                      severity=Severity.ERROR)
    elif a is not None and a.name_id.encrypted:
        why = ("it does not decrypt with the configured SP key" if ctx.expect.sp_keys
               else "no SP key (--sp-key) was given to decrypt it")
        yield finding(msg, "nameid-encrypted", f"the Subject carries an EncryptedID and {why}: the NameID "
                      "(and whether it matches the email) is not known here")


def check_encryption(msg: SamlMessage, ctx: CheckContext):
    pending = msg.encrypted_assertion_count - sum(a.was_encrypted for a in msg.assertions)
    if pending <= 0:
        return
    if not ctx.expect.sp_keys:
        yield finding(msg, "assertion-encrypted-no-key",
                      f"{pending} EncryptedAssertion(s) and no SP private key: the assertion checks "
                      "could not run", hint="pass --sp-key with the SP's private key (PEM)")
    else:
        yield finding(msg, "decryption-failed", f"could not decrypt: {msg.decryption_error}",
                      expected=None if msg.decryption_fix else "encrypted for the configured SP key",
                      actual=msg.decryption_error,
                      hint=msg.decryption_fix)


def check_key_transport(msg: SamlMessage, ctx: CheckContext):
    if "key-transport:rsa-1_5" in msg.structure:
        yield finding(msg, "encryption-rsa1_5",
                      "the EncryptedKey's EncryptionMethod is http://www.w3.org/2001/04/xmlenc#rsa-1_5 (RSA "
                      "PKCS#1 v1.5, open to Bleichenbacher's attack): xmlsec decrypts it, but OpenSAML's default "
                      "decryption settings exclude it and SPs on Node.js (node-saml, samlify) say "
                      "'RSA_PKCS1_PADDING is no longer supported for private decryption'",
                      expected="rsa-oaep-mgf1p (or xmlenc11 rsa-oaep) key transport", actual="rsa-1_5")


CHECKS = (check_email, check_login, check_name, check_groups, check_duplicates, check_nameid,
          check_encryption, check_key_transport)
