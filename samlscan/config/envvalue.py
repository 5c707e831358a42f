"""Environment variables as docker-compose.yml (YAML 1.2) or an env_file / a shell's `export` writes
them: the name and the value a container gets, not the line's raw text.

YAML (spec 1.2.2): a map entry `NAME: value` whose value may be quoted ("..." with backslash escapes,
'...' with '' for a quote, 7.3), anchored (`&a value`) or an alias (`*a`, 7.1), a block scalar (`|`
keeps line ends, `>` folds them, each with its chomping and indentation indicators, 8.1), a plain
scalar ending at ' #' (a comment, 6.6); a list item `- NAME=value` is one scalar, quoted as a whole
(`- "NAME=value"`) or plain. An env_file / shell line `NAME=value` (quotes taken off)."""
from __future__ import annotations

import re
from typing import Iterator

from samlscan import lazyre

_ENTRY = lazyre.compile(r"(?P<indent>[ \t]*)(?P<item>-[ \t]*)?(?:export[ \t]+)?(?P<q>[\"']?)(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)"
                    r"(?P<q2>[\"']?)[ \t]*(?P<sep>[:=])(?:[ \t]+|$|(?<==))(?P<value>.*)")
_ANCHOR = lazyre.compile(r"&(\S+)(?:[ \t]+|$)")
_ALIAS = lazyre.compile(r"\*(\S+)[ \t]*(?:#.*)?")
_BLOCK = lazyre.compile(r"([|>])([+-]?)[1-9]?([+-]?)[ \t]*(?:#.*)?")
_DOUBLE = lazyre.compile(r'"((?:[^"\\]|\\.)*)"')
_SINGLE = lazyre.compile(r"'((?:[^']|'')*)'")


def _quoted(value: str) -> str | None:
    """The text of a value that opens with a quote and closes it on its line, or None."""
    m = _DOUBLE.match(value) if value[:1] == '"' else _SINGLE.match(value) if value[:1] == "'" else None
    if m is None:
        return None
    if value[0] == "'":
        return m.group(1).replace("''", "'")
    return re.sub(r"\\(.)", lambda e: {"n": "\n", "t": "\t"}.get(e.group(1), e.group(1)), m.group(1))


def _scalar(value: str) -> str:
    """One line's value: quoted, or plain up to a comment."""
    value = value.strip()
    quoted = _quoted(value)
    if quoted is not None:
        return quoted
    return value.split(" #", 1)[0].split("\t#", 1)[0].rstrip() if not value.startswith("#") else ""


def _block(style: str, chomp: str, indent: int, lines: list[str], at: int) -> tuple[str, int]:
    """A block scalar's text from lines[at:] (those more indented than its key, blank ones within),
    and the index after it."""
    body: list[str] = []
    end = at
    while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent):
        end += 1
    while end > at and not lines[end - 1].strip():
        end -= 1  # (trailing blank lines: chomped below)
    body = lines[at:end]
    cut = min((len(x) - len(x.lstrip()) for x in body if x.strip()), default=0)
    body = [x[cut:] for x in body]
    text = "\n".join(body) if style == "|" else re.sub(r"(?<=\S)\n(?=\S)", " ", "\n".join(body))
    return text + ("" if chomp == "-" or not text else "\n"), end


def env_entries(text: str) -> Iterator[tuple[str, str]]:
    """(name, value) of each line that sets a variable, in order (a later one overrides); a Kubernetes
    container's `env` item (`- name: NAME` and `value: ...`, either first: the form a Helm chart's
    values and a pod spec write, core/v1 EnvVar) as one variable. An item's `valueFrom` (a Secret's or
    ConfigMap's key) gives no value here."""
    item: dict[str, str] = {}
    column = -1  # the item's keys' column
    for at, dash, name, value in _entries(text):
        if dash or at != column:
            item, column = {}, (at if dash else -1)
        if column < 0 or name not in ("name", "value"):
            yield name, value
            continue
        item[name] = value
        if len(item) == 2:
            yield item["name"], item["value"]


def _entries(text: str) -> Iterator[tuple[int, bool, str, str]]:
    """(key column, a list item's first key?, name, value) of each line that sets a variable or a key."""
    lines = text.splitlines()
    anchors: dict[str, str] = {}
    i = 0
    while i < len(lines):
        m = _ENTRY.fullmatch(lines[i].rstrip())
        i += 1
        if m is None:
            continue
        value, at = m["value"], len(m["indent"]) + len(m["item"] or "")
        if m["q"] and not m["q2"]:  # (`- "NAME=value"`: the item quoted whole; its value ends at the quote)
            inner = _quoted(m["q"] + m["name"] + m["sep"] + value)
            if inner is None or m["sep"] != "=":
                continue
            yield at, False, m["name"], inner.split("=", 1)[1]
            continue
        if m["sep"] == "=":
            yield at, False, m["name"], _scalar(value)
            continue
        anchor = _ANCHOR.match(value)
        value = value[anchor.end():] if anchor else value
        alias, block = _ALIAS.fullmatch(value.strip()), _BLOCK.fullmatch(value.strip())
        if block is not None:
            got, i = _block(block[1], block[2] or block[3], len(m["indent"]) + len(m["item"] or ""), lines, i)
        elif alias is not None:
            if alias[1] not in anchors:
                continue
            got = anchors[alias[1]]
        else:
            got = _scalar(value)
        if anchor is not None:
            anchors[anchor[1]] = got
        yield at, bool(m["item"]), m["name"], got
