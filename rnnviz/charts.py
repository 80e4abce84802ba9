"""Pure chart builders: tidy DataFrame in, Altair chart (or Graphviz DOT / LaTeX text) out.

They know nothing about where the data came from, and speak no language of their own: a
chart's title, axis titles and legend labels are arguments (the page passes tr(...)), its
data a frame with the engine's stable column names. Tests check them through to_dict().
A new chart: one function here taking a tidy frame and its words; a test in tests/test_charts.py.
"""

from __future__ import annotations

import hashlib
import html
import math
import numbers
import threading
import warnings

import altair as alt
import pandas as pd
import torch
from altair.utils.schemapi import disable_debug_mode

from rnnviz.cells import SIGMOID_GATES
from rnnviz.i18n import tr

HEIGHT = 260  # one height for the line charts, so a page lines up
# gate_panels shares one click selection across its panels on purpose; Altair merges the
# copies into one parameter and warns each time a chart is serialised.
warnings.filterwarnings("ignore", message="Automatically deduplicated selection parameter")
# Altair checks every part of a chart against the Vega-Lite schema as it is built ("debug mode",
# for friendlier errors): a third of a chart's building time on a redraw. The builders here are
# checked whole by the tests (to_dict() validates), so the pages build without it.
disable_debug_mode()


def line(df: pd.DataFrame, x: str, y: str, title: str, x_title: str, y_title: str,
         color: str | None = None, log_y: bool = False, points: bool = False,
         dash: str | None = None, y_domain: tuple[float, float] | None = None,
         x_domain: tuple[float, float] | None = None, x_whole: bool = False,
         y_format: str | None = None, color_title: str | None = None) -> alt.Chart:
    """A line per value of `color` (and of `dash`, drawn dashed), with tooltips; color_title
    names the colour legend (default: the column's name). x_domain:
    the x axis runs exactly over it (the data's or the run's range), not to a rounder number.
    x_whole: x counts steps (ticks at whole numbers only). y_format: one d3 format for every
    y tick (see log_format)."""
    scale = alt.Scale(type="log") if log_y else alt.Scale(zero=False)
    if y_domain is not None:
        scale = alt.Scale(domain=list(y_domain))
    x_scale = alt.Undefined if x_domain is None else alt.Scale(domain=[float(v) for v in x_domain], nice=False)
    enc = {
        "x": alt.X(f"{x}:Q", title=x_title, scale=x_scale,
                   axis=alt.Axis(tickMinStep=1, format="d") if x_whole else alt.Undefined),
        "y": alt.Y(f"{y}:Q", title=y_title, scale=scale, axis=alt.Axis(format=y_format) if y_format else alt.Undefined),
        "tooltip": [alt.Tooltip(f"{x}:Q", title=x_title), alt.Tooltip(f"{y}:Q", title=y_title, format=".4g")],
    }
    if color:  # sort=None: colours and dashes follow the data's order, the same in every language
        enc["color"] = alt.Color(f"{color}:N", title=color_title or color, scale=alt.Scale(scheme="tableau10"), sort=None)
        enc["tooltip"].insert(0, alt.Tooltip(f"{color}:N"))
    if dash:
        enc["strokeDash"] = alt.StrokeDash(f"{dash}:N", title=dash, sort=None)
        enc["tooltip"].insert(0, alt.Tooltip(f"{dash}:N"))
    mark = alt.Chart(df).mark_line(point=points)
    return mark.encode(**enc).properties(title=title, height=HEIGHT)


def heatmap(df: pd.DataFrame, x: str, y: str, title: str, x_title: str, y_title: str,
            value: str = "value", x_type: str = "O", y_type: str = "O",
            value_title: str = "value", even_ticks: bool = False, symmetric: bool = False) -> alt.Chart:
    """Cells coloured by value on a diverging scale centred on 0, with the number on hover.
    even_ticks: an axis of whole numbers (steps, units) is labelled at evenly spaced values
    (every 1, 2, 5, 10... of them) instead of whichever labels happen to fit, and the chart's
    height follows its rows within HEAT_HEIGHT (a few rows are not a sliver). symmetric: the
    colours run from -m to m, m the largest |value|, so a value near 0 is pale even when every
    other value has the other sign (centring alone paints 0.03 as red as the largest value)."""
    legend = alt.Undefined
    x_axis = alt.Axis(labelAngle=0, labelOverlap="greedy")
    y_axis, size = alt.Undefined, {}
    if even_ticks:
        low, high = HEAT_HEIGHT
        n_rows = max(df[y].nunique(), 1)
        cells = min(max(n_rows * HEAT_ROW, low), high)  # px of cells
        size = {"height": alt.Step(cells / n_rows)}  # a step per row: title and axes come on top
        legend = alt.Legend(gradientLength=max(min(cells, 200), 40))  # no taller than the cells
        x_ticks, y_ticks = int_ticks(df[x], HEAT_X_LABELS), int_ticks(df[y], cells // HEAT_LABEL_PX)
        if x_ticks is not None:
            x_axis = alt.Axis(labelAngle=0, values=x_ticks, labelOverlap=False)
        if y_ticks is not None:
            y_axis = alt.Axis(values=y_ticks, labelOverlap=False)
    m = float(df[value].abs().max()) if symmetric and len(df) else 0.0
    domain = [-m, m] if m > 0 else alt.Undefined
    color = alt.Color(f"{value}:Q", title=value_title, legend=legend,
                      scale=alt.Scale(scheme="redblue", domainMid=0, reverse=True, domain=domain))
    return alt.Chart(df).mark_rect().encode(
        x=alt.X(f"{x}:{x_type}", title=x_title, sort=None, axis=x_axis),
        y=alt.Y(f"{y}:{y_type}", title=y_title, sort=None, axis=y_axis),
        color=color,
        tooltip=[alt.Tooltip(f"{x}:{x_type}", title=x_title), alt.Tooltip(f"{y}:{y_type}", title=y_title),
                 alt.Tooltip(f"{value}:Q", title=value_title, format=".4f")],
    ).properties(title=title, **size)


HEAT_ROW, HEAT_HEIGHT = 20, (60, 400)  # px per row, and the bounds of an even_ticks heatmap's cells
HEAT_X_LABELS = 30  # labels a full-width time axis holds without crowding ("64" is about 14 px wide)
HEAT_LABEL_PX = 16  # px per label on the vertical axis
NICE_STEPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


def int_ticks(values, most: int) -> list[int] | None:
    """Evenly spaced labels for an axis of whole numbers: every k-th value (k in NICE_STEPS,
    the smallest that gives at most `most` labels); None when the values are not whole numbers."""
    distinct = list(dict.fromkeys(values))
    if not distinct or not all(isinstance(v, numbers.Real) and float(v).is_integer() for v in distinct):
        return None
    vals = sorted(int(v) for v in distinct)
    k = next((k for k in NICE_STEPS if len(vals) / k <= most), NICE_STEPS[-1])
    return vals if k == 1 else [v for v in vals if v % k == 0] or vals[:1]


def log_format(values) -> str:
    """One d3 format for every tick of a log axis over these values: plain decimals (0.001, 10)
    when they stay within 1e-4..1e5, powers of ten (1e-7, 1e+1) otherwise; never a mix."""
    v = [float(x) for x in values if x > 0]
    return "~g" if v and min(v) >= 1e-4 and max(v) < 1e5 else ".0e"


GREY = "#808495"  # reads on both the light and the dark theme
HIGHLIGHT = "#ffd54f"


MIN_COLS = 3.6  # the unrolled diagram's least width, in columns of COL_PX: its title fits


def unrolled(seq_len: int, t: int, num_layers: int = 1, max_shown: int = 8, *, title: str) -> alt.LayerChart:
    """The recurrence unrolled over time, drawn with Altair; step t highlighted.

    Inputs x_t at the bottom, one row of hidden states per layer, outputs y_t on top; a long
    sequence shows its first and last steps and step t, with a dashed gap between.
    """
    steps = list(range(1, seq_len + 1))
    if seq_len > max_shown:
        steps = sorted({1, 2, 3, t, seq_len - 1, seq_len})
    top = num_layers + 1
    sup = (lambda L: f"⁽{_subscript(L).translate(_SUP)}⁾") if num_layers > 1 else (lambda L: "")
    nodes, edges = [], []
    for L in range(1, num_layers + 1):
        nodes.append((0, L, f"h{sup(L)}₀=0", "start", False))
    for col, s in enumerate(steps, start=1):
        on = s == t
        gap = col > 1 and steps[col - 2] != s - 1
        nodes += [(col, 0, f"x{_subscript(s)}", "input", on), (col, top, f"y{_subscript(s)}", "output", on)]
        for L in range(1, num_layers + 1):
            nodes.append((col, L, f"h{sup(L)}{_subscript(s)}", "hidden", on))
            edges.append((col, L - 1, col, L, f"W_ih{sup(L)}", False))  # each layer its own pair: W_ih⁽²⁾
            edges.append((col - 1, L, col, L, "…" if gap else f"W_hh{sup(L)}", gap))
        edges.append((col, num_layers, col, top, "W_hy", False))
    n = pd.DataFrame(nodes, columns=["col", "row", "label", "kind", "now"])
    e = pd.DataFrame(edges, columns=["x", "y", "x2", "y2", "weight", "gap"])
    COL_PX, ROW_PX, HALF_PX = 100, 80, 24  # grid spacing and half a node's size, in pixels
    flat = e["y"] == e["y2"]
    # arrows run from node edge to node edge (with room for the head), not centre to centre
    e["sx"] = e["x"] + flat * HALF_PX / COL_PX
    e["sy"] = e["y"] + ~flat * HALF_PX / ROW_PX
    e["hx"] = e["x2"] - flat * (HALF_PX + 4) / COL_PX
    e["hy"] = e["y2"] - ~flat * (HALF_PX + 4) / ROW_PX
    e["mx"], e["my"] = (e["sx"] + e["hx"]) / 2, (e["sy"] + e["hy"]) / 2
    e["dir"] = flat.map({True: "triangle-right", False: "triangle-up"})
    cols = max(len(steps) + 1.1, MIN_COLS)  # one step still leaves room for h₀ and the title
    xs = alt.Scale(domain=[-0.6, cols - 0.6], nice=False)
    ys = alt.Scale(domain=[-0.6, top + 0.6], nice=False)
    width, height = int(COL_PX * cols), int(ROW_PX * (top + 1.2))
    X = lambda f: alt.X(f"{f}:Q", scale=xs, axis=None)
    Y = lambda f: alt.Y(f"{f}:Q", scale=ys, axis=None)
    ec = alt.Chart(e)
    rules = ec.mark_rule(color=GREY, strokeWidth=1.5).encode(
        X("sx"), Y("sy"), x2="hx", y2="hy",
        strokeDash=alt.condition("datum.gap", alt.value([4, 3]), alt.value([1, 0])))
    heads = ec.mark_point(filled=True, color=GREY, size=60, opacity=1).encode(
        X("hx"), Y("hy"), shape=alt.Shape("dir:N", scale=None, legend=None))
    wlabels = alt.layer(*[
        alt.Chart(e[e["dir"] == d]).mark_text(color=GREY, fontSize=10, dx=dx, dy=dy).encode(
            X("mx"), Y("my"), text="weight:N")
        for d, dx, dy in (("triangle-right", 0, -9), ("triangle-up", 18, 0))])
    nc = alt.Chart(n).transform_filter("datum.kind != 'start'")
    boxes = nc.mark_point(filled=True, size=1500, strokeWidth=1.5, stroke=GREY, opacity=1).encode(
        X("col"), Y("row"),
        shape=alt.Shape("kind:N", scale=alt.Scale(domain=["input", "hidden", "output"],
                                                 range=["circle", "square", "circle"]), legend=None),
        fill=alt.condition("datum.now", alt.value(HIGHLIGHT), alt.value("transparent")),
        tooltip=[alt.Tooltip("label:N", title="node")])
    texts = alt.Chart(n).mark_text(fontSize=13).encode(
        X("col"), Y("row"), text="label:N",
        color=alt.condition("datum.now", alt.value("#262730"), alt.value(GREY)))
    return alt.layer(rules, heads, wlabels, boxes, texts).properties(
        width=width, height=height, title=title
    ).configure_view(stroke=None)


_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUP = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _subscript(n: int) -> str:
    return str(n).translate(_SUB)


def vec(v: torch.Tensor, digits: int = 3) -> str:
    """A vector as a LaTeX column."""
    return r"\begin{bmatrix}" + r"\\".join(f"{x:.{digits}f}" for x in v.tolist()) + r"\end{bmatrix}"


def mat(m: torch.Tensor, digits: int = 2) -> str:
    """A matrix as a LaTeX bmatrix."""
    rows = [" & ".join(f"{x:.{digits}f}" for x in row) for row in m.tolist()]
    return r"\begin{bmatrix}" + r"\\".join(rows) + r"\end{bmatrix}"


LATEX_NONLINEARITY = {"tanh": r"\tanh", "relu": r"\mathrm{relu}"}
PRINTED_SIZE = 6  # the most rows or columns a matrix printed in an equation has


def recurrence(nonlinearity: str) -> str:
    """The RNN's equations, as LaTeX, with its nonlinearity."""
    f = LATEX_NONLINEARITY[nonlinearity]
    return (rf"h_t = {f}(W_{{ih}}\,x_t + b_{{ih}} + W_{{hh}}\,h_{{t-1}} + b_{{hh}}) \qquad y_t = W_{{hy}}\,h_t + b_y"
            r" \qquad p_t = \mathrm{softmax}(y_t)")


def step_equations(n: dict[str, torch.Tensor], t: int, layer: int, nonlinearity: str) -> list[str] | None:
    """Step t's equations with its real numbers (rnnviz.unrolling.step_numbers of 0-based
    layer), one LaTeX line each; None when a matrix is too large to print."""
    if max(n["W_ih"].shape) > PRINTED_SIZE:
        return None
    f = LATEX_NONLINEARITY[nonlinearity]
    x_sym = f"x_{t}" if layer == 0 else f"h^{{({layer})}}_{t}"  # layer l > 1 reads layer l-1's h_t
    ih = f"{mat(n['W_ih'])}{vec(n['x_t'])} + {vec(n['b_ih'])} = {vec(n['W_ih x_t'] + n['b_ih'])}"
    hh = f"{mat(n['W_hh'])}{vec(n['h_prev'])} + {vec(n['b_hh'])} = {vec(n['W_hh h_prev'] + n['b_hh'])}"
    lines = [rf"W_{{ih}}{x_sym} + b_{{ih}} = {ih}", rf"W_{{hh}}h_{{{t - 1}}} + b_{{hh}} = {hh}",
             rf"h_{t} = {f}\left({vec(n['preact'])}\right) = {vec(n['h_t'])}"]
    if "y_t" in n:
        lines.append(rf"y_{t} = W_{{hy}}h_{t} + b_y = {vec(n['y_t'])} \qquad "
                     rf"p_{t} = \mathrm{{softmax}}(y_{t}) = {vec(n['p_t'])}")
    return lines


def derivative(nonlinearity: str, t: int) -> str:
    """φ'(a_t) as LaTeX, written with what the page shows: 1 - h_t² for tanh, [a_t > 0] for relu."""
    return rf"1 - h_{{{t}}}^2" if nonlinearity == "tanh" else rf"[a_{{{t}}} > 0]"


# ---------------------------------------------------------------- forecasting


def windows_used(df: pd.DataFrame, n_windows: int, title: str | None = None, x_title: str | None = None,
                 y_title: str | None = None, tick: str | None = None) -> alt.Chart:
    """Which window starts each of the first training steps reads (df: step, start): one tick
    per window read, one row per step; `tick` names the tick in a one-entry legend."""
    enc = {}
    if tick:
        enc["color"] = alt.Color("what:N", title="", scale=alt.Scale(range=["#1f77b4"]),
                                 legend=alt.Legend(orient="top", labelLimit=0))
    steps = int(df["step"].max()) if len(df) else 1
    return alt.Chart(df.assign(what=tick or "")).mark_tick(thickness=2, size=12, orient="vertical").encode(
        x=alt.X("start:Q", title=x_title or tr("charts.window_start"),
                scale=alt.Scale(domain=[0, max(1, n_windows - 1)], nice=False)),
        y=alt.Y("step:Q", title=y_title or tr("charts.training_step"),
                scale=alt.Scale(domain=[0.5, steps + 0.5], reverse=True, nice=False, zero=False),
                axis=alt.Axis(values=list(range(1, steps + 1)), format="d", grid=False)),
        tooltip=[alt.Tooltip("step:O", title=y_title or tr("charts.training_step")),
                 alt.Tooltip("start:Q", title=x_title or tr("charts.window_start"))],
        **enc,
    ).properties(title=title or tr("charts.windows_title"), height=18 * steps + 100)  # the axes and legend fit inside


def window_chart(df: pd.DataFrame, roles: list[str] | None = None, title: str | None = None,
                 x_title: str = "x", y_title: str = "y") -> alt.Chart:
    """The training part as points, one input window and its target highlighted, with a legend
    naming the three (roles: the role column's values, in the learner's words). The x axis
    runs over the points shown.

    df: i, x, value, role (series / input window / target).
    """
    roles = roles or ["series", "input window", "target"]
    x_domain = [float(df["x"].min()), float(df["x"].max())] if len(df) else alt.Undefined
    return alt.Chart(df).mark_circle(size=28).encode(
        x=alt.X("x:Q", title=x_title, scale=alt.Scale(domain=x_domain, nice=False)),
        y=alt.Y("value:Q", title=y_title),
        color=alt.Color("role:N", title="", scale=alt.Scale(domain=roles, range=[GREY, "#1f77b4", "#d62728"]),
                        legend=alt.Legend(labelLimit=0)),
        size=alt.Size("role:N", title="", scale=alt.Scale(domain=roles, range=[14, 60, 120])),
        tooltip=[alt.Tooltip("i:Q", title="index"), alt.Tooltip("value:Q", format=".3f"), "role:N"],
    ).properties(title=title or tr("charts.sample_title"), height=HEIGHT)


def forecast_chart(series, preds: pd.DataFrame, how: str | None, title: str,
                   color_title: str | None = None) -> alt.LayerChart:
    """Test part: noisy truth (points), clean sine (dashed), forecasts (lines).

    preds: i, x, model, how, value. With `how` given only that kind of forecast is drawn,
    one line per model; otherwise one line per kind of forecast. color_title: the legend's
    title (default: the column's name).
    """
    start = series.split
    truth = pd.DataFrame({"x": series.x[start:], "value": series.y[start:]})
    clean = pd.DataFrame({"x": series.x[start:], "value": series.clean[start:]})
    p = preds if how is None else preds[preds["how"] == how]
    by = "how" if how is None else "model"
    x_domain = [float(series.x[start]), float(series.x[-1])]  # the test part, not a rounder number
    pts = alt.Chart(truth).mark_circle(size=18, color=GREY).encode(
        x=alt.X("x:Q", title="x", scale=alt.Scale(domain=x_domain, nice=False)), y=alt.Y("value:Q", title="y"),
        tooltip=[alt.Tooltip("value:Q", title=tr("charts.noisy_truth"), format=".3f")])
    sine = alt.Chart(clean).mark_line(strokeDash=[5, 4], color=GREY).encode(x="x:Q", y="value:Q")
    lines = alt.Chart(p).mark_line().encode(  # width 2 by default; a page may encode it (a wide line under another)
        x="x:Q", y="value:Q", color=alt.Color(f"{by}:N", title=color_title or by, scale=alt.Scale(scheme="tableau10"),
                                              sort=None),
        tooltip=[alt.Tooltip(f"{by}:N"), alt.Tooltip("i:Q", title="index"), alt.Tooltip("value:Q", format=".3f")])
    return alt.layer(pts, sine, lines).properties(
        title=alt.TitleParams(title, subtitle=tr("charts.forecast_subtitle")), height=HEIGHT)


def trajectory(pca: pd.DataFrame, color_title: str = "part") -> alt.Chart:
    """The hidden state's path in its first two principal components (pca: i, pc1, pc2, part);
    color_title: the legend's title."""
    return alt.Chart(pca).mark_line(point=alt.OverlayMarkDef(size=12), strokeWidth=1).encode(
        x=alt.X("pc1:Q", title=tr("charts.pc1")), y=alt.Y("pc2:Q", title=tr("charts.pc2")),
        order="i:Q", color=alt.Color("part:N", title=color_title, scale=alt.Scale(scheme="tableau10")),
        tooltip=[alt.Tooltip("i:Q", title="index"), "part:N"],
    ).properties(title=tr("charts.trajectory_title"), height=HEIGHT)


FORECAST_READ_COLOURS = ["#1f77b4", "#f58518"]  # forecast_influence_bars: a true value, the model's own prediction


def _forecast_window_band(window: int, k_max: int) -> alt.Chart:
    """The steps a forecast's window covers (k = 0 .. window - 1) shaded, on a k axis."""
    band = pd.DataFrame({"lo": [-0.5], "hi": [min(window, k_max + 1) - 0.5]})
    return alt.Chart(band).mark_rect(color=GREY, opacity=0.12).encode(x="lo:Q", x2="hi:Q")


def forecast_influence_bars(df: pd.DataFrame, window: int, span: int, title: str, subtitle: str, x_title: str,
                            y_title: str, read_title: str, reads: list[str], span_label: str,
                            faded: float = 0.1) -> alt.LayerChart:
    """A forecast's influence profile: a bar per step back k (df: k, influence, read, i, value;
    read in words, its values `reads`: true values, own predictions), the window (k < window)
    shaded, the span a dashed rule labelled span_label and `faded` of the peak a dotted one
    (the subtitle says so). Few layers: a knob redraws it."""
    k_max = int(df["k"].max())
    x = alt.X("lo:Q", title=x_title, scale=alt.Scale(domain=[-0.5, k_max + 0.5], nice=False),
              axis=alt.Axis(tickMinStep=1, format="d"))
    bars = alt.Chart(df).transform_calculate(lo="datum.k - 0.4", hi="datum.k + 0.4").mark_rect().encode(
        x=x, x2="hi:Q", y=alt.Y("influence:Q", title=y_title), y2=alt.datum(0),
        color=alt.Color("read:N", title=read_title, legend=alt.Legend(labelLimit=0, orient="top", title=None),
                        scale=alt.Scale(domain=reads, range=FORECAST_READ_COLOURS[:len(reads)])),
        tooltip=[alt.Tooltip("k:Q", title=x_title), alt.Tooltip("i:Q", title="i"), alt.Tooltip("read:N", title=read_title),
                 alt.Tooltip("value:Q", format=".3f"), alt.Tooltip("influence:Q", format=".4f", title=y_title)])
    marks = pd.DataFrame({"span": [span], "level": [faded * float(df["influence"].max())], "label": [span_label]})
    span_rule = alt.Chart(marks).mark_rule(strokeDash=[5, 4], color="#d62728").encode(x="span:Q")
    span_text = alt.Chart(marks).mark_text(align="left", dx=4, y=16, color="#d62728", fontSize=11).encode(
        x="span:Q", text="label:N")
    level = alt.Chart(marks).mark_rule(strokeDash=[2, 3], color=GREY).encode(y="level:Q")
    return alt.layer(_forecast_window_band(window, k_max), bars, level, span_rule, span_text).properties(
        title=alt.TitleParams(title, subtitle=subtitle), height=HEIGHT)


def forecast_influence_series(df: pd.DataFrame, forecast: dict, title: str, x_title: str, y_title: str,
                              share_title: str, read_title: str, reads: list[str]) -> alt.LayerChart:
    """The values a forecast read in series order (df: i, value, share, read, k), a grey line
    through them, each a point coloured and sized by its influence over the peak (share) and
    ringed by how it was read (reads: true value, own prediction; as in forecast_influence_bars);
    the forecast itself (forecast: i, value, label) a red diamond."""
    x = alt.X("i:Q", title=x_title, scale=alt.Scale(zero=False, nice=False), axis=alt.Axis(tickMinStep=1, format="d"))
    y = alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False))
    path = alt.Chart(df).mark_line(color=GREY, strokeWidth=1).encode(x=x, y=y)
    points = alt.Chart(df).mark_circle(opacity=1, strokeWidth=1.5).encode(
        x=x, y=y, stroke=alt.Stroke("read:N", title=None, legend=alt.Legend(orient="top", labelLimit=0),
                                    scale=alt.Scale(domain=reads, range=FORECAST_READ_COLOURS[:len(reads)])),
        color=alt.Color("share:Q", title=share_title, scale=alt.Scale(scheme="blues", domain=[0, 1])),
        size=alt.Size("share:Q", title=share_title, scale=alt.Scale(domain=[0, 1], range=[8, 260]), legend=None),
        tooltip=[alt.Tooltip("i:Q", title=x_title), alt.Tooltip("k:Q"), alt.Tooltip("read:N", title=read_title),
                 alt.Tooltip("value:Q", format=".3f"), alt.Tooltip("share:Q", format=".0%", title=share_title)])
    end = pd.DataFrame([forecast])
    diamond = alt.Chart(end).mark_point(shape="diamond", size=160, filled=True, color="#d62728").encode(
        x="i:Q", y="value:Q", tooltip=[alt.Tooltip("label:N", title=""), alt.Tooltip("value:Q", format=".3f")])
    return alt.layer(path, points, diamond).properties(title=title, height=HEIGHT)


def forecast_influence_overlay(df: pd.DataFrame, window: int, title: str, subtitle: str, x_title: str, y_title: str,
                               model_title: str, faded: float = 0.1) -> alt.LayerChart:
    """Several models' profiles of the same forecast, each over its own peak (df: k, share, model;
    model in words, e.g. with its span), lines with points; the window shaded, `faded` a dotted rule."""
    k_max = int(df["k"].max())
    lines = alt.Chart(df).mark_line(point=alt.OverlayMarkDef(size=22), strokeWidth=2).encode(
        x=alt.X("k:Q", title=x_title, scale=alt.Scale(domain=[-0.5, k_max + 0.5], nice=False),
                axis=alt.Axis(tickMinStep=1, format="d")),
        y=alt.Y("share:Q", title=y_title, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        color=alt.Color("model:N", title=model_title, scale=alt.Scale(scheme="tableau10"), sort=None,
                        legend=alt.Legend(labelLimit=0)),
        tooltip=[alt.Tooltip("model:N", title=model_title), alt.Tooltip("k:Q", title=x_title),
                 alt.Tooltip("share:Q", format=".0%", title=y_title)])
    level = alt.Chart(pd.DataFrame({"level": [faded]})).mark_rule(strokeDash=[2, 3], color=GREY).encode(y="level:Q")
    return alt.layer(_forecast_window_band(window, k_max), lines, level).properties(
        title=alt.TitleParams(title, subtitle=subtitle), height=HEIGHT)


WIDE = (7, 0.35)  # a line drawn under another: wide and pale (stroke width, opacity)
THIN = (2, 1.0)  # every other line


def styled(chart, field: str, looks: dict[str, tuple], under: tuple[str, ...] = ()):
    """Give each line of `chart` (one line mark, coloured by `field`) its width, opacity and,
    when looks' tuples have a third item, its dash, as encodings that share the colour's legend,
    so each legend swatch looks like its line. Lines in `under` are drawn first (a wide pale
    line under one that coincides with it)."""
    values = list(looks)
    color = chart.encoding.color  # read its properties by item: attribute access gives Altair's setters
    title = color["title"] if "title" in color._kwds and color["title"] is not alt.Undefined else field

    def channel(cls, k):  # an ordinal scale: each line its own look (a point scale would ramp between the ends)
        return cls(f"{field}:N", title=title, sort=None,
                   scale=alt.Scale(type="ordinal", domain=values, range=[looks[v][k] for v in values]))

    if color["scale"].domain is alt.Undefined:  # colours in the same order as the looks
        color["scale"].domain = values
    enc = {"strokeWidth": channel(alt.StrokeWidth, 0), "opacity": channel(alt.Opacity, 1)}
    if all(len(v) > 2 for v in looks.values()):
        enc["strokeDash"] = channel(alt.StrokeDash, 2)
    c = chart.encode(**enc)
    if not under:
        return c
    low = alt.FieldOneOfPredicate(field=field, oneOf=list(under))
    both = alt.layer(c.transform_filter(low), c.transform_filter(alt.LogicalNotPredicate(**{"not": low})))
    return both if chart.title is alt.Undefined else both.properties(title=chart.title)


def twins(chart, field: str, shown: list[str]):
    """MyRNN and RNN coincide by construction: draw MyRNN as a wide pale line under RNN's, so
    both stay visible, and its legend swatch wide and pale too (chart: one line mark,
    field: its colour column, shown: the models drawn)."""
    if not {"MyRNN", "RNN"} <= set(shown):
        return chart
    return styled(chart, field, {k: WIDE if k == "MyRNN" else THIN for k in shown}, under=("MyRNN",))


# ---------------------------------------------------------------- gates

UNIT_PICK = "unit_pick"  # the name of the click selection on the gate heatmaps


def gate_panels(frame: pd.DataFrame, titles: dict[str, str], input_title: str, x_title: str, unit_title: str,
                width: int = 860) -> alt.VConcatChart:
    """The input written above one heatmap per gate/state (time × unit, shared time axis).

    frame: t, unit, gate, value, token; titles: gate (engine name) -> its panel's title and
    colour legend. A click on any cell selects its unit (selection parameter UNIT_PICK, field "unit").
    """
    pick = alt.selection_point(name=UNIT_PICK, fields=["unit"], on="click", clear=False)
    T = int(frame["t"].max())
    x = alt.X("t:O", title=None, axis=alt.Axis(labelAngle=0, labelOverlap="greedy"))
    tokens = frame.drop_duplicates("t")[["t", "token"]]
    numbers = pd.to_numeric(tokens["token"], errors="coerce")
    if numbers.notna().all():  # a numeric input (the sine): a coloured strip, not a smear of text
        head = alt.Chart(tokens.assign(value=numbers)).mark_rect().encode(
            x=alt.X("t:O", title=None, axis=alt.Axis(labels=False, ticks=False)),
            color=alt.Color("value:Q", title=input_title, scale=alt.Scale(scheme="redblue", domainMid=0, reverse=True)),
            tooltip=["t:O", alt.Tooltip("value:Q", format=".3f")]).properties(width=width, height=18, title=input_title)
    else:
        head = alt.Chart(tokens).mark_text(fontSize=12 if T <= 60 else 8, color=GREY).encode(
            x=x, text="token:N", tooltip=["t:O", "token:N"]).properties(width=width, height=18, title=input_title)
    panels = []
    gates = [g for g in frame["gate"].unique()]
    H = int(frame["unit"].max())  # units are 1..H: every tick an integer, each unit once
    row = 16 if H <= 8 else 11 if H <= 16 else 9  # pixels per unit: a label per row fits down to 11
    ticks = list(range(1, H + 1, 1 if H <= 16 else -(-H // 16)))
    for gate in gates:
        d = frame[frame["gate"] == gate]
        if gate in SIGMOID_GATES:
            scale = alt.Scale(scheme="viridis", domain=[0, 1])
        else:
            scale = alt.Scale(scheme="redblue", domainMid=0, reverse=True)
        panels.append(alt.Chart(d).mark_rect().encode(
            x=alt.X("t:O", title=None, axis=alt.Axis(labels=False, ticks=False)) if gate != gates[-1]
            else alt.X("t:O", title=x_title, axis=alt.Axis(labelAngle=0, labelOverlap="greedy")),
            y=alt.Y("unit:O", title=unit_title, axis=alt.Axis(values=ticks, labelOverlap=False)),
            color=alt.Color("value:Q", scale=scale, title=titles[gate]),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35)),
            tooltip=[alt.Tooltip("t:O", title=x_title), alt.Tooltip("token:N", title=input_title),
                     alt.Tooltip("unit:O", title=unit_title),
                     alt.Tooltip("value:Q", format=".3f", title=titles[gate])],
        ).add_params(pick).properties(width=width, height=row * H, title=titles[gate]))
    return alt.vconcat(head, *panels, spacing=6).resolve_scale(color="independent")


def with_chance(chart, chance: float, label: str, x: str | None = None,
                data: pd.DataFrame | None = None) -> alt.LayerChart:
    """An accuracy chart on the full 0..1 axis (noise must not look like progress), with
    chance drawn as a dashed, labelled rule. A layered chart names its x field and data."""
    for part in getattr(chart, "layer", None) or [chart]:
        part.encoding.y.scale = alt.Scale(domain=[0, 1])
        part.encoding.y.axis = alt.Axis(format="%")
    x = x or chart.encoding.x.shorthand.split(":")[0]  # the label sits at the right end, clear of the first points
    data = chart.data if data is None else data
    rule = pd.DataFrame({"chance": [chance], "label": [label], x: [data[x].max()]})
    line_ = alt.Chart(rule).mark_rule(strokeDash=[5, 4], color=GREY).encode(y="chance:Q")
    text = alt.Chart(rule).mark_text(align="right", dy=10, color=GREY, fontSize=11).encode(
        y="chance:Q", x=f"{x}:Q", text="label:N")
    parts = []  # a layered chart's layers, flattened (a nested layer loses its legend), each with its data
    for part in getattr(chart, "layer", None) or [chart]:
        part = part.copy()
        if part.data is alt.Undefined:
            part.data = data
        parts.append(part)
    layered = alt.layer(*parts, line_, text).properties(height=HEIGHT)
    title = getattr(chart, "title", alt.Undefined)
    return layered if title is alt.Undefined else layered.properties(title=title)


def sweep_chart(df: pd.DataFrame, title: str, x_title: str, y_title: str, kind: str,
                chance: float, chance_label: str) -> alt.LayerChart:
    """Accuracy vs gap, one line per kind with its own dash and point shape, so lines that
    coincide (LSTM and GRU both at 100 %) stay visible; chance as a rule. df: gap, accuracy, kind."""
    enc = {
        "x": alt.X("gap:Q", title=x_title),
        "y": alt.Y("accuracy:Q", title=y_title),
        "color": alt.Color(f"{kind}:N", title=kind, scale=alt.Scale(scheme="tableau10"), sort=None),
        "strokeDash": alt.StrokeDash(f"{kind}:N", title=kind, sort=None),
        "shape": alt.Shape(f"{kind}:N", title=kind, sort=None),
        "tooltip": [alt.Tooltip(f"{kind}:N"), alt.Tooltip("gap:Q", title=x_title),
                    alt.Tooltip("accuracy:Q", title=y_title, format=".1%")],
    }
    first = df[kind].iloc[0]  # the LSTM: a wide halo under it shows where the others cover it
    base = alt.Chart(df).encode(x=enc["x"], y=enc["y"], color=enc["color"], tooltip=enc["tooltip"])
    halo = base.transform_filter(alt.FieldEqualPredicate(field=kind, equal=first)).mark_line(
        strokeWidth=7, opacity=0.45)
    lines = alt.layer(halo, base.mark_line(strokeWidth=2).encode(strokeDash=enc["strokeDash"]),
                      base.mark_point(size=110, filled=False, strokeWidth=2, opacity=1).encode(shape=enc["shape"]))
    return with_chance(lines, chance, chance_label, x="gap", data=df).properties(title=title)


def memory_lines(df: pd.DataFrame, title: str, x_title: str, y_title: str, symbol: str,
                 rule_t: int | None = None, rule_label: str = "", unit_title: str = "unit {unit}"):
    """Memory across the gap, one thin line per sequence coloured by the symbol it must
    recall (df: example, t, value, <symbol>, and unit for one panel per unit, side by side);
    rule_t marks a step (the second symbol)."""
    def panel(d: pd.DataFrame, sub: str = "") -> alt.LayerChart:
        lines = alt.Chart(d).mark_line(strokeWidth=1.3, opacity=0.8).encode(
            x=alt.X("t:Q", title=x_title, axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("value:Q", title=y_title),
            color=alt.Color(f"{symbol}:N", title=symbol, scale=alt.Scale(scheme="category10"), sort="ascending"),
            detail="example:N",
            tooltip=[alt.Tooltip(f"{symbol}:N"), "example:N", "t:Q", alt.Tooltip("value:Q", format=".3f")])
        layers = [lines]
        if rule_t is not None:
            rule = pd.DataFrame({"t": [rule_t], "label": [rule_label]})
            layers += [alt.Chart(rule).mark_rule(strokeDash=[5, 4], color=GREY).encode(x="t:Q"),
                       alt.Chart(rule).mark_text(align="left", dx=4, y=8, color=GREY, fontSize=11).encode(
                           x="t:Q", text="label:N")]
        return alt.layer(*layers).properties(title=sub or title, height=HEIGHT - 40)

    if "unit" not in df.columns:
        return panel(df).properties(height=HEIGHT)
    units = list(dict.fromkeys(df["unit"]))
    panels = [panel(df[df["unit"] == u], unit_title.format(unit=u)).properties(width=210) for u in units]
    return alt.hconcat(*panels).properties(title=title)


def with_rule(chart, t: int, label: str) -> alt.LayerChart:
    """A chart over time steps with step t marked by a dashed, labelled rule."""
    rule = pd.DataFrame({"t": [t], "label": [label]})
    return alt.layer(chart, alt.Chart(rule).mark_rule(strokeDash=[5, 4], color=GREY).encode(x="t:Q"),
                     alt.Chart(rule).mark_text(align="left", dx=4, y=8, color=GREY, fontSize=11).encode(
                         x="t:Q", text="label:N")).properties(title=chart.title, height=HEIGHT)


def with_level(chart, level: float, label: str) -> alt.LayerChart:
    """A chart with a dashed, labelled horizontal rule at y = level (e.g. a factor of 1: above it grows, below shrinks)."""
    rule = pd.DataFrame({"level": [level], "label": [label]})
    return alt.layer(chart, alt.Chart(rule).mark_rule(strokeDash=[5, 4], color=GREY).encode(y="level:Q"),
                     alt.Chart(rule).mark_text(align="right", x="width", dx=-4, dy=9, color=GREY, fontSize=11).encode(
                         y="level:Q", text="label:N")).properties(title=chart.title, height=HEIGHT)


UNIT_PANELS = (  # unit_lines: which lines share a panel, and its y range (None: the data's own)
    ("gates", SIGMOID_GATES, (0.0, 1.0)),  # σ(·) in [0, 1]
    ("preact", ("preact",), None),  # the vanilla RNN's z_t, before tanh: any size
    ("bounded", ("candidate", "hidden"), (-1.0, 1.0)),  # tanh(·) in [-1, 1]
    ("cell", ("cell",), None),  # the LSTM's cell state: a sum over steps, any size
)


def unit_lines(frame: pd.DataFrame, unit: int, title: str, x_title: str, legend: str,
               names: dict[str, str], y_titles: dict[str, str], width: int = 760) -> alt.VConcatChart:
    """One unit's gates and states over time, one panel per range of values (gates in [0, 1],
    tanh outputs in [-1, 1], the cell state or pre-activation on their own axis), so a cell
    state near 9 does not squash gates between 0 and 1. frame: t, unit, gate (engine names),
    value; names: engine name -> learner's word; y_titles: UNIT_PANELS name -> axis title."""
    d = frame[frame["unit"] == unit].assign(name=lambda f: f["gate"].map(names))
    order = [names[g] for g in d["gate"].unique()]  # one colour per line, the same in every panel
    color = alt.Color("name:N", title=legend, sort=order, scale=alt.Scale(domain=order, scheme="tableau10"),
                      legend=alt.Legend(labelLimit=0))  # whole names: "before tanh (pre-activation)"
    steps = [int(d["t"].min()), int(d["t"].max())]  # the axis runs over the steps, from t = 1
    panels = []
    for name, members, domain in UNIT_PANELS:
        part = d[d["gate"].isin(members)]
        if part.empty:
            continue
        scale = alt.Scale(domain=list(domain)) if domain else alt.Scale(zero=False)
        panels.append(alt.Chart(part).mark_line(point=True).encode(
            x=alt.X("t:Q", title=x_title, axis=alt.Axis(tickMinStep=1, format="d"),
                    scale=alt.Scale(domain=steps, nice=False)),
            y=alt.Y("value:Q", title=y_titles[name], scale=scale),
            color=color,
            tooltip=[alt.Tooltip("name:N", title=legend), alt.Tooltip("t:Q", title=x_title),
                     alt.Tooltip("value:Q", title=y_titles[name], format=".4g")],
        ).properties(width=width, height=130))
    return alt.vconcat(*panels, spacing=12).properties(title=title)


def saturation_bars(df: pd.DataFrame, title: str, x_title: str, legend: str) -> alt.Chart:
    """Share of each gate's values below 0.1, between, above 0.9 (df: gate, range, share, in the
    learner's words; the rows in the engine's order)."""
    order = list(dict.fromkeys(df["range"]))  # as saturation() lists them: low, between, high
    d = df.assign(rank=df["range"].map(order.index))
    return alt.Chart(d).mark_bar().encode(
        y=alt.Y("gate:N", title=None, sort=list(dict.fromkeys(df["gate"]))),  # the engine's order, any language
        x=alt.X("share:Q", title=x_title, axis=alt.Axis(format="%"), stack="zero"),
        color=alt.Color("range:N", title=legend, sort=order,
                        scale=alt.Scale(domain=order, range=["#4c78a8", "#bab0ac", "#f58518"])),
        order=alt.Order("rank:Q"),
        tooltip=["gate:N", "range:N", alt.Tooltip("share:Q", format=".1%")],
    ).properties(title=title, height={"step": 28})


# ---------------------------------------------------------------- character model


def minibatch_chart(df: pd.DataFrame, corpus_len: int, title: str, x_title: str, y_title: str,
                    legend: str) -> alt.Chart:
    """Where each minibatch row starts in the corpus (df: minibatch, row, start, end)."""
    return alt.Chart(df).mark_tick(thickness=3, size=7).encode(
        x=alt.X("start:Q", title=x_title, scale=alt.Scale(domain=[0, corpus_len])),
        y=alt.Y("row:O", title=y_title, axis=alt.Axis(labelOverlap="greedy")),
        color=alt.Color("minibatch:N", title=legend, scale=alt.Scale(scheme="tableau10")),
        tooltip=["minibatch:N", "row:O", "start:Q", "end:Q"],
    ).properties(title=title, height=alt.Step(8))


def clipping_chart(df: pd.DataFrame, title: str, x_title: str, y_title: str, legend: str, value_title: str,
                   labels: dict[str, str]) -> alt.Chart:
    """Gradient norms before and after clipping, on a log axis (df: step, norm, grad_norm, as
    rnnviz.charlm.gradient_norms). labels: the norm's values in the learner's words; the
    columns take the titles' names (a download's headers, the tooltips)."""
    d = df.assign(norm=df["norm"].map(lambda v: labels.get(v, v))).rename(
        columns={"step": x_title, "norm": legend, "grad_norm": value_title})
    return line(d, x_title, value_title, title, x_title, y_title, color=legend, dash=legend, log_y=True)


def perplexity_chart(ppl: pd.DataFrame, baselines: dict[str, float], title: str, x_title: str, y_title: str,
                     labels: dict[str, str] | None = None) -> alt.LayerChart:
    """Train and held-out perplexity per epoch (ppl: epoch, perplexity, curve), baselines as rules,
    each named just right of the plot, at its rule's height or moved just clear of a neighbour's
    name (the lyrics' uniform 1,027 and unigram 684 are a few pixels apart on the log axis; the
    grammar's uniform 8 and unigram 7.56 all but coincide). labels: the curves' and baselines'
    names in the learner's words (a value without one is shown as it is)."""
    labels = labels or {}
    if "curve" in ppl:
        ppl = ppl.assign(curve=ppl["curve"].map(lambda v: labels.get(v, v)))
    baselines = {labels.get(k, k): v for k, v in baselines.items()}
    base = pd.DataFrame({"baseline": list(baselines), "perplexity": list(baselines.values())})
    base["label"] = [f"{k} {_ppl(v)}" for k, v in baselines.items()]
    seen = [v for v in [*ppl["perplexity"], *baselines.values()] if 0 < v < math.inf] or [1.0]
    low, high = min(seen) / 1.3, max(seen) * 1.3  # the y domain, fixed here: a name's place is a share of it
    gap = (high / low) ** LABEL_GAP  # one line of text, as a factor on the log axis
    at = {}
    for k in sorted(baselines, key=lambda k: -baselines[k] if 0 < baselines[k] < math.inf else 0):
        v = min(max(baselines[k], low), high)
        at[k] = min([v] + [at[j] / gap for j in at])  # each name at least a line below the ones above
    low = min(low, min(at.values()) / gap ** 0.5)  # room for the lowest name
    base["at"] = [at[k] for k in base["baseline"]]
    y = alt.Y("perplexity:Q", title=y_title, scale=alt.Scale(type="log", domain=[low, high], nice=False))
    # the first curve (held-out) dashed with hollow points over the second (train) solid: when the two
    # all but coincide (Tiny Shakespeare: 6.27 and 6.28) both stay visible
    curves = list(dict.fromkeys(ppl["curve"])) if "curve" in ppl else []
    lines = alt.Chart(ppl).mark_line(point=alt.OverlayMarkDef(filled=False, size=45)).encode(
        x=alt.X("epoch:Q", title=x_title, axis=alt.Axis(tickMinStep=1)), y=y,
        color=alt.Color("curve:N", title="", scale=alt.Scale(scheme="tableau10", domain=curves or None), sort=None,
                        legend=alt.Legend(orient="bottom")),
        strokeDash=alt.StrokeDash("curve:N", sort=None, legend=None, scale=alt.Scale(
            domain=curves, range=[[6, 3], [1, 0]][:len(curves)] or [[1, 0]])),
        tooltip=["epoch:Q", "curve:N", alt.Tooltip("perplexity:Q", format=".3f")])
    rules = alt.Chart(base).mark_rule(strokeDash=[5, 4], color=GREY).encode(
        y=y, tooltip=["baseline:N", alt.Tooltip("perplexity:Q", format=".2f")])
    names = alt.Chart(base).mark_text(align="left", baseline="middle", x={"expr": "width + 6"}, color=GREY,
                                       fontSize=11).encode(
        y=alt.Y("at:Q", title=y_title, scale=alt.Scale(type="log", domain=[low, high], nice=False)),
        text=alt.Text("label:N"), tooltip=["baseline:N", alt.Tooltip("perplexity:Q", format=".2f")])
    # the legend below takes room from the plot: a little taller than its neighbours, the same plot height
    if len(curves) > 1:  # drawn last first: the first curve (held-out) on top
        lines = alt.layer(*[lines.transform_filter(alt.datum.curve == c) for c in reversed(curves)])
    return alt.layer(rules, names, lines).properties(title=title, height=HEIGHT + 30)


LABEL_GAP = 0.12  # the share of the log axis one baseline name needs (11-pixel text, CJK too, on a plot of ~110 px)


def coloured_text(text: str, values: list[float]) -> str:
    """text as HTML, each character's background red (above 0) or blue (below), as strong as
    |value| (capped at 1), the value on hover; a newline breaks the line (shown as ⏎)."""
    spans = "".join(
        f'<span title="{v:+.2f}" style="background: rgba({255 if v > 0 else 31},{80 if v > 0 else 119},'
        f'{80 if v > 0 else 180},{min(abs(v), 1):.2f})">{html.escape(ch) if ch != chr(10) else "⏎<br>"}</span>'
        for ch, v in zip(text, values))
    return f"<div style='font-family: monospace; line-height: 1.7'>{spans}</div>"


def influence_text(context: str, shares: list[float], target: str) -> str:
    """The characters a prediction read, each as red as its influence (shares: oldest first,
    0 … 1 of the peak), then the character predicted, framed (text escaped)."""
    read = coloured_text(context, shares[::-1])  # shares run k = 0 (the last character) back
    shown = html.escape(target) if target != chr(10) else "⏎"
    framed = f'<span style="outline: 2px solid #4c78a8; padding: 0 2px">{shown}</span>'
    return read.replace("</div>", framed + "</div>")


def influence_bars(df: pd.DataFrame, title: str, x_title: str, y_title: str, span: int, span_label: str,
                   char_title: str) -> alt.LayerChart:
    """One bar per step back (df: k, char, influence, share), the span marked by a dashed rule."""
    bars = alt.Chart(df).mark_bar(color="#e45756").encode(
        x=alt.X("k:Q", title=x_title, axis=alt.Axis(tickMinStep=1, format="d"),
                scale=alt.Scale(domain=[-0.5, float(df["k"].max()) + 0.5], nice=False)),
        y=alt.Y("influence:Q", title=y_title),
        tooltip=[alt.Tooltip("k:Q", title=x_title), alt.Tooltip("char:N", title=char_title),
                 alt.Tooltip("influence:Q", title=y_title, format=".4g"), alt.Tooltip("share:Q", format=".1%")],
    ).properties(title=title, height=HEIGHT)
    return with_rule(bars, span, span_label)


def influence_lines(df: pd.DataFrame, title: str, x_title: str, y_title: str, legend: str, order: list[str],
                    level: float, level_label: str) -> alt.LayerChart:
    """One line per model (df: model, k, share), each in its own colour in `order` (the same in
    every chart of the section), with a dashed rule at y = level (the span's threshold)."""
    lines = alt.Chart(df).mark_line().encode(
        x=alt.X("k:Q", title=x_title, axis=alt.Axis(tickMinStep=1, format="d"),
                scale=alt.Scale(domain=[0, float(df["k"].max())], nice=False)),
        y=alt.Y("share:Q", title=y_title, scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("model:N", title=legend, sort=order, scale=alt.Scale(domain=order, scheme="tableau10")),
        tooltip=[alt.Tooltip("model:N", title=legend), alt.Tooltip("k:Q", title=x_title),
                 alt.Tooltip("share:Q", title=y_title, format=".1%")],
    ).properties(title=title, height=HEIGHT)
    return with_level(lines, level, level_label)


def _ppl(v: float) -> str:
    """A perplexity for a label: 1,027 / 28.4 / 3.26."""
    return f"{v:,.0f}" if v >= 100 else f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def chart_title(chart) -> str:
    """The title a chart shows (the first found, layers and panels included), or ""."""
    title = getattr(chart, "title", alt.Undefined)
    if isinstance(title, str):
        return title
    if title is not alt.Undefined and isinstance(getattr(title, "text", None), str):
        return title.text
    for part in _parts(chart):
        if found := chart_title(part):
            return found
    return ""


_SPEC_LOCK = threading.Lock()  # Altair's data transformer and theme are global to the process


def _named_frame(data: pd.DataFrame, frames: dict) -> dict:
    """An Altair data transformer: the frame stays a frame, named by a hash of its content (a
    chart drawn again with the same data keeps its name, so the browser's chart is updated, not rebuilt)."""
    digest = hashlib.blake2b(pd.util.hash_pandas_object(data).to_numpy().tobytes(), digest_size=12)
    digest.update(repr([(str(c), str(t)) for c, t in data.dtypes.items()]).encode())
    name = f"data-{digest.hexdigest()}"
    frames[name] = data
    return {"name": name}


alt.data_transformers.register("rnnviz_frames", _named_frame)


def spec(chart) -> dict:
    """The chart's Vega-Lite spec for st.vega_lite_chart, as Streamlit's st.altair_chart makes
    it but without checking it against the schema (to_dict(validate=False): the tests check the
    builders' specs, and the check costs most of a chart's time on a redraw): no default size
    (Altair's "none" theme, as Streamlit does), and each DataFrame kept whole under "datasets"
    (Streamlit sends it as Arrow), not turned into rows of JSON."""
    frames: dict[str, pd.DataFrame] = {}
    with _SPEC_LOCK, alt.theme.enable("none"), alt.data_transformers.enable("rnnviz_frames", frames=frames):
        out = chart.to_dict(validate=False)
    out["datasets"] = {**out.get("datasets", {}), **frames}
    return out


def chart_data(chart) -> pd.DataFrame:
    """The data behind a chart, as a learner would download it: one table, with a "part"
    column (1, 2, ...) when its layers or panels draw different tables."""
    frames, seen = [], set()

    def walk(c) -> None:
        data = getattr(c, "data", alt.Undefined)
        if isinstance(data, pd.DataFrame) and id(data) not in seen:
            seen.add(id(data))
            frames.append(data)
        for part in _parts(c):
            walk(part)

    walk(chart)
    if len(frames) == 1:
        return frames[0]
    return pd.concat([f.assign(part=k) for k, f in enumerate(frames, start=1)], ignore_index=True)


def _parts(chart) -> list:
    return [p for name in ("layer", "hconcat", "vconcat", "concat")
            for p in (getattr(chart, name, None) or []) if p is not alt.Undefined]


def paired_panels(before: pd.DataFrame, after: pd.DataFrame, gates: list[str], titles: dict[str, tuple[str, str]],
                  legends: dict[str, str], title: str, x_title: str, unit_title: str, input_title: str,
                  width: int = 860) -> alt.VConcatChart:
    """For each gate or state in `gates`: the untouched run's heatmap (time × unit) with the
    intervened run's right under it, on one colour scale (so what leaked out shows as a change
    of colour). before, after: t, unit, gate, value, token (gate_panels' frames); titles: gate ->
    (title above, title below); legends: gate -> its colour legend's title."""
    H = int(before["unit"].max())
    row = 16 if H <= 8 else 11 if H <= 16 else 9
    ticks = list(range(1, H + 1, 1 if H <= 16 else -(-H // 16)))
    pairs = []
    for gate in gates:
        a, b = before[before["gate"] == gate], after[after["gate"] == gate]
        if gate in SIGMOID_GATES:
            scale = alt.Scale(scheme="viridis", domain=[0, 1])
        else:  # one symmetric range for both runs: the same colour is the same value above and below
            top = float(max(a["value"].abs().max(), b["value"].abs().max(), 1e-6))
            scale = alt.Scale(scheme="redblue", domain=[-top, top], reverse=True)
        panels = []
        for d, name, last in ((a, titles[gate][0], False), (b, titles[gate][1], True)):
            panels.append(alt.Chart(d).mark_rect().encode(
                x=alt.X("t:O", title=x_title if last else None,
                        axis=alt.Axis(labelAngle=0, labelOverlap="greedy", labels=last, ticks=last)),
                y=alt.Y("unit:O", title=unit_title, axis=alt.Axis(values=ticks, labelOverlap=False)),
                color=alt.Color("value:Q", scale=scale, title=legends[gate]),
                tooltip=[alt.Tooltip("t:O", title=x_title), alt.Tooltip("token:N", title=input_title),
                         alt.Tooltip("unit:O", title=unit_title), alt.Tooltip("value:Q", format=".3f", title=legends[gate])],
            ).properties(width=width, height=row * H, title=name))
        pairs.append(alt.vconcat(*panels, spacing=8).resolve_scale(color="shared"))
    return alt.vconcat(*pairs, spacing=14).resolve_scale(color="independent").properties(title=title)


def cost_bars(df: pd.DataFrame, title: str, x_title: str, y_title: str, legend: str, groups: tuple[str, str],
              percent: bool) -> alt.Chart:
    """One bar per unit, costliest first: what silencing it alone costs. df: unit, cost, group;
    groups: the legend's words for the learner's selection (red) and the other units (grey);
    percent: cost is an accuracy."""
    order = [int(u) for u in df["unit"]]
    axis = alt.Axis(format="%") if percent else alt.Axis()
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("unit:O", sort=order, title=x_title, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("cost:Q", title=y_title, axis=axis),
        color=alt.Color("group:N", title=legend, scale=alt.Scale(domain=list(groups), range=["#e45756", "#9aa5b1"])),
        tooltip=[alt.Tooltip("unit:O", title=x_title),
                 alt.Tooltip("cost:Q", title=y_title, format=".1%" if percent else ".4f")],
    ).properties(title=title, height=HEIGHT)
