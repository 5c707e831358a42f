"""Why an input could not be read, and each situation's own fix (input-unreadable's general fix
cannot say whether to mend read rights, a link or the file itself)."""
from __future__ import annotations

import errno
import os
import re

from samlscan import lazyre

NO_READ_RIGHTS = ("samlscan may not read it (its permissions): give your user read rights "
                  "(chmod a+r, or its Properties > Security on Windows), or copy it, as a user who can "
                  "read it, into a folder of yours and scan the copy.")
LINK_LOOP = ("The symbolic link points at itself, or at a link or folder that leads back to it (an "
             "ancestor): point it at the real file or folder ('ls -l' shows where it points), or remove it.")
CORRUPT = ("The file's compressed data is damaged: it was cut or altered on its way (a partial "
           "download, an attachment's size limit, a transfer in text mode): ask for it again, or copy it "
           "again from where it was made.")
ENCRYPTED = ("The archive is protected by a password: ask for it without one, or extract it and give "
             "samlscan the files.")


NOT_FOUND = ("No file or folder has this name: check its spelling and the folder samlscan runs in "
             "(relative paths start there).")
PASTED_FIX = ("This is a URL or SAML message typed where a file's name belongs: save it to a file, or "
              "pipe it (pbpaste | samlscan check -).")
WINDOWS_PATH = ("This is a Windows path, and samlscan runs on another system here: give the file's path on "
                "this machine (WSL: /mnt/c/Users/...; copy the file over first when it is on another computer).")

PASTED = lazyre.compile(r"^[a-z][a-z0-9+.-]*://|SAML(?:Request|Response)=|^[A-Za-z0-9+/_%-]{100,}=*\s*$", re.I)
"""A URL, a form body or a base64 message typed where a file's name belongs: the shell hands it
over as an argument, and no file has that name."""
_WINDOWS = lazyre.compile(r"^(?:[A-Za-z]:\\|\\\\[^\\])")
"""A Windows drive path ('C:\\Users\\...') or UNC share ('\\\\server\\share'), met where '\\' is no separator."""


def fix_for(exc: OSError) -> str | None:
    """The fix of a failed open, read or listing (None: the code's general fix)."""
    if exc.errno in (errno.EACCES, errno.EPERM):
        return NO_READ_RIGHTS
    if exc.errno == errno.ELOOP:
        return LINK_LOOP
    if exc.errno == errno.ENOENT:
        name = os.fsdecode(exc.filename) if exc.filename is not None else ""
        if PASTED.search(name):
            return PASTED_FIX
        if os.sep != "\\" and _WINDOWS.match(name):
            return WINDOWS_PATH
        return NOT_FOUND
    return None
