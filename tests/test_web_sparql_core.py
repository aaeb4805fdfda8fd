"""web/sparql_core.py: the one /sparql core, called directly (a WSGI environ in, an Outcome
out), on a real executor over the tiny store; the HTTP entries are tested in
tests/test_web_protocol.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import BASE

from coopgraph.web import _settings
from coopgraph.web.backend import make_executor
from coopgraph.web.sparql_core import Outcome, answer, read_request

CHEAP = f"SELECT ?p ?o WHERE {{ <{BASE}id/territory/matola> ?p ?o }}"


@pytest.fixture
def core(tiny_store) -> Iterator[Any]:
    settings = _settings({"STORE": tiny_store})
    executor = make_executor(tiny_store, settings)

    def _answer(method: str = "GET", query_string: str = "", body: bytes = b"",
                **headers: str) -> Outcome | None:
        environ = {"REQUEST_METHOD": method, "QUERY_STRING": query_string,
                   "REMOTE_ADDR": "127.0.0.1", **headers}
        return answer(read_request(environ, body), settings, executor)

    yield _answer
    executor.close()


def _body(outcome: Outcome) -> bytes:
    try:
        return b"".join(outcome.body)
    finally:
        getattr(outcome.body, "close", lambda: None)()


def test_a_lookup_is_one_whole_body_with_its_log_record(core):
    from urllib.parse import urlencode

    outcome = core(query_string=urlencode({"query": CHEAP}))
    assert outcome.status == 200
    body = _body(outcome)
    assert outcome.headers == [("Vary", "Accept"), ("Cache-Control", "no-store"),
                               ("Content-Type", "application/sparql-results+json"),
                               ("Content-Length", str(len(body)))]
    assert json.loads(body)["results"]["bindings"]
    assert outcome.length == len(body) and outcome.query == CHEAP
    record = outcome.log_record(read_request({"REQUEST_METHOD": "GET",
                                              "REMOTE_ADDR": "127.0.0.1"}, b""))
    assert list(record) == ["time", "method", "path", "status", "query_hash", "client"]
    assert record["status"] == 200 and record["query_hash"] and record["path"] == "/sparql"


def test_a_query_in_the_body_and_a_negotiated_format(core):
    outcome = core("POST", body=CHEAP.encode(), CONTENT_TYPE="application/sparql-query",
                   HTTP_ACCEPT="text/csv;q=0.9, application/xml;q=0.5")
    assert outcome.status == 200
    assert ("Content-Type", "text/csv; charset=utf-8") in outcome.headers
    assert _body(outcome).startswith(b"p,o")


def test_errors_are_outcomes_with_the_error_body(core):
    syntax = core(query_string="query=SELECT+*+WHERE+%7B", HTTP_ACCEPT="application/json")
    assert syntax.status == 400 and syntax.query == "SELECT * WHERE {"
    assert json.loads(_body(syntax))["message"].startswith("syntax error")
    too_long = core("POST", body=b"query=" + b"x" * 100_001,
                    CONTENT_TYPE="application/x-www-form-urlencoded")
    assert too_long.status == 413  # the length limit: one check, one status
    bad_escape = core(query_string="query=%ZZ")
    assert bad_escape.status == 400 and b"percent-escape" in _body(bad_escape)
    wrong_type = core("POST", body=b"x", CONTENT_TYPE="text/plain")
    assert wrong_type.status == 415


def test_no_query_is_none_for_the_service_description(core):
    assert core() is None
