"""Generate ``data/links/external-ids.ttl`` from the verified rows of the reference table.

Why a generator and not a hand-written file: the reference table
(``data/links/reference/external-ids.tsv``) is the only place where external identifiers are
checked against their sources, and it grows. Writing links by hand would let an
unverified identifier, a ``guess:`` or a remembered QID slip in; a wrong link is worse than a
missing one. So the links are *derived*: rerun ``coopgraph links`` when the table grows and
the links follow.

Two inputs:

* the reference table (TSV: ``name kind wikidata geonames iso3166 insee other lat long
  evidence status notes``); only rows whose ``status`` is ``verified`` are read, and only
  their identifier columns (never ``notes``, where the guesses live);
* ``data/links/entity-map.tsv``, which says which of our IRIs each reference row names
  (columns ``name iri insee_level note``). Rows the graph does not hold are listed there as
  ``# skip<TAB>name<TAB>reason`` comment lines, so that a new verified row that nobody has
  decided about is reported.

Every identifier is validated against its pattern (QID, GeoNames, ROR with its checksum,
ISO 3166, INSEE, NUTS…) and anything malformed is refused with an error that names the row:
the generator never "repairs" an identifier.

The triples follow the table in ``docs/modelling.md`` (section "External identifiers").
Provenance: the reference table is described as a ``cg:Document``; each linked entity gets a
``cg:Evidence`` node quoting the row's ``evidence`` cell; each target vocabulary gets a VoID
linkset description with its triple count. No blank nodes, so the output is stable.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, SKOS, XSD

from .config import CANONICAL_BASE, PROJECT_ROOT
from .namespaces import GEO, IGEO, SDG, SDO, VOID, WD, WGS

#: The link predicates. A concept of our vocabularies (``<base>id/concept/…``) is matched
#: with skos:exactMatch, whose domain and range are skos:Concept. A real-world thing (a
#: territory, an organisation, a person) is linked with schema:sameAs: SKOS would make it a
#: concept, and owl:sameAs would make the OWL RL closure copy every statement about our
#: resource onto the Wikidata item and back (and Wikidata often merges a territory with its
#: authority); schema:sameAs ("a reference page that unambiguously indicates the item's
#: identity") says what we mean and carries no OWL semantics.
LINK_PREDICATES = (SKOS.exactMatch, SDO.sameAs)

#: Where the reference table lives: beside the links it generates (``data/links/reference/``).
DEFAULT_TABLE = PROJECT_ROOT / "data" / "links" / "reference" / "external-ids.tsv"
DEFAULT_ENTITY_MAP = PROJECT_ROOT / "data" / "links" / "entity-map.tsv"
DEFAULT_OUT = PROJECT_ROOT / "data" / "links" / "external-ids.ttl"

#: The columns the generator reads; a table without them is refused rather than half-read.
REQUIRED_COLUMNS = (
    "name", "wikidata", "geonames", "iso3166", "insee", "other", "lat", "long",
    "evidence", "status",
)

#: Namespaces of the link targets (URI patterns checked in the table's README).
WIKIDATA_ENTITY = str(WD)
GEONAMES_FEATURE = "https://sws.geonames.org/"
ROR_BASE = "https://ror.org/"
UN_SDG = str(SDG)

# --- identifier patterns -----------------------------------------------------------------

QID_RE = re.compile(r"^Q[1-9][0-9]*$")
GEONAMES_RE = re.compile(r"^[1-9][0-9]*$")
# ROR: "0", six Crockford base-32 characters, two check digits (ISO 7064 mod 97-10).
ROR_RE = re.compile(r"^0[0-9a-hjkmnp-tv-z]{6}[0-9]{2}$")
ISO_ALPHA2_RE = re.compile(r"^[A-Z]{2}$")
ISO_ALPHA3_RE = re.compile(r"^[A-Z]{3}$")
ISO_SUBDIVISION_RE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
NUTS_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{1,3}$")
INSEE_COMMUNE_RE = re.compile(r"^(?:[0-9]{2}|2[AB])[0-9]{3}$")
INSEE_DEPARTEMENT_RE = re.compile(r"^(?:0[1-9]|[1-8][0-9]|9[0-5]|2[AB]|97[1-6])$")
INSEE_REGION_RE = re.compile(r"^[0-9]{2}$")
ARCHIVES_NATIONALES_RE = re.compile(r"^[0-9]{6}$")
DAC_RE = re.compile(r"^[0-9]{5}$")
SDG_URI_RE = re.compile(r"^https?://metadata\.un\.org/sdg/([1-9]|1[0-7])$")
DECIMAL_RE = re.compile(r"^-?[0-9]{1,3}(?:\.[0-9]+)?$")

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"

#: INSEE levels and the datatype (in ``cg:``) of each.
INSEE_LEVELS = {"commune": "CodeCommune", "departement": "CodeDepartement", "region": "CodeRegion"}

#: Canonical keys of the ``other`` cell, by their normalised spelling in the table.
OTHER_KEYS = {
    "iso 3166-2": "iso3166-2",
    "nuts": "nuts",
    "nuts1": "nuts",
    "nuts2": "nuts",
    "nuts3": "nuts",
    "ror": "ror",
    "homepage": "homepage",
    "archives nationales agent": "archives-nationales",
    "un sdg": "sdg",
    "un sdg uri": "sdg",
    "insee département code": "insee-departement",
    "insee departement code": "insee-departement",
    "oecd dac/crs purpose code": "dac",
    "un sdg scheme": "sdg-scheme",
}

#: Keys that are recognised and validated but produce no triple here, with the reason.
NO_TRIPLE_KEYS = {
    # The scheme IRI names a concept scheme, not a concept: skos:exactMatch relates concepts.
    "sdg-scheme",
    # DAC purpose codes are classification targets of the curated theme mappings
    # (data/links/theme-mappings.ttl), not identifiers of our entities.
    "dac",
    # A secondary INSEE code (Paris is a commune, 75056, and a coextensive département, 75):
    # the shapes allow one igeo:codeINSEE per territory, and the territory is the commune.
    "insee-departement",
}

#: The link targets described as VoID linksets: key → (slug, title, URI space).
TARGETS = {
    "wikidata": ("wikidata", "Wikidata", WIKIDATA_ENTITY),
    "geonames": ("geonames", "GeoNames", GEONAMES_FEATURE),
    "ror": ("ror", "Research Organization Registry (ROR)", ROR_BASE),
    "sdg": ("un-sdg", "UN Sustainable Development Goals (metadata.un.org)", UN_SDG),
}

TABLE_DOCUMENT_SLUG = "external-ids"


class LinkError(ValueError):
    """A reference row, or the entity map, that cannot be turned into links safely."""


@dataclass(frozen=True)
class Row:
    """One row of the reference table, with its line number for error messages."""

    line: int
    cells: dict[str, str]

    @property
    def name(self) -> str:
        return self.cells.get("name", "")

    def get(self, column: str) -> str:
        """A cell, stripped; a missing column reads as empty."""
        return (self.cells.get(column) or "").strip()

    def where(self, table: Path | str = "reference table") -> str:
        name = Path(table).name if isinstance(table, Path) else table
        return f"{name} line {self.line} ({self.name!r})"


@dataclass(frozen=True)
class MapEntry:
    """One row of the entity map: a reference-table name and the IRI of our entity."""

    name: str
    iri: str
    insee_level: str = ""
    note: str = ""


# --- reading -----------------------------------------------------------------------------


def read_table(table: Path) -> list[Row]:
    """All rows of the reference table (verified or not), refusing a table without the
    columns the generator needs (a renamed column must not silently drop every link)."""
    with table.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise LinkError(f"{table.name}: missing column(s) {', '.join(missing)}")
        rows = []
        for cells in reader:
            clean = {k: (v or "") for k, v in cells.items() if k is not None}
            rows.append(Row(line=reader.line_num, cells=clean))
    return rows


def verified_rows(rows: Iterable[Row]) -> Iterator[Row]:
    """The rows the generator may use: ``status`` exactly ``verified`` (case-insensitive)."""
    return (r for r in rows if r.get("status").lower() == "verified")


def _map_lines(entity_map: Path) -> Iterator[tuple[int, str]]:
    with entity_map.open(encoding="utf-8-sig", newline="") as fh:
        for number, line in enumerate(fh, start=1):
            yield number, line.rstrip("\r\n")


def read_entity_map(entity_map: Path, base: str = CANONICAL_BASE) -> dict[str, MapEntry]:
    """The entity map as ``name → entry``. Comment lines (``#``) and blank lines are skipped.

    The IRIs in the file are canonical (``https://w3id.org/coopgraph/id/…``); with another
    ``base`` they are rewritten, as ``coopgraph build`` rewrites the other files.
    """
    entries: dict[str, MapEntry] = {}
    header: list[str] | None = None
    for number, line in _map_lines(entity_map):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = line.split("\t")
        if header is None:
            header = [c.strip() for c in cells]
            if header[:2] != ["name", "iri"]:
                raise LinkError(f"{entity_map.name}: the header must start with 'name<TAB>iri'")
            continue
        record = dict(zip(header, (c.strip() for c in cells), strict=False))
        name, iri = record.get("name", ""), record.get("iri", "")
        where = f"{entity_map.name} line {number} ({name!r})"
        if not name or not iri:
            raise LinkError(f"{where}: both 'name' and 'iri' are required")
        if not iri.startswith(CANONICAL_BASE + "id/") or any(ch in iri for ch in " <>\"{}|\\^`"):
            raise LinkError(f"{where}: {iri!r} is not an entity IRI under {CANONICAL_BASE}id/")
        level = record.get("insee_level", "")
        if level and level not in INSEE_LEVELS:
            raise LinkError(
                f"{where}: insee_level {level!r} is not one of {', '.join(INSEE_LEVELS)}"
            )
        if name in entries:
            raise LinkError(f"{where}: name listed twice")
        entries[name] = MapEntry(
            name=name,
            iri=base + iri[len(CANONICAL_BASE):],
            insee_level=level,
            note=record.get("note", ""),
        )
    if header is None:
        raise LinkError(f"{entity_map.name}: no header line")
    return entries


def skipped_names(entity_map: Path) -> dict[str, str]:
    """Names the entity map deliberately leaves out (``# skip<TAB>name<TAB>reason``)."""
    skipped: dict[str, str] = {}
    for _number, line in _map_lines(entity_map):
        if line.startswith("# skip\t"):
            parts = line.split("\t")
            if len(parts) >= 2 and parts[1].strip():
                skipped[parts[1].strip()] = parts[2].strip() if len(parts) > 2 else ""
    return skipped


# --- validation --------------------------------------------------------------------------


def ror_checksum_ok(ror_id: str) -> bool:
    """Whether the two last digits of a ROR ID are the ISO 7064 mod 97-10 check digits of
    its first seven base-32 characters (so a typo in a ROR ID is caught, not linked)."""
    if not ROR_RE.match(ror_id):
        return False
    value = 0
    for ch in ror_id[:7]:
        value = value * 32 + _CROCKFORD.index(ch)
    return 98 - (value * 100) % 97 == int(ror_id[7:])


def _check(pattern: re.Pattern[str], value: str, what: str, where: str) -> str:
    if not pattern.match(value):
        raise LinkError(f"{where}: malformed {what} {value!r}")
    return value


def _homepage(value: str, where: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or re.search(r"[\s<>\"]", value):
        raise LinkError(f"{where}: malformed homepage URL {value!r}")
    return value


def _annotation_free(value: str) -> str:
    """``VN-61 (per WOF)`` → ``VN-61``: a trailing parenthesis is the table's comment."""
    return re.sub(r"\s*\([^()]*\)\s*$", "", value).strip()


def parse_other(cell: str, where: str = "row") -> list[tuple[str, str]]:
    """Parse the ``other`` cell (``key: value ; key: value``) into ``(canonical key, value)``.

    A bare UN SDG URI (``http://metadata.un.org/sdg/5``) is accepted without a key, as the
    table writes it. Keys are matched case-insensitively, with spaces normalised; a trailing
    parenthetical comment is dropped from the value. An unknown key or a bare value that is
    not an SDG URI is refused: the generator must not guess what a new code means.
    """
    pairs: list[tuple[str, str]] = []
    for raw in cell.split(";"):
        part = raw.strip()
        if not part:
            continue
        if re.match(r"^https?://", part):
            value = _annotation_free(part)
            match = SDG_URI_RE.match(value)
            if not match:
                raise LinkError(
                    f"{where}: 'other' has a bare URL that is not a UN SDG goal: {part!r}"
                )
            pairs.append(("sdg", UN_SDG + match.group(1)))
            continue
        key_value = re.match(r"^([^:]+?)\s*:\s*(.*)$", part)
        if not key_value:
            raise LinkError(f"{where}: cannot read {part!r} in 'other' (expected 'key: value')")
        key = re.sub(r"\s+", " ", key_value.group(1)).strip().casefold()
        canonical = OTHER_KEYS.get(key)
        if canonical is None:
            raise LinkError(f"{where}: unknown key {key_value.group(1)!r} in 'other'")
        value = key_value.group(2).strip()
        if canonical not in ("homepage", "sdg-scheme"):
            value = _annotation_free(value)
        if not value:
            raise LinkError(f"{where}: empty value for {key_value.group(1)!r} in 'other'")
        pairs.append((canonical, _validate_other(canonical, value, where)))
    return pairs


def _validate_other(key: str, value: str, where: str) -> str:
    if key == "iso3166-2":
        return _check(ISO_SUBDIVISION_RE, value, "ISO 3166-2 code", where)
    if key == "nuts":
        return _check(NUTS_RE, value, "NUTS code", where)
    if key == "ror":
        if value.startswith(ROR_BASE):
            value = value[len(ROR_BASE):]
        if not ror_checksum_ok(value):
            raise LinkError(f"{where}: malformed ROR ID {value!r} (pattern or check digits)")
        return value
    if key == "homepage":
        return _homepage(value, where)
    if key == "archives-nationales":
        return _check(ARCHIVES_NATIONALES_RE, value, "Archives nationales agent ID", where)
    if key == "sdg":
        match = SDG_URI_RE.match(value)
        if not match:
            raise LinkError(f"{where}: malformed UN SDG URI {value!r}")
        return UN_SDG + match.group(1)
    if key == "insee-departement":
        return _check(INSEE_DEPARTEMENT_RE, value, "INSEE département code", where)
    if key == "dac":
        return _check(DAC_RE, value, "OECD DAC/CRS purpose code", where)
    if key == "sdg-scheme":
        if not value.startswith(UN_SDG):
            raise LinkError(f"{where}: malformed UN SDG scheme {value!r}")
        return value
    raise LinkError(f"{where}: no validator for {key!r}")  # pragma: no cover - table above


_REGION_HINT = re.compile(r"\br[ée]gion\b", re.IGNORECASE)
_DEPARTMENT_HINT = re.compile(r"\bd[ée]partement\b|\bdepartment\b", re.IGNORECASE)


def insee_level(row: Row, entry: MapEntry, where: str) -> str:
    """The level of the row's INSEE code: ``commune`` (5 characters) or, for a 2–3
    character code, what the entity map says — cross-checked with the row's own words.

    Why the map decides: "11" is both the Île-de-France region and the Aude département;
    only the entity tells which. The row's name and notes are read only as a safety net
    (a map saying ``departement`` for a row that calls itself a région is refused), never
    as a source of identifiers.
    """
    code = row.get("insee")
    if INSEE_COMMUNE_RE.match(code):
        if entry.insee_level not in ("", "commune"):
            raise LinkError(
                f"{where}: INSEE code {code!r} is a commune code but entity-map.tsv says "
                f"{entry.insee_level!r}"
            )
        return "commune"
    if len(code) not in (2, 3):
        raise LinkError(f"{where}: malformed INSEE code {code!r}")
    level = entry.insee_level
    if level not in ("departement", "region"):
        raise LinkError(
            f"{where}: INSEE code {code!r} could be a département or a région; say which in "
            "the insee_level column of entity-map.tsv"
        )
    text = f"{row.name} {row.get('notes')}"
    says_region = bool(_REGION_HINT.search(text))
    says_department = bool(_DEPARTMENT_HINT.search(text))
    if says_region != says_department:
        stated = "region" if says_region else "departement"
        if stated != level:
            raise LinkError(
                f"{where}: entity-map.tsv says {level!r} but the reference row says {stated!r}"
            )
    pattern = INSEE_REGION_RE if level == "region" else INSEE_DEPARTEMENT_RE
    _check(pattern, code, f"INSEE {level} code", where)
    return level


def _coordinate(value: str, what: str, limit: int, where: str) -> str:
    if not DECIMAL_RE.match(value):
        raise LinkError(f"{where}: malformed {what} {value!r}")
    try:
        number = Decimal(value)
    except InvalidOperation as exc:  # pragma: no cover - the pattern already excludes it
        raise LinkError(f"{where}: malformed {what} {value!r}") from exc
    if abs(number) > limit:
        raise LinkError(f"{where}: {what} {value!r} out of range ±{limit}")
    return value


# --- generation --------------------------------------------------------------------------


def _slug_of(iri: str, base: str) -> str:
    """``<base>id/territory/matola`` → ``territory-matola`` (for evidence IRIs)."""
    return iri[len(base + "id/"):].replace("/", "-")


def _geometry_slug(iri: str, base: str) -> str:
    """``<base>id/territory/matola`` → ``matola``; other kinds keep their kind prefix."""
    path = iri[len(base + "id/"):]
    kind, _, rest = path.partition("/")
    return rest.replace("/", "-") if kind == "territory" else path.replace("/", "-")


def bind_prefixes(graph: Graph, base: str = CANONICAL_BASE) -> None:
    """The prefixes of the modelling guide, so the Turtle reads like the other files."""
    for prefix, ns in {
        "cg": base + "ontology#",
        "territory": base + "id/territory/",
        "actor": base + "id/actor/",
        "person": base + "id/person/",
        "concept": base + "id/concept/",
        "doc": base + "id/document/",
        "evidence": base + "id/evidence/",
        "geometry": base + "id/geometry/",
        "dataset": base + "id/dataset/",
        "linkset": base + "id/linkset/",
        "venue": base + "id/venue/",
        "schema": str(SDO),
        "skos": str(SKOS),
        "dcterms": str(DCTERMS),
        "prov": str(PROV),
        "foaf": str(FOAF),
        "wgs": str(WGS),
        "geo": str(GEO),
        "igeo": str(IGEO),
        "void": str(VOID),
        "xsd": str(XSD),
        "wd": WIKIDATA_ENTITY,
        "sdg": UN_SDG,
    }.items():
        graph.bind(prefix, Namespace(ns), override=True, replace=True)


def _describe_table(graph: Graph, doc: URIRef, cg: Namespace) -> None:
    graph.add((doc, RDF.type, cg.Document))
    graph.add((doc, SKOS.prefLabel, Literal("Table de référence des identifiants externes", "fr")))
    graph.add((doc, SKOS.prefLabel, Literal("Reference table of external identifiers", "en")))
    graph.add((doc, DCTERMS.title, Literal("external-ids.tsv — external identifiers for the "
                                           "entities of the five seed documents", "en")))
    graph.add((doc, DCTERMS.identifier, Literal("external-ids.tsv")))
    graph.add((doc, DCTERMS.description, Literal(
        "Table of Wikidata, GeoNames, ISO 3166, INSEE, NUTS, ROR and UN SDG identifiers for "
        "the entities named in the seed documents. Only its 'verified' rows are used: every "
        "identifier in such a row was seen next to the entity's name in at least one cited "
        "source, and a Wikidata QID in two independent sources (GeoNames IDs from the "
        "GeoNames dumps, INSEE codes checked against a COG-2024 table, ISO 3166-1 codes from "
        "GeoNames countryInfo cross-checked with a second list, ROR IDs from ROR's own "
        "records, SDG URIs from the UN's SDG vocabulary). Unverified identifiers stay out of "
        "the graph.", "en")))
    graph.add((doc, DCTERMS.description, Literal(
        "Table des identifiants Wikidata, GeoNames, ISO 3166, INSEE, NUTS, ROR et ODD des "
        "entités nommées dans les documents sources. Seules ses lignes « verified » sont "
        "utilisées : chaque identifiant y a été vu à côté du nom de l'entité dans au moins "
        "une source citée, et un QID Wikidata dans deux sources indépendantes.", "fr")))


def _describe_linksets(graph: Graph, base: str) -> None:
    """VoID: our dataset, one dataset per target vocabulary, one linkset per target, with
    void:triples counted in the graph itself (so the count cannot drift from the links)."""
    ours = URIRef(base + "id/dataset/coopgraph")
    doc = URIRef(base + f"id/document/{TABLE_DOCUMENT_SLUG}")
    counts = {
        key: sum(1 for p in LINK_PREDICATES for o in graph.objects(None, p)
                 if str(o).startswith(space))
        for key, (_slug, _title, space) in TARGETS.items()
    }
    used = [k for k in TARGETS if counts[k] > 0]
    if not used:
        return
    graph.add((ours, RDF.type, VOID.Dataset))
    graph.add((ours, SKOS.prefLabel, Literal("coopgraph", "fr")))
    graph.add((ours, VOID.uriSpace, Literal(base + "id/")))
    for key in used:
        slug, title, space = TARGETS[key]
        target = URIRef(base + f"id/dataset/{slug}")
        graph.add((target, RDF.type, VOID.Dataset))
        graph.add((target, SKOS.prefLabel, Literal(title, "en")))
        graph.add((target, VOID.uriSpace, Literal(space)))
        linkset = URIRef(base + f"id/linkset/{slug}")
        graph.add((linkset, RDF.type, VOID.Linkset))
        graph.add((linkset, SKOS.prefLabel, Literal(f"Liens coopgraph → {title}", "fr")))
        for predicate in LINK_PREDICATES:
            if any(str(o).startswith(space) for o in graph.objects(None, predicate)):
                graph.add((linkset, VOID.linkPredicate, predicate))
        graph.add((linkset, VOID.subjectsTarget, ours))
        graph.add((linkset, VOID.objectsTarget, target))
        graph.add((linkset, VOID.target, ours))
        graph.add((linkset, VOID.target, target))
        graph.add((linkset, VOID.triples, Literal(counts[key])))
        graph.add((linkset, DCTERMS.source, doc))


def _row_triples(
    row: Row, entry: MapEntry, where: str, base: str
) -> list[tuple[URIRef, URIRef, URIRef | Literal]]:
    """The triples one verified row yields about its entity (and its geometry)."""
    cg = Namespace(base + "ontology#")
    s = URIRef(entry.iri)
    out: list[tuple[URIRef, URIRef, URIRef | Literal]] = []

    predicate = SKOS.exactMatch if entry.iri.startswith(base + "id/concept/") else SDO.sameAs

    def link(target: str) -> None:
        out.append((s, predicate, URIRef(target)))

    if qid := row.get("wikidata"):
        link(WIKIDATA_ENTITY + _check(QID_RE, qid, "Wikidata QID", where))
    if gn := row.get("geonames"):
        link(f"{GEONAMES_FEATURE}{_check(GEONAMES_RE, gn, 'GeoNames ID', where)}/")
    if iso := row.get("iso3166"):
        parts = [p.strip() for p in iso.split("/")]
        if len(parts) != 2:
            raise LinkError(f"{where}: malformed ISO 3166-1 cell {iso!r} (expected 'FR / FRA')")
        alpha2 = _check(ISO_ALPHA2_RE, parts[0], "ISO 3166-1 alpha-2 code", where)
        alpha3 = _check(ISO_ALPHA3_RE, parts[1], "ISO 3166-1 alpha-3 code", where)
        out.append((s, cg.iso3166Alpha2, Literal(alpha2)))
        out.append((s, cg.iso3166Alpha3, Literal(alpha3)))
    if code := row.get("insee"):
        level = insee_level(row, entry, where)
        out.append((s, IGEO.codeINSEE, Literal(code, datatype=cg[INSEE_LEVELS[level]])))
    for key, value in parse_other(row.get("other"), where):
        if key in NO_TRIPLE_KEYS:
            continue
        if key == "ror":
            link(ROR_BASE + value)
        elif key == "sdg":
            link(value)
        elif key == "iso3166-2":
            out.append((s, cg.iso3166Subdivision, Literal(value)))
        elif key == "nuts":
            out.append((s, cg.nutsCode, Literal(value)))
        elif key == "homepage":
            out.append((s, FOAF.homepage, URIRef(value)))
        elif key == "archives-nationales":
            out.append((s, cg.archivesNationalesId, Literal(value)))
    lat, long = row.get("lat"), row.get("long")
    if lat or long:
        if not (lat and long):
            raise LinkError(f"{where}: 'lat' and 'long' must be given together")
        lat = _coordinate(lat, "latitude", 90, where)
        long = _coordinate(long, "longitude", 180, where)
        geometry = URIRef(base + "id/geometry/" + _geometry_slug(entry.iri, base))
        out.append((s, WGS.lat, Literal(lat, datatype=XSD.decimal)))
        out.append((s, WGS.long, Literal(long, datatype=XSD.decimal)))
        out.append((s, GEO.hasGeometry, geometry))
        out.append((geometry, RDF.type, GEO.Geometry))
        out.append((geometry, GEO.asWKT, Literal(f"POINT({long} {lat})", datatype=GEO.wktLiteral)))
    return out


def generate_links(
    table: Path, entity_map: Path, base: str = CANONICAL_BASE
) -> Graph:
    """The links graph: identifiers of the verified, mapped rows of ``table``.

    Unverified rows, rows the entity map does not name, and empty cells produce nothing.
    Every verified row is validated (even one the map leaves out), so a malformed
    identifier anywhere in the usable part of the table is reported early.
    Raises ``LinkError`` (naming the row) on anything malformed or ambiguous.
    """
    base = base if base.endswith("/") else base + "/"
    cg = Namespace(base + "ontology#")
    rows = read_table(table)
    entries = read_entity_map(entity_map, base)
    names = {r.name for r in rows}
    for name in entries:
        if name not in names:
            raise LinkError(f"{entity_map.name}: {name!r} is not a name of {table.name}")

    graph = Graph()
    bind_prefixes(graph, base)
    doc = URIRef(base + f"id/document/{TABLE_DOCUMENT_SLUG}")
    seen_iris: dict[str, str] = {}
    seen_targets: dict[URIRef, str] = {}
    geometry_slugs: dict[str, str] = {}
    linked = 0
    for row in verified_rows(rows):
        where = row.where(table)
        entry = entries.get(row.name)
        if entry is None:
            # Not one of our entities: validate, emit nothing.
            dummy = MapEntry(row.name, base + "id/unmapped/x", insee_level="")
            _validate_unmapped(row, dummy, where, base)
            continue
        if entry.iri in seen_iris:
            raise LinkError(
                f"{where}: {entry.iri} is already linked from row {seen_iris[entry.iri]!r}"
            )
        seen_iris[entry.iri] = row.name
        triples = _row_triples(row, entry, where, base)
        if not triples:
            continue
        if not row.get("evidence"):
            # "verified" means seen in a cited source: a verified row citing none is an error
            # of the table, and its identifiers are not taken on trust.
            raise LinkError(f"{where}: verified row with identifiers but no evidence")
        gslug = _geometry_slug(entry.iri, base)
        if any(p == GEO.hasGeometry for _, p, _ in triples):
            if gslug in geometry_slugs:
                raise LinkError(f"{where}: geometry IRI clash with {geometry_slugs[gslug]!r}")
            geometry_slugs[gslug] = row.name
        for _s, p, o in triples:
            if p in LINK_PREDICATES and isinstance(o, URIRef):
                # Two of our entities matching one external item means a confusion
                # (a territory and its authority, a city and its province): refuse it.
                if o in seen_targets and seen_targets[o] != row.name:
                    raise LinkError(f"{where}: {o} is already matched by {seen_targets[o]!r}")
                seen_targets[o] = row.name
        for triple in triples:
            graph.add(triple)
        evidence = URIRef(base + f"id/evidence/{TABLE_DOCUMENT_SLUG}-{_slug_of(entry.iri, base)}")
        graph.add((URIRef(entry.iri), cg.evidence, evidence))
        graph.add((evidence, RDF.type, cg.Evidence))
        graph.add((evidence, PROV.entity, doc))
        graph.add((evidence, cg.excerpt, Literal(row.get("evidence"))))
        linked += 1
    for place, country in countries(rows, entries, table, base).items():
        graph.add((URIRef(place), cg.country, URIRef(country)))
    if linked:
        _describe_table(graph, doc, cg)
        _describe_linksets(graph, base)
    return graph


def country_code(row: Row) -> str | None:
    """The ISO 3166-1 alpha-2 code of the country a verified place row identifies, or None.

    Read only from what the row verifies: its ISO 3166-2 subdivision code (``FR-93`` → FR),
    an INSEE code (the INSEE geographic code covers France only), or the GeoNames record it
    quotes as evidence (GeoNames ``cities15000`` lines give the feature's country code:
    ``(3128760 Barcelona ES)``), and only for the row's own GeoNames ID.
    """
    for key, value in parse_other(row.get("other"), row.name):
        if key == "iso3166-2" and ISO_ALPHA2_RE.match(value[:2]):
            return value[:2]
    if row.get("insee"):
        return "FR"
    geonames = row.get("geonames")
    if geonames:
        line = r"\(" + re.escape(geonames) + r" [^()]*? ([A-Z]{2})(?: adm\d=[\w.-]+)?\)"
        quoted = re.search(line, row.get("evidence"))
        if quoted:
            return quoted.group(1)
    return None


def countries(rows: list[Row], entries: dict[str, MapEntry], table: Path,
              base: str) -> dict[str, str]:
    """place IRI → country IRI, for our territories and venues (not countries themselves)
    whose verified row identifies a country that the graph holds (a row with its ISO 3166-1
    code). The country comes from the reference table, never from the name of the place."""
    by_code: dict[str, str] = {}
    places: dict[str, str] = {}
    for row in verified_rows(rows):
        entry = entries.get(row.name)
        if entry is None:
            continue
        if iso := row.get("iso3166"):
            by_code[iso.split("/")[0].strip()] = entry.iri
        elif entry.iri.startswith((base + "id/territory/", base + "id/venue/")):
            if code := country_code(row):
                places[entry.iri] = code
    return {iri: by_code[code] for iri, code in places.items() if code in by_code}


def _validate_unmapped(row: Row, entry: MapEntry, where: str, base: str) -> None:
    """Validate a verified row the map leaves out, without needing its INSEE level."""
    if row.get("insee") and not INSEE_COMMUNE_RE.match(row.get("insee")):
        # The level is unknown without a map entry; check only that it could be one.
        code = row.get("insee")
        if not (INSEE_DEPARTEMENT_RE.match(code) or INSEE_REGION_RE.match(code)):
            raise LinkError(f"{where}: malformed INSEE code {code!r}")
        row = Row(row.line, {**row.cells, "insee": ""})
    _row_triples(row, entry, where, base)


def unmapped_verified(table: Path, entity_map: Path) -> list[str]:
    """Verified rows the entity map neither maps nor skips: someone must decide about them."""
    entries = read_entity_map(entity_map)
    skipped = skipped_names(entity_map)
    return [
        r.name for r in verified_rows(read_table(table))
        if r.name not in entries and r.name not in skipped
    ]


# --- writing -----------------------------------------------------------------------------


def _display(path: Path | None, default: str) -> str:
    """A path as the header shows it: relative to the checkout's parent, never absolute
    (the generated file must not depend on where the repository is checked out)."""
    if path is None:
        return default
    resolved = path.resolve()
    for root in (PROJECT_ROOT, PROJECT_ROOT.parent):
        if resolved.is_relative_to(root.resolve()):
            return str(resolved.relative_to(root.resolve()))
    return path.name


def write_links(
    graph: Graph,
    path: Path,
    *,
    table: Path | None = None,
    entity_map: Path | None = None,
) -> None:
    """Write ``graph`` as Turtle with a "do not edit" header (deterministic bytes: rdflib
    sorts subjects, predicates and objects, and the graph has no blank nodes)."""
    source = _display(table, "data/links/reference/external-ids.tsv")
    mapping = _display(entity_map, "data/links/entity-map.tsv")
    header = (
        f"# generated by coopgraph links from {source} (verified rows only)\n"
        f"# and {mapping} — do not edit: fix the table or the map and run `coopgraph links`.\n"
    )
    body = graph.serialize(format="turtle")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + body, encoding="utf-8")


# --- command -----------------------------------------------------------------------------


def main(
    table: Path | None = None, entity_map: Path | None = None, out: Path | None = None
) -> int:
    """``coopgraph links``: regenerate ``data/links/external-ids.ttl``.

    Exit codes: 0 written; 1 the table or the map is refused (the message names the row);
    2 an input file is missing.
    """
    table = Path(table) if table else DEFAULT_TABLE
    entity_map = Path(entity_map) if entity_map else DEFAULT_ENTITY_MAP
    out = Path(out) if out else DEFAULT_OUT
    for what, path in (("reference table", table), ("entity map", entity_map)):
        if not path.is_file():
            print(f"coopgraph links: {what} not found: {path}", file=sys.stderr)
            if what == "reference table":
                print("  (it ships in data/links/reference/; pass --table)",
                      file=sys.stderr)
            return 2
    try:
        graph = generate_links(table, entity_map)
        pending = unmapped_verified(table, entity_map)
    except LinkError as exc:
        print(f"coopgraph links: {exc}", file=sys.stderr)
        return 1
    write_links(graph, out, table=table, entity_map=entity_map)
    cg = Namespace(CANONICAL_BASE + "ontology#")
    entities = len(set(graph.subjects(cg.evidence, None)))
    print(f"coopgraph links: {entities} entities, {len(graph)} triples → {out}")
    for name in pending:
        print(f"  verified row not in the entity map (map it or '# skip' it): {name}",
              file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
