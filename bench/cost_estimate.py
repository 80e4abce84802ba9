"""How close rnnviz.cost's estimate comes to the real training time, per page config.

For each config: the estimate (from the config alone), then the real run through the page's
own build(); the figure is estimate / measured (1 is perfect; the page uses it only to decide
whether a run starts at once or waits for the Train button). Prints one JSON line.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

from rnnviz import charlm, cost, gates, sine
from rnnviz.data import grammar
from rnnviz.data.text import d2l_lyrics, read_text

LYRICS = Path(__file__).resolve().parents[2] / "shared" / "data" / "jaychou_lyrics.txt.zip"


def timed(run) -> float:
    t0 = time.perf_counter()
    for _ in run:
        pass
    return time.perf_counter() - t0


def cases(quick: bool):
    yield "sine default", sine.SineConfig(), lambda c: sine.build(c)[1], None
    yield "sine 4 kinds, 1000 steps", replace(sine.SineConfig(), kinds=("MyRNN", "RNN", "LSTM", "GRU"), steps=1000), \
        lambda c: sine.build(c)[1], None
    yield "gates default", gates.GateConfig(), lambda c: gates.build(c)[1], None
    yield "gates gap 100, 64 units", replace(gates.GateConfig(), gap=100, hidden_size=64, steps=200), \
        lambda c: gates.build(c)[1], None
    text = grammar.corpus()
    corpus = charlm.prepare(text, 0.1)
    cfg = charlm.CharConfig()
    yield "char default (Reber)", ("reber", len(text), cfg), lambda c: charlm.build(c[2], corpus)[1], len(corpus.vocab)
    if LYRICS.exists():
        lyrics = d2l_lyrics(read_text(LYRICS.name, LYRICS.read_bytes()), 10_000)
        lc = charlm.prepare(lyrics, 0.1)
        chapter = replace(charlm.CharConfig(), kind="RNN", hidden_size=256, optimizer="sgd", lr=100.0, clip=0.01,
                          batch_size=32, num_steps=35, epochs=10 if quick else 40, patience=1000)
        yield "char d2l recipe (lyrics 10k)", ("lyrics", len(lyrics), chapter), \
            lambda c: charlm.build(c[2], lc)[1], len(lc.vocab)


def main(quick: bool = False) -> dict:
    torch.set_num_threads(1)
    rows = {}
    for name, cfg, run, vocab in cases(quick):
        ratios = []
        for _ in range(1 if quick else 3):
            est = cost.seconds(cfg, vocab)
            real = timed(run(cfg))
            ratios.append(est / real)
        rows[name] = {"estimate_over_measured_median": round(statistics.median(ratios), 2),
                      "min": round(min(ratios), 2), "max": round(max(ratios), 2), "seconds": round(real, 2)}
    return {"benchmark": "cost_estimate", "cases": rows}


if __name__ == "__main__":
    print(json.dumps(main("--quick" in sys.argv)))
