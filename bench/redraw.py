"""How fast a knob on a trained model redraws what it changes, measured in the browser.

Issue 15 asks ≤ 0.3 s (median) and ≤ 0.15× the home page's first view. For each knob below:
its page opened once in a fresh context of Debian's chromium (the default model trains), the
checkpoints that hold the section shown ("Show me"), then each repeat changes the knob back
and forth and times it from the input until the script ran and finished again (a
MutationObserver on the app's script state sees the run start, so a quick fragment rerun is
not missed). Each repeat also opens the home page in a fresh context (first_view's baseline),
so drift hits both alike: ratios redraw / home view are per repeat.

--against REV: before/after in one run. REV's tree (a git worktree) gets its own server; for
each knob both trees' pages are open, and each repeat times home and the knob on one server,
then on the other (which goes first alternates). Reported: each tree's redraws and ratios to
its home view, and per repeat now's redraw over REV's.

Servers listen on ports from --port (default 8850) up.

    python bench/redraw.py [--quick] [--only gates_unit,char_temperature] [--against REV] [--port 8850]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from first_view import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DONE_JS,
    HOME,
    ROOT,
    _start_server,
    _stats,
    _stop,
    _visit,
)

PORT = 8850  # the first server's port; REV's server takes the next
FINISHED_JS = """() => { const app = document.querySelector('[data-testid=stApp]');
  return !!app && app.dataset.testScriptState === 'notRunning' && !document.querySelector('[data-testid=stStatusWidget]'); }"""
ARM_JS = """() => { const app = document.querySelector('[data-testid=stApp]'); window.__ran = false;
  if (window.__watch) window.__watch.disconnect();
  window.__watch = new MutationObserver(() => { if (app.dataset.testScriptState === 'running') window.__ran = true; });
  window.__watch.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']}); }"""
RAN_JS = f"() => window.__ran === true && ({FINISHED_JS})()"


@dataclass(frozen=True)
class Knob:
    """A knob of a trained model's view: where it is and how a learner moves it."""

    name: str
    url: str  # the page
    show: tuple[str, ...]  # checkpoints to press "Show me" on first (they hold the section)
    key: str  # the widget's key (.st-key-<key>)
    kind: str  # "number": typed values, alternating; "slider": arrow keys, alternating; "click": on a chart
    values: tuple = ()  # a number knob's two values; a click's two points (fractions of the chart's box)
    note: str = field(default="", compare=False)


KNOBS = (
    Knob("bptt_stepper", "/RNN_Unrolling", (), "bptt_t_12", "slider", note="section 6's t, a fragment in a fragment"),
    Knob("unrolling_step", "/RNN_Unrolling", (), "unroll_t", "slider", note="section 1's time step"),
    Knob("sine_window", "/Sine_Forecasting", (), "sine_t", "slider", note="section 2's window start"),
    Knob("sine_position", "/Sine_Forecasting", (), "sine_span_h", "slider", note="section 6's forecast position"),
    Knob("gates_unit", "/LSTM_Gates", ("gates_1",), "gates_unit", "number", (2, 3), note="section 2's unit box"),
    Knob("gates_heatmap_click", "/LSTM_Gates", ("gates_1",), "gates_heat", "click", ((0.5, 0.1), (0.5, 0.15)),
         note="a click on a forget-gate cell picks its unit (2, then 10: the default run)"),
    Knob("interventions_start", "/LSTM_Gates", ("gates_1",), "gates_iv_start", "number", (3, 4),
         note="section 6's 'from step'"),
    Knob("char_temperature", "/Char_Generation", (), "char_temp", "number", (1.0, 1.2),  # 0.8 is the default: no change, no rerun
         note="section 5's temperature"),
    Knob("char_unit", "/Char_Generation", (), "char_unit", "number", (2, 3), note="section 6's unit"),
    Knob("char_position", "/Char_Generation", (), "char_span_t", "number", (200, 201),
         note="section 7's position"),
)


@contextmanager
def served(*roots: Path, port: int = PORT):
    """A headless `streamlit run` per root on ports from port up, and one chromium: yields
    (browser, base URLs). Everything started is stopped; a server's log is kept only if it failed."""
    from playwright.sync_api import sync_playwright

    log = tempfile.NamedTemporaryFile("w", prefix="bench_redraw_", suffix=".log", delete=False)  # noqa: SIM115
    servers = []
    try:
        for i, root in enumerate(roots):
            servers.append(_start_server(log, root, port=port + i))
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                yield browser, [base for _, base in servers]
            finally:
                browser.close()
    finally:
        for server, _ in servers:
            _stop(server)
        log.close()
    os.unlink(log.name)


def _move(page, knob: Knob, i: int) -> None:
    box = page.locator(f".st-key-{knob.key}")
    box.scroll_into_view_if_needed()  # Streamlit draws an element out of view as a skeleton
    if knob.kind == "slider":
        box.locator("[role=slider], input[type=range]").first.focus()
        page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
    elif knob.kind == "click":
        where = box.locator("canvas, svg.marks").first.bounding_box()
        fx, fy = knob.values[i % 2]
        page.mouse.click(where["x"] + fx * where["width"], where["y"] + fy * where["height"])
    else:
        field_ = box.locator("input")
        field_.fill(str(knob.values[i % 2]))
        field_.press("Enter")


def _timed(page, knob: Knob, i: int) -> float:
    page.evaluate(ARM_JS)
    t0 = time.perf_counter()
    _move(page, knob, i)
    page.wait_for_function(RAN_JS, polling="raf", timeout=120_000)
    return time.perf_counter() - t0


def _open(browser, base: str, knob: Knob):
    """The knob's page in a fresh context, its checkpoints shown and the knob moved once (the
    first move also focuses and warms the caches): the context and the page."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 5200})
    page = ctx.new_page()
    page.goto(base + knob.url, timeout=300_000)
    page.wait_for_function(FINISHED_JS, timeout=300_000)
    for checkpoint in knob.show:
        page.locator(f".st-key-checkpoint_{checkpoint}__show button").click(timeout=300_000)  # the page may still train
        page.wait_for_timeout(200)
        page.wait_for_function(FINISHED_JS, timeout=300_000)
    page.locator(f".st-key-{knob.key}").wait_for(timeout=120_000)
    _timed(page, knob, 0)
    return ctx, page


def _summary(knob: Knob, redraws: list[float], homes: list[float]) -> dict:
    return {"note": knob.note, "redraw_s": _stats(redraws), "home_view_s": _stats(homes),
            "ratio_to_home": _stats([r / h for r, h in zip(redraws, homes)]),
            "under_0_3s": statistics.median(redraws) <= 0.3,
            "under_0_15x_home": statistics.median([r / h for r, h in zip(redraws, homes)]) <= 0.15}


def main(quick: bool = False, only: tuple[str, ...] = (), against: str | None = None, port: int = PORT) -> dict:
    repeats = 5 if quick else 9
    knobs = [k for k in KNOBS if not only or k.name in only]
    out = {"bench": "redraw", "repeats": repeats, "knobs": {}}
    t0 = time.perf_counter()
    if against:
        out["against"] = against
        out["knobs"] = bench_against(against, knobs, repeats, port)
        out["bench_seconds"] = round(time.perf_counter() - t0, 1)
        return out
    with served(ROOT, port=port) as (browser, (base,)):
        _visit(browser, base + HOME.url, done_js=DONE_JS)
        for knob in knobs:
            ctx, page = _open(browser, base, knob)
            redraws, homes = [], []
            for i in range(1, repeats + 1):
                homes.append(_visit(browser, base + HOME.url, done_js=DONE_JS)[0])
                redraws.append(_timed(page, knob, i))
            ctx.close()
            out["knobs"][knob.name] = _summary(knob, redraws, homes)
            print(knob.name, json.dumps(out["knobs"][knob.name]), file=sys.stderr, flush=True)
    out["bench_seconds"] = round(time.perf_counter() - t0, 1)
    return out


def bench_against(rev: str, knobs: list[Knob], repeats: int, port: int = PORT) -> dict:
    """This tree and REV's, interleaved in one run (see --against above)."""
    tree = Path(tempfile.mkdtemp(prefix="redraw_rev_"))
    subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(tree), rev], cwd=ROOT, check=True)
    out = {}
    try:
        with served(ROOT, tree, port=port) as (browser, bases):
            base = dict(zip(("now", "rev"), bases))
            for b in bases:
                _visit(browser, b + HOME.url, done_js=DONE_JS)
            for knob in knobs:
                opened = {name: _open(browser, b, knob) for name, b in base.items()}
                redraws, homes = {"now": [], "rev": []}, {"now": [], "rev": []}
                for i in range(1, repeats + 1):
                    for name in (("now", "rev") if i % 2 else ("rev", "now")):
                        homes[name].append(_visit(browser, base[name] + HOME.url, done_js=DONE_JS)[0])
                        redraws[name].append(_timed(opened[name][1], knob, i))
                for ctx, _ in opened.values():
                    ctx.close()
                out[knob.name] = {name: _summary(knob, redraws[name], homes[name]) for name in base} | {
                    "now_over_rev": _stats([a / b for a, b in zip(redraws["now"], redraws["rev"])])}
                print(knob.name, json.dumps(out[knob.name]), file=sys.stderr, flush=True)  # progress
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
    return out


if __name__ == "__main__":
    args = sys.argv[1:]
    chosen = tuple(args[args.index("--only") + 1].split(",")) if "--only" in args else ()
    against = args[args.index("--against") + 1] if "--against" in args else None
    port = int(args[args.index("--port") + 1]) if "--port" in args else PORT
    print(json.dumps(main(quick="--quick" in args, only=chosen, against=against, port=port), ensure_ascii=False))
