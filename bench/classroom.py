"""Classroom load test: N learners run the whole course at once on this machine.

Each learner is a worker process of their own (as each learner has their
own Jupyter server on a hub) that runs the course notebook by notebook, each
in a fresh kernel (as when a learner opens the notebooks one after another
in JupyterLab), with their own HOME. All learners start together. For every
learner it reports pass/fail, wall time, peak memory (the largest VmHWM --
resident-set high-water mark -- of their kernels) and the ports their
kernels still listened on when each notebook had finished, besides the
kernel's own ZeroMQ ports (must be zero: every lesson stops the servers it
started). After the class it checks that no process it
started is left and that none of its processes listens on any port (must be zero).

    python bench/classroom.py --learners 30
    python bench/classroom.py --find-max --cap 60
    python bench/classroom.py --learners 3 --fixture      # a small DebugServer notebook
    python bench/classroom.py --learners 30 --json out.json

The course is every notebook in notebooks/ in name order; solutions
(notebooks/solutions/) are not part of it. When notebooks/ holds no notebook
yet, the fixture notebook is used.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
LISTEN = "0A"  # TCP state code for LISTEN in /proc/net/tcp

FIXTURE_CELLS = [
    "import os, smtplib\nfrom email.message import EmailMessage\nfrom smtplesson import DebugServer\n"
    "server = DebugServer()\nserver.start()\nme = f'learner-{os.getpid()}'",
    "for n in range(5):\n    msg = EmailMessage()\n    msg['From'] = f'{me}@example.org'\n"
    "    msg['To'] = 'inbox@example.net'\n    msg['Subject'] = f'{me} #{n}'\n"
    "    msg.set_content('hello')\n"
    "    with smtplib.SMTP(server.host, server.port, local_hostname='learner.example.org') as c:\n"
    "        c.send_message(msg)",
    "subjects = [m.message['Subject'] for m in server.messages]\n"
    "assert subjects == [f'{me} #{n}' for n in range(5)], subjects\n"
    "assert server.transcript.codes[-1] == 221, server.transcript.codes",
    "server.stop()",
]


# --- /proc helpers (Linux) ------------------------------------------------------------------
def children_map() -> dict[int, list[int]]:
    """{parent pid: [child pids]} for every process on the machine."""
    out: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        out.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return out


def descendants(pid: int) -> list[int]:
    """All processes below ``pid`` (children, grandchildren, ...)."""
    tree, found, stack = children_map(), [], [pid]
    while stack:
        for child in tree.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def socket_inodes(pid: int) -> set[int]:
    """Inodes of the sockets that process ``pid`` holds open."""
    inodes = set()
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return inodes
    for fd in fds:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def listen_sockets() -> dict[int, int]:
    """{inode: port} of every TCP LISTEN socket on the machine (IPv4 and IPv6)."""
    out = {}
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(name).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if cols[3] == LISTEN:
                out[int(cols[9])] = int(cols[1].rsplit(":", 1)[1], 16)
    return out


def listening_ports(pids: list[int]) -> set[int]:
    """TCP ports on which any of ``pids`` listens."""
    sockets = listen_sockets()
    return {sockets[i] for pid in pids for i in socket_inodes(pid) if i in sockets}


def peak_rss_kib(pid: int) -> int:
    """Resident-set high-water mark (VmHWM) of ``pid`` in KiB; 0 when unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


# --- the course -------------------------------------------------------------------------------
def course_notebooks(folder: Path = NOTEBOOKS) -> list[Path]:
    """The course notebooks in order: top-level notebooks/*.ipynb (solutions live below)."""
    return sorted(p for p in folder.glob("*.ipynb") if "solution" not in p.name.lower())


def write_fixture(folder: Path) -> list[Path]:
    """Write the fixture notebook into ``folder`` and return it as the course."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in FIXTURE_CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "01-fixture.ipynb"
    nbformat.write(nb, path)
    return [path]


# --- one learner ------------------------------------------------------------------------------
@dataclass
class LearnerResult:
    learner: int
    passed: bool = False
    error: str = ""
    wall_s: float = 0.0
    peak_rss_mib: float = 0.0
    leaked_ports: list[int] = field(default_factory=list)
    notebooks: int = 0  # notebooks that ran without error
    kernel_restarts: int = 0  # kernels started again after dying at start (port race)
    kernel_log: str = ""


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def first_line(err: BaseException) -> str:
    """A short, one-line description of a failure (the last line of its message)."""
    lines = [line for line in ANSI.sub("", str(err)).splitlines() if line.strip()]
    name = type(err).__name__
    return f"{name}: {lines[-1].strip()[:200]}" if lines else name


@dataclass
class NotebookRun:
    peak_kib: int = 0
    leaked: set[int] = field(default_factory=set)
    error: str = ""
    kernel_restarts: int = 0


KERNEL_START_ATTEMPTS = 3


async def start_kernel(path: Path, home: Path, run: NotebookRun):
    """Start a kernel for ``path`` and wait until it answers; return (manager, client).

    jupyter_client picks the kernel's ports by binding and releasing them; when
    another process (here: a learner's DebugServer) takes one of them before the
    kernel binds it, the kernel dies at start. JupyterLab's kernel restarter then
    starts it again on new ports (random_ports_until_alive); so does this.
    """
    import zmq
    from jupyter_client.manager import AsyncKernelManager

    env = {**os.environ, "HOME": str(home), "MPLBACKEND": "agg"}
    for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
        km = AsyncKernelManager(kernel_name="python3")
        with open(home / "kernels.log", "ab") as log:  # kernel stderr, for failures
            await km.start_kernel(
                cwd=str(path.parent), env=env, stderr=log,
                extra_arguments=["--HistoryManager.hist_file=:memory:"],
            )
        kc = km.client()
        kc.start_channels()
        kc.shell_channel.socket.setsockopt(zmq.SNDTIMEO, 10_000)  # a send never blocks for ever
        try:
            await kc.wait_for_ready(timeout=120)
            return km, kc
        except (RuntimeError, zmq.Again):
            kc.stop_channels()
            await km.shutdown_kernel(now=True)
            if attempt == KERNEL_START_ATTEMPTS:
                raise
            run.kernel_restarts += 1


async def run_notebook(path: Path, home: Path, timeout: int) -> NotebookRun:
    """Run one notebook in a fresh kernel, as one learner; never raises."""
    import nbformat
    from nbclient import NotebookClient

    run = NotebookRun()
    km = kc = None
    try:
        nb = nbformat.read(path, as_version=4)
        km, kc = await start_kernel(path, home, run)
        pid = km.provisioner.pid
        own = listening_ports([pid])  # the kernel's own ZeroMQ sockets, before any cell ran
        client = NotebookClient(nb, km=km, timeout=timeout,
                                resources={"metadata": {"path": str(path.parent)}})
        client.kc = kc
        try:
            await client.async_execute()
        except Exception as err:  # a failing cell: still measure below
            run.error = f"{path.name}: {first_line(err)}"
        run.leaked = listening_ports([pid, *descendants(pid)]) - own
        run.peak_kib = peak_rss_kib(pid)
    except Exception as err:  # the kernel did not start, or died
        run.error = run.error or f"{path.name}: {first_line(err)}"
    finally:
        if kc is not None:
            kc.stop_channels()
        if km is not None and km.has_kernel:
            await km.shutdown_kernel(now=False)
    return run


async def run_learner(n: int, course: list[Path], base: Path, timeout: int,
                      delay: float = 0.0) -> LearnerResult:
    """Run the whole course for learner ``n`` (after ``delay`` s); never raises."""
    await asyncio.sleep(delay)
    result = LearnerResult(learner=n)
    home = base / f"learner{n:02d}"
    home.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    peak, leaked, errors = 0, set(), []
    for path in course:  # like a learner, go on to the next notebook after a failure
        run = await run_notebook(path, home, timeout)
        peak = max(peak, run.peak_kib)
        result.kernel_restarts += run.kernel_restarts
        if run.error:  # it stopped before its clean-up cell: its open ports say nothing
            errors.append(run.error)
            continue
        leaked |= run.leaked
        result.notebooks += 1
    if leaked:
        errors.append(f"ports still listening after the lessons: {sorted(leaked)}")
    if errors:
        result.error = " | ".join(errors)
        log = home / "kernels.log"
        result.kernel_log = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    result.passed = not result.error
    result.wall_s = round(time.monotonic() - start, 2)
    result.peak_rss_mib = round(peak / 1024, 1)
    result.leaked_ports = sorted(leaked)
    return result


# --- the class --------------------------------------------------------------------------------
@dataclass
class ClassResult:
    learners: int
    passed: int
    wall_s: float
    notebooks: list[str]
    ports_after: list[int]
    processes_after: int
    results: list[LearnerResult]

    @property
    def ok(self) -> bool:
        return self.passed == self.learners and not self.ports_after and not self.processes_after


def own_tree() -> list[int]:
    """This process and everything it started (kernels, their servers)."""
    return [os.getpid(), *descendants(os.getpid())]


async def run_worker(n: int, course: list[Path], base: Path, args: argparse.Namespace,
                     delay: float) -> LearnerResult:
    """Run learner ``n`` in a worker process of its own, killed after --learner-timeout.

    One process per learner, like one Jupyter server per learner on a hub: a learner
    whose kernel client hangs cannot stall the others, and is reported as failed.
    """
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(n),
           "--base", str(base), "--timeout", str(args.timeout), "--delay", str(delay),
           "--notebooks", *map(str, course)]
    proc = await asyncio.create_subprocess_exec(
        *cmd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), args.learner_timeout)
        return LearnerResult(**json.loads(out.decode().strip().splitlines()[-1]))
    except TimeoutError:
        stuck = [proc.pid, *descendants(proc.pid)]
        for pid in stuck:
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
        await proc.wait()
        return LearnerResult(learner=n, error=f"no result in {args.learner_timeout} s (hung)")
    except (ValueError, IndexError, TypeError) as err:
        return LearnerResult(learner=n, error=f"worker gave no result: {first_line(err)}")


async def run_class(learners: int, course: list[Path], args: argparse.Namespace) -> ClassResult:
    """All ``learners`` run ``course`` at the same time (or spread over --stagger s)."""
    base = Path(tempfile.mkdtemp(prefix="classroom-"))
    already = set(own_tree())  # processes that were here before the class (e.g. a test's server)
    start = time.monotonic()
    try:
        results = await asyncio.gather(
            *(run_worker(n, course, base, args, args.stagger * (n - 1) / learners)
              for n in range(1, learners + 1))
        )
    finally:
        shutil.rmtree(base, ignore_errors=True)
    wall = round(time.monotonic() - start, 2)
    left: list[int] = []
    for _ in range(20):  # kernels exit a moment after their shutdown reply
        left = [pid for pid in own_tree() if pid not in already]
        if not left:
            break
        await asyncio.sleep(0.25)
    return ClassResult(
        learners=learners, passed=sum(r.passed for r in results), wall_s=wall,
        notebooks=[p.name for p in course], ports_after=sorted(listening_ports(left)),
        processes_after=len(left), results=list(results),
    )


def report(res: ClassResult) -> str:
    """A readable table of one class run."""
    rows = [f"{'learner':>7}  {'result':<6}  {'wall s':>7}  {'peak MiB':>8}  ports  restarts  error"]
    for r in res.results:
        rows.append(
            f"{r.learner:>7}  {'pass' if r.passed else 'FAIL':<6}  {r.wall_s:>7.1f}  "
            f"{r.peak_rss_mib:>8.1f}  {len(r.leaked_ports):>5}  {r.kernel_restarts:>8}  {r.error}"
        )
    mem = [r.peak_rss_mib for r in res.results if r.peak_rss_mib]
    rows.append(
        f"\n{res.passed}/{res.learners} learners passed; {len(res.notebooks)} notebooks in the course; "
        f"wall time {res.wall_s:.1f} s"
    )
    if mem:
        rows.append(
            f"peak kernel memory per learner: max {max(mem):.1f} MiB, "
            f"mean {sum(mem) / len(mem):.1f} MiB"
        )
    rows.append(
        f"ports left listening by lessons (kernel's own ZeroMQ ports excluded): "
        f"{sum(len(r.leaked_ports) for r in res.results)}; after all kernels stopped: "
        f"{len(res.ports_after)} ports in use, {res.processes_after} processes left"
    )
    restarts = sum(r.kernel_restarts for r in res.results)
    rows.append(f"kernels started again after dying at start (port race, as JupyterLab does): {restarts}")
    rows.append("RESULT: " + ("PASS" if res.ok else "FAIL"))
    return "\n".join(rows)


def find_max(course: list[Path], args: argparse.Namespace) -> tuple[int, list[ClassResult]]:
    """Raise N from --start by --step until a run fails or N passes --cap."""
    best, runs, n = 0, [], args.start
    while n <= args.cap:
        res = asyncio.run(run_class(n, course, args))
        runs.append(res)
        print(report(res), flush=True)
        print("-" * 72, flush=True)
        if not res.ok:
            break
        best, n = n, n + args.step
    return best, runs


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=30, help="learners at once (default 30)")
    parser.add_argument("--find-max", action="store_true", help="raise N until a run fails or --cap")
    parser.add_argument("--start", type=int, default=10, help="first N for --find-max")
    parser.add_argument("--step", type=int, default=10, help="step for --find-max")
    parser.add_argument("--cap", type=int, default=60, help="largest N to try with --find-max")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    parser.add_argument("--stagger", type=float, default=0.0,
                        help="spread the learners' starts over this many seconds (default 0: all at once)")
    parser.add_argument("--fixture", action="store_true", help="run the small fixture notebook")
    parser.add_argument("--notebooks", type=Path, nargs="+", default=[NOTEBOOKS],
                        help="course folder, or the notebooks themselves in order")
    parser.add_argument("--learner-timeout", type=int, default=1200,
                        help="seconds before a learner that gives no result counts as hung")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)  # one learner, internal
    parser.add_argument("--base", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--delay", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    return parser.parse_args(argv)


def worker_main(args: argparse.Namespace) -> int:
    """Internal: run one learner and print their result as one JSON line."""
    result = asyncio.run(run_learner(args.worker, args.notebooks, args.base, args.timeout, args.delay))
    print(json.dumps(asdict(result)), flush=True)
    return 0


def select_course(args: argparse.Namespace, tmp: Path) -> list[Path]:
    """The notebooks to run: given files, a folder's course, or the fixture."""
    if args.fixture:
        return write_fixture(tmp)
    if all(p.suffix == ".ipynb" for p in args.notebooks):
        return list(args.notebooks)
    course = course_notebooks(args.notebooks[0])
    if not course:
        print("(no notebooks: using the fixture notebook)", flush=True)
        course = write_fixture(tmp)
    return course


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.worker is not None:
        return worker_main(args)
    with tempfile.TemporaryDirectory(prefix="classroom-fixture-") as tmp:
        course = select_course(args, Path(tmp))
        print(f"course: {', '.join(p.name for p in course)}", flush=True)
        if args.find_max:
            best, runs = find_max(course, args)
            print(f"largest N that passed: {best} (cap {args.cap})")
            ok = best > 0
        else:
            runs = [asyncio.run(run_class(args.learners, course, args))]
            print(report(runs[0]))
            ok = runs[0].ok
    if args.json:
        data = [{**asdict(r), "ok": r.ok} for r in runs]
        args.json.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
