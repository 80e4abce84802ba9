"""Single-step (teacher forcing) and multi-step (free-running) prediction of a series, and the
verdict on a run: what its two forecasts show, and the sentences the page may say about it.

A new claim about forecasts: a field of Verdict computed in verdict(), its threshold named
here, its sentence a sine.verdict.* key in both catalogues, and a test on several seeds in
tests/test_lessons.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from rnnviz.i18n import Message


@torch.no_grad()
def single_step(model: nn.Module, y: np.ndarray, start: int, end: int, window: int) -> np.ndarray:
    """Predict y[start:end], each value from the TRUE previous `window` values."""
    idx = np.arange(start, end)[:, None] - window + np.arange(window)[None, :]  # (N, window)
    x = torch.from_numpy(y[idx]).float().unsqueeze(-1)  # (N, window, 1)
    return model(x)[:, 0].numpy()


@torch.no_grad()
def free_run(model: nn.Module, y: np.ndarray, start: int, end: int, window: int) -> tuple[np.ndarray, list]:
    """Predict y[start:end] feeding each prediction back in as the next input.

    Starts from the true y[start-window .. start-1]; returns the predictions and, for each,
    the inputs it read (labels such as "y[312]" or "pred[320]"), as the tutorial prints them.
    """
    values = [float(v) for v in y[start - window:start]]
    labels = [f"y[{i}]" for i in range(start - window, start)]
    preds, inputs = [], []
    for i in range(start, end):
        x = torch.tensor(values[-window:], dtype=torch.float32).view(1, window, 1)
        p = float(model(x)[0, 0])
        inputs.append(labels[-window:])
        preds.append(p)
        values.append(p)
        labels.append(f"pred[{i}]")
    return np.array(preds, dtype=np.float32), inputs


# ---------------------------------------------------------------- the lesson, as a function of the run
# Tutorial A's claim: multi-step prediction accumulates error. These numbers decide which
# sentence the page may say about a run (sine.verdict.*), and are tested on several seeds.
FLAT_SPREAD = 0.3  # a free run whose std is below 0.3 of the sine's has stopped oscillating
COMPOUND_FACTOR = 1.5  # multi-step MSE above 1.5 x single-step's: the errors compound
CROSS_FACTOR = 2.0  # the horizon error "crosses" at twice the single-step's mean |error|
SMOOTH = 5  # steps the horizon error is averaged over before it is compared (one noisy step is not a trend)
EARLY = 5  # the first steps ahead, where the free run has read mostly true values
SAME = 1.5  # checkpoints: two errors within 1.5x of each other (either way) are "about the same"


def direction(ratio: float, up: str, down: str) -> str:
    """A checkpoint's answer from a ratio of two errors: `up` above SAME, `down` below 1 / SAME,
    else "same"."""
    return up if ratio > SAME else down if ratio < 1 / SAME else "same"


@dataclass(frozen=True)
class Verdict:
    """What one model's forecasts of the test part show, against the clean sine."""

    kind: str  # "flat" (the free run stops oscillating), "compounds" (multi > COMPOUND_FACTOR x single),
    # "close" (single < multi <= COMPOUND_FACTOR x single) or "holds" (multi <= single)
    single: float  # single-step MSE vs the clean sine
    multi: float  # multi-step (free-running) MSE vs the clean sine
    ratio: float  # multi / single
    spread: float  # the free run's std over the sine's std on the test part (1: full swing, 0: a flat line)
    level: float  # the mean of the free run's last SMOOTH * 2 values: where a flat line sits
    early: float  # the free run's mean |error| over its first EARLY steps
    late: float  # its mean |error| over the second half of the horizon
    threshold: float  # CROSS_FACTOR x the single-step's mean |error|
    crossing: int | None  # the first h whose SMOOTH-step mean |error| exceeds threshold (None: never)
    horizon: int  # steps forecast
    zero: float  # the MSE of a model that always says 0

    @property
    def grows(self) -> bool:
        """Whether the free run's error is larger late in the horizon than at its start."""
        return self.late > self.early


def verdict(single: np.ndarray, multi: np.ndarray, clean: np.ndarray) -> Verdict:
    """Judge one model's single-step and multi-step forecasts of the same points against clean."""
    e_single, e_multi = np.abs(single - clean), np.abs(multi - clean)
    mse_single, mse_multi = float(np.mean(e_single ** 2)), float(np.mean(e_multi ** 2))
    spread = float(np.std(multi) / max(np.std(clean), 1e-12))
    threshold = CROSS_FACTOR * float(np.mean(e_single))
    k = min(SMOOTH, len(e_multi))
    rolling = np.convolve(e_multi, np.ones(k) / k, mode="valid")  # rolling[j]: mean over h = j+1 .. j+k
    over = np.flatnonzero(rolling > threshold)
    crossing = int(over[0]) + 1 if len(over) else None
    ratio = mse_multi / max(mse_single, 1e-12)
    if spread < FLAT_SPREAD:
        kind = "flat"
    elif ratio > COMPOUND_FACTOR:
        kind = "compounds"
    else:
        kind = "close" if ratio > 1 else "holds"
    half = len(e_multi) // 2
    return Verdict(kind, mse_single, mse_multi, ratio, spread, float(np.mean(multi[-2 * SMOOTH:])),
                   float(np.mean(e_multi[:EARLY])), float(np.mean(e_multi[half:])), threshold, crossing,
                   len(clean), float(np.mean(clean.astype(np.float64) ** 2)))


def sentences(v: Verdict, kind: str) -> list[Message]:
    """What the page says about model `kind`'s run: which way its errors went, then where its
    multi-step error crosses the threshold (or that it never does), with this run's numbers."""
    head = Message(f"sine.verdict.{v.kind}", kind=kind, multi=v.multi, single=v.single, ratio=v.ratio,
                   horizon=v.horizon, level=v.level, spread=v.spread, zero=v.zero)
    tail = Message("sine.verdict.crossing" if v.crossing else "sine.verdict.no_crossing", smooth=SMOOTH,
                   threshold=v.threshold, crossing=v.crossing, early=v.early, late=v.late, n_early=EARLY,
                   n_late=v.horizon - v.horizon // 2, horizon=v.horizon)
    return [head, tail]
