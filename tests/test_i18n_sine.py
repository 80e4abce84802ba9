"""The "Sine forecasting" page in 简体中文 (?lang=zh): it runs, its title and section headers
are the Chinese catalogue's, and no English sentence is left in what a learner reads (text,
widget labels and options, table headers, chart titles, axes and legends)."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest
from zh import chart_words, english_left

from rnnviz.i18n import CATALOGUES

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "streamlit_app.py")
PAGE = "pages/2_Sine_Forecasting.py"
ZH = CATALOGUES["zh"]
QUICK = {"sine_steps_fast": 20, "sine_passes": 1, "sine_steps_random": 30, "sc_steps": 20}  # cheap training: the words, not the fit, are tested
HEADERS = ["data", "sample", "train", "forecast", "inside", "sc", "faq"]

def open_sine_zh() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["lang"] = "zh"
    at.run()
    for key, value in QUICK.items():
        at.session_state[key] = value
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def readable(at: AppTest) -> list[str]:
    """Everything on the page a learner reads, as text."""
    texts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning",
                                  "error", "success") for e in getattr(at, kind)]
    for kind in ("number_input", "selectbox", "multiselect", "radio", "slider", "button", "expander"):
        for w in at.get(kind):
            texts += [getattr(w, "label", "") or "", getattr(w, "help", "") or ""]
            texts += [str(o) for o in getattr(w, "options", []) if kind != "multiselect"]  # model kinds are names
    for w in at.radio:
        texts += list(w.proto.captions)
    for table in at.table:
        frame = table.value
        texts += [str(c) for c in frame.columns] + [str(n) for n in frame.index.names if n]
    for chart in at.get("vega_lite_chart"):
        texts += chart_words(json.loads(chart.proto.spec))
    return texts


def test_the_sine_page_in_chinese_has_no_english_left():
    at = open_sine_zh()
    assert at.title[0].value == ZH["sine.title"]
    assert [h.value for h in at.header] == [ZH[f"sine.{part}.header"] for part in HEADERS]
    assert at.session_state["sine__run"].status == "done"
    left = [(text, english_left(text)) for text in readable(at) if english_left(text)]
    assert left == []
    assert "lang=zh" in next(c.value for c in at.sidebar.code)
    sample = next(spec for spec in map(json.loads, (c.proto.spec for c in at.get("vega_lite_chart")))
                  if spec.get("title") == ZH["charts.sample_title"])
    roles = [ZH["sine.sample.series"], ZH["sine.sample.input"], ZH["sine.sample.target"]]
    assert sample["encoding"]["color"]["scale"]["domain"] == roles  # the points are drawn and coloured
    # options keep their values (the link's) under Chinese labels
    assert at.radio(key="sine_recipe").options == [ZH[f"sine.train.{r}"] for r in ("tutorial", "epochs", "random", "fast")]
    at.radio(key="sine_recipe").set_value("tutorial").run()
    at.selectbox(key="sine_noise_kind").set_value("gaussian").run()
    assert not at.exception, [e.value for e in at.exception]
    config = at.session_state["sine__run"].config
    assert (config.recipe, config.series.noise_kind) == ("tutorial", "gaussian")
    assert ZH["sine.faq.passes_tutorial"].format(steps=310, passes=1.0, n=310) in [m.value for m in at.markdown]
    # no 自由运行: the glossary's 递推多步预测 (issue 10, item 10)
    assert not [text for text in readable(at) if "自由运行" in text]
    assert [(text, english_left(text)) for text in readable(at) if english_left(text)] == []
    # the engine's messages speak Chinese too
    at.number_input(key="sine_window").set_value(320).run()
    assert not at.exception, [e.value for e in at.exception]
    assert ZH["sine.check.too_short"].format(split=320, window=320) in [e.value for e in at.error]
