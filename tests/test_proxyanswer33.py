"""A proxy's own answer to a callback (its 504 after its timeout) joins the attempt whose callback it is
only when that attempt holds the request's arrival at the proxy line's second (correlate.link_request.
_link_proxy_answers; case 28's positive cases are in tests/test_case28.py). The SP's login of the
same client later, with nothing at that second, may be a retry's (the proxy logs the retry's callback
with no outcome, which correlation never sees): it stays apart."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from samlscan.cli import main

UA = "Mozilla/5.0 (X11; Linux x86_64; rv:136.0) Gecko/20100101 Firefox/136.0"
IP = "203.0.113.5"


def _callback(time: str, status: int) -> str:
    return f'{IP} - - [11/Mar/2025:{time} +0000] "POST /oauth2/callback/saml HTTP/1.1" {status} 0 "https://idp.example.org/" "{UA}"\n'


def _success(time: str) -> str:
    """SonarQube's web.log line of a login it finished, naming the client."""
    return (f"2025.03.11 {time} INFO  web[9781d044-bd9b-d41b-8591-b81470d90e4b][auth.event] login success "
            f"[method|OAUTH2][provider|EXTERNAL|Okta][IP|10.0.3.17|{IP}][login|ana]\n")


def _attempts(folder, jobs: str) -> list[tuple]:
    res = CliRunner().invoke(main, ["scan", str(folder), "--timezone", "UTC", "--format", "json", "--jobs", jobs,
                                    "--fail-on", "never"])
    assert res.exit_code == 0, res.output[-2000:]
    return [(a["time"], a["user"], a["outcome"], a["root_cause"]) for a in json.loads(res.stdout)["attempts"]]


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("proxy, web", [
    (_callback("09:00:04", 504) + _callback("09:00:30", 302), _success("09:00:31")),  # a retry the SP took
    (_callback("09:00:04", 504), _success("09:01:19")),  # a login later, nothing at 09:00:04: not known whose
])
def test_an_sp_login_of_the_client_without_the_callback_s_arrival_stays_apart(tmp_path, proxy, web, jobs):
    (tmp_path / "nginx.log").write_text(proxy)
    (tmp_path / "web.log").write_text(web)
    got = _attempts(tmp_path, jobs)
    assert got[0] == ("2025-03-11T09:00:04Z", None, "failure", "proxy-answered-callback"), got
    assert [a[1:3] for a in got[1:]] == [("ana", "success")], got
