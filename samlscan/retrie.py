"""One regex alternation for many literal strings, factored as a prefix tree."""
from __future__ import annotations

import re

_TRIE_DEPTH = 150
"""Nested groups a pattern may hold (re's parser recurses once per group, within Python's limit)."""


def alternation(values) -> str:
    """A pattern matching exactly `values`, longest first at each position (as their flat
    alternation sorted by length): their prefix tree, so that re reads each character once per tree
    level and not once per value (a flat alternation of 20,000 'groups' values cost 40 s of
    --redact)."""
    values = list(values)
    tree: dict = {}
    for v in values:
        node = tree
        for ch in v:
            node = node.setdefault(ch, {})
        node[""] = {}
    out = _tree_pattern(tree, 0)
    # (too deep for re's parser: the flat alternation, longest first to match the same spans)
    return out if out is not None else "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))


def _tree_pattern(node: dict, depth: int) -> str | None:
    """The pattern of a prefix (sub)tree, or None past _TRIE_DEPTH: runs of one child are one
    literal, an end among children makes the rest optional (greedy: the longest value is tried
    first, a shorter one when what follows is no word's end)."""
    if depth > _TRIE_DEPTH:
        return None
    branches = []
    for ch, child in sorted(node.items()):
        if not ch:
            continue
        run = ch
        while len(child) == 1 and "" not in child:
            (nxt, child), = child.items()
            run += nxt
        rest = _tree_pattern(child, depth + 1) if child.keys() - {""} else ""
        if rest is None:
            return None
        branches.append(re.escape(run) + rest)
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body
