"""Standard SPARQL clients work against the live server unchanged."""

from __future__ import annotations

from conftest import ADMIN_TOKEN, BASE, GRAPH
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import CSV, JSON, N3, POST, RDFXML, TURTLE, XML, SPARQLWrapper

TERRITORY = f"{BASE}ontology#Territory"
SELECT = f"SELECT ?t WHERE {{ ?t a <{TERRITORY}> }} ORDER BY ?t"
CONSTRUCT = f"CONSTRUCT {{ ?t a <{TERRITORY}> }} WHERE {{ ?t a <{TERRITORY}> }}"
MATOLA = f"{BASE}id/territory/matola"


def test_sparqlwrapper_select_json_get_and_post(live_server):
    for method in ("GET", POST):
        client = SPARQLWrapper(live_server.endpoint())
        client.setQuery(SELECT)
        client.setReturnFormat(JSON)
        client.setMethod(method)
        rows = client.queryAndConvert()["results"]["bindings"]
        assert [r["t"]["value"] for r in rows][0] == MATOLA
        assert len(rows) == 2


def test_sparqlwrapper_select_xml_and_csv(live_server):
    client = SPARQLWrapper(live_server.endpoint())
    client.setQuery(SELECT)
    client.setReturnFormat(XML)
    document = client.queryAndConvert()
    uris = [node.firstChild.data for node in document.getElementsByTagName("uri")]
    assert MATOLA in uris
    client.setReturnFormat(CSV)
    text = client.queryAndConvert().decode()
    assert text.splitlines()[0].strip() == "t" and MATOLA in text


def test_sparqlwrapper_ask_and_construct(live_server):
    client = SPARQLWrapper(live_server.endpoint())
    client.setQuery(f"ASK {{ <{MATOLA}> a <{TERRITORY}> }}")
    client.setReturnFormat(JSON)
    assert client.queryAndConvert()["boolean"] is True
    for fmt in (RDFXML, TURTLE, N3):
        client = SPARQLWrapper(live_server.endpoint())
        client.setQuery(CONSTRUCT)
        client.setReturnFormat(fmt)
        result = client.queryAndConvert()
        graph = result if isinstance(result, Graph) else Graph().parse(data=result,
                                                                        format="turtle")
        assert (URIRef(MATOLA), None, URIRef(TERRITORY)) in graph, fmt


def test_sparqlwrapper_syntax_error_message(live_server):
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    client = SPARQLWrapper(live_server.endpoint())
    client.setQuery("SELECT * WHERE { ?s ?p }")
    client.setReturnFormat(JSON)
    try:
        client.queryAndConvert()
    except QueryBadFormed as exc:
        assert "syntax error" in str(exc)
    else:
        raise AssertionError("a malformed query must fail")


def test_rdflib_sparqlstore(live_server):
    store = SPARQLStore(live_server.endpoint(), returnFormat="json")
    graph = Graph(store=store)
    subjects = sorted(str(s) for s in graph.subjects(predicate=None, object=URIRef(TERRITORY)))
    assert MATOLA in subjects and len(subjects) == 2
    rows = list(graph.query(SELECT))
    assert str(rows[0][0]) == MATOLA
    assert graph.query(f"ASK {{ <{MATOLA}> ?p ?o }}").askAnswer is True
    constructed = graph.query(CONSTRUCT).graph
    assert len(constructed) == 2
    assert len(store) == live_server.store.count()
    store.close()


def test_rdflib_sparqlupdatestore(writable_server):
    contribution = f"{BASE}graph/upload/rdflib"
    store = SPARQLUpdateStore(
        query_endpoint=writable_server.endpoint(),
        update_endpoint=writable_server.endpoint("/update"),
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    graph = Graph(store=store, identifier=URIRef(contribution))
    graph.add((URIRef("urn:x"), URIRef("urn:p"), URIRef("urn:y")))
    assert writable_server.store.count(contribution) == 1
    assert GRAPH["data"] in writable_server.store.named_graphs()
    store.close()
