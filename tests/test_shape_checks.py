"""The shapes checked in Python say exactly what pyshacl says of them, field for field."""

from __future__ import annotations

import itertools

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SH, SKOS, XSD

from coopgraph.contextual import _pyshacl_shapes, contribution_shapes
from coopgraph.shape_checks import (
    DATE_LITERAL,
    FINGERPRINTS,
    PREF_LABEL_FR,
    SEED_LANGUAGE,
    SEED_LENGTH,
    TERRITORY_COUNTRY,
    check_results,
    date_shapes,
    fingerprint,
    node_shapes,
    whole_shapes,
    without_checked,
)
from coopgraph.validate import load_ontology, load_shapes, validate_graph

CG = Namespace("https://w3id.org/coopgraph/ontology#")
SCHEMA = Namespace("http://schema.org/")
DCTERMS = Namespace("http://purl.org/dc/terms/")
PROV = Namespace("http://www.w3.org/ns/prov#")
ID = Namespace("https://w3id.org/coopgraph/id/")
LEVEL = Namespace("https://w3id.org/coopgraph/id/concept/level/")

#: Good and bad values for a date: every precision, timezones, fractions, impossible dates,
#: wrong datatypes, words, language-tagged text, numbers, IRIs and blank nodes.
DATES = [
    Literal("2010", datatype=XSD.gYear), Literal("2010Z", datatype=XSD.gYear),
    Literal("2010+02:00", datatype=XSD.gYear), Literal("10", datatype=XSD.gYear),
    Literal("2010-03", datatype=XSD.gYearMonth), Literal("1998-13", datatype=XSD.gYearMonth),
    Literal("2010-03Z", datatype=XSD.gYearMonth),
    Literal("2010-03-15", datatype=XSD.date), Literal("2010-03-15+01:00", datatype=XSD.date),
    Literal("2017-02-30", datatype=XSD.date), Literal("2020-13-45", datatype=XSD.date),
    Literal("garbage", datatype=XSD.date), Literal("2010-3-15", datatype=XSD.date),
    Literal("2010-03-15T10:00:00", datatype=XSD.dateTime),
    Literal("2010-03-15T09:00:00Z", datatype=XSD.dateTime),
    Literal("2010-03-15T10:00:00.5", datatype=XSD.dateTime),
    Literal("2010-03-15T25:00:00", datatype=XSD.dateTime),
    Literal("2010-03-15", datatype=XSD.dateTime), Literal("2010-03-15T10:00:00", datatype=XSD.date),
    Literal("2010"), Literal("hier"), Literal("2010-03-15", datatype=XSD.string),
    Literal("2010-03-15", lang="fr"), Literal("20", datatype=XSD.integer),
    Literal("2010", datatype=XSD.gYearMonth), Literal("2010-03", datatype=XSD.gYear),
    URIRef("https://example.org/not-a-date"), BNode(),
]
DATE_PROPERTIES = [SCHEMA.startDate, SCHEMA.endDate, CG.foundingDate, CG.awardDate,
                   CG.referenceDate, DCTERMS.date]

#: Values of skos:prefLabel, in every combination of none, one or two.
LABELS = [Literal("Nom", lang="fr"), Literal("Autre nom", lang="fr"),
          Literal("Nom", lang="fr-FR"), Literal("Nom", lang="FR"), Literal("Name", lang="en"),
          Literal("Nom"), URIRef("https://example.org/label"), Literal("Nom", lang="frr")]
LABELLED_CLASSES = [CG.LocalGovernment, CG.Territory, CG.Partnership, SKOS.Concept, CG.Project]

EXCERPTS = [Literal("Un extrait.", lang="fr"), Literal("An excerpt.", lang="en"),
            Literal("Un extrait.", lang="fr-CA"), Literal("Un extrait."),
            Literal("x" * 600, lang="fr"), Literal("x" * 601, lang="fr"), Literal("y" * 601),
            URIRef("https://example.org/excerpt"), BNode()]
SEED = ID["document/seed"]
OWN = URIRef("https://example.org/own-document")
SUB_SEED, SEED_KIND = ID["document/sub-seed"], URIRef("https://example.org/SeedKind")

#: Good and bad numbers (schema:value, minValue, maxValue of figures and amounts).
NUMBERS = [Literal(12), Literal("12.5", datatype=XSD.decimal), Literal("12", datatype=XSD.decimal),
           Literal("-3", datatype=XSD.integer), Literal("abc", datatype=XSD.integer),
           Literal("1.0", datatype=XSD.integer), Literal("x", datatype=XSD.decimal),
           Literal("12", datatype=XSD.string), Literal("douze"), Literal("12", lang="fr"),
           Literal(1.5e3), Literal(True), Literal("12", datatype=XSD.nonNegativeInteger),
           URIRef("https://example.org/twelve"), BNode()]
NUMBER_HOLDERS = [(CG.Figure, SCHEMA.value), (CG.Figure, SCHEMA.minValue),
                  (CG.Figure, SCHEMA.maxValue), (SCHEMA.MonetaryAmount, SCHEMA.value)]

#: Places for cg:location: territories and venues, typed directly, through a subclass, twice,
#: not at all, and things that are no resource.
PLACE_KIND = URIRef("https://example.org/Region")
PLACES = [ID["territory/typed"], ID["venue/typed"], ID["territory/sub"], ID["place/both"],
          ID["place/untyped"], ID["place/other"], Literal("Paris"), BNode()]
LOCATED = [CG.Event, CG.Project, CG.Partnership]

LEVELS = [LEVEL.country, LEVEL.territory, LEVEL.municipality, BNode(),
          Literal("https://w3id.org/coopgraph/id/concept/level/country")]


def grid() -> Graph:
    """Resources holding every value above, alone and in pairs, as IRIs and blank nodes."""
    g = Graph()
    g.add((SEED, RDF.type, CG.SourceDocument))
    g.add((OWN, RDF.type, CG.Document))
    g.add((SUB_SEED, RDF.type, SEED_KIND))  # a source document through a subclass
    g.add((SEED_KIND, RDFS.subClassOf, CG.SourceDocument))
    n = itertools.count()

    def resource(kind: str) -> URIRef | BNode:
        i = next(n)
        if i % 3:
            return ID[f"{kind}/r{i}"]
        node = BNode()
        g.add((ID[f"holder/h{i}"], SCHEMA.subjectOf, node))
        return node

    for prop in DATE_PROPERTIES:
        pairs = zip(DATES, DATES[3:], strict=False)
        for values in itertools.chain(([d] for d in DATES), pairs):
            this = resource("dated")
            for v in values:
                g.add((this, prop, v))
    g.add((PLACE_KIND, RDFS.subClassOf, CG.Territory))
    g.add((ID["territory/typed"], RDF.type, CG.Territory))
    g.add((ID["venue/typed"], RDF.type, CG.Venue))
    g.add((ID["territory/sub"], RDF.type, PLACE_KIND))
    g.add((ID["place/both"], RDF.type, CG.Venue))
    g.add((ID["place/both"], RDF.type, CG.Territory))
    g.add((ID["place/other"], RDF.type, CG.Document))
    g.add((PLACES[-1], RDF.type, CG.Venue))
    for cls, prop in NUMBER_HOLDERS:
        # pyshacl stops on a blank node compared with sh:lessThanOrEquals (min and max values)
        numbers = NUMBERS if prop == SCHEMA.value else NUMBERS[:-1]
        for values in itertools.chain(([v] for v in numbers), zip(numbers, numbers[2:],
                                                                   strict=False)):
            this = resource("figure")
            g.add((this, RDF.type, cls))
            for v in values:
                g.add((this, prop, v))
    for cls in LOCATED:
        for values in itertools.chain(([v] for v in PLACES), itertools.combinations(PLACES, 2)):
            this = resource("located")
            g.add((this, RDF.type, cls))
            for v in values:
                g.add((this, CG.location, v))
    for cls in LABELLED_CLASSES:
        for values in itertools.chain([()], ([v] for v in LABELS),
                                      itertools.combinations(LABELS, 2)):
            this = resource("labelled")
            g.add((this, RDF.type, cls))
            for v in values:
                g.add((this, SKOS.prefLabel, v))
    entities = [(), (SEED,), (OWN,), (SEED, OWN), (SUB_SEED,), (Literal("seed"),),
                (ID["document/none"],)]
    for i, (cited, excerpts) in enumerate(itertools.product(
            entities, itertools.chain([()], ([e] for e in EXCERPTS),
                                      itertools.combinations(EXCERPTS, 2)))):
        this = resource("evidence")
        if i % 2:
            g.add((this, RDF.type, CG.Evidence))
        else:  # an evidence found only as the object of cg:evidence
            g.add((ID[f"fact/f{i}"], CG.evidence, this))
        for e in cited:
            g.add((this, PROV.entity, e))
        for e in excerpts:
            g.add((this, CG.excerpt, e))
    countries = [(), (ID["territory/mali"],)]
    withins = [(), (ID["territory/afrique"],)]
    levels = itertools.chain([()], ([v] for v in LEVELS), itertools.combinations(LEVELS, 2))
    for country, within, level in itertools.product(countries, withins, list(levels)):
        this = resource("territory")
        g.add((this, RDF.type, CG.Territory))
        for o in country:
            g.add((this, CG.country, o))
        for o in within:
            g.add((this, CG.withinTerritory, o))
        for o in level:
            g.add((this, CG.administrativeLevel, o))
    return g


def key(r) -> tuple:
    return (r.severity, r.focus_node, r.result_path, r.path_text, r.path_iris, r.value,
            r.message, tuple(sorted(r.messages.items())), r.source_shape,
            r.constraint_component, r.source_constraint, tuple(r.referenced_by))


def checked(r, shapes: Graph) -> bool:
    """Whether ``r`` is a result of what shape_checks checks."""
    if r.source_shape in whole_shapes(shapes):
        return True
    return r.source_shape in node_shapes(shapes) and \
        r.constraint_component == SH.NodeConstraintComponent


def test_python_and_pyshacl_give_the_same_results_on_a_grid_of_good_and_bad_values() -> None:
    data = grid()
    shapes = contribution_shapes()
    # one language: the key compares the messages in both (``messages``)
    by_pyshacl = [r for r in validate_graph(data, lang="fr", shapes_graph=shapes).results
                  if checked(r, shapes)]
    merged = Graph()
    for triple in itertools.chain(data, load_ontology()):
        merged.add(triple)
    by_python = check_results(merged, shapes, "fr", data)
    assert sorted(map(key, by_python), key=str) == sorted(map(key, by_pyshacl), key=str)
    found = {(r.source_shape, r.constraint_component) for r in by_pyshacl}
    # the grid has results of every kind, and passes too (not everything fails)
    assert found >= {
        (s, SH.NodeConstraintComponent) for s in node_shapes(shapes)} | {
        (PREF_LABEL_FR, SH.QualifiedMinCountConstraintComponent),
        (PREF_LABEL_FR, SH.QualifiedMaxCountConstraintComponent),
        (SEED_LANGUAGE, SH.OrConstraintComponent), (SEED_LENGTH, SH.OrConstraintComponent),
        (TERRITORY_COUNTRY, SH.OrConstraintComponent)}
    dated = {s for p in DATE_PROPERTIES for s in data.subjects(p, None)}
    failing = {r.focus_node for r in by_pyshacl if r.source_shape in date_shapes(shapes)}
    assert len(failing) > 100 and dated - failing  # some resources' dates are all right
    assert any(r.severity == "Warning" for r in by_python)
    assert any(r.referenced_by for r in by_python)  # blank nodes named by their holders
    seeds = {r.focus_node for r in by_pyshacl if r.source_shape == SEED_LENGTH}
    assert any((e, PROV.entity, SUB_SEED) in data for e in seeds)


def test_the_contribution_shapes_leave_these_shapes_to_python() -> None:
    shapes, given = contribution_shapes(), _pyshacl_shapes()
    assert len(date_shapes(shapes)) == 6
    assert {str(v).rsplit("#", 1)[1] for v in node_shapes(shapes).values()} == {
        "DateLiteral", "NumberLiteral", "PlaceNode"}
    assert len(node_shapes(shapes)) == 11
    assert set(whole_shapes(shapes)) == {PREF_LABEL_FR, SEED_LANGUAGE, SEED_LENGTH,
                                         TERRITORY_COUNTRY}
    assert (None, SH.node, DATE_LITERAL) not in given
    assert not any((s, SH.node, v) in given for s, v in node_shapes(shapes).items())
    for shape in whole_shapes(shapes):
        assert not any(p.startswith(str(SH) + "target") for p in given.predicates(shape))
        assert (shape, SH.message, None) in given  # the rest of the shape stays
    for shape in node_shapes(shapes):  # their other constraints stay with pyshacl
        assert (shape, SH.maxCount, None) in given or (shape, SH.maxCount, None) not in shapes


def test_the_fingerprints_are_those_of_the_shapes_files() -> None:
    """Fails when shapes/ changes one of these shapes: update shape_checks.py (its check and
    FINGERPRINTS) together with the shape, or contributions fall back to pyshacl."""
    for shapes in (load_shapes(), contribution_shapes()):
        assert {s: fingerprint(shapes, s) for s in FINGERPRINTS} == FINGERPRINTS


def _edited(shapes: Graph, predicate: URIRef, old: str, new: str) -> Graph:
    out = Graph()
    for s, p, o in shapes:
        if p == predicate and str(o) == old:
            o = Literal(new, datatype=o.datatype) if isinstance(o, Literal) else o
        out.add((s, p, o))
    return out


def test_an_edited_shape_falls_back_to_pyshacl() -> None:
    shapes = contribution_shapes()
    # cgsh:DateLiteral loses its time zones; cgsh:TerritoryCountryShape checks another level
    edited = _edited(shapes, SH.pattern, "^[0-9]{4}(Z|[+-][0-9]{2}:[0-9]{2})?$", "^[0-9]{4}$")
    edited = _edited(edited, SH.pattern, "/id/concept/level/territory$",
                     "/id/concept/level/region$")
    assert date_shapes(edited) == []
    assert TERRITORY_COUNTRY not in whole_shapes(edited)
    assert PREF_LABEL_FR in whole_shapes(edited)  # the others still go to Python
    given = without_checked(edited)
    assert (CG_SHAPES.startDate_type, SH.node, DATE_LITERAL) in given
    assert (TERRITORY_COUNTRY, SH.targetClass, CG.Territory) in given

    data = Graph()
    place, dated = ID["territory/t"], ID["partnership/p"]
    data.add((place, RDF.type, CG.Territory))
    data.add((place, CG.administrativeLevel, LEVEL.territory))
    data.add((dated, SCHEMA.startDate, Literal("2010Z", datatype=XSD.gYear)))
    merged = Graph()
    for triple in itertools.chain(data, load_ontology()):
        merged.add(triple)
    by_python = {r.source_shape for r in check_results(merged, edited, "en", data)}
    assert TERRITORY_COUNTRY not in by_python and CG_SHAPES.startDate_type not in by_python
    by_pyshacl = {r.source_shape for r in validate_graph(
        data, lang="en", shapes_graph=given).results}
    # pyshacl now checks both, as edited: a top-level territory is no exception any more, and
    # "2010Z" is no longer a year
    assert {TERRITORY_COUNTRY, CG_SHAPES.startDate_type} <= by_pyshacl


class CG_SHAPES:  # noqa: N801 - the shapes' IRIs with a hyphen
    startDate_type = URIRef("https://w3id.org/coopgraph/shapes#startDate-type")
