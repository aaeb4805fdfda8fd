"""Right statuses for badly encoded parameters (issue 12, item 8): never a 500 or a guess."""

from __future__ import annotations

import http.client

import pytest
import requests
from conftest import ADMIN_TOKEN

FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize("control", ["%00", "%0A", "%7F", "%09"])
def test_control_characters_in_a_graph_iri_are_a_400(live_server, control):
    url = live_server.endpoint("/store") + f"?graph=urn:x{control}y"
    answer = requests.get(url, timeout=10)
    assert answer.status_code == 400, answer.text
    assert "graph must be an absolute IRI" in answer.text
    written = requests.delete(url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                              timeout=10)
    assert written.status_code == 400


def test_control_characters_in_a_dataset_iri_are_a_400(live_server):
    url = live_server.endpoint() + "?query=ASK%7B%7D&default-graph-uri=urn:a%00b"
    assert requests.get(url, timeout=10).status_code == 400


@pytest.mark.parametrize("escape", ["%FF", "%C3%28", "%G1", "%"])
def test_invalid_percent_encoding_in_a_get_query_is_a_400(live_server, escape):
    # http.client sends the path as given (requests would re-quote "%G1" as "%25G1").
    host, port = live_server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", f"/sparql?query=ASK%20%7B%7D%23{escape}")
        answer = connection.getresponse()
        text = answer.read().decode()
    finally:
        connection.close()
    assert answer.status == 400, text
    assert "percent" in text


def test_invalid_percent_encoding_in_a_form_body_is_a_400(live_server):
    answer = requests.post(live_server.endpoint(), data=b"query=ASK%20%7B%7D%23%FF",
                           headers={"Content-Type": FORM}, timeout=10)
    assert answer.status_code == 400


def test_valid_utf8_escapes_still_work(live_server):
    answer = requests.get(live_server.endpoint() + "?query=ASK%20%7B%7D%23%C3%A9",
                          headers={"Accept": "application/sparql-results+json"}, timeout=10)
    assert answer.status_code == 200 and answer.json()["boolean"] is True


@pytest.mark.parametrize("path", ["/sparql", "/update"])
def test_a_form_declaring_another_charset_is_a_415(live_server, path):
    body = "query=ASK {}" if path == "/sparql" else "update=CLEAR SILENT GRAPH <urn:x>"
    answer = requests.post(live_server.endpoint(path), data=body.encode("utf-16"),
                           headers={"Content-Type": f"{FORM}; charset=utf-16",
                                    "Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=10)
    assert answer.status_code == 415, answer.text
    assert "UTF-8" in answer.text
