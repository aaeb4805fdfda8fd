"""What an update costs now that it is dry-run in a query worker first (issue 12).

``python -m bench.updates`` makes an on-disk store in a temporary folder and runs, through an
:class:`~coopgraph.executor.Executor` with the default limits, the calls ``/update`` makes
(``check_update``, then ``run_update``: the dry run in a worker, then the store) for a
4,000-triple ``INSERT DATA``, an ``INSERT … WHERE`` of 102,400 new triples and one of
504,100 (issue 12's case: 24 s and 3.1 GB in the web process before). It prints the time of
each step, or the error that stopped it, and what shipping the dry run's delta instead of
evaluating again would have cost. Then it parses the 16 MiB Turtle upload of ``bench.faults``
in a query worker (``Executor.to_ntriples``, the path of ``/store``, ``/validate`` and
``/contributions``) and prints its time and the worker's peak memory. No server, no network;
about two minutes. ``--only updates`` or ``--only uploads`` runs one part.
"""

from __future__ import annotations

import argparse
import logging
import re
import resource
import shutil
import tempfile
import time

from coopgraph.executor import Executor, Limits
from coopgraph.store import open_store

GRAPH = "https://w3id.org/coopgraph/graph/upload/bench"


class _DryRuns(logging.Handler):
    """Keeps the executor's "update dry run: N s" figures."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds: list[float] = []

    def emit(self, record: logging.LogRecord) -> None:
        found = re.match(r"update dry run: ([\d.]+) s", record.getMessage())
        if found:
            self.seconds.append(float(found.group(1)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.updates", description=__doc__)
    parser.add_argument("--only", choices=("updates", "uploads"))
    args = parser.parse_args(argv)
    if args.only != "uploads":
        updates()
    if args.only != "updates":
        uploads()
    return 0


def uploads() -> None:
    """The 16 MiB Turtle upload parsed in a worker, under the default limits."""
    line = b'ex:s%d ex:p "a literal with [brackets] and (parens) %d" ; ex:q [ ex:r ( 1 2 ) ] .\n'
    data = b"@prefix ex: <http://example.org/> .\n" + b"".join(
        line % (i, i) for i in range(200_000))
    data = data[: 16 * 1024 * 1024 - 200].rsplit(b"\n", 1)[0] + b"\n"
    with Executor(open_store(None), limits=Limits(pool_size=1)) as executor:
        started = time.perf_counter()
        out = executor.to_ntriples(data, "text/turtle", "the upload")
        took = time.perf_counter() - started
        peak = "?"
        for worker in executor._pool.idle_workers() if executor._pool else []:
            with open(f"/proc/{worker.process.pid}/status", encoding="ascii") as status:
                for field in status:
                    if field.startswith("VmHWM:"):
                        peak = f"{int(field.split()[1]) // 1024} MB"
    triples = out.count(b"\n")
    print(f"upload of {len(data):,} bytes of Turtle parsed in a worker: {took:.1f} s, "
          f"{triples:,} triples, {len(out):,} bytes of N-Triples "
          f"(the worker's peak resident memory: {peak})")


def updates() -> None:
    dry_runs = _DryRuns()
    logger = logging.getLogger("coopgraph.executor")
    logger.addHandler(dry_runs)
    logger.setLevel(logging.INFO)
    folder = tempfile.mkdtemp(prefix="coopgraph-bench-updates-")
    store = open_store(f"{folder}/store")
    executor = Executor(store, limits=Limits(pool_size=1))

    def run(label: str, text: str) -> None:
        started = time.perf_counter()
        try:
            executor.check_update(text)
            checked = time.perf_counter()
            executor.run_update(text)
            done = time.perf_counter()
        except Exception as exc:  # noqa: BLE001 - the figure to print
            print(f"{label}: {type(exc).__name__}: {exc} "
                  f"(after {time.perf_counter() - started:.1f} s)")
            return
        dry = dry_runs.seconds[-1]
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(f"{label}: check {checked - started:.1f} s, dry run {dry:.1f} s, applied "
              f"{done - checked - dry:.1f} s, total {done - started:.1f} s "
              f"(this process: {rss} MB at most)")

    try:
        run("warm-up", "INSERT DATA { <urn:w> <urn:w> 1 }")
        lines = "\n".join(f'e:s{i} e:p "v{i}" .' for i in range(4000))
        run("INSERT DATA, 4,000 triples",
            f"PREFIX e: <https://ex.org/>\nINSERT DATA {{ GRAPH <{GRAPH}> {{\n{lines}\n}} }}")
        for count in (320, 710):
            numbers = " ".join(f"<urn:s{i}> <urn:n> {i} ." for i in range(count))
            run(f"{count} numbers", f"INSERT DATA {{ GRAPH <urn:n{count}> {{ {numbers} }} }}")
            run(f"INSERT … WHERE, {count * count:,} new triples",
                f"INSERT {{ GRAPH <urn:pairs{count}> {{ ?a <urn:q> ?b }} }} WHERE {{ "
                f"GRAPH <urn:n{count}> {{ ?a <urn:n> ?x . ?b <urn:n> ?y }} }}")
        delta(store, "urn:pairs320", folder)
    finally:
        executor.close()
        store.close()
        shutil.rmtree(folder, ignore_errors=True)


def delta(store: object, graph: str, folder: str) -> None:
    """The alternative to evaluating again: the dry run's delta shipped as N-Triples and
    loaded (what the 102,400-triple update added), for comparison with "applied"."""
    import io

    import pyoxigraph as ox

    started = time.perf_counter()
    buffer = io.BytesIO()
    store.dump_graph(graph, buffer, "application/n-triples")  # type: ignore[attr-defined]
    dumped = time.perf_counter()
    fresh = ox.Store(f"{folder}/delta")
    fresh.extend(ox.parse(buffer.getvalue(), ox.RdfFormat.N_TRIPLES))
    loaded = time.perf_counter()
    print(f"the same 102,400 triples as a delta: dumped {dumped - started:.1f} s "
          f"({len(buffer.getvalue()):,} bytes), loaded {loaded - dumped:.1f} s")
    del fresh


if __name__ == "__main__":
    raise SystemExit(main())
