"""Validation split between processes: the parts' results are the whole's."""

from __future__ import annotations

from pathlib import Path

from rdflib import BNode, Graph
from rdflib.graph import ReadOnlyGraphAggregate
from rdflib.namespace import SH

from coopgraph.contextual import (
    _neighbourhood,
    _pyshacl_shapes,
    _validation_data,
    curated_context,
    parse_contribution_file,
)
from coopgraph.shacl_parts import part_shapes, split, validate_in_parts
from coopgraph.shape_targets import TARGETS, top_level_shapes
from coopgraph.validate import load_ontology

FIXTURES = Path(__file__).parent / "fixtures"


def term(t) -> str:
    return "" if t is None else "[]" if isinstance(t, BNode) else t.n3()


def key(r) -> tuple:
    return (r.severity, term(r.focus_node), r.path_text, term(r.value), r.message,
            str(r.source_shape), str(r.constraint_component),
            tuple((term(s), p) for s, p in r.referenced_by))


def results(graph: Graph, processes: int) -> list[tuple]:
    neighbourhood = _neighbourhood(graph, curated_context())
    view = ReadOnlyGraphAggregate([graph, neighbourhood])
    with _validation_data(graph, neighbourhood, load_ontology()) as data:
        found = validate_in_parts(data, _pyshacl_shapes(), view, "en", processes)
    return sorted(map(key, found))


def test_two_processes_find_what_one_finds() -> None:
    for path in (FIXTURES / "contrib" / "montreuil-mopti.ttl",
                 FIXTURES / "validate" / "violations.ttl"):
        graph = parse_contribution_file(path).graph
        one = results(graph, 1)
        assert one and results(graph, 2) == one


def test_each_top_level_shape_is_in_exactly_one_part() -> None:
    shapes = _pyshacl_shapes()
    graph = parse_contribution_file(FIXTURES / "contrib" / "montreuil-mopti.ttl").graph
    groups = split(shapes, graph, 2)
    assert len(groups) == 2
    flat = [s for g in groups for s in g]
    assert sorted(flat, key=str) == top_level_shapes(shapes)
    part = part_shapes(shapes, groups[0])
    assert top_level_shapes(part) == sorted(groups[0], key=str)
    assert len(part) == len(shapes) - sum(
        1 for s in groups[1] for p in TARGETS for _ in shapes.objects(s, p))
    assert set(part.subjects(SH.path, None)) == set(shapes.subjects(SH.path, None))
