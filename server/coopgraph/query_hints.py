"""Name the word a reader mistyped when a query does not parse.

Oxigraph reports a syntax error with a position and what it expected ("error at 2:10:
expected CONSTRUCT"), which does not say that ``SELEC`` is the culprit. A SPARQL query has
few bare words: keywords, built-in function names and ``a``. Any other bare word (outside
IRIs, strings, comments, variables and prefixed names) is a misspelling; this module finds
the first one and the keyword it most resembles.
"""

from __future__ import annotations

import difflib
import re

#: The bare words of SPARQL 1.1 Query and Update (keywords and built-in functions).
KEYWORDS = frozenset("""
BASE PREFIX SELECT DISTINCT REDUCED AS CONSTRUCT WHERE DESCRIBE ASK FROM NAMED GROUP BY
HAVING ORDER ASC DESC LIMIT OFFSET VALUES LOAD SILENT INTO CLEAR DROP CREATE ADD TO MOVE
COPY INSERT DATA DELETE WITH USING DEFAULT GRAPH ALL OPTIONAL SERVICE BIND UNDEF MINUS
UNION FILTER NOT IN EXISTS A TRUE FALSE STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE
RAND ABS CEIL FLOOR ROUND CONCAT STRLEN UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS
STRENDS STRBEFORE STRAFTER YEAR MONTH DAY HOURS MINUTES SECONDS TIMEZONE TZ NOW UUID
STRUUID MD5 SHA1 SHA256 SHA384 SHA512 COALESCE IF STRLANG STRDT SAMETERM ISIRI ISURI
ISBLANK ISLITERAL ISNUMERIC REGEX SUBSTR REPLACE COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT
SEPARATOR TRIPLE SUBJECT PREDICATE OBJECT ISTRIPLE LATERAL ADJUST
""".split())

_SKIP = re.compile(
    r"""
      \#[^\n]*                              # comment
    | <[^<>"{}|^`\\\s]*>                    # IRI
    | '''.*?''' | \"\"\".*?\"\"\"           # long strings
    | '(?:[^'\\\n]|\\.)*' | "(?:[^"\\\n]|\\.)*"   # strings
    | [?$][\w]+                             # variable
    | @[A-Za-z]+(?:-[A-Za-z0-9]+)*          # language tag
    | [\w.-]*:[\w.:%-]*                     # prefixed name (or bare prefix)
    | _:[\w.-]+                             # blank node label
    | \d[\w.+-]*                            # number
    """,
    re.VERBOSE | re.DOTALL,
)
_WORD = re.compile(r"[A-Za-z_][\w-]*")


def misspelt_keyword(query: str) -> str | None:
    """A message naming the first bare word that is no SPARQL keyword, or None."""
    pos = 0
    while pos < len(query):
        skipped = _SKIP.match(query, pos)
        if skipped and skipped.end() > pos:
            pos = skipped.end()
            continue
        word = _WORD.match(query, pos)
        if word is None:
            pos += 1
            continue
        text = word.group()
        if text.upper() not in KEYWORDS:
            line = query.count("\n", 0, pos) + 1
            column = pos - (query.rfind("\n", 0, pos) + 1) + 1
            close = difflib.get_close_matches(text.upper(), sorted(KEYWORDS), n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]}?)" if close else ""
            return f"unknown keyword {text!r} at line {line}, column {column}{hint}"
        pos = word.end()
    return None
