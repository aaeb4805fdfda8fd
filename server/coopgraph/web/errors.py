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


def render(
    status: int,
    message: str,
    accept: str | None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> tuple[list[tuple[str, str]], bytes]:
    """The headers and body of an error: JSON ``{status, error, message, …}`` when the client
    prefers JSON (web/negotiation.py decides), else one text line. No Flask request needed:
    the ``/sparql`` core (web/sparql_core.py) answers its errors with it outside Flask."""
    from werkzeug.http import HTTP_STATUS_CODES

    from .negotiation import prefers_json  # here: negotiation imports ApiError from this module

    title = HTTP_STATUS_CODES.get(status, "Error")
    if prefers_json(accept):
        text = json.dumps({"status": status, "error": title, "message": message, **extra}) + "\n"
        media_type = "application/json"
    else:
        lines = [f"{status} {title}: {message}"]
        lines += [f"{key}: {value}" for key, value in extra.items()]
        text = "\n".join(lines) + "\n"
        media_type = "text/plain; charset=utf-8"
    body = text.encode("utf-8")
    out = [("Content-Type", media_type), ("Content-Length", str(len(body)))]
    out += list((headers or {}).items())
    return out, body


def error_response(
    status: int,
    message: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """The body every error gets (:func:`render`), as a Flask response."""
    out, body = render(status, message, request.headers.get("Accept"), headers, **extra)
    return Response(body, status=status, headers=out)


def classify(exc: Exception, method: str, path: str) -> tuple[int, str, dict[str, str],
                                                                 dict[str, Any]]:
    """``(status, message, headers, extra)`` for an exception raised while answering.

    The one mapping from our exceptions to statuses, used by Flask's handlers and by the
    ``/sparql`` core. Unexpected exceptions are logged with their traceback (call it from
    the ``except`` block); store failures and executor errors of status 5xx are logged.
    """
    if isinstance(exc, ApiError):
        return exc.status, exc.message, dict(exc.headers), dict(exc.extra)
    if isinstance(exc, QuerySyntaxError):
        message = str(exc)
        return 400, f"syntax error: {message}", {}, syntax_position(message)
    if isinstance(exc, QueryRefused):
        return getattr(exc, "http_status", 403), getattr(exc, "message", None) or str(exc), {}, {}
    if isinstance(exc, QueryTimeout):
        message = getattr(exc, "message", None) or str(exc) or "the query took too long"
        return 503, message, {"Retry-After": "10"}, {}
    if isinstance(exc, QueryBusy):
        message = getattr(exc, "message", None) or str(exc) or "too many queries at once"
        return 503, message, {"Retry-After": str(getattr(exc, "retry_after", 1))}, {}
    if isinstance(exc, ResultTooLarge):
        return 413, getattr(exc, "message", None) or str(exc) or "the result is too large", {}, {}
    if isinstance(exc, ExecutorError):
        status = getattr(exc, "http_status", 500)
        if status >= 500:
            log.warning("executor error on %s %s: %s", method, path, exc)
        return status, getattr(exc, "message", None) or str(exc), {}, {}
    if isinstance(exc, StoreError):
        log.warning("store error on %s %s: %s", method, path, exc)
        return 500, f"store error: {exc}", {}, {}
    log.error("unhandled error on %s %s", method, path, exc_info=exc)
    return 500, "internal server error (logged on the server)", {}, {}


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
    """Map every exception to a status and a message (:func:`classify`)."""

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        return _http_exception(exc)

    @app.errorhandler(Exception)
    def _any(exc: Exception) -> Response:
        status, message, headers, extra = classify(exc, request.method, request.path)
        return error_response(status, message, headers=headers, **extra)
