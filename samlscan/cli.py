"""Command-line interface: parse options, call the engine, render, exit. Nothing else."""
from __future__ import annotations

import functools
import os
import re
import sys
from pathlib import Path

import click

from samlscan import lazyre

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130
"""Ctrl-C: 128 + SIGINT, as the shell reports a command the terminal interrupted (a script tells it
from a usage error, exit 2)."""
FORMATS = ("table", "json", "jsonl", "sarif", "csv", "html")


_CONFIG = click.option("--config", "config_path", type=click.Path(dir_okay=False),
                       help="TOML file with the settings below (default: samlscan.toml in the scanned "
                            "directory or the working directory).")
_SP_ENTITY_ID = click.option("--sp-entity-id", help="SP entity ID = expected Audience and AuthnRequest Issuer "
                                                    "(SonarQube: applicationId).")
_ACS_URL = click.option("--acs-url", help="SP Assertion Consumer Service URL = expected Destination/Recipient.")
_SONAR_FILES = "sonar.properties or the JSON of api/settings/values"
_SONAR_SETTINGS = click.option("--sonar-settings", type=click.Path(dir_okay=False),
                               help=f"{_SONAR_FILES} (implies --profile sonarqube).")
"""The SP's own settings, shared by check and scan."""
_FLOWS_SONAR_SETTINGS = click.option(
    "--sonar-settings", type=click.Path(dir_okay=False),
    help=f"{_SONAR_FILES}: SonarQube's SP entity ID and ACS URL, compared with each flow's messages.")
"""flows' (it has no --profile: it lists what differs, it judges nothing)."""
_NO_BREAK_HYPHEN = "\u2011"


class _HelpFormatter(click.HelpFormatter):
    """--help wrapped at spaces only: click's wrapping breaks at hyphens, which split an option
    ('--sonar-\\nsettings') or a code so that it could not be copied whole. Hyphens go through
    the wrapping as U+2011 (one column, no break) and come back in getvalue."""

    def write_text(self, text: str) -> None:
        super().write_text(text.replace("-", _NO_BREAK_HYPHEN))

    def write_dl(self, rows, *args, **kwargs) -> None:
        super().write_dl([(a, b.replace("-", _NO_BREAK_HYPHEN)) for a, b in rows], *args, **kwargs)

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args.replace("-", _NO_BREAK_HYPHEN), prefix)

    def getvalue(self) -> str:
        return super().getvalue().replace(_NO_BREAK_HYPHEN, "-")


class _Context(click.Context):
    formatter_class = _HelpFormatter


_TIMEZONE = click.option(
    "--timezone", "tz_name", multiple=True, metavar="[GLOB=]ZONE",
    help="Zone of log and capture times written without one (e.g. Europe/Paris, +02:00; default UTC, or "
         "for a log whose other lines all carry one UTC offset, that offset); "
         "'web.log=Europe/Paris' for the files matching a glob only (repeatable).")


class Seconds(click.ParamType):
    """A duration in whole seconds: '300', '300s', '5m', '1h' (a skew is usually said in minutes)."""

    name = "seconds"
    _FORM = lazyre.compile(r"\s*(\d{1,9})\s*(s|sec|m|min|h)?\s*", re.I | re.ASCII)
    _UNIT = {None: 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        m = self._FORM.fullmatch(str(value))
        if not m:
            self.fail(f"'{value}' is {'negative' if str(value).strip().startswith('-') else 'not a duration'}: give seconds (300) or minutes (5m)", param, ctx)
        return int(m[1]) * self._UNIT[m[2] and m[2].lower()]


def _expectation_options(fn):
    opts = [
        _CONFIG,
        _SP_ENTITY_ID,
        _ACS_URL,
        click.option("--idp-entity-id", help="IdP entity ID = expected Issuer (SonarQube: providerId)."),
        click.option("--idp-cert", multiple=True, type=click.Path(dir_okay=False),
                     help="IdP signing certificate (PEM/DER/base64); repeat for a rollover."),
        click.option("--idp-metadata", multiple=True, type=click.Path(dir_okay=False),
                     help="IdP metadata XML: entityID, every signing certificate, SSO URLs."),
        click.option("--sp-key", multiple=True, type=click.Path(dir_okay=False),
                     help="SP private key (PEM) to decrypt EncryptedAssertion and EncryptedID. Never printed."),
        click.option("--sp-cert", multiple=True, type=click.Path(dir_okay=False),
                     help="SP certificate: verifies the SP's signed AuthnRequests and Logout messages "
                          "(either binding)."),
        click.option("--app", multiple=True, help="The SP's name in IdP logs (Entra app, Okta app label); "
                                                  "sign-ins to other apps are left out (repeatable)."),
        click.option("--email-attribute", help="Attribute Name that carries the email."),
        click.option("--login-attribute", help="Attribute Name that carries the login."),
        click.option("--name-attribute", help="Attribute Name that carries the display name."),
        click.option("--group-attribute", help="Attribute Name that carries the groups."),
        click.option("--clock-skew", type=Seconds(), help="Allowed clock skew: seconds, or '5m' (default 180 s, "
                                                "as SonarQube's java-saml)."),
        click.option("--at", "at_time", help="Judge time windows at this ISO-8601 time instead of the "
                                             "capture time."),
        click.option("--request-id", help="The AuthnRequest ID the SP was waiting for (enables the "
                                          "InResponseTo check)."),
        # (config.PROFILES: config is imported only when a command needs it, for start-up time)
        click.option("--profile", type=click.Choice(["sonarqube", "generic"], case_sensitive=False),
                     help="SP profile: setting names in hints, the SP's own rules. Default: 'sonarqube' for "
                     "the messages SonarQube Server took (its web.log holds them, or they went to its ACS "
                     ".../oauth2/callback/saml), else 'generic'."),
        _SONAR_SETTINGS,
        _TIMEZONE,
    ]
    for opt in reversed(opts):
        fn = opt(fn)
    return fn


def _output_options(fn):
    opts = [
        click.option("--format", "fmt", type=click.Choice(FORMATS, case_sensitive=False), default="table", show_default=True,
                     help="Report format."),
        click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report here "
                                                                            "instead of stdout ('-': stdout)."),
        click.option("--fail-on", type=click.Choice(["error", "warning", "info", "never"], case_sensitive=False), default="error",
                     show_default=True, help="Exit 1 when a finding at or above this severity exists."),
        click.option("--redact", is_flag=True, help="Mask emails, NameIDs, IPs and attribute values "
                                                    "(stable hashes) in every format. Input paths are kept "
                                                    "(emails and IPs in them masked): rename a file whose "
                                                    "name says who it is."),
        click.option("--quiet", "-q", is_flag=True, help="Nothing on stderr but errors: no progress, notes "
                                                          "or summary."),
    ]
    for opt in reversed(opts):
        fn = opt(fn)
    return fn


def _say(text: str, err: bool = False, nl: bool = True) -> None:
    """`text` for people (a message, a listing), its control characters shown as escapes: a file
    name or a log's value holding ESC [ 2 J would clear the terminal (samlscan.report.visible)."""
    click.echo(_visible(text), err=err, nl=nl)


def _visible(text: str) -> str:
    from samlscan.report.visible import CONTROLS, visible

    return visible(text, CONTROLS)


def _json_visible(text: str) -> str:
    from samlscan.report.visible import json_visible

    return json_visible(text)


def _fail(message: str) -> None:
    _say(f"samlscan: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _guarded(fn):
    """Turn expected errors into one line on stderr and exit 2; never a traceback for bad input."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from samlscan.errors import SamlscanError

        try:
            return fn(*args, **kwargs)
        except SamlscanError as exc:
            _fail(str(exc))
        except KeyboardInterrupt:
            click.echo("samlscan: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:  # the reader left (`| head`): nothing more to say, and no error
            _stdout_gone()
            sys.exit(EXIT_FINDINGS)  # (click's own answer to a closed stdout)
        except Exception as exc:  # a bug of ours: one line and exit 2, the traceback on request
            if os.environ.get("SAMLSCAN_DEBUG"):
                raise
            _fail(f"internal error: {type(exc).__name__}: {exc} (a samlscan bug: please report it; "
                  "SAMLSCAN_DEBUG=1 shows the traceback)")
    return wrapper


def _stdout_gone() -> None:
    """stdout's reader closed the pipe: what is still buffered, and any later write, goes nowhere
    (else the interpreter's last flush reports the same closed pipe once more)."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _expectations(kw: dict, scan_dirs: list[Path]):
    from samlscan.config import build

    return build(*_flags(kw, scan_dirs))


TRUST_FLAGS = ("idp_cert", "idp_metadata", "sonar_settings")
"""With one of these, or a config file, the user chose the trust: no file found in a folder is read."""


def _scan_expectations(kw: dict, scan_dirs: list[Path], walked: list[str]):
    """The expectations of a scan, the notes on the settings files found among the walked files but
    not read (or read without a certificate) and a finding at each one read: without a trust option, the IdP metadata and SP settings the folder holds (a ticket's
    attachments) are read as if given with their option; the options given still win."""
    import tempfile

    from samlscan.config import build
    from samlscan.errors import ConfigError
    from samlscan.found import found_settings

    flags, path = _flags(kw, scan_dirs)
    if path is not None or any(flags[k] for k in TRUST_FLAGS):
        return build(flags, path), (), ()
    # (an archive's settings members are inflated there for the loaders: once built, the
    # expectations name them by their labels, nothing reads the files again)
    with tempfile.TemporaryDirectory(prefix="samlscan-settings-") as tmpdir:
        found = found_settings(walked, tmpdir)
        if not found.used:
            return build(flags, path), found.notes(), ()
        try:  # (no trust option given: the found files fill no option the user gave; one giving no
            # certificate, SonarQube's api/settings/values, still gives the SP's and a note says so)
            expect = found.relabel(build({**flags, **found.flags()}, path, certless=True))
        except ConfigError as exc:
            return build(flags, path), found.refused(str(exc)), ()
        return expect, found.notes(expect), found.findings()


def _flags(kw: dict, scan_dirs: list[Path]) -> tuple[dict, Path | None]:
    """The options as config.build takes them, and the config file given or found."""
    from samlscan.config import env_config_path, find_config

    flags = {k: kw.get(k) for k in ("sp_entity_id", "acs_url", "idp_entity_id", "email_attribute",
                                    "login_attribute", "name_attribute", "group_attribute", "clock_skew",
                                    "request_id", "profile")}
    flags["idp_cert"] = list(kw.get("idp_cert") or ())
    flags["idp_metadata"] = list(kw.get("idp_metadata") or ())
    flags["sp_key"] = list(kw.get("sp_key") or ())
    flags["sp_cert"] = list(kw.get("sp_cert") or ())
    flags["app"] = list(kw.get("app") or ())
    flags["timezone"] = list(kw.get("tz_name") or ())
    flags["sonar_settings"] = kw.get("sonar_settings")
    flags["at"] = kw.get("at_time")
    config = kw.get("config_path")
    path = Path(config) if config else (env_config_path() or find_config(scan_dirs))
    if config and not Path(config).is_file():
        from samlscan.config.files import url_said

        _fail(url_said(config, "config") or f"--config {config}: no such file")
    return flags, path


def _inputs_usable(output: str | None, inputs) -> None:
    """-o naming an input file would replace the evidence with the report, -o into a folder that
    does not exist could not be written after the whole scan: both refused before reading.
    stdin named twice: its second reading would be empty, a 'failed' input."""
    if list(inputs).count("-") > 1:
        _fail("'-' (stdin) is given more than once: name it once")
    folder = os.path.dirname(output) if output and output != "-" else ""
    if folder and not os.path.isdir(folder):
        import shlex  # (here: only this refusal quotes; shlex is 2-3 ms of every start-up)

        _fail(f"--output {output}: the folder {folder} does not exist: create it (mkdir -p {shlex.quote(folder)}) "
              "or write it elsewhere")
    if not output or output == "-" or not os.path.isfile(output):
        return
    for given in inputs:
        if given != "-" and os.path.isfile(given) and os.path.samefile(given, output):
            _fail(f"--output {output} is the input {given}: the report would overwrite it; write the "
                  "report to another file")


def _terminal_width(fmt: str, output: str | None) -> int | None:
    """The columns of the terminal the table goes to; None for a file or a pipe (no limit: a
    script or a ticket gets the same table whatever the terminal of whoever made it)."""
    if fmt != "table" or (output and output != "-") or not sys.stdout.isatty():
        return None
    import shutil  # (here: only a table on a terminal asks; shutil brings bz2 and lzma, 3-4 ms of every start-up)

    return shutil.get_terminal_size().columns


def _to_stderr(line: str) -> str:
    """`line` wrapped at spaces to the terminal's width when stderr is one, its later lines indented
    under the text after 'samlscan: '; as it is to a pipe or a file (a script greps one line)."""
    if not sys.stderr.isatty():
        return line
    from samlscan.progress import terminal_columns
    from samlscan.report.cells import wrap

    lead = "samlscan: "
    indent = " " * len(lead)
    body = line.removeprefix(lead)
    columns = max(terminal_columns(sys.stderr) - len(indent), 20)  # (stderr's: stdout may be a file)
    return lead + wrap(body, columns).replace("\n", "\n" + indent)


def _missing(paths) -> list[str]:
    """The paths named on the command line that do not exist: a usage error (exit 2), said on one
    line once the report, which still lists each as a failed input, is written (design.md's
    exit codes; grep and diff do the same)."""
    return [p for p in paths if p != "-" and not os.path.lexists(p)]


def _missing_said(missing, command: str = "check") -> str:
    """The usage error for paths that do not exist; a message pasted as an argument is told how to
    give it (samlscan reads files or stdin), shown by its start, not its whole kilobytes."""
    from samlscan.unreadable import PASTED

    pasted = [p for p in missing if PASTED.search(p)]
    if not pasted:
        return f"no such file or directory: {', '.join(missing)}"
    shown = pasted[0] if len(pasted[0]) <= 60 else pasted[0][:57] + "..."
    return (f"'{shown}' is not a file: samlscan reads a URL or SAML message from a file or from stdin; "
            f"save it to a file, or pipe it: pbpaste | samlscan {command} -"
            + (f" (no such file or directory: {', '.join(p for p in missing if p not in pasted)})"
               if len(pasted) < len(missing) else ""))


def _finish(report, fmt, output, fail_on, redact, quiet, detail: bool = True, missing=()) -> None:
    from samlscan.model import Severity
    from samlscan.report import NOTELESS_FORMATS, render_chunks
    from samlscan.report.document import counts, tally

    chunks = render_chunks(report, fmt, redact, detail, _terminal_width(fmt, output))
    # a file name with a byte that is not UTF-8 (a Latin-1 name out of a Windows zip) reaches the
    # report as a lone surrogate, which UTF-8 cannot encode: written as its escape ('caf\udce9.xml')
    if output and output != "-":  # ('-': stdout, as '-' for an input is stdin)
        try:
            with open(output, "w", encoding="utf-8", errors="backslashreplace") as fh:
                fh.writelines(chunks)
        except OSError as exc:
            _fail(f"--output {output}: cannot write: {exc.strerror}")
    else:
        # a report read on a terminal: its values' controls shown, not obeyed (in a JSON document
        # as JSON escapes; to a pipe, the values go as they are)
        shown = (_json_visible if fmt in ("json", "jsonl", "sarif") else _visible) if sys.stdout.isatty() else str
        try:
            for group in _in_blocks(chunks):
                click.echo("".join(shown(c.encode("utf-8", "backslashreplace").decode("utf-8")) for c in group),
                           nl=False)
        except BrokenPipeError:  # `| head` read what it wanted: the findings still decide the exit code
            _stdout_gone()
    if not quiet and fmt in NOTELESS_FORMATS and report.notes:
        _echo_notes(report, redact)
    if not quiet:
        s = counts(report)
        click.echo(_to_stderr(f"samlscan: {s['inputs']} input(s): {s['scanned']} scanned, {s['skipped']} skipped, "
                              f"{s['failed']} failed; {s['messages']} message(s), {s['events']} log event(s), "
                              f"{s['attempts']} attempt(s); "
                              + ", ".join(tally(report, sev) for sev in (Severity.ERROR, Severity.WARNING,
                                                                         Severity.INFO))), err=True)
    if missing:  # (whatever --fail-on says: a mistyped path must not pass for a clean run)
        _fail(_missing_said(missing))
    if fail_on != "never":
        threshold = Severity(fail_on).rank
        if any(x.severity.rank >= threshold for x in report.reported_findings()):
            sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK)


STDOUT_BLOCK = 64 * 1024
"""Characters of report written to stdout at once: a big scan's JSON lines are 100,000s of chunks,
and one click.echo each (its colour and terminal checks, a flush) cost 0.3 s a GB of log."""


def _in_blocks(chunks, size: int = STDOUT_BLOCK):
    """The chunks in consecutive lists of about `size` characters (a long chunk alone)."""
    block, held = [], 0
    for chunk in chunks:
        block.append(chunk)
        held += len(chunk)
        if held >= size:
            yield block
            block, held = [], 0
    if block:
        yield block


def _echo_notes(report, redact: bool) -> None:
    """The report's notes on stderr, masked as the report is, for a format that has no place for them."""
    from samlscan.report import redactor

    red = redactor(report) if redact else None
    for note in report.notes:
        _say(f"samlscan: note: {red.text(note) if red else note}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="samlscan")
def main():
    """samlscan: find out why a SAML 2.0 login failed, offline.

    \b
    Examples, in a clone of samlscan (its bundled fixtures; pbpaste: a message on
    macOS's clipboard):
      samlscan check fixtures/responses/encodings/okta-wrapped76.b64 \\
        --sonar-settings fixtures/config/sonar.properties
      pbpaste | samlscan check - --idp-metadata fixtures/metadata/idp-metadata.xml
      samlscan check fixtures/captures/entra-aadsts50011.har --format json
      samlscan scan fixtures/logs/ --format sarif -o findings.sarif
      samlscan explain audience-mismatch
      samlscan explain "AADSTS50011: The redirect URI ... does not match"

    \b
    Exit codes (check, scan):
      0  no finding at or above --fail-on (default: error)
      1  a finding at or above --fail-on
      2  usage, settings, missing input path or internal error (said in one
         line on stderr)
    """


@main.command()
@click.argument("inputs", nargs=-1, required=True)
# (scan's flag, a no-op here: a command line moved from scan to check keeps working)
@click.option("--details", is_flag=True, hidden=True)
@_expectation_options
@_output_options
@_guarded
def check(inputs, details, fmt, output, fail_on, redact, quiet, **kw):
    """Diagnose SAML messages: files (XML, base64, form body, redirect URL, HAR, logs, an IdP's or SP's
    error page as the browser showed it) or '-' for stdin.

    Every check runs (not just the first failure); each finding says what was expected, what was
    received and what to change where. Every message is shown with its findings (what scan shows
    with --details, which check accepts too).

    \b
    Examples, in a clone of samlscan (its bundled fixtures; pbpaste: a message on
    macOS's clipboard):
      samlscan check fixtures/captures/entra-aadsts50011.har \\
        --sonar-settings fixtures/config/sonar.properties
      samlscan check fixtures/responses/encodings/okta-wrapped76.b64 \\
        --idp-metadata fixtures/metadata/idp-metadata.xml --sp-entity-id sonarqube
      samlscan check fixtures/requests/authnrequest-redirect.txt \\
        --acs-url https://sonar.example.com/oauth2/callback/saml
      pbpaste | samlscan check - --redact
      samlscan check fixtures/logs/sonarqube/web-javasaml.log \\
        --timezone Europe/Paris --format json -o report.json

    Exit 0: no finding at or above --fail-on (default: error); 1: one is; 2: usage, settings or
    missing input file.
    """
    from dataclasses import replace

    from samlscan.batch import run_scan
    from samlscan.nodesapart import nodes_apart_findings
    from samlscan.progress import shown_on
    from samlscan.zones import parse_zones

    _inputs_usable(output, inputs)
    expect = _expectations(kw, [Path(p).parent for p in inputs if p != "-"])
    # the batch path, in this process: compressed files and archives are read in place too (a
    # big log is read in ranges, so the bar moves on a terminal)
    show = shown_on(sys.stderr, quiet)
    report = run_scan(list(inputs), expect, jobs=1, tz=parse_zones(expect.timezones), show_progress=show)
    report = replace(report, notes=expect.contradictions + report.notes,
                     input_findings=report.input_findings + nodes_apart_findings(expect))
    _finish(_correlated(report, expect), fmt, output, fail_on, redact, quiet, missing=_missing(inputs))


def _correlated(report, expect):
    from samlscan.correlate import correlate, measured_offsets, zone_offsets
    from samlscan.engine import rejudged

    offsets = measured_offsets(report)  # (rejudging keeps every message's IDs and times)
    report = rejudged(report, expect, zone_offsets(offsets))
    from samlscan.config.urls import server_base_names

    # (the SP's names at the IdP: --app, its entity ID, and its base URL, a second trust's identifier)
    apps = expect.apps + ((expect.sp_entity_id,) if expect.sp_entity_id else ()) + server_base_names(expect.acs_url)
    return correlate(report, apps=apps, offsets=offsets, expect=expect)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--include", multiple=True, help="Only files matching this glob (repeatable).")
@click.option("--exclude", multiple=True, help="Skip files matching this glob (repeatable).")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, help="Processes working in parallel (default 0: the CPUs available to this process).")
@click.option("--details", is_flag=True, help="Table format: every message with its findings and every "
                                                "attempt (default: one row per finding code, and per "
                                                "cause beyond 40 attempts).")
@_expectation_options
@_output_options
@_guarded
def scan(paths, include, exclude, jobs, details, fmt, output, fail_on, redact, quiet, **kw):
    """Batch: scan directories of captures and logs, correlate them into login attempts.

    Given no --idp-cert, --idp-metadata, --sonar-settings or --config, the IdP metadata and the SP's
    settings lying among the scanned files (a ticket's attachments) are read as if given with
    their option, one file of each kind at most; a settings-found finding (info) names each file
    read.

    Files found in a directory that hold no SAML evidence (a README, a configuration file, a
    program, a screenshot) are skipped with their reason; a file named on the command line is
    diagnosed whatever it holds. The summary on stderr accounts for every input.

    \b
    Examples, in a clone of samlscan (its bundled fixtures):
      samlscan scan fixtures/scenarios/okta-spring/
      samlscan scan fixtures/logs/ --include '*.log' \\
        --timezone 'web-*.log=Europe/Paris' --details
      samlscan scan fixtures/captures/ fixtures/logs/ \\
        --idp-metadata fixtures/metadata/idp-metadata.xml \\
        --format html -o report.html

    Exit 0: no finding at or above --fail-on (default: error); 1: one is; 2: usage, settings or
    missing input path.
    """
    from dataclasses import replace

    from samlscan.batch import run_scan
    from samlscan.nodesapart import nodes_apart_findings
    from samlscan.progress import shown_on, stage
    from samlscan.walkpaths import walk
    from samlscan.zones import parse_zones

    def ready_for_report() -> None:
        """The modules correlating and writing the report take (0.13-0.2 CPU-s): imported while
        the workers read their first units, not after the scan (--jobs 2 of 2,000 responses)."""
        import samlscan.correlate  # noqa: F401
        import samlscan.flows  # noqa: F401  (correlate's given_idp)
        import samlscan.report.document  # noqa: F401

    _inputs_usable(output, paths)
    walked = walk(list(paths), include, exclude)  # (once: the settings files are found among these)
    expect, notes, found = _scan_expectations(kw, [Path(p) for p in paths if Path(p).is_dir()], walked[0])
    show = shown_on(sys.stderr, quiet)
    report = run_scan(list(paths), expect, include=include, exclude=exclude, jobs=jobs,
                      tz=parse_zones(expect.timezones), show_progress=show,
                      keep_xml=fmt == "html", walked=walked,  # only the HTML report shows the decoded XML
                      meanwhile=ready_for_report)
    report = replace(report, notes=expect.contradictions + notes + report.notes,
                     input_findings=report.input_findings + found + nodes_apart_findings(expect))
    with stage(f"correlating {len(report.messages):,} message(s) and {len(report.events):,} log "
               "success(es) and failure(s) into login attempts...", show):
        correlated = _correlated(report, expect)
    _finish(correlated, fmt, output, fail_on, redact, quiet, detail=details, missing=_missing(paths))


@main.command()
@click.argument("input_path", metavar="INPUT")
@click.option("--redact", is_flag=True, help="Mask personal data in the output.")
@_guarded
def decode(input_path, redact):
    """Print the decoded message(s) of INPUT (a file, or '-' for stdin) as pretty XML, each with a
    one-line summary."""
    from samlscan.config import Expectations
    from samlscan.pretty import decode_listing

    if _missing([input_path]):
        _fail(_missing_said([input_path], "decode"))
    text, ok = decode_listing(input_path, Expectations(), redact)
    _say(text, nl=False, err=not ok)  # (nothing decoded: the listing is only problems)
    sys.exit(EXIT_OK if ok else EXIT_USAGE)


@main.command()
@click.argument("code_or_text", nargs=-1, required=True)
def explain(code_or_text):
    """What a finding code, or a pasted error text of another product, means and how to fix it.
    'samlscan codes' lists every code.

    \b
    Examples:
      samlscan explain audience-mismatch
      samlscan explain "AADSTS50105: Your administrator has configured ..."
      samlscan explain MSIS7042

    Exit 0: explained; 2: no code or known error text matches.
    """
    from samlscan.explain import explain_text

    text, found = explain_text(" ".join(code_or_text))
    _say(text, err=not found)  # (no match: a usage error, said on stderr)
    sys.exit(EXIT_OK if found else EXIT_USAGE)


@main.command(name="codes")
def list_codes():
    """List every finding and root-cause code."""
    from samlscan.codes import all_specs
    from samlscan.report.cells import wrap

    width = _terminal_width("table", None)  # (to a pipe: one line a code, for grep)
    for s in all_specs():
        head = f"{s.code:32} {s.severity.value:8} "
        # on a terminal the summary wraps under itself: the terminal's own wrapping would go on at
        # its first column, under the codes
        said = wrap(s.summary, max(width - len(head), 20)).replace("\n", "\n" + " " * len(head)) if width else s.summary
        click.echo(head + said)


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"], case_sensitive=False), default="table", show_default=True,
              help="Timeline format.")
@click.option("--redact", is_flag=True, help="Mask personal data in the output.")
@_CONFIG
@_SP_ENTITY_ID
@_ACS_URL
@_FLOWS_SONAR_SETTINGS
@_TIMEZONE
@_guarded
def flows(inputs, fmt, redact, **kw):
    """The ordered timeline of login flows in captures: time, leg, URL, message, outcome. INPUTS:
    capture files, or '-' for stdin. With the SP's settings (--sp-entity-id, --acs-url,
    --sonar-settings, --config), each flow also lists what in its messages differs from them (an
    AuthnRequest's Issuer that is not the SP entity ID)."""
    from samlscan.flows_report import render_flows

    _inputs_usable(None, inputs)  # ('-' twice: its second reading would be empty)
    text, readable = render_flows(list(inputs), fmt, redact, _expectations(kw, []), _terminal_width(fmt, None))
    click.echo(text, nl=False)
    if _missing(inputs):  # (after the timeline of the others, as check and scan do)
        _fail(_missing_said(_missing(inputs), "flows"))
    if not readable:  # nothing could be read as a capture: a usage/input error (design.md)
        click.echo("samlscan: no input could be read as a capture (HAR, SAML-tracer, SAML Chrome Panel, "
                   "Burp Suite export or raw HTTP messages)", err=True)
        sys.exit(EXIT_USAGE)


@main.command()
@click.argument("input_path", metavar="IN.har")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="Sanitized HAR to write ('-': stdout).")
@click.option("--redact", is_flag=True, help="Also mask personal data inside the SAML messages.")
@_guarded
def sanitize(input_path, output, redact):
    """Remove cookies, Authorization headers, passwords and tokens from a HAR (or a Charles .chlsj, written
    out as a HAR); keep what SAML needs."""
    from samlscan.sanitize import sanitize_har

    if _missing([input_path]):
        _fail(_missing_said([input_path], "sanitize"))
    _inputs_usable(output, [input_path])  # (-o into a missing folder, or onto the capture itself)
    removed = sanitize_har(input_path, output, redact)
    for line in removed:
        _say(line, err=True)


for _command in (main, *main.commands.values()):
    _command.context_class = _Context


def run() -> None:
    """Console entry point. A short-lived process: the cyclic collector stays off (the objects of
    a report are acyclic; a collection would only walk them all), and the process ends without
    freeing the report object by object (0.1 s after thousands of messages) once every output
    is written, closed and flushed."""
    import gc

    gc.disable()
    try:
        main()
    except KeyboardInterrupt:  # Ctrl-C before a command's own guard (while click parses the options)
        print("samlscan: interrupted", file=sys.stderr)
        _leave(EXIT_INTERRUPTED)
    except SystemExit as exc:  # leave from here: the traceback still holds the report
        if exc.code is None or isinstance(exc.code, int):
            _leave(exc.code or EXIT_OK)
        print(exc.code, file=sys.stderr)
        _leave(EXIT_FINDINGS)
    _leave(EXIT_OK)


def _leave(code: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`): nothing more to say
            pass
    os._exit(code)
