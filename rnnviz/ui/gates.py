"""The LSTM gates page's longer Streamlit pieces, in the order the page calls them: section 1's
settings and its training chart, section 2's heatmaps and one unit's lines, section 3's
equations, section 4's memory chart, section 5's keep-gate chart, and the comparison.

The numbers and verdicts come from rnnviz.gates; here they are drawn and said (tr) in the
learner's language. A new widget or chart of the page goes here when it would make the page
long; its words in rnnviz/locales/{en,zh}.gates.toml.
"""

from __future__ import annotations

import time

import altair as alt
import pandas as pd
import streamlit as st

from rnnviz import charts, gates, interventions
from rnnviz.i18n import tr, words
from rnnviz.ui import TrainState, choice, fragment, show
from rnnviz.ui import checkpoint as checkpoint_ui
from rnnviz.ui.background import shared_job

EQ_NAMES = ("forget", "input", "output", "candidate", "cell", "hidden", "reset", "update")  # gates.eq.*


# ---------------------------------------------------------------- 1. train


def train_settings() -> gates.GateConfig:
    """Section 1's widgets: the task, the cell type and their knobs, as a GateConfig."""
    default = gates.GateConfig
    c = st.columns([3, 1, 1, 1])
    task = choice(c[0].radio, tr("gates.train.task"), list(gates.TASKS), key="gates_task",
                  labels={k: tr(f"gates.task.{k}") for k in gates.TASKS},
                  captions=[tr(f"gates.task_caption.{k}") for k in gates.TASKS])
    kind = c[1].radio(tr("gates.train.model"), list(gates.CELL_TYPES), key="gates_kind", bind="query-params")
    hidden = c[2].number_input(tr("gates.train.hidden"), 1, 128, default.hidden_size, key="gates_hidden",
                               bind="query-params")
    seed = c[3].number_input(tr("gates.train.seed"), 0, 10_000, default.seed, key="gates_seed", bind="query-params")
    c = st.columns(5)
    gap = c[0].number_input(tr("gates.train.gap"), 1, 10_000, default.gap, key="gates_gap", bind="query-params",
                            help=tr("gates.train.gap_help", max_gap=gates.MAX_GAP),
                            disabled=task not in gates.RECALL_TASKS)
    length = c[1].number_input(tr("gates.train.length"), 1, 200, default.length, key="gates_length",
                               bind="query-params", disabled=task != "counting")
    steps = c[2].number_input(tr("gates.train.steps"), 1, 5000, default.steps, key="gates_steps", bind="query-params",
                              help=tr("gates.train.steps_help"))
    forget_bias = c[3].number_input(tr("gates.train.forget_bias"), -5.0, 10.0, default.forget_bias, 0.5, key="gates_fb",
                                    bind="query-params", disabled=kind != "LSTM",
                                    help=tr("gates.train.forget_bias_help"))
    update_bias = c[4].number_input(tr("gates.train.update_bias"), -5.0, 10.0, default.update_bias, 0.5, key="gates_ub",
                                    bind="query-params", disabled=kind != "GRU",
                                    help=tr("gates.train.update_bias_help"))
    return gates.GateConfig(task=task, kind=kind, gap=int(gap), length=int(length), hidden_size=int(hidden),
                            steps=int(steps), forget_bias=float(forget_bias), update_bias=float(update_bias),
                            seed=int(seed))


def training_chart(state: TrainState) -> None:
    """The held-out score while training (live_training's render callback)."""
    cfg, score = state.config, gates.score_name(state.config)
    rows = gates.score_frame(state.history, cfg)
    if rows.empty:
        return
    name = tr(f"gates.score.{score}")
    chart = charts.line(rows, "step", score, tr("gates.train.chart_title", score=name), tr("gates.train.step"), name,
                        log_y=score == "MSE", points=True)
    if score == "accuracy" and cfg.task in gates.RECALL_TASKS:  # the full 0..1 axis, chance drawn:
        chance = gates.chance(cfg)  # noise around chance must not look like progress
        chart = charts.with_chance(chart, chance, tr("gates.train.chance_rule", chance=chance))
    elif score == "accuracy":  # counting: the full 0..1 axis, no "chance 0 %" (guessing is not 0 here)
        chart.encoding.y.scale, chart.encoding.y.axis = alt.Scale(domain=[0, 1]), alt.Axis(format="%")
    show(chart)


# ---------------------------------------------------------------- 2. every gate, every unit, every step


def _picked() -> None:
    """A click on a heatmap cell: show its unit."""
    selected = st.session_state["gates_heat"].selection.get(charts.UNIT_PICK) or []
    if selected and "unit" in selected[0]:
        st.session_state["gates_unit"] = int(selected[0]["unit"])


def follow_unit(state: TrainState, frame: pd.DataFrame) -> None:
    """A new run starts on unit 1: which unit holds the memory is checkpoint gates_2's question
    (section "memory held"). Once its answer is revealed the box moves to that unit (the best of
    gates.hold_ranking, the chart's first), unless the learner or a link chose another or no
    unit holds the symbol."""
    H = int(frame["unit"].max())
    if st.session_state.get("_gates_unit_run") is not state:
        st.session_state["_gates_unit_run"] = state
        st.session_state["_gates_unit_moved"] = False
        if "gates_unit" not in st.query_params or st.session_state.get("gates_unit", 1) > H:
            st.session_state["gates_unit"] = 1
    if not st.session_state["_gates_unit_moved"] and checkpoint_ui.revealed("gates_2", state.config):
        st.session_state["_gates_unit_moved"] = True
        unit = gates.memory_unit(state.model, state.config)  # None: no unit holds the symbol, the box stays
        if st.session_state.get("gates_unit", 1) == 1 and unit is not None:
            st.session_state["gates_unit"] = unit
    if st.session_state.get("gates_unit", 1) > H:
        st.session_state["gates_unit"] = 1


def heatmaps(state: TrainState, frame: pd.DataFrame, title: str) -> None:
    """The input above one heatmap per gate and state; a click picks a unit."""
    T = int(frame["t"].max())
    names = frame["gate"].unique()
    panels = charts.gate_panels(frame, dict(zip(names, words(names, "gates.gate"))), tr("gates.heat.input"),
                                tr("charts.time_step"), tr("charts.unit"), width=min(900, max(320, 14 * T)))
    # its CSV: every gate and state, not only the first panel's input
    show(panels, on_select=_picked, key="gates_heat", selection_mode=charts.UNIT_PICK, title=title)


def unit_chart(frame: pd.DataFrame, unit: int, kind: str) -> alt.VConcatChart:
    """One unit's gates and states over time, one panel per range of values."""
    gated = "rnn" if kind == "RNN" else "gated"
    names = frame["gate"].unique()
    return charts.unit_lines(frame, unit, tr(f"gates.lines.title_{gated}", unit=unit), tr("gates.heat.t"),
                             tr(f"gates.lines.legend_{gated}"), dict(zip(names, words(names, "gates.gate"))),
                             {k: tr(f"gates.lines.y_{k}") for k in ("gates", "preact", "bounded", "cell")})


# ---------------------------------------------------------------- 3. the equations


def _operand(x: float) -> str:
    """A value inside an equation: 3 decimals, a negative one in parentheses, 0.3 × (−1.2)."""
    return f"{x:.3f}" if x >= 0 else f"({x:.3f})"


def equations(kind: str, v: dict[str, float] | None) -> None:
    """The cell's equations at one step with their values v (gates.step_values); v None: the
    equations alone (their values would answer a checkpoint not yet answered)."""
    if v is None:
        return _bare_equations(kind)
    w = {k: _operand(x) for k, x in v.items()}  # as operands: negative values in parentheses
    L = dict(zip(EQ_NAMES, words(EQ_NAMES, "gates.eq")))
    if kind == "LSTM":
        st.latex(rf"""\begin{{aligned}}
f_t &= \sigma(W_{{if}}x_t + b_{{if}} + W_{{hf}}h_{{t-1}} + b_{{hf}}) = {v['forget']:.3f} && \text{{{L['forget']}}}\\
i_t &= \sigma(W_{{ii}}x_t + b_{{ii}} + W_{{hi}}h_{{t-1}} + b_{{hi}}) = {v['input']:.3f} && \text{{{L['input']}}}\\
\tilde{{C}}_t &= \tanh(W_{{ig}}x_t + b_{{ig}} + W_{{hg}}h_{{t-1}} + b_{{hg}}) = {v['candidate']:.3f} && \text{{{L['candidate']}}}\\
o_t &= \sigma(W_{{io}}x_t + b_{{io}} + W_{{ho}}h_{{t-1}} + b_{{ho}}) = {v['output']:.3f} && \text{{{L['output']}}}\\
C_t &= f_t \odot C_{{t-1}} + i_t \odot \tilde{{C}}_t = {w['forget']}\times{w['cell_prev']} + {w['input']}\times{w['candidate']} = {v['cell']:.3f} && \text{{{L['cell']}}}\\
h_t &= o_t \odot \tanh(C_t) = {w['output']}\times\tanh({v['cell']:.3f}) = {v['hidden']:.3f} && \text{{{L['hidden']}}}
\end{{aligned}}""")
        st.caption(tr("gates.eq.names_lstm"))
    elif kind == "GRU":
        st.latex(rf"""\begin{{aligned}}
r_t &= \sigma(W_{{ir}}x_t + b_{{ir}} + W_{{hr}}h_{{t-1}} + b_{{hr}}) = {v['reset']:.3f} && \text{{{L['reset']}}}\\
z_t &= \sigma(W_{{iz}}x_t + b_{{iz}} + W_{{hz}}h_{{t-1}} + b_{{hz}}) = {v['update']:.3f} && \text{{{L['update']}}}\\
n_t &= \tanh(W_{{in}}x_t + b_{{in}} + r_t \odot (W_{{hn}}h_{{t-1}} + b_{{hn}})) = {v['candidate']:.3f} && \text{{{L['candidate']}}}\\
h_t &= (1 - z_t) \odot n_t + z_t \odot h_{{t-1}} = {_operand(1 - v['update'])}\times{w['candidate']} + {w['update']}\times{w['hidden_prev']} = {v['hidden']:.3f} && \text{{{L['hidden']}}}
\end{{aligned}}""")
    else:
        st.latex(rf"h_t = \tanh(\underbrace{{W_{{ih}}x_t + b_{{ih}} + W_{{hh}}h_{{t-1}} + b_{{hh}}}}_{{\text{{{tr('gates.eq.preact')}}}}}) = "
                 rf"\tanh({v['preact']:.3f}) = {v['hidden']:.3f}")
        st.caption(tr("gates.eq.vanilla"))


def _bare_equations(kind: str) -> None:
    """The cell's equations without values (the same lines as equations())."""
    L = dict(zip(EQ_NAMES, words(EQ_NAMES, "gates.eq")))
    if kind == "LSTM":
        st.latex(rf"""\begin{{aligned}}
f_t &= \sigma(W_{{if}}x_t + b_{{if}} + W_{{hf}}h_{{t-1}} + b_{{hf}}) && \text{{{L['forget']}}}\\
i_t &= \sigma(W_{{ii}}x_t + b_{{ii}} + W_{{hi}}h_{{t-1}} + b_{{hi}}) && \text{{{L['input']}}}\\
\tilde{{C}}_t &= \tanh(W_{{ig}}x_t + b_{{ig}} + W_{{hg}}h_{{t-1}} + b_{{hg}}) && \text{{{L['candidate']}}}\\
o_t &= \sigma(W_{{io}}x_t + b_{{io}} + W_{{ho}}h_{{t-1}} + b_{{ho}}) && \text{{{L['output']}}}\\
C_t &= f_t \odot C_{{t-1}} + i_t \odot \tilde{{C}}_t && \text{{{L['cell']}}}\\
h_t &= o_t \odot \tanh(C_t) && \text{{{L['hidden']}}}
\end{{aligned}}""")
        st.caption(tr("gates.eq.names_lstm"))
    else:
        st.latex(rf"""\begin{{aligned}}
r_t &= \sigma(W_{{ir}}x_t + b_{{ir}} + W_{{hr}}h_{{t-1}} + b_{{hr}}) && \text{{{L['reset']}}}\\
z_t &= \sigma(W_{{iz}}x_t + b_{{iz}} + W_{{hz}}h_{{t-1}} + b_{{hz}}) && \text{{{L['update']}}}\\
n_t &= \tanh(W_{{in}}x_t + b_{{in}} + r_t \odot (W_{{hn}}h_{{t-1}} + b_{{hn}})) && \text{{{L['candidate']}}}\\
h_t &= (1 - z_t) \odot n_t + z_t \odot h_{{t-1}} && \text{{{L['hidden']}}}
\end{{aligned}}""")


# ---------------------------------------------------------------- 4. memory held, 5. in numbers


def memory_chart(model: gates.GateNet, cfg: gates.GateConfig, units: list[int]) -> None:
    """The memory units' state in held-out sequences, one line each, coloured by the symbol to recall."""
    memory, symbol = tr(f"gates.gate.{gates.STATE[cfg.kind]}"), tr("gates.held.symbol")
    at = gates.replace_step(cfg) if cfg.task == "replace" else None
    traces = gates.memory_traces(model, cfg, units).rename(columns={"symbol": symbol})
    title = "gates.held.title" if gates.memory_unit(model, cfg) is not None else "gates.held.title_none"  # gates_2's none
    show(charts.memory_lines(traces, tr(title, state=memory, units=gates.Listing(units)), tr("gates.heat.t"),
                             memory, symbol, at, tr("gates.held.second") if at else "",
                             tr("gates.numbers.unit_label", unit="{unit}")))


def keep_gate_chart(model: gates.GateNet, cfg: gates.GateConfig, units: list[int], where) -> None:
    """The memory units' keep gate over time (mean of the probe sequences), its axis said when zoomed."""
    keep, at = gates.KEEP[cfg.kind], gates.replace_step(cfg) if cfg.task == "replace" else None
    rows = gates.keep_gate_frame(model, cfg, units, at=at)
    unit = tr("gates.numbers.unit")
    named = rows.assign(**{unit: rows["unit"].map(lambda u: tr("gates.numbers.unit_label", unit=u))})
    spread = gates.keep_gate_spread(rows, keep)
    low = gates.keep_axis_low(spread)  # lines all near 1: the axis starts higher so each stays visible
    chart = charts.line(named, "t", keep, tr("gates.numbers.keep_title", gate=tr(f"gates.eq.{keep}")),
                        tr("gates.heat.t"), tr(f"gates.numbers.{keep}_axis"), color=unit, dash=unit, points=True,
                        y_domain=(low, 1), x_domain=(1, int(rows["t"].max())), x_whole=True)
    show(charts.with_rule(chart, at, tr("gates.held.second")) if at else chart, where)
    if note := gates.keep_axis_note(spread, low, units, keep):
        where.caption(str(note))


# ---------------------------------------------------------------- last: RNN vs LSTM vs GRU


def train_sweep(cfg: gates.GateConfig, gaps: tuple[int, ...]) -> gates.Sweep:
    """Train every cell type at these gaps with cfg's settings, a progress bar saying which."""
    rows, total = [], len(gaps) * len(gates.CELL_TYPES)
    bar = st.progress(0.0, text=tr("gates.sweep.training"))
    for k, row in enumerate(gates.gap_sweep(cfg, gates.CELL_TYPES, gaps), start=1):
        rows.append(row)
        bar.progress(k / total, text=tr("gates.sweep.progress", kind=row.kind, gap=row.gap, accuracy=row.accuracy,
                                        k=k, total=total))
    bar.empty()
    return gates.Sweep(cfg, gaps, tuple(rows))


def sweep_view(rows: pd.DataFrame, base: gates.GateConfig, done: bool) -> None:
    """The comparison's chart and table; once done, what it shows."""
    kind, chance = tr("gates.sweep.kind"), gates.chance(base)
    show(charts.sweep_chart(rows.rename(columns={"kind": kind}), tr("gates.sweep.title"), tr("gates.sweep.x"),
                            tr("gates.sweep.y"), kind, chance, tr("gates.train.chance_rule", chance=chance)))
    table = gates.sweep_table(rows).rename_axis(index=tr("gates.sweep.gap"), columns=kind)
    st.table(table.style.format("{:.0%}", na_rep="…"))
    if done:
        lesson = gates.sweep_lesson(rows, base)
        if note := gates.coincide_note(lesson):
            st.caption(str(note))
        st.markdown(str(gates.sweep_verdict(lesson, rows, base)))


def _default_job():
    """The comparison of section 1's defaults at the default gaps, one per server, in the background."""
    base = gates.GateConfig()  # one setting: the comparison shown is section 1's defaults at these gaps
    return shared_job("gates-default-sweep", lambda stop: gates.gap_sweep(base, gates.CELL_TYPES, gates.DEFAULT_GAPS,
                                                                           stop))


def default_sweep() -> None:
    """Section 1's defaults at the default gaps, trained once per server in the background;
    its rows drawn as they arrive."""
    base, job = gates.GateConfig(), _default_job()
    polling = not job.done

    @fragment(run_every=1.0 if polling else None)
    def rows_so_far() -> None:
        if polling and job.done:
            st.rerun()  # once, to draw the final results without polling
        if job.error:
            st.error(tr("gates.sweep.failed", error=job.error))
        elif job.done:
            sweep_view(gates.sweep_frame(job.rows), base, True)
        else:
            total = len(gates.DEFAULT_GAPS) * len(gates.CELL_TYPES)
            st.progress(len(job.rows) / total, text=tr("gates.sweep.background", done=len(job.rows), total=total))
            if job.rows:
                sweep_view(gates.sweep_frame(job.rows), base, False)

    rows_so_far()


# ---------------------------------------------------------------- checkpoints (rnnviz.ui.checkpoint)


def keep_gate_checkpoint(state: TrainState) -> bool:
    """gates_1, above the heatmaps: which gate keeps the memory. True when they may show
    (answered, shown, or a run the question does not fit: a plain RNN, a task without a gap)."""
    cfg, model = state.config, state.model
    if cfg.kind not in gates.KEEP or cfg.task not in gates.RECALL_TASKS:
        st.caption(tr("quiz.gates_1.skipped_rnn" if cfg.kind == "RNN" else "quiz.gates_1.skipped_task"))
        return True
    return checkpoint_ui.ask("gates_1", "gates", cfg, lambda: gates.keep_gate_reveal(model, cfg),
                             options=gates.KEEP_OPTIONS[cfg.kind])


def unit_checkpoint(state: TrainState) -> bool:
    """gates_2, above the memory units' chart: which unit holds the memory, or none (a pick among
    the top units the chart shows is right: the block compares one value, so the reveal gets the pick)."""
    cfg, model = state.config, state.model
    units = [str(u) for u in range(1, cfg.hidden_size + 1)]
    picked = lambda: st.session_state.get("quiz_gates_2")  # "3", "none" or None (shown without an answer)
    return checkpoint_ui.ask("gates_2", "gates", cfg, lambda: gates.unit_reveal(model, cfg, picked()),
                             options=units + ["none"], labels={u: u for u in units} | {"none": tr("quiz.gates_2.o.none")})


def bias_checkpoint(state: TrainState) -> None:
    """gates_3, in section 5 (an LSTM): why the forget gate's bias starts high; the reveal trains
    an LSTM with b_f = 0 at gap 50 (a few seconds, once per process)."""
    cfg = state.config
    if cfg.kind == "LSTM":
        checkpoint_ui.ask("gates_3", "gates", cfg, lambda: _trained_for(lambda: gates.bias_reveal(cfg)),
                          options=("solves", "fails"))


def _trained_for(reveal):
    with st.spinner(tr("quiz.gates_3.training")):
        return reveal()


def sweep_checkpoint(mine: gates.Sweep | None) -> bool:
    """gates_4, above the comparison: will the plain RNN solve gap 50? Answered from the
    learner's own comparison when it has that gap, else from the default one (waiting for its
    background training to finish). True when the comparison may show."""
    if mine is not None and gates.rnn_gap_reveal(mine.frame) is not None:
        run, rows, source = (mine.config, mine.gaps), lambda: mine.frame, "mine"
    else:
        job = _default_job()
        if job.error:
            return True
        run, rows, source = "default", lambda: gates.sweep_frame(_finished(job)), "default"
    return checkpoint_ui.ask("gates_4", "gates", run, lambda: gates.rnn_gap_reveal(rows(), source=source),
                             options=("yes", "no"))


def _finished(job) -> list:
    """The background job's rows once it is done (a spinner while it trains)."""
    if not job.done:
        with st.spinner(tr("quiz.gates_4.wait")):
            while not job.done:
                time.sleep(0.2)
    return job.rows


# ---------------------------------------------------------------- interventions (rnnviz.interventions)


def _measured(state: TrainState) -> dict:
    """The run's gate means, untouched score and silencing ranking, computed once per trained model."""
    key = (id(state), len(state.history))
    cache = st.session_state.get("_gates_iv")
    if cache is None or cache["key"] != key:
        cache = {"key": key, "means": interventions.gate_means(state.model, state.config),
                 "base": interventions.baseline(state.model, state.config),
                 "ranking": interventions.silencing_ranking(state.model, state.config)}
        st.session_state["_gates_iv"] = cache
    return cache


def _follow_units(state: TrainState, memory: list[int], revealed: bool) -> None:
    """The units box starts on unit 1, or on the memory units once checkpoint gates_2 is answered
    (which units hold the memory is its question); a new run resets it, as follow_unit does."""
    H, key = state.config.hidden_size, "gates_iv_units"
    if st.session_state.get("_gates_iv_run") is not state:
        st.session_state["_gates_iv_run"], st.session_state["_gates_iv_moved"] = state, False
        st.session_state[key] = [1]
    if not st.session_state["_gates_iv_moved"] and revealed and memory:
        st.session_state["_gates_iv_moved"] = True
        if st.session_state.get(key) == [1]:
            st.session_state[key] = list(memory)
    st.session_state[key] = [u for u in st.session_state.get(key, [1]) if 1 <= u <= H]


def _set(iv: interventions.Intervention, name: str) -> None:
    """A suggested experiment's button: its settings into the knobs."""
    st.session_state.update({"gates_iv_target": iv.target, "gates_iv_units": list(iv.units),
                             "gates_iv_start": iv.start, "_gates_iv_exp": (name, iv)})
    if iv.target != "hidden":
        st.session_state["gates_iv_value"] = iv.value


def interventions_section(state: TrainState, example, frame: pd.DataFrame, index: int, n: dict[str, int]) -> None:
    """The interventions section: define the words, the knobs and the suggested experiments,
    the task re-measured beside the untouched model, the heatmaps of both runs, the ranking.
    A fragment: a knob redraws this section only (the model is already trained)."""
    cfg, model = state.config, state.model
    recall = cfg.task in gates.RECALL_TASKS
    memory = gates.memory_units(model, cfg).units if recall else []
    revealed = recall and checkpoint_ui.revealed("gates_2", cfg)
    st.markdown(tr("gates.intervene.define", n=gates.EVAL_SIZE))

    @fragment
    def section() -> None:
        cache = _measured(state)
        ranking = cache["ranking"]
        _follow_units(state, memory, revealed)
        targets, T = interventions.TARGETS[cfg.kind], int(frame["t"].max())
        if st.session_state.get("gates_iv_target") not in targets:
            st.session_state.pop("gates_iv_target", None)
        st.session_state.setdefault("gates_iv_start", min(T, interventions.AFTER_SYMBOL if recall else 1))
        st.session_state["gates_iv_start"] = min(int(st.session_state["gates_iv_start"]), T)
        c = st.columns([2, 2, 1, 1])
        target = choice(c[0].selectbox, tr("gates.intervene.target"), targets, key="gates_iv_target",
                        labels={k: tr(f"gates.intervene.targets.{k}") for k in targets})
        units = c[1].multiselect(tr("gates.intervene.units"), list(range(1, cfg.hidden_size + 1)), key="gates_iv_units",
                                 help=tr("gates.intervene.units_help"))
        value = choice(c[2].radio, tr("gates.intervene.value"), interventions.VALUES, key="gates_iv_value",
                       labels={k: tr(f"gates.intervene.values.{k}") for k in interventions.VALUES},
                       disabled=target == "hidden", horizontal=True, help=tr("gates.intervene.value_help"))
        start = int(c[3].number_input(tr("gates.intervene.start"), 1, T, key="gates_iv_start",
                                      help=tr("gates.intervene.start_help")))
        if recall and not revealed:
            st.caption(tr("gates.intervene.units_first", n=n["held"]))
        elif recall:
            st.caption(tr("gates.intervene.units_memory", units=gates.Listing(memory), n=n["held"]))
        else:
            st.caption(tr("gates.intervene.units_pick"))
        _experiments(cfg, memory if revealed else [int(ranking["unit"].iloc[0])], revealed)
        if not units:
            st.info(tr("gates.intervene.no_units"), icon=":material/info:")
            return
        iv = interventions.Intervention(target, tuple(units), value if target != "hidden" else "0", start)
        _effect(state, iv, cache, example, frame, index, n)
        _ranking_chart(state, ranking, units, memory if revealed else [], n)

    section()


def _experiments(cfg: gates.GateConfig, silence: list[int], revealed: bool) -> None:
    """The suggested experiments, one button each; the chosen one's expectation while it is set."""
    st.markdown(tr("gates.intervene.try"))
    names = interventions.experiments(cfg.kind)
    c = st.columns(len(names))
    gate = tr(f"gates.eq.{gates.KEEP[cfg.kind]}") if cfg.kind in gates.KEEP else ""
    for col, name in zip(c, names):
        iv = interventions.experiment(name, cfg.kind, cfg.hidden_size, tuple(silence))
        label = name if name != "silence" else ("silence_memory" if revealed else "silence_top")
        col.button(tr(f"gates.intervene.exp.{label}", gate=gate), key=f"gates_iv_exp_{name}", on_click=_set,
                   args=(iv, label), width="stretch")


def _effect(state: TrainState, iv, cache: dict, example, frame: pd.DataFrame, index: int, n: dict[str, int]) -> None:
    """The task with and without the intervention, what it did, and both runs' heatmaps."""
    cfg, model = state.config, state.model
    effect = interventions.measure(model, cfg, iv, cache["means"], cache["base"])
    shown = st.session_state.get("_gates_iv_exp")
    if shown is not None and shown[1] == iv:  # a suggested experiment, as set: what it should show
        gate = tr(f"gates.eq.{gates.KEEP[cfg.kind]}") if cfg.kind in gates.KEEP else ""
        st.markdown(tr(f"gates.intervene.exp.expect_{shown[0]}", gate=gate))
    fmt = (lambda v: f"{v:.1%}") if effect.score == "accuracy" else (lambda v: f"{v:.4f}")
    name = tr(f"gates.score.{effect.score}")
    c = st.columns(2)
    c[0].metric(f"{name}: {tr('gates.intervene.untouched')}", fmt(effect.before))
    c[1].metric(f"{name}: {tr('gates.intervene.intervened')}", fmt(effect.after),
                delta=fmt(effect.after - effect.before), delta_color="normal" if effect.score == "accuracy" else "inverse")
    st.markdown(str(interventions.result_note(cfg, iv, effect)))
    if note := interventions.state_note(cfg, iv, effect):
        st.caption(str(note))
    after = interventions.frame(model, example, iv, cache["means"])
    state_name = gates.STATE[cfg.kind]
    shown_gates = list(dict.fromkeys(([iv.target] if iv.target != "hidden" else []) + [state_name, "hidden"]))
    titles = {g: (tr("gates.intervene.pair_before", gate=tr(f"gates.gate.{g}")),
                  tr("gates.intervene.pair_after", gate=tr(f"gates.gate.{g}"))) for g in shown_gates}
    T = int(frame["t"].max())
    st.caption(tr("gates.intervene.pairs", index=index, heat=n["heat"], start=iv.start))
    show(charts.paired_panels(frame, after, shown_gates, titles, {g: tr(f"gates.gate.{g}") for g in shown_gates},
                              tr("gates.intervene.pairs_title"), tr("charts.time_step"), tr("charts.unit"),
                              tr("gates.heat.input"), width=min(900, max(320, 14 * T))))


def _ranking_chart(state: TrainState, ranking: pd.DataFrame, units: list[int], memory: list[int],
                   n: dict[str, int]) -> None:
    """What silencing each unit alone costs, the learner's units in red, and what it says."""
    cfg, score = state.config, gates.score_name(state.config)
    picked, other = tr("gates.intervene.ranking_picked"), tr("gates.intervene.ranking_other")
    rows = ranking.assign(group=[picked if u in units else other for u in ranking["unit"]])
    show(charts.cost_bars(rows, tr("gates.intervene.ranking_title"), tr("gates.intervene.ranking_x"),
                          tr(f"gates.intervene.ranking_y_{score}"), tr("gates.intervene.ranking_legend"),
                          (picked, other), score == "accuracy"))
    st.markdown(str(interventions.ranking_note(ranking, score)))
    if memory:
        cache = _measured(state)  # measured once per run and set of memory units
        if cache.get("memory_note", (None,))[0] != memory:
            cache["memory_note"] = (memory, interventions.memory_note(state.model, cfg, ranking, memory, n["held"]))
        st.markdown(str(cache["memory_note"][1]))
