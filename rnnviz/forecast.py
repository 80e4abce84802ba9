"""Single-step (teacher forcing) and multi-step (free-running) prediction of a series."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


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
