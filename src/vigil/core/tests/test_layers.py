"""The import graph holds to Vigil's layering: apps import only apps below them, and no app's
modules import one another in a circle. Read from the source with ast, imports inside
functions included, so a lazy import cannot hide a loop."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parents[2]  # src/vigil

# The allowed order, lowest first. An app may import its own modules and the apps of lower
# ranks; apps of one rank are siblings and do not import each other. `config` and `manage`
# put the project together and may import anything.
APP_RANK = {
    "core": 0,
    "places": 1,
    "people": 2,
    "risk": 3,
    "incidents": 3,
    "travel": 4,
    "crisis": 5,
    "hq": 5,
    # Field support: training and cost-sharing read people; travel reads training (BSAFE,
    # SSAFE); aviation keeps the suitability of travel's air operators; wellbeing reads
    # incidents and training.
    "training": 3,
    "costshare": 3,
    "aviation": 5,
    "wellbeing": 5,
    # Evidence proposes likelihoods from incidents (3), travel advisories (4) and levels (3);
    # risk shows them through its own registry, risk.proposals.
    "evidence": 5,
    # Coordination reads the records each security function is accountable for: risk
    # (levels, SRAs, plans, MOSS), incidents (host-country handling) and crisis.
    "coordination": 6,
    # Performance computes the seed's indicators by calling every app's own selectors.
    "performance": 7,
}
ASSEMBLY = {"config", "manage"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        if "tests" in parts or "migrations" in parts:
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _owner(name: str) -> str:
    """The module an imported name lives in (``vigil.a.b.C`` -> ``vigil.a.b``)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def _imports(path: Path) -> list[tuple[str, bool]]:
    """Each vigil module the file imports, and whether the import sits inside a function."""
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, lazy: bool) -> None:
        for child in ast.iter_child_nodes(node):
            names: list[str] = []
            if isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                names = [child.module] + [f"{child.module}.{a.name}" for a in child.names]
            elif isinstance(child, ast.Import):
                names = [a.name for a in child.names]
            for name in names:
                owner = _owner(name) if name.startswith("vigil.") else ""
                if owner:
                    found.append((owner, lazy))
            visit(child, lazy or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef))

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


def _app(module: str) -> str:
    return module.split(".")[1] if "." in module else ""


def _enqueues_its_task(source: str, target: str, lazy: bool) -> bool:
    # The one lazy import allowed: a service enqueueing its own app's task.
    return lazy and source.endswith("services") and target.endswith("tasks")


def test_the_order_of_apps_is_the_declared_one():
    assert {_app(m) for m in MODULES} - {""} == set(APP_RANK) | ASSEMBLY


def test_no_app_imports_an_app_above_it_or_beside_it():
    faults = []
    for module, path in MODULES.items():
        app = _app(module)
        if app in ASSEMBLY:
            continue
        for target, _lazy in _imports(path):
            other = _app(target)
            if other != app and (other in ASSEMBLY or APP_RANK[other] >= APP_RANK[app]):
                faults.append(f"{module} imports {target}")
    assert not faults, "imports that run up or sideways:\n" + "\n".join(sorted(set(faults)))


def test_no_app_has_an_import_cycle():
    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in MODULES.items():
        for target, lazy in _imports(path):
            if (target != module and _app(target) == _app(module)
                    and not _enqueues_its_task(module, target, lazy)):
                graph[module].add(target)
    cycles = _cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_the_checker_finds_a_cycle_and_spares_a_task_enqueued_lazily():
    assert _cycles({"a": {"b"}, "b": {"a"}}) == [["a", "b"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
    assert _enqueues_its_task("vigil.core.services", "vigil.core.tasks", True)
    assert not _enqueues_its_task("vigil.core.services", "vigil.core.tasks", False)
    assert not _enqueues_its_task("vigil.crisis.delivery", "vigil.crisis.services", True)
