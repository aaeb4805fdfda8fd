"""The one place the web layer obtains its query executor.

The executor (``coopgraph.executor``, written separately) owns time limits, concurrency
limits, SERVICE/FROM/LOAD refusal and result limits. The web layer only ever calls
:func:`make_executor` and the executor's documented methods, so that the switch from the
stand-in below to the real executor is the import at the top of this module and nothing
else.

The stand-in (:class:`DirectExecutor`) exists only so that the web layer can run while the
executor is not installed: it evaluates with the store directly, streams the serialised
result through a bounded queue, and enforces only the query length and concurrency limits.
"""

from __future__ import annotations

import dataclasses
import queue
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from ..store import QuerySyntaxError, Store, StoreError

try:  # the real executor, when it is installed
    from ..executor import (  # type: ignore[import-not-found,unused-ignore]
        Executor,
        Limits,
        QueryBusy,
        QueryRefused,
        QueryTimeout,
        ResultTooLarge,
    )

    HAVE_EXECUTOR = True
except ModuleNotFoundError as _missing:  # pragma: no cover - depends on the checkout
    if _missing.name not in ("coopgraph.executor",):
        raise
    HAVE_EXECUTOR = False

    class QueryRefused(Exception):  # type: ignore[no-redef]
        """The query is not allowed here (too long, remote SERVICE, …)."""

        def __init__(self, message: str) -> None:
            super().__init__(message)
            self.message = message

    class QueryTimeout(QueryRefused):  # type: ignore[no-redef]
        """The query ran out of time."""

    class QueryBusy(QueryRefused):  # type: ignore[no-redef]
        """Too many queries are running."""

    class ResultTooLarge(QueryRefused):  # type: ignore[no-redef]
        """The result is larger than the limit."""

    @dataclass(frozen=True)
    class Limits:  # type: ignore[no-redef]
        """The stand-in's limits (the real executor has its own)."""

        timeout: float = 30.0
        max_query_length: int = 100_000
        max_concurrent: int = 4
        max_result_bytes: int = 0

    Executor = None  # type: ignore[assignment,misc]


@dataclass(frozen=True)
class QueryInfoStandIn:
    """What the stand-in knows about a query before running it."""

    form: str


_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_NOISE = re.compile(
    r'#[^\n]*|"""(?:.|\n)*?"""|\'\'\'(?:.|\n)*?\'\'\'|"(?:\\.|[^"\\\n])*"|'
    r"'(?:\\.|[^'\\\n])*'|<[^<>\"{}|^`\\\s]*>"
)
_CHUNK = 64 * 1024


def pipe(write: Callable[[IO[bytes]], None], *, first_chunk: bool = True) -> Iterator[bytes]:
    """Run ``write(output)`` in a thread and yield what it writes, in chunks.

    Why: pyoxigraph serialises into a file object; a bounded queue turns that into a
    generator a streaming response can consume without the whole result in memory. With
    ``first_chunk`` the first chunk (or the writer's exception) is awaited before returning,
    so that errors surface before the response status is sent.
    """
    chunks: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=16)
    cancelled = threading.Event()

    class _Writer:
        def __init__(self) -> None:
            self.buffer = bytearray()

        def write(self, data: bytes) -> int:
            if cancelled.is_set():
                raise BrokenPipeError("client went away")
            self.buffer += data
            if len(self.buffer) >= _CHUNK:
                self.flush()
            return len(data)

        def flush(self) -> None:
            if self.buffer:
                _put(bytes(self.buffer))
                self.buffer.clear()

    def _put(item: bytes | BaseException | None) -> None:
        while not cancelled.is_set():
            try:
                chunks.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    def _run() -> None:
        writer = _Writer()
        try:
            write(writer)  # type: ignore[arg-type]
            writer.flush()
            _put(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            _put(exc)

    threading.Thread(target=_run, daemon=True, name="coopgraph-pipe").start()

    def _next() -> bytes | None:
        item = chunks.get()
        if isinstance(item, BaseException):
            raise item
        return item

    first = _next() if first_chunk else b""

    def _generate() -> Iterator[bytes]:
        if first:
            yield first
        if first is None:
            return
        while (item := _next()) is not None:
            yield item

    return ClosingIterator(_generate(), cancelled.set)


class ClosingIterator:
    """An iterator whose ``close()`` always runs its cleanups, even if never iterated.

    Why: a generator that was never started ignores ``close()`` (its ``finally`` never
    runs), and a HEAD request or an early disconnect closes the body without iterating it;
    the writer thread and the concurrency slot must still be released.
    """

    def __init__(self, iterator: Iterator[bytes], *cleanups: Callable[[], None]) -> None:
        self._iterator = iterator
        self._cleanups = list(cleanups)

    def __iter__(self) -> ClosingIterator:
        return self

    def __next__(self) -> bytes:
        try:
            return next(self._iterator)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Close the inner iterator and run the cleanups once."""
        cleanups, self._cleanups = self._cleanups, []
        closer = getattr(self._iterator, "close", None)
        try:
            if callable(closer):
                closer()
        finally:
            for cleanup in cleanups:
                cleanup()


class DirectExecutor:
    """A stand-in with the executor's interface, evaluating on the store directly."""

    def __init__(self, store: Store, *, union_default_graph: bool = True, limits: Any = None):
        self.store = store
        self.union_default_graph = union_default_graph
        self.limits = limits or Limits()
        self._slots = threading.BoundedSemaphore(max(1, int(self.limits.max_concurrent)))

    def inspect(self, query_text: str, base_iri: str | None = None) -> QueryInfoStandIn:
        """The query form, after checking the length and the syntax."""
        if len(query_text) > self.limits.max_query_length:
            raise QueryRefused(
                f"the query is longer than {self.limits.max_query_length} characters"
            )
        match = _FORM.search(_NOISE.sub(" ", query_text))
        if match is None:
            raise QuerySyntaxError("error at 1:1: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
        return QueryInfoStandIn(form=match.group(1).upper())

    def run_query(
        self,
        query_text: str,
        *,
        media_type: str,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        base_iri: str | None = None,
    ) -> Iterator[bytes]:
        """Evaluate and stream; errors before the first chunk are raised here."""
        if not self._slots.acquire(timeout=1.0):
            raise QueryBusy("too many queries are running; retry shortly")
        def _evaluate(out: IO[bytes]) -> None:
            # pyoxigraph results are bound to the thread that created them: evaluate and
            # serialise in the same (pipe) thread.
            result = self.store.query(
                query_text,
                union_default_graph=self.union_default_graph,
                default_graphs=default_graphs or None,
                named_graphs=named_graphs or None,
                base_iri=base_iri,
            )
            result.serialize(out, media_type)

        try:
            chunks = pipe(_evaluate)
        except BaseException:
            self._slots.release()
            raise

        return ClosingIterator(chunks, self._slots.release)

    def run_update(self, update_text: str, base_iri: str | None = None) -> None:
        """Apply an update on the store."""
        if len(update_text) > self.limits.max_query_length:
            raise QueryRefused(
                f"the update is longer than {self.limits.max_query_length} characters"
            )
        self.store.update(update_text, base_iri=base_iri)

    def changed(self) -> None:
        """Nothing is cached by the stand-in."""

    def close(self) -> None:
        """The store is closed by its owner."""


#: setting name → field names the executor's ``Limits`` may use for it.
_LIMIT_FIELDS: dict[str, tuple[str, ...]] = {
    "QUERY_TIMEOUT": ("timeout", "timeout_s", "query_timeout", "timeout_seconds"),
    "MAX_QUERY_LENGTH": ("max_query_length", "max_query_chars", "max_length"),
    "MAX_RESULT_SIZE": ("max_result_bytes", "max_result_size", "max_bytes"),
    "MAX_RESULT_ROWS": ("max_result_rows", "max_rows"),
    "MAX_CONCURRENT_QUERIES": ("max_concurrent", "max_concurrent_queries", "concurrency"),
    "SERVICE_ALLOWLIST": ("service_allowlist", "allowed_services", "service_allow"),
}


def make_limits(settings: dict[str, Any]) -> Any:
    """The executor's ``Limits`` from the app settings (only the fields it has)."""
    names = {f.name for f in dataclasses.fields(Limits)}
    kwargs: dict[str, Any] = {}
    for setting, candidates in _LIMIT_FIELDS.items():
        if settings.get(setting) is None:
            continue
        for name in candidates:
            if name in names:
                value = settings[setting]
                kwargs[name] = tuple(value) if isinstance(value, list) else value
                break
    return Limits(**kwargs)


def make_executor(store: Store, settings: dict[str, Any]) -> Any:
    """The executor the app uses: the real one when installed, else the stand-in."""
    limits = make_limits(settings)
    union = bool(settings["UNION_DEFAULT_GRAPH"])
    if HAVE_EXECUTOR:
        return Executor(store, union_default_graph=union, limits=limits)
    return DirectExecutor(store, union_default_graph=union, limits=limits)


__all__ = [
    "HAVE_EXECUTOR",
    "Limits",
    "QueryBusy",
    "QueryRefused",
    "QueryTimeout",
    "ResultTooLarge",
    "StoreError",
    "ClosingIterator",
    "make_executor",
    "pipe",
]
