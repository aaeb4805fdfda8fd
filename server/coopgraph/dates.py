"""Date bounds: make dates of every precision comparable with plain SPARQL.

The curated data states each date with its precision as its datatype ("février 1998" is
``"1998-02"^^xsd:gYearMonth``, "2003" is ``"2003"^^xsd:gYear``). SPARQL cannot compare an
``xsd:gYear`` with an ``xsd:date``, so "started before 2000" would need string tricks. The
build therefore derives, for every dated thing, the first and the last day that its
precision allows, as ``xsd:date`` (``"1998"^^xsd:gYear`` → 1998-01-01 … 1998-12-31),
beside the precise literal, which stays as it is. These triples go into the inferred graph:
they are consequences of the asserted dates, never facts of their own.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, XSD

from .config import CANONICAL_BASE

SCHEMA = "http://schema.org/"


def bound_properties(base: str = CANONICAL_BASE) -> dict[URIRef, tuple[URIRef, URIRef]]:
    """Each dated property and the pair of bound properties derived from it.

    ``base`` is the deployment's base: the build rewrites the ontology's IRIs to it before
    the bounds are computed, so the ``cg:`` properties are looked up under that base.
    """
    cg = Namespace(base + "ontology#")
    return {
        URIRef(SCHEMA + "startDate"): (cg.earliestStart, cg.latestStart),
        URIRef(SCHEMA + "endDate"): (cg.earliestEnd, cg.latestEnd),
        cg.foundingDate: (cg.earliestFoundingDate, cg.latestFoundingDate),
        cg.awardDate: (cg.earliestAwardDate, cg.latestAwardDate),
        cg.referenceDate: (cg.earliestReferenceDate, cg.latestReferenceDate),
        DCTERMS.date: (cg.earliestDate, cg.latestDate),
    }

_YEAR = re.compile(r"^(-?\d{4})(Z|[+-]\d\d:\d\d)?$")
_YEAR_MONTH = re.compile(r"^(-?\d{4})-(\d\d)(Z|[+-]\d\d:\d\d)?$")
_DATE = re.compile(r"^(-?\d{4})-(\d\d)-(\d\d)")


def bounds(value: Literal) -> tuple[date, date] | None:
    """First and last day a dated literal allows; None if it is not a date we understand."""
    text = str(value).strip()
    datatype = value.datatype
    try:
        if datatype == XSD.gYear and (m := _YEAR.match(text)):
            year = int(m.group(1))
            return date(year, 1, 1), date(year, 12, 31)
        if datatype == XSD.gYearMonth and (m := _YEAR_MONTH.match(text)):
            year, month = int(m.group(1)), int(m.group(2))
            last = calendar.monthrange(year, month)[1]
            return date(year, month, 1), date(year, month, last)
        if datatype in (XSD.date, XSD.dateTime) and (m := _DATE.match(text)):
            day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            return day, day
    except ValueError:  # month 13, day 31 of February: not a date, so no bounds
        return None
    return None


def date_bounds(graph: Graph, base: str = CANONICAL_BASE) -> Graph:
    """The ``xsd:date`` bounds of every dated statement of ``graph`` (see
    :func:`bound_properties`); literals that are not dates of a known precision get none."""
    out = Graph()
    for prop, (earliest, latest) in bound_properties(base).items():
        for subject, value in graph.subject_objects(prop):
            if not isinstance(value, Literal):
                continue
            found = bounds(value)
            if found is None:
                continue
            first, last = found
            out.add((subject, earliest, Literal(first.isoformat(), datatype=XSD.date)))
            out.add((subject, latest, Literal(last.isoformat(), datatype=XSD.date)))
    return out
