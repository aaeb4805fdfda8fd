"""Spreadsheets: the CSVW mapping of the templates, and errors that name the row and column."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from coopgraph.config import PROJECT_ROOT
from coopgraph.contextual import parse_contribution, validate_contribution
from coopgraph.rdfio import RdfParseError

DOCS = PROJECT_ROOT / "docs" / "contributing"
BAD = Path(__file__).parent / "fixtures" / "contrib" / "csv" / "partnerships-bad.csv"
ID = "https://w3id.org/coopgraph/id/"


def report_of(data: bytes, lang: str = "en"):
    return validate_contribution(parse_contribution(data, "text/csv", "p.csv"), lang=lang)


@pytest.mark.parametrize("name", ["partnerships.csv", "projects.csv"])
def test_the_examples_conform_and_the_templates_match_the_mapping(name: str) -> None:
    example = (DOCS / "example" / name).read_bytes()
    report = report_of(example)
    assert report.conforms and report.results == [], report.to_text()
    template_header = (DOCS / "template" / name).read_text().splitlines()[0]
    assert example.decode().splitlines()[0] == template_header


def test_a_partnership_row_becomes_the_ontology_s_resources() -> None:
    c = parse_contribution((DOCS / "example" / "partnerships.csv").read_bytes(), "text/csv")
    ttl = c.graph.serialize(format="nt")
    assert f"<{ID}partnership/montreuil-podor-exemple> " \
           f"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> " \
           "<https://w3id.org/coopgraph/ontology#Partnership>" in ttl
    assert '"93048"^^<https://w3id.org/coopgraph/ontology#CodeCommune>' in ttl
    assert f"<{ID}concept/theme/health>" in ttl


def test_errors_name_the_row_and_the_column_once_each() -> None:
    report = report_of(BAD.read_bytes())
    where = sorted((r.line, r.column) for r in report.results)
    assert where == [(2, "end_date"), (2, "insee_code"), (3, "id"),
                     (3, "local_government_label"), (3, "partner_country")]
    assert all(r.severity == "Violation" and r.hint for r in report.results)
    insee = next(r for r in report.results if r.column == "insee_code")
    assert "Row 2, column insee_code" in insee.message and "'9304'" in insee.message


def test_errors_in_french() -> None:
    report = report_of(BAD.read_bytes(), lang="fr")
    assert any(r.message.startswith("Ligne 3, colonne id") for r in report.results)


def test_a_header_that_matches_no_template_is_refused_with_the_expected_columns() -> None:
    with pytest.raises(RdfParseError) as exc:
        parse_contribution(b"name,city\nx,y\n", "text/csv", "p.csv")
    assert exc.value.line == 1 and "partnerships.csv: id,label" in str(exc.value)


def test_a_header_only_file_is_refused() -> None:
    header = (DOCS / "template" / "projects.csv").read_bytes()
    with pytest.raises(RdfParseError, match="no data row"):
        parse_contribution(header, "text/csv", "p.csv")


def test_the_mapping_is_declared_not_coded() -> None:
    """Every template column is described in the CSVW metadata (so the doc can list them)."""
    import json

    meta = json.loads((DOCS / "coopgraph.csv-metadata.json").read_text())
    for table in meta["tables"]:
        header = next(csv.reader((DOCS / "template" / table["url"]).open()))
        described = [c["name"] for c in table["tableSchema"]["columns"] if not c.get("virtual")]
        assert header == described
        assert all(c.get("dc:description") for c in table["tableSchema"]["columns"]
                   if not c.get("virtual"))
