"""What the HTTP server alone allows: a WSGI app that only evaluates the lookup, under
gunicorn and granian, beside ``coopgraph serve`` and ``oxigraph serve``.

``python -m bench.ceiling --size 100k --seconds 8 --rounds 2``

Why: issue 16 asks for cheap uncached lookups at ≥ 0.5× the throughput of ``oxigraph
serve``. ``coopgraph serve`` runs Flask under gunicorn (its threaded worker, subclassed for the
guards against slow and greedy clients). This measures the ceiling of that choice: the same
distinct lookups as :mod:`bench.lookups` (wrk, 4 connections, a different IRI at every
request) sent to :mod:`bench.ceiling_app` — no Flask, no checks, an in-memory store — under

- gunicorn, threaded worker, 1 process, 4 threads (what ``coopgraph serve`` runs on);
- gunicorn, threaded worker, 2 processes (one per core; each its own copy of the data);
- granian (Rust HTTP server, WSGI), 1 process, 4 threads;
- granian, 2 processes;

and to ``coopgraph serve`` as shipped (result cache off) and ``oxigraph serve
--union-default-graph``, each on its own copy of the data, rounds rotating the order.

Needs ``wrk`` (Debian) and the bench extra (``oxigraph``, ``granian``). Every loop is bounded
by time and count; servers are stopped by PID at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cache import _cell, _dataset, _wrk
from .generate import parse_size
from .lookups import JSON_RESULTS, _base, _script
from .remote import wait_ready
from .run import OUT, free_port, running, write_report

BIN = Path(sys.executable).parent


@dataclass
class Bare:
    """The ceiling app under one HTTP server (a ``bench.run.Server``'s name, port and path)."""

    name: str
    command: list[str]
    port: int = 0
    path: str = "/sparql"
    proc: subprocess.Popen[bytes] | None = None


def _bare_servers() -> list[Bare]:
    def gunicorn(workers: int) -> list[str]:
        return [str(BIN / "gunicorn"), "--worker-class", "gthread", "--threads", "4",
                "--workers", str(workers), "--keep-alive", "5", "--bind", "127.0.0.1:{port}",
                "bench.ceiling_app:app"]

    def granian(workers: int) -> list[str]:
        return [str(BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1",
                "--port", "{port}", "--workers", str(workers), "--blocking-threads", "4",
                "--no-access-log", "bench.ceiling_app:app"]

    return [Bare("bare app, gunicorn, 1 process", gunicorn(1)),
            Bare("bare app, gunicorn, 2 processes", gunicorn(2)),
            Bare("bare app, granian, 1 process", granian(1)),
            Bare("bare app, granian, 2 processes", granian(2))]


@contextmanager
def _started(bare: list[Bare], dataset: Path) -> Iterator[list[Bare]]:
    """Each bare server started on a free loopback port (stopped by PID on leaving)."""
    env = dict(os.environ, CEILING_NQ=str(dataset.resolve()))
    root = Path(__file__).resolve().parent.parent
    try:
        for server in bare:
            server.port = free_port()
            command = [part.format(port=server.port) for part in server.command]
            print(f"{server.name}: starting", flush=True)
            server.proc = subprocess.Popen(command, cwd=root, env=env,  # noqa: S603
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                           start_new_session=True)
            wait_ready(f"http://127.0.0.1:{server.port}/sparql", server.proc)
        yield bare
    finally:
        for server in bare:
            if server.proc is not None and server.proc.poll() is None:
                os.killpg(server.proc.pid, signal.SIGTERM)  # granian's and gunicorn's workers
                try:
                    server.proc.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(server.proc.pid, signal.SIGKILL)
                    server.proc.wait(10)


def main(argv: list[str] | None = None) -> int:
    """Measure every server in rotating rounds; print the report (and write it under
    bench/out/)."""
    parser = argparse.ArgumentParser(prog="python -m bench.ceiling", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="100k")
    parser.add_argument("--seconds", type=float, default=8.0, help="per wrk run")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("needs wrk (apt-get install wrk)", file=sys.stderr)
        return 2
    if not (BIN / "granian").exists():
        print("needs granian (pip install -e '.[bench]')", file=sys.stderr)
        return 2
    (OUT / "work").mkdir(parents=True, exist_ok=True)
    dataset = _dataset(parse_size(args.size))
    command = "python -m bench.ceiling " + " ".join(sys.argv[1:] if argv is None else argv)
    before = os.getloadavg()
    results: dict[str, list[dict[str, Any]]] = {}
    variants = (("coopgraph serve (as shipped, result cache off)", "ours",
                 ["--result-cache-size", "0"]),
                ("oxigraph serve", "oxigraph", []))
    with running(variants, dataset, 60.0) as servers, \
            _started(_bare_servers(), dataset) as bare:
        everyone: list[Any] = [*servers, *bare]
        script = _script(dataset, servers[0].workdir)
        for server in everyone:  # warm-up
            _wrk(_base(server), JSON_RESULTS, 4, 3, ["-s", str(script)])
        for round_ in range(args.rounds):
            shift = round_ % len(everyone)
            for server in everyone[shift:] + everyone[:shift]:
                time.sleep(1)  # the previous run's connections closed
                result = _wrk(_base(server), JSON_RESULTS, 4, args.seconds,
                              ["-s", str(script)])
                results.setdefault(server.name, []).append(result)
                print(f"  {server.name:48} {_cell(result)}", flush=True)
    oxigraph = [r["rps"] or 0 for r in results["oxigraph serve"]]
    lines = ["| server | distinct lookups, 4 connections (each round) | / oxigraph serve |",
             "|---|---|---|"]
    for name, rows in results.items():
        ratios = [f"{(r['rps'] or 0) / o:.2f}×" if o else "–"
                  for r, o in zip(rows, oxigraph, strict=False)]
        lines.append(f"| {name} | {'; '.join(_cell(r) for r in rows)} | {', '.join(ratios)} |")
    write_report("ceiling", command, before, lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
