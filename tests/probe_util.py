"""What the start-up tests' probes share (test_startup36, test_start39): a probe is a script run in
a fresh interpreter, so what they share is source text it includes."""

CHECK_AND_COMPILED = """
from samlscan import cli
try:
    cli.main()
except SystemExit:
    pass
def compiled(value):
    # a pattern compiled: a re.Pattern, or a lazy one holding a compiled pattern's bound method
    return isinstance(value, re.Pattern) or isinstance(getattr(value, "__dict__", {}).get("match"),
                                                       type(re.compile("").match))
"""
"""`samlscan check` with the sys.argv the probe set (its SystemExit caught), then compiled(value):
whether a module-level pattern has been compiled (samlscan.lazyre). Needs `re` imported."""
