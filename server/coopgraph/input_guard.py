"""What a contribution must pass before it is parsed at all: its size, and not being empty.

Why so little: the checks that make parsing safe (XML entity declarations, nesting depth,
remote JSON-LD contexts, literal length) are :func:`coopgraph.rdfio.check_safe` and
:func:`coopgraph.rdfio.check_literals`, which every RDF parse runs (``/store``, ``/update``'s
uploads, the build, ``/validate`` and ``/contributions`` through :func:`rdfio.parse_bytes`):
one implementation. A contribution has one more bound, its size (``MAX_CONTRIBUTION_SIZE``),
checked here before anything is read into a parser; CSV, which rdfio does not read, is bounded
by that size and by the csv module's field size limit.
"""

from __future__ import annotations

from .rdfio import RdfParseError

#: Largest contribution accepted, in bytes, when no setting says (``MAX_CONTRIBUTION_SIZE``).
MAX_CONTRIBUTION_BYTES = 32 * 1024 * 1024


class InputTooLarge(RdfParseError):
    """The input is larger than the accepted size (HTTP 413)."""


def check_size(size: int, name: str, limit: int = MAX_CONTRIBUTION_BYTES) -> None:
    """Refuse more than ``limit`` bytes (callers check before reading a body)."""
    if size > limit:
        raise InputTooLarge(name, f"{size} bytes is more than the {limit} bytes accepted")


def check_input(data: bytes, name: str, limit: int = MAX_CONTRIBUTION_BYTES) -> None:
    """Raise :class:`RdfParseError` for a contribution too large or empty, before parsing."""
    check_size(len(data), name, limit)
    if not data.strip():
        raise RdfParseError(name, "the input is empty: nothing to validate")
