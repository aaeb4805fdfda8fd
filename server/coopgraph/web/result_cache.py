"""The ``/sparql`` result cache and its HTTP validators (``ETag``, ``304 Not Modified``).

Why: dashboards, the workbench and shared links send the same queries again and again, and a
result only changes when the store does. The cache keeps complete, successful results in
memory, bounded by total bytes (``RESULT_CACHE_SIZE``, least recently used out first) and per
entry (``RESULT_CACHE_ENTRY_MAX``: a larger result is streamed as always, and not kept). An
entry counts its result, its query text and a fixed overhead.

**Key**: the store's version (``Executor.version``: a random epoch per executor, i.e. per
process and build, plus a count of writes; every SPARQL Update, Graph Store Protocol write,
contribution and withdrawal calls ``Executor.changed``, and a reload starts a new process),
the query text with comments and layout removed (:func:`coopgraph.sparql_safety.canonical`),
the ``default-graph-uri``/``named-graph-uri`` parameters, the negotiated media type, the base
IRI and the union-default-graph setting. A new version empties the cache.

**Validators**: the ``ETag`` is a digest of the version and the key, so it is known before
anything is evaluated: a GET whose ``If-None-Match`` holds it gets ``304`` without the query
being run, cached or not. ``Cache-Control: public, max-age=0, must-revalidate``: a browser or
proxy may keep the answer but must ask again each time (a write can change it at any moment),
which costs a 304 when nothing changed.

Not cached (and no ``ETag``, ``Cache-Control: no-store`` as before): errors, time-outs, results
cut off or abandoned mid-stream, queries calling ``RAND``, ``NOW``, ``UUID``, ``STRUUID`` or
``BNODE`` (each evaluation differs), and a remote engine's results unless
``RESULT_CACHE_REMOTE_TTL`` > 0 (others may write to the engine unseen: the version then also
changes every TTL seconds). See docs/http-caching.md.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.http import parse_etags

from ..sparql_safety import canonical

#: For a read-only endpoint whose answers change on writes: any cache may keep the answer,
#: but must revalidate it before each use (a 304 when nothing changed).
CACHE_CONTROL = "public, max-age=0, must-revalidate"

#: Functions whose value differs at each evaluation: such a query is never cached.
_VOLATILE = re.compile(r"(?<![\w?$:])(?:RAND|NOW|UUID|STRUUID|BNODE)\s*\(", re.IGNORECASE)


@dataclass(frozen=True)
class Slot:
    """Where one request's result lives in the cache: its key, version and ``ETag``."""

    key: tuple[Any, ...]
    version: str
    etag: str


#: Texts up to this length have their key memoised (dashboards repeat short texts); longer
#: ones are tokenised each time, so the memo stays small (at most 512 × 4 KiB).
_MEMO_CHARS = 4096
#: What one entry costs besides its result and query text (key tuple, dict slot, bytes object).
_ENTRY_OVERHEAD = 256


def query_key(text: str) -> str | None:
    """The query as the cache keys it, or None when it must not be cached (volatile)."""
    return _memo_key(text) if len(text) <= _MEMO_CHARS else _key(text)


@functools.lru_cache(maxsize=512)
def _memo_key(text: str) -> str | None:
    return _key(text)


def _key(text: str) -> str | None:
    key = canonical(text)
    if key is None:  # the tokenization may differ from the engine's: the text as written
        key = text.strip()
    if _VOLATILE.search(key):
        return None
    return key


class ResultCache:
    """An LRU of whole results bounded by bytes, for one executor's store (thread-safe)."""

    def __init__(self, executor: Any, *, max_bytes: int, entry_max: int,
                 sees_all_writes: bool = True, ttl_s: float = 0.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.executor = executor
        self.max_bytes = max(0, int(max_bytes))
        self.entry_max = min(max(0, int(entry_max)), self.max_bytes)
        self.ttl_s = float(ttl_s)
        #: On a store that may be written unseen, only a TTL makes a version trustworthy.
        self.enabled = self.max_bytes > 0 and (sees_all_writes or self.ttl_s > 0)
        self._bounded = not sees_all_writes
        self._clock = clock
        self._entries: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
        self._version: str | None = None
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = self.stored = self.evicted = 0

    # -- version and key

    def version(self) -> str:
        """The store's current version (with the TTL window on a store written unseen)."""
        version: str = self.executor.version
        if self._bounded:
            version += f"@{int(self._clock() // self.ttl_s)}"
        return version

    def slot(self, query: str, *, media_type: str, default_graphs: list[str] | None,
             named_graphs: list[str] | None, base_iri: str | None) -> Slot | None:
        """The slot of a request, or None when its result must not be cached."""
        if not self.enabled:
            return None
        text = query_key(query)
        if text is None:
            return None
        key = (text, tuple(default_graphs or ()), tuple(named_graphs or ()), media_type,
               base_iri, bool(self.executor.union_default_graph))
        version = self.version()
        digest = hashlib.sha256(repr((version, key)).encode("utf-8", "surrogatepass"))
        return Slot(key, version, '"' + digest.hexdigest()[:40] + '"')

    # -- entries

    def get(self, slot: Slot) -> bytes | None:
        """The cached result of ``slot``, or None (counted as a miss)."""
        current = self.version()
        with self._lock:
            self._sync(current)  # never back to an older version: a slot may be stale
            body = self._entries.get(slot.key) if slot.version == current else None
            if body is None:
                self.misses += 1
                return None
            self._entries.move_to_end(slot.key)
            self.hits += 1
            return body

    def put(self, slot: Slot, body: bytes) -> bool:
        """Keep a complete result, if it fits and the store has not changed since ``slot``
        was made (a write during evaluation: the result may be the old one)."""
        cost = _cost(slot, body)
        if cost > self.entry_max:
            return False
        current = self.version()
        if current != slot.version:
            return False
        with self._lock:
            self._sync(current)
            old = self._entries.pop(slot.key, None)
            if old is not None:
                self._bytes -= _cost(slot, old)
            self._entries[slot.key] = body
            self._bytes += cost
            self.stored += 1
            while self._bytes > self.max_bytes:
                key, dropped = self._entries.popitem(last=False)
                self._bytes -= _cost_of(key, dropped)
                self.evicted += 1
        return True

    def tee(self, slot: Slot, chunks: Iterator[bytes]) -> _Tee:
        """``chunks`` passed through unchanged; kept when they end normally within the
        per-entry cap (held only up to it: a larger result is streamed and forgotten)."""
        return _Tee(self, slot, chunks)

    def _sync(self, version: str) -> None:
        """Forget everything of an older version (under the lock)."""
        if version != self._version:
            self._entries.clear()
            self._bytes = 0
            self._version = version

    def stats(self) -> dict[str, int]:
        """Counters and sizes (diagnostics and tests)."""
        with self._lock:
            return {"entries": len(self._entries), "bytes": self._bytes, "hits": self.hits,
                    "misses": self.misses, "stored": self.stored, "evicted": self.evicted,
                    "max_bytes": self.max_bytes, "entry_max": self.entry_max}


def _cost(slot: Slot, body: bytes) -> int:
    return _cost_of(slot.key, body)


def _cost_of(key: tuple[Any, ...], body: bytes) -> int:
    """The bytes an entry counts against the bounds: its result, its query text and dataset
    IRIs (a 100,000-character query with a tiny result is not free), and a fixed overhead."""
    text, default_graphs, named_graphs = key[0], key[1], key[2]
    return (len(body) + len(text) + sum(map(len, default_graphs)) + sum(map(len, named_graphs))
            + _ENTRY_OVERHEAD)


class _Tee:
    """An iterator over a result stream that copies it for the cache up to the cap."""

    def __init__(self, cache: ResultCache, slot: Slot, chunks: Iterator[bytes]) -> None:
        self._cache = cache
        self._slot = slot
        self._chunks = chunks
        self._it = iter(chunks)
        self._parts: list[bytes] | None = []
        self._size = 0

    def __iter__(self) -> _Tee:
        return self

    def __next__(self) -> bytes:
        try:
            chunk = next(self._it)
        except StopIteration:
            parts, self._parts = self._parts, None
            if parts is not None:  # the whole result, read to its normal end
                self._cache.put(self._slot, b"".join(parts))
            raise
        if self._parts is not None:
            self._size += len(chunk)
            if self._size + _cost_of(self._slot.key, b"") > self._cache.entry_max:
                self._parts = None  # too large to keep: stream the rest only
            else:
                self._parts.append(chunk)
        return chunk

    def close(self) -> None:
        """Stop early (client gone, HEAD): nothing is kept; the stream is closed."""
        self._parts = None
        closer = getattr(self._chunks, "close", None)
        if callable(closer):
            closer()


def not_modified(if_none_match: str | None, slot: Slot) -> bool:
    """Does ``If-None-Match`` hold the slot's ``ETag`` (weak comparison, RFC 9110 13.1.2)?"""
    if not if_none_match:
        return False
    etags = parse_etags(if_none_match)
    return etags.star_tag or etags.contains_weak(slot.etag.strip('"'))


def make_result_cache(executor: Any, store: Any, settings: Mapping[str, Any]) -> ResultCache:
    """The app's cache from its settings (rows ``RESULT_CACHE_*`` of settings.py)."""
    return ResultCache(
        executor,
        max_bytes=int(settings.get("RESULT_CACHE_SIZE") or 0),
        entry_max=int(settings.get("RESULT_CACHE_ENTRY_MAX") or 0),
        sees_all_writes=bool(getattr(store, "sees_all_writes", False)),
        ttl_s=float(settings.get("RESULT_CACHE_REMOTE_TTL") or 0.0),
    )
