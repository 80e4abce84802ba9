"""Soak: long runs in real browsers, and what they leave in the server's memory (issue 11).

A `streamlit run` server on 127.0.0.1 and Debian's Chromium through Playwright. Every
websocket message a page receives is counted in the page (time, bytes).
(a) background: one session trains a long char run (a 4-unit RNN, batch 1 of 4 characters,
    BACKGROUND_EPOCHS epochs of the built-in grammar: about 10 minutes here) while its tab is
    frozen (Chrome's harshest treatment of a background tab: no script runs, no message is
    read) for BACKGROUND_S; then the learner returns, the run finishes, and a new sample seed
    generates from the kept model without retraining.
(b) together: SESSIONS sessions, each with its own seed, start a long run at once, train for
    TOGETHER_S, and press Stop; each must show "Stopped after step …" and still generate.
The server's RSS (VmRSS, MB) is sampled every second: at start (after a first visit has
imported torch), its peak, and AFTER_S after every session closed.

    python bench/soak.py            # (a) 10 min, (b) 5 min, then 2 min idle: about 20 min
    python bench/soak.py --quick    # 2 min, 1 min, 30 s
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_test import CHROMIUM, CHROMIUM_ARGS, free_port, rss_mb, start_server

SESSIONS = 8
LONG = "/Char_Generation?char_kind=RNN&char_hidden=4&char_batch=1&char_steps=4&char_patience=500&char_seed={seed}"
BACKGROUND_EPOCHS = 24  # about 10 minutes on this machine, alone
TOGETHER_EPOCHS = 40  # longer than 5 minutes even alone, within the budget's 30 (longer runs are asked for)
FINISHED_JS = """() => { const a = document.querySelector('[data-testid=stApp]');
    return !!a && a.dataset.testScriptState === 'notRunning' && !document.querySelector('[data-testid=stStatusWidget]'); }"""
COUNT_MESSAGES = """(() => { window.__messages = []; const Native = window.WebSocket;
    window.WebSocket = class extends Native { constructor(...a) { super(...a);
        this.addEventListener('message', e => window.__messages.push([performance.now(), e.data.byteLength ?? e.data.size ?? 0])); } }; })()"""


class Sampler(threading.Thread):
    """The server's VmRSS every second."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.samples, self.running = pid, [], True

    def run(self) -> None:
        while self.running:
            self.samples.append((time.monotonic(), rss_mb(self.pid)["VmRSS"]))
            time.sleep(1)


def session(browser, base: str, seed: int, epochs: int):
    context = browser.new_context(viewport={"width": 1400, "height": 2400})
    context.add_init_script(COUNT_MESSAGES)
    page = context.new_page()
    page.goto(base + LONG.format(seed=seed) + f"&char_epochs={epochs}", timeout=300_000)
    page.wait_for_function(FINISHED_JS, timeout=300_000)
    return context, page


def train(page) -> int:
    first = page.evaluate("window.__messages.length")
    page.get_by_role("button", name=re.compile(r"^Train \(about")).click()
    page.wait_for_selector("[data-testid=stProgress]", timeout=120_000)
    return first


def generates(page) -> bool:
    """A new sample seed reruns the page: the kept model writes, nothing retrains."""
    before = page.locator("[data-testid=stCode]").first.inner_text()
    box = page.locator(".st-key-char_sample_seed input")
    box.fill("7")
    box.press("Enter")
    page.wait_for_timeout(1_000)
    page.wait_for_function(FINISHED_JS, timeout=120_000)
    after = page.locator("[data-testid=stCode]").first.inner_text()
    return bool(after) and after != before and page.locator("[data-testid=stProgress]").count() == 0


def stream(page, first: int) -> dict:
    messages = page.evaluate("window.__messages")[first:]
    seconds = (messages[-1][0] - messages[0][0]) / 1000 if len(messages) > 1 else 0.0
    return {"messages": len(messages), "seconds": round(seconds, 1),
            "per_second": round(len(messages) / seconds, 2) if seconds else None,
            "max_bytes": max((m[1] for m in messages), default=0)}


def background(browser, base: str, hold: float) -> dict:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context, page = session(browser, base, 0, BACKGROUND_EPOCHS)
    try:
        first = train(page)
        cdp = context.new_cdp_session(page)
        cdp.send("Page.setWebLifecycleState", {"state": "frozen"})
        time.sleep(hold)
        cdp.send("Page.setWebLifecycleState", {"state": "active"})
        page.wait_for_timeout(3_000)
        page.wait_for_function(FINISHED_JS, timeout=3_600_000, polling=2_000)
        done_text = page.get_by_text(re.compile(rf"all {BACKGROUND_EPOCHS} epochs done"))
        with contextlib.suppress(PlaywrightTimeout):  # a run started by Train ends in one more rerun
            done_text.first.wait_for(timeout=60_000)  # not finished by then: reported as such
        done = done_text.count() > 0
        return {"finished": done, "generates": done and generates(page), **stream(page, first)}
    finally:
        context.close()


def together(browser, base: str, hold: float) -> dict:
    opened = [session(browser, base, seed, TOGETHER_EPOCHS) for seed in range(1, SESSIONS + 1)]
    try:
        firsts = [train(page) for _, page in opened]
        time.sleep(hold)
        kept, steps, streams = 0, [], []
        for (_, page), first in zip(opened, firsts):
            page.get_by_role("button", name=re.compile("^Stop")).click()
            page.wait_for_timeout(1_000)
            page.wait_for_function(FINISHED_JS, timeout=300_000)
            stopped = page.get_by_text(re.compile(r"^Stopped after step (\d+)"))
            if stopped.count():
                steps.append(int(re.search(r"step (\d+)", stopped.first.inner_text()).group(1)))
                kept += generates(page)
            streams.append(stream(page, first))
        return {"sessions": SESSIONS, "kept_and_generate": kept, "steps_min": min(steps, default=0),
                "steps_max": max(steps, default=0),
                "per_second_max": max(s["per_second"] or 0 for s in streams),
                "max_bytes": max(s["max_bytes"] for s in streams)}
    finally:
        for context, _ in opened:
            context.close()


def main(quick: bool = False) -> dict:
    from playwright.sync_api import sync_playwright

    hold_bg, hold_together, after = (120, 60, 30) if quick else (600, 300, 120)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(port)
    sampler = Sampler(server.pid)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context, _ = session(browser, base, 0, 1)  # imports torch, trains nothing (Train waits)
            context.close()
            sampler.start()
            time.sleep(2)
            start = sampler.samples[-1][1]
            result_bg = background(browser, base, hold_bg)
            result_together = together(browser, base, hold_together)
            browser.close()
        closed = time.monotonic()
        time.sleep(after)
        sampler.running = False
        peak = max(rss for _, rss in sampler.samples)
        end = rss_mb(server.pid)["VmRSS"]
        return {"bench": "soak", "quick": quick, "background": {"frozen_s": hold_bg, **result_bg},
                "together": {"train_s": hold_together, **result_together},
                "rss_mb": {"start": start, "peak": peak, f"after_{after}s_closed": end},
                "closed_at_s": round(closed - sampler.samples[0][0])}
    finally:
        sampler.running = False
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    print(json.dumps(main(quick="--quick" in sys.argv)))
