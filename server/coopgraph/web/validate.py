"""``/validate``: check a contribution against the graph, for people (HTML) and programs.

``POST /validate`` takes a raw body whose Content-Type names the syntax (Turtle, TriG,
JSON-LD, RDF/XML, N-Triples, N-Quads, or ``text/csv`` for the spreadsheet template) or a
multipart upload (a ``file`` part, or a ``text`` field with a ``syntax`` field: the page's
paste box). The report comes by content negotiation: JSON (default), Turtle (the standard
``sh:ValidationReport``) or HTML. ``GET /validate`` is the page with the form.

Too large → 413 before anything is parsed; unsupported type → 415; unreadable → 400 with the
line and column. Nothing is ever written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from flask import Blueprint, Response, current_app, g, render_template, request
from rdflib import Graph

from ..contextual import (
    Contribution,
    context_from_store,
    parse_contribution,
    validate_contribution,
)
from ..input_guard import MAX_CONTRIBUTION_BYTES, InputTooLarge
from ..rdfio import RdfParseError, check_safe
from ..validate import Report, short
from .errors import ApiError
from .i18n import COOKIE, LANGS
from .service import service

bp = Blueprint("validate", __name__, template_folder="templates")

#: What a contribution may be sent as (media type → name on the page).
SUBMISSION_TYPES: dict[str, str] = {
    "text/turtle": "Turtle",
    "application/trig": "TriG",
    "application/ld+json": "JSON-LD",
    "application/rdf+xml": "RDF/XML",
    "application/n-triples": "N-Triples",
    "application/n-quads": "N-Quads",
    "text/csv": "CSV (template)",
}
_ALIASES = {
    "application/x-turtle": "text/turtle",
    "application/x-trig": "application/trig",
    "application/json": "application/ld+json",
    "application/xml": "application/rdf+xml",
    "text/xml": "application/rdf+xml",
    "text/x-nquads": "application/n-quads",
    "application/csv": "text/csv",
}
_EXTENSIONS = {
    ".ttl": "text/turtle", ".trig": "application/trig", ".jsonld": "application/ld+json",
    ".json": "application/ld+json", ".rdf": "application/rdf+xml",
    ".xml": "application/rdf+xml", ".owl": "application/rdf+xml",
    ".nt": "application/n-triples", ".nq": "application/n-quads", ".csv": "text/csv",
}
REPORT_TYPES = ["application/json", "text/turtle", "text/html"]


def max_size() -> int:
    """The largest contribution accepted (setting ``MAX_CONTRIBUTION_SIZE``)."""
    return int(current_app.config.get("MAX_CONTRIBUTION_SIZE") or MAX_CONTRIBUTION_BYTES)


def _media_type(given: str, filename: str = "") -> str | None:
    mt = (given or "").split(";")[0].strip().lower()
    mt = _ALIASES.get(mt, mt)
    if mt in SUBMISSION_TYPES:
        return mt
    return _EXTENSIONS.get(PurePosixPath(filename).suffix.lower()) if filename else None


def _unsupported(what: str) -> ApiError:
    return ApiError(415, f"unsupported Content-Type {what!r}; send one of: "
                         f"{', '.join(SUBMISSION_TYPES)} (or a multipart upload)",
                    supported=list(SUBMISSION_TYPES))


@dataclass
class Submission:
    """The bytes of a submitted contribution, their syntax and the name errors call them."""

    data: bytes
    media_type: str
    name: str


def read_submission() -> Submission:
    """The contribution in the request, or a 413/415/400 :class:`ApiError` (nothing parsed)."""
    limit = max_size()
    length = request.content_length
    if length is not None and length > limit + 64 * 1024:  # room for multipart framing
        raise ApiError(413, f"the contribution is too large: {length} bytes, limit {limit}",
                       limit=limit)
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is not None and upload.filename:
            data = upload.read(limit + 1)
            mt = _media_type(upload.mimetype, upload.filename) or _media_type(
                request.form.get("syntax", ""))
            if mt is None:
                raise _unsupported(upload.mimetype or upload.filename)
            name = upload.filename
        else:
            data = request.form.get("text", "").encode("utf-8")
            mt = _media_type(request.form.get("syntax", "text/turtle"))
            if mt is None:
                raise _unsupported(request.form.get("syntax", ""))
            name = "<texte collé>" if request_lang() == "fr" else "<pasted text>"
    else:
        mt = _media_type(request.mimetype)
        if mt is None:
            raise _unsupported(request.mimetype or "(none)")
        data = request.get_data(cache=False)
        name = "<request body>"
    if len(data) > limit:
        raise ApiError(413, f"the contribution is too large: more than {limit} bytes",
                       limit=limit)
    return Submission(data=data, media_type=mt, name=name)


def _parse_in_worker(data: bytes, media_type: str, name: str, base_iri: str) -> bytes:
    """An RDF submission as N-Triples: checked here (``check_safe``: cheap, linear), parsed in
    a query worker under the time limit (a parse that takes longer is killed: 503)."""
    check_safe(data, media_type, name)
    return service().executor.to_ntriples(data, media_type, name, base_iri=base_iri,
                                          client=request.remote_addr)


def parse_submission(sub: Submission) -> Contribution:
    """Parse, turning a refusal into 413 (too large) or 400 (with line and column).

    RDF is parsed in a query worker under the time limit (:func:`_parse_in_worker`); CSV,
    bounded by its size, is read here."""
    try:
        return parse_contribution(sub.data, sub.media_type, sub.name, parser=_parse_in_worker)
    except InputTooLarge as exc:
        raise ApiError(413, str(exc)) from exc
    except RdfParseError as exc:
        extra: dict[str, Any] = {k: v for k, v in (("line", exc.line), ("column", exc.column))
                                 if v is not None}
        raise ApiError(400, f"the contribution cannot be read: {exc}", **extra) from exc


def graph_context() -> Graph:
    """What the graph holds (curated data, links, contributions), cached per store version."""
    svc = service()
    base = current_app.config["BASE"]
    key = ("contribution-context", svc.version)
    with svc.cache_lock:
        cached = svc.cache.get(key)
    if cached is not None:
        return cached
    store = svc.store
    graphs = [f"{base}graph/data", f"{base}graph/links"] + [
        g for g in store.named_graphs() if g.startswith(f"{base}graph/contribution/")
        and not g.endswith("/inferred")]
    context = context_from_store(store, graphs)
    with svc.cache_lock:
        for old in [k for k in svc.cache if isinstance(k, tuple)
                    and k[0] == "contribution-context"]:
            del svc.cache[old]
        svc.cache[key] = context
    return context


def request_lang() -> str:
    """``?lang=`` (or the form's), else the pages' language cookie (the switch of the shared
    layout), else the best of Accept-Language, else English."""
    given = request.args.get("lang") or (
        request.form.get("lang") if request.mimetype == "multipart/form-data" else None)
    if given in ("fr", "en"):
        return given
    if given:
        raise ApiError(400, f"unknown language {given!r}; use fr or en")
    if request.cookies.get(COOKIE) in LANGS:
        return str(request.cookies[COOKIE])
    return request.accept_languages.best_match(["en", "fr"]) or "en"


def report_type() -> str:
    fmt = request.args.get("format")
    if fmt:
        wanted = {"json": "application/json", "turtle": "text/turtle", "ttl": "text/turtle",
                  "html": "text/html"}.get(fmt.lower())
        if wanted is None:
            raise ApiError(400, f"unknown format {fmt!r}; use json, turtle or html")
        return wanted
    accept = request.accept_mimetypes
    if not accept or accept.best == "*/*":
        return "application/json"
    best = accept.best_match(REPORT_TYPES)
    if best is None:
        raise ApiError(406, "the report is available as " + ", ".join(REPORT_TYPES),
                       supported=REPORT_TYPES)
    return best


TEXTS = {
    "en": {
        "title": "Check a contribution", "file": "File", "or_paste": "or paste it here",
        "syntax": "Syntax", "language": "Language", "submit": "Check",
        "conforms": "Conforms: the graph can take it in.",
        "not": "Does not conform: fix the problems below, then check again.",
        "line": "line", "column": "column", "value": "value", "hint": "How to fix",
        "intro": "Upload a Turtle, TriG, JSON-LD, RDF/XML, N-Triples or N-Quads file, or a CSV "
                 "file made from the template, and read what to fix. Nothing is stored.",
        "template": "CSV template and documentation", "error": "Cannot read the file",
        "unchecked": "Read, but cannot be checked",
        "other": "Français", "other_lang": "fr", "results": "problem(s)",
        "colon": ": ",
    },
    "fr": {
        "title": "Vérifier une contribution", "file": "Fichier", "or_paste": "ou collez-le ici",
        "syntax": "Syntaxe", "language": "Langue", "submit": "Vérifier",
        "conforms": "Conforme : le graphe peut l'accueillir.",
        "not": "Non conforme : corrigez les problèmes ci-dessous, puis vérifiez à nouveau.",
        "line": "ligne", "column": "colonne", "value": "valeur", "hint": "Comment corriger",
        "intro": "Déposez un fichier Turtle, TriG, JSON-LD, RDF/XML, N-Triples ou N-Quads, ou "
                 "un CSV fait à partir du modèle, et lisez ce qu'il faut corriger. Rien n'est "
                 "enregistré.",
        "template": "Modèle CSV et documentation", "error": "Fichier illisible",
        "unchecked": "Fichier lu, mais impossible à vérifier",
        "other": "English", "other_lang": "en", "results": "problème(s)",
        "colon": "\u00a0: ",  # French typography: a no-break space before the colon
    },
}


def grouped(report: Report) -> list[dict]:
    """Results grouped by resource, in the order of the file."""
    groups: dict[str, dict] = {}
    for r in report.results:
        label = short(r.focus_node)
        key = r.focus_node.n3()
        if r.referenced_by and label == "[]":
            s, p = r.referenced_by[0]
            label = f"{short(p)} ← {short(s)}"
            key = label
        group = groups.setdefault(key, {"resource": label, "line": r.line, "results": []})
        group["results"].append({
            "severity": r.severity, "path": r.path_text, "message": r.message, "hint": r.hint,
            "value": None if r.value is None else short(r.value), "line": r.line,
            "column": r.column,
        })
    return list(groups.values())


def render_page(lang: str, *, report: Report | None = None, error: str | None = None,
                status: int = 200, pasted: tuple[str, str] = ("", "text/turtle"),
                unchecked: bool = False) -> Response:
    """The page; ``error`` under "cannot read the file", or under "read, but cannot be
    checked" with ``unchecked`` (a file the validator stopped on); ``pasted``: the paste
    box's text and syntax."""
    g.lang = lang  # the shared layout's language switch follows this page's language
    html = render_template(
        "validate.html", v=TEXTS[lang], report=report, error=error, unchecked=unchecked,
        groups=grouped(report) if report is not None else [], types=SUBMISSION_TYPES,
        text=pasted[0], syntax=pasted[1], max_size=max_size())
    return Response(html, status=status, mimetype="text/html")


def respond(report: Report, lang: str, status: int = 200, *,
            pasted: tuple[str, str] = ("", "text/turtle")) -> Response:
    """The report in the negotiated type (the page keeps the ``pasted`` text, see
    :func:`_pasted`)."""
    media_type = report_type()
    headers = {"Vary": "Accept, Accept-Language", "Content-Language": lang}
    if media_type == "text/turtle":
        return Response(report.to_turtle(), status=status, mimetype="text/turtle",
                        headers=headers)
    if media_type == "text/html":
        response = render_page(lang, report=report, status=status, pasted=pasted)
        response.headers.update(headers)
        return response
    return Response(report.to_json(), status=status, mimetype="application/json",
                    headers=headers)


@bp.route("/validate", methods=["GET"])
def page() -> Response:
    """The page: an upload form and a paste box."""
    return render_page(request_lang())


def _pasted() -> tuple[str, str]:
    """The paste box's text and syntax, to give back in the page (a contributor mends the
    text where it is, instead of pasting it again); empty for an upload or a bare body."""
    if request.mimetype != "multipart/form-data" or (
            request.files.get("file") is not None and request.files["file"].filename):
        return "", "text/turtle"
    return request.form.get("text", ""), request.form.get("syntax", "text/turtle")


@bp.route("/validate", methods=["POST"])
def check() -> Response:
    """Validate the submitted contribution in the context of the graph; store nothing."""
    lang = request_lang()
    try:
        contribution = parse_submission(read_submission())
    except ApiError as exc:
        if report_type() == "text/html":
            # The page already says "cannot read the file": the parser's place and reason
            # follow it, without the API message's English lead-in.
            cause = exc.__cause__
            error = str(cause) if isinstance(cause, RdfParseError) else exc.message
            return render_page(lang, error=error, status=exc.status, pasted=_pasted())
        raise
    try:
        report = validate_contribution(contribution, context=graph_context(), lang=lang)
    except RdfParseError as exc:  # readable, but the validator cannot check it
        if report_type() == "text/html":
            return render_page(lang, error=str(exc), status=400, unchecked=True, pasted=_pasted())
        raise ApiError(400, str(exc)) from exc
    return respond(report, lang, pasted=_pasted())
