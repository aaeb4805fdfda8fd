"""Safe, bounded query evaluation between the web layer and the store.

Why a separate layer: pyoxigraph evaluates a query inside one Rust call that cannot be
cancelled (``Store.query`` has no timeout or cancellation argument) and a Python thread cannot
be killed, so an expensive query evaluated in the web process would hold a core until it ends.
Queries are therefore evaluated in worker *processes*:

* each worker is a fresh interpreter (``python -c``, see :mod:`coopgraph.query_worker`; never
  forked from a process that has the store open, and not ``multiprocessing``'s spawn, which
  re-imports the parent's ``__main__``) and opens a **snapshot** of the store read-only. The
  snapshot is a RocksDB checkpoint made with ``Store.backup`` (hard links, cheap) because
  pyoxigraph documents that opening a directory read-only while another process writes it is
  undefined behaviour. An
  in-memory store is copied into an on-disk snapshot the same way, so small test stores get the
  same guarantees (no in-thread fallback for them);
* a worker streams serialised chunks back over a socket pair; on timeout the worker is killed
  (SIGKILL), reaped (no zombie) and replaced, while the other workers keep serving;
* a small warm pool (``Limits.pool_size``) keeps cheap queries at about a millisecond of
  overhead instead of a process start; each running query has a worker of its own, so two slow
  queries never block the cheap ones (up to ``Limits.max_concurrent`` at once);
* after a write (:meth:`Executor.changed`, called by :meth:`Executor.run_update`) a new snapshot
  is taken lazily (by the next query, or the pool's maintainer thread) and idle workers reopen
  it (milliseconds, no new process); queries already running finish on the old snapshot, which
  is deleted when its last worker has moved on;
* when no SERVICE endpoint is allowed, workers enter a network namespace of their own (Linux
  user namespaces) so that even a SERVICE the text checks missed cannot connect anywhere.
* each worker has a memory ceiling (``Limits.worker_memory_bytes``), since ORDER BY or
  GROUP_CONCAT can exhaust the machine well before the time limit.

Updates run in the calling process, on the read-write store, after the text checks of
:mod:`coopgraph.sparql_safety` refused LOAD and SERVICE (``LOAD SILENT`` is a successful no-op:
it is cut out of the request, see :func:`_without_silent_loads`).

A store that is not an :class:`~coopgraph.store.OxigraphStore` (e.g. a future remote engine)
is evaluated in threads: the time limit then only stops *waiting* (see docs/limits.md).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import logging
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from coopgraph import sparql_safety
from coopgraph.executor.admission import Admission, Busy, Ticket
from coopgraph.query_worker import CHUNK_BYTES, TooLarge
from coopgraph.store import (
    RDF_FORMATS,
    RESULT_FORMATS,
    OxigraphStore,
    QuerySyntaxError,
    Store,
    StoreError,
)

__all__ = [
    "Executor",
    "ExecutorError",
    "Limits",
    "MemoryLimitExceeded",
    "QueryBusy",
    "QueryInfo",
    "QueryRefused",
    "QueryTimeout",
    "ResultTooLarge",
]

log = logging.getLogger(__name__)

#: The folder that holds the ``coopgraph`` package, put on the workers' ``PYTHONPATH``.
_PACKAGE_PARENT = Path(__file__).resolve().parents[2]

#: Idle workers beyond ``Limits.pool_size`` are stopped after this long without a query.
IDLE_WORKER_TTL_S = 60.0

#: How long a freshly spawned worker may take to import pyoxigraph and open its snapshot.
WORKER_START_TIMEOUT_S = 60.0

#: Forms → the media types their results can be serialised to, and the default one.
FORM_MEDIA_TYPES: dict[str, tuple[str, ...]] = {
    "SELECT": tuple(RESULT_FORMATS),
    "ASK": tuple(RESULT_FORMATS),
    "CONSTRUCT": tuple(RDF_FORMATS),
    "DESCRIBE": tuple(RDF_FORMATS),
}
DEFAULT_MEDIA_TYPE = {
    "SELECT": "application/sparql-results+json",
    "ASK": "application/sparql-results+json",
    "CONSTRUCT": "text/turtle",
    "DESCRIBE": "text/turtle",
}


# --------------------------------------------------------------------------- errors


class ExecutorError(Exception):
    """A query was not (fully) answered for a reason the client may be told.

    ``message`` is safe to show; ``http_status`` is the status the web layer should answer
    with when the error happens before the first byte.
    """

    http_status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class QueryRefused(ExecutorError):
    """The text asks for something this endpoint does not do (too long, SERVICE, LOAD, ...)."""

    http_status = 403

    def __init__(self, message: str, *, http_status: int = 403) -> None:
        super().__init__(message)
        self.http_status = http_status


class QueryTimeout(ExecutorError):
    """The query ran longer than ``Limits.timeout_s`` and was stopped."""

    http_status = 503


class QueryBusy(ExecutorError):
    """No slot for this query now (see :mod:`coopgraph.executor.admission`); the client
    should retry after ``retry_after`` seconds."""

    http_status = 503

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ResultTooLarge(ExecutorError):
    """The serialised result exceeds ``Limits.max_result_bytes``."""

    http_status = 413


class MemoryLimitExceeded(ResultTooLarge):
    """Evaluating the query needed more than ``Limits.worker_memory_bytes`` (the worker died).

    A kind of ResultTooLarge (the intermediate results were too large), so that a web layer
    that knows only ResultTooLarge answers 413 with this message.
    """


# --------------------------------------------------------------------------- public types


@dataclass(frozen=True)
class Limits:
    """The limits of one executor; docs/limits.md says what the client sees for each.

    ``max_result_bytes`` counts bytes of the *serialised* result (what goes on the wire),
    which is what costs memory and bandwidth whatever the format.
    """

    timeout_s: float = 30.0
    max_query_chars: int = 100_000
    max_result_bytes: int = 256 * 1024 * 1024
    max_concurrent: int = 8
    service_allowlist: tuple[str, ...] = ()
    #: how long a query waits for one of the ``max_concurrent`` slots before QueryBusy.
    queue_wait_s: float = 0.5
    #: idle worker processes kept warm (each is a process with the store open read-only).
    pool_size: int = 2
    #: longest wait for the parse check of :meth:`Executor.inspect` (see there).
    parse_check_s: float = 0.5
    #: memory (heap) of one worker process; None = unlimited. Past it: MemoryLimitExceeded.
    worker_memory_bytes: int | None = 1024 * 1024 * 1024
    #: deepest nesting of ``{ ( [`` in a text (see sparql_safety.MAX_NESTING); deeper: 400.
    max_nesting: int = sparql_safety.MAX_NESTING
    #: fair admission (see executor/admission.py): extra slots for queries not known heavy,
    cheap_slots: int = 2
    #: how long a query may hold one of those before it moves to a general slot or is stopped,
    cheap_lane_s: float = 1.0
    #: the time in a slot past which a query (its text, its client) counts as heavy,
    heavy_after_s: float = 1.0
    #: and the most heavy queries one client may run at once (0: half of max_concurrent).
    heavy_per_client: int = 0

    def __post_init__(self) -> None:
        """Refuse settings that would silently disable a limit (a typo must not open the door)."""
        if not self.timeout_s > 0 or not self.parse_check_s > 0:
            raise ValueError("timeout_s and parse_check_s must be positive")
        if self.max_query_chars < 1 or self.max_result_bytes < 1 or self.max_nesting < 1:
            raise ValueError("max_query_chars and max_result_bytes must be positive")
        if self.max_concurrent < 1 or self.pool_size < 0 or self.queue_wait_s < 0:
            raise ValueError("max_concurrent must be ≥ 1, pool_size and queue_wait_s ≥ 0")
        if self.cheap_slots < 0 or self.heavy_per_client < 0:
            raise ValueError("cheap_slots and heavy_per_client must be ≥ 0")
        if not self.cheap_lane_s > 0 or not self.heavy_after_s > 0:
            raise ValueError("cheap_lane_s and heavy_after_s must be positive")
        # An idle worker already maps ~90 MB of data (interpreter, RocksDB threads' stacks).
        if self.worker_memory_bytes is not None and self.worker_memory_bytes < 256 * 1024**2:
            raise ValueError("worker_memory_bytes must be at least 256 MiB (or None)")
        if isinstance(self.service_allowlist, str):
            raise ValueError("service_allowlist is a tuple of IRIs, not one string")


@dataclass(frozen=True)
class QueryInfo:
    """What :meth:`Executor.inspect` learnt from a query without evaluating it."""

    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    media_types: tuple[str, ...]  # the media types this form can be serialised to
    default_media_type: str
    services: tuple[str, ...] = ()  # allow-listed SERVICE IRIs the query will call
    from_graphs: tuple[str, ...] = ()
    from_named_graphs: tuple[str, ...] = ()


# --------------------------------------------------------------------------- parent side


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    conn: Connection
    generation: int
    isolated: bool = False
    queries: int = 0
    retired: bool = False
    idle_since: float = 0.0


@dataclass
class _Snapshot:
    generation: int
    path: Path
    workers: int = 0  # live workers that have it open


class _WorkerCrashed(Exception):
    pass


_ROOT_PREFIX = ".coopgraph-readers-"


def _remove_stale_snapshot_roots(parent: Path) -> None:
    """Remove snapshot folders left by executors whose process is gone (crash, SIGKILL)."""
    for root in parent.glob(f"{_ROOT_PREFIX}*"):
        pid_text = root.name[len(_ROOT_PREFIX) :].split("-", 1)[0]
        if not pid_text.isdigit() or int(pid_text) == os.getpid():
            continue
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            shutil.rmtree(root, ignore_errors=True)
        except PermissionError:
            pass  # alive, someone else's


class _ProcessPool:
    """Worker processes over store snapshots; thread-safe."""

    def __init__(self, store: OxigraphStore, limits: Limits) -> None:
        self._store = store
        self._limits = limits
        # Next to the store so that checkpoints are hard links (same file system).
        parent = store.path.parent if store.path is not None else Path(tempfile.gettempdir())
        _remove_stale_snapshot_roots(parent)
        self._root = Path(
            tempfile.mkdtemp(prefix=f"{_ROOT_PREFIX}{os.getpid()}-", dir=str(parent))
        )
        self._isolate = not limits.service_allowlist
        self._lock = threading.Condition()
        self._snapshot_lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._live: set[_Worker] = set()  # every worker not yet retired, idle or busy
        self._starting = 0
        self.spawned = 0  # processes started so far (diagnostics, tests)
        self._snapshots: dict[int, _Snapshot] = {}
        self._generation = 0
        self._dirty = True
        self._closed = False
        self._serial = itertools.count()
        self._maintainer = threading.Thread(
            target=self._maintain, name="coopgraph-executor-pool", daemon=True
        )
        self._ensure_snapshot()
        self._maintainer.start()

    # -- snapshots

    def mark_changed(self) -> None:
        with self._lock:
            self._dirty = True
            self._lock.notify_all()

    def _ensure_snapshot(self) -> int:
        """Make a snapshot of the current store state if a write happened since the last one."""
        with self._snapshot_lock:
            with self._lock:
                if not self._dirty:
                    return self._generation
                self._dirty = False  # writes after this point mark it dirty again
                generation = self._generation + 1
            target = self._root / f"snapshot-{generation}-{next(self._serial)}"
            engine = self._store.engine
            if self._store.path is not None:
                with contextlib.suppress(OSError, RuntimeError):
                    engine.flush()  # a store opened read-only cannot flush, nor needs to
                engine.backup(str(target))
            else:
                copy = ox.Store(str(target))
                copy.bulk_extend(engine.quads_for_pattern(None, None, None, None))
                copy.flush()
                del copy  # closes the RocksDB instance before readers open it
            with self._lock:
                old = self._generation
                self._generation = generation
                self._snapshots[generation] = _Snapshot(generation, target)
                self._lock.notify_all()  # the maintainer moves idle workers to it
            self._drop_snapshot_if_unused(old)
            return generation

    def _drop_snapshot_if_unused(self, generation: int) -> None:
        with self._lock:
            snap = self._snapshots.get(generation)
            if snap is None or snap.workers > 0 or generation == self._generation:
                return
            del self._snapshots[generation]
        shutil.rmtree(snap.path, ignore_errors=True)

    # -- workers

    def spawn(self) -> _Worker:
        """Start a worker on the current snapshot and wait until it is ready."""
        with self._lock:
            generation = self._generation
            snap = self._snapshots[generation]
            snap.workers += 1
        worker: _Worker | None = None
        with self._lock:
            self.spawned += 1
        try:
            parent_sock, child_sock = socket.socketpair()
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join(
                [str(_PACKAGE_PARENT), *filter(None, [env.get("PYTHONPATH")])]
            )
            with child_sock:
                process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                    [
                        sys.executable,
                        "-c",
                        "from coopgraph.query_worker import main; main()",
                        str(child_sock.fileno()),
                        str(snap.path),
                        "1" if self._isolate else "0",
                        str(self._limits.worker_memory_bytes or 0),
                    ],
                    pass_fds=[child_sock.fileno()],
                    stdin=subprocess.DEVNULL,
                    env=env,
                    # Own session: a Ctrl-C meant for the server does not hit the workers
                    # mid-query (they exit when the server does, see query_worker).
                    start_new_session=True,
                )
            parent_conn = Connection(parent_sock.detach())
            worker = _Worker(process, parent_conn, generation)
            with self._lock:
                self._live.add(worker)  # from now on close() kills it, even while starting
            if not parent_conn.poll(WORKER_START_TIMEOUT_S):
                raise StoreError("a query worker did not start in time")
            try:
                message = parent_conn.recv()
            except (EOFError, OSError) as exc:
                raise StoreError(f"a query worker died while starting: {exc}") from exc
            if message[0] != "ready":
                raise StoreError(f"a query worker could not open the store: {message[1]}")
            worker.isolated = bool(message[2])
            if self._isolate and not worker.isolated:
                log.warning("query worker could not isolate its network; relying on text checks")
            return worker
        except BaseException:
            if worker is not None:
                self._retire(worker)
            else:
                with self._lock:
                    snap.workers -= 1
                self._drop_snapshot_if_unused(generation)
            raise

    def _retire(self, worker: _Worker) -> None:
        """Stop a worker for good and reap it (no zombie)."""
        with contextlib.suppress(OSError, ValueError):
            worker.conn.close()
        process = worker.process
        if process.poll() is None:
            process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(5)  # reaps it: no zombie
        with self._lock:
            if worker in self._live:
                self._live.discard(worker)
            elif worker.retired:
                return
            worker.retired = True
            snap = self._snapshots.get(worker.generation)
            if snap is not None:
                snap.workers -= 1
        self._drop_snapshot_if_unused(worker.generation)

    def _reopen(self, worker: _Worker) -> bool:
        """Move an idle worker to the newest snapshot: milliseconds, instead of a new process.

        False (and the worker retired) if it did not manage.
        """
        with self._lock:
            generation = self._generation
            snap = self._snapshots[generation]
            snap.workers += 1
        old = worker.generation
        try:
            worker.conn.send({"op": "reopen", "snapshot": str(snap.path)})
            ok = worker.conn.poll(WORKER_START_TIMEOUT_S) and worker.conn.recv()[0] == "ready"
        except (EOFError, OSError):
            ok = False
        with self._lock:
            if ok:
                worker.generation = generation
            else:
                snap.workers -= 1
            old_snap = self._snapshots.get(old)
            if ok and old_snap is not None:
                old_snap.workers -= 1
        if ok:
            self._drop_snapshot_if_unused(old)
            return True
        self._drop_snapshot_if_unused(generation)
        self._retire(worker)
        return False

    def acquire(self) -> _Worker:
        """An idle worker on the newest snapshot (moved to it if needed), else a new one."""
        self._ensure_snapshot()
        while True:
            with self._lock:
                if self._closed:
                    raise StoreError("the executor is closed")
                if not self._idle:
                    break
                worker = self._idle.pop()
                if self._needs_top_up():
                    # The maintainer tops the pool up. Not woken on every query: each wake-up
                    # costs the request path a GIL hand-over and a waitpid per idle worker.
                    self._lock.notify_all()
                current = worker.generation == self._generation
            if worker.process.poll() is not None:
                self._retire(worker)
            elif current or self._reopen(worker):
                return worker
        return self.spawn()

    def release(self, worker: _Worker, *, healthy: bool) -> None:
        """Give a worker back after a query; an unhealthy one (killed, or its state unknown
        after an abandoned stream) is stopped. Healthy ones stay idle (up to
        ``max_concurrent``); the maintainer stops the extras once they have been idle long."""
        worker.queries += 1
        with self._lock:
            keep = (
                healthy
                and not self._closed
                and len(self._idle) < self._capacity()
                and worker.process.poll() is None
            )
            if keep:
                worker.idle_since = time.monotonic()
                self._idle.append(worker)
                if worker.generation != self._generation:
                    self._lock.notify_all()  # the maintainer moves it to the new snapshot
                return
            self._lock.notify_all()
        self._retire(worker)

    def _maintain(self) -> None:
        """Background upkeep, off the request path: take the snapshot after a write, move idle
        workers to it, replace dead ones, keep ``pool_size`` warm, stop long-idle extras."""
        while True:
            with self._lock:
                while not self._closed and not self._work_pending():
                    self._lock.wait(1.0)
                if self._closed:
                    return
                dead = [w for w in self._idle if w.process.poll() is not None]
                expired = self._expired_idle()
                self._idle = [w for w in self._idle if w not in dead and w not in expired]
            for worker in dead:
                log.warning("query worker %d died while idle; replacing it", worker.process.pid)
                self._retire(worker)
            for worker in expired:
                self._retire(worker)
            try:
                self._refresh_idle()
                self._top_up()
            except Exception:  # noqa: BLE001 - keep maintaining; the request path spawns too
                with self._lock:
                    if self._closed:
                        return  # close() killed a worker we were starting
                    log.exception("query worker pool upkeep failed")
                    self._lock.wait(1.0)

    def _capacity(self) -> int:
        """Workers worth keeping: one per query that may run at once, and the warm pool."""
        return max(self._limits.pool_size, self._limits.max_concurrent + self._limits.cheap_slots)

    def _needs_top_up(self) -> bool:
        """Fewer than ``pool_size`` idle or starting, and room for one more (lock held).

        The second condition matters under load: when every slot is busy, nothing is idle,
        but a spare started then is one worker too many as soon as the load eases, and
        release() would stop it again: a process start (~0.3 s of CPU) every few queries.
        """
        return (
            len(self._idle) + self._starting < self._limits.pool_size
            and len(self._live) + self._starting < self._capacity()
        )

    def _work_pending(self) -> bool:
        """Whether the maintainer has something to do (called with the lock held)."""
        return (
            self._dirty
            or self._needs_top_up()
            or any(w.generation != self._generation for w in self._idle)
            or any(w.process.poll() is not None for w in self._idle)
            or bool(self._expired_idle())
        )

    def _expired_idle(self) -> list[_Worker]:
        """Idle workers beyond ``pool_size`` unused for IDLE_WORKER_TTL_S (lock held).

        Workers beyond the warm pool are kept for a while rather than stopped at once: under
        steady concurrency above ``pool_size``, stopping them would mean starting a process for
        most queries.
        """
        extra = len(self._idle) - self._limits.pool_size
        if extra <= 0:
            return []
        now = time.monotonic()
        oldest = sorted(self._idle, key=lambda w: w.idle_since)[:extra]
        return [w for w in oldest if now - w.idle_since > IDLE_WORKER_TTL_S]

    def _top_up(self) -> None:
        """Start one worker if fewer than ``pool_size`` are idle or starting."""
        with self._lock:
            if self._closed or not self._needs_top_up():
                return
            self._starting += 1
        try:
            worker = self.spawn()
            with self._lock:
                keep = not self._closed and worker.generation == self._generation
                if keep:
                    worker.idle_since = time.monotonic()
                    self._idle.append(worker)
                    self._lock.notify_all()
            if not keep:
                self._retire(worker)
        finally:
            with self._lock:
                self._starting -= 1

    def _refresh_idle(self) -> None:
        """Move idle workers left on an old snapshot to the newest one, off the request path."""
        self._ensure_snapshot()
        while True:
            with self._lock:
                stale = [w for w in self._idle if w.generation != self._generation]
                if not stale or self._closed:
                    return
                worker = stale[0]
                self._idle.remove(worker)
            if self._reopen(worker):
                with self._lock:
                    if not self._closed:
                        self._idle.append(worker)
                        self._lock.notify_all()
                        continue
                self._retire(worker)

    def idle_workers(self) -> list[_Worker]:
        """The idle workers (for tests and diagnostics)."""
        with self._lock:
            return list(self._idle)

    def live_workers(self) -> list[_Worker]:
        """Every worker process not yet retired, idle or busy (for tests and diagnostics)."""
        with self._lock:
            return list(self._live)

    def close(self) -> None:
        """Kill every worker, busy ones included, and remove the snapshots."""
        with self._lock:
            self._closed = True
            self._idle = []
            self._lock.notify_all()
        # Kill first (a worker still starting then fails at once, so the maintainer does not
        # wait for it), join the maintainer, then kill whatever it started meanwhile.
        for worker in self.live_workers():
            self._retire(worker)
        self._maintainer.join(WORKER_START_TIMEOUT_S)
        for worker in self.live_workers():
            self._retire(worker)
        shutil.rmtree(self._root, ignore_errors=True)


class _Stream(Iterator[bytes]):
    """The chunks of one result; closing it early kills the worker (its state is unknown)."""

    def __init__(
        self,
        executor: Executor,
        worker: _Worker | None,
        ticket: Ticket,
        first: bytes | None,
        deadline: float,
        done: bool,
        chunks: queue.Queue[tuple[Any, ...]] | None = None,
        on_abort: Any = None,
    ) -> None:
        self._executor = executor
        self._on_abort = on_abort
        self._worker = worker
        self._ticket = ticket
        self._pending = first
        self._deadline = deadline
        self._done = done
        self._chunks = chunks
        self._closed = False
        self.bytes_sent = 0 if first is None else len(first)
        if done:
            self._finish(healthy=True)

    def __iter__(self) -> _Stream:
        return self

    def whole(self) -> bytes | None:
        """The entire result if it arrived with the first message (a small result: the worker
        is free already, nothing can fail any more), else None (iterate as usual)."""
        if not self._done or self.bytes_sent != len(self._pending or b""):
            return None
        data, self._pending = self._pending or b"", None
        return data

    def __next__(self) -> bytes:
        if self._pending is not None:
            data, self._pending = self._pending, None
            return data
        if self._done or self._closed:
            raise StopIteration
        try:
            message = self._executor._receive(self._worker, self._chunks, self._deadline)
        except QueryTimeout:
            log.warning("query stopped by the time limit after %d bytes", self.bytes_sent)
            self._finish(healthy=False)
            raise
        except _WorkerCrashed as exc:
            log.error("query worker died mid-stream after %d bytes", self.bytes_sent)
            self._finish(healthy=False)
            if self._executor._out_of_memory(self._worker):
                raise self._executor._memory_error() from exc
            raise StoreError("the query worker died") from exc
        kind = message[0]
        if kind == "chunk":
            self.bytes_sent += len(message[1])
            return bytes(message[1])
        self._done = True
        self._finish(healthy=True)
        if kind == "last":
            self.bytes_sent += len(message[1])
            return bytes(message[1])
        if kind == "end":
            raise StopIteration
        if kind == "too_large":
            log.warning(
                "result stopped at the %d-byte limit after %d bytes were sent",
                self._executor.limits.max_result_bytes,
                self.bytes_sent,
            )
            raise ResultTooLarge(
                f"the result exceeds {self._executor.limits.max_result_bytes} bytes"
            )
        log.error("query failed mid-stream: %s", message[1:])
        raise StoreError(str(message[1]))

    def _finish(self, *, healthy: bool) -> None:
        if self._closed:
            return
        self._closed = True
        self._done = True
        if not healthy and self._on_abort is not None:
            self._on_abort()
        self._executor._finish_query(self._worker, self._ticket, healthy=healthy)

    def close(self) -> None:
        """Called by the WSGI server when the response ends or the client goes away."""
        self._finish(healthy=self._done)

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()


class Executor:
    """Evaluates queries safely and within limits; see the module docstring for the design."""

    def __init__(
        self,
        store: Store,
        *,
        union_default_graph: bool = True,
        limits: Limits | None = None,
        use_processes: bool | None = None,
    ) -> None:
        self.store = store
        self.union_default_graph = union_default_graph
        self.limits = limits or Limits()
        self._admission = Admission(
            self.limits.max_concurrent,
            self.limits.cheap_slots,
            queue_wait_s=self.limits.queue_wait_s,
            heavy_after_s=self.limits.heavy_after_s,
            heavy_per_client=(
                self.limits.heavy_per_client or max(1, self.limits.max_concurrent // 2)
            ),
        )
        self._allow = set(self.limits.service_allowlist)
        if use_processes is None:
            use_processes = isinstance(store, OxigraphStore)
        if use_processes and not isinstance(store, OxigraphStore):
            raise TypeError("worker processes need an OxigraphStore")
        self._pool = _ProcessPool(store, self.limits) if use_processes else None
        # An executor that is dropped without close() (a test, a crashed app factory) still
        # stops its workers and removes its snapshots, at collection or at interpreter exit.
        self._finalizer = weakref.finalize(self, self._pool.close) if self._pool else None
        self._write_lock = threading.Lock()
        #: keys of texts that crashed a worker (SIGSEGV...): refused at once, never retried.
        self._crashed: _Crashed = _Crashed()

    # -- checks

    def check_text(self, text: str, what: str = "query") -> None:
        """The checks every text passes before any parser sees it: length (413), nesting
        (400) and texts that crashed a worker before (400); raises QueryRefused.

        Callers that parse a text themselves before handing it over (the update view works
        out the graphs an update changes) call it first; the executor's own calls do too.
        """
        if len(text) > self.limits.max_query_chars:
            raise QueryRefused(
                f"the {what} has {len(text)} characters; the limit is "
                f"{self.limits.max_query_chars}",
                http_status=413,
            )
        deep = sparql_safety.too_deep(text, self.limits.max_nesting)
        if deep is not None:
            raise QueryRefused(
                f"the {what} nests {{, ( and [ more than {self.limits.max_nesting} levels "
                f"deep (line {deep.line}, column {deep.column}); flatten it",
                http_status=400,
            )
        if _text_key(text) in self._crashed:
            raise QueryRefused(
                f"this {what} crashed a query worker before and is not run again",
                http_status=400,
            )

    def _check(
        self, text: str, base_iri: str | None
    ) -> tuple[sparql_safety.Analysis, tuple[str, ...]]:
        self.check_text(text, "query")
        analysis = _analyse(text, base_iri)
        services: list[str] = []
        for ref in analysis.services:
            if ref.iri is None:
                raise QueryRefused(
                    f"SERVICE {ref.target}: only SERVICE calls to a fixed, allowed IRI are "
                    "accepted"
                )
            if ref.iri not in self._allow:
                raise QueryRefused(f"SERVICE <{ref.iri}> is not allowed on this endpoint")
            services.append(ref.iri)
        for ref in analysis.from_graphs:
            if ref.iri is None or not self._holds_graph(ref.iri):
                raise QueryRefused(
                    f"{ref.keyword} {ref.target}: not a graph of this store (graphs are never "
                    "fetched from the web)"
                )
        return analysis, tuple(services)

    def _holds_graph(self, iri: str) -> bool:
        try:
            return iri != "" and self.store.has_graph(iri)
        except (ValueError, StoreError):
            return False

    def _check_dataset(
        self, default_graphs: list[str] | None, named_graphs: list[str] | None
    ) -> None:
        for iri in [*(default_graphs or []), *(named_graphs or [])]:
            if iri != "" and not self._holds_graph(iri):
                raise QueryRefused(f"<{iri}> is not a graph of this store")

    def prepare(self, query_text: str, base_iri: str | None = None) -> QueryInfo | None:
        """The text checks of :meth:`inspect` (limits, SERVICE/FROM refusals) and the form the
        text analysis reads, **without** the engine's parse check; None when the text names no
        form (then call :meth:`inspect`, which reports the engine's syntax error).

        For callers that evaluate the query right after: :meth:`run_query` reports a syntax
        error (400, with line and column) before any byte, so checking first costs a second
        round trip to a worker for nothing. Raises QueryRefused, like :meth:`inspect`, before
        any engine work.
        """
        analysis, services = self._check(query_text, base_iri)
        if analysis.form is None:
            return None
        return _info(analysis, services)

    def inspect(
        self, query_text: str, base_iri: str | None = None, *, client: str | None = None
    ) -> QueryInfo:
        """Check a query without evaluating it: limits, SERVICE/FROM, form and syntax.

        Raises QueryRefused, QuerySyntaxError (``line``/``column`` attributes), QueryBusy.
        The syntax check is done by the engine (line and column in the message); pyoxigraph has
        no parse-only call, so a worker evaluates the query against an *empty* store and we wait
        at most ``Limits.parse_check_s`` (parsing takes milliseconds; past that, the engine is
        evaluating, so the text parsed). It is skipped for a query with an allowed SERVICE (it
        could call the endpoint) and on the thread path; run_query reports syntax errors
        before any byte in every case.
        """
        analysis, services = self._check(query_text, base_iri)
        if not services:
            # With an (allowed) SERVICE, evaluating on an empty store could call the remote
            # endpoint just to check the syntax: run_query reports syntax errors before any
            # byte anyway.
            self._parse_check(query_text, base_iri, client)
        if analysis.form is None:
            raise QuerySyntaxError("error at 1:1: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
        return _info(analysis, services)

    def _parse_check(self, text: str, base_iri: str | None, client: str | None) -> None:
        if self._pool is None:
            return  # the thread path reports syntax errors from run_query, before any byte
        ticket = self._acquire_slot(text, client)
        worker: _Worker | None = None
        healthy = False
        try:
            worker = self._pool.acquire()
            deadline = time.monotonic() + min(self.limits.parse_check_s, self.limits.timeout_s)
            try:
                worker.conn.send({"op": "parse", "text": text, "base_iri": base_iri})
                message = self._receive(worker, None, deadline)
            except _WorkerCrashed as exc:
                if _crashed_by_query(worker):
                    self._crashed.add(_text_key(text))
                    raise _crash_error(worker) from exc
                return  # killed from outside: run_query reports any syntax error
            except (QueryTimeout, OSError):
                # Still evaluating on an empty store (so it parsed): run_query reports any
                # syntax error before the first byte.
                return
            healthy = True
            if message[0] == "syntax":
                raise _syntax_error(message[1])
        finally:
            if worker is not None:
                self._pool.release(worker, healthy=healthy)
            self._admission.leave(ticket, record=False)

    # -- queries

    def _acquire_slot(self, text: str, client: str | None) -> Ticket:
        try:
            return self._admission.enter(
                _text_key(text), client or "-", cheap_lane_s=self.limits.cheap_lane_s
            )
        except Busy as exc:
            raise QueryBusy(exc.message, retry_after=exc.retry_after) from None

    def run_query(
        self,
        query_text: str,
        media_type: str | None = None,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        base_iri: str | None = None,
        *,
        client: str | None = None,
    ) -> Iterator[bytes]:
        """Evaluate a query and return its serialised result as an iterator of chunks.

        When this returns, the query has started and the first chunk is ready: QueryRefused,
        QuerySyntaxError, QueryBusy, QueryTimeout, ResultTooLarge and StoreError are raised
        before any byte. Later failures (time limit or size limit reached mid-stream, worker
        crash) are logged and raised from the iterator, which ends the response abruptly.
        ``media_type`` defaults to the form's default (JSON results, or Turtle); a media type
        that does not suit the form raises ValueError (content negotiation is the caller's).
        Close the iterator (WSGI servers do) to free the worker early.

        ``client`` names who asks (the web layer passes the client address): fair admission
        counts heavy queries per client (see :mod:`coopgraph.executor.admission`).
        """
        analysis, _ = self._check(query_text, base_iri)
        self._check_dataset(default_graphs, named_graphs)
        form = analysis.form
        if media_type is None:
            media_type = DEFAULT_MEDIA_TYPE.get(form or "SELECT", "application/sparql-results+json")
        if media_type not in RESULT_FORMATS and media_type not in RDF_FORMATS:
            raise ValueError(f"unsupported media type: {media_type}")
        if form is not None and media_type not in FORM_MEDIA_TYPES[form]:
            raise ValueError(f"{media_type} cannot carry the result of a {form} query")
        request = {
            "op": "query",
            "text": query_text,
            "media_type": media_type,
            "max_result_bytes": self.limits.max_result_bytes,
            "dataset": {
                "union_default_graph": self.union_default_graph,
                "default_graphs": default_graphs,
                "named_graphs": named_graphs,
                "base_iri": base_iri,
                "has_dataset_clause": bool(analysis.from_graphs),
            },
        }
        ticket = self._acquire_slot(query_text, client)
        if self._pool is None:
            return self._run_in_thread(request, ticket)
        deadline = time.monotonic() + self.limits.timeout_s
        pool = self._pool
        for attempt in (1, 2):
            try:
                # The retry takes a new process: idle ones may have died together (OOM killer).
                worker = pool.acquire() if attempt == 1 else pool.spawn()
            except BaseException:
                self._admission.leave(ticket, record=False)
                raise
            try:
                ticket.started = time.monotonic()  # cost counts from here, not a process start
                worker.conn.send(request)
                message = self._first_reply(worker, ticket, deadline)
            except (_WorkerCrashed, OSError) as exc:
                pool.release(worker, healthy=False)  # kills and reaps it: returncode is known
                if self._out_of_memory(worker):
                    self._admission.leave(ticket)
                    raise self._memory_error() from exc
                if _crashed_by_query(worker):
                    # The query itself crashed the engine: another worker would crash too.
                    self._crashed.add(_text_key(query_text))
                    self._admission.leave(ticket)
                    raise _crash_error(worker) from exc
                if attempt == 1:
                    # Died before answering (killed while idle, out of memory, ...): once more
                    # on another worker; a query that kills every worker fails the second time.
                    log.warning("query worker %d died; retrying once", worker.process.pid)
                    continue
                self._admission.leave(ticket)
                raise StoreError("the query worker died") from exc
            except BaseException:  # QueryTimeout included: the worker is killed
                self._finish_query(worker, ticket, healthy=False)
                raise
            return self._first_message(worker, ticket, None, message, deadline)
        raise AssertionError("unreachable")

    def _first_reply(self, worker: _Worker, ticket: Ticket, deadline: float) -> tuple[Any, ...]:
        """The worker's first message; a query in a cheap slot gets ``cheap_lane_s`` for it,
        then moves to a general slot or is stopped with QueryBusy (see admission.py)."""
        if ticket.lane == "cheap":
            lane_deadline = min(deadline, ticket.started + self.limits.cheap_lane_s)
            try:
                return self._receive(worker, None, lane_deadline)
            except QueryTimeout:
                if lane_deadline >= deadline:
                    raise
                if not self._admission.promote(ticket):
                    raise QueryBusy(
                        "this query is heavy and the slots for heavy queries are taken; it was "
                        "stopped, retry in a moment",
                        retry_after=max(1, round(self.limits.heavy_after_s * 4)),
                    ) from None
        return self._receive(worker, None, deadline)

    def _first_message(
        self,
        worker: _Worker | None,
        ticket: Ticket,
        chunks: queue.Queue[tuple[Any, ...]] | None,
        message: tuple[Any, ...],
        deadline: float,
        on_abort: Any = None,
    ) -> _Stream:
        kind = message[0]
        if kind == "chunk":
            return _Stream(self, worker, ticket, bytes(message[1]), deadline, False, chunks,
                           on_abort)
        if kind == "last":  # the whole result in one message: the worker is free already
            return _Stream(self, worker, ticket, bytes(message[1]), deadline, True, chunks,
                           on_abort)
        if kind == "end":
            return _Stream(self, worker, ticket, None, deadline, True, chunks, on_abort)
        self._finish_query(worker, ticket, healthy=True)
        if kind == "syntax":
            raise _syntax_error(message[1])
        if kind == "too_large":
            raise ResultTooLarge(
                f"the result exceeds {self.limits.max_result_bytes} bytes; "
                "narrow the query or add a LIMIT"
            )
        raise StoreError(str(message[1]))

    def _receive(
        self,
        worker: _Worker | None,
        chunks: queue.Queue[tuple[Any, ...]] | None,
        deadline: float,
    ) -> tuple[Any, ...]:
        """The next message of a running query, or QueryTimeout when the deadline passes."""
        remaining = deadline - time.monotonic()
        if chunks is not None:
            try:
                return chunks.get(timeout=max(0.0, remaining))
            except queue.Empty:
                raise QueryTimeout(self._timeout_message()) from None
        assert worker is not None
        try:
            if remaining <= 0 or not worker.conn.poll(remaining):
                raise QueryTimeout(self._timeout_message())
            message: tuple[Any, ...] = worker.conn.recv()
        except (EOFError, OSError) as exc:
            raise _WorkerCrashed() from exc
        return message

    def _out_of_memory(self, worker: _Worker | None) -> bool:
        """Did this worker abort because it hit ``worker_memory_bytes``? (SIGABRT: Rust's
        reaction to a failed allocation; nothing else in a worker aborts.)"""
        return (
            worker is not None
            and self.limits.worker_memory_bytes is not None
            and worker.process.returncode == -signal.SIGABRT
        )

    def _memory_error(self) -> MemoryLimitExceeded:
        log.warning("a query worker ran out of its %d bytes", self.limits.worker_memory_bytes)
        return MemoryLimitExceeded(
            f"the query needed more than {self.limits.worker_memory_bytes} bytes of memory and "
            "was stopped; narrow it or add a LIMIT"
        )

    def _timeout_message(self) -> str:
        return f"the query did not finish within {self.limits.timeout_s:g} s and was stopped"

    def _finish_query(self, worker: _Worker | None, ticket: Ticket, *, healthy: bool) -> None:
        try:
            if worker is not None and self._pool is not None:
                self._pool.release(worker, healthy=healthy)
        finally:
            self._admission.leave(ticket)

    # -- thread fallback (stores that are not an OxigraphStore)

    def _run_in_thread(self, request: dict[str, Any], ticket: Ticket) -> _Stream:
        """Evaluate in a thread: bounded waiting, but the work itself is not stopped."""
        chunks: queue.Queue[tuple[Any, ...]] = queue.Queue(maxsize=16)
        cancelled = threading.Event()
        store = self.store

        class _QueueWriter:
            def __init__(self) -> None:
                self.total = 0
                self.buf = bytearray()

            def write(self, data: bytes) -> int:
                if cancelled.is_set():
                    raise TooLarge()
                self.total += len(data)
                if self.total > request["max_result_bytes"]:
                    raise TooLarge()
                self.buf += data
                if len(self.buf) >= CHUNK_BYTES:
                    put(("chunk", bytes(self.buf)))
                    self.buf.clear()
                return len(data)

            def flush(self) -> None:
                pass

        def put(message: tuple[Any, ...]) -> None:
            # Never block for good on a reader that went away: give up once cancelled.
            while not cancelled.is_set():
                try:
                    chunks.put(message, timeout=0.5)
                    return
                except queue.Full:
                    continue
            raise TooLarge()

        def run() -> None:
            writer = _QueueWriter()
            dataset = request["dataset"]
            try:
                result = store.query(
                    request["text"],
                    union_default_graph=dataset["union_default_graph"]
                    and not dataset["has_dataset_clause"],
                    default_graphs=dataset["default_graphs"],
                    named_graphs=dataset["named_graphs"],
                    base_iri=dataset["base_iri"],
                )
                result.serialize(writer, request["media_type"])  # type: ignore[arg-type]
                if writer.buf:
                    put(("chunk", bytes(writer.buf)))
                put(("end", writer.total))
            except QuerySyntaxError as exc:
                with contextlib.suppress(TooLarge):
                    put(("syntax", str(exc)))
            except TooLarge:
                with contextlib.suppress(TooLarge):
                    put(("too_large", writer.total))
            except Exception as exc:  # noqa: BLE001
                with contextlib.suppress(TooLarge):
                    put(("error", str(exc)))

        threading.Thread(target=run, name="coopgraph-query", daemon=True).start()
        deadline = time.monotonic() + self.limits.timeout_s
        try:
            message = self._receive(None, chunks, deadline)
        except QueryTimeout:
            cancelled.set()
            self._admission.leave(ticket)
            raise
        return self._first_message(None, ticket, chunks, message, deadline, cancelled.set)

    # -- updates

    def check_update(
        self, update_text: str, base_iri: str | None = None, *, client: str | None = None
    ) -> set[str]:
        """Check an update before it runs and return the graphs it may change.

        ``""`` is the default graph, :data:`coopgraph.update_analysis.ALL_GRAPHS` any named
        graph. The text checks of :meth:`check_text`, then, in a query worker under the
        query time limit (a text that takes longer is refused with QueryTimeout, 503):
        Oxigraph's syntax check (QuerySyntaxError, 400, with line and column; skipped for a
        text with LOAD or SERVICE, which :meth:`run_update` handles) and
        :func:`coopgraph.update_analysis.targets`. Nothing of it runs in this process.
        """
        self.check_text(update_text, "update")
        analysis = _analyse(update_text, base_iri, True)
        if self._pool is None:  # no worker processes (a store other than Oxigraph)
            from coopgraph import update_analysis

            try:
                return update_analysis.targets(update_text, base_iri)
            except update_analysis.UpdateParseError as exc:
                raise _syntax_error(exc.message) from exc
        request = {
            "op": "update_check",
            "text": update_text,
            "base_iri": base_iri,
            "parse": not (analysis.loads or analysis.services),
            "targets": True,
        }
        ticket = self._acquire_slot(update_text, client)
        worker: _Worker | None = None
        healthy = False
        try:
            worker = self._pool.acquire()
            worker.conn.send(request)
            message = self._receive(worker, None, time.monotonic() + self.limits.timeout_s)
            healthy = True
        except (_WorkerCrashed, OSError) as exc:
            raise StoreError("the query worker died while checking the update") from exc
        finally:
            if worker is not None:
                self._pool.release(worker, healthy=healthy)
            self._admission.leave(ticket, record=False)
        if message[0] == "syntax":
            raise _syntax_error(message[1])
        if message[0] == "unparsed":
            error = QuerySyntaxError(message[1])
            error.line, error.column = message[2], message[3]  # type: ignore[attr-defined]
            raise error
        return set(message[1])

    def run_update(self, update_text: str, base_iri: str | None = None) -> None:
        """Apply a SPARQL Update on the read-write store; LOAD and SERVICE are refused.

        ``LOAD SILENT`` operations succeed without effect (nothing is fetched) and the other
        operations of the request run; a syntax error wins over the LOAD refusal.

        Refusal happens on the text, before the engine sees it, so no connection is opened.
        Updates are not time-limited (they run in this process and must stay atomic).
        """
        self.check_text(update_text, "update")
        # Strict: updates run here, in a process with network access, so LOAD and SERVICE are
        # also looked for in the raw text (a commented-out LOAD is refused too).
        analysis = _analyse(update_text, base_iri, True)
        separated = False
        if analysis.loads:
            update_text = _without_silent_loads(update_text, base_iri, analysis)
            separated = True
        elif analysis.services:
            ref = analysis.services[0]
            raise QueryRefused(f"SERVICE {ref.target} is not allowed in updates")
        with self._write_lock:
            try:
                self.store.update(update_text, base_iri=base_iri)
            except QuerySyntaxError as exc:
                if not separated:
                    raise
                # Cannot happen when the operations were cut out right (the whole text parsed
                # with them replaced); refuse rather than report an error about another text.
                raise QueryRefused(
                    "LOAD SILENT could not be separated from the other operations of this "
                    "update; send them without it"
                ) from exc
            finally:
                self.changed()

    def changed(self) -> None:
        """Tell the executor the store was written (update, Graph Store Protocol, build).

        Query workers read a snapshot; the next query gets one taken after this call.
        """
        if self._pool is not None:
            self._pool.mark_changed()

    def close(self) -> None:
        """Stop every worker process and remove the snapshots; the store is not closed."""
        if self._finalizer is not None:
            self._finalizer()  # runs pool.close() once, however often close() is called

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: Signals that mean the engine itself crashed on the text it was given (a stack overflow is
#: SIGSEGV), unlike SIGKILL (the kernel's OOM killer, an operator) or SIGABRT (memory limit).
_CRASH_SIGNALS = frozenset({-signal.SIGSEGV, -signal.SIGBUS, -signal.SIGILL, -signal.SIGFPE})


def _crashed_by_query(worker: _Worker) -> bool:
    """Did this worker die of a crash while evaluating (not killed from outside)?"""
    with contextlib.suppress(subprocess.TimeoutExpired):
        worker.process.wait(5)
    return worker.process.returncode in _CRASH_SIGNALS


def _crash_error(worker: _Worker) -> QueryRefused:
    log.warning("query worker %d crashed (%s) on a query; the text is refused from now on",
                worker.process.pid, worker.process.returncode)
    return QueryRefused(
        "the query crashed the query engine and is refused (no other query was affected)",
        http_status=400,
    )


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class _Crashed:
    """A bounded set of text keys (the oldest forgotten first): memory stays bounded."""

    def __init__(self, size: int = 1024) -> None:
        self._keys: dict[str, None] = {}
        self._size = size
        self._lock = threading.Lock()

    def add(self, key: str) -> None:
        with self._lock:
            self._keys[key] = None
            while len(self._keys) > self._size:
                del self._keys[next(iter(self._keys))]

    def __contains__(self, key: object) -> bool:
        return key in self._keys


def _load_refused(ref: sparql_safety.Reference | sparql_safety.LoadOperation) -> QueryRefused:
    return QueryRefused(
        f"LOAD {ref.target}: this endpoint does not fetch data from the web; "
        "upload it with the Graph Store Protocol instead"
    )


def _rdflib_rejects(update_text: str) -> bool:
    """True if rdflib's SPARQL Update parser cannot parse the text (it only parses)."""
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parseUpdate(update_text)
    except Exception:  # noqa: BLE001 - pyparsing and rdflib raise many types for bad input
        return True
    return False


def _without_silent_loads(
    update_text: str, base_iri: str | None, analysis: sparql_safety.Analysis
) -> str:
    """The update to run instead of a text that contains LOAD, or an exception.

    Nothing is ever fetched: the text with its LOAD operations replaced by COPY operations of
    the same shape (:func:`sparql_safety.replace_loads`) is run on an empty in-memory store,
    only when the strict text checks find no LOAD or SERVICE left in it, to learn whether
    Oxigraph parses the original. Oxigraph parses a whole request before running any of it.

    * It does not parse, and rdflib's parser (parse only) rejects the original too:
      :class:`QuerySyntaxError` (400), with Oxigraph's message and position in the original.
      When only one of them rejects it, the text is refused as before (403): a 400 is given
      only when both grammars agree.
    * It parses: a LOAD without SILENT is refused (403). ``LOAD SILENT`` fails by definition
      here (nothing is fetched), and SILENT makes a failed operation succeed without effect,
      so those operations are cut out (with their ``;``) and the rest of the request is
      returned, to be run as one update (atomically). When that cannot be done soundly (a
      LOAD in a comment or a string, a LOAD the tokenizer cannot place), 403.
    """
    first = analysis.loads[0]
    operations = sparql_safety.load_operations(update_text)
    if not operations:
        raise _load_refused(first)
    edited, edits = sparql_safety.replace_loads(update_text, operations)
    check = sparql_safety.analyse(edited, base_iri=base_iri, strict=True)
    if check.loads or check.services:
        raise _load_refused(first)
    try:
        ox.Store().update(edited, base_iri=base_iri)
    except SyntaxError as exc:
        if not _rdflib_rejects(update_text):
            raise _load_refused(first) from exc
        message = sparql_safety.map_error_position(str(exc), edited, update_text, edits)
        raise _syntax_error(message) from exc
    except Exception:  # noqa: BLE001, S110 - it parsed; failing on an empty store is fine
        pass
    for op in operations:
        if not op.silent:
            raise _load_refused(op)
    if {r.offset for r in analysis.loads} != {op.start for op in operations}:
        raise _load_refused(first)
    rest = sparql_safety.remove_operations(update_text, operations)
    if rest is None:
        raise _load_refused(first)
    check = sparql_safety.analyse(rest, base_iri=base_iri, strict=True)
    if check.loads:
        raise _load_refused(check.loads[0])
    if check.services:
        raise QueryRefused(f"SERVICE {check.services[0].target} is not allowed in updates")
    return rest


@functools.lru_cache(maxsize=32)
def _analyse(text: str, base_iri: str | None, strict: bool = False) -> sparql_safety.Analysis:
    """The text analysis, cached: the web layer calls inspect() then run_query() on one text,
    and a 100 000-character query takes a noticeable fraction of a second to tokenise twice."""
    return sparql_safety.analyse(text, base_iri=base_iri, strict=strict)


def _info(analysis: sparql_safety.Analysis, services: tuple[str, ...]) -> QueryInfo:
    assert analysis.form is not None
    return QueryInfo(
        form=analysis.form,
        media_types=FORM_MEDIA_TYPES[analysis.form],
        default_media_type=DEFAULT_MEDIA_TYPE[analysis.form],
        services=services,
        from_graphs=tuple(r.iri or "" for r in analysis.from_graphs if r.keyword == "FROM"),
        from_named_graphs=tuple(
            r.iri or "" for r in analysis.from_graphs if r.keyword == "FROM NAMED"
        ),
    )


def _syntax_error(message: str) -> QuerySyntaxError:
    """A QuerySyntaxError carrying ``line`` and ``column`` attributes when the engine gave them."""
    error = QuerySyntaxError(message)
    line, column = sparql_safety.error_position(message)
    error.line = line  # type: ignore[attr-defined]
    error.column = column  # type: ignore[attr-defined]
    return error

