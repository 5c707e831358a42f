"""SonarQube's System Info file (Administration > System > Download System Information: the JSON of
api/system/info) read as SonarQube's settings: its "Settings" section, its server's version, and a
cluster's application nodes.

The shape, from SonarSource/sonarqube (server/sonar-webserver-webapi .../platform/ws/):
- StandaloneSystemInfoWriter / ClusterSystemInfoWriter write one JSON object of sections, each an
  object of attributes (AbstractSystemInfoWriter.writeSection), "System" first (ORDERED_SECTION_NAMES);
  a cluster's begins with "Health" and adds "Application Nodes" and "Search Nodes", arrays of
  {"Name", "Host", ..., <that node's sections>} (writeNodeInfo).
- "System" (StandaloneSystemSection / ClusterSystemSection): "Server ID", "Version" (a cluster's: in
  each node's own "System", NodeSystemSection), "Edition", "High Availability", "Force authentication",
  "Accepted external identity providers"...
- "Settings" (monitoring/SettingsSection, a Global section): every setting in effect, sorted, a
  value whose key ends in ".secured" or names a password written "xxxxxxxx" (obfuscateValue; 8.x
  also cut values to 500 characters). Global sections are written once, not per node
  (ProcessInfoProvider leaves them out of each node's sections), so a node's own value of a SAML
  setting can show only in that node's sections: its "Web JVM Properties", the system properties
  its web process was started with (a -D in that node's sonar.web.javaAdditionalOpts). (Not read in
  SonarQube's source here: which of such a -D and the saved value its web process then uses; either
  way the nodes are not alike, which is the finding.)
The same section and key names in the 8.x-era and 2025-era sources read; the downloaded file is taken to
be that JSON (the UI's download was not read in sonar-web's source: the reader asks only for its shape)."""
from __future__ import annotations

from samlscan import lazyre

SYSTEM_INFO_HEAD = lazyre.compile(r'(?<!\\)"System"\s*:\s*\{[^{}]*?(?<!\\)"(?:Server ID|High Availability)"\s*:')
"""The System Info's "System" section by its own attributes, within a file's first bytes (its
"Settings" section comes after the JVM and database sections, too far for a sniff)."""
MASKED = "xxxxxxxx"
"""SettingsSection.PASSWORD_VALUE: what the file holds for every *.secured setting that is set."""
NODE_KEYS = ("sonar.core.serverBaseURL", "sonar.auth.saml.")
"""The settings samlscan reads, as they may show in a node's own sections."""


def is_system_info(doc) -> bool:
    """Whether a JSON document is a System Info file: an object with a "System" section of its attributes."""
    system = doc.get("System") if isinstance(doc, dict) else None
    return isinstance(system, dict) and any(k in system for k in ("Server ID", "High Availability", "Version"))


def system_info_pairs(doc: dict) -> tuple[dict[str, str], list[str]]:
    """The "Settings" section's values and the *.secured keys it masks (set, but not given)."""
    section = doc.get("Settings") if isinstance(doc.get("Settings"), dict) else {}
    pairs = {k: _text(v) for k, v in section.items() if isinstance(k, str)}
    hidden = [k for k, v in pairs.items() if v == MASKED and k.lower().endswith(".secured")]
    return {k: v for k, v in pairs.items() if k not in hidden}, hidden


def _text(value) -> str:
    if isinstance(value, bool):  # (a Settings value is a string; a boolean as Java writes it)
        return "true" if value else "false"
    return ",".join(map(str, value)) if isinstance(value, list) else "" if value is None else str(value)


def server_facts(doc: dict) -> tuple[tuple[str, ...], str | None, bool | None]:
    """(Versions, Edition, Force authentication) of the "System" section, None where absent. A
    cluster's "System" (ClusterSystemSection) has no Version: each application node's own "System"
    (NodeSystemSection) has it, one each (two while a node runs another release)."""
    system = doc.get("System") or {}
    edition, force = system.get("Edition"), system.get("Force authentication")
    nodes = doc.get("Application Nodes") if isinstance(doc.get("Application Nodes"), list) else []
    said = [system.get("Version")] + [(n.get("System") or {}).get("Version") for n in nodes
                                      if isinstance(n, dict) and isinstance(n.get("System"), dict)]
    versions = tuple(dict.fromkeys(v.strip() for v in said if isinstance(v, str) and v.strip()))
    return (versions, edition if isinstance(edition, str) and edition.strip() else None,
            force if isinstance(force, bool) else None)


_RELEASE = lazyre.compile(r"\s*(\d+)\.(\d+)")


def spring_engine(version: str | None) -> bool | None:
    """Whether SonarQube of `version` runs SAML on Spring Security SAML2 (2025.1 and later, year-numbered)
    rather than java-saml (up to 10.x); None for a version that does not say."""
    m = _RELEASE.match(version or "")
    return None if m is None else (int(m.group(1)), int(m.group(2))) >= (2025, 1)


def node_disagreements(doc: dict, pairs: dict[str, str]) -> list[tuple[str, dict[str, str]]]:
    """Each SAML setting the application nodes do not hold alike: (key, {node name: value}), a node
    without its own value holding the "Settings" section's (the value the cluster saved)."""
    nodes = doc.get("Application Nodes")
    nodes = [n for n in nodes if isinstance(n, dict)] if isinstance(nodes, list) else []
    names = [n["Name"] if isinstance(n.get("Name"), str) else f"node {i + 1}" for i, n in enumerate(nodes)]
    own: dict[str, dict[str, str]] = {}
    for name, node in zip(names, nodes):
        for section in (s for s in node.values() if isinstance(s, dict)):
            for key, value in section.items():
                if isinstance(key, str) and key.startswith(NODE_KEYS) and not key.lower().endswith(".secured"):
                    own.setdefault(key, {})[name] = _text(value).strip()
    out = []
    for key, values in sorted(own.items()):
        held = {name: values.get(name, pairs.get(key, "").strip()) for name in names}
        if len(set(held.values())) > 1:
            out.append((key, held))
    return out
