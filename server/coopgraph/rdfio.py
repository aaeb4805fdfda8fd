"""Reading RDF files of any syntax into rdflib, with error messages that point at the byte;
writing rdflib triples in any syntax.

Why pyoxigraph parses and rdflib holds: pyoxigraph's parsers are fast, strict and report the
line and column of a syntax error, while pyshacl (the validator) needs an rdflib graph. So we
parse with :func:`pyoxigraph.parse` and copy the quads into an :class:`rdflib.Dataset`.

Every failure (unknown extension, missing file, directory, non-UTF-8 bytes, syntax error)
raises :class:`RdfParseError`, whose ``str()`` is ``FILE:LINE:COLUMN: reason`` — the form
editors and CI logs understand — so that callers print it and never show a traceback.

Nothing is ever fetched from the network: pyoxigraph is called without a document loader, so
a JSON-LD remote ``@context`` is refused with an error instead of being downloaded.

Every input is checked by :func:`check_safe` before it is parsed, and its literals by
:func:`check_literals` after: XML entity declarations are refused (a "billion laughs" of a few
hundred bytes expands to gigabytes), so are remote JSON-LD contexts (with their position),
and nesting depth (pyoxigraph's RDF/XML and JSON-LD
parsers take quadratic time in it: 3,000 nested JSON objects took 17 s, 10,000 nested RDF/XML
elements 6 s) and literal size are bounded, so parse time and memory stay proportional to the
input's size. Any caller that parses uploaded or user-given RDF calls them (the store, the
Graph Store Protocol, ``coopgraph validate`` and build through :func:`parse_file`).

Writing goes the same way back: :func:`serialize_triples` hands rdflib triples to pyoxigraph's
serialisers, which write the same syntax as the query results and are fast (the service
description is fetched often; rdflib's Turtle writer is about five times slower).
"""

from __future__ import annotations

import re
import xml.parsers.expat
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

#: File extension → format. ``.owl``/``.xml`` and ``.json`` are not known to pyoxigraph.
EXTENSIONS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".trig": ox.RdfFormat.TRIG,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
}

#: Format names accepted by ``--input-format`` (besides the extensions and media types).
FORMAT_NAMES: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "json-ld": ox.RdfFormat.JSON_LD,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdf/xml": ox.RdfFormat.RDF_XML,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "rdf-xml": ox.RdfFormat.RDF_XML,
    "n-triples": ox.RdfFormat.N_TRIPLES,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "n-quads": ox.RdfFormat.N_QUADS,
    "nquads": ox.RdfFormat.N_QUADS,
}

#: pyoxigraph's "Parser error at line 3 column 8: …", "… at line 3 between columns 8 and 19: …",
#: "… between line 3 column 8 and line 4 column 1: …": the position is in our prefix already.
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

_OX_POSITION = re.compile(r"^Parser error (?:at|between) [^:]*: (?P<reason>.*)$", re.DOTALL)


#: A triple of rdflib terms, as :func:`serialize_triples` writes them.
RdfTriple = tuple[Node, Node, Node]

#: Deepest nesting: XML elements (RDF/XML), objects and arrays (JSON-LD), ``[ ]`` and ``( )``
#: (Turtle, TriG, N3). Real data nests a few levels; pyoxigraph is quadratic in it.
MAX_NESTING = 64
#: Longest literal, in characters (a long description is a few thousand).
MAX_LITERAL_CHARS = 1_000_000


class RdfParseError(Exception):
    """An RDF input cannot be read; ``str()`` is ``FILE:LINE:COLUMN: reason``.

    ``line`` and ``column`` are 1-based and count characters, not bytes. They are ``None`` when
    the problem concerns the whole file (missing, unknown extension, remote JSON-LD context);
    ``str()`` then leaves them out (``FILE: reason``) rather than invent a position.
    """

    def __init__(
        self, path: str, reason: str, line: int | None = None, column: int | None = None
    ) -> None:
        self.path = path
        self.reason = reason
        self.line = line
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.reason}"


class UnsafeRdfError(RdfParseError):
    """The input is refused before parsing: entity declarations, too deep, a literal too long.

    A kind of :class:`RdfParseError` (``str()`` is ``NAME:LINE:COLUMN: reason``), so callers
    that report parse errors report these too.
    """


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_safe(
    data: bytes | str, media_type: str | ox.RdfFormat, name: str = "<input>"
) -> None:
    """Raise :class:`UnsafeRdfError` if parsing ``data`` could cost far more than its size.

    ``media_type`` is a media type, a format name or an :class:`pyoxigraph.RdfFormat`. Cheap
    (a C XML scanner, a regular-expression scan): a billion laughs is refused in
    milliseconds, before any entity is expanded. Nothing is fetched: external entities and
    DTDs are never loaded.
    """
    fmt = _format_of(media_type, name)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if fmt == ox.RdfFormat.RDF_XML:
        _check_xml(raw, name)
    elif fmt == ox.RdfFormat.JSON_LD:
        _check_nesting(raw, _JSON_SKIP, b"{[", b"}]", name)
        _check_contexts(raw, name)
    elif fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.N3):
        _check_nesting(raw, _TURTLE_SKIP, b"[(", b"])", name)


def to_ntriples(
    data: bytes, media_type: str, name: str = "<input>", *, base_iri: str | None = None
) -> bytes:
    """The triples of ``data`` (checked by :func:`check_safe` and :func:`check_literals`) as
    N-Triples, blank nodes renamed apart (so that parts of one upload never share them).

    Raises :class:`RdfParseError` (syntax, with position) or :class:`UnsafeRdfError`.
    """
    fmt = _format_of(media_type, name)
    check_safe(data, fmt, name)
    try:
        triples = [q.triple for q in ox.parse(data, fmt, base_iri=base_iri,
                                              rename_blank_nodes=True)]
    except SyntaxError as e:
        raise _syntax_error(e, name, fmt, data.decode("utf-8", "replace")) from None
    except (ValueError, OSError) as e:
        raise RdfParseError(name, str(e)) from None
    check_literals(triples, name)
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""


def _format_of(media_type: str | ox.RdfFormat, name: str) -> ox.RdfFormat:
    if isinstance(media_type, ox.RdfFormat):
        return media_type
    key = media_type.split(";")[0].strip().lower()
    found = ox.RdfFormat.from_media_type(key) if "/" in key else None
    return found if found is not None else resolve_format(key, where=name)


def check_literals(terms: Iterable[object], name: str = "<input>") -> None:
    """Raise :class:`UnsafeRdfError` if one of the pyoxigraph ``terms`` (or quads' objects) is a
    literal longer than :data:`MAX_LITERAL_CHARS`."""
    for term in terms:
        obj = getattr(term, "object", term)
        if isinstance(obj, ox.Literal) and len(obj.value) > MAX_LITERAL_CHARS:
            raise UnsafeRdfError(name, f"a literal of {len(obj.value)} characters is longer "
                                       f"than the limit of {MAX_LITERAL_CHARS}")


def _check_xml(raw: bytes, name: str) -> None:
    parser = xml.parsers.expat.ParserCreate()
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    depth = 0

    def entity(*_: object) -> None:
        raise _Refused("XML entity declarations (<!ENTITY …>) are not allowed in RDF/XML "
                       "input: they can expand a small file to gigabytes")

    def external(*_: object) -> int:
        raise _Refused("external XML entities are not allowed (nothing is fetched)")

    def start(*_: object) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_NESTING:
            raise _Refused(f"XML elements nest deeper than {MAX_NESTING} levels")

    def end(*_: object) -> None:
        nonlocal depth
        depth -= 1

    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = entity
    parser.ExternalEntityRefHandler = external
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(raw, True)
    except _Refused as refused:
        raise UnsafeRdfError(name, refused.reason, parser.CurrentLineNumber,
                             parser.CurrentColumnNumber + 1) from None
    except xml.parsers.expat.ExpatError:
        return  # ill-formed: the RDF/XML parser reports it, with its position (_xml_position)


def _remote_contexts(node: object) -> bool:
    """True if a JSON-LD ``@context`` (or ``@import``) anywhere names a document to fetch."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@import" and isinstance(value, str):
                return True
            if key == "@context":
                values = value if isinstance(value, list) else [value]
                if any(isinstance(v, str) for v in values):
                    return True
            if _remote_contexts(value):
                return True
    elif isinstance(node, list):
        return any(_remote_contexts(v) for v in node)
    return False


def _check_contexts(raw: bytes, name: str) -> None:
    """Refuse a JSON-LD document naming a remote ``@context``/``@import``, with its position.

    The parser has no document loader, so it would fail anyway; this says why, and where.
    Called after the nesting check, so ``json.loads`` never recurses deeply.
    """
    if b"@context" not in raw and b"@import" not in raw:
        return
    import json

    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):
        return  # not JSON: the parser reports where
    if _remote_contexts(doc):
        m = re.search(rb'"@(context|import)"', raw)
        before = raw[:m.start()] if m else b""
        line = before.count(b"\n") + 1 if m else None
        column = len(before[before.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1 if m \
            else None
        raise UnsafeRdfError(name, "remote JSON-LD @context not allowed (nothing is fetched "
                                   "from the network): write the context inline", line, column)


#: What brackets inside do not count in: JSON strings.
_JSON_SKIP = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
#: ... and Turtle-family strings (long and short), IRIs and comments.
_TURTLE_SKIP = re.compile(
    rb'"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""'
    rb"|'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''"
    rb'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"'
    rb"|'[^'\\\n]*(?:\\.[^'\\\n]*)*'"
    rb"|<[^>\s]*>|#[^\n]*"
)


def _check_nesting(raw: bytes, skip: re.Pattern[bytes], opening: bytes, closing: bytes,
                   name: str) -> None:
    """Refuse ``raw`` if its brackets (outside what ``skip`` matches) nest too deep.

    Fast path in C (substitution, translation) and one pass over the brackets alone; the
    position is looked for only when the input is refused.
    """
    brackets = opening + closing
    others = bytes(b for b in range(256) if b not in brackets)
    kept = skip.sub(b"", raw).translate(None, others)
    if len(kept) <= MAX_NESTING:
        return
    steps = kept.translate(bytes.maketrans(brackets, b"\x01" * len(opening)
                                           + b"\xff" * len(closing)))
    depth = deepest = 0
    for step in steps:
        depth += 1 if step == 1 else -1
        if depth > deepest:
            deepest = depth
    if deepest <= MAX_NESTING:
        return
    tokens = re.compile(skip.pattern + b"|[" + re.escape(brackets) + b"]")
    depth, position = 0, len(raw)
    for token in tokens.finditer(raw):
        text = token.group()
        if text in (b"[", b"(", b"{") and text in opening:
            depth += 1
            if depth > MAX_NESTING:
                position = token.start()
                break
        elif len(text) == 1 and text in closing:
            depth -= 1
    before = raw[:position]
    line = before.count(b"\n") + 1
    column = len(before[before.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
    raise UnsafeRdfError(name, f"brackets nest deeper than {MAX_NESTING} levels", line, column)


def resolve_format(name: str, *, where: str = "<input>") -> ox.RdfFormat:
    """The format called ``name``: a format name, a file extension or a media type.

    Raises :class:`RdfParseError` (about ``where``) listing the accepted names when unknown.
    """
    key = name.strip().lower()
    if key in FORMAT_NAMES:
        return FORMAT_NAMES[key]
    ext = key if key.startswith(".") else "." + key
    if ext in EXTENSIONS:
        return EXTENSIONS[ext]
    if "/" in key:
        found = ox.RdfFormat.from_media_type(key)
        if found is not None and found != ox.RdfFormat.N3:
            return found
    accepted = ", ".join(sorted(FORMAT_NAMES)) + " (or an extension or a media type)"
    raise RdfParseError(where, f"unknown RDF format {name!r}; accepted: {accepted}")


def format_for_path(path: Path) -> ox.RdfFormat:
    """The format a file's extension announces, or :class:`RdfParseError`."""
    fmt = EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        known = " ".join(sorted(EXTENSIONS))
        raise RdfParseError(
            str(path),
            f"unknown RDF file extension {path.suffix or '(none)'!r}; known: {known} "
            "(or give the input format explicitly)",
        )
    return fmt


def read_bytes(path: str | Path) -> bytes:
    """The content of ``path``, or :class:`RdfParseError` saying why it cannot be read."""
    p = Path(path)
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise RdfParseError(str(path), "no such file") from None
    except IsADirectoryError:
        raise RdfParseError(str(path), "is a directory, not a file") from None
    except PermissionError:
        raise RdfParseError(str(path), "permission denied") from None
    except OSError as e:
        raise RdfParseError(str(path), f"cannot read: {e.strerror or e}") from None


def _check_utf8(data: bytes, name: str) -> str:
    """Decode ``data`` as UTF-8 or raise with the position of the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        before = data[: e.start]
        line = before.count(b"\n") + 1
        line_start = before.rfind(b"\n") + 1
        column = len(before[line_start:].decode("utf-8", errors="replace")) + 1
        raise RdfParseError(
            name, f"not UTF-8: invalid byte 0x{data[e.start]:02x}", line, column
        ) from None


def _xml_position(data: bytes) -> tuple[int, int, str] | None:
    """Where expat finds the XML ill-formed: pyoxigraph's RDF/XML errors carry no position."""
    parser = xml.parsers.expat.ParserCreate()
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as e:
        return e.lineno, e.offset + 1, xml.parsers.expat.ErrorString(e.code)
    return None


def _to_rdflib(term: object, name: str) -> Node:
    """Copy one pyoxigraph term into rdflib (RDF 1.2 triple terms are refused: rdflib lacks them).
    """
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:
            # rdflib writes a simple literal without datatype; "x" and "x"^^xsd:string are
            # the same RDF 1.1 term but different rdflib terms, so match rdflib's own parser.
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise RdfParseError(name, f"unsupported RDF term (triple terms are not supported): {term}")


def to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The pyoxigraph term for an rdflib one (the inverse of reading)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def serialize_triples(
    triples: Iterable[RdfTriple],
    media_type: str,
    *,
    prefixes: Mapping[str, str] | None = None,
) -> bytes:
    """``triples`` (rdflib terms, or an rdflib Graph) written in ``media_type`` (or a format
    name), in the default graph for the dataset syntaxes; ``prefixes`` are used by the syntaxes
    that have them (Turtle, TriG, RDF/XML)."""
    fmt = _format_of(media_type, "<output>")
    if fmt.supports_datasets:
        items: list[ox.Triple] | list[ox.Quad] = [
            ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in triples]
    else:
        items = [ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o))
                 for s, p, o in triples]
    return ox.serialize(items, format=fmt, prefixes=dict(prefixes or {})) or b""


def parse_bytes(
    data: bytes | str,
    media_type: str,
    name: str = "<input>",
    *,
    base_iri: str | None = None,
    dataset: Dataset | None = None,
) -> Dataset:
    """Parse ``data`` in ``media_type`` (or a format name) into an rdflib Dataset.

    ``name`` is what error messages call the input (a file path, ``<request body>``…). Quads
    are added to ``dataset`` when given (blank nodes are renamed so that inputs never share
    them by accident). Raises :class:`RdfParseError` on any problem.
    """
    fmt = resolve_format(media_type.split(";")[0], where=name)
    return _parse(data, fmt, name, base_iri, dataset)


def _quads(data: bytes | str, fmt: ox.RdfFormat, name: str, base_iri: str | None) -> list[ox.Quad]:
    """The checked quads of ``data`` (UTF-8, :func:`check_safe`, syntax, literal sizes)."""
    text = data if isinstance(data, str) else _check_utf8(data, name)
    text = text.removeprefix("\ufeff")
    encoded = text.encode("utf-8")
    check_safe(encoded, fmt, name)
    try:
        quads = list(ox.parse(encoded, fmt, base_iri=base_iri, rename_blank_nodes=True))
    except SyntaxError as e:
        raise _syntax_error(e, name, fmt, text) from None
    except (ValueError, OSError) as e:
        raise RdfParseError(name, str(e)) from None
    check_literals(quads, name)
    return quads


def _converter(name: str) -> Callable[[object], Node]:
    """:func:`_to_rdflib` with a memo: a file names the same IRIs over and over, and building
    an rdflib term (its IRI check, its literal's value) costs more than a dictionary look-up."""
    memo: dict[object, Node] = {}

    def convert(term: object) -> Node:
        found = memo.get(term)
        if found is None:
            found = memo[term] = _to_rdflib(term, name)
        return found

    return convert


def _parse(
    data: bytes | str, fmt: ox.RdfFormat, name: str, base_iri: str | None, dataset: Dataset | None
) -> Dataset:
    quads = _quads(data, fmt, name, base_iri)
    ds = dataset if dataset is not None else Dataset()
    convert = _converter(name)
    for q in quads:
        triple = (convert(q.subject), convert(q.predicate), convert(q.object))
        if isinstance(q.graph_name, ox.DefaultGraph):
            ds.default_graph.add(triple)
        else:
            ds.graph(convert(q.graph_name)).add(triple)
    return ds


def parse_union(
    data: bytes | str, media_type: str, name: str = "<input>", *, base_iri: str | None = None,
    into: Graph | None = None,
) -> Graph:
    """The triples of every graph of ``data`` (names dropped), added to ``into`` if given.

    What ``union_graph(parse_bytes(…))`` gives, with one copy of the triples instead of two:
    validation looks at the union, and a 100k-triple contribution spent seconds in the copy.
    """
    fmt = resolve_format(media_type.split(";")[0], where=name)
    quads = _quads(data, fmt, name, base_iri)
    graph = into if into is not None else Graph()
    convert = _converter(name)
    for q in quads:
        graph.add((convert(q.subject), convert(q.predicate), convert(q.object)))
    return graph


def _syntax_error(e: SyntaxError, name: str, fmt: ox.RdfFormat, text: str) -> RdfParseError:
    """Turn pyoxigraph's SyntaxError into ours, finding a position where it gives none."""
    message = str(e.msg if e.msg is not None else e)
    m = _OX_POSITION.match(message)
    reason = m.group("reason") if m else message
    line, column = e.lineno, e.offset
    if line is None and fmt == ox.RdfFormat.RDF_XML:
        found = _xml_position(text.encode("utf-8"))
        if found is not None:
            line, column, xml_reason = found
            reason = f"{reason} (XML: {xml_reason})"
    if "LoadDocumentCallback" in reason:
        reason = "remote JSON-LD @context not allowed (nothing is fetched from the network)"
    return RdfParseError(name, reason, line, column)


def parse_file(
    path: str | Path, *, input_format: str | None = None, dataset: Dataset | None = None
) -> Dataset:
    """Parse one file (format from ``input_format`` or the extension) into a Dataset.

    Relative IRIs resolve against the file's own ``file:`` URI, as RDF parsers usually do.
    """
    p = Path(path)
    data = read_bytes(p)  # first: "no such file" matters more than an odd extension
    fmt = resolve_format(input_format, where=str(path)) if input_format else format_for_path(p)
    base = p.resolve().as_uri()
    return _parse(data, fmt, str(path), base, dataset)


def union_graph(dataset: Dataset, into: Graph | None = None) -> Graph:
    """The triples of every graph of ``dataset`` (names dropped), added to ``into`` if given.

    Validation looks at the union of the inputs, whatever named graph each quad sits in.
    """
    union = into if into is not None else Graph()
    for s, p, o, _g in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    return union


def read_graph(paths: Iterable[str | Path], *, input_format: str | None = None) -> Graph:
    """The union of the triples of all ``paths`` (graph names dropped) as one rdflib Graph."""
    union = Graph()
    for path in paths:
        union_graph(parse_file(path, input_format=input_format), union)
    return union
