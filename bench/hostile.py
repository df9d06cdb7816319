"""What a hostile message costs a receiving MX: many DKIM signatures on a large body.

    .venv/bin/python bench/hostile.py [--signatures 200] [--size 1000000] [--repeat 3]

Times, side by side in one run, the MX's DKIM check of one message carrying ``--signatures``
signatures over a ``--size``-byte body: every signature verified (what the MX did before the
limit) and the first ``MAX_SIGNATURES`` only (OpenDKIM's default, what it does now); and how
long another client waits for its greeting while that message is being verified on the MX.
Prints medians.
"""
from __future__ import annotations

import argparse
import smtplib
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from smtplesson.relay import authentication as auth
from smtplesson.relay.zone import Zone
from smtplesson.server import DebugServer


def hostile(signatures: int, size: int) -> tuple[Zone, bytes]:
    zone = Zone()
    keys = {k.selector: k for k in auth.signing_keys() if k.algorithm == "rsa-sha256"}
    key = next(iter(keys.values()))
    key.publish(zone)
    body = (b"x" * 76 + b"\r\n") * (size // 78)
    message = b"From: alice@example.com\r\nTo: bob@example.net\r\nSubject: big\r\n\r\n" + body
    signed = auth.dkim_sign(message, key)
    sig = signed[: len(signed) - len(message)]
    return zone, sig * signatures + message


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--signatures", type=int, default=200)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    zone, message = hostile(args.signatures, args.size)
    every, capped, waits = [], [], []
    for _ in range(args.repeat):
        t = time.perf_counter()
        auth.check_dkim(zone, message, limit=args.signatures)
        every.append(time.perf_counter() - t)
        t = time.perf_counter()
        auth.check_dkim(zone, message)
        capped.append(time.perf_counter() - t)
        waits.append(greeting_wait(zone, message))
    e, c = statistics.median(every), statistics.median(capped)
    print(f"{args.signatures} signatures, {len(message) / 1e6:.1f} MB, medians of {args.repeat}")
    print(f"DKIM check, every signature: {e:.2f} s")
    print(f"DKIM check, first {auth.MAX_SIGNATURES}:      {c:.2f} s  (ratio {e / c:.0f}x)")
    print(f"longest wait for another client's greeting meanwhile: {statistics.median(waits) * 1000:.0f} ms")


def greeting_wait(zone: Zone, message: bytes) -> float:
    """The longest another client waits for its greeting while the MX takes ``message``."""
    from smtplesson.relay.requirements import SenderRequirements

    zone.set_address("relay.example.com", "127.0.0.10")
    with DebugServer(SenderRequirements(zone, require_tls=False), host="127.0.0.21") as s:
        def hostile_client() -> None:
            with smtplib.SMTP(s.host, s.port, local_hostname="relay.example.com",
                              source_address=("127.0.0.10", 0)) as c:
                try:
                    c.sendmail("alice@example.com", ["bob@example.net"], message)
                except smtplib.SMTPException:
                    pass

        worker = threading.Thread(target=hostile_client)
        worker.start()
        waits = [0.0]
        while worker.is_alive():  # greet other clients until the hostile message is answered
            t = time.perf_counter()
            with smtplib.SMTP(s.host, s.port, local_hostname="other.example", timeout=60) as other:
                other.noop()
            waits.append(time.perf_counter() - t)
        worker.join()
    wait = max(waits)
    return wait


if __name__ == "__main__":
    main()
