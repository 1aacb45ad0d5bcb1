"""The layout of the apps: every import points down the stack, and no two modules import each other.

Each module of the application's packages is parsed with `ast`, and every import
is read: at module level, inside functions and under `if TYPE_CHECKING`, since an
import hidden in a function is still a dependency (and often a sign the module is
in the wrong app). The rules are README "Layout", in one table here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The application's packages, lowest first. tests/ and bench/ sit outside the
# stack and may import anything.
APPS = (
    "accounts",
    "indicators",
    "plans",
    "returns",
    "reports",
    "questions",
    "spreadsheets",
    "public",
    "api",
    "siteexport",
    "demo",
    "kpidash",
)

# app -> the apps it must never import, at module level or inside a function.
# The one rule: an app imports only apps below it. accounts (roles, sign-in,
# the user cache) and indicators (the domain, the dashboards) are the floor,
# side by side: indicators asks Django's `has_perm`, never a role; plans (the
# council plan, improvement actions) is on indicators; returns
# (the monthly cycle) and reports (papers) are on plans and indicators;
# questions (members' questions, the response sheet) is on reports and below;
# spreadsheets (import and export) is on indicators and returns; public (the
# public site and publication) is on returns and everything below; api (the read
# API) is on reports and everything below it, and only kpidash/urls.py imports
# it; siteexport (the whole site out and into a new one) reads and writes every
# app's data, so it is on all of them but the api; demo loads every app's data
# and nothing imports it; kpidash is the wiring on top (settings, URLs, Celery,
# WSGI, middleware, health), which may name any app but the demo.
FORBIDDEN = {
    "accounts": {
        "indicators",
        "plans",
        "returns",
        "reports",
        "questions",
        "spreadsheets",
        "public",
        "api",
        "siteexport",
        "demo",
        "kpidash",
    },
    "indicators": {
        "accounts",
        "plans",
        "returns",
        "reports",
        "questions",
        "spreadsheets",
        "public",
        "api",
        "siteexport",
        "demo",
        "kpidash",
    },
    "plans": {"returns", "reports", "questions", "spreadsheets", "public", "api", "siteexport", "demo", "kpidash"},
    "returns": {"reports", "questions", "spreadsheets", "public", "api", "siteexport", "demo", "kpidash"},
    "reports": {"questions", "spreadsheets", "public", "api", "siteexport", "demo", "kpidash"},
    "questions": {"spreadsheets", "public", "api", "siteexport", "demo", "kpidash"},
    "spreadsheets": {"reports", "questions", "public", "api", "siteexport", "demo", "kpidash"},
    "public": {"reports", "questions", "spreadsheets", "api", "siteexport", "demo", "kpidash"},
    "api": {"questions", "spreadsheets", "public", "siteexport", "demo", "kpidash"},
    "siteexport": {"api", "demo", "kpidash"},
    "demo": {"api", "siteexport", "kpidash"},
    "kpidash": {"demo"},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path for app in APPS if (ROOT / app).is_dir() for path in sorted((ROOT / app).rglob("*.py"))
    }


MODULES = _modules()


def _imported(node: ast.Import | ast.ImportFrom, module: str, path: Path) -> list[str]:
    """The dotted names an import statement brings in, relative imports resolved."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        package = package[: len(package) - node.level + 1]
        base = ".".join([*package, base] if base else package)
    # `from accounts import roles` imports the module accounts.roles.
    return [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]


def _resolved(name: str) -> str | None:
    """The application module a dotted name lands in (the longest known prefix), or None for libraries."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in MODULES:
            return candidate
        parts.pop()
    return None


def _imports() -> dict[str, set[str]]:
    """Each application module -> the application modules it imports."""
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        targets = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for name in _imported(node, module, path):
                    target = _resolved(name)
                    if target is not None and target != module:
                        targets.add(target)
        graph[module] = targets
    return graph


IMPORTS = _imports()


def _app(module: str) -> str:
    return module.split(".")[0]


def _breaches() -> set[tuple[str, str]]:
    return {
        (module, target)
        for module, targets in IMPORTS.items()
        for target in targets
        if _app(target) in FORBIDDEN[_app(module)]
    }


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def test_the_rule_table_names_every_app_and_only_apps():
    assert set(FORBIDDEN) == set(APPS)
    for app, forbidden in FORBIDDEN.items():
        assert forbidden <= set(APPS) - {app}, app


def test_the_parser_sees_imports_inside_functions_and_from_package_imports():
    # accounts/apps.py imports accounts.roles inside ready(); accounts/users.py does `from accounts import roles`.
    assert "accounts.roles" in IMPORTS["accounts.apps"]
    assert "accounts.roles" in IMPORTS["accounts.users"]


def test_every_import_points_down_the_stack():
    breaches = _breaches()
    assert not breaches, "\n".join(f"{module} imports {target}" for module, target in sorted(breaches))


def test_no_app_but_the_demo_itself_imports_the_demo():
    """The demo (and its load_demo command, inside demo/) is for tests and trying kpidash out, never a dependency."""
    importers = {
        module
        for module, targets in IMPORTS.items()
        if _app(module) != "demo" and any(_app(target) == "demo" for target in targets)
    }
    assert importers == set()


def test_only_the_url_configuration_imports_the_api():
    """The API sits on top: it reads the other apps, and no app's behaviour depends on it."""
    importers = {
        module
        for module, targets in IMPORTS.items()
        if _app(module) != "api" and any(_app(target) == "api" for target in targets)
    }
    assert importers <= {"kpidash.urls"}


def test_no_two_modules_import_each_other_even_through_others():
    cycles = _cycles(IMPORTS)
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(sorted(cycle)) for cycle in cycles)


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"a"}}, [{"a", "b"}]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [{"a", "b", "c"}]),
    ],
)
def test_the_cycle_finder_finds_cycles_and_only_cycles(graph, expected):
    assert _cycles(graph) == expected
