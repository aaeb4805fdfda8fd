"""The load-and-fault suite of issue 12: replay the attacks against a real `coopgraph serve`.

``python -m bench.faults`` builds a small store (the test fixture, so it takes seconds),
starts ``coopgraph serve`` on a free loopback port and replays, with bounded loops:

1. rebuild while serving, SIGTERM, restart (the store must survive and the restart must
   serve the newest build), and a switch with SIGHUP;
2. a chunked upload over the size limit (413, nothing stored) and one cut short (nothing
   stored);
3. 64 idle or dribbling sockets beside a well-behaved client (its latency);
4. parsing bombs: an RDF/XML billion laughs and 5,000-level nested RDF/XML and JSON-LD
   (400 within a second, nothing stored), and the cost of the checks on a 16 MiB upload;
5. an update past the time limit (stopped in its dry run: 503, nothing applied, the server
   goes on).

It prints one line per check (``held`` or ``FAILED``, with the measured figure) and exits 1
if anything failed. Loopback only; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "build"
TOKEN = "faults-token"
LIMIT = 1024 * 1024
GRAPH = "https://w3id.org/coopgraph/graph/upload/faults"  # contribution graphs: 403
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
MARKER = "SELECT (COUNT(*) AS ?n) WHERE { ?s <urn:build:n> ?o }"

BUILD = """
import sys
from pathlib import Path
from coopgraph.build import build
from coopgraph.config import Sources
root = Path(sys.argv[2])
sources = Sources(ontology=root / "ontology", shapes=root / "shapes", data=root / "data",
                  links=root / "data" / "links", queries=root / "queries")
build(Path(sys.argv[1]), sources=sources, validate=False, progress=lambda _: None)
"""

results: list[tuple[bool, str, str]] = []


def report(held: bool, what: str, figure: str = "") -> None:
    results.append((held, what, figure))
    print(f"{'held  ' if held else 'FAILED'}  {what}{'  — ' + figure if figure else ''}",
          flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """One `coopgraph serve` process on a free loopback port."""

    def __init__(self, store: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "coopgraph", "serve", "--port", str(self.port), "--store",
             str(store), "--threads", "8", "--timeout", "10", "--max-upload", str(LIMIT)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            env=dict(os.environ, COOPGRAPH_ADMIN_TOKEN=TOKEN),
        )
        self.healthy = wait(lambda: self.proc.poll() is None and self.ok(), 60)

    def ok(self) -> bool:
        try:
            return requests.get(self.url + "/healthz", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    def markers(self) -> int:
        answer = requests.get(self.url + "/sparql", params={"query": MARKER}, timeout=30)
        return int(answer.json()["results"]["bindings"][0]["n"]["value"])

    def graph_exists(self) -> bool:
        return requests.get(self.url + "/store", params={"graph": GRAPH},
                            timeout=30).status_code != 404

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.communicate()
        return int(self.proc.returncode)


def wait(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def build(store: Path, sources: Path, markers: int) -> None:
    lines = "".join(f'<urn:build:{i}> <urn:build:n> "{i}" .\n' for i in range(markers))
    (sources / "data" / "extra.ttl").write_text(lines, encoding="utf-8")
    subprocess.run([sys.executable, "-c", BUILD, str(store), str(sources)], check=True,
                   timeout=300, capture_output=True)


# --------------------------------------------------------------------------- 1. lifecycle


def lifecycle(work: Path) -> Path:
    sources = work / "src"
    shutil.copytree(FIXTURE, sources)
    store = work / "var" / "store"
    build(store, sources, 1)
    server = Server(store)
    report(server.healthy, "serve the first build")
    build(store, sources, 2)
    report(server.markers() == 1, "a rebuild does not change what a running server serves")
    build(store, sources, 3)
    report(server.ok(), "two rebuilds under a running server: it still answers")
    code = server.stop()
    report(code == 0, "SIGTERM stops the server cleanly", f"exit code {code}")
    server = Server(store)
    report(server.healthy and server.markers() == 3,
           "a restart after rebuilds opens the newest build (no RocksDB corruption)")
    build(store, sources, 4)
    server.proc.send_signal(signal.SIGHUP)
    started = time.monotonic()
    switched = wait(lambda: server.markers() == 4, 60)
    report(switched, "SIGHUP switches the running server to the newest build",
           f"{time.monotonic() - started:.1f} s")
    server.stop()
    return store


# --------------------------------------------------------------------------- 2. uploads


def chunks(data: bytes, size: int = 65536, last: bool = True) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        piece = data[start:start + size]
        yield b"%x\r\n" % len(piece) + piece + b"\r\n"
    if last:
        yield b"0\r\n\r\n"


def raw_request(port: int, head: bytes, parts: Iterator[bytes], finish: bool = True) -> int:
    """Send a request over a raw socket; the response status (0 if none)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        try:
            for part in parts:
                sock.sendall(part)
        except OSError:
            pass
        if not finish:
            sock.shutdown(socket.SHUT_WR)
        try:
            answer = sock.recv(65536)
        except OSError:
            return 0
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0


def put_head(framing: str, content_type: str = "application/n-triples") -> bytes:
    return (f"PUT /store?graph={GRAPH} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {TOKEN}\r\nContent-Type: {content_type}\r\n"
            f"{framing}\r\n\r\n").encode()


def uploads(server: Server) -> None:
    body = b"".join(b"<urn:s:%d> <urn:p> <urn:o:%d> .\n" % (i, i) for i in range(60_000))
    status = raw_request(server.port, put_head("Transfer-Encoding: chunked"), chunks(body))
    report(status == 413 and not server.graph_exists(),
           "a chunked upload over the limit is refused whole", f"{len(body)} bytes → {status}")
    cut = body[: body.index(b"\n", LIMIT // 2) + 1]
    raw_request(server.port, put_head(f"Content-Length: {LIMIT - 10}"), iter([cut]), False)
    raw_request(server.port, put_head("Transfer-Encoding: chunked"), chunks(cut, last=False),
                False)
    time.sleep(0.5)
    report(not server.graph_exists(), "bodies cut short by the client store nothing")


# --------------------------------------------------------------------------- 3. slow clients


def probe(url: str) -> float:
    started = time.monotonic()
    answer = requests.get(url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30,
                          headers={"Connection": "close"})
    answer.raise_for_status()
    return time.monotonic() - started


def slow_clients(server: Server, sockets: int, seconds: float) -> None:
    quiet = [probe(server.url) for _ in range(20)]
    bad: list[socket.socket] = []
    try:
        for i in range(sockets):
            sock = socket.socket()
            sock.bind((f"127.0.{1 + i // 200}.{1 + i % 200}", 0))
            sock.settimeout(5)
            sock.connect(("127.0.0.1", server.port))
            if i % 2:
                sock.sendall(b"GET /sparql?query=ASK")  # half a request line
            bad.append(sock)
        times: list[float] = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and len(times) < 200:
            for sock in bad[1::2]:
                try:
                    sock.sendall(b"%20")  # dribble
                except OSError:
                    pass
            times.append(probe(server.url))
            time.sleep(0.1)
    finally:
        for sock in bad:
            sock.close()
    p50, worst = statistics.median(times), max(times)
    report(worst < 2.0, f"{sockets} idle/dribbling sockets: a good client is still served",
           f"{len(times)} probes, p50 {p50 * 1000:.0f} ms, max {worst * 1000:.0f} ms "
           f"(alone: p50 {statistics.median(quiet) * 1000:.0f} ms)")


# --------------------------------------------------------------------------- 4. parsing bombs


def billion_laughs() -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    return (f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [{"".join(entities)}]>\n'
            f'<rdf:RDF xmlns:rdf="{RDF}" xmlns:p="urn:p#"><rdf:Description rdf:about="urn:s">'
            "<p:p>&lol9;</p:p></rdf:Description></rdf:RDF>").encode()


def deep_xml(depth: int) -> bytes:
    inner = "<p:p><rdf:Description>" * depth + "</rdf:Description></p:p>" * depth
    return (f'<rdf:RDF xmlns:rdf="{RDF}" xmlns:p="urn:p#"><rdf:Description rdf:about="urn:s">'
            f"{inner}</rdf:Description></rdf:RDF>").encode()


def deep_json(depth: int) -> bytes:
    return ('{"@id": "urn:s", "urn:p": ' + '{"urn:p": ' * depth + '"x"' + "}" * depth
            + "}").encode()


def bombs(server: Server) -> None:
    for what, data, media_type in (
        ("an RDF/XML billion laughs", billion_laughs(), "application/rdf+xml"),
        ("5,000-level nested RDF/XML", deep_xml(5000), "application/rdf+xml"),
        ("5,000-level nested JSON-LD", deep_json(5000), "application/ld+json"),
    ):
        started = time.monotonic()
        answer = requests.put(server.url + "/store", params={"graph": GRAPH}, data=data,
                              timeout=60, headers={"Authorization": f"Bearer {TOKEN}",
                                                   "Content-Type": media_type})
        took = time.monotonic() - started
        report(answer.status_code == 400 and took < 1.0 and not server.graph_exists(),
               f"{what} is refused, nothing stored", f"{answer.status_code} in {took:.2f} s")


# --------------------------------------------------------------------------- 5. writes


def writes(server: Server) -> None:
    """An update that needs 27 million solutions (about 30 s of CPU) under `--timeout 10`."""
    graph = "https://w3id.org/coopgraph/graph/upload/faults"
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"}

    def update(text: str) -> requests.Response:
        return requests.post(server.url + "/update", data=text.encode(), headers=headers,
                             timeout=120)

    def ask(query: str) -> bool:
        answer = requests.get(server.url + "/sparql", params={"query": query}, timeout=30)
        return bool(answer.json()["boolean"])

    numbers = " ".join(f"<urn:s{i}> <urn:n> {i} ." for i in range(300))
    update(f"INSERT DATA {{ GRAPH <{graph}> {{ {numbers} }} }}")
    started = time.monotonic()
    answer = update(
        f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:marker> <urn:p> 1 }} }} ;\n"
        f"INSERT {{ GRAPH <{graph}> {{ ?a <urn:slow> ?b }} }} WHERE {{ GRAPH <{graph}> {{ "
        "?a <urn:n> ?x . ?b <urn:n> ?y . ?c <urn:n> ?z FILTER(?x + ?y + ?z < 0) } }")
    took = time.monotonic() - started
    after = update(f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:after> <urn:p> 1 }} }}")
    report(answer.status_code == 503 and not ask("ASK { <urn:marker> ?p ?o }")
           and after.status_code == 204 and ask("ASK { <urn:after> ?p ?o }"),
           "an update past the time limit is stopped, nothing applied; the next one applies",
           f"{answer.status_code} in {took:.1f} s (limit 10 s)")


def parse_cost() -> None:
    import pyoxigraph as ox

    from coopgraph.rdfio import check_safe

    line = b'ex:s%d ex:p "a literal with [brackets] and (parens) %d" ; ex:q [ ex:r ( 1 2 ) ] .\n'
    data = b"@prefix ex: <http://example.org/> .\n" + b"".join(
        line % (i, i) for i in range(200_000))
    data = data[: 16 * 1024 * 1024 - 200].rsplit(b"\n", 1)[0] + b"\n"
    started = time.perf_counter()
    check_safe(data, ox.RdfFormat.TURTLE)
    checked = time.perf_counter() - started
    started = time.perf_counter()
    count = sum(1 for _ in ox.parse(data, ox.RdfFormat.TURTLE))
    parsed = time.perf_counter() - started
    report(checked < parsed, "the checks cost less than the parse of a 16 MiB Turtle upload",
           f"checks {checked:.1f} s, parse {parsed:.1f} s, {count} triples")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__)
    parser.add_argument("--sockets", type=int, default=64, help="slow sockets (default: 64)")
    parser.add_argument("--seconds", type=float, default=15.0,
                        help="how long the slow sockets stay (default: 15)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="coopgraph-faults-") as tmp:
        store = lifecycle(Path(tmp))
        server = Server(store)
        try:
            uploads(server)
            slow_clients(server, args.sockets, args.seconds)
            bombs(server)
            writes(server)
        finally:
            server.stop()
    parse_cost()
    failed = [what for held, what, _ in results if not held]
    print(f"\n{len(results) - len(failed)} of {len(results)} held", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
