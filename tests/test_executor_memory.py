"""Evaluation in memory: query workers copy a small store into memory, with the same answers.

pyoxigraph evaluates about eight times faster on its in-memory store than on a RocksDB
snapshot (measured in docs/benchmarks.md), so each worker copies the snapshot it opened into
memory in the background (``Limits.memory_quads``). These tests pin what must not change:
every example query answers the same, writes are seen, and big stores stay on disk.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from coopgraph.build import build
from coopgraph.examples import load_examples
from coopgraph.executor import Executor, Limits
from coopgraph.store import OxigraphStore, open_store

P = "http://example.org/p"


def wait_in_memory(ex: Executor, limit_s: float = 60.0) -> dict[str, object]:
    """Poll a worker's status until it evaluates from memory (bounded)."""
    end = time.monotonic() + limit_s
    while True:
        status = ex.evaluation_status()
        assert status is not None
        if status["in_memory"]:
            return status
        assert time.monotonic() < end, f"never copied into memory: {status}"
        time.sleep(0.1)


def cell(value: str) -> str:
    """A value compared up to what SPARQL leaves open: blank node labels, and the order of the
    parts of a ``GROUP_CONCAT`` (the examples join with ", " or " "; its order is undefined):
    a cell is compared as its sorted words."""
    if value.startswith("_:"):
        return "_:b"
    return " ".join(sorted(re.split(r"[,\s]+", value)))


def answers(ex: Executor, text: str) -> list[tuple[str, ...]]:
    """The rows of a query as sorted CSV tuples, each cell as :func:`cell` reads it."""
    if ex.inspect(text).form in ("CONSTRUCT", "DESCRIBE"):
        body = b"".join(ex.run_query(text, media_type="application/n-triples")).decode()
        lines = (re.sub(r"_:\S+", "_:b", line) for line in body.splitlines())
        return [("triple",), *sorted((line,) for line in lines)]
    body = b"".join(ex.run_query(text, media_type="text/csv")).decode()
    rows = [tuple(row) for row in csv.reader(io.StringIO(body))]
    header, rest = rows[0], rows[1:]
    return [header, *sorted(tuple(cell(v) for v in r) for r in rest)]


@pytest.fixture(scope="module")
def curated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphStore]:
    path = tmp_path_factory.mktemp("memory") / "store"
    build(path, validate=False, progress=lambda _: None)
    store = open_store(path, read_only=True)
    yield store
    store.close()


def test_every_example_answers_the_same_from_memory_and_from_disk(
    curated: OxigraphStore,
) -> None:
    examples = load_examples()
    with Executor(curated, limits=Limits(pool_size=1, memory_quads=0)) as disk, \
            Executor(curated, limits=Limits(pool_size=1)) as memory:
        status = wait_in_memory(memory)
        assert status["quads"] == curated.count()
        assert disk.evaluation_status() == {"in_memory": False, "copying": False, "quads": None}
        for example in examples:
            assert answers(memory, example.text) == answers(disk, example.text), example.name


def test_a_write_is_seen_and_copied_again(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store")
    try:
        store.update(f'INSERT DATA {{ <http://example.org/a> <{P}> "before" }}')
        with Executor(store, limits=Limits(pool_size=1)) as ex:
            assert wait_in_memory(ex)["quads"] == 1
            ex.run_update(f'INSERT DATA {{ <http://example.org/b> <{P}> "after" }}')
            query = f"SELECT ?o WHERE {{ ?s <{P}> ?o }}"
            assert answers(ex, query)[1:] == [("after",), ("before",)]  # at once, from disk
            assert wait_in_memory(ex)["quads"] == 2  # then from a fresh copy
            assert answers(ex, query)[1:] == [("after",), ("before",)]
    finally:
        store.close()


def test_a_store_larger_than_the_setting_stays_on_disk(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store")
    try:
        triples = " ".join(f'<http://example.org/s{i}> <{P}> "{i}" .' for i in range(20))
        store.update(f"INSERT DATA {{ {triples} }}")
        with Executor(store, limits=Limits(pool_size=1, memory_quads=10)) as ex:
            end = time.monotonic() + 30
            while (status := ex.evaluation_status()) and status["quads"] is None:
                assert time.monotonic() < end, "the worker never counted the store"
                time.sleep(0.1)
            assert status == {"in_memory": False, "copying": False, "quads": 20}  # decided: no copy
            assert len(answers(ex, f"SELECT ?o WHERE {{ ?s <{P}> ?o }}")) == 21
    finally:
        store.close()


def test_the_setting_refuses_negative_values() -> None:
    with pytest.raises(ValueError, match="memory_quads"):
        Limits(memory_quads=-1)


def test_workers_on_one_snapshot_share_one_dump(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading RocksDB is most of a copy's cost: workers started together on a snapshot wait
    for the first one's dump instead of each reading the store again."""
    import threading

    import pyoxigraph as ox

    from coopgraph import query_worker

    source = ox.Store(str(tmp_path / "store"))
    source.extend(ox.Quad(ox.NamedNode(f"http://example.org/s{i}"), ox.NamedNode(P),
                          ox.Literal(str(i))) for i in range(2000))
    source.flush()
    source.backup(str(tmp_path / "snapshot"))
    del source
    dumps: list[str] = []

    class Counted:  # a read-only pyoxigraph store whose dumps are counted
        def __init__(self, store: ox.Store) -> None:
            self._store = store

        def __len__(self) -> int:
            return len(self._store)

        def dump(self, **kwargs: Any) -> None:
            dumps.append(str(kwargs["output"]))
            self._store.dump(**kwargs)

    class Store:
        read_only = staticmethod(lambda path: Counted(ox.Store.read_only(path)))

        def __new__(cls) -> ox.Store:  # type: ignore[misc]
            return ox.Store()

    monkeypatch.setattr(query_worker, "ox", SimpleNamespace(Store=Store,
                                                            RdfFormat=ox.RdfFormat))
    evaluations = [query_worker.Evaluation(memory_quads=10_000) for _ in range(3)]
    threads = [threading.Thread(target=e.open, args=(str(tmp_path / "snapshot"),))
               for e in evaluations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    end = time.monotonic() + 30
    while not all(e.status()["in_memory"] for e in evaluations):
        assert time.monotonic() < end, [e.status() for e in evaluations]
        time.sleep(0.05)
    assert len(dumps) == 1
    assert all(len(e.store) == 2000 for e in evaluations)
