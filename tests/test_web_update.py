"""Writes: SPARQL Update on /update and the Graph Store Protocol on /store."""

from __future__ import annotations

import time

import pytest
import requests
from conftest import ADMIN_TOKEN, BASE, GRAPH
from rdflib import Graph, URIRef

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
CONTRIB = f"{BASE}graph/upload/test-1"
TURTLE = b"<https://example.org/a> <https://example.org/p> <https://example.org/b> .\n"
MORE = b'<https://example.org/a> <https://example.org/q> "x"@fr .\n'


def _ask(server, query: str) -> bool:
    r = requests.get(server.endpoint(), params={"query": query}, timeout=10)
    assert r.status_code == 200, r.text
    return bool(r.json()["boolean"])


def _update(server, text: str, headers: dict | None = None, form: bool = False):
    if form:
        return requests.post(server.endpoint("/update"), data={"update": text},
                             headers=headers or {}, timeout=60)
    return requests.post(server.endpoint("/update"), data=text.encode(),
                         headers={"Content-Type": "application/sparql-update", **(headers or {})},
                         timeout=60)


def test_update_with_token(writable_server):
    text = f"INSERT DATA {{ GRAPH <{CONTRIB}> {{ <urn:a> <urn:p> <urn:b> }} }}"
    r = _update(writable_server, text, AUTH)
    assert r.status_code == 204, r.text
    assert _ask(writable_server, "ASK { <urn:a> <urn:p> <urn:b> }")
    text = f"DELETE DATA {{ GRAPH <{CONTRIB}> {{ <urn:a> <urn:p> <urn:b> }} }}"
    r = _update(writable_server, text, AUTH, form=True)
    assert r.status_code == 204
    assert not _ask(writable_server, "ASK { <urn:a> <urn:p> <urn:b> }")


def test_update_auth_statuses(writable_server, make_server, tiny_store):
    text = "INSERT DATA { <urn:a> <urn:p> <urn:b> }"
    missing = _update(writable_server, text)
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = _update(writable_server, text, {"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    basic = _update(writable_server, text, {"Authorization": "Basic YTpi"})
    assert basic.status_code == 403
    assert not _ask(writable_server, "ASK { <urn:a> <urn:p> <urn:b> }")
    # a server without a token refuses every write, even with a header
    closed = make_server({"STORE": tiny_store, "ADMIN_TOKEN": None})
    r = _update(closed, text, AUTH)
    assert r.status_code == 403 and "disabled" in r.text


def test_update_statuses(writable_server):
    assert _update(writable_server, "INSERT DATA { <a> <b> ", AUTH).status_code == 400
    r = requests.post(writable_server.endpoint("/update"), data=b"CLEAR DEFAULT",
                      headers={"Content-Type": "text/plain", **AUTH}, timeout=10)
    assert r.status_code == 415
    r = requests.get(writable_server.endpoint("/update"), timeout=10)
    assert r.status_code == 405
    r = requests.post(writable_server.endpoint("/update"), data={"query": "ASK {}",
                                                                "update": "CLEAR DEFAULT"},
                      headers=AUTH, timeout=10)
    assert r.status_code == 400
    assert "Traceback" not in r.text


@pytest.mark.parametrize("text", [
    f"INSERT DATA {{ GRAPH <{GRAPH['data']}> {{ <urn:a> <urn:p> <urn:b> }} }}",
    f"DROP GRAPH <{GRAPH['ontology']}>",
    "DROP ALL",
    "DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } }",
    f"WITH <{GRAPH['links']}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
    f"PREFIX g: <{BASE}graph/> CLEAR GRAPH g:data",
    f"MOVE <{GRAPH['data']}> TO <{CONTRIB}>",
])
def test_curated_graphs_are_protected(writable_server, text):
    before = writable_server.store.count()
    r = _update(writable_server, text, AUTH)
    assert r.status_code == 403, r.text
    assert writable_server.store.count() == before


def test_curated_writes_allowed_with_the_flag(make_server, tiny_store):
    server = make_server({"STORE": tiny_store, "ALLOW_CURATED_WRITES": True})
    r = _update(server, f"DROP GRAPH <{GRAPH['ontology']}>", AUTH)
    assert r.status_code == 204
    assert GRAPH["ontology"] not in server.store.named_graphs()


def test_gsp_round_trip(writable_server):
    url = writable_server.endpoint("/store")
    params = {"graph": CONTRIB}
    assert requests.get(url, params=params, timeout=10).status_code == 404
    put = requests.put(url, params=params, data=TURTLE,
                       headers={"Content-Type": "text/turtle", **AUTH}, timeout=10)
    assert put.status_code == 201
    got = requests.get(url, params=params, timeout=10)
    assert got.status_code == 200 and got.headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=got.text, format="turtle")
    assert len(graph) == 1
    head = requests.head(url, params=params, timeout=10)
    assert head.status_code == 200 and head.content == b""
    post = requests.post(url, params=params, data=MORE,
                         headers={"Content-Type": "application/n-triples", **AUTH}, timeout=10)
    assert post.status_code == 204
    nt = requests.get(url, params=params, headers={"Accept": "application/n-triples"},
                      timeout=10)
    assert len(Graph().parse(data=nt.text, format="nt")) == 2
    replace = requests.put(url, params=params, data=MORE,
                           headers={"Content-Type": "text/turtle", **AUTH}, timeout=10)
    assert replace.status_code == 204
    assert writable_server.store.count(CONTRIB) == 1
    delete = requests.delete(url, params=params, headers=AUTH, timeout=10)
    assert delete.status_code == 204
    assert requests.get(url, params=params, timeout=10).status_code == 404
    assert requests.delete(url, params=params, headers=AUTH, timeout=10).status_code == 404


def test_gsp_reads_are_public_and_writes_need_the_token(writable_server):
    url = writable_server.endpoint("/store")
    r = requests.get(url, params={"graph": GRAPH["data"]},
                     headers={"Accept": "application/ld+json"}, timeout=10)
    assert r.status_code == 200
    graph = Graph().parse(data=r.text, format="json-ld")
    assert len(graph) == writable_server.store.count(GRAPH["data"])
    put = requests.put(url, params={"graph": CONTRIB}, data=TURTLE,
                       headers={"Content-Type": "text/turtle"}, timeout=10)
    assert put.status_code == 401
    delete = requests.delete(url, params={"graph": GRAPH["data"]},
                             headers={"Authorization": "Bearer wrong"}, timeout=10)
    assert delete.status_code == 403
    curated = requests.put(url, params={"graph": GRAPH["data"]}, data=TURTLE,
                           headers={"Content-Type": "text/turtle", **AUTH}, timeout=10)
    assert curated.status_code == 403
    assert CONTRIB not in writable_server.store.named_graphs()
    assert writable_server.store.count(GRAPH["data"]) == len(graph)


def test_gsp_bad_upload_changes_nothing(writable_server):
    url = writable_server.endpoint("/store")
    params = {"graph": CONTRIB}
    assert requests.put(url, params=params, data=TURTLE,
                        headers={"Content-Type": "text/turtle", **AUTH},
                        timeout=10).status_code == 201
    before = writable_server.store.count()
    bad = MORE + b"<https://example.org/a> <https://example.org/p> .\n"
    for method in ("PUT", "POST"):
        r = requests.request(method, url, params=params, data=bad,
                             headers={"Content-Type": "text/turtle", **AUTH}, timeout=10)
        assert r.status_code == 400
        assert "nothing was changed" in r.text and "Traceback" not in r.text
    assert writable_server.store.count() == before
    assert writable_server.store.count(CONTRIB) == 1


def test_gsp_statuses(make_server, tiny_store):
    server = make_server({"STORE": tiny_store, "MAX_CONTENT_LENGTH": 1000})
    url = server.endpoint("/store")
    assert requests.get(url, timeout=10).status_code == 400
    assert requests.get(url, params={"graph": "not an iri"}, timeout=10).status_code == 400
    both = requests.get(url, params={"graph": CONTRIB, "default": ""}, timeout=10)
    assert both.status_code == 400
    wrong_type = requests.put(url, params={"graph": CONTRIB}, data=b"hello",
                              headers={"Content-Type": "image/png", **AUTH}, timeout=10)
    assert wrong_type.status_code == 415 and "text/turtle" in wrong_type.text
    too_big = requests.put(url, params={"graph": CONTRIB}, data=TURTLE * 100,
                           headers={"Content-Type": "text/turtle", **AUTH}, timeout=10)
    assert too_big.status_code == 413
    assert CONTRIB not in server.store.named_graphs()
    not_acceptable = requests.get(url, params={"graph": GRAPH["data"]},
                                  headers={"Accept": "image/png"}, timeout=10)
    assert not_acceptable.status_code == 406


def test_gsp_default_graph(writable_server):
    url = writable_server.endpoint("/store")
    r = requests.post(url, params={"default": ""}, data=TURTLE,
                      headers={"Content-Type": "text/turtle", **AUTH}, timeout=10)
    assert r.status_code == 204
    assert writable_server.store.count("") == 1
    got = requests.get(url, params={"default": ""}, headers={"Accept": "application/n-triples"},
                       timeout=10)
    assert (URIRef("https://example.org/a"), None, None) in Graph().parse(data=got.text,
                                                                        format="nt")
    assert requests.delete(url, params={"default": ""}, headers=AUTH,
                           timeout=10).status_code == 204
    assert writable_server.store.count("") == 0


def test_update_with_using_graph_uri(writable_server):
    target = f"{BASE}graph/upload/using"
    text = (f"INSERT {{ GRAPH <{target}> {{ ?t <urn:seen> true }} }} "
            f"WHERE {{ ?t <http://www.w3.org/2004/02/skos/core#exactMatch> ?w }}")
    r = requests.post(writable_server.endpoint("/update"),
                      params={"using-graph-uri": GRAPH["data"]}, data=text.encode(),
                      headers={"Content-Type": "application/sparql-update", **AUTH}, timeout=10)
    assert r.status_code == 204, r.text
    assert writable_server.store.count(target) == 0  # the links are not in the data graph
    r = requests.post(writable_server.endpoint("/update"),
                      data={"update": text, "using-graph-uri": GRAPH["links"]},
                      headers=AUTH, timeout=10)
    assert r.status_code == 204, r.text
    assert writable_server.store.count(target) == 2
    conflict = requests.post(writable_server.endpoint("/update"),
                             data={"update": f"WITH <{target}> DELETE {{ ?s ?p ?o }} "
                                             "WHERE { ?s ?p ?o }",
                                   "using-graph-uri": GRAPH["links"]},
                             headers=AUTH, timeout=10)
    assert conflict.status_code == 400


def test_non_utf8_bodies_are_refused(writable_server):
    query = "ASK { ?s ?p ?o }".encode("utf-16")
    r = requests.post(writable_server.endpoint(), data=query,
                      headers={"Content-Type": "application/sparql-query; charset=UTF-16"},
                      timeout=10)
    assert r.status_code == 415 and "UTF-8" in r.text
    r = requests.post(writable_server.endpoint("/update"), data=b"CLEAR DEFAULT \xff",
                      headers={"Content-Type": "application/sparql-update", **AUTH}, timeout=10)
    assert r.status_code == 400 and "UTF-8" in r.text


def test_update_that_cannot_be_applied(writable_server):
    r = _update(writable_server, f"DROP GRAPH <{BASE}graph/upload/missing>", AUTH)
    assert r.status_code == 500
    assert "could not be applied" in r.text and "Traceback" not in r.text
    assert _update(writable_server, f"DROP SILENT GRAPH <{BASE}graph/upload/missing>",
                   AUTH).status_code == 204


def test_gsp_post_creates_a_new_graph(writable_server):
    url = writable_server.endpoint("/store")
    r = requests.post(url, data=TURTLE, headers={"Content-Type": "text/turtle", **AUTH},
                      timeout=10)
    assert r.status_code == 201
    location = r.headers["Location"]
    assert location.startswith(f"{BASE}graph/upload/")
    assert writable_server.store.count(location) == 1
    got = requests.get(url, params={"graph": location},
                       headers={"Accept": "text/turtle; charset=utf-8"}, timeout=10)
    assert got.status_code == 200 and len(Graph().parse(data=got.text, format="turtle")) == 1


def test_gsp_multipart_upload(writable_server):
    url = writable_server.endpoint("/store")
    files = {
        "first.ttl": ("first.ttl", TURTLE, "text/turtle; charset=utf-8"),
        "second.nt": ("second.nt", MORE, ""),  # type from the file name
    }
    r = requests.post(url, params={"graph": CONTRIB}, files=files, headers=AUTH, timeout=10)
    assert r.status_code == 201, r.text
    assert writable_server.store.count(CONTRIB) == 2
    bad = {"ok.ttl": ("ok.ttl", MORE.replace(b'"x"', b'"y"'), "text/turtle"),
           "bad.ttl": ("bad.ttl", b"<urn:a> <urn:b> .", "text/turtle")}
    r = requests.post(url, params={"graph": CONTRIB}, files=bad, headers=AUTH, timeout=10)
    assert r.status_code == 400 and "nothing was changed" in r.text
    assert writable_server.store.count(CONTRIB) == 2
    head = requests.head(url, params={"graph": CONTRIB},
                         headers={"Accept": "text/turtle; charset=utf-8"}, timeout=10)
    assert head.status_code == 200
    assert head.headers["Content-Type"] == "text/turtle; charset=utf-8"


def test_read_only_store_refuses_writes(make_server, tmp_path):
    from conftest import load_tiny

    from coopgraph.store import open_store

    with open_store(tmp_path / "store") as store:
        load_tiny(store)
    server = make_server({"STORE_PATH": str(tmp_path / "store"), "STORE_READ_ONLY": True})
    assert _ask(server, "ASK { ?s ?p ?o }")
    r = _update(server, "INSERT DATA { <urn:a> <urn:p> <urn:b> }", AUTH)
    assert r.status_code == 403 and "read-only" in r.text
    r = requests.put(server.endpoint("/store"), params={"graph": CONTRIB}, data=TURTLE,
                     headers={"Content-Type": "text/turtle", **AUTH}, timeout=10)
    assert r.status_code == 403 and "read-only" in r.text


@pytest.fixture
def remote(listener):
    """Where a LOAD would go: a loopback listener that must never see a connection."""
    return listener


@pytest.mark.parametrize("curated_checks", [True, False])
def test_load_silent_and_load(make_server, tiny_store, remote, curated_checks):
    """LOAD SILENT succeeds without effect (the rest of the request runs); LOAD is a 403; a
    syntax error wins over the refusal. Nothing ever connects to the listener."""
    config = {"STORE": tiny_store}
    if not curated_checks:
        config["ALLOW_CURATED_WRITES"] = True  # the W3C configuration: no rdflib pass first
    server = make_server(config)
    before = server.store.count()
    r = _update(server, f"LOAD SILENT <{remote.url}>", AUTH)
    assert r.status_code == 204, r.text
    r = _update(server, f"LOAD SILENT <{remote.url}> INTO GRAPH <{CONTRIB}>", AUTH, form=True)
    assert r.status_code == 204, r.text
    assert server.store.count() == before
    text = (f"LOAD SILENT <{remote.url}> ;\n"
            f"INSERT DATA {{ GRAPH <{CONTRIB}> {{ <urn:a> <urn:p> <urn:silent> }} }}")
    r = _update(server, text, AUTH)
    assert r.status_code == 204, r.text
    assert _ask(server, "ASK { <urn:a> <urn:p> <urn:silent> }")
    r = _update(server, f"LOAD <{remote.url}>", AUTH)
    assert r.status_code == 403 and "Graph Store Protocol" in r.text
    r = _update(server, f"CREATE GRAPH <{CONTRIB}x>\nLOAD <{remote.url}> INTO GRAPH <{CONTRIB}x>",
                AUTH)
    assert r.status_code == 400, r.text
    assert "line: 2" in r.text
    assert CONTRIB + "x" not in server.store.named_graphs()
    time.sleep(0.2)
    assert remote.connections == 0


def test_a_large_insert_data_is_checked_off_the_web_process(writable_server):
    """Issue 12: a 4,000-triple INSERT DATA (~98,000 characters) took 75 s (rdflib parsed it
    in the web process to find the graphs it writes). It is now checked in a query worker and
    applied in well under 10 s, and a cheap query answers meanwhile."""
    lines = "\n".join(f'e:s{i} e:p "v{i}" .' for i in range(4000))
    text = f"PREFIX e: <https://ex.org/>\nINSERT DATA {{ GRAPH <{CONTRIB}> {{\n{lines}\n}} }}"
    assert 80_000 < len(text) < 100_000
    started = time.monotonic()
    r = _update(writable_server, text, AUTH)
    took = time.monotonic() - started
    assert r.status_code == 204, r.text
    assert took < 10, took
    count = requests.get(writable_server.endpoint(), params={"query": (
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{CONTRIB}> {{ ?s ?p ?o }} }}")}, timeout=10)
    assert count.json()["results"]["bindings"][0]["n"]["value"] == "4000"
    # The same text into a curated graph is refused before anything is applied.
    curated = text.replace(CONTRIB, GRAPH["data"])
    r = _update(writable_server, curated, AUTH)
    assert r.status_code == 403 and "curated" in r.text
    assert not _ask(writable_server, f'ASK {{ GRAPH <{GRAPH["data"]}> {{ ?s ?p "v3999" }} }}')


def test_update_syntax_error_is_400_with_its_position(writable_server):
    r = _update(writable_server, f"INSERT DATA {{ GRAPH <{CONTRIB}> {{ <urn:a> <urn:p> }} }}",
                {**AUTH, "Accept": "application/json"})
    assert r.status_code == 400 and "syntax error" in r.text
    assert r.json()["line"] == 1


@pytest.mark.parametrize("graph", [f"{BASE}graph/contribution/20260101T000000-abcd",
                                   f"{BASE}graph/contribution/20260101T000000-abcd/inferred",
                                   f"{BASE}graph/contributions"])
def test_contribution_graphs_are_written_only_by_contributions(writable_server, graph):
    """/update and /store refuse the contribution graphs and the registry (403, pointing to
    /contributions), so a contribution, its inferences and its entry never drift apart."""
    url = writable_server.endpoint("/store")
    before = writable_server.store.count()
    writes = [
        _update(writable_server, f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:a> <urn:p> 1 }} }}",
                AUTH),
        _update(writable_server, f"DROP SILENT GRAPH <{graph}>", AUTH),
        _update(writable_server, f"WITH <{graph}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
                AUTH, form=True),
        requests.put(url, params={"graph": graph}, data=TURTLE,
                     headers={"Content-Type": "text/turtle", **AUTH}, timeout=10),
        requests.post(url, params={"graph": graph}, data=TURTLE,
                      headers={"Content-Type": "text/turtle", **AUTH}, timeout=10),
        requests.delete(url, params={"graph": graph}, headers=AUTH, timeout=10),
    ]
    for r in writes:
        assert r.status_code == 403, (r.request.method, r.text)
        assert "/contributions" in r.text
    assert writable_server.store.count() == before
    assert not writable_server.store.has_graph(graph)


def test_a_graph_under_upload_is_writable_with_the_token(writable_server):
    graph = f"{BASE}graph/upload/notes"
    r = _update(writable_server, f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:a> <urn:p> 1 }} }}",
                AUTH)
    assert r.status_code == 204, r.text
    assert writable_server.store.count(graph) == 1


def test_contribution_graphs_stay_closed_when_curated_writes_are_allowed(make_server,
                                                                         tiny_store):
    """ALLOW_CURATED_WRITES opens the curated graphs, never the contributions: /update is
    analysed all the same (issue 12: it was not, so a contribution graph could drift from its
    inferences and registry entry)."""
    contribution = f"{BASE}graph/contribution/20260101T000000-abcd"
    tiny_store.add_to_graph(contribution, TURTLE, "text/turtle")
    server = make_server({"STORE": tiny_store, "ALLOW_CURATED_WRITES": True})
    before = server.store.count()
    for text in (f"INSERT DATA {{ GRAPH <{contribution}> {{ <urn:a> <urn:p> 1 }} }}",
                 f"DROP GRAPH <{contribution}>",
                 f"PREFIX c: <{BASE}graph/contribution/> CLEAR GRAPH c:20260101T000000-abcd",
                 "DROP ALL",
                 "DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } }"):
        r = _update(server, text, {**AUTH, "Accept": "application/json"})
        assert r.status_code == 403, (text, r.text)
        assert "/contributions" in r.json()["message"]
    assert server.store.count() == before
    # the curated graphs are open to it, as the flag says
    r = _update(server, f"DROP GRAPH <{GRAPH['links']}>", AUTH)
    assert r.status_code == 204, r.text


def test_every_graph_is_open_to_curated_writes_without_contributions(make_server, tiny_store):
    """The W3C configuration (curated writes allowed, no contribution): DROP ALL works."""
    server = make_server({"STORE": tiny_store, "ALLOW_CURATED_WRITES": True})
    r = _update(server, "DROP ALL", AUTH)
    assert r.status_code == 204, r.text
    assert server.store.count() == 0
