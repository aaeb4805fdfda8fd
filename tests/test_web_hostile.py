"""Hostile queries against a real ``coopgraph serve``: refused cheaply, nobody else slowed.

Issue 12: a query with 5,000 nested ``{`` used to crash two query workers per request (500,
"query worker died") and raise everyone's latency. It is now refused with 400 before any
parser sees it.
"""

from __future__ import annotations

import statistics
import threading
import time
from pathlib import Path

import requests
from conftest import ADMIN_TOKEN
from served import serve, tiny_store_dir

DEEP = "SELECT * WHERE " + "{" * 5000 + "?s ?p ?o" + "}" * 5000
CHEAP = "ASK { ?s ?p ?o }"


def test_deep_nesting_is_400_and_kills_no_worker(tmp_path: Path) -> None:
    with serve(tiny_store_dir(tmp_path / "store"), "--threads", "8") as server:
        url = server.url + "/sparql"
        answers: list[tuple[int, str]] = []
        stop = threading.Event()

        def hostile() -> None:
            with requests.Session() as session:
                for _ in range(15):  # bounded: 2 × 15 requests
                    if stop.is_set():
                        return
                    r = session.post(url, data={"query": DEEP}, timeout=30)
                    answers.append((r.status_code, r.text))

        clients = [threading.Thread(target=hostile) for _ in range(2)]
        for client in clients:
            client.start()
        probes: list[float] = []
        with requests.Session() as session:
            for _ in range(30):
                started = time.monotonic()
                r = session.get(url, params={"query": CHEAP}, timeout=30)
                probes.append(time.monotonic() - started)
                assert r.status_code == 200 and r.json()["boolean"] is True
        stop.set()
        for client in clients:
            client.join(60)
        update = requests.post(
            server.url + "/update",
            data={"update": "INSERT DATA { <urn:a> <urn:b> " + "(" * 5000 + "1" + ")" * 5000
                  + " }"},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=30)
        log = server.log()
    assert answers and all(status == 400 for status, _ in answers), answers[:1]
    assert all("256 levels deep" in text and "line 1, column" in text for _, text in answers)
    assert update.status_code == 400 and "256 levels deep" in update.text, update.text
    # No query worker died or was restarted for these requests.
    assert "died" not in log and "crashed" not in log, log
    assert statistics.median(probes) < 0.5 and max(probes) < 2.0, probes
