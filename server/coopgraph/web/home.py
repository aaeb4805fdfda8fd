"""``/``: what the graph holds and where to go next (workbench, ontology, validator, endpoint).

Every number comes from the store, read through the executor's limits, once per store
version (:func:`reads.cached`).
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, render_template, request

from . import reads
from .labels import fetch_labels, label, local_href
from .service import service

bp = Blueprint("home", __name__)

LINK_TARGETS = {
    "Wikidata": "http://www.wikidata.org/entity/",
    "GeoNames": "https://sws.geonames.org/",
    "ROR": "https://ror.org/",
    "UN SDG": "http://metadata.un.org/sdg/",
}


def class_counts(base: str) -> list[tuple[str, int]]:
    """Entities per class of our ontology, most frequent first."""
    rows = reads.select(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c "
        f'FILTER(STRSTARTS(STR(?c), "{base}ontology#")) }} GROUP BY ?c ORDER BY DESC(?n) ?c'
    )
    return [(r["c"]["value"], int(r["n"]["value"])) for r in rows]


def graph_counts() -> list[tuple[str, int]]:
    """Triples per named graph."""
    rows = reads.select(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
    return [(r["g"]["value"], int(r["n"]["value"])) for r in rows]


def link_coverage(base: str) -> list[tuple[str, int]]:
    """Distinct entities of ours linked to each external target (plus INSEE codes)."""
    found = []
    for name, prefix in LINK_TARGETS.items():
        rows = reads.select(
            "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o "
            f'FILTER(STRSTARTS(STR(?s), "{base}id/") && isIRI(?o) '
            f'&& STRSTARTS(STR(?o), "{prefix}")) }}')
        found.append((name, int(rows[0]["n"]["value"]) if rows else 0))
    rows = reads.select("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { "
                        "?s <http://rdf.insee.fr/def/geo#codeINSEE> ?o }")
    found.append(("INSEE", int(rows[0]["n"]["value"]) if rows else 0))
    return found


def last_build() -> str | None:
    """The build the server opened: its directory and when it was written (UTC)."""
    path = getattr(service().store, "path", None)
    if path is None:
        return None
    real = path.resolve()
    when = dt.datetime.fromtimestamp(real.stat().st_mtime, dt.UTC)
    return f"{when:%Y-%m-%d %H:%M} UTC ({real.name})"


def _numbers(base: str) -> tuple[list[tuple[str, int]], list[tuple[str, int]],
                                 dict[str, dict[str, str]], list[tuple[str, int]]]:
    classes = class_counts(base)
    return classes, graph_counts(), fetch_labels(c for c, _ in classes), link_coverage(base)


@bp.route("/", methods=["GET"])
def home() -> str:
    """The home page."""
    base = current_app.config["BASE"]
    classes, graphs, labels, coverage = reads.cached("home", lambda: _numbers(base))
    contribution_prefix = base + "graph/contribution/"
    contributions = [g for g, _ in graphs if g.startswith(contribution_prefix)]
    endpoint = request.url_root + "sparql"
    return render_template(
        "home.html",
        classes=[(c, label(c, labels), n) for c, n in classes],
        graphs=[(g, local_href(g), n) for g, n in graphs],
        coverage=coverage,
        build=last_build(),
        contributions=len(contributions),
        endpoint=endpoint,
    )
