"""The validation engine: Report structure and outputs, language fallback, main()'s exit codes."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from coopgraph.rdfio import RdfParseError, read_graph
from coopgraph.validate import (
    load_ontology,
    load_shapes,
    main,
    validate_bytes,
    validate_files,
    validate_graph,
)

FIXTURES = Path(__file__).parent / "fixtures" / "validate"
VALID = FIXTURES / "valid.ttl"
WARNING_ONLY = FIXTURES / "warning-only.ttl"
VIOLATIONS = FIXTURES / "violations.ttl"
TRUNCATED = FIXTURES / "truncated.ttl"
ID = "https://w3id.org/coopgraph/id/"
CGSH = "https://w3id.org/coopgraph/shapes#"

PREFIXES = """@prefix cg: <https://w3id.org/coopgraph/ontology#> .
@prefix schema: <http://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix actor: <https://w3id.org/coopgraph/id/actor/> .
@prefix role: <https://w3id.org/coopgraph/id/concept/role/> .
@prefix participation: <https://w3id.org/coopgraph/id/participation/> .
@prefix membership: <https://w3id.org/coopgraph/id/membership/> .
"""


def run_uncached(paths: list[Path], **kwargs: str | None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(paths, out=out, err=err, **kwargs)  # type: ignore[arg-type]
    return code, out.getvalue(), err.getvalue()


_RUNS: dict[tuple, tuple[int, str, str]] = {}


def run(paths: list[Path], **kwargs: str | None) -> tuple[int, str, str]:
    """main()'s exit code, stdout and stderr; memoised, since several tests read one run."""
    key = (tuple(paths), tuple(sorted(kwargs.items())))
    if key not in _RUNS:
        _RUNS[key] = run_uncached(paths, **kwargs)
    return _RUNS[key]


# --- main(): exit codes and outputs ------------------------------------------------------------


def test_main_conforming_data_exits_0() -> None:
    code, out, err = run([VALID])
    assert code == 0
    assert out == "Conforms: 0 violation(s), 0 warning(s).\n"
    assert err == ""


def test_main_warnings_alone_still_conform_and_say_so() -> None:
    code, out, _ = run([VALID, WARNING_ONLY])
    assert code == 0
    assert "territory:kiosque-de-testville  — " in out
    assert "Warning   cg:country: A venue should state its country (cg:country)." in out
    assert out.endswith(
        "Conforms: 0 violation(s), 1 warning(s) (warnings alone do not prevent conformance).\n")
    code, out, _ = run([VALID, WARNING_ONLY], lang="fr")
    assert code == 0
    assert "Un lieu devrait indiquer son pays (cg:country)." in out
    assert out.endswith("Conforme : 0 violation(s), 1 avertissement(s) "
                        "(des avertissements seuls n'empêchent pas la conformité).\n")


def test_main_violations_exit_1_with_text_report() -> None:
    code, out, err = run([VALID, VIOLATIONS])
    assert code == 1
    assert err == ""
    lines = out.splitlines()
    assert lines[0] == f"funding:bad  — {VIOLATIONS}"
    assert "  Violation schema:funder: A funding has exactly one funder (schema:funder)." in lines
    # a blank node is named by what points at it
    assert f"[] (schema:amount of funding:bad)  — {VIOLATIONS}" in lines
    assert lines[-1] == "Does not conform: 3 violation(s), 0 warning(s)."


def test_main_french_messages() -> None:
    code, out, _ = run([VALID, VIOLATIONS], lang="fr")
    assert code == 1
    assert "Un financement a exactement un financeur (schema:funder)." in out
    assert "valeur: \"0\"^^xsd:integer" in out
    assert out.endswith("Non conforme : 3 violation(s), 0 avertissement(s).\n")


def test_main_unreadable_input_exits_2_with_position_on_stderr() -> None:
    code, out, err = run([VALID, TRUNCATED])
    assert code == 2
    assert out == ""
    assert err.startswith(f"{TRUNCATED}:3:8: ")
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("paths,kwargs,message", [
    ([Path("no/such/file.ttl")], {}, "no/such/file.ttl: no such file"),
    ([VALID], {"output_format": "yaml"}, "unknown output format 'yaml'"),
    ([VALID], {"lang": "de"}, "unknown language 'de'"),
    ([VALID], {"input_format": "yaml"}, "unknown RDF format 'yaml'"),
    ([], {}, "no input file given"),
])
def test_main_usage_and_input_errors_exit_2(
    paths: list[Path], kwargs: dict[str, str], message: str
) -> None:
    code, out, err = run(paths, **kwargs)
    assert code == 2
    assert out == ""
    assert message in err


def test_main_input_format_for_an_unusual_extension(tmp_path: Path) -> None:
    copy = tmp_path / "valid.txt"
    shutil.copy(VALID, copy)
    assert run([copy])[0] == 2
    code, out, _ = run([copy], input_format="text/turtle")
    assert code == 0, out


def test_main_json_output() -> None:
    code, out, _ = run([VALID, VIOLATIONS], output_format="json")
    assert code == 1
    doc = json.loads(out)
    assert set(doc) == {"conforms", "lang", "counts", "results"}
    assert doc["conforms"] is False
    assert doc["lang"] == "en"
    assert doc["counts"] == {"Violation": 3, "Warning": 0, "Info": 0}
    keys = {"severity", "focusNode", "focusReferencedBy", "resultPath", "value", "message",
            "messages", "sourceShape", "constraintComponent", "sourceConstraint", "files",
            "hint", "line"}
    for result in doc["results"]:
        assert set(result) == keys
        assert result["severity"] == "Violation"
        assert set(result["messages"]) == {"en", "fr"}
        assert result["files"] == [str(VIOLATIONS)]
    funder = next(r for r in doc["results"] if r["sourceShape"] == CGSH + "funding-funder")
    assert funder["focusNode"] == {"type": "uri", "value": ID + "funding/bad"}
    assert funder["resultPath"] == {"type": "uri", "value": "http://schema.org/funder"}
    assert funder["value"] is None
    assert funder["message"] == "A funding has exactly one funder (schema:funder)."
    assert funder["constraintComponent"] == str(SH.MaxCountConstraintComponent)
    amount = next(r for r in doc["results"] if r["focusNode"]["type"] == "bnode")
    assert amount["focusReferencedBy"] == [{
        "subject": {"type": "uri", "value": ID + "funding/bad"},
        "predicate": "http://schema.org/amount",
    }]
    assert amount["value"] == {"type": "literal", "value": "0",
                               "datatype": "http://www.w3.org/2001/XMLSchema#integer"}


def test_main_json_output_is_deterministic() -> None:
    first = json.loads(run([VALID, VIOLATIONS], output_format="json")[1])
    second = json.loads(run_uncached([VALID, VIOLATIONS], output_format="json")[1])
    for doc in (first, second):  # blank-node ids differ from run to run; nothing else may
        for r in doc["results"]:
            if r["focusNode"]["type"] == "bnode":
                r["focusNode"]["value"] = "_"
    assert first == second


def test_main_turtle_output_is_a_standard_validation_report() -> None:
    code, out, _ = run([VALID, VIOLATIONS], output_format="turtle")
    assert code == 1
    report = Graph().parse(data=out, format="turtle")
    node = report.value(None, RDF.type, SH.ValidationReport)
    assert node is not None
    assert report.value(node, SH.conforms) == Literal(False)
    results = list(report.objects(node, SH.result))
    assert len(results) == 3
    for result in results:
        langs = sorted(m.language for m in report.objects(result, SH.resultMessage))
        assert langs == ["en", "fr"]
    assert "@prefix cgsh: <https://w3id.org/coopgraph/shapes#>" in out


def test_turtle_output_of_conforming_data() -> None:
    code, out, _ = run([VALID], output_format="turtle")
    assert code == 0
    report = Graph().parse(data=out, format="turtle")
    node = report.value(None, RDF.type, SH.ValidationReport)
    assert report.value(node, SH.conforms) == Literal(True)


# --- Report ----------------------------------------------------------------------------------


def _with(tmp_path: Path, turtle: str) -> list[Path]:
    extra = tmp_path / "extra.ttl"
    extra.write_text(PREFIXES + turtle, encoding="utf-8")
    return [VALID, extra]


def test_complex_result_path_is_written_as_a_sparql_path(tmp_path: Path) -> None:
    report = validate_files(_with(tmp_path, """
        participation:orphan a cg:Participation ; cg:agent actor:reseau-test ; cg:role role:lead .
    """))
    result = next(r for r in report.results if r.source_shape == URIRef(CGSH + "participation-in"))
    assert result.path_text == "(^cg:hasParticipation|cg:participationIn)"
    path = result.to_json()["resultPath"]
    assert path == {"type": "path", "value": "(^<https://w3id.org/coopgraph/ontology#"
                    "hasParticipation>|<https://w3id.org/coopgraph/ontology#participationIn>)"}


def test_sparql_constraint_messages_keep_their_language(tmp_path: Path) -> None:
    paths = _with(tmp_path, """
        membership:late schema:startDate "2012-05"^^xsd:gYearMonth ;
            schema:endDate "2011"^^xsd:gYear .
    """)
    for lang, text in (("en", "is before the start date"), ("fr", "précède la date de début")):
        report = validate_files(paths, lang=lang)
        [result] = report.results
        assert result.source_shape == URIRef(CGSH + "DateOrderShape")
        assert text in result.message
        assert set(result.messages) == {"en", "fr"}


def test_message_falls_back_to_the_other_language() -> None:
    shapes = Graph().parse(format="turtle", data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <http://example.org/> .
        ex:OnlyFrench a sh:NodeShape ; sh:targetClass ex:Thing ;
            sh:property [ sh:path ex:name ; sh:minCount 1 ;
                          sh:message "Il faut un nom."@fr ] .
        ex:NoMessage a sh:NodeShape ; sh:targetClass ex:Thing ;
            sh:property [ sh:path ex:size ; sh:minCount 1 ] .
    """)
    data = Graph().parse(format="turtle", data="""
        @prefix ex: <http://example.org/> . ex:x a ex:Thing .
    """)
    report = validate_graph(data, lang="en", shapes_graph=shapes, ont_graph=Graph())
    by_path = {str(r.result_path): r for r in report.results}
    assert by_path["http://example.org/name"].message == "Il faut un nom."
    # no sh:message at all: pyshacl's own (English, untagged) message is used
    assert "http://example.org/size" in by_path
    assert by_path["http://example.org/size"].message


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown language 'de'"):
        validate_graph(read_graph([VALID]), lang="de")


def test_report_properties() -> None:
    report = validate_files([VALID, VIOLATIONS, WARNING_ONLY])
    assert not report.conforms
    assert len(report.violations) == 3
    assert len(report.warnings) == 1
    assert report.summary() == "Does not conform: 3 violation(s), 1 warning(s)."
    # violations first, and each focus node's results together
    severities = [r.severity for r in report.results]
    assert severities == sorted(severities, key=["Violation", "Warning"].index)


def _rebased(graph: Graph, base: str) -> Graph:
    canonical = "https://w3id.org/coopgraph/"

    def term(t):  # type: ignore[no-untyped-def]
        if isinstance(t, URIRef) and str(t).startswith(canonical):
            return URIRef(base + str(t)[len(canonical):])
        if isinstance(t, Literal) and t.datatype and str(t.datatype).startswith(canonical):
            return Literal(str(t), datatype=URIRef(base + str(t.datatype)[len(canonical):]))
        return t

    out = Graph()
    for s, p, o in graph:
        out.add((term(s), term(p), term(o)))
    return out


def test_shapes_work_when_a_deployment_rebases_every_iri() -> None:
    """The build rewrites the base of data, shapes and ontology alike (COOPGRAPH_BASE): the
    shapes must not depend on the canonical base (patterns look at /id/… paths only)."""
    base = "https://example.org/kg/"
    shapes, ontology = _rebased(load_shapes(), base), _rebased(load_ontology(), base)
    good = _rebased(read_graph([VALID]), base)
    report = validate_graph(good, shapes_graph=shapes, ont_graph=ontology)
    assert report.results == [], report.to_text()
    bad = _rebased(read_graph([VALID, VIOLATIONS]), base)
    report = validate_graph(bad, shapes_graph=shapes, ont_graph=ontology)
    assert len(report.violations) == 3


def test_validate_bytes_for_an_http_body() -> None:
    body = VALID.read_bytes() + b"\n" + b"\n".join(
        line for line in VIOLATIONS.read_bytes().splitlines() if not line.startswith(b"#"))
    report = validate_bytes(body, "text/turtle; charset=utf-8", name="<request body>", lang="fr")
    assert not report.conforms
    assert len(report.violations) == 3
    assert report.results[0].message == report.results[0].messages["fr"]
    with pytest.raises(RdfParseError) as info:
        validate_bytes(TRUNCATED.read_bytes(), "text/turtle", name="<request body>")
    assert str(info.value).startswith("<request body>:3:8: ")


def test_validate_bytes_looks_into_named_graphs() -> None:
    lines = (VALID.read_text() + VIOLATIONS.read_text()).splitlines()
    prefixes = "\n".join(sorted({line for line in lines if line.startswith("@prefix")}))
    body = "\n".join(line for line in lines if not line.startswith("@prefix"))
    trig = f"{prefixes}\n<http://example.org/graph> {{\n{body}\n}}\n"
    report = validate_bytes(trig, "application/trig")
    assert len(report.violations) == 3
