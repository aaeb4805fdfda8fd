"""web/negotiation.py: the one place Accept decisions are made, on plain header values."""

from __future__ import annotations

import pytest

from coopgraph.web.errors import ApiError, render
from coopgraph.web.negotiation import choose, prefers_json, wants_html

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(("accept", "kind", "expected"), [
    (None, "results", "application/sparql-results+json"),
    ("*/*", "rdf", "text/turtle"),
    ("text/csv", "results", "text/csv"),
    ("application/json", "results", "application/sparql-results+json"),
    ("text/turtle; charset=utf-8", "rdf", "text/turtle"),
    ("text/csv;q=0.2, application/sparql-results+xml", "results",
     "application/sparql-results+xml"),
    (BROWSER, "results", "application/sparql-results+json"),  # not SPARQL XML for a browser
    ("application/sparql-results+json", "rdf", "application/ld+json"),  # SPARQLWrapper
])
def test_choose_from_the_accept_header(accept, kind, expected):
    assert choose(kind, accept) == expected


def test_format_wins_over_accept_and_bad_formats_are_errors():
    assert choose("results", "text/csv", "tsv") == "text/tab-separated-values"
    with pytest.raises(ApiError) as unknown:
        choose("results", None, "nonsense")
    assert unknown.value.status == 400
    with pytest.raises(ApiError) as unavailable:
        choose("results", None, "turtle")
    assert unavailable.value.status == 406


def test_nothing_acceptable_is_406_naming_the_supported_types():
    with pytest.raises(ApiError) as refused:
        choose("rdf", "image/png")
    assert refused.value.status == 406
    assert "text/turtle" in refused.value.extra["supported"]


def test_wants_html_only_when_html_ranks_above_rdf():
    assert wants_html(BROWSER)
    assert not wants_html("*/*") and not wants_html(None)
    assert not wants_html("text/turtle, text/html;q=0.5")


def test_error_bodies_are_json_only_when_json_is_preferred():
    assert prefers_json("application/sparql-results+json")
    assert prefers_json("application/json, text/plain;q=0.5")
    assert not prefers_json("*/*") and not prefers_json(None)
    assert not prefers_json("text/plain, application/json;q=0.5")
    headers, body = render(406, "no", "application/json", {"X-A": "1"}, supported=["a"])
    assert headers == [("Content-Type", "application/json"),
                       ("Content-Length", str(len(body))), ("X-A", "1")]
    assert body.startswith(b'{"status": 406, "error": "Not Acceptable", "message": "no"')
    headers, body = render(400, "bad", None)
    assert headers[0] == ("Content-Type", "text/plain; charset=utf-8")
    assert body == b"400 Bad Request: bad\n"
