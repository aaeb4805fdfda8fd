"""The text checks that keep queries and updates from reaching the network.

Two kinds of tests: what :func:`analyse` reports for known spellings (including the odd ones
Oxigraph accepts, e.g. ``SERVICE:x {}`` and ``SERVICESILENT``), and a differential test that
runs Oxigraph itself against a TCP listener: whenever the engine connects, the analysis must
have reported the reference.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import Listener

from coopgraph.sparql_safety import (
    analyse,
    error_position,
    load_operations,
    map_error_position,
    query_form,
    remove_operations,
    replace_loads,
)


def services(text: str, base: str | None = None) -> list[str | None]:
    return [r.iri for r in analyse(text, base_iri=base).services]


E = "PREFIX : <http://evil.example/> PREFIX ex: <http://example.org/> "


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT * { SERVICE <http://a.example/sparql> { ?s ?p ?o } }", ["http://a.example/sparql"]),
        ("select * { service silent <http://a.example/> { } }", ["http://a.example/"]),
        (E + "SELECT * {SERVICE:x{?s ?p ?o}}", ["http://evil.example/x"]),
        (E + "SELECT * { SERVICESILENT :x {} }", ["http://evil.example/x"]),
        (E + "SELECT * { SERVICE SILENT:x {} }", ["http://evil.example/x"]),
        (E + "SELECT*{?s ?p ?o.SERVICE<http://b.example/>{}}", ["http://b.example/"]),
        ("SELECT * { SERVICE ?endpoint { ?s ?p ?o } }", [None]),
        ("SELECT * { SERVICE $e { } }", [None]),
        ("SELECT * { SERVICE undeclared:x { } }", [None]),
        ("SELECT * { SERVICE # a comment\n <http://c.example/> # another\n { } }",
         ["http://c.example/"]),
        ("SELECT * { SERVICE <http://d.example/\\u0041> { } }", ["http://d.example/A"]),
        ("BASE <http://e.example/dir/> SELECT * { SERVICE <sparql> { } }",
         ["http://e.example/dir/sparql"]),
        (E + "SELECT * { OPTIONAL { SERVICE ex:s { } } }", ["http://example.org/s"]),
        # A less-than that the tokenizer could read as an IRI start must not hide a SERVICE.
        ("SELECT * { FILTER(?a<?b)SERVICE<http://f.example/#>\n{} }", ["http://f.example/#"]),
        ('SELECT * {FILTER(?a<?b)#>"""\n SERVICE <http://g.example/> {} #"""\n}',
         ["http://g.example/"]),
    ],
)
def test_service_references_are_found(text: str, expected: list[str | None]) -> None:
    assert services(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        'SELECT * { ?s ?p "SERVICE <http://a.example/> { }" }',
        "SELECT * { ?s ?p '''\nSERVICE <http://a.example/> { }\n''' }",
        "SELECT * { ?s ?p ?o } # SERVICE <http://a.example/> { }",
        "SELECT * { ?s <http://ex.org/service> ?o }",
        "SELECT ?service ?x { ?s ?p ?service }",  # a variable named service, then WHERE-less {
        E + "SELECT * { ex:service ex:p ?o }",
        "PREFIX service: <http://ex.org/> SELECT * { service:x service:p ?o }",
        "SELECT * { GRAPH ?service { ?s ?p ?o } }",
        "SELECT * { ?s ?p ?o FILTER(?o < 3 && ?o > 1) }",
    ],
)
def test_no_false_service(text: str) -> None:
    assert services(text) == []


def test_from_and_from_named_are_resolved() -> None:
    text = (
        "PREFIX g: <http://graphs.example/> SELECT * FROM <http://a.example/g> "
        "FROM NAMED g:one FROM:x WHERE { ?s ?p ?o }"
    )
    refs = analyse(text).from_graphs
    assert [(r.keyword, r.iri) for r in refs] == [
        ("FROM", "http://a.example/g"),
        ("FROM NAMED", "http://graphs.example/one"),
        ("FROM", None),  # ``:`` is not declared: reported, unresolvable
    ]


def test_from_inside_patterns_is_not_a_dataset_clause() -> None:
    text = "PREFIX from: <http://ex.org/> SELECT ?from { ?from from:p <http://ex.org/o> }"
    assert analyse(text).from_graphs == []


@pytest.mark.parametrize(
    "text",
    [
        "LOAD <http://a.example/data.ttl>",
        "load silent <http://a.example/data.ttl> into graph <http://g.example/>",
        "PREFIX : <http://a.example/> LOAD:x",
        "INSERT DATA { <a:a> <a:b> <a:c> } ; LOAD <file:///etc/passwd>",
    ],
)
def test_load_is_found(text: str) -> None:
    assert analyse(text).loads


def test_load_in_data_is_not_an_operation() -> None:
    text = 'INSERT DATA { <a:s> <a:label> "Download: LOAD <http://a.example/>" }'
    assert analyse(text).loads == []


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("SELECT * {}", "SELECT"),
        ("PREFIX select: <http://x/> # SELECT\n ask {}", "ASK"),
        ("BASE <http://b/> PREFIX : <http://x/> CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("describe <http://x/>", "DESCRIBE"),
        ("INSERT DATA {}", None),
        ("", None),
    ],
)
def test_query_form(text: str, form: str | None) -> None:
    assert query_form(text) == form
    assert analyse(text).form == form


def test_error_position() -> None:
    assert error_position("error at 2:9: expected one of LATERAL") == (2, 9)
    assert error_position("something else") == (None, None)


# Spellings to try against the engine itself. ``{T}`` is the listener's URL. The first ones
# make Oxigraph connect (checked below, so the test proves the risk is real), the last don't.
ENGINE_CONNECTS = [
    "SELECT * {{ SERVICE <{T}> {{ ?s ?p ?o }} }}",
    "PREFIX : <{T}> SELECT * {{SERVICE:x{{?s ?p ?o}}}}",
    "PREFIX : <{T}> SELECT * {{ SERVICESILENT :x {{}} }}",
    "PREFIX : <{T}> SELECT * {{ ?s ?p ?o . SERVICE SILENT:x {{}} }}",
    "PREFIX : <{T}> SELECT * {{ {{}} SERVICE :x {{}} }}",
    "PREFIX : <{T}> SELECT * {{ ?s ?p ?o SERVICE :x {{}} }}",
    "PREFIX : <{T}> ASK {{ OPTIONAL {{ SERVICE :x {{ }} }} }}",
    "BASE <{T}> SELECT * {{ SERVICE <rel> {{}} }}",
    # the engine reads ``<`` as less-than and ``#>`` as a comment; a naive tokenizer an IRI
    "PREFIX : <{T}> SELECT * {{ ?s ?p ?o FILTER(?a<?b)SERVICE:x#>\n{{}} }}",
]
ENGINE_STAYS_HOME = [
    "PREFIX service: <{T}> SELECT * {{ service:x service:p ?o }}",
    "SELECT * FROM <{T}> {{ ?s ?p ?o }}",  # FROM only names a graph of the store
    'SELECT * {{ ?s ?p "SERVICE <{T}> {{}}" }}',
]


def _run_on_empty_store(text: str) -> None:
    try:
        result = ox.Store().query(text)
        if not isinstance(result, ox.QueryBoolean):
            list(result)
    except (OSError, SyntaxError, ValueError, RuntimeError):
        pass
    time.sleep(0.1)  # let the accept loop count a connection that was made


@pytest.mark.parametrize("template", ENGINE_CONNECTS)
def test_every_spelling_the_engine_fetches_is_reported(listener: Listener, template: str) -> None:
    text = template.format(T=listener.url)
    _run_on_empty_store(text)
    assert listener.connections >= 1  # the engine does fetch this spelling ...
    reported = [r.iri for r in analyse(text).services]
    assert reported and all(iri and iri.startswith(listener.url) for iri in reported)  # ... seen


@pytest.mark.parametrize("template", ENGINE_STAYS_HOME)
def test_no_report_where_the_engine_stays_home(listener: Listener, template: str) -> None:
    text = template.format(T=listener.url)
    _run_on_empty_store(text)
    assert listener.connections == 0
    assert analyse(text).services == []


def test_updates_loads_reach_the_network_in_the_engine(listener: Listener) -> None:
    """Why LOAD must be refused before the engine: Oxigraph fetches it (and :x spellings)."""
    text = f"PREFIX : <{listener.url}> LOAD:x"
    assert analyse(text).loads
    with pytest.raises(OSError):
        ox.Store().update(text)
    time.sleep(0.1)
    assert listener.connections == 1


def test_prefix_names_that_spell_keywords_are_not_keywords() -> None:
    text = "PREFIX load: <http://ex.org/l#> PREFIX from: <http://ex.org/f#> INSERT DATA { }"
    result = analyse(text)
    assert result.loads == [] and result.from_graphs == []


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * { " + "SERVICE ?x {} " * 7000 + "}",
        "".join(f"PREFIX p{i}: <http://e/{i}/> " for i in range(1200))
        + "SELECT * { "
        + "".join(f"SERVICE p{i}:x {{}} " for i in range(1200))
        + "}",
        'SELECT * { ?s ?p """' + 'a"b""c ' * 12000 + " }",
        "SELECT * { FILTER(" + "?a<?b&&" * 12000 + "true) }",
    ],
)
def test_analysis_of_crafted_texts_stays_linear(text: str) -> None:
    """Thousands of references × thousands of declarations or variables: no quadratic blow-up.

    The bound is generous (a loaded CI machine); a quadratic regression takes minutes here.
    """
    started = time.monotonic()
    analyse(text[:100_000])
    assert time.monotonic() - started < 10


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * {}",
        "PREFIX:<http://x/>SELECT * {}",
        "PREFIX ex:<http://x/> # comment\n BASE <http://b/>\n# ask\nconstruct {} where {}",
        "  describe <x>",
        "PREFIX ex: <http://x/> PREFIX ex2: <http://y/> ASK {}",
        "PREFIX ex:local <http://x/> SELECT * {}",  # not a declaration: no form
        "INSERT DATA {}",
        "SELECTED",
    ],
)
def test_fast_and_full_paths_agree_on_the_form(text: str) -> None:
    """Texts without SERVICE/FROM/LOAD take a fast path; a trailing comment forces the full one."""
    assert analyse(text).form == analyse(text + "\n# from service load").form


# A ``<`` the engine reads as less-than but a tokenizer as an IRI start shifts what is comment
# and what is string for the rest of the text; these texts use it to hide a SERVICE or a LOAD
# from the tokenized view. The engine does connect (checked), so the analysis must see them.
DESYNC_QUERY = (
    "PREFIX : <{T}>\n"
    'SELECT * {{ {{ FILTER(?a<?b)#>"""\n'
    '}} UNION {{ <http://x#> <http://p> """\n'
    '""" }} UNION {{ SERVICE :x {{}} }} UNION {{ ?s ?p """ """ }} }}'
)
DESYNC_UPDATE = (
    'INSERT {{ }} WHERE {{ ?s ?p ?o FILTER(?a<?b)#>"""\n'
    "}} ;\n"
    'INSERT DATA {{ <http://x#> <http://p> """\n'
    '""" }} ;\n'
    "LOAD <{T}> ;\n"
    'INSERT DATA {{ <a:b> <a:c> """ """ }}'
)


def test_desynchronised_query_is_caught(listener: Listener) -> None:
    text = DESYNC_QUERY.format(T=listener.url)
    _run_on_empty_store(text)
    assert listener.connections >= 1
    assert [r.iri for r in analyse(text).services] == [f"{listener.url}x"]


def test_desynchronised_update_is_caught(listener: Listener) -> None:
    text = DESYNC_UPDATE.format(T=listener.url)
    with pytest.raises(OSError):
        ox.Store().update(text)
    time.sleep(0.1)
    assert listener.connections >= 1
    assert analyse(text, strict=True).loads


def test_long_strings_follow_the_grammar() -> None:
    """A long string cannot end with a quote: ``\"\"\"a\"\"\"\"`` is a string and a new quote.

    The tokenizer must cut strings exactly where the engine does, or everything after shifts.
    """
    text = 'SELECT * { ?s ?p """a"""" . SERVICE <http://a.example/> { } " }'
    with pytest.raises(SyntaxError):
        ox.Store().query(text)  # the engine sees an unterminated string: nothing to run
    assert services('SELECT * { ?s ?p """a""" . SERVICE <http://a.example/> { } }') == [
        "http://a.example/"
    ]


def test_commented_service_is_ignored_unless_strict() -> None:
    text = "SELECT * { ?s ?p ?o } # SERVICE <http://a.example/> { }"
    assert services(text) == []
    assert [r.iri for r in analyse(text, strict=True).services] == ["http://a.example/"]


def test_values_rows_with_iris_are_fine() -> None:
    """``(<a> <b>)`` makes the scan ambiguous (raw fallback) but there is nothing to report."""
    text = "SELECT * FROM <http://g/> { VALUES (?a ?b) { (<http://a/> <http://b/>) } }"
    result = analyse(text)
    assert result.services == [] and [r.iri for r in result.from_graphs] == ["http://g/"]


# --------------------------------------------------------------------------- LOAD operations


def test_load_operations_are_located() -> None:
    text = (
        "PREFIX r: <http://r.example/>\n"
        "LOAD SILENT <http://a.example/> INTO GRAPH r:g ;\n"
        "INSERT DATA { <a:a> <a:b> 'LOAD <http://b.example/>' } ;\n"
        "load r:x # LOAD <http://c.example/>\n"
    )
    ops = load_operations(text)
    assert ops is not None
    assert [(op.silent, op.target, op.graph, op.separable) for op in ops] == [
        (True, "<http://a.example/>", "r:g", True),
        (False, "r:x", None, True),
    ]
    first, second = ops
    assert text[first.start : first.separator_end] == (
        "LOAD SILENT <http://a.example/> INTO GRAPH r:g ;"
    )
    assert text[second.start : second.end] == "load r:x"


@pytest.mark.parametrize(
    "text",
    [
        "CREATE GRAPH <a:g>\nLOAD <http://a.example/>",  # no separator before it
        "LOAD <http://a.example/> INSERT DATA {}",  # no separator after it
    ],
)
def test_load_operations_without_separator_are_not_separable(text: str) -> None:
    ops = load_operations(text)
    assert ops and not ops[0].separable
    assert remove_operations(text, ops) is None


def test_ambiguous_texts_are_not_taken_apart() -> None:
    assert load_operations(DESYNC_UPDATE.format(T="http://127.0.0.1:1/")) is None


def test_replaced_loads_keep_their_targets() -> None:
    text = "LOAD SILENT <a:x> INTO GRAPH <a:g> ;\nLOAD p:y foo"
    ops = load_operations(text)
    assert ops is not None
    edited, edits = replace_loads(text, ops)
    assert edited == "COPY SILENT <a:x> TO GRAPH <a:g> ;\nCOPY p:y TO DEFAULT foo"
    assert not analyse(edited, strict=True).loads
    # a position after an edit maps back to the same token of the original ...
    assert map_error_position("error at 2:21: x", edited, text, edits) == "error at 2:10: x"
    assert map_error_position("error at 1:34: x", edited, text, edits) == "error at 1:36: x"
    # ... and one inside an edit to the start of the operation it replaced
    assert map_error_position("error at 2:10: x", edited, text, edits) == "error at 2:1: x"
    assert map_error_position("no position", edited, text, edits) == "no position"


def test_removing_operations_keeps_the_rest_in_place() -> None:
    text = "LOAD SILENT <a:x> ;\nINSERT DATA { <a:a> <a:b> <a:c> } ;\nLOAD SILENT <a:y>"
    ops = load_operations(text)
    assert ops is not None
    rest = remove_operations(text, ops)
    assert rest == " " * 19 + "\nINSERT DATA { <a:a> <a:b> <a:c> } ;\n" + " " * 17
    ox.Store().update(rest)  # what is left parses


@pytest.mark.parametrize(
    "text",
    [
        "LOAD SILENT <{T}>",
        "LOAD SILENT <{T}> INTO GRAPH <a:g> ; INSERT DATA {{ <a:a> <a:b> <a:c> }}",
        "PREFIX : <{T}> LOADSILENT:x INTOGRAPH<a:g> ;",
        "CREATE GRAPH <a:g>\nLOAD <{T}> INTO GRAPH <a:g>",
    ],
)
def test_replaced_loads_stay_home(listener: Listener, text: str) -> None:
    """The text with its LOADs replaced is what the executor runs on an empty store."""
    text = text.format(T=listener.url)
    ops = load_operations(text)
    assert ops
    edited, _ = replace_loads(text, ops)
    assert not analyse(edited, strict=True).loads
    with contextlib.suppress(SyntaxError, OSError, ValueError, RuntimeError):
        ox.Store().update(edited)
    time.sleep(0.1)
    assert listener.connections == 0


# --------------------------------------------------------------------------- update targets


def _w3c_updates() -> list[Path]:
    return sorted((Path(__file__).parent / "w3c" / "suite").rglob("*.ru"))


def test_update_targets_never_miss_a_graph_rdflib_finds() -> None:
    """Differential: on every update of the W3C suite that rdflib parses, the tokenizer's
    reading names every graph rdflib's algebra names (an extra one, e.g. an empty GRAPH block,
    only makes the curated check stricter) or gives up (None: rdflib is asked)."""
    from coopgraph.sparql_safety import update_targets
    from coopgraph.update_analysis import UpdateParseError, rdflib_targets

    base = "http://example.org/base/"
    compared = 0
    for path in _w3c_updates():
        text = path.read_text(encoding="utf-8")
        try:
            reference = rdflib_targets(text, base)
        except UpdateParseError:
            continue
        found = update_targets(text, base_iri=base)
        if found is None:
            continue
        compared += 1
        assert reference <= found, (path, found, reference)
    assert compared >= 100


@pytest.mark.parametrize(("text", "expected"), [
    ("INSERT DATA { GRAPH <http://g/a> { <a:s> <a:p> 1 } }", {"http://g/a"}),
    ("INSERT DATA { <a:s> <a:p> 1 . GRAPH <http://g/z> { <a:s> <a:p> 1 } }", {"", "http://g/z"}),
    ('PREFIX g: <http://g/> INSERT DATA { GRAPH g:a { <a:s> <a:p> "}" } }', {"http://g/a"}),
    ("WITH <http://g/w> DELETE { ?s ?p ?o } INSERT { GRAPH <http://g/i> { ?s ?p 2 } } "
     "WHERE { ?s ?p ?o }", {"http://g/w", "http://g/i"}),
    ("DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } }", {"*all named graphs*"}),
    ("MOVE <http://g/x> TO GRAPH <http://g/y>", {"http://g/x", "http://g/y"}),
    ("COPY DEFAULT TO <http://g/y> ; DROP SILENT ALL", {"http://g/y", "*all named graphs*"}),
    ("BASE <http://g/> CLEAR GRAPH <rel>", {"http://g/rel"}),
    ("INSERT { ?s ?p 1 } USING <http://g/u> WHERE { ?s ?p ?o }", {""}),
    ("LOAD <http://x> INTO GRAPH <http://g/l>", {"http://g/l"}),
    # shapes the reader does not know: None (the caller asks a full parser)
    ("INSERT DATA { GRAPH <http://g/a> { <a:s> <a:p> 1 } } trailing", None),
    ("INSERT DATA { GRAPH undeclared:x { <a:s> <a:p> 1 } }", None),
])
def test_update_targets(text: str, expected: set[str] | None) -> None:
    from coopgraph.sparql_safety import update_targets

    assert update_targets(text) == expected


def test_update_targets_in_linear_time() -> None:
    from coopgraph.sparql_safety import update_targets

    lines = "\n".join(f'e:s{i} e:p "v{i}" . GRAPH <http://g/{i}> {{ e:a e:b e:c }}'
                      for i in range(1000))
    text = f"PREFIX e: <https://ex.org/>\nINSERT DATA {{ {lines} }}"
    started = time.monotonic()
    found = update_targets(text)
    assert found is not None and len(found) == 1001
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(("text", "expected"), [
    # layout and comments go; every gap becomes one space
    ("  SELECT *\n\tWHERE { ?s ?p ?o }  # all\n", "SELECT * WHERE { ?s ?p ?o }"),
    ("SELECT ?x#c\nWHERE{?x ?p ?o}", "SELECT ?x WHERE{?x ?p ?o}"),
    # tokens stay exactly as written: strings, IRIs with '#', adjacency, language tags
    ("SELECT * { ?s ?p 'a  #b' }", "SELECT * { ?s ?p 'a  #b' }"),
    ('SELECT * { <http://a#b> ?p """x\n  y""" }', 'SELECT * { <http://a#b> ?p """x\n  y""" }'),
    ('ASK { ?s ?p "x"@en , 1.5 , -2 }', 'ASK { ?s ?p "x"@en , 1.5 , -2 }'),
    # an IRI token where a less-than may be meant: the caller keys by the text as written
    ("ASK { FILTER(?a <http://x#y>) }", None),
])
def test_canonical(text: str, expected: str | None) -> None:
    from coopgraph.sparql_safety import canonical

    assert canonical(text) == expected


def test_canonical_texts_evaluate_the_same() -> None:
    from coopgraph.sparql_safety import canonical

    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://a#b"), ox.NamedNode("http://p"),
                      ox.Literal("x\n  y")))
    text = 'SELECT ?o # note\nWHERE {\n  <http://a#b> ?p ?o .\n  FILTER(?o = """x\n  y""")\n}'
    same = canonical(text)
    assert same is not None and same != text
    assert [str(r["o"]) for r in store.query(text)] == [str(r["o"]) for r in store.query(same)]
    assert len(list(store.query(same))) == 1
