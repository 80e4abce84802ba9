"""Many visitors on one server: 8 sessions at once on 2 cores.

A `streamlit run` server on 127.0.0.1. By default its visitors are real Streamlit sessions
driven over the websocket the way the frontend drives them (ws_visit): no browser shares
the server's 2 cores, as in real life where each visitor renders on their own machine.
A session connects to /_stcore/stream with the subprotocol "streamlit", sends a BackMsg
rerun_script (ClientState: page_name, query_string) and reads ForwardMsgs until
script_finished; it is timed from that request, and notes any exception delta, whether a
live-training block trained (its progress bar), and the "Loss at the last step" captions.
0. warm-up: each page once (imports; the shared default runs, trained once), then the
   gates page until its background default sweep has finished (bounded);
(a) a lone visitor, default settings (the shared read-only default runs), each page
   REPEATS times, the median kept;
(b) 8 sessions, 2 per page, default settings, sent at the same moment: each first view's
   ratio to its page's lone median (target: each <= 3x);
(c) 8 sessions, each with its own seed, so each trains privately, all at once: the ratio to
   a lone visitor's time for the same seeds, beside the arithmetic bound (8 trainings on 2
   cores >= 4x); each session must show the captions a lone run of its seed showed.
(d) the first view a visitor sees: each page in Chromium (a fresh context), alone, then with
   7 websocket sessions of default pages sent at the same moment; the ratio (target <= 3x).
   The timed phases (a)-(c) measure the server alone; (d) adds the browser's own work, which
   runs on the visitor's machine in real life but shares the 2 cores here.
Per phase: the server's VmRSS and VmHWM and its CPU seconds; for (b) and (c) also the cores
it kept busy and this client's CPU (small). Bounded: 8 sessions, PAGE_TIMEOUT_S a view,
BACKGROUND_WAIT_S for the sweep.

--browser: the earlier run with Debian's Chromium through Playwright (browser_main): 8
contexts with private seeds at once (their rendering shares the server's cores), the seeds
shown, and two concurrent uploads that each see only their own text.

--proxy: replicas behind nginx. deploy/serve.sh 1 and serve.sh 2 (nginx before 1 or 2 Streamlit
processes, sticky on a cookie) both run, so the only difference is the process count. After each
start: each page's first visit in Chromium (the first visitor's view), then every process warmed
directly (each page until it no longer says "warming" nor shows the gates page's background
sweep). Then, interleaved (1 process, 2 processes, 1, 2, ...), REPEATS times:
(a) a lone visitor per page in Chromium, then 8 fresh contexts (own cookie jars: nginx places each
    anew), 2 per page, opened one right after another; each view until complete (bench/first_view's
    definition), as a ratio to its page's lone view in the same layout and repeat;
(b) 8 websocket sessions through nginx, each a new visitor (nginx's cookie) with its own seed:
    each seed alone, then the 8 at once; each must show the captions its seed showed alone.
Medians and minimums over the repeats of each repeat's worst and median ratio; the sessions per
process (nginx names $upstream_addr in a response header); the processes' cores busy and RSS.
Then the kill test (also alone: --kill): two browser sessions on a 2-process layout, one on each
process, each with a private run of the unrolling page; SIGKILL to the first one's process. Its
browser must reconnect through nginx to the other process and show the moved note (the container
.st-key-rnnviz_moved) with the link's settings back (time from the kill to each); the other
session must notice nothing: one websocket, never closed, same results, a rerun finds its run.
Screenshots in $TMPDIR/rnnviz_load_test/. Ports 8710-8749.

    python bench/load_test.py [--quick] [--no-browser] [--browser]   # --quick: REPEATS = 1
    python bench/load_test.py --proxy [--quick] [--no-kill]
    python bench/load_test.py --kill
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import urllib.parse
import urllib.request
from pathlib import Path

import first_view
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SESSIONS = 8
CAPTION = "Loss at the last step"
# the gates page's default gap sweep runs in a server thread after the first visit: shown by this bar
BACKGROUND = "Training the default comparison in the background"
BACKGROUND_WAIT_S = 420
# a fresh server warms the default runs in the background; a page says so while it does (the
# words before the first {field} of the English catalogue's live.warming)
WARMING = tomllib.loads((ROOT / "rnnviz" / "locales" / "en.toml").read_text())["live"]["warming"].split("{")[0]
PAGE_TIMEOUT_S = 300  # this shared machine's load can reach 40 on its 2 cores
# per page: URL path, the seed setting, and how many live-training blocks it shows
PAGES = {"RNN_Unrolling": ("hello_seed", 1), "Sine_Forecasting": ("sine_seed", 2),
         "LSTM_Gates": ("gates_seed", 1), "Char_Generation": ("char_seed", 1)}
FINISHED_JS = """(losses) => {
    const app = document.querySelector('[data-testid=stApp]');
    const shown = [...document.querySelectorAll('[data-testid=stCaptionContainer]')]
        .filter(c => c.textContent.startsWith('Loss at the last step')).length;
    return !!app && app.dataset.testScriptState === 'notRunning' && shown >= losses
        && !document.querySelector('[data-testid=stStatusWidget]')
        && !document.querySelector('[data-testid=stSkeleton]');
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> dict[str, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {k: round(int(fields[k].split()[0]) / 1024, 1) for k in ("VmRSS", "VmHWM")}


def cpu_s(pid: int) -> float:
    """The server's CPU seconds so far (user + system, all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(port: int) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("streamlit did not start")


def open_all(browser, urls: list[tuple[str, int]]) -> list[dict]:
    """Open every (url, live blocks) in its own fresh context at once; wait for all to finish.
    Returns per visit: seconds to the finished view, the page, exceptions shown."""
    visits = []
    for url, losses in urls:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        visits.append({"url": url, "losses": losses, "context": context, "page": page,
                       "t0": time.perf_counter(), "seconds": None})
        page.goto(url, wait_until="commit", timeout=PAGE_TIMEOUT_S * 1000)
    deadline = time.monotonic() + PAGE_TIMEOUT_S
    while any(v["seconds"] is None for v in visits) and time.monotonic() < deadline:
        for v in visits:
            if v["seconds"] is None and v["page"].evaluate(FINISHED_JS, v["losses"]):
                v["seconds"] = time.perf_counter() - v["t0"]
        time.sleep(0.05)
    for v in visits:
        v["exceptions"] = v["page"].locator("[data-testid=stException]").count()
    return visits


def close(visits: list[dict]) -> None:
    for v in visits:
        v["context"].close()


def link(base: str, path: str, seed: int) -> tuple[str, int]:
    key, losses = PAGES[path]
    return f"{base}/{path}?{key}={seed}", losses


def own_seed_shown(v: dict, key: str, seed: int) -> bool:
    page = v["page"]
    value = page.locator(f".st-key-{key} input").first.input_value()
    shared = page.locator("[data-testid=stSidebar] [data-testid=stCode]").first.inner_text()
    return value == str(seed) and f"{key}={seed}" in shared


def uploads_stay_apart(browser, base: str) -> bool:
    """Two sessions upload two different texts to the character page at once; each sees its own."""
    texts = {"alpha.txt": "abc abd abe\n" * 400, "omega.txt": "xyzzy plugh quux wibble\n" * 300}
    visits = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in texts.items():
            (Path(tmp) / name).write_text(text)
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.goto(f"{base}/Char_Generation?char_corpus=Upload+a+.txt+or+d2l-style+.zip&char_epochs=1",
                      timeout=PAGE_TIMEOUT_S * 1000)
            visits.append((name, text, context, page))
        for name, _, _, page in visits:
            page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(Path(tmp) / name))
        ok = True
        for name, text, context, page in visits:
            want = f"{name}: {len(text):,} characters, {len(set(text)):,} distinct"
            page.get_by_text(want).first.wait_for(timeout=PAGE_TIMEOUT_S * 1000)
            page.wait_for_function(FINISHED_JS, arg=1, timeout=PAGE_TIMEOUT_S * 1000)
            others = [n for n in texts if n != name]
            ok &= all(page.get_by_text(f"{n}:").count() == 0 for n in others)
            context.close()
    return ok


def browser_main(quick: bool = False) -> dict:
    from playwright.sync_api import sync_playwright

    repeats = 1 if quick else 3
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(port)
    out: dict = {"bench": "load_test", "sessions": SESSIONS, "cores": os.cpu_count(),
                 "torch_threads_per_session": int(os.environ.get("RNNVIZ_THREADS", "1"))}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            out["rss_mb_start"] = rss_mb(server.pid)
            close(open_all(browser, [(f"{base}/{p}", n) for p, (_, n) in PAGES.items()]))  # warm-up
            out["rss_mb_after_warmup"] = rss_mb(server.pid)
            seed = 1000
            single: dict[str, list[float]] = {p: [] for p in PAGES}
            for _ in range(repeats):
                for path in PAGES:
                    seed += 1
                    visits = open_all(browser, [link(base, path, seed)])
                    single[path].append(visits[0]["seconds"] or float("inf"))
                    close(visits)
            out["single_s"] = {p: round(statistics.median(v), 2) for p, v in single.items()}
            plan = [(path, 2000 + k) for k, path in enumerate(list(PAGES) * (SESSIONS // len(PAGES)))]
            visits = open_all(browser, [link(base, path, s) for path, s in plan])
            out["rss_mb_after_8"] = rss_mb(server.pid)
            rows = []
            for (path, s), v in zip(plan, visits):
                secs = v["seconds"]
                rows.append({"page": path, "seed": s, "seconds": round(secs, 2) if secs else None,
                             "ratio": round(secs / statistics.median(single[path]), 2) if secs else None,
                             "exceptions": v["exceptions"],
                             "own_seed": secs is not None and own_seed_shown(v, PAGES[path][0], s)})
            close(visits)
            out["concurrent"] = rows
            ratios = [r["ratio"] for r in rows if r["ratio"] is not None]
            out["finished"] = f"{len(ratios)}/{len(rows)}"
            out["ratio_max"] = max(ratios) if ratios else None
            out["ratio_median"] = round(statistics.median(ratios), 2) if ratios else None
            out["exceptions"] = sum(r["exceptions"] for r in rows)
            out["isolation_seeds_ok"] = all(r["own_seed"] for r in rows)
            out["isolation_uploads_ok"] = uploads_stay_apart(browser, base)
            out["rss_mb_end"] = rss_mb(server.pid)
            out["target_ratio_le_3"] = bool(ratios) and len(ratios) == len(rows) and max(ratios) <= 3
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    return out


def ws_visit(port: int, page: str, query: str = "", start=None, timeout: float = PAGE_TIMEOUT_S,
             cookie: str = "") -> dict:
    """One real Streamlit session over the websocket, the way the 1.67 frontend opens a page.

    Connects to /_stcore/stream (subprotocol "streamlit"; no XSRF token or session id: they
    only carry auth cookies and reconnection), waits at `start` (a Barrier, so many
    sessions send together), sends a BackMsg rerun_script (ClientState with the page's
    name and the link's query string) and reads ForwardMsgs until script_finished
    (past any FINISHED_EARLY_FOR_RERUN). Returns the seconds from the request to the
    finish, exceptions among the deltas, whether a live-training progress bar appeared
    (it trained) or the background sweep's, the bytes received, and the final "Loss at the last step" captions by their place on the page."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    out = {"page": page, "query": query, "seconds": None, "first_delta_s": None, "exceptions": 0, "trained": False, "background": False,
           "warming": False, "captions": [], "bytes": 0}
    shown: dict[tuple[int, ...], str] = {}
    with connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"], max_size=None, open_timeout=30,
                 close_timeout=5, additional_headers={"Cookie": cookie} if cookie else None) as ws:
        out["headers"] = dict(ws.response.headers.raw_items())  # the upgrade's: nginx may name the process
        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_name = page
        if start is not None:
            start.wait(timeout=60)
        t0 = time.perf_counter()
        ws.send(msg.SerializeToString())
        deadline = t0 + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                break
            try:
                data = ws.recv(timeout=left)
            except TimeoutError:
                break
            out["bytes"] += len(data)
            fm = ForwardMsg()
            fm.ParseFromString(data)
            kind = fm.WhichOneof("type")
            if kind == "page_not_found":
                out["page_not_found"] = True
            elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                if out["first_delta_s"] is None:  # the page starts to show
                    out["first_delta_s"] = time.perf_counter() - t0
                el, where = fm.delta.new_element, tuple(fm.metadata.delta_path)
                what = el.WhichOneof("type")
                out["exceptions"] += what == "exception"
                if what == "progress":  # a live-training block trains, or the background sweep runs
                    out["background" if el.progress.text.startswith(BACKGROUND) else "trained"] = True
                out["warming"] |= _text(el).startswith(WARMING)
                if what == "markdown" and el.markdown.body.startswith(CAPTION):
                    shown[where] = el.markdown.body
                else:
                    shown.pop(where, None)
            elif kind == "script_finished" and fm.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                out["seconds"] = time.perf_counter() - t0
                out["status"] = ForwardMsg.ScriptFinishedStatus.Name(fm.script_finished)
                break
    out["captions"] = [shown[k] for k in sorted(shown)]
    return out


def _text(el) -> str:
    """The words of a new element that shows text (markdown, alert, caption, progress), else ""."""
    what = el.WhichOneof("type")
    field = {"markdown": "body", "alert": "body", "text": "body", "progress": "text"}.get(what)
    return getattr(getattr(el, what), field) if field else ""


def ws_together(port: int, server_pids: list[int], visits: list[tuple[str, str]],
                cookies: list[str] | None = None) -> tuple[list[dict], dict]:
    """Open every (page, query) in its own session (with its cookies, if given), all sent at the
    same moment; wait for all. Also returns the load: wall seconds, the servers' CPU seconds and
    cores kept busy, and this client's own CPU seconds (small: no browser renders here)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    start = threading.Barrier(len(visits))
    cookies = cookies or [""] * len(visits)
    cpu0, mine0, t0 = [cpu_s(p) for p in server_pids], time.process_time(), time.perf_counter()
    with ThreadPoolExecutor(len(visits)) as pool:
        futures = [pool.submit(ws_visit, port, page, query, start, cookie=cookie)
                   for (page, query), cookie in zip(visits, cookies)]
        done = [f.result() for f in futures]
    wall, cpus = time.perf_counter() - t0, [cpu_s(p) - c for p, c in zip(server_pids, cpu0)]
    return done, {"wall_s": round(wall, 2), "server_cpu_s": round(sum(cpus), 2),
                  "server_cores_busy": round(sum(cpus) / wall, 2),
                  "cores_busy_per_process": [round(c / wall, 2) for c in cpus],
                  "client_cpu_s": round(time.process_time() - mine0, 2)}


def _secs(v: dict) -> float:
    return v["seconds"] if v["seconds"] is not None else float("inf")


def _ratios(rows: list[dict], single: dict[str, float]) -> dict:
    for r in rows:
        r["seconds"] = round(r["seconds"], 2) if r["seconds"] is not None else None
        r["ratio"] = round(r["seconds"] / single[r["page"]], 2) if r["seconds"] is not None else None
    ratios = [r["ratio"] for r in rows if r["ratio"] is not None]
    return {"finished": f"{len(ratios)}/{len(rows)}", "ratio_max": max(ratios) if ratios else None,
            "ratio_median": round(statistics.median(ratios), 2) if ratios else None,
            "exceptions": sum(r["exceptions"] for r in rows),
            "ratio_le_3": len(ratios) == len(rows) and max(ratios) <= 3}


def browser_among(port: int, repeats: int) -> dict:
    """Per page: one visitor in Chromium (a fresh context: nothing cached), alone, then with 7
    websocket sessions of default pages sent at the same moment as its request; interleaved
    (alone, among 8, alone, among 8...). Its renderer shares this machine's 2 cores with the
    server, which a real visitor's would not: the ratio is a pessimistic one."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from playwright.sync_api import sync_playwright

    base = f"http://127.0.0.1:{port}"
    alone: dict[str, list[float]] = {p: [] for p in PAGES}
    among: dict[str, list[float]] = {p: [] for p in PAGES}
    exceptions = 0
    others = list(PAGES) * 2
    with sync_playwright() as pw, ThreadPoolExecutor(SESSIONS - 1) as pool:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        close(open_all(browser, [(f"{base}/{p}", n) for p, (_, n) in PAGES.items()]))  # the browser's own warm-up
        for _ in range(repeats):
            for path, (_, losses) in PAGES.items():
                visits = open_all(browser, [(f"{base}/{path}", losses)])
                alone[path].append(_secs(visits[0]))
                exceptions += visits[0]["exceptions"]
                close(visits)
                start = threading.Barrier(SESSIONS)
                rest = [pool.submit(ws_visit, port, p, "", start) for p in others[:SESSIONS - 1]]
                start.wait(timeout=60)
                visits = open_all(browser, [(f"{base}/{path}", losses)])
                among[path].append(_secs(visits[0]))
                exceptions += visits[0]["exceptions"] + sum(f.result()["exceptions"] for f in rest)
                close(visits)
        browser.close()
    rows = {}
    for p in PAGES:
        one, eight = statistics.median(alone[p]), statistics.median(among[p])  # inf: a view that never finished
        rows[p] = {"alone_s": round(one, 2), "among_8_s": round(eight, 2),
                   "ratio": round(eight / one, 2) if max(one, eight) < float("inf") else None,
                   "ratio_min": round(min(b / a for a, b in zip(alone[p], among[p])), 2)
                   if max(one, eight) < float("inf") else None}
    ratios = [r["ratio"] for r in rows.values() if r["ratio"] is not None]
    return {"pages": rows, "finished": f"{len(ratios)}/{len(rows)}", "ratio_max": max(ratios, default=None),
            "ratio_median": round(statistics.median(ratios), 2) if ratios else None,
            "ratio_le_3": len(ratios) == len(rows) and max(ratios) <= 3, "exceptions": exceptions}


def main(quick: bool = False, browser_too: bool = True) -> dict:
    """The websocket load test (the default); see the module's docstring. One dict, JSON-ready."""
    repeats = 1 if quick else 3
    port = free_port()
    server = start_server(port)
    out: dict = {"bench": "load_test", "mode": "websocket", "sessions": SESSIONS, "cores": os.cpu_count(),
                 "torch_threads_per_session": int(os.environ.get("RNNVIZ_THREADS", "1")), "repeats": repeats}
    t_start = time.perf_counter()

    def phase_end(name: str, cpu0: float) -> float:
        out[f"rss_mb_after_{name}"] = rss_mb(server.pid)
        out[f"server_cpu_s_{name}"] = round(cpu_s(server.pid) - cpu0, 2)
        return cpu_s(server.pid)

    try:
        out["rss_mb_start"] = rss_mb(server.pid)
        cpu0 = cpu_s(server.pid)
        # warm-up: imports and the shared default runs, trained once; then wait (bounded) for the
        # gates page's background sweep to end, so it does not run under the timed phases
        warm = [ws_visit(port, p) for p in PAGES]
        out["warmup_s"] = {v["page"]: round(_secs(v), 2) for v in warm}
        exceptions = sum(v["exceptions"] for v in warm)
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < BACKGROUND_WAIT_S:
            v = ws_visit(port, "LSTM_Gates")
            exceptions += v["exceptions"]
            if not v["background"]:
                break
            time.sleep(2)
        out["warmup_background_sweep"] = {"waited_s": round(time.perf_counter() - t0, 1), "done": not v["background"]}
        cpu0 = phase_end("warmup", cpu0)

        # (a) a lone visitor, default settings, warm server: the shared default runs
        default_single: dict[str, list[float]] = {p: [] for p in PAGES}
        retrained = 0
        for _ in range(repeats):
            for p in PAGES:
                v = ws_visit(port, p)
                default_single[p].append(_secs(v))
                retrained += v["trained"]
                exceptions += v["exceptions"]
                out.setdefault("a_view_kb", {})[p] = round(v["bytes"] / 1024)
        single_default = {p: round(statistics.median(x), 2) for p, x in default_single.items()}
        out["a_single_default_s"] = single_default
        out["a_default_retrained"] = retrained  # 0: the default runs were shared, not retrained
        cpu0 = phase_end("a", cpu0)
        out["a_server_cpu_s_per_view"] = round(out["server_cpu_s_a"] / (repeats * len(PAGES)), 2)

        # (b) 8 sessions, 2 per page, default settings, opened at once
        plan = list(PAGES) * (SESSIONS // len(PAGES))
        done, load = ws_together(port, [server.pid], [(p, "") for p in plan])
        rows = [{k: v[k] for k in ("page", "seconds", "exceptions", "trained")} for v in done]
        first = [v["first_delta_s"] for v in done]
        cpu_view = out["a_server_cpu_s_per_view"]
        out["b_default_8"] = {**_ratios(rows, single_default), "retrained": sum(r["trained"] for r in rows), **load,
                              # a lone view keeps the server busy cpu_view seconds of its wall time: 8 of
                              # them on all the cores take at least this many lone views' time
                              "bound_8_on_cores": round(SESSIONS * cpu_view / (os.cpu_count() or 1)
                                                        / statistics.median(single_default.values()), 2),
                              # the 8 lone views one after another: where a server that runs the
                              # scripts' Python one at a time (one process, one GIL) ends
                              "serial_sum_s": round(sum(single_default[p] for p in plan), 2),
                              # when each page began to show (its first element), not the target's figure
                              "first_delta_s_max": round(max(first), 2) if None not in first else None,
                              "rows": [[r["page"], r["seconds"], r["ratio"]] for r in rows]}
        exceptions += out["b_default_8"]["exceptions"]
        cpu0 = phase_end("b", cpu0)

        # (c) 8 sessions each with its own seed: each trains privately, all at once. The lone run
        # of each seed first (the single-visitor time and the caption it must show); private
        # runs live in the session's own state, so the concurrent session trains it afresh.
        seeds = [(p, 2000 + k) for k, p in enumerate(plan)]
        query = {(p, s): f"{PAGES[p][0]}={s}" for p, s in seeds}
        lone: dict[tuple[str, int], dict] = {}
        private_single: dict[str, list[float]] = {p: [] for p in PAGES}
        for _ in range(repeats):
            for p, s in seeds:
                v = ws_visit(port, p, query[p, s])
                private_single[p].append(_secs(v))
                exceptions += v["exceptions"]
                lone.setdefault((p, s), v)
        single_private = {p: round(statistics.median(x), 2) for p, x in private_single.items()}
        out["c_single_private_s"] = single_private
        cpu0 = phase_end("c_single", cpu0)
        out["c_server_cpu_s_per_lone_view"] = round(out["server_cpu_s_c_single"] / (repeats * len(seeds)), 2)
        together, load = ws_together(port, [server.pid], [(p, query[p, s]) for p, s in seeds])
        rows = []
        for (p, s), v in zip(seeds, together):
            ref = lone[p, s]["captions"]
            rows.append({"page": p, "seed": s, "seconds": v["seconds"], "exceptions": v["exceptions"],
                         "trained": v["trained"], "own_result": bool(ref) and v["captions"] == ref,
                         "captions": v["captions"]})
        seen = [tuple(r["captions"]) for r in rows]
        out["c_private_8"] = {**_ratios(rows, single_private),
                              "trained": f"{sum(r['trained'] for r in rows)}/{len(rows)}", **load,
                              # 8 trainings on the cores there are: no server does better than this
                              "bound_8_on_cores": round(SESSIONS / (os.cpu_count() or 1), 2),
                              "serial_sum_s": round(sum(single_private[p] for p in plan), 2),
                              "own_result_all": all(r["own_result"] for r in rows),
                              "results_distinct": len(set(seen)) == len(seen),
                              "rows": [[r["page"], r["seed"], r["seconds"], r["ratio"], r["own_result"]]
                                       for r in rows]}
        exceptions += out["c_private_8"]["exceptions"]
        cpu0 = phase_end("c", cpu0)

        # (d) what a visitor sees: their first complete view in a real browser (fresh context),
        # alone, and while 7 other sessions open default pages at the same moment; interleaved
        if browser_too:
            out["d_browser_among_8"] = browser_among(port, repeats)
            exceptions += out["d_browser_among_8"]["exceptions"]
            phase_end("d", cpu0)
        out["exceptions"] = exceptions
        out["target_default_ratio_le_3"] = out["b_default_8"]["ratio_le_3"]
    finally:
        server.terminate()
        server.wait(timeout=20)
    out["total_s"] = round(time.perf_counter() - t_start, 1)
    return out


# ---------------------------------------------------------------- --proxy: replicas behind nginx

SERVE = ROOT / "deploy" / "serve.sh"
AUTO = {"RNNVIZ_AUTO_SECONDS": "600"}  # every private seed trains at once, as bench/rss.py's: on a slower machine the
#                                       char page's run is estimated above 5 s and would wait for its Train button
PROXY_PORT = {1: 8710, 2: 8720}  # nginx's port per layout; serve.sh puts its processes above it
KILL_PORT = 8740
START_S = 180  # serve.sh's N processes up and nginx serving
PROCESS_LINE = re.compile(r"process (\d+) pid (\d+) port (\d+)")
UPSTREAM = re.compile(r"(?:127\.0\.0\.1|localhost|\[::1\]):(\d+)")
SHOTS = Path(tempfile.gettempdir()) / "rnnviz_load_test"
MOVED_WAIT_S = 30  # the kill test's wait for the moved note before the learner acts
# set on a page (besides first_view's DONE_JS): when it became complete, by the wall clock Python reads too
TIMED_JS = """(() => { const t = setInterval(() => { if (window.__done) { window.__doneAt = Date.now(); clearInterval(t); } }, 20); })();"""
# the script ran to its end and the run's loss caption shows
TRAINED_JS = """() => document.querySelector('[data-testid=stApp]')?.dataset.testScriptState === 'notRunning'
    && [...document.querySelectorAll('[data-testid=stCaptionContainer]')].some(c => c.textContent.startsWith('Loss at the last step'))"""
# the kill test's watch on a page: its websockets (opened, closed), its script runs, when the moved note showed
KILL_JS = """(() => {
  window.__sockets = []; window.__runs = 0;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args); const s = {opened: Date.now(), closed: null}; window.__sockets.push(s);
      this.addEventListener("close", () => { s.closed = Date.now(); });
    }
  };
  let state = null;
  setInterval(() => {
    const app = document.querySelector("[data-testid=stApp]");
    const now = app && app.dataset.testScriptState;
    if (now !== state && now === "running") window.__runs++;
    state = now;
    if (!window.__movedAt && document.querySelector(".st-key-rnnviz_moved")) window.__movedAt = Date.now();
  }, 20);
})();"""


def parse_process(line: str) -> tuple[int, int, int] | None:
    """serve.sh's "process <i> pid <pid> port <port>" as (i, pid, port); None for any other line."""
    m = PROCESS_LINE.search(line)
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


def upstream_port(headers: dict[str, str], ports) -> int | None:
    """The process that served a response, from the header where nginx names $upstream_addr:
    "127.0.0.1:8721", or "127.0.0.1:8721, 127.0.0.1:8722" when the first one refused (the last served)."""
    for value in headers.values():
        found = [int(p) for p in UPSTREAM.findall(value) if int(p) in ports]
        if found:
            return found[-1]
    return None


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Layout:
    """`deploy/serve.sh N PORT` in the foreground (its own process group): nginx on 127.0.0.1:PORT
    before N Streamlit processes. Ready once serve.sh said "ready" and named its N processes."""

    def __init__(self, n: int, port: int):
        self.n, self.port, self.base = n, port, f"http://127.0.0.1:{port}"
        self.pids: dict[int, int] = {}  # process port -> pid, as serve.sh printed them
        self.index: dict[int, int] = {}  # process port -> serve.sh's number for it
        self.lines: list[str] = []
        self._ready = threading.Event()
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(["bash", str(SERVE), str(n), str(port)], cwd=ROOT, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, start_new_session=True,
                                     env={**os.environ, **AUTO})
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + START_S
        while not (self._ready.is_set() and len(self.pids) == n) and self.proc.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        self.ready_s = round(time.perf_counter() - t0, 2)
        if not (self._ready.is_set() and len(self.pids) == n):
            self.stop()
            raise RuntimeError(f"serve.sh {n} {port} not ready after {self.ready_s} s: {self.lines[-20:]}")

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())
            if found := parse_process(line):
                i, pid, port = found
                self.pids[port], self.index[port] = pid, i
            if "ready" in line:
                self._ready.set()

    def ports(self) -> set[int]:
        return set(self.pids)

    def stop(self) -> dict:
        """SIGTERM to serve.sh, as a host's Ctrl-C; then what it left behind (nothing, if it works)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
            exited = True
        except subprocess.TimeoutExpired:
            exited = False
        left = [pid for pid in self.pids.values() if _alive(pid)]
        with socket.socket() as s:
            served = s.connect_ex(("127.0.0.1", self.port)) == 0
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # whatever else serve.sh's group still runs
        except ProcessLookupError:
            pass
        if not exited:
            self.proc.wait(timeout=10)
        return {"exited_on_sigterm": exited, "processes_left": len(left), "port_still_served": served}


def _context(browser, *scripts: str):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    for js in (first_view.DONE_JS, TIMED_JS, *scripts):
        ctx.add_init_script(js)
    return ctx


def _where(ctx, layout: Layout) -> int | None:
    """The process this browser context's requests reach now (its cookie, nginx's hash)."""
    r = ctx.request.get(layout.base + "/_stcore/health", timeout=30_000)
    return upstream_port(r.headers, layout.ports())


def browser_views(browser, layout: Layout, urls: list[str]) -> list[dict]:
    """Open every url in a fresh context (its own cookie jar: nginx places each anew), one right
    after another; per view: seconds from its goto until complete (bench/first_view's definition),
    exceptions, and the process that served its page and the process its session is on."""
    views = [{"url": url, "ctx": _context(browser)} for url in urls]
    for v in views:
        v["page"] = v["ctx"].new_page()
        v["t0"] = time.time()
        v["response"] = v["page"].goto(layout.base + v["url"], wait_until="commit", timeout=PAGE_TIMEOUT_S * 1000)
    out = []
    for v in views:
        row = {"url": v["url"], "seconds": None}
        try:
            v["page"].wait_for_function("() => window.__doneAt", polling=100, timeout=PAGE_TIMEOUT_S * 1000)
            row["seconds"] = round(v["page"].evaluate("() => window.__doneAt") / 1000 - v["t0"], 2)
            row["missing"] = v["page"].evaluate("() => window.__marks.missing")
        except PlaywrightTimeout:
            pass
        row["exceptions"] = v["page"].locator("[data-testid=stException]").count()
        row["page_from"] = upstream_port(v["response"].all_headers(), layout.ports()) if v["response"] else None
        row["session_on"] = _where(v["ctx"], layout)
        out.append(row)
    for v in views:
        v["ctx"].close()
    return out


def new_visitor(layout: Layout) -> tuple[str, int | None]:
    """A new visitor's cookies (nginx's answers to the page's GET, as a browser's first request)
    and the process its later requests, its websocket's too, reach."""
    import requests

    with requests.Session() as s:
        s.get(layout.base + "/", timeout=30)
        r = s.get(layout.base + "/_stcore/health", timeout=30)
        return "; ".join(f"{c.name}={c.value}" for c in s.cookies), upstream_port(r.headers, layout.ports())


def _spread(ports: list[int | None], index: dict[int, int]) -> dict[str, int]:
    """Sessions per process, named as serve.sh numbered them (index: port -> i); "unknown" for a
    session nginx named no process for."""
    name = {port: f"process {i}" for port, i in sorted(index.items(), key=lambda item: item[1])}
    counts = dict.fromkeys(name.values(), 0)
    for p in ports:
        counts[name.get(p, "unknown")] = counts.get(name.get(p, "unknown"), 0) + 1
    return counts


def warm_processes(layout: Layout) -> dict:
    """Each process directly (past nginx): every page, again until none says it is warming or
    shows the gates page's background sweep (bounded), so the timed phases find them warm."""
    t0, visits, still = time.perf_counter(), 0, []
    for port in sorted(layout.ports()):
        for page in PAGES:
            while True:
                v = ws_visit(port, page)
                visits += 1
                busy = v["warming"] or v["background"]
                if not busy or time.perf_counter() - t0 > BACKGROUND_WAIT_S:
                    still += [f"{port}{page}"] if busy else []
                    break
                time.sleep(2)
    return {"waited_s": round(time.perf_counter() - t0, 1), "visits": visits, "still_busy": still}


def default_views(browser, layout: Layout) -> dict:
    """A lone visitor per page, then 8 sessions (2 per page) opened at once, all in Chromium:
    each session's ratio to its page's lone view, and the processes the 8 landed on."""
    urls = [p.url for p in first_view.PAGES.values()]
    lone = {row["url"]: row for row in (browser_views(browser, layout, [u])[0] for u in urls)}
    cpu0 = {pid: cpu_s(pid) for pid in layout.pids.values()}
    t0 = time.perf_counter()
    rows = browser_views(browser, layout, urls * 2)
    wall = time.perf_counter() - t0
    for r in rows:
        alone = lone[r["url"]]["seconds"]
        r["ratio"] = round(r["seconds"] / alone, 2) if r["seconds"] and alone else None
    ratios = [r["ratio"] for r in rows]
    done = None not in ratios
    return {"lone_s": {u: lone[u]["seconds"] for u in urls},
            "together_s": [r["seconds"] for r in rows],
            "ratio_max": max(ratios) if done else None, "ratio_median": statistics.median(ratios) if done else None,
            "spread": _spread([r["session_on"] for r in rows], layout.index),
            "page_and_session_same_process": sum(r["page_from"] == r["session_on"] for r in rows),
            "exceptions": sum(r["exceptions"] for r in [*rows, *lone.values()]),
            "incomplete": sum(bool(r.get("missing")) or r["seconds"] is None for r in rows),
            "cores_busy": round(sum(cpu_s(pid) - c for pid, c in cpu0.items()) / wall, 2)}


def private_trainings(layout: Layout) -> dict:
    """8 websocket sessions through nginx, each a new visitor (its own cookie) with its own seed:
    each seed alone first (its time, the captions it must show), then the 8 at once."""
    plan = [(p, 2000 + k) for k, p in enumerate(list(PAGES) * (SESSIONS // len(PAGES)))]
    visits = [(p, f"{PAGES[p][0]}={s}") for p, s in plan]
    lone = []
    for page, query in visits:
        cookie, _ = new_visitor(layout)
        lone.append(ws_visit(layout.port, page, query, cookie=cookie))
    placed = [new_visitor(layout) for _ in visits]
    together, load = ws_together(layout.port, list(layout.pids.values()), visits, [c for c, _ in placed])
    ratios = [round(v["seconds"] / a["seconds"], 2) if v["seconds"] and a["seconds"] else None
              for v, a in zip(together, lone)]
    seen = [tuple(v["captions"]) for v in together]
    done = None not in ratios
    return {"lone_s": [round(_secs(a), 2) for a in lone], "together_s": [round(_secs(v), 2) for v in together],
            "ratio_max": max(ratios) if done else None, "ratio_median": statistics.median(ratios) if done else None,
            "trained": sum(v["trained"] for v in together),
            "own_result": sum(bool(a["captions"]) and v["captions"] == a["captions"] for v, a in zip(together, lone)),
            "results_distinct": len(set(seen)) == len(seen),
            "captions": {f"{p}={s}": a["captions"] for (p, s), a in zip(plan, lone)},
            "spread": _spread([p for _, p in placed], layout.index),
            "upgrade_named_process": sum(upstream_port(v["headers"], layout.ports()) is not None for v in together),
            "exceptions": sum(v["exceptions"] for v in [*lone, *together]), **load}


def _summary(runs: list[dict], key: str) -> dict:
    xs = [r[key] for r in runs]
    return {"median": statistics.median(xs), "min": min(xs), "all": xs} if None not in xs else {"all": xs}


def _one_per_process(browser, layout: Layout) -> dict[int, object]:
    """New browser contexts (new visitors) until one sits on each process: {port: context}."""
    contexts: dict[int, object] = {}
    for _ in range(30):
        ctx = _context(browser, KILL_JS)
        ctx.request.get(layout.base + "/", timeout=30_000)  # nginx's cookie
        port = _where(ctx, layout)
        if port is None or port in contexts:
            ctx.close()
            if port is None:
                raise RuntimeError("nginx names no process in its responses")
            continue
        contexts[port] = ctx
        if len(contexts) == len(layout.pids):
            break
    return contexts


def _rerun(page, timeout_s: float = 60) -> bool:
    """The learner's smallest action: Streamlit's "r" key (rerun); True once a run started and ended."""
    runs = page.evaluate("() => window.__runs")
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("r")
    try:
        page.wait_for_function(f"() => window.__runs > {runs} && document.querySelector('[data-testid=stApp]')"
                               ".dataset.testScriptState === 'notRunning'", polling=100, timeout=timeout_s * 1000)
        return True
    except PlaywrightTimeout:
        return False


def _moved_note(page, t0: float, timeout_s: float) -> float | None:
    """Seconds from t0 (wall clock) until the moved note showed, None if not within timeout_s."""
    try:
        page.wait_for_function("() => window.__movedAt", polling=100, timeout=timeout_s * 1000)
    except PlaywrightTimeout:
        return None
    return round(page.evaluate("() => window.__movedAt") / 1000 - t0, 2)


def kill_test(browser, layout: Layout) -> dict:
    """Two browser sessions, one on each process of a 2-process layout, each with a private run of
    the unrolling page (settings from the link); the first one's process is killed (SIGKILL). Its
    browser must reconnect through nginx to the other process and show the moved note
    (.st-key-rnnviz_moved) with the link's settings back; the other session must notice nothing.
    Streamlit's frontend reruns the script on a reconnect only if a run was cut short, so if no note
    shows within MOVED_WAIT_S, the learner's next action (a rerun) is timed too."""
    links = {"moved": ("/RNN_Unrolling", {"hello_seed": "7", "hello_epochs": "40"}),
             "stays": ("/RNN_Unrolling", {"hello_seed": "8", "hello_epochs": "40"})}
    (gone, ctx_moved), (kept, ctx_stays) = sorted(_one_per_process(browser, layout).items())
    pages = {"moved": ctx_moved.new_page(), "stays": ctx_stays.new_page()}
    for name, page in pages.items():
        path, settings = links[name]
        page.goto(f"{layout.base}{path}?{urllib.parse.urlencode(settings)}", timeout=PAGE_TIMEOUT_S * 1000)
    SHOTS.mkdir(exist_ok=True)
    for name, page in pages.items():  # trained and shown (not first_view's "complete": these runs need not solve)
        try:
            page.wait_for_function(TRAINED_JS, polling=100, timeout=PAGE_TIMEOUT_S * 1000)
        except PlaywrightTimeout:
            page.screenshot(path=SHOTS / f"kill_timeout_{name}.png")
            raise

    def seen(name: str, shot: str = "") -> dict:
        page = pages[name]
        if shot:
            page.screenshot(path=SHOTS / f"kill_{shot}_{name}.png")
            page.locator(".st-key-hello_seed").scroll_into_view_if_needed()
            page.screenshot(path=SHOTS / f"kill_{shot}_{name}_run.png")
            page.evaluate("() => window.scrollTo(0, 0)")
        note = page.locator(".st-key-rnnviz_moved")
        return {"captions": page.locator("[data-testid=stCaptionContainer]").filter(has_text=CAPTION).all_inner_texts(),
                "settings": {k: page.locator(f".st-key-{k} input").first.input_value() for k in links[name][1]},
                "exceptions": page.locator("[data-testid=stException]").count(),
                "moved_note": note.first.inner_text() if note.count() else None,
                "sockets": page.evaluate("() => window.__sockets"), "runs": page.evaluate("() => window.__runs")}

    before = {name: seen(name, "before") for name in pages}
    out: dict = {"links": links, "before": {n: {k: v for k, v in b.items() if k != "sockets"} for n, b in before.items()}}
    t_kill = time.time()
    os.kill(layout.pids[gone], signal.SIGKILL)
    page = pages["moved"]
    moved = {"note_s": _moved_note(page, t_kill, MOVED_WAIT_S)}
    if moved["note_s"] is None:  # no rerun on reconnect: the learner's next action
        t_act = time.time()
        moved["after_action"] = {"reran": _rerun(page), "note_s": _moved_note(page, t_act, 30)}
    after = seen("moved", "after")
    opened = [s["opened"] for s in after["sockets"] if s["opened"] > t_kill * 1000]
    moved.update({"reconnected_s": round(opened[0] / 1000 - t_kill, 2) if opened else None,
                  "now_on_other_process": _where(ctx_moved, layout) == kept,
                  "settings_back": after["settings"] == links["moved"][1],
                  "same_result_as_before": after["captions"] == before["moved"]["captions"],
                  **{k: v for k, v in after.items() if k != "sockets"}, "sockets": len(after["sockets"])})
    out["moved"] = moved
    # the session on the surviving process: nothing happened; a rerun finds its run
    untouched = seen("stays")
    stays = {"sockets": len(untouched["sockets"]), "socket_closed": any(s["closed"] for s in untouched["sockets"]),
             "runs_since_kill": untouched["runs"] - before["stays"]["runs"],
             "same_result_after_kill": untouched["captions"] == before["stays"]["captions"],
             "reran": _rerun(pages["stays"])}
    rerun = seen("stays", "after")
    out["stays"] = {**stays, "same_result_after_rerun": rerun["captions"] == before["stays"]["captions"],
                    "exceptions": rerun["exceptions"], "moved_note": rerun["moved_note"],
                    "still_on_its_process": _where(ctx_stays, layout) == kept}
    out["screenshots"] = str(SHOTS)
    for ctx in (ctx_moved, ctx_stays):
        ctx.close()
    return out


def _progress(name: str, result) -> None:
    """Each phase's result as it ends, on stderr (the whole run takes long on a busy machine)."""
    print(json.dumps({"phase": name, "result": result}), file=sys.stderr, flush=True)


def proxy_main(quick: bool = False, kill: bool = True) -> dict:
    """1 process vs 2 behind nginx (deploy/serve.sh), interleaved; then the kill test on the
    2-process layout. See the docstring's --proxy."""
    from playwright.sync_api import sync_playwright

    repeats = 1 if quick else 3
    out: dict = {"bench": "load_test", "mode": "proxy", "sessions": SESSIONS, "cores": os.cpu_count(),
                 "repeats": repeats}
    t_start = time.perf_counter()
    layouts: dict[int, Layout] = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for n, port in PROXY_PORT.items():  # both stay up; the idle one costs no CPU
                layouts[n] = Layout(n, port)
                out[f"p{n}_ready_s"] = layouts[n].ready_s
                # the first visitor of each page after the start (the warm may still run), one at a time
                first = [browser_views(browser, layouts[n], [p.url])[0] for p in first_view.PAGES.values()]
                out[f"p{n}_first_visit_s"] = {r["url"]: r["seconds"] for r in first}
                out[f"p{n}_warm"] = warm_processes(layouts[n])
                _progress(f"p{n}_start", {k: v for k, v in out.items() if k.startswith(f"p{n}")})
            views: dict[int, list[dict]] = {1: [], 2: []}
            trainings: dict[int, list[dict]] = {1: [], 2: []}
            for _ in range(repeats):
                for n, layout in layouts.items():
                    views[n].append(default_views(browser, layout))
                    _progress(f"p{n}_default_8", views[n][-1])
            for _ in range(repeats):
                for n, layout in layouts.items():
                    trainings[n].append(private_trainings(layout))
                    _progress(f"p{n}_private_8", trainings[n][-1])
            for n, layout in layouts.items():
                out[f"p{n}_default_8"] = {"ratio_max": _summary(views[n], "ratio_max"),
                                          "ratio_median": _summary(views[n], "ratio_median"), "runs": views[n]}
                out[f"p{n}_private_8"] = {"ratio_max": _summary(trainings[n], "ratio_max"),
                                          "ratio_median": _summary(trainings[n], "ratio_median"), "runs": trainings[n]}
                out[f"p{n}_rss_mb"] = [rss_mb(pid) for pid in layout.pids.values()]
            out["same_results_both_layouts"] = all(a["captions"] == b["captions"]
                                                   for a, b in zip(trainings[1], trainings[2]))
            out["target_p2_default_max_ratio_le_3"] = out["p2_default_8"]["ratio_max"].get("median", 99) <= 3
            if kill:
                out["kill"] = kill_test(browser, layouts[2])
            browser.close()
    finally:
        for n, layout in layouts.items():
            out[f"p{n}_stopped"] = layout.stop()
    out["total_s"] = round(time.perf_counter() - t_start, 1)
    return out


def kill_main() -> dict:
    """The kill test alone, on a 2-process layout of its own."""
    from playwright.sync_api import sync_playwright

    layout = Layout(2, KILL_PORT)
    out: dict = {"bench": "load_test", "mode": "kill"}
    try:
        out["warm"] = warm_processes(layout)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            out["kill"] = kill_test(browser, layout)
            browser.close()
    finally:
        out["stopped"] = layout.stop()
    return out


if __name__ == "__main__":
    if "--proxy" in sys.argv:
        print(json.dumps(proxy_main(quick="--quick" in sys.argv, kill="--no-kill" not in sys.argv)))
    elif "--kill" in sys.argv:
        print(json.dumps(kill_main()))
    elif "--browser" in sys.argv:
        print(json.dumps(browser_main(quick="--quick" in sys.argv)))
    else:
        print(json.dumps(main(quick="--quick" in sys.argv, browser_too="--no-browser" not in sys.argv)))
