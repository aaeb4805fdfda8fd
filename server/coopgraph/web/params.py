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
    """The request body decoded as UTF-8 (400 if it is not)."""
    raw = request.get_data(cache=True)
    charset = request.mimetype_params.get("charset", "utf-8")
    try:
        return raw.decode(charset)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ApiError(400, f"the {what} is not valid {charset} text") from exc


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
