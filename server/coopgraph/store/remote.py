"""A :class:`~coopgraph.store.Store` on a remote SPARQL 1.1 engine (Oxigraph server, Virtuoso,
Fuseki, GraphDB, ...), spoken to over HTTP only.

Why: organisations that already run a triple store want coopgraph on top of it. Everything
above the :class:`Store` interface (build, executor, web layer) stays the same; this module
translates each call to the standard protocols:

* queries: SPARQL 1.1 Protocol (POST, form-encoded), results streamed from the HTTP response
  through pyoxigraph's result parser and serialiser (never held whole in Python), so every
  engine's answer is written in the same syntax as the embedded store's;
* updates: SPARQL 1.1 Update;
* graph load and replace: the Graph Store Protocol (PUT/POST of N-Triples) when ``gsp_url``
  is given, else SPARQL Update (``INSERT DATA``); drop: ``DROP GRAPH``; dump: ``CONSTRUCT``
  (both standard everywhere, so they need no GSP).

**The dataset is the same whatever the engine.** Engines disagree about the default graph
(Oxigraph: a real, separate graph; Virtuoso: the union of *every* graph, its system graphs
included). coopgraph's dataset is the set of *scoped* named graphs (IRIs under
``graph_prefixes``, by default the deployment's base IRI), and a query is sent with that set
as both ``default-graph-uri`` (the union default graph) and ``named-graph-uri`` (what ``GRAPH
?g`` ranges over), unless the query or the request names its own dataset. Graphs outside the
scope (an engine's system graphs, other applications' data, the temporary graphs of a running
build) are invisible. The list of scoped graphs is cached for ``graphs_ttl_s`` and refreshed
after every write made through this store (other coopgraph servers sharing the engine see a
new graph within ``graphs_ttl_s``).

**The engine's own union, opt-in** (``engine_union``, ``--engine-union``; Oxigraph server
started with ``--union-default-graph`` only): an engine evaluates its built-in union faster
than an explicit list of graphs, so a query without ``FROM``, protocol dataset or the word
``GRAPH`` is then sent with no dataset at all, and every graph on the engine (not only the
scoped ones) is visible to it; docs/deployment.md states the price.

Credentials live only in the ``requests`` auth object: :func:`repr` of the store, of its
settings and every error message name the URLs and the user, never the password or token.
"""

from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any
from urllib.parse import urlsplit

import pyoxigraph as ox
import requests
from requests.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth

from .. import config
from ..formats import RDF_FORMATS, RESULT_FORMATS
from .base import (
    BlankNode,
    Literal,
    NamedNode,
    QueryResult,
    QuerySyntaxError,
    ResultKind,
    Store,
    StoreError,
    Term,
    Triple,
)
from .oxigraph import OxigraphResult, _term

AUTH_KINDS = ("basic", "digest", "bearer")

#: What each engine needs beyond the standards: a per-query timeout parameter (name, unit).
ENGINES: dict[str, dict[str, Any]] = {
    "generic": {"timeout_param": None},
    "oxigraph": {
        "timeout_param": None,  # only a server-wide --timeout-s
        # It keeps a list of named graphs (empty ones too): no scan of every quad.
        "graphs_pattern": "GRAPH ?g { }",
        # `oxigraph serve --union-default-graph`: its default graph is then the union of all
        # its graphs, which --engine-union uses (faster than a list of graphs).
        "union_default_graph": True,
    },
    "virtuoso": {
        "timeout_param": ("timeout", 1000),  # milliseconds
        # Its blank node labels ("nodeID://b1001") are not valid SPARQL results labels.
        "rewrite": (b'"type": "bnode", "value": "nodeID://', b'"type": "bnode", "value": "'),
        # Its ASK answers true for GRAPH <g> when g is not among the named-graph-uri (Virtuoso
        # 7.2: `ASK { GRAPH <urn:none> { ?s ?p ?o } }` with any named graph given), while
        # `SELECT *` of the same pattern has no solution: ASK is sent as that SELECT. (A
        # projection without the pattern's variables, or a pattern without variables, gets
        # a row there too: docs/deployment.md, Virtuoso's deviations.)
        "ask_as_select": True,
        "why_no_union": "Virtuoso's default graph is every graph it holds, its system graphs "
                        "included",
    },
    "fuseki": {
        "timeout_param": ("timeout", 1),  # seconds
        "why_no_union": "Fuseki's union default graph (tdb2:unionDefaultGraph) is not tested "
                        "with coopgraph",
    },
}

#: A graph that no engine holds: the dataset of a query when no scoped graph exists yet
#: (an empty list of ``default-graph-uri`` would mean "the engine's default" instead).
EMPTY_GRAPH = "urn:coopgraph:no-graph"

#: A query without this word cannot range over named graphs (GRAPH ?g): no list to send.
_GRAPH_KEYWORD = re.compile(r"\bGRAPH\b", re.IGNORECASE)

#: The prologue (comments, BASE, PREFIX) and the ASK keyword of an ASK query.
_ASK = re.compile(
    r"\A((?:\s+|#[^\n]*(?:\n|\Z)|PREFIX\s*[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)*)ASK\b",
    re.IGNORECASE,
)

#: pyoxigraph's own boolean results, for an ASK answered through a SELECT.
_BOOLEANS = {
    value: ox.parse_query_results(
        f'{{"head": {{}}, "boolean": {str(value).lower()}}}'.encode(),
        ox.QueryResultsFormat.JSON)
    for value in (True, False)
}


def _ask_as_select(text: str) -> str | None:
    """The ASK query as ``SELECT *`` (same dataset, pattern and modifiers), whose first
    solution is the answer; None when the ASK keyword is not found after the prologue, or
    with GROUP BY (where ``SELECT *`` is not allowed)."""
    match = _ASK.match(text)
    if match is None or re.search(r"\bGROUP\s+BY\b", text, re.IGNORECASE):
        return None
    return f"{match.group(1)}SELECT *{text[match.end():]}"


_RESULTS_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.9"
_RDF_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
_CHUNK = 64 * 1024


def _triple(t: ox.Triple) -> Triple:
    """An engine-neutral copy of a pyoxigraph triple."""
    subject, predicate = _term(t.subject), _term(t.predicate)
    if isinstance(subject, Literal) or not isinstance(predicate, NamedNode):
        raise StoreError(f"not an RDF triple: {t}")
    return Triple(subject, predicate, _term(t.object))


class _Bearer(AuthBase):
    """``Authorization: Bearer <token>``; repr never shows the token."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "<bearer token>"


@dataclass(frozen=True)
class RemoteSettings:
    """Where the engine is and how to reach it; ``password`` is never shown by repr."""

    query_url: str
    update_url: str | None = None
    gsp_url: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    auth: str | None = None  # basic | digest | bearer (None: basic when a user is given)
    engine: str = "generic"
    graph_prefixes: tuple[str, ...] = ()  # default: (config.base_iri(),)
    timeout_s: float = 30.0  # per query (the executor's limit); the engine gets a bit more
    graphs_ttl_s: float = 2.0
    engine_union: bool = False  # the engine's own union default graph answers (module doc)

    def __post_init__(self) -> None:
        for name in ("query_url", "update_url", "gsp_url"):
            url = getattr(self, name)
            if url is None:
                continue
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise StoreError(f"{name.replace('_', '-')} must be an http(s) URL")
            if parts.username or parts.password:
                # Never echo the URL: it holds a secret.
                raise StoreError(f"{name.replace('_', '-')} must not contain credentials; "
                                 "use --user and COOPGRAPH_PASSWORD")
        if self.auth is not None and self.auth not in AUTH_KINDS:
            raise StoreError(f"auth must be one of {', '.join(AUTH_KINDS)}")
        if self.engine not in ENGINES:
            raise StoreError(f"engine must be one of {', '.join(ENGINES)}")
        if self.engine_union and not ENGINES[self.engine].get("union_default_graph"):
            raise StoreError(
                f"--engine-union is refused for --engine {self.engine}: it needs an engine "
                "whose default graph can be the union of its named graphs (--engine oxigraph, "
                "Oxigraph server started with --union-default-graph); "
                + ENGINES[self.engine].get("why_no_union", "this engine's default graph is "
                                           "unknown to coopgraph"))
        if self.auth == "bearer" and not self.password:
            raise StoreError("bearer auth needs a token (COOPGRAPH_PASSWORD)")
        if self.auth in ("basic", "digest") and not self.user:
            raise StoreError(f"{self.auth} auth needs --user")

    def requests_auth(self) -> AuthBase | None:
        """The auth object for requests (the only holder of the secret)."""
        kind = self.auth or ("basic" if self.user else None)
        if kind == "bearer":
            return _Bearer(self.password or "")
        if kind == "digest":
            return HTTPDigestAuth(self.user or "", self.password or "")
        if kind == "basic":
            return HTTPBasicAuth(self.user or "", self.password or "")
        return None


def _short(text: str, limit: int = 300) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[:limit] + "…"


def _iri(iri: str) -> str:
    if any(c in iri for c in '<>"{}|^`\\ \n'):
        raise StoreError(f"not a valid IRI: {iri!r}")
    return f"<{iri}>"


class _Rewriter:
    """A file-like reader over ``raw`` replacing one byte string by another, streamed (a match
    split between two reads is still found: the last ``len(old) - 1`` bytes wait)."""

    def __init__(self, raw: Any, old: bytes, new: bytes) -> None:
        self._raw, self._old, self._new = raw, old, new
        self._pending = b""
        self._eof = False

    def read(self, size: int = -1) -> bytes:
        while not self._eof and (size < 0 or len(self._pending) < size + len(self._old)):
            data = self._raw.read(_CHUNK)
            if not data:
                self._eof = True
            self._pending += data
        text = self._pending.replace(self._old, self._new)
        keep = 0 if self._eof else len(self._old) - 1
        cut = len(text) - keep if size < 0 else min(size, len(text) - keep)
        out, self._pending = text[:max(cut, 0)], text[max(cut, 0):]
        return out


class RemoteQueryResult(OxigraphResult):
    """A result read lazily from an HTTP response (through pyoxigraph's parsers), given as
    engine-neutral terms; the response is closed once consumed, or by :meth:`close`. Reading
    pyoxigraph's result objects is :class:`OxigraphResult`'s job; this adds the response."""

    def __init__(self, kind: ResultKind, raw: Any, response: requests.Response) -> None:
        super().__init__(kind, raw)
        self._response = response

    @property
    def boolean(self) -> bool:
        try:
            return bool(self._raw)
        finally:
            self.close()

    def serialize(self, output: IO[bytes], media_type: str) -> None:
        try:
            if self.kind == "graph":
                ox.serialize(self._ox_triples(), output, RDF_FORMATS[media_type])
            else:
                self._raw.serialize(output, RESULT_FORMATS[media_type])
        except (SyntaxError, ValueError, OSError) as exc:
            raise StoreError(f"the engine's answer could not be read: {exc}") from exc
        finally:
            self.close()

    def rows(self) -> Iterator[dict[str, Term | None]]:
        try:
            yield from super().rows()
        except SyntaxError as exc:
            raise StoreError(f"the engine's answer could not be read: {exc}") from exc
        finally:
            self.close()

    def _ox_triples(self) -> Iterator[ox.Triple]:
        for quad in self._raw:
            yield quad.triple if isinstance(quad, ox.Quad) else quad

    def triples(self) -> Iterator[Triple]:
        try:
            for t in self._ox_triples():
                yield _triple(t)
        except SyntaxError as exc:
            raise StoreError(f"the engine's answer could not be read: {exc}") from exc
        finally:
            self.close()

    def close(self) -> None:
        """Release the HTTP connection (also when the consumer stops early)."""
        self._response.close()


class RemoteStore(Store):
    """A remote SPARQL 1.1 engine behind the :class:`Store` interface (see the module doc)."""

    path = None
    #: Other applications (and other coopgraph servers) may write to the engine directly,
    #: so no write counter here knows when its answers change: the result cache is off on
    #: this backend unless ``RESULT_CACHE_REMOTE_TTL`` bounds how long an answer is reused.
    sees_all_writes = False

    def __init__(self, settings: RemoteSettings, *, base: str | None = None,
                 read_only: bool = False) -> None:
        self.settings = settings
        self.read_only = read_only
        self.prefixes = settings.graph_prefixes or (base or config.base_iri(),)
        self._http = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=32)
        self._http.mount("http://", adapter)
        self._http.mount("https://", adapter)
        self._http.auth = settings.requests_auth()
        self._graphs: tuple[float, list[str]] | None = None
        self._graphs_lock = threading.Lock()

    def __repr__(self) -> str:
        user = f" as {self.settings.user}" if self.settings.user else ""
        return f"<RemoteStore {self.settings.query_url}{user}>"

    # -- HTTP

    def _post(self, url: str | None, what: str, *, data: Any, headers: dict[str, str],
              stream: bool = False, timeout: float | None = None) -> requests.Response:
        if url is None:
            raise StoreError(f"no {what} URL configured for the remote engine")
        try:
            response = self._http.post(url, data=data, headers=headers, stream=stream,
                                       timeout=(10, timeout or max(60.0, self.settings.timeout_s)))
        except requests.RequestException as exc:
            raise StoreError(f"the SPARQL engine at {url} did not answer ({type(exc).__name__})"
                             ) from None
        return response

    def _fail(self, response: requests.Response, what: str) -> None:
        """Raise the error of a non-2xx answer (the engine's message, shortened)."""
        if response.ok:
            return
        try:
            body = response.text
        finally:
            response.close()
        if response.status_code in (401, 403):
            raise StoreError(f"the SPARQL engine refused the {what} ({response.status_code}): "
                             "check the user, password and auth kind")
        if response.status_code == 400:
            raise QuerySyntaxError(_short(body) or "the engine refused the request")
        raise StoreError(f"the SPARQL engine failed on the {what} "
                         f"({response.status_code}): {_short(body)}")

    # -- graphs in scope

    def _in_scope(self, iri: str) -> bool:
        return iri.startswith(self.prefixes)

    def _list_graphs(self) -> list[str]:
        filters = " || ".join(f'STRSTARTS(STR(?g), "{p}")' for p in self.prefixes)
        pattern = ENGINES[self.settings.engine].get("graphs_pattern", "GRAPH ?g { ?s ?p ?o }")
        text = f"SELECT DISTINCT ?g WHERE {{ {pattern} FILTER({filters}) }}"
        result = self._select(text, {})
        graphs = [row["g"].value for row in result.rows() if isinstance(row["g"], NamedNode)]
        return sorted(g for g in graphs if self._in_scope(g))

    def named_graphs(self) -> list[str]:
        with self._graphs_lock:
            cached = self._graphs
            if cached is not None and time.monotonic() - cached[0] < self.settings.graphs_ttl_s:
                return list(cached[1])
        graphs = self._list_graphs()
        with self._graphs_lock:
            self._graphs = (time.monotonic(), graphs)
        return list(graphs)

    def _forget_graphs(self) -> None:
        with self._graphs_lock:
            self._graphs = None

    # -- queries

    def _dataset(self, sparql: str, union_default_graph: bool, default_graphs: list[str] | None,
                 named_graphs: list[str] | None, base_iri: str | None) -> dict[str, list[str]]:
        """The protocol's dataset parameters giving the embedded store's answers."""
        union = self.settings.engine_union
        if not default_graphs and not named_graphs:
            own = _analyse(sparql, base_iri).from_graphs
            if own and not union:
                return {}  # the query's own FROM / FROM NAMED
            if own:
                # Oxigraph server started with --union-default-graph ignores a query's FROM
                # (0.5.13: `SELECT * FROM <g> {...}` ranges over every graph), but honours the
                # protocol's dataset, which replaces the query's (SPARQL 1.1 Protocol 2.1.4):
                # the query's own dataset, sent as the protocol's.
                return {
                    "default-graph-uri": [r.iri for r in own if r.keyword == "FROM" and r.iri]
                    or [EMPTY_GRAPH],
                    "named-graph-uri": [r.iri for r in own if r.keyword == "FROM NAMED"
                                        and r.iri] or [EMPTY_GRAPH],
                }
            if union and union_default_graph and not _GRAPH_KEYWORD.search(sparql):
                return {}  # the engine's union default graph answers
        scoped = self.named_graphs() or [EMPTY_GRAPH]
        params: dict[str, list[str]] = {}
        if named_graphs:
            params["named-graph-uri"] = named_graphs
        elif _GRAPH_KEYWORD.search(sparql):
            # Only a query that can name a graph needs the list (it costs the engine: on
            # Oxigraph server ~25 % more time on a heavy join); a false match only costs time.
            params["named-graph-uri"] = scoped
        # A named-graph-uri empties Oxigraph's union default graph, and the server refuses
        # its union with a list of named graphs: a query that names graphs gets both lists.
        if default_graphs:
            params["default-graph-uri"] = default_graphs
        elif union_default_graph:
            params["default-graph-uri"] = scoped
        elif union:
            params["default-graph-uri"] = [EMPTY_GRAPH]  # not the engine's union: empty
        return params

    def _query_params(self, text: str, dataset: dict[str, list[str]]) -> list[tuple[str, str]]:
        params = [("query", text)]
        for name, graphs in dataset.items():
            params += [(name, g) for g in graphs]
        timeout = ENGINES[self.settings.engine]["timeout_param"]
        if timeout is not None:
            name, scale = timeout
            # A little more than our own limit: ours answers 503 first, the engine then stops.
            params.append((name, str(int((self.settings.timeout_s + 1) * scale))))
        return params

    def _select(self, text: str, dataset: dict[str, list[str]]) -> QueryResult:
        return self._run(text, "SELECT", dataset)

    def _run(self, text: str, form: str, dataset: dict[str, list[str]]) -> QueryResult:
        graph = form in ("CONSTRUCT", "DESCRIBE")
        response = self._post(
            self.settings.query_url, "query", data=self._query_params(text, dataset),
            headers={"Accept": _RDF_ACCEPT if graph else _RESULTS_ACCEPT}, stream=True,
            timeout=self.settings.timeout_s + 5,
        )
        self._fail(response, "query")
        if response.headers.get("X-SQL-State", "").startswith("S1T"):
            # Virtuoso's "anytime" answer: partial results when its time limit hit.
            response.close()
            raise StoreError("the engine stopped the query at its time limit")
        media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        response.raw.decode_content = True
        body: Any = response.raw
        rewrite = ENGINES[self.settings.engine].get("rewrite")
        if rewrite is not None:
            body = _Rewriter(body, *rewrite)
        try:
            if graph:
                rdf_format = ox.RdfFormat.from_media_type(media) if media else None
                if rdf_format is None:
                    raise StoreError(f"the engine answered a {form} with {media or 'no type'}")
                return RemoteQueryResult("graph", ox.parse(body, rdf_format), response)
            results_format = ox.QueryResultsFormat.from_media_type(media) if media else None
            if results_format is None:
                raise StoreError(f"the engine answered a {form} with {media or 'no type'}")
            raw = ox.parse_query_results(body, results_format)
        except SyntaxError as exc:
            response.close()
            raise StoreError(f"the engine's answer could not be read: {exc}") from exc
        except BaseException:
            response.close()
            raise
        kind: ResultKind = "boolean" if isinstance(raw, ox.QueryBoolean) else "bindings"
        return RemoteQueryResult(kind, raw, response)

    def query(
        self,
        sparql: str,
        *,
        union_default_graph: bool = True,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        _parse_check(sparql, base_iri)
        form = _analyse(sparql, base_iri).form or "SELECT"
        dataset = self._dataset(sparql, union_default_graph, default_graphs, named_graphs,
                                base_iri)
        text = f"BASE <{base_iri}>\n{sparql}" if base_iri else sparql
        if form == "ASK" and ENGINES[self.settings.engine].get("ask_as_select"):
            select = _ask_as_select(text)
            if select is not None:
                solutions = self._run(select, "SELECT", dataset)
                assert isinstance(solutions, RemoteQueryResult)
                try:
                    found = next(iter(solutions.rows()), None) is not None
                finally:
                    solutions.close()
                return OxigraphResult("boolean", _BOOLEANS[found])
        return self._run(text, form, dataset)

    # -- writes

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError("the store is open read-only")

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        self._writable()
        text = f"BASE <{base_iri}>\n{sparql}" if base_iri else sparql
        try:
            response = self._post(self.settings.update_url, "update", data={"update": text},
                                  headers={"Accept": "*/*"})
            self._fail(response, "update")
            response.close()
        finally:
            self._forget_graphs()

    def _gsp(self, method: str, graph: str, *, data: bytes | None = None,
             media_type: str | None = None, accept: str | None = None,
             stream: bool = False) -> requests.Response:
        assert self.settings.gsp_url is not None
        params = {"default": ""} if graph == "" else {"graph": graph}
        headers = {}
        if media_type:
            headers["Content-Type"] = media_type
        if accept:
            headers["Accept"] = accept
        try:
            return self._http.request(method, self.settings.gsp_url, params=params, data=data,
                                      headers=headers, stream=stream,
                                      timeout=(10, max(300.0, self.settings.timeout_s)))
        except requests.RequestException as exc:
            raise StoreError(f"the Graph Store at {self.settings.gsp_url} did not answer "
                             f"({type(exc).__name__})") from None

    @staticmethod
    def _parse(data: bytes | str, media_type: str) -> list[Triple]:
        """Parse as the embedded store does (same checks, same messages), before anything
        is sent to the engine."""
        from ..rdfio import UnsafeRdfError, check_literals, check_safe

        fmt = RDF_FORMATS.get(media_type)
        if fmt is None:
            raise StoreError(f"unsupported RDF media type: {media_type}")
        try:
            check_safe(data, fmt)
            triples = [q.triple for q in ox.parse(data, fmt)]
            check_literals(triples)
        except (UnsafeRdfError, SyntaxError) as exc:
            raise QuerySyntaxError(str(exc)) from exc
        return [_triple(t) for t in triples]

    def replace_graph(
        self, graph: str, data: bytes | str, media_type: str = "text/turtle",
        *, before_commit: Callable[[], None] | None = None,
    ) -> int:
        triples = self._parse(data, media_type)  # our error messages, before anything changes
        if before_commit is not None:
            before_commit()  # may raise: nothing is sent
        self.put_triples(graph, triples)
        return self.count(graph)

    def write_graphs(
        self, replace: Mapping[str, bytes], add: Mapping[str, bytes] | None = None,
        media_type: str = "application/n-triples",
    ) -> None:
        """One SPARQL Update request: the engine applies it as one transaction where it
        makes updates atomic (Oxigraph server does; Virtuoso per request in its default mode).
        A template with one empty solution keeps a blank-node label the same node in every
        graph of the call (and Virtuoso refuses blank nodes in INSERT DATA)."""
        parsed = {g: self._parse(d, media_type) for g, d in replace.items()}
        added = {g: self._parse(d, media_type) for g, d in (add or {}).items()}
        if "" in parsed or "" in added:
            raise StoreError("write_graphs writes named graphs only")
        self._writable()
        operations = [f"DROP SILENT GRAPH {_iri(g)}" for g in parsed]
        blocks = [f"GRAPH {_iri(g)} {{ "
                  + "".join(f"{t.subject} {t.predicate} {t.object} . " for t in triples) + "}"
                  for g, triples in (*parsed.items(), *added.items()) if triples]
        if blocks:
            operations.append("INSERT { " + " ".join(blocks) + " } WHERE {}")
        try:
            if operations:
                self.update(" ;\n".join(operations))
        finally:
            self._forget_graphs()

    def put_triples(self, graph: str, triples: Sequence[Triple], *, add: bool = False) -> None:
        """Replace (or with ``add`` extend) a graph by ``triples`` in one request."""
        self._writable()
        text = "".join(f"{t.subject} {t.predicate} {t.object} .\n" for t in triples)
        try:
            if self.settings.gsp_url:
                response = self._gsp("POST" if add else "PUT", graph, data=text.encode(),
                                     media_type="application/n-triples")
                self._fail(response, "graph upload")
                response.close()
            else:
                target = f"GRAPH {_iri(graph)} {{ {text} }}" if graph else text
                clear = "" if add else (
                    "CLEAR DEFAULT ;" if graph == "" else f"DROP SILENT GRAPH {_iri(graph)} ;")
                # INSERT DATA may not hold blank nodes on every engine (Virtuoso refuses
                # them); a template with one empty solution makes the same fresh nodes.
                bnodes = any(isinstance(t.subject, BlankNode) or isinstance(t.object, BlankNode)
                             for t in triples)
                insert = (f"INSERT {{ {target} }} WHERE {{}}" if bnodes
                          else f"INSERT DATA {{ {target} }}")
                self.update(f"{clear} {insert}")
        finally:
            self._forget_graphs()

    def add_to_graph(
        self, graph: str, data: bytes | str, media_type: str = "text/turtle",
        *, before_commit: Callable[[], None] | None = None,
    ) -> int:
        triples = self._parse(data, media_type)
        if before_commit is not None:
            before_commit()
        self.put_triples(graph, triples, add=True)
        return len(triples)

    def drop_graph(self, graph: str) -> bool:
        if graph == "":
            self.update("CLEAR SILENT DEFAULT")
            return True
        if not self.has_graph(graph):
            return False
        self.update(f"DROP SILENT GRAPH {_iri(graph)}")
        return True

    def has_graph(self, graph: str) -> bool:
        if graph == "":
            return True
        if not self._in_scope(graph):
            return False
        return graph in self.named_graphs() or self._ask_graph(graph)

    def _ask_graph(self, graph: str) -> bool:
        result = self._run(f"ASK {{ GRAPH {_iri(graph)} {{ ?s ?p ?o }} }}", "ASK", {})
        try:
            return result.boolean
        finally:
            assert isinstance(result, RemoteQueryResult)
            result.close()

    def count(self, graph: str | None = None) -> int:
        if graph == "":
            return 0  # engines disagree on what their default graph is; coopgraph uses none
        if graph is None:
            dataset = {"named-graph-uri": self.named_graphs() or [EMPTY_GRAPH]}
            text = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
        else:
            dataset = {}
            text = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {_iri(graph)} {{ ?s ?p ?o }} }}"
        rows = list(self._select(text, dataset).rows())
        number = rows[0]["n"] if rows else None
        return int(number.value) if number is not None else 0

    def dump_graph(self, graph: str, output: IO[bytes], media_type: str = "text/turtle") -> None:
        fmt = RDF_FORMATS.get(media_type)
        if fmt is None:
            raise StoreError(f"unsupported RDF media type: {media_type}")
        if graph == "" and self.settings.engine_union:
            # A query's default graph is the engine's union here; the Graph Store Protocol
            # still names the engine's own default graph.
            if not self.settings.gsp_url:
                raise StoreError("with --engine-union the default graph can only be read "
                                 "through the Graph Store Protocol: give --gsp-url")
            response = self._gsp("GET", "", accept=_RDF_ACCEPT, stream=True)
            self._fail(response, "graph download")
            media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            rdf_format = ox.RdfFormat.from_media_type(media) if media else None
            if rdf_format is None:
                response.close()
                raise StoreError(f"the Graph Store answered with {media or 'no type'}")
            response.raw.decode_content = True
            RemoteQueryResult("graph", ox.parse(response.raw, rdf_format), response).serialize(
                output, media_type)
            return
        where = f"GRAPH {_iri(graph)} {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
        result = self._run(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {where} }}", "CONSTRUCT", {})
        result.serialize(output, media_type)

    def close(self) -> None:
        self._http.close()


@functools.lru_cache(maxsize=64)
def _analyse(text: str, base_iri: str | None) -> Any:
    """sparql_safety's analysis, cached: each query needs it three times (form, dataset, parse
    check) and the executor's checks just made it too."""
    from ..sparql_safety import analyse

    return analyse(text, base_iri=base_iri)


def _parse_check(sparql: str, base_iri: str | None) -> None:
    """Parse the query with pyoxigraph on an empty store, so that a syntax error has the same
    message (line, column) whatever the engine, and the engine sees only SPARQL 1.1."""
    if _analyse(sparql, base_iri).services:
        return  # evaluating it, even on nothing, could call the SERVICE: the engine checks
    try:
        ox.Store().query(sparql, base_iri=base_iri)
    except SyntaxError as exc:
        raise QuerySyntaxError(str(exc)) from exc
    except Exception:  # noqa: BLE001, S110 - it parsed; evaluation on nothing may fail
        pass


def open_remote(settings: RemoteSettings, *, base: str | None = None,
                read_only: bool = False) -> RemoteStore:
    """Open a remote store and check that the engine answers (a clear error if not)."""
    store = RemoteStore(settings, base=base, read_only=read_only)
    try:
        store.named_graphs()
        if ENGINES[settings.engine].get("union_default_graph"):
            _check_default_graph(store)
    except StoreError:
        store.close()
        raise
    return store


def _default_graph_is_union(store: RemoteStore) -> bool | None:
    """Whether the engine's default graph holds the triples of its named graphs (one triple
    checked, not a scan); None when no named graph holds a triple yet (before a build)."""
    if not store._run("ASK { GRAPH ?g { ?s ?p ?o } }", "ASK", {}).boolean:
        return None
    one = "{ SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1 }"
    return store._run(f"ASK {{ {one} ?s ?p ?o }}", "ASK", {}).boolean


def _check_default_graph(store: RemoteStore) -> None:
    """Oxigraph server's ``--union-default-graph`` and coopgraph's ``--engine-union`` go
    together. With the mode on and the engine's union off, every query naming no graph would
    answer from an empty default graph; with the engine's union on and the mode off, a
    query's own ``FROM`` would be ignored (Oxigraph server 0.5.13 applies its union over it).
    Either mismatch is refused when the store opens, saying which option to change."""
    union = _default_graph_is_union(store)
    if union is False and store.settings.engine_union:
        raise StoreError("--engine-union: the engine's default graph is not the union of its "
                         "named graphs: start Oxigraph server with --union-default-graph, or "
                         "leave --engine-union off")
    if union is True and not store.settings.engine_union:
        raise StoreError("the Oxigraph server was started with --union-default-graph, which "
                         "makes it ignore a query's FROM: give coopgraph --engine-union "
                         "(docs/deployment.md), or start the server without that option")


def open_for_app(settings: dict[str, Any]) -> RemoteStore:
    """The store of ``create_app`` when its ``REMOTE`` setting is given: the time limit of
    the app (``QUERY_TIMEOUT``) is the one sent to the engine."""
    from dataclasses import replace

    remote = replace(settings["REMOTE"], timeout_s=float(settings["QUERY_TIMEOUT"]))
    return open_remote(remote, base=settings.get("BASE"),
                       read_only=bool(settings.get("STORE_READ_ONLY")))
