"""The rules of fair admission (executor/admission.py), on the Admission object itself."""

from __future__ import annotations

import threading
import time

import pytest

from coopgraph.executor.admission import Admission, Busy


def make(general: int = 2, cheap: int = 1, per_client: int = 1,
         queue_wait_s: float = 0.05) -> Admission:
    return Admission(general, cheap, queue_wait_s=queue_wait_s, heavy_after_s=0.05,
                     heavy_per_client=per_client)


def run_heavy(admission: Admission, key: str, client: str) -> None:
    """Let ``key`` measure heavy once."""
    ticket = admission.enter(key, client)
    time.sleep(0.06)
    admission.leave(ticket)


def test_a_cheap_slot_is_left_when_the_general_ones_are_taken() -> None:
    admission = make()
    a, b = admission.enter("h1", "x"), admission.enter("h2", "y")
    assert (a.lane, b.lane) == ("general", "general")
    probe = admission.enter("probe", "z")
    assert probe.lane == "cheap"
    with pytest.raises(Busy):  # every slot taken: wait queue_wait_s, then 503
        admission.enter("probe2", "z")


def test_known_heavy_texts_and_clients_never_take_a_cheap_slot() -> None:
    admission = make(general=1, per_client=2)
    run_heavy(admission, "join", "x")
    assert admission.heavy_text("join") and admission.heavy_client("x")
    held = admission.enter("other", "y")
    assert held.lane == "general"
    with pytest.raises(Busy):
        admission.enter("join", "w")  # heavy text: general only
    with pytest.raises(Busy):
        admission.enter("new text", "x")  # heavy client: general only
    assert admission.enter("probe", "z").lane == "cheap"


def test_a_client_over_its_share_of_heavy_queries_is_refused_at_once() -> None:
    admission = make(general=4, per_client=1, queue_wait_s=5.0)
    run_heavy(admission, "join", "x")
    admission.enter("join", "x")
    started = time.monotonic()
    with pytest.raises(Busy) as caught:
        admission.enter("join", "x")
    assert time.monotonic() - started < 2.5  # no waiting: a queued request would wait 5 s
    assert "share" in caught.value.message and caught.value.retry_after >= 1
    assert admission.enter("join", "y").lane == "general"  # another client is within its share


def test_the_share_shrinks_with_the_number_of_heavy_clients() -> None:
    admission = make(general=4, per_client=4)
    run_heavy(admission, "join", "x")
    for _ in range(4):
        admission.enter("join", "x")  # alone: all four general slots
    admission2 = make(general=4, per_client=4)
    run_heavy(admission2, "join", "x")
    admission2.enter("join", "y")
    admission2.enter("join", "x")
    admission2.enter("join", "x")  # two heavy clients: two each
    with pytest.raises(Busy):
        admission2.enter("join", "x")


def test_promotion_out_of_the_cheap_lane() -> None:
    admission = make(general=1, cheap=1, per_client=1)
    first = admission.enter("a", "x")
    slow = admission.enter("b", "y")
    assert slow.lane == "cheap"
    assert not admission.promote(slow)  # general slot taken: it must be stopped
    assert admission.heavy_text("b")
    admission.leave(first)
    assert admission.promote(slow) and slow.lane == "general"
    assert admission.running() == {"general": 1, "cheap": 0}
    admission.leave(slow)
    assert admission.running() == {"general": 0, "cheap": 0}


def test_a_freed_slot_wakes_a_waiting_query() -> None:
    admission = Admission(1, 0, queue_wait_s=2.0, heavy_after_s=5.0, heavy_per_client=1)
    held = admission.enter("a", "x")
    threading.Timer(0.1, admission.leave, args=(held,)).start()
    assert admission.enter("b", "y").lane == "general"


def test_measured_cheap_again_is_forgotten() -> None:
    admission = make()
    run_heavy(admission, "q", "x")
    assert admission.heavy_text("q")
    admission.leave(admission.enter("q", "x"))
    assert not admission.heavy_text("q")
