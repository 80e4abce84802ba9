"""RNN unrolling: the recurrence step by step, three ways to run it, shapes, hello -> ohlol
trained live, and gradients through time. Widgets -> config -> rnnviz -> charts."""

import math

import pandas as pd
import streamlit as st

from rnnviz import charts
from rnnviz import unrolling as U
from rnnviz.inspect import inspect
from rnnviz.ui import exports, live_training, page_setup, share_link, show

LINK_NOTE = page_setup("pages.unrolling", ":material/replay:")
st.title("RNN unrolling")
st.markdown(
    "A recurrent layer reads a sequence one step at a time and carries a **hidden state** "
    "from each step to the next. Everything below is computed live from a real `nn.RNN`."
)
st.latex(r"h_t = \tanh(W_{ih}\,x_t + b_{ih} + W_{hh}\,h_{t-1} + b_{hh}) \qquad y_t = W_{hy}\,h_t + b_y")


def example_controls() -> U.UnrollConfig:
    """The worked example's sizes; the notes' example (batch 1, seq 3, input 4, hidden 2) by default."""
    c = st.columns(4)
    seq_len = c[0].number_input("seq_len (T)", 1, 64, 3, key="unroll_seq_len", bind="query-params", help="How many time steps the sequence has.")
    batch = c[1].number_input("batch", 1, 16, 1, key="unroll_batch", bind="query-params", help="How many sequences run side by side.")
    input_size = c[2].number_input("input_size", 1, 64, 4, key="unroll_input", bind="query-params", help="Features in each x_t.")
    hidden_size = c[3].number_input("hidden_size", 1, 64, 2, key="unroll_hidden", bind="query-params", help="Units in the hidden state h_t.")
    c = st.columns(4)
    num_layers = c[0].number_input("num_layers", 1, 4, 1, key="unroll_layers", bind="query-params", help="Stacked layers: layer k reads layer k-1's h_t.")
    nonlinearity = c[1].selectbox("nonlinearity", ["tanh", "relu"], key="unroll_nl", bind="query-params")
    seed = c[2].number_input("seed", 0, 10_000, 0, key="unroll_seed", bind="query-params",
                           help="Same seed, same weights and input.")
    batch_first = c[3].toggle("batch_first", False, key="unroll_batch_first", bind="query-params", help="Put the batch axis first: (batch, seq_len, features).")
    return U.UnrollConfig(int(seq_len), int(batch), int(input_size), int(hidden_size), int(num_layers),
                          batch_first, nonlinearity, int(seed))


# ------------------------------------------------------------------ 1. unrolled
st.header("1. The recurrence, unrolled over time", divider="gray")
cfg = example_controls()
ex = U.worked_example(cfg)

c_left, c_right = st.columns([3, 2])
with c_left:
    t = st.slider("time step t", 1, cfg.seq_len, 1, disabled=cfg.seq_len == 1,
                  help="Step through the sequence; the highlighted step's numbers are shown on the right.") \
        if cfg.seq_len > 1 else 1
    show(charts.unrolled(cfg.seq_len, t, cfg.num_layers), width="content")
    st.caption("Unrolled: the same weights W_ih, W_hh (and W_hy) are used at every step; "
               "only the hidden state moves along the arrows.")
with c_right:
    c = st.columns(2)
    layer = c[0].selectbox("layer", range(1, cfg.num_layers + 1), disabled=cfg.num_layers == 1) - 1
    sample = c[1].selectbox("sequence in the batch", range(1, cfg.batch_size + 1),
                            disabled=cfg.batch_size == 1) - 1
    n = U.step_numbers(ex, t, layer, sample)
    f = "tanh" if cfg.nonlinearity == "tanh" else r"\mathrm{relu}"
    table = pd.DataFrame({
        "unit": range(1, len(n["h_t"]) + 1),
        "W_ih x_t + b_ih": (n["W_ih x_t"] + n["b_ih"]).tolist(),
        "W_hh h_{t-1} + b_hh": (n["W_hh h_prev"] + n["b_hh"]).tolist(),
        "pre-activation": n["preact"].tolist(), "h_{t-1}": n["h_prev"].tolist(), "h_t": n["h_t"].tolist(),
    })
    st.markdown(f"**Step t = {t}**, layer {layer + 1}, per hidden unit:")
    st.table(table.set_index("unit").style.format("{:.4f}"))

st.markdown(f"**Step t = {t}**, layer {layer + 1}: the real numbers")
if max(n["W_ih"].shape) <= 6:
    st.latex(rf"W_{{ih}}x_{t} + b_{{ih}} = {charts.mat(n['W_ih'])}{charts.vec(n['x_t'])} + "
             rf"{charts.vec(n['b_ih'])} = {charts.vec(n['W_ih x_t'] + n['b_ih'])}")
    st.latex(rf"W_{{hh}}h_{{{t - 1}}} + b_{{hh}} = {charts.mat(n['W_hh'])}{charts.vec(n['h_prev'])} + "
             rf"{charts.vec(n['b_hh'])} = {charts.vec(n['W_hh h_prev'] + n['b_hh'])}")
    st.latex(rf"h_{t} = {f}\left({charts.vec(n['preact'])}\right) = {charts.vec(n['h_t'])}")
    if "y_t" in n:
        st.latex(rf"y_{t} = W_{{hy}}h_{t} + b_y = {charts.vec(n['y_t'])}")
else:
    st.caption("The matrices are too large to print (more than 6 rows or columns); the table above "
               "has every unit's numbers.")

frame = inspect(ex.rnn, ex.x, sample)
hidden = frame[(frame["gate"] == "hidden") & (frame["layer"] == layer + 1)]
show(charts.heatmap(hidden, "t", "unit", f"Hidden state h_t of layer {layer + 1}, units × time",
                               "time step t", "hidden unit", value_title="h_t"))

# ------------------------------------------------------------------ 2. three ways
st.header("2. The same weights, three ways", divider="gray")
st.markdown("Layer 1 of the model above, run by the equation written out in a loop (our transparent "
            "cell), by an `nn.RNNCell` loop with the weights copied in, and by one `nn.RNN` call.")
three = U.three_ways(ex)
rows = []
for t_i in range(cfg.seq_len):
    for u in range(cfg.hidden_size):
        rows.append((t_i + 1, u + 1, float(three.by_hand[t_i, sample, u]), float(three.by_cell[t_i, sample, u]),
                     float(three.by_module[t_i, sample, u])))
ways = pd.DataFrame(rows, columns=["t", "unit", "equations (loop)", "nn.RNNCell (loop)", "nn.RNN (one call)"])
c1, c2 = st.columns([3, 1])
SHOWN_ROWS = 12  # enough to compare by eye; the metric covers every row
c1.table(ways.head(SHOWN_ROWS).set_index(["t", "unit"]).style.format("{:.6f}"))
if len(ways) > SHOWN_ROWS:
    c1.caption(f"The first {SHOWN_ROWS} of {len(ways)} rows (sequence {sample + 1}); the largest "
               "difference covers all of them.")
c2.metric("largest difference", f"{three.max_diff():.1e}",
          help="Float32 rounding: the three compute the same function.")
c2.caption("Differences of order 1e-7 are float32 rounding: fused kernels add in another order.")

# ------------------------------------------------------------------ 3. shapes
st.header("3. Shapes", divider="gray")
st.markdown(f"For the settings of section 1 (seq_len {cfg.seq_len}, batch {cfg.batch_size}, "
            f"input_size {cfg.input_size}, hidden_size {cfg.hidden_size}, num_layers {cfg.num_layers}, "
            f"batch_first={cfg.batch_first}):")
st.table(U.shape_table(ex).set_index("tensor"))

# ------------------------------------------------------------------ 4. hello -> ohlol
st.header("4. Train it: “hello” → “ohlol”", divider="gray")
st.markdown("The notes' toy task: read the letters of *hello* one per step and emit *ohlol*. "
            "Letters are indices into `e h l o`. Pick a variant; it trains live with Adam.")
c = st.columns([2, 1, 1, 1])
variant = c[0].radio("variant", list(U.VARIANTS), captions=list(U.VARIANTS.values()), key="hello_variant", bind="query-params")
lr = c[1].number_input("learning rate (Adam)", 1e-4, 100.0, U.LR_OF_VARIANT[variant], format="%.4f",
                       key=f"hello_lr_{variant}", bind="query-params", help="The notes: 0.1 for the one-hot models, 0.05 with the embedding.")
epochs = c[2].number_input("epochs", 1, 300, 15, key="hello_epochs", bind="query-params")
hello_seed = c[3].number_input("seed", 0, 10_000, U.HelloConfig.seed, key="hello_seed", bind="query-params")
hello_cfg = U.HelloConfig(variant, float(lr), int(epochs), int(hello_seed))


def hello_start(config: U.HelloConfig):
    model = U.hello_model(config)
    return model, U.train_hello(config, model)


PRINTED_EPOCHS = 15  # the printout's tail, as tall as the chart beside it; the chart has every epoch


def hello_render(state) -> None:
    hist = pd.DataFrame([{"epoch": s.step, "predicted": s.info.get("predicted", ""), "loss": s.loss}
                         for s in state.history])
    if hist.empty:
        return
    solved = hist.index[hist["predicted"] == U.HELLO_OUT]
    c1, c2 = st.columns([5, 4])
    with c1:
        # the notes' printout, newest last, as the learner would see it in a terminal
        lines = [f"Predicted string: {p}, Epoch [{e}/{state.config.epochs}] loss={loss:.4f}"
                 for e, p, loss in hist.itertuples(index=False)]
        st.code("\n".join(lines[-PRINTED_EPOCHS:]), language=None)
        st.caption("Each line's prediction is made after that epoch's update; the notes print it during "
                   "the forward pass, before the update, so they show each string one epoch later.")
    with c2:
        show(charts.line(hist, "epoch", "loss", "Training loss per epoch", "epoch",
                                    "cross-entropy loss", points=True))
    if len(solved):
        st.success(f"Predicts “{U.HELLO_OUT}” from epoch {int(hist.loc[solved[0], 'epoch'])} on "
                   f"(last: “{hist['predicted'].iloc[-1]}”, loss {hist['loss'].iloc[-1]:.4f}).")
    else:
        st.info(f"Not solved yet: last prediction “{hist['predicted'].iloc[-1]}”. "
                "Try more epochs, another seed or learning rate.")


state = live_training("hello", hello_cfg, hello_start, hello_render, "hello → ohlol",
                      default=U.HelloConfig())
if state is not None and state.status != "running":
    hid = U.hello_hidden_frame(state.model)
    layers = sorted(hid["layer"].unique())
    for col, L in zip(st.columns(len(layers)), layers):
        show(charts.heatmap(hid[hid["layer"] == L], "char", "unit",
                                        f"Trained model: layer {L}'s hidden state per input letter",
                                        "time step : input letter", "hidden unit", value_title="h_t"), col)

# ------------------------------------------------------------------ 5. gradients through time
st.header("5. Gradients through time", divider="gray")
st.markdown("Backpropagate from the last step of a long sequence (L = Σ h_T) and measure how much "
            "of the gradient reaches each earlier hidden state: ‖∂L/∂h_t‖. In a vanilla RNN it is "
            "multiplied by W_hh and tanh′ at every step, so it shrinks (vanishes) or grows (explodes) "
            "geometrically; an LSTM's cell state passes it on through the forget gate alone.")
c = st.columns(5)
scale = c[0].slider("weight scale (singular values of W_hh)", 0.1, 4.0, 1.0, 0.1, key="gtt_scale", bind="query-params")
g_nl = c[1].selectbox("RNN nonlinearity", ["tanh", "relu"], key="gtt_nl", bind="query-params")
fbias = c[2].slider("LSTM forget-gate bias", -3.0, 5.0, 3.0, 0.5, key="gtt_fb", bind="query-params")
g_len = c[3].number_input("sequence length", 1, 400, 50, key="gtt_len", bind="query-params")
g_seed = c[4].number_input("seed", 0, 10_000, 0, key="gtt_seed", bind="query-params")
gcfg = U.GradConfig(int(g_len), 16, float(scale), g_nl, float(fbias), int(g_seed))
grads = st.cache_data(U.gradient_norms, show_spinner=False)(gcfg)
bad = grads[grads["grad_norm"].isna()]
shown = grads[grads["grad_norm"] > 0]
grad_chart = charts.line(shown, "t", "grad_norm", "‖∂L/∂h_t‖ over time (log scale)", "time step t",
                         "gradient norm ‖∂L/∂h_t‖ (log)", color="model", log_y=True)
show(grad_chart)
if len(bad):
    first = bad.groupby("model")["t"].max().to_dict()
    st.error("The values overflowed float32 (beyond 3.4e38): " + ", ".join(
        f"{m}'s gradient is infinite or NaN at t ≤ {t_}" for m, t_ in first.items())
        + ". That is exploding gradients taken to the end; lower the weight scale or use tanh.",
        icon=":material/warning:")
c = st.columns(2)
for col, m in zip(c, ["RNN", "LSTM"]):
    g = grads[grads["model"] == m].sort_values("t")["grad_norm"]
    ratio = g.iloc[0] / g.iloc[-1]
    col.metric(f"{m}: ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖", f"{ratio:.2e}" if math.isfinite(ratio) else "overflow (∞)",
               help="Below 1: the gradient vanished on its way back. Above 1: it exploded.")

# ------------------------------------------------------------------ 6. FAQ
st.header("6. Questions, answered with this page's numbers", divider="gray")
with st.expander("RNNCell or RNN: which one, and are they the same?", expanded=True):
    st.markdown(f"`nn.RNNCell` computes **one step**; you write the loop over time (and over layers). "
                f"`nn.RNN` runs the whole sequence, all layers, in one call with fused kernels. With the "
                f"same weights they compute the same function: in section 2 the largest difference is "
                f"**{three.max_diff():.1e}**, float32 rounding. Use the cell when each step needs your own "
                f"logic (feeding a prediction back in); use `nn.RNN` otherwise.")
with st.expander("What does batch_first change?"):
    shp = U.shape_table(ex).set_index("tensor")["shape"]
    st.markdown(f"Only the layout of `input` and `output`: now input is **{shp['input']}** and output "
                f"**{shp['output']}** (batch_first={cfg.batch_first}). Flip the toggle in section 1 to see "
                f"them swap their first two axes. `h_n` stays **{shp['h_n']}** = (num_layers, batch, "
                f"hidden_size) either way, and the numbers do not change.")
with st.expander("output or h_n?"):
    st.markdown(f"`output` holds the **last layer's** hidden state at **every** step; `h_n` holds **every "
                f"layer's** hidden state at the **last** step. They meet at the last step of the last "
                f"layer: here the largest difference between output[last step] and h_n[last layer] is "
                f"**{U.output_vs_h_n(ex):.1e}**. For a many-to-one task use h_n[-1]; for one output per "
                f"step (like hello → ohlol) use output.")

share_link("pages.unrolling", LINK_NOTE)
exports({"hello_ohlol": "hello"})
