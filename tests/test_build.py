"""`coopgraph build`: one named graph per kind, the closure apart, atomic and idempotent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FixtureBuild, fixture_sources

from coopgraph import config
from coopgraph.build import BuildError, build, prepare_graphs
from coopgraph.config import Sources
from coopgraph.store import open_store

FIXTURE = Path(__file__).parent / "fixtures" / "build"
BASE = config.CANONICAL_BASE
CD93 = BASE + "id/actor/cd93"


def quiet(_: str) -> None:
    """Swallow progress lines in tests."""


@pytest.fixture
def sources(tmp_path: Path) -> Sources:
    root = tmp_path / "src"
    shutil.copytree(FIXTURE, root)
    return Sources(ontology=root / "ontology", shapes=root / "shapes", data=root / "data",
                   links=root / "data" / "links", queries=root / "queries")


def ask(store_path: Path, query: str) -> bool:
    store = open_store(store_path, read_only=True)
    try:
        return store.query(query).boolean
    finally:
        store.close()


def test_each_kind_of_content_gets_its_own_named_graph(fixture_build: FixtureBuild) -> None:
    assert set(fixture_build.counts) == {config.graph_iri(k, BASE) for k in config.GRAPH_KINDS}
    store = open_store(fixture_build.store, read_only=True)
    try:
        assert set(store.named_graphs()) == set(fixture_build.counts)
        assert store.count(config.graph_iri("data", BASE)) == 3
        assert store.count(config.graph_iri("links", BASE)) == 1
        assert store.count("") == 0, "nothing goes into the default graph"
    finally:
        store.close()


def test_the_closure_lives_in_the_inferred_graph_only(fixture_build: FixtureBuild) -> None:
    store = fixture_build.store
    inferred, data = config.graph_iri("inferred", BASE), config.graph_iri("data", BASE)
    actor = f"<{BASE}ontology#Actor>"
    assert ask(store, f"ASK {{ GRAPH <{inferred}> {{ <{CD93}> a {actor} }} }}")
    assert ask(store, f"ASK {{ GRAPH <{inferred}> {{ ?t <{BASE}ontology#governedBy> <{CD93}> }} }}")
    assert not ask(store, f"ASK {{ GRAPH <{data}> {{ <{CD93}> a {actor} }} }}")


def test_a_build_loads_exactly_the_prepared_graphs(fixture_build: FixtureBuild) -> None:
    """prepare_graphs is the build's steps 1-3 (the remote build loads the same graphs)."""
    lines: list[str] = []
    graphs = prepare_graphs(fixture_sources(), BASE, validate=False, progress=lines.append,
                            steps=5)
    assert [line.split(" ", 1)[0] for line in lines] == ["[1/5]", "[2/5]", "[3/5]"]
    assert {config.graph_iri(kind, BASE): len(graphs[kind]) for kind in config.GRAPH_KINDS} \
        == fixture_build.counts


def test_a_kind_without_files_is_refused(sources: Sources) -> None:
    for path in sources.shapes.glob("*.ttl"):
        path.unlink()
    with pytest.raises(BuildError, match="no Turtle files found for the shapes graph"):
        prepare_graphs(sources, BASE, validate=False, progress=quiet, steps=6)


def test_rebuilding_is_idempotent(sources: Sources, tmp_path: Path) -> None:
    first = build(tmp_path / "store", sources=sources, validate=False, progress=quiet)
    second = build(tmp_path / "store", sources=sources, validate=False, progress=quiet)
    assert first.counts == second.counts
    assert first.store_dir != second.store_dir
    assert (tmp_path / "store").resolve() == second.store_dir.resolve()


def test_a_failed_build_leaves_the_previous_store_intact(sources: Sources, tmp_path: Path) -> None:
    good = build(tmp_path / "store", sources=sources, validate=False, progress=quiet)
    (sources.data / "broken.ttl").write_text("<a> <b> .\n", encoding="utf-8")
    with pytest.raises(BuildError) as failure:
        build(tmp_path / "store", sources=sources, validate=False, progress=quiet)
    assert "broken.ttl:1:" in str(failure.value), "the error names file:line:column"
    assert (tmp_path / "store").resolve() == good.store_dir.resolve()
    assert ask(tmp_path / "store", f"ASK {{ GRAPH ?g {{ <{CD93}> ?p ?o }} }}")


def test_an_invalid_dataset_is_refused_before_loading(sources: Sources, tmp_path: Path) -> None:
    good = build(tmp_path / "store", sources=sources, validate=False, progress=quiet)
    (sources.data / "nolabel.ttl").write_text(
        f"<{BASE}id/actor/x> a <{BASE}ontology#LocalGovernment> .\n", encoding="utf-8"
    )
    with pytest.raises(BuildError, match="does not conform"):
        build(tmp_path / "store", sources=sources, validate=True, progress=quiet)
    assert (tmp_path / "store").resolve() == good.store_dir.resolve()


def test_the_base_iri_is_configurable(sources: Sources, tmp_path: Path) -> None:
    other = "http://127.0.0.1:8000/"
    build(tmp_path / "store", sources=sources, validate=True, base=other, progress=quiet)
    assert ask(tmp_path / "store", f"ASK {{ GRAPH <{other}graph/data> {{ <{other}id/actor/cd93> "
                                   f"a <{other}ontology#LocalGovernment> }} }}")
    assert not ask(tmp_path / "store", f"ASK {{ GRAPH ?g {{ <{CD93}> ?p ?o }} }}")


def test_a_plain_directory_is_never_overwritten(sources: Sources, tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "precious").write_text("keep me", encoding="utf-8")
    with pytest.raises(BuildError, match="not a store link"):
        build(tmp_path / "store", sources=sources, validate=False, progress=quiet)
    assert (tmp_path / "store" / "precious").read_text(encoding="utf-8") == "keep me"


def test_a_query_with_from_reads_only_that_graph(fixture_build: FixtureBuild) -> None:
    """The union default graph must not swallow a query's own FROM clause."""
    links = config.graph_iri("links", BASE)
    store = open_store(fixture_build.store, read_only=True)
    try:
        result = store.query(f"SELECT (COUNT(*) AS ?n) FROM <{links}> WHERE {{ ?s ?p ?o }}")
        assert int(next(result.rows())["n"].value) == 1
    finally:
        store.close()


def test_a_build_never_prunes_a_build_a_process_holds(sources: Sources, tmp_path: Path) -> None:
    first = build(tmp_path / "store", sources=sources, validate=False, progress=quiet)
    reader = open_store(tmp_path / "store", read_only=True)  # holds the first build
    try:
        assert reader.path == first.store_dir.resolve(), "the link is followed once, at open"
        second = build(tmp_path / "store", sources=sources, validate=False, progress=quiet)
        third = build(tmp_path / "store", sources=sources, validate=False, progress=quiet)
        assert first.store_dir.is_dir() and reader.count() > 0
        assert not second.store_dir.exists(), "an unheld older build is pruned"
    finally:
        reader.close()
    build(tmp_path / "store", sources=sources, validate=False, progress=quiet)
    assert not first.store_dir.exists() and not third.store_dir.exists()


def test_two_builds_of_one_store_never_run_at_once(sources: Sources, tmp_path: Path) -> None:
    from coopgraph.builds import BuildLock, builds_dir

    build(tmp_path / "store", sources=sources, validate=False, progress=quiet)
    with BuildLock(builds_dir(tmp_path / "store")):  # another build is running
        with pytest.raises(BuildError, match="another `coopgraph build`"):
            build(tmp_path / "store", sources=sources, validate=False, progress=quiet)
    build(tmp_path / "store", sources=sources, validate=False, progress=quiet)
