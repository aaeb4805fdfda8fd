"""Who may write, and to which graphs.

Writes (``/update``, ``/store`` PUT/POST/DELETE) need ``Authorization: Bearer <ADMIN_TOKEN>``;
a server without a token refuses every write. The curated graphs (``PROTECTED_GRAPHS``: the
ontology, shapes, data, links and inferred graphs, rebuilt by ``coopgraph build``) are
refused even with the token unless ``ALLOW_CURATED_WRITES`` is set, because a change there
would be lost at the next build and would bypass validation; contribution graphs
(``<base>graph/contribution/{id}``) and any other graph are writable with the token.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from typing import Any

from flask import current_app, request

from .errors import ApiError

_ALL = "*all named graphs*"


def require_admin() -> None:
    """Raise 403/401 unless the request carries the server's admin token."""
    if current_app.config.get("STORE_READ_ONLY"):
        raise ApiError(403, "this server serves a read-only store: writes are refused")
    token = current_app.config.get("ADMIN_TOKEN")
    if not token:
        raise ApiError(403, "writes are disabled on this server (no admin token is configured)")
    header = request.headers.get("Authorization", "")
    if not header:
        raise ApiError(
            401,
            "this operation needs an 'Authorization: Bearer <token>' header",
            headers={"WWW-Authenticate": 'Bearer realm="coopgraph"'},
        )
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), str(token).encode()
    ):
        raise ApiError(
            403,
            "the bearer token is not valid for this server",
            headers={"WWW-Authenticate": 'Bearer realm="coopgraph", error="invalid_token"'},
        )


def check_graphs_writable(graphs: Iterable[str]) -> None:
    """Raise 403 if one of ``graphs`` is curated and curated writes are not allowed."""
    if current_app.config.get("ALLOW_CURATED_WRITES"):
        return
    protected = set(current_app.config.get("PROTECTED_GRAPHS") or ())
    if not protected:
        return
    for graph in graphs:
        if graph == _ALL:
            raise ApiError(
                403,
                "this update may change every named graph, including curated ones "
                f"({', '.join(sorted(protected))}); name the graphs it changes",
            )
        if graph in protected:
            raise ApiError(
                403,
                f"<{graph}> is a curated graph: change its source files and run "
                "`coopgraph build` (or start the server with ALLOW_CURATED_WRITES)",
            )


def curated_writes_checked() -> bool:
    """True when updates must be analysed for the graphs they change."""
    return bool(current_app.config.get("PROTECTED_GRAPHS")) and not current_app.config.get(
        "ALLOW_CURATED_WRITES"
    )


def update_target_graphs(update_text: str, base_iri: str | None = None) -> set[str]:
    """The graphs a SPARQL Update may change (``""`` = default graph, ``_ALL`` = unknown).

    Why rdflib here: pyoxigraph has no parse-only entry point for updates, and the update
    must be refused before it runs. rdflib's parser only builds the algebra; nothing is
    evaluated by rdflib. A text rdflib cannot parse is refused with its message.
    """
    from pyparsing import ParseException
    from rdflib.plugins.sparql.algebra import translateUpdate
    from rdflib.plugins.sparql.parser import parseUpdate
    from rdflib.term import URIRef, Variable

    try:
        update = translateUpdate(parseUpdate(update_text), base=base_iri)
    except ParseException as exc:
        raise ApiError(
            400,
            f"syntax error: {exc.msg} at line {exc.lineno}, column {exc.col}",
            line=exc.lineno,
            column=exc.col,
        ) from exc
    except Exception as exc:  # noqa: BLE001 - rdflib raises many types for bad input
        raise ApiError(400, f"the update could not be parsed: {exc}") from exc

    targets: set[str] = set()

    def name(term: Any) -> str:
        if isinstance(term, URIRef):
            return str(term)
        if isinstance(term, Variable):
            return _ALL
        if term in ("DEFAULT", None):
            return ""
        return _ALL  # NAMED, ALL

    def part(op: Any, key: str) -> Any:
        # CompValue.get() is not dict.get(): look the key up explicitly.
        return op[key] if key in op else None

    def template(clause: Any, default: str) -> None:
        if clause is None or not hasattr(clause, "keys"):
            return
        if part(clause, "triples"):
            targets.add(default)
        for graph, triples in (part(clause, "quads") or {}).items():
            if triples:
                targets.add(name(graph))

    for op in update.algebra:
        kind = op.name
        if kind in ("InsertData", "DeleteData", "DeleteWhere"):
            template(op, "")
        elif kind == "Modify":
            graph = part(op, "withClause")
            default = name(graph) if graph is not None else ""
            template(part(op, "delete"), default)
            template(part(op, "insert"), default)
        elif kind in ("Clear", "Drop", "Create"):
            targets.add(name(part(op, "graphiri")))
        elif kind == "Load":
            graph = part(op, "graphiri")
            targets.add(name(graph) if graph is not None else "")
        elif kind in ("Add", "Copy", "Move"):
            source, target = part(op, "graph")
            targets.add(name(target))
            if kind == "Move":
                targets.add(name(source))
        else:
            targets.add(_ALL)
    return targets
