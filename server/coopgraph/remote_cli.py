"""The ``--backend sparql`` options of the commands: the remote engine's settings from the
parsed arguments, and ``coopgraph query`` on that engine.

Why a module of its own: the store (:mod:`coopgraph.store.remote`) knows nothing of the
command line, and the options themselves are rows of the one settings table
(:mod:`coopgraph.settings`: ``BACKEND``, ``REMOTE_QUERY_URL``, …), which gives their flags,
environment variables, defaults and documentation. The password (or bearer token) has no
flag: it is read from ``COOPGRAPH_PASSWORD`` only, as a flag would show it in ``ps``.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from typing import IO

from . import settings
from .store import StoreError
from .store.remote import RemoteSettings, open_remote

#: The settings rows of the remote engine that have a flag (build, query, stats, serve).
OPTIONS = ("BACKEND", "REMOTE_QUERY_URL", "REMOTE_UPDATE_URL", "REMOTE_GSP_URL",
           "REMOTE_USER", "REMOTE_AUTH", "REMOTE_ENGINE", "REMOTE_ENGINE_UNION")

BACKENDS = ("oxigraph", "sparql")


def add_arguments(parser: argparse.ArgumentParser, command: str) -> None:
    """The ``--backend sparql`` flags of ``command`` (``serve`` gets them with its own rows)."""
    settings.add_arguments(parser, command, only=OPTIONS)


def settings_from(args: argparse.Namespace, *,
                  timeout_s: float | None = None) -> RemoteSettings | None:
    """The remote settings the parsed options carry (their defaults come from the
    environment); None for the embedded store. Bad values raise a clear :class:`StoreError`."""

    def value(name: str) -> str | None:
        given = getattr(args, settings.setting(name).dest, None)
        return given if given not in (None, "") else None

    backend = value("BACKEND") or "oxigraph"
    if backend not in BACKENDS:
        raise StoreError(f"unknown backend {backend!r}: use {' or '.join(BACKENDS)}")
    if backend == "oxigraph":
        return None
    query_url = value("REMOTE_QUERY_URL")
    if not query_url:
        raise StoreError("--backend sparql needs --query-url (or COOPGRAPH_QUERY_URL)")
    return RemoteSettings(
        query_url=query_url, update_url=value("REMOTE_UPDATE_URL"),
        gsp_url=value("REMOTE_GSP_URL"), user=value("REMOTE_USER"),
        password=settings.resolve("REMOTE_PASSWORD") or None, auth=value("REMOTE_AUTH"),
        engine=value("REMOTE_ENGINE") or "generic",
        engine_union=bool(getattr(args, settings.setting("REMOTE_ENGINE_UNION").dest, False)),
        timeout_s=timeout_s if timeout_s is not None else settings.default("QUERY_TIMEOUT"),
    )


def query_main(query_arg: str, remote: RemoteSettings, *, fmt: str, out: IO[str] | None = None,
               max_width: int | None = None) -> None:
    """``coopgraph query --backend sparql``: the query on the engine, over coopgraph's dataset
    (the union of its graphs), printed as a local query is (:mod:`coopgraph.query`)."""
    from .query import TABULAR, read_query
    from .tables import DEFAULT_MAX_WIDTH, graph_prefixes, render_table, turtle

    out = out or sys.stdout
    query = read_query(query_arg)
    prefixes = graph_prefixes(query=query)
    store = open_remote(remote, read_only=True)
    try:
        result = store.query(query)
        if result.kind == "graph":  # Turtle with the graph's prefixes, whatever --format says
            out.write(turtle(result.triples(), prefixes))
            return
        data = io.BytesIO()
        result.serialize(data, TABULAR.get(fmt, TABULAR["json"]))
        if fmt == "table":
            render_table(json.loads(data.getvalue()), out, prefixes=prefixes,
                         max_width=DEFAULT_MAX_WIDTH if max_width is None else max_width)
        else:
            out.write(data.getvalue().decode("utf-8"))
    finally:
        store.close()
