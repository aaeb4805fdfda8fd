"""A contribution validated by two processes, forked from a request thread of a live server,
gets the report one process gives."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from contrib_support import curated_store

import coopgraph.contextual as contextual
from coopgraph.contextual import parse_contribution, validate_contribution

MONTREUIL = Path(__file__).parent / "fixtures" / "contrib" / "montreuil-mopti.ttl"


@pytest.fixture()
def forking_server(monkeypatch):
    from conftest import start_server

    # Small contributions stay in one process; this one must fork like a 20k-triple file.
    monkeypatch.setattr(contextual, "PARALLEL_FROM_TRIPLES", 0)
    store = curated_store()
    live = start_server({"STORE": store})
    yield live
    live.stop()
    store.close()


def test_the_report_of_two_processes_is_the_report_of_one(forking_server) -> None:
    body = MONTREUIL.read_bytes()
    assert contextual.default_processes(10) == 2
    r = requests.post(forking_server.endpoint("/validate"), data=body, timeout=300,
                      headers={"Content-Type": "text/turtle", "Accept": "application/json"})
    assert r.status_code == 200
    served = r.json()
    alone = validate_contribution(parse_contribution(body, "text/turtle"), processes=1)
    assert served["conforms"] is False and len(served["results"]) == 3
    assert [(x["focusNode"], x["resultPath"], x["value"], x["message"], x["hint"], x["line"])
            for x in served["results"]] == [
        (x["focusNode"], x["resultPath"], x["value"], x["message"], x["hint"], x["line"])
        for x in (r_.to_json() for r_ in alone.results)]
