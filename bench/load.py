"""Build an on-disk pyoxigraph store from an N-Quads file, as ``coopgraph build`` does.

``python -m bench.load STORE_DIR FILE.nq`` — run by :mod:`bench.run` in its own process, so
that the load is timed (and its memory used) apart from the benchmark's clients. It is
``Store.bulk_load`` (the same loader as ``oxigraph load``) into a fresh directory; the quads
keep their graphs (``<base>graph/ontology``, ``<base>graph/data``). Then, as the build does,
the N-Quads copy the query workers load into memory (coopgraph/quads_cache.py), unless
``--no-copy`` (to measure a start without it, bench/warmup.py).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pyoxigraph as ox

from coopgraph import quads_cache


def bulk_load(store_dir: Path, nquads: Path, *, copy: bool = True) -> int:
    """Load ``nquads`` into a new store at ``store_dir``; returns the number of quads."""
    store = ox.Store(str(store_dir))
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    store.flush()
    count = len(store)
    del store
    if copy:
        quads_cache.write_for(store_dir)
    return count


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; prints ``<quads> <seconds>``."""
    args = sys.argv[1:] if argv is None else argv
    copy = "--no-copy" not in args
    args = [a for a in args if a != "--no-copy"]
    if len(args) != 2:
        print("usage: python -m bench.load STORE_DIR FILE.nq [--no-copy]", file=sys.stderr)
        return 2
    start = time.perf_counter()
    count = bulk_load(Path(args[0]), Path(args[1]), copy=copy)
    print(f"{count} {time.perf_counter() - start:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
