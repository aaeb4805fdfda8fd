"""The executor's limits and refusals, as HTTP statuses of the live server."""

from __future__ import annotations

import json
import time

import requests
from conftest import ADMIN_TOKEN, BASE

DIGITS = "{ 0 1 2 3 4 5 6 7 8 9 }"
#: 10^9 solutions to count: far longer than a one-second limit, no output to stream.
SLOW = ("SELECT (COUNT(*) AS ?n) WHERE { "
        + " ".join(f"VALUES ?v{i} {DIGITS}" for i in range(9)) + " }")
#: 10^4 rows: about 1 MB of JSON.
BIG = "SELECT ?a ?b ?c ?d WHERE { " + " ".join(f"VALUES ?{v} {DIGITS}" for v in "abcd") + " }"


def _clean(r: requests.Response) -> None:
    assert r.text.strip() and "Traceback" not in r.text


def test_timeout_is_503_with_retry_after(make_server, tiny_store):
    server = make_server({"STORE": tiny_store, "QUERY_TIMEOUT": 1.0})
    r = requests.get(server.endpoint(), params={"query": SLOW}, timeout=30)
    assert r.status_code == 503
    assert r.headers["Retry-After"]
    _clean(r)
    # the server keeps answering
    ok = requests.get(server.endpoint(), params={"query": "ASK {}"}, timeout=30)
    assert ok.status_code == 200 and ok.json()["boolean"] is True


def test_timeout_access_log_counts_the_wait(make_server, tiny_store, access_log):
    """The 503 of a query stopped by the limit is answered by Flask after the fast path ran
    the query: its log line still counts the whole wait."""
    server = make_server({"STORE": tiny_store, "QUERY_TIMEOUT": 1.0})
    r = requests.get(server.endpoint(), params={"query": SLOW}, timeout=30)
    access_log.wait()
    assert r.status_code == 503
    line = json.loads(access_log[-1])
    assert line["status"] == 503 and line["duration_ms"] >= 900


def test_result_too_large_is_413(make_server, tiny_store):
    server = make_server({"STORE": tiny_store, "MAX_RESULT_SIZE": 10_000})
    r = requests.get(server.endpoint(), params={"query": BIG}, timeout=30)
    assert r.status_code == 413
    _clean(r)


def test_busy_is_503(make_server, tiny_store):
    # Without the cheap lane (CHEAP_QUERY_SLOTS 0; test_web_fairness.py tests it): the only
    # slot is taken by a query that evaluates (no output) until its 3 s limit; a query arriving
    # meanwhile is answered 503 at once. Which request wins the slot is a race, so an attempt
    # whose slow query lost it (got the 503 itself) is replayed, at most 3 times.
    import threading

    server = make_server({"STORE": tiny_store, "MAX_CONCURRENT_QUERIES": 1, "QUEUE_WAIT": 0.0,
                          "QUERY_TIMEOUT": 3.0, "CHEAP_QUERY_SLOTS": 0})
    for _attempt in range(3):
        slow_status: list[int] = []
        slow = threading.Thread(target=lambda out=slow_status: out.append(requests.get(
            server.endpoint(), params={"query": SLOW}, timeout=30).status_code), daemon=True)
        slow.start()
        time.sleep(0.5)  # let the slow query take the slot
        r = requests.get(server.endpoint(), params={"query": "ASK {}"}, timeout=30)
        slow.join(timeout=30)
        if slow_status != [503] or r.status_code != 200:
            break  # the slow query held the slot (it ends on its time limit: 503 too)
    assert r.status_code == 503 and r.headers["Retry-After"] == "1"
    _clean(r)


def test_remote_service_is_refused(live_server):
    # (FROM and dataset graphs the store does not hold are the executor's policy: its tests)
    service = requests.get(live_server.endpoint(), params={
        "query": "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"},
        timeout=30)
    assert service.status_code == 403 and "SERVICE" in service.text
    _clean(service)


def test_too_long_query_is_refused(make_server, tiny_store):
    server = make_server({"STORE": tiny_store, "MAX_QUERY_LENGTH": 100})
    r = requests.post(server.endpoint(), data={"query": "ASK {}" + " " * 200}, timeout=30)
    assert r.status_code == 413 and "100" in r.text


def test_load_is_refused(writable_server):
    r = requests.post(writable_server.endpoint("/update"),
                      data={"update": f"LOAD <http://example.org/x.ttl> INTO GRAPH "
                                      f"<{BASE}graph/upload/load>"},
                      headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=30)
    assert r.status_code == 403 and "LOAD" in r.text
    _clean(r)


def test_limit_reached_mid_stream_cuts_the_body(make_server, tiny_store, caplog):
    # 10^5 rows (~10 MB of JSON) against a 2 MB limit: the first chunks are sent before the
    # limit is reached, so the status is 200 and the body ends early (no valid JSON).
    import json

    query = "SELECT * WHERE { " + " ".join(f"VALUES ?{v} {DIGITS}" for v in "abcde") + " }"
    server = make_server({"STORE": tiny_store, "MAX_RESULT_SIZE": 2_000_000})
    with requests.get(server.endpoint(), params={"query": query}, stream=True, timeout=60) as r:
        assert r.status_code == 200
        body = b""
        try:
            for chunk in r.iter_content(65536):
                body += chunk
        except requests.exceptions.ChunkedEncodingError:
            pass
    assert len(body) <= 2_100_000
    try:
        json.loads(body)
    except ValueError:
        pass
    else:
        raise AssertionError("a cut-off result must not look complete")
    deadline = time.monotonic() + 10  # the server logs why, once it notices
    while not any("cut off" in rec.getMessage() for rec in caplog.records):
        assert time.monotonic() < deadline, "no log line for the cut-off result"
        time.sleep(0.05)
