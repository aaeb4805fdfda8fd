"""store/remote.py, remote_cli.py and remote_build.py pieces that need no engine: settings,
secrets, streaming rewrites, chunking."""

from __future__ import annotations

import argparse
import io

import pytest
from rdflib import BNode, Graph, Literal, URIRef

from coopgraph import settings
from coopgraph.remote_build import chunks
from coopgraph.remote_cli import OPTIONS, add_arguments, settings_from
from coopgraph.store import BlankNode, StoreError
from coopgraph.store.remote import RemoteSettings, RemoteStore, _Rewriter

SECRET = "s3cr3t-value-never-shown"


REMOTE_ROWS = [row for row in settings.SETTINGS if row.name in (*OPTIONS, "REMOTE_PASSWORD")]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No remote-engine variable leaks in from the caller's environment."""
    for row in REMOTE_ROWS:
        monkeypatch.delenv(row.env, raising=False)  # type: ignore[arg-type]
    return monkeypatch


def parse(*argv: str) -> argparse.Namespace:
    """The flags as `coopgraph build` parses them (the environment read now, like the CLI)."""
    parser = argparse.ArgumentParser()
    add_arguments(parser, "build")
    return parser.parse_args(list(argv))


def test_the_embedded_store_is_the_default() -> None:
    assert settings_from(parse()) is None
    assert settings_from(parse("--backend", "oxigraph")) is None


def test_options_win_over_the_environment_which_fills_the_gaps(clean_env) -> None:
    for name, value in {"COOPGRAPH_BACKEND": "sparql", "COOPGRAPH_QUERY_URL": "http://127.0.0.1:1/q",
                        "COOPGRAPH_USER": "env-user", "COOPGRAPH_PASSWORD": SECRET,
                        "COOPGRAPH_AUTH": "digest"}.items():
        clean_env.setenv(name, value)
    remote = settings_from(parse("--query-url", "http://127.0.0.1:2/sparql"))
    assert remote is not None
    assert remote.query_url == "http://127.0.0.1:2/sparql"
    assert (remote.user, remote.password, remote.auth) == ("env-user", SECRET, "digest")


def test_the_password_has_no_flag_only_its_variable() -> None:
    """A flag would show the secret to every user of the machine (`ps`)."""
    with pytest.raises(SystemExit):
        parse("--backend", "sparql", "--query-url", "http://127.0.0.1/q", "--password", "x")
    row = settings.setting("REMOTE_PASSWORD")
    assert row.flag is None and row.env == "COOPGRAPH_PASSWORD"


@pytest.mark.parametrize("argv, message", [
    (["--backend", "sparql"], "needs --query-url"),
    (["--backend", "fuseky"], "unknown backend 'fuseky'"),
    (["--backend", "sparql", "--query-url", "http://127.0.0.1/q", "--engine", "fuseky"],
     "engine must be one of"),
    (["--backend", "sparql", "--query-url", "http://127.0.0.1/q", "--auth", "kerberos"],
     "auth must be one of"),
    (["--backend", "sparql", "--query-url", "ftp://127.0.0.1/q"], "must be an http"),
    (["--backend", "sparql", "--query-url", "http://127.0.0.1/q", "--auth", "bearer"],
     "needs a token"),
    (["--backend", "sparql", "--query-url", "http://127.0.0.1/q", "--auth", "digest"],
     "needs --user"),
])
def test_bad_settings_are_clear_errors(argv: list[str], message: str) -> None:
    with pytest.raises(StoreError, match=message):
        settings_from(parse(*argv))


def test_credentials_in_a_url_are_refused_without_echoing_them() -> None:
    with pytest.raises(StoreError) as failure:
        RemoteSettings(query_url=f"http://dba:{SECRET}@127.0.0.1:1/sparql")
    assert SECRET not in str(failure.value) and "COOPGRAPH_PASSWORD" in str(failure.value)


@pytest.mark.parametrize("auth", ["basic", "digest", "bearer"])
def test_no_repr_shows_the_secret(auth: str) -> None:
    settings = RemoteSettings(query_url="http://127.0.0.1:1/sparql", user="dba",
                              password=SECRET, auth=auth)
    store = RemoteStore(settings)
    try:
        for shown in (repr(settings), str(settings), repr(store), repr(store._http.auth)
                      if auth == "bearer" else ""):
            assert SECRET not in shown
    finally:
        store.close()


def test_an_unreachable_engine_is_a_clear_error_without_the_secret() -> None:
    from conftest import free_port

    settings = RemoteSettings(query_url=f"http://127.0.0.1:{free_port()}/sparql",
                              user="dba", password=SECRET)
    store = RemoteStore(settings)
    with pytest.raises(StoreError) as failure:
        store.named_graphs()
    store.close()
    assert "did not answer" in str(failure.value) and SECRET not in str(failure.value)


@pytest.mark.parametrize("read_size", [1, 7, 31, 64 * 1024, -1])
def test_the_rewriter_finds_matches_split_across_reads(read_size: int) -> None:
    old, new = b'"value": "nodeID://', b'"value": "'
    body = b"".join(b'{"type": "bnode", "value": "nodeID://b%d"},' % i for i in range(500))

    class Trickle(io.BytesIO):
        def read(self, size: int = -1) -> bytes:  # the network gives odd-sized pieces
            return super().read(13 if size < 0 else min(size, 13))

    reader = _Rewriter(Trickle(body), old, new)
    out = b""
    while piece := reader.read(read_size):
        out += piece
    assert out == body.replace(old, new) and b"nodeID" not in out


def test_chunks_never_split_a_blank_node_and_keep_every_triple() -> None:
    graph = Graph()
    p = URIRef("urn:p")
    for i in range(50):
        head, middle, tail = BNode(), BNode(), BNode()  # a chain of three blank nodes
        graph.add((URIRef(f"urn:s{i}"), p, head))
        graph.add((head, p, middle))
        graph.add((middle, p, tail))
        graph.add((tail, p, Literal(i)))
        graph.add((URIRef(f"urn:t{i}"), p, Literal(i)))
    parts = list(chunks(graph, size=7))
    assert sum(len(c) for c in parts) == len(graph)
    assert len(parts) > 5
    owner: dict[str, int] = {}
    for number, chunk in enumerate(parts):
        for triple in chunk:
            for term in (triple.subject, triple.object):
                if isinstance(term, BlankNode):
                    assert owner.setdefault(str(term), number) == number
