"""What a query or update can fail with, as the client may be told (status and message).
"""

from __future__ import annotations

from coopgraph import sparql_safety
from coopgraph.store import (
    QuerySyntaxError,
)


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




def _syntax_error(message: str) -> QuerySyntaxError:
    """A QuerySyntaxError carrying ``line`` and ``column`` attributes when the engine gave them."""
    error = QuerySyntaxError(message)
    line, column = sparql_safety.error_position(message)
    error.line = line  # type: ignore[attr-defined]
    error.column = column  # type: ignore[attr-defined]
    return error
