"""The RNN-unrolling experiments: the worked example, hello -> ohlol, gradients through time."""

import itertools
import math
import sys
from pathlib import Path

import pandas as pd
import pytest
import torch
from streamlit.testing.v1 import AppTest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import reference_hello

from rnnviz import charts, unrolling
from rnnviz.i18n import Message


@pytest.mark.parametrize("variant", list(unrolling.VARIANTS))
def test_default_seed_solves_hello_within_15_epochs(variant):
    cfg = unrolling.HelloConfig(variant, unrolling.LR_OF_VARIANT[variant])
    model = unrolling.hello_model(cfg)
    predicted = [s.info["predicted"] for s in unrolling.train_hello(cfg, model)]
    assert len(predicted) == 15
    assert "ohlol" in predicted


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("variant", list(unrolling.VARIANTS))
def test_hello_prints_what_the_notes_code_prints(variant, seed):
    """The notes' scripts (bench/reference_hello.py) and the engine, same seed and the notes'
    learning rate: the same predicted string and loss on every printed line, in the notes' format."""
    cfg = unrolling.HelloConfig(variant, unrolling.LR_OF_VARIANT[variant], 15, seed)
    assert cfg.lr == reference_hello.NOTES_LR[variant]  # the page's default is the notes' recipe
    ours = list(unrolling.train_hello(cfg, unrolling.hello_model(cfg)))
    ref = reference_hello.RUN[variant](seed)
    assert [s.info["predicted"] for s in ours] == ref["predicted"]
    assert [s.loss for s in ours] == pytest.approx(ref["losses"], rel=1e-5)
    line = unrolling.printout_line(variant, ours[0].info["predicted"], 1, 15, ours[0].loss)
    if variant == "cell":  # print('Predicted string: ' + ..., end=''); print(', Epoch [%d/15] loss=%.4f' % ...)
        assert line == f"Predicted string: {ref['predicted'][0]}, Epoch [1/15] loss={ref['losses'][0]:.4f}"
    else:  # print('Predicted: ', ..., end=''); print(', Epoch [%d/15] loss = %.3f' % ...)
        assert line == f"Predicted:  {ref['predicted'][0]}, Epoch [1/15] loss = {ref['losses'][0]:.3f}"


def test_the_cell_loss_is_the_sum_and_the_others_the_mean():
    """The notes: loss += criterion(...) per letter in the RNNCell loop; one mean over (5, 4) with nn.RNN.
    Same weights, same letters: the sum is 5 times the mean."""
    cell = unrolling.hello_model(unrolling.HelloConfig("cell"))
    rnn = unrolling.HelloTagger("rnn")
    rnn.rnn.load_state_dict({k + "_l0": v for k, v in cell.rnn.state_dict().items()})
    x, y = unrolling.encode(unrolling.HELLO_IN), unrolling.encode(unrolling.HELLO_OUT)
    summed, mean = unrolling.hello_loss(cell, cell(x), y), unrolling.hello_loss(rnn, rnn(x), y)
    assert float(summed.detach()) == pytest.approx(5 * float(mean.detach()), rel=1e-5)


def test_solved_from_and_first_solved():
    assert unrolling.first_solved(["ohlll", "ohlol", "ohool", "ohlol"]) == 2
    assert unrolling.solved_from(["ohlll", "ohlol", "ohool", "ohlol"]) == 4
    assert unrolling.solved_from(["ohlol", "ohlol"]) == 1
    assert unrolling.solved_from(["ohlol", "ohool"]) is None and unrolling.first_solved(["ohlll"]) is None


def test_a_model_that_did_not_learn_the_two_ls_is_told_so():
    """Seed 0, the RNNCell recipe: "ohlll" after 15 epochs, the same letter at both l's."""
    cfg = unrolling.HelloConfig("cell", 0.1, 15, 0)
    model = unrolling.hello_model(cfg)
    predicted = [s.info["predicted"] for s in unrolling.train_hello(cfg, model)]
    assert unrolling.first_solved(predicted) is None
    mem = unrolling.memory_check(model)
    assert not mem.told_apart and mem.right == 4


def test_the_embedding_frame_is_the_learnt_table():
    model = unrolling.hello_model(unrolling.HelloConfig("embed", 0.05))
    emb = unrolling.embedding_frame(model)
    assert len(emb) == 4 * 10 and list(emb["letter"].unique()) == list(unrolling.HELLO_CHARS)
    assert emb["value"].tolist()[:10] == pytest.approx(model.emb.weight[0].tolist())
    assert unrolling.embedding_frame(unrolling.hello_model(unrolling.HelloConfig("cell"))) is None


def test_hello_hidden_frame_has_every_layer_unit_and_letter():
    cfg = unrolling.HelloConfig("embed", 0.05)
    model = unrolling.hello_model(cfg)
    df = unrolling.hello_hidden_frame(model)
    assert set(df["layer"]) == {1, 2}
    assert len(df) == 5 * 8 * 2
    assert list(df[(df.layer == 1) & (df.unit == 1)]["char"]) == ["1:h", "2:e", "3:l", "4:l", "5:o"]


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("num_layers", [1, 3])
def test_step_numbers_add_up(batch_first, num_layers):
    ex = unrolling.worked_example(unrolling.UnrollConfig(seq_len=4, batch_size=2, num_layers=num_layers, batch_first=batch_first))
    for layer in range(num_layers):
        for t in range(1, 5):
            n = unrolling.step_numbers(ex, t, layer, sample=1)
            assert torch.allclose(n["preact"], n["W_ih x_t"] + n["b_ih"] + n["W_hh h_prev"] + n["b_hh"], atol=1e-6)
            assert torch.allclose(n["h_t"], torch.tanh(n["preact"]), atol=1e-6)
    # the last step of the last layer is what nn.RNN returns in h_n
    with torch.no_grad():
        _, h_n = ex.rnn(ex.x)
    assert torch.allclose(unrolling.step_numbers(ex, 4, num_layers - 1, 1)["h_t"], h_n[-1, 1], atol=1e-5)


def test_first_step_starts_from_zero_state():
    n = unrolling.step_numbers(unrolling.worked_example(unrolling.UnrollConfig()), 1)
    assert torch.equal(n["h_prev"], torch.zeros(2))


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_three_ways_agree(nonlinearity):
    three = unrolling.three_ways(unrolling.worked_example(unrolling.UnrollConfig(seq_len=20, batch_size=3, hidden_size=16,
                                                         num_layers=2, nonlinearity=nonlinearity)))
    assert three.by_hand.shape == three.by_cell.shape == three.by_module.shape == (20, 3, 16)
    assert three.max_diff() < 1e-5


def test_shape_table_follows_batch_first():
    cfg = unrolling.UnrollConfig(seq_len=3, batch_size=5, input_size=4, hidden_size=2, num_layers=2)
    table = unrolling.shape_table(unrolling.worked_example(cfg)).set_index("tensor")["shape"]
    assert (table["input"], table["output"], table["h_n"]) == ("(3, 5, 4)", "(3, 5, 2)", "(2, 5, 2)")
    assert table["weight_ih_l1"] == "(2, 2)"
    cfg_bf = unrolling.UnrollConfig(seq_len=3, batch_size=5, input_size=4, hidden_size=2, num_layers=2, batch_first=True)
    table = unrolling.shape_table(unrolling.worked_example(cfg_bf)).set_index("tensor")["shape"]
    assert (table["input"], table["output"], table["h_n"]) == ("(5, 3, 4)", "(5, 3, 2)", "(2, 5, 2)")


def test_output_meets_h_n_at_the_last_step():
    for bf in (False, True):
        assert unrolling.output_vs_h_n(unrolling.worked_example(unrolling.UnrollConfig(num_layers=2, batch_size=3, batch_first=bf))) < 1e-6


def test_extreme_sizes_work():
    ex = unrolling.worked_example(unrolling.UnrollConfig(seq_len=1, batch_size=1, input_size=1, hidden_size=1, num_layers=4))
    assert unrolling.three_ways(ex).max_diff() < 1e-6
    assert unrolling.step_numbers(ex, 1, 3)["h_t"].shape == (1,)


def _ratio(df, model):
    g = df[df.model == model]["grad_norm"].to_numpy()
    return g[0] / g[-1]


def test_rnn_gradient_vanishes_where_the_lstm_keeps_it():
    df = unrolling.gradient_norms(unrolling.GradConfig())
    assert list(df.columns) == ["t", "model", "grad_norm"] and len(df) == 100
    assert _ratio(df, "RNN") < 1e-4  # vanished across 50 steps
    assert _ratio(df, "LSTM") > 1e-2  # the forget gate (bias 3) keeps the path open


def test_large_weight_scale_explodes_the_rnn_gradient():
    df = unrolling.gradient_norms(unrolling.GradConfig(weight_scale=3.0, nonlinearity="relu"))
    assert _ratio(df, "RNN") > 1e6


def test_overflow_becomes_nan_not_an_exception():
    df = unrolling.gradient_norms(unrolling.GradConfig(seq_len=400, weight_scale=4.0, nonlinearity="relu"))
    rnn = df[df.model == "RNN"]["grad_norm"]
    assert rnn.isna().any()
    assert df[df.model == "LSTM"]["grad_norm"].map(math.isfinite).all()


def test_forget_bias_zero_makes_the_lstm_vanish_too():
    df = unrolling.gradient_norms(unrolling.GradConfig(forget_bias=0.0))
    assert _ratio(df, "LSTM") < 1e-6


@pytest.mark.parametrize("settings, lesson", [
    ({}, "shown"),
    ({"forget_bias": 0.0}, "lstm_vanished"),
    ({"weight_scale": 2.0, "nonlinearity": "relu"}, "rnn_exploded"),
    ({"weight_scale": 1.5}, "rnn_kept"),
    ({"weight_scale": 4.0, "nonlinearity": "relu", "seq_len": 400}, "rnn_exploded"),
])
def test_the_gradient_verdict_follows_the_run(settings, lesson):
    """The sentence section 5 says is read from the run: a setting that breaks the lesson gets its own."""
    cfg = unrolling.GradConfig(**settings)
    verdict = unrolling.gradient_verdict(unrolling.gradient_norms(cfg), cfg)
    assert verdict.lesson == lesson, verdict


# ---------------------------------------------------------------- the text's counts, the charts' axes


@pytest.mark.parametrize("batch", [1, 2, 3])
@pytest.mark.parametrize("layers", [1, 2])
def test_the_counts_the_text_states_are_the_runs_shapes(batch, layers):
    """Section 1 and 2 state counts (numbers compared, parameters shared); each comes from the run."""
    ex = unrolling.worked_example(unrolling.UnrollConfig(batch_size=batch, num_layers=layers))
    three = unrolling.three_ways(ex)
    counts = three.counts()
    assert (counts["T"], counts["B"], counts["H"]) == (3, batch, 2)
    assert counts["n"] == three.by_module.numel() == 3 * batch * 2  # layer 1, every sequence
    shared = unrolling.shared_weights(ex)
    assert shared["rnn"] == unrolling.parameter_count(ex.rnn) == 16 + 12 * (layers - 1)  # nn.RNN(4, 2), then (2, 2)
    assert shared["readout"] == 12 and shared["layers"] == layers  # Linear(2, 4)
    assert shared["real"] == shared["rnn"] + shared["readout"] and shared["if_unshared"] == 3 * shared["real"]


def test_a_one_axis_shape_prints_as_python_prints_it():
    assert unrolling.shape_text((2,)) == "(2,)" and unrolling.shape_text((3, 1, 4)) == "(3, 1, 4)"
    table = unrolling.shape_table(unrolling.worked_example(unrolling.UnrollConfig())).set_index("tensor")["shape"]
    assert table["bias_ih_l0"] == "(2,)"


def test_heatmap_ticks_are_whole_and_evenly_spaced():
    assert charts.int_ticks(range(1, 4), 30) == [1, 2, 3]
    for n, most in [(40, 30), (64, 30), (64, 12), (400, 30)]:
        ticks = charts.int_ticks(list(range(1, n + 1)), most)
        gaps = {b - a for a, b in itertools.pairwise(ticks)}
        assert len(ticks) <= most and len(gaps) == 1 and all(isinstance(v, int) for v in ticks), (n, ticks)
    assert charts.int_ticks(["1:h", "2:e"], 30) is None  # not numbers: the axis keeps its own labels
    df = pd.DataFrame([(t, u, 0.1) for t in range(1, 65) for u in range(1, 65)], columns=["t", "unit", "value"])
    spec = charts.heatmap(df, "t", "unit", "h", "time step t", "hidden unit", even_ticks=True).to_dict()
    x, y = spec["encoding"]["x"]["axis"], spec["encoding"]["y"]["axis"]
    assert x["values"] == list(range(5, 65, 5)) and not x["labelOverlap"]  # every label shown, none dropped
    assert y["values"][:2] == [5, 10] and spec["height"] == {"step": 400 / 64}
    # a lone small positive value among negatives is pale, not as red as the largest value is blue
    few = pd.DataFrame({"t": [1, 2, 3], "unit": [1, 1, 1], "value": [-0.83, 0.026, -0.5]})
    scale = charts.heatmap(few, "t", "unit", "h", "t", "unit", symmetric=True).to_dict()["encoding"]["color"]["scale"]
    assert scale["domain"] == [-0.83, 0.83] and scale["domainMid"] == 0


def test_the_gradient_axis_has_one_tick_format_and_starts_at_step_1():
    df = unrolling.gradient_norms(unrolling.GradConfig())
    assert charts.log_format(df["grad_norm"]) == ".0e"  # 1e-7 .. 4: powers of ten throughout
    assert charts.log_format([0.05, 4.0]) == "~g"  # a narrow range: plain decimals throughout
    spec = charts.line(df, "t", "grad_norm", "g", "time step t", "norm", color="model", log_y=True,
                       x_domain=(1, 50), x_whole=True, y_format=charts.log_format(df["grad_norm"])).to_dict()
    assert spec["encoding"]["y"]["axis"]["format"] == ".0e" and spec["encoding"]["y"]["scale"]["type"] == "log"
    assert spec["encoding"]["x"]["scale"]["domain"] == [1, 50]  # no step 0
    assert spec["encoding"]["x"]["axis"]["tickMinStep"] == 1


# ---------------------------------------------------------------- what the page says, decided here


def test_the_step_table_is_the_steps_numbers_per_unit():
    ex = unrolling.worked_example(unrolling.UnrollConfig(hidden_size=3, num_layers=2))
    n = unrolling.step_numbers(ex, 2, layer=1)
    table = unrolling.step_table(n)
    assert list(table.columns) == ["unit", "ih", "hh", "preact", "h_prev", "h_t"] and table["unit"].tolist() == [1, 2, 3]
    assert table["ih"].add(table["hh"]).tolist() == pytest.approx(table["preact"].tolist(), abs=1e-6)
    assert table["h_t"].tolist() == pytest.approx(torch.tanh(n["preact"]).tolist())
    assert table["h_prev"].tolist() == pytest.approx(unrolling.step_numbers(ex, 1, layer=1)["h_t"].tolist())


def test_the_three_ways_table_is_one_sequence_and_the_verdict_follows_the_difference():
    three = unrolling.three_ways(unrolling.worked_example(unrolling.UnrollConfig(seq_len=2, batch_size=2)))
    table = three.table(sample=1)
    assert list(zip(table["t"], table["unit"])) == [(1, 1), (1, 2), (2, 1), (2, 2)]
    assert table["by_module"].tolist() == pytest.approx(three.by_module[:, 1].flatten().tolist())
    agree = three.verdict("tanh")
    assert [m.key for m in agree] in (["unrolling.ways.agree"], ["unrolling.ways.agree_exact"])
    assert agree[0].values["n"] == 2 * 2 * 2
    off = unrolling.ThreeWays(three.by_hand + 0.01, three.by_cell, three.by_module)  # a way that is off
    assert [m.key for m in off.verdict("relu")] == ["unrolling.ways.disagree", "unrolling.ways.disagree_relu"]
    assert [m.key for m in off.verdict("tanh")] == ["unrolling.ways.disagree"]
    assert off.verdict("tanh")[0].values["diff"] == pytest.approx(0.01, rel=1e-3)


@pytest.mark.parametrize("sizes, key", [({}, "unrolling.step.shared"), ({"seq_len": 1}, "unrolling.step.shared_one"),
                                        ({"num_layers": 2}, "unrolling.step.shared_stacked")])
def test_the_weight_sharing_sentence_follows_the_sizes(sizes, key):
    ex = unrolling.worked_example(unrolling.UnrollConfig(**sizes))
    said = unrolling.weight_sharing(ex)
    assert said.key == key and said.values == unrolling.shared_weights(ex)


def test_the_shape_table_holds_stable_values_and_messages():
    table = unrolling.shape_table(unrolling.worked_example(unrolling.UnrollConfig(num_layers=2))).set_index("tensor")
    assert table.loc["h_n", "holds"] == Message("unrolling.shapes.h_n")
    assert table.loc["weight_hh_l1", "holds"] == Message("unrolling.shapes.parameter", layer=2,
                                                         kind=Message("unrolling.shapes.weight"))
    assert table.loc["weight_ih_l0", "axes"] == Message("unrolling.shapes.weight_ih_axes")
    assert table.loc["bias_hh_l1", "axes"] == "(hidden_size,)"


def _outcome(variant, lr, seed, epochs=15):
    cfg = unrolling.HelloConfig(variant, lr, epochs, seed)
    history = unrolling.hello_history(list(unrolling.train_hello(cfg, unrolling.hello_model(cfg))))
    return history, unrolling.hello_outcome(cfg, history, finished=True)


def test_the_hello_outcome_reads_the_printout():
    history, solved = _outcome("cell", 0.1, 2)
    assert list(history.columns) == ["epoch", "predicted", "loss"] and history["epoch"].tolist() == list(range(1, 16))
    assert solved.solved and solved.result.key == "unrolling.hello.solved" and not solved.notes_claim
    # the notes' nn.RNN recipe on seed 0: "ohlll" for its last 9 epochs, stuck; a small model
    history, missed = _outcome("rnn", 0.05, 0)
    assert not missed.solved and missed.result == Message("unrolling.hello.not_solved", last="ohlll", right=4, epochs=15)
    assert [m.key for m in missed.notes_claim] == ["unrolling.hello.notes_claim_stuck", "unrolling.hello.small_model"]
    assert missed.notes_claim[0].values["stuck"] == 9
    # not the notes' recipe (another learning rate): no claim about the notes
    _, other = _outcome("rnn", 0.02, 0)
    assert not unrolling.HelloConfig("rnn", 0.02).notes_recipe and other.notes_claim == ()
    # an unfinished run says nothing about the recipe yet
    cfg = unrolling.HelloConfig("rnn", 0.05, 15, 0)
    assert unrolling.hello_outcome(cfg, history, finished=False).notes_claim == ()
    printed = unrolling.printout(cfg, history, last=3).splitlines()
    assert len(printed) == 3 and printed[-1].startswith("Predicted:  ohlll, Epoch [15/15]")


def test_the_memory_sentence_follows_the_check():
    cfg = unrolling.HelloConfig("cell", 0.1, 15, 2)
    model = unrolling.hello_model(cfg)
    list(unrolling.train_hello(cfg, model))
    mem = unrolling.memory_check(model)
    assert mem.sentence().key == "unrolling.hello.memory_ok" and mem.sentence().values["right_nm"] <= 4
    same = unrolling.MemoryCheck(2, 3, "l", ("l", "o"), "ohlll", "ohlll", 0.01)
    assert same.sentence() == Message("unrolling.hello.memory_none_same", a="l", dist=0.01)
    apart = unrolling.MemoryCheck(2, 3, "l", ("l", "o"), "ohlll", "ohlll", 1.0)
    assert apart.sentence().key == "unrolling.hello.memory_none"
    other = unrolling.MemoryCheck(2, 3, "l", ("l", "o"), "ohleh", "ohlll", 1.0)
    assert other.sentence().key == "unrolling.hello.memory_other" and other.sentence().values["right"] == 3


def test_the_gradient_verdict_names_each_models_reach_and_overflow():
    cfg = unrolling.GradConfig(seq_len=400, weight_scale=4.0, nonlinearity="relu")
    verdict = unrolling.gradient_verdict(unrolling.gradient_norms(cfg), cfg)
    assert verdict.rnn.kind == "overflow" and verdict.lstm.overflowed_to is None
    assert [m.model for m in verdict.overflowed] == ["RNN"] and 1 <= verdict.rnn.overflowed_to < 400
    said = verdict.sentence()
    assert said.key == "unrolling.grad.lesson_rnn_exploded"
    assert said.values["rnn"] == Message("unrolling.grad.overflowed") and said.values["T"] == 400
    default = unrolling.GradConfig()
    shown = unrolling.gradient_verdict(unrolling.gradient_norms(default), default)
    assert shown.overflowed == [] and shown.sentence().values["rnn"] == f"{shown.rnn.ratio:.2e}"
    one = unrolling.GradConfig(seq_len=1)
    assert unrolling.gradient_verdict(unrolling.gradient_norms(one), one).sentence() is None  # no way back


def test_the_step_equations_print_the_steps_numbers_or_nothing_when_too_large():
    n = unrolling.step_numbers(unrolling.worked_example(unrolling.UnrollConfig(num_layers=2)), 3, layer=1)
    lines = charts.step_equations(n, 3, 1, "relu")
    assert lines[0].startswith(r"W_{ih}h^{(1)}_3 + b_{ih} = \begin{bmatrix}") and r"h_3 = \mathrm{relu}" in lines[2]
    assert len(lines) == 4 and lines[3].startswith("y_3 = W_{hy}h_3")  # the last layer: its output too
    assert len(charts.step_equations(unrolling.step_numbers(unrolling.worked_example(unrolling.UnrollConfig(
        num_layers=2)), 3, layer=0), 3, 0, "tanh")) == 3  # a lower layer has no output layer
    big = unrolling.step_numbers(unrolling.worked_example(unrolling.UnrollConfig(input_size=7)), 1)
    assert charts.step_equations(big, 1, 0, "tanh") is None


# ---------------------------------------------------------------- the page: text that follows the settings

APP = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")


def open_unrolling() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/1_RNN_Unrolling.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_every_formula_and_sentence_names_the_runs_nonlinearity():
    at = open_unrolling()
    assert r"h_t = \tanh(" in at.latex[0].value
    at.selectbox(key="unroll_nl").set_value("relu").run()
    at.selectbox(key="gtt_nl").set_value("relu").run()
    assert not at.exception
    equations = [x.value for x in at.latex]
    assert r"h_t = \mathrm{relu}(" in equations[0] and r"h_1 = \mathrm{relu}" in " ".join(equations)
    assert not any(r"\tanh" in e for e in equations), equations
    assert any(c.value.startswith("**relu**, chosen in section 1") for c in at.caption)
    text = " ".join(m.value for m in at.markdown)
    assert "relu′" in text and "tanh′" not in text  # section 5's intro and its lesson
    at.selectbox(key="gtt_nl").set_value("tanh").run()
    text = " ".join(m.value for m in at.markdown)
    assert "tanh′" in text and "relu′" not in text


def reveal(at: AppTest) -> AppTest:
    """Press every checkpoint's "Show me" (the page hides what answers a checkpoint until then)."""
    keys = [b.key for b in at.button if (b.key or "").startswith("checkpoint_") and b.key.endswith("__show")]
    for key in keys:  # one at a time: a checkpoint that reveals runs the page again
        at.button(key=key).click().run()
    return at


def test_every_count_in_the_text_agrees_with_the_tables_shown():
    """Batch 1, 2, 3 and layers 1, 2: what sections 1 and 2 say matches their tables."""
    at = open_unrolling()
    for layers in (1, 2):
        for batch in (1, 2, 3):
            at.number_input(key="unroll_layers").set_value(layers).run()
            at.number_input(key="unroll_batch").set_value(batch).run()
            assert not reveal(at).exception  # the verdict, the table and the sentence answer checkpoints
            captions = [c.value for c in at.caption]
            verdict = next(c for c in captions if c.startswith("They agree: over all"))
            assert f"over all {3 * batch * 2} numbers of layer 1" in verdict
            assert f"= 3 × {batch} × 2)" in verdict
            ways = next(tb.value for tb in at.table if "nn.RNN (one call)" in tb.value.columns)
            assert len(ways) == 3 * 2  # one sequence's rows: seq_len × hidden_size
            if batch > 1:  # the table is one sequence of several: the page says which and how many
                assert any(c.startswith(f"All 6 rows (seq_len × hidden_size = 3 × 2) of sequence 1 of {batch}")
                           for c in captions), captions
            else:
                assert not any(c.startswith("All 6 rows") for c in captions)
            text = " ".join(m.value for m in at.markdown)
            real = 28 + 12 * (layers - 1)
            start = "**Not 3 layers:**" if layers == 1 else "**Not 3 × 2 layers:**"
            assert start in text and f"learns **{real}** numbers" in text and f"need {3 * real}." in text
            per_unit = next(tb.value for tb in at.table if "hₜ" in tb.value.columns)
            assert list(per_unit.index) == [1, 2]  # the units the sentence above it counts
            step = "**Step t = 1**, layer 1" + (f", sequence 1 of {batch}" if batch > 1 else ", per hidden unit")
            assert step in text
    layer = next(s for s in at.selectbox if s.label == "layer")
    layer.set_value(2).run()
    assert any(c.value.startswith("Layer 2 reads layer 1's hidden state") for c in at.caption)
    assert any(r"W_{ih}h^{(1)}_1" in x.value for x in at.latex)  # layer 2's input is layer 1's h_t


def test_a_model_whose_states_differ_but_answers_do_not_is_told_so():
    """Seed 0, the RNNCell recipe: "l" at both l's, though h₄ and h₃ differ by 1.28; the page says
    the states differ but not enough to change the answer (it said it had not learnt to use them)."""
    at = open_unrolling()
    at.number_input(key="hello_seed").set_value(0).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    mem = unrolling.memory_check(at.session_state["hello__run"].model)
    assert not mem.told_apart and mem.h_distance > unrolling.SAME_STATE
    assert f"Its hidden states there do differ (‖h₄ − h₃‖ = {mem.h_distance:.2f}, last layer)" in text
    assert "almost the same" not in text


def test_a_gradient_that_shrank_but_did_not_vanish_says_where_vanishing_starts():
    """Weight scale 1.5: the RNN keeps 8.4e-02 of its gradient; 'did not vanish' names the line (1e-02)."""
    at = open_unrolling()
    at.slider(key="gtt_scale").set_value(1.5).run()
    assert not reveal(at).exception  # the chart and the lesson answer checkpoint 4
    text = " ".join(m.value for m in at.markdown)
    assert "the RNN's gradient did not vanish over these 49 steps: at t = 1 it is still 8.41e-02 times" in text
    assert f"not below {unrolling.VANISHED:.0e}, where this page calls it vanished" in text
