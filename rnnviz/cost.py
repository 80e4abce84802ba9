"""How long a training run will take, estimated from its config before anything trains.

A run costs its multiply-adds (the forward pass, and about twice that again backward), a
fixed price per optimiser step (Python, the optimiser, the snapshot), a price per time step
of a recurrent layer (a fused layer still walks through time one step after another), and
a price per character generated for the samples. This machine's price for each is measured
once per process, on small recurrent layers, the first time an estimate is asked for.
The estimate decides *whether* to start (train at once, or wait for the learner's Train
button with the estimate shown): it aims at the right order of magnitude, not the second (bench/cost_estimate.py measures how close it gets).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cache

import torch
from torch import nn

from rnnviz.models import SeqRegressor

GATES = {"RNN": 1, "MyRNN": 1, "GRU": 3, "LSTM": 4}  # weight blocks per layer: the matmuls a step does
BACKWARD = 3.0  # forward + backward cost about three forward passes


@dataclass(frozen=True)
class Work:
    """A run's size: optimiser steps, time steps walked, forward multiply-adds, characters sampled."""

    steps: int  # optimiser steps
    train_macs: float  # forward multiply-adds of the training batches, all steps together
    eval_macs: float = 0.0  # forward multiply-adds spent scoring (no backward)
    time_steps: float = 0.0  # recurrent time steps walked in training (forward and backward) and scoring
    tokens: float = 0.0  # single steps taken one by one in Python: a hand-written loop, sampled characters


def layer_macs(kind: str, input_size: int, hidden_size: int) -> int:
    """Multiply-adds of one recurrent layer for one token: every gate's W_i x + W_h h."""
    return GATES.get(kind, 4) * hidden_size * (input_size + hidden_size)


def work(config, vocab: int | None = None) -> Work:
    """The size of the run `config` asks for (any page's config; the char page's key is
    (corpus name, length, CharConfig)); vocab: the char model's vocabulary size when known."""
    name = type(config).__name__
    if isinstance(config, tuple):  # (corpus name, corpus length, CharConfig)
        return _char(config[-1], config[1], vocab or 100)
    if name == "SineConfig":
        return _sine(config)
    if name == "GateConfig":
        return _gates(config)
    steps = getattr(config, "steps", None) or getattr(config, "epochs", 1)
    hidden = getattr(config, "hidden_size", 32)
    per_step = getattr(config, "chunk", 10) * layer_macs("RNN", 1, hidden)  # sin->cos, hello: tiny
    return Work(int(steps), steps * per_step)


def _sine(cfg) -> Work:
    window, split = cfg.series.window, cfg.series.split
    batch = split - window if cfg.recipe == "fast" else 1  # every window per step, or one
    per_window = sum(window * layer_macs(k, 1, cfg.hidden_size) + cfg.hidden_size for k in cfg.kinds)
    loops = 3 * window * cfg.kinds.count("MyRNN")  # MyRNN steps through the window in Python, forward and back
    return Work(cfg.steps, cfg.steps * batch * per_window, 0.0, cfg.steps * window * len(cfg.kinds),
                cfg.steps * loops)


def _gates(cfg) -> Work:
    recall = cfg.task in ("memory", "replace")  # a symbol, the gap, the cue
    T = cfg.gap + 2 if recall else cfg.length if cfg.task == "counting" else 400
    inputs = 2 * cfg.symbols + 1 if recall else {"counting": 2, "sine": 1}.get(cfg.task, 9)
    token = layer_macs(cfg.kind, inputs, cfg.hidden_size)
    batch = cfg.batch_size if cfg.task != "sine" else 1
    evals = cfg.steps / max(1, cfg.steps // 60)  # the held-out batch is scored about 60 times
    held = 500 if cfg.task != "sine" else 1
    return Work(cfg.steps, cfg.steps * batch * T * token, evals * held * T * token, (cfg.steps + evals) * T)


def _char(cfg, length: int, vocab: int) -> Work:
    train_chars = int(length * (1 - cfg.held_out))
    per_epoch = max(1, train_chars // (cfg.batch_size * cfg.num_steps))
    steps = per_epoch * cfg.epochs
    width = cfg.embedding or vocab  # a one-hot input multiplies a vocab-wide matrix
    token = layer_macs(cfg.kind, width, cfg.hidden_size) + layer_macs(cfg.kind, cfg.hidden_size, cfg.hidden_size) * (
        cfg.num_layers - 1) + cfg.hidden_size * vocab  # recurrent layers, then the read-out
    held_chars = length - train_chars  # scored every epoch, in chunks of 200
    sampled = 2 * 60 + 30 * 60  # per epoch: 60 characters from each prefix, and up to 30 lines to check
    return Work(steps, steps * cfg.batch_size * cfg.num_steps * token, cfg.epochs * held_chars * token,
                steps * cfg.num_steps * cfg.num_layers + cfg.epochs * held_chars, cfg.epochs * sampled)


@cache
def machine() -> tuple[float, float, float, float]:
    """Seconds per optimiser step of a tiny model, per time step of a narrow layer, per forward
    multiply-add of a wide one, per token stepped alone; measured here once."""
    torch.manual_seed(0)
    tiny, x, y = SeqRegressor("RNN", 4), torch.randn(1, 10, 1), torch.randn(1, 1)
    opt = torch.optim.Adam(tiny.parameters())
    per_step = _best_of(lambda: _step(tiny, opt, x, y), 20)
    wide, X = nn.LSTM(128, 128, batch_first=True), torch.randn(32, 35, 128)
    macs = 32 * 35 * layer_macs("LSTM", 128, 128)
    per_mac = _best_of(lambda: wide(X)[0].sum().backward(), 3) / (BACKWARD * macs)
    narrow, x_long = nn.LSTM(8, 16, batch_first=True), torch.randn(8, 200, 8)
    per_time = _best_of(lambda: narrow(x_long)[0].sum().backward(), 3) / 200
    with torch.no_grad():
        one = torch.randn(1, 1, 8)
        per_token = _best_of(lambda: torch.softmax(narrow(one)[0][0, -1], -1).multinomial(1), 50)
    return per_step, per_time, per_mac, per_token


def _step(model, opt, x, y) -> None:
    opt.zero_grad()
    nn.functional.mse_loss(model(x), y).backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()


def _best_of(fn, repeats: int) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 4]  # a low quantile: this machine's speed drifts


OVERHEAD = 2.5  # the training loop's step (weights kept for rollback, snapshots) over a bare step


def seconds(config, vocab: int | None = None) -> float:
    """Estimated seconds to train `config` on this machine, from its size alone."""
    w = work(config, vocab)
    per_step, per_time, per_mac, per_token = machine()
    return (w.steps * per_step * OVERHEAD + w.time_steps * per_time + w.tokens * per_token
            + (BACKWARD * w.train_macs + w.eval_macs) * per_mac)
