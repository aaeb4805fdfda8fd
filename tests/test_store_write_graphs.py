"""Store.write_graphs: several named graphs replaced and added to in ONE transaction."""

from __future__ import annotations

import pytest

from coopgraph.store import OxigraphStore, open_store
from coopgraph.store.base import QuerySyntaxError

G1, G2, REG = "urn:g:one", "urn:g:two", "urn:g:registry"


@pytest.fixture
def store():
    s = open_store(None)
    yield s
    s.close()


def test_graphs_are_replaced_and_added_to_together(store: OxigraphStore):
    store.add_to_graph(G1, b'<urn:old> <urn:p> "1" .\n', "application/n-triples")
    store.add_to_graph(REG, b'<urn:first> <urn:p> "1" .\n', "application/n-triples")
    store.write_graphs({G1: b'<urn:a> <urn:p> "1" .\n', G2: b'<urn:b> <urn:p> "2" .\n'},
                       {REG: b'<urn:second> <urn:p> "2" .\n'})
    assert (store.count(G1), store.count(G2), store.count(REG)) == (1, 1, 2)
    assert not store.query("ASK { GRAPH <urn:g:one> { <urn:old> ?p ?o } }").boolean


def test_a_blank_node_label_is_the_same_node_in_every_graph_of_one_call(store: OxigraphStore):
    store.write_graphs({G1: b'_:b <urn:p> "x" .\n', G2: b'_:b <urn:q> "y" .\n'})
    rows = list(store.query("SELECT ?b WHERE { GRAPH <urn:g:one> { ?b <urn:p> ?x } "
                            "GRAPH <urn:g:two> { ?b <urn:q> ?y } }").rows())
    assert len(rows) == 1


def test_bad_data_in_one_graph_writes_nothing(store: OxigraphStore):
    store.add_to_graph(G1, b'<urn:old> <urn:p> "1" .\n', "application/n-triples")
    with pytest.raises(QuerySyntaxError):
        store.write_graphs({G1: b'<urn:a> <urn:p> "1" .\n', G2: b"<urn:b> <urn:p> .\n"},
                           {REG: b'<urn:c> <urn:p> "3" .\n'})
    assert store.count(G1) == 1 and not store.has_graph(G2) and not store.has_graph(REG)
    assert store.query("ASK { GRAPH <urn:g:one> { <urn:old> ?p ?o } }").boolean
