"""The least a Python WSGI app can do for a SPARQL lookup: the HTTP servers' ceiling.

No Flask, no checks, no time limit, no log: the query string's ``query`` evaluated on an
in-memory pyoxigraph store (faster than any store on disk) and its JSON results returned.
:mod:`bench.ceiling` serves it under gunicorn and granian to measure what the HTTP server
alone allows, beside ``oxigraph serve``. Never a server to deploy: it has none of
``coopgraph serve``'s guards.

The N-Quads file to load is named by the ``CEILING_NQ`` environment variable.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any

import pyoxigraph as ox

_store = ox.Store()
_store.bulk_load(path=os.environ["CEILING_NQ"], format=ox.RdfFormat.N_QUADS)


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """``GET ?query=…``: the results as SPARQL JSON (a 400 without a query)."""
    texts = urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).get("query")
    if not texts:
        start_response("400 Bad Request", [("Content-Type", "text/plain")])
        return [b"no query\n"]
    results = _store.query(texts[0], use_default_graph_as_union=True)
    body = results.serialize(format=ox.QueryResultsFormat.JSON)
    assert isinstance(body, bytes)
    start_response("200 OK", [("Content-Type", "application/sparql-results+json"),
                              ("Content-Length", str(len(body)))])
    return [body]
