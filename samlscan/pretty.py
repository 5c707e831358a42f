"""`samlscan decode`: every message of an input as pretty XML under its summary."""
from __future__ import annotations

from samlscan.config import Expectations


def decode_listing(path: str, expect: Expectations, redact: bool) -> tuple[str, bool]:
    """The listing, and whether at least one message decoded."""
    from datetime import timezone

    from samlscan.engine import MessageResult, analyze_raw, collect
    from samlscan.report.redact import Redactor
    from samlscan.report.columns import layout
    from samlscan.report.table import header_rows
    from samlscan.xmlsafe import pretty_xml

    import os

    from samlscan.errors import ConfigError, InputError

    if path != "-" and not os.path.isfile(path):
        raise ConfigError(f"{path}: " + ("no such file" if not os.path.exists(path) else
                                         f"not a regular file: a directory; decode reads one message file, 'samlscan "
                                         f"check {path}' reads every file in it" if os.path.isdir(path) else
                                         "not a regular file"))
    if path != "-":
        from samlscan.batch import container_of

        with open(path, "rb") as fh:
            kind = container_of(path, fh.read(512))
        if kind == "evtx":
            raise ConfigError(f"{path}: a Windows event log; decode reads one plain message file: run "
                              f"'samlscan check {path}', which reads its AD FS events")
        if kind and kind != "mail":  # (its bytes read as a paste only gave a puzzling 'no SAML message' line;
            # an e-mail's text is read as one: a SAMLResponse pasted into it)
            if kind == "msg":
                raise ConfigError(f"{path}: an Outlook message; decode reads one plain message file: run "
                                  f"'samlscan check {path}', which reads its text and attachments")
            raise ConfigError(f"{path}: a {kind} file; decode reads one plain message file: unpack it, or "
                              f"run 'samlscan check {path}', which reads archives")
    from samlscan.report import shown_path

    try:
        got = collect(path, timezone.utc)
    except InputError as exc:
        return f"== {shown_path(path)}: {exc.code}: {exc.detail}\n", False
    except OSError as exc:
        return f"== {shown_path(path)}: input-unreadable: cannot read: {exc.strerror or exc}\n", False
    out, ok = [], False
    for i, raw in enumerate(got.raws):
        where = shown_path(raw.source.input) + (f" [{raw.source.ref}]" if raw.source.ref else "")
        result = analyze_raw(raw, i, expect)
        if not isinstance(result, MessageResult):
            out.append(f"== {where} #{i}: {result.code}: {result.message_text}\n")
            continue
        ok = True
        summary = layout(header_rows(result))
        text = f"{summary}\n\n{pretty_xml(result.message.xml)}"
        if redact:
            from samlscan.report.redact import personal_values_of

            text = Redactor(personal_values_of(result.message)).text(text)
        out.append(f"== {where} #{i}\n{text}")
    for p in got.problems:
        out.append(f"== {shown_path(p.source.input)}: {p.code}: {p.detail}\n")
    if not out:
        out.append(f"== {shown_path(path)}: no SAML message found\n")
    return "\n".join(out), ok

