"""The body of a query worker process: open a store snapshot read-only, answer requests.

Kept apart from :mod:`coopgraph.executor` so that a worker imports only pyoxigraph, this
module and :mod:`coopgraph.formats` (a worker start is on the request path when the warm pool
is empty), and so that what runs in the child is easy to audit. The protocol, over a socket
pair, with pickled messages:

* parent → worker: ``{"op": "query", ...}``, ``{"op": "parse", ...}``,
  ``{"op": "update_check", ...}`` (see :func:`_serve_update_check`),
  ``{"op": "update_dry_run", "path": checkpoint, ...}`` (see :func:`_serve_update_dry_run`),
  ``{"op": "to_ntriples", "data": bytes, ...}`` (an upload, see :func:`_serve_to_ntriples`),
  ``{"op": "reopen", "snapshot": path}`` (after a write), ``{"op": "status"}`` or ``None``
  (exit);
* worker → parent: ``("ready", pid, isolated)`` once, then per query zero or more
  ``("chunk", bytes)`` followed by exactly one of ``("last", bytes, total)`` (the final chunk
  and the end in one message: a small result is one message), ``("end", total)``,
  ``("syntax", message)``, ``("error", message)``, ``("too_large", total)``; per parse check
  ``("ok",)`` or ``("syntax", message)``; per update check ``("checking",)`` then
  ``("syntax", message)``,
  ``("unparsed", message, line, column)`` or ``("targets", sorted graphs or None)``; per
  dry run ``("applied", seconds)``, ``("syntax", message)`` or ``("error", message)``; per
  upload ``("ntriples", size)`` and the bytes, ``("rdf_syntax", message, line, column)`` or
  ``("literal", length)``; per reopen ``("ready", pid, isolated)`` again; per status
  ``("status", dict)`` (see :class:`Evaluation`).
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import resource
import sys
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

import pyoxigraph as ox

from coopgraph import quads_cache
from coopgraph.formats import RDF_FORMATS, RESULT_FORMATS, query_kwargs

#: Bytes a worker accumulates before sending a chunk. The first chunk is what run_query waits
#: for, so errors (and a result-size overflow) within it are reported before any byte is sent.
CHUNK_BYTES = 64 * 1024

def _isolate_network() -> bool:
    """Move this (single-threaded) process into new user + network namespaces.

    Inside, only a loopback interface that is down exists: no connection can leave. Returns
    False when the kernel refuses (e.g. unprivileged user namespaces disabled).
    """
    clone_newuser, clone_newnet = 0x10000000, 0x40000000
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.unshare(clone_newuser | clone_newnet) == 0)
    except (OSError, AttributeError):
        return False


class TooLarge(Exception):
    """Raised inside serialisation when the result passes the byte limit."""


class _ChunkWriter:
    """The file-like object pyoxigraph serialises into; ships chunks over the pipe."""

    def __init__(self, conn: Connection, limit: int) -> None:
        self.conn = conn
        self.limit = limit
        self.total = 0
        self.buf = bytearray()

    def write(self, data: bytes) -> int:
        self.total += len(data)
        if self.total > self.limit:
            raise TooLarge()
        self.buf += data
        if len(self.buf) >= CHUNK_BYTES:
            self.conn.send(("chunk", bytes(self.buf)))
            self.buf.clear()
        return len(data)

    def flush(self) -> None:
        """pyoxigraph calls it at the end; the last chunk is sent by :meth:`finish`."""

    def finish(self) -> None:
        """Send what is buffered and the end of the result, in one message."""
        if self.buf:
            self.conn.send(("last", bytes(self.buf), self.total))
            self.buf.clear()
        else:
            self.conn.send(("end", self.total))


#: Memory one quad takes in pyoxigraph's in-memory store, rounded up (measured: 382 bytes a
#: quad for bench.generate's 100k file). The copy is skipped when it would take more than
#: half of the worker's memory limit, leaving the other half to evaluation.
BYTES_PER_QUAD = 400

#: The snapshot's quads as N-Quads, written by the first worker that copies it into memory.
SNAPSHOT_DUMP = "coopgraph-quads.nq"


class Evaluation:
    """The store this worker evaluates queries on.

    Why in memory: pyoxigraph evaluates the same query about eight times faster on its
    in-memory store than on a RocksDB snapshot (docs/benchmarks.md, "Where evaluation's data
    lives"), and a curated, read-mostly graph is small. So a snapshot is opened read-only
    (serving at once), then copied into memory by a background thread (a dump to a file,
    shared by the workers on that snapshot, and a bulk load, both in Rust), which replaces it
    when complete; a query running
    meanwhile finishes on the object it started with. Stores larger than ``memory_quads``
    (or than half the memory limit) stay on disk. A newer snapshot (``open`` again after a
    write) makes an older copy still in progress be discarded.
    """

    def __init__(self, memory_quads: int, cache_dir: str = "") -> None:
        self.memory_quads = memory_quads
        #: the store's directory, where a copy of a snapshot's quads may be kept
        #: (quads_cache.py); "" for none (an in-memory store).
        self.cache_dir = cache_dir
        self.store: ox.Store = ox.Store()
        self.in_memory = False
        #: a copy of the current snapshot into memory is under way (it will be in memory)
        self.copying = False
        self.quads: int | None = None
        self._serial = 0
        self._lock = threading.Lock()

    def open(self, snapshot: str) -> None:
        """Serve ``snapshot`` from disk now, and from memory once copied (if it fits)."""
        disk = ox.Store.read_only(snapshot)
        with self._lock:
            self._serial += 1
            serial = self._serial
            self.store, self.in_memory, self.quads = disk, False, None
            self.copying = self.memory_quads > 0
        if self.copying:
            threading.Thread(target=self._copy, args=(serial, disk, snapshot),
                             daemon=True).start()

    def _copy(self, serial: int, disk: ox.Store, snapshot: str) -> None:
        try:
            self._copy_into_memory(serial, disk, snapshot)
        finally:
            with self._lock:
                if serial == self._serial:
                    self.copying = False  # done, not to be done (too large), or failed

    def _copy_into_memory(self, serial: int, disk: ox.Store, snapshot: str) -> None:
        # At low priority (Linux: niceness is per thread): the copy must not slow the queries
        # this worker answers from disk meanwhile.
        with contextlib.suppress(OSError):
            own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), max(10, min(19, own + 5)))
        quads = len(disk)
        limit = _memory_limit()
        with self._lock:
            self.quads = quads
        if quads > self.memory_quads or (limit and quads * BYTES_PER_QUAD > limit // 2):
            return
        # The dump lies inside the snapshot's own folder, so it goes with the snapshot (even
        # if this process is killed), and the other workers on the same snapshot only load it:
        # reading RocksDB is the slow half (16 s of the 22 at 1M quads). Workers started
        # together wait on a lock for the first one's dump instead of each making its own
        # (measured at 1M: 43 s of CPU for two workers' copies, both cores busy for 20 s).
        # Written under a private name, then renamed; a killed writer releases the lock.
        # A copy kept beside the store for a snapshot with the same files (after a restart,
        # or the build's own) is loaded instead (quads_cache.py: 6 s instead of 22 at 1M).
        dump = os.path.join(snapshot, SNAPSHOT_DUMP)
        try:
            with open(f"{dump}.lock", "ab") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if serial != self._serial:
                    return  # a newer snapshot was opened while this one waited
                key = quads_cache.key(snapshot) if self.cache_dir else None
                source = quads_cache.cached(self.cache_dir, key) if key else None
                if source is None and not os.path.exists(dump):
                    partial = f"{dump}.{os.getpid()}-{serial}.part"
                    try:
                        disk.dump(output=partial, format=ox.RdfFormat.N_QUADS)
                        os.replace(partial, dump)
                    finally:
                        with contextlib.suppress(OSError):
                            os.unlink(partial)
                    quads_cache.keep(self.cache_dir, key, dump)
            memory = ox.Store()
            memory.bulk_load(path=str(source or dump), format=ox.RdfFormat.N_QUADS)
        except Exception:  # noqa: BLE001 - the disk snapshot keeps serving
            return
        with self._lock:
            if serial == self._serial:
                self.store, self.in_memory, self.copying = memory, True, False

    def status(self) -> dict[str, Any]:
        """Where queries are evaluated now, and whether a copy into memory is under way, for
        the executor's diagnostics (``/healthz``, ``/readyz``) and the tests."""
        with self._lock:
            return {"in_memory": self.in_memory, "copying": self.copying, "quads": self.quads}


def _memory_limit() -> int:
    """This process's RLIMIT_DATA (0 when unlimited)."""
    soft = resource.getrlimit(resource.RLIMIT_DATA)[0]
    return 0 if soft == resource.RLIM_INFINITY else soft


def _serve_query(conn: Connection, store: ox.Store, request: dict[str, Any]) -> None:
    """Evaluate one query and stream it; every outcome ends with exactly one final message."""
    try:
        raw = store.query(request["text"], **query_kwargs(**request["dataset"]))
    except SyntaxError as exc:
        conn.send(("syntax", str(exc)))
        return
    except Exception as exc:  # noqa: BLE001 - any engine error is reported, the worker lives on
        conn.send(("error", str(exc)))
        return
    media_type = request["media_type"]
    try:
        if isinstance(raw, ox.QueryTriples):
            fmt: Any = RDF_FORMATS[media_type]
        else:
            fmt = RESULT_FORMATS[media_type]
    except KeyError:
        conn.send(("error", f"{media_type} cannot serialise this kind of result"))
        return
    writer = _ChunkWriter(conn, request["max_result_bytes"])
    try:
        raw.serialize(writer, fmt)
    except TooLarge:
        conn.send(("too_large", writer.total))
        return
    except Exception as exc:  # noqa: BLE001
        conn.send(("error", str(exc)))
        return
    writer.finish()


def _serve_parse(conn: Connection, request: dict[str, Any]) -> None:
    """Parse check: evaluate against an empty store (the only parse API pyoxigraph has).

    Most queries return at once (evaluation is lazy); an eager one (ASK, ORDER BY, aggregates)
    may compute for a while on constants, in which case the parent stops waiting and kills us.
    """
    try:
        ox.Store().query(request["text"], base_iri=request["base_iri"])
    except SyntaxError as exc:
        conn.send(("syntax", str(exc)))
        return
    except Exception:  # noqa: BLE001,S110 - evaluation errors are not syntax errors
        pass
    conn.send(("ok",))


def _serve_update_check(conn: Connection, request: dict[str, Any]) -> None:
    """Before an update runs: Oxigraph's syntax check and the graphs it may change.

    The syntax check runs the update on an empty in-memory store (the only parse API
    pyoxigraph has; its WHERE clauses find nothing there), skipped (``parse`` False) when the
    text holds LOAD or SERVICE, which must never run. The graphs come from
    :mod:`coopgraph.update_analysis`, imported here on first use (it may import rdflib).
    ``("checking",)`` is sent once that import is done: the parent starts the update's time
    limit then, so that the import (about 2 s on a loaded machine, once per worker) never
    counts against a small ``QUERY_TIMEOUT``.
    """
    from coopgraph.update_analysis import UpdateParseError, targets

    conn.send(("checking",))
    text, base_iri = request["text"], request["base_iri"]
    if request["parse"]:
        try:
            ox.Store().update(text, base_iri=base_iri)
        except SyntaxError as exc:
            conn.send(("syntax", str(exc)))
            return
        except Exception:  # noqa: BLE001,S110 - it parsed; failing on an empty store is fine
            pass
    if not request["targets"]:
        conn.send(("targets", None))
        return
    try:
        found = targets(text, base_iri)
    except UpdateParseError as exc:
        conn.send(("unparsed", exc.message, exc.line, exc.column))
        return
    conn.send(("targets", sorted(found)))


def _serve_update_dry_run(conn: Connection, request: dict[str, Any]) -> None:
    """Apply an update to a WRITABLE checkpoint of the store (made by the parent for this
    request alone), to learn whether it finishes within the time and memory limits before
    the parent applies it to the real store. The checkpoint is closed before the answer, so
    the parent may delete it as soon as it has read it.

    Answers ``("applied", seconds)``, ``("syntax", message)`` or ``("error", message)``.
    """
    started = time.monotonic()
    answer: tuple[Any, ...]
    try:
        store = ox.Store(request["path"])
        try:
            store.update(request["text"], base_iri=request["base_iri"])
            store.flush()
        finally:
            del store  # closed before the parent may delete the checkpoint
        answer = ("applied", time.monotonic() - started)
    except SyntaxError as exc:
        answer = ("syntax", str(exc))
    except Exception as exc:  # noqa: BLE001 - an evaluation error is the client's to read
        answer = ("error", str(exc))
    conn.send(answer)


def _serve_to_ntriples(conn: Connection, request: dict[str, Any]) -> None:
    """Parse an uploaded RDF document (already passed ``rdfio.check_safe`` in the parent) and
    send its triples back as N-Triples, so that a parse that takes too long is killed here
    rather than tying up the web process (issue 12). Streamed from the parser to the
    serialiser: memory stays near the size of the output.

    Answers ``("ntriples", size)`` followed by the bytes (``send_bytes``: no pickled copy),
    or ``("rdf_syntax", message, line, column)``, or ``("literal", length)`` for a literal
    longer than ``max_literal`` characters.
    """
    limit = request["max_literal"]
    too_long: list[int] = []

    def triples() -> Any:
        for quad in ox.parse(request["data"], RDF_FORMATS[request["media_type"]],
                             base_iri=request.get("base_iri"), rename_blank_nodes=True):
            obj = quad.object
            if isinstance(obj, ox.Literal) and len(obj.value) > limit:
                too_long.append(len(obj.value))
                return
            yield quad.triple

    try:
        out = ox.serialize(triples(), format=ox.RdfFormat.N_TRIPLES) or b""
    except SyntaxError as exc:
        conn.send(("rdf_syntax", str(exc.msg if exc.msg is not None else exc), exc.lineno,
                   exc.offset))
        return
    except (ValueError, OSError) as exc:
        conn.send(("rdf_syntax", str(exc), None, None))
        return
    if too_long:
        conn.send(("literal", too_long[0]))
        return
    conn.send(("ntriples", len(out)))
    conn.send_bytes(out)


def main() -> None:
    """``python -c`` entry: ``argv`` = socket fd, snapshot path, isolate flag, memory bytes,
    largest store (quads) evaluated in memory, the store's directory ("" if none: where a
    copy of the snapshot's quads may be kept, quads_cache.py), the worker's niceness.

    A fresh interpreter (not ``multiprocessing``'s spawn, which re-imports the parent's
    ``__main__`` and breaks under scripts and servers) that never shared the store's handles.
    """
    fd, snapshot, isolate = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
    memory = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    if memory > 0:
        # Heap and private writable mappings: an allocation past it makes the engine abort
        # (SIGABRT), which the parent reports as MemoryLimitExceeded.
        resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    memory_quads = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    cache_dir = sys.argv[6] if len(sys.argv) > 6 else ""
    _lower_priority(int(sys.argv[7]) if len(sys.argv) > 7 else 0)
    _worker_main(Connection(int(fd)), snapshot, isolate, memory_quads, cache_dir)


def _lower_priority(nice: int) -> None:
    """Run this worker ``nice`` steps below the web process (``Limits.worker_nice``).

    Why: lookups are answered by the web process itself (executor/lookups.py); while heavy
    queries keep both cores busy, a lookup must not wait for its turn behind them. Linux
    schedules by *autogroup* first (one per session, and each worker has a session of its
    own, ``start_new_session``), so a worker's own niceness alone changes nothing against
    the web process (measured: no change at niceness 5): the niceness of its autogroup is set
    too. Called while the process has one thread, so every later thread inherits it. Where
    either is not allowed, the worker runs at the web process's priority.
    """
    if nice <= 0:
        return
    with contextlib.suppress(OSError):
        os.nice(nice)  # relative: a server started with `nice` keeps its workers below it
    with contextlib.suppress(OSError), open("/proc/self/autogroup", "w") as autogroup:
        autogroup.write(str(nice))


def _watch_parent(parent: int) -> None:
    """Exit when the parent dies, even in the middle of a long evaluation.

    Without this, a worker busy with an expensive query would outlive a killed server until
    its next write to the socket. (``PR_SET_PDEATHSIG`` is tied to the parent *thread*, and
    request threads come and go, so it would kill healthy workers.)
    """
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(0)


def _worker_main(conn: Connection, snapshot: str, isolate_network: bool,
                 memory_quads: int = 0, cache_dir: str = "") -> None:
    """Body of a worker process: open the snapshot read-only, serve requests until EOF."""
    parent = os.getppid()
    isolated = _isolate_network() if isolate_network else False  # while single-threaded
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    evaluation = Evaluation(memory_quads, cache_dir)
    try:
        try:
            evaluation.open(snapshot)
        except Exception as exc:  # noqa: BLE001
            conn.send(("fatal", str(exc)))
            return
        conn.send(("ready", os.getpid(), isolated))
        while True:
            request = conn.recv()
            if request is None:
                return
            if request["op"] == "query":
                _serve_query(conn, evaluation.store, request)
            elif request["op"] == "parse":
                _serve_parse(conn, request)
            elif request["op"] == "update_check":
                _serve_update_check(conn, request)
            elif request["op"] == "update_dry_run":
                _serve_update_dry_run(conn, request)
            elif request["op"] == "to_ntriples":
                _serve_to_ntriples(conn, request)
            elif request["op"] == "reopen":
                # A write happened: drop the old snapshot (closing it) and open the new one.
                evaluation.open(request["snapshot"])
                conn.send(("ready", os.getpid(), isolated))
            elif request["op"] == "status":
                conn.send(("status", evaluation.status()))
    except (EOFError, OSError):
        return  # the parent is gone or gave up on this query (closed the socket): just exit
