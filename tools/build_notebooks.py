"""Generate the course notebooks from their one source each, execute them and write them.

Each lesson is one MyST Markdown file, ``notebooks/src/NN-name.md``, written in solution form.
From it this script makes two notebooks:

- ``notebooks/NN-name.ipynb``, the learner's: cells tagged ``solution`` are left out, cells tagged
  ``exercise`` are kept, and in a code cell a line ``# solution`` and everything after it become
  the placeholder ``...  # your code here`` (at the marker's indentation);
  a self-check cell (``check.<exercise>(…)``) is tagged ``nbval-ignore-output`` and committed without
  its output, so a lesson never opens saying "Not yet";
- ``notebooks/solutions/NN-name.ipynb``: cells tagged ``exercise`` are left out, ``# solution``
  lines are dropped, a banner cell follows the title, and relative links and ``"data/…"`` paths
  get a ``../`` so they still work one folder down.

Both are executed in a fresh kernel whose working directory is the notebook's folder, then
written without anything that changes from run to run (timings, widget state, kernel version),
with cell ids ``NN-MM`` (MM: the cell's place in the source), so building twice changes nothing.
CONTRIBUTING.md describes the source format; `make notebooks` runs this script.
"""
from __future__ import annotations

import argparse
import copy
import re
import subprocess
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from nbconvert.preprocessors import CoalesceStreamsPreprocessor
from nbformat import NotebookNode

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SOURCES = NOTEBOOKS / "src"
SOLUTIONS = NOTEBOOKS / "solutions"

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
}
#: tags that steer the build; they do not appear in the notebooks
EXERCISE, SOLUTION = "exercise", "solution"
MARKER = re.compile(r"^([ \t]*)# solution[ \t]*$", re.MULTILINE)
PLACEHOLDER = "...  # your code here"
BANNER = ("> **Solution notebook** — the same lesson with the exercises filled in; every check passes."
          " The learner's version is [{name}](../{name}).")
#: a self-check call: in the learner's notebook it ships without output (nbval does not compare
#: it), so the learner never opens a lesson that already says "Not yet"
CHECK_CALL = re.compile(r"^check\.(?!environment\b|recall_quiz\b)\w+\(", re.MULTILINE)
UNCHECKED = "nbval-ignore-output"
#: outputs that only a live kernel can show (the widget state is not kept)
LIVE_ONLY = ("application/vnd.jupyter.widget-view+json",)

# a relative target in Markdown links/images and HTML href/src: not a URL, an anchor or a path from /
_RELATIVE = r"(?![A-Za-z][A-Za-z0-9+.-]*:|#|/)"
_MD_LINK = re.compile(r"(\]\()" + _RELATIVE)
_HTML_LINK = re.compile(r"""(\b(?:href|src)=["'])""" + _RELATIVE)
_DATA_PATH = re.compile(r"""(["'])(?=data/)""")


def sources(lessons: Iterable[str] = ()) -> list[Path]:
    """The lesson sources, all of them or those whose name starts with one of `lessons`."""
    wanted = tuple(lessons)
    found = sorted(SOURCES.glob("[0-9][0-9]-*.md"))
    chosen = [p for p in found if not wanted or p.stem.startswith(wanted)]
    if wanted and not chosen:
        raise SystemExit(f"no source in {SOURCES.relative_to(ROOT)} matches {', '.join(wanted)}")
    return chosen


def relocate(text: str, cell_type: str) -> str:
    """`text` as it must read one folder further down (in notebooks/solutions/)."""
    if cell_type == "markdown":
        return _HTML_LINK.sub(r"\1../", _MD_LINK.sub(r"\1../", text))
    return _DATA_PATH.sub(r"\1../", text)


def _tags(cell: NotebookNode) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _cell(source: NotebookNode, cell_id: str, text: str) -> NotebookNode:
    """A fresh cell of `source`'s type and kept metadata, with the given id and text."""
    metadata = {k: v for k, v in source.get("metadata", {}).items() if k != "tags"}
    tags = [t for t in _tags(source) if t not in (EXERCISE, SOLUTION)]
    if tags:
        metadata["tags"] = tags
    make = nbformat.v4.new_code_cell if source.cell_type == "code" else nbformat.v4.new_markdown_cell
    cell = make(text, metadata=metadata)
    cell.id = cell_id
    return cell


def _learner_text(text: str) -> str:
    marker = MARKER.search(text)
    if marker is None:
        return text
    return text[: marker.start()] + marker.group(1) + PLACEHOLDER


def _solution_text(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if not MARKER.fullmatch(line))


def _notebook(cells: list[NotebookNode]) -> NotebookNode:
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)}
    return nb


def generate(path: Path) -> dict[Path, NotebookNode]:
    """The learner and solution notebooks of the source `path`, not executed."""
    source = jupytext.read(path, fmt="md:myst")
    number = path.stem[:2]
    learner, solution = [], []
    for index, cell in enumerate(source.cells):
        cell_id, tags = f"{number}-{index:02d}", _tags(cell)
        if SOLUTION not in tags:
            mine = _cell(cell, cell_id, _learner_text(cell.source))
            if cell.cell_type == "code" and CHECK_CALL.search(cell.source):
                mine.metadata["tags"] = [*mine.metadata.get("tags", []), UNCHECKED]
            learner.append(mine)
        if EXERCISE not in tags:
            text = relocate(_solution_text(cell.source), cell.cell_type)
            solution.append(_cell(cell, cell_id, text))
            if index == 0:
                banner = nbformat.v4.new_markdown_cell(BANNER.format(name=f"{path.stem}.ipynb"))
                banner.id = f"{number}-banner"
                solution.append(banner)
    return {NOTEBOOKS / f"{path.stem}.ipynb": _notebook(learner),
            SOLUTIONS / f"{path.stem}.ipynb": _notebook(solution)}


def execute(nb: NotebookNode, folder: Path, attempts: int = 3) -> NotebookNode:
    """Run `nb` in a fresh kernel started in `folder`, then drop what changes from run to run.

    A kernel that fails to start or dies (a busy machine, a port taken by another kernel in the
    meantime) is given `attempts` tries in all; an error in a cell fails at once.
    """
    for attempt in range(1, attempts + 1):
        run = copy.deepcopy(nb)
        client = NotebookClient(run, timeout=600, startup_timeout=300, kernel_name=KERNELSPEC["name"],
                                record_timing=False, resources={"metadata": {"path": str(folder)}})
        try:
            # the kernel process's own log (a warning about loopback TCP); cell output is captured apart
            client.execute(stderr=subprocess.DEVNULL)
            break
        except RuntimeError as exc:  # DeadKernelError, or the kernel never answered
            if attempt == attempts:
                raise
            print(f"{folder.name}: the kernel failed ({exc}); trying again", file=sys.stderr)
    # a kernel flushes stdout in chunks that vary from run to run: one output per stream
    run, _ = CoalesceStreamsPreprocessor().preprocess(run, {})
    for cell, source in zip(run.cells, nb.cells, strict=True):
        cell.metadata = source.metadata
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if len(data) > 1:
                for mime in LIVE_ONLY:
                    data.pop(mime, None)
    run.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)}
    return run


def dumps(nb: NotebookNode) -> str:
    """The notebook's JSON exactly as committed (nbformat's sorted, indented form)."""
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def build(path: Path) -> tuple[str, float]:
    """Generate, execute and write both notebooks of one source; (name, seconds)."""
    start = time.perf_counter()
    for target, nb in generate(path).items():
        done = execute(nb, target.parent)
        if target.parent == NOTEBOOKS:  # the learner's: self-checks wait for the learner's answer
            for cell in done.cells:
                if UNCHECKED in cell.metadata.get("tags", []) and CHECK_CALL.search(cell.source):
                    cell.outputs = []
        target.write_text(dumps(done), encoding="utf-8")
    return path.stem, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", help="lesson numbers or names (default: every lesson)")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="notebooks built at once (default 2)")
    args = parser.parse_args(argv)
    chosen = sources(args.lessons)
    SOLUTIONS.mkdir(exist_ok=True)
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for name, seconds in pool.map(build, chosen):
            print(f"{name}: {seconds:.1f} s")
    print(f"{len(chosen)} lesson(s), {2 * len(chosen)} notebooks in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
