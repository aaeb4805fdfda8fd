"""A bounded loop of cheap lookups against a real ``coopgraph serve`` (for docs/benchmarks.md).

Why: to compare serving paths (e.g. the fast WSGI entry on and off, or two commits) in one
run on the same machine. Each variant is a fresh ``coopgraph serve --in-memory`` on a free
127.0.0.1 port; ``--requests`` GETs of one cheap lookup are sent by ``--threads`` threads with
``requests`` (one session per thread), after a warm-up of 200. Prints requests/s and
p50/p99 latency per variant and round.

    python -m bench.serve_ab --variant new: --variant nofast:COOPGRAPH_FAST_PATH=0 \
        --variant old:PYTHONPATH=/tmp/cg-base/server --rounds 2
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

import requests

QUERY = "SELECT ?p ?o WHERE { <urn:example:nothing> ?p ?o }"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(env_pairs: list[str]) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = dict(os.environ)
    for pair in env_pairs:
        name, _, value = pair.partition("=")
        env[name] = value
    proc = subprocess.Popen(
        [sys.executable, "-m", "coopgraph", "serve", "--in-memory", "--port", str(port),
         "--no-access-log"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/sparql"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(url, params={"query": QUERY}, timeout=2).status_code == 200:
                return proc, url
        except requests.RequestException:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit(f"server did not start for {env_pairs}")


def _load(url: str, total: int, threads: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    lock = threading.Lock()
    per_thread = total // threads

    def _client() -> None:
        session = requests.Session()
        mine = []
        for _ in range(per_thread):
            start = time.perf_counter()
            r = session.get(url, params={"query": QUERY}, timeout=30)
            mine.append(time.perf_counter() - start)
            assert r.status_code == 200, r.status_code
        with lock:
            latencies.extend(mine)

    workers = [threading.Thread(target=_client) for _ in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return time.perf_counter() - start, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--variant", action="append", required=True,
                        help="NAME:VAR=VALUE,VAR=VALUE (environment of that server)")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    for round_ in range(1, args.rounds + 1):
        for variant in args.variant:
            name, _, pairs = variant.partition(":")
            proc, url = _serve([p for p in pairs.split(",") if p])
            try:
                _load(url, 200, args.threads)  # warm-up: pool started, connections open
                seconds, lat = _load(url, args.requests, args.threads)
            finally:
                proc.terminate()
                proc.wait(timeout=30)
            lat.sort()
            print(f"round {round_} {name:8s} {len(lat) / seconds:7.0f} req/s  "
                  f"p50 {statistics.median(lat) * 1000:.2f} ms  "
                  f"p99 {lat[int(len(lat) * 0.99)] * 1000:.2f} ms", flush=True)


if __name__ == "__main__":
    main()
