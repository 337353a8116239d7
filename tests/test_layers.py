"""The package's layers, read from the import statements (every one, also those inside
functions): a module may import from its own layer and the layers below it, never above.

    shared  <  entity (providers)  <  features  <  standing  <  top (api, jobs, dashboard, cli, …)

Features import the entity, the shared modules, and of one another only ``models`` and the
read modules (``queries``: what another feature stores and how it is read), never its
services, forms or views; and no two feature packages import each other, directly or round a
longer circle (the known exceptions are listed, each with its reason).
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "vendor_registry"

SHARED, ENTITY, FEATURE, STANDING, TOP = range(5)
LAYER_NAMES = ["shared", "entity", "feature", "standing", "top"]

#: Module (or package) prefix -> layer; the longest matching prefix wins.
LAYERS: dict[str, int] = {
    # shared: no domain of its own, or "who is acting" (identity, permissions, audit context)
    "clock": SHARED, "codes": SHARED, "database": SHARED, "extensions": SHARED, "errors": SHARED,
    "editing": SHARED, "concurrency": SHARED, "forms_common": SHARED, "parsing": SHARED, "converters": SHARED, "text": SHARED,
    "idsets": SHARED, "labels": SHARED, "i18n": SHARED, "sqlite": SHARED, "auth": SHARED,
    "organisations": SHARED,
    "security": SHARED,
    # the data stamp every commit moves, and the kept pages it guards (any layer's views use them)
    "datastamp": SHARED, "pagecache": SHARED,
    # bulk writes at national scale (sweeps, demo data, audited bulk inserts)
    "bulkwrite": SHARED,
    "audit.context": SHARED, "audit.listener": SHARED, "audit.models": SHARED, "audit.visibility": SHARED,
    # the entity: the provider record, its org number, its writes and its own reads and pages;
    # the template filters show its org number
    "providers": ENTITY, "formatting": ENTITY,
    # features: what each knows about a provider
    "licences": FEATURE, "methods": FEATURE, "contracts": FEATURE, "background_checks": FEATURE,
    "reviews": FEATURE, "demand": FEATURE, "flags": FEATURE, "audit": FEATURE, "account": FEATURE,
    # the composed view of a provider
    "standing": STANDING,
    # wiring and the entry points that use everything
    "": TOP, "blueprints": TOP, "cli": TOP, "models": TOP, "api": TOP, "jobs": TOP,
    "dashboard": TOP, "admin": TOP, "demo": TOP,
}

#: Modules a feature offers the others to read (besides its ``models``).
READ_MODULES = {"queries", "evidence"}

#: Feature -> feature imports outside the read modules that are allowed, and why.
ALLOWED_ACROSS_FEATURES = {
    # An IVO register answer is a licence fact: a check run applies it through the licences
    # feature's own write, so the licence rules live in one place.
    ("background_checks", "licences.verification"),
}

#: Known cycles, each with its reason; a new one fails the test.
ALLOWED_CYCLES = {
    # Evidence documents: a licence or a review links to one (so licences and reviews read
    # ``background_checks.evidence``), and the evidence list says what each document supports
    # (so it reads the licence and review models). Untying it needs an evidence package with
    # its own model, below licences and reviews.
    "background_checks -> licences -> background_checks",
    "background_checks -> reviews -> background_checks",
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every vendor_registry module named by an import in the file (relative to the package)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "vendor_registry":
                found.update(alias.name for alias in node.names)
            elif node.module.startswith("vendor_registry."):
                base = node.module.removeprefix("vendor_registry.")
                # "from vendor_registry.x import y": y may be a module or a name in x
                found.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name.removeprefix("vendor_registry.") for a in node.names
                         if a.name.startswith("vendor_registry."))
    return found


def _layer(module: str) -> int:
    best = max((prefix for prefix in LAYERS if prefix == "" or module == prefix
                or module.startswith(prefix + ".")), key=len)
    return LAYERS[best]


def _graph() -> dict[str, set[str]]:
    return {_module_name(path): _imports(path) for path in PACKAGE.rglob("*.py")}


def _package(module: str) -> str:
    return module.split(".", 1)[0]


def test_every_module_has_a_layer():
    """A new top-level module must be placed on purpose, not fall into "top" by default."""
    known = set(LAYERS)
    unplaced = sorted({_package(m) for m in _graph() if m and not any(
        m == p or m.startswith(p + ".") for p in known if p)})
    assert unplaced == []


def test_no_module_imports_from_a_layer_above_it():
    upward = sorted(
        f"{module} ({LAYER_NAMES[_layer(module)]}) imports {target} ({LAYER_NAMES[_layer(target)]})"
        for module, targets in _graph().items() for target in targets
        if _layer(target) > _layer(module)
    )
    assert upward == []


def _feature_edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for module, targets in _graph().items():
        if _layer(module) != FEATURE:
            continue
        for target in targets:
            if _layer(target) == FEATURE and _package(target) != _package(module):
                edges.setdefault(module, set()).add(target)
    return edges


def test_features_read_each_other_only_through_models_and_queries():
    reaching = sorted(
        f"{module} imports {target}"
        for module, targets in _feature_edges().items() for target in targets
        if target.split(".")[1:2] not in ([name] for name in ("models", *READ_MODULES))
        and (_package(module), ".".join(target.split(".")[:2])) not in ALLOWED_ACROSS_FEATURES
    )
    assert reaching == []


def test_no_import_cycle_between_feature_packages():
    packages: dict[str, set[str]] = {}
    for module, targets in _feature_edges().items():
        packages.setdefault(_package(module), set()).update(_package(t) for t in targets)
    cycles = []

    def visit(package: str, path: list[str]) -> None:
        for nxt in sorted(packages.get(package, ())):
            if nxt == path[0]:
                cycles.append(" -> ".join([*path, nxt]))
            elif nxt not in path and nxt > path[0]:  # each cycle once, from its smallest member
                visit(nxt, [*path, nxt])

    for start in sorted(packages):
        visit(start, [start])
    assert sorted(set(cycles) - ALLOWED_CYCLES) == []


def test_the_layer_check_can_fail():
    """The checks above would see an upward import: a feature reaching into standing."""
    assert _layer("flags.queries") == FEATURE and _layer("standing.status_maps") == STANDING
    assert _layer("providers.models") == ENTITY and _layer("api.providers") == TOP
    assert _layer("audit.context") == SHARED and _layer("audit.presentation") == FEATURE
