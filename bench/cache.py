"""Repeated identical queries: ``coopgraph serve`` with its result cache beside ``oxigraph
serve`` (which has none), side by side in one run, same data, same machine.

``python -m bench.cache --size 100k --clients 4 --seconds 8``

Why: dashboards, the workbench and shared links send the same query again and again; the
result cache (server/coopgraph/web/result_cache.py, docs/http-caching.md) answers it from
memory until the next write. Three servers run at once, each on its own copy of the data
(:mod:`bench.generate`, loaded as in :mod:`bench.run`), on free 127.0.0.1 ports:

* **ours** — ``coopgraph serve`` with its defaults (result cache on, access log on);
* **ours-nocache** — the same with ``--result-cache-size 0`` (what the cache changes);
* **oxigraph** — ``oxigraph serve --union-default-graph``;

and for each query (the cheap ``lookup`` of one IRI, and dashboard-like examples and analyst
queries of :mod:`bench.queries`), one server after the other (the order rotates per query),
wrk (``wrk -c CLIENTS -d SECONDS``: C, HTTP/1.1 keep-alive, a light client, so that the
client's CPU does not cap the server) sends the *same* GET again and again, after a warm-up
request whose answer is checked (status 200, same row count on every server). Also: ``ours``
answering conditional GETs (``If-None-Match`` with the ETag of the answer, checked to be a
304 first). Prints a Markdown table of requests/s, p50 and p99 (wrk's) and the ratio
ours/oxigraph, with the machine line and the load average before and after.

Needs ``wrk`` (Debian: ``apt-get install wrk``) and the bench extra
(``pip install -e '.[bench]'``: oxigraph). Every wrk run is bounded by ``--seconds``; the
servers are stopped by their process group at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path
from typing import Any

import requests

from .generate import parse_size, size_label, write_dataset
from .queries import all_queries, lookup_query
from .run import OUT, Server, count_rows, lookup_iris, running, write_report

DEFAULT_QUERIES = "lookup,ex02,funding-sum,ex05,optional-listing,ex10"
JSON_RESULTS = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"


def _dataset(size: int) -> Path:
    dataset = OUT / "data" / f"coopgraph-{size_label(size)}.nq"
    meta = dataset.with_suffix(".json")
    if not dataset.exists() or not meta.exists():
        print(f"generating {dataset}", flush=True)
        stats = write_dataset(size, dataset)
        meta.write_text(json.dumps({"triples": stats.triples, "counts": stats.counts}))
    return dataset


def _url(server: Server, text: str) -> str:
    return (f"http://127.0.0.1:{server.port}{server.path}?"
            + urllib.parse.urlencode({"query": text}))


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str | None) -> float | None:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text or "")
    return float(match.group(1)) * _UNITS[match.group(2)] if match else None


def _wrk(url: str, accept: str, clients: int, seconds: float,
         extra: list[str]) -> dict[str, Any]:
    """One bounded wrk run: requests/s, p50/p99 (ms), socket errors and non-2xx/3xx."""
    command = ["wrk", "-t", str(min(2, clients)), "-c", str(clients), "-d", f"{seconds:g}s",
               "--timeout", "60s", "--latency", "-H", f"Accept: {accept}", *extra, url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 90)
    out = done.stdout

    def find(pattern: str) -> str | None:
        match = re.search(pattern, out, re.MULTILINE)
        return match.group(1) if match else None

    errors = find(r"Socket errors: (.*)$")
    failed = sum(int(n) for n in re.findall(r"\d+", errors)) if errors else 0
    failed += int(find(r"Non-2xx or 3xx responses: (\d+)") or 0)
    complete = int(find(r"^\s+(\d+) requests in") or 0)
    duration = _ms(find(r"requests in ([\d.]+\w+),")) or seconds * 1000
    return {
        # successful answers per second (wrk's own Requests/sec counts errors too)
        "rps": max(0, complete - failed) / (duration / 1000) or None,
        "complete": complete,
        "failed": failed,
        "p50": _ms(find(r"^\s+50%\s+(\S+)")),
        "p99": _ms(find(r"^\s+99%\s+(\S+)")),
        "error": None if done.returncode == 0 else (done.stderr.strip()[-300:] or "wrk failed"),
    }


def _check(server: Server, text: str, accept: str, form: str) -> tuple[int | None, str | None]:
    """A warm-up GET (fills our cache): its row count and ETag; raises unless 200."""
    answer = requests.get(_url(server, text), headers={"Accept": accept}, timeout=120)
    if answer.status_code != 200:
        raise RuntimeError(f"{server.name}: {answer.status_code} {answer.text[:200]}")
    return count_rows(answer.content, form), answer.headers.get("ETag")


def _cell(entry: dict[str, Any]) -> str:
    if entry.get("error"):
        return f"error: {entry['error'][:60]}"
    note = f", {entry['failed']} failed" if entry["failed"] else ""
    if not entry["rps"] or entry["p50"] is None or entry["p99"] is None:
        return f"{entry['complete']} answers in the time{note}"
    return (f"{entry['rps']:,.1f} req/s (p50 {_short(entry['p50'])}, p99 "
            f"{_short(entry['p99'])}{note})")


def _short(ms: float) -> str:
    return f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms:.3g} ms"


def main(argv: list[str] | None = None) -> int:
    """Run the comparison; print the Markdown report (and write it under bench/out/)."""
    parser = argparse.ArgumentParser(prog="python -m bench.cache", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="100k")
    parser.add_argument("--clients", type=int, default=4, help="wrk connections")
    parser.add_argument("--seconds", type=float, default=8.0, help="per query and server")
    parser.add_argument("--queries", default=DEFAULT_QUERIES, help="comma-separated ids")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("needs wrk (apt-get install wrk)", file=sys.stderr)
        return 2
    size = parse_size(args.size)
    (OUT / "work").mkdir(parents=True, exist_ok=True)
    dataset = _dataset(size)
    iri = lookup_iris(dataset, limit=1)[0]
    known = {q.id: q for q in all_queries()}
    known["lookup"] = lookup_query(iri)
    queries = [known[q] for q in args.queries.split(",") if q]
    command = "python -m bench.cache " + " ".join(sys.argv[1:] if argv is None else argv)
    before = os.getloadavg()
    rows: list[str] = []
    variants = (("ours", "ours", []), ("ours-nocache", "ours", ["--result-cache-size", "0"]),
                ("oxigraph", "oxigraph", []))
    with running(variants, dataset, 30.0) as servers:
        for index, query in enumerate(queries):
            accept = N_TRIPLES if query.form in ("CONSTRUCT", "DESCRIBE") else JSON_RESULTS
            order = servers[index % 3:] + servers[:index % 3]
            results: dict[str, dict[str, Any]] = {}
            counts: dict[str, int | None] = {}
            etag = None
            for server in order:
                counts[server.name], tag = _check(server, query.text, accept, query.form)
                if server.name == "ours":
                    etag = tag
                results[server.name] = _wrk(_url(server, query.text), accept, args.clients,
                                            args.seconds, [])
                print(f"  {query.id:18} {server.name:13} {_cell(results[server.name])}",
                      flush=True)
            ours = next(s for s in servers if s.name == "ours")
            revalidated: dict[str, Any] = {"error": "no 304"}
            conditional = {"Accept": accept, "If-None-Match": etag or ""}
            if etag and requests.get(_url(ours, query.text), headers=conditional,
                                     timeout=60).status_code == 304:
                revalidated = _wrk(_url(ours, query.text), accept, args.clients, args.seconds,
                                   ["-H", f"If-None-Match: {etag}"])
            print(f"  {query.id:18} ours 304       {_cell(revalidated)}", flush=True)
            same = len(set(counts.values())) == 1
            ratio = (results["ours"]["rps"] / results["oxigraph"]["rps"]
                     if results["ours"].get("rps") and results["oxigraph"].get("rps") else None)
            rows.append(
                f"| {query.id} | {counts['oxigraph']}{'' if same else ' ⚠ ' + str(counts)} | "
                f"{_cell(results['ours'])} | {_cell(revalidated)} | "
                f"{_cell(results['ours-nocache'])} | {_cell(results['oxigraph'])} | "
                f"{'–' if ratio is None else f'{ratio:.2f}×'} |")
    write_report("cache", command, before, [
        "| query | rows | ours (cache on) | ours, conditional GET (304) | ours, cache off | "
        "oxigraph serve | ours / oxigraph |",
        "|---|---|---|---|---|---|---|", *rows])
    return 0


if __name__ == "__main__":
    sys.exit(main())
