"""Where evaluation's data should live: the same queries on a RocksDB snapshot and in memory.

``python -m bench.evaluation --size 100k --reps 3``

The generated data (bench.generate) is bulk-loaded into an on-disk pyoxigraph store, a
checkpoint of it is opened read-only (what a query worker opens), and the same quads are
loaded into pyoxigraph's in-memory store (what a worker copies them into when the store has
at most ``MEMORY_EVALUATION_QUADS`` quads). Each example and heavy query of bench.queries
then runs on both, alternately, in this one process: the figure is the fastest of ``--reps``
runs (wall time, results read to the end), and the ratio memory/disk. No server is involved:
this isolates the engine's storage, which the server benchmark (bench.run) cannot.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .generate import parse_size, size_label, write_dataset
from .queries import all_queries


def _run(store: ox.Store, text: str) -> float:
    start = time.perf_counter()
    result: Any = store.query(text, use_default_graph_as_union=True)
    if not isinstance(result, bool):
        for _ in result:
            pass
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="100k", help="quads to generate (10k, 100k, 1M)")
    parser.add_argument("--reps", type=int, default=3, help="runs per query and store")
    args = parser.parse_args()
    size = parse_size(args.size)
    work = Path(tempfile.mkdtemp(prefix="bench-evaluation-"))
    try:
        data = work / "data.nq"
        write_dataset(size, data)
        writer = ox.Store(str(work / "store"))
        writer.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
        writer.optimize()
        writer.backup(str(work / "snapshot"))
        del writer
        disk = ox.Store.read_only(str(work / "snapshot"))
        start = time.perf_counter()
        memory = ox.Store()
        memory.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
        print(f"{size_label(size)}: {len(memory):,} quads; in-memory load "
              f"{time.perf_counter() - start:.2f} s\n")
        print("| query | kind | disk (s) | memory (s) | memory/disk |")
        print("|---|---|---:|---:|---:|")
        totals = [0.0, 0.0]
        for query in all_queries():
            if query.kind == "light":
                continue
            on_disk = on_memory = float("inf")
            for _ in range(args.reps):
                on_disk = min(on_disk, _run(disk, query.text))
                on_memory = min(on_memory, _run(memory, query.text))
            totals[0] += on_disk
            totals[1] += on_memory
            ratio = on_memory / on_disk if on_disk else 0.0
            print(f"| {query.id} | {query.kind} | {on_disk:.4f} | {on_memory:.4f} | "
                  f"{ratio:.2f} |")
        print(f"| **all** | | {totals[0]:.3f} | {totals[1]:.3f} | "
              f"{totals[1] / totals[0]:.2f} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
