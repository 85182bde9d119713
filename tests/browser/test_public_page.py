"""The demo company page in headless Chromium: list, subscribe form, axe-core, a screenshot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not CHROMIUM.exists():
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(autouse=True)
def _orm_beside_playwrights_loop(monkeypatch):
    # Playwright's sync API keeps an event loop running in this thread; the test's own ORM
    # calls (fixtures, flush at teardown) are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def demo_company() -> str:
    from registry import demo

    demo.load(now=timezone.now())
    return "improvmx"


def test_the_company_page_shows_its_processors_and_takes_a_subscription(
    live_server, browser, demo_company
):
    page = browser.new_page()
    csp_errors: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and csp_errors.append(m.text))

    page.goto(f"{live_server.url}/c/{demo_company}/")

    assert page.locator("h1").inner_text().startswith("ImprovMX")
    assert page.locator("li.processor").first.is_visible()
    assert page.locator("li.processor").count() >= 10
    assert page.locator("svg.chart").is_visible()
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "company-page.png"), full_page=True)
    page.screenshot(path=str(OUTPUT / "company-page-top.png"))
    page.fill("input[name=email]", "dpo@example.org")
    page.click("form.subscribe-form button[type=submit]")
    page.wait_for_load_state()
    assert "Check your inbox" in page.locator("h1").inner_text()
    assert csp_errors == []


def test_the_company_page_is_readable_on_a_phone(live_server, browser, demo_company):
    page = browser.new_page(viewport={"width": 375, "height": 740})

    page.goto(f"{live_server.url}/c/{demo_company}/")

    width = page.evaluate("document.documentElement.scrollWidth")
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "company-page-phone.png"))
    assert width <= 375


@pytest.mark.parametrize("path", ["/", "/c/improvmx/", "/c/improvmx/changes/", "/v/mailgun/"])
def test_axe_finds_no_serious_accessibility_violations(live_server, browser, demo_company, path):
    # axe is injected as an inline script, which our CSP rightly forbids: bypass it for the audit.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    response = page.goto(f"{live_server.url}{path}")
    assert response.status == 200

    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document)")

    serious = [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    context.close()


def test_the_api_docs_render_from_self_hosted_assets_under_the_csp(live_server, browser):
    page = browser.new_page()
    outside: list[str] = []
    csp_errors: list[str] = []
    page.on("request", lambda r: r.url.startswith(live_server.url) or outside.append(r.url))
    page.on("console", lambda m: "Content Security Policy" in m.text and csp_errors.append(m.text))

    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock-summary-path", timeout=15_000)

    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/companies/" in path for path in paths)
    assert outside == []
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "api-docs.png"))
    assert csp_errors == []
