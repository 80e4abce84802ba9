"""LSTM gates: forget, input and output gates of the learner's own trained model, the GRU's
update and reset gates, and why the vanilla RNN cannot remember. Widgets -> config ->
rnnviz.gates -> charts; the longer widget sections and the equations are in rnnviz/ui/gates.py."""

import streamlit as st

from rnnviz import charts, gates
from rnnviz.export import script
from rnnviz.i18n import tr, words
from rnnviz.ui import checkpoint as checkpoint_ui
from rnnviz.ui import exports, live_training, page_setup, share_link, show, warm
from rnnviz.ui import gates as gates_ui

LINK_NOTE = page_setup("pages.gates", ":material/tune:")
st.title(tr("gates.title"))
st.markdown(tr("gates.intro"))
with st.expander(tr("gates.define.header")):
    st.markdown(tr("gates.define.body"))
path_box = st.container()  # the path, drawn once the settings say which checkpoints this run asks

# ------------------------------------------------------------------ 1. train
st.header(tr("gates.train.header", n=1), divider="gray")
cfg = gates_ui.train_settings()
default = warm.default("gates")
st.caption(tr("gates.train.setting", hidden=default.hidden_size, steps=default.steps, lr=gates.learning_rate(cfg),
              batch=default.batch_size, fb=default.forget_bias, ub=default.update_bias))
problem = gates.problem(cfg)
if problem:
    st.error(str(problem), icon=":material/error:")
    state = st.session_state.get("gates__run")
    if state is not None:
        st.info(tr("gates.train.last_valid"), icon=":material/info:")
else:
    state = live_training("gates", cfg, gates.build, gates_ui.training_chart,
                          tr("gates.what", kind=cfg.kind, task=tr(f"gates.task.{cfg.task}")), default=default)
ran = state is not None and state.last is not None
if ran and "done" in state.last.info:  # said in this run's language (a shared run may have been trained in another)
    st.success(tr("gates.train.done", step=state.last.step, done=state.last.info["done"]),
               icon=":material/check_circle:")
if ran and (went_on := gates.went_on_note(state.config, state.last, state.model)):
    st.info(str(went_on), icon=":material/info:")
if ran and state.config.task in gates.RECALL_TASKS:
    st.caption(tr("gates.train.chance", chance=gates.chance(state.config), symbols=state.config.symbols))
    if note := gates.recall_note(state.config, state.last):
        st.info(str(note), icon=":material/info:")
N = gates.sections(state.config if state is not None and state.history else None)
with path_box:
    asked = state.config if state is not None and state.history else cfg
    checkpoint_ui.path("gates", skipped={i: str(why) for i, why in gates.skipped_checkpoints(asked).items()})

if state is not None and state.history:
    trained, model = state.config, state.model
    # ------------------------------------------------------------------ 2. heatmaps
    st.header(tr("gates.heat.header", n=N["heat"]), divider="gray")
    c = st.columns([1, 3])
    index = c[0].number_input(tr("gates.heat.example"), 0, 99, 0, key="gates_example", bind="query-params",
                              help=tr("gates.heat.example_help"))
    example = gates.example(trained, int(index))
    frame = gates.gate_frame(model, example)
    c[1].markdown(tr("gates.heat.text", kind=trained.kind, diff=gates.proof(model, example)))
    if trained.kind == "RNN":  # the one panel that is not a gate or a state: say what it is
        c[1].caption(tr("gates.heat.preact"))
    gates_ui.follow_unit(state, frame)
    if asked_1 := gates_ui.keep_gate_checkpoint(state):  # gates_1: the heatmaps answer it
        gates_ui.heatmaps(state, frame, title=tr("gates.heat.header", n=N["heat"]))
    c = st.columns([1, 1, 3])
    unit = int(c[0].number_input(tr("gates.heat.unit"), 1, int(frame["unit"].max()), key="gates_unit",
                                 bind="query-params", help=tr("gates.heat.unit_help")))
    T = int(frame["t"].max())
    t = int(c[1].number_input(tr("gates.heat.t"), 1, T, min(T, 2), key="gates_t", bind="query-params"))
    if asked_1:
        show(gates_ui.unit_chart(frame, unit, trained.kind))

    # ------------------------------------------------------------------ 3. equations
    st.header(tr("gates.eq.header", n=N["eq"]), divider="gray")
    st.markdown(tr("gates.eq.where", unit=unit, t=t, token=example.tokens[0][t - 1]))
    gates_ui.equations(trained.kind, gates.step_values(frame, t, unit) if asked_1 else None)
    if not asked_1:  # the keep gate's value would answer gates_1
        st.caption(tr("gates.eq.hidden_until", n=N["heat"], gate=tr(f"gates.eq.{gates.KEEP[trained.kind]}")))

    # ------------------------------------------------------------------ 4. memory held
    if trained.task in gates.RECALL_TASKS:
        st.header(tr("gates.held.header", n=N["held"]), divider="gray")
        units = gates.memory_units(model, trained).units
        if gates_ui.unit_checkpoint(state):  # gates_3: the memory units' chart answers it
            gates_ui.memory_chart(model, trained, units)
            st.markdown(str(gates.held_note(trained, units, gates.separation(model, trained, units))))

    # ------------------------------------------------------------------ 5. in numbers
    if trained.kind != "RNN":
        st.header(tr("gates.numbers.header", n=N["numbers"]), divider="gray")
        saturation = gates.saturation(frame)
        saturation = saturation.assign(gate=words(saturation["gate"], "gates.gate"),
                                       range=saturation["range"].replace({"between": tr("gates.gate.between")}))
        c1, c2 = st.columns(2)
        if asked_1:  # how often each gate is open would answer gates_1
            show(charts.saturation_bars(saturation, tr("charts.saturation_title"), tr("charts.gate_share"),
                                        tr("charts.value")), c1)
        else:
            c1.caption(tr("gates.numbers.saturation_hidden", heat=N["heat"]))
        if trained.task in gates.RECALL_TASKS and not (checkpoint_ui.revealed("gates_1", trained)
                                                       and checkpoint_ui.revealed("gates_2", trained)):
            c2.caption(tr("gates.numbers.hidden_until", gate=tr(f"gates.eq.{gates.KEEP[trained.kind]}"),
                          heat=N["heat"], held=N["held"]))  # its chart and notes state both answers
        elif trained.task in gates.RECALL_TASKS:
            gates_ui.keep_gate_chart(model, trained, units, c2)
            c2.markdown(str(gates.learnt_note(trained, units, gates.keep_gate_learnt(model, trained, units))))
            if trained.task == "replace":
                c2.markdown(str(gates.drop_note(trained, gates.keep_gate_drop(model, trained, units))))
        gates_ui.bias_checkpoint(state)  # gates_3: why b_f starts high (its reveal trains b_f = 0 at gap 50)

    # ------------------------------------------------------------------ 6. interventions
    st.header(tr("gates.intervene.header", n=N["intervene"]), divider="gray")
    if asked_1:  # its heatmaps show the keep gate's values: gates_1's answer
        gates_ui.interventions_section(state, example, frame, int(index), N)
    else:
        st.caption(tr("gates.intervene.hidden_until", heat=N["heat"]))

# ------------------------------------------------------------------ last: RNN vs LSTM vs GRU
st.header(tr("gates.sweep.header", n=N["sweep"]), divider="gray")
st.markdown(tr("gates.sweep.intro", chance=1 / gates.GateConfig.symbols))
c = st.columns([2, 1])
gaps = c[0].multiselect(tr("gates.sweep.gaps"), list(gates.SWEEP_GAPS), list(gates.DEFAULT_GAPS), key="gates_gaps",
                        bind="query-params")
gaps = tuple(sorted(gaps))
if c[1].button(tr("gates.sweep.go"), key="gates_sweep_go", type="primary", disabled=not gaps or bool(problem)):
    st.session_state["gates_sweep"] = gates_ui.train_sweep(cfg, gaps)
mine = st.session_state.get("gates_sweep")
if mine is None:
    st.caption(tr("gates.sweep.until", gaps=gates.Listing(gates.DEFAULT_GAPS), hidden=default.hidden_size,
                  steps=default.steps, gap=default.gap))
if gates_ui.sweep_checkpoint(mine):  # gates_2: the comparison answers it
    if mine is None:
        gates_ui.default_sweep()
    else:
        if (mine.config, mine.gaps) != (cfg, gaps):
            st.info(tr("gates.sweep.earlier"))
        gates_ui.sweep_view(mine.frame, mine.config, True)

share_link("pages.gates", LINK_NOTE)
exports({"gates_model": "gates"}, scripts={"gates_model.py": lambda: script(cfg)})
