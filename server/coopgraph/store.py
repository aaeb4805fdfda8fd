"""The store interface everything above the files talks to, and its embedded implementation.

Why an interface: the build, the CLI and the web layer must not care whether the quads live
in an embedded pyoxigraph store on disk (the default) or, later, in a remote SPARQL engine.
They only ever call the few methods of :class:`Store`. Query evaluation is always done by the
engine (Oxigraph here), never by rdflib: rdflib's engine is orders of magnitude slower.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

import pyoxigraph as ox

from . import builds
from .formats import RDF_FORMATS, RESULT_FORMATS, query_kwargs

ResultKind = Literal["bindings", "boolean", "graph"]

class StoreError(Exception):
    """A store operation failed; the message is safe to show to a user."""


class QuerySyntaxError(StoreError):
    """The query or update text does not parse; the message carries the parser's position."""


@dataclass
class QueryResult:
    """The answer of a query, not yet serialised, so that the web layer can stream it.

    ``kind`` is ``bindings`` (SELECT), ``boolean`` (ASK) or ``graph`` (CONSTRUCT/DESCRIBE).
    """

    kind: ResultKind
    _raw: Any

    @property
    def variables(self) -> list[str]:
        """The projected variable names of a SELECT, in order."""
        if self.kind != "bindings":
            return []
        return [v.value for v in self._raw.variables]

    @property
    def boolean(self) -> bool:
        """The answer of an ASK."""
        return bool(self._raw)

    def serialize(self, output: IO[bytes], media_type: str) -> None:
        """Write the result to ``output`` in ``media_type`` without building it in Python."""
        if self.kind == "graph":
            self._raw.serialize(output, RDF_FORMATS[media_type])
        else:
            self._raw.serialize(output, RESULT_FORMATS[media_type])

    def rows(self) -> Iterator[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal | None]]:
        """SELECT solutions as dicts (variable → term or None when unbound)."""
        variables = self.variables
        for solution in self._raw:
            yield {v: solution[v] for v in variables}

    def triples(self) -> Iterator[ox.Triple]:
        """CONSTRUCT/DESCRIBE triples."""
        yield from self._raw


class Store(abc.ABC):
    """The small interface every backend implements."""

    @abc.abstractmethod
    def query(
        self,
        sparql: str,
        *,
        union_default_graph: bool = True,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        """Evaluate a SPARQL 1.1 query.

        With ``union_default_graph`` the default graph is the union of all named graphs;
        ``default_graphs``/``named_graphs`` (the protocol's ``default-graph-uri`` and
        ``named-graph-uri``) override the dataset when given.
        """

    @abc.abstractmethod
    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Apply a SPARQL 1.1 Update, atomically."""

    @abc.abstractmethod
    def named_graphs(self) -> list[str]:
        """The IRIs of the named graphs, sorted."""

    @abc.abstractmethod
    def count(self, graph: str | None = None) -> int:
        """Quads in one named graph, in the default graph (``""``) or in all (``None``)."""

    @abc.abstractmethod
    def replace_graph(self, graph: str, data: bytes | str, media_type: str = "text/turtle") -> int:
        """Replace a named graph (``""`` = default graph) by the parsed data, atomically.

        Returns the number of triples now in the graph.
        """

    @abc.abstractmethod
    def add_to_graph(self, graph: str, data: bytes | str, media_type: str = "text/turtle") -> int:
        """Add parsed triples to a graph, atomically; returns the number added."""

    @abc.abstractmethod
    def drop_graph(self, graph: str) -> bool:
        """Remove a named graph (or empty the default graph for ``""``); True if it existed."""

    @abc.abstractmethod
    def has_graph(self, graph: str) -> bool:
        """True if the named graph exists (the default graph always does)."""

    @abc.abstractmethod
    def dump_graph(self, graph: str, output: IO[bytes], media_type: str = "text/turtle") -> None:
        """Serialise one graph (``""`` = default graph) to ``output``."""

    @abc.abstractmethod
    def close(self) -> None:
        """Flush and release the store."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _graph_node(graph: str) -> ox.NamedNode | ox.DefaultGraph:
    return ox.DefaultGraph() if graph == "" else ox.NamedNode(graph)


def _insert_data(graph: str, triples: list[ox.Triple]) -> str:
    """An INSERT DATA operation for ``triples`` (blank nodes stay blank nodes)."""
    body = " .\n".join(f"{t.subject} {t.predicate} {t.object}" for t in triples)
    if graph:
        return f"INSERT DATA {{ GRAPH <{graph}> {{ {body} }} }}"
    return f"INSERT DATA {{ {body} }}"


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
        from .sparql_safety import analyse

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
        return QueryResult(_result_kind(raw), raw)

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
        from .rdfio import UnsafeRdfError, check_literals, check_safe

        try:
            check_safe(data, fmt)  # entity declarations, nesting: refused before parsing
            triples = [q.triple for q in ox.parse(data, fmt)]
            check_literals(triples)
        except UnsafeRdfError as exc:
            raise QuerySyntaxError(str(exc)) from exc
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc
        return triples

    def replace_graph(self, graph: str, data: bytes | str, media_type: str = "text/turtle") -> int:
        triples = self._parse(data, media_type)
        if graph == "":
            clear = "CLEAR DEFAULT"
        else:
            clear = f"DROP SILENT GRAPH <{graph}> ; CREATE GRAPH <{graph}>"
        # One update request is one transaction: readers see the old graph or the new one.
        self._store.update(f"{clear} ; {_insert_data(graph, triples)}")
        return self.count(graph)

    def add_to_graph(self, graph: str, data: bytes | str, media_type: str = "text/turtle") -> int:
        triples = self._parse(data, media_type)
        create = f"CREATE SILENT GRAPH <{graph}> ; " if graph else ""
        self._store.update(create + _insert_data(graph, triples))
        return len(triples)

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

