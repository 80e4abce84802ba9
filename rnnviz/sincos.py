"""sin -> cos, tutorial C's recipe (see TUTORIALS.md): read sin(t) one step at a time and
output cos(t). nn.RNN(1, 32) and Linear(32, 1) at every step, Adam lr 0.02, MSE, 300 steps;
step k reads the 10 points of [k*pi, (k+1)*pi], and the hidden state is carried from chunk to
chunk (detached, so backprop stops at the chunk's start). Ours, not the tutorial's: a twin
that resets its state to zero every chunk, trained alongside from the same weights.

At a chunk's first step sin is 0 whether cos is +1 or -1: only a carried state can tell.

Frames have stable names and values (state "carried" / "reset", curve "target" / "carried" /
"reset"); the page says them in the learner's words (sine.sc.*). A new way to treat the state
between chunks: a model in Pair, its name in MODES, its loss in build, its words in both
catalogues (sine.sc.<mode>, sine.sc.curve.<mode>).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from rnnviz.checkpoint import Reveal
from rnnviz.forecast import direction
from rnnviz.i18n import Message
from rnnviz.train import Snapshot, seeded, train

MODES = ("carried", "reset")  # the state between chunks: carried on (the tutorial's), or reset to zero (ours)


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
    """The carried/reset pair and the generator that trains both, one chunk per Adam step."""
    pair = Pair(cfg.hidden_size, cfg.seed)
    opt = torch.optim.Adam(pair.parameters(), lr=cfg.lr)
    h: torch.Tensor | None = None  # the carried model's state, from chunk to chunk
    last: dict[str, float] = {}

    def loss_at(step: int) -> torch.Tensor:
        nonlocal h
        _, x, y = chunk(step - 1, cfg.chunk)
        pred_c, h = pair.carried(x, h)
        h = h.detach()  # carry the state on, but not the graph: backprop stops here
        pred_r, _ = pair.reset(x, None)
        losses = {"carried": nn.functional.mse_loss(pred_c, y), "reset": nn.functional.mse_loss(pred_r, y)}
        last.update({k: float(v.detach()) for k, v in losses.items()})
        return losses["carried"] + losses["reset"]

    return pair, train(pair, loss_at, opt, cfg.steps, log_every=max(1, cfg.steps // 100),
                       describe=lambda: {"losses": dict(last)})


def loss_frame(history: list[Snapshot]) -> pd.DataFrame:
    """step, state, loss: each model's training loss at each logged step."""
    rows = [(s.step, k, v) for s in history for k, v in s.info["losses"].items()]
    return pd.DataFrame(rows, columns=["step", "state", "loss"])


@dataclass(frozen=True)
class Evaluation:
    """Both models over eval_chunks chunks after the training range."""

    curves: pd.DataFrame  # t, curve ("target", or the MODES: each model's prediction), value
    scores: pd.DataFrame  # state (MODES, in order), mse (over the chunks), mse_first (at each chunk's first step)


@torch.no_grad()
def evaluate(pair: Pair, cfg: SinCosConfig) -> Evaluation:
    """Run both models over eval_chunks chunks after the training range, each warmed up on the
    chunk before (unscored)."""
    frames, scores = [], []
    first = cfg.steps
    for mode in MODES:
        model = getattr(pair, mode)
        _, x_before, _ = chunk(first - 1, cfg.chunk)
        _, h = model(x_before, None)  # warm up on the chunk before, unscored
        errs, start_errs = [], []
        for k in range(first, first + cfg.eval_chunks):
            ts, x, y = chunk(k, cfg.chunk)
            pred, h = model(x, h if mode == "carried" else None)
            p = pred.view(-1).numpy()
            frames.append(pd.DataFrame({"t": ts, "curve": mode, "value": p}))
            if mode == MODES[0]:
                frames.append(pd.DataFrame({"t": ts, "curve": "target", "value": y.view(-1).numpy()}))
            errs.append((p - y.view(-1).numpy()) ** 2)
            start_errs.append(errs[-1][0])
        scores.append((mode, float(np.mean(errs)), float(np.mean(start_errs))))
    return Evaluation(pd.concat(frames, ignore_index=True),
                      pd.DataFrame(scores, columns=["state", "mse", "mse_first"]))


LEARNT_FACTOR = 10  # "knows which": ten times smaller than the reset model's error at chunk starts


@dataclass(frozen=True)
class ByState:
    """One number for each model: the one that carries its state, the one that resets it."""

    carried: float
    reset: float


@dataclass(frozen=True)
class SinCosVerdict:
    """What this run shows about the carried state (from evaluate's scores)."""

    learnt: bool  # the carried model tells +1 from -1 at chunk starts: its error there < reset's / LEARNT_FACTOR
    mse: ByState  # MSE over the scored chunks
    start: ByState  # MSE at each chunk's first step (reset: about 1, it cannot know)

    @property
    def message(self) -> Message:
        """The sentence the page says about this run, with its numbers."""
        return Message("sine.sc.learnt" if self.learnt else "sine.sc.not_learnt", start_c=self.start.carried,
                       start_r=self.start.reset, mse_c=self.mse.carried, mse_r=self.mse.reset, factor=LEARNT_FACTOR)


def verdict(scores: pd.DataFrame) -> SinCosVerdict:
    """The lesson this run supports (scores: evaluate's)."""
    by = scores.set_index("state")
    mse, start = ByState(**by["mse"].to_dict()), ByState(**by["mse_first"].to_dict())
    learnt = start.carried < start.reset / LEARNT_FACTOR and mse.carried < mse.reset
    return SinCosVerdict(learnt, mse, start)


def judge(pair: Pair, cfg: SinCosConfig) -> SinCosVerdict:
    """What the trained pair shows (evaluate, then verdict)."""
    return verdict(evaluate(pair, cfg).scores)


def reset_reveal(v: SinCosVerdict) -> Reveal:
    """sine_4: with the state reset every chunk instead of carried, does the error at the chunks'
    first steps grow (this run's two models)?"""
    ratio = v.start.reset / max(v.start.carried, 1e-12)
    right = direction(ratio, "grows", "shrinks")
    why = Message(f"quiz.sine_4.why_{right}", start_c=v.start.carried, start_r=v.start.reset, ratio=ratio,
                  mse_c=v.mse.carried, mse_r=v.mse.reset)
    if right == "grows":
        return Reveal(right, why, Message("quiz.sine_4.try_few"), {"sc_steps": "5"})
    return Reveal(right, why, Message("quiz.sine_4.try_more"), {"sc_steps": str(SinCosConfig.steps)})
