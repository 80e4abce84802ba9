"""The "LSTM gates" page in 简体中文 (?lang=zh): it runs, its title and section headers are the
Chinese catalogue's, and no English sentence is left in what a learner reads (text, widget
labels and captions, progress bars, table headers, the equations' labels, chart titles, axes
and legends); the engine's messages speak Chinese too. English is tested in test_page_gates.py."""

from __future__ import annotations

import pytest
from apptest import english_on, finished_job, no_exception, open_page, readable, specs

from rnnviz import gates
from rnnviz.i18n import CATALOGUES
from rnnviz.inspect import SHOWN

PAGE = "pages/3_LSTM_Gates.py"
ZH = CATALOGUES["zh"]
JOB = "gates-default-sweep"  # the page's background comparison, replaced by finished rows
SWEEP_ROWS = [gates.SweepRow(kind=k, gap=g, accuracy=1.0, seconds=1.0) for g in (5, 20, 50) for k in gates.CELL_TYPES]
HEADERS = ["train", "heat", "eq", "held", "numbers", "intervene", "sweep"]

@pytest.fixture(scope="module", autouse=True)
def finished_sweep():
    """The default comparison, already finished: its chart and table are on the page at once."""
    yield from finished_job(JOB, SWEEP_ROWS)


def open_gates_zh():
    return open_page(PAGE, timeout=180, language="zh")


def test_the_gates_page_in_chinese_has_no_english_left():
    at = open_gates_zh()
    assert at.title[0].value == ZH["gates.title"]
    assert [h.value for h in at.header] == [ZH[f"gates.{part}.header"].format(n=n) for n, part in enumerate(HEADERS, 1)]
    assert at.session_state["gates__run"].status == "done"
    assert english_on(at) == []
    assert "lang=zh" in next(c.value for c in at.sidebar.code)
    # the checkpoints (asked, then shown: the answer, why and try-this) speak Chinese too
    assert at.radio(key="quiz_gates_1").label == ZH["quiz.gates_1.q"]
    for checkpoint in ("gates_1", "gates_2", "gates_3", "gates_4"):
        at.button(key=f"checkpoint_{checkpoint}__show").click().run()
    assert "在本页的对比（第 1 节的默认设置）中，普通 RNN 在间隔 50 上达到 **100%**" in " ".join(m.value for m in at.markdown)
    assert english_on(at) == []
    # the task options keep their values (the link's) under Chinese labels and captions
    task = at.radio(key="gates_task")
    assert task.options == [ZH[f"gates.task.{k}"] for k in gates.TASKS]
    assert list(task.proto.captions) == [ZH[f"gates.task_caption.{k}"] for k in gates.TASKS]
    # the engine's message, the heatmaps' panels and the comparison table speak Chinese
    assert ZH["gates.check.solved"].split("{")[0] in " ".join(s.value for s in at.success)
    panels = next(s for s in specs(at) if "vconcat" in s and not s.get("title"))["vconcat"]
    assert [p["title"] for p in panels] == [ZH["gates.heat.input"], *(ZH[f"gates.gate.{g}"] for g in SHOWN["LSTM"])]
    # the saturation bars in the same order as in English: the equations' (forget, input, output)
    bars = next(s for s in specs(at) if str(s.get("title", "")).startswith(ZH["charts.saturation_title"][:3]))
    assert bars["encoding"]["y"]["sort"] == [ZH[f"gates.gate.{g}"] for g in ("forget", "input", "output")]
    # one word for the units that hold the memory, not the glossary-less 记忆单元
    assert not any("记忆单元" in text for text in readable(at))
    table = at.table[0].value
    assert (table.index.name, table.columns.name) == (ZH["gates.sweep.gap"], ZH["gates.sweep.kind"])
    assert sorted(table.columns) == sorted(gates.CELL_TYPES)


def test_gru_and_a_bad_gap_in_chinese():
    at = open_gates_zh()
    at.radio(key="gates_kind").set_value("GRU").run()
    no_exception(at)
    assert at.session_state["gates__run"].config.kind == "GRU"
    assert ZH["gates.eq.update"] in at.latex[0].value and ZH["gates.eq.reset"] in at.latex[0].value
    assert english_on(at) == []
    at.radio(key="gates_kind").set_value("RNN").run()
    no_exception(at)
    assert [h.value.split(".")[0] for h in at.header] == ["1", "2", "3", "4", "5", "6"]
    assert english_on(at) == []
    assert "预激活值" not in " ".join(readable(at))
    at.radio(key="gates_kind").set_value("GRU").run()
    at.radio(key="gates_task").set_value("counting").run()
    no_exception(at)
    assert at.session_state["gates__run"].config.task == "counting"
    assert english_on(at) == []
    at.radio(key="gates_task").set_value("replace").run()
    no_exception(at)
    assert at.session_state["gates__run"].config.task == "replace"
    assert ZH["gates.held.header"].format(n=4) in [h.value for h in at.header]
    assert any(i.value.startswith("**为什么任务解决后训练还在继续**") for i in at.info)  # and why it went on
    assert english_on(at) == []
    at.radio(key="gates_task").set_value("memory").run()
    at.number_input(key="gates_gap").set_value(gates.MAX_GAP + 1).run()
    no_exception(at)
    assert ZH["gates.check.gap"].format(max_gap=gates.MAX_GAP, gap=gates.MAX_GAP + 1) in [e.value for e in at.error]
    assert ZH["gates.train.last_valid"] in [i.value for i in at.info]
    assert english_on(at) == []


def test_the_interventions_section_stays_in_chinese_when_its_knobs_redraw_it():
    """After a suggested experiment and a knob, the section speaks Chinese. (AppTest reruns the whole
    page; a browser reruns the fragment alone, which sets the language itself: checked in Chromium.)"""
    at = open_gates_zh()
    at.button(key="checkpoint_gates_1__show").click().run()  # the section waits for gates_1
    at.button(key="gates_iv_exp_keep_zero").click().run()
    no_exception(at)
    assert ZH["gates.intervene.exp.expect_keep_zero"].split("{")[0] in " ".join(m.value for m in at.markdown)
    assert at.metric[1].label.endswith(ZH["gates.intervene.intervened"])
    assert english_on(at) == []
    at.number_input(key="gates_iv_start").set_value(3).run()
    assert "从第 3 步起" in " ".join(m.value for m in at.markdown)
    assert english_on(at) == []
