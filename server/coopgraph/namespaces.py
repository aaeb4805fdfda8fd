"""The vocabularies the graph uses, as rdflib namespaces and as SPARQL prefixes."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SH, SKOS, XSD

from .config import CANONICAL_BASE

CG = Namespace(CANONICAL_BASE + "ontology#")
ID = Namespace(CANONICAL_BASE + "id/")
ORG = Namespace("http://www.w3.org/ns/org#")
SDO = Namespace("http://schema.org/")
WGS = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
IGEO = Namespace("http://rdf.insee.fr/def/geo#")
SDG = Namespace("http://metadata.un.org/sdg/")
WD = Namespace("http://www.wikidata.org/entity/")

#: prefix → namespace, for Turtle output and for the PREFIX header of example queries.
PREFIXES: dict[str, str] = {
    "cg": str(CG),
    "id": str(ID),
    "org": str(ORG),
    "schema": str(SDO),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "foaf": str(FOAF),
    "wgs": str(WGS),
    "geo": str(GEO),
    "void": str(VOID),
    "dcat": str(DCAT),
    "igeo": str(IGEO),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "sh": str(SH),
}


def sparql_prefixes() -> str:
    """A PREFIX header declaring every prefix above."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
