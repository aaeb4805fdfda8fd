"""/.well-known/sparql-examples: the examples as SHACL executables, in every RDF syntax.

The content of the Turtle document is specified in test_web_pages.py (on the curated build);
here: every syntax content negotiation offers says the same, on a small store.
"""

from __future__ import annotations

import requests
from conftest import rdf_document_graph
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.compare import isomorphic

from coopgraph.examples import load_examples
from coopgraph.formats import RDF_TYPES

SH = Namespace("http://www.w3.org/ns/shacl#")


def test_the_examples_are_the_same_graph_in_every_syntax(live_server):
    url = live_server.endpoint("/.well-known/sparql-examples")
    turtle = requests.get(url, timeout=10)
    assert turtle.headers["Content-Type"] == "text/turtle; charset=utf-8"
    graph = Graph().parse(data=turtle.text, format="turtle")
    assert len(set(graph.subjects(RDF.type, SH.SPARQLExecutable))) == len(load_examples())
    for media_type in RDF_TYPES:
        r = requests.get(url, headers={"Accept": media_type}, timeout=10)
        assert r.status_code == 200 and r.headers["Vary"] == "Accept"
        assert r.headers["Content-Type"].split(";")[0] == media_type
        assert isomorphic(rdf_document_graph(r), graph), media_type


def test_the_prefixes_shorten_the_turtle(live_server):
    text = requests.get(live_server.endpoint("/.well-known/sparql-examples"), timeout=10).text
    assert "@prefix sh: <http://www.w3.org/ns/shacl#> ." in text
    assert " a sh:SPARQLExecutable" in text


def test_no_rdf_syntax_accepted_is_406(live_server):
    r = requests.get(live_server.endpoint("/.well-known/sparql-examples"),
                     headers={"Accept": "image/png"}, timeout=10)
    assert r.status_code == 406
    assert "text/turtle" in r.text  # says what it can answer with


def test_each_example_targets_the_endpoint_asked(live_server):
    r = requests.get(live_server.endpoint("/.well-known/sparql-examples"), timeout=10)
    graph = Graph().parse(data=r.text, format="turtle")
    targets = set(graph.objects(None, URIRef("https://schema.org/target")))
    assert targets == {URIRef(live_server.endpoint("/sparql"))}
