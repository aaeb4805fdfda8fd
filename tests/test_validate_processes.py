"""A contribution validated by two forked processes gets the report one process gives; the
server, whose request threads make a fork unsafe, validates in one."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import coopgraph.contextual as contextual
from coopgraph.contextual import parse_contribution, validate_contribution

MONTREUIL = Path(__file__).parent / "fixtures" / "contrib" / "montreuil-mopti.ttl"


def _fields(report) -> list[tuple]:
    return [(x["focusNode"], x["resultPath"], x["value"], x["message"], x["hint"], x["line"])
            for x in (r.to_json() for r in report.results)]


def test_the_report_of_two_processes_is_the_report_of_one() -> None:
    body = MONTREUIL.read_bytes()
    two = validate_contribution(parse_contribution(body, "text/turtle"), processes=2)
    one = validate_contribution(parse_contribution(body, "text/turtle"), processes=1)
    assert two.conforms is False and len(two.results) == 3
    assert _fields(two) == _fields(one)


def test_no_fork_while_other_threads_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(contextual, "PARALLEL_FROM_TRIPLES", 0)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    try:
        assert contextual.default_processes(100_000) == 1
    finally:
        stop.set()
        other.join()
