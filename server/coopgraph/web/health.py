"""``/healthz``: is the store readable? For load balancers and the deployment's probes."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, jsonify

from .service import service

bp = Blueprint("health", __name__)
log = logging.getLogger("coopgraph.web")


@bp.route("/healthz", methods=["GET", "HEAD"])
def healthz() -> tuple[Response, int]:
    """``{status, graphs, triples[, evaluation]}``; 503 when the store cannot be read.

    ``evaluation`` (embedded store only) tells whether the query workers answer from their
    in-memory copies yet: for a minute after a start on a large store, or after a write, they
    answer from the snapshot on disk, several times slower (docs/endpoint.md)."""
    try:
        state = service()
        store = state.store
        graphs = len(store.named_graphs())
        triples = store.count()
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        log.warning("health check failed: %s", exc)
        return jsonify(status="unavailable", error="the store cannot be read"), 503
    body: dict[str, Any] = {"status": "ok", "graphs": graphs, "triples": triples}
    try:
        evaluation = state.executor.evaluation_summary()  # None on a remote engine
    except Exception as exc:  # noqa: BLE001 - diagnostics never fail the health check
        log.warning("evaluation summary failed: %s", exc)
        evaluation = None
    if evaluation is not None:
        body["evaluation"] = evaluation
    return jsonify(body), 200
