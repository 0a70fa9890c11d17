"""The house plan, checked on every run (issue 8): arrows between apps run one way, no app
reaches into another's private names, no module waits on a loop of its own app's imports
for one name, and no source file grows past 600 lines."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["lms", "courses", "attendance", "certificates"]
# Who may not import whom: lower apps know nothing of those built on them. The plumbing apps
# stack up: each knows nothing of the domain nor of the plumbing above it.
_DOMAIN = ["attendance", "courses", "certificates", "lms.home", "lms.stats"]
_ABOVE_IMPORTS = [*_DOMAIN, "lms.people", "lms.ledger"]
FORBIDDEN = {
    "lms.people": [*_DOMAIN, "lms.ledger"],
    "lms.ledger": _DOMAIN,
    "lms.imports": _ABOVE_IMPORTS,
    "lms.exports": [*_ABOVE_IMPORTS, "lms.imports"],
    # Keeps the site up while Redis is away: below every app that counts or queues.
    "lms.outages": [*_ABOVE_IMPORTS, "lms.imports", "lms.exports"],
    # Backs up tables and folders as they are: knows no domain, so it survives any of them.
    "lms.backups": [*_ABOVE_IMPORTS, "lms.imports", "lms.exports", "lms.outages"],
    "courses": ["attendance", "lms.home", "certificates", "lms.stats"],
    "attendance": ["lms.home", "certificates", "lms.stats"],
}


def source_files():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def app_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "lms" and len(parts) > 1 else parts[0]


def imports_of(path: Path):
    """(imported module, names) for every import in the file, at the top, inside a function
    or for annotations only (TYPE_CHECKING), relative ones resolved."""
    module = module_of(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            yield base, [alias.name for alias in node.names]


FILES = list(source_files())
MODULES = {module_of(path): path for path in FILES}


def module_edges(path: Path) -> set[str]:
    """The modules of the same app this file imports (a name imported from a package that
    is itself a module counts as that module)."""
    app = app_of(module_of(path))
    edges = set()
    for imported, names in imports_of(path):
        targets = [f"{imported}.{name}" for name in names if f"{imported}.{name}" in MODULES]
        for target in targets or [imported]:
            if target in MODULES and app_of(target) == app and target != module_of(path):
                edges.add(target)
    return edges


def import_loops() -> list[list[str]]:
    """Each loop of modules importing one another within an app (Tarjan's components)."""
    graph = {module: module_edges(path) for module, path in MODULES.items()}
    index, low, on_stack, stack, loops = {}, {}, set(), [], []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in graph[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                loops.append(sorted(component))

    for module in graph:
        if module not in index:
            visit(module)
    return loops


def test_no_two_modules_of_an_app_import_each_other():
    """Not at the top, not inside a function, not for annotations: two modules that need each other
    are one concern split wrongly, or two that need a third (STYLE.md, Rooms).

    One pair is Celery's shape, not a wrong split: a service that queues its work (importing
    its `tasks` module in the function that queues) and the task, the work's entrance from
    the worker, which calls the service."""

    def celery_pair(loop):
        return len(loop) == 2 and any(member.endswith(".tasks") for member in loop)

    assert [loop for loop in import_loops() if not celery_pair(loop)] == []


@pytest.mark.parametrize("path", FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_arrows_run_one_way_and_private_names_stay_home(path):
    app = app_of(module_of(path))
    wrong = []
    for imported, names in imports_of(path):
        for forbidden in FORBIDDEN.get(app, []):
            if imported == forbidden or imported.startswith(forbidden + "."):
                wrong.append(f"{app} imports {imported}")
        if app_of(imported) != app and app_of(imported).split(".")[0] in PACKAGES:
            wrong += [f"{name} from {imported}" for name in names if name.startswith("_")]
    assert wrong == []


@pytest.mark.parametrize("path", FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_source_file_grows_past_600_lines(path):
    assert len(path.read_text("utf-8").splitlines()) <= 600
