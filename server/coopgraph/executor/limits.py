"""The limits of an executor, and what it learns from a query before running it.
"""

from __future__ import annotations

from dataclasses import dataclass

from coopgraph import settings, sparql_safety
from coopgraph.formats import DEFAULT_MEDIA_TYPE, FORM_MEDIA_TYPES

__all__ = ["DEFAULT_MEDIA_TYPE", "FORM_MEDIA_TYPES", "Limits", "QueryInfo"]








@dataclass(frozen=True)
class Limits:
    """The limits of one executor; docs/limits.md says what the client sees for each.

    ``max_result_bytes`` counts bytes of the *serialised* result (what goes on the wire),
    which is what costs memory and bandwidth whatever the format.
    """

    # Defaults: the settings table (coopgraph/settings.py, docs/settings.md), one value each.
    timeout_s: float = settings.default("QUERY_TIMEOUT")
    max_query_chars: int = settings.default("MAX_QUERY_LENGTH")
    max_result_bytes: int = settings.default("MAX_RESULT_SIZE")
    max_concurrent: int = settings.default("MAX_CONCURRENT_QUERIES")
    service_allowlist: tuple[str, ...] = settings.default("SERVICE_ALLOWLIST")
    #: how long a query waits for one of the ``max_concurrent`` slots before QueryBusy.
    queue_wait_s: float = settings.default("QUEUE_WAIT")
    #: idle worker processes kept warm (each is a process with the store open read-only).
    pool_size: int = settings.default("WORKER_POOL_SIZE")
    #: longest wait for the parse check of :meth:`Executor.inspect` (see there).
    parse_check_s: float = 0.5
    #: stores of at most this many quads are evaluated from an in-memory copy in each worker.
    memory_quads: int = settings.default("MEMORY_EVALUATION_QUADS")
    #: lookups bounded by their shape of at most this many rows are answered in the calling
    #: process, without a worker (executor/lookups.py); 0 = never.
    lookup_max_rows: int = settings.default("LOOKUP_MAX_ROWS")
    #: niceness of the worker processes (and of their autogroups), 0-19, above the web's.
    worker_nice: int = settings.default("WORKER_NICE")
    #: memory (heap) of one worker process; None = unlimited. Past it: MemoryLimitExceeded.
    worker_memory_bytes: int | None = 1024 * 1024 * 1024
    #: deepest nesting of ``{ ( [`` in a text (see sparql_safety.MAX_NESTING); deeper: 400.
    max_nesting: int = sparql_safety.MAX_NESTING
    #: fair admission (see executor/admission.py): extra slots for queries not known heavy,
    cheap_slots: int = settings.default("CHEAP_QUERY_SLOTS")
    #: how long a query may hold one of those before it moves to a general slot or is stopped,
    cheap_lane_s: float = 1.0
    #: the time in a slot past which a query (its text, its client) counts as heavy,
    heavy_after_s: float = 1.0
    #: and the most heavy queries one client may run at once (0: half of max_concurrent).
    heavy_per_client: int = settings.default("HEAVY_QUERIES_PER_CLIENT")

    def __post_init__(self) -> None:
        """Refuse settings that would silently disable a limit (a typo must not open the door)."""
        if not self.timeout_s > 0 or not self.parse_check_s > 0:
            raise ValueError("timeout_s and parse_check_s must be positive")
        if self.max_query_chars < 1 or self.max_result_bytes < 1 or self.max_nesting < 1:
            raise ValueError("max_query_chars and max_result_bytes must be positive")
        if self.max_concurrent < 1 or self.pool_size < 0 or self.queue_wait_s < 0:
            raise ValueError("max_concurrent must be ≥ 1, pool_size and queue_wait_s ≥ 0")
        if not 0 <= self.worker_nice <= 19:
            raise ValueError("worker_nice must be between 0 and 19")
        if (self.cheap_slots < 0 or self.heavy_per_client < 0 or self.memory_quads < 0
                or self.lookup_max_rows < 0):
            raise ValueError(
                "cheap_slots, heavy_per_client, memory_quads and lookup_max_rows must be ≥ 0")
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
