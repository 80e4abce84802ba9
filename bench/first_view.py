"""First complete view of every page, its live-trained default model included (target: 3 s).

"Complete": the title and the last section's header visible, the text that proves the default
model trained shown, at least the page's minimum of Vega charts drawn, and the script finished
(no running indicator). The home page "/" is the baseline (Streamlit's own floor: frontend
boot, websocket, a light script), interleaved (home, page 1, home, page 2, ...) so the
machine's drift hits all alike; ratios page / home are per pair.

(a) browser: one `streamlit run` server; a first visit of each page (cold imports and live
    training, reported on its own), then N visits per page, each in a FRESH Playwright context
    of Debian's chromium, timed from goto until complete (an init script checks every 40 ms);
    and N times the learner's usual way in: home open, a click on the page's sidebar link,
    timed from the click (from_home_click_s: no frontend boot); and N times a returning
    learner opening the page's link in a new tab of a browser that has run the app before
    (returning_browser_s: the frontend's files come from its HTTP cache).
    Page 3 starts a background comparison once per server; each visit records if it still ran.
(b) AppTest: a fresh `AppTest.from_file(streamlit_app.py).run()`, then only
    `at.switch_page(page).run()` is timed, interleaved with the home page's own run; the
    process's first (cold) run of each page is reported on its own.

(c) --against REV: before/after in one run. REV's tree (a git worktree) gets its own server;
    each repeat opens home and the page on one server, then on the other (which goes first
    alternates), in fresh contexts, each tree's "complete" from its own bench/first_view.py.
    Reported: each tree's page/home ratios and, per repeat, now's ratio over REV's.

(d) the first visitor after a server start (fresh cache, and restarted with the runs it saved),
    the redraws (bench/redraw.py's main) and the server's RSS after one learner opened every page.
    One JSON line per figure: first_view, in_app_click, rss, first_visitor_after_server_start,
    redraw, apptest.

    python bench/first_view.py [--quick] [--pages 1,4] [--no-browser] [--no-apptest] [--no-after-start]
                               [--no-redraw] [--against REV]
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "streamlit_app.py"
TARGET_S = 2.5  # a page's first complete view in a fresh browser, on a server that has served it once
CLICK_TARGET_S = 1.5  # the in-app click from another page
AFTER_START_TARGET_S = 3.0  # the first visitor after the server starts (its default runs warming)
RATIO_TARGET = 1.3  # a page's first view over the home page's, same run
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@dataclass(frozen=True)
class Page:
    """What a complete first view of one page shows."""

    url: str  # path the browser opens
    file: str  # what AppTest switches to
    title: str  # in the h1
    last_header: str  # in the last section's header (h2/h3)
    trained: str  # regex on a success/caption text that proves the default model trained
    min_charts: int  # Vega charts drawn at least
    busy: str = ""  # text shown while the page's background job still runs


HOME = Page("/", "streamlit_app.py", "rnnviz: recurrent networks", "How to read the charts", "", 0)
PAGES = {
    1: Page("/RNN_Unrolling", "pages/1_RNN_Unrolling.py", "RNN unrolling", "Questions, answered",
            "Predicts “ohlol”", 4),  # diagram, hidden heatmap, loss, hidden per letter (gradients: after its checkpoint)
    2: Page("/Sine_Forecasting", "pages/2_Sine_Forecasting.py", "Sine forecasting", "8. Questions",
            "Loss at the last step", 8),  # both live trainings and the charts not behind a checkpoint (9 drawn)
    3: Page("/LSTM_Gates", "pages/3_LSTM_Gates.py", "LSTM gates", "7. RNN vs LSTM vs GRU",
            "solved, so training stopped early", 1,  # training (every other chart answers a checkpoint)
            busy="Training the default comparison in the background"),
    4: Page("/Char_Generation", "pages/4_Char_Generation.py", "Char-level generation", "7. How far back",
            r"epochs done; kept|stopped early", 4),  # minibatches, perplexity, gradient norm, warm-up
}

# Installed in every fresh context before the app's scripts. Checked every 40 ms, not every
# frame: each check forces a layout, which would slow the page it measures. A condition once
# met is not checked again until the final pass, which re-checks them all at once.
DONE_JS = r"""
window.__arm = (path) => {  // watch for the page at path to be complete; armed again before an in-app click
  clearInterval(window.__timer);
  const P = %PAGES%[path.replace(/\/$/, "") || "/"];
  const M = {charts: 0}; window.__marks = M; window.__done = false;
  const q = (sel) => document.querySelectorAll(sel);
  const vis = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const some = (sel, test) => [...q(sel)].some(e => test(e.textContent) && vis(e));
  const charts = () => { let n = 0; for (const c of q('[data-testid="stVegaLiteChart"]'))
                           if ([...c.querySelectorAll("canvas, svg")].some(vis)) n++;
                         M.charts = Math.max(M.charts, n); return n; };
  const busy = () => !!document.querySelector('[data-testid="stStatusWidgetRunningIcon"], [data-testid="stStatusWidgetRunningManIcon"]')
                     || /running/i.test((document.querySelector('[data-testid="stStatusWidget"]') || {}).textContent || "");
  const trained = new RegExp(P.trained);
  const conds = {  // the names AppTest's checks use too
    title: () => some("h1", t => t.includes(P.title)),
    last_header: () => some("h2, h3", t => t.includes(P.last_header)),
    trained: () => !P.trained || some('[data-testid="stAlert"], [data-testid="stAlertContainer"], [data-testid="stCaptionContainer"]',
                                      t => trained.test(t)),
    charts: () => charts() >= P.min_charts,
  };
  const met = {};
  const timer = window.__timer = setInterval(() => {
    if (!document.body) return;
    for (const [k, f] of Object.entries(conds)) if (!met[k]) met[k] = f();
    if (busy()) return;
    const failed = some('[data-testid="stException"]', () => true);  // stop at once, counted as an exception
    if (!failed && !(Object.values(met).every(Boolean) && Object.values(conds).every(f => f()))) return;
    M.missing = Object.keys(conds).filter(k => !conds[k]());
    M.busy = !!P.busy && document.body.innerText.includes(P.busy);
    window.__done = true; clearInterval(timer);
  }, 40);
};
window.__arm(location.pathname);
""".replace("%PAGES%", json.dumps({p.url: asdict(p) for p in [HOME, *PAGES.values()]}, ensure_ascii=False))


def _stats(xs: list[float]) -> dict:
    return {"median": round(statistics.median(xs), 3), "min": round(min(xs), 3), "n": len(xs)}


def _report(first: dict, runs: dict, first_key: str) -> dict:
    """Per page: medians, minimums and ratios of the timed views; what the views showed."""
    out = {}
    for n, (page_s, home_s, infos) in runs.items():
        infos = [first[n][1], *infos]
        out[f"page{n}"] = {
            "page_s": _stats(page_s), "home_s": _stats(home_s),
            "ratio_page_over_home": _stats([p / h for p, h in zip(page_s, home_s)]),
            "meets_target": statistics.median(page_s) <= TARGET_S,
            "meets_ratio_target": statistics.median([p / h for p, h in zip(page_s, home_s)]) <= RATIO_TARGET,
            first_key: round(first[n][0], 3),
            "charts": [i["charts"] for i in infos[1:]], "exceptions": sum(i["exceptions"] for i in infos),
            "incomplete": sum(bool(i["missing"]) for i in infos),  # views that missed a condition
            **({"background_job_running": [i["busy"] for i in infos[1:]]} if PAGES[n].busy else {}),
        }
    return out


# ---------------------------------------------------------------- (a) browser


def _start_server(log, root: Path = ROOT, env: dict | None = None, port: int | None = None) -> tuple[subprocess.Popen, str]:
    """A headless `streamlit run` of root's app on `port` (default: a free one), once healthy; and
    its base URL. env: added to the server's environment (e.g. RNNVIZ_CACHE, where its warm-up saves runs)."""
    if port is None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "streamlit", "run", str(root / APP.name), "--server.port", str(port),
           "--server.headless", "true", "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(cmd, cwd=root, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                            env={**os.environ, **(env or {})})
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.2)
    os.killpg(proc.pid, 9)
    raise RuntimeError(f"streamlit did not become healthy within 60 s; see {log.name}")


@contextmanager
def served(*roots: Path, env: dict | None = None, pids: list | None = None):
    """A headless `streamlit run` per root (this tree's by default) and one chromium: yields
    (browser, base URLs). Everything started is stopped; a server's log is kept only if it failed.
    env: added to each server's environment; pids: a list that receives the servers' pids."""
    from playwright.sync_api import sync_playwright

    log = tempfile.NamedTemporaryFile("w", prefix="bench_server_", suffix=".log", delete=False)  # noqa: SIM115
    servers = []
    try:
        for root in roots or (ROOT,):
            servers.append(_start_server(log, root, env))
            if pids is not None:
                pids.append(servers[-1][0].pid)
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


def _until_complete(page, t0: float, timeout_s: float) -> tuple[float, dict]:
    """Wait until the page is complete: seconds since t0, and what the page showed."""
    page.wait_for_function("() => window.__done === true", polling=40, timeout=timeout_s * 1e3)
    elapsed = time.perf_counter() - t0
    marks = page.evaluate("() => window.__marks")
    marks["exceptions"] = page.locator('[data-testid="stException"]').count()
    return elapsed, marks


def _visit(browser, url: str, timeout_s: float = 120, done_js: str = DONE_JS) -> tuple[float, dict]:
    """Open url in a fresh context: seconds from goto until complete, and what the page showed."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        ctx.add_init_script(done_js)
        page = ctx.new_page()
        t0 = time.perf_counter()
        page.goto(url, wait_until="commit")
        return _until_complete(page, t0, timeout_s)
    finally:
        ctx.close()


def _visit_from_home(browser, base: str, p: Page, timeout_s: float = 120) -> tuple[float, dict]:
    """The learner's usual way in: home is open, then a click on the page's sidebar link (no
    frontend boot). Seconds from the click until the page is complete."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        ctx.add_init_script(DONE_JS)
        page = ctx.new_page()
        page.goto(base + HOME.url)
        _until_complete(page, time.perf_counter(), timeout_s)
        page.evaluate(f"() => window.__arm({json.dumps(p.url)})")
        t0 = time.perf_counter()
        page.locator(f'[data-testid=stSidebar] a[href$="{p.url[1:]}"]').click()
        return _until_complete(page, t0, timeout_s)
    finally:
        ctx.close()


def _visit_cached(ctx, url: str, timeout_s: float = 120) -> float:
    """A returning learner opens a link: a new tab of a browser that has run the app before
    (its HTTP cache holds the frontend's files). Seconds from goto until complete."""
    page = ctx.new_page()
    try:
        t0 = time.perf_counter()
        page.goto(url, wait_until="commit")
        page.wait_for_function("() => window.__done === true", polling=40, timeout=timeout_s * 1e3)
        return time.perf_counter() - t0
    finally:
        page.close()


def bench_browser(pages: list[int], repeats: int) -> dict:
    pids: list[int] = []
    with tempfile.TemporaryDirectory(prefix="first_view_cache_") as cache, \
            served(env={"RNNVIZ_CACHE": cache}, pids=pids) as (browser, (base,)):
        _visit(browser, base + HOME.url)  # the baseline's own first visit
        first = {n: _visit(browser, base + PAGES[n].url, 300) for n in pages}
        _wait_warmed(Path(cache))  # the timed visits do not share the cores with the warm-up's training
        rss_one_learner = _rss_when_idle(pids[0])
        runs = {n: ([], [], []) for n in pages}  # page_s, home_s, infos
        clicks = {n: [] for n in pages}
        cached = {n: [] for n in pages}
        returning = browser.new_context(viewport={"width": 1280, "height": 900})
        returning.add_init_script(DONE_JS)
        _visit_cached(returning, base + HOME.url)  # fills its cache
        for _ in range(repeats):
            for n in pages:  # home, page 1, from home to page 1, home, page 2, ...
                h, _ = _visit(browser, base + HOME.url)
                p, info = _visit(browser, base + PAGES[n].url)
                runs[n][0].append(p), runs[n][1].append(h), runs[n][2].append(info)
                c, info = _visit_from_home(browser, base, PAGES[n])
                clicks[n].append(c)
                runs[n][2].append(info)
                cached[n].append(_visit_cached(returning, base + PAGES[n].url))
        returning.close()
    out = _report(first, runs, "first_visit_s")
    out["rss_after_one_learner_mb"] = rss_one_learner
    for n in pages:
        out[f"page{n}"]["from_home_click_s"] = _stats(clicks[n])
        out[f"page{n}"]["click_over_home_view"] = _stats([c / h for c, h in zip(clicks[n], runs[n][1])])
        out[f"page{n}"]["from_home_meets_target"] = statistics.median(clicks[n]) <= CLICK_TARGET_S
        out[f"page{n}"]["returning_browser_s"] = _stats(cached[n])
        out[f"page{n}"]["returning_meets_target"] = statistics.median(cached[n]) <= TARGET_S
    return out


def _wait_warmed(cache: Path, timeout_s: float = 600) -> None:
    """Wait until the server's warm-up has saved every default run under cache/warm (the sine
    page's recipe comparison, the last, trains for about 20 s after the server starts)."""
    sys.path.insert(0, str(ROOT))
    from rnnviz.ui import warm

    deadline = time.time() + timeout_s
    while len(list((cache / "warm").glob("*.pt"))) < len(warm.default_runs()) and time.time() < deadline:
        time.sleep(0.5)


def _rss_when_idle(pid: int, settle_s: float = 2.0) -> float:
    """The server's RSS in MB once its CPU has been idle for a moment (background jobs done)."""
    rss = _load_bench("rss")
    ticks = os.sysconf("SC_CLK_TCK")

    def cpu() -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks

    deadline = time.time() + 300
    while time.time() < deadline:
        before = cpu()
        time.sleep(settle_s)
        if cpu() - before < 0.1 * settle_s:
            break
    return rss.rss_mb(pid)


def _load_bench(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)  # its dataclasses look it up
    spec.loader.exec_module(module)
    return module


def bench_after_start(pages: list[int], repeats: int) -> dict:
    """The first visitor after the server starts: a server started, and the page opened in a fresh
    context the moment the server answers its health check, timed until complete; then, on the same
    server, a home view and the page's warm view for the ratio. Two ways to start: "fresh" (an empty
    cache: the warm-up trains every default run, so the visitor may wait for it, told on the page)
    and "restarted" (the runs the fresh server saved: loaded in milliseconds). Interleaved per page."""
    out: dict = {}
    for n in pages:
        times = {"fresh": [], "restarted": []}
        ratios = {"fresh": [], "restarted": []}
        for _ in range(repeats):
            with tempfile.TemporaryDirectory(prefix="first_view_cache_") as cache:
                for how in ("fresh", "restarted"):
                    with served(env={"RNNVIZ_CACHE": cache}) as (browser, (base,)):
                        t, _ = _visit(browser, base + PAGES[n].url, 300)
                        h, _ = _visit(browser, base + HOME.url)
                        times[how].append(t)
                        ratios[how].append(t / h)
        out[f"page{n}"] = {how: {"first_visitor_s": _stats(times[how]), "ratio_to_home_view": _stats(ratios[how]),
                                 "meets_target": statistics.median(times[how]) <= AFTER_START_TARGET_S}
                           for how in times}
    return out


def _stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, 15)
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, 9)


def bench_against(rev: str, pages: list[int], repeats: int) -> dict:
    """This tree and REV's, interleaved in one run (see (c) above)."""
    tree = Path(tempfile.mkdtemp(prefix="first_view_rev_"))
    subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(tree), rev], cwd=ROOT, check=True)
    try:
        spec = importlib.util.spec_from_file_location("first_view_rev", tree / "bench" / "first_view.py")
        theirs = sys.modules[spec.name] = importlib.util.module_from_spec(spec)  # its dataclasses look it up
        spec.loader.exec_module(theirs)
        trees = {"now": (PAGES, DONE_JS), "rev": (theirs.PAGES, theirs.DONE_JS)}
        ratios = {n: {"now": [], "rev": []} for n in pages}
        with tempfile.TemporaryDirectory(prefix="first_view_cache_") as cache, \
                served(ROOT, tree, env={"RNNVIZ_CACHE": cache}) as (browser, bases):
            base = dict(zip(trees, bases))
            for name, (their_pages, js) in trees.items():  # first visits: imports, training, caches
                _visit(browser, base[name] + HOME.url, done_js=js)
                for n in pages:
                    _visit(browser, base[name] + their_pages[n].url, 300, done_js=js)
            _wait_warmed(Path(cache))  # this tree's warm-up (REV may have none) done before the timed visits
            for r in range(repeats):
                for n in pages:
                    for name in (("now", "rev") if r % 2 == 0 else ("rev", "now")):
                        their_pages, js = trees[name]
                        h, _ = _visit(browser, base[name] + HOME.url, done_js=js)
                        p, _ = _visit(browser, base[name] + their_pages[n].url, done_js=js)
                        ratios[n][name].append(p / h)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
    return {f"page{n}": {"ratio_now": _stats(r["now"]), "ratio_rev": _stats(r["rev"]),
                         "now_over_rev": _stats([a / b for a, b in zip(r["now"], r["rev"])])}
            for n, r in ratios.items()} | {"rev": rev}


# ---------------------------------------------------------------- (b) AppTest


def _switch(AppTest, p: Page) -> tuple[float, dict]:
    """Seconds of `switch_page(p).run()` after a fresh home run; what the page showed."""
    at = AppTest.from_file(str(APP), default_timeout=180).run()
    t0 = time.perf_counter()
    at.switch_page(p.file).run()
    elapsed = time.perf_counter() - t0
    charts = len(at.get("vega_lite_chart"))
    checks = {
        "title": any(p.title in e.value for e in at.title),
        "last_header": any(p.last_header in e.value for e in [*at.header, *at.subheader]),
        "trained": any(re.search(p.trained, e.value) for e in [*at.success, *at.caption]),
        "charts": charts >= p.min_charts,
    }
    return elapsed, {"charts": charts, "exceptions": len(at.exception), "missing": [k for k, ok in checks.items() if not ok],
                     "busy": bool(p.busy) and any(p.busy in e.proto.text for e in at.get("progress"))}


def bench_apptest(pages: list[int], repeats: int) -> dict:
    import logging
    import warnings

    from streamlit.testing.v1 import AppTest

    for name in ("streamlit", "streamlit.runtime.scriptrunner_utils.script_run_context"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message="Automatically deduplicated selection parameter")

    first = {n: _switch(AppTest, PAGES[n]) for n in pages}  # cold: this process's first run of each
    runs = {n: ([], [], []) for n in pages}  # page_s, home_s, infos
    for _ in range(repeats):
        for n in pages:
            t0 = time.perf_counter()
            AppTest.from_file(str(APP), default_timeout=180).run()
            h = time.perf_counter() - t0
            p, info = _switch(AppTest, PAGES[n])
            runs[n][0].append(p), runs[n][1].append(h), runs[n][2].append(info)
    return _report(first, runs, "cold_first_run_in_process_s")


def main(quick: bool = False, pages: tuple[int, ...] = tuple(PAGES), browser: bool = True,
         apptest: bool = True, against: str | None = None, after_start: bool = True,
         redraws: bool = True, emit=None) -> dict:
    """Time every page's first complete view in a browser and through AppTest, the in-app click,
    the first visitor after a server start, the redraws (bench/redraw.py) and the server's RSS
    (or, against a revision, this tree's and that revision's views interleaved). Returns the
    figures, each one of "lines" (printed one JSON line each); emit(line): called with each line as soon
    as it is measured, so a later phase's failure loses nothing."""
    repeats = 3 if quick else 5
    t0 = time.perf_counter()
    head = {"bench": "first_view", "repeats": repeats, "pages": list(pages)}
    lines = []

    def add(line: dict) -> None:
        lines.append({**head, **line})
        if emit is not None:
            emit(lines[-1])

    if against:
        add({"figure": "against", **bench_against(against, list(pages), repeats)})
    if browser and not against:  # first: the server is its own process, so AppTest's cold runs stay this process's first
        views = bench_browser(list(pages), repeats)
        keys = ("from_home_click_s", "click_over_home_view", "from_home_meets_target")
        add({"figure": "first_view", "target_s": TARGET_S, "ratio_target": RATIO_TARGET,
                      **{k: {f: v for f, v in page.items() if f not in keys} for k, page in views.items()
                         if k.startswith("page")}})
        add({"figure": "in_app_click", "target_s": CLICK_TARGET_S,
                      **{k: {f: page[f] for f in keys} for k, page in views.items() if k.startswith("page")}})
        add({"figure": "rss", "after_one_learner_opened_every_page_mb": views["rss_after_one_learner_mb"],
                      "target_mb": 600, "note": "bench/rss.py: 8 private-model sessions, and where memory goes"})
    if after_start and not against:
        add({"figure": "first_visitor_after_server_start", "target_s": AFTER_START_TARGET_S,
                      **bench_after_start(list(pages), 1 if quick else 3)})
    if redraws and not against:
        add({"figure": "redraw", **_load_bench("redraw").main(quick=quick)})
    if apptest and not against:
        add({"figure": "apptest", **bench_apptest(list(pages), repeats)})
    return {**head, "lines": lines, "bench_seconds": round(time.perf_counter() - t0, 1)}


if __name__ == "__main__":
    args = sys.argv[1:]
    chosen = tuple(int(x) for x in args[args.index("--pages") + 1].split(",")) if "--pages" in args else tuple(PAGES)
    against = args[args.index("--against") + 1] if "--against" in args else None
    figures = main(quick="--quick" in args, pages=chosen, browser="--no-browser" not in args,
                   apptest="--no-apptest" not in args, against=against, after_start="--no-after-start" not in args,
                   redraws="--no-redraw" not in args,
                   emit=lambda line: print(json.dumps(line, ensure_ascii=False), flush=True))
