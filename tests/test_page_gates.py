"""The LSTM gates page (pages/3_LSTM_Gates.py) through Streamlit's AppTest: it trains on
opening, draws every chart, writes the equations with the live values of the chosen unit and
step, and every control changes what a learner would notice; bad settings give a clear
message, keep the page alive and keep the last model.

The page is opened through the entry file and st.switch_page, as a learner arrives. Charts
are read from their Vega-Lite specs and datasets, the equations from the st.latex source,
and checked against the engine (rnnviz.gates) run on the model the page keeps in
session_state. The page's default comparison (section 5) trains in a server-wide background
thread (rnnviz.ui.background.shared_job); here that job is replaced by one whose rows the test
releases, so no test depends on a thread's timing (and pytest does not exit while torch runs
in a daemon thread).
"""

from __future__ import annotations

import re
import threading
import time

import pandas as pd
import pytest
from apptest import (
    chart,
    chart_titles,
    elements,
    frames_of,
    no_exception,
    open_page,
    texts,
    title_of,
    train_if_waiting,
)
from streamlit.testing.v1 import AppTest

from rnnviz import gates
from rnnviz.i18n import CATALOGUES
from rnnviz.inspect import SHOWN
from rnnviz.ui.background import shared_job

PAGE = "pages/3_LSTM_Gates.py"
TIMEOUT = 60  # seconds per script run; a cold torch import on a busy machine takes a few
ATOL = 1e-5  # the design's tolerance between the transparent cells and torch
JOB = "gates-default-sweep"  # the page's name for its background comparison
DEFAULT_GAPS = (5, 20, 50)
EN = CATALOGUES["en"]
HEAT_PANELS = {kind: [EN["gates.heat.input"], *(EN[f"gates.gate.{g}"] for g in SHOWN[shown])]  # panel titles, in English
               for kind, shown in (("LSTM", "LSTM"), ("GRU", "GRU"), ("RNN", "RNN_TANH"))}
NUMBER = re.compile(r"-?\d+\.\d{3}")  # the page writes every value with 3 decimals
# Rows the stand-in background job yields, in the order the real one does (gap, then kind).
SWEEP_ROWS = [gates.SweepRow(kind=k, gap=g, accuracy=acc, seconds=1.0)
              for g, accs in ((5, (1.0, 1.0, 0.9)), (20, (1.0, 1.0, 0.3)), (50, (1.0, 0.25, 0.25)))
              for k, acc in zip(gates.CELL_TYPES, accs)]
FIRST_ROWS = 2  # the stand-in yields these at once, the rest when released


@pytest.fixture(scope="module", autouse=True)
def background_sweep():
    """The page's shared background job, replaced by one the tests control: (job, release)."""
    release = threading.Event()

    def rows(stop):
        yield from SWEEP_ROWS[:FIRST_ROWS]
        release.wait(120)
        yield from SWEEP_ROWS[FIRST_ROWS:]

    shared_job.clear()
    job = shared_job(JOB, rows)
    deadline = time.monotonic() + 10
    while len(job.rows) < FIRST_ROWS and time.monotonic() < deadline:
        time.sleep(0.01)
    yield job, release
    release.set()
    shared_job.clear()


# ---------------------------------------------------------------- helpers


def open_gates(**preset) -> AppTest:
    """Home, then the gates page; preset sets widget values (by key) before the page's first run."""
    return open_page(PAGE, timeout=TIMEOUT, **preset)


def show_answers(at: AppTest, ids=("gates_1", "gates_2")) -> AppTest:
    """Press "Show me" on these checkpoints where the page asks them: the charts they hide
    (gates_1: the heatmaps and one unit's chart; gates_2: the memory units' chart) then draw.
    gates_4 waits for the default comparison: press it only once that is done."""
    for i in ids:
        if buttons := [b for b in at.button if b.key == f"checkpoint_{i}__show"]:
            buttons[0].click().run()
    return at


def heatmaps(at: AppTest):
    """Section 2's stacked heatmaps: (spec, element, panel titles, datasets), once shown."""
    show_answers(at, ("gates_1",))  # they answer checkpoint gates_1
    found = [(s, c) for s, c in elements(at) if "vconcat" in s and not title_of(s)]
    assert len(found) == 1, [list(s) for s, _ in elements(at)]
    s, c = found[0]
    return s, c, [title_of(p) for p in s["vconcat"]], frames_of(c)


def input_row(at: AppTest) -> list[str]:
    """The tokens written above the heatmaps, in time order."""
    _, _, _, frames = heatmaps(at)
    head = next(f for f in frames if "token" in f.columns and "unit" not in f.columns)  # (the sine's has a value)
    return head.sort_values("t")["token"].tolist()


def run_state(at: AppTest):
    """The training run the page keeps (rnnviz.ui.TrainState)."""
    return at.session_state["gates__run"]


def latex(at: AppTest) -> str:
    assert len(at.latex) == 1, [x.value for x in at.latex]
    return at.latex[0].value


def shown_values(at: AppTest) -> dict[str, float]:
    """What the engine says the equations should show, for the page's model, example, unit and t."""
    state = run_state(at)
    ex = gates.example(state.config, int(at.number_input(key="gates_example").value))
    frame = gates.gate_frame(state.model, ex)
    return gates.step_values(frame, int(at.number_input(key="gates_t").value), int(at.number_input(key="gates_unit").value))


def assert_equations_match(at: AppTest, names: list[str]) -> None:
    """Each equation line ends with '= value' of its gate (3 decimals), as the engine computes it."""
    v = shown_values(at)
    lines = [line for line in latex(at).split(r"\\") if "=" in line]
    assert len(lines) == len(names), lines
    for line, name in zip(lines, names):
        last = NUMBER.findall(line)[-1]
        assert float(last) == pytest.approx(v[name], abs=1e-3), (name, line, v[name])


def proof_shown(at: AppTest) -> float:
    text = next(m.value for m in at.markdown if "hand-written equations" in m.value)
    return float(re.search(r"on this sequence: \*\*([^*]+)\*\*", text)[1])


def sweep_table(at: AppTest):
    tables = [t.value for t in at.table]
    assert len(tables) == 1, tables
    return tables[0]


# ---------------------------------------------------------------- defaults


def test_defaults_train_and_draw_every_section():
    at = show_answers(open_gates())
    assert at.title[0].value == "LSTM gates"
    assert [h.value.split(".")[0] for h in at.header] == ["1", "2", "3", "4", "5", "6", "7"]
    state = run_state(at)
    assert state.config == gates.GateConfig() and state.status == "done"
    # trained on opening and stopped early, solved
    assert "solved, so training stopped early" in texts(at.success)
    assert state.last.step < gates.GateConfig.steps and state.last.info["accuracy"] >= gates.SOLVED
    assert "Chance is 25%" in texts(at.caption)
    titles = chart_titles(at)
    unit = gates.memory_unit(state.model, state.config)  # gates_2 revealed: the box moved to the memory unit
    assert at.number_input(key="gates_unit").value == unit
    for expected in ("Held-out accuracy while training", f"Unit {unit}: its gates and states over time",
                     "The cell state C_t of units",
                     "Saturation: share of values", "The memory units' forget gate"):
        assert any(t.startswith(expected) for t in titles), (expected, titles)
    # the heatmaps: the input written above one panel per gate and state, one shared time axis
    spec, element, panels, _ = heatmaps(at)
    assert panels == HEAT_PANELS["LSTM"]
    assert {(v["encoding"]["x"]["field"], v["encoding"]["x"]["type"]) for v in spec["vconcat"]} == {("t", "ordinal")}
    assert element.proto.selection_mode == ["unit_pick"]
    assert input_row(at) == gates.example(gates.GateConfig()).tokens[0]
    assert len(input_row(at)) == gates.GateConfig.gap + 2
    # the equations, with live numbers that match the engine's
    eq = latex(at)
    for name in ("f_t", "i_t", r"\tilde{C}_t", "o_t", "C_t", "h_t"):  # the definitions' names (colah's, d2l's)
        assert name in eq
    assert len(NUMBER.findall(eq)) >= 12, eq
    assert_equations_match(at, ["forget", "input", "candidate", "output", "cell", "hidden"])
    assert f"Unit **{unit}** at step **t = 2** (the model reads x_t = `" in texts(at.markdown)
    # the proof: hand-written equations vs nn.LSTM on this sequence
    assert 0 <= proof_shown(at) < ATOL
    # the memory units' forget gate stays near 1 across the gap
    # did the forget gate learn? the page compares it with its start, from the run
    units = gates.memory_units(state.model, state.config).units
    learnt = gates.keep_gate_learnt(state.model, state.config, units)
    m = re.search(r"average \*\*([0-9.]+)\*\* after training; before training .* averaged \*\*([0-9.]+)\*\* "
                  r"\(σ\(b_f = 4.0\) = 0.982\)\. It \*\*stayed where its initial bias put it\*\*", texts(at.markdown))
    assert m and float(m[1]) == pytest.approx(learnt.trained, abs=1e-3), m
    assert float(m[2]) == pytest.approx(learnt.init, abs=1e-3)
    # the memory held: lines coloured by the symbol, and the read-back figures of the run
    spec, frames = chart(at, f"The cell state C_t of units {', '.join(map(str, units))} (those that hold the symbol best)")
    lines = pd.concat([f for f in frames if "example" in f.columns])
    assert lines["example"].nunique() == 24 and set(lines["symbol to recall"]) == set("ABCD")
    assert sorted(set(lines["unit"])) == sorted(units), "one panel per memory unit"
    assert [p["title"] for p in spec["hconcat"]] == [f"unit {u}" for u in units]
    assert spec["hconcat"][0]["layer"][0]["encoding"]["color"]["field"] == "symbol to recall"
    sep = gates.separation(state.model, state.config, units)
    assert f"at least **{sep.lowest:.0%}** of sequences at every step of the gap" in texts(at.markdown)
    assert "stay apart by colour" in texts(at.markdown)
    # the memory units' forget-gate lines near 1: drawn apart (axis from the tenth below, a dash each), and said
    spec, frames = chart(at, "The memory units' forget gate")
    rows = gates.keep_gate_frame(state.model, state.config, units)
    spread = gates.keep_gate_spread(rows, "forget")
    low = gates.keep_axis_low(spread)
    assert spec["encoding"]["y"]["scale"]["domain"] == [low, 1] and spec["encoding"]["strokeDash"]["field"] == "unit"
    assert low > 0 and 0.01 <= spread.lo - low <= 0.06, (low, spread)
    if spread.spread < gates.OVERLAP:
        assert (f"lie almost on top of each other: at every step their forget gate is within {spread.spread:.3f} "
                f"of each other (all between {spread.lo:.3f} and {spread.hi:.3f})") in texts(at.caption)
    else:  # apart enough to see, on an axis that does not start at 0: said
        assert (f"The axis starts at {low:.2f}, not 0: every value here lies between {spread.lo:.3f} and "
                f"{spread.hi:.3f}") in texts(at.caption)
    # saturation bars in the equations' order (forget, input, output), whatever the language
    spec, _ = chart(at, "Saturation")
    assert spec["encoding"]["y"]["sort"] == [EN[f"gates.gate.{g}"] for g in ("forget", "input", "output")]
    # accuracy on the full 0..1 axis with chance drawn as a rule
    spec, frames = chart(at, "Held-out accuracy while training")
    assert spec["layer"][0]["encoding"]["y"]["scale"]["domain"] == [0, 1]
    assert any("chance" in f.columns and f["chance"].tolist() == [0.25] for f in frames)
    # one setting: the page names it, and the comparison's default is section 1's defaults
    assert "One setting for the whole page" in texts(at.caption)
    assert "its LSTM point at gap 20 is section 1's default run" in texts(at.caption)
    # the inputs' ranges follow the model
    assert at.number_input(key="gates_unit").max == gates.GateConfig.hidden_size
    assert at.number_input(key="gates_t").max == gates.GateConfig.gap + 2
    assert at.multiselect(key="gates_gaps").value == list(DEFAULT_GAPS)
    assert not at.button(key="gates_sweep_go").disabled
    assert at.number_input(key="gates_length").disabled and not at.number_input(key="gates_gap").disabled


def test_default_comparison_shown_while_and_after_background_training(background_sweep):
    job, release = background_sweep
    at = open_gates()
    if not job.done:  # only the first rows have arrived; checkpoint gates_4 hides them until answered
        assert not at.get("progress") and not [t for t in chart_titles(at) if t.startswith("Recall accuracy vs gap")]
        assert at.radio(key="quiz_gates_4").value is None
    assert "Until you press the button" in texts(at.caption)
    release.set()
    deadline = time.monotonic() + 10
    while not job.done and time.monotonic() < deadline:
        time.sleep(0.01)
    assert job.done and not job.error
    show_answers(at, ("gates_4",))
    no_exception(at)
    table = sweep_table(at)
    assert table.index.tolist() == list(DEFAULT_GAPS)
    assert sorted(table.columns) == sorted(gates.CELL_TYPES)
    assert table.loc[50, "LSTM"] == 1.0 and table.loc[50, "RNN"] == 0.25
    spec, frames = chart(at, "Recall accuracy vs gap")
    assert len(frames[0]) == len(SWEEP_ROWS)
    # LSTM and GRU stay visible when they coincide: each kind its own dash and point shape
    halo, lines, points = spec["layer"][:3]  # then chance: a rule and its label
    assert lines["encoding"]["strokeDash"]["field"] == lines["encoding"]["color"]["field"] == "model"
    assert points["encoding"]["shape"]["field"] == points["encoding"]["color"]["field"] == "model"
    assert halo["transform"] == [{"filter": {"field": "model", "equal": "LSTM"}}], "a wide halo under the LSTM's line"
    assert lines["encoding"]["y"]["scale"]["domain"] == [0, 1]
    assert "LSTM and GRU reach the same accuracy at gap 5, 20" in texts(at.caption)
    # the stand-in's GRU falls to chance at 50: the page says the order broke, and why, with its numbers
    verdict = texts(at.markdown)
    assert "This run breaks the tutorials' order:** at gap 50 the GRU reaches only **25%** (LSTM 100%, RNN 25%)" in verdict
    assert "σ(b_z) = σ(4.0)" in verdict


# ---------------------------------------------------------------- reading the model


def test_unit_time_step_and_example_inputs():
    at = show_answers(open_gates())
    state = run_state(at)
    at.number_input(key="gates_unit").set_value(5).run()
    at.number_input(key="gates_t").set_value(7).run()
    no_exception(at)
    assert run_state(at) is state, "reading another unit must not retrain"
    spec, frames = chart(at, "Unit 5: its gates and states over time")
    lines = pd.concat(frames)
    assert set(lines["unit"]) == {5} and set(lines["name"]) == set(HEAT_PANELS["LSTM"][1:])
    # one panel per range of values, each its own y axis: the cell state does not squash the gates
    panels = {tuple(sorted(f["gate"].unique())): p["encoding"]["y"] for f, p in zip(frames, spec["vconcat"])}
    assert panels[("forget", "input", "output")]["scale"]["domain"] == [0, 1]
    assert panels[("candidate", "hidden")]["scale"]["domain"] == [-1, 1]
    assert "domain" not in panels[("cell",)]["scale"], "the cell state on an axis of its own range"
    assert spec["vconcat"][0]["encoding"]["color"]["title"] == "gate or state"
    token = gates.example(state.config).tokens[0][6]
    assert f"Unit **5** at step **t = 7** (the model reads x_t = `{token}`):" in texts(at.markdown)
    assert_equations_match(at, ["forget", "input", "candidate", "output", "cell", "hidden"])
    # the cell equation's middle: f x c_prev + i x g, with c_prev the cell at t = 6
    v = shown_values(at)
    as_operand = lambda x: f"{x:.3f}" if x >= 0 else f"({x:.3f})"  # a negative value in parentheses
    assert f"{as_operand(v['forget'])}\\times{as_operand(v['cell_prev'])}" in latex(at)
    assert not re.search(r"\\times-", latex(at)), "never 0.3 × −1.2"

    before = input_row(at)
    at.number_input(key="gates_example").set_value(3).run()
    no_exception(at)
    assert run_state(at) is state
    assert input_row(at) == gates.example(state.config, 3).tokens[0] != before
    assert_equations_match(at, ["forget", "input", "candidate", "output", "cell", "hidden"])
    assert 0 <= proof_shown(at) < ATOL


def test_gru_equations_and_gates():
    at = open_gates()
    at.radio(key="gates_kind").set_value("GRU").run()
    no_exception(at)
    assert run_state(at).config.kind == "GRU"
    assert at.number_input(key="gates_fb").disabled, "the forget bias is an LSTM setting"
    eq = latex(at)
    for name in ("r_t", "z_t", "n_t", "h_t"):
        assert name in eq
    assert "f_t" not in eq and not NUMBER.findall(eq), "no values before gates_1 is answered"
    assert "the update gate's value here would give its answer away" in texts(at.caption)
    show_answers(at)
    assert_equations_match(at, ["reset", "update", "candidate", "hidden"])
    _, _, panels, _ = heatmaps(at)
    assert panels == HEAT_PANELS["GRU"]
    _, frames = chart(at, "Saturation")
    assert set(frames[0]["gate"]) == {EN["gates.gate.update"], EN["gates.gate.reset"]}
    # the GRU's keep gate is its update gate, drawn for the memory units
    assert any(t.startswith("The memory units' update gate") for t in chart_titles(at))
    assert "Did the update gate learn anything?" in texts(at.markdown)
    assert not at.number_input(key="gates_ub").disabled
    assert 0 <= proof_shown(at) < ATOL


def test_vanilla_rnn_has_no_gates():
    at = open_gates()
    at.radio(key="gates_kind").set_value("RNN").run()
    no_exception(at)
    assert run_state(at).config.kind == "RNN"
    eq = latex(at)
    assert eq.count("=") == 3 and r"h_t = \tanh(\underbrace{W_{ih}x_t" in eq and r"\text{before tanh}" in eq
    v = shown_values(at)
    assert NUMBER.findall(eq) == [f"{v['preact']:.3f}", f"{v['hidden']:.3f}"]
    assert "A vanilla RNN has no gates" in texts(at.caption)
    acc = run_state(at).last.info["accuracy"]
    if gates.chance(run_state(at).config) + gates.NEAR_CHANCE < acc < gates.CARRIED:  # above chance, not solved: said
        assert (f"This plain RNN carried the symbol only partly across the gap of 20: held-out accuracy {acc:.0%}, "
                "above chance (25%) but far from solved") in texts(at.info)
    assert [h.value.split(".")[0] for h in at.header] == ["1", "2", "3", "4", "5", "6"], "numbered without a gap"
    assert at.header[-1].value == "6. RNN vs LSTM vs GRU on long dependencies"
    # the one heatmap that is neither gate nor state is named and defined in words; no legend says "gate"
    assert "**Before tanh (pre-activation)**" in texts(at.caption) and "preact" not in texts(at.caption)
    spec, _ = chart(at, "Unit ")
    assert spec["vconcat"][0]["encoding"]["color"]["title"] == "before or after tanh"
    assert {p["encoding"]["y"]["title"] for p in spec["vconcat"]} == {"before tanh", "tanh outputs (−1 to 1)"}
    assert at.number_input(key="gates_ub").disabled and at.number_input(key="gates_fb").disabled
    _, _, panels, _ = heatmaps(at)
    assert panels == HEAT_PANELS["RNN"]
    assert 0 <= proof_shown(at) < ATOL


# ---------------------------------------------------------------- tasks and settings


def test_counting_task():
    at = open_gates()
    at.radio(key="gates_task").set_value("counting").run()
    assert not at.number_input(key="gates_length").disabled and at.number_input(key="gates_gap").disabled
    at.number_input(key="gates_length").set_value(12).run()
    no_exception(at)
    state = run_state(at)
    assert (state.config.task, state.config.length) == ("counting", 12)
    row = input_row(at)
    assert len(row) == 12 and set(row) <= {"(", ")"} and row == gates.example(state.config).tokens[0]
    assert at.number_input(key="gates_t").max == 12
    assert any(t == "Held-out accuracy while training" for t in chart_titles(at))
    assert "Chance is" not in texts(at.caption), "chance is a memory-task figure"
    spec, frames = chart(at, "Held-out accuracy while training")
    assert spec["encoding"]["y"]["scale"]["domain"] == [0, 1], "the full axis"
    assert not any("chance" in f.columns for f in frames), "no 'chance 0%' rule: guessing a depth is not 0 %"
    assert not any(t.startswith("The memory units'") for t in chart_titles(at))
    assert "4. Memory held across the gap" not in [h.value for h in at.header]
    assert_equations_match(at, ["forget", "input", "candidate", "output", "cell", "hidden"])


def test_sine_task():
    at = train_if_waiting(open_gates().radio(key="gates_task").set_value("sine").run(), "gates")
    assert run_state(at).config.task == "sine"
    assert "Held-out MSE while training" in chart_titles(at)
    assert not at.success, "the sine task has no accuracy to stop early on"
    row = input_row(at)
    assert len(row) > 20 and all(re.fullmatch(r"[+-]\d\.\d\d", tok) for tok in row)
    assert_equations_match(at, ["forget", "input", "candidate", "output", "cell", "hidden"])


def test_forget_bias_seed_steps_and_hidden_retrain():
    at = open_gates()
    first = run_state(at)
    at.number_input(key="gates_fb").set_value(1.0).run()
    no_exception(at)
    assert run_state(at) is not first and run_state(at).config.forget_bias == 1.0
    at.number_input(key="gates_seed").set_value(1).run()
    assert run_state(at).config.seed == 1
    at.number_input(key="gates_steps").set_value(8).run()
    no_exception(at)
    state = run_state(at)
    assert state.config.steps == 8 and state.last.step == 8
    assert not at.success, "8 steps do not solve the task"
    at.number_input(key="gates_hidden").set_value(4).run()
    no_exception(at)
    assert run_state(at).config.hidden_size == 4
    assert at.number_input(key="gates_unit").max == 4
    spec, _, _, frames = heatmaps(at)
    assert max(f["unit"].max() for f in frames if "unit" in f.columns) == 4
    for panel in spec["vconcat"][1:]:  # every unit's tick, once, an integer
        assert panel["encoding"]["y"]["axis"]["values"] == [1, 2, 3, 4]
        assert panel["encoding"]["y"]["axis"]["labelOverlap"] is False and panel["height"] >= 4 * 11


def test_retrain_button_reproduces_the_run():
    at = open_gates()
    first = run_state(at)
    at.button(key="gates__train").click().run()
    no_exception(at)
    again = run_state(at)
    assert again is not first
    assert [(s.step, s.loss) for s in again.history] == [(s.step, s.loss) for s in first.history]


def test_unit_box_keeps_the_memory_unit_for_its_checkpoint():
    """The unit box would give checkpoint gates_2 away: it starts on unit 1, and moves to the unit
    that holds the memory once the learner has answered (a unit the learner chose stays)."""
    at = open_gates(gates_task="replace")  # its units differ: the memory unit is not unit 1
    state = run_state(at)
    best = gates.memory_unit(state.model, state.config)
    assert best != 1 and at.number_input(key="gates_unit").value == 1
    at.radio(key="quiz_gates_2").set_value(str(best)).run()
    at.button(key="checkpoint_gates_2__check").click().run()
    no_exception(at)
    assert f"Right: {best}." in texts(at.success)
    assert at.number_input(key="gates_unit").value == best
    at = open_gates(gates_task="replace")
    at.number_input(key="gates_unit").set_value(7).run()
    show_answers(at, ("gates_2",))
    assert at.number_input(key="gates_unit").value == 7, "the learner's own unit stays"


def test_unit_follows_a_smaller_model():
    at = open_gates()
    at.number_input(key="gates_unit").set_value(16).run()
    show_answers(at.number_input(key="gates_hidden").set_value(4).run())
    no_exception(at)
    unit = gates.memory_unit(run_state(at).model, run_state(at).config)
    assert at.number_input(key="gates_unit").value == unit <= 4, "a new model shows its own memory unit"
    chart(at, f"Unit {unit}: its gates and states over time")


def test_train_all_three_at_these_gaps(background_sweep):
    release_sweep(background_sweep)  # no gap 50 here: checkpoint gates_4 reads the page's comparison
    at = open_gates()
    at.number_input(key="gates_steps").set_value(20).run()
    at.number_input(key="gates_hidden").set_value(4).run()
    at.multiselect(key="gates_gaps").set_value([5]).run()
    at.button(key="gates_sweep_go").click().run()
    show_answers(at, ("gates_4",))
    no_exception(at)
    table = sweep_table(at)
    assert table.index.tolist() == [5] and sorted(table.columns) == sorted(gates.CELL_TYPES)
    rows = at.session_state["gates_sweep"].frame
    assert rows["accuracy"].between(0, 1).all() and (rows["seconds"] > 0).all()
    assert "Until you press the button" not in texts(at.caption)
    assert "earlier settings" not in texts(at.info)
    at.number_input(key="gates_seed").set_value(3).run()
    no_exception(at)
    assert "These results are from earlier settings" in texts(at.info)
    assert sweep_table(at).index.tolist() == [5]
    at.multiselect(key="gates_gaps").set_value([]).run()
    assert at.button(key="gates_sweep_go").disabled, "no gaps, nothing to train"


# ---------------------------------------------------------------- bad input


def test_gap_above_the_maximum_keeps_the_last_model():
    at = open_gates()
    kept = run_state(at)
    at.number_input(key="gates_gap").set_value(gates.MAX_GAP + 1).run()
    no_exception(at)
    assert f"The gap must be between 1 and {gates.MAX_GAP} steps (it is {gates.MAX_GAP + 1})." in texts(at.error)
    assert "Showing the last model trained with valid settings." in texts(at.info)
    assert run_state(at) is kept, "no training with bad settings"
    assert at.button(key="gates_sweep_go").disabled
    # the last model's views are still there, for its own gap
    assert len(input_row(at)) == kept.config.gap + 2
    assert_equations_match(at, ["forget", "input", "candidate", "output", "cell", "hidden"])
    at.number_input(key="gates_gap").set_value(5000).run()
    no_exception(at)
    assert "(it is 5000)" in texts(at.error) and run_state(at) is kept
    at.number_input(key="gates_gap").set_value(gates.GateConfig.gap).run()
    no_exception(at)
    assert not at.error and run_state(at) is kept, "back to the trained settings: nothing to retrain"


def test_gap_above_the_maximum_on_the_first_visit():
    at = open_gates(gates_gap=500)
    assert "The gap must be between 1 and 200 steps (it is 500)." in texts(at.error)
    assert "gates__run" not in at.session_state
    assert [h.value.split(".")[0] for h in at.header] == ["1", "2"]
    assert at.button(key="gates_sweep_go").disabled


def test_gap_1_is_three_steps():
    at = open_gates()
    at.number_input(key="gates_t").set_value(20).run()
    at.number_input(key="gates_gap").set_value(1).run()
    no_exception(at)
    assert not at.error
    assert run_state(at).config.gap == 1
    row = input_row(at)
    assert len(row) == 3 and row[0].isupper() and row[1].islower() and row[2] == "?"
    assert at.number_input(key="gates_t").max == 3 and at.number_input(key="gates_t").value <= 3
    assert_equations_match(at, ["forget", "input", "candidate", "output", "cell", "hidden"])


def test_hidden_size_1():
    at = open_gates()
    at.number_input(key="gates_hidden").set_value(1).run()
    no_exception(at)
    assert not at.error
    assert run_state(at).config.hidden_size == 1
    unit = at.number_input(key="gates_unit")
    assert unit.min == unit.max == unit.value == 1
    _, _, _, frames = heatmaps(at)
    assert {u for f in frames if "unit" in f.columns for u in f["unit"]} == {1}
    assert_equations_match(at, ["forget", "input", "candidate", "output", "cell", "hidden"])
    show_answers(at, ("gates_2",))  # section 5's note names the memory units: after gates_2
    assert "units **1** (those holding the symbol)" in texts(at.markdown)


def test_counting_string_of_length_1():
    at = open_gates()
    kept = run_state(at)
    at.radio(key="gates_task").set_value("counting").run()
    at.number_input(key="gates_length").set_value(1).run()
    no_exception(at)
    assert "A bracket string needs at least 2 steps" in texts(at.error)
    assert "Showing the last model trained with valid settings." in texts(at.info)
    assert run_state(at).config.task == "counting" and run_state(at) is not kept  # the counting model
    assert run_state(at).config.length == gates.GateConfig.length
    assert at.button(key="gates_sweep_go").disabled
    at.number_input(key="gates_length").set_value(2).run()
    no_exception(at)
    assert not at.error and run_state(at).config.length == 2 and len(input_row(at)) == 2


def test_replace_task_shows_the_forget_gate_dropping():
    at = show_answers(open_gates(gates_task="replace"))
    state = run_state(at)
    assert state.config.task == "replace" and state.status == "done"
    assert state.last.step == state.config.steps, "the replace task trains all its steps"
    assert [h.value.split(".")[0] for h in at.header] == ["1", "2", "3", "4", "5", "6", "7"]
    units = gates.memory_units(state.model, state.config).units
    drop = gates.keep_gate_drop(state.model, state.config, units)
    words = texts(at.markdown)
    assert (f"in unit **{drop.unit}** the forget gate averages **{drop.at_replace:.3f}** at the step where "
            f"the second symbol arrives, against **{drop.elsewhere:.3f}** at the distractors") in words
    assert "drops by" in words and "Alice → Bob" in words
    # it trained past 100 %: the page says why, with the step it was solved and the drop then and now
    went_on = gates.after_solved(state.config, state.last.info, state.model)
    assert went_on is not None and went_on.solved_step < state.config.steps
    why = texts(at.info)
    assert "**Why training went on after the task was solved:**" in why
    assert f"first reached 99.5 % at step {went_on.solved_step}" in why
    assert f"**{went_on.drop_then:.3f}**" in why and f"**{went_on.drop_now:.3f}**" in why
    assert went_on.drop_now == pytest.approx(drop.elsewhere - drop.at_replace, abs=1e-6), "section 5's figure"
    # the memory chart marks the second symbol's step; every line gets it there
    _, frames = chart(at, "The cell state C_t of units")
    rule = next(f for f in frames if list(f.columns) == ["t", "label"])
    assert rule["t"].tolist() == [gates.replace_step(state.config)] and rule["label"].tolist() == ["second symbol"]
    assert "regroup by the new symbol" in words
    # the forget gate chart: the memory units, on the same fixed step
    _, frames = chart(at, "The memory units' forget gate")
    assert set(frames[0]["unit"]) == {f"unit {u}" for u in units}
    assert len(input_row(at)) == state.config.gap + 2
    assert sum(tok.isupper() for tok in input_row(at)) == 2


def test_replace_gap_too_short():
    at = open_gates(gates_task="replace", gates_gap=2)
    assert "The replace task needs a gap of at least 3 steps" in texts(at.error)


def test_sine_input_is_a_coloured_strip():
    at = train_if_waiting(open_gates(gates_task="sine"), "gates")
    spec, _, _, _ = heatmaps(at)
    head = spec["vconcat"][0]
    assert head["mark"]["type"] == "rect" and head["encoding"]["color"]["field"] == "value"


def test_plain_rnn_at_a_long_gap_is_told_why():
    at = show_answers(open_gates(gates_kind="RNN", gates_gap=50))
    state = run_state(at)
    acc = state.last.info["accuracy"]
    assert acc <= gates.chance(state.config) + gates.NEAR_CHANCE
    assert (f"This plain RNN did not carry the symbol across the gap of 50: held-out accuracy {acc:.0%}, "
            "chance 25%") in texts(at.info)
    assert "do **not** hold the symbol" in texts(at.markdown) or "does **not** hold the symbol" in texts(at.markdown)


# ---------------------------------------------------------------- checkpoints (issue 13)


def heatmap_count(at: AppTest) -> int:
    return len([s for s, _ in elements(at) if "vconcat" in s and not title_of(s)])


def test_keep_gate_checkpoint_hides_the_heatmaps_until_answered():
    at = open_gates()
    assert heatmap_count(at) == 0, "the heatmaps answer gates_1: hidden until the learner commits"
    assert not [t for t in chart_titles(at) if t.startswith("Unit ")], "so is one unit's chart"
    assert at.button(key="checkpoint_gates_1__check").disabled, "nothing picked, nothing to check"
    assert "Commit to an answer first" in texts(at.caption)
    at.radio(key="quiz_gates_1").set_value("output_low").run()
    at.button(key="checkpoint_gates_1__check").click().run()
    no_exception(at)
    state = run_state(at)
    reveal = gates.keep_gate_reveal(state.model, state.config)
    assert reveal.right == "forget_high", "the trained LSTM keeps its forget gate near 1"
    assert "Not this time. The answer, from your run: the forget gate, near 1." in texts(at.error)
    assert str(reveal.why) in texts(at.markdown) and "**0." in str(reveal.why)
    assert heatmap_count(at) == 1
    record = at.session_state["checkpoint_record"]["gates_1"]
    assert (record.answer, record.right_answer, record.correct) == ("output_low", "forget_high", False)
    at.button(key="checkpoint_gates_1__try").click().run()  # try this: the forget bias it names, here
    no_exception(at)
    assert at.number_input(key="gates_fb").value == -2.0 and run_state(at).config.forget_bias == -2.0
    assert at.session_state["checkpoint_record"]["gates_1"] == record, "the answers stay"


def test_keep_gate_checkpoint_follows_a_shut_forget_gate():
    at = open_gates(gates_fb=-5.0, gates_steps=1)
    at.radio(key="quiz_gates_1").set_value("forget_low").run()
    at.button(key="checkpoint_gates_1__check").click().run()
    no_exception(at)
    assert "Right: the forget gate, near 0." in texts(at.success), "a gate started shut and barely trained"
    assert at.button(key="checkpoint_gates_1__try").label == "Try it"


def test_keep_gate_checkpoint_gru_and_plain_rnn():
    at = open_gates(gates_kind="GRU")
    assert [o for o in at.radio(key="quiz_gates_1").options] == [EN[f"quiz.gates_1.o.{o}"] for o in gates.KEEP_OPTIONS["GRU"]]
    at = open_gates(gates_kind="RNN")
    assert "A plain RNN has no gate" in texts(at.caption)
    assert not [r for r in at.radio if r.key == "quiz_gates_1"] and heatmap_count(at) == 1, "nothing to ask: shown"


def test_unit_checkpoint_ranks_the_learners_unit():
    at = open_gates()  # the default run: its units differ in how well they hold the symbol across the gap
    assert not [t for t in chart_titles(at) if t.startswith("The cell state C_t of units")], chart_titles(at)
    state = run_state(at)
    ranking = gates.hold_ranking(state.model, state.config)
    worst, best, shown = ranking[-1][0], ranking[0][0], gates.memory_units(state.model, state.config).units
    assert at.radio(key="quiz_gates_2").options == [str(u) for u in range(1, state.config.hidden_size + 1)] + ["none"]
    at.radio(key="quiz_gates_2").set_value(str(worst)).run()
    at.button(key="checkpoint_gates_2__check").click().run()
    no_exception(at)
    assert f"Not this time. The answer, from your run: {best}." in texts(at.error), "a wrong pick is judged wrong"
    assert f"Your unit {worst} ranks **16 of 16**" in texts(at.markdown)
    assert f"The chart below shows the best three ({', '.join(map(str, shown))})" in texts(at.markdown)
    # one ranking: the chart's units are the reveal's best three, the unit box moves to the first
    chart(at, f"The cell state C_t of units {', '.join(map(str, shown))} (those that hold the symbol best)")
    assert shown[0] == best and at.number_input(key="gates_unit").value == best
    assert "watch its gates and its memory across the gap" in texts(at.markdown)
    at.button(key="checkpoint_gates_2__try")  # try this: that unit in section 2
    # another pick among the units the chart shows is right; "none" is wrong (the memory is held)
    for pick, verdict in ((str(shown[1]), f"Right: {shown[1]}."), ("none", f"The answer, from your run: {best}.")):
        at.session_state["checkpoint_gates_2__run"] = None  # a new run asks again (as a retrain would)
        at.run()
        at.radio(key="quiz_gates_2").set_value(pick).run()
        at.button(key="checkpoint_gates_2__check").click().run()
        assert verdict in texts(at.success) + texts(at.error), (pick, texts(at.error))


def test_unit_checkpoint_a_failed_model_holds_nothing():
    at = open_gates(gates_fb=-2.0)  # the forget gate starts shut: the model never finds the symbol
    state = run_state(at)
    assert state.last.info["accuracy"] < gates.CARRIED
    at.radio(key="quiz_gates_2").set_value("none").run()
    at.button(key="checkpoint_gates_2__check").click().run()
    no_exception(at)
    assert "Right: none." in texts(at.success)
    assert "No unit holds the symbol" in texts(at.markdown)
    assert at.number_input(key="gates_unit").value == 1, "no memory unit to move the box to"
    assert any("(the closest to holding the symbol, though none holds it)" in t for t in chart_titles(at))
    # section 1 names the bias, not "more steps" (gates_3's reveal says the same)
    assert "The cause is its keep bias" in texts(at.info) and "needs more steps" not in texts(at.info)


def test_give_aways_wait_for_their_checkpoints():
    at = open_gates()
    # section 3: the equations without their values until gates_1 is answered
    assert not NUMBER.findall(latex(at)) and "f_t" in latex(at)
    assert "The values at this step appear once you have answered" in texts(at.caption)
    # section 5: no saturation, no keep-gate chart, no note with the memory units' forget gate
    titles = chart_titles(at)
    assert not [t for t in titles if t.startswith(("Saturation", "The memory units' forget gate"))], titles
    assert "Did the forget gate learn anything" not in texts(at.markdown)
    assert "they state both answers" in texts(at.caption)
    # "What is a gate?" and the b_f knob define the bias; why it starts at 4 is gates_3's reveal
    assert "0.5²⁰" not in texts(at.markdown) and "gradient" not in at.number_input(key="gates_fb").help
    show_answers(at, ("gates_1",))
    assert len(NUMBER.findall(latex(at))) >= 12
    assert any(t.startswith("Saturation") for t in chart_titles(at))
    assert not any(t.startswith("The memory units' forget gate") for t in chart_titles(at)), "gates_2 still open"
    show_answers(at, ("gates_2",))
    assert any(t.startswith("The memory units' forget gate") for t in chart_titles(at))
    assert "Did the forget gate learn anything" in texts(at.markdown)


def test_path_marks_the_checkpoints_a_run_does_not_ask():
    at = open_gates(gates_kind="RNN")
    path = texts(at.markdown)
    assert "a plain RNN has no gates" in path and "asked of an LSTM" in path
    assert "(#quiz-gates_1)" not in path and "(#quiz-gates_3)" not in path and "(#quiz-gates_2)" in path
    at = open_gates(gates_kind="GRU")
    assert "(#quiz-gates_1)" in texts(at.markdown) and "(#quiz-gates_3)" not in texts(at.markdown)


def test_forget_bias_checkpoint_trains_b_f_0_at_gap_50():
    at = open_gates()
    at.radio(key="quiz_gates_3").set_value("solves").run()
    at.button(key="checkpoint_gates_3__check").click().run()
    no_exception(at)
    acc0 = gates.final_accuracy(gates.GateConfig(gap=50, forget_bias=0.0))  # the run the reveal trained (cached)
    assert acc0 < gates.CARRIED
    assert "Not this time. The answer, from your run: it fails (well below 90 %)." in texts(at.error)
    assert f"b_f = 0 ends at **{acc0:.0%}** at gap 50" in texts(at.markdown)
    at.button(key="checkpoint_gates_3__try")  # try this: that run in section 1
    at = open_gates(gates_kind="GRU")
    assert not [r for r in at.radio if r.key == "quiz_gates_3"], "b_f is the LSTM's"


def release_sweep(background_sweep):
    job, release = background_sweep
    release.set()
    deadline = time.monotonic() + 10
    while not job.done and time.monotonic() < deadline:
        time.sleep(0.01)
    assert job.done and not job.error


def test_rnn_gap_checkpoint_hides_the_comparison(background_sweep):
    release_sweep(background_sweep)
    at = open_gates()
    assert not [t for t in chart_titles(at) if t.startswith("Recall accuracy vs gap")] and not at.table
    at.radio(key="quiz_gates_4").set_value("no").run()
    at.button(key="checkpoint_gates_4__check").click().run()
    no_exception(at)
    # the stand-in comparison: RNN 25 % at gap 50, 90 % at gap 5
    assert "Right: no, it stays well below." in texts(at.success)
    assert "reaches only **25%** at gap 50 (LSTM 100%, GRU 25%" in texts(at.markdown)
    assert "at gap 5 the same RNN reaches 90%" in texts(at.markdown)
    assert "train it there in section 1 and watch it solve gap 5." in texts(at.markdown), "what section 1 will show"
    assert sweep_table(at).loc[50, "RNN"] == 0.25
    at.button(key="checkpoint_gates_4__try").click().run()  # try it: the RNN at gap 5, here
    no_exception(at)
    assert (at.radio(key="gates_kind").value, at.number_input(key="gates_gap").value) == ("RNN", 5)
    assert run_state(at).last.info["accuracy"] >= gates.CARRIED, "section 1 solves gap 5, as the try said"


def test_rnn_gap_checkpoint_reads_the_learners_own_comparison(background_sweep):
    release_sweep(background_sweep)
    at = open_gates()
    rows = tuple(gates.SweepRow(k, g, a, 1.0) for g, accs in ((20, (1.0, 1.0, 0.5)), (50, (1.0, 1.0, 0.96)))
                 for k, a in zip(gates.CELL_TYPES, accs))
    at.session_state["gates_sweep"] = gates.Sweep(gates.GateConfig(), (20, 50), rows)
    at.run()
    at.radio(key="quiz_gates_4").set_value("no").run()
    at.button(key="checkpoint_gates_4__check").click().run()
    no_exception(at)
    assert "Not this time. The answer, from your run: yes, it reaches 90 % or more." in texts(at.error)
    assert "reaches **96%** at gap 50" in texts(at.markdown)
    assert "at gap 20 the same RNN reaches only 50%" in texts(at.markdown), "the gap where the answer differs"
    assert "watch it fail at gap 20" in texts(at.markdown)


# ---------------------------------------------------------------- interventions (issue 14)


def metrics(at: AppTest) -> tuple[str, str]:
    """The section's two numbers: the untouched model's score and the intervened one's."""
    assert len(at.metric) == 2, [m.label for m in at.metric]
    return at.metric[0].value, at.metric[1].value


def intervene(at: AppTest, target: str, units: list[int], value: str, start: int) -> AppTest:
    at.selectbox(key="gates_iv_target").set_value(target)
    at.multiselect(key="gates_iv_units").set_value(units)
    if target != "hidden":
        at.radio(key="gates_iv_value").set_value(value)
    at.number_input(key="gates_iv_start").set_value(start).run()
    no_exception(at)
    return at


def test_interventions_widgets_change_the_result_and_say_it_in_numbers():
    from rnnviz import interventions
    at = open_gates()
    assert not [b for b in at.button if b.key == "gates_iv_exp_keep_zero"], "its heatmaps answer gates_1: it waits"
    assert "Switching parts off draws the gates' values" in texts(at.caption)
    show_answers(at, ("gates_1",))
    state = run_state(at)
    cfg, model = state.config, state.model
    headers = [h.value for h in at.header]
    assert headers[5] == "6. Switch a part off: interventions on your model", headers
    assert headers[4].startswith("5. What the gates are doing") and headers[6].startswith("7. RNN vs LSTM vs GRU")
    assert "An **intervention** changes one part" in texts(at.markdown)  # defined before it is used
    # gates_2 (which unit holds the memory) not answered: the units start on unit 1, and the page says why
    assert at.multiselect(key="gates_iv_units").value == [1]
    assert "The units start on unit 1" in texts(at.caption)
    assert at.selectbox(key="gates_iv_target").options == [EN[f"gates.intervene.targets.{k}"]
                                                            for k in ("forget", "input", "output", "hidden")]
    assert metrics(at)[0] == f"{state.last.info['accuracy']:.1%}"
    # every unit's forget gate shut after the symbol: down to chance, said with the engine's numbers
    every = list(range(1, cfg.hidden_size + 1))
    intervene(at, "forget", every, "0", 2)
    effect = interventions.measure(model, cfg, interventions.Intervention("forget", tuple(every), "0", 2))
    assert abs(effect.after - 0.25) <= 0.1
    assert metrics(at) == (f"{effect.before:.1%}", f"{effect.after:.1%}")
    said = texts(at.markdown)
    assert (f"With the forget gate of all {cfg.hidden_size} units clamped to 0 from step 2 on, held-out accuracy falls "
            f"from **{effect.before:.1%}** to **{effect.after:.1%}**; chance is 25%.") in said
    assert f"averages **{effect.state_after:.2f}** in size" in texts(at.caption)
    # the heatmaps of both runs, one above the other, the forget gate held at 0 from step 2 on
    spec, frames = chart(at, EN["gates.intervene.pairs_title"])
    pairs = [[p["title"] for p in pair["vconcat"]] for pair in spec["vconcat"]]
    assert pairs[0] == ["forget gate f_t: untouched", "forget gate f_t: with the intervention"]
    assert [p[0].split(":")[0] for p in pairs] == ["forget gate f_t", "cell state C_t", "hidden state h_t"]
    forget = [f for f in frames if "gate" in f and set(f["gate"]) == {"forget"}]
    assert len(forget) == 2 and (forget[1][forget[1]["t"] >= 2]["value"] == 0).all()
    assert (forget[0]["value"] > 0).all()
    cell = spec["vconcat"][1]["vconcat"]  # one colour scale for both runs of a state
    assert cell[0]["encoding"]["color"]["scale"]["domain"] == cell[1]["encoding"]["color"]["scale"]["domain"]
    # to 1 instead: the memory stays; silencing a unit: the value is not asked
    intervene(at, "forget", every, "1", 2)
    assert metrics(at)[1] == f"{interventions.measure(model, cfg, interventions.Intervention('forget', tuple(every), '1', 2)).after:.1%}"
    assert "held-out accuracy stays at" in texts(at.markdown)
    least = int(interventions.silencing_ranking(model, cfg)["unit"].iloc[-1])
    intervene(at, "hidden", [least], "0", 1)
    assert at.radio(key="gates_iv_value").disabled
    assert f"the hidden state of unit {least} silenced (set to 0) from step 1 on" in texts(at.markdown)
    # the ranking: every unit, costliest first, the learner's units in red
    spec, frames = chart(at, EN["gates.intervene.ranking_title"])
    ranking = interventions.silencing_ranking(model, cfg)
    bars = frames[0]
    assert bars["unit"].tolist() == ranking["unit"].tolist()
    assert bars["cost"].tolist() == pytest.approx(ranking["cost"].tolist())
    assert bars.set_index("unit")["group"][least] == EN["gates.intervene.ranking_picked"]
    top = ranking.iloc[0]
    assert f"Silencing **unit {int(top['unit'])}** alone costs most: **{top['cost']:.1%}**" in texts(at.markdown)
    at.multiselect(key="gates_iv_units").set_value([]).run()
    assert EN["gates.intervene.no_units"] in texts(at.info)


def test_suggested_experiments_set_the_knobs_and_say_what_happened():
    from rnnviz import interventions
    at = show_answers(open_gates(), ("gates_1",))
    state = run_state(at)
    cfg, model = state.config, state.model
    at.button(key="gates_iv_exp_keep_zero").click().run()
    no_exception(at)
    assert (at.selectbox(key="gates_iv_target").value, at.radio(key="gates_iv_value").value,
            at.number_input(key="gates_iv_start").value) == ("forget", "0", 2)
    assert at.multiselect(key="gates_iv_units").value == list(range(1, cfg.hidden_size + 1))
    assert "**Expected:** with the forget gate at 0" in texts(at.markdown)
    effect = interventions.measure(model, cfg, interventions.experiment("keep_zero", "LSTM", cfg.hidden_size, ()))
    assert f"to **{effect.after:.1%}**; chance is 25%. The model now guesses" in texts(at.markdown)
    at.button(key="gates_iv_exp_keep_one").click().run()
    assert at.radio(key="gates_iv_value").value == "1" and "**Expected:** with the forget gate at 1" in texts(at.markdown)
    # silencing: before gates_2 is answered, the costliest unit (the memory units are its answer)
    ranking = interventions.silencing_ranking(model, cfg)
    assert at.button(key="gates_iv_exp_silence").label == "silence the costliest unit"
    at.button(key="gates_iv_exp_silence").click().run()
    assert at.multiselect(key="gates_iv_units").value == [int(ranking["unit"].iloc[0])]
    assert at.selectbox(key="gates_iv_target").value == "hidden"
    # a knob moved: no longer the experiment, its expectation goes
    at.number_input(key="gates_iv_start").set_value(5).run()
    assert "**Expected:**" not in texts(at.markdown)
    # gates_2 answered: the memory units, silenced together, with what each costs alone
    show_answers(at, ("gates_2",))
    units = gates.memory_units(model, cfg).units
    assert at.button(key="gates_iv_exp_silence").label == "silence the memory units"
    at.button(key="gates_iv_exp_silence").click().run()
    assert at.multiselect(key="gates_iv_units").value == units
    note = interventions.memory_note(model, cfg, ranking, units, 4)
    assert str(note) in texts(at.markdown)
    together = interventions.measure(model, cfg, interventions.Intervention("hidden", tuple(units)))
    assert metrics(at)[1] == f"{together.after:.1%}"


def test_interventions_on_a_gru_a_plain_rnn_and_the_sine():
    at = show_answers(open_gates(gates_kind="GRU"), ("gates_1",))
    assert at.selectbox(key="gates_iv_target").options == [EN[f"gates.intervene.targets.{k}"]
                                                            for k in ("update", "reset", "hidden")]
    assert at.button(key="gates_iv_exp_keep_zero").label == "update gate to 0 after the symbol"
    at.button(key="gates_iv_exp_keep_zero").click().run()
    no_exception(at)
    assert at.selectbox(key="gates_iv_target").value == "update"
    at.radio(key="gates_kind").set_value("RNN").run()
    no_exception(at)
    assert at.selectbox(key="gates_iv_target").options == [EN["gates.intervene.targets.hidden"]]
    assert [b.key for b in at.button if b.key and b.key.startswith("gates_iv_exp_")] == ["gates_iv_exp_silence"]
    train_if_waiting(at.radio(key="gates_task").set_value("sine").run(), "gates")
    assert "MSE" in at.metric[0].label and "Pick the units" in texts(at.caption)
