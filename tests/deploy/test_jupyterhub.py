"""A real JupyterHub with the course's deploy config: three learners, one lesson each, at once.

The hub loads deploy/jupyterhub/jupyterhub_config.py and changes only what a test
must: 127.0.0.1 on free ports, DummyAuthenticator, SimpleLocalProcessSpawner with
homes in a temporary folder (no system users), and a short idle-culler timeout.
Through the Hub's REST API it creates three users and starts their servers
concurrently; through each user's own server (kernels REST + websocket API,
behind the proxy) it runs a lesson in all three at once, then checks that each
learner's DebugServer had its own port and got only that learner's mail, that
the course was delivered without solutions, and finally that the idle-culler
stops the idle servers and every kernel process and port is gone.

configurable-http-proxy comes from npm, installed once into .cache/chp.
"""
from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from hubtools import alive, ensure_chp, free_port, hub_config, kill_tree
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "jupyterhub"
CACHE = ROOT / ".cache"
LEARNERS = ("ada", "grace", "linus")
CULL_TIMEOUT = 15  # seconds idle before the culler stops a server
HUB_START_TIMEOUT = 30


def load(path: Path, name: str):
    """Import a file that is not in a package (deploy/ and bench/ scripts)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


classroom = load(ROOT / "bench" / "classroom.py", "classroom_bench")
start_singleuser = load(DEPLOY / "start_singleuser.py", "start_singleuser")

# The lesson each learner runs in their own kernel: their own DebugServer, five messages
# sent while the other learners do the same, then the server is stopped. Prints one JSON line.
LESSON = r'''
import json, os, smtplib, time
from email.message import EmailMessage
from smtplesson import DebugServer
me = os.environ["JUPYTERHUB_USER"]
started = time.time()
with DebugServer() as server:
    address = [server.host, server.port]
    for n in range(5):
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = f"{me}@example.org", "inbox@example.net", f"{me} #{n}"
        msg.set_content(f"hello from {me}")
        with smtplib.SMTP(server.host, server.port, local_hostname=f"{me}.example.org") as smtp:
            smtp.send_message(msg)
        time.sleep(0.3)
    senders = sorted({m.mail_from for m in server.messages})
    subjects = [m.message["Subject"] for m in server.messages]
    codes = server.transcript.codes
finished = time.time()
print(json.dumps({"user": me, "address": address, "senders": senders, "subjects": subjects,
                  "codes": codes, "started": started, "finished": finished,
                  "pid": os.getpid(), "cwd": os.getcwd(), "home": os.environ["HOME"]}))
'''


# --- helpers -------------------------------------------------------------------------------
def fixture_course(folder: Path) -> Path:
    """A stand-in course (start, one lesson, a solution) for before the real notebooks exist."""
    nbs = folder / "notebooks"
    (nbs / "solutions").mkdir(parents=True)
    for rel in ("00-start-here.ipynb", "01-fixture.ipynb", "solutions/01-fixture.ipynb"):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("print('ready')")]
        nbformat.write(nb, nbs / rel)
    return folder


def course_source(tmp: Path) -> Path:
    """The real course when notebooks exist, else the fixture course."""
    return ROOT if list((ROOT / "notebooks").glob("01-*.ipynb")) else fixture_course(tmp / "course")


# after the deploy config and hubtools.hub_config's ports and files: what this test changes
TEST_CONFIG = """
import os
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{tmp}/home/{{username}}"
if os.geteuid() == 0:
    c.Spawner.args.append("--allow-root")
c.Spawner.environment.update({{"JUPYTERHUB_ACTIVITY_INTERVAL": "1"}})
c.JupyterHub.services.append({{"name": "classroom-test", "api_token": {token!r}}})
c.JupyterHub.load_roles.append({{
    "name": "classroom-test",
    "scopes": ["admin:users", "admin:servers", "access:servers"],
    "services": ["classroom-test"],
}})
"""


@dataclass
class Hub:
    url: str
    token: str
    proc: subprocess.Popen
    log: Path
    home: Path
    source: Path
    seen: set[int]

    def remember_processes(self) -> None:
        """Note every process below the hub so that teardown can make sure they are gone."""
        self.seen.update(classroom.descendants(self.proc.pid))

    def singleuser_servers(self) -> dict[int, str]:
        """{pid: command line} of the learners' running Jupyter servers."""
        found = {}
        for pid in classroom.descendants(self.proc.pid):
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if "jupyterhub-singleuser" in cmd:
                found[pid] = cmd
        return found

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    if importlib.util.find_spec("jupyterhub_idle_culler") is None:
        pytest.fail("jupyterhub-idle-culler is not installed (pip install -e '.[test]')")
    chp = ensure_chp()
    tmp = tmp_path_factory.mktemp("hub")
    source = course_source(tmp)
    token = uuid.uuid4().hex
    port = free_port()
    config = tmp / "test_config.py"
    config.write_text(hub_config(tmp, chp, port, TEST_CONFIG.format(tmp=tmp, token=token)),
                      encoding="utf-8")
    env = {
        **os.environ,
        "SMTPLESSON_ENV": sys.prefix,
        "SMTPLESSON_COURSE": str(source),
        "SMTPLESSON_CULL_TIMEOUT": str(CULL_TIMEOUT),
        "SMTPLESSON_CULL_EVERY": "2",
        "HOME": str(tmp),
    }
    env.pop("SMTPLESSON_REPO", None)
    log = tmp / "hub.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(config)],
            cwd=tmp, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    hub = Hub(f"http://127.0.0.1:{port}", token, proc, log, tmp / "home", source, set())
    try:
        wait_for_hub(hub)
        hub.remember_processes()
        yield hub
    finally:
        hub.remember_processes()
        proc.send_signal(signal.SIGTERM)  # the hub stops the servers and the proxy itself
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        time.sleep(0.5)
        kill_tree(sorted(pid for pid in hub.seen if alive(pid)))


def wait_for_hub(hub: Hub) -> None:
    """Block until the Hub API answers through the proxy."""
    import urllib.request

    deadline = time.monotonic() + HUB_START_TIMEOUT
    while time.monotonic() < deadline:
        if hub.proc.poll() is not None:
            pytest.fail(f"JupyterHub exited ({hub.proc.returncode}):\n{hub.log_tail()}")
        try:
            with urllib.request.urlopen(f"{hub.url}/hub/api/", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"JupyterHub did not answer in {HUB_START_TIMEOUT} s:\n{hub.log_tail()}")


# --- talking to the Hub and to each learner's server ----------------------------------------
async def api(hub: Hub, method: str, path: str, body: object = None) -> tuple[int, object]:
    """One authenticated request through the proxy; returns (status, parsed JSON or None)."""
    request = HTTPRequest(
        f"{hub.url}{path}", method=method,
        headers={"Authorization": f"token {hub.token}", "Content-Type": "application/json"},
        body=None if body is None and method == "GET" else json.dumps(body or {}),
        allow_nonstandard_methods=True, request_timeout=60,
    )
    resp = await AsyncHTTPClient().fetch(request, raise_error=False)
    data = json.loads(resp.body) if resp.body and resp.body[:1] in (b"{", b"[") else None
    return resp.code, data


async def start_server(hub: Hub, name: str, timeout: float = 60) -> dict:
    """Ask the Hub to start ``name``'s server; wait until it is ready."""
    code, data = await api(hub, "POST", f"/hub/api/users/{name}/server")
    assert code in (201, 202), f"starting {name}'s server: {code} {data}\n{hub.log_tail()}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _, user = await api(hub, "GET", f"/hub/api/users/{name}")
        server = (user or {}).get("servers", {}).get("", {})
        if server.get("ready"):
            return server
        await asyncio.sleep(0.3)
    raise AssertionError(f"{name}'s server not ready in {timeout} s\n{hub.log_tail()}")


async def execute(ws, code: str, timeout: float = 60) -> tuple[str, list[str]]:
    """Run ``code`` in the kernel behind ``ws``; return (stdout, error lines)."""
    msg_id = uuid.uuid4().hex
    await ws.write_message(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test",
                   "session": uuid.uuid4().hex, "version": "5.3", "date": ""},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": True,
                    "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
    }))
    out, errors, idle, replied = [], [], False, False
    deadline = time.monotonic() + timeout
    while not (idle and replied):
        raw = await asyncio.wait_for(ws.read_message(), max(0.1, deadline - time.monotonic()))
        assert raw is not None, "kernel websocket closed"
        msg = json.loads(raw)
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream" and content["name"] == "stdout":
            out.append(content["text"])
        elif kind == "error":
            errors.append(f"{content['ename']}: {content['evalue']}")
        elif kind == "status" and content["execution_state"] == "idle":
            idle = True
        elif kind == "execute_reply":
            replied = True
            if content["status"] != "ok" and not errors:
                errors.append(f"{content.get('ename')}: {content.get('evalue')}")
    return "".join(out), errors


async def run_lesson(hub: Hub, name: str) -> dict:
    """In ``name``'s own server: open the course's lesson, run it and the probe lesson."""
    base = f"/user/{name}/api"
    code, listing = await api(hub, "GET", f"{base}/contents/smtplesson/notebooks")
    assert code == 200, f"{name}: course not delivered ({code})"
    files = sorted(item["name"] for item in listing["content"])
    lessons = [f for f in files if f.startswith("01-") and f.endswith(".ipynb")]
    assert lessons, f"{name}: no 01- lesson in {files}"
    path = f"smtplesson/notebooks/{lessons[0]}"
    code, session = await api(hub, "POST", f"{base}/sessions",
                              {"path": path, "type": "notebook", "kernel": {"name": "python3"}})
    assert code == 201, f"{name}: could not start a kernel ({code} {session})"
    kernel = session["kernel"]["id"]
    ws_url = hub.url.replace("http", "ws", 1) + f"{base}/kernels/{kernel}/channels"
    ws = await websocket_connect(HTTPRequest(ws_url, headers={"Authorization": f"token {hub.token}"}))
    try:
        _, content = await api(hub, "GET", f"{base}/contents/{path}")
        nb = nbformat.from_dict(content["content"])
        for index, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
            _, errors = await execute(ws, cell.source, timeout=120)
            assert not errors, f"{name}: {path} code cell {index} failed: {errors}"
        out, errors = await execute(ws, LESSON)
        assert not errors, f"{name}: the lesson failed: {errors}"
    finally:
        ws.close()
    result = json.loads(out.strip().splitlines()[-1])
    result["files"] = files
    result["kernel_pid_ports"] = sorted(classroom.listening_ports([result["pid"]]))
    return result


async def classroom_session(hub: Hub) -> list[dict]:
    """Create the learners, start their servers together, run a lesson in each together."""
    code, _ = await api(hub, "POST", "/hub/api/users", {"usernames": list(LEARNERS)})
    assert code == 201, f"creating users: {code}"
    t0 = time.monotonic()
    servers = await asyncio.gather(*(start_server(hub, name) for name in LEARNERS))
    print(f"servers ready after {time.monotonic() - t0:.1f} s")
    hub.remember_processes()
    results = await asyncio.gather(*(run_lesson(hub, name) for name in LEARNERS))
    hub.remember_processes()
    processes = hub.singleuser_servers()
    rss = [classroom.peak_rss_kib(pid) // 1024 for pid in processes]
    print(f"learners' Jupyter servers: peak RSS {rss} MiB")
    for result, server in zip(results, servers, strict=True):
        result["server"] = server
        result["server_cmdlines"] = list(processes.values())
    return results


async def wait_until_culled(hub: Hub, timeout: float) -> dict[str, dict]:
    """Wait for the idle-culler to stop every learner's server; return their last state."""
    deadline = time.monotonic() + timeout
    users: dict[str, dict] = {}
    while time.monotonic() < deadline:
        users = {name: (await api(hub, "GET", f"/hub/api/users/{name}"))[1] for name in LEARNERS}
        if all(not u.get("servers") for u in users.values()):
            return users
        await asyncio.sleep(1)
    return users


# --- the tests -------------------------------------------------------------------------------
def test_three_learners_run_a_live_lesson_at_once_and_the_culler_cleans_up(hub: Hub) -> None:
    t0 = time.monotonic()
    results = asyncio.run(classroom_session(hub))
    print(f"lessons done after {time.monotonic() - t0:.1f} s")
    by_user = {r["user"]: r for r in results}
    assert sorted(by_user) == sorted(LEARNERS)

    for name, r in by_user.items():
        # the course was delivered into the learner's own home, without the solutions
        assert "solutions" not in r["files"], r["files"]
        assert r["home"] == str(hub.home / name)
        assert r["cwd"] == str(hub.home / name / "smtplesson" / "notebooks")
        # the learner's server got exactly the learner's own five messages
        assert r["senders"] == [f"{name}@example.org"], (name, r["senders"])
        assert r["subjects"] == [f"{name} #{n}" for n in range(5)], (name, r["subjects"])
        assert r["codes"][0] == 220 and r["codes"][-1] == 221, r["codes"]
        assert r["address"][0] == "127.0.0.1"
        assert r["address"][1] not in r["kernel_pid_ports"], "the DebugServer was not stopped"

    ports = [r["address"][1] for r in results]
    assert len(set(ports)) == len(LEARNERS), f"learners shared a port: {ports}"
    # the three lessons really ran at the same time
    assert max(r["started"] for r in results) < min(r["finished"] for r in results)
    # three different servers, three different kernels; the deploy config's server options
    assert len({r["server"]["url"] for r in results}) == len(LEARNERS)
    cmdlines = results[0]["server_cmdlines"]
    assert len(cmdlines) == len(LEARNERS), cmdlines
    assert all("--MappingKernelManager.cull_idle_timeout=1800" in cmd for cmd in cmdlines), cmdlines
    assert len({r["pid"] for r in results}) == len(LEARNERS)

    # the deploy config's idle-culler stops the idle servers, and with them the kernels
    users = asyncio.run(wait_until_culled(hub, timeout=CULL_TIMEOUT + 25))
    print(f"culled after {time.monotonic() - t0:.1f} s")
    assert all(not u.get("servers") for u in users.values()), (
        f"idle-culler did not stop the servers: {users}\n{hub.log_tail()}"
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(r["pid"]) for r in results):
        time.sleep(0.2)
    assert not [r["pid"] for r in results if alive(r["pid"])], "kernels survived their server"
    assert not classroom.listening_ports([r["pid"] for r in results])


# --- the pieces, without a hub ---------------------------------------------------------------
def test_course_copy_skips_solutions_and_never_overwrites(tmp_path: Path) -> None:
    source = fixture_course(tmp_path / "course")
    (source / "notebooks" / ".ipynb_checkpoints").mkdir()
    (source / "notebooks" / ".ipynb_checkpoints" / "00-start-here-checkpoint.ipynb").write_text("{}")
    home = tmp_path / "home" / "smtplesson"
    copied = start_singleuser.copy_course(source, home)
    assert [p.as_posix() for p in copied] == ["notebooks/00-start-here.ipynb", "notebooks/01-fixture.ipynb"]
    mine = home / "notebooks" / "01-fixture.ipynb"
    mine.write_text("my work", encoding="utf-8")
    (home / "notebooks" / "00-start-here.ipynb").unlink()  # "reset": delete, then restart
    assert [p.name for p in start_singleuser.copy_course(source, home)] == ["00-start-here.ipynb"]
    assert mine.read_text(encoding="utf-8") == "my work"
    assert not (home / "notebooks" / "solutions").exists()


def test_config_helpers() -> None:
    cfg = DEPLOY / "jupyterhub_config.py"
    text = cfg.read_text(encoding="utf-8")
    namespace: dict = {"get_config": lambda: __import__("traitlets.config").config.Config(),
                       "__file__": str(cfg)}
    exec(compile(text, str(cfg), "exec"), namespace)
    url = namespace["nbgitpuller_url"]("https://example.org/x/smtplesson.git", "main",
                                       "smtplesson/notebooks/00-start-here.ipynb")
    assert url == ("/git-pull?repo=https%3A%2F%2Fexample.org%2Fx%2Fsmtplesson.git&branch=main"
                   "&targetpath=smtplesson"
                   "&urlpath=lab%2Ftree%2Fsmtplesson%2Fnotebooks%2F00-start-here.ipynb")
    service, role = namespace["idle_culler_service"](3600, 300)
    assert "--timeout=3600" in service["command"] and role["services"] == ["idle-culler"]
    assert "delete:servers" in role["scopes"]
    c = namespace["c"]
    assert c.Spawner.default_url.startswith("/lab/tree/smtplesson/notebooks/00-")
    assert c.Spawner.cmd[1].endswith("start_singleuser.py")
    args = c.Spawner.args.get_value([])
    assert "--MappingKernelManager.cull_idle_timeout=1800" in args
