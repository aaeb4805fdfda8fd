"""Real SPARQL engines for the tests, each started on 127.0.0.1 on a free port, stopped by PID.

The harness itself is :mod:`bench.engines` (the benchmarks start the same engines the same
way, and bench/ cannot import from tests/); this module gives the tests its names.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # bench/ is a package at the repository root, not installed
    sys.path.insert(0, str(ROOT))

from bench.engines import (  # noqa: E402
    START_TIMEOUT_S,
    STARTERS,
    VIRTUOSO_INI,
    Engine,
    EngineUnavailable,
    oxigraph_program,
    start_oxigraph,
    start_virtuoso,
)

__all__ = [
    "START_TIMEOUT_S",
    "STARTERS",
    "VIRTUOSO_INI",
    "Engine",
    "EngineUnavailable",
    "oxigraph_program",
    "start_oxigraph",
    "start_virtuoso",
]
