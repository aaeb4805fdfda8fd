"""Self-description: the SPARQL 1.1 Service Description and the VoID description.

Both are small lists of rdflib triples (no engine's terms: the web layer stays above the
store interface), written in the negotiated RDF syntax by :func:`.negotiation.rdf_response`.
The VoID statistics are computed by :func:`coopgraph.stats.void` through the executor (a
query worker, the query time limit) and cached per store version, since they scan the whole
dataset; so is the VoID document in each syntax (the home page fetches it on every view).
Blank nodes are labelled in order (``_:b0``, ``_:b1``…), so a document reads the same every
time it is written.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

from flask import Blueprint, Response, current_app, request
from rdflib import RDF, BNode, Literal, URIRef

from .. import namespaces
from .. import stats as statistics
from ..namespaces import CG, IGEO, PREFIXES
from ..rdfio import RdfTriple, serialize_triples
from ..stats import LINK_TARGETS, VoidStats
from .negotiation import negotiate, rdf_document, rdf_response
from .service import service

bp = Blueprint("description", __name__)

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = str(namespaces.VOID)
RDF_TYPE = RDF.type
DCTERMS = str(namespaces.DCTERMS)
SKOS_EXACT = "http://www.w3.org/2004/02/skos/core#exactMatch"
FORMATS_NS = "http://www.w3.org/ns/formats/"

#: result formats advertised (w3.org/ns/formats names).
RESULT_FORMAT_IRIS = [
    "SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
    "Turtle", "N-Triples", "JSON-LD", "RDF_XML", "TriG", "N-Quads",
]

#: The INSEE codes are literals: a linkset described by its predicate.
INSEE_SPACE = "http://rdf.insee.fr/geo/"


_PREFIXES_USED = ("rdf", "rdfs", "xsd", "void", "dcterms", "skos", "cg", "igeo", "owl", "org",
                  "schema", "prov", "foaf")
#: the prefixes of the Turtle, TriG and RDF/XML documents.
DOCUMENT_PREFIXES = {p: PREFIXES[p] for p in _PREFIXES_USED} | {"sd": SD, "formats": FORMATS_NS}


def N(iri: str) -> URIRef:  # noqa: N802 - short constructor, reads like Turtle
    """A named node."""
    return URIRef(iri)


def _int(n: int) -> Literal:
    """An xsd:integer (from the Python int: rdflib parses a lexical form twice as slowly)."""
    return Literal(int(n))


def _blank_nodes() -> Iterator[BNode]:
    """Blank nodes for one document: ``_:b0``, ``_:b1``…"""
    return (BNode(f"b{n}") for n in itertools.count())


def _endpoint_url() -> str:
    return request.url_root + "sparql"


def service_description() -> Response:
    """The sd:Service of this endpoint, with its default dataset."""
    config = current_app.config
    store = service().store
    endpoint = N(_endpoint_url())
    blank = _blank_nodes()
    svc = next(blank)
    triples: list[RdfTriple] = [
        (svc, RDF_TYPE, N(SD + "Service")),
        (svc, N(SD + "endpoint"), endpoint),
        (svc, N(SD + "supportedLanguage"), N(SD + "SPARQL11Query")),
        (svc, N(SD + "supportedLanguage"), N(SD + "SPARQL11Update")),
        (svc, N(DCTERMS + "title"), Literal("coopgraph SPARQL endpoint")),
        # the example queries as SHACL executables (web/examples_rdf.py), as other tools find them
        (svc, N("http://www.w3.org/2000/01/rdf-schema#seeAlso"),
         N(request.url_root + ".well-known/sparql-examples")),
    ]
    triples += [(svc, N(SD + "resultFormat"), N(FORMATS_NS + f))
                for f in RESULT_FORMAT_IRIS]
    if config.get("UNION_DEFAULT_GRAPH"):
        triples.append((svc, N(SD + "feature"), N(SD + "UnionDefaultGraph")))
    if config.get("SERVICE_ALLOWLIST"):
        triples.append((svc, N(SD + "feature"), N(SD + "BasicFederatedQuery")))
    dataset = next(blank)
    triples += [
        (svc, N(SD + "defaultDataset"), dataset),
        (dataset, RDF_TYPE, N(SD + "Dataset")),
    ]
    default = next(blank)
    triples += [
        (dataset, N(SD + "defaultGraph"), default),
        (default, RDF_TYPE, N(SD + "Graph")),
    ]
    total = 0
    for graph in store.named_graphs():
        count = store.count(graph)
        total += count
        named, described = next(blank), next(blank)
        triples += [
            (dataset, N(SD + "namedGraph"), named),
            (named, RDF_TYPE, N(SD + "NamedGraph")),
            (named, N(SD + "name"), N(graph)),
            (named, N(SD + "graph"), described),
            (described, RDF_TYPE, N(SD + "Graph")),
            (described, N(VOID + "triples"), _int(count)),
        ]
    default_count = store.count("") + (total if config.get("UNION_DEFAULT_GRAPH") else 0)
    triples.append((default, N(VOID + "triples"), _int(default_count)))
    return rdf_response(triples, DOCUMENT_PREFIXES)


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


def void_triples(stats: VoidStats) -> list[RdfTriple]:
    """The VoID description as triples."""
    base = current_app.config["BASE"]
    ds = N(dataset_iri())
    v = VOID
    blank = _blank_nodes()
    triples: list[RdfTriple] = [
        (ds, RDF_TYPE, N(v + "Dataset")),
        (ds, N(DCTERMS + "title"), Literal(
            "coopgraph: international action of local governments", lang="en")),
        (ds, N(v + "sparqlEndpoint"), N(_endpoint_url())),
        (ds, N(v + "uriSpace"), Literal(base + "id/")),
        (ds, N(v + "vocabulary"), N(str(CG))),
        (ds, N(v + "triples"), _int(stats.triples)),
        (ds, N(v + "entities"), _int(stats.entities)),
        (ds, N(v + "classes"), _int(stats.classes)),
        (ds, N(v + "properties"), _int(stats.properties)),
        (ds, N(v + "distinctSubjects"), _int(stats.distinct_subjects)),
        (ds, N(v + "distinctObjects"), _int(stats.distinct_objects)),
    ]
    for fmt in ("Turtle", "N-Triples", "JSON-LD", "RDF_XML", "TriG", "N-Quads"):
        triples.append((ds, N(v + "feature"), N(FORMATS_NS + fmt)))
    for cls, entities in stats.class_partitions:
        part = next(blank)
        triples += [
            (ds, N(v + "classPartition"), part),
            (part, N(v + "class"), N(cls)),
            (part, N(v + "entities"), _int(entities)),
        ]
    for prop, count in stats.property_partitions:
        part = next(blank)
        triples += [
            (ds, N(v + "propertyPartition"), part),
            (part, N(v + "property"), N(prop)),
            (part, N(v + "triples"), _int(count)),
        ]
    for graph, count in stats.graphs:
        subset = (N(dataset_iri() + "/" + graph[len(base):]) if graph.startswith(base)
                  else next(blank))
        triples += [
            (ds, N(v + "subset"), subset),
            (subset, RDF_TYPE, N(v + "Dataset")),
            (subset, RDF_TYPE, N(SD + "NamedGraph")),
            (subset, N(SD + "name"), N(graph)),
            (subset, N(v + "triples"), _int(count)),
            (subset, N(v + "sparqlEndpoint"), N(_endpoint_url())),
        ]
    for name, (count, predicates) in stats.linksets.items():
        triples += _linkset(ds, name, count, predicates or [SKOS_EXACT], LINK_TARGETS[name])
    # the INSEE codes are literals: that linkset is described by its predicate
    triples += _linkset(ds, "insee", stats.insee_links, [f"{IGEO}codeINSEE"], INSEE_SPACE)
    triples.append((N(dataset_iri("insee")), N(DCTERMS + "title"),
                    Literal("INSEE, Code officiel géographique", lang="fr")))
    return triples


def _linkset(ds: URIRef, name: str, count: int, predicates: Iterable[str],
             uri_space: str) -> list[RdfTriple]:
    """The linkset ``<base>id/linkset/{name}`` from our dataset ``ds`` to the dataset ``name``
    (``<base>id/dataset/{name}``, whose IRIs start with ``uri_space``)."""
    v = VOID
    linkset, target = N(linkset_iri(name)), N(dataset_iri(name))
    return [
        (ds, N(v + "subset"), linkset),
        (linkset, RDF_TYPE, N(v + "Linkset")),
        (linkset, N(v + "subjectsTarget"), ds),
        (linkset, N(v + "objectsTarget"), target),
        (linkset, N(v + "target"), ds),
        (linkset, N(v + "target"), target),
        (linkset, N(v + "triples"), _int(count)),
        *((linkset, N(v + "linkPredicate"), N(predicate)) for predicate in predicates),
        (target, RDF_TYPE, N(v + "Dataset")),
        (target, N(v + "uriSpace"), Literal(uri_space)),
    ]


@bp.route("/.well-known/void", methods=["GET"])
def void() -> Response:
    """The VoID description of the whole dataset."""
    media_type = negotiate("rdf")
    return rdf_document(void_document(media_type), media_type)


def void_document(media_type: str) -> bytes:
    """The VoID description written in ``media_type``, once per store version and syntax.

    One entry per syntax, for the endpoint of the last request (the Host header is the
    client's: a cache keyed by it could be grown without bound).
    """
    svc = service()
    version, endpoint = svc.version, _endpoint_url()
    key = ("void-document", media_type)
    with svc.cache_lock:
        hit = svc.cache.get(key)
    if hit and hit[:2] == (version, endpoint):
        cached: bytes = hit[2]
        return cached
    data = serialize_triples(void_triples(void_stats()), media_type, prefixes=DOCUMENT_PREFIXES)
    with svc.cache_lock:
        svc.cache[key] = (version, endpoint, data)
    return data
