"""The first minute after a start: how long the query workers answer from disk.

``python -m bench.warmup --size 1M``

``coopgraph serve`` on a copy of the generated data (loaded as in :mod:`bench.run`) answers
as soon as it starts, from the snapshot on disk, while each query worker copies the store
into memory in the background (docs/limits.md, "Where evaluation's data lives"). This
measures, from the first answer on: the time until ``/healthz`` reports every warm worker in
memory, the CPU the process tree spent meanwhile (``psutil``), and one example query asked
every ``--every`` seconds during and after (its time from disk, then from memory). Bounded:
``--limit`` seconds at most; the server is stopped by PID at the end.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import urllib.parse
from typing import Any

import psutil
import requests

from .cache import _dataset
from .generate import parse_size
from .queries import example_queries
from .run import OUT, machine, running

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


def main(argv: list[str] | None = None) -> int:
    """Start, watch the copies, print the Markdown report (also written under bench/out/)."""
    parser = argparse.ArgumentParser(prog="python -m bench.warmup", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="1M")
    parser.add_argument("--query", default="ex05", help="example asked during the warm-up")
    parser.add_argument("--every", type=float, default=2.0, help="seconds between two asks")
    parser.add_argument("--limit", type=float, default=180.0, help="longest wait, seconds")
    parser.add_argument("--pool", type=int, default=2, help="--worker-pool-size")
    args = parser.parse_args(argv)
    (OUT / "work").mkdir(parents=True, exist_ok=True)
    dataset = _dataset(parse_size(args.size))
    text = next(q.text for q in example_queries() if q.id == args.query)
    command = "python -m bench.warmup " + " ".join(sys.argv[1:] if argv is None else argv)
    before = os.getloadavg()
    samples: list[tuple[float, float, str]] = []  # (since ready, seconds, where)
    variant = ("ours", "ours", ["--worker-pool-size", str(args.pool)])
    with running([variant], dataset, 120.0) as (server,):
        assert server.proc is not None
        cpu_at_ready = _tree_cpu(server.proc.pid)
        ready = time.monotonic()
        base = f"http://127.0.0.1:{server.port}"
        session = requests.Session()
        warm_s: float | None = None
        state: dict[str, Any] = {}
        cpu_warm = 0.0
        after_warm = 0
        next_ask = ready
        while time.monotonic() - ready < args.limit and after_warm < 3:
            state = session.get(base + "/healthz", timeout=30).json()["evaluation"]
            if warm_s is None and state["on_disk"] == 0 and state["in_memory"] >= args.pool:
                warm_s = time.monotonic() - ready
                cpu_warm = _tree_cpu(server.proc.pid) - cpu_at_ready
            if time.monotonic() >= next_ask:
                where = "memory" if warm_s is not None else "copying"
                started = time.monotonic()
                answer = session.get(base + "/sparql?" + urllib.parse.urlencode(
                    {"query": text}), headers={"Accept": JSON_RESULTS}, timeout=300)
                answer.raise_for_status()
                samples.append((started - ready, time.monotonic() - started, where))
                next_ask = time.monotonic() + args.every
                after_warm += warm_s is not None
            time.sleep(0.2)
    after = os.getloadavg()
    during = [s for _, s, where in samples if where == "copying"]
    warm = [s for _, s, where in samples if where == "memory"]
    lines = [f"`{command}`", "", machine(),
             f"load average before {before[0]:.1f} / {before[1]:.1f} / {before[2]:.1f}, "
             f"after {after[0]:.1f} / {after[1]:.1f} / {after[2]:.1f}", "",
             f"- every warm worker in memory {warm_s:.1f} s after the first answer"
             if warm_s is not None else
             f"- not every warm worker in memory within {args.limit:.0f} s: {state}",
             f"- CPU of the process tree until then: {cpu_warm:.1f} s",
             f"- `{args.query}` while copying: "
             + (", ".join(f"{s:.2f}" for s in during) or "–") + " s",
             f"- `{args.query}` from memory: " + (", ".join(f"{s:.2f}" for s in warm) or "–")
             + " s"]
    report = "\n".join(lines)
    print(report)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    (OUT / f"warmup-{stamp}.md").write_text(report + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
