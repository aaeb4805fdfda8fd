"""The structured access log: one JSON line per request, on the ``coopgraph.access`` logger.

Fields: ``time`` (UTC, ISO 8601), ``method``, ``path``, ``status``, ``duration_ms`` (until
the last byte of a streamed body is sent), ``query_hash`` (the first 16 hex digits of the
SHA-256 of the query or update text, so that slow or failing queries can be grouped without
logging user text), ``client`` (the peer address), and ``bytes`` when known.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import time
from datetime import UTC, datetime

from flask import Flask, Response, g, request

access_log = logging.getLogger("coopgraph.access")


def query_hash(text: str | None) -> str | None:
    """The first 16 hex digits of the SHA-256 of the query text."""
    if text is None:
        return None
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def now_iso() -> str:
    """The ``time`` field: UTC, ISO 8601, milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def emit_access_line(record: dict[str, object], started: float, length: int | None) -> None:
    """Write one line: ``record`` (time … client), then ``duration_ms`` and ``bytes``."""
    record["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
    if length is not None:
        record["bytes"] = length
    access_log.info(json.dumps(record, ensure_ascii=False))


def access_record(method: str, path: str, status: int, query: str | None,
                  client: str | None) -> dict[str, object]:
    """The fields of a line before ``duration_ms`` and ``bytes``, in their order (the Flask
    hook and the fast ``/sparql`` entry, web/fastpath.py, both build them here)."""
    return {"time": now_iso(), "method": method, "path": path, "status": status,
            "query_hash": query_hash(query), "client": client}


def note_query(text: str) -> None:
    """Remember the request's query/update text for its log line."""
    g.query_text = text


def _configure() -> None:
    """Give the access logger one stderr handler (messages are already JSON)."""
    if not access_log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access_log.addHandler(handler)
    access_log.setLevel(logging.INFO)
    access_log.propagate = False


def init_access_log(app: Flask) -> None:
    """Time each request and log it when its response is closed."""
    if app.config.get("ACCESS_LOG", True):
        _configure()

    @app.before_request
    def _start() -> None:
        # A request passed on by web/fastpath.py (a bare GET: the service description)
        # counts from its arrival there.
        g.started = request.environ.get("coopgraph.fastpath.started") or time.perf_counter()

    @app.after_request
    def _log(response: Response) -> Response:
        if not app.config.get("ACCESS_LOG", True):
            return response
        started = g.get("started", time.perf_counter())
        record = access_record(request.method, request.path, response.status_code,
                               g.get("query_text"), request.remote_addr)
        # Never calculate_content_length(): on a streamed body it would buffer the stream.
        length = response.content_length if not response.is_streamed else None

        def _emit() -> None:
            emit_access_line(record, started, length)

        response.call_on_close(_emit)
        return response
