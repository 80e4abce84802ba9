"""Sine forecasting: a window of past values predicts the next one. Single-step (teacher
forcing) vs multi-step (recursive) forecasts, tutorial A's recipe beside its FAQ's
alternatives, the hidden state while forecasting, and sin -> cos. Widgets -> config ->
rnnviz -> charts; every sentence about forecasting is picked from the run's verdict."""

import altair as alt
import pandas as pd
import streamlit as st

from rnnviz import charts, cost
from rnnviz import forecast as F
from rnnviz import sincos as SC
from rnnviz import sine as S
from rnnviz.data.sine import SeriesConfig, make_series
from rnnviz.export import script
from rnnviz.i18n import tr
from rnnviz.models import KINDS
from rnnviz.ui import choice, exports, live_training, page_setup, share_link, show

LINK_NOTE = page_setup("pages.sine", ":material/show_chart:")
st.title(tr("sine.title"))
st.markdown(tr("sine.intro"))
st.caption(tr("sine.tutorials"))


def legend(chart, title: str):
    """Name the colour legend of a chart from rnnviz.charts, which names it after its column
    (how, model, part), in the learner's words."""
    for part in [chart, *(getattr(chart, "layer", None) or [])]:
        color = getattr(getattr(part, "encoding", None), "color", alt.Undefined)
        if color is not alt.Undefined:
            color.title = title
    return chart


WIDE = (7, 0.35)  # a line drawn under another: wide and pale (stroke width, opacity)
THIN = (2, 1.0)  # every other line


def styled(chart, field: str, looks: dict[str, tuple], under: tuple[str, ...] = ()):
    """Give each line of `chart` (one line mark from rnnviz.charts, coloured by `field`) its
    width, opacity and, when looks' tuples have a third item, its dash, as encodings that share
    the colour's legend, so each legend swatch looks like its line. Lines in `under` are drawn
    first (a wide pale line under one that coincides with it)."""
    values = list(looks)
    color = chart.encoding.color  # read its properties by item: attribute access gives Altair's setters
    title = color["title"] if "title" in color._kwds and color["title"] is not alt.Undefined else field

    def channel(cls, k):  # an ordinal scale: each line its own look (a point scale would ramp between the ends)
        return cls(f"{field}:N", title=title, sort=None,
                   scale=alt.Scale(type="ordinal", domain=values, range=[looks[v][k] for v in values]))

    if color["scale"].domain is alt.Undefined:  # colours in the same order as the looks
        color["scale"].domain = values
    enc = {"strokeWidth": channel(alt.StrokeWidth, 0), "opacity": channel(alt.Opacity, 1)}
    if all(len(v) > 2 for v in looks.values()):
        enc["strokeDash"] = channel(alt.StrokeDash, 2)
    c = chart.encode(**enc)
    if not under:
        return c
    low = alt.FieldOneOfPredicate(field=field, oneOf=list(under))
    both = alt.layer(c.transform_filter(low), c.transform_filter(alt.LogicalNotPredicate(**{"not": low})))
    return both if chart.title is alt.Undefined else both.properties(title=chart.title)


def twins(chart, field: str, shown: list[str]):
    """MyRNN and RNN coincide by construction: draw MyRNN as a wide pale line under RNN's, so
    both stay visible, and its legend swatch wide and pale too (chart: one line mark from
    rnnviz.charts, field: its colour column)."""
    if not {"MyRNN", "RNN"} <= set(shown):
        return chart
    return styled(chart, field, {k: WIDE if k == "MyRNN" else THIN for k in shown}, under=("MyRNN",))


def verdict_text(v: F.Verdict, kind: str) -> str:
    """The sentences this run supports about single- vs multi-step error, with its numbers."""
    head = tr(f"sine.verdict.{v.kind}", kind=kind, multi=v.multi, single=v.single, ratio=v.ratio,
             horizon=v.horizon, level=v.level, spread=v.spread, zero=v.zero)
    tail = tr("sine.verdict.crossing" if v.crossing else "sine.verdict.no_crossing", smooth=F.SMOOTH,
             threshold=v.threshold, crossing=v.crossing, early=v.early, late=v.late, n_early=F.EARLY,
             n_late=v.horizon - v.horizon // 2, horizon=v.horizon)
    return f"{head} {tail}"


# ------------------------------------------------------------------ 1. data
st.header(tr("sine.data.header"), divider="gray")
c = st.columns(6)
n_points = c[0].number_input(tr("sine.data.points"), 20, 2000, 400, 10, key="sine_n", bind="query-params",
                             help=tr("sine.data.points_help"))
noise = c[1].number_input(tr("sine.data.noise"), 0.0, 2.0, 0.2, 0.05, key="sine_noise", bind="query-params",
                          help=tr("sine.data.noise_help"))
noise_kind = choice(c[2].selectbox, tr("sine.data.noise_kind"), ["uniform", "gaussian"], key="sine_noise_kind",
                    labels={k: tr(f"sine.data.{k}") for k in ("uniform", "gaussian")})
split = c[3].number_input(tr("sine.data.split"), 2, 2000, 320, 10, key="sine_split", bind="query-params")
window = c[4].number_input(tr("sine.data.window"), 1, 2000, 10, key="sine_window", bind="query-params",
                           help=tr("sine.data.window_help"))
data_seed = c[5].number_input(tr("sine.data.seed"), 0, 10_000, 0, key="sine_data_seed", bind="query-params")
scfg = SeriesConfig(int(n_points), 36.0, float(noise), noise_kind, int(split), int(window), int(data_seed))

problem = S.check(scfg)
if problem:
    st.error(problem, icon=":material/error:")
elif scfg.noise == 0:
    st.info(tr("sine.data.noise_zero"), icon=":material/info:")
if scfg.noise_kind == "uniform":
    st.caption(tr("sine.data.noise_mean"))
series = make_series(scfg) if not problem else None
if series is not None:
    frame = S.series_frame(series)
    split_x = float(series.x[min(scfg.split, len(series.x) - 1)])
    lines = charts.line(frame, "x", "value", tr("sine.data.chart_title", train=scfg.split, test=scfg.n_points - scfg.split),
                        "x", "y", color=tr("sine.col.curve"), x_domain=(series.x[0], series.x[-1]))
    rule = alt.Chart(pd.DataFrame({"x": [split_x]})).mark_rule(strokeDash=[6, 4], color="gray").encode(x="x:Q")
    show(lines + rule)

    # ------------------------------------------------------------------ 2. samples
    st.header(tr("sine.sample.header"), divider="gray")
    n_windows = scfg.split - scfg.window
    start = st.slider(tr("sine.sample.start"), 0, n_windows - 1, min(100, n_windows - 1), key="sine_t",
                      bind="query-params", help=tr("sine.sample.start_help")) if n_windows > 1 else 0
    w = frame[(frame[tr("sine.col.curve")] == tr("sine.col.noisy")) & (frame["i"] < scfg.split)].copy()
    roles = [tr("sine.sample.series"), tr("sine.sample.input"), tr("sine.sample.target")]
    w["role"] = roles[0]
    w.loc[w["i"].between(start, start + scfg.window - 1), "role"] = roles[1]
    w.loc[w["i"] == start + scfg.window, "role"] = roles[2]
    show(charts.window_chart(w, roles, x_title="x", y_title=tr("sine.sample.y_axis")))
    st.markdown(tr("sine.sample.text", first=start, last=start + scfg.window - 1, window=scfg.window,
                  target=start + scfg.window, n=n_windows))
    st.caption(tr("sine.sample.shape", window=scfg.window))

# ------------------------------------------------------------------ 3. train
st.header(tr("sine.train.header"), divider="gray")
c = st.columns([2, 3, 1, 1, 1, 1])
kinds = c[0].multiselect(tr("sine.train.kinds"), list(KINDS), ["RNN"], key="sine_kinds", bind="query-params",
                         help=tr("sine.train.kinds_help"))
n_pass = S.one_pass(scfg)  # the windows of the training part
c[1].caption(tr("sine.train.tutorial_a"))
recipe = choice(c[1].radio, tr("sine.train.recipe"), list(S.RECIPES), key="sine_recipe",
                labels={r: tr(f"sine.train.{r}") for r in S.RECIPES}, index=S.RECIPES.index("fast"),
                captions=[tr(f"sine.train.{r}_caption", last=n_pass - 1) for r in S.RECIPES])
hidden = c[2].number_input(tr("sine.train.hidden"), 1, 256, 12, key="sine_hidden", bind="query-params")
if recipe == "tutorial":  # its whole training is one pass: nothing to choose
    steps = c[3].number_input(tr("sine.train.steps_one_pass"), value=n_pass, disabled=True,
                              help=tr("sine.train.steps_one_pass_help", n=n_pass))
elif recipe == "epochs":
    steps = n_pass * c[3].number_input(tr("sine.train.passes"), 1, 200, S.DEFAULT_PASSES, key="sine_passes",
                                       bind="query-params", help=tr("sine.train.passes_help", n=n_pass))
else:
    steps = c[3].number_input(tr("sine.train.num_iter" if recipe == "random" else "sine.train.steps"), 1, 100_000,
                              S.DEFAULT_STEPS[recipe], key=f"sine_steps_{recipe}", bind="query-params")
lr = c[4].number_input(tr("sine.train.lr"), 1e-5, 1000.0, S.DEFAULT_LR[recipe], format="%.4g", key=f"sine_lr_{recipe}",
                       bind="query-params")
seed = c[5].number_input(tr("sine.train.seed"), 0, 10_000, 0, key="sine_seed", bind="query-params")
cfg = S.SineConfig(scfg, tuple(kinds), int(hidden), recipe, max(1, int(steps)), float(lr), int(seed))
st.caption(tr("sine.train.caption"))
if not problem:
    used = S.windows_used(cfg)
    show(charts.windows_used(used, n_pass, tr("sine.train.windows_title", steps=used["step"].max()),
                             tr("sine.train.windows_x", last=scfg.window - 1, target=scfg.window),
                             tr("sine.train.windows_y"), tr("sine.train.windows_tick")))


def sine_render(state) -> None:
    model_col = tr("sine.col.model")
    rows = [{"step": s.step, model_col: k, "loss": v} for s in state.history for k, v in s.info["losses"].items()]
    if not rows:
        return
    series_now = make_series(state.config.series)
    fc = S.forecast(state.model, series_now, state.config.series.window)
    shown = list(state.config.kinds)
    c1, c2 = st.columns(2)
    show(twins(charts.line(pd.DataFrame(rows), "step", "loss", tr("sine.train.loss_title"), tr("sine.train.step"),
                           tr("sine.train.loss_axis"), color=model_col, log_y=True,
                           x_domain=(1, state.config.steps)), model_col, shown), c1)
    fchart = legend(charts.forecast_chart(series_now, fc.frame, tr("sine.col.multi"), tr("sine.train.free_run_title")),
                    model_col)
    fchart.layer[2] = twins(fchart.layer[2], "model", shown)
    show(fchart, c2)


if not kinds:
    st.warning(tr("sine.train.no_model"), icon=":material/info:")
if problem or not kinds:
    # nothing can train with these settings: the last good model and its charts stay
    state = st.session_state.get("sine__run")
    if state is not None:
        st.info(tr("sine.train.last_good"), icon=":material/info:")
        if state.message:
            st.warning(state.message, icon=":material/pause_circle:")
        sine_render(state)
else:
    state = live_training("sine", cfg, S.build, sine_render, tr("sine.what"), default=S.SineConfig())



def compare_render(cmp_state) -> None:
    results = cmp_state.last.info.get("results", {}) if cmp_state.last else {}
    if not results:
        return
    v0 = next(iter(results.values())).verdict
    rows = [{tr("sine.compare.recipe"): tr(f"sine.train.{r.recipe}"), tr("sine.compare.steps"): r.steps,
             tr("sine.compare.windows"): r.windows_read, tr("sine.compare.seconds"): r.seconds,
             tr("sine.compare.single"): r.verdict.single, tr("sine.compare.multi"): r.verdict.multi,
             tr("sine.compare.ratio"): r.verdict.ratio, tr("sine.compare.shows"): tr(f"sine.compare.{r.verdict.kind}")}
            for r in results.values()]
    rows.append({tr("sine.compare.recipe"): tr("sine.compare.zero"), tr("sine.compare.single"): v0.zero,
                 tr("sine.compare.multi"): v0.zero})
    table = pd.DataFrame(rows).set_index(tr("sine.compare.recipe"))
    st.table(table.style.format({tr("sine.compare.seconds"): "{:.2f}", tr("sine.compare.single"): "{:.4f}",
                                 tr("sine.compare.multi"): "{:.4f}", tr("sine.compare.ratio"): "{:.1f}",
                                 tr("sine.compare.steps"): "{:.0f}", tr("sine.compare.windows"): "{:.0f}"}, na_rep=""))
    if "tutorial" in results:
        tv = results["tutorial"].verdict
        st.markdown(tr("sine.compare.tutorial_figures", single=tv.single, multi=tv.multi))


if state is not None and state.history:
    series_t = make_series(state.config.series)
    fc = S.forecast(state.model, series_t, state.config.series.window)
    win = state.config.series.window
    trained = list(state.config.kinds)
    # ------------------------------------------------------------------ 4. single vs multi
    st.header(tr("sine.forecast.header"), divider="gray")
    st.markdown(tr("sine.forecast.text", window=win, first=series_t.split - win, last=series_t.split - 1,
                  next=win + 1))
    shown_kind = st.selectbox(tr("sine.forecast.shown"), trained, key="sine_shown", bind="query-params") \
        if len(trained) > 1 else trained[0]
    one = fc.frame[fc.frame["model"] == shown_kind]
    model_col, how_col = tr("sine.col.model"), tr("sine.col.how")
    show(legend(charts.forecast_chart(series_t, one, None, tr("sine.forecast.title", kind=shown_kind)), how_col))
    v = fc.verdicts[shown_kind]
    st.markdown(verdict_text(v, shown_kind))
    if {"MyRNN", "RNN"} <= set(trained):
        st.caption(tr("sine.train.twins", diff=S.largest_gap(fc.frame, "MyRNN", "RNN")))
    c1, c2 = st.columns([3, 2])
    # each model's threshold (2 x its single-step mean error) as a line of its own, named in the legend
    threshold = tr("sine.forecast.threshold")
    n_h = int(fc.horizon["h"].max())
    levels = [pd.DataFrame({model_col: k, how_col: threshold, "h": [1, n_h],
                            "abs_error": fc.verdicts[k].threshold}) for k in trained]
    horizon = charts.line(pd.concat([fc.horizon, *levels], ignore_index=True), "h", "abs_error",
                          tr("sine.forecast.horizon_title"), tr("sine.forecast.horizon_x"), tr("sine.forecast.horizon_y"),
                          color=model_col, dash=how_col, x_domain=(1, n_h))
    horizon.encoding.strokeDash.scale = alt.Scale(domain=[tr("sine.col.single"), tr("sine.col.multi"), threshold],
                                                  range=[[1, 0], [6, 3], [1, 3]])
    horizon.encoding.strokeDash.legend = alt.Legend(labelLimit=0)
    show(twins(horizon, model_col, trained), c1)
    c2.markdown(tr("sine.forecast.mse"))
    c2.table(fc.scores.set_index([model_col, how_col]).style.format("{:.4f}"))
    c2.caption(tr("sine.forecast.against_clean", zero=v.zero))
    inputs = fc.inputs[shown_kind]
    prediction = tr("sine.forecast.prediction")
    feed = pd.DataFrame({prediction: [f"pred[{series_t.split + k}]" for k in range(min(12, len(inputs)))],
                         tr("sine.forecast.reads"): [", ".join(r) for r in inputs[:12]]})
    with st.expander(tr("sine.forecast.feed")):
        st.table(feed.set_index(prediction))

    st.subheader(tr("sine.compare.header"))
    cmp_cfg = S.CompareConfig(state.config.series, shown_kind, state.config.hidden_size, state.config.seed)
    st.markdown(tr("sine.compare.intro", kind=cmp_cfg.kind, hidden=cmp_cfg.hidden_size, seed=cmp_cfg.seed))
    stale = st.session_state.get("sinecmp__run")
    if stale is not None and stale.status != "running" and stale.config != cmp_cfg:
        del st.session_state["sinecmp__run"]  # no table from other settings: the shown numbers are this run's
    cmp_state = live_training("sinecmp", cmp_cfg, S.compare, compare_render, tr("sine.compare.what"),
                              default=S.CompareConfig(), seconds=sum(map(cost.seconds, S.recipe_configs(cmp_cfg))))
    if cmp_state is not None and cmp_state.status == "done" and cmp_state.config == cmp_cfg:
        recipe_col, cmp_series = tr("sine.compare.recipe"), make_series(cmp_cfg.series)
        lines = [pd.DataFrame({"x": cmp_series.x[cmp_series.split:], "value": cmp_series.clean[cmp_series.split:],
                               recipe_col: "sin(x)"})]
        for r, m in cmp_state.model.items():
            f = S.forecast(m, cmp_series, cmp_cfg.series.window).frame
            f = f[f["how"] == tr("sine.col.multi")]
            lines.append(pd.DataFrame({"x": f["x"], "value": f["value"], recipe_col: tr(f"sine.train.{r}")}))
        by_recipe = charts.line(pd.concat(lines, ignore_index=True), "x", "value", tr("sine.compare.chart_title"),
                                "x", "y", color=recipe_col, x_domain=(cmp_series.x[cmp_series.split], cmp_series.x[-1]))
        names = ["sin(x)", *(tr(f"sine.train.{r}") for r in cmp_state.model)]
        by_recipe.encoding.color.scale = alt.Scale(domain=names, range=[charts.GREY, "#f58518", "#e45756", "#72b7b2",
                                                                        "#54a24b"][:len(names)])
        by_recipe.encoding.color.legend = alt.Legend(labelLimit=0)  # the whole names
        show(styled(by_recipe, recipe_col, {n: (2, 1.0, [5, 4] if n == "sin(x)" else [1, 0]) for n in names}))
        st.caption(tr("sine.compare.sine_dashed"))

    # ------------------------------------------------------------------ 5. inside
    st.header(tr("sine.inside.header"), divider="gray")
    m = state.model.models[shown_kind]
    heat, pca = S.hidden_over_time(m, series_t, win)
    heat_chart = charts.heatmap(heat, "i", "unit", tr("sine.inside.heat_title", kind=shown_kind),
                                tr("sine.inside.heat_x"), tr("sine.inside.heat_y"), value_title="h_T")
    every = [int(i) for i in sorted(heat["i"].unique()) if i % 20 == 0]  # round indices, not every n-th column
    heat_chart.encoding.x.axis = alt.Axis(labelAngle=0, values=every)
    show(heat_chart.properties(height=220))
    c1, c2 = st.columns([2, 3])
    show(legend(charts.trajectory(pca), tr("sine.col.part")), c1)
    loop = tr("sine.inside.loop_flat" if v.kind == "flat" else "sine.inside.loop_learnt", spread=v.spread,
             level=v.level)
    c2.markdown(tr("sine.inside.loop") + " " + loop)

# ------------------------------------------------------------------ 6. sin -> cos
st.header(tr("sine.sc.header"), divider="gray")
st.markdown(tr("sine.sc.intro"))
st.caption(tr("sine.sc.recipe", steps=SC.SinCosConfig.steps, hidden=SC.SinCosConfig.hidden_size,
             lr=SC.SinCosConfig.lr, chunk=SC.SinCosConfig.chunk))
c = st.columns(4)
sc_steps = c[0].number_input(tr("sine.sc.steps"), 1, 5000, SC.SinCosConfig.steps, key="sc_steps", bind="query-params",
                             help=tr("sine.sc.steps_help", steps=SC.SinCosConfig.steps))
sc_hidden = c[1].number_input(tr("sine.sc.hidden"), 1, 256, SC.SinCosConfig.hidden_size, key="sc_hidden",
                              bind="query-params")
sc_lr = c[2].number_input(tr("sine.sc.lr"), 1e-5, 1000.0, SC.SinCosConfig.lr, format="%.4g", key="sc_lr",
                          bind="query-params")
sc_seed = c[3].number_input(tr("sine.sc.seed"), 0, 10_000, 0, key="sc_seed", bind="query-params")
sc_cfg = SC.SinCosConfig(10, int(sc_hidden), int(sc_steps), float(sc_lr), 6, int(sc_seed))


def sincos_render(state) -> None:
    state_col = tr("sine.col.state")
    rows = [{"step": s.step, state_col: tr(f"sine.sc.{k}"), "loss": v}
            for s in state.history for k, v in s.info["losses"].items()]
    if rows:
        show(charts.line(pd.DataFrame(rows), "step", "loss", tr("sine.sc.loss_title"), tr("sine.sc.chunk"),
                         tr("sine.sc.mse"), color=state_col, log_y=True, x_domain=(1, state.config.steps)))


sc_state = live_training("sincos", sc_cfg, SC.build, sincos_render, tr("sine.sc.what"),
                         default=SC.SinCosConfig())
if sc_state is not None and sc_state.history:
    curves, scores = SC.evaluate(sc_state.model, sc_state.config)
    curve_col, target = tr("sine.col.curve"), tr("sine.sc.target")
    after = charts.line(curves, "t", "value", tr("sine.sc.after_title"), tr("sine.sc.t_axis"), tr("sine.sc.value"),
                        color=curve_col, x_domain=(curves["t"].min(), curves["t"].max()))
    looks = {target: (*WIDE, [1, 0]), tr("sine.sc.prediction", mode=tr("sine.sc.carried")): (*THIN, [1, 0]),
             tr("sine.sc.prediction", mode=tr("sine.sc.reset")): (*THIN, [6, 3])}
    after.encoding.color.legend = alt.Legend(labelLimit=0)
    show(styled(after, curve_col, looks, under=(target,)))
    st.caption(tr("sine.sc.drawn"))
    st.table(scores.set_index(tr("sine.sc.between")).style.format("{:.4f}"))
    scv = SC.verdict(scores)
    st.markdown(tr("sine.sc.learnt" if scv.learnt else "sine.sc.not_learnt", start_c=scv.start[0],
                  start_r=scv.start[1], mse_c=scv.mse[0], mse_r=scv.mse[1], factor=SC.LEARNT_FACTOR))

# ------------------------------------------------------------------ 7. FAQ
if state is not None and state.history:
    st.header(tr("sine.faq.header"), divider="gray")
    shapes = S.weight_shapes(state.model.models[shown_kind])
    with st.expander(tr("sine.faq.why_one"), expanded=True):
        st.markdown(tr("sine.faq.why_one_answer", window=win))
    with st.expander(tr("sine.faq.not_one")):
        st.markdown(tr("sine.faq.not_one_answer"))
    with st.expander(tr("sine.faq.hidden")):
        st.markdown(tr("sine.faq.hidden_answer", kind=shown_kind, hidden=state.config.hidden_size))
        st.table(shapes.set_index(tr("sine.faq.parameter")))
    with st.expander(tr("sine.faq.passes")):
        n_w, done_steps = S.one_pass(state.config.series), state.last.step
        st.markdown(tr(f"sine.faq.passes_{state.config.recipe}", steps=done_steps, passes=done_steps / n_w, n=n_w))

share_link("pages.sine", LINK_NOTE)
exports({"sine_forecasters": "sine", "sin_to_cos": "sincos"},
        scripts={"sine_forecasters.py": lambda: script(cfg), "sin_to_cos.py": lambda: script(sc_cfg)})
