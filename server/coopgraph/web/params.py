"""Reading protocol parameters: text bodies, IRIs, repeated dataset parameters."""

from __future__ import annotations

import re

from flask import request

from .errors import ApiError

#: An absolute IRI (RFC 3987 excludes controls, spaces and these delimiters from every part).
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20\x7f-\x9f<>\"{}|\\^`]*$")
#: A percent sign not followed by two hex digits.
_BAD_PERCENT = re.compile(rb"%(?![0-9A-Fa-f]{2})")
#: Charsets a form body or a query may declare (the SPARQL Protocol requires UTF-8).
UTF8_NAMES = ("utf-8", "utf8", "us-ascii")
_FORM = "application/x-www-form-urlencoded"


def check_iri(value: str, parameter: str) -> str:
    """``value`` if it is an absolute IRI, else a 400 naming the parameter.

    Control characters (``%00``, ``%0A``) are refused here: the engine would raise on them
    (a 500 before this check).
    """
    if not _IRI.match(value):
        raise ApiError(400, f"{parameter} must be an absolute IRI, got {value!r}")
    return value


def check_encoded(raw: bytes, where: str) -> None:
    """400 unless ``raw`` (a query string or form body) is valid percent-encoded UTF-8.

    werkzeug decodes bad sequences leniently (``%FF`` becomes a replacement character or
    stays as text), so a query would run as a different text than the client sent.
    """
    from urllib.parse import unquote_to_bytes

    bad = _BAD_PERCENT.search(raw)
    if bad:
        raise ApiError(400, f"the {where} has an invalid percent-escape at character "
                            f"{bad.start() + 1}: {raw[bad.start():bad.start() + 3]!r}")
    if b"%" not in raw and raw.isascii():
        return  # nothing escaped, all ASCII: UTF-8 already (most queries sent by programs)
    for part in raw.split(b"&"):
        try:
            unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ApiError(400, f"the {where} is not percent-encoded UTF-8 "
                                f"({part[:60]!r}...)") from exc


def check_request_encoding() -> None:
    """Before every request: the URL's query string and a form body are UTF-8, as declared.

    400 for invalid percent-encoding; 415 for a form body that declares another charset
    (``application/x-www-form-urlencoded; charset=utf-16``), as docs/limits.md promises.
    """
    form = request.method == "POST" and request.mimetype == _FORM
    check_encoding(request.query_string, request.mimetype_params.get("charset") if form else None,
                   request.get_data(cache=True) if form else None)


def check_encoding(query_string: bytes, form_charset: str | None, form_body: bytes | None) -> None:
    """The checks of :func:`check_request_encoding` on plain values (``form_body`` None: no
    form body); the ``/sparql`` core calls it outside Flask."""
    check_encoded(query_string, "query string")
    if form_body is not None:
        charset = (form_charset or "utf-8").strip().lower()
        if charset not in UTF8_NAMES:
            raise ApiError(415, f"form bodies must be sent as UTF-8, not {charset}")
        check_encoded(form_body, "form body")


def decode_text(raw: bytes, charset: str | None, what: str) -> str:
    """``raw`` as UTF-8 text: 415 for another declared charset, 400 if it is not UTF-8."""
    charset = (charset or "utf-8").strip().lower()
    if charset not in UTF8_NAMES:
        raise ApiError(415, f"the {what} must be sent as UTF-8, not {charset}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, f"the {what} is not valid UTF-8 text") from exc


def body_text(what: str) -> str:
    """The request body decoded as UTF-8: 415 for another charset, 400 if it is not UTF-8.

    The SPARQL Protocol requires UTF-8 for ``application/sparql-query`` and
    ``application/sparql-update`` bodies.
    """
    return decode_text(request.get_data(cache=True), request.mimetype_params.get("charset"),
                       what)


def form_or_args(name: str) -> list[str]:
    """All values of a parameter from the URL and, for form posts, the body."""
    values = request.args.getlist(name)
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        values += request.form.getlist(name)
    return values


def dataset_params(prefix: str = "") -> tuple[list[str], list[str]]:
    """``default-graph-uri`` and ``named-graph-uri`` values (each checked to be an IRI)."""
    return check_dataset(form_or_args(f"{prefix}default-graph-uri"),
                         form_or_args(f"{prefix}named-graph-uri"), prefix)


def check_dataset(defaults: list[str], named: list[str],
                  prefix: str = "") -> tuple[list[str], list[str]]:
    """The dataset parameters' values, each checked to be an IRI (400 naming the parameter)."""
    return ([check_iri(v, f"{prefix}default-graph-uri") for v in defaults],
            [check_iri(v, f"{prefix}named-graph-uri") for v in named])
