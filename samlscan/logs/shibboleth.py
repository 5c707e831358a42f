from samlscan.logs.embedded import EmbeddedParser


class _Stub(EmbeddedParser):
    name = "shibboleth"

    def sniff(self, head):
        return False


PARSER = _Stub()
