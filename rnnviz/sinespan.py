"""How far back a forecast looks: the influence of every earlier value on one forecast of the
test part, ‖∂ ŷ_{t+1} / ∂ x_{t-k}‖ for k = 0 … K (rnnviz.saliency), for both ways the sine
page forecasts.

- single-step: the forecast reads the `window` true values before it and nothing else, so the
  influence of anything older is zero by construction (computed, not assumed: the model is
  handed K+1 values and reads the last `window`).
- multi-step (the free run): the forecast h steps ahead reads the model's own earlier
  predictions, which read earlier ones, back to the `window` true values it started from.
  x_{t-k} is the value at that place in what the free run read; nudging it moves every
  prediction after it, so its influence is the total derivative through the chain, and
  reaches past the window: K = h + window - 2 (the oldest true value the free run reads).

Every test position's profile comes from ONE batched backward pass: row b of the batch is the
forecast b+1 steps ahead, its inputs the K+1 values before it (see free_run_read). The span is
saliency.span: the steps back until the influence stays below 10 % of its peak.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from rnnviz import saliency
from rnnviz.data.sine import Series
from rnnviz.i18n import Message
from rnnviz.models import SeqRegressor
from rnnviz.sine import HOW, Forecasters, SineConfig, build

COMPARED = ("RNN", "LSTM", "GRU")  # the kinds overlaid: trained on the same series, recipe and seed
# The batched free run walks H steps for each of H positions, each step reading `window` values:
# H² × window model steps. The default (80 test points, window 10) is 64,000; a longer test part
# or window explains the first positions only, so a redraw's first computation stays about 1 s.
MOST_WORK = 256_000


def horizon(series: Series, window: int) -> int:
    """H: the test positions explained, from the first after the split: all of them, or as many
    as MOST_WORK allows for this window."""
    return max(1, min(len(series.y) - series.split, math.isqrt(MOST_WORK // window)))


def reach(series: Series, window: int) -> int:
    """K: the farthest step back any explained forecast can look, the free run's last forecast's
    oldest true value (y[split - window]); every profile is K+1 long, so the two ways line up."""
    return horizon(series, window) + window - 2


def _inputs(series: Series, window: int, fill_free: bool) -> Tensor:
    """(H, K+1, 1): row b holds the K+1 values before test position split+b (zero before the
    series starts). fill_free: positions from the split on hold 0, the nudge added to the free
    run's own prediction there (the prediction itself is computed by free_run_read)."""
    h, k1 = horizon(series, window), reach(series, window) + 1
    pos = series.split + np.arange(h)[:, None] - k1 + np.arange(k1)[None, :]  # (H, K+1) series indices
    values = np.where(pos >= 0, series.y[np.clip(pos, 0, None)], 0.0)
    if fill_free:
        values = np.where(pos >= series.split, 0.0, values)
    return torch.tensor(values, dtype=torch.float32).unsqueeze(-1)


def free_run_read(m: SeqRegressor, window: int, horizon: int):
    """read(x) for saliency.influence: x (H, K+1, 1) from _inputs(fill_free=True); row b's
    forecast b+1 steps ahead of a free run started from the true values in it, each prediction
    fed back in plus its nudge from x. All rows run the same free run side by side; each reads
    its own step, so one backward pass gives every row the gradient of its own forecast."""

    def read(x: Tensor) -> Tensor:
        k1 = x.shape[1]
        rows = torch.arange(horizon)[:, None]
        # left-align: column c of z is the value at split - window + c, for every row alike
        col = torch.arange(window + horizon - 1)[None, :] + (k1 - window - rows)
        padded = torch.cat([x[..., 0], x.new_zeros(horizon, horizon)], dim=1)
        z = padded.gather(1, col.clamp(max=padded.shape[1] - 1))
        values, preds = list(z[:, :window].unbind(1)), []
        for j in range(horizon):
            p = m(torch.stack(values[-window:], dim=1).unsqueeze(-1))[:, 0]
            preds.append(p)
            if j < horizon - 1:
                values.append(p + z[:, window + j])
        return torch.stack(preds, dim=1).diagonal()

    return read


def influence(m: SeqRegressor, series: Series, window: int, how: str) -> Tensor:
    """(H, K+1): row b, column k: ‖∂ forecast of y[split+b] / ∂ the value it read k steps back‖
    (k = 0: the value just before it), every explained test position (horizon()) in one batched
    backward pass."""
    m.eval()
    if how == "single_step":
        return saliency.influence(lambda x: m(x[:, -window:])[:, 0], _inputs(series, window, False))
    return saliency.influence(free_run_read(m, window, horizon(series, window)), _inputs(series, window, True))


@torch.no_grad()
def values_read(m: SeqRegressor, series: Series, window: int, how: str) -> np.ndarray:
    """(N,) the value at each place of the series as the forecasts read it: the true series for
    single-step; for the free run the true values before the split and its own predictions after."""
    if how == "single_step":
        return series.y.copy()
    m.eval()
    values = [float(v) for v in series.y[series.split - window:series.split]]
    for _ in range(series.split, len(series.y)):
        values.append(float(m(torch.tensor(values[-window:]).view(1, window, 1))[0, 0]))
    return np.concatenate([series.y[:series.split - window], np.array(values, dtype=np.float32)])


@dataclass(frozen=True)
class Profile:
    """One forecast's influence profile, and what it shows."""

    frame: pd.DataFrame  # k, i (series index of the value read), x, value (as read), influence, share (of the peak), read_as
    kind: str  # the model
    how: str  # one of HOW
    h: int  # steps after the split (1: the first test point)
    i: int  # the series index forecast
    window: int  # values the model reads
    reach: int  # K of this forecast: window - 1 single-step, h + window - 2 free-running
    span: int  # saliency.span over k = 0 .. reach
    peak: int  # the k of the largest influence
    beyond: float  # the share of the total influence on values older than the window (0 single-step)
    faded: bool  # the influence fell below 10 % of its peak before its reach


def profile(matrix: Tensor, values: np.ndarray, series: Series, window: int, kind: str, how: str, h: int) -> Profile:
    """Row h-1 of an influence() matrix as a Profile, over k = 0 .. this forecast's reach (the
    single-step rows go as far as the free run's, where they are zero: the chart lines up)."""
    i = series.split + h - 1
    far = h + window - 2  # the oldest true value the free run reads: the two ways share this axis
    row = matrix[h - 1, :far + 1].double()
    reach_k = window - 1 if how == "single_step" else far
    k = np.arange(far + 1)
    idx = i - 1 - k
    share = np.array(saliency.shares(row))
    read_as = np.where((how == "multi_step") & (idx >= series.split), "own", "true")
    frame = pd.DataFrame({"k": k, "i": idx, "x": series.x[idx], "value": values[idx], "influence": row.numpy(),
                          "share": share, "read_as": read_as})
    sp = saliency.span(row[:reach_k + 1], saliency.FADED)
    total = float(row.sum())
    beyond = float(row[window:].sum()) / total if total > 0 else 0.0
    return Profile(frame, kind, how, h, i, window, reach_k, sp, int(row.argmax()), beyond, sp < reach_k)


def message(p: Profile) -> Message:
    """What this forecast's profile shows, with its numbers."""
    seed = p.i - p.h - p.window + 1  # y[split - window]: the first true value the free run reads
    key = "sine.span.single" if p.how == "single_step" else \
        ("sine.span.multi_faded" if p.faded else "sine.span.multi_kept")
    return Message(key, kind=p.kind, i=p.i, h=p.h, window=p.window, first=p.i - p.window, last=p.i - 1,
                   span=p.span, peak=p.peak, reach=p.reach, beyond=p.beyond, seed=seed,
                   split=p.i - p.h + 1, percent=int(saliency.FADED * 100))


def overlay_frame(profiles: list[Profile]) -> pd.DataFrame:
    """model, k, share, span: every model's profile of the same forecast, each over its own peak."""
    return pd.concat([p.frame[["k", "share"]].assign(model=p.kind, span=p.span) for p in profiles],
                     ignore_index=True)


def span_table(spans: dict[str, dict[str, Profile]]) -> pd.DataFrame:
    """model, single_step, multi_step (the span of each way), beyond (the free run's share of
    influence older than the window): one row per model (spans: model -> how -> Profile)."""
    return pd.DataFrame([{"model": kind, **{how: ps[how].span for how in HOW}, "beyond": ps["multi_step"].beyond}
                         for kind, ps in spans.items()])


def missing(cfg: SineConfig) -> tuple[str, ...]:
    """The kinds of COMPARED the learner's run did not train."""
    return tuple(k for k in COMPARED if k not in cfg.kinds)


@lru_cache(maxsize=4)
def trained_twins(cfg: SineConfig) -> Forecasters:
    """cfg's run for the kinds it lacks of COMPARED: the same series, recipe, steps, learning rate
    and seed (each kind starts from the seed and trains on its own loss, so a kind trained here
    is the model it would be had the learner ticked it)."""
    model, snapshots = build(replace(cfg, kinds=missing(cfg)))
    for _ in snapshots:
        pass
    return model
