"""Benchmark: DebugServer (transcripts on) against a bare aiosmtpd Sink controller.

Same smtplib client, same run, interleaved, several rounds; prints medians and ratios,
plus the time of DebugServer start + stop.  Beside messages per second (wall clock), it
prints the process CPU time per message (client and server threads together), which
another program's load on the machine disturbs far less.

    .venv/bin/python bench/server.py [--rounds 7] [--messages 300] [--connections 150]
"""
from __future__ import annotations

import argparse
import smtplib
import socket
import statistics
import time
from collections.abc import Callable

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


def one_connection(host: str, port: int, count: int) -> tuple[float, float]:
    """Messages per second and CPU microseconds per message, all on one connection."""
    with smtplib.SMTP(host, port, local_hostname="client.example.org") as client:
        client.ehlo()
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(count):
            client.sendmail("bob@example.org", ["alice@example.net"], MESSAGE)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return count / elapsed, cpu / count * 1e6


def new_connection_each(host: str, port: int, count: int) -> tuple[float, float]:
    """Messages per second and CPU microseconds per message, with connect + EHLO +
    message + QUIT for each."""
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        with smtplib.SMTP(host, port, local_hostname="client.example.org") as client:
            client.sendmail("bob@example.org", ["alice@example.net"], MESSAGE)
    return count / (time.perf_counter() - start), (time.process_time() - cpu) / count * 1e6


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
    rates: dict[str, list[float]] = {k: [] for k in ("sink1", "debug1", "sinkN", "debugN")}
    cpus: dict[str, list[float]] = {k: [] for k in rates}
    ratios: dict[str, list[float]] = {"1": [], "N": [], "cpu1": [], "cpuN": []}
    servers = {"sink": (sink.host, sink.port), "debug": (debug.host, debug.port)}
    tests: dict[str, tuple[Callable[[str, int, int], tuple[float, float]], int]] = {
        "1": (one_connection, messages), "N": (new_connection_each, connections)}
    try:
        for name in servers:  # warm-up
            one_connection(*servers[name], 20)
        for r in range(rounds):
            order = ["sink", "debug"] if r % 2 == 0 else ["debug", "sink"]
            for suffix, (test, count) in tests.items():
                pair = {name: test(*servers[name], count) for name in order}
                for name, (rate, cpu) in pair.items():
                    rates[name + suffix].append(rate)
                    cpus[name + suffix].append(cpu)
                ratios[suffix].append(pair["debug"][0] / pair["sink"][0])
                ratios["cpu" + suffix].append(pair["sink"][1] / pair["debug"][1])
            debug.reset()  # keep memory flat between rounds
    finally:
        debug.stop()
        sink.stop()
    result = {k: statistics.median(v) for k, v in rates.items()}
    result.update({"cpu_" + k: statistics.median(v) for k, v in cpus.items()})
    result.update({"ratio" + k: statistics.median(v) for k, v in ratios.items()})
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--connections", type=int, default=100)
    args = parser.parse_args()
    med = run(args.rounds, args.messages, args.connections)
    print(f"rounds: {args.rounds} (interleaved), medians in messages/s")
    print(f"one connection:       sink {med['sink1']:7.0f}   debug {med['debug1']:7.0f}   "
          f"ratio {med['ratio1']:.2f} (median of paired ratios)")
    print(f"new connection each:  sink {med['sinkN']:7.0f}   debug {med['debugN']:7.0f}   "
          f"ratio {med['ratioN']:.2f} (median of paired ratios)")
    print(f"CPU per message (us): one connection sink {med['cpu_sink1']:.0f} debug {med['cpu_debug1']:.0f} "
          f"ratio {med['ratiocpu1']:.2f}; new connection each sink {med['cpu_sinkN']:.0f} "
          f"debug {med['cpu_debugN']:.0f} ratio {med['ratiocpuN']:.2f} (sink / debug)")
    start, stop, total = start_stop_ms()
    print(f"DebugServer start {start:.2f} ms + stop {stop:.2f} ms = {total:.2f} ms (median of 50)")


if __name__ == "__main__":
    main()
