"""An Outlook message saved as a file (.msg, [MS-OXMSG]: a compound file, [MS-CFB]): a ticket dragged out of
Outlook with the HAR, the log or the IdP's metadata attached, or the SAMLResponse pasted into its text. Read as
an archive whose members are its parts, as mailparts reads an .eml: each attachment under its file name, its
text as body-N.txt (else its HTML as body-N.html), a message attached inside it (a forward) taken apart in turn.
olefile reads the compound file; nothing in it is run or fetched."""
from __future__ import annotations

from samlscan.mailparts import MAX_DEPTH, MAX_PARTS, MailError, file_name, numbered

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""A compound file's signature ([MS-CFB] 2.2): Outlook's .msg, and Word 97's .doc, Excel's .xls."""

_NAMES = tuple(n.encode("utf-16-le") for n in ("__substg1.0_", "__properties_version1.0", "__nameid_version1.0",
                                               "__attach_version1.0_#", "__recip_version1.0_#"))
"""The entry names only a message's storage has ([MS-OXMSG] 2.1: property streams, the property stream,
the named-property mapping, attachment and recipient storages), as the directory stores them (UTF-16LE)."""

_SECTOR_SHIFT, _DIRECTORY_START = 30, 48
"""Offsets of the header's sector shift (uint16) and first directory sector (uint32), [MS-CFB] 2.2."""
DIRECTORY_READ = 4096
"""Bytes of the directory read to tell a message: the root's first children are in its first sectors."""


def is_message_file(path: str) -> bool:
    """Whether the compound file at `path` is an Outlook message: its first directory sector read, wherever
    the header says it lies (a writer may put it after a big attachment, past any head)."""
    try:
        with open(path, "rb") as fh:
            header = fh.read(512)
            if not header.startswith(CFB_MAGIC) or len(header) < 512:
                return False
            shift = int.from_bytes(header[_SECTOR_SHIFT:_SECTOR_SHIFT + 2], "little")
            first = int.from_bytes(header[_DIRECTORY_START:_DIRECTORY_START + 4], "little")
            if shift not in (9, 12) or first >= 0xFFFFFFFA:  # (512- or 4096-byte sectors; a special value)
                return False
            fh.seek((first + 1) << shift)  # (sector N starts after the header's own sector)
            return any(n in fh.read(DIRECTORY_READ) for n in _NAMES)
    except OSError:
        return False


_ATTACH = "__ATTACH_VERSION1.0_#"
_EMBEDDED = "__SUBSTG1.0_3701000D"
"""An attached message's own storage (PidTagAttachDataObject, [MS-OXMSG] 2.2.2.1)."""
# Property streams: '__substg1.0_' + property ID + type, [MS-OXMSG] 2.1.3; 001F a UTF-16LE string, 001E an
# 8-bit one (the message's code page: Windows-1252 in the West, read so), 0102 binary ([MS-OXPROPS]).
_BODIES = (("1000001F", "txt", "utf-16-le"), ("1000001E", "txt", "cp1252"), ("10130102", "html", None),
           ("1013001F", "html", "utf-16-le"), ("1013001E", "html", "cp1252"))
"""PidTagBody (Unicode, else 8-bit), else PidTagHtml (binary, or a string as some writers store it): the text a
SAMLResponse may be pasted into. Outlook keeps the text of an HTML message as its plain body too: one of them
is read, not the same response twice."""
_FILE_NAMES = ("3707001F", "3707001E", "3704001F", "3704001E", "3001001F", "3001001E")
"""PidTagAttachLongFilename, PidTagAttachFilename, PidTagDisplayName: an attachment's name, best first."""
_DATA = "37010102"
"""PidTagAttachDataBinary: an attachment's bytes."""


def parts(path: str) -> tuple[list[tuple[str, bytes]], int]:
    """((name, bytes) of each body and attachment of the message at `path`, in order, at most MAX_PARTS; how
    many more were left out), named as mailparts.parts names an .eml's (bodies in UTF-8). The bytes read are
    bounded by the file's size: each sector of a well-formed file belongs to one stream, and a crafted one
    whose streams share their sectors is cut there. Raises MailError."""
    import os

    import olefile

    try:
        ole = olefile.OleFileIO(path, raise_defects=olefile.DEFECT_INCORRECT)
    except Exception as exc:  # (olefile raises OSError, and whatever a crafted header trips: any is 'cannot read')
        raise MailError(f"not a readable compound file ({exc})") from None
    try:
        reader = _Reader(ole, 2 * os.path.getsize(path) + 4096)
        reader.message((), 0)
        return reader.out, reader.left_out
    except MailError:
        raise
    except Exception as exc:  # (a damaged directory or FAT found while reading a stream)
        raise MailError(f"a damaged Outlook message ({exc})") from None
    finally:
        ole.close()


class _Reader:
    """The walk of one file's message storages, depth first, with the bytes left to read."""

    def __init__(self, ole, budget: int) -> None:
        self.ole, self.budget = ole, budget
        # (by their names in capitals: [MS-CFB] 2.6.4 compares names so, and a writer may spell the hex digits
        # of a property's stream in lower case; the real name opens it)
        self.streams = {tuple(n.upper() for n in e): e for e in ole.listdir(streams=True, storages=False)}
        self.storages = {tuple(n.upper() for n in e) for e in ole.listdir(streams=False, storages=True)}
        self.out: list[tuple[str, bytes]] = []
        self.left_out = 0
        self.seen: dict[str, int] = {}

    def message(self, at: tuple[str, ...], depth: int) -> None:
        """The bodies, then the attachments, of the message stored at `at` (the root: ())."""
        for prop, ext, charset in _BODIES:  # (the first there: each of the others is its copy)
            data = self._stream(at + (f"__SUBSTG1.0_{prop}",))
            if data is not None and data.strip(b"\x00 \r\n"):
                self._add("", ext, data.decode(charset, "replace").rstrip("\x00").encode("utf-8") if charset else data)
                break
        for storage in sorted(e[-1] for e in self.storages
                              if len(e) == len(at) + 1 and e[:-1] == at and e[-1].startswith(_ATTACH)):
            here = at + (storage,)
            if here + (_EMBEDDED,) in self.storages:
                if depth < MAX_DEPTH:  # (a forward: the message inside, taken apart in turn)
                    self.message(here + (_EMBEDDED,), depth + 1)
                continue
            data = self._stream(here + (f"__SUBSTG1.0_{_DATA}",))
            if data is not None:
                self._add(self._file_name(here), "bin", data)

    def _file_name(self, at: tuple[str, ...]) -> str:
        for prop in _FILE_NAMES:
            data = self._stream(at + (f"__SUBSTG1.0_{prop}",), small=True)
            if data:
                text = data.decode("utf-16-le" if prop.endswith("1F") else "cp1252", "replace")
                name = file_name(text.rstrip("\x00"))
                if name:
                    return name
        return ""

    def _stream(self, path: tuple[str, ...], small: bool = False) -> bytes | None:
        """The bytes of the stream at `path` (its names in capitals), None when the message has none there;
        MailError once the budget is spent."""
        path = self.streams.get(path)
        if path is None:
            return None
        size = self.ole.get_size(path)
        if small and size > 4096:  # (a file name of thousands of characters: none)
            return None
        if size > self.budget:
            raise MailError("its streams claim more bytes than the file holds (a damaged or crafted file)")
        self.budget -= size
        with self.ole.openstream(path) as fh:
            return fh.read()

    def _add(self, name: str, ext: str, data: bytes) -> None:
        if len(self.out) == MAX_PARTS:
            self.left_out += 1
            return
        self.out.append((numbered(name or f"body-{len(self.out) + 1}.{ext}", self.seen), data))
