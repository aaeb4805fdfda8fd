"""The date order checked in Python says exactly what the shape's SPARQL says, once per mistake."""

from __future__ import annotations

import itertools

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import SH, XSD

from coopgraph.contextual import (
    _pyshacl_shapes,
    contribution_shapes,
    parse_contribution,
    validate_contribution,
)
from coopgraph.date_order import (
    DATE_ORDER_SHAPE,
    date_order_results,
    python_checkable,
    without_date_order_query,
)
from coopgraph.validate import load_ontology, load_shapes, validate_graph

SCHEMA = Namespace("http://schema.org/")
ID = Namespace("https://w3id.org/coopgraph/id/partnership/")

#: Dates of every precision, with timezones, fractions, ill-typed and odd values among them.
DATES = [
    Literal("2010", datatype=XSD.gYear), Literal("2009", datatype=XSD.gYear),
    Literal("2010Z", datatype=XSD.gYear), Literal("0999", datatype=XSD.gYear),
    Literal("2010-03", datatype=XSD.gYearMonth), Literal("2010-01", datatype=XSD.gYearMonth),
    Literal("2009-12", datatype=XSD.gYearMonth), Literal("1998-13", datatype=XSD.gYearMonth),
    Literal("2010-03-15", datatype=XSD.date), Literal("2010-03-14", datatype=XSD.date),
    Literal("2010-03-15+01:00", datatype=XSD.date), Literal("2017-02-30", datatype=XSD.date),
    Literal("garbage", datatype=XSD.date),
    Literal("2010-03-15T10:00:00", datatype=XSD.dateTime),
    Literal("2010-03-15T09:00:00Z", datatype=XSD.dateTime),
    Literal("2010-03-15T10:00:00.5", datatype=XSD.dateTime),
    Literal("2010"), Literal("2010-03-15", datatype=XSD.string), Literal("2010-03-15", lang="fr"),
    Literal("20", datatype=XSD.integer), URIRef("https://example.org/not-a-date"),
]


def dated_graph() -> Graph:
    """Resources whose start and end dates make every pair of DATES (a few pairs each, so
    that several start and end dates sit on one resource too)."""
    g = Graph()
    pairs = list(itertools.product(DATES, DATES))
    for i in range(0, len(pairs), 7):
        this = ID[f"p{i}"] if i % 2 else BNode()
        if not isinstance(this, URIRef):
            g.add((ID[f"holder{i}"], SCHEMA.subjectOf, this))
        for start, end in pairs[i:i + 7]:
            g.add((this, SCHEMA.startDate, start))
            g.add((this, SCHEMA.endDate, end))
    return g


def key(r) -> tuple:
    return (r.severity, r.focus_node, r.result_path, r.path_text, r.value, r.message,
            tuple(sorted(r.messages.items())), r.source_shape, r.constraint_component,
            tuple(r.referenced_by))


def test_python_and_sparql_find_the_same_violations_with_the_same_results() -> None:
    data = dated_graph()
    by_sparql = [r for r in validate_graph(data, lang="fr").results
                 if r.source_shape == DATE_ORDER_SHAPE]
    merged = Graph()
    for triple in itertools.chain(data, load_ontology()):
        merged.add(triple)
    by_python = date_order_results(merged, load_shapes(), "fr", data)
    assert len(by_sparql) > 20  # the grid has violations of every kind
    assert sorted(map(key, by_python), key=str) == sorted(map(key, by_sparql), key=str)


def test_the_contribution_shapes_leave_the_date_order_to_python() -> None:
    assert python_checkable(contribution_shapes())
    assert (DATE_ORDER_SHAPE, SH.sparql, None) in contribution_shapes()
    assert (DATE_ORDER_SHAPE, SH.sparql, None) not in _pyshacl_shapes()


def test_an_edited_query_is_left_to_sparql() -> None:
    shapes = Graph()
    for s, p, o in load_shapes():
        if p == SH.select:
            o = Literal(str(o).replace("<", "<="))
        shapes.add((s, p, o))
    assert not python_checkable(shapes)
    assert (DATE_ORDER_SHAPE, SH.sparql, None) in without_date_order_query(shapes)


def test_an_end_before_the_start_is_reported_once_with_the_shapes_message_and_hint() -> None:
    text = """@prefix cg: <https://w3id.org/coopgraph/ontology#> .
@prefix actor: <https://w3id.org/coopgraph/id/actor/> .
@prefix partnership: <https://w3id.org/coopgraph/id/partnership/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix schema: <http://schema.org/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://example.org/doc> a cg:Document ; dcterms:title "Rapport"@fr .
partnership:p a cg:Partnership ; skos:prefLabel "P"@fr ;
    cg:party actor:cd93 , actor:afd ; dcterms:source <https://example.org/doc> ;
    cg:evidence [ a cg:Evidence ; prov:entity <https://example.org/doc> ;
                  cg:excerpt "Un extrait."@fr ] ;
    schema:startDate "2010-06"^^xsd:gYearMonth ;
    schema:endDate "2001-05-04"^^xsd:date .
"""
    for lang, message, hint in (
        ("en", "The end date (schema:endDate) is before the start date (schema:startDate).",
         "Check both dates: schema:endDate cannot come before schema:startDate (swapped?)."),
        ("fr", "La date de fin (schema:endDate) précède la date de début (schema:startDate).",
         "Vérifiez les deux dates : schema:endDate ne peut pas précéder schema:startDate "
         "(inversées ?)."),
    ):
        report = validate_contribution(parse_contribution(text.encode(), "text/turtle"),
                                       lang=lang)
        assert not report.conforms
        (found,) = report.violations
        assert (found.focus_node, found.path_text, str(found.value)) == (
            ID.p, "schema:endDate", "2001-05-04")
        assert (found.message, found.hint, found.line) == (message, hint, 10)
        assert found.source_shape == DATE_ORDER_SHAPE
        assert found.constraint_component == SH.SPARQLConstraintComponent
