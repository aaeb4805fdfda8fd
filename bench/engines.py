"""Real SPARQL engines, each started on 127.0.0.1 on a free port and stopped by PID: shared by
the tests (tests/engines.py re-exports this module) and the benchmarks (bench/remote.py).

* :func:`start_oxigraph` — Oxigraph server (the ``oxigraph`` PyPI package's CLI):
  ``oxigraph serve --bind 127.0.0.1:PORT --location DIR``; query ``/query``, update
  ``/update``, Graph Store ``/store``; no authentication. ``union_default_graph`` starts it
  with ``--union-default-graph`` (for ``coopgraph --engine-union``).
* :func:`start_virtuoso` — Virtuoso Open Source 7 (Debian ``virtuoso-opensource-7-bin``,
  installed by ``.ci/run``): ``virtuoso-t -f -c INI`` with a temporary virtuoso.ini whose
  ServerPort entries are 127.0.0.1:PORT and whose database files are in a temporary folder;
  the ``dba`` password is changed to a random one through ``isql-vt``; queries ``/sparql``,
  updates ``/sparql-auth`` (Digest, as dba), Graph Store ``/sparql-graph-crud-auth``.

Fuseki is not started: it is not in the registries this project can reach (Maven Central
is not one of them); see docs/deployment.md.

Why under bench/: the benchmarks cannot import from tests/, the tests can import bench/ (a
package at the repository root), and neither belongs in the shipped server.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


#: How long an engine may take to answer its first request (Virtuoso creates its database).
START_TIMEOUT_S = 180.0


class EngineUnavailable(RuntimeError):
    """The engine's program is not installed or did not start; the message says why."""


@dataclass
class Engine:
    """A running engine: its endpoints, credentials and process."""

    name: str
    query_url: str
    update_url: str
    gsp_url: str | None
    process: subprocess.Popen[bytes]
    workdir: Path
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    auth: str | None = None
    log: Path | None = None
    sql_port: int | None = None  # Virtuoso's SQL port (isql-vt), e.g. for its bulk loader

    @property
    def pid(self) -> int:
        return self.process.pid

    def remote_settings(self, **overrides: object) -> object:
        """The :class:`coopgraph.store.remote.RemoteSettings` that reach this engine."""
        from coopgraph.store.remote import RemoteSettings

        kwargs: dict[str, object] = {
            "query_url": self.query_url, "update_url": self.update_url,
            "gsp_url": self.gsp_url, "user": self.user, "password": self.password,
            "auth": self.auth, "engine": self.name,
        }
        kwargs.update(overrides)
        return RemoteSettings(**kwargs)  # type: ignore[arg-type]

    def cli_args(self) -> list[str]:
        """``coopgraph`` options for this engine (the password goes in the environment)."""
        args = ["--backend", "sparql", "--query-url", self.query_url,
                "--update-url", self.update_url, "--engine", self.name]
        if self.gsp_url:
            args += ["--gsp-url", self.gsp_url]
        if self.user:
            args += ["--user", self.user, "--auth", self.auth or "basic"]
        return args

    def stop(self) -> None:
        """SIGTERM by PID, then SIGKILL if it has not exited in 30 s; reaped; files removed."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        shutil.rmtree(self.workdir, ignore_errors=True)


def _wait_until_ready(engine: Engine, probe: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if engine.process.poll() is not None:
            tail = engine.log.read_text(errors="replace")[-2000:] if engine.log else ""
            raise EngineUnavailable(f"{engine.name} exited with {engine.process.returncode}:\n"
                                    f"{tail}")
        try:
            response = requests.get(probe, params={"query": "ASK {}"}, timeout=2)
            if response.status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    engine.stop()
    raise EngineUnavailable(f"{engine.name} did not answer within {START_TIMEOUT_S:.0f} s")


def oxigraph_program() -> str | None:
    """The ``oxigraph`` CLI of this virtualenv (test extra), or one on PATH."""
    local = Path(sys.executable).with_name("oxigraph")
    return str(local) if local.exists() else shutil.which("oxigraph")


def start_oxigraph(workdir: Path, *, union_default_graph: bool = False,
                   timeout_s: int = 20) -> Engine:
    """Oxigraph server on the on-disk store ``workdir/db`` (a new one if it does not exist,
    e.g. one ``oxigraph load`` filled); ``timeout_s`` is its server-wide query time limit,
    which bounds the CPU of a query our server gave up on."""
    program = oxigraph_program()
    if program is None:
        raise EngineUnavailable("the oxigraph CLI is not installed (pip install oxigraph)")
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = workdir / "oxigraph.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - a fixed program and arguments
            [program, "serve", "--bind", f"127.0.0.1:{port}", "--location", str(workdir / "db"),
             "--timeout-s", str(timeout_s),
             *(["--union-default-graph"] if union_default_graph else [])],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
    url = f"http://127.0.0.1:{port}"
    engine = Engine("oxigraph", f"{url}/query", f"{url}/update", f"{url}/store",
                    process, workdir, log=log)
    _wait_until_ready(engine, engine.query_url)
    return engine


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 10
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = {dir}
NumberOfBuffers = 20000
MaxDirtyBuffers = 12000
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 4

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
MaxClientConnections = 10
ServerThreads = 10
MaxKeepAlives = 10
KeepAliveTimeout = 10
Charset = UTF-8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
MaxQueryCostEstimationTime = 400
"""


def start_virtuoso(workdir: Path) -> Engine:
    """Virtuoso Open Source 7 with a new database in ``workdir`` and a random dba password."""
    program = shutil.which("virtuoso-t")
    isql = shutil.which("isql-vt")
    if program is None or isql is None:
        raise EngineUnavailable(
            "virtuoso-t is not installed: apt-get install virtuoso-opensource-7-bin "
            "(.ci/run does it)")
    workdir.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    ini = workdir / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(dir=workdir, sql_port=sql_port, http_port=http_port))
    log = workdir / "stdout.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - a fixed program and arguments
            [program, "-f", "-c", str(ini)], cwd=workdir,
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
    url = f"http://127.0.0.1:{http_port}"
    engine = Engine("virtuoso", f"{url}/sparql", f"{url}/sparql-auth",
                    f"{url}/sparql-graph-crud-auth", process, workdir,
                    user="dba", auth="digest", log=log, sql_port=sql_port)
    _wait_until_ready(engine, engine.query_url)
    password = "pw-" + secrets.token_hex(12)
    done = subprocess.run(  # noqa: S603 - a fixed program; the password is ours, random
        [isql, f"127.0.0.1:{sql_port}", "dba", "dba",
         f"exec=USER_SET_PASSWORD('dba', '{password}');"],
        capture_output=True, timeout=60, check=False,
    )
    if done.returncode != 0:
        engine.stop()
        raise EngineUnavailable(f"could not set the dba password: {done.stdout[-500:]!r}")
    engine.password = password
    return engine


STARTERS = {"oxigraph": start_oxigraph, "virtuoso": start_virtuoso}
