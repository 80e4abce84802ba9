"""Tidy DataFrames out of transparent runs: one row per (t, layer, unit, gate) value.

The gate column holds the equations' stable names (forget, input, ...); pages say them with
rnnviz.i18n.words(frame["gate"], "gates.gate"). A new cell type: its plotted names in SHOWN.
"""

from __future__ import annotations

import pandas as pd
import torch
from torch import nn

from rnnviz import cells

# The names a learner can plot: gates and states, not the stacked pre-activations.
SHOWN = {
    "RNN_TANH": ("preact", "hidden"),
    "RNN_RELU": ("preact", "hidden"),
    "LSTM": ("forget", "input", "output", "candidate", "cell", "hidden"),
    "GRU": ("update", "reset", "candidate", "hidden"),
}


def trace_frame(traces: list[dict[str, torch.Tensor]], kind: str, sample: int = 0) -> pd.DataFrame:
    """Long-form frame of one sequence's trace: columns t (1-based), layer, unit, gate, value."""
    frames = []
    for layer, trace in enumerate(traces):
        for gate in SHOWN[kind]:
            v = trace[gate][:, sample].detach().cpu()  # (T, H)
            T, H = v.shape
            frames.append(pd.DataFrame({
                "t": torch.arange(1, T + 1).repeat_interleave(H).numpy(),
                "layer": layer + 1,
                "unit": torch.arange(1, H + 1).repeat(T).numpy(),
                "gate": gate,
                "value": v.reshape(-1).numpy(),
            }))
    return pd.concat(frames, ignore_index=True)


def inspect(module: nn.Module, x: torch.Tensor, sample: int = 0) -> pd.DataFrame:
    """Run a trained module through the transparent cells and return its tidy trace."""
    with torch.no_grad():
        run = cells.run(module, x)
    return trace_frame(run.traces, cells.weights_from(module).kind, sample)
