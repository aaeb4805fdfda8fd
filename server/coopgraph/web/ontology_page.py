"""``/ontology``: the ontology documented from the ontology and shapes graphs of the store.

Generated from the store (so it always matches the build being served; cached per store
version): every class and
property of ``cg:`` with its labels and definitions in both languages, domain and range, the
SHACL shapes that constrain it, and a diagram of the classes (cytoscape). The ontology IRIs
``<base>ontology#Term`` are anchors of this page. Machines get the ontology graph by 303 to
``/ontology.ttl`` (or ``.jsonld``, ``.nt``, ``.rdf``), as for resource IRIs.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template
from werkzeug.wrappers import Response as WerkzeugResponse

from . import reads
from .i18n import lang, pick
from .labels import fetch_labels, label, local_href
from .resources import MEDIA_SUFFIX, SUFFIXES, rdf_choice, wants_html

bp = Blueprint("ontology_page", __name__)

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "http://schema.org/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
KINDS = {OWL + "Class": "classes", OWL + "ObjectProperty": "object_properties",
         OWL + "DatatypeProperty": "datatype_properties", RDFS + "Datatype": "datatypes"}
DOMAIN = (RDFS + "domain", SCHEMA + "domainIncludes")
RANGE = (RDFS + "range", SCHEMA + "rangeIncludes")


def _graph(kind: str) -> str:
    return f"{current_app.config['BASE']}graph/{kind}"


def terms() -> dict[str, dict[str, Any]]:
    """``{iri: {"kind", "label": {lang}, "definition": {lang}, "domain", "range", …}}``."""
    cg = current_app.config["BASE"] + "ontology#"
    rows = reads.select(
        f"SELECT ?s ?p ?o WHERE {{ GRAPH {reads.iri(_graph('ontology'))} {{ ?s ?p ?o }} "
        f'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{cg}")) }}')
    found: dict[str, dict[str, Any]] = defaultdict(lambda: {
        "kind": None, "label": {}, "definition": {}, "domain": [], "range": [],
        "parents": [], "shapes": []})
    for r in rows:
        s, p, o = r["s"]["value"], r["p"]["value"], r["o"]
        term = found[s]
        if p == RDF_TYPE and o["value"] in KINDS:
            term["kind"] = KINDS[o["value"]]
        elif p == RDFS + "label":
            term["label"][o.get("xml:lang", "")] = o["value"]
        elif p in (SKOS + "definition", RDFS + "comment"):
            term["definition"].setdefault(o.get("xml:lang", ""), o["value"])
        elif p in DOMAIN and o["type"] == "uri":
            term["domain"].append(o["value"])
        elif p in RANGE and o["type"] == "uri":
            term["range"].append(o["value"])
        elif p in (RDFS + "subClassOf", RDFS + "subPropertyOf") and o["type"] == "uri":
            term["parents"].append(o["value"])
    return {iri: term for iri, term in found.items() if term["kind"]}


def shapes() -> list[dict[str, Any]]:
    """Each shape with its path, target class and message (both languages)."""
    rows = reads.select(
        "PREFIX sh: <http://www.w3.org/ns/shacl#> "
        f"SELECT ?shape ?path ?target ?msg WHERE {{ GRAPH {reads.iri(_graph('shapes'))} {{ "
        "?shape a ?k FILTER(?k IN (sh:NodeShape, sh:PropertyShape) && isIRI(?shape)) "
        "OPTIONAL { { ?shape sh:path ?path } UNION { ?shape sh:property/sh:path ?path } "
        "FILTER(isIRI(?path)) } "
        "OPTIONAL { ?shape sh:targetClass ?target } OPTIONAL { ?shape sh:message ?msg } } }")
    found: dict[str, dict[str, Any]] = {}
    for r in rows:
        shape = found.setdefault(r["shape"]["value"], {"iri": r["shape"]["value"],
                                                        "paths": set(), "targets": set(),
                                                        "message": {}})
        if "path" in r:
            shape["paths"].add(r["path"]["value"])
        if "target" in r:
            shape["targets"].add(r["target"]["value"])
        if "msg" in r:
            shape["message"][r["msg"].get("xml:lang", "")] = r["msg"]["value"]
    return list(found.values())


def page_data() -> dict[str, Any]:
    """The terms grouped by kind, with readable names, and the diagram's elements."""
    all_terms = terms()
    for shape in shapes():
        for iri in shape["paths"] | shape["targets"]:
            if iri in all_terms:
                all_terms[iri]["shapes"].append(shape)
    mentioned = set(all_terms)
    for term in all_terms.values():
        mentioned |= set(term["domain"]) | set(term["range"]) | set(term["parents"])
    labels = fetch_labels(mentioned, limit=2000)

    def link(iri: str) -> dict[str, str]:
        return {"href": local_href(iri), "text": label(iri, labels), "iri": iri}

    groups: dict[str, list[dict[str, Any]]] = {k: [] for k in KINDS.values()}
    for iri, term in sorted(all_terms.items(), key=lambda kv: kv[0].lower()):
        groups[term["kind"]].append({
            "anchor": iri.split("#", 1)[1], "iri": iri,
            "label": pick(term["label"], iri.split("#", 1)[1]),
            "labels": term["label"], "definitions": term["definition"],
            "domain": [link(i) for i in term["domain"]],
            "range": [link(i) for i in term["range"]],
            "parents": [link(i) for i in term["parents"]],
            "shapes": [{"name": s["iri"].rsplit("#", 1)[-1], "iri": s["iri"],
                        "message": pick(s["message"])} for s in term["shapes"]],
        })
    nodes = [{"data": {"id": c["iri"], "label": c["label"]}} for c in groups["classes"]]
    ids = {c["iri"] for c in groups["classes"]}
    edges = []
    for c in groups["classes"]:
        for parent in c["parents"]:
            if parent["iri"] in ids:
                edges.append({"data": {"source": c["iri"], "target": parent["iri"],
                                       "label": "⊑", "kind": "sub"}})
    for p in groups["object_properties"]:
        for d in p["domain"]:
            for r in p["range"]:
                if d["iri"] in ids and r["iri"] in ids:
                    edges.append({"data": {"source": d["iri"], "target": r["iri"],
                                           "label": p["label"], "kind": "prop"}})
    return {"groups": groups, "diagram": {"nodes": nodes, "edges": edges}}


@bp.route("/ontology", methods=["GET", "HEAD"])
def ontology() -> WerkzeugResponse:
    """The documentation page, or 303 to the ontology graph in RDF."""
    if not wants_html():
        response = redirect("/ontology" + MEDIA_SUFFIX[rdf_choice()], code=303)
        response.headers["Vary"] = "Accept"
        return response
    body = render_template("ontology.html", **reads.cached("ontology:" + lang(), page_data))
    return Response(body, content_type="text/html; charset=utf-8", headers={"Vary": "Accept"})


@bp.route("/ontology<any('.ttl', '.jsonld', '.nt', '.rdf'):suffix>", methods=["GET", "HEAD"])
def ontology_document(suffix: str) -> Response:
    """The ontology graph in one RDF syntax."""
    media_type = SUFFIXES[suffix]
    data = reads.construct(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {reads.iri(_graph('ontology'))} "
        "{ ?s ?p ?o } }", media_type)
    charset = "; charset=utf-8" if media_type.startswith("text/") else ""
    return Response(data, content_type=media_type + charset)
