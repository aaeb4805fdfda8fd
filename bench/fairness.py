"""Fair admission under heavy load, measured against a real ``coopgraph serve`` (issue 12).

``python -m bench.fairness [SECONDS]`` builds a small store (2,000 triples), serves it with
gunicorn on a free loopback port and runs two bounded scenarios, each client from its own
loopback address (127.0.0.N) so that the server tells them apart, as it would real clients:

* **starvation**: four clients loop a three-way join (8·10⁹ solutions: each runs until the
  time limit) while a fifth sends a cheap probe every 0.25 s. Target: ≥ 90 % of the probes
  answered (200) within 2 s.
* **mixed**: two such heavy clients and two medium ones (a filtered join, ~0.25 s alone)
  beside eight threads looping a lookup (like ``ab -c 8``). Target: no 503 for lookups.

Prints one JSON object per scenario. tests/test_web_fairness.py runs the same functions for
a shorter time; docs/limits.md ("Fair admission") has the figures.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import requests
from requests.adapters import HTTPAdapter

DATA_GRAPH = "https://w3id.org/coopgraph/graph/data"
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
MEDIUM = ("SELECT (COUNT(*) AS ?n) WHERE { ?a <urn:x:next> ?b . ?c <urn:x:p3> ?d "
          "FILTER(STR(?b) < STR(?c)) }")
LOOKUP = "SELECT ?p ?o WHERE { <urn:x:s42> ?p ?o }"
PROBE = "ASK { <urn:x:s7> <urn:x:next> ?o }"


def make_store(path: Path, entities: int = 1000) -> Path:
    """A store of ``2 × entities`` triples in the data graph."""
    store = ox.Store(str(path))
    graph = ox.NamedNode(DATA_GRAPH)
    store.extend(
        quad
        for i in range(entities)
        for quad in (
            ox.Quad(ox.NamedNode(f"urn:x:s{i}"), ox.NamedNode(f"urn:x:p{i % 10}"),
                    ox.Literal(str(i)), graph),
            ox.Quad(ox.NamedNode(f"urn:x:s{i}"), ox.NamedNode("urn:x:next"),
                    ox.NamedNode(f"urn:x:s{(i * 7) % entities}"), graph),
        )
    )
    store.flush()
    del store
    return path


class _SourceAdapter(HTTPAdapter):
    """Connections from a given loopback address (127.0.0.N), i.e. a distinct client."""

    def __init__(self, address: str) -> None:
        self._address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self._address, 0)
        super().init_poolmanager(*args, **kwargs)


def client(number: int) -> requests.Session:
    """A session whose connections come from 127.0.0.``number``."""
    session = requests.Session()
    session.mount("http://", _SourceAdapter(f"127.0.0.{number}"))
    return session


def _loop(url: str, number: int, query: str, stop: threading.Event,
          out: list[tuple[int, float]]) -> None:
    """Send ``query`` again and again until ``stop``; record (status, seconds)."""
    with client(number) as session:
        while not stop.is_set():
            started = time.monotonic()
            try:
                status = session.get(url, params={"query": query}, timeout=60).status_code
            except requests.RequestException:
                status = 0
            out.append((status, time.monotonic() - started))
            if status == 503:
                time.sleep(0.2)  # a polite client backs off a little (Retry-After is longer)


def starvation(url: str, seconds: float) -> dict[str, Any]:
    """Four heavy clients and a probe every 0.25 s; how many probes came back within 2 s."""
    stop = threading.Event()
    heavy: list[tuple[int, float]] = []
    threads = [threading.Thread(target=_loop, args=(url, 10 + i, HEAVY, stop, heavy))
               for i in range(4)]
    for thread in threads:
        thread.start()
    probes: list[tuple[int, float]] = []
    end = time.monotonic() + seconds
    with client(2) as session:
        while time.monotonic() < end:
            started = time.monotonic()
            try:
                status = session.get(url, params={"query": PROBE}, timeout=30).status_code
            except requests.RequestException:
                status = 0
            probes.append((status, time.monotonic() - started))
            time.sleep(max(0.0, 0.25 - (time.monotonic() - started)))
    stop.set()
    for thread in threads:
        thread.join(120)
    good = sum(1 for status, took in probes if status == 200 and took <= 2.0)
    return {
        "scenario": "4 heavy clients + cheap probes",
        "seconds": seconds,
        "probes": len(probes),
        "probes_ok_within_2s": good,
        "share_ok": round(good / max(1, len(probes)), 3),
        "probe_statuses": _count(s for s, _ in probes),
        "probe_p50_ms": round(statistics.median(t for _, t in probes) * 1000, 1),
        "probe_max_ms": round(max(t for _, t in probes) * 1000, 1),
        "heavy_statuses": _count(s for s, _ in heavy),
    }


def mixed(url: str, seconds: float) -> dict[str, Any]:
    """Two heavy and two medium clients beside eight threads looping a lookup."""
    stop = threading.Event()
    others: dict[str, list[tuple[int, float]]] = {"heavy": [], "medium": []}
    threads = [threading.Thread(target=_loop, args=(url, 10 + i, HEAVY, stop, others["heavy"]))
               for i in range(2)]
    threads += [threading.Thread(target=_loop, args=(url, 20 + i, MEDIUM, stop,
                                                       others["medium"])) for i in range(2)]
    lookups: list[tuple[int, float]] = []
    threads += [threading.Thread(target=_loop, args=(url, 3, LOOKUP, stop, lookups))
                for _ in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(120)
    times = sorted(t for _, t in lookups)
    return {
        "scenario": "2 heavy + 2 medium clients + 8 lookup threads",
        "seconds": seconds,
        "lookups": len(lookups),
        "lookup_statuses": _count(s for s, _ in lookups),
        "lookup_p50_ms": round(statistics.median(times) * 1000, 1),
        "lookup_p95_ms": round(times[int(len(times) * 0.95)] * 1000, 1),
        "heavy_statuses": _count(s for s, _ in others["heavy"]),
        "medium_statuses": _count(s for s, _ in others["medium"]),
    }


def _count(statuses: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in statuses:
        counts[str(status)] = counts.get(str(status), 0) + 1
    return counts


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main(argv: list[str] | None = None) -> int:
    """Serve a fresh store and print both scenarios' figures as JSON lines."""
    args = sys.argv[1:] if argv is None else argv
    seconds = float(args[0]) if args else 40.0
    with tempfile.TemporaryDirectory() as tmp:
        store = make_store(Path(tmp) / "store")
        port = _free_port()
        log = Path(tmp) / "serve.log"
        with log.open("wb") as err:
            server = subprocess.Popen(  # noqa: S603 - our own command
                [sys.executable, "-m", "coopgraph", "serve", "--host", "127.0.0.1", "--port",
                 str(port), "--store", str(store), "--threads", "16", "--timeout", "5"],
                stdout=subprocess.DEVNULL, stderr=err, env=dict(os.environ),
            )
        url = f"http://127.0.0.1:{port}/sparql"
        try:
            for _ in range(600):
                try:
                    if requests.get(url.replace("/sparql", "/healthz"), timeout=5).ok:
                        break
                except requests.RequestException:
                    time.sleep(0.1)
            for scenario in (starvation, mixed):
                print(json.dumps(scenario(url, seconds)), flush=True)
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
