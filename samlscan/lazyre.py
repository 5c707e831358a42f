"""Module-level regular expressions compiled on first use, not at import.

Every samlscan process imports far more patterns than it uses (a check of one XML message needs
none of the paste, error-page or log-reader patterns its imports bring): compiling them all was
a fifth of a check's start-up. `lazyre.compile` takes re.compile's arguments and returns an
object that is the compiled pattern once first used.
"""
from __future__ import annotations

import re

_SHARED = ("match", "search", "fullmatch", "finditer", "findall", "sub", "subn", "split",
           "pattern", "flags", "groups", "groupindex")
"""What is copied onto the object when first used: later uses are plain attribute reads, as fast
as the compiled pattern's own (a reader calls them on every line of a multi-GB log)."""


class LazyPattern:
    """re.compile(pattern, flags), done when an attribute is first asked for."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._args = (pattern, flags)

    def __getattr__(self, name: str):
        compiled = re.compile(*self._args)  # (only reached for what _SHARED has not set)
        for attr in _SHARED:
            setattr(self, attr, getattr(compiled, attr))
        return getattr(compiled, name)

    def __reduce__(self):  # a worker process gets the pattern itself
        return re.compile, self._args

    def __repr__(self) -> str:
        return repr(re.compile(*self._args))


def compile(pattern: str, flags: int = 0) -> LazyPattern:  # noqa: A001 (re.compile's name and arguments)
    """re.compile, deferred until the pattern is first used."""
    return LazyPattern(pattern, flags)
