"""Why an input could not be read, and each situation's own fix (input-unreadable's general fix
cannot say whether to mend read rights, a link or the file itself)."""
from __future__ import annotations

import errno

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


def fix_for(exc: OSError) -> str | None:
    """The fix of a failed open, read or listing (None: the code's general fix)."""
    if exc.errno in (errno.EACCES, errno.EPERM):
        return NO_READ_RIGHTS
    if exc.errno == errno.ELOOP:
        return LINK_LOOP
    return None
