from samlscan.logs.embedded import EmbeddedParser


class _Stub(EmbeddedParser):
    name = "auth0"

    def sniff(self, head):
        return False


PARSER = _Stub()
