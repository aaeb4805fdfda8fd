"""The protocol's ``using-graph-uri``/``using-named-graph-uri`` for updates.

pyoxigraph's ``Store.update`` takes no dataset, so the parameters are applied the way the
SPARQL 1.1 Protocol defines them: as ``USING``/``USING NAMED`` clauses of every
``DELETE/INSERT … WHERE`` operation of the request. The text is tokenised just enough to
find those ``WHERE`` keywords (outside strings, IRIs, comments and braces); an update that
already has ``USING`` or ``WITH`` is refused with 400, as the Protocol requires.
"""

from __future__ import annotations

import re

from .errors import ApiError

_TOKENS = re.compile(
    r"""
      (?P<comment>\#[^\n]*)
    | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
                 |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    | (?P<iri><[^<>"{}|^`\\\s]*>)
    | (?P<var>[?$][A-Za-z0-9_\u00b7-\uffff]+)
    | (?P<open>\{)
    | (?P<close>\})
    | (?P<word>[A-Za-z_][A-Za-z0-9_\-.]*(?::[^\s{}();,]*)?)
    | (?P<space>\s+)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def add_using(update: str, default_graphs: list[str], named_graphs: list[str]) -> str:
    """``update`` with USING/USING NAMED clauses for the given graphs before each WHERE."""
    if not default_graphs and not named_graphs:
        return update
    clauses = "".join(f"USING <{g}> " for g in default_graphs) + "".join(
        f"USING NAMED <{g}> " for g in named_graphs
    )
    out: list[str] = []
    depth = 0
    previous = ""  # the keyword just before, at depth 0 ("" after any other token)
    for match in _TOKENS.finditer(update):
        kind, text = match.lastgroup, match.group()
        if kind == "word" and depth == 0:
            keyword = text.upper()
            if keyword in ("USING", "WITH"):
                raise ApiError(
                    400,
                    "using-graph-uri/using-named-graph-uri cannot be combined with "
                    "USING or WITH in the update",
                )
            if keyword == "WHERE" and previous != "DELETE":  # not the DELETE WHERE form
                out.append(clauses)
            previous = keyword
        elif kind == "open":
            depth += 1
            previous = ""
        elif kind == "close":
            depth = max(0, depth - 1)
            previous = ""
        elif kind not in ("space", "comment"):
            previous = ""
        out.append(text)
    return "".join(out)
