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

Updates are checked in a query worker (:meth:`Executor.check_update`: syntax, and the graphs
they change), then applied by a query worker to a writable checkpoint of the store under the
time and memory limits (:meth:`Executor.run_update`: a dry run, killed at the limit, nothing
applied), and only then applied in the calling process, on the read-write store, after the
text checks of :mod:`coopgraph.sparql_safety` refused LOAD and SERVICE (``LOAD SILENT`` is a
successful no-op: it is cut out of the request, see :mod:`.loads`).

A store that is not an :class:`~coopgraph.store.OxigraphStore` (e.g. a future remote engine)
is evaluated in threads: the time limit then only stops *waiting* (see docs/limits.md).

The package, one job per module: :class:`Executor` (here: the checks and the calls),
:mod:`.admission` (which query may start: lanes, measured cost, per-client shares),
:mod:`.pool` (the worker processes and snapshots), :mod:`.stream` (reading a result from a
worker), :mod:`.loads` (LOAD SILENT rewriting), :mod:`.limits` and :mod:`.errors` (the
public types).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import queue
import secrets
import signal
import threading
import time
import weakref
from collections.abc import Iterator
from typing import Any

from coopgraph import sparql_safety
from coopgraph.executor import lookups, reads
from coopgraph.executor.admission import Admission, Busy, Ticket
from coopgraph.executor.errors import (
    ExecutorError,
    MemoryLimitExceeded,
    QueryBusy,
    QueryRefused,
    QueryTimeout,
    ResultTooLarge,
    _syntax_error,
)
from coopgraph.executor.limits import DEFAULT_MEDIA_TYPE, FORM_MEDIA_TYPES, Limits, QueryInfo
from coopgraph.executor.loads import _without_silent_loads
from coopgraph.executor.pool import (
    WORKER_START_TIMEOUT_S,
    _crashed_by_query,
    _ProcessPool,
    _Worker,
    _WorkerCrashed,
)
from coopgraph.executor.stream import _Stream
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
        #: Lookups bounded by their shape are answered on the store, in this process (only
        #: beside worker processes: the thread path has no worker round trip to save).
        self._lookups_here = self._pool is not None and isinstance(store, OxigraphStore)
        #: How many queries were answered that way (diagnostics, tests).
        self.lookups_answered = 0
        # An executor that is dropped without close() (a test, a crashed app factory) still
        # stops its workers and removes its snapshots, at collection or at interpreter exit.
        self._finalizer = weakref.finalize(self, self._pool.close) if self._pool else None
        self._write_lock = threading.Lock()
        #: keys of texts that crashed a worker (SIGSEGV...): refused at once, never retried.
        self._crashed: _Crashed = _Crashed()
        # The version of what queries see (see ``version``): a random epoch, so that no
        # version of this executor equals one of an earlier process or build, and a count of
        # the writes it was told of.
        self._epoch = secrets.token_hex(8)
        self._generation = 0
        self._generation_lock = threading.Lock()

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
        # FROM / FROM NAMED (and the protocol's dataset graphs) only select graphs of the
        # store: Oxigraph never dereferences them, and a graph the store does not hold is an
        # empty graph, as SPARQL 1.1 allows (nothing is fetched).
        return analysis, tuple(services)

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
        union_default_graph: bool | None = None,
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
        ``union_default_graph`` overrides the executor's setting for this query.
        """
        analysis, _ = self._check(query_text, base_iri)
        form = analysis.form
        if media_type is None:
            media_type = DEFAULT_MEDIA_TYPE.get(form or "SELECT", "application/sparql-results+json")
        if media_type not in RESULT_FORMATS and media_type not in RDF_FORMATS:
            raise ValueError(f"unsupported media type: {media_type}")
        if form is not None and media_type not in FORM_MEDIA_TYPES[form]:
            raise ValueError(f"{media_type} cannot carry the result of a {form} query")
        union = self.union_default_graph if union_default_graph is None else union_default_graph
        if (self._lookups_here and self.limits.lookup_max_rows > 0
                and not default_graphs and not named_graphs):
            body = self._answer_lookup(query_text, media_type, base_iri, union)
            if body is not None:
                return lookups.Answered(body)
        request = {
            "op": "query",
            "text": query_text,
            "media_type": media_type,
            "max_result_bytes": self.limits.max_result_bytes,
            "dataset": {
                "union_default_graph": union,
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

    def _answer_lookup(self, text: str, media_type: str, base_iri: str | None,
                       union: bool) -> bytes | None:
        """A lookup bounded by its shape, answered here (executor/lookups.py), or None."""
        lookup = lookups.recognise(text, self.limits.lookup_max_rows)
        if lookup is None or not isinstance(self.store, OxigraphStore):
            return None
        try:
            # Read at each call, never kept: a closed store must release its files.
            engine = self.store.engine
        except AttributeError:  # closed
            return None
        body = lookups.answer(
            engine, text, lookup, media_type, union_default_graph=union,
            base_iri=base_iri, max_rows=self.limits.lookup_max_rows,
            max_bytes=self.limits.max_result_bytes)
        if body is not None:
            with self._generation_lock:
                self.lookups_answered += 1
        return body

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

    # -- results as Python values (see executor/reads.py)

    def _read(self, sparql: str, media_type: str, base_iri: str | None,
              client: str | None, union: bool | None) -> bytes:
        return b"".join(self.run_query(sparql, media_type=media_type, base_iri=base_iri,
                                       client=client or "coopgraph", union_default_graph=union))

    def select(
        self, sparql: str, *, base_iri: str | None = None, client: str | None = None,
        union_default_graph: bool | None = None,
    ) -> list[dict[str, Any]]:
        """The rows of a SELECT query: ``{variable: rdflib term or None}`` per solution.

        Same limits and errors as :meth:`run_query` (QueryTimeout, ResultTooLarge,
        QueryBusy, QueryRefused, QuerySyntaxError); ValueError for another query form.
        """
        return reads.rows(
            self._read(sparql, reads.JSON_RESULTS, base_iri, client, union_default_graph))

    def ask(
        self, sparql: str, *, base_iri: str | None = None, client: str | None = None,
        union_default_graph: bool | None = None,
    ) -> bool:
        """The answer of an ASK query, within the limits of :meth:`run_query`."""
        return reads.boolean(
            self._read(sparql, reads.JSON_RESULTS, base_iri, client, union_default_graph))

    def construct(
        self, sparql: str, *, base_iri: str | None = None, client: str | None = None,
        union_default_graph: bool | None = None,
    ) -> Any:
        """The graph (an ``rdflib.Graph``) of a CONSTRUCT or DESCRIBE query, within the
        limits of :meth:`run_query`."""
        return reads.graph(
            self._read(sparql, reads.N_TRIPLES, base_iri, client, union_default_graph))

    # -- updates

    def check_update(
        self, update_text: str, base_iri: str | None = None, *, client: str | None = None,
        lenient: bool = False,
    ) -> set[str]:
        """Check an update before it runs and return the graphs it may change.

        ``""`` is the default graph, :data:`coopgraph.update_analysis.ALL_GRAPHS` any named
        graph. The text checks of :meth:`check_text`, then, in a query worker under the
        query time limit (a text that takes longer is refused with QueryTimeout, 503):
        Oxigraph's syntax check (QuerySyntaxError, 400, with line and column; skipped for a
        text with LOAD or SERVICE, which :meth:`run_update` handles) and
        :func:`coopgraph.update_analysis.targets`. Nothing of it runs in this process.

        ``lenient``: a text Oxigraph parses but the analysis cannot read (rdflib's grammar
        differs on edge cases) may change any graph (``{ALL_GRAPHS}``) instead of being a
        syntax error: for servers that allow curated writes, which still must keep updates
        off the contribution graphs but accept every text Oxigraph accepts (the W3C suite).
        """
        self.check_text(update_text, "update")
        analysis = _analyse(update_text, base_iri, True)
        if self._pool is None:  # no worker processes (a store other than Oxigraph)
            from coopgraph import update_analysis

            try:
                return update_analysis.targets(update_text, base_iri)
            except update_analysis.UpdateParseError as exc:
                if lenient:
                    return {update_analysis.ALL_GRAPHS}
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
            # ("checking",) once the worker has imported the analysis (once per process):
            # the time limit runs from there.
            self._receive(worker, None, time.monotonic() + WORKER_START_TIMEOUT_S)
            try:
                message = self._receive(worker, None, time.monotonic() + self.limits.timeout_s)
            except QueryTimeout:
                raise QueryTimeout(
                    f"checking the update did not finish within {self.limits.timeout_s:g} s "
                    "and was stopped; nothing was changed"
                ) from None
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
            if lenient:
                return {sparql_safety.ALL_GRAPHS}
            error = QuerySyntaxError(message[1])
            error.line, error.column = message[2], message[3]  # type: ignore[attr-defined]
            raise error
        return set(message[1])

    def run_update(
        self, update_text: str, base_iri: str | None = None, *, client: str | None = None
    ) -> None:
        """Apply a SPARQL Update on the read-write store, atomically, within the time and
        memory limits; LOAD and SERVICE are refused.

        ``LOAD SILENT`` operations succeed without effect (nothing is fetched) and the other
        operations of the request run; a syntax error wins over the LOAD refusal.

        Refusal happens on the text, before the engine sees it, so no connection is opened.
        Then, under the write lock, a query worker applies the update to a writable
        checkpoint of the store (a dry run, :meth:`_dry_run`) under ``timeout_s`` and
        ``worker_memory_bytes``: an update that passes either is stopped there (QueryTimeout,
        MemoryLimitExceeded) and nothing is applied. Only an update that finished is applied
        here, to the same data, so its cost is known to be within the limits.
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
                if self._pool is not None:
                    self._dry_run(update_text, base_iri, client)
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

    def _dry_run(self, update_text: str, base_iri: str | None, client: str | None) -> None:
        """Apply the update in a query worker to a writable checkpoint of the store (hard
        links; called with the write lock held, so it holds what the store will hold) and
        wait at most ``timeout_s``; the checkpoint is removed whatever happens.

        Raises QueryTimeout (the worker is killed), MemoryLimitExceeded, QuerySyntaxError
        (with line and column), StoreError (the engine could not apply it: the message),
        QueryBusy (no slot).
        """
        assert self._pool is not None
        pool = self._pool
        ticket = self._acquire_slot(update_text, client)
        path = None
        try:
            path = pool.checkpoint()
            with self._worker_job("the update", "applying the update") as (worker, deadline):
                worker.conn.send({"op": "update_dry_run", "path": str(path),
                                  "text": update_text, "base_iri": base_iri})
                message = self._receive(worker, None, deadline)
        finally:
            if path is not None:
                pool.remove_checkpoint(path)
            self._admission.leave(ticket, record=False)
        if message[0] == "syntax":
            raise _syntax_error(message[1])
        if message[0] == "error":
            raise StoreError(str(message[1]))
        log.info("update dry run: %.3f s", message[1])

    # -- uploads

    def to_ntriples(
        self, data: bytes, media_type: str, name: str = "<input>", *,
        base_iri: str | None = None, client: str | None = None,
    ) -> bytes:
        """The triples of an uploaded RDF document as N-Triples, parsed in a query worker
        under ``timeout_s`` and ``worker_memory_bytes``, so that a body whose parse takes
        too long is killed there and never reaches the store (issue 12).

        The caller runs :func:`coopgraph.rdfio.check_safe` first (cheap and linear; it makes
        the parse linear too). Blank nodes are renamed apart (as
        :func:`coopgraph.rdfio.to_ntriples`, which the thread path calls). Raises
        :class:`~coopgraph.rdfio.RdfParseError` (syntax, with line and column),
        :class:`~coopgraph.rdfio.UnsafeRdfError` (a literal too long), QueryTimeout,
        MemoryLimitExceeded, QueryBusy, StoreError.
        """
        from coopgraph import rdfio
        from coopgraph.formats import RDF_FORMATS

        if media_type not in RDF_FORMATS:
            raise ValueError(f"unsupported RDF media type: {media_type}")
        if self._pool is None:
            return rdfio.to_ntriples(data, media_type, name, base_iri=base_iri)
        try:
            ticket = self._admission.enter(
                "upload:" + hashlib.sha256(data).hexdigest(), client or "-",
                cheap_lane_s=self.limits.cheap_lane_s)
        except Busy as exc:
            raise QueryBusy(exc.message, retry_after=exc.retry_after) from None
        try:
            with self._worker_job(f"parsing {name}", f"parsing {name}") as (worker, deadline):
                worker.conn.send({"op": "to_ntriples", "data": data, "media_type": media_type,
                                  "base_iri": base_iri, "max_literal": rdfio.MAX_LITERAL_CHARS})
                message = self._receive(worker, None, deadline)
                if message[0] == "ntriples":
                    out = self._receive_bytes(worker, deadline)
        finally:
            self._admission.leave(ticket, record=False)
        if message[0] == "literal":
            raise rdfio.UnsafeRdfError(
                name, f"a literal of {message[1]} characters is longer than the limit of "
                      f"{rdfio.MAX_LITERAL_CHARS}")
        if message[0] == "rdf_syntax":
            error = SyntaxError(message[1])
            error.lineno, error.offset = message[2], message[3]
            text = data.decode("utf-8", "replace")
            raise rdfio._syntax_error(error, name, rdfio._format_of(media_type, name), text)
        return out

    @contextlib.contextmanager
    def _worker_job(self, subject: str, doing: str) -> Iterator[tuple[_Worker, float]]:
        """A pooled worker for one write-side job (an update's dry run, an upload's parse)
        and the job's deadline (``timeout_s`` from now). The worker goes back to the pool only
        if the job finished; a timeout (the worker killed), a crash or the memory limit
        become QueryTimeout, StoreError or MemoryLimitExceeded saying nothing was changed."""
        assert self._pool is not None
        pool = self._pool
        worker: _Worker | None = pool.acquire()
        assert worker is not None
        healthy = False
        try:
            try:
                yield worker, time.monotonic() + self.limits.timeout_s
            except QueryTimeout:
                raise QueryTimeout(
                    f"{subject} did not finish within {self.limits.timeout_s:g} s and was "
                    "stopped; nothing was changed"
                ) from None
            except (_WorkerCrashed, OSError) as exc:
                pool.release(worker, healthy=False)  # kills and reaps it: its status is known
                dead, worker = worker, None
                if self._out_of_memory(dead):
                    log.warning("%s ran out of its %d bytes", subject,
                                self.limits.worker_memory_bytes)
                    raise MemoryLimitExceeded(
                        f"{subject} needed more than {self.limits.worker_memory_bytes} bytes "
                        "of memory and was stopped; nothing was changed"
                    ) from exc
                raise StoreError(f"the query worker died while {doing}; nothing was "
                                 "changed") from exc
            healthy = True
        finally:
            if worker is not None:
                pool.release(worker, healthy=healthy)  # unhealthy: killed and reaped first

    def _receive_bytes(self, worker: _Worker, deadline: float) -> bytes:
        """The raw bytes a worker sends after a header message, by the same deadline."""
        remaining = deadline - time.monotonic()
        try:
            if remaining <= 0 or not worker.conn.poll(remaining):
                raise QueryTimeout(self._timeout_message())
            return worker.conn.recv_bytes()
        except (EOFError, OSError) as exc:
            raise _WorkerCrashed() from exc

    def changed(self) -> None:
        """Tell the executor the store was written (update, Graph Store Protocol, build).

        Query workers read a snapshot; the next query gets one taken after this call.
        """
        if self._pool is not None:
            self._pool.mark_changed()
        # After the snapshot is marked stale: a query that reads the new version is then
        # evaluated on a snapshot taken after the write (pool.acquire takes it first).
        with self._generation_lock:
            self._generation += 1

    @property
    def version(self) -> str:
        """Changes with every write this executor is told of (:meth:`changed`), and differs
        from every version of any other executor (another process, a reload to a new
        build). Two queries read the same data when they start at the same version, on a
        store that ``sees_all_writes``; the result cache (web/result_cache.py) keys by it.
        """
        return f"{self._epoch}.{self._generation}"

    def evaluation_status(self) -> dict[str, Any] | None:
        """Whether a query worker evaluates from its in-memory copy of the store yet (and the
        store's size), or None without worker processes; see ``Limits.memory_quads``."""
        return None if self._pool is None else self._pool.evaluation_status()

    def evaluation_summary(self) -> dict[str, int] | None:
        """Counts of idle workers evaluating from memory, from disk and copying into memory,
        of busy and starting workers, the pool's size and the store's size
        (``_ProcessPool.evaluation_summary``); None without worker processes."""
        return None if self._pool is None else self._pool.evaluation_summary()

    def close(self) -> None:
        """Stop every worker process and remove the snapshots; the store is not closed."""
        if self._finalizer is not None:
            self._finalizer()  # runs pool.close() once, however often close() is called

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()



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


