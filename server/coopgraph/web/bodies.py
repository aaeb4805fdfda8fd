"""Request bodies are whole or refused: the WSGI layer in front of the Flask application.

Why: werkzeug enforces ``MAX_CONTENT_LENGTH`` on a chunked body (no ``Content-Length``) by
*cutting* the stream at the limit, without an error, so a 20 MiB chunked ``PUT /store`` was
committed with its first 16 MiB (issue 12). And a body the client cut short (fewer bytes
than its ``Content-Length``, or a chunked body without its last chunk) reached the views as
if it were whole: N-Triples cut at a line end parse, and were stored.

:class:`WholeBody` reads every request body before the application sees the request:

* chunked, within the limit: handed on as an ordinary body with its ``Content-Length``, so
  every view, and the fast ``/sparql`` entry (web/fastpath.py, which sits behind this
  wrapper), sees what it would see for the same bytes sent with a length;
* chunked, over the limit: handed on as a body whose ``Content-Length`` is over the limit and
  which is empty, so the views answer exactly what they answer for an over-limit
  ``Content-Length`` (413, nothing read, nothing stored);
* cut short, or malformed chunking: 400 at once; the application never runs.

A ``Content-Length`` over the limit is passed on unread (the views answer 413 without reading).
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable
from typing import Any

#: environ key: why the body was replaced (``"too large"``), for diagnostics.
BODY_STATE = "coopgraph.body"
#: environ key: ``time.monotonic()`` when the request reached this layer (before its body).
REQUEST_STARTED = "coopgraph.request_started"
_READ = 64 * 1024


class WholeBody:
    """WSGI middleware: read the body whole (within ``limit`` bytes) before the app runs."""

    def __init__(self, app: Callable[..., Iterable[bytes]], limit: int | None) -> None:
        self.app = app
        self.limit = limit

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        environ.setdefault(REQUEST_STARTED, time.monotonic())
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        length_text = (environ.get("CONTENT_LENGTH") or "").strip()
        if not chunked and not length_text:
            return self.app(environ, start_response)
        stream = environ["wsgi.input"]
        if not chunked:
            if not length_text.isdigit():
                return self.app(environ, start_response)  # werkzeug answers it
            length = int(length_text)
            if self.limit is not None and length > self.limit:
                return self.app(environ, start_response)  # 413 from the view, unread
            body = _read(stream, length)
            if body is None or len(body) < length:
                return _cut_short(start_response, f"the body ended after {len(body or b'')} of "
                                                  f"its {length} bytes")
        else:
            budget = None if self.limit is None else self.limit + 1
            body = _read(stream, budget)
            if body is None:
                return _cut_short(start_response, "the chunked body is malformed or was cut "
                                                  "short")
            environ.pop("HTTP_TRANSFER_ENCODING", None)
            if self.limit is not None and len(body) > self.limit:
                environ[BODY_STATE] = "too large"
                environ["CONTENT_LENGTH"] = str(len(body))
                environ["wsgi.input"] = io.BytesIO()
                return self.app(environ, start_response)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)


def _read(stream: Any, budget: int | None) -> bytes | None:
    """Up to ``budget`` bytes (all if None) until the end; None if reading failed."""
    parts: list[bytes] = []
    total = 0
    try:
        while budget is None or total < budget:
            size = _READ if budget is None else min(_READ, budget - total)
            data = stream.read(size)
            if not data:
                break
            parts.append(data)
            total += len(data)
    except Exception:  # noqa: BLE001 - the server's reader raises many types on bad input
        return None
    return b"".join(parts)


def _cut_short(start_response: Callable[..., Any], message: str) -> list[bytes]:
    """A plain-text 400 (the client has usually gone; the app never ran, nothing changed)."""
    body = f"400 Bad Request: {message}; nothing was changed\n".encode()
    start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8"),
                                       ("Content-Length", str(len(body)))])
    return [body]
