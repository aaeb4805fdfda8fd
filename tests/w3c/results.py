"""Parsing SPARQL results and RDF graphs, and comparing them the way the W3C suite asks.

The result-format parsers (XML, JSON, CSV, TSV) are written here on purpose rather than
borrowed from the store's own library: a serializer bug of the server must not be hidden
by the symmetric bug of a parser sharing its code. RDF documents are parsed with pyoxigraph
(a client-side parser, reading test files and CONSTRUCT answers alike) and turned into
rdflib terms built with ``normalize=False``, so that ``"01"^^xsd:integer`` stays distinct
from ``"1"^^xsd:integer`` — the suite compares RDF terms, not values.

Comparison follows the suite's README: RDF-term equality, blank nodes matched by an
isomorphism over the whole result (rdflib.compare on an ``rs:``-style encoding of the
solutions), solution order significant only when the query has a top-level ORDER BY.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.term import Node

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RS = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/result-set#")
SRX_NS = "{http://www.w3.org/2005/sparql-results#}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

Row = dict[str, Node]


@dataclass
class ResultSet:
    """A SELECT answer (``variables`` + ``rows``) or an ASK answer (``boolean``)."""

    variables: list[str]
    rows: list[Row]
    boolean: bool | None = None


def literal(lexical: str, datatype: str | None = None, lang: str | None = None) -> Literal:
    """An rdflib literal kept exactly as written (no lexical normalisation)."""
    if lang:
        return Literal(lexical, lang=lang.lower(), normalize=False)
    if datatype and datatype not in (XSD + "string", RDF_LANG_STRING):
        return Literal(lexical, datatype=URIRef(datatype), normalize=False)
    return Literal(lexical, normalize=False)


# ---------------------------------------------------------------------------------------
# SPARQL results formats


def parse_srx(data: bytes) -> ResultSet:
    """SPARQL Query Results XML Format."""
    root = ET.fromstring(data)
    head = root.find(SRX_NS + "head")
    variables = [] if head is None else [
        v.attrib["name"] for v in head.findall(SRX_NS + "variable")
    ]
    boolean = root.find(SRX_NS + "boolean")
    if boolean is not None:
        return ResultSet(variables, [], (boolean.text or "").strip() == "true")
    rows: list[Row] = []
    results = root.find(SRX_NS + "results")
    for result in [] if results is None else results.findall(SRX_NS + "result"):
        row: Row = {}
        for binding in result.findall(SRX_NS + "binding"):
            term = list(binding)[0]
            tag = term.tag.replace(SRX_NS, "")
            text = term.text or ""
            if tag == "uri":
                row[binding.attrib["name"]] = URIRef(text)
            elif tag == "bnode":
                row[binding.attrib["name"]] = BNode(text)
            elif tag == "literal":
                row[binding.attrib["name"]] = literal(
                    text, term.attrib.get("datatype"), term.attrib.get(XML_LANG)
                )
            else:
                raise ValueError(f"unknown SRX term <{tag}>")
        rows.append(row)
    return ResultSet(variables, rows)


def _json_term(obj: dict) -> Node:
    kind = obj["type"]
    if kind == "uri":
        return URIRef(obj["value"])
    if kind == "bnode":
        return BNode(obj["value"])
    if kind in ("literal", "typed-literal"):
        return literal(obj["value"], obj.get("datatype"), obj.get("xml:lang"))
    raise ValueError(f"unknown JSON term type {kind!r}")


def parse_srj(data: bytes) -> ResultSet:
    """SPARQL 1.1 Query Results JSON Format."""
    doc = json.loads(data)
    variables = list(doc.get("head", {}).get("vars", []))
    if "boolean" in doc:
        return ResultSet(variables, [], bool(doc["boolean"]))
    rows = [
        {name: _json_term(term) for name, term in binding.items()}
        for binding in doc["results"]["bindings"]
    ]
    return ResultSet(variables, rows)


def parse_csv(data: bytes) -> ResultSet:
    """SPARQL 1.1 CSV: lossy — IRIs and literals are both plain strings, ``_:x`` a blank node.

    Both sides of a CSV comparison go through this same reading, so IRIs compare with
    IRIs as strings and literals by lexical form, which is all CSV can carry.
    """
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    lines = [line for line in reader]
    if not lines:
        return ResultSet([], [])
    variables = lines[0]
    rows = []
    for line in lines[1:]:
        row: Row = {}
        for var, cell in zip(variables, line, strict=False):
            if cell == "":
                continue
            row[var] = BNode(cell[2:]) if cell.startswith("_:") else Literal(cell)
        rows.append(row)
    return ResultSet(variables, rows)


_TSV_TERM = re.compile(
    r"""^(?:<(?P<iri>[^>]*)>
        |_:(?P<bnode>\S+)
        |"(?P<lex>(?:[^"\\]|\\.)*)"(?:@(?P<lang>[A-Za-z0-9-]+)|\^\^<(?P<dt>[^>]*)>)?
        |(?P<num>[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))
        |(?P<bool>true|false))$""",
    re.X,
)
_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescape(s: str) -> str:
    def sub(m: re.Match[str]) -> str:
        e = m.group(1)
        if e[0] in "uU":
            return chr(int(e[1:], 16))
        return _ESCAPES.get(e, e)

    return re.sub(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", sub, s)


def tsv_term(cell: str) -> Node:
    """One TSV cell: a term in Turtle/SPARQL syntax."""
    m = _TSV_TERM.match(cell.strip())
    if not m:
        raise ValueError(f"unreadable TSV term {cell!r}")
    if m["iri"] is not None:
        return URIRef(_unescape(m["iri"]))
    if m["bnode"] is not None:
        return BNode(m["bnode"])
    if m["lex"] is not None:
        return literal(_unescape(m["lex"]), m["dt"], m["lang"])
    if m["num"] is not None:
        num = m["num"]
        kind = "double" if "e" in num.lower() else "decimal" if "." in num else "integer"
        return literal(num, XSD + kind)
    return literal(m["bool"], XSD + "boolean")


def parse_tsv(data: bytes) -> ResultSet:
    """SPARQL 1.1 TSV: header of ``?var`` names, then one Turtle-syntax term per cell."""
    lines = data.decode("utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line.rstrip("\r") for line in lines]
    variables = [v.strip().lstrip("?$") for v in lines[0].split("\t")] if lines else []
    if variables == [""]:
        variables = []
    rows = []
    for line in lines[1:]:
        row: Row = {}
        for var, cell in zip(variables, line.split("\t"), strict=False):
            if cell.strip():
                row[var] = tsv_term(cell)
        rows.append(row)
    return ResultSet(variables, rows)


# ---------------------------------------------------------------------------------------
# RDF


def _from_ox(term: object) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        return literal(term.value, term.datatype.value, term.language)
    raise ValueError(f"unsupported term {term!r}")


RDF_MEDIA = {
    ".ttl": "text/turtle",
    ".nt": "application/n-triples",
    ".rdf": "application/rdf+xml",
    ".nq": "application/n-quads",
    ".trig": "application/trig",
}


def parse_rdf(data: bytes, media_type: str, base_iri: str | None = None) -> Graph:
    """An RDF document (any format pyoxigraph reads) as an rdflib graph of exact terms."""
    fmt = ox.RdfFormat.from_media_type(media_type.split(";")[0].strip())
    if fmt is None:
        raise ValueError(f"not an RDF media type: {media_type!r}")
    g = Graph()
    for q in ox.parse(data, format=fmt, base_iri=base_iri):
        g.add((_from_ox(q.subject), _from_ox(q.predicate), _from_ox(q.object)))
    return g


def to_ntriples(data: bytes, media_type: str, base_iri: str) -> bytes:
    """Re-serialize a test data file as N-Triples, relative IRIs resolved against its IRI.

    The data is sent to the endpoint in N-Triples so that every endpoint loads exactly the
    same absolute triples, whatever base it would have given a Turtle upload.
    """
    fmt = ox.RdfFormat.from_media_type(media_type)
    triples = [q.triple for q in ox.parse(data, format=fmt, base_iri=base_iri)]
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""


def parse_rs_graph(g: Graph) -> ResultSet:
    """A result set written in the DAWG ``rs:`` vocabulary (``.ttl`` expected results)."""
    rs_node = next(iter(g.subjects(predicate=None, object=RS.ResultSet)), None)
    if rs_node is None:
        rs_node = next(iter(g.subjects(RS.resultVariable, None)), None)
    if rs_node is None:
        rs_node = next(iter(g.subjects(RS.boolean, None)), None)
    if rs_node is None:
        raise ValueError("no rs:ResultSet in expected results")
    boolean = g.value(rs_node, RS.boolean)
    variables = [str(v) for v in g.objects(rs_node, RS.resultVariable)]
    if boolean is not None:
        return ResultSet(variables, [], str(boolean) == "true")
    indexed = []
    for sol in g.objects(rs_node, RS.solution):
        row: Row = {}
        for b in g.objects(sol, RS.binding):
            row[str(g.value(b, RS.variable))] = g.value(b, RS.value)
        index = g.value(sol, RS["index"])
        indexed.append((int(index) if index is not None else 0, row))
    indexed.sort(key=lambda x: x[0])
    return ResultSet(variables, [row for _, row in indexed])


# ---------------------------------------------------------------------------------------
# comparison


def _has_bnode(rows: list[Row]) -> bool:
    return any(isinstance(t, BNode) for row in rows for t in row.values())


def _as_graph(rows: list[Row], ordered: bool) -> Graph:
    g = Graph()
    for i, row in enumerate(rows):
        sol = BNode()
        g.add((sol, RS.solution, RS.marker))
        if ordered:
            g.add((sol, RS["index"], Literal(i)))
        for var, value in row.items():
            b = BNode()
            g.add((sol, RS.binding, b))
            g.add((b, RS.variable, Literal(var)))
            g.add((b, RS.value, value))
    return g


def _fmt_row(row: Row) -> str:
    return "{" + ", ".join(f"?{k}={v.n3()}" for k, v in sorted(row.items())) + "}"


def _mask_bnodes(rows: list[Row]) -> list[Row]:
    return [{k: (BNODE_MASK if isinstance(v, BNode) else v) for k, v in r.items()} for r in rows]


def _diff_rows(exp: list[Row], act: list[Row], ordered: bool) -> str | None:
    """Compare rows holding no blank nodes; ``None`` when equal, else a short diff."""
    keyed_e = [frozenset(r.items()) for r in exp]
    keyed_a = [frozenset(r.items()) for r in act]
    if ordered and keyed_e == keyed_a:
        return None
    ce, ca = Counter(keyed_e), Counter(keyed_a)
    if ce == ca:
        return None if not ordered else "same solutions, wrong order"
    missing = list((ce - ca).elements())
    extra = list((ca - ce).elements())
    msg = f"{len(exp)} rows expected, {len(act)} got; {len(missing)} missing, {len(extra)} extra"
    if missing:
        msg += "; e.g. missing " + _fmt_row(dict(missing[0]))
    if extra:
        msg += "; e.g. unexpected " + _fmt_row(dict(extra[0]))
    return msg


def _rows_equal(exp: list[Row], act: list[Row], ordered: bool) -> str | None:
    if _has_bnode(exp) or _has_bnode(act):
        if len(exp) == len(act) and isomorphic(_as_graph(exp, ordered), _as_graph(act, ordered)):
            return None
        diff = _diff_rows(_mask_bnodes(exp), _mask_bnodes(act), ordered)
        return "blank nodes not isomorphic" if diff is None else diff
    return _diff_rows(exp, act, ordered)


def compare_result_sets(expected: ResultSet, actual: ResultSet, ordered: bool) -> str | None:
    """``None`` when equal, else a one-line reason fit for the conformance report.

    Equality is RDF-term equality. When that fails but the answers are equal once
    numeric and boolean literals are compared by value, the reason says so (prefix
    ``LEXICAL``): the solutions are right, only literal spellings differ
    (``"1"`` for ``"1.0"^^xsd:decimal``) — still a failure, reported as its own group.
    """
    if expected.boolean is not None or actual.boolean is not None:
        if expected.boolean == actual.boolean:
            return None
        return f"boolean: expected {expected.boolean}, got {actual.boolean}"
    if expected.variables and set(expected.variables) != set(actual.variables):
        return f"variables: expected {sorted(expected.variables)}, got {sorted(actual.variables)}"
    reason = _rows_equal(expected.rows, actual.rows, ordered)
    if reason is None:
        return None
    by_value = _rows_equal(_by_value(expected.rows), _by_value(actual.rows), ordered)
    if by_value is None:
        return f"{LEXICAL}: {reason}"[:400]
    return reason[:400]


LEXICAL = "LEXICAL (values equal, literal spellings differ)"
BNODE_MASK = URIRef("urn:w3c-runner:any-blank-node")
_NUMERIC = {XSD + t for t in (
    "integer", "decimal", "double", "float", "int", "long", "short", "byte",
    "nonNegativeInteger", "nonPositiveInteger", "negativeInteger", "positiveInteger",
    "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte",
)}


def value_key(term: Node) -> Node:
    """A numeric or boolean literal replaced by a canonical spelling of its value."""
    if not isinstance(term, Literal) or term.datatype is None:
        return term
    dt, lex = str(term.datatype), str(term).strip()
    try:
        if dt == XSD + "boolean":
            return Literal(str(lex in ("true", "1")).lower(), datatype=term.datatype)
        if dt in (XSD + "double", XSD + "float"):
            return Literal(repr(float(lex.replace("INF", "inf"))), datatype=term.datatype)
        if dt in _NUMERIC:
            value = Decimal(lex)
            canon = value.quantize(1) if value == value.to_integral() else value.normalize()
            return Literal(str(canon), datatype=term.datatype, normalize=False)
    except (ValueError, ArithmeticError):
        return term
    return term


def _by_value(rows: list[Row]) -> list[Row]:
    return [{k: value_key(v) for k, v in r.items()} for r in rows]


def compare_graphs(expected: Graph, actual: Graph) -> str | None:
    """``None`` when isomorphic, else a one-line reason."""
    if len(expected) == len(actual) and isomorphic(expected, actual):
        return None
    ground_e = {t for t in expected if not any(isinstance(x, BNode) for x in t)}
    ground_a = {t for t in actual if not any(isinstance(x, BNode) for x in t)}
    msg = f"graphs differ: {len(expected)} triples expected, {len(actual)} got"
    missing, extra = ground_e - ground_a, ground_a - ground_e
    if missing:
        msg += "; e.g. missing " + " ".join(x.n3() for x in sorted(missing)[0])
    if extra:
        msg += "; e.g. unexpected " + " ".join(x.n3() for x in sorted(extra)[0])
    return msg[:400]
