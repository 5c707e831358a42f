"""Lasso's own text for each error code mod_auth_mellon can log (lasso_strerror, Lasso's errors.c):
`/usr/bin/python3 tests/data/lasso26/strerror.py` writes strerror.json. mod_auth_mellon's
am_handle_post_reply logs them as 'Error processing authn response. Lasso error: [%i] %s'."""
import json
import subprocess
from pathlib import Path

import lasso

CODES = (-432, 607, 101, 102, -111, 605, 612, 440, -437, 439, -427, 118, 120, -431, 610, 611, -442, 450)
"""The codes samlscan's catalog names for mellon, and RequestDenied (450: Lasso 2.8's error for a
RequestDenied StatusCode, what messages/authn-failed.b64 gets)."""

out = {"liblasso3": subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "liblasso3"], capture_output=True,
                                  text=True).stdout,
       "texts": {str(c): lasso.strError(c) for c in CODES}}
(Path(__file__).resolve().parent / "strerror.json").write_text(json.dumps(out, indent=1) + "\n")
