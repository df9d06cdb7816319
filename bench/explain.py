"""Benchmark: smtplesson.explain over a large synthetic Postfix-style mail log.

Run:  .venv/bin/python bench/explain.py [--lines 200000] [--runs 5] [--against TREE]
Prints explanations per second (median of the runs, one core), with the provider and MTA
dialect layer (data/providers.json), the cue lexicon and the decisions on, as explain always
runs. Target (issue 19): >= 100,000 lines/s.

``--against TREE`` compares with the smtplesson of another checkout (``git archive REV
smtplesson | tar -x -C TREE``): two worker processes, one per tree, explain the same lines in
interleaved rounds (the order alternating), and the medians and the median of the paired
ratios are printed.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from smtplesson.codes import decision, lexicon, providers
from smtplesson.codes.explanation import _judge, explain

REPLIES = [
    "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox table",
    "550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 "
    "double-checking the recipient's email address for typos or 550-5.1.1 unnecessary spaces. "
    "Learn more at 550 5.1.1  https://support.google.com/mail/?p=NoSuchUser a1si123 - gsmtp",
    "452 4.2.2 The email account that you tried to reach is over quota.",
    "421 4.7.0 [TSS04] Messages from {ip} temporarily deferred due to unexpected volume or "
    "user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
    "450 4.2.0 <{rcpt}>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.org.html",
    "550 5.7.1 Service unavailable, Client host [{ip}] blocked using Spamhaus. (AS16012611)",
    "554 5.7.1 <{rcpt}>: Relay access denied",
    "552 5.3.4 Message size exceeds fixed limit",
    "451 4.3.0 Mail server temporarily rejected message.",
    "550 5.7.26 This mail has been blocked because the sender is unauthenticated.",
    "421-4.7.28 Gmail has detected an unusual rate of unsolicited mail. To protect 421-4.7.28 "
    "our users from spam, mail has been temporarily rate limited. 421 4.7.28 gsmtp",
    "550 5.4.1 Recipient address rejected: Access denied. AS(201806281)",
    "451 5.7.1 Please try again later",
    "530 5.7.0 Must issue a STARTTLS command first",
    "554 Transaction failed",
    "550 Administrative prohibition",
]
COMMANDS = ["RCPT TO", "MAIL FROM", "end of DATA"]
HOSTS = ["gmail-smtp-in.l.google.com", "mta7.am0.yahoodns.net", "example-com.mail.protection.outlook.com",
         "mx.example.org", "mx01.mail.icloud.com"]


def _ip(rng: random.Random) -> str:
    return f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def _queue_id(rng: random.Random) -> str:
    return "".join(rng.choice("0123456789ABCDEF") for _ in range(11))


def make_log(count: int, seed: int = 5321) -> list[str]:
    """``count`` Postfix-style lines: bounces, deferrals, deliveries and noise."""
    rng = random.Random(seed)
    lines = []
    for i in range(count):
        day, hour = rng.randint(1, 28), rng.randint(0, 23)
        minute, second = rng.randint(0, 59), rng.randint(0, 59)
        stamp = f"Mar {day:2d} {hour:02d}:{minute:02d}:{second:02d}"
        qid = _queue_id(rng)
        rcpt = f"user{rng.randint(1, 99999)}@example{rng.randint(1, 50)}.org"
        host, ip = rng.choice(HOSTS), _ip(rng)
        head = (f"{stamp} mail postfix/smtp[{rng.randint(1000, 65000)}]: {qid}: to=<{rcpt}>, "
                f"relay={host}[{ip}]:25, delay={rng.uniform(0, 900):.1f}, "
                f"delays=0.{rng.randint(1, 9)}/0/0.{rng.randint(1, 9)}/{rng.randint(0, 500)}")
        kind = i % 10
        if kind < 6:
            reply = rng.choice(REPLIES).format(rcpt=rcpt, ip=_ip(rng))
            status = "bounced" if reply.startswith("5") else "deferred"
            dsn = reply[4:9] if reply[4:5].isdigit() else ("5.0.0" if status == "bounced" else "4.0.0")
            lines.append(f"{head}, dsn={dsn}, status={status} (host {host}[{ip}] said: {reply} "
                         f"(in reply to {rng.choice(COMMANDS)} command))")
        elif kind < 8:
            lines.append(f"{head}, dsn=2.0.0, status=sent (250 2.0.0 OK  {rng.randint(10**9, 10**10)} "
                         f"a{rng.randint(1, 999)}si{rng.randint(10**5, 10**6)} - gsmtp)")
        elif kind == 8:
            lines.append(f"{stamp} mail postfix/smtpd[{rng.randint(1000, 65000)}]: connect from "
                         f"unknown[{_ip(rng)}]")
        else:
            lines.append(f"{stamp} mail postfix/qmgr[{rng.randint(1000, 65000)}]: {qid}: "
                         f"from=<bounce@example.net>, size={rng.randint(500, 90000)}, nrcpt=1 (queue active)")
    return lines


def run(lines: list[str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) to explain every line once.

    CPU time of this process is the one-core figure; wall time also counts time the
    process waited for the CPU, which is large on a busy machine.
    """
    for cached in (_judge, providers._hits, providers._sorted_hits, providers._match,
                   lexicon._score, decision._decide):
        cached.cache_clear()  # no help from texts seen in an earlier run
    cpu, wall = time.process_time(), time.perf_counter()
    for line in lines:
        explain(line)
    return time.process_time() - cpu, time.perf_counter() - wall


def _worker(tree: Path, lines: int) -> subprocess.Popen[str]:
    """A process explaining ``lines`` lines with the smtplesson of ``tree`` on each "run"."""
    env = {**os.environ, "PYTHONPATH": str(tree.resolve())}
    worker = subprocess.Popen([sys.executable, __file__, "--serve", "--lines", str(lines)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
    return worker


def _round(worker: subprocess.Popen[str]) -> tuple[float, float]:
    assert worker.stdin is not None and worker.stdout is not None
    worker.stdin.write("run\n")
    worker.stdin.flush()
    cpu, wall = worker.stdout.readline().split()
    return float(cpu), float(wall)


def compare(other: Path, lines: int, runs: int) -> None:
    """Paired, interleaved rounds of this tree's explain and ``other``'s on the same lines."""
    here = Path(__file__).resolve().parents[1]
    workers = {"this": _worker(here, lines), "other": _worker(other, lines)}
    times: dict[str, list[tuple[float, float]]] = {"this": [], "other": []}
    for n in range(runs):
        for name in ("this", "other") if n % 2 == 0 else ("other", "this"):
            times[name].append(_round(workers[name]))
    for worker in workers.values():
        worker.communicate("")
    rates = {name: [lines / cpu for cpu, _ in got] for name, got in times.items()}
    walls = {name: [lines / wall for _, wall in got] for name, got in times.items()}
    print(f"explain: {lines:,} log lines x {runs} paired rounds; other = {other}")
    for name in ("this", "other"):
        print(f"{name:5s} lines/s CPU median {statistics.median(rates[name]):,.0f} "
              f"(min {min(rates[name]):,.0f}, max {max(rates[name]):,.0f}); "
              f"wall median {statistics.median(walls[name]):,.0f}")
    ratios = [a / b for a, b in zip(rates["this"], rates["other"], strict=True)]
    print(f"this / other, median of the paired CPU ratios: {statistics.median(ratios):.2f} "
          f"(min {min(ratios):.2f}, max {max(ratios):.2f})")


def serve(lines: list[str]) -> None:
    """The worker of :func:`compare`: one run per "run" line read, its CPU and wall seconds."""
    print("ready", flush=True)
    for _ in sys.stdin:
        cpu, wall = run(lines)
        print(cpu, wall, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--against", type=Path, help="another checkout to compare with, paired")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.against is not None:
        compare(args.against, args.lines, args.runs)
        return
    lines = make_log(args.lines)
    if args.serve:
        serve(lines)
        return
    found = sum(explain(line).found for line in lines[:10_000])
    times = [run(lines) for _ in range(args.runs)]
    cpu_rates = sorted(len(lines) / cpu for cpu, _ in times)
    wall_rates = sorted(len(lines) / wall for _, wall in times)
    median = statistics.median(cpu_rates)
    print(f"explain: {len(lines):,} log lines x {args.runs} runs "
          f"({found / min(len(lines), 10_000):.0%} of lines hold a reply)")
    print(f"lines/s (CPU time, one core): median {median:,.0f}  "
          f"(min {cpu_rates[0]:,.0f}, max {cpu_rates[-1]:,.0f})")
    print(f"lines/s (wall clock):          median {statistics.median(wall_rates):,.0f}")
    print(f"target 100,000 lines/s: {'met' if median >= 100_000 else 'NOT met'}")


if __name__ == "__main__":
    main()
