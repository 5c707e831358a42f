"""A federation's aggregate bigger than any SAML message is read entity by entity
(xmlsafe.iter_complete): the same IdPs, certificates and errors as the whole-tree reading, in a
fraction of its memory."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from samlscan import config, xmlsafe
from samlscan.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


@pytest.fixture(autouse=True)
def _forget_aggregates():
    yield
    config.metadata._AGGREGATES.clear()
    config.metadata._AGGREGATE_STAT.clear()


def _cert_b64() -> str:
    text = (ROOT / "fixtures" / "keys" / "idp.crt").read_text()
    return "".join(line for line in text.splitlines() if "-----" not in line)


def _aggregate(tmp_path: Path, mib: float) -> tuple[Path, str]:
    from bench_metadata import write

    path = tmp_path / "federation.xml"
    return path, write(path, mib, _cert_b64())


def _both(path: Path, monkeypatch, entity_id=None):
    """(whole tree, streamed) readings of one file."""
    monkeypatch.setattr(xmlsafe, "MAX_XML_BYTES", 1 << 30)
    whole = config.load_idp_metadata(path, entity_id)
    whole_held = dict(config.aggregate_entities(str(path)))
    config.metadata._AGGREGATES.clear()
    monkeypatch.setattr(xmlsafe, "MAX_XML_BYTES", 1024)
    streamed = config.load_idp_metadata(path, entity_id)
    return (whole, whole_held), (streamed, dict(config.aggregate_entities(str(path))))


def test_streamed_aggregate_gives_what_the_whole_tree_gives(tmp_path, monkeypatch):
    path, chosen = _aggregate(tmp_path, 0.3)
    (whole, held), (streamed, held2) = _both(path, monkeypatch)
    assert whole == streamed == {"idp_aggregates": (str(path),)}
    assert held == held2 and len(held) > 10 and chosen in held
    (whole, _), (streamed, _) = _both(path, monkeypatch, chosen)
    assert whole == streamed and streamed["idp_entity_id"] == chosen and streamed["idp_certs"]
    assert config.aggregate_idp(str(path), chosen) == streamed


def test_streamed_aggregate_refuses_what_the_whole_tree_refuses(tmp_path, monkeypatch):
    path, _ = _aggregate(tmp_path, 0.2)
    monkeypatch.setattr(xmlsafe, "MAX_XML_BYTES", 1024)
    with pytest.raises(ConfigError, match="none of them is 'https://nope'"):
        config.load_idp_metadata(path, "https://nope")
    data = path.read_bytes()
    (tmp_path / "cut.xml").write_bytes(data[:len(data) // 2])
    with pytest.raises(ConfigError, match="unusable IdP metadata: not well-formed XML"):
        config.load_idp_metadata(tmp_path / "cut.xml")
    (tmp_path / "dtd.xml").write_bytes(data.replace(b"<md:EntitiesDescriptor", b'<!DOCTYPE x [<!ENTITY a "b">]>'
                                                    b"<md:EntitiesDescriptor", 1))
    with pytest.raises(ConfigError, match="DOCTYPE"):
        config.load_idp_metadata(tmp_path / "dtd.xml")


def test_a_40_mb_aggregate_is_read_in_bounded_memory(tmp_path):
    """Read as one tree, an aggregate took five times its size (105 MB: 520 MB peak); entity by entity
    it takes the file's bytes and the IdPs' (105 MB: 184 MB). Measured in a fresh process spawned by a
    small one (bench_logs.measure): a process spawned by pytest itself inherits pytest's peak."""
    from bench_logs import measure

    path, _ = _aggregate(tmp_path, 40)
    code = "import sys; from pathlib import Path; from samlscan import config; config.load_idp_metadata(Path(sys.argv[1]))"
    _, peak_mb, _ = measure([sys.executable, "-c", code, str(path)])
    assert peak_mb < 2.5 * 40 + 60, peak_mb  # the interpreter, lxml and xmlsec: ~40 MB
