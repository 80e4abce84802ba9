"""A shared link in a real browser: a learner changes a page's seed through the page, the
page trains, the sidebar shows the link; a fresh browser context (another learner) opens
that link and finds the same settings and the same loss at the last step, on every page.
Also: a link in Chinese opens in Chinese, and a malformed link shows its note.
"""

from __future__ import annotations

import re

import pytest
from web import FINISHED_JS, README_SHOT, readme_shot

VIEWPORT = {"width": 1400, "height": 1000}
LOAD_MS = 120_000
# per page: its URL path, a setting to change through the page and its new value
CHANGES = {
    "RNN_Unrolling": ("hello_seed", "7"),
    "Sine_Forecasting": ("sine_seed", "3"),
    "LSTM_Gates": ("gates_seed", "2"),
    "Char_Generation": ("char_seed", "5"),
}
FINAL_LOSSES_JS = """() => [...document.querySelectorAll('[data-testid=stCaptionContainer]')]
    .map(c => c.textContent).filter(t => t.startsWith('Loss at the last step'))"""


def wait_trained(page, losses: int = 1) -> list[str]:
    """Wait until the script finished with every live-training block's last-step loss shown."""
    page.wait_for_function(f"() => ({FINISHED_JS})() && ({FINAL_LOSSES_JS})().length >= {losses}",
                           timeout=LOAD_MS)
    return page.evaluate(FINAL_LOSSES_JS)


def sidebar_link(page) -> str:
    return page.locator("[data-testid=stSidebar] [data-testid=stCode]").first.inner_text().strip()


def setting(page, key: str) -> str:
    return page.locator(f".st-key-{key} input").first.input_value()


@pytest.mark.parametrize("path", list(CHANGES))
def test_a_link_made_in_one_session_reproduces_the_run_in_another(browser, app_url: str, artifacts, path: str):
    key, value = CHANGES[path]
    maker = browser.new_context(viewport=VIEWPORT)
    page = maker.new_page()
    page.goto(f"{app_url}/{path}", timeout=LOAD_MS)
    defaults = wait_trained(page)
    box = page.locator(f".st-key-{key} input").first
    box.fill(value)
    box.press("Enter")
    page.wait_for_function(
        f"() => document.querySelector('[data-testid=stSidebar] [data-testid=stCode]')?.textContent.includes('{key}={value}')",
        timeout=LOAD_MS)
    made = wait_trained(page)
    assert made != defaults  # another seed, another run
    link = sidebar_link(page)
    assert re.fullmatch(rf"{re.escape(app_url)}/{path}\?\S*{key}={value}\S*", link), link
    assert page.evaluate("location.href") == link  # what the address bar shows, too
    maker.close()

    other = browser.new_context(viewport=VIEWPORT)  # another learner, nothing shared but the link
    page = other.new_page()
    page.goto(link, timeout=LOAD_MS)
    assert wait_trained(page) == made
    assert setting(page, key) == value
    assert not page.locator("[data-testid=stException]").count()
    page.screenshot(path=str(artifacts / f"link_{path}.png"))
    other.close()


def test_a_chinese_link_and_a_malformed_one(browser, app_url: str, artifacts):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(f"{app_url}/RNN_Unrolling?lang=zh&hello_seed=3", timeout=LOAD_MS)
    page.wait_for_function(FINISHED_JS, timeout=LOAD_MS)
    page.get_by_text("首页").first.wait_for(timeout=LOAD_MS)
    assert setting(page, "hello_seed") == "3"
    page.set_viewport_size({"width": README_SHOT["width"], "height": README_SHOT["height"]})
    page.wait_for_function(FINISHED_JS, timeout=LOAD_MS)
    readme_shot(page, artifacts, "1_RNN_Unrolling_zh")
    page.goto(f"{app_url}/RNN_Unrolling?hello_seed=99999&hello_variant=gru&colour=red", timeout=LOAD_MS)
    page.wait_for_function(FINISHED_JS, timeout=LOAD_MS)
    note = page.locator("[data-testid=stAlert]").filter(has_text="This link has settings").first
    note.wait_for(timeout=LOAD_MS)
    for bad in ("hello_seed=99999", "hello_variant=gru", "colour=red"):
        assert bad in note.inner_text()
    assert setting(page, "hello_seed") == "2"  # the default
    assert "colour" not in page.evaluate("location.href")
    page.screenshot(path=str(artifacts / "link_malformed.png"))
    context.close()
