"""samlscan run on a pseudo-terminal: click strips CSI sequences only when writing to a pipe, so a
pipe hides what a terminal gets."""
from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def on_a_terminal(*args, columns: int = 80, env: dict | None = None, stdout: bool = True) -> str:
    """Everything samlscan wrote with stdout and stderr on a terminal of `columns` columns (stdout=False:
    stderr alone, stdout to nowhere, as when a report goes to a file)."""
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    p = subprocess.Popen([sys.executable, "-m", "samlscan", *map(str, args)],
                         stdout=child if stdout else subprocess.DEVNULL, stderr=child,
                         stdin=subprocess.DEVNULL, cwd=ROOT,
                         env={**_without_size(os.environ), "PYTHONPATH": str(ROOT), **(env or {})})
    os.close(child)
    out = b""
    while select.select([main], [], [], 60)[0]:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # (Linux: EIO once the child side is closed)
            break
        if not chunk:
            break
        out += chunk
    p.wait(60)
    os.close(main)
    return out.decode("utf-8", "replace")


def _without_size(environ) -> dict:
    """The environment without COLUMNS and LINES, which outrank the terminal's own size
    (shutil.get_terminal_size): a pytest-xdist worker's environment may hold them."""
    return {k: v for k, v in environ.items() if k not in ("COLUMNS", "LINES")}
