"""LOAD in updates: refused, except ``LOAD SILENT``, cut out of the request (a no-op).
"""

from __future__ import annotations

import pyoxigraph as ox

from coopgraph import sparql_safety
from coopgraph.executor.errors import QueryRefused, _syntax_error


def _load_refused(ref: sparql_safety.Reference | sparql_safety.LoadOperation) -> QueryRefused:
    return QueryRefused(
        f"LOAD {ref.target}: this endpoint does not fetch data from the web; "
        "upload it with the Graph Store Protocol instead"
    )


def _rdflib_rejects(update_text: str) -> bool:
    """True if rdflib's SPARQL Update parser cannot parse the text (it only parses)."""
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parseUpdate(update_text)
    except Exception:  # noqa: BLE001 - pyparsing and rdflib raise many types for bad input
        return True
    return False


def _without_silent_loads(
    update_text: str, base_iri: str | None, analysis: sparql_safety.Analysis
) -> str:
    """The update to run instead of a text that contains LOAD, or an exception.

    Nothing is ever fetched: the text with its LOAD operations replaced by COPY operations of
    the same shape (:func:`sparql_safety.replace_loads`) is run on an empty in-memory store,
    only when the strict text checks find no LOAD or SERVICE left in it, to learn whether
    Oxigraph parses the original. Oxigraph parses a whole request before running any of it.

    * It does not parse, and rdflib's parser (parse only) rejects the original too:
      :class:`QuerySyntaxError` (400), with Oxigraph's message and position in the original.
      When only one of them rejects it, the text is refused as before (403): a 400 is given
      only when both grammars agree.
    * It parses: a LOAD without SILENT is refused (403). ``LOAD SILENT`` fails by definition
      here (nothing is fetched), and SILENT makes a failed operation succeed without effect,
      so those operations are cut out (with their ``;``) and the rest of the request is
      returned, to be run as one update (atomically). When that cannot be done soundly (a
      LOAD in a comment or a string, a LOAD the tokenizer cannot place), 403.
    """
    first = analysis.loads[0]
    operations = sparql_safety.load_operations(update_text)
    if not operations:
        raise _load_refused(first)
    edited, edits = sparql_safety.replace_loads(update_text, operations)
    check = sparql_safety.analyse(edited, base_iri=base_iri, strict=True)
    if check.loads or check.services:
        raise _load_refused(first)
    try:
        ox.Store().update(edited, base_iri=base_iri)
    except SyntaxError as exc:
        if not _rdflib_rejects(update_text):
            raise _load_refused(first) from exc
        message = sparql_safety.map_error_position(str(exc), edited, update_text, edits)
        raise _syntax_error(message) from exc
    except Exception:  # noqa: BLE001, S110 - it parsed; failing on an empty store is fine
        pass
    for op in operations:
        if not op.silent:
            raise _load_refused(op)
    if {r.offset for r in analysis.loads} != {op.start for op in operations}:
        raise _load_refused(first)
    rest = sparql_safety.remove_operations(update_text, operations)
    if rest is None:
        raise _load_refused(first)
    check = sparql_safety.analyse(rest, base_iri=base_iri, strict=True)
    if check.loads:
        raise _load_refused(check.loads[0])
    if check.services:
        raise QueryRefused(f"SERVICE {check.services[0].target} is not allowed in updates")
    return rest
