"""The two sides of the two-user tests (tests/deploy/test_isolation.py), run as a subprocess:

    python peer_roles.py serve UID [NOFILE]   # start a DebugServer and a MailNetwork as UID
    python peer_roles.py attack UID           # as UID, try every address read from stdin

Each starts as root, does its whole part once as root (so every module is imported while
the interpreter's files are readable: the venv lives under /root), then drops to UID and
does it for real.  Everything is loopback; the servers stop when stdin closes.
"""
from __future__ import annotations

import json
import os
import resource
import smtplib
import socket
import sys

from smtplesson import DebugServer, MailNetwork

CLIENT = "learner.example.org"


def rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def drop_to(uid: int) -> None:
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def own_send(server: DebugServer) -> int:
    """The owner's own lesson cell: one message; the code of the reply to it."""
    with smtplib.SMTP(*server.address, local_hostname=CLIENT, timeout=30) as client:
        client.ehlo()
        client.mail("me@example.org")
        client.rcpt("inbox@example.net")
        return client.data(b"Subject: mine\r\n\r\nhi")[0]


def serve(uid: int, nofile: int | None) -> None:
    for rehearsal in (True, False):
        if not rehearsal:
            drop_to(uid)
            if nofile:
                hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, hard))
        server = DebugServer().start()
        net = MailNetwork()
        if rehearsal:
            own_send(server)
            net.send("alice@example.com", "bob@example.net", "Subject: rehearsal\r\n\r\nhi", auth=True)
            net.close()
            server.stop()
    ports = {"debug": server.port, "mx": net.host("mx1.example.net").port,
             "msa": net.host("smtp.example.com").port}
    print(json.dumps({"ports": ports, "uid": os.getuid(), "rss_kib": rss_kib()}), flush=True)
    for line in sys.stdin:  # one command a line: "state" or "quit"
        if line.strip() == "quit":
            break
        mine = own_send(server)
        fate = net.send("alice@example.com", "bob@example.net", "Subject: own\r\n\r\nhi", auth=True).fates()
        mx, msa = net.server("mx1.example.net"), net.server("smtp.example.com")
        print(json.dumps({
            "own_reply": mine, "own_fate": fate,
            "debug": {"messages": [m.mail_from for m in server.messages],
                      "sessions": len(server.transcripts), "refused": server.refused,
                      "errors": len(server.errors), "error_count": server.error_count},
            "mx": {"messages": [m.mail_from for m in mx.messages], "refused": mx.refused},
            "msa": {"messages": [m.mail_from for m in msa.messages], "refused": msa.refused},
            "bob": len(net.mailbox("bob@example.net")),
            "rss_kib": rss_kib(),
        }), flush=True)
    net.close()
    server.stop()


def try_one(port: int) -> dict:
    """Connect as an SMTP client would and try to hand over a message."""
    try:
        client = smtplib.SMTP("127.0.0.1", port, local_hostname=CLIENT, timeout=30)
    except smtplib.SMTPConnectError as refusal:
        return {"greeting": refusal.smtp_code, "text": refusal.smtp_error.decode()}
    with client:
        code, _ = client.ehlo()
        try:
            client.login("alice@example.com", "wonderland")
        except smtplib.SMTPException as error:
            login = str(error)
        else:
            login = "accepted"
        try:
            client.sendmail("intruder@example.org", ["bob@example.net"], "Subject: planted\r\n\r\nx")
            sent = "accepted"
        except smtplib.SMTPException as error:
            sent = str(error)
        return {"greeting": 220, "ehlo": code, "login": login, "sent": sent}


def hold(port: int, count: int) -> dict:
    """Open ``count`` connections and keep them; what each heard first."""
    held, heard = [], {}
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        held.append(sock)
        try:
            first = sock.recv(4096)[:3].decode() or "closed"
        except OSError:
            first = "reset"
        heard[first] = heard.get(first, 0) + 1
    return {"held": len(held), "heard": heard, "sockets": held}


def attack(uid: int) -> None:
    for rehearsal in (True, False):
        if not rehearsal:
            drop_to(uid)
        with DebugServer() as mine:  # rehearse the client side on a server of its own
            try_one(mine.port)
            for sock in hold(mine.port, 2)["sockets"]:
                sock.close()
    print(json.dumps({"uid": os.getuid()}), flush=True)
    for line in sys.stdin:  # {"try": [ports]} or {"hold": port, "count": n} or "release"
        order = json.loads(line)
        if "try" in order:
            print(json.dumps({str(p): try_one(p) for p in order["try"]}), flush=True)
        elif "hold" in order:
            result = hold(order["hold"], order["count"])
            sockets = result.pop("sockets")
            print(json.dumps(result), flush=True)
            sys.stdin.readline()  # held until told to let go
            for sock in sockets:
                sock.close()
            print(json.dumps({"released": len(sockets)}), flush=True)


if __name__ == "__main__":
    role, who = sys.argv[1], int(sys.argv[2])
    if role == "serve":
        serve(who, int(sys.argv[3]) if len(sys.argv) > 3 else None)
    else:
        attack(who)
