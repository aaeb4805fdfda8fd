"""Results as Python values: the one way for code (pages, VoID, statistics, the CLI) to read
the store within the same time, size and concurrency limits as ``/sparql``.

:meth:`Executor.select`, :meth:`Executor.ask` and :meth:`Executor.construct` call
:meth:`Executor.run_query` (a worker process, the time limit, the result-size limit, fair
admission) and turn the serialised result into engine-neutral values: rdflib terms and
graphs, so that callers never see pyoxigraph types and a remote engine can answer the same.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.term import Node

JSON_RESULTS = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"


def term(value: dict[str, Any]) -> Node:
    """An rdflib term from a SPARQL 1.1 JSON results term (RDF-star triples included)."""
    from rdflib import BNode, Literal, URIRef

    kind = value["type"]
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    if kind in ("literal", "typed-literal"):
        datatype = value.get("datatype")
        return Literal(value["value"], lang=value.get("xml:lang"),
                       datatype=URIRef(datatype) if datatype else None)
    raise ValueError(f"unsupported term type in results: {kind}")


def rows(data: bytes) -> list[dict[str, Node | None]]:
    """The solutions of SELECT results in JSON: one dict per row, every variable a key (None
    when unbound)."""
    parsed = json.loads(data)
    variables = parsed["head"].get("vars", [])
    return [
        {v: term(b[v]) if v in b else None for v in variables}
        for b in parsed["results"]["bindings"]
    ]


def boolean(data: bytes) -> bool:
    """The answer of ASK results in JSON."""
    return bool(json.loads(data)["boolean"])


def graph(data: bytes) -> Graph:
    """An rdflib graph from N-Triples."""
    from rdflib import Graph

    result = Graph()
    result.parse(data=data.decode("utf-8"), format="nt")
    return result
