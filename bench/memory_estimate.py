"""How close rnnviz.cost's memory estimate is to what one training step really takes.

Each config trains two steps of the char page's real training loop (charlm.build) in its
own subprocess, on a text whose vocabulary has the size asked for; the run's memory is the
process's peak RSS (ru_maxrss) minus its RSS before the model was built (after a one-unit
warm-up run has imported what training needs). Beside it: the estimate
(rnnviz.cost.memory_mb), which the page uses to refuse or question a run before it starts.
The configs: the page's default, the chapter's recipe, a large LSTM, the issue's heavy link
(LSTM 1024 x 4 layers, embedding 512, batch 64 x 500), and an upload of 60,000 distinct
characters (one-hot) and the same with an embedding.

    python bench/memory_estimate.py [--quick]   # --quick: leaves out the heavy link (a minute a step)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CONFIGS = {  # name: (vocabulary size, CharConfig changes)
    "default": (8, {}),
    "chapter": (1_027, {"kind": "RNN", "hidden_size": 256, "batch_size": 32, "num_steps": 35, "optimizer": "sgd"}),
    "lstm_512x2": (65, {"kind": "LSTM", "hidden_size": 512, "num_layers": 2, "batch_size": 64, "num_steps": 100}),
    "vocab_60k": (60_000, {"hidden_size": 64}),
    "vocab_60k_embed": (60_000, {"hidden_size": 64, "embedding": 64}),
    "heavy_link": (8, {"kind": "LSTM", "hidden_size": 1024, "num_layers": 4, "embedding": 512, "batch_size": 64,
                       "num_steps": 500}),
}

ONE = """
import json, resource, sys
from dataclasses import replace
from rnnviz import charlm as C
vocab, changes = json.loads(sys.argv[1])
cfg = replace(C.CharConfig(), **changes, epochs=1)
need = cfg.batch_size * cfg.num_steps * 3 + 2
text = "".join(chr(0x4E00 + i % vocab) for i in range(max(need, vocab) * 2))
corpus = C.prepare(text, cfg.held_out)
def rss():
    return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) / 1024
warm = replace(C.CharConfig(), hidden_size=1, batch_size=1, num_steps=1, epochs=1)
next(C.build(warm, C.prepare("ab" * 50, 0.1))[1])  # imports what training needs: not the run's memory
base = rss()
model, steps = C.build(cfg, corpus)
before = rss()
next(steps); next(steps)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"base_mb": round(base, 1), "before_mb": round(before, 1), "peak_mb": round(peak, 1),
                  "vocab": len(corpus.vocab)}))
"""


def measured(vocab: int, changes: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", ONE, json.dumps([vocab, changes])], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(quick: bool = False) -> dict:
    from dataclasses import replace

    from rnnviz import charlm as C
    from rnnviz import cost

    rows = {}
    for name, (vocab, changes) in CONFIGS.items():
        if quick and name == "heavy_link":
            continue
        m = measured(vocab, changes)
        cfg = replace(C.CharConfig(), **changes)
        run_mb = m["peak_mb"] - m["base_mb"]  # the model, and its first two steps at their peak
        estimate = cost.memory_mb(("upload", 10 * vocab, cfg), vocab)
        rows[name] = {"vocab": m["vocab"], "model_mb": round(m["before_mb"] - m["base_mb"], 1),
                      "run_mb": round(run_mb, 1), "estimate_mb": round(estimate, 1),
                      "ratio": round(estimate / max(run_mb, 1.0), 2)}
    return {"bench": "memory_estimate", "quick": quick, "configs": rows}


if __name__ == "__main__":
    print(json.dumps(main(quick="--quick" in sys.argv)))
