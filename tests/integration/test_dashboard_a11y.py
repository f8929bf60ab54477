"""The dashboard for every reader, in a real headless Chromium on the built pages: axe-core
finds no WCAG 2.1 A/AA violation on the national page, a region's page and the comparison
page, at desktop width and at a phone's 360 px; at 360 px the page never scrolls sideways
(a wide table scrolls inside its own box); the comparison table sorts from the keyboard
(buttons in the headers, aria-sort on the sorted one) and the quarter is a labelled <select>;
printed, the pages lose their controls, write out their links, fit their charts to A4 and
make a PDF.

axe-core (tests/browser/node_modules, `make browser-tools`) is injected with WebDriver's
execute_script, which runs as DevTools does and so is not subject to the page's
Content-Security-Policy (the pages themselves allow no inline script)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest

from duurzaam.bench.browser import chromium, emulate_width, wait_until_drawn
from duurzaam.settings import PROJECT_ROOT
from tests.integration import test_dashboard as shared

pytestmark = pytest.mark.slow  # the browser, and the session's warehouse if not built yet

dashboard = shared.dashboard  # the built pages, served (the session's DuckDB warehouse)

AXE = PROJECT_ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
PAGES = ["index.html", f"regio/{shared.REGIONS[0]}.html", "vergelijk.html"]
PHONE = 360
A4_CHART = 680  # px: the width dashboard.js gives a chart in print (A4, 15 mm margins)


@pytest.fixture(scope="module")
def desktop() -> Iterator:
    with chromium(width=1280, height=1000) as driver:
        yield driver


@pytest.fixture(scope="module")
def phone() -> Iterator:
    with chromium(width=500, height=800) as driver:
        emulate_width(driver, PHONE)
        yield driver


def open_page(browser, url: str) -> None:
    browser.get(url)
    wait_until_drawn(browser)


def axe_violations(browser) -> list[dict]:
    assert AXE.is_file(), f"{AXE} missing: run `make browser-tools`"
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    return browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})"
        ".then(result => done(result.violations.map(v => ({id: v.id, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)}))),"
        " error => done([{id: 'axe failed', help: String(error), nodes: []}]));"
    )


@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize("page", PAGES)
def test_axe_finds_no_wcag_violation(dashboard, request, width, page):
    browser = request.getfixturevalue(width)
    open_page(browser, dashboard.url + page)
    violations = axe_violations(browser)
    assert violations == [], json.dumps(violations, indent=1, ensure_ascii=False)


@pytest.mark.parametrize("page", PAGES)
def test_a_phone_never_scrolls_the_page_sideways(dashboard, phone, page):
    open_page(phone, dashboard.url + page)
    assert phone.execute_script("return window.innerWidth") == PHONE
    assert phone.execute_script("return document.scrollingElement.scrollWidth") <= PHONE
    # a table wider than the phone scrolls inside its own box, which stays within the page
    boxes = phone.execute_script(
        "return [...document.querySelectorAll('.table-scroll:not([hidden])')].map(box => ["
        "box.getBoundingClientRect().right, box.scrollWidth, box.clientWidth,"
        "getComputedStyle(box).overflowX])"
    )
    assert boxes and all(
        right <= PHONE and scroll in ("auto", "scroll") for right, *_, scroll in boxes
    )
    if page != "vergelijk.html":
        assert any(inner > outer for _, inner, outer, _ in boxes), "no table wider than 360 px"


def test_the_comparison_sorts_from_the_keyboard(dashboard, desktop):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    open_page(desktop, dashboard.url + "vergelijk.html")
    label = desktop.execute_script(
        "const s = document.getElementById('quarter-choice');"
        "return [s.tagName, s.labels.length && s.labels[0].textContent.trim()]"
    )
    assert label == ["SELECT", "Kwartaal"]
    header = desktop.find_element("css selector", "#compare-table th[data-sort='code']")
    button = header.find_element("css selector", "button")
    desktop.find_element("id", "quarter-choice").click()  # the last control before the table
    desktop.find_element("id", "quarter-choice").send_keys(Keys.ESCAPE)
    for _ in range(20):  # TAB on to the header button, past the chart's downloads
        if desktop.switch_to.active_element == button:
            break
        ActionChains(desktop).send_keys(Keys.TAB).perform()
    assert desktop.switch_to.active_element == button, "the header button is not reachable"

    def codes() -> list[str]:
        return desktop.execute_script(
            "return [...document.querySelectorAll('#compare-table tbody tr:not(.national)')]"
            ".map(tr => tr.cells[0].textContent)"
        )

    assert header.get_attribute("aria-sort") is None  # sorted by the value at first
    assert codes() != sorted(codes())
    ActionChains(desktop).send_keys(Keys.ENTER).perform()
    assert header.get_attribute("aria-sort") == "descending"
    assert codes() == sorted(codes(), reverse=True)
    ActionChains(desktop).send_keys(Keys.SPACE).perform()
    assert header.get_attribute("aria-sort") == "ascending"
    assert codes() == sorted(codes())
    value = desktop.find_element("css selector", "#compare-table th[data-sort='value']")
    assert value.get_attribute("aria-sort") is None  # one sorted column at a time


@pytest.mark.parametrize("page", [PAGES[1], PAGES[2]])
def test_a_printed_page_has_no_controls_shows_its_links_and_fits_a4(dashboard, desktop, page):
    open_page(desktop, dashboard.url + page)
    desktop.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        shown = desktop.execute_script(
            "return [...document.querySelectorAll('select, button, .downloads, header nav')]"
            ".filter(e => getComputedStyle(e).display !== 'none').length"
        )
        assert shown == 0
        link = desktop.execute_script(
            "return getComputedStyle(document.querySelector(\"a[href$='vergelijk.html']\"),"
            " '::after').content"
        )
        assert "vergelijk.html" in link  # a link's address is written out
        desktop.execute_script("window.dispatchEvent(new Event('beforeprint'))")
        widths = desktop.execute_script(
            "return [...document.querySelectorAll('.js-plotly-plot')].map(c => c._fullLayout.width)"
        )
        assert widths and all(width <= A4_CHART for width in widths)
        pdf = desktop.execute_cdp_cmd(
            "Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69, "printBackground": True}
        )
        content = base64.b64decode(pdf["data"])
        assert content.startswith(b"%PDF-") and content.count(b"/Type /Page") >= 2
    finally:
        desktop.execute_script("window.dispatchEvent(new Event('afterprint'))")
        desktop.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def test_a_region_is_opened_from_the_keyboard_not_on_every_arrow_key(dashboard, desktop):
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    open_page(desktop, dashboard.url + "index.html")
    choice = desktop.find_element("id", "region-choice")
    Select(choice).select_by_value("regio/AM05.html")  # what arrow keys in the list do
    assert desktop.current_url == dashboard.url + "index.html"  # no page change yet
    desktop.find_element("id", "region-go").send_keys(Keys.ENTER)
    wait_until_drawn(desktop)
    assert desktop.current_url == dashboard.url + "regio/AM05.html"
