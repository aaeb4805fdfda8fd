"""SHACL validation of RDF data against shapes/ (with the ontology's class hierarchy).

Why a wrapper around pyshacl: the build and ``coopgraph validate`` need one verdict
(violations fail, warnings do not), messages in the reader's language (the shapes carry each
message in French and English), blank nodes named by what points at them, the files a focus
node comes from, and three stable outputs (text for people, JSON for programs, the standard
``sh:ValidationReport`` in Turtle for SHACL tools).

JSON structure of :meth:`Report.to_json` (stable; terms as in SPARQL 1.1 JSON results)::

    {
      "conforms": true | false,          # false iff at least one sh:Violation
      "lang": "en" | "fr",               # the language messages were chosen in
      "counts": {"Violation": n, "Warning": n, "Info": n},
      "results": [                       # violations first, then by focus node
        {
          "severity": "Violation" | "Warning" | "Info",
          "focusNode": TERM,
          "focusReferencedBy": [{"subject": TERM, "predicate": IRI}],  # unless an IRI
          "resultPath": null | {"type": "uri", "value": IRI}
                             | {"type": "path", "value": SPARQL property path},
          "value": null | TERM,
          "message": "…",                # in "lang", else the other language
          "messages": {"en": "…", "fr": "…"},  # every language the shape gives
          "sourceShape": IRI | null,
          "constraintComponent": IRI,
          "sourceConstraint": IRI | null,  # the named sh:sparql constraint, if any
          "files": ["data/….ttl", …],     # files where the focus node is a subject
          "hint": "…" | null,            # how to fix it (contributions), in "lang"
          "line": n | null,              # where the focus node is described (contributions;
          "column"?: "…"                 #   CSV: the row, and the column of the cell)
        }
      ]
    }

    TERM = {"type": "uri", "value": IRI} | {"type": "bnode", "value": id}
         | {"type": "literal", "value": text, "datatype"?: IRI, "xml:lang"?: tag}

Data engineers' quick check (from the repository root)::

    .venv/bin/python -c "from coopgraph.validate import main; import sys,glob; \
sys.exit(main(glob.glob('data/**/*.ttl', recursive=True)))"
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO

import pyshacl
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from .config import Sources
from .namespaces import PREFIXES
from .rdfio import RdfParseError, parse_bytes, parse_file, union_graph
from .shacl_messages import result_messages

LANGS = ("en", "fr")
OUTPUT_FORMATS = ("text", "json", "turtle")
SEVERITIES: dict[Node | None, str] = {
    SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}

EXIT_CONFORMS, EXIT_VIOLATIONS, EXIT_UNREADABLE = 0, 1, 2

#: Short names for the text output: the shared prefixes plus one per kind of entity.
_ENTITY_KINDS = (
    "territory", "actor", "person", "post", "partnership", "project", "funding", "event",
    "participation", "membership", "award", "figure", "evidence", "concept",
)
_SHORT: dict[str, str] = {
    **PREFIXES,
    **{kind: PREFIXES["id"] + kind + "/" for kind in _ENTITY_KINDS},
    "doc": PREFIXES["id"] + "document/",
    "cgsh": "https://w3id.org/coopgraph/shapes#",
    "wd": "http://www.wikidata.org/entity/",
}
_SHORT_BY_LENGTH = sorted(_SHORT.items(), key=lambda kv: -len(kv[1]))


class _IllTypedLiterals(logging.Filter):
    """Drops rdflib's warning (with a traceback) for a literal whose text does not fit its
    datatype (``"2020-13-45"^^xsd:date``): the shapes report it (``sh:datatype``) as a
    sentence with its line; the traceback on stderr only frightened contributors."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Failed to convert Literal lexical form")


logging.getLogger("rdflib.term").addFilter(_IllTypedLiterals())


def _rdf_files(folder: Path) -> list[Path]:
    """The ``*.ttl`` files of ``folder``, sorted: the same files the build reads."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.ttl") if p.is_file())


def _load_folder(folder: Path) -> Graph:
    graph = Graph()
    for path in _rdf_files(folder):
        ds = parse_file(path)
        for s, p, o, _g in ds.quads((None, None, None, None)):
            graph.add((s, p, o))
    return graph


@lru_cache(maxsize=1)
def load_shapes() -> Graph:
    """The shapes graph (every RDF file in shapes/), parsed once per process. Do not modify."""
    return _load_folder(Sources().shapes)


@lru_cache(maxsize=1)
def load_ontology() -> Graph:
    """The ontology and vocabularies (every RDF file in ontology/), parsed once. Do not modify.

    It gives the validation the class hierarchy (for sh:targetClass and sh:class) and the
    declared concepts (sh:class skos:Concept catches a misspelt concept IRI).
    """
    return _load_folder(Sources().ontology)


# --------------------------------------------------------------------------------------------
# Terms


def short(term: Node | str) -> str:
    """A readable name: ``actor:cd93``, ``"Paris"@fr``, ``[]`` for a blank node."""
    if isinstance(term, Literal):
        text = json.dumps(str(term), ensure_ascii=False)
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype is not None:
            return f"{text}^^{short(term.datatype)}"
        return text
    if isinstance(term, BNode):
        return "[]"
    iri = str(term)
    for prefix, ns in _SHORT_BY_LENGTH:
        if iri.startswith(ns) and len(iri) > len(ns):
            local = iri[len(ns):]
            if all(c.isalnum() or c in "-_." for c in local):
                return f"{prefix}:{local}"
    return f"<{iri}>"


def term_json(term: Node) -> dict[str, str]:
    """A term as in SPARQL 1.1 JSON results."""
    if isinstance(term, Literal):
        out = {"type": "literal", "value": str(term)}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype is not None:
            out["datatype"] = str(term.datatype)
        return out
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    return {"type": "uri", "value": str(term)}


def _path_text(graph: Graph, path: Node, name: Any = short) -> str:
    """A SHACL path as a SPARQL property path (``^cg:party``, ``(^a|b)``)."""
    if isinstance(path, URIRef):
        return name(path)
    if (path, RDF.first, None) in graph:
        return "/".join(_path_text(graph, p, name) for p in Collection(graph, path))
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _path_text(graph, inverse, name)
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        parts = [_path_text(graph, p, name) for p in Collection(graph, alternatives)]
        return "(" + "|".join(parts) + ")"
    repeats = ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?"))
    for prop, suffix in repeats:
        inner = graph.value(path, prop)
        if inner is not None:
            return "(" + _path_text(graph, inner, name) + ")" + suffix
    return "?"


# --------------------------------------------------------------------------------------------
# Report


@dataclass
class Result:
    """One validation result, with its message already chosen in the report's language."""

    severity: str
    focus_node: Node
    result_path: Node | None
    path_text: str | None
    path_iris: str | None
    value: Node | None
    message: str
    source_shape: Node | None
    constraint_component: Node
    source_constraint: Node | None = None
    messages: dict[str, str] = field(default_factory=dict)
    referenced_by: list[tuple[Node, Node]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    #: How to fix it, in the report's language (contributions; None for curated reports).
    hint: str | None = None
    #: The line of the input where the focus node is described (CSV: the row), when known.
    line: int | None = None
    #: CSV input: the column the value came from.
    column: str | None = None

    def sort_key(self) -> tuple[Any, ...]:
        """Within a focus node: severity, path, shape, value (blank-node ids left out), and the
        constraint component last: one shape's constraints can fail on the same value with the
        same message (sh:class and sh:pattern), and the order pyshacl finds them in varies
        from process to process (the shapes graph's sets), which made a report pick either
        one's hint."""
        value = "" if self.value is None or isinstance(self.value, BNode) else self.value.n3()
        return (
            SEVERITY_ORDER.get(self.severity, 9), self.path_text or "",
            str(self.source_shape), value, self.message, str(self.constraint_component),
        )

    def to_json(self) -> dict[str, Any]:
        path: dict[str, Any] | None
        if self.result_path is None:
            path = None
        elif isinstance(self.result_path, URIRef):
            path = {"type": "uri", "value": str(self.result_path)}
        else:
            path = {"type": "path", "value": self.path_iris}
        return {
            "severity": self.severity,
            "focusNode": term_json(self.focus_node),
            "focusReferencedBy": [
                {"subject": term_json(s), "predicate": str(p)} for s, p in self.referenced_by
            ],
            "resultPath": path,
            "value": None if self.value is None else term_json(self.value),
            "message": self.message,
            "messages": dict(sorted(self.messages.items())),
            "sourceShape": None if self.source_shape is None or isinstance(
                self.source_shape, BNode) else str(self.source_shape),
            "constraintComponent": str(self.constraint_component),
            "sourceConstraint": str(self.source_constraint)
            if isinstance(self.source_constraint, URIRef) else None,
            "files": list(self.files),
            "hint": self.hint,
            "line": self.line,
            **({"column": self.column} if self.column else {}),
        }


_TEXTS = {
    "en": {
        "conforms": "Conforms",
        "not": "Does not conform",
        "counts": "{v} violation(s), {w} warning(s)",
        "warn_note": " (warnings alone do not prevent conformance)",
        "value": "value",
        "of": "of",
        "shape": "shape",
        "line": "line",
        "column": "column",
        "sep": ": ",
    },
    "fr": {
        "conforms": "Conforme",
        "not": "Non conforme",
        "counts": "{v} violation(s), {w} avertissement(s)",
        "warn_note": " (des avertissements seuls n'empêchent pas la conformité)",
        "value": "valeur",
        "of": "de",
        "shape": "forme",
        "line": "ligne",
        "column": "colonne",
        "sep": " : ",  # French typography: a space before the colon
    },
}


@dataclass
class Report:
    """The outcome of a validation: ``conforms`` is false iff there is at least one Violation."""

    conforms: bool
    results: list[Result]
    graph: Graph
    lang: str = "en"

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    @property
    def violations(self) -> list[Result]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[Result]:
        return [r for r in self.results if r.severity == "Warning"]

    def summary(self) -> str:
        """One line: the verdict and the counts, in the report's language."""
        t = _TEXTS.get(self.lang, _TEXTS["en"])
        counts = t["counts"].format(v=self.count("Violation"), w=self.count("Warning"))
        if not self.conforms:
            return f"{t['not']}{t['sep']}{counts}."
        note = t["warn_note"] if self.count("Warning") else ""
        return f"{t['conforms']}{t['sep']}{counts}{note}."

    def to_text(self) -> str:
        """Results grouped by focus node, most severe first, then the summary line."""
        t = _TEXTS.get(self.lang, _TEXTS["en"])
        lines: list[str] = []
        current: Node | None = None
        for r in self.results:
            if r.focus_node != current:
                current = r.focus_node
                head = short(r.focus_node)
                if r.referenced_by:
                    refs = ", ".join(f"{short(p)} {t['of']} {short(s)}" for s, p in r.referenced_by)
                    head += f" ({refs})"
                if r.files:
                    head += "  — " + ", ".join(r.files)
                lines.append(head)
            where = f"{r.path_text}: " if r.path_text else ""
            lines.append(f"  {r.severity:<9} {where}{r.message}")
            extra = []
            if r.value is not None and r.value != r.focus_node:
                extra.append(f"{t['value']}: {short(r.value)}")
            if r.source_shape is not None and not isinstance(r.source_shape, BNode):
                extra.append(f"{t['shape']}: {short(r.source_shape)}")
            if r.line is not None:
                where_in = f"{t['line']} {r.line}" + (f", {t['column']} {r.column}"
                                                      if r.column else "")
                extra.insert(0, where_in)
            if extra:
                lines.append("            " + "; ".join(extra))
            if r.hint:
                lines.append(f"            → {r.hint}")
        lines.append(self.summary())
        return "\n".join(lines) + "\n"

    def to_json(self) -> str:
        """The documented JSON structure (see the module docstring)."""
        doc = {
            "conforms": self.conforms,
            "lang": self.lang,
            "counts": {s: self.count(s) for s in ("Violation", "Warning", "Info")},
            "results": [r.to_json() for r in self.results],
        }
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"

    def to_turtle(self) -> str:
        """The standard ``sh:ValidationReport`` graph (messages in both languages)."""
        for prefix, ns in _SHORT.items():
            self.graph.bind(prefix, ns, override=True, replace=True)
        return self.graph.serialize(format="turtle")


def _pick_message(messages: Iterable[Node], lang: str) -> str:
    """The message in ``lang``, else in the other language, else any."""
    literals = [m for m in messages if isinstance(m, Literal)]
    order = [lang] + [other for other in LANGS if other != lang]
    for wanted in order:
        for m in literals:
            if m.language == wanted:
                return str(m)
    for m in literals:
        return str(m)
    return ""


def _ours(results: Graph, node: Node, shapes: Graph) -> dict[str, str]:
    """The messages of one result of pyshacl's report graph (top-level or nested), by
    language, from the shapes (:mod:`coopgraph.shacl_messages`); written back into the report
    graph in place of pyshacl's, so that its Turtle carries no validator text either."""
    focus = results.value(node, SH.focusNode)
    component = results.value(node, SH.sourceConstraintComponent)
    assert focus is not None and component is not None, "pyshacl names both in every result"
    path = results.value(node, SH.resultPath)
    messages = result_messages(
        shapes, results.value(node, SH.sourceShape), results.value(node, SH.sourceConstraint),
        component, focus, None if path is None else _path_text(results, path),
        results.value(node, SH.value), short)
    results.remove((node, SH.resultMessage, None))
    for code, text in messages.items():
        results.add((node, SH.resultMessage, Literal(text, lang=code or None)))
    return messages


def top_level_results(results: Graph) -> list[Node]:
    """The results of the report itself (``sh:result``), not those pyshacl nests under them
    with ``sh:detail`` (the failures inside an ``sh:node``, ``sh:or``…): the report says
    each mistake once, by the shape the data broke."""
    return [r for report in results.subjects(RDF.type, SH.ValidationReport)
            for r in results.objects(report, SH.result)]


def _pick(messages: dict[str, str], lang: str) -> str:
    """From messages by language: ``lang``'s, else the other language's, else any."""
    for wanted in (lang, *(other for other in LANGS if other != lang)):
        if wanted in messages:
            return messages[wanted]
    return next(iter(messages.values()), "")


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; choose one of: {', '.join(LANGS)}")
    return lang


def _focus_key(node: Node, data: Graph) -> str:
    """A sort key that does not depend on blank-node ids (they change from run to run).

    A blank node sorts right after what points at it, then by its own plain statements.
    """
    if not isinstance(node, BNode):
        return node.n3()
    referrers = sorted(f"{_focus_key(s, data) if not isinstance(s, BNode) else '[]'} {p.n3()}"
                       for s, p in data.subject_predicates(node))
    own = sorted(f"{p.n3()} {o.n3()}" for p, o in data.predicate_objects(node)
                 if not isinstance(o, BNode))
    return " ".join(referrers[:1]) + " [] " + " ".join(own)


def _sort(results: list[Result], data: Graph) -> None:
    """Deterministic order: focus nodes with a Violation first, each node's results together."""
    keys = {r.focus_node: _focus_key(r.focus_node, data) for r in results}
    worst: dict[Node, int] = {}
    for r in results:
        rank = SEVERITY_ORDER.get(r.severity, 9)
        worst[r.focus_node] = min(rank, worst.get(r.focus_node, rank))
    results.sort(key=lambda r: (worst[r.focus_node], keys[r.focus_node], r.sort_key()))


def validate_graph(
    data_graph: Graph | Dataset,
    *,
    lang: str = "en",
    shapes_graph: Graph | None = None,
    ont_graph: Graph | None = None,
) -> Report:
    """Validate ``data_graph`` against the shapes, with the ontology as class hierarchy.

    ``shapes_graph``/``ont_graph`` default to :func:`load_shapes`/:func:`load_ontology`; the
    build passes its own when it has rebased the IRIs. No inference: see the shapes' header.
    """
    _check_lang(lang)
    if isinstance(data_graph, Dataset):  # e.g. straight from parse_bytes: named graphs too
        data_graph = union_graph(data_graph)
    shapes = load_shapes() if shapes_graph is None else shapes_graph
    ontology = load_ontology() if ont_graph is None else ont_graph
    # pyshacl's ont_graph= only copies the class and property axioms, not the vocabularies'
    # concepts, and sh:class skos:Concept must see those: so merge into a copy ourselves and
    # validate that copy in place (no second clone).
    merged = Graph()
    for triple in data_graph:
        merged.add(triple)
    for triple in ontology:
        merged.add(triple)
    results_graph = run_shacl(merged, shapes)
    results = read_results(results_graph, data_graph, shapes, lang)
    _sort(results, data_graph)
    conforms = not any(r.severity == "Violation" for r in results)
    return Report(conforms=conforms, results=results, graph=results_graph, lang=lang)


def run_shacl(data: Graph | Dataset, shapes: Graph, use_shapes: Sequence[str] = ()) -> Graph:
    """pyshacl's report graph on ``data`` (validated in place: it must already hold the
    ontology), for every shape, or only the top-level shapes ``use_shapes`` (their IRIs)."""
    options: dict[str, Any] = {"use_shapes": list(use_shapes)} if use_shapes else {}
    _conforms, results_graph, _text = pyshacl.validate(
        data,
        shacl_graph=shapes,
        inference="none",
        inplace=True,
        allow_warnings=True,
        allow_infos=True,
        advanced=False,
        **options,
    )
    return results_graph


def referenced_by(data_graph: Graph, node: Node) -> list[tuple[Node, Node]]:
    """What points at a blank node or a literal (three at most): how a report names it."""
    return sorted({(s, p) for s, p in data_graph.subject_predicates(node)}, key=str)[:3]


def read_results(results_graph: Graph, data_graph: Graph, shapes: Graph,
                 lang: str) -> list[Result]:
    """The results of pyshacl's report graph, messages in ``lang``, unsorted.

    ``data_graph`` (the data without the ontology) names what points at a blank node or a
    literal focus node.
    """
    results: list[Result] = []
    top = top_level_results(results_graph)
    nested = set(results_graph.subjects(RDF.type, SH.ValidationResult)) - set(top)
    for node in nested:
        _ours(results_graph, node, shapes)
    for node in top:
        focus = results_graph.value(node, SH.focusNode)
        component = results_graph.value(node, SH.sourceConstraintComponent)
        assert focus is not None and component is not None, "pyshacl names both in every result"
        path = results_graph.value(node, SH.resultPath)
        severity = SEVERITIES.get(results_graph.value(node, SH.resultSeverity), "Violation")
        messages = _ours(results_graph, node, shapes)
        referenced = [] if isinstance(focus, URIRef) else referenced_by(data_graph, focus)
        results.append(
            Result(
                severity=severity,
                focus_node=focus,
                result_path=path,
                path_text=None if path is None else _path_text(results_graph, path),
                path_iris=None if path is None else _path_text(
                    results_graph, path, lambda t: f"<{t}>"),
                value=results_graph.value(node, SH.value),
                message=_pick(messages, lang),
                source_shape=results_graph.value(node, SH.sourceShape),
                constraint_component=component,
                source_constraint=results_graph.value(node, SH.sourceConstraint),
                messages=messages,
                referenced_by=referenced,
            )
        )
    return results


def validate_files(
    paths: Sequence[str | Path], *, input_format: str | None = None, lang: str = "en"
) -> Report:
    """Validate the union of the files; raises :class:`RdfParseError` on unreadable input."""
    _check_lang(lang)
    union = Graph()
    subjects_in: dict[Node, list[str]] = {}
    for path in paths:
        ds = parse_file(path, input_format=input_format)
        for s, p, o, _g in ds.quads((None, None, None, None)):
            union.add((s, p, o))
            files = subjects_in.setdefault(s, [])
            if not files or files[-1] != str(path):
                if str(path) not in files:
                    files.append(str(path))
    report = validate_graph(union, lang=lang)
    for r in report.results:
        found = subjects_in.get(r.focus_node)
        if found is None:  # a literal focus node: the files of what points at it
            found = sorted({f for s, _p in r.referenced_by for f in subjects_in.get(s, [])})
        r.files = found
    return report


def validate_bytes(
    data: bytes | str, media_type: str, *, name: str = "<input>", lang: str = "en"
) -> Report:
    """Validate an RDF document held in memory (an HTTP request body, say).

    Raises :class:`RdfParseError` (``name:LINE:COLUMN: reason``) when it does not parse.
    """
    _check_lang(lang)
    return validate_graph(parse_bytes(data, media_type, name), lang=lang)


def lang_from_env(environ: dict[str, str] | None = None) -> str:
    """The CLI's default language: French when LC_ALL, LC_MESSAGES or LANG says French."""
    import os

    env = os.environ if environ is None else environ
    for key in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(key)
        if value:
            return "fr" if value.lower().startswith("fr") else "en"
    return "en"


def main(
    paths: Sequence[str | Path],
    *,
    output_format: str = "text",
    lang: str = "en",
    input_format: str | None = None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    curated: bool = True,
) -> int:
    """``coopgraph validate``: 0 = conforms, 1 = violations, 2 = unreadable input or usage.

    ``curated`` applies the rules of the curated data (sources are the five documents) to the
    union of the files; otherwise each file is a contribution checked in the context of the
    graph (see :mod:`coopgraph.contextual`).
    """
    if output_format not in OUTPUT_FORMATS:
        print(f"unknown output format {output_format!r}; choose one of: "
              f"{', '.join(OUTPUT_FORMATS)}", file=err)
        return EXIT_UNREADABLE
    if lang not in LANGS:
        print(f"unknown language {lang!r}; choose one of: {', '.join(LANGS)}", file=err)
        return EXIT_UNREADABLE
    if not paths:
        print("no input file given", file=err)
        return EXIT_UNREADABLE
    try:
        if curated:
            report = validate_files(paths, input_format=input_format, lang=lang)
        else:
            from .contextual import validate_files_contextual

            report = validate_files_contextual(paths, input_format=input_format, lang=lang)
    except RdfParseError as e:
        print(str(e), file=err)
        return EXIT_UNREADABLE
    if output_format == "json":
        out.write(report.to_json())
    elif output_format == "turtle":
        out.write(report.to_turtle())
    else:
        out.write(report.to_text())
    return EXIT_CONFORMS if report.conforms else EXIT_VIOLATIONS
