"""`--engine-union`: coopgraph on Oxigraph server started with `--union-default-graph`, letting
the engine's own union default graph answer the queries that name no graph.

A real `oxigraph serve --union-default-graph` on 127.0.0.1 (tests/engines.py), stopped by PID,
holding a build and a graph of another application. In this mode the example queries answer as
on the embedded store, `GRAPH ?g` and a query's own `FROM` still range over what they name,
and the price (documented in docs/deployment.md) is real: the other application's graph is
visible to a query that names no graph. The mode is refused for the engines whose default graph
is not the union of coopgraph's graphs, and for an Oxigraph server started without the option.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import requests
import test_engines
from conftest import GRAPH, LiveServer, start_server
from engines import Engine, start_oxigraph
from test_engines import EXAMPLES, canonical

from coopgraph import remote_build
from coopgraph.config import PROJECT_ROOT
from coopgraph.store import OxigraphStore, StoreError
from coopgraph.store.remote import RemoteSettings, open_remote

pytestmark = pytest.mark.engines

#: A graph of another application on the same engine: outside coopgraph's scope.
OTHER = "urn:other-application:graph"
OTHER_TRIPLE = "<urn:other:s> <urn:other:p> 'not coopgraph data'"


# The same build graphs and embedded store as the other engines' tests (pytest fixtures).
prepared = test_engines.prepared
embedded = test_engines.embedded


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, prepared: dict[str, Any]
           ) -> Iterator[Engine]:
    """`oxigraph serve --union-default-graph` holding a build and another application's graph
    (written directly to the engine, as that application would)."""
    started = start_oxigraph(tmp_path_factory.mktemp("oxigraph-union"),
                             union_default_graph=True)
    try:
        with open_remote(started.remote_settings(engine_union=True)) as store:
            remote_build.build_remote(store, graphs=prepared, progress=lambda _: None)
        done = requests.post(started.update_url, timeout=30, data={
            "update": f"INSERT DATA {{ GRAPH <{OTHER}> {{ {OTHER_TRIPLE} }} }}"})
        assert done.status_code == 204, done.text
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="module")
def served(engine: Engine) -> Iterator[LiveServer]:
    server = start_server({"REMOTE": engine.remote_settings(engine_union=True),
                           "QUERY_TIMEOUT": 20.0})
    yield server
    server.stop()


def _select(server: LiveServer, text: str) -> Any:
    answer = requests.post(server.endpoint(), data={"query": text}, timeout=60,
                           headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200, answer.text
    return ox.parse_query_results(io.BytesIO(answer.content), ox.QueryResultsFormat.JSON)


def _count(server: LiveServer, text: str) -> int:
    rows = list(_select(server, text))
    return int(rows[0]["n"].value)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_example_answers_as_on_the_embedded_store(
        name: str, served: LiveServer, embedded: OxigraphStore) -> None:
    text = EXAMPLES[name].text
    expected = canonical(embedded.query(text)._raw, text)
    assert sum(expected.values()) > 0, name
    if re.search(r"^\s*CONSTRUCT", text, re.M):
        answer = requests.post(served.endpoint(), data={"query": text}, timeout=60,
                               headers={"Accept": "application/n-triples"})
        assert answer.status_code == 200, answer.text
        got = canonical([q.triple for q in ox.parse(answer.content, ox.RdfFormat.N_TRIPLES)],
                        text)
    else:
        got = canonical(_select(served, text), text)
    assert got == expected, f"{name}: only here {got - expected}, missing {expected - got}"


def test_graph_still_ranges_over_coopgraphs_graphs_only(served: LiveServer) -> None:
    found = _select(served, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert sorted(row["g"].value for row in found) == sorted(GRAPH.values())


def test_a_query_naming_graphs_keeps_its_union_default_graph(
        served: LiveServer, embedded: OxigraphStore) -> None:
    """A named-graph list empties Oxigraph's union default graph: such a query gets both lists,
    so its default-graph part still sees coopgraph's graphs."""
    text = (f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s a ?c . "
            f"GRAPH <{GRAPH['inferred']}> {{ ?s a ?c }} }}")
    expected = int(next(iter(embedded.query(text)._raw))["n"].value)
    assert expected > 0
    assert _count(served, text) == expected


def test_a_querys_own_from_is_honoured(served: LiveServer, embedded: OxigraphStore) -> None:
    """Oxigraph server's --union-default-graph ignores a query's FROM: coopgraph sends it as
    the protocol's dataset instead."""
    own = f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH['ontology']}> WHERE {{ ?s ?p ?o }}"
    assert _count(served, own) == embedded.count(GRAPH["ontology"]) > 0
    named_only = f"SELECT (COUNT(*) AS ?n) FROM NAMED <{GRAPH['ontology']}> WHERE {{ ?s ?p ?o }}"
    assert _count(served, named_only) == 0  # no FROM: an empty default graph
    named = (f"SELECT (COUNT(*) AS ?n) FROM NAMED <{GRAPH['ontology']}> "
             "WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert _count(served, named) == embedded.count(GRAPH["ontology"])


def test_the_price_other_graphs_are_visible_to_queries_naming_no_graph(
        served: LiveServer) -> None:
    """What docs/deployment.md warns about: with the mode on, another application's graph
    shows in the union a query naming no graph sees (with it off, only coopgraph's graphs
    are the default graph: tests/test_engines.py)."""
    ask = f"ASK {{ {OTHER_TRIPLE} }}"
    on = requests.get(served.endpoint(), params={"query": ask}, timeout=60)
    assert on.status_code == 200 and on.json()["boolean"] is True
    graph = requests.get(served.endpoint(), params={
        "query": f"ASK {{ GRAPH ?g {{ {OTHER_TRIPLE} }} }}"}, timeout=60)
    assert graph.status_code == 200 and graph.json()["boolean"] is False


def test_the_engines_union_without_the_mode_is_refused(engine: Engine) -> None:
    """It would make the server ignore a query's own FROM."""
    with pytest.raises(StoreError, match="give coopgraph --engine-union"):
        open_remote(engine.remote_settings())


def test_the_default_graph_itself_is_read_through_the_graph_store(served: LiveServer) -> None:
    """GET /store?default is the engine's own default graph (empty: coopgraph never writes
    there), not the union a query sees."""
    dump = requests.get(served.endpoint("/store") + "?default", timeout=60,
                        headers={"Accept": "application/n-triples"})
    assert dump.status_code == 200, dump.text[:300]
    assert dump.content.strip() == b""


@pytest.mark.parametrize("engine_name", ["virtuoso", "generic", "fuseki"])
def test_the_mode_is_refused_for_other_engines(engine_name: str) -> None:
    with pytest.raises(StoreError, match=f"refused for --engine {engine_name}"):
        RemoteSettings(query_url="http://127.0.0.1:1/sparql", engine=engine_name,
                       engine_union=True)


@pytest.mark.parametrize("command", ["query", "serve", "build"])
def test_the_commands_refuse_it_at_start_with_exit_2(command: str) -> None:
    env = dict(os.environ, COOPGRAPH_REMOTE_ENGINE_UNION="1")
    extra = {"query": ["ASK {}"], "serve": ["--port", "1"], "build": ["--no-validate"]}[command]
    done = subprocess.run(
        [sys.executable, "-m", "coopgraph", command, "--backend", "sparql",
         "--query-url", "http://127.0.0.1:1/sparql", "--engine", "virtuoso", *extra],
        capture_output=True, text=True, env=env, timeout=120, check=False, cwd=PROJECT_ROOT)
    assert done.returncode == 2, done.stderr
    assert "--engine-union is refused for --engine virtuoso" in done.stderr
    assert "system graphs" in done.stderr  # the reason, in a sentence
    assert "Traceback" not in done.stderr


def test_an_oxigraph_server_without_its_union_is_refused(tmp_path: Path) -> None:
    """Without --union-default-graph every query naming no graph would answer from an empty
    default graph: opening the store says so instead."""
    plain = start_oxigraph(tmp_path / "plain")
    try:
        done = requests.post(plain.update_url, timeout=30, data={
            "update": f"INSERT DATA {{ GRAPH <{GRAPH['data']}> {{ {OTHER_TRIPLE} }} }}"})
        assert done.status_code == 204
        with pytest.raises(StoreError, match="start Oxigraph server with --union-default-graph"):
            open_remote(plain.remote_settings(engine_union=True))
        with open_remote(plain.remote_settings()) as store:  # the mode off: fine
            assert store.named_graphs() == [GRAPH["data"]]
    finally:
        plain.stop()
