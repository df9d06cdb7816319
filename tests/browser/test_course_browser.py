"""Every course notebook in real JupyterLab: Run All, then no error, no broken widget, every diagram drawn.

Screenshots go to artifacts/course-NN-….png.
"""
from __future__ import annotations

from typing import Any

import pytest
from jlab import REPO, JupyterLab, open_notebook, outputs_have_errors, run_all, screenshot

LESSONS = sorted(p.name for p in (REPO / "notebooks").glob("[0-9][0-9]-*.ipynb"))

_WIDGET_OUTPUTS = """() => {
  const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
  let n = 0;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    for (const out of cell.outputs.toJSON()) {
      if (out.data && out.data['application/vnd.jupyter.widget-view+json']) n++;
    }
  }
  return n;
}"""


def test_the_course_has_lessons() -> None:
    assert len(LESSONS) >= 10, LESSONS


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_runs_clean_in_jupyterlab(lesson: str, page: Any, jlab: JupyterLab) -> None:
    open_notebook(page, jlab, f"notebooks/{lesson}")
    run_all(page, timeout=120)

    problems = outputs_have_errors(page)
    assert not problems, f"{lesson}: " + "\n".join(problems)

    # Every Mermaid diagram is drawn as SVG (JupyterLab >= 4.1 renders them).
    page.wait_for_function(
        """(n) => document.querySelectorAll(
             '.jp-Notebook .jp-RenderedMermaid svg, '
             + '.jp-Notebook .jp-RenderedMermaid img[src^="data:image/svg"]'
           ).length >= n""",
        arg=_mermaid_fences(lesson),
        timeout=20_000,
    )
    assert page.locator(".jp-Notebook .jp-RenderedMermaid.jp-mod-warning").count() == 0, (
        f"{lesson}: a Mermaid diagram failed to render"
    )

    # Every widget output is drawn as real controls, not as its text fallback.
    expected_widgets = page.evaluate(_WIDGET_OUTPUTS)
    if expected_widgets:
        page.wait_for_function(
            "(n) => document.querySelectorAll("
            "'.jp-Notebook .jp-OutputArea-output .lm-Widget.widget-inline-hbox, "
            ".jp-Notebook .jp-OutputArea-output .jupyter-widgets').length >= n",
            arg=expected_widgets,
            timeout=20_000,
        )
    screenshot(page, f"course-{lesson.removesuffix('.ipynb')}", full_page=False)


def _mermaid_fences(lesson: str) -> int:
    """How many ```mermaid blocks the lesson's Markdown cells hold."""
    import nbformat

    notebook = nbformat.read(REPO / "notebooks" / lesson, as_version=4)
    return sum(
        cell.source.count("```mermaid") for cell in notebook.cells if cell.cell_type == "markdown"
    )
