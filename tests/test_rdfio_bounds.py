"""Bounded parsing (issue 12, item 6): what could cost far more than its size is refused first.

`rdfio.check_safe` before parsing, `rdfio.check_literals` after; `parse_file` (build,
`coopgraph validate`) applies both, so do the store and the Graph Store Protocol (here on the
in-process server; bench/faults.py replays it against `coopgraph serve`).
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from conftest import ADMIN_TOKEN

from coopgraph.rdfio import (
    MAX_LITERAL_CHARS,
    MAX_NESTING,
    UnsafeRdfError,
    check_literals,
    check_safe,
    parse_bytes,
)

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def billion_laughs(levels: int = 9) -> bytes:
    """The classic: ``levels`` entities of ten references each; ``&lol9;`` is 10⁹ "lol"s."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1)]
    return (f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n{"".join(entities)}\n]>\n'
            f'<rdf:RDF xmlns:rdf="{RDF}" xmlns:p="urn:p#">'
            f'<rdf:Description rdf:about="urn:s"><p:p>&lol{levels};</p:p></rdf:Description>'
            "</rdf:RDF>").encode()


def nested(kind: str, depth: int) -> tuple[bytes, str]:
    if kind == "turtle":
        return ("<urn:s> <urn:p> " + "[ <urn:p> " * depth + "1" + " ]" * depth + " .").encode(
        ), "text/turtle"
    if kind == "collection":
        return ("<urn:s> <urn:p> " + "( " * depth + "1" + " )" * depth + " .").encode(
        ), "text/turtle"
    if kind == "json-ld":
        return ('{"@id": "urn:s", "urn:p": ' + '{"urn:p": ' * depth + '"x"' + "}" * depth
                + "}").encode(), "application/ld+json"
    inner = "<p:p><rdf:Description>" * depth + "</rdf:Description></p:p>" * depth
    return (f'<rdf:RDF xmlns:rdf="{RDF}" xmlns:p="urn:p#"><rdf:Description rdf:about="urn:s">'
            f"{inner}</rdf:Description></rdf:RDF>").encode(), "application/rdf+xml"


def test_a_billion_laughs_is_refused_in_well_under_a_second_with_its_position():
    started = time.monotonic()
    with pytest.raises(UnsafeRdfError) as info:
        parse_bytes(billion_laughs(), "application/rdf+xml", "<upload>")
    assert time.monotonic() - started < 1.0
    assert "entity declarations" in str(info.value)
    assert (info.value.line, str(info.value).split(":")[0]) == (3, "<upload>")


def test_external_entities_and_parameter_entities_are_refused_and_never_fetched(listener):
    for doctype in (f'<!ENTITY x SYSTEM "{listener.url}x">',
                    f'<!ENTITY % p SYSTEM "{listener.url}p"> %p;'):
        data = (f'<?xml version="1.0"?><!DOCTYPE rdf:RDF [{doctype}]>'
                f'<rdf:RDF xmlns:rdf="{RDF}"/>').encode()
        with pytest.raises(UnsafeRdfError):
            check_safe(data, "application/rdf+xml")
    time.sleep(0.2)
    assert listener.connections == 0


@pytest.mark.parametrize("kind", ["turtle", "collection", "json-ld", "rdf/xml"])
def test_nesting_is_bounded(kind):
    data, media_type = nested(kind, MAX_NESTING // 2 - 2)  # RDF/XML: two elements a level
    parse_bytes(data, media_type)  # within the limit: fine
    with pytest.raises(UnsafeRdfError):
        parse_bytes(*nested(kind, MAX_NESTING + 1))
    data, media_type = nested(kind, 5000)
    started = time.monotonic()
    with pytest.raises(UnsafeRdfError) as info:
        parse_bytes(data, media_type, "<deep>")
    assert time.monotonic() - started < 1.0
    assert f"deeper than {MAX_NESTING}" in str(info.value) and info.value.column is not None


def test_brackets_inside_strings_iris_and_comments_do_not_count():
    text = ('@prefix ex: <http://e/#> .\nex:a ex:p "[[[[((((" , """[[[[\n]]""" , '
            "'[[[[' ; ex:q <http://e/[[[[> . # [[[[((((\n") * 40
    check_safe(text.encode() * 2, "text/turtle")
    check_safe(('{"a": "[[[[{{{{", "b": "\\"[[[["}' * 100).encode(), "application/ld+json")


def test_literal_size_is_bounded():
    long = "x" * (MAX_LITERAL_CHARS + 1)
    with pytest.raises(UnsafeRdfError, match="longer than the limit"):
        parse_bytes(f'<urn:s> <urn:p> "{long}" .'.encode(), "application/n-triples")
    import pyoxigraph as ox
    check_literals([ox.Literal("x" * MAX_LITERAL_CHARS)])


def test_the_cli_refuses_a_billion_laughs_quickly_with_bounded_memory(tmp_path: Path):
    path = tmp_path / "laughs.rdf"
    path.write_bytes(billion_laughs())
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "coopgraph", "validate", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert f"{path}:3:" in done.stderr + done.stdout
    assert "entity declarations" in done.stderr + done.stdout
    assert time.monotonic() - started < 30  # interpreter start + rdflib imports included
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert usage.ru_maxrss < 1024 * 1024, "under 1 GiB (KiB)"


def test_a_remote_json_ld_context_is_refused_with_its_position_and_never_fetched(listener):
    data = ('{\n  "@id": "urn:x",\n  "@context": "' + listener.url + '",\n  "name": "x"\n}'
            ).encode()
    with pytest.raises(UnsafeRdfError) as info:
        parse_bytes(data, "application/ld+json", "<upload>")
    assert "remote JSON-LD @context" in str(info.value)
    assert (info.value.line, info.value.column) == (3, 3)
    inline = b'{"@context": {"n": "urn:n"}, "@id": "urn:x", "n": "x"}'
    assert len(parse_bytes(inline, "application/ld+json")) == 1  # an inline context is fine
    assert listener.connections == 0


def test_graph_store_uploads_are_refused_and_store_nothing(writable_server):
    graph = "https://w3id.org/coopgraph/graph/upload/bounds"
    url = writable_server.endpoint("/store")
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    for data, media_type in (
        (billion_laughs(), "application/rdf+xml"),
        nested("rdf/xml", 5000), nested("json-ld", 5000), nested("turtle", 5000),
        (b'{"@context": "https://schema.org/", "@id": "urn:x"}', "application/ld+json"),
    ):
        started = time.monotonic()
        answer = requests.put(url, params={"graph": graph}, data=data, timeout=30,
                              headers=headers | {"Content-Type": media_type})
        assert answer.status_code == 400, answer.text
        assert time.monotonic() - started < 2.0
        assert "nothing was changed" in answer.text
    files = {"a": ("laughs.rdf", billion_laughs(), "application/rdf+xml")}
    answer = requests.post(url, params={"graph": graph}, files=files, headers=headers,
                           timeout=30)
    assert answer.status_code == 400
    assert requests.get(url, params={"graph": graph}, timeout=10).status_code == 404


def test_the_store_refuses_unsafe_input_too(tiny_store):
    from coopgraph.store import QuerySyntaxError

    with pytest.raises(QuerySyntaxError, match="entity declarations"):
        tiny_store.replace_graph("urn:g", billion_laughs(), "application/rdf+xml")
    assert not tiny_store.has_graph("urn:g")
