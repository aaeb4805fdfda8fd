"""The one read path of the web pages: SPARQL through the executor, within its limits.

Why one module: the pages (home, resource pages, ontology) must read the store exactly as
``/sparql`` does — in a query worker, under the same time, concurrency and size limits —
and the executor's interface may change; swapping it happens here only. Evaluation is
always Oxigraph's (in the worker); this module only decodes the serialised answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import current_app

from ..validate import term_json
from .service import service

T = TypeVar("T")

#: One binding: ``{"type": "uri"|"literal"|"bnode", "value": …, "xml:lang"?, "datatype"?}``.
Binding = dict[str, str]


def _run(sparql: str, media_type: str) -> bytes:
    chunks = service().executor.run_query(
        sparql, media_type=media_type, base_iri=current_app.config.get("BASE")
    )
    try:
        return b"".join(chunks)
    finally:
        closer = getattr(chunks, "close", None)
        if callable(closer):
            closer()


def select(sparql: str) -> list[dict[str, Binding]]:
    """The rows of a SELECT query (the executor's read path, :meth:`Executor.select`), as
    SPARQL JSON bindings (unbound variables absent), the shape the page modules read."""
    rows = service().executor.select(sparql, base_iri=current_app.config.get("BASE"))
    return [{k: term_json(v) for k, v in row.items() if v is not None} for row in rows]


def construct(sparql: str, media_type: str = "text/turtle") -> bytes:
    """A CONSTRUCT/DESCRIBE result serialised by the engine in ``media_type``.

    Not :meth:`Executor.construct`: that one gives an rdflib graph, and the pages send the
    engine's own serialisation (Turtle, JSON-LD…) as it is.
    """
    return _run(sparql, media_type)


def iri(value: str) -> str:
    """``value`` as a SPARQL IRI reference (characters not allowed in IRIs refused)."""
    if any(c in value for c in '<>"{}|^`\\ \n\t'):
        raise ValueError(f"not an IRI: {value!r}")
    return f"<{value}>"


def cached(key: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per store version (writes through the app bump the version).

    Why: the home page and the ontology documentation scan much of the store; their answer
    only changes when the store does. Computed outside the lock (two requests may both
    compute; the answers are the same).
    """
    svc = service()
    version = svc.version
    with svc.cache_lock:
        hit = svc.cache.get("pages:" + key)
    if hit and hit[0] == version:
        return hit[1]
    value = compute()
    with svc.cache_lock:
        svc.cache["pages:" + key] = (version, value)
    return value
