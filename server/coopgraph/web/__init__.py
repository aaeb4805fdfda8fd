"""The SPARQL 1.1 service as a Flask application.

:func:`create_app` opens (or is given) a store, wraps it in the query executor and registers
one blueprint per concern: ``/sparql`` (queries, service description), ``/update``,
``/store`` (Graph Store Protocol), ``/.well-known/void``, ``/healthz``, ``/readyz``. Errors
become JSON or text bodies with the right status; every request gets one JSON access-log line.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from flask import Flask, Response, request

from .. import config as project_config
from .. import settings as table
from ..store import Store, open_store
from .accesslog import init_access_log
from .backend import make_executor
from .errors import register_error_handlers
from .result_cache import make_result_cache
from .service import Service

#: Settings and their defaults (``create_app(config)`` overrides any of them), derived from
#: the one table, :data:`coopgraph.settings.SETTINGS` (see docs/settings.md).
DEFAULTS: dict[str, Any] = table.app_defaults()


def _settings(overrides: dict[str, Any] | None) -> dict[str, Any]:
    """Each setting from ``overrides``, else its environment variable, else its default."""
    explicit = dict(overrides or {})
    settings = explicit | {name: table.resolve(name, explicit) for name in DEFAULTS}
    if not settings["BASE"]:
        settings["BASE"] = project_config.base_iri()
    if settings["PROTECTED_GRAPHS"] is None:
        settings["PROTECTED_GRAPHS"] = [
            project_config.graph_iri(kind, settings["BASE"]) for kind in project_config.GRAPH_KINDS
        ]
    settings["PROTECTED_GRAPHS"] = frozenset(settings["PROTECTED_GRAPHS"])
    settings["SERVICE_ALLOWLIST"] = list(settings["SERVICE_ALLOWLIST"] or [])
    return settings


def _server_log() -> None:
    """Send ``coopgraph.web`` messages (warnings, tracebacks of failures) to stderr."""
    log = logging.getLogger("coopgraph.web")
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
    if log.level == logging.NOTSET:
        log.setLevel(logging.INFO)


def _cors(app: Flask) -> None:
    """``Access-Control-Allow-Origin: *`` on the public read endpoints; preflights answered."""
    paths = tuple(app.config["CORS_PATHS"])

    @app.before_request
    def _preflight() -> Response | None:
        if request.method == "OPTIONS" and request.path in paths:
            return Response(status=204)
        return None

    @app.after_request
    def _headers(response: Response) -> Response:
        if request.path in paths:
            response.headers["Access-Control-Allow-Origin"] = "*"
            if request.method == "OPTIONS":
                response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
                response.headers["Access-Control-Allow-Headers"] = (
                    request.headers.get("Access-Control-Request-Headers")
                    or "Accept, Content-Type"
                )
                response.headers["Access-Control-Max-Age"] = "86400"
            else:
                response.headers["Access-Control-Expose-Headers"] = (
                    "Content-Type, Vary, ETag, X-Cache")
        return response


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The WSGI application serving one store.

    ``config`` overrides :data:`DEFAULTS`. The store is ``STORE`` if given (the caller keeps
    ownership), else opened at ``STORE_PATH`` (None = in memory) and closed by
    ``app.extensions["coopgraph"].close()``.
    """
    settings = _settings(config)
    app = Flask(__name__)
    app.config.update(settings)

    store: Store | None = settings["STORE"]
    owns = store is None
    if store is None and settings["REMOTE"] is not None:  # engines hook: a remote engine
        from ..store.remote import open_for_app

        store = open_for_app(settings)
    if store is None:
        store = open_store(settings["STORE_PATH"], read_only=bool(settings["STORE_READ_ONLY"]))
    executor = make_executor(store, settings)
    results = make_result_cache(executor, store, settings)
    app.extensions["coopgraph"] = Service(store=store, executor=executor, owns_store=owns,
                                          results=results)

    from . import admin, contributions, description, gsp, health, pages, sparql, update, validate

    for module in (sparql, update, gsp, description, health, admin, validate, contributions,
                   *pages.MODULES):
        app.register_blueprint(module.bp)
    register_error_handlers(app)
    from .params import check_request_encoding

    app.before_request(check_request_encoding)  # 400/415 for bad encodings (web/params.py)
    _server_log()
    init_access_log(app)
    _cors(app)
    from .bodies import WholeBody

    if settings["FAST_PATH"] and not settings["TRUSTED_PROXIES"]:
        from .fastpath import FastSparql

        # The fast entry to the one /sparql core (web/fastpath.py), behind WholeBody so that
        # it, too, sees whole bodies within the limit.
        app.wsgi_app = FastSparql(app.wsgi_app, app)  # type: ignore[method-assign]
    # Flask sees whole bodies within the limit, chunked or not (web/bodies.py).
    app.wsgi_app = WholeBody(  # type: ignore[method-assign]
        app.wsgi_app, settings["MAX_CONTENT_LENGTH"]
    )
    if settings["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(settings["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops
        )
    return app


__all__ = ["DEFAULTS", "create_app"]
