"""Shared by the ``*_instructions.py`` benchmarks: run a program under callgrind and read the
machine instructions it counted (a figure machine load does not change)."""
from __future__ import annotations

import glob
import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence


def instructions(argv: Sequence[str], env: Mapping[str, str] | None = None, thread: int | None = None) -> int:
    """The instructions callgrind counts while ``argv`` runs: the whole process's, or with
    ``thread`` (1, 2 ...) that thread's alone."""
    options = ["--separate-threads=yes"] if thread is not None else []
    with tempfile.TemporaryDirectory(prefix="callgrind-") as folder:
        out = os.path.join(folder, "callgrind.out")
        subprocess.run(["valgrind", "--tool=callgrind", *options, "--dump-instr=no",
                        f"--callgrind-out-file={out}", *argv],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env=None if env is None else dict(env))
        (dump_file,) = glob.glob(out if thread is None else f"{out}-{thread:02d}")
        with open(dump_file) as dump:
            for line in dump:
                if line.startswith(("totals:", "summary:")):
                    return int(line.split()[1])
    raise RuntimeError("callgrind wrote no totals")
