"""The per-application state the blueprints share: the store, the executor, a version."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from ..store import Store


@dataclass
class Service:
    """What one app serves.

    ``version`` counts the writes made through this app; caches (the VoID description) are
    kept per version so that they refresh after ``/update`` or ``/store`` writes.
    """

    store: Store
    executor: Any
    owns_store: bool
    version: int = 0
    #: the ``/sparql`` result cache (web/result_cache.py), keyed by the executor's version
    results: Any = None
    #: set once the query workers first answered at full speed (web/health.py, ``/readyz``):
    #: from then on the server stays ready, through later writes and their new copies
    warmed: bool = False
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)
    cache_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def changed(self) -> None:
        """Record a write: bump the version and tell the executor."""
        with self._lock:
            self.version += 1
        notify = getattr(self.executor, "changed", None)
        if callable(notify):
            notify()

    def close(self) -> None:
        """Release the executor, and the store if this app opened it."""
        closer = getattr(self.executor, "close", None)
        if callable(closer):
            closer()
        if self.owns_store:
            self.store.close()


def service() -> Service:
    """The current app's :class:`Service`."""
    return current_app.extensions["coopgraph"]
