"""The first minute after a start: how long the query workers answer from disk.

``python -m bench.warmup --size 1M --rounds 2``

``coopgraph serve`` on a copy of the generated data (loaded as in :mod:`bench.run`) answers
as soon as it starts, from the snapshot on disk, while each query worker copies the store
into memory in the background (docs/limits.md, "Where evaluation's data lives"). This
measures, from the first answer on: the time until ``/healthz`` reports every warm worker in
memory and the time until ``/readyz`` answers 200 (what a load balancer waits for), the CPU
the process tree spent meanwhile (``psutil``), and one example query asked every ``--every``
seconds during and after (its time from disk, then from memory); once with
the N-Quads copy that the load keeps beside the store (coopgraph/quads_cache.py, as
``coopgraph build`` does), once without, one after the other in each round. Bounded:
``--limit`` seconds at most; each server is stopped by PID before the next starts.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

import psutil
import requests

from .cache import _dataset
from .generate import parse_size
from .queries import example_queries
from .run import OUT, Ours, Server, running, write_report

JSON_RESULTS = "application/sparql-results+json"


def _tree_cpu(pid: int) -> float:
    """User and system CPU seconds of a process and its live descendants."""
    root = psutil.Process(pid)
    total = 0.0
    for proc in [root, *root.children(recursive=True)]:
        try:
            times = proc.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


def _measure(dataset: Path, text: str, args: argparse.Namespace,
             label: str, keep_copy: bool) -> dict[str, Any]:
    """Load, start and watch one server until its warm workers are in memory (bounded)."""

    def prepare(server: Server) -> None:
        assert isinstance(server, Ours)
        server.keep_copy = keep_copy

    samples: list[tuple[float, str]] = []  # (seconds, where)
    result: dict[str, Any] = {"warm_s": None, "ready_s": None, "cpu_s": 0.0, "state": {}}
    variant = (label, "ours", ["--worker-pool-size", str(args.pool)])
    with running([variant], dataset, 120.0, prepare=prepare) as (server,):
        assert server.proc is not None
        cpu_at_ready = _tree_cpu(server.proc.pid)
        ready = time.monotonic()
        base = f"http://127.0.0.1:{server.port}"
        session = requests.Session()
        after_warm = 0
        next_ask = ready
        while time.monotonic() - ready < args.limit and after_warm < 3:
            probe = session.get(base + "/readyz", timeout=30)  # /healthz's body, and a status
            state = probe.json()["evaluation"]
            result["state"] = state
            if result["ready_s"] is None and probe.status_code == 200:
                result["ready_s"] = time.monotonic() - ready
            if (result["warm_s"] is None and state["on_disk"] == 0
                    and state["in_memory"] >= args.pool):
                result["warm_s"] = time.monotonic() - ready
                result["cpu_s"] = _tree_cpu(server.proc.pid) - cpu_at_ready
            if time.monotonic() >= next_ask:
                where = "memory" if result["warm_s"] is not None else "copying"
                started = time.monotonic()
                answer = session.get(base + "/sparql?" + urllib.parse.urlencode(
                    {"query": text}), headers={"Accept": JSON_RESULTS}, timeout=300)
                answer.raise_for_status()
                samples.append((time.monotonic() - started, where))
                next_ask = time.monotonic() + args.every
                after_warm += where == "memory"
            time.sleep(0.2)
    result["load_s"] = server.load_s
    result["during"] = [s for s, where in samples if where == "copying"]
    result["memory"] = [s for s, where in samples if where == "memory"]
    return result


def main(argv: list[str] | None = None) -> int:
    """Start, watch the copies, print the Markdown report (also written under bench/out/)."""
    parser = argparse.ArgumentParser(prog="python -m bench.warmup", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="1M")
    parser.add_argument("--query", default="ex05", help="example asked during the warm-up")
    parser.add_argument("--every", type=float, default=2.0, help="seconds between two asks")
    parser.add_argument("--limit", type=float, default=180.0, help="longest wait, seconds")
    parser.add_argument("--pool", type=int, default=2, help="--worker-pool-size")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args(argv)
    (OUT / "work").mkdir(parents=True, exist_ok=True)
    dataset = _dataset(parse_size(args.size))
    text = next(q.text for q in example_queries() if q.id == args.query)
    command = "python -m bench.warmup " + " ".join(sys.argv[1:] if argv is None else argv)
    before = os.getloadavg()
    rows: list[str] = []
    for _ in range(args.rounds):
        for label, keep_copy in (("copy kept by the load (as `coopgraph build`)", True),
                                 ("no copy kept (`bench.load --no-copy`)", False)):
            r = _measure(dataset, text, args, label, keep_copy)
            warm = (f"{r['warm_s']:.1f} s" if r["warm_s"] is not None
                    else f"not within {args.limit:.0f} s ({r['state']})")
            ready = (f"{r['ready_s']:.1f} s" if r["ready_s"] is not None
                     else f"not within {args.limit:.0f} s")
            rows.append(f"| {label} | {r['load_s']:.1f} s | {warm} | {ready} | "
                        f"{r['cpu_s']:.1f} s | "
                        + (", ".join(f"{s:.2f}" for s in r["during"]) or "–") + " | "
                        + (", ".join(f"{s:.2f}" for s in r["memory"]) or "–") + " |")
            print(rows[-1], flush=True)
    write_report("warmup", command, before, [
        f"| store | load | every warm worker in memory, after the first answer | `/readyz` "
        f"200, after the first answer | CPU of the process tree until every worker is warm | "
        f"`{args.query}` while copying (s) | `{args.query}` from memory (s) |",
        "|---|---|---|---|---|---|---|", *rows])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
