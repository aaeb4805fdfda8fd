"""The Protocol and Graph Store Protocol tests, executed as written.

Each ``mf:ProtocolTest`` (``protocol/``) and ``mf:GraphStoreProtocolTest``
(``graph-store-protocol/``) records HTTP exchanges in the W3C HTTP-in-RDF vocabulary
(``ht:``): method, path, headers, body, and the expected status (a class such as
``hts:StatusCode2xx`` or a code such as ``hts:Created``), result format, boolean, response
content type and RDF body, and ``mf:expectedLocation`` (a template variable taking the
``Location`` header's value). The record is replayed request by request:

- ``/sparql/`` becomes the endpoint's query URL or update URL — update when the request
  carries an update (``application/sparql-update``, an ``update=`` or ``using-…-uri``
  parameter, or an update operation as its body), query otherwise;
- ``/gsp`` becomes the Graph Store URL (indirect identification, ``?graph=`` / ``?default``);
  tests requiring direct identification (graph IRI = request URL) are not run: neither
  endpoint names its graphs by their own URLs.

The bearer token is added to updates and to Graph Store writes, so that a 4xx answer
means the protocol check failed, not the login.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from http import HTTPStatus

import requests
from rdflib import Namespace
from rdflib.collection import Collection

from .manifest import MF, W3CTest
from .results import compare_graphs, parse_rdf
from .runner import RESULT_PARSERS, Client, excerpt, media_type

HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = "http://www.w3.org/2011/http-statusCodes#"

RDF_TYPES = {
    "text/turtle", "application/n-triples", "application/rdf+xml", "text/plain",
    "application/ld+json", "application/n-quads", "application/trig", "text/n3",
    "application/xhtml+xml", "text/html",
}
_UPDATE_WORDS = re.compile(
    r"^\s*(?:(?:PREFIX\s+\S*:\s*<[^>]*>|BASE\s+<[^>]*>)\s*)*"
    r"(CLEAR|INSERT|DELETE|LOAD|DROP|CREATE|COPY|MOVE|ADD|WITH)\b",
    re.I,
)


@dataclass
class Request:
    """One ``ht:Request`` of a protocol test, with its expected response."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    body_text: str
    statuses: list[str]
    expected_format: str | None
    expected_boolean: bool | None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str | None = None
    location_variable: str | None = None

    @property
    def is_update(self) -> bool:
        """Whether this request targets the update operation (see the module docstring)."""
        ctype = self.headers.get("content-type", "")
        return (
            "sparql-update" in ctype
            or "update=" in self.path
            or "using-graph-uri" in self.path
            or "using-named-graph-uri" in self.path
            or self.body_text.startswith("update=")
            or "&update=" in self.body_text
            or bool(_UPDATE_WORDS.match(self.body_text))
        )


def requests_of(test: W3CTest) -> list[Request]:
    """The ``ht:requests`` list of a protocol test, in order."""
    g, node = test.graph, test.node
    assert g is not None and node is not None
    action = g.value(node, MF.action)
    out: list[Request] = []
    for req in Collection(g, g.value(action, HT.requests)):
        headers: dict[str, str] = {}
        hlist = g.value(req, HT.headers)
        if hlist is not None:
            for h in Collection(g, hlist):
                headers[str(g.value(h, HT.fieldName)).lower()] = str(g.value(h, HT.fieldValue))
        body_node = g.value(req, HT.body)
        body, text = None, ""
        if body_node is not None:
            text = str(g.value(body_node, CNT.chars))
            encoding = str(g.value(body_node, CNT.characterEncoding) or "UTF-8")
            body = text.encode(encoding)
        resp = g.value(req, HT.resp)
        statuses = sorted(str(s)[len(HTS):] for s in g.objects(resp, MF.expectedStatus))
        fmt = g.value(resp, MF.expectedFormat)
        boolean = g.value(resp, MF.expectedBoolean)
        resp_headers: dict[str, str] = {}
        rlist = g.value(resp, HT.headers)
        if rlist is not None:
            for h in Collection(g, rlist):
                resp_headers[str(g.value(h, HT.fieldName)).lower()] = str(g.value(h, HT.fieldValue))
        resp_body = g.value(resp, HT.body)
        location = g.value(resp, MF.expectedLocation)
        out.append(
            Request(
                method=str(g.value(req, HT.methodName)),
                path=str(g.value(req, HT.absolutePath)),
                headers=headers,
                body=body,
                body_text=text,
                statuses=statuses,
                expected_format=str(fmt) if fmt is not None else None,
                expected_boolean=bool(boolean.toPython()) if boolean is not None else None,
                response_headers=resp_headers,
                response_body=str(g.value(resp_body, CNT.chars)) if resp_body is not None else None,
                location_variable=str(location) if location is not None else None,
            )
        )
    return out


def _status_ok(code: int, statuses: list[str]) -> bool:
    """``hts:StatusCode2xx``-style classes, or named codes (``hts:NoContent`` → 204)."""
    for s in statuses:
        m = re.fullmatch(r"StatusCode(\d)xx", s)
        if m and code // 100 == int(m.group(1)):
            return True
        name = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", s).upper()
        if name in HTTPStatus.__members__ and HTTPStatus[name].value == code:
            return True
    return False


def _check_response(req: Request, r: requests.Response) -> str | None:
    """``None`` if the response matches the request's expectations, else why not."""
    if not _status_ok(r.status_code, req.statuses):
        return f"{req.method} {req.path[:60]}: expected {'/'.join(req.statuses)}, {excerpt(r)}"
    mt = media_type(r)
    want_type = req.response_headers.get("content-type")
    if want_type and mt != want_type.split(";")[0].strip().lower():
        return f"{req.method} {req.path[:60]}: expected content type {want_type!r}, got {mt!r}"
    if req.response_body is not None and req.method != "HEAD":
        expected = parse_rdf(req.response_body.encode("utf-8"), want_type or "text/turtle")
        reason = compare_graphs(expected, parse_rdf(r.content, mt or "text/turtle"))
        if reason:
            return f"{req.method} {req.path[:60]}: {reason}"
    if req.expected_format == "RDF":
        if mt not in RDF_TYPES:
            return f"expected an RDF document, got {mt!r}"
    elif req.expected_format in ("boolean", "tabular"):
        parser = RESULT_PARSERS.get(mt)
        if parser is None:
            return f"expected SPARQL results, got {mt!r}"
        rs = parser(r.content)
        if req.expected_format == "boolean" and rs.boolean is None:
            if mt in ("text/csv", "text/tab-separated-values") and req.expected_boolean is None:
                return None  # CSV/TSV have no boolean form: nothing more to check
            return f"expected a boolean answer, got {mt} without one"
        if req.expected_format == "tabular" and rs.boolean is not None:
            return "expected a table of solutions, got a boolean"
        if req.expected_boolean is not None and rs.boolean != req.expected_boolean:
            return f"expected boolean {req.expected_boolean}, got {rs.boolean}"
    return None


def _target(client: Client, req: Request, path: str) -> str | None:
    """The URL a manifest path stands for on this endpoint (``None``: not mapped)."""
    if path.startswith("/sparql/"):
        base, rest = (client.ep.update_url if req.is_update else client.ep.query_url), path[8:]
    elif path == "/gsp" or path.startswith("/gsp?"):
        base, rest = client.ep.store_url, path[4:]
    else:
        return None
    if rest.startswith("?") and "?" in base:
        return base + "&" + rest[1:]
    return base + rest


def run_protocol(client: Client, test: W3CTest) -> tuple[str, str]:
    """Reset, load the test's named graphs, replay its requests and check each answer."""
    assert test.graph is not None
    requires = {str(r).rsplit("#", 1)[-1] for r in test.graph.objects(test.node, MF.requires)}
    if "DirectGraphIdentification" in requires:
        return "not-run", "needs direct graph identification (a graph named by its own URL)"
    client.clear()
    client.load([], test.graph_data)
    variables: dict[str, str] = {}
    for req in requests_of(test):
        path, body = req.path, req.body
        for var, value in variables.items():
            path = path.replace(var, value)
            if body is not None:
                body = body.replace(var.encode(), value.encode())
        url = _target(client, req, path)
        if url is None:
            return "not-run", f"path {req.path!r} maps to no endpoint"
        headers = dict(req.headers)
        if req.is_update or (path.startswith("/gsp") and req.method not in ("GET", "HEAD")):
            headers.update(client.ep.auth())
        if req.expected_format is None and "accept" not in headers:
            headers["accept"] = "*/*"
        r = client.http.request(req.method, url, data=body, headers=headers, timeout=(5, 60))
        reason = _check_response(req, r)
        if reason:
            return "fail", reason
        if req.location_variable:
            location = r.headers.get("Location")
            if not location:
                return "fail", f"{req.method} {req.path[:60]}: no Location header"
            variables[req.location_variable] = location
    return "pass", ""
