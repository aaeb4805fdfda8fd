"""The settings table (coopgraph/settings.py) is the one source of every setting.

It documents every setting (docs/settings.md is generated from it and kept current), every
flag and environment variable it declares really sets the value (through the real parser,
the real ``create_app`` and the real ``coopgraph serve``), and nothing reads a setting
behind its back (a config key the web layer reads, a ``COOPGRAPH_`` variable, a serve option
that is not in the table fails here).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import Listener, free_port

from coopgraph import config, settings
from coopgraph.cli import main as cli_main
from coopgraph.cli import parser as cli_parser
from coopgraph.executor import Limits
from coopgraph.serve import app_config
from coopgraph.settings import SETTINGS, SettingError
from coopgraph.web import DEFAULTS, create_app
from coopgraph.web.backend import _LIMIT_FIELDS

DOC = config.PROJECT_ROOT / "docs" / "settings.md"
PACKAGE = config.PROJECT_ROOT / "server" / "coopgraph"

ENV_ROWS = [row for row in SETTINGS if row.env]
APP_ENV_ROWS = [row for row in ENV_ROWS if row.app]
SERVE_FLAG_ROWS = [row for row in SETTINGS if row.flag and "serve" in row.commands]


def _sample(row: settings.Setting) -> tuple[str, Any]:
    """A value other than the default, as text (for a flag or a variable) and as parsed."""
    if row.type is bool:
        return ("0", False) if row.default else ("1", True)
    if row.type is int:
        value = 1 if row.default != 1 else 2  # small: WORKER_POOL_SIZE starts that many
        return str(value), value
    if row.type is float:
        return "2.5", 2.5
    if row.type is list:
        return "http://a.example/sparql,http://b.example/sparql", [
            "http://a.example/sparql", "http://b.example/sparql"]
    if row.type is Path:
        return "/tmp/coopgraph-settings-test", Path("/tmp/coopgraph-settings-test")
    return "https://example.org/kg/", "https://example.org/kg/"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No COOPGRAPH_ variable of the table leaks in from the caller's environment."""
    for row in ENV_ROWS:
        monkeypatch.delenv(row.env, raising=False)  # type: ignore[arg-type]
    return monkeypatch


# --------------------------------------------------------------------------- documented


def test_docs_settings_md_matches_the_table() -> None:
    expected = settings.reference_markdown()
    if os.environ.get("COOPGRAPH_REGENERATE_DOCS"):
        DOC.write_text(expected, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == expected, (
        "docs/settings.md is stale: run COOPGRAPH_REGENERATE_DOCS=1 pytest tests/test_settings.py"
    )


def test_every_setting_is_described_typed_and_named_once() -> None:
    names = [row.name for row in SETTINGS]
    assert len(names) == len(set(names))
    envs = [row.env for row in ENV_ROWS]
    assert len(envs) == len(set(envs)) and all(e.startswith("COOPGRAPH_") for e in envs)
    for row in SETTINGS:
        assert row.description.strip() and row.type in settings._TYPE_NAMES, row.name
        assert f"| `{row.name}` |" in DOC.read_text(encoding="utf-8"), row.name
        if row.flag or row.env:
            assert row.commands, f"{row.name} has a flag or variable but no command uses it"


def test_every_config_key_the_web_layer_reads_is_a_setting() -> None:
    """A new ``app.config["X"]`` without a row in the table fails here."""
    pattern = re.compile(r"""(?:config|settings)(?:\.get\(|\[)\s*["']([A-Z_]+)["']""")
    names = {row.name for row in SETTINGS}
    read: dict[str, str] = {}
    for path in sorted((PACKAGE / "web").glob("*.py")) + [PACKAGE / "serve.py"]:
        for key in pattern.findall(path.read_text(encoding="utf-8")):
            read.setdefault(key, path.name)
    assert read, "the pattern found no config reads: it is out of date"
    missing = {key: where for key, where in read.items() if key not in names}
    assert not missing, f"settings read but not in coopgraph/settings.py: {missing}"


def test_no_module_reads_a_coopgraph_variable_itself() -> None:
    pattern = re.compile(r"""(?:environ(?:\.get\(|\[)|getenv\()\s*["'](COOPGRAPH_\w+)""")
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name != "settings.py":
            offenders += [f"{path.relative_to(PACKAGE)}: {v}"
                          for v in pattern.findall(path.read_text(encoding="utf-8"))]
    assert not offenders, f"read these through coopgraph.settings instead: {offenders}"


def test_every_serve_option_is_a_setting() -> None:
    sub = next(a for a in cli_parser()._actions if isinstance(a, argparse._SubParsersAction))
    declared = {row.flag for row in SERVE_FLAG_ROWS}
    options = {opt for action in sub.choices["serve"]._actions for opt in action.option_strings
               if opt not in ("-h", "--help")}
    assert options == declared
    for command in ("build", "query", "stats"):
        store = next(a for a in sub.choices[command]._actions if "--store" in a.option_strings)
        assert store.help and "COOPGRAPH_STORE" in store.help


# --------------------------------------------------------------------------- one value each


def test_the_app_and_the_executor_take_their_defaults_from_the_table(clean_env) -> None:
    assert DEFAULTS == settings.app_defaults()
    assert set(DEFAULTS) == {row.name for row in SETTINGS if row.app}
    limits = Limits()
    limit_rows = [row for row in SETTINGS if row.limit]
    assert set(_LIMIT_FIELDS) == {row.name for row in limit_rows}
    for row in limit_rows:
        assert getattr(limits, row.limit) == row.default, row.name  # type: ignore[arg-type]
    # the documented web values won where the two used to differ
    assert limits.max_concurrent == 4 and limits.max_result_bytes == 100 * 1024 * 1024
    assert {f.name for f in dataclasses.fields(Limits)} >= set(_LIMIT_FIELDS.values())


# --------------------------------------------------------------------------- they work


def _app_values(app: Any, row: settings.Setting) -> list[Any]:
    values = [app.config[row.name]]
    if row.limit:
        values.append(getattr(app.extensions["coopgraph"].executor.limits, row.limit))
    return values


@pytest.mark.parametrize("row", APP_ENV_ROWS, ids=lambda row: row.env)
def test_each_environment_variable_sets_the_app(row, clean_env) -> None:
    text, expected = _sample(row)
    clean_env.setenv(row.env, text)
    explicit = {} if row.name == "WORKER_POOL_SIZE" else {"WORKER_POOL_SIZE": 0}
    app = create_app(explicit)
    try:
        for value in _app_values(app, row):
            assert (list(value) if isinstance(value, tuple) else value) == expected, row.name
    finally:
        app.extensions["coopgraph"].close()


def test_an_explicit_value_beats_the_environment_which_beats_the_default(clean_env) -> None:
    clean_env.setenv("COOPGRAPH_QUERY_TIMEOUT", "5")
    app = create_app({"QUERY_TIMEOUT": 7.0, "WORKER_POOL_SIZE": 0})
    app.extensions["coopgraph"].close()
    assert app.config["QUERY_TIMEOUT"] == 7.0
    app = create_app({"WORKER_POOL_SIZE": 0})
    app.extensions["coopgraph"].close()
    assert app.config["QUERY_TIMEOUT"] == 5.0
    assert app.extensions["coopgraph"].executor.limits.timeout_s == 5.0
    clean_env.delenv("COOPGRAPH_QUERY_TIMEOUT")
    assert settings.resolve("QUERY_TIMEOUT") == 30.0


@pytest.mark.parametrize(("variable", "text", "expected"), [
    ("COOPGRAPH_QUERY_TIMEOUT", "soon", "'soon' is not a non-negative number"),
    ("COOPGRAPH_MAX_CONCURRENT_QUERIES", "-1", "'-1' is not a non-negative integer"),
    ("COOPGRAPH_ACCESS_LOG", "maybe", "'maybe' is not a boolean"),
])
def test_a_malformed_variable_is_refused_naming_it(variable, text, expected, clean_env) -> None:
    clean_env.setenv(variable, text)
    with pytest.raises(SettingError) as caught:
        create_app({"WORKER_POOL_SIZE": 0})
    assert str(caught.value).startswith(f"environment variable {variable}: {expected}")


def test_a_malformed_variable_stops_only_the_command_that_uses_it(clean_env, capsys) -> None:
    clean_env.setenv("COOPGRAPH_PORT", "eighty")
    with pytest.raises(SystemExit) as exited:
        cli_main(["serve", "--in-memory"])
    assert exited.value.code == 2
    assert ("argument --port: environment variable COOPGRAPH_PORT: 'eighty' is not a "
            "non-negative integer") in capsys.readouterr().err
    # `stats` does not use the port: the variable does not concern it
    assert cli_main(["stats", "--store", "/nonexistent/coopgraph-store"]) == 1
    assert "no store at /nonexistent/coopgraph-store" in capsys.readouterr().err


@pytest.mark.parametrize("row", SERVE_FLAG_ROWS, ids=lambda row: row.flag)
def test_each_serve_flag_sets_its_setting(row, clean_env) -> None:
    text, expected = _sample(row)
    argv = [row.flag] if row.type is bool else [row.flag, *text.split(",")]
    args = cli_parser().parse_args(["serve", *argv])
    assert getattr(args, row.dest) == expected
    if not row.app:
        return
    if row.name != "WORKER_POOL_SIZE":
        argv += ["--worker-pool-size", "0"]
    if row.group is None:
        argv.append("--in-memory")
    app = create_app(app_config(cli_parser().parse_args(["serve", *argv])))
    try:
        for value in _app_values(app, row):
            assert (list(value) if isinstance(value, tuple) else value) == expected, row.name
    finally:
        app.extensions["coopgraph"].close()


@pytest.mark.parametrize("row", [r for r in ENV_ROWS if r.flag], ids=lambda row: row.env)
def test_each_variable_is_the_default_of_its_flag(row, clean_env) -> None:
    text, expected = _sample(row)
    clean_env.setenv(row.env, text)
    command = row.commands[-1]
    argv = [command, "QUERY"] if command == "query" else [command]
    assert getattr(cli_parser().parse_args(argv), row.dest) == expected


CONTRIBUTE_ARGS = ["f.ttl", "--contributor", "me", "--source", "https://example.org/"]


@pytest.mark.parametrize("command", ["build", "query", "stats", "contribute"])
def test_the_store_variable_reaches_every_command(command, clean_env, tmp_path) -> None:
    clean_env.setenv("COOPGRAPH_STORE", str(tmp_path / "elsewhere"))
    argv = {"query": [command, "ASK {}"], "contribute": [command, *CONTRIBUTE_ARGS]}.get(
        command, [command])
    assert cli_parser().parse_args(argv).store == tmp_path / "elsewhere"
    assert config.default_store_path() == tmp_path / "elsewhere"


def test_the_base_variable_reaches_the_config(clean_env) -> None:
    clean_env.setenv("COOPGRAPH_BASE", "https://example.org/kg")
    assert config.base_iri() == "https://example.org/kg/"
    assert config.graph_iri("data") == "https://example.org/kg/graph/data"


def test_coopgraph_serve_obeys_its_flags_and_variables(tmp_path: Path) -> None:
    """The real command under gunicorn: a string, an integer and a list from the
    environment, an integer and a boolean from flags, each changing what a client sees."""
    port = free_port()
    remote = Listener()  # the one SERVICE endpoint the allow-list lets through
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOPGRAPH_")} | {
        "COOPGRAPH_ADMIN_TOKEN": "settings-token",
        "COOPGRAPH_MAX_QUERY_LENGTH": "120",
        "COOPGRAPH_SERVICE_ALLOWLIST": remote.url,
        "COOPGRAPH_WORKER_POOL_SIZE": "1",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "coopgraph", "serve", "--in-memory", "--port", str(port),
         "--threads", "2", "--max-upload", "300", "--no-union-default-graph"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        auth = {"Authorization": "Bearer settings-token"}
        insert = "INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:p> <urn:b> } }"
        assert requests.post(url + "/update", data={"update": insert}, headers=auth,
                             timeout=30).status_code == 204
        assert requests.post(url + "/update", data={"update": insert}, timeout=30,
                             headers={"Authorization": "Bearer wrong"}).status_code in (401, 403)
        # --no-union-default-graph: the triple is in <urn:g>, not in the default graph
        ask = requests.get(url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
        assert ask.json()["boolean"] is False
        # COOPGRAPH_MAX_QUERY_LENGTH=120
        long_query = "ASK { ?s ?p ?o }" + " " * 110
        refused = requests.get(url + "/sparql", params={"query": long_query}, timeout=30)
        assert refused.status_code in (403, 413) and "120" in refused.text
        # --max-upload 300
        big = requests.post(url + "/store", params={"graph": "urn:g2"}, headers=auth | {
            "Content-Type": "text/turtle"}, data=b"<urn:a> <urn:p> <urn:b> .\n" * 20, timeout=30)
        assert big.status_code == 413
        # COOPGRAPH_SERVICE_ALLOWLIST: the listed endpoint is contacted, another is refused
        service = f"SELECT * {{ SERVICE <{remote.url}> {{ ?s ?p ?o }} }}"
        requests.get(url + "/sparql", params={"query": service}, timeout=30)
        assert remote.connections >= 1
        other = "SELECT * { SERVICE <http://other.example/sparql> { ?s ?p ?o } }"
        assert requests.get(url + "/sparql", params={"query": other},
                            timeout=30).status_code == 403
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        remote.close()
    err = proc.stderr.read().decode() if proc.stderr else ""
    assert "COOPGRAPH_ADMIN_TOKEN is not set" not in err and "Traceback" not in err


def _wait_healthy(url: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise AssertionError(f"server exited: {err}")
        try:
            if requests.get(url + "/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise AssertionError("server did not become healthy")
