"""A minimal HTML page for people who open ``/sparql`` in a browser.

Only when the browser asks for HTML before any RDF syntax; programs (and ``*/*``) get the
service description in Turtle. The page is a plain form that sends a GET to ``/sparql``,
with links to the service description and the VoID description. No script, no assets.
"""

from __future__ import annotations

from html import escape

from flask import Response

from .negotiation import RDF_TYPES, accept_without_parameters

EXAMPLE = """PREFIX cg: <https://w3id.org/coopgraph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?territory ?label WHERE {
  ?territory a cg:Territory ; skos:prefLabel ?label .
} ORDER BY ?label LIMIT 20"""


def wants_html() -> bool:
    """True when the client lists text/html explicitly and ranks it above every RDF syntax."""
    accept = accept_without_parameters()
    if "text/html" not in accept.values():
        return False
    return accept.best_match(["text/html", *RDF_TYPES]) == "text/html"


def query_page(endpoint: str) -> Response:
    """The HTML form."""
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>coopgraph SPARQL endpoint</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}
textarea{{width:100%;font-family:monospace}}</style></head>
<body><h1>coopgraph SPARQL endpoint</h1>
<p>SPARQL 1.1 endpoint: <code>{escape(endpoint)}</code>.
<a href="?format=turtle">Service description</a> ·
<a href="/.well-known/void">VoID description</a></p>
<form method="get" action="">
<p><textarea name="query" rows="12">{escape(EXAMPLE)}</textarea></p>
<p><label>Result format <select name="format">
<option value="json">JSON</option><option value="xml">XML</option>
<option value="csv">CSV</option><option value="tsv">TSV</option>
<option value="turtle">Turtle (CONSTRUCT/DESCRIBE)</option>
</select></label> <button type="submit">Run</button></p>
</form></body></html>
"""
    response = Response(body, content_type="text/html; charset=utf-8")
    response.headers["Vary"] = "Accept"
    return response
