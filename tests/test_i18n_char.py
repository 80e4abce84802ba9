"""The "Char-level generation" page in 简体中文 (?lang=zh): it runs, its title and section headers
are the Chinese catalogue's, and no English sentence is left in what a learner reads (text,
widget labels, options and captions, table headers, chart titles, axes and legends); option
values (the link's) stay English; the engine's messages speak Chinese too. English is tested in
test_page_char.py."""

from __future__ import annotations

import json

from apptest import APP, chart_words, english_on, no_exception, open_page
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from rnnviz.i18n import CATALOGUES

PAGE = "pages/4_Char_Generation.py"
ZH = CATALOGUES["zh"]
QUICK = {"char_epochs": 1, "char_hidden": 8, "char_batch": 64}  # 15 cheap steps: the words, not the fit, are tested
HEADERS = ["corpus", "model", "batches", "train", "gen", "inside", "span"]

def open_char_zh(**preset):
    return open_page(PAGE, timeout=180, language="zh", **{**QUICK, **preset})


def test_the_char_page_in_chinese_has_no_english_left():
    at = open_char_zh()
    assert at.title[0].value == ZH["char.title"]
    assert [h.value for h in at.header] == [ZH[f"char.{part}.header"] for part in HEADERS]
    state = at.session_state["char__run"]
    assert state.status == "done"
    assert english_on(at) == []
    assert "lang=zh" in next(c.value for c in at.sidebar.code)
    kept = ZH["char.check.kept"].format(epoch=1, ppl=state.last.info["best_ppl"])
    done = ZH["char.check.all_done"].format(epochs=1, kept=kept)
    assert [s.value for s in at.success] == [ZH["char.train.done"].format(step=state.last.step, done=done)]
    # the printout keeps the chapter's format (in Chinese too); this page's held-out line is in Chinese
    printout = next(c.value for c in at.code if c.value.startswith("epoch 1, perplexity "))
    assert printout.startswith(f"epoch 1, perplexity {state.last.info['train_ppl']:f}, time ")
    assert ZH["char.train.held_line"].format(held=state.last.info["held_ppl"]) in printout
    # the charts speak Chinese: titles, axes, legends, the baselines' names
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    titles = [w for spec in specs for w in chart_words(spec)]
    for key in ("charts.perplexity_title", "charts.minibatches_title", "char.train.grad_title", "char.gen.warmup_title",
                "char.train.grad_axis", "char.train.norm", "char.gen.prefix_position"):
        assert ZH[key] in titles, key
    data = " ".join(dataframe_util.convert_arrow_bytes_to_pandas_df(d.data.data).to_string()
                    for c in at.get("vega_lite_chart") for d in c.proto.datasets)  # sent beside the specs
    for key in ("char.train.held_out", "char.train.bigram", "char.train.before"):
        assert ZH[key] in data, key


def test_options_keep_their_values_under_chinese_labels():
    at = open_char_zh()
    assert at.radio(key="char_sampling").options == [ZH["char.model.random"], ZH["char.model.consecutive"]]
    assert at.selectbox(key="char_corpus").options[0] == ZH["char.corpora.reber"]
    assert at.radio(key="char_recipe").options == [ZH["char.recipe.fast"], ZH["char.recipe.d2l"]]
    assert at.radio(key="char_keep").options == [ZH["char.model.keep_best"], ZH["char.model.keep_final"]]
    assert at.selectbox(key="char_mode").options == [ZH["char.gen.temperature"], ZH["char.gen.top_k"],
                                                     ZH["char.gen.greedy"]]
    at.radio(key="char_sampling").set_value("consecutive").run()
    at.selectbox(key="char_mode").set_value("top-k").run()
    no_exception(at)
    assert at.session_state["char__run"].config.config.sampling == "consecutive"
    assert at.selectbox(key="char_mode").value == "top-k"
    assert at.selectbox(key="char_feature").value in ("inside quotes", "position in the line", "bracket depth",
                                                      "after a space")
    assert english_on(at) == []


def test_engine_messages_and_a_stop_message_from_another_language_in_chinese():
    at = open_char_zh()
    at.text_input(key="char_prefix").set_value("Z").run()
    no_exception(at)
    assert ZH["char.text.not_in_vocab"].format(chars="'Z'") in [e.value for e in at.error]
    at.text_input(key="char_prefix").set_value("B").run()
    at.number_input(key="char_temp").set_value(0.0).run()
    assert ZH["char.check.temperature_zero"] in [e.value for e in at.error]
    # a run's stop message in English (a run trained in another language) is said again in Chinese
    state = at.session_state["char__run"]
    state.last.info["done"] = "all 1 epochs done; kept the weights of epoch 1"
    at.run()
    no_exception(at)
    assert at.session_state["char__run"] is state
    kept = ZH["char.check.kept"].format(epoch=1, ppl=state.last.info["best_ppl"])
    done = ZH["char.check.all_done"].format(epochs=1, kept=kept)
    assert [s.value for s in at.success] == [ZH["char.train.done"].format(step=state.last.step, done=done)]
    # a corpus too short to train: the engine's reason, in Chinese; the last model stays
    at.selectbox(key="char_corpus").set_value("hello").run()
    no_exception(at)
    short = ZH["char.check.too_short"].format(have=4, batch=64, steps=35, need=2276)
    assert short in [e.value for e in at.error], [e.value for e in at.error]
    assert any(m.value.startswith(f"**{ZH['char.corpora.hello']}**") for m in at.markdown)
    assert ZH["char.train.last_model"].format(name=ZH["char.corpora.reber"]) in [i.value for i in at.info]
    assert english_on(at) == []


def test_the_chinese_catalogue_follows_the_glossary():
    """相邻采样 (not 顺序分区), 留出集 (not 留出数据), 隐状态 (not 隐藏状态), 循环层类型 for the cell type."""
    chinese = " ".join(v for k, v in ZH.items() if k.startswith("char."))
    for wrong in ("顺序分区", "留出数据", "隐藏状态", "自由运行"):
        assert wrong not in chinese, wrong
    assert ZH["char.model.consecutive"] == "相邻采样" and ZH["char.model.random"] == "随机采样"
    assert ZH["char.model.cell"] == "循环层类型" and "留出集" in ZH["char.model.held"]


def test_a_link_made_in_chinese_opens_in_english_with_the_same_choices():
    """Item 6: the link carries stable values (consecutive, top-k, final, reber), never the Chinese labels."""
    at = open_char_zh()
    at.radio(key="char_sampling").set_value("consecutive").run()
    at.radio(key="char_keep").set_value("final").run()
    at.selectbox(key="char_mode").set_value("top-k").run()
    no_exception(at)
    link = {k: at.query_params[k] for k in at.query_params if k != "lang"}
    link = {k: v[-1] if isinstance(v, list) else v for k, v in link.items()}
    assert {link["char_sampling"], link["char_keep"], link["char_mode"]} == {"consecutive", "final", "top-k"}
    en = AppTest.from_file(APP, default_timeout=180)
    en.run()
    for k, v in link.items():
        en.query_params[k] = v
    en.switch_page(PAGE).run()
    no_exception(en)
    assert not any("settings this page cannot use" in w.value for w in en.warning), [w.value for w in en.warning]
    assert en.radio(key="char_sampling").value == "consecutive" and en.radio(key="char_keep").value == "final"
    assert en.selectbox(key="char_mode").value == "top-k"
    assert en.session_state["char__run"].config.config.sampling == "consecutive"
