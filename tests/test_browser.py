"""The pages in a real browser: Debian's chromium driven by Playwright, headless, offline.

Against the real app on 127.0.0.1 serving the curated graph (``curated_site``): open the home
page, run worked examples from the workbench and see their rows, switch to the map and the
network views, open a resource page and follow its links, switch language. Every request
must stay on 127.0.0.1 and no page may raise a JavaScript error. Screenshots go to
tests/artifacts/ (git-ignored) for people to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import LiveServer
from playwright.sync_api import sync_playwright
from test_web_pages import curated_site  # noqa: F401 - the shared server fixture

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = Path(__file__).parent / "artifacts"

if not Path(CHROMIUM).exists():
    pytest.fail("chromium is missing: apt-get install chromium (.ci/run does it)",
                pytrace=False)


class Watch:
    """What a page did that it must not: requests off this host, script errors."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.requests: list[str] = []
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.expected: list[str] = []  # errors a test provokes on purpose (substrings)

    def attach(self, page) -> None:  # noqa: ANN001 - a Playwright page
        page.on("request", self._request)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("response", lambda r: r.status >= 400
                and self.errors.append(f"HTTP {r.status}: {r.url}"))
        page.on("console", lambda msg: msg.type == "error"
                and self.errors.append(f"console: {msg.text}"))

    def _request(self, request) -> None:  # noqa: ANN001
        url = request.url
        self.requests.append(url)
        scheme = urlsplit(url).scheme
        if scheme in ("data", "blob", "about"):
            return
        if urlsplit(url).hostname != "127.0.0.1":
            self.outside.append(url)

    def check(self) -> None:
        assert self.outside == [], f"requests left 127.0.0.1: {self.outside}"
        unexpected = [e for e in self.errors if not any(x in e for x in self.expected)]
        assert unexpected == [], f"errors in the page: {unexpected}"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, curated_site: LiveServer):  # noqa: F811, ANN001, ANN201
    context = browser.new_context(locale="fr-FR", viewport={"width": 1366, "height": 900},
                                  extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    page = context.new_page()
    page.set_default_timeout(30_000)
    watch = Watch(curated_site.url)
    watch.attach(page)
    page.watch = watch
    yield page
    context.close()
    watch.check()


def shot(page, name: str, element: str | None = None) -> None:  # noqa: ANN001
    """A screenshot of the viewport, scrolled to ``element`` if given."""
    ARTIFACTS.mkdir(exist_ok=True)
    if element:
        page.locator(element).scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def test_home_then_workbench_examples_map_network_resource(page, curated_site) -> None:  # noqa: F811, ANN001
    page.goto(curated_site.url + "/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("#class-counts tbody tr").count() > 5
    shot(page, "home-fr")

    page.get_by_role("link", name="Requêtes").first.click()
    page.wait_for_url("**/query")
    page.wait_for_selector(".CodeMirror")
    # the partner territories of CD93: rows, then the map of their countries
    page.locator('.load-example[data-name="02-partner-territories"]').click()
    page.wait_for_selector("#results table tbody tr")
    assert page.locator("#results tbody tr").count() >= 10
    assert "query=" in page.url  # the query is kept in the URL
    first = page.locator("#results tbody tr").first.locator("a").first
    assert not first.inner_text().startswith("http")  # IRIs show their labels
    shot(page, "workbench-table-fr", "#results")
    page.locator('.views [data-view="map"]').click()
    page.wait_for_function(
        "Number(document.getElementById('view-map').dataset.countries || 0) >= 3")
    assert page.locator("#view-map path.leaflet-interactive").count() > 100  # the base map
    shot(page, "workbench-map-fr", "#view-map")

    # CD93's networks: the network view
    page.locator('.load-example[data-name="01-cd93-networks"]').click()
    page.wait_for_selector("#results table tbody tr")
    page.locator('.views [data-view="network"]').click()
    page.wait_for_function("window.coopNetwork && window.coopNetwork.nodes().length > 3")
    shot(page, "workbench-network-fr", "#view-network")

    # sorting by a column
    page.locator('.views [data-view="table"]').click()
    header = page.locator("#results th").first
    header.click()
    assert header.get_attribute("aria-sort") == "ascending"
    header.click()
    assert header.get_attribute("aria-sort") == "descending"

    # a resource page from the results, then its source document
    page.locator('#results tbody a[href^="/id/actor/"]').first.click()
    page.wait_for_selector("#title")
    assert "/id/" in page.url and page.locator("#properties tr").count() > 2
    shot(page, "resource-fr")
    page.locator('#prov h3 a, section[aria-labelledby="prov"] h3 a').first.click()
    page.wait_for_selector("#document-text")
    assert "/id/document/" in page.url
    shot(page, "document-fr")
    page.watch.check()


def test_language_switch_and_english_pages(page, curated_site) -> None:  # noqa: F811, ANN001
    page.goto(curated_site.url + "/id/actor/cd93")
    page.locator("#lang-switch").click()
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.get_by_role("heading", name="Properties").count() == 1
    shot(page, "resource-en")
    page.goto(curated_site.url + "/")  # the choice is kept (cookie) although the browser is fr
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="What the graph holds").count() == 1
    shot(page, "home-en")
    page.goto(curated_site.url + "/query")
    page.locator('.load-example[data-name="08-partner-countries"]').click()
    page.wait_for_selector("#results table tbody tr")
    shot(page, "workbench-en")
    page.locator('.views [data-view="chart"]').click()  # counts per country: a bar chart
    assert page.locator("#view-chart .bar-row").count() == page.locator(
        "#results tbody tr").count()
    shot(page, "workbench-chart-en", "#view-chart")
    page.locator('.load-example[data-name="09-timeline"]').click()
    page.wait_for_selector("#results table tbody tr")
    page.locator('.views [data-view="timeline"]').click()
    years = page.locator("#view-timeline li.year").all_inner_texts()
    assert len(years) > 3 and years == sorted(years)
    shot(page, "workbench-timeline-en", "#view-timeline")
    page.goto(curated_site.url + "/ontology")
    page.wait_for_function("window.coopDiagram && window.coopDiagram.nodes().length > 10")
    shot(page, "ontology-en")
    page.goto(curated_site.url + "/id/territory/matola")
    page.wait_for_function("Number(document.getElementById('smallmap').dataset.drawn) === 1")
    shot(page, "place-en")


def test_refusals_are_readable_and_completion_stays_local(page, curated_site) -> None:  # noqa: F811, ANN001
    page.watch.expected = ["HTTP 403: " + curated_site.url + "/sparql", "status of 403"]
    page.goto(curated_site.url + "/query?query=" +
              "SELECT%20*%20WHERE%20%7B%20SERVICE%20%3Chttp%3A%2F%2Fexample.org%2Fsparql%3E"
              "%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20%7D")
    page.wait_for_selector("#status.error")
    status = page.locator("#status").inner_text()
    assert "refusée" in status and "403" in status and "example.org" in status
    shot(page, "workbench-refused-fr")
    # prefix completion from our own prefixes (no prefix.cc), classes from our VoID (no LOV)
    page.evaluate("window.coopYasqe.setValue('')")
    page.locator(".CodeMirror").click()
    page.keyboard.type("PREFIX sk")
    page.wait_for_selector(".CodeMirror-hints")
    hints = page.locator(".CodeMirror-hint").all_inner_texts()
    assert any(h.startswith("skos: <http://www.w3.org/2004/02/skos/core#>") for h in hints)
    page.keyboard.press("Escape")
    page.evaluate("window.coopYasqe.setValue('PREFIX cg: <' + "
                  "JSON.parse(document.getElementById('page-data').textContent).prefixes.cg"
                  " + '>\\nSELECT * WHERE { ?x a cg:Terr')")
    page.evaluate("window.coopYasqe.focus(); window.coopYasqe.setCursor({line: 1, ch: 999});"
                  "window.coopYasqe.autocomplete()")
    page.wait_for_selector(".CodeMirror-hint")
    hints = page.locator(".CodeMirror-hint").all_inner_texts()
    assert any("Territory" in h for h in hints), hints
    assert any(url.endswith("/.well-known/void") for url in page.watch.requests)


BROKEN = Path(__file__).parent / "fixtures" / "contrib" / "montreuil-mopti.ttl"


def test_the_validator_reports_mistakes_by_resource_in_french_and_english(
        page, curated_site, tmp_path) -> None:  # noqa: F811, ANN001
    """Paste a Turtle file with three mistakes (French), then upload it (English): the report
    is grouped by resource, each group with its line, in the page's language."""
    page.goto(curated_site.url + "/validate")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("header.top nav a").count() >= 4  # the shared layout's navigation
    page.locator("#text").fill(BROKEN.read_text(encoding="utf-8"))
    page.locator("#submit").click()
    page.wait_for_selector("#verdict")
    assert "Non conforme" in page.locator("#verdict").inner_text()
    groups = page.locator("section.resource")
    assert groups.count() == 3
    headings = groups.locator("h2").all_inner_texts()
    assert any("ville-de-montreuil" in h for h in headings)
    assert any("partnership:montreuil-mopti" in h for h in headings)
    assert all("ligne" in h for h in headings)
    assert "Comment corriger" in groups.nth(0).inner_text()
    shot(page, "validate-fr", "#verdict")
    page.locator("#lang-switch").click()  # the shared switch: the same page in English
    page.wait_for_function("document.documentElement.lang === 'en'")
    upload = tmp_path / "montreuil-mopti.ttl"
    upload.write_bytes(BROKEN.read_bytes())
    page.locator("#file").set_input_files(str(upload))
    page.locator("#submit").click()
    page.wait_for_selector("#verdict")
    assert "Does not conform" in page.locator("#verdict").inner_text()
    groups = page.locator("section.resource")
    assert groups.count() == 3
    assert all("line" in h for h in groups.locator("h2").all_inner_texts())
    assert "How to fix" in groups.nth(0).inner_text()
    shot(page, "validate-en", "#verdict")
    page.goto(curated_site.url + "/contributions")
    assert page.locator("html").get_attribute("lang") == "en"  # the choice is kept
    assert page.locator("#lang-switch").count() == 1 and page.locator("#empty").count() == 1
    shot(page, "contributions-en")
