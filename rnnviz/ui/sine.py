"""The sine page's Streamlit pieces, in lesson order: each section's widgets (returning a
config), the render callbacks live training calls, and the charts and tables drawn from the
engine's frames, said in the learner's words.

The engine (rnnviz.sine, rnnviz.sincos) hands over frames with stable column names and
values; said() turns them into the learner's words here, at the edge. A new widget: its
config field first (rnnviz/sine.py, sincos.py or data/sine.py, with its reason), then its
widget in that section's *_controls() here, its label in both catalogues. A new chart: its
builder in rnnviz/charts.py, called from here with titles from the catalogue.
"""

from __future__ import annotations

from dataclasses import replace

import altair as alt
import pandas as pd
import streamlit as st

from rnnviz import charts, cost, forecast, saliency, sincos, sine, sinespan
from rnnviz.data.sine import NOISE_KINDS, Series, SeriesConfig, make_series
from rnnviz.i18n import Problem, tr, words
from rnnviz.models import FORECASTERS, SeqRegressor
from rnnviz.ui import checkpoint as checkpoint_ui
from rnnviz.ui.live import TrainState
from rnnviz.ui.page import choice, fragment, show

RECIPE_COLOURS = [charts.GREY, "#f58518", "#e45756", "#72b7b2", "#54a24b"]  # the clean sine, then each recipe
TABLE_FORMAT = "{:.4f}"  # an MSE in a table


def said(frame: pd.DataFrame, values: dict[str, str] | None = None,
         headers: dict[str, str] | None = None) -> pd.DataFrame:
    """An engine frame in the learner's words: values maps a column to the catalogue prefix of
    its values (rnnviz.i18n.words), headers a column to the catalogue key of its header."""
    out = frame.copy()
    for column, prefix in (values or {}).items():
        out[column] = words(out[column], prefix)
    return out.rename(columns={c: tr(key) for c, key in (headers or {}).items()})


def recipe_words(values) -> list[str]:
    """A recipe's label (sine.train.<recipe>); "clean" is the sine, "zero" the always-0 model."""
    special = {"clean": "sin(x)", "zero": tr("sine.compare.zero")}
    return [special.get(r) or tr(f"sine.train.{r}") for r in values]


def inputs(first: int | str, last: int | str, window: int) -> str:
    """A window's inputs, y[first] … y[last], or y[first] alone when the window holds one value."""
    return tr("sine.sample.input_one", first=first) if window == 1 else tr("sine.sample.inputs", first=first, last=last)


# ------------------------------------------------------------------ 1. data


def data_controls() -> SeriesConfig:
    """Section 1's widgets: the series and how it is cut."""
    c, d = st.columns(6), SeriesConfig
    n_points = c[0].number_input(tr("sine.data.points"), 20, 2000, d.n_points, 10, key="sine_n", bind="query-params",
                                 help=tr("sine.data.points_help"))
    noise = c[1].number_input(tr("sine.data.noise"), 0.0, 2.0, d.noise, 0.05, key="sine_noise", bind="query-params",
                              help=tr("sine.data.noise_help"))
    noise_kind = choice(c[2].selectbox, tr("sine.data.noise_kind"), NOISE_KINDS, key="sine_noise_kind",
                        labels={k: tr(f"sine.data.{k}") for k in NOISE_KINDS}, index=NOISE_KINDS.index(d.noise_kind))
    split = c[3].number_input(tr("sine.data.split"), 2, 2000, d.split, 10, key="sine_split", bind="query-params")
    window = c[4].number_input(tr("sine.data.window"), 1, 2000, d.window, key="sine_window", bind="query-params",
                               help=tr("sine.data.window_help"))
    seed = c[5].number_input(tr("sine.data.seed"), 0, 10_000, d.seed, key="sine_data_seed", bind="query-params")
    return SeriesConfig(n_points=int(n_points), noise=float(noise), noise_kind=noise_kind, split=int(split),
                        window=int(window), seed=int(seed))


def series_notes(cfg: SeriesConfig, problem: Problem | None) -> None:
    """Why these settings cannot work, or what a noise of 0 means; the tutorial noise's mean."""
    if problem:
        st.error(str(problem), icon=":material/error:")
    elif cfg.noise == 0:
        st.info(tr("sine.data.noise_zero"), icon=":material/info:")
    if cfg.noise_kind == "uniform":
        st.caption(tr("sine.data.noise_mean"))


def series_chart(series: Series, cfg: SeriesConfig) -> None:
    """The noisy series and the clean sine, the split as a dashed rule."""
    frame = said(sine.series_frame(series), {"curve": "sine.col", "part": "sine.col"},
                 {"curve": "sine.col.curve", "part": "sine.col.part"})
    split_x = float(series.x[min(cfg.split, len(series.x) - 1)])
    lines = charts.line(frame, "x", "value", tr("sine.data.chart_title", train=cfg.split, test=cfg.n_points - cfg.split),
                        "x", "y", color=tr("sine.col.curve"), x_domain=(series.x[0], series.x[-1]))
    rule = alt.Chart(pd.DataFrame({"x": [split_x]})).mark_rule(strokeDash=[6, 4], color="gray").encode(x="x:Q")
    show(lines + rule)


# ------------------------------------------------------------------ 2. a training sample


@fragment
def sample(series: Series, cfg: SeriesConfig) -> None:
    """Section 2: pick a window start, see that window and its target among the training part.
    A fragment: the window start redraws this section only (nothing else on the page reads it)."""
    n_windows = sine.one_pass(cfg)
    start = st.slider(tr("sine.sample.start"), 0, n_windows - 1, min(100, n_windows - 1), key="sine_t",
                      bind="query-params", help=tr("sine.sample.start_help")) if n_windows > 1 else 0
    frame = said(sine.sample_frame(series, start, cfg.window),
                 {"curve": "sine.col", "part": "sine.col", "role": "sine.sample"},
                 {"curve": "sine.col.curve", "part": "sine.col.part"})
    roles = words(["series", "input", "target"], "sine.sample")
    show(charts.window_chart(frame, roles, x_title="x", y_title=tr("sine.sample.y_axis")))
    st.markdown(tr("sine.sample.text", inputs=inputs(start, start + cfg.window - 1, cfg.window), window=cfg.window,
                   target=start + cfg.window, n=n_windows))
    st.caption(tr("sine.sample.shape", window=cfg.window))


# ------------------------------------------------------------------ 3. train


def train_controls(series: SeriesConfig) -> sine.SineConfig:
    """Section 3's widgets: the models, the recipe and its steps, hidden size, learning rate, seed."""
    c, d = st.columns([2, 3, 1, 1, 1, 1]), sine.SineConfig
    kinds = c[0].multiselect(tr("sine.train.kinds"), list(FORECASTERS), list(d.kinds), key="sine_kinds",
                             bind="query-params", help=tr("sine.train.kinds_help"))
    n_pass = sine.one_pass(series)  # the windows of the training part
    c[1].caption(tr("sine.train.tutorial_a"))
    recipe = choice(c[1].radio, tr("sine.train.recipe"), sine.RECIPES, key="sine_recipe",
                    labels={r: tr(f"sine.train.{r}") for r in sine.RECIPES}, index=sine.RECIPES.index(d.recipe),
                    captions=[tr(f"sine.train.{r}_caption", last=n_pass - 1) for r in sine.RECIPES])
    hidden = c[2].number_input(tr("sine.train.hidden"), 1, 256, d.hidden_size, key="sine_hidden", bind="query-params")
    if recipe == "tutorial":  # its whole training is one pass: nothing to choose
        steps = c[3].number_input(tr("sine.train.steps_one_pass"), value=n_pass, disabled=True,
                                  help=tr("sine.train.steps_one_pass_help", n=n_pass))
    elif recipe == "epochs":
        steps = n_pass * c[3].number_input(tr("sine.train.passes"), 1, 200, sine.DEFAULT_PASSES, key="sine_passes",
                                           bind="query-params", help=tr("sine.train.passes_help", n=n_pass))
    else:
        steps = c[3].number_input(tr("sine.train.num_iter" if recipe == "random" else "sine.train.steps"), 1, 100_000,
                                  sine.DEFAULT_STEPS[recipe], key=f"sine_steps_{recipe}", bind="query-params")
    lr = c[4].number_input(tr("sine.train.lr"), 1e-5, 1000.0, sine.DEFAULT_LR[recipe], format="%.4g",
                           key=f"sine_lr_{recipe}", bind="query-params")
    seed = c[5].number_input(tr("sine.train.seed"), 0, 10_000, d.seed, key="sine_seed", bind="query-params")
    return sine.SineConfig(series=series, kinds=tuple(kinds), hidden_size=int(hidden), recipe=recipe,
                           steps=max(1, int(steps)), lr=float(lr), seed=int(seed))


def windows_chart(cfg: sine.SineConfig) -> None:
    """Which windows the first training steps read, from the training's own schedule."""
    used = sine.windows_used(cfg)
    show(charts.windows_used(used, sine.one_pass(cfg.series), tr("sine.train.windows_title", steps=used["step"].max()),
                             tr("sine.train.windows_x", inputs=inputs("t", f"t+{cfg.series.window - 1}", cfg.series.window),
                                target=cfg.series.window),
                             tr("sine.train.windows_y"), tr("sine.train.windows_tick")))


def said_forecasts(frame: pd.DataFrame) -> pd.DataFrame:
    """Forecast.frame with its ways of forecasting (how) in the learner's words."""
    return said(frame, {"how": "sine.col"})


def training(state: TrainState) -> None:
    """live_training's render: the loss curves and the multi-step forecast, as it trains."""
    losses = sine.loss_frame(state.history)
    if losses.empty:
        return
    model_col, shown = tr("sine.col.model"), list(state.config.kinds)
    series = make_series(state.config.series)
    fc = sine.forecast(state.model, series, state.config.series.window)
    c1, c2 = st.columns(2)
    show(charts.twins(charts.line(said(losses, headers={"model": "sine.col.model"}), "step", "loss",
                                  tr("sine.train.loss_title"), tr("sine.train.step"), tr("sine.train.loss_axis"),
                                  color=model_col, log_y=True, x_domain=(1, state.config.steps)), model_col, shown), c1)
    if not any(checkpoint_ui.revealed("sine_1", (state.config, k)) for k in state.config.kinds):
        c2.caption(tr("sine.train.free_run_hidden"))  # the free run beside the sine would answer sine_1
        return
    free = charts.forecast_chart(series, said_forecasts(fc.frame), tr("sine.col.multi_step"),
                                 tr("sine.train.free_run_title"), color_title=model_col)
    free.layer[2] = charts.twins(free.layer[2], "model", shown)
    show(free, c2)


def last_good() -> TrainState | None:
    """With settings nothing can train on: the last good model, said to be that, and its charts."""
    state = st.session_state.get("sine__run")
    if state is not None:
        st.info(tr("sine.train.last_good"), icon=":material/info:")
        if state.message:
            st.warning(state.message, icon=":material/pause_circle:")
        training(state)
    return state


# ------------------------------------------------------------------ 4. single vs multi


def pick_model(kinds: tuple[str, ...]) -> str:
    """The model sections 4, 5 and 7 draw: a choice when several were trained."""
    return st.selectbox(tr("sine.forecast.shown"), list(kinds), key="sine_shown", bind="query-params") \
        if len(kinds) > 1 else kinds[0]


def forecasts(series: Series, fc: sine.Forecast, kind: str, kinds: tuple[str, ...]) -> None:
    """Both forecasts of one model, the sentences its run supports, and whether MyRNN and RNN coincide."""
    one = said_forecasts(fc.frame[fc.frame["model"] == kind])
    show(charts.forecast_chart(series, one, None, tr("sine.forecast.title", kind=kind), color_title=tr("sine.col.how")))
    st.markdown(" ".join(map(str, forecast.sentences(fc.verdicts[kind], kind))))
    if {"MyRNN", "RNN"} <= set(kinds):
        st.caption(tr("sine.train.twins", diff=sine.largest_gap(fc.frame, "MyRNN", "RNN")))


def horizon_and_scores(fc: sine.Forecast, kind: str, kinds: tuple[str, ...]) -> None:
    """Error vs steps ahead (each model's threshold a line of its own), beside the MSE table."""
    c1, c2 = st.columns([3, 2])
    model_col, how_col = tr("sine.col.model"), tr("sine.col.how")
    named = {"model": "sine.col.model", "how": "sine.col.how"}
    lines = said(sine.horizon_lines(fc), {"how": "sine.col"}, named)
    chart = charts.line(lines, "h", "abs_error", tr("sine.forecast.horizon_title"), tr("sine.forecast.horizon_x"),
                        tr("sine.forecast.horizon_y"), color=model_col, dash=how_col, x_domain=(1, lines["h"].max()))
    chart.encoding.strokeDash.scale = alt.Scale(domain=words(["single_step", "multi_step", "threshold"], "sine.col"),
                                                range=[[1, 0], [6, 3], [1, 3]])
    chart.encoding.strokeDash.legend = alt.Legend(labelLimit=0)
    show(charts.twins(chart, model_col, list(kinds)), c1)
    c2.markdown(tr("sine.forecast.mse"))
    scores = said(fc.scores, {"how": "sine.col"},
                  named | {"mse_noisy": "sine.forecast.mse_noisy", "mse_clean": "sine.forecast.mse_clean"})
    c2.table(scores.set_index([model_col, how_col]).style.format(TABLE_FORMAT))
    c2.caption(tr("sine.forecast.against_clean", zero=fc.verdicts[kind].zero))


def feed(fc: sine.Forecast, kind: str, first: int) -> None:
    """What the first multi-step predictions read, as the tutorial prints it."""
    table = said(sine.feed_frame(fc, kind, first),
                 headers={"prediction": "sine.forecast.prediction", "reads": "sine.forecast.reads"})
    with st.expander(tr("sine.forecast.feed")):
        st.table(table.set_index(tr("sine.forecast.prediction")))


def window_one_reveal(cfg: sine.SineConfig, kind: str, fc: sine.Forecast):
    """sine_2's answer: trains the window-1 twin first (seconds, so with a spinner; cached after)."""
    twin = sine.with_window(cfg, kind, 1)
    with st.spinner(tr("quiz.sine_2.training", kind=kind, steps=twin.steps)):
        return sine.window_one_reveal(cfg, kind, fc.verdicts[kind])


def window_one_runs(series: Series, cfg: sine.SineConfig, kind: str, fc: sine.Forecast) -> None:
    """After sine_2: the learner's free run beside the window-1 twin's (already trained by the reveal)."""
    runs = {cfg.series.window: fc, 1: sine.trained_forecast(sine.with_window(cfg, kind, 1))}
    lines = sine.free_runs(runs, kind)
    lines["model"] = [tr("quiz.sine_2.line", window=w) for w in lines["model"]]
    show(charts.forecast_chart(series, lines, "multi_step", tr("quiz.sine_2.chart_title", kind=kind),
                               color_title=tr("sine.data.window")))


def forget_other_comparison(cmp: sine.CompareConfig) -> None:
    """No comparison table from other settings: the numbers shown are this run's."""
    stale = st.session_state.get("sinecmp__run")
    if stale is not None and stale.status != "running" and stale.config != cmp:
        del st.session_state["sinecmp__run"]


COMPARE_FORMAT = {"seconds": "{:.2f}", "single": "{:.4f}", "multi": "{:.4f}", "ratio": "{:.1f}", "steps": "{:.0f}",
                  "windows": "{:.0f}"}


def comparison(state: TrainState) -> None:
    """live_training's render for the recipes side by side: which have finished, and in what
    time (their errors wait for checkpoint sine_3: comparison_table)."""
    results = state.last.info.get("results", {}) if state.last else {}
    if results:
        done = ", ".join(f"{name} ({r.seconds:.2f} s)" for name, r in zip(recipe_words(results), results.values()))
        st.caption(tr("sine.compare.finished", recipes=done))


def comparison_table(state: TrainState) -> None:
    """The recipes side by side, once the learner has answered sine_3: the table of their errors."""
    results = state.last.info["results"]
    table = sine.compare_frame(results)
    table["recipe"] = recipe_words(table["recipe"])
    known = table["shows"].notna()
    table.loc[known, "shows"] = words(table.loc[known, "shows"], "sine.compare")
    header = {c: tr(f"sine.compare.{c}") for c in table.columns}
    st.table(table.rename(columns=header).set_index(header["recipe"])
             .style.format({header[c]: f for c, f in COMPARE_FORMAT.items()}, na_rep=""))
    if "tutorial" in results:
        tv = results["tutorial"].verdict
        st.markdown(tr("sine.compare.tutorial_figures", single=tv.single, multi=tv.multi))


def recipes_chart(state: TrainState) -> None:
    """Each recipe's multi-step forecast over the clean sine (dashed)."""
    cmp, recipe_col = state.config, tr("sine.compare.recipe")
    series = make_series(cmp.series)
    lines = sine.recipe_forecasts(state.model, series, cmp.series.window)
    lines = lines.assign(recipe=recipe_words(lines["recipe"])).rename(columns={"recipe": recipe_col})
    chart = charts.line(lines, "x", "value", tr("sine.compare.chart_title"), "x", "y", color=recipe_col,
                        x_domain=(series.x[series.split], series.x[-1]))
    names = recipe_words(["clean", *state.model])
    chart.encoding.color.scale = alt.Scale(domain=names, range=RECIPE_COLOURS[:len(names)])
    chart.encoding.color.legend = alt.Legend(labelLimit=0)  # the whole names
    show(charts.styled(chart, recipe_col, {n: (2, 1.0, [5, 4] if n == "sin(x)" else [1, 0]) for n in names}))
    st.caption(tr("sine.compare.sine_dashed"))


# ------------------------------------------------------------------ 5. inside


def inside(m: SeqRegressor, series: Series, window: int, kind: str, v: forecast.Verdict) -> None:
    """The hidden state after each window as a heatmap, and its path on two principal components."""
    states = sine.hidden_over_time(m, series, window)
    heat = charts.heatmap(states.heat, "i", "unit", tr("sine.inside.heat_title", kind=kind),
                          tr("sine.inside.heat_x"), tr("sine.inside.heat_y"), value_title="h_T")
    every = [int(i) for i in sorted(states.heat["i"].unique()) if i % 20 == 0]  # round indices, not every n-th column
    heat.encoding.x.axis = alt.Axis(labelAngle=0, values=every)
    show(heat.properties(height=220))
    c1, c2 = st.columns([2, 3])
    show(charts.trajectory(said(states.pca, {"part": "sine.col"}), color_title=tr("sine.col.part")), c1)
    c2.markdown(tr("sine.inside.loop") + " " + str(sine.loop_message(v)))


# ------------------------------------------------------------------ 6. sin -> cos


def sincos_controls() -> sincos.SinCosConfig:
    """Section 6's widgets: tutorial C's recipe, each knob defaulting to it."""
    c, d = st.columns(4), sincos.SinCosConfig
    steps = c[0].number_input(tr("sine.sc.steps"), 1, 5000, d.steps, key="sc_steps", bind="query-params",
                              help=tr("sine.sc.steps_help", steps=d.steps))
    hidden = c[1].number_input(tr("sine.sc.hidden"), 1, 256, d.hidden_size, key="sc_hidden", bind="query-params")
    lr = c[2].number_input(tr("sine.sc.lr"), 1e-5, 1000.0, d.lr, format="%.4g", key="sc_lr", bind="query-params")
    seed = c[3].number_input(tr("sine.sc.seed"), 0, 10_000, d.seed, key="sc_seed", bind="query-params")
    return sincos.SinCosConfig(hidden_size=int(hidden), steps=int(steps), lr=float(lr), seed=int(seed))


def sincos_training(state: TrainState) -> None:
    """live_training's render: both models' loss per chunk, once sine_4 is answered (the reset
    model's flat curve beside the carried one's fall would answer it)."""
    losses = sincos.loss_frame(state.history)
    if not checkpoint_ui.revealed("sine_4", state.config):
        st.caption(tr("sine.sc.loss_hidden"))
    elif not losses.empty:
        show(charts.line(said(losses, {"state": "sine.sc"}, {"state": "sine.col.state"}), "step", "loss",
                         tr("sine.sc.loss_title"), tr("sine.sc.chunk"), tr("sine.sc.mse"), color=tr("sine.col.state"),
                         log_y=True, x_domain=(1, state.config.steps)))


def sincos_results(state: TrainState) -> None:
    """After training: cos t and both predictions, their errors, and what this run shows."""
    result = sincos.evaluate(state.model, state.config)
    curve_col = tr("sine.col.curve")
    curves = said(result.curves, {"curve": "sine.sc.curve"}, {"curve": "sine.col.curve"})
    after = charts.line(curves, "t", "value", tr("sine.sc.after_title"), tr("sine.sc.t_axis"), tr("sine.sc.value"),
                        color=curve_col, x_domain=(curves["t"].min(), curves["t"].max()))
    target, carried, reset = words(["target", "carried", "reset"], "sine.sc.curve")
    looks = {target: (*charts.WIDE, [1, 0]), carried: (*charts.THIN, [1, 0]), reset: (*charts.THIN, [6, 3])}
    after.encoding.color.legend = alt.Legend(labelLimit=0)
    show(charts.styled(after, curve_col, looks, under=(target,)))
    st.caption(tr("sine.sc.drawn"))
    scores = said(result.scores, {"state": "sine.sc"},
                  {"state": "sine.sc.between", "mse": "sine.sc.mse", "mse_first": "sine.sc.mse_first"})
    st.table(scores.set_index(tr("sine.sc.between")).style.format(TABLE_FORMAT))
    st.markdown(str(sincos.verdict(result.scores).message))


# ------------------------------------------------------------------ 7. FAQ


def faq(state: TrainState, kind: str) -> None:
    """The tutorial's questions, answered with this page's model."""
    with st.expander(tr("sine.faq.why_one"), expanded=True):
        st.markdown(tr("sine.faq.why_one_answer", window=state.config.series.window))
    with st.expander(tr("sine.faq.not_one")):
        st.markdown(tr("sine.faq.not_one_answer"))
    with st.expander(tr("sine.faq.hidden")):
        st.markdown(tr("sine.faq.hidden_answer", kind=kind, hidden=state.config.hidden_size))
        shapes = said(sine.weight_shapes(state.model.models[kind]),
                      headers={"parameter": "sine.faq.parameter", "shape": "sine.faq.shape"})
        st.table(shapes.set_index(tr("sine.faq.parameter")))
    with st.expander(tr("sine.faq.passes")):
        st.markdown(str(sine.passes_message(state.config, state.last.step)))


# ------------------------------------------------------------------ 6. how far back a forecast looks

SPAN_H = 20  # the forecast explained at first: 20 steps after the split, where the free run reads only its own predictions
SPAN_CACHE = "_sine_span_cache"  # (config, step, kind, how) -> (influence matrix, values read), this run's models only
SPAN_TWINS = "_sine_span_twins"  # the config whose missing kinds the learner asked to train


def _span_model(cfg: sine.SineConfig, step: int, kind: str, m: SeqRegressor, series: Series, how: str):
    """One model's influence matrix (every test position, one batched pass) and the values it
    read, computed once per trained model and way of forecasting: a knob only picks a row."""
    cache = st.session_state.setdefault(SPAN_CACHE, {})
    key = (cfg, step, kind, how)
    if key not in cache:
        for old in [k for k in cache if k[0] != cfg]:  # another run's models: not drawn again
            del cache[old]
        w = cfg.series.window
        cache[key] = (sinespan.influence(m, series, w, how), sinespan.values_read(m, series, w, how))
    return cache[key]


def _span_profile(cfg, step, kind, m, series, how, h) -> sinespan.Profile:
    matrix, values = _span_model(cfg, step, kind, m, series, how)
    return sinespan.profile(matrix, values, series, cfg.series.window, kind, how, h)


def _span_twins(state: TrainState) -> dict[str, SeqRegressor]:
    """RNN, LSTM and GRU beside the learner's models: the page's own, and those it lacks trained
    with the same settings once the learner asks (a button: the first view trains nothing more)."""
    cfg, lacking = state.config, sinespan.missing(state.config)
    models = dict(state.model.models)
    if not lacking:
        return models
    names = tr("sine.span.and").join(lacking)
    if state.status != "done":
        st.caption(tr("sine.span.not_done", kinds=names))
        return models
    if st.session_state.get(SPAN_TWINS) != cfg:
        seconds = cost.seconds(replace(cfg, kinds=lacking))
        slot = st.empty()  # the button goes once pressed
        if not slot.button(tr("sine.span.train_others", kinds=names, seconds=max(1, round(seconds))),
                           key="sine_span_train", icon=":material/model_training:", help=tr("sine.span.train_others_help")):
            return models
        slot.empty()
        st.session_state[SPAN_TWINS] = cfg
    with st.spinner(tr("sine.span.training", kinds=names)):
        twins = sinespan.trained_twins(cfg)
    return models | dict(twins.models)


@fragment
def span_section(state: TrainState, kind: str, fc: sine.Forecast) -> None:
    """Section 6: which earlier values one forecast depends on, single-step and free-running,
    and the same forecast by RNN, LSTM and GRU. A fragment: its knobs redraw this section only."""
    cfg, step = state.config, state.last.step
    series, win = make_series(cfg.series), cfg.series.window
    horizon = sinespan.horizon(series, win)
    st.markdown(tr("sine.span.intro", percent=round(saliency.FADED * 100)))
    st.markdown(tr("sine.span.window_note", window=win))
    c = st.columns([3, 2])
    if st.session_state.get("sine_span_h", 1) > horizon:  # a shorter test part than the last run's
        st.session_state["sine_span_h"] = horizon
    h = c[0].slider(tr("sine.span.h"), 1, horizon, min(SPAN_H, horizon), key="sine_span_h", bind="query-params",
                    help=tr("sine.span.h_help", split=series.split, most=horizon)) if horizon > 1 else 1
    how = choice(c[1].radio, tr("sine.span.how"), sine.HOW, key="sine_span_how", index=1, horizontal=True,
                 labels={w: tr(f"sine.col.{w}") for w in sine.HOW})
    how_said = tr(f"sine.col.{how}")
    p = _span_profile(cfg, step, kind, state.model.models[kind], series, how, h)
    reads = words(["true", "own"], "sine.span.read")
    frame = p.frame[["k", "i", "value", "influence", "share"]].assign(read=words(p.frame["read_as"], "sine.span.read"))
    c1, c2 = st.columns(2)
    marks = tr("sine.span.marks", window=win)
    show(charts.forecast_influence_bars(frame, win, p.span, tr("sine.span.bars_title", kind=kind, i=p.i, how=how_said),
                                        marks, tr("sine.span.bars_x"), tr("sine.span.bars_y"), tr("sine.span.read_as"),
                                        reads if how == "multi_step" else reads[:1], tr("sine.span.span_rule", span=p.span),
                                        saliency.FADED), c1)
    row = fc.frame[(fc.frame["model"] == kind) & (fc.frame["how"] == how) & (fc.frame["i"] == p.i)]
    point = {"i": p.i, "value": float(row["value"].iloc[0]), "label": tr("sine.span.forecast_point", i=p.i)}
    show(charts.forecast_influence_series(frame, point, tr("sine.span.series_title", kind=kind, i=p.i),
                                          tr("sine.span.series_x"), tr("sine.span.series_y"), tr("sine.span.share"),
                                          tr("sine.span.read_as"), reads if how == "multi_step" else reads[:1]), c2)
    st.markdown(str(sinespan.message(p)))

    st.subheader(tr("sine.span.compare_header"))
    st.markdown(tr("sine.span.compare_intro"))
    models = _span_twins(state)
    profiles = {k: {w: _span_profile(cfg, step, k, m, series, w, h) for w in sine.HOW} for k, m in models.items()}
    shown = [ps[how] for ps in profiles.values()]
    lines = sinespan.overlay_frame(shown)
    lines["model"] = [tr("sine.span.legend", kind=k, span=s) for k, s in zip(lines["model"], lines["span"])]
    show(charts.forecast_influence_overlay(lines, win, tr("sine.span.overlay_title", i=p.i, how=how_said), marks,
                                           tr("sine.span.bars_x"), tr("sine.span.overlay_y"), tr("sine.col.model"),
                                           saliency.FADED))
    table = sinespan.span_table(profiles)
    table["beyond"] = [f"{v:.0%}" for v in table["beyond"]]  # a string: a Styler costs a redraw tens of ms
    header = {c: tr(f"sine.span.col.{c}") for c in table.columns}
    st.table(table.rename(columns=header).set_index(header["model"]))
    st.caption(tr("sine.span.table_caption", i=p.i, h=h, window=win))
    st.caption(tr("sine.span.try"))
