"""``/healthz`` and ``/readyz``: is the store readable, and does the server answer at full
speed yet? For load balancers and the deployment's probes."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, jsonify

from .service import Service, service

bp = Blueprint("health", __name__)
log = logging.getLogger("coopgraph.web")


def _readable(state: Service) -> dict[str, Any] | None:
    """``{status, graphs, triples}`` when the store can be read, else None (logged)."""
    try:
        store = state.store
        return {"status": "ok", "graphs": len(store.named_graphs()), "triples": store.count()}
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        log.warning("health check failed: %s", exc)
        return None


def _health(state: Service) -> tuple[dict[str, Any] | None, bool]:
    """``/healthz``'s body (None when the store cannot be read), and whether the workers'
    state (``Executor.evaluation_summary``: none on a remote engine) could be had: a failure
    is logged, never raised (diagnostics never fail ``/healthz``), and keeps ``/readyz``
    from declaring the server ready."""
    body = _readable(state)
    if body is None:
        return None, False
    try:
        evaluation = state.executor.evaluation_summary()
    except Exception as exc:  # noqa: BLE001
        log.warning("evaluation summary failed: %s", exc)
        return body, False
    if evaluation is not None:
        body["evaluation"] = evaluation
    return body, True


def _unavailable() -> tuple[Response, int]:
    return jsonify(status="unavailable", error="the store cannot be read"), 503


@bp.route("/healthz", methods=["GET", "HEAD"])
def healthz() -> tuple[Response, int]:
    """``{status, graphs, triples[, evaluation]}``; 503 when the store cannot be read.

    ``evaluation`` (embedded store only) tells whether the query workers answer from their
    in-memory copies yet: for a minute after a start on a large store, or after a write, they
    answer from the snapshot on disk, several times slower (docs/endpoint.md)."""
    body, _ = _health(service())
    if body is None:
        return _unavailable()
    return jsonify(body), 200


def warmed_up(evaluation: dict[str, int]) -> bool:
    """Whether the workers answer at full speed: none starting, none evaluating from disk
    while its copy into memory is under way, and one there (idle or busy) unless the pool
    keeps none warm (``WORKER_POOL_SIZE`` 0). A store too large to copy
    (``MEMORY_EVALUATION_QUADS``) is at full speed on disk."""
    present = evaluation["in_memory"] + evaluation["on_disk"] + evaluation["busy"]
    return (evaluation["starting"] == 0 and evaluation["copying"] == 0
            and present >= min(1, evaluation["pool_size"]))


@bp.route("/readyz", methods=["GET", "HEAD"])
def readyz() -> tuple[Response, int]:
    """200 ``{status: "ready", …}`` once the server answers at full speed, else 503
    ``{status: "warming", …}`` with ``Retry-After``; 503 ``unavailable`` when the store cannot
    be read.

    Why a second probe: ``/healthz`` is 200 as soon as the store can be read, and a load
    balancer that only reads status codes would then send traffic to workers still copying a
    large store into memory (about 20 s at 1M quads), answering several times slower. Ready
    is kept once reached: the copies made after a later write must not take a server out of
    rotation (it keeps answering from disk meanwhile)."""
    state = service()
    body, known = _health(state)
    if body is None:
        return _unavailable()
    if not state.warmed and known:
        evaluation = body.get("evaluation")  # none on a remote engine: nothing to warm
        state.warmed = evaluation is None or warmed_up(evaluation)
    if state.warmed:
        body["status"] = "ready"
        return jsonify(body), 200
    body["status"] = "warming"
    response = jsonify(body)
    response.headers["Retry-After"] = "1"
    return response, 503
