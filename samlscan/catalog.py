"""The error catalog: other products' error texts and codes, mapped to samlscan codes.

The data lives in samlscan/data/catalog.json (one entry per literal message, with `<x>`
placeholders for variable parts); this module loads it once, compiles the patterns lazily and
answers two questions: which entry explains a pasted text or log line (`lookup`), and which entry
a product's own code names (`lookup_code`).

Matching, best first:
1. the whole text is an entry's id or alias ("AADSTS50011", "invalid_destination", "WRONG_AUDIENCE");
2. an entry's literal pattern occurs in the text (placeholders match the variable parts);
3. a distinctive id occurs as a token in the text (an AADSTS code, a Spring or Keycloak
   snake_case value, a java-saml constant, an Okta eventType).
Within a tier: non-generic entries before generic wrappers ("Fail to callback ..."), then the
requested product, then its engines, then the longest literal text.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache

from samlscan import lazyre
from samlscan.gapsearch import GapPattern, compile_gapped
from samlscan.retrie import alternation

_DATA = "catalog.json"

PRODUCTS = (
    "sonarqube", "java-saml", "spring", "opensaml", "python3-saml", "php-saml", "sonarqube-cloud", "entra",
    "okta", "keycloak", "google", "auth0", "adfs", "shibboleth", "simplesamlphp", "pysaml2", "authentik",
    "ruby-saml", "node-saml", "pingfederate", "crewjam", "sustainsys", "itfoxtec", "gosaml2",
    "onelogin", "aws-identity-center", "pingone", "duo", "jumpcloud", "salesforce",
    "pac4j", "mellon", "identitymodel", "samlify", "dex", "saml2-js", "cas", "forgerock", "wso2", "siteminder",
    "cloudflare", "aws-iam", "sentry", "gitlab", "zoom", "atlassian", "grafana", "nextcloud",
    "nginx", "cloudfront",
)
"""Known products, in tie-break order (SonarQube's engines first: they are our first SP profile).

Cloudflare Access, AWS IAM's SAML federation (its sign-in page and STS), Sentry, GitLab, Zoom, Atlassian
Access, Grafana and Nextcloud (its user_saml app) are SPs whose own texts (their pages, their logs) name no SAML library's error.

nginx (its error.log's texts of a request it answered itself) and Amazon CloudFront (its own error page) are
proxies in front of an SP, last: their texts name no SAML library's error.

goxmldsig's texts are both crewjam's and gosaml2's: each product has its own entry of such a text
(lookup(text, product) picks it), as what the text means and where to fix it differ (gosaml2 raises
'Missing signature referencing the top-level element' for an unsigned assertion, crewjam for one
whose Reference names another element; the apps' settings differ). Without a product, crewjam's,
first here, wins."""

NGINX = "nginx"

_FAMILY = {
    # SonarQube logs texts of its SAML engine: java-saml (up to 10.x) or Spring/OpenSAML (2025.1+).
    "sonarqube": ("java-saml", "spring", "opensaml"),
    "spring": ("opensaml",),
    "opensaml": ("spring",),
    "java-saml": ("python3-saml",),
    "python3-saml": ("java-saml",),
    # ruby-saml (GitLab, omniauth-saml) shares most of its texts with its python3-saml sibling.
    "ruby-saml": ("python3-saml", "java-saml"),
    # php-saml is the OneLogin toolkits' PHP sibling: most of its texts are python3-saml's and java-saml's.
    "php-saml": ("python3-saml", "java-saml"),
    # Nextcloud's user_saml app runs on php-saml: its log holds php-saml's texts beside the app's own.
    "nextcloud": ("php-saml", "python3-saml", "java-saml"),
    # Sustainsys.Saml2 (2.x) and ITfoxtec read and validate tokens with Microsoft.IdentityModel's
    # Saml2SecurityTokenHandler: its IDX texts are theirs too.
    "sustainsys": ("identitymodel",),
    "itfoxtec": ("identitymodel",),
}

@cache
def own_texts(product: str) -> frozenset[str]:
    """The products whose texts `product` shows as its own: itself and its engines (SonarQube's
    AUTHENTICATION-ERROR cookie quotes java-saml's or Spring's error)."""
    return frozenset({product, *_FAMILY.get(product, ())})


_PLACEHOLDER = lazyre.compile(r"<[A-Za-z][A-Za-z0-9_ .:/-]{0,40}>")
VAR_BOUND = 2048
_VAR = r"[\s\S]{0,%d}?" % VAR_BOUND
"""A placeholder: any text, newlines included (java-saml joins SubjectConfirmation issues with
'\\n'), bounded so that one pattern never spans a whole multi-MB paste; 2,048 characters, so that a
long message ID ('Invalid signature for object [<id>]' with a 1,000-character ID) still matches its
own product's text (at 400 it fell to node-saml's shorter 'Invalid signature')."""

_NEVER = compile_gapped([r"(?!)"], 0, 0)

_TOKEN_ID = lazyre.compile(
    r"^(?:AADSTS\d{4,9}|MSIS\d{4}|IDX\d{5}|[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+|[a-z][a-z0-9_]*(?:\.[a-z0-9_]+){2,})$")
"""Ids distinctive enough to be recognised inside free text: AADSTS codes, AD FS MSIS codes
(the same in every language of AD FS's pages and events), Microsoft.IdentityModel's IDX codes, snake_case or
UPPER_SNAKE names, dotted Okta event types. Plain words and numbers only match when alone."""


@dataclass(frozen=True)
class CatalogEntry:
    """One error text or code of another product, and what it means in samlscan's terms."""

    product: str
    id: str | None
    """The product's own code or constant ('WRONG_AUDIENCE', 'invalid_destination', 'AADSTS50011')."""
    pattern: str
    """The literal message, `<x>` for variable parts; also documentation of the real text."""
    code: str
    """A samlscan finding or root-cause code (samlscan.codes.SPECS)."""
    explanation: str
    fix: str | None = None
    side: str | None = None
    aliases: tuple[str, ...] = ()
    """Other names of the same id: a numeric code (java-saml 26), an error name (InvalidReplyTo)."""
    status: str | None = None
    """The HTTP status the product answered with when it logs the text (a proxy's own 502/504/413)."""


@dataclass(frozen=True)
class _Compiled:
    entry: CatalogEntry
    index: int
    pieces: tuple[str, ...]
    """The pattern's literal pieces as regexes (none: the entry never matches free text)."""
    keyword: str
    """Longest literal piece, lowercased and single-spaced: the prefilter looks for it first."""
    weight: int
    """Literal characters in the pattern: more literal text = more specific."""
    generic: bool

    @cached_property
    def regex(self) -> GapPattern:
        """Compiled when a text first holds the entry's keyword: compiling all ~800 took 0.2-0.5 s at
        every process's start, and a log's failures match a handful."""
        return _gapped(self.pieces)


@dataclass(frozen=True)
class _Index:
    compiled: tuple[_Compiled, ...]
    prefilter: re.Pattern[str] | None
    """Any keyword: refuses most texts before the loop over keywords that runs without the
    keyword_finder (None with it: the automaton tells as much)."""
    token_re: re.Pattern[str] | None
    by_token: dict[str, tuple[_Compiled, ...]]
    """Lowercased distinctive id/alias -> entries."""
    by_name: dict[str, tuple[_Compiled, ...]]
    """Lowercased id/alias (any shape) -> entries, for whole-text and lookup_code matches."""
    keyword_finder: object = None
    """ahocorasick_rs automaton over every entry's keyword (None without the library): one pass
    names the keywords a text holds, instead of testing ~300 keywords one by one."""
    by_keyword: dict[str, tuple[_Compiled, ...]] | None = None


# --- loading ---------------------------------------------------------------------------------


def _load_raw() -> list[dict]:
    from importlib import resources  # (here: it imports tempfile and zipfile, unused by most runs)

    text = resources.files("samlscan").joinpath("data", _DATA).read_text(encoding="utf-8")
    doc = json.loads(text)
    return doc["entries"] if isinstance(doc, dict) else doc


@cache
def _entries_and_flags() -> tuple[tuple[CatalogEntry, ...], tuple[bool, ...]]:
    entries, generic = [], []
    for raw in _load_raw():
        entries.append(CatalogEntry(
            product=raw["product"], id=raw.get("id"), pattern=raw["pattern"], code=raw["code"],
            explanation=raw["explanation"], fix=raw.get("fix"), side=raw.get("side"),
            aliases=tuple(str(a) for a in raw.get("aliases", ())), status=raw.get("status")))
        generic.append(bool(raw.get("generic", False)))
    return tuple(entries), tuple(generic)


def entries() -> tuple[CatalogEntry, ...]:
    """All catalog entries, in file order (the first entry of an id is its primary one)."""
    return _entries_and_flags()[0]


# --- compiling -------------------------------------------------------------------------------


_TYPOGRAPHIC = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
"""Typographic quotes folded to the ASCII ones: Microsoft's pages write 'doesn’t', logs 'doesn't'; a forum or a
word processor turns a pasted "key 'saml'" into "key ‘saml’"."""
_QUOTE_CLASSES = {"'": "['\u2018\u2019]", "\u2018": "['\u2018\u2019]", "\u2019": "['\u2018\u2019]",
                  '"': '["\u201c\u201d]', "\u201c": '["\u201c\u201d]', "\u201d": '["\u201c\u201d]'}


def _norm(text: str) -> str:
    """Lowercase, whitespace collapsed, typographic quotes folded (_TYPOGRAPHIC): the form the
    prefilter compares."""
    low = text.lower()
    # (str.translate looks up each character: 10 us for a 100-character text, and every quote it
    # folds is outside ASCII, so an ASCII text, most, is left as it is)
    return " ".join((low if low.isascii() else low.translate(_TYPOGRAPHIC)).split())


def _escape_word(word: str) -> str:
    return "".join(_QUOTE_CLASSES.get(ch) or re.escape(ch) for ch in word)


def _literal_regex(literal: str) -> str:
    """Escape a literal piece; any run of whitespace matches any run (log re-wrapping, \\r)."""
    words = literal.split()
    body = r"\s+".join(_escape_word(w) for w in words)
    if not words:
        return r"\s*"
    # possessive (Python 3.11+): beside a placeholder's lazy [\s\S]{0,400}?, a plain \s* would
    # backtrack over every split of a run of spaces (7,500 spaces after a pattern's prefix: 100 s)
    lead = r"\s*+" if literal[:1].isspace() else ""
    trail = r"\s*+" if literal[-1:].isspace() else ""
    return lead + body + trail


def _gapped(pieces: tuple[str, ...]) -> GapPattern:
    """The search of a pattern's pieces (pattern_parts) joined by placeholders' gaps."""
    return compile_gapped(list(pieces), VAR_BOUND, re.IGNORECASE) if pieces else _NEVER


def pattern_parts(pattern: str) -> tuple[tuple[str, ...], str, int]:
    """The regexes of one pattern's literal pieces (none: no literal text, never matches free text),
    its prefilter keyword and its weight."""
    lits = _PLACEHOLDER.split(pattern)
    # Leading/trailing placeholders add nothing to a search; drop them.
    while len(lits) > 1 and not lits[0].strip():
        lits.pop(0)
    while len(lits) > 1 and not lits[-1].strip():
        lits.pop()
    if not "".join(lits).strip():
        return (), "", 0
    pieces = [_literal_regex(lit) for lit in lits]
    # Guard word edges so that 'invalid_signature' does not match inside 'xinvalid_signatures'.
    if lits[0][:1].isalnum() or lits[0][:1] == "_":
        pieces[0] = r"(?<![A-Za-z0-9_])" + pieces[0]
    if lits[-1][-1:].isalnum() or lits[-1][-1:] == "_":
        pieces[-1] += r"(?![A-Za-z0-9_])"
    keyword = max((_norm(lit) for lit in lits), key=len)
    weight = sum(len(_norm(lit)) for lit in lits)
    return tuple(pieces), keyword, weight


def placeholder_values(entry: CatalogEntry, text: str) -> dict[str, str]:
    """The text each `<name>` of the entry's pattern stands for in `text` (the entry's match, found
    as lookup finds it: its pieces first), by name; {} when the pattern does not match. For the values
    a log line names (the Destination and the URL an SP received it at). A re.search of the whole
    pattern from the line's start tried it at every repeat of its prefix: 2.5 s a line."""
    values = _values_pattern(entry.pattern)
    if values is None:
        return {}
    found = values.gapped.search(text)
    m = found and values.body.match(text, found.start())
    if not m:  # (a last placeholder with nothing after the text: no value to give)
        return {}
    lead = text[max(0, found.start() - VAR_BOUND):found.start()]  # (the text before, as far as a gap goes)
    got = _split(values.lead, lead) + [pair for i, names in enumerate(values.gaps)
                                       for pair in _split(names, m.group(i + 1))]
    got += zip(values.tail, m.groups()[len(values.gaps):])
    return {name: value.strip().rstrip(".,;)") for name, value in got}


@dataclass(frozen=True)
class _Values:
    """An entry pattern's GapPattern and, matched where it matches, the regex whose groups are its gaps."""

    gapped: GapPattern
    body: re.Pattern[str]
    """The gapped pattern's pieces and gaps, each gap a group, then a group for each last placeholder."""
    lead: tuple[str, ...]
    """The placeholders before its first piece (the search leaves them out: their text ends where it starts)."""
    gaps: tuple[tuple[str, ...], ...]
    """The placeholders of each gap: two or more where compile_gapped joined the gaps around a blank."""
    tail: tuple[str, ...]


_TAIL_VALUE = r"""([^\s\[\]|"'<>]{1,400})"""
"""A placeholder that ends the pattern runs to the next space or log delimiter (a lazy one would
take nothing; SonarQube's web.log goes on with '][method|...')."""


@lru_cache(maxsize=1024)
def _values_pattern(pattern: str) -> _Values | None:
    parts = _PLACEHOLDER.split(pattern)
    names = [n[1:-1] for n in _PLACEHOLDER.findall(pattern)]
    filled = [i for i, lit in enumerate(parts) if lit.strip()]
    if not names or not filled:
        return None
    gapped = _gapped(pattern_parts(pattern)[0])
    first, last = filled[0], filled[-1]
    gaps = tuple(tuple(names[a:b]) for a, b in zip(filled, filled[1:]))
    tail = tuple(names[last:])
    body = gapped.pieces[0].pattern + "".join(
        r"([\s\S]{0,%d}?)" % bound + piece.pattern for bound, piece in zip(gapped.bounds, gapped.pieces[1:]))
    body += "".join(_TAIL_VALUE + _literal_regex(lit) for lit in parts[last + 1:])
    return _Values(gapped, re.compile(body, re.IGNORECASE), tuple(names[:first]), gaps, tail)


def _split(names: tuple[str, ...], text: str) -> list[tuple[str, str]]:
    """The text of a gap shared by several placeholders, split as the whole pattern with a group for
    each would split it: each but the last a word (as a last placeholder's), the last the rest."""
    if len(names) < 2:
        return list(zip(names, (text,)))
    m = _split_pattern(len(names)).fullmatch(text)
    return list(zip(names, m.groups() if m else ("",) * (len(names) - 1) + (text,)))


@lru_cache(maxsize=8)
def _split_pattern(count: int) -> re.Pattern[str]:
    return re.compile(r"\s*" + (_TAIL_VALUE + r"\s*") * (count - 1) + r"([\s\S]*)")


@cache
def _index() -> _Index:
    raw_entries, generic = _entries_and_flags()
    compiled = []
    by_token: dict[str, list[_Compiled]] = {}
    by_name: dict[str, list[_Compiled]] = {}
    for i, (entry, gen) in enumerate(zip(raw_entries, generic)):
        if entry.pattern.strip() == entry.id and not _TOKEN_ID.match(entry.id):
            # A bare short code ('f', '364', 'MessageReplay') is not recognisable inside free text:
            # it matches only as the whole text or through lookup_code.
            pieces, keyword, weight = (), "", 0
        else:
            pieces, keyword, weight = pattern_parts(entry.pattern)
        comp = _Compiled(entry, i, pieces, keyword, weight, gen)
        compiled.append(comp)
        for name in _names(entry):
            by_name.setdefault(name.lower(), []).append(comp)
            if _TOKEN_ID.match(name):
                by_token.setdefault(name.lower(), []).append(comp)
    keywords = {c.keyword for c in compiled if c.keyword}
    finder = _keyword_finder(sorted(keywords))
    # the automaton says as much as the alternation would (no keyword present: no candidate), and
    # compiling that alternation of ~740 keywords was ~0.12 s of each process's first lookup
    prefilter = re.compile(alternation(keywords)) if keywords and finder is None else None
    token_re = None
    if by_token:
        token_re = re.compile(r"(?<![A-Za-z0-9_.])(?:" + alternation(set(by_token)) + r")(?![A-Za-z0-9_])",
                              re.IGNORECASE)
    by_keyword: dict[str, list[_Compiled]] = {}
    for c in compiled:
        if c.keyword:
            by_keyword.setdefault(c.keyword, []).append(c)
    return _Index(tuple(compiled), prefilter, token_re,
                  {k: tuple(v) for k, v in by_token.items()}, {k: tuple(v) for k, v in by_name.items()},
                  finder, {k: tuple(v) for k, v in by_keyword.items()})


def _keyword_finder(keywords: list[str]):
    if not keywords:
        return None
    try:
        import ahocorasick_rs

        return ahocorasick_rs.AhoCorasick(keywords)
    except Exception:  # not installed or an odd build: the loop over keywords does the same job
        return None


def _names(entry: CatalogEntry) -> tuple[str, ...]:
    return tuple(n for n in (entry.id, *entry.aliases) if n)


def named(name: str) -> tuple[CatalogEntry, ...]:
    """The entries whose id or alias is `name` (any case): one product's code can be another's
    ('invalid_signature' is Spring's and Keycloak's, with opposite directions)."""
    key = name.strip().lower()
    return tuple(e for e in entries() if key in (n.lower() for n in _names(e)))


# --- matching --------------------------------------------------------------------------------


def _level(entry: CatalogEntry, product: str | None) -> int:
    if product is None:
        return 0
    if entry.product == product:
        return 2
    return 1 if entry.product in _FAMILY.get(product, ()) else 0


def _prio(entry: CatalogEntry) -> int:
    try:
        return -PRODUCTS.index(entry.product)
    except ValueError:
        return -len(PRODUCTS)


def _kin(entry: CatalogEntry, product: str | None) -> int:
    """How close `entry`'s product is in `product`'s _FAMILY, nearest first: of the same text, the
    engine the product runs on (Nextcloud's php-saml) before its siblings (java-saml's words)."""
    family = _FAMILY.get(product, ()) if product else ()
    return -family.index(entry.product) if entry.product in family else -len(family)


def _rank(comp: _Compiled, tier: int, weight: int, product: str | None) -> tuple:
    return (tier, not comp.generic, _level(comp.entry, product), weight, _kin(comp.entry, product),
            _prio(comp.entry), -comp.index)


def _whole_text_matches(text: str, idx: _Index, product: str | None) -> list[tuple]:
    """The text is just an id or alias: numbers count only with a product (java-saml 26 vs
    AD FS 26...), very short ids (Auth0's 'f') too."""
    alone = text.strip().strip("'\"`[]()")
    found = []
    named = idx.by_name.get(alone.lower(), ())
    for comp in named:
        entry = comp.entry
        if product is None and (alone.isdigit() or len(alone) < 4):
            continue
        if product is not None and alone.isdigit() and entry.product != product:
            continue
        exact = any(n == alone for n in _names(entry))
        # A bare id names its entry outright: the requested product decides first, the generic
        # flag (for wrapper lines) only breaks ties between products. Where one product writes
        # several texts under the id, the id alone is the entry written for it, as lookup_code has
        # it (pysaml2 raises SignatureError for a missing and for a failing signature: the bare
        # class name says neither).
        plain = entry.pattern.strip() == entry.id and sum(c.entry.product == entry.product for c in named) > 1
        found.append((3, _level(entry, product), plain, not comp.generic, 2 if exact else 1, _prio(entry),
                      -comp.index))
    return found


def _pattern_matches(text: str, idx: _Index, product: str | None) -> list[tuple]:
    norm = _norm(text)
    if idx.keyword_finder is not None:
        # (a JSON log may hold a lone surrogate, '\\udcff', which the automaton cannot take as UTF-8;
        # no keyword holds one)
        present = idx.keyword_finder.find_matches_as_strings(
            norm.encode("utf-8", "surrogatepass").decode("utf-8", "replace"), overlapping=True)
        found = {c.index: c for k in present for c in idx.by_keyword[k]}
        candidates = [found[i] for i in sorted(found)]
    elif idx.prefilter is not None and not idx.prefilter.search(norm):
        return []  # (a quick refusal of most texts before the loop over every keyword)
    else:
        candidates = [c for c in idx.compiled if c.keyword and c.keyword in norm]
    return [_rank(comp, 2, comp.weight, product) for comp in candidates if comp.regex.search(text)]


def _token_matches(text: str, idx: _Index, product: str | None) -> list[tuple]:
    if idx.token_re is None:
        return []
    found = []
    for m in idx.token_re.finditer(text):
        token = m.group(0)
        for comp in idx.by_token.get(token.lower(), ()):
            # UPPER_SNAKE java-saml constants and snake_case Spring/Keycloak values share
            # spellings (INVALID_SIGNATURE / invalid_signature): an exact-case hit ranks first.
            exact = any(n == token for n in _names(comp.entry))
            found.append(_rank(comp, 1, len(token) + (1 if exact else 0), product))
    return found


def lookup(text: str, product: str | None = None) -> CatalogEntry | None:
    """The entry that best explains `text` (a pasted error, a log line, a stack-trace line).

    With `product`, that product's entries (then its engines') are preferred. Never raises:
    anything that is not text, or matches nothing, gives None.
    """
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", "replace")
    if not isinstance(text, str) or not text.strip():
        return None
    product = product.lower() if isinstance(product, str) else None
    return _lookup_cached(text, product)


@lru_cache(maxsize=4096)
def _lookup_cached(text: str, product: str | None) -> CatalogEntry | None:
    """lookup() proper, memoised on the exact text: log failure texts repeat a lot (one SAML
    misconfiguration fails every login the same way), and a miss costs a pass over every
    pattern. Keyed on the text as given, not a normalised form, so results cannot change."""
    idx = _index()
    ranked = _ranked(text, idx, product)
    if not ranked:
        return None
    entry = idx.compiled[-max(ranked)[-1]].entry  # the rank tuple ends with -index
    said = _status_message(text) if entry.code == "status-not-success" else None
    if said:  # the SP's status line quotes the IdP's StatusMessage: the IdP's own words may say why
        inner = [r for r in _ranked(said, idx, None) if _an_idps_refusal(idx.compiled[-r[-1]].entry)]
        if inner:
            return idx.compiled[-max(inner)[-1]].entry
    return entry


def _an_idps_refusal(entry: CatalogEntry) -> bool:
    """An entry an IdP's StatusMessage can be: a text of a product that acts as IdP, naming why it
    refused to answer (the request, the user, the application), not an SP's check of a response
    (quoted back, 'Invalid issuer in the Assertion/Response' is no refusal of the IdP's own). An SP
    configuration error quoted by an IdP (SimpleSAMLphp proxying 'Could not find the metadata of an
    IdP') is the IdP's own trouble: the status line's side stays."""
    from samlscan.codes import SPECS

    spec = SPECS.get(entry.code)
    return (entry.product in IDP_PRODUCTS and spec is not None
            and (spec.group == "cause" or entry.code.startswith("request-"))
            and entry.code not in ("unknown-failure", "status-not-success", "sp-configuration-error"))


SHORT_ERROR = 120
"""A one-line text this short may be the error itself ('Invalid requester.', 'Error: LOCKED_OUT'):
a pattern or code that stands alone and covers ERROR_SHARE of it names it."""
ERROR_SHARE = 0.6
ERROR_TEXT_LITERAL = 20
"""Literal characters a pattern (not a bare code) needs to name a pasted error inside any text: a
code alone ('user_disabled') is a word of a CSV header or a file name as often. A numbered code
(AADSTS50011, MSIS7012) names its error wherever it stands."""


def lookup_error(text: str, product: str | None = None) -> CatalogEntry | None:
    """The entry of an error message pasted on its own (an AADSTS page, an exception): only what
    names one error outright, a code or a whole pattern (a word of it, such as a snake_case code
    in a CSV header, is not enough), no generic wrapper and no 'unknown-failure'. With `product`
    (what the text's context names: a stack frame's path, a logger), its own entry of a text that
    several products write."""
    if not isinstance(text, str) or not text.strip():
        return None
    return _or_rejoined(lambda said: _error_entry(said, product), text)


def own_entries(entry: CatalogEntry, product: str | None = None) -> tuple[CatalogEntry, ...]:
    """Each writer's own entry of `entry`'s text (writers' order, `entry` itself first: the OneLogin
    toolkits throw the same sentences, which alone cannot tell which one ran), or `entry` alone
    when `product` (what the text's context names) is its product: what the text means is each
    writer's own ('java-saml (SonarQube up to 10.x) ...' is not true of ruby-saml)."""
    if entry.product == product:
        return (entry,)
    same = _same_text().get(_text_key(entry), ())
    return (entry, *(e for e in same if e.product != entry.product))


def writers_said(own: tuple[CatalogEntry, ...]) -> str:
    """The products of own_entries, as a finding names them: 'java-saml, python3-saml or php-saml (the
    text alone does not tell which)'."""
    names = [e.product for e in own]
    said = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return said + (" (the text alone does not tell which)" if len(names) > 1 else "")


def explanation_of(own: tuple[CatalogEntry, ...]) -> str:
    """What the text means, true of every writer in `own`: each one's explanation, each naming its
    product (prefixed with it when its own words do not)."""
    if len(own) == 1:
        return own[0].explanation
    return " ".join(_naming(e, e.explanation) for e in own)


def fix_of(own: tuple[CatalogEntry, ...]) -> str | None:
    """The fix of the entries in `own`: one when they agree, else each writer's own, named."""
    fixes = [e for e in own if e.fix]
    if len({e.fix for e in fixes}) <= 1:
        return fixes[0].fix if fixes else None
    return " ".join(_naming(e, e.fix) for e in fixes)


def _naming(entry: CatalogEntry, said: str) -> str:
    said = said.strip()
    said = said if said.endswith((".", ")")) else said + "."
    return said if said.lower().startswith(entry.product.split("-")[0]) else f"{entry.product}: {said}"


def _text_key(entry: CatalogEntry) -> tuple[str, str]:
    return _norm(_PLACEHOLDER.sub("<>", entry.pattern)), entry.code


@cache
def _same_text() -> dict[tuple[str, str], tuple[CatalogEntry, ...]]:
    """(text, code) -> the first entry of each product with that text and meaning."""
    found: dict[tuple[str, str], dict[str, CatalogEntry]] = {}
    for e in entries():
        found.setdefault(_text_key(e), {}).setdefault(e.product, e)
    return {k: tuple(v.values()) for k, v in found.items()}


WRAP_WIDTH_MIN = 40
"""The narrowest column a terminal or a forum's code box wraps a pasted text at (_rejoined)."""


def _rejoined(text: str) -> str | None:
    """A pasted text with the breaks of its wrapped lines taken out, or None when none looks wrapped: a
    terminal that wraps at a column cuts words ('...does not exist o' / 'r is not enabled', 80 wide). A
    line as long as the longest (at least WRAP_WIDTH_MIN) was cut at the column; a shorter one ended.
    Tried on a pasted text that matches nothing as given."""
    lines = text.strip().splitlines()
    if len(lines) < 2:  # (one line, or none: nothing was wrapped)
        return None
    width = max(map(len, lines))
    if width < WRAP_WIDTH_MIN or not any(len(line) == width for line in lines[:-1]):
        return None
    return "".join(line if len(line) == width else line + "\n" for line in lines)


def lookup_pasted(text: str, product: str | None = None) -> CatalogEntry | None:
    """lookup() of a text pasted on its own (`samlscan explain`): also with its lines rejoined (_rejoined).
    With `product` (what the text's context names), its own entry of a text several products write. A
    sentence quoted without its last period ('Invalid requester', a page's title) is tried with it."""
    found = _or_rejoined(lambda said: lookup(said, product), text)
    if found is None and isinstance(text, str) and text.rstrip()[-1:].isalnum():
        found = lookup(text.rstrip() + ".", product)
    return found


def _or_rejoined(find, text: str) -> CatalogEntry | None:
    """find(text), else find() of the text with its wrapped lines rejoined when it has some (_rejoined),
    else of both with HTML character references decoded (_unescaped), else percent-decoded (_unquoted)."""
    for said in (text, _unescaped(text), _unquoted(text)):
        if said is None:
            continue
        entry = find(said)
        rejoined = _rejoined(said) if entry is None else None
        entry = find(rejoined) if rejoined else entry
        if entry is not None:
            return entry
    return None


def _unescaped(text: str) -> str | None:
    """The text with its HTML character references decoded, or None when it has none: an error quoted
    from a web page's source or a log that HTML-escapes what it records (PHP's htmlspecialchars, whose
    default since PHP 8.1 turns ' into &#039;, as Laravel's e() does) hides the quotes of a pattern."""
    import html

    decoded = html.unescape(text)
    return decoded if decoded != text else None


_PERCENT_ESCAPE = lazyre.compile(r"%[0-9A-Fa-f]{2}")


def _unquoted(text: str) -> str | None:
    """The text percent-decoded ('+' as a space), or None when it has no %XX: an error carried in a
    URL's query, as the Shibboleth SP's redirectErrors page gets it (errorType=...&errorText=Message%20was
    %20signed%2C...), hides the spaces and commas of a pattern."""
    from urllib.parse import unquote_plus

    return unquote_plus(text) if _PERCENT_ESCAPE.search(text) else None


def _error_entry(text: str, product: str | None = None) -> CatalogEntry | None:
    idx = _index()
    said = text.strip()
    whole = [r for r in _ranked(text, idx, product) if not idx.compiled[-r[-1]].generic
             and _names_the_error(said, r, idx.compiled[-r[-1]])]
    entry = idx.compiled[-max(whole)[-1]].entry if whole else None
    return entry if entry is not None and entry.code != "unknown-failure" else None


def _names_the_error(said: str, rank: tuple, comp: _Compiled) -> bool:
    """A whole-text id; a numbered code (AADSTS50011, MSIS7012) anywhere; a pattern long enough
    to be an error's own sentence (ERROR_TEXT_LITERAL; a bare code is no sentence); a code given as
    an error's value (error=..., "error": "..."); or, in a short one-line text, a pattern or code
    that stands alone and is most of what follows a short label ('Invalid requester.', 'Error:
    LOCKED_OUT'; not 'Login is missing in the navbar', a CSV header, a file name)."""
    tier, entry = rank[0], comp.entry
    bare_code = entry.id is not None and entry.pattern.strip() == entry.id
    if tier >= 3 or tier == 2 and comp.weight >= ERROR_TEXT_LITERAL and not bare_code:
        return True
    if tier == 1 and any(ch.isdigit() for ch in entry.id or "") and rank[3] >= 6:
        return True
    names = _names(entry) if tier == 1 or bare_code else ()
    if any(re.search(_VALUE_OF_ERROR + re.escape(n) + r"\b", said, re.IGNORECASE)
           or re.match(re.escape(n) + r"\s*:\s", said) for n in names):  # (or 'CODE: what it means')
        return True
    if len(said) > SHORT_ERROR or "\n" in said or "\r" in said:
        return False
    label = _LABEL.match(said)
    # a pattern ending in a placeholder ('... was <statusCode>') is followed by its variable part
    open_end = tier == 2 and not bare_code and entry.pattern.rstrip().endswith(">")
    for text in {said, said[label.end():] if label else said}:
        spans = [m.span() for m in [comp.regex.search(text)] if m] if tier == 2 and not bare_code else [
            m.span() for n in names for m in re.finditer(re.escape(n), text, re.IGNORECASE)]
        size = len(text.rstrip(".!"))
        if any(_alone(text, a, b, open_end) and (b - a >= ERROR_SHARE * size or a == 0 and open_end)
               for a, b in spans):
            return True
    return False


def span_of(entry: CatalogEntry, text: str) -> tuple[int, int] | None:
    """Where in `text` the entry's pattern or one of its names (a code: 'ExternalIdPDirectoryLogin')
    matches longest, or None."""
    comp = next((c for c in _index().compiled if c.entry is entry), None)
    found = [comp.regex.search(text)] if comp is not None else []
    found += [re.search(r"\b" + re.escape(n) + r"\b", text, re.IGNORECASE) for n in _names(entry)]
    spans = [m.span() for m in found if m]
    return max(spans, key=lambda ab: ab[1] - ab[0]) if spans else None


_LABEL = lazyre.compile(r"^(?:[A-Za-z][\w.-]*\s){0,2}[A-Za-z][\w.-]*:\s+")
"""A label of up to three words before a pasted error: 'Error:', 'Okta error:', 'Failure reason:'."""
_VALUE_OF_ERROR = r"""(?:\berror(?:_?code)?|\breason|\b(?:legacy_?)?event_?type)["']?\s*[=:]\s*["']?"""
"""An error given as a value: error=..., "error": "...", reason=... (Keycloak events, Auth0's JSON),
or the event type that names it (Okta's System Log: eventType, legacyEventType: ...)."""


def _alone(text: str, start: int, end: int, open_end: bool = False) -> bool:
    """Not part of a path, a file name or a longer word (at its end only when the pattern ends
    there: a placeholder's text follows it)."""
    before = text[start - 1] if start else " "
    after = text[end:end + 2] or " "
    return not (before.isalnum() or before in "_/.-") and (open_end or not (
        after[0].isalnum() or after[0] in "_/-" or after[0] == "." and after[1:2].isalnum()))


def _ranked(text: str, idx: _Index, product: str | None) -> list[tuple]:
    return _whole_text_matches(text, idx, product) + _pattern_matches(text, idx, product) + _token_matches(
        text, idx, product)


IDP_PRODUCTS = frozenset({"entra", "okta", "google", "auth0", "adfs", "keycloak", "shibboleth", "authentik",
                          "simplesamlphp", "pysaml2", "pingfederate", "onelogin", "pingone", "duo",
                          "jumpcloud", "cas", "forgerock", "wso2"})
"""Products that act as IdPs and write StatusMessages (SimpleSAMLphp and pysaml2 are SPs too:
_an_idps_refusal keeps only the refusals an IdP states)."""
IDP_NAMES = {"google": "Google Workspace", "entra": "Entra ID", "okta": "Okta", "adfs": "AD FS",
             "keycloak": "Keycloak", "auth0": "Auth0", "shibboleth": "Shibboleth", "authentik": "authentik",
             "simplesamlphp": "SimpleSAMLphp", "pingfederate": "PingFederate", "onelogin": "OneLogin",
             "aws-identity-center": "AWS IAM Identity Center", "pingone": "PingOne", "duo": "Duo",
             "salesforce": "Salesforce", "zoho": "Zoho Directory", "jumpcloud": "JumpCloud",
             "oracle-oam": "Oracle Access Manager", "forgerock": "ForgeRock AM", "wso2": "WSO2 Identity Server",
             "cloudflare": "Cloudflare Access", "spid": "SPID", "cas": "Apereo CAS"}
"""How the catalog's fixes name each IdP product in a clause of its own ('Okta: the app's ...')."""
_IDP_NAME_SET = frozenset(IDP_NAMES.values())


def idp_part(fix: str, product: str | None) -> str | None:
    """The clause of a fix naming several IdPs that says where in `product`'s console to act
    ('Google Workspace: the SAML app's Attribute mapping, ...'), None when it has none for it."""
    name = IDP_NAMES.get(product or "")
    found = re.search(rf"(?:^|[(;]\s*){re.escape(name)}:\s*([^;()]+)", fix) if name else None
    return f"{name}: {found.group(1).strip()}" if found else None


_IDP_EXAMPLES = lazyre.compile(r" \(([^();:]+: [^();]+(?:; [^();:]+: [^();]+)*)\)")
"""A parenthesised list of 'Product: what' clauses ('(AD FS: Set as Primary; Entra ID: ...)', '(AD FS: the
UPN claim)')."""


@lru_cache(maxsize=1024)
def for_idp(fix: str, product: str | None) -> str:
    """`fix` with each parenthesised list of IdP products' clauses narrowed to `product`'s, or left
    out when it names other IdPs only: the attempt's IdP is known, and another's console is no place
    to act (case 28's Apereo CAS was told AD FS's 'Set as Primary'). A list naming anything but IdPs
    (proxies, SP libraries) is kept whole."""
    name = IDP_NAMES.get(product or "")
    if not name or " (" not in fix:
        return fix

    def narrowed(m: re.Match) -> str:
        clauses = m.group(1).split("; ")
        if not all(c.split(":", 1)[0] in _IDP_NAME_SET for c in clauses):
            return m.group(0)
        own = [c for c in clauses if c.split(":", 1)[0] == name]
        return f" ({own[0]})" if own else ""

    return _IDP_EXAMPLES.sub(narrowed, fix)


def with_idp_part(fix: str, clauses: str, product: str | None) -> str:
    """`fix` and the clause of `clauses` that says where in `product`'s console to act (codes.IDP_WHERE
    or a catalog entry's fix naming several IdPs), when it has one and `fix` does not say it yet."""
    where = idp_part(clauses, product)
    return f"{fix.rstrip('.')}; {where}." if where and where not in fix and not _names_console(fix, product, where) else fix


def _names_console(fix: str, product: str | None, where: str) -> bool:
    """`fix` already says where in `product`'s console to act ('In AD FS Management, ...', 'in Okta
    (Applications > the app > Assignments)': a catalog entry of that product), the first step of
    `where` (its 'Okta: Applications > ...') or the console's name after the product's: a second clause
    would say it twice."""
    name = IDP_NAMES.get(product or "")
    if not name:
        return False
    first_step = where.split(": ", 1)[-1].split(" > ", 1)[0].strip()
    return re.search(rf"\b{re.escape(name)}(?:'s)? (?:Management|admin|Admin|console|Console)\b|"
                     rf"\b{re.escape(name)}\b[^;]*?{re.escape(first_step)} > ", fix) is not None


_STATUS_MESSAGE = lazyre.compile(r"->\s*(\S.*)", re.DOTALL)


def _status_message(text: str) -> str | None:
    """The StatusMessage an SP library prints after '->' in its status line (java-saml, php-saml:
    'was <code> -> <message>'; python3-saml: 'was Requester -> <message>')."""
    m = _STATUS_MESSAGE.search(text)
    return m.group(1).strip() if m else None


def lookup_code(product: str, raw_code: str) -> CatalogEntry | None:
    """The primary entry for a product's own code: ('entra', '50011'), ('java-saml', '26'),
    ('java-saml', 'WRONG_AUDIENCE'), ('keycloak', 'invalid_redirect_uri'), ('adfs', '364')."""
    if not isinstance(product, str) or raw_code is None:
        return None
    product = product.lower()
    raw = str(raw_code).strip()
    if not raw:
        return None
    names = [raw]
    if product == "entra" and raw.isdigit():
        names.insert(0, "AADSTS" + raw)  # sign-in logs carry errorCode 50011 for AADSTS50011
    idx = _index()
    for name in names:
        hits = [c for c in idx.by_name.get(name.lower(), ()) if c.entry.product == product]
        if hits:
            exact = [c for c in hits if name in _names(c.entry)] or hits
            # Several entries can share a code (Auth0 'f' for any failed login, and one of its
            # descriptions): the code alone means the entry written for the code itself.
            plain = [c for c in exact if c.entry.pattern.strip() == c.entry.id or c.generic]
            return (plain or exact)[0].entry
    return None
