"""Real Haraka bounces for the bounce corpus (issue 19 item 6).

Run (Node.js and npm needed):  python tools/mining/haraka_bounces.py STAGE [--haraka DIR]

``DIR`` holds ``npm install Haraka@3`` (default: a temporary directory, installed here and removed
afterwards).  Haraka 3 runs an instance made by ``haraka -i``, listening on 127.0.0.1, with the
``relay`` plugin letting 127.0.0.1 relay and a small plugin written here: ``get_mx`` routes each
case of ``mta_bounces.CASES`` to its own ``DebugServer`` on 127.0.0.1 (one chosen reply) and the
sender's domain to one that accepts the bounces; ``lookup_rdns`` names the client, so that no
DNS is asked.  Temporary failures are retried twice, 5 s apart (``outbound.ini
temp_fail_intervals``, its least), then bounced.  Each bounce is saved unedited as
``STAGE/haraka/<case>.haraka-<n>.eml`` with ``PROVENANCE.json``.  Nothing leaves the machine.
"""
from __future__ import annotations

import argparse
import json
import shutil
import smtplib
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mta_bounces as mtab

from smtplesson import DebugServer

HOST = mtab.HOST
SENDER = mtab.SENDER
#: routes every domain to its server on 127.0.0.1, and names the client itself (Haraka's core would
#: otherwise ask DNS for the reverse name of 127.0.0.1: no DNS is asked here)
ROUTE_PLUGIN = """\
const routes = require('./routes.json')
exports.register = function () {
    this.register_hook('get_mx', 'route')
    this.register_hook('lookup_rdns', 'rdns')
}
exports.route = function (next, hmail, domain) { next(OK, { exchange: '127.0.0.1', port: routes[domain] }) }
exports.rdns = function (next, connection) { next(OK, 'localhost') }
"""


def configure(haraka: Path, cfg: Path, port: int, routes: dict[str, int]) -> None:
    """An instance made by ``haraka -i`` (Haraka's default configuration), then these settings."""
    subprocess.run(["node", str(haraka / "bin" / "haraka"), "-i", str(cfg)], check=True, capture_output=True)
    (cfg / "plugins").mkdir(parents=True, exist_ok=True)
    # the bounce templates Haraka ships (config/outbound.bounce_message*): an instance made by -i
    # lacks them, and Haraka 3.3.4 then writes an empty bounce without From, To or Subject
    for template in (haraka / "config").glob("outbound.bounce_message*"):
        shutil.copy(template, cfg / "config" / template.name)
    (cfg / "plugins" / "route.js").write_text(ROUTE_PLUGIN)
    (cfg / "plugins" / "routes.json").write_text(json.dumps(routes))
    files = {"smtp.ini": f"listen=127.0.0.1:{port}\nnodes=0\n", "me": HOST, "host_list": "",
             "plugins": "relay\nroute\n", "relay.ini": "[relay]\nacl=true\n",
             "relay_acl_allow": "127.0.0.1/32\n",
             "outbound.ini": "enable_tls=false\ntemp_fail_intervals=5s*2\n",
             "log.ini": "[main]\nlevel=warn\n"}
    for name, text in files.items():
        (cfg / "config" / name).write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", type=Path)
    parser.add_argument("--haraka", type=Path, default=None, help="where Haraka is installed")
    parser.add_argument("--wait", type=float, default=60.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="haraka-"))
    home = args.haraka or work
    if args.haraka is None:
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "Haraka@3"], cwd=home, check=True,
                       capture_output=True)
    haraka = home / "node_modules" / "Haraka"
    version = json.loads((haraka / "package.json").read_text())["version"]
    cases = {case: spec for case, spec in mtab.CASES.items() if spec[0]}
    servers = {case: mtab.case_server(case, point, reply) for case, (point, reply, _) in cases.items()}
    catch = DebugServer(hostname=f"mx.{HOST}", domains=(HOST,), peers="anyone").start()
    routes = {mtab.domain_of(case): server.port for case, server in servers.items()}
    routes[HOST] = catch.port
    port = mtab.closed_port()
    configure(haraka, work / "cfg", port, routes)
    daemon = subprocess.Popen(["node", str(haraka / "bin" / "haraka"), "-c", str(work / "cfg")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        mtab.wait_for(port, 30)
        for case, (_, _, users) in cases.items():
            recipients = [f"{user}@{mtab.domain_of(case)}" for user in users]
            with smtplib.SMTP("127.0.0.1", port, local_hostname=HOST, timeout=20) as client:
                try:
                    client.sendmail(SENDER, recipients,
                                    mtab.message(case, "haraka", recipients).replace(b"\n", b"\r\n"))
                except smtplib.SMTPException as exc:
                    print(f"{case}: refused at submission: {exc}", file=sys.stderr)
        mtab.until(lambda: all(any(f"<{c}.haraka@".encode() in m.raw for m in catch.messages)
                               for c in cases), args.wait)
    finally:
        daemon.terminate()
        daemon.wait()
        for server in (*servers.values(), catch):
            server.stop()
        shutil.rmtree(work, ignore_errors=True)
    mtab.save(args.stage / "haraka", "haraka", [stored.raw for stored in catch.messages],
              mtab.described(cases), "Haraka (npm)", version)
    return 0


if __name__ == "__main__":
    sys.exit(main())
