"""Query workers run below the web process's CPU priority (``Limits.worker_nice``).

Lookups are answered by the web process; while heavy queries keep the cores busy, they must
not queue behind them (docs/benchmarks.md, "Lookups in the web process"). Linux schedules
by autogroup (a session each; every worker has its own), so both the worker's niceness and
its autogroup's are set.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from coopgraph.executor import Executor, Limits
from coopgraph.store import open_store

AUTOGROUP = Path("/proc/self/autogroup")


def worker_pid(ex: Executor) -> int:
    """A worker that has started (an idle one has said it is ready), not one still starting."""
    b"".join(ex.run_query("ASK {}", media_type="application/sparql-results+json"))
    pool = ex._pool
    assert pool is not None
    end = time.monotonic() + 30
    while not pool.idle_workers():
        assert time.monotonic() < end, "no worker ready"
        time.sleep(0.05)
    return pool.idle_workers()[0].process.pid


def autogroup_nice(pid: int) -> int | None:
    try:
        text = Path(f"/proc/{pid}/autogroup").read_text()
    except OSError:
        return None
    match = re.search(r"nice (-?\d+)", text)
    return int(match.group(1)) if match else None


@pytest.mark.parametrize("nice", [0, 7, 10])
def test_workers_run_at_the_configured_niceness(tmp_path: Path, nice: int) -> None:
    own = os.getpriority(os.PRIO_PROCESS, 0)
    store = open_store(tmp_path / "store")
    try:
        with Executor(store, limits=Limits(pool_size=1, worker_nice=nice)) as ex:
            pid = worker_pid(ex)
            assert os.getpriority(os.PRIO_PROCESS, pid) == min(19, own + nice)
            if AUTOGROUP.exists():
                assert autogroup_nice(pid) == nice  # a session, so an autogroup, of its own
    finally:
        store.close()


def test_the_default_is_ten_steps_below() -> None:
    assert Limits().worker_nice == 10


@pytest.mark.parametrize("bad", [-1, 20])
def test_the_setting_refuses_values_outside_0_to_19(bad: int) -> None:
    with pytest.raises(ValueError, match="worker_nice"):
        Limits(worker_nice=bad)
