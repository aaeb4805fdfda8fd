"""People who open ``/sparql`` in a browser are sent to the query workbench (``/query``).

Only when the browser asks for HTML before any RDF syntax; programs (and ``*/*``) get the
service description in Turtle.
"""

from __future__ import annotations

from flask import Response, url_for

from .negotiation import RDF_TYPES, accept_without_parameters


def wants_html() -> bool:
    """True when the client lists text/html explicitly and ranks it above every RDF syntax."""
    accept = accept_without_parameters()
    if "text/html" not in accept.values():
        return False
    return accept.best_match(["text/html", *RDF_TYPES]) == "text/html"


def query_page(endpoint: str) -> Response:
    """303 See Other to the query workbench (``/query``), which runs queries on ``endpoint``."""
    return Response(status=303, headers={"Location": url_for("workbench.query"),
                                         "Vary": "Accept"})
