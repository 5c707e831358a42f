"""A login tied to the cluster node that sent it: the IdP SSO URL a capture's AuthnRequest reached no server
at (idp-sso-unreachable) is one application node's own sonar.auth.saml.loginUrl, which the System Info shows
apart from the other nodes' (Expectations.nodes_apart, sonar-nodes-disagree): that node's setting is the cause."""
from __future__ import annotations

from urllib.parse import urlsplit

from samlscan.codes import spec

LOGIN_URL = "sonar.auth.saml.loginUrl"
"""The setting whose node value sends the browser to the IdP (SonarQube's SAML 'Provider Login URL')."""
CODE = "sonar-nodes-disagree"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def url_key(url: str | None) -> tuple | None:
    """(scheme, host, port, path) of a URL as a browser goes to it: scheme and host in any case (RFC 3986
    6.2.2.1), the default port written or not, a trailing slash, the query and fragment aside (the
    AuthnRequest's own); None for no URL."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError:  # ('https://[x': no URL a browser went to)
        return None
    if not parts.scheme or not parts.hostname:
        return None
    scheme = parts.scheme.lower()
    return scheme, parts.hostname.rstrip(".").lower(), port or _DEFAULT_PORTS.get(scheme), parts.path.rstrip("/")


def login_url_nodes(expect) -> dict[tuple, tuple[str, tuple[str, ...], str, tuple]]:
    """url_key of each node value of the login URL the nodes hold apart -> (settings file, the nodes that
    hold it, the value as written, every node's (name, value)); {} without a System Info that shows them."""
    out: dict[tuple, tuple[str, tuple[str, ...], str, tuple]] = {}
    for origin, key, held in getattr(expect, "nodes_apart", ()) or ():
        if key != LOGIN_URL:
            continue
        held = tuple(held.items()) if isinstance(held, dict) else tuple(held)
        for node, value in held:
            k = url_key(value)
            if k is not None:
                was = out.get(k)
                out[k] = (origin, (*was[1], node) if was else (node,), value, held)
    return out


def tie_to_node(flow, piece, nodes: dict) -> None:
    """Name the node's setting as the cause of a flow whose AuthnRequest reached no server (its piece's
    idp-sso-unreachable) at a URL that is one node's own login URL: the load balancer sent the login to
    that node. The piece then says both values, and its fix names the node."""
    from samlscan.flows import sso_unreached

    if not nodes or piece is None or piece.log_code != "idp-sso-unreachable":
        return
    ex = next((x for x in reversed(flow.exchanges) if sso_unreached(x)), None)
    hit = nodes.get(url_key(ex.url.split("?", 1)[0])) if ex is not None else None
    if hit is None:
        return
    origin, mine, value, held = hit
    who = " and ".join(mine)
    others = "; ".join(f"{n} {v!r}" if v else f"{n} (not set)" for n, v in held if n not in mine)
    piece.log_code, piece.side = CODE, "sp"
    piece.text = (f"{ex.url.split('?', 1)[0]} ({ex.ref}: {ex.net_error}) is {who}'s own {LOGIN_URL} "
                  f"{value!r} in the System Info" + (f"; the other nodes: {others}" if others else ""))
    piece.hints = {CODE: f"On {who} (its own {LOGIN_URL} {value!r}, where the browser reached no server): "
                         f"{spec(CODE).fix}"}
