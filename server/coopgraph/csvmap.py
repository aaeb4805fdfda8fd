"""Spreadsheets to RDF through a DECLARED mapping: CSV on the Web metadata run by ``csvw``.

The mapping is ``docs/contributing/coopgraph.csv-metadata.json`` (W3C CSVW): one table per
template (partnerships, projects), each column with its datatype, ``required``, ``separator``
and the ``aboutUrl``/``propertyUrl``/``valueUrl`` URI templates that say which triple a cell
becomes; virtual columns add the types and links. The ``csvw`` package reads the table with
that metadata (dialect, datatypes, formats, required cells, URI templates) and reports bad
cells as ``file:line:column``. This module only emits the triples the CSVW "csv2rdf"
algorithm defines from what csvw parsed (nothing here is specific to one template), and keeps
where each triple came from, so that validation results name the CSV row and column.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import tempfile
import warnings
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from csvw.metadata import Table, TableGroup
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from .config import PROJECT_ROOT
from .rdfio import RdfParseError

METADATA = PROJECT_ROOT / "docs" / "contributing" / "coopgraph.csv-metadata.json"
CSVW_ERRORS = URIRef("https://w3id.org/coopgraph/shapes/contribution#CsvCell")
_PREFIXES = {"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
             "xsd": str(XSD), "schema": "http://schema.org/"}
_LOGGED = re.compile(r"^(?P<file>.*?):(?P<line>\d+):(?P<col>\d+) (?P<name>[^:]+): (?P<why>.*)$")


@lru_cache(maxsize=1)
def table_group() -> TableGroup:
    """The templates' CSVW metadata, read once."""
    return TableGroup.from_file(METADATA)


def _titles(table: Table) -> list[str]:
    return [c.name for c in table.tableSchema.columns if not c.virtual]


def pick_table(header: list[str], name: str) -> Table:
    """The template whose columns are exactly ``header`` (any order)."""
    given = {h.strip() for h in header}
    for table in table_group().tables:
        if given == set(_titles(table)):
            return table
    expected = "; ".join(f"{t.url}: {','.join(_titles(t))}" for t in table_group().tables)
    raise RdfParseError(name, f"the header row matches no template; expected the columns of "
                              f"one of: {expected}", 1, 1)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list) and len(value) == 0)


def _text(value: Any) -> str:
    if hasattr(value, "unsplit"):
        return value.unsplit()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _iri(template: Any, context: dict[str, str]) -> str | None:
    """Expand a URI template, or None when one of its variables is empty."""
    names = getattr(template, "variable_names", None) or []
    if any(not context.get(n) for n in names):
        return None
    expanded = template.expand(context)
    for prefix, ns in _PREFIXES.items():
        if expanded.startswith(prefix + ":"):
            return ns + expanded[len(prefix) + 1:]
    return expanded


def _literal(column: Any, value: Any) -> Literal:
    dt = column.datatype
    text = _text(value)
    declared = dt.at_props.get("id") if dt is not None else None
    lang = column.lang if column.lang and column.lang != "und" else None
    if declared:
        return Literal(text, datatype=URIRef(declared))
    if dt is None or dt.base in ("string", None):
        return Literal(text, lang=lang) if lang else Literal(text)
    return Literal(text, datatype=XSD[dt.base])


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def csv_to_contribution(data: bytes, name: str = "<input>") -> Any:
    """Parse a CSV made from a template into a :class:`~coopgraph.contextual.Contribution`.

    Cells that csvw rejects (bad datatype or format, missing required value) become
    violations naming the row and column; the rows it accepts become triples.
    """
    from .contextual import Contribution
    from .validate import Result

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        before = data[: e.start]
        raise RdfParseError(name, f"not UTF-8: invalid byte 0x{data[e.start]:02x}",
                            before.count(b"\n") + 1, None) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise RdfParseError(name, "the CSV file has no header row", 1, 1)
    if len(rows) < 2:
        raise RdfParseError(name, "the CSV file has a header but no data row", 2, 1)
    table = pick_table(rows[0], name)
    header = [h.strip() for h in rows[0]]
    columns = {c.name: c for c in table.tableSchema.columns}
    graph = Graph()
    cells: dict[Any, tuple[int, str]] = {}
    property_cells: dict[tuple[Any, Any], tuple[int, str]] = {}
    collect = _Collect()
    log = logging.getLogger(f"coopgraph.csvmap.{id(collect)}")
    log.addHandler(collect)
    log.propagate = False
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / table.url.string
        path.write_text(text, encoding="utf-8")
        # First pass: csvw checks every cell and logs FILE:LINE:COLUMN for the bad ones.
        for _ in table.iterdicts(log=log, with_metadata=True, fname=path):
            pass
        # Second pass: every row, bad cells kept as text (and left out of the mapping below),
        # so that one bad cell does not hide the row's other mistakes.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = list(table.iterdicts(with_metadata=True, fname=path, strict=False))
    log.removeHandler(collect)
    schema_about = table.tableSchema.aboutUrl
    bad_cells = set()
    suppressed: set[tuple[Any, Any]] = set()
    for message in collect.messages:
        m = _LOGGED.match(message)
        if m:
            bad_cells.add((int(m.group("line")), m.group("name").strip()))
    for _fname, lineno, row in parsed:
        context = {k: _text(v) for k, v in row.items()
                   if not _empty(v) and not isinstance(v, list) and (lineno, k) not in bad_cells}
        row_node = BNode()
        for line, col_name in bad_cells:
            column = columns.get(col_name)
            if line != lineno or column is None or column.propertyUrl is None:
                continue
            template = column.aboutUrl or schema_about
            about = _iri(template, context) if template else None
            prop = _iri(column.propertyUrl, context)
            if about and prop:
                suppressed.add((URIRef(about), URIRef(prop)))
        for column in table.tableSchema.columns:
            if column.suppressOutput or column.propertyUrl is None:
                continue
            value = row.get(column.name)
            if not column.virtual and (_empty(value) or (lineno, column.name) in bad_cells):
                continue
            about_template = column.aboutUrl or schema_about
            about_iri = _iri(about_template, context) if about_template else None
            if about_template and about_iri is None:
                continue
            subject = URIRef(about_iri) if about_iri else row_node
            prop_iri = _iri(column.propertyUrl, context)
            if prop_iri is None:
                continue
            prop = URIRef(prop_iri)
            values = value if isinstance(value, list) else [value]
            for item in values:
                if column.valueUrl is not None:
                    local = dict(context)
                    if not column.virtual:
                        local[column.name] = _text(item)
                    obj_iri = _iri(column.valueUrl, local)
                    if obj_iri is None:
                        continue
                    obj: Any = URIRef(obj_iri)
                else:
                    obj = _literal(column, item)
                graph.add((subject, prop, obj))
                where = (lineno, column.name if not column.virtual else header[0])
                if not column.virtual:
                    property_cells.setdefault((subject, prop), where)
                cells.setdefault(subject, (lineno, header[0]))
    contribution = Contribution(graph=graph, name=name, cells=cells,
                                property_cells=property_cells, suppressed=suppressed)
    for message in collect.messages:
        m = _LOGGED.match(message)
        if not m:
            continue
        line, col_name, why = int(m.group("line")), m.group("name").strip(), m.group("why")
        column = columns.get(col_name)
        contribution.extra_results.append(_cell_result(Result, line, col_name, why, column,
                                                       rows, header))
    return contribution


def _cell_result(result_cls: Any, line: int, col_name: str, why: str, column: Any,
                 rows: list[list[str]], header: list[str]) -> Any:
    index = header.index(col_name) if col_name in header else None
    raw = rows[line - 1][index] if index is not None and line - 1 < len(rows) and index < len(
        rows[line - 1]) else ""
    expected = ""
    if column is not None and column.datatype is not None:
        fmt = column.datatype.format
        expected = f"{column.datatype.base}" + (f", {fmt}" if fmt else "")
    if "required" in why:
        texts = {"en": f"Row {line}, column {col_name}: a value is required.",
                 "fr": f"Ligne {line}, colonne {col_name} : une valeur est requise."}
        hints = {"en": f"Fill in the {col_name} cell (see docs/contributing.md).",
                 "fr": f"Remplissez la cellule {col_name} (voir docs/contributing.md)."}
    else:
        texts = {"en": f"Row {line}, column {col_name}: the value {raw!r} is not valid "
                       f"(expected {expected}).",
                 "fr": f"Ligne {line}, colonne {col_name} : la valeur {raw!r} n'est pas valide "
                       f"(attendu : {expected})."}
        hints = {"en": f"Write the {col_name} cell as the template says: "
                       f"{column.common_props.get('dc:description', '') if column else ''}",
                 "fr": f"Écrivez la cellule {col_name} comme le modèle l'indique "
                       "(voir docs/contributing.md)."}
    r = result_cls(
        severity="Violation", focus_node=Literal(raw), result_path=None, path_text=col_name,
        path_iris=None, value=Literal(raw), message=texts["en"], source_shape=None,
        constraint_component=CSVW_ERRORS, messages=texts)
    r.line, r.column = line, col_name
    r.hints = hints
    return r
