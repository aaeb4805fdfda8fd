"""Every setting of coopgraph, declared once: name, type, default, environment variable, flag.

Why one table: the command line (``coopgraph serve --timeout``), the environment
(``COOPGRAPH_QUERY_TIMEOUT``), the Flask app (``create_app({"QUERY_TIMEOUT": …})``), the
executor's :class:`~coopgraph.executor.Limits` and ``docs/settings.md`` all read their
defaults and help texts from :data:`SETTINGS`, so they cannot disagree (they used to: four
copies, two different concurrency and result-size limits). Modelled on Datasette's
``SETTINGS`` (datasette/app.py).

A value is taken from, in order: the explicit value (a command-line flag, or a key of the
``create_app`` config), the environment variable, the default. This module is a leaf: it
imports nothing from coopgraph, so the executor, the config and the web layer can all use it.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "SETTINGS",
    "Setting",
    "SettingError",
    "add_arguments",
    "app_defaults",
    "app_values",
    "default",
    "env_or_default",
    "reference_markdown",
    "resolve",
    "setting",
]

MiB = 1024 * 1024

#: Type names as written in docs/settings.md.
_TYPE_NAMES: dict[type, str] = {
    str: "string", int: "integer", float: "number", bool: "boolean", Path: "path",
    list: "list of strings", object: "Python object",
}


class SettingError(ValueError):
    """A setting's value (typically from the environment) cannot be read; the message says
    which variable holds what, and what was expected."""


@dataclass(frozen=True)
class Setting:
    """One setting.

    ``app``: a key of ``create_app``'s config (then ``name`` is that key); otherwise only the
    commands read it. ``flag``: the command-line option; for a boolean it is the option that
    turns the default around (``--no-…`` for a setting on by default). ``commands``: the
    ``coopgraph`` subcommands that use it. ``limit``: the executor ``Limits`` field it sets.
    ``group``: settings whose flags exclude each other (e.g. ``--store`` / ``--in-memory``).
    """

    name: str
    type: type
    default: Any
    description: str
    env: str | None = None
    flag: str | None = None
    commands: tuple[str, ...] = ()
    app: bool = True
    nullable: bool = False
    metavar: str | None = None
    limit: str | None = None
    group: str | None = None
    unit: str = ""

    @property
    def dest(self) -> str:
        """The attribute of the parsed arguments that holds the setting's value."""
        if self.flag is None or self.flag.startswith("--no-"):
            return self.name.lower()
        return self.flag.lstrip("-").replace("-", "_")

    @property
    def type_name(self) -> str:
        name = _TYPE_NAMES[self.type] + (f" ({self.unit})" if self.unit else "")
        return name + (" or none" if self.nullable else "")

    def default_text(self) -> str:
        """The default as the docs and ``--help`` show it."""
        value = self.default
        if value is None:
            return "none"
        if isinstance(value, bool):
            return "on" if value else "off"
        if isinstance(value, int) and value >= MiB and value % MiB == 0:
            return f"{value // MiB} MiB"
        if isinstance(value, tuple | list):
            return ", ".join(value) if value else "none"
        if isinstance(value, Path):
            return f"./{value}"
        return str(value)

    def parse(self, text: str) -> Any:
        """The value of ``text`` (an environment variable, a flag's argument) for this type."""
        text = text.strip()
        if self.nullable and text == "":
            return None
        if self.type is list:
            return [item for item in text.replace(",", " ").split() if item]
        if self.type is str:
            return text
        if self.type is Path:
            return Path(text)
        try:
            if self.type is bool:
                return _parse_bool(text)
            if self.type in (int, float):
                number = self.type(text)
                if number >= 0:
                    return number
        except ValueError:
            pass
        if self.type not in _EXPECTED:
            raise SettingError(f"{self.name} cannot be set from text")
        raise SettingError(f"{text!r} is not {_EXPECTED[self.type]}")


_EXPECTED: dict[type, str] = {
    bool: "a boolean (1/0, true/false, yes/no, on/off)",
    int: "a non-negative integer",
    float: "a non-negative number",
    Path: "a path",
    list: "a list",
    str: "a string",
}


def _parse_bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(text)


_ALL = ("build", "query", "stats", "contribute", "serve")
_REMOTE = ("build", "query", "stats", "serve")  # the commands that can use a remote engine

#: The table. docs/settings.md is generated from it (tests/test_settings.py keeps it current).
SETTINGS: tuple[Setting, ...] = (
    # -- the HTTP server (`coopgraph serve`)
    Setting("HOST", str, "127.0.0.1",
            "address to listen on; a public address is allowed with a warning: put a reverse "
            "proxy with TLS in front",
            env="COOPGRAPH_HOST", flag="--host", commands=("serve",), app=False),
    Setting("PORT", int, 8000, "port to listen on",
            env="COOPGRAPH_PORT", flag="--port", commands=("serve",), app=False),
    Setting("THREADS", int, 8,
            "threads of the worker, i.e. requests served at once",
            env="COOPGRAPH_THREADS", flag="--threads", commands=("serve",), app=False),
    Setting("WORKERS", int, 1,
            "worker processes: must be 1 (RocksDB allows one process per store)",
            flag="--workers", commands=("serve",), app=False),
    # -- the store and the dataset
    Setting("STORE_DIR", Path, Path("var/store"),
            "the on-disk store the commands build, query and serve (`serve` hands it to the "
            "app as `STORE_PATH`); an empty or missing directory serves a new empty store",
            env="COOPGRAPH_STORE", flag="--store", commands=_ALL, app=False, metavar="PATH",
            group="store"),
    Setting("IN_MEMORY", bool, False,
            "serve a new, empty in-memory store (lost at exit) instead of `STORE_DIR`",
            flag="--in-memory", commands=("serve",), app=False, group="store"),
    Setting("STORE_PATH", Path, None,
            "the on-disk store `create_app` opens; none = a new in-memory store",
            nullable=True),
    Setting("STORE", object, None,
            "an already opened `Store` (then `STORE_PATH` is ignored and the app does not "
            "close it)", nullable=True),
    Setting("REMOTE", object, None,
            "set by `coopgraph serve --backend sparql`: a `RemoteSettings` (coopgraph/store/"
            "remote.py); the app then serves that SPARQL engine instead of `STORE_PATH`",
            nullable=True),
    Setting("STORE_LINK", str, None,
            "set by `coopgraph serve`: the store link whose newest build `POST /admin/reload` "
            "switches to; none = the store is not a build link (reload answers 409)",
            nullable=True),
    Setting("RELOAD", object, None,
            "set by `coopgraph serve`: the callable that asks gunicorn's master to switch to "
            "the newest build; none = reload answers 501", nullable=True),
    Setting("STORE_READ_ONLY", bool, False,
            "open the store read-only: every write is refused (403)",
            env="COOPGRAPH_READ_ONLY", flag="--read-only", commands=("serve",)),
    # -- a remote SPARQL engine instead of the embedded store (docs/deployment.md)
    Setting("BACKEND", str, "oxigraph",
            "`oxigraph`: the embedded store; `sparql`: a remote SPARQL 1.1 engine (the "
            "`REMOTE_*` settings)",
            env="COOPGRAPH_BACKEND", flag="--backend", commands=_REMOTE, app=False,
            metavar="oxigraph|sparql"),
    Setting("REMOTE_QUERY_URL", str, None,
            "the engine's SPARQL query endpoint (required by `--backend sparql`)",
            env="COOPGRAPH_QUERY_URL", flag="--query-url", commands=_REMOTE, app=False,
            nullable=True, metavar="URL"),
    Setting("REMOTE_UPDATE_URL", str, None,
            "the engine's SPARQL Update endpoint (builds and writes)",
            env="COOPGRAPH_UPDATE_URL", flag="--update-url", commands=_REMOTE, app=False,
            nullable=True, metavar="URL"),
    Setting("REMOTE_GSP_URL", str, None,
            "the engine's Graph Store Protocol endpoint; none = graphs are loaded with "
            "`INSERT DATA`",
            env="COOPGRAPH_GSP_URL", flag="--gsp-url", commands=_REMOTE, app=False,
            nullable=True, metavar="URL"),
    Setting("REMOTE_USER", str, None, "the user name for the engine",
            env="COOPGRAPH_USER", flag="--user", commands=_REMOTE, app=False, nullable=True,
            metavar="NAME"),
    Setting("REMOTE_PASSWORD", str, None,
            "the engine's password, or its token for `bearer` auth. Environment only: a flag "
            "would show it in `ps`",
            env="COOPGRAPH_PASSWORD", commands=_REMOTE, app=False, nullable=True),
    Setting("REMOTE_AUTH", str, None,
            "HTTP authentication to the engine: `basic`, `digest` or `bearer`; none = `basic` "
            "when a user is given",
            env="COOPGRAPH_AUTH", flag="--auth", commands=_REMOTE, app=False, nullable=True,
            metavar="KIND"),
    Setting("REMOTE_ENGINE", str, "generic",
            "the engine's quirks: `generic`, `oxigraph`, `virtuoso` or `fuseki` (its per-query "
            "timeout parameter, Virtuoso's blank node labels)",
            env="COOPGRAPH_ENGINE", flag="--engine", commands=_REMOTE, app=False,
            metavar="NAME"),
    Setting("REMOTE_ENGINE_UNION", bool, False,
            "send a query without `FROM`, protocol dataset or the word `GRAPH` with no dataset, "
            "so that the engine's own union default graph answers it (faster than coopgraph's "
            "list of graphs): `--engine oxigraph` with Oxigraph server started with "
            "`--union-default-graph` only; every graph on the engine, not only coopgraph's, "
            "is then visible to such queries (docs/deployment.md)",
            env="COOPGRAPH_REMOTE_ENGINE_UNION", flag="--engine-union", commands=_REMOTE,
            app=False),
    Setting("BASE", str, "https://w3id.org/coopgraph/",
            "the base IRI: names the curated graphs, the VoID dataset and resolves relative "
            "IRIs in queries; the source files always use the default, `build` rewrites it",
            env="COOPGRAPH_BASE", commands=("build", "stats", "serve")),
    Setting("UNION_DEFAULT_GRAPH", bool, True,
            "the default graph of a query is the union of all graphs (advertised as "
            "`sd:UnionDefaultGraph`); off: the store's own default graph",
            env="COOPGRAPH_UNION_DEFAULT_GRAPH", flag="--no-union-default-graph",
            commands=("serve",)),
    # -- writes
    Setting("ADMIN_TOKEN", str, None,
            "the bearer token for `/update` and `/store` writes; none = every write refused. "
            "Environment only: a flag would show it in `ps`",
            env="COOPGRAPH_ADMIN_TOKEN", commands=("serve",), nullable=True),
    Setting("PROTECTED_GRAPHS", list, None,
            "graphs no write may touch; none = the curated graphs "
            "`<BASE>graph/{ontology,shapes,data,links,inferred}`", nullable=True),
    Setting("ALLOW_CURATED_WRITES", bool, False,
            "let the admin token change the protected (curated) graphs too",
            env="COOPGRAPH_ALLOW_CURATED_WRITES", flag="--allow-curated-writes",
            commands=("serve",)),
    # -- limits of queries (the executor's Limits)
    Setting("QUERY_TIMEOUT", float, 30.0,
            "time limit of one query (503 beyond); gunicorn's worker timeout is this + 30 s",
            env="COOPGRAPH_QUERY_TIMEOUT", flag="--timeout", commands=("serve",),
            metavar="S", limit="timeout_s", unit="seconds"),
    Setting("MAX_QUERY_LENGTH", int, 100_000,
            "longest query or update text",
            env="COOPGRAPH_MAX_QUERY_LENGTH", flag="--max-query-length", commands=("serve",),
            metavar="CHARS", limit="max_query_chars", unit="characters"),
    Setting("MAX_RESULT_SIZE", int, 100 * MiB,
            "largest serialised result (413 before the first byte; a cut-off body after it)",
            env="COOPGRAPH_MAX_RESULT_SIZE", flag="--max-result-size", commands=("serve",),
            metavar="BYTES", limit="max_result_bytes", unit="bytes"),
    Setting("MAX_CONCURRENT_QUERIES", int, 4,
            "queries evaluated at once, each in its own worker process (503 beyond)",
            env="COOPGRAPH_MAX_CONCURRENT_QUERIES", flag="--max-concurrent-queries",
            commands=("serve",), metavar="N", limit="max_concurrent"),
    Setting("QUEUE_WAIT", float, 0.5,
            "how long a query waits for a free slot before 503",
            env="COOPGRAPH_QUEUE_WAIT", flag="--queue-wait", commands=("serve",),
            metavar="S", limit="queue_wait_s", unit="seconds"),
    Setting("WORKER_POOL_SIZE", int, 2,
            "query worker processes kept warm (latency only)",
            env="COOPGRAPH_WORKER_POOL_SIZE", flag="--worker-pool-size", commands=("serve",),
            metavar="N", limit="pool_size"),
    Setting("MEMORY_EVALUATION_QUADS", int, 2_000_000,
            "largest store (in quads) that each query worker copies into memory and evaluates "
            "there, about eight times faster than on disk (docs/benchmarks.md); larger stores, "
            "or a copy above half the worker's memory limit, are read from disk; 0 = never",
            env="COOPGRAPH_MEMORY_EVALUATION_QUADS", flag="--memory-evaluation-quads",
            commands=("serve",), metavar="QUADS", limit="memory_quads", unit="quads"),
    Setting("WORKER_NICE", int, 10,
            "how much lower the query workers' CPU priority is than the web process's (Linux "
            "niceness, 0-19, of each worker and of its scheduling autogroup): lookups answered "
            "by the web process then keep their latency while heavy queries fill the cores "
            "(docs/benchmarks.md); 0 = the same priority",
            env="COOPGRAPH_WORKER_NICE", flag="--worker-nice", commands=("serve",),
            metavar="N", limit="worker_nice"),
    Setting("LOOKUP_MAX_ROWS", int, 1000,
            "lookups bounded by their shape (one triple pattern with a fixed subject, no "
            "DISTINCT, FILTER or ORDER BY) of at most this many rows are answered in the web "
            "process, without the round trip to a query worker (limits.md); 0 = never",
            env="COOPGRAPH_LOOKUP_MAX_ROWS", flag="--lookup-max-rows",
            commands=("serve",), metavar="ROWS", limit="lookup_max_rows", unit="rows"),
    Setting("CHEAP_QUERY_SLOTS", int, 2,
            "extra query slots only for queries not known to be heavy, so cheap lookups find "
            "room while heavy queries fill the others (see limits.md, fair admission)",
            env="COOPGRAPH_CHEAP_QUERY_SLOTS", flag="--cheap-query-slots",
            commands=("serve",), metavar="N", limit="cheap_slots"),
    Setting("HEAVY_QUERIES_PER_CLIENT", int, 0,
            "heavy queries one client may run at once; 0 = its share of the slots among the "
            "clients running heavy queries (503 with Retry-After beyond, for that client only)",
            env="COOPGRAPH_HEAVY_QUERIES_PER_CLIENT", flag="--heavy-queries-per-client",
            commands=("serve",), metavar="N", limit="heavy_per_client"),
    Setting("SERVICE_ALLOWLIST", list, (),
            "remote SPARQL endpoints a `SERVICE` clause may call (environment: separated by "
            "spaces or commas)",
            env="COOPGRAPH_SERVICE_ALLOWLIST", flag="--service-allow", commands=("serve",),
            metavar="URL", limit="service_allowlist"),
    # -- requests and responses
    Setting("MAX_CONTENT_LENGTH", int, 16 * MiB,
            "largest request body: uploads, POSTed queries (413 beyond)",
            env="COOPGRAPH_MAX_UPLOAD", flag="--max-upload", commands=("serve",),
            metavar="BYTES", unit="bytes"),
    Setting("MAX_CONTRIBUTION_SIZE", int, 32 * MiB,
            "bytes of a contributed file `/validate` and `/contributions` accept (413 beyond, "
            "before parsing); `MAX_CONTENT_LENGTH` applies first to request bodies",
            env="COOPGRAPH_MAX_CONTRIBUTION_SIZE", flag="--max-contribution-size",
            commands=("serve",), metavar="BYTES", unit="bytes"),
    Setting("TRUSTED_PROXIES", int, 0,
            "reverse proxies in front whose `X-Forwarded-*` headers are trusted",
            env="COOPGRAPH_PROXIES", flag="--proxies", commands=("serve",), metavar="N"),
    Setting("ACCESS_LOG", bool, True,
            "write one JSON access-log line per request (logger `coopgraph.access`)",
            env="COOPGRAPH_ACCESS_LOG", flag="--no-access-log", commands=("serve",)),
    Setting("CORS_PATHS", list, ("/sparql", "/.well-known/void"),
            "paths answering with `Access-Control-Allow-Origin: *`"),
    # -- the /sparql result cache and HTTP validators (web/result_cache.py, docs/http-caching.md)
    Setting("RESULT_CACHE_SIZE", int, 64 * MiB,
            "memory for complete `/sparql` results, reused until the next write (least "
            "recently used first out); 0 = no cache and no `ETag` (`Cache-Control: no-store`)",
            env="COOPGRAPH_RESULT_CACHE_SIZE", flag="--result-cache-size", commands=("serve",),
            metavar="BYTES", unit="bytes"),
    Setting("RESULT_CACHE_ENTRY_MAX", int, 2 * MiB,
            "largest result the cache keeps; a larger one is streamed and not kept",
            env="COOPGRAPH_RESULT_CACHE_ENTRY_MAX", flag="--result-cache-entry-max",
            commands=("serve",), metavar="BYTES", unit="bytes"),
    Setting("RESULT_CACHE_REMOTE_TTL", float, 0.0,
            "with `--backend sparql`, how long a result and its `ETag` stay valid (others may "
            "write to the engine unseen); 0 = no cache and no `ETag` on that backend",
            env="COOPGRAPH_RESULT_CACHE_REMOTE_TTL", flag="--result-cache-remote-ttl",
            commands=("serve",), metavar="S", unit="seconds"),
    Setting("FAST_PATH", bool, True,
            "`/sparql` queries are answered by the core without Flask (web/fastpath.py); same "
            "answers, less CPU per request",
            env="COOPGRAPH_FAST_PATH", commands=("serve",)),
)

_BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


def setting(name: str) -> Setting:
    """The row named ``name`` (KeyError for an unknown name: a typo must not pass)."""
    return _BY_NAME[name]


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list | tuple) else value


def default(name: str) -> Any:
    """The default of ``name`` (lists are tuples here: defaults are never mutated)."""
    return setting(name).default


def _from_env(row: Setting, environ: Mapping[str, str]) -> tuple[bool, Any]:
    if row.env is None or row.env not in environ:
        return False, None
    try:
        return True, row.parse(environ[row.env])
    except SettingError as exc:
        raise SettingError(f"environment variable {row.env}: {exc}") from None


def env_or_default(name: str, environ: Mapping[str, str] | None = None) -> Any:
    """The value of ``name`` from its environment variable, else its default."""
    row = setting(name)
    found, value = _from_env(row, os.environ if environ is None else environ)
    return value if found else _copy(row.default)


def resolve(name: str, explicit: Mapping[str, Any] | None = None,
            environ: Mapping[str, str] | None = None) -> Any:
    """The value of ``name``: ``explicit[name]`` if present, else the environment, else the
    default. The one place a setting is read, by the app and the commands alike."""
    if explicit is not None and name in explicit:
        return explicit[name]
    return env_or_default(name, environ)


def app_defaults() -> dict[str, Any]:
    """The ``create_app`` config keys and their defaults (the environment not applied)."""
    return {row.name: _copy(row.default) for row in SETTINGS if row.app}


# --------------------------------------------------------------------------- command line


class _FromEnv(str):
    """A flag's default taken from the environment: argparse converts a string default with
    the option's ``type`` only if the subcommand runs, so a bad variable is reported (naming
    it) by the command that uses it, not by every command."""

    env: str


class _BoolFlag(argparse.Action):
    """A flag that sets a boolean setting to the opposite of its default."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        kwargs["nargs"] = 0
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        setattr(namespace, self.dest, self.const)


def _converter(row: Setting) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        try:
            value = row.parse(text)
        except SettingError as exc:
            where = f"environment variable {text.env}: " if isinstance(text, _FromEnv) else ""
            raise argparse.ArgumentTypeError(f"{where}{exc}") from None
        if row.type is list and not isinstance(text, _FromEnv):
            return text.strip()  # nargs="+": argparse converts one command-line word at a time
        return value

    convert.__name__ = _TYPE_NAMES[row.type]
    return convert


def _help(row: Setting) -> str:
    env = f"; env {row.env}" if row.env else ""
    text = f"{row.description} (setting {row.name}: default {row.default_text()}{env})"
    if row.type is bool and row.flag and row.flag.startswith("--no-"):
        text = f"turn off: {text}"  # the flag says the opposite of the description
    return text.replace("`", "").replace("%", "%%")


def add_arguments(parser: argparse.ArgumentParser, command: str,
                  only: Iterable[str] | None = None) -> None:
    """Add the flags of ``command``'s settings (or of the ``only`` ones) to ``parser``.

    A flag's default is its environment variable if set (converted, with a clear error, only
    when the command runs), else the table's default; either way the parsed arguments hold
    the setting's value under :attr:`Setting.dest`.
    """
    wanted = set(only) if only is not None else None
    groups: dict[str, Any] = {}
    for row in SETTINGS:
        if row.flag is None or command not in row.commands:
            continue
        if wanted is not None and row.name not in wanted:
            continue
        target: Any = parser
        if row.group is not None:
            if row.group not in groups:
                groups[row.group] = parser.add_mutually_exclusive_group()
            target = groups[row.group]
        value: Any = _copy(row.default)
        if row.env and row.env in os.environ:
            value = _FromEnv(os.environ[row.env])
            value.env = row.env
        kwargs: dict[str, Any] = {"dest": row.dest, "default": value, "help": _help(row),
                                  "type": _converter(row)}
        if row.type is bool:
            kwargs.update(action=_BoolFlag, const=not row.default)
        else:
            kwargs["metavar"] = row.metavar
            if row.type is list:
                kwargs["nargs"] = "+"
        target.add_argument(row.flag, **kwargs)


def app_values(args: argparse.Namespace, command: str) -> dict[str, Any]:
    """The ``create_app`` settings that ``command``'s parsed flags carry."""
    return {row.name: _copy(getattr(args, row.dest)) for row in SETTINGS
            if row.app and row.flag and command in row.commands and hasattr(args, row.dest)}


# --------------------------------------------------------------------------- docs


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def reference_markdown() -> str:
    """docs/settings.md, generated from :data:`SETTINGS` so that it cannot drift."""
    lines = [
        "# Settings",
        "",
        "Generated from `coopgraph.settings.SETTINGS` (`server/coopgraph/settings.py`); "
        "`tests/test_settings.py` keeps it current (regenerate with "
        "`COOPGRAPH_REGENERATE_DOCS=1 pytest tests/test_settings.py`).",
        "",
        "A value comes from, in order: the command-line flag (or, for the app, the "
        "`create_app(config)` key), the environment variable, the default. A malformed "
        "environment variable is refused with a message naming it. *app key*: the key of "
        "`coopgraph.web.create_app`'s config (`app.config`); *limit*: the field of "
        "`coopgraph.executor.Limits` it sets (whose defaults are these).",
        "",
        "| setting | type | default | environment | flag | commands | app key | limit "
        "| meaning |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in SETTINGS:
        cells = [
            f"`{row.name}`", row.type_name, row.default_text(),
            f"`{row.env}`" if row.env else "—",
            f"`{row.flag}`" if row.flag else "—",
            ", ".join(row.commands) if row.commands else "—",
            "yes" if row.app else "—",
            f"`{row.limit}`" if row.limit else "—",
            row.description,
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    lines += [
        "",
        "Booleans in the environment: `1`/`0`, `true`/`false`, `yes`/`no`, `on`/`off`. "
        "A boolean's flag turns its default around (`--no-…` for one that is on by default).",
        "",
        "Example: `COOPGRAPH_ADMIN_TOKEN=$(openssl rand -hex 32) COOPGRAPH_QUERY_TIMEOUT=10 "
        "coopgraph serve --max-concurrent-queries 2`.",
        "",
    ]
    return "\n".join(lines)
