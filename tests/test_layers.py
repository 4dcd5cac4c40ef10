"""The shape of the code: layers, no import cycles, no private helpers borrowed across modules, small modules
and functions. These are the rules of README "Where things are"; a change that breaks one fails here.

The layer contracts themselves live in ``pyproject.toml`` (``[tool.importlinter]``) and are checked with
import-linter (``lint-imports``); :func:`test_the_checker_refuses_a_forbidden_import` shows, on a copy of the
tree, that a pure-domain module importing SQLAlchemy or a service is refused.
"""

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("models", "notifiers", "config", "flows", "web", "cli", "migrations")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(cwd / "pyproject.toml"), "--no-cache"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _modules() -> list[tuple[str, Path]]:
    out = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "versions" in path.parts:  # Alembic's generated migrations
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out.append((name, path))
    return out


def test_the_layer_contracts_are_kept() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_the_checker_refuses_a_forbidden_import(tmp_path: Path) -> None:
    """A copy of the tree plus one pure-domain module that imports SQLAlchemy and a service: refused."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "models" / "domain" / "probe.py").write_text(
        '"""A forbidden module."""\n\nimport sqlalchemy  # noqa: F401\n\n'
        "from models.services import runtime  # noqa: F401\n"
    )
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "models.domain.probe -> sqlalchemy" in result.stdout
    assert "models.domain.probe -> models.services.runtime" in result.stdout


def test_no_import_cycle_between_files() -> None:
    """Every import between dondoc's modules (lazy ones too) forms no circle, across packages as well."""
    import grimp

    graph = grimp.build_graph(*PACKAGES[:-1], cache_dir=None)
    edges = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components (the graph is small)
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    unknown = [c for c in cycles if c not in KNOWN_CYCLES]
    assert not unknown, f"import cycles: {unknown}"


def test_no_private_helper_is_imported_from_another_module() -> None:
    """``from x import _helper`` across modules means the helper is shared: give it a public home."""
    found = []
    for name, path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in PACKAGES:
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__") and node.module != name:
                        found.append(f"{name}: from {node.module} import {alias.name}")
    unknown = [f for f in found if f not in KNOWN_PRIVATE_IMPORTS]
    assert not unknown, "\n".join(unknown)


def test_edges_build_no_queries() -> None:
    """``flows``, ``web`` and ``cli`` parse, call a service and render: no SQL statement is built there."""
    found = []
    for name, path in _modules():
        if name.split(".")[0] not in ("flows", "web", "cli"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module in ("sqlalchemy", "sqlmodel", "sqlalchemy.orm"):
                found.extend(f"{name}: {alias.name}" for alias in node.names if alias.name != "Engine")
    assert not found, found


def test_no_crash_switch_in_production_code() -> None:
    """Fault injection belongs to the tests (tests/support/worker.py passes the outbox a hook): production
    code never ends the process on an environment variable."""
    found = [
        name
        for name, path in _modules()
        if "os._exit" in (text := path.read_text(encoding="utf-8")) or "DONDOC_FAULT" in text
    ]
    assert not found, found


# What would break a rule if it came back: kept empty (a new entry needs a reason in review).
KNOWN_CYCLES: list[list[str]] = []
KNOWN_PRIVATE_IMPORTS: set[str] = set()
LONG_MODULES: set[str] = set()
LONG_FUNCTIONS: set[str] = set()


def test_modules_and_functions_stay_small() -> None:
    long_modules, long_functions = set(), set()
    for name, path in _modules():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_MODULE_LINES:
            long_modules.add(name)
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long_functions.add(f"{name}.{node.name}")
    assert long_modules <= LONG_MODULES, f"modules over {MAX_MODULE_LINES} lines: {sorted(long_modules - LONG_MODULES)}"
    assert long_functions <= LONG_FUNCTIONS, (
        f"functions over {MAX_FUNCTION_LINES} lines: {sorted(long_functions - LONG_FUNCTIONS)}"
    )


@pytest.mark.parametrize(
    "folder", ["models/domain", "models/store", "models/services", "notifiers", "config", "flows", "web", "cli"]
)
def test_each_folder_says_what_lives_there(folder: str) -> None:
    init = ROOT / folder / "__init__.py"
    assert init.exists() and ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), f"{folder}/__init__.py"
