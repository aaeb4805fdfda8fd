"""The chunks of one result, read from a worker; closing early frees (and kills) it.
"""

from __future__ import annotations

import contextlib
import logging
import queue
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from coopgraph.executor.admission import Ticket
from coopgraph.executor.errors import QueryTimeout, ResultTooLarge
from coopgraph.executor.pool import _Worker, _WorkerCrashed
from coopgraph.store import (
    StoreError,
)

if TYPE_CHECKING:
    from coopgraph.executor import Executor

log = logging.getLogger(__name__)


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
