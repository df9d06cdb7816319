"""Soak benchmark: what a long class costs a debug server (issue 15), for two versions.

Each measure runs a DebugServer in a fresh child process (a stand-in for a notebook
kernel, with a line-based control channel) and a fast raw SMTP client in this one:

- RSS after 50,000 messages (one session each, 1 kB), the time to read every transcript
  (``server.transcripts`` and each one's lines), RSS after that read and after ``reset()``;
- RSS added by 200 refused 10 MB uploads (over the 10,240,000-byte limit), and by
  1,000 uploads cut off mid-DATA (250 kB each);
- idle CPU of ``python -m smtplesson serve`` once 50,000 sessions went through it.

    .venv/bin/python bench/soak.py --before /tmp/old-checkout --after .

``--before`` / ``--after``: directories holding a ``smtplesson`` package (each child
runs in it, so that is the package it imports).  Smaller runs: ``--messages 5000 --sessions 5000``.
"""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

CHILD = r"""
import gc, sys, time
from smtplesson.server.debug import DebugServer

def rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
server = DebugServer().start()
print(server.port, flush=True)
for command in sys.stdin:
    command = command.strip()
    if command == "rss":
        gc.collect()
        print(f"{rss():.1f}", flush=True)
    elif command == "read":
        start = time.perf_counter()
        lines = sum(len(t.lines) for t in server.transcripts)
        took = time.perf_counter() - start
        gc.collect()
        print(f"{took:.3f} {rss():.1f} {lines}", flush=True)
    elif command == "reset":
        server.reset()
        gc.collect()
        print(f"{rss():.1f}", flush=True)
    elif command == "stop":
        server.stop()
        print("stopped", flush=True)
        break
"""

BODY = ("From: bob@example.org\r\nTo: alice@example.net\r\nSubject: soak\r\n\r\n"
        + "A line of text in the body, to make the message about one kilobyte.\r\n" * 14).encode()
ENVELOPE = (b"EHLO client.example.org\r\nMAIL FROM:<bob@example.org>\r\n"
            b"RCPT TO:<alice@example.net>\r\nDATA\r\n")


class Kernel:
    """A DebugServer in a child process, driven line by line."""

    def __init__(self, code: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(code)}
        self.proc = subprocess.Popen([sys.executable, "-c", CHILD], env=env, text=True, cwd=code,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.port = int(self._read())

    def _read(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip()

    def ask(self, command: str) -> list[str]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self._read().split()

    def close(self) -> None:
        self.ask("stop")
        try:
            self.proc.wait(120)  # freeing gigabytes takes a while
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _drain(sock: socket.socket) -> None:
    while sock.recv(65536):
        pass


def one_message(port: int) -> None:
    """A whole pipelined session: the client does not wait for the replies."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(ENVELOPE + BODY + b".\r\nQUIT\r\n")
        _drain(sock)


def refused_upload(port: int, size: int = 10_500_000) -> None:
    block = (b"x" * 998 + b"\r\n") * 1000  # 1 MB of 1000-byte lines
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(ENVELOPE + b"Subject: big\r\n\r\n")
        sent = 0
        while sent < size:
            sock.sendall(block)
            sent += len(block)
        sock.sendall(b".\r\nQUIT\r\n")
        _drain(sock)


def cut_upload(port: int, size: int = 250_000) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(ENVELOPE + b"Subject: cut\r\n\r\n" + (b"y" * 98 + b"\r\n") * (size // 100))
        sock.shutdown(socket.SHUT_WR)  # the client vanishes mid-DATA
        _drain(sock)


def many(task, port: int, count: int, workers: int = 4) -> float:
    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        for _ in pool.map(lambda _: task(port), range(count)):
            pass
    return time.perf_counter() - start


def soak_messages(code: Path, count: int) -> dict[str, float]:
    kernel = Kernel(code)
    try:
        base = float(kernel.ask("rss")[0])
        many(one_message, kernel.port, count)
        time.sleep(1.0)
        after = float(kernel.ask("rss")[0])
        took, after_read, _ = kernel.ask("read")
        reset = float(kernel.ask("reset")[0])
    finally:
        kernel.close()
    return {"base": base, "messages": after, "read_s": float(took), "after_read": float(after_read),
            "reset": reset}


def soak_uploads(code: Path, task, count: int) -> float:
    """RSS added (MB) by ``count`` uploads, transcripts read once."""
    kernel = Kernel(code)
    try:
        base = float(kernel.ask("rss")[0])
        many(task, kernel.port, count, workers=2)
        time.sleep(1.0)
        _, after, _ = kernel.ask("read")
    finally:
        kernel.close()
    return float(after) - base


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve_idle_cpu(code: Path, sessions: int, window: float = 10.0) -> float:
    """% of a core ``serve`` uses while idle, after ``sessions`` sessions."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(code)}
    proc = subprocess.Popen([sys.executable, "-m", "smtplesson", "serve", "--port", str(port)],
                            env=env, cwd=code, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        many(one_message, port, sessions)
        time.sleep(3.0)
        before = _cpu_seconds(proc.pid)
        time.sleep(window)
        return 100 * (_cpu_seconds(proc.pid) - before) / window
    finally:
        proc.terminate()
        try:
            proc.wait(60)  # a printer far behind takes a while to stop
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def measure(code: Path, args: argparse.Namespace) -> dict[str, float]:
    result = soak_messages(code, args.messages)
    print(f"  {result}", file=sys.stderr, flush=True)
    result["refused"] = soak_uploads(code, refused_upload, args.uploads)
    result["cut"] = soak_uploads(code, cut_upload, args.cutoffs)
    print(f"  refused {result['refused']:.1f} MB, cut {result['cut']:.1f} MB", file=sys.stderr, flush=True)
    result["serve_cpu"] = serve_idle_cpu(code, args.sessions)
    print(f"  serve {result['serve_cpu']:.1f} %", file=sys.stderr, flush=True)
    return result


ROWS = [
    ("base", "RSS of a fresh server (MB)"),
    ("messages", "RSS after {messages:,} messages (MB)"),
    ("read_s", "time to read all transcripts (s)"),
    ("after_read", "RSS after reading them (MB)"),
    ("reset", "RSS after reset() (MB)"),
    ("refused", "RSS added by {uploads} refused 10 MB uploads (MB)"),
    ("cut", "RSS added by {cutoffs:,} cut-off uploads (MB)"),
    ("serve_cpu", "serve idle CPU after {sessions:,} sessions (% of a core)"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--after", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--uploads", type=int, default=200)
    parser.add_argument("--cutoffs", type=int, default=1_000)
    parser.add_argument("--sessions", type=int, default=50_000)
    args = parser.parse_args()
    results = {}
    for name in ("before", "after"):
        code = getattr(args, name).resolve()
        print(f"measuring {name}: {code}", file=sys.stderr, flush=True)
        results[name] = measure(code, args)
    print(f"{'':58} {'before':>10} {'after':>10}")
    for key, label in ROWS:
        text = label.format(**vars(args))
        print(f"{text:58} {results['before'][key]:10.2f} {results['after'][key]:10.2f}")


if __name__ == "__main__":
    main()
