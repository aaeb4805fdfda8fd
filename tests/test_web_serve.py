"""`coopgraph serve` (gunicorn, threads) on a real port, and the structured access log."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from conftest import free_port

from coopgraph.serve import _is_loopback, add_arguments, app_config, run
from coopgraph.store import open_store

TOKEN = "serve-test-token"
LOG_FIELDS = {"method", "path", "status", "duration_ms", "query_hash", "client"}


def _wait_healthy(url: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stderr.read().decode()}")
        try:
            if requests.get(url + "/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or too busy to answer
            pass
        time.sleep(0.1)
    raise AssertionError("server did not become healthy")


def test_serve_under_gunicorn(tmp_path: Path):
    store_dir = tmp_path / "store"  # missing directory: a new empty store
    port = free_port()
    env = dict(os.environ, COOPGRAPH_ADMIN_TOKEN=TOKEN)
    proc = subprocess.Popen(
        [sys.executable, "-m", "coopgraph", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--store", str(store_dir), "--threads", "4", "--timeout", "10"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )
    url = f"http://127.0.0.1:{port}"
    busy_query = "ASK { <urn:a> <urn:p> ?o }"
    try:
        _wait_healthy(url, proc)
        health = requests.get(url + "/healthz", timeout=30).json()
        assert {k: health[k] for k in ("status", "graphs", "triples")} == {
            "status": "ok", "graphs": 0, "triples": 0}
        assert health["evaluation"]["busy"] == 0  # the workers' state (tests/test_web_health.py)
        graph = "https://w3id.org/coopgraph/graph/upload/serve"
        put = requests.put(url + "/store", params={"graph": graph},
                           data=b"<urn:a> <urn:p> <urn:b> .",
                           headers={"Content-Type": "text/turtle",
                                    "Authorization": f"Bearer {TOKEN}"}, timeout=30)
        assert put.status_code == 201
        query = "SELECT ?o WHERE { <urn:a> <urn:p> ?o }"
        r = requests.get(url + "/sparql", params={"query": query}, timeout=30)
        assert r.headers["Server"].startswith("gunicorn")
        assert r.json()["results"]["bindings"][0]["o"]["value"] == "urn:b"
        # a long GET query (clients put prefixes in the URL) passes gunicorn's request line
        long_query = "".join(f"PREFIX p{i}: <https://example.org/{i}/>\n" for i in range(200))
        long = requests.get(url + "/sparql", params={"query": long_query + "ASK {}"}, timeout=30)
        assert len(long.request.url) > 8192 and long.json()["boolean"] is True
        bad = requests.get(url + "/sparql", params={"query": "SELECT"}, timeout=30)
        assert bad.status_code == 400
        # A small result is sent whole, with its length; keep-alive connections beyond
        # --threads are all served in turn (a request thread holds its connection for the
        # next request only while no other connection waits for a thread).
        assert r.headers["Content-Length"] == str(len(r.content))
        sessions = [requests.Session() for _ in range(6)]

        def client(session: requests.Session) -> float:
            started = time.monotonic()
            for _ in range(20):
                answer = session.get(url + "/sparql", params={"query": busy_query}, timeout=30)
                assert answer.status_code == 200 and answer.json()["boolean"] is True
            session.close()
            return time.monotonic() - started

        with ThreadPoolExecutor(len(sessions)) as pool:
            assert max(pool.map(client, sessions)) < 20
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            _, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0
    lines = [json.loads(line) for line in err.decode().splitlines() if line.startswith("{")]
    assert lines, err.decode()
    for line in lines:
        assert LOG_FIELDS <= set(line), line
        assert line["client"] == "127.0.0.1"
    busy_hash = hashlib.sha256(busy_query.encode()).hexdigest()[:16]
    assert sum(line["query_hash"] == busy_hash for line in lines) == 6 * 20
    sparql = [line for line in lines
              if line["path"] == "/sparql" and line["query_hash"] != busy_hash]
    # lines are written when each response is closed, so their order may differ
    assert sorted(line["status"] for line in sparql) == [200, 200, 400]
    by_hash = {line["query_hash"]: line for line in sparql}
    assert by_hash[hashlib.sha256(query.encode()).hexdigest()[:16]]["status"] == 200
    assert by_hash[hashlib.sha256(b"SELECT").hexdigest()[:16]]["status"] == 400
    assert "Traceback" not in err.decode()
    # the write was flushed to disk by the worker on exit
    with open_store(store_dir, read_only=True) as store:
        assert store.count() == 1


def test_access_log_line(live_server, access_log):
    query = "ASK { ?s ?p ?o }"
    requests.post(live_server.endpoint(), data={"query": query}, timeout=30)
    access_log.wait()
    line = json.loads(access_log[0])
    assert line["method"] == "POST" and line["path"] == "/sparql" and line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert len(line["query_hash"]) == 16 and line["client"] == "127.0.0.1"


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(list(argv))


def test_serve_options(tmp_path: Path, capsys):
    settings = app_config(_args("--store", str(tmp_path), "--no-union-default-graph",
                                "--timeout", "5", "--service-allow", "https://a/sparql"))
    assert settings["STORE_PATH"] == str(tmp_path)
    assert settings["UNION_DEFAULT_GRAPH"] is False
    assert settings["QUERY_TIMEOUT"] == 5
    assert settings["SERVICE_ALLOWLIST"] == ["https://a/sparql"]
    assert app_config(_args("--in-memory"))["STORE_PATH"] is None
    assert run(_args("--workers", "2")) == 2
    assert "--workers must be 1" in capsys.readouterr().err
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert run(_args("--store", str(a_file))) == 2
    assert _is_loopback("127.0.0.1") and _is_loopback("::1") and _is_loopback("localhost")
    assert not _is_loopback("0.0.0.0")
