"""The package's layers: every import points down, and the lower layers stay light.

_data, clock, addresses → codes (pure stdlib) → bounces (pure stdlib) → server (aiosmtpd) → relay
→ views → widgets → course → cli
A model may import its renderer from ``views`` inside a method (``_repr_html_``, ``__str__``), the
way ``email.message.Message.as_string`` imports its generator; nothing else may point up.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "smtplesson"

# layer -> the layers its modules may import at run time
BASE = {"_lazy", "_data", "clock", "addresses"}
ALLOWED = {
    "_data": set(),
    "_lazy": set(),
    "clock": set(),
    "addresses": set(),
    "codes": {"_lazy", "_data", "codes"},
    "bounces": BASE | {"codes", "bounces"},
    "server": BASE | {"codes", "bounces", "server"},
    "relay": BASE | {"codes", "bounces", "server", "relay"},
    # views receive what they draw; server/relay types only for typing
    "views": {"_lazy", "codes", "bounces", "views"},
    "widgets": BASE | {"codes", "bounces", "server", "views", "widgets"},
    "course": BASE | {"codes", "bounces", "server", "relay", "views", "widgets", "course"},
    "cli": BASE | {"codes", "bounces", "server", "relay", "views", "widgets", "course", "cli"},
}
RENDERER_ALLOWED_LAZILY = {"codes", "bounces", "server", "relay"}  # may import views inside a function


def _layer(module: str) -> str:
    return module.split(".")[1] if module.count(".") else module


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(module: str, path: Path) -> list[tuple[str, bool, bool, int]]:
    """(target module, at module level?, under TYPE_CHECKING?, line) for each smtplesson import."""
    tree = ast.parse(path.read_text("utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: list[tuple[str, bool, bool, int]] = []

    def visit(node: ast.AST, top: bool, typing_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for sub in child.body:
                    visit_one(sub, top, True)
                for sub in child.orelse:
                    visit_one(sub, top, typing_only)
                continue
            visit_one(child, top, typing_only)

    def visit_one(child: ast.AST, top: bool, typing_only: bool) -> None:
        if isinstance(child, ast.ImportFrom):
            if child.level:
                base = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                target = ".".join(base + ([child.module] if child.module else []))
            else:
                target = child.module or ""
            if target.startswith("smtplesson"):
                targets = [target]
                if child.module is None or target == "smtplesson":  # from . import x
                    targets = [f"{target}.{a.name}" for a in child.names]
                found.extend((t, top, typing_only, child.lineno) for t in targets)
        elif isinstance(child, ast.Import):
            found.extend((a.name, top, typing_only, child.lineno) for a in child.names
                         if a.name.startswith("smtplesson"))
        inner = top and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        visit(child, inner, typing_only)

    visit(tree, True, False)
    return found


def test_every_import_points_down() -> None:
    wrong = []
    for module, path in _modules().items():
        if module in ("smtplesson", "smtplesson.__main__"):
            continue
        layer = _layer(module)
        for target, top, typing_only, line in _imports(module, path):
            if typing_only or target == "smtplesson":
                continue
            other = _layer(target)
            if other in ALLOWED[layer]:
                continue
            if not top and other == "views" and layer in RENDERER_ALLOWED_LAZILY:
                continue
            wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} ({layer}) imports {target} ({other})")
    assert not wrong, "imports that point up a layer:\n" + "\n".join(wrong)


def test_views_import_nothing_private_from_the_model() -> None:
    private = []
    for module, path in _modules().items():
        if _layer(module) != "views":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level and not (node.module or "").startswith(
                    ("views", "palette", "card", "_html")) and node.level > 1:
                private += [f"{module}: {a.name}" for a in node.names if a.name.startswith("_")]
    assert not private


def test_no_import_cycle_at_module_level() -> None:
    modules = _modules()
    graph = {m: {t for t, top, typing_only, _ in _imports(m, p) if top and not typing_only and t in modules}
             for m, p in modules.items()}
    state: dict[str, int] = {}

    def walk(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                pytest.fail("import cycle: " + " -> ".join([*trail, node, nxt]))
            if nxt not in state:
                walk(nxt, [*trail, node])
        state[node] = 2

    for m in graph:
        if m not in state:
            walk(m, [])


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return {name.split(".")[0] for name in out.stdout.split()}


def test_the_codes_layer_loads_no_sockets_event_loop_server_or_widgets() -> None:
    loaded = _loaded_after("import smtplesson.codes; from smtplesson.codes import explanation, reply")
    assert not loaded & {"socket", "asyncio", "aiosmtpd", "ipywidgets"}


def test_rule_and_transcript_do_not_import_aiosmtpd() -> None:
    assert "aiosmtpd" not in _loaded_after("from smtplesson import Rule, Transcript")


@pytest.mark.parametrize("package", ["codes", "bounces"])
def test_every_codes_and_bounces_module_loads_no_event_loop_server_or_widgets(package: str) -> None:
    # socket is allowed here only because the stdlib email package (email.utils) imports it: the
    # bounces package builds and parses mails; codes and its reply modules stay socket-free (above).
    import importlib
    import pkgutil

    path = importlib.import_module(f"smtplesson.{package}").__path__
    names = [m.name for m in pkgutil.walk_packages(path, f"smtplesson.{package}.")]
    loaded = _loaded_after("; ".join(f"import {name}" for name in names))
    assert not loaded & {"asyncio", "aiosmtpd", "ipywidgets", "smtplib", "ssl"}


RELAY_FACADE = {"smtplesson.relay", "smtplesson.relay.network"}


def _relay_graph() -> dict[str, set[str]]:
    """Every import between relay modules, typing-only and inside functions included."""
    modules = {m: p for m, p in _modules().items() if m.startswith("smtplesson.relay.")}
    graph: dict[str, set[str]] = {}
    for m, path in modules.items():
        graph[m] = set()
        for target, *_ in _imports(m, path):
            while target not in modules and target.count(".") > 2:  # from .zone import Zone
                target = target.rsplit(".", 1)[0]
            if target in modules and target != m:
                graph[m].add(target)
    return graph


def test_no_relay_part_imports_or_names_the_facade() -> None:
    wrong = []
    for module, path in _modules().items():
        if not module.startswith("smtplesson.relay") or module in RELAY_FACADE:
            continue
        wrong += [f"{module}:{line} imports {target}" for target, _, _, line in _imports(module, path)
                  if target.startswith("smtplesson.relay.network")]
        tree = ast.parse(path.read_text("utf-8"))
        wrong += [f"{module}:{node.lineno} names {node.id}" for node in ast.walk(tree)
                  if isinstance(node, ast.Name) and node.id == "MailNetwork"]
    assert not wrong, "relay parts get plain collaborators, never the network:\n" + "\n".join(wrong)


def test_no_import_circle_inside_relay() -> None:
    graph = _relay_graph()
    parts = {t for m, targets in graph.items() if m not in RELAY_FACADE for t in targets}
    assert "smtplesson.relay.network" not in parts
    done: set[str] = set()

    def reach(node: str, trail: tuple[str, ...]) -> None:
        for nxt in sorted(graph[node]):
            if nxt in trail:
                pytest.fail("import circle in relay/: " + " -> ".join([*trail[trail.index(nxt):], nxt]))
            if nxt not in done:
                reach(nxt, (*trail, nxt))
        done.add(node)

    for module in sorted(graph):
        reach(module, (module,))
