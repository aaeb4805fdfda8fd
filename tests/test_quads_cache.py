"""The N-Quads copy kept beside a store: query workers load it instead of reading RocksDB.

Reading a RocksDB snapshot is most of the cost of a worker's in-memory copy (16 s of 22 at
1M quads, docs/benchmarks.md): ``coopgraph build`` keeps a copy of what it built, keyed by
the store's table files, and workers on a snapshot with the same files load it. What must
never happen: a copy of other content being loaded.
"""

from __future__ import annotations

import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import fixture_sources

from coopgraph import quads_cache
from coopgraph.build import build
from coopgraph.executor import Executor, Limits
from coopgraph.query_worker import SNAPSHOT_DUMP
from coopgraph.store import open_store

P = "http://example.org/p"


def wait_in_memory(ex: Executor, limit_s: float = 60.0) -> None:
    end = time.monotonic() + limit_s
    while not (ex.evaluation_status() or {}).get("in_memory"):
        assert time.monotonic() < end, "never copied into memory"
        time.sleep(0.05)


def snapshot_dir(ex: Executor) -> Path:
    pool = ex._pool
    assert pool is not None
    return pool._snapshots[pool._generation].path


def objects(ex: Executor) -> list[str]:
    body = b"".join(ex.run_query(f"SELECT ?o WHERE {{ ?s <{P}> ?o }} ORDER BY ?o",
                                 media_type="text/csv")).decode()
    return body.split()[1:]


def backup(path: Path, target: Path, *objects: str) -> None:
    """Add quads, close, and back the store up after it was opened again (what the server
    does: a write-ahead log still holding data gives no key)."""
    store = ox.Store(str(path))
    for value in objects:
        store.add(ox.Quad(ox.NamedNode(f"http://example.org/{value}"), ox.NamedNode(P),
                          ox.Literal(value)))
    del store
    store = ox.Store(str(path))
    store.flush()
    store.backup(str(target))
    del store


def test_the_key_follows_the_content(tmp_path: Path) -> None:
    store = tmp_path / "store"
    backup(store, tmp_path / "one", "a")
    backup(store, tmp_path / "same")
    backup(store, tmp_path / "two", "b")
    first = quads_cache.key(tmp_path / "one")
    assert first is not None
    assert quads_cache.key(tmp_path / "same") == first
    assert quads_cache.key(tmp_path / "two") not in (None, first)
    (tmp_path / "one" / "999999.log").write_bytes(b"unflushed")
    assert quads_cache.key(tmp_path / "one") is None  # a log with data: no key, no copy
    assert quads_cache.key(tmp_path / "missing") is None


def test_a_build_keeps_a_copy_that_the_workers_load(tmp_path: Path) -> None:
    result = build(tmp_path / "store", sources=fixture_sources(), validate=False,
                   progress=lambda _: None)
    copies = list((result.store_dir / quads_cache.FOLDER).glob("*.nq"))
    assert len(copies) == 1
    store = open_store(result.store_dir)
    try:
        with Executor(store, limits=Limits(pool_size=1)) as ex:
            wait_in_memory(ex)
            assert not (snapshot_dir(ex) / SNAPSHOT_DUMP).exists()  # loaded, not dumped
            assert ex.evaluation_status() == {"in_memory": True, "copying": False,
                                              "quads": store.count()}
    finally:
        store.close()


def test_after_a_write_the_new_content_is_dumped_and_kept_and_the_old_copy_removed(
        tmp_path: Path) -> None:
    path = tmp_path / "store"
    store = open_store(path)
    store.update(f'INSERT DATA {{ <http://example.org/a> <{P}> "before" }}')
    store.close()
    assert quads_cache.write_for(path)
    old = next((path / quads_cache.FOLDER).glob("*.nq"))
    store = open_store(path)
    try:
        with Executor(store, limits=Limits(pool_size=1)) as ex:
            wait_in_memory(ex)
            assert objects(ex) == ["before"]
            ex.run_update(f'INSERT DATA {{ <http://example.org/b> <{P}> "after" }}')
            assert objects(ex) == ["after", "before"]
            wait_in_memory(ex)
            assert (snapshot_dir(ex) / SNAPSHOT_DUMP).exists()  # the new content: dumped
            assert objects(ex) == ["after", "before"]  # never the old copy
            end = time.monotonic() + 30
            while old.exists():
                assert time.monotonic() < end, "the old copy was not replaced"
                time.sleep(0.05)
            assert len(list((path / quads_cache.FOLDER).glob("*.nq"))) == 1
    finally:
        store.close()
    store = open_store(path)  # a restart on the same content loads the kept copy
    try:
        with Executor(store, limits=Limits(pool_size=1)) as ex:
            wait_in_memory(ex)
            assert not (snapshot_dir(ex) / SNAPSHOT_DUMP).exists()
            assert objects(ex) == ["after", "before"]
    finally:
        store.close()


@pytest.mark.parametrize("content", ["not N-Quads at all", ""])
def test_a_copy_under_another_key_is_never_loaded(tmp_path: Path, content: str) -> None:
    path = tmp_path / "store"
    store = open_store(path)
    store.update(f'INSERT DATA {{ <http://example.org/a> <{P}> "real" }}')
    store.close()
    folder = path / quads_cache.FOLDER
    folder.mkdir()
    (folder / ("0" * 32 + ".nq")).write_text(content)
    store = open_store(path)
    try:
        with Executor(store, limits=Limits(pool_size=1)) as ex:
            wait_in_memory(ex)
            assert objects(ex) == ["real"]
    finally:
        store.close()
