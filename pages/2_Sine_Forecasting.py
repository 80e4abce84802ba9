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
from rnnviz.export import script
from rnnviz.i18n import t
from rnnviz.models import KINDS
from rnnviz.ui import exports, live_training, page_setup, share_link, show

LINK_NOTE = page_setup("pages.sine", ":material/show_chart:")
st.title(t("sine.title"))
st.markdown(t("sine.intro"))


def legend(chart, title: str):
    """Name the colour legend of a chart from rnnviz.charts, which names it after its column
    (how, model, part), in the learner's words."""
    for part in [chart, *(getattr(chart, "layer", None) or [])]:
        color = getattr(getattr(part, "encoding", None), "color", alt.Undefined)
        if color is not alt.Undefined:
            color.title = title
    return chart


# ------------------------------------------------------------------ 1. data
st.header(t("sine.data.header"), divider="gray")
c = st.columns(6)
n_points = c[0].number_input(t("sine.data.points"), 20, 2000, 400, 10, key="sine_n", bind="query-params",
                             help=t("sine.data.points_help"))
noise = c[1].number_input(t("sine.data.noise"), 0.0, 2.0, 0.2, 0.05, key="sine_noise", bind="query-params",
                          help=t("sine.data.noise_help"))
noise_kinds = {k: t(f"sine.data.{k}") for k in ("uniform", "gaussian")}  # labels fixed in this run's language
noise_kind = c[2].selectbox(t("sine.data.noise_kind"), list(noise_kinds), format_func=noise_kinds.get,
                            key="sine_noise_kind", bind="query-params")
split = c[3].number_input(t("sine.data.split"), 2, 2000, 320, 10, key="sine_split", bind="query-params")
window = c[4].number_input(t("sine.data.window"), 1, 2000, 10, key="sine_window", bind="query-params",
                           help=t("sine.data.window_help"))
data_seed = c[5].number_input(t("sine.data.seed"), 0, 10_000, 0, key="sine_data_seed", bind="query-params")
scfg = SeriesConfig(int(n_points), 36.0, float(noise), noise_kind, int(split), int(window), int(data_seed))

problem = S.check(scfg)
if problem:
    st.error(problem, icon=":material/error:")
elif scfg.noise == 0:
    st.info(t("sine.data.noise_zero"), icon=":material/info:")
series = make_series(scfg) if not problem else None
if series is not None:
    frame = S.series_frame(series)
    split_x = float(series.x[min(scfg.split, len(series.x) - 1)])
    lines = charts.line(frame, "x", "value", t("sine.data.chart_title", train=scfg.split, test=scfg.n_points - scfg.split),
                        "x", "y", color=t("sine.col.curve"))
    rule = alt.Chart(pd.DataFrame({"x": [split_x]})).mark_rule(strokeDash=[6, 4], color="gray").encode(x="x:Q")
    show(lines + rule)

    # ------------------------------------------------------------------ 2. samples
    st.header(t("sine.sample.header"), divider="gray")
    n_windows = scfg.split - scfg.window
    start = st.slider(t("sine.sample.start"), 0, n_windows - 1, min(100, n_windows - 1), key="sine_t",
                      bind="query-params", help=t("sine.sample.start_help")) if n_windows > 1 else 0
    w = frame[(frame[t("sine.col.curve")] == t("sine.col.noisy")) & (frame["i"] < scfg.split)].copy()
    roles = [t("sine.sample.series"), t("sine.sample.input"), t("sine.sample.target")]
    w["role"] = roles[0]
    w.loc[w["i"].between(start, start + scfg.window - 1), "role"] = roles[1]
    w.loc[w["i"] == start + scfg.window, "role"] = roles[2]
    sample = charts.window_chart(w)
    for channel in (sample.encoding.color, sample.encoding.size):  # its roles, in the learner's words
        channel["scale"].domain = roles
    show(sample)
    st.markdown(t("sine.sample.text", first=start, last=start + scfg.window - 1, window=scfg.window,
                  target=start + scfg.window, n=n_windows))

# ------------------------------------------------------------------ 3. train
st.header(t("sine.train.header"), divider="gray")
c = st.columns([2, 2, 1, 1, 1, 1])
kinds = c[0].multiselect(t("sine.train.kinds"), list(KINDS), ["LSTM"], key="sine_kinds", bind="query-params",
                         help=t("sine.train.kinds_help"))
recipes = {r: t(f"sine.train.{r}") for r in S.RECIPES}
recipe = c[1].radio(t("sine.train.recipe"), list(recipes), index=1, format_func=recipes.get,
                    captions=[t(f"sine.train.{r}_caption") for r in S.RECIPES], key="sine_recipe", bind="query-params")
hidden = c[2].number_input(t("sine.train.hidden"), 1, 256, 12, key="sine_hidden", bind="query-params")
steps = c[3].number_input(t("sine.train.steps"), 1, 20_000, S.DEFAULT_STEPS[recipe], key=f"sine_steps_{recipe}",
                          bind="query-params")
lr = c[4].number_input(t("sine.train.lr"), 1e-5, 1000.0, S.DEFAULT_LR[recipe], format="%.4g", key=f"sine_lr_{recipe}",
                       bind="query-params")
seed = c[5].number_input(t("sine.train.seed"), 0, 10_000, 0, key="sine_seed", bind="query-params")
cfg = S.SineConfig(scfg, tuple(kinds), int(hidden), recipe, int(steps), float(lr), int(seed))
st.caption(t("sine.train.caption"))
if not problem:
    show(charts.windows_used(S.windows_used(cfg), scfg.split - scfg.window).properties(height=170))


def sine_render(state) -> None:
    model_col = t("sine.col.model")
    rows = [{"step": s.step, model_col: k, "loss": v} for s in state.history for k, v in s.info["losses"].items()]
    if not rows:
        return
    series_now = make_series(state.config.series)
    fc = S.forecast(state.model, series_now, state.config.series.window)
    c1, c2 = st.columns(2)
    show(charts.line(pd.DataFrame(rows), "step", "loss", t("sine.train.loss_title"),
                     t("sine.train.step"), t("sine.train.loss_axis"), color=model_col, log_y=True), c1)
    show(legend(charts.forecast_chart(series_now, fc.frame, t("sine.col.multi"), t("sine.train.free_run_title")),
                model_col), c2)


if not kinds:
    st.warning(t("sine.train.no_model"), icon=":material/info:")
if problem or not kinds:
    # nothing can train with these settings: the last good model and its charts stay
    state = st.session_state.get("sine__run")
    if state is not None:
        st.info(t("sine.train.last_good"), icon=":material/info:")
        if state.message:
            st.warning(state.message, icon=":material/pause_circle:")
        sine_render(state)
else:
    state = live_training("sine", cfg, S.build, sine_render, t("sine.what"), default=S.SineConfig())

if state is not None and state.history:
    series_t = make_series(state.config.series)
    fc = S.forecast(state.model, series_t, state.config.series.window)
    win = state.config.series.window
    # ------------------------------------------------------------------ 4. single vs multi
    st.header(t("sine.forecast.header"), divider="gray")
    st.markdown(t("sine.forecast.text", window=win, first=series_t.split - win, last=series_t.split - 1))
    shown_kind = st.selectbox(t("sine.forecast.shown"), list(state.model.models), key="sine_shown", bind="query-params") \
        if len(state.model.models) > 1 else next(iter(state.model.models))
    one = fc.frame[fc.frame["model"] == shown_kind]
    model_col, how_col = t("sine.col.model"), t("sine.col.how")
    show(legend(charts.forecast_chart(series_t, one, None, t("sine.forecast.title", kind=shown_kind)), how_col))
    c1, c2 = st.columns([3, 2])
    show(charts.line(fc.horizon, "h", "abs_error", t("sine.forecast.horizon_title"), t("sine.forecast.horizon_x"),
                     t("sine.forecast.horizon_y"), color=model_col, dash=how_col), c1)
    c2.markdown(t("sine.forecast.mse"))
    c2.table(fc.scores.set_index([model_col, how_col]).style.format("{:.4f}"))
    inputs = fc.inputs[shown_kind]
    prediction = t("sine.forecast.prediction")
    feed = pd.DataFrame({prediction: [f"pred[{series_t.split + k}]" for k in range(min(12, len(inputs)))],
                         t("sine.forecast.reads"): [", ".join(r) for r in inputs[:12]]})
    with st.expander(t("sine.forecast.feed")):
        st.table(feed.set_index(prediction))

    # ------------------------------------------------------------------ 5. inside
    st.header(t("sine.inside.header"), divider="gray")
    m = state.model.models[shown_kind]
    heat, pca = S.hidden_over_time(m, series_t, win)
    show(charts.heatmap(heat, "i", "unit", t("sine.inside.heat_title", kind=shown_kind), t("sine.inside.heat_x"),
                        t("sine.inside.heat_y"), value_title="h_T").properties(height=220))
    c1, c2 = st.columns([2, 3])
    show(legend(charts.trajectory(pca), t("sine.col.part")), c1)
    c2.markdown(t("sine.inside.loop"))

# ------------------------------------------------------------------ 6. sin -> cos
st.header(t("sine.sc.header"), divider="gray")
st.markdown(t("sine.sc.intro"))
c = st.columns(4)
sc_steps = c[0].number_input(t("sine.sc.steps"), 1, 5000, SC.SinCosConfig.steps, key="sc_steps", bind="query-params")
sc_hidden = c[1].number_input(t("sine.sc.hidden"), 1, 256, SC.SinCosConfig.hidden_size, key="sc_hidden",
                              bind="query-params")
sc_lr = c[2].number_input(t("sine.sc.lr"), 1e-5, 1000.0, SC.SinCosConfig.lr, format="%.4g", key="sc_lr",
                          bind="query-params")
sc_seed = c[3].number_input(t("sine.sc.seed"), 0, 10_000, 0, key="sc_seed", bind="query-params")
sc_cfg = SC.SinCosConfig(10, int(sc_hidden), int(sc_steps), float(sc_lr), 6, int(sc_seed))


def sincos_render(state) -> None:
    state_col = t("sine.col.state")
    rows = [{"step": s.step, state_col: t(f"sine.sc.{k}"), "loss": v}
            for s in state.history for k, v in s.info["losses"].items()]
    if rows:
        show(charts.line(pd.DataFrame(rows), "step", "loss", t("sine.sc.loss_title"), t("sine.sc.chunk"),
                         t("sine.sc.mse"), color=state_col, log_y=True))


sc_state = live_training("sincos", sc_cfg, SC.build, sincos_render, t("sine.sc.what"),
                         default=SC.SinCosConfig())
if sc_state is not None and sc_state.history:
    curves, scores = SC.evaluate(sc_state.model, sc_state.config)
    show(charts.line(curves, "t", "value", t("sine.sc.after_title"), t("sine.sc.t_axis"), t("sine.sc.value"),
                     color=t("sine.col.curve")))
    st.table(scores.set_index(t("sine.sc.between")).style.format("{:.4f}"))

# ------------------------------------------------------------------ 7. FAQ
if state is not None and state.history:
    st.header(t("sine.faq.header"), divider="gray")
    shapes = S.weight_shapes(state.model.models[shown_kind])
    with st.expander(t("sine.faq.why_one"), expanded=True):
        st.markdown(t("sine.faq.why_one_answer", window=win))
    with st.expander(t("sine.faq.not_one")):
        st.markdown(t("sine.faq.not_one_answer"))
    with st.expander(t("sine.faq.hidden")):
        st.markdown(t("sine.faq.hidden_answer", kind=shown_kind, hidden=state.config.hidden_size))
        st.table(shapes.set_index(t("sine.faq.parameter")))
    with st.expander(t("sine.faq.passes")):
        n_w = state.config.series.split - win
        done_steps = state.last.step
        if state.config.recipe == "tutorial":
            st.markdown(t("sine.faq.passes_tutorial", steps=done_steps, passes=done_steps / n_w, n=n_w))
        else:
            st.markdown(t("sine.faq.passes_fast", steps=done_steps, n=n_w))

share_link("pages.sine", LINK_NOTE)
exports({"sine_forecasters": "sine", "sin_to_cos": "sincos"},
        scripts={"sine_forecasters.py": lambda: script(cfg), "sin_to_cos.py": lambda: script(sc_cfg)})
