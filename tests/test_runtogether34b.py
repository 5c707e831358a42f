"""Run-together log lines in the remaining readers (a write cut short, then the next entry on the same
line): IIS W3C, nginx's error.log, combined access lines (nginx, ingress-nginx, SonarQube's), HAProxy
(behind its syslog header, and CLF). The damaged file reads as the clean one without the cut entry (that
one malformed when its SAML path is left in it); a start spelled out inside a field is none; a hostile line
of starts is split a bounded number of times. And an error page's line (errorpages.page_place), where a
SARIF result of it points. The samples are the committed ones of tests/data; the damage is made here."""
from __future__ import annotations

import json
import re

import pytest
from case_util import ROOT, scan_case

from samlscan import errorpages
from samlscan.logs import Malformed, haproxy, iislog, nginx, sqaccess
from growth_util import cpu_seconds

DATA = ROOT / "tests" / "data"
SYSLOG = re.compile(r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ haproxy\[\d+\]: ")


def _in_request(line: str) -> int:
    """Where to cut an entry: a few characters past its SAML path (inside its request, the path left
    whole), or half-way in one of another path."""
    at = min((line.index(p) + len(p) for p in sqaccess.PATHS if p in line), default=None)
    return len(line) // 2 if at is None else at + 3


SAMPLES = {  # name -> (parser, sample, where an entry is cut, a cut SAML entry is malformed)
    "iis": (iislog.PARSER, "case24/u_ex261125.log", lambda line: len(line) // 2, True),
    "nginx-error": (nginx.PARSER, "nginx33/errorlog/error.log", _in_request, True),
    "ingress-nginx": (sqaccess.PARSER, "nginx33/ingress/access.log", lambda line: line.index("Mozilla/5.0") + 20, True),
    "combined": (sqaccess.PARSER, "sqaccess/proxy-access.log", lambda line: line.index("Mozilla/5.0") + 20, True),
    # (HAProxy reads a request cut inside its quote: a line cut at its `log ... len` is read so)
    "haproxy-syslog": (haproxy.PARSER, "proxies29/haproxy/haproxy.log", lambda line: len(line) // 2, False),
    "haproxy-clf": (haproxy.PARSER, "proxyfmt32/haproxy-clf/haproxy.log", lambda line: len(line) // 2, False),
}
WHERE = ("first", "middle", "last")


def _lines(name: str) -> list[str]:
    return (DATA / SAMPLES[name][1]).read_text().splitlines()


def _payload(line: str) -> str:
    """A line as the reader behind the syslog reader gets it (samlscan/logs/wrapped.py strips the header)."""
    return SYSLOG.sub("", line, count=1)


def _records(parser, lines: list[str]) -> list:
    return list(parser.parse(enumerate(map(_payload, lines), 1), "x.log", None))


def _saml_pairs(lines: list[str]) -> list[int]:
    """The entries of a SAML path followed by another: where a cut loses a login's step."""
    return [i for i in range(len(lines) - 1)
            if any(p in lines[i] for p in sqaccess.PATHS) and any(p in lines[i + 1] for p in sqaccess.PATHS)]


def _damaged(lines: list[str], k: int, cut: int) -> list[str]:
    """Entry k cut after `cut` characters and entry k + 1 written on after it (its syslog header and all)."""
    return [*lines[:k], lines[k][:cut] + lines[k + 1], *lines[k + 2:]]


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("name", SAMPLES)
def test_an_entry_run_on_after_a_cut_one_is_read(name, where):
    parser, _, cut, malformed = SAMPLES[name]
    lines = _lines(name)
    pairs = _saml_pairs(lines)
    k = {"first": pairs[0], "middle": pairs[len(pairs) // 2], "last": pairs[-1]}[where]
    got = _records(parser, _damaged(lines, k, cut(_payload(lines[k]))))
    without = _records(parser, [*lines[:k], *lines[k + 1:]])  # the file as if the cut entry was never written
    assert without, "the sample has records"
    assert [r for r in got if not isinstance(r, Malformed)] == without, "the run-on entry and all after it are read"
    bad = [r.source.ref for r in got if isinstance(r, Malformed)]
    assert bad == ([f"line {k + 1}"] if malformed else []), "the cut entry is malformed, once"


@pytest.mark.parametrize("name", SAMPLES)
def test_a_clean_file_is_read_whole(name):
    parser = SAMPLES[name][0]
    lines = _lines(name)
    split = {iislog.PARSER: None, nginx.PARSER: nginx.pieces, sqaccess.PARSER: sqaccess.combined_pieces,
             haproxy.PARSER: haproxy.pieces}[parser]
    if split is not None:
        assert all(split(_payload(line)) == [_payload(line)] for line in lines)
    records = _records(parser, lines)
    assert records and not [r for r in records if isinstance(r, Malformed)]


def test_iis_fields_not_beginning_date_time_are_not_split():
    lines = _lines("iis")
    head = [ln for ln in lines if ln.startswith("#")]
    fields = head[-1].split()[1:]
    entries = [ln for ln in lines if not ln.startswith("#")]
    swapped = [ln.split(" ") for ln in entries]
    moved = [" ".join([v[2], *v[:2], *v[3:]]) for v in swapped]  # s-ip first
    text = [*head[:-1], "#Fields: " + " ".join([fields[2], *fields[:2], *fields[3:]]), *moved]
    layout = iislog._Layout()
    for line in text[:len(head)]:
        layout.read(0, line)
    run_on = moved[5][:40] + moved[6]
    assert layout.pieces(run_on) == [run_on]


def test_a_forged_iis_start_in_a_user_agent_is_none():
    line = next(ln for ln in _lines("iis") if "/oauth2/callback/saml" in ln)
    # (IIS writes a User-Agent's spaces as '+': a date and time spelled out in one are one value)
    forged = line.replace("Mozilla/5.0+", "Mozilla/5.0+2026-11-25+09:14:03+10.0.0.1+POST+/oauth2/callback/saml+")
    layout = iislog._Layout()
    assert layout.pieces(forged) == [forged]
    assert layout.read(1, forged).path == sqaccess.CALLBACK


def test_a_forged_nginx_start_in_a_referrer_is_none():
    line = next(ln for ln in _lines("nginx-error") if "/oauth2/callback/saml" in ln and "referrer" in ln)
    fake = '2026/03/03 11:00:00 [error] 9#9: *9 no live upstreams, client: 198.51.100.66, request: "POST /oauth2/callback/saml'
    forged = line.replace('referrer: "https://', f'referrer: "https://x/ {fake}')
    assert nginx.pieces(forged) == [forged]
    (event,) = _records(nginx.PARSER, [forged])
    assert event.ip != "198.51.100.66"


@pytest.mark.parametrize("quote", ["\\x22", '"'])
def test_a_forged_access_start_in_a_user_agent_is_none(quote):
    line = next(ln for ln in _lines("combined") if "/oauth2/callback/saml" in ln)
    # nginx writes a quote in a value as \x22; logback-access (SonarQube's) as it came: then the quotes
    # after the forged start do not pair up
    fake = f'198.51.100.66 - - [11/Mar/2025:08:41:05 +0000] {quote}POST /oauth2/callback/saml HTTP/1.1{quote} 302 0'
    forged = line.replace("Mozilla/5.0 (", f"Mozilla/5.0 {fake} (")
    assert sqaccess.combined_pieces(forged) == [forged]
    (request,) = [r for r in _records(sqaccess.PARSER, [forged])]
    assert request.ip != "198.51.100.66"


def test_a_forged_haproxy_start_in_a_captured_header_is_none():
    line = _payload(next(ln for ln in _lines("haproxy-syslog") if "/oauth2/callback/saml" in ln))
    # (HAProxy writes a captured header's '"' as #22: the start never reaches a request's quote)
    fake = "{198.51.100.66:5 [03/Mar/2026:10:00:09.000] fe be/s 0/0/0/0/0 503 0 - - SC-- 0/0/0/0/0 0/0 #22POST /x#22}"
    forged = line.replace(' "POST', f' {fake} "POST')
    assert haproxy.pieces(forged) == [forged]
    assert haproxy.read(1, forged).ip == "203.0.113.20"


@pytest.mark.parametrize("after", ["(Windows NT 10.0; Win", "Safari/537.", 'Edg/134.0.0.0"'])
def test_an_address_glued_to_the_cut_entry_is_read_from_its_end(after):
    """The cut entry's last characters glued to the next one's address: the longest address ending the
    word is the client (after a letter, a dot or a quote, the next entry's own; after a digit it may
    take that digit in: '...rv:1' + '10.1.4.20' reads 110.1.4.20, the one place the start is a guess)."""
    lines = _lines("combined")
    k = next(i for i, ln in enumerate(lines) if "/sessions/init/saml" in ln and "Windows" in ln)
    cut = lines[k].index(after) + len(after)
    assert sqaccess.combined_pieces(lines[k][:cut] + lines[k + 1]) == [lines[k][:cut], lines[k + 1]]


@pytest.mark.parametrize("name", ("combined", "haproxy-clf", "haproxy-syslog"))
def test_an_entry_cut_before_its_own_time_is_not_looked_for(name):
    """(A limit: an access line is searched for a second entry only when it holds a second time, a search a
    line being too dear: an entry cut within its client or time glues it to the next's.)"""
    lines = [_payload(ln) for ln in _lines(name)]
    k = _saml_pairs(lines)[0]
    line = lines[k][:lines[k].index("[") + 4] + lines[k + 1]
    split = sqaccess.combined_pieces if name == "combined" else haproxy.pieces
    assert split(line) == [line]
    assert len(_records(SAMPLES[name][0], [line])) <= 1


PIECES = {
    "iis": lambda line: iislog._Layout().pieces(line),
    "nginx-error": nginx.pieces,
    "combined": sqaccess.combined_pieces,
    "haproxy": haproxy.pieces,
}
UNITS = {
    "iis": lambda: [_lines("iis")[6] + " ", "2026-11-25 08:30:07 "],
    "nginx-error": lambda: [_lines("nginx-error")[3], "2026/03/03 10:00:03 [error] 31#31: "],
    "combined": lambda: [_lines("combined")[2], '203.0.113.77 - - [11/Mar/2025:08:41:02 +0000] "GET '],
    "haproxy": lambda: [_payload(_lines("haproxy-syslog")[1]), "203.0.113.20:51000 [03/Mar/2026:10:00:03.120] "],
}


@pytest.mark.parametrize("which", (0, 1), ids=("entries", "starts"))
@pytest.mark.parametrize("name", PIECES)
def test_a_hostile_line_of_starts_is_split_a_bounded_number_of_times(name, which):
    unit = UNITS[name]()[which]
    line = unit * (1024 * 1024 // len(unit) + 1)
    began = cpu_seconds()
    got = PIECES[name](line)
    assert cpu_seconds() - began < 1
    assert len(got) <= sqaccess.MAX_PIECES and "".join(got).replace(" ", "") == line.replace(" ", "")


@pytest.mark.parametrize("name", SAMPLES)
def test_a_hostile_log_reads_in_bounded_time(name):
    parser = SAMPLES[name][0]
    unit = _payload(_lines(name)[_saml_pairs(_lines(name))[0]]) + " "
    line = unit * (1024 * 1024 // len(unit) + 1)
    began = cpu_seconds()
    got = _records(parser, [line])
    assert cpu_seconds() - began < 1
    assert len(got) <= 2 * sqaccess.MAX_PIECES


def _summary(doc: dict) -> list[tuple]:
    return [(a["time"], a["ip"], a["outcome"], a["root_cause"]) for a in doc["attempts"]]


@pytest.mark.parametrize("name", ("iis", "nginx-error", "combined", "haproxy-syslog"))
def test_run_together_reads_alike_with_two_jobs(tmp_path, name):
    parser, sample, cut, malformed = SAMPLES[name]
    lines = _lines(name)
    k = _saml_pairs(lines)[0]
    clean_dir, bad_dir = tmp_path / "clean", tmp_path / "bad"
    clean_dir.mkdir(), bad_dir.mkdir()
    (clean_dir / (DATA / sample).name).write_text("\n".join([*lines[:k], *lines[k + 1:]]) + "\n")
    (bad_dir / (DATA / sample).name).write_text("\n".join(_damaged(lines, k, cut(_payload(lines[k])))) + "\n")
    clean = scan_case(clean_dir, "UTC")
    one = scan_case(bad_dir, "UTC")
    two = scan_case(bad_dir, "UTC", "--jobs", "2")
    assert one["attempts"] == two["attempts"]
    assert _summary(one) == _summary(clean), "the clean file's attempts, the cut entry aside"
    assert [i.get("malformed_lines", 0) for i in one["inputs"]] == [1 if malformed else 0]


# --- an error page's line ----------------------------------------------------------------------------

PAGES = DATA / "errorpages"


@pytest.mark.parametrize("page, line", [
    ("keycloak-redirect-uri.txt", 2),  # 'We are sorry...' then its sentence
    ("auth0-one-line.txt", 1),
    ("shibboleth-unsupported.txt", 1),
    ("ticket-shibboleth.txt", None),  # a ticket quoting a page is none
])
def test_the_line_a_page_says_its_error_on(page, line):
    assert errorpages.page_place(str(PAGES / page)) == line


def test_the_line_of_a_page_saved_as_html(tmp_path):
    text = ("<!DOCTYPE html>\n<html>\n<head><title>Error</title>\n<style>p{}</style></head>\n<body>\n\n"
            "<h1>We are sorry...</h1>\n<p class=\"instruction\">Invalid parameter: redirect_uri</p>\n"
            "<a href=\"/\">&laquo; Back to Application</a>\n</body></html>\n")
    (tmp_path / "page.html").write_text(text)
    assert errorpages.page_place(str(tmp_path / "page.html")) == 8
    moved = text.replace("<body>\n\n", "<body>\n\n\n\n")
    (tmp_path / "page.html").write_text(moved)
    assert errorpages.page_place(str(tmp_path / "page.html")) == 10


def test_a_page_in_a_mime_document_has_no_line(tmp_path):
    page = (PAGES / "keycloak-redirect-uri.txt").read_text()
    mime = ("From: <Saved by Blink>\nMIME-Version: 1.0\nContent-Type: multipart/related; type=\"text/html\"; "
            "boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\n" + page + "\n--B--\n")
    (tmp_path / "page.mhtml").write_text(mime)
    assert errorpages.page_place(str(tmp_path / "page.mhtml")) is None


def test_a_sarif_result_of_an_error_page_points_at_its_line(tmp_path):
    (tmp_path / "page.txt").write_text((PAGES / "keycloak-redirect-uri.txt").read_text())
    out = tmp_path / "out.sarif"
    from click.testing import CliRunner

    from samlscan.cli import main

    res = CliRunner().invoke(main, ["scan", str(tmp_path / "page.txt"), "--format", "sarif", "-o", str(out),
                                    "--jobs", "1", "--fail-on", "never"])
    assert res.exit_code == 0, res.output
    (result,) = json.loads(out.read_text())["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 2}
