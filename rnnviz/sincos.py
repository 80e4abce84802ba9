"""sin -> cos (the classic regression tutorial): read sin(t) one step at a time and output
cos(t). The series comes in chunks of 10 steps, each spanning pi; the hidden state is carried
from chunk to chunk (detached, so backprop stops at the chunk's start) or reset to zero.

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

from rnnviz.i18n import t
from rnnviz.train import Snapshot, seeded, train

MODES = ("carried", "reset")


@dataclass(frozen=True)
class SinCosConfig:
    """The tutorial's settings."""

    chunk: int = 10  # TIME_STEP: points per chunk of length pi
    hidden_size: int = 32  # the tutorial's 32 units
    steps: int = 200  # chunks trained on, one optimiser step each (the tutorial: 100, too few to settle)
    lr: float = 0.02  # Adam, as the tutorial
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
    curve = t("sine.col.curve")
    frames, scores = [], []
    first = cfg.steps
    for mode in MODES:
        model = getattr(pair, mode)
        _, h = model(chunk(first - 1, cfg.chunk)[1], None)  # warm up on the chunk before, unscored
        errs, start_errs = [], []
        label = t("sine.sc.prediction", mode=t(f"sine.sc.{mode}"))
        for k in range(first, first + cfg.eval_chunks):
            ts, x, y = chunk(k, cfg.chunk)
            pred, h = model(x, h if mode == "carried" else None)
            p = pred.view(-1).numpy()
            frames.append(pd.DataFrame({"t": ts, curve: label, "value": p}))
            if mode == MODES[0]:
                frames.append(pd.DataFrame({"t": ts, curve: t("sine.sc.target"), "value": y.view(-1).numpy()}))
            errs.append((p - y.view(-1).numpy()) ** 2)
            start_errs.append(errs[-1][0])
        scores.append((t(f"sine.sc.{mode}"), float(np.mean(errs)), float(np.mean(start_errs))))
    return (pd.concat(frames, ignore_index=True),
            pd.DataFrame(scores, columns=[t("sine.sc.between"), t("sine.sc.mse"), t("sine.sc.mse_first")]))
