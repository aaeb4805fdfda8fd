"""``/healthz`` says whether the query workers answer from memory yet.

After a start on a large store (or a write), workers answer from the snapshot on disk,
several times slower, until their in-memory copies are made (docs/endpoint.md): an operator
or a load balancer can see it without reading the logs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import requests
from conftest import ADMIN_TOKEN, LiveServer

from coopgraph.store import OxigraphStore, open_store

EX = "http://example.org/"


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
    assert state == {"in_memory": 2, "on_disk": 0, "copying": 0, "busy": 0, "starting": 0,
                     "pool_size": 2, "quads": tiny_store.count()}


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
    here, so ``busy`` stays 0 while a worker is replaced (it once read 1 right after a start:
    tests/test_web_serve.py). An idle worker is killed; the pool starts another."""
    server = make_server({"STORE": tiny_store, "WORKER_POOL_SIZE": 1})
    pool = server.app.extensions["coopgraph"].executor._pool
    end = time.monotonic() + 60
    while not pool.idle_workers():
        assert time.monotonic() < end, "no worker ever idle"
        time.sleep(0.05)
    victim = pool.idle_workers()[0].process
    victim.kill()
    seen = []
    while not (seen and seen[-1]["starting"] == 0 and seen[-1]["in_memory"] == 1
               and any(state["starting"] for state in seen)):
        assert time.monotonic() < end, f"never replaced: {seen[-3:]}"
        seen.append(pool.evaluation_summary())
    assert all(state["busy"] == 0 for state in seen), [s for s in seen if s["busy"]][:3]
    assert victim.pid not in {w.process.pid for w in pool.idle_workers()}


def readiness(server: LiveServer) -> tuple[int, dict[str, Any]]:
    answer = requests.get(server.endpoint("/readyz"), timeout=30)
    return answer.status_code, answer.json() | {"retry_after": answer.headers.get("Retry-After")}


def test_readyz_is_503_while_the_workers_copy_the_store_then_200(
    tmp_path: Path, make_server: Callable[[dict[str, Any]], LiveServer]
) -> None:
    """A probe that reads only status codes keeps traffic away until the copies are made."""
    store = open_store(tmp_path / "store")  # 150,000 quads: a copy of a second or more
    store.load_quads(
        ox.Quad(ox.NamedNode(f"{EX}s{i // 10}"), ox.NamedNode(f"{EX}p{i % 10}"),
                ox.Literal(str(i)), ox.NamedNode(f"{EX}graph"))
        for i in range(150_000))
    try:
        server = make_server({"STORE": store, "WORKER_POOL_SIZE": 1})
        seen = []
        end = time.monotonic() + 120
        while (answer := readiness(server))[0] != 200:  # bounded by the deadline
            assert time.monotonic() < end, f"never ready: {answer}"
            seen.append(answer)
            time.sleep(0.05)
        status, body = answer
        assert seen, "ready before any worker could have copied 150,000 quads"
        assert {code for code, _ in seen} == {503}
        assert {b["status"] for _, b in seen} == {"warming"}
        assert all(b["retry_after"] == "1" for _, b in seen)
        assert any(b["evaluation"]["copying"] + b["evaluation"]["starting"] >= 1 for _, b in seen)
        assert body["status"] == "ready" and body["triples"] == 150_000
        assert body["evaluation"]["copying"] == 0 and body["evaluation"]["starting"] == 0
    finally:
        store.close()  # after the server: make_server stops it first at teardown


def test_readyz_stays_ready_through_a_write_and_its_new_copy(
    tiny_store: OxigraphStore, make_server: Callable[[dict[str, Any]], LiveServer]
) -> None:
    server = make_server({"STORE": tiny_store, "WORKER_POOL_SIZE": 1})
    end = time.monotonic() + 60
    while readiness(server)[0] != 200:
        assert time.monotonic() < end, "never ready"
        time.sleep(0.1)
    put = requests.put(server.endpoint("/store"), params={"graph": f"{EX}new"},
                       data=b"<urn:a> <urn:p> <urn:b> .",
                       headers={"Content-Type": "text/turtle",
                                "Authorization": f"Bearer {ADMIN_TOKEN}"},
                       timeout=30)
    assert put.status_code == 201
    answers = [readiness(server) for _ in range(20)]  # while the workers move to the write
    assert [code for code, _ in answers] == [200] * 20
    assert answers[-1][1]["triples"] == tiny_store.count()


def test_readyz_on_a_pool_that_keeps_no_worker_warm_is_ready(
    tiny_store: OxigraphStore, make_server: Callable[[dict[str, Any]], LiveServer]
) -> None:
    server = make_server({"STORE": tiny_store, "WORKER_POOL_SIZE": 0})
    status, body = readiness(server)
    assert (status, body["status"]) == (200, "ready")
