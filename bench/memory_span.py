"""How far back the char model looks (issue 14): RNN, LSTM and GRU trained on Tiny Shakespeare
with the same settings, seed and wall time, their memory span, and the time to compute it.

Tiny Shakespeare is the copy shipped in data/ (read through rnnviz.data.text: its sha256
checked, no network). Each kind trains the page's default CharConfig (only the kind changed:
64 units, one-hot input, Adam 0.01, minibatches of 16 × 35, seed 0) for the same SECONDS of
training time (rnnviz.charspan.train_for: step time, the held-out scoring at an epoch's end
left out), the kinds one after the other. Per kind: the steps and epochs that made, the
held-out perplexity of its weights, and its memory span: the influence
‖∂ log p(x_{t+1}) / ∂x_{t-k}‖ averaged over POSITIONS positions spread over the held-out text,
k = 0 … REACH, in one batched backward pass (rnnviz.charspan.averaged), and the steps back
until that average stays below 10 % of its peak (rnnviz.saliency.span); beside it the same
for the untrained model of that kind (its initial weights, the same seed), and the averaged
profile's share of its peak at a few k.

saliency_s: seconds to compute that averaged saliency (200 positions × 100 steps back) for
the slowest kind, the median of REPEATS (each kind's median and min are listed too; nothing
cached between repeats). Target: under 1 s. Torch threads as the app sets them
(RNNVIZ_THREADS, default 1).

    python bench/memory_span.py [--quick]   # --quick: 15 s of training per kind, 5 repeats
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

import torch

from rnnviz import THREADS, saliency
from rnnviz import charlm as C
from rnnviz import charspan as S
from rnnviz.data.text import SOURCES, fetch, read_text

SECONDS, QUICK_SECONDS = 60.0, 15.0  # training time per kind
REPEATS, QUICK_REPEATS = 10, 5
SHOWN_K = (1, 2, 5, 10, 20, 35, 50, 100)  # where the averaged profile's share of its peak is reported


def shakespeare() -> str:
    src = SOURCES["shakespeare"]
    return read_text(src.name, fetch(src).read_bytes())


def timed(model, ids: torch.Tensor, repeats: int) -> list[float]:
    """Seconds of each of `repeats` computations of the averaged saliency (no cache)."""
    ends = S.spread(ids, S.REACH, S.POSITIONS)
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        S.influence(model, ids, ends, S.REACH).mean(0)
        out.append(time.perf_counter() - t0)
    return out


def main(quick: bool = False) -> dict:
    seconds, repeats = (QUICK_SECONDS, QUICK_REPEATS) if quick else (SECONDS, REPEATS)
    cfg = C.CharConfig()
    text = shakespeare()
    corpus = C.prepare(text, cfg.held_out)
    ids = corpus.held_ids
    out = {"bench": "memory_span", "corpus": "shakespeare", "chars": len(text), "vocab": len(corpus.vocab),
           "held_out_chars": len(ids), "train_seconds_each": seconds, "positions": S.POSITIONS, "K": S.REACH,
           "torch_threads": THREADS, "config": {k: v for k, v in asdict(cfg).items() if k != "kind"}}
    per_kind, medians = {}, {}
    for kind in S.COMPARED:
        kcfg = replace(cfg, kind=kind)
        with C.seeded(kcfg.seed):
            untrained = C.CharLM(len(corpus.vocab), kcfg)
        twin = S.train_for(kcfg, corpus, seconds)
        avg = S.averaged(twin.trained.model, ids)
        shares = S.shares(avg.profile)
        times = timed(twin.trained.model, ids, repeats)
        medians[kind] = statistics.median(times)
        out[f"{kind.lower()}_span"] = avg.span
        per_kind[kind] = {"steps": twin.steps, "epochs": round(twin.epochs, 3), "train_seconds": round(twin.seconds, 1),
                          "held_out_ppl": round(twin.held_ppl, 3),
                          "span": avg.span, "untrained_span": S.memory_span(untrained, ids),
                          "mean_position_span": round(float(avg.spans.float().mean()), 2),
                          "share_of_peak": {str(k): round(shares[k], 4) for k in SHOWN_K},
                          "saliency_median_s": round(medians[kind], 4), "saliency_min_s": round(min(times), 4)}
    slowest = max(medians, key=medians.get)
    out["saliency_s"] = round(medians[slowest], 4)
    out["saliency_min_s"] = per_kind[slowest]["saliency_min_s"]
    out["saliency_slowest_kind"] = slowest
    out["saliency_target_s"] = 1.0
    out["saliency_under_target"] = medians[slowest] < 1.0
    out["faded_below"] = saliency.FADED
    out["kinds"] = per_kind
    return out


if __name__ == "__main__":
    print(json.dumps(main(quick="--quick" in sys.argv)))
