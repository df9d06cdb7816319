"""Benchmark: the zero-install site's size and its cold start to a first result in Chromium.

Run:  .venv/bin/python bench/lite.py [--rounds 3] [--rebuild]
Uses ``build/lite`` (built first if missing, or with ``--rebuild``), served on loopback with
every other host blocked, in Debian's headless Chromium. Each round opens the site's Python
console in a fresh browser profile (empty cache: what a learner's first visit costs) and times
it from navigation to the printed explanation of a ``550 5.1.1`` reply; then, side by side in
the same round, reloads it with the cache filled (a second visit). Prints the site's size by
part, the medians of both starts and their ratio.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "browser"))

import build_lite
import lite_site
from jlab import launch_chromium

CODE = ("import smtplesson\n"
        "print('FIRST', smtplesson.explain('550 5.1.1 <nobody@example.net>: User unknown').bounce_type)")
TIMEOUT = 600.0


def sizes(site: Path) -> dict[str, int]:
    """Bytes of the site by part: Pyodide's runtime, the wheels, JupyterLite's apps and the rest."""
    pyodide = site / "static" / "pyodide"
    wheels = sum(p.stat().st_size for p in pyodide.glob("*.whl"))
    total = build_lite.size_of(site)
    runtime = build_lite.size_of(pyodide) - wheels
    return {"Pyodide runtime": runtime, "wheels": wheels,
            "JupyterLite and the rest": total - runtime - wheels, "total": total}


def start(page: Any, url: str, reload: bool = False) -> float:
    began = time.perf_counter()
    if reload:
        page.reload()
    else:
        page.goto(url)
    lite_site.console_output(page, "FIRST", TIMEOUT)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true", help="build the site first")
    args = parser.parse_args()
    if args.rebuild or not (lite_site.SITE / "jupyter-lite.json").exists():
        build_lite.build(lite_site.SITE)
    for part, size in sizes(lite_site.SITE).items():
        print(f"{part:>26}: {size / 1e6:6.1f} MB")
    from playwright.sync_api import sync_playwright

    cold, warm = [], []
    with lite_site.serve() as base, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        url = lite_site.console_url(base, CODE)
        for _ in range(args.rounds):
            context = browser.new_context()
            blocked = lite_site.offline(context, base)
            page = context.new_page()
            cold.append(start(page, url))
            warm.append(start(page, url, reload=True))
            context.close()
            if blocked:
                raise SystemExit(f"the site asked for other hosts: {blocked}")
        browser.close()
    print(f"cold start to first result: median {statistics.median(cold):.1f} s "
          f"(fastest {min(cold):.1f}, slowest {max(cold):.1f}, {args.rounds} rounds)")
    print(f"second visit (cache filled): median {statistics.median(warm):.1f} s "
          f"(fastest {min(warm):.1f}, slowest {max(warm):.1f})")
    print(f"cold / warm: {statistics.median(cold) / statistics.median(warm):.2f}")


if __name__ == "__main__":
    main()
