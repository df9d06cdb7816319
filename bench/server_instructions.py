"""Benchmark: the server thread's machine instructions per message, DebugServer against a
bare aiosmtpd Sink, counted by valgrind's callgrind (``apt-get install valgrind``).

Time on a loaded machine moves with its neighbours; an instruction count does not (it
varies by well under 1 % between runs).  Each server is run twice under callgrind, with
``--few`` and ``--many`` messages from the same smtplib client as ``bench/server.py``
sends; the difference, divided by the extra messages, is the cost of one message in the
server's own thread (start-up and imports cancel out).  Ratios are sink / debug, as the
CPU ratios of ``bench/server.py``.  Slow: about a minute for the four runs.

    .venv/bin/python bench/server_instructions.py [--few 50] [--many 250]
"""
from __future__ import annotations

import argparse
import concurrent.futures
import os
import shutil
import smtplib
import sys

from _callgrind import instructions as callgrind  # bench/_callgrind.py

HERE = os.path.dirname(os.path.abspath(__file__))


def serve(which: str, mode: str, count: int) -> None:
    """The measured program: one server, ``count`` messages (mode "1": one connection,
    "N": a connection each)."""
    sys.path.insert(0, HERE)
    from server import MESSAGE, SinkServer

    from smtplesson.server import DebugServer

    server = DebugServer() if which == "debug" else SinkServer()
    server.start()
    try:
        if mode == "1":
            with smtplib.SMTP(server.host, server.port, local_hostname="client.example.org") as client:
                for _ in range(count):
                    client.sendmail("bob@example.org", ["alice@example.net"], MESSAGE)
        else:
            for _ in range(count):
                with smtplib.SMTP(server.host, server.port, local_hostname="client.example.org") as client:
                    client.sendmail("bob@example.org", ["alice@example.net"], MESSAGE)
    finally:
        server.stop()


def server_thread_instructions(which: str, mode: str, count: int) -> int:
    """Instructions callgrind counted in the server thread (the process's second thread)."""
    return callgrind([sys.executable, __file__, "--serve", which, mode, str(count)], thread=2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--few", type=int, default=50)
    parser.add_argument("--many", type=int, default=250)
    parser.add_argument("--serve", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], args.serve[1], int(args.serve[2]))
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    runs = [(which, mode, count) for mode in ("1", "N") for which in ("sink", "debug")
            for count in (args.few, args.many)]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        counted = dict(zip(runs, pool.map(lambda run: server_thread_instructions(*run), runs), strict=True))
    extra = args.many - args.few
    for mode, label in (("1", "one connection"), ("N", "new connection each")):
        per = {which: (counted[which, mode, args.many] - counted[which, mode, args.few]) / extra
               for which in ("sink", "debug")}
        print(f"{label + ':':22s} server-thread instructions/message  sink {per['sink']:11,.0f}   "
              f"debug {per['debug']:11,.0f}   ratio {per['sink'] / per['debug']:.3f} (sink / debug)")


if __name__ == "__main__":
    main()
