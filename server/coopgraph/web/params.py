"""Reading protocol parameters: text bodies, IRIs, repeated dataset parameters."""

from __future__ import annotations

import re

from flask import request

from .errors import ApiError

_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]*$")


def check_iri(value: str, parameter: str) -> str:
    """``value`` if it is an absolute IRI, else a 400 naming the parameter."""
    if not _IRI.match(value):
        raise ApiError(400, f"{parameter} must be an absolute IRI, got {value!r}")
    return value


def body_text(what: str) -> str:
    """The request body decoded as UTF-8: 415 for another charset, 400 if it is not UTF-8.

    The SPARQL Protocol requires UTF-8 for ``application/sparql-query`` and
    ``application/sparql-update`` bodies.
    """
    charset = request.mimetype_params.get("charset", "utf-8").strip().lower()
    if charset not in ("utf-8", "utf8", "us-ascii"):
        raise ApiError(415, f"the {what} must be sent as UTF-8, not {charset}")
    raw = request.get_data(cache=True)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, f"the {what} is not valid UTF-8 text") from exc


def form_or_args(name: str) -> list[str]:
    """All values of a parameter from the URL and, for form posts, the body."""
    values = request.args.getlist(name)
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        values += request.form.getlist(name)
    return values


def dataset_params(prefix: str = "") -> tuple[list[str], list[str]]:
    """``default-graph-uri`` and ``named-graph-uri`` values (each checked to be an IRI)."""
    defaults = [check_iri(v, f"{prefix}default-graph-uri") for v in form_or_args(
        f"{prefix}default-graph-uri")]
    named = [check_iri(v, f"{prefix}named-graph-uri") for v in form_or_args(
        f"{prefix}named-graph-uri")]
    return defaults, named
