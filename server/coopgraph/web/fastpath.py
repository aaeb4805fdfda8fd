"""A lean WSGI path for the most common request: one query, nothing else, a plain Accept.

Why: Flask's request context, its hooks (CORS, access log), werkzeug's request and response
objects and the view's parameter handling cost about 0.3 ms of CPU per request, several
times the engine's time for a lookup (docs/benchmarks.md, "Serving-path overhead").

What it serves: ``GET /sparql?query=…`` or a form ``POST /sparql`` whose only parameter is
one ``query``, with no ``Accept``, ``Accept: */*``, or an ``Accept`` that is exactly one of
the media types of the query's form. It runs the same executor calls as the view (``prepare``, then
``run_query``) and answers exactly what the Flask application answers (same status, headers
in the same order, same body, same access-log line). Everything else, and every
case that is not plainly a success, is handed to the Flask application unchanged:

* before the query runs (anything unusual in the request, a refusal, an unreadable form):
  the Flask application handles the request from the start, as if this module did not exist;
* once ``run_query`` has been called (its error, or a result too large to be sent whole):
  the outcome is handed to the view through the WSGI environ (``OUTCOME``), so the query is
  never evaluated twice, and the view turns it into the response as usual.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask

from .accesslog import emit_access_line, now_iso, query_hash
from .negotiation import RDF_TYPES, RESULT_TYPES, content_type
from .params import well_escaped

#: environ key: what run_query returned or raised in the fast path, for the view.
OUTCOME = "coopgraph.fastpath.outcome"
#: environ key: when the request reached the fast path (``time.perf_counter()``).
STARTED = "coopgraph.fastpath.started"

_FORM = "application/x-www-form-urlencoded"


class _Body:
    """The response body: one bytes object; the access-log line is written on close()."""

    def __init__(self, body: bytes, on_close: Callable[[], None] | None) -> None:
        self._body = body
        self._on_close = on_close

    def __iter__(self) -> Iterator[bytes]:
        yield self._body

    def close(self) -> None:
        on_close, self._on_close = self._on_close, None
        if on_close is not None:
            on_close()


class FastSparql:
    """WSGI middleware in front of the Flask application's ``wsgi_app``."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.app = app
        self.served = 0  # requests answered without Flask (diagnostics, tests)
        # Fixed when the app is made, as web/__init__.py's CORS hooks do.
        self.cors = "/sparql" in tuple(app.config.get("CORS_PATHS") or ())

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") != "/sparql" or environ.get("SCRIPT_NAME"):
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        environ[STARTED] = started  # the access log's duration counts from here, in Flask too
        query = self._query(environ, self.app.config)
        if query is None:
            return self.wsgi_app(environ, start_response)
        return self._answer(environ, start_response, query, started)

    def _query(self, environ: dict[str, Any], config: Any) -> str | None:
        """The query text if the request is a plain one-query request, else None.

        For a POST, the body is read here; it is put back (``wsgi.input``) for Flask.
        """
        method = environ.get("REQUEST_METHOD")
        query_string = environ.get("QUERY_STRING", "")
        if method == "GET":
            text = query_string
        elif method == "POST":
            if query_string or environ.get("CONTENT_TYPE") != _FORM:
                return None
            if environ.get("HTTP_TRANSFER_ENCODING"):
                return None
            length_text = environ.get("CONTENT_LENGTH") or ""
            if not length_text.isdigit():
                return None
            length = int(length_text)
            max_body = config.get("MAX_CONTENT_LENGTH")
            if max_body is not None and length > max_body:
                return None
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)  # Flask reads it again if we hand over
            if not body.isascii():
                return None
            text = body.decode("ascii")
        else:
            return None
        if not text.isascii() or not well_escaped(text):
            return None  # the view answers (400 for a bad escape: web/params.py)
        try:
            pairs = parse_qsl(text, keep_blank_values=True, errors="strict")
        except (UnicodeDecodeError, ValueError):
            return None
        if len(pairs) != 1 or pairs[0][0] != "query":
            return None
        query = pairs[0][1]
        max_query = config.get("MAX_QUERY_LENGTH")
        if not query.strip() or (max_query and len(query) > max_query):
            return None  # the view's 400 / 403
        return query

    def _answer(
        self,
        environ: dict[str, Any],
        start_response: Callable[..., Any],
        query: str,
        started: float,
    ) -> Any:
        config = self.app.config  # read per request, as the view and the hooks do
        base = config.get("BASE")
        executor = self.app.extensions["coopgraph"].executor
        try:
            info = executor.prepare(query, base_iri=base)
        except Exception:  # noqa: BLE001 - the view raises it again and answers as usual
            return self.wsgi_app(environ, start_response)
        if info is None:
            return self.wsgi_app(environ, start_response)
        supported = RESULT_TYPES if info.form in ("SELECT", "ASK") else RDF_TYPES
        accept = environ.get("HTTP_ACCEPT")
        if accept is None or accept == "*/*":  # what negotiate() gives for these
            media_type = supported[0]
        elif accept in supported:
            media_type = accept
        else:
            return self.wsgi_app(environ, start_response)
        try:
            chunks: Any = executor.run_query(
                query, media_type=media_type, default_graphs=[], named_graphs=[],
                base_iri=base, client=environ.get("REMOTE_ADDR"),
            )
        except Exception as exc:  # noqa: BLE001 - handed to the view, which answers it
            return self._hand_over(environ, start_response, exc)
        whole = getattr(chunks, "whole", None)
        body = whole() if callable(whole) else None
        if body is None:
            return self._hand_over(environ, start_response, chunks)
        headers = [
            ("Vary", "Accept"),
            ("Cache-Control", "no-store"),
            ("Content-Type", content_type(media_type)),
            ("Content-Length", str(len(body))),
        ]
        if self.cors:
            headers.append(("Access-Control-Allow-Origin", "*"))
            headers.append(("Access-Control-Expose-Headers", "Content-Type, Vary"))
        start_response("200 OK", headers)
        self.served += 1
        log = config.get("ACCESS_LOG", True)
        return _Body(body, self._log_line(environ, query, started, len(body)) if log else None)

    def _hand_over(
        self, environ: dict[str, Any], start_response: Callable[..., Any], outcome: Any
    ) -> Any:
        environ[OUTCOME] = outcome
        try:
            return self.wsgi_app(environ, start_response)
        finally:
            left = environ.pop(OUTCOME, None)
            closer = getattr(left, "close", None)
            if callable(closer):
                closer()  # the view did not take the stream: free its worker and slot

    def _log_line(
        self, environ: dict[str, Any], query: str, started: float, length: int
    ) -> Callable[[], None]:
        fields: dict[str, object] = {
            "time": now_iso(),
            "method": environ["REQUEST_METHOD"],
            "path": "/sparql",
            "status": 200,
            "query_hash": query_hash(query),
            "client": environ.get("REMOTE_ADDR"),
        }

        def _emit() -> None:
            emit_access_line(fields, started, length)

        return _emit


def take_outcome(environ: dict[str, Any]) -> tuple[bool, Any]:
    """``(True, outcome)`` if the fast path already called run_query for this request."""
    if OUTCOME in environ:
        return True, environ.pop(OUTCOME)
    return False, None
