"""Sine forecasting: a window of past values predicts the next one. Single-step (teacher
forcing) vs multi-step (recursive) forecasts, tutorial A's recipe beside its FAQ's
alternatives, the hidden state while forecasting, how far back a forecast looks, and sin -> cos.
Widgets -> config -> rnnviz -> charts; every sentence about forecasting is picked from the run.

Each section's widgets, charts and tables are named functions in rnnviz/ui/sine.py; the
experiments are rnnviz/sine.py (forecasters, recipes), rnnviz/sinespan.py (how far back a
forecast looks) and rnnviz/sincos.py (sin -> cos)."""

import streamlit as st

from rnnviz import cost, sincos, sine
from rnnviz.data.sine import check, make_series
from rnnviz.export import script
from rnnviz.i18n import tr
from rnnviz.ui import checkpoint as checkpoint_ui
from rnnviz.ui import exports, live_training, page_setup, share_link, warm
from rnnviz.ui import sine as sine_ui

LINK_NOTE = page_setup("pages.sine", ":material/show_chart:")
st.title(tr("sine.title"))
st.markdown(tr("sine.intro"))
st.caption(tr("sine.tutorials"))
path_slot = st.container()  # the lesson's path: drawn once the data's settings say which checkpoints they ask

# ------------------------------------------------------------------ 1. data
st.header(tr("sine.data.header"), divider="gray")
series_cfg = sine_ui.data_controls()
with path_slot:
    checkpoint_ui.path("sine", skipped={"sine_2": tr("quiz.sine_2.skipped")} if series_cfg.window == 1 else None)
problem = check(series_cfg)
sine_ui.series_notes(series_cfg, problem)
if not problem:
    series = make_series(series_cfg)
    sine_ui.series_chart(series, series_cfg)

    # ------------------------------------------------------------------ 2. samples
    st.header(tr("sine.sample.header"), divider="gray")
    sine_ui.sample(series, series_cfg)

# ------------------------------------------------------------------ 3. train
st.header(tr("sine.train.header"), divider="gray")
cfg = sine_ui.train_controls(series_cfg)
st.caption(tr("sine.train.caption"))
if not problem:
    sine_ui.windows_chart(cfg)
if not cfg.kinds:
    st.warning(tr("sine.train.no_model"), icon=":material/info:")
if problem or not cfg.kinds:  # nothing can train with these settings: the last good model and its charts stay
    state = sine_ui.last_good()
else:
    state = live_training("sine", cfg, sine.build, sine_ui.training, tr("sine.what"), default=warm.default("sine"))

if state is not None and state.history:
    trained = state.config
    series_t = make_series(trained.series)
    fc = sine.forecast(state.model, series_t, trained.series.window)

    # ------------------------------------------------------------------ 4. single vs multi
    st.header(tr("sine.forecast.header"), divider="gray")
    win = trained.series.window
    st.markdown(tr("sine.forecast.text", window=win, inputs=sine_ui.inputs(series_t.split - win, series_t.split - 1, win),
                   next=win + 1))
    kind = sine_ui.pick_model(trained.kinds)
    if checkpoint_ui.ask("sine_1", "sine", (trained, kind), lambda: sine.multi_step_reveal(fc, kind),
                         options=("larger", "same", "smaller")):
        sine_ui.forecasts(series_t, fc, kind, trained.kinds)
        sine_ui.horizon_and_scores(fc, kind, trained.kinds)
    sine_ui.feed(fc, kind, series_t.split)
    if win == 1:  # sine_2 compares a window of 1 with the learner's: nothing to ask here
        st.caption(tr("quiz.sine_2.skipped"))
    elif checkpoint_ui.ask("sine_2", "sine", (trained, kind), lambda: sine_ui.window_one_reveal(trained, kind, fc),
                           options=("grows", "same", "shrinks")):
        sine_ui.window_one_runs(series_t, trained, kind, fc)

    st.subheader(tr("sine.compare.header"))
    cmp_cfg = sine.CompareConfig(series=trained.series, kind=kind, hidden_size=trained.hidden_size, seed=trained.seed)
    st.markdown(tr("sine.compare.intro", kind=cmp_cfg.kind, hidden=cmp_cfg.hidden_size, seed=cmp_cfg.seed))
    sine_ui.forget_other_comparison(cmp_cfg)
    cmp_state = live_training("sinecmp", cmp_cfg, sine.compare, sine_ui.comparison, tr("sine.compare.what"),
                              default=warm.default("sinecmp"), seconds=sum(map(cost.seconds, sine.recipe_configs(cmp_cfg))))
    if cmp_state is not None and cmp_state.status == "done" and cmp_state.config == cmp_cfg and \
            checkpoint_ui.ask("sine_3", "sine", cmp_cfg, lambda: sine.recipes_reveal(cmp_state.last.info["results"]),
                              options=("tutorial", "fast", "same")):
        sine_ui.comparison_table(cmp_state)
        sine_ui.recipes_chart(cmp_state)

    # ------------------------------------------------------------------ 5. inside
    st.header(tr("sine.inside.header"), divider="gray")
    sine_ui.inside(state.model.models[kind], series_t, win, kind, fc.verdicts[kind])

    # ------------------------------------------------------------------ 6. how far back
    st.header(tr("sine.span.header"), divider="gray")
    sine_ui.span_section(state, kind, fc)  # a fragment: its knobs redraw this section only

# ------------------------------------------------------------------ 7. sin -> cos
st.header(tr("sine.sc.header"), divider="gray")
st.markdown(tr("sine.sc.intro"))
recipe_c = sincos.SinCosConfig
st.caption(tr("sine.sc.recipe", steps=recipe_c.steps, hidden=recipe_c.hidden_size, lr=recipe_c.lr, chunk=recipe_c.chunk))
sc_cfg = sine_ui.sincos_controls()
sc_state = live_training("sincos", sc_cfg, sincos.build, sine_ui.sincos_training, tr("sine.sc.what"),
                         default=warm.default("sincos"))
if sc_state is not None and sc_state.history and \
        checkpoint_ui.ask("sine_4", "sine", sc_state.config, lambda: sincos.reset_reveal(sincos.judge(sc_state.model, sc_state.config)),
                          options=("grows", "same", "shrinks")):
    sine_ui.sincos_results(sc_state)

# ------------------------------------------------------------------ 8. FAQ
if state is not None and state.history:
    st.header(tr("sine.faq.header"), divider="gray")
    sine_ui.faq(state, kind)

share_link("pages.sine", LINK_NOTE)
exports({"sine_forecasters": "sine", "sin_to_cos": "sincos"},
        scripts={"sine_forecasters.py": lambda: script(cfg), "sin_to_cos.py": lambda: script(sc_cfg)})
