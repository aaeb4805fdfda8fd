"""Readable answers: tables an analyst can read, Turtle with prefixes, quiet pipes, named typos."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from coopgraph.build import build
from coopgraph.config import CANONICAL_BASE, Sources
from coopgraph.query_hints import misspelt_keyword
from coopgraph.store import NamedNode, Triple
from coopgraph.tables import compact, graph_prefixes, render_table, turtle

FIXTURE = Path(__file__).parent / "fixtures" / "build"
BIN = Path(sys.executable).parent
CD93 = CANONICAL_BASE + "id/actor/cd93"
LONG = ("Commission Inclusion sociale, démocratie participative et droits humains de CGLU, "
        "avec un libellé assez long pour dépasser quatre-vingts caractères")


def results(*rows: dict) -> dict:
    return {"head": {"vars": ["x", "label"]}, "results": {"bindings": list(rows)}}


def table(data: dict, **kwargs) -> str:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    render_table(data, out, prefixes=graph_prefixes(CANONICAL_BASE), **kwargs)
    return out.getvalue()


def test_labels_show_without_their_language_tag_and_iris_are_compacted() -> None:
    text = table(results({"x": {"type": "uri", "value": CD93},
                          "label": {"type": "literal", "value": "CD93", "xml:lang": "fr"}}))
    assert "actor:cd93" in text and CD93 not in text
    assert "@fr" not in text and "CD93" in text


def test_long_cells_wrap_and_nothing_is_cut() -> None:
    text = table(results({"x": {"type": "uri", "value": CD93},
                          "label": {"type": "literal", "value": LONG}}), max_width=40)
    body = text.splitlines()[2:-1]
    assert len(body) > 1  # the row continues on more lines
    assert all(len(line) <= len("actor:cd93") + 3 + 40 for line in text.splitlines())
    joined = " ".join(line.split("|", 1)[1].strip() for line in body)
    assert joined == LONG


def test_max_width_zero_never_wraps() -> None:
    text = table(results({"label": {"type": "literal", "value": LONG}}), max_width=0)
    assert LONG in text


def test_an_iri_no_prefix_covers_stays_whole_in_angle_brackets() -> None:
    assert compact("http://example.org/a b", graph_prefixes(CANONICAL_BASE)) == (
        "<http://example.org/a b>")


def test_a_query_prefix_is_used_for_compaction() -> None:
    prefixes = graph_prefixes(CANONICAL_BASE, "PREFIX ex: <http://example.org/>\nASK {}")
    assert compact("http://example.org/thing", prefixes) == "ex:thing"


def test_turtle_declares_only_the_prefixes_it_uses() -> None:
    triple = Triple(NamedNode(CD93), NamedNode(CANONICAL_BASE + "ontology#governs"),
                    NamedNode(CANONICAL_BASE + "id/territory/seine-saint-denis"))
    text = turtle([triple], graph_prefixes(CANONICAL_BASE))
    assert "actor:cd93 cg:governs territory:seine-saint-denis" in text
    assert "@prefix actor:" in text and "@prefix id:" not in text
    assert list(ox.parse(text.encode(), format=ox.RdfFormat.TURTLE))


@pytest.mark.parametrize(
    ("query", "word"),
    [("SELEC * WHERE { ?s ?p ?o }", "'SELEC'"),
     ("PREFIX cg: <https://w3id.org/coopgraph/ontology#>\nSELECT ?s WHRE { ?s a cg:X }", "'WHRE'")],
)
def test_a_misspelt_keyword_is_named(query: str, word: str) -> None:
    message = misspelt_keyword(query)
    assert message is not None and word in message and "did you mean" in message


def test_example_queries_have_no_misspelt_keyword() -> None:
    for path in sorted((Path(__file__).parents[1] / "queries").glob("*.rq")):
        assert misspelt_keyword(path.read_text(encoding="utf-8")) is None, path.name


# -- the command, as a user runs it ---------------------------------------------------------

def coopgraph(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "coopgraph"), *args], capture_output=True, text=True,
                          timeout=300, env=dict(os.environ))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tables")
    shutil.copytree(FIXTURE, root / "src")
    src = root / "src"
    sources = Sources(ontology=src / "ontology", shapes=src / "shapes", data=src / "data",
                      links=src / "data" / "links", queries=src / "queries")
    build(root / "store", sources=sources, validate=False, progress=lambda _: None)
    return root / "store"


def test_the_command_names_the_misspelt_keyword(store: Path) -> None:
    run = coopgraph("query", "SELEC * WHERE { ?s ?p ?o }", "--store", str(store))
    assert run.returncode == 2
    assert "'SELEC'" in run.stderr and "SELECT" in run.stderr
    assert "Traceback" not in run.stderr


def test_construct_prints_turtle_with_prefixes(store: Path) -> None:
    run = coopgraph("query", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5",
                    "--store", str(store))
    assert run.returncode == 0, run.stderr
    assert "@prefix" in run.stdout
    assert list(ox.parse(run.stdout.encode(), format=ox.RdfFormat.TURTLE))


def test_stats_into_a_closed_pipe_ends_quietly(store: Path) -> None:
    """`coopgraph stats | head`: the reader is gone before the command writes (made certain
    here by closing the pipe's read end first); the command ends without a traceback."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        run = subprocess.run([str(BIN / "coopgraph"), "stats", "--store", str(store)],
                             stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=300)
    finally:
        os.close(write_end)
    assert run.returncode == 0
    assert "Traceback" not in run.stderr and "BrokenPipe" not in run.stderr
