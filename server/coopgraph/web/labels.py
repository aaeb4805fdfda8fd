"""Labels of IRIs in both languages, read in one query, for every page that shows IRIs."""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app

from . import reads
from .i18n import pick

LABEL_QUERY = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?x ?label WHERE {{
  VALUES ?x {{ {values} }}
  {{ ?x skos:prefLabel ?label }} UNION {{ ?x rdfs:label ?label }}
}}"""

#: Well-known prefixes for a readable name when the graph gives no label.
SHORT = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf:",
    "http://www.w3.org/2000/01/rdf-schema#": "rdfs:",
    "http://www.w3.org/2002/07/owl#": "owl:",
    "http://www.w3.org/2004/02/skos/core#": "skos:",
    "http://purl.org/dc/terms/": "dcterms:",
    "http://www.w3.org/ns/prov#": "prov:",
    "http://www.w3.org/ns/org#": "org:",
    "http://schema.org/": "schema:",
    "http://xmlns.com/foaf/0.1/": "foaf:",
    "http://www.w3.org/2001/XMLSchema#": "xsd:",
    "http://www.w3.org/ns/shacl#": "sh:",
    "http://rdf.insee.fr/def/geo#": "igeo:",
    "http://www.opengis.net/ont/geosparql#": "geo:",
    "http://www.w3.org/2003/01/geo/wgs84_pos#": "wgs:",
    "http://www.w3.org/ns/dcat#": "dcat:",
    "http://rdfs.org/ns/void#": "void:",
}


def short(iri: str) -> str:
    """A compact name for an IRI without a label (``skos:prefLabel``, ``cg:Actor``, …)."""
    base = current_app.config["BASE"]
    if iri.startswith(base + "ontology#"):
        return "cg:" + iri[len(base) + len("ontology#"):]
    if iri.startswith(base):
        return iri[len(base):]
    for namespace, prefix in SHORT.items():
        if iri.startswith(namespace):
            return prefix + iri[len(namespace):]
    return iri


def fetch_labels(iris: Iterable[str], limit: int = 400) -> dict[str, dict[str, str]]:
    """``{iri: {lang: label}}`` for the IRIs that have a skos:prefLabel or rdfs:label."""
    wanted = sorted({i for i in iris if i})[:limit]
    values = " ".join(reads.iri(i) for i in wanted if _safe(i))
    if not values:
        return {}
    found: dict[str, dict[str, str]] = {}
    for row in reads.select(LABEL_QUERY.format(values=values)):
        label = row["label"]
        found.setdefault(row["x"]["value"], {}).setdefault(label.get("xml:lang", ""),
                                                           label["value"])
    return found


def _safe(iri: str) -> bool:
    try:
        reads.iri(iri)
    except ValueError:
        return False
    return True


def label(iri: str, labels: dict[str, dict[str, str]]) -> str:
    """The label of ``iri`` in the page language, else a short name."""
    return pick(labels.get(iri), short(iri))


def local_href(iri: str) -> str:
    """Where a page for ``iri`` lives: our IRIs on this server, others as they are."""
    base = current_app.config["BASE"]
    if iri.startswith(base + "ontology#"):
        return "/ontology#" + iri[len(base) + len("ontology#"):]
    if iri.startswith(base):
        return "/" + iri[len(base):]
    return iri
