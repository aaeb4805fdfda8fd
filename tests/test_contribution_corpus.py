"""Bad inputs of every kind, sent to POST /validate: each gets its status and a clear message.

Parse-level refusals are 400 with the line and column; content mistakes are 200 reports that do
not conform (each naming the rule broken); nothing expands an XML entity or fetches anything.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests
from contrib_support import curated_store

HEAD = """@prefix cg: <https://w3id.org/coopgraph/ontology#> .
@prefix actor: <https://w3id.org/coopgraph/id/actor/> .
@prefix territory: <https://w3id.org/coopgraph/id/territory/> .
@prefix partnership: <https://w3id.org/coopgraph/id/partnership/> .
@prefix level: <https://w3id.org/coopgraph/id/concept/level/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix schema: <http://schema.org/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://example.org/doc> a cg:Document ; dcterms:title "Rapport"@fr .
"""
TERRITORY = """territory:x a cg:Territory ; skos:prefLabel "X"@fr ;
    cg:administrativeLevel level:municipality ; cg:country territory:france ;
    dcterms:source <https://example.org/doc> """
PARTNERSHIP = """partnership:p a cg:Partnership ; skos:prefLabel "P"@fr ;
    cg:party actor:cd93 , actor:afd ; dcterms:source <https://example.org/doc> ;
    cg:evidence [ a cg:Evidence ; prov:entity <https://example.org/doc> ;
                  cg:excerpt "Un extrait."@fr ] """

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
 <!ENTITY a "ha">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
 <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
 <!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:skos="http://www.w3.org/2004/02/skos/core#">
  <rdf:Description rdf:about="urn:x"><skos:note>&i;</skos:note></rdf:Description>
</rdf:RDF>
"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:skos="http://www.w3.org/2004/02/skos/core#">
  <rdf:Description rdf:about="urn:x"><skos:note>&secret;</skos:note></rdf:Description>
</rdf:RDF>
"""
REMOTE_CONTEXT = b'{"@context": "https://schema.org/", "@id": "urn:x", "name": "x"}'

#: (case, body, content type, status, fragment of the message, line expected)
PARSE_CASES = [
    ("truncated turtle", (HEAD + TERRITORY).encode(), "text/turtle", 400,
     "cannot be read", True),
    ("deep nesting", (HEAD + "territory:x skos:note " + "[ skos:note " * 100 + '"x"'
                      + " ]" * 100 + " .\n").encode(), "text/turtle", 400,
     "nest deeper than 64", True),
    # rdfio's literal check is exact (after parsing), so it names the size, not the line.
    ("huge literal", (HEAD + 'territory:x skos:note "' + "x" * 1_100_000 + '" .\n').encode(),
     "text/turtle", 400, "characters is longer than the limit of 1000000", False),
    ("billion laughs", LAUGHS, "application/rdf+xml", 400, "<!ENTITY", True),
    ("external entity", EXTERNAL, "application/rdf+xml", 400, "<!ENTITY", True),
    ("remote JSON-LD context", REMOTE_CONTEXT, "application/ld+json", 400,
     "remote JSON-LD @context", True),
    ("non-UTF-8 bytes", HEAD.encode() + b'territory:x skos:note "caf\xe9" .\n', "text/turtle",
     400, "not UTF-8", True),
    ("empty file", b"", "text/turtle", 400, "empty", False),
    ("blank file", b"  \n\n", "application/n-triples", 400, "empty", False),
    ("CSV header of no template", b"name,city\nx,y\n", "text/csv", 400,
     "matches no template", True),
]

#: (case, Turtle after HEAD, fragment of the one expected message)
CONTENT_CASES = [
    ("wrong datatype", TERRITORY + ' ; schema:startDate "yesterday" .',
     "schema:startDate is a valid date"),
    ("bad date", TERRITORY + ' ; schema:startDate "2017-02-30"^^xsd:date .',
     "schema:startDate is a valid date"),
    ("end before start", PARTNERSHIP + ' ; schema:startDate "2010"^^xsd:gYear ; '
                                       'schema:endDate "2001"^^xsd:gYear .',
     "The end date (schema:endDate) is before the start date"),
    ("missing required property", 'partnership:p a cg:Partnership ; skos:prefLabel "P"@fr ; '
     'cg:party actor:cd93 ; dcterms:source <https://example.org/doc> ; cg:evidence [ a '
     'cg:Evidence ; prov:entity <https://example.org/doc> ; cg:excerpt "E."@fr ] .',
     "names each of its parties (cg:party), so at least two"),
    ("unknown class", TERRITORY + " .\nactor:y a cg:Municipalite .",
     "is not a class of the coopgraph ontology"),
    ("population as a string", TERRITORY + ' ; cg:population "120000 habitants" .',
     "cg:population must point to a cg:Figure"),
]


@pytest.fixture(scope="module")
def server():
    from conftest import start_server

    store = curated_store()
    live = start_server({"STORE": store, "MAX_CONTRIBUTION_SIZE": 4_000_000})
    yield live
    live.stop()
    store.close()


def post(server, body: bytes, content_type: str) -> requests.Response:
    return requests.post(server.endpoint("/validate"), data=body, timeout=120,
                         headers={"Content-Type": content_type, "Accept": "application/json"})


@pytest.mark.parametrize("case,body,ctype,status,fragment,has_line", PARSE_CASES,
                         ids=[c[0] for c in PARSE_CASES])
def test_unreadable_or_dangerous_input_is_refused(server, case, body, ctype, status, fragment,
                                                  has_line) -> None:
    started = time.monotonic()
    r = post(server, body, ctype)
    assert r.status_code == status, r.text
    doc = r.json()
    assert fragment in doc["message"]
    if has_line:
        assert doc["line"] >= 1
    assert "Traceback" not in r.text
    assert time.monotonic() - started < 10  # refused before any expansion or parsing


@pytest.mark.parametrize("case,body,fragment", CONTENT_CASES, ids=[c[0] for c in CONTENT_CASES])
def test_content_mistakes_are_reported_once_with_their_rule(server, case, body,
                                                            fragment) -> None:
    r = post(server, (HEAD + body + "\n").encode(), "text/turtle")
    assert r.status_code == 200
    doc = r.json()
    assert doc["conforms"] is False
    matching = [x for x in doc["results"] if fragment in x["message"]]
    assert len(matching) == 1, doc["results"]
    assert matching[0]["hint"] and matching[0]["line"] >= 1


def test_a_csv_mistake_names_its_row_and_column(server) -> None:
    bad = Path(__file__).parent / "fixtures" / "contrib" / "csv" / "partnerships-bad.csv"
    r = post(server, bad.read_bytes(), "text/csv")
    assert r.status_code == 200
    found = {(x["line"], x.get("column")) for x in r.json()["results"]}
    assert (2, "insee_code") in found and (2, "end_date") in found and (3, "id") in found


def test_the_billion_laughs_is_refused_in_well_under_a_second(server) -> None:
    started = time.monotonic()
    assert post(server, LAUGHS, "application/rdf+xml").status_code == 400
    assert time.monotonic() - started < 1.0
