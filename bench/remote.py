"""The cost of coopgraph's layer on a remote engine: coopgraph-on-Oxigraph-server beside
Oxigraph server alone, same data, same queries, one run.

``python -m bench.remote --size 100k --reps 3``

* the generator (:mod:`bench.generate`) writes the N-Quads file (cached under
  ``bench/out/data/``); ``oxigraph load`` loads it into a fresh store, and ``oxigraph serve``
  serves it on 127.0.0.1 (``--timeout-s`` bounds any query);
* ``coopgraph serve --backend sparql --engine oxigraph`` (gunicorn, as deployed) is started in
  front of it on another free port;
* every benchmark query (:mod:`bench.queries`: examples, heavy analyst queries, the two cheap
  lookups) is sent to both, alternately, ``--reps`` times after one warm-up each: to the engine
  with its ``union-default-graph`` option, to coopgraph as a client would (coopgraph sends the
  engine its own dataset, the list of its graphs). The time is the whole response, read by a
  keep-alive ``requests`` client, JSON results (Turtle for CONSTRUCT/DESCRIBE). Medians and
  the ratio coopgraph / engine are printed as a Markdown table.

Bounded: each request has a client time-out (``--timeout``), every loop a count; both servers
are stopped by PID at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from coopgraph.config import PROJECT_ROOT

from .generate import parse_size, size_label, write_dataset
from .queries import all_queries

VENV_BIN = Path(sys.executable).parent
OUT = PROJECT_ROOT / "bench" / "out"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}")
        try:
            if requests.get(url, params={"query": "ASK {}"}, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {seconds:.0f} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(10)


def timed(session: requests.Session, url: str, data: dict[str, str], accept: str,
          timeout: float) -> float | None:
    started = time.perf_counter()
    try:
        response = session.post(url, data=data, headers={"Accept": accept}, timeout=timeout)
    except requests.Timeout:
        return None
    elapsed = time.perf_counter() - started
    if response.status_code == 503 and "did not finish" in response.text:
        return None  # our time limit (same as the client's)
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code} {response.text[:200]}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="100k")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args(argv)
    # A SIGTERM (e.g. from `timeout`) still runs the finally below: both servers stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    size = parse_size(args.size)
    data = OUT / "data" / f"coopgraph-{size_label(size)}.nq"
    if not data.exists():
        print(f"generating {data}", file=sys.stderr)
        write_dataset(size, data)
    workdir = Path(tempfile.mkdtemp(prefix="coopgraph-bench-remote-"))
    oxigraph = str(VENV_BIN / "oxigraph")
    subprocess.run([oxigraph, "load", "--location", str(workdir / "db"), "--file", str(data)],
                   check=True, capture_output=True)
    engine_port, ours_port = free_port(), free_port()
    engine = subprocess.Popen(  # noqa: S603
        [oxigraph, "serve", "--location", str(workdir / "db"), "--bind",
         f"127.0.0.1:{engine_port}", "--timeout-s", str(int(args.timeout) + 10)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    engine_url = f"http://127.0.0.1:{engine_port}"
    ours: subprocess.Popen[bytes] | None = None
    rows = []
    try:
        wait_ready(engine_url + "/query", engine)
        ours = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "coopgraph", "serve", "--backend", "sparql",
             "--engine", "oxigraph", "--query-url", engine_url + "/query",
             "--update-url", engine_url + "/update", "--gsp-url", engine_url + "/store",
             "--host", "127.0.0.1", "--port", str(ours_port), "--timeout", str(args.timeout)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=PROJECT_ROOT)
        ours_url = f"http://127.0.0.1:{ours_port}/sparql"
        wait_ready(ours_url, ours)
        alone, front = requests.Session(), requests.Session()
        for query in all_queries():
            accept = ("text/turtle" if query.form in ("CONSTRUCT", "DESCRIBE")
                      else "application/sparql-results+json")
            direct = {"query": query.text, "union-default-graph": ""}
            times: dict[str, list[float]] = {"engine": [], "ours": []}
            failed = False
            for rep in range(args.reps + 1):
                for name, session, url, form in (
                        ("engine", alone, engine_url + "/query", direct),
                        ("ours", front, ours_url, {"query": query.text})):
                    elapsed = timed(session, url, form, accept, args.timeout)
                    if elapsed is None:
                        failed = True
                    elif rep > 0:  # the first round warms both up
                        times[name].append(elapsed)
                if failed:
                    break
            row = (query, statistics.median(times["engine"]) if times["engine"] else None,
                   statistics.median(times["ours"]) if times["ours"] else None)
            rows.append(row)
            print(f"{query.id}: engine {row[1]}, ours {row[2]}", file=sys.stderr, flush=True)
    finally:
        if ours is not None:
            stop(ours)
        stop(engine)
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\n{size_label(size)} triples ({data.name}), {args.reps} runs after a warm-up, "
          "median seconds\n")
    print("| query | kind | oxigraph serve | coopgraph on it | ratio |")
    print("|---|---|---:|---:|---:|")
    ratios: dict[str, list[float]] = {}
    for query, engine_s, ours_s in rows:
        if engine_s is None or ours_s is None:
            shown = [f"{t:.4f}" if t is not None else f"> {args.timeout:g} s"
                     for t in (engine_s, ours_s)]
            print(f"| {query.id} | {query.kind} | {shown[0]} | {shown[1]} | |")
            continue
        ratio = ours_s / engine_s
        ratios.setdefault(query.kind, []).append(ratio)
        print(f"| {query.id} | {query.kind} | {engine_s:.4f} | {ours_s:.4f} | {ratio:.2f}× |")
    for kind, values in ratios.items():
        print(f"\n{kind}: median ratio {statistics.median(values):.2f}× "
              f"(min {min(values):.2f}×, max {max(values):.2f}×)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
