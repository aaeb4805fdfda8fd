"""Helpers shared by the contribution tests: a store holding the curated data, a server on it."""

from __future__ import annotations

import pyoxigraph as ox

from coopgraph.config import CANONICAL_BASE, Sources
from coopgraph.store import OxigraphStore, open_store

BASE = CANONICAL_BASE


def curated_store(path: str | None = None) -> OxigraphStore:
    """A store whose data and links graphs hold the curated files (what /validate resolves)."""
    store = open_store(path)
    sources = Sources()
    for kind, folder in (("data", sources.data), ("links", sources.links)):
        graph = ox.NamedNode(f"{BASE}graph/{kind}")
        for path_ in sorted(folder.glob("*.ttl")):
            store.load_quads(
                ox.Quad(q.subject, q.predicate, q.object, graph)
                for q in ox.parse(path=str(path_), format=ox.RdfFormat.TURTLE))
    return store
