"""``/sparql``: the SPARQL 1.1 Protocol query operation.

GET ``?query=``, POST form (``query=``) and POST ``application/sparql-query``, with
``default-graph-uri``/``named-graph-uri``. The executor checks and evaluates; this module
only reads the request, negotiates the format and streams the executor's chunks, so a large
result never sits in Python memory. GET without a query returns the service description.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

from flask import Blueprint, Response, current_app, request

from .accesslog import note_query, query_hash
from .backend import ClosingIterator, ExecutorError, QueryRefused
from .description import service_description
from .errors import ApiError
from .fastpath import take_outcome
from .negotiation import content_type, negotiate
from .page import query_page, wants_html
from .params import body_text, dataset_params
from .service import service

bp = Blueprint("sparql", __name__)
log = logging.getLogger("coopgraph.web")

QUERY_TYPES = ("application/x-www-form-urlencoded", "application/sparql-query")


def _one(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise ApiError(400, f"give exactly one {name} parameter, got {len(values)}")
    return values[0] if values else None


def _read_query() -> str | None:
    """The query text of the request, or None for a bare GET (service description)."""
    if request.method in ("GET", "HEAD"):
        if "update" in request.args:
            raise ApiError(400, "updates must be POSTed to /update, not sent with GET")
        return _one(request.args.getlist("query"), "query")
    mimetype = request.mimetype
    if mimetype == "application/x-www-form-urlencoded":
        queries = request.form.getlist("query") + request.args.getlist("query")
        if request.form.getlist("update"):
            if queries:
                raise ApiError(400, "give either query or update, not both")
            raise ApiError(400, "updates go to /update (this is the query endpoint)")
        query = _one(queries, "query")
        if query is None:
            raise ApiError(400, "missing the query parameter")
        return query
    if mimetype == "application/sparql-query":
        if "query" in request.args:
            raise ApiError(400, "give the query either in the body or in ?query=, not both")
        return body_text("query")
    hint = " (updates go to /update)" if mimetype == "application/sparql-update" else ""
    raise ApiError(
        415,
        f"unsupported Content-Type {mimetype or '(none)'!r} for a query; "
        f"use {' or '.join(QUERY_TYPES)}{hint}",
        supported=list(QUERY_TYPES),
    )


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    """Answer a query (or describe the service when there is none)."""
    query = _read_query()
    if query is None:
        if "format" not in request.args and wants_html():
            return query_page(request.base_url)
        return service_description()
    note_query(query)
    if not query.strip():
        raise ApiError(400, "the query is empty")
    default_graphs, named_graphs = dataset_params()
    executor = service().executor
    base = current_app.config.get("BASE")
    # One round trip to a query worker: the text checks and the form (for content
    # negotiation) come from the text analysis, and run_query reports a syntax error before
    # any byte. The engine's parse check (a second round trip) is only made where its answer
    # changes what the client gets: a HEAD (nothing is evaluated), a text whose form the
    # analysis cannot read, and before any other error, so that a syntax error (400) still
    # wins over a 406 or a refused dataset, exactly as when the check always came first.
    info = None if request.method == "HEAD" else executor.prepare(query, base_iri=base)
    checked = info is None
    if info is None:
        info = executor.inspect(query, base_iri=base, client=request.remote_addr)
    kind = "results" if info.form in ("SELECT", "ASK") else "rdf"
    try:
        media_type = negotiate(kind)
    except ApiError:
        if not checked:
            executor.inspect(query, base_iri=base, client=request.remote_addr)
        raise
    if request.method == "HEAD":  # the headers a GET would get, without running the query
        return Response(status=200, content_type=content_type(media_type), headers=_HEADERS)
    try:
        done, outcome = take_outcome(request.environ)  # run by the fast path already?
        if not done:
            outcome = executor.run_query(
                query,
                media_type=media_type,
                default_graphs=default_graphs,
                named_graphs=named_graphs,
                base_iri=base,
                client=request.remote_addr,
            )
        elif isinstance(outcome, BaseException):
            raise outcome
        chunks = outcome
    except QueryRefused:  # a default-graph-uri / named-graph-uri the store does not hold
        if not checked:
            executor.inspect(query, base_iri=base, client=request.remote_addr)
        raise
    whole = getattr(chunks, "whole", None)
    body = whole() if callable(whole) else None
    if body is not None:
        # The whole result came in one message from the worker: send it with a
        # Content-Length (one write, and no chunked framing for the client to parse).
        return Response(body, status=200, content_type=content_type(media_type),
                        headers=_HEADERS)
    return Response(_guarded(chunks, query), status=200, content_type=content_type(media_type),
                    headers=_HEADERS)


_HEADERS = (("Vary", "Accept"), ("Cache-Control", "no-store"))


def _guarded(chunks: Iterable[bytes], query: str) -> Iterator[bytes]:
    """The executor's chunks; a failure after the status was sent aborts the response.

    The status line is already on the wire then. Re-raising makes the WSGI server drop the
    connection without the final chunk, so the client sees an incomplete transfer instead of
    a short body that looks complete (a CSV cut between rows would). The reason is logged.
    """

    def _stream() -> Iterator[bytes]:
        try:
            yield from chunks
        except ExecutorError as exc:  # a limit reached mid-stream: expected
            log.warning("result cut off after it started (query hash %s): %s",
                        query_hash(query), exc)
            raise
        except Exception:
            log.exception("the result stream failed after it started (query hash %s)",
                          query_hash(query))
            raise

    closer = getattr(chunks, "close", None)
    return ClosingIterator(_stream(), closer if callable(closer) else (lambda: None))
