"""LSTM gates: forget, input and output gates of the learner's own trained model, the GRU's
update and reset gates, and why the vanilla RNN cannot remember. Widgets -> config ->
rnnviz -> charts."""


import altair as alt
import pandas as pd
import streamlit as st

from rnnviz import charts
from rnnviz import gates as G
from rnnviz.export import script
from rnnviz.i18n import tr
from rnnviz.ui import choice, exports, live_training, page_setup, share_link, show
from rnnviz.ui.background import shared_job

LINK_NOTE = page_setup("pages.gates", ":material/tune:")
st.title(tr("gates.title"))
st.markdown(tr("gates.intro"))
with st.expander(tr("gates.define.header")):
    st.markdown(tr("gates.define.body"))
SEP = tr("gates.list_sep")


def gate_names(frame: pd.DataFrame, column: str = "gate") -> pd.DataFrame:
    """The engine's gate names (forget, input, ...) in the learner's language, for legends and axes."""
    return frame.assign(**{column: frame[column].map(lambda g: tr(f"gates.gate.{g}"))})


def sections(tcfg: G.GateConfig | None) -> dict[str, int]:
    """The sections this page shows for a trained config (None: no model yet), numbered 1, 2, ...
    with no gaps whichever task and cell type are chosen."""
    keys = ["train"]
    if tcfg is not None:
        keys += ["heat", "eq"] + (["held"] if tcfg.task in G.RECALL_TASKS else []) + \
                (["numbers"] if tcfg.kind != "RNN" else [])
    return {k: n for n, k in enumerate(keys + ["sweep"], start=1)}


def tex(x: float) -> str:
    """A value inside an equation: 3 decimals, a negative one in parentheses, 0.3 × (−1.2)."""
    return f"{x:.3f}" if x >= 0 else f"({x:.3f})"

# ------------------------------------------------------------------ 1. train
st.header(tr("gates.train.header", n=1), divider="gray")
c = st.columns([3, 1, 1, 1])
task_names = {k: tr(f"gates.task.{k}") for k in G.TASKS}  # labels fixed in this run's language
task = choice(c[0].radio, tr("gates.train.task"), list(G.TASKS), key="gates_task", labels=task_names,
              captions=[tr(f"gates.task_caption.{k}") for k in G.TASKS])
kind = c[1].radio(tr("gates.train.model"), list(G.KINDS), key="gates_kind", bind="query-params")
hidden = c[2].number_input(tr("gates.train.hidden"), 1, 128, G.GateConfig.hidden_size, key="gates_hidden", bind="query-params")
seed = c[3].number_input(tr("gates.train.seed"), 0, 10_000, 0, key="gates_seed", bind="query-params")
c = st.columns(5)
gap = c[0].number_input(tr("gates.train.gap"), 1, 10_000, G.GateConfig.gap, key="gates_gap", bind="query-params",
                        help=tr("gates.train.gap_help", max_gap=G.MAX_GAP),
                        disabled=task not in G.RECALL_TASKS)
length = c[1].number_input(tr("gates.train.length"), 1, 200, G.GateConfig.length, key="gates_length", bind="query-params",
                           disabled=task != "counting")
steps = c[2].number_input(tr("gates.train.steps"), 1, 5000, G.GateConfig.steps, key="gates_steps", bind="query-params",
                          help=tr("gates.train.steps_help"))
fbias = c[3].number_input(tr("gates.train.forget_bias"), -5.0, 10.0, G.GateConfig.forget_bias, 0.5, key="gates_fb", bind="query-params",
                          disabled=kind != "LSTM", help=tr("gates.train.forget_bias_help"))
ubias = c[4].number_input(tr("gates.train.update_bias"), -5.0, 10.0, G.GateConfig.update_bias, 0.5, key="gates_ub",
                          bind="query-params", disabled=kind != "GRU", help=tr("gates.train.update_bias_help"))
cfg = G.GateConfig(task=task, kind=kind, gap=int(gap), length=int(length), hidden_size=int(hidden),
                   steps=int(steps), forget_bias=float(fbias), update_bias=float(ubias), seed=int(seed))
D = G.GateConfig()
st.caption(tr("gates.train.setting", hidden=D.hidden_size, steps=D.steps, lr=D.lr, batch=D.batch_size,
             fb=D.forget_bias, ub=D.update_bias))
score = G.score_name(cfg)


def render(state) -> None:
    rows = [{"step": s.step, score: s.info[score]} for s in state.history if score in s.info]
    if rows:
        name = tr(f"gates.score.{score}")
        chart = charts.line(pd.DataFrame(rows), "step", score, tr("gates.train.chart_title", score=name),
                            tr("gates.train.step"), name, log_y=score == "MSE", points=True)
        if score == "accuracy" and state.config.task in G.RECALL_TASKS:  # the full 0..1 axis, chance drawn:
            chance = G.chance(state.config)  # noise around chance must not look like progress
            chart = charts.with_chance(chart, chance, tr("gates.train.chance_rule", chance=chance))
        elif score == "accuracy":  # counting: the full 0..1 axis, no "chance 0 %" (guessing is not 0 here)
            chart.encoding.y.scale, chart.encoding.y.axis = alt.Scale(domain=[0, 1]), alt.Axis(format="%")
        show(chart)


problem = G.problem(cfg)
if problem:
    st.error(problem, icon=":material/error:")
    state = st.session_state.get("gates__run")
    if state is not None:
        st.info(tr("gates.train.last_valid"), icon=":material/info:")
else:
    state = live_training("gates", cfg, G.build, render, tr("gates.what", kind=kind, task=task_names[task]),
                          default=G.GateConfig())
if state is not None and state.last is not None and "done" in state.last.info:
    # the message again in this run's language (a shared run may have been trained in another)
    done = G.solved(state.last.info) or state.last.info["done"]
    st.success(tr("gates.train.done", step=state.last.step, done=done), icon=":material/check_circle:")
N = sections(state.config if state is not None and state.history else None)
if state is not None and state.last is not None and state.config.task == "replace" and state.config.kind in G.KEEP:
    went_on = G.after_solved(state.config, state.last.info, state.model)
    if went_on is not None:  # solved before the last step, and trained on: say why, with the run's numbers
        st.info(tr(f"gates.train.went_on_{went_on['verdict']}", step=state.last.step,
                  gate=tr(f"gates.eq.{G.KEEP[state.config.kind]}"), n=N["numbers"], **went_on), icon=":material/info:")
if state is not None and state.last is not None and state.config.task in G.RECALL_TASKS:
    acc, chance = state.last.info.get("accuracy", 0.0), G.chance(state.config)
    st.caption(tr("gates.train.chance", chance=chance, symbols=state.config.symbols))
    if acc <= chance + G.NEAR_CHANCE:
        why = "rnn" if state.config.kind == "RNN" else "gated"  # the plain RNN's limit, or too few steps
        st.info(tr(f"gates.train.at_chance_{why}", kind=state.config.kind, accuracy=acc, gap=state.config.gap,
                  chance=chance, steps=state.last.step, default=G.GateConfig.steps), icon=":material/info:")
    elif state.config.kind == "RNN" and acc < G.CARRIED:  # above chance, far from solved: say what that means
        st.info(tr("gates.train.partial_rnn", accuracy=acc, gap=state.config.gap, chance=chance),
                icon=":material/info:")

if state is not None and state.history:
    tcfg, model = state.config, state.model
    kind_now = tcfg.kind
    # ------------------------------------------------------------------ 2. heatmaps
    st.header(tr("gates.heat.header", n=N["heat"]), divider="gray")
    c = st.columns([1, 3])
    index = c[0].number_input(tr("gates.heat.example"), 0, 99, 0, key="gates_example", bind="query-params",
                              help=tr("gates.heat.example_help"))
    ex = G.example(tcfg, int(index))
    frame = G.gate_frame(model, ex)
    T, H = int(frame["t"].max()), int(frame["unit"].max())
    c[1].markdown(tr("gates.heat.text", kind=kind_now, diff=G.proof(model, ex)))
    if kind_now == "RNN":  # the one panel that is not a gate or a state: say what it is
        c[1].caption(tr("gates.heat.preact"))
    if tcfg.task in G.RECALL_TASKS:
        c[1].caption(tr("gates.heat.default_unit", unit=G.memory_unit(model, tcfg), n=N["held"]))

    def picked() -> None:
        sel = st.session_state["gates_heat"].selection.get(charts.UNIT_PICK) or []
        if sel and "unit" in sel[0]:
            st.session_state["gates_unit"] = int(sel[0]["unit"])

    if st.session_state.get("_gates_unit_run") is not state:  # a new run: show the unit that holds the memory
        st.session_state["_gates_unit_run"] = state
        if "gates_unit" not in st.query_params or st.session_state.get("gates_unit", 1) > H:
            st.session_state["gates_unit"] = G.memory_unit(model, tcfg)
    if st.session_state.get("gates_unit", 1) > H:
        st.session_state["gates_unit"] = 1
    panels = charts.gate_panels(frame, width=min(900, max(320, 14 * T)), token_title=tr("gates.heat.input"))
    panels.vconcat[0].title = tr("gates.heat.input")
    if panels.vconcat[0].encoding.color is not alt.Undefined:  # the sine's coloured strip
        panels.vconcat[0].encoding.color.title = tr("gates.heat.input")
    for panel in panels.vconcat[1:]:  # titled and coloured after the engine's gate names
        panel.title = panel.encoding.color.title = tr(f"gates.gate.{panel.title}")
    show(panels, on_select=picked, key="gates_heat", selection_mode=charts.UNIT_PICK,
         title=tr("gates.heat.header", n=N["heat"]))  # its CSV: every gate and state, not only the first panel's input
    c = st.columns([1, 1, 3])
    unit = c[0].number_input(tr("gates.heat.unit"), 1, H, key="gates_unit", bind="query-params",
                             help=tr("gates.heat.unit_help"))
    step = c[1].number_input(tr("gates.heat.t"), 1, T, min(T, 2), key="gates_t", bind="query-params")
    gated = "rnn" if kind_now == "RNN" else "gated"
    names = {g: tr(f"gates.gate.{g}") for g in frame["gate"].unique()}
    show(charts.unit_lines(frame, int(unit), tr(f"gates.lines.title_{gated}", unit=int(unit)), tr("gates.heat.t"),
                           tr(f"gates.lines.legend_{gated}"), names,
                           {k: tr(f"gates.lines.y_{k}") for k in ("gates", "preact", "bounded", "cell")}))

    # ------------------------------------------------------------------ 3. equations
    st.header(tr("gates.eq.header", n=N["eq"]), divider="gray")
    v = {k: x for k, x in G.step_values(frame, int(step), int(unit)).items()}
    w = {k: tex(x) for k, x in v.items()}  # as operands: negative values in parentheses
    st.markdown(tr("gates.eq.where", unit=unit, t=step, token=ex.tokens[0][int(step) - 1]))
    L = {name: tr(f"gates.eq.{name}") for name in ("forget", "input", "output", "candidate", "cell", "hidden",
                                                  "reset", "update")}
    if kind_now == "LSTM":
        st.latex(rf"""\begin{{aligned}}
f_t &= \sigma(W_{{if}}x_t + b_{{if}} + W_{{hf}}h_{{t-1}} + b_{{hf}}) = {v['forget']:.3f} && \text{{{L['forget']}}}\\
i_t &= \sigma(W_{{ii}}x_t + b_{{ii}} + W_{{hi}}h_{{t-1}} + b_{{hi}}) = {v['input']:.3f} && \text{{{L['input']}}}\\
\tilde{{C}}_t &= \tanh(W_{{ig}}x_t + b_{{ig}} + W_{{hg}}h_{{t-1}} + b_{{hg}}) = {v['candidate']:.3f} && \text{{{L['candidate']}}}\\
o_t &= \sigma(W_{{io}}x_t + b_{{io}} + W_{{ho}}h_{{t-1}} + b_{{ho}}) = {v['output']:.3f} && \text{{{L['output']}}}\\
C_t &= f_t \odot C_{{t-1}} + i_t \odot \tilde{{C}}_t = {w['forget']}\times{w['cell_prev']} + {w['input']}\times{w['candidate']} = {v['cell']:.3f} && \text{{{L['cell']}}}\\
h_t &= o_t \odot \tanh(C_t) = {w['output']}\times\tanh({v['cell']:.3f}) = {v['hidden']:.3f} && \text{{{L['hidden']}}}
\end{{aligned}}""")
        st.caption(tr("gates.eq.names_lstm"))
    elif kind_now == "GRU":
        st.latex(rf"""\begin{{aligned}}
r_t &= \sigma(W_{{ir}}x_t + b_{{ir}} + W_{{hr}}h_{{t-1}} + b_{{hr}}) = {v['reset']:.3f} && \text{{{L['reset']}}}\\
z_t &= \sigma(W_{{iz}}x_t + b_{{iz}} + W_{{hz}}h_{{t-1}} + b_{{hz}}) = {v['update']:.3f} && \text{{{L['update']}}}\\
n_t &= \tanh(W_{{in}}x_t + b_{{in}} + r_t \odot (W_{{hn}}h_{{t-1}} + b_{{hn}})) = {v['candidate']:.3f} && \text{{{L['candidate']}}}\\
h_t &= (1 - z_t) \odot n_t + z_t \odot h_{{t-1}} = {tex(1 - v['update'])}\times{w['candidate']} + {w['update']}\times{w['hidden_prev']} = {v['hidden']:.3f} && \text{{{L['hidden']}}}
\end{{aligned}}""")
    else:
        st.latex(rf"h_t = \tanh(\underbrace{{W_{{ih}}x_t + b_{{ih}} + W_{{hh}}h_{{t-1}} + b_{{hh}}}}_{{\text{{{tr('gates.eq.preact')}}}}}) = "
                 rf"\tanh({v['preact']:.3f}) = {v['hidden']:.3f}")
        st.caption(tr("gates.eq.vanilla"))

    # ------------------------------------------------------------------ 4. memory held
    if tcfg.task in G.RECALL_TASKS:
        st.header(tr("gates.held.header", n=N["held"]), divider="gray")
        mem = G.memory_unit(model, tcfg)
        state_name = tr(f"gates.gate.{G.STATE[kind_now]}")
        sym_col = tr("gates.held.symbol")
        at = G.replace_step(tcfg) if tcfg.task == "replace" else None
        units = G.memory_units(model, tcfg)[0]
        traces = G.memory_traces(model, tcfg, units).rename(columns={"symbol": sym_col})
        show(charts.memory_lines(traces, tr("gates.held.title", state=state_name, units=SEP.join(map(str, units))),
                                 tr("gates.heat.t"), state_name, sym_col, at, tr("gates.held.second") if at else "",
                                 tr("gates.numbers.unit_label", unit="{unit}")))
        sep = G.separation(model, tcfg, units)
        held = "held" if G.memory_held(sep, tcfg) else "lost"
        st.markdown(tr(f"gates.held.{held}_{tcfg.task}", unit=mem, units=SEP.join(map(str, units)), state=state_name,
                      lowest=sep["lowest"], cue=sep["at_cue"], kind=kind_now, chance=G.chance(tcfg)))

    # ------------------------------------------------------------------ 5. in numbers
    if kind_now != "RNN":
        st.header(tr("gates.numbers.header", n=N["numbers"]), divider="gray")
        sat = gate_names(G.saturation(frame)).replace({"range": {"between": tr("gates.gate.between")}})
        c1, c2 = st.columns(2)
        show(charts.saturation_bars(sat), c1)
        if tcfg.task in G.RECALL_TASKS:
            keep = G.KEEP[kind_now]
            at = G.replace_step(tcfg) if tcfg.task == "replace" else None
            units = G.memory_units(model, tcfg)[0]
            gate_rows = G.keep_gate_frame(model, tcfg, units, at=at)
            unit_col = tr("gates.numbers.unit")
            named = gate_rows.assign(**{unit_col: gate_rows["unit"].map(lambda u: tr("gates.numbers.unit_label", unit=u))})
            gate_word = tr(f"gates.eq.{keep}")
            spread = G.keep_gate_spread(gate_rows, keep)
            low = G.keep_axis_low(spread)  # lines all near 1: the axis starts higher so each stays visible
            chart = charts.line(named, "t", keep, tr("gates.numbers.keep_title", gate=gate_word), tr("gates.heat.t"),
                                tr(f"gates.numbers.{keep}_axis"), color=unit_col, dash=unit_col, points=True,
                                y_domain=(low, 1), x_domain=(1, int(gate_rows["t"].max())), x_whole=True)
            show(charts.with_rule(chart, at, tr("gates.held.second")) if at else chart, c2)
            close = spread["spread"] < G.OVERLAP  # closer than a few pixels of a 0..1 axis
            if close or low > 0:  # say so, and that the axis does not start at 0
                key = "overlap_zoomed" if close and low > 0 else "overlap" if close else "zoomed"
                c2.caption(tr(f"gates.numbers.{key}", units=SEP.join(map(str, units)), gate=gate_word, low=low,
                             **spread))
            learnt = G.keep_gate_learnt(model, tcfg, units)
            bias = "b_f" if kind_now == "LSTM" else "b_z"
            c2.markdown(tr(f"gates.numbers.learnt_{G.keep_verdict(learnt)}", units=SEP.join(map(str, units)),
                          gate=gate_word, bias=bias, b=tcfg.forget_bias if kind_now == "LSTM" else tcfg.update_bias,
                          **learnt))
            if tcfg.task == "replace":
                drop = G.keep_gate_drop(model, tcfg, units)
                dropped = "dropped" if drop["at_replace"] < drop["elsewhere"] - G.DROP else "no_drop"
                c2.markdown(tr(f"gates.numbers.{dropped}", gate=gate_word, diff=drop["elsewhere"] - drop["at_replace"],
                              **drop))

# ------------------------------------------------------------------ last: RNN vs LSTM vs GRU
st.header(tr("gates.sweep.header", n=N["sweep"]), divider="gray")
st.markdown(tr("gates.sweep.intro", chance=1 / G.GateConfig.symbols))
c = st.columns([2, 1])
gaps = c[0].multiselect(tr("gates.sweep.gaps"), [5, 10, 20, 50, 100], [5, 20, 50], key="gates_gaps", bind="query-params")
go = c[1].button(tr("gates.sweep.go"), key="gates_sweep_go", type="primary",
                 disabled=not gaps or bool(problem))
sweep_cfg = (cfg, tuple(sorted(gaps)))
if go:
    rows = []
    bar = st.progress(0.0, text=tr("gates.sweep.training"))
    total = len(gaps) * len(G.KINDS)
    for k, row in enumerate(G.gap_sweep(cfg, G.KINDS, tuple(sorted(gaps))), start=1):
        rows.append(row)
        bar.progress(k / total, text=tr("gates.sweep.progress", kind=row["kind"], gap=row["gap"],
                                       accuracy=row["accuracy"], k=k, total=total))
    bar.empty()
    st.session_state["gates_sweep"] = (sweep_cfg, pd.DataFrame(rows))
DEFAULT_GAPS = (5, 20, 50)
SWEEP_DEFAULT = G.GateConfig()  # one setting: the comparison shown is section 1's defaults at these gaps


def sweep_view(df: pd.DataFrame, base: G.GateConfig, done: bool) -> None:
    kind_col = tr("gates.sweep.kind")
    chance = G.chance(base)
    show(charts.sweep_chart(df.rename(columns={"kind": kind_col}), tr("gates.sweep.title"), tr("gates.sweep.x"),
                            tr("gates.sweep.y"), kind_col, chance, tr("gates.train.chance_rule", chance=chance)))
    table = df.pivot(index="gap", columns="kind", values="accuracy")
    table = table.rename_axis(index=tr("gates.sweep.gap"), columns=kind_col)
    st.table(table.style.format("{:.0%}", na_rep="…"))
    if not done:
        return
    lesson = G.sweep_lesson(df, base)
    if lesson["coincide"]:
        st.caption(tr("gates.sweep.coincide", gaps=SEP.join(map(str, lesson["coincide"]))))
    st.markdown(tr(f"gates.sweep.verdict_{lesson['verdict']}", **lesson, hidden=base.hidden_size, steps=base.steps,
                  ub=base.update_bias, seconds=float(df["seconds"].sum())))


mine = st.session_state.get("gates_sweep")
if mine is not None:
    if mine[0] != sweep_cfg:
        st.info(tr("gates.sweep.earlier"))
    sweep_view(mine[1], mine[0][0], True)
else:
    st.caption(tr("gates.sweep.until", gaps=SEP.join(map(str, DEFAULT_GAPS)), hidden=SWEEP_DEFAULT.hidden_size,
                 steps=SWEEP_DEFAULT.steps, gap=SWEEP_DEFAULT.gap))
    job = shared_job("gates-default-sweep", lambda stop: G.gap_sweep(SWEEP_DEFAULT, G.KINDS, DEFAULT_GAPS, stop))

    polling = not job.done

    @st.fragment(run_every=1.0 if polling else None)
    def default_sweep() -> None:
        if polling and job.done:
            st.rerun()  # once, to draw the final results without polling
        if job.error:
            st.error(tr("gates.sweep.failed", error=job.error))
        elif job.done:
            sweep_view(pd.DataFrame(job.rows), SWEEP_DEFAULT, True)
        else:
            total = len(DEFAULT_GAPS) * len(G.KINDS)
            st.progress(len(job.rows) / total, text=tr("gates.sweep.background", done=len(job.rows), total=total))
            if job.rows:
                sweep_view(pd.DataFrame(job.rows), SWEEP_DEFAULT, False)

    default_sweep()

share_link("pages.gates", LINK_NOTE)
exports({"gates_model": "gates"}, scripts={"gates_model.py": lambda: script(cfg)})
