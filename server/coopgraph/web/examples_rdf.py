"""``/.well-known/sparql-examples``: the worked examples as SHACL SPARQL executables.

The convention other SPARQL tools read (e.g. the SIB/Expasy sparql-examples): each query is
an ``sh:SPARQLExecutable`` (and ``sh:SPARQLSelectExecutable``) with ``rdfs:label`` and
``rdfs:comment`` in both languages, its text in ``sh:select`` (or ``sh:construct``/``sh:ask``)
and ``schema:target`` the endpoint. Built with pyoxigraph terms and serialised by it; Turtle
or JSON-LD (or any RDF syntax) by content negotiation.
"""

from __future__ import annotations

import re
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request

from ..examples import load_examples
from ..formats import RDF_FORMATS
from .negotiation import content_type, negotiate

bp = Blueprint("examples_rdf", __name__)

SH = "http://www.w3.org/ns/shacl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SCHEMA = "https://schema.org/"
DCTERMS = "http://purl.org/dc/terms/"
FORM = re.compile(r"^\s*(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", re.IGNORECASE | re.MULTILINE)
KIND = {"SELECT": ("select", "SPARQLSelectExecutable"),
        "CONSTRUCT": ("construct", "SPARQLConstructExecutable"),
        "ASK": ("ask", "SPARQLAskExecutable"),
        "DESCRIBE": ("describe", "SPARQLDescribeExecutable")}


def example_iri(name: str) -> str:
    """An example's IRI: ``<base>id/example/{file stem}``."""
    return f"{current_app.config['BASE']}id/example/{name}"


def examples_triples(endpoint: str) -> list[ox.Triple]:
    """The examples as triples."""
    triples: list[ox.Triple] = []
    for example in load_examples():
        node = ox.NamedNode(example_iri(example.name))
        form = FORM.search("\n".join(line for line in example.text.splitlines()
                                     if not line.lstrip().startswith("#")))
        predicate, cls = KIND[form.group(1).upper() if form else "SELECT"]
        triples += [
            ox.Triple(node, RDF_TYPE, ox.NamedNode(SH + "SPARQLExecutable")),
            ox.Triple(node, RDF_TYPE, ox.NamedNode(SH + cls)),
            ox.Triple(node, ox.NamedNode(SH + predicate), ox.Literal(example.text)),
            ox.Triple(node, ox.NamedNode(SCHEMA + "target"), ox.NamedNode(endpoint)),
            ox.Triple(node, ox.NamedNode(DCTERMS + "identifier"), ox.Literal(example.name)),
        ]
        for lang, title in example.title.items():
            triples.append(ox.Triple(node, ox.NamedNode(RDFS + "label"),
                                     ox.Literal(title, language=lang)))
        for lang, text in example.description.items():
            triples.append(ox.Triple(node, ox.NamedNode(RDFS + "comment"),
                                     ox.Literal(text, language=lang)))
    return triples


@bp.route("/.well-known/sparql-examples", methods=["GET"])
def sparql_examples() -> Response:
    """The examples in the negotiated RDF syntax (Turtle by default)."""
    media_type = negotiate("rdf")
    triples = examples_triples(request.url_root + "sparql")
    fmt = RDF_FORMATS[media_type]
    if media_type in ("application/trig", "application/n-quads"):
        data = ox.serialize([ox.Quad(t.subject, t.predicate, t.object) for t in triples],
                            format=fmt)
    else:
        kwargs: dict[str, Any] = {}
        if media_type in ("text/turtle", "application/rdf+xml"):
            kwargs["prefixes"] = {"sh": SH, "rdfs": RDFS, "schema": SCHEMA,
                                  "dcterms": DCTERMS}
        data = ox.serialize(triples, format=fmt, **kwargs)
    response = Response(data, content_type=content_type(media_type))
    response.headers["Vary"] = "Accept"
    return response
