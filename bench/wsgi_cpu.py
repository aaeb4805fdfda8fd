"""CPU per ``/sparql`` lookup in the web process, the app called in-process as WSGI.

Why: on a shared, loaded machine the HTTP loop (bench/serve_ab.py) is noisy; the CPU time of
the calling thread (``time.thread_time``) counts only the web layer's own work (the query
runs in a query process). Prints the median of ``--rounds`` runs of ``--requests`` lookups.

    python -m bench.wsgi_cpu            # FAST_PATH as set (COOPGRAPH_FAST_PATH=0: Flask only)
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from urllib.parse import urlencode

from coopgraph.store import open_store
from coopgraph.web import create_app

QUERY = "SELECT ?p ?o WHERE { <urn:example:nothing> ?p ?o }"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    store = open_store(None)
    app = create_app({"STORE": store, "ACCESS_LOG": False})
    qs = urlencode({"query": QUERY})

    def _call() -> None:
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/sparql", "QUERY_STRING": qs,
                   "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SCRIPT_NAME": "",
                   "REMOTE_ADDR": "127.0.0.1", "wsgi.input": io.BytesIO(),
                   "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
                   "SERVER_PROTOCOL": "HTTP/1.1"}
        status: list[str] = []
        body = app.wsgi_app(environ, lambda s, h, *a: status.append(s))
        b"".join(body)
        getattr(body, "close", lambda: None)()
        assert status[0].startswith("200"), status

    for _ in range(200):
        _call()
    cpu = []
    for _ in range(args.rounds):
        start = time.thread_time()
        for _ in range(args.requests):
            _call()
        cpu.append((time.thread_time() - start) / args.requests * 1000)
    print(f"web-layer CPU per lookup: median {statistics.median(cpu):.3f} ms "
          f"(rounds: {', '.join(f'{c:.3f}' for c in cpu)})")
    app.extensions["coopgraph"].close()


if __name__ == "__main__":
    main()
