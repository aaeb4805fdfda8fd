"""Where things live: the IRI base, the named graphs and the project's file layout.

Everything that names a graph or a folder reads it from here, so that a deployment
can move the base IRI (``COOPGRAPH_BASE``) or the store (``COOPGRAPH_STORE``) in one place.
Their defaults and variables are rows of :data:`coopgraph.settings.SETTINGS` (``BASE``,
``STORE_DIR``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import settings

#: The base under which the curated files are written. The files always use this one;
#: ``build`` rewrites it to ``COOPGRAPH_BASE`` when a deployment chooses another base.
CANONICAL_BASE: str = settings.default("BASE")

#: The repository root (``server/coopgraph/config.py`` → two levels up from the package).
PROJECT_ROOT = Path(__file__).resolve().parents[2]

#: The kinds of content, one named graph each, in load order.
GRAPH_KINDS = ("ontology", "shapes", "data", "links", "inferred")


def base_iri() -> str:
    """The deployment's base IRI, always ending with a slash."""
    base: str = settings.env_or_default("BASE")
    return base if base.endswith("/") else base + "/"


def graph_iri(kind: str, base: str | None = None) -> str:
    """The named graph holding one kind of content, e.g. ``<base>graph/data``."""
    return f"{base or base_iri()}graph/{kind}"


def default_store_path() -> Path:
    """The on-disk store: ``COOPGRAPH_STORE`` or ``./var/store``."""
    return Path(settings.env_or_default("STORE_DIR"))


@dataclass(frozen=True)
class Sources:
    """The folders the build reads, one per kind of content."""

    ontology: Path = PROJECT_ROOT / "ontology"
    shapes: Path = PROJECT_ROOT / "shapes"
    data: Path = PROJECT_ROOT / "data"
    links: Path = PROJECT_ROOT / "data" / "links"
    queries: Path = PROJECT_ROOT / "queries"
