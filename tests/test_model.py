"""The graph as analysts meet it: one form per statement, labels, IRIs, the audit's corrections.

Read from data/ (and data/links/) directly, so these hold without a build. The expectations
quote the source documents (data/sources/) where a correction rests on their wording.
"""

from __future__ import annotations

from functools import cache

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from coopgraph.config import CANONICAL_BASE, PROJECT_ROOT
from coopgraph.dates import date_bounds
from coopgraph.namespaces import CG, ORG, SDO, sparql_prefixes

DATA = PROJECT_ROOT / "data"
ID = CANONICAL_BASE + "id/"
A, T = ID + "actor/", ID + "territory/"
ROLE = ID + "concept/role/"
LEVEL = ID + "concept/level/"


@cache
def curated() -> Graph:
    g = Graph()
    for path in sorted(DATA.glob("*.ttl")):
        g.parse(path, format="turtle")
    return g


@cache
def with_links() -> Graph:
    g = Graph()
    g += curated()
    for path in sorted((DATA / "links").glob("*.ttl")):
        g.parse(path, format="turtle")
    return g


def ask(query: str) -> list[dict[str, str]]:
    """pyoxigraph over data + links + date bounds (what the server answers, minus OWL RL)."""
    store = ox.Store()
    graph = with_links() + date_bounds(curated())
    store.load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES,
               to_graph=ox.NamedNode("urn:x:g"))
    rows = store.query(sparql_prefixes() + query, use_default_graph_as_union=True)
    return [{v.value: row[v].value for v in rows.variables if row[v] is not None}
            for row in rows]


def actor(slug: str) -> URIRef:
    return URIRef(A + slug)


def territory(slug: str) -> URIRef:
    return URIRef(T + slug)


# --- labels ------------------------------------------------------------------------------

def entities() -> list[URIRef]:
    g = curated()
    return sorted(
        s for s in set(g.subjects(RDF.type, None))
        if isinstance(s, URIRef) and str(s).startswith(ID) and (s, RDF.type, CG.Evidence) not in g
    )


def test_every_entity_has_one_french_and_one_english_label() -> None:
    g = curated()
    wrong = []
    for s in entities():
        langs = sorted(lab.language or "" for lab in g.objects(s, SKOS.prefLabel))
        if langs != ["en", "fr"]:
            wrong.append(f"{s}: {langs}")
    assert len(entities()) > 400
    assert not wrong, "\n".join(wrong)


def test_proper_names_stay_and_names_are_translated() -> None:
    g = curated()
    en = {str(s): str(lab) for s, lab in g.subject_objects(SKOS.prefLabel) if lab.language == "en"}
    assert en[A + "via-le-monde"] == "Via le monde"
    assert en[A + "meae"] == "Ministry for Europe and Foreign Affairs"
    assert en[ID + "person/hugues-latron"] == "Hugues Latron"


# --- dates -------------------------------------------------------------------------------

def test_partnerships_started_before_2000_are_the_nine() -> None:
    rows = ask("""SELECT ?p WHERE { ?p a cg:Partnership ; cg:latestStart ?s .
                                    FILTER(?s < "2000-01-01"^^xsd:date) }""")
    assert len(rows) == 9


def test_the_akko_letter_gives_no_start_date() -> None:
    """« En 2007, une lettre d'engagement a été signée dans la perspective d'une future
    convention de partenariat »: a letter, not the start of the partnership."""
    akko = URIRef(ID + "partnership/cd93-ville-d-akko")
    assert curated().value(akko, SDO.startDate) is None


# --- one form per kind of statement -------------------------------------------------------

def test_organisers_are_participations_with_role_organiser() -> None:
    g = curated()
    assert not list(g.triples((None, SDO.organizer, None)))
    rows = ask(f"""SELECT ?a WHERE {{ ?e a cg:Event ; cg:hasParticipation ?p .
        ?p cg:agent ?a ; cg:role ?r . VALUES ?r {{ <{ROLE}organiser> <{ROLE}co-organiser> }}
        ?e skos:prefLabel ?l . FILTER(CONTAINS(STR(?l), "24e Conférence")) }}""")
    assert {r["a"] for r in rows} == {A + "ville-de-cordoba", A + "cglu"}


def test_funders_are_fundings_never_participations() -> None:
    g = curated()
    roles = {URIRef(ROLE + "funder"), URIRef(ROLE + "co-funder")}
    assert not [p for p, r in g.subject_objects(CG.role) if r in roles]
    funders = {str(f) for f in g.objects(None, SDO.funder)}
    assert {A + "union-europeenne", A + "cd93", A + "afd"} <= funders


def test_people_are_affiliated_by_posts_and_cd93_has_one_cglu_membership() -> None:
    g = curated()
    for m in g.subjects(RDF.type, CG.Membership):
        member = g.value(m, ORG.member)
        assert (member, RDF.type, CG.Person) not in g, m
    cglu = [m for m in g.subjects(ORG.member, actor("cd93"))
            if g.value(m, ORG.organization) == actor("cglu")]
    assert len(cglu) == 1
    assert {str(r) for r in g.objects(cglu[0], ORG.role)} == {
        ROLE + "member", ROLE + "active-participant"}


def test_money_is_a_monetary_amount_in_euros() -> None:
    g = curated()
    for figure in g.subjects(SDO.unitText, Literal("EUR", lang="fr")):
        assert (figure, RDF.type, SDO.MonetaryAmount) in g, figure
        assert g.value(figure, SDO.currency) == Literal("EUR"), figure
    rows = ask("""SELECT ?x ?v WHERE { ?x schema:currency "EUR" ; schema:value ?v }""")
    assert len(rows) >= 5  # the AFD request, the AFD 2016 total and the three CD93 budgets


def test_units_of_the_ministry_are_stated_with_unitof() -> None:
    g = curated()
    assert (actor("daect"), ORG.unitOf, actor("meae")) in g
    assert (actor("direction-generale-de-la-mondialisation"), ORG.unitOf, actor("meae")) in g
    assert not list(g.triples((None, ORG.subOrganizationOf, actor("meae"))))


# --- IRIs and links ------------------------------------------------------------------------

def test_evidence_nodes_are_citable_iris() -> None:
    g = with_links()
    evidence = list(g.objects(None, CG.evidence))
    assert len(evidence) > 500
    assert not [e for e in evidence if isinstance(e, BNode)]


def test_urls_are_absolute_and_namespaces_are_apart() -> None:
    g = curated()
    for url in g.objects(None, SDO.url):
        assert str(url).startswith(("http://", "https://")), url
    for venue in g.subjects(RDF.type, CG.Venue):
        assert str(venue).startswith(ID + "venue/"), venue
    for outcome in g.subjects(RDF.type, CG.OutcomeDocument):
        assert str(outcome).startswith(ID + "outcome/"), outcome
    assert not [o for o in g.objects(None, DCTERMS.isPartOf)
                if isinstance(o, Literal) and "CUF-AITEC" in str(o)]
    doc002 = URIRef(ID + "document/002_a0cfcb4bfec34250")
    assert g.value(doc002, DCTERMS.isPartOf) == URIRef(ID + "project/programme-cuf-aitec")
    assert g.value(actor("via-le-monde"), SDO.url) == Literal(
        "http://www.vialemonde93.net", datatype=URIRef("http://www.w3.org/2001/XMLSchema#anyURI"))


def test_countries_of_places_from_the_reference_table() -> None:
    rows = ask(f"""SELECT ?c WHERE {{ <{T}paris> cg:country ?c }}""")
    assert [r["c"] for r in rows] == [T + "france"]


# --- the audit's corrections ----------------------------------------------------------------

def test_003_project_is_located_and_tied_to_its_partnerships() -> None:
    """« travaillé avec ses partenaires de coopération décentralisée … Ngazidja (Comores),
    Djenine (Palestine) et Hai Duong (Vietnam) … à un programme intitulé »."""
    project = URIRef(ID + "project/territoires-protecteurs-femmes-victimes-de-violences")
    g = curated()
    assert set(g.objects(project, CG.location)) == {
        territory("ngazidja"), territory("jenin"), territory("hai-duong")}
    assert URIRef(ID + "partnership/cd93-province-de-hai-duong") in set(
        g.objects(project, CG.partOfPartnership))
    rows = ask(f"""SELECT DISTINCT ?p WHERE {{ ?p a cg:Project ; cg:location ?place .
        ?place cg:withinTerritory* <{T}vietnam> }}""")
    assert str(project) in {r["p"] for r in rows}


def test_004_the_urban_community_governs_its_own_area_not_the_commune() -> None:
    g = curated()
    cul = actor("communaute-urbaine-de-lille")
    assert (cul, CG.governs, territory("lille")) not in g
    assert (cul, CG.governs, territory("communaute-urbaine-de-lille")) in g
    lianes = actor("lianes-cooperation")
    assert set(g.objects(lianes, CG.experienceOf)) == {cul, actor("region-nord-pas-de-calais")}


def test_002_capital_runs_from_a_territory_to_its_capital() -> None:
    g = curated()
    assert g.value(territory("figuig"), CG.capital) is None
    assert g.value(territory("figuig"), CG.regionalCapital) == territory("oujda")
    assert g.value(territory("vietnam"), CG.capital) == territory("hanoi")


def test_002_the_units_staff_sum_to_the_directorates_28() -> None:
    """« qui regroupe 28 agents répartis dans : Le pôle Direction et un secteur Culture de la
    paix (4 agents), … (8 agents), … (9 agents), … (7 agents) »."""
    rows = ask("""SELECT (SUM(?v) AS ?total) WHERE {
        ?unit org:unitOf actor:deip ; cg:staff ?f . ?f schema:value ?v }""".replace(
        "actor:deip", f"<{A}deip>"))
    assert float(rows[0]["total"]) == 28


def test_002_examples_of_ngos_are_not_implementers_nor_linked() -> None:
    """« aux ONG les plus compétentes … (type Croix rouge, Secours populaire, Secours
    catholique…) » names examples, and no particular Red Cross society."""
    g = with_links()
    for slug in ("croix-rouge", "secours-populaire", "secours-catholique"):
        assert not list(g.subjects(CG.agent, actor(slug))), slug
    assert g.value(actor("croix-rouge"), SDO.sameAs) is None
    assert not list(g.triples((actor("croix-rouge-francaise"), None, None)))


@pytest.mark.parametrize("slug", ["mission-cooperation-decentralisee", "via-le-monde"])
def test_002_missing_facts_are_there(slug: str) -> None:
    g = curated()
    assert g.value(actor(slug), CG.evidence) is not None


def test_002_and_001_missing_facts() -> None:
    g = curated()
    sae = actor("service-des-affaires-europeennes")
    leads = [p for p in g.subjects(CG.agent, sae) if (p, CG.role, URIRef(ROLE + "lead")) in g]
    assert leads
    universities = URIRef(ID + "figure/seine-saint-denis-universites")
    assert g.value(universities, SDO.value).toPython() == 3
    communique = URIRef(ID + "document/communique-cuf-gaza-cisjordanie-2024")
    assert territory("gaza") in set(g.objects(communique, DCTERMS.subject))


def test_stated_beyond_the_sources_is_removed_or_softened() -> None:
    g = curated()
    assert g.value(territory("ngazidja"), CG.administrativeLevel) == URIRef(LEVEL + "unspecified")
    assert g.value(territory("quebec"), CG.administrativeLevel) == URIRef(LEVEL + "unspecified")
    labels = {str(lab) for lab in g.objects(actor("gouvernorat-de-ngazidja"), SKOS.prefLabel)}
    assert not any("Gouvernorat" in lab for lab in labels)
    assert g.value(actor("fmcu"), CG.mergedInto) is None
    assert (actor("oidp"), RDF.type, CG.LocalGovernmentNetwork) not in g
    charter = URIRef(ID + "outcome/charte-d-aalborg")
    assert g.value(charter, CG.place) is None
