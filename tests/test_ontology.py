"""Specifications of the OWL ontology (ontology/coopgraph.ttl) and of the SKOS vocabularies
(ontology/vocabularies.ttl), checked against the modelling guide (docs/modelling.md).

The closure tests run owlrl exactly as the build does, on the ontology plus a tiny sample.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import owlrl
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY_FILE = ROOT / "ontology" / "coopgraph.ttl"
VOCABULARIES_FILE = ROOT / "ontology" / "vocabularies.ttl"
GUIDE_FILE = ROOT / "docs" / "modelling.md"

ONTOLOGY = URIRef("https://w3id.org/coopgraph/ontology")
CG = Namespace("https://w3id.org/coopgraph/ontology#")
ID = Namespace("https://w3id.org/coopgraph/id/")
CONCEPT = "https://w3id.org/coopgraph/id/concept/"
ORG = Namespace("http://www.w3.org/ns/org#")
SDO = Namespace("http://schema.org/")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
VANN = Namespace("http://purl.org/vocab/vann/")
ERRNS = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")

#: the prefixes of docs/modelling.md, to read its tables
GUIDE_PREFIXES = {
    "cg": str(CG),
    "org": str(ORG),
    "schema": str(SDO),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "foaf": str(FOAF),
    "geo": str(GEO),
}

DECLARATION_TYPES = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, RDFS.Datatype}

SCHEMES = [
    "level",
    "partnership-status",
    "partnership-kind",
    "role",
    "funding-status",
    "event-kind",
    "theme",
    "figure-kind",
    "agenda",
]

AGENDA_SLUGS = [
    "odd",
    "odd-11",
    "omd",
    "agenda-2030",
    "nouvel-agenda-urbain",
    "cadre-de-sendai",
    "agenda-21-culture",
    "agenda-climatique",
]

#: cg: terms the brief names explicitly (besides those the guide names)
NAMED_TERMS = """
former approximate qualifier referenceDate measures headquarters foundingDate foundingPlace
mergedInto mergerOf operatedBy recipient fundedProject fundingStatus awardedTo awardedBy
awardDate awardedFor place location capital presented contribution role agent involves outcome
adoptedAt eventKind partnershipStatus partnershipKind partnerTerritory party partyTo governs
governedBy administrativeLevel withinTerritory country population area staff output figure theme
hasParticipation participationIn evidence excerpt agenda iso3166Alpha2 iso3166Alpha3
iso3166Subdivision nutsCode archivesNationalesId CodeCommune CodeDepartement CodeRegion
""".split()


def expand(curie: str) -> URIRef:
    prefix, local = curie.split(":", 1)
    return URIRef(GUIDE_PREFIXES[prefix] + local)


def closure(graph: Graph, **options: bool) -> Graph:
    """The OWL RL closure of a copy of ``graph`` (owlrl, as the build runs it by default)."""
    out = Graph()
    for triple in graph:
        out.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, **options).expand(out)
    return out


def errors(graph: Graph) -> list[str]:
    return sorted(str(m) for m in graph.objects(None, ERRNS.error))


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


@pytest.fixture(scope="module")
def vocabularies() -> Graph:
    return Graph().parse(VOCABULARIES_FILE, format="turtle")


@pytest.fixture(scope="module")
def guide() -> str:
    return GUIDE_FILE.read_text(encoding="utf-8")


def cg_terms(ontology: Graph) -> set[URIRef]:
    return {
        s
        for s in ontology.subjects()
        if isinstance(s, URIRef) and str(s).startswith(str(CG)) and s != CG
    }


def langs(graph: Graph, subject: URIRef, predicate: URIRef) -> list[str | None]:
    return sorted(
        (o.language or "") for o in graph.objects(subject, predicate) if isinstance(o, Literal)
    )


def guide_table(guide: str, header: str) -> list[list[str]]:
    """The rows (cells, stripped) of the Markdown table whose header line starts with
    ``header``."""
    lines = guide.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


# ------------------------------------------------------------------------------------------
# Ontology: header and declarations
# ------------------------------------------------------------------------------------------


def test_ontology_header(ontology: Graph) -> None:
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(ONTOLOGY, OWL.versionIRI) == URIRef(
        "https://w3id.org/coopgraph/ontology/0.1.0"
    )
    assert ontology.value(ONTOLOGY, OWL.versionInfo) == Literal("0.1.0")
    assert ontology.value(ONTOLOGY, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert ontology.value(ONTOLOGY, DCTERMS.creator) == Literal("coopgraph contributors")
    for prop in (DCTERMS.created, DCTERMS.modified):
        assert ontology.value(ONTOLOGY, prop) == Literal("2026-11-26", datatype=XSD_DATE)
    assert langs(ontology, ONTOLOGY, DCTERMS.title) == ["en", "fr"]
    assert langs(ontology, ONTOLOGY, DCTERMS.description) == ["en", "fr"]
    assert ontology.value(ONTOLOGY, VANN.preferredNamespacePrefix) == Literal("cg")
    assert str(ontology.value(ONTOLOGY, VANN.preferredNamespaceUri)) == str(CG)
    # reuse by reference only
    assert not list(ontology.objects(None, OWL.imports))


def test_every_cg_term_is_declared_labelled_and_defined(ontology: Graph) -> None:
    terms = cg_terms(ontology)
    assert len(terms) > 80
    problems = []
    for term in sorted(terms):
        if not set(ontology.objects(term, RDF.type)) & DECLARATION_TYPES:
            problems.append(f"{term}: not declared as a class, property or datatype")
        if langs(ontology, term, RDFS.label) != ["en", "fr"]:
            problems.append(f"{term}: needs exactly one rdfs:label @fr and one @en")
        if langs(ontology, term, SKOS.definition) != ["en", "fr"]:
            problems.append(f"{term}: needs exactly one skos:definition @fr and one @en")
        if ontology.value(term, RDFS.isDefinedBy) != ONTOLOGY:
            problems.append(f"{term}: rdfs:isDefinedBy is not the ontology")
    assert not problems, "\n".join(problems)


def test_labels_are_unique(ontology: Graph) -> None:
    """Two cg: terms never share a label in the same language (case-insensitive)."""
    seen: dict[tuple[str, str | None], URIRef] = {}
    for term in sorted(cg_terms(ontology)):
        for label in ontology.objects(term, RDFS.label):
            assert isinstance(label, Literal)
            key = (str(label).lower(), label.language)
            assert key not in seen, f"{term} and {seen[key]} share the label {label!r}"
            seen[key] = term


def test_no_term_uses_an_undeclared_cg_term(ontology: Graph) -> None:
    """Every cg: IRI the ontology mentions (as object too) is declared in it: no typos."""
    declared = cg_terms(ontology)
    mentioned = {
        o
        for o in ontology.objects()
        if isinstance(o, URIRef) and str(o).startswith(str(CG)) and o != CG
    }
    assert mentioned <= declared, sorted(mentioned - declared)


def test_every_cg_term_of_the_guide_and_of_the_brief_is_declared(
    ontology: Graph, guide: str
) -> None:
    in_guide = set(re.findall(r"\bcg:([A-Za-z][A-Za-z0-9]*)", guide))
    assert len(in_guide) > 80  # the guide was read
    wanted = {CG[name] for name in in_guide | set(NAMED_TERMS)}
    missing = sorted(t for t in wanted if not set(ontology.objects(t, RDF.type)))
    assert not missing, missing


def test_kinds_of_declarations(ontology: Graph) -> None:
    for name in ("CodeCommune", "CodeDepartement", "CodeRegion"):
        assert (CG[name], RDF.type, RDFS.Datatype) in ontology
    literal_valued = [
        "referenceDate", "approximate", "qualifier", "contribution", "former", "awardDate",
        "awardedFor", "foundingDate", "excerpt", "iso3166Alpha2", "iso3166Alpha3",
        "iso3166Subdivision", "nutsCode", "archivesNationalesId",
    ]  # fmt: skip
    for name in literal_valued:
        assert (CG[name], RDF.type, OWL.DatatypeProperty) in ontology, name
    for name in ("governs", "withinTerritory", "agent", "evidence", "theme", "involves"):
        assert (CG[name], RDF.type, OWL.ObjectProperty) in ontology, name
    # no term is both an object and a datatype property
    both = set(ontology.subjects(RDF.type, OWL.ObjectProperty)) & set(
        ontology.subjects(RDF.type, OWL.DatatypeProperty)
    )
    assert not both


def test_classes_have_the_superclasses_of_the_guide(ontology: Graph, guide: str) -> None:
    rows = guide_table(guide, "| class | subclass of |")
    assert len(rows) >= 30
    problems = []
    for cls_cell, supers_cell, _what in rows:
        cls = expand(cls_cell.strip("`"))
        if (cls, RDF.type, OWL.Class) not in ontology:
            problems.append(f"{cls} is not an owl:Class")
        expected = {expand(c) for c in re.findall(r"`([a-z]+:[A-Za-z]+)`", supers_cell)}
        assert expected, cls_cell
        stated = set(ontology.objects(cls, RDFS.subClassOf))
        if expected - stated:
            problems.append(f"{cls} lacks rdfs:subClassOf {sorted(expected - stated)}")
    assert not problems, "\n".join(problems)


def test_property_axioms(ontology: Graph) -> None:
    inverses = [
        ("governs", "governedBy"),
        ("party", "partyTo"),
        ("hasParticipation", "participationIn"),
        ("outcome", "adoptedAt"),
        ("mergedInto", "mergerOf"),
    ]
    for a, b in inverses:
        assert (CG[a], OWL.inverseOf, CG[b]) in ontology or (
            CG[b],
            OWL.inverseOf,
            CG[a],
        ) in ontology, (a, b)
    assert (CG.withinTerritory, RDF.type, OWL.TransitiveProperty) in ontology
    sub_properties = [
        (CG.withinTerritory, SDO.containedInPlace),
        (CG.country, CG.withinTerritory),
        (CG.population, CG.figure),
        (CG.area, CG.figure),
        (CG.staff, CG.figure),
        (CG.output, CG.figure),
        (CG.fundedProject, SDO.fundedItem),
        (CG.location, SDO.location),
        (CG.evidence, PROV.qualifiedInfluence),
        (CG.hasParticipation, PROV.qualifiedAssociation),
        (DCTERMS.source, PROV.wasInfluencedBy),
    ]
    for sub, sup in sub_properties:
        assert (sub, RDFS.subPropertyOf, sup) in ontology, (sub, sup)
    chains = list(ontology.objects(CG.involves, OWL.propertyChainAxiom))
    assert len(chains) == 1
    assert list(Collection(ontology, chains[0])) == [CG.hasParticipation, CG.agent]


def test_domains_and_ranges_are_single_named_classes(ontology: Graph) -> None:
    """rdfs:domain/range infer types in the OWL RL closure: at most one each, always a named
    class, never a union; multi-class ones are schema:domainIncludes / rangeIncludes."""
    for prop in cg_terms(ontology):
        for axiom in (RDFS.domain, RDFS.range):
            values = list(ontology.objects(prop, axiom))
            assert len(values) <= 1, (prop, axiom, values)
            assert all(isinstance(v, URIRef) for v in values), (prop, axiom)
    # properties with several documented domains have no rdfs:domain
    for prop in set(ontology.subjects(SDO.domainIncludes, None)):
        assert len(list(ontology.objects(prop, SDO.domainIncludes))) >= 1
        assert ontology.value(prop, RDFS.domain) is None, prop
    for prop in set(ontology.subjects(SDO.rangeIncludes, None)):
        assert ontology.value(prop, RDFS.range) is None, prop
    # dates with precision: several datatypes, so no rdfs:range
    for name in ("referenceDate", "foundingDate", "awardDate"):
        assert ontology.value(CG[name], RDFS.range) is None, name
    # the guide's single-class domains and ranges
    assert ontology.value(CG.governs, RDFS.domain) == CG.LocalGovernment
    assert ontology.value(CG.governs, RDFS.range) == CG.Territory
    assert ontology.value(CG.agent, RDFS.range) == CG.Actor
    assert ontology.value(CG.hasParticipation, RDFS.range) == CG.Participation
    assert ontology.value(CG.evidence, RDFS.range) == CG.Evidence
    assert ontology.value(CG.excerpt, RDFS.domain) == CG.Evidence


# ------------------------------------------------------------------------------------------
# Vocabularies
# ------------------------------------------------------------------------------------------


def scheme_iri(scheme: str) -> URIRef:
    return URIRef(CONCEPT + scheme)


def concept_iri(scheme: str, slug: str) -> URIRef:
    return URIRef(f"{CONCEPT}{scheme}/{slug}")


def test_every_scheme_exists(vocabularies: Graph) -> None:
    schemes = set(vocabularies.subjects(RDF.type, SKOS.ConceptScheme))
    assert schemes == {scheme_iri(s) for s in SCHEMES}
    for scheme in schemes:
        assert langs(vocabularies, scheme, SKOS.prefLabel) == ["en", "fr"], scheme
        assert "fr" in langs(vocabularies, scheme, SKOS.definition), scheme


def test_every_concept_of_the_guide_exists(vocabularies: Graph, guide: str) -> None:
    rows = guide_table(guide, "| scheme (`concept:{scheme}`) |")
    by_scheme = {row[0].split("`")[1]: row[2] for row in rows}
    assert set(by_scheme) == set(SCHEMES) - {"agenda"}
    wanted = {
        (scheme, slug)
        for scheme, cell in by_scheme.items()
        for slug in re.findall(r"`([a-z0-9-]+)`", cell)  # skips `chargé-de-mission`
    }
    wanted |= {("agenda", slug) for slug in AGENDA_SLUGS}
    assert ("role", "charge-de-mission") in wanted and ("theme", "environment") in wanted
    missing = sorted(
        f"{scheme}/{slug}"
        for scheme, slug in wanted
        if (concept_iri(scheme, slug), RDF.type, SKOS.Concept) not in vocabularies
    )
    assert not missing, missing


def test_the_guide_lists_every_concept_of_its_closed_lists(
    vocabularies: Graph, guide: str
) -> None:
    """An analyst reads the guide to know the values: each scheme's row names them all, but
    the themes' (which says "at least")."""
    rows = guide_table(guide, "| scheme (`concept:{scheme}`) |")
    unlisted = []
    for row in rows:
        scheme = row[0].split("`")[1]
        if "at least" in row[2]:
            continue
        listed = set(re.findall(r"`([a-z0-9-]+)`", row[2]))
        prefix = f"{CONCEPT}{scheme}/"
        unlisted += [f"{scheme}/{str(c)[len(prefix):]}"
                     for c in vocabularies.subjects(SKOS.inScheme, scheme_iri(scheme))
                     if str(c)[len(prefix):] not in listed]
    assert not sorted(unlisted), sorted(unlisted)


def test_themes_cover_the_sources(vocabularies: Graph) -> None:
    """Themes the five documents need beyond the guide's minimum."""
    for slug, broader in [
        ("drinking-water", "water-sanitation"),
        ("stormwater-management", "water-sanitation"),
        ("ethical-public-procurement", "fair-trade"),
        ("violence-against-women", "gender-equality"),
        ("humanitarian-aid", "international-solidarity"),
        ("drug-prevention", "health"),
        ("child-protection", "childhood"),
    ]:
        assert (
            concept_iri("theme", slug),
            SKOS.broader,
            concept_iri("theme", broader),
        ) in vocabularies, slug
    assert (concept_iri("agenda", "odd-11"), SKOS.broader, concept_iri("agenda", "odd")) in (
        vocabularies
    )


def test_every_concept_is_well_formed(vocabularies: Graph) -> None:
    concepts = set(vocabularies.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) > 100
    problems = []
    for c in sorted(concepts):
        if langs(vocabularies, c, SKOS.prefLabel) != ["en", "fr"]:
            problems.append(f"{c}: needs exactly one skos:prefLabel @fr and one @en")
        if langs(vocabularies, c, SKOS.definition) != ["en", "fr"]:
            problems.append(f"{c}: needs one skos:definition @fr and one @en")
        schemes = list(vocabularies.objects(c, SKOS.inScheme))
        if len(schemes) != 1:
            problems.append(f"{c}: needs exactly one skos:inScheme")
            continue
        scheme = schemes[0]
        if not re.fullmatch(re.escape(str(scheme)) + r"/[a-z0-9]+(-[a-z0-9]+)*", str(c)):
            problems.append(f"{c}: IRI is not <scheme>/<slug> of {scheme}")
        top = (c, SKOS.topConceptOf, scheme) in vocabularies
        broader = list(vocabularies.objects(c, SKOS.broader))
        if top == bool(broader):
            problems.append(f"{c}: needs either skos:topConceptOf or skos:broader")
        if top and (scheme, SKOS.hasTopConcept, c) not in vocabularies:
            problems.append(f"{c}: top concept not listed by skos:hasTopConcept")
        if set(vocabularies.objects(c, SKOS.prefLabel)) & set(
            vocabularies.objects(c, SKOS.altLabel)
        ):
            problems.append(f"{c}: a label is both preferred and alternative (SKOS S13)")
        for b in broader + list(vocabularies.objects(c, SKOS.related)):
            if (b, SKOS.inScheme, scheme) not in vocabularies:
                problems.append(f"{c}: broader/related {b} is not in the same scheme")
    assert not problems, "\n".join(problems)


def test_preferred_labels_are_unique_within_a_scheme(vocabularies: Graph) -> None:
    seen: dict[tuple[str, str, str | None], URIRef] = {}
    for c in sorted(vocabularies.subjects(RDF.type, SKOS.Concept)):
        scheme = str(vocabularies.value(c, SKOS.inScheme))
        for label in vocabularies.objects(c, SKOS.prefLabel):
            assert isinstance(label, Literal)
            key = (scheme, str(label).lower(), label.language)
            assert key not in seen, f"{c} and {seen[key]} share the label {label!r}"
            seen[key] = c


def test_concept_hierarchies_reach_a_top_concept(vocabularies: Graph) -> None:
    for c in vocabularies.subjects(RDF.type, SKOS.Concept):
        seen = {c}
        node = c
        while (node, SKOS.topConceptOf, None) not in vocabularies:
            parents = list(vocabularies.objects(node, SKOS.broader))
            assert parents, node
            node = parents[0]
            assert node not in seen, f"cycle at {c}"
            seen.add(node)


def test_vocabularies_have_no_external_links(vocabularies: Graph) -> None:
    """External mappings are generated into data/links/, never written here."""
    for prop in (
        SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch,
        SKOS.relatedMatch, OWL.sameAs,
    ):  # fmt: skip
        assert not list(vocabularies.triples((None, prop, None))), prop
    for s, _p, o in vocabularies:
        for term in (s, o):
            if isinstance(term, URIRef) and "wikidata" in str(term):
                pytest.fail(f"external link {term}")


# ------------------------------------------------------------------------------------------
# OWL RL closure
# ------------------------------------------------------------------------------------------

SAMPLE = """
@prefix cg: <https://w3id.org/coopgraph/ontology#> .
@prefix territory: <https://w3id.org/coopgraph/id/territory/> .
@prefix actor: <https://w3id.org/coopgraph/id/actor/> .
@prefix person: <https://w3id.org/coopgraph/id/person/> .
@prefix project: <https://w3id.org/coopgraph/id/project/> .
@prefix event: <https://w3id.org/coopgraph/id/event/> .
@prefix participation: <https://w3id.org/coopgraph/id/participation/> .
@prefix figure: <https://w3id.org/coopgraph/id/figure/> .
@prefix doc: <https://w3id.org/coopgraph/id/document/> .
@prefix role: <https://w3id.org/coopgraph/id/concept/role/> .
@prefix theme: <https://w3id.org/coopgraph/id/concept/theme/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix schema: <http://schema.org/> .
@prefix igeo: <http://rdf.insee.fr/def/geo#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

actor:ville-de-matola a cg:LocalGovernment ;
    cg:governs territory:matola ;
    dcterms:source doc:002_a0cfcb4bfec34250 .
actor:cd93 a cg:LocalGovernment .
person:hugues-latron a cg:Person .
territory:matola a cg:Territory ; cg:withinTerritory territory:maputo-province ;
    cg:population figure:matola-population .
territory:maputo-province a cg:Territory ; cg:withinTerritory territory:mozambique .
territory:mozambique a cg:Territory .
territory:seine-saint-denis a cg:Territory ; igeo:codeINSEE "93"^^cg:CodeDepartement .
territory:stade-de-france a cg:Venue ; cg:withinTerritory territory:seine-saint-denis .
figure:matola-population a cg:Figure ; schema:value 600000 ; cg:approximate false .

project:adressage-matola a cg:Project ;
    cg:theme theme:urban-planning ;
    cg:location territory:matola ;
    cg:hasParticipation participation:adressage-matola-cd93 ;
    cg:evidence [ a cg:Evidence ; prov:entity doc:002_a0cfcb4bfec34250 ;
                  cg:excerpt "mise en place d’un programme d’adressage de la ville"@fr ] .
participation:adressage-matola-cd93 a cg:Participation ;
    cg:agent actor:cd93 ; cg:role role:lead .

event:rencontres-2017 a cg:Event ;
    cg:location territory:stade-de-france ;
    cg:output figure:delegations ;
    cg:hasParticipation participation:rencontres-latron .
participation:rencontres-latron cg:agent person:hugues-latron ; cg:role role:speaker .
figure:delegations a cg:Figure ; schema:value 35 .
"""

TERRITORY = Namespace("https://w3id.org/coopgraph/id/territory/")
ACTOR = Namespace("https://w3id.org/coopgraph/id/actor/")
PROJECT = Namespace("https://w3id.org/coopgraph/id/project/")
EVENT = Namespace("https://w3id.org/coopgraph/id/event/")
FIGURE = Namespace("https://w3id.org/coopgraph/id/figure/")
DOC = Namespace("https://w3id.org/coopgraph/id/document/")
PERSON = Namespace("https://w3id.org/coopgraph/id/person/")


@pytest.fixture(scope="module")
def inferred(ontology: Graph) -> Graph:
    # as the build runs it (the vocabularies add nothing these tests look at)
    return closure(
        ontology + Graph().parse(data=SAMPLE, format="turtle"),
        axiomatic_triples=False,
        datatype_axioms=False,
    )


def test_closure_of_the_ontology_alone_runs_cleanly_and_fast(ontology: Graph) -> None:
    start = time.monotonic()
    g = closure(ontology)  # owlrl defaults: axiomatic triples and datatype axioms included
    seconds = time.monotonic() - start
    assert not errors(g)
    assert len(g) > len(ontology)
    assert seconds < 60, f"OWL RL closure of the ontology took {seconds:.1f} s"
    # subclass transitivity inside the ontology
    assert (CG.ResourceCentre, RDFS.subClassOf, CG.Actor) in g
    assert (CG.LocalGovernment, RDFS.subClassOf, PROV.Agent) in g


def test_closure_with_defaults_on_ontology_vocabularies_and_sample(
    ontology: Graph, vocabularies: Graph
) -> None:
    g = closure(ontology + vocabularies + Graph().parse(data=SAMPLE, format="turtle"))
    assert not errors(g)
    assert (ID["concept/theme/urban-planning"], RDF.type, SKOS.Concept) in g
    assert (ACTOR.cd93, RDF.type, PROV.Agent) in g


def test_closure_has_no_errors(inferred: Graph) -> None:
    assert not errors(inferred)


def test_closure_infers_the_superclasses_of_a_local_government(inferred: Graph) -> None:
    matola = ACTOR["ville-de-matola"]
    for cls in (
        CG.Organisation,
        CG.Actor,
        ORG.Organization,
        ORG.FormalOrganization,
        SDO.GovernmentOrganization,
        PROV.Agent,
        FOAF.Agent,
    ):
        assert (matola, RDF.type, cls) in inferred, cls
    assert (PERSON["hugues-latron"], RDF.type, PROV.Person) in inferred


def test_closure_infers_involves_from_the_participation_chain(inferred: Graph) -> None:
    assert (PROJECT["adressage-matola"], CG.involves, ACTOR.cd93) in inferred
    assert (EVENT["rencontres-2017"], CG.involves, PERSON["hugues-latron"]) in inferred
    assert (EVENT["rencontres-2017"], CG.involves, ACTOR.cd93) not in inferred
    # the inverse and the type of the participation
    participation = ID["participation/rencontres-latron"]
    assert (participation, CG.participationIn, EVENT["rencontres-2017"]) in inferred
    assert (participation, RDF.type, CG.Participation) in inferred
    assert (participation, RDF.type, PROV.Association) in inferred


def test_closure_makes_within_territory_transitive(inferred: Graph) -> None:
    matola, mozambique = TERRITORY.matola, TERRITORY.mozambique
    assert (matola, CG.withinTerritory, mozambique) in inferred
    assert (matola, SDO.containedInPlace, mozambique) in inferred
    # a venue is within its territory, and stays a venue
    venue = TERRITORY["stade-de-france"]
    assert (venue, SDO.containedInPlace, TERRITORY["seine-saint-denis"]) in inferred
    assert (venue, RDF.type, CG.Territory) not in inferred


def test_closure_infers_inverses_and_superproperties(inferred: Graph) -> None:
    assert (TERRITORY.matola, CG.governedBy, ACTOR["ville-de-matola"]) in inferred
    assert (TERRITORY.matola, CG.figure, FIGURE["matola-population"]) in inferred
    assert (EVENT["rencontres-2017"], CG.figure, FIGURE.delegations) in inferred
    assert (PROJECT["adressage-matola"], SDO.location, TERRITORY.matola) in inferred
    # provenance: dcterms:source is read as prov:wasInfluencedBy, cg:evidence as PROV's
    # qualified influence: both hold for activities (a project) as well as entities, where
    # PROV's derivation terms (domain prov:Entity) would not
    assert (
        ACTOR["ville-de-matola"],
        PROV.wasInfluencedBy,
        DOC["002_a0cfcb4bfec34250"],
    ) in inferred
    evidence = inferred.value(PROJECT["adressage-matola"], CG.evidence)
    assert evidence is not None
    assert (PROJECT["adressage-matola"], PROV.qualifiedInfluence, evidence) in inferred
    assert (evidence, RDF.type, PROV.Influence) in inferred
    assert (PROJECT["adressage-matola"], PROV.wasDerivedFrom, None) not in inferred


def test_closure_infers_no_wrong_types(inferred: Graph) -> None:
    """Multi-class domains and ranges must not leak types across classes."""
    project, event = PROJECT["adressage-matola"], EVENT["rencontres-2017"]
    assert (project, RDF.type, CG.Event) not in inferred
    assert (event, RDF.type, CG.Project) not in inferred
    for thing in (project, event):
        assert (thing, RDF.type, CG.Partnership) not in inferred
        assert (thing, RDF.type, CG.Organisation) not in inferred
    assert (TERRITORY.matola, RDF.type, CG.Actor) not in inferred
    assert (TERRITORY.matola, RDF.type, CG.Venue) not in inferred
    assert (ACTOR.cd93, RDF.type, CG.Person) not in inferred
    assert (PERSON["hugues-latron"], RDF.type, CG.Organisation) not in inferred


def test_closure_reports_an_actor_used_as_a_territory(ontology: Graph) -> None:
    """Actors and territories are disjoint: confusing them is reported by the closure."""
    bad = Graph().parse(
        data="""
        @prefix cg: <https://w3id.org/coopgraph/ontology#> .
        @prefix actor: <https://w3id.org/coopgraph/id/actor/> .
        actor:cd93 a cg:LocalGovernment .
        actor:ville-de-matola a cg:LocalGovernment ; cg:governs actor:cd93 .
        """,
        format="turtle",
    )
    g = closure(ontology + bad, axiomatic_triples=False, datatype_axioms=False)
    assert errors(g)
    assert any(isinstance(m, BNode) for m in g.subjects(RDF.type, ERRNS.ErrorMessage))


# ------------------------------------------------------------------------------------------
# The ontology and the vocabularies against the curated data (data/, data/links/)
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data() -> Graph:
    """Every Turtle file of data/ and data/links/ (a file that does not parse is the data
    tests' business and is skipped here)."""
    g = Graph()
    for path in sorted((ROOT / "data").glob("*.ttl")) + sorted(
        (ROOT / "data" / "links").glob("*.ttl")
    ):
        try:
            g += Graph().parse(path, format="turtle")
        except Exception:  # reported by tests/test_data.py
            continue
    return g


def test_data_uses_only_declared_cg_terms(ontology: Graph, data: Graph) -> None:
    declared = cg_terms(ontology)
    used = set()
    for triple in data:
        for term in triple:
            if isinstance(term, URIRef) and str(term).startswith(str(CG)):
                used.add(term)
            elif isinstance(term, Literal) and str(term.datatype or "").startswith(str(CG)):
                used.add(URIRef(str(term.datatype)))
    assert used <= declared, sorted(used - declared)


def test_data_uses_only_defined_concepts(vocabularies: Graph, data: Graph) -> None:
    both = vocabularies + data
    defined = set(both.subjects(RDF.type, SKOS.Concept)) | set(
        both.subjects(RDF.type, SKOS.ConceptScheme)
    )
    used = {
        term
        for triple in data
        for term in triple
        if isinstance(term, URIRef) and str(term).startswith(CONCEPT)
    }
    assert used <= defined, sorted(used - defined)


def test_closure_of_ontology_and_data_has_no_errors(
    ontology: Graph, vocabularies: Graph, data: Graph
) -> None:
    g = closure(ontology + vocabularies + data, axiomatic_triples=False, datatype_axioms=False)
    assert not errors(g), errors(g)[:10]


def test_reused_terms_are_declared(ontology: Graph) -> None:
    """OWL 2 declarations: every class, property and annotation property the ontology refers
    to is declared (so that OWL tools read schema:domainIncludes as an annotation, etc.)."""
    builtin = (str(RDF), str(RDFS), str(OWL))
    xsd = "http://www.w3.org/2001/XMLSchema#"

    def declared(term: URIRef, *kinds: URIRef) -> bool:
        return any((term, RDF.type, kind) in ontology for kind in kinds)

    problems = []
    for s, p, o in ontology:
        if p in (RDFS.subClassOf, RDFS.domain, RDFS.range) and isinstance(o, URIRef):
            if not str(o).startswith(xsd) and not declared(o, OWL.Class):
                problems.append(f"class {o} is not declared")
        if p == RDFS.subPropertyOf:
            for term in (s, o):
                if not declared(term, OWL.ObjectProperty, OWL.DatatypeProperty):
                    problems.append(f"property {term} is not declared")
        if not str(p).startswith(builtin) and not declared(
            p, OWL.AnnotationProperty, OWL.ObjectProperty, OWL.DatatypeProperty
        ):
            problems.append(f"predicate {p} is not declared")
    assert not problems, "\n".join(sorted(set(problems)))
