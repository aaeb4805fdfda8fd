"""/.well-known/void: every number equals the count made directly on the store."""

from __future__ import annotations

import pyoxigraph as ox
import requests
from conftest import ADMIN_TOKEN, BASE, GRAPH, rdf_document_graph
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from coopgraph.formats import RDF_TYPES

VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
DATASET = URIRef(f"{BASE}id/dataset/coopgraph")


def _distinct_triples(store) -> set[tuple]:
    """Every distinct triple of the store, counted in Python (the oracle)."""
    return {(q.subject, q.predicate, q.object) for q in store.engine.quads_for_pattern(
        None, None, None, None)}


def _void(server) -> Graph:
    r = requests.get(server.endpoint("/.well-known/void"), timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/turtle")
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    return Graph().parse(data=r.text, format="turtle")


def _int(graph: Graph, subject, predicate) -> int:
    value = graph.value(subject, predicate)
    assert isinstance(value, Literal), (subject, predicate)
    return int(value)


def test_void_counts_equal_real_counts(live_server):
    graph = _void(live_server)
    triples = _distinct_triples(live_server.store)
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    assert _int(graph, DATASET, VOID.triples) == len(triples)
    assert _int(graph, DATASET, VOID.properties) == len({t[1] for t in triples})
    classes = {t[2] for t in triples if t[1] == rdf_type}
    assert _int(graph, DATASET, VOID.classes) == len(classes)
    iri_subjects = {t[0] for t in triples if isinstance(t[0], ox.NamedNode)}
    assert _int(graph, DATASET, VOID.entities) == len(iri_subjects)
    assert (DATASET, VOID.sparqlEndpoint, URIRef(live_server.endpoint())) in graph

    partitions = {
        str(graph.value(p, VOID["class"])): int(graph.value(p, VOID.entities))
        for p in graph.objects(DATASET, VOID.classPartition)
    }
    expected = {c.value: len({t[0] for t in triples if t[1] == rdf_type and t[2] == c})
                for c in classes}
    assert partitions == expected

    properties = {
        str(graph.value(p, VOID.property)): int(graph.value(p, VOID.triples))
        for p in graph.objects(DATASET, VOID.propertyPartition)
    }
    assert properties == {p.value: len([t for t in triples if t[1] == p])
                          for p in {t[1] for t in triples}}


def test_void_subsets_and_linksets(live_server):
    graph = _void(live_server)
    subsets = list(graph.objects(DATASET, VOID.subset))
    per_graph = {str(graph.value(s, SD.name)): int(graph.value(s, VOID.triples))
                 for s in subsets if graph.value(s, SD.name) is not None}
    assert per_graph == {g: live_server.store.count(g) for g in live_server.store.named_graphs()}

    linksets = {str(s).rsplit("/", 1)[1]: s for s in subsets if (s, None, VOID.Linkset) in graph}
    assert set(linksets) == {"wikidata", "geonames", "ror", "un-sdg", "insee"}
    assert all(str(s).startswith(f"{BASE}id/linkset/") for s in linksets.values())
    wikidata = linksets["wikidata"]
    assert graph.value(wikidata, VOID.objectsTarget) == URIRef(f"{BASE}id/dataset/wikidata")
    assert _int(graph, wikidata, VOID.triples) == 2
    assert (wikidata, VOID.linkPredicate,
            URIRef("http://www.w3.org/2004/02/skos/core#exactMatch")) in graph
    assert _int(graph, linksets["geonames"], VOID.triples) == 1
    assert _int(graph, linksets["ror"], VOID.triples) == 0
    insee = linksets["insee"]
    assert _int(graph, insee, VOID.triples) == 1
    assert (insee, VOID.linkPredicate, URIRef("http://rdf.insee.fr/def/geo#codeINSEE")) in graph


def test_void_refreshes_after_a_write(writable_server):
    before = _int(_void(writable_server), DATASET, VOID.triples)
    r = requests.put(writable_server.endpoint("/store"),
                     params={"graph": f"{BASE}graph/upload/void"},
                     data=b"<urn:new> <urn:p> <urn:o> .",
                     headers={"Content-Type": "text/turtle",
                              "Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=10)
    assert r.status_code == 201
    assert _int(_void(writable_server), DATASET, VOID.triples) == before + 1


def test_void_other_syntax(live_server):
    r = requests.get(live_server.endpoint("/.well-known/void"),
                     headers={"Accept": "application/n-triples"}, timeout=10)
    assert r.status_code == 200
    graph = Graph().parse(data=r.text, format="nt")
    assert (DATASET, None, VOID.Dataset) in graph
    assert GRAPH["data"] in {str(o) for o in graph.objects(None, SD.name)}


def test_void_is_the_same_graph_in_every_syntax(live_server):
    turtle = _void(live_server)
    for media_type in RDF_TYPES:
        for _ in range(2):  # written, then from the cache: the same bytes
            r = requests.get(live_server.endpoint("/.well-known/void"),
                             headers={"Accept": media_type}, timeout=10)
            assert r.status_code == 200 and r.headers["Vary"] == "Accept"
            assert r.headers["Content-Type"].split(";")[0] == media_type
            assert isomorphic(rdf_document_graph(r), turtle), media_type


def test_void_names_the_endpoint_each_client_asked(live_server):
    """The document is cached, but each Host gets its own endpoint IRI."""
    port = live_server.url.rsplit(":", 1)[1]
    for host in ("one.example", "two.example", "one.example"):
        r = requests.get(live_server.endpoint("/.well-known/void"),
                         headers={"Host": f"{host}:{port}"}, timeout=10)
        graph = Graph().parse(data=r.text, format="turtle")
        assert graph.value(DATASET, VOID.sparqlEndpoint) == URIRef(
            f"http://{host}:{port}/sparql")
