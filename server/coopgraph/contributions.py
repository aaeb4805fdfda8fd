"""Contributed datasets: validate, load atomically with their inferences, register, withdraw.

A contribution that conforms (see :mod:`coopgraph.contextual`) becomes:

- ``<base>graph/contribution/{id}``: its triples, exactly as sent (blank nodes kept);
- ``<base>graph/contribution/{id}/inferred``: the OWL RL closure (owlrl) of the ontology and
  the contribution, restricted to statements about what the contribution describes and minus
  what is asserted, so that ``?x a cg:Actor`` finds a contributed city; withdrawing removes
  both graphs;
- an entry in the registry graph ``<base>graph/contributions`` (PROV-O): the graph is a
  ``prov:Entity`` ``prov:wasAttributedTo`` its contributor, ``prov:generatedAtTime``,
  ``prov:hadPrimarySource`` the source URL, with its note, SHA-256 checksum, triple counts
  (``void:triples``) and validation report (JSON).

All of it is written in ONE store transaction (:meth:`Store.write_graphs`): a process killed
during an ingestion leaves the whole contribution or nothing; a withdrawal is one SPARQL
Update (:meth:`Store.update`). Reads go through the executor's read path
(:meth:`Executor.select`, under the limits of ``/sparql``) when the caller has one (the web
layer), or through :meth:`Store.query` (the CLI); this module imports no engine. Ingestions
in one process are
serialised by a lock, so two identical files cannot both pass the checksum check. The curated
graphs are never touched. :func:`carry_over` copies contributions and the registry into a new
build, so they survive ``coopgraph build``.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef

from . import builds, config
from .contextual import Contribution, context_from_store, validate_contribution
from .rdfio import RdfParseError, parse_bytes
from .store import Store, open_store
from .validate import Report, load_ontology

CGC = "https://w3id.org/coopgraph/contribution#"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD = "http://www.w3.org/2001/XMLSchema#"

_LOCK = threading.Lock()


class ContributionError(Exception):
    """A contribution cannot be taken in; ``status`` is the HTTP status that says why."""

    def __init__(self, status: int, message: str, report: Report | None = None,
                 existing: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.report = report
        self.existing = existing


def registry_iri(base: str | None = None) -> str:
    return f"{base or config.base_iri()}graph/contributions"


def contribution_prefix(base: str | None = None) -> str:
    return f"{base or config.base_iri()}graph/contribution/"


def graph_of(cid: str, base: str | None = None) -> str:
    return contribution_prefix(base) + cid


def inferred_of(cid: str, base: str | None = None) -> str:
    return graph_of(cid, base) + "/inferred"


def is_contribution_graph(iri: str, base: str | None = None) -> bool:
    """True for ``<base>graph/contribution/…`` and the registry: only /contributions writes them."""
    return iri.startswith(contribution_prefix(base)) or iri == registry_iri(base)


def checksum(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def new_id() -> str:
    """Sortable by time, unique: ``20261205T204500-1a2b3c4d``."""
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:8]


# --------------------------------------------------------------------------------------------
# Reading: the one read path of this module


def _select(source: Store | Any, query: str) -> list[dict[str, str | None]]:
    """SELECT rows as ``{variable: lexical value or None}``.

    ``source`` is an :class:`~coopgraph.executor.Executor` (the web layer: a query worker,
    the limits of ``/sparql``) or a :class:`Store` (the CLI, and the checks made under the
    write lock, which must see the writer's latest state rather than a worker's snapshot).
    """
    if isinstance(source, Store):
        result = source.query(query, union_default_graph=False)
        return [{k: None if v is None else v.value for k, v in row.items()}
                for row in result.rows()]
    rows = source.select(query, union_default_graph=False)
    return [{k: None if v is None else str(v) for k, v in row.items()} for row in rows]


@dataclass
class Entry:
    """One registered contribution."""

    id: str
    graph: str
    contributor: str
    date: str
    source: str
    note: str | None
    checksum: str
    triples: int
    inferred: int
    media_type: str
    name: str
    report: dict[str, Any] = field(default_factory=dict)

    def to_json(self, *, with_report: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id, "graph": self.graph, "inferredGraph": self.graph + "/inferred",
            "contributor": self.contributor, "date": self.date, "source": self.source,
            "note": self.note, "checksum": self.checksum, "triples": self.triples,
            "inferredTriples": self.inferred, "mediaType": self.media_type, "name": self.name,
            "location": f"/contributions/{self.id}",
        }
        if with_report:
            out["report"] = self.report
        return out


#: The registry's property of each field of an :class:`Entry` (all required but the note).
_FIELDS: dict[str, str] = {
    "id": DCTERMS + "identifier", "agent": PROV + "wasAttributedTo",
    "date": PROV + "generatedAtTime", "source": PROV + "hadPrimarySource",
    "checksum": CGC + "sha256", "triples": VOID + "triples", "inferred": CGC + "inferredTriples",
    "media_type": CGC + "mediaType", "name": CGC + "fileName", "report": CGC + "report",
    "note": RDFS_LABEL.replace("label", "comment"),
}


def list_entries(source: Store | Any, base: str | None = None,
                 cid: str | None = None) -> list[Entry]:
    """The registry, newest first (or the one entry ``cid``).

    Read as (contribution, property, value) rows and assembled here rather than with one
    pattern of a dozen properties: Virtuoso plans such a pattern for seconds (3.6 s for one
    entry) or refuses it as too expensive, while this shape is answered in milliseconds by
    every engine. An entry missing a required property is left out, as a join would.
    """
    reg = registry_iri(base)
    only = f"VALUES ?g {{ <{graph_of(cid, base)}> }}" if cid else ""
    query = f"""
    SELECT ?g ?p ?o ?who WHERE {{
      GRAPH <{reg}> {{
        {only}
        ?g a <{CGC}Contribution> ; ?p ?o .
        OPTIONAL {{ ?o <{RDFS_LABEL}> ?who }}
      }}
    }}"""
    values: dict[str, dict[str, list[str]]] = {}
    labels: dict[str, list[str]] = {}
    for row in _select(source, query):
        g, p, o = row["g"], row["p"], row["o"]
        if g is None or p is None or o is None:
            continue
        values.setdefault(g, {}).setdefault(p, []).append(o)
        if row["who"] is not None:
            labels.setdefault(o, []).append(row["who"])
    out = []
    for g, props in values.items():
        field_values = {name: min(props[iri]) for name, iri in _FIELDS.items() if iri in props}
        who = labels.get(field_values.get("agent", ""))
        if who is None or any(name not in field_values for name in _FIELDS if name != "note"):
            continue
        out.append(Entry(
            id=field_values["id"], graph=g, contributor=min(who), date=field_values["date"],
            source=field_values["source"], note=field_values.get("note"),
            checksum=field_values["checksum"], triples=int(field_values["triples"]),
            inferred=int(field_values["inferred"]), media_type=field_values["media_type"],
            name=field_values["name"], report=json.loads(field_values["report"])))
    out.sort(key=lambda e: e.id)
    out.sort(key=lambda e: _instant(e.date), reverse=True)
    return out


def _instant(date: str) -> float:
    """An xsd:dateTime as seconds since the epoch, for ordering (the registry writes UTC)."""
    try:
        moment = datetime.datetime.fromisoformat(date)
    except ValueError:
        return 0.0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.timestamp()


def find_by_checksum(source: Store | Any, digest: str, base: str | None = None) -> str | None:
    reg = registry_iri(base)
    rows = list(_select(source, f"""SELECT ?id WHERE {{ GRAPH <{reg}> {{
        ?g <{CGC}sha256> "{digest}" ; <{DCTERMS}identifier> ?id }} }}"""))
    return rows[0]["id"] if rows else None


def context_graphs(store: Store, base: str | None = None) -> list[str]:
    """The graphs a new contribution is validated against: curated data, links, contributions."""
    base = base or config.base_iri()
    prefix = contribution_prefix(base)
    graphs = [config.graph_iri("data", base), config.graph_iri("links", base)]
    graphs += [g for g in store.named_graphs()
               if g.startswith(prefix) and not g.endswith("/inferred")]
    return graphs


# --------------------------------------------------------------------------------------------
# Inference


def infer_contribution(graph: Graph, base: str | None = None) -> Graph:
    """The OWL RL closure of ontology + contribution about the contribution's own resources."""
    from .build import infer, rebase

    base = base or config.base_iri()
    ontology = load_ontology()
    if base != config.CANONICAL_BASE:
        ontology = rebase(ontology, base)
    asserted = Graph()
    for triple in ontology:
        asserted.add(triple)
    for triple in graph:
        asserted.add(triple)
    described = set(graph.subjects())
    inferred = Graph()
    for s, p, o in infer(asserted):
        if s in described and (s, p, o) not in graph:
            inferred.add((s, p, o))
    return inferred


# --------------------------------------------------------------------------------------------
# Writing


N_TRIPLES = "application/n-triples"

#: Characters that cannot appear in an IRI (RFC 3987), so a source URL is one IRI.
_NOT_IN_IRI = set('<>"{}|^`\\') | {chr(c) for c in range(0x21)}


def _ntriples(graph: Graph) -> bytes:
    """N-Triples of an rdflib graph (blank-node labels kept: they link a contribution and
    its inferences)."""
    return graph.serialize(format="nt", encoding="utf-8")


def _registry_graph(entry: Entry, report_json: str) -> Graph:
    """The PROV-O entry of a contribution in the registry."""
    g = URIRef(entry.graph)
    agent = URIRef(entry.graph + "#contributor")
    activity = URIRef(entry.graph + "#ingestion")
    inferred = URIRef(entry.graph + "/inferred")

    def n(iri: str) -> URIRef:
        return URIRef(iri)

    def lit(value: str, datatype: str | None = None) -> Literal:
        return Literal(value, datatype=n(datatype)) if datatype else Literal(value)

    triples: list[tuple[Any, Any, Any]] = [
        (g, n(RDF_TYPE), n(CGC + "Contribution")),
        (g, n(RDF_TYPE), n(PROV + "Entity")),
        (g, n(DCTERMS + "identifier"), lit(entry.id)),
        (g, n(PROV + "wasAttributedTo"), agent),
        (agent, n(RDF_TYPE), n(PROV + "Agent")),
        (agent, n(RDFS_LABEL), lit(entry.contributor)),
        (g, n(PROV + "generatedAtTime"), lit(entry.date, XSD + "dateTime")),
        (g, n(PROV + "hadPrimarySource"), n(entry.source)),
        (g, n(PROV + "wasGeneratedBy"), activity),
        (activity, n(RDF_TYPE), n(PROV + "Activity")),
        (activity, n(PROV + "wasAssociatedWith"), agent),
        (activity, n(PROV + "endedAtTime"), lit(entry.date, XSD + "dateTime")),
        (g, n(CGC + "sha256"), lit(entry.checksum)),
        (g, n(VOID + "triples"), lit(str(entry.triples), XSD + "integer")),
        (g, n(CGC + "inferredGraph"), inferred),
        (inferred, n(PROV + "wasDerivedFrom"), g),
        (g, n(CGC + "inferredTriples"), lit(str(entry.inferred), XSD + "integer")),
        (g, n(CGC + "mediaType"), lit(entry.media_type)),
        (g, n(CGC + "fileName"), lit(entry.name)),
        (g, n(CGC + "report"), lit(report_json)),
    ]
    if entry.note:
        triples.append((g, n("http://www.w3.org/2000/01/rdf-schema#comment"), lit(entry.note)))
    out = Graph()
    for triple in triples:
        out.add(triple)
    return out


def _valid_iri(value: str) -> bool:
    """True if ``value`` is one absolute IRI (checked by the engine's N-Triples parser)."""
    if not value or any(c in _NOT_IN_IRI for c in value):
        return False
    line = f"<{value}> <{RDF_TYPE}> <{RDF_TYPE}> .\n".encode()
    try:
        return len(parse_bytes(line, N_TRIPLES, "source")) == 1
    except RdfParseError:
        return False


@dataclass
class Prepared:
    """A validated contribution ready to be written: its registry entry, and N-Triples for
    the graphs it replaces (its graph, its inferences) and adds to (the registry)."""

    entry: Entry
    replace: dict[str, bytes]
    add: dict[str, bytes]


def prepare(
    store: Any,
    contribution: Contribution,
    data: bytes,
    *,
    contributor: str,
    source: str,
    media_type: str,
    note: str | None = None,
    base: str | None = None,
    lang: str = "en",
    context: Graph | None = None,
    reader: Any | None = None,
) -> Prepared:
    """Check, validate and infer, writing nothing.

    Raises :class:`ContributionError`: 422 (does not conform; the report attached), 409 (the
    same bytes were already contributed: ``existing`` is their id), 400 (bad parameters).
    ``reader`` (an executor) reads the registry; the store does when it is None.
    """
    base = base or config.base_iri()
    contributor = (contributor or "").strip()
    source = (source or "").strip()
    if not contributor:
        raise ContributionError(400, "say who contributes: contributor=NAME")
    if not source.startswith(("http://", "https://")):
        raise ContributionError(400, "give the source of the data as an http(s) URL: source=URL")
    if not _valid_iri(source):
        raise ContributionError(400, f"the source {source!r} is not a valid URL")
    digest = checksum(data)
    existing = find_by_checksum(reader or store, digest, base)
    if existing:
        raise ContributionError(409, f"this file was already contributed as {existing}",
                                existing=existing)
    if context is None:
        context = context_from_store(store, context_graphs(store, base))
    report = validate_contribution(contribution, context=context, lang=lang)
    if not report.conforms:
        raise ContributionError(422, "the contribution does not conform: nothing was stored",
                                report=report)
    inferred = infer_contribution(contribution.graph, base)
    cid = new_id()
    entry = Entry(
        id=cid, graph=graph_of(cid, base), contributor=contributor,
        date=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), source=source, note=note,
        checksum=digest, triples=len(contribution.graph), inferred=len(inferred),
        media_type=media_type, name=contribution.name, report=json.loads(report.to_json()))
    replace = {entry.graph: _ntriples(contribution.graph),
               inferred_of(cid, base): _ntriples(inferred)}
    add = {registry_iri(base): _ntriples(_registry_graph(entry, report.to_json()))}
    return Prepared(entry, replace, add)


def commit(store: Store, prepared: Prepared, base: str | None = None) -> Entry:
    """Write a prepared contribution in ONE transaction (all or nothing); 409 if a twin won.

    The duplicate check reads the store itself (not a worker's snapshot) under the lock.
    """
    with _LOCK:
        again = find_by_checksum(store, prepared.entry.checksum, base)
        if again:
            raise ContributionError(409, f"this file was already contributed as {again}",
                                    existing=again)
        store.write_graphs(prepared.replace, prepared.add, N_TRIPLES)
    return prepared.entry


def ingest(store: Store, contribution: Contribution, data: bytes, **kwargs: Any) -> Entry:
    """:func:`prepare` then :func:`commit` (same arguments as :func:`prepare`)."""
    prepared = prepare(store, contribution, data, **kwargs)
    return commit(store, prepared, kwargs.get("base"))


def withdraw(store: Store, cid: str, base: str | None = None) -> bool:
    """Remove a contribution, its inferences and its registry entry (one update)."""
    base = base or config.base_iri()
    g = graph_of(cid, base)
    if not _safe_id(cid):
        return False
    with _LOCK:
        if not list_entries(store, base, cid) and not store.has_graph(g):
            return False
        reg = registry_iri(base)
        store.update(f"""
            DROP SILENT GRAPH <{g}> ;
            DROP SILENT GRAPH <{g}/inferred> ;
            DELETE {{ GRAPH <{reg}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{reg}> {{ ?s ?p ?o
                FILTER(?s IN (<{g}>, <{g}#contributor>, <{g}#ingestion>, <{g}/inferred>)) }} }}
        """)
    return True


def _safe_id(cid: str) -> bool:
    return bool(cid) and all(c.isalnum() or c in "-_T" for c in cid) and len(cid) <= 64


def dump(store: Store, cid: str, media_type: str, base: str | None = None,
         inferred: bool = False) -> bytes:
    g = graph_of(cid, base) + ("/inferred" if inferred else "")
    buf = io.BytesIO()
    store.dump_graph(g, buf, media_type)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# Surviving a build


def carry_graphs(old: Store, base: str) -> list[str]:
    """The graphs a new build must carry over: every contribution and the registry."""
    prefix = contribution_prefix(base)
    return [g for g in old.named_graphs()
            if g.startswith(prefix) or g == registry_iri(base)]


def carry_over(old_path: Path | str | None, new_store: Store,
               base: str | None = None) -> dict[str, int]:
    """Copy the contribution graphs and the registry of the build at ``old_path`` (the store
    link: resolved once, opened read-only, so a server holding that build is never disturbed)
    into ``new_store`` (a build's fresh store). Returns triples per graph copied.

    N-Triples keeps blank-node labels, so a contribution and its inferences still match.
    """
    base = base or config.base_iri()
    if old_path is None or not Path(old_path).exists():
        return {}
    old = open_store(builds.resolve(old_path), read_only=True)
    counts: dict[str, int] = {}
    try:
        for iri in carry_graphs(old, base):
            buffer = io.BytesIO()
            old.dump_graph(iri, buffer, "application/n-triples")
            counts[iri] = new_store.replace_graph(iri, buffer.getvalue(),
                                                  "application/n-triples")
    finally:
        old.close()
    return counts


def iter_all(entries: Iterable[Entry]) -> list[dict[str, Any]]:
    return [e.to_json() for e in entries]
