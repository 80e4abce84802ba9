"""Pure chart builders: tidy DataFrame in, Altair chart (or Graphviz DOT / LaTeX text) out.

They know nothing about where the data came from; tests check them through to_dict().
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import torch

HEIGHT = 260  # one height for the line charts, so a page lines up


def line(df: pd.DataFrame, x: str, y: str, title: str, x_title: str, y_title: str,
         color: str | None = None, log_y: bool = False, points: bool = False) -> alt.Chart:
    """A line per value of `color` (or one line), with tooltips."""
    scale = alt.Scale(type="log") if log_y else alt.Scale(zero=False)
    enc = {
        "x": alt.X(f"{x}:Q", title=x_title),
        "y": alt.Y(f"{y}:Q", title=y_title, scale=scale),
        "tooltip": [alt.Tooltip(f"{x}:Q", title=x_title), alt.Tooltip(f"{y}:Q", title=y_title, format=".4g")],
    }
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=color, scale=alt.Scale(scheme="tableau10"))
        enc["tooltip"].insert(0, alt.Tooltip(f"{color}:N"))
    mark = alt.Chart(df).mark_line(point=points)
    # top padding: titles with ‖ or ∂ come from a fallback font that is taller than the box
    return mark.encode(**enc).properties(title=title, height=HEIGHT, padding={"top": 12, "left": 5,
                                                                          "right": 5, "bottom": 5})


def heatmap(df: pd.DataFrame, x: str, y: str, title: str, x_title: str, y_title: str,
            value: str = "value", x_type: str = "O", y_type: str = "O",
            value_title: str = "value") -> alt.Chart:
    """Cells coloured by value on a diverging scale centred on 0, with the number on hover."""
    color = alt.Color(f"{value}:Q", title=value_title,
                      scale=alt.Scale(scheme="redblue", domainMid=0, reverse=True))
    return alt.Chart(df).mark_rect().encode(
        x=alt.X(f"{x}:{x_type}", title=x_title, sort=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y(f"{y}:{y_type}", title=y_title, sort=None),
        color=color,
        tooltip=[alt.Tooltip(f"{x}:{x_type}", title=x_title), alt.Tooltip(f"{y}:{y_type}", title=y_title),
                 alt.Tooltip(f"{value}:Q", title=value_title, format=".4f")],
    ).properties(title=title)


def unrolled_dot(seq_len: int, t: int, num_layers: int = 1, max_shown: int = 8) -> str:
    """Graphviz DOT of the recurrence unrolled over time; step t highlighted.

    Long sequences show their first and last steps with an ellipsis between.
    """
    steps = list(range(1, seq_len + 1))
    if seq_len > max_shown:
        keep = sorted({1, 2, 3, t, seq_len - 1, seq_len} & set(steps))
        steps = keep
    on = 'style="rounded,filled" fillcolor="#ffd54f" fontcolor="#262730"'
    lines = ["digraph G {", "rankdir=BT; splines=true; nodesep=0.35; ranksep=0.45;",
             # a mid grey reads on both the light and the dark theme
             ('bgcolor="transparent"; node [shape=box style=rounded fontname="Helvetica" fontsize=11 '
              'color="#808495" fontcolor="#808495"];'),
             'edge [fontname="Helvetica" fontsize=9 color="#808495" fontcolor="#808495"];']
    for L in range(1, num_layers + 1):
        lines.append(f'h{L}_0 [label="h{_sub(L, num_layers)}₀ = 0" shape=plaintext];')
    prev = {L: f"h{L}_0" for L in range(1, num_layers + 1)}
    for i, s in enumerate(steps):
        hl = on if s == t else ""
        lines.append(f'x_{s} [label="x{_subscript(s)}" shape=circle {hl.replace("rounded,", "")}];')
        lines.append(f'y_{s} [label="y{_subscript(s)}" shape=circle {hl.replace("rounded,", "")}];')
        below = f"x_{s}"
        for L in range(1, num_layers + 1):
            node = f"h{L}_{s}"
            lines.append(f'{node} [label="h{_sub(L, num_layers)}{_subscript(s)}" {hl}];')
            lines.append(f'{below} -> {node} [label="W_ih"];')
            gap = i > 0 and steps[i - 1] != s - 1
            lines.append(f'{prev[L]} -> {node} [label="{"…" if gap else "W_hh"}" constraint=false'
                         f'{" style=dashed" if gap else ""}];')
            prev[L], below = node, node
        lines.append(f'{below} -> y_{s} [label="W_hy"];')
    lines.append("{rank=same; " + " ".join(f"h{L}_0" for L in range(1, num_layers + 1)) + " "
                 + " ".join(f"h1_{s}" for s in steps) + "}")
    lines.append("}")
    return "\n".join(lines)


_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _subscript(n: int) -> str:
    return str(n).translate(_SUB)


def _sub(layer: int, num_layers: int) -> str:
    """The layer as a superscript-like tag, only when there is more than one layer."""
    return f"^{layer}" if num_layers > 1 else ""


def vec(v: torch.Tensor, digits: int = 3) -> str:
    """A vector as a LaTeX column."""
    return r"\begin{bmatrix}" + r"\\".join(f"{x:.{digits}f}" for x in v.tolist()) + r"\end{bmatrix}"


def mat(m: torch.Tensor, digits: int = 2) -> str:
    """A matrix as a LaTeX bmatrix."""
    rows = [" & ".join(f"{x:.{digits}f}" for x in row) for row in m.tolist()]
    return r"\begin{bmatrix}" + r"\\".join(rows) + r"\end{bmatrix}"
