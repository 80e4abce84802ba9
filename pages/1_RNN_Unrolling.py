"""RNN unrolling: the recurrence step by step, three ways to run it, shapes, hello -> ohlol
trained live, and gradients through time. Widgets -> config -> rnnviz -> charts."""

import math

import pandas as pd
import streamlit as st

from rnnviz import charts
from rnnviz import unrolling as U
from rnnviz.export import script
from rnnviz.i18n import tr
from rnnviz.inspect import inspect
from rnnviz.ui import choice, exports, live_training, page_setup, share_link, show

LINK_NOTE = page_setup("pages.unrolling", ":material/replay:")
st.title(tr("unrolling.title"))
st.markdown(tr("unrolling.intro"))
recurrence = st.container()  # the equations, written once section 1's settings are read (they name its nonlinearity)
LATEX_NL = {"tanh": r"\tanh", "relu": r"\mathrm{relu}"}


def example_controls() -> U.UnrollConfig:
    """The worked example's sizes; the notes' example (batch 1, seq 3, input 4, hidden 2) by default."""
    c = st.columns(4)
    seq_len = c[0].number_input(tr("unrolling.size.seq_len"), 1, 64, 3, key="unroll_seq_len", bind="query-params",
                                help=tr("unrolling.size.seq_len_help"))
    batch = c[1].number_input(tr("unrolling.size.batch"), 1, 16, 1, key="unroll_batch", bind="query-params",
                              help=tr("unrolling.size.batch_help"))
    input_size = c[2].number_input(tr("unrolling.size.input_size"), 1, 64, 4, key="unroll_input", bind="query-params",
                                   help=tr("unrolling.size.input_size_help"))
    hidden_size = c[3].number_input(tr("unrolling.size.hidden_size"), 1, 64, 2, key="unroll_hidden",
                                    bind="query-params", help=tr("unrolling.size.hidden_size_help"))
    c = st.columns(4)
    num_layers = c[0].number_input(tr("unrolling.size.num_layers"), 1, 4, 1, key="unroll_layers", bind="query-params",
                                   help=tr("unrolling.size.num_layers_help"))
    nonlinearity = c[1].selectbox(tr("unrolling.size.nonlinearity"), ["tanh", "relu"], key="unroll_nl",
                                  bind="query-params")
    seed = c[2].number_input(tr("unrolling.size.seed"), 0, 10_000, 0, key="unroll_seed", bind="query-params",
                             help=tr("unrolling.size.seed_help"))
    batch_first = c[3].toggle(tr("unrolling.size.batch_first"), False, key="unroll_batch_first", bind="query-params",
                              help=tr("unrolling.size.batch_first_help"))
    return U.UnrollConfig(int(seq_len), int(batch), int(input_size), int(hidden_size), int(num_layers),
                          batch_first, nonlinearity, int(seed))


# ------------------------------------------------------------------ 1. unrolled
st.header(tr("unrolling.step.header"), divider="gray")
cfg = example_controls()
ex = U.worked_example(cfg)
f = LATEX_NL[cfg.nonlinearity]
with recurrence:
    st.latex(rf"h_t = {f}(W_{{ih}}\,x_t + b_{{ih}} + W_{{hh}}\,h_{{t-1}} + b_{{hh}}) \qquad y_t = W_{{hy}}\,h_t + b_y"
             r" \qquad p_t = \mathrm{softmax}(y_t)")
    st.caption(tr("unrolling.output_def", classes=ex.readout.out_features))
    if cfg.nonlinearity == "relu":
        st.caption(tr("unrolling.relu_def"))

# a short sequence's diagram fits beside the table; a longer one needs the page's width (the table goes below)
c_left, c_right = st.columns([3, 2]) if cfg.seq_len <= 3 else (st.container(), st.container())
with c_left:
    step = st.slider(tr("unrolling.step.t"), 1, cfg.seq_len, 1, disabled=cfg.seq_len == 1,
                     help=tr("unrolling.step.t_help")) if cfg.seq_len > 1 else 1
    show(charts.unrolled(cfg.seq_len, step, cfg.num_layers), width="content")
    st.caption(tr("unrolling.step.diagram_caption"))
    shared = U.shared_weights(ex)
    kind = "one" if cfg.seq_len == 1 else "stacked" if cfg.num_layers > 1 else None
    st.markdown(tr("unrolling.step.shared" + (f"_{kind}" if kind else ""), **shared))
with c_right:
    c = st.columns(2)
    layer = c[0].selectbox(tr("unrolling.step.layer"), range(1, cfg.num_layers + 1), disabled=cfg.num_layers == 1) - 1
    sample = c[1].selectbox(tr("unrolling.step.sample"), range(1, cfg.batch_size + 1),
                            disabled=cfg.batch_size == 1) - 1
    n = U.step_numbers(ex, step, layer, sample)
    where = {"t": step, "layer": layer + 1, "sample": sample + 1, "batch": cfg.batch_size}
    batched = "_batch" if cfg.batch_size > 1 else ""
    table = pd.DataFrame({  # headers in Unicode sub- and superscripts: a table does not render LaTeX
        tr("unrolling.step.unit"): range(1, len(n["h_t"]) + 1),
        "Wᵢₕxₜ+bᵢₕ": (n["W_ih x_t"] + n["b_ih"]).tolist(),
        "Wₕₕhₜ₋₁+bₕₕ": (n["W_hh h_prev"] + n["b_hh"]).tolist(),
        tr("unrolling.step.preact"): n["preact"].tolist(), "hₜ₋₁": n["h_prev"].tolist(), "hₜ": n["h_t"].tolist(),
    })
    st.markdown(tr("unrolling.step.per_unit" + batched, **where))
    st.table(table.set_index(tr("unrolling.step.unit")).style.format("{:.4f}"), hide_index=False)  # units 1..H shown
    if layer > 0:
        st.caption(tr("unrolling.step.layer_input", layer=layer + 1, below=layer))

st.markdown(tr("unrolling.step.real_numbers" + batched, **where))
x_sym = f"x_{step}" if layer == 0 else f"h^{{({layer})}}_{step}"  # layer l > 1 reads layer l-1's h_t
if max(n["W_ih"].shape) <= 6:
    st.latex(rf"W_{{ih}}{x_sym} + b_{{ih}} = {charts.mat(n['W_ih'])}{charts.vec(n['x_t'])} + "
             rf"{charts.vec(n['b_ih'])} = {charts.vec(n['W_ih x_t'] + n['b_ih'])}")
    st.latex(rf"W_{{hh}}h_{{{step - 1}}} + b_{{hh}} = {charts.mat(n['W_hh'])}{charts.vec(n['h_prev'])} + "
             rf"{charts.vec(n['b_hh'])} = {charts.vec(n['W_hh h_prev'] + n['b_hh'])}")
    st.latex(rf"h_{step} = {f}\left({charts.vec(n['preact'])}\right) = {charts.vec(n['h_t'])}")
    if "y_t" in n:
        st.latex(rf"y_{step} = W_{{hy}}h_{step} + b_y = {charts.vec(n['y_t'])} \qquad "
                 rf"p_{step} = \mathrm{{softmax}}(y_{step}) = {charts.vec(n['p_t'])}")
else:
    st.caption(tr("unrolling.step.too_large"))

frame = inspect(ex.rnn, ex.x, sample)
hidden = frame[(frame["gate"] == "hidden") & (frame["layer"] == layer + 1)]
show(charts.heatmap(hidden, "t", "unit", tr("unrolling.step.heat_title" + batched, **where),
                    tr("unrolling.step.heat_x"), tr("unrolling.step.heat_y"), value_title="hₜ",
                    even_ticks=True, symmetric=True))

# ------------------------------------------------------------------ 2. three ways
st.header(tr("unrolling.ways.header"), divider="gray")
st.markdown(tr("unrolling.ways.intro"))
three = U.three_ways(ex)
rows = []
for t_i in range(cfg.seq_len):
    for u in range(cfg.hidden_size):
        rows.append((t_i + 1, u + 1, float(three.by_hand[t_i, sample, u]), float(three.by_cell[t_i, sample, u]),
                     float(three.by_module[t_i, sample, u])))
ways = pd.DataFrame(rows, columns=["t", *(tr(f"unrolling.ways.{c}") for c in ("unit", "by_hand", "by_cell", "by_module"))])
c1, c2 = st.columns([3, 1])
SHOWN_ROWS = 12  # enough to compare by eye; the metric covers every row
c1.table(ways.head(SHOWN_ROWS).set_index(list(ways.columns[:2])).style.format("{:.6f}"))
counts = three.counts()  # T × B × H: every count in the text comes from the run's shapes
if len(ways) > SHOWN_ROWS:
    c1.caption(tr("unrolling.ways.first_rows", shown=SHOWN_ROWS, total=len(ways), sample=sample + 1, **counts))
elif cfg.batch_size > 1:
    c1.caption(tr("unrolling.ways.all_rows", total=len(ways), sample=sample + 1, batch=cfg.batch_size, **counts))
c2.metric(tr("unrolling.ways.largest"), f"{three.max_diff():.1e}", help=tr("unrolling.ways.largest_help"))
if three.agree():
    ways_verdict = tr("unrolling.ways.agree_exact" if three.max_diff() == 0 else "unrolling.ways.agree",
                     diff=three.max_diff(), **counts)
else:
    ways_verdict = tr("unrolling.ways.disagree", diff=three.max_diff(), peak=three.peak(),
                     rel=three.max_diff() / three.peak())
    if cfg.nonlinearity == "relu":
        ways_verdict += " " + tr("unrolling.ways.disagree_relu")
c2.caption(ways_verdict)

# ------------------------------------------------------------------ 3. shapes
st.header(tr("unrolling.shapes.header"), divider="gray")
st.markdown(tr("unrolling.shapes.intro", seq_len=cfg.seq_len, batch=cfg.batch_size, input_size=cfg.input_size,
              hidden_size=cfg.hidden_size, num_layers=cfg.num_layers, batch_first=cfg.batch_first))
shapes = U.shape_table(ex)
st.table(shapes.rename(columns={c: tr(f"unrolling.shapes.{c}") for c in shapes.columns})
         .set_index(tr("unrolling.shapes.tensor")))

# ------------------------------------------------------------------ 4. hello -> ohlol
st.header(tr("unrolling.hello.header"), divider="gray")
st.markdown(tr("unrolling.hello.intro"))
st.caption(tr("unrolling.hello.why_memory"))
c = st.columns([2, 1, 1, 1])
variant = choice(c[0].radio, tr("unrolling.hello.variant"), list(U.VARIANTS), key="hello_variant",
                 labels={v: tr(f"unrolling.variant.{v}") for v in U.VARIANTS},
                 captions=[tr(f"unrolling.variant.{v}_caption", lr=U.LR_OF_VARIANT[v]) for v in U.VARIANTS])
lr = c[1].number_input(tr("unrolling.hello.lr"), 1e-4, 100.0, U.LR_OF_VARIANT[variant], format="%.4f",
                       key=f"hello_lr_{variant}", bind="query-params", help=tr("unrolling.hello.lr_help"))
epochs = c[2].number_input(tr("unrolling.hello.epochs"), 1, 300, 15, key="hello_epochs", bind="query-params")
hello_seed = c[3].number_input(tr("unrolling.hello.seed"), 0, 10_000, U.HelloConfig.seed, key="hello_seed",
                               bind="query-params")
hello_cfg = U.HelloConfig(variant, float(lr), int(epochs), int(hello_seed))
with st.expander(tr("unrolling.hello.encoding_q")):
    st.markdown(tr("unrolling.hello.encoding_a"))


def hello_start(config: U.HelloConfig):
    model = U.hello_model(config)
    return model, U.train_hello(config, model)


PRINTED_EPOCHS = 15  # the printout's tail, as tall as the chart beside it; the chart has every epoch
GUESS = math.log(len(U.HELLO_CHARS))  # cross-entropy per letter of a uniform guess: ln 4


def hello_render(state) -> None:
    hist = pd.DataFrame([{"epoch": s.step, "predicted": s.info.get("predicted", ""), "loss": s.loss}
                         for s in state.history])
    if hist.empty:
        return
    cfg = state.config
    summed = U.LOSS_REDUCTION[cfg.variant] == "sum"
    c1, c2 = st.columns([5, 4])
    with c1:
        # the notes' printout, newest last, as the learner would see it in a terminal (never translated)
        lines = [U.printout_line(cfg.variant, p, e, cfg.epochs, loss) for e, p, loss in hist.itertuples(index=False)]
        st.code("\n".join(lines[-PRINTED_EPOCHS:]), language=None)
        st.caption(tr("unrolling.hello.printout_caption"))
    with c2:
        show(charts.line(hist, "epoch", "loss", tr("unrolling.hello.loss_title"), tr("unrolling.hello.epoch"),
                         tr("unrolling.hello.loss_sum" if summed else "unrolling.hello.loss_mean"), points=True))
        st.caption(tr("unrolling.hello.loss_def_sum", guess=len(U.HELLO_OUT) * GUESS) if summed
                   else tr("unrolling.hello.loss_def_mean", guess=GUESS))
    predicted = hist["predicted"].tolist()
    last, first = predicted[-1], U.first_solved(predicted)
    right = sum(p == q for p, q in zip(last, U.HELLO_OUT))
    if last == U.HELLO_OUT:
        since = U.solved_from(predicted)
        st.success(tr("unrolling.hello.solved" if since == first else "unrolling.hello.solved_again",
                     target=U.HELLO_OUT, epoch=since, first=first, epochs=cfg.epochs, loss=hist["loss"].iloc[-1]))
    elif first is not None:
        st.info(tr("unrolling.hello.lost", target=U.HELLO_OUT, first=first, last=last, right=right))
    else:
        st.info(tr("unrolling.hello.not_solved", last=last, right=right, epochs=len(predicted)))
    notes_recipe = cfg.lr == U.LR_OF_VARIANT[cfg.variant] and cfg.epochs == 15
    if notes_recipe and first is None and state.status == "done":
        stuck = next((i for i, p in enumerate(reversed(predicted)) if p != last), len(predicted))
        said = tr("unrolling.hello.notes_claim_stuck" if stuck >= 3 else "unrolling.hello.notes_claim_missed",
                 script=tr(f"unrolling.variant.{cfg.variant}"), lr=cfg.lr, seed=cfg.seed, last=last, stuck=stuck)
        if stuck >= 3 and cfg.variant != "embed":
            said += " " + tr("unrolling.hello.small_model")
        st.caption(said)


state = live_training("hello", hello_cfg, hello_start, hello_render, tr("unrolling.hello.what"),
                      default=U.HelloConfig())
if state is not None and state.status != "running":
    mem = U.memory_check(state.model)
    a, b = mem.predicted[mem.first], mem.predicted[mem.second]
    if mem.told_apart and (a, b) == mem.targets:
        st.markdown(tr("unrolling.hello.memory_ok", a=a, b=b, dist=mem.h_distance, nomem=mem.without_memory,
                      c=mem.without_memory[mem.first], right_nm=mem.right_without_memory))
    elif mem.told_apart:
        st.markdown(tr("unrolling.hello.memory_other", a=a, b=b, dist=mem.h_distance, right=mem.right,
                      nomem=mem.without_memory))
    else:
        same = mem.h_distance < U.SAME_STATE  # no memory at all, or a memory that does not reach the output
        st.markdown(tr("unrolling.hello.memory_none_same" if same else "unrolling.hello.memory_none",
                      a=a, dist=mem.h_distance))
    hid = U.hello_hidden_frame(state.model)
    layers = sorted(hid["layer"].unique())
    for col, L in zip(st.columns(len(layers)), layers):
        show(charts.heatmap(hid[hid["layer"] == L], "char", "unit", tr("unrolling.hello.trained_title", layer=L),
                            tr("unrolling.hello.trained_x"), tr("unrolling.hello.trained_y"), value_title="hₜ",
                            even_ticks=True, symmetric=True), col)
    st.caption(tr("unrolling.hello.trained_caption"))
    emb = U.embedding_frame(state.model)
    if emb is not None:
        show(charts.heatmap(emb, "dim", "letter", tr("unrolling.hello.emb_title"), tr("unrolling.hello.emb_x"),
                            tr("unrolling.hello.emb_y"), value_title=tr("unrolling.hello.emb_value"),
                            even_ticks=True, symmetric=True))

# ------------------------------------------------------------------ 5. gradients through time
st.header(tr("unrolling.grad.header"), divider="gray")
grad_intro = st.empty()  # it names the RNN's nonlinearity, picked just below
c = st.columns(5)
scale = c[0].slider(tr("unrolling.grad.scale"), 0.1, 4.0, 1.0, 0.1, key="gtt_scale", bind="query-params")
g_nl = c[1].selectbox(tr("unrolling.grad.nonlinearity"), ["tanh", "relu"], key="gtt_nl", bind="query-params")
fbias = c[2].slider(tr("unrolling.grad.forget_bias"), -3.0, 5.0, 3.0, 0.5, key="gtt_fb", bind="query-params")
g_len = c[3].number_input(tr("unrolling.grad.length"), 1, 400, 50, key="gtt_len", bind="query-params")
g_seed = c[4].number_input(tr("unrolling.grad.seed"), 0, 10_000, 0, key="gtt_seed", bind="query-params")
gcfg = U.GradConfig(int(g_len), 16, float(scale), g_nl, float(fbias), int(g_seed))
grad_intro.markdown(tr("unrolling.grad.intro", nl=g_nl))
grads = st.cache_data(U.gradient_norms, show_spinner=False)(gcfg)
bad = grads[grads["grad_norm"].isna()]
shown = grads[grads["grad_norm"] > 0]
grad_chart = charts.line(shown, "t", "grad_norm", tr("unrolling.grad.title"), tr("unrolling.grad.x"),
                         tr("unrolling.grad.y"), color="model", log_y=True, x_domain=(1, max(gcfg.seq_len, 2)),
                         x_whole=True, y_format=charts.log_format(shown["grad_norm"]))
grad_chart.encoding.color.title = tr("unrolling.grad.model")  # charts.line names the legend after its column
show(grad_chart)
SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
last_h = "h" + str(gcfg.seq_len).translate(SUBSCRIPT)  # h₅₀: Unicode, where LaTeX does not render
st.caption(tr("unrolling.grad.same_end", T=gcfg.seq_len, hT=last_h, hidden=gcfg.hidden_size,
             norm=math.sqrt(gcfg.hidden_size)))
if len(bad):
    first = bad.groupby("model")["t"].max().to_dict()
    models = tr("unrolling.grad.list_sep").join(tr("unrolling.grad.overflow_model", model=m, t=t_)
                                               for m, t_ in first.items())
    st.error(tr("unrolling.grad.overflow", models=models), icon=":material/warning:")
verdict = U.gradient_verdict(grads, gcfg)


def ratio_text(r: float) -> str:
    return f"{r:.2e}" if math.isfinite(r) else tr("unrolling.grad.overflowed")


c = st.columns(2)
for col, m in zip(c, ["RNN", "LSTM"]):
    r = verdict.ratio[m]
    col.metric(f"{m}: ‖∂L/∂h₁‖ / ‖∂L/∂{last_h}‖", f"{r:.2e}" if math.isfinite(r) else tr("unrolling.grad.ratio_overflow"),
               help=tr("unrolling.grad.ratio_help"))
if gcfg.seq_len > 1:
    st.markdown(tr(f"unrolling.grad.lesson_{verdict.lesson}", rnn=ratio_text(verdict.ratio["RNN"]),
                  lstm=ratio_text(verdict.ratio["LSTM"]), times=verdict.times_more, T=gcfg.seq_len,
                  steps=verdict.steps, fb=gcfg.forget_bias, sigma=verdict.forget, keep=U.KEEPS_MORE,
                  decay=verdict.forget ** verdict.steps, scale=gcfg.weight_scale, nl=gcfg.nonlinearity,
                  vanished=U.VANISHED, exploded=U.EXPLODED))

# ------------------------------------------------------------------ 6. FAQ
st.header(tr("unrolling.faq.header"), divider="gray")
with st.expander(tr("unrolling.faq.cell_q"), expanded=True):
    st.markdown(tr("unrolling.faq.cell_a", verdict=ways_verdict))
with st.expander(tr("unrolling.faq.batch_first_q")):
    shp = shapes.set_index("tensor")["shape"]
    st.markdown(tr("unrolling.faq.batch_first_a", input=shp["input"], output=shp["output"], h_n=shp["h_n"],
                  batch_first=cfg.batch_first))
with st.expander(tr("unrolling.faq.output_q")):
    st.markdown(tr("unrolling.faq.output_a", diff=U.output_vs_h_n(ex)))

share_link("pages.unrolling", LINK_NOTE)
exports({"hello_ohlol": "hello"}, scripts={"hello_ohlol.py": lambda: script(hello_cfg)})
