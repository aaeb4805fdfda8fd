"""``/sparql``: the SPARQL 1.1 Protocol query operation, the Flask route.

GET ``?query=``, POST form (``query=``) and POST ``application/sparql-query``, with
``default-graph-uri``/``named-graph-uri``. The answer comes from the one core,
web/sparql_core.py (reading, negotiation, limits through the executor, streaming); this route
only turns its outcome into a Flask response. GET without a query returns the service
description, or sends a browser to the query workbench.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from .accesslog import note_query
from .description import service_description
from .negotiation import wants_html
from .page import query_page
from .service import service
from .sparql_core import answer, read_request

bp = Blueprint("sparql", __name__)


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    """Answer a query (or describe the service when there is none)."""
    svc = service()
    outcome = answer(read_request(request.environ, request.get_data(cache=True)),
                     current_app.config, svc.executor, svc.results)
    if outcome is None:
        if "format" not in request.args and wants_html(request.headers.get("Accept")):
            return query_page(request.base_url)
        return service_description()
    if outcome.query is not None:
        note_query(outcome.query)
    return Response(outcome.body, status=outcome.status, headers=outcome.headers)
