"""The benchmark's data generator: deterministic, parses, conforms to our shapes.

Run at the generator's smallest plan (2k triples: every kind of entity is there, and
pyshacl needs a few seconds, not a minute); the larger sizes only repeat the same code.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # bench/ is a package at the repository root, not installed
    sys.path.insert(0, str(ROOT))

from bench.generate import (  # noqa: E402
    ANCHOR,
    DATA_GRAPH,
    generate,
    ontology_quads,
    parse_size,
    size_label,
)
from bench.queries import all_queries  # noqa: E402
from coopgraph.validate import validate_graph  # noqa: E402

SMALL = 2_000


@pytest.fixture(scope="module")
def nquads() -> str:
    out = io.StringIO()
    generate(SMALL, out, seed=42)
    return out.getvalue()


def test_sizes() -> None:
    assert parse_size("10k") == 10_000
    assert parse_size("1M") == 1_000_000
    assert parse_size("2500") == 2_500
    assert size_label(100_000) == "100k"
    assert size_label(10_000_000) == "10M"
    with pytest.raises(ValueError):
        parse_size("lots")


def test_deterministic(nquads: str) -> None:
    again = io.StringIO()
    generate(SMALL, again, seed=42)
    assert again.getvalue() == nquads
    other = io.StringIO()
    generate(SMALL, other, seed=7)
    assert other.getvalue() != nquads


def test_parses_into_the_data_graph(nquads: str) -> None:
    quads = list(ox.parse(nquads, ox.RdfFormat.N_QUADS))
    assert len(quads) == nquads.count("\n")
    assert {q.graph_name for q in quads} == {ox.NamedNode(DATA_GRAPH)}
    assert 0.5 * SMALL < len(quads) < 2 * SMALL


def test_size_scales() -> None:
    out = io.StringIO()
    stats = generate(20_000, out, seed=42)
    assert 0.8 * 20_000 < stats.triples < 1.2 * 20_000


def test_conforms_to_the_shapes() -> None:
    out = io.StringIO()
    generate(SMALL, out, seed=42, graph=None)
    data = Graph()
    data.parse(data=out.getvalue(), format="nt")
    report = validate_graph(data)
    assert report.conforms, report.to_text()[:3000]
    assert not report.warnings, report.to_text()[:3000]


def test_every_benchmark_query_runs(nquads: str) -> None:
    store = ox.Store()
    store.load("".join(ontology_quads()), ox.RdfFormat.N_QUADS)
    store.load(nquads, ox.RdfFormat.N_QUADS)
    answered = {}
    for query in all_queries():
        result = store.query(query.text, use_default_graph_as_union=True)
        answered[query.id] = sum(1 for _ in result)
    # the anchors stand in for the real actors of queries/: their examples find something
    for qid in ("ex01", "ex02", "ex04", "ex07", "ex09", "ex11", "ex12", "lookup"):
        assert answered[qid] > 0, (qid, ANCHOR)
