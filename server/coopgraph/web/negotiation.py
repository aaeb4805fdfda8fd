"""Content negotiation: which media type a response gets.

Accept headers are parsed by werkzeug's ``MIMEAccept`` (q-values, wildcards, specificity);
``?format=`` overrides them. Browsers (an explicit ``text/html``) and ``*/*`` get the
default of the result kind, and the ``application/xml`` a browser also lists is not taken
as a request for SPARQL XML.
"""

from __future__ import annotations

from flask import request
from werkzeug.datastructures import MIMEAccept

from ..formats import RDF_TYPES, RESULT_TYPES
from .errors import ApiError

#: ``?format=`` short names.
FORMATS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ttl": "text/turtle",
    "ntriples": "application/n-triples",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
    "rdf": "application/rdf+xml",
    "rdf+xml": "application/rdf+xml",
    "n3": "text/turtle",  # SPARQLWrapper's N3 (Turtle is N3)
    "n-triples": "application/n-triples",
    "n-quads": "application/n-quads",
    "trig": "application/trig",
    "nquads": "application/n-quads",
    "nq": "application/n-quads",
}

#: Other names clients send, per result kind → the canonical type served.
ALIASES = {
    "results": {
        "application/json": "application/sparql-results+json",
        "application/xml": "application/sparql-results+xml",
        "text/xml": "application/sparql-results+xml",
    },
    "rdf": {
        "application/x-turtle": "text/turtle",
        "text/plain": "application/n-triples",
        "application/json": "application/ld+json",
        "application/xml": "application/rdf+xml",
        "text/xml": "application/rdf+xml",
        "application/x-trig": "application/trig",
        "text/x-nquads": "application/n-quads",
    },
}

#: Result types that clients (rdflib's SPARQLStore, SPARQLWrapper) also send for CONSTRUCT:
#: answered with the RDF syntax of the same family rather than with a 406.
_CROSS = {
    "rdf": {
        "application/sparql-results+json": "application/ld+json",
        "application/sparql-results+xml": "application/rdf+xml",
    },
    "results": {},
}


def types_for(kind: str) -> list[str]:
    """The canonical media types of a result kind (``results`` or ``rdf``)."""
    return RESULT_TYPES if kind == "results" else RDF_TYPES


def negotiate(kind: str) -> str:
    """The media type to answer with, or a 406/400 :class:`ApiError`.

    ``kind`` is ``results`` (SELECT/ASK) or ``rdf`` (CONSTRUCT/DESCRIBE, graphs).
    """
    supported = types_for(kind)
    fmt = request.args.get("format")
    if fmt is None and _has_form():
        fmt = request.form.get("format")
    if fmt:
        wanted = FORMATS.get(fmt.strip().lower(), fmt.strip().lower())
        wanted = ALIASES[kind].get(wanted, _CROSS[kind].get(wanted, wanted))
        if wanted in supported:
            return wanted
        if fmt.strip().lower() not in FORMATS and "/" not in fmt:
            raise ApiError(
                400,
                f"unknown format {fmt!r}; use one of: {', '.join(sorted(FORMATS))}",
            )
        raise ApiError(
            406,
            f"format {fmt!r} is not available for this result; supported: {', '.join(supported)}",
            supported=supported,
        )
    header = request.headers.get("Accept")
    if header in supported:
        return header  # exactly one supported type (most programs): what parsing would give
    accept = accept_without_parameters()
    if not accept:
        return supported[0]
    browser = "text/html" in accept.values()
    aliases = {
        alias: canonical
        for alias, canonical in (ALIASES[kind] | _CROSS[kind]).items()
        if not (browser and alias in ("application/xml", "text/xml"))
    }
    match = accept.best_match(supported + list(aliases))
    if match is None:
        if browser:
            return supported[0]
        raise ApiError(
            406,
            f"none of the accepted media types ({request.headers.get('Accept')}) is available; "
            f"supported: {', '.join(supported)}",
            supported=supported,
        )
    return aliases.get(match, match)


def accept_without_parameters() -> MIMEAccept:
    """The request's Accept, with media-type parameters other than q dropped.

    Why: werkzeug matches parameters exactly, so ``text/turtle; charset=utf-8`` would not
    match the ``text/turtle`` we serve (always UTF-8).
    """
    return MIMEAccept([
        (value.split(";", 1)[0].strip(), quality) for value, quality in request.accept_mimetypes
    ])


def _has_form() -> bool:
    return request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded"


def content_type(media_type: str) -> str:
    """The Content-Type header value (text types say their charset)."""
    if media_type.startswith("text/") or media_type in ("application/n-triples",):
        return f"{media_type}; charset=utf-8"
    return media_type
