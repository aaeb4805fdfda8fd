"""Content negotiation: which media type a response gets.

The one module that decides, from an ``Accept`` header (and ``?format=``), what a response
is: the media type of a result (:func:`choose`), whether a browser wants a page
(:func:`wants_html`), whether an error body is JSON (:func:`prefers_json`). The functions take
header values, so the ``/sparql`` core (web/sparql_core.py) calls them without a Flask
request; :func:`negotiate` is the same decision for the current Flask request. Headers are
parsed by werkzeug's ``MIMEAccept`` (q-values, wildcards, specificity); ``?format=`` overrides
them. Browsers (an explicit ``text/html``) and ``*/*`` get the
default of the result kind, and the ``application/xml`` a browser also lists is not taken
as a request for SPARQL XML. :func:`rdf_response` writes a small document (the service
description, VoID, the examples) in the negotiated RDF syntax.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask import Response, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from ..formats import RDF_TYPES, RESULT_TYPES
from ..rdfio import RdfTriple, serialize_triples
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
    """The media type for the current Flask request (see :func:`choose`)."""
    fmt = request.args.get("format")
    if fmt is None and _has_form():
        fmt = request.form.get("format")
    return choose(kind, request.headers.get("Accept"), fmt)


def choose(kind: str, accept_header: str | None, fmt: str | None = None) -> str:
    """The media type to answer with, or a 406/400 :class:`ApiError`.

    ``kind`` is ``results`` (SELECT/ASK) or ``rdf`` (CONSTRUCT/DESCRIBE, graphs);
    ``accept_header`` the request's ``Accept``; ``fmt`` its ``format`` parameter, which wins.
    """
    supported = types_for(kind)
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
    if accept_header is None or accept_header == "*/*":
        return supported[0]
    if accept_header in supported:
        return accept_header  # exactly one supported type (most programs): no parsing
    accept = parse_accept(accept_header)
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
            f"none of the accepted media types ({accept_header}) is available; "
            f"supported: {', '.join(supported)}",
            supported=supported,
        )
    return aliases.get(match, match)


def parse_accept(header: str | None) -> MIMEAccept:
    """An ``Accept`` header parsed, with media-type parameters other than q dropped.

    Why: werkzeug matches parameters exactly, so ``text/turtle; charset=utf-8`` would not
    match the ``text/turtle`` we serve (always UTF-8).
    """
    return MIMEAccept([
        (value.split(";", 1)[0].strip(), quality)
        for value, quality in parse_accept_header(header, MIMEAccept)
    ])


def accept_without_parameters() -> MIMEAccept:
    """The current Flask request's Accept, parsed by :func:`parse_accept`."""
    return parse_accept(request.headers.get("Accept"))


def wants_html(accept_header: str | None) -> bool:
    """True when the client lists text/html explicitly and ranks it above every RDF syntax
    (a browser opening a URL that also serves RDF)."""
    accept = parse_accept(accept_header)
    if "text/html" not in accept.values():
        return False
    return accept.best_match(["text/html", *RDF_TYPES]) == "text/html"


def prefers_json(accept_header: str | None) -> bool:
    """True when the client ranks a JSON type above plain text (explicitly, not via */*):
    error bodies are then JSON, else one line of text."""
    accept = parse_accept_header(accept_header, MIMEAccept)
    listed = set(accept.values())
    json_q = max(
        (accept.quality(t) for t in _JSON_TYPES if t in listed), default=0
    )
    text_q = accept.quality("text/plain") if "text/plain" in listed else 0
    return json_q > 0 and json_q >= text_q


_JSON_TYPES = ("application/json", "application/sparql-results+json", "application/ld+json")


def _has_form() -> bool:
    return request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded"


def content_type(media_type: str) -> str:
    """The Content-Type header value (text types say their charset)."""
    if media_type.startswith("text/") or media_type in ("application/n-triples",):
        return f"{media_type}; charset=utf-8"
    return media_type


def rdf_response(triples: Iterable[RdfTriple], prefixes: Mapping[str, str]) -> Response:
    """``triples`` (rdflib terms) in the RDF syntax the current request negotiates (Turtle by
    default), with ``prefixes`` where the syntax has them; 406 if it accepts none."""
    media_type = negotiate("rdf")
    return rdf_document(serialize_triples(triples, media_type, prefixes=prefixes), media_type)


def rdf_document(data: bytes, media_type: str) -> Response:
    """An RDF document already written in the negotiated ``media_type``."""
    return Response(data, content_type=content_type(media_type), headers={"Vary": "Accept"})
