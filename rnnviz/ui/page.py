"""Page setup and the shared sidebar every page calls first.

Streamlit discovers pages/ by itself (deep links and AppTest work that way); its own
navigation is hidden in .streamlit/config.toml and this sidebar draws the links with
proper names, listing only the pages that exist.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
import torch

import rnnviz

ROOT = Path(__file__).resolve().parents[2]

# (file, name, icon, one line on what it teaches); a page is listed when its file exists.
PAGES = (
    ("pages/1_RNN_Unrolling.py", "RNN unrolling", ":material/replay:",
     (r"$h_t = \tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})$ step by step with real numbers; "
      "RNNCell vs nn.RNN; shapes; hello → ohlol trained live; gradients through time.")),
    ("pages/2_Sine_Forecasting.py", "Sine forecasting", ":material/show_chart:",
     "A window of past values predicts the next: single-step vs free-running forecasts."),
    ("pages/3_LSTM_Gates.py", "LSTM gates", ":material/tune:",
     "Forget, input and output gates of your own trained LSTM, and the GRU's gates."),
    ("pages/4_Char_Generation.py", "Char-level generation", ":material/text_fields:",
     "A d2l-style character language model: perplexity, sampling, temperature."),
)


def existing_pages() -> list[tuple[str, str, str, str]]:
    """The pages whose files existed when the server started, in lesson order (Streamlit
    registers pages/ once; linking a page added later would fail until a restart)."""
    return _EXISTING


_EXISTING = [p for p in PAGES if (ROOT / p[0]).exists()]


def page_setup(title: str, icon: str) -> None:
    """Set the page's title and layout and draw the shared sidebar."""
    st.set_page_config(page_title=f"{title} · rnnviz", page_icon=icon, layout="wide")
    with st.sidebar:
        st.page_link("streamlit_app.py", label="Home", icon=":material/home:")
        for file, name, page_icon, _ in existing_pages():
            st.page_link(file, label=name, icon=page_icon)
        st.divider()
        where = "CUDA GPU" if rnnviz.device().type == "cuda" else "CPU"
        st.caption(f"Models train live on this machine's {where} "
                   f"(torch {torch.__version__.split('+')[0]}, {torch.get_num_threads()} thread(s)).")


PADDING = {"top": 14, "left": 5, "right": 5, "bottom": 5}  # titles with ‖ ∂ → come from a taller fallback font


def show(chart, where=None, width: str = "stretch") -> None:
    """Draw an Altair chart with room above its title (Streamlit otherwise clips it)."""
    (where or st).altair_chart(chart.properties(padding=PADDING), width=width)
