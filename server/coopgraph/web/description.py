"""Self-description: the SPARQL 1.1 Service Description and the VoID description.

Both are small graphs built with pyoxigraph terms and serialised by pyoxigraph in the
negotiated RDF syntax. The VoID statistics are computed by :func:`coopgraph.stats.void`
through the executor (a query worker, the query time limit) and cached per store version,
since they scan the whole dataset.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request

from .. import namespaces
from .. import stats as statistics
from ..namespaces import CG, IGEO, PREFIXES
from ..stats import LINK_TARGETS, VoidStats
from ..store import RDF_FORMATS
from .negotiation import content_type, negotiate
from .service import service

bp = Blueprint("description", __name__)

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = str(namespaces.VOID)
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DCTERMS = str(namespaces.DCTERMS)
SKOS_EXACT = "http://www.w3.org/2004/02/skos/core#exactMatch"
FORMATS_NS = "http://www.w3.org/ns/formats/"
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")

#: result formats advertised (w3.org/ns/formats names).
RESULT_FORMAT_IRIS = [
    "SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
    "Turtle", "N-Triples", "JSON-LD", "RDF_XML", "TriG", "N-Quads",
]

#: The INSEE codes are literals: a linkset described by its predicate.
INSEE_SPACE = "http://rdf.insee.fr/geo/"


_PREFIXES_USED = ("rdf", "rdfs", "xsd", "void", "dcterms", "skos", "cg", "igeo", "owl", "org",
                  "schema", "prov", "foaf")


def N(iri: str) -> ox.NamedNode:  # noqa: N802 - short constructor, reads like Turtle
    """A named node."""
    return ox.NamedNode(iri)


def _int(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=XSD_INTEGER)


def _endpoint_url() -> str:
    return request.url_root + "sparql"


def _render(triples: list[ox.Triple]) -> Response:
    media_type = negotiate("rdf")
    if media_type in ("application/trig", "application/n-quads"):
        data = ox.serialize([ox.Quad(t.subject, t.predicate, t.object) for t in triples],
                            format=RDF_FORMATS[media_type])
    else:
        prefixes = {p: PREFIXES[p] for p in _PREFIXES_USED} | {"sd": SD, "formats": FORMATS_NS}
        kwargs = {"prefixes": prefixes} if media_type in ("text/turtle",
                                                           "application/rdf+xml") else {}
        data = ox.serialize(triples, format=RDF_FORMATS[media_type], **kwargs)
    response = Response(data, content_type=content_type(media_type))
    response.headers["Vary"] = "Accept"
    return response


def service_description() -> Response:
    """The sd:Service of this endpoint, with its default dataset."""
    config = current_app.config
    store = service().store
    endpoint = N(_endpoint_url())
    svc = ox.BlankNode()
    triples = [
        ox.Triple(svc, RDF_TYPE, N(SD + "Service")),
        ox.Triple(svc, N(SD + "endpoint"), endpoint),
        ox.Triple(svc, N(SD + "supportedLanguage"), N(SD + "SPARQL11Query")),
        ox.Triple(svc, N(SD + "supportedLanguage"), N(SD + "SPARQL11Update")),
        ox.Triple(svc, N(DCTERMS + "title"), ox.Literal("coopgraph SPARQL endpoint")),
        # the example queries as SHACL executables (web/examples_rdf.py), as other tools find them
        ox.Triple(svc, N("http://www.w3.org/2000/01/rdf-schema#seeAlso"),
                  N(request.url_root + ".well-known/sparql-examples")),
    ]
    triples += [ox.Triple(svc, N(SD + "resultFormat"), N(FORMATS_NS + f))
                for f in RESULT_FORMAT_IRIS]
    if config.get("UNION_DEFAULT_GRAPH"):
        triples.append(ox.Triple(svc, N(SD + "feature"), N(SD + "UnionDefaultGraph")))
    if config.get("SERVICE_ALLOWLIST"):
        triples.append(ox.Triple(svc, N(SD + "feature"), N(SD + "BasicFederatedQuery")))
    dataset = ox.BlankNode()
    triples += [
        ox.Triple(svc, N(SD + "defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, N(SD + "Dataset")),
    ]
    default = ox.BlankNode()
    triples += [
        ox.Triple(dataset, N(SD + "defaultGraph"), default),
        ox.Triple(default, RDF_TYPE, N(SD + "Graph")),
    ]
    total = 0
    for graph in store.named_graphs():
        count = store.count(graph)
        total += count
        named, described = ox.BlankNode(), ox.BlankNode()
        triples += [
            ox.Triple(dataset, N(SD + "namedGraph"), named),
            ox.Triple(named, RDF_TYPE, N(SD + "NamedGraph")),
            ox.Triple(named, N(SD + "name"), N(graph)),
            ox.Triple(named, N(SD + "graph"), described),
            ox.Triple(described, RDF_TYPE, N(SD + "Graph")),
            ox.Triple(described, N(VOID + "triples"), _int(count)),
        ]
    default_count = store.count("") + (total if config.get("UNION_DEFAULT_GRAPH") else 0)
    triples.append(ox.Triple(default, N(VOID + "triples"), _int(default_count)))
    return _render(triples)


def void_stats() -> VoidStats:
    """The statistics for the current store version (computed at most once per version)."""
    svc = service()
    with svc.cache_lock:
        cached = svc.cache.get("void")
        if cached and cached[0] == svc.version:
            return cached[1]
        version = svc.version
        stats = statistics.void(svc.executor)
        svc.cache["void"] = (version, stats)
        return stats


def dataset_iri(name: str = "coopgraph") -> str:
    """A dataset's IRI: ``<base>id/dataset/{name}`` (ours is ``coopgraph``)."""
    return f"{current_app.config['BASE']}id/dataset/{name}"


def linkset_iri(name: str) -> str:
    """A linkset's IRI: ``<base>id/linkset/{name}``."""
    return f"{current_app.config['BASE']}id/linkset/{name}"


def void_triples(stats: VoidStats) -> list[ox.Triple]:
    """The VoID description as triples."""
    base = current_app.config["BASE"]
    ds = N(dataset_iri())
    v = VOID
    triples = [
        ox.Triple(ds, RDF_TYPE, N(v + "Dataset")),
        ox.Triple(ds, N(DCTERMS + "title"), ox.Literal(
            "coopgraph: international action of local governments", language="en")),
        ox.Triple(ds, N(v + "sparqlEndpoint"), N(_endpoint_url())),
        ox.Triple(ds, N(v + "uriSpace"), ox.Literal(base + "id/")),
        ox.Triple(ds, N(v + "vocabulary"), N(str(CG))),
        ox.Triple(ds, N(v + "triples"), _int(stats.triples)),
        ox.Triple(ds, N(v + "entities"), _int(stats.entities)),
        ox.Triple(ds, N(v + "classes"), _int(stats.classes)),
        ox.Triple(ds, N(v + "properties"), _int(stats.properties)),
        ox.Triple(ds, N(v + "distinctSubjects"), _int(stats.distinct_subjects)),
        ox.Triple(ds, N(v + "distinctObjects"), _int(stats.distinct_objects)),
    ]
    for fmt in ("Turtle", "N-Triples", "JSON-LD", "RDF_XML", "TriG", "N-Quads"):
        triples.append(ox.Triple(ds, N(v + "feature"), N(FORMATS_NS + fmt)))
    for cls, entities in stats.class_partitions:
        part = ox.BlankNode()
        triples += [
            ox.Triple(ds, N(v + "classPartition"), part),
            ox.Triple(part, N(v + "class"), N(cls)),
            ox.Triple(part, N(v + "entities"), _int(entities)),
        ]
    for prop, count in stats.property_partitions:
        part = ox.BlankNode()
        triples += [
            ox.Triple(ds, N(v + "propertyPartition"), part),
            ox.Triple(part, N(v + "property"), N(prop)),
            ox.Triple(part, N(v + "triples"), _int(count)),
        ]
    for graph, count in stats.graphs:
        subset = (N(dataset_iri() + "/" + graph[len(base):]) if graph.startswith(base)
                  else ox.BlankNode())
        triples += [
            ox.Triple(ds, N(v + "subset"), subset),
            ox.Triple(subset, RDF_TYPE, N(v + "Dataset")),
            ox.Triple(subset, RDF_TYPE, N(SD + "NamedGraph")),
            ox.Triple(subset, N(SD + "name"), N(graph)),
            ox.Triple(subset, N(v + "triples"), _int(count)),
            ox.Triple(subset, N(v + "sparqlEndpoint"), N(_endpoint_url())),
        ]
    for name, (count, predicates) in stats.linksets.items():
        target = N(dataset_iri(name))
        linkset = N(linkset_iri(name))
        triples += [
            ox.Triple(ds, N(v + "subset"), linkset),
            ox.Triple(linkset, RDF_TYPE, N(v + "Linkset")),
            ox.Triple(linkset, N(v + "subjectsTarget"), ds),
            ox.Triple(linkset, N(v + "objectsTarget"), target),
            ox.Triple(linkset, N(v + "target"), ds),
            ox.Triple(linkset, N(v + "target"), target),
            ox.Triple(linkset, N(v + "triples"), _int(count)),
            ox.Triple(target, RDF_TYPE, N(v + "Dataset")),
            ox.Triple(target, N(v + "uriSpace"), ox.Literal(LINK_TARGETS[name])),
        ]
        for predicate in predicates or [SKOS_EXACT]:
            triples.append(ox.Triple(linkset, N(v + "linkPredicate"), N(predicate)))
    insee, insee_dataset = N(linkset_iri("insee")), N(dataset_iri("insee"))
    triples += [
        ox.Triple(ds, N(v + "subset"), insee),
        ox.Triple(insee, RDF_TYPE, N(v + "Linkset")),
        ox.Triple(insee, N(v + "subjectsTarget"), ds),
        ox.Triple(insee, N(v + "objectsTarget"), insee_dataset),
        ox.Triple(insee, N(v + "target"), ds),
        ox.Triple(insee, N(v + "target"), insee_dataset),
        ox.Triple(insee, N(v + "linkPredicate"), N(f"{IGEO}codeINSEE")),
        ox.Triple(insee, N(v + "triples"), _int(stats.insee_links)),
        ox.Triple(insee_dataset, RDF_TYPE, N(v + "Dataset")),
        ox.Triple(insee_dataset, N(v + "uriSpace"), ox.Literal(INSEE_SPACE)),
        ox.Triple(insee_dataset, N(DCTERMS + "title"),
                  ox.Literal("INSEE, Code officiel géographique", language="fr")),
    ]
    return triples


@bp.route("/.well-known/void", methods=["GET"])
def void() -> Response:
    """The VoID description of the whole dataset."""
    return _render(void_triples(void_stats()))
