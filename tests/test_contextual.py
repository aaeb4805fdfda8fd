"""Validation of a contribution in the context of the graph: each mistake once, plainly."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from coopgraph.contextual import parse_contribution, validate_contribution
from coopgraph.validate import lang_from_env, main

FIXTURES = Path(__file__).parent / "fixtures" / "contrib"
MONTREUIL = FIXTURES / "montreuil-mopti.ttl"
ID = "https://w3id.org/coopgraph/id/"

HEAD = """@prefix cg: <https://w3id.org/coopgraph/ontology#> .
@prefix actor: <https://w3id.org/coopgraph/id/actor/> .
@prefix territory: <https://w3id.org/coopgraph/id/territory/> .
@prefix level: <https://w3id.org/coopgraph/id/concept/level/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix doc: <https://example.org/doc/> .
doc:r a cg:Document ; dcterms:title "Rapport"@fr ; skos:prefLabel "Rapport"@fr , "Report"@en .
"""


def report_of(text: str, lang: str = "en"):
    return validate_contribution(parse_contribution(text.encode(), "text/turtle"), lang=lang)


def run(paths: list[Path], **kwargs) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(paths, out=out, err=err, curated=False, **kwargs)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def montreuil() -> dict:
    code, out, _ = run([MONTREUIL], output_format="json", lang="en")
    assert code == 1
    return json.loads(out)


def test_the_issue_example_reports_exactly_its_three_mistakes(montreuil: dict) -> None:
    results = montreuil["results"]
    found = {(r["focusNode"]["value"], r["resultPath"]["value"]) for r in results}
    assert found == {
        (ID + "actor/ville-de-montreuil", "http://www.w3.org/2004/02/skos/core#prefLabel"),
        (ID + "partnership/montreuil-mopti", "http://schema.org/endDate"),
        (ID + "territory/montreuil", "https://w3id.org/coopgraph/ontology#population"),
    }
    assert all(r["severity"] == "Violation" for r in results)


def test_each_result_has_a_sentence_a_hint_and_the_line_of_its_resource(montreuil: dict) -> None:
    lines = MONTREUIL.read_text().splitlines()
    for r in montreuil["results"]:
        assert r["message"].endswith(".") and "Literal(" not in r["message"]
        assert r["hint"]
        subject_line = lines[r["line"] - 1]
        local = r["focusNode"]["value"].rsplit("/", 1)[1]
        assert subject_line.split()[0].endswith(":" + local)
    by_path = {r["resultPath"]["value"].rsplit("/", 1)[-1]: r for r in montreuil["results"]}
    assert by_path["endDate"]["value"]["value"] == "1980"
    assert by_path["ontology#population"]["value"]["value"] == "120000 habitants"


def test_messages_and_hints_in_french() -> None:
    code, out, _ = run([MONTREUIL], output_format="text", lang="fr")
    assert code == 1
    assert "La date de fin (schema:endDate) précède la date de début" in out
    assert "Ajoutez un libellé en français" in out
    assert "ligne 20" in out
    assert "Non conforme : 3 violation(s)" in out


def test_references_to_the_graph_resolve_and_their_own_rules_are_not_reported() -> None:
    report = report_of(HEAD + """
territory:x a cg:Territory ; skos:prefLabel "X"@fr , "X"@en ;
    cg:administrativeLevel level:municipality ;
    cg:country territory:france ; dcterms:source doc:r .
""")
    assert report.conforms, report.to_text()
    assert report.results == []


def test_a_reference_under_our_base_that_nothing_describes_is_a_warning() -> None:
    report = report_of(HEAD + """
territory:x a cg:Territory ; skos:prefLabel "X"@fr , "X"@en ;
    cg:administrativeLevel level:municipality ;
    cg:country territory:france ; skos:related territory:atlantide ; dcterms:source doc:r .
""")
    assert report.conforms
    warnings = [r for r in report.results if str(r.value) == ID + "territory/atlantide"]
    assert len(warnings) == 1 and warnings[0].severity == "Warning"
    assert "neither the file nor the graph" in warnings[0].message


def test_a_missing_reference_where_a_class_is_required_is_one_violation() -> None:
    report = report_of(HEAD + """
territory:x a cg:Territory ; skos:prefLabel "X"@fr , "X"@en ;
    cg:administrativeLevel level:municipality ;
    cg:country territory:atlantide ; dcterms:source doc:r .
""")
    about = [r for r in report.results if str(r.value) == ID + "territory/atlantide"]
    assert len(about) == 1 and about[0].severity == "Violation"


def test_an_unknown_class_of_our_ontology_is_a_violation() -> None:
    report = report_of(HEAD + "actor:y a cg:Municipalite .\n")
    assert not report.conforms
    assert any("is not a class of the coopgraph ontology" in r.message for r in report.results)


def test_a_contribution_must_describe_the_document_it_cites() -> None:
    report = report_of(HEAD + """
territory:x a cg:Territory ; skos:prefLabel "X"@fr , "X"@en ;
    cg:administrativeLevel level:municipality ;
    cg:country territory:france ; dcterms:source <https://example.org/undescribed> .
""")
    assert [r.source_shape.rsplit("#", 1)[1] for r in report.violations] == ["source-class"]
    assert "cg:Document" in report.violations[0].hint


@pytest.mark.parametrize("kind", ["cg:Event", "cg:Participation", "org:Membership",
                                  "cg:Award", "cg:Figure", "cg:Partnership", "cg:Project"])
def test_every_kind_of_resource_may_cite_the_contribution_s_own_document(kind: str) -> None:
    """The five-sources rule is the curated data's: a contributed resource of any kind cites
    a document the contribution describes (its other rules are not what this checks)."""
    head = HEAD + "@prefix org: <http://www.w3.org/ns/org#> .\n"

    def source_rules(cited: str) -> list[str]:
        report = report_of(head + f"<https://example.org/thing> a {kind} ; "
                                  f"dcterms:source {cited} .\n")
        return [str(r.source_shape) for r in report.results
                if str(r.result_path).endswith("/source")]

    assert source_rules("doc:r") == []
    assert source_rules("<https://example.org/undescribed>") == [
        "https://w3id.org/coopgraph/shapes/contribution#source-class"]


def test_the_curated_mode_keeps_the_five_sources_rule() -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main([MONTREUIL], out=out, err=err, curated=True, lang="en")
    assert code == 1
    assert "must name one of the five source documents" in out.getvalue()


def test_the_cli_language_follows_the_environment() -> None:
    assert lang_from_env({"LANG": "fr_FR.UTF-8"}) == "fr"
    assert lang_from_env({"LANG": "fr_FR.UTF-8", "LC_ALL": "C"}) == "en"
    assert lang_from_env({}) == "en"


def test_the_turtle_report_is_a_standard_validation_report(montreuil: dict) -> None:
    from rdflib import Graph
    from rdflib.namespace import RDF, SH

    code, out, _ = run([MONTREUIL], output_format="turtle", lang="en")
    g = Graph().parse(data=out, format="turtle")
    report = next(g.subjects(RDF.type, SH.ValidationReport))
    assert len(list(g.objects(report, SH.result))) == 3


# --------------------------------------------------------------------------------------------
# Malformed values checked through nested shapes: one sentence of ours each, never pyshacl's

MALFORMED = FIXTURES / "malformed-values.ttl"

#: What pyshacl writes when a shape gives no message (nested results of sh:node, sh:or…).
RAW_VALIDATOR_TEXT = re.compile(
    r"must conform|does not conform|Literal\(|Node Literal|Details:|See details"
    r"|(?<![\w-])sh:[a-zA-Z]|conform to Shape|Value must|Less than \d+ values")

#: The file's four mistakes: (resource, path) → (value, line of the resource).
MALFORMED_MISTAKES = {
    (ID + "partnership/montreuil-mopti", "http://schema.org/startDate"): ("2020-13-45", 60),
    (ID + "partnership/montreuil-mopti", "http://schema.org/endDate"): ("hier", 60),
    (ID + "territory/mali", "https://w3id.org/coopgraph/ontology#referenceDate"):
        ("2012-05-17", 47),
    ("[] cg:population of territory:montreuil", "http://schema.org/value"): ("beaucoup", 36),
}


def _mistake_key(r: dict) -> tuple[str, str]:
    focus = r["focusNode"]
    if focus["type"] == "bnode":
        ref = r["focusReferencedBy"][0]
        name = ref["predicate"].rsplit("#", 1)[-1]
        focus_name = f"[] cg:{name} of territory:{ref['subject']['value'].rsplit('/', 1)[-1]}"
    else:
        focus_name = focus["value"]
    return focus_name, r["resultPath"]["value"]


def assert_plain_sentences(results: list[dict]) -> None:
    for r in results:
        for text in (r["message"], r["hint"], *r["messages"].values()):
            assert text and not RAW_VALIDATOR_TEXT.search(text), text
        assert r["message"].endswith(".")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_each_malformed_value_is_one_sentence_with_value_path_hint_and_line(lang: str) -> None:
    code, out, err = run([MALFORMED], output_format="json", lang=lang)
    assert code == 1 and err == ""
    results = json.loads(out)["results"]
    assert_plain_sentences(results)
    found = {_mistake_key(r): (r["value"]["value"], r["line"]) for r in results}
    assert found == MALFORMED_MISTAKES
    assert len(results) == len(MALFORMED_MISTAKES)  # each mistake once
    for r in results:
        assert set(r["messages"]) == {"en", "fr"}
        assert r["message"] == r["messages"][lang]
    dates = [r for r in results if r["resultPath"]["value"].endswith("startDate")]
    assert len(dates) == 1
    hint = dates[0]["hint"]
    assert '"2020-05-17"^^xsd:date' in hint and '"2020"^^xsd:gYear' in hint
    assert ("une date qui existe" if lang == "fr" else "a date that exists") in hint


def test_the_text_report_of_malformed_values_has_no_validator_text() -> None:
    for lang in ("en", "fr"):
        code, out, _ = run([MALFORMED], output_format="text", lang=lang)
        assert code == 1
        body = out.splitlines()[:-1]  # the last line is the verdict ("Does not conform: …")
        assert len(body) == 3 + 4 * 3  # 3 resources (a head line each), 4 results of 3 lines
        for line in body:
            assert not RAW_VALIDATOR_TEXT.search(line), line


def test_the_turtle_report_of_malformed_values_carries_our_messages_only() -> None:
    from rdflib import Graph
    from rdflib.namespace import RDF, SH

    code, out, _ = run([MALFORMED], output_format="turtle", lang="fr")
    g = Graph().parse(data=out, format="turtle")
    results = list(g.subjects(RDF.type, SH.ValidationResult))
    assert len(results) == 4
    for message in g.objects(None, SH.resultMessage):
        assert message.language in ("fr", "en")
        assert not RAW_VALIDATOR_TEXT.search(str(message)), message


def test_the_coopgraph_command_reports_a_malformed_date_without_a_traceback(
        tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    bad = tmp_path / "dates.ttl"
    bad.write_text(HEAD + """@prefix schema: <http://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix partnership: <https://w3id.org/coopgraph/id/partnership/> .
partnership:x a cg:Partnership ; skos:prefLabel "X"@fr ;
    schema:startDate "2017-02-30"^^xsd:date .
""")
    done = subprocess.run(
        [str(Path(sys.executable).parent / "coopgraph"), "validate", str(bad), "--format",
         "json", "--lang", "fr"], capture_output=True, text=True, timeout=300,
        env={**os.environ, "LANG": "C"})
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "Failed to convert" not in done.stderr
    results = json.loads(done.stdout)["results"]
    assert_plain_sentences(results)
    dates = [r for r in results if r["resultPath"]["value"] == "http://schema.org/startDate"]
    assert len(dates) == 1
    assert dates[0]["value"]["value"] == "2017-02-30"
    assert dates[0]["line"] == bad.read_text().splitlines().index(
        'partnership:x a cg:Partnership ; skos:prefLabel "X"@fr ;') + 1
    assert "xsd:gYear" in dates[0]["hint"]


def test_the_curated_report_of_a_malformed_date_says_it_once_plainly() -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main([MALFORMED], out=out, err=err, curated=True, lang="en", output_format="json")
    assert code == 1
    results = json.loads(out.getvalue())["results"]
    for r in results:
        assert not RAW_VALIDATOR_TEXT.search(r["message"]), r["message"]
    starts = [r for r in results if "startDate" in str(r["resultPath"])
              or r["focusNode"]["value"] == "2020-13-45"]
    assert len(starts) == 1 and starts[0]["value"]["value"] == "2020-13-45"


#: pyshacl stops (ReportableRuntimeError) on a blank node compared with sh:lessThanOrEquals.
BLANK_MIN_VALUE = HEAD + """@prefix schema: <http://schema.org/> .
@prefix figure: <https://w3id.org/coopgraph/id/figure/> .
figure:x a cg:Figure ; schema:minValue [] ; schema:maxValue 3 .
"""


def test_input_the_validator_cannot_check_is_a_clear_error_not_a_traceback(
        tmp_path: Path) -> None:
    bad = tmp_path / "figure.ttl"
    bad.write_text(BLANK_MIN_VALUE)
    code, out, err = run([bad], output_format="json", lang="en")
    assert code == 2 and out == ""
    assert err.startswith(f"{bad}: cannot be checked: a blank node ([])")
    assert "Traceback" not in err and "BlankNode" not in err and "sh:" not in err
