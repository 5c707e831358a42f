"""Fuzzing round 8: hostile and broken input to the newest readers. The streamed metadata aggregate
(xmlsafe.iter_complete, config.load_idp_metadata over MAX_XML_BYTES) fed aggregates made by a seeded
generator: any namespace prefix, foreign elements between and around the entities, comments and PIs,
UTF-8 with and without a BOM and UTF-16, cut at any byte.
"""
from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from growth_util import assert_not_superlinear
from samlscan.config import load_idp_metadata
from samlscan.errors import ConfigError, InputError, OtherKind
from samlscan.xmlsafe import MAX_XML_BYTES, MD, iter_complete, parse_xml

MD_NS = MD[1:-1]
ROOT = Path(__file__).resolve().parent.parent


def _entity(rng: random.Random, p: str, n: int) -> str:
    role = rng.choice(["IDPSSODescriptor", "SPSSODescriptor", "AttributeAuthorityDescriptor"])
    return (f'<{p}EntityDescriptor entityID="https://e{n}.example.org/idp">'
            f'<{p}{role} protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
            f'<{p}SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
            f'Location="https://e{n}.example.org/sso"/></{p}{role}></{p}EntityDescriptor>')


def _foreign(rng: random.Random) -> str:
    return rng.choice(["<x/>", "<!-- c -->", "<?pi x?>", '<f:y xmlns:f="urn:x"><f:z/></f:y>', " \n"])


def _aggregate(rng: random.Random, entities: int) -> str:
    """An EntitiesDescriptor in a prefix chosen by rng (none, 'md:', any), entities grouped in nested
    EntitiesDescriptors or not, foreign elements, comments and PIs anywhere between them."""
    prefix = rng.choice(["", "md:", "m:", "saml-md:"])
    decl = f'xmlns{":" + prefix[:-1] if prefix else ""}="{MD_NS}"'
    body = []
    for n in range(entities):
        body += [_foreign(rng) for _ in range(rng.randrange(3))] + [_entity(rng, prefix, n)]
        if rng.random() < 0.2:
            body = [f"<{prefix}EntitiesDescriptor>"] + body + [f"</{prefix}EntitiesDescriptor>"]
    return f"<{prefix}EntitiesDescriptor {decl}>{''.join(body)}</{prefix}EntitiesDescriptor>"


def _encoded(rng: random.Random, text: str) -> bytes:
    encoding = rng.choice(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
    declared = {"utf-8-sig": "utf-8", "utf-16-le": "utf-16", "utf-16-be": "utf-16"}.get(encoding, encoding)
    # (UTF-16 without a BOM is known by its declaration's '<?': XML 1.0 appendix F)
    prolog = f'<?xml version="1.0" encoding="{declared}"?>\n' if rng.random() < 0.7 or "-" in encoding[4:] else ""
    return (prolog + text).encode(encoding)


@pytest.mark.parametrize("seed", range(40))
def test_the_streamed_aggregate_yields_the_entities_of_the_whole_tree(seed):
    """iter_complete yields each EntityDescriptor with its content whole, whatever the prefix, the
    grouping, the encoding and what stands between them: the same entities, in the same order, with the
    same roles, as the whole tree."""
    rng = random.Random(seed)
    data = _encoded(rng, _aggregate(rng, rng.randrange(1, 30)))
    whole = [(ed.get("entityID"), [c.tag for c in ed]) for ed in parse_xml(data).iter(MD + "EntityDescriptor")]
    streamed = [(ed.get("entityID"), [c.tag for c in ed]) for ed in iter_complete(data, MD + "EntityDescriptor")]
    assert streamed == whole and whole


@pytest.mark.parametrize("seed", range(40))
def test_a_cut_aggregate_ends_in_an_input_error(seed):
    """An aggregate cut at any byte (a download that stopped) ends in InputError, never another
    exception; what was complete before the cut may be yielded."""
    rng = random.Random(1000 + seed)
    data = _encoded(rng, _aggregate(rng, rng.randrange(1, 20)))
    cut = data[:rng.randrange(len(data))]
    with pytest.raises(InputError):
        for _ in iter_complete(cut, MD + "EntityDescriptor"):
            pass


def test_elements_outside_the_entities_are_dropped_as_the_stream_goes():
    """iter_complete dropped each EntityDescriptor once read, but kept every element outside one to the
    end: an aggregate of foreign elements (or a file of them given as metadata) was held whole, 70 times
    its size in memory (10 MB of '<x/>' took 690 MB; 256 MB, the bound, would take some 17 GB). Now
    every completed element outside the entities is dropped too: the tree holds a handful at the end."""
    rng = random.Random(7)
    body = "".join(_foreign(rng) + (_entity(rng, "md:", n) if n % 100 == 0 else "") for n in range(50_000))
    data = f'<md:EntitiesDescriptor xmlns:md="{MD_NS}">{body}</md:EntitiesDescriptor>'.encode()
    root, ids = None, []
    for ed in iter_complete(data, MD + "EntityDescriptor"):
        root = ed.getroottree().getroot()
        ids.append(ed.get("entityID"))
    assert len(ids) == 500 and sum(1 for _ in root.iter()) < 10


_PEAK = """
import resource, sys
from pathlib import Path
from samlscan.config import load_idp_metadata
from samlscan.errors import ConfigError
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    load_idp_metadata(Path(sys.argv[1]))
except ConfigError as exc:
    print(str(exc), file=sys.stderr)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


def test_a_large_metadata_file_without_an_idp_is_not_read_as_one_tree(tmp_path):
    """A metadata file over MAX_XML_BYTES without an IdP (a federation's SP aggregate given as the
    IdP's, a large file of other XML) was streamed, then parsed again as one tree to say why it has no
    IdP: 70 times its size in memory for small elements (9 MB of '<x/>': 600 MB). Now the reason is
    told from the stream: the same message, in memory bounded by the largest entity."""
    soup = tmp_path / "other.xml"
    soup.write_bytes(b"<foo>" + b"<x/>" * (MAX_XML_BYTES // 4 + 1) + b"</foo>")
    run = subprocess.run([sys.executable, "-c", _PEAK, str(soup)], capture_output=True, text=True,
                         cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert "the root element is <foo>, not a SAML md:EntityDescriptor" in run.stderr, run.stderr
    assert int(run.stdout.split()[-1]) < 3 * soup.stat().st_size // 1024, run.stdout
    sp = "".join(f'<md:EntityDescriptor entityID="https://sp{n}"><md:SPSSODescriptor/></md:EntityDescriptor>'
                 for n in range(MAX_XML_BYTES // 60))
    path = tmp_path / "sp-aggregate.xml"
    path.write_text(f'<md:EntitiesDescriptor xmlns:md="{MD_NS}"><x/>{sp}</md:EntitiesDescriptor>')
    assert path.stat().st_size > MAX_XML_BYTES
    with pytest.raises(OtherKind, match=r"service provider's metadata, not the IdP's"):
        load_idp_metadata(path)


@pytest.mark.parametrize("seed", range(6))
def test_a_mutated_large_aggregate_ends_in_values_or_one_config_error(tmp_path, seed):
    """load_idp_metadata over MAX_XML_BYTES (the streamed path) of a generated aggregate, sometimes cut,
    sometimes with its IdPs removed: the IdP's values, or one ConfigError line, within seconds."""
    rng = random.Random(2000 + seed)
    text = _aggregate(rng, 40)
    pad = "<!--" + "p" * (MAX_XML_BYTES + 1) + "-->"
    text = text.replace(">", ">" + pad, 1)
    if seed % 3 == 1:
        text = text.replace("IDPSSODescriptor", "SPSSODescriptor")
    data = _encoded(rng, text)
    if seed % 3 == 2:
        data = data[:len(data) - rng.randrange(1, 200)]
    path = tmp_path / "agg.xml"

    def load(data: bytes) -> None:
        path.write_bytes(data)
        try:
            assert load_idp_metadata(path)
        except ConfigError as exc:
            assert "\n" not in str(exc) and str(path) in str(exc)

    # (growth, not wall time: judged against its first quarter when slower than a few seconds)
    assert_not_superlinear(load, data, suspect=5.0)


# --- error pages saved in another encoding -------------------------------------------------------

_PAGES = sorted(p for p in (ROOT / "tests" / "data" / "errorpages").glob("*.txt") if not p.name.startswith("ticket"))


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16-le", "utf-16-be", "utf-16"])
def test_a_page_saved_in_utf16_or_with_a_bom_is_read_as_the_same_page(tmp_path, encoding):
    """A page saved with a UTF-8 BOM (Notepad) kept '\\ufeff' before its first line, which str.split
    takes for no space: Keycloak's 'We are sorry...' was not seen at the start of a line and the page was
    skipped. A page in UTF-16 without a BOM (.NET's Encoding.Unicode, iconv -t UTF-16LE) was claimed
    by the error-page reader (the sniff decodes by textcodec.utf16_codec) but opened by its BOM alone,
    read as UTF-8 full of NULs, and skipped. Every page is now read as in UTF-8."""
    from click.testing import CliRunner

    from samlscan.cli import main

    rng = random.Random(encoding)
    saved, plain = tmp_path / "saved", tmp_path / "plain"
    saved.mkdir(), plain.mkdir()
    for page in rng.sample(_PAGES, min(6, len(_PAGES))):
        (saved / page.name).write_bytes(page.read_text(encoding="utf-8").encode(encoding))
        (plain / page.name).write_bytes(page.read_bytes())

    def events(folder) -> list:
        import json

        out = CliRunner().invoke(main, ["scan", str(folder), "--format", "jsonl"]).output
        rows = [json.loads(ln) for ln in out.splitlines() if ln.startswith("{")]
        return sorted((Path(r["input"]).name, r["ref"], r["code"]) for r in rows)

    assert events(saved) == events(plain) and len(events(plain)) >= 3
