"""Refuse contributed input that could exhaust the machine or reach the network, before parsing.

Why here and not in rdfio.py: helper "rel" is making rdfio.py's parsing bounded (entity
declarations refused, nesting and literal bounds). Until that lands, the contribution paths
(``coopgraph validate``/``contribute``, ``POST /validate``, ``POST /contributions``) call
:func:`check_input` first. The checks are cheap byte scans, so a "billion laughs" or a remote
JSON-LD context is refused in milliseconds with bounded memory; the integrator can replace
this module by rel's checks.
"""

from __future__ import annotations

import json
import re

from .rdfio import RdfParseError

#: Largest contribution accepted, in bytes (a setting for helper "settings" to adopt).
MAX_CONTRIBUTION_BYTES = 32 * 1024 * 1024
#: Longest literal accepted, in characters (a huge literal is refused, not stored).
MAX_LITERAL_CHARS = 1_000_000
#: Deepest nesting of brackets accepted (Turtle ``[ [ [`` / ``( (``, JSON ``{ [``).
MAX_NESTING = 64

_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _position(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    line = before.count(b"\n") + 1
    column = len(before[before.rfind(b"\n") + 1:].decode("utf-8", errors="replace")) + 1
    return line, column


def check_size(size: int, name: str, limit: int = MAX_CONTRIBUTION_BYTES) -> None:
    """Refuse more than ``limit`` bytes (callers check before reading a body)."""
    if size > limit:
        raise InputTooLarge(name, f"{size} bytes is more than the {limit} bytes accepted")


class InputTooLarge(RdfParseError):
    """The input is larger than the accepted size (HTTP 413)."""


def _max_nesting(data: bytes, opening: bytes, closing: bytes) -> tuple[int, int]:
    """Deepest bracket nesting outside quoted strings, and where it is first exceeded."""
    depth = deepest = 0
    where = 0
    quote = 0
    i = 0
    n = len(data)
    while i < n:
        c = data[i]
        if quote:
            if c == 0x5C:  # backslash: skip the escaped byte
                i += 2
                continue
            if c == quote:
                quote = 0
        elif c in (0x22, 0x27):  # " '
            quote = c
        elif c == 0x23 and opening == b"[(":  # Turtle comment to end of line
            end = data.find(b"\n", i)
            i = n if end < 0 else end
            continue
        elif c in opening:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest == MAX_NESTING + 1:
                    where = i
        elif c in closing:
            depth -= 1
        i += 1
    return deepest, where


def check_input(data: bytes, syntax: str, name: str) -> None:
    """Raise :class:`RdfParseError` for input we refuse to parse (with line and column).

    ``syntax`` is a media type or format name (only its family matters here).
    """
    check_size(len(data), name)
    if not data.strip():
        raise RdfParseError(name, "the input is empty: nothing to validate")
    s = syntax.lower()
    if "xml" in s:
        m = _DOCTYPE.search(data)
        if m:
            line, column = _position(data, m.start())
            raise RdfParseError(
                name, "XML document type and entity declarations (<!DOCTYPE, <!ENTITY) are "
                "not accepted: they can expand without bound or fetch external files",
                line, column)
    if any(k in s for k in ("turtle", "trig", "json", "n3")):
        opening, closing = (b"{[", b"}]") if "json" in s else (b"[(", b"])")
        deepest, where = _max_nesting(data, opening, closing)
        if deepest > MAX_NESTING:
            line, column = _position(data, where)
            raise RdfParseError(
                name, f"nesting deeper than {MAX_NESTING} levels is not accepted", line, column)
    if "json" in s:
        _check_contexts(data, name)
    longest = _longest_line_literal(data)
    if longest is not None:
        line, column = _position(data, longest)
        raise RdfParseError(
            name, f"a literal longer than {MAX_LITERAL_CHARS} characters is not accepted",
            line, column)


def _remote_contexts(node: object) -> bool:
    """True if a JSON-LD ``@context`` (or ``@import``) anywhere names a document to fetch."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@import" and isinstance(value, str):
                return True
            if key == "@context":
                values = value if isinstance(value, list) else [value]
                if any(isinstance(v, str) for v in values):
                    return True
            if _remote_contexts(value):
                return True
    elif isinstance(node, list):
        return any(_remote_contexts(v) for v in node)
    return False


def _check_contexts(data: bytes, name: str) -> None:
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        return  # not JSON: the parser reports where
    if _remote_contexts(doc):
        m = re.search(rb'"@(context|import)"', data)
        line, column = _position(data, m.start()) if m else (None, None)
        raise RdfParseError(
            name, "remote JSON-LD @context not allowed (nothing is fetched from the network): "
            "write the context inline", line, column)


def _longest_line_literal(data: bytes) -> int | None:
    """Where a run of more than MAX_LITERAL_CHARS bytes without a quote starts, if any.

    A cheap over-approximation of "a literal is too long": any literal that long contains such
    a run; a legitimate file almost never has a megabyte without a quote character.
    """
    if len(data) <= MAX_LITERAL_CHARS:
        return None
    start = 0
    for m in re.finditer(rb'["\']', data):
        if m.start() - start > MAX_LITERAL_CHARS:
            return start
        start = m.start()
    if len(data) - start > MAX_LITERAL_CHARS:
        return start
    return None
