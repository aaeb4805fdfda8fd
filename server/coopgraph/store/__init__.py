"""The store: the interface (:mod:`.base`) and its embedded implementation (:mod:`.oxigraph`).

Every name importable from ``coopgraph.store`` before it became a package is re-exported
here, so ``from coopgraph.store import OxigraphStore, QueryResult, open_store, …`` keeps
working. :func:`open_store` is the one place that picks the backend.
"""

from __future__ import annotations

from ..formats import RDF_FORMATS, RESULT_FORMATS, query_kwargs
from .base import (
    BlankNode,
    Literal,
    NamedNode,
    QueryResult,
    QuerySyntaxError,
    ResultKind,
    Store,
    StoreError,
    Term,
    Triple,
)
from .oxigraph import (
    OxigraphResult,
    OxigraphStore,
    _graph_node,
    _insert_data,
    _result_kind,
    open_store,
)

__all__ = [
    "RDF_FORMATS",
    "RESULT_FORMATS",
    "BlankNode",
    "Literal",
    "NamedNode",
    "OxigraphResult",
    "OxigraphStore",
    "QueryResult",
    "QuerySyntaxError",
    "ResultKind",
    "Store",
    "StoreError",
    "Term",
    "Triple",
    "_graph_node",
    "_insert_data",
    "_result_kind",
    "open_store",
    "query_kwargs",
]
