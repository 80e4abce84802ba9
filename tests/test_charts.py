"""Chart builders, checked through their Vega-Lite specs, and the tidy frames behind them."""

import json

import pandas as pd
import pyarrow as pa
import torch
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec
from torch import nn

from rnnviz import charts
from rnnviz.i18n import tr
from rnnviz.inspect import inspect
from rnnviz.ui.page import PADDING


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


def unrolled_frames(seq_len: int, t: int, num_layers: int = 1) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """The diagram's spec, its nodes (col, row, label, kind, now) and its arrows (one row each)."""
    spec = charts.unrolled(seq_len, t, num_layers, title=tr("charts.unrolled_title", t=t)).to_dict()
    frames = [pd.DataFrame(rows) for rows in spec["datasets"].values()]
    nodes = next(f for f in frames if "now" in f.columns)
    # the arrows' frame is the one with every edge; the weight labels layer splits it by direction
    edges = max((f for f in frames if "weight" in f.columns), key=len)
    return spec, nodes, edges


def test_unrolled_diagram_highlights_the_chosen_step():
    spec, nodes, edges = unrolled_frames(3, 2)
    assert spec["title"] == "Unrolled over time: step t = 2 highlighted"
    assert set(nodes.loc[nodes["now"], "label"]) == {"x₂", "h₂", "y₂"}  # only step 2, all of its nodes
    assert set(nodes.loc[~nodes["now"], "label"]) == {"h₀=0", "x₁", "h₁", "y₁", "x₃", "h₃", "y₃"}
    assert len(edges) == 3 * 3  # W_ih, W_hh and W_hy per step
    assert sorted(edges["weight"]) == sorted(["W_ih", "W_hh", "W_hy"] * 3)
    assert not edges["gap"].any()
    # the highlight is drawn: the node boxes are filled where `now` holds, and the arrows have heads
    fills = [layer["encoding"]["fill"] for layer in spec["layer"] if "fill" in layer.get("encoding", {})]
    assert fills == [{"condition": {"test": "datum.now", "value": charts.HIGHLIGHT}, "value": "transparent"}]
    heads = [layer for layer in spec["layer"] if layer.get("mark", {}).get("type") == "point"
             and layer["encoding"].get("shape", {}).get("field") == "dir"]
    assert len(heads) == 1 and heads[0]["data"]["name"] in spec["datasets"]
    assert len(spec["datasets"][heads[0]["data"]["name"]]) == len(edges)  # one head per arrow


def test_unrolled_diagram_elides_long_sequences_with_a_dashed_gap():
    spec, nodes, edges = unrolled_frames(40, 20, num_layers=2)
    assert spec["title"] == "Unrolled over time: step t = 20 highlighted"
    steps = sorted(int(lbl.removeprefix("x").translate(str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")))
                   for lbl in nodes.loc[nodes["kind"] == "input", "label"])
    assert steps == [1, 2, 3, 20, 39, 40]  # the first and last steps and step t; x₁₀ is elided
    assert set(nodes.loc[nodes["now"], "label"]) == {"x₂₀", "h⁽¹⁾₂₀", "h⁽²⁾₂₀", "y₂₀"}
    # two layers of hidden states between the inputs (row 0) and the outputs (row 3)
    assert sorted(nodes.loc[nodes["kind"] == "hidden", "row"].unique()) == [1, 2]
    assert set(nodes.loc[nodes["kind"] == "start", "label"]) == {"h⁽¹⁾₀=0", "h⁽²⁾₀=0"}
    assert set(nodes.loc[nodes["kind"] == "output", "row"]) == {3}
    assert len(edges) == 6 * (2 * 2 + 1)  # per shown step: W_ih and W_hh per layer, and W_hy
    # the elided steps are marked: the W_hh arrows across each gap (3 -> 20, 20 -> 39), per layer
    gaps = edges[edges["gap"]]
    assert len(gaps) == 2 * 2 and set(gaps["weight"]) == {"…"}
    # each layer's arrows name that layer's own matrices (a plain W_ih on every layer read as one shared pair)
    assert set(edges.loc[~edges["gap"], "weight"]) == {"W_ih⁽¹⁾", "W_hh⁽¹⁾", "W_ih⁽²⁾", "W_hh⁽²⁾", "W_hy"}
    assert sorted(gaps["x"].unique()) == [3, 4] and (gaps["x2"] - gaps["x"] == 1).all()
    dash = next(layer["encoding"]["strokeDash"] for layer in spec["layer"]
                if layer.get("mark", {}).get("type") == "rule")
    assert dash["condition"]["test"] == "datum.gap"
    assert dash["condition"]["value"] != dash["value"]  # dashed across a gap, solid elsewhere


def test_unrolled_diagram_short_sequences_and_one_layer_have_no_elision_or_layer_tags():
    _, nodes, edges = unrolled_frames(8, 8)  # at max_shown every step is drawn
    assert (nodes["kind"] == "input").sum() == 8 and not edges["gap"].any()
    assert not nodes["label"].str.contains("⁽").any()  # one layer: no layer tag
    _, nodes, edges = unrolled_frames(1, 1, num_layers=4)
    assert set(nodes.loc[nodes["now"], "kind"]) == {"input", "hidden", "output"}
    assert (nodes["kind"] == "hidden").sum() == 4 and len(edges) == 2 * 4 + 1


def test_latex_helpers_print_real_numbers():
    assert charts.vec(torch.tensor([0.5, -1.0])) == r"\begin{bmatrix}0.500\\-1.000\end{bmatrix}"
    assert charts.mat(torch.tensor([[1.0, 2.0]])) == r"\begin{bmatrix}1.00 & 2.00\end{bmatrix}"


def test_gate_heatmaps_name_each_value_in_the_learners_words():
    """A heatmap cell's tooltip names its value as its panel does (the Chinese page said "forget")."""
    frame = pd.DataFrame([{"t": t, "unit": u, "gate": g, "value": 0.5, "token": "a"}
                          for t in (1, 2) for u in (1, 2) for g in ("forget", "cell")])
    titles = {"forget": "遗忘门 f_t", "cell": "细胞状态 C_t"}
    spec = charts.gate_panels(frame, titles, "输入", "时间步", "单元").to_dict()
    panels = spec["vconcat"][1:]
    assert [p["title"] for p in panels] == list(titles.values())
    for panel in panels:
        value_tip = panel["encoding"]["tooltip"][-1]
        assert value_tip["title"] == panel["title"], value_tip


def _named_tables(spec: dict) -> tuple[str, list[pd.DataFrame]]:
    """A spec as JSON with its datasets' names replaced in order of use, and their tables."""
    spec = dict(spec)
    datasets = spec.pop("datasets")
    text = json.dumps(spec, sort_keys=True)
    names = sorted(datasets, key=text.find)
    for i, name in enumerate(names):
        text = text.replace(name, f"dataset {i}")
    as_table = lambda v: pa.ipc.open_stream(v).read_pandas() if isinstance(v, bytes) else v
    return text, [as_table(datasets[name]).reset_index(drop=True) for name in names]


def test_drawn_spec_is_streamlits_own_without_the_schema_check():
    """What show() draws (charts.spec: no schema check on a redraw) is what st.altair_chart
    would have drawn: the same spec, the same tables, a click selection and the panels included."""
    frame = inspect(nn.LSTM(2, 3), torch.randn(5, 1, 2)).assign(token="a")
    frame = frame[frame["layer"] == 1].drop(columns="layer")
    titles = {g: g for g in frame["gate"].unique()}
    for chart in (charts.gate_panels(frame, titles, "input", "t", "unit"),
                  charts.with_rule(charts.line(frame, "t", "value", "T", "t", "v", color="gate"), 2, "here")):
        chart = chart.properties(padding=PADDING)
        ours, theirs = _named_tables(charts.spec(chart)), _named_tables(_convert_altair_to_vega_lite_spec(chart))
        assert ours[0] == theirs[0]
        assert len(ours[1]) == len(theirs[1])
        for mine, streamlits in zip(ours[1], theirs[1]):
            pd.testing.assert_frame_equal(mine, streamlits, check_dtype=False)
        chart.to_dict()  # and the builders' spec is a valid Vega-Lite spec (the check the pages skip)


def test_drawn_data_keeps_its_name_until_it_changes():
    """The same data drawn again keeps its dataset's name (the browser updates the chart in place)."""
    df = pd.DataFrame({"t": [1, 2, 3], "loss": [1.0, 0.5, 0.25]})
    names = lambda d: list(charts.spec(charts.line(d, "t", "loss", "L", "t", "loss"))["datasets"])
    assert names(df) == names(df.copy())
    assert names(df) != names(df.assign(loss=[1.0, 0.5, 0.2]))
