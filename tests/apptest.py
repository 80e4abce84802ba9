"""What the page tests share: opening a page the way a learner arrives, reading what it shows
(texts, sections, charts and their data), and finding English left on a page in 简体中文.

A page is opened through the entry file and st.switch_page, as a learner arrives from the home
page (AppTest.from_file on a page file directly breaks its st.page_link calls). Widget values
are preset by key in st.session_state before the page's first run: AppTest does not see bound
query parameters, so a link's settings are tested in the browser (tests/web.py).
Altair charts appear in AppTest's tree as "vega_lite_chart" elements; a chart is found by its
title and its data read from the element's datasets (Streamlit sends them beside the spec).

A new page's tests: import what they need from here (`from apptest import open_page, ...`);
a helper two test files need goes here, not into both.
"""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "streamlit_app.py")
TIMEOUT = 60  # seconds per script run; a cold torch import on a busy machine takes a few


# ---------------------------------------------------------------- opening a page


def open_page(page: str | None, timeout: float = TIMEOUT, language: str | None = None, link: dict | None = None,
              **state) -> AppTest:
    """A fresh session: home (in `language`, a link's lang=, with the query parameters of `link`), widget values
    preset by key, then `page` (None: stay home). Asserts the page ran without an exception."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    if language:
        at.query_params["lang"] = language
    at.run()
    for name, value in (link or {}).items():
        at.query_params[name] = value
    for key, value in state.items():
        at.session_state[key] = value
    if page is not None:
        at.switch_page(page).run()
    no_exception(at)
    return at


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


# ---------------------------------------------------------------- reading it


def texts(elements) -> str:
    """The values of some elements (at.markdown, at.caption, ...) as one string."""
    return " ".join(e.value for e in elements)


def sections(at: AppTest) -> list[str]:
    """The section numbers of the page's headers ("1. The data" -> "1"), in order."""
    return [h.value.split(".")[0] for h in at.header]


def elements(at: AppTest) -> list[tuple[dict, object]]:
    """Every Altair chart on the page: (its Vega-Lite spec, its element)."""
    return [(json.loads(c.proto.spec), c) for c in at.get("vega_lite_chart")]


def specs(at: AppTest) -> list[dict]:
    return [spec for spec, _ in elements(at)]


def title_of(spec: dict) -> str:
    """A chart's title; a layered chart without one takes its first titled layer's."""
    title = spec.get("title") or next((la["title"] for la in spec.get("layer", []) if la.get("title")), "")
    return title if isinstance(title, str) else title.get("text", "")


def chart_titles(at: AppTest) -> list[str]:
    return [title_of(spec) for spec in specs(at)]


def frames_of(element) -> list[pd.DataFrame]:
    """A chart element's datasets as DataFrames."""
    return [dataframe_util.convert_arrow_bytes_to_pandas_df(d.data.data) for d in element.proto.datasets]


def chart(at: AppTest, title_start: str) -> tuple[dict, list[pd.DataFrame]]:
    """The one chart whose title starts so: its spec and its datasets."""
    found = [(s, c) for s, c in elements(at) if title_of(s).startswith(title_start)]
    assert len(found) == 1, (title_start, chart_titles(at))
    spec, element = found[0]
    return spec, frames_of(element)


def train_if_waiting(at: AppTest, key: str) -> AppTest:
    """A run this machine estimates longer than RNNVIZ_AUTO_SECONDS (rnnviz.cost) waits for the
    Train button of the live block `key`: press it (in English), and return the app. Runs near that
    line train at once on one machine and wait on a slower one (the gates page's sine task: under
    5 s on one, 5.4 s on an AMD EPYC)."""
    button = at.button(key=f"{key}__train")
    if re.match(r"Train (anyway )?\(about", button.label):
        button.click().run()
        no_exception(at)
    return at


def retrained(at: AppTest, key: str) -> tuple[object, object]:
    """Click the Train/Retrain button of the live block `key`: (the run shown before, the run
    shown after), asserting the new one is a fresh run that finished."""
    first = at.session_state[f"{key}__run"]
    at.button(key=f"{key}__train").click().run()
    no_exception(at)
    again = at.session_state[f"{key}__run"]
    assert again is not first and again.status == "done"
    return first, again


# ---------------------------------------------------------------- inputs and stand-ins


def zip_of(members: dict[str, bytes]) -> bytes:
    """A zip archive holding these files (name -> bytes), as an upload would."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def finished_job(name: str, rows: list) -> Iterator[object]:
    """A fixture body: the server-wide background job `name` (rnnviz.ui.background) replaced by
    one that has already yielded these rows; cleared afterwards."""
    from rnnviz.ui.background import shared_job

    shared_job.clear()
    job = shared_job(name, lambda stop: iter(rows))
    deadline = time.monotonic() + 10
    while not job.done and time.monotonic() < deadline:
        time.sleep(0.01)
    yield job
    shared_job.clear()


# ---------------------------------------------------------------- English left on a Chinese page

# Three ASCII words in a row is an English phrase; code, LaTeX, HTML tags and these names are not.
ENGLISH = re.compile(r"\b[A-Za-z]{2,}(?:[ ,;:]+[A-Za-z]{2,}){2,}\b")
CODE = re.compile(r"`[^`]*`|\$[^$]*\$|<[^>]*>")  # HTML tags: the text coloured by a unit is the corpus'
# the switch names both languages; torch's own term; a book's title
ALLOWED = {"Language", "state dict", "The Time Machine"}
TEXT_KINDS = ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success")
WIDGET_KINDS = ("number_input", "selectbox", "multiselect", "radio", "slider", "text_input", "toggle", "button",
                "expander", "metric")


def english_left(text: str) -> list[str]:
    text = CODE.sub(" ", text)
    return [m for m in ENGLISH.findall(text) if not any(a in m for a in ALLOWED)]


def chart_words(spec) -> list[str]:
    """Every title in a Vega-Lite spec: the chart's, its layers' and panels', axes' and legends'."""
    found = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key in ("title", "subtitle") and isinstance(value, str):
                found.append(value)
            elif key == "title" and isinstance(value, dict) and isinstance(value.get("text"), str):
                found.append(value["text"])
            else:
                found += chart_words(value)
    elif isinstance(spec, list):
        for value in spec:
            found += chart_words(value)
    return found


def readable(at: AppTest, code: Callable[[str], bool] | None = None, table_values: bool = False) -> list[str]:
    """Everything on the page a learner reads, as text: texts, widgets' labels, help, options
    and captions, progress bars, the equations' \\text{} labels, table headers (and string
    cells when `table_values`), chart titles, axes and legends; st.code blocks for which
    `code(value)` is true (None: none, as generated samples are the corpus' language)."""
    found = [e.value for kind in TEXT_KINDS for e in getattr(at, kind)]
    found += [c.value for c in at.code if code is not None and code(c.value)]
    for kind in WIDGET_KINDS:
        for w in at.get(kind):
            found += [getattr(w, "label", "") or "", getattr(w, "help", "") or ""]
            if kind in ("selectbox", "radio"):  # a multiselect's options here are model names
                found += [str(o) for o in w.options]
    for w in at.radio:
        found += list(w.proto.captions)
    found += [p.proto.text for p in at.get("progress")]
    found += [" ".join(re.findall(r"\\text\{([^}]*)\}", x.value)) for x in at.latex]
    for table in at.table:
        frame = table.value
        found += [str(n) for n in [*frame.index.names, *frame.columns.names, *frame.columns] if n]
        if table_values:
            found += [v for v in frame.to_numpy().ravel() if isinstance(v, str)]
    for spec in specs(at):
        found += chart_words(spec)
    return [str(x) for x in found if x]


def english_on(at: AppTest, **options) -> list[tuple[str, list[str]]]:
    """The texts of readable(at, **options) with English left in them, and the English found."""
    return [(text, english_left(text)) for text in readable(at, **options) if english_left(text)]
