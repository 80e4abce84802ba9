"""Time-to-solve hello -> ohlol: rnnviz.unrolling.train_hello vs the notes' code.

For each variant and each seed 0-4, reference and ours run interleaved (reference, ours,
reference, ours, ...), each run building its model and optimiser and training 15 epochs.
Figures:
- ratio of wall time per 15 epochs, ours / reference (median and min over all pairs);
- ratio of wall time until the first "ohlol" (pairs where both solve);
- epochs until "ohlol" per seed and success counts (seeds 0-4 solved within 15 epochs),
  ours at LR_OF_VARIANT, the reference at the notes' lr and at ours;
- the page's default seed (HelloConfig.seed) on its own.

Both predict during the forward pass (weights before the step), as the notes print it, so
with the same seed and lr both reach "ohlol" at the same epoch; `same_trajectory` checks
both compute the same losses, `same_printout` the same predicted strings (same seed, same lr).
Ours runs at LR_OF_VARIANT, which are the notes' learning rates.

    python bench/hello_solve.py [--quick]
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import reference_hello as R

from rnnviz import unrolling as U

SEEDS = range(5)
EPOCHS = 15


def run_ours(variant: str, seed: int, lr: float | None = None) -> dict:
    t0 = time.perf_counter()
    cfg = U.HelloConfig(variant, U.LR_OF_VARIANT[variant] if lr is None else lr, EPOCHS, seed)
    model = U.hello_model(cfg)
    predicted, losses, times = [], [], []
    for snap in U.train_hello(cfg, model):
        predicted.append(snap.info.get("predicted", ""))
        losses.append(snap.loss)
        times.append(time.perf_counter() - t0)
    return {"predicted": predicted, "losses": losses, "times": times}


def first_solve(run: dict) -> tuple[int | None, float | None]:
    """(epoch, seconds) of the first epoch predicting "ohlol", or (None, None)."""
    for i, p in enumerate(run["predicted"]):
        if p == U.HELLO_OUT:
            return i + 1, run["times"][i]
    return None, None


def _stats(xs: list[float]) -> dict:
    return {"median": round(statistics.median(xs), 3), "min": round(min(xs), 3), "n": len(xs)} if xs else None


def bench_variant(variant: str, repeats: int) -> dict:
    ref = R.RUN[variant]
    ours_lr = U.LR_OF_VARIANT[variant]
    # warm-up pair (first calls pay for lazy imports and allocator growth)
    ref(0), run_ours(variant, 0)
    ratio_15, ratio_solve, ref_ms, ours_ms = [], [], [], []
    for _ in range(repeats):
        for seed in SEEDS:
            r = ref(seed)
            o = run_ours(variant, seed)
            ratio_15.append(o["times"][-1] / r["times"][-1])
            ref_ms.append(1e3 * r["times"][-1])
            ours_ms.append(1e3 * o["times"][-1])
            (_, rs), (_, os_) = first_solve(r), first_solve(o)
            if rs is not None and os_ is not None:
                ratio_solve.append(os_ / rs)

    epochs_ours, epochs_ref, epochs_ref_same_lr, same_traj, same_print = {}, {}, {}, [], []
    for seed in SEEDS:
        o = run_ours(variant, seed)
        epochs_ours[seed] = first_solve(o)[0]
        epochs_ref[seed] = first_solve(ref(seed))[0]
        r_same = ref(seed, lr=ours_lr)
        epochs_ref_same_lr[seed] = first_solve(r_same)[0]
        same_traj.append(max(abs(a - b) for a, b in zip(o["losses"], r_same["losses"])))
        same_print.append(o["predicted"] == r_same["predicted"])

    # the page's default seed, interleaved on its own
    d = U.HelloConfig.seed
    d_ratio, d_ratio_solve = [], []
    for _ in range(repeats):
        r, o = ref(d), run_ours(variant, d)
        d_ratio.append(o["times"][-1] / r["times"][-1])
        (_, rs), (_, os_) = first_solve(r), first_solve(o)
        if rs is not None and os_ is not None:
            d_ratio_solve.append(os_ / rs)

    count = lambda e: sum(v is not None for v in e.values())
    return {
        "lr_ours": ours_lr, "lr_ref_notes": R.NOTES_LR[variant],
        "ratio_time_per_15_epochs": _stats(ratio_15),
        "ratio_time_to_ohlol": _stats(ratio_solve),
        "ref_ms_per_15_epochs": _stats(ref_ms), "ours_ms_per_15_epochs": _stats(ours_ms),
        "epochs_to_ohlol": {"ours": epochs_ours, "ref_notes_lr": epochs_ref, "ref_same_lr": epochs_ref_same_lr},
        "solved_of_5": {"ours": count(epochs_ours), "ref_notes_lr": count(epochs_ref),
                        "ref_same_lr": count(epochs_ref_same_lr)},
        "same_trajectory_max_loss_diff": float(f"{max(same_traj):.2e}"),
        "same_printout": all(same_print),
        "default_seed": {"seed": d, "epochs_ours": first_solve(run_ours(variant, d))[0],
                         "epochs_ref_notes_lr": first_solve(ref(d))[0],
                         "ratio_time_per_15_epochs": _stats(d_ratio),
                         "ratio_time_to_ohlol": _stats(d_ratio_solve)},
    }


def main(quick: bool = False) -> dict:
    import torch

    repeats = 4 if quick else 20
    t0 = time.perf_counter()
    out = {"bench": "hello_solve", "repeats_per_seed": repeats, "torch_threads": torch.get_num_threads(),
           "variants": {v: bench_variant(v, repeats) for v in U.VARIANTS}}
    out["bench_seconds"] = round(time.perf_counter() - t0, 1)
    return out


if __name__ == "__main__":
    print(json.dumps(main(quick="--quick" in sys.argv)))
