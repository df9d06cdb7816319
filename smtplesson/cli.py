"""Command line: ``python -m smtplesson {explain,bounce,codes,serve,relay-demo,class-report}``.

The only module that prints; it may import any layer and nothing imports it.
"""
from __future__ import annotations

import argparse
import json
import os
import queue
import signal
import sys
import threading
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

from .codes.explanation import explain
from .codes.registry import BASIC_CODES, ENHANCED_CODES
from .codes.userrules import user_rules
from .views.text import bounce_summary, codes_table

if TYPE_CHECKING:
    from .server.debug import DebugServer



def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m smtplesson",
        description="Learn SMTP reply codes: explain replies, list codes, run a local debug server.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    explain = commands.add_parser(
        "explain", help="explain a reply, bounce or log line ('-' reads one per line from stdin)"
    )
    explain.add_argument("texts", nargs="+", metavar="TEXT")
    explain.add_argument("--json", action="store_true", help="one JSON object per line")
    explain.add_argument("--rules", metavar="FILE",
                         help="your own provider rules (JSON, the shape of codes/data/providers.json), "
                              "tried before the built-in ones; default: $SMTPLESSON_RULES")

    bounce = commands.add_parser(
        "bounce", help="read bounce mails: files, '-' (standard input), a Maildir or an mbox")
    bounce.add_argument("files", nargs="*", metavar="FILE", help="a mail file; '-' reads standard input")
    bounce.add_argument("--maildir", action="append", default=[], metavar="DIR",
                        help="every mail of a Maildir")
    bounce.add_argument("--mbox", action="append", default=[], metavar="FILE",
                        help="every mail of an mbox file")
    bounce.add_argument("--json", action="store_true", help="one JSON object per recipient per line")
    bounce.add_argument("--progress", action="store_true",
                        help="show the progress bar even when standard error is not a terminal")

    commands.add_parser("codes", help="a table of every basic and enhanced reply code")

    serve = commands.add_parser("serve", help="run a local debug SMTP server (Ctrl-C stops it)")
    serve.add_argument("--scenario", metavar="NAME", help="a named scenario, e.g. greylisting")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    serve.add_argument("--port", type=int, default=0, help="port (default: a free ephemeral port)")
    serve.add_argument("--maildir", metavar="DIR", help="also keep accepted mail in this Maildir")
    serve.add_argument("--allow-remote", action="store_true",
                       help="allow a --host other machines can reach (anyone who can may connect)")
    serve.add_argument("--idle-timeout", type=float, default=300.0, metavar="SECONDS",
                       help="close an idle session with 421 4.4.2 after this long (default 300, "
                            "the minimum RFC 5321 §4.5.3.2 asks of a real server)")
    serve.add_argument("--tls", action="store_true",
                       help="offer STARTTLS (RFC 3207) with a certificate from a local CA")
    serve.add_argument("--implicit-tls", action="store_true",
                       help="speak TLS from the first byte, as on port 465 (RFC 8314)")

    demo = commands.add_parser("relay-demo", help="a short relay story: delivered, greylisted, bounced")
    demo.add_argument("--log", action="store_true",
                      help="print the story as Postfix-format mail log lines instead")
    demo.add_argument("--events", action="store_true",
                      help="print the sending service's webhook events instead, one JSON object per line")

    report = commands.add_parser(
        "class-report", help="the instructor's view: completion, misconceptions, who is stuck")
    report.add_argument("paths", nargs="+", metavar="PATH",
                        help="learners' attempts.jsonl files, or folders holding them")
    report.add_argument("--csv", metavar="FILE", help="also write one row per learner and exercise")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "explain":
        return cli_explain(args.texts, args.json, rules=args.rules)
    if args.command == "bounce":
        return cli_bounce(args.files, maildirs=args.maildir, mboxes=args.mbox, as_json=args.json,
                          progress=args.progress)
    if args.command == "codes":
        return cli_codes()
    if args.command == "serve":
        tls = "implicit" if args.implicit_tls else bool(args.tls)
        return cli_serve(args.scenario, args.host, args.port, args.maildir, tls=tls,
                         allow_remote=args.allow_remote, idle_timeout=args.idle_timeout)
    if args.command == "class-report":
        return cli_class_report(args.paths, args.csv)
    return cli_relay_demo(log=args.log, events=args.events)


def run() -> int:
    """``main()`` for a shell pipeline: a reader that stops early (``| head``) is not an error."""
    try:
        return main()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0


# --- class-report --------------------------------------------------------------


def cli_class_report(paths: list[str], csv_path: str | None) -> int:
    """``python -m smtplesson class-report``: print the class report; 2 if no file was found."""
    from .course.report import attempt_files, class_report

    if not attempt_files(paths):
        print("class-report: no attempts.jsonl under " + ", ".join(paths), file=sys.stderr)
        return 2
    report = class_report(paths)
    print(report.text())
    if csv_path:
        report.to_csv(csv_path)
    return 0


# --- codes ---------------------------------------------------------------------


def cli_codes() -> int:
    """Print a readable table of every basic and enhanced code; returns 0."""
    print(codes_table(BASIC_CODES, ENHANCED_CODES))
    return 0


# --- explain -------------------------------------------------------------------

def cli_explain(texts: list[str], as_json: bool, *, rules: str | None = None,
                stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """``python -m smtplesson explain``: explain each text; "-" reads stdin, one per line.

    Readable blocks by default; with ``as_json`` one JSON object per line (cause, bounce type,
    confidence, action, retry_after, blocklist ...).  ``rules``: a user rules file.
    Returns 0, or 2 when there is nothing to explain or the rules file is unusable.
    """
    out = stdout or sys.stdout
    source = stdin or sys.stdin
    if not texts:
        print("explain: give a reply, a bounce or log line, or '-' to read standard input",
              file=sys.stderr)
        return 2
    try:
        extra = user_rules(rules)
    except ValueError as exc:
        print(f"explain: {exc}", file=sys.stderr)
        return 2
    first = True
    for item in _inputs(texts, source):
        exp = explain(item, rules=extra)
        if as_json:
            out.write(json.dumps(exp.to_dict(), ensure_ascii=False) + "\n")
        else:
            out.write(("" if first else "\n") + str(exp) + "\n")
        first = False
    return 0


def _inputs(texts: list[str], source: TextIO) -> Iterable[str]:
    """The texts, with "-" replaced by the non-empty lines of ``source``."""
    for text in texts:
        if text == "-":
            for line in source:
                line = line.rstrip("\r\n")
                if line.strip():
                    yield line
        else:
            yield text


# --- bounce --------------------------------------------------------------------
#: fewer mails than this never get a progress bar
PROGRESS_MIN = 20


def cli_bounce(files: list[str], *, maildirs: Iterable[str] = (), mboxes: Iterable[str] = (),
               as_json: bool = False, progress: bool = False, stdin: BinaryIO | None = None,
               stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """``python -m smtplesson bounce``: read each mail as a bounce; a summary line at the end.

    Readable by default; with ``as_json`` one JSON object per recipient per line (and one
    with ``"address": null`` for a mail without recipients), the summary then on stderr.
    A progress bar (stderr) shows for :data:`PROGRESS_MIN` mails or more when stderr is a
    terminal, or when ``progress``.  Returns 0, 1 when a source could not be opened, 2
    when there is nothing to read.
    """
    from .bounces import read_bounce

    out, err = stdout or sys.stdout, stderr or sys.stderr
    maildirs, mboxes = list(maildirs), list(mboxes)
    if not files and not maildirs and not mboxes:
        print("bounce: give mail files, '-' for standard input, --maildir DIR or --mbox FILE", file=err)
        return 2
    failures: list[str] = []
    sources, total = _mail_sources(files, maildirs, mboxes, stdin, err, failures)
    bar = None
    if total >= PROGRESS_MIN and (progress or err.isatty()):
        from tqdm import tqdm

        bar = tqdm(total=total, file=err, unit="mail", leave=False, dynamic_ncols=True)
    counts: dict[str, int] = {}
    mails = bounces = 0
    for label, data in sources:
        bounce = read_bounce(data)
        mails += 1
        bounces += bounce.is_bounce
        for recipient in bounce.recipients:
            counts[recipient.bounce_type] = counts.get(recipient.bounce_type, 0) + 1
        text = _bounce_json(label, bounce) if as_json else bounce_summary(label, bounce) + "\n"
        if bar is not None:
            bar.clear()
        out.write(text)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    by_type = ", ".join(f"{n} {name}" for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    recipients = sum(counts.values())
    summary = f"{_count(mails, 'mail')}, {_count(bounces, 'bounce')}, {_count(recipients, 'recipient')}"
    print(summary + (f" ({by_type})" if by_type else ""), file=err if as_json else out)
    return 1 if failures else 0


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' if number != 1 else ''}"


def _mail_sources(files: list[str], maildirs: list[str], mboxes: list[str], stdin: BinaryIO | None,
                  err: TextIO, failures: list[str]) -> tuple[Iterable[tuple[str, bytes]], int]:
    """(label, bytes) of every mail and how many there are; a source that cannot be read is
    reported on ``err`` and appended to ``failures``."""
    import mailbox

    boxes: list[tuple[str, mailbox.Mailbox[Any]]] = []
    for path, kind in [(p, "maildir") for p in maildirs] + [(p, "mbox") for p in mboxes]:
        try:
            if kind == "maildir":
                if not os.path.isdir(path):
                    raise OSError("not a Maildir directory")
                boxes.append((path, mailbox.Maildir(path, factory=None, create=False)))
            else:
                if not os.path.isfile(path):
                    raise OSError("no such mbox file")
                boxes.append((path, mailbox.mbox(path, factory=None, create=False)))
        except (OSError, mailbox.Error) as error:
            print(f"bounce: {path}: {error}", file=err)
            failures.append(path)
    keyed = [(path, box, sorted(box.keys())) for path, box in boxes]
    total = len(files) + sum(len(keys) for _, _, keys in keyed)

    def generate() -> Iterable[tuple[str, bytes]]:
        for name in files:
            if name == "-":
                yield "-", (stdin or sys.stdin.buffer).read()
                continue
            try:
                with open(name, "rb") as handle:
                    data = handle.read()
            except OSError as error:
                print(f"bounce: {name}: {error.strerror or error}", file=err)
                failures.append(name)
                continue
            yield name, data
        for path, box, keys in keyed:
            try:
                for number, key in enumerate(keys, start=1):
                    try:
                        data = box.get_bytes(key)
                    except (OSError, KeyError) as error:
                        print(f"bounce: {path}: message {key}: {error}", file=err)
                        failures.append(f"{path}#{number}")
                        continue
                    yield f"{path}#{number}", data
            finally:
                box.close()

    return generate(), total


def _bounce_json(label: str, bounce: Any) -> str:
    head = {"source": label, "kind": bounce.kind, "format": bounce.format,
            "reporting_mta": bounce.reporting_mta, "arrival_date": bounce.arrival_date,
            "subject": bounce.subject, "original": bounce.original.to_dict(), "note": bounce.note}
    rows = [r.to_dict() for r in bounce.recipients] or [{"address": None}]
    for row in rows:  # the bounce's note and the recipient's, side by side in one flat line
        row["recipient_note"] = row.pop("note", "")
    return "".join(json.dumps({**head, **row}, ensure_ascii=False) + "\n" for row in rows)


# --- serve ---------------------------------------------------------------------
def _parse_scenario(text: str | None) -> tuple[str | None, dict[str, Any]]:
    """ "greylisting:delay=5,foo=bar" -> ("greylisting", {"delay": 5, ...})."""
    if not text:
        return None, {}
    name, _, rest = text.partition(":")
    options: dict[str, Any] = {}
    for item in filter(None, rest.split(",")):
        key, _, value = item.partition("=")
        try:
            options[key.strip()] = json.loads(value)
        except ValueError:
            options[key.strip()] = value
    return name.strip(), options


def cli_serve(scenario: str | None, host: str = "127.0.0.1", port: int = 0,
              maildir: str | None = None, *, tls: bool | str = False, allow_remote: bool = False,
              idle_timeout: float = 300.0) -> int:
    """Run a debug server in the terminal, printing each session live; Ctrl-C stops it.

    Printing follows the server's events as they happen (nothing is rescanned), with
    message bodies and long lines shortened; control characters arrive already escaped.
    """
    from .server.debug import DebugServer  # aiosmtpd loads only for this command

    name, options = _parse_scenario(scenario)
    events: queue.Queue[tuple[str, int, Any]] = queue.Queue(maxsize=_QUEUED)
    printer = _LivePrinter(sys.stdout)

    def watch(event: str, number: int, detail: Any) -> None:
        try:
            events.put_nowait((event, number, detail))
        except queue.Full:  # the terminal is behind: count, never block the server
            printer.missed += 1

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            server = DebugServer(name, host=host, port=port, maildir=maildir, tls=tls,
                                 allow_remote=allow_remote, idle_timeout=idle_timeout, **options)
        for warning in caught:
            print(f"warning: {warning.message}", file=sys.stderr, flush=True)
        server.watch(watch)
        server.start()
    except (KeyError, TypeError, ValueError, OSError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"error: {message}", file=sys.stderr)
        return 2
    previous = _interrupt_on_signals()  # before the address is printed: a client may stop us at once
    try:
        _print_banner(server)
        while True:
            try:
                printer.show(*events.get(timeout=1.0))
            except queue.Empty:
                pass
    except KeyboardInterrupt:
        while not events.empty():
            printer.show(*events.get_nowait())
        print("\nstopped.", flush=True)
    finally:
        server.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0


#: events waiting to be printed before the printer starts counting instead
_QUEUED = 100_000


class _LivePrinter:
    """Prints the server's events: message bodies folded after a few lines, long lines cut."""

    BODY_LINES = 3  # lines of each message body shown (its headers are all shown)
    WIDTH = 200  # characters of a line shown

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.missed = 0
        self._body: dict[int, int] = {}  # session -> body lines so far (-1: in the headers)

    def show(self, event: str, number: int, detail: Any) -> None:
        if self.missed:
            self._print(f"=== {self.missed:,} events not shown: the terminal fell behind")
            self.missed = 0
        if event == "open":
            self._print(f"=== session {number} from {detail}")
        elif event == "close":
            self._body.pop(number, None)
            self._print(f"=== session {number} closed by the {detail}")
        elif event == "note":
            self._print(f"*** session {number}: {detail}")
        else:
            self._line(number, detail)

    def _line(self, number: int, line: Any) -> None:
        body = self._body.get(number)
        if line.kind == "data" and body is not None:
            if line.text == ".":
                del self._body[number]
                if body > self.BODY_LINES:
                    self._print(f" -> … ({body - self.BODY_LINES:,} more message lines)")
            elif body >= 0 or line.text == "":
                self._body[number] = body = body + 1
                if body > self.BODY_LINES:
                    return
        elif line.direction == "S" and line.text.startswith("354"):
            self._body[number] = -1  # headers first, all shown
        arrow = {"S": "<- ", "T": "=="}.get(line.direction, " ->")
        text = line.text
        if len(text) > self.WIDTH:
            text = f"{text[:self.WIDTH]} … ({len(text) - self.WIDTH:,} more characters)"
        self._print(f"{arrow} {text}")

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)


def _print_banner(server: DebugServer) -> None:
    from .server.admission import connect_address

    target = connect_address(server.host)
    where = f"[{server.host}]:{server.port}" if ":" in server.host else f"{server.host}:{server.port}"
    swaks = (f"swaks --server {target} --port {server.port}" if ":" in target
             else f"swaks --server {target}:{server.port}") + " --to alice@example.net"
    if server.tls == "starttls":
        swaks += f" --tls --tls-verify --tls-ca-path {server.ca_path} --tls-sni {server.hostname}"
    elif server.tls == "implicit":
        swaks += f" --tlsc --tls-verify --tls-ca-path {server.ca_path} --tls-sni {server.hostname}"
    print(f"smtplesson debug server ({server.scenario.name}) listening on {where}", flush=True)
    print(f"  try: {swaks}", flush=True)
    if server.ca_path:
        print(f"  TLS: certificate for {server.hostname} from a local CA; trust {server.ca_path}",
              flush=True)
    if server.scenario.__doc__:
        print("  " + server.scenario.__doc__.strip().splitlines()[0], flush=True)
    print("Ctrl-C stops it.", flush=True)


def _interrupt_on_signals() -> dict[int, Any]:
    """Make Ctrl-C (SIGINT) and SIGTERM stop the server cleanly -- also when the parent
    started us with SIGINT ignored (a background job).  Returns the handlers replaced."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous: dict[int, Any] = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.signal(signum, signal.default_int_handler)
    return previous


# --- relay-demo ----------------------------------------------------------------
def cli_relay_demo(*, log: bool = False, events: bool = False, stdout: TextIO | None = None) -> int:
    """``python -m smtplesson relay-demo``: one delivered, one greylisted, one bounced.

    ``log``: the same story as the hosts' Postfix-format log lines; ``events``: as the sending
    service's webhook events (JSON lines); with both, the log first."""
    from .bounces import read_bounce
    from .relay.network import MailNetwork

    if log or events:
        return _relay_demo_records(log, events, stdout or sys.stdout)
    with MailNetwork() as net:
        track = net.send("alice@example.com",
                         ["bob@example.net", "carol@example.net", "dan@example.net"],
                         "Hi all, lunch on Friday?\n", subject="Lunch")
        print("The network (every server on 127.0.0.1; names come from a stub DNS):")
        print(net)
        print()
        print("The journey of Alice's message (times are simulated, from submission):")
        print(track)
        print()
        for dsn in net.dsns("alice@example.com"):
            report = read_bounce(dsn)
            print(f"In Alice's mailbox: \"{dsn['Subject']}\" from {dsn['From']}")
            for r in report.recipients:
                print(f"    Final-Recipient: rfc822; {r.address}\n    Action: {r.action}\n"
                      f"    Status: {r.status or '-'}\n    Diagnostic-Code: smtp; {r.diagnostic or '-'}")
        print()
        print("Trace headers of Carol's copy (newest first):")
        print(track.headers("carol@example.net"))
    return 0


def _relay_demo_records(log: bool, events: bool, out: TextIO) -> int:
    """The demo story with the sending service on, as log lines and/or events: one message
    per recipient (as a bulk sender sends), then a second try to the address that bounced."""
    from .relay.network import MailNetwork

    with MailNetwork(esp=True) as net:
        net.submit_many([("alice@example.com", r, "Hi all, lunch on Friday?\n")
                         for r in ("bob@example.net", "carol@example.net", "dan@example.net")],
                        subject="Lunch")
        net.run()
        net.send("alice@example.com", "dan@example.net", "Dan, are you there?\n", subject="Lunch")
        if log:
            out.write("".join(line + "\n" for line in net.maillog()))
        if events:
            out.write("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in net.events()))
    return 0
