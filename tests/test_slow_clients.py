"""Slow and many clients cannot stop `coopgraph serve` (issue 12, item 3).

Real gunicorn server on loopback; bad clients connect from other loopback addresses
(127.0.1.x: Linux routes all of 127/8 to ``lo``) so the per-client connection cap, which
would otherwise count them with the good client, is exercised apart. Loops are bounded.
"""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterator

import pytest
import requests
from test_uploads import TOKEN, Server

from coopgraph.serve import HEAD_TIMEOUT_S, IO_TIMEOUT_S, MAX_CONNECTIONS_PER_CLIENT

PROBE = "ASK { ?s ?p ?o }"


def connect_from(address: str, port: int) -> socket.socket:
    sock = socket.socket()
    sock.bind((address, 0))
    sock.settimeout(5)
    sock.connect(("127.0.0.1", port))
    return sock


def probe(url: str) -> float:
    """One well-behaved query on a new connection; its time in seconds."""
    started = time.monotonic()
    answer = requests.get(url + "/sparql", params={"query": PROBE}, timeout=10,
                          headers={"Connection": "close"})
    assert answer.status_code == 200
    return time.monotonic() - started


def closed_by_server(sock: socket.socket, seconds: float) -> float | None:
    """Seconds until the server closes ``sock`` (None if still open after ``seconds``)."""
    started = time.monotonic()
    sock.settimeout(0.2)
    while time.monotonic() - started < seconds:
        try:
            data = sock.recv(65536)
        except TimeoutError:
            continue
        except ConnectionResetError:
            return time.monotonic() - started
        if not data or data.startswith(b"HTTP/"):
            return time.monotonic() - started
    return None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("slow") / "store")
    yield running
    running.stop()


def test_64_idle_and_dribbling_sockets_do_not_stop_a_good_client(server: Server):
    bad: list[socket.socket] = []
    try:
        for i in range(32):  # idle: connect and say nothing
            bad.append(connect_from(f"127.0.1.{i + 1}", server.port))
        for i in range(32):  # half a request line, then a byte now and then
            sock = connect_from(f"127.0.2.{i + 1}", server.port)
            sock.sendall(b"GET /sparql?query=ASK")
            bad.append(sock)
        times = []
        for round_ in range(10):
            for sock in bad[32:]:
                try:
                    sock.sendall(b"%20")
                except OSError:
                    pass  # closed by the server's head timeout: fine
            times.append(probe(server.url))
            if round_ < 9:
                time.sleep(0.3)
        assert max(times) < 2.0, times
    finally:
        for sock in bad:
            sock.close()


def test_a_head_that_never_ends_is_closed_after_the_head_timeout(server: Server):
    sock = connect_from("127.0.3.1", server.port)
    try:
        sock.sendall(b"GET /sparql?query=ASK%20{}")
        waited = closed_by_server(sock, HEAD_TIMEOUT_S + 5)
        assert waited is not None and HEAD_TIMEOUT_S - 1 < waited < HEAD_TIMEOUT_S + 3, waited
    finally:
        sock.close()


def test_a_body_that_stalls_is_dropped_and_stores_nothing(server: Server):
    graph = "https://w3id.org/coopgraph/graph/upload/stalled"
    sock = connect_from("127.0.3.2", server.port)
    try:
        sock.sendall((f"PUT /store?graph={graph} HTTP/1.1\r\nHost: x\r\n"
                      f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/n-triples\r\n"
                      "Content-Length: 1000\r\n\r\n<urn:a> <urn:p> <urn:b> .\n").encode())
        waited = closed_by_server(sock, IO_TIMEOUT_S + 5)
        assert waited is not None and waited < IO_TIMEOUT_S + 3, waited
    finally:
        sock.close()
    assert requests.get(server.url + "/store", params={"graph": graph},
                        timeout=10).status_code == 404


def test_one_client_address_holds_a_bounded_number_of_connections(server: Server):
    socks = [connect_from("127.0.4.1", server.port)
             for _ in range(MAX_CONNECTIONS_PER_CLIENT + 8)]
    try:
        time.sleep(1.0)  # well within the head timeout: only the cap closes sockets
        readable, _, _ = select.select(socks, [], [], 0.5)
        refused = sum(sock.recv(1) == b"" for sock in readable)
        assert refused == 8, refused
        assert probe(server.url) < 2.0, "another address is still served"
    finally:
        for sock in socks:
            sock.close()


def test_idle_sockets_do_not_delay_a_stop(tmp_path):
    running = Server(tmp_path / "store")
    idle = [connect_from(f"127.0.5.{i + 1}", running.port) for i in range(16)]
    try:
        time.sleep(0.5)
        started = time.monotonic()
        running.stop()
        assert time.monotonic() - started < HEAD_TIMEOUT_S - 2, "closed on stop, not timed out"
        assert running.proc.returncode == 0
    finally:
        for sock in idle:
            sock.close()
