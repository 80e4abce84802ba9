"""Page setup and the shared sidebar every page calls first.

Streamlit discovers pages/ by itself (deep links and AppTest work that way); its own
navigation is hidden in .streamlit/config.toml and this sidebar draws the links with
proper names, listing only the pages that exist.
A new page: a file in pages/ that calls page_setup first, and its name in PAGES below; a new
sidebar export: exports(); a new language: rnnviz.i18n.LANGUAGES (the switch lists it).
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import streamlit as st
import torch
import torch._dynamo  # torch imports it with the first optimiser (1.5 s): pay it here, in one thread

import rnnviz
from rnnviz.charts import chart_data, chart_title
from rnnviz.charts import spec as chart_spec
from rnnviz.checkpoint import answers_csv
from rnnviz.i18n import DEFAULT, LANGUAGES, set_language, tr
from rnnviz.ui.checkpoint import RECORD

ROOT = Path(__file__).resolve().parents[2]

# (file, catalogue key of its name and blurb, icon); a page is listed when its file exists.
PAGES = (
    ("pages/1_RNN_Unrolling.py", "unrolling", ":material/replay:"),
    ("pages/2_Sine_Forecasting.py", "sine", ":material/show_chart:"),
    ("pages/3_LSTM_Gates.py", "gates", ":material/tune:"),
    ("pages/4_Char_Generation.py", "char", ":material/text_fields:"),
)


def existing_pages() -> list[tuple[str, str, str, str]]:
    """(file, name, icon, one line on what it teaches) of the pages whose files existed when
    the server started, in lesson order and the current language (Streamlit registers pages/
    once; linking a page added later would fail until a restart)."""
    return [(file, tr(f"pages.{key}"), icon, tr(f"pages.{key}_blurb")) for file, key, icon in _EXISTING]


_EXISTING = [p for p in PAGES if (ROOT / p[0]).exists()]


def lesson_keys() -> list[str]:
    """The lesson names (unrolling, sine, ...) of existing_pages(), in the same order."""
    return [key for _, key, _ in _EXISTING]


def page_setup(title: str, icon: str):
    """Set the page's title (a catalogue key) and layout, its language, and draw the shared
    sidebar. Returns the place at the top of the page where share_link() explains a link's
    settings it could not use."""
    # the link this page was first opened with in this session, before anything reads it
    st.session_state.setdefault(f"_opened {title}", {k: st.query_params.get_all(k) for k in st.query_params})
    lang = _language_from_link()
    st.set_page_config(page_title=f"{tr(title)} · rnnviz", page_icon=icon, layout="wide")
    st.session_state[SHOWN] = {}  # the charts this run draws, for exports()
    st.html(Path(__file__).with_name("page.css"))  # style only: takes no room on the page
    with st.sidebar:
        st.segmented_control(tr("common.language"), list(LANGUAGES), format_func=LANGUAGES.get, key=LANG,
                             on_change=_language_chosen)
        st.page_link("streamlit_app.py", label=tr("common.home"), icon=":material/home:")
        for file, name, page_icon, _ in existing_pages():
            st.page_link(file, label=name, icon=page_icon)
        st.divider()
        where = tr("common.gpu") if rnnviz.device().type == "cuda" else tr("common.cpu")
        st.caption(tr("common.trains_on", where=where, torch=torch.__version__.split("+")[0],
                     threads=torch.get_num_threads()))
    if lang != DEFAULT:
        st.query_params[LANG] = lang  # in every link to this page
    return st.empty()


LANG = "lang"


def fragment(func: Callable | None = None, *, run_every: float | None = None):
    """st.fragment that speaks the session's language: a fragment's own rerun runs only the
    fragment, not page_setup(), so this thread's language is set again first (without it a
    Chinese page's section came back in English after a slider moved). Use as @fragment or
    @fragment(run_every=1.0)."""
    def wrap(f: Callable) -> Callable:
        @functools.wraps(f)
        def in_language(*args, **kwargs):
            set_language(st.session_state.get(LANG) or DEFAULT)
            return f(*args, **kwargs)
        return st.fragment(in_language, run_every=run_every)
    return wrap(func) if func is not None else wrap


def _language_from_link() -> str:
    """The session's language: chosen in the sidebar, else the link's ?lang=, else English.
    Set for this run's thread before anything is written."""
    if LANG not in st.session_state:
        st.session_state[LANG] = st.query_params.get(LANG, DEFAULT)
        if st.session_state[LANG] not in LANGUAGES:
            st.session_state[LANG] = DEFAULT
            st.query_params.pop(LANG, None)  # share_link() names it among the unusable settings
    st.session_state[LANG] = st.session_state[LANG] or DEFAULT  # kept across pages; a click on the chosen one
    return set_language(st.session_state[LANG])


def _language_chosen() -> None:
    if not st.session_state.get(LANG):  # segmented_control deselects on a second click
        st.session_state[LANG] = DEFAULT
    if st.session_state[LANG] == DEFAULT:
        st.query_params.pop(LANG, None)


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
        note_at.warning(tr("common.link_unusable", settings=", ".join(st.session_state[key])),
                        icon=":material/link_off:")
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    url = (st.context.url or "") + ("?" + urlencode(params, doseq=True) if params else "")
    with st.sidebar:
        st.caption(tr("common.link_caption"))
        st.code(url, language=None, wrap_lines=True)


def choice(widget: Callable[..., Any], label: str, options: Sequence[str], key: str,
           labels: Mapping[str, str] | None = None, index: int = 0, **kwargs) -> str:
    """A select box, radio or segmented control (widget: st.selectbox, c[0].radio, ...) whose
    link carries the option's stable value, never its label in the learner's language.

    Streamlit's bind="query-params" writes a format_func's *label* into the URL, so a link made
    in one language opened in the other. Here the value goes into the link (left out when it
    is the default, as Streamlit does); the link's value is read once per visit, and one the
    page cannot use is named by share_link(). labels: value -> the words shown.
    """
    options = list(options)
    if key not in st.session_state and st.query_params.get(key) in options:
        st.session_state[key] = st.query_params[key]  # the link's choice, before the widget exists
    shown = (lambda v: labels.get(v, v)) if labels is not None else str
    value = widget(label, options, index=index, format_func=shown, key=key, **kwargs)
    if value is None or value == options[index]:
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = value
    return value


def _is_setting(key: str) -> bool:
    return not key.startswith("_") and isinstance(st.session_state.get(key), (bool, int, float, str, list))


def _used(key: str, given: list[str]) -> bool:
    """Whether the page took the link's value for key (Streamlit drops what it cannot use)."""
    if not _is_setting(key):
        return False
    value = st.session_state[key]
    if isinstance(value, list):  # a multiselect keeps the options it knows and drops the rest
        return sorted(given) == sorted(map(str, value))
    if key in st.query_params:
        return True
    # the link gave the default itself, or something unusable
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


def show(chart, where=None, width: str = "stretch", title: str = "", **options):
    """Draw an Altair chart with room above its title (Streamlit otherwise clips it), and keep
    it for exports() under title (default: the chart's own, the first panel's for panels).
    options go to st.vega_lite_chart (a selection: on_select, key...). Drawn from
    rnnviz.charts.spec(): st.altair_chart would check the spec against the schema on every
    rerun, most of a redraw's time on the server."""
    shown = st.session_state.setdefault(SHOWN, {})
    shown[title or chart_title(chart) or f"chart {len(shown) + 1}"] = chart
    return (where or st).vega_lite_chart(spec=chart_spec(chart.properties(padding=PADDING)), width=width, **options)


def exports(runs: dict[str, str], scripts: dict[str, Callable[[], str]] | None = None) -> None:
    """Call last on a page: the sidebar's downloads, each made only when clicked. The data
    behind every chart drawn in this run (CSV); the weights of each live-trained model (runs:
    file name -> its live_training key), a state dict to load with
    torch.load(path, weights_only=True); and standalone scripts (file name -> a function
    that writes the source, e.g. lambda: rnnviz.export.script(cfg); or a .txt the script reads)."""
    with st.sidebar.expander(tr("common.export"), icon=":material/download:"):
        st.caption(tr("common.export_csv"))
        for title, chart in st.session_state.get(SHOWN, {}).items():
            st.download_button(title, lambda c=chart: chart_data(c).to_csv(index=False), f"{_slug(title)}.csv",
                               "text/csv", key=f"_csv {title}", on_click="ignore", icon=":material/table:",
                               type="tertiary")
        models = {name: run.model for name, key in runs.items() if (run := st.session_state.get(f"{key}__run"))}
        if models:
            st.caption(tr("common.export_weights"))
        for name, model in models.items():
            st.download_button(f"{name}.pt", lambda m=model: _state_dict_bytes(m), f"{name}.pt",
                               "application/octet-stream", key=f"_pt {name}", on_click="ignore",
                               icon=":material/memory:", type="tertiary")
        if scripts:
            st.caption(tr("common.export_scripts"))
        for name, source in (scripts or {}).items():  # a script, or a text file it reads
            st.download_button(name, source, name, "text/x-python" if name.endswith(".py") else "text/plain",
                               key=f"_py {name}", on_click="ignore", icon=":material/code:", type="tertiary")
        if answers := st.session_state.get(RECORD):
            st.caption(tr("checkpoint.export_answers"))
            st.download_button("checkpoints.csv", lambda: answers_csv(answers), "checkpoints.csv", "text/csv",
                               key="_csv checkpoints", on_click="ignore", icon=":material/quiz:", type="tertiary")


def _state_dict_bytes(model) -> bytes:
    buffer = io.BytesIO()
    torch.save({name: value.cpu() for name, value in model.state_dict().items()}, buffer)  # loads on any machine
    return buffer.getvalue()


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:60] or "chart"
