"""The embedded implementation of the store interface: pyoxigraph (RocksDB) on disk or in memory.

The only module of the package that imports pyoxigraph; it turns the engine's results into the
engine-neutral terms of :mod:`coopgraph.store.base`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from .. import builds
from ..formats import RDF_FORMATS, RESULT_FORMATS, query_kwargs
from .base import (
    BlankNode,
    Literal,
    NamedNode,
    QueryResult,
    QuerySyntaxError,
    ResultKind,
    Store,
    StoreError,
    Term,
    Triple,
)


def _term(term: Any) -> Term:
    """An engine-neutral copy of a pyoxigraph term."""
    if isinstance(term, ox.NamedNode):
        return NamedNode(term.value)
    if isinstance(term, ox.BlankNode):
        return BlankNode(term.value)
    if isinstance(term, ox.Literal):
        return Literal(term.value, NamedNode(term.datatype.value), term.language)
    raise StoreError(f"unsupported RDF term (triple terms are not supported): {term}")


class OxigraphResult(QueryResult):
    """A pyoxigraph result: serialised by the engine, read as engine-neutral terms."""

    def __init__(self, kind: ResultKind, raw: Any) -> None:
        self.kind = kind
        self._raw = raw

    @property
    def variables(self) -> list[str]:
        if self.kind != "bindings":
            return []
        return [v.value for v in self._raw.variables]

    @property
    def boolean(self) -> bool:
        return bool(self._raw)

    def serialize(self, output: IO[bytes], media_type: str) -> None:
        if self.kind == "graph":
            self._raw.serialize(output, RDF_FORMATS[media_type])
        else:
            self._raw.serialize(output, RESULT_FORMATS[media_type])

    def rows(self) -> Iterator[dict[str, Term | None]]:
        variables = self.variables
        for solution in self._raw:
            yield {v: None if solution[v] is None else _term(solution[v]) for v in variables}

    def triples(self) -> Iterator[Triple]:
        for t in self._raw:
            yield Triple(_term(t.subject), _term(t.predicate), _term(t.object))


def _graph_node(graph: str) -> ox.NamedNode | ox.DefaultGraph:
    return ox.DefaultGraph() if graph == "" else ox.NamedNode(graph)


def _insert_data(graph: str, triples: list[ox.Triple]) -> str:
    """An INSERT DATA operation for ``triples`` (blank nodes stay blank nodes)."""
    body = " .\n".join(f"{t.subject} {t.predicate} {t.object}" for t in triples)
    if graph:
        return f"INSERT DATA {{ GRAPH <{graph}> {{ {body} }} }}"
    return f"INSERT DATA {{ {body} }}"


def _graph_block(graph: str, triples: list[ox.Triple]) -> str:
    """``GRAPH <graph> { … }`` for an INSERT DATA of several graphs."""
    body = " .\n".join(f"{t.subject} {t.predicate} {t.object}" for t in triples)
    return f"GRAPH <{graph}> {{ {body} }}"


def _result_kind(raw: Any) -> ResultKind:
    if isinstance(raw, ox.QuerySolutions):
        return "bindings"
    if isinstance(raw, ox.QueryBoolean):
        return "boolean"
    return "graph"


class OxigraphStore(Store):
    """The embedded pyoxigraph store, on disk (``path``) or in memory (``path=None``).

    pyoxigraph releases the GIL while it evaluates a query, so one instance can be shared
    by many threads of one process. RocksDB allows one writer process per directory.
    """

    def __init__(self, path: Path | str | None = None, *, read_only: bool = False) -> None:
        #: What the caller named (often the ``var/store`` link); ``path`` is what was opened.
        self.link = Path(path) if path is not None else None
        self.path = builds.resolve(path) if path is not None else None
        self.read_only = read_only
        self._hold: builds.Hold | None = None
        if self.link is not None and self.link.is_symlink() and not self.link.exists():
            raise StoreError(f"{self.link} points at {self.path}, which does not exist")
        try:
            if self.path is not None and self.path.exists():
                # Before opening: a build waiting to prune this directory cannot start now.
                self._hold = builds.hold(self.path)
            if self.path is None:
                self._store = ox.Store()
            elif read_only:
                self._store = ox.Store.read_only(str(self.path))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(self.path))
        except OSError as exc:
            if self._hold is not None:
                self._hold.release()
            raise StoreError(f"cannot open the store at {self.path}: {exc}") from exc

    @property
    def engine(self) -> ox.Store:
        """The underlying pyoxigraph store, for code that needs the engine itself."""
        return self._store

    def query(
        self,
        sparql: str,
        *,
        union_default_graph: bool = True,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        from ..sparql_safety import analyse

        kwargs = query_kwargs(
            union_default_graph=union_default_graph, default_graphs=default_graphs,
            named_graphs=named_graphs, base_iri=base_iri,
            has_dataset_clause=bool(analyse(sparql, base_iri=base_iri).from_graphs),
        )
        try:
            raw = self._store.query(sparql, **kwargs)
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc
        except (OSError, ValueError, RuntimeError) as exc:
            raise StoreError(str(exc)) from exc
        return OxigraphResult(_result_kind(raw), raw)

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        try:
            self._store.update(sparql, base_iri=base_iri)
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc
        except (OSError, ValueError, RuntimeError) as exc:
            raise StoreError(str(exc)) from exc

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def count(self, graph: str | None = None) -> int:
        if graph is None:
            return len(self._store)
        where = "{ ?s ?p ?o }" if graph == "" else f"{{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        raw = self._store.query(f"SELECT (COUNT(*) AS ?n) WHERE {where}")
        return int(next(iter(raw))["n"].value)

    def _parse(self, data: bytes | str, media_type: str) -> list[ox.Triple]:
        fmt = RDF_FORMATS.get(media_type)
        if fmt is None:
            raise StoreError(f"unsupported RDF media type: {media_type}")
        from ..rdfio import UnsafeRdfError, check_literals, check_safe

        try:
            check_safe(data, fmt)  # entity declarations, nesting: refused before parsing
            triples = [q.triple for q in ox.parse(data, fmt)]
            check_literals(triples)
        except UnsafeRdfError as exc:
            raise QuerySyntaxError(str(exc)) from exc
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc
        return triples

    def replace_graph(
        self, graph: str, data: bytes | str, media_type: str = "text/turtle",
        *, before_commit: Callable[[], None] | None = None,
    ) -> int:
        triples = self._parse(data, media_type)
        if before_commit is not None:
            before_commit()  # may raise: nothing is written
        if graph == "":
            clear = "CLEAR DEFAULT"
        else:
            clear = f"DROP SILENT GRAPH <{graph}> ; CREATE GRAPH <{graph}>"
        # One update request is one transaction: readers see the old graph or the new one.
        self._store.update(f"{clear} ; {_insert_data(graph, triples)}")
        return self.count(graph)

    def add_to_graph(
        self, graph: str, data: bytes | str, media_type: str = "text/turtle",
        *, before_commit: Callable[[], None] | None = None,
    ) -> int:
        triples = self._parse(data, media_type)
        if before_commit is not None:
            before_commit()
        create = f"CREATE SILENT GRAPH <{graph}> ; " if graph else ""
        self._store.update(create + _insert_data(graph, triples))
        return len(triples)

    def write_graphs(
        self, replace: Mapping[str, bytes], add: Mapping[str, bytes] | None = None,
        media_type: str = "application/n-triples",
    ) -> None:
        parsed = {g: self._parse(d, media_type) for g, d in replace.items()}
        added = {g: self._parse(d, media_type) for g, d in (add or {}).items()}
        if "" in parsed or "" in added:
            raise StoreError("write_graphs writes named graphs only")
        operations = [f"DROP SILENT GRAPH <{g}> ; CREATE GRAPH <{g}>" for g in parsed]
        operations += [f"CREATE SILENT GRAPH <{g}>" for g in added if g not in parsed]
        blocks = [_graph_block(g, t) for g, t in (*parsed.items(), *added.items()) if t]
        if blocks:
            # One INSERT DATA: a blank-node label means the same node in every graph of it.
            operations.append("INSERT DATA { " + " ".join(blocks) + " }")
        # One update request is one transaction: all of it is written, or none.
        self.update(" ;\n".join(operations))

    def drop_graph(self, graph: str) -> bool:
        if graph == "":
            self._store.clear_graph(ox.DefaultGraph())
            return True
        if not self.has_graph(graph):
            return False
        self._store.remove_graph(ox.NamedNode(graph))
        return True

    def has_graph(self, graph: str) -> bool:
        return graph == "" or self._store.contains_named_graph(ox.NamedNode(graph))

    def dump_graph(self, graph: str, output: IO[bytes], media_type: str = "text/turtle") -> None:
        fmt = RDF_FORMATS.get(media_type)
        if fmt is None:
            raise StoreError(f"unsupported RDF media type: {media_type}")
        self._store.dump(output, fmt, from_graph=_graph_node(graph))

    def load_quads(self, quads: Iterable[ox.Quad]) -> None:
        """Add many quads at once (used by the build on a fresh store)."""
        self._store.extend(quads)

    def load_graph(self, graph: str, triples: Iterable[tuple[Any, Any, Any]]) -> int:
        """Add rdflib ``triples`` to the named graph ``graph`` (created even when empty).

        Used by the build, whose graphs are rdflib graphs; returns the number of triples given.
        """
        from ..rdfio import to_oxigraph  # rdflib only for the build's graphs, not at import

        node = ox.NamedNode(graph)
        count = 0

        def quads() -> Iterator[ox.Quad]:
            nonlocal count
            for s, p, o in triples:
                count += 1
                yield ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), node)

        self._store.extend(quads())
        self._store.add_graph(node)
        return count

    def optimize(self) -> None:
        """Compact the on-disk files (the build does it once, before the store is served)."""
        self._store.flush()
        self._store.optimize()

    def close(self) -> None:
        if not hasattr(self, "_store"):
            return  # closed already
        try:
            if self.path is not None and not self.read_only:
                self._store.flush()
            del self._store
        finally:
            if self._hold is not None:
                self._hold.release()


def open_store(path: Path | str | None, *, read_only: bool = False) -> OxigraphStore:
    """Open the embedded store; the one place that picks the backend."""
    return OxigraphStore(path, read_only=read_only)

