"""The one table of media types, and what Oxigraph needs to serialise a result and to build
a query's dataset.

Shared by the store (in the server process), the executor, the web layer's content
negotiation (web/negotiation.py reads its lists from here) and the query workers (separate
processes that import only pyoxigraph and this module, to start fast), so all read the same
tables.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

#: media type → pyoxigraph format, for SELECT/ASK results.
RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}

#: media type → pyoxigraph format, for RDF (CONSTRUCT/DESCRIBE results, graph dumps).
RDF_FORMATS: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/trig": ox.RdfFormat.TRIG,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "text/n3": ox.RdfFormat.N3,
}


#: The media types content negotiation offers, default first: SELECT/ASK results, and
#: CONSTRUCT/DESCRIBE results and graph documents (N3 is read and written on request only).
RESULT_TYPES: list[str] = list(RESULT_FORMATS)
RDF_TYPES: list[str] = [media for media in RDF_FORMATS if media != "text/n3"]

#: Query forms → the media types their results can be serialised to, and the default one.
FORM_MEDIA_TYPES: dict[str, tuple[str, ...]] = {
    "SELECT": tuple(RESULT_FORMATS),
    "ASK": tuple(RESULT_FORMATS),
    "CONSTRUCT": tuple(RDF_FORMATS),
    "DESCRIBE": tuple(RDF_FORMATS),
}
DEFAULT_MEDIA_TYPE: dict[str, str] = {form: types[0] for form, types in FORM_MEDIA_TYPES.items()}


def query_kwargs(
    *,
    union_default_graph: bool,
    default_graphs: list[str] | None,
    named_graphs: list[str] | None,
    base_iri: str | None,
    has_dataset_clause: bool,
) -> dict[str, Any]:
    """pyoxigraph keyword arguments; the protocol's graphs override FROM, FROM overrides union.

    pyoxigraph's ``use_default_graph_as_union`` would override a query's own FROM clauses,
    so it is only set when the query has none.
    """
    kwargs: dict[str, Any] = {"base_iri": base_iri}
    if default_graphs:
        kwargs["default_graph"] = [
            ox.DefaultGraph() if g == "" else ox.NamedNode(g) for g in default_graphs
        ]
    elif union_default_graph and not has_dataset_clause:
        kwargs["use_default_graph_as_union"] = True
    if named_graphs:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
    return kwargs
