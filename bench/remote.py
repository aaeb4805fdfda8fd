"""The cost of coopgraph's layer on a remote engine: coopgraph in front of Oxigraph server and
of Virtuoso, beside each engine alone, same data, same queries, one run.

``python -m bench.remote --size 100k --reps 3 --engines oxigraph,virtuoso --engine-union``

* the generator (:mod:`bench.generate`) writes the N-Quads file (cached under
  ``bench/out/data/``); each engine is started on 127.0.0.1 by :mod:`bench.engines` (the
  harness the tests use) and loaded with it: ``oxigraph load`` into its store before it
  starts; Virtuoso's bulk loader (``ld_dir`` + ``rdf_loader_run`` through ``isql-vt``);
* ``coopgraph serve --backend sparql --engine NAME`` (gunicorn, as deployed) is started in
  front of each engine on another free port; with ``--engine-union`` a second Oxigraph server
  (a copy of the same store, started with ``--union-default-graph``) gets a second coopgraph
  with ``--engine-union`` in front (the same server cannot serve both: with its union on it
  ignores a query's ``FROM``, so coopgraph refuses it without the mode);
* every benchmark query (:mod:`bench.queries`: examples, heavy analyst queries, the two cheap
  lookups) is sent to every target in turn, ``--reps`` times after one warm-up round: to
  Oxigraph server alone with its ``union-default-graph`` option, to Virtuoso alone as is
  (its default graph is the union of all its graphs), to coopgraph as a client would
  (coopgraph sends each engine its own dataset, see docs/deployment.md). The time is the whole
  response, read by a keep-alive ``requests`` client per target, JSON results (Turtle for
  CONSTRUCT/DESCRIBE). Medians and the ratios coopgraph / engine alone are printed as Markdown.

Bounded: each request has a client time-out (``--timeout``, also the servers' limit), a target
that times out on a query is not asked that query again, every loop has a count; every server
is stopped by PID at the end, also on SIGTERM.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from coopgraph.config import PROJECT_ROOT
from coopgraph.store.remote import RemoteStore

from .engines import Engine, free_port, start_oxigraph, start_virtuoso
from .generate import parse_size, size_label, write_dataset
from .queries import Query, all_queries

OUT = PROJECT_ROOT / "bench" / "out"
ENGINES = ("oxigraph", "virtuoso")


@dataclass
class Target:
    """One endpoint timed: an engine alone or coopgraph in front of one."""

    label: str
    url: str
    extra: dict[str, str] = field(default_factory=dict)  # form fields added to each query
    session: requests.Session = field(default_factory=requests.Session)
    #: Send the engine what coopgraph would (its BASE line, dataset and timeout parameters),
    #: computed by this store: the engine's share of coopgraph's time, without our layer.
    as_coopgraph: RemoteStore | None = None


@dataclass
class Family:
    """An engine, its targets (alone first) and the processes to stop."""

    engine: str
    targets: list[Target]
    engines: list[Engine] = field(default_factory=list)
    servers: list[subprocess.Popen[bytes]] = field(default_factory=list)


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


def timed(target: Target, query: Query, timeout: float) -> float | str | None:
    """Seconds for the whole answer; None past the time limit; the status on an error."""
    accept = ("text/turtle" if query.form in ("CONSTRUCT", "DESCRIBE")
              else "application/sparql-results+json")
    data: Any = {"query": query.text, **target.extra}
    if target.as_coopgraph is not None:
        store = target.as_coopgraph
        text = f"BASE <{store.prefixes[0]}>\n{query.text}"  # the app's BASE line
        data = store._query_params(text, store._dataset(query.text, True, None, None,
                                                          store.prefixes[0]))
    started = time.perf_counter()
    try:
        response = target.session.post(target.url, data=data, headers={"Accept": accept},
                                       timeout=timeout)
    except requests.Timeout:
        return None
    elapsed = time.perf_counter() - started
    if response.status_code == 503 and "did not finish" in response.text:
        return None  # our time limit (same as the client's)
    if response.status_code != 200 or response.headers.get("X-SQL-State", "").startswith("S1T"):
        print(f"{target.label} {query.id}: {response.status_code} {response.text[:200]}",
              file=sys.stderr)
        return f"error {response.status_code}"
    return elapsed


def start_coopgraph(engine: Engine, timeout: float, *extra: str) -> tuple[
        subprocess.Popen[bytes], str]:
    """``coopgraph serve --backend sparql`` in front of ``engine``; its /sparql URL."""
    port = free_port()
    env = dict(os.environ, COOPGRAPH_PASSWORD=engine.password or "")
    process = subprocess.Popen(  # noqa: S603 - our own command, loopback only
        [sys.executable, "-m", "coopgraph", "serve", *engine.cli_args(), *extra,
         "--host", "127.0.0.1", "--port", str(port), "--timeout", str(timeout)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=PROJECT_ROOT, env=env)
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        wait_ready(url, process)
    except RuntimeError:
        stop(process)
        raise
    return process, url


def dataset_target(engine: Engine, timeout: float) -> Target:
    """The engine, sent what coopgraph would send it (dataset, BASE line, timeout)."""
    from dataclasses import replace

    settings = replace(engine.remote_settings(), timeout_s=timeout)  # type: ignore[type-var]
    return Target(f"{engine.name} + coopgraph's dataset", engine.query_url,
                  as_coopgraph=RemoteStore(settings))  # type: ignore[arg-type]


def oxigraph_family(data: Path, workdir: Path, timeout: float, union: bool,
                    with_dataset: bool = False) -> Family:
    """Oxigraph server (and with ``union`` a second one with --union-default-graph), loaded
    with ``data``; coopgraph in front of each."""
    program = str(Path(sys.executable).with_name("oxigraph"))
    plain = workdir / "oxigraph"
    plain.mkdir(parents=True)
    subprocess.run([program, "load", "--location", str(plain / "db"), "--file", str(data)],  # noqa: S603
                   check=True, capture_output=True)
    if union:
        shutil.copytree(plain, workdir / "oxigraph-union")
    family = Family("oxigraph", [])
    engine = start_oxigraph(plain, timeout_s=int(timeout) + 10)
    family.engines.append(engine)
    family.targets.append(Target("oxigraph serve", engine.query_url,
                                 {"union-default-graph": ""}))
    if with_dataset:
        family.targets.append(dataset_target(engine, timeout))
    process, url = start_coopgraph(engine, timeout)
    family.servers.append(process)
    family.targets.append(Target("coopgraph", url))
    if union:
        engine_u = start_oxigraph(workdir / "oxigraph-union", union_default_graph=True,
                                  timeout_s=int(timeout) + 10)
        family.engines.append(engine_u)
        process, url = start_coopgraph(engine_u, timeout, "--engine-union")
        family.servers.append(process)
        family.targets.append(Target("coopgraph --engine-union", url))
    return family


def virtuoso_family(data: Path, workdir: Path, timeout: float,
                    with_dataset: bool = False) -> Family:
    """Virtuoso loaded with ``data`` by its bulk loader; coopgraph in front of it."""
    engine = start_virtuoso(workdir / "virtuoso")
    family = Family("virtuoso", [], engines=[engine])
    shutil.copy(data, engine.workdir / "data.nq")  # a DirsAllowed folder
    isql = shutil.which("isql-vt") or "isql-vt"
    script = (f"ld_dir('{engine.workdir}', 'data.nq', 'urn:coopgraph:bench:default'); "
              "rdf_loader_run(); checkpoint;")
    done = subprocess.run(  # noqa: S603 - a fixed program; the password is the harness's
        [isql, f"127.0.0.1:{engine.sql_port}", "dba", engine.password or "", f"exec={script}"],
        capture_output=True, timeout=1800, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"Virtuoso's bulk load failed: {done.stdout[-500:]!r}")
    family.targets.append(Target("virtuoso", engine.query_url))
    if with_dataset:
        family.targets.append(dataset_target(engine, timeout))
    process, url = start_coopgraph(engine, timeout)
    family.servers.append(process)
    family.targets.append(Target("coopgraph", url))
    return family


def count_triples(target: Target) -> int:
    answer = target.session.post(target.url, data={
        "query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", **target.extra},
        headers={"Accept": "application/sparql-results+json"}, timeout=300)
    answer.raise_for_status()
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


def cell(value: float | str | None, timeout: float) -> str:
    if value is None:
        return f"> {timeout:g}"
    return value if isinstance(value, str) else f"{value:.4f}"


def report(family: Family, rows: list[tuple[Query, dict[str, float | str | None]]],
           timeout: float) -> None:
    alone, *fronts = [t.label for t in family.targets]
    header = f"| query | kind | {alone} (s) |" + "".join(
        f" {label} (s) | ratio |" for label in fronts)
    print(f"\n{header}\n|---|---|---:|" + "---:|---:|" * len(fronts))
    ratios: dict[str, dict[str, list[float]]] = {label: {} for label in fronts}
    for query, medians in rows:
        base = medians.get(alone)
        line = f"| {query.id} | {query.kind} | {cell(base, timeout)} |"
        for label in fronts:
            ours = medians.get(label)
            ratio = ""
            if isinstance(base, float) and isinstance(ours, float):
                ratios[label].setdefault(query.kind, []).append(ours / base)
                ratio = f"{ours / base:.2f}×"
            line += f" {cell(ours, timeout)} | {ratio} |"
        print(line)
    print()
    for label in fronts:
        for kind, values in ratios[label].items():
            print(f"- {label} / {alone}, {kind}: median {statistics.median(values):.2f}× "
                  f"(min {min(values):.2f}×, max {max(values):.2f}×, {len(values)} queries)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="100k")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--engines", default="oxigraph",
                        help=f"comma-separated, among {', '.join(ENGINES)}")
    parser.add_argument("--engine-union", action="store_true",
                        help="also coopgraph --engine-union on Oxigraph server started with "
                             "--union-default-graph")
    parser.add_argument("--dataset-target", action="store_true",
                        help="also each engine alone sent what coopgraph sends it (its dataset "
                             "parameters): the engine's share of coopgraph's time")
    parser.add_argument("--kinds", default="example,heavy,light",
                        help="the kinds of queries to run (comma-separated)")
    parser.add_argument("--skip", default="",
                        help="ids of queries not to run (comma-separated), e.g. co-members")
    args = parser.parse_args(argv)
    kinds = {kind.strip() for kind in args.kinds.split(",")}
    skipped = {name.strip() for name in args.skip.split(",")}
    engines = [name.strip() for name in args.engines.split(",") if name.strip()]
    unknown = sorted(set(engines) - set(ENGINES))
    if unknown or not engines:
        parser.error(f"--engines: unknown {', '.join(unknown) or '(none)'}; "
                     f"use {', '.join(ENGINES)}")
    # A SIGTERM (e.g. from `timeout`) still runs the finally below: every server stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    size = parse_size(args.size)
    data = OUT / "data" / f"coopgraph-{size_label(size)}.nq"
    if not data.exists():
        print(f"generating {data}", file=sys.stderr)
        write_dataset(size, data)
    workdir = Path(tempfile.mkdtemp(prefix="coopgraph-bench-remote-"))
    families: list[Family] = []
    results: dict[str, list[tuple[Query, dict[str, float | str | None]]]] = {}
    try:
        for name in engines:
            started = time.monotonic()
            if name == "oxigraph":
                families.append(oxigraph_family(data, workdir, args.timeout, args.engine_union,
                                                args.dataset_target))
            else:
                families.append(virtuoso_family(data, workdir, args.timeout,
                                                args.dataset_target))
            alone = families[-1].targets[0]
            print(f"{name}: {count_triples(alone)} triples in the engine's default graph, "
                  f"ready in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
        for family in families:
            results[family.engine] = []
        for query in [q for q in all_queries() if q.kind in kinds and q.id not in skipped]:
            times: dict[str, list[float]] = {}
            outcome: dict[str, float | str | None] = {}
            for rep in range(args.reps + 1):  # the first round warms every target up
                for family in families:
                    for target in family.targets:
                        key = f"{family.engine}/{target.label}"
                        if key in outcome:  # timed out or failed: not asked again
                            continue
                        elapsed = timed(target, query, args.timeout)
                        if not isinstance(elapsed, float):
                            outcome[key] = elapsed
                        elif rep > 0:
                            times.setdefault(key, []).append(elapsed)
            for family in families:
                medians: dict[str, float | str | None] = {}
                for target in family.targets:
                    key = f"{family.engine}/{target.label}"
                    medians[target.label] = (outcome[key] if key in outcome
                                             else statistics.median(times[key]))
                results[family.engine].append((query, medians))
                print(f"{query.id} {family.engine}: {medians}", file=sys.stderr, flush=True)
    finally:
        for family in families:
            for process in family.servers:
                stop(process)
            for engine in family.engines:
                engine.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\n{size_label(size)} triples ({data.name}), {args.reps} runs after a warm-up, "
          f"median seconds, {args.timeout:g} s limit")
    for family in families:
        print(f"\n### {family.engine}")
        report(family, results[family.engine], args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
