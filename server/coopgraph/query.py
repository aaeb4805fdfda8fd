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

from .executor import Executor, ExecutorError, Limits
from .store import StoreError, open_store

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


def _cell(term: dict | None) -> str:
    """A SPARQL JSON term as a short readable string."""
    if term is None:
        return ""
    if term["type"] == "uri":
        return term["value"]
    if term["type"] == "bnode":
        return "_:" + term["value"]
    value = term["value"]
    if "xml:lang" in term:
        return f"{value}@{term['xml:lang']}"
    return value


def print_table(results: dict, out: IO[str]) -> None:
    """Render SPARQL JSON results as an aligned text table."""
    if "boolean" in results:
        out.write(("true" if results["boolean"] else "false") + "\n")
        return
    variables = results["head"]["vars"]
    rows = [[_cell(b.get(v)) for v in variables] for b in results["results"]["bindings"]]
    widths = [max([len(v)] + [len(r[i]) for r in rows]) for i, v in enumerate(variables)]
    widths = [min(w, 80) for w in widths]

    def line(cells: list[str]) -> str:
        return " | ".join(c[:80].ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out.write(line(variables) + "\n")
    out.write("-+-".join("-" * w for w in widths) + "\n")
    for row in rows:
        out.write(line(row) + "\n")
    out.write(f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n")


def run_local(query: str, store_path: Path, fmt: str, out: IO[str]) -> None:
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
                media_type = "text/turtle" if graph else TABULAR.get(fmt, TABULAR["json"])
                data = b"".join(executor.run_query(query, media_type=media_type))
            except ExecutorError as exc:
                raise StoreError(exc.message) from exc
        if not graph and fmt == "table":
            print_table(json.loads(data), out)
        else:
            out.write(data.decode("utf-8"))
    finally:
        store.close()


def run_remote(query: str, endpoint: str, fmt: str, out: IO[str]) -> None:
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
            out.write(data.decode("utf-8") if isinstance(data, bytes) else str(data))
        elif fmt in ("table", "json"):
            client.setReturnFormat(JSON)
            results = client.query().convert()
            if fmt == "json":
                out.write(json.dumps(results, ensure_ascii=False) + "\n")
            else:
                print_table(results, out)
        else:
            client.setReturnFormat({"csv": CSV, "tsv": TSV}[fmt])
            data = client.query().convert()
            out.write(data.decode("utf-8") if isinstance(data, bytes) else str(data))
    except SPARQLWrapperException as exc:
        raise StoreError(f"{endpoint}: {exc}") from exc
    except OSError as exc:
        raise StoreError(f"cannot reach {endpoint}: {exc}") from exc


def main(query_arg: str, *, store_path: Path, endpoint: str | None, fmt: str,
         out: IO[str] = sys.stdout) -> None:
    """Entry point of ``coopgraph query``."""
    query = read_query(query_arg)
    if endpoint:
        run_remote(query, endpoint, fmt, out)
    else:
        run_local(query, store_path, fmt, out)

