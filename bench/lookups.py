"""Cheap lookups, each a different IRI, answered in the web process or by a query worker.

``python -m bench.lookups --size 100k --seconds 8 --rounds 2``

Three servers at once, each on its own copy of the generated data (loaded as in
:mod:`bench.run`), on free 127.0.0.1 ports, with the result cache off so that every request
is evaluated: ``coopgraph serve`` as shipped (lookups bounded by their shape answered in the
web process, ``LOOKUP_MAX_ROWS`` 1,000), the same with other options (``--second``; by
default ``--lookup-max-rows 0``: every query through a worker), and
``oxigraph serve --union-default-graph``.

1. **Throughput**: wrk (4 connections, keep-alive) sends ``SELECT ?p ?o WHERE { <iri> ?p ?o }``
   for a different IRI at every request (a Lua script cycles through the dataset's IRIs),
   ``--seconds`` per server, ``--rounds`` rounds, the server order rotating.
2. **Behind heavy queries**: two client threads loop the ``co-members`` join (seconds each)
   while wrk (2 connections) sends the same distinct lookups; p50/p99 of the lookups and the
   heavy answers completed.

Needs ``wrk`` (Debian) and the bench extra (``oxigraph``). Every loop is bounded by time and
count; servers are stopped by PID at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

import requests

from .cache import _cell, _dataset, _wrk
from .generate import parse_size
from .queries import heavy_queries, lookup_query
from .run import OUT, Server, lookup_iris, running, write_report

JSON_RESULTS = "application/sparql-results+json"
HEAVY = "co-members"

_LUA = """
local qs = {}
for line in io.lines("%s") do qs[#qs + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", wrk.path .. qs[(i %% #qs) + 1])
end
"""


def _script(dataset: Path, workdir: Path) -> Path:
    """A wrk script sending the lookup of a different IRI at each request."""
    lines = [urllib.parse.quote(lookup_query(iri).text, safe="")
             for iri in lookup_iris(dataset, limit=2000)]
    queries = workdir / "lookups.txt"
    queries.write_text("\n".join(lines) + "\n")
    script = workdir / "lookups.lua"
    script.write_text(_LUA % queries)
    return script


def _base(server: Server) -> str:
    return f"http://127.0.0.1:{server.port}{server.path}?query="


def _heavy_loop(server: Server, text: str, until: float, done: list[int],
                lock: threading.Lock) -> None:
    session = requests.Session()
    for _ in range(10_000):  # bounded; the time ends it first
        if time.monotonic() >= until:
            return
        try:
            answer = session.post(f"http://127.0.0.1:{server.port}{server.path}",
                                  data=text.encode(),
                                  headers={"Content-Type": "application/sparql-query",
                                           "Accept": JSON_RESULTS},
                                  timeout=max(1.0, until - time.monotonic() + 60))
            with lock:
                done.append(answer.status_code)
        except requests.RequestException:
            with lock:
                done.append(0)


def _behind_heavy(server: Server, script: Path, heavy: str, seconds: float) -> dict[str, Any]:
    done: list[int] = []
    lock = threading.Lock()
    until = time.monotonic() + seconds + 4
    loops = [threading.Thread(target=_heavy_loop, args=(server, heavy, until, done, lock))
             for _ in range(2)]
    for loop in loops:
        loop.start()
    time.sleep(2)  # both heavy queries running
    result = _wrk(_base(server), JSON_RESULTS, 2, seconds, ["-s", str(script)])
    for loop in loops:
        loop.join(timeout=seconds + 120)
    result["heavy"] = {code: done.count(code) for code in sorted(set(done))}
    return result


def main(argv: list[str] | None = None) -> int:
    """Run both comparisons; print the Markdown report (and write it under bench/out/)."""
    parser = argparse.ArgumentParser(prog="python -m bench.lookups", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="100k")
    parser.add_argument("--seconds", type=float, default=8.0, help="per wrk run")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--second", default="--lookup-max-rows 0",
                        help="the serve options of the second coopgraph server, beside the "
                             "one as shipped (default: every query through a worker)")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("needs wrk (apt-get install wrk)", file=sys.stderr)
        return 2
    (OUT / "work").mkdir(parents=True, exist_ok=True)
    dataset = _dataset(parse_size(args.size))
    heavy = next(q.text for q in heavy_queries() if q.id == HEAVY)
    command = "python -m bench.lookups " + " ".join(sys.argv[1:] if argv is None else argv)
    before = os.getloadavg()
    through: dict[str, list[dict[str, Any]]] = {}
    behind: dict[str, dict[str, Any]] = {}
    second = ("ours, all through workers" if args.second == "--lookup-max-rows 0"
              else f"ours, {args.second}")
    variants = (("ours", "ours", ["--result-cache-size", "0"]),
                (second, "ours", ["--result-cache-size", "0", *args.second.split()]),
                ("oxigraph serve", "oxigraph", []))
    with running(variants, dataset, 60.0) as servers:
        script = _script(dataset, servers[0].workdir)
        for server in servers:  # warm-up: the first queries after a start are slower
            _wrk(_base(server), JSON_RESULTS, 4, 3, ["-s", str(script)])
        for round_ in range(args.rounds):
            for server in servers[round_ % 3:] + servers[:round_ % 3]:
                result = _wrk(_base(server), JSON_RESULTS, 4, args.seconds,
                              ["-s", str(script)])
                through.setdefault(server.name, []).append(result)
                print(f"  distinct lookups  {server.name:26} {_cell(result)}", flush=True)
        for server in servers:
            behind[server.name] = _behind_heavy(server, script, heavy, args.seconds)
            print(f"  behind {HEAVY}  {server.name:26} {_cell(behind[server.name])} "
                  f"heavy answers {behind[server.name]['heavy']}", flush=True)
    oxigraph = [r["rps"] or 0 for r in through["oxigraph serve"]]
    lines = ["| server | distinct lookups, 4 connections (each round) | / oxigraph serve | "
             f"lookups while two clients loop {HEAVY} (2 connections) | {HEAVY} answers |",
             "|---|---|---|---|---|"]
    for name, results in through.items():
        ratios = [f"{(r['rps'] or 0) / o:.2f}×" if o else "–"
                  for r, o in zip(results, oxigraph, strict=False)]
        lines.append(f"| {name} | {'; '.join(_cell(r) for r in results)} | "
                     f"{', '.join(ratios)} | {_cell(behind[name])} | {behind[name]['heavy']} |")
    write_report("lookups", command, before, lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
