"""Who may import what (issue 11, item 2): the engines stay behind their interfaces.

Read from the source with `ast` (nothing is imported): a rule names the only modules of
``server/coopgraph`` that may import a package. Modules that break a rule today, outside this
branch's files, are listed in ``KNOWN`` with the reason, so that the list can only shrink.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "server" / "coopgraph"

#: top-level package → the modules (paths relative to server/coopgraph) allowed to import it.
RULES: dict[str, set[str]] = {
    # store/remote.py: the remote engine's answers are read and rewritten by pyoxigraph's
    # parsers and serialisers, so every engine's answer has the embedded store's syntax.
    # executor/lookups.py: a lookup bounded by its shape is evaluated on the embedded store
    # in the web process, as a query worker (query_worker.py) evaluates any other.
    "pyoxigraph": {"store/oxigraph.py", "store/remote.py", "query_worker.py", "rdfio.py",
                   "formats.py", "executor/pool.py", "executor/loads.py",
                   "executor/lookups.py", "quads_cache.py"},
    "owlrl": {"build.py"},
    "flask": {"web/*"},
    "SPARQLWrapper": {"query.py"},  # the remote store speaks HTTP with requests itself
}

#: Breaks of the rules outside this branch's files, to be fixed by their owners.
KNOWN: set[tuple[str, str]] = set()


def imported_packages(path: Path) -> set[str]:
    """The top-level packages ``path`` imports, anywhere in it (functions included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def allowed(module: str, patterns: set[str]) -> bool:
    return any(module == p or (p.endswith("/*") and module.startswith(p[:-1]))
               for p in patterns)


def modules() -> list[tuple[str, Path]]:
    return sorted((p.relative_to(PACKAGE).as_posix(), p) for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("package", sorted(RULES))
def test_each_engine_is_imported_only_where_allowed(package: str):
    breaks = {
        (package, module) for module, path in modules()
        if package in imported_packages(path) and not allowed(module, RULES[package])
    }
    assert breaks <= KNOWN, f"{package} imported outside {sorted(RULES[package])}: " \
                            f"{sorted(m for _, m in breaks - KNOWN)}"


def test_the_known_breaks_are_still_real():
    """A fixed break must leave KNOWN (the list only shrinks)."""
    for package, module in KNOWN:
        assert package in imported_packages(PACKAGE / module), (package, module)


def test_the_store_interface_imports_no_engine():
    assert not imported_packages(PACKAGE / "store" / "base.py") & set(RULES)


def test_the_checker_sees_imports_inside_functions(tmp_path: Path):
    source = tmp_path / "m.py"
    source.write_text("def f():\n    import pyoxigraph as ox\n    from flask import g\n")
    assert imported_packages(source) == {"pyoxigraph", "flask"}
