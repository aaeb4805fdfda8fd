"""The SPARQL 1.1 Protocol on /sparql, over real HTTP against a live server."""

from __future__ import annotations

import csv
import io
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from conftest import BASE, GRAPH, rdf_document_graph
from rdflib import Graph, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.query import Result

from coopgraph.formats import RDF_TYPES

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SELECT_TERRITORIES = (
    f"SELECT ?t ?label WHERE {{ ?t a <{BASE}ontology#Territory> ; "
    "<http://www.w3.org/2004/02/skos/core#prefLabel> ?label } ORDER BY ?t"
)
CONSTRUCT = (
    f"CONSTRUCT {{ ?t a <{BASE}ontology#Territory> }} "
    f"WHERE {{ ?t a <{BASE}ontology#Territory> }}"
)
TERRITORIES = [f"{BASE}id/territory/matola", f"{BASE}id/territory/seine-saint-denis"]


def _json_rows(response: requests.Response) -> list[dict]:
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/sparql-results+json")
    return response.json()["results"]["bindings"]


def test_get_select(live_server):
    r = requests.get(live_server.endpoint(), params={"query": SELECT_TERRITORIES}, timeout=10)
    rows = _json_rows(r)
    assert [row["t"]["value"] for row in rows] == TERRITORIES
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_post_form_and_direct_post(live_server):
    form = requests.post(live_server.endpoint(), data={"query": SELECT_TERRITORIES}, timeout=10)
    direct = requests.post(
        live_server.endpoint(),
        data=SELECT_TERRITORIES.encode(),
        headers={"Content-Type": "application/sparql-query"},
        timeout=10,
    )
    assert _json_rows(form) == _json_rows(direct)
    assert len(_json_rows(form)) == 2


def test_union_default_graph_and_dataset_parameters(live_server):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    union = _json_rows(requests.get(live_server.endpoint(), params={"query": count}, timeout=10))
    assert int(union[0]["n"]["value"]) == live_server.store.count()
    only_links = _json_rows(requests.get(
        live_server.endpoint(),
        params={"query": count, "default-graph-uri": GRAPH["links"]}, timeout=10))
    assert int(only_links[0]["n"]["value"]) == live_server.store.count(GRAPH["links"])
    # repeated default-graph-uri: the default graph is the merge of both
    both = _json_rows(requests.post(
        live_server.endpoint(),
        data=[("query", count), ("default-graph-uri", GRAPH["links"]),
              ("default-graph-uri", GRAPH["ontology"])], timeout=10))
    expected = live_server.store.count(GRAPH["links"]) + live_server.store.count(
        GRAPH["ontology"])
    assert int(both[0]["n"]["value"]) == expected
    named = _json_rows(requests.get(
        live_server.endpoint(),
        params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                "named-graph-uri": GRAPH["ontology"]}, timeout=10))
    assert [row["g"]["value"] for row in named] == [GRAPH["ontology"]]


def test_bad_dataset_iri_is_400(live_server):
    r = requests.get(live_server.endpoint(), params={
        "query": "ASK {}", "default-graph-uri": "not an iri"}, timeout=10)
    assert r.status_code == 400
    assert "default-graph-uri" in r.text


@pytest.mark.parametrize(
    ("fmt", "media_type", "rdflib_format"),
    [
        ("json", "application/sparql-results+json", "json"),
        ("xml", "application/sparql-results+xml", "xml"),
        ("csv", "text/csv", "csv"),
        ("tsv", "text/tab-separated-values", "tsv"),
    ],
)
def test_select_result_formats(live_server, fmt, media_type, rdflib_format):
    by_accept = requests.get(live_server.endpoint(), params={"query": SELECT_TERRITORIES},
                             headers={"Accept": media_type}, timeout=10)
    by_param = requests.get(live_server.endpoint(),
                            params={"query": SELECT_TERRITORIES, "format": fmt}, timeout=10)
    for r in (by_accept, by_param):
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"].split(";")[0] == media_type
        result = Result.parse(io.BytesIO(r.content), format=rdflib_format)
        values = sorted(str(row[0]) for row in result)
        assert values == TERRITORIES


@pytest.mark.parametrize("media_type", ["application/sparql-results+json",
                                        "application/sparql-results+xml"])
def test_ask(live_server, media_type):
    for query, expected in (("ASK { ?s ?p ?o }", True), ("ASK { <urn:x> <urn:y> ?o }", False)):
        r = requests.get(live_server.endpoint(), params={"query": query},
                         headers={"Accept": media_type}, timeout=10)
        assert r.status_code == 200
        result = Result.parse(io.BytesIO(r.content), format=media_type.rsplit("+", 1)[1])
        assert result.askAnswer is expected


def test_ask_csv(live_server):
    r = requests.get(live_server.endpoint(), params={"query": "ASK { ?s ?p ?o }"},
                     headers={"Accept": "text/csv"}, timeout=10)
    assert r.status_code == 200
    assert r.text.strip() == "true"


@pytest.mark.parametrize(
    ("fmt", "media_type", "rdflib_format"),
    [
        ("turtle", "text/turtle", "turtle"),
        ("ntriples", "application/n-triples", "nt"),
        ("jsonld", "application/ld+json", "json-ld"),
        ("rdfxml", "application/rdf+xml", "xml"),
        ("trig", "application/trig", "trig"),
        ("nquads", "application/n-quads", "nquads"),
    ],
)
def test_construct_formats(live_server, fmt, media_type, rdflib_format):
    by_accept = requests.get(live_server.endpoint(), params={"query": CONSTRUCT},
                             headers={"Accept": media_type}, timeout=10)
    by_param = requests.get(live_server.endpoint(), params={"query": CONSTRUCT, "format": fmt},
                            timeout=10)
    for r in (by_accept, by_param):
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"].split(";")[0] == media_type
        graph = Graph()
        graph.parse(data=r.content, format=rdflib_format)
        assert sorted(str(s) for s in graph.subjects()) == TERRITORIES


def test_describe(live_server):
    r = requests.get(live_server.endpoint(),
                     params={"query": f"DESCRIBE <{TERRITORIES[0]}>"}, timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=r.text, format="turtle")
    assert (URIRef(TERRITORIES[0]), None, None) in graph
    assert len(graph) >= 2


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("*/*", "application/sparql-results+json"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
         "application/sparql-results+json"),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
        ("application/json", "application/sparql-results+json"),
        ("text/*", "text/csv"),
    ],
)
def test_accept_q_values(live_server, accept, expected):
    r = requests.get(live_server.endpoint(), params={"query": "SELECT * { ?s ?p ?o } LIMIT 1"},
                     headers={"Accept": accept}, timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] == expected


def test_construct_for_a_browser_is_turtle(live_server):
    r = requests.get(live_server.endpoint(), params={"query": CONSTRUCT},
                     headers={"Accept": "text/html,application/xml;q=0.9,*/*;q=0.8"}, timeout=10)
    assert r.headers["Content-Type"].startswith("text/turtle")


def _assert_clean(r: requests.Response) -> None:
    """An error body: a message, and nothing that looks like a traceback."""
    assert r.text.strip()
    assert "Traceback" not in r.text
    assert 'File "' not in r.text


def test_syntax_error_is_400_with_position(live_server):
    bad = "SELECT * WHERE {\n  ?s ?p \n}"
    text = requests.get(live_server.endpoint(), params={"query": bad}, timeout=10)
    assert text.status_code == 400
    assert text.headers["Content-Type"].startswith("text/plain")
    assert "syntax error" in text.text
    _assert_clean(text)
    as_json = requests.get(live_server.endpoint(), params={"query": bad},
                           headers={"Accept": "application/json"}, timeout=10)
    assert as_json.status_code == 400
    body = as_json.json()
    assert body["status"] == 400
    assert body["line"] == 3 and isinstance(body["column"], int)
    assert "syntax error" in body["message"]


def test_syntax_error_wins_over_406_and_an_unknown_dataset(live_server):
    """The engine's parse check no longer runs before every query (run_query reports syntax
    errors itself), but a syntax error still wins over the other client errors, as before."""
    bad = "SELECT * WHERE {\n  ?s ?p \n}"
    r = requests.get(live_server.endpoint(), params={"query": bad},
                     headers={"Accept": "image/png"}, timeout=10)
    assert r.status_code == 400 and "syntax error" in r.text
    r = requests.get(live_server.endpoint(), params={"query": bad, "format": "turtle"},
                     timeout=10)
    assert r.status_code == 400 and "syntax error" in r.text
    r = requests.get(live_server.endpoint(),
                     params={"query": bad, "default-graph-uri": "http://example.org/none"},
                     timeout=10)
    assert r.status_code == 400 and "syntax error" in r.text
    # A graph the store does not hold is an empty graph (nothing is fetched): no rows.
    r = requests.get(live_server.endpoint(),
                     params={"query": SELECT_TERRITORIES,
                             "default-graph-uri": "http://example.org/none"}, timeout=10)
    assert r.status_code == 200 and r.json()["results"]["bindings"] == []
    # A text whose form the analysis cannot read gets the engine's message.
    r = requests.get(live_server.endpoint(), params={"query": "SELEKT * { ?s ?p ?o }"},
                     timeout=10)
    assert r.status_code == 400 and "syntax error" in r.text


def test_unsupported_accept_is_406(live_server):
    r = requests.get(live_server.endpoint(), params={"query": SELECT_TERRITORIES},
                     headers={"Accept": "image/png"}, timeout=10)
    assert r.status_code == 406
    assert "application/sparql-results+json" in r.text
    _assert_clean(r)
    # a graph format asked for a SELECT
    r = requests.get(live_server.endpoint(),
                     params={"query": SELECT_TERRITORIES, "format": "turtle"}, timeout=10)
    assert r.status_code == 406
    r = requests.get(live_server.endpoint(),
                     params={"query": SELECT_TERRITORIES, "format": "nonsense"}, timeout=10)
    assert r.status_code == 400


def test_wrong_content_type_is_415(live_server):
    r = requests.post(live_server.endpoint(), data="ASK {}",
                      headers={"Content-Type": "text/plain"}, timeout=10)
    assert r.status_code == 415
    assert "application/sparql-query" in r.text
    _assert_clean(r)


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_wrong_method_is_405(live_server, method):
    r = requests.request(method, live_server.endpoint(), params={"query": "ASK {}"}, timeout=10)
    assert r.status_code == 405
    assert "GET" in r.headers["Allow"] and "POST" in r.headers["Allow"]
    _assert_clean(r)


def test_missing_query_and_both_query_and_update_are_400(live_server):
    missing = requests.post(live_server.endpoint(), data={"default-graph-uri": GRAPH["data"]},
                            timeout=10)
    assert missing.status_code == 400 and "query" in missing.text
    both = requests.post(live_server.endpoint(),
                         data={"query": "ASK {}", "update": "CLEAR ALL"}, timeout=10)
    assert both.status_code == 400 and "not both" in both.text
    empty = requests.get(live_server.endpoint(), params={"query": "  "}, timeout=10)
    assert empty.status_code == 400
    twice = requests.get(live_server.endpoint(), params=[("query", "ASK {}"),
                                                         ("query", "ASK {}")], timeout=10)
    assert twice.status_code == 400
    update_by_get = requests.get(live_server.endpoint(), params={"update": "CLEAR ALL"},
                                 timeout=10)
    assert update_by_get.status_code == 400
    for r in (missing, both, empty, twice, update_by_get):
        _assert_clean(r)


def test_unknown_path_is_404_without_traceback(live_server):
    r = requests.get(live_server.endpoint("/nothing-here"), timeout=10)
    assert r.status_code == 404
    _assert_clean(r)


def test_service_description(live_server):
    r = requests.get(live_server.endpoint(), timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=r.text, format="turtle")
    service = graph.value(predicate=SD.endpoint, object=URIRef(live_server.endpoint()))
    assert service is not None
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Update) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    formats = set(graph.objects(service, SD.resultFormat))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    dataset = graph.value(service, SD.defaultDataset)
    names = {str(graph.value(ng, SD.name)) for ng in graph.objects(dataset, SD.namedGraph)}
    assert names == set(live_server.store.named_graphs())
    # other syntaxes, by Accept
    r = requests.get(live_server.endpoint(), headers={"Accept": "application/rdf+xml"},
                     timeout=10)
    assert len(Graph().parse(data=r.content, format="xml")) == len(graph)


def test_service_description_in_every_syntax_is_the_same_graph(live_server):
    turtle = requests.get(live_server.endpoint(), timeout=10)
    graph = Graph().parse(data=turtle.text, format="turtle")
    for media_type in RDF_TYPES:
        r = requests.get(live_server.endpoint(), headers={"Accept": media_type}, timeout=10)
        assert r.status_code == 200 and r.headers["Vary"] == "Accept"
        assert isomorphic(rdf_document_graph(r), graph), media_type
    # blank nodes are labelled in order: the document is written the same each time
    assert requests.get(live_server.endpoint(), timeout=10).content == turtle.content


def test_service_description_without_union(make_server, tiny_store):
    server = make_server({"STORE": tiny_store, "UNION_DEFAULT_GRAPH": False})
    graph = Graph().parse(data=requests.get(server.endpoint(), timeout=10).text,
                          format="turtle")
    assert (None, SD.feature, SD.UnionDefaultGraph) not in graph
    r = requests.get(server.endpoint(), params={"query": "ASK { ?s ?p ?o }"}, timeout=10)
    assert r.json()["boolean"] is False  # the store's own default graph is empty


def test_cors_preflight(live_server):
    r = requests.options(live_server.endpoint(), headers={
        "Origin": "https://example.org",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }, timeout=10)
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    assert "content-type" in r.headers["Access-Control-Allow-Headers"].lower()
    void = requests.options(live_server.endpoint("/.well-known/void"), timeout=10)
    assert void.status_code == 204 and void.headers["Access-Control-Allow-Origin"] == "*"


def test_healthz(live_server):
    r = requests.get(live_server.endpoint("/healthz"), timeout=10)
    assert r.status_code == 200
    body = r.json()
    assert {k: body[k] for k in ("status", "graphs", "triples")} == {
        "status": "ok", "graphs": 3, "triples": live_server.store.count()}
    assert set(body["evaluation"]) == {  # tests/test_web_health.py
        "in_memory", "on_disk", "copying", "busy", "starting", "pool_size", "quads"}


def test_healthz_unreadable_store_is_503(make_server, tiny_store):
    server = make_server({"STORE": tiny_store})

    def broken(*args, **kwargs):
        raise OSError("disk gone")

    server.store.named_graphs = broken  # the store stops being readable
    r = requests.get(server.endpoint("/healthz"), timeout=10)
    assert r.status_code == 503
    assert r.json()["status"] == "unavailable"


def test_csv_is_parseable_with_header(live_server):
    r = requests.get(live_server.endpoint(), params={"query": SELECT_TERRITORIES,
                                                     "format": "csv"}, timeout=10)
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["t", "label"]
    assert len(rows) == 3


def test_large_result_streams(live_server):
    query = ("SELECT ?i WHERE { VALUES ?a { 0 1 2 3 4 5 6 7 8 9 } VALUES ?b { 0 1 2 3 4 5 6 7 8 9 }"
             " VALUES ?c { 0 1 2 3 4 5 6 7 8 9 } VALUES ?d { 0 1 2 3 4 5 6 7 8 9 }"
             " BIND(?a*1000+?b*100+?c*10+?d AS ?i) }")
    with requests.get(live_server.endpoint(), params={"query": query}, stream=True,
                      timeout=30) as r:
        assert r.status_code == 200
        assert "Content-Length" not in r.headers  # streamed, not built then sent
        body = b"".join(r.iter_content(65536))
    assert len(json.loads(body)["results"]["bindings"]) == 10_000


BIG_QUERY = ("SELECT ?i WHERE { VALUES ?a { 0 1 2 3 4 5 6 7 8 9 } VALUES ?b { 0 1 2 3 4 5 6 7 8 9 }"
             " VALUES ?c { 0 1 2 3 4 5 6 7 8 9 } VALUES ?d { 0 1 2 3 4 5 6 7 8 9 }"
             " VALUES ?e { 0 1 2 3 4 5 6 7 8 9 } BIND(?a+?b+?c+?d+?e AS ?i) }")


def test_head_and_abandoned_streams_release_the_query_slot(make_server, tiny_store):
    server = make_server({"STORE": tiny_store, "MAX_CONCURRENT_QUERIES": 1})
    head = requests.head(server.endpoint(), params={"query": SELECT_TERRITORIES}, timeout=10)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Type"].startswith("application/sparql-results+json")
    for _ in range(3):  # start a large result, read a little, hang up
        with requests.get(server.endpoint(), params={"query": BIG_QUERY}, stream=True,
                          timeout=10) as r:
            assert r.status_code == 200
            next(r.iter_content(1024))
    deadline = time.monotonic() + 10
    while True:  # the slot comes back once the server notices the hang-up
        r = requests.get(server.endpoint(), params={"query": "ASK {}"}, timeout=10)
        if r.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert r.status_code == 200, r.text


def test_parallel_queries(live_server):
    def one(i: int) -> int:
        r = requests.get(live_server.endpoint(),
                         params={"query": f"SELECT ({i} AS ?i) WHERE {{}}"}, timeout=10)
        return int(r.json()["results"]["bindings"][0]["i"]["value"])

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert sorted(pool.map(one, range(24))) == list(range(24))


def test_unexpected_error_is_500_without_traceback(make_server, tiny_store, caplog):
    server = make_server({"STORE": tiny_store})

    def broken() -> list[str]:
        raise ZeroDivisionError("secret internal detail")

    server.store.named_graphs = broken
    for accept in ("text/plain", "application/json"):
        r = requests.get(server.endpoint(), headers={"Accept": accept}, timeout=10)
        assert r.status_code == 500
        assert "secret internal detail" not in r.text
        assert "ZeroDivisionError" not in r.text
        _assert_clean(r)
    assert r.json()["message"].startswith("internal server error")
    # the traceback is in the server log
    assert any(record.exc_info for record in caplog.records if record.name == "coopgraph.web")


def test_browser_gets_a_query_page_programs_get_turtle(live_server):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    page = requests.get(live_server.endpoint(), headers={"Accept": browser}, timeout=10,
                        allow_redirects=False)
    assert page.status_code == 303 and page.headers["Location"].endswith("/query")
    workbench = requests.get(live_server.endpoint(), headers={"Accept": browser}, timeout=10)
    assert workbench.url.endswith("/query") and workbench.status_code == 200
    assert workbench.headers["Content-Type"].startswith("text/html")
    for accept in ("*/*", "text/turtle, text/html;q=0.5"):
        r = requests.get(live_server.endpoint(), headers={"Accept": accept}, timeout=10)
        assert r.headers["Content-Type"].startswith("text/turtle"), accept
    forced = requests.get(live_server.endpoint(), params={"format": "turtle"},
                          headers={"Accept": browser}, timeout=10)
    assert forced.headers["Content-Type"].startswith("text/turtle")


def _same_answer_cases() -> list[tuple[str, dict, dict]]:
    """(method, request kwargs, headers): every request shape of the query operation,
    successes, errors, refusals and odd headers (the one core answers them all)."""
    cheap = f"SELECT ?p ?o WHERE {{ <{TERRITORIES[0]}> ?p ?o }}"
    describe = f"DESCRIBE <{TERRITORIES[0]}>"
    json_accept = {"Accept": "application/sparql-results+json"}
    cases: list[tuple[str, dict, dict]] = []
    for query in (cheap, SELECT_TERRITORIES, CONSTRUCT, describe, "ASK {}", BIG_QUERY):
        cases += [
            ("GET", {"params": {"query": query}}, {}),
            ("POST", {"data": {"query": query}}, {}),
            ("POST", {"data": {"query": query}}, json_accept),
            ("POST", {"data": {"query": query}}, {"Accept": "text/turtle"}),
            ("GET", {"params": {"query": query}}, {"Accept": "text/csv"}),
        ]
    bad = "SELECT * WHERE {\n  ?s ?p \n}"
    cases += [
        ("GET", {"params": {"query": bad}}, json_accept),
        ("POST", {"data": {"query": bad}}, {}),
        ("POST", {"data": {"query": "  "}}, {}),
        ("POST", {"data": {"query": "x" * 100_001}}, {}),
        ("POST", {"data": {"query": cheap, "format": "csv"}}, {}),
        ("POST", {"data": {"query": cheap}}, {"Accept": "text/html"}),
        ("POST", {"data": {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> {} }"}}, {}),
        ("POST", {"data": {"query": "SELECT * FROM <http://example.org/none> { ?s ?p ?o }"}},
         json_accept),
        ("POST", {"data": {"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}}, {}),
        ("POST", {"data": {"query": cheap, "update": "x"}}, {}),
        ("GET", {"params": {"query": "SELECT (éé AS ?x) {}"}}, {}),
        ("POST", {"data": {"query": "SELECT ?x { BIND('é' AS ?x) }"}}, {}),
        ("HEAD", {"params": {"query": cheap}}, {}),
        ("POST", {"data": cheap.encode()}, {"Content-Type": "application/sparql-query"}),
        ("POST", {"data": cheap.encode(), "params": {"query": cheap}},
         {"Content-Type": "application/sparql-query"}),
        ("POST", {"data": "é".encode("latin-1")},
         {"Content-Type": "application/sparql-query"}),
        ("POST", {"data": cheap.encode()},
         {"Content-Type": "application/sparql-query; charset=utf-16"}),
        ("POST", {"data": cheap.encode()}, {"Content-Type": "application/sparql-update"}),
        ("POST", {"data": {"query": cheap}},
         {"Content-Type": "application/x-www-form-urlencoded; charset=latin-1"}),
        ("POST", {"data": iter([b"query=", cheap.encode()])}, {}),  # chunked
        ("GET", {"params": {"query": cheap, "default-graph-uri": "not an iri"}}, {}),
        ("GET", {"params": {"query": cheap, "named-graph-uri": TERRITORIES[0]}}, json_accept),
        ("GET", {"params": {"query": [cheap, cheap]}}, {}),
        ("GET", {"params": {"update": "x"}}, {}),
        ("GET", {"params": {"query": cheap, "format": "nonsense"}}, {}),
        ("GET", {"params": {"query": CONSTRUCT}}, {"Accept": "image/png"}),
        ("GET", {"params": {"query": cheap}}, {"Accept": "text/turtle;q=0.5, */*;q=0.1"}),
        ("OPTIONS", {}, {"Origin": "http://example.org"}),
    ]
    return cases


def test_both_entries_give_the_core_s_answer(make_server, tiny_store):
    """The one core (web/sparql_core.py) answers through the fast WSGI entry
    (web/fastpath.py) and through the Flask route alike: status, headers in order, body."""
    # Both evaluate from the snapshot on disk: a query without ORDER BY may list its rows in
    # another order from a worker's in-memory copy, which one server may have and not the other.
    fast = make_server({"STORE": tiny_store, "MEMORY_EVALUATION_QUADS": 0})
    slow = make_server({"STORE": tiny_store, "FAST_PATH": False, "MEMORY_EVALUATION_QUADS": 0})
    # An ETag's value names the server's store version (a random epoch per executor, see
    # web/result_cache.py): compared by presence only.
    ignored = {"Date", "Server", "ETag"}
    for method, kwargs, headers in _same_answer_cases():
        answers = []
        for server in (fast, slow):
            r = requests.request(method, server.endpoint(), headers=headers, timeout=30,
                                 **kwargs)
            answers.append((r.status_code,
                            [(k, v) for k, v in r.headers.items() if k not in ignored],
                            r.content, "ETag" in r.headers))
        assert answers[0] == answers[1], (method, kwargs, headers)
    assert fast.app.wsgi_app.app.served >= 50  # all but bare GETs and OPTIONS: fast entry
    assert not hasattr(slow.app.wsgi_app.app, "served")


def test_fast_path_access_log_line(make_server, tiny_store, access_log):
    fast = make_server({"STORE": tiny_store})
    query = f"SELECT ?p ?o WHERE {{ <{TERRITORIES[0]}> ?p ?o }}"
    r = requests.post(fast.endpoint(), data={"query": query}, timeout=30)
    access_log.wait()
    assert r.status_code == 200
    assert fast.app.wsgi_app.app.served == 1
    line = json.loads(access_log[-1])
    assert list(line) == ["time", "method", "path", "status", "query_hash", "client",
                          "duration_ms", "bytes"]
    assert line["method"] == "POST" and line["status"] == 200
    assert line["bytes"] == len(r.content) and line["client"] == "127.0.0.1"
