"""Date bounds: every dated thing compares with a plain xsd:date filter, whatever its precision."""

from __future__ import annotations

from functools import cache

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from coopgraph.config import PROJECT_ROOT
from coopgraph.dates import bound_properties, bounds, date_bounds
from coopgraph.namespaces import CG, sparql_prefixes

DATA = PROJECT_ROOT / "data"
PARTNERSHIP = "https://w3id.org/coopgraph/id/partnership/"


@pytest.mark.parametrize(
    ("literal", "first", "last"),
    [
        (Literal("1998", datatype=XSD.gYear), "1998-01-01", "1998-12-31"),
        (Literal("1998-02", datatype=XSD.gYearMonth), "1998-02-01", "1998-02-28"),
        (Literal("2000-02", datatype=XSD.gYearMonth), "2000-02-01", "2000-02-29"),
        (Literal("2017-10-09", datatype=XSD.date), "2017-10-09", "2017-10-09"),
        (Literal("2017-10-09T16:00:00", datatype=XSD.dateTime), "2017-10-09", "2017-10-09"),
    ],
)
def test_bounds_are_the_first_and_last_day_of_the_precision(
    literal: Literal, first: str, last: str
) -> None:
    found = bounds(literal)
    assert found is not None
    assert (found[0].isoformat(), found[1].isoformat()) == (first, last)


@pytest.mark.parametrize(
    "literal",
    [
        Literal("1998"),  # a plain string is not a date
        Literal("1998-13", datatype=XSD.gYearMonth),  # no month 13
        Literal("not a year", datatype=XSD.gYear),
    ],
)
def test_what_is_not_a_date_gets_no_bounds(literal: Literal) -> None:
    assert bounds(literal) is None


def test_date_bounds_derives_both_bounds_as_xsd_date() -> None:
    g = Graph()
    thing = URIRef("https://example.org/p")
    start = URIRef("http://schema.org/startDate")
    g.add((thing, start, Literal("1999-07", datatype=XSD.gYearMonth)))
    g.add((thing, CG.foundingDate, Literal("oops")))
    out = date_bounds(g)
    assert set(out) == {
        (thing, CG.earliestStart, Literal("1999-07-01", datatype=XSD.date)),
        (thing, CG.latestStart, Literal("1999-07-31", datatype=XSD.date)),
    }


def test_bound_properties_follow_the_deployment_base() -> None:
    props = bound_properties("https://example.org/cg/")
    assert all(str(p).startswith("https://example.org/cg/ontology#")
               for pair in props.values() for p in pair)


@cache
def curated() -> Graph:
    g = Graph()
    for path in sorted(DATA.glob("*.ttl")):
        g.parse(path, format="turtle")
    return g


def run(query: str) -> list[dict[str, str]]:
    """Evaluate with pyoxigraph (as the server does) over the data plus its date bounds."""
    store = ox.Store()
    graph = curated() + date_bounds(curated())
    store.load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    rows = store.query(sparql_prefixes() + query)
    return [{v.value: row[v].value for v in rows.variables if row[v] is not None} for row in rows]


def test_every_dated_thing_has_bounds() -> None:
    g = curated()
    bounded = date_bounds(g)
    for prop, (earliest, latest) in bound_properties().items():
        for subject, _ in g.subject_objects(prop):
            assert bounded.value(subject, earliest) is not None, (subject, prop)
            assert bounded.value(subject, latest) is not None, (subject, prop)


def test_partnerships_started_before_2000_with_a_plain_date_filter() -> None:
    """The nine of document 002 (Gabon ×3 in February 1998, Setúbal in June 1998, the three
    Palestinian towns in April 1999, Matola in July 1999) and doc 001's Morocco–France (1965);
    Figuig (« Depuis juin 2000 ») is not before 2000."""
    rows = run("""
        SELECT ?p WHERE {
          ?p a cg:Partnership ; cg:latestStart ?start .
          FILTER(?start < "2000-01-01"^^xsd:date)
        }""")
    found = {r["p"].removeprefix(PARTNERSHIP) for r in rows}
    assert found == {
        "cd93-ville-de-port-gentil", "cd93-ville-de-omboue", "cd93-ville-de-gamba",
        "cd93-district-de-setubal", "cd93-ville-de-jenin", "cd93-ville-de-tulkarm",
        "cd93-ville-de-qalqilya", "cd93-ville-de-matola", "maroc-france",
    }


def test_projects_running_in_2004_without_string_tricks() -> None:
    rows = run("""
        SELECT ?p WHERE {
          ?p a cg:Project ; cg:earliestStart ?s .
          OPTIONAL { ?p cg:latestEnd ?e }
          FILTER(?s <= "2004-12-31"^^xsd:date && (!BOUND(?e) || ?e >= "2004-01-01"^^xsd:date))
        }""")
    found = {r["p"].rsplit("/", 1)[1] for r in rows}
    # the Figuig projects carried out « continûment depuis 2000 » are seen by date queries
    assert "figuig-lutte-contre-la-desertification" in found
    assert "figuig-sante" in found


def test_the_figuig_projects_start_in_2000_as_the_source_says() -> None:
    g = curated()
    for slug in ("figuig-lutte-contre-la-desertification",
                 "figuig-formation-des-personnels-municipaux", "figuig-sante"):
        project = URIRef("https://w3id.org/coopgraph/id/project/" + slug)
        assert g.value(project, URIRef("http://schema.org/startDate")) == Literal(
            "2000", datatype=XSD.gYear)
        excerpts = {str(g.value(ev, CG.excerpt)) for ev in g.objects(project, CG.evidence)}
        assert "Les projets mis en œuvre, continûment depuis 2000 :" in excerpts
