"""Tests of the link generator (``coopgraph links``) and of the committed link files.

Why so strict: external identifiers must come only from verified rows of the reference
table; a wrong link is worse than a missing one. The fixture table (tests/fixtures/links/)
holds one row per case: verified rows with each kind of identifier, an unverified row whose
ID columns are (wrongly) filled, a verified row with empty cells, a ``guess:`` in notes, a
verified row the map does not name.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, SKOS, XSD

from coopgraph.config import CANONICAL_BASE, PROJECT_ROOT
from coopgraph.links import (
    DEFAULT_ENTITY_MAP,
    DEFAULT_OUT,
    DEFAULT_TABLE,
    LinkError,
    generate_links,
    main,
    parse_other,
    read_entity_map,
    read_table,
    ror_checksum_ok,
    skipped_names,
    unmapped_verified,
    verified_rows,
    write_links,
)
from coopgraph.namespaces import GEO, IGEO, SDO, VOID, WGS

FIXTURES = Path(__file__).parent / "fixtures" / "links"
TABLE = FIXTURES / "external-ids.tsv"
MAP = FIXTURES / "entity-map.tsv"

CG = Namespace(CANONICAL_BASE + "ontology#")
ID = CANONICAL_BASE + "id/"
TERRITORY = Namespace(ID + "territory/")
ACTOR = Namespace(ID + "actor/")
WD = Namespace("http://www.wikidata.org/entity/")
DOC = URIRef(ID + "document/external-ids")
RDF_NS = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
THEME_NS = ID + "concept/theme/"
DAC_NS = ID + "concept/dac/"
SDG_NS = "http://metadata.un.org/sdg/"


@pytest.fixture(scope="module")
def graph() -> Graph:
    return generate_links(TABLE, MAP)


def about(graph: Graph, subject: URIRef) -> set[tuple]:
    """Every triple whose subject is ``subject``."""
    return set(graph.triples((subject, None, None)))


def evidence_of(subject: URIRef) -> URIRef:
    return URIRef(ID + "evidence/external-ids-" + str(subject)[len(ID):].replace("/", "-"))


# --- the fixture table: exactly the expected triples ------------------------------------


def test_department_row_gives_exactly_the_expected_triples(graph: Graph) -> None:
    ssd = TERRITORY["seine-saint-denis"]
    geometry = URIRef(ID + "geometry/seine-saint-denis")
    assert about(graph, ssd) == {
        (ssd, SDO.sameAs, WD.Q12761),
        (ssd, SDO.sameAs, URIRef("https://sws.geonames.org/2975246/")),
        (ssd, IGEO.codeINSEE, Literal("93", datatype=CG.CodeDepartement)),
        (ssd, CG.iso3166Subdivision, Literal("FR-93")),
        (ssd, CG.nutsCode, Literal("FR106")),
        (ssd, WGS.lat, Literal("48.900", datatype=XSD.decimal)),
        (ssd, WGS.long, Literal("2.483", datatype=XSD.decimal)),
        (ssd, GEO.hasGeometry, geometry),
        (ssd, CG.evidence, evidence_of(ssd)),
        # its country, from the row's ISO 3166-2 code (FR-93) and the France row (FR / FRA)
        (ssd, CG.country, TERRITORY.france),
    }
    assert about(graph, geometry) == {
        (geometry, RDF.type, GEO.Geometry),
        (geometry, GEO.asWKT, Literal("POINT(2.483 48.900)", datatype=GEO.wktLiteral)),
    }
    assert about(graph, evidence_of(ssd)) == {
        (evidence_of(ssd), RDF.type, CG.Evidence),
        (evidence_of(ssd), PROV.entity, DOC),
        (evidence_of(ssd), CG.excerpt, Literal("https://example.org/ssd (FR106)")),
    }


def test_country_row_gives_iso_codes(graph: Graph) -> None:
    france = TERRITORY.france
    assert about(graph, france) == {
        (france, SDO.sameAs, WD.Q142),
        (france, SDO.sameAs, URIRef("https://sws.geonames.org/3017382/")),
        (france, CG.iso3166Alpha2, Literal("FR")),
        (france, CG.iso3166Alpha3, Literal("FRA")),
        (france, CG.evidence, evidence_of(france)),
    }


def test_organisation_rows_give_ror_homepage_archives(graph: Graph) -> None:
    afd, hcci = ACTOR.afd, ACTOR.hcci
    assert about(graph, afd) == {
        (afd, SDO.sameAs, URIRef("https://ror.org/04tqhj682")),
        (afd, FOAF.homepage, URIRef("https://www.afd.fr")),
        (afd, CG.evidence, evidence_of(afd)),
    }
    assert about(graph, hcci) == {
        (hcci, CG.archivesNationalesId, Literal("010077")),
        (hcci, CG.evidence, evidence_of(hcci)),
    }


def test_sdg_rows(graph: Graph) -> None:
    odd, odd11 = URIRef(ID + "concept/agenda/odd"), URIRef(ID + "concept/agenda/odd-11")
    # The scheme IRI in the ODD row is a concept scheme, not a concept: not linked.
    assert about(graph, odd) == {
        (odd, SKOS.exactMatch, WD.Q7649586),
        (odd, CG.evidence, evidence_of(odd)),
    }
    assert about(graph, odd11) == {
        (odd11, SKOS.exactMatch, WD.Q53581228),
        (odd11, SKOS.exactMatch, URIRef(SDG_NS + "11")),
        (odd11, CG.evidence, evidence_of(odd11)),
    }


def test_insee_typing_by_level(graph: Graph) -> None:
    codes = {
        (s, o) for s, o in graph.subject_objects(IGEO.codeINSEE)
    }
    assert codes == {
        (TERRITORY["seine-saint-denis"], Literal("93", datatype=CG.CodeDepartement)),
        (TERRITORY.bobigny, Literal("93008", datatype=CG.CodeCommune)),
        (TERRITORY["ile-de-france"], Literal("11", datatype=CG.CodeRegion)),
        # the secondary code of the `other` cell ("INSEE département code: 75") is
        # validated but not linked: one INSEE code per territory (the shapes say so)
        (TERRITORY.paris, Literal("75056", datatype=CG.CodeCommune)),
    }


def test_guess_in_notes_produces_nothing(graph: Graph) -> None:
    bobigny = TERRITORY.bobigny
    assert (bobigny, SDO.sameAs, WD.Q154724) not in graph
    assert {o for o in graph.objects(bobigny, SDO.sameAs)} == {
        URIRef("https://sws.geonames.org/3032179/")
    }
    assert (ACTOR.afd, SDO.sameAs, WD.Q2826643) not in graph
    assert not any(str(o).startswith(str(WD)) for o in graph.objects(ACTOR.afd, None))
    assert not any(str(o).startswith(str(WD)) for o in graph.objects(TERRITORY["hai-duong"], None))


def test_unverified_empty_and_unmapped_rows_produce_nothing(graph: Graph) -> None:
    town = TERRITORY["unverified-town"]
    empty = ACTOR.empty
    for subject in (town, empty, URIRef(ID + "geometry/unverified-town")):
        assert about(graph, subject) == set()
        assert not list(graph.triples((None, None, subject)))
    objects = set(graph.objects())
    for value in (WD.Q4115189, URIRef("https://sws.geonames.org/2988508/"), WD.Q5,
                  URIRef("https://sws.geonames.org/123/"), URIRef("https://example.org/town")):
        assert value not in objects


def test_annotation_in_other_is_dropped_and_coordinates(graph: Graph) -> None:
    hd = TERRITORY["hai-duong"]
    assert (hd, CG.iso3166Subdivision, Literal("VN-61")) in graph
    assert (hd, WGS.lat, Literal("20.9311", datatype=XSD.decimal)) in graph
    assert (hd, WGS.long, Literal("106.3593", datatype=XSD.decimal)) in graph
    geometry = URIRef(ID + "geometry/hai-duong")
    wkt = Literal("POINT(106.3593 20.9311)", datatype=GEO.wktLiteral)
    assert (geometry, GEO.asWKT, wkt) in graph


def test_no_blank_nodes(graph: Graph) -> None:
    from rdflib import BNode

    assert not [t for t in graph if any(isinstance(x, BNode) for x in t)]


def test_provenance_and_void(graph: Graph) -> None:
    assert (DOC, RDF.type, CG.Document) in graph
    assert list(graph.objects(DOC, DCTERMS.title))
    assert list(graph.objects(DOC, DCTERMS.description))
    linked = set(graph.subjects(CG.evidence, None))
    assert len(linked) == 10
    for entity in linked:
        ev = graph.value(entity, CG.evidence)
        assert (ev, PROV.entity, DOC) in graph
    expected = {"wikidata": 6, "geonames": 6, "ror": 1, "un-sdg": 1}
    for slug, count in expected.items():
        linkset = URIRef(ID + f"linkset/{slug}")
        assert (linkset, RDF.type, VOID.Linkset) in graph
        assert set(graph.objects(linkset, VOID.linkPredicate)) <= {SKOS.exactMatch, SDO.sameAs}
        assert graph.value(linkset, VOID.linkPredicate) is not None
        assert (linkset, VOID.target, URIRef(ID + f"dataset/{slug}")) in graph
        assert graph.value(linkset, VOID.triples).toPython() == count
    # the counts are the real number of links (skos:exactMatch or schema:sameAs) per target
    prefixes = {"wikidata": str(WD), "geonames": "https://sws.geonames.org/",
                "ror": "https://ror.org/", "un-sdg": SDG_NS}
    for slug, prefix in prefixes.items():
        real = sum(1 for p in (SKOS.exactMatch, SDO.sameAs) for o in graph.objects(None, p)
                   if str(o).startswith(prefix))
        assert real == expected[slug]


def test_another_base_rewrites_our_iris() -> None:
    g = generate_links(TABLE, MAP, base="https://example.org/cg/")
    assert (URIRef("https://example.org/cg/id/territory/france"), SDO.sameAs, WD.Q142) in g
    assert not any(CANONICAL_BASE in str(x) for t in g for x in t)


def test_unmapped_verified_and_skipped() -> None:
    assert unmapped_verified(TABLE, MAP) == ["Not In Map"]
    assert list(skipped_names(MAP)) == [
        "OECD DAC/CRS purpose code 15112: Decentralisation and support to subnational government"
    ]


# --- the `other` cell -------------------------------------------------------------------


def test_parse_other_syntax() -> None:
    assert parse_other("") == []
    assert parse_other(" ; ;") == []
    assert parse_other("ror:04tqhj682;Homepage :  https://x.example/a:b ; ; NUTS3: FR106") == [
        ("ror", "04tqhj682"),
        ("homepage", "https://x.example/a:b"),
        ("nuts", "FR106"),
    ]
    assert parse_other("ISO 3166-2: VN-61 (per WOF)") == [("iso3166-2", "VN-61")]
    assert parse_other("https://metadata.un.org/sdg/5") == [("sdg", SDG_NS + "5")]
    assert parse_other("INSEE  département code: 75") == [("insee-departement", "75")]
    assert parse_other("OECD DAC/CRS purpose code: 15180") == [("dac", "15180")]
    assert parse_other("UN SDG scheme: http://metadata.un.org/sdg/ (goals /1 … /17)")[0][0] == (
        "sdg-scheme"
    )


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("Foo: 12", "unknown key 'Foo'"),
        ("just words", "expected 'key: value'"),
        ("https://example.org/x", "not a UN SDG goal"),
        ("http://metadata.un.org/sdg/18", "not a UN SDG goal"),
        ("ROR: 04tqhj683", "check digits"),
        ("ISO 3166-2: fr93", "ISO 3166-2"),
        ("homepage: not a url", "homepage"),
        ("NUTS3:", "empty value"),
    ],
)
def test_parse_other_refuses(cell: str, message: str) -> None:
    with pytest.raises(LinkError, match=re.escape(message)):
        parse_other(cell, "t.tsv line 9 ('X')")


def test_ror_checksum() -> None:
    for good in ("04tqhj682", "00dfd1509", "03h38n443", "05q3vnk25", "04wez5e68"):
        assert ror_checksum_ok(good)
    assert not ror_checksum_ok("04tqhj681")
    assert not ror_checksum_ok("14tqhj682")


# --- refusals, on a copy of the fixture with one cell changed ---------------------------


def _variant(tmp_path: Path, name: str, column: str, value: str) -> Path:
    """A copy of the fixture table with one cell of the row ``name`` replaced."""
    lines = TABLE.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    out = [lines[0]]
    for line in lines[1:]:
        cells = line.split("\t")
        if cells[0] == name:
            cells[header.index(column)] = value
        out.append("\t".join(cells))
    path = tmp_path / "external-ids.tsv"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "column", "value", "message"),
    [
        ("France", "wikidata", "Q0142", "malformed Wikidata QID 'Q0142'"),
        ("France", "wikidata", "142", "malformed Wikidata QID '142'"),
        ("France", "wikidata", "Q142 ", None),  # surrounding spaces are not an error
        ("France", "wikidata", "Q142; Q90", "malformed Wikidata QID"),
        ("France", "geonames", "30173x82", "malformed GeoNames ID"),
        ("France", "iso3166", "FRA / FR", "ISO 3166-1 alpha-2"),
        ("France", "iso3166", "FR", "expected 'FR / FRA'"),
        ("Bobigny", "insee", "9300", "malformed INSEE code"),
        ("Paris", "lat", "", "'lat' and 'long' must be given together"),
        ("Paris", "lat", "148.1", "latitude '148.1' out of range"),
        ("Paris", "lat", "4.5.6", "malformed latitude"),
        ("Paris", "long", "2,3488", "malformed longitude"),
        ("Paris", "other", "INSEE département code: 750", "malformed INSEE département code"),
        ("Paris", "long", "-181.0", "out of range"),
        ("Not In Map", "wikidata", "Q-5", "malformed Wikidata QID"),  # unmapped rows too
        ("France", "evidence", "", "no evidence"),
        ("Empty Verified Row", "evidence", "", None),  # no identifier, nothing to back
    ],
)
def test_malformed_cells_are_refused_naming_the_row(
    tmp_path: Path, name: str, column: str, value: str, message: str | None
) -> None:
    table = _variant(tmp_path, name, column, value)
    if message is None:
        generate_links(table, MAP)
        return
    with pytest.raises(LinkError) as err:
        generate_links(table, MAP)
    assert message in str(err.value)
    assert repr(name) in str(err.value) and "line " in str(err.value)


def test_unverified_row_is_never_validated_nor_used(tmp_path: Path) -> None:
    table = _variant(tmp_path, "Unverified Town", "wikidata", "not-a-qid")
    g = generate_links(table, MAP)
    assert about(g, TERRITORY["unverified-town"]) == set()


def test_insee_level_is_required_and_cross_checked(tmp_path: Path) -> None:
    text = MAP.read_text(encoding="utf-8")
    no_level = tmp_path / "no-level.tsv"
    no_level.write_text(
        text.replace("territory/ile-de-france\tregion", "territory/ile-de-france\t"),
        encoding="utf-8",
    )
    with pytest.raises(LinkError, match="Île-de-France.*département or a région"):
        generate_links(TABLE, no_level)
    wrong = tmp_path / "wrong-level.tsv"
    wrong.write_text(
        text.replace("territory/ile-de-france\tregion", "territory/ile-de-france\tdepartement"),
        encoding="utf-8",
    )
    with pytest.raises(LinkError, match="says 'departement' but the reference row says 'region'"):
        generate_links(TABLE, wrong)


def test_entity_map_refusals(tmp_path: Path) -> None:
    text = MAP.read_text(encoding="utf-8")
    unknown = tmp_path / "unknown.tsv"
    unknown.write_text(text + "No Such Row\thttps://w3id.org/coopgraph/id/actor/x\t\t\n",
                       encoding="utf-8")
    with pytest.raises(LinkError, match="'No Such Row' is not a name of"):
        generate_links(TABLE, unknown)
    foreign = tmp_path / "foreign.tsv"
    foreign.write_text(text + "Not In Map\thttp://www.wikidata.org/entity/Q5\t\t\n",
                       encoding="utf-8")
    with pytest.raises(LinkError, match="not an entity IRI"):
        generate_links(TABLE, foreign)
    same_target = _variant(tmp_path, "Bobigny", "geonames", "2975246")  # SSD's GeoNames ID
    with pytest.raises(LinkError, match="already matched by 'Seine-Saint-Denis"):
        generate_links(same_target, MAP)
    twice = tmp_path / "twice.tsv"
    twice.write_text(text + "Not In Map\thttps://w3id.org/coopgraph/id/territory/france\t\t\n",
                     encoding="utf-8")
    with pytest.raises(LinkError, match="already linked"):
        generate_links(TABLE, twice)


def test_table_without_a_column_is_refused(tmp_path: Path) -> None:
    lines = TABLE.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "t.tsv"
    bad.write_text("\n".join([lines[0].replace("status", "state")] + lines[1:]) + "\n",
                   encoding="utf-8")
    with pytest.raises(LinkError, match="missing column"):
        generate_links(bad, MAP)


# --- writing and the command -----------------------------------------------------------


def test_write_links_header_and_round_trip(tmp_path: Path, graph: Graph) -> None:
    out = tmp_path / "links.ttl"
    write_links(graph, out, table=TABLE, entity_map=MAP)
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# generated by coopgraph links from ")
    assert "do not edit" in text.splitlines()[1]
    assert set(Graph().parse(out, format="turtle")) == set(graph)
    # deterministic: the same input gives the same bytes
    out2 = tmp_path / "links2.ttl"
    write_links(generate_links(TABLE, MAP), out2, table=TABLE, entity_map=MAP)
    assert out2.read_bytes() == out.read_bytes()


def test_main_writes_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.ttl"
    assert main(table=TABLE, entity_map=MAP, out=out) == 0
    assert out.is_file()
    captured = capsys.readouterr()
    assert "10 entities" in captured.out
    assert "Not In Map" in captured.err


def test_main_missing_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.ttl"
    assert main(table=tmp_path / "nope.tsv", entity_map=MAP, out=out) == 2
    assert "reference table not found" in capsys.readouterr().err
    assert not out.exists()


def test_main_refused_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = _variant(tmp_path, "France", "wikidata", "Q0")
    out = tmp_path / "out.ttl"
    assert main(table=table, entity_map=MAP, out=out) == 1
    assert "'France'" in capsys.readouterr().err
    assert not out.exists()


# --- the real files ---------------------------------------------------------------------



def _real_map_rows() -> list[tuple[str, str]]:
    return [(e.name, e.iri) for e in read_entity_map(DEFAULT_ENTITY_MAP).values()]


def test_real_map_names_are_verified_rows() -> None:
    rows = {r.name: r for r in read_table(DEFAULT_TABLE)}
    for name, _iri in _real_map_rows():
        assert name in rows, f"{name!r} is not a name of the reference table"
        assert rows[name].get("status") == "verified", f"{name!r} is not verified"
    for name in skipped_names(DEFAULT_ENTITY_MAP):
        assert name in rows, f"skipped {name!r} is not a name of the reference table"


def test_real_map_decides_about_every_verified_row() -> None:
    assert unmapped_verified(DEFAULT_TABLE, DEFAULT_ENTITY_MAP) == []


def _defined_iris() -> set[str]:
    """Every IRI with an rdf:type in data/*.ttl (entities) or ontology/*.ttl (concepts)."""
    g = Graph()
    for folder in ("data", "ontology"):
        for path in sorted((PROJECT_ROOT / folder).glob("*.ttl")):
            g.parse(path, format="turtle")
    return {str(s) for s in g.subjects(RDF.type, None) if isinstance(s, URIRef)}


def test_real_map_iris_are_defined_in_the_data() -> None:
    defined = _defined_iris()
    missing = sorted(iri for _name, iri in _real_map_rows() if iri not in defined)
    assert not missing, f"{len(missing)} IRIs of entity-map.tsv have no rdf:type yet: {missing}"


def _data_graph() -> Graph:
    g = Graph()
    for path in sorted((PROJECT_ROOT / "data").glob("*.ttl")):
        g.parse(path, format="turtle")
    return g


def test_real_links_agree_with_the_levels_in_the_data() -> None:
    """The INSEE datatype chosen by the entity map matches the level the data gives the
    territory, and ISO 3166-1 codes sit only on countries (entities without a level yet
    are reported by the test above)."""
    data = _data_graph()
    links = Graph().parse(DEFAULT_OUT, format="turtle")
    level = Namespace(ID + "concept/level/")
    expected = {"CodeCommune": level.municipality, "CodeDepartement": level.department,
                "CodeRegion": level.region}
    entries = read_entity_map(DEFAULT_ENTITY_MAP)
    wrong = []
    checked = 0
    for row in verified_rows(read_table(DEFAULT_TABLE)):
        entry = entries.get(row.name)
        if entry is None or not row.get("insee"):
            continue
        subject = URIRef(entry.iri)
        stated = data.value(subject, CG.administrativeLevel)
        for code in links.objects(subject, IGEO.codeINSEE):
            if str(code) == row.get("insee") and stated is not None:
                checked += 1
                if expected[str(code.datatype).split("#")[1]] != stated:
                    wrong.append(f"{subject}: {code.datatype} but level {stated}")
    for subject in links.subjects(CG.iso3166Alpha2, None):
        stated = data.value(subject, CG.administrativeLevel)
        if stated is not None and stated != level.country:
            wrong.append(f"{subject}: ISO 3166-1 code but level {stated}")
    assert checked, "no INSEE code could be checked against a level"
    assert not wrong, wrong


def test_committed_links_equal_a_fresh_generation() -> None:
    fresh = generate_links(DEFAULT_TABLE, DEFAULT_ENTITY_MAP)
    committed = Graph().parse(DEFAULT_OUT, format="turtle")
    assert set(committed) == set(fresh), "run `coopgraph links` and commit the result"


def test_real_links_never_use_a_guess() -> None:
    """A QID that appears as a ``guess:`` in notes must not be linked (unless another,
    verified row carries it in its wikidata column)."""
    rows = read_table(DEFAULT_TABLE)
    verified_qids = {r.get("wikidata") for r in verified_rows(rows)}
    guesses = set()
    for r in rows:
        guesses |= set(re.findall(r"guess:\s*(Q[0-9]+)", r.get("notes")))
    assert guesses, "the guard is vacuous: the table has no guess: QIDs"
    out = Graph().parse(DEFAULT_OUT)
    linked = {str(o) for p in (SKOS.exactMatch, SDO.sameAs) for o in out.objects(None, p)}
    for qid in guesses - verified_qids:
        assert str(WD[qid]) not in linked


# --- the curated theme mappings --------------------------------------------------------

THEMES_FILE = PROJECT_ROOT / "data" / "links" / "theme-mappings.ttl"
VOCABULARIES = PROJECT_ROOT / "ontology" / "vocabularies.ttl"


@pytest.fixture(scope="module")
def mappings() -> Graph:
    return Graph().parse(THEMES_FILE, format="turtle")


def _mapping_triples(g: Graph) -> set[tuple]:
    return {
        (s, p, o) for p in (SKOS.closeMatch, SKOS.relatedMatch, SKOS.exactMatch,
                            SKOS.broadMatch, SKOS.narrowMatch)
        for s, o in g.subject_objects(p)
    }


def test_theme_mappings_are_all_described_as_curated(mappings: Graph) -> None:
    triples = _mapping_triples(mappings)
    assert triples
    assert all(p in (SKOS.closeMatch, SKOS.relatedMatch) for _s, p, _o in triples)
    described = set()
    for m in mappings.subjects(RDF.type, CG.CuratedMapping):
        described.add((mappings.value(m, RDF_NS.subject), mappings.value(m, RDF_NS.predicate),
                       mappings.value(m, RDF_NS.object)))
        assert mappings.value(m, DCTERMS.creator) == Literal("coopgraph curators")
        assert mappings.value(m, URIRef("http://www.w3.org/2000/01/rdf-schema#comment"))
    assert described == triples


def test_theme_mappings_use_only_verified_targets(mappings: Graph) -> None:
    sdgs: set[str] = set()
    dac: dict[str, str] = {}
    for row in verified_rows(read_table(DEFAULT_TABLE)):
        for key, value in parse_other(row.get("other"), row.where()):
            if key == "sdg":
                sdgs.add(value)
            elif key == "dac":
                label = row.name.split(":", 1)[1].strip() if ":" in row.name else ""
                dac[value] = label
    for _s, _p, o in _mapping_triples(mappings):
        if str(o).startswith(SDG_NS):
            assert str(o) in sdgs, f"{o} is not a verified SDG"
        elif str(o).startswith(DAC_NS):
            code = str(o)[len(DAC_NS):]
            assert code in dac, f"DAC {code} is not verified"
        else:
            pytest.fail(f"unexpected mapping target {o}")
    for concept in mappings.subjects(SKOS.inScheme, URIRef(ID + "concept/dac")):
        code = str(mappings.value(concept, SKOS.notation))
        assert str(concept) == DAC_NS + code
        assert code in dac, f"DAC {code} is not verified"
        labels = set(mappings.objects(concept, SKOS.prefLabel))
        assert {lab for lab in labels if lab.language == "en"} == {Literal(dac[code], lang="en")}
        assert {lab for lab in labels if lab.language == "fr"} == {
            Literal(f"Code-objet CAD {code}", lang="fr")
        }


def test_theme_mappings_use_only_defined_themes(mappings: Graph) -> None:
    subjects = {str(s) for s, _p, _o in _mapping_triples(mappings)}
    assert all(s.startswith(THEME_NS) for s in subjects)
    assert VOCABULARIES.is_file(), "ontology/vocabularies.ttl is not written yet"
    vocab = Graph().parse(VOCABULARIES, format="turtle")
    themes = {str(s) for s in vocab.subjects(SKOS.inScheme, URIRef(ID + "concept/theme"))}
    missing = sorted(subjects - themes)
    assert not missing, f"themes not in ontology/vocabularies.ttl: {missing}"


def test_fixture_dir_is_self_contained(tmp_path: Path) -> None:
    """The generator reads only the two files it is given (no hidden dependency on the
    checkout): copies in an empty directory give the same graph."""
    shutil.copy(TABLE, tmp_path / "t.tsv")
    shutil.copy(MAP, tmp_path / "m.tsv")
    assert set(generate_links(tmp_path / "t.tsv", tmp_path / "m.tsv")) == set(
        generate_links(TABLE, MAP)
    )


# --- link predicates and countries -------------------------------------------------------


def test_things_are_linked_with_schema_sameas_and_concepts_with_skos_exactmatch() -> None:
    """SKOS's exactMatch makes its subject a skos:Concept; owl:sameAs would merge our
    resource with the Wikidata item under the closure: schema:sameAs for things."""
    g = Graph().parse(DEFAULT_OUT)
    concept = CANONICAL_BASE + "id/concept/"
    assert all(str(s).startswith(concept) for s in g.subjects(SKOS.exactMatch, None))
    assert not any(str(s).startswith(concept) for s in g.subjects(SDO.sameAs, None))
    assert (URIRef(CANONICAL_BASE + "id/territory/paris"), SDO.sameAs, WD.Q90) in g
    assert not list(g.triples((None, URIRef("http://www.w3.org/2002/07/owl#sameAs"), None)))


def test_countries_come_from_the_verified_rows_of_the_reference_table() -> None:
    g = Graph().parse(DEFAULT_OUT)
    france = URIRef(CANONICAL_BASE + "id/territory/france")
    for slug in ("paris", "bobigny", "saint-denis", "nanterre", "savigny-le-temple", "lille",
                 "nord-pas-de-calais"):
        place = URIRef(CANONICAL_BASE + "id/territory/" + slug)
        assert (place, CG.country, france) in g, slug
        # with provenance: the entity's evidence quotes the reference table's row
        assert g.value(g.value(place, CG.evidence), PROV.entity) == DOC
    # a country the graph does not hold is not added (Barcelona is in Spain: no Spain here)
    barcelone = URIRef(CANONICAL_BASE + "id/territory/barcelone")
    assert g.value(barcelone, CG.country) is None
    # a country is not its own country
    assert g.value(france, CG.country) is None
