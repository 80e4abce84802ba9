"""Chart builders, checked through their Vega-Lite specs, and the tidy frames behind them."""

import pandas as pd
import torch
from torch import nn

from rnnviz import charts
from rnnviz.inspect import inspect


def test_line_chart_has_titles_tooltips_and_log_scale():
    df = pd.DataFrame({"t": [1, 2, 1, 2], "grad_norm": [1e-3, 1.0, 0.5, 1.0], "model": ["RNN", "RNN", "LSTM", "LSTM"]})
    spec = charts.line(df, "t", "grad_norm", "Gradient norms", "time step t", "‖∂L/∂h_t‖",
                       color="model", log_y=True).to_dict()
    enc = spec["encoding"]
    assert spec["title"] == "Gradient norms"
    assert enc["x"]["title"] == "time step t" and enc["y"]["title"] == "‖∂L/∂h_t‖"
    assert enc["y"]["scale"]["type"] == "log"
    assert enc["color"]["field"] == "model"
    assert {t["field"] for t in enc["tooltip"]} == {"t", "grad_norm", "model"}
    assert len(next(iter(spec["datasets"].values()))) == 4


def test_heatmap_is_diverging_around_zero_with_ordinal_axes():
    df = inspect(nn.RNN(3, 5), torch.randn(7, 1, 3))
    spec = charts.heatmap(df[df.gate == "hidden"], "t", "unit", "Hidden state", "time step t", "hidden unit").to_dict()
    assert spec["mark"]["type"] == "rect"
    assert spec["encoding"]["x"]["type"] == "ordinal" and spec["encoding"]["y"]["type"] == "ordinal"
    assert spec["encoding"]["color"]["scale"]["domainMid"] == 0
    assert spec["encoding"]["x"]["title"] == "time step t"
    assert len(next(iter(spec["datasets"].values()))) == 7 * 5


def test_trace_frame_is_tidy_and_matches_torch():
    lstm = nn.LSTM(3, 4, num_layers=2)
    x = torch.randn(6, 2, 3)
    df = inspect(lstm, x, sample=1)
    assert list(df.columns) == ["t", "layer", "unit", "gate", "value"]
    assert set(df.gate) == {"forget", "input", "output", "candidate", "cell", "hidden"}
    assert len(df) == 6 * 4 * 6 * 2
    with torch.no_grad():
        out, _ = lstm(x)
    h = df[(df.gate == "hidden") & (df.layer == 2)].pivot(index="t", columns="unit", values="value")
    assert torch.allclose(torch.tensor(h.to_numpy(), dtype=torch.float32), out[:, 1], atol=1e-5)


def test_unrolled_diagram_highlights_the_chosen_step_and_elides_long_sequences():
    dot = charts.unrolled_dot(3, 2)
    assert dot.count("->") == 3 * 3  # W_ih, W_hh and W_hy per step
    assert "h1_2" in dot and "fillcolor" in dot.split("h1_2 [")[1].split("]")[0]
    long = charts.unrolled_dot(40, 20, num_layers=2)
    assert "x_20" in long and "x_40" in long and "x_10" not in long
    assert "style=dashed" in long  # the elided steps are marked


def test_latex_helpers_print_real_numbers():
    assert charts.vec(torch.tensor([0.5, -1.0])) == r"\begin{bmatrix}0.500\\-1.000\end{bmatrix}"
    assert charts.mat(torch.tensor([[1.0, 2.0]])) == r"\begin{bmatrix}1.00 & 2.00\end{bmatrix}"
