"""The pages in a real browser: Debian's Chromium driven by Playwright, checked with axe-core.

Every page type, in Finnish and English, at a phone's width (390 px) and a desktop's (1280 px):
it loads, does not scroll sideways, offers the other interface language, breaks no rule of the
Content-Security-Policy, and axe-core (pinned in tests/clients/package.json) finds no serious
or critical violation. Each saves a full-page screenshot in tests/artifacts/ (ignored by git)
for a person to look at. Then the query editor on /sparql, with scripts and without.

One browser and one server for the module. A missing browser, Playwright or axe-core fails the
tests with the reason (.ci/run installs all three).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import REPO, LiveServer, start_server, stop_server
from kemi_graph.config import Settings

AXE = REPO / "tests" / "clients" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO / "tests" / "artifacts"
WIDTHS = {"phone": 390, "desktop": 1280}
LANGUAGES = ("en", "fi")
BLOCKING = ("serious", "critical")

# One page of each kind: (name for the screenshot, path). Add a page kind here to check it too.
PAGES = [
    ("home", "/"),
    ("goal", "/id/kemi/kaupunkistrategia/goal/elinvoimainen-kaupunki"),
    ("objective", "/id/kemi/kaupunkistrategia/objective/houkuttelevat-asuinalueet"),
    ("queries", "/queries"),
    ("query", "/queries/goals-objectives"),
    ("compare", "/compare"),
    ("sparql", "/sparql"),
    ("ontology", "/ontology"),
    ("sdg", "/sdg/3"),
    ("downloads", "/downloads/"),
    ("report", "/report/kemi"),
    ("sdg-dashboard", "/sdg"),
]


def _chromium() -> str:
    """The system Chromium (Playwright's own browser download is not used)."""
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        found = candidate and shutil.which(candidate)
        if found:
            return found
    pytest.fail("no Chromium found (looked for $CHROMIUM, chromium, chromium-browser, google-chrome): "
                "install Debian's 'chromium' package (.ci/run does)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright for Python is not installed: pip install '.[test]' (.ci/run does)")
    executable = _chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"axe-core is not installed ({AXE} is missing): run 'npm install --prefix tests/clients' (.ci/run does)")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def server(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_server(tmp_path_factory.mktemp("browser"), dist_dir=built_settings.dist_dir)
    yield live
    stop_server(live)


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    """``open_page(width, scripts=True)``: a fresh page whose console errors are kept in ``page.errors``."""
    contexts: list[Any] = []

    def make(width: int, scripts: bool = True) -> Any:
        context = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=scripts)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        return page

    yield make
    for context in contexts:
        context.close()


# The elements that reach past the right edge, outside any box that scrolls or clips them itself.
WIDE_ELEMENTS = """() => {
  const inBox = (e) => { for (let a = e.parentElement; a && a !== document.body; a = a.parentElement)
    if (getComputedStyle(a).overflowX !== 'visible') return true; return false; };
  return [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !inBox(e))
    .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ' ' + (e.textContent || '').trim().slice(0, 30));
}"""


def _url(server: LiveServer, path: str, lang: str) -> str:
    return server.url + path + ("?lang=fi" if lang == "fi" else "")


def _violations(page: Any, axe_source: str) -> list[str]:
    """axe-core's serious and critical violations, one line each with the first elements at fault."""
    page.evaluate(axe_source)  # evaluated by the driver, so the page's CSP does not apply
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}, {len(v['nodes'])}×): {v['help']}: " + ", ".join(" ".join(n["target"]) for n in v["nodes"][:3])
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


@pytest.mark.parametrize("width", list(WIDTHS), ids=list(WIDTHS))
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(("name", "path"), PAGES, ids=[name for name, _ in PAGES])
def test_page_fits_the_screen_and_passes_axe(
    server: LiveServer, open_page: Any, axe_source: str, name: str, path: str, lang: str, width: str
) -> None:
    page = open_page(WIDTHS[width])
    response = page.goto(_url(server, path, lang), wait_until="load")
    assert response is not None and response.status == 200, f"{path}: {response and response.status}"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{lang}-{width}.png"), full_page=True)

    problems = []
    if page.evaluate("document.documentElement.lang") != lang:
        problems.append(f"<html lang> is not {lang!r}")
    other = "fi" if lang == "en" else "en"
    if page.locator(f"header nav.langs a[hreflang={other}]").count() != 1:
        problems.append("no link to the other interface language in the header")
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        problems.append(f"scrolls sideways by {overflow}px; wide elements: {page.evaluate(WIDE_ELEMENTS)}")
    problems += _violations(page, axe_source)
    problems += [f"console: {error}" for error in page.errors]  # e.g. a script or style the CSP blocked
    assert not problems, "\n".join(problems)


# -- the query editor --------------------------------------------------------------------------

SELECT_GOALS = "PREFIX kg: <https://w3id.org/kemi-graph/ontology#>\nSELECT ?goal WHERE { ?goal a kg:StrategicGoal }"


def test_sparql_editor_highlights_the_query_and_runs_it_with_ctrl_enter(server: LiveServer, open_page: Any) -> None:
    page = open_page(WIDTHS["desktop"])
    page.goto(server.url + "/sparql")
    editor = page.locator(".cm-editor .cm-content")
    assert editor.get_attribute("aria-labelledby") == "query-label"
    assert page.locator("textarea#query").is_hidden()
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(SELECT_GOALS)
    keyword = page.locator(".cm-line span", has_text="SELECT").first
    assert keyword.evaluate("e => getComputedStyle(e).color") != editor.evaluate("e => getComputedStyle(e).color")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert page.locator("#results table.results tbody tr").count() == 3  # Kemi's three strategic goals
    assert page.locator("#results a[href^='/id/kemi/']").count() == 3  # each links to its page here
    assert page.locator(".cm-content").inner_text().replace("\u00a0", " ").strip() == SELECT_GOALS
    assert page.errors == []


def test_sparql_editor_opens_an_example_without_running_it(server: LiveServer, open_page: Any) -> None:
    page = open_page(WIDTHS["phone"])
    page.goto(server.url + "/sparql?lang=fi")
    page.locator("a[data-example]", has_text="Strategiset päämäärät").first.click()
    assert page.url == server.url + "/sparql?lang=fi"
    assert "title@fi: Strategiset päämäärät" in page.locator(".cm-content").inner_text()
    assert page.evaluate("document.activeElement.classList.contains('cm-content')")


def test_sparql_error_is_shown_beside_the_query_kept_in_the_editor(server: LiveServer, open_page: Any) -> None:
    page = open_page(WIDTHS["phone"])
    page.goto(server.url + "/sparql?query=" + "SELECT%20*%20WHERE%20%7B")
    assert page.locator("#query-error").is_visible()
    assert page.locator(".cm-content").get_attribute("aria-invalid") == "true"
    assert page.locator(".cm-content").inner_text().strip() == "SELECT * WHERE {"


def test_sparql_page_works_without_scripts(server: LiveServer, open_page: Any) -> None:
    page = open_page(WIDTHS["phone"], scripts=False)
    page.goto(server.url + "/sparql")
    assert page.locator(".cm-editor").count() == 0
    page.locator("textarea#query").fill(SELECT_GOALS)
    with page.expect_navigation():
        page.get_by_role("button", name="Run query").click()
    assert page.locator("#results table.results tbody tr").count() == 3
    assert page.locator("textarea#query").input_value() == SELECT_GOALS
    # An example link runs its query and keeps it in the textarea.
    page.goto(server.url + "/sparql")
    with page.expect_navigation():
        page.locator("a[data-example]", has_text="Strategic goals").first.click()
    assert page.locator("#results table.results tbody tr").count() > 0
    assert "title@en: Strategic goals" in page.locator("textarea#query").input_value()


def test_keyboard_reaches_a_visible_skip_link_first(server: LiveServer, open_page: Any) -> None:
    page = open_page(WIDTHS["phone"])
    page.goto(server.url + "/ontology")
    page.keyboard.press("Tab")
    focused = page.evaluate("(() => { const e = document.activeElement; const r = e.getBoundingClientRect(); "
                            "return {href: e.getAttribute('href'), left: r.left, top: r.top, outline: getComputedStyle(e).outlineStyle}; })()")
    assert focused["href"] == "#content"
    assert focused["left"] >= 0 and focused["top"] >= 0, "the skip link is off screen when focused"
    assert focused["outline"] != "none", "the focused skip link has no visible outline"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
