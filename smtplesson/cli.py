"""Command line: ``python -m smtplesson {explain,codes,serve,relay-demo}``.

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
from typing import TYPE_CHECKING, Any, TextIO

from .codes.dsn import read_dsn
from .codes.explanation import explain
from .codes.registry import BASIC_CODES, ENHANCED_CODES
from .views.text import codes_table

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

    commands.add_parser("relay-demo", help="a short relay story: delivered, greylisted, bounced")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "explain":
        return cli_explain(args.texts, args.json)
    if args.command == "codes":
        return cli_codes()
    if args.command == "serve":
        return cli_serve(args.scenario, args.host, args.port, args.maildir,
                         allow_remote=args.allow_remote, idle_timeout=args.idle_timeout)
    return cli_relay_demo()


def run() -> int:
    """``main()`` for a shell pipeline: a reader that stops early (``| head``) is not an error."""
    try:
        return main()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0


# --- codes ---------------------------------------------------------------------


def cli_codes() -> int:
    """Print a readable table of every basic and enhanced code; returns 0."""
    print(codes_table(BASIC_CODES, ENHANCED_CODES))
    return 0


# --- explain -------------------------------------------------------------------

def cli_explain(texts: list[str], as_json: bool, *, stdin: TextIO | None = None,
                stdout: TextIO | None = None) -> int:
    """``python -m smtplesson explain``: explain each text; "-" reads stdin, one per line.

    Readable blocks by default; with ``as_json`` one JSON object per line.
    Returns 0, or 2 when there is nothing to explain.
    """
    out = stdout or sys.stdout
    source = stdin or sys.stdin
    if not texts:
        print("explain: give a reply, a bounce or log line, or '-' to read standard input",
              file=sys.stderr)
        return 2
    first = True
    for item in _inputs(texts, source):
        exp = explain(item)
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
              maildir: str | None = None, *, allow_remote: bool = False,
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
            server = DebugServer(name, host=host, port=port, maildir=maildir,
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
        arrow = "<- " if line.direction == "S" else " ->"
        text = line.text
        if len(text) > self.WIDTH:
            text = f"{text[:self.WIDTH]} … ({len(text) - self.WIDTH:,} more characters)"
        self._print(f"{arrow} {text}")

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)


def _print_banner(server: DebugServer) -> None:
    from .server.debug import connect_address

    target = connect_address(server.host)
    where = f"[{server.host}]:{server.port}" if ":" in server.host else f"{server.host}:{server.port}"
    swaks = (f"--server {target} --port {server.port}" if ":" in target
             else f"--server {target}:{server.port}")
    print(f"smtplesson debug server ({server.scenario.name}) listening on {where}", flush=True)
    print(f"  try: swaks {swaks} --to alice@example.net", flush=True)
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
def cli_relay_demo() -> int:
    """``python -m smtplesson relay-demo``: one delivered, one greylisted, one bounced."""
    from .relay.network import MailNetwork

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
            report = read_dsn(dsn)
            if report is None:  # not a delivery-status report
                continue
            print(f"In Alice's mailbox: \"{dsn['Subject']}\" from {dsn['From']}")
            for block in report.recipients:
                for name in ("Final-Recipient", "Action", "Status", "Diagnostic-Code"):
                    print(f"    {name}: {block.get(name, '-')}")
        print()
        print("Trace headers of Carol's copy (newest first):")
        print(track.headers("carol@example.net"))
    return 0
