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
import contextlib
import errno
import functools
import io
import ipaddress
import os
import select
import selectors
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from gunicorn.workers.gthread import TConn, ThreadWorker

from . import builds
from . import config as project_config
from . import settings as settings_table

LOOPBACK_NAMES = {"localhost", "ip6-localhost"}


#: How long a request thread waits on its keep-alive connection for the next request before
#: handing the connection back to gunicorn's poller (see :class:`KeepAliveThreadWorker`).
HOLD_S = 0.002
#: Requests one thread serves in a row on one connection before giving it back anyway.
HOLD_REQUESTS = 100


#: A request's head (request line and headers) must be complete this long after its first
#: byte (new connection: after connecting). Heads are read by the worker's poller, not by a
#: request thread, so a slow head never holds a thread (issue 12: 8 half request lines used to
#: take all 8 threads for as long as they stayed).
HEAD_TIMEOUT_S = 10.0
#: Largest request head: gunicorn's own limit on the request line (1 MiB when lifted) plus
#: 100 headers of 8 KiB. A head still incomplete past it is handed on and refused by gunicorn.
MAX_HEAD_BYTES = 1024 * 1024 + 100 * 8190
#: Longest wait for one read of a request body, or one write of a response, by a request
#: thread; past it the connection is dropped (a body then stores nothing, web/bodies.py).
IO_TIMEOUT_S = 10.0
#: Open connections one client address may have; more are closed at once. Off behind a
#: reverse proxy (``--proxies``), where every client has the proxy's address.
MAX_CONNECTIONS_PER_CLIENT = 32


class GuardedThreadWorker(ThreadWorker):
    """gunicorn's ``gthread`` worker that slow or many clients cannot starve.

    * new connections, and kept-alive ones that become readable, wait on the poller until their
      request head is complete (``HEAD_TIMEOUT_S``), so threads only ever serve whole heads;
    * a request thread's reads (the body) and writes (the response) time out after
      ``IO_TIMEOUT_S`` of silence;
    * one client address holds at most ``MAX_CONNECTIONS_PER_CLIENT`` connections.

    Idle connections cost a poller entry, not a thread: ``worker_connections`` (1000) of them.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._per_client: dict[str, int] = {}
        self._per_client_lock = threading.Lock()
        proxies = getattr(self.app, "app_config", {}).get("TRUSTED_PROXIES", 0)
        self._client_cap = None if proxies else MAX_CONNECTIONS_PER_CLIENT

    # -- main thread: accepting and reading heads

    def accept(self, listener: Any) -> None:
        try:
            sock, client = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        address = client[0] if isinstance(client, tuple) else str(client)
        if not self._admit(address):
            sock.close()
            return
        self.nr_conns += 1
        conn = TConn(self.cfg, sock, client, listener.getsockname())  # non-blocking
        close = conn.close
        released: list[bool] = []

        def close_and_release(*args: Any, **kwargs: Any) -> Any:
            if not released:
                released.append(True)
                self._release(address)
            return close(*args, **kwargs)

        conn.close = close_and_release
        self._await_head(conn, b"")

    def on_client_socket_readable(self, conn: Any, client: Any) -> None:
        """A kept-alive connection has bytes: read its next head on the poller too."""
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._await_head(conn, b"")

    def _await_head(self, conn: Any, head: bytes) -> None:
        conn.coop_head = bytearray(head)
        conn.timeout = time.monotonic() + HEAD_TIMEOUT_S  # murder_pending closes it then
        self.pending_conns.append(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ,
                             functools.partial(self._on_head_readable, conn))

    def _on_head_readable(self, conn: Any, client: Any) -> None:
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # the client went away before sending a whole head
            self._forget_pending(conn)
            self.nr_conns -= 1
            conn.close()
            return
        conn.coop_head += data
        if b"\r\n\r\n" not in conn.coop_head and len(conn.coop_head) < MAX_HEAD_BYTES:
            return
        self._forget_pending(conn)
        head, conn.coop_head = bytes(conn.coop_head), bytearray()
        if conn.parser is not None:
            _append(conn.parser.unreader, head)
        else:
            conn.coop_pending = head  # put into the parser when the thread creates it
            init = conn.init

            def init_and_feed() -> None:
                init()
                if conn.parser is not None and conn.coop_pending:
                    _append(conn.parser.unreader, conn.coop_pending)
                    conn.coop_pending = b""

            conn.init = init_and_feed
        conn.data_ready = True
        self.enqueue_req(conn)

    def _forget_pending(self, conn: Any) -> None:
        with contextlib.suppress(ValueError):
            self.pending_conns.remove(conn)
        with contextlib.suppress(KeyError, ValueError, OSError):
            self.poller.unregister(conn.sock)

    def _admit(self, address: str) -> bool:
        with self._per_client_lock:
            count = self._per_client.get(address, 0)
            if self._client_cap is not None and count >= self._client_cap:
                return False
            self._per_client[address] = count + 1
            return True

    def _release(self, address: str) -> None:
        with self._per_client_lock:
            count = self._per_client.get(address, 1) - 1
            if count > 0:
                self._per_client[address] = count
            else:
                self._per_client.pop(address, None)

    def _cap_keepalive(self, deadline: float) -> None:
        """On stop, connections still sending a head close as soon as kept-alive ones."""
        super()._cap_keepalive(deadline)
        for conn in self.pending_conns:
            conn.timeout = min(conn.timeout, deadline)

    # -- request threads

    def handle_request(self, req: Any, conn: Any) -> Any:
        conn.sock.settimeout(IO_TIMEOUT_S)  # body reads and response writes
        return super().handle_request(req, conn)


def _append(unreader: Any, data: bytes) -> None:
    """Add bytes read from the socket after what the parser's unreader already holds."""
    rest = unreader.buf.getvalue()
    unreader.buf = io.BytesIO()
    unreader.buf.write(rest)
    unreader.buf.write(data)


class KeepAliveThreadWorker(GuardedThreadWorker):
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
        if unreader is not None and b"\r\n\r\n" in unreader.buf.getvalue():
            return True  # the next request was read ahead with the previous body
        try:
            readable, _, _ = select.select([conn.sock], [], [], HOLD_S)
            # Only a whole head is served here; a partial one goes back to the poller.
            return bool(readable) and b"\r\n\r\n" in conn.sock.recv(65536, socket.MSG_PEEK)
        except (OSError, ValueError):
            return False


class CoopgraphArbiter(Arbiter):
    """gunicorn's master, whose SIGHUP switches the server to the newest build.

    gunicorn's own SIGHUP starts a new worker and then stops the old one gracefully. The new
    worker opens the build the store link points at *now*; when that is the build being
    served already, nothing happens (two processes cannot open one store read-write).
    """

    def handle_hup(self) -> None:
        app = self.app
        if isinstance(app, CoopgraphApplication) and not app.switch_to_newest_build(self.log):
            return
        super().handle_hup()


class CoopgraphApplication(BaseApplication):
    """gunicorn, configured programmatically, serving :func:`coopgraph.web.create_app`.

    The store link (``var/store``) is resolved once, here in the master: every worker gets the
    resolved build directory, and the master holds it (:mod:`coopgraph.builds`) so that no
    build prunes it while the server runs, even between two workers.
    """

    def __init__(self, app_config: dict[str, Any], options: dict[str, Any]) -> None:
        self.app_config = app_config
        self.options = options
        self.application: Any = None
        link = app_config.get("STORE_LINK")
        self.link = Path(link) if link else None
        path = app_config.get("STORE_PATH")
        self.hold = builds.hold(Path(path)) if path and Path(path).exists() else None
        super().__init__()

    def switch_to_newest_build(self, log: Any) -> bool:
        """Point the next workers at the build the link names now; False if nothing to do."""
        if self.link is None or not self.link.is_symlink():
            log.info("reload: the store is not a link made by `coopgraph build`; unchanged")
            return False
        newest = builds.resolve(self.link)
        if str(newest) == self.app_config.get("STORE_PATH"):
            log.info("reload: already serving the newest build %s", newest.name)
            return False
        try:
            new_hold = builds.hold(newest)
        except OSError as exc:
            log.error("reload: cannot open the newest build %s: %s; unchanged", newest, exc)
            return False
        old, self.hold = self.hold, new_hold
        log.info("reload: switching from %s to %s", self.app_config.get("STORE_PATH"), newest)
        self.app_config["STORE_PATH"] = str(newest)
        if old is not None:
            old.release()  # the old worker holds it (its store's own hold) until it exits
        return True

    def run(self) -> None:
        try:
            CoopgraphArbiter(self).run()
        except RuntimeError as exc:
            print(f"\nError: {exc}\n", file=sys.stderr, flush=True)
            sys.exit(1)

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self) -> Any:
        from .web import create_app

        settings = dict(self.app_config)
        if self.link is not None:
            settings["RELOAD"] = _ask_master_to_reload
        self.application = create_app(settings)
        return self.application


def _ask_master_to_reload() -> None:
    """From a worker: SIGHUP to gunicorn's master, which switches to the newest build."""
    os.kill(os.getppid(), signal.SIGHUP)


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``coopgraph serve``: the ``serve`` rows of the settings table."""
    settings_table.add_arguments(parser, "serve")


def app_config(args: argparse.Namespace) -> dict[str, Any]:
    """The ``create_app`` settings for the parsed options."""
    settings = settings_table.app_values(args, "serve")
    settings["STORE_PATH"] = None if getattr(args, "in_memory", False) else str(
        args.store or project_config.default_store_path())
    settings["REMOTE"] = getattr(args, "remote", None)  # a RemoteSettings: serve that engine
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
    if path is not None and Path(path).is_symlink():
        # Resolved once: RocksDB must never follow the link (a rebuild moves it), see builds.py.
        if not Path(path).exists():
            return _fail(f"--store {path} points at a build that does not exist")
        settings["STORE_LINK"] = str(Path(path).absolute())
        settings["STORE_PATH"] = path = str(builds.resolve(path))
    if path is not None and Path(path).exists() and not Path(path).is_dir():
        return _fail(f"--store {path} is not a directory")
    if not _is_loopback(args.host):
        print(f"coopgraph serve: warning: listening on {args.host}, reachable from other "
              "machines; serve behind a reverse proxy with TLS", file=sys.stderr)
    if not settings_table.resolve("ADMIN_TOKEN", settings):
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
