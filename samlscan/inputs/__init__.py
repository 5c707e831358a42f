"""Input readers: one module per evidence format."""


def capture_readers():
    """(kind, reader module) of the browser-capture formats, in sniffing order (imported on first
    use: most inputs are not captures)."""
    from samlscan.inputs import charles, charlesxml, chromepanel, har, netlog, tracer

    return (("har", har), ("saml-tracer", tracer), ("saml-chrome-panel", chromepanel),
            ("chrome-netlog", netlog), ("charles-session", charles),
            ("charles-xml-session", charlesxml))
