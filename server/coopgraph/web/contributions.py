"""``/contributions``: take in, list, show and withdraw contributed datasets.

``POST /contributions?contributor=NAME&source=URL[&note=…]`` (admin token; the same bodies as
``POST /validate``) → 201 with ``Location: /contributions/{id}``; 422 with the report when the
data does not conform (nothing stored); 409 when the same file was already contributed.
``GET /contributions`` (JSON or HTML), ``GET /contributions/{id}`` (its report, its triples
with ``?format=`` or Accept for an RDF syntax, ``?inferred`` for its inferences),
``DELETE /contributions/{id}`` (admin token) withdraws it and its inferences.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, g, render_template, request

from .. import contributions as contrib
from ..rdfio import RdfParseError
from .auth import require_admin
from .errors import ApiError
from .negotiation import FORMATS, RDF_TYPES
from .service import service
from .validate import (
    graph_context,
    parse_submission,
    read_submission,
    request_lang,
)

bp = Blueprint("contributions", __name__, template_folder="templates")

LIST_TYPES = ["application/json", "text/html"]


def _base() -> str:
    return current_app.config["BASE"]


def _wants(types: list[str]) -> str:
    fmt = request.args.get("format")
    if fmt:
        wanted = {"json": "application/json", "html": "text/html"}.get(
            fmt.lower(), FORMATS.get(fmt.lower(), fmt.lower()))
        if wanted in types:
            return wanted
        raise ApiError(406, f"format {fmt!r} is not available here; use one of: "
                            + ", ".join(types), supported=types)
    accept = request.accept_mimetypes
    if not accept or accept.best == "*/*":
        return types[0]
    return accept.best_match(types) or types[0]


def _json(doc: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", status=status,
                    mimetype="application/json", headers=headers or {})


@bp.route("/contributions", methods=["POST"])
def create() -> Response:
    """Validate, then take in (201), or refuse (422 with the report, 409 duplicate)."""
    require_admin()
    lang = request_lang()
    sub = read_submission()
    contribution = parse_submission(sub)
    svc = service()
    try:
        entry = contrib.ingest(
            svc.store, contribution, sub.data, contributor=request.args.get("contributor", ""),
            source=request.args.get("source", ""), note=request.args.get("note") or None,
            media_type=sub.media_type, base=_base(), lang=lang, context=graph_context(),
            reader=svc.executor)
    except contrib.ContributionError as exc:
        if exc.status == 422 and exc.report is not None:
            doc = json.loads(exc.report.to_json())
            doc["message"] = exc.message
            return _json(doc, 422)
        if exc.status == 409:
            return _json({"status": 409, "message": exc.message, "id": exc.existing,
                          "location": f"/contributions/{exc.existing}"}, 409,
                         {"Location": f"/contributions/{exc.existing}"})
        raise ApiError(exc.status, exc.message) from exc
    except RdfParseError as exc:  # readable, but the validator cannot check it: nothing stored
        raise ApiError(400, str(exc)) from None
    svc.changed()
    return _json(entry.to_json(with_report=True), 201,
                 {"Location": f"/contributions/{entry.id}"})


@bp.route("/contributions", methods=["GET"])
def index() -> Response:
    entries = contrib.list_entries(service().executor, _base())
    if _wants(LIST_TYPES) == "text/html":
        g.lang = request_lang()  # the shared layout's language switch follows it
        html = render_template("contributions.html", entries=entries, entry=None)
        return Response(html, mimetype="text/html")
    return _json({"contributions": contrib.iter_all(entries)})


@bp.route("/contributions/<cid>", methods=["GET"])
def show(cid: str) -> Response:
    svc = service()
    store = svc.store
    entries = contrib.list_entries(svc.executor, _base(), cid) if contrib._safe_id(cid) else []
    if not entries:
        raise ApiError(404, f"no contribution {cid!r}")
    entry = entries[0]
    wanted = _wants(["application/json", "text/html", *RDF_TYPES])
    if wanted in RDF_TYPES:
        body = contrib.dump(store, cid, wanted, _base(), inferred="inferred" in request.args)
        return Response(body, mimetype=wanted)
    if wanted == "text/html":
        buf = contrib.dump(store, cid, "text/turtle", _base()).decode("utf-8")
        g.lang = request_lang()
        html = render_template("contributions.html", entries=[], entry=entry,
                               triples=buf[:200_000])
        return Response(html, mimetype="text/html")
    return _json(entry.to_json(with_report=True))


@bp.route("/contributions/<cid>", methods=["DELETE"])
def remove(cid: str) -> Response:
    require_admin()
    svc = service()
    if not contrib.withdraw(svc.store, cid, _base()):
        raise ApiError(404, f"no contribution {cid!r}")
    svc.changed()
    return Response(status=204)
