"""Command line: ``python -m smtplesson {explain,codes,serve,relay-demo}``."""
from __future__ import annotations

import argparse
import os
import sys


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

    commands.add_parser("relay-demo", help="a short relay story: delivered, greylisted, bounced")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "explain":
        from .explanation import cli_explain

        return cli_explain(args.texts, args.json)
    if args.command == "codes":
        from .codes import cli_codes

        return cli_codes()
    if args.command == "serve":
        from .server import cli_serve

        return cli_serve(args.scenario, args.host, args.port, args.maildir)
    from .network import cli_relay_demo

    return cli_relay_demo()


def run() -> int:
    """``main()`` for a shell pipeline: a reader that stops early (``| head``) is not an error."""
    try:
        return main()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0


if __name__ == "__main__":
    sys.exit(run())
