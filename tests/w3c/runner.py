"""Running W3C SPARQL 1.1 tests against any endpoint, through the standard protocols only.

An :class:`Endpoint` is three URLs (query, update, Graph Store) and an optional bearer
token; nothing here knows which server answers. Each test starts from an empty store
(``DROP ALL``), loads its data through the Graph Store HTTP Protocol (``PUT ?default`` /
``PUT ?graph=IRI``), runs its query or update over the SPARQL Protocol and judges the
answer with :mod:`tests.w3c.results`.

Tests share a store, so one store runs one test at a time; parallelism comes from
several servers (one store directory each), each driven by its own thread. The helpers
:func:`start_oxigraph` and :func:`start_coopgraph` launch such servers on free ports of
127.0.0.1 — the runner never sends traffic anywhere else, which is why tests whose
execution would make the server LOAD a remote document are recorded as not run.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import requests

from .manifest import NOT_APPLICABLE, W3CTest, load_all, local_path
from .results import (
    RDF_MEDIA,
    ResultSet,
    compare_graphs,
    compare_result_sets,
    parse_csv,
    parse_rdf,
    parse_rs_graph,
    parse_srj,
    parse_srx,
    parse_tsv,
    to_ntriples,
)

TIMEOUT = (5, 60)  # connect, read — a hung query fails its test, not the run

RESULT_MEDIA = {
    ".srx": "application/sparql-results+xml",
    ".srj": "application/sparql-results+json",
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
}
RESULT_PARSERS: dict[str, Callable[[bytes], ResultSet]] = {
    "application/sparql-results+xml": parse_srx,
    "application/xml": parse_srx,
    "application/sparql-results+json": parse_srj,
    "application/json": parse_srj,
    "text/csv": parse_csv,
    "text/tab-separated-values": parse_tsv,
}
RDF_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"


@dataclass(frozen=True)
class Endpoint:
    """A SPARQL service under test: query, update and Graph Store URLs, optional token."""

    query_url: str
    update_url: str
    store_url: str
    token: str | None = None
    label: str = ""

    def auth(self) -> dict[str, str]:
        """The ``Authorization`` header for writes (none when the server needs none)."""
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


@dataclass
class Outcome:
    """The verdict on one test: ``pass``, ``fail`` or ``not-run`` (with why)."""

    test: str
    manifest: str
    kind: str
    status: str
    reason: str = ""
    seconds: float = 0.0


class SetupError(Exception):
    """The endpoint refused to be cleared or loaded: the test cannot be judged."""


# ---------------------------------------------------------------------------------------
# text helpers


def read_text(iri: str) -> str:
    """A query/update file as text (BOM dropped)."""
    text = local_path(iri).read_bytes().decode("utf-8")
    return text[1:] if text.startswith("\ufeff") else text


def with_base(text: str, iri: str) -> str:
    """Prepend ``BASE <file IRI>`` so relative IRIs resolve as the suite intends.

    A BASE declaration may always open a Prologue, and a BASE inside the text still wins
    (resolved against ours), so this changes nothing but the otherwise server-chosen base.
    """
    return f"BASE <{iri}>\n{text}"


_STRIP = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*',
    re.S,
)


def strip_tokens(text: str) -> str:
    """The text without strings, IRIs and comments (so keywords can be found by regex)."""
    return _STRIP.sub(" ", text)


def query_form(text: str) -> str:
    """``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``: the first form keyword."""
    m = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", strip_tokens(text), re.I)
    return m.group(1).upper() if m else "SELECT"


def has_top_level_order_by(text: str) -> bool:
    """Whether ORDER BY appears outside every ``{}`` (a subquery's order does not count)."""
    depth = 0
    stripped = strip_tokens(text)
    for m in re.finditer(r"[{}]|\bORDER\s+BY\b", stripped, re.I):
        tok = m.group(0)
        if tok == "{":
            depth += 1
        elif tok == "}":
            depth -= 1
        elif depth == 0:
            return True
    return False


_REMOTE_LOAD = re.compile(r"\bLOAD\s+(?:SILENT\s+)?<(?!somescheme:)", re.I)


def remote_load(text: str) -> bool:
    """Whether executing the text would make the server fetch a document over the network."""
    return bool(_REMOTE_LOAD.search(re.sub(r"#[^\n]*", " ", text)))


def media_type(response: requests.Response) -> str:
    """The response's media type, lower-cased, without parameters."""
    return response.headers.get("Content-Type", "").split(";")[0].strip().lower()


def excerpt(response: requests.Response) -> str:
    """``HTTP <code>: <start of the body>`` for failure reasons (blank-node labels masked,
    so that the reasons recorded in baseline.json do not change from run to run)."""
    body = re.sub(r"_:[0-9A-Za-z]+", "_:b", " ".join(response.text.split()))[:160]
    return f"HTTP {response.status_code}: {body}"


# ---------------------------------------------------------------------------------------
# the client


_NT_CACHE: dict[str, bytes] = {}
_NT_LOCK = threading.Lock()


def ntriples_of(iri: str) -> bytes:
    """A suite data file as N-Triples (cached: many tests share their data)."""
    with _NT_LOCK:
        cached = _NT_CACHE.get(iri)
    if cached is None:
        path = local_path(iri)
        cached = to_ntriples(path.read_bytes(), RDF_MEDIA[path.suffix], iri)
        with _NT_LOCK:
            _NT_CACHE[iri] = cached
    return cached


def expected_graph(files: Iterable[str]):
    """The union of some suite RDF files, as an rdflib graph of exact terms."""
    from rdflib import Graph

    g = Graph()
    for iri in files:
        path = local_path(iri)
        g += parse_rdf(path.read_bytes(), RDF_MEDIA[path.suffix], iri)
    return g


class Client:
    """One HTTP session against one endpoint (one per worker thread)."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.ep = endpoint
        self.http = requests.Session()

    def close(self) -> None:
        """Release the session's connections."""
        self.http.close()

    def update(self, text: str, params: dict | None = None) -> requests.Response:
        """An update via POST, ``application/sparql-update`` (the direct form)."""
        return self.http.post(
            self.ep.update_url,
            params=params,
            data=text.encode("utf-8"),
            headers={"Content-Type": "application/sparql-update; charset=utf-8", **self.ep.auth()},
            timeout=TIMEOUT,
        )

    def query(self, text: str, accept: str) -> requests.Response:
        """A query via POST, ``application/sparql-query`` (the direct form)."""
        return self.http.post(
            self.ep.query_url,
            data=text.encode("utf-8"),
            headers={"Content-Type": "application/sparql-query; charset=utf-8", "Accept": accept},
            timeout=TIMEOUT,
        )

    def clear(self) -> None:
        """Empty the whole store: every test starts from nothing."""
        r = self.update("DROP ALL")
        if not r.ok:
            raise SetupError(f"DROP ALL refused: {excerpt(r)}")

    def _store_url(self, graph: str | None) -> str:
        sep = "&" if "?" in self.ep.store_url else "?"
        if graph is None:
            return f"{self.ep.store_url}{sep}default"
        return f"{self.ep.store_url}{sep}graph={quote(graph, safe='')}"

    def put_graph(self, graph: str | None, ntriples: bytes) -> None:
        """Graph Store Protocol PUT of one graph (``None`` = the default graph)."""
        r = self.http.put(
            self._store_url(graph),
            data=ntriples,
            headers={"Content-Type": "application/n-triples", **self.ep.auth()},
            timeout=TIMEOUT,
        )
        if not r.ok:
            raise SetupError(f"GSP PUT {graph or 'default'} refused: {excerpt(r)}")

    def get_graph(self, graph: str | None):
        """Graph Store Protocol GET of one graph; a missing named graph reads as empty."""
        from rdflib import Graph

        r = self.http.get(self._store_url(graph), headers={"Accept": RDF_ACCEPT}, timeout=TIMEOUT)
        if r.status_code == 404 and graph is not None:
            return Graph()
        if not r.ok:
            raise SetupError(f"GSP GET {graph or 'default'} refused: {excerpt(r)}")
        return parse_rdf(r.content, media_type(r) or "application/n-triples")

    def nonempty_graphs(self) -> set[str]:
        """The names of the named graphs holding at least one triple."""
        r = self.query(
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "application/sparql-results+json"
        )
        if not r.ok:
            raise SetupError(f"listing graphs failed: {excerpt(r)}")
        return {str(row["g"]) for row in parse_srj(r.content).rows}

    def load(self, data: list[str], graph_data: Iterable) -> None:
        """Load a test's dataset: ``data`` files merged into the default graph, the rest named."""
        if data:
            self.put_graph(None, b"".join(ntriples_of(d) for d in data))
        by_name: dict[str, list[str]] = {}
        for gd in graph_data:
            by_name.setdefault(gd.name, []).append(gd.file)
        for name, files in by_name.items():
            self.put_graph(name, b"".join(ntriples_of(f) for f in files))


# ---------------------------------------------------------------------------------------
# judging one test


def run_syntax(client: Client, test: W3CTest) -> tuple[str, str]:
    """Positive: not refused (no 4xx: a 5xx is an evaluation error after a successful parse).

    Negative: exactly 400, the status the SPARQL Protocol gives to a malformed request.
    """
    text = read_text(test.action_file)
    if test.positive and remote_load(text):
        return "not-run", "executing it would make the server LOAD a remote IRI"
    body = with_base(text, test.action_file)
    if test.operation == "query":
        r = client.query(body, "application/sparql-results+json, " + RDF_ACCEPT + ", */*;q=0.1")
    else:
        client.clear()  # an update's outcome may depend on what the store holds
        r = client.update(body)
    if test.positive:
        ok = not 400 <= r.status_code < 500
        return ("pass", "") if ok else ("fail", "valid text rejected: " + excerpt(r))
    if r.status_code == 400:
        return "pass", ""
    return "fail", f"invalid text not rejected with 400: {excerpt(r)}"


def _actual_results(r: requests.Response, requested: str) -> ResultSet:
    mt = media_type(r) or requested
    parser = RESULT_PARSERS.get(mt)
    if parser is None:
        raise ValueError(f"unexpected results media type {mt!r}")
    return parser(r.content)


def run_query_eval(client: Client, test: W3CTest) -> tuple[str, str]:
    """Load the dataset, run the query, compare with the expected results."""
    client.clear()
    client.load(test.data, test.graph_data)
    text = read_text(test.action_file)
    form = query_form(text)
    suffix = Path(test.result_file).suffix
    result_path = local_path(test.result_file)
    if form in ("CONSTRUCT", "DESCRIBE"):
        r = client.query(with_base(text, test.action_file), RDF_ACCEPT)
        if not r.ok:
            return "fail", excerpt(r)
        actual = parse_rdf(r.content, media_type(r) or "application/n-triples")
        expected = parse_rdf(result_path.read_bytes(), RDF_MEDIA[suffix], test.result_file)
        reason = compare_graphs(expected, actual)
        return ("pass", "") if reason is None else ("fail", reason)
    accept = RESULT_MEDIA.get(suffix, "application/sparql-results+json")
    r = client.query(with_base(text, test.action_file), accept)
    if not r.ok:
        return "fail", excerpt(r)
    actual_rs = _actual_results(r, accept)
    if suffix in RESULT_MEDIA:
        expected_rs = RESULT_PARSERS[RESULT_MEDIA[suffix]](result_path.read_bytes())
    else:
        expected_rs = parse_rs_graph(
            parse_rdf(result_path.read_bytes(), RDF_MEDIA[suffix], test.result_file)
        )
    if suffix in (".csv", ".tsv") and media_type(r) != accept:
        return "fail", f"asked for {accept}, got {media_type(r)!r}"
    reason = compare_result_sets(expected_rs, actual_rs, has_top_level_order_by(text))
    return ("pass", "") if reason is None else ("fail", reason)


def run_update_eval(client: Client, test: W3CTest) -> tuple[str, str]:
    """Load, update, then read every graph back through the Graph Store Protocol."""
    text = read_text(test.action_file)
    if remote_load(text):
        return "not-run", "executing it would make the server LOAD a remote IRI"
    client.clear()
    client.load(test.data, test.graph_data)
    r = client.update(with_base(text, test.action_file))
    if not r.ok:
        return "fail", "update failed: " + excerpt(r)
    reason = compare_graphs(expected_graph(test.result_data), client.get_graph(None))
    if reason:
        return "fail", "default graph: " + reason
    expected_names: dict[str, list[str]] = {}
    for gd in test.result_graph_data:
        expected_names.setdefault(gd.name, []).append(gd.file)
    for name, files in expected_names.items():
        reason = compare_graphs(expected_graph(files), client.get_graph(name))
        if reason:
            return "fail", f"graph <{name}>: {reason}"
    extra = client.nonempty_graphs() - set(expected_names)
    if extra:
        return "fail", f"unexpected non-empty graphs: {sorted(extra)}"
    return "pass", ""


SD = "http://www.w3.org/ns/sparql-service-description#"
SD_LANGUAGES = {SD + "SPARQL10Query", SD + "SPARQL11Query", SD + "SPARQL11Update"}


def run_service_description(client: Client, test: W3CTest) -> tuple[str, str]:
    """The three prose tests of ``service-description/``, checked mechanically.

    ``returns-rdf``: a GET on the query endpoint without a query answers 2xx with RDF.
    ``has-endpoint-triple``: that RDF holds ``?service sd:endpoint <query URL>``.
    ``conforms-to-schema``: every ``sd:Service`` has an ``sd:endpoint`` and at least one
    ``sd:supportedLanguage``, all among the three languages the vocabulary defines.
    """
    from rdflib import RDF, URIRef

    r = client.http.get(client.ep.query_url, headers={"Accept": RDF_ACCEPT}, timeout=TIMEOUT)
    if not r.ok:
        return "fail", "GET on the endpoint: " + excerpt(r)
    g = parse_rdf(r.content, media_type(r) or "text/turtle", client.ep.query_url)
    name = test.iri.rsplit("#", 1)[-1]
    if name == "returns-rdf":
        return ("pass", "") if len(g) else ("fail", "empty description")
    if name == "has-endpoint-triple":
        if (None, URIRef(SD + "endpoint"), URIRef(client.ep.query_url)) in g:
            return "pass", ""
        found = sorted(str(o) for o in g.objects(None, URIRef(SD + "endpoint")))
        return "fail", f"no sd:endpoint <{client.ep.query_url}>; found {found}"
    services = set(g.subjects(RDF.type, URIRef(SD + "Service")))
    if not services:
        return "fail", "no sd:Service"
    for service in services:
        if g.value(service, URIRef(SD + "endpoint")) is None:
            return "fail", "an sd:Service without sd:endpoint"
        langs = {str(o) for o in g.objects(service, URIRef(SD + "supportedLanguage"))}
        if not langs or not langs <= SD_LANGUAGES:
            return "fail", f"sd:supportedLanguage {sorted(langs)}"
    return "pass", ""


def run_one(client: Client, test: W3CTest) -> Outcome:
    """Execute and judge one test; never raises (errors become failures with a reason)."""
    from .protocol import run_protocol

    started = time.monotonic()
    runners = {
        "syntax": run_syntax,
        "query-eval": run_query_eval,
        "update-eval": run_update_eval,
        "protocol": run_protocol,
        "gsp": run_protocol,
        "service-description": run_service_description,
    }
    runner = runners.get(test.kind)
    try:
        if runner is None:
            status, reason = "not-run", f"test type {test.kind} not run by this runner"
        else:
            status, reason = runner(client, test)
    except SetupError as exc:
        status, reason = "fail", f"setup: {exc}"
    except requests.RequestException as exc:
        status, reason = "fail", f"HTTP error: {type(exc).__name__}: {exc}"[:300]
    except Exception as exc:  # noqa: BLE001 - a broken answer is the endpoint's failure
        status, reason = "fail", f"unreadable answer: {type(exc).__name__}: {exc}"[:300]
    return Outcome(
        test.short_id, test.manifest, test.kind, status, reason, time.monotonic() - started
    )


# ---------------------------------------------------------------------------------------
# suites


def applicable_tests(kinds: Iterable[str] | None = None) -> list[W3CTest]:
    """Every test of every applicable manifest (``kinds`` filters by test kind)."""
    wanted = set(kinds) if kinds else None
    tests = []
    for folder, entries in load_all().items():
        if folder in NOT_APPLICABLE:
            continue
        tests.extend(t for t in entries if wanted is None or t.kind in wanted)
    return tests


def run_suite(endpoints: list[Endpoint], tests: list[W3CTest]) -> list[Outcome]:
    """Run ``tests`` spread over ``endpoints`` (one thread each); outcomes in test order."""
    todo: queue.Queue[tuple[int, W3CTest]] = queue.Queue()
    # HTTP-exchange tests first: they are sequences of requests, the longest single items
    order = sorted(range(len(tests)), key=lambda i: tests[i].kind not in ("protocol", "gsp"))
    for i in order:
        todo.put((i, tests[i]))
    outcomes: list[Outcome | None] = [None] * len(tests)

    def work(endpoint: Endpoint) -> None:
        client = Client(endpoint)
        try:
            while True:
                try:
                    i, test = todo.get_nowait()
                except queue.Empty:
                    return
                outcomes[i] = run_one(client, test)
        finally:
            client.close()

    threads = [threading.Thread(target=work, args=(ep,), daemon=True) for ep in endpoints]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [o for o in outcomes if o is not None]


# ---------------------------------------------------------------------------------------
# servers


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A server process started for the run, with its endpoint and where it logs."""

    endpoint: Endpoint
    process: subprocess.Popen
    log: Path
    workdir: Path = field(repr=False)

    def stop(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL) and drop its store."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        shutil.rmtree(self.workdir, ignore_errors=True)


def _wait_ready(server: Server, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            r = requests.get(server.endpoint.query_url, params={"query": "ASK {}"}, timeout=5)
            if r.ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    log = server.log.read_text(errors="replace")[-2000:] if server.log.exists() else ""
    server.stop()
    raise RuntimeError(f"{server.endpoint.label} did not start; log tail:\n{log}")


def _bin(name: str) -> str:
    """A console script of the running virtualenv (falls back to PATH)."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else (shutil.which(name) or name)


def start_oxigraph() -> Server:
    """``oxigraph serve`` on a fresh store directory and a free port (no auth)."""
    workdir = Path(tempfile.mkdtemp(prefix="w3c-oxigraph-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = workdir / "server.log"
    cmd = [_bin("oxigraph"), "serve", "--location", str(workdir / "store"),
           "--bind", f"127.0.0.1:{port}"]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    ep = Endpoint(f"{base}/query", f"{base}/update", f"{base}/store", None, "oxigraph serve")
    server = Server(ep, proc, log, workdir)
    _wait_ready(server)
    return server


def start_coopgraph(token: str = "w3c-test-token") -> Server:
    """``coopgraph serve`` on a fresh empty store, separate default graph, admin token set.

    ``--allow-curated-writes``: the suite empties the store with ``DROP ALL`` and tests
    ``CLEAR ALL`` / ``DROP NAMED``, which the server otherwise refuses because they would
    reach the curated graphs; here the store is a throwaway directory.
    """
    workdir = Path(tempfile.mkdtemp(prefix="w3c-coopgraph-"))
    store = workdir / "store"
    store.mkdir()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = workdir / "server.log"
    cmd = [_bin("coopgraph"), "serve", "--store", str(store), "--no-union-default-graph",
           "--allow-curated-writes",
           "--host", "127.0.0.1", "--port", str(port)]
    env = {**os.environ, "COOPGRAPH_ADMIN_TOKEN": token}
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    ep = Endpoint(f"{base}/sparql", f"{base}/update", f"{base}/store", token, "coopgraph serve")
    server = Server(ep, proc, log, workdir)
    _wait_ready(server)
    return server


@contextmanager
def servers(start: Callable[[], Server], count: int) -> Iterator[list[Server]]:
    """``count`` servers started by ``start``, stopped on exit whatever happens."""
    started: list[Server] = []
    try:
        for _ in range(count):
            started.append(start())
        yield started
    finally:
        for s in started:
            s.stop()
