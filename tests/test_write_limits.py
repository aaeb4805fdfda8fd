"""Updates and uploads within the time and memory limits, against a real ``coopgraph serve``.

Issue 12: an update was checked in a query worker but applied in the web process, where no
time limit applies (a 500,000-triple ``INSERT … WHERE`` took 24 s and 3.1 GB there). Now a
query worker applies it first to a writable checkpoint of the store under the limits; an
update that passes them is stopped there (503, nothing changed) and the server goes on.
"""

from __future__ import annotations

import time
from pathlib import Path

import requests
from conftest import ADMIN_TOKEN, BASE
from served import serve, tiny_store_dir

from coopgraph.store import open_store

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
G = f"{BASE}graph/upload/limits"
#: 27 million solutions to filter (300³), none kept: about 30 s of CPU, little memory.
SLOW = (f"INSERT {{ GRAPH <{G}> {{ ?a <urn:slow> ?b }} }} WHERE {{ GRAPH <{G}> {{ "
        "?a <urn:n> ?x . ?b <urn:n> ?y . ?c <urn:n> ?z FILTER(?x + ?y + ?z < 0) } }")


def _update(url: str, text: str) -> requests.Response:
    return requests.post(url + "/update", data=text.encode(), timeout=120,
                         headers={"Content-Type": "application/sparql-update", **AUTH})


def _ask(url: str, query: str) -> bool:
    r = requests.get(url + "/sparql", params={"query": query}, timeout=60)
    assert r.status_code == 200, r.text
    return bool(r.json()["boolean"])


def _checkpoints(root: Path) -> list[Path]:
    """The update checkpoints left under the executor's snapshot folders."""
    return [p for readers in root.glob(".coopgraph-readers-*") for p in readers.glob("update-*")]


def test_an_update_over_the_time_limit_is_stopped_and_changes_nothing(tmp_path: Path):
    store = tiny_store_dir(tmp_path / "store")
    with open_store(store) as writer:
        numbers = "\n".join(f"<urn:s{i}> <urn:n> {i} ." for i in range(300))
        writer.add_to_graph(G, numbers.encode(), "text/turtle")
    with serve(store, "--timeout", "5", "--threads", "4") as served:
        started = time.monotonic()
        r = requests.post(served.url + "/update", timeout=120,
                          data=f"INSERT DATA {{ GRAPH <{G}> {{ <urn:marker> <urn:p> 1 }} }} ;\n"
                               f"{SLOW}".encode(),
                          headers={"Content-Type": "application/sparql-update",
                                   "Accept": "application/json", **AUTH})
        took = time.monotonic() - started
        assert r.status_code == 503, r.text
        assert r.headers["Retry-After"] == "10"
        assert r.json()["message"].startswith("the update did not finish within 5 s")
        assert "nothing was changed" in r.json()["message"]
        assert took < 25, took  # stopped at the limit, not after its full cost
        # nothing of it was applied, not even its first operation
        assert not _ask(served.url, "ASK { <urn:marker> ?p ?o }")
        assert not _ask(served.url, "ASK { ?a <urn:slow> ?b }")
        # the server goes on: queries, and later updates, visible at once
        assert _ask(served.url, "ASK { <urn:s299> <urn:n> 299 }")
        r = _update(served.url, f"INSERT DATA {{ GRAPH <{G}> {{ <urn:after> <urn:p> 2 }} }}")
        assert r.status_code == 204, r.text
        assert _ask(served.url, "ASK { <urn:after> <urn:p> 2 }")
        assert _checkpoints(tmp_path) == []
        assert "Traceback" not in served.log()
    assert _checkpoints(tmp_path) == []


def test_a_large_insert_data_is_applied_within_the_limits(tmp_path: Path):
    store = tiny_store_dir(tmp_path / "store")
    with serve(store, "--threads", "4") as served:
        lines = "\n".join(f'e:s{i} e:p "v{i}" .' for i in range(4000))
        started = time.monotonic()
        text = f"PREFIX e: <https://ex.org/>\nINSERT DATA {{ GRAPH <{G}> {{\n{lines}\n}} }}"
        assert 80_000 < len(text) < 100_000  # the size of issue 12's example
        r = _update(served.url, text)
        took = time.monotonic() - started
        assert r.status_code == 204, r.text
        assert took < 10, took
        count = requests.get(served.url + "/sparql", timeout=60, params={"query": (
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }}")})
        assert count.json()["results"]["bindings"][0]["n"]["value"] == "4000"
        # an update the engine cannot apply is still its 500, nothing applied
        r = _update(served.url, "DROP GRAPH <https://ex.org/missing>")
        assert r.status_code == 500 and "could not be applied" in r.text
        assert _checkpoints(tmp_path) == []


def _turtle(size: int) -> bytes:
    """Turtle with blank nodes and lists (~1 MiB/s for pyoxigraph here), within every bound of
    ``rdfio.check_safe`` (two levels of nesting, short literals)."""
    line = b'ex:s%d ex:p "a literal with [brackets] and (parens) %d" ; ex:q [ ex:r ( 1 2 ) ] .\n'
    data = b"@prefix ex: <http://example.org/> .\n" + b"".join(
        line % (i, i) for i in range(size // 70))
    return data[:size].rsplit(b"\n", 1)[0] + b"\n"


def test_an_upload_whose_parse_passes_the_time_limit_is_stopped(tmp_path: Path):
    """The parse of an upload runs in a query worker that is killed at the time limit (503,
    nothing stored), instead of running to its end in the web process (before: parsed whole,
    then refused by the time check before the commit)."""
    store = tiny_store_dir(tmp_path / "store")
    graph = f"{BASE}graph/upload/slow-parse"
    with serve(store, "--timeout", "1", "--threads", "4") as served:
        data = _turtle(8 * 1024 * 1024)
        started = time.monotonic()
        r = requests.put(served.url + "/store", params={"graph": graph}, data=data,
                         timeout=120, headers={"Content-Type": "text/turtle",
                                               "Accept": "application/json", **AUTH})
        took = time.monotonic() - started
        assert r.status_code == 503, r.text
        assert r.headers["Retry-After"] == "10"
        message = r.json()["message"]
        assert message.startswith("parsing the text/turtle data did not finish within 1 s"), message
        assert "nothing was changed" in message
        assert took < 30, took
        assert requests.get(served.url + "/store", params={"graph": graph},
                            timeout=60).status_code == 404
        # the same for a contribution, checked (/validate) or taken in (/contributions)
        for path, params in (("/validate", {}), ("/contributions", {
                "contributor": "Test", "source": "https://example.org/source"})):
            r = requests.post(served.url + path, params=params, data=data, timeout=120,
                              headers={"Content-Type": "text/turtle",
                                       "Accept": "application/json", **AUTH})
            assert r.status_code == 503, (path, r.text)
            assert r.json()["message"].startswith(
                "parsing <request body> did not finish within 1 s"), r.text
        assert requests.get(served.url + "/contributions", timeout=60,
                            headers={"Accept": "application/json"}).json()["contributions"] == []
        # the server goes on: a normal upload is stored and served
        r = requests.put(served.url + "/store", params={"graph": graph}, timeout=60,
                         data=b"<urn:a> <urn:p> <urn:b> .\n",
                         headers={"Content-Type": "text/turtle", **AUTH})
        assert r.status_code == 201, r.text
        assert _ask(served.url, "ASK { <urn:a> <urn:p> <urn:b> }")
        assert "Traceback" not in served.log()
