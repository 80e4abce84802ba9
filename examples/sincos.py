"""sin -> cos: the "Sine forecasting" page's second experiment, outside the app.

Read sin(t) one step at a time and output cos(t). The series comes in chunks of CHUNK points,
each spanning pi. Two copies of one model from the same seed: one carries its hidden state
from chunk to chunk (detached), one resets it to zero. At a chunk's first step sin is 0
whether cos is +1 or -1: only a carried state can tell. From the repository:
python examples/sincos.py. The page's sidebar exports this file standalone (torch and numpy),
its settings the page's; on the same machine it prints the page's losses.
"""

import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # rnnviz from the repository (not exported)
from rnnviz import sincos  # inlined when exported

# --- settings ---
CHUNK = 10  # the tutorial's TIME_STEP: 10 points per chunk of length pi
HIDDEN_SIZE = 32  # the tutorial's 32 units
STEPS = 300  # the tutorial's 300 steps: chunks 0..299, one Adam step each
LR = 0.02  # the tutorial's Adam learning rate
EVAL_CHUNKS = 6  # chunks after training to score both models on (3 periods)
SEED = 0  # both models start from the weights this seed gives
# --- end of settings ---

# One thread, as the app: small recurrent models run fastest on one, and the sums inside
# each matrix product then add up in the same order, so the numbers match the page's.
torch.set_num_threads(1)

pair = sincos.Pair(HIDDEN_SIZE, SEED)  # pair.carried and pair.reset: the same weights
opt = torch.optim.Adam(pair.parameters(), lr=LR)
h = None  # the carried model's state, from chunk to chunk
log_every = max(1, STEPS // 100)
for step in range(1, STEPS + 1):  # one chunk per step
    _, x, y = sincos.chunk(step - 1, CHUNK)
    pair.train()
    opt.zero_grad(set_to_none=True)
    pred_carried, h = pair.carried(x, h)
    h = h.detach()  # carry the state on, but not the graph: backprop stops at the chunk's start
    pred_reset, _ = pair.reset(x, None)
    loss_carried = nn.functional.mse_loss(pred_carried, y)
    loss_reset = nn.functional.mse_loss(pred_reset, y)
    loss = loss_carried + loss_reset  # the page's loss: the sum of both
    loss.backward()
    opt.step()
    if step % log_every == 0 or step == STEPS:
        print(f"step {step:5d}  loss {loss.item():.6f}  "
              f"(carried {loss_carried.item():.6f}  reset {loss_reset.item():.6f})")

# score both on the EVAL_CHUNKS chunks after the training range, each warmed up on the chunk before
pair.eval()
with torch.no_grad():
    for mode in ("carried", "reset"):
        model = getattr(pair, mode)
        _, state = model(sincos.chunk(STEPS - 1, CHUNK)[1], None)
        squared = []  # (EVAL_CHUNKS, CHUNK) squared errors
        for k in range(STEPS, STEPS + EVAL_CHUNKS):
            _, x, y = sincos.chunk(k, CHUNK)
            pred, state = model(x, state if mode == "carried" else None)
            squared.append(((pred - y).view(-1).numpy()) ** 2)
        first = np.mean([row[0] for row in squared])
        print(f"state {mode}: MSE {np.mean(squared):.6f}, MSE at each chunk's first step {first:.6f}")

print(f"final loss: {loss.item()}")
