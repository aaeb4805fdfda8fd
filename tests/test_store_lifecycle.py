"""Rebuilding while `coopgraph serve` runs never destroys a store (issue 12, item 1).

Real processes only: each build is a separate Python process running ``coopgraph.build`` on a
small fixture (the project's data takes minutes), each server is ``coopgraph serve``
(gunicorn) on a free loopback port, stopped with SIGTERM as an operator would.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from conftest import free_port

from coopgraph import builds
from coopgraph.store import StoreError, open_store

FIXTURE = Path(__file__).parent / "fixtures" / "build"
TOKEN = "lifecycle-token"
CONTRIBUTION = "https://w3id.org/coopgraph/graph/upload/lifecycle"

BUILD_SCRIPT = """
import sys
from pathlib import Path
from coopgraph.build import build
from coopgraph.config import Sources
root = Path(sys.argv[2])
sources = Sources(ontology=root / "ontology", shapes=root / "shapes", data=root / "data",
                  links=root / "data" / "links", queries=root / "queries")
print(build(Path(sys.argv[1]), sources=sources, validate=False, progress=lambda _: None).store_dir)
"""


class Deployment:
    """A store link, its sources, and the `coopgraph serve` processes started on it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.store = root / "var" / "store"
        self.sources = root / "src"
        shutil.copytree(FIXTURE, self.sources)
        self.servers: list[subprocess.Popen[bytes]] = []
        self.base_triples = 0

    def build(self, extra: int = 0) -> Path:
        """Run a build in its own process; ``extra`` triples make this build recognisable."""
        lines = "".join(f'<urn:build:{i}> <urn:build:n> "{i}" .\n' for i in range(extra))
        (self.sources / "data" / "extra.ttl").write_text(lines, encoding="utf-8")
        done = subprocess.run([sys.executable, "-c", BUILD_SCRIPT, str(self.store),
                               str(self.sources)], capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr
        return Path(done.stdout.strip().splitlines()[-1])

    def serve(self) -> tuple[subprocess.Popen[bytes], str]:
        port = free_port()
        env = dict(os.environ, COOPGRAPH_ADMIN_TOKEN=TOKEN)
        proc = subprocess.Popen(
            [sys.executable, "-m", "coopgraph", "serve", "--port", str(port), "--store",
             str(self.store), "--threads", "4", "--timeout", "10"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
        )
        self.servers.append(proc)
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: health(url, proc) is not None, "the server did not become healthy")
        return proc, url

    def stop(self, proc: subprocess.Popen[bytes]) -> str:
        """SIGTERM, as an operator stops it; returns its log, asserts a clean exit."""
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err.decode()
        return err.decode()

    def close(self) -> None:
        for proc in self.servers:
            if proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=10)


def health(url: str, proc: subprocess.Popen[bytes]) -> dict | None:
    if proc.poll() is not None:
        raise AssertionError(f"the server exited: {proc.stderr.read().decode()[-3000:]}")
    try:
        answer = requests.get(url + "/healthz", timeout=5)
    except requests.RequestException:
        return None
    return answer.json() if answer.status_code == 200 else None


def wait_until(condition, message: str, seconds: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(message)


def triples(url: str) -> int:
    return int(requests.get(url + "/healthz", timeout=10).json()["triples"])


def extra_triples_seen(url: str) -> int:
    """How many marker triples SPARQL sees: tells which build the server serves."""
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s <urn:build:n> ?o }"
    answer = requests.get(url + "/sparql", params={"query": query}, timeout=30)
    assert answer.status_code == 200, answer.text
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


def complete_store(directory: Path) -> int:
    """Open a build read-only, as a new server would; its marker triples (which build)."""
    store = open_store(directory, read_only=True)
    try:
        rows = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s <urn:build:n> ?o }").rows()
        return int(next(rows)["n"].value)
    finally:
        store.close()


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    deploy = Deployment(tmp_path)
    yield deploy
    deploy.close()


def test_rebuild_while_serving_then_restart_serves_the_new_build(deployment: Deployment):
    """The issue's sequence: build; serve &; build; kill -TERM; serve."""
    first = deployment.build(extra=1)
    server, url = deployment.serve()
    assert extra_triples_seen(url) == 1
    second = deployment.build(extra=2)
    assert extra_triples_seen(url) == 1, "a running server keeps the build it opened"
    deployment.stop(server)
    assert complete_store(second) == 2 and complete_store(first) == 1, "both builds are whole"
    server, url = deployment.serve()
    assert extra_triples_seen(url) == 2, "a restart opens the newest build"
    deployment.stop(server)


def test_rebuilds_never_remove_the_build_a_server_holds(deployment: Deployment):
    """Two rebuilds under a running server: its build stays, writes stay visible to SPARQL."""
    first = deployment.build(extra=1)
    server, url = deployment.serve()
    deployment.build(extra=2)
    newest = deployment.build(extra=3)
    assert first.is_dir() and builds.is_held(first)
    put = requests.put(url + "/store", params={"graph": CONTRIBUTION},
                       data=b"<urn:a> <urn:p> <urn:b> .",
                       headers={"Content-Type": "text/turtle",
                                "Authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert put.status_code == 201, put.text
    ask = f"ASK {{ GRAPH <{CONTRIBUTION}> {{ <urn:a> <urn:p> <urn:b> }} }}"
    answer = requests.get(url + "/sparql", params={"query": ask}, timeout=30)
    assert answer.status_code == 200 and answer.json()["boolean"] is True
    assert extra_triples_seen(url) == 1
    log = deployment.stop(server)
    assert "Traceback" not in log
    assert complete_store(first) == 1, "the server's build is whole after SIGTERM"
    assert not builds.is_held(first), "a stopped server holds nothing"
    # Only the newest build and the one the server held were kept; the next build prunes
    # the latter, now that nobody holds it.
    remaining = {p for p in newest.parent.iterdir() if not p.name.startswith(".")}
    assert remaining == {first, newest}
    latest = deployment.build(extra=4)
    assert not first.exists()
    assert {p for p in newest.parent.iterdir() if not p.name.startswith(".")} == {latest}
    server, url = deployment.serve()
    assert extra_triples_seen(url) == 4
    deployment.stop(server)


def test_sighup_and_admin_reload_switch_to_the_newest_build(deployment: Deployment):
    deployment.build(extra=1)
    server, url = deployment.serve()
    assert extra_triples_seen(url) == 1
    second = deployment.build(extra=2)
    server.send_signal(signal.SIGHUP)
    wait_until(lambda: extra_triples_seen(url) == 2, "SIGHUP did not switch builds")
    assert builds.is_held(second)

    deployment.build(extra=3)
    assert requests.post(url + "/admin/reload", timeout=10).status_code == 401
    wrong = requests.post(url + "/admin/reload", headers={"Authorization": "Bearer nope"},
                          timeout=10)
    assert wrong.status_code == 403
    admin = {"Authorization": f"Bearer {TOKEN}"}
    asked = requests.post(url + "/admin/reload", headers=admin, timeout=10)
    assert asked.status_code == 202, asked.text
    assert asked.json()["status"] == "switching"
    wait_until(lambda: extra_triples_seen(url) == 3, "/admin/reload did not switch builds")
    again = requests.post(url + "/admin/reload", headers=admin, timeout=10)
    assert again.status_code == 200 and again.json()["status"] == "unchanged"
    # A SIGHUP with nothing new changes nothing (and does not stop the server).
    server.send_signal(signal.SIGHUP)
    time.sleep(1.0)
    assert extra_triples_seen(url) == 3
    assert server.poll() is None
    deployment.stop(server)


def test_a_store_link_to_a_missing_build_is_refused(tmp_path: Path):
    link = tmp_path / "store"
    link.symlink_to(tmp_path / "store.builds" / "gone")
    with pytest.raises(StoreError, match="does not exist"):
        open_store(link)
    assert not (tmp_path / "store.builds" / "gone").exists(), "no empty store is created"
