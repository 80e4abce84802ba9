"""The experiments of the "Sine forecasting" page: train window forecasters two ways, then
compare single-step and free-running forecasts and look at the hidden state.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from torch import nn

from rnnviz import cells
from rnnviz.data.sine import Series, SeriesConfig, check, make_series, windows
from rnnviz.forecast import free_run, single_step
from rnnviz.i18n import t
from rnnviz.models import SeqRegressor
from rnnviz.train import Snapshot, seeded, train

# the tutorial's: one random window per step, SGD; fast: every training window in one batch
# per step, Adam with a one-cycle schedule. Labels and captions: sine.train.<recipe>[_caption].
RECIPES = ("tutorial", "fast")
DEFAULT_LR = {"tutorial": 0.01, "fast": 0.02}  # the tutorial's SGD lr; Adam's peak lr for the fast recipe
DEFAULT_STEPS = {"tutorial": 3000, "fast": 400}  # the tutorial runs 10,000; 3,000 keep the wait short


@dataclass(frozen=True)
class SineConfig:
    """One forecasting experiment: the series, the models, the recipe."""

    series: SeriesConfig = field(default_factory=SeriesConfig)
    kinds: tuple[str, ...] = ("LSTM",)  # trained side by side from the same seed
    hidden_size: int = 12  # the tutorial's 12 units
    recipe: str = "fast"  # one of RECIPES
    steps: int = 400  # optimiser steps (the tutorial's "iterations")
    lr: float = 0.02  # DEFAULT_LR has each recipe's
    seed: int = 0  # same seed: same weights for every kind, same random windows


def problem(cfg: SineConfig) -> str:
    """A learner-readable reason the settings cannot train, or ""."""
    if not cfg.kinds:
        return t("sine.train.no_model")
    if cfg.hidden_size < 1:
        return t("sine.check.hidden")
    return check(cfg.series)


class Forecasters(nn.Module):
    """Several forecasters trained side by side; their losses are summed, so one optimiser
    step is one independent step for each (Adam and SGD treat every parameter alone)."""

    def __init__(self, kinds: tuple[str, ...], hidden_size: int, seed: int):
        super().__init__()
        models = {}
        for kind in kinds:
            with seeded(seed):  # every kind starts from the same seed
                models[kind] = SeqRegressor(kind, hidden_size)
        self.models = nn.ModuleDict(models)

    def losses(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        return {k: nn.functional.mse_loss(m(x), y) for k, m in self.models.items()}


def build(cfg: SineConfig) -> tuple[Forecasters, Iterator[Snapshot]]:
    """The models and the generator that trains them."""
    series = make_series(cfg.series)
    X, Y, _ = windows(series.y, cfg.series.window, cfg.series.split)  # (S, W, 1), (S, 1)
    model = Forecasters(cfg.kinds, cfg.hidden_size, cfg.seed)
    last: dict[str, float] = {}
    if cfg.recipe == "tutorial":
        opt = torch.optim.SGD(model.parameters(), lr=cfg.lr)
        pick = torch.Generator().manual_seed(cfg.seed)
        schedule = None

        def batch(step: int):
            s = int(torch.randint(len(X), (1,), generator=pick))
            return X[s:s + 1], Y[s:s + 1]  # one window, as the tutorial
    else:
        opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
        schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=cfg.steps,
                                                       pct_start=0.1)

        def batch(step: int):
            return X, Y  # every window, every step

    def loss_at(step: int) -> torch.Tensor:
        per_model = model.losses(*batch(step))
        last.update({k: float(v.detach()) for k, v in per_model.items()})
        return sum(per_model.values())

    log_every = max(1, cfg.steps // 200)  # about 200 points on the loss curve
    return model, train(model, loss_at, opt, cfg.steps, log_every=log_every,
                        describe=lambda: {"losses": dict(last)}, scheduler=schedule)


# ---------------------------------------------------------------- what the page draws


def windows_used(cfg: SineConfig, steps: int = 12) -> pd.DataFrame:
    """step, start: the windows each of the first training steps reads (the same random
    draws as training: the tutorial's generator is seeded the same way)."""
    n = cfg.series.split - cfg.series.window
    if cfg.recipe == "tutorial":
        pick = torch.Generator().manual_seed(cfg.seed)
        starts = [[int(torch.randint(n, (1,), generator=pick))] for _ in range(steps)]
    else:
        starts = [list(range(n))] * steps
    return pd.DataFrame([(k + 1, s) for k, ss in enumerate(starts) for s in ss], columns=["step", "start"])



def series_frame(series: Series) -> pd.DataFrame:
    """x, value, curve (noisy / clean sine), part (train / test), index; the curve and part
    columns in the learner's language (sine.col.*), as the chart's legend shows them."""
    n = len(series.x)
    part = np.where(np.arange(n) < series.split, t("sine.col.train"), t("sine.col.test"))
    curve, part_col = t("sine.col.curve"), t("sine.col.part")
    noisy = pd.DataFrame({"i": range(n), "x": series.x, "value": series.y, curve: t("sine.col.noisy"), part_col: part})
    clean = pd.DataFrame({"i": range(n), "x": series.x, "value": series.clean, curve: "sin(x)", part_col: part})
    return pd.concat([noisy, clean], ignore_index=True)


@dataclass
class Forecast:
    """Every model's test-part forecasts, and how the free run was fed."""

    frame: pd.DataFrame  # i, x, model, how (single-step / multi-step), value
    inputs: dict[str, list[list[str]]]  # per model: the labels each free-running prediction read
    scores: pd.DataFrame  # model, how, MSE vs noisy truth, MSE vs clean sine
    horizon: pd.DataFrame  # model, how, h (steps ahead), abs_error vs clean sine
    # the values of how, and the column names of scores and of horizon's model and how, are in
    # the learner's language (sine.col.*, sine.forecast.mse_*); frame's columns are the charts'


@torch.no_grad()
def forecast(model: Forecasters, series: Series, window: int) -> Forecast:
    """Single-step and free-running forecasts of the whole test part for every model."""
    start, end = series.split, len(series.y)
    model_col, how_col = t("sine.col.model"), t("sine.col.how")
    rows, scores, horizon, inputs = [], [], [], {}
    h = np.arange(1, end - start + 1)
    for kind, m in model.models.items():
        m.eval()
        single = single_step(m, series.y, start, end, window)
        multi, inputs[kind] = free_run(m, series.y, start, end, window)
        for how, pred in ((t("sine.col.single"), single), (t("sine.col.multi"), multi)):
            rows.append(pd.DataFrame({"i": range(start, end), "x": series.x[start:end], "model": kind,
                                      "how": how, "value": pred}))
            scores.append((kind, how, float(np.mean((pred - series.y[start:end]) ** 2)),
                           float(np.mean((pred - series.clean[start:end]) ** 2))))
            horizon.append(pd.DataFrame({model_col: kind, how_col: how, "h": h,
                                         "abs_error": np.abs(pred - series.clean[start:end])}))
    return Forecast(pd.concat(rows, ignore_index=True), inputs,
                    pd.DataFrame(scores, columns=[model_col, how_col, t("sine.forecast.mse_noisy"),
                                                  t("sine.forecast.mse_clean")]),
                    pd.concat(horizon, ignore_index=True))


@torch.no_grad()
def hidden_over_time(m: SeqRegressor, series: Series, window: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The last hidden state of every window along the series (the state each prediction
    reads), as a heatmap frame (i, unit, value) and its 2-D PCA projection (i, pc1, pc2, part)."""
    X, _, starts = windows(series.y, window, len(series.y))  # every window in the series
    run = cells.run(m.recurrent(), X)  # the transparent cells, same weights
    H = run.traces[-1]["hidden"][-1].numpy()  # (S, H): h_T of each window, time first -> last step
    i = starts.numpy() + window  # the index each state predicts
    heat = pd.DataFrame({"i": np.repeat(i, H.shape[1]), "unit": np.tile(np.arange(1, H.shape[1] + 1), len(i)),
                         "value": H.reshape(-1)})
    centred = H - H.mean(axis=0)
    _, _, Vt = np.linalg.svd(centred, full_matrices=False)
    pcs = centred @ Vt[:2].T if Vt.shape[0] >= 2 else np.c_[centred @ Vt[:1].T, np.zeros(len(H))]
    part = np.where(i < series.split, t("sine.col.train"), t("sine.col.test"))
    return heat, pd.DataFrame({"i": i, "pc1": pcs[:, 0], "pc2": pcs[:, 1], "part": part})


def weight_shapes(m: SeqRegressor) -> pd.DataFrame:
    """Every parameter's name and shape: where input_size 1 and hidden_size show up."""
    return pd.DataFrame([(n, "(" + ", ".join(map(str, p.shape)) + ")") for n, p in m.named_parameters()],
                        columns=[t("sine.faq.parameter"), t("sine.faq.shape")])


__all__ = ["SineConfig", "build", "forecast", "hidden_over_time", "make_series", "problem", "series_frame"]
