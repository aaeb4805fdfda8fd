"""Fair admission against a real ``coopgraph serve`` (issue 12): cheap queries are never
starved by heavy clients, and only a client over its share is told to come back later.

The scenarios are bench/fairness.py's, run for a shorter time (the bench runs 40 s each).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from served import serve

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # bench/ is a package at the repository root, not installed
    sys.path.insert(0, str(ROOT))

from bench import fairness  # noqa: E402

SECONDS = 12.0


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory):
    store = fairness.make_store(tmp_path_factory.mktemp("fair") / "store")
    with serve(store, "--threads", "16", "--timeout", "5") as server:
        yield server.url + "/sparql"


def test_cheap_probes_answered_while_four_clients_loop_a_heavy_join(url: str) -> None:
    figures = fairness.starvation(url, SECONDS)
    assert figures["probes"] >= 20, figures
    assert figures["share_ok"] >= 0.9, figures
    # the heavy clients were stopped by the time limit or told to retry, never served forever
    assert set(figures["heavy_statuses"]) <= {"503"}, figures


def test_no_503_for_lookups_beside_heavy_and_medium_clients(url: str) -> None:
    figures = fairness.mixed(url, SECONDS)
    assert figures["lookups"] >= 50, figures
    assert figures["lookup_statuses"] == {"200": figures["lookups"]}, figures
