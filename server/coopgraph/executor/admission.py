"""Fair admission: which query may start evaluating now, and which client is told to wait.

Why: with one pool of slots, four clients looping a heavy join held every slot and 56 of 57
cheap probes got 503 (issue 12). Cost is not known before a query runs, so it is *measured*:

* **Two lanes.** ``general`` slots (``Limits.max_concurrent``) take any query; ``cheap``
  slots (``Limits.cheap_slots``, extra worker processes) take only queries not known to be
  heavy, and only for ``Limits.cheap_lane_s``: a query still running then moves to a general
  slot if one is free and its client is within its share, else it is stopped with 503 and
  ``Retry-After`` (and is known heavy from then on). So a cheap query always finds a slot
  that no heavy query can hold for more than ``cheap_lane_s``.
* **Measured cost.** A query that held its slot longer than ``Limits.heavy_after_s`` marks its
  text (by hash, a bounded memory) and its client (for ``HEAVY_CLIENT_S``) as heavy. A heavy
  text, or any new text from a client marked heavy, never takes a cheap slot. A text measured
  cheap again (the data changed) is forgotten.
* **Per-client share of heavy queries.** A client may run at most
  ``max(1, general // clients running heavy queries)`` heavy queries at once (and never more
  than ``Limits.heavy_per_client``). A heavy query over that share gets 503 with
  ``Retry-After`` at once, without waiting: only the client over its share is refused.
* Anything else that finds no slot waits up to ``Limits.queue_wait_s`` for one (first come,
  first served), then gets 503.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

__all__ = ["Admission", "Busy", "Ticket"]

#: How long a client stays "heavy" after one of its queries measured heavy.
HEAVY_CLIENT_S = 30.0
#: Texts whose measured cost is remembered (oldest forgotten first).
COST_MEMORY = 4096
#: Clients remembered at once (oldest forgotten first).
CLIENT_MEMORY = 4096


class Busy(Exception):
    """No slot for this query now; ``retry_after`` is the seconds to tell the client."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


@dataclass(eq=False)
class Ticket:
    """One admitted query: its lane, and what its cost is recorded against."""

    key: str
    client: str
    lane: str  # "general" or "cheap"
    heavy: bool  # counted against the client's share of heavy queries
    #: when evaluation started (the executor resets it once a worker has the query, so that
    #: starting a process is not counted as the query's cost)
    started: float = field(default_factory=time.monotonic)
    done: bool = False


class Admission:
    """The lanes and the records; thread-safe. See the module docstring for the rules."""

    def __init__(
        self,
        general: int,
        cheap: int,
        *,
        queue_wait_s: float,
        heavy_after_s: float,
        heavy_per_client: int,
    ) -> None:
        self.general = general
        self.cheap = cheap
        self.queue_wait_s = queue_wait_s
        self.heavy_after_s = heavy_after_s
        self.heavy_per_client = heavy_per_client
        self._lock = threading.Condition()
        self._running = {"general": 0, "cheap": 0}
        self._heavy_running: dict[str, int] = {}
        self._heavy_texts: OrderedDict[str, float] = OrderedDict()
        self._heavy_clients: OrderedDict[str, float] = OrderedDict()
        self.refused = 0  # 503s given (diagnostics, tests)

    # -- what is known

    def heavy_text(self, key: str) -> bool:
        """Did this text measure heavy the last time it ran?"""
        return key in self._heavy_texts

    def heavy_client(self, client: str) -> bool:
        """Did one of this client's queries measure heavy within ``HEAVY_CLIENT_S``?"""
        until = self._heavy_clients.get(client)
        return until is not None and until > time.monotonic()

    def _share(self, client: str) -> int:
        """How many heavy queries ``client`` may run at once now (lock held)."""
        others = sum(1 for c, n in self._heavy_running.items() if n > 0 and c != client)
        fair = max(1, self.general // (others + 1))
        return min(fair, self.heavy_per_client)

    # -- admission

    def enter(self, key: str, client: str, *, cheap_lane_s: float = 0.0) -> Ticket:
        """A slot for this query, or :class:`Busy`.

        A query that may take a cheap slot waits ``cheap_lane_s`` longer than others: no
        query holds a cheap slot longer than that (see :meth:`promote`).
        """
        with self._lock:
            heavy = self.heavy_text(key)
            cheap_lane = not heavy and not self.heavy_client(client)
            wait = self.queue_wait_s + (cheap_lane_s if cheap_lane and self.cheap else 0.0)
            deadline = time.monotonic() + wait
            if heavy and self._heavy_running.get(client, 0) >= self._share(client):
                self.refused += 1
                raise Busy(
                    "this client already runs its share of heavy queries "
                    f"({self._share(client)} at once); retry when one has finished",
                    retry_after=max(1, round(self.heavy_after_s * 4)),
                )
            while True:
                lane = self._free_lane(cheap_lane)
                if lane is not None:
                    self._running[lane] += 1
                    if heavy:
                        self._heavy_running[client] = self._heavy_running.get(client, 0) + 1
                    return Ticket(key, client, lane, heavy)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self.refused += 1
                    raise Busy(
                        f"{self.general} queries are running; try again in a moment",
                        retry_after=1,
                    )
                self._lock.wait(remaining)

    def _free_lane(self, cheap_lane: bool) -> str | None:
        if self._running["general"] < self.general:
            return "general"
        if cheap_lane and self._running["cheap"] < self.cheap:
            return "cheap"
        return None

    def promote(self, ticket: Ticket) -> bool:
        """Move a query that outlived the cheap lane to a general slot, if its client is within
        its share and a slot is free; False means it must be stopped (its text and client are
        marked heavy either way)."""
        with self._lock:
            self._mark_heavy(ticket)
            if ticket.lane != "cheap" or ticket.done:
                return True
            if self._running["general"] >= self.general:
                return False
            if self._heavy_running.get(ticket.client, 0) >= self._share(ticket.client):
                return False
            self._running["cheap"] -= 1
            self._running["general"] += 1
            ticket.lane = "general"
            ticket.heavy = True
            self._heavy_running[ticket.client] = self._heavy_running.get(ticket.client, 0) + 1
            self._lock.notify_all()
            return True

    def leave(self, ticket: Ticket, *, record: bool = True) -> None:
        """The query ended (answered, failed or stopped): free its slot, record its cost
        (unless ``record`` is False: a parse check says nothing about the query's cost)."""
        with self._lock:
            if ticket.done:
                return
            ticket.done = True
            self._running[ticket.lane] -= 1
            if ticket.heavy:
                left = self._heavy_running.get(ticket.client, 1) - 1
                if left > 0:
                    self._heavy_running[ticket.client] = left
                else:
                    self._heavy_running.pop(ticket.client, None)
            if not record:
                pass
            elif time.monotonic() - ticket.started > self.heavy_after_s:
                self._mark_heavy(ticket)
            else:
                self._heavy_texts.pop(ticket.key, None)  # cheap again (the data changed)
            self._lock.notify_all()

    def _mark_heavy(self, ticket: Ticket) -> None:
        now = time.monotonic()
        self._heavy_texts[ticket.key] = now
        self._heavy_texts.move_to_end(ticket.key)
        while len(self._heavy_texts) > COST_MEMORY:
            self._heavy_texts.popitem(last=False)
        self._heavy_clients[ticket.client] = now + HEAVY_CLIENT_S
        self._heavy_clients.move_to_end(ticket.client)
        while len(self._heavy_clients) > CLIENT_MEMORY:
            self._heavy_clients.popitem(last=False)

    def running(self) -> dict[str, int]:
        """Queries running per lane (diagnostics, tests)."""
        with self._lock:
            return dict(self._running)
