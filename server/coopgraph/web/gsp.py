"""``/store``: the SPARQL 1.1 Graph Store HTTP Protocol (indirect graph identification).

``?graph=IRI`` or ``?default`` (a POST with neither creates a new contribution graph).
GET/HEAD are public; PUT (replace), POST (add) and DELETE need the admin token and respect
the curated graphs. Uploads are checked (``rdfio.check_safe``) and parsed in a query worker
under the time limit (``executor.to_ntriples``) before anything changes, and each write is one
store transaction, so a bad or too slow upload changes nothing.
``?default`` is the store's own default graph (not the union the query endpoint may use).
"""

from __future__ import annotations

import select
import socket
import time
import uuid
from pathlib import PurePosixPath

from flask import Blueprint, Response, current_app, request

from ..rdfio import RdfParseError, UnsafeRdfError, check_safe
from ..store import RDF_FORMATS, QuerySyntaxError
from .auth import check_graphs_writable, require_admin
from .backend import pipe
from .bodies import REQUEST_STARTED
from .errors import ApiError, syntax_position
from .negotiation import ALIASES, content_type, negotiate
from .params import check_iri
from .service import service

bp = Blueprint("gsp", __name__)

#: media types an upload may have (the store parses them).
UPLOAD_TYPES = [t for t in RDF_FORMATS]


def _target() -> str:
    """The graph the request is about: an IRI or ``""`` for the default graph."""
    graphs = request.args.getlist("graph")
    has_default = "default" in request.args
    if graphs and has_default:
        raise ApiError(400, "give either ?graph=IRI or ?default, not both")
    if len(graphs) > 1:
        raise ApiError(400, "give exactly one graph parameter")
    if graphs:
        return check_iri(graphs[0], "graph")
    if has_default:
        return ""
    raise ApiError(400, "name the graph: ?graph=IRI or ?default")


def _label(graph: str) -> str:
    return f"<{graph}>" if graph else "the default graph"


@bp.route("/store", methods=["GET", "HEAD"])
def read() -> Response:
    """Serialise one graph in the negotiated syntax."""
    graph = _target()
    store = service().store
    if not store.has_graph(graph):
        raise ApiError(404, f"no graph {_label(graph)} in the store")
    media_type = negotiate("rdf")
    headers = {"Vary": "Accept"}
    if request.method == "HEAD":
        return Response(status=200, content_type=content_type(media_type), headers=headers)
    chunks = pipe(lambda out: store.dump_graph(graph, out, media_type))
    return Response(chunks, status=200, content_type=content_type(media_type), headers=headers)


#: file extension → media type, for multipart parts that do not say their type.
_EXTENSIONS = {
    ".ttl": "text/turtle", ".nt": "application/n-triples", ".jsonld": "application/ld+json",
    ".rdf": "application/rdf+xml", ".owl": "application/rdf+xml", ".trig": "application/trig",
    ".nq": "application/n-quads", ".n3": "text/n3",
}


def _multipart() -> tuple[bytes, str]:
    """All the files of a ``multipart/form-data`` upload, as one N-Triples document.

    Each part is parsed on its own (its Content-Type, else its file name's extension) so
    that a bad part fails the whole request before anything is written; pyoxigraph gives
    each part's blank nodes their own identifiers, so parts cannot share blank nodes.
    """
    parts = list(request.files.values())
    if not parts:
        raise ApiError(400, "the multipart upload holds no file")
    documents: list[bytes] = []
    for part in parts:
        mimetype = ALIASES["rdf"].get(part.mimetype, part.mimetype)
        if mimetype not in RDF_FORMATS:
            mimetype = _EXTENSIONS.get(PurePosixPath(part.filename or "").suffix.lower(), "")
        if mimetype not in RDF_FORMATS:
            raise ApiError(415, f"part {part.filename or part.name!r}: unsupported Content-Type "
                                f"{part.mimetype!r}", supported=UPLOAD_TYPES)
        documents.append(_parsed(part.read(), mimetype, f"part {part.filename or part.name!r}"))
    return b"".join(documents), "application/n-triples"


def _parsed(data: bytes, mimetype: str, label: str) -> bytes:
    """``data`` as N-Triples: checked here (``check_safe``: cheap, linear; a bomb is refused
    in milliseconds), parsed in a query worker under the time limit (``executor.to_ntriples``:
    a parse that takes longer is killed, 503, and nothing is written)."""
    try:
        check_safe(data, mimetype, label)
        return service().executor.to_ntriples(data, mimetype, label, client=request.remote_addr)
    except UnsafeRdfError as exc:
        raise ApiError(400, f"{exc} (nothing was changed)", line=exc.line,
                       column=exc.column) from exc
    except RdfParseError as exc:
        position = {k: v for k, v in (("line", exc.line), ("column", exc.column))
                    if v is not None}
        raise ApiError(400, f"{label} does not parse (nothing was changed): {exc.reason}",
                       **position) from exc


def _upload() -> tuple[bytes, str]:
    mimetype = request.mimetype
    if mimetype == "multipart/form-data":
        return _multipart()
    mimetype = ALIASES["rdf"].get(mimetype, mimetype)
    if mimetype not in RDF_FORMATS:
        raise ApiError(
            415,
            f"unsupported Content-Type {request.mimetype or '(none)'!r} for RDF data; "
            f"use one of: {', '.join(UPLOAD_TYPES)}",
            supported=UPLOAD_TYPES,
        )
    data = request.get_data(cache=False)
    return _parsed(data, mimetype, f"the {mimetype} data"), "application/n-triples"


def _still_wanted(started: float) -> None:
    """Refuse to commit when the client has gone or the request outlived the time limit.

    The client's socket (gunicorn's ``gunicorn.socket``) reads as closed when the client gave
    up; a write that took longer than ``QUERY_TIMEOUT`` is refused rather than committed
    after the client's own time-out most likely fired.
    """
    limit = float(current_app.config.get("QUERY_TIMEOUT") or 0)
    if limit and time.monotonic() - started > limit:
        raise ApiError(503, f"the upload was not processed within {limit:g} s; nothing was "
                            "changed", headers={"Retry-After": "10"})
    sock = request.environ.get("gunicorn.socket")
    if sock is None:
        return
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        if readable and sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b"":
            raise ApiError(400, "the client closed the connection; nothing was changed")
    except (OSError, ValueError):
        return  # cannot tell: commit as asked


def _write(graph: str, replace: bool, *, new: bool = False) -> Response:
    started = request.environ.get(REQUEST_STARTED, time.monotonic())  # before the body
    require_admin()
    check_graphs_writable([graph])  # curated graphs, contribution graphs: 403
    data, mimetype = _upload()
    _still_wanted(started)
    svc = service()
    existed = False if new else svc.store.has_graph(graph)
    check = lambda: _still_wanted(started)  # noqa: E731 - again after parsing, before writing
    try:
        if replace:
            svc.store.replace_graph(graph, data, mimetype, before_commit=check)
        else:
            svc.store.add_to_graph(graph, data, mimetype, before_commit=check)
    except QuerySyntaxError as exc:
        message = str(exc)
        raise ApiError(
            400, f"the {mimetype} data does not parse (nothing was changed): {message}",
            **syntax_position(message),
        ) from exc
    finally:
        svc.changed()
    response = Response(status=204 if existed else 201)
    if new:
        response.headers["Location"] = graph
    return response


@bp.route("/store", methods=["PUT"])
def put() -> Response:
    """Replace a graph (201 when it is new, 204 otherwise)."""
    return _write(_target(), replace=True)


@bp.route("/store", methods=["POST"])
def post() -> Response:
    """Add to a graph (201 when it is new, 204 otherwise).

    Without ``graph``/``default`` the server creates a new graph ``<base>graph/upload/{uuid}``
    and answers 201 with its IRI in ``Location`` (not under ``graph/contribution/``: those are
    the validated contributions of ``/contributions``).
    """
    if "graph" not in request.args and "default" not in request.args:
        graph = f"{current_app.config['BASE']}graph/upload/{uuid.uuid4().hex}"
        return _write(graph, replace=False, new=True)
    return _write(_target(), replace=False)


@bp.route("/store", methods=["DELETE"])
def delete() -> Response:
    """Drop a graph (204), or 404 if there is no such graph."""
    require_admin()
    graph = _target()
    check_graphs_writable([graph])  # curated graphs, contribution graphs: 403
    svc = service()
    try:
        existed = svc.store.drop_graph(graph)
    finally:
        svc.changed()
    if not existed:
        raise ApiError(404, f"no graph {_label(graph)} in the store")
    return Response(status=204)
