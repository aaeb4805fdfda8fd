"""The SPARQL 1.1 Protocol tests (``protocol/manifest.ttl``), executed as written.

Each ``mf:ProtocolTest`` records HTTP exchanges in the W3C HTTP-in-RDF vocabulary (``ht:``):
method, path (starting with ``/sparql/``), headers, body, and the expected status class,
result format and boolean. The record is replayed request by request: the ``/sparql/``
prefix becomes the endpoint's query URL or update URL — update when the request carries
an update (``application/sparql-update``, an ``update=`` or ``using-…-uri`` parameter, or
an update operation as its body), query otherwise — and the bearer token is added to
update requests so that a 4xx answer means the protocol check failed, not the login.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import requests
from rdflib import Namespace
from rdflib.collection import Collection

from .manifest import MF, W3CTest
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
            )
        )
    return out


def _status_ok(code: int, statuses: list[str]) -> bool:
    for s in statuses:
        m = re.fullmatch(r"StatusCode(\d)xx", s)
        if m and code // 100 == int(m.group(1)):
            return True
    return False


def _check_response(req: Request, r: requests.Response) -> str | None:
    """``None`` if the response matches the request's expectations, else why not."""
    if not _status_ok(r.status_code, req.statuses):
        return f"{req.method} {req.path[:60]}: expected {'/'.join(req.statuses)}, {excerpt(r)}"
    mt = media_type(r)
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


def run_protocol(client: Client, test: W3CTest) -> tuple[str, str]:
    """Reset, load the test's named graphs, replay its requests and check each answer."""
    client.clear()
    client.load([], test.graph_data)
    for req in requests_of(test):
        if not req.path.startswith("/sparql/"):
            return "not-run", f"path {req.path!r} outside /sparql/"
        target = client.ep.update_url if req.is_update else client.ep.query_url
        rest = req.path[len("/sparql/"):]
        url = target + rest if not rest.startswith("?") or "?" not in target else (
            target + "&" + rest[1:]
        )
        headers = dict(req.headers)
        if req.is_update:
            headers.update(client.ep.auth())
        if req.expected_format is None and "accept" not in headers:
            headers["accept"] = "*/*"
        r = client.http.request(
            req.method, url, data=req.body, headers=headers, timeout=(5, 60)
        )
        reason = _check_response(req, r)
        if reason:
            return "fail", reason
    return "pass", ""
