"""People who open ``/sparql`` in a browser are sent to the query workbench (``/query``).

Only when the browser asks for HTML before any RDF syntax (web/negotiation.py's
``wants_html`` decides); programs (and ``*/*``) get the service description in Turtle.
"""

from __future__ import annotations

from flask import Response, url_for


def query_page(endpoint: str) -> Response:
    """303 See Other to the query workbench (``/query``), which runs queries on ``endpoint``."""
    return Response(status=303, headers={"Location": url_for("workbench.query"),
                                         "Vary": "Accept"})
