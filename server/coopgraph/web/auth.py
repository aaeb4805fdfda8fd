"""Who may write, and to which graphs.

Writes (``/update``, ``/store`` PUT/POST/DELETE) need ``Authorization: Bearer <ADMIN_TOKEN>``;
a server without a token refuses every write. The curated graphs (``PROTECTED_GRAPHS``: the
ontology, shapes, data, links and inferred graphs, rebuilt by ``coopgraph build``) are
refused even with the token unless ``ALLOW_CURATED_WRITES`` is set, because a change there
would be lost at the next build and would bypass validation. The contribution graphs
(``<base>graph/contribution/…``, their inferences, and the registry ``<base>graph/contributions``)
are written only by ``/contributions`` (validated, inferred and registered together), so every
other write to them is refused, even with ``ALLOW_CURATED_WRITES`` (an update that may change
every named graph, ``DROP ALL``, too, once the store holds a contribution). Any other graph (a
``POST /store`` without ``graph`` creates ``<base>graph/upload/{uuid}``) is writable with the
token.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from flask import current_app, request

from ..sparql_safety import ALL_GRAPHS
from .errors import ApiError

_ALL = ALL_GRAPHS  # what executor.check_update answers for "any named graph"


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
    """Raise 403 if one of ``graphs`` belongs to the contributions, or is curated and curated
    writes are not allowed."""
    from ..contributions import is_contribution_graph

    graphs = list(graphs)
    base = current_app.config["BASE"]
    for graph in graphs:
        if graph != _ALL and is_contribution_graph(graph, base):
            raise ApiError(
                403,
                f"<{graph}> belongs to the contributions, which change only through "
                "/contributions: send data with POST /contributions (validated, inferred and "
                "registered together) and withdraw it with DELETE /contributions/{id}",
                see="/contributions",
            )
    if _ALL in graphs and _holds_contributions():
        raise ApiError(
            403,
            "this update may change every named graph, including the contribution graphs, "
            "which change only through /contributions; name the graphs it changes",
            see="/contributions",
        )
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


def _holds_contributions() -> bool:
    """Does the store hold a contribution graph or the registry (what "any graph" reaches)?"""
    from ..contributions import is_contribution_graph
    from .service import service

    base = current_app.config["BASE"]
    return any(is_contribution_graph(g, base) for g in service().store.named_graphs())


def curated_writes_checked() -> bool:
    """True when updates must be analysed for the graphs they change."""
    return bool(current_app.config.get("PROTECTED_GRAPHS")) and not current_app.config.get(
        "ALLOW_CURATED_WRITES"
    )
