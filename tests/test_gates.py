"""The LSTM-gates engine (rnnviz.data.tasks, rnnviz.gates) without Streamlit: the memory and
counting tasks, the model and its forget bias, reproducible training, the LSTM solving the
memory task where the vanilla RNN stays at chance, the transparent cells against torch, and
every read-out the page draws (gate frame, saturation, memory units, one step's values).
"""

from __future__ import annotations

from dataclasses import asdict, replace

import numpy as np
import pandas as pd
import pytest
import torch

from rnnviz import gates
from rnnviz.data.tasks import (
    RECALL,
    SYMBOLS,
    counting_batch,
    memory_batch,
    memory_input_size,
    replace_batch,
    replaced_at,
)
from rnnviz.i18n import Message
from rnnviz.inspect import SHOWN
from rnnviz.train import Snapshot

ATOL = 1e-5  # the design's tolerance between two computations of the same numbers
NEAR_CHANCE = 0.4  # a vanilla RNN at gap 50 ends below this (chance is 0.25)
FRAME_COLUMNS = ["t", "layer", "unit", "gate", "value", "token"]
SHORT = 30  # Adam steps for models that only need trained-looking weights, not a solution


def finish(cfg: gates.GateConfig):
    """Build and train cfg to its end; the model and every snapshot."""
    model, snapshots = gates.build(cfg)
    return model, list(snapshots)


@pytest.fixture(scope="module")
def lstm_run():
    """The page's default experiment (LSTM, memory, gap 20, seed 0), trained to its end."""
    cfg = gates.GateConfig()
    model, history = finish(cfg)
    return cfg, model, history


@pytest.fixture(scope="module")
def gru_run():
    cfg = gates.GateConfig(kind="GRU", steps=SHORT)
    model, history = finish(cfg)
    return cfg, model, history


# ---------------------------------------------------------------- tasks


@pytest.mark.parametrize("gap, symbols", [(1, 4), (7, 4), (20, 3)])
def test_memory_batch_symbol_distractors_cue(gap: int, symbols: int):
    K, B = symbols, 50
    b = memory_batch(B, gap, K, torch.Generator().manual_seed(1))
    T = gap + 2
    assert b.x.shape == (B, T, memory_input_size(K)) == (B, T, 2 * K + 1)
    assert b.y.shape == (B,) and int(b.y.min()) >= 0 and int(b.y.max()) < K
    assert torch.equal(b.x.sum(-1), torch.ones(B, T)), "every step is one-hot"
    channel = b.x.argmax(-1)  # (B, T)
    # step 1: the symbol, on the symbol channels, upper case; it is the target
    assert torch.equal(channel[:, 0], b.y)
    # steps 2..gap+1: distractors on their own channels (K..2K-1), the same letters in lower case
    assert bool(((channel[:, 1:gap + 1] >= K) & (channel[:, 1:gap + 1] < 2 * K)).all())
    # the last step: the recall cue, on the last channel
    assert bool((channel[:, -1] == 2 * K).all())
    assert len(b.tokens) == B and all(len(row) == T for row in b.tokens)
    for row, ch, y in zip(b.tokens, channel.tolist(), b.y.tolist()):
        assert row[0] == SYMBOLS[y] and row[0].isupper()
        assert row[1:-1] == [SYMBOLS[c - K].lower() for c in ch[1:-1]]
        assert row[-1] == RECALL
    # all symbols occur: the task is not degenerate
    assert set(b.y.tolist()) == set(range(K))


def test_memory_batch_seeded():
    a = memory_batch(8, 5, 4, torch.Generator().manual_seed(3))
    b = memory_batch(8, 5, 4, torch.Generator().manual_seed(3))
    assert torch.equal(a.x, b.x) and torch.equal(a.y, b.y) and a.tokens == b.tokens


@pytest.mark.parametrize("gap", [3, 20])
def test_replace_batch_second_symbol_replaces_the_first(gap: int):
    K, B = 4, 300
    b = replace_batch(B, gap, K, torch.Generator().manual_seed(4))
    T = gap + 2
    assert b.x.shape == (B, T, memory_input_size(K)) and torch.equal(b.x.sum(-1), torch.ones(B, T))
    channel = b.x.argmax(-1)
    marked = channel < K  # (B, T) the upper-case symbols
    assert torch.equal(marked.sum(1), torch.full((B,), 2)), "exactly two marked symbols"
    assert bool(marked[:, 0].all()) and not bool(marked[:, 1].any()) and not bool(marked[:, gap].any())
    at = replaced_at(b.x, K)
    assert int(at.min()) >= 2 and int(at.max()) <= gap - 1  # a distractor before and after it
    assert torch.equal(channel[torch.arange(B), at], b.y), "the answer is the second (most recent) symbol"
    assert bool((channel[:, 0] != b.y).all()), "the second symbol differs from the first"
    assert bool((channel[:, -1] == 2 * K).all())
    for row, w, y in zip(b.tokens, at.tolist(), b.y.tolist()):
        assert row[w] == SYMBOLS[y] and row[0].isupper() and row[-1] == RECALL
    if gap > 3:
        assert len(set(at.tolist())) > 1, "its step varies from sequence to sequence"
    fixed = replace_batch(8, gap, K, torch.Generator().manual_seed(4), at=3)
    assert replaced_at(fixed.x, K).tolist() == [2] * 8
    with pytest.raises(ValueError):
        replace_batch(4, 2, K, torch.Generator().manual_seed(0))


@pytest.mark.parametrize("length, max_depth", [(1, 4), (30, 4), (60, 2)])
def test_counting_batch_depths(length: int, max_depth: int):
    B = 200
    b = counting_batch(B, length, max_depth, torch.Generator().manual_seed(2))
    assert b.x.shape == (B, length, 2) and b.y.shape == (B, length)
    assert torch.equal(b.x.sum(-1), torch.ones(B, length))
    assert int(b.y.min()) >= 0, "a depth below zero"
    assert int(b.y.max()) <= max_depth, "a depth above max_depth"
    # the target is the running depth of the brackets the tokens show
    steps = np.array([[1 if tok == "(" else -1 for tok in row] for row in b.tokens])
    assert np.array_equal(np.cumsum(steps, axis=1), b.y.numpy())
    # channel 0 is "(", channel 1 is ")"
    assert np.array_equal(b.x.argmax(-1).numpy(), (steps == -1).astype(int))
    if length >= 30:
        assert int(b.y.max()) == max_depth, "long strings reach the deepest nesting"


# ---------------------------------------------------------------- model and training


@pytest.mark.parametrize("bias", [4.0, 0.0, -2.5])
def test_make_model_sets_the_forget_bias(bias: float):
    cfg = gates.GateConfig(hidden_size=8, forget_bias=bias)
    rnn = gates.make_model(cfg).rnn
    H = cfg.hidden_size
    # torch's gate order is i, f, g, o: the forget gate is the second block
    assert torch.allclose(rnn.bias_ih_l0[H:2 * H], torch.full((H,), bias))
    assert torch.equal(rnn.bias_hh_l0[H:2 * H], torch.zeros(H))
    assert not torch.allclose(rnn.bias_ih_l0[:H], torch.full((H,), bias)), "only the forget block is set"


@pytest.mark.parametrize("bias", [4.0, 0.0])
def test_make_model_sets_the_gru_update_bias(bias: float):
    cfg = gates.GateConfig(kind="GRU", hidden_size=8, update_bias=bias)
    rnn, H = gates.make_model(cfg).rnn, 8
    # torch's GRU gate order is r, z, n: the update gate is the second block
    assert torch.allclose(rnn.bias_ih_l0[H:2 * H], torch.full((H,), bias))
    assert torch.equal(rnn.bias_hh_l0[H:2 * H], torch.zeros(H))


def test_make_model_shapes_per_task():
    for task, (inputs, outputs) in {"memory": (9, 4), "replace": (9, 4), "counting": (2, 5), "sine": (1, 1)}.items():
        for kind in gates.CELL_TYPES:
            m = gates.make_model(gates.GateConfig(task=task, kind=kind, hidden_size=6))
            assert (m.rnn.input_size, m.rnn.hidden_size, m.out.out_features) == (inputs, 6, outputs), (task, kind)
    same = [gates.make_model(gates.GateConfig(seed=5)).rnn.weight_hh_l0 for _ in range(2)]
    assert torch.equal(*same), "the seed fixes the initial weights"


def test_build_is_reproducible():
    cfg = gates.GateConfig(steps=24, hidden_size=8)
    (m1, h1), (m2, h2) = finish(cfg), finish(cfg)
    assert [(s.step, s.loss, s.info) for s in h1] == [(s.step, s.loss, s.info) for s in h2]
    for a, b in zip(m1.state_dict().values(), m2.state_dict().values()):
        assert torch.equal(a, b)
    _, h3 = finish(replace(cfg, seed=1))
    assert [s.loss for s in h3] != [s.loss for s in h1], "another seed, another run"


def test_lstm_solves_gap_20_by_default(lstm_run):
    cfg, _, history = lstm_run
    last = history[-1]
    assert last.info["accuracy"] >= gates.SOLVED
    assert last.info["done"] == Message("gates.check.solved", accuracy=last.info["accuracy"])
    assert last.step < cfg.steps, "it stops early"
    assert all(s.step < last.step for s in history[:-1])


def test_vanilla_rnn_at_gap_50_stays_near_chance():
    cfg = gates.GateConfig(kind="RNN", gap=50)
    _, history = finish(cfg)
    last = history[-1]
    assert last.step == cfg.steps and "done" not in last.info
    assert last.info["accuracy"] <= NEAR_CHANCE, last.info
    assert gates.chance(cfg) == 0.25


def test_counting_and_sine_train():
    _, h = finish(gates.GateConfig(task="counting", kind="GRU", steps=SHORT))
    assert "accuracy" in h[-1].info and gates.score_name(gates.GateConfig(task="counting")) == "accuracy"
    cfg = gates.GateConfig(task="sine", steps=SHORT)
    _, h = finish(cfg)
    assert gates.score_name(cfg) == "MSE" and h[-1].info["MSE"] < h[0].info["MSE"]


def test_problem_messages():
    assert gates.problem(gates.GateConfig()) is None
    assert "between 1 and 200" in str(gates.problem(gates.GateConfig(gap=gates.MAX_GAP + 1)))
    assert "between 1 and 200" in str(gates.problem(gates.GateConfig(gap=0)))
    assert gates.problem(gates.GateConfig(gap=1)) is None  # 3 steps: symbol, one distractor, cue
    assert gates.problem(gates.GateConfig(gap=gates.MAX_GAP + 1, task="counting")) is None, "the gap matters only for memory"
    assert "at least 2" in str(gates.problem(gates.GateConfig(task="counting", length=1)))
    assert "hidden size" in str(gates.problem(gates.GateConfig(hidden_size=0)))
    assert gates.problem(gates.GateConfig(hidden_size=1)) is None
    assert "at least 3" in str(gates.problem(gates.GateConfig(task="replace", gap=2)))
    assert gates.problem(gates.GateConfig(task="replace", gap=3)) is None


def test_hidden_size_1_and_gap_1_train_and_read():
    cfg = gates.GateConfig(hidden_size=1, gap=1, steps=SHORT)
    model, history = finish(cfg)
    assert history and np.isfinite(history[-1].loss)
    ex = gates.example(cfg)
    frame = gates.gate_frame(model, ex)
    assert frame["t"].max() == 3 and frame["unit"].max() == 1
    assert gates.proof(model, ex) < ATOL
    units, _ = gates.memory_units(model, cfg)
    assert units == [1]


# ---------------------------------------------------------------- reading the gates


def test_proof_against_torch(lstm_run, gru_run):
    rnn_cfg = gates.GateConfig(kind="RNN", steps=SHORT)
    rnn, _ = finish(rnn_cfg)
    for cfg, model in ((lstm_run[0], lstm_run[1]), (gru_run[0], gru_run[1]), (rnn_cfg, rnn)):
        for index in (0, 3):
            d = gates.proof(model, gates.example(cfg, index))
            assert 0.0 <= d < ATOL, (cfg.kind, index, d)
    counting = gates.GateConfig(task="counting", steps=SHORT)
    model, _ = finish(counting)
    assert gates.proof(model, gates.example(counting)) < ATOL


def test_example_is_fixed_and_indexed():
    cfg = gates.GateConfig()
    a, b, c = gates.example(cfg, 0), gates.example(cfg, 0), gates.example(cfg, 5)
    assert torch.equal(a.x, b.x) and a.tokens == b.tokens
    assert a.x.shape == (1, cfg.gap + 2, memory_input_size(cfg.symbols)) and len(a.tokens) == 1
    assert c.x.shape == a.x.shape and c.tokens != a.tokens
    assert torch.equal(gates.example(cfg, 5).x, c.x)


@pytest.mark.parametrize("run_name", ["lstm_run", "gru_run"])
def test_gate_frame_columns_and_tokens(request, run_name: str):
    cfg, model, _ = request.getfixturevalue(run_name)
    ex = gates.example(cfg, 2)
    frame = gates.gate_frame(model, ex)
    assert list(frame.columns) == FRAME_COLUMNS
    T, H = cfg.gap + 2, cfg.hidden_size
    assert list(frame["gate"].unique()) == list(SHOWN[cfg.kind])
    assert len(frame) == T * H * len(SHOWN[cfg.kind])
    assert sorted(frame["t"].unique()) == list(range(1, T + 1))
    assert sorted(frame["unit"].unique()) == list(range(1, H + 1))
    for t, token in frame.drop_duplicates("t")[["t", "token"]].itertuples(index=False):
        assert token == ex.tokens[0][t - 1]
    assert frame.groupby("t")["token"].nunique().eq(1).all()
    sigmoid = frame[frame["gate"].isin(["forget", "input", "output", "update", "reset"])]["value"]
    assert sigmoid.between(0, 1).all()
    assert frame[frame["gate"] == "hidden"]["value"].abs().max() <= 1


def test_gate_frame_for_rnn_and_sine():
    cfg = gates.GateConfig(kind="RNN", task="sine", steps=2)
    model, _ = finish(cfg)
    ex = gates.example(cfg)
    frame = gates.gate_frame(model, ex)
    assert list(frame["gate"].unique()) == ["preact", "hidden"]
    assert frame["token"].iloc[0] == ex.tokens[0][0] and ex.tokens[0][0][0] in "+-"
    assert gates.saturation(frame).empty, "a vanilla RNN has no gates to saturate"


@pytest.mark.parametrize("run_name, sigmoid", [("lstm_run", {"forget", "input", "output"}),
                                             ("gru_run", {"update", "reset"})])
def test_saturation_shares_sum_to_one(request, run_name: str, sigmoid: set[str]):
    cfg, model, _ = request.getfixturevalue(run_name)
    frame = gates.gate_frame(model, gates.example(cfg))
    sat = gates.saturation(frame)
    assert list(sat.columns) == ["gate", "range", "share"]
    assert set(sat["gate"]) == sigmoid
    assert list(sat["range"].unique()) == ["< 0.1", "between", "> 0.9"]
    assert list(sat["gate"].unique()) == [g for g in frame["gate"].unique() if g in sigmoid], "the heatmaps' order"
    assert np.allclose(sat.groupby("gate")["share"].sum(), 1.0)
    assert sat["share"].between(0, 1).all()
    # the shares are the counts they claim
    share = sat.set_index(["gate", "range"])["share"]
    for gate in sigmoid:
        v = frame.loc[frame["gate"] == gate, "value"]
        assert share[(gate, "> 0.9")] == pytest.approx(float((v > 0.9).mean()))
        assert share[(gate, "< 0.1")] == pytest.approx(float((v < 0.1).mean()))


def test_memory_units_and_their_forget_gate(lstm_run):
    cfg, model, _ = lstm_run
    for k in (1, 3, 5):
        units, forget = gates.memory_units(model, cfg, k=k)
        assert len(units) == k == len(set(units))
        assert all(1 <= u <= cfg.hidden_size for u in units)
        assert list(forget.columns) == ["t", "unit", "forget"]
        assert set(forget["unit"]) == set(units)
        assert sorted(forget["t"].unique()) == list(range(1, cfg.gap + 3))
        assert ((forget["forget"] > 0) & (forget["forget"] < 1)).all()
    # the point of the page: across the gap the memory units keep their cell (f near 1)
    units, forget = gates.memory_units(model, cfg)
    gap = forget[(forget["t"] > 1) & (forget["t"] <= cfg.gap + 1)]
    assert gap["forget"].mean() > 0.9 and gap["forget"].min() > 0.8, gap["forget"].describe()


def test_step_values_satisfy_the_lstm_equations(lstm_run):
    cfg, model, _ = lstm_run
    frame = gates.gate_frame(model, gates.example(cfg, 1))
    T = int(frame["t"].max())
    for unit in (1, 5, cfg.hidden_size):
        for t in (1, 2, T // 2, T):
            v = gates.step_values(frame, t, unit)
            assert {"forget", "input", "output", "candidate", "cell", "hidden", "cell_prev"} <= set(v)
            if t == 1:
                assert v["cell_prev"] == 0.0 and v["hidden_prev"] == 0.0
            assert v["cell"] == pytest.approx(v["forget"] * v["cell_prev"] + v["input"] * v["candidate"], abs=ATOL)
            assert v["hidden"] == pytest.approx(v["output"] * np.tanh(v["cell"]), abs=ATOL)
    v = gates.step_values(frame, 2, 1)
    before = frame[(frame["t"] == 1) & (frame["unit"] == 1)].set_index("gate")["value"]
    assert v["cell_prev"] == before["cell"] and v["hidden_prev"] == before["hidden"]


def test_step_values_satisfy_the_gru_equation(gru_run):
    cfg, model, _ = gru_run
    frame = gates.gate_frame(model, gates.example(cfg, 1))
    T = int(frame["t"].max())
    for unit in (1, 7, cfg.hidden_size):
        for t in (1, 2, T // 2, T):
            v = gates.step_values(frame, t, unit)
            assert {"update", "reset", "candidate", "hidden", "hidden_prev"} <= set(v)
            expected = (1 - v["update"]) * v["candidate"] + v["update"] * v["hidden_prev"]
            assert v["hidden"] == pytest.approx(expected, abs=ATOL)


def test_gap_sweep_rows():
    base = gates.GateConfig(steps=6, hidden_size=4, task="counting")  # the sweep forces the memory task
    rows = list(gates.gap_sweep(base, ("LSTM", "RNN"), (2, 3)))
    assert [(r.gap, r.kind) for r in rows] == [(2, "LSTM"), (2, "RNN"), (3, "LSTM"), (3, "RNN")]
    for r in rows:
        assert r.seconds > 0
    again = list(gates.gap_sweep(base, ("LSTM", "RNN"), (2, 3)))
    assert [r.accuracy for r in again] == [r.accuracy for r in rows], "same seed, same results"


def sweep_rows(acc: dict[int, tuple[float, float, float]]):
    """A comparison's rows from {gap: (LSTM, GRU, RNN) accuracies}."""
    import pandas as pd
    return pd.DataFrame([{"kind": k, "gap": g, "accuracy": a, "seconds": 1.0}
                         for g, accs in acc.items() for k, a in zip(gates.CELL_TYPES, accs)])


@pytest.mark.parametrize("acc, verdict", [
    ({5: (1, 1, 1), 50: (1, 1, 0.26)}, "holds"),
    ({5: (1, 1, 1), 50: (0.998, 1.0, 0.3)}, "holds"),  # GRU a hair above the LSTM: they coincide
    ({5: (1, 1, 1), 10: (1, 1, 1)}, "short_gap"),
    ({5: (1, 1, 1), 50: (1, 1, 0.94)}, "rnn_carried"),
    ({50: (0.25, 0.27, 0.24)}, "no_steps"),
    ({50: (0.75, 1.0, 0.25)}, "lstm_stuck"),
    ({50: (1.0, 0.26, 0.25)}, "gru_stuck"),
])
def test_sweep_lesson_verdicts(acc, verdict: str):
    lesson = gates.sweep_lesson(sweep_rows(acc), gates.GateConfig())
    assert lesson.verdict == verdict, lesson
    longest = max(acc)
    assert lesson.gap == longest and (lesson.lstm, lesson.gru, lesson.rnn) == acc[longest]
    assert lesson.chance == 0.25
    assert list(lesson.coincide) == [g for g, (lstm, gru, _) in acc.items() if abs(lstm - gru) < gates.COINCIDE]


def test_keep_verdict():
    assert gates.keep_verdict(gates.KeepGateLearnt(trained=0.986, init=0.981, sigma_b=0.98)) == "stayed"
    assert gates.keep_verdict(gates.KeepGateLearnt(trained=0.88, init=0.98, sigma_b=0.98)) == "down"
    assert gates.keep_verdict(gates.KeepGateLearnt(trained=0.99, init=0.6, sigma_b=0.98)) == "up"


def test_read_outs_of_a_short_replace_run():
    cfg = gates.GateConfig(task="replace", steps=SHORT, hidden_size=6, gap=6)
    model, history = finish(cfg)
    assert history[-1].step == SHORT and "done" not in history[-1].info, "the replace task trains all its steps"
    units, frame = gates.memory_units(model, cfg)
    assert len(units) == 3 and list(frame.columns) == ["t", "unit", "forget"]
    drop = gates.keep_gate_drop(model, cfg, units)
    assert drop.unit in units and 0 < drop.at_replace < 1 and 0 < drop.elsewhere < 1
    sep = gates.separation(model, cfg, units)
    assert 0 <= sep.lowest <= sep.at_cue <= 1
    traces = gates.memory_traces(model, cfg, units[:2], n=5)
    assert list(traces.columns) == ["unit", "example", "t", "value", "symbol", "first"]
    assert len(traces) == 2 * 5 * (cfg.gap + 2) and set(traces["unit"]) == set(units[:2])
    tokens = gates.sample(cfg, 5, torch.Generator().manual_seed(40_000 + cfg.seed), gates.replace_step(cfg)).tokens
    assert all(row[gates.replace_step(cfg) - 1].isupper() for row in tokens)
    keep = gates.keep_gate_frame(model, cfg, units, at=gates.replace_step(cfg))
    assert set(keep["unit"]) == set(units) and keep["forget"].between(0, 1).all()
    learnt = gates.keep_gate_learnt(model, cfg, units)
    assert learnt.sigma_b == pytest.approx(1 / (1 + np.exp(-cfg.forget_bias)))


def test_keep_gate_spread_and_axis():
    rows = pd.DataFrame({"t": [1, 1, 2, 2], "unit": [3, 5, 3, 5], "forget": [0.981, 0.990, 0.985, 0.987]})
    spread = gates.keep_gate_spread(rows, "forget")
    assert asdict(spread) == pytest.approx({"spread": 0.009, "lo": 0.981, "hi": 0.990})
    assert gates.keep_axis_low(spread) == 0.95, "lines near 1: the axis starts just below them"
    assert gates.keep_axis_low(gates.Spread(spread=0.0, lo=0.9, hi=0.95)) == 0.85, "never a line on the axis' edge"
    assert gates.keep_axis_low(gates.Spread(spread=0.5, lo=0.3, hi=0.99)) == 0.0, "a gate that drops low: the full axis"


def test_after_solved_reads_the_runs_record():
    cfg = gates.GateConfig(task="replace", steps=2)
    model, _ = finish(cfg)
    assert gates.after_solved(cfg, {"accuracy": 0.3}, model) is None, "never solved: nothing to explain"
    units = gates.memory_units(model, cfg).units
    drop = gates.keep_gate_drop(model, cfg, units)
    now = drop.elsewhere - drop.at_replace
    went_on = gates.after_solved(cfg, {"when_solved": {"step": 1, "drop": now - 0.2}}, model)
    assert (went_on.solved_step, went_on.verdict) == (1, "learnt_after")
    assert went_on.drop_then == pytest.approx(now - 0.2) and went_on.drop_now == pytest.approx(now)
    assert gates.after_solved(cfg, {"when_solved": {"step": 1, "drop": now}}, model).verdict == "already"


# ---------------------------------------------------------------- what the page says


def test_sections_are_numbered_without_gaps():
    assert gates.sections(None) == {"train": 1, "sweep": 2}
    assert list(gates.sections(gates.GateConfig())) == ["train", "heat", "eq", "held", "numbers", "intervene", "sweep"]
    assert gates.sections(gates.GateConfig(kind="RNN", task="counting")) == {"train": 1, "heat": 2, "eq": 3,
                                                                               "intervene": 4, "sweep": 5}
    assert gates.sections(gates.GateConfig(kind="RNN"))["sweep"] == 6


def test_lists_are_said_in_the_learners_language():
    from rnnviz.i18n import set_language, tr
    try:
        assert str(gates.Listing([3, 5, 7])) == "3, 5, 7"
        set_language("zh")
        assert str(gates.Listing([3, 5, 7])) == "3、5、7"
        lesson = gates.sweep_lesson(sweep_rows({5: (1, 1, 1), 20: (1, 1, 0.3)}), gates.GateConfig())
        assert str(gates.coincide_note(lesson)) == tr("gates.sweep.coincide", gaps="5、20")
    finally:
        set_language("en")


def test_verdicts_are_messages_with_the_runs_numbers():
    cfg = gates.GateConfig()
    at_chance = Snapshot(400, 400, 1.0, 0.1, {"accuracy": 0.3})
    assert gates.recall_note(cfg, at_chance).key == "gates.train.at_chance_gated"
    assert gates.recall_note(replace(cfg, kind="RNN"), at_chance).key == "gates.train.at_chance_rnn"
    partly = Snapshot(400, 400, 1.0, 0.1, {"accuracy": 0.6})
    assert gates.recall_note(replace(cfg, kind="RNN"), partly) == Message(
        "gates.train.partial_rnn", accuracy=0.6, gap=cfg.gap, chance=0.25)
    assert gates.recall_note(cfg, partly) is None, "a gated model above chance: nothing to explain"
    assert gates.keep_axis_note(gates.Spread(0.1, 0.2, 0.9), 0.0, [1], "forget") is None
    assert gates.keep_axis_note(gates.Spread(0.01, 0.97, 0.98), 0.95, [1], "forget").key == "gates.numbers.overlap_zoomed"
    assert gates.keep_axis_note(gates.Spread(0.1, 0.9, 0.99), 0.85, [1], "forget").key == "gates.numbers.zoomed"
    drop = gates.KeepGateDrop(unit=2, at_replace=0.5, elsewhere=0.9, mean_at=0.6, mean_elsewhere=0.9)
    assert gates.drop_note(replace(cfg, task="replace"), drop).key == "gates.numbers.dropped"
    assert gates.drop_note(replace(cfg, task="replace"), replace(drop, at_replace=0.88)).key == "gates.numbers.no_drop"
    assert "drops by 0.400" in str(gates.drop_note(replace(cfg, task="replace"), drop))
    rows = sweep_rows({5: (1, 1, 1), 50: (1.0, 0.26, 0.25)})
    verdict = gates.sweep_verdict(gates.sweep_lesson(rows, cfg), rows, cfg)
    assert verdict.key == "gates.sweep.verdict_gru_stuck" and "σ(b_z) = σ(4.0)" in str(verdict)


def test_sweep_frame_reads_rows_of_the_comparison():
    rows = [gates.SweepRow("LSTM", 5, 1.0, 2.0), gates.SweepRow("RNN", 5, 0.5, 1.0)]
    frame = gates.sweep_frame(rows)
    assert list(frame.columns) == ["kind", "gap", "accuracy", "seconds"] and frame["accuracy"].tolist() == [1.0, 0.5]
    table = gates.sweep_table(frame)
    assert table.loc[5, "RNN"] == 0.5 and table.columns.tolist() == ["LSTM", "RNN"]
    assert gates.Sweep(gates.GateConfig(), (5,), tuple(rows)).frame.equals(frame)
