"""journalctl -o export: a binary value of many lines (a pretty-printed message logged as one
record's MESSAGE) is read in time linear in its lines; each line was joined again with all before it."""
from samlscan.logs import journalexport
from tests.growth_util import assert_linear


def _export(lines: int) -> list[tuple[int, str]]:
    body = "\n".join(f"  <saml2:Attribute Name=\"a{i}\"/>" for i in range(lines))
    size = len(body.encode())
    text = "__CURSOR=s=1\n_HOSTNAME=sp\nMESSAGE\n" + size.to_bytes(8, "little").decode("latin-1") + body + "\n\n"
    return list(enumerate(text.split("\n"), 1))


def _message(numbered):
    ((_, entry),) = list(journalexport.entries(numbered))
    return entry["MESSAGE"]


def test_a_many_line_binary_value_is_whole():
    value = _message(_export(300))
    assert value.startswith('  <saml2:Attribute Name="a0"/>') and value.endswith('Name="a299"/>')
    assert value.count("\n") == 299


def test_a_many_line_binary_value_is_read_in_linear_time():
    assert_linear(_message, _export, 20000)
