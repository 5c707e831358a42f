"""frozen: dataclass(frozen=True) with an __init__ that stores the fields directly.

Python 3.11's frozen dataclass __init__ sets each field through object.__setattr__ (the class's own
__setattr__ refuses): a global, an attribute lookup and a call per field, 4-5 us for a log event of 20
fields, and a big scan makes 100,000s of events, evidence and attempts. The __init__ written here does
what object.__setattr__ does at the end of each of those calls: it writes the instance's __dict__, or
calls the field's slot descriptor. Everything else is dataclass's own: the class stays frozen, with
the same signature, defaults, equality, hash, repr, fields(), replace() and pickling.
"""
from __future__ import annotations

from dataclasses import MISSING, dataclass, fields


def frozen(cls=None, /, *, slots: bool = False):
    """Class decorator: @frozen or @frozen(slots=True), for classes of plain fields (a default
    value or none; no default_factory, init=False, kw_only, InitVar or __post_init__)."""

    def wrap(c):
        c = dataclass(c, frozen=True, slots=slots, init=False)
        c.__init__ = _direct_init(c)
        return c

    return wrap if cls is None else wrap(cls)


def _direct_init(cls):
    """The __init__ of `cls`, a dataclass made with init=False: its fields as parameters, in order, with
    their defaults, each stored in its slot or in the instance's __dict__."""
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: frozen() runs no __post_init__; use dataclass")
    slotted = "__slots__" in cls.__dict__
    names: dict = {}
    params, body = [], ([] if slotted else ["    _fields = self.__dict__"])
    for f in fields(cls):
        if not f.init or f.kw_only or f.default_factory is not MISSING or f.name.startswith("_"):
            raise TypeError(f"{cls.__name__}.{f.name}: frozen() takes plain fields only; use dataclass")
        if f.default is MISSING:
            params.append(f.name)
        else:
            names[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        if slotted:
            names[f"_set_{f.name}"] = cls.__dict__[f.name].__set__
            body.append(f"    _set_{f.name}(self, {f.name})")
        else:
            body.append(f"    _fields[{f.name!r}] = {f.name}")
    exec(f"def __init__(self, {', '.join(params)}):\n" + ("\n".join(body) or "    pass"), names)
    init = names["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__annotations__ = {**{f.name: f.type for f in fields(cls)}, "return": None}
    return init
