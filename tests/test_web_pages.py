"""The pages for people and their RDF twins, over plain HTTP, on the curated graph.

A real store is built from the repository's files (as ``coopgraph build`` does) and served
by the real app on 127.0.0.1; requests are real HTTP requests. The browser tests
(tests/test_browser.py) reuse the same server (``curated_site``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from conftest import ADMIN_TOKEN, LiveServer, start_server
from markupsafe import escape
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from coopgraph.build import build
from coopgraph.config import PROJECT_ROOT
from coopgraph.examples import load_examples
from coopgraph.store import open_store

BASE = "https://w3id.org/coopgraph/"
CD93 = URIRef(BASE + "id/actor/cd93")
SH = Namespace("http://www.w3.org/ns/shacl#")
SCHEMA = Namespace("https://schema.org/")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="session")
def curated_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real app serving a store built from the curated files (validation tested elsewhere)."""
    path = tmp_path_factory.mktemp("site") / "store"
    build(path, validate=False, progress=lambda _: None)
    store = open_store(path, read_only=True)
    server = start_server({"STORE": store, "BASE": BASE})
    yield server
    server.stop()
    store.close()


def get(site: LiveServer, path: str, accept: str = BROWSER, **kwargs) -> requests.Response:
    return requests.get(site.url + path, headers={"Accept": accept, **kwargs.pop("headers", {})},
                        timeout=30, **kwargs)


# ---- home --------------------------------------------------------------------------------

def test_home_says_what_the_graph_holds_and_how_to_query_it(curated_site: LiveServer) -> None:
    r = get(curated_site, "/", headers={"Accept-Language": "en"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    html = r.text
    assert '<html lang="en">' in html
    # counts by class, from the store (the curated data has local governments and territories)
    counts = dict(re.findall(r'<a href="/ontology#(\w+)">[^<]*</a></td><td class="num">(\d+)<',
                             html))
    assert int(counts["Territory"]) > 10 and int(counts["LocalGovernment"]) > 5
    for kind in ("ontology", "shapes", "data", "links", "inferred"):
        assert f'<a href="/graph/{kind}"><code>{BASE}graph/{kind}</code></a>' in html
    assert "Wikidata" in html and "GeoNames" in html and "INSEE" in html
    assert curated_site.url + "/sparql" in html  # the endpoint URL
    assert "SPARQLWrapper" in html and "library(httr)" in html and "curl " in html
    for link in ('href="/query"', 'href="/ontology"', 'href="/validate"',
                 'href="/.well-known/sparql-examples"'):
        assert link in html


def test_home_follows_writes_and_counts_contributions(writable_server: LiveServer) -> None:
    """The numbers are cached per store version: a write shows on the next request."""
    def territories_and_contributions() -> tuple[int, int]:
        html = get(writable_server, "/").text
        count = re.search(r'<a href="/ontology#Territory">[^<]*</a></td><td class="num">(\d+)<',
                          html)
        contributions = re.search(r'<dd id="contributions">(\d+)</dd>', html)
        assert count and contributions, html
        return int(count.group(1)), int(contributions.group(1))

    assert territories_and_contributions() == (2, 0)
    assert territories_and_contributions() == (2, 0)  # cached, same answer
    r = requests.post(
        writable_server.url + "/update", timeout=30,
        data=(f"INSERT DATA {{ GRAPH <{BASE}graph/upload/t1> {{ "
              f"<{BASE}id/territory/bobigny> a <{BASE}ontology#Territory> }} }}").encode(),
        headers={"Content-Type": "application/sparql-update",
                 "Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert r.status_code == 204, r.text
    # an uploaded graph is not a contribution (those come only from /contributions)
    assert territories_and_contributions() == (3, 0)


def test_language_from_accept_language_switch_and_cookie(curated_site: LiveServer) -> None:
    french = get(curated_site, "/", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert '<html lang="fr">' in french.text and "Ce que contient le graphe" in french.text
    english = get(curated_site, "/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.text and "What the graph holds" in english.text
    # the visible switch is a link with ?lang=, and the choice is kept in a cookie
    assert 'id="lang-switch"' in french.text and "lang=en" in french.text
    session = requests.Session()
    switched = session.get(curated_site.url + "/?lang=en", headers={"Accept": BROWSER,
                           "Accept-Language": "fr"}, timeout=30)
    assert '<html lang="en">' in switched.text and session.cookies.get("lang") == "en"
    kept = session.get(curated_site.url + "/ontology", headers={"Accept": BROWSER,
                       "Accept-Language": "fr"}, timeout=30)
    assert '<html lang="en">' in kept.text


# ---- resource pages and content negotiation ----------------------------------------------

def test_resource_page_for_people(curated_site: LiveServer) -> None:
    r = get(curated_site, "/id/actor/cd93", headers={"Accept-Language": "fr"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    html = r.text
    assert "Seine-Saint-Denis" in html.split('<h1 id="title">', 1)[1].split("</h1>", 1)[0]
    assert 'id="properties"' in html and 'id="referenced-by"' in html
    # provenance: the source document's page and a verbatim excerpt of it
    assert 'href="/id/document/000_25256157c08295eb"' in html
    source = (PROJECT_ROOT / "data/sources/000_25256157c08295eb.txt").read_text("utf-8")
    excerpts = re.findall(r'<blockquote class="excerpt" lang="fr">« (.*?) »</blockquote>', html)
    assert excerpts
    # an excerpt is verbatim (modulo the line breaks of the source and HTML escaping)
    flat = " ".join(source.split())
    assert any(" ".join(e.replace("&#39;", "'").split())[:60] in flat for e in excerpts)
    assert 'href="https://seinesaintdenis.fr"' in html  # external links (its homepage)
    for suffix in (".ttl", ".jsonld", ".nt"):
        assert f'href="/id/actor/cd93{suffix}"' in html


def test_machines_get_303_to_an_rdf_document(curated_site: LiveServer) -> None:
    for accept, suffix, fmt in (("text/turtle", ".ttl", "turtle"),
                                ("application/ld+json", ".jsonld", "json-ld"),
                                ("application/n-triples", ".nt", "nt")):
        r = get(curated_site, "/id/actor/cd93", accept, allow_redirects=False)
        assert r.status_code == 303, accept
        assert r.headers["Location"].endswith("/id/actor/cd93" + suffix)
        assert "Accept" in r.headers["Vary"]
        doc = get(curated_site, "/id/actor/cd93" + suffix, accept)
        assert doc.status_code == 200 and doc.headers["Content-Type"].startswith(accept)
        graph = Graph().parse(data=doc.text, format=fmt)
        assert (CD93, SKOS.prefLabel, None) in graph
        # the evidence nodes come along with the resource
        assert len(list(graph.objects(None, URIRef(BASE + "ontology#excerpt")))) > 0


def test_place_page_has_a_map_and_territory_links_work(curated_site: LiveServer) -> None:
    html = get(curated_site, "/id/territory/matola").text
    assert 'id="smallmap"' in html and 'data-countries="MOZ"' in html
    assert 'href="http://www.wikidata.org/entity/Q' in html and "GeoNames" in html
    turtle = get(curated_site, "/id/territory/matola", "text/turtle")
    assert turtle.url.endswith("/id/territory/matola.ttl") and turtle.status_code == 200


def test_insee_codes_are_shown_with_the_external_links(curated_site: LiveServer) -> None:
    html = get(curated_site, "/id/territory/bobigny").text
    external = html.split('<ul id="external">', 1)[1].split("</ul>", 1)[0]
    assert "INSEE : <code>93008</code>" in external


def test_source_document_page_shows_its_text(curated_site: LiveServer) -> None:
    html = get(curated_site, "/id/document/002_a0cfcb4bfec34250").text
    text = (PROJECT_ROOT / "data/sources/002_a0cfcb4bfec34250.txt").read_text("utf-8")
    first_line = next(line for line in text.splitlines() if len(line.strip()) > 20).strip()
    assert 'id="document-text"' in html
    assert first_line.replace("&", "&amp;").replace("'", "&#39;")[:40] in html


def test_unknown_iris_answer_404(curated_site: LiveServer) -> None:
    page = get(curated_site, "/id/actor/no-such-actor")
    assert page.status_code == 404 and page.headers["Content-Type"].startswith("text/html")
    assert f"{BASE}id/actor/no-such-actor" in page.text and 'href="/query?query=' in page.text
    for accept in ("text/turtle", "application/ld+json"):
        plain = get(curated_site, "/id/actor/no-such-actor", accept)
        assert plain.status_code == 404 and plain.headers["Content-Type"].startswith("text/plain")
    assert get(curated_site, "/id/actor/no-such-actor.ttl", "text/turtle").status_code == 404
    for path in ("/id/a%20b", "/id/a%3Eb", "/id/a%22b", "/graph/x%3Cy"):  # not IRIs at all
        assert get(curated_site, path).status_code == 404, path
        assert get(curated_site, path, "text/turtle").status_code == 404, path
    assert get(curated_site, "/graph/no-such-graph").status_code == 404


def test_named_graph_iris_dereference(curated_site: LiveServer) -> None:
    page = get(curated_site, "/graph/data")
    assert page.status_code == 200 and 'id="graph-triples"' in page.text
    r = get(curated_site, "/graph/data", "text/turtle", allow_redirects=False)
    assert r.status_code == 303 and "/store?graph=" in r.headers["Location"]


# ---- ontology ----------------------------------------------------------------------------

def test_ontology_page_documents_every_term_in_both_languages(curated_site: LiveServer) -> None:
    html = get(curated_site, "/ontology", headers={"Accept-Language": "en"}).text
    ontology = Graph().parse(PROJECT_ROOT / "ontology/coopgraph.ttl")
    cg = Namespace(BASE + "ontology#")
    terms = {s for s in ontology.subjects(RDF.type, None)
             if isinstance(s, URIRef) and str(s).startswith(str(cg))
             and (s, RDFS.label, None) in ontology}
    assert len(terms) > 20
    for term in terms:
        anchor = str(term).split("#", 1)[1]
        assert f'id="{anchor}"' in html, anchor
    # labels in both languages, domain/range and the shapes that constrain a term
    labels = {lit.language: str(lit) for lit in ontology.objects(cg.LocalGovernment, RDFS.label)}
    assert set(labels) == {"fr", "en"}
    for label in labels.values():
        assert str(escape(label)) in html
    actor = html.split('id="Partnership"', 1)[1].split('class="term"', 1)[0]
    assert "SHACL" in actor or "Shapes" in html
    assert 'id="diagram"' in html
    r = get(curated_site, "/ontology", "text/turtle", allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"].endswith("/ontology.ttl")
    graph = Graph().parse(data=get(curated_site, "/ontology.ttl", "text/turtle").text,
                          format="turtle")
    assert (cg.Territory, RDFS.label, Literal("territory", lang="en")) in graph


# ---- the examples as RDF, the workbench, /sparql for browsers -----------------------------

def test_examples_published_as_shacl_executables(curated_site: LiveServer) -> None:
    r = get(curated_site, "/.well-known/sparql-examples", "text/turtle")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=r.text, format="turtle")
    examples = load_examples()
    nodes = set(graph.subjects(RDF.type, SH.SPARQLExecutable))
    assert len(nodes) == len(examples) == 12
    for node in nodes:
        assert (node, SH.select, None) in graph or (node, SH.construct, None) in graph
        assert (node, SCHEMA.target, URIRef(curated_site.url + "/sparql")) in graph
        langs = {c.language for c in graph.objects(node, RDFS.comment)}
        assert langs == {"fr", "en"}
    texts = {str(q) for p in (SH.select, SH.construct) for q in graph.objects(None, p)}
    assert texts == {e.text for e in examples}
    jsonld = get(curated_site, "/.well-known/sparql-examples", "application/ld+json")
    assert jsonld.headers["Content-Type"].startswith("application/ld+json")
    assert len(set(Graph().parse(data=jsonld.text, format="json-ld")
                   .subjects(RDF.type, SH.SPARQLExecutable))) == 12


def test_service_description_links_the_examples(curated_site: LiveServer) -> None:
    r = get(curated_site, "/sparql", "text/turtle")
    graph = Graph().parse(data=r.text, format="turtle")
    examples = URIRef(curated_site.url + "/.well-known/sparql-examples")
    assert (None, RDFS.seeAlso, examples) in graph


def test_workbench_lists_the_examples_in_the_page_language(curated_site: LiveServer) -> None:
    examples = load_examples()
    for lang in ("fr", "en"):
        html = get(curated_site, "/query", headers={"Accept-Language": lang}).text
        for example in examples:
            assert f'data-name="{example.name}"' in html
            assert str(escape(example.title[lang])) in html
        # every script and stylesheet is served by this server
        for url in re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html):
            assert url.startswith("/static/"), url
            assert requests.get(curated_site.url + url, timeout=30).status_code == 200


def test_sparql_in_a_browser_leads_to_the_workbench(curated_site: LiveServer) -> None:
    r = get(curated_site, "/sparql", allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"].endswith("/query")
    assert get(curated_site, "/sparql", "text/turtle").headers["Content-Type"].startswith(
        "text/turtle")


def test_vendored_assets_carry_their_licences() -> None:
    vendor = Path(__file__).parents[1] / "server/coopgraph/web/static/vendor"
    for package in ("yasgui", "leaflet", "world-atlas", "topojson-client", "cytoscape",
                    "iso-codes"):
        assert (vendor / package / "LICENSE").is_file(), package
