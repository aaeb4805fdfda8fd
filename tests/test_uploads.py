"""Uploads are whole or refused (issue 12, item 2), against the real `coopgraph serve`.

The size limit applies to chunked bodies exactly as to ``Content-Length`` ones (413, nothing
stored), and a body the client cuts short stores nothing. Raw sockets, so that the test
controls every byte (chunk framing, a body that ends early).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from conftest import free_port

TOKEN = "upload-test-token"
LIMIT = 1024 * 1024  # --max-upload: small, so that the test moves little data
GRAPH = "https://w3id.org/coopgraph/graph/upload/uploads"


def triples(count: int, start: int = 0) -> bytes:
    """``count`` N-Triples lines (about 38 bytes each)."""
    return b"".join(b"<urn:s:%d> <urn:p> <urn:o:%d> .\n" % (i, i)
                    for i in range(start, start + count))


class Server:
    def __init__(self, store: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "coopgraph", "serve", "--port", str(self.port), "--store",
             str(store), "--threads", "4", "--timeout", "10", "--max-upload", str(LIMIT)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            env=dict(os.environ, COOPGRAPH_ADMIN_TOKEN=TOKEN),
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.proc.stderr.read().decode()  # type: ignore
            try:
                if requests.get(self.url + "/healthz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError("the server did not start")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.communicate(timeout=30)

    def graph_size(self, graph: str = GRAPH) -> int | None:
        """Triples in ``graph`` as SPARQL sees them; None if there is no such graph."""
        if requests.get(self.url + "/store", params={"graph": graph},
                        timeout=30).status_code == 404:
            return None
        query = f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        answer = requests.get(self.url + "/sparql", params={"query": query}, timeout=30)
        return int(answer.json()["results"]["bindings"][0]["n"]["value"])

    def raw(self, head: str, body_parts: Iterator[bytes] | list[bytes], *,
            finish: bool = True) -> bytes:
        """Send a request head and body parts over one socket; the response (or b"")."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as sock:
            sock.sendall(head.encode())
            try:
                for part in body_parts:
                    sock.sendall(part)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server answered and closed before reading everything: fine
            if not finish:
                sock.shutdown(socket.SHUT_WR)  # the client gives up mid-body
            answer = b""
            try:
                while chunk := sock.recv(65536):
                    answer += chunk
                    if finish and complete(answer):
                        break
            except (ConnectionResetError, TimeoutError):
                pass
            return answer


def complete(answer: bytes) -> bool:
    """True once the response head and its Content-Length bytes of body have arrived."""
    head, sep, body = answer.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return True


def chunks(data: bytes, size: int = 64 * 1024, *, last: bool = True) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        piece = data[start:start + size]
        yield b"%x\r\n" % len(piece) + piece + b"\r\n"
    if last:
        yield b"0\r\n\r\n"


def put_head(*, chunked: bool, length: int = 0, path: str = f"/store?graph={GRAPH}",
             content_type: str = "application/n-triples", method: str = "PUT") -> str:
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {length}"
    return (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {TOKEN}\r\nContent-Type: {content_type}\r\n"
            f"{framing}\r\n\r\n")


def status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("uploads") / "store")
    yield running
    running.stop()


def test_a_chunked_upload_over_the_limit_is_refused_whole(server: Server):
    body = triples(60_000)  # about 2.3 MiB, over the 1 MiB limit
    assert len(body) > 2 * LIMIT
    answer = server.raw(put_head(chunked=True), chunks(body))
    assert status(answer) == 413, answer[:300]
    assert b"limit" in answer
    assert server.graph_size() is None, "nothing of the body was stored"


def test_the_same_body_with_a_content_length_gets_the_same_answer(server: Server):
    body = triples(60_000)
    answer = server.raw(put_head(chunked=False, length=len(body)), [body])
    assert status(answer) == 413
    assert server.graph_size() is None


def test_a_chunked_upload_within_the_limit_is_stored_whole(server: Server):
    body = triples(10_000)
    assert len(body) < LIMIT
    answer = server.raw(put_head(chunked=True), chunks(body, 1000))
    assert status(answer) == 201, answer[:300]
    assert server.graph_size() == 10_000
    requests.delete(server.url + "/store", params={"graph": GRAPH},
                    headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)


def test_a_body_cut_short_stores_nothing(server: Server):
    body = triples(10_000)
    cut = body[: body.index(b"\n", len(body) // 2) + 1]  # ends at a line end: parses alone
    server.raw(put_head(chunked=False, length=len(body)), [cut], finish=False)
    server.raw(put_head(chunked=True), chunks(cut, last=False), finish=False)
    time.sleep(0.5)  # the server notices the end of the stream
    assert server.graph_size() is None


def test_a_chunked_update_over_the_limit_is_refused(server: Server):
    lines = triples(60_000).decode()
    update = f"INSERT DATA {{ GRAPH <{GRAPH}> {{ {lines} }} }}".encode()
    head = put_head(chunked=True, path="/update", content_type="application/sparql-update",
                    method="POST")
    answer = server.raw(head, chunks(update))
    assert status(answer) == 413, answer[:300]
    assert server.graph_size() is None


def test_a_chunked_query_post_is_answered(server: Server):
    form = b"query=" + requests.utils.quote("ASK {}").encode()
    head = ("POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    answer = server.raw(head, chunks(form, 3), finish=False)
    assert status(answer) == 200, answer[:300]
    assert b'"boolean":true' in answer.replace(b" ", b"")


def test_an_upload_whose_client_left_is_not_committed(server: Server):
    body = triples(25_000)  # under the limit; parsing takes a moment
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(put_head(chunked=False, length=len(body)).encode() + body)
    # the client gave up at once: the server reads the whole body, then sees it has gone
    time.sleep(3.0)
    assert server.graph_size() is None


def test_an_upload_past_the_time_limit_is_not_committed(make_server, tiny_store):
    live = make_server({"STORE": tiny_store, "QUERY_TIMEOUT": 0.01})
    answer = requests.put(live.endpoint("/store"), params={"graph": GRAPH},
                          data=triples(50_000), timeout=60,
                          headers={"Content-Type": "application/n-triples",
                                   "Authorization": "Bearer test-admin-token"})
    assert answer.status_code == 503, answer.text
    assert "nothing was changed" in answer.text
    assert not tiny_store.has_graph(GRAPH)
