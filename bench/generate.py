"""Deterministic synthetic cooperation data in the coopgraph ontology, at any size.

``generate(target, out)`` writes about ``target`` triples (10k, 100k, 1M, 10M …) as N-Triples
or N-Quads (in ``<base>graph/data``) to a text stream, line by line: only the small
indexes the later sections draw from are kept in memory (territory and actor slugs, a few
integers each), never the triples, so 10M triples need a few hundred MB at most.

The same ``seed`` and ``target`` always give the same bytes. What is generated, scaled by
``u = target / 10 000`` (see :func:`plan`):

* synthetic source documents (``cg:SourceDocument``, IRIs ``doc:NNN_<16 hex>``) that every
  entity cites with ``dcterms:source``, and ``cg:Evidence`` nodes with a French excerpt on
  every fact-node (partnership, project, funding, event, participation, membership, figure,
  post, award);
* countries → regions → departments/provinces → municipalities (``cg:withinTerritory``,
  ``cg:country``, ``cg:administrativeLevel``), their local governments (``cg:governs`` /
  ``cg:governedBy``), services nested under them (``org:unitOf`` chains), mayors and posts,
  population figures;
* a few hub networks (thousands of members at 1M) with commissions (``cg:NetworkBody``),
  smaller networks, funders (agencies, ministries, international organisations, NGOs);
* memberships, partnerships (two parties, partner territory, start date with mixed precision
  ``xsd:gYear``/``xsd:gYearMonth``/``xsd:date``, status, kind, themes), projects with
  participations and roles, fundings (funder, project, recipient, amount > 0 EUR, status,
  date), events with organisers and participations, awards;
* labels in French (always) and English (often), alternative labels, descriptions.

A fixed *anchor* (:data:`ANCHOR`) plays the part of the real CD93 so that the example queries
of ``queries/`` have a rich actor to ask about.

Usage: ``python -m bench.generate --size 100k --out data.nq``.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import random
import re
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import pyoxigraph as ox
from rdflib import Literal, URIRef

from coopgraph.config import CANONICAL_BASE, PROJECT_ROOT
from coopgraph.dates import bound_properties, bounds

BASE = CANONICAL_BASE
ID = BASE + "id/"
CG = BASE + "ontology#"
DATA_GRAPH = BASE + "graph/data"
ONTOLOGY_GRAPH = BASE + "graph/ontology"
ONTOLOGY_FILES = (PROJECT_ROOT / "ontology" / "coopgraph.ttl",
                  PROJECT_ROOT / "ontology" / "vocabularies.ttl")

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ORG = "http://www.w3.org/ns/org#"
SCHEMA = "http://schema.org/"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
XSD = "http://www.w3.org/2001/XMLSchema#"

#: The IRIs the adapted example queries ask about (the synthetic counterparts of actor:cd93,
#: actor:via-le-monde and territory:matola).
ANCHOR = {
    "actor": ID + "actor/departement-du-val-d-aurore",
    "territory": ID + "territory/val-d-aurore",
    "unit": ID + "actor/maison-des-partenaires-du-val-d-aurore",
    "partner_territory": ID + "territory/port-amarante",
}

SIZE_SUFFIXES = {"k": 1_000, "m": 1_000_000}


def parse_size(text: str) -> int:
    """``"10k"`` → 10 000, ``"1M"`` → 1 000 000, ``"2500"`` → 2 500."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", text)
    if not match:
        raise ValueError(f"not a size: {text!r} (e.g. 10k, 100k, 1M)")
    number, suffix = match.groups()
    return int(float(number) * SIZE_SUFFIXES.get(suffix.lower(), 1))


def size_label(n: int) -> str:
    """10 000 → ``"10k"``, 1 000 000 → ``"1M"``."""
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


# --------------------------------------------------------------------------- vocabularies


def load_concepts() -> dict[str, list[str]]:
    """Concept IRIs of each scheme of ``ontology/vocabularies.ttl``, sorted (scheme slug → IRIs)."""
    store = ox.Store()
    store.load(path=str(ONTOLOGY_FILES[1]), format=ox.RdfFormat.TURTLE)
    schemes: dict[str, list[str]] = {}
    for row in store.query(
        f"SELECT ?c ?s WHERE {{ ?c <{SKOS}inScheme> ?s }}"
    ):
        scheme = row["s"].value.rsplit("/", 1)[-1]
        schemes.setdefault(scheme, []).append(row["c"].value)
    return {k: sorted(v) for k, v in schemes.items()}


# --------------------------------------------------------------------------- names

_SYLLABLES = ("ka", "lo", "ma", "ri", "ven", "sa", "to", "bel", "mon", "dra", "ne", "vil",
              "por", "ta", "ga", "lia", "ros", "che", "val", "mir", "du", "sol", "ber",
              "qui", "an", "or", "es", "té", "nou", "zan", "bou", "fa", "li", "mé", "ar")
_PREFIXES = ("Saint-", "Sainte-", "San ", "Port-", "Nova ", "Mont-", "Bel-", "Vila ")
_SUFFIXES = ("-sur-Mer", "-la-Grande", "-les-Bains", " del Norte", "-Ville", " Alta")


def slugify(text: str) -> str:
    """Lowercase ASCII, accents removed, words joined by ``-`` (docs/modelling.md § IRIs)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


class Names:
    """Unique, pronounceable place names, deterministic for a given random generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = {"val-d-aurore", "port-amarante"}

    def place(self) -> tuple[str, str]:
        """A new (name, slug)."""
        rng = self.rng
        for attempt in range(1000):
            core = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
            name = core.capitalize()
            roll = rng.random()
            if roll < 0.12:
                name = rng.choice(_PREFIXES) + name
            elif roll < 0.2:
                name = name + rng.choice(_SUFFIXES)
            if attempt > 20:
                name = f"{name} {attempt}"
            slug = slugify(name)
            if slug not in self.used:
                self.used.add(slug)
                return name, slug
        raise RuntimeError("no unique name found")  # pragma: no cover


_FIRST = ("Anne", "Marc", "Fatou", "Jean", "Leila", "Paulo", "Ines", "Karim", "Sofia",
          "Ivan", "Mariam", "Hugo", "Nadia", "Omar", "Claire", "Tomas", "Aïcha", "Éric")
_LAST = ("Martin", "Diallo", "Nguyen", "Silva", "Benali", "Kovac", "Moreau", "Traoré",
         "Haddad", "Petit", "Rossi", "Mendes", "Lefèvre", "Okafor", "Dubois", "Santos")

_EXCERPTS = {
    "partnership": "{since} le {a} coopère avec {b}, dans le domaine {theme}.",
    "project": "Le projet « {label} » a été mené à {place} avec ses partenaires.",
    "participation": "{agent} a pris part à « {what} » en tant que {role}.",
    "funding": "Le projet « {what} » a reçu un financement de {funder}.",
    "event": "« {label} » s’est tenu à {place}.",
    "membership": "{member} est membre de {org}.",
    "figure": "{label} : {value} {unit}.",
    "post": "{person}, {title}.",
    "award": "{to} a reçu « {label} » décerné par {by}.",
}


# --------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class Plan:
    """How many of each thing for a target size (about ``TRIPLES_PER_UNIT`` triples per unit)."""

    documents: int
    countries: int
    regions: int
    departments: int
    municipalities: int
    hubs: int
    networks: int
    funders: int
    partnerships: int
    projects: int
    fundings: int
    events: int
    awards: int


#: Triples one unit of :func:`plan` produces (calibrated on the generator's own output).
TRIPLES_PER_UNIT = 7_850


def plan(target: int) -> Plan:
    """Entity counts for about ``target`` triples; the counts grow linearly with the target,
    except documents, countries and hub networks, which grow slower (there are only so many
    countries, and a few hubs gather more and more members)."""
    u = max(target, 1_000) / TRIPLES_PER_UNIT
    return Plan(
        documents=min(999, max(5, round(20 * math.sqrt(u)))),
        countries=min(190, max(6, round(12 * u ** 0.4))),
        regions=max(4, round(6 * u)),
        departments=max(6, round(14 * u)),
        municipalities=max(10, round(46 * u)),
        hubs=min(12, max(3, round(3 + math.log10(u) * 2))),
        networks=max(3, round(2 * u)),
        funders=max(4, round(6 * u)),
        partnerships=max(5, round(48 * u)),
        projects=max(4, round(24 * u)),
        fundings=max(4, round(30 * u)),
        events=max(3, round(8 * u)),
        awards=max(1, round(1.5 * u)),
    )


# --------------------------------------------------------------------------- writer


def _lit_escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace('"', '\\"')
            .replace("\n", "\\n").replace("\r", "\\r"))


def iri(value: str) -> str:
    """An IRI term in N-Triples syntax."""
    return f"<{value}>"


def lang(text: str, tag: str) -> str:
    """A language-tagged literal term."""
    return f'"{_lit_escape(text)}"@{tag}'


def typed(text: str, datatype: str) -> str:
    """A typed literal term (``datatype`` a full IRI)."""
    return f'"{_lit_escape(text)}"^^<{datatype}>'


def plain(text: str) -> str:
    """An xsd:string literal term."""
    return f'"{_lit_escape(text)}"'


#: dated property → its xsd:date bounds (dates.py): the build derives them into the inferred
#: graph; the generated data states them beside each date so the example queries (which
#: compare dates through their bounds) find the same kind of answers.
_BOUNDS = {str(p): (str(lo), str(hi)) for p, (lo, hi) in bound_properties().items()}
_TYPED = re.compile(r'^"([^"]*)"\^\^<([^>]*)>$')


class Writer:
    """Writes triples (or quads in one graph) and counts them."""

    def __init__(self, out: TextIO, graph: str | None) -> None:
        self.out = out
        self.end = f" <{graph}> .\n" if graph else " .\n"
        self.count = 0

    def t(self, s: str, p: str, o: str) -> None:
        """One triple; ``s`` and ``o`` are terms in N-Triples syntax, ``p`` a bare IRI."""
        self.out.write(f"{s} <{p}> {o}{self.end}")
        self.count += 1
        if p in _BOUNDS and (m := _TYPED.match(o)):
            span = bounds(Literal(m.group(1), datatype=URIRef(m.group(2))))
            if span is not None:
                for prop, day in zip(_BOUNDS[p], span, strict=True):
                    self.out.write(f'{s} <{prop}> "{day.isoformat()}"^^<{XSD}date>{self.end}')
                    self.count += 1


# --------------------------------------------------------------------------- generator


@dataclass
class Territory:
    slug: str
    name: str
    level: str
    country: str  # slug of its country ('' for a country)
    governed_by: str = ""  # slug of its local government


@dataclass
class Stats:
    """What was written."""

    triples: int = 0
    counts: dict[str, int] = field(default_factory=dict)


class Generator:
    """One generation run; call :meth:`run`."""

    def __init__(self, target: int, out: TextIO, *, seed: int = 42,
                 graph: str | None = DATA_GRAPH) -> None:
        self.target = target
        self.plan = plan(target)
        self.rng = random.Random(seed)
        self.seed = seed
        self.w = Writer(out, graph)
        self.names = Names(self.rng)
        self.concepts = load_concepts()
        self.stats = Stats()
        self.evidence_n = 0
        self.documents: list[str] = []
        self.territories: list[Territory] = []
        self.countries: list[Territory] = []
        self.local_governments: list[str] = []  # actor slugs
        self.lg_names: dict[str, str] = {}
        self.units: list[str] = []  # services of local governments
        self.networks: list[str] = []  # hubs first
        self.bodies: list[str] = []  # network commissions
        self.funders: list[str] = []
        self.projects: list[tuple[str, str]] = []  # (slug, fr label)
        self.actor_names: dict[str, str] = {}

    # ---- helpers

    def concept(self, scheme: str, slug: str) -> str:
        value = f"{ID}concept/{scheme}/{slug}"
        if value not in self._concept_set:
            raise KeyError(f"{value} is not in ontology/vocabularies.ttl")
        return iri(value)

    def pick(self, scheme: str) -> str:
        return iri(self.rng.choice(self.concepts[scheme]))

    def count(self, kind: str) -> None:
        self.stats.counts[kind] = self.stats.counts.get(kind, 0) + 1

    def date(self, lo: int = 1985, hi: int = 2025) -> tuple[str, int]:
        """A start date with mixed precision: (term, year)."""
        rng = self.rng
        year = rng.randint(lo, hi)
        roll = rng.random()
        if roll < 0.4:
            return typed(f"{year}", XSD + "gYear"), year
        month = rng.randint(1, 12)
        if roll < 0.7:
            return typed(f"{year}-{month:02d}", XSD + "gYearMonth"), year
        return typed(f"{year}-{month:02d}-{rng.randint(1, 28):02d}", XSD + "date"), year

    def sources(self, s: str) -> str:
        """State 1–2 ``dcterms:source``; returns the first document."""
        docs = self.rng.sample(self.documents, k=min(len(self.documents),
                                                     1 + (self.rng.random() < 0.3)))
        for d in docs:
            self.w.t(s, DCT + "source", d)
        return docs[0]

    def evidence(self, s: str, doc: str, excerpt: str) -> None:
        """A ``cg:evidence`` node citing ``doc`` with a French excerpt."""
        self.evidence_n += 1
        e = iri(f"{ID}evidence/e{self.evidence_n}")
        w = self.w
        w.t(s, CG + "evidence", e)
        w.t(e, RDF_TYPE, iri(CG + "Evidence"))
        w.t(e, PROV + "entity", doc)
        w.t(e, CG + "excerpt", lang(excerpt, "fr"))

    def fact(self, s: str, excerpt: str) -> None:
        """Provenance of a fact-node: source(s) and one piece of evidence."""
        doc = self.sources(s)
        self.evidence(s, doc, excerpt)

    def labels(self, s: str, fr: str, en: str | None = None, alt: str | None = None) -> None:
        self.w.t(s, SKOS + "prefLabel", lang(fr, "fr"))
        # the shapes ask exactly one English label of every entity: a name without a
        # translation is a proper name, which stays as it is
        self.w.t(s, SKOS + "prefLabel", lang(en if en is not None else fr, "en"))
        if alt is not None:
            self.w.t(s, SKOS + "altLabel", lang(alt, "fr"))

    def figure(self, owner: str, prop: str, slug: str, kind: str, value: int, unit: str,
               label: str) -> None:
        f = iri(f"{ID}figure/{slug}")
        w = self.w
        w.t(owner, CG + prop, f)
        w.t(f, RDF_TYPE, iri(CG + "Figure"))
        w.t(f, SKOS + "prefLabel", lang(label, "fr"))
        w.t(f, SKOS + "prefLabel", lang(label, "en"))
        w.t(f, SCHEMA + "value", typed(str(value), XSD + "integer"))
        w.t(f, SCHEMA + "unitText", lang(unit, "fr"))
        w.t(f, CG + "measures", self.concept("figure-kind", kind))
        ref, _ = self.date(2000, 2024)
        w.t(f, CG + "referenceDate", ref)
        if self.rng.random() < 0.3:
            w.t(f, CG + "approximate", typed("true", XSD + "boolean"))
            w.t(f, CG + "qualifier", lang("environ", "fr"))
        self.fact(f, _EXCERPTS["figure"].format(label=label, value=value, unit=unit))
        self.count("figure")

    # ---- sections

    def run(self) -> Stats:
        """Write everything; returns the counts."""
        self._concept_set = {c for cs in self.concepts.values() for c in cs}
        self.gen_documents()
        self.gen_territories()
        self.gen_local_governments()
        self.gen_networks_and_funders()
        self.gen_memberships()
        self.gen_partnerships()
        self.gen_projects()
        self.gen_fundings()
        self.gen_events()
        self.gen_awards()
        self.stats.triples = self.w.count
        return self.stats

    def gen_documents(self) -> None:
        w = self.w
        for n in range(self.plan.documents):
            digest = hashlib.sha256(f"{self.seed}-{n}".encode()).hexdigest()[:16]
            name = f"{n:03d}_{digest}"
            d = iri(f"{ID}document/{name}")
            self.documents.append(d)
            w.t(d, RDF_TYPE, iri(CG + "SourceDocument"))
            title = f"Rapport d’activité internationale n° {n + 1}"
            w.t(d, SKOS + "prefLabel", lang(title, "fr"))
            w.t(d, SKOS + "prefLabel", lang(f"International activity report no. {n + 1}", "en"))
            w.t(d, DCT + "title", lang(title, "fr"))
            w.t(d, DCT + "identifier", plain(f"{name}.txt"))
            w.t(d, DCT + "language", plain("fr"))
            w.t(d, DCT + "date", self.date(2000, 2025)[0])
            self.count("document")

    def _territory(self, t: Territory, parent: Territory | None, en: bool) -> None:
        w = self.w
        s = iri(f"{ID}territory/{t.slug}")
        w.t(s, RDF_TYPE, iri(CG + "Territory"))
        alt = t.name.upper() if self.rng.random() < 0.15 else None
        self.labels(s, t.name, t.name if en else None, alt)
        w.t(s, CG + "administrativeLevel", self.concept("level", t.level))
        if parent is not None:
            w.t(s, CG + "withinTerritory", iri(f"{ID}territory/{parent.slug}"))
        if t.country:
            w.t(s, CG + "country", iri(f"{ID}territory/{t.country}"))
        self.sources(s)
        if t.level != "country" and self.rng.random() < 0.3:
            pop = int(self.rng.lognormvariate(10, 1.5)) + 100
            self.figure(s, "population", f"population-{t.slug}", "population", pop,
                        "habitants", f"Population de {t.name}")
        self.territories.append(t)
        self.count("territory")

    def gen_territories(self) -> None:
        p, rng = self.plan, self.rng
        for _ in range(p.countries):
            name, slug = self.names.place()
            c = Territory(slug, name, "country", "")
            self._territory(c, None, en=True)
            self.countries.append(c)
        regions: list[Territory] = []
        for i in range(p.regions):
            country = self.countries[i % len(self.countries)]
            name, slug = self.names.place()
            r = Territory(slug, name, "region", country.slug)
            self._territory(r, country, en=rng.random() < 0.5)
            regions.append(r)
        departments: list[Territory] = []
        for i in range(p.departments):
            region = regions[i % len(regions)] if i else regions[0]
            if i == 0:  # the anchor
                name, slug = "Val d’Aurore", "val-d-aurore"
            else:
                name, slug = self.names.place()
            level = "department" if rng.random() < 0.6 else "province"
            d = Territory(slug, name, level if i else "department", region.country)
            self._territory(d, region, en=rng.random() < 0.5)
            departments.append(d)
        for i in range(p.municipalities):
            # Zipf-like: a few departments hold many municipalities
            dep = departments[min(len(departments) - 1, int(rng.paretovariate(1.2)) - 1)
                              if rng.random() < 0.3 else rng.randrange(len(departments))]
            if i == 0:
                name, slug = "Port-Amarante", "port-amarante"
                dep = departments[-1]
            else:
                name, slug = self.names.place()
            m = Territory(slug, name, "municipality", dep.country)
            self._territory(m, dep, en=rng.random() < 0.3)

    def _local_government(self, t: Territory) -> str:
        w, rng = self.w, self.rng
        kinds = {"region": ("Région", "Region of"), "department": ("Département", "Department of"),
                 "province": ("Province", "Province of"),
                 "municipality": ("Ville", "City of")}
        fr_kind, en_kind = kinds[t.level]
        if t.slug == "val-d-aurore":
            slug = ANCHOR["actor"].rsplit("/", 1)[1]
            fr = "Département du Val d’Aurore"
        else:
            article = "de " if t.name[0].lower() not in "aeiouéè" else "d’"
            fr = f"{fr_kind} {article}{t.name}"
            slug = slugify(fr)
        a = iri(f"{ID}actor/{slug}")
        w.t(a, RDF_TYPE, iri(CG + "LocalGovernment"))
        alt = f"{fr_kind[:3].upper()} {t.name}" if rng.random() < 0.3 else None
        self.labels(a, fr, f"{en_kind} {t.name}" if rng.random() < 0.5 else None, alt)
        terr = iri(f"{ID}territory/{t.slug}")
        w.t(a, CG + "governs", terr)
        w.t(terr, CG + "governedBy", a)
        for theme in rng.sample(self.concepts["theme"], k=rng.randint(0, 2)):
            w.t(a, CG + "theme", iri(theme))
        self.sources(a)
        t.governed_by = slug
        self.local_governments.append(slug)
        self.actor_names[slug] = fr
        self.count("local-government")
        return slug

    def _unit(self, parent: str, parent_name: str, depth: int, anchor: bool = False) -> None:
        w, rng = self.w, self.rng
        topics = ("relations internationales", "coopération décentralisée", "jeunesse",
                  "culture", "environnement", "solidarité internationale", "europe")
        if anchor and depth == 0:
            slug = ANCHOR["unit"].rsplit("/", 1)[1]
            fr = "Maison des partenaires du Val d’Aurore"
        else:
            topic = rng.choice(topics)
            fr = f"{'Direction' if depth == 0 else 'Service'} {topic} — {parent_name}"
            slug = slugify(f"{topic}-{parent}-{len(self.units)}")
        u = iri(f"{ID}actor/{slug}")
        w.t(u, RDF_TYPE, iri(CG + ("ResourceCentre" if anchor and depth == 0
                                   else "LocalGovernmentService")))
        self.labels(u, fr)
        w.t(u, ORG + "unitOf", iri(f"{ID}actor/{parent}"))
        w.t(iri(f"{ID}actor/{parent}"), ORG + "hasUnit", u)
        if anchor and depth == 0:
            w.t(u, CG + "operatedBy", iri(ANCHOR["actor"]))
        if rng.random() < 0.3:
            self.figure(u, "staff", f"staff-{slug}", "staff", rng.randint(2, 80), "agents",
                        f"Agents de {fr}")
        self.sources(u)
        self.units.append(slug)
        self.actor_names[slug] = fr
        self.count("service")
        if depth < 3 and rng.random() < (0.9 if anchor else 0.35):
            for _ in range(rng.randint(1, 3 if anchor else 2)):
                self._unit(slug, parent_name, depth + 1, anchor)

    def _mayor(self, lg: str, lg_name: str) -> None:
        w, rng = self.w, self.rng
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        pslug = f"{slugify(name)}-{len(self.actor_names)}"
        person = iri(f"{ID}person/{pslug}")
        post = iri(f"{ID}post/{pslug}-{lg}")
        w.t(person, RDF_TYPE, iri(CG + "Person"))
        self.labels(person, name)
        w.t(person, ORG + "holds", post)
        self.sources(person)
        role = "mayor" if lg.startswith("ville") else "first-vice-president"
        title = f"{'Maire' if role == 'mayor' else 'Premier vice-président'} — {lg_name}"
        w.t(post, RDF_TYPE, iri(CG + "Position"))
        self.labels(post, title)
        w.t(post, ORG + "heldBy", person)
        w.t(post, ORG + "postIn", iri(f"{ID}actor/{lg}"))
        w.t(post, ORG + "role", self.concept("role", role))
        self.fact(post, _EXCERPTS["post"].format(person=name, title=title))
        self.count("person")

    def gen_local_governments(self) -> None:
        rng = self.rng
        for t in list(self.territories):
            if t.level == "country":
                continue
            if t.level == "municipality" and rng.random() >= 0.8 and t.slug != "port-amarante":
                continue
            slug = self._local_government(t)
            anchor = t.slug == "val-d-aurore"
            name = self.actor_names[slug]
            if anchor or rng.random() < 0.35:
                self._unit(slug, name, 0, anchor)
                if anchor:
                    self._unit(slug, name, 1, anchor)
            if rng.random() < 0.2:
                self._mayor(slug, name)

    def gen_networks_and_funders(self) -> None:
        w, rng, p = self.w, self.rng, self.plan
        hub_names = ("Réseau mondial des villes unies", "Alliance des régions solidaires",
                     "Cités pour la paix", "Forum des autorités locales",
                     "Plateforme européenne des collectivités", "Association des maires "
                     "francophones", "Réseau des villes éducatrices", "Ligue des villes vertes",
                     "Union des collectivités côtières", "Conférence des villes frontalières",
                     "Réseau méditerranéen des villes", "Observatoire de la démocratie locale")
        for i in range(p.hubs + p.networks):
            if i < p.hubs:
                fr = hub_names[i]
            else:
                name, _ = self.names.place()
                fr = f"Association des collectivités de {name}"
            slug = slugify(fr)
            n = iri(f"{ID}actor/{slug}")
            w.t(n, RDF_TYPE, iri(CG + "LocalGovernmentNetwork"))
            acronym = "".join(word[0] for word in fr.split() if len(word) > 3).upper()
            self.labels(n, fr, f"Network {i + 1}" if i < p.hubs else None, acronym)
            founded, _ = self.date(1950, 2010)
            w.t(n, CG + "foundingDate", founded)
            hq = rng.choice(self.countries)
            w.t(n, CG + "headquarters", iri(f"{ID}territory/{hq.slug}"))
            w.t(n, CG + "theme", self.pick("theme"))
            if i < p.hubs:
                w.t(n, DCT + "description", lang(
                    f"{fr} rassemble des collectivités du monde entier autour de la "
                    "coopération décentralisée et du plaidoyer international.", "fr"))
                self.figure(n, "figure", f"membres-{slug}", "member-count",
                            rng.randint(100, 250_000), "membres", f"Membres de {fr}")
            self.sources(n)
            self.networks.append(slug)
            self.actor_names[slug] = fr
            self.count("network")
            if i < p.hubs:  # commissions, some nested
                for k in range(rng.randint(3, 6)):
                    topic = rng.choice(self.concepts["theme"]).rsplit("/", 1)[1]
                    bslug = f"{slug}-commission-{k + 1}"
                    b = iri(f"{ID}actor/{bslug}")
                    w.t(b, RDF_TYPE, iri(CG + "NetworkBody"))
                    bfr = f"Commission {topic.replace('-', ' ')} — {fr}"
                    self.labels(b, bfr)
                    parent = n if k < 3 else iri(f"{ID}actor/{slug}-commission-1")
                    w.t(b, ORG + "unitOf", parent)
                    w.t(parent, ORG + "hasUnit", b)
                    self.sources(b)
                    self.bodies.append(bslug)
                    self.actor_names[bslug] = bfr
                    self.count("network-body")
        kinds = (("DevelopmentAgency", "Agence de développement"),
                 ("StateBody", "Ministère de la coopération"),
                 ("InternationalOrganisation", "Organisation internationale"),
                 ("CivilSocietyOrganisation", "Association de solidarité"),
                 ("ResearchInstitution", "Institut de recherche"))
        for i in range(p.funders):
            cls, prefix = kinds[i % len(kinds)] if i >= 2 else kinds[i]
            country = rng.choice(self.countries)
            fr = f"{prefix} {'de' if i % 2 else 'du'} {country.name} {i + 1}"
            slug = slugify(fr)
            f = iri(f"{ID}actor/{slug}")
            w.t(f, RDF_TYPE, iri(CG + cls))
            self.labels(f, fr, f"{prefix} {i + 1}" if rng.random() < 0.5 else None)
            w.t(f, CG + "headquarters", iri(f"{ID}territory/{country.slug}"))
            self.sources(f)
            self.funders.append(slug)
            self.actor_names[slug] = fr
            self.count("funder")

    def _membership(self, member: str, org: str, role: str) -> None:
        w = self.w
        m = iri(f"{ID}membership/{member}--{org}")
        w.t(m, RDF_TYPE, iri(CG + "Membership"))
        w.t(m, RDF_TYPE, iri(ORG + "Membership"))
        w.t(m, ORG + "member", iri(f"{ID}actor/{member}"))
        w.t(m, ORG + "organization", iri(f"{ID}actor/{org}"))
        w.t(m, ORG + "role", self.concept("role", role))
        self.labels(m, f"{self.actor_names[member]} ({role}) — {self.actor_names[org]}",
                    f"{self.actor_names[member]} ({role}) — {self.actor_names[org]}")
        if self.rng.random() < 0.7:
            w.t(m, SCHEMA + "startDate", self.date(1975, 2024)[0])
        self.fact(m, _EXCERPTS["membership"].format(member=self.actor_names[member],
                                                    org=self.actor_names[org]))
        self.count("membership")

    def gen_memberships(self) -> None:
        rng, p = self.rng, self.plan
        # hub i gets a member with probability 0.75 / (i + 1) ** 0.8: the first hubs gather
        # most local governments (thousands at 1M triples).
        odds = [0.75 / (i + 1) ** 0.8 for i in range(p.hubs)]
        roles = ("member",) * 12 + ("world-bureau-member", "co-president", "active-participant")
        for lg in self.local_governments:
            anchor = lg == ANCHOR["actor"].rsplit("/", 1)[1]
            for i, hub in enumerate(self.networks[: p.hubs]):
                if anchor or rng.random() < odds[i]:
                    self._membership(lg, hub, rng.choice(roles) if not anchor else "member")
            if rng.random() < 0.3:
                self._membership(lg, rng.choice(self.networks[p.hubs:] or self.networks),
                                 "member")
            if anchor or rng.random() < 0.05:
                for body in (self.bodies[:2] if anchor else [rng.choice(self.bodies)]):
                    self._membership(lg, body, "co-president" if anchor else "member")

    def _participation(self, parent: str, parent_slug: str, what: str, agent: str,
                       roles: list[str], kind: str) -> None:
        w, rng = self.w, self.rng
        pslug = f"{parent_slug}--{agent}"
        part = iri(f"{ID}participation/{pslug}")
        w.t(part, RDF_TYPE, iri(CG + "Participation"))
        w.t(parent, CG + "hasParticipation", part)
        w.t(part, CG + "participationIn", parent)
        w.t(part, CG + "agent", iri(f"{ID}actor/{agent}"))
        for role in roles:
            w.t(part, CG + "role", self.concept("role", role))
        name = f"{self.actor_names[agent]} ({', '.join(roles)}) — {what}"
        self.labels(part, name, name)  # composed as the curated participations' labels
        if rng.random() < 0.3:
            topic = rng.choice(("coopération", "gestion de l’eau", "démocratie participative",
                                "formation"))
            w.t(part, CG + "contribution", lang(f"A présenté son expérience de {topic}.", "fr"))
        if kind == "event" and self.projects and rng.random() < 0.1:
            w.t(part, CG + "presented", iri(f"{ID}project/{rng.choice(self.projects)[0]}"))
        self.fact(part, _EXCERPTS["participation"].format(
            agent=self.actor_names[agent], what=what, role=roles[0]))
        self.count("participation")

    def gen_partnerships(self) -> None:
        w, rng = self.w, self.rng
        lgs = self.local_governments
        by_slug = {t.governed_by: t for t in self.territories if t.governed_by}
        anchor = ANCHOR["actor"].rsplit("/", 1)[1]
        statuses = ("formal-partnership",) * 5 + ("letter-of-commitment", "contacts",
                                                  "informal-contacts")
        kinds = ("decentralised-cooperation",) * 6 + ("european-cooperation",
                                                      "framework-agreement")
        seen: set[tuple[str, str]] = set()
        for i in range(self.plan.partnerships):
            # the anchor is party to the first 25; then preferential attachment on lgs[:10%]
            if i < 25:
                a = anchor
            elif rng.random() < 0.4:
                a = lgs[rng.randrange(max(1, len(lgs) // 10))]
            else:
                a = rng.choice(lgs)
            b = "ville-de-port-amarante" if i == 0 else rng.choice(lgs)
            if b == a or (a, b) in seen or (b, a) in seen:
                continue
            seen.add((a, b))
            slug = f"{a}--{b}"
            s = iri(f"{ID}partnership/{slug}")
            w.t(s, RDF_TYPE, iri(CG + "Partnership"))
            an, bn = self.actor_names[a], self.actor_names[b]
            self.labels(s, f"Coopération {an} — {bn}",
                        f"Partnership {an} — {bn}" if rng.random() < 0.3 else None)
            for x in (a, b):
                w.t(s, CG + "party", iri(f"{ID}actor/{x}"))
                w.t(iri(f"{ID}actor/{x}"), CG + "partyTo", s)
            terr = by_slug[b]
            w.t(s, CG + "partnerTerritory", iri(f"{ID}territory/{terr.slug}"))
            start, year = self.date(1970, 2025)
            w.t(s, SCHEMA + "startDate", start)
            if rng.random() < 0.15:
                w.t(s, SCHEMA + "endDate", typed(str(min(2025, year + rng.randint(1, 15))),
                                                 XSD + "gYear"))
            w.t(s, CG + "partnershipStatus", self.concept("partnership-status",
                                                          rng.choice(statuses)))
            w.t(s, CG + "partnershipKind", self.concept("partnership-kind", rng.choice(kinds)))
            themes = rng.sample(self.concepts["theme"], k=rng.randint(1, 3))
            for theme in themes:
                w.t(s, CG + "theme", iri(theme))
            if rng.random() < 0.3:
                w.t(s, DCT + "description", lang(
                    f"Coopération décentralisée entre {an} et {bn}.", "fr"))
            since = f"Depuis {year},"
            self.fact(s, _EXCERPTS["partnership"].format(
                since=since, a=an, b=bn, theme=themes[0].rsplit("/", 1)[1]))
            self.count("partnership")

    def gen_projects(self) -> None:
        w, rng = self.w, self.rng
        anchor = ANCHOR["actor"].rsplit("/", 1)[1]
        anchor_family = [anchor] + [u for u in self.units if "val-d-aurore" in u]
        words = ("Eau pour tous", "Jeunesse active", "Villes durables", "Égalité",
                 "Santé communautaire", "Culture partagée", "Gouvernance locale",
                 "Sécurité alimentaire", "Numérique solidaire", "Climat et territoires")
        actors = self.local_governments + self.units[: len(self.units) // 2]
        for i in range(self.plan.projects):
            place = rng.choice(self.territories)
            label = f"{rng.choice(words)} à {place.name}"
            slug = f"{slugify(label)}-{i + 1}"
            s = iri(f"{ID}project/{slug}")
            programme = rng.random() < 0.05
            w.t(s, RDF_TYPE, iri(CG + "Project"))
            if programme:
                w.t(s, RDF_TYPE, iri(CG + "Programme"))
            self.labels(s, label, f"{label} (project)" if rng.random() < 0.3 else None)
            for theme in rng.sample(self.concepts["theme"], k=rng.randint(1, 2)):
                w.t(s, CG + "theme", iri(theme))
            w.t(s, CG + "location", iri(f"{ID}territory/{place.slug}"))
            start, year = self.date(1990, 2025)
            w.t(s, SCHEMA + "startDate", start)
            if rng.random() < 0.5:
                w.t(s, SCHEMA + "endDate", typed(str(min(2026, year + rng.randint(1, 6))),
                                                 XSD + "gYear"))
            if rng.random() < 0.2:
                self.figure(s, "output", f"output-{slug}", "trainees", rng.randint(10, 900),
                            "personnes formées", f"Personnes formées par « {label} »")
            self.fact(s, _EXCERPTS["project"].format(label=label, place=place.name))
            agents = rng.sample(actors, k=min(len(actors), rng.randint(2, 4)))
            if i % 8 == 0:
                agents[0] = rng.choice(anchor_family)
            agents = list(dict.fromkeys(agents))
            for k, agent in enumerate(agents):
                roles = ["lead"] if k == 0 else [rng.choice(("partner", "implementer",
                                                             "co-funder", "operator"))]
                self._participation(s, slug, label, agent, roles, "project")
            self.projects.append((slug, label))
            self.count("project")

    def gen_fundings(self) -> None:
        w, rng = self.w, self.rng
        statuses = ("granted",) * 3 + ("requested", "co-financed")
        for i in range(self.plan.fundings):
            pslug, plabel = rng.choice(self.projects)
            funder = self.funders[min(len(self.funders) - 1,
                                      int(rng.paretovariate(1.0)) - 1)]
            slug = f"{funder}--{pslug}-{i + 1}"
            s = iri(f"{ID}funding/{slug}")
            w.t(s, RDF_TYPE, iri(CG + "Funding"))
            self.labels(s, f"Financement de « {plabel} » par {self.actor_names[funder]}")
            w.t(s, SCHEMA + "funder", iri(f"{ID}actor/{funder}"))
            w.t(s, CG + "fundedProject", iri(f"{ID}project/{pslug}"))
            w.t(s, CG + "recipient", iri(f"{ID}actor/{rng.choice(self.local_governments)}"))
            amount = f"_:a{i + 1}"
            w.t(s, SCHEMA + "amount", amount)
            w.t(amount, RDF_TYPE, iri(SCHEMA + "MonetaryAmount"))
            value = round(rng.lognormvariate(10.5, 1.3), 2) + 500
            w.t(amount, SCHEMA + "value", typed(f"{value:.2f}", XSD + "decimal"))
            w.t(amount, SCHEMA + "currency", plain("EUR"))
            w.t(s, CG + "fundingStatus", self.concept("funding-status", rng.choice(statuses)))
            w.t(s, SCHEMA + "startDate", self.date(1995, 2025)[0])
            self.fact(s, _EXCERPTS["funding"].format(what=plabel,
                                                     funder=self.actor_names[funder]))
            self.count("funding")

    def gen_events(self) -> None:
        w, rng = self.w, self.rng
        anchor = ANCHOR["actor"].rsplit("/", 1)[1]
        anchor_family = [anchor] + [u for u in self.units if "val-d-aurore" in u]
        kinds = ("conference", "forum", "summit", "congress", "meeting", "workshop",
                 "session", "round-table")
        participants = self.local_governments + self.networks + self.funders
        for i in range(self.plan.events):
            place = rng.choice(self.territories)
            start, year = self.date(2000, 2025)
            if i % 10 == 0:
                year = 2017 if i % 20 == 0 else year
                label = f"Rencontres de l’action internationale des collectivités {year}"
                start = typed(f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                              XSD + "date")
            else:
                label = f"{rng.choice(('Forum', 'Congrès', 'Sommet', 'Atelier'))} de " \
                        f"{place.name} {year}"
            slug = f"{slugify(label)}-{i + 1}"
            s = iri(f"{ID}event/{slug}")
            w.t(s, RDF_TYPE, iri(CG + "Event"))
            self.labels(s, label, f"{label} (event)" if rng.random() < 0.3 else None)
            w.t(s, CG + "eventKind", self.concept("event-kind", rng.choice(kinds)))
            w.t(s, CG + "location", iri(f"{ID}territory/{place.slug}"))
            w.t(s, SCHEMA + "startDate", start)
            organiser = rng.choice(self.networks)
            w.t(s, SCHEMA + "organizer", iri(f"{ID}actor/{organiser}"))
            w.t(s, CG + "theme", self.pick("theme"))
            if rng.random() < 0.2:
                self.figure(s, "output", f"participants-{slug}", "participants",
                            rng.randint(20, 3000), "participants", f"Participants — {label}")
            self.fact(s, _EXCERPTS["event"].format(label=label, place=place.name))
            agents = rng.sample(participants, k=min(len(participants), rng.randint(3, 9)))
            if i % 3 == 0:
                agents[0] = rng.choice(anchor_family)
            for agent in dict.fromkeys(agents):
                roles = [rng.choice(("participant", "participant", "speaker", "presenter",
                                     "co-organiser"))]
                self._participation(s, slug, label, agent, roles, "event")
            self.count("event")

    def gen_awards(self) -> None:
        w, rng = self.w, self.rng
        for i in range(self.plan.awards):
            to = (ANCHOR["actor"].rsplit("/", 1)[1] if i == 0
                  else rng.choice(self.local_governments))
            by = rng.choice(self.networks + self.funders)
            label = f"Label de la coopération exemplaire {i + 1}"
            s = iri(f"{ID}award/{slugify(label)}")
            w.t(s, RDF_TYPE, iri(CG + "Award"))
            self.labels(s, label)
            w.t(s, CG + "awardedTo", iri(f"{ID}actor/{to}"))
            w.t(s, CG + "awardedBy", iri(f"{ID}actor/{by}"))
            w.t(s, CG + "awardDate", self.date(2005, 2025)[0])
            w.t(s, CG + "theme", self.pick("theme"))
            self.fact(s, _EXCERPTS["award"].format(to=self.actor_names[to], label=label,
                                                   by=self.actor_names[by]))
            self.count("award")


def generate(target: int, out: TextIO, *, seed: int = 42,
             graph: str | None = DATA_GRAPH) -> Stats:
    """Write about ``target`` triples to ``out`` (N-Quads in ``graph``, N-Triples if None)."""
    return Generator(target, out, seed=seed, graph=graph).run()


def ontology_quads(graph: str = ONTOLOGY_GRAPH) -> Iterator[str]:
    """The real ontology files (classes, properties, vocabularies) as N-Quads lines."""
    for path in ONTOLOGY_FILES:
        for quad in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            yield f"{quad.subject} {quad.predicate} {quad.object} <{graph}> .\n"


def write_dataset(target: int, path: Path, *, seed: int = 42) -> Stats:
    """One N-Quads file: the ontology in ``graph/ontology``, the data in ``graph/data``.

    Written to a temporary name and renamed, so an interrupted run leaves no half file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    with tmp.open("w", encoding="utf-8", buffering=1 << 20) as out:
        n = 0
        for line in ontology_quads():
            out.write(line)
            n += 1
        stats = generate(target, out, seed=seed)
        stats.counts["ontology-triples"] = n
    tmp.replace(path)
    return stats


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.generate --size 100k --out FILE``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="10k", help="about this many triples (10k, 1M…)")
    parser.add_argument("--out", type=Path, help="output file (default: stdout)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--format", choices=("nq", "nt"), default="nq",
                        help="nq: N-Quads in <base>graph/data (default); nt: N-Triples")
    parser.add_argument("--with-ontology", action="store_true",
                        help="also write the ontology into <base>graph/ontology (nq only)")
    args = parser.parse_args(argv)
    target = parse_size(args.size)
    graph = DATA_GRAPH if args.format == "nq" else None
    if args.with_ontology and args.out and args.format == "nq":
        stats = write_dataset(target, args.out, seed=args.seed)
    elif args.out:
        with args.out.open("w", encoding="utf-8", buffering=1 << 20) as out:
            stats = generate(target, out, seed=args.seed, graph=graph)
    else:
        stats = generate(target, sys.stdout, seed=args.seed, graph=graph)
    print(f"{stats.triples} triples: " + ", ".join(
        f"{k} {v}" for k, v in sorted(stats.counts.items())), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
