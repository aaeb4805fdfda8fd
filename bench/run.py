"""The benchmark runner: the same data and queries on three SPARQL servers, side by side.

``python -m bench.run --sizes 10k,100k --clients 8 --seconds 10``

For each size: the generator writes one N-Quads file (ontology in ``<base>graph/ontology``,
data in ``<base>graph/data``; cached under ``bench/out/data/``), then for each engine

* **ours** — ``python -m bench.load`` bulk-loads a fresh pyoxigraph store (the loader
  ``coopgraph build`` uses), then ``coopgraph serve --store DIR`` serves it;
* **oxigraph** — ``oxigraph load --location DIR --file`` (the same bulk loader, in Rust), then
  ``oxigraph serve --location DIR --union-default-graph``;
* **rdflib** — ``rdflib-endpoint serve FILE`` (rdflib's in-memory Dataset, union default
  graph): the load happens at start-up, so its load time is the time until it answers;

each on a free port of 127.0.0.1, and measures: load time, time until the first answer,
peak RSS of the server's process tree (sampled every 0.1 s over the whole run, children
included: gunicorn's worker and the executor's query processes for ours), median and p99
latency of every query (one warm-up, then up to ``--reps`` runs within ``--query-budget``
seconds; with so few runs p99 is the slowest run), throughput of the cheap lookup under
``--clients`` concurrent clients for ``--seconds``, and the head-of-line test: two clients
run the heaviest query in a loop while the others run cheap lookups; p99 of the cheap ones.

Clients are separate processes (forked), each with one keep-alive HTTP connection, so the
client side is not serialised by the GIL. Every loop is bounded by a deadline and a count.
A request that exceeds its client timeout is reported as "> N s"; rdflib-endpoint evaluates
queries on its event loop and cannot be interrupted, so after such a timeout it is
restarted (reloaded) before the next query.

Output: a Markdown report (ratios ours/oxigraph and ours/rdflib side by side) printed and
written to ``bench/out/report-<time>.md``, and the raw numbers to ``results-<time>.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import multiprocessing as mp
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .generate import ANCHOR, parse_size, size_label, write_dataset
from .queries import Query, all_queries

OUT = Path(__file__).resolve().parent / "out"
VENV_BIN = Path(sys.executable).parent
CG_LOCAL_GOVERNMENT = "<https://w3id.org/coopgraph/ontology#LocalGovernment>"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
ENGINES = ("ours", "oxigraph", "rdflib")
#: Hard cap on requests one client sends in one timed phase (the deadline comes first).
MAX_REQUESTS_PER_CLIENT = 200_000


# --------------------------------------------------------------------------- HTTP client


def accept_for(form: str) -> str:
    """The media type asked for: SPARQL JSON for SELECT/ASK, N-Triples for graphs."""
    return ("application/n-triples" if form in ("CONSTRUCT", "DESCRIBE")
            else "application/sparql-results+json")


class Client:
    """One keep-alive connection to one endpoint; reconnects after an error."""

    def __init__(self, port: int, path: str, timeout: float) -> None:
        self.port, self.path, self.timeout = port, path, timeout
        self.conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def query(self, text: str, accept: str) -> tuple[int, bytes, float]:
        """POST the query (form-encoded); (status, body, seconds). Status -1: no answer in
        time, -2: connection error."""
        body = urllib.parse.urlencode({"query": text})
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
        start = time.perf_counter()
        for attempt in (1, 2):
            reused = self.conn is not None
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                           timeout=self.timeout)
                self.conn.request("POST", self.path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                status = response.status
                if response.will_close:
                    self.close()
                return status, data, time.perf_counter() - start
            except TimeoutError:
                self.close()
                return -1, b"", time.perf_counter() - start
            except (OSError, http.client.HTTPException):
                self.close()
                # A kept-alive connection the server closed meanwhile: retry once on a new
                # one, as HTTP client libraries do. Anything else is an error.
                if not (reused and attempt == 1):
                    return -2, b"", time.perf_counter() - start
        return -2, b"", time.perf_counter() - start


def count_rows(body: bytes, form: str) -> int | None:
    """Solutions of a SPARQL JSON result, or lines of an N-Triples result."""
    try:
        if form in ("CONSTRUCT", "DESCRIBE"):
            return sum(1 for line in body.splitlines() if line.strip()
                       and not line.startswith(b"#"))
        doc = json.loads(body)
        if "boolean" in doc:
            return 1
        return len(doc["results"]["bindings"])
    except (ValueError, KeyError, TypeError):
        return None


def _client_loop(args: tuple[Any, ...]) -> dict[str, Any]:
    """A timed client (runs in a forked process): cycles through ``queries`` until the
    deadline; returns its latencies (successes only) and error statuses."""
    port, path, queries, start_at, seconds, timeout = args
    client = Client(port, path, timeout)
    while time.monotonic() < start_at:
        time.sleep(0.001)
    deadline = start_at + seconds
    latencies: list[float] = []
    errors: dict[str, int] = {}
    samples: dict[str, str] = {}  # the first error body of each kind
    n = 0
    while time.monotonic() < deadline and n < MAX_REQUESTS_PER_CLIENT:
        text, accept = queries[n % len(queries)]
        status, body, elapsed = client.query(text, accept)
        n += 1
        if status == 200:
            latencies.append(elapsed)
        else:
            key = {-1: "timeout", -2: "connection"}.get(status, str(status))
            errors[key] = errors.get(key, 0) + 1
            samples.setdefault(key, body[:200].decode("utf-8", "replace"))
            if status == -2:
                time.sleep(0.01)  # refused: do not spin
    client.close()
    return {"latencies": latencies, "errors": errors, "samples": samples,
            "elapsed": max(time.monotonic(), deadline) - start_at}


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (``p`` in 0..100); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
    return ordered[rank - 1]


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RssSampler(threading.Thread):
    """Samples the summed RSS of a process and all its descendants every 0.1 s."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self.stopped.is_set():
            total = 0
            try:
                procs = [root] + root.children(recursive=True)
            except psutil.Error:
                break
            for proc in procs:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self.stopped.wait(0.1)

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=2)


@dataclass
class Server:
    """One engine serving one dataset; subclasses say how to load and start it."""

    name: str
    dataset: Path
    workdir: Path
    timeout_s: float
    port: int = 0
    path: str = "/sparql"
    proc: subprocess.Popen[bytes] | None = None
    sampler: RssSampler | None = None
    peak_rss: int = 0
    load_s: float | None = None
    ready_s: float | None = None
    restarts: int = 0
    notes: list[str] = field(default_factory=list)
    #: True when a timed-out query keeps the server busy (it must then be restarted).
    blocking: bool = False

    def load(self) -> None:
        """Bulk-load the dataset before start-up (engines that load at start do nothing)."""

    def command(self) -> list[str]:
        raise NotImplementedError

    def env(self) -> dict[str, str]:
        return dict(os.environ)

    def start(self, ready_timeout: float = 600.0) -> None:
        """Start the server and wait until it answers a query (bounded)."""
        self.port = free_port()
        log = (self.workdir / f"{self.name}.log").open("ab")
        start = time.perf_counter()
        self.proc = subprocess.Popen(self.command(), stdout=log, stderr=log,
                                     env=self.env(), start_new_session=True,
                                     cwd=str(self.workdir))
        log.close()
        self.sampler = RssSampler(self.proc.pid)
        self.sampler.start()
        client = Client(self.port, self.path, timeout=30)
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; "
                                   f"see {self.workdir / (self.name + '.log')}")
            status, _, _ = client.query("ASK { ?s ?p ?o }", accept_for("ASK"))
            if status == 200:
                self.ready_s = time.perf_counter() - start
                client.close()
                return
            client.close()
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer within {ready_timeout} s")

    def stop(self) -> None:
        """Stop the server (its own process group: it and its children, nothing else)."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
            except ProcessLookupError:
                pass
        if self.sampler is not None:
            self.sampler.stop()
            self.peak_rss = max(self.peak_rss, self.sampler.peak)
        self.proc = None

    def restart(self) -> None:
        """Stop and start again (same data)."""
        self.stop()
        self.restarts += 1
        self.start()


class Ours(Server):
    """``coopgraph serve`` on a store built by ``bench.load`` (pyoxigraph ``bulk_load``)."""

    extra_args: list[str] = []
    #: False: no N-Quads copy beside the store (bench/warmup.py measures a start without it)
    keep_copy: bool = True

    def load(self) -> None:
        store = self.workdir / "ours-store"
        shutil.rmtree(store, ignore_errors=True)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bench.load", str(store), str(self.dataset),
                        *([] if self.keep_copy else ["--no-copy"])],
                       check=True, cwd=str(Path(__file__).resolve().parents[1]),
                       stdout=subprocess.DEVNULL, timeout=3600)
        self.load_s = time.perf_counter() - start

    def command(self) -> list[str]:
        return [str(VENV_BIN / "coopgraph"), "serve", "--store",
                str(self.workdir / "ours-store"), "--port", str(self.port),
                "--timeout", str(self.timeout_s), *self.extra_args]

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["COOPGRAPH_ADMIN_TOKEN"] = secrets.token_hex(16)
        return env


class Oxigraph(Server):
    """``oxigraph serve`` on a store built by ``oxigraph load``."""

    server_timeout: bool = False

    def load(self) -> None:
        store = self.workdir / "oxigraph-store"
        shutil.rmtree(store, ignore_errors=True)
        start = time.perf_counter()
        subprocess.run([str(VENV_BIN / "oxigraph"), "load", "--location", str(store),
                        "--file", str(self.dataset)], check=True, timeout=3600,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.load_s = time.perf_counter() - start

    def command(self) -> list[str]:
        command = [str(VENV_BIN / "oxigraph"), "serve", "--location",
                   str(self.workdir / "oxigraph-store"), "--bind", f"127.0.0.1:{self.port}",
                   "--union-default-graph"]
        if self.server_timeout:
            # Off by default: with --timeout-s, oxigraph serve 0.5.13 starts a thread per
            # query to time it; under 8 clients at ~1,600 lookups/s on the benchmark machine
            # thread creation failed (EAGAIN) and the server panicked and died.
            command += ["--timeout-s", str(int(self.timeout_s))]
        return command


class Rdflib(Server):
    """``rdflib-endpoint serve FILE`` (loads the file into memory at start-up)."""

    def command(self) -> list[str]:
        return [str(VENV_BIN / "rdflib-endpoint"), "serve", str(self.dataset),
                "--host", "127.0.0.1", "--port", str(self.port)]

    def start(self, ready_timeout: float = 600.0) -> None:
        super().start(ready_timeout)
        if self.load_s is None:
            self.load_s = self.ready_s  # it parses the file before it listens


def make_server(name: str, dataset: Path, workdir: Path, timeout_s: float,
                ours_args: list[str], oxigraph_timeout: bool = False) -> Server:
    """The server object of one engine."""
    if name == "ours":
        server: Server = Ours(name, dataset, workdir, timeout_s)
        server.extra_args = ours_args  # type: ignore[attr-defined]
        return server
    if name == "oxigraph":
        oxigraph = Oxigraph(name, dataset, workdir, timeout_s, path="/query")
        oxigraph.server_timeout = oxigraph_timeout
        return oxigraph
    if name == "rdflib":
        return Rdflib(name, dataset, workdir, timeout_s, path="/", blocking=True)
    raise ValueError(f"unknown engine {name!r} (one of {', '.join(ENGINES)})")


@contextlib.contextmanager
def running(variants: Sequence[tuple[str, str, list[str]]], dataset: Path,
            timeout_s: float, *, prepare: Callable[[Server], None] | None = None,
            ) -> Iterator[list[Server]]:
    """Each ``(name, engine, extra args)`` loaded and started on its own copy of ``dataset``
    (``prepare`` sees each server before its load); on leaving, every server is stopped and
    every work folder removed (a start that fails included)."""
    servers: list[Server] = []
    workdirs: list[Path] = []
    try:
        for name, engine, extra in variants:
            workdir = Path(tempfile.mkdtemp(prefix=f"{engine}-", dir=OUT / "work"))
            workdirs.append(workdir)
            server = make_server(engine, dataset, workdir, timeout_s, extra)
            server.name = name
            if prepare is not None:
                prepare(server)
            servers.append(server)  # stopped on leaving even if its start fails half-way
            print(f"{name}: loading and starting", flush=True)
            server.load()
            server.start()
        yield servers
    finally:
        for server in servers:
            server.stop()
        for workdir in workdirs:
            shutil.rmtree(workdir, ignore_errors=True)


# --------------------------------------------------------------------------- measurements


@dataclass
class Options:
    """The runner's settings (see :func:`parse_args`)."""

    sizes: list[int]
    engines: list[str]
    clients: int
    seconds: float
    reps: int
    query_budget: float
    timeout: float
    rdflib_timeout: float
    only: list[str]
    skip: list[str]
    heavy: str
    ours_args: list[str]
    keep_data: bool
    oxigraph_timeout: bool = False
    settle_s: float = 0.0


def lookup_iris(dataset: Path, limit: int = 200) -> list[str]:
    """The first ``limit`` local governments of the dataset (the cheap lookups' targets)."""
    found: list[str] = []
    marker = f" {RDF_TYPE} {CG_LOCAL_GOVERNMENT} "
    with dataset.open(encoding="utf-8") as lines:
        for line in lines:
            if marker in line:
                found.append(line.split(" ", 1)[0][1:-1])
                if len(found) >= limit:
                    break
    return found or [ANCHOR["actor"]]


def measure_queries(server: Server, queries: list[Query], opts: Options,
                    timeout: float) -> dict[str, Any]:
    """Median and p99 of each query; rows of the first answer; timeouts as such."""
    results: dict[str, Any] = {}
    for q in queries:
        accept = accept_for(q.form)
        client = Client(server.port, server.path, timeout)
        times: list[float] = []
        entry: dict[str, Any] = {"rows": None, "status": None}
        spent = 0.0
        for run in range(opts.reps + 1):  # run 0 is the warm-up
            if run > 0 and spent > opts.query_budget:
                break
            status, body, elapsed = client.query(q.text, accept)
            spent += elapsed
            if status != 200:
                entry["status"] = "timeout" if status == -1 else (
                    "503 (time limit)" if status == 503 else f"error {status}")
                entry["limit_s"] = timeout
                if server.blocking and status == -1:
                    client.close()
                    server.restart()
                break
            if run == 0:
                entry["rows"] = count_rows(body, q.form)
                entry["first_s"] = elapsed
            else:
                times.append(elapsed)
        client.close()
        if times:
            entry.update(status="ok", median=statistics.median(times),
                         p99=percentile(times, 99), runs=len(times))
        elif entry["status"] is None and "first_s" in entry:
            entry.update(status="ok", median=entry["first_s"], p99=entry["first_s"], runs=1)
        results[q.id] = entry
        print(f"  {server.name:9} {q.id:18} {_fmt_entry(entry)}", flush=True)
    return results


def run_clients(server: Server, groups: list[tuple[int, list[tuple[str, str]], float]],
                seconds: float) -> list[dict[str, Any]]:
    """Run client groups at once (each: count, queries, request timeout); one result per
    group (latencies merged)."""
    ctx = mp.get_context("fork")
    start_at = time.monotonic() + 1.0
    jobs = []
    for count, queries, timeout in groups:
        jobs.extend((server.port, server.path, queries, start_at, seconds, timeout)
                    for _ in range(count))
    longest = max(t for _, _, t in groups)
    with ctx.Pool(len(jobs)) as pool:
        pending = pool.map_async(_client_loop, jobs)
        outputs = pending.get(timeout=seconds + longest + 30)
    merged = []
    index = 0
    for count, _queries, _timeout in groups:
        part = outputs[index:index + count]
        index += count
        latencies = [x for o in part for x in o["latencies"]]
        errors: dict[str, int] = {}
        for o in part:
            for k, v in o["errors"].items():
                errors[k] = errors.get(k, 0) + v
        elapsed = max(o["elapsed"] for o in part)
        samples: dict[str, str] = {}
        for o in part:
            for k, v in o["samples"].items():
                samples.setdefault(k, v)
        merged.append({
            "error_samples": samples,
            "requests": len(latencies), "errors": errors, "seconds": elapsed,
            "throughput": len(latencies) / elapsed if elapsed else 0.0,
            "p50": percentile(latencies, 50), "p99": percentile(latencies, 99),
            "max": max(latencies) if latencies else None,
        })
    return merged


def measure_engine(name: str, dataset: Path, size: int, queries: list[Query],
                   iris: list[str], heavy: Query, opts: Options) -> dict[str, Any]:
    """Load, start, and measure one engine on one dataset; always stops the server."""
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-{name}-{size_label(size)}-",
                                    dir=OUT / "work"))
    timeout = opts.rdflib_timeout if name == "rdflib" else opts.timeout
    server = make_server(name, dataset, workdir, timeout, opts.ours_args,
                         opts.oxigraph_timeout)
    result: dict[str, Any] = {"engine": name}
    try:
        print(f"[{size_label(size)}] {name}: loading", flush=True)
        server.load()
        server.start()
        result.update(load_s=server.load_s, ready_s=server.ready_s)
        print(f"  load {server.load_s:.2f} s, ready after {server.ready_s:.2f} s", flush=True)
        if opts.settle_s > 0:  # e.g. for query workers to copy the store into memory
            print(f"  waiting {opts.settle_s:g} s before measuring", flush=True)
            time.sleep(opts.settle_s)
        result["queries"] = measure_queries(server, queries, opts, timeout)
        lookups = [(f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}", accept_for("SELECT"))
                   for iri in iris]
        print(f"  {name}: throughput, {opts.clients} clients, {opts.seconds} s", flush=True)
        result["throughput"] = run_clients(
            server, [(opts.clients, lookups, min(10.0, timeout))], opts.seconds)[0]
        print(f"    {_fmt_load(result['throughput'])}", flush=True)
        heavy_clients = min(2, opts.clients - 1)
        print(f"  {name}: head-of-line, {heavy_clients} × {heavy.id} + "
              f"{opts.clients - heavy_clients} × lookup", flush=True)
        heavy_group, cheap_group = run_clients(
            server, [(heavy_clients, [(heavy.text, accept_for(heavy.form))], timeout),
                     (opts.clients - heavy_clients, lookups, min(10.0, timeout))],
            opts.seconds)
        result["hol"] = {"heavy": heavy_group, "cheap": cheap_group, "query": heavy.id}
        print(f"    cheap: {_fmt_load(cheap_group)}; heavy: {_fmt_load(heavy_group)}",
              flush=True)
    except Exception as exc:  # report and go on with the next engine
        result["error"] = f"{type(exc).__name__}: {exc}"
        print(f"  {name}: FAILED: {result['error']}", flush=True)
    finally:
        server.stop()
        result["peak_rss"] = server.peak_rss
        result["restarts"] = server.restarts
        if not opts.keep_data:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"  peak RSS {server.peak_rss / 2**20:.0f} MiB", flush=True)
    return result


# --------------------------------------------------------------------------- report


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds >= 10:
        return f"{seconds:.1f} s"
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _fmt_entry(entry: dict[str, Any]) -> str:
    if entry.get("status") == "ok":
        return (f"median {_ms(entry['median'])}, p99 {_ms(entry['p99'])}, "
                f"{entry['runs']} runs, {entry['rows']} rows")
    if entry.get("status") == "timeout":
        return f"> {entry['limit_s']:.0f} s (client timeout)"
    return str(entry.get("status"))


def _fmt_load(group: dict[str, Any]) -> str:
    errors = ", ".join(f"{k}: {v}" for k, v in sorted(group["errors"].items())) or "0"
    return (f"{group['throughput']:.0f} req/s, p50 {_ms(group['p50'])}, "
            f"p99 {_ms(group['p99'])}, {group['requests']} ok, errors {errors}")


def _cell(entry: dict[str, Any] | None) -> str:
    if not entry:
        return "–"
    if entry.get("status") == "ok":
        return _ms(entry["median"])
    if entry.get("status") == "timeout":
        return f"> {entry['limit_s']:.0f} s"
    if entry.get("status") == "503 (time limit)":
        return f"> {entry.get('limit_s', 0):.0f} s (503)"
    return str(entry.get("status"))


def _ratio(ours: dict[str, Any] | None, other: dict[str, Any] | None) -> str:
    """ours / other of the medians; bounds when one side timed out."""
    if not ours or not other:
        return "–"
    ok_a, ok_b = ours.get("status") == "ok", other.get("status") == "ok"
    if ok_a and ok_b:
        return f"{ours['median'] / other['median']:.2f}×" if other["median"] else "–"
    if ok_a and not ok_b and other.get("limit_s"):
        return f"< {ours['median'] / other['limit_s']:.2g}×"
    if ok_b and not ok_a and ours.get("limit_s"):
        return f"> {ours['limit_s'] / other['median']:.1f}×"
    return "–"


def _rows(per_engine: dict[str, dict[str, Any]], qid: str) -> str:
    counts = [e.get("queries", {}).get(qid, {}).get("rows") for e in per_engine.values()]
    known = {c for c in counts if c is not None}
    if len(known) <= 1:
        return str(next(iter(known))) if known else "–"
    return "/".join("–" if c is None else str(c) for c in counts) + " ⚠"


def report(size: int, triples: int, per_engine: dict[str, dict[str, Any]],
           queries: list[Query], opts: Options) -> str:
    """The Markdown tables of one size."""
    ours, oxi, rdf = (per_engine.get(n, {}) for n in ENGINES)
    lines = [f"### {size_label(size)} ({triples:,} data triples + ontology)", ""]
    lines += ["| | " + " | ".join(per_engine) + " | ours/oxigraph | ours/rdflib |",
              "|---|" + "---|" * (len(per_engine) + 2)]

    def row(label: str, getter: Any, fmt: Any, lower_is_better: bool = True) -> None:
        values = {n: getter(e) for n, e in per_engine.items()}
        cells = [fmt(v) if v is not None else "–" for v in values.values()]

        def ratio(other: str) -> str:
            a, b = values.get("ours"), values.get(other)
            if a is None or b is None or not b:
                return "–"
            return f"{a / b:.2f}×"
        lines.append(f"| {label} | " + " | ".join(cells)
                     + f" | {ratio('oxigraph')} | {ratio('rdflib')} |")

    row("load (s)", lambda e: e.get("load_s"), lambda v: f"{v:.2f}")
    row("start → first answer (s)", lambda e: e.get("ready_s"), lambda v: f"{v:.2f}")
    row("peak RSS, process tree (MiB)", lambda e: (e.get("peak_rss") or 0) / 2**20 or None,
        lambda v: f"{v:.0f}")
    row(f"lookup throughput, {opts.clients} clients (req/s, higher is better)",
        lambda e: e.get("throughput", {}).get("throughput"), lambda v: f"{v:.0f}")
    row("lookup p50 under load", lambda e: e.get("throughput", {}).get("p50"), _ms)
    row("lookup p99 under load", lambda e: e.get("throughput", {}).get("p99"), _ms)
    lines.append("| lookup errors under load | " + " | ".join(
        _errors(e.get("throughput")) for e in per_engine.values()) + " | | |")
    hol_query = next((e["hol"]["query"] for e in per_engine.values() if "hol" in e), "?")
    row(f"head-of-line: cheap p50 (2 × {hol_query} running)",
        lambda e: e.get("hol", {}).get("cheap", {}).get("p50"), _ms)
    row("head-of-line: cheap p99", lambda e: e.get("hol", {}).get("cheap", {}).get("p99"), _ms)
    row("head-of-line: cheap max", lambda e: e.get("hol", {}).get("cheap", {}).get("max"), _ms)
    lines.append("| head-of-line: cheap ok / errors | " + " | ".join(
        f"{e.get('hol', {}).get('cheap', {}).get('requests', '–')} / "
        f"{_errors(e.get('hol', {}).get('cheap'))}" for e in per_engine.values()) + " | | |")
    lines.append("| head-of-line: heavy done / errors | " + " | ".join(
        f"{e.get('hol', {}).get('heavy', {}).get('requests', '–')} / "
        f"{_errors(e.get('hol', {}).get('heavy'))}" for e in per_engine.values()) + " | | |")
    lines.append("")
    lines.append("| query | kind | rows | " + " | ".join(f"{n} p50 | {n} p99"
                                                      for n in per_engine)
                 + " | ours/oxigraph | ours/rdflib |")
    lines.append("|---|---|---|" + "---|---|" * len(per_engine) + "---|---|")
    for q in queries:
        entries = {n: e.get("queries", {}).get(q.id) for n, e in per_engine.items()}
        cells = []
        for entry in entries.values():
            cells.append(_cell(entry))
            cells.append(_ms(entry["p99"]) if entry and entry.get("status") == "ok" else "")
        lines.append(f"| {q.id} | {q.kind} | {_rows(per_engine, q.id)} | "
                     + " | ".join(cells)
                     + f" | {_ratio(entries.get('ours'), entries.get('oxigraph'))}"
                     f" | {_ratio(entries.get('ours'), entries.get('rdflib'))} |")
    failures = [f"{n}: {e['error']}" for n, e in per_engine.items() if e.get("error")]
    restarts = [f"{n} restarted {e['restarts']}×" for n, e in per_engine.items()
                if e.get("restarts")]
    if failures or restarts or ours or oxi or rdf:
        lines.append("")
    samples = []
    for n, e in per_engine.items():
        for phase, group in (("throughput", e.get("throughput")),
                             ("head-of-line cheap", e.get("hol", {}).get("cheap")),
                             ("head-of-line heavy", e.get("hol", {}).get("heavy"))):
            for kind, body in ((group or {}).get("error_samples") or {}).items():
                text = " ".join(body.split())[:120]
                samples.append(f"{n}, {phase}, first {kind} error: {text or '(no body)'}")
    for note in failures + restarts + samples:
        lines.append(f"- {note}")
    return "\n".join(lines) + "\n"


def _errors(group: dict[str, Any] | None) -> str:
    if not group:
        return "–"
    return ", ".join(f"{k}: {v}" for k, v in sorted(group["errors"].items())) or "0"


def write_report(name: str, command: str, before: tuple[float, ...], lines: list[str]) -> str:
    """A measurement's Markdown report: the command, the machine, the load average before and
    now, then ``lines``; printed and written to ``bench/out/<name>-<UTC stamp>.md``."""
    after = os.getloadavg()
    report = "\n".join([
        f"`{command}`", "", machine(),
        f"load average before {before[0]:.1f} / {before[1]:.1f} / {before[2]:.1f}, "
        f"after {after[0]:.1f} / {after[1]:.1f} / {after[2]:.1f}", "", *lines])
    print(report)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    (OUT / f"{name}-{stamp}.md").write_text(report + "\n", encoding="utf-8")
    return report


def machine() -> str:
    """One line about the machine and the versions."""
    import platform

    import pyoxigraph

    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            mem = f"{int(f.readline().split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    try:
        oxi = subprocess.run([str(VENV_BIN / "oxigraph"), "--version"], capture_output=True,
                             text=True, timeout=10).stdout.strip()
    except OSError:
        oxi = "oxigraph ?"
    try:
        from importlib.metadata import version

        rdflib_endpoint = version("rdflib-endpoint")
    except Exception:  # noqa: BLE001
        rdflib_endpoint = "not installed"
    load = os.getloadavg()
    root = Path(__file__).resolve().parents[1]
    try:
        rev = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "server"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        rev = f"commit {rev}" + (" + uncommitted changes in server/" if dirty else "")
    except OSError:
        rev = "commit ?"
    return (f"{rev}; {platform.node()}: {os.cpu_count()} CPUs, {mem} RAM, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}, pyoxigraph "
            f"{pyoxigraph.__version__}, {oxi}, rdflib-endpoint {rdflib_endpoint}; load "
            f"average at start {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> Options:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.run",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10k,100k", help="comma-separated (10k,100k,1M)")
    parser.add_argument("--engines", default="ours,oxigraph,rdflib-endpoint",
                        help="comma-separated: ours, oxigraph, rdflib-endpoint")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="duration of the throughput and head-of-line phases")
    parser.add_argument("--reps", type=int, default=5, help="timed runs per query")
    parser.add_argument("--query-budget", type=float, default=20.0,
                        help="no further runs of a query once its runs took this long (s)")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="query time limit of ours and oxigraph, and client timeout (s)")
    parser.add_argument("--rdflib-timeout", type=float, default=20.0,
                        help="client timeout for rdflib-endpoint (s); reported as > N s")
    parser.add_argument("--only", default="", help="comma-separated query ids (default: all)")
    parser.add_argument("--skip", default="", help="comma-separated query ids to leave out")
    parser.add_argument("--heavy", default="co-members",
                        help="the query the two heavy clients of the head-of-line test run")
    parser.add_argument("--ours-args", default="",
                        help="extra arguments of coopgraph serve, e.g. '--threads 16'")
    parser.add_argument("--keep-data", action="store_true", help="keep the stores after")
    parser.add_argument("--oxigraph-timeout", action="store_true",
                        help="also pass --timeout-s to oxigraph serve (see Oxigraph.command)")
    parser.add_argument("--settle", type=float, default=0.0, metavar="S",
                        help="wait S seconds after each server is ready before measuring "
                             "(our query workers copy the store into memory meanwhile)")
    args = parser.parse_args(argv)
    engines = [{"rdflib-endpoint": "rdflib"}.get(e.strip(), e.strip())
               for e in args.engines.split(",") if e.strip()]
    for e in engines:
        if e not in ENGINES:
            parser.error(f"unknown engine {e!r}")
    if args.clients < 2:
        parser.error("--clients must be at least 2 (head-of-line test)")
    return Options(
        sizes=[parse_size(s) for s in args.sizes.split(",") if s.strip()],
        engines=engines, clients=args.clients, seconds=args.seconds, reps=args.reps,
        query_budget=args.query_budget, timeout=args.timeout,
        rdflib_timeout=args.rdflib_timeout,
        only=[q for q in args.only.split(",") if q],
        skip=[q for q in args.skip.split(",") if q], heavy=args.heavy,
        ours_args=args.ours_args.split(),
        keep_data=args.keep_data, oxigraph_timeout=args.oxigraph_timeout,
        settle_s=args.settle)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print and write the report."""
    opts = parse_args(argv)
    (OUT / "data").mkdir(parents=True, exist_ok=True)
    (OUT / "work").mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    everything = {q.id: q for q in all_queries()}
    if opts.heavy not in everything:
        print(f"unknown --heavy query {opts.heavy!r}", file=sys.stderr)
        return 2
    heavy = everything[opts.heavy]
    queries = [q for q in everything.values()
               if (not opts.only or q.id in opts.only) and q.id not in opts.skip]
    command = "python -m bench.run " + " ".join(sys.argv[1:] if argv is None else argv)
    header = [f"## Run {stamp}", "", f"`{command}`", "", machine(), ""]
    sections: list[str] = []
    raw: dict[str, Any] = {"command": command, "machine": header[4], "sizes": {}}
    for size in opts.sizes:
        dataset = OUT / "data" / f"coopgraph-{size_label(size)}.nq"
        meta = dataset.with_suffix(".json")
        if not dataset.exists() or not meta.exists():
            print(f"[{size_label(size)}] generating {dataset}", flush=True)
            start = time.perf_counter()
            stats = write_dataset(size, dataset)
            meta.write_text(json.dumps({"triples": stats.triples, "counts": stats.counts,
                                        "seconds": time.perf_counter() - start}))
        info = json.loads(meta.read_text())
        iris = lookup_iris(dataset)
        per_engine: dict[str, dict[str, Any]] = {}
        for name in opts.engines:
            per_engine[name] = measure_engine(name, dataset, size, queries, iris, heavy, opts)
        raw["sizes"][size_label(size)] = {"triples": info["triples"], "engines": per_engine}
        sections.append(report(size, info["triples"], per_engine, queries, opts))
        text = "\n".join(header) + "\n" + "\n".join(sections)
        (OUT / f"report-{stamp}.md").write_text(text, encoding="utf-8")
        (OUT / f"results-{stamp}.json").write_text(json.dumps(raw, indent=1, default=str))
    print()
    print("\n".join(header) + "\n" + "\n".join(sections))
    print(f"written: {OUT / f'report-{stamp}.md'}, {OUT / f'results-{stamp}.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
