"""Benchmark: DebugServer (transcripts on) against a bare aiosmtpd Sink controller.

Same smtplib client, same run, interleaved, several rounds; prints medians and ratios,
plus the time of DebugServer start + stop.  Beside messages per second (wall clock), it
prints CPU time per message, which another program's load on the machine disturbs far
less: the server thread's own (its thread CPU clock, the measure of the server's cost) and
the whole process's (client and server together, as earlier versions printed).

    .venv/bin/python bench/server.py [--rounds 7] [--messages 300] [--connections 150]
"""
from __future__ import annotations

import argparse
import collections
import smtplib
import socket
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink

from smtplesson.server import DebugServer

MESSAGE = (
    "From: Bob <bob@example.org>\r\nTo: <alice@example.net>\r\nSubject: bench\r\n"
    "Date: Mon, 01 Jan 2024 12:00:00 +0000\r\n\r\n" + "A line of text in the body.\r\n" * 10
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SinkServer:
    """aiosmtpd's Sink on the same terms (fixed hostname, loopback)."""

    def __init__(self) -> None:
        self.host, self.port = "127.0.0.1", _free_port()
        self.controller = Controller(Sink(), hostname=self.host, port=self.port,
                                     server_hostname="mx.example.net", ident="ESMTP bench")

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


class Meter:
    """Wall time, the server thread's CPU time and the process's CPU time of a stretch."""

    def __init__(self, thread: threading.Thread | None) -> None:
        assert thread is not None and thread.ident is not None
        self.clock = time.pthread_getcpuclockid(thread.ident)

    def now(self) -> tuple[float, float, float]:
        return time.perf_counter(), time.clock_gettime(self.clock), time.process_time()

    def since(self, start: tuple[float, float, float], count: int) -> tuple[float, float, float]:
        """Messages/s, server CPU us/message, process CPU us/message."""
        wall, server, process = (b - a for a, b in zip(start, self.now(), strict=True))
        return count / wall, server / count * 1e6, process / count * 1e6


def one_connection(host: str, port: int, count: int, meter: Meter) -> tuple[float, float, float]:
    """Messages per second and CPU microseconds per message, all on one connection."""
    with smtplib.SMTP(host, port, local_hostname="client.example.org") as client:
        client.ehlo()
        start = meter.now()
        for _ in range(count):
            client.sendmail("bob@example.org", ["alice@example.net"], MESSAGE)
        client.noop()  # the server has finished with the last message
        return meter.since(start, count)


def new_connection_each(host: str, port: int, count: int, meter: Meter) -> tuple[float, float, float]:
    """Messages per second and CPU microseconds per message, with connect + EHLO +
    message + QUIT for each."""
    start = meter.now()
    for _ in range(count):
        with smtplib.SMTP(host, port, local_hostname="client.example.org") as client:
            client.sendmail("bob@example.org", ["alice@example.net"], MESSAGE)
    return meter.since(start, count)


def start_stop_ms(cycles: int = 50) -> tuple[float, float, float]:
    """Median start, stop and start+stop times of a DebugServer, in ms."""
    starts, stops = [], []
    for _ in range(cycles):
        server = DebugServer()
        t0 = time.perf_counter()
        server.start()
        t1 = time.perf_counter()
        server.stop()
        t2 = time.perf_counter()
        starts.append((t1 - t0) * 1000)
        stops.append((t2 - t1) * 1000)
    total = [a + b for a, b in zip(starts, stops, strict=True)]
    return statistics.median(starts), statistics.median(stops), statistics.median(total)


def run(rounds: int, messages: int, connections: int) -> dict[str, float]:
    """Medians of each measure and of the paired ratios (debug / sink, measured back to back)."""
    sink, debug = SinkServer(), DebugServer()
    sink.start()
    debug.start()
    controller: Any = debug._store.controller  # the server thread, for its CPU clock
    meters = {"sink": Meter(sink.controller._thread), "debug": Meter(controller._thread)}
    servers = {"sink": (sink.host, sink.port), "debug": (debug.host, debug.port)}
    tests: dict[str, tuple[Callable[[str, int, int, Meter], tuple[float, float, float]], int]] = {
        "1": (one_connection, messages), "N": (new_connection_each, connections)}
    samples: dict[str, list[float]] = collections.defaultdict(list)
    try:
        for name in servers:  # warm-up
            one_connection(*servers[name], 20, meters[name])
            new_connection_each(*servers[name], 5, meters[name])
        for r in range(rounds):
            order = ["sink", "debug"] if r % 2 == 0 else ["debug", "sink"]
            for suffix, (test, count) in tests.items():
                pair = {name: test(*servers[name], count, meters[name]) for name in order}
                for name, figures in pair.items():
                    for measure, figure in zip(MEASURES, figures, strict=True):
                        samples[f"{measure}_{name}{suffix}"].append(figure)
                (rate_s, *cpu_s), (rate_d, *cpu_d) = pair["sink"], pair["debug"]
                samples[f"ratio_rate{suffix}"].append(rate_d / rate_s)
                for measure, s_cpu, d_cpu in zip(MEASURES[1:], cpu_s, cpu_d, strict=True):
                    samples[f"ratio_{measure}{suffix}"].append(s_cpu / d_cpu)
            debug.reset()  # keep memory flat between rounds
    finally:
        debug.stop()
        sink.stop()
    return {k: statistics.median(v) for k, v in samples.items()}


#: what each test returns: messages/s, server-thread CPU us/message, process CPU us/message
MEASURES = ("rate", "server", "process")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--connections", type=int, default=100)
    args = parser.parse_args()
    med = run(args.rounds, args.messages, args.connections)
    print(f"rounds: {args.rounds} (interleaved); medians; ratios are medians of paired ratios, "
          "debug / sink for messages/s, sink / debug for CPU")
    for suffix, label in (("1", "one connection"), ("N", "new connection each")):
        print(f"{label}:")
        print(f"  messages/s             sink {med['rate_sink' + suffix]:7.0f}   "
              f"debug {med['rate_debug' + suffix]:7.0f}   ratio {med['ratio_rate' + suffix]:.2f}")
        print(f"  server CPU us/message  sink {med['server_sink' + suffix]:7.0f}   "
              f"debug {med['server_debug' + suffix]:7.0f}   ratio {med['ratio_server' + suffix]:.2f}")
        print(f"  process CPU us/message sink {med['process_sink' + suffix]:7.0f}   "
              f"debug {med['process_debug' + suffix]:7.0f}   ratio {med['ratio_process' + suffix]:.2f}")
    start, stop, total = start_stop_ms()
    print(f"DebugServer start {start:.2f} ms + stop {stop:.2f} ms = {total:.2f} ms (median of 50)")


if __name__ == "__main__":
    main()
