"""A real ``coopgraph serve`` (gunicorn) on a loopback port, for load and fault tests.

Its stderr goes to a file (a pipe could fill up and block the server); ``log()`` reads it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from conftest import ADMIN_TOKEN, free_port, load_tiny

from coopgraph.store import open_store


@dataclass
class Served:
    """A running server: its ``url`` (no trailing slash) and its stderr file."""

    url: str
    process: subprocess.Popen[bytes]
    stderr: Path

    def log(self) -> str:
        return self.stderr.read_text(errors="replace")


def tiny_store_dir(path: Path) -> Path:
    """An on-disk store holding the tiny dataset of conftest."""
    store = load_tiny(open_store(path))
    store.close()
    return path


@contextmanager
def serve(store: Path, *options: str, boot_s: float = 60.0) -> Iterator[Served]:
    """Run ``coopgraph serve --store STORE OPTIONS…``; stopped with SIGTERM (then SIGKILL)."""
    port = free_port()
    stderr = store.parent / f"serve-{port}.log"
    env = dict(os.environ, COOPGRAPH_ADMIN_TOKEN=ADMIN_TOKEN)
    with stderr.open("wb") as err:
        process = subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, "-m", "coopgraph", "serve", "--host", "127.0.0.1",
             "--port", str(port), "--store", str(store), *options],
            stdout=subprocess.DEVNULL, stderr=err, env=env,
        )
    served = Served(f"http://127.0.0.1:{port}", process, stderr)
    try:
        deadline = time.monotonic() + boot_s
        while True:
            if process.poll() is not None:
                raise AssertionError(f"server exited: {served.log()}")
            try:
                if requests.get(served.url + "/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("server did not become healthy")
            time.sleep(0.1)
        yield served
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
