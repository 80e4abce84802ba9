"""The memory task at gap T = 50: LSTM vs vanilla RNN (and GRU), 3 seeds, the page's one setting.

For seeds 0, 1, 2 and each kind, rnnviz.gates.build(GateConfig(task="memory", gap=50,
hidden_size=HIDDEN, steps=STEPS, kind=kind, seed=seed)) is iterated to its end (it stops
early once the held-out accuracy reaches 99.5 %), the kinds interleaved within a seed.
Per run: the held-out accuracy of the last snapshot (500 sequences, the page's figure), the
accuracy on 2,000 fresh sequences, the steps taken, wall seconds and the CPU seconds of this
thread (the machine may be shared; CPU seconds show the work itself).
Targets: every LSTM run >= 95 % and every vanilla RNN run near chance (25 %; "near" is
<= NEAR_CHANCE), each trained in <= 20 s (wall) on this 2-core machine, torch threads as the
app sets them (RNNVIZ_THREADS, default 1).

HIDDEN/STEPS: the page's defaults (GateConfig: hidden 16, up to 400 steps, batch 128, b_f =
b_z = 4), which are also the settings of its comparison (issue 10 item 3: one setting). The
earlier comparison setting (hidden 64, 600 steps, batch 64, the GRU at torch's default b_z)
let the plain RNN carry gaps 5 and 20 and reach 94 % at 50 on the issue's run; it runs too
(RNN only, at gap 20, `old_config`) as the evidence for the change.

    python bench/gates_memory.py [--quick]   # --quick: skip the old_config runs
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import torch

from rnnviz import gates as G

SEEDS = (0, 1, 2)
KINDS = ("LSTM", "RNN", "GRU")
GAP = 50
HIDDEN = G.GateConfig.hidden_size  # the page's one setting (see the docstring)
STEPS = G.GateConfig.steps
OLD = {"hidden_size": 64, "steps": 600, "batch_size": 64, "update_bias": 0.0, "gap": 20}  # the old comparison
TARGET_LSTM = 0.95
NEAR_CHANCE = 0.35  # chance is 0.25; a model that carried the symbol scores far above this
TARGET_SECONDS = 20.0
TEST_SIZE = 2000  # fresh sequences for an accuracy independent of the early-stop batch


@torch.no_grad()
def test_accuracy(model, cfg: G.GateConfig) -> float:
    b = G.sample(cfg, TEST_SIZE, torch.Generator().manual_seed(99_000 + cfg.seed))
    model.eval()
    return float((model(b.x).argmax(-1) == b.y).float().mean())


def run(kind: str, seed: int, hidden: int, steps: int, **other) -> dict:
    cfg = G.GateConfig(**{"task": "memory", "gap": GAP, "hidden_size": hidden, "steps": steps, "kind": kind,
                          "seed": seed, **other})
    t0, c0 = time.perf_counter(), time.thread_time()
    model, snapshots = G.build(cfg)
    last = None
    for last in snapshots:
        if last.stopped:
            break
    wall, cpu = time.perf_counter() - t0, time.thread_time() - c0
    return {"kind": kind, "seed": seed, "hidden": hidden, "steps_max": steps, "steps": last.step,
            "solved_early": "done" in last.info, "accuracy": round(last.info["accuracy"], 4),
            "test_accuracy": round(test_accuracy(model, cfg), 4), "train_s": round(wall, 2),
            "cpu_s": round(cpu, 2), "diverged": str(last.stopped) if last.stopped else None}


def table(rows: list[dict]) -> list[str]:
    """A small text table: one line per kind, accuracy (and seconds) per seed."""
    lines = [f"{'kind':5} " + " ".join(f"{'seed ' + str(s):>20}" for s in SEEDS)]
    for kind in KINDS:
        cells = [next((r for r in rows if r["kind"] == kind and r["seed"] == s), None) for s in SEEDS]
        lines.append(f"{kind:5} " + " ".join(
            f"{c['accuracy']:>7.1%} {c['train_s']:>5.1f}s {c['steps']:>4}st" if c else f"{'-':>20}" for c in cells))
    return lines


def main(quick: bool = False) -> dict:
    t0 = time.perf_counter()
    load0 = os.getloadavg()
    rows = [run(kind, seed, HIDDEN, STEPS) for seed in SEEDS for kind in KINDS]
    of = lambda kind: [r for r in rows if r["kind"] == kind]
    lstm_ok = all(r["accuracy"] >= TARGET_LSTM for r in of("LSTM"))
    rnn_ok = all(r["accuracy"] <= NEAR_CHANCE for r in of("RNN"))
    time_ok = all(r["train_s"] <= TARGET_SECONDS for r in of("LSTM") + of("RNN"))
    out = {
        "bench": "gates_memory",
        "config": {"task": "memory", "gap": GAP, "hidden_size": HIDDEN, "steps": STEPS,
                   "other_fields": "GateConfig defaults", "torch_threads": torch.get_num_threads(),
                   "cpus": os.cpu_count()},
        "targets": {"lstm_accuracy_min": TARGET_LSTM, "rnn_near_chance_max": NEAR_CHANCE, "chance": 0.25,
                    "train_s_max": TARGET_SECONDS},
        "runs": rows,
        "table": table(rows),
        "mean_accuracy": {k: round(statistics.mean(r["accuracy"] for r in of(k)), 4) for k in KINDS},
        "max_train_s": {k: max(r["train_s"] for r in of(k)) for k in KINDS},
        "max_cpu_s": {k: max(r["cpu_s"] for r in of(k)) for k in KINDS},
        "pass": {"lstm_ge_95": lstm_ok, "rnn_near_chance": rnn_ok, "lstm_rnn_le_20s": time_ok,
                 "all": lstm_ok and rnn_ok and time_ok},
    }
    if not quick:
        other = {k: v for k, v in OLD.items() if k not in ("hidden_size", "steps")}
        old = [run("RNN", seed, OLD["hidden_size"], OLD["steps"], **other) for seed in SEEDS]
        out["old_config"] = {**OLD, "rnn_runs": [{k: r[k] for k in ("seed", "steps", "accuracy", "train_s")}
                                                 for r in old],
                             "rnn_carried_any": any(r["accuracy"] >= 0.9 for r in old)}
    out["loadavg_1min"] = {"start": round(load0[0], 2), "end": round(os.getloadavg()[0], 2)}
    out["bench_seconds"] = round(time.perf_counter() - t0, 1)
    return out


if __name__ == "__main__":
    result = main(quick="--quick" in sys.argv)
    for line in result["table"]:
        print(line, file=sys.stderr)  # for a human; stdout carries the one JSON line
    print(json.dumps(result, ensure_ascii=False))
