"""Validate a contribution in the context of the graph, and say each mistake once, plainly.

Why not simply ``validate_graph(contribution)``: a contributor's file points at entities the
graph already holds (``territory:france``) and cites its own documents. Validated alone, every
reference looks like an untyped resource and every source like a missing seed; validated with
the whole curated data, the curated data's own warnings are reported to the contributor. So:

- the contribution shapes are the curated ones with the edits of
  ``shapes/contribution/contribution-shapes.ttl`` (a contribution cites a ``cg:Document`` with a
  ``dcterms:title``, not one of the five seeds);
- the data validated is the contribution plus, from the graph, what the shapes need to see about
  the entities it mentions (their statements, and the type and level of what those point to);
- only results about what the file describes are kept, one per (resource, path, value);
- references to IRIs under our base that neither the file nor the graph describe are warned
  about, and classes or properties of our ontology that do not exist are violations;
- every result gets a hint (declared per rule in the contribution shapes, else per kind of
  constraint) and the line of the file where its resource is described (Turtle, TriG,
  N-Triples, N-Quads) or the CSV row and column.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pyshacl.errors import ReportableRuntimeError
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.graph import ReadOnlyGraphAggregate
from rdflib.namespace import RDF, SH, XSD
from rdflib.plugins.stores.memory import Memory
from rdflib.term import Node

from . import config
from .config import Sources
from .date_order import date_order_results, python_checkable, without_date_order_query
from .input_guard import check_input
from .rdfio import RdfParseError, parse_bytes, parse_union, read_graph, union_graph
from .shacl_messages import PARAMETER, component_name, describe, param_text, value_shape_of
from .shacl_parts import validate_in_parts
from .shape_checks import check_results, without_checked
from .shape_targets import flatten_property_shapes
from .validate import (
    SEVERITY_ORDER,
    Report,
    Result,
    _check_lang,
    _focus_key,
    _sort,
    load_ontology,
    load_shapes,
    short,
)

CG = Namespace("https://w3id.org/coopgraph/ontology#")
CGCS = Namespace("https://w3id.org/coopgraph/shapes/contribution#")
CSV_CELL = CGCS.CsvCell


def contribution_shapes_file(sources: Sources | None = None) -> Path:
    return (sources or Sources()).shapes / "contribution" / "contribution-shapes.ttl"


@lru_cache(maxsize=1)
def _contribution_extra() -> Graph:
    return read_graph([contribution_shapes_file()])


@lru_cache(maxsize=1)
def contribution_shapes() -> Graph:
    """The curated shapes with the contribution edits applied, and the property shapes of
    node shapes given their targets (:mod:`coopgraph.shape_targets`: the same results, each
    property shape evaluated once over all its focus nodes). Parsed once. Do not modify."""
    extra = _contribution_extra()
    shapes = Graph()
    for triple in load_shapes():
        shapes.add(triple)
    for triple in extra:
        shapes.add(triple)
    for edit in extra.subjects(RDF.type, CGCS.Edit):
        target = extra.value(edit, CGCS["in"])
        if target is None:
            continue
        for removed in extra.objects(edit, CGCS.remove):
            shapes.remove((target, SH.property, removed))
        for added in extra.objects(edit, CGCS.add):
            shapes.add((target, SH.property, added))
    return flatten_property_shapes(shapes)


@lru_cache(maxsize=1)
def _pyshacl_shapes() -> Graph:
    """What pyshacl gets: :func:`contribution_shapes` without what is checked once over the
    whole contribution in Python instead: the date-order query (:mod:`coopgraph.date_order`;
    pyshacl would parse it again for every resource with an end date) and the shapes of
    :mod:`coopgraph.shape_checks` (nested evaluations per value). Do not modify."""
    shapes = contribution_shapes()
    copy = without_checked(shapes)
    if python_checkable(shapes):
        without_date_order_query(copy)
    return copy


# --------------------------------------------------------------------------------------------
# The context: what the graph already says


@lru_cache(maxsize=1)
def curated_context() -> Graph:
    """The curated data and links, from the project's files (the CLI's context). Do not modify."""
    sources = Sources()
    files = sorted(sources.data.glob("*.ttl")) + sorted(sources.links.glob("*.ttl"))
    return read_graph(files)


def context_from_store(store: object, graphs: Iterable[str]) -> Graph:
    """The union of ``graphs`` of a store, read through the Store interface (N-Triples dump).

    The one read path of this module into the store: the executor's rows can replace it.
    """
    import io

    out = Graph()
    for graph in graphs:
        if not store.has_graph(graph):  # type: ignore[attr-defined]
            continue
        buf = io.BytesIO()
        store.dump_graph(graph, buf, "application/n-triples")  # type: ignore[attr-defined]
        union_graph(parse_bytes(buf.getvalue(), "application/n-triples", f"<{graph}>"), out)
    return out


def _neighbourhood(contribution: Graph, context: Graph) -> Graph:
    """What the shapes need from the graph about the entities the contribution mentions,
    except what the contribution says itself (so that the two are disjoint)."""
    out = Graph()
    iris = {t for triple in contribution for t in (triple[0], triple[2]) if isinstance(t, URIRef)}
    second: set[URIRef] = set()

    def add(triple: tuple[Node, Node, Node]) -> None:
        if triple not in contribution:
            out.add(triple)

    for iri in iris:
        for p, o in context.predicate_objects(iri):
            add((iri, p, o))
            if isinstance(o, URIRef):
                second.add(o)
            elif isinstance(o, BNode):
                for p2, o2 in context.predicate_objects(o):
                    add((o, p2, o2))
    for iri in second - iris:
        for p in (RDF.type, CG.administrativeLevel):
            for o in context.objects(iri, p):
                add((iri, p, o))
    return out


#: A parsed contribution is the named graph ``_CONTRIBUTION`` of a store of its own; while it
#: is validated, the context it needs and the ontology sit beside it in that store, so that
#: pyshacl sees the union without a copy of the contribution (seconds for 100k triples).
_CONTRIBUTION = URIRef("urn:x-coopgraph:validation:contribution")
_CONTEXT = URIRef("urn:x-coopgraph:validation:context")
_ONTOLOGY = URIRef("urn:x-coopgraph:validation:ontology")


class _Union(Dataset):
    """The union of a store's graphs, as pyshacl reads it. rdflib's own ``Dataset.triples``
    asks for the deprecated ``default_context`` on every call: a warning each time, tens of
    thousands per validation, and their cost."""

    @property
    def default_context(self) -> Graph:
        return self._default_context

    @default_context.setter
    def default_context(self, value: Graph) -> None:
        self._default_context = value


def new_contribution_graph() -> Graph:
    """An empty graph to parse a contribution into (see ``_CONTRIBUTION``)."""
    return Dataset().graph(_CONTRIBUTION)


@contextmanager
def _validation_data(graph: Graph, *beside: Graph) -> Iterator[Dataset]:
    """The union of ``graph`` and ``beside`` for pyshacl; ``graph`` unchanged afterwards.

    ``graph`` is used in place when it comes from :func:`new_contribution_graph` (the other
    graphs are added to its store as graphs of their own, and removed after), copied else.
    """
    if not (isinstance(graph.store, Memory) and graph.identifier == _CONTRIBUTION):
        copy = new_contribution_graph()
        for triple in graph:
            copy.add(triple)
        graph = copy
    store = graph.store
    added: list[Graph] = []
    try:
        for identifier, triples in zip((_CONTEXT, _ONTOLOGY), beside, strict=True):
            part = Graph(store, identifier=identifier)
            added.append(part)
            for triple in triples:
                part.add(triple)
        yield _Union(store=store, default_union=True)
    finally:
        for part in added:
            store.remove_graph(part)


# --------------------------------------------------------------------------------------------
# Lines in the file


_TOKEN = re.compile(r"^\s*(<[^>\s]*>|[A-Za-z_][\w.-]*:[^\s;,]*|:[^\s;,]*)")
_PREFIX = re.compile(r"(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)


class SourceLines:
    """Finds the first line where a resource is the subject of a statement (text syntaxes)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.prefixes = [(p or "", ns) for p, ns in _PREFIX.findall(text)]
        self._first: dict[str, int] | None = None

    def _tokens(self) -> dict[str, int]:
        if self._first is None:
            first: dict[str, int] = {}
            for number, line in enumerate(self.text.splitlines(), start=1):
                m = _TOKEN.match(line)
                if m and m.group(1) not in first:
                    first[m.group(1).rstrip(".")] = number
            self._first = first
        return self._first

    def candidates(self, iri: str) -> list[str]:
        out = [f"<{iri}>"]
        for prefix, ns in self.prefixes:
            if iri.startswith(ns):
                out.append(f"{prefix}:{iri[len(ns):]}")
        return out

    def line_of(self, iri: str) -> int | None:
        tokens = self._tokens()
        found = [tokens[c] for c in self.candidates(iri) if c in tokens]
        if found:
            return min(found)
        positions = [p for c in self.candidates(iri) if (p := self.text.find(c)) >= 0]
        if positions:
            return self.text.count("\n", 0, min(positions)) + 1
        return None


# --------------------------------------------------------------------------------------------
# Sentences and hints


def _tagged(graph: Graph, subject: Node, predicate: Node, lang: str) -> str | None:
    texts = {o.language: str(o) for o in graph.objects(subject, predicate)
             if isinstance(o, Literal)}
    return texts.get(lang) or texts.get("en" if lang == "fr" else "fr")


_HINTS = {
    "MinCount": ("Ajoutez {path} à {focus}.", "Add {path} to {focus}."),
    "QualifiedMinCount": ("Ajoutez {path} à {focus}.", "Add {path} to {focus}."),
    "MaxCount": ("Gardez une seule valeur de {path} sur {focus}.",
                 "Keep a single value of {path} on {focus}."),
    "QualifiedMaxCount": ("Gardez une seule valeur de {path} sur {focus}.",
                          "Keep a single value of {path} on {focus}."),
    "ClassLiteral": ("Remplacez le texte {value} par une ressource (IRI) de type {param}.",
                     "Replace the text {value} by a resource (an IRI) of type {param}."),
    "Class": ("Donnez à {value} le type {param} (« a {param} ») ou désignez une autre ressource.",
              "Give {value} the type {param} (\"a {param}\") or point to another resource."),
    "Datatype": ("Écrivez la valeur avec le type attendu : {param}.",
                 "Write the value with the expected datatype: {param}."),
    "Pattern": ("Corrigez {value} : la forme attendue est {param}.",
                "Fix {value}: the expected form is {param}."),
    "LanguageIn": ("Donnez une étiquette de langue fr ou en (\"…\"@fr).",
                   "Give a language tag, fr or en (\"…\"@fr)."),
    "UniqueLang": ("Gardez une seule valeur par langue.", "Keep one value per language."),
    "UnknownReference": (
        "Décrivez {value} dans le fichier (type, libellé, source) ou corrigez l'IRI.",
        "Describe {value} in the file (type, label, source) or fix the IRI."),
    "UnknownTerm": ("Utilisez un terme de l'ontologie (voir docs/modelling.md).",
                    "Use a term of the ontology (see docs/modelling.md)."),
}
_DEFAULT_HINT = ("Voir la règle {shape} dans docs/modelling.md.",
                 "See the rule {shape} in docs/modelling.md.")


_SHAPE_HINTS = {
    "Node": ("Donnez à {path} une valeur {desc}.", "Give {path} a value {desc}."),
    "Or": ("Donnez à {path} une valeur {desc}.", "Give {path} a value {desc}."),
    "Xone": ("Donnez à {path} une valeur {desc}.", "Give {path} a value {desc}."),
    "And": ("Donnez à {path} une valeur {desc}.", "Give {path} a value {desc}."),
    "Not": ("Donnez à {path} une autre valeur : pas {desc}.",
            "Give {path} another value: not {desc}."),
    "MinLength": ("Allongez {value} : au moins {param} caractère(s).",
                  "Lengthen {value}: at least {param} character(s)."),
    "MaxLength": ("Raccourcissez {value} : au plus {param} caractère(s).",
                  "Shorten {value}: at most {param} character(s)."),
    "NodeKind": ("Remplacez {value} par {param}.", "Replace {value} by {param}."),
    "In": ("Choisissez une de ces valeurs : {param}.", "Choose one of these values: {param}."),
}


def _hint(r: Result, shapes: Graph, extra: Graph, lang: str) -> str:
    """How to fix ``r``: the hint the contribution shapes declare for its shape (or for the
    value shape its ``sh:node`` names), else one composed from the constraint component."""
    component = component_name(r.constraint_component)
    if r.source_shape is not None:
        for holder in [r.source_shape, *value_shape_of(shapes, r.source_shape, component)]:
            declared = _tagged(extra, holder, CGCS.hint, lang)
            if declared:
                return declared
    param = desc = ""
    if r.source_shape is not None:
        for p in (SH["class"], SH.datatype, SH.pattern):
            v = shapes.value(r.source_shape, p)
            if v is not None:
                param = short(v) if not isinstance(v, Literal) else str(v)
                break
        if component in PARAMETER and not param:
            param = param_text(shapes, r.source_shape, PARAMETER[component], short, lang)
        described = value_shape_of(shapes, r.source_shape, component)
        if component in ("Or", "And", "Xone"):
            described = [r.source_shape]
        desc = ", ".join(describe(shapes, s, lang, short) for s in described)
    if component == "Class" and isinstance(r.value, Literal):
        component = "ClassLiteral"
    fr, en = _HINTS.get(component) or _SHAPE_HINTS.get(component) or _DEFAULT_HINT
    path = r.path_text or short(r.focus_node)
    return (fr if lang == "fr" else en).format(
        path=path, focus=short(r.focus_node),
        value="" if r.value is None else short(r.value), param=param, desc=desc or "?",
        shape=short(r.source_shape) if r.source_shape is not None else component)


_OWN = {
    "UnknownReference": (
        "{focus} désigne {value} par {path}, mais ni le fichier ni le graphe ne décrivent "
        "cette ressource.",
        "{focus} points to {value} with {path}, but neither the file nor the graph describes "
        "that resource."),
    "UnknownClass": ("{value} n'est pas une classe de l'ontologie coopgraph.",
                     "{value} is not a class of the coopgraph ontology."),
    "UnknownProperty": ("{path} n'est pas une propriété de l'ontologie coopgraph.",
                        "{path} is not a property of the coopgraph ontology."),
}


def _own_result(kind: str, severity: str, focus: Node, path: Node, value: Node | None,
                lang: str) -> Result:
    texts = {code: tpl.format(focus=short(focus), path=short(path),
                              value="" if value is None else short(value))
             for code, tpl in zip(("fr", "en"), _OWN[kind], strict=True)}
    return Result(
        severity=severity, focus_node=focus, result_path=path, path_text=short(path),
        path_iris=f"<{path}>", value=value, message=texts[lang], source_shape=None,
        constraint_component=CGCS[kind], messages=texts)


def reference_results(contribution: Graph, context: Graph, lang: str) -> list[Result]:
    """References the graph cannot resolve, and terms our ontology does not have."""
    ontology = load_ontology()
    declared = set(ontology.subjects())
    known = declared | set(context.subjects()) | set(contribution.subjects())
    bases = {config.base_iri() + "id/", config.CANONICAL_BASE + "id/"}
    out: list[Result] = []
    seen: set[tuple[Node, Node, Node]] = set()
    for s, p, o in contribution:
        if str(p).startswith(str(CG)) and p not in declared and (s, p, p) not in seen:
            seen.add((s, p, p))
            out.append(_own_result("UnknownProperty", "Violation", s, p, None, lang))
        if not isinstance(o, URIRef):
            continue
        if p == RDF.type:
            if str(o).startswith(str(CG)) and o not in declared:
                out.append(_own_result("UnknownClass", "Violation", s, p, o, lang))
        elif o not in known and any(str(o).startswith(b) for b in bases):
            out.append(_own_result("UnknownReference", "Warning", s, p, o, lang))
    return out


# --------------------------------------------------------------------------------------------
# The validation


@dataclass
class Contribution:
    """A parsed contribution: its triples, and what finds positions in its source."""

    graph: Graph
    name: str = "<input>"
    lines: SourceLines | None = None
    #: CSV input: resource → (row number, column name) of the cell it was made from.
    cells: dict[Node, tuple[int, str]] = field(default_factory=dict)
    #: CSV input: (resource, property) → (row, column) of the cell that gave the value.
    property_cells: dict[tuple[Node, Node], tuple[int, str]] = field(default_factory=dict)
    #: Problems found before SHACL (CSV cells csvw rejects), already located.
    extra_results: list[Result] = field(default_factory=list)
    #: (resource, property) pairs whose cell was already reported (CSV): no second report.
    suppressed: set[tuple[Node, Node]] = field(default_factory=set)

    @property
    def triples(self) -> int:
        return len(self.graph)


#: Media types (and format names) that carry line-oriented RDF we can point into.
_TEXT_SYNTAXES = ("turtle", "trig", "n-triples", "n-quads", "ntriples", "nquads")
CSV_TYPES = ("text/csv", "csv")


#: Parses an RDF document to N-Triples: ``(data, media type, name, base IRI) -> bytes``,
#: raising RdfParseError (the web passes one that parses in a query worker, under the time
#: limit: :meth:`coopgraph.executor.Executor.to_ntriples`).
NTriplesParser = Callable[[bytes, str, str, str], bytes]


def parse_contribution(data: bytes, media_type: str, name: str = "<input>", *,
                       parser: NTriplesParser | None = None) -> Contribution:
    """Check (size, emptiness) then parse, the parser refusing entities, remote contexts,
    deep nesting and huge literals (:func:`rdfio.check_safe`); raises RdfParseError.

    With ``parser``, an RDF document (not CSV) is parsed by it into N-Triples first, and
    only those are read here (linear, nothing left to bound).
    """
    syntax = media_type.split(";")[0].strip().lower()
    check_input(data, name)
    if syntax in CSV_TYPES:
        from .csvmap import csv_to_contribution

        return csv_to_contribution(data, name)
    base = config.base_iri() + "id/contributed/"
    text = _utf8_or_none(data)
    if parser is not None and text is not None:
        # Parsed in a query worker under the time limit; read back from its N-Triples.
        ntriples = parser(text.removeprefix("\ufeff").encode("utf-8"), syntax, name, base)
        graph = parse_union(ntriples, "application/n-triples", name,
                            into=new_contribution_graph())
    else:  # the CLI; and bytes that are not UTF-8, which parse_union refuses with a position
        graph = parse_union(data, syntax, name, base_iri=base, into=new_contribution_graph())
    lines = None
    if any(t in syntax for t in _TEXT_SYNTAXES):
        lines = SourceLines(data.decode("utf-8", errors="replace"))
    return Contribution(graph=graph, name=name, lines=lines)


def _utf8_or_none(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def parse_contribution_file(path: str | Path, input_format: str | None = None) -> Contribution:
    """A file by its extension (``.csv`` included) or ``input_format``."""
    from .rdfio import format_for_path, read_bytes, resolve_format

    p = Path(path)
    data = read_bytes(p)
    if input_format:
        syntax = input_format
    elif p.suffix.lower() == ".csv":
        syntax = "text/csv"
    else:
        fmt = format_for_path(p)
        syntax = fmt.media_type
    if syntax not in CSV_TYPES and input_format:
        syntax = resolve_format(input_format, where=str(path)).media_type
    return parse_contribution(data, syntax, str(path))


def _relevant(r: Result, contribution: Graph, described: set[Node]) -> bool:
    if r.focus_node in described:
        return True
    return isinstance(r.focus_node, Literal) and any(
        (s, p, r.focus_node) in contribution for s, p in r.referenced_by)


#: From this many triples a contribution is validated by several processes (fork).
PARALLEL_FROM_TRIPLES = 20_000


def default_processes(triples: int) -> int:
    """Processes for a contribution of ``triples``: one for the small ones (a fork costs more
    than it saves), else one per core, two at most (the shapes split in two parts well).

    One as well when other threads run (the server's request threads): a child forked from a
    threaded process can hang on a lock another thread held at the fork (logging, an import),
    and its parent would wait for it. So the CLI (``coopgraph validate``, ``contribute``) uses
    both cores, and the server validates in its request thread."""
    if triples < PARALLEL_FROM_TRIPLES or not hasattr(os, "fork"):
        return 1
    if threading.active_count() > 1:
        return 1
    return max(1, min(2, os.cpu_count() or 1))


def shacl_results(contribution: Graph, context: Graph, lang: str,
                  processes: int | None = None) -> tuple[list[Result], Graph]:
    """pyshacl's results (and those of the checks in Python) on the contribution with what it
    needs of ``context`` and the ontology, sorted as :func:`coopgraph.validate.validate_graph`
    sorts; and the data they were found in, without the ontology (for sorting and naming)."""
    neighbourhood = _neighbourhood(contribution, context)
    view = ReadOnlyGraphAggregate([contribution, neighbourhood])
    shapes = contribution_shapes()
    if processes is None:
        processes = default_processes(len(contribution))
    with _validation_data(contribution, neighbourhood, load_ontology()) as data:
        results = validate_in_parts(data, _pyshacl_shapes(), view, lang, processes)
        if python_checkable(shapes):
            results += date_order_results(data, shapes, lang, view)
        results += check_results(data, shapes, lang, view)
    _sort(results, view)
    return results, view


def validate_contribution(
    contribution: Contribution, *, context: Graph | None = None, lang: str = "en",
    processes: int | None = None,
) -> Report:
    """The report on ``contribution`` seen in ``context`` (default: the curated files).

    ``processes``: how many processes validate (default :func:`default_processes`).
    """
    _check_lang(lang)
    context = curated_context() if context is None else context
    graph = contribution.graph
    shapes = contribution_shapes()
    try:
        raw, data = shacl_results(graph, context, lang, processes)
    except ReportableRuntimeError as exc:
        raise RdfParseError(contribution.name, _cannot_check(exc, lang)) from None
    described = set(graph.subjects())
    results = [r for r in raw if _relevant(r, graph, described)
               and (r.focus_node, r.result_path) not in contribution.suppressed]
    results += reference_results(graph, context, lang)
    for r in contribution.extra_results:
        r.message = r.messages.get(lang, r.message)
        r.hint = getattr(r, "hints", {}).get(lang)
        results.append(r)
    once: dict[tuple[str, str, str], Result] = {}
    results.sort(key=lambda r: SEVERITY_ORDER.get(r.severity, 9))
    for r in results:
        key = (r.focus_node.n3(), r.path_text or "", "" if r.value is None else r.value.n3())
        once.setdefault(key, r)
    results = list(once.values())
    extra = _contribution_extra()
    for r in results:
        if r.constraint_component == CSV_CELL:
            continue
        r.hint = _hint(r, shapes, extra, lang)
        _locate(r, contribution)
    keys = {r.focus_node: _focus_key(r.focus_node, data) for r in results}
    results.sort(key=lambda r: (r.line if r.line is not None else 1 << 30,
                                keys[r.focus_node], r.sort_key()))
    conforms = not any(r.severity == "Violation" for r in results)
    return Report(conforms=conforms, results=results, graph=report_graph(results, conforms),
                  lang=lang)


def _cannot_check(exc: Exception, lang: str = "en") -> str:
    """Why pyshacl stopped on the input, as a sentence for the contributor in the report's
    language (pyshacl's own text names its internals)."""
    if "BlankNode" in str(exc) and "lessThan" in str(exc):
        if lang == "fr":
            return ("ne peut pas être vérifié : un nœud anonyme ([]) se trouve là où une "
                    "valeur est comparée à une autre (schema:minValue ou schema:maxValue d’un "
                    "chiffre, par exemple) ; écrivez-y un nombre")
        return ("cannot be checked: a blank node ([]) stands where a value is compared with "
                "another one (schema:minValue or schema:maxValue of a figure, say); write a "
                "number there")
    if lang == "fr":
        return "ne peut pas être vérifié : le validateur s’est arrêté sur ce fichier"
    return "cannot be checked: the validator stopped on this input"


def _locate(r: Result, contribution: Contribution) -> None:
    """Set the line (or CSV row and column) where the result's resource is described."""
    subjects: list[Node] = [r.focus_node]
    if not isinstance(r.focus_node, URIRef):
        subjects += [s for s, _p in r.referenced_by]
        subjects += [s for s in contribution.graph.subjects(None, r.focus_node)]
    if contribution.property_cells or contribution.cells:
        for s in subjects:
            cell = None
            if r.result_path is not None:
                cell = contribution.property_cells.get((s, r.result_path))
            cell = cell or contribution.cells.get(s)
            if cell:
                r.line, r.column = cell
                return
    if contribution.lines is None:
        return
    for s in subjects:
        if isinstance(s, URIRef):
            line = contribution.lines.line_of(str(s))
            if line is not None:
                r.line = line
                return


def report_graph(results: list[Result], conforms: bool) -> Graph:
    """The standard sh:ValidationReport for ``results`` (messages in every language)."""
    g = Graph()
    report = BNode()
    g.add((report, RDF.type, SH.ValidationReport))
    g.add((report, SH.conforms, Literal(conforms)))
    for r in results:
        node = BNode()
        g.add((report, SH.result, node))
        g.add((node, RDF.type, SH.ValidationResult))
        g.add((node, SH.focusNode, r.focus_node))
        g.add((node, SH.resultSeverity, SH[r.severity]))
        if isinstance(r.result_path, URIRef):
            g.add((node, SH.resultPath, r.result_path))
        if r.value is not None:
            g.add((node, SH.value, r.value))
        for code, text in r.messages.items():
            g.add((node, SH.resultMessage, Literal(text, lang=code or None)))
        if isinstance(r.source_shape, URIRef):
            g.add((node, SH.sourceShape, r.source_shape))
        g.add((node, SH.sourceConstraintComponent, r.constraint_component))
        if r.line is not None:
            g.add((node, CGCS.line, Literal(r.line, datatype=XSD.integer)))
        if r.hint:
            g.add((node, CGCS.hint, Literal(r.hint)))
    return g


def validate_files_contextual(
    paths: Iterable[str | Path], *, input_format: str | None = None, lang: str = "en",
    context: Graph | None = None,
) -> Report:
    """``coopgraph validate FILE…``: each file a contribution, the results of all together."""
    results: list[Result] = []
    graphs: list[Graph] = []
    for path in paths:
        contribution = parse_contribution_file(path, input_format)
        report = validate_contribution(contribution, context=context, lang=lang)
        for r in report.results:
            r.files = [str(path)]
        results += report.results
        graphs.append(report.graph)
    conforms = not any(r.severity == "Violation" for r in results)
    return Report(conforms=conforms, results=results, graph=report_graph(results, conforms),
                  lang=lang)


Validator = Callable[[Contribution], Report]

__all__ = [
    "CSV_TYPES", "Contribution", "RdfParseError", "context_from_store", "contribution_shapes",
    "curated_context", "parse_contribution", "parse_contribution_file", "report_graph",
    "validate_contribution", "validate_files_contextual",
]
