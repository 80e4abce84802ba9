"""The LSTM gates page in a real browser: `streamlit run` and Debian's Chromium via Playwright.

The page is opened by its own URL (/LSTM_Gates) as the first request of a fresh context and
waited for until its script has finished (it trains the default LSTM on opening) and its
charts are drawn. Then a learner's click: a cell in a lower unit row of the "forget" heatmap.
Vega draws the heatmaps into a <canvas> (or an <svg>); the panels' positions come from the
drawn marks: in an svg, the rect groups' boxes; in a canvas, the runs of coloured pixels down
the middle of the chart (text and white space are not coloured; each heatmap is one run).
The clicked unit is read from Vega's own tooltip on hover and from the geometry (rows are
equal bands, unit 1 on top). After the click, the unit line chart's title, the "unit" number
input and section 3's equations follow it. A full screenshot goes to tests/artifacts/.
"""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

from web import DRAWN_CHARTS_JS, FINISHED_JS, open_page

from rnnviz.gates import GateConfig

URL_PATH = "/LSTM_Gates"
VIEWPORT = {"width": 1400, "height": 5200}  # Streamlit scrolls inside its own container: a tall window shows all
LOAD_MS = 90_000  # the first request of a session imports torch and trains the default model
HEAT_PANELS = ("forget", "input", "output", "candidate", "cell", "hidden")  # top to bottom, below the input row
MIN_CHARTS = 5  # gates_1 shown: accuracy, heatmaps, unit lines, saturation, the interventions' charts (the memory
# units' charts wait for checkpoint gates_2)
ASKED_CHARTS = 1  # before any checkpoint is answered: the accuracy while training (the rest answers one)
UNITS = GateConfig.hidden_size  # rows of each heatmap with the default settings

# The heatmap panels of one chart element, top to bottom, in viewport coordinates. In a canvas,
# a row of pixels counts as coloured when any of a few columns across the middle is (a cell
# near zero is white in the diverging panels; a gap between panels is white all across).
PANELS_JS = """(chart) => {
    const m = chart.querySelector('.marks');
    const r = m.getBoundingClientRect();
    if (m.tagName.toLowerCase() === 'svg') {
        return [...m.querySelectorAll('g.mark-rect.role-mark')].map(g => g.getBoundingClientRect())
            .filter(b => b.height > 0).sort((a, b) => a.top - b.top)
            .map(b => ({top: b.top, bottom: b.bottom, x: (b.left + b.right) / 2}));
    }
    const ctx = m.getContext('2d'), W = m.width, H = m.height, sy = H / r.height;
    const columns = [0.3, 0.4, 0.5, 0.6].map(f => ctx.getImageData(Math.floor(W * f), 0, 1, H).data);
    const coloured = y => columns.some(c => {
        const [R, G, B, A] = c.slice(4 * y, 4 * y + 4);
        return A > 200 && Math.max(R, G, B) - Math.min(R, G, B) > 25;
    });
    const runs = [];
    let start = -1;
    for (let y = 0; y <= H; y++) {
        const c = y < H && coloured(y);
        if (c && start < 0) start = y;
        if (!c && start >= 0) { runs.push([start, y]); start = -1; }
    }
    return runs.filter(([a, b]) => b - a >= 30)
        .map(([a, b]) => ({top: r.top + a / sy, bottom: r.top + b / sy, x: r.left + 0.45 * r.width}));
}"""

TOOLTIP_JS = """() => { const t = document.querySelector('#vg-tooltip-element');
    return t && t.classList.contains('visible') ? t.innerText : null; }"""

UNIT_TITLES_JS = """() => [...document.querySelectorAll('[data-testid=stVegaLiteChart] svg text')]
    .map(t => (t.textContent.match(/^Unit \\d+: its gates and states over time/) || [null])[0]).filter(Boolean)"""


def wait_finished(page, charts: int = MIN_CHARTS) -> None:
    page.wait_for_function(FINISHED_JS, timeout=LOAD_MS)
    page.get_by_role("heading", name="7. RNN vs LSTM vs GRU on long dependencies").wait_for(timeout=LOAD_MS)
    page.wait_for_function(f"() => ({DRAWN_CHARTS_JS})() >= {charts}", timeout=LOAD_MS)
    page.wait_for_function(FINISHED_JS, timeout=LOAD_MS)


def heatmap_chart(page):
    """The Vega chart element holding the stacked heatmaps (the one with the 'forget' panel)."""
    charts = page.locator("[data-testid=stVegaLiteChart]")
    for i in range(charts.count()):
        c = charts.nth(i)
        if len(c.evaluate(PANELS_JS)) >= len(HEAT_PANELS):
            return c
    raise AssertionError("no chart with the heatmap panels")


def unit_input(page):
    return page.locator(".st-key-gates_unit input")


def hover_unit(page, x: float, y: float) -> int | None:
    """The unit Vega's tooltip names under (x, y), or None if no tooltip shows."""
    page.mouse.move(x, y)
    try:
        page.wait_for_function(TOOLTIP_JS, timeout=3000)
    except Exception:  # noqa: BLE001 (a missing tooltip is checked by the geometry instead)
        return None
    m = re.search(r"unit\s+(\d+)", page.evaluate(TOOLTIP_JS))
    return int(m[1]) if m else None


def click_unit(page, panel: dict, fraction: float) -> int:
    """Click the cell `fraction` of the way down `panel`, in the middle of time; the unit clicked."""
    x = panel["x"]
    y = panel["top"] + fraction * (panel["bottom"] - panel["top"])
    expected = int(fraction * UNITS) + 1  # equal bands, unit 1 on top
    seen = hover_unit(page, x, y)
    assert seen in (None, expected), (seen, expected)
    page.mouse.click(x, y)
    return expected


def unit_follows(page, unit: int) -> None:
    """The unit lines' title, the unit input and the equations' caption all show `unit`."""
    title = f"Unit {unit}: its gates and states over time"
    page.wait_for_function(f"() => ({UNIT_TITLES_JS})().includes({title!r})", timeout=LOAD_MS)
    page.wait_for_function(FINISHED_JS, timeout=LOAD_MS)
    assert page.evaluate(UNIT_TITLES_JS) == [title]
    assert unit_input(page).input_value() == str(unit)
    page.get_by_text(re.compile(rf"^Unit {unit} at step t = \d+")).wait_for(timeout=LOAD_MS)


def test_click_a_heatmap_cell_picks_its_unit(browser, app_url: str, artifacts: Path):
    context, page, errors = open_page(browser, app_url + URL_PATH)  # the first request of a fresh context
    try:
        wait_finished(page, ASKED_CHARTS)
        assert page.evaluate("location.pathname") == URL_PATH
        assert page.get_by_text("solved, so training stopped early").count() == 1
        assert page.evaluate(UNIT_TITLES_JS) == [], "the heatmaps and unit chart answer checkpoint gates_1: hidden"
        page.locator(".st-key-checkpoint_gates_1__show button").click()  # "Show me"
        wait_finished(page)
        first = int(unit_input(page).input_value())  # unit 1 until checkpoint gates_2 is answered
        assert first == 1 and page.evaluate(UNIT_TITLES_JS) == [f"Unit {first}: its gates and states over time"]

        chart = heatmap_chart(page)
        chart.scroll_into_view_if_needed()
        panels = chart.evaluate(PANELS_JS)
        assert len(panels) == len(HEAT_PANELS), panels
        heights = [p["bottom"] - p["top"] for p in panels]
        gated = heights[:3]  # forget, input, output: viridis, never white (a diverging panel's rows near 0 are)
        assert max(gated) - min(gated) <= 2 and max(heights) <= max(gated) + 2, heights  # same units, same rows
        assert all(a["bottom"] < b["top"] for a, b in pairwise(panels)), "panels overlap"
        forget = panels[HEAT_PANELS.index("forget")]

        unit = click_unit(page, forget, 0.85)  # a lower unit row of the forget panel
        assert unit > UNITS // 2
        unit_follows(page, unit)

        # another panel picks a unit too (the selection is shared by every panel); the layout is
        # the one measured before the first click (the selection dims the other rows' colours)
        hidden = panels[HEAT_PANELS.index("hidden")]
        other = click_unit(page, hidden, 0.1)
        assert other != unit
        unit_follows(page, other)

        exceptions = page.locator("[data-testid=stException]")
        assert exceptions.count() == 0, exceptions.all_inner_texts()
        assert not errors, errors
        page.screenshot(path=str(artifacts / "3_LSTM_Gates.png"), full_page=True)
    finally:
        context.close()
