"""Run a SPARQL query from the command line, on the local store or on a remote endpoint.

Local queries are evaluated by Oxigraph through the executor (a query worker, the endpoint's
limits); remote ones go through SPARQLWrapper,
so the same command works against our server, Fuseki, Virtuoso or Wikidata.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO

from rdflib import Graph

from .executor import Executor, ExecutorError, Limits
from .store import StoreError, open_store
from .tables import DEFAULT_MAX_WIDTH, graph_prefixes, render_table, turtle_graph

#: --format → media type asked of the engine for SELECT/ASK results.
TABULAR = {
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "json": "application/sparql-results+json",
}


def read_query(arg: str) -> str:
    """The query text: the argument itself, or the content of a ``.rq``/``.sparql`` file."""
    path = Path(arg)
    if arg.endswith((".rq", ".sparql")) or (len(arg) < 4096 and "\n" not in arg and path.is_file()):
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise StoreError(f"cannot read {arg}: {exc.strerror}") from exc
    return arg


def print_table(results: dict, out: IO[str], *, query: str = "",
                max_width: int = DEFAULT_MAX_WIDTH) -> None:
    """Render SPARQL JSON results as a readable table (see :mod:`coopgraph.tables`)."""
    render_table(results, out, prefixes=graph_prefixes(query=query), max_width=max_width)


def run_local(query: str, store_path: Path, fmt: str, out: IO[str],
              max_width: int = DEFAULT_MAX_WIDTH) -> None:
    """Evaluate on the on-disk store (opened read-only) with the union default graph, through
    the executor: a query worker, under the same limits as the endpoint's ``/sparql``."""
    if not Path(store_path).exists():
        raise StoreError(f"no store at {store_path}: run `coopgraph build` first")
    store = open_store(store_path, read_only=True)
    try:
        with Executor(store, union_default_graph=True, limits=Limits(pool_size=1)) as executor:
            try:
                form = executor.inspect(query).form
                graph = form in ("CONSTRUCT", "DESCRIBE")
                media_type = ("application/n-triples" if graph
                              else TABULAR.get(fmt, TABULAR["json"]))
                data = b"".join(executor.run_query(query, media_type=media_type))
            except ExecutorError as exc:
                raise StoreError(exc.message) from exc
        if graph:  # Turtle with the graph's prefixes, whatever --format says
            parsed = Graph().parse(data=data.decode("utf-8"), format="nt")
            out.write(turtle_graph(parsed, graph_prefixes(query=query)))
        elif fmt == "table":
            print_table(json.loads(data), out, query=query, max_width=max_width)
        else:
            out.write(data.decode("utf-8"))
    finally:
        store.close()


def run_remote(query: str, endpoint: str, fmt: str, out: IO[str],
               max_width: int = DEFAULT_MAX_WIDTH) -> None:
    """Evaluate on a remote SPARQL endpoint through SPARQLWrapper."""
    from SPARQLWrapper import CSV, JSON, TSV, TURTLE, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setMethod("POST")
    kind = client.queryType
    try:
        if kind in ("CONSTRUCT", "DESCRIBE"):
            client.setReturnFormat(TURTLE)
            data = client.query().convert()
            text = data.decode("utf-8") if isinstance(data, bytes) else str(data)
            try:  # re-serialised with the graph's prefixes; as received if it does not parse
                text = turtle_graph(Graph().parse(data=text, format="turtle"),
                                    graph_prefixes(query=query))
            except SyntaxError:
                pass
            out.write(text)
        elif fmt in ("table", "json"):
            client.setReturnFormat(JSON)
            results = client.query().convert()
            if fmt == "json":
                out.write(json.dumps(results, ensure_ascii=False) + "\n")
            else:
                print_table(results, out, query=query, max_width=max_width)
        else:
            client.setReturnFormat({"csv": CSV, "tsv": TSV}[fmt])
            data = client.query().convert()
            out.write(data.decode("utf-8") if isinstance(data, bytes) else str(data))
    except SPARQLWrapperException as exc:
        raise StoreError(f"{endpoint}: {exc}") from exc
    except OSError as exc:
        raise StoreError(f"cannot reach {endpoint}: {exc}") from exc


def main(query_arg: str, *, store_path: Path, endpoint: str | None, fmt: str,
         out: IO[str] = sys.stdout, max_width: int = DEFAULT_MAX_WIDTH) -> None:
    """Entry point of ``coopgraph query``."""
    query = read_query(query_arg)
    if endpoint:
        run_remote(query, endpoint, fmt, out, max_width)
    else:
        run_local(query, store_path, fmt, out, max_width)

