"""First complete view of the LSTM gates page, live-trained default LSTM included.

Same method as bench/page1_first_view.py, whose server, CPU and profiling helpers it imports.
The page also starts, once per server, a background comparison (RNN vs LSTM vs GRU at gaps
5, 20, 50: rnnviz.ui.background.shared_job) that nobody waits for; while it runs it takes one
of the two cores. So each part measures the page with that job running and after it is done.

(a) browser: a `streamlit run` server; its first visit of /LSTM_Gates (which also starts the
    background job) is reported on its own, then DURING visits while the job runs, then, once
    the job is done (its table drawn), N visits of /LSTM_Gates, each in a FRESH Playwright
    context of Debian's chromium, timed from goto until the whole page is drawn: the title,
    the success message of the default LSTM (early stop), the equations typeset (KaTeX), the
    last section's header, at least MIN_CHARTS Vega charts drawn (accuracy, heatmaps, unit
    lines, saturation, memory units' forget gate) and no running indicator. Interleaved with
    the home page "/" in a fresh context as a baseline (ratio page / home).
(b) AppTest: fresh AppTest each time; the process's first (cold) run is reported on its own;
    it starts the background job in this process, whose wall time is reported
    (background_sweep_s) and waited for; then times only
    `at.switch_page("pages/3_LSTM_Gates.py").run()`, interleaved with the home page's
    `AppTest.from_file(...).run()`.
(c) cProfile of the AppTest script thread: top 15 cumulative entries in rnnviz/ and pages/,
    cold (first run of the process) and warm (mean of 2 runs).

    python bench/page3_first_view.py [--quick] [--no-browser] [--no-apptest]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from page1_first_view import (
    APP,
    CHROMIUM,
    CHROMIUM_ARGS,
    _cpu,
    _free_port,
    _start_server,
    _stats,
    _ThreadProfiles,
    _top,
)

PAGE = "pages/3_LSTM_Gates.py"
URL_PATH = "/LSTM_Gates"
TARGET_S = 3.0
MIN_CHARTS = 5
LAST_HEADER = "5. RNN vs LSTM vs GRU"
SUCCESS = "solved, so training stopped early"
SWEEP_RUNNING = "Training the default comparison in the background"
JOB = "gates-default-sweep"  # the page's name for its background comparison
DURING = 2  # visits timed while the background comparison still runs
SWEEP_WAIT_S = 600  # at most this long for the background comparison to finish

# Installed in every fresh context before the app's scripts: records, in ms since navigation
# start, when each condition first held; window.__rnnvizDone is the moment all held at once
# (checked every 40 ms, as page 1's; a met condition is re-checked only in the final pass).
MARKS_JS = r"""
(() => {
  const want = window.location.pathname.includes("LSTM_Gates") ? "page" : "home";
  const M = {}; window.__marks = M; window.__rnnvizDone = false;
  const q = (sel) => document.querySelectorAll(sel);
  const vis = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const some = (sel, text) => { for (const e of q(sel)) if ((!text || e.textContent.includes(text)) && vis(e)) return true; return false; };
  const charts = () => { let n = 0; for (const c of q('[data-testid="stVegaLiteChart"]'))
                           if ([...c.querySelectorAll("canvas, svg")].some(vis)) n++; M.charts = Math.max(M.charts || 0, n); return n; };
  const idle = () => !document.querySelector('[data-testid="stStatusWidgetRunningIcon"], [data-testid="stStatusWidgetRunningManIcon"]')
                     && !/running/i.test((document.querySelector('[data-testid="stStatusWidget"]') || {}).textContent || "");
  const conds = want === "page" ? {
    app_shell: () => some('[data-testid="stAppViewContainer"]'),
    title: () => some("h1", "LSTM gates"),
    success: () => some('[data-testid="stAlert"]', "%SUCCESS%"),
    equations: () => some(".katex", "forget gate"),
    last_header: () => some("h2", "%LAST_HEADER%"),
    charts_min: () => charts() >= %MIN_CHARTS%,
  } : {
    app_shell: () => some('[data-testid="stAppViewContainer"]'),
    last_text: () => some("h3", "How to read the charts"),
  };
  const timer = setInterval(() => {
    if (!document.body) return;
    let pending = 0;
    for (const [k, f] of Object.entries(conds)) if (M[k] === undefined) { if (f()) M[k] = performance.now(); else pending++; }
    const busy = !idle();
    if (busy && M.running_seen === undefined) M.running_seen = performance.now();  // proves the idle check is live
    if (pending || busy) return;
    if (Object.values(conds).every(f => f())) {
      M.all = performance.now(); M.sweep_running = document.body.innerText.includes("%SWEEP_RUNNING%") ? 1 : 0;
      window.__rnnvizDone = true; clearInterval(timer);
    }
  }, 40);
})();
""".replace("%LAST_HEADER%", LAST_HEADER).replace("%MIN_CHARTS%", str(MIN_CHARTS)).replace(
    "%SUCCESS%", SUCCESS).replace("%SWEEP_RUNNING%", SWEEP_RUNNING)

SWEEP_DONE_JS = f"""() => [...document.querySelectorAll('[data-testid=stTable] tbody tr')].length === 3
    && !document.body.innerText.includes('{SWEEP_RUNNING}') && !document.body.innerText.includes('nan%')"""


# ---------------------------------------------------------------- (a) browser


def _visit(browser, url: str, timeout_s: float = 120, server_pid: int | None = None) -> tuple[float, dict]:
    """Open url in a fresh context; seconds from goto until everything is drawn, and the marks
    (plus server and browser CPU seconds spent meanwhile, when server_pid is given)."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        ctx.add_init_script(MARKS_JS)
        page = ctx.new_page()
        cpu0 = _cpu(server_pid) if server_pid else None
        t0 = time.perf_counter()
        page.goto(url, wait_until="commit")
        page.wait_for_function("() => window.__rnnvizDone === true", polling=40, timeout=timeout_s * 1e3)
        elapsed = time.perf_counter() - t0
        marks = {k: round(v) if isinstance(v, float) else v
                 for k, v in page.evaluate("() => window.__marks").items()}
        if cpu0:
            cpu1 = _cpu(server_pid)
            marks["server_cpu_s"] = round(cpu1[0] - cpu0[0], 3)
            marks["browser_cpu_s"] = round(cpu1[1] - cpu0[1], 3)
        marks["exceptions"] = page.locator('[data-testid="stException"]').count()
        return elapsed, marks
    finally:
        ctx.close()


def _wait_for_sweep(browser, url: str) -> float:
    """Keep the page open until the background comparison's full table is drawn; seconds waited."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = ctx.new_page()
        t0 = time.perf_counter()
        page.goto(url)
        page.wait_for_function(SWEEP_DONE_JS, polling=500, timeout=SWEEP_WAIT_S * 1e3)
        return time.perf_counter() - t0
    finally:
        ctx.close()


def bench_browser(repeats: int) -> dict:
    from playwright.sync_api import sync_playwright

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = tempfile.NamedTemporaryFile("w", prefix="page3_server_", suffix=".log", delete=False)  # noqa: SIM115
    t_server = time.perf_counter()
    server = _start_server(port, log)
    server_ready_s = time.perf_counter() - t_server
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                sp = server.pid
                warm_s, warm_marks = _visit(browser, f"{base}{URL_PATH}", 240, sp)
                _visit(browser, f"{base}/")  # the baseline's own first visit
                during = [_visit(browser, f"{base}{URL_PATH}", server_pid=sp) for _ in range(DURING)]
                sweep_wait_s = _wait_for_sweep(browser, f"{base}{URL_PATH}")
                page_s, home_s, ratios, marks, home_marks = [], [], [], [], []
                for _ in range(repeats):
                    h, hm = _visit(browser, f"{base}/", server_pid=sp)
                    p, m = _visit(browser, f"{base}{URL_PATH}", server_pid=sp)
                    home_s.append(h), page_s.append(p), ratios.append(p / h)
                    marks.append(m), home_marks.append(hm)
            finally:
                browser.close()
    finally:
        os.killpg(server.pid, 15)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
        log.close()
    os.unlink(log.name)  # kept only when the run failed (the exception skips this line)
    skip = ("charts", "exceptions", "server_cpu_s", "browser_cpu_s", "running_seen", "sweep_running")
    keys = [k for k in marks[0] if k not in skip]
    cpu = lambda ms, k: round(statistics.median(m[k] for m in ms), 3)
    return {
        "page_s": _stats(page_s), "home_s": _stats(home_s), "ratio_page_over_home": _stats(ratios),
        "meets_target": statistics.median(page_s) <= TARGET_S,
        "first_visit_after_server_start_s": round(warm_s, 3), "first_visit_marks_ms": warm_marks,
        "during_background_sweep_s": [round(s, 3) for s, _ in during],
        "during_sweep_flag": [m.get("sweep_running") for _, m in during],
        "background_sweep_wait_s": round(sweep_wait_s, 1),
        "page_marks_ms_median": {k: round(statistics.median(m[k] for m in marks)) for k in keys},
        "cpu_s_median": {"page": {"server": cpu(marks, "server_cpu_s"), "browser": cpu(marks, "browser_cpu_s")},
                         "home": {"server": cpu(home_marks, "server_cpu_s"),
                                  "browser": cpu(home_marks, "browser_cpu_s")}},
        "charts_drawn": [m.get("charts") for m in marks],
        "sweep_running_in_timed_visits": sum(m.get("sweep_running", 0) for m in marks),
        "running_indicator_seen": f"{sum('running_seen' in m for m in marks)}/{len(marks)}",
        "exceptions": max(m["exceptions"] for m in marks + [m for _, m in during] + [warm_marks]),
        "server_ready_s": round(server_ready_s, 2),
    }


# ---------------------------------------------------------------- (b, c) AppTest


def _apptest_page(AppTest) -> tuple[object, float]:
    at = AppTest.from_file(str(APP), default_timeout=180).run()
    t0 = time.perf_counter()
    at.switch_page(PAGE).run()
    return at, time.perf_counter() - t0


def _charts(at) -> int:
    return len(at.get("vega_lite_chart"))


def _check_page(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert any(LAST_HEADER in h.value for h in at.header), "last section missing"
    assert any(SUCCESS in s.value for s in at.success), "the default LSTM did not stop early"
    assert len(at.latex) == 1, "equations missing"
    assert _charts(at) >= MIN_CHARTS, f"only {_charts(at)} Vega charts"


def bench_apptest(repeats: int) -> dict:
    import logging
    import warnings

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message="Automatically deduplicated selection parameter")
    from streamlit.testing.v1 import AppTest

    import rnnviz.gates  # noqa: F401 (modules imported first, as page 1's benchmark does)
    from rnnviz.ui.background import shared_job

    with _ThreadProfiles() as cold:
        at, cold_s = _apptest_page(AppTest)
    _check_page(at)
    n_charts = _charts(at)
    job = shared_job(JOB, lambda: iter(()))  # the job the cold run started (cached per process)
    t0 = time.perf_counter()
    during = []
    for _ in range(DURING):
        during.append(_apptest_page(AppTest)[1])
    while not job.done and time.perf_counter() - t0 < SWEEP_WAIT_S:
        time.sleep(0.2)
    sweep_wait_s = time.perf_counter() - t0
    page_s, home_s, ratios = [], [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        AppTest.from_file(str(APP), default_timeout=60).run()
        h = time.perf_counter() - t0
        at, p = _apptest_page(AppTest)
        _check_page(at)
        home_s.append(h), page_s.append(p), ratios.append(p / h)
    warm_runs = 2
    with _ThreadProfiles() as warm:
        for _ in range(warm_runs):
            _apptest_page(AppTest)
    return {
        "page_switch_run_s": _stats(page_s), "home_run_s": _stats(home_s),
        "ratio_page_over_home": _stats(ratios), "meets_target": statistics.median(page_s) <= TARGET_S,
        "cold_first_run_in_process_s": round(cold_s, 3), "vega_charts": n_charts,
        "during_background_sweep_s": [round(s, 3) for s in during],
        "background_sweep": {"done": job.done, "error": job.error or None, "waited_s": round(sweep_wait_s, 1),
                             "rows": [{k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()}
                                      for r in job.rows]},
        "profile_cold_top15": _top(cold.profiles, 1),
        "profile_warm_top15": _top(warm.profiles, warm_runs),
    }


def main(quick: bool = False, browser: bool = True, apptest: bool = True) -> dict:
    repeats = 3 if quick else 5
    t0 = time.perf_counter()
    out = {"bench": "page3_first_view", "target_s": TARGET_S, "repeats": repeats}
    if apptest:  # first, so its cold run is the process's first touch of torch.optim
        out["apptest"] = bench_apptest(repeats)
    if browser:
        out["browser"] = bench_browser(repeats)
    out["bench_seconds"] = round(time.perf_counter() - t0, 1)
    return out


if __name__ == "__main__":
    print(json.dumps(main(quick="--quick" in sys.argv, browser="--no-browser" not in sys.argv,
                          apptest="--no-apptest" not in sys.argv), ensure_ascii=False))
