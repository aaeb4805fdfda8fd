"""Build the store from the files: parse, validate, infer, load, swap.

Data flows one way: ``ontology/ shapes/ data/ data/links/`` → this module → the store.
Each kind of content goes into its own named graph (see :data:`config.GRAPH_KINDS`), and the
OWL RL closure goes into ``<base>graph/inferred`` so the asserted graphs stay untouched.

A build never damages the previous store: it writes a complete new store in a fresh
directory and then atomically repoints the store path (a symlink) at it. A failed build
(unreadable file, SHACL violation, crash) leaves the symlink, and so the previous store, as
it was. A build never writes into, nor removes, a build that a running process holds (a
server, ``coopgraph query``): see :mod:`coopgraph.builds`. One build of a store at a time.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import owlrl
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from . import builds, config, quads_cache
from .config import CANONICAL_BASE, Sources
from .contributions import carry_over
from .dates import date_bounds
from .store import open_store

Progress = Callable[[str], None]


class BuildError(Exception):
    """The build stopped; the message says why and where. The previous store is intact."""


@dataclass
class BuildResult:
    """What a build produced: the store directory and the triple count of each graph."""

    store_dir: Path
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def source_files(sources: Sources | None = None) -> dict[str, list[Path]]:
    """The files of each asserted graph, sorted so that builds are reproducible."""
    sources = sources or Sources()

    def ttl(folder: Path) -> list[Path]:
        return sorted(p for p in folder.glob("*.ttl") if p.is_file())

    return {
        "ontology": ttl(sources.ontology),
        "shapes": ttl(sources.shapes),
        "data": ttl(sources.data),
        "links": ttl(sources.links),
    }


def rebase(graph: Graph, base: str) -> Graph:
    """Rewrite IRIs under the canonical base to the deployment's base (no-op if equal)."""
    if base == CANONICAL_BASE:
        return graph

    def term(t):  # type: ignore[no-untyped-def]
        if isinstance(t, URIRef) and str(t).startswith(CANONICAL_BASE):
            return URIRef(base + str(t)[len(CANONICAL_BASE) :])
        if isinstance(t, Literal) and t.datatype and str(t.datatype).startswith(CANONICAL_BASE):
            dt = URIRef(base + str(t.datatype)[len(CANONICAL_BASE) :])
            return Literal(str(t), datatype=dt)
        return t

    out = Graph()
    for s, p, o in graph:
        out.add((term(s), term(p), term(o)))
    return out


def parse_kind(files: Iterable[Path]) -> Graph:
    """Parse the files of one kind into one graph; unreadable input raises BuildError."""
    from .rdfio import RdfParseError, read_graph

    try:
        return read_graph(files)
    except RdfParseError as exc:
        raise BuildError(str(exc)) from exc


#: Built-in vocabularies: closure triples about their own terms are axioms, not knowledge.
BUILTIN = (str(RDF), str(RDFS), str(OWL), "http://www.w3.org/2001/XMLSchema#")


def _is_noise(s, p, o) -> bool:  # type: ignore[no-untyped-def]
    """Closure triples that say nothing useful and would only bloat the inferred graph."""
    if isinstance(s, Literal) or str(s).startswith(BUILTIN):
        return True
    if p == OWL.sameAs and s == o:
        return True
    if p == RDF.type and o in (OWL.Thing, RDFS.Resource, OWL.NamedIndividual):
        return True
    if p == RDFS.subClassOf and o == OWL.Thing:
        return True
    if p in (RDFS.subClassOf, OWL.equivalentClass, RDFS.subPropertyOf, OWL.equivalentProperty):
        return s == o  # reflexive axioms
    return False


def infer(asserted: Graph) -> Graph:
    """The OWL RL closure of ``asserted`` minus ``asserted`` (and minus the noise)."""
    closure = Graph()
    for triple in asserted:
        closure.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False,
                           datatype_axioms=False).expand(closure)
    inferred = Graph()
    for triple in closure:
        if triple not in asserted and not _is_noise(*triple):
            inferred.add(triple)
    return inferred


def prepare_graphs(
    sources: Sources | None, base: str, *, validate: bool, progress: Progress, steps: int
) -> dict[str, Graph]:
    """The graphs a build writes (kind → graph), made from the files: steps 1 to 3 of every
    build, local (:func:`build`) or on a remote engine (:mod:`coopgraph.remote_build`).

    The files are parsed and rebased onto ``base``, the data and links validated against the
    shapes (unless ``validate`` is false), and the inferred graph computed (OWL RL closure and
    comparable dates). ``steps`` is the number of steps the caller's progress lines count to.
    Raises :class:`BuildError` (unreadable file, a kind without files, a SHACL violation).
    """
    files = source_files(sources)
    progress(f"[1/{steps}] parsing {sum(len(v) for v in files.values())} files")
    graphs = {kind: rebase(parse_kind(paths), base) for kind, paths in files.items()}
    for kind in ("ontology", "shapes", "data"):
        if not files[kind]:
            raise BuildError(f"no Turtle files found for the {kind} graph")

    if validate:
        progress(f"[2/{steps}] validating data and links against the shapes (SHACL)")
        from .validate import validate_graph

        report = validate_graph(
            graphs["data"] + graphs["links"], lang="en",
            shapes_graph=graphs["shapes"], ont_graph=graphs["ontology"],
        )
        if not report.conforms:
            raise BuildError(
                "the curated data does not conform to the shapes:\n" + report.to_text()
            )
    else:
        progress(f"[2/{steps}] validation skipped")

    progress(f"[3/{steps}] computing the OWL RL closure (owlrl)")
    graphs["inferred"] = infer(graphs["ontology"] + graphs["data"] + graphs["links"])
    graphs["inferred"] += date_bounds(graphs["data"], base)  # dates that compare (dates.py)
    return graphs


def _swap(store_path: Path, new_dir: Path) -> None:
    """Point ``store_path`` at ``new_dir`` atomically (a symlink replaced by rename)."""
    tmp_link = store_path.with_name(f".{store_path.name}.link-{os.getpid()}")
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    tmp_link.symlink_to(os.path.relpath(new_dir, store_path.parent))
    os.replace(tmp_link, store_path)


def build(
    store_path: Path | None = None,
    *,
    sources: Sources | None = None,
    base: str | None = None,
    validate: bool = True,
    progress: Progress = _stderr,
) -> BuildResult:
    """Parse, validate, infer and load everything into a new store, then swap it in."""
    started = time.monotonic()
    store_path = Path(store_path or config.default_store_path()).absolute()
    base = base or config.base_iri()
    if store_path.exists() and not store_path.is_symlink():
        raise BuildError(
            f"{store_path} is a directory, not a store link made by `coopgraph build`; "
            "move it away or choose another --store"
        )
    builds_dir = builds.builds_dir(store_path)
    builds_dir.mkdir(parents=True, exist_ok=True)
    try:
        lock = builds.BuildLock(builds_dir)
    except builds.BuildInUse as exc:
        raise BuildError(str(exc)) from exc
    with lock:
        return _build(store_path, builds_dir, sources, base, validate, progress, started)


def _build(
    store_path: Path,
    builds_dir: Path,
    sources: Sources | None,
    base: str,
    validate: bool,
    progress: Progress,
    started: float,
) -> BuildResult:
    steps = 6
    graphs = prepare_graphs(sources, base, validate=validate, progress=progress, steps=steps)

    new_dir = Path(tempfile.mkdtemp(prefix=time.strftime("%Y%m%dT%H%M%S-"), dir=builds_dir))
    progress(f"[4/{steps}] loading the named graphs into {new_dir}")
    counts: dict[str, int] = {}
    try:
        store = open_store(new_dir)  # an empty new directory: not a build to hold yet
        try:
            for kind in config.GRAPH_KINDS:
                iri = config.graph_iri(kind, base)
                counts[iri] = store.load_graph(iri, graphs[kind])
            # contributions live in the store, not in the files: carried into every new build
            counts.update(carry_over(store_path if store_path.exists() else None, store, base))
            store.optimize()
        finally:
            store.close()
        # The N-Quads copy the query workers load into memory instead of reading RocksDB
        # (quads_cache.py); without it they read the store, more slowly: not a failed build.
        progress("      keeping an N-Quads copy of it for the query workers")
        try:
            quads_cache.write_for(new_dir)
        except (OSError, RuntimeError) as exc:
            progress(f"      warning: no N-Quads copy kept ({exc}); workers read the store")
    except BaseException:
        shutil.rmtree(new_dir, ignore_errors=True)
        raise

    progress(f"[5/{steps}] switching {store_path} to the new store")
    _swap(store_path, new_dir)
    progress(f"[6/{steps}] pruning old builds (a build a process holds is kept)")
    builds.prune(builds_dir, {new_dir})
    return BuildResult(new_dir, counts, time.monotonic() - started)
