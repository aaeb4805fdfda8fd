"""The ``/sparql`` query operation, once: request in, status + headers + body + log out.

Why one core: the Flask route (web/sparql.py) and the lean WSGI entry in front of Flask
(web/fastpath.py) used to read the request, negotiate and check limits each in their own
way. Both now call :func:`read_request` and :func:`answer`; neither reads a parameter,
chooses a media type or checks a limit itself.

* :func:`read_request` reads a WSGI environ and its (whole) body into a :class:`QueryRequest`:
  the query string's and form's parameters, after the encoding checks (web/params.py).
* :func:`answer` reads the query from it (GET ``?query=``, POST form, POST
  ``application/sparql-query``), negotiates (web/negotiation.py), runs the executor's checks
  (length, SERVICE/LOAD/FROM, the time, size and concurrency limits: each checked once,
  there) and evaluation, and returns an :class:`Outcome`: an error too is an Outcome (its
  body from web/errors.py), so both entries send what they get. ``None`` means "no query":
  the service description or the workbench page, which only the Flask route serves.
* With the app's result cache (web/result_cache.py), after negotiation: a GET/HEAD whose
  ``If-None-Match`` holds the current ``ETag`` gets 304 (nothing evaluated), a result of the
  current store version is sent from memory (``X-Cache: hit``), and a complete one is kept.

Framework-free (no Flask request): werkzeug's header parsing is the only web library used.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.http import parse_options_header

from .accesslog import access_record, query_hash
from .backend import ClosingIterator, ExecutorError, QueryRefused
from .errors import ApiError, classify, render
from .negotiation import choose, content_type
from .params import check_dataset, check_encoding, decode_text
from .result_cache import CACHE_CONTROL, ResultCache, not_modified

log = logging.getLogger("coopgraph.web")

FORM = "application/x-www-form-urlencoded"
QUERY_TYPES = (FORM, "application/sparql-query")
_HEADERS = [("Vary", "Accept"), ("Cache-Control", "no-store")]


@dataclass
class QueryRequest:
    """What the core needs of an HTTP request, read once (no Flask, no werkzeug Request)."""

    method: str
    mimetype: str  # Content-Type without parameters, lower case ("" when absent)
    charset: str | None  # its charset parameter
    query_string: bytes
    body: bytes
    accept: str | None
    client: str | None
    path: str = "/sparql"
    if_none_match: str | None = None  # the conditional header (web/result_cache.py)
    #: URL query-string and form-body parameters, in order: filled by :func:`answer` once
    #: their encoding is checked.
    args: list[tuple[str, str]] = field(default_factory=list)
    form: list[tuple[str, str]] = field(default_factory=list)

    def arg(self, name: str) -> list[str]:
        return [value for key, value in self.args if key == name]

    def field(self, name: str) -> list[str]:
        return [value for key, value in self.form if key == name]


@dataclass
class Outcome:
    """An answer: ``body`` is ``[bytes]`` (whole, with a Content-Length) or a closable
    stream; ``query`` is the text for the access log's hash (None when there was none)."""

    status: int
    headers: list[tuple[str, str]]
    body: Iterable[bytes]
    query: str | None
    length: int | None = None  # bytes of a whole body

    def log_record(self, request: QueryRequest) -> dict[str, object]:
        """The access-log fields (web/accesslog.py) before ``duration_ms`` and ``bytes``."""
        return access_record(request.method, request.path, self.status, self.query,
                             request.client)


def read_request(environ: Mapping[str, Any], body: bytes) -> QueryRequest:
    """The request as the core sees it (nothing is refused here: :func:`answer` checks).

    ``body`` is the whole request body (web/bodies.py made it whole; the caller read it).
    """
    method = environ.get("REQUEST_METHOD", "GET")
    raw_type = environ.get("CONTENT_TYPE") or ""
    if raw_type:
        mimetype, options = parse_options_header(raw_type)
        mimetype = mimetype.lower()
        charset = options.get("charset")
    else:
        mimetype, charset = "", None
    return QueryRequest(method, mimetype, charset,
                        environ.get("QUERY_STRING", "").encode("latin-1"), body,
                        environ.get("HTTP_ACCEPT"), environ.get("REMOTE_ADDR"),
                        if_none_match=environ.get("HTTP_IF_NONE_MATCH"))


def _read_params(request: QueryRequest) -> None:
    """Check the encodings (400/415, web/params.py), then parse the parameters."""
    is_form = request.method == "POST" and request.mimetype == FORM
    check_encoding(request.query_string, request.charset if is_form else None,
                   request.body if is_form else None)
    request.args = _pairs(request.query_string)
    request.form = _pairs(request.body) if is_form else []


def _pairs(raw: bytes) -> list[tuple[str, str]]:
    if not raw:
        return []
    return parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)


def answer(request: QueryRequest, config: Mapping[str, Any], executor: Any,
           cache: ResultCache | None = None) -> Outcome | None:
    """The answer to a ``/sparql`` request, or None if it carries no query (see module).

    With ``cache`` (the app's, web/result_cache.py): a result of the current store version is
    answered from memory, a complete one is kept, and a GET/HEAD whose ``If-None-Match`` holds
    the current ``ETag`` gets 304 without evaluation.
    """
    query: str | None = None
    try:
        _read_params(request)
        query = _read_query(request)
        if query is None:
            return None
        return _run(request, query, config, executor, cache)
    except Exception as exc:  # noqa: BLE001 - every failure becomes its error answer
        status, message, headers, extra = classify(exc, request.method, request.path)
        out, body = render(status, message, request.accept, headers, **extra)
        return Outcome(status, out, [body], query, len(body))


def _one(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise ApiError(400, f"give exactly one {name} parameter, got {len(values)}")
    return values[0] if values else None


def _read_query(request: QueryRequest) -> str | None:
    """The query text, or None for a GET without one (service description)."""
    if request.method in ("GET", "HEAD"):
        if request.arg("update"):
            raise ApiError(400, "updates must be POSTed to /update, not sent with GET")
        return _one(request.arg("query"), "query")
    if request.mimetype == FORM:
        queries = request.field("query") + request.arg("query")
        if request.field("update"):
            if queries:
                raise ApiError(400, "give either query or update, not both")
            raise ApiError(400, "updates go to /update (this is the query endpoint)")
        query = _one(queries, "query")
        if query is None:
            raise ApiError(400, "missing the query parameter")
        return query
    if request.mimetype == "application/sparql-query":
        if request.arg("query"):
            raise ApiError(400, "give the query either in the body or in ?query=, not both")
        return decode_text(request.body, request.charset, "query")
    mimetype = request.mimetype
    hint = " (updates go to /update)" if mimetype == "application/sparql-update" else ""
    raise ApiError(
        415,
        f"unsupported Content-Type {mimetype or '(none)'!r} for a query; "
        f"use {' or '.join(QUERY_TYPES)}{hint}",
        supported=list(QUERY_TYPES),
    )


def _run(request: QueryRequest, query: str, config: Mapping[str, Any],
         executor: Any, cache: ResultCache | None) -> Outcome:
    if not query.strip():
        raise ApiError(400, "the query is empty")
    default_graphs, named_graphs = check_dataset(
        request.arg("default-graph-uri") + request.field("default-graph-uri"),
        request.arg("named-graph-uri") + request.field("named-graph-uri"))
    base = config.get("BASE")
    client = request.client
    # One round trip to a query worker: the text checks and the form (for content
    # negotiation) come from the text analysis, and run_query reports a syntax error before
    # any byte. The engine's parse check (a second round trip) is only made where its answer
    # changes what the client gets: a HEAD (nothing is evaluated), a text whose form the
    # analysis cannot read, and before any other error, so that a syntax error (400) still
    # wins over a 406 or a refused dataset, exactly as when the check always came first.
    info = None if request.method == "HEAD" else executor.prepare(query, base_iri=base)
    checked = info is None
    if info is None:
        info = executor.inspect(query, base_iri=base, client=client)
    kind = "results" if info.form in ("SELECT", "ASK") else "rdf"
    formats = request.arg("format") or request.field("format")
    try:
        media_type = choose(kind, request.accept, formats[0] if formats else None)
    except ApiError:
        if not checked:
            executor.inspect(query, base_iri=base, client=client)
        raise
    headers = [*_HEADERS, ("Content-Type", content_type(media_type))]
    slot = None if cache is None else cache.slot(
        query, media_type=media_type, default_graphs=default_graphs,
        named_graphs=named_graphs, base_iri=base)
    if slot is not None:
        safe = request.method in ("GET", "HEAD")
        validators = [("Vary", "Accept"),
                      ("Cache-Control", CACHE_CONTROL if safe else "no-store")]
        if safe:
            validators.append(("ETag", slot.etag))
        if not_modified(request.if_none_match, slot):
            if not safe:  # RFC 9110 13.1.2: a matching If-None-Match on POST is a 412
                raise ApiError(412, "If-None-Match matches the current result; conditional "
                                    "requests are answered for GET (304)")
            return Outcome(304, validators, [], query, 0)
        headers = [*validators, ("Content-Type", content_type(media_type))]
    if request.method == "HEAD":  # the headers a GET would get, without running the query
        return _whole(headers, b"", query)
    if slot is not None:
        assert cache is not None
        cached = cache.get(slot)
        if cached is not None:
            return _whole([*headers, ("X-Cache", "hit")], cached, query)
        headers.append(("X-Cache", "miss"))
    try:
        chunks = executor.run_query(
            query, media_type=media_type, default_graphs=default_graphs,
            named_graphs=named_graphs, base_iri=base, client=client,
        )
    except QueryRefused:  # a default-graph-uri / named-graph-uri the store does not hold
        if not checked:
            executor.inspect(query, base_iri=base, client=client)
        raise
    whole = getattr(chunks, "whole", None)
    body = whole() if callable(whole) else None
    if body is not None:
        # The whole result came in one message from the worker: send it with a
        # Content-Length (one write, and no chunked framing for the client to parse).
        if slot is not None:
            assert cache is not None
            cache.put(slot, body)
        return _whole(headers, body, query)
    if slot is not None:
        assert cache is not None
        chunks = cache.tee(slot, chunks)  # kept if it ends normally within the entry cap
    return Outcome(200, headers, _guarded(chunks, query), query)


def _whole(headers: list[tuple[str, str]], body: bytes, query: str) -> Outcome:
    return Outcome(200, [*headers, ("Content-Length", str(len(body)))], [body], query,
                   len(body))


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
