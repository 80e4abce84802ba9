"""What the browser tests share: when a Streamlit page has finished, how many charts Vega
has drawn, what the progress bar says, and small ways to drive widgets. (The fixtures
app_url, browser and artifacts are in conftest.py.)
"""

from __future__ import annotations

import re

LOAD_MS = 120_000  # a session's first request imports torch and trains the page's default model
VIEWPORT = {"width": 1400, "height": 5200}  # Streamlit scrolls inside its own container: a tall window shows all

# The script has finished: not running, no status widget, no skeletons of lazily loaded elements.
FINISHED_JS = """() => {
    const app = document.querySelector('[data-testid=stApp]');
    return !!app && app.dataset.testScriptState === 'notRunning'
        && !document.querySelector('[data-testid=stStatusWidget]')
        && !document.querySelector('[data-testid=stSkeleton]');
}"""

# Vega draws into an <svg class="marks"> or a <canvas class="marks">: a chart counts as drawn
# when that has a nonzero size and holds data marks (svg) or painted pixels (canvas).
DRAWN_CHARTS_JS = """() => [...document.querySelectorAll('[data-testid=stVegaLiteChart]')].filter(c => {
    const m = c.querySelector('.marks');
    if (!m) return false;
    const r = m.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0) return false;
    if (m.tagName.toLowerCase() === 'svg')
        return [...m.querySelectorAll('g.role-mark path, g.role-mark rect')].some(p => (p.getAttribute('d') || p.getAttribute('width')));
    const ctx = m.getContext('2d'), px = ctx.getImageData(0, 0, m.width, m.height).data;
    for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) return true;
    return false;
}).length"""

# The step the progress bar reports for a run of `total` steps (any total when 0), or 0.
PROGRESS_STEP_JS = """(total) => {
    for (const p of document.querySelectorAll('[data-testid=stProgress]')) {
        const m = p.innerText.match(/step (\\d+) of (\\d+)/);
        if (m && (!total || +m[2] === total)) return +m[1];
    }
    return 0;
}"""


def open_page(browser, url: str, viewport: dict = VIEWPORT, **options):
    """A fresh context whose first request is `url`; returns (context, page, errors)."""
    context = browser.new_context(viewport=viewport, **options)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, timeout=LOAD_MS)
    return context, page, errors


def wait_finished(page, charts: int = 0, timeout: int = LOAD_MS) -> None:
    """Wait until the script has run to its end with at least `charts` charts drawn."""
    page.wait_for_function(FINISHED_JS, timeout=timeout)
    if charts:
        page.wait_for_function(f"() => ({DRAWN_CHARTS_JS})() >= {charts}", timeout=timeout)
        page.wait_for_function(FINISHED_JS, timeout=timeout)


def drawn_charts(page) -> int:
    return page.evaluate(DRAWN_CHARTS_JS)


def progress_step(page, total: int = 0) -> int:
    return page.evaluate(f"({PROGRESS_STEP_JS})({total})")


def assert_no_exception(page, errors: list[str]) -> None:
    exceptions = page.locator("[data-testid=stException]")
    assert exceptions.count() == 0, exceptions.all_inner_texts()
    assert not errors, errors


def heading(page, text: str):
    return page.get_by_role("heading", name=re.compile("^" + re.escape(text)))


def set_number(page, key: str, value) -> None:
    """Type into the number or text input with widget key `key` and commit it."""
    box = page.locator(f".st-key-{key} input")
    box.fill(str(value))
    box.press("Enter")


def choose(page, key: str, option: str) -> None:
    """Pick `option` in the selectbox with widget key `key`."""
    page.locator(f".st-key-{key} [role=combobox]").click()
    page.get_by_role("option", name=option, exact=True).click()


README_SHOT = {"x": 0, "y": 0, "width": 1400, "height": 1700}  # the top of a page: title, first sections, sidebar


def readme_shot(page, artifacts, name: str) -> None:
    """The picture of a page the README shows: tests/artifacts/readme/<name>.png (docs/screenshots/ holds copies)."""
    (artifacts / "readme").mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "readme" / f"{name}.png"), clip=README_SHOT)
