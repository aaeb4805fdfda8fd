"""Lookups answered in the web process: queries whose cost is bounded by their shape.

Why: a query worker is a separate process so that the time limit can stop any query (the
process is killed). For a lookup of a few rows that costs more than the lookup itself: a
round trip through a pipe, two context switches and the worker's own Python work, about
0.4 ms of CPU per request beside the engine's few microseconds (docs/benchmarks.md,
"Lookups in the web process"). Some queries need no such guard, because their shape bounds
their work: one triple pattern whose subject is a fixed IRI is one scan of one index range,
from that subject's first triple to its last. Evaluated with ``LIMIT max_rows + 1`` added,
such a query reads at most ``max_rows + 1`` triples whatever the store holds; when it
returns more than ``max_rows`` rows, it goes to a worker instead, as every other query does.

What counts as a lookup (anything else goes to a worker), in the token grammar of
:mod:`coopgraph.sparql_safety`:

    [PREFIX p: <iri> | BASE <iri>]*
    SELECT (* | ?v+) [WHERE] { S P O [.] } [LIMIT n]     with n <= max_rows
    ASK [WHERE] { S P O [.] }

where S is an IRI or a prefixed name, P an IRI, a prefixed name, a variable or ``a``, and O an
IRI, a prefixed name or a variable. No DISTINCT, ORDER BY, FILTER, OPTIONAL, FROM, paths or
blank nodes: each of those can make the engine read far more than it returns. Requests with
the protocol's ``default-graph-uri``/``named-graph-uri`` also go to a worker.

The answer is the engine's own serialisation: the rows come as SPARQL JSON (counted by
pyoxigraph's parser), and another format is pyoxigraph's serialisation of the parsed JSON, so
a lookup answered here is byte for byte the answer a worker gives.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pyoxigraph as ox

from .. import sparql_safety
from ..formats import RESULT_FORMATS, query_kwargs

JSON_RESULTS = "application/sparql-results+json"

_GAP = r"(?:\s|#[^\r\n]*)*"
#: What may follow the pattern's closing brace: nothing, or ``LIMIT n``.
_TAIL = re.compile(f"{_GAP}(?:(?i:limit){_GAP}(?P<limit>[0-9]+){_GAP})?")


@dataclass(frozen=True)
class Lookup:
    """A query this module may answer: its form and its own LIMIT (None without one)."""

    form: str  # SELECT or ASK
    limit: int | None


def recognise(text: str, max_rows: int) -> Lookup | None:
    """The query as a :class:`Lookup` if its shape bounds its work (see module), else None."""
    # Every query passes here: one brace pair or none is a C-speed test that spares the
    # tokenizer any longer text (a brace in a comment only sends a lookup to a worker).
    if text.count("{") != 1 or text.count("}") != 1:
        return None
    tokens = sparql_safety.significant_tokens(text)
    pos = _skip_prologue(tokens)
    if pos is None or pos >= len(tokens):
        return None
    kind, value, _ = tokens[pos]
    form = value.upper() if kind == "word" else ""
    pos += 1
    if form == "SELECT":
        if pos < len(tokens) and tokens[pos][1] == "*":
            pos += 1
        else:
            start = pos
            while pos < len(tokens) and tokens[pos][0] == "var":
                pos += 1
            if pos == start:
                return None
    elif form != "ASK":
        return None
    if pos < len(tokens) and tokens[pos][0] == "word" and tokens[pos][1].upper() == "WHERE":
        pos += 1
    end = _pattern_end(tokens, pos)
    if end is None:
        return None
    tail = _TAIL.fullmatch(text, tokens[end][2] + 1)
    if tail is None:
        return None
    limit = None if tail.group("limit") is None else int(tail.group("limit"))
    if limit is not None and (form == "ASK" or limit > max_rows):
        return None
    return Lookup(form, limit)


def _skip_prologue(tokens: list[tuple[str, str, int]]) -> int | None:
    pos = 0
    while pos < len(tokens) and tokens[pos][0] == "word":
        word = tokens[pos][1].upper()
        if word == "PREFIX":
            if (pos + 2 >= len(tokens) or tokens[pos + 1][0] != "pname"
                    or not tokens[pos + 1][1].endswith(":") or tokens[pos + 2][0] != "iri"):
                return None
            pos += 3
        elif word == "BASE":
            if pos + 1 >= len(tokens) or tokens[pos + 1][0] != "iri":
                return None
            pos += 2
        else:
            break
    return pos


def _pattern_end(tokens: list[tuple[str, str, int]], pos: int) -> int | None:
    """The index of the ``}`` closing ``{ S P O [.] }`` starting at ``pos``, or None."""
    shape = tokens[pos:pos + 6]
    if len(shape) < 5 or shape[0][1] != "{":
        return None
    subject, predicate, obj = shape[1], shape[2], shape[3]
    if subject[0] not in ("iri", "pname"):
        return None
    if predicate[0] not in ("iri", "pname", "var") and predicate[1] != "a":
        return None
    if obj[0] not in ("iri", "pname", "var"):
        return None
    close = 4
    if shape[4][1] == "." and len(shape) == 6:
        close = 5
    if shape[close][1] != "}" or shape[close][0] != "other":
        return None
    return pos + close


def answer(engine: ox.Store, text: str, lookup: Lookup, media_type: str, *,
           union_default_graph: bool, base_iri: str | None, max_rows: int,
           max_bytes: int) -> bytes | None:
    """The serialised answer of a lookup, or None when a worker must answer it instead.

    None when it has more than ``max_rows`` rows, more than ``max_bytes`` bytes, or any
    error (a syntax error included: the worker path reports it with its line and column).
    """
    fmt = RESULT_FORMATS.get(media_type)
    if fmt is None:
        return None
    limited = text if lookup.form == "ASK" or lookup.limit is not None else (
        f"{text}\nLIMIT {max_rows + 1}")
    kwargs = query_kwargs(union_default_graph=union_default_graph, default_graphs=None,
                          named_graphs=None, base_iri=base_iri, has_dataset_clause=False)
    try:
        raw = engine.query(limited, **kwargs)
        if isinstance(raw, ox.QueryTriples):
            return None
        out = io.BytesIO()
        raw.serialize(out, ox.QueryResultsFormat.JSON)
        body = out.getvalue()
        if lookup.form == "SELECT":
            rows = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
            if not isinstance(rows, ox.QuerySolutions) or _count(rows) > max_rows:
                return None
        if media_type != JSON_RESULTS:
            parsed = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
            body = parsed.serialize(format=fmt) or b""
    except Exception:  # noqa: BLE001 - a worker evaluates it again and reports the error
        return None
    return body if len(body) <= max_bytes else None


def _count(rows: ox.QuerySolutions) -> int:
    return sum(1 for _ in rows)


class Answered(Iterator[bytes]):
    """A lookup's whole answer, as :meth:`Executor.run_query` returns results: chunks to
    iterate, and ``whole()`` (one write, with a Content-Length; see web/sparql_core.py)."""

    def __init__(self, body: bytes) -> None:
        self._body = body
        self._sent = False

    def __next__(self) -> bytes:
        if self._sent:
            raise StopIteration
        self._sent = True
        return self._body

    def whole(self) -> bytes:
        return self._body

    def close(self) -> None:
        """Nothing to free: no worker, no slot."""
