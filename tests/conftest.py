"""Shared fixtures: a small built store and live HTTP servers on free loopback ports.

Generic on purpose, so that any test can reuse them:

* ``tiny_store`` — a fresh in-memory store holding :data:`TINY_TRIG` (ontology, data and
  links graphs, with Wikidata/GeoNames/INSEE links), one per test;
* ``make_server(config)`` — start ``coopgraph.web.create_app(config)`` on 127.0.0.1 in a
  thread (werkzeug, threaded) and get a :class:`LiveServer`; stopped at teardown;
* ``live_server`` — a module-wide server on its own tiny store with the admin token
  :data:`ADMIN_TOKEN`, for read-only tests (do not write through it);
* ``writable_server`` — a server on a fresh tiny store, one per test, for write tests;
* ``fixture_build`` — ``tests/fixtures/build`` built once per session (per xdist worker), for
  tests that only read the built store;
* :func:`rdf_document_graph` — the triples of an RDF HTTP response, whatever its syntax.

The suite runs in parallel (pytest-xdist, ``--dist loadfile``: one file's tests share one
worker, so module-wide servers start once); every server binds a free port of 127.0.0.1.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from coopgraph.config import CANONICAL_BASE, Sources
from coopgraph.store import OxigraphStore, open_store

BASE = CANONICAL_BASE
ADMIN_TOKEN = "test-admin-token"
GRAPH = {kind: f"{BASE}graph/{kind}" for kind in ("ontology", "shapes", "data", "links",
                                                   "inferred")}

TINY_TRIG = f"""
@prefix cg: <{BASE}ontology#> .
@prefix territory: <{BASE}id/territory/> .
@prefix actor: <{BASE}id/actor/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix igeo: <http://rdf.insee.fr/def/geo#> .
@prefix wd: <http://www.wikidata.org/entity/> .

<{GRAPH['ontology']}> {{
    cg:Territory a owl:Class ; rdfs:label "Territory"@en .
    cg:LocalGovernment a owl:Class ; rdfs:label "Local government"@en .
    cg:governs a owl:ObjectProperty ; rdfs:label "governs"@en .
}}

<{GRAPH['data']}> {{
    territory:matola a cg:Territory ; skos:prefLabel "Matola"@fr .
    territory:seine-saint-denis a cg:Territory ; skos:prefLabel "Seine-Saint-Denis"@fr .
    actor:cd93 a cg:LocalGovernment ;
        skos:prefLabel "Département de la Seine-Saint-Denis"@fr ;
        cg:governs territory:seine-saint-denis .
    actor:ville-de-matola a cg:LocalGovernment ;
        skos:prefLabel "Ville de Matola"@fr ;
        cg:governs territory:matola .
}}

<{GRAPH['links']}> {{
    territory:matola skos:exactMatch wd:Q1070977, <https://sws.geonames.org/1040652/> .
    territory:seine-saint-denis skos:exactMatch wd:Q12788 ;
        igeo:codeINSEE "93"^^cg:CodeDepartement .
}}
"""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load_tiny(store: OxigraphStore) -> OxigraphStore:
    """Load :data:`TINY_TRIG` into ``store``."""
    import pyoxigraph as ox

    store.load_quads(ox.parse(TINY_TRIG, ox.RdfFormat.TRIG))
    return store


@dataclass
class LiveServer:
    """A running app: ``url`` (no trailing slash), the Flask ``app`` and its ``store``."""

    url: str
    app: Any
    store: Any
    _server: Any
    _thread: threading.Thread

    def endpoint(self, path: str = "/sparql") -> str:
        """The absolute URL of ``path``."""
        return self.url + path

    def stop(self) -> None:
        """Stop serving, wait (bounded) for the thread, stop the app's query workers."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self.app.extensions["coopgraph"].close()


def start_server(config: dict[str, Any]) -> LiveServer:
    """Serve ``create_app(config)`` on a free loopback port in a daemon thread."""
    from werkzeug.serving import make_server

    from coopgraph.web import create_app

    settings = {"BASE": BASE, "ADMIN_TOKEN": ADMIN_TOKEN, "ACCESS_LOG": True,
                "WORKER_POOL_SIZE": 1} | config  # one warm query worker: cores are shared
    app = create_app(settings)
    server = make_server("127.0.0.1", 0, app, threaded=True)  # port 0: no race for a port
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True, name="live-server")
    thread.start()
    host, port = server.server_address[:2]
    return LiveServer(f"http://{host}:{port}", app, app.extensions["coopgraph"].store,
                      server, thread)


#: The small source tree of tests/fixtures/build (ontology, shapes, three data triples, a link).
FIXTURE_SOURCES = Path(__file__).parent / "fixtures" / "build"


def fixture_sources(root: Path = FIXTURE_SOURCES) -> Sources:
    """The build's :class:`Sources` for a copy (or the original) of the fixture tree."""
    return Sources(ontology=root / "ontology", shapes=root / "shapes", data=root / "data",
                   links=root / "data" / "links", queries=root / "queries")


@dataclass(frozen=True)
class FixtureBuild:
    """The fixture sources built once: the store link and the triples per named graph."""

    store: Path
    counts: dict[str, int]


@pytest.fixture(scope="session")
def fixture_build(tmp_path_factory: pytest.TempPathFactory) -> FixtureBuild:
    """``tests/fixtures/build`` built (validation off) once per session; read it, never write
    to it (tests that change sources or the store build their own)."""
    from coopgraph.build import build

    path = tmp_path_factory.mktemp("fixture-build") / "store"
    result = build(path, sources=fixture_sources(), validate=False, progress=lambda _: None)
    return FixtureBuild(path, dict(result.counts))


@pytest.fixture
def tiny_store() -> Iterator[OxigraphStore]:
    """A fresh in-memory store with the tiny dataset."""
    store = load_tiny(open_store(None))
    yield store
    store.close()


@pytest.fixture
def make_server() -> Iterator[Callable[[dict[str, Any]], LiveServer]]:
    """Factory: start servers with given settings; all are stopped at teardown."""
    started: list[LiveServer] = []

    def _make(config: dict[str, Any] | None = None) -> LiveServer:
        server = start_server(config or {})
        started.append(server)
        return server

    yield _make
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def live_server() -> Iterator[LiveServer]:
    """A module-wide server on its own tiny store (read-only use)."""
    store = load_tiny(open_store(None))
    server = start_server({"STORE": store})
    yield server
    server.stop()
    store.close()


@pytest.fixture
def writable_server(
    tiny_store: OxigraphStore, make_server: Callable[[dict[str, Any]], LiveServer]
) -> LiveServer:
    """A server on a fresh tiny store, for tests that write."""
    return make_server({"STORE": tiny_store})


class Listener:
    """A TCP listener on 127.0.0.1 counting connections: what must never be contacted.

    ``hold`` keeps accepted connections open and silent (a remote endpoint that hangs).
    """

    def __init__(self, *, hold: bool = False) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.connections = 0
        self.hold = hold
        self.held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:  # includes the accept time-out
                continue
            self.connections += 1
            if self.hold:
                self.held.append(conn)
            else:
                conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        for conn in self.held:
            conn.close()
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    """A loopback listener that a test asserts nobody connected to."""
    server = Listener()
    yield server
    server.close()


#: media type → the name of rdflib's parser for it.
RDFLIB_PARSERS = {"text/turtle": "turtle", "application/n-triples": "nt",
                  "application/ld+json": "json-ld", "application/rdf+xml": "xml",
                  "application/trig": "trig", "application/n-quads": "nquads"}


def rdf_document_graph(response: Any) -> Any:
    """The triples of an RDF ``requests`` response in any syntax (graph names dropped), read
    by rdflib's own parsers (not ours: they check what we write)."""
    from rdflib import Dataset, Graph

    media_type = response.headers["Content-Type"].split(";")[0]
    dataset = Dataset().parse(data=response.content, format=RDFLIB_PARSERS[media_type])
    graph = Graph()
    for s, p, o, _g in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


class AccessLog(list):
    """The access-log lines emitted while the fixture is active (``coopgraph.access``)."""

    def wait(self, count: int = 1, seconds: float = 5.0) -> None:
        """Wait (bounded) until ``count`` lines were logged: servers log after responding."""
        deadline = time.monotonic() + seconds
        while len(self) < count and time.monotonic() < deadline:
            time.sleep(0.01)


@pytest.fixture
def access_log() -> Iterator[AccessLog]:
    lines = AccessLog()

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    handler = Collect()
    logger = logging.getLogger("coopgraph.access")
    logger.addHandler(handler)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
