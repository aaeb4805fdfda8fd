"""The fast WSGI entry to ``/sparql``: the one core (web/sparql_core.py) without Flask.

Why: Flask's request context, its hooks, werkzeug's request and response objects cost more
CPU per request than a cheap lookup's evaluation (docs/benchmarks.md: "Serving-path
overhead" and "One /sparql core"). This entry calls the same functions as the Flask route,
``read_request`` then ``answer``, and sends the outcome itself with the CORS headers and the
access-log line the Flask hooks would add. It reads, negotiates, checks and logs nothing of
its own.

Passed to the Flask application unchanged (before anything is read): other paths, methods
other than GET/HEAD/POST (OPTIONS preflights are the CORS hook's), a body over
``MAX_CONTENT_LENGTH`` (Flask's 413, as for every route), and a request with no query
(``answer`` returns None: the service description and the workbench page are Flask views).
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import Flask
from werkzeug.http import HTTP_STATUS_CODES

from .accesslog import emit_access_line
from .sparql_core import answer, read_request

#: environ key: when the request reached this entry (``time.perf_counter()``); the Flask
#: access log counts from it for the requests passed on (web/accesslog.py).
STARTED = "coopgraph.fastpath.started"

_CORS = [("Access-Control-Allow-Origin", "*"),
         ("Access-Control-Expose-Headers", "Content-Type, Vary, ETag, X-Cache")]


class _Body:
    """The response body; its own ``close()`` and then ``on_close`` (the log line) run once."""

    def __init__(self, body: Iterable[bytes], on_close: Callable[[], None] | None) -> None:
        self._body = body
        self._on_close = on_close

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._body)

    def close(self) -> None:
        closer = getattr(self._body, "close", None)
        try:
            if callable(closer):
                closer()  # a stream frees its query worker and its slot
        finally:
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
        if (environ.get("PATH_INFO") != "/sparql" or environ.get("SCRIPT_NAME")
                or environ.get("REQUEST_METHOD") not in ("GET", "HEAD", "POST")):
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        environ[STARTED] = started
        config = self.app.config  # read per request, as the Flask route and hooks do
        body = self._body(environ, config.get("MAX_CONTENT_LENGTH"))
        if body is None:
            return self.wsgi_app(environ, start_response)
        request = read_request(environ, body)
        svc = self.app.extensions["coopgraph"]
        outcome = answer(request, config, svc.executor, svc.results)
        if outcome is None:
            environ["wsgi.input"] = io.BytesIO(body)  # the Flask view reads it again
            return self.wsgi_app(environ, start_response)
        headers = outcome.headers + _CORS if self.cors else outcome.headers
        start_response(f"{outcome.status} {HTTP_STATUS_CODES.get(outcome.status, '')}",
                       headers)
        self.served += 1
        if not config.get("ACCESS_LOG", True):
            return _Body(outcome.body, None)
        record = outcome.log_record(request)

        def _emit() -> None:
            emit_access_line(record, started, outcome.length)

        return _Body(outcome.body, _emit)

    @staticmethod
    def _body(environ: dict[str, Any], limit: int | None) -> bytes | None:
        """The whole body (web/bodies.py, outside this entry, made it whole), or None when
        Flask must answer (over the limit, or a length werkzeug refuses)."""
        length_text = (environ.get("CONTENT_LENGTH") or "").strip()
        if not length_text:
            return b""
        if not length_text.isdigit() or (limit is not None and int(length_text) > limit):
            return None
        length = int(length_text)
        return environ["wsgi.input"].read(length) if length else b""
