"""The one place the web layer obtains its query executor, and streaming helpers.

The executor (:mod:`coopgraph.executor`) owns time limits, concurrency limits,
SERVICE/FROM/LOAD refusal and result limits; the web layer only calls
:func:`make_executor` and the executor's documented methods (``inspect``, ``run_query``,
``run_update``, ``changed``, ``close``). :func:`pipe` and :class:`ClosingIterator` stream
what the web layer serialises itself (Graph Store Protocol reads).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import IO, Any

from .. import settings as settings_table
from ..executor import (
    Executor,
    ExecutorError,
    Limits,
    QueryBusy,
    QueryRefused,
    QueryTimeout,
    ResultTooLarge,
)
from ..store import Store, StoreError

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


#: web setting → field of the executor's ``Limits``: the ``limit`` column of the settings table.
_LIMIT_FIELDS: dict[str, str] = {
    row.name: row.limit for row in settings_table.SETTINGS if row.limit is not None}


def make_limits(settings: dict[str, Any]) -> Limits:
    """The executor's ``Limits`` from the app settings (unset settings keep its defaults)."""
    kwargs: dict[str, Any] = {}
    for setting, name in _LIMIT_FIELDS.items():
        value = settings.get(setting)
        if value is not None:
            kwargs[name] = tuple(value) if isinstance(value, list | tuple) else value
    return Limits(**kwargs)


def make_executor(store: Store, settings: dict[str, Any]) -> Executor:
    """The executor the app uses, over ``store``, with the app's limits."""
    return Executor(
        store,
        union_default_graph=bool(settings["UNION_DEFAULT_GRAPH"]),
        limits=make_limits(settings),
    )


__all__ = [
    "ExecutorError",
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
