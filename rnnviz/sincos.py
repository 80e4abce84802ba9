"""sin -> cos, tutorial C's recipe (see TUTORIALS.md): read sin(t) one step at a time and
output cos(t). nn.RNN(1, 32) and Linear(32, 1) at every step, Adam lr 0.02, MSE, 300 steps;
step k reads the 10 points of [k*pi, (k+1)*pi], and the hidden state is carried from chunk to
chunk (detached, so backprop stops at the chunk's start). Ours, not the tutorial's: a twin
that resets its state to zero every chunk, trained alongside from the same weights.

At a chunk's first step sin is 0 whether cos is +1 or -1: only a carried state can tell.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from rnnviz.i18n import tr
from rnnviz.train import Snapshot, seeded, train

MODES = ("carried", "reset")


@dataclass(frozen=True)
class SinCosConfig:
    """Tutorial C's recipe, exactly (the defaults); eval_chunks is ours."""

    chunk: int = 10  # the tutorial's TIME_STEP: 10 points per chunk of length pi
    hidden_size: int = 32  # the tutorial's 32 units
    steps: int = 300  # the tutorial's 300 steps: chunks 0..299, one optimiser step each
    lr: float = 0.02  # the tutorial's Adam learning rate
    eval_chunks: int = 6  # chunks after training to score on (3 periods)
    seed: int = 0


class SinToCos(nn.Module):
    """nn.RNN(1, H) and a Linear read-out at every step: (1, T, 1) -> (1, T, 1)."""

    def __init__(self, hidden_size: int):
        super().__init__()
        self.rnn = nn.RNN(1, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, 1)

    def forward(self, x: torch.Tensor, h: torch.Tensor | None):
        r, h = self.rnn(x, h)  # (1, T, H), (1, 1, H)
        return self.out(r), h


def chunk(k: int, n: int) -> tuple[np.ndarray, torch.Tensor, torch.Tensor]:
    """Chunk k: t from k*pi to (k+1)*pi in n points; x = sin t, y = cos t as (1, n, 1)."""
    t = np.linspace(k * math.pi, (k + 1) * math.pi, n, dtype=np.float32)
    return t, torch.from_numpy(np.sin(t)).view(1, n, 1), torch.from_numpy(np.cos(t)).view(1, n, 1)


class Pair(nn.Module):
    """The same model twice from one seed: one carries its state, one resets it."""

    def __init__(self, hidden_size: int, seed: int):
        super().__init__()
        with seeded(seed):
            self.carried = SinToCos(hidden_size)
        with seeded(seed):
            self.reset = SinToCos(hidden_size)


def build(cfg: SinCosConfig) -> tuple[Pair, Iterator[Snapshot]]:
    pair = Pair(cfg.hidden_size, cfg.seed)
    opt = torch.optim.Adam(pair.parameters(), lr=cfg.lr)
    state = {"h": None}
    last: dict[str, float] = {}

    def loss_at(step: int) -> torch.Tensor:
        _, x, y = chunk(step - 1, cfg.chunk)
        pred_c, h = pair.carried(x, state["h"])
        state["h"] = h.detach()  # carry the state on, but not the graph: backprop stops here
        pred_r, _ = pair.reset(x, None)
        losses = {"carried": nn.functional.mse_loss(pred_c, y), "reset": nn.functional.mse_loss(pred_r, y)}
        last.update({k: float(v.detach()) for k, v in losses.items()})
        return losses["carried"] + losses["reset"]

    return pair, train(pair, loss_at, opt, cfg.steps, log_every=max(1, cfg.steps // 100),
                       describe=lambda: {"losses": dict(last)})


@torch.no_grad()
def evaluate(pair: Pair, cfg: SinCosConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run both models over eval_chunks chunks after the training range.

    Returns the curves (t, curve, value) and the scores (mode, MSE, MSE at chunk starts),
    labelled in the learner's language (sine.sc.*).
    """
    curve = tr("sine.col.curve")
    frames, scores = [], []
    first = cfg.steps
    for mode in MODES:
        model = getattr(pair, mode)
        _, h = model(chunk(first - 1, cfg.chunk)[1], None)  # warm up on the chunk before, unscored
        errs, start_errs = [], []
        label = tr("sine.sc.prediction", mode=tr(f"sine.sc.{mode}"))
        for k in range(first, first + cfg.eval_chunks):
            ts, x, y = chunk(k, cfg.chunk)
            pred, h = model(x, h if mode == "carried" else None)
            p = pred.view(-1).numpy()
            frames.append(pd.DataFrame({"t": ts, curve: label, "value": p}))
            if mode == MODES[0]:
                frames.append(pd.DataFrame({"t": ts, curve: tr("sine.sc.target"), "value": y.view(-1).numpy()}))
            errs.append((p - y.view(-1).numpy()) ** 2)
            start_errs.append(errs[-1][0])
        scores.append((tr(f"sine.sc.{mode}"), float(np.mean(errs)), float(np.mean(start_errs))))
    return (pd.concat(frames, ignore_index=True),
            pd.DataFrame(scores, columns=[tr("sine.sc.between"), tr("sine.sc.mse"), tr("sine.sc.mse_first")]))


@dataclass(frozen=True)
class SinCosVerdict:
    """What this run shows about the carried state (from evaluate's scores)."""

    learnt: bool  # the carried model tells +1 from -1 at chunk starts: its error there < reset's / LEARNT_FACTOR
    mse: tuple[float, float]  # (carried, reset): MSE over the scored chunks
    start: tuple[float, float]  # (carried, reset): MSE at each chunk's first step (reset: about 1, it cannot know)


LEARNT_FACTOR = 10  # "knows which": ten times smaller than the reset model's error at chunk starts


def verdict(scores: pd.DataFrame) -> SinCosVerdict:
    """The lesson this run supports (scores: evaluate's, rows in MODES order)."""
    (mse_c, start_c), (mse_r, start_r) = scores.iloc[:, 1:3].to_numpy().tolist()
    learnt = start_c < start_r / LEARNT_FACTOR and mse_c < mse_r
    return SinCosVerdict(learnt, (mse_c, mse_r), (start_c, start_r))
