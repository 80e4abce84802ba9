"""RNN unrolling: the recurrence step by step, three ways to run it, shapes, hello -> ohlol
trained live, gradients through time, and backpropagation through time walked step by step.
Widgets -> config -> rnnviz.unrolling (rnnviz.bptt for section 6) -> charts; the longer
widget sections are in rnnviz/ui/unrolling.py, the words in locales/*.unrolling.toml."""

from dataclasses import asdict

import streamlit as st

from rnnviz import charts, unrolling
from rnnviz.export import script
from rnnviz.i18n import tr
from rnnviz.inspect import inspect
from rnnviz.ui import checkpoint as checkpoint_ui
from rnnviz.ui import exports, live_training, page_setup, share_link, show, warm
from rnnviz.ui import unrolling as unrolling_ui

LINK_NOTE = page_setup("pages.unrolling", ":material/replay:")
st.title(tr("unrolling.title"))
st.markdown(tr("unrolling.intro"))
checkpoint_ui.path("unrolling")
equations = st.container()  # written once section 1's settings are read (they name its nonlinearity)

# ------------------------------------------------------------------ 1. unrolled
st.header(tr("unrolling.step.header"), divider="gray")
cfg = unrolling_ui.example_controls()
ex = unrolling.worked_example(cfg)
with equations:
    unrolling_ui.recurrence(cfg, ex)
diagram_side, table_side = unrolling_ui.step_columns(cfg)
with diagram_side:
    step = unrolling_ui.time_step(cfg)
    show(charts.unrolled(cfg.seq_len, step, cfg.num_layers, title=tr("charts.unrolled_title", t=step)),
         width="content")
with table_side:
    pick = unrolling_ui.step_pick(cfg, step)
    numbers = unrolling.step_numbers(ex, pick.t, pick.layer, pick.sample)
    unrolling_ui.step_table(numbers, pick)
if unrolling_ui.ask_weights(cfg, ex):  # the page's width (its buttons); the caption and the sentence answer it
    st.caption(tr("unrolling.step.diagram_caption"))
    st.markdown(str(unrolling.weight_sharing(ex)))
unrolling_ui.step_equations(numbers, pick, cfg)
unrolling_ui.hidden_heatmap(inspect(ex.rnn, ex.x, pick.sample), pick)

# ------------------------------------------------------------------ 2. three ways
st.header(tr("unrolling.ways.header"), divider="gray")
st.markdown(tr("unrolling.ways.intro"))
three = unrolling.three_ways(ex)
ways_shown = unrolling_ui.ask_ways(cfg, three)
ways_verdict = unrolling_ui.three_ways(three, cfg, pick) if ways_shown else unrolling_ui.say(three.verdict(cfg.nonlinearity))

# ------------------------------------------------------------------ 3. shapes
st.header(tr("unrolling.shapes.header"), divider="gray")
st.markdown(tr("unrolling.shapes.returns") + " " + tr("unrolling.shapes.intro", batch=cfg.batch_size, **asdict(cfg)))
shapes = unrolling.shape_table(ex)
if unrolling_ui.ask_shapes(cfg, ex):
    unrolling_ui.shape_table(shapes)

# ------------------------------------------------------------------ 4. hello -> ohlol
st.header(tr("unrolling.hello.header"), divider="gray")
st.markdown(tr("unrolling.hello.intro"))
st.caption(tr("unrolling.hello.why_memory"))
hello_cfg = unrolling_ui.hello_controls()
with st.expander(tr("unrolling.hello.encoding_q")):
    st.markdown(tr("unrolling.hello.encoding_a"))
state = live_training("hello", hello_cfg, unrolling.start_hello, unrolling_ui.hello_render, tr("unrolling.hello.what"),
                      default=warm.default("hello"))
if state is not None and state.status != "running":
    st.markdown(str(unrolling.memory_check(state.model).sentence()))
    unrolling_ui.trained_states(state.model)

# ------------------------------------------------------------------ 5. gradients through time
st.header(tr("unrolling.grad.header"), divider="gray")
grad_intro = st.empty()  # it names the RNN's nonlinearity, picked just below
grad_cfg = unrolling_ui.gradient_controls()
grad_intro.markdown(tr("unrolling.grad.intro", nl=grad_cfg.nonlinearity))
grads = st.cache_data(unrolling.gradient_norms, show_spinner=False)(grad_cfg)
grad_verdict = unrolling.gradient_verdict(grads, grad_cfg)
if unrolling_ui.ask_gradient(grad_cfg, grad_verdict):
    shown = grads[grads["grad_norm"] > 0]  # a log axis: zeros and overflows (NaN) are not drawn
    show(charts.line(shown, "t", "grad_norm", tr("unrolling.grad.title"), tr("unrolling.grad.x"),
                     tr("unrolling.grad.y"), color="model", color_title=tr("unrolling.grad.model"), log_y=True,
                     x_domain=(1, max(grad_cfg.seq_len, 2)), x_whole=True,
                     y_format=charts.log_format(shown["grad_norm"])))
    unrolling_ui.gradient_reach(grad_verdict)

# ------------------------------------------------------------------ 6. backpropagation through time, step by step
st.header(tr("unrolling.bptt.header"), divider="gray")
unrolling_ui.bptt_intro()
unrolling_ui.bptt_section()  # a fragment: its knobs and stepper redraw this section only

# ------------------------------------------------------------------ 7. FAQ
st.header(tr("unrolling.faq.header"), divider="gray")
with st.expander(tr("unrolling.faq.cell_q"), expanded=ways_shown):  # it quotes checkpoint 2's answer
    st.markdown(tr("unrolling.faq.cell_a", verdict=ways_verdict))
with st.expander(tr("unrolling.faq.batch_first_q")):
    shape = shapes.set_index("tensor")["shape"]
    if checkpoint_ui.revealed("unrolling_3", cfg):  # the shapes are checkpoint 3's answer
        st.markdown(tr("unrolling.faq.batch_first_a", input=shape["input"], output=shape["output"], h_n=shape["h_n"],
                       batch_first=cfg.batch_first))
    else:
        st.markdown(tr("unrolling.faq.batch_first_hidden"))
with st.expander(tr("unrolling.faq.output_q")):
    st.markdown(tr("unrolling.faq.output_a", diff=unrolling.output_vs_h_n(ex)))

share_link("pages.unrolling", LINK_NOTE)
exports({"hello_ohlol": "hello"}, scripts={"hello_ohlol.py": lambda: script(hello_cfg)})
