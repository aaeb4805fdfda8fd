"""The `coopgraph` command as a user runs it: real processes, exit codes, messages."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from conftest import FixtureBuild

from coopgraph import config

BIN = Path(sys.executable).parent
CD93 = config.CANONICAL_BASE + "id/actor/cd93"


def coopgraph(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "coopgraph"), *args], capture_output=True, text=True, timeout=300,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def store(fixture_build: FixtureBuild) -> Path:
    """A small store built from the fixture sources (once per session, read only)."""
    return fixture_build.store


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def remote_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real third-party SPARQL endpoint (`oxigraph serve`) on loopback, with one triple."""
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph")
    proc = subprocess.Popen(
        [str(BIN / "oxigraph"), "serve", "--location", str(location),
         "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(base + "/query", params={"query": "ASK {}"}, timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        loaded = requests.post(base + "/store?default", data=f'<{CD93}> <http://ex/p> "x" .',
                               headers={"Content-Type": "application/n-triples"}, timeout=5)
        loaded.raise_for_status()
        yield base + "/query"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_query_prints_a_table_by_default(store: Path) -> None:
    run = coopgraph("query", "SELECT ?s WHERE { ?s a ?c } ORDER BY ?s", "--store", str(store))
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].strip() == "s"
    assert "actor:cd93" in run.stdout  # IRIs compacted with the graph's prefixes (tables.py)
    assert lines[-1].startswith("(") and "row" in lines[-1]


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json"])
def test_query_writes_the_standard_result_formats(store: Path, fmt: str) -> None:
    run = coopgraph("query", "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1", "--store", str(store),
                    "--format", fmt)
    assert run.returncode == 0, run.stderr
    if fmt == "json":
        assert json.loads(run.stdout)["head"]["vars"] == ["s"]
    else:
        assert run.stdout.splitlines()[0].strip() in ("s", "?s")


def test_query_reads_a_query_file(store: Path, tmp_path: Path) -> None:
    rq = tmp_path / "q.rq"
    rq.write_text("ASK { ?s ?p ?o }", encoding="utf-8")
    run = coopgraph("query", str(rq), "--store", str(store))
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "true"


def test_a_syntax_error_is_one_clear_line_with_its_position(store: Path) -> None:
    run = coopgraph("query", "SELECT ?s WHERE { ?s ?p }", "--store", str(store))
    assert run.returncode == 2
    assert "syntax error" in run.stderr and "1:" in run.stderr
    assert "Traceback" not in run.stderr


def test_query_without_a_store_says_how_to_make_one(tmp_path: Path) -> None:
    run = coopgraph("query", "ASK {}", "--store", str(tmp_path / "nothing"))
    assert run.returncode == 1
    assert "coopgraph build" in run.stderr


def test_query_on_a_remote_endpoint(remote_endpoint: str) -> None:
    run = coopgraph("query", "SELECT ?o WHERE { ?s ?p ?o }", "--endpoint", remote_endpoint,
                    "--format", "csv")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["o", "x"]


def test_an_unreachable_endpoint_is_a_clear_error() -> None:
    run = coopgraph("query", "ASK {}", "--endpoint", f"http://127.0.0.1:{free_port()}/sparql")
    assert run.returncode == 1
    assert "Traceback" not in run.stderr and run.stderr.startswith("coopgraph query:")


def test_stats_reports_graphs_and_link_coverage(store: Path) -> None:
    run = coopgraph("stats", "--store", str(store), "--format", "json")
    assert run.returncode == 0, run.stderr
    stats = json.loads(run.stdout)
    assert stats["graphs"][config.graph_iri("data", config.CANONICAL_BASE)] == 3
    assert stats["classes"][config.CANONICAL_BASE + "ontology#LocalGovernment"] == 1
    actors = next(c for c in stats["coverage"] if c["family"] == "actors")
    assert actors == {"family": "actors", "total": 1, "linked": 0, "share": 0.0}


def test_build_refusing_to_overwrite_a_directory_exits_1(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    run = coopgraph("build", "--store", str(tmp_path / "store"))
    assert run.returncode == 1
    assert "not a store link" in run.stderr and "unchanged" in run.stderr
    assert "Traceback" not in run.stderr
