"""How close rnnviz.cost's estimate comes to the real training time, per page config.

For each config: the estimate (from the config alone), then the real run through the page's
own build(); the figure is estimate / measured (1 is perfect; the page uses it only to decide
whether a run starts at once or waits for the Train button). Prints one JSON line.

The cases are interleaved (every case once, then every case again...), and each reports the
median and minimum of its ratios. The char cases run as the page runs them: its prefixes for
the printouts, the grammar's validity check on the built-in grammar only. Their corpora come
through the page's own fetch(): Tiny Shakespeare from its copy shipped in data/ (checked, no
request), the lyrics served from ../shared/data by an HTTP server on 127.0.0.1 into a
temporary cache (never copied into the project). The char estimate counts
this thread's CPU time (rnnviz.cost.CPU), so each char case also reports estimate / the run's
CPU time: on a machine shared with other jobs the wall time grows, the CPU time does not.
"load" is the 1-minute load average over the cores during the runs (1: every core busy).

    python bench/cost_estimate.py [--quick] [--only char]
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

import rnnviz.data.text as T
from rnnviz import charlm, cost, gates, sine
from rnnviz.data import grammar
from rnnviz.data.text import PREFIXES, SOURCES, d2l_lyrics, fetch, read_text

SHARED = Path(os.environ.get("RNNVIZ_CORPUS_DIR", Path(__file__).resolve().parents[2] / "shared" / "data"))


def timed(run) -> tuple[float, float]:
    """Wall seconds and this thread's CPU seconds of iterating run to its end."""
    t0, c0 = time.perf_counter(), cost.CPU()
    for _ in run:
        pass
    return time.perf_counter() - t0, cost.CPU() - c0


@contextmanager
def served(ids: tuple[str, ...]):
    """{corpus id: its text} through rnnviz's fetch(): a shipped copy, or downloaded from a server on
    127.0.0.1 into a temp cache."""
    routes = {f"/{SOURCES[i].name}": (SHARED / SOURCES[i].name).read_bytes()
              for i in ids if (SHARED / SOURCES[i].name).exists()}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = routes.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    cache, T.CACHE = T.CACHE, Path(tempfile.mkdtemp(prefix="rnnviz_cost_"))
    try:
        texts = {}
        for i in ids:
            if SOURCES[i].ships or f"/{SOURCES[i].name}" in routes:  # a shipped copy needs no server
                path = fetch(SOURCES[i], url=f"http://127.0.0.1:{httpd.server_port}/{SOURCES[i].name}")
                texts[i] = read_text(SOURCES[i].name, path.read_bytes())
        yield texts
    finally:
        T.CACHE = cache
        httpd.shutdown()
        httpd.server_close()


def char_case(label: str, name: str, text: str, cfg: charlm.CharConfig):
    """A char run as the page starts it: C.build(config, corpus, the page's prefixes, validity on the grammar)."""
    corpus = charlm.prepare(text, cfg.held_out)
    validity = grammar.is_embedded_reber if name == "reber" else None
    key = charlm.RunKey(corpus=name, length=len(text), config=cfg)
    return label, key, lambda c: charlm.build(c.config, corpus, PREFIXES[name], validity)[1], \
        len(corpus.vocab)


def char_cases(quick: bool, texts: dict[str, str]):
    yield char_case("char default (Reber)", "reber", grammar.corpus(), charlm.CharConfig())
    if "lyrics" in texts:  # the chapter's recipe, as the page's recipe choice sets it (250 epochs)
        chapter = replace(charlm.CHAPTER, epochs=20) if quick else charlm.CHAPTER
        yield char_case(f"char d2l recipe (lyrics 10k, {chapter.epochs} epochs)", "lyrics",
                        d2l_lyrics(texts["lyrics"], 10_000), chapter)
    if "shakespeare" in texts:  # the page's default knobs on Tiny Shakespeare
        default = replace(charlm.CharConfig(), epochs=1) if quick else charlm.CharConfig()
        yield char_case(f"char default (Tiny Shakespeare, {default.epochs} epochs)", "shakespeare",
                        texts["shakespeare"], default)


def cases(quick: bool):
    yield "sine default", sine.SineConfig(), lambda c: sine.build(c)[1], None
    yield "sine 4 kinds, 1000 steps", replace(sine.SineConfig(), kinds=("MyRNN", "RNN", "LSTM", "GRU"), steps=1000), \
        lambda c: sine.build(c)[1], None
    yield "gates default", gates.GateConfig(), lambda c: gates.build(c)[1], None
    yield "gates gap 100, 64 units", replace(gates.GateConfig(), gap=100, hidden_size=64, steps=200), \
        lambda c: gates.build(c)[1], None


def main(quick: bool = False, only: str = "") -> dict:
    torch.set_num_threads(1)
    with served(("lyrics", "shakespeare")) as texts:
        todo = ([] if only == "char" else list(cases(quick))) + list(char_cases(quick, texts))
        ratios = {name: {"wall": [], "cpu": [], "seconds": [], "load": []} for name, *_ in todo}
        for _ in range(1 if quick else 3):  # interleaved: a drift in the machine's speed hits every case
            for name, cfg, run, vocab in todo:
                est = cost.seconds(cfg, vocab)
                wall, cpu = timed(run(cfg))
                r = ratios[name]
                r["wall"].append(est / wall)
                r["cpu"].append(est / cpu)
                r["seconds"].append(wall)
                r["load"].append(os.getloadavg()[0] / os.cpu_count())
                r["estimate"] = est
    rows = {}
    for name, r in ratios.items():
        rows[name] = {"estimate_over_measured_median": round(statistics.median(r["wall"]), 2),
                      "min": round(min(r["wall"]), 2), "max": round(max(r["wall"]), 2),
                      "estimate_seconds": round(r["estimate"], 1),
                      "measured_seconds_median": round(statistics.median(r["seconds"]), 1),
                      "load_median": round(statistics.median(r["load"]), 2)}
        if name.startswith("char"):
            rows[name].update(estimate_over_cpu_median=round(statistics.median(r["cpu"]), 2),
                              estimate_over_cpu_min=round(min(r["cpu"]), 2))
    return {"benchmark": "cost_estimate", "repeats": 1 if quick else 3, "cases": rows}


if __name__ == "__main__":
    print(json.dumps(main("--quick" in sys.argv, "char" if "char" in sys.argv[1:] else "")))
