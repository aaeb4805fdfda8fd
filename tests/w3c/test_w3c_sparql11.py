"""The W3C SPARQL 1.1 test suite against ``coopgraph serve`` and ``oxigraph serve``: a gate.

Each implementation is started on fresh empty stores (free ports of 127.0.0.1) and given
every applicable test of the suite over HTTP. Per manifest, the pass rate must be at least
the one recorded in ``baseline.json`` and no fewer tests may run: a regression fails the
build, while the known failures themselves are listed, with reasons, in
``docs/conformance.md`` (``python -m tests.w3c.report`` measures and rewrites both).

The protocol tests are explicit cases, one per ``mf:ProtocolTest``, run on every
``make test``: those passing in the baseline must pass; those the baseline records as
failing are xfails carrying the recorded reason (they still run; once the endpoint is
fixed they show up as XPASS in the summary, the cue to rewrite the baseline — the endpoint
is developed by others in parallel, so a fix must not turn the build red).

Both implementations run here (the whole suite takes seconds per implementation), so the
side-by-side comparison is re-checked on every ``make test``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from .manifest import NOT_APPLICABLE, W3CTest, load_all
from .report import per_manifest
from .runner import (
    Client,
    Outcome,
    Server,
    applicable_tests,
    run_one,
    run_suite,
    servers,
    start_coopgraph,
    start_oxigraph,
)

BASELINE = json.loads((Path(__file__).with_name("baseline.json")).read_text(encoding="utf-8"))
STARTERS = {"coopgraph": start_coopgraph, "oxigraph": start_oxigraph}
WORKERS = 2  # servers per implementation: one store each, one thread each

_TESTS = applicable_tests()
_PROTOCOL = [t for t in _TESTS if t.kind == "protocol"]
_BULK = [t for t in _TESTS if t.kind != "protocol"]


@pytest.fixture(scope="module", params=sorted(STARTERS))
def implementation(request: pytest.FixtureRequest) -> Iterator[tuple[str, list[Server]]]:
    """The servers of one implementation, started once for this module."""
    with servers(STARTERS[request.param], WORKERS) as started:
        yield request.param, started


@pytest.fixture(scope="module")
def outcomes(implementation: tuple[str, list[Server]]) -> dict[str, list[Outcome]]:
    """Every non-protocol test run once against the implementation, grouped by manifest."""
    _, started = implementation
    grouped: dict[str, list[Outcome]] = {}
    for o in run_suite([s.endpoint for s in started], _BULK):
        grouped.setdefault(o.manifest, []).append(o)
    return grouped


def _manifests() -> list[str]:
    return sorted({t.manifest for t in _BULK})


@pytest.mark.parametrize("manifest", _manifests())
def test_manifest_pass_rate(
    implementation: tuple[str, list[Server]], outcomes: dict[str, list[Outcome]], manifest: str
) -> None:
    """Per manifest: pass rate >= the baseline's, and at least as many tests run."""
    name, _ = implementation
    base = BASELINE[name].get(manifest)
    assert base is not None, f"{manifest} missing from baseline.json for {name}: rerun the report"
    got = per_manifest(outcomes.get(manifest, [])).get(manifest, {"passed": 0, "run": 0})
    failures = "\n".join(
        f"  {o.test}: {o.reason}" for o in outcomes.get(manifest, []) if o.status == "fail"
    )
    assert got["run"] >= base["run"], f"{name}/{manifest}: only {got['run']} tests ran"
    assert got["passed"] * base["run"] >= base["passed"] * got["run"], (
        f"{name}/{manifest}: {got['passed']}/{got['run']} passed, baseline "
        f"{base['passed']}/{base['run']}; failures:\n{failures}"
    )


def _protocol_params() -> list:
    params = []
    for name in sorted(STARTERS):
        known = BASELINE.get(name + "_protocol_failures", {})
        for t in _PROTOCOL:
            short = t.short_id.split("/", 1)[1]
            marks = []
            if short in known:
                marks.append(pytest.mark.xfail(strict=False, reason=f"known: {known[short]}"))
            params.append(pytest.param(name, t, id=f"{name}-{short}", marks=marks))
    return params


@pytest.fixture(scope="module")
def protocol_servers() -> Iterator[dict[str, Server]]:
    """One server per implementation for the protocol cases (they run one at a time)."""
    with servers(start_coopgraph, 1) as ours, servers(start_oxigraph, 1) as theirs:
        yield {"coopgraph": ours[0], "oxigraph": theirs[0]}


@pytest.mark.parametrize(("name", "test"), _protocol_params())
def test_protocol(protocol_servers: dict[str, Server], name: str, test: W3CTest) -> None:
    """One SPARQL 1.1 Protocol test, replayed from its ``ht:`` record."""
    client = Client(protocol_servers[name].endpoint)
    try:
        outcome = run_one(client, test)
    finally:
        client.close()
    assert outcome.status == "pass", f"{test.name}: {outcome.reason}"


def test_every_manifest_is_run_or_declared_not_applicable() -> None:
    """No manifest of manifest-all.ttl disappears from the run without a written reason."""
    run = {t.manifest for t in _TESTS}
    for folder, entries in load_all().items():
        assert folder in run or folder in NOT_APPLICABLE, f"{folder}: not run, no reason"
        if folder in NOT_APPLICABLE:
            assert folder not in run
        else:
            assert entries, f"{folder}: manifest read as empty"
