"""Sine forecasting: the "Sine forecasting" page's experiment, outside the app.

A noisy sine, sliding windows of WINDOW values, and one forecaster per kind in KINDS (all from
the same seed) that reads a window and predicts the next value, trained by one of four recipes:
tutorial A's one ordered pass (step k reads window k-1), its FAQ's ordered passes repeated or
windows at random starts (all three SGD, one window per step), or ours, fast (every window in one
batch per step, Adam with a one-cycle schedule). From the repository: python examples/sine.py.
The page's sidebar exports this file standalone (torch and numpy), its settings the page's; on
the same machine it prints the page's losses.
"""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # rnnviz from the repository (not exported)
from rnnviz import sine  # inlined when exported

# --- settings ---
N_POINTS = 400  # the tutorial's linspace(0, 36, 400): about 11 points per radian
X_MAX = 36.0  # about 5.7 periods of sin
NOISE = 0.2  # noise scale: U[0, NOISE) or N(0, NOISE^2)
NOISE_KIND = "uniform"  # the tutorial's U[0, 0.2) (mean 0.1, not 0!) or "gaussian"
SPLIT = 320  # points before the split train the models; the rest test them
WINDOW = 10  # values a model reads to predict the next one
SERIES_SEED = 0  # same seed, same noise
KINDS = ("RNN",)  # any of "MyRNN" (the tutorial's loop), "RNN", "LSTM", "GRU": trained side by side
HIDDEN_SIZE = 12  # the tutorial's 12 units
RECIPE = "fast"  # "tutorial", "epochs", "random" (SGD, one window a step) or "fast" (all windows, Adam)
STEPS = 400  # optimiser steps; the tutorial's recipe takes one pass: SPLIT - WINDOW of them
LR = 0.02  # SGD's 0.01 for the tutorial's recipes; Adam's peak 0.02 for fast
SEED = 0  # same seed: same weights for every kind, same random windows
# --- end of settings ---

# One thread, as the app: small recurrent models run fastest on one, and the sums inside
# each matrix product then add up in the same order, so the numbers match the page's.
torch.set_num_threads(1)

series = sine.SeriesConfig(
    n_points=N_POINTS, x_max=X_MAX, noise=NOISE, noise_kind=NOISE_KIND, split=SPLIT, window=WINDOW,
    seed=SERIES_SEED
)
config = sine.SineConfig(
    series=series, kinds=KINDS, hidden_size=HIDDEN_SIZE, recipe=RECIPE, steps=STEPS, lr=LR, seed=SEED
)
X, Y, _ = sine.windows(sine.make_series(series).y, WINDOW, SPLIT)  # (S, WINDOW, 1) inputs, (S, 1) the next values
model = sine.Forecasters(KINDS, HIDDEN_SIZE, SEED)  # every kind from the same seed, their losses summed
if RECIPE == "fast":
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=LR, total_steps=STEPS, pct_start=0.1)
else:
    opt, schedule = torch.optim.SGD(model.parameters(), lr=LR), None

log_every = max(1, STEPS // 200)  # about 200 lines, as the page's loss curve has points
for step, starts in enumerate(sine.window_schedule(config), start=1):
    xb, yb = (X, Y) if len(starts) == len(X) else (X[starts[0]:starts[0] + 1], Y[starts[0]:starts[0] + 1])
    model.train()
    opt.zero_grad(set_to_none=True)
    losses = model.losses(xb, yb)  # kind -> its MSE
    loss = sum(losses.values())  # the page's loss: the sum over the models
    loss.backward()
    opt.step()
    if schedule is not None:
        schedule.step()
    if step % log_every == 0 or step == STEPS:
        each = "  ".join(f"{kind} {value.item():.6f}" for kind, value in losses.items())
        print(f"step {step:5d}  loss {loss.item():.6f}  ({each})")

print(f"final loss: {loss.item()}")
