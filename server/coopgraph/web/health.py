"""``/healthz``: is the store readable? For load balancers and the deployment's probes."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify

from .service import service

bp = Blueprint("health", __name__)
log = logging.getLogger("coopgraph.web")


@bp.route("/healthz", methods=["GET", "HEAD"])
def healthz() -> tuple[Response, int]:
    """``{status, graphs, triples}``; 503 when the store cannot be read."""
    try:
        store = service().store
        graphs = len(store.named_graphs())
        triples = store.count()
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        log.warning("health check failed: %s", exc)
        return jsonify(status="unavailable", error="the store cannot be read"), 503
    return jsonify(status="ok", graphs=graphs, triples=triples), 200
