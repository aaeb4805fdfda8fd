"""The engine harness (tests/engines.py): real engines start on loopback and stop by PID."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
import requests
from engines import STARTERS

pytestmark = pytest.mark.engines


@pytest.mark.parametrize("name", sorted(STARTERS))
def test_an_engine_starts_on_loopback_and_stops_by_pid(name: str, tmp_path: Path) -> None:
    engine = STARTERS[name](tmp_path / name)
    try:
        assert engine.query_url.startswith("http://127.0.0.1:")
        answer = requests.post(engine.query_url, data={"query": "ASK { ?s ?p ?o }"},
                               headers={"Accept": "application/sparql-results+json"},
                               timeout=30)
        assert answer.status_code == 200 and "boolean" in answer.json()
        if engine.user:  # updates need the credentials the harness set, and only those
            refused = requests.post(engine.update_url, data={"update": "CLEAR ALL"},
                                    timeout=30)
            assert refused.status_code == 401
        pid = engine.pid
    finally:
        engine.stop()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # reaped: not even a zombie
    port = int(engine.query_url.split(":")[2].split("/")[0])
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0
    assert not engine.workdir.exists()
