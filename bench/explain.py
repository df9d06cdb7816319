"""Benchmark: smtplesson.explain over a large synthetic Postfix-style mail log.

Run:  .venv/bin/python bench/explain.py [--lines 200000] [--runs 5]
Prints explanations per second (median of the runs, one core), with the provider and MTA
dialect layer (data/providers.json), the cue lexicon and the decisions on, as explain always
runs. Target (issue 19): >= 100,000 lines/s.
"""
from __future__ import annotations

import argparse
import random
import statistics
import time

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    lines = make_log(args.lines)
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
