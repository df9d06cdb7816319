"""A neighbour holds 1,000 connections to a learner's debug server (review 3, tests 6d and 6g).

The owner (uid 20001) runs a DebugServer with 256 descriptors, as a crowded kernel would; the
neighbour (uid 20002) opens 1,000 connections to it and holds them for ``--hold`` seconds.
Every second the owner sends one message of its own and its RSS is read from /proc.  Prints
the owner's RSS before, at the peak and after, its own sends that got 250, and ``errors``.
``--tree DIR`` runs the same against another checkout (``--tree /work/main`` for before/after).
Needs root (it switches users; no account is created).

    sudo python bench/neighbour.py --hold 30
    sudo python bench/neighbour.py --hold 30 --tree ../main
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

OWNER = textwrap.dedent("""
    import json, os, resource, smtplib, sys, time
    from smtplesson import DebugServer
    server = DebugServer().start()
    with smtplib.SMTP(*server.address, local_hostname="me.example.org") as c:
        c.noop()
    os.setgroups([]); os.setgid({uid}); os.setuid({uid})
    server.stop(); server = DebugServer().start()
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    print(server.port, flush=True)
    for line in sys.stdin:
        try:
            with smtplib.SMTP(*server.address, local_hostname="me.example.org", timeout=10) as c:
                code = c.sendmail("me@example.org", ["me@example.net"], "Subject: own\\r\\n\\r\\nx") == {{}}
        except Exception as error:
            code = repr(error)[:120]
        print(json.dumps({{"ok": code, "errors": len(server.errors),
                          "refused": getattr(server, "refused", None)}}), flush=True)
""")

NEIGHBOUR = textwrap.dedent("""
    import encodings.idna, os, socket, sys  # every import before the switch: /root is closed to uid 20002
    os.setgroups([]); os.setgid({uid}); os.setuid({uid})
    held = []
    for _ in range(1000):
        try:
            held.append(socket.create_connection(("127.0.0.1", {port}), timeout=0.5))
        except OSError:
            pass
    print(len(held), flush=True)
    sys.stdin.readline()
""")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hold", type=float, default=30.0, help="seconds the connections are held")
    parser.add_argument("--tree", type=Path, default=Path(__file__).resolve().parents[1],
                        help="the checkout whose smtplesson runs (default: this one)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root: the owner and the neighbour run as two users")
    env = {**os.environ, "PYTHONPATH": str(args.tree.resolve())}
    owner = subprocess.Popen([sys.executable, "-c", OWNER.format(uid=20001)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, env=env, cwd="/")
    port = int(owner.stdout.readline())

    def own_send() -> dict:
        owner.stdin.write("send\n")
        owner.stdin.flush()
        return json.loads(owner.stdout.readline())

    own_send()
    before = rss_mib(owner.pid)
    neighbour = subprocess.Popen([sys.executable, "-c", NEIGHBOUR.format(uid=20002, port=port)],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd="/")
    held = int(neighbour.stdout.readline())
    peak, sends, started = max(before, rss_mib(owner.pid)), [], time.monotonic()
    while time.monotonic() - started < args.hold:
        sends.append(own_send())
        peak = max(peak, rss_mib(owner.pid))
        time.sleep(1.0)
    neighbour.communicate("go\n")
    after_release = own_send()
    after = rss_mib(owner.pid)
    owner.communicate("")
    print(f"tree {args.tree}: neighbour held {held} connections for {args.hold:g} s")
    print(f"owner RSS before {before:.1f} MiB, peak {peak:.1f} MiB (+{peak - before:.1f}), "
          f"after release {after:.1f} MiB")
    print(f"owner's own sends answered 250 while held: {sum(s['ok'] is True for s in sends)}/{len(sends)}; "
          f"after release: {after_release['ok']}")
    for failed in {s["ok"] for s in sends if s["ok"] is not True}:
        print("  failed:", failed)
    print(f"server.errors kept: {after_release['errors']}; refused: {after_release['refused']}")


if __name__ == "__main__":
    main()
