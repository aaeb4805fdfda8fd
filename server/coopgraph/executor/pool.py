"""Query worker processes over read-only snapshots of the store (see the package docstring).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from coopgraph.executor.limits import Limits
from coopgraph.store import (
    OxigraphStore,
    StoreError,
)

log = logging.getLogger(__name__)


#: The folder that holds the ``coopgraph`` package, put on the workers' ``PYTHONPATH``.
_PACKAGE_PARENT = Path(__file__).resolve().parents[2]

#: Idle workers beyond ``Limits.pool_size`` are stopped after this long without a query.
IDLE_WORKER_TTL_S = 60.0

#: How long a freshly spawned worker may take to import pyoxigraph and open its snapshot.
WORKER_START_TIMEOUT_S = 60.0





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
        self._starting = 0  # top-ups under way (counted before their process exists)
        self._spawning: set[_Worker] = set()  # live workers not yet ready
        self._in_use: set[_Worker] = set()  # handed to a query, not yet given back
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

    def checkpoint(self) -> Path:
        """A fresh copy of the store's current state for a worker to WRITE (an update's dry
        run): a RocksDB checkpoint (hard links) in this pool's root, so that it is removed
        with the root if the server dies (see :func:`_remove_stale_snapshot_roots`).

        The caller removes it (:meth:`remove_checkpoint`) once the worker has closed it.
        """
        target = self._root / f"update-{next(self._serial)}"
        engine = self._store.engine
        try:
            if self._store.path is not None:
                engine.flush()
                engine.backup(str(target))
            else:
                copy = ox.Store(str(target))
                copy.bulk_extend(engine.quads_for_pattern(None, None, None, None))
                copy.flush()
                del copy  # closes the RocksDB instance before the worker opens it
        except (OSError, RuntimeError, ValueError) as exc:  # a full disk, a closed store
            shutil.rmtree(target, ignore_errors=True)
            raise StoreError(f"cannot make a checkpoint of the store for the update: {exc}"
                             ) from exc
        return target

    @staticmethod
    def remove_checkpoint(path: Path) -> None:
        shutil.rmtree(path, ignore_errors=True)

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
        worker = self._start_worker()
        with self._lock:
            self._spawning.discard(worker)
            self._in_use.add(worker)
        return worker

    def _start_worker(self) -> _Worker:
        """:meth:`spawn`, the worker left counted as starting: the caller moves it on (to
        a query, or to the idle list) under the same lock, so that a summary never misses
        it or counts it twice."""
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
                        str(self._limits.memory_quads),
                        "" if self._store.path is None else str(self._store.path),
                        str(self._limits.worker_nice),
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
                self._spawning.add(worker)
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
            self._spawning.discard(worker)
            self._in_use.discard(worker)
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
                self._in_use.add(worker)
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
            self._in_use.discard(worker)
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

    def _ask_status(self, worker: _Worker) -> dict[str, Any] | None:
        """A worker's ``{"in_memory", "copying", "quads"}`` (query_worker.Evaluation), or None
        when it does not answer; the worker is given back (stopped if it did not answer)."""
        status = None
        try:
            worker.conn.send({"op": "status"})
            if worker.conn.poll(WORKER_START_TIMEOUT_S):
                kind, answer = worker.conn.recv()
                if kind == "status":
                    status = dict(answer)
        except (EOFError, OSError):
            pass
        finally:
            self.release(worker, healthy=status is not None)
        return status

    def evaluation_status(self) -> dict[str, Any]:
        """Where a worker on the newest snapshot evaluates queries now: ``{"in_memory": bool,
        "copying": bool, "quads": int | None}`` (see query_worker.Evaluation); for
        diagnostics and tests."""
        status = self._ask_status(self.acquire())
        if status is None:
            raise StoreError("a query worker did not answer a status request")
        return status

    def evaluation_summary(self) -> dict[str, int]:
        """How the workers evaluate now, without waiting for a busy one or starting one:
        ``{"in_memory", "on_disk", "copying", "busy", "starting"}`` counts (``copying``: those
        of ``on_disk`` whose copy into memory is under way), each idle worker asked in turn
        (a round trip of well under a millisecond); ``pool_size``, the workers kept warm; and
        ``quads``, the store's size as they count it (-1 while unknown). For ``/healthz`` and
        ``/readyz``: after a start or a write, the workers serve from the snapshot on disk
        until their copies are made (seconds to half a minute at 1M)."""
        summary = {"in_memory": 0, "on_disk": 0, "copying": 0, "busy": 0, "starting": 0,
                   "pool_size": self._limits.pool_size, "quads": -1}
        with self._lock:
            to_ask = len(self._idle)
            summary["starting"] = len(self._spawning)
            summary["busy"] = len(self._in_use)
        for _ in range(to_ask):
            with self._lock:
                if self._closed or not self._idle:
                    break
                worker = self._idle.pop(0)  # the longest idle: acquire takes from the end
            status = self._ask_status(worker)
            if status is not None:
                summary["in_memory" if status["in_memory"] else "on_disk"] += 1
                summary["copying"] += bool(status["copying"])
                if status["quads"] is not None:
                    summary["quads"] = int(status["quads"])
        return summary

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
            worker = self._start_worker()
            with self._lock:
                self._spawning.discard(worker)
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




#: Signals that mean the engine itself crashed on the text it was given (a stack overflow is
#: SIGSEGV), unlike SIGKILL (the kernel's OOM killer, an operator) or SIGABRT (memory limit).
_CRASH_SIGNALS = frozenset({-signal.SIGSEGV, -signal.SIGBUS, -signal.SIGILL, -signal.SIGFPE})


def _crashed_by_query(worker: _Worker) -> bool:
    """Did this worker die of a crash while evaluating (not killed from outside)?"""
    with contextlib.suppress(subprocess.TimeoutExpired):
        worker.process.wait(5)
    return worker.process.returncode in _CRASH_SIGNALS
