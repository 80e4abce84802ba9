"""LSTM gates: the "LSTM gates" page's experiment, outside the app.

A recurrent layer (LSTM, GRU or the vanilla RNN) and a linear read-out, trained with Adam and
gradient clipping on a task where gates have something to do: remember a symbol across a gap
(memory), answer the most recent of two marked symbols, the second replacing the first
(replace: tutorial A's Alice -> Bob), count bracket depth (counting), or predict the next
value of the noisy sine (sine). Fresh random sequences every step from a seeded generator; a
fixed held-out batch scores the model, and training stops early once it is solved. From the
repository: python examples/gates.py. The page's sidebar exports this file standalone (torch
and numpy), its settings the page's; on the same machine it prints the page's losses.
"""

import sys
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # rnnviz from the repository (not exported)
from rnnviz import gates  # inlined when exported

# --- settings ---
TASK = "memory"  # "memory", "replace", "counting" or "sine"
KIND = "LSTM"  # "LSTM", "GRU", or "RNN" (the vanilla one, for contrast)
GAP = 20  # memory and replace: distractors between the symbol and the cue
N_SYMBOLS = 4  # memory and replace: symbols to remember (chance is 1/N_SYMBOLS)
LENGTH = 30  # counting: brackets per string
MAX_DEPTH = 4  # counting: deepest nesting
HIDDEN_SIZE = 16  # units in the recurrent layer
STEPS = 400  # Adam steps at most (memory and counting stop once solved)
LR = None  # Adam's learning rate; None: the task's own (gates.TASK_LR: memory 0.005, replace 0.0125, else 0.01)
FORGET_BIAS = 4.0  # LSTM: b_f = 4 starts the forget gate near 1, so memory survives the gap
UPDATE_BIAS = 4.0  # GRU: b_z = 4 starts the update gate near 1 (h is kept), the GRU's b_f
BATCH_SIZE = 128  # fresh random sequences every step
SEED = 0  # same seed, same weights, same sequences
# --- end of settings ---

# One thread, as the app: small recurrent models run fastest on one, and the sums inside
# each matrix product then add up in the same order, so the numbers match the page's.
torch.set_num_threads(1)

config = gates.GateConfig(
    task=TASK, kind=KIND, gap=GAP, symbols=N_SYMBOLS, length=LENGTH, max_depth=MAX_DEPTH,
    hidden_size=HIDDEN_SIZE, steps=STEPS, lr=LR, forget_bias=FORGET_BIAS, update_bias=UPDATE_BIAS,
    batch_size=BATCH_SIZE, seed=SEED
)
model = gates.make_model(config)  # from the seed; the keep gate's bias (b_f or b_z) set
g = torch.Generator().manual_seed(SEED)  # the training sequences
held_out = gates.sample(config, gates.EVAL_SIZE, torch.Generator().manual_seed(10_000 + SEED))  # scores, never trained on
opt = torch.optim.Adam(model.parameters(), lr=gates.learning_rate(config))
score = gates.score_name(config)  # "accuracy", or "MSE" on the sine

log_every = max(1, STEPS // 60)
for step in range(1, STEPS + 1):
    model.train()
    opt.zero_grad(set_to_none=True)
    loss = gates.loss_and_score(model, config, gates.sample(config, BATCH_SIZE, g))[0]
    loss.backward()
    nn.utils.clip_grad_norm_(list(model.parameters()), gates.CLIP)
    opt.step()
    if step % log_every == 0 or step == STEPS:
        model.eval()
        with torch.no_grad():
            held = gates.loss_and_score(model, config, held_out)[1]
        print(f"step {step:5d}  loss {loss.item():.6f}  held-out {score} {held:.4f}")
        # as the page: solved stops training, but on the replace task a gated model trains every
        # step (its keep gate learns to drop at the second symbol only after it is solved)
        if score == "accuracy" and held >= gates.SOLVED and not (TASK == "replace" and KIND in gates.KEEP):
            print(f"held-out accuracy reached {held:.1%}: solved, so training stopped early")
            break

print(f"final loss: {loss.item()}")
