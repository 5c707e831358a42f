"""sonar-nodes-disagree: the SAML settings a SonarQube cluster's application nodes hold apart, as
its System Info file shows them (config/sysinfo.py), one finding each at that file."""
from __future__ import annotations

from samlscan.codes import spec
from samlscan.model import Finding, Source


def nodes_apart_findings(expect) -> tuple[Finding, ...]:
    """A sonar-nodes-disagree finding for each setting of Expectations.nodes_apart."""
    s = spec("sonar-nodes-disagree")
    return tuple(Finding(s.code, s.severity, f"the application nodes hold {key} apart: "
                         + "; ".join(f"{node} {value!r}" if value else f"{node} (not set)" for node, value in held),
                         hint=s.fix, source=Source(origin))
                 for origin, key, held in expect.nodes_apart)
