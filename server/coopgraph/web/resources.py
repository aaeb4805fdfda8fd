"""Resource pages: every IRI under our base dereferences on this server.

The base is ``app.config["BASE"]`` (https://w3id.org/coopgraph/ by default) but the server
answers at its own host: the request path ``/id/actor/cd93`` stands for ``<BASE>id/actor/cd93``.

Convention (docs/web.md): the IRI itself answers people (HTML, 200) and sends machines, by
**303 See Other**, to a document of the same path with a syntax suffix — ``.ttl`` (Turtle),
``.jsonld`` (JSON-LD), ``.nt`` (N-Triples), ``.rdf`` (RDF/XML) — which answers 200. Named
graph IRIs (``/graph/...``) send machines to the Graph Store Protocol (``/store?graph=``).
Unknown IRIs answer 404 (an HTML page for browsers, plain text otherwise). Every read goes
through :mod:`.reads`, so the executor's limits apply.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, current_app, redirect, render_template, request
from werkzeug.wrappers import Response as WerkzeugResponse

from ..config import Sources
from . import reads
from .i18n import pick
from .labels import fetch_labels, label, local_href, short
from .negotiation import accept_without_parameters

bp = Blueprint("resources", __name__)

#: document suffix → media type.
SUFFIXES = {
    ".ttl": "text/turtle",
    ".jsonld": "application/ld+json",
    ".nt": "application/n-triples",
    ".rdf": "application/rdf+xml",
}
MEDIA_SUFFIX = {media: suffix for suffix, media in SUFFIXES.items()}
HTML = "text/html"

SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DESCRIPTIONS = ("http://purl.org/dc/terms/description", SKOS + "definition", RDFS + "comment")
LABELS = (SKOS + "prefLabel", RDFS + "label")
EXTERNAL = {
    "www.wikidata.org": "Wikidata", "sws.geonames.org": "GeoNames", "ror.org": "ROR",
    "metadata.un.org": "UN SDG", "rdf.insee.fr": "INSEE", "id.insee.fr": "INSEE",
}
INSEE_CODE = "http://rdf.insee.fr/def/geo#codeINSEE"
DOCUMENT_FILE = re.compile(r"^[\w.-]+\.txt$")


def wants_html() -> bool:
    """HTML unless the client prefers one of the RDF syntaxes (``*/*`` and browsers: HTML)."""
    accept = accept_without_parameters()
    if not accept:
        return True
    return accept.best_match([HTML, *MEDIA_SUFFIX]) in (HTML, None)


def rdf_choice() -> str:
    """The RDF syntax the client prefers (Turtle when it does not say)."""
    return accept_without_parameters().best_match(list(MEDIA_SUFFIX)) or "text/turtle"


def exists(iri: str) -> bool:
    """Does the graph say anything about ``iri`` (as subject or object)?

    A path that cannot be an IRI (a space, ``<``, ``>``…) names nothing: False.
    """
    try:
        ref = reads.iri(iri)
    except ValueError:
        return False
    return bool(reads.select(
        f"SELECT ?x WHERE {{ {{ {ref} ?p ?x }} UNION {{ ?x ?p {ref} }} }} LIMIT 1"))


def describe(iri: str, media_type: str) -> bytes:
    """The resource's statements, and those of its blank nodes and of its evidence (the
    source document and verbatim excerpt of each fact: citable IRIs), in one syntax."""
    ref = reads.iri(iri)
    evidence = reads.iri(current_app.config["BASE"] + "ontology#evidence")
    return reads.construct(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ "
        f"{{ BIND({ref} AS ?s) {ref} ?p ?o }} UNION "
        f"{{ {ref} ?q ?s FILTER(isBlank(?s)) ?s ?p ?o }} UNION "
        f"{{ {ref} {evidence} ?s . ?s ?p ?o }} }} }}", media_type)


def not_found(iri: str) -> Response:
    """404: a helpful page for people, plain text for programs."""
    if wants_html():
        body = render_template("not_found.html", iri=iri,
                               query=f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}")
        return Response(body, status=404, content_type="text/html; charset=utf-8")
    return Response(f"404 Not Found: the graph says nothing about <{iri}>\n", status=404,
                    content_type="text/plain; charset=utf-8")


def _rdf_response(iri: str, media_type: str) -> Response:
    response = Response(describe(iri, media_type),
                        content_type=media_type + ("; charset=utf-8"
                                                   if media_type.startswith("text/")
                                                   or media_type.endswith("n-triples") else ""))
    response.headers["Link"] = f'<{iri}>; rel="describes"'
    return response


@bp.route("/id/<path:rest>", methods=["GET", "HEAD"])
def resource(rest: str) -> WerkzeugResponse:
    """An entity IRI (HTML or 303), or one of its RDF documents (``.ttl`` …)."""
    base = current_app.config["BASE"]
    for suffix, media_type in SUFFIXES.items():
        if rest.endswith(suffix):
            iri = base + "id/" + rest[: -len(suffix)]
            if not exists(iri):
                return not_found(iri)
            return _rdf_response(iri, media_type)
    iri = base + "id/" + rest
    if not exists(iri):
        return not_found(iri)
    if not wants_html():
        response = redirect(request.path + MEDIA_SUFFIX[rdf_choice()], code=303)
        response.headers["Vary"] = "Accept"
        return response
    response = Response(render_template("resource.html", **page_data(iri)),
                        content_type="text/html; charset=utf-8")
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = ", ".join(
        f'<{request.path}{suffix}>; rel="alternate"; type="{media}"'
        for suffix, media in SUFFIXES.items())
    return response


@bp.route("/graph/<path:rest>", methods=["GET", "HEAD"])
def named_graph(rest: str) -> WerkzeugResponse:
    """A named graph IRI: a page with its size and classes, or 303 to the Graph Store."""
    iri = current_app.config["BASE"] + "graph/" + rest
    try:
        ref = reads.iri(iri)
    except ValueError:
        return not_found(iri)
    count = reads.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {ref} {{ ?s ?p ?o }} }}")
    triples = int(count[0]["n"]["value"]) if count else 0
    if not triples:
        return not_found(iri)
    if not wants_html():
        response = redirect("/store?graph=" + quote(iri, safe=""), code=303)
        response.headers["Vary"] = "Accept"
        return response
    rows = reads.select(
        f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH {ref} {{ ?s a ?c }} }} "
        "GROUP BY ?c ORDER BY DESC(?n) LIMIT 50")
    labels = fetch_labels(r["c"]["value"] for r in rows)
    classes = [(local_href(r["c"]["value"]), label(r["c"]["value"], labels),
                int(r["n"]["value"])) for r in rows]
    body = render_template("graph.html", iri=iri, triples=triples, classes=classes,
                           store_url="/store?graph=" + quote(iri, safe=""))
    return Response(body, content_type="text/html; charset=utf-8",
                    headers={"Vary": "Accept"})


def _term(binding: dict[str, str], labels: dict[str, dict[str, str]]) -> dict[str, Any]:
    """A value for the template: text, link, language tag, datatype."""
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return {"kind": "iri", "text": label(value, labels), "href": local_href(value),
                "iri": value}
    if kind == "bnode":
        return {"kind": "bnode", "text": "_:" + value}
    datatype = binding.get("datatype", "")
    return {"kind": "literal", "text": value, "lang": binding.get("xml:lang", ""),
            "datatype": short(datatype) if datatype else ""}


def page_data(iri: str) -> dict[str, object]:
    """Everything the resource page shows, read in a few queries."""
    base = current_app.config["BASE"]
    ref = reads.iri(iri)
    inferred_graph = base + "graph/inferred"
    rows = reads.select(f"SELECT ?p ?o ?g WHERE {{ GRAPH ?g {{ {ref} ?p ?o }} }}")
    evidence = reads.select(
        "PREFIX prov: <http://www.w3.org/ns/prov#> "
        f"PREFIX cg: <{base}ontology#> "
        f"SELECT ?doc ?excerpt WHERE {{ {ref} cg:evidence ?e . ?e prov:entity ?doc . "
        "OPTIONAL { ?e cg:excerpt ?excerpt } } ORDER BY ?doc")
    inbound = reads.select(
        f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p {ref} FILTER(isIRI(?s)) }} "
        "ORDER BY ?p ?s LIMIT 300")
    places = reads.select(
        f"PREFIX cg: <{base}ontology#> SELECT DISTINCT ?code WHERE {{ "
        f"{ref} cg:country? ?c . ?c cg:iso3166Alpha3 ?code }}")
    iris = {iri} | {r["p"]["value"] for r in rows} | {r["p"]["value"] for r in inbound}
    iris |= {r["o"]["value"] for r in rows if r["o"]["type"] == "uri"}
    iris |= {r["s"]["value"] for r in inbound} | {r["doc"]["value"] for r in evidence}
    labels = fetch_labels(iris)

    graphs: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        key = (r["p"]["value"], r["o"]["value"] + "|" + r["o"].get("xml:lang", ""))
        graphs.setdefault(key, set()).add(r["g"]["value"])
    properties: OrderedDict[str, dict[str, Any]] = OrderedDict()
    seen: set[tuple[str, str]] = set()
    for r in sorted(rows, key=lambda r: (r["p"]["value"] != RDF_TYPE,
                                        label(r["p"]["value"], labels).lower())):
        p, o = r["p"]["value"], r["o"]
        key = (p, o["value"] + "|" + o.get("xml:lang", ""))
        if key in seen:
            continue
        seen.add(key)
        entry = properties.setdefault(p, {"iri": p, "label": label(p, labels),
                                          "href": local_href(p), "values": []})
        term = _term(o, labels)
        term["inferred"] = graphs[key] == {inferred_graph}
        entry["values"].append(term)

    types = [_term(r["o"], labels) for r in rows
             if r["p"]["value"] == RDF_TYPE and r["g"]["value"] != inferred_graph]
    description = _in_language([r["o"] for r in rows if r["p"]["value"] in DESCRIPTIONS])
    title = pick(labels.get(iri), short(iri))
    external = []
    for r in rows:
        o = r["o"]
        if o["type"] == "uri" and not o["value"].startswith(base):
            host = o["value"].split("/")[2] if o["value"].count("/") >= 2 else ""
            if host in EXTERNAL or r["p"]["value"].endswith(("exactMatch", "sameAs",
                                                           "closeMatch", "homepage")):
                name = EXTERNAL.get(host, host)
                if (name, o["value"]) not in external:
                    external.append((name, o["value"]))
        elif r["p"]["value"] == INSEE_CODE and ("INSEE", o["value"]) not in external:
            external.append(("INSEE", o["value"]))  # a code (a literal), not a link
    sources: OrderedDict[str, dict[str, Any]] = OrderedDict()
    for r in evidence:
        doc = r["doc"]["value"]
        entry = sources.setdefault(doc, {"href": local_href(doc), "label": label(doc, labels),
                                         "excerpts": []})
        if "excerpt" in r and r["excerpt"]["value"] not in entry["excerpts"]:
            entry["excerpts"].append(r["excerpt"]["value"])
    referenced = [{"s": _term(r["s"], labels), "p": _term(r["p"], labels)} for r in inbound]
    return {
        "iri": iri, "title": title, "types": types, "description": description,
        "properties": list(properties.values()), "sources": list(sources.values()),
        "referenced": referenced, "external": external,
        "countries": sorted({r["code"]["value"] for r in places}),
        "document_text": document_text(iri, rows),
        "formats": [(suffix, media) for suffix, media in SUFFIXES.items()],
        "path": local_href(iri),
    }


def _in_language(literals: list[dict[str, str]]) -> str:
    by_lang: dict[str, str] = {}
    for literal in literals:
        by_lang.setdefault(literal.get("xml:lang", ""), literal["value"])
    return pick(by_lang)


def document_text(iri: str, rows: list[dict[str, dict[str, str]]]) -> str | None:
    """The text of a source document (``data/sources/<dcterms:identifier>``), if it is one."""
    base = current_app.config["BASE"]
    if not iri.startswith(base + "id/document/"):
        return None
    folder = Path(Sources().data) / "sources"
    for r in rows:
        if r["p"]["value"] == "http://purl.org/dc/terms/identifier":
            name = r["o"]["value"]
            path = folder / name
            if DOCUMENT_FILE.match(name) and path.is_file():
                return path.read_text(encoding="utf-8")
    return None

