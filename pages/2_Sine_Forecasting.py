"""Sine forecasting: a window of past values predicts the next one. Single-step (teacher
forcing) vs multi-step (free-running) forecasts, the hidden state while forecasting, and
sin -> cos. Widgets -> config -> rnnviz -> charts."""

import altair as alt
import pandas as pd
import streamlit as st

from rnnviz import charts
from rnnviz import sincos as SC
from rnnviz import sine as S
from rnnviz.data.sine import SeriesConfig, make_series
from rnnviz.models import KINDS
from rnnviz.ui import exports, live_training, page_setup, share_link, show

LINK_NOTE = page_setup("pages.sine", ":material/show_chart:")
st.title("Sine forecasting")
st.markdown("A noisy sine, and a recurrent network that reads a **window** of past values and "
            "predicts the next one. Train it here, then watch how its forecasts hold up when it "
            "has to feed on its own predictions.")

# ------------------------------------------------------------------ 1. data
st.header("1. The data", divider="gray")
c = st.columns(6)
n_points = c[0].number_input("points", 20, 2000, 400, 10, key="sine_n", bind="query-params", help="linspace(0, 36, points)")
noise = c[1].number_input("noise level", 0.0, 2.0, 0.2, 0.05, key="sine_noise", bind="query-params",
                          help="Uniform: U[0, level), as the tutorial (mean level/2, not 0). Gaussian: N(0, level²).")
noise_kind = c[2].selectbox("noise kind", ["uniform", "gaussian"], key="sine_noise_kind", bind="query-params")
split = c[3].number_input("split (first test point)", 2, 2000, 320, 10, key="sine_split", bind="query-params")
window = c[4].number_input("window", 1, 2000, 10, key="sine_window", bind="query-params", help="Values read to predict the next one.")
data_seed = c[5].number_input("noise seed", 0, 10_000, 0, key="sine_data_seed", bind="query-params")
scfg = SeriesConfig(int(n_points), 36.0, float(noise), noise_kind, int(split), int(window), int(data_seed))

problem = S.check(scfg)
if problem:
    st.error(problem, icon=":material/error:")
elif scfg.noise == 0:
    st.info("Noise 0: the series is a clean sine, so the errors against the truth and against the clean "
            "sine coincide, and the model has nothing to average away.", icon=":material/info:")
series = make_series(scfg) if not problem else None
if series is not None:
    frame = S.series_frame(series)
    split_x = float(series.x[min(scfg.split, len(series.x) - 1)])
    lines = charts.line(frame, "x", "value", f"y = sin(x) + noise: {scfg.split} points to train on, "
                        f"{scfg.n_points - scfg.split} to test", "x", "y", color="curve")
    rule = alt.Chart(pd.DataFrame({"x": [split_x]})).mark_rule(strokeDash=[6, 4], color="gray").encode(x="x:Q")
    show(lines + rule)

    # ------------------------------------------------------------------ 2. samples
    st.header("2. How a training sample is made", divider="gray")
    n_windows = scfg.split - scfg.window
    start = st.slider("window start t", 0, n_windows - 1, min(100, n_windows - 1), key="sine_t", bind="query-params",
                      help="y[t] … y[t+window-1] is the input, y[t+window] the target.") if n_windows > 1 else 0
    w = frame[(frame["curve"] == "sin(x) + noise") & (frame["i"] < scfg.split)].copy()
    w["role"] = "series"
    w.loc[w["i"].between(start, start + scfg.window - 1), "role"] = "input window"
    w.loc[w["i"] == start + scfg.window, "role"] = "target"
    show(charts.window_chart(w))
    st.markdown(f"Input **y[{start}] … y[{start + scfg.window - 1}]** ({scfg.window} values, fed one per "
                f"time step, so `input_size` = 1) → target **y[{start + scfg.window}]**. The training part "
                f"holds **{n_windows}** such windows.")

# ------------------------------------------------------------------ 3. train
st.header("3. Train: the tutorial's recipe or a fast one", divider="gray")
c = st.columns([2, 2, 1, 1, 1, 1])
kinds = c[0].multiselect("models (trained side by side, same seed)", list(KINDS), ["LSTM"], key="sine_kinds", bind="query-params",
                         help="MyRNN is the tutorial's hand-written loop; RNN is nn.RNN with the same weights.")
recipe = c[1].radio("recipe", list(S.RECIPES), index=1, captions=list(S.RECIPES.values()), key="sine_recipe", bind="query-params")
hidden = c[2].number_input("hidden size", 1, 256, 12, key="sine_hidden", bind="query-params")
steps = c[3].number_input("steps", 1, 20_000, S.DEFAULT_STEPS[recipe], key=f"sine_steps_{recipe}", bind="query-params")
lr = c[4].number_input("learning rate", 1e-5, 1000.0, S.DEFAULT_LR[recipe], format="%.4g", key=f"sine_lr_{recipe}", bind="query-params")
seed = c[5].number_input("seed", 0, 10_000, 0, key="sine_seed", bind="query-params")
cfg = S.SineConfig(scfg, tuple(kinds), int(hidden), recipe, int(steps), float(lr), int(seed))
st.caption("Tutorial: each step draws **one random window** and takes an SGD step (lr 0.01); it "
           "runs 10,000 steps. Fast: each step uses **all windows at once** and Adam with a "
           "one-cycle learning-rate schedule; 400 steps.")
if not problem:
    show(charts.windows_used(S.windows_used(cfg), scfg.split - scfg.window).properties(height=170))


def sine_render(state) -> None:
    rows = [{"step": s.step, "model": k, "loss": v} for s in state.history for k, v in s.info["losses"].items()]
    if not rows:
        return
    series_now = make_series(state.config.series)
    fc = S.forecast(state.model, series_now, state.config.series.window)
    c1, c2 = st.columns(2)
    show(charts.line(pd.DataFrame(rows), "step", "loss", "Training loss (MSE, log scale)",
                                "step", "MSE on the step's windows", color="model", log_y=True), c1)
    show(charts.forecast_chart(series_now, fc.frame, "multi-step",
                                          "Free-running forecast of the test part, as it trains"), c2)


if not kinds:
    st.warning("Pick at least one model to train.", icon=":material/info:")
if problem or not kinds:
    # nothing can train with these settings: the last good model and its charts stay
    state = st.session_state.get("sine__run")
    if state is not None:
        st.info("Showing the last model trained with valid settings.", icon=":material/info:")
        if state.message:
            st.warning(state.message, icon=":material/pause_circle:")
        sine_render(state)
else:
    state = live_training("sine", cfg, S.build, sine_render, "the forecaster", default=S.SineConfig())

if state is not None and state.history:
    series_t = make_series(state.config.series)
    fc = S.forecast(state.model, series_t, state.config.series.window)
    win = state.config.series.window
    # ------------------------------------------------------------------ 4. single vs multi
    st.header("4. Single-step vs multi-step", divider="gray")
    st.markdown(f"**Single-step** (teacher forcing): each test value is predicted from the *true* "
                f"previous {win}. **Multi-step** (free-running): from y[{series_t.split - win}] … "
                f"y[{series_t.split - 1}] on, each prediction is fed back in as the next input.")
    shown_kind = st.selectbox("model to draw", list(state.model.models), key="sine_shown", bind="query-params") \
        if len(state.model.models) > 1 else next(iter(state.model.models))
    one = fc.frame[fc.frame["model"] == shown_kind]
    show(charts.forecast_chart(series_t, one, None, f"{shown_kind}: truth, clean sine, "
                                          "single-step and multi-step forecasts"))
    c1, c2 = st.columns([3, 2])
    show(charts.line(fc.horizon, "h", "abs_error", "Error vs horizon: |forecast − sin(x)|",
                     "steps ahead (h)", "absolute error vs clean sine", color="model", dash="how"), c1)
    c2.markdown("**Mean squared error on the test part**")
    c2.table(fc.scores.set_index(["model", "how"]).style.format("{:.4f}"))
    inputs = fc.inputs[shown_kind]
    feed = pd.DataFrame({"prediction": [f"pred[{series_t.split + k}]" for k in range(min(12, len(inputs)))],
                         "reads": [", ".join(r) for r in inputs[:12]]})
    with st.expander("What the free run reads at each step (the tutorial's printout)"):
        st.table(feed.set_index("prediction"))

    # ------------------------------------------------------------------ 5. inside
    st.header("5. Inside the model while it forecasts", divider="gray")
    m = state.model.models[shown_kind]
    heat, pca = S.hidden_over_time(m, series_t, win)
    show(charts.heatmap(heat, "i", "unit", f"{shown_kind}: hidden state h_T after each window, "
                                   "units × time", "index of the predicted value", "hidden unit",
                                   value_title="h_T").properties(height=220))
    c1, c2 = st.columns([2, 3])
    show(charts.trajectory(pca), c1)
    c2.markdown("Each point is the hidden state that predicts one value, projected on its two "
                "principal components. A sine is periodic, so a model that has learnt it visits the "
                "same states once per period: the trajectory closes into a **loop**. Noise blurs it; an "
                "untrained model shows no loop.")

# ------------------------------------------------------------------ 6. sin -> cos
st.header("6. sin → cos: carrying the state between chunks", divider="gray")
st.markdown("Another classic: read sin t, output cos t. The series arrives in chunks of 10 steps "
            "(each spans π). One model **carries** its hidden state from chunk to chunk "
            "(`h = h.detach()`: the state flows on, backprop stops at the chunk's start); its twin "
            "**resets** to zero each chunk. At a chunk's first step sin t = 0 while cos t is ±1: only "
            "the carried state knows which.")
c = st.columns(4)
sc_steps = c[0].number_input("chunks trained", 1, 5000, SC.SinCosConfig.steps, key="sc_steps", bind="query-params")
sc_hidden = c[1].number_input("hidden size", 1, 256, SC.SinCosConfig.hidden_size, key="sc_hidden", bind="query-params")
sc_lr = c[2].number_input("learning rate (Adam)", 1e-5, 1000.0, SC.SinCosConfig.lr, format="%.4g", key="sc_lr", bind="query-params")
sc_seed = c[3].number_input("seed", 0, 10_000, 0, key="sc_seed", bind="query-params")
sc_cfg = SC.SinCosConfig(10, int(sc_hidden), int(sc_steps), float(sc_lr), 6, int(sc_seed))


def sincos_render(state) -> None:
    rows = [{"step": s.step, "state": k, "loss": v} for s in state.history for k, v in s.info["losses"].items()]
    if rows:
        show(charts.line(pd.DataFrame(rows), "step", "loss", "Training loss per chunk (log scale)",
                                    "chunk", "MSE", color="state", log_y=True))


sc_state = live_training("sincos", sc_cfg, SC.build, sincos_render, "sin → cos",
                          default=SC.SinCosConfig())
if sc_state is not None and sc_state.history:
    curves, scores = SC.evaluate(sc_state.model, sc_state.config)
    show(charts.line(curves, "t", "value", "After training: cos t and both models' outputs",
                                "t (radians)", "value", color="curve"))
    st.table(scores.set_index("state between chunks").style.format("{:.4f}"))

# ------------------------------------------------------------------ 7. FAQ
if state is not None and state.history:
    st.header("7. Questions, answered with this page's model", divider="gray")
    shapes = S.weight_shapes(state.model.models[shown_kind])
    with st.expander("Why is input_size 1 and not 10?", expanded=True):
        st.markdown(f"The window's {win} values are **{win} time steps**, not {win} features: the RNN "
                    f"reads one value per step, so each x_t has 1 feature. Here the input tensor is "
                    f"(batch, {win}, 1). An MLP would take the {win} values as one input of size {win}; the "
                    "RNN instead reuses the same weights at every step.")
    with st.expander("When is input_size not 1?"):
        st.markdown("When each step carries more than one number: a second feature such as cos x, or "
                    "the time x itself. Then x_t = (sin x_t, cos x_t) and input_size = 2: only W_ih "
                    "grows a column (its shape is (hidden, input_size)); W_hh does not change.")
    with st.expander("Where does hidden_size show up?"):
        st.markdown(f"In every weight's shape. For this {shown_kind} (hidden {state.config.hidden_size}):")
        st.table(shapes.set_index("parameter"))
    with st.expander("Which data does each step use, and how many passes make sense?"):
        n_w = state.config.series.split - win
        done_steps = state.last.step
        if state.config.recipe == "tutorial":
            st.markdown(f"The tutorial's recipe draws **one** random window per step, so the {done_steps} "
                        f"steps trained saw about {done_steps / n_w:.1f} passes over the {n_w} windows, "
                        "each step seeing a single noisy example.")
        else:
            st.markdown(f"The fast recipe uses **all {n_w} windows** every step: the {done_steps} steps trained "
                        f"are {done_steps} passes. A pass costs one batched call instead of {n_w}, which is "
                        "why it wins on wall time.")

share_link("pages.sine", LINK_NOTE)
exports({"sine_forecasters": "sine", "sin_to_cos": "sincos"})
