"""What the store holds: triples per named graph, instances per class, link coverage.

All numbers are computed by SPARQL on the store, so they are the numbers users get.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import IO

from . import config
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


def compute(store: Store, base: str | None = None) -> Stats:
    """Compute the statistics on ``store`` (union default graph)."""
    base = base or config.base_iri()
    prefixes = PREFIXES.format(cg=base + "ontology#")
    stats = Stats()
    for graph in store.named_graphs():
        stats.graphs[graph] = store.count(graph)
    data = config.graph_iri("data", base)
    rows = store.query(
        f"SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH <{data}> {{ ?s a ?class }} }} "
        "GROUP BY ?class ORDER BY DESC(?n) ?class"
    ).rows()
    stats.classes = {r["class"].value: int(r["n"].value) for r in rows}
    for family, cls in FAMILIES.items():
        query = prefixes + (
            "SELECT (COUNT(DISTINCT ?e) AS ?total) (COUNT(DISTINCT ?l) AS ?linked) WHERE { "
            f"?e a {cls} . FILTER(isIRI(?e)) "
            "OPTIONAL { ?e ?p ?x . "
            "FILTER(?p IN (schema:sameAs, skos:exactMatch, igeo:codeINSEE)) "
            "BIND(?e AS ?l) } }"
        )
        row = next(store.query(query).rows())
        stats.coverage.append(Coverage(family, int(row["total"].value), int(row["linked"].value)))
    return stats


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
