"""Property shapes given their node shapes' targets: the same results, each shape run once."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph
from rdflib.namespace import SH

from coopgraph.rdfio import read_graph
from coopgraph.shape_targets import (
    TARGETS,
    flatten_property_shapes,
    shapes_used_whole,
    top_level_shapes,
)
from coopgraph.validate import load_shapes, validate_graph

FIXTURES = Path(__file__).parent / "fixtures"
CGSH = "https://w3id.org/coopgraph/shapes#"


def keys(report) -> set[tuple]:
    return {(r.severity, r.focus_node, r.path_text, r.value, r.message, r.source_shape,
             r.constraint_component) for r in report.results}


def test_flattened_shapes_report_the_same_results() -> None:
    data = read_graph([FIXTURES / "validate" / "violations.ttl",
                       FIXTURES / "contrib" / "montreuil-mopti.ttl",
                       *sorted((FIXTURES / "build" / "data").glob("*.ttl"))])
    written = validate_graph(data)
    flat = validate_graph(data, shapes_graph=flatten_property_shapes(load_shapes()))
    assert len(written.results) > 10
    assert keys(flat) == keys(written)


def test_property_shapes_carry_the_targets_of_the_node_shapes_that_held_them() -> None:
    from rdflib import URIRef

    flat = flatten_property_shapes(load_shapes())
    actor, label = URIRef(CGSH + "ActorShape"), URIRef(CGSH + "prefLabel-fr")
    assert (actor, SH.property, None) not in flat
    assert (label, SH.targetClass, URIRef("https://w3id.org/coopgraph/ontology#Actor")) in flat
    assert label in top_level_shapes(flat)


def test_shapes_used_as_a_whole_keep_their_property_shapes() -> None:
    shapes = load_shapes()
    used = shapes_used_whole(shapes)
    flat = flatten_property_shapes(shapes)
    for node in used:
        assert set(shapes.objects(node, SH.property)) == set(flat.objects(node, SH.property))
    assert not any((node, p, None) in flat for node in used for p in TARGETS
                   if (node, p, None) not in shapes)


def test_the_written_shapes_are_not_changed() -> None:
    before = Graph()
    for triple in load_shapes():
        before.add(triple)
    flatten_property_shapes(load_shapes())
    assert set(load_shapes()) == set(before)
