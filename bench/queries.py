"""The benchmark's queries: the examples of ``queries/`` and heavier analyst queries.

The examples are read from ``queries/*.rq`` and adapted to the synthetic data: the real
actors they ask about (``actor:cd93``, ``actor:via-le-monde``, ``territory:matola``) become the
generator's anchors (:data:`bench.generate.ANCHOR`), and "every actor / territory" is asked
through the class hierarchy of the ontology (``a/rdfs:subClassOf*``) because the benchmark
loads no materialised closure.

Each query has a short id, a kind (``example``, ``heavy`` or ``light``) and the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coopgraph.config import PROJECT_ROOT

from .generate import ANCHOR

PREFIXES = """PREFIX cg: <https://w3id.org/coopgraph/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <http://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX level: <https://w3id.org/coopgraph/id/concept/level/>
"""


@dataclass(frozen=True)
class Query:
    """One benchmark query."""

    id: str
    kind: str  # example | heavy | light
    text: str
    title: str = ""

    @property
    def form(self) -> str:
        """SELECT, ASK, CONSTRUCT or DESCRIBE (first keyword after the prologue)."""
        body = re.sub(r"(?im)^\s*(PREFIX|BASE)\s+[^\n]*$", "", self.text)
        body = re.sub(r"(?m)#.*$", "", body)
        match = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", body, re.IGNORECASE)
        return match.group(1).upper() if match else "SELECT"


def adapt_example(text: str) -> str:
    """Point an example query at the synthetic anchors; see the module docstring."""
    text = re.sub(r"\bactor:cd93\b", f"<{ANCHOR['actor']}>", text)
    text = re.sub(r"\bactor:via-le-monde\b", f"<{ANCHOR['unit']}>", text)
    text = text.replace("<https://w3id.org/coopgraph/id/territory/matola>",
                        f"<{ANCHOR['partner_territory']}>")
    # No inferred graph in the benchmark: follow the ontology's class hierarchy instead.
    text = re.sub(r"\?entity a (cg:Actor|cg:Territory)",
                  r"?entity a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* \1", text)
    return text


def example_queries() -> list[Query]:
    """The example queries of ``queries/``, adapted, ids ``ex01`` … ``ex12``."""
    out = []
    for path in sorted((PROJECT_ROOT / "queries").glob("*.rq")):
        number = path.name.split("-", 1)[0]
        out.append(Query(f"ex{number}", "example", adapt_example(path.read_text("utf-8")),
                         path.stem))
    return out


HEAVY: dict[str, tuple[str, str]] = {
    "funding-sum": ("GROUP BY / SUM of every funding amount by funder and year", """
SELECT ?funder ?funderLabel ?year (SUM(?value) AS ?total) (COUNT(?funding) AS ?n)
WHERE {
  ?funding a cg:Funding ; schema:funder ?funder ; schema:amount ?amount .
  ?amount schema:value ?value ; schema:currency "EUR" .
  ?funder skos:prefLabel ?funderLabel . FILTER(lang(?funderLabel) = "fr")
  OPTIONAL { ?funding schema:startDate ?date }
  BIND(COALESCE(SUBSTR(STR(?date), 1, 4), "?") AS ?year)
}
GROUP BY ?funder ?funderLabel ?year
ORDER BY DESC(?total)
"""),
    "path-within": ("partnerships per country of the partner territory (cg:withinTerritory*)", """
SELECT ?country ?countryLabel (COUNT(DISTINCT ?p) AS ?partnerships)
WHERE {
  ?p a cg:Partnership ; cg:partnerTerritory ?t .
  ?t cg:withinTerritory* ?country .
  ?country cg:administrativeLevel level:country ; skos:prefLabel ?countryLabel .
  FILTER(lang(?countryLabel) = "fr")
}
GROUP BY ?country ?countryLabel
ORDER BY DESC(?partnerships)
"""),
    "path-unitof": ("every unit under its top organisation (org:unitOf+)", """
SELECT ?root ?rootLabel (COUNT(DISTINCT ?unit) AS ?units)
WHERE {
  ?unit org:unitOf+ ?root .
  FILTER NOT EXISTS { ?root org:unitOf ?above }
  ?root skos:prefLabel ?rootLabel . FILTER(lang(?rootLabel) = "fr")
}
GROUP BY ?root ?rootLabel
ORDER BY DESC(?units) ?rootLabel
"""),
    "optional-listing": ("OPTIONAL-heavy listing of partnerships, COALESCE over labels", """
SELECT ?p (COALESCE(?pEn, ?pFr) AS ?label) ?start
       (COALESCE(?tEn, ?tFr, STR(?t)) AS ?territory) (COALESCE(?cFr, "?") AS ?country)
       (COALESCE(?sEn, ?sFr) AS ?status) (COALESCE(?kEn, ?kFr) AS ?kind) ?description
WHERE {
  ?p a cg:Partnership ; cg:partnerTerritory ?t .
  OPTIONAL { ?p skos:prefLabel ?pFr FILTER(lang(?pFr) = "fr") }
  OPTIONAL { ?p skos:prefLabel ?pEn FILTER(lang(?pEn) = "en") }
  OPTIONAL { ?p schema:startDate ?start }
  OPTIONAL { ?p dcterms:description ?description }
  OPTIONAL { ?t skos:prefLabel ?tFr FILTER(lang(?tFr) = "fr") }
  OPTIONAL { ?t skos:prefLabel ?tEn FILTER(lang(?tEn) = "en") }
  OPTIONAL { ?t cg:country/skos:prefLabel ?cFr FILTER(lang(?cFr) = "fr") }
  OPTIONAL { ?p cg:partnershipStatus ?s .
             OPTIONAL { ?s skos:prefLabel ?sFr FILTER(lang(?sFr) = "fr") }
             OPTIONAL { ?s skos:prefLabel ?sEn FILTER(lang(?sEn) = "en") } }
  OPTIONAL { ?p cg:partnershipKind ?k .
             OPTIONAL { ?k skos:prefLabel ?kFr FILTER(lang(?kFr) = "fr") }
             OPTIONAL { ?k skos:prefLabel ?kEn FILTER(lang(?kEn) = "en") } }
}
ORDER BY ?country ?territory ?start
LIMIT 1000
"""),
    "text-contains": ("CONTAINS on every label (case-insensitive)", """
SELECT ?s ?label
WHERE {
  ?s skos:prefLabel|skos:altLabel ?label .
  FILTER(CONTAINS(LCASE(STR(?label)), "saint"))
}
ORDER BY ?label
LIMIT 500
"""),
    "text-regex": ("REGEX on every label, counted by language", """
SELECT ?lang (COUNT(*) AS ?n)
WHERE {
  ?s skos:prefLabel ?label .
  FILTER(REGEX(STR(?label), "^(ville|région|département) d.*(a|e)$", "i"))
}
GROUP BY (LANG(?label) AS ?lang)
"""),
    "class-hierarchy": ("instances of every subclass of cg:Actor (rdfs:subClassOf*)", """
SELECT ?class (COUNT(?x) AS ?n)
WHERE {
  ?class rdfs:subClassOf* cg:Actor .
  ?x a ?class .
}
GROUP BY ?class
ORDER BY DESC(?n)
"""),
    "co-members": ("pairs of local governments sharing a network (quadratic in hub size)", """
SELECT ?net (COUNT(*) AS ?pairs)
WHERE {
  ?m1 org:organization ?net ; org:member ?a .
  ?m2 org:organization ?net ; org:member ?b .
  FILTER(STR(?a) < STR(?b))
}
GROUP BY ?net
ORDER BY DESC(?pairs)
"""),
}


def heavy_queries() -> list[Query]:
    """The analyst queries (whole-graph aggregates, paths, listings, text filters)."""
    return [Query(qid, "heavy", PREFIXES + text, title) for qid, (title, text) in HEAVY.items()]


def lookup_query(iri: str) -> Query:
    """The cheap query: all triples of one IRI."""
    return Query("lookup", "light", f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}",
                 "all triples of one IRI")


def describe_query(iri: str) -> Query:
    """DESCRIBE one IRI (the other cheap query)."""
    return Query("describe", "light", f"DESCRIBE <{iri}>", "DESCRIBE one IRI")


def all_queries() -> list[Query]:
    """Examples, heavy queries, and the two cheap ones on the anchor actor."""
    return (example_queries() + heavy_queries()
            + [lookup_query(ANCHOR["actor"]), describe_query(ANCHOR["actor"])])
