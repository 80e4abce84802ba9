"""A noisy sine series and the sliding windows a forecaster learns from.

The classic tutorial: x = linspace(0, 36, 400), y = sin(x) + noise with noise ~ U[0, 0.2),
the first 320 points for training and the last 80 for testing; a window of 10 values
y[t..t+9] is the input and y[t+10] the target.

A new noise kind: add it to NOISE_KINDS, draw it in make_series, name it sine.data.<kind> in
both catalogues. A new way the settings can fail: a branch in check() returning a Problem
whose key (sine.check.*) is in both catalogues.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from rnnviz.i18n import Problem

NOISE_KINDS = ("uniform", "gaussian")  # the tutorial's U[0, level), and a centred N(0, level^2)


@dataclass(frozen=True)
class SeriesConfig:
    """The series and how it is cut."""

    n_points: int = 400  # the tutorial's linspace(0, 36, 400): about 11 points per radian
    x_max: float = 36.0  # about 5.7 periods of sin
    noise: float = 0.2  # noise scale: U[0, noise) or N(0, noise^2)
    noise_kind: str = "uniform"  # the tutorial's U[0, 0.2) (mean 0.1, not 0!) or "gaussian"
    split: int = 320  # points before the split train the model; the rest test it
    window: int = 10  # values the model reads to predict the next one
    seed: int = 0  # same seed, same noise


@dataclass(frozen=True)
class Series:
    x: np.ndarray  # (N,) the time axis
    y: np.ndarray  # (N,) sin(x) + noise: what the model sees
    clean: np.ndarray  # (N,) sin(x): what it should find
    split: int  # index of the first test point


def check(cfg: SeriesConfig) -> Problem | None:
    """Why the settings cannot work (said in the learner's language when shown), or None."""
    if cfg.window < 1:
        return Problem("sine.check.window")
    if cfg.split > cfg.n_points - 2:
        return Problem("sine.check.split", split=cfg.split, test=cfg.n_points - cfg.split, n=cfg.n_points)
    if cfg.split < cfg.window + 1:
        return Problem("sine.check.too_short", split=cfg.split, window=cfg.window)
    if cfg.noise_kind not in NOISE_KINDS:
        return Problem("sine.check.noise_kind", kind=cfg.noise_kind)
    return None


def make_series(cfg: SeriesConfig) -> Series:
    """The series of the tutorial, reproducible per seed."""
    rng = np.random.default_rng(cfg.seed)
    x = np.linspace(0, cfg.x_max, cfg.n_points)
    clean = np.sin(x)
    if cfg.noise_kind == "uniform":
        noise = rng.uniform(0, cfg.noise, cfg.n_points) if cfg.noise > 0 else np.zeros(cfg.n_points)
    else:
        noise = rng.normal(0, cfg.noise, cfg.n_points)
    return Series(x, (clean + noise).astype(np.float32), clean.astype(np.float32), cfg.split)


def windows(y: np.ndarray, window: int, end: int) -> tuple[Tensor, Tensor, Tensor]:
    """Every window that fits before `end`: inputs (S, window, 1), targets (S, 1), starts (S,).

    Window s reads y[s .. s+window-1] and predicts y[s+window]; the target stays before end.
    """
    starts = np.arange(0, end - window)
    idx = starts[:, None] + np.arange(window)[None, :]  # (S, window)
    inputs = torch.from_numpy(y[idx]).unsqueeze(-1)  # (S, window, 1)
    targets = torch.from_numpy(y[starts + window]).unsqueeze(-1)  # (S, 1)
    return inputs, targets, torch.from_numpy(starts)
