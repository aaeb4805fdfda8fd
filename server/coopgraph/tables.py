"""Readable answers for the terminal: SPARQL results as aligned tables, graphs as Turtle.

An analyst reads ``coopgraph query`` output, not a program: labels are shown without their
``@fr`` suffix, IRIs are compacted with the graph's prefixes (``actor:cd93`` rather than
``<https://w3id.org/coopgraph/id/actor/cd93>``), and long cells are wrapped onto
continuation lines instead of being cut. Machine formats (csv, tsv, json) stay untouched
elsewhere; this module only renders.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Mapping
from typing import IO

from rdflib import BNode, Graph, URIRef
from rdflib import Literal as RdfLiteral

from . import config
from .namespaces import PREFIXES
from .store import BlankNode, Literal, NamedNode, Triple

#: The kinds of entity IRIs (``<base>id/{kind}/{slug}``), each with its own prefix.
ENTITY_KINDS = (
    "territory", "actor", "person", "post", "partnership", "project", "funding", "event",
    "participation", "membership", "award", "figure", "evidence", "venue", "outcome",
)
#: Prefixes that do not follow the kind name (the guide's ``doc:`` and the concept schemes).
EXTRA_ID_PREFIXES = {
    "doc": "document/", "concept": "concept/", "role": "concept/role/",
    "theme": "concept/theme/", "level": "concept/level/",
}

#: Default width of a column before its cells wrap (``--max-width``; 0 = never wrap).
DEFAULT_MAX_WIDTH = 60

_PREFIX_DECL = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)
_LOCAL_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def graph_prefixes(base: str | None = None, query: str = "") -> dict[str, str]:
    """prefix → namespace: the standard vocabularies, the entity kinds under the deployment's
    base, and whatever the query itself declares (which wins)."""
    base = base or config.base_iri()
    prefixes = dict(PREFIXES)
    prefixes["cg"] = base + "ontology#"
    prefixes["id"] = base + "id/"
    for kind in ENTITY_KINDS:
        prefixes[kind] = f"{base}id/{kind}/"
    for prefix, path in EXTRA_ID_PREFIXES.items():
        prefixes[prefix] = f"{base}id/{path}"
    for prefix, namespace in _PREFIX_DECL.findall(query):
        prefixes[prefix] = namespace
    return prefixes


def compact(iri: str, prefixes: Mapping[str, str]) -> str:
    """``prefix:local`` with the longest matching namespace, else ``<iri>``."""
    best = ""
    best_prefix = ""
    for prefix, namespace in prefixes.items():
        if namespace and iri.startswith(namespace) and len(namespace) > len(best):
            local = iri[len(namespace):]
            if local == "" or _LOCAL_NAME.match(local):
                best, best_prefix = namespace, prefix
    if not best:
        return f"<{iri}>"
    return f"{best_prefix}:{iri[len(best):]}"


def cell(term: dict | None, prefixes: Mapping[str, str]) -> str:
    """A SPARQL JSON term as a reader sees it: the text of a literal (no language tag, no
    datatype), a compact IRI, or ``_:id`` for a blank node."""
    if term is None:
        return ""
    if term["type"] == "uri":
        return compact(term["value"], prefixes)
    if term["type"] == "bnode":
        return "_:" + term["value"]
    return term["value"]


def _wrap(text: str, width: int) -> list[str]:
    """The lines of one cell: its own line breaks kept, long lines wrapped at ``width``."""
    lines: list[str] = []
    for part in text.splitlines() or [""]:
        if width and len(part) > width:
            lines += textwrap.wrap(part, width, break_long_words=True,
                                   break_on_hyphens=False) or [""]
        else:
            lines.append(part)
    return lines


def render_table(results: dict, out: IO[str], *, prefixes: Mapping[str, str] | None = None,
                 max_width: int = DEFAULT_MAX_WIDTH) -> None:
    """Write SPARQL JSON results (SELECT or ASK) as an aligned text table.

    A cell wider than ``max_width`` continues on the next lines of its row; nothing is cut.
    """
    prefixes = graph_prefixes() if prefixes is None else prefixes
    if "boolean" in results:
        out.write(("true" if results["boolean"] else "false") + "\n")
        return
    variables = results["head"]["vars"]
    rows = [[cell(b.get(v), prefixes) for v in variables]
            for b in results["results"]["bindings"]]
    natural = [max([len(v)] + [max(len(x) for x in (r[i].splitlines() or [""])) for r in rows])
               for i, v in enumerate(variables)]
    widths = [min(w, max_width) if max_width else w for w in natural]
    widths = [max(w, len(v)) for w, v in zip(widths, variables, strict=True)]

    def write_row(cells: list[str]) -> None:
        wrapped = [_wrap(c, w) for c, w in zip(cells, widths, strict=True)]
        for i in range(max(len(lines) for lines in wrapped)):
            parts = [(lines[i] if i < len(lines) else "").ljust(w)
                     for lines, w in zip(wrapped, widths, strict=True)]
            out.write(" | ".join(parts).rstrip() + "\n")

    write_row(variables)
    out.write("-+-".join("-" * w for w in widths) + "\n")
    for row in rows:
        write_row(row)
    out.write(f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n")


def turtle(triples: Iterable[Triple], prefixes: Mapping[str, str]) -> str:
    """CONSTRUCT/DESCRIBE answers as Turtle that declares (and uses) the graph's prefixes."""
    graph = Graph(bind_namespaces="none")
    for tr in triples:
        graph.add((_rdflib(tr.subject), _rdflib(tr.predicate), _rdflib(tr.object)))
    return turtle_graph(graph, prefixes)


def turtle_graph(graph: Graph, prefixes: Mapping[str, str]) -> str:
    """An rdflib graph as Turtle declaring only the prefixes that compact its IRIs."""
    used = {str(t) for triple in graph for t in triple if isinstance(t, URIRef)}
    used |= {str(o.datatype) for o in graph.objects() if isinstance(o, RdfLiteral) and o.datatype}
    for iri in used:  # only the prefix that compacts each IRI best, so none is unused
        name = compact(iri, prefixes)
        if not name.startswith("<"):
            prefix = name.split(":", 1)[0]
            graph.bind(prefix, prefixes[prefix], override=True)
    return graph.serialize(format="turtle") if len(graph) else ""


def _rdflib(term: NamedNode | BlankNode | Literal) -> URIRef | BNode | RdfLiteral:
    """The store's engine-neutral term as the rdflib term the Turtle serialiser takes."""
    if isinstance(term, NamedNode):
        return URIRef(term.value)
    if isinstance(term, BlankNode):
        return BNode(term.value)
    if term.language:
        return RdfLiteral(term.value, lang=term.language)
    return RdfLiteral(term.value, datatype=URIRef(term.datatype.value))
