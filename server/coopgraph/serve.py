"""``coopgraph serve``: the SPARQL endpoint under gunicorn.

One worker process (RocksDB allows one process per store directory, and an in-memory store
would be a different store in each process) running several threads (``gthread``, with
the keep-alive hand-over of :class:`KeepAliveThreadWorker`):
pyoxigraph releases the GIL while it evaluates, so the threads answer queries in parallel.
The app is created inside the worker (``load``), never in the master, so the store is
opened once, by the process that serves it.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import select
import sys
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker

from . import config as project_config

LOOPBACK_NAMES = {"localhost", "ip6-localhost"}


#: How long a request thread waits on its keep-alive connection for the next request before
#: handing the connection back to gunicorn's poller (see :class:`KeepAliveThreadWorker`).
HOLD_S = 0.002
#: Requests one thread serves in a row on one connection before giving it back anyway.
HOLD_REQUESTS = 100


class KeepAliveThreadWorker(ThreadWorker):
    """gunicorn's ``gthread`` worker, minus two thread hand-overs per keep-alive request.

    In ``gthread``, after each response the request thread hands the connection to the main
    thread (a wake-up through a pipe), which puts it back on its poller; when the next request
    arrives the main thread wakes and hands it to a pool thread again. For a client that sends
    its next request at once (the usual SPARQL client in a loop), that is most of gunicorn's
    cost per request. Here the request thread first waits up to ``HOLD_S`` for the next
    request on the same connection and serves it itself, but only while no other connection
    is waiting for a thread (so a held connection never delays another client by more than
    ``HOLD_S``) and for at most ``HOLD_REQUESTS`` requests in a row. Everything else
    (timeouts, graceful stop, connection limits) is ``gthread``'s.
    """

    def handle(self, conn: Any) -> Any:
        result = super().handle(conn)
        served = 1
        while result is True and self.alive and served < HOLD_REQUESTS and not conn.is_http2:
            if not self._next_request_ready(conn):
                break
            result = super().handle(conn)
            served += 1
        return result

    def _next_request_ready(self, conn: Any) -> bool:
        queue = getattr(self.tpool, "_work_queue", None)
        if queue is None or not queue.empty():
            return False  # another connection waits for a thread: give this one back
        unreader = getattr(conn.parser, "unreader", None)
        if unreader is not None and unreader.buf.getvalue():
            return True  # the next request was read ahead with the previous body
        try:
            readable, _, _ = select.select([conn.sock], [], [], HOLD_S)
        except (OSError, ValueError):
            return False
        return bool(readable)


class CoopgraphApplication(BaseApplication):
    """gunicorn, configured programmatically, serving :func:`coopgraph.web.create_app`."""

    def __init__(self, app_config: dict[str, Any], options: dict[str, Any]) -> None:
        self.app_config = app_config
        self.options = options
        self.application: Any = None
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self) -> Any:
        from .web import create_app

        self.application = create_app(self.app_config)
        return self.application


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``coopgraph serve``."""
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default: 127.0.0.1; a public address "
                             "is allowed with a warning: put a reverse proxy in front)")
    parser.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--store", type=Path, default=None,
                       help="the on-disk store (default: $COOPGRAPH_STORE or ./var/store); "
                            "an empty or missing directory serves a new empty store")
    where.add_argument("--in-memory", action="store_true",
                       help="serve a new, empty in-memory store (lost at exit)")
    parser.add_argument("--no-union-default-graph", action="store_true",
                        help="the default graph is the store's default graph, not the union "
                             "of the named graphs")
    parser.add_argument("--workers", type=int, default=1,
                        help="worker processes: must be 1 (one process per store)")
    parser.add_argument("--threads", type=int, default=8,
                        help="threads of the worker, i.e. concurrent requests (default: 8)")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="query time limit in seconds (default: 30)")
    parser.add_argument("--max-concurrent-queries", type=int, default=None,
                        help="queries evaluated at once (default: 4)")
    parser.add_argument("--max-upload", type=int, default=None, metavar="BYTES",
                        help="largest request body (default: 16 MiB)")
    parser.add_argument("--service-allow", nargs="+", default=[], metavar="URL",
                        help="remote SPARQL endpoints that SERVICE may call (default: none)")
    parser.add_argument("--allow-curated-writes", action="store_true",
                        help="let the admin token change the curated graphs too")
    parser.add_argument("--proxies", type=int, default=0, metavar="N",
                        help="trust X-Forwarded-* from N reverse proxies in front (default: 0)")
    parser.add_argument("--read-only", action="store_true",
                        help="open the store read-only (every write fails)")


def app_config(args: argparse.Namespace) -> dict[str, Any]:
    """The ``create_app`` settings for the parsed options."""
    settings: dict[str, Any] = {
        "STORE_PATH": None if getattr(args, "in_memory", False)
        else str(args.store or project_config.default_store_path()),
        "UNION_DEFAULT_GRAPH": not args.no_union_default_graph,
        "QUERY_TIMEOUT": args.timeout,
        "SERVICE_ALLOWLIST": list(args.service_allow or []),
        "ALLOW_CURATED_WRITES": bool(getattr(args, "allow_curated_writes", False)),
        "STORE_READ_ONLY": bool(getattr(args, "read_only", False)),
        "REMOTE": getattr(args, "remote", None),  # engines hook: a RemoteSettings or None
    }
    if getattr(args, "proxies", 0):
        settings["TRUSTED_PROXIES"] = args.proxies
    if getattr(args, "max_concurrent_queries", None):
        settings["MAX_CONCURRENT_QUERIES"] = args.max_concurrent_queries
    if getattr(args, "max_upload", None):
        settings["MAX_CONTENT_LENGTH"] = args.max_upload
    return settings


def _fail(message: str) -> int:
    print(f"coopgraph serve: {message}", file=sys.stderr)
    return 2


def _worker_exit(server: Any, worker: Any) -> None:
    """Flush and close the store when the worker stops."""
    application = getattr(worker.app, "application", None)
    if application is not None:
        application.extensions["coopgraph"].close()


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; returns the process exit code."""
    if args.workers != 1:
        return _fail("--workers must be 1: the store allows one process; use --threads")
    if args.threads < 1 or not (0 < args.port < 65536) or args.timeout <= 0:
        return _fail("--threads, --port and --timeout must be positive")
    settings = app_config(args)
    path = settings["STORE_PATH"]
    if path is not None and Path(path).exists() and not Path(path).is_dir():
        return _fail(f"--store {path} is not a directory")
    if not _is_loopback(args.host):
        print(f"coopgraph serve: warning: listening on {args.host}, reachable from other "
              "machines; serve behind a reverse proxy with TLS", file=sys.stderr)
    if not os.environ.get("COOPGRAPH_ADMIN_TOKEN"):
        print("coopgraph serve: COOPGRAPH_ADMIN_TOKEN is not set: /update and /store writes "
              "are refused", file=sys.stderr)
    host = f"[{args.host}]" if ":" in args.host and not args.host.startswith("[") else args.host
    options = {
        "bind": f"{host}:{args.port}",
        "workers": 1,
        "worker_class": KeepAliveThreadWorker,
        "threads": args.threads,
        # The worker heartbeat must outlive the longest query the executor allows.
        "timeout": int(args.timeout) + 30,
        "graceful_timeout": 10,
        "keepalive": 5,
        # GET queries can be long (SPARQL clients put their prefixes in the URL): gunicorn's
        # 4 KiB request line would refuse them; the app's MAX_QUERY_LENGTH still applies.
        "limit_request_line": 0,
        "accesslog": None,  # the app writes its own structured access log
        "errorlog": "-",
        "loglevel": "info",
        "worker_exit": _worker_exit,
        "proc_name": "coopgraph",
        # No runtime control socket: its default path is shared by every gunicorn of the
        # user, and it could raise the worker count, which the store does not allow.
        "control_socket_disable": True,
    }
    print(f"coopgraph serve: http://{host}:{args.port}/sparql "
          f"({'in-memory store' if path is None else path})", file=sys.stderr)
    try:
        CoopgraphApplication(settings, options).run()
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else 1
    return 0
