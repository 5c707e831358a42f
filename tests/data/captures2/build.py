"""Rebuild the captures of this folder: python tests/data/captures2/build.py (see SOURCES.md).

The login is gen_captures's (fixtures/gen_captures.py: a signed fixture Response, taken as it
is); each builder re-expresses it in a shape SOURCES.md traces to a real capture or SP."""
import copy
import json
import sys
from pathlib import Path
ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "fixtures"))
import gen_captures as gc
PAIR = gc._pick_pair(ROOT / "fixtures")
OUT = Path(__file__).resolve().parent
H = lambda *kv: [{"name": n, "value": v} for n, v in kv]

def chrome116(doc):
    """Chrome 116 DevTools members (requestly's mock network log): _initiator, _priority,
    _resourceType, pageref, connection, serverIPAddress, _transferSize, _error."""
    for e in doc["log"]["entries"]:
        e.update(_initiator={"type": "other"}, _priority="VeryHigh", _resourceType="document",
                 pageref="page_3", serverIPAddress="", connection="498154")
        e["response"].update(_transferSize=0, _error=None)
    doc["log"]["pages"] = [{"startedDateTime": doc["log"]["entries"][0]["startedDateTime"], "id": "page_3",
                            "title": gc.SP + "/", "pageTimings": {"onContentLoad": -1, "onLoad": -1}}]
    doc["log"]["creator"] = {"name": "WebInspector", "version": "537.36"}
    return doc

def acs(doc):
    return next(e for e in doc["log"]["entries"] if e["request"]["method"] == "POST")

def hsts():
    """The IdP posts to http://, Chrome upgrades the POST itself: '307 Internal Redirect'."""
    doc = gc.chrome_har(*PAIR)
    e = doc["log"]["entries"]
    i = e.index(acs(doc)); real = e[i]
    fake = copy.deepcopy(real)
    fake["request"]["url"] = gc.ACS.replace("https://", "http://")
    fake["request"]["headers"] = H(("Content-Type", "application/x-www-form-urlencoded"), ("Origin", "https://idp.example.org"),
                                   ("Upgrade-Insecure-Requests", "1"))
    fake["request"]["cookies"] = []
    fake["response"] = {"status": 307, "statusText": "Internal Redirect", "httpVersion": "HTTP/1.1",
                        "headers": H(("Cross-Origin-Resource-Policy", "Cross-Origin"), ("Location", gc.ACS),
                                     ("Non-Authoritative-Reason", "HSTS")),
                        "cookies": [], "content": {"size": 0, "mimeType": "x-unknown", "compression": 143},
                        "redirectURL": gc.ACS, "headersSize": 143, "bodySize": -143}
    fake["timings"] = {"blocked": 5.41, "dns": -1, "ssl": -1, "connect": -1, "send": 0, "wait": -2.1e-8, "receive": 1.19}
    real["startedDateTime"] = real["startedDateTime"][:-4] + "007Z"
    for x in e:  # the IdP page posts to http://
        c = x["response"]["content"]
        if "text" in c and gc.ACS in c["text"]:
            c["text"] = c["text"].replace(gc.ACS, fake["request"]["url"])
    e.insert(i, fake)
    return chrome116(doc)

def trailing_slash_308(bodiless_replay=False):
    """The IdP posts to the ACS without its trailing slash; the SP's router answers 308 to it."""
    doc = gc.chrome_har(*PAIR)
    e = doc["log"]["entries"]
    i = e.index(acs(doc)); real = e[i]
    first = copy.deepcopy(real)
    real["request"]["url"] = gc.ACS + "/"
    real["startedDateTime"] = real["startedDateTime"][:-4] + "090Z"
    first["response"].update(status=308, statusText="Permanent Redirect", headers=H(("Location", "/oauth2/callback/saml/")),
                             redirectURL="/oauth2/callback/saml/", cookies=[])
    if bodiless_replay:
        real["request"].pop("postData")
    e.insert(i, first)
    return chrome116(doc)

def json_callback():
    """A page's script posts the response as JSON (fetch), as Kibana's SAML callback accepts."""
    import base64
    doc = gc.chrome_har(*PAIR)
    a = acs(doc)
    relay = "k3v9q2m0t7a1b2c3"
    a["request"]["postData"] = {"mimeType": "application/json",
                                "text": json.dumps({"SAMLResponse": base64.b64encode(PAIR[1]).decode(), "RelayState": relay})}
    a["request"]["headers"] += H(("Content-Type", "application/json"), ("Sec-Fetch-Mode", "cors"))
    a["_resourceType"] = "fetch"
    return chrome116(doc)

def session_loop():
    """The ACS accepts the response and redirects to the page asked for, which sends the browser
    back to /sessions/init/saml: the session cookie was not kept, the IdP answers at once again."""
    import base64
    first = gc.attempt(PAIR[0], PAIR[1], "loop0000aaaa1111", 0, result="/projects")
    final = first[-1]
    final["response"].update(status=302, headers=H(("Location", "/sessions/init/saml?return_to=%2Fprojects")),
                             redirectURL="/sessions/init/saml?return_to=%2Fprojects",
                             content={"size": 0, "mimeType": "x-unknown"})
    second = gc.attempt(PAIR[0], PAIR[1], "loop2222bbbb3333", 3, result="/projects")
    second[0]["request"]["url"] = gc.SP + "/sessions/init/saml?return_to=%2Fprojects"
    return chrome116(gc.har(first + second))

def textarea_page(bodiless=False):
    """The IdP's page posts the response from hidden <textarea>s (Google's SAML SSO reference IdP,
    Net::SAML2-style IdPs); Firefox: base64 page body, local time, the POST's body left out."""
    import base64
    import html
    doc = gc.har(gc.attempt(PAIR[0], PAIR[1], "t3xt4r3a00112233", 0, tz=gc.CET, chrome=False, result="/projects"),
                 "Firefox", "128.0")
    b64 = base64.b64encode(PAIR[1]).decode()
    page = ('<html><head></head><body onload=\'javascript:document.acsForm.submit()\'>\n'
            f'<div style="display: none;">\n<form name="acsForm" action="{gc.ACS}" method="post">\n'
            f'<textarea name="SAMLResponse">\n{b64}</textarea>\n'
            f'<textarea name="RelayState">{html.escape("t3xt4r3a00112233")}</textarea>\n'
            '<input type="submit" value="Submit SAML Response" />\n</form>\n</div>\n</body></html>\n')
    for e in doc["log"]["entries"]:
        c = e["response"]["content"]
        if c.get("encoding") == "base64" and "SAMLResponse" in base64.b64decode(c["text"]).decode():
            c["text"] = base64.b64encode(page.encode()).decode()
            c["size"] = len(page)
    if bodiless:
        acs(doc)["request"].pop("postData")
    return doc

for name, doc in {"chrome-hsts-307-internal-redirect.har": hsts(),
                  "acs-308-trailing-slash.har": trailing_slash_308(),
                  "acs-308-replay-without-body.har": trailing_slash_308(True),
                  "fetch-json-callback.har": json_callback(),
                  "session-loop.har": session_loop(),
                  "firefox-textarea-page.har": textarea_page(),
                  "firefox-textarea-page-post-without-body.har": textarea_page(True)}.items():
    (OUT / name).write_text(json.dumps(doc, indent=1) + "\n")
    print(name)
