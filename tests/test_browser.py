"""The real app in a real browser: `streamlit run` and Debian's Chromium through Playwright.

Each page is opened in a fresh browser context by its own URL as the first request (the
deep link a learner shares), waited for until its script has finished and its lazily
loaded charts are drawn, then checked: no exception box, charts that contain
drawn marks of nonzero size, the shared sidebar's links. A full screenshot of each page
goes to tests/artifacts/ for a human to look at.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from web import DRAWN_CHARTS_JS, FINISHED_JS, readme_shot

from rnnviz.ui.page import existing_pages

ROOT = Path(__file__).resolve().parents[1]
VIEWPORT = {"width": 1400, "height": 5200}  # Streamlit scrolls inside its own container: a tall window shows all
LOAD_MS = 90_000  # first request of the session imports torch and trains the page's default model
HOME = "streamlit_app.py"
PAGE1 = "pages/1_RNN_Unrolling.py"
PAGE_FILES = [HOME] + sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))
# Altair charts each page draws; a lesson page draws at least one. Page 1: the unrolled diagram, the
# hidden-state heatmap, the loss, the trained model's hidden state per letter, the gradients.
MIN_CHARTS = {HOME: 0, PAGE1: 4}  # page 1: its gradient chart waits for checkpoint unrolling_4's answer
LAST_TEXT = {HOME: "How to read the charts", PAGE1: "Questions, answered"}  # the last section's heading

# Records whether a script run started after the call, so a test knows its click reran the script.
WATCH_JS = """() => {
    window.__sawRunning = false;
    const app = document.querySelector('[data-testid=stApp]');
    new MutationObserver(() => {
        if (app.dataset.testScriptState === 'running') window.__sawRunning = true;
    }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
# The progress text live training sends (rnnviz.ui.live): proof that the server trained. A
# 15-epoch run takes milliseconds, too fast for its progress bar to be drawn, so the test
# reads the messages on the websocket instead of the page.
TRAINING_HELLO = b"Training hello"

# The last line of section 4's printout (the st.code block in the notes' format, newest epoch
# last): "Predicted string: ohlol, Epoch [15/15] loss=2.5840". null when there is no printout.
LAST_LINE_JS = """() => {
    for (const block of document.querySelectorAll('[data-testid=stCode]')) {
        const lines = block.textContent.split('\\n').map(l => l.trim()).filter(Boolean);
        if (lines.length && lines[0].startsWith('Predicted string:')) return lines[lines.length - 1];
    }
    return null;
}"""


def last_line_is(page, epochs: int, predicted: str = "ohlol") -> None:
    """Wait until the printout's last line is epoch `epochs` of `epochs`, then check its prediction."""
    prefix = f"Epoch [{epochs}/{epochs}]"
    page.wait_for_function(f"() => ({LAST_LINE_JS})()?.includes({prefix!r})", timeout=LOAD_MS)
    line = page.evaluate(LAST_LINE_JS)
    assert re.fullmatch(rf"Predicted string: {predicted}, Epoch \[{epochs}/{epochs}\] loss=\d+\.\d{{4}}", line), line


def url_path(file: str) -> str:
    """The URL path Streamlit gives a page: pages/1_RNN_Unrolling.py -> /RNN_Unrolling."""
    if file == HOME:
        return "/"
    return "/" + re.sub(r"^\d+_", "", Path(file).stem)


def artifact_name(file: str) -> str:
    return "home" if file == HOME else Path(file).stem


def wait_finished(page, file: str) -> None:
    """Wait until the script has run to its end and every chart and table is drawn."""
    page.wait_for_function(FINISHED_JS, timeout=LOAD_MS)
    if file in LAST_TEXT:
        page.get_by_text(LAST_TEXT[file]).first.wait_for(timeout=LOAD_MS)
    page.wait_for_function(f"() => ({DRAWN_CHARTS_JS})() >= {MIN_CHARTS.get(file, 1)}", timeout=LOAD_MS)
    page.wait_for_function(FINISHED_JS, timeout=LOAD_MS)


def open_page(browser, app_url: str, file: str, color_scheme: str = "light", frames: list | None = None):
    """A fresh context whose first request is the page's own URL; returns (context, page, errors).

    frames, when given, collects every websocket message the server sends (as bytes).
    """
    context = browser.new_context(viewport=VIEWPORT, color_scheme=color_scheme)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    if frames is not None:
        page.on("websocket", lambda ws: ws.on(
            "framereceived", lambda f: frames.append(f if isinstance(f, bytes) else f.encode())))
    page.goto(app_url + url_path(file), timeout=LOAD_MS)
    wait_finished(page, file)
    return context, page, errors


def assert_healthy(page, file: str, errors: list[str]) -> None:
    exceptions = page.locator("[data-testid=stException]")
    assert exceptions.count() == 0, exceptions.all_inner_texts()
    assert not errors, errors
    drawn = page.evaluate(DRAWN_CHARTS_JS)
    assert drawn >= MIN_CHARTS.get(file, 1), f"{drawn} drawn charts on {file}"


def sidebar_links(page) -> dict[str, str]:
    """Sidebar link label -> the path its href resolves to (the label follows the icon's ligature).

    Streamlit writes relative hrefs: "RNN_Unrolling" for a page and "" for the entry page, so
    Home's href resolves to the current page's path everywhere but on the home page itself
    (clicking works: Streamlit navigates by script hash; opening it in a new tab does not).
    """
    links = page.locator("[data-testid=stSidebar] a[data-testid=stPageLink-NavLink]")
    out = {}
    for i in range(links.count()):
        link = links.nth(i)
        label = link.inner_text().strip().split("\n")[-1].strip()
        out[label] = link.evaluate("a => new URL(a.href).pathname")
    return out


@pytest.mark.parametrize("file", PAGE_FILES, ids=artifact_name)
def test_page_opened_by_its_own_url(browser, app_url: str, artifacts: Path, file: str):
    context, page, errors = open_page(browser, app_url, file)
    try:
        assert page.evaluate("location.pathname") == url_path(file)
        assert_healthy(page, file, errors)
        links = sidebar_links(page)
        assert "Home" in links, links
        if file == HOME:
            assert links["Home"] == "/", links
        for page_file, name, _, _ in existing_pages():
            assert links.get(name) == url_path(page_file), (name, links)
        assert "RNN unrolling" in links
        if file == PAGE1:
            assert page.locator("[data-testid=stGraphVizChart]").count() == 0  # the diagram is a Vega chart
            assert page.evaluate(LAST_LINE_JS).startswith("Predicted string: ohlol, Epoch [15/15]")
        page.screenshot(path=str(artifacts / f"{artifact_name(file)}.png"), full_page=True)
        readme_shot(page, artifacts, artifact_name(file))
        if file != HOME:  # the sidebar's Home link takes the learner home
            page.locator("[data-testid=stSidebar] a[data-testid=stPageLink-NavLink]", has_text="Home").click()
            page.wait_for_url(app_url + "/", timeout=LOAD_MS)
            page.get_by_role("heading", name="Lessons").wait_for(timeout=LOAD_MS)
            assert page.locator("[data-testid=stException]").count() == 0
    finally:
        context.close()


def _rerun(page, frames: list[bytes], action) -> bool:
    """Do action (a click, an edit), wait for the rerun it causes to finish; True if it trained."""
    seen = len(frames)
    page.evaluate(WATCH_JS)
    action()
    page.wait_for_function("() => window.__sawRunning", timeout=LOAD_MS)
    wait_finished(page, PAGE1)
    deadline = time.monotonic() + 3  # websocket frame events can reach us after the page shows the result
    while not any(TRAINING_HELLO in f for f in frames[seen:]) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    return any(TRAINING_HELLO in f for f in frames[seen:])


def test_hello_retrain_and_epochs(browser, app_url: str):
    frames: list[bytes] = []
    context, page, errors = open_page(browser, app_url, PAGE1, frames=frames)
    try:
        button = page.locator(".st-key-hello__train").get_by_role("button")  # Streamlit also draws a hidden copy
        # "Retrain" is the label once a model is shown; right after the automatic first training
        # the page still says "Train" (see test_pages.test_button_says_retrain_once_a_model_is_shown).
        assert re.fullmatch(r"(Re)?[Tt]rain", button.inner_text().strip())
        # a trained model on opening: trained live by the server's first visitor, the shared default
        # run for later ones (rnnviz.ui.live_training(default=...)); earlier tests have visited
        last_line_is(page, 15)
        assert _rerun(page, frames, button.click), "Retrain did not train"
        assert button.inner_text().strip() == "Retrain"
        last_line_is(page, 15)
        assert page.get_by_text("Predicts “ohlol”").count() == 1

        length = page.locator(".st-key-gtt_len input")  # section 5: unrelated to the hello model

        def set_length() -> None:
            length.fill("60")
            length.press("Enter")

        assert not _rerun(page, frames, set_length), "an unrelated widget retrained the hello model"
        last_line_is(page, 15)

        epochs = page.locator(".st-key-hello_epochs input")

        def set_epochs() -> None:
            epochs.fill("20")
            epochs.press("Enter")

        assert _rerun(page, frames, set_epochs), "changing the epochs did not retrain"
        last_line_is(page, 20)
        assert_healthy(page, PAGE1, errors)
    finally:
        context.close()


def test_page1_dark(browser, app_url: str, artifacts: Path):
    context, page, errors = open_page(browser, app_url, PAGE1, color_scheme="dark")
    try:
        assert_healthy(page, PAGE1, errors)
        rgb = page.evaluate("getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor")
        r, g, b = (int(v) for v in re.findall(r"\d+", rgb)[:3])
        assert r + g + b < 3 * 80, f"the app is not dark: background {rgb}"
        page.screenshot(path=str(artifacts / "page1_dark.png"), full_page=True)
    finally:
        context.close()
