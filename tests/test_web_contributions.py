"""/contributions over HTTP: 201 + Location, 422, 409, listing, triples, SPARQL, withdrawal."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from conftest import ADMIN_TOKEN, start_server
from contrib_support import BASE, curated_store

FIXTURES = Path(__file__).parent / "fixtures" / "contrib"
FIXED = FIXTURES / "montreuil-mopti-fixed.ttl"
BROKEN = FIXTURES / "montreuil-mopti.ttl"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
PARAMS = {"contributor": "Ville de Montreuil", "source": "https://example.org/rapport"}


@pytest.fixture
def server():
    store = curated_store()
    live = start_server({"STORE": store})
    yield live
    live.stop()
    store.close()


def contribute(server, body: bytes, ctype: str = "text/turtle", auth=True, **params):
    return requests.post(server.endpoint("/contributions"), data=body,
                         params={**PARAMS, **params},
                         headers={"Content-Type": ctype, **(AUTH if auth else {})}, timeout=300)


def sparql_ask(server, query: str) -> bool:
    r = requests.get(server.endpoint("/sparql"), params={"query": query},
                     headers={"Accept": "application/sparql-results+json"}, timeout=60)
    return r.json()["boolean"]


def test_contribute_query_list_show_withdraw(server) -> None:
    data_before = server.store.count(f"{BASE}graph/data")
    r = contribute(server, FIXED.read_bytes(), note="essai")
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert r.headers["Location"] == f"/contributions/{cid}"
    graph = f"{BASE}graph/contribution/{cid}"
    assert sparql_ask(server, f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert sparql_ask(server, f"""ASK {{ GRAPH <{graph}/inferred> {{
        <{BASE}id/actor/ville-de-montreuil> a <{BASE}ontology#Actor> }} }}""")

    listed = requests.get(server.endpoint("/contributions"), timeout=30).json()
    assert [c["id"] for c in listed["contributions"]] == [cid]
    html = requests.get(server.endpoint("/contributions"), headers={"Accept": "text/html"},
                        timeout=30)
    assert cid in html.text and "Ville de Montreuil" in html.text
    one = requests.get(server.endpoint(f"/contributions/{cid}"), timeout=30).json()
    assert one["note"] == "essai" and one["report"]["conforms"] is True
    turtle = requests.get(server.endpoint(f"/contributions/{cid}?format=turtle"), timeout=30)
    assert "ville-de-montreuil" in turtle.text
    page = requests.get(server.endpoint(f"/contributions/{cid}"),
                        headers={"Accept": "text/html"}, timeout=30)
    assert "Download" in page.text and "ville-de-montreuil" in page.text

    again = contribute(server, FIXED.read_bytes())
    assert again.status_code == 409 and again.json()["id"] == cid

    gsp = requests.put(server.endpoint("/store"), params={"graph": graph}, data=b"",
                       headers={"Content-Type": "text/turtle", **AUTH}, timeout=30)
    assert gsp.status_code == 403 and "/contributions" in gsp.text

    assert requests.delete(server.endpoint(f"/contributions/{cid}"), timeout=30).status_code \
        in (401, 403)
    gone = requests.delete(server.endpoint(f"/contributions/{cid}"), headers=AUTH, timeout=30)
    assert gone.status_code == 204
    assert not sparql_ask(server, f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert not sparql_ask(server, f"ASK {{ GRAPH <{graph}/inferred> {{ ?s ?p ?o }} }}")
    assert requests.get(server.endpoint(f"/contributions/{cid}"), timeout=30).status_code == 404
    assert server.store.count(f"{BASE}graph/data") == data_before


def test_a_non_conforming_contribution_is_a_422_with_its_report(server) -> None:
    before = server.store.count()
    r = contribute(server, BROKEN.read_bytes())
    assert r.status_code == 422
    assert len(r.json()["results"]) == 3
    assert server.store.count() == before


def test_contributing_needs_the_admin_token_and_a_source(server) -> None:
    assert contribute(server, FIXED.read_bytes(), auth=False).status_code == 401
    r = contribute(server, FIXED.read_bytes(), source="not a url")
    assert r.status_code == 400 and "source" in r.text


#: pyshacl stops on a blank node compared with sh:lessThanOrEquals (tests/test_contextual.py).
UNCHECKABLE = b"""@prefix cg: <https://w3id.org/coopgraph/ontology#> .
@prefix schema: <http://schema.org/> .
@prefix figure: <https://w3id.org/coopgraph/id/figure/> .
figure:x a cg:Figure ; schema:minValue [] ; schema:maxValue 3 .
"""


def test_a_file_the_validator_cannot_check_is_a_400_and_stores_nothing(server) -> None:
    before = server.store.count()
    r = contribute(server, UNCHECKABLE)
    assert r.status_code == 400
    assert "cannot be checked: a blank node ([])" in r.text and "Traceback" not in r.text
    assert server.store.count() == before
