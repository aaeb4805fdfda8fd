"""The /sparql result cache (web/result_cache.py) over real HTTP: hits, invalidation by every
kind of write, ETag / 304, content negotiation, the byte bound, errors never kept.

Servers are real (Flask app on a loopback port, or ``coopgraph serve`` under gunicorn for the
reload); a hit is told by the ``X-Cache`` header and by the cache's own counters.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
import requests
from conftest import ADMIN_TOKEN, BASE, GRAPH, load_tiny, start_server
from contrib_support import curated_store
from test_store_lifecycle import TOKEN, Deployment, extra_triples_seen, wait_until

from coopgraph.executor import Executor
from coopgraph.store import open_store
from coopgraph.store.remote import RemoteSettings, RemoteStore
from coopgraph.web.result_cache import CACHE_CONTROL, make_result_cache, query_key

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
JSON = {"Accept": "application/sparql-results+json"}
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
UPLOAD = f"{BASE}graph/upload/cache-test"
INSERT = f"INSERT DATA {{ GRAPH <{UPLOAD}> {{ <urn:a> <urn:b> 1 }} }}"


def get(server, query: str, headers: dict[str, str] | None = None, **params: str):
    return requests.get(server.endpoint("/sparql"), params={"query": query, **params},
                        headers=headers or JSON, timeout=60)


def count(server) -> tuple[int, str]:
    r = get(server, COUNT)
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"]), r.headers["X-Cache"]


def stats(server) -> dict[str, int]:
    return server.app.extensions["coopgraph"].results.stats()


def test_a_repeated_query_is_answered_from_the_cache(writable_server):
    first = get(writable_server, COUNT)
    second = get(writable_server, COUNT)
    assert first.status_code == second.status_code == 200
    assert first.headers["X-Cache"] == "miss" and second.headers["X-Cache"] == "hit"
    assert second.content == first.content
    assert second.headers["Content-Type"] == first.headers["Content-Type"]
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Cache-Control"] == CACHE_CONTROL
    assert second.headers["Vary"] == "Accept"
    # The same query written differently (layout, a comment) is the same entry.
    relaid = get(writable_server, " SELECT  (COUNT(*) AS ?n)\n# how many\nWHERE { ?s ?p ?o }")
    assert relaid.headers["X-Cache"] == "hit" and relaid.content == first.content
    # POST (form and direct) share it too, without HTTP validators (POST is not cacheable).
    posted = requests.post(writable_server.endpoint("/sparql"), data={"query": COUNT},
                           headers=JSON, timeout=60)
    assert posted.headers["X-Cache"] == "hit" and posted.content == first.content
    assert "ETag" not in posted.headers and posted.headers["Cache-Control"] == "no-store"
    assert stats(writable_server)["hits"] == 3


def test_sparql_update_invalidates(writable_server):
    before, _ = count(writable_server)
    assert count(writable_server) == (before, "hit")
    r = requests.post(writable_server.endpoint("/update"), data={"update": INSERT},
                      headers=AUTH, timeout=60)
    assert r.status_code == 204, r.text
    assert count(writable_server) == (before + 1, "miss")
    assert count(writable_server) == (before + 1, "hit")


def test_graph_store_writes_invalidate(writable_server):
    before, _ = count(writable_server)
    count(writable_server)
    put = requests.put(writable_server.endpoint("/store"), params={"graph": UPLOAD},
                       data=b"<urn:a> <urn:b> 1 , 2 .", headers={"Content-Type": "text/turtle",
                                                                **AUTH}, timeout=60)
    assert put.status_code == 201, put.text
    assert count(writable_server) == (before + 2, "miss")
    post = requests.post(writable_server.endpoint("/store"), params={"graph": UPLOAD},
                         data=b"<urn:a> <urn:b> 3 .",
                         headers={"Content-Type": "text/turtle", **AUTH}, timeout=60)
    assert post.status_code == 204, post.text
    assert count(writable_server) == (before + 3, "miss")
    deleted = requests.delete(writable_server.endpoint("/store"), params={"graph": UPLOAD},
                              headers=AUTH, timeout=60)
    assert deleted.status_code == 204
    assert count(writable_server) == (before, "miss")


def test_a_failed_write_still_leaves_no_stale_answer(writable_server):
    before, _ = count(writable_server)
    bad = requests.put(writable_server.endpoint("/store"), params={"graph": UPLOAD},
                       data=b"<urn:a> <urn:b> .", headers={"Content-Type": "text/turtle",
                                                          **AUTH}, timeout=60)
    assert bad.status_code == 400
    # Refused while parsing, in a query worker, before the store is touched: the version
    # stays, and the cached answer is still the store's.
    assert count(writable_server) == (before, "hit")


def test_contributions_added_and_withdrawn_invalidate():
    store = curated_store()
    server = start_server({"STORE": store})
    try:
        query = f"ASK {{ GRAPH ?g {{ <{BASE}id/actor/ville-de-montreuil> ?p ?o }} " \
                f"FILTER(STRSTARTS(STR(?g), \"{BASE}graph/contribution/\")) }}"
        assert get(server, query).json()["boolean"] is False
        assert get(server, query).headers["X-Cache"] == "hit"
        fixed = Path(__file__).parent / "fixtures" / "contrib" / "montreuil-mopti-fixed.ttl"
        added = requests.post(server.endpoint("/contributions"), data=fixed.read_bytes(),
                              params={"contributor": "Ville de Montreuil",
                                      "source": "https://example.org/rapport"},
                              headers={"Content-Type": "text/turtle", **AUTH}, timeout=300)
        assert added.status_code == 201, added.text
        after = get(server, query)
        assert after.json()["boolean"] is True and after.headers["X-Cache"] == "miss"
        assert get(server, query).headers["X-Cache"] == "hit"
        gone = requests.delete(server.endpoint(f"/contributions/{added.json()['id']}"),
                               headers=AUTH, timeout=60)
        assert gone.status_code == 204
        withdrawn = get(server, query)
        assert withdrawn.json()["boolean"] is False and withdrawn.headers["X-Cache"] == "miss"
    finally:
        server.stop()
        store.close()


def test_etag_and_304(writable_server):
    first = get(writable_server, COUNT)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"')  # strong
    again = get(writable_server, COUNT, {**JSON, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == etag and again.headers["Vary"] == "Accept"
    assert again.headers["Cache-Control"] == CACHE_CONTROL
    weak = get(writable_server, COUNT, {**JSON, "If-None-Match": f'"other", W/{etag}'})
    assert weak.status_code == 304
    other = get(writable_server, COUNT, {**JSON, "If-None-Match": '"other"'})
    assert other.status_code == 200 and other.content == first.content
    head = requests.head(writable_server.endpoint("/sparql"), params={"query": COUNT},
                         headers={**JSON, "If-None-Match": etag}, timeout=60)
    assert head.status_code == 304
    # POST has no validators; a matching If-None-Match there is a 412 (RFC 9110 13.1.2).
    posted = requests.post(writable_server.endpoint("/sparql"), data={"query": COUNT},
                           headers={**JSON, "If-None-Match": etag}, timeout=60)
    assert posted.status_code == 412
    # After a write the old ETag no longer matches: the new answer, a new ETag.
    requests.post(writable_server.endpoint("/update"), data={"update": INSERT},
                  headers=AUTH, timeout=60).raise_for_status()
    changed = get(writable_server, COUNT, {**JSON, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.json() != first.json()


def test_304_without_evaluation_for_an_uncached_result(make_server, tiny_store):
    # Results never kept (entry cap 0 bytes), yet a matching ETag is a 304: the ETag is
    # known from the store version and the request alone.
    server = make_server({"STORE": tiny_store, "RESULT_CACHE_ENTRY_MAX": 0})
    first = get(server, COUNT)
    assert first.headers["X-Cache"] == "miss" and stats(server)["entries"] == 0
    again = get(server, COUNT, {**JSON, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert get(server, COUNT).headers["X-Cache"] == "miss"


def test_each_media_type_is_its_own_entry(writable_server):
    as_json = get(writable_server, COUNT, JSON)
    as_csv = get(writable_server, COUNT, {"Accept": "text/csv"})
    assert as_csv.headers["X-Cache"] == "miss"
    assert as_csv.headers["Content-Type"].startswith("text/csv")
    assert as_csv.headers["ETag"] != as_json.headers["ETag"]
    assert as_csv.text.splitlines()[0] == "n"
    again_csv = get(writable_server, COUNT, {"Accept": "text/csv"})
    again_json = get(writable_server, COUNT, JSON)
    assert again_csv.headers["X-Cache"] == again_json.headers["X-Cache"] == "hit"
    assert again_csv.content == as_csv.content and again_json.content == as_json.content
    # ?format= negotiates the same way, and the CSV ETag does not validate the JSON answer.
    by_format = get(writable_server, COUNT, {}, format="text/csv")
    assert by_format.headers["X-Cache"] == "hit" and by_format.content == as_csv.content
    crossed = get(writable_server, COUNT, {**JSON, "If-None-Match": as_csv.headers["ETag"]})
    assert crossed.status_code == 200 and crossed.content == as_json.content


def test_dataset_parameters_are_part_of_the_key(writable_server):
    union = get(writable_server, COUNT)
    data_only = get(writable_server, COUNT, JSON, **{"default-graph-uri": GRAPH["data"]})
    assert data_only.headers["X-Cache"] == "miss"
    assert data_only.json() != union.json()
    assert data_only.headers["ETag"] != union.headers["ETag"]


def test_the_byte_bound_is_respected(make_server, tiny_store):
    # An entry counts its result, its query text and 256 bytes of overhead.
    server = make_server({"STORE": tiny_store, "RESULT_CACHE_SIZE": 3000,
                          "RESULT_CACHE_ENTRY_MAX": 2000})
    queries = [f"SELECT ?s ?o WHERE {{ ?s ?p ?o }} LIMIT {n}" for n in range(1, 9)]
    costs = [len(get(server, q).content) + len(q) + 256 for q in queries]
    assert all(cost <= 2000 for cost in costs)
    assert sum(costs) > 3000  # they cannot all fit
    held = stats(server)
    assert held["stored"] == len(queries)
    assert held["bytes"] <= 3000 and held["evicted"] > 0
    assert get(server, queries[-1]).headers["X-Cache"] == "hit"  # the most recent stays
    assert get(server, queries[0]).headers["X-Cache"] == "miss"  # the oldest went first
    big = get(server, "CONSTRUCT WHERE { ?s ?p ?o }", {"Accept": "application/n-triples"})
    assert len(big.content) > 2000 and big.headers["X-Cache"] == "miss"
    again = get(server, "CONSTRUCT WHERE { ?s ?p ?o }", {"Accept": "application/n-triples"})
    assert again.headers["X-Cache"] == "miss" and again.content  # over the cap: never kept
    assert stats(server)["bytes"] <= 3000


def test_a_long_query_text_counts_against_the_bound(make_server, tiny_store):
    server = make_server({"STORE": tiny_store, "RESULT_CACHE_SIZE": 20_000,
                          "RESULT_CACHE_ENTRY_MAX": 20_000})
    def post(text: str) -> requests.Response:
        return requests.post(server.endpoint("/sparql"), data=text.encode(), timeout=60,
                             headers={"Content-Type": "application/sparql-query", **JSON})

    padded = "ASK { ?s ?p ?o } #" + "-" * 30_000  # a comment: not in the key
    long_text = "ASK { ?s ?p ?o FILTER(?o != '" + "x" * 30_000 + "') }"
    assert post(padded).status_code == post(long_text).status_code == 200
    assert stats(server)["stored"] == 1  # the 30,000-character key did not fit
    assert post(padded).headers["X-Cache"] == "hit"
    assert post(long_text).headers["X-Cache"] == "miss"


def test_errors_and_volatile_queries_are_not_kept(make_server, tiny_store):
    server = make_server({"STORE": tiny_store, "MAX_RESULT_SIZE": 300})
    big = "SELECT * WHERE { ?s ?p ?o }"
    for _ in range(2):
        too_large = get(server, big)
        assert too_large.status_code == 413 and "X-Cache" not in too_large.headers
    for _ in range(2):
        bad = get(server, "SELECT * WHERE { ?s ?p }")
        assert bad.status_code == 400 and "ETag" not in bad.headers
    for _ in range(2):
        volatile = get(server, "SELECT (RAND() AS ?r) WHERE {}")
        assert volatile.status_code == 200 and "X-Cache" not in volatile.headers
        assert volatile.headers["Cache-Control"] == "no-store" and "ETag" not in volatile.headers
    assert stats(server)["entries"] == 0 and stats(server)["stored"] == 0


def test_a_result_cut_off_mid_stream_is_not_kept(make_server, tiny_store):
    # Streamed in several chunks, then over the size limit after the status was sent.
    import pyoxigraph as ox

    tiny_store.load_quads(ox.Quad(ox.NamedNode(f"urn:s{i}"), ox.NamedNode("urn:p"),
                                  ox.Literal("x" * 200), ox.NamedNode(UPLOAD))
                          for i in range(3000))
    server = make_server({"STORE": tiny_store, "MAX_RESULT_SIZE": 300_000})
    with pytest.raises(requests.RequestException):
        get(server, "SELECT ?s ?o WHERE { ?s <urn:p> ?o }").content  # noqa: B018
    assert stats(server)["entries"] == 0


def test_cache_off(make_server, tiny_store):
    server = make_server({"STORE": tiny_store, "RESULT_CACHE_SIZE": 0})
    for _ in range(2):
        r = get(server, COUNT)
        assert r.status_code == 200 and "X-Cache" not in r.headers and "ETag" not in r.headers
        assert r.headers["Cache-Control"] == "no-store"


def test_sparqlwrapper_still_works(writable_server):
    from SPARQLWrapper import JSON as SW_JSON
    from SPARQLWrapper import SPARQLWrapper

    for method in ("GET", "POST"):
        for _ in range(2):
            client = SPARQLWrapper(writable_server.endpoint("/sparql"))
            client.setMethod(method)
            client.setQuery(COUNT)
            client.setReturnFormat(SW_JSON)
            rows = client.query().convert()["results"]["bindings"]
            assert int(rows[0]["n"]["value"]) > 0
    assert stats(writable_server)["hits"] >= 3


def test_query_keys():
    assert query_key("SELECT * { ?s ?p 'a  b' } # x") == "SELECT * { ?s ?p 'a  b' }"
    assert query_key("SELECT ?x {?x ?p ?o}") != query_key("SELECT ?x {?x ?p ?oo}")
    for volatile in ("SELECT (NOW() AS ?t) {}", "SELECT (uuid () AS ?u) {}",
                     "CONSTRUCT { ?s ?p ?o } WHERE { BIND(BNODE() AS ?s) }"):
        assert query_key(volatile) is None
    assert query_key("SELECT ?now ?rand WHERE { ?now ?rand ?o }") is not None


def test_the_remote_backend_has_no_cache_unless_a_ttl_bounds_it():
    # No request is sent: the store is only constructed (the engine is not contacted).
    store = RemoteStore(RemoteSettings(query_url="http://127.0.0.1:9/sparql"))
    assert store.sees_all_writes is False
    executor = Executor(store)
    try:
        settings = {"RESULT_CACHE_SIZE": 1 << 20, "RESULT_CACHE_ENTRY_MAX": 1 << 16}
        off = make_result_cache(executor, store, settings | {"RESULT_CACHE_REMOTE_TTL": 0})
        assert not off.enabled
        assert off.slot(COUNT, media_type="text/csv", default_graphs=None, named_graphs=None,
                        base_iri=None) is None
        now = [100.0]
        bounded = make_result_cache(executor, store, settings | {"RESULT_CACHE_REMOTE_TTL": 5})
        bounded._clock = lambda: now[0]
        slot = bounded.slot(COUNT, media_type="text/csv", default_graphs=None,
                            named_graphs=None, base_iri=None)
        assert slot is not None and bounded.put(slot, b"n\r\n3\r\n")
        assert bounded.get(slot) == b"n\r\n3\r\n"
        now[0] += 5  # the window passed: the answer and its ETag are no longer valid
        assert bounded.get(slot) is None
        later = bounded.slot(COUNT, media_type="text/csv", default_graphs=None,
                             named_graphs=None, base_iri=None)
        assert later is not None and later.etag != slot.etag
    finally:
        executor.close()


def test_reload_to_a_new_build_changes_the_answers_and_etags(tmp_path: Path):
    deployment = Deployment(tmp_path)
    try:
        deployment.build(extra=1)
        server, url = deployment.serve()
        query = "SELECT (COUNT(*) AS ?n) WHERE { ?s <urn:build:n> ?o }"
        first = requests.get(url + "/sparql", params={"query": query}, headers=JSON, timeout=30)
        hit = requests.get(url + "/sparql", params={"query": query}, headers=JSON, timeout=30)
        assert hit.headers["X-Cache"] == "hit" and hit.content == first.content
        etag = first.headers["ETag"]
        # Under gunicorn, on one keep-alive connection: a 304 has no body to misread.
        with requests.Session() as session:
            for _ in range(2):
                same = session.get(url + "/sparql", params={"query": query},
                                   headers={**JSON, "If-None-Match": etag}, timeout=30)
                assert same.status_code == 304 and same.content == b""
                assert "Transfer-Encoding" not in same.headers
            full = session.get(url + "/sparql", params={"query": query}, headers=JSON,
                               timeout=30)
            assert full.status_code == 200 and full.content == first.content
        deployment.build(extra=2)
        server.send_signal(signal.SIGHUP)
        wait_until(lambda: extra_triples_seen(url) == 2, "SIGHUP did not switch builds")
        after = requests.get(url + "/sparql", params={"query": query},
                             headers={**JSON, "If-None-Match": etag}, timeout=30)
        assert after.status_code == 200 and after.headers["ETag"] != etag
        assert after.json()["results"]["bindings"][0]["n"]["value"] == "2"
        deployment.build(extra=3)
        asked = requests.post(url + "/admin/reload",
                              headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
        assert asked.status_code == 202, asked.text
        wait_until(lambda: extra_triples_seen(url) == 3, "/admin/reload did not switch builds")
        deployment.stop(server)
    finally:
        deployment.close()


def test_an_on_disk_store_reopened_gets_new_etags(tmp_path: Path):
    # A restart (or another server on the same build) never reuses an ETag: the version
    # carries a random epoch, since writes made before the restart are in the store.
    path = tmp_path / "store"
    load_tiny(open_store(path)).close()
    etags = []
    for _ in range(2):
        server = start_server({"STORE_PATH": str(path)})
        try:
            etags.append(get(server, COUNT).headers["ETag"])
        finally:
            server.stop()
    assert etags[0] != etags[1]


def test_on_a_remote_engine_the_cache_is_off_unless_a_ttl_bounds_it(tmp_path: Path):
    # A real Oxigraph server behind coopgraph (--backend sparql); another client writes to
    # the engine directly, which coopgraph cannot see.
    from engines import start_oxigraph

    engine = start_oxigraph(tmp_path / "oxigraph")
    servers = []
    try:
        direct = {"update": f"INSERT DATA {{ GRAPH <{UPLOAD}> {{ <urn:x> <urn:y> 1 }} }}"}
        requests.post(engine.update_url, data=direct, timeout=30).raise_for_status()
        off = start_server({"REMOTE": engine.remote_settings()})
        servers.append(off)
        for _ in range(2):
            r = get(off, COUNT)
            assert r.status_code == 200 and "X-Cache" not in r.headers
            assert "ETag" not in r.headers and r.headers["Cache-Control"] == "no-store"

        bounded = start_server({"REMOTE": engine.remote_settings(),
                                "RESULT_CACHE_REMOTE_TTL": 600.0})
        servers.append(bounded)
        first, state = count(bounded)
        assert (first, state) == (1, "miss") and count(bounded) == (1, "hit")
        # A write through coopgraph invalidates at once ...
        r = requests.post(bounded.endpoint("/update"), data={"update": INSERT},
                          headers=AUTH, timeout=60)
        assert r.status_code == 204, r.text
        assert count(bounded) == (2, "miss")
        # ... a write made to the engine directly is only seen when the TTL has passed
        # (here 600 s: the documented staleness), while the uncached server sees it now.
        more = {"update": f"INSERT DATA {{ GRAPH <{UPLOAD}> {{ <urn:x> <urn:y> 2 }} }}"}
        requests.post(engine.update_url, data=more, timeout=30).raise_for_status()
        assert count(bounded) == (2, "hit")
        assert int(get(off, COUNT).json()["results"]["bindings"][0]["n"]["value"]) == 3
    finally:
        for server in servers:
            server.stop()
        engine.stop()
