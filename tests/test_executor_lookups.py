"""Lookups bounded by their shape are answered in the web process, exactly as a worker would.

The executors here are real (worker processes included): each answer of the lookup path is
compared with the same query answered by a worker (an executor with ``lookup_max_rows=0``):
the same rows, serialised by the engine the same way (row order is unspecified without ORDER
BY, and a worker's in-memory copy orders them differently), and ``lookups_answered`` says
which path answered.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from coopgraph.executor import Executor, Limits
from coopgraph.executor.lookups import recognise
from coopgraph.store import RESULT_FORMATS, OxigraphStore, QuerySyntaxError, open_store

EX = "http://example.org/"
G = "http://example.org/graph/one"
#: ``ex:hub`` has 30 triples; ``ex:a`` two, in two graphs.
DATA = (
    f"INSERT DATA {{ GRAPH <{G}> {{ <{EX}a> <{EX}p> \"one\"@en ; a <{EX}Thing> . "
    + " ".join(f"<{EX}hub> <{EX}link> <{EX}n{i}> ." for i in range(30))
    + f" }} <{EX}a> <{EX}q> 42 . }}"
)
MAX_ROWS = 10


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphStore]:
    st = open_store(Path(tmp_path_factory.mktemp("lookups")) / "store")
    st.update(DATA)
    yield st
    st.close()


@pytest.fixture(scope="module")
def lean(store: OxigraphStore) -> Iterator[Executor]:
    ex = Executor(store, limits=Limits(pool_size=1, lookup_max_rows=MAX_ROWS))
    yield ex
    ex.close()


@pytest.fixture(scope="module")
def workers(store: OxigraphStore) -> Iterator[Executor]:
    ex = Executor(store, limits=Limits(pool_size=1, lookup_max_rows=0))
    yield ex
    ex.close()


def run(ex: Executor, query: str, media_type: str = "application/sparql-results+json",
        **kwargs: object) -> tuple[bytes, bool]:
    """The answer, and whether it came from the lookup path."""
    before = ex.lookups_answered
    body = b"".join(ex.run_query(query, media_type=media_type, **kwargs))  # type: ignore[arg-type]
    return body, ex.lookups_answered == before + 1


@pytest.mark.parametrize("query", [
    f"SELECT ?p ?o WHERE {{ <{EX}a> ?p ?o }}",
    f"select * {{ <{EX}a> ?p ?o . }}",
    f"PREFIX ex: <{EX}>\n# a comment\nSELECT ?o WHERE {{ ex:a ex:p ?o }} LIMIT 5",
    f"BASE <{EX}> SELECT ?t {{ <a> a ?t }}",
    f"ASK {{ <{EX}a> <{EX}p> ?o }}",
])
def test_shapes_bounded_by_construction_are_lookups(query: str) -> None:
    assert recognise(query, MAX_ROWS) is not None


@pytest.mark.parametrize("query", [
    "SELECT ?p ?o WHERE { ?s ?p ?o }",  # no fixed subject: the whole store
    f"SELECT ?o WHERE {{ _:b <{EX}p> ?o }}",  # a blank node is a variable
    f"SELECT DISTINCT ?p WHERE {{ <{EX}a> ?p ?o }}",
    f"SELECT ?o WHERE {{ <{EX}a> ?p ?o }} ORDER BY ?o",
    f"SELECT ?o WHERE {{ <{EX}a> ?p ?o FILTER(isIRI(?o)) }}",
    f"SELECT ?o WHERE {{ <{EX}a> ?p ?o . ?o ?q ?r }}",
    f"SELECT ?o WHERE {{ <{EX}a> <{EX}p>+ ?o }}",
    f"SELECT ?o WHERE {{ <{EX}a> <{EX}p>/<{EX}p> ?o }}",
    f"SELECT ?o WHERE {{ <{EX}a> ?p ?o }} LIMIT {MAX_ROWS + 1}",
    f"SELECT ?o WHERE {{ <{EX}a> ?p ?o }} OFFSET 1",
    f"SELECT (COUNT(*) AS ?n) WHERE {{ <{EX}a> ?p ?o }}",
    f"SELECT ?o FROM <{G}> WHERE {{ <{EX}a> ?p ?o }}",
    f"SELECT ?o WHERE {{ <{EX}a> ?p ?o }} VALUES ?o {{ 1 }}",
    f"SELECT ?o WHERE {{ SERVICE <{EX}s> {{ <{EX}a> ?p ?o }} }}",
    f"CONSTRUCT {{ <{EX}a> ?p ?o }} WHERE {{ <{EX}a> ?p ?o }}",
    f"DESCRIBE <{EX}a>",
])
def test_shapes_that_can_read_more_than_they_return_are_not(query: str) -> None:
    assert recognise(query, MAX_ROWS) is None


def rows(body: bytes, media_type: str) -> list[str]:
    """The rows of a serialised result, sorted: lines for CSV, parsed solutions otherwise."""
    if media_type == "text/csv":
        head, *lines = body.decode().split("\r\n")
        return [head, *sorted(lines)]
    parsed = ox.parse_query_results(body, RESULT_FORMATS[media_type])
    assert isinstance(parsed, ox.QuerySolutions)
    return sorted(str(solution) for solution in parsed)


@pytest.mark.parametrize("media_type", sorted(RESULT_FORMATS))
def test_a_lookup_is_answered_here_as_a_worker_answers_it(
        lean: Executor, workers: Executor, media_type: str) -> None:
    query = f"SELECT ?p ?o WHERE {{ <{EX}a> ?p ?o }}"
    body, here = run(lean, query, media_type)
    expected, _ = run(workers, query, media_type)
    assert here
    assert rows(body, media_type) == rows(expected, media_type)
    assert len(body) == len(expected)  # the same serialisation, rows in another order
    assert b"one" in body and b"42" in body  # both graphs: the union default graph


def test_ask_is_answered_here(lean: Executor, workers: Executor) -> None:
    for query in (f"ASK {{ <{EX}a> <{EX}p> ?o }}", f"ASK {{ <{EX}a> <{EX}nothing> ?o }}"):
        body, here = run(lean, query)
        assert here
        assert body == run(workers, query)[0]
    assert json.loads(run(lean, f"ASK {{ <{EX}a> a <{EX}Thing> }}")[0])["boolean"] is True


def test_more_rows_than_the_bound_go_to_a_worker_and_come_back_whole(lean: Executor) -> None:
    body, here = run(lean, f"SELECT ?o WHERE {{ <{EX}hub> <{EX}link> ?o }}")
    assert not here
    assert len(json.loads(body)["results"]["bindings"]) == 30


def test_a_limit_within_the_bound_is_the_query_s_own(lean: Executor) -> None:
    body, here = run(lean, f"SELECT ?o WHERE {{ <{EX}hub> <{EX}link> ?o }} LIMIT 3")
    assert here
    assert len(json.loads(body)["results"]["bindings"]) == 3


def test_protocol_dataset_goes_to_a_worker(lean: Executor) -> None:
    body, here = run(lean, f"SELECT ?o WHERE {{ <{EX}a> ?p ?o }}", default_graphs=[G])
    assert not here
    values = {b["o"]["value"] for b in json.loads(body)["results"]["bindings"]}
    assert values == {"one", f"{EX}Thing"}  # the default graph is G alone: no 42


def test_a_syntax_error_is_reported_with_its_position(lean: Executor) -> None:
    with pytest.raises(QuerySyntaxError) as err:
        b"".join(lean.run_query("SELECT ?o WHERE { undeclared:a ?p ?o }"))
    assert err.value.line == 1 and err.value.column is not None


def test_a_lookup_sees_a_write_at_once(store: OxigraphStore, lean: Executor) -> None:
    query = f"SELECT ?o WHERE {{ <{EX}fresh> <{EX}p> ?o }}"
    assert json.loads(run(lean, query)[0])["results"]["bindings"] == []
    lean.run_update(f"INSERT DATA {{ <{EX}fresh> <{EX}p> \"new\" }}")
    body, here = run(lean, query)
    assert here
    assert [b["o"]["value"] for b in json.loads(body)["results"]["bindings"]] == ["new"]


def test_off_when_the_bound_is_zero(workers: Executor) -> None:
    assert not run(workers, f"SELECT ?o WHERE {{ <{EX}a> ?p ?o }}")[1]
    assert workers.lookups_answered == 0
