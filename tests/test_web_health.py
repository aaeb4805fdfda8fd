"""``/healthz`` says whether the query workers answer from memory yet.

After a start on a large store (or a write), workers answer from the snapshot on disk,
several times slower, until their in-memory copies are made (docs/endpoint.md): an operator
or a load balancer can see it without reading the logs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from conftest import LiveServer

from coopgraph.store import OxigraphStore


def evaluation(server: LiveServer) -> dict[str, int]:
    answer = requests.get(server.endpoint("/healthz"), timeout=10)
    assert answer.status_code == 200
    return answer.json()["evaluation"]


def test_workers_report_their_in_memory_copies(
    tiny_store: OxigraphStore, make_server: Callable[[dict[str, Any]], LiveServer]
) -> None:
    server = make_server({"STORE": tiny_store, "WORKER_POOL_SIZE": 2})
    end = time.monotonic() + 60
    while (state := evaluation(server))["in_memory"] < 2:
        assert time.monotonic() < end, f"the copies were never made: {state}"
        time.sleep(0.1)
    assert state == {"in_memory": 2, "on_disk": 0, "busy": 0, "starting": 0,
                     "quads": tiny_store.count()}


def test_workers_that_do_not_copy_report_the_disk(
    tiny_store: OxigraphStore, make_server: Callable[[dict[str, Any]], LiveServer]
) -> None:
    server = make_server({"STORE": tiny_store, "MEMORY_EVALUATION_QUADS": 0})
    end = time.monotonic() + 60
    while (state := evaluation(server))["on_disk"] < 1:  # the pool is topped up at start
        assert time.monotonic() < end, f"no worker ever idle: {state}"
        time.sleep(0.1)
    assert state["in_memory"] == 0 and state["busy"] == 0


def test_a_busy_worker_is_counted_not_waited_for(
    tiny_store: OxigraphStore, make_server: Callable[[dict[str, Any]], LiveServer]
) -> None:
    server = make_server({"STORE": tiny_store, "WORKER_POOL_SIZE": 1})
    executor = server.app.extensions["coopgraph"].executor
    stream = executor.run_query(  # a query holding its worker while its result is unread
        "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", media_type="text/csv")
    try:
        next(iter(stream))
        started = time.monotonic()
        state = evaluation(server)
        assert state["busy"] >= 1
        assert time.monotonic() - started < 5
    finally:
        close = getattr(stream, "close", None)
        if callable(close):
            close()


def test_a_starting_worker_is_counted_as_starting_not_busy(
    tiny_store: OxigraphStore, make_server: Callable[[dict[str, Any]], LiveServer]
) -> None:
    """A load balancer waits for ``on_disk`` and ``starting`` to be 0; nothing runs a query
    here, so ``busy`` stays 0 while a worker process starts (it once read 1 right after a
    start: tests/test_web_serve.py)."""
    server = make_server({"STORE": tiny_store, "WORKER_POOL_SIZE": 1})
    pool = server.app.extensions["coopgraph"].executor._pool
    with ThreadPoolExecutor(1) as starter:
        started = starter.submit(pool.spawn)  # a second process, as a request would start
        seen = []
        while not started.done() and len(seen) < 10_000:  # bounded: a start takes < 10 s
            seen.append(pool.evaluation_summary())
        worker = started.result(timeout=60)
    pool.release(worker, healthy=True)
    assert seen, "the worker started before it could be observed"
    assert all(state["busy"] == 0 for state in seen), seen
    assert any(state["starting"] >= 1 for state in seen), seen[-5:]
    assert evaluation(server)["starting"] == 0
