"""A few contribution shapes checked once over the whole contribution in Python, not by pyshacl.

Why: pyshacl evaluates an ``sh:node``, ``sh:or`` or ``sh:qualifiedValueShape`` by validating a
nested shape for every value node, rebuilding its constraints and describing every failing
alternative in text each time. On a generated contribution of 100k triples that was about 30 s
of pyshacl's 45: ``cgsh:startDate-type`` and the other ``*-type`` date shapes (``sh:node
cgsh:DateLiteral``: an ``sh:or`` of four datatype-and-pattern alternatives, three failing for
every valid date), ``cgsh:SeedExcerptLanguageShape`` and ``cgsh:SeedExcerptLengthShape``
(an ``sh:or`` per piece of evidence), ``cgsh:prefLabel-fr`` (a qualified value shape per
label) and ``cgsh:TerritoryCountryShape`` (an ``sh:or`` per territory). The same rules are a
few set operations here.

The contribution validation (:mod:`coopgraph.contextual`) gives pyshacl the shapes without
what this module checks (:func:`without_checked`) and adds :func:`check_results`: results
with the same focus node, path, value, severity, messages, source shape and constraint
component as pyshacl's (tests/test_shape_checks.py runs both on a grid of good and bad
values). The curated build keeps pyshacl for them.

A check is used only while the shape is the one it implements: each shape's triples (its
targets, messages and severity aside, which are read from the shapes) are compared with a
fingerprint of the definition translated here (:data:`FINGERPRINTS`); edit the shape and the
contributions fall back to pyshacl for it until this module follows. A shape that another
shape uses (``sh:property``, ``sh:node``, a member of ``sh:or``…) is also left to pyshacl: its
conformance would count inside that shape.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS, XSD
from rdflib.term import Node

from .shacl_messages import result_messages
from .shape_targets import TARGETS, shapes_used_whole
from .validate import SEVERITIES, Result, _path_text, _pick, referenced_by, short

CG = Namespace("https://w3id.org/coopgraph/ontology#")
CGSH = Namespace("https://w3id.org/coopgraph/shapes#")
CGCS = Namespace("https://w3id.org/coopgraph/shapes/contribution#")
PROV = Namespace("http://www.w3.org/ns/prov#")

DATE_LITERAL = CGSH.DateLiteral
PREF_LABEL_FR = CGSH["prefLabel-fr"]
SEED_LANGUAGE = CGSH.SeedExcerptLanguageShape
SEED_LENGTH = CGSH.SeedExcerptLengthShape
TERRITORY_COUNTRY = CGSH.TerritoryCountryShape

#: What a fingerprint leaves out: read from the shapes when a result is made (messages,
#: severity), or how focus nodes are found (targets, handled for every core target).
_NOT_FINGERPRINTED = {SH.message, SH.severity, RDFS.comment, RDFS.label, CGCS.hint, *TARGETS}

#: The fingerprint of each shape's definition as translated below (see :func:`fingerprint`).
#: A test (tests/test_shape_checks.py) says when the shapes no longer match.
FINGERPRINTS = {
    DATE_LITERAL: "dacb20e44e788e09",
    PREF_LABEL_FR: "59a9396fb87e8bfa",
    SEED_LANGUAGE: "45892f08a2327ac2",
    SEED_LENGTH: "746177e8cb92e8f7",
    TERRITORY_COUNTRY: "a776554928a9f761",
}


# --------------------------------------------------------------------------------------------
# Which shapes


def _canonical(shapes: Graph, node: Node, depth: int = 0) -> str:
    """A text of ``node``'s definition that does not depend on blank-node ids."""
    if not isinstance(node, BNode) or depth > 8:
        return node.n3()
    if (node, RDF.first, None) in shapes:
        return "(" + " ".join(_canonical(shapes, i, depth + 1)
                              for i in Collection(shapes, node)) + ")"
    return "[" + _statements(shapes, node, depth + 1) + "]"


def _statements(shapes: Graph, node: Node, depth: int = 0) -> str:
    return " ; ".join(sorted(f"{p.n3()} {_canonical(shapes, o, depth)}"
                             for p, o in shapes.predicate_objects(node)
                             if p not in _NOT_FINGERPRINTED))


def fingerprint(shapes: Graph, shape: Node) -> str:
    """A short hash of ``shape``'s definition: its statements and those of the blank nodes
    and lists they hold, messages, severity and targets left out."""
    return hashlib.sha256(_statements(shapes, shape).encode()).hexdigest()[:16]


def _usable(shapes: Graph, shape: Node, used: set[Node]) -> bool:
    """Whether ``shape`` is validated only through its own core targets."""
    if shape in used or (None, SH.property, shape) in shapes:
        return False
    if (shape, SH.target, None) in shapes or (shape, SH.deactivated, None) in shapes:
        return False
    return not any((shape, RDF.type, c) in shapes for c in (RDFS.Class, OWL.Class))


def date_shapes(shapes: Graph) -> list[Node]:
    """The property shapes whose only ``sh:node`` is ``cgsh:DateLiteral``, on a single IRI path,
    when ``cgsh:DateLiteral`` is the shape translated here."""
    if fingerprint(shapes, DATE_LITERAL) != FINGERPRINTS[DATE_LITERAL]:
        return []
    used = shapes_used_whole(shapes)
    out = []
    for shape in sorted(set(shapes.subjects(SH.node, DATE_LITERAL)), key=str):
        paths = list(shapes.objects(shape, SH.path))
        if (len(list(shapes.objects(shape, SH.node))) == 1 and len(paths) == 1
                and isinstance(paths[0], URIRef) and _usable(shapes, shape, used)):
            out.append(shape)
    return out


def whole_shapes(shapes: Graph) -> list[Node]:
    """The shapes checked here as a whole whose definition is the one translated here."""
    used = shapes_used_whole(shapes)
    return [s for s in (PREF_LABEL_FR, SEED_LANGUAGE, SEED_LENGTH, TERRITORY_COUNTRY)
            if fingerprint(shapes, s) == FINGERPRINTS[s] and _usable(shapes, s, used)]


def without_checked(shapes: Graph) -> Graph:
    """A copy of ``shapes`` without what :func:`check_results` checks: the ``sh:node
    cgsh:DateLiteral`` of the date shapes (their other constraints stay with pyshacl), and the
    targets of the shapes checked whole (their triples stay: nothing validates them then)."""
    dates = date_shapes(shapes)
    whole = set(whole_shapes(shapes))
    out = Graph()
    for s, p, o in shapes:
        if s in whole and p in TARGETS:
            continue
        if p == SH.node and o == DATE_LITERAL and s in dates:
            continue
        out.add((s, p, o))
    return out


# --------------------------------------------------------------------------------------------
# pyshacl's semantics of the constraints involved


def focus_nodes(data: Graph, shapes: Graph, shape: Node) -> set[Node]:
    """The focus nodes of ``shape``'s core targets in ``data`` (classes with their subclasses,
    as ``rdfs:subClassOf*`` in the data, which holds the ontology)."""
    out: set[Node] = set(shapes.objects(shape, SH.targetNode))
    for cls in shapes.objects(shape, SH.targetClass):
        for sub in set(data.transitive_subjects(RDFS.subClassOf, cls)):
            out.update(data.subjects(RDF.type, sub))
    for prop in shapes.objects(shape, SH.targetSubjectsOf):
        out.update(s for s, _o in data.subject_objects(prop))
    for prop in shapes.objects(shape, SH.targetObjectsOf):
        out.update(o for _s, o in data.subject_objects(prop))
    return out


def _string(v: Node) -> str:
    """The text pyshacl's string constraints (sh:pattern, sh:maxLength) look at."""
    if isinstance(v, Literal) and v.value is not None and v.datatype in (
            None, RDF.langString, XSD.string):
        return str(v.value)
    return str(v)


def _matches(v: Node, pattern: re.Pattern[str]) -> bool:
    """sh:pattern: never a blank node."""
    return not isinstance(v, BNode) and pattern.search(_string(v)) is not None


def _datatype_ok(v: Node, datatype: Node) -> bool:
    """sh:datatype: a literal of that datatype, well formed where rdflib can tell."""
    if not isinstance(v, Literal) or v.datatype != datatype:
        return False
    if getattr(v, "ill_typed", None) is True:
        return False
    if datatype == XSD.date:
        return isinstance(v.value, date)
    if datatype == XSD.dateTime:
        return isinstance(v.value, datetime)
    return True  # gYear, gYearMonth: pyshacl does not check them further


def _language_in(v: Node, languages: set[str]) -> bool:
    """sh:languageIn: a literal whose tag, or its first part, is one of ``languages``."""
    if not isinstance(v, Literal) or not v.language:
        return False
    tag = str(v.language).lower()
    return tag in languages or tag.split("-")[0] in languages


def _instance_of(data: Graph, v: Node, cls: Node) -> bool:
    """sh:class: ``v`` has a type that is ``cls`` or one of its subclasses."""
    if isinstance(v, Literal):
        return False
    return any(t == cls or cls in set(data.transitive_objects(t, RDFS.subClassOf))
               for t in data.objects(v, RDF.type))


# --------------------------------------------------------------------------------------------
# The checks: (focus node, value or None) of every result of a shape


Finding = tuple[Node, Node | None, Node]  # focus node, value, constraint component
Check = Callable[[Graph, Graph, Node], Iterator[Finding]]


def _date_alternatives(shapes: Graph) -> list[tuple[Node, re.Pattern[str]]]:
    """cgsh:DateLiteral's alternatives: (datatype, pattern), from the shapes."""
    out = []
    for members in shapes.objects(DATE_LITERAL, SH["or"]):
        for alternative in Collection(shapes, members):
            datatype = shapes.value(alternative, SH.datatype)
            pattern = shapes.value(alternative, SH.pattern)
            assert datatype is not None and pattern is not None, "fingerprinted"
            out.append((datatype, re.compile(str(pattern))))
    return out


def check_date(data: Graph, shapes: Graph, shape: Node) -> Iterator[Finding]:
    """``sh:node cgsh:DateLiteral``: each value is a literal of one of the alternatives'
    datatypes, well formed, matching that alternative's pattern."""
    alternatives = _date_alternatives(shapes)
    path = shapes.value(shape, SH.path)
    ok: dict[Node, bool] = {}
    for focus in focus_nodes(data, shapes, shape):
        for v in set(data.objects(focus, path)):
            if v not in ok:
                ok[v] = any(_datatype_ok(v, dt) and _matches(v, pattern)
                            for dt, pattern in alternatives)
            if not ok[v]:
                yield focus, v, SH.NodeConstraintComponent


def check_pref_label_fr(data: Graph, shapes: Graph, shape: Node) -> Iterator[Finding]:
    """Exactly one ``skos:prefLabel`` in French (qualified min and max count 1)."""
    for focus in focus_nodes(data, shapes, shape):
        french = sum(1 for v in set(data.objects(focus, SKOS.prefLabel))
                     if _language_in(v, {"fr"}))
        if french > 1:
            yield focus, None, SH.QualifiedMaxCountConstraintComponent
        if french < 1:
            yield focus, None, SH.QualifiedMinCountConstraintComponent


def _cites_no_seed(data: Graph, focus: Node) -> bool:
    """The first alternative of the seed-excerpt shapes: no prov:entity is a SourceDocument."""
    return not any(_instance_of(data, v, CG.SourceDocument)
                   for v in set(data.objects(focus, PROV.entity)))


def check_seed_language(data: Graph, shapes: Graph, shape: Node) -> Iterator[Finding]:
    """Either the evidence cites no source document, or its excerpts are in French."""
    for focus in focus_nodes(data, shapes, shape):
        if _cites_no_seed(data, focus):
            continue
        if not all(_language_in(v, {"fr"}) for v in set(data.objects(focus, CG.excerpt))):
            yield focus, focus, SH.OrConstraintComponent


def check_seed_length(data: Graph, shapes: Graph, shape: Node) -> Iterator[Finding]:
    """Either the evidence cites no source document, or its excerpts have 600 characters at
    most (a blank node has no length: it fails)."""
    for focus in focus_nodes(data, shapes, shape):
        if _cites_no_seed(data, focus):
            continue
        if not all(not isinstance(v, BNode) and len(_string(v)) <= 600
                   for v in set(data.objects(focus, CG.excerpt))):
            yield focus, focus, SH.OrConstraintComponent


_COUNTRY_LEVEL = re.compile("/id/concept/level/country$")
_TERRITORY_LEVEL = re.compile("/id/concept/level/territory$")


def check_territory_country(data: Graph, shapes: Graph, shape: Node) -> Iterator[Finding]:
    """A territory states its country, or is a country, or is a top-level territory within
    nothing (each level value matching the pattern, at least one)."""
    for focus in focus_nodes(data, shapes, shape):
        if any(True for _ in data.objects(focus, CG.country)):
            continue
        levels = set(data.objects(focus, CG.administrativeLevel))
        if levels and all(_matches(v, _COUNTRY_LEVEL) for v in levels):
            continue
        if (levels and all(_matches(v, _TERRITORY_LEVEL) for v in levels)
                and not any(True for _ in data.objects(focus, CG.withinTerritory))):
            continue
        yield focus, focus, SH.OrConstraintComponent


WHOLE_CHECKS: dict[Node, Check] = {
    PREF_LABEL_FR: check_pref_label_fr,
    SEED_LANGUAGE: check_seed_language,
    SEED_LENGTH: check_seed_length,
    TERRITORY_COUNTRY: check_territory_country,
}


# --------------------------------------------------------------------------------------------
# Results


def _findings(data: Graph, shapes: Graph) -> Iterable[tuple[Node, Finding]]:
    for shape in date_shapes(shapes):
        for finding in check_date(data, shapes, shape):
            yield shape, finding
    for shape in whole_shapes(shapes):
        for finding in WHOLE_CHECKS[shape](data, shapes, shape):
            yield shape, finding


def check_results(data: Graph, shapes: Graph, lang: str, data_graph: Graph) -> list[Result]:
    """The results pyshacl gives for the checked shapes on ``data`` (what pyshacl validates:
    the data with the ontology), as :func:`coopgraph.validate.read_results` reads them.

    ``shapes``: the shapes before :func:`without_checked`; ``data_graph`` (the data without the
    ontology) names what points at a blank-node focus node.
    """
    out: list[Result] = []
    for shape, (focus, value, component) in _findings(data, shapes):
        path = shapes.value(shape, SH.path)
        path_text = None if path is None else _path_text(shapes, path)
        messages = result_messages(shapes, shape, None, component, focus, path_text, value,
                                   short)
        severity = SEVERITIES.get(shapes.value(shape, SH.severity) or SH.Violation, "Violation")
        out.append(Result(
            severity=severity, focus_node=focus, result_path=path, path_text=path_text,
            path_iris=None if path is None else _path_text(shapes, path, lambda t: f"<{t}>"),
            value=value, message=_pick(messages, lang), source_shape=shape,
            constraint_component=component, source_constraint=None, messages=messages,
            referenced_by=[] if isinstance(focus, URIRef) else referenced_by(data_graph, focus)))
    return out
