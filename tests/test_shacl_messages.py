"""Messages of a report: the shapes' own, or sentences of ours; pyshacl's text never."""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import SH

from coopgraph.shacl_messages import composed, describe
from coopgraph.validate import short, validate_graph

PREFIXES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <https://w3id.org/coopgraph/id/actor/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

#: Shapes without a single sh:message: every result must get a sentence of ours.
SHAPES = PREFIXES + """
ex:Year a sh:NodeShape ; sh:or ( [ sh:datatype xsd:gYear ] [ sh:datatype xsd:date ] ) .
ex:ThingShape a sh:NodeShape ; sh:targetClass ex:Thing ;
    sh:property [ sh:path ex:when ; sh:node ex:Year ] ,
        [ sh:path ex:name ; sh:minCount 1 ] ,
        [ sh:path ex:code ; sh:pattern "^[0-9]+$" ] ,
        [ sh:path ex:part ; sh:not [ sh:class ex:Thing ] ] ,
        [ sh:path ex:kind ; sh:xone ( [ sh:hasValue ex:a ] [ sh:hasValue ex:b ] ) ] .
"""

DATA = PREFIXES + """
ex:t a ex:Thing ; ex:when "hier" ; ex:code "12a" ; ex:part ex:t ; ex:kind ex:c .
"""

THING = "https://w3id.org/coopgraph/id/actor/"
RAW = ("must conform", "does not conform", "Literal(", "Details", "sh:", "Value ")


def report(lang: str):
    shapes = Graph().parse(data=SHAPES, format="turtle")
    data = Graph().parse(data=DATA, format="turtle")
    return validate_graph(data, lang=lang, shapes_graph=shapes, ont_graph=Graph())


def test_results_of_shapes_without_messages_get_our_sentences_in_both_languages() -> None:
    for lang in ("en", "fr"):
        rep = report(lang)
        by_component = {str(r.constraint_component).rsplit("#", 1)[1]: r for r in rep.results}
        assert set(by_component) == {
            "NodeConstraintComponent", "MinCountConstraintComponent",
            "PatternConstraintComponent", "NotConstraintComponent",
            "XoneConstraintComponent"}
        for r in rep.results:
            assert set(r.messages) == {"en", "fr"} and r.message == r.messages[lang]
            for raw in RAW:
                assert raw not in r.message, (raw, r.message)
    en = {str(r.constraint_component).rsplit("#", 1)[1]: r.message for r in report("en").results}
    assert en["NodeConstraintComponent"] == (
        'The value "hier" of actor:when of actor:t does not have the expected form: '
        "of type xsd:gYear or of type xsd:date.")
    assert en["MinCountConstraintComponent"] == (
        "actor:name of actor:t: at least 1 value(s) expected.")
    assert en["PatternConstraintComponent"] == (
        'The value "12a" of actor:code of actor:t must have the form ^[0-9]+$.')
    assert en["NotConstraintComponent"] == (
        "The value actor:t of actor:part of actor:t must not be: a resource of type actor:Thing.")


def test_nested_results_are_not_reported_and_carry_our_messages_in_turtle() -> None:
    rep = report("en")
    assert len(rep.results) == 5  # the sh:or inside ex:Year is not a result of its own
    turtle = rep.to_turtle()
    assert "sh:detail" in turtle  # pyshacl's nested result stays, in the standard report
    for raw in ("must conform", "does not conform", "Literal(", "Details"):
        assert raw not in turtle
    messages = {str(m) for m in Graph().parse(data=turtle, format="turtle").objects(
        None, SH.resultMessage)}
    assert '"hier" has none of the accepted forms: of type ex:Year or of type ex:Year.' \
        not in messages
    assert '"hier" has none of the accepted forms: of type xsd:gYear or of type xsd:date.' \
        in messages


def test_describe_says_what_a_value_shape_asks() -> None:
    shapes = Graph().parse(data=SHAPES, format="turtle")
    year = URIRef(THING + "Year")
    assert describe(shapes, year, "fr", short) == "de type xsd:gYear ou de type xsd:date"
    texts = composed(shapes, None, URIRef("http://www.w3.org/ns/shacl#SPARQLConstraintComponent"),
                     URIRef(THING + "t"), None, None, short)
    assert texts == {"fr": "actor:t ne respecte pas la règle SPARQL.",
                     "en": "actor:t breaks the rule SPARQL."}
