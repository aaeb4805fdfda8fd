"""The graphs a SPARQL Update may change, worked out before it runs (run in a query worker).

Why: ``/update`` must refuse a write to a curated graph before anything is applied, and
pyoxigraph has no parse-only API for updates. :func:`sparql_safety.update_targets` reads the
usual shapes with the tokenizer in linear time; only a text it cannot place goes to rdflib's
parser, which builds the algebra (nothing is evaluated) but is slow: 75 s for a 4,000-triple
``INSERT DATA`` (issue 12). The executor calls :func:`targets` in a query worker under the
query time limit, so neither ties up the web process.
"""

from __future__ import annotations

from typing import Any

from coopgraph.sparql_safety import ALL_GRAPHS, update_targets

__all__ = ["ALL_GRAPHS", "UpdateParseError", "rdflib_targets", "targets"]


class UpdateParseError(ValueError):
    """rdflib's parser rejected the update; ``line``/``column`` are 1-based or None."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def targets(text: str, base_iri: str | None = None) -> set[str]:
    """The graphs ``text`` may change: ``""`` the default graph, :data:`ALL_GRAPHS` any."""
    found = update_targets(text, base_iri=base_iri)
    return rdflib_targets(text, base_iri) if found is None else found


def rdflib_targets(update_text: str, base_iri: str | None = None) -> set[str]:
    """The same answer from rdflib's algebra (the reference for the tokenizer's reading)."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.algebra import translateUpdate
    from rdflib.plugins.sparql.parser import parseUpdate
    from rdflib.term import URIRef, Variable

    try:
        update = translateUpdate(parseUpdate(update_text), base=base_iri)
    except ParseException as exc:
        raise UpdateParseError(
            f"{exc.msg} at line {exc.lineno}, column {exc.col}",
            exc.lineno,
            exc.col,
        ) from exc
    except Exception as exc:  # noqa: BLE001 - rdflib raises many types for bad input
        raise UpdateParseError(f"the update could not be parsed: {exc}") from exc

    found: set[str] = set()

    def name(term: Any) -> str:
        if isinstance(term, URIRef):
            return str(term)
        if isinstance(term, Variable):
            return ALL_GRAPHS
        if term in ("DEFAULT", None):
            return ""
        return ALL_GRAPHS  # NAMED, ALL

    def part(op: Any, key: str) -> Any:
        # CompValue.get() is not dict.get(): look the key up explicitly.
        return op[key] if key in op else None

    def template(clause: Any, default: str) -> None:
        if clause is None or not hasattr(clause, "keys"):
            return
        if part(clause, "triples"):
            found.add(default)
        for graph, triples in (part(clause, "quads") or {}).items():
            if triples:
                found.add(name(graph))

    for op in getattr(update, "algebra", None) or []:  # an empty request: a list
        kind = op.name
        if kind in ("InsertData", "DeleteData", "DeleteWhere"):
            template(op, "")
        elif kind == "Modify":
            graph = part(op, "withClause")
            default = name(graph) if graph is not None else ""
            template(part(op, "delete"), default)
            template(part(op, "insert"), default)
        elif kind in ("Clear", "Drop", "Create"):
            found.add(name(part(op, "graphiri")))
        elif kind == "Load":
            graph = part(op, "graphiri")
            found.add(name(graph) if graph is not None else "")
        elif kind in ("Add", "Copy", "Move"):
            source, target = part(op, "graph")
            found.add(name(target))
            if kind == "Move":
                found.add(name(source))
        else:
            found.add(ALL_GRAPHS)
    return found
