"""The date-order rule (``cgsh:DateOrderShape``) checked once over a whole graph, in Python.

Why: core SHACL cannot compare an ``xsd:gYear`` with an ``xsd:date``, so the shape says the
rule in SPARQL; pyshacl parses that query again (pyparsing, about half a second) for every
focus node, every resource with a ``schema:endDate``: most of the time of a large
contribution. The contribution validation (:mod:`coopgraph.contextual`) therefore takes the
constraint out of its shapes and calls :func:`date_order_results`, which gives the results
pyshacl gives (same focus node, path, value, messages, shape and constraint component); the
curated build keeps the SPARQL. tests/test_date_order.py runs both on the same dates.

The translation is only used while the shape's query is the one translated here
(:func:`python_checkable`): edit the query, and the contributions fall back to the SPARQL
until this module follows.
"""

from __future__ import annotations

from typing import cast

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import SH, XSD
from rdflib.term import Node

from .validate import SEVERITIES, Result, _path_text, _pick_message, referenced_by

CGSH = Namespace("https://w3id.org/coopgraph/shapes#")
SCHEMA = Namespace("http://schema.org/")
DATE_ORDER_SHAPE = CGSH.DateOrderShape

#: Characters of the lexical form that carry each precision (timezones never compared).
PRECISION = {XSD.gYear: 4, XSD.gYearMonth: 7, XSD.date: 10, XSD.dateTime: 19}

#: The query of the shape this module translates, as in shapes/coopgraph-shapes.ttl.
TRANSLATED_QUERY = """
    SELECT $this ?value ?path WHERE {
        $this schema:startDate ?start ; schema:endDate ?value .
        FILTER (DATATYPE(?start) IN (xsd:date, xsd:gYearMonth, xsd:gYear, xsd:dateTime)
                && DATATYPE(?value) IN (xsd:date, xsd:gYearMonth, xsd:gYear, xsd:dateTime))
        BIND (IF(DATATYPE(?start) = xsd:gYear, 4, IF(DATATYPE(?start) = xsd:gYearMonth, 7,
              IF(DATATYPE(?start) = xsd:date, 10, 19))) AS ?startPrecision)
        BIND (IF(DATATYPE(?value) = xsd:gYear, 4, IF(DATATYPE(?value) = xsd:gYearMonth, 7,
              IF(DATATYPE(?value) = xsd:date, 10, 19))) AS ?endPrecision)
        BIND (IF(?startPrecision < ?endPrecision, ?startPrecision, ?endPrecision) AS ?n)
        FILTER (SUBSTR(STR(?value), 1, ?n) < SUBSTR(STR(?start), 1, ?n))
        BIND (schema:endDate AS ?path)
    }"""


def _words(text: str) -> list[str]:
    return text.split()


def date_order_constraint(shapes: Graph) -> Node | None:
    """The shape's SPARQL constraint node, if the shape is the one this module translates:
    its only target ``sh:targetSubjectsOf schema:endDate`` and its query unchanged."""
    targets = {(p, o) for p, o in shapes.predicate_objects(DATE_ORDER_SHAPE)
               if str(p).startswith(str(SH) + "target")}
    if targets != {(SH.targetSubjectsOf, SCHEMA.endDate)}:
        return None
    constraints = list(shapes.objects(DATE_ORDER_SHAPE, SH.sparql))
    if len(constraints) != 1:
        return None
    query = shapes.value(constraints[0], SH.select)
    if query is None or _words(str(query)) != _words(TRANSLATED_QUERY):
        return None
    return constraints[0]


def python_checkable(shapes: Graph) -> bool:
    """Whether :func:`date_order_results` says what the shape's SPARQL says."""
    return date_order_constraint(shapes) is not None


def without_date_order_query(shapes: Graph) -> Graph:
    """``shapes`` (modified in place and returned) without the shape's SPARQL constraint, its
    triples kept (messages and severity stay readable for :func:`date_order_results`)."""
    constraint = date_order_constraint(shapes)
    if constraint is not None:
        shapes.remove((DATE_ORDER_SHAPE, SH.sparql, constraint))
    return shapes


def violations(graph: Graph) -> list[tuple[Node, Literal]]:
    """(resource, end date) for every end date before a start date of the same resource,
    compared on the characters both precisions have; each pair once, in graph order."""
    found: list[tuple[Node, Literal]] = []
    seen: set[tuple[Node, Literal]] = set()
    for this in dict.fromkeys(graph.subjects(SCHEMA.endDate, None)):
        starts = [s for s in graph.objects(this, SCHEMA.startDate)
                  if isinstance(s, Literal) and s.datatype in PRECISION]
        if not starts:
            continue
        for end in graph.objects(this, SCHEMA.endDate):
            if not isinstance(end, Literal) or end.datatype not in PRECISION:
                continue
            for start in starts:
                n = min(PRECISION[cast(URIRef, start.datatype)],  # both checked above
                        PRECISION[end.datatype])
                if str(end)[:n] < str(start)[:n] and (this, end) not in seen:
                    seen.add((this, end))
                    found.append((this, end))
    return found


def date_order_results(
    graph: Graph, shapes: Graph, lang: str, data_graph: Graph,
) -> list[Result]:
    """The results pyshacl gives for ``cgsh:DateOrderShape`` on ``graph`` (what pyshacl
    validates), as :func:`coopgraph.validate.read_results` reads them.

    ``shapes`` still holds the constraint (its messages: pass the shapes from before
    :func:`without_date_order_query`); ``data_graph`` (the data without the ontology) names
    what points at a blank-node focus node.
    """
    constraint = date_order_constraint(shapes)
    if constraint is None:
        raise ValueError("cgsh:DateOrderShape is not the shape coopgraph.date_order translates")
    messages = [m for m in shapes.objects(constraint, SH.message)
                if isinstance(m, Literal)]
    severity = SEVERITIES.get(shapes.value(DATE_ORDER_SHAPE, SH.severity) or SH.Violation,
                              "Violation")
    path = SCHEMA.endDate
    out: list[Result] = []
    for this, end in violations(graph):
        out.append(Result(
            severity=severity, focus_node=this, result_path=path,
            path_text=_path_text(shapes, path), path_iris=f"<{path}>", value=end,
            message=_pick_message(messages, lang), source_shape=DATE_ORDER_SHAPE,
            constraint_component=SH.SPARQLConstraintComponent, source_constraint=constraint,
            messages={m.language or "": str(m) for m in messages},
            referenced_by=[] if isinstance(this, URIRef) else referenced_by(data_graph, this)))
    return out
