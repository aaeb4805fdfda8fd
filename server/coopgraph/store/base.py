"""The store interface everything above the files talks to, in engine-neutral terms.

Why an interface: the build, the CLI and the web layer must not care whether the quads live
in an embedded pyoxigraph store on disk (the default, :mod:`coopgraph.store.oxigraph`) or,
later, in a remote SPARQL engine. They only ever call the few methods of :class:`Store`, and
get back :class:`QueryResult` objects whose terms are the plain dataclasses below, not an
engine's types. Query evaluation is always done by the engine, never by rdflib: rdflib's
engine is orders of magnitude slower. This module imports no engine.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO
from typing import Literal as TypingLiteral

ResultKind = TypingLiteral["bindings", "boolean", "graph"]

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class StoreError(Exception):
    """A store operation failed; the message is safe to show to a user."""


class QuerySyntaxError(StoreError):
    """The query or update text does not parse; the message carries the parser's position."""


@dataclass(frozen=True)
class NamedNode:
    """An IRI; ``str()`` is its N-Triples form."""

    value: str

    def __str__(self) -> str:
        return f"<{self.value}>"


@dataclass(frozen=True)
class BlankNode:
    """A blank node, by its label in one result."""

    value: str

    def __str__(self) -> str:
        return f"_:{self.value}"


@dataclass(frozen=True)
class Literal:
    """A literal: lexical ``value``, ``datatype`` IRI (xsd:string by default), ``language``."""

    value: str
    datatype: NamedNode = NamedNode(_XSD_STRING)
    language: str | None = None

    def __str__(self) -> str:
        text = (self.value.replace("\\", "\\\\").replace('"', '\\"')
                .replace("\n", "\\n").replace("\r", "\\r"))
        if self.language:
            return f'"{text}"@{self.language}'
        if self.datatype.value == _XSD_STRING:
            return f'"{text}"'
        return f'"{text}"^^{self.datatype}'


Term = NamedNode | BlankNode | Literal


@dataclass(frozen=True)
class Triple:
    """One triple of a CONSTRUCT or DESCRIBE result."""

    subject: NamedNode | BlankNode
    predicate: NamedNode
    object: Term


class QueryResult(abc.ABC):
    """The answer of a query, not yet serialised, so that the web layer can stream it.

    ``kind`` is ``bindings`` (SELECT), ``boolean`` (ASK) or ``graph`` (CONSTRUCT/DESCRIBE).
    """

    kind: ResultKind

    @property
    @abc.abstractmethod
    def variables(self) -> list[str]:
        """The projected variable names of a SELECT, in order (``[]`` otherwise)."""

    @property
    @abc.abstractmethod
    def boolean(self) -> bool:
        """The answer of an ASK."""

    @abc.abstractmethod
    def serialize(self, output: IO[bytes], media_type: str) -> None:
        """Write the result to ``output`` in ``media_type`` (the engine serialises)."""

    @abc.abstractmethod
    def rows(self) -> Iterator[dict[str, Term | None]]:
        """SELECT solutions as dicts (variable → term or None when unbound)."""

    @abc.abstractmethod
    def triples(self) -> Iterator[Triple]:
        """CONSTRUCT/DESCRIBE triples."""


class Store(abc.ABC):
    """The small interface every backend implements."""

    #: True when every write to the data goes through this object, so that the writer can
    #: tell when the answers change (the result cache keys results by the executor's version,
    #: web/result_cache.py). The embedded store: one process holds it read-write. A remote
    #: engine: False, others may write to it directly.
    sees_all_writes: bool = True

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
    def replace_graph(
        self, graph: str, data: bytes | str, media_type: str = "text/turtle",
        *, before_commit: Callable[[], None] | None = None,
    ) -> int:
        """Replace a named graph (``""`` = default graph) by the parsed data, atomically.

        ``before_commit`` is called after parsing, just before the write: if it raises,
        nothing is written (the web layer refuses a write whose client left or whose time
        ran out). Returns the number of triples now in the graph.
        """

    @abc.abstractmethod
    def add_to_graph(
        self, graph: str, data: bytes | str, media_type: str = "text/turtle",
        *, before_commit: Callable[[], None] | None = None,
    ) -> int:
        """Add parsed triples to a graph, atomically (``before_commit`` as above); returns the
        number added."""

    @abc.abstractmethod
    def write_graphs(
        self, replace: Mapping[str, bytes], add: Mapping[str, bytes] | None = None,
        media_type: str = "application/n-triples",
    ) -> None:
        """Replace the named graphs of ``replace`` and add to the graphs of ``add``, all in
        ONE transaction: a failure or a killed process leaves every graph as it was.

        Why: a contribution is its graph, its inferred graph and an entry in the shared
        registry graph; readers must see all of them or none. Blank-node labels are shared
        across the graphs of one call (a contribution and its inferences speak of the same
        blank nodes). The data is checked and parsed as by :meth:`replace_graph` first.
        """

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
