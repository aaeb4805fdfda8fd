"""A few contribution shapes checked once over the whole contribution in Python, not by pyshacl.

Why: pyshacl evaluates an ``sh:node``, ``sh:or`` or ``sh:qualifiedValueShape`` by validating a
nested shape for every value node, rebuilding its constraints and describing every failing
alternative in text each time. On a generated contribution of 100k triples that was about 30 s
of pyshacl's 45: ``cgsh:startDate-type`` and the other ``*-type`` date shapes (``sh:node
cgsh:DateLiteral``: an ``sh:or`` of four datatype-and-pattern alternatives, three failing for
every valid date), ``cgsh:SeedExcerptLanguageShape`` and ``cgsh:SeedExcerptLengthShape``
(an ``sh:or`` per piece of evidence), ``cgsh:prefLabel-fr`` (a qualified value shape per
label) and ``cgsh:TerritoryCountryShape`` (an ``sh:or`` per territory). The same rules are a
few set operations here; so are the other value shapes used through ``sh:node``
(``cgsh:NumberLiteral``, ``cgsh:PlaceNode``).

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
from decimal import Decimal
from typing import Any

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
NUMBER_LITERAL = CGSH.NumberLiteral
PLACE_NODE = CGSH.PlaceNode
#: Value shapes (``sh:or`` of alternatives made of sh:datatype, sh:pattern and sh:class) whose
#: ``sh:node`` constraints are checked here.
VALUE_SHAPES = (DATE_LITERAL, NUMBER_LITERAL, PLACE_NODE)
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
    NUMBER_LITERAL: "7ab48fc94b0d63de",
    PLACE_NODE: "711a38cd4d8f700b",
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


def node_shapes(shapes: Graph) -> dict[Node, Node]:
    """The property shapes whose only ``sh:node`` is one of :data:`VALUE_SHAPES`, on a single IRI
    path, when that value shape is the one translated here: shape → value shape."""
    used = shapes_used_whole(shapes)
    out: dict[Node, Node] = {}
    for value_shape in VALUE_SHAPES:
        if fingerprint(shapes, value_shape) != FINGERPRINTS[value_shape]:
            continue
        for shape in sorted(set(shapes.subjects(SH.node, value_shape)), key=str):
            paths = list(shapes.objects(shape, SH.path))
            if (len(list(shapes.objects(shape, SH.node))) == 1 and len(paths) == 1
                    and isinstance(paths[0], URIRef) and _usable(shapes, shape, used)):
                out[shape] = value_shape
    return out


def date_shapes(shapes: Graph) -> list[Node]:
    """The shapes of :func:`node_shapes` that use ``cgsh:DateLiteral``."""
    return [s for s, v in node_shapes(shapes).items() if v == DATE_LITERAL]


def whole_shapes(shapes: Graph) -> list[Node]:
    """The shapes checked here as a whole whose definition is the one translated here."""
    used = shapes_used_whole(shapes)
    return [s for s in (PREF_LABEL_FR, SEED_LANGUAGE, SEED_LENGTH, TERRITORY_COUNTRY)
            if fingerprint(shapes, s) == FINGERPRINTS[s] and _usable(shapes, s, used)]


def without_checked(shapes: Graph) -> Graph:
    """A copy of ``shapes`` without what :func:`check_results` checks: the ``sh:node`` of
    :func:`node_shapes` (their other constraints stay with pyshacl), and the targets of the
    shapes checked whole (their triples stay: nothing validates them then)."""
    nodes = node_shapes(shapes)
    whole = set(whole_shapes(shapes))
    out = Graph()
    for s, p, o in shapes:
        if s in whole and p in TARGETS:
            continue
        if p == SH.node and nodes.get(s) == o:
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
    if datatype == XSD.decimal:
        return isinstance(v.value, Decimal)
    if datatype == XSD.integer:
        return isinstance(v.value, int)
    return True  # gYear, gYearMonth: pyshacl does not check them further


def _language_in(v: Node, languages: set[str]) -> bool:
    """sh:languageIn: a literal whose tag, or its first part, is one of ``languages``."""
    if not isinstance(v, Literal) or not v.language:
        return False
    tag = str(v.language).lower()
    return tag in languages or tag.split("-")[0] in languages


class Lookups:
    """The data, with what several checks ask again and again remembered."""

    def __init__(self, data: Graph) -> None:
        self.data = data
        self._superclasses: dict[Node, set[Node]] = {}
        self._cites_seed: dict[Node, bool] = {}

    def instance_of(self, v: Node, cls: Node) -> bool:
        """sh:class: ``v`` has a type that is ``cls`` or one of its subclasses."""
        if isinstance(v, Literal):
            return False
        for t in self.data.objects(v, RDF.type):
            if t == cls:
                return True
            if t not in self._superclasses:
                self._superclasses[t] = {
                    c for c in self.data.transitive_objects(t, RDFS.subClassOf) if c is not None}
            if cls in self._superclasses[t]:
                return True
        return False

    def cites_seed(self, focus: Node) -> bool:
        """Whether a prov:entity of ``focus`` is a cg:SourceDocument (the seed-excerpt shapes'
        first alternative fails)."""
        if focus not in self._cites_seed:
            self._cites_seed[focus] = any(self.instance_of(v, CG.SourceDocument)
                                          for v in set(self.data.objects(focus, PROV.entity)))
        return self._cites_seed[focus]


# --------------------------------------------------------------------------------------------
# The checks: (focus node, value or None) of every result of a shape


Finding = tuple[Node, Node | None, Node]  # focus node, value, constraint component
Check = Callable[[Lookups, Graph, Node], Iterator[Finding]]
#: One constraint of an alternative: ("datatype", IRI) | ("pattern", regex) | ("class", IRI).
Condition = tuple[str, Any]


def _holds(lookups: Lookups, v: Node, condition: Condition) -> bool:
    kind, param = condition
    if kind == "datatype":
        return _datatype_ok(v, param)
    if kind == "pattern":
        return _matches(v, param)
    return lookups.instance_of(v, param)


def _alternatives(shapes: Graph, value_shape: Node) -> list[list[Condition]]:
    """A value shape's ``sh:or`` alternatives, each a list of conditions (all must hold)."""
    out: list[list[Condition]] = []
    for members in shapes.objects(value_shape, SH["or"]):
        for alternative in Collection(shapes, members):
            conditions: list[Condition] = []
            conditions += [("datatype", d) for d in shapes.objects(alternative, SH.datatype)]
            conditions += [("pattern", re.compile(str(p)))
                           for p in shapes.objects(alternative, SH.pattern)]
            conditions += [("class", c) for c in shapes.objects(alternative, SH["class"])]
            out.append(conditions)
    return out


def check_node(lookups: Lookups, shapes: Graph, shape: Node, value_shape: Node
               ) -> Iterator[Finding]:
    """``sh:node`` of a value shape (``cgsh:DateLiteral``: a literal of one of the
    alternatives' datatypes, well formed, matching that alternative's pattern;
    ``cgsh:NumberLiteral``: a decimal or an integer; ``cgsh:PlaceNode``: a territory or a
    venue): each value satisfies every condition of at least one alternative."""
    alternatives = _alternatives(shapes, value_shape)
    path = shapes.value(shape, SH.path)
    ok: dict[Node, bool] = {}
    for focus in focus_nodes(lookups.data, shapes, shape):
        for v in set(lookups.data.objects(focus, path)):
            if v not in ok:
                ok[v] = any(all(_holds(lookups, v, c) for c in conditions)
                            for conditions in alternatives)
            if not ok[v]:
                yield focus, v, SH.NodeConstraintComponent


def check_pref_label_fr(lookups: Lookups, shapes: Graph, shape: Node) -> Iterator[Finding]:
    """Exactly one ``skos:prefLabel`` in French (qualified min and max count 1)."""
    data = lookups.data
    for focus in focus_nodes(data, shapes, shape):
        french = sum(1 for v in set(data.objects(focus, SKOS.prefLabel))
                     if _language_in(v, {"fr"}))
        if french > 1:
            yield focus, None, SH.QualifiedMaxCountConstraintComponent
        if french < 1:
            yield focus, None, SH.QualifiedMinCountConstraintComponent


def check_seed_language(lookups: Lookups, shapes: Graph, shape: Node) -> Iterator[Finding]:
    """Either the evidence cites no source document, or its excerpts are in French."""
    data = lookups.data
    for focus in focus_nodes(data, shapes, shape):
        if not lookups.cites_seed(focus):
            continue
        if not all(_language_in(v, {"fr"}) for v in set(data.objects(focus, CG.excerpt))):
            yield focus, focus, SH.OrConstraintComponent


def check_seed_length(lookups: Lookups, shapes: Graph, shape: Node) -> Iterator[Finding]:
    """Either the evidence cites no source document, or its excerpts have 600 characters at
    most (a blank node has no length: it fails)."""
    data = lookups.data
    for focus in focus_nodes(data, shapes, shape):
        if not lookups.cites_seed(focus):
            continue
        if not all(not isinstance(v, BNode) and len(_string(v)) <= 600
                   for v in set(data.objects(focus, CG.excerpt))):
            yield focus, focus, SH.OrConstraintComponent


_COUNTRY_LEVEL = re.compile("/id/concept/level/country$")
_TERRITORY_LEVEL = re.compile("/id/concept/level/territory$")


def check_territory_country(lookups: Lookups, shapes: Graph, shape: Node
                            ) -> Iterator[Finding]:
    """A territory states its country, or is a country, or is a top-level territory within
    nothing (each level value matching the pattern, at least one)."""
    data = lookups.data
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
    lookups = Lookups(data)
    for shape, value_shape in node_shapes(shapes).items():
        for finding in check_node(lookups, shapes, shape, value_shape):
            yield shape, finding
    for shape in whole_shapes(shapes):
        for finding in WHOLE_CHECKS[shape](lookups, shapes, shape):
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
