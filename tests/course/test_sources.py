"""The notebooks are generated: each one is exactly what its source in notebooks/src/ makes.

The cells (type, id, source, metadata) and the notebook metadata are compared here without
executing anything; the outputs are checked by nbval strict in test_course.py.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _build_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_notebooks", ROOT / "tools" / "build_notebooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


build = _build_module()
SOURCES = build.sources()
TARGETS = [(source, target) for source in SOURCES for target in build.generate(source)]


def _id(pair: tuple[Path, Path]) -> str:
    return str(pair[1].relative_to(build.NOTEBOOKS).with_suffix(""))


def _cells(nb: nbformat.NotebookNode) -> list[tuple[str, str, str, dict[str, object]]]:
    return [(c.get("id", ""), c.cell_type, c.source, dict(c.metadata)) for c in nb.cells]


def test_every_lesson_has_a_source() -> None:
    assert SOURCES, "no lesson source in notebooks/src/"
    made = {target for _, target in TARGETS}
    found = set(build.NOTEBOOKS.glob("[0-9][0-9]-*.ipynb")) | set(build.SOLUTIONS.glob("*.ipynb"))
    assert not found - made, f"notebooks without a source: {sorted(map(str, found - made))}"
    assert not made - found, f"sources whose notebook is not committed: {sorted(map(str, made - found))}"


@pytest.mark.parametrize("pair", TARGETS, ids=map(_id, TARGETS))
def test_committed_notebook_is_what_its_source_generates(pair: tuple[Path, Path]) -> None:
    source, target = pair
    want = build.generate(source)[target]
    have = nbformat.read(target, as_version=4)
    hint = f"{target.name} differs from {source.name}: run `make notebooks LESSON={source.stem[:2]}`"
    assert have.metadata == want.metadata, hint
    assert _cells(have) == _cells(want), hint
    assert target.read_text(encoding="utf-8") == build.dumps(have), f"{hint} (JSON not as written)"


def _generate(tmp_path: Path, text: str) -> tuple[list[str], list[str]]:
    path = tmp_path / "42-example.md"
    path.write_text(text, encoding="utf-8")
    learner, solution = build.generate(path).values()
    return [c.source for c in learner.cells], [c.source for c in solution.cells]


SOURCE = """\
# 42 · Example

See [the next lesson](43-next.ipynb), <a href="data/x.md">x</a> and [RFC](https://example.org/a).

```{code-cell}
:tags: [exercise]
answer = ...  # a number
```

```{code-cell}
:tags: [solution]
answer = 42
```

```{code-cell}
def double(n):
    \"\"\"Twice n.\"\"\"
    # solution
    return 2 * n
```

```{code-cell}
text = open("data/x.md").read()
```
"""


def test_the_source_format(tmp_path: Path) -> None:
    learner, solution = _generate(tmp_path, SOURCE)
    assert learner == [
        "# 42 · Example\n\nSee [the next lesson](43-next.ipynb), <a href=\"data/x.md\">x</a> and "
        "[RFC](https://example.org/a).",
        "answer = ...  # a number",
        'def double(n):\n    """Twice n."""\n    ...  # your code here',
        'text = open("data/x.md").read()',
    ]
    assert solution[0] == ("# 42 · Example\n\nSee [the next lesson](../43-next.ipynb), "
                           "<a href=\"../data/x.md\">x</a> and [RFC](https://example.org/a).")
    assert solution[1] == build.BANNER.format(name="42-example.ipynb")
    assert solution[2:] == ["answer = 42", 'def double(n):\n    """Twice n."""\n    return 2 * n',
                            'text = open("../data/x.md").read()']


def test_cell_ids_follow_the_source(tmp_path: Path) -> None:
    path = tmp_path / "42-example.md"
    path.write_text(SOURCE, encoding="utf-8")
    learner, solution = build.generate(path).values()
    assert [c.id for c in learner.cells] == ["42-00", "42-01", "42-03", "42-04"]
    assert [c.id for c in solution.cells] == ["42-00", "42-banner", "42-02", "42-03", "42-04"]
    assert all("tags" not in c.metadata for c in learner.cells + solution.cells)
