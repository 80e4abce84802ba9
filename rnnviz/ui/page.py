"""Page setup and the shared sidebar every page calls first.

Streamlit discovers pages/ by itself (deep links and AppTest work that way); its own
navigation is hidden in .streamlit/config.toml and this sidebar draws the links with
proper names, listing only the pages that exist.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import urlencode

import streamlit as st
import torch

import rnnviz
from rnnviz.charts import chart_data, chart_title

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


def page_setup(title: str, icon: str):
    """Set the page's title and layout and draw the shared sidebar. Returns the place at the
    top of the page where share_link() explains a link's settings it could not use."""
    st.set_page_config(page_title=f"{title} · rnnviz", page_icon=icon, layout="wide")
    st.session_state[SHOWN] = {}  # the charts this run draws, for exports()
    # the link this page was first opened with in this session, before any widget reads it
    st.session_state.setdefault(f"_opened {title}", {k: st.query_params.get_all(k) for k in st.query_params})
    with st.sidebar:
        st.page_link("streamlit_app.py", label="Home", icon=":material/home:")
        for file, name, page_icon, _ in existing_pages():
            st.page_link(file, label=name, icon=page_icon)
        st.divider()
        where = "CUDA GPU" if rnnviz.device().type == "cuda" else "CPU"
        st.caption(f"Models train live on this machine's {where} "
                   f"(torch {torch.__version__.split('+')[0]}, {torch.get_num_threads()} thread(s)).")
    return st.empty()


def share_link(title: str, note_at) -> None:
    """Call last on a page whose settings are bound to the URL (bind="query-params").

    Says, once per visit and kept on screen, which settings of the opening link could not be
    used (unknown, out of range, not an option: Streamlit fell back to the default), and puts
    the link to the page with its current settings in the sidebar, with a copy button.
    """
    key = f"_link note {title}"
    if key not in st.session_state:
        opened = st.session_state.get(f"_opened {title}", {})
        st.session_state[key] = [f"`{k}={','.join(v)}`" for k, v in opened.items() if not _used(k, v)]
        for k in opened:
            if k in st.query_params and not _is_setting(k):
                del st.query_params[k]  # unknown: out of the link
    if st.session_state[key]:
        note_at.warning("This link has settings this page cannot use (an unknown name, a value out of range, "
                        "or not one of the choices), so it uses their defaults instead: "
                        + ", ".join(st.session_state[key]) + ".", icon=":material/link_off:")
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    url = (st.context.url or "") + ("?" + urlencode(params, doseq=True) if params else "")
    with st.sidebar:
        st.caption("Link to this page with these settings (same settings and seed, same run):")
        st.code(url, language=None, wrap_lines=True)


def _is_setting(key: str) -> bool:
    return not key.startswith("_") and isinstance(st.session_state.get(key), (bool, int, float, str, list))


def _used(key: str, given: list[str]) -> bool:
    """Whether the page took the link's value for key (Streamlit drops what it cannot use)."""
    if not _is_setting(key):
        return False
    if key in st.query_params:
        return True
    value = st.session_state[key]  # the link gave the default itself, or something unusable
    if isinstance(value, list):
        return sorted(given) == sorted(map(str, value))
    if isinstance(value, bool):
        return given[-1].lower() == str(value).lower()
    if isinstance(value, (int, float)):
        try:
            return float(given[-1]) == float(value)
        except ValueError:
            return False
    return given[-1] == value


PADDING = {"top": 14, "left": 5, "right": 5, "bottom": 5}  # titles with ‖ ∂ → come from a taller fallback font
SHOWN = "_charts shown"


def show(chart, where=None, width: str = "stretch", **options):
    """Draw an Altair chart with room above its title (Streamlit otherwise clips it), and keep
    it for exports(). options go to st.altair_chart (a selection: on_select, key...)."""
    shown = st.session_state.setdefault(SHOWN, {})
    shown[chart_title(chart) or f"chart {len(shown) + 1}"] = chart
    return (where or st).altair_chart(chart.properties(padding=PADDING), width=width, **options)


def exports(runs: dict[str, str], scripts: dict[str, str] | None = None) -> None:
    """Call last on a page: the sidebar's downloads, each made only when clicked. The data
    behind every chart drawn in this run (CSV); the weights of each live-trained model (runs:
    file name -> its live_training key), a state dict to load with
    torch.load(path, weights_only=True); and standalone scripts (file name -> source)."""
    with st.sidebar.expander("Export", icon=":material/download:"):
        st.caption("The data behind each chart (CSV):")
        for title, chart in st.session_state.get(SHOWN, {}).items():
            st.download_button(title, lambda c=chart: chart_data(c).to_csv(index=False), f"{_slug(title)}.csv",
                               "text/csv", key=f"_csv {title}", on_click="ignore", icon=":material/table:",
                               type="tertiary")
        models = {name: run.model for name, key in runs.items() if (run := st.session_state.get(f"{key}__run"))}
        if models:
            st.caption("Trained weights (a state dict; load with `torch.load(path, weights_only=True)`):")
        for name, model in models.items():
            st.download_button(f"{name}.pt", lambda m=model: _state_dict_bytes(m), f"{name}.pt",
                               "application/octet-stream", key=f"_pt {name}", on_click="ignore",
                               icon=":material/memory:", type="tertiary")
        if scripts:
            st.caption("Standalone PyTorch scripts that reproduce the runs outside the app:")
        for name, source in (scripts or {}).items():
            st.download_button(name, source, name, "text/x-python", key=f"_py {name}", on_click="ignore",
                               icon=":material/code:", type="tertiary")


def _state_dict_bytes(model) -> bytes:
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.getvalue()


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:60] or "chart"
