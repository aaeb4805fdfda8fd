"""Find what a SPARQL query or update would reach outside the store, without evaluating it.

Why this exists: Oxigraph (as shipped in pyoxigraph) *does* open HTTP connections for
``SERVICE <iri>`` in queries and for ``LOAD <iri>`` in updates (checked: a TCP listener on
127.0.0.1 receives the connection). ``FROM``/``FROM NAMED`` and the protocol's
``default-graph-uri``/``named-graph-uri`` are never dereferenced (they only select graphs of
the store; one the store does not hold is an empty graph). pyoxigraph has no parse-only API
and no hook on SERVICE, so the check is done here, on the text, before the engine sees it.

How: a tokenizer that knows SPARQL's strings (short and long, both quotes, escapes), IRIs
(with ``\\u`` escapes), comments, variables and prefixed names produces a *masked* text in which
strings, comments and IRIs can no longer look like keywords. Keywords are then found with
regular expressions that mimic Oxigraph's PEG parser, which is more permissive than one would
think: ``SERVICE:x {}``, ``SERVICESILENT <x> {}``, ``LOAD:x`` and ``FROM:g`` are all accepted
by Oxigraph and are all detected here. A keyword only counts when it is followed by what makes
it parse (``SERVICE [SILENT] VarOrIri {``), which keeps false positives to texts that would not
parse anyway.

Because a ``<`` may be an IRI for this tokenizer and a less-than for the engine (``?a<?b``), a
text where that can happen is also scanned raw (strings and comments included), as are all
updates; :func:`_scan` explains why the tokenized view is exact otherwise.
Defence in depth lives in the executor: when no SERVICE is allowed, query workers run in a
network namespace of their own and cannot open any connection at all.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

#: Oxigraph reports syntax errors as ``error at LINE:COLUMN: ...``.
_POSITION = re.compile(r"error at (\d+):(\d+)")

_IRI = r"<(?:[^<>\"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>"
_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS = _PN_CHARS_BASE + "_\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PN_PREFIX = f"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_LOCAL = (
    f"(?:[{_PN_CHARS_BASE}_:0-9]|{_PLX})"
    f"(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
)
_PNAME = f"(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?"
_VAR = f"[?$][{_PN_CHARS_BASE}_0-9][{_PN_CHARS_BASE}_0-9\u00b7\u0300-\u036f\u203f-\u2040]*"

_TOKEN = re.compile(
    "|".join(
        [
            r"(?P<ws>\s+)",
            r"(?P<comment>#[^\r\n]*)",
            f"(?P<iri>{_IRI})",
            r"(?P<string>'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''"
            r'|"""(?:(?:"|"")?(?:[^"\\]|\\.))*"""'
            r"|'(?:[^'\\\n\r]|\\.)*'"
            r'|"(?:[^"\\\n\r]|\\.)*")',
            f"(?P<var>{_VAR})",
            f"(?P<bnode>_:[{_PN_CHARS}]+(?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)",
            f"(?P<pname>{_PNAME})",
            r"(?P<word>[A-Za-z_][A-Za-z0-9_]*)",
            r"(?P<other>.)",
        ]
    ),
    re.DOTALL,
)

#: Tokens after which a ``<`` inside parentheses cannot be a less-than (an operand is expected).
_OPERAND_EXPECTED = set("(,|/^!=&+-*<>{;[")

# Between a keyword and what follows it Oxigraph allows whitespace and comments. In the masked
# text comments are already blanks; the prologue reader sees raw text, hence the comments.
_GAP = r"(?:\s|#[^\r\n]*)*"
_TARGET = f"(?P<target>{_IRI}|{_VAR}|{_PNAME})"

# Raw-text forms (nothing masked). Gaps allow comments; IRIs are any ``<…>`` without the
# characters no IRI may hold; a LOAD keyword can only follow whitespace, ``;``, ``}``, ``>`` or
# the start, and its target can only start with ``<``, a variable sign or a prefixed name.
_RAW_GAP = r"(?:\s|#[^\r\n]*)*"
_RAW_TARGET = f"(?P<target><[^<>\\x00-\\x20]*>|{_VAR}|{_PNAME})"
_SERVICE_RAW = re.compile(
    f"(?i:service){_RAW_GAP}(?:(?i:silent){_RAW_GAP})?{_RAW_TARGET}{_RAW_GAP}\\{{"
)
_LOAD_RAW = re.compile(
    f"(?<![^\\s;}}>\ufeff])(?i:load){_RAW_GAP}(?:(?i:silent){_RAW_GAP})?"
    f"(?P<target>(?:<|[?$]|(?:{_PN_PREFIX})?:)[^\\s{{}}]*)"
)
_VAR_NAME_CHAR = re.compile(f"[{_PN_CHARS_BASE}_0-9\u00b7\u0300-\u036f\u203f-\u2040]")
# Keywords are case-insensitive; the flag is scoped to them because IGNORECASE on the large
# Unicode classes of names makes compiling these patterns take most of a second.
_SERVICE = re.compile(f"(?i:service){_GAP}(?P<silent>(?i:silent){_GAP})?{_TARGET}{_GAP}\\{{")
_FROM = re.compile(f"(?i:from){_GAP}(?P<named>(?i:named){_GAP})?{_TARGET}")
_LOAD = re.compile(f"(?i:load){_GAP}(?P<silent>(?i:silent){_GAP})?{_TARGET}")
_PREFIX_DECL = re.compile(f"(?i:prefix){_GAP}(?P<ns>(?:{_PN_PREFIX})?):{_GAP}(?P<iri>{_IRI})")
_BASE_DECL = re.compile(f"(?i:base){_GAP}(?P<iri>{_IRI})")
_DECL = re.compile(
    f"\\s*(?:(?i:prefix){_GAP}(?:{_PN_PREFIX})?:{_GAP}{_IRI}|(?i:base){_GAP}{_IRI})"
)
# The same (?i:…) semantics as the patterns above, so a text this does not match cannot match
# any of them.
_KEYWORDS = re.compile("(?i:service)|(?i:from)|(?i:load)")
_FORM = re.compile(r"(select|ask|construct|describe)(?![A-Za-z0-9_:])", re.IGNORECASE)
_UNESCAPE_IRI = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_UNESCAPE_LOCAL = re.compile(r"\\([_~.\-!$&'()*+,;=/?#@%])")


@dataclass(frozen=True)
class Reference:
    """One place where the text names something outside the query itself.

    ``iri`` is the resolved IRI, or ``None`` when the target is a variable (``SERVICE ?x``) or a
    prefixed name whose prefix is not declared (the engine would reject it, we refuse it).
    """

    keyword: str  # "SERVICE", "FROM", "FROM NAMED", "LOAD"
    target: str  # the text as written
    iri: str | None
    offset: int  # character offset of the keyword in the text


@dataclass
class Analysis:
    """What :func:`analyse` found in a query or update text."""

    form: str | None = None  # SELECT/ASK/CONSTRUCT/DESCRIBE for queries, None if not found
    services: list[Reference] = field(default_factory=list)
    from_graphs: list[Reference] = field(default_factory=list)
    loads: list[Reference] = field(default_factory=list)


@dataclass
class _Scan:
    masked: str  # same length as the text; strings, comments and IRIs masked
    iris: dict[int, str]  # start offset → IRI token text
    inside_var: list[tuple[int, int]]  # (start, end) of variable tokens
    depth: list[int]  # brace depth at each offset of the text
    #: True when a ``<`` read as an IRI could be a less-than for the engine (see _scan).
    ambiguous: bool


def _scan(text: str) -> _Scan:
    """Tokenise ``text`` into a masked copy of the same length (offsets stay valid).

    Why the result can be trusted: strings, comments, variables and prefixed names follow the
    grammar's own token rules, so this tokenization agrees with the engine's, token by token,
    up to the first ``<`` the two could read differently: an IRI here, a less-than there. The
    engine reads a less-than only inside an expression, i.e. within parentheses right after an
    operand. Any IRI token in that position marks the scan ``ambiguous`` and the caller then
    also scans the raw text (see :func:`analyse`); without one, the masked text is exact.
    """
    out: list[str] = []
    iris: dict[int, str] = {}
    variables: list[tuple[int, int]] = []
    ambiguous = False
    parens = 0
    previous: str | None = None  # the last significant token (kind "other": its character)
    pos = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        value = match.group()
        start = match.start()
        pos = match.end()
        if kind == "ws":
            out.append(value)
            continue
        if kind == "comment":
            out.append(" " * len(value))
            continue
        if kind == "string":
            out.append('"' + "_" * (len(value) - 2) + '"')
        elif kind == "iri":
            if parens > 0 and previous not in _OPERAND_EXPECTED:
                ambiguous = True
            iris[start] = value
            out.append("<" + "_" * (len(value) - 2) + ">")
        else:
            if kind == "var":
                variables.append((start, start + len(value)))
            elif value == "(":
                parens += 1
            elif value == ")":
                parens = max(0, parens - 1)
            out.append(value)
        previous = value if kind == "other" else kind
    assert pos == len(text)  # the pattern ends with a catch-all, so every char is covered
    masked = "".join(out)
    depth: list[int] = []
    level = 0
    for char in masked:
        if char == "{":
            level += 1
        depth.append(level)
        if char == "}":
            level = max(0, level - 1)
    return _Scan(masked, iris, variables, depth, ambiguous)


def significant_tokens(text: str) -> list[tuple[str, str, int]]:
    """``(kind, text, offset)`` of every token but whitespace and comments, in order.

    The kinds are the groups of the tokenizer above (iri, string, var, bnode, pname, word,
    other: one character). Used to recognise queries by their shape
    (:mod:`coopgraph.executor.lookups`); masking is not needed for that.
    """
    return [(m.lastgroup or "", m.group(), m.start()) for m in _TOKEN.finditer(text)
            if m.lastgroup not in ("ws", "comment")]


#: Deepest nesting of ``{``, ``(`` and ``[`` (together) a query or update may have.
#: Oxigraph's parser recurses once per level on the thread's stack: about 3,000 nested ``{``
#: (or 5,000 ``(``) overflow an 8 MiB stack and kill the process (SIGSEGV). 256 levels parse
#: in milliseconds and are far more than any written query uses.
MAX_NESTING = 256

_OPENERS = "{(["
_CLOSERS = "})]"


@dataclass(frozen=True)
class Nesting:
    """Where a text first nests deeper than allowed (1-based line and column)."""

    depth: int
    offset: int
    line: int
    column: int


def too_deep(text: str, limit: int = MAX_NESTING) -> Nesting | None:
    """The first place where ``{``, ``(`` and ``[`` nest deeper than ``limit``, or None.

    Cheap: a text with at most ``limit`` opening characters cannot nest deeper, so most
    queries cost three ``str.count`` calls. Otherwise brackets are counted on the masked text,
    where those inside strings, IRIs and comments no longer count.
    """
    if sum(text.count(c) for c in _OPENERS) <= limit:
        return None
    masked = _scan(text).masked
    level = 0
    for offset, char in enumerate(masked):
        if char in _OPENERS:
            level += 1
            if level > limit:
                line = text.count("\n", 0, offset) + 1
                column = offset - (text.rfind("\n", 0, offset) + 1) + 1
                return Nesting(level, offset, line, column)
        elif char in _CLOSERS:
            level = max(0, level - 1)
    return None


def _strictly_inside(spans: list[tuple[int, int]], offset: int) -> bool:
    """True if ``offset`` falls inside (not at the start of) one of the sorted, disjoint spans.

    Bisection, not a scan: a crafted text can hold thousands of spans *and* of matches.
    """
    index = bisect.bisect_right(spans, (offset, float("inf"))) - 1
    return index >= 0 and spans[index][0] < offset < spans[index][1]


class _Resolver:
    """Resolves IRIs and prefixed names with the declarations seen *before* an offset.

    Lookups bisect per-name lists, so that many declarations times many references stays cheap.
    """

    def __init__(self, text: str, scan: _Scan, base_iri: str | None) -> None:
        self._base = base_iri
        # BASE declarations in order, each resolved against the previous one.
        self._base_offsets: list[int] = []
        self._bases: list[str | None] = []
        base = base_iri
        for m in _BASE_DECL.finditer(scan.masked):
            iri = scan.iris.get(m.start("iri"), text[m.start("iri") : m.end("iri")])
            base = self._absolute(_unescape_iri(iri), base)
            self._base_offsets.append(m.start())
            self._bases.append(base)
        self._prefixes: dict[str, tuple[list[int], list[str]]] = {}
        for m in _PREFIX_DECL.finditer(scan.masked):
            iri = scan.iris.get(m.start("iri"), text[m.start("iri") : m.end("iri")])
            offsets, iris = self._prefixes.setdefault(m.group("ns"), ([], []))
            offsets.append(m.start())
            iris.append(self._absolute(_unescape_iri(iri), self._base_at(m.start())))

    def _base_at(self, offset: int) -> str | None:
        index = bisect.bisect_left(self._base_offsets, offset) - 1
        return self._bases[index] if index >= 0 else self._base

    @staticmethod
    def _absolute(iri: str, base: str | None) -> str:
        if re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", iri) or base is None:
            return iri
        return urljoin(base, iri)

    def resolve(self, target: str, offset: int) -> str | None:
        """The absolute IRI named by ``target`` (an IRI token or a prefixed name)."""
        if target.startswith("<"):
            return self._absolute(_unescape_iri(target), self._base_at(offset))
        if target[0] in "?$":
            return None
        prefix, _, local = target.partition(":")
        offsets, iris = self._prefixes.get(prefix, ([], []))
        index = bisect.bisect_left(offsets, offset) - 1
        if index < 0:
            return None
        return iris[index] + _UNESCAPE_LOCAL.sub(r"\1", local)


def _unescape_iri(token: str) -> str:
    """``<http://a\\u0062>`` → ``http://ab``."""
    inner = token[1:-1] if token.startswith("<") else token
    return _UNESCAPE_IRI.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), inner)


def _target_text(text: str, scan: _Scan, match: re.Match[str]) -> str:
    start = match.start("target")
    return scan.iris.get(start, text[start : match.end("target")])


def analyse(text: str, *, base_iri: str | None = None, strict: bool = False) -> Analysis:
    """Find the query form and every SERVICE, FROM [NAMED] and LOAD target of ``text``.

    Conservative by design: when in doubt a reference is reported (the caller refuses it), so
    a false positive costs a refused odd query, never a network connection. SERVICE and LOAD
    are also looked for in the *raw* text (strings and comments included) when the tokenized
    view may be out of step with the engine (see :func:`_scan`) or when ``strict`` (updates:
    they run in the server process, which has network access); there a commented-out SERVICE
    counts too.
    """
    if not _KEYWORDS.search(text):
        # Fast path (most queries): every reference needs one of these words, and masking
        # never creates a word, so there is nothing to find; only the form is needed.
        return Analysis(form=_form_from_tokens(text))
    result = Analysis()
    seen: set[tuple[str, int]] = set()
    scan = _scan(text)
    resolver = _Resolver(text, scan, base_iri)

    # ``PREFIX service: <...>`` declares a name, it is not the keyword.
    declared = [(m.start("ns") - 1, m.end("ns") + 1) for m in _PREFIX_DECL.finditer(scan.masked)]

    def skip(offset: int) -> bool:
        return _strictly_inside(scan.inside_var, offset) or _strictly_inside(declared, offset)

    def add(bucket: list[Reference], keyword: str, target: str, offset: int) -> None:
        if (keyword, offset) in seen:
            return
        seen.add((keyword, offset))
        bucket.append(Reference(keyword, target, resolver.resolve(target, offset), offset))

    for m in _SERVICE.finditer(scan.masked):
        # ``?service ?x {`` is a variable, not the keyword; SERVICE only occurs in patterns.
        if not skip(m.start()) and scan.depth[m.start()] >= 1:
            add(result.services, "SERVICE", _target_text(text, scan, m), m.start())
    for m in _LOAD.finditer(scan.masked):
        if not skip(m.start()) and scan.depth[m.start()] == 0:
            add(result.loads, "LOAD", _target_text(text, scan, m), m.start())
    for m in _FROM.finditer(scan.masked):
        # The dataset clause is outside any braces; ``?x from:p <o>`` inside a pattern is not.
        if not skip(m.start()) and scan.depth[m.start()] == 0:
            keyword = "FROM NAMED" if m.group("named") else "FROM"
            add(result.from_graphs, keyword, _target_text(text, scan, m), m.start())
    if scan.ambiguous or strict:
        for m in _SERVICE_RAW.finditer(text):
            if not _inside_raw_variable(text, m.start()):
                add(result.services, "SERVICE", m.group("target"), m.start())
    if strict:
        for m in _LOAD_RAW.finditer(text):
            add(result.loads, "LOAD", m.group("target"), m.start())
    result.services.sort(key=lambda r: r.offset)
    result.loads.sort(key=lambda r: r.offset)
    result.form = _form_of(scan.masked)
    return result


def _inside_raw_variable(text: str, offset: int) -> bool:
    """True if ``offset`` is inside a variable name (``?myservice``), read backwards."""
    index = offset - 1
    while index >= 0 and _VAR_NAME_CHAR.match(text, index):
        index -= 1
    return index >= 0 and text[index] in "?$"


def _strip_prologue(masked: str) -> str:
    """The masked text from the first word that is not part of BASE/PREFIX declarations."""
    pos = 0
    while True:
        m = _DECL.match(masked, pos)
        if not m:
            return masked[pos:]
        pos = m.end()


def _form_of(masked: str) -> str | None:
    """The form of a query (SELECT, ASK, CONSTRUCT, DESCRIBE) if its first keyword names one."""
    m = _FORM.match(_strip_prologue(masked).lstrip())
    return m.group(1).upper() if m else None


def _form_from_tokens(text: str) -> str | None:
    """The form, read from the raw text: skip comments and declarations, then one keyword.

    The same patterns as :func:`_strip_prologue` applies to the masked text (there comments are
    blanks; here the gaps allow them), so both paths agree.
    """
    pos = 0
    while True:
        pos = _SKIP.match(text, pos).end()  # type: ignore[union-attr]  # always matches
        m = _DECL.match(text, pos)
        if not m:
            break
        pos = m.end()
    m = _FORM.match(text, pos)
    return m.group(1).upper() if m else None


_SKIP = re.compile(r"(?:\s|#[^\r\n]*)*")


def query_form(text: str) -> str | None:
    """The form of a query, from its first keyword after the prologue."""
    return _form_of(_scan(text).masked)


def error_position(message: str) -> tuple[int | None, int | None]:
    """(line, column) of an Oxigraph syntax error message, 1-based, or (None, None)."""
    m = _POSITION.search(message)
    if not m:
        return None, None
    return int(m.group(1)), int(m.group(2))


# --------------------------------------------------------------------------- LOAD operations

# One LOAD operation as Oxigraph's PEG parser reads it: keywords need no space after them
# (``LOADSILENT<x>``, ``INTOGRAPH<g>``), an optional keyword is taken whenever it is there,
# and a target is read whole (atomic groups: a prefixed name is never cut short so that
# ``INTO`` could match inside it). Run on the masked text, where comments are blanks.
_LOAD_OP = re.compile(
    f"(?<![^\\s;}}>\ufeff])(?i:load){_GAP}(?P<silent>(?i:silent){_GAP})?"
    f"(?P<target>(?>{_IRI}|{_VAR}|{_PNAME}))"
    f"(?:{_GAP}(?i:into){_GAP}(?i:graph){_GAP}(?P<graph>(?>{_IRI}|{_PNAME})))?"
)
_SEPARATOR = re.compile(r"\s*;")


@dataclass(frozen=True)
class LoadOperation:
    """One ``LOAD [SILENT] <iri> [INTO GRAPH <g>]`` operation of an update, by offsets."""

    start: int  # offset of the LOAD keyword
    end: int  # just after the operation (its target, or its INTO GRAPH target)
    silent: bool
    target: str  # as written
    graph: str | None  # the INTO GRAPH target as written, or None
    #: Only prologue declarations (or nothing) since the previous ``;`` or the start, and a
    #: ``;`` or the end of the text after it: the operation can be cut out of the request.
    separable: bool
    separator_end: int  # end of the ``;`` that follows (== ``end`` when none does)


def load_operations(text: str) -> list[LoadOperation] | None:
    """The LOAD operations of an update text, or None when the tokenized view cannot be trusted.

    None when the scan is ambiguous (a ``<`` that may be a less-than, see :func:`_scan`).
    Callers compare the offsets with ``analyse(text, strict=True).loads``: a LOAD found in the
    raw text (a comment, a string) that is not one of these operations means the text cannot
    be taken apart soundly.
    """
    scan = _scan(text)
    if scan.ambiguous:
        return None
    masked = scan.masked
    declared = [(m.start("ns") - 1, m.end("ns") + 1) for m in _PREFIX_DECL.finditer(masked)]
    operations: list[LoadOperation] = []
    for m in _LOAD_OP.finditer(masked):
        start = m.start()
        if scan.depth[start] != 0 or _strictly_inside(scan.inside_var, start):
            continue
        if _strictly_inside(declared, start):
            continue
        separator = _SEPARATOR.match(masked, m.end())
        rest_empty = not masked[m.end() :].strip()
        previous = start - 1
        while previous >= 0 and not (masked[previous] == ";" and scan.depth[previous] == 0):
            previous -= 1
        segment = masked[previous + 1 : start]
        separable = (separator is not None or rest_empty) and not _strip_prologue(
            segment
        ).strip()
        graph_start = m.start("graph")
        operations.append(
            LoadOperation(
                start=start,
                end=m.end(),
                silent=m.group("silent") is not None,
                target=_target_text(text, scan, m),
                graph=(
                    scan.iris.get(graph_start, text[graph_start : m.end("graph")])
                    if m.group("graph") is not None
                    else None
                ),
                separable=separable,
                separator_end=separator.end() if separator else m.end(),
            )
        )
    return operations


#: One edit of a text: (start, end) in the original, (start, end) of what replaced it.
Edit = tuple[int, int, int, int]


def replace_loads(text: str, operations: list[LoadOperation]) -> tuple[str, list[Edit]]:
    """``text`` with every LOAD operation replaced by a COPY of the same shape.

    ``LOAD [SILENT] T [INTO GRAPH G]`` becomes ``COPY [SILENT] T TO (GRAPH G | DEFAULT)``:
    the same targets (so undeclared prefixes and bad IRIs still fail) in an operation that
    reads nothing from outside the store. The result parses exactly when the original does,
    as far as these operations are concerned, so Oxigraph can judge its syntax on an empty
    store without any LOAD being run. Returns the new text and the edits made.
    """
    parts: list[str] = []
    edits: list[Edit] = []
    pos = 0
    length = 0
    for op in operations:
        parts.append(text[pos : op.start])
        length += op.start - pos
        silent = " SILENT" if op.silent else ""
        into = f"GRAPH {op.graph}" if op.graph is not None else "DEFAULT"
        replacement = f"COPY{silent} {op.target} TO {into}"
        edits.append((op.start, op.end, length, length + len(replacement)))
        parts.append(replacement)
        length += len(replacement)
        pos = op.end
    parts.append(text[pos:])
    return "".join(parts), edits


def remove_operations(text: str, operations: list[LoadOperation]) -> str | None:
    """``text`` without these operations (each with the ``;`` after it), or None.

    None when one of them is not :attr:`LoadOperation.separable`. What is removed is blanked
    (line breaks kept), so positions in the rest of the text do not move.
    """
    if not all(op.separable for op in operations):
        return None
    out = list(text)
    for op in operations:
        for i in range(op.start, op.separator_end):
            if out[i] not in "\r\n":
                out[i] = " "
    return "".join(out)


def _offset_of(text: str, line: int, column: int) -> int:
    """Offset of a 1-based (line, column) counted in characters, as Oxigraph reports it."""
    offset = 0
    for _ in range(line - 1):
        newline = text.find("\n", offset)
        if newline < 0:
            return len(text)
        offset = newline + 1
    return min(offset + column - 1, len(text))


def map_error_position(message: str, edited: str, original: str, edits: list[Edit]) -> str:
    """Rewrite ``error at L:C`` of a message about ``edited`` into a position of ``original``."""
    line, column = error_position(message)
    if line is None or column is None:
        return message
    offset = _offset_of(edited, line, column)
    mapped = offset
    for o_start, o_end, e_start, e_end in edits:
        if offset < e_start:
            break
        mapped = o_start if offset < e_end else offset - e_end + o_end
    before = original[:mapped]
    new_line = before.count("\n") + 1
    new_column = mapped - (before.rfind("\n") + 1) + 1
    return _POSITION.sub(f"error at {new_line}:{new_column}", message, count=1)


# --------------------------------------------------------------------------- update targets

#: In :func:`update_targets`' answer: the update may change any named graph.
ALL_GRAPHS = "*all named graphs*"

_W = r"(?![A-Za-z0-9_:\-])"  # the end of a keyword (not the start of a longer name)
_OP_GRAPH = f"(?:(?i:graph){_GAP}(?P<NAME>{_IRI}|{_PNAME})|(?P<NAME_kw>(?i:default|named|all)){_W})"
_OP_CLEAR = re.compile(
    f"{_GAP}(?i:clear|drop){_W}{_GAP}(?:(?i:silent){_W}{_GAP})?"
    f"{_OP_GRAPH.replace('NAME', 'g')}{_GAP}$"
)
_OP_CREATE = re.compile(
    f"{_GAP}(?i:create){_W}{_GAP}(?:(?i:silent){_W}{_GAP})?(?i:graph){_GAP}"
    f"(?P<g>{_IRI}|{_PNAME}){_GAP}$"
)
_GRAPH_OR_DEFAULT = (
    f"(?:(?:(?i:graph){_GAP})?(?P<NAME>{_IRI}|{_PNAME})|(?P<NAME_kw>(?i:default)){_W})"
)
_OP_ADD = re.compile(
    f"{_GAP}(?P<op>(?i:add|copy|move)){_W}{_GAP}(?:(?i:silent){_W}{_GAP})?"
    f"{_GRAPH_OR_DEFAULT.replace('NAME', 'src')}{_GAP}(?i:to){_W}{_GAP}"
    f"{_GRAPH_OR_DEFAULT.replace('NAME', 'dst')}{_GAP}$"
)
_OP_LOAD = re.compile(
    f"{_GAP}(?i:load){_W}{_GAP}(?:(?i:silent){_W}{_GAP})?(?:{_IRI}|{_PNAME}){_GAP}"
    f"(?:(?i:into){_GAP}(?i:graph){_GAP}(?P<g>{_IRI}|{_PNAME}){_GAP})?$"
)
_OP_DATA = re.compile(f"{_GAP}(?i:insert|delete){_GAP}(?i:data|where){_GAP}(?=\\{{)")
_OP_WITH = re.compile(f"{_GAP}(?i:with){_W}{_GAP}(?P<g>{_IRI}|{_PNAME}){_GAP}")
_OP_TEMPLATE = re.compile(f"{_GAP}(?i:delete|insert){_GAP}(?=\\{{)")
_TEMPLATE_GRAPH = re.compile(f"(?i:graph){_GAP}(?P<g>{_IRI}|{_PNAME}|{_VAR}){_GAP}(?=\\{{)")


def update_targets(text: str, *, base_iri: str | None = None) -> set[str] | None:
    """The graphs a SPARQL Update may change (``""``: the default graph, :data:`ALL_GRAPHS`:
    any), read from the text with this module's tokenizer, or None when the text has a shape
    this reader does not know (the caller then uses a full parser).

    Why: rdflib's parser took 75 s for a 4,000-triple ``INSERT DATA`` (issue 12). This reads
    the operations the grammar allows (graph management, ``INSERT``/``DELETE DATA``,
    ``DELETE WHERE``, ``[WITH] DELETE {…} INSERT {…} [USING …] WHERE {…}``) and the
    ``GRAPH`` blocks at the top level of their templates, in linear time. Anything else gives
    None, never a guess: a wrong answer here would let a write through to a curated graph.
    """
    scan = _scan(text)
    masked = scan.masked
    resolver = _Resolver(text, scan, base_iri)
    targets: set[str] = set()
    start = 0
    separators = (m.start() for m in re.finditer(";", masked) if scan.depth[m.start()] == 0)
    for end in [*separators, len(masked)]:
        if not _operation_targets(text, scan, resolver, start, end, targets):
            return None
        start = end + 1
    return targets


def _operation_targets(
    text: str, scan: _Scan, resolver: _Resolver, start: int, end: int, targets: set[str]
) -> bool:
    masked = scan.masked
    pos = start
    while True:  # this operation's prologue
        m = _DECL.match(masked, pos, end)
        if not m:
            break
        pos = m.end()
    if not masked[pos:end].strip():
        return True  # an empty operation (a trailing ``;``)

    def iri(m: re.Match[str], group: str) -> str | None:
        token = scan.iris.get(m.start(group), text[m.start(group) : m.end(group)])
        return resolver.resolve(token, m.start(group))

    for pattern in (_OP_CLEAR, _OP_CREATE, _OP_LOAD):
        m = pattern.fullmatch(masked, pos, end) if pattern is not _OP_LOAD else pattern.match(
            masked, pos, end)
        if m and m.end() == end:
            if m.group("g") is None:
                keyword = (m.groupdict().get("g_kw") or "").lower()
                targets.add("" if keyword in ("default", "") else ALL_GRAPHS)
                return True
            graph = iri(m, "g")
            if graph is None:
                return False
            targets.add(graph)
            return True
    m = _OP_ADD.match(masked, pos, end)
    if m and m.end() == end:
        for group in ("dst", "src") if m.group("op").lower() == "move" else ("dst",):
            if m.group(group) is None:
                targets.add("")
            else:
                graph = iri(m, group)
                if graph is None:
                    return False
                targets.add(graph)
        return True
    m = _OP_DATA.match(masked, pos, end)
    if m:
        block_end = _block_end(scan, m.end())
        if block_end is None or masked[block_end + 1 : end].strip():
            return False
        return _template_targets(text, scan, resolver, m.end(), block_end, "", targets)
    default = ""
    m = _OP_WITH.match(masked, pos, end)
    if m:
        graph = iri(m, "g")
        if graph is None:
            return False
        default, pos = graph, m.end()
    seen = False
    while True:
        m = _OP_TEMPLATE.match(masked, pos, end)
        if not m:
            break
        block_end = _block_end(scan, m.end())
        if block_end is None:
            return False
        if not _template_targets(text, scan, resolver, m.end(), block_end, default, targets):
            return False
        seen, pos = True, block_end + 1
    # What follows the templates (USING …, WHERE {…}) changes nothing; it must be there.
    return seen and re.match(f"{_GAP}(?i:using|where|\\{{)", masked[pos:end]) is not None


def _block_end(scan: _Scan, open_at: int) -> int | None:
    """The offset of the ``}`` that closes the ``{`` at ``open_at``."""
    depth = scan.depth[open_at]
    index = open_at
    while True:
        index = scan.masked.find("}", index + 1)
        if index < 0:
            return None
        if scan.depth[index] == depth:
            return index


def _template_targets(
    text: str, scan: _Scan, resolver: _Resolver, open_at: int, close_at: int, default: str,
    targets: set[str],
) -> bool:
    """Add the graphs a template ``{ … }`` writes: each top-level ``GRAPH g { … }``, and the
    default (or WITH) graph when it holds triples outside those."""
    masked = scan.masked
    pos = open_at + 1
    while pos < close_at:
        char = masked[pos]
        if char.isspace() or char == ".":
            pos += 1
            continue
        m = _TEMPLATE_GRAPH.match(masked, pos, close_at)
        if m:
            token = scan.iris.get(m.start("g"), text[m.start("g") : m.end("g")])
            if token[0] in "?$":
                targets.add(ALL_GRAPHS)
            else:
                graph = resolver.resolve(token, m.start("g"))
                if graph is None:
                    return False
                targets.add(graph)
            inner_end = _block_end(scan, m.end())
            if inner_end is None or inner_end > close_at:
                return False
            pos = inner_end + 1
            continue
        # Triples outside any GRAPH block: the default graph (or WITH's). Skip to the next
        # top-level GRAPH keyword or the end.
        targets.add(default)
        nxt = _next_top_level_graph(scan, pos, close_at, scan.depth[open_at])
        pos = close_at if nxt is None else nxt
    return True


_GRAPH_WORD = re.compile("(?i:graph)")


def _next_top_level_graph(scan: _Scan, pos: int, close_at: int, depth: int) -> int | None:
    for m in _GRAPH_WORD.finditer(scan.masked, pos + 1, close_at):
        if scan.depth[m.start()] != depth:
            continue
        before = scan.masked[m.start() - 1]
        if (before.isspace() or before in ".}") and _TEMPLATE_GRAPH.match(
            scan.masked, m.start(), close_at
        ):
            return m.start()
    return None


def canonical(text: str) -> str | None:
    """``text`` with its comments dropped and every gap between tokens made one space, or
    None when that cannot be done safely.

    Why: the result cache (web/result_cache.py) keys results by the query, and two texts
    that differ only in layout or comments are the same query. The token sequence is kept
    exactly (strings, IRIs and everything else verbatim; no space added where there was none),
    so the engine reads the same query. None when the tokenization may disagree with the
    engine's (an IRI token where a less-than could be meant, see :func:`_scan`): the caller
    then keys by the text as written.
    """
    out: list[str] = []
    gap = False
    parens = 0
    previous: str | None = None
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        value = match.group()
        if kind == "ws" or kind == "comment":
            gap = True
            continue
        if kind == "iri" and parens > 0 and previous not in _OPERAND_EXPECTED:
            return None
        if value == "(":
            parens += 1
        elif value == ")":
            parens = max(0, parens - 1)
        if gap and out:
            out.append(" ")
        gap = False
        out.append(value)
        previous = value if kind == "other" else kind
    return "".join(out)
