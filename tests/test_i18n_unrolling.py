"""The "RNN unrolling" page in 简体中文 (?lang=zh): it runs, its title and section headers are the
Chinese catalogue's, and no English sentence is left in what a learner reads (text, widget
labels, help and captions, tables, metrics, the printout, chart titles, axes and legends);
the engine's shape table speaks Chinese too. English is tested in test_pages.py."""

from __future__ import annotations

from apptest import english_on, no_exception, open_page, readable, specs

from rnnviz import unrolling
from rnnviz.i18n import CATALOGUES, set_language

PAGE = "pages/1_RNN_Unrolling.py"
ZH = CATALOGUES["zh"]
HEADERS = ["step", "ways", "shapes", "hello", "grad", "bptt", "faq"]

READ = {"code": lambda value: not value.startswith("Predicted"),  # the notes' printout, as they print it
        "table_values": True}  # the engine's shape table


def open_unrolling_zh():
    return open_page(PAGE, timeout=180, language="zh")


def reveal(at):
    """Press every checkpoint's "Show me" (the page hides what answers a checkpoint until then)."""
    keys = [b.key for b in at.button if (b.key or "").startswith("checkpoint_") and b.key.endswith("__show")]
    for key in keys:  # one at a time: a checkpoint that reveals runs the page again
        at.button(key=key).click().run()
        no_exception(at)
    return at


def test_the_unrolling_page_in_chinese_has_no_english_left():
    at = open_unrolling_zh()
    assert at.title[0].value == ZH["unrolling.title"]
    assert [h.value for h in at.header] == [ZH[f"unrolling.{part}.header"] for part in HEADERS]
    assert at.session_state["hello__run"].status == "done"
    assert english_on(at, **READ) == []  # the checkpoints' questions and choices too
    assert [r.value for r in at.radio if (r.key or "").startswith("quiz_")] == [None] * 4
    reveal(at)
    assert english_on(at, **READ) == []  # and their answers
    assert ZH["quiz.unrolling_1.why"].split("{")[0] in " ".join(m.value for m in at.markdown)
    assert "lang=zh" in next(c.value for c in at.sidebar.code)
    # the notes' three scripts: Chinese names and captions, their values (the link's) kept
    variant = at.radio(key="hello_variant")
    assert variant.options == [ZH[f"unrolling.variant.{v}"] for v in unrolling.VARIANTS]
    assert variant.value == "cell" and "hello_variant" not in at.query_params  # the default stays out of the link
    assert list(variant.proto.captions) == [ZH[f"unrolling.variant.{v}_caption"].format(lr=unrolling.LR_OF_VARIANT[v])
                                            for v in unrolling.VARIANTS]
    # the printout keeps the notes' own format (their code prints English); the rest speaks Chinese
    assert at.code[0].value.startswith("Predicted string: heeee, Epoch [1/15] loss=")
    assert ZH["unrolling.hello.solved"].split("{")[0] in at.success[0].value
    text = " ".join(m.value for m in at.markdown)
    for key in ("hello.memory_ok", "grad.lesson_shown", "step.shared"):
        assert ZH[f"unrolling.{key}"].split("{")[0] in text, key
    assert any(c.value.startswith(ZH["unrolling.ways.agree"].split("{")[0]) for c in at.caption)
    assert "隐藏状态" not in " ".join(readable(at, **READ))  # the glossary: 隐状态
    shapes = next(tb.value for tb in at.table if tb.value.index.name == ZH["unrolling.shapes.tensor"])
    assert shapes.loc["h_n", ZH["unrolling.shapes.holds"]] == ZH["unrolling.shapes.h_n"]
    titles = [s.get("title") for s in specs(at)]
    for key in ("step.heat_title", "hello.trained_title"):
        assert ZH[f"unrolling.{key}"].format(layer=1) in titles
    assert ZH["unrolling.grad.title"] in titles and ZH["unrolling.hello.loss_title"] in titles


def test_other_settings_and_an_overflow_in_chinese():
    at = open_unrolling_zh()
    at.number_input(key="unroll_seq_len").set_value(20).run()
    at.number_input(key="unroll_layers").set_value(2).run()
    at.toggle(key="unroll_batch_first").set_value(True).run()
    no_exception(reveal(at))
    assert any(c.value.startswith(ZH["unrolling.ways.first_rows"].split("{")[0]) for c in at.caption)
    faq = next(e for e in at.expander if e.label == ZH["unrolling.faq.batch_first_q"])
    assert "batch_first=True" in " ".join(m.value for m in faq.markdown)
    assert english_on(at, **READ) == []
    at.selectbox(key="gtt_nl").set_value("relu").run()
    at.slider(key="gtt_scale").set_value(4.0).run()
    at.number_input(key="gtt_len").set_value(400).run()
    no_exception(reveal(at))
    assert at.error and at.error[0].value.startswith(ZH["unrolling.grad.overflow"].split("{")[0])
    assert english_on(at, **READ) == []


def test_picking_a_script_in_chinese_puts_its_value_in_the_link():
    at = open_unrolling_zh()
    at.radio(key="hello_variant").set_value("embed").run()
    no_exception(at)
    assert at.session_state["hello__run"].config.variant == "embed"
    assert at.query_params["hello_variant"] in ("embed", ["embed"])  # the value, not the Chinese label
    assert "hello_variant=embed" in next(c.value for c in at.sidebar.code)
    titles = [s.get("title") for s in specs(at)]
    assert ZH["unrolling.hello.emb_title"] in titles
    assert english_on(at, **READ) == []


def test_the_shape_table_speaks_the_current_language():
    """The engine's table holds stable values and Messages; str() says them in the run's language."""
    table = unrolling.shape_table(unrolling.worked_example(unrolling.UnrollConfig(num_layers=2)))
    try:
        set_language("zh")
        zh = table.map(str).set_index("tensor")
    finally:
        set_language("en")
    en = table.map(str).set_index("tensor")
    assert (zh["shape"] == en["shape"]).all()  # the numbers do not depend on the language
    assert en.loc["weight_hh_l1", "holds"] == "layer 2's weight"
    assert zh.loc["weight_hh_l1", "holds"] == "第 2 层的权重"
    assert zh.loc["weight_ih_l0", "axes"] == ZH["unrolling.shapes.weight_ih_axes"]


def test_relu_batch_2_and_2_layers_in_chinese_follow_the_settings():
    """The fresh-eyes review's settings: the equations say relu, the counts are the run's, in Chinese."""
    at = open_unrolling_zh()
    at.selectbox(key="unroll_nl").set_value("relu").run()
    at.selectbox(key="gtt_nl").set_value("relu").run()
    at.number_input(key="unroll_batch").set_value(2).run()
    at.number_input(key="unroll_layers").set_value(2).run()
    no_exception(reveal(at))
    assert r"h_t = \mathrm{relu}(" in at.latex[0].value and not any(r"\tanh" in x.value for x in at.latex)
    captions = [c.value for c in at.caption]
    assert any(c.startswith(ZH["unrolling.relu_def"].split("{")[0]) for c in captions)
    assert ZH["unrolling.ways.agree_exact"].format(n=12, T=3, B=2, H=2) in captions  # 3 × 2 × 2, not 6
    assert ZH["unrolling.ways.all_rows"].format(total=6, T=3, H=2, sample=1, batch=2) in captions
    text = " ".join(m.value for m in at.markdown)
    assert "relu′" in text and "tanh′" not in text
    assert "**不是 3 × 2 层：**" in text and "**40** 个数" in text
    titles = [s.get("title") for s in specs(at)]
    assert ZH["unrolling.step.heat_title_batch"].format(layer=1, sample=1, batch=2) in titles
    assert english_on(at, **READ) == []
