"""The judge itself: result parsing and comparison must neither pass wrong answers nor fail
right ones, or the conformance numbers mean nothing. No server needed."""

from __future__ import annotations

from rdflib import BNode, Literal, URIRef

from .protocol import Request
from .results import (
    LEXICAL,
    XSD,
    ResultSet,
    compare_graphs,
    compare_result_sets,
    literal,
    parse_csv,
    parse_rdf,
    parse_srj,
    parse_srx,
    parse_tsv,
)
from .runner import has_top_level_order_by, query_form, remote_load

A, B = URIRef("http://example/a"), URIRef("http://example/b")


def rs(*rows: dict) -> ResultSet:
    """A SELECT result over ?x ?y."""
    return ResultSet(["x", "y"], list(rows))


def test_blank_nodes_match_by_isomorphism_not_label() -> None:
    expected = rs({"x": BNode("b0"), "y": A}, {"x": BNode("b0"), "y": B})
    renamed = rs({"x": BNode("zz"), "y": B}, {"x": BNode("zz"), "y": A})
    split = rs({"x": BNode("p"), "y": A}, {"x": BNode("q"), "y": B})
    assert compare_result_sets(expected, renamed, ordered=False) is None
    assert compare_result_sets(expected, split, ordered=False) is not None


def test_order_matters_only_when_asked() -> None:
    one, two = {"x": A}, {"x": B}
    assert compare_result_sets(rs(one, two), rs(two, one), ordered=False) is None
    assert compare_result_sets(rs(one, two), rs(two, one), ordered=True) is not None


def test_duplicates_are_counted() -> None:
    assert compare_result_sets(rs({"x": A}, {"x": A}), rs({"x": A}), ordered=False) is not None


def test_terms_compare_strictly_but_lexical_failures_are_labelled() -> None:
    exp = rs({"x": literal("1.0", XSD + "decimal")})
    got = rs({"x": literal("1", XSD + "decimal")})
    reason = compare_result_sets(exp, got, ordered=False)
    assert reason is not None and reason.startswith(LEXICAL)
    other = compare_result_sets(exp, rs({"x": literal("2", XSD + "decimal")}), ordered=False)
    assert other is not None and not other.startswith(LEXICAL)
    plain = compare_result_sets(rs({"x": Literal("1")}), rs({"x": literal("1", XSD + "integer")}),
                                ordered=False)
    assert plain is not None


def test_boolean_and_variables() -> None:
    assert compare_result_sets(ResultSet([], [], True), ResultSet([], [], True), False) is None
    assert compare_result_sets(ResultSet([], [], True), ResultSet([], [], False), False)
    assert compare_result_sets(ResultSet(["x"], []), ResultSet(["y"], []), False)


def test_four_result_formats_read_the_same_answer() -> None:
    srx = b"""<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head><variable name="x"/>
      <variable name="y"/></head><results><result><binding name="x"><uri>http://example/a</uri>
      </binding><binding name="y"><literal xml:lang="EN">chat</literal></binding></result>
      <result><binding name="x"><bnode>r</bnode></binding><binding name="y"><literal
      datatype="http://www.w3.org/2001/XMLSchema#integer">01</literal></binding></result>
      </results></sparql>"""
    srj = b"""{"head":{"vars":["x","y"]},"results":{"bindings":[
      {"x":{"type":"uri","value":"http://example/a"},
       "y":{"type":"literal","value":"chat","xml:lang":"en"}},
      {"x":{"type":"bnode","value":"s"},
       "y":{"type":"literal","value":"01","datatype":"http://www.w3.org/2001/XMLSchema#integer"}}
    ]}}"""
    tsv = b'?x\t?y\n<http://example/a>\t"chat"@en\n_:t\t"01"^^<http://www.w3.org/2001/XMLSchema#integer>\n'
    a, b, c = parse_srx(srx), parse_srj(srj), parse_tsv(tsv)
    assert compare_result_sets(a, b, ordered=True) is None
    assert compare_result_sets(a, c, ordered=True) is None
    assert parse_tsv(b"?n\n1.5e0\n").rows[0]["n"] == literal("1.5e0", XSD + "double")
    csv = parse_csv(b"x,y\r\nhttp://example/a,\r\n_:b,\"a,b\"\r\n")
    assert csv.rows == [{"x": Literal("http://example/a")}, {"x": BNode("b"), "y": Literal("a,b")}]
    assert parse_srj(b'{"head":{},"boolean":false}').boolean is False


def test_graphs_keep_lexical_forms_and_match_blank_nodes() -> None:
    g1 = parse_rdf(b'_:a <http://example/p> "01"^^<http://www.w3.org/2001/XMLSchema#integer> .',
                   "application/n-triples")
    g2 = parse_rdf(b"[] <http://example/p> 01 .", "text/turtle")
    g3 = parse_rdf(b"[] <http://example/p> 1 .", "text/turtle")
    assert compare_graphs(g1, g2) is None
    assert compare_graphs(g1, g3) is not None
    rel = parse_rdf(b"<a> <p> <b> .", "text/turtle", "http://example/")
    assert (A, URIRef("http://example/p"), B) in rel


def test_query_text_helpers() -> None:
    sub = "SELECT * { { SELECT ?x { ?x ?p ?o } ORDER BY ?x LIMIT 1 } }"
    assert not has_top_level_order_by(sub)
    assert has_top_level_order_by("SELECT * { ?s ?p '}' } ORDER BY ?s")
    assert not has_top_level_order_by("SELECT * { ?s ?p 'ORDER BY' } # ORDER BY ?s")
    assert query_form("PREFIX s: <http://x/SELECT#> CONSTRUCT WHERE { ?s ?p ?o }") == "CONSTRUCT"
    assert query_form("# SELECT\nASK {}") == "ASK"
    assert remote_load("LOAD <http://example.org/faraway>")
    assert not remote_load("LOAD SILENT <somescheme://x/> # LOAD <http://a/>")


def test_protocol_requests_are_routed_by_what_they_carry() -> None:
    def req(path: str, body: str = "", ctype: str = "") -> Request:
        headers = {"content-type": ctype} if ctype else {}
        return Request("POST", path, headers, body.encode(), body, ["StatusCode2xx"], None, None)

    assert req("/sparql/", "CLEAR NAMED", "text/plain").is_update
    assert req("/sparql/", "PREFIX a: <x:> INSERT DATA {}").is_update
    assert req("/sparql/?using-graph-uri=x", "x", "application/sparql-update").is_update
    assert req("/sparql/", "update=CLEAR%20ALL").is_update
    assert not req("/sparql/", "ASK {}", "application/sparql-query").is_update
    assert not req("/sparql/?query=ASK%20%7B%7D").is_update
