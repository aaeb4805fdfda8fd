"""POST /validate and the /validate page, on a real server holding the curated data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from contrib_support import curated_store
from rdflib import Graph
from rdflib.namespace import RDF, SH

MONTREUIL = Path(__file__).parent / "fixtures" / "contrib" / "montreuil-mopti.ttl"


@pytest.fixture(scope="module")
def server():
    from conftest import start_server

    store = curated_store()
    live = start_server({"STORE": store, "MAX_CONTRIBUTION_SIZE": 200_000})
    yield live
    live.stop()
    store.close()


def post(server, data: bytes, content_type: str, **headers: str) -> requests.Response:
    return requests.post(server.endpoint("/validate"), data=data,
                         headers={"Content-Type": content_type, **headers}, timeout=120)


def test_the_issue_example_gives_its_three_problems_as_json(server) -> None:
    r = post(server, MONTREUIL.read_bytes(), "text/turtle", Accept="application/json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["conforms"] is False
    assert len(doc["results"]) == 3
    for result in doc["results"]:
        for key in ("focusNode", "resultPath", "value", "severity", "message", "hint", "line"):
            assert key in result
        assert result["line"] > 0


def test_accept_language_chooses_french(server) -> None:
    r = post(server, MONTREUIL.read_bytes(), "text/turtle", **{"Accept-Language": "fr-FR,fr"})
    assert r.headers["Content-Language"] == "fr"
    assert any("précède" in x["message"] for x in r.json()["results"])


def test_the_turtle_report_is_an_sh_validation_report(server) -> None:
    r = post(server, MONTREUIL.read_bytes(), "text/turtle", Accept="text/turtle")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")
    g = Graph().parse(data=r.text, format="turtle")
    report = next(g.subjects(RDF.type, SH.ValidationReport))
    assert len(list(g.objects(report, SH.result))) == 3


def test_the_html_report_groups_results_by_resource(server) -> None:
    r = post(server, MONTREUIL.read_bytes(), "text/turtle", Accept="text/html")
    assert r.status_code == 200 and "text/html" in r.headers["Content-Type"]
    assert r.text.count('<section class="resource">') == 3
    assert "actor:ville-de-montreuil" in r.text


def test_a_multipart_upload_is_validated(server) -> None:
    r = requests.post(server.endpoint("/validate"), timeout=120,
                      files={"file": ("mine.ttl", MONTREUIL.read_bytes(), "text/turtle")})
    assert r.status_code == 200 and len(r.json()["results"]) == 3


def test_the_paste_box_is_validated(server) -> None:
    r = requests.post(server.endpoint("/validate"), timeout=120, files={"file": ("", b"")},
                      data={"text": MONTREUIL.read_text(), "syntax": "text/turtle",
                            "lang": "fr"})
    assert r.status_code == 200 and len(r.json()["results"]) == 3


def test_the_page_has_a_form_in_both_languages(server) -> None:
    en = requests.get(server.endpoint("/validate"), headers={"Accept-Language": "en"},
                      timeout=10)
    fr = requests.get(server.endpoint("/validate?lang=fr"), timeout=10)
    assert en.status_code == fr.status_code == 200
    assert 'type="file"' in en.text and "<textarea" in en.text and "Check a contribution" in en.text
    assert "Vérifier une contribution" in fr.text and 'lang="fr"' in fr.text


def test_unreadable_input_is_a_400_with_line_and_column(server) -> None:
    r = post(server, b"@prefix ex: <http://e/> .\nex:a ex:b \n", "text/turtle",
             Accept="application/json")
    assert r.status_code == 400
    assert r.json()["line"] == 3 or r.json()["line"] == 2
    assert "column" in r.json()


def test_too_large_is_a_413_before_parsing(server) -> None:
    r = post(server, b"#" * 300_000, "text/turtle")
    assert r.status_code == 413


def test_an_unsupported_type_is_a_415(server) -> None:
    r = post(server, b"hello", "application/pdf")
    assert r.status_code == 415


MALFORMED = Path(__file__).parent / "fixtures" / "contrib" / "malformed-values.ttl"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_malformed_values_are_one_sentence_each_with_value_path_hint_and_line(
        server, lang: str) -> None:
    from test_contextual import MALFORMED_MISTAKES, _mistake_key, assert_plain_sentences

    r = post(server, MALFORMED.read_bytes(), "text/turtle", Accept="application/json",
             **{"Accept-Language": lang})
    assert r.status_code == 200 and r.headers["Content-Language"] == lang
    results = r.json()["results"]
    assert_plain_sentences(results)
    assert {_mistake_key(x): (x["value"]["value"], x["line"]) for x in results} == \
        MALFORMED_MISTAKES
    assert len(results) == len(MALFORMED_MISTAKES)
    assert all(x["message"] == x["messages"][lang] for x in results)


def test_the_html_report_of_malformed_values_has_no_validator_text(server) -> None:
    from test_contextual import RAW_VALIDATOR_TEXT

    for lang in ("en", "fr"):
        r = post(server, MALFORMED.read_bytes(), "text/turtle", Accept="text/html",
                 **{"Accept-Language": lang})
        assert r.status_code == 200
        results = r.text[r.text.index('<section class="resource">'):]
        assert not RAW_VALIDATOR_TEXT.search(results), RAW_VALIDATOR_TEXT.search(results)
        assert results.count('<section class="resource">') == 3
        assert "2020-13-45" in results and "beaucoup" in results


def test_input_the_validator_cannot_check_is_a_400_with_a_sentence(server) -> None:
    from test_contextual import BLANK_MIN_VALUE

    r = post(server, BLANK_MIN_VALUE.encode(), "text/turtle", Accept="application/json")
    assert r.status_code == 400
    body = r.json()
    text = json.dumps(body)
    assert "cannot be checked: a blank node ([])" in text
    assert "Traceback" not in text and "BlankNode" not in text
    html = post(server, BLANK_MIN_VALUE.encode(), "text/turtle", Accept="text/html",
                **{"Accept-Language": "en"})
    assert html.status_code == 400 and "cannot be checked" in html.text


def test_the_french_page_says_in_french_why_the_input_cannot_be_checked(server) -> None:
    from test_contextual import BLANK_MIN_VALUE

    for accept in ("text/html", "application/json"):
        r = post(server, BLANK_MIN_VALUE.encode(), "text/turtle", Accept=accept,
                 **{"Accept-Language": "fr"})
        assert r.status_code == 400
        text = r.text if accept == "text/html" else json.dumps(r.json(), ensure_ascii=False)
        assert "ne peut pas être vérifié : un nœud anonyme ([])" in text
        assert "cannot be checked" not in text and "BlankNode" not in text


def test_each_page_follows_its_language_s_typography(server) -> None:
    """English writes "How to fix: …"; French puts a no-break space before the colon."""
    from test_contextual import BLANK_MIN_VALUE

    pages = {lang: post(server, MALFORMED.read_bytes(), "text/turtle", Accept="text/html",
                        **{"Accept-Language": lang}).text for lang in ("en", "fr")}
    assert "How to fix: " in pages["en"] and "How to fix :" not in pages["en"]
    assert "Comment corriger\u00a0: " in pages["fr"]
    refused = post(server, BLANK_MIN_VALUE.encode(), "text/turtle", Accept="text/html",
                   **{"Accept-Language": "en"}).text
    assert "Read, but cannot be checked: " in refused  # not "Cannot read the file"
    unreadable = post(server, b"@prefix broken", "text/turtle", Accept="text/html",
                      **{"Accept-Language": "fr"}).text
    assert "Fichier illisible\u00a0: " in unreadable


def test_pasted_text_is_named_in_the_page_s_language(server) -> None:
    from test_contextual import BLANK_MIN_VALUE

    for lang, name in (("fr", "&lt;texte collé&gt;"), ("en", "&lt;pasted text&gt;")):
        r = requests.post(server.endpoint("/validate"),
                          files={"text": (None, BLANK_MIN_VALUE), "syntax": (None, "text/turtle")},
                          headers={"Accept": "text/html", "Accept-Language": lang}, timeout=120)
        assert r.status_code == 400 and name in r.text


def _paste(server, text: str, syntax: str = "text/turtle", lang: str = "fr") -> requests.Response:
    return requests.post(server.endpoint("/validate"),
                         files={"text": (None, text), "syntax": (None, syntax)},
                         headers={"Accept": "text/html", "Accept-Language": lang}, timeout=120)


def test_the_page_gives_the_pasted_text_back_to_mend_it(server) -> None:
    """Whether the text cannot be read, cannot be checked or has problems, the paste box
    holds it again, with its syntax, so the contributor mends it where it is."""
    from html import escape

    from test_contextual import BLANK_MIN_VALUE

    for text in ("@prefix ex: <http://example.org/> .\nex:a ex:b", BLANK_MIN_VALUE,
                 MONTREUIL.read_text()):
        r = _paste(server, text)
        assert f'<textarea name="text" id="text">{escape(text, quote=False)}</textarea>' in \
            r.text.replace("&#34;", '"').replace("&#39;", "'"), r.status_code
        assert '<option value="text/turtle" selected>' in r.text
    ntriples = _paste(server, "<urn:a> <urn:b> .", syntax="application/n-triples")
    assert '<option value="application/n-triples" selected>' in ntriples.text


def test_an_unreadable_paste_is_said_once_in_the_page_s_language(server) -> None:
    """The verdict says "cannot read the file" in the page's language, then the place and
    the parser's reason, without the API's English "the contribution cannot be read"."""
    r = _paste(server, "@prefix ex: <http://example.org/> .\nex:a ex:b")
    assert r.status_code == 400
    assert "Fichier illisible\u00a0: &lt;texte collé&gt;:2:" in r.text
    assert "cannot be read" not in r.text
    api = requests.post(server.endpoint("/validate"),
                        files={"text": (None, "@prefix ex: <http://example.org/> .\nex:a ex:b"),
                               "syntax": (None, "text/turtle")},
                        headers={"Accept": "application/json"}, timeout=120)
    assert api.status_code == 400 and api.json()["line"] == 2
    assert api.json()["message"].startswith("the contribution cannot be read: ")
