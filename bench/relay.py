"""Benchmark the relay: N messages across three SMTP hops, end to end, vs one DebugServer.

    .venv/bin/python bench/relay.py [--messages 1000] [--repeat 5] [--json out.json]

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
MX; target: within 10 % of the round without it.  Exit status 1 only if a message is lost or
duplicated.
"""
from __future__ import annotations

import argparse
import json
import smtplib
import statistics
import sys
import time
from collections.abc import Iterator
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
        start = time.perf_counter()
        for data in raw:
            client.sendmail(ALICE, ["bob@example.net"], data)
        end = time.perf_counter()
        client.quit()
        if len(server.messages) != n:
            raise SystemExit(f"direct: {len(server.messages)} of {n} stored")
    return {"seconds": end - start, "rate": n / (end - start)}


def _median_round(results: list[dict[str, float]]) -> dict[str, float]:
    """The round with the median rate."""
    ordered = sorted(results, key=lambda r: r["rate"])
    return ordered[len(ordered) // 2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5, help="interleaved rounds (medians are quoted)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    n = args.messages
    relay_round(50)  # warm up imports and caches
    relay_round(50, authentication=True)
    rounds = [(relay_round(n), relay_round(n, greylisted=0.1), direct_round(n),
               relay_round(n, authentication=True), relay_round(n, authentication=True, personas=False),
               relay_round(n, esp=True))
              for _ in range(args.repeat)]  # side by side, so load changes hit all six alike
    relay, grey, direct, authed, plain, esp = (_median_round([r[i] for r in rounds]) for i in range(6))
    ratio = statistics.median(r[0]["rate"] / r[2]["rate"] for r in rounds)
    auth_ratio = statistics.median(r[3]["rate"] / r[0]["rate"] for r in rounds)
    persona_ratio = statistics.median(r[3]["rate"] / r[4]["rate"] for r in rounds)
    esp_ratio = statistics.median(r[5]["rate"] / r[0]["rate"] for r in rounds)
    esp_cpu = statistics.median(r[0]["cpu_seconds"] / r[5]["cpu_seconds"] for r in rounds)
    print(f"medians of {args.repeat} interleaved rounds")
    print(f"relay, three SMTP hops: {n} messages in {relay['seconds']:.2f} s "
          f"= {relay['rate']:.0f} messages/s end to end (submission {relay['submit_seconds']:.2f} s)")
    print(f"relay, 10 % greylisted: {grey['rate']:.0f} messages/s end to end, "
          f"{grey['simulated'] / 60:.0f} simulated minutes")
    print(f"one DebugServer, direct: {direct['rate']:.0f} messages/s")
    print(f"ratio relay / direct (median of per-round ratios): {ratio:.2f} "
          f"(three hops cost about {1 / ratio:.1f}x one hop)")
    print(f"authentication off / on: {relay['rate']:.0f} / {authed['rate']:.0f} messages/s end to end "
          f"(on / off, median of per-round ratios: {auth_ratio:.2f})")
    print(f"authentication on, personas off / on: {plain['rate']:.0f} / {authed['rate']:.0f} messages/s "
          f"(on / off, median of per-round ratios: {persona_ratio:.2f})")
    print(f"ESP layer off / on: {relay['rate']:.0f} / {esp['rate']:.0f} messages/s end to end "
          f"(on / off, median of per-round ratios: {esp_ratio:.2f}; by CPU seconds of the "
          f"process, off / on: {esp_cpu:.2f})")
    verdict = "meets" if relay["rate"] >= TARGET else "BELOW"
    print(f"target >= {TARGET:.0f} messages/s end to end: {verdict}")
    verdict = "meets" if authed["rate"] >= TARGET_AUTHENTICATED else "BELOW"
    print(f"target >= {TARGET_AUTHENTICATED:.0f} messages/s with authentication and personas on: {verdict}")
    verdict = "meets" if esp_ratio >= TARGET_ESP else "BELOW"
    print(f"target ESP on >= {TARGET_ESP:.2f} of off: {verdict}")
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"messages": n, "relay": relay, "greylisted": grey, "direct": direct, "ratio": ratio,
             "authenticated": authed, "authenticated_ratio": auth_ratio, "personas_off": plain,
             "personas_ratio": persona_ratio, "esp": esp, "esp_ratio": esp_ratio, "esp_cpu_ratio": esp_cpu,
             "target": TARGET,
             "target_authenticated": TARGET_AUTHENTICATED}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
