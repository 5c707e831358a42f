"""The package's exceptions. Only the engine and the CLI catch them; nothing else escapes."""
from __future__ import annotations


class SamlscanError(Exception):
    """Base of every error samlscan raises on purpose."""


class InputError(SamlscanError):
    """The evidence cannot be decoded; `code` is an input-* finding code."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code = code
        self.detail = detail


class ConfigError(SamlscanError):
    """A setting, flag or configuration file is wrong (exit code 2)."""


class EnvironmentProblem(SamlscanError):
    """The installation is broken (for example lxml and xmlsec built on different libxml2)."""


class OtherKind(ConfigError):
    """The file is another kind of file than its option takes (SP metadata given as the IdP's): a
    file a scan found and guessed to be settings (found.py) is then simply not such a file."""
