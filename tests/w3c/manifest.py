"""Reading the W3C SPARQL 1.1 test manifests into plain records.

The manifests are Turtle files using the DAWG test-manifest vocabulary. They are parsed
with rdflib (parsing only: nothing here evaluates SPARQL) with each manifest's official
W3C IRI as base, so that every file a test names gets the IRI the expected results were
written against (``http://www.w3.org/2009/sparql/docs/tests/data-sparql11/<folder>/<file>``);
:func:`local_path` maps such an IRI back to the read-only copy on disk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, RDFS, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from coopgraph import config

#: Where the suite lives: vendored under ``tests/w3c/suite`` (origin and licence in its README).
SUITE_DIR = config.PROJECT_ROOT / "tests" / "w3c" / "suite"

#: The IRI the suite's own files are published under; used as the base of every file.
W3C_BASE = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
DAWGT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#")

SYNTAX_TYPES = {
    MF.PositiveSyntaxTest11: ("query", True),
    MF.NegativeSyntaxTest11: ("query", False),
    MF.PositiveUpdateSyntaxTest11: ("update", True),
    MF.NegativeUpdateSyntaxTest11: ("update", False),
}
QUERY_EVAL_TYPES = {MF.QueryEvaluationTest, MF.CSVResultFormatTest}

#: Manifests this runner does not run, with the reason recorded in the report.
NOT_APPLICABLE: dict[str, str] = {
    "entailment": "needs an entailment regime (RDFS/OWL/RIF, sd:entailmentRegime); "
    "the endpoint evaluates under simple entailment only, as SPARQL 1.1 Query requires",
    "service": "SERVICE federation: the tests need remote endpoints answering with "
    "qt:serviceData; the runner only sends traffic to 127.0.0.1",
    "syntax-fed": "syntax tests of SERVICE: a positive test would be executed and make the "
    "server call a remote endpoint; the runner only sends traffic to 127.0.0.1",
}


@dataclass(frozen=True)
class NamedGraphFile:
    """A file loaded into (or expected in) a named graph."""

    name: str  # the graph IRI
    file: str  # the file IRI


@dataclass
class W3CTest:
    """One manifest entry, with everything the runner needs to execute and judge it."""

    manifest: str  # folder name, e.g. "aggregates"
    iri: str
    name: str
    kind: str  # "syntax" | "query-eval" | "update-eval" | "protocol" | other type name
    approval: str  # "Approved", "Proposed", "" ...
    # syntax tests
    operation: str = ""  # "query" | "update"
    positive: bool = True
    # evaluation tests
    action_file: str = ""  # query (.rq), update (.ru) or syntax test file IRI
    data: list[str] = field(default_factory=list)
    graph_data: list[NamedGraphFile] = field(default_factory=list)
    result_file: str = ""  # query evaluation: expected results file IRI
    result_data: list[str] = field(default_factory=list)  # update evaluation
    result_graph_data: list[NamedGraphFile] = field(default_factory=list)
    # protocol tests keep the manifest graph and the test node to read ht: records lazily
    graph: Graph | None = field(default=None, repr=False)
    node: Node | None = field(default=None, repr=False)

    @property
    def short_id(self) -> str:
        """``folder/name`` — stable, readable, used in reports and pytest ids."""
        return f"{self.manifest}/{self.iri.rsplit('#', 1)[-1]}"


def local_path(iri: str) -> Path:
    """The file on disk for a suite IRI (``W3C_BASE`` + relative path)."""
    if not iri.startswith(W3C_BASE):
        raise ValueError(f"not a file of the suite: {iri}")
    return SUITE_DIR / iri[len(W3C_BASE) :]


def manifest_folders() -> list[str]:
    """The folders listed by ``manifest-all.ttl``, in its order."""
    g = Graph()
    g.parse(SUITE_DIR / "manifest-all.ttl", format="turtle", publicID=W3C_BASE + "manifest-all.ttl")
    root = URIRef(W3C_BASE + "manifest-all.ttl")
    folders = []
    for head in g.objects(root, MF.include):
        for item in Collection(g, head):
            rel = str(item)[len(W3C_BASE) :]
            folders.append(rel.split("/", 1)[0])
    return folders


def _approval(g: Graph, node: Node) -> str:
    value = g.value(node, DAWGT.approval)
    return str(value).rsplit("#", 1)[-1] if value is not None else ""


def _named(g: Graph, node: Node, prop: URIRef) -> list[NamedGraphFile]:
    """``ut:graphData [ut:graph <file>; rdfs:label "name"]`` or ``qt:graphData <file>``."""
    out = []
    for gd in g.objects(node, prop):
        if isinstance(gd, URIRef):
            out.append(NamedGraphFile(name=str(gd), file=str(gd)))
        else:
            file = g.value(gd, UT.graph)
            label = g.value(gd, RDFS.label)
            name = label if label is not None else file
            out.append(NamedGraphFile(name=str(name), file=str(file)))
    return sorted(out, key=lambda x: (x.name, x.file))


def load_manifest(folder: str, filename: str = "manifest.ttl") -> list[W3CTest]:
    """Every entry of ``<folder>/<filename>``, in manifest order, following ``mf:include``."""
    base = W3C_BASE + folder + "/" + filename
    g = Graph()
    g.parse(SUITE_DIR / folder / filename, format="turtle", publicID=base)
    tests: list[W3CTest] = []
    for head in g.objects(URIRef(base), MF.entries):
        for node in Collection(g, head):
            tests.append(_entry(g, folder, node))
    for head in g.objects(URIRef(base), MF.include):
        for included in Collection(g, head):
            tests.extend(load_manifest(folder, str(included).rsplit("/", 1)[-1]))
    return tests


def _entry(g: Graph, folder: str, node: Node) -> W3CTest:
    types = set(g.objects(node, RDF.type))
    name = str(g.value(node, MF.name) or "")
    test = W3CTest(
        manifest=folder, iri=str(node), name=name, kind="", approval=_approval(g, node)
    )
    action = g.value(node, MF.action)
    result = g.value(node, MF.result)
    syntax = [SYNTAX_TYPES[t] for t in types if t in SYNTAX_TYPES]
    if syntax:
        test.kind = "syntax"
        test.operation, test.positive = syntax[0]
        test.action_file = str(action)
    elif types & QUERY_EVAL_TYPES:
        test.kind = "query-eval"
        test.action_file = str(g.value(action, QT.query))
        test.data = sorted(str(d) for d in g.objects(action, QT.data))
        test.graph_data = _named(g, action, QT.graphData)
        test.result_file = str(result) if result is not None else ""
        if (action, QT.serviceData, None) in g:
            test.kind = "service"
    elif MF.UpdateEvaluationTest in types:
        test.kind = "update-eval"
        test.action_file = str(g.value(action, UT.request))
        test.data = sorted(str(d) for d in g.objects(action, UT.data))
        test.graph_data = _named(g, action, UT.graphData)
        if result is not None:
            test.result_data = sorted(str(d) for d in g.objects(result, UT.data))
            test.result_graph_data = _named(g, result, UT.graphData)
    elif MF.ProtocolTest in types or MF.GraphStoreProtocolTest in types:
        test.kind = "protocol" if MF.ProtocolTest in types else "gsp"
        test.graph_data = _named(g, node, UT.graphData)
        test.graph, test.node = g, node
    elif MF.ServiceDescriptionTest in types:
        test.kind = "service-description"
    else:
        test.kind = ",".join(sorted(str(t).rsplit("#", 1)[-1] for t in types)) or "untyped"
    return test


def load_all() -> dict[str, list[W3CTest]]:
    """Every manifest of ``manifest-all.ttl`` (applicable or not) → its tests."""
    return {folder: load_manifest(folder) for folder in manifest_folders()}
