"""Where coopgraph's time on a remote engine goes, query by query, in one process.

``python -m bench.remote_split --engine virtuoso --queries ex10,co-members --reps 5``

For each query, the same engine (started and loaded as :mod:`bench.remote` does) is asked in
three ways, one after the other, ``--reps`` times after a warm-up, and the medians printed:

* ``direct``: a plain ``requests`` POST of exactly what coopgraph sends the engine (its BASE
  line, dataset and timeout parameters, computed by :class:`RemoteStore`), the answer read whole;
* ``store``: :meth:`RemoteStore.query` and the JSON serialisation, in this process (the engine's
  answer parsed and re-serialised by pyoxigraph, Virtuoso's blank node labels rewritten);
* ``coopgraph``: a POST to ``coopgraph serve --backend sparql`` in front of the engine.

``store - direct`` is the reading of the answer; ``coopgraph - store`` the HTTP server, the
checks and the second hop. Bounded: counts, client time-outs; every server stopped by PID.
"""

from __future__ import annotations

import argparse
import io
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import requests

from coopgraph.store.remote import _RESULTS_ACCEPT, RemoteStore

from . import remote
from .generate import parse_size, size_label, write_dataset
from .queries import all_queries


def median_time(action: Callable[[], int], reps: int) -> tuple[float, int]:
    """The median seconds of ``reps`` calls after one warm-up, and the bytes of the last."""
    action()
    times, size = [], 0
    for _ in range(reps):
        started = time.perf_counter()
        size = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=remote.ENGINES, default="virtuoso")
    parser.add_argument("--size", default="100k")
    parser.add_argument("--queries", default="ex10,co-members,optional-listing,funding-sum")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    size = parse_size(args.size)
    data = remote.OUT / "data" / f"coopgraph-{size_label(size)}.nq"
    if not data.exists():
        write_dataset(size, data)
    wanted = [name.strip() for name in args.queries.split(",") if name.strip()]
    queries = {q.id: q for q in all_queries()}
    workdir = Path(tempfile.mkdtemp(prefix="coopgraph-bench-split-"))
    family = None
    try:
        family = (remote.virtuoso_family(data, workdir, args.timeout)
                  if args.engine == "virtuoso"
                  else remote.oxigraph_family(data, workdir, args.timeout, union=False))
        engine = family.engines[0]
        front_url = family.targets[-1].url
        store = RemoteStore(replace(engine.remote_settings(),  # type: ignore[type-var]
                                    timeout_s=args.timeout))
        base = store.prefixes[0]
        plain, front = requests.Session(), requests.Session()
        print("| query | direct (s) | store (s) | coopgraph (s) | coopgraph / direct |")
        print("|---|---:|---:|---:|---:|")
        for name in wanted:
            text = queries[name].text
            params = store._query_params(f"BASE <{base}>\n{text}",
                                         store._dataset(text, True, None, None, base))

            def direct(params: list[tuple[str, str]] = params) -> int:
                return len(plain.post(engine.query_url, data=params, timeout=args.timeout,
                                      headers={"Accept": _RESULTS_ACCEPT}).content)

            def in_store(text: str = text) -> int:
                out = io.BytesIO()
                store.query(text, base_iri=base).serialize(out, "application/sparql-results+json")
                return len(out.getvalue())

            def through(text: str = text) -> int:
                return len(front.post(front_url, data={"query": text}, timeout=args.timeout,
                                      headers={"Accept": "application/sparql-results+json"}
                                      ).content)

            d, s, c = (median_time(action, args.reps)[0] for action in (direct, in_store, through))
            print(f"| {name} | {d:.4f} | {s:.4f} | {c:.4f} | {c / d:.2f}× |", flush=True)
    finally:
        if family is not None:
            for process in family.servers:
                remote.stop(process)
            for engine in family.engines:
                engine.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
