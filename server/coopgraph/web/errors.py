"""Error responses: one clear message, the right status, never a traceback.

Every exception that reaches Flask goes through :func:`register_error_handlers`. The body is
JSON when the client prefers JSON and plain text otherwise, so that ``curl`` users and
SPARQL client libraries (which put the body into their own exception message) both get a
readable sentence. Tracebacks are logged server-side only.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from ..store import QuerySyntaxError, StoreError
from .backend import ExecutorError, QueryBusy, QueryRefused, QueryTimeout, ResultTooLarge

log = logging.getLogger("coopgraph.web")

_POSITION = re.compile(r"(?:at|line)\s+(\d+)(?::(\d+)|\s+between columns\s+(\d+))")


class ApiError(Exception):
    """An error with an HTTP status and a message that is safe to show to the client."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.extra = extra


def syntax_position(message: str) -> dict[str, Any]:
    """Line and column from a parser message ("error at 1:25: …", "line 3 between columns…")."""
    match = _POSITION.search(message)
    if not match:
        return {}
    column = match.group(2) or match.group(3)
    position = {"line": int(match.group(1))}
    if column:
        position["column"] = int(column)
    return position


def _wants_json() -> bool:
    """True when the client ranks a JSON type above plain text (explicitly, not via */*)."""
    accept = request.accept_mimetypes
    json_q = max(
        accept.quality("application/json") if "application/json" in accept.values() else 0,
        accept.quality("application/sparql-results+json")
        if "application/sparql-results+json" in accept.values()
        else 0,
        accept.quality("application/ld+json") if "application/ld+json" in accept.values() else 0,
    )
    text_q = accept.quality("text/plain") if "text/plain" in accept.values() else 0
    return json_q > 0 and json_q >= text_q


def error_response(
    status: int,
    message: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """The body every error gets: JSON ``{status, error, message, …}`` or one text line."""
    from werkzeug.http import HTTP_STATUS_CODES

    title = HTTP_STATUS_CODES.get(status, "Error")
    if _wants_json():
        body = json.dumps({"status": status, "error": title, "message": message, **extra})
        response = Response(body + "\n", status=status, mimetype="application/json")
    else:
        lines = [f"{status} {title}: {message}"]
        lines += [f"{key}: {value}" for key, value in extra.items()]
        response = Response("\n".join(lines) + "\n", status=status, mimetype="text/plain")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _http_exception(exc: HTTPException) -> Response:
    status = exc.code or 500
    message = exc.description or exc.name
    headers = {}
    if status == 405:
        allowed = getattr(exc, "valid_methods", None) or []
        headers["Allow"] = ", ".join(sorted(set(allowed)))
        message = f"method {request.method} is not allowed on {request.path}"
        if allowed:
            message += f"; allowed: {', '.join(sorted(set(allowed)))}"
    elif status == 413:
        limit = request.max_content_length
        message = "the request body is too large" + (f" (limit {limit} bytes)" if limit else "")
    elif status == 404:
        message = f"no such resource: {request.path}"
    return error_response(status, message, headers=headers)


def register_error_handlers(app: Flask) -> None:
    """Map every exception to a status and a message; log unexpected ones with a traceback."""

    @app.errorhandler(ApiError)
    def _api(exc: ApiError) -> Response:
        return error_response(exc.status, exc.message, headers=exc.headers, **exc.extra)

    @app.errorhandler(QuerySyntaxError)
    def _syntax(exc: QuerySyntaxError) -> Response:
        message = str(exc)
        return error_response(400, f"syntax error: {message}", **syntax_position(message))

    @app.errorhandler(QueryRefused)
    def _refused(exc: QueryRefused) -> Response:
        status = getattr(exc, "http_status", 403)
        return error_response(status, getattr(exc, "message", None) or str(exc))

    @app.errorhandler(QueryTimeout)
    def _timeout(exc: QueryTimeout) -> Response:
        message = getattr(exc, "message", None) or str(exc) or "the query took too long"
        return error_response(503, message, headers={"Retry-After": "10"})

    @app.errorhandler(QueryBusy)
    def _busy(exc: QueryBusy) -> Response:
        message = getattr(exc, "message", None) or str(exc) or "too many queries at once"
        retry = str(getattr(exc, "retry_after", 1))
        return error_response(503, message, headers={"Retry-After": retry})

    @app.errorhandler(ResultTooLarge)
    def _too_large(exc: ResultTooLarge) -> Response:
        message = getattr(exc, "message", None) or str(exc) or "the result is too large"
        return error_response(413, message)

    @app.errorhandler(ExecutorError)
    def _executor(exc: ExecutorError) -> Response:
        status = getattr(exc, "http_status", 500)
        if status >= 500:
            log.warning("executor error on %s %s: %s", request.method, request.path, exc)
        return error_response(status, getattr(exc, "message", None) or str(exc))

    @app.errorhandler(StoreError)
    def _store(exc: StoreError) -> Response:
        log.warning("store error on %s %s: %s", request.method, request.path, exc)
        return error_response(500, f"store error: {exc}")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        return _http_exception(exc)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal server error (logged on the server)")
