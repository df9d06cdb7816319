"""Benchmark the relay: N messages across three SMTP hops, end to end, vs one DebugServer.

    .venv/bin/python bench/relay.py [--messages 1000] [--repeat 5] [--only relay|auth|esp] [--json out.json]

Hops: MUA -> MSA (AUTH) -> outbound MTA (queue, MX lookup) -> MX -> mailbox.  The simulated
clock is advanced by ``run()`` as the queue needs it (the "greylisted" round has 10 % of the
messages deferred once and retried ten simulated minutes later).  The baseline sends the same
messages with smtplib straight to one DebugServer over one connection, in the same run.  The
"authentication on" round is ``MailNetwork(authentication=True)``: STARTTLS on every hop, DKIM
signing at the relay (RSA-2048 and Ed25519), SPF, DKIM, ARC, DMARC and iprev at the MX, and
the MX plays its receiver persona (Gmail's bulk-sender rules, reputation and warm-up on the
simulated clock, the relay's shaping rules).  Beside it, in the same run, "personas off": the
same authenticated network whose MX applies only the sender requirements (the receivers as they
were before issue 21).  Targets: >= 200 messages/s end to end, >= 150 with authentication and
personas on.  The "ESP on" round is ``MailNetwork(esp=True)``: suppression check and events per
recipient, List-Unsubscribe and Feedback-ID headers, every host's log hook, the spam filter at the
MX; target: within 10 % of the round without it, in wall time and in CPU time.

Each repeat runs every selected comparison's rounds back to back on the same messages (the
order reversed every other repeat); each round records wall time and the process's CPU time
(every thread of the network runs in this process, so CPU time is what load does not change).
Ratios are medians of the ratios inside each repeat.  ``--only esp`` runs just ESP off and on
(about half a minute at load 1).  Exit status 1 only if a message is lost or duplicated.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import smtplib
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from smtplesson.relay.network import MailNetwork
from smtplesson.relay.policies import Servers
from smtplesson.relay.requirements import SenderRequirements
from smtplesson.server import DebugServer

TARGET = 200.0
TARGET_AUTHENTICATED = 150.0
TARGET_ESP = 0.90  # ESP on / off
ALICE = "alice@example.com"


def _items(n: int, greylisted: float) -> list[tuple[str, list[str], str]]:
    every = int(1 / greylisted) if greylisted else 0
    out = []
    for i in range(n):
        bounced = every and i % every == 0
        rcpt = "carol@example.net" if bounced else ("bob@example.net", "erin@example.net")[i % 2]
        out.append((ALICE, [rcpt], f"Benchmark message {i}.\nNothing to see here.\n"))
    return out


@contextmanager
def personas_off() -> Iterator[None]:
    """The MX applies only the sender requirements: no persona, no reputation (no shaping rule fires)."""
    played = Servers.persona

    def plain(self: Servers, host: Any, provider: str, security: Any) -> SenderRequirements:
        return SenderRequirements(self.zone, provider, require_tls=security.tls(host)[0],
                                  trusted_sealers=security.trusted_sealers)

    Servers.persona = plain  # type: ignore[method-assign]
    try:
        yield
    finally:
        Servers.persona = played  # type: ignore[method-assign]


def relay_round(n: int, greylisted: float = 0.0, authentication: bool = False,
                personas: bool = True, esp: bool = False) -> dict[str, float]:
    """Submit n messages and run the network until it settles; check every copy arrived once."""
    if not personas:
        with personas_off():
            return relay_round(n, greylisted, authentication, esp=esp)
    with MailNetwork(authentication=authentication, esp=esp) as net:
        items = _items(n, greylisted)
        gc.collect()  # the rounds before leave their garbage: no round pays for another's
        cpu = time.process_time()  # every thread of the network runs in this process
        start = time.perf_counter()
        tracks = net.submit_many(items)
        submitted = time.perf_counter()
        net.run()
        end = time.perf_counter()
        cpu = time.process_time() - cpu
        delivered = sum(s == "delivered" for t in tracks for s in t.status.values())
        copies = sum(len(net.mailbox(a)) for a in ("bob@example.net", "erin@example.net",
                                                   "carol@example.net"))
        if delivered != n or copies != n:
            raise SystemExit(f"LOST OR DUPLICATED: {delivered} delivered, {copies} copies of {n}")
        return {"seconds": end - start, "submit_seconds": submitted - start, "cpu_seconds": cpu,
                "rate": n / (end - start), "simulated": net.clock.elapsed}


def direct_round(n: int) -> dict[str, float]:
    """The same messages straight to one DebugServer, one smtplib connection."""
    raw = [f"From: {ALICE}\r\nTo: bob@example.net\r\nSubject: m{i}\r\n\r\n"
           f"Benchmark message {i}.\r\nNothing to see here.\r\n".encode() for i in range(n)]
    with DebugServer(hostname="mx.example.net") as server:
        client = smtplib.SMTP(server.host, server.port, local_hostname="client.example.org")
        gc.collect()
        cpu = time.process_time()
        start = time.perf_counter()
        for data in raw:
            client.sendmail(ALICE, ["bob@example.net"], data)
        end = time.perf_counter()
        cpu = time.process_time() - cpu
        client.quit()
        if len(server.messages) != n:
            raise SystemExit(f"direct: {len(server.messages)} of {n} stored")
    return {"seconds": end - start, "cpu_seconds": cpu, "rate": n / (end - start)}


#: the rounds, by name: what each one runs for n messages
ROUNDS: dict[str, Callable[[int], dict[str, float]]] = {
    "relay": relay_round,
    "greylisted": lambda n: relay_round(n, greylisted=0.1),
    "direct": direct_round,
    "authenticated": lambda n: relay_round(n, authentication=True),
    "personas-off": lambda n: relay_round(n, authentication=True, personas=False),
    "esp": lambda n: relay_round(n, esp=True),
}
#: what ``--only`` selects: comparisons, each a group of rounds run back to back in every repeat
GROUPS = {"relay": ("relay", "greylisted", "direct"), "auth": ("authenticated", "personas-off"),
          "esp": ("relay", "esp")}
#: paired ratios: (name, numerator round, denominator round); each is the median over repeats of
#: the ratio inside one repeat, where both rounds ran back to back on the same messages
PAIRS = (("relay / direct", "relay", "direct"), ("authentication on / off", "authenticated", "relay"),
         ("personas on / off", "authenticated", "personas-off"), ("ESP on / off", "esp", "relay"))


def _order(groups: list[str], repeat: int) -> list[str]:
    """The rounds of one repeat: each group's back to back, every other repeat reversed (so a
    round does not always follow the same neighbour, and slow drift hits both sides of a pair)."""
    names: list[str] = []
    for group in groups:
        rounds = [r for r in GROUPS[group] if r not in names]
        names += rounds if repeat % 2 == 0 else rounds[::-1]
    return names


def _cpu_ms(result: dict[str, float], n: int) -> float:
    return 1000 * result["cpu_seconds"] / n


def run(groups: list[str], n: int, repeat: int) -> dict[str, Any]:
    """Every repeat runs the selected rounds; returns the per-round medians and paired ratios."""
    relay_round(50)  # warm up imports and caches
    if "auth" in groups:
        relay_round(50, authentication=True)
    if "esp" in groups:
        relay_round(50, esp=True)
    rounds: list[dict[str, dict[str, float]]] = []
    for k in range(repeat):
        rounds.append({name: ROUNDS[name](n) for name in _order(groups, k)})
    names = list(rounds[0])
    medians = {name: {"rate": statistics.median(r[name]["rate"] for r in rounds),
                      "cpu_ms": statistics.median(_cpu_ms(r[name], n) for r in rounds),
                      "seconds": statistics.median(r[name]["seconds"] for r in rounds),
                      **({"simulated_minutes": rounds[0][name]["simulated"] / 60}
                         if "simulated" in rounds[0][name] else {})}
               for name in names}
    ratios = {}
    for label, top, bottom in PAIRS:
        if top in names and bottom in names:
            ratios[label] = {
                "rate": statistics.median(r[top]["rate"] / r[bottom]["rate"] for r in rounds),
                "cpu_per_message": statistics.median(r[top]["cpu_seconds"] / r[bottom]["cpu_seconds"]
                                                     for r in rounds),
                "rate_range": [min(r[top]["rate"] / r[bottom]["rate"] for r in rounds),
                               max(r[top]["rate"] / r[bottom]["rate"] for r in rounds)],
                "cpu_range": [min(r[top]["cpu_seconds"] / r[bottom]["cpu_seconds"] for r in rounds),
                              max(r[top]["cpu_seconds"] / r[bottom]["cpu_seconds"] for r in rounds)]}
    return {"messages": n, "repeat": repeat, "rounds": medians, "ratios": ratios, "all": rounds}


def report(found: dict[str, Any], load: tuple[float, ...]) -> list[str]:
    """The lines ``main`` prints."""
    n, medians, ratios = found["messages"], found["rounds"], found["ratios"]
    lines = [f"medians of {found['repeat']} interleaved repeats of {n} messages (ratios: median of the "
             f"ratios inside each repeat, range in brackets); "
             f"load average {load[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"]
    for name, m in medians.items():
        extra = f", {m['simulated_minutes']:.0f} simulated minutes" if m.get("simulated_minutes") else ""
        lines.append(f"  {name:14s} {m['rate']:6.0f} messages/s, CPU {m['cpu_ms']:.2f} ms a message{extra}")
    for label, r in ratios.items():
        (low, high), (cpu_low, cpu_high) = r["rate_range"], r["cpu_range"]
        lines.append(f"  {label:24s} rate {r['rate']:.2f} ({low:.2f}-{high:.2f}), CPU per message "
                     f"{r['cpu_per_message']:.2f} ({cpu_low:.2f}-{cpu_high:.2f})")
    if "relay" in medians and "direct" in medians:
        lines.append(_verdict(f">= {TARGET:.0f} messages/s end to end", medians["relay"]["rate"] >= TARGET))
    if "authenticated" in medians:
        lines.append(_verdict(f">= {TARGET_AUTHENTICATED:.0f} messages/s with authentication and personas on "
                              f"(CPU-bound at {1000 / medians['authenticated']['cpu_ms']:.0f} on one core)",
                              medians["authenticated"]["rate"] >= TARGET_AUTHENTICATED))
    if "ESP on / off" in ratios:
        esp = ratios["ESP on / off"]
        lines.append(_verdict(f"ESP on within {1 - TARGET_ESP:.0%} of off (rate on/off >= {TARGET_ESP:.2f}, "
                              f"CPU per message on/off <= {2 - TARGET_ESP:.2f})",
                              esp["rate"] >= TARGET_ESP and esp["cpu_per_message"] <= 2 - TARGET_ESP))
    return lines


def _verdict(target: str, met: bool) -> str:
    return f"target {target}: {'meets' if met else 'BELOW'}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5, help="interleaved repeats (medians are quoted)")
    parser.add_argument("--only", action="append", choices=sorted(GROUPS),
                        help="run only this comparison (repeatable; default: all)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    groups = args.only or list(GROUPS)
    load = os.getloadavg()
    found = run(groups, args.messages, args.repeat)
    print("\n".join(report(found, load)))
    if args.json:
        Path(args.json).write_text(json.dumps({**found, "load": load, "target": TARGET,
                                               "target_authenticated": TARGET_AUTHENTICATED,
                                               "target_esp": TARGET_ESP}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
