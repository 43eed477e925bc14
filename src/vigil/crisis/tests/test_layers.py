"""The order of crisis's modules: each imports only modules below it, counting the imports
inside functions, so there is no import cycle. The one exception is a service's lazy import
of its own task module, to enqueue it after commit (CONVENTIONS 13)."""

from __future__ import annotations

import ast
from pathlib import Path

CRISIS = Path(__file__).resolve().parent.parent
PACKAGE = "vigil.crisis"

# Lowest first. A module may import the modules listed before it, never those after it.
ORDER = [
    "rules",         # pure: the statuses and what they mean, retries, timeliness
    "models",
    "zone",          # a crisis's zone, one class per kind
    "cap",           # CAP 1.2 XML in and out
    "selectors",     # reads, and the household
    "retention",     # what whereabouts a closed crisis keeps (core.retention's rules)
    "headcount",     # the one writer of a headcount entry's status, with its event
    "checkin",       # the personal check-in link and its answer
    "delivery",      # sending the Delivery rows
    "services",
    "cap_services",
    "schedules",     # work on a clock: calls services, as tasks do
    "cap_tasks",
    "tasks",
    "forms",
    "home",
    "admin",
    "demo",
    "api",
    "cap_api",
    "views",
    "cap_views",
    "cap_urls",
    "checkin_urls",
    "urls",
    "apps",
]
# A service enqueues its own task lazily: the one import that may point up.
LAZY_TASKS = {("services", "tasks"), ("cap_services", "cap_tasks")}


def _modules() -> dict[str, Path]:
    found = {}
    for path in CRISIS.glob("*.py"):
        if path.stem != "__init__":
            found[path.stem] = path
    return found


def _type_checking_only(tree: ast.Module) -> set[int]:
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                skipped.update(id(n) for n in ast.walk(child))
    return skipped


def imports_of(path: Path) -> dict[str, bool]:
    """The crisis modules a module imports: name -> whether only inside a function."""
    tree = ast.parse(path.read_text())
    skipped = _type_checking_only(tree)
    top = {id(n) for n in tree.body}
    found: dict[str, bool] = {}
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        for name in names:
            if name.startswith(PACKAGE + ".") and name.count(".") == 2:
                module = name.rsplit(".", 1)[1]
                lazy = id(node) not in top
                found[module] = found.get(module, True) and lazy
    return found


def test_every_module_has_its_place_in_the_order() -> None:
    assert sorted(_modules()) == sorted(ORDER)


def test_each_module_imports_only_modules_below_it() -> None:
    rank = {name: i for i, name in enumerate(ORDER)}
    upward = []
    for name, path in _modules().items():
        for target, lazy in imports_of(path).items():
            if target not in rank or rank[target] < rank[name]:
                continue
            if lazy and (name, target) in LAZY_TASKS:
                continue
            upward.append(f"{name} imports {target}{' (in a function)' if lazy else ''}")
    assert upward == []


def test_the_check_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "example.py"
    module.write_text("from vigil.crisis import models\n\n\ndef f():\n"
                      "    from vigil.crisis.services import broadcast_send\n")
    assert imports_of(module) == {"models": False, "services": True}
