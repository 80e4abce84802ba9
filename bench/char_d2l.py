"""The d2l character model on the Jay Chou lyrics: rnnviz's engine vs the chapter's recipe.

The reference is bench/reference_d2l.py (d2l-zh's RNN from scratch: tanh RNN over one-hot
inputs, 256 hidden, SGD lr 100, θ 0.01, batch 32, 35 steps, random sampling). Ours is
rnnviz.charlm (CharConfig -> prepare -> build, the generator the char page iterates), with
RECIPE: settings a learner can give on the page (see RECIPE's comment for the one field the
page does not expose). Both train in this process on the same torch thread count (rnnviz's,
RNNVIZ_THREADS, default 1: what the app uses). Training perplexity is d2l's: exp of the
epoch's mean minibatch cross-entropy (rnnviz's info["train_ppl"] at an epoch's last step is
the same figure). Ours trains on the text minus its last 1 % (the page's smallest held-out
share); the reference on all of it.

1. First 10,000 characters (vocab 1,027). Pairs, interleaved (reference, ours, reference,
   ours, ...): the reference trains its 250 epochs (its final perplexity, ≈ 1.3, is the
   target; it is seeded, so the same every pair), then ours trains until its epoch's training
   perplexity first reaches that target. Ratio = our wall time / the reference's 250 epochs.
   Target: median ratio ≤ 1/30.
2. Full corpus (vocab 2,582). The reference trains once for 7 minutes of wall time (a curve:
   perplexity and time per epoch); the target is the perplexity of the last epoch done
   within 420 s, after E7 epochs. Since this machine's speed drifts by ±50 %, that one
   7-minute run is not the denominator: pairs follow, interleaved, each timing the reference
   for a few epochs (seeded, so the very epochs of the curve) and then ours until it reaches
   the target; ratio = our wall time / (E7 × the reference's seconds per epoch in that pair),
   i.e. against "the reference's 7 minutes" at the speed the machine had just then.
   Target: median ratio ≤ 1/20. (The ratio against the curve's own 420 s is reported too.)
3. Throughput: our training characters per second (batch × num_steps per optimiser step,
   median step outside epoch ends; and end to end over the run to the full-corpus target)
   against the characters per second the matmuls alone allow at our model's shapes: every
   forward and backward torch.mm of one step (input projection, the recurrent products one
   time step at a time, the output layer), timed in this process on the same threads.
   Target: share ≥ 50 %.

The corpus is read from ../shared/data (RNNVIZ_CORPUS_DIR), never from the project.

    python bench/char_d2l.py [--quick]

--quick: the reference trains 100 epochs on the 10k text (target perplexity ≈ 10) and 60 s
on the full corpus (≈ 6 epochs, target ≈ 390), one pair each. It checks the machinery, not
the issue's targets: on the full corpus ours still needs its first whole epoch (≈ 3 s), which
is about 1/20 of 60 s.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import reference_d2l as R
import torch

from rnnviz import charlm as C
from rnnviz.data.text import d2l_lyrics, read_text

DATA = Path(os.environ.get("RNNVIZ_CORPUS_DIR", ROOT.parent / "shared" / "data"))

# Ours: every field is a knob on the char page. With "best held-out" weights the page stops
# early (3 epochs without a better held-out perplexity), long before the training text is
# memorised to perplexity 1.3; the benchmark keeps the "final" weights, as the chapter, to
# measure the chapter's goal, the training perplexity. (The chapter's own recipe, in our
# engine, is rnnviz.charlm.CHAPTER: bench/char_heldout.py and tests/test_lessons_char.py.)
RECIPE = C.CharConfig(
    kind="LSTM",  # gates learn the 10k characters by heart in ~9 epochs; a tanh RNN needs ~12
    hidden_size=128,  # the output layer (hidden x vocab) dominates; 128 memorises 10k characters
    embedding=64,  # a learnt embedding instead of one-hot: no (vocab x 4 hidden) matmul per character
    dropout=0.0,  # dropout would raise the very training perplexity we race to lower
    optimizer="adam", lr=0.03, clip=1.0,
    batch_size=32, num_steps=35, sampling="random",  # the chapter's
    epochs=500, held_out=0.01, keep="final", seed=0,
)
SECONDS_7MIN = 420.0
TARGET_10K, TARGET_FULL, TARGET_SHARE = 1 / 30, 1 / 20, 0.5


def corpora() -> tuple[str, str]:
    """The d2l lyrics as the chapter reads them: first 10,000 characters, and all of them."""
    raw = read_text("jaychou_lyrics.txt.zip", (DATA / "jaychou_lyrics.txt.zip").read_bytes())
    return d2l_lyrics(raw, 10_000), d2l_lyrics(raw, None)


def run_ours(text: str, target: float, cfg: C.CharConfig = RECIPE, limit_s: float = 120.0) -> dict:
    """Train until an epoch's training perplexity is <= target (or limit_s): time and step times."""
    t0 = time.perf_counter()
    corpus = C.prepare(text, cfg.held_out)
    _, snapshots = C.build(cfg, corpus)
    curve, step_s, last = [], [], time.perf_counter()
    reached = None
    for snap in snapshots:
        now = time.perf_counter()
        if snap.stopped:
            break
        if "held_ppl" not in snap.info:
            step_s.append(now - last)  # a plain step: no epoch-end scoring in it
        else:
            curve.append((snap.info["epoch"], round(snap.info["train_ppl"], 4), round(now - t0, 3)))
            if snap.info["train_ppl"] <= target:
                reached = now - t0
                break
            if now - t0 > limit_s:
                break
        last = now
    return {"seconds": reached, "epochs": curve[-1][0] if curve else 0, "steps": snap.step, "curve": curve,
            "chars_per_step": cfg.batch_size * cfg.num_steps, "step_s_median": statistics.median(step_s),
            "wall_s": time.perf_counter() - t0}


def matmul_chars_per_s(cfg: C.CharConfig, vocab: int, repeats: int = 5) -> dict:
    """Characters/s if a step cost only its forward and backward matmuls at cfg's shapes.

    Weights are laid out as torch's modules keep them, (out, in); each product is the one
    nn.Linear / nn.LSTM runs (forward x W^T, backward dY W and dY^T x).
    """
    B, T, H, V = cfg.batch_size, cfg.num_steps, cfg.hidden_size, vocab
    E = cfg.embedding or vocab
    G = {"RNN": 1, "GRU": 3, "LSTM": 4}[cfg.kind] * H  # gate rows
    N = B * T
    r = torch.randn
    x, w_ih, dg = r(N, E), r(G, E), r(N, G)  # input projection, all time steps at once
    h, w_hh, dg_t = r(B, H), r(G, H), r(B, G)  # the recurrence, one time step at a time
    hs, w_out, dy = r(N, H), r(V, H), r(N, V)  # output layer

    def step() -> None:
        torch.mm(x, w_ih.t())  # forward: input projection (N, G)
        for _ in range(T):
            torch.mm(h, w_hh.t())  # (B, G)
        torch.mm(hs, w_out.t())  # logits (N, V)
        torch.mm(dy, w_out)  # backward: d hidden from the output layer (N, H)
        torch.mm(dy.t(), hs)  # d W_out (V, H)
        for _ in range(T):
            torch.mm(dg_t, w_hh)  # d h_{t-1} (B, H)
        torch.mm(dg.t(), hs)  # d W_hh, all time steps in one product (G, H)
        torch.mm(dg.t(), x)  # d W_ih (G, E)
        if cfg.embedding:
            torch.mm(dg, w_ih)  # d embedding rows (N, E); one-hot inputs need no input gradient

    step()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    best = min(times)
    return {"matmul_s_per_step": round(best, 5), "chars_per_s": round(N / best)}


def _stats(xs: list[float], nd: int = 4) -> dict | None:
    return {"median": round(statistics.median(xs), nd), "min": round(min(xs), nd), "max": round(max(xs), nd),
            "n": len(xs)} if xs else None


def bench_10k(text: str, ref_epochs: int, pairs: int) -> dict:
    refs, ours, ratios = [], [], []
    for _ in range(pairs):
        r = R.train_reference(text, epochs=ref_epochs)
        o = run_ours(text, r["ppl"][-1])
        refs.append(r), ours.append(o)
        if o["seconds"] is not None:
            ratios.append(o["seconds"] / r["elapsed"][-1])
    ratio = _stats(ratios)
    return {"chars": len(text), "vocab": refs[0]["vocab_size"], "ref_epochs": ref_epochs,
            "ref_steps_per_epoch": refs[0]["steps_per_epoch"],
            "target_ppl": round(refs[0]["ppl"][-1], 4), "ref_deterministic": len({r["ppl"][-1] for r in refs}) == 1,
            "ref_seconds": [round(r["elapsed"][-1], 2) for r in refs],
            "ours_seconds": [None if o["seconds"] is None else round(o["seconds"], 3) for o in ours],
            "ours_epochs": [o["epochs"] for o in ours], "ours_curve": ours[0]["curve"],
            "ratio_ours_over_ref": ratio, "target_ratio_le": round(TARGET_10K, 4),
            "met": bool(ratio and len(ratios) == pairs and ratio["median"] <= TARGET_10K)}


def bench_full(text: str, seconds: float, pairs: int, ref_epochs: int) -> tuple[dict, list[dict]]:
    curve = R.train_reference(text, epochs=None, seconds=seconds)
    done = [i for i, t in enumerate(curve["elapsed"]) if t <= seconds] or [0]
    e7 = done[-1] + 1  # epochs done within `seconds`
    target = curve["ppl"][e7 - 1]
    ours, ratios, ratios_curve, ref_epoch_s = [], [], [], []
    for _ in range(pairs):
        r = R.train_reference(text, epochs=ref_epochs)
        o = run_ours(text, target)
        per_epoch = r["elapsed"][-1] / ref_epochs
        ref_epoch_s.append(per_epoch)
        ours.append(o)
        if o["seconds"] is not None:
            ratios.append(o["seconds"] / (e7 * per_epoch))
            ratios_curve.append(o["seconds"] / curve["elapsed"][e7 - 1])
    ratio = _stats(ratios)
    out = {"chars": len(text), "vocab": curve["vocab_size"], "ref_steps_per_epoch": curve["steps_per_epoch"],
           "ref_wall_s": seconds, "ref_epochs_in_wall": e7, "ref_elapsed_s_at_that_epoch": round(curve["elapsed"][e7 - 1], 1),
           "ref_curve_every_5_epochs": [(i + 1, round(p, 2), round(t, 1)) for i, (p, t) in
                                        enumerate(zip(curve["ppl"], curve["elapsed"])) if (i + 1) % 5 == 0 or i == 0],
           "target_ppl": round(target, 3),
           "ref_seconds_per_epoch": {"curve": round(curve["elapsed"][e7 - 1] / e7, 2),
                                     "pairs": [round(s, 2) for s in ref_epoch_s]},
           "ours_seconds": [None if o["seconds"] is None else round(o["seconds"], 2) for o in ours],
           "ours_epochs": [o["epochs"] for o in ours], "ours_curve": ours[0]["curve"],
           "ratio_ours_over_ref_rescaled": ratio, "ratio_ours_over_curve_wall": _stats(ratios_curve),
           "target_ratio_le": TARGET_FULL,
           "met": bool(ratio and len(ratios) == pairs and ratio["median"] <= TARGET_FULL)}
    return out, ours


def throughput(ours: list[dict], vocab: int) -> dict:
    bound = matmul_chars_per_s(RECIPE, vocab)
    step = statistics.median(o["step_s_median"] for o in ours)
    chars_step = ours[0]["chars_per_step"]
    steady = chars_step / step
    e2e = statistics.median(o["steps"] * chars_step / o["wall_s"] for o in ours)
    return {"shapes": {"kind": RECIPE.kind, "batch": RECIPE.batch_size, "num_steps": RECIPE.num_steps,
                       "embedding": RECIPE.embedding, "hidden": RECIPE.hidden_size, "vocab": vocab},
            "ours_chars_per_s_steady": round(steady), "ours_chars_per_s_end_to_end": round(e2e),
            "matmul_bound": bound, "share_steady": round(steady / bound["chars_per_s"], 3),
            "share_end_to_end": round(e2e / bound["chars_per_s"], 3), "target_share_ge": TARGET_SHARE,
            "met": steady / bound["chars_per_s"] >= TARGET_SHARE}


def main(quick: bool = False) -> dict:
    t_start = time.perf_counter()
    short, full = corpora()
    # warm-up (lazy imports inside torch, Adam's first step, allocator growth)
    R.train_reference(short, epochs=2), run_ours(short, 0.0, replace(RECIPE, epochs=1))
    out = {"bench": "char_d2l", "torch_threads": torch.get_num_threads(), "quick": quick,
           "recipe": {k: v for k, v in asdict(RECIPE).items()},
           "reference": {"hidden": R.NUM_HIDDENS, "lr": R.LR, "theta": R.CLIPPING_THETA,
                         "batch": R.BATCH_SIZE, "num_steps": R.NUM_STEPS}}
    out["first_10k"] = bench_10k(short, ref_epochs=100 if quick else R.NUM_EPOCHS, pairs=1 if quick else 2)
    out["full"], ours_full = bench_full(full, 60.0 if quick else SECONDS_7MIN, pairs=1 if quick else 3,
                                        ref_epochs=2 if quick else 3)
    out["throughput"] = throughput(ours_full, out["full"]["vocab"])
    out["targets_met"] = {"first_10k": out["first_10k"]["met"], "full": out["full"]["met"],
                          "throughput": out["throughput"]["met"]}
    out["bench_seconds"] = round(time.perf_counter() - t_start, 1)
    return out


if __name__ == "__main__":
    print(json.dumps(main(quick="--quick" in sys.argv), ensure_ascii=False))
