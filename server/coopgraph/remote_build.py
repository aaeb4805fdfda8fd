"""``coopgraph build --backend sparql``: the build, into a remote SPARQL engine.

The same named graphs as the local build (made by the same function,
:func:`coopgraph.build.prepare_graphs`: parse, SHACL, OWL RL closure), but loaded over HTTP,
and each graph replaced as a whole:

1. every graph is first loaded into a *temporary* graph ``urn:coopgraph:build:<stamp>:<kind>``
   (outside the graphs coopgraph queries, so nobody sees it half-loaded), in chunks of
   ``chunk_triples`` triples through the Graph Store Protocol (or ``INSERT DATA``), with
   progress shown. A chunk never splits the triples of one blank node (each request is its
   own document, so a blank node cut in two would become two different nodes);
2. when all are loaded, one SPARQL Update ``MOVE``\\ s them onto the real graphs. On engines
   that run one update request as one transaction (Oxigraph, Virtuoso), readers see the old
   build or the new one, never a mixture;
3. a failure before the ``MOVE`` drops the temporary graphs and leaves the previous graphs as
   they were, queryable.

Contribution graphs (``<base>graph/contribution/...``) and any other graph are not touched.
"""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from rdflib import BNode, Graph, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.term import Node

from . import config
from .build import BuildError, Progress, prepare_graphs
from .config import Sources
from .store import BlankNode, Literal, NamedNode, StoreError, Triple
from .store.remote import RemoteSettings, RemoteStore, _iri, open_remote

#: Triples per request: a few MB of N-Triples, well within every engine's request limits.
CHUNK_TRIPLES = 20_000


@dataclass
class RemoteBuildResult:
    """What a remote build loaded: the triple count of each graph, and where."""

    query_url: str
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _term(term: Node) -> NamedNode | BlankNode | Literal:
    """The engine-neutral term of an rdflib one (the build's graphs are rdflib graphs)."""
    if isinstance(term, URIRef):
        return NamedNode(str(term))
    if isinstance(term, BNode):
        return BlankNode(str(term))
    if isinstance(term, RdfLiteral):
        if term.language:
            return Literal(str(term), language=term.language)
        if term.datatype:
            return Literal(str(term), NamedNode(str(term.datatype)))
        return Literal(str(term))
    raise BuildError(f"unsupported RDF term in a graph: {term!r}")


def _triple(s: Node, p: Node, o: Node) -> Triple:
    subject, predicate = _term(s), _term(p)
    if isinstance(subject, Literal) or not isinstance(predicate, NamedNode):
        raise BuildError(f"not an RDF triple: {s!r} {p!r} {o!r}")
    return Triple(subject, predicate, _term(o))


def chunks(graph: Graph, size: int = CHUNK_TRIPLES) -> Iterator[list[Triple]]:
    """The triples of ``graph`` in chunks of about ``size``, never splitting a blank node.

    Triples that share a blank node (directly or through other blank nodes) form one group
    (union-find over blank nodes); groups are packed into chunks in a stable order.
    """
    parent: dict[BNode, BNode] = {}

    def find(node: BNode) -> BNode:
        root = node
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[node] != root:
            parent[node], node = root, parent[node]
        return root

    triples = sorted(graph)  # reproducible chunks
    for s, _, o in triples:
        if isinstance(s, BNode) and isinstance(o, BNode):
            a, b = find(s), find(o)
            if a != b:
                parent[a] = b
    groups: dict[object, list[Triple]] = {}
    for s, p, o in triples:
        key = find(s) if isinstance(s, BNode) else find(o) if isinstance(o, BNode) else None
        triple = _triple(s, p, o)
        groups.setdefault(key if key is not None else ("subject", s), []).append(triple)
    chunk: list[Triple] = []
    for group in groups.values():
        if chunk and len(chunk) + len(group) > size:
            yield chunk
            chunk = []
        chunk.extend(group)
    if chunk:
        yield chunk


def build_remote(
    store: RemoteStore,
    *,
    sources: Sources | None = None,
    base: str | None = None,
    validate: bool = True,
    progress: Progress = _stderr,
    chunk_triples: int = CHUNK_TRIPLES,
    graphs: dict[str, Graph] | None = None,
) -> RemoteBuildResult:
    """Build into ``store``: load temporary graphs, then move them onto the named graphs.

    ``graphs`` (kind → graph, as :func:`coopgraph.build.prepare_graphs` returns) skips
    parsing, validation and inference.
    """
    started = time.monotonic()
    base = base or config.base_iri()
    steps = 5
    try:  # fail fast (wrong URL, user or password), before minutes of inference
        store.update("DROP SILENT GRAPH <urn:coopgraph:build:access-check>")
    except StoreError as exc:
        raise BuildError(f"the engine cannot be written: {exc}") from exc
    if graphs is None:
        graphs = prepare_graphs(sources, base, validate=validate, progress=progress,
                                steps=steps)
    stamp = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    temporary = {kind: f"urn:coopgraph:build:{stamp}:{kind}" for kind in config.GRAPH_KINDS}
    total = sum(len(graphs[k]) for k in config.GRAPH_KINDS)
    progress(f"[4/{steps}] loading {total} triples into temporary graphs on "
             f"{store.settings.query_url}")
    loaded = 0
    try:
        for kind in config.GRAPH_KINDS:
            for number, chunk in enumerate(chunks(graphs[kind], chunk_triples)):
                store.put_triples(temporary[kind], chunk, add=number > 0)
                loaded += len(chunk)
                progress(f"      {kind}: {loaded}/{total} triples ({100 * loaded // total}%)")
        moves = []
        for kind in config.GRAPH_KINDS:
            target = _iri(config.graph_iri(kind, base))
            if len(graphs[kind]):
                moves.append(f"MOVE SILENT {_iri(temporary[kind])} TO {target}")
            else:  # nothing to move: the graph becomes empty
                moves.append(f"DROP SILENT GRAPH {target} ; CREATE SILENT GRAPH {target}")
        progress(f"[5/{steps}] replacing the {len(moves)} named graphs in one update")
        store.update(" ;\n".join(moves))
    except BaseException as exc:
        for graph in temporary.values():
            try:
                store.update(f"DROP SILENT GRAPH {_iri(graph)}")
            except StoreError:
                pass  # best effort; the message below is what matters
        if isinstance(exc, StoreError):
            raise BuildError(f"loading into the engine failed: {exc}") from exc
        raise
    counts = {config.graph_iri(kind, base): store.count(config.graph_iri(kind, base))
              for kind in config.GRAPH_KINDS}
    for kind in config.GRAPH_KINDS:
        iri = config.graph_iri(kind, base)
        if counts[iri] != len(graphs[kind]):
            raise BuildError(f"the engine holds {counts[iri]} triples in <{iri}> after the "
                             f"build, not the {len(graphs[kind])} loaded")
    return RemoteBuildResult(store.settings.query_url, counts, time.monotonic() - started)


def main(settings: RemoteSettings, *, validate: bool = True) -> int:
    """``coopgraph build --backend sparql``: build, print the counts; the exit code."""
    try:
        store = open_remote(settings)
    except StoreError as exc:
        print(f"coopgraph build: {exc}", file=sys.stderr)
        return 1
    try:
        result = build_remote(store, validate=validate)
    except BuildError as exc:
        print(f"coopgraph build: {exc}", file=sys.stderr)
        print("coopgraph build: the graphs on the engine are unchanged", file=sys.stderr)
        return 1
    finally:
        store.close()
    for graph, n in result.counts.items():
        print(f"{n:>8}  {graph}")
    print(f"{sum(result.counts.values()):>8}  triples on {result.query_url} "
          f"({result.seconds:.1f} s)")
    return 0
