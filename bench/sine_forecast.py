"""Sine forecasting: rnnviz's fast recipe vs the classic tutorial's 10,000 iterations.

For seeds 0, 1, 2, the reference (bench/reference_sine.py: the tutorial's MyRNN, one random
window per iteration, SGD lr 0.01, 10,000 iterations) and ours (rnnviz.sine.build(SineConfig(
seed=seed)): the page's default, an LSTM trained by the fast recipe, generator iterated to
the end) run interleaved (reference, ours, reference, ours, ...), `repeats` times per seed.
Both see the same series (make_series(SeriesConfig(seed=seed))). Figures:
- per seed: each side's training seconds and its free-running (multi-step) forecast MSE of
  the 80 test points vs the clean sine and vs the noisy truth (ours from
  rnnviz.sine.forecast(...).scores);
- ratio of training time ours / reference over all pairs (median, min);
- median MSE vs clean sine of each side over the seeds; targets: ours <= 0.03 and
  ours' time <= 1/5 of the reference's.
Extras (NOT interleaved, one run per seed, for information): the other kinds (RNN, GRU,
MyRNN) with the fast recipe, and the page's "random" recipe (the FAQ's random windows) with
MyRNN (seed 0) timed per step beside the reference's time per iteration.

    python bench/sine_forecast.py [--quick]
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import reference_sine as R

from rnnviz import sine as S
from rnnviz.data.sine import make_series

SEEDS = (0, 1, 2)
ITERATIONS = 10_000
TARGET_MSE = 0.03
TARGET_RATIO = 0.2


def _stats(xs: list[float], nd: int = 4) -> dict | None:
    return {"median": round(statistics.median(xs), nd), "min": round(min(xs), nd), "n": len(xs)} if xs else None


def run_ours(seed: int, kind: str = "LSTM", recipe: str = "fast", steps: int | None = None) -> dict:
    t0 = time.perf_counter()
    steps = S.DEFAULT_STEPS[recipe] if steps is None else steps
    cfg = S.SineConfig(kinds=(kind,), recipe=recipe, steps=steps, lr=S.DEFAULT_LR[recipe], seed=seed)
    model, snapshots = S.build(cfg)
    n = 0
    for snap in snapshots:
        n = snap.step
        if snap.stopped:
            break
    train_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    sc = S.forecast(model, make_series(cfg.series), cfg.series.window).scores
    forecast_s = time.perf_counter() - t1
    row = sc[(sc["model"] == kind) & (sc["how"] == "multi_step")].iloc[0]
    one = sc[(sc["model"] == kind) & (sc["how"] == "single_step")].iloc[0]
    return {"train_s": train_s, "forecast_s": forecast_s, "steps_done": n,
            "mse_clean": float(row["mse_clean"]), "mse_noisy": float(row["mse_noisy"]),
            "single_step_mse_clean": float(one["mse_clean"])}


def main(quick: bool = False) -> dict:
    import torch

    repeats = 1 if quick else 2
    t_start = time.perf_counter()
    # warm-up (lazy imports inside torch, allocator growth)
    R.run(0, 200), run_ours(0)

    per_seed, ratios = {}, []
    for seed in SEEDS:
        refs, ours = [], []
        for _ in range(repeats):
            r = R.run(seed, ITERATIONS)
            o = run_ours(seed)
            refs.append(r), ours.append(o)
            ratios.append(o["train_s"] / r["train_s"])
        per_seed[seed] = {
            "ref": {"train_s": [round(r["train_s"], 2) for r in refs], "mse_clean": round(refs[0]["mse_clean"], 4),
                    "mse_noisy": round(refs[0]["mse_noisy"], 4),
                    "single_step_mse_clean": round(refs[0]["single_step_mse_clean"], 4),
                    "train_loss_last_1000": round(refs[0]["final_loss_mean_last_1000"], 4),
                    "deterministic": len({r["mse_clean"] for r in refs}) == 1},
            "ours": {"train_s": [round(o["train_s"], 3) for o in ours], "mse_clean": round(ours[0]["mse_clean"], 4),
                     "mse_noisy": round(ours[0]["mse_noisy"], 4),
                     "single_step_mse_clean": round(ours[0]["single_step_mse_clean"], 4),
                     "forecast_s": round(ours[0]["forecast_s"], 3),
                     "deterministic": len({o["mse_clean"] for o in ours}) == 1},
        }
    ours_mse = [per_seed[s]["ours"]["mse_clean"] for s in SEEDS]
    ref_mse = [per_seed[s]["ref"]["mse_clean"] for s in SEEDS]
    ratio = _stats(ratios, 4)
    out = {
        "bench": "sine_forecast", "torch_threads": torch.get_num_threads(), "repeats_per_seed": repeats,
        "ref_iterations": ITERATIONS, "ours": f"LSTM, fast recipe, {S.DEFAULT_STEPS['fast']} steps",
        "per_seed": per_seed,
        "ratio_train_time_ours_over_ref": ratio,
        "median_mse_clean": {"ours": round(statistics.median(ours_mse), 4), "ref": round(statistics.median(ref_mse), 4)},
        "median_mse_noisy": {"ours": round(statistics.median(per_seed[s]["ours"]["mse_noisy"] for s in SEEDS), 4),
                             "ref": round(statistics.median(per_seed[s]["ref"]["mse_noisy"] for s in SEEDS), 4)},
        "targets": {"ours_median_mse_clean_le": TARGET_MSE, "ratio_le": TARGET_RATIO,
                    "mse_met": statistics.median(ours_mse) <= TARGET_MSE,
                    "time_met": ratio["median"] <= TARGET_RATIO},
    }

    # extras, not interleaved: other kinds with the fast recipe
    extras = {}
    for kind in ("RNN", "GRU", "MyRNN"):
        runs = {seed: run_ours(seed, kind) for seed in SEEDS}
        extras[kind] = {"train_s": {s: round(v["train_s"], 3) for s, v in runs.items()},
                        "mse_clean": {s: round(v["mse_clean"], 4) for s, v in runs.items()},
                        "median_mse_clean": round(statistics.median(v["mse_clean"] for v in runs.values()), 4),
                        "median_train_s": round(statistics.median(v["train_s"] for v in runs.values()), 3)}
    out["extras_not_interleaved"] = extras
    # the page's "random" recipe (the FAQ's alternative the reference runs: MyRNN, one random
    # window per step, SGD): seconds per step through rnnviz.train.train vs the reference's per iteration
    steps = 500 if quick else S.DEFAULT_STEPS["random"]
    tut = run_ours(0, "MyRNN", "random", steps)
    ref_ms_per_iter = 1e3 * statistics.median(
        t for s in SEEDS for t in per_seed[s]["ref"]["train_s"]) / ITERATIONS
    out["extra_tutorial_recipe_not_interleaved"] = {
        "kind": "MyRNN", "seed": 0, "steps": steps, "train_s": round(tut["train_s"], 3),
        "ms_per_step": round(1e3 * tut["train_s"] / steps, 3),
        "ref_ms_per_iteration_median": round(ref_ms_per_iter, 3),
        "mse_clean": round(tut["mse_clean"], 4),
    }
    out["bench_seconds"] = round(time.perf_counter() - t_start, 1)
    return out


if __name__ == "__main__":
    print(json.dumps(main(quick="--quick" in sys.argv)))
