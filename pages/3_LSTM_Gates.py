"""LSTM gates: forget, input and output gates of the learner's own trained model, the GRU's
update and reset gates, and why the vanilla RNN cannot remember. Widgets -> config ->
rnnviz -> charts."""

from dataclasses import replace

import pandas as pd
import streamlit as st

from rnnviz import charts
from rnnviz import gates as G
from rnnviz.ui import exports, live_training, page_setup, share_link, show
from rnnviz.ui.background import shared_job

LINK_NOTE = page_setup("pages.gates", ":material/tune:")
st.title("LSTM gates")
st.markdown("The textbook pictures say *the forget gate decides what to drop from the cell state, the "
            "input gate what to write, the output gate what to show*. Here they do it, with real values "
            "from a network you train on this page.")

# ------------------------------------------------------------------ 1. train
st.header("1. Train a model on a task that needs memory", divider="gray")
c = st.columns([3, 1, 1, 1])
task = c[0].radio("task", list(G.TASKS), captions=list(G.TASKS.values()), key="gates_task", bind="query-params")
kind = c[1].radio("model", list(G.KINDS), key="gates_kind", bind="query-params")
hidden = c[2].number_input("hidden size", 1, 128, G.GateConfig.hidden_size, key="gates_hidden", bind="query-params")
seed = c[3].number_input("seed", 0, 10_000, 0, key="gates_seed", bind="query-params")
c = st.columns(4)
gap = c[0].number_input("gap T (memory)", 1, 10_000, G.GateConfig.gap, key="gates_gap", bind="query-params",
                        help=f"Distractors between the symbol and the recall cue (at most {G.MAX_GAP}).",
                        disabled=task != "memory")
length = c[1].number_input("string length (counting)", 1, 200, G.GateConfig.length, key="gates_length", bind="query-params",
                           disabled=task != "counting")
steps = c[2].number_input("steps (at most)", 1, 5000, G.GateConfig.steps, key="gates_steps", bind="query-params",
                          help="Training stops earlier once the held-out accuracy reaches 99.5 %.")
fbias = c[3].number_input("LSTM forget-gate bias", -5.0, 10.0, G.GateConfig.forget_bias, 0.5, key="gates_fb", bind="query-params",
                          disabled=kind != "LSTM", help="b_f = 4 starts f near 1: the cell keeps what it holds.")
cfg = G.GateConfig(task=task, kind=kind, gap=int(gap), length=int(length), hidden_size=int(hidden),
                   steps=int(steps), forget_bias=float(fbias), seed=int(seed))
score = G.score_name(cfg)


def render(state) -> None:
    rows = [{"step": s.step, score: s.info[score]} for s in state.history if score in s.info]
    if rows:
        show(charts.line(pd.DataFrame(rows), "step", score, f"Held-out {score} while training", "step", score,
                         log_y=score == "MSE", points=True))


problem = G.problem(cfg)
if problem:
    st.error(problem, icon=":material/error:")
    state = st.session_state.get("gates__run")
    if state is not None:
        st.info("Showing the last model trained with valid settings.", icon=":material/info:")
else:
    state = live_training("gates", cfg, G.build, render, f"the {kind} on the {task} task",
                          default=G.GateConfig())
if state is not None and state.last is not None and "done" in state.last.info:
    st.success(f"Step {state.last.step}: {state.last.info['done']}.", icon=":material/check_circle:")
if state is not None and state.last is not None and state.config.task == "memory":
    st.caption(f"Chance is {G.chance(state.config):.0%}: a model that forgot the symbol guesses one of "
               f"{state.config.symbols}.")

if state is not None and state.history:
    tcfg, model = state.config, state.model
    kind_now = tcfg.kind
    # ------------------------------------------------------------------ 2. heatmaps
    st.header("2. Every gate, every unit, every step", divider="gray")
    c = st.columns([1, 3])
    index = c[0].number_input("example sequence", 0, 99, 0, key="gates_example", bind="query-params",
                              help="Another held-out sequence to look at.")
    ex = G.example(tcfg, int(index))
    frame = G.gate_frame(model, ex)
    T, H = int(frame["t"].max()), int(frame["unit"].max())
    c[1].markdown(f"Input above, then one heatmap per gate and state (time × unit). **Click a cell** to "
                  f"pick its unit: its lines appear below. Diff between these hand-written equations and "
                  f"`nn.{kind_now}` on this sequence: **{G.proof(model, ex):.1e}**.")

    def picked() -> None:
        sel = st.session_state["gates_heat"].selection.get(charts.UNIT_PICK) or []
        if sel and "unit" in sel[0]:
            st.session_state["gates_unit"] = int(sel[0]["unit"])

    if st.session_state.get("gates_unit", 1) > H:
        st.session_state["gates_unit"] = 1
    show(charts.gate_panels(frame, width=min(900, max(320, 14 * T))), on_select=picked, key="gates_heat",
         selection_mode=charts.UNIT_PICK)
    c = st.columns([1, 1, 3])
    unit = c[0].number_input("unit", 1, H, key="gates_unit", bind="query-params", help="Or click a cell in the heatmaps.")
    t = c[1].number_input("time step t", 1, T, min(T, 2), key="gates_t", bind="query-params")
    show(charts.unit_lines(frame, int(unit)))

    # ------------------------------------------------------------------ 3. equations
    st.header("3. The equations at one step, with their values", divider="gray")
    v = G.step_values(frame, int(t), int(unit))
    st.markdown(f"Unit **{unit}** at step **t = {t}** (input `{ex.tokens[0][int(t) - 1]}`):")
    if kind_now == "LSTM":
        st.latex(rf"""\begin{{aligned}}
f_t &= \sigma(W_{{if}}x_t + b_{{if}} + W_{{hf}}h_{{t-1}} + b_{{hf}}) = {v['forget']:.3f} && \text{{forget gate}}\\
i_t &= \sigma(W_{{ii}}x_t + b_{{ii}} + W_{{hi}}h_{{t-1}} + b_{{hi}}) = {v['input']:.3f} && \text{{input gate}}\\
g_t &= \tanh(W_{{ig}}x_t + b_{{ig}} + W_{{hg}}h_{{t-1}} + b_{{hg}}) = {v['candidate']:.3f} && \text{{candidate}}\\
o_t &= \sigma(W_{{io}}x_t + b_{{io}} + W_{{ho}}h_{{t-1}} + b_{{ho}}) = {v['output']:.3f} && \text{{output gate}}\\
c_t &= f_t \odot c_{{t-1}} + i_t \odot g_t = {v['forget']:.3f}\times{v['cell_prev']:.3f} + {v['input']:.3f}\times{v['candidate']:.3f} = {v['cell']:.3f} && \text{{cell}}\\
h_t &= o_t \odot \tanh(c_t) = {v['output']:.3f}\times\tanh({v['cell']:.3f}) = {v['hidden']:.3f} && \text{{hidden}}
\end{{aligned}}""")
    elif kind_now == "GRU":
        st.latex(rf"""\begin{{aligned}}
r_t &= \sigma(W_{{ir}}x_t + b_{{ir}} + W_{{hr}}h_{{t-1}} + b_{{hr}}) = {v['reset']:.3f} && \text{{reset gate}}\\
z_t &= \sigma(W_{{iz}}x_t + b_{{iz}} + W_{{hz}}h_{{t-1}} + b_{{hz}}) = {v['update']:.3f} && \text{{update gate}}\\
n_t &= \tanh(W_{{in}}x_t + b_{{in}} + r_t \odot (W_{{hn}}h_{{t-1}} + b_{{hn}})) = {v['candidate']:.3f} && \text{{candidate}}\\
h_t &= (1 - z_t) \odot n_t + z_t \odot h_{{t-1}} = {1 - v['update']:.3f}\times{v['candidate']:.3f} + {v['update']:.3f}\times{v['hidden_prev']:.3f} = {v['hidden']:.3f} && \text{{hidden}}
\end{{aligned}}""")
    else:
        st.latex(rf"h_t = \tanh(W_{{ih}}x_t + b_{{ih}} + W_{{hh}}h_{{t-1}} + b_{{hh}}) = "
                 rf"\tanh({v['preact']:.3f}) = {v['hidden']:.3f}")
        st.caption("A vanilla RNN has no gates: its whole memory is h_t, rewritten at every step.")

    # ------------------------------------------------------------------ 4. in numbers
    if kind_now != "RNN":
        st.header("4. What the gates are doing, in numbers", divider="gray")
        sat = G.saturation(frame)
        c1, c2 = st.columns(2)
        show(charts.saturation_bars(sat), c1)
        if tcfg.task == "memory" and kind_now == "LSTM":
            units, forget = G.memory_units(model, tcfg)
            gap_rows = forget[(forget["t"] > 1) & (forget["t"] <= tcfg.gap + 1)]
            show(charts.line(forget.assign(unit=forget["unit"].map(lambda u: f"unit {u}")), "t", "forget",
                             "Forget gate of the memory units (mean of 256 sequences)",
                             "time step t", "forget gate f_t", color="unit"), c2)
            c2.markdown(f"{'Units' if len(units) > 1 else 'Unit'} **{', '.join(map(str, units))}** "
                        f"{'carry' if len(units) > 1 else 'carries'} the symbol (their cell state at the cue "
                        f"separates the symbols best). Across the gap their forget gate averages "
                        f"**{gap_rows['forget'].mean():.3f}** (lowest {gap_rows['forget'].min():.3f}): "
                        "the cell is kept, step after step.")

# ------------------------------------------------------------------ 5. RNN vs LSTM vs GRU
st.header("5. RNN vs LSTM vs GRU on long dependencies", divider="gray")
st.markdown("The memory task at growing gaps, each model trained from the same seed with the settings "
            "above (hidden size, steps, forget bias). A model that cannot carry the symbol across the "
            f"gap falls to chance ({1 / G.GateConfig.symbols:.0%}).")
c = st.columns([2, 1])
gaps = c[0].multiselect("gaps", [5, 10, 20, 50, 100], [5, 20, 50], key="gates_gaps", bind="query-params")
go = c[1].button("Train all three at these gaps", key="gates_sweep_go", type="primary",
                 disabled=not gaps or bool(problem))
sweep_cfg = (cfg, tuple(sorted(gaps)))
if go:
    rows = []
    bar = st.progress(0.0, text="Training…")
    total = len(gaps) * len(G.KINDS)
    for k, row in enumerate(G.gap_sweep(cfg, G.KINDS, tuple(sorted(gaps))), start=1):
        rows.append(row)
        bar.progress(k / total, text=f"Trained {row['kind']} at gap {row['gap']}: accuracy {row['accuracy']:.0%} "
                                     f"({k} of {total})")
    bar.empty()
    st.session_state["gates_sweep"] = (sweep_cfg, pd.DataFrame(rows))
DEFAULT_GAPS = (5, 20, 50)
# the comparison's default: room enough (64 units, 600 steps) that a model at chance has had its chance
SWEEP_DEFAULT = replace(G.GateConfig(), hidden_size=64, steps=600)


def sweep_view(df: pd.DataFrame) -> None:
    show(charts.line(df, "gap", "accuracy", "Recall accuracy vs gap", "gap T (steps between symbol and cue)",
                     "held-out accuracy", color="kind", points=True, y_domain=(0, 1)))
    st.table(df.pivot(index="gap", columns="kind", values="accuracy").style.format("{:.0%}", na_rep="…"))


mine = st.session_state.get("gates_sweep")
if mine is not None:
    if mine[0] != sweep_cfg:
        st.info("These results are from earlier settings; press the button to train with the current ones.")
    sweep_view(mine[1])
else:
    st.caption(f"Until you press the button: gaps {', '.join(map(str, DEFAULT_GAPS))} with hidden size "
               f"{SWEEP_DEFAULT.hidden_size} and up to {SWEEP_DEFAULT.steps} steps, trained once on this server "
               "in the background.")
    job = shared_job("gates-default-sweep", lambda stop: G.gap_sweep(SWEEP_DEFAULT, G.KINDS, DEFAULT_GAPS, stop))

    polling = not job.done

    @st.fragment(run_every=1.0 if polling else None)
    def default_sweep() -> None:
        if polling and job.done:
            st.rerun()  # once, to draw the final results without polling
        if job.error:
            st.error(f"The background comparison failed: {job.error}")
        elif job.done:
            sweep_view(pd.DataFrame(job.rows))
        else:
            total = len(DEFAULT_GAPS) * len(G.KINDS)
            st.progress(len(job.rows) / total, text=f"Training the default comparison in the background: "
                                                     f"{len(job.rows)} of {total} models done")
            if job.rows:
                sweep_view(pd.DataFrame(job.rows))

    default_sweep()

share_link("pages.gates", LINK_NOTE)
exports({"gates_model": "gates"})
