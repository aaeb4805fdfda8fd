"""docs/architecture.md names every module of server/coopgraph/, and only modules that exist.

The table of "The pieces" is the map a newcomer reads first; a module added without a row,
or a row left behind by a module that was removed or moved, fails here with its name.
"""

from __future__ import annotations

import re

from coopgraph.config import PROJECT_ROOT

DOC = PROJECT_ROOT / "docs" / "architecture.md"
PACKAGE = PROJECT_ROOT / "server" / "coopgraph"


def _named() -> set[str]:
    """The modules (``x.py``, ``web/x.py``) and packages (``store/``) in the table's first
    column, relative to server/coopgraph/."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## The pieces", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            names.update(re.findall(r"`([\w/]+(?:\.py|/))`", first_cell))
    return names


def _modules() -> set[str]:
    return {path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py")
            if "__pycache__" not in path.parts}


def _covered(module: str, named: set[str]) -> bool:
    return module in named or any(n.endswith("/") and module.startswith(n) for n in named)


def test_the_table_names_modules() -> None:
    named = _named()
    assert len(named) > 10, "the table of docs/architecture.md was not found or not parsed"


def test_every_module_named_exists() -> None:
    gone = sorted(n for n in _named() if not (PACKAGE / n).exists())
    assert not gone, (
        f"docs/architecture.md names modules that do not exist under server/coopgraph/: {gone}; "
        "remove or rename their rows"
    )


def test_every_module_is_named() -> None:
    named = _named()
    missing = sorted(m for m in _modules() if not _covered(m, named))
    assert not missing, (
        f"modules missing from the table of docs/architecture.md: {missing}; add a row "
        "`| `<module>` | <its one job> |` (or name its package as a whole, `pkg/`)"
    )


def test_the_request_path_is_drawn_once() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert text.count("## The request path") == 1
    path = text.split("## The request path", 1)[1].split("\n## ", 1)[0]
    for step in ("serve.py", "web/fastpath.py", "web/sparql.py", "executor/",
                 "query_worker.py"):
        assert step in path, step
