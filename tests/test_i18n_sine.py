"""The "Sine forecasting" page in 简体中文 (?lang=zh): it runs, its title and section headers
are the Chinese catalogue's, and no English sentence is left in what a learner reads (text,
widget labels and options, table headers, chart titles, axes and legends)."""

from __future__ import annotations

import json

from apptest import english_left, open_page, readable

from rnnviz.i18n import CATALOGUES

PAGE = "pages/2_Sine_Forecasting.py"
ZH = CATALOGUES["zh"]
QUICK = {"sine_steps_fast": 20, "sine_passes": 1, "sine_steps_random": 30, "sc_steps": 20}  # cheap training: the words, not the fit, are tested
HEADERS = ["data", "sample", "train", "forecast", "inside", "span", "sc", "faq"]

def open_sine_zh():
    return open_page(PAGE, timeout=180, language="zh", **QUICK)


def test_the_sine_page_in_chinese_has_no_english_left():
    at = open_sine_zh()
    assert at.title[0].value == ZH["sine.title"]
    assert [h.value for h in at.header] == [ZH[f"sine.{part}.header"] for part in HEADERS]
    assert at.session_state["sine__run"].status == "done"
    for i in ("sine_1", "sine_2", "sine_3", "sine_4"):  # every checkpoint's question, answer, why and try-this
        assert at.button(key=f"checkpoint_{i}__show").label == ZH["checkpoint.show"]
        at.button(key=f"checkpoint_{i}__show").click().run()
        assert not at.exception, [e.value for e in at.exception]
    assert sum(i.value.startswith(ZH["checkpoint.answer"].split("{")[0]) for i in at.info) == 4
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
