"""What the store holds: the one implementation of the statistics, for ``coopgraph stats``
(triples per named graph, instances per class, link coverage) and for the VoID description
(``/.well-known/void``: :func:`void`).

All numbers are computed by SPARQL through the executor (:meth:`Executor.select`: a worker
process, the query time limit), so they are the numbers users get, and computing them never
holds the web process.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import IO, Any

from . import config
from .executor import Executor, Limits
from .namespaces import IGEO
from .store import Store


@dataclass
class Coverage:
    """How many entities of one family have at least one external identifier."""

    family: str
    total: int
    linked: int

    @property
    def share(self) -> float:
        return self.linked / self.total if self.total else 0.0


@dataclass
class Stats:
    graphs: dict[str, int] = field(default_factory=dict)
    classes: dict[str, int] = field(default_factory=dict)
    coverage: list[Coverage] = field(default_factory=list)


PREFIXES = """
PREFIX cg: <{cg}>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX schema: <http://schema.org/>
"""

#: family name → class whose instances (asserted or inferred) form the family.
FAMILIES = {"actors": "cg:Actor", "territories": "cg:Territory"}


def _executor(source: Executor | Store) -> tuple[Executor, bool]:
    """The executor to read with, and whether it was made here (then it is closed here)."""
    if isinstance(source, Executor):
        return source, False
    return Executor(source, limits=Limits(pool_size=1)), True


def _int(value: Any) -> int:
    return int(value.toPython()) if value is not None else 0


def graph_sizes(executor: Executor) -> list[tuple[str, int]]:
    """Triples per named graph, ordered by graph IRI."""
    rows = executor.select(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    )
    return [(str(row["g"]), _int(row["n"])) for row in rows]


def compute(source: Executor | Store, base: str | None = None) -> Stats:
    """Compute the statistics (union default graph) through ``source``'s executor."""
    executor, owned = _executor(source)
    try:
        return _compute(executor, base or config.base_iri())
    finally:
        if owned:
            executor.close()


def _compute(executor: Executor, base: str) -> Stats:
    prefixes = PREFIXES.format(cg=base + "ontology#")
    stats = Stats()
    stats.graphs = dict(graph_sizes(executor))
    data = config.graph_iri("data", base)
    rows = executor.select(
        f"SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH <{data}> {{ ?s a ?class }} }} "
        "GROUP BY ?class ORDER BY DESC(?n) ?class"
    )
    stats.classes = {str(r["class"]): _int(r["n"]) for r in rows}
    for family, cls in FAMILIES.items():
        query = prefixes + (
            "SELECT (COUNT(DISTINCT ?e) AS ?total) (COUNT(DISTINCT ?l) AS ?linked) WHERE { "
            f"?e a {cls} . FILTER(isIRI(?e)) "
            "OPTIONAL { ?e ?p ?x . "
            "FILTER(?p IN (schema:sameAs, skos:exactMatch, igeo:codeINSEE)) "
            "BIND(?e AS ?l) } }"
        )
        row = executor.select(query)[0]
        stats.coverage.append(Coverage(family, _int(row["total"]), _int(row["linked"])))
    return stats


# --------------------------------------------------------------------------- VoID

#: Outgoing link targets: name → IRI prefix of the objects (the VoID linksets).
LINK_TARGETS = {
    "wikidata": "http://www.wikidata.org/entity/",
    "geonames": "https://sws.geonames.org/",
    "ror": "https://ror.org/",
    "un-sdg": "http://metadata.un.org/sdg/",
}


@dataclass(frozen=True)
class VoidStats:
    """The numbers of the VoID description (over the union of all graphs, distinct triples)."""

    triples: int
    entities: int
    classes: int
    properties: int
    distinct_subjects: int
    distinct_objects: int
    class_partitions: list[tuple[str, int]]
    property_partitions: list[tuple[str, int]]
    graphs: list[tuple[str, int]]
    linksets: dict[str, tuple[int, list[str]]]
    insee_links: int


_VOID_COUNTS = {
    "triples": "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }",
    "entities": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o FILTER(isIRI(?s)) }",
    "classes": "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }",
    "properties": "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }",
    "distinct_subjects": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }",
    "distinct_objects": "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }",
}


def void(executor: Executor) -> VoidStats:
    """The VoID numbers, through ``executor`` (its default graph must be the union)."""

    def select(sparql: str) -> list[dict[str, Any]]:
        return executor.select(sparql, union_default_graph=True)

    def count(sparql: str) -> int:
        rows = select(sparql)
        return _int(rows[0]["n"]) if rows else 0

    numbers = {key: count(q) for key, q in _VOID_COUNTS.items()}
    classes = [
        (str(row["c"]), _int(row["n"]))
        for row in select(
            "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER(isIRI(?c)) } "
            "GROUP BY ?c ORDER BY ?c"
        )
    ]
    properties = [
        (str(row["p"]), _int(row["n"]))
        for row in select(
            "SELECT ?p (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } } "
            "GROUP BY ?p ORDER BY ?p"
        )
    ]
    linksets: dict[str, tuple[int, list[str]]] = {}
    for name, prefix in LINK_TARGETS.items():
        rows = select(
            "SELECT ?p (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o "
            f'FILTER(isIRI(?o) && STRSTARTS(STR(?o), "{prefix}")) }} }} GROUP BY ?p ORDER BY ?p'
        )
        linksets[name] = (sum(_int(r["n"]) for r in rows), [str(r["p"]) for r in rows])
    insee = count(
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?o WHERE { "
        f"?s <{IGEO}codeINSEE> ?o }} }}"
    )
    return VoidStats(
        class_partitions=classes,
        property_partitions=properties,
        graphs=graph_sizes(executor),
        linksets=linksets,
        insee_links=insee,
        **numbers,
    )


def render(stats: Stats, out: IO[str], fmt: str = "text") -> None:
    """Print the statistics as text or JSON."""
    if fmt == "json":
        payload = asdict(stats)
        for item, cov in zip(payload["coverage"], stats.coverage, strict=True):
            item["share"] = round(cov.share, 4)
        out.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return
    out.write("Triples per named graph\n")
    for graph, n in stats.graphs.items():
        out.write(f"  {n:>8}  {graph}\n")
    out.write("\nInstances per class (asserted, graph data)\n")
    for cls, n in stats.classes.items():
        out.write(f"  {n:>8}  {cls}\n")
    out.write("\nLink coverage (at least one external identifier)\n")
    for cov in stats.coverage:
        out.write(f"  {cov.family:<12} {cov.linked:>4} / {cov.total:<4} {cov.share:6.1%}\n")
