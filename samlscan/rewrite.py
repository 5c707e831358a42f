"""Rebuild nested frozen dataclasses with some values changed (they cannot be edited in place)."""
from __future__ import annotations

from dataclasses import fields, is_dataclass, replace


def rewrite(obj, leaf):
    """A copy of `obj` where `leaf(x)` replaced every value it does not return unchanged; tuples,
    lists and dataclasses are walked, unchanged branches are shared, not copied."""
    new = leaf(obj)
    if new is not obj:
        return new
    if isinstance(obj, tuple):
        items = tuple(rewrite(x, leaf) for x in obj)
        return obj if all(a is b for a, b in zip(items, obj)) else items
    if isinstance(obj, list):
        return [rewrite(x, leaf) for x in obj]
    if is_dataclass(obj) and not isinstance(obj, type):
        changes = {}
        for f in fields(obj):
            if f.init:
                value = getattr(obj, f.name)
                changed = rewrite(value, leaf)
                if changed is not value:
                    changes[f.name] = changed
        return replace(obj, **changes) if changes else obj
    return obj
