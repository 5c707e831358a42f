"""Browser captures as today's exporters write them (fixtures/gen_har47.py writes fixtures/har47)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from samlscan.inputs import har
from samlscan.inputs.har.headers import _set_cookies

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "fixtures" / "har47"


def test_generator_is_deterministic(tmp_path):
    sys.path.insert(0, str(ROOT / "fixtures"))
    import gen_har47

    for path in gen_har47.write(tmp_path):
        assert path.read_bytes() == (DATA / path.name).read_bytes(), path.name


def _init(cap):
    return next(ex for ex in cap.exchanges if ex.leg == "sp-init")


def test_safari_joined_set_cookie_is_each_cookie():
    """WebKit joins a response's Set-Cookie headers with ', ' (Resource.js responseCookies): each
    cookie keeps its own attributes; OAUTHSTATE does not take the JSESSIONID's SameSite=Lax."""
    init = _init(har.read(str(DATA / "safari-joined-cookies.har")))
    assert dict(init.samesite) == {"OAUTHSTATE": "", "JSESSIONID": "Lax"}
    assert set(init.set_cookies) == {"OAUTHSTATE", "JSESSIONID"}


def test_safari_joined_set_cookie_diagnosis():
    out = subprocess.run([sys.executable, "-m", "samlscan", "check", str(DATA / "safari-joined-cookies.har")],
                         capture_output=True, text=True, cwd=ROOT)
    text = " ".join(out.stdout.split())
    assert "OAUTHSTATE was set at entry 0 without SameSite but not sent" in text, text
    assert "OAUTHSTATE was set with SameSite=Lax" not in text
    # (Lax by default is Chromium's, not WebKit's: a Safari capture's loss has another cause)
    assert "Safari does not take a cookie without SameSite as Lax" in text and "Chromium-based" not in text


@pytest.mark.parametrize("value,cookies", [
    # joined by Safari's Web Inspector, by Firefox; each cookie on its own
    ("a=1; Path=/, b=2; SameSite=Lax", ["a=1; Path=/", "b=2; SameSite=Lax"]),
    ("a=1; Path=/\nb=2", ["a=1; Path=/", "b=2"]),
    ("a=1, b-c.d=2; Max-Age=0", ["a=1", "b-c.d=2; Max-Age=0"]),
    # one cookie: the ', ' of its Expires date, a comma in an attribute, starts no cookie
    ("a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Path=/", ["a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Path=/"]),
    ("a=1; Expires=Thu, 01-Jan-1970 00:00:10 GMT", ["a=1; Expires=Thu, 01-Jan-1970 00:00:10 GMT"]),
    ("OAUTHSTATE=x; Path=/; SameSite=Lax", ["OAUTHSTATE=x; Path=/; SameSite=Lax"]),
])
def test_set_cookie_values(value, cookies):
    assert _set_cookies([("Set-Cookie", value)]) == cookies


def test_a_joined_cookie_with_its_own_samesite_keeps_it(tmp_path):
    """The failing side: OAUTHSTATE set with SameSite=Lax (a proxy's doing) is still read so when
    Safari joined it with another cookie."""
    import json

    doc = json.loads((DATA / "safari-joined-cookies.har").read_text())
    init = doc["log"]["entries"][0]["response"]
    init["headers"] = [h if h["name"] != "Set-Cookie" else
                       {"name": "Set-Cookie", "value": "JSESSIONID=n1; Path=/, OAUTHSTATE=5afa11c0; Path=/; SameSite=Lax"}
                       for h in init["headers"]]
    path = tmp_path / "lax.har"
    path.write_text(json.dumps(doc))
    assert dict(_init(har.read(str(path))).samesite)["OAUTHSTATE"] == "Lax"


def test_sanitize_masks_every_cookie_safari_joined(tmp_path):
    """`samlscan sanitize` masked only the first cookie of a Safari-joined Set-Cookie value: the
    JSESSIONID after it stayed in the shared file. Each is now kept or dropped on its own; the
    OAUTHSTATE name stays, so the diagnosis is the one of the unsanitized capture."""
    from samlscan.sanitize import sanitize_har

    out = tmp_path / "clean.har"
    sanitize_har(str(DATA / "safari-joined-cookies.har"), str(out), False)
    text = out.read_text()
    assert "node01a2b3c4d5" not in text
    init = _init(har.read(str(out)))
    assert "OAUTHSTATE" in init.set_cookies and dict(init.samesite)["OAUTHSTATE"] == ""
