"""``/update``: the SPARQL 1.1 Protocol update operation (admin token only).

The update is read (``application/sparql-update`` body or form ``update=``), the bearer token
checked, the graphs it may change worked out (in a query worker) and refused if curated or
contributed, then the executor runs it: first on a checkpoint in a query worker under the time
and memory limits (503 / 413 and nothing changed when it passes them), then on the store (the
executor refuses LOAD, answers ``LOAD SILENT`` as a successful no-op and runs the other
operations of the request, and reports a syntax error before a LOAD refusal). 204 on success.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from ..store import QuerySyntaxError, StoreError
from .accesslog import note_query
from .auth import check_graphs_writable, curated_writes_checked, require_admin
from .errors import ApiError, syntax_position
from .params import body_text, check_iri, form_or_args
from .service import service
from .using import add_using

bp = Blueprint("update", __name__)

UPDATE_TYPES = ("application/sparql-update", "application/x-www-form-urlencoded")


def _read_update() -> str:
    mimetype = request.mimetype
    if mimetype == "application/x-www-form-urlencoded":
        if request.form.getlist("query"):
            raise ApiError(400, "give either query or update, not both (queries go to /sparql)")
        updates = request.form.getlist("update")
        if len(updates) != 1:
            raise ApiError(400, "give exactly one update parameter"
                           if updates else "missing the update parameter")
        return updates[0]
    if mimetype == "application/sparql-update":
        return body_text("update")
    raise ApiError(
        415,
        f"unsupported Content-Type {mimetype or '(none)'!r} for an update; "
        f"use {' or '.join(UPDATE_TYPES)}",
        supported=list(UPDATE_TYPES),
    )


def _syntax_error(exc: QuerySyntaxError) -> ApiError:
    """400 with the parser's message and, when known, its line and column."""
    message = str(exc).removeprefix("syntax error: ")
    position = {key: value for key in ("line", "column")
                if (value := getattr(exc, key, None)) is not None}
    return ApiError(400, f"syntax error: {message}", **(position or syntax_position(message)))


@bp.route("/update", methods=["POST"])
def update() -> Response:
    """Apply one SPARQL Update request."""
    require_admin()
    text = _read_update()
    note_query(text)
    if not text.strip():
        raise ApiError(400, "the update is empty")
    text = add_using(
        text,
        [check_iri(g, "using-graph-uri") for g in form_or_args("using-graph-uri")],
        [check_iri(g, "using-named-graph-uri") for g in form_or_args("using-named-graph-uri")],
    )
    base = current_app.config.get("BASE")
    svc = service()
    client = request.remote_addr
    try:
        # Syntax and the graphs it changes, worked out in a query worker under the time limit
        # (executor.check_update), so that a large update parses off this process. Also when
        # curated writes are allowed: the contribution graphs are never /update's to change.
        targets = svc.executor.check_update(text, base_iri=base, client=client,
                                            lenient=not curated_writes_checked())
    except QuerySyntaxError as exc:
        raise _syntax_error(exc) from exc
    check_graphs_writable(targets)
    try:
        # Applied first by a query worker to a checkpoint, under the time and memory limits
        # (503 / 413, nothing changed), then here (executor.run_update).
        svc.executor.run_update(text, base_iri=base, client=client)
    except QuerySyntaxError as exc:
        raise _syntax_error(exc) from exc
    except StoreError as exc:
        if type(exc) is not StoreError:
            raise
        # A parsed update the engine could not apply (e.g. DROP of a missing graph without
        # SILENT): an evaluation failure, 500 like the reference server (oxigraph serve).
        raise ApiError(500, f"the update could not be applied: {exc}") from exc
    finally:
        svc.changed()
    return Response(status=204)
