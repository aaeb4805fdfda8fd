"""CPU per request of a real ``coopgraph serve`` under wrk: one repeated lookup (cache hits).

Why: ``bench/wsgi_cpu.py`` counts the web layer's CPU in-process; this counts everything the
served process tree spends per request (gunicorn, the app, the query workers), so the two
together say where a cache hit's time goes. ``coopgraph serve --in-memory`` on a free
127.0.0.1 port (extra arguments are passed on), one warm-up, then ``wrk -c CONNECTIONS -d
SECONDS``; the CPU of the process tree (psutil) before and after, divided by the requests.

    python -m bench.serve_cpu [--seconds 5] [--connections 4] [-- --no-access-log]
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import requests

QUERY = "SELECT%20%3Fp%20%3Fo%20WHERE%20%7B%20%3Curn%3Ax%3E%20%3Fp%20%3Fo%20%7D"


def _cpu(pid: int) -> float:
    root = psutil.Process(pid)
    total = 0.0
    for proc in [root, *root.children(recursive=True)]:
        times = proc.cpu_times()
        total += times.user + times.system
    return total


def main(argv: list[str] | None = None) -> int:
    """Print requests, requests/s and CPU ms per request."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("serve_args", nargs="*", help="passed to coopgraph serve")
    args = parser.parse_args(argv)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [str(Path(sys.executable).with_name("coopgraph")), "serve", "--in-memory",
               "--port", str(port), *args.serve_args]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}/sparql?query={QUERY}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(url, timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        before = _cpu(proc.pid)
        out = subprocess.run(["wrk", "-t", "1", "-c", str(args.connections), "-d",
                              f"{args.seconds:g}s", url], capture_output=True, text=True,
                             timeout=args.seconds + 60).stdout
        spent = _cpu(proc.pid) - before
        match = re.search(r"(\d+) requests in", out)
        count = int(match.group(1)) if match else 0
        rate = re.search(r"Requests/sec:\s+(\S+)", out)
        print(f"{' '.join(args.serve_args) or '(defaults)'}: {count} requests, "
              f"{rate.group(1) if rate else '?'} req/s, "
              f"{spent / max(count, 1) * 1000:.3f} ms CPU per request (process tree)")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
