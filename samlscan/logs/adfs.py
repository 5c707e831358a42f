from samlscan.logs.embedded import EmbeddedParser


class _Stub(EmbeddedParser):
    name = "adfs"

    def sniff(self, head):
        return False


PARSER = _Stub()
