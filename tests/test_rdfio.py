"""Reading RDF: every syntax, exact error positions, no network; writing it back."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from coopgraph.formats import RDF_TYPES
from coopgraph.rdfio import (
    RdfParseError,
    parse_bytes,
    parse_file,
    read_graph,
    resolve_format,
    serialize_triples,
)

FIXTURES = Path(__file__).parent / "fixtures" / "validate"

EX = "http://example.org/"

# The same two triples (one with a French literal, one with a blank node) in every syntax.
TURTLE = f"""@prefix ex: <{EX}> .
ex:a ex:label "Café"@fr ; ex:link [ ex:n 1 ] .
"""
NTRIPLES = f"""<{EX}a> <{EX}label> "Café"@fr .
<{EX}a> <{EX}link> _:b .
_:b <{EX}n> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .
"""
NQUADS = NTRIPLES.replace(" .\n", f" <{EX}g> .\n")
TRIG = f"@prefix ex: <{EX}> .\nex:g {{ ex:a ex:label \"Café\"@fr ; ex:link [ ex:n 1 ] . }}\n"
JSONLD = f"""{{"@context": {{"ex": "{EX}"}},
 "@id": "ex:a",
 "ex:label": {{"@value": "Café", "@language": "fr"}},
 "ex:link": {{"ex:n": 1}}}}
"""
RDFXML = f"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="{EX}">
  <rdf:Description rdf:about="{EX}a">
    <ex:label xml:lang="fr">Café</ex:label>
    <ex:link><rdf:Description><ex:n rdf:datatype="http://www.w3.org/2001/XMLSchema#integer">1</ex:n></rdf:Description></ex:link>
  </rdf:Description>
</rdf:RDF>
"""

SYNTAXES = {
    "ttl": TURTLE, "nt": NTRIPLES, "nq": NQUADS, "trig": TRIG, "jsonld": JSONLD,
    "json": JSONLD, "rdf": RDFXML, "owl": RDFXML, "xml": RDFXML,
}


def _expected() -> Graph:
    return Graph().parse(data=TURTLE, format="turtle")


@pytest.mark.parametrize("ext", sorted(SYNTAXES))
def test_each_syntax_parses_to_the_same_triples(tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"data.{ext}"
    path.write_text(SYNTAXES[ext], encoding="utf-8")
    graph = read_graph([path])
    assert len(graph) == 3
    assert (URIRef(EX + "a"), URIRef(EX + "label"), Literal("Café", lang="fr")) in graph
    assert isomorphic(graph, _expected())


def test_named_graphs_are_kept_by_parse_file_and_merged_by_read_graph(tmp_path: Path) -> None:
    path = tmp_path / "data.trig"
    path.write_text(TRIG, encoding="utf-8")
    ds = parse_file(path)
    assert len(ds.graph(URIRef(EX + "g"))) == 3
    assert len(ds.default_graph) == 0
    assert len(read_graph([path])) == 3


def test_blank_nodes_of_two_files_stay_distinct(tmp_path: Path) -> None:
    for name in ("one.nt", "two.nt"):
        (tmp_path / name).write_text(f"_:b <{EX}p> <{EX}{name}> .\n", encoding="utf-8")
    graph = read_graph([tmp_path / "one.nt", tmp_path / "two.nt"])
    assert len(set(graph.subjects())) == 2


def test_explicit_input_format_overrides_the_extension(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_text(TURTLE, encoding="utf-8")
    assert len(read_graph([path], input_format="turtle")) == 3
    assert len(read_graph([path], input_format="text/turtle")) == 3
    assert len(read_graph([path], input_format="ttl")) == 3


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.ttl"
    path.write_bytes(b"\xef\xbb\xbf" + TURTLE.encode())
    assert len(read_graph([path])) == 3


def test_relative_iris_resolve_against_the_file(tmp_path: Path) -> None:
    path = tmp_path / "rel.ttl"
    path.write_text("<a> <b> <c> .\n", encoding="utf-8")
    graph = read_graph([path])
    assert (URIRef((tmp_path / "a").as_uri()), None, None) in graph


# --- errors ----------------------------------------------------------------------------------


def test_truncated_turtle_reports_line_and_column() -> None:
    path = FIXTURES / "truncated.ttl"
    with pytest.raises(RdfParseError) as info:
        read_graph([path])
    err = info.value
    assert (err.path, err.line, err.column) == (str(path), 3, 8)
    assert err.reason
    assert str(err) == f"{path}:3:8: {err.reason}"
    assert "Parser error" not in err.reason  # the position is not repeated in the reason


def test_missing_dot_reports_the_offending_token(tmp_path: Path) -> None:
    path = tmp_path / "dot.ttl"
    path.write_text(f"@prefix ex: <{EX}> .\nex:a ex:b ex:c\nex:d ex:e ex:f .\n", encoding="utf-8")
    with pytest.raises(RdfParseError) as info:
        read_graph([path])
    assert (info.value.line, info.value.column) == (3, 1)
    assert "dot" in info.value.reason


def test_columns_count_characters_not_bytes(tmp_path: Path) -> None:
    path = tmp_path / "accents.ttl"
    path.write_text(f'<{EX}a> <{EX}b> "éééé" <{EX}c> .\n', encoding="utf-8")
    with pytest.raises(RdfParseError) as info:
        read_graph([path])
    prefix = f'<{EX}a> <{EX}b> "éééé" '
    assert (info.value.line, info.value.column) == (1, len(prefix) + 1)


def test_non_utf8_bytes_report_the_first_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.ttl"
    path.write_bytes(f"@prefix ex: <{EX}> .\nex:a ex:b ".encode() + '"Café" .\n'.encode("latin-1"))
    with pytest.raises(RdfParseError) as info:
        read_graph([path])
    err = info.value
    assert (err.line, err.column) == (2, len('ex:a ex:b "Caf') + 1)
    assert "not UTF-8" in err.reason and "0xe9" in err.reason
    assert str(err).startswith(f"{path}:2:{err.column}: ")


def test_unknown_extension(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(RdfParseError) as info:
        read_graph([path])
    assert info.value.line is None
    assert str(info.value).startswith(f"{path}: unknown RDF file extension '.csv'")
    assert ".ttl" in str(info.value)


def test_unknown_input_format(tmp_path: Path) -> None:
    path = tmp_path / "data.ttl"
    path.write_text(TURTLE, encoding="utf-8")
    with pytest.raises(RdfParseError) as info:
        read_graph([path], input_format="yaml")
    assert str(info.value).startswith(f"{path}: unknown RDF format 'yaml'")
    assert "turtle" in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.ttl"
    with pytest.raises(RdfParseError) as info:
        read_graph([path])
    assert str(info.value) == f"{path}: no such file"


def test_directory_instead_of_file(tmp_path: Path) -> None:
    folder = tmp_path / "data.ttl"
    folder.mkdir()
    with pytest.raises(RdfParseError) as info:
        read_graph([folder])
    assert str(info.value) == f"{folder}: is a directory, not a file"


def test_rdfxml_error_gets_a_position_from_the_xml_parser(tmp_path: Path) -> None:
    path = tmp_path / "bad.rdf"
    path.write_text(RDFXML.replace("</ex:label>", "</ex:labl>"), encoding="utf-8")
    with pytest.raises(RdfParseError) as info:
        read_graph([path])
    assert info.value.line == 4
    assert info.value.column is not None
    assert "mismatched tag" in info.value.reason


def test_jsonld_syntax_error_has_a_position(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonld"
    path.write_text('{"@id": "http://example.org/a",\n "http://example.org/p": [1, }\n')
    with pytest.raises(RdfParseError) as info:
        read_graph([path])
    assert info.value.line == 2
    assert info.value.column is not None


def test_triple_terms_are_refused_clearly() -> None:
    with pytest.raises(RdfParseError) as info:
        parse_bytes(f"<{EX}a> <{EX}b> <<( <{EX}a> <{EX}b> <{EX}c> )>> .", "text/turtle", "x.ttl")
    assert str(info.value).startswith("x.ttl: unsupported RDF term")


# --- parse_bytes -----------------------------------------------------------------------------


def test_parse_bytes_by_media_type_with_parameters() -> None:
    ds = parse_bytes(TURTLE.encode(), "text/turtle; charset=utf-8")
    assert len(ds.default_graph) == 3
    ds = parse_bytes(JSONLD.encode(), "application/ld+json")
    assert len(ds.default_graph) == 3
    ds = parse_bytes(NQUADS, "application/n-quads")
    assert len(ds.graph(URIRef(EX + "g"))) == 3


def test_parse_bytes_error_names_the_input() -> None:
    with pytest.raises(RdfParseError) as info:
        parse_bytes(b"<http://a> <http://b> .", "application/n-triples", name="<request body>")
    assert str(info.value).startswith("<request body>:1:")


def test_parse_bytes_unknown_media_type() -> None:
    with pytest.raises(RdfParseError) as info:
        parse_bytes(b"x", "application/pdf", name="<request body>")
    assert str(info.value).startswith("<request body>: unknown RDF format 'application/pdf'")


def test_resolve_format_names() -> None:
    assert resolve_format("JSON-LD") == resolve_format("application/ld+json")
    assert resolve_format(".nq") == resolve_format("nquads")


# --- no network ------------------------------------------------------------------------------


@pytest.fixture
def listener():  # type: ignore[no-untyped-def]
    """A TCP socket on 127.0.0.1 that nobody should ever connect to."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    sock.settimeout(0.5)
    yield sock
    sock.close()


def _assert_no_connection(sock: socket.socket) -> None:
    try:
        conn, _addr = sock.accept()
    except TimeoutError:
        return
    conn.close()
    pytest.fail("the parser connected to the network")


@pytest.mark.parametrize("context", [
    '"http://127.0.0.1:{port}/context.jsonld"',
    '["http://127.0.0.1:{port}/context.jsonld", {{"ex": "http://example.org/"}}]',
    '{{"@import": "http://127.0.0.1:{port}/context.jsonld"}}',
])
def test_remote_jsonld_context_is_never_fetched(
    tmp_path: Path, listener: socket.socket, context: str
) -> None:
    port = listener.getsockname()[1]
    path = tmp_path / "remote.jsonld"
    path.write_text('{"@context": ' + context.format(port=port)
                    + ', "@id": "http://example.org/a", "name": "x"}', encoding="utf-8")
    with pytest.raises(RdfParseError) as info:
        read_graph([path])
    assert "remote JSON-LD @context" in str(info.value)
    # refused before parsing (rdfio.check_safe), where the context is: file:line:column
    assert str(info.value).startswith(f"{path}:1:")
    _assert_no_connection(listener)


def test_terms_equal_those_of_rdflibs_own_parser(tmp_path: Path) -> None:
    """Simple literals come without an explicit xsd:string, as rdflib writes them, so that
    code comparing with ``Literal("fr")`` works on what we parse."""
    xsd = "http://www.w3.org/2001/XMLSchema#"
    text = TURTLE + f'<{EX}a> <{EX}code> "fr" ; <{EX}n> 1.5 ; <{EX}d> "2003"^^<{xsd}gYear> .\n'
    path = tmp_path / "terms.ttl"
    path.write_text(text, encoding="utf-8")
    ours = read_graph([path])
    assert (URIRef(EX + "a"), URIRef(EX + "code"), Literal("fr")) in ours
    theirs = Graph().parse(data=text, format="turtle")
    assert isomorphic(ours, theirs)


# ---- writing -------------------------------------------------------------------------------

@pytest.mark.parametrize("media_type", RDF_TYPES)
def test_written_triples_read_back_the_same_in_every_syntax(media_type: str) -> None:
    graph = _expected()
    data = serialize_triples(graph, media_type, prefixes={"ex": EX})
    back = parse_bytes(data, media_type)
    # the dataset syntaxes (TriG, N-Quads, JSON-LD) put the triples in the default graph
    assert {q[3] for q in back.quads((None, None, None, None))} == {
        back.default_graph.identifier}
    assert isomorphic(back.default_graph, graph)


def test_written_turtle_uses_the_prefixes_and_keeps_the_order() -> None:
    triples = [(URIRef(EX + "b"), URIRef(EX + "p"), Literal(2)),
               (URIRef(EX + "a"), URIRef(EX + "p"), Literal("x", lang="en"))]
    text = serialize_triples(triples, "text/turtle", prefixes={"ex": EX}).decode()
    assert text.splitlines() == [f"@prefix ex: <{EX}> .", "ex:b ex:p 2 .", 'ex:a ex:p "x"@en .']


def test_writing_something_that_is_not_a_term_is_refused() -> None:
    with pytest.raises(TypeError, match="not an RDF term"):
        serialize_triples([(URIRef(EX + "a"), URIRef(EX + "p"), "plain str")],  # type: ignore[list-item]
                          "application/n-triples")
