"""``/.well-known/sparql-examples``: the worked examples as SHACL SPARQL executables.

The convention other SPARQL tools read (e.g. the SIB/Expasy sparql-examples): each query is
an ``sh:SPARQLExecutable`` (and ``sh:SPARQLSelectExecutable``) with ``rdfs:label`` and
``rdfs:comment`` in both languages, its text in ``sh:select`` (or ``sh:construct``/``sh:ask``)
and ``schema:target`` the endpoint. Built as rdflib triples and written by
:func:`.negotiation.rdf_response`: Turtle or JSON-LD (or any RDF syntax) by content
negotiation.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, request
from rdflib import RDF, Literal, URIRef

from ..examples import load_examples
from ..rdfio import RdfTriple
from .negotiation import rdf_response

bp = Blueprint("examples_rdf", __name__)

SH = "http://www.w3.org/ns/shacl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SCHEMA = "https://schema.org/"
DCTERMS = "http://purl.org/dc/terms/"
#: the prefixes of the Turtle, TriG and RDF/XML documents.
DOCUMENT_PREFIXES = {"sh": SH, "rdfs": RDFS, "schema": SCHEMA, "dcterms": DCTERMS}
FORM = re.compile(r"^\s*(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", re.IGNORECASE | re.MULTILINE)
KIND = {"SELECT": ("select", "SPARQLSelectExecutable"),
        "CONSTRUCT": ("construct", "SPARQLConstructExecutable"),
        "ASK": ("ask", "SPARQLAskExecutable"),
        "DESCRIBE": ("describe", "SPARQLDescribeExecutable")}


def example_iri(name: str) -> str:
    """An example's IRI: ``<base>id/example/{file stem}``."""
    return f"{current_app.config['BASE']}id/example/{name}"


def examples_triples(endpoint: str) -> list[RdfTriple]:
    """The examples as triples."""
    triples: list[RdfTriple] = []
    for example in load_examples():
        node = URIRef(example_iri(example.name))
        form = FORM.search("\n".join(line for line in example.text.splitlines()
                                     if not line.lstrip().startswith("#")))
        predicate, cls = KIND[form.group(1).upper() if form else "SELECT"]
        triples += [
            (node, RDF.type, URIRef(SH + "SPARQLExecutable")),
            (node, RDF.type, URIRef(SH + cls)),
            (node, URIRef(SH + predicate), Literal(example.text)),
            (node, URIRef(SCHEMA + "target"), URIRef(endpoint)),
            (node, URIRef(DCTERMS + "identifier"), Literal(example.name)),
        ]
        for lang, title in example.title.items():
            triples.append((node, URIRef(RDFS + "label"), Literal(title, lang=lang)))
        for lang, text in example.description.items():
            triples.append((node, URIRef(RDFS + "comment"), Literal(text, lang=lang)))
    return triples


@bp.route("/.well-known/sparql-examples", methods=["GET"])
def sparql_examples() -> Response:
    """The examples in the negotiated RDF syntax (Turtle by default)."""
    return rdf_response(examples_triples(request.url_root + "sparql"), DOCUMENT_PREFIXES)
